/* SPDX-License-Identifier: Apache-2.0 */
/* include/clusterip/ports.h: Kubernetes' PortRange text forms and the
 * node-port allocator (kubernetes.md §3). Snapshots are in
 * test_snapshot.c. */
#include "cip_test.h"

#include <clusterip/ports.h>

#define SEED UINT64_C(0xB0A7B0A7B0A7B0A7)

static cip_ports *make(uint32_t base, uint32_t size, int64_t band, uint64_t qns, uint64_t seed)
{
	cip_port_range pr = { base, size };
	cip_ports_opts o;
	cip_ports *p = NULL;
	int rc;

	assert_int_equal(cip_ports_opts_init(&o, sizeof o), 0);
	o.static_band = band;
	o.quarantine_ns = qns;
	o.seed = seed;
	rc = cip_ports_new(&p, &pr, &o);
	if (rc != 0)
		fail_msg("cip_ports_new(%u, %u) = %d", base, size, rc);
	return p;
}

static uint64_t used(const cip_ports *p, int band)
{
	uint64_t n = UINT64_MAX;

	assert_int_equal(cip_ports_used(p, band, &n), 0);
	return n;
}

static uint64_t avail(const cip_ports *p, int band)
{
	uint64_t n = UINT64_MAX;

	assert_int_equal(cip_ports_available(p, band, &n), 0);
	return n;
}

/* ------------------------------------------------------------------ */
/* Text forms                                                         */
/* ------------------------------------------------------------------ */

static void test_parse(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		size_t len;
		int rc;
		uint32_t base, size;
		int reason;
		size_t offset;
	} rows[] = {
		{ S("30000-32767"), 0, 30000, 2768, CIP_PARSE_OK, 0 },
		{ S("  30000-32767 \n"), 0, 30000, 2768, CIP_PARSE_OK, 0 },
		{ S("\t\v\f\r30000-32767"), 0, 30000, 2768, CIP_PARSE_OK, 0 },
		{ S("80"), 0, 80, 1, CIP_PARSE_OK, 0 },
		{ S("0"), 0, 0, 1, CIP_PARSE_OK, 0 },
		{ S("65535"), 0, 65535, 1, CIP_PARSE_OK, 0 },
		{ S("0-65535"), 0, 0, 65536, CIP_PARSE_OK, 0 },
		{ S("5-5"), 0, 5, 1, CIP_PARSE_OK, 0 },
		{ S("30000+0"), 0, 30000, 1, CIP_PARSE_OK, 0 },
		{ S("30000+2767"), 0, 30000, 2768, CIP_PARSE_OK, 0 },
		{ S("65534+1"), 0, 65534, 2, CIP_PARSE_OK, 0 },
		{ S("030000-032767"), 0, 30000, 2768, CIP_PARSE_OK, 0 },
		{ S("0000000000000080"), 0, 80, 1, CIP_PARSE_OK, 0 },
		{ S(""), CIP_ESYNTAX, 0, 0, CIP_PARSE_EMPTY, 0 },
		{ S("   "), CIP_ESYNTAX, 0, 0, CIP_PARSE_EMPTY, 3 },
		{ S("-1"), CIP_ESYNTAX, 0, 0, CIP_PARSE_UNEXPECTED_CHAR, 0 },
		{ S("+5"), CIP_ESYNTAX, 0, 0, CIP_PARSE_UNEXPECTED_CHAR, 0 },
		{ S("1-"), CIP_ESYNTAX, 0, 0, CIP_PARSE_EMPTY_PART, 2 },
		{ S("1+"), CIP_ESYNTAX, 0, 0, CIP_PARSE_EMPTY_PART, 2 },
		{ S("1- "), CIP_ESYNTAX, 0, 0, CIP_PARSE_EMPTY_PART, 2 },
		{ S("1-2-3"), CIP_ESYNTAX, 0, 0, CIP_PARSE_UNEXPECTED_CHAR, 3 },
		{ S("1-+2"), CIP_ESYNTAX, 0, 0, CIP_PARSE_UNEXPECTED_CHAR, 2 },
		{ S("1+-2"), CIP_ESYNTAX, 0, 0, CIP_PARSE_UNEXPECTED_CHAR, 2 },
		{ S("1 -2"), CIP_ESYNTAX, 0, 0, CIP_PARSE_UNEXPECTED_CHAR, 1 },
		{ S("a"), CIP_ESYNTAX, 0, 0, CIP_PARSE_UNEXPECTED_CHAR, 0 },
		{ S("0x50"), CIP_ESYNTAX, 0, 0, CIP_PARSE_UNEXPECTED_CHAR, 1 },
		{ S("30000-32767x"), CIP_ESYNTAX, 0, 0, CIP_PARSE_UNEXPECTED_CHAR, 11 },
		{ S("30000\0-32767"), CIP_ESYNTAX, 0, 0, CIP_PARSE_NUL_BYTE, 5 },
		{ S("\0"
		    "80"),
		  CIP_ESYNTAX, 0, 0, CIP_PARSE_NUL_BYTE, 0 },
		{ S("30000-\0"), CIP_ESYNTAX, 0, 0, CIP_PARSE_NUL_BYTE, 6 },
		{ S("65536"), CIP_ERANGE, 0, 0, CIP_PARSE_PORT_RANGE, 0 },
		{ S("  65536"), CIP_ERANGE, 0, 0, CIP_PARSE_PORT_RANGE, 2 },
		{ S("99999999999999999999"), CIP_ERANGE, 0, 0, CIP_PARSE_PORT_RANGE, 0 },
		{ S("1-65536"), CIP_ERANGE, 0, 0, CIP_PARSE_PORT_RANGE, 2 },
		{ S("65535+1"), CIP_ERANGE, 0, 0, CIP_PARSE_PORT_RANGE, 6 },
		{ S("0+65536"), CIP_ERANGE, 0, 0, CIP_PARSE_PORT_RANGE, 2 },
		{ S("32767-30000"), CIP_ERANGE, 0, 0, CIP_PARSE_PORT_ORDER, 6 },
		{ S("1-0"), CIP_ERANGE, 0, 0, CIP_PARSE_PORT_ORDER, 2 },
	};
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		char *text = ct_dup(rows[i].text, rows[i].len);
		cip_port_range pr = { 1111, 2222 };
		cip_parse_error err;

		cip_parse_error_init(&err, sizeof err);
		int rc = cip_port_range_parse(&pr, text, rows[i].len, &err);
		CHECK(failures, rc == rows[i].rc, "row %zu: rc %d, want %d\n", i, rc, rows[i].rc);
		CHECK(failures, err.code == rows[i].rc, "row %zu: err.code %d\n", i, err.code);
		CHECK(failures, err.reason == rows[i].reason, "row %zu: reason %d, want %d\n", i,
		      err.reason, rows[i].reason);
		if (rc == 0) {
			CHECK(failures, pr.base == rows[i].base && pr.size == rows[i].size,
			      "row %zu: %u+%u\n", i, pr.base, pr.size);
		} else {
			CHECK(failures, err.offset == rows[i].offset,
			      "row %zu: offset %zu, want %zu\n", i, err.offset, rows[i].offset);
			CHECK(failures, pr.base == 1111 && pr.size == 2222,
			      "row %zu: out changed\n", i);
		}
		/* No err: the same return. */
		CHECK(failures, cip_port_range_parse(&pr, text, rows[i].len, NULL) == rows[i].rc,
		      "row %zu: without err\n", i);
		free(text);
	}
	cip_port_range pr;
	cip_parse_error err;
	cip_parse_error_init(&err, sizeof err);
	CHECK(failures, cip_port_range_parse(NULL, S("80"), &err) == CIP_EINVAL, "NULL out\n");
	CHECK(failures, err.code == CIP_EINVAL, "NULL out: err.code\n");
	CHECK(failures, cip_port_range_parse(&pr, NULL, 2, NULL) == CIP_EINVAL, "NULL text\n");
	err.sz = 1;
	CHECK(failures, cip_port_range_parse(&pr, S("80"), &err) == CIP_EINVAL, "err.sz 1\n");
	CHECK_DONE(failures);
}

static void test_format_contains(void **state)
{
	(void)state;
	static const struct {
		cip_port_range pr;
		const char *text;
	} rows[] = {
		{ { 30000, 2768 }, "30000-32767" },
		{ { 0, 65536 }, "0-65535" },
		{ { 65535, 1 }, "65535-65535" },
		{ { 80, 1 }, "80-80" },
		{ { 0, 1 }, "0-0" },
	};
	static const cip_port_range invalid[] = {
		{ 0, 0 },     { 65535, 2 },	 { 65536, 1 },
		{ 1, 65536 }, { UINT32_MAX, 1 }, { 1, UINT32_MAX },
	};
	size_t failures = 0;
	char buf[CIP_PORT_RANGE_STRLEN + 4];

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		size_t n = strlen(rows[i].text);

		ct_fill(buf, sizeof buf);
		int rc = cip_port_range_format(&rows[i].pr, buf, CIP_PORT_RANGE_STRLEN);
		CHECK(failures, rc == (int)n && !strcmp(buf, rows[i].text), "row %zu: %d\n", i, rc);
		ct_fill(buf, sizeof buf);
		rc = cip_port_range_format(&rows[i].pr, buf, n);
		CHECK(failures, rc == CIP_EBUFSIZE && ct_untouched(buf, sizeof buf),
		      "row %zu: short buffer %d\n", i, rc);
		CHECK(failures, cip_port_range_format(&rows[i].pr, buf, n + 1) == (int)n,
		      "row %zu: exact buffer\n", i);
		/* The text parses back to the range. */
		cip_port_range back;
		CHECK(failures,
		      cip_port_range_parse(&back, buf, n, NULL) == 0 &&
			      !memcmp(&back, &rows[i].pr, sizeof back),
		      "row %zu: round trip\n", i);
	}
	for (size_t i = 0; i < ARRAY_LEN(invalid); i++) {
		CHECK(failures, cip_port_range_format(&invalid[i], buf, sizeof buf) == CIP_EINVAL,
		      "invalid %zu: format\n", i);
		CHECK(failures, cip_port_range_contains(&invalid[i], 1) == CIP_EINVAL,
		      "invalid %zu: contains\n", i);
	}
	CHECK(failures, cip_port_range_format(NULL, buf, sizeof buf) == CIP_EINVAL, "NULL\n");
	CHECK(failures, cip_port_range_format(&rows[0].pr, NULL, 12) == CIP_EINVAL, "NULL buf\n");

	static const struct {
		uint32_t port;
		int in;
	} ports[] = {
		{ 30000, 1 }, { 32767, 1 }, { 31000, 1 },	  { 29999, 0 },
		{ 32768, 0 }, { 0, 0 },	    { 65536 + 30000, 0 }, { UINT32_MAX, 0 },
	};
	for (size_t i = 0; i < ARRAY_LEN(ports); i++)
		CHECK(failures, cip_port_range_contains(&rows[0].pr, ports[i].port) == ports[i].in,
		      "contains %u\n", ports[i].port);
	CHECK(failures, cip_port_range_contains(&rows[1].pr, 65535) == 1, "0-65535 has 65535\n");
	CHECK(failures, cip_port_range_contains(&rows[1].pr, 65536) == 0, "0-65535 65536\n");
	CHECK(failures, cip_port_range_contains(NULL, 1) == CIP_EINVAL, "NULL contains\n");
	CHECK_DONE(failures);
}

/* ------------------------------------------------------------------ */
/* Allocator                                                          */
/* ------------------------------------------------------------------ */

static void test_new_and_bands(void **state)
{
	(void)state;
	static const struct {
		uint32_t base, size;
		int64_t request;
		int rc;
		uint64_t band;
	} rows[] = {
		{ 30000, 2768, CIP_STATIC_BAND_AUTO, 0, 86 },
		{ 20000, 12768, CIP_STATIC_BAND_AUTO, 0, 128 },
		{ 1000, 201, CIP_STATIC_BAND_AUTO, 0, 16 },
		{ 1000, 17, CIP_STATIC_BAND_AUTO, 0, 16 },
		{ 1000, 16, CIP_STATIC_BAND_AUTO, 0, 0 },
		{ 1000, 1, CIP_STATIC_BAND_AUTO, 0, 0 },
		{ 0, 65536, CIP_STATIC_BAND_AUTO, 0, 128 },
		{ 30000, 2768, CIP_STATIC_BAND_OFF, 0, 0 },
		{ 30000, 2768, 100, 0, 100 },
		{ 30000, 2768, 2768, 0, 2768 },
		{ 30000, 2768, 2769, CIP_ERANGE, 0 },
		{ 30000, 2768, -2, CIP_EINVAL, 0 },
		{ 30000, 0, CIP_STATIC_BAND_AUTO, CIP_EINVAL, 0 },
		{ 65535, 2, CIP_STATIC_BAND_AUTO, CIP_EINVAL, 0 },
		{ 70000, 1, CIP_STATIC_BAND_AUTO, CIP_EINVAL, 0 },
		{ 1, UINT32_MAX, CIP_STATIC_BAND_AUTO, CIP_EINVAL, 0 },
	};
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		cip_port_range pr = { rows[i].base, rows[i].size }, got;
		cip_ports_opts o;
		cip_ports *p = NULL;
		uint64_t band = 999;

		cip_ports_opts_init(&o, sizeof o);
		o.static_band = rows[i].request;
		int rc = cip_ports_new(&p, &pr, &o);
		CHECK(failures, rc == rows[i].rc, "row %zu: rc %d, want %d\n", i, rc, rows[i].rc);
		if (rc != 0) {
			CHECK(failures, p == NULL, "row %zu: out set\n", i);
			continue;
		}
		CHECK(failures, cip_ports_static_band_size(p, &band) == 0 && band == rows[i].band,
		      "row %zu: band %llu, want %llu\n", i, (unsigned long long)band,
		      (unsigned long long)rows[i].band);
		CHECK(failures, cip_ports_range(p, &got) == 0 && !memcmp(&got, &pr, sizeof pr),
		      "row %zu: range\n", i);
		CHECK(failures, avail(p, CIP_BAND_ALL) == rows[i].size, "row %zu: available\n", i);
		cip_ports_free(p);
	}
	CHECK_DONE(failures);
}

static void test_options(void **state)
{
	(void)state;
	cip_port_range pr = { 30000, 2768 };
	struct {
		cip_ports_opts o;
		unsigned char tail[8];
	} big;
	cip_ports *p = NULL;
	uint64_t band;

	assert_int_equal(cip_ports_new(&p, &pr, NULL), 0);
	cip_ports_static_band_size(p, &band);
	assert_int_equal(band, 86);
	cip_ports_free(p);
	memset(&big, SENTINEL, sizeof big);
	assert_int_equal(cip_ports_opts_init(&big.o, sizeof big.o), 0);
	assert_int_equal(big.o.sz, sizeof big.o);
	assert_int_equal(big.o.static_band, 0);
	assert_int_equal(big.o.seed, 0);
	assert_int_equal(big.o.quarantine_ns, 0);
	assert_int_equal(big.o.quarantine_max, 0);
	assert_true(ct_untouched(big.tail, sizeof big.tail));
	assert_int_equal(cip_ports_opts_init(&big.o, offsetof(cip_ports_opts, seed) - 1),
			 CIP_EINVAL);
	assert_int_equal(cip_ports_opts_init(NULL, sizeof big.o), CIP_EINVAL);
	/* Older caller (sz only): defaults. Newer: zero tail fine, else refused. */
	memset(&big, 0xff, sizeof big);
	big.o.sz = offsetof(cip_ports_opts, seed);
	p = NULL;
	assert_int_equal(cip_ports_new(&p, &pr, &big.o), 0);
	cip_ports_static_band_size(p, &band);
	assert_int_equal(band, 86);
	cip_ports_free(p);
	cip_ports_opts_init(&big.o, sizeof big);
	big.o.static_band = CIP_STATIC_BAND_OFF;
	p = NULL;
	assert_int_equal(cip_ports_new(&p, &pr, &big.o), 0);
	cip_ports_static_band_size(p, &band);
	assert_int_equal(band, 0);
	cip_ports_free(p);
	big.tail[0] = 1;
	p = NULL;
	assert_int_equal(cip_ports_new(&p, &pr, &big.o), CIP_EINVAL);
	assert_null(p);
	assert_int_equal(cip_ports_new(NULL, &pr, NULL), CIP_EINVAL);
	assert_int_equal(cip_ports_new(&p, NULL, NULL), CIP_EINVAL);
	cip_ports_free(NULL);
}

/* allocate_next prefers ports above the static band (30086 and up), then
 * takes the band; each port once (k/k#109927 for ports). */
static void test_next_bands(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 3; seed++) {
		cip_ports *p = make(30000, 2768, CIP_STATIC_BAND_AUTO, 0, seed * SEED);
		uint8_t *seen = calloc(2768, 1);
		uint32_t port;

		for (unsigned i = 0; i < 2768; i++) {
			port = 0;
			assert_int_equal(cip_ports_allocate_next(p, 0, 0, &port), 0);
			assert_true(port >= 30000 && port <= 32767);
			if (seen[port - 30000])
				fail_msg("port %u twice", port);
			seen[port - 30000] = 1;
			if (i < 2768 - 86)
				assert_true(port >= 30086);
			else
				assert_true(port < 30086);
		}
		port = 7;
		assert_int_equal(cip_ports_allocate_next(p, 0, 0, &port), CIP_EFULL);
		assert_int_equal(cip_ports_allocate_next(p, 0, CIP_ALLOC_DRY_RUN, &port),
				 CIP_EFULL);
		assert_int_equal(port, 7);
		assert_int_equal(used(p, CIP_BAND_STATIC), 86);
		assert_int_equal(used(p, CIP_BAND_DYNAMIC), 2682);
		free(seen);
		cip_ports_free(p);
	}
	/* Dry run: 0 written, nothing taken. */
	cip_ports *p = make(30000, 2768, CIP_STATIC_BAND_AUTO, 0, SEED);
	uint32_t port = 5;
	assert_int_equal(cip_ports_allocate_next(p, 0, CIP_ALLOC_DRY_RUN, &port), 0);
	assert_int_equal(port, 0);
	assert_int_equal(used(p, CIP_BAND_ALL), 0);
	assert_int_equal(cip_ports_allocate_next(p, 0, CIP_RELEASE_NOW, &port), CIP_EINVAL);
	assert_int_equal(cip_ports_allocate_next(NULL, 0, 0, &port), CIP_EINVAL);
	assert_int_equal(cip_ports_allocate_next(p, 0, 0, NULL), CIP_EINVAL);
	cip_ports_free(p);
}

static void test_ops(void **state)
{
	(void)state;
	static const struct {
		enum { ALLOC, RELEASE, HAS } op;
		uint32_t port;
		unsigned flags;
		int rc;
	} rows[] = {
		{ ALLOC, 30000, 0, 0 },
		{ ALLOC, 30000, 0, CIP_EALLOCATED },
		{ ALLOC, 30000, CIP_ALLOC_DRY_RUN, CIP_EALLOCATED },
		{ ALLOC, 30001, CIP_ALLOC_DRY_RUN, 0 },
		{ HAS, 30001, 0, 0 },
		{ HAS, 30000, 0, 1 },
		{ ALLOC, 32767, 0, 0 },
		{ ALLOC, 29999, 0, CIP_ERANGE },
		{ ALLOC, 32768, 0, CIP_ERANGE },
		{ ALLOC, 65536 + 30000, 0, CIP_ERANGE }, /* not truncated to 30000 */
		{ ALLOC, 65536 + 30001, 0, CIP_ERANGE },
		{ ALLOC, UINT32_MAX, 0, CIP_ERANGE },
		{ ALLOC, 30002, CIP_RELEASE_NOW, CIP_EINVAL },
		{ HAS, 65536 + 30000, 0, 0 },
		{ HAS, 29999, 0, 0 },
		{ RELEASE, 65536 + 30000, 0, CIP_ERANGE },
		{ RELEASE, 29999, 0, CIP_ERANGE },
		{ RELEASE, 31000, 0, CIP_ENOTALLOCATED },
		{ RELEASE, 30000, CIP_ALLOC_DRY_RUN, 0 },
		{ HAS, 30000, 0, 1 },
		{ RELEASE, 30000, 0, 0 },
		{ RELEASE, 30000, 0, CIP_ENOTALLOCATED },
		{ HAS, 30000, 0, 0 },
		{ RELEASE, 32767, CIP_RELEASE_NOW, 0 },
		{ RELEASE, 32767, 1u << 5, CIP_EINVAL },
		{ ALLOC, 30010, 0, 0 },
		{ ALLOC, 31000, 0, 0 },
		{ ALLOC, 31001, 0, 0 },
	};
	cip_ports *p = make(30000, 2768, CIP_STATIC_BAND_AUTO, 0, SEED);
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		int rc = rows[i].op == ALLOC ? cip_ports_allocate(p, rows[i].port, rows[i].flags)
			 : rows[i].op == RELEASE
				 ? cip_ports_release(p, rows[i].port, 0, rows[i].flags)
				 : cip_ports_has(p, rows[i].port);
		CHECK(failures, rc == rows[i].rc, "row %zu (%u): rc %d, want %d\n", i, rows[i].port,
		      rc, rows[i].rc);
	}
	CHECK(failures, used(p, CIP_BAND_ALL) == 3, "used\n");
	CHECK(failures, used(p, CIP_BAND_STATIC) == 1, "used static\n");
	CHECK(failures, used(p, CIP_BAND_DYNAMIC) == 2, "used dynamic\n");
	CHECK(failures, avail(p, CIP_BAND_STATIC) == 85, "available static\n");
	CHECK(failures, avail(p, CIP_BAND_DYNAMIC) == 2680, "available dynamic\n");
	cip_range_stats s;
	s.sz = sizeof s;
	CHECK(failures, cip_ports_stats_get(p, &s) == 0, "stats\n");
	CHECK(failures, s.static_band.allocations == 2 && s.dynamic_band.allocations == 3,
	      "allocations %llu %llu\n", (unsigned long long)s.static_band.allocations,
	      (unsigned long long)s.dynamic_band.allocations);
	CHECK(failures, s.static_band.releases == 1 && s.dynamic_band.releases == 1, "releases\n");
	CHECK(failures, s.static_band.errors == 1 && s.dynamic_band.errors == 0, "errors\n");
	CHECK(failures, s.all.size == 2768 && s.static_band.size == 86, "sizes\n");
	uint64_t n;
	CHECK(failures, cip_ports_used(p, 3, &n) == CIP_EINVAL, "band 3\n");
	CHECK(failures, cip_ports_available(p, -1, &n) == CIP_EINVAL, "band -1\n");
	CHECK(failures, cip_ports_used(NULL, 0, &n) == CIP_EINVAL, "NULL used\n");
	CHECK(failures, cip_ports_used(p, 0, NULL) == CIP_EINVAL, "NULL out\n");
	CHECK(failures, cip_ports_available(NULL, 0, &n) == CIP_EINVAL, "NULL available\n");
	CHECK(failures, cip_ports_stats_get(NULL, &s) == CIP_EINVAL, "NULL stats\n");
	s.sz = 4;
	CHECK(failures, cip_ports_stats_get(p, &s) == CIP_EINVAL, "stats sz 4\n");
	CHECK(failures, cip_ports_allocate(NULL, 30000, 0) == CIP_EINVAL, "NULL allocate\n");
	CHECK(failures, cip_ports_release(NULL, 30000, 0, 0) == CIP_EINVAL, "NULL release\n");
	CHECK(failures, cip_ports_has(NULL, 30000) == CIP_EINVAL, "NULL has\n");
	CHECK(failures, cip_ports_expire(NULL, 0) == CIP_EINVAL, "NULL expire\n");
	CHECK(failures, cip_ports_range(NULL, &(cip_port_range){ 0, 0 }) == CIP_EINVAL, "range\n");
	CHECK(failures, cip_ports_range(p, NULL) == CIP_EINVAL, "range NULL\n");
	CHECK(failures, cip_ports_static_band_size(NULL, &n) == CIP_EINVAL, "band NULL\n");
	CHECK(failures, cip_ports_static_band_size(p, NULL) == CIP_EINVAL, "band out NULL\n");
	cip_ports_free(p);
	CHECK_DONE(failures);
}

struct visit {
	uint32_t ports[16];
	size_t n;
	int stop_after;
};

static int visit(uint32_t port, void *ctx)
{
	struct visit *v = ctx;

	if (v->n < 16)
		v->ports[v->n] = port;
	v->n++;
	return v->stop_after && (int)v->n == v->stop_after ? -42 : 0;
}

static void test_foreach(void **state)
{
	(void)state;
	static const uint32_t want[] = { 0, 1, 80, 443, 30000, 65534, 65535 };
	cip_ports *p = make(0, 65536, CIP_STATIC_BAND_AUTO, 0, SEED);
	struct visit v = { { 0 }, 0, 0 };

	for (size_t i = ARRAY_LEN(want); i-- > 0;)
		assert_int_equal(cip_ports_allocate(p, want[i], 0), 0);
	assert_int_equal(cip_ports_foreach(p, visit, &v), 0);
	assert_int_equal(v.n, ARRAY_LEN(want));
	assert_memory_equal(v.ports, want, sizeof want);
	v.n = 0;
	v.stop_after = 3;
	assert_int_equal(cip_ports_foreach(p, visit, &v), -42);
	assert_int_equal(v.n, 3);
	assert_int_equal(cip_ports_foreach(NULL, visit, &v), CIP_EINVAL);
	assert_int_equal(cip_ports_foreach(p, NULL, &v), CIP_EINVAL);
	cip_ports_free(p);
}

static void test_quarantine(void **state)
{
	(void)state;
	cip_ports *p = make(30000, 2, CIP_STATIC_BAND_OFF, 1000, SEED);
	uint32_t a, b, c;

	assert_int_equal(cip_ports_allocate_next(p, 0, 0, &a), 0);
	assert_int_equal(cip_ports_allocate_next(p, 0, 0, &b), 0);
	assert_int_not_equal(a, b);
	assert_int_equal(cip_ports_release(p, a, 0, 0), 0);
	assert_int_equal(cip_ports_has(p, a), 0);
	assert_int_equal(cip_ports_release(p, a, 1, 0), CIP_ENOTALLOCATED);
	assert_int_equal(used(p, CIP_BAND_ALL), 1);
	assert_int_equal(avail(p, CIP_BAND_ALL), 0);
	assert_int_equal(cip_ports_allocate_next(p, 999, 0, &c), CIP_EFULL);
	assert_int_equal(cip_ports_allocate_next(p, 1000, 0, &c), 0);
	assert_int_equal(c, a);
	/* Taken back by a specific allocate, released again: the second
	 * release's expiry counts. */
	assert_int_equal(cip_ports_release(p, a, 2000, 0), 0);
	assert_int_equal(cip_ports_allocate(p, a, 0), 0);
	assert_int_equal(cip_ports_release(p, a, 2500, 0), 0);
	assert_int_equal(cip_ports_expire(p, 3000), 0);
	assert_int_equal(cip_ports_has(p, a), 0);
	assert_int_equal(cip_ports_expire(p, 3500), 1);
	/* CIP_RELEASE_NOW bypasses it. */
	assert_int_equal(cip_ports_release(p, b, 4000, CIP_RELEASE_NOW), 0);
	assert_int_equal(avail(p, CIP_BAND_ALL), 2);
	cip_ports_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),	      cmocka_unit_test(test_format_contains),
		cmocka_unit_test(test_new_and_bands), cmocka_unit_test(test_options),
		cmocka_unit_test(test_next_bands),    cmocka_unit_test(test_ops),
		cmocka_unit_test(test_foreach),	      cmocka_unit_test(test_quarantine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
