/* SPDX-License-Identifier: Apache-2.0 */
/* include/clusterip/range.h: cip_range, single-threaded, against the
 * behaviour of Kubernetes' ipallocator (pkg/registry/core/service/
 * ipallocator) and a trivially correct reference model. Snapshots are in test_snapshot.c, the
 * concurrent behaviour in tests/stress/test_range_stress.c. */
#include "cip_test.h"

#include <clusterip/range.h>

#define SEED UINT64_C(0x5EED0123456789AB)

/* A pointer to a temporary copy of an address value. */
#define PA(expr) (&(cip_addr[1]){ expr }[0])

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* The address at offset @p off of a range: network + 1 + off (by hand). */
static cip_addr at(const cip_prefix *p, uint64_t off)
{
	cip_addr a = p->addr;
	uint64_t hi = be64(a.bytes), lo = be64(a.bytes + 8), add = off + 1;

	if (add == 0) { /* off = 2^64 - 1 */
		hi++;
	} else {
		lo += add;
		hi += lo < add;
	}
	put_be64(a.bytes, hi);
	put_be64(a.bytes + 8, lo);
	return a;
}

/* The offset of @p a in a range, by hand; fails the test if it has none. */
static uint64_t off_of(const cip_prefix *p, const cip_addr *a)
{
	uint64_t hi = be64(a->bytes) - be64(p->addr.bytes);
	uint64_t plo = be64(p->addr.bytes + 8), lo = be64(a->bytes + 8);
	char buf[96];

	if (lo < plo)
		hi--;
	lo -= plo;
	if (lo == 0)
		hi--;
	lo--;
	if (hi != 0 || a->family != p->addr.family)
		fail_msg("%s is not in the range", ct_show(a, buf));
	return lo;
}

static cip_range *make(const cip_prefix *p, int64_t band, uint64_t qns, uint64_t qmax,
		       unsigned flags, uint64_t seed)
{
	cip_range_opts o;
	cip_range *r = NULL;
	int rc;

	assert_int_equal(cip_range_opts_init(&o, sizeof o), 0);
	o.static_band = band;
	o.quarantine_ns = qns;
	o.quarantine_max = qmax;
	o.flags = flags;
	o.seed = seed;
	rc = cip_range_new(&r, p, &o);
	if (rc != 0)
		fail_msg("cip_range_new = %d", rc);
	return r;
}

static uint64_t used(const cip_range *r, int band)
{
	uint64_t n = UINT64_MAX;

	assert_int_equal(cip_range_used(r, band, &n), 0);
	return n;
}

static uint64_t avail(const cip_range *r, int band)
{
	uint64_t n = UINT64_MAX;

	assert_int_equal(cip_range_available(r, band, &n), 0);
	return n;
}

static cip_range_stats stats(const cip_range *r)
{
	cip_range_stats s;

	memset(&s, 0, sizeof s);
	s.sz = sizeof s;
	assert_int_equal(cip_range_stats_get(r, &s), 0);
	return s;
}

/* foreach into an array of offsets */
struct collect {
	const cip_prefix *p;
	uint64_t *offs;
	size_t n, cap;
	int stop_after; /* 0: never */
	int ascending;
};

static int collect_fn(const cip_addr *a, void *ctx)
{
	struct collect *c = ctx;
	uint64_t off = off_of(c->p, a);

	if (c->n > 0 && off <= c->offs[c->n - 1])
		c->ascending = 0;
	if (c->n < c->cap)
		c->offs[c->n] = off;
	c->n++;
	if (c->stop_after && (int)c->n == c->stop_after)
		return 77;
	return 0;
}

static size_t walk(const cip_range *r, const cip_prefix *p, uint64_t *offs, size_t cap)
{
	struct collect c = { p, offs, 0, cap, 0, 1 };

	assert_int_equal(cip_range_foreach(r, collect_fn, &c), 0);
	assert_true(c.ascending);
	return c.n;
}

/* ------------------------------------------------------------------ */
/* Creation                                                           */
/* ------------------------------------------------------------------ */

static void test_create_classes(void **state)
{
	(void)state;
	static const struct {
		const char *addr;
		unsigned len, flags;
		int rc;
		uint64_t usable, band;
	} rows[] = {
		{ "10.0.0.0", 8, 0, 0, (UINT64_C(1) << 24) - 2, 256 },
		{ "10.96.0.0", 12, 0, 0, 1048574, 256 },
		{ "172.16.0.0", 16, 0, 0, 65534, 256 },
		{ "10.0.0.0", 20, 0, 0, 4094, 256 },
		{ "10.0.4.0", 22, 0, 0, 1022, 64 },
		{ "10.0.0.0", 23, 0, 0, 510, 32 },
		{ "10.96.0.0", 24, 0, 0, 254, 16 },
		{ "10.0.0.32", 27, 0, 0, 30, 16 },
		{ "10.0.0.16", 28, 0, 0, 14, 0 },
		{ "10.0.0.8", 29, 0, 0, 6, 0 },
		{ "10.0.0.4", 30, 0, 0, 2, 0 },
		{ "10.0.0.2", 31, 0, CIP_ERANGE, 0, 0 },
		{ "10.0.0.1", 32, 0, CIP_ERANGE, 0, 0 },
		{ "10.0.0.1", 32, CIP_RANGE_LEGACY_CAP, CIP_ERANGE, 0, 0 },
		{ "fd00::", 64, 0, 0, UINT64_MAX, 256 },
		{ "fd00::", 104, 0, 0, (UINT64_C(1) << 24) - 1, 256 },
		{ "fd00::", 103, 0, 0, (UINT64_C(1) << 25) - 1, 256 },
		{ "fd00::", 108, 0, 0, (UINT64_C(1) << 20) - 1, 256 },
		{ "fd00::", 112, 0, 0, 65535, 256 },
		{ "fd00::", 118, 0, 0, 1023, 64 },
		{ "fd00::", 120, 0, 0, 255, 16 },
		{ "fd00::", 122, 0, 0, 63, 16 },
		{ "fd00::", 124, 0, 0, 15, 0 },
		{ "fd00::", 127, 0, 0, 1, 0 },
		{ "fd00::", 128, 0, CIP_ERANGE, 0, 0 },
		{ "2001:db8:1::", 48, 0, CIP_EUNSUPPORTED, 0, 0 },
		{ "2001:db8:1::", 63, 0, CIP_EUNSUPPORTED, 0, 0 },
		{ "::", 0, 0, CIP_EUNSUPPORTED, 0, 0 },
		{ "2001:db8:1::", 48, CIP_RANGE_LEGACY_CAP, 0, 65535, 256 },
		{ "fd00::", 64, CIP_RANGE_LEGACY_CAP, 0, 65535, 256 },
		{ "fd00::", 120, CIP_RANGE_LEGACY_CAP, 0, 255, 16 },
	};
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		cip_prefix p = ct_prefix(rows[i].addr, rows[i].len), got;
		cip_range_opts o;
		cip_range *r = (cip_range *)&o; /* must stay as is on failure */
		uint64_t band = 12345;

		cip_range_opts_init(&o, sizeof o);
		o.flags = rows[i].flags;
		o.seed = SEED;
		int rc = cip_range_new(&r, &p, &o);
		CHECK(failures, rc == rows[i].rc, "row %zu (%s/%u): rc %d, want %d\n", i,
		      rows[i].addr, rows[i].len, rc, rows[i].rc);
		if (rc != 0) {
			CHECK(failures, r == (cip_range *)&o, "row %zu: out changed\n", i);
			continue;
		}
		cip_range_stats s = stats(r);
		CHECK(failures, s.all.size == rows[i].usable, "row %zu: size %llu, want %llu\n", i,
		      (unsigned long long)s.all.size, (unsigned long long)rows[i].usable);
		CHECK(failures, s.static_band.size == rows[i].band, "row %zu: band %llu\n", i,
		      (unsigned long long)s.static_band.size);
		CHECK(failures, s.dynamic_band.size == rows[i].usable - rows[i].band,
		      "row %zu: dynamic size\n", i);
		CHECK(failures, s.all.available == rows[i].usable && s.all.used == 0,
		      "row %zu: fresh counts\n", i);
		CHECK(failures, cip_range_static_band_size(r, &band) == 0 && band == rows[i].band,
		      "row %zu: static_band_size %llu\n", i, (unsigned long long)band);
		CHECK(failures, cip_range_prefix(r, &got) == 0 && !memcmp(&got, &p, sizeof p),
		      "row %zu: prefix\n", i);
		cip_range_free(r);
	}
	CHECK_DONE(failures);
}

/* The Kubernetes band table (Test_calculateRangeOffset), through the range. */
static void test_band_auto_table(void **state)
{
	(void)state;
	static const struct {
		const char *addr;
		unsigned len;
		uint64_t band;
	} rows[] = {
		{ "10.0.0.0", 27, 16 },	 { "10.0.0.0", 24, 16 },  { "10.0.0.0", 22, 64 },
		{ "10.0.0.0", 20, 256 }, { "10.0.0.0", 12, 256 }, { "10.0.0.0", 28, 0 },
		{ "10.0.0.0", 8, 256 },	 { "fd00::", 122, 16 },	  { "fd00::", 118, 64 },
		{ "fd00::", 126, 0 },	 { "fd00::", 124, 0 },
	};
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		cip_prefix p = ct_prefix(rows[i].addr, rows[i].len);
		cip_range *r = make(&p, CIP_STATIC_BAND_AUTO, 0, 0, 0, SEED);
		uint64_t band = 999;

		cip_range_static_band_size(r, &band);
		CHECK(failures, band == rows[i].band, "%s/%u: band %llu, want %llu\n", rows[i].addr,
		      rows[i].len, (unsigned long long)band, (unsigned long long)rows[i].band);
		cip_range_free(r);
	}
	CHECK_DONE(failures);
}

static void test_band_options(void **state)
{
	(void)state;
	static const struct {
		int64_t request;
		int rc;
		uint64_t band;
	} rows[] = {
		{ CIP_STATIC_BAND_AUTO, 0, 16 },
		{ CIP_STATIC_BAND_OFF, 0, 0 },
		{ 1, 0, 1 },
		{ 100, 0, 100 },
		{ 253, 0, 253 },
		{ 254, 0, 254 },
		{ 255, CIP_ERANGE, 0 },
		{ INT64_MAX, CIP_ERANGE, 0 },
		{ -2, CIP_EINVAL, 0 },
		{ -100, CIP_EINVAL, 0 },
		{ INT64_MIN, CIP_EINVAL, 0 },
	};
	cip_prefix p = ct_prefix("10.0.0.0", 24);
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		cip_range_opts o;
		cip_range *r = NULL;
		uint64_t band = 999;

		cip_range_opts_init(&o, sizeof o);
		o.static_band = rows[i].request;
		o.seed = SEED;
		int rc = cip_range_new(&r, &p, &o);
		CHECK(failures, rc == rows[i].rc, "row %zu: rc %d, want %d\n", i, rc, rows[i].rc);
		if (rc != 0) {
			CHECK(failures, r == NULL, "row %zu: out set\n", i);
			continue;
		}
		cip_range_static_band_size(r, &band);
		CHECK(failures, band == rows[i].band, "row %zu: band %llu\n", i,
		      (unsigned long long)band);
		cip_range_free(r);
	}
	/* A band larger than a small range: /30 has 2 addresses. */
	cip_prefix p30 = ct_prefix("10.0.0.4", 30);
	cip_range_opts o;
	cip_range *r = NULL;
	cip_range_opts_init(&o, sizeof o);
	o.static_band = 3;
	CHECK(failures, cip_range_new(&r, &p30, &o) == CIP_ERANGE, "/30 band 3\n");
	CHECK_DONE(failures);
}

static void test_create_options(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.0.0.0", 24);
	cip_prefix bad = ct_prefix("10.0.0.1", 24); /* host bits */
	struct {
		cip_range_opts o;
		unsigned char tail[32];
	} big;
	cip_range_opts o;
	cip_range *r = NULL;
	uint64_t band;

	/* NULL options: the defaults (band auto). */
	assert_int_equal(cip_range_new(&r, &p, NULL), 0);
	assert_int_equal(cip_range_static_band_size(r, &band), 0);
	assert_int_equal(band, 16);
	cip_range_free(r);

	/* A caller that knows only sz: the defaults, whatever follows sz. */
	memset(&o, 0xff, sizeof o);
	o.sz = offsetof(cip_range_opts, seed);
	r = NULL;
	assert_int_equal(cip_range_new(&r, &p, &o), 0);
	cip_range_static_band_size(r, &band);
	assert_int_equal(band, 16);
	cip_range_free(r);

	/* A caller that knows up to static_band. */
	memset(&o, 0xff, sizeof o);
	o.sz = offsetof(cip_range_opts, flags);
	o.seed = 1;
	o.static_band = 5;
	r = NULL;
	assert_int_equal(cip_range_new(&r, &p, &o), 0);
	cip_range_static_band_size(r, &band);
	assert_int_equal(band, 5);
	cip_range_free(r);

	/* A newer caller: a zero tail is fine, a non-zero one is refused. */
	memset(&big, 0, sizeof big);
	cip_range_opts_init(&big.o, sizeof big);
	assert_int_equal(big.o.sz, sizeof big);
	big.o.static_band = 7;
	r = NULL;
	assert_int_equal(cip_range_new(&r, &p, &big.o), 0);
	cip_range_static_band_size(r, &band);
	assert_int_equal(band, 7);
	cip_range_free(r);
	big.tail[31] = 1;
	r = NULL;
	assert_int_equal(cip_range_new(&r, &p, &big.o), CIP_EINVAL);
	assert_null(r);

	/* Unknown flags, bad sz, bad arguments. */
	cip_range_opts_init(&o, sizeof o);
	o.flags = 1u << 5;
	assert_int_equal(cip_range_new(&r, &p, &o), CIP_EINVAL);
	o.flags = CIP_RANGE_LEGACY_CAP | 2u;
	assert_int_equal(cip_range_new(&r, &p, &o), CIP_EINVAL);
	cip_range_opts_init(&o, sizeof o);
	o.sz = 0;
	assert_int_equal(cip_range_new(&r, &p, &o), CIP_EINVAL);
	o.sz = sizeof(size_t) - 1;
	assert_int_equal(cip_range_new(&r, &p, &o), CIP_EINVAL);
	assert_int_equal(cip_range_new(NULL, &p, NULL), CIP_EINVAL);
	assert_int_equal(cip_range_new(&r, NULL, NULL), CIP_EINVAL);
	assert_int_equal(cip_range_new(&r, &bad, NULL), CIP_EINVAL);
	bad = ct_prefix("10.0.0.0", 33);
	assert_int_equal(cip_range_new(&r, &bad, NULL), CIP_EINVAL);
	bad = ct_prefix("10.0.0.0", 24);
	bad.addr.family = 5;
	assert_int_equal(cip_range_new(&r, &bad, NULL), CIP_EINVAL);
	assert_null(r);
	/* A quarantine limit the ring cannot have (a /64 does not cap it), and
	 * one above the usable size, which is capped to it. */
	cip_range_opts_init(&o, sizeof o);
	o.quarantine_ns = 10;
	o.quarantine_max = (UINT64_C(1) << 24) + 1;
	bad = ct_prefix("fd00::", 64);
	assert_int_equal(cip_range_new(&r, &bad, &o), CIP_EINVAL);
	assert_null(r);
	assert_int_equal(cip_range_new(&r, &p, &o), 0);
	cip_range_free(r);
	r = NULL;

	cip_range_free(NULL);
}

static void test_opts_init(void **state)
{
	(void)state;
	struct {
		cip_range_opts o;
		unsigned char tail[16];
	} big;

	memset(&big, SENTINEL, sizeof big);
	assert_int_equal(cip_range_opts_init(&big.o, sizeof big.o), 0);
	assert_int_equal(big.o.sz, sizeof big.o);
	assert_int_equal(big.o.seed, 0);
	assert_int_equal(big.o.static_band, CIP_STATIC_BAND_AUTO);
	assert_int_equal(big.o.flags, 0);
	assert_int_equal(big.o.quarantine_ns, 0);
	assert_int_equal(big.o.quarantine_max, 0);
	assert_true(ct_untouched(big.tail, sizeof big.tail));
	/* The first version's size is enough; less is refused. */
	memset(&big, SENTINEL, sizeof big);
	assert_int_equal(cip_range_opts_init(&big.o, offsetof(cip_range_opts, seed)), 0);
	assert_int_equal(big.o.sz, offsetof(cip_range_opts, seed));
	assert_true(ct_untouched(&big.o.seed, sizeof big.o.seed));
	assert_int_equal(cip_range_opts_init(&big.o, offsetof(cip_range_opts, seed) - 1),
			 CIP_EINVAL);
	assert_int_equal(cip_range_opts_init(NULL, sizeof big.o), CIP_EINVAL);
	/* A larger (newer) size zeroes all of it. */
	memset(&big, SENTINEL, sizeof big);
	assert_int_equal(cip_range_opts_init(&big.o, sizeof big), 0);
	assert_int_equal(big.o.sz, sizeof big);
	for (size_t i = 0; i < sizeof big.tail; i++)
		assert_int_equal(big.tail[i], 0);
}

/* ------------------------------------------------------------------ */
/* allocate_next and the bands                                        */
/* ------------------------------------------------------------------ */

/*
 * k/k#109927: with the static band on, allocate_next over a whole /24
 * gives every address once: first the 238 of the dynamic band, then the 16
 * of the static band, then CIP_EFULL.
 */
static void test_next_exhausts_bands_in_order(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.96.0.0", 24);

	for (uint64_t seed = 1; seed <= 20; seed++) {
		cip_range *r = make(&p, CIP_STATIC_BAND_AUTO, 0, 0, 0, seed * SEED);
		uint8_t seen[254] = { 0 };
		cip_addr a, keep;

		for (unsigned i = 0; i < 254; i++) {
			assert_int_equal(cip_range_allocate_next(r, 0, 0, &a), 0);
			uint64_t off = off_of(&p, &a);

			assert_true(off < 254);
			if (seen[off])
				fail_msg("seed %llu: offset %llu handed out twice",
					 (unsigned long long)seed, (unsigned long long)off);
			seen[off] = 1;
			if (i < 238) /* .17 - .254 */
				assert_true(off >= 16);
			else /* .1 - .16 */
				assert_true(off < 16);
			assert_int_equal(cip_range_has(r, &a), 1);
			assert_int_equal(used(r, CIP_BAND_ALL), i + 1);
		}
		assert_int_equal(avail(r, CIP_BAND_ALL), 0);
		keep = ct_addr("1.2.3.4");
		a = keep;
		assert_int_equal(cip_range_allocate_next(r, 0, 0, &a), CIP_EFULL);
		assert_memory_equal(&a, &keep, sizeof a);
		assert_int_equal(cip_range_allocate_next(r, 0, CIP_ALLOC_DRY_RUN, &a), CIP_EFULL);
		/* One static address freed: allocate_next finds it. */
		assert_int_equal(cip_range_release(r, PA(at(&p, 9)), 0, 0), 0);
		assert_int_equal(cip_range_allocate_next(r, 0, 0, &a), 0);
		assert_int_equal(off_of(&p, &a), 9);
		cip_range_free(r);
	}
}

/* With the band off, allocate_next takes from the whole range. */
static void test_next_band_off_uniform(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.0.0.0", 24);
	unsigned low = 0, n = 0;
	cip_addr a;

	for (uint64_t seed = 1; seed <= 2000; seed++) {
		cip_range *r = make(&p, CIP_STATIC_BAND_OFF, 0, 0, 0, seed);

		assert_int_equal(cip_range_allocate_next(r, 0, 0, &a), 0);
		low += off_of(&p, &a) < 16;
		n++;
		cip_range_free(r);
	}
	/* 16/254 of 2000 is 126; a band-on range would give 0. */
	if (low < 60 || low > 200)
		fail_msg("%u of %u first allocations in the lowest 16", low, n);

	/* Exhausting a band-off range: each address once, then full. */
	cip_range *r = make(&p, CIP_STATIC_BAND_OFF, 0, 0, 0, SEED);
	uint8_t seen[254] = { 0 };
	for (unsigned i = 0; i < 254; i++) {
		assert_int_equal(cip_range_allocate_next(r, 0, 0, &a), 0);
		uint64_t off = off_of(&p, &a);
		assert_true(off < 254 && !seen[off]);
		seen[off] = 1;
	}
	assert_int_equal(cip_range_allocate_next(r, 0, 0, &a), CIP_EFULL);
	cip_range_free(r);
}

/* Pearson's chi-square of counts against a uniform expectation. */
static double chi_square(const unsigned *counts, size_t cells, unsigned total)
{
	double expect = (double)total / (double)cells, x2 = 0;

	for (size_t i = 0; i < cells; i++) {
		double d = (double)counts[i] - expect;
		x2 += d * d / expect;
	}
	return x2;
}

/*
 * The random start is uniform over the dynamic band: across seeds (the
 * first allocation of a fresh range) and across calls (allocate, release,
 * allocate again on an otherwise empty range, where the result is the
 * start itself). 238 cells, 237 degrees of freedom: mean 237, standard
 * deviation 21.8; the bound 400 is 7.5 standard deviations.
 */
static void test_next_start_uniform(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.96.0.0", 24);
	enum { PER_CELL = 40, CELLS = 238 };
	unsigned counts[CELLS];
	cip_addr a;
	double x2;

	memset(counts, 0, sizeof counts);
	for (uint64_t seed = 1; seed <= CELLS * PER_CELL; seed++) {
		cip_range *r = make(&p, CIP_STATIC_BAND_AUTO, 0, 0, 0, seed);

		assert_int_equal(cip_range_allocate_next(r, 0, 0, &a), 0);
		uint64_t off = off_of(&p, &a);
		assert_true(off >= 16 && off < 254);
		counts[off - 16]++;
		cip_range_free(r);
	}
	x2 = chi_square(counts, CELLS, CELLS * PER_CELL);
	if (x2 > 400)
		fail_msg("across seeds: chi-square %.1f", x2);

	memset(counts, 0, sizeof counts);
	cip_range *r = make(&p, CIP_STATIC_BAND_AUTO, 0, 0, 0, SEED);
	for (unsigned i = 0; i < CELLS * PER_CELL; i++) {
		assert_int_equal(cip_range_allocate_next(r, 0, 0, &a), 0);
		uint64_t off = off_of(&p, &a);
		assert_true(off >= 16 && off < 254);
		counts[off - 16]++;
		assert_int_equal(cip_range_release(r, &a, 0, 0), 0);
	}
	cip_range_free(r);
	x2 = chi_square(counts, CELLS, CELLS * PER_CELL);
	if (x2 > 400)
		fail_msg("across calls: chi-square %.1f", x2);
}

static void test_next_dry_run(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.0.0.4", 30);
	cip_range *r = make(&p, CIP_STATIC_BAND_OFF, 0, 0, 0, SEED);
	cip_addr a, keep = ct_addr("9.9.9.9");
	cip_range_stats s;

	a = keep;
	assert_int_equal(cip_range_allocate_next(r, 0, CIP_ALLOC_DRY_RUN, &a), 0);
	assert_memory_equal(&a, &p.addr, sizeof a); /* the network address */
	assert_int_equal(used(r, CIP_BAND_ALL), 0);
	s = stats(r);
	assert_int_equal(s.all.allocations, 0);
	assert_int_equal(cip_range_allocate_next(r, 0, 0, &a), 0);
	a = keep;
	assert_int_equal(cip_range_allocate_next(r, 0, CIP_ALLOC_DRY_RUN, &a), 0);
	assert_memory_equal(&a, &p.addr, sizeof a);
	assert_int_equal(used(r, CIP_BAND_ALL), 1);
	assert_int_equal(cip_range_allocate_next(r, 0, 0, &a), 0);
	a = keep;
	assert_int_equal(cip_range_allocate_next(r, 0, CIP_ALLOC_DRY_RUN, &a), CIP_EFULL);
	assert_memory_equal(&a, &keep, sizeof a);
	s = stats(r);
	assert_int_equal(s.all.allocations, 2);
	assert_int_equal(s.all.errors, 0); /* a dry run counts nothing */

	/* Dry run also sees the static band when the dynamic one is full. */
	cip_prefix p24 = ct_prefix("10.0.0.0", 24);
	cip_range *r24 = make(&p24, CIP_STATIC_BAND_AUTO, 0, 0, 0, SEED);
	for (uint64_t off = 16; off < 254; off++)
		assert_int_equal(cip_range_allocate(r24, PA(at(&p24, off)), 0), 0);
	assert_int_equal(cip_range_allocate_next(r24, 0, CIP_ALLOC_DRY_RUN, &a), 0);
	assert_memory_equal(&a, &p24.addr, sizeof a);
	cip_range_free(r24);

	/* Flags and arguments. */
	assert_int_equal(cip_range_allocate_next(r, 0, CIP_RELEASE_NOW, &a), CIP_EINVAL);
	assert_int_equal(cip_range_allocate_next(r, 0, 1u << 7, &a), CIP_EINVAL);
	assert_int_equal(cip_range_allocate_next(NULL, 0, 0, &a), CIP_EINVAL);
	assert_int_equal(cip_range_allocate_next(r, 0, 0, NULL), CIP_EINVAL);
	cip_range_free(r);
}

/* ------------------------------------------------------------------ */
/* Specific allocation, release, has                                  */
/* ------------------------------------------------------------------ */

static void test_allocate_specific(void **state)
{
	(void)state;
	static const struct {
		const char *addr;
		unsigned flags;
		int rc;
	} rows[] = {
		{ "10.0.0.1", 0, 0 },
		{ "10.0.0.1", 0, CIP_EALLOCATED },
		{ "10.0.0.1", CIP_ALLOC_DRY_RUN, CIP_EALLOCATED },
		{ "10.0.0.254", CIP_ALLOC_DRY_RUN, 0 }, /* free: would succeed */
		{ "10.0.0.254", 0, 0 },			/* and the dry run took nothing */
		{ "10.0.0.10", 0, 0 },
		{ "10.0.0.0", 0, CIP_ERANGE },	 /* network */
		{ "10.0.0.255", 0, CIP_ERANGE }, /* broadcast */
		{ "10.0.0.0", CIP_ALLOC_DRY_RUN, CIP_ERANGE },
		{ "10.0.0.255", CIP_ALLOC_DRY_RUN, CIP_ERANGE },
		{ "10.0.1.1", 0, CIP_ERANGE },
		{ "9.255.255.255", 0, CIP_ERANGE },
		{ "0.0.0.0", 0, CIP_ERANGE },
		{ "255.255.255.255", 0, CIP_ERANGE },
		{ "::ffff:10.0.0.2", 0, CIP_EFAMILY },
		{ "fd00::1", 0, CIP_EFAMILY },
		{ "fd00::1", CIP_ALLOC_DRY_RUN, CIP_EFAMILY },
	};
	cip_prefix p = ct_prefix("10.0.0.0", 24);
	cip_range *r = make(&p, CIP_STATIC_BAND_AUTO, 0, 0, 0, SEED);
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		cip_addr a = ct_addr(rows[i].addr);
		int rc = cip_range_allocate(r, &a, rows[i].flags);

		CHECK(failures, rc == rows[i].rc, "row %zu (%s): rc %d, want %d\n", i, rows[i].addr,
		      rc, rows[i].rc);
	}
	CHECK(failures, used(r, CIP_BAND_ALL) == 3, "used %llu\n",
	      (unsigned long long)used(r, CIP_BAND_ALL));
	/* Invalid arguments. */
	cip_addr a = ct_addr("10.0.0.2");
	CHECK(failures, cip_range_allocate(r, &a, CIP_RELEASE_NOW) == CIP_EINVAL, "flag\n");
	CHECK(failures, cip_range_allocate(r, &a, 1u << 9) == CIP_EINVAL, "flag 9\n");
	CHECK(failures, cip_range_allocate(NULL, &a, 0) == CIP_EINVAL, "NULL r\n");
	CHECK(failures, cip_range_allocate(r, NULL, 0) == CIP_EINVAL, "NULL a\n");
	a.family = 0;
	CHECK(failures, cip_range_allocate(r, &a, 0) == CIP_EINVAL, "family 0\n");
	a = ct_addr("10.0.0.2");
	a.reserved[1] = 1;
	CHECK(failures, cip_range_allocate(r, &a, 0) == CIP_EINVAL, "reserved byte\n");
	a = ct_addr("10.0.0.2");
	a.bytes[0] = 1; /* IPv4 with bytes outside its 4 */
	CHECK(failures, cip_range_allocate(r, &a, 0) == CIP_EINVAL, "v4 high bytes\n");
	CHECK(failures, cip_range_has(r, PA(ct_addr("10.0.0.2"))) == 0,
	      "10.0.0.2 allocated by a bad call\n");
	CHECK(failures, used(r, CIP_BAND_ALL) == 3, "used after bad calls\n");
	cip_range_free(r);
	CHECK_DONE(failures);
}

static void test_release(void **state)
{
	(void)state;
	static const struct {
		const char *addr;
		unsigned flags;
		int rc;
	} rows[] = {
		{ "10.0.0.20", CIP_ALLOC_DRY_RUN, 0 }, /* would release, does not */
		{ "10.0.0.20", 0, 0 },
		{ "10.0.0.20", 0, CIP_ENOTALLOCATED },
		{ "10.0.0.20", CIP_ALLOC_DRY_RUN, CIP_ENOTALLOCATED },
		{ "10.0.0.21", 0, CIP_ENOTALLOCATED }, /* never allocated */
		{ "10.0.0.30", CIP_RELEASE_NOW, 0 },   /* no quarantine: same as 0 */
		{ "10.0.0.0", 0, CIP_ERANGE },
		{ "10.0.0.255", 0, CIP_ERANGE },
		{ "10.0.1.0", 0, CIP_ERANGE },
		{ "192.168.0.1", 0, CIP_ERANGE },
		{ "fd00::20", 0, CIP_EFAMILY },
	};
	cip_prefix p = ct_prefix("10.0.0.0", 24);
	cip_range *r = make(&p, CIP_STATIC_BAND_AUTO, 0, 0, 0, SEED);
	size_t failures = 0;
	uint64_t before_all, offs[300];

	assert_int_equal(cip_range_allocate(r, PA(ct_addr("10.0.0.20")), 0), 0);
	assert_int_equal(cip_range_allocate(r, PA(ct_addr("10.0.0.30")), 0), 0);
	assert_int_equal(cip_range_allocate(r, PA(ct_addr("10.0.0.5")), 0), 0);
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		cip_addr a = ct_addr(rows[i].addr);
		cip_range_stats s0 = stats(r), s1;
		int rc = cip_range_release(r, &a, 0, rows[i].flags);

		CHECK(failures, rc == rows[i].rc, "row %zu (%s): rc %d, want %d\n", i, rows[i].addr,
		      rc, rows[i].rc);
		s1 = stats(r);
		if (rc != 0 || (rows[i].flags & CIP_ALLOC_DRY_RUN))
			CHECK(failures, !memcmp(&s0, &s1, sizeof s0), "row %zu: counters changed\n",
			      i);
		else
			CHECK(failures,
			      s1.all.used + 1 == s0.all.used &&
				      s1.all.releases == s0.all.releases + 1,
			      "row %zu: not released\n", i);
	}
	before_all = used(r, CIP_BAND_ALL);
	CHECK(failures, before_all == 1, "used %llu\n", (unsigned long long)before_all);
	CHECK(failures, walk(r, &p, offs, 300) == 1 && offs[0] == 4, "left: 10.0.0.5\n");
	cip_addr a = ct_addr("10.0.0.5");
	CHECK(failures, cip_range_release(r, &a, 0, 1u << 6) == CIP_EINVAL, "bad flag\n");
	CHECK(failures, cip_range_release(NULL, &a, 0, 0) == CIP_EINVAL, "NULL r\n");
	CHECK(failures, cip_range_release(r, NULL, 0, 0) == CIP_EINVAL, "NULL a\n");
	a.family = 7;
	CHECK(failures, cip_range_release(r, &a, 0, 0) == CIP_EINVAL, "bad family\n");
	CHECK(failures, used(r, CIP_BAND_ALL) == 1, "bad calls released\n");
	cip_range_free(r);
	CHECK_DONE(failures);
}

static void test_has(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.0.0.0", 24);
	cip_range *r = make(&p, CIP_STATIC_BAND_AUTO, 0, 0, 0, SEED);
	cip_addr a = ct_addr("10.0.0.10");

	assert_int_equal(cip_range_has(r, &a), 0);
	assert_int_equal(cip_range_allocate(r, &a, 0), 0);
	assert_int_equal(cip_range_has(r, &a), 1);
	assert_int_equal(cip_range_has(r, PA(ct_addr("10.0.0.11"))), 0);
	assert_int_equal(cip_range_has(r, PA(ct_addr("10.0.0.0"))), 0);
	assert_int_equal(cip_range_has(r, PA(ct_addr("10.0.0.255"))), 0);
	assert_int_equal(cip_range_has(r, PA(ct_addr("11.0.0.10"))), 0);
	assert_int_equal(cip_range_has(r, PA(ct_addr("::a"))), 0);
	assert_int_equal(cip_range_has(NULL, &a), CIP_EINVAL);
	assert_int_equal(cip_range_has(r, NULL), CIP_EINVAL);
	a.family = 0;
	assert_int_equal(cip_range_has(r, &a), CIP_EINVAL);
	cip_range_free(r);
}

/* ------------------------------------------------------------------ */
/* Counters                                                           */
/* ------------------------------------------------------------------ */

static void test_counts_per_band(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.0.0.0", 24);
	cip_range *r = make(&p, CIP_STATIC_BAND_AUTO, 0, 0, 0, SEED);
	uint64_t n;
	cip_addr a;

	/* 3 static (.1 .10 .16), 2 dynamic (.17 .254) */
	static const uint64_t offs[] = { 0, 9, 15, 16, 253 };
	for (size_t i = 0; i < ARRAY_LEN(offs); i++)
		assert_int_equal(cip_range_allocate(r, PA(at(&p, offs[i])), 0), 0);
	assert_int_equal(used(r, CIP_BAND_ALL), 5);
	assert_int_equal(used(r, CIP_BAND_STATIC), 3);
	assert_int_equal(used(r, CIP_BAND_DYNAMIC), 2);
	assert_int_equal(avail(r, CIP_BAND_ALL), 249);
	assert_int_equal(avail(r, CIP_BAND_STATIC), 13);
	assert_int_equal(avail(r, CIP_BAND_DYNAMIC), 236);
	/* Errors: .10 again (static), .200 after .200 (dynamic), full. */
	assert_int_equal(cip_range_allocate(r, PA(at(&p, 9)), 0), CIP_EALLOCATED);
	assert_int_equal(cip_range_allocate(r, PA(at(&p, 199)), 0), 0);
	assert_int_equal(cip_range_allocate(r, PA(at(&p, 199)), 0), CIP_EALLOCATED);
	assert_int_equal(cip_range_allocate(r, PA(ct_addr("10.0.0.0")), 0),
			 CIP_ERANGE); /* not an allocation error */
	assert_int_equal(cip_range_allocate(r, PA(at(&p, 9)), CIP_ALLOC_DRY_RUN),
			 CIP_EALLOCATED); /* a dry run counts nothing */
	assert_int_equal(cip_range_release(r, PA(at(&p, 0)), 0, 0), 0);
	assert_int_equal(cip_range_release(r, PA(at(&p, 253)), 0, 0), 0);
	assert_int_equal(cip_range_release(r, PA(at(&p, 253)), 0, 0),
			 CIP_ENOTALLOCATED); /* not counted */
	cip_range_stats s = stats(r);
	assert_int_equal(s.sz, sizeof s);
	assert_int_equal(s.static_band.size, 16);
	assert_int_equal(s.static_band.used, 2);
	assert_int_equal(s.static_band.available, 14);
	assert_int_equal(s.static_band.quarantined, 0);
	assert_int_equal(s.static_band.allocations, 3);
	assert_int_equal(s.static_band.releases, 1);
	assert_int_equal(s.static_band.errors, 1);
	assert_int_equal(s.dynamic_band.size, 238);
	assert_int_equal(s.dynamic_band.used, 2);
	assert_int_equal(s.dynamic_band.available, 236);
	assert_int_equal(s.dynamic_band.allocations, 3);
	assert_int_equal(s.dynamic_band.releases, 1);
	assert_int_equal(s.dynamic_band.errors, 1);
	assert_int_equal(s.all.size, 254);
	assert_int_equal(s.all.used, 4);
	assert_int_equal(s.all.available, 250);
	assert_int_equal(s.all.allocations, 6);
	assert_int_equal(s.all.releases, 2);
	assert_int_equal(s.all.errors, 2);
	/* allocate_next counts per band too, and a full range counts an error. */
	for (unsigned i = 0; i < 250; i++)
		assert_int_equal(cip_range_allocate_next(r, 0, 0, &a), 0);
	assert_int_equal(cip_range_allocate_next(r, 0, 0, &a), CIP_EFULL);
	s = stats(r);
	assert_int_equal(s.static_band.allocations, 3 + 14);
	assert_int_equal(s.dynamic_band.allocations, 3 + 236);
	assert_int_equal(s.all.errors, 3);
	assert_int_equal(s.all.used, 254);
	assert_int_equal(s.all.available, 0);

	assert_int_equal(cip_range_used(r, 3, &n), CIP_EINVAL);
	assert_int_equal(cip_range_used(r, -1, &n), CIP_EINVAL);
	assert_int_equal(cip_range_available(r, 3, &n), CIP_EINVAL);
	assert_int_equal(cip_range_used(NULL, CIP_BAND_ALL, &n), CIP_EINVAL);
	assert_int_equal(cip_range_used(r, CIP_BAND_ALL, NULL), CIP_EINVAL);
	assert_int_equal(cip_range_available(NULL, CIP_BAND_ALL, &n), CIP_EINVAL);
	assert_int_equal(cip_range_available(r, CIP_BAND_ALL, NULL), CIP_EINVAL);
	cip_range_free(r);
}

static void test_stats_sz(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.0.0.0", 24);
	cip_range *r = make(&p, CIP_STATIC_BAND_AUTO, 0, 0, 0, SEED);
	struct {
		cip_range_stats s;
		unsigned char tail[16];
	} big;
	size_t first = offsetof(cip_range_stats, all) + sizeof(cip_band_stats);

	assert_int_equal(cip_range_allocate(r, PA(at(&p, 3)), 0), 0);
	/* Only the first band fits: the rest is untouched. */
	ct_fill(&big, sizeof big);
	big.s.sz = first;
	assert_int_equal(cip_range_stats_get(r, &big.s), 0);
	assert_int_equal(big.s.sz, first);
	assert_int_equal(big.s.all.size, 254);
	assert_int_equal(big.s.all.used, 1);
	assert_int_equal(big.s.all.allocations, 1);
	assert_true(ct_untouched(&big.s.static_band, sizeof big - first));
	/* Half of the second band. */
	ct_fill(&big, sizeof big);
	big.s.sz = first + 8;
	assert_int_equal(cip_range_stats_get(r, &big.s), 0);
	assert_int_equal(big.s.static_band.size, 16);
	assert_true(ct_untouched(&big.s.static_band.used, sizeof big - first - 8));
	/* A newer, larger struct: ours is written whole, its tail untouched. */
	ct_fill(&big, sizeof big);
	big.s.sz = sizeof big;
	assert_int_equal(cip_range_stats_get(r, &big.s), 0);
	assert_int_equal(big.s.sz, sizeof big);
	assert_int_equal(big.s.dynamic_band.size, 238);
	assert_int_equal(big.s.static_band.used, 1);
	assert_true(ct_untouched(big.tail, sizeof big.tail));
	/* Too small, NULL. */
	ct_fill(&big, sizeof big);
	big.s.sz = first - 1;
	assert_int_equal(cip_range_stats_get(r, &big.s), CIP_EINVAL);
	assert_true(ct_untouched(&big.s.all, sizeof big - sizeof(size_t)));
	assert_int_equal(cip_range_stats_get(r, NULL), CIP_EINVAL);
	big.s.sz = sizeof big.s;
	assert_int_equal(cip_range_stats_get(NULL, &big.s), CIP_EINVAL);
	cip_range_free(r);
}

/* ------------------------------------------------------------------ */
/* foreach and getters                                                */
/* ------------------------------------------------------------------ */

static void test_foreach(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.0.0.0", 22);
	cip_range *r = make(&p, CIP_STATIC_BAND_AUTO, 0, 0, 0, SEED);
	uint8_t want[1022] = { 0 };
	uint64_t offs[1100], seed = 42;
	size_t nwant = 0, n;

	assert_int_equal(walk(r, &p, offs, 1100), 0);
	for (unsigned i = 0; i < 400; i++) {
		uint64_t off = cip__bounded_random(&seed, 1022);

		if (!want[off]) {
			want[off] = 1;
			nwant++;
			assert_int_equal(cip_range_allocate(r, PA(at(&p, off)), 0), 0);
		}
	}
	want[0] = want[1021] = 1; /* both ends */
	cip_range_allocate(r, PA(at(&p, 0)), 0);
	cip_range_allocate(r, PA(at(&p, 1021)), 0);
	nwant = 0;
	for (unsigned i = 0; i < 1022; i++)
		nwant += want[i];
	n = walk(r, &p, offs, 1100);
	assert_int_equal(n, nwant);
	for (size_t i = 0, k = 0; i < 1022; i++)
		if (want[i])
			assert_int_equal(offs[k++], i);

	/* Early stop: the callback's value comes back, nothing after it. */
	struct collect c = { &p, offs, 0, 1100, 5, 1 };
	assert_int_equal(cip_range_foreach(r, collect_fn, &c), 77);
	assert_int_equal(c.n, 5);
	c.n = 0;
	c.stop_after = 1;
	assert_int_equal(cip_range_foreach(r, collect_fn, &c), 77);
	assert_int_equal(c.n, 1);
	assert_int_equal(offs[0], 0);

	assert_int_equal(cip_range_foreach(NULL, collect_fn, &c), CIP_EINVAL);
	assert_int_equal(cip_range_foreach(r, NULL, &c), CIP_EINVAL);
	cip_range_free(r);
}

static void test_getters(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("fd00:1::", 120), got;
	cip_range *r = make(&p, 40, 0, 0, 0, SEED);
	uint64_t band;

	assert_int_equal(cip_range_prefix(r, &got), 0);
	assert_memory_equal(&got, &p, sizeof p);
	assert_int_equal(cip_range_static_band_size(r, &band), 0);
	assert_int_equal(band, 40);
	assert_int_equal(cip_range_prefix(NULL, &got), CIP_EINVAL);
	assert_int_equal(cip_range_prefix(r, NULL), CIP_EINVAL);
	assert_int_equal(cip_range_static_band_size(NULL, &band), CIP_EINVAL);
	assert_int_equal(cip_range_static_band_size(r, NULL), CIP_EINVAL);
	assert_int_equal(cip_range_expire(NULL, 0), CIP_EINVAL);
	assert_int_equal(cip_range_expire(r, 0), 0); /* no quarantine: nothing */
	cip_range_free(r);
}

/* ------------------------------------------------------------------ */
/* Large ranges: IPv6 /64 (sparse) and /48 with the legacy cap        */
/* ------------------------------------------------------------------ */

static int addr_cmp(const cip_addr *a, const cip_addr *b)
{
	return memcmp(a->bytes, b->bytes, 16);
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

static void large_range(const cip_prefix *p, unsigned flags, uint64_t usable)
{
	enum { N = 4000 };
	cip_range *r = make(p, CIP_STATIC_BAND_AUTO, 0, 0, flags, SEED);
	cip_addr first, last, a, beyond;
	uint64_t *offs = malloc((N + 2) * sizeof *offs), *walked = malloc((N + 10) * sizeof *offs);
	uint64_t band;
	char buf[96];

	assert_non_null(offs);
	assert_non_null(walked);
	assert_int_equal(cip_service_range_first(&first, p, flags), 0);
	assert_int_equal(cip_service_range_last(&last, p, flags), 0);
	assert_int_equal(off_of(p, &first), 0);
	assert_int_equal(off_of(p, &last), usable - 1);
	cip_range_static_band_size(r, &band);
	assert_int_equal(band, 256);
	assert_int_equal(cip_range_allocate(r, &first, 0), 0);
	assert_int_equal(cip_range_allocate(r, &last, 0), 0);
	assert_int_equal(cip_range_allocate(r, &last, 0), CIP_EALLOCATED);
	assert_int_equal(cip_range_has(r, &last), 1);
	beyond = last;
	if (ct_inc(&beyond)) /* the /64's last address is the family's end? no */
		assert_int_equal(cip_range_allocate(r, &beyond, 0), CIP_ERANGE);
	assert_int_equal(cip_range_allocate(r, &p->addr, 0), CIP_ERANGE);
	offs[0] = 0;
	offs[1] = usable - 1;
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(cip_range_allocate_next(r, 0, 0, &a), 0);
		if (a.family != p->addr.family || addr_cmp(&a, &first) < 0 ||
		    addr_cmp(&a, &last) > 0)
			fail_msg("allocate_next gave %s, outside the range", ct_show(&a, buf));
		offs[i + 2] = off_of(p, &a);
		if (offs[i + 2] < 256)
			fail_msg("allocate_next gave %s in the static band", ct_show(&a, buf));
	}
	qsort(offs, N + 2, sizeof *offs, cmp_u64);
	for (unsigned i = 1; i < N + 2; i++)
		if (offs[i] == offs[i - 1])
			fail_msg("offset %llu handed out twice", (unsigned long long)offs[i]);
	assert_int_equal(used(r, CIP_BAND_ALL), N + 2);
	assert_int_equal(used(r, CIP_BAND_STATIC), 1);
	assert_int_equal(avail(r, CIP_BAND_ALL), usable - N - 2);
	assert_int_equal(walk(r, p, walked, N + 10), N + 2);
	assert_memory_equal(walked, offs, (N + 2) * sizeof *offs);
	for (unsigned i = 0; i < N + 2; i++)
		assert_int_equal(cip_range_release(r, PA(at(p, offs[i])), 0, 0), 0);
	assert_int_equal(used(r, CIP_BAND_ALL), 0);
	assert_int_equal(walk(r, p, walked, N + 10), 0);
	free(offs);
	free(walked);
	cip_range_free(r);
}

static void test_large_v6_64(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("fd22:ff0::", 64);

	large_range(&p, 0, UINT64_MAX);
	/* The last usable address of a /64 is its all-ones address. */
	cip_addr last;
	assert_int_equal(cip_service_range_last(&last, &p, 0), 0);
	assert_memory_equal(&last, PA(ct_addr("fd22:ff0::ffff:ffff:ffff:ffff")), sizeof last);
}

static void test_large_v6_48_legacy(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("2001:db8:1::", 48);

	large_range(&p, CIP_RANGE_LEGACY_CAP, 65535);
	cip_range *r = make(&p, CIP_STATIC_BAND_AUTO, 0, 0, CIP_RANGE_LEGACY_CAP, SEED);
	/* Kubernetes' test: 2001:db8:1::1:0 is out of range for a /48. */
	assert_int_equal(cip_range_allocate(r, PA(ct_addr("2001:db8:1::1:0")), 0), CIP_ERANGE);
	assert_int_equal(cip_range_allocate(r, PA(ct_addr("2001:db8:1::ffff")), 0), 0);
	assert_int_equal(cip_range_allocate(r, PA(ct_addr("2001:db8:2::1")), 0), CIP_ERANGE);
	cip_range_free(r);
}

/* ------------------------------------------------------------------ */
/* Quarantine                                                         */
/* ------------------------------------------------------------------ */

static void test_quarantine_basic(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.0.0.4", 30); /* .5 and .6 */
	cip_range *r = make(&p, CIP_STATIC_BAND_OFF, 1000, 0, 0, SEED);
	cip_addr a, b, c;
	cip_range_stats s;

	assert_int_equal(cip_range_allocate_next(r, 0, 0, &a), 0);
	assert_int_equal(cip_range_allocate_next(r, 0, 0, &b), 0);
	assert_int_not_equal(off_of(&p, &a), off_of(&p, &b));
	assert_int_equal(cip_range_release(r, &a, 0, 0), 0);
	assert_int_equal(cip_range_has(r, &a), 0);
	assert_int_equal(used(r, CIP_BAND_ALL), 1);
	assert_int_equal(avail(r, CIP_BAND_ALL), 0);
	s = stats(r);
	assert_int_equal(s.all.quarantined, 1);
	assert_int_equal(s.dynamic_band.quarantined, 1);
	assert_int_equal(s.all.used + s.all.available + s.all.quarantined, 2);
	/* In quarantine: not released again, not walked, not handed out. */
	assert_int_equal(cip_range_release(r, &a, 10, 0), CIP_ENOTALLOCATED);
	assert_int_equal(cip_range_release(r, &a, 10, CIP_ALLOC_DRY_RUN), CIP_ENOTALLOCATED);
	assert_int_equal(cip_range_release(r, &a, 10, CIP_RELEASE_NOW), CIP_ENOTALLOCATED);
	uint64_t offs[4];
	assert_int_equal(walk(r, &p, offs, 4), 1);
	assert_int_equal(offs[0], off_of(&p, &b));
	assert_int_equal(cip_range_allocate_next(r, 999, CIP_ALLOC_DRY_RUN, &c), CIP_EFULL);
	assert_int_equal(cip_range_allocate_next(r, 999, 0, &c), CIP_EFULL);
	assert_int_equal(cip_range_expire(r, 999), 0);
	assert_int_equal(cip_range_allocate_next(r, 1000, 0, &c), 0);
	assert_memory_equal(&c, &a, sizeof a);
	assert_int_equal(cip_range_has(r, &a), 1);
	s = stats(r);
	assert_int_equal(s.all.quarantined, 0);
	assert_int_equal(s.all.used, 2);

	/* expire() returns the number freed and makes the counters current. */
	assert_int_equal(cip_range_release(r, &a, 2000, 0), 0);
	assert_int_equal(cip_range_release(r, &b, 2500, 0), 0);
	assert_int_equal(cip_range_expire(r, 2999), 0);
	assert_int_equal(cip_range_expire(r, 3000), 1);
	assert_int_equal(avail(r, CIP_BAND_ALL), 1);
	assert_int_equal(cip_range_has(r, &a), 0);
	assert_int_equal(cip_range_expire(r, 3000), 0);
	assert_int_equal(cip_range_expire(r, UINT64_MAX), 1);
	assert_int_equal(avail(r, CIP_BAND_ALL), 2);
	assert_int_equal(stats(r).all.quarantined, 0);

	/* CIP_RELEASE_NOW bypasses the quarantine. */
	assert_int_equal(cip_range_allocate(r, &a, 0), 0);
	assert_int_equal(cip_range_release(r, &a, 5000, CIP_RELEASE_NOW), 0);
	assert_int_equal(stats(r).all.quarantined, 0);
	assert_int_equal(avail(r, CIP_BAND_ALL), 2);
	/* A dry-run release into quarantine changes nothing. */
	assert_int_equal(cip_range_allocate(r, &a, 0), 0);
	assert_int_equal(cip_range_release(r, &a, 5000, CIP_ALLOC_DRY_RUN), 0);
	assert_int_equal(cip_range_has(r, &a), 1);
	assert_int_equal(stats(r).all.quarantined, 0);
	/* A release near the end of time saturates. */
	assert_int_equal(cip_range_release(r, &a, UINT64_MAX - 10, 0), 0);
	assert_int_equal(cip_range_expire(r, UINT64_MAX - 1), 0);
	assert_int_equal(cip_range_expire(r, UINT64_MAX), 1);
	cip_range_free(r);
}

/*
 * A specific allocate takes an address out of quarantine; released again,
 * it stays in quarantine until the second release's expiry, not the
 * first's (the stale entry frees nothing).
 */
static void test_quarantine_take_back(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.0.0.4", 30);
	cip_range *r = make(&p, CIP_STATIC_BAND_OFF, 1000, 0, 0, SEED);
	cip_addr a = at(&p, 0), b = at(&p, 1), c;

	assert_int_equal(cip_range_allocate(r, &a, 0), 0);
	assert_int_equal(cip_range_allocate(r, &b, 0), 0);
	assert_int_equal(cip_range_release(r, &a, 0, 0), 0);
	assert_int_equal(cip_range_allocate(r, &a, CIP_ALLOC_DRY_RUN), 0);
	assert_int_equal(cip_range_allocate(r, &a, 0), 0); /* taken back */
	assert_int_equal(cip_range_has(r, &a), 1);
	assert_int_equal(stats(r).all.quarantined, 0);
	assert_int_equal(used(r, CIP_BAND_ALL), 2);
	assert_int_equal(cip_range_allocate(r, &a, 0), CIP_EALLOCATED);
	/* The stale entry (due at 1000) must not free it. */
	assert_int_equal(cip_range_expire(r, 1000), 0);
	assert_int_equal(cip_range_has(r, &a), 1);
	assert_int_equal(cip_range_allocate_next(r, 1000, 0, &c), CIP_EFULL);
	/* Released again at 500... in a fresh range, so the order is exact. */
	cip_range_free(r);

	r = make(&p, CIP_STATIC_BAND_OFF, 1000, 0, 0, SEED);
	assert_int_equal(cip_range_allocate(r, &a, 0), 0);
	assert_int_equal(cip_range_allocate(r, &b, 0), 0);
	assert_int_equal(cip_range_release(r, &a, 0, 0), 0);   // expiry 1000
	assert_int_equal(cip_range_allocate(r, &a, 0), 0);     // taken back
	assert_int_equal(cip_range_release(r, &a, 500, 0), 0); // expiry 1500
	assert_int_equal(cip_range_expire(r, 1000), 0);	       // stale entry
	assert_int_equal(cip_range_has(r, &a), 0);
	assert_int_equal(stats(r).all.quarantined, 1);
	assert_int_equal(cip_range_allocate_next(r, 1499, 0, &c), CIP_EFULL);
	assert_int_equal(cip_range_allocate_next(r, 1500, 0, &c), 0);
	assert_memory_equal(&c, &a, sizeof a);
	cip_range_free(r);
}

/* With quarantine_max 2, a third release ends the oldest quarantine. */
static void test_quarantine_max(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.0.0.0", 29); /* 6 usable */
	cip_range *r = make(&p, CIP_STATIC_BAND_OFF, 1000, 2, 0, SEED);
	cip_range_stats s;

	for (uint64_t off = 0; off < 6; off++)
		assert_int_equal(cip_range_allocate(r, PA(at(&p, off)), 0), 0);
	assert_int_equal(cip_range_release(r, PA(at(&p, 0)), 0, 0), 0);
	assert_int_equal(cip_range_release(r, PA(at(&p, 1)), 1, 0), 0);
	s = stats(r);
	assert_int_equal(s.all.quarantined, 2);
	assert_int_equal(s.all.available, 0);
	assert_int_equal(cip_range_release(r, PA(at(&p, 2)), 2, 0), 0);
	s = stats(r);
	assert_int_equal(s.all.quarantined, 2);
	assert_int_equal(s.all.available, 1);
	assert_int_equal(s.all.used, 3);
	cip_addr c;
	assert_int_equal(cip_range_allocate_next(r, 3, 0, &c), 0);
	assert_int_equal(off_of(&p, &c), 0); /* the oldest, ended early */
	assert_int_equal(cip_range_allocate_next(r, 3, 0, &c), CIP_EFULL);
	cip_range_free(r);

	/* The default limit is the range size: a /30 holds both. */
	cip_prefix p30 = ct_prefix("10.0.0.4", 30);
	r = make(&p30, CIP_STATIC_BAND_OFF, 1000, 0, 0, SEED);
	assert_int_equal(cip_range_allocate(r, PA(at(&p30, 0)), 0), 0);
	assert_int_equal(cip_range_allocate(r, PA(at(&p30, 1)), 0), 0);
	assert_int_equal(cip_range_release(r, PA(at(&p30, 0)), 0, 0), 0);
	assert_int_equal(cip_range_release(r, PA(at(&p30, 1)), 0, 0), 0);
	assert_int_equal(stats(r).all.quarantined, 2);
	assert_int_equal(cip_range_allocate_next(r, 999, 0, &c), CIP_EFULL);
	cip_range_free(r);
}

/* Quarantine in the sparse engine and across bands. */
static void test_quarantine_sparse_bands(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("fd00::", 64);
	cip_range *r = make(&p, CIP_STATIC_BAND_AUTO, 100, 0, 0, SEED);
	cip_addr s0 = at(&p, 3), d0 = at(&p, UINT64_MAX - 1), c;
	cip_range_stats s;

	assert_int_equal(cip_range_allocate(r, &s0, 0), 0);
	assert_int_equal(cip_range_allocate(r, &d0, 0), 0);
	assert_int_equal(cip_range_allocate_next(r, 0, 0, &c), 0);
	assert_int_equal(cip_range_release(r, &s0, 0, 0), 0);
	assert_int_equal(cip_range_release(r, &d0, 10, 0), 0);
	s = stats(r);
	assert_int_equal(s.static_band.quarantined, 1);
	assert_int_equal(s.dynamic_band.quarantined, 1);
	assert_int_equal(s.all.used, 1);
	assert_int_equal(s.all.available, UINT64_MAX - 3);
	assert_int_equal(cip_range_has(r, &d0), 0);
	assert_int_equal(cip_range_release(r, &d0, 20, 0), CIP_ENOTALLOCATED);
	assert_int_equal(cip_range_expire(r, 109), 1);
	assert_int_equal(cip_range_expire(r, 110), 1);
	s = stats(r);
	assert_int_equal(s.all.quarantined, 0);
	assert_int_equal(s.all.available, UINT64_MAX - 1);
	cip_range_free(r);
}

/* ------------------------------------------------------------------ */
/* Differential test against a reference model                        */
/* ------------------------------------------------------------------ */

enum { R_FREE, R_ALLOC, R_QUAR };

struct ref {
	uint64_t size, band, dur;
	uint8_t st[256];
	uint64_t expiry[256];
};

/* Ends due quarantines; @return how many. */
static int ref_expire(struct ref *m, uint64_t now)
{
	int n = 0;

	for (uint64_t i = 0; i < m->size; i++) {
		if (m->st[i] == R_QUAR && m->expiry[i] <= now) {
			m->st[i] = R_FREE;
			n++;
		}
	}
	return n;
}

static uint64_t ref_count(const struct ref *m, int state, uint64_t lo, uint64_t hi)
{
	uint64_t n = 0;

	for (uint64_t i = lo; i < hi; i++)
		n += m->st[i] == state;
	return n;
}

static void ref_check_all(const cip_range *r, const cip_prefix *p, const struct ref *m,
			  unsigned step)
{
	uint64_t offs[260];
	size_t n = walk(r, p, offs, 260), k = 0;
	cip_range_stats s = stats(r);

	for (uint64_t i = 0; i < m->size; i++) {
		if (m->st[i] == R_ALLOC) {
			if (k >= n || offs[k] != i)
				fail_msg("step %u: foreach misses offset %llu", step,
					 (unsigned long long)i);
			k++;
		}
		if (cip_range_has(r, PA(at(p, i))) != (m->st[i] == R_ALLOC))
			fail_msg("step %u: has(%llu) wrong", step, (unsigned long long)i);
	}
	if (k != n)
		fail_msg("step %u: foreach visits %zu, want %zu", step, n, k);
	if (s.static_band.used != ref_count(m, R_ALLOC, 0, m->band) ||
	    s.dynamic_band.used != ref_count(m, R_ALLOC, m->band, m->size) ||
	    s.static_band.quarantined != ref_count(m, R_QUAR, 0, m->band) ||
	    s.dynamic_band.quarantined != ref_count(m, R_QUAR, m->band, m->size))
		fail_msg("step %u: band counters differ", step);
}

static void differential(const char *addr, unsigned len, uint64_t dur, uint64_t seed)
{
	cip_prefix p = ct_prefix(addr, len);
	/* A limit above the number of releases: the quarantine never ends
	 * early, so the reference needs no ring (test_quarantine_max covers
	 * the limit). */
	cip_range *r = make(&p, CIP_STATIC_BAND_AUTO, dur, dur ? 1u << 17 : 0, 0, seed);
	struct ref m;
	uint64_t now = 0, band, n;
	cip_range_stats st = stats(r);
	enum { OPS = 100000 };

	memset(&m, 0, sizeof m);
	m.size = st.all.size;
	cip_range_static_band_size(r, &band);
	m.band = band;
	m.dur = dur;
	assert_true(m.size <= 256);
	for (unsigned step = 0; step < OPS; step++) {
		unsigned op = (unsigned)cip__bounded_random(&seed, 100);
		/* offsets -1 (network) .. size (broadcast) */
		uint64_t off = cip__bounded_random(&seed, m.size + 2) - 1;
		int in = off < m.size;
		cip_addr a = in ? at(&p, off) : off == UINT64_MAX ? p.addr : at(&p, m.size);
		int rc, want;

		now += cip__bounded_random(&seed, dur ? dur / 8 : 3);
		if (op < 35) { /* allocate_next */
			cip_addr got;
			int dry = op < 3;

			ref_expire(&m, now);
			uint64_t free_dyn = ref_count(&m, R_FREE, m.band, m.size);
			uint64_t free_all = free_dyn + ref_count(&m, R_FREE, 0, m.band);
			rc = cip_range_allocate_next(r, now, dry ? CIP_ALLOC_DRY_RUN : 0, &got);
			if (free_all == 0) {
				if (rc != CIP_EFULL)
					fail_msg("step %u: allocate_next %d on a full range", step,
						 rc);
				continue;
			}
			if (rc != 0)
				fail_msg("step %u: allocate_next %d with %llu available", step, rc,
					 (unsigned long long)free_all);
			if (dry) {
				assert_memory_equal(&got, &p.addr, sizeof got);
				continue;
			}
			uint64_t o = off_of(&p, &got);
			if (o >= m.size || m.st[o] != R_FREE)
				fail_msg("step %u: allocate_next gave offset %llu in state %d",
					 step, (unsigned long long)o, o < m.size ? m.st[o] : -1);
			if (free_dyn && o < m.band)
				fail_msg("step %u: static offset %llu with the dynamic band free",
					 step, (unsigned long long)o);
			m.st[o] = R_ALLOC;
		} else if (op < 55) { /* allocate */
			unsigned flags = op < 40 ? CIP_ALLOC_DRY_RUN : 0;

			want = !in ? CIP_ERANGE : m.st[off] == R_ALLOC ? CIP_EALLOCATED : 0;
			rc = cip_range_allocate(r, &a, flags);
			if (rc != want)
				fail_msg("step %u: allocate(%lld) %d, want %d", step,
					 (long long)off, rc, want);
			if (rc == 0 && !flags)
				m.st[off] = R_ALLOC;
		} else if (op < 85) { /* release */
			unsigned flags = op < 60   ? CIP_ALLOC_DRY_RUN
					 : op < 65 ? CIP_RELEASE_NOW
						   : 0;

			want = !in ? CIP_ERANGE : m.st[off] == R_ALLOC ? 0 : CIP_ENOTALLOCATED;
			rc = cip_range_release(r, &a, now, flags);
			if (rc != want)
				fail_msg("step %u: release(%lld) %d, want %d", step, (long long)off,
					 rc, want);
			if (rc == 0 && !(flags & CIP_ALLOC_DRY_RUN)) {
				m.st[off] = dur && !(flags & CIP_RELEASE_NOW) ? R_QUAR : R_FREE;
				m.expiry[off] = now + dur;
			}
		} else if (op < 92) { /* has */
			want = in && m.st[off] == R_ALLOC;
			rc = cip_range_has(r, &a);
			if (rc != want)
				fail_msg("step %u: has(%lld) %d, want %d", step, (long long)off, rc,
					 want);
		} else if (op < 97) { /* used */
			int b = (int)(op - 92) % 3;
			uint64_t lo = b == CIP_BAND_DYNAMIC ? m.band : 0;
			uint64_t hi = b == CIP_BAND_STATIC ? m.band : m.size;

			assert_int_equal(cip_range_used(r, b, &n), 0);
			if (n != ref_count(&m, R_ALLOC, lo, hi))
				fail_msg("step %u: used(%d) %llu, want %llu", step, b,
					 (unsigned long long)n,
					 (unsigned long long)ref_count(&m, R_ALLOC, lo, hi));
		} else { /* expire, then available */
			want = ref_expire(&m, now);
			rc = cip_range_expire(r, now);
			if (rc != want)
				fail_msg("step %u: expire %d, want %d", step, rc, want);
			assert_int_equal(cip_range_available(r, CIP_BAND_DYNAMIC, &n), 0);
			if (n != ref_count(&m, R_FREE, m.band, m.size))
				fail_msg("step %u: available %llu, want %llu", step,
					 (unsigned long long)n,
					 (unsigned long long)ref_count(&m, R_FREE, m.band, m.size));
			assert_int_equal(cip_range_available(r, CIP_BAND_STATIC, &n), 0);
			assert_int_equal(n, ref_count(&m, R_FREE, 0, m.band));
		}
		if (step % 97 == 0)
			ref_check_all(r, &p, &m, step);
	}
	ref_check_all(r, &p, &m, OPS);
	cip_range_free(r);
}

static void test_differential_26(void **state)
{
	(void)state;
	differential("10.1.2.64", 26, 0, 1);
	differential("10.1.2.64", 26, 1000, 2);
}

static void test_differential_24(void **state)
{
	(void)state;
	differential("10.96.0.0", 24, 0, 3);
	differential("10.96.0.0", 24, 5000, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_classes),
		cmocka_unit_test(test_band_auto_table),
		cmocka_unit_test(test_band_options),
		cmocka_unit_test(test_create_options),
		cmocka_unit_test(test_opts_init),
		cmocka_unit_test(test_next_exhausts_bands_in_order),
		cmocka_unit_test(test_next_band_off_uniform),
		cmocka_unit_test(test_next_start_uniform),
		cmocka_unit_test(test_next_dry_run),
		cmocka_unit_test(test_allocate_specific),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_has),
		cmocka_unit_test(test_counts_per_band),
		cmocka_unit_test(test_stats_sz),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_large_v6_64),
		cmocka_unit_test(test_large_v6_48_legacy),
		cmocka_unit_test(test_quarantine_basic),
		cmocka_unit_test(test_quarantine_take_back),
		cmocka_unit_test(test_quarantine_max),
		cmocka_unit_test(test_quarantine_sparse_bands),
		cmocka_unit_test(test_differential_26),
		cmocka_unit_test(test_differential_24),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
