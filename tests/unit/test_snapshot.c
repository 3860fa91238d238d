/* SPDX-License-Identifier: Apache-2.0 */
/* Snapshots of cip_range and cip_ports: Kubernetes RangeAllocation data
 * (kubernetes.md §2.2–§2.3, byte for byte) and the native, checksummed
 * format (lib/snapshot.h), including hostile input. The concurrent
 * semantics are in tests/stress/test_range_stress.c. */
#include "cip_test.h"

#include <clusterip/ports.h>
#include <clusterip/range.h>

#include <inttypes.h>

#include "snapshot.h" /* cip__xxh64 */

#define SEED UINT64_C(0x0123456789ABCDEF)
#define PA(expr) (&(cip_addr[1]){ expr }[0])

/* Native header fields (lib/snapshot.h). */
#define H_VERSION 8
#define H_HEADER_LEN 12
#define H_RESERVED18 18
#define H_SIZE 40
#define H_BAND 48
#define H_QMAX 64
#define H_ENCODING 72
#define H_RESERVED76 76
#define H_COUNT 80
#define H_NQ 88
#define H_PAYLOAD 96
#define H_RESERVED104 104
#define HEADER 112

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void set_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Recomputes the trailing checksum of a native snapshot. */
static void reseal(uint8_t *buf, size_t len)
{
	set_le64(buf + len - 8, cip__xxh64(buf, len - 8, 0));
}

/* network + 1 + off, for IPv4 (by hand). */
static cip_addr v4at(const cip_prefix *p, uint32_t off)
{
	cip_addr a = p->addr;
	uint32_t v = (uint32_t)a.bytes[12] << 24 | (uint32_t)a.bytes[13] << 16 |
		     (uint32_t)a.bytes[14] << 8 | a.bytes[15];

	v += off + 1;
	a.bytes[12] = (uint8_t)(v >> 24);
	a.bytes[13] = (uint8_t)(v >> 16);
	a.bytes[14] = (uint8_t)(v >> 8);
	a.bytes[15] = (uint8_t)v;
	return a;
}

/* network + 1 + off, for an IPv6 /64 (by hand; off < 2^64 - 1). */
static cip_addr v6at(const cip_prefix *p, uint64_t off)
{
	cip_addr a = p->addr;
	uint64_t lo = off + 1;

	for (int i = 15; i >= 8; i--, lo >>= 8)
		a.bytes[i] = (uint8_t)lo;
	return a;
}

static cip_range *make(const cip_prefix *p, int64_t band, uint64_t qns)
{
	cip_range_opts o;
	cip_range *r = NULL;

	cip_range_opts_init(&o, sizeof o);
	o.static_band = band;
	o.quarantine_ns = qns;
	o.seed = SEED;
	assert_int_equal(cip_range_new(&r, p, &o), 0);
	return r;
}

/* A native snapshot in a heap buffer of exactly its size. */
static uint8_t *snap(const cip_range *r, uint64_t now, size_t *len)
{
	uint8_t *buf;

	*len = 0;
	assert_int_equal(cip_range_snapshot(r, now, NULL, 0, len), CIP_EBUFSIZE);
	assert_true(*len >= HEADER + 8);
	buf = malloc(*len);
	assert_non_null(buf);
	assert_int_equal(cip_range_snapshot(r, now, buf, *len, len), 0);
	return buf;
}

/* Whether two ranges (or one at two times) give identical snapshots. */
static int same_snapshot(const uint8_t *a, size_t alen, const cip_range *r, uint64_t now)
{
	size_t blen;
	uint8_t *b = snap(r, now, &blen);
	int same = alen == blen && memcmp(a, b, alen) == 0;

	free(b);
	return same;
}

/* Offsets visited by foreach, for IPv4 ranges. */
struct walk {
	const cip_prefix *p;
	uint64_t offs[300];
	size_t n;
};

static int walk_fn(const cip_addr *a, void *ctx)
{
	struct walk *w = ctx;
	uint64_t v = 0, base = 0;

	for (int i = 8; i < 16; i++) {
		v = v << 8 | a->bytes[i];
		base = base << 8 | w->p->addr.bytes[i];
	}
	if (w->n < 300)
		w->offs[w->n] = v - base - 1;
	w->n++;
	return 0;
}

static size_t walk(const cip_range *r, const cip_prefix *p, struct walk *w)
{
	w->p = p;
	w->n = 0;
	assert_int_equal(cip_range_foreach(r, walk_fn, w), 0);
	return w->n;
}

/* ------------------------------------------------------------------ */
/* XXH64                                                              */
/* ------------------------------------------------------------------ */

static void test_xxh64_vectors(void **state)
{
	(void)state;
	static const char spam[] = "Nobody inspects the spammish repetition";

	assert_true(cip__xxh64("", 0, 0) == UINT64_C(0xEF46DB3751D8E999));
	assert_true(cip__xxh64("a", 1, 0) == UINT64_C(0xD24EC4F1A98C6E5B));
	assert_true(cip__xxh64("abc", 3, 0) == UINT64_C(0x44BC2CF5AD770999));
	/* 39 bytes: the 32-byte stripes, an 8-byte lane... (python-xxhash's
	 * README example). */
	assert_true(cip__xxh64(spam, sizeof spam - 1, 0) == UINT64_C(0xFBCEA83C8A378BF1));
}

/* ------------------------------------------------------------------ */
/* Kubernetes RangeAllocation                                         */
/* ------------------------------------------------------------------ */

struct k8s_vector {
	const char *name;
	uint16_t offs[4]; /* offsets + 1; 0 ends */
	int all;	  /* every offset */
	uint8_t data[33];
	size_t len;
};

static void vector_data(const struct k8s_vector *v, uint8_t *out, size_t *len)
{
	if (v->len <= 2 && !v->all) {
		memcpy(out, v->data, v->len);
	} else {
		out[0] = v->data[0];
		memset(out + 1, v->all ? 0xff : 0x00, 31);
	}
	*len = v->len;
}

static const struct k8s_vector vectors[] = {
	{ "none", { 0 }, 0, { 0 }, 0 },	      { ".1", { 1 }, 0, { 0x01 }, 1 },
	{ ".5", { 5 }, 0, { 0x10 }, 1 },      { ".1 + .10", { 1, 10 }, 0, { 0x02, 0x01 }, 2 },
	{ ".254", { 254 }, 0, { 0x20 }, 32 }, { "all 254", { 0 }, 1, { 0x3f }, 32 },
};

static void fill_vector(cip_range *r, const cip_prefix *p, const struct k8s_vector *v)
{
	for (uint32_t off = 0; v->all && off < 254; off++)
		assert_int_equal(cip_range_allocate(r, PA(v4at(p, off)), 0), 0);
	for (int i = 0; i < 4 && v->offs[i]; i++)
		assert_int_equal(cip_range_allocate(r, PA(v4at(p, v->offs[i] - 1u)), 0), 0);
}

static void test_k8s_vectors(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.0.0.0", 24);
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(vectors); i++) {
		const struct k8s_vector *v = &vectors[i];
		cip_range *r = make(&p, CIP_STATIC_BAND_AUTO, 0);
		uint8_t want[33], got[40];
		size_t wlen, glen = 999;

		vector_data(v, want, &wlen);
		fill_vector(r, &p, v);
		ct_fill(got, sizeof got);
		int rc = cip_range_export_k8s(r, got, sizeof got, &glen);
		CHECK(failures, rc == 0 && glen == wlen && !memcmp(got, want, wlen),
		      "%s: rc %d, len %zu (want %zu), first byte %02x\n", v->name, rc, glen, wlen,
		      got[0]);
		CHECK(failures, ct_untouched(got + wlen, sizeof got - wlen), "%s: wrote past len\n",
		      v->name);
		/* An exact-size buffer is enough. */
		if (wlen > 0) {
			rc = cip_range_export_k8s(r, got, wlen, &glen);
			CHECK(failures, rc == 0 && glen == wlen, "%s: exact cap\n", v->name);
		}

		/* And back: the same addresses. */
		struct walk w1, w2;
		cip_range *r2 = make(&p, CIP_STATIC_BAND_AUTO, 0);
		assert_int_equal(cip_range_allocate(r2, PA(v4at(&p, 100)), 0), 0); /* replaced */
		rc = cip_range_import_k8s(r2, S("10.0.0.0/24"), want, wlen);
		CHECK(failures, rc == 0, "%s: import %d\n", v->name, rc);
		walk(r, &p, &w1);
		walk(r2, &p, &w2);
		CHECK(failures, w1.n == w2.n && !memcmp(w1.offs, w2.offs, w1.n * sizeof(uint64_t)),
		      "%s: imported %zu addresses, want %zu\n", v->name, w2.n, w1.n);
		uint64_t u = 0;
		cip_range_used(r2, CIP_BAND_ALL, &u);
		CHECK(failures, u == w1.n, "%s: used %llu after import\n", v->name,
		      (unsigned long long)u);
		cip_range_free(r2);
		cip_range_free(r);
	}
	CHECK_DONE(failures);
}

static void test_k8s_spec(void **state)
{
	(void)state;
	static const struct {
		const char *addr;
		unsigned len;
		const char *spec;
	} rows[] = {
		{ "10.96.0.0", 12, "10.96.0.0/12" },
		{ "10.0.0.0", 24, "10.0.0.0/24" },
		{ "fd00:10:96::", 112, "fd00:10:96::/112" },
		{ "2001:db8:0:0:1::", 108, "2001:db8:0:0:1::/108" },
		{ "fd22:ff0::", 64, "fd22:ff0::/64" },
	};
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		cip_prefix p = ct_prefix(rows[i].addr, rows[i].len);
		cip_range *r = make(&p, CIP_STATIC_BAND_AUTO, 0);
		char buf[CIP_PREFIX_STRLEN];
		size_t n = strlen(rows[i].spec);
		int rc = cip_range_k8s_spec(r, buf, sizeof buf);

		CHECK(failures, rc == (int)n && !strcmp(buf, rows[i].spec), "row %zu: %d \"%s\"\n",
		      i, rc, rc > 0 ? buf : "");
		ct_fill(buf, sizeof buf);
		rc = cip_range_k8s_spec(r, buf, n);
		CHECK(failures, rc == CIP_EBUFSIZE && ct_untouched(buf, sizeof buf),
		      "row %zu: no room for the NUL: %d\n", i, rc);
		rc = cip_range_k8s_spec(r, buf, n + 1);
		CHECK(failures, rc == (int)n, "row %zu: exact room: %d\n", i, rc);
		cip_range_free(r);
	}
	CHECK(failures, cip_range_k8s_spec(NULL, (char[8]){ 0 }, 8) == CIP_EINVAL, "NULL\n");
	CHECK_DONE(failures);
}

static void test_k8s_import_forms(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.0.0.0", 24);
	cip_range *r = make(&p, CIP_STATIC_BAND_AUTO, 0);
	uint8_t data[40], *before;
	size_t blen;
	struct walk w;

	/* Leading zero bytes are accepted. */
	memset(data, 0, sizeof data);
	data[39] = 0x01;
	data[38] = 0x02; /* offsets 0 and 9 */
	assert_int_equal(cip_range_import_k8s(r, S("10.0.0.0/24"), data, 40), 0);
	assert_int_equal(walk(r, &p, &w), 2);
	assert_int_equal(w.offs[0], 0);
	assert_int_equal(w.offs[1], 9);
	/* Empty data: nothing allocated (NULL is fine with 0). */
	assert_int_equal(cip_range_import_k8s(r, S("10.0.0.0/24"), data, 0), 0);
	assert_int_equal(walk(r, &p, &w), 0);
	assert_int_equal(cip_range_import_k8s(r, S("10.0.0.0/24"), NULL, 0), 0);
	/* Go's ParseCIDRSloppy: host bits are masked off. */
	assert_int_equal(cip_range_import_k8s(r, S("10.0.0.7/24"), data + 38, 2), 0);
	assert_int_equal(walk(r, &p, &w), 2);

	/* Failures leave everything as it was. */
	before = snap(r, 0, &blen);
	static const struct {
		const char *spec;
		size_t len;
		int rc;
	} bad_specs[] = {
		{ S("10.0.1.0/24"), CIP_ESNAPSHOT_MISMATCH },
		{ S("10.0.0.0/25"), CIP_ESNAPSHOT_MISMATCH },
		{ S("10.0.0.0/23"), CIP_ESNAPSHOT_MISMATCH },
		{ S("::ffff:10.0.0.0/120"), CIP_ESNAPSHOT_MISMATCH },
		{ S("fd00::/24"), CIP_ESNAPSHOT_MISMATCH },
		{ S("10.0.0.0"), CIP_ESNAPSHOT_MISMATCH },
		{ S("garbage"), CIP_ESNAPSHOT_MISMATCH },
		{ S(""), CIP_ESNAPSHOT_MISMATCH },
		{ S("10.0.0.0/24\0"), CIP_ESNAPSHOT_MISMATCH },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad_specs); i++) {
		int rc = cip_range_import_k8s(r, bad_specs[i].spec, bad_specs[i].len, data + 39, 1);
		if (rc != bad_specs[i].rc)
			fail_msg("spec \"%s\": %d, want %d", bad_specs[i].spec, rc,
				 bad_specs[i].rc);
		assert_true(same_snapshot(before, blen, r, 0));
	}
	/* Bits at or past the usable size (254). */
	static const struct {
		uint8_t first;
		size_t len;
	} bad_data[] = {
		{ 0x40, 32 },		    /* offset 254: the broadcast */
		{ 0x80, 32 },		    /* offset 255 */
		{ 0xc0, 32 }, { 0x01, 33 }, /* offset 256 */
		{ 0x80, 40 },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad_data); i++) {
		uint8_t d[40] = { 0 };

		d[0] = bad_data[i].first;
		d[bad_data[i].len - 1] |= 0x01;
		int rc = cip_range_import_k8s(r, S("10.0.0.0/24"), d, bad_data[i].len);
		if (rc != CIP_ESNAPSHOT_CORRUPT)
			fail_msg("data row %zu: %d", i, rc);
		assert_true(same_snapshot(before, blen, r, 0));
	}
	/* The highest usable bit alone is fine, with or without a zero byte before it. */
	uint8_t top[33] = { 0 };
	top[1] = 0x20;
	assert_int_equal(cip_range_import_k8s(r, S("10.0.0.0/24"), top, 33), 0);
	assert_int_equal(walk(r, &p, &w), 1);
	assert_int_equal(w.offs[0], 253);
	/* Arguments. */
	assert_int_equal(cip_range_import_k8s(NULL, S("10.0.0.0/24"), data, 1), CIP_EINVAL);
	assert_int_equal(cip_range_import_k8s(r, NULL, 11, data, 1), CIP_EINVAL);
	assert_int_equal(cip_range_import_k8s(r, S("10.0.0.0/24"), NULL, 1), CIP_EINVAL);
	free(before);
	cip_range_free(r);
}

/* An odd usable size: the last byte is partial (a /29 has 6). */
static void test_k8s_partial_byte(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.0.0.8", 29);
	cip_range *r = make(&p, CIP_STATIC_BAND_OFF, 0);
	uint8_t d[4];
	size_t len;

	assert_int_equal(cip_range_import_k8s(r, S("10.0.0.8/29"), (uint8_t[]){ 0x3f }, 1), 0);
	assert_int_equal(cip_range_export_k8s(r, d, sizeof d, &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(d[0], 0x3f);
	assert_int_equal(cip_range_import_k8s(r, S("10.0.0.8/29"), (uint8_t[]){ 0x40 }, 1),
			 CIP_ESNAPSHOT_CORRUPT);
	assert_int_equal(cip_range_import_k8s(r, S("10.0.0.8/29"), (uint8_t[]){ 0x01, 0 }, 2),
			 CIP_ESNAPSHOT_CORRUPT);
	assert_int_equal(cip_range_export_k8s(r, d, sizeof d, &len), 0);
	assert_int_equal(d[0], 0x3f); /* unchanged */
	cip_range_free(r);
}

static void test_k8s_export_sizes(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.0.0.0", 24);
	cip_range *r = make(&p, CIP_STATIC_BAND_AUTO, 1000);
	uint8_t buf[40];
	size_t len = 12345;

	/* Empty: nothing to write, even with no buffer. */
	assert_int_equal(cip_range_export_k8s(r, NULL, 0, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(cip_range_allocate(r, PA(v4at(&p, 253)), 0), 0);
	len = 0;
	assert_int_equal(cip_range_export_k8s(r, NULL, 0, &len), CIP_EBUFSIZE);
	assert_int_equal(len, 32); /* ceil(254 / 8) */
	ct_fill(buf, sizeof buf);
	len = 0;
	assert_int_equal(cip_range_export_k8s(r, buf, 31, &len), CIP_EBUFSIZE);
	assert_int_equal(len, 32);
	assert_true(ct_untouched(buf, sizeof buf));
	assert_int_equal(cip_range_export_k8s(r, NULL, 5, &len), CIP_EINVAL);
	assert_int_equal(cip_range_export_k8s(r, buf, sizeof buf, NULL), CIP_EINVAL);
	assert_int_equal(cip_range_export_k8s(NULL, buf, sizeof buf, &len), CIP_EINVAL);
	/* Quarantined addresses are free in this format. */
	assert_int_equal(cip_range_allocate(r, PA(v4at(&p, 0)), 0), 0);
	assert_int_equal(cip_range_release(r, PA(v4at(&p, 253)), 0, 0), 0);
	assert_int_equal(cip_range_export_k8s(r, buf, sizeof buf, &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(buf[0], 0x01);
	/* Import empties the quarantine. */
	assert_int_equal(cip_range_import_k8s(r, S("10.0.0.0/24"), buf, 1), 0);
	cip_range_stats s;
	s.sz = sizeof s;
	assert_int_equal(cip_range_stats_get(r, &s), 0);
	assert_int_equal(s.all.quarantined, 0);
	assert_int_equal(s.all.used, 1);
	assert_int_equal(s.all.available, 253);
	cip_range_free(r);
}

static void test_k8s_large_unsupported(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("fd00::", 64);
	cip_range *r = make(&p, CIP_STATIC_BAND_AUTO, 0);
	uint8_t buf[8];
	size_t len = 99;

	assert_int_equal(cip_range_export_k8s(r, buf, sizeof buf, &len), CIP_EUNSUPPORTED);
	assert_int_equal(cip_range_import_k8s(r, S("fd00::/64"), (uint8_t[]){ 1 }, 1),
			 CIP_EUNSUPPORTED);
	assert_int_equal(cip_range_import_k8s(r, S("fd01::/64"), (uint8_t[]){ 1 }, 1),
			 CIP_ESNAPSHOT_MISMATCH);
	cip_range_free(r);
	/* An IPv6 /112 is dense: both directions work. */
	p = ct_prefix("fd00::", 112);
	r = make(&p, CIP_STATIC_BAND_AUTO, 0);
	assert_int_equal(cip_range_import_k8s(r, S("fd00::/112"), (uint8_t[]){ 1, 0 }, 2), 0);
	assert_int_equal(cip_range_has(r, PA(ct_addr("fd00::9"))), 1);
	assert_int_equal(cip_range_export_k8s(r, buf, sizeof buf, &len), 0);
	assert_int_equal(len, 2);
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[1], 0);
	/* The all-ones address is usable in IPv6 and is bit 65534. */
	uint8_t all[8192];
	memset(all, 0, sizeof all);
	all[0] = 0x40;
	assert_int_equal(cip_range_import_k8s(r, S("fd00::/112"), all, sizeof all), 0);
	assert_int_equal(cip_range_has(r, PA(ct_addr("fd00::ffff"))), 1);
	all[0] = 0x80; /* bit 65535: past the end */
	assert_int_equal(cip_range_import_k8s(r, S("fd00::/112"), all, sizeof all),
			 CIP_ESNAPSHOT_CORRUPT);
	cip_range_free(r);
}

static void test_k8s_ports(void **state)
{
	(void)state;
	cip_port_range pr = { 30000, 2768 };
	cip_ports *pp = NULL;
	uint8_t buf[400];
	size_t len = 0;

	assert_int_equal(cip_ports_new(&pp, &pr, NULL), 0);
	assert_int_equal(cip_ports_allocate(pp, 30000, 0), 0);
	assert_int_equal(cip_ports_export_k8s(pp, buf, sizeof buf, &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(buf[0], 0x01);
	assert_int_equal(cip_ports_allocate(pp, 32767, 0), 0);
	assert_int_equal(cip_ports_export_k8s(pp, NULL, 0, &len), CIP_EBUFSIZE);
	assert_int_equal(len, 346); /* ceil(2768 / 8) */
	assert_int_equal(cip_ports_export_k8s(pp, buf, sizeof buf, &len), 0);
	assert_int_equal(len, 346);
	assert_int_equal(buf[0], 0x80); /* offset 2767: bit 7 of the first byte */
	assert_int_equal(buf[345], 0x01);

	cip_ports *q = NULL;
	assert_int_equal(cip_ports_new(&q, &pr, NULL), 0);
	assert_int_equal(cip_ports_import_k8s(q, S("30000-32766"), buf, len),
			 CIP_ESNAPSHOT_MISMATCH);
	assert_int_equal(cip_ports_import_k8s(q, S(" 30000-32767"), buf, len),
			 CIP_ESNAPSHOT_MISMATCH);
	assert_int_equal(cip_ports_import_k8s(q, S("30000+2767"), buf, len),
			 CIP_ESNAPSHOT_MISMATCH); /* Kubernetes compares String() */
	assert_int_equal(cip_ports_has(q, 30000), 0);
	assert_int_equal(cip_ports_import_k8s(q, S("30000-32767"), buf, len), 0);
	assert_int_equal(cip_ports_has(q, 30000), 1);
	assert_int_equal(cip_ports_has(q, 32767), 1);
	assert_int_equal(cip_ports_has(q, 30001), 0);
	uint8_t past[347] = { 0x01 }; /* offset 2768: past the end */
	memcpy(past + 1, buf, len);
	assert_int_equal(cip_ports_import_k8s(q, S("30000-32767"), past, sizeof past),
			 CIP_ESNAPSHOT_CORRUPT);
	past[0] = 0;
	assert_int_equal(cip_ports_import_k8s(q, S("30000-32767"), past, sizeof past), 0);
	assert_int_equal(cip_ports_has(q, 32767), 1);
	assert_int_equal(cip_ports_import_k8s(NULL, S("30000-32767"), buf, len), CIP_EINVAL);
	assert_int_equal(cip_ports_export_k8s(NULL, buf, 1, &len), CIP_EINVAL);
	cip_ports_free(q);
	cip_ports_free(pp);
}

/* ------------------------------------------------------------------ */
/* Native snapshots                                                   */
/* ------------------------------------------------------------------ */

static void test_native_round_trip_dense(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.0.0.0", 24);
	cip_range *r = make(&p, CIP_STATIC_BAND_AUTO, 1000), *r2, *r3 = NULL;
	uint8_t *buf;
	size_t len;
	struct walk w1, w2;

	for (uint32_t off = 0; off < 254; off += 3)
		assert_int_equal(cip_range_allocate(r, PA(v4at(&p, off)), 0), 0);
	/* Quarantined: .241 at 100 (due 1100), .4 at 110 (due 1110), .100 at 120. */
	assert_int_equal(cip_range_release(r, PA(v4at(&p, 240)), 100, 0), 0);
	assert_int_equal(cip_range_release(r, PA(v4at(&p, 3)), 110, 0), 0);
	assert_int_equal(cip_range_release(r, PA(v4at(&p, 99)), 120, 0), 0);
	buf = snap(r, 300, &len);
	assert_int_equal(len, HEADER + 32 + 3 * 16 + 8);
	assert_int_equal(get_le64(buf + H_NQ), 3);
	assert_int_equal(get_le64(buf + H_COUNT), 85 - 3);

	/* Into a fresh range of the same shape, at another time. */
	r2 = make(&p, CIP_STATIC_BAND_AUTO, 1000);
	assert_int_equal(cip_range_allocate(r2, PA(v4at(&p, 1)), 0), 0); /* replaced */
	assert_int_equal(cip_range_restore(r2, 5000, buf, len), 0);
	walk(r, &p, &w1);
	walk(r2, &p, &w2);
	assert_int_equal(w1.n, w2.n);
	assert_memory_equal(w1.offs, w2.offs, w1.n * sizeof(uint64_t));
	assert_int_equal(cip_range_has(r2, PA(v4at(&p, 1))), 0);
	assert_int_equal(cip_range_has(r2, PA(v4at(&p, 240))), 0);
	cip_range_stats s;
	s.sz = sizeof s;
	cip_range_stats_get(r2, &s);
	assert_int_equal(s.all.quarantined, 3);
	assert_int_equal(s.all.used, 82);
	/* Remaining times (800, 810, 820 at 300) rebased on 5000, in
	 * expiry order, whatever the offsets' order. */
	assert_int_equal(cip_range_expire(r2, 5799), 0);
	assert_int_equal(cip_range_expire(r2, 5800), 1);
	assert_int_equal(cip_range_has(r2, PA(v4at(&p, 240))), 0);
	uint64_t av = 0;
	cip_range_available(r2, CIP_BAND_ALL, &av);
	assert_int_equal(av, 254 - 85 + 1);
	assert_int_equal(cip_range_expire(r2, 5810), 1);
	assert_int_equal(cip_range_expire(r2, 5820), 1);
	/* The snapshot of the restored range at the same remaining times is
	 * the same snapshot. */
	cip_range *r4 = make(&p, CIP_STATIC_BAND_AUTO, 1000);
	assert_int_equal(cip_range_restore(r4, 5000, buf, len), 0);
	assert_true(same_snapshot(buf, len, r4, 5000));
	cip_range_free(r4);

	/* new_from_snapshot: same CIDR, band and quarantine. */
	assert_int_equal(cip_range_new_from_snapshot(&r3, 0, buf, len, 77), 0);
	uint64_t band = 0;
	cip_range_static_band_size(r3, &band);
	assert_int_equal(band, 16);
	walk(r3, &p, &w2);
	assert_int_equal(w1.n, w2.n);
	assert_memory_equal(w1.offs, w2.offs, w1.n * sizeof(uint64_t));
	assert_int_equal(cip_range_expire(r3, 799), 0);
	assert_int_equal(cip_range_expire(r3, 800), 1);
	assert_int_equal(cip_range_expire(r3, 820), 2);
	/* its quarantine duration came along */
	assert_int_equal(cip_range_release(r3, PA(v4at(&p, 6)), 0, 0), 0);
	assert_int_equal(cip_range_expire(r3, 999), 0);
	assert_int_equal(cip_range_expire(r3, 1000), 1);
	assert_true(same_snapshot(buf, len, r, 300)); /* the source is unchanged */

	/* Into a range without quarantine: the entries are free. */
	cip_range *r5 = make(&p, CIP_STATIC_BAND_AUTO, 0);
	assert_int_equal(cip_range_restore(r5, 0, buf, len), 0);
	cip_range_stats_get(r5, &s);
	assert_int_equal(s.all.quarantined, 0);
	assert_int_equal(s.all.used, 82);
	assert_int_equal(s.all.available, 254 - 82);
	cip_range_free(r5);

	free(buf);
	cip_range_free(r);
	cip_range_free(r2);
	cip_range_free(r3);
}

static void test_native_round_trip_sparse(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("fd00:1::", 64);
	cip_range *r = make(&p, CIP_STATIC_BAND_AUTO, 1000), *r2, *r3 = NULL;
	uint64_t offs[] = { 0, 5, 255, 256, UINT64_C(1) << 40, UINT64_MAX - 2, UINT64_MAX - 1 };
	uint8_t *buf;
	size_t len;
	cip_addr a;

	for (size_t i = 0; i < ARRAY_LEN(offs); i++)
		assert_int_equal(cip_range_allocate(r, PA(v6at(&p, offs[i])), 0), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(cip_range_allocate_next(r, 0, 0, &a), 0);
	assert_int_equal(cip_range_release(r, PA(v6at(&p, UINT64_MAX - 1)), 10, 0), 0);
	assert_int_equal(cip_range_release(r, PA(v6at(&p, 5)), 20, 0), 0);
	buf = snap(r, 20, &len);
	assert_int_equal(len, HEADER + 105 * 8 + 2 * 16 + 8);
	assert_int_equal(get_le64(buf + H_COUNT), 105);

	r2 = make(&p, CIP_STATIC_BAND_AUTO, 1000);
	assert_int_equal(cip_range_allocate(r2, PA(v6at(&p, 7)), 0), 0);
	assert_int_equal(cip_range_restore(r2, 1000, buf, len), 0);
	assert_int_equal(cip_range_has(r2, PA(v6at(&p, 7))), 0);
	assert_true(same_snapshot(buf, len, r2, 1000));
	assert_int_equal(cip_range_has(r2, PA(v6at(&p, UINT64_MAX - 2))), 1);
	assert_int_equal(cip_range_has(r2, PA(v6at(&p, UINT64_MAX - 1))), 0);
	assert_int_equal(cip_range_expire(r2, 1989), 0);
	assert_int_equal(cip_range_expire(r2, 1990), 1); /* the first release, first */
	assert_int_equal(cip_range_expire(r2, 2000), 1);
	assert_int_equal(cip_range_new_from_snapshot(&r3, 0, buf, len, 0), 0);
	assert_true(same_snapshot(buf, len, r3, 0));
	free(buf);
	cip_range_free(r);
	cip_range_free(r2);
	cip_range_free(r3);
}

static void test_native_buffer_protocol(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.0.0.16", 28);
	cip_range *r = make(&p, CIP_STATIC_BAND_OFF, 0);
	uint8_t buf[200];
	size_t len = 0, need;

	assert_int_equal(cip_range_snapshot(r, 0, NULL, 0, &len), CIP_EBUFSIZE);
	need = len;
	assert_int_equal(need, HEADER + 8 + 8);
	ct_fill(buf, sizeof buf);
	assert_int_equal(cip_range_snapshot(r, 0, buf, need - 1, &len), CIP_EBUFSIZE);
	assert_int_equal(len, need);
	assert_true(ct_untouched(buf, sizeof buf));
	assert_int_equal(cip_range_snapshot(r, 0, buf, need, &len), 0);
	assert_int_equal(len, need);
	assert_true(ct_untouched(buf + need, sizeof buf - need));
	assert_int_equal(cip_range_snapshot(r, 0, NULL, 5, &len), CIP_EINVAL);
	assert_int_equal(cip_range_snapshot(r, 0, buf, sizeof buf, NULL), CIP_EINVAL);
	assert_int_equal(cip_range_snapshot(NULL, 0, buf, sizeof buf, &len), CIP_EINVAL);
	assert_int_equal(cip_range_restore(NULL, 0, buf, need), CIP_EINVAL);
	assert_int_equal(cip_range_restore(r, 0, NULL, need), CIP_EINVAL);
	cip_range *r2 = (cip_range *)buf;
	assert_int_equal(cip_range_new_from_snapshot(NULL, 0, buf, need, 0), CIP_EINVAL);
	assert_int_equal(cip_range_new_from_snapshot(&r2, 0, NULL, need, 0), CIP_EINVAL);
	assert_ptr_equal(r2, (cip_range *)buf);
	cip_range_free(r);
}

static void test_native_mismatch(void **state)
{
	(void)state;
	cip_prefix p24 = ct_prefix("10.0.0.0", 24), p24b = ct_prefix("10.0.1.0", 24);
	cip_prefix p23 = ct_prefix("10.0.0.0", 23), p6 = ct_prefix("fd00::", 120);
	cip_prefix p48 = ct_prefix("2001:db8:1::", 48);
	cip_range *r = make(&p24, CIP_STATIC_BAND_AUTO, 0);
	uint8_t *buf, *pbuf;
	size_t len, plen;

	assert_int_equal(cip_range_allocate(r, PA(v4at(&p24, 9)), 0), 0);
	buf = snap(r, 0, &len);
	struct {
		const cip_prefix *p;
		int64_t band;
		unsigned flags;
	} others[] = {
		{ &p24b, CIP_STATIC_BAND_AUTO, 0 },
		{ &p23, CIP_STATIC_BAND_AUTO, 0 },
		{ &p6, CIP_STATIC_BAND_AUTO, 0 },
		{ &p24, CIP_STATIC_BAND_OFF, 0 },
		{ &p24, 17, 0 },
		{ &p24, 15, 0 },
	};
	for (size_t i = 0; i < ARRAY_LEN(others); i++) {
		cip_range_opts o;
		cip_range *x = NULL;
		uint8_t *xb;
		size_t xl;

		cip_range_opts_init(&o, sizeof o);
		o.static_band = others[i].band;
		o.flags = others[i].flags;
		o.seed = SEED;
		assert_int_equal(cip_range_new(&x, others[i].p, &o), 0);
		xb = snap(x, 0, &xl);
		if (cip_range_restore(x, 0, buf, len) != CIP_ESNAPSHOT_MISMATCH)
			fail_msg("row %zu: restored", i);
		assert_true(same_snapshot(xb, xl, x, 0));
		free(xb);
		cip_range_free(x);
	}
	/* The legacy cap is part of the shape. */
	cip_range_opts o;
	cip_range *capped = NULL, *v6 = NULL;
	cip_range_opts_init(&o, sizeof o);
	o.flags = CIP_RANGE_LEGACY_CAP;
	assert_int_equal(cip_range_new(&capped, &p48, &o), 0);
	cip_prefix p64 = ct_prefix("2001:db8:1::", 64);
	assert_int_equal(cip_range_new(&v6, &p64, &o), 0);
	uint8_t *cb = snap(capped, 0, &plen);
	assert_int_equal(cip_range_restore(v6, 0, cb, plen), CIP_ESNAPSHOT_MISMATCH);
	free(cb);
	cip_range_free(capped);
	cip_range_free(v6);

	/* A ports snapshot is not a range snapshot, and back. */
	cip_port_range pr = { 30000, 2768 };
	cip_ports *pp = NULL, *pq = (cip_ports *)buf;
	cip_range *rq = (cip_range *)buf;
	assert_int_equal(cip_ports_new(&pp, &pr, NULL), 0);
	assert_int_equal(cip_ports_snapshot(pp, 0, NULL, 0, &plen), CIP_EBUFSIZE);
	pbuf = malloc(plen);
	assert_int_equal(cip_ports_snapshot(pp, 0, pbuf, plen, &plen), 0);
	assert_int_equal(cip_range_restore(r, 0, pbuf, plen), CIP_ESNAPSHOT_MISMATCH);
	assert_int_equal(cip_ports_restore(pp, 0, buf, len), CIP_ESNAPSHOT_MISMATCH);
	assert_int_equal(cip_range_new_from_snapshot(&rq, 0, pbuf, plen, 0),
			 CIP_ESNAPSHOT_MISMATCH);
	assert_int_equal(cip_ports_new_from_snapshot(&pq, 0, buf, len, 0), CIP_ESNAPSHOT_MISMATCH);
	assert_ptr_equal(rq, (cip_range *)buf);
	assert_ptr_equal(pq, (cip_ports *)buf);
	assert_int_equal(cip_range_has(r, PA(v4at(&p24, 9))), 1);
	/* Another port range. */
	cip_port_range pr2 = { 30000, 2767 };
	cip_ports *p2 = NULL;
	assert_int_equal(cip_ports_new(&p2, &pr2, NULL), 0);
	assert_int_equal(cip_ports_restore(p2, 0, pbuf, plen), CIP_ESNAPSHOT_MISMATCH);
	cip_ports_free(p2);
	cip_ports_free(pp);
	free(pbuf);
	free(buf);
	cip_range_free(r);
}

/* A small snapshot with every part: bitmap, allocations, quarantine. */
static uint8_t *small_snapshot(cip_range **out, const cip_prefix *p, size_t *len)
{
	cip_range *r = make(p, CIP_STATIC_BAND_OFF, 1000);

	assert_int_equal(cip_range_allocate(r, PA(v4at(p, 0)), 0), 0);
	assert_int_equal(cip_range_allocate(r, PA(v4at(p, 7)), 0), 0);
	assert_int_equal(cip_range_allocate(r, PA(v4at(p, 13)), 0), 0);
	assert_int_equal(cip_range_release(r, PA(v4at(p, 7)), 0, 0), 0);
	*out = r;
	return snap(r, 10, len);
}

static int rejected(int rc)
{
	return rc == CIP_ESNAPSHOT_CORRUPT || rc == CIP_ESNAPSHOT_MISMATCH ||
	       rc == CIP_EUNSUPPORTED;
}

/* Every single-bit flip and every truncation is rejected, and the range
 * it was offered to is unchanged. */
static void test_native_flips_and_truncations(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.0.0.16", 28);
	cip_range *src, *dst = make(&p, CIP_STATIC_BAND_OFF, 1000), *x;
	size_t len, dlen;
	uint8_t *buf = small_snapshot(&src, &p, &len), *before;

	assert_int_equal(len, HEADER + 8 + 16 + 8);
	assert_int_equal(cip_range_allocate(dst, PA(v4at(&p, 2)), 0), 0);
	before = snap(dst, 0, &dlen);
	for (size_t bit = 0; bit < len * 8; bit++) {
		uint8_t *copy = malloc(len);

		memcpy(copy, buf, len);
		copy[bit / 8] ^= (uint8_t)(1u << bit % 8);
		int rc = cip_range_restore(dst, 0, copy, len);
		if (!rejected(rc))
			fail_msg("flip of bit %zu: restore %d", bit, rc);
		x = NULL;
		rc = cip_range_new_from_snapshot(&x, 0, copy, len, 0);
		if (!rejected(rc) || x)
			fail_msg("flip of bit %zu: new_from_snapshot %d", bit, rc);
		free(copy);
	}
	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, buf, n);
		int rc = cip_range_restore(dst, 0, copy, n);
		if (rc != CIP_ESNAPSHOT_CORRUPT)
			fail_msg("truncation to %zu: restore %d", n, rc);
		x = NULL;
		rc = cip_range_new_from_snapshot(&x, 0, copy, n, 0);
		if (rc != CIP_ESNAPSHOT_CORRUPT || x)
			fail_msg("truncation to %zu: new_from_snapshot %d", n, rc);
		free(copy);
	}
	/* Extended by a byte. */
	uint8_t *longer = calloc(1, len + 1);
	memcpy(longer, buf, len);
	assert_int_equal(cip_range_restore(dst, 0, longer, len + 1), CIP_ESNAPSHOT_CORRUPT);
	free(longer);
	assert_true(same_snapshot(before, dlen, dst, 0));
	/* And the original is fine. */
	assert_int_equal(cip_range_restore(dst, 0, buf, len), 0);
	assert_int_equal(cip_range_has(dst, PA(v4at(&p, 13))), 1);
	free(before);
	free(buf);
	cip_range_free(src);
	cip_range_free(dst);
}

/* Well-checksummed but hostile content. */
static void test_native_hostile(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.0.0.16", 28); /* 14 usable */
	cip_range *src, *dst = make(&p, CIP_STATIC_BAND_OFF, 1000);
	size_t len, dlen;
	uint8_t *buf = small_snapshot(&src, &p, &len), *before;
	const size_t qoff = HEADER + 8; /* the quarantine entry */

	assert_int_equal(cip_range_allocate(dst, PA(v4at(&p, 4)), 0), 0);
	before = snap(dst, 0, &dlen);
	/* The layout this test relies on. */
	assert_int_equal(get_le64(buf + H_COUNT), 2);
	assert_int_equal(get_le64(buf + H_NQ), 1);
	assert_int_equal(get_le64(buf + H_PAYLOAD), 8);
	assert_int_equal(get_le64(buf + HEADER), (1u << 0) | (1u << 13));
	assert_int_equal(get_le64(buf + qoff), 7);
	assert_int_equal(get_le64(buf + qoff + 8), 990);

	enum {
		VERSION,
		BIT_PAST_END,
		PADDING_BIT,
		COUNT_HIGH,
		COUNT_LOW,
		Q_ALLOCATED,
		Q_OUT_OF_RANGE,
		PAYLOAD_LONG,
		PAYLOAD_SHORT,
		NQ_HIGH,
		NQ_HUGE,
		RESERVED18,
		RESERVED76,
		RESERVED104,
		HEADER_LEN,
		ENCODING,
		SIZE_FIELD,
		BAND_FIELD,
		VERSION_ZERO,
		KIND,
		NCASES
	};
	for (int c = 0; c < NCASES; c++) {
		uint8_t *h = malloc(len);
		int want = CIP_ESNAPSHOT_CORRUPT, want_new = CIP_ESNAPSHOT_CORRUPT;

		memcpy(h, buf, len);
		switch (c) {
		case VERSION:
			h[H_VERSION] = 2;
			want = want_new = CIP_EUNSUPPORTED;
			break;
		case BIT_PAST_END: /* offset 14, with the count to match */
			set_le64(h + HEADER, get_le64(h + HEADER) | 1u << 14);
			set_le64(h + H_COUNT, 3);
			break;
		case PADDING_BIT:
			set_le64(h + HEADER, get_le64(h + HEADER) | UINT64_C(1) << 63);
			set_le64(h + H_COUNT, 3);
			break;
		case COUNT_HIGH:
			set_le64(h + H_COUNT, 3);
			break;
		case COUNT_LOW:
			set_le64(h + H_COUNT, 1);
			break;
		case Q_ALLOCATED: /* the quarantine entry is also allocated */
			set_le64(h + qoff, 13);
			break;
		case Q_OUT_OF_RANGE:
			set_le64(h + qoff, 14);
			break;
		case PAYLOAD_LONG:
			set_le64(h + H_PAYLOAD, 16);
			break;
		case PAYLOAD_SHORT:
			set_le64(h + H_PAYLOAD, 0);
			break;
		case NQ_HIGH:
			set_le64(h + H_NQ, 2);
			break;
		case NQ_HUGE:
			set_le64(h + H_NQ, UINT64_C(1) << 60);
			break;
		case RESERVED18:
			h[H_RESERVED18] = 1;
			break;
		case RESERVED76:
			h[H_RESERVED76 + 3] = 1;
			break;
		case RESERVED104:
			h[H_RESERVED104 + 7] = 0x80;
			break;
		case HEADER_LEN:
			h[H_HEADER_LEN] = 120;
			break;
		case ENCODING:
			h[H_ENCODING] = 2;
			break;
		case SIZE_FIELD: /* a size this CIDR cannot have */
			set_le64(h + H_SIZE, 13);
			want = CIP_ESNAPSHOT_MISMATCH;
			break;
		case BAND_FIELD: /* a band larger than the range */
			set_le64(h + H_BAND, 15);
			break;
		case VERSION_ZERO:
			h[H_VERSION] = 0;
			break;
		case KIND:
			h[10] = 3;
			break;
		}
		reseal(h, len);
		int rc = cip_range_restore(dst, 0, h, len);
		if (rc != want)
			fail_msg("case %d: restore %d, want %d", c, rc, want);
		cip_range *x = NULL;
		rc = cip_range_new_from_snapshot(&x, 0, h, len, 0);
		if (rc != want_new || x)
			fail_msg("case %d: new_from_snapshot %d, want %d", c, rc, want_new);
		assert_true(same_snapshot(before, dlen, dst, 0));
		free(h);
	}

	/* Two quarantine entries for one offset. */
	size_t l2 = len + 16;
	uint8_t *d = malloc(l2);
	memcpy(d, buf, len - 8);
	memcpy(d + len - 8, buf + qoff, 16);
	set_le64(d + H_NQ, 2);
	reseal(d, l2);
	assert_int_equal(cip_range_restore(dst, 0, d, l2), CIP_ESNAPSHOT_CORRUPT);
	cip_range *x = NULL;
	assert_int_equal(cip_range_new_from_snapshot(&x, 0, d, l2, 0), CIP_ESNAPSHOT_CORRUPT);
	/* ... which is not corrupt with two distinct offsets. */
	set_le64(d + len - 8, 8);
	reseal(d, l2);
	assert_int_equal(cip_range_restore(dst, 0, d, l2), 0);
	assert_int_equal(cip_range_expire(dst, 990), 2);
	free(d);
	free(before);
	free(buf);
	cip_range_free(src);
	cip_range_free(dst);
}

/* Hostile offset lists (the sparse encoding). */
/*
 * A snapshot's quarantine limit is configuration read from storage: one
 * above the documented 2^24, which cip_range_new() refuses, makes the
 * snapshot corrupt, instead of sizing a ring of up to 128 GiB for a
 * 200-byte file.
 */
static void test_native_quarantine_limit(void **state)
{
	(void)state;
	static const struct {
		uint64_t qmax;
		int want;
	} cases[] = {
		{ 16, 0 },
		{ UINT64_C(1) << 20, 0 },
		{ (UINT64_C(1) << 24) + 1, CIP_ESNAPSHOT_CORRUPT },
		{ UINT64_C(1) << 32, CIP_ESNAPSHOT_CORRUPT },
		{ UINT64_MAX, CIP_ESNAPSHOT_CORRUPT },
	};
	cip_prefix p = ct_prefix("fd00::", 64);
	cip_range_opts o;
	cip_range *r;
	size_t len;

	cip_range_opts_init(&o, sizeof o);
	o.seed = 1;
	o.quarantine_ns = 1000;
	o.quarantine_max = 16;
	assert_int_equal(cip_range_new(&r, &p, &o), 0);
	uint8_t *buf = snap(r, 0, &len);
	assert_int_equal(get_le64(buf + H_QMAX), 16);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cip_range *x = NULL;

		set_le64(buf + H_QMAX, cases[i].qmax);
		reseal(buf, len);
		if (cip_range_new_from_snapshot(&x, 0, buf, len, 1) != cases[i].want)
			fail_msg("quarantine max %" PRIu64 ": want %d", cases[i].qmax,
				 cases[i].want);
		assert_true(cases[i].want == 0 ? x != NULL : x == NULL);
		cip_range_free(x);
	}
	free(buf);
	cip_range_free(r);
}

static void test_native_hostile_list(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("fd00::", 64);
	cip_range *src = make(&p, CIP_STATIC_BAND_AUTO, 1000);
	cip_range *dst = make(&p, CIP_STATIC_BAND_AUTO, 1000);
	uint8_t *buf, *before;
	size_t len, dlen;

	assert_int_equal(cip_range_allocate(src, PA(v6at(&p, 10)), 0), 0);
	assert_int_equal(cip_range_allocate(src, PA(v6at(&p, 20)), 0), 0);
	assert_int_equal(cip_range_allocate(src, PA(v6at(&p, 30)), 0), 0);
	assert_int_equal(cip_range_release(src, PA(v6at(&p, 30)), 0, 0), 0);
	assert_int_equal(cip_range_allocate(dst, PA(v6at(&p, 99)), 0), 0);
	before = snap(dst, 0, &dlen);
	buf = snap(src, 0, &len);
	assert_int_equal(len, HEADER + 16 + 16 + 8);
	assert_int_equal(get_le64(buf + HEADER), 10);
	assert_int_equal(get_le64(buf + HEADER + 8), 20);

	enum {
		SWAPPED,
		DUPLICATE,
		PAST_END,
		LAST_OFFSET,
		COUNT_WRAP,
		COUNT_HUGE,
		Q_IN_LIST,
		NCASES
	};
	for (int c = 0; c < NCASES; c++) {
		uint8_t *h = malloc(len);

		memcpy(h, buf, len);
		switch (c) {
		case SWAPPED:
			set_le64(h + HEADER, 20);
			set_le64(h + HEADER + 8, 10);
			break;
		case DUPLICATE:
			set_le64(h + HEADER, 20);
			break;
		case PAST_END: /* UINT64_MAX: the size itself */
			set_le64(h + HEADER + 8, UINT64_MAX);
			break;
		case LAST_OFFSET: /* UINT64_MAX - 1 is fine: control case below */
			set_le64(h + HEADER + 8, UINT64_MAX - 1);
			break;
		case COUNT_WRAP: /* count * 8 wraps to the real payload length */
			set_le64(h + H_COUNT, (UINT64_C(1) << 61) + 2);
			break;
		case COUNT_HUGE:
			set_le64(h + H_COUNT, UINT64_MAX);
			break;
		case Q_IN_LIST: /* the quarantined offset is also in the list */
			set_le64(h + HEADER + 8, 30);
			break;
		}
		reseal(h, len);
		int rc = cip_range_restore(dst, 0, h, len);
		int want = c == LAST_OFFSET ? 0 : CIP_ESNAPSHOT_CORRUPT;
		if (rc != want)
			fail_msg("case %d: restore %d, want %d", c, rc, want);
		if (c == LAST_OFFSET) {
			assert_int_equal(cip_range_has(dst, PA(v6at(&p, UINT64_MAX - 1))), 1);
			assert_int_equal(cip_range_restore(dst, 0, before, dlen), 0);
		}
		cip_range *x = NULL;
		rc = cip_range_new_from_snapshot(&x, 0, h, len, 0);
		if (rc != want)
			fail_msg("case %d: new_from_snapshot %d, want %d", c, rc, want);
		cip_range_free(x);
		assert_true(same_snapshot(before, dlen, dst, 0));
		free(h);
	}
	free(before);
	free(buf);
	cip_range_free(src);
	cip_range_free(dst);
}

/*
 * A restore replaces the allocation state, not the history: the event
 * counters carry on (range.h: they only grow), for a native snapshot, for
 * Kubernetes data and for a port range; the gauges are those of the data.
 * A new range made from a snapshot starts its counters at zero.
 */
static void expect_events(const cip_range_stats *s, uint64_t allocs, uint64_t rels, uint64_t errs,
			  uint64_t used)
{
	assert_int_equal(s->all.allocations, allocs);
	assert_int_equal(s->all.releases, rels);
	assert_int_equal(s->all.errors, errs);
	assert_int_equal(s->all.used, used);
	assert_int_equal(s->all.used + s->all.available + s->all.quarantined, s->all.size);
}

static void test_restore_keeps_counters(void **state)
{
	cip_prefix p = ct_prefix("10.0.0.0", 24);
	cip_range *r = make(&p, CIP_STATIC_BAND_AUTO, 1000), *r2 = NULL;
	cip_port_range pr = { 30000, 64 };
	cip_ports *pp = NULL;
	cip_range_stats s = { .sz = sizeof(s) };
	uint8_t k8s[32], *buf;
	size_t len = 0, klen = 0;
	uint32_t port;
	cip_addr a;

	(void)state;
	for (uint32_t off = 0; off < 5; off++)
		assert_int_equal(cip_range_allocate(r, PA(v4at(&p, off)), 0), 0);
	assert_int_equal(cip_range_allocate(r, PA(v4at(&p, 0)), 0), CIP_EALLOCATED);
	assert_int_equal(cip_range_release(r, PA(v4at(&p, 1)), 0, 0), 0); /* quarantine */
	assert_int_equal(cip_range_release(r, PA(v4at(&p, 2)), 0, CIP_RELEASE_NOW), 0);
	buf = snap(r, 0, &len);
	assert_int_equal(cip_range_allocate(r, PA(v4at(&p, 9)), 0), 0); /* undone below */
	assert_int_equal(cip_range_restore(r, 0, buf, len), 0);
	assert_int_equal(cip_range_stats_get(r, &s), 0);
	expect_events(&s, 6, 2, 1, 3);
	assert_int_equal(s.all.quarantined, 1);
	assert_int_equal(cip_range_has(r, PA(v4at(&p, 9))), 0);
	/* They go on counting, and the gauges stay exact. */
	assert_int_equal(cip_range_allocate_next(r, 0, 0, &a), 0);
	assert_int_equal(cip_range_release(r, PA(v4at(&p, 3)), 0, CIP_RELEASE_NOW), 0);
	assert_int_equal(cip_range_stats_get(r, &s), 0);
	expect_events(&s, 7, 3, 1, 3);

	/* Kubernetes data: the quarantine is emptied, the counters stay. */
	assert_int_equal(cip_range_export_k8s(r, k8s, sizeof(k8s), &klen), 0);
	assert_int_equal(cip_range_import_k8s(r, "10.0.0.0/24", 11, k8s, klen), 0);
	assert_int_equal(cip_range_stats_get(r, &s), 0);
	expect_events(&s, 7, 3, 1, 3);
	assert_int_equal(s.all.quarantined, 0);

	/* A new range from the snapshot: the state, not the history. */
	assert_int_equal(cip_range_new_from_snapshot(&r2, 0, buf, len, SEED), 0);
	assert_int_equal(cip_range_stats_get(r2, &s), 0);
	expect_events(&s, 0, 0, 0, 3);
	free(buf);

	/* The same for a port range. */
	assert_int_equal(cip_ports_new(&pp, &pr, NULL), 0);
	assert_int_equal(cip_ports_allocate_next(pp, 0, 0, &port), 0);
	assert_int_equal(cip_ports_allocate(pp, port, 0), CIP_EALLOCATED);
	assert_int_equal(cip_ports_snapshot(pp, 0, NULL, 0, &len), CIP_EBUFSIZE);
	buf = malloc(len);
	assert_non_null(buf);
	assert_int_equal(cip_ports_snapshot(pp, 0, buf, len, &len), 0);
	assert_int_equal(cip_ports_release(pp, port, 0, 0), 0);
	assert_int_equal(cip_ports_restore(pp, 0, buf, len), 0);
	assert_int_equal(cip_ports_stats_get(pp, &s), 0);
	assert_int_equal(s.all.allocations, 1);
	assert_int_equal(s.all.releases, 1);
	assert_int_equal(s.all.errors, 1);
	assert_int_equal(s.all.used, 1);
	assert_int_equal(cip_ports_has(pp, port), 1);
	free(buf);
	cip_ports_free(pp);
	cip_range_free(r2);
	cip_range_free(r);
}

static void test_native_ports(void **state)
{
	(void)state;
	cip_port_range pr = { 30000, 2768 };
	cip_ports_opts o;
	cip_ports *p = NULL, *q = NULL, *n = NULL;
	uint8_t *buf;
	size_t len;

	cip_ports_opts_init(&o, sizeof o);
	o.quarantine_ns = 100;
	o.seed = SEED;
	assert_int_equal(cip_ports_new(&p, &pr, &o), 0);
	assert_int_equal(cip_ports_allocate(p, 30000, 0), 0);
	assert_int_equal(cip_ports_allocate(p, 32767, 0), 0);
	assert_int_equal(cip_ports_allocate(p, 31000, 0), 0);
	assert_int_equal(cip_ports_release(p, 31000, 0, 0), 0);
	assert_int_equal(cip_ports_snapshot(p, 50, NULL, 0, &len), CIP_EBUFSIZE);
	buf = malloc(len);
	assert_int_equal(cip_ports_snapshot(p, 50, buf, len, &len), 0);
	assert_int_equal(cip_ports_new(&q, &pr, &o), 0);
	assert_int_equal(cip_ports_restore(q, 1000, buf, len), 0);
	assert_int_equal(cip_ports_has(q, 30000), 1);
	assert_int_equal(cip_ports_has(q, 32767), 1);
	assert_int_equal(cip_ports_has(q, 31000), 0);
	assert_int_equal(cip_ports_expire(q, 1049), 0);
	assert_int_equal(cip_ports_expire(q, 1050), 1);
	assert_int_equal(cip_ports_new_from_snapshot(&n, 0, buf, len, 0), 0);
	cip_port_range got;
	assert_int_equal(cip_ports_range(n, &got), 0);
	assert_int_equal(got.base, 30000);
	assert_int_equal(got.size, 2768);
	assert_int_equal(cip_ports_has(n, 32767), 1);
	buf[len - 1] ^= 1;
	assert_int_equal(cip_ports_restore(q, 0, buf, len), CIP_ESNAPSHOT_CORRUPT);
	assert_int_equal(cip_ports_has(q, 32767), 1);
	assert_int_equal(cip_ports_snapshot(NULL, 0, buf, len, &len), CIP_EINVAL);
	assert_int_equal(cip_ports_restore(NULL, 0, buf, len), CIP_EINVAL);
	free(buf);
	cip_ports_free(p);
	cip_ports_free(q);
	cip_ports_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xxh64_vectors),
		cmocka_unit_test(test_k8s_vectors),
		cmocka_unit_test(test_k8s_spec),
		cmocka_unit_test(test_k8s_import_forms),
		cmocka_unit_test(test_k8s_partial_byte),
		cmocka_unit_test(test_k8s_export_sizes),
		cmocka_unit_test(test_k8s_large_unsupported),
		cmocka_unit_test(test_k8s_ports),
		cmocka_unit_test(test_native_round_trip_dense),
		cmocka_unit_test(test_native_round_trip_sparse),
		cmocka_unit_test(test_native_buffer_protocol),
		cmocka_unit_test(test_native_mismatch),
		cmocka_unit_test(test_native_flips_and_truncations),
		cmocka_unit_test(test_native_hostile),
		cmocka_unit_test(test_native_hostile_list),
		cmocka_unit_test(test_native_quarantine_limit),
		cmocka_unit_test(test_native_ports),
		cmocka_unit_test(test_restore_keeps_counters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
