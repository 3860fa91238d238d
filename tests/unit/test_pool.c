/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cip_pool: options, argument checks, the size-weighted choice among
 * ranges, the k/k#131866 scenario, overlapping ranges (with a differential
 * test against a reference set), the drain/remove lifecycle, and
 * dual-stack pairs with their all-or-nothing rollback.
 *
 * Expectations come from the test's own model: which range an address
 * belongs to is computed here from the CIDRs (first added, not removed,
 * containing it as a usable address), never asked of the pool.
 */
#include "cip_test.h"

#include <math.h>

#define SEED UINT64_C(0x5EED5EED)

/* ---- helpers ------------------------------------------------------------ */

static cip_pool *pool_new(uint64_t seed, uint32_t max_ranges)
{
	cip_pool_opts o;
	cip_pool *p = NULL;

	assert_int_equal(cip_pool_opts_init(&o, sizeof(o)), 0);
	o.seed = seed;
	o.max_ranges = max_ranges;
	assert_int_equal(cip_pool_new(&p, &o), 0);
	assert_non_null(p);
	return p;
}

static void add(cip_pool *p, const char *net, unsigned len)
{
	cip_prefix c = ct_prefix(net, len);

	assert_int_equal(cip_pool_add(p, &c, NULL), 0);
}

static cip_range *range_of(const cip_pool *p, const char *net, unsigned len)
{
	cip_prefix c = ct_prefix(net, len);
	cip_range *r = NULL;

	assert_int_equal(cip_pool_range(p, &c, &r), 0);
	assert_non_null(r);
	return r;
}

static uint64_t used_of(const cip_range *r)
{
	uint64_t n = UINT64_MAX;

	assert_int_equal(cip_range_used(r, CIP_BAND_ALL, &n), 0);
	return n;
}

static uint64_t pool_used(const cip_pool *p, int family)
{
	uint64_t n = UINT64_MAX;

	assert_int_equal(cip_pool_used(p, family, &n), 0);
	return n;
}

static int in_prefix(const char *net, unsigned len, const cip_addr *a)
{
	cip_prefix c = ct_prefix(net, len);

	return cip_prefix_contains(&c, a) == 1;
}

/* The last byte of an IPv4 address, and the third. */
#define B3(a) ((a)->bytes[15])
#define B2(a) ((a)->bytes[14])

/* ---- options ------------------------------------------------------------- */

static void test_opts_init(void **state)
{
	struct {
		cip_pool_opts o;
		uint64_t extra;
	} big;
	cip_pool_opts o;

	(void)state;
	assert_int_equal(cip_pool_opts_init(NULL, sizeof(o)), CIP_EINVAL);
	assert_int_equal(cip_pool_opts_init(&o, offsetof(cip_pool_opts, seed) - 1), CIP_EINVAL);

	ct_fill(&o, sizeof(o));
	assert_int_equal(cip_pool_opts_init(&o, sizeof(o)), 0);
	assert_int_equal(o.sz, sizeof(o));
	assert_true(o.seed == 0 && o.max_ranges == 0);

	/* A newer, larger struct is zeroed whole, so cip_pool_new takes it. */
	ct_fill(&big, sizeof(big));
	assert_int_equal(cip_pool_opts_init(&big.o, sizeof(big)), 0);
	assert_int_equal(big.o.sz, sizeof(big));
	assert_true(big.extra == 0);
}

/* How many /28 ranges of distinct networks a pool takes before ELIMIT. */
static unsigned capacity(cip_pool *p)
{
	for (unsigned i = 0; i < 100; i++) {
		cip_prefix c = ct_prefix("10.0.0.0", 28);
		int rc;

		c.addr.bytes[14] = (uint8_t)i;
		rc = cip_pool_add(p, &c, NULL);
		if (rc == CIP_ELIMIT)
			return i;
		assert_int_equal(rc, 0);
	}
	fail_msg("no limit");
	return 0;
}

static void test_new_opts(void **state)
{
	struct {
		cip_pool_opts o;
		uint64_t extra;
	} big;
	cip_pool_opts o;
	cip_pool *p = NULL, *sentinel = (cip_pool *)&o;

	(void)state;
	/* NULL: defaults (16 ranges per family). */
	assert_int_equal(cip_pool_new(&p, NULL), 0);
	assert_int_equal(capacity(p), 16);
	cip_pool_free(p);

	assert_int_equal(cip_pool_new(NULL, NULL), CIP_EINVAL);

	/* max_ranges 1, 64, 0 (= 16), 65 (invalid). */
	p = pool_new(0, 1);
	assert_int_equal(capacity(p), 1);
	cip_pool_free(p);
	p = pool_new(0, 64);
	assert_int_equal(capacity(p), 64);
	cip_pool_free(p);
	p = pool_new(0, 0);
	assert_int_equal(capacity(p), 16);
	cip_pool_free(p);
	cip_pool_opts_init(&o, sizeof(o));
	o.max_ranges = 65;
	p = sentinel;
	assert_int_equal(cip_pool_new(&p, &o), CIP_EINVAL);
	assert_ptr_equal(p, sentinel);

	/* An older caller's smaller struct: fields past sz are not read. */
	cip_pool_opts_init(&o, sizeof(o));
	o.max_ranges = 1;
	o.sz = offsetof(cip_pool_opts, max_ranges);
	assert_int_equal(cip_pool_new(&p, &o), 0);
	assert_int_equal(capacity(p), 16);
	cip_pool_free(p);

	/* sz too small to hold itself. */
	cip_pool_opts_init(&o, sizeof(o));
	o.sz = sizeof(size_t) - 1;
	p = sentinel;
	assert_int_equal(cip_pool_new(&p, &o), CIP_EINVAL);
	assert_ptr_equal(p, sentinel);

	/* A newer caller's larger struct: zero tail accepted, else refused. */
	cip_pool_opts_init(&big.o, sizeof(big));
	big.o.max_ranges = 2;
	assert_int_equal(cip_pool_new(&p, &big.o), 0);
	assert_int_equal(capacity(p), 2);
	cip_pool_free(p);
	big.extra = 1;
	p = sentinel;
	assert_int_equal(cip_pool_new(&p, &big.o), CIP_EINVAL);
	assert_ptr_equal(p, sentinel);

	cip_pool_free(NULL);
}

/* cip_pool_add passes range options on, with their own sz rules. */
static void test_add_range_opts(void **state)
{
	struct {
		cip_range_opts o;
		uint64_t extra;
	} big;
	cip_range_opts ro;
	cip_prefix c = ct_prefix("10.0.0.0", 24);
	cip_range *r;
	uint64_t band = 1;

	(void)state;
	for (int seeded = 0; seeded < 2; seeded++) {
		cip_pool *p = pool_new(seeded ? SEED : 0, 0);

		cip_range_opts_init(&ro, sizeof(ro));
		ro.static_band = CIP_STATIC_BAND_OFF;
		assert_int_equal(cip_pool_add(p, &c, &ro), 0);
		r = range_of(p, "10.0.0.0", 24);
		assert_int_equal(cip_range_static_band_size(r, &band), 0);
		assert_true(band == 0);

		/* Unknown flags and a non-zero unknown tail are refused, with
		 * or without a derived seed. */
		c = ct_prefix("10.0.1.0", 24);
		cip_range_opts_init(&ro, sizeof(ro));
		ro.flags = 0x80;
		assert_int_equal(cip_pool_add(p, &c, &ro), CIP_EINVAL);
		cip_range_opts_init(&big.o, sizeof(big));
		big.extra = 7;
		assert_int_equal(cip_pool_add(p, &c, &big.o), CIP_EINVAL);
		cip_range_opts_init(&ro, sizeof(ro));
		ro.sz = 1;
		assert_int_equal(cip_pool_add(p, &c, &ro), CIP_EINVAL);
		/* A short struct (only sz): defaults, band AUTO (16 for a /24). */
		ro.sz = sizeof(size_t);
		ro.static_band = CIP_STATIC_BAND_OFF;
		assert_int_equal(cip_pool_add(p, &c, &ro), 0);
		assert_int_equal(cip_range_static_band_size(range_of(p, "10.0.1.0", 24), &band), 0);
		assert_true(band == 16);

		/* Errors of cip_range_new pass through. */
		c = ct_prefix("10.0.2.0", 31);
		assert_int_equal(cip_pool_add(p, &c, NULL), CIP_ERANGE);
		c = ct_prefix("fd00::", 48);
		assert_int_equal(cip_pool_add(p, &c, NULL), CIP_EUNSUPPORTED);
		c = ct_prefix("10.0.3.0", 24);
		cip_range_opts_init(&ro, sizeof(ro));
		ro.static_band = 1000;
		assert_int_equal(cip_pool_add(p, &c, &ro), CIP_ERANGE);
		cip_pool_free(p);
		c = ct_prefix("10.0.0.0", 24);
	}
}

/* Two pools with one seed hand out the same sequence; another seed does
 * not. (Single-threaded, so the ranges' draws are reproducible too.) */
static void test_seed_reproducible(void **state)
{
	cip_addr seq[3][64];

	(void)state;
	for (int run = 0; run < 3; run++) {
		cip_pool *p = pool_new(run == 2 ? SEED + 1 : SEED, 0);

		add(p, "10.0.0.0", 22);
		add(p, "10.1.0.0", 22);
		for (int i = 0; i < 64; i++)
			assert_int_equal(cip_pool_allocate_next(p, 4, 0, 0, &seq[run][i]), 0);
		cip_pool_free(p);
	}
	assert_memory_equal(seq[0], seq[1], sizeof(seq[0]));
	assert_memory_not_equal(seq[0], seq[2], sizeof(seq[0]));
}

/* ---- argument checks ---------------------------------------------------- */

static int count_visit(const cip_prefix *cidr, int st, void *ctx)
{
	(void)cidr;
	(void)st;
	(*(int *)ctx)++;
	return 0;
}

static void test_args(void **state)
{
	cip_pool *p = pool_new(SEED, 0);
	cip_prefix good = ct_prefix("10.0.0.0", 24), hostbits = ct_prefix("10.0.0.1", 24);
	cip_prefix badlen = ct_prefix("10.0.0.0", 33), badfam = good;
	cip_addr a = ct_addr("10.0.0.5"), bad = a, out[2];
	cip_range *r = NULL;
	uint64_t n;
	size_t cnt;
	int visits = 0;
	size_t failures = 0;

	(void)state;
	badfam.addr.family = 5;
	bad.reserved[0] = 1;
	add(p, "10.0.0.0", 24);
	add(p, "fd00::", 120);

	const cip_prefix *badp[] = { NULL, &hostbits, &badlen, &badfam };
	for (size_t i = 0; i < ARRAY_LEN(badp); i++) {
		CHECK(failures, cip_pool_add(p, badp[i], NULL) == CIP_EINVAL, "add bad %zu\n", i);
		CHECK(failures, cip_pool_drain(p, badp[i]) == CIP_EINVAL, "drain bad %zu\n", i);
		CHECK(failures, cip_pool_remove(p, badp[i]) == CIP_EINVAL, "remove bad %zu\n", i);
		CHECK(failures, cip_pool_range(p, badp[i], &r) == CIP_EINVAL, "range bad %zu\n", i);
	}
	CHECK(failures, cip_pool_add(NULL, &good, NULL) == CIP_EINVAL, "add NULL pool\n");
	CHECK(failures, cip_pool_drain(NULL, &good) == CIP_EINVAL, "drain NULL\n");
	CHECK(failures, cip_pool_remove(NULL, &good) == CIP_EINVAL, "remove NULL\n");
	CHECK(failures, cip_pool_range(NULL, &good, &r) == CIP_EINVAL, "range NULL\n");
	CHECK(failures, cip_pool_range(p, &good, NULL) == CIP_EINVAL, "range NULL out\n");

	CHECK(failures, cip_pool_foreach_range(NULL, 4, count_visit, &visits) == CIP_EINVAL,
	      "fe\n");
	CHECK(failures, cip_pool_foreach_range(p, 4, NULL, &visits) == CIP_EINVAL, "fe fn\n");
	CHECK(failures, cip_pool_foreach_range(p, 0, count_visit, &visits) == CIP_EINVAL, "fe 0\n");
	CHECK(failures, cip_pool_foreach_range(p, 5, count_visit, &visits) == CIP_EINVAL, "fe 5\n");
	CHECK(failures, visits == 0, "visited on error\n");

	const int fams[] = { 0, 5, -4, 46 };
	for (size_t i = 0; i < ARRAY_LEN(fams); i++) {
		CHECK(failures, cip_pool_allocate_next(p, fams[i], 0, 0, &a) == CIP_EINVAL,
		      "an %d\n", fams[i]);
		CHECK(failures, cip_pool_used(p, fams[i], &n) == CIP_EINVAL, "used %d\n", fams[i]);
		CHECK(failures, cip_pool_available(p, fams[i], &n) == CIP_EINVAL, "av %d\n",
		      fams[i]);
		CHECK(failures,
		      cip_pool_allocate_pair(p, CIP_SINGLE_STACK, fams[i], 0, 0, out, &cnt) ==
			      CIP_EINVAL,
		      "pair %d\n", fams[i]);
	}
	CHECK(failures, cip_pool_allocate_next(NULL, 4, 0, 0, &a) == CIP_EINVAL, "an NULL\n");
	CHECK(failures, cip_pool_allocate_next(p, 4, 0, 0, NULL) == CIP_EINVAL, "an NULL out\n");
	CHECK(failures, cip_pool_allocate_next(p, 4, 0, CIP_RELEASE_NOW, &a) == CIP_EINVAL,
	      "an flags\n");
	CHECK(failures, cip_pool_allocate_next(p, 4, 0, 0x100, &a) == CIP_EINVAL, "an flags\n");
	CHECK(failures, cip_pool_used(NULL, 4, &n) == CIP_EINVAL, "used NULL\n");
	CHECK(failures, cip_pool_used(p, 4, NULL) == CIP_EINVAL, "used NULL out\n");
	CHECK(failures, cip_pool_available(NULL, 4, &n) == CIP_EINVAL, "av NULL\n");
	CHECK(failures, cip_pool_available(p, 4, NULL) == CIP_EINVAL, "av NULL out\n");

	a = ct_addr("10.0.0.5");
	CHECK(failures, cip_pool_allocate(NULL, &a, 0) == CIP_EINVAL, "alloc NULL\n");
	CHECK(failures, cip_pool_allocate(p, NULL, 0) == CIP_EINVAL, "alloc NULL addr\n");
	CHECK(failures, cip_pool_allocate(p, &bad, 0) == CIP_EINVAL, "alloc bad addr\n");
	CHECK(failures, cip_pool_allocate(p, &a, CIP_RELEASE_NOW) == CIP_EINVAL, "alloc flags\n");
	CHECK(failures, cip_pool_release(NULL, &a, 0, 0) == CIP_EINVAL, "rel NULL\n");
	CHECK(failures, cip_pool_release(p, NULL, 0, 0) == CIP_EINVAL, "rel NULL addr\n");
	CHECK(failures, cip_pool_release(p, &bad, 0, 0) == CIP_EINVAL, "rel bad addr\n");
	CHECK(failures, cip_pool_release(p, &a, 0, 0x100) == CIP_EINVAL, "rel flags\n");
	CHECK(failures, cip_pool_has(NULL, &a) == CIP_EINVAL, "has NULL\n");
	CHECK(failures, cip_pool_has(p, NULL) == CIP_EINVAL, "has NULL addr\n");
	CHECK(failures, cip_pool_has(p, &bad) == CIP_EINVAL, "has bad\n");

	const int policies[] = { 0, 4, -1 };
	for (size_t i = 0; i < ARRAY_LEN(policies); i++)
		CHECK(failures,
		      cip_pool_allocate_pair(p, policies[i], 4, 0, 0, out, &cnt) == CIP_EINVAL,
		      "pair policy %d\n", policies[i]);
	CHECK(failures, cip_pool_allocate_pair(NULL, 1, 4, 0, 0, out, &cnt) == CIP_EINVAL, "pN\n");
	CHECK(failures, cip_pool_allocate_pair(p, 1, 4, 0, 0, NULL, &cnt) == CIP_EINVAL,
	      "pN out\n");
	CHECK(failures, cip_pool_allocate_pair(p, 1, 4, 0, 0, out, NULL) == CIP_EINVAL, "pN cnt\n");
	CHECK(failures,
	      cip_pool_allocate_pair(p, 1, 4, 0, CIP_RELEASE_NOW, out, &cnt) == CIP_EINVAL,
	      "pair flags\n");

	/* Nothing above allocated anything. */
	CHECK(failures, pool_used(p, 4) == 0 && pool_used(p, 6) == 0, "something allocated\n");
	CHECK_DONE(failures);
	cip_pool_free(p);
}

/* ---- the weighted choice ------------------------------------------------ */

/*
 * A /24 and a /22, static bands off: 254 and 1022 available addresses.
 * Dry runs show the choice without changing the counts: the /22 must be
 * chosen about 1022/1276 of the time (chi-square, 1 degree of freedom,
 * 15.1 is p = 10^-4; an unweighted choice gives about 3900).
 */
static void test_weighted_dry_run(void **state)
{
	cip_pool *p = pool_new(SEED, 0);
	cip_range_opts ro;
	cip_prefix small = ct_prefix("10.0.0.0", 24), large = ct_prefix("10.1.0.0", 22);
	const unsigned n = 20000;
	unsigned hits_small = 0, hits_large = 0;

	(void)state;
	cip_range_opts_init(&ro, sizeof(ro));
	ro.static_band = CIP_STATIC_BAND_OFF;
	assert_int_equal(cip_pool_add(p, &small, &ro), 0);
	assert_int_equal(cip_pool_add(p, &large, &ro), 0);
	for (unsigned i = 0; i < n; i++) {
		cip_addr a;

		assert_int_equal(cip_pool_allocate_next(p, 4, 0, CIP_ALLOC_DRY_RUN, &a), 0);
		if (cip_addr_equal(&a, &small.addr))
			hits_small++;
		else if (cip_addr_equal(&a, &large.addr))
			hits_large++;
		else
			fail_msg("a dry run wrote something other than a network address");
	}
	assert_int_equal(pool_used(p, 4), 0);

	double e_small = n * 254.0 / 1276.0, e_large = n * 1022.0 / 1276.0;
	double chi2 = (hits_small - e_small) * (hits_small - e_small) / e_small +
		      (hits_large - e_large) * (hits_large - e_large) / e_large;
	if (chi2 > 15.1)
		fail_msg("/24 chosen %u, /22 %u times of %u: chi-square %.1f", hits_small,
			 hits_large, n, chi2);
	cip_pool_free(p);
}

/*
 * The same two ranges, allocating for real: the share taken from each
 * follows what is left in it, so both fill at the same pace (half-way, the
 * /24 has given about 127 of the 638); then every address is handed out
 * once, and the pool is full.
 */
static void test_weighted_fill(void **state)
{
	cip_pool *p = pool_new(SEED, 0);
	cip_range_opts ro;
	cip_prefix small = ct_prefix("10.0.0.0", 24), large = ct_prefix("10.1.0.0", 22);
	static uint8_t seen[2][1024];
	unsigned from_small = 0;
	cip_addr a;

	(void)state;
	memset(seen, 0, sizeof(seen));
	cip_range_opts_init(&ro, sizeof(ro));
	ro.static_band = CIP_STATIC_BAND_OFF;
	assert_int_equal(cip_pool_add(p, &small, &ro), 0);
	assert_int_equal(cip_pool_add(p, &large, &ro), 0);
	for (unsigned i = 0; i < 1276; i++) {
		int in_small;
		unsigned idx;

		assert_int_equal(cip_pool_allocate_next(p, 4, 0, 0, &a), 0);
		in_small = cip_prefix_contains(&small, &a) == 1;
		assert_true(in_small || cip_prefix_contains(&large, &a) == 1);
		idx = in_small ? B3(&a) : (unsigned)(B2(&a) & 3) * 256 + B3(&a);
		assert_int_equal(seen[in_small][idx], 0);
		seen[in_small][idx] = 1;
		from_small += (unsigned)in_small;
		if (i == 637 && (from_small < 97 || from_small > 157))
			fail_msg("half-way, %u of 638 came from the /24 (expected about 127)",
				 from_small);
	}
	assert_int_equal(from_small, 254);
	assert_int_equal(cip_pool_allocate_next(p, 4, 0, 0, &a), CIP_EFULL);
	assert_int_equal(cip_pool_allocate_next(p, 4, 0, CIP_ALLOC_DRY_RUN, &a), CIP_EFULL);
	assert_int_equal(cip_pool_allocate_next(p, 6, 0, 0, &a), CIP_EFAMILY);
	cip_pool_free(p);
}

/*
 * k/k#131866: the first ServiceCIDR is full; a second one is added; new
 * Services must get addresses from it until it is full too.
 */
static void test_kk131866(void **state)
{
	cip_pool *p = pool_new(SEED, 0);
	cip_prefix first = ct_prefix("10.96.0.0", 28), second = ct_prefix("10.100.0.0", 28);
	uint8_t seen[16];
	cip_addr a;

	(void)state;
	assert_int_equal(cip_pool_add(p, &first, NULL), 0);
	for (int i = 0; i < 14; i++) {
		assert_int_equal(cip_pool_allocate_next(p, 4, 0, 0, &a), 0);
		assert_int_equal(cip_prefix_contains(&first, &a), 1);
	}
	assert_int_equal(cip_pool_allocate_next(p, 4, 0, 0, &a), CIP_EFULL);

	assert_int_equal(cip_pool_add(p, &second, NULL), 0);
	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < 14; i++) {
		assert_int_equal(cip_pool_allocate_next(p, 4, 0, 0, &a), 0);
		assert_int_equal(cip_prefix_contains(&second, &a), 1);
		assert_int_equal(seen[B3(&a)], 0);
		seen[B3(&a)] = 1;
	}
	assert_int_equal(cip_pool_allocate_next(p, 4, 0, 0, &a), CIP_EFULL);
	assert_int_equal(pool_used(p, 4), 28);
	cip_pool_free(p);
}

/* With every address in (due) quarantine, allocate_next ends the due
 * quarantines itself rather than reporting full. */
static void test_quarantine_due(void **state)
{
	cip_pool *p = pool_new(SEED, 0);
	cip_prefix c = ct_prefix("10.0.0.0", 29);
	cip_range_opts ro;
	cip_addr got[6], a;
	uint64_t avail = 1;

	(void)state;
	cip_range_opts_init(&ro, sizeof(ro));
	ro.quarantine_ns = 1000;
	assert_int_equal(cip_pool_add(p, &c, &ro), 0);
	for (int i = 0; i < 6; i++)
		assert_int_equal(cip_pool_allocate_next(p, 4, 0, 0, &got[i]), 0);
	for (int i = 0; i < 6; i++)
		assert_int_equal(cip_pool_release(p, &got[i], 10, 0), 0);
	assert_int_equal(cip_pool_available(p, 4, &avail), 0);
	assert_true(avail == 0);
	assert_int_equal(cip_pool_allocate_next(p, 4, 500, 0, &a), CIP_EFULL);
	assert_int_equal(cip_pool_allocate_next(p, 4, 1010, 0, &a), 0);
	cip_pool_free(p);
}

/* ---- overlapping ranges ------------------------------------------------- */

/*
 * A /16 first, then a /24 inside it: every address of the /24 belongs to
 * the /16, so the /24 never holds one; allocate_next, allocate, release and
 * has all act on the /16.
 */
static void test_overlap_large_first(void **state)
{
	cip_pool *p = pool_new(SEED, 0);
	cip_range *big, *small;
	cip_addr a = ct_addr("10.0.5.7");
	size_t failures = 0;

	(void)state;
	add(p, "10.0.0.0", 16);
	add(p, "10.0.5.0", 24);
	big = range_of(p, "10.0.0.0", 16);
	small = range_of(p, "10.0.5.0", 24);

	assert_int_equal(cip_pool_allocate(p, &a, 0), 0);
	assert_int_equal(cip_range_has(big, &a), 1);
	assert_int_equal(cip_range_has(small, &a), 0);
	assert_int_equal(cip_pool_has(p, &a), 1);
	assert_int_equal(cip_pool_allocate(p, &a, 0), CIP_EALLOCATED);
	assert_int_equal(cip_pool_release(p, &a, 0, 0), 0);
	assert_int_equal(cip_range_has(big, &a), 0);
	assert_int_equal(cip_pool_has(p, &a), 0);
	assert_int_equal(cip_pool_release(p, &a, 0, 0), CIP_ENOTALLOCATED);

	for (int i = 0; i < 3000; i++) {
		assert_int_equal(cip_pool_allocate_next(p, 4, 0, 0, &a), 0);
		CHECK(failures, cip_range_has(big, &a) == 1 && cip_range_has(small, &a) == 0,
		      "allocation %d not in the /16 alone\n", i);
	}
	CHECK(failures, used_of(small) == 0, "the /24 holds addresses\n");
	/* It owns nothing, so allocate_next does not even try it. */
	{
		cip_range_stats st;

		st.sz = sizeof(st);
		assert_int_equal(cip_range_stats_get(small, &st), 0);
		CHECK(failures, st.all.allocations == 0, "the shadowed /24 was tried %llu times\n",
		      (unsigned long long)st.all.allocations);
	}
	CHECK(failures, used_of(big) == 3000, "the /16 holds %llu\n",
	      (unsigned long long)used_of(big));
	CHECK_DONE(failures);
	cip_pool_free(p);
}

/*
 * A /24 first, then the /20 around it: 10.0.5.1–254 belong to the /24 and
 * the rest of the /20 (10.0.5.0 and 10.0.5.255 included: they are not
 * usable in the /24) to the /20. Filling the pool hands out every one of
 * the 4094 addresses exactly once, from its owner, and then reports full.
 */
static void test_overlap_small_first_fill(void **state)
{
	(void)state;
	for (int round = 0; round < 4; round++) {
		cip_pool *p = pool_new(SEED + (uint64_t)round, 0);
		static uint8_t seen[4096];
		cip_range *small, *big;
		size_t failures = 0;
		cip_addr a;

		memset(seen, 0, sizeof(seen));
		add(p, "10.0.5.0", 24);
		add(p, "10.0.0.0", 20);
		small = range_of(p, "10.0.5.0", 24);
		big = range_of(p, "10.0.0.0", 20);
		for (int i = 0; i < 4094; i++) {
			unsigned idx;
			int owner_small;

			int rc = cip_pool_allocate_next(p, 4, 0, 0, &a);
			if (rc != 0)
				fail_msg("round %d: allocation %d of 4094: %s", round, i,
					 cip_error_name(rc));
			idx = (unsigned)(B2(&a) & 15) * 256 + B3(&a);
			owner_small = B2(&a) == 5 && B3(&a) != 0 && B3(&a) != 255;
			CHECK(failures, in_prefix("10.0.0.0", 20, &a), "outside\n");
			CHECK(failures, seen[idx] == 0, "handed out twice\n");
			seen[idx] = 1;
			CHECK(failures, cip_range_has(small, &a) == owner_small,
			      "/24 has() wrong at %d\n", i);
			CHECK(failures, cip_range_has(big, &a) == !owner_small,
			      "/20 has() wrong at %d\n", i);
			CHECK(failures, cip_pool_has(p, &a) == 1, "pool has() wrong\n");
		}
		assert_int_equal(cip_pool_allocate_next(p, 4, 0, 0, &a), CIP_EFULL);
		CHECK(failures, used_of(small) == 254, "/24 used\n");
		CHECK(failures, used_of(big) == 4094 - 254, "/20 used\n");
		CHECK(failures, pool_used(p, 4) == 4094, "pool used\n");
		CHECK_DONE(failures);
		cip_pool_free(p);
	}
}

/*
 * A /26 first, then the /24 around it, with quarantine: 10.0.0.20 belongs
 * to the /26, which keeps it in quarantine after a release. allocate_next
 * must not hand it out through the /24 (which draws it like any address of
 * its own) before the quarantine ends: the first 253 allocations are every
 * other address, then the pool is full; once the quarantine is over,
 * 10.0.0.20 comes back.
 */
static void test_overlap_owner_quarantine(void **state)
{
	(void)state;
	for (int round = 0; round < 4; round++) {
		cip_pool *p = pool_new(SEED + (uint64_t)round, 0);
		cip_prefix small = ct_prefix("10.0.0.0", 26), big = ct_prefix("10.0.0.0", 24);
		cip_addr held = ct_addr("10.0.0.20"), a;
		cip_range_opts ro;
		size_t failures = 0;

		cip_range_opts_init(&ro, sizeof(ro));
		ro.quarantine_ns = 1000;
		assert_int_equal(cip_pool_add(p, &small, &ro), 0);
		assert_int_equal(cip_pool_add(p, &big, &ro), 0);
		assert_int_equal(cip_pool_allocate(p, &held, 0), 0);
		assert_int_equal(cip_pool_release(p, &held, 10, 0), 0);
		for (int i = 0; i < 253; i++) {
			int rc = cip_pool_allocate_next(p, 4, 500, 0, &a);

			if (rc != 0)
				fail_msg("round %d: allocation %d of 253: %s", round, i,
					 cip_error_name(rc));
			CHECK(failures, cip_addr_equal(&a, &held) != 1,
			      "round %d: the address in quarantine was handed out\n", round);
		}
		assert_int_equal(cip_pool_allocate_next(p, 4, 500, 0, &a), CIP_EFULL);
		assert_int_equal(cip_pool_has(p, &held), 0);
		assert_int_equal(cip_pool_allocate_next(p, 4, 1010, 0, &a), 0);
		assert_int_equal(cip_addr_equal(&a, &held), 1);
		CHECK_DONE(failures);
		cip_pool_free(p);
	}
}

/*
 * Differential test: random operations on a pool of three overlapping
 * ranges (a /26 first, the /23 around it, then a /25 inside the /23 that
 * the /23 shadows), each checked against a reference set kept here, with
 * ownership computed from the CIDRs.
 */
struct ref_range {
	const char *net;
	unsigned len;
	unsigned lo, hi; /* usable offsets inside 10.0.0.0/23 */
};

static const struct ref_range ref_ranges[] = {
	{ "10.0.0.64", 26, 65, 126 },
	{ "10.0.0.0", 23, 1, 510 },
	{ "10.0.1.0", 25, 257, 382 },
};

/* The index in ref_ranges of the owner of offset o, or -1. */
static int ref_owner(unsigned o)
{
	for (size_t i = 0; i < ARRAY_LEN(ref_ranges); i++)
		if (o >= ref_ranges[i].lo && o <= ref_ranges[i].hi)
			return (int)i;
	return -1;
}

static cip_addr ref_addr(unsigned o)
{
	uint8_t b[4] = { 10, 0, (uint8_t)(o >> 8), (uint8_t)o };

	return ct_addr_bytes(CIP_FAMILY_IPV4, b);
}

static void test_overlap_differential(void **state)
{
	cip_pool *p = pool_new(SEED, 0);
	cip_range *r[3];
	uint8_t model[512];
	unsigned held = 0, owned = 0;
	uint64_t rng = 12345;
	size_t failures = 0;

	(void)state;
	memset(model, 0, sizeof(model));
	for (size_t i = 0; i < ARRAY_LEN(ref_ranges); i++)
		add(p, ref_ranges[i].net, ref_ranges[i].len);
	for (size_t i = 0; i < ARRAY_LEN(ref_ranges); i++)
		r[i] = range_of(p, ref_ranges[i].net, ref_ranges[i].len);
	for (unsigned o = 0; o < 512; o++)
		owned += ref_owner(o) >= 0;
	assert_int_equal(owned, 510);

	for (int step = 0; step < 40000 && failures < 20; step++) {
		unsigned op = (unsigned)(cip__splitmix64(&rng) % 8);
		/* Offsets just outside the /23 too: 10.0.2.x is in no range. */
		unsigned o = (unsigned)(cip__splitmix64(&rng) % 600);
		cip_addr a = ref_addr(o);
		int own = o < 512 ? ref_owner(o) : -1;
		int rc, want;

		if (op < 3) { /* allocate_next, more often while there is room */
			rc = cip_pool_allocate_next(p, 4, 0, 0, &a);
			if (held == owned) {
				CHECK(failures, rc == CIP_EFULL, "step %d: next: %d, full\n", step,
				      rc);
				continue;
			}
			CHECK(failures, rc == 0, "step %d: next: %s with %u of %u held\n", step,
			      cip_error_name(rc), held, owned);
			if (rc != 0)
				continue;
			o = (unsigned)B2(&a) * 256 + B3(&a);
			CHECK(failures, in_prefix("10.0.0.0", 23, &a) && ref_owner(o) >= 0,
			      "step %d: next gave an address of no range\n", step);
			CHECK(failures, !model[o], "step %d: next gave a held address\n", step);
			model[o] = 1;
			held++;
		} else if (op < 5) { /* allocate */
			rc = cip_pool_allocate(p, &a, 0);
			want = own < 0 ? CIP_ERANGE : model[o] ? CIP_EALLOCATED : 0;
			CHECK(failures, rc == want, "step %d: allocate %u: %d, want %d\n", step, o,
			      rc, want);
			if (rc == 0 && want == 0) {
				model[o] = 1;
				held++;
			}
		} else if (op < 7) { /* release */
			rc = cip_pool_release(p, &a, 0, 0);
			want = own < 0 ? CIP_ERANGE : model[o] ? 0 : CIP_ENOTALLOCATED;
			CHECK(failures, rc == want, "step %d: release %u: %d, want %d\n", step, o,
			      rc, want);
			if (rc == 0 && want == 0) {
				model[o] = 0;
				held--;
			}
		} else {
			rc = cip_pool_has(p, &a);
			CHECK(failures, rc == (own >= 0 && model[o]), "step %d: has %u: %d\n", step,
			      o, rc);
		}
	}
	/* Every address is held by its owner alone, exactly when the model
	 * says so. */
	for (unsigned o = 0; o < 512; o++) {
		cip_addr a = ref_addr(o);
		int own = ref_owner(o);

		for (int i = 0; i < 3; i++)
			CHECK(failures, cip_range_has(r[i], &a) == (i == own && model[o]),
			      "offset %u: range %d has() disagrees\n", o, i);
	}
	CHECK(failures, used_of(r[2]) == 0, "the shadowed /25 holds addresses\n");
	CHECK(failures, pool_used(p, 4) == held, "pool used %llu, model %u\n",
	      (unsigned long long)pool_used(p, 4), held);
	CHECK_DONE(failures);
	cip_pool_free(p);
}

/* ---- lifecycle ----------------------------------------------------------- */

struct listing {
	int n;
	cip_prefix cidr[8];
	int state[8];
	int stop_at; /* return 42 at this visit */
};

static int list_visit(const cip_prefix *cidr, int st, void *ctx)
{
	struct listing *l = ctx;

	if (l->n == l->stop_at)
		return 42;
	l->cidr[l->n] = *cidr;
	l->state[l->n] = st;
	l->n++;
	return 0;
}

static void test_lifecycle(void **state)
{
	cip_pool *p = pool_new(SEED, 3);
	cip_prefix a = ct_prefix("10.0.0.0", 28), b = ct_prefix("10.0.1.0", 28);
	cip_prefix unknown = ct_prefix("10.9.0.0", 28);
	cip_range *ra = NULL, *ra2 = NULL, *rb = NULL;
	cip_addr got[14], x;
	struct listing l;
	uint64_t n;

	(void)state;
	assert_int_equal(cip_pool_add(p, &a, NULL), 0);
	assert_int_equal(cip_pool_add(p, &a, NULL), CIP_EEXIST);
	assert_int_equal(cip_pool_range(p, &a, &ra), 0);
	assert_int_equal(cip_pool_range(p, &unknown, &rb), CIP_ENOTFOUND);
	assert_null(rb);
	assert_int_equal(cip_pool_drain(p, &unknown), CIP_ENOTFOUND);
	assert_int_equal(cip_pool_remove(p, &unknown), CIP_ENOTFOUND);
	assert_int_equal(cip_pool_remove(p, &a), CIP_EUNSUPPORTED);

	for (int i = 0; i < 4; i++)
		assert_int_equal(cip_pool_allocate_next(p, 4, 0, 0, &got[i]), 0);

	/* Draining: no next, no specific; releases still work. */
	assert_int_equal(cip_pool_drain(p, &a), 0);
	assert_int_equal(cip_pool_drain(p, &a), 0);
	assert_int_equal(cip_pool_allocate_next(p, 4, 0, 0, &x), CIP_EFAMILY);
	x = ct_addr("10.0.0.14");
	if (cip_pool_has(p, &x))
		x = ct_addr("10.0.0.13");
	assert_int_equal(cip_pool_allocate(p, &x, 0), CIP_ERANGE);
	assert_int_equal(cip_pool_allocate(p, &x, CIP_ALLOC_DRY_RUN), CIP_ERANGE);
	assert_int_equal(cip_pool_available(p, 4, &n), 0);
	assert_true(n == 0);
	assert_int_equal(cip_pool_used(p, 4, &n), 0);
	assert_true(n == 4);

	/* A second, active range serves while the first drains. */
	assert_int_equal(cip_pool_add(p, &b, NULL), 0);
	assert_int_equal(cip_pool_range(p, &b, &rb), 0);
	for (int i = 4; i < 10; i++) {
		assert_int_equal(cip_pool_allocate_next(p, 4, 0, 0, &got[i]), 0);
		assert_int_equal(cip_prefix_contains(&b, &got[i]), 1);
	}
	memset(&l, 0, sizeof(l));
	l.stop_at = -1;
	assert_int_equal(cip_pool_foreach_range(p, 4, list_visit, &l), 0);
	assert_int_equal(l.n, 2);
	assert_true(cip_addr_equal(&l.cidr[0].addr, &a.addr) && l.cidr[0].len == 28);
	assert_int_equal(l.state[0], CIP_POOL_DRAINING);
	assert_true(cip_addr_equal(&l.cidr[1].addr, &b.addr));
	assert_int_equal(l.state[1], CIP_POOL_ACTIVE);
	memset(&l, 0, sizeof(l));
	l.stop_at = 1;
	assert_int_equal(cip_pool_foreach_range(p, 4, list_visit, &l), 42);
	assert_int_equal(l.n, 1);
	memset(&l, 0, sizeof(l));
	l.stop_at = -1;
	assert_int_equal(cip_pool_foreach_range(p, 6, list_visit, &l), 0);
	assert_int_equal(l.n, 0);

	/* Removal waits for the last release. */
	assert_int_equal(cip_pool_remove(p, &a), CIP_EALLOCATED);
	for (int i = 0; i < 3; i++)
		assert_int_equal(cip_pool_release(p, &got[i], 0, 0), 0);
	assert_int_equal(cip_pool_remove(p, &a), CIP_EALLOCATED);
	assert_int_equal(cip_pool_release(p, &got[3], 0, 0), 0);
	assert_int_equal(cip_pool_release(p, &got[3], 0, 0), CIP_ENOTALLOCATED);
	assert_int_equal(cip_pool_remove(p, &a), 0);

	/* Removed: unknown to every function, its addresses in no range. */
	assert_int_equal(cip_pool_remove(p, &a), CIP_ENOTFOUND);
	assert_int_equal(cip_pool_drain(p, &a), CIP_ENOTFOUND);
	assert_int_equal(cip_pool_range(p, &a, &ra2), CIP_ENOTFOUND);
	assert_int_equal(cip_pool_release(p, &got[0], 0, 0), CIP_ERANGE);
	assert_int_equal(cip_pool_allocate(p, &got[0], 0), CIP_ERANGE);
	assert_int_equal(cip_pool_has(p, &got[0]), 0);
	memset(&l, 0, sizeof(l));
	l.stop_at = -1;
	assert_int_equal(cip_pool_foreach_range(p, 4, list_visit, &l), 0);
	assert_int_equal(l.n, 1);
	/* The borrowed handle is still valid. */
	assert_int_equal(cip_range_used(ra, CIP_BAND_ALL, &n), 0);
	assert_true(n == 0);

	/* The same CIDR again: a new, empty range in the last free slot. */
	assert_int_equal(cip_pool_add(p, &a, NULL), 0);
	assert_int_equal(cip_pool_range(p, &a, &ra2), 0);
	assert_ptr_not_equal(ra2, ra);
	assert_int_equal(cip_pool_has(p, &got[0]), 0);
	assert_int_equal(cip_pool_allocate(p, &got[0], 0), 0);
	assert_int_equal(cip_range_has(ra2, &got[0]), 1);
	assert_int_equal(cip_range_has(ra, &got[0]), 0);
	/* Three slots used (max_ranges 3), one of them by the removed range. */
	assert_int_equal(cip_pool_add(p, &unknown, NULL), CIP_ELIMIT);
	/* Another family has its own slots. */
	{
		cip_prefix v6 = ct_prefix("fd00::", 120);

		assert_int_equal(cip_pool_add(p, &v6, NULL), 0);
	}
	cip_pool_free(p);
}

/* ---- dual stack ----------------------------------------------------------- */

static cip_pool *dual_pool(int with_v6, uint64_t v4_quarantine)
{
	cip_pool *p = pool_new(SEED, 0);
	cip_prefix v4 = ct_prefix("10.96.0.0", 28), v6 = ct_prefix("fd00:10:96::", 124);
	cip_range_opts ro;

	cip_range_opts_init(&ro, sizeof(ro));
	ro.quarantine_ns = v4_quarantine;
	assert_int_equal(cip_pool_add(p, &v4, &ro), 0);
	if (with_v6)
		assert_int_equal(cip_pool_add(p, &v6, NULL), 0);
	return p;
}

struct pair_row {
	const char *name;
	int with_v6;
	int policy;
	int primary;
	int rc;
	size_t count;
};

static const struct pair_row pair_rows[] = {
	{ "single v4", 1, CIP_SINGLE_STACK, 4, 0, 1 },
	{ "single v6", 1, CIP_SINGLE_STACK, 6, 0, 1 },
	{ "prefer v4 dual pool", 1, CIP_PREFER_DUAL_STACK, 4, 0, 2 },
	{ "prefer v6 dual pool", 1, CIP_PREFER_DUAL_STACK, 6, 0, 2 },
	{ "require v4 dual pool", 1, CIP_REQUIRE_DUAL_STACK, 4, 0, 2 },
	{ "require v6 dual pool", 1, CIP_REQUIRE_DUAL_STACK, 6, 0, 2 },
	{ "single v4 v4 pool", 0, CIP_SINGLE_STACK, 4, 0, 1 },
	{ "prefer v4 v4 pool", 0, CIP_PREFER_DUAL_STACK, 4, 0, 1 },
	{ "require v4 v4 pool", 0, CIP_REQUIRE_DUAL_STACK, 4, CIP_EFAMILY, 0 },
	{ "single v6 v4 pool", 0, CIP_SINGLE_STACK, 6, CIP_EFAMILY, 0 },
	{ "prefer v6 v4 pool", 0, CIP_PREFER_DUAL_STACK, 6, CIP_EFAMILY, 0 },
	{ "require v6 v4 pool", 0, CIP_REQUIRE_DUAL_STACK, 6, CIP_EFAMILY, 0 },
};

static void test_pair_policies(void **state)
{
	size_t failures = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(pair_rows); i++) {
		const struct pair_row *row = &pair_rows[i];
		cip_pool *p = dual_pool(row->with_v6, 0);
		cip_addr out[2];
		size_t count = 99;
		int other = row->primary == 4 ? 6 : 4;
		int rc;

		ct_fill(out, sizeof(out));
		rc = cip_pool_allocate_pair(p, row->policy, row->primary, 0, 0, out, &count);
		CHECK(failures, rc == row->rc, "%s: rc %d\n", row->name, rc);
		if (row->rc != 0) {
			CHECK(failures, count == 99 && ct_untouched(out, sizeof(out)),
			      "%s: outputs written on failure\n", row->name);
			CHECK(failures, pool_used(p, 4) == 0 && pool_used(p, 6) == 0,
			      "%s: failure allocated\n", row->name);
			cip_pool_free(p);
			continue;
		}
		CHECK(failures, count == row->count, "%s: count %zu\n", row->name, count);
		CHECK(failures, out[0].family == row->primary && cip_pool_has(p, &out[0]) == 1,
		      "%s: out[0]\n", row->name);
		CHECK(failures, pool_used(p, row->primary) == 1, "%s: primary used\n", row->name);
		if (row->count == 2)
			CHECK(failures, out[1].family == other && cip_pool_has(p, &out[1]) == 1,
			      "%s: out[1]\n", row->name);
		else
			CHECK(failures, ct_untouched(&out[1], sizeof(out[1])),
			      "%s: out[1] written\n", row->name);
		CHECK(failures, pool_used(p, other) == (row->count == 2), "%s: secondary used\n",
		      row->name);
		cip_pool_free(p);
	}
	CHECK_DONE(failures);
}

/* Fills one family of a pool. */
static void fill(cip_pool *p, int family)
{
	cip_addr a;
	int rc;

	while ((rc = cip_pool_allocate_next(p, family, 0, 0, &a)) == 0)
		;
	assert_int_equal(rc, CIP_EFULL);
}

/*
 * The second family is full: the pair fails with CIP_EFULL and the first
 * family's address is released at once, even with quarantine on: its
 * used and available counts are as before and nothing is in quarantine.
 */
static void test_pair_rollback(void **state)
{
	const int policies[] = { CIP_PREFER_DUAL_STACK, CIP_REQUIRE_DUAL_STACK };

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(policies); i++) {
		cip_pool *p = dual_pool(1, UINT64_C(1000000000));
		cip_range *v4 = range_of(p, "10.96.0.0", 28);
		cip_range_stats before, after;
		cip_addr out[2], keep, keep6;
		size_t count = 99;

		/* One address of each family held, so that "unchanged" is not
		 * just "empty". */
		assert_int_equal(cip_pool_allocate_next(p, 4, 0, 0, &keep), 0);
		assert_int_equal(cip_pool_allocate_next(p, 6, 0, 0, &keep6), 0);
		fill(p, 6);
		before.sz = sizeof(before);
		assert_int_equal(cip_range_stats_get(v4, &before), 0);
		ct_fill(out, sizeof(out));
		assert_int_equal(cip_pool_allocate_pair(p, policies[i], 4, 5, 0, out, &count),
				 CIP_EFULL);
		assert_true(count == 99 && ct_untouched(out, sizeof(out)));
		after.sz = sizeof(after);
		assert_int_equal(cip_range_stats_get(v4, &after), 0);
		assert_true(after.all.used == before.all.used);
		assert_true(after.all.available == before.all.available);
		assert_true(after.all.quarantined == 0);
		assert_int_equal(pool_used(p, 4), 1);

		/* v6 as primary, v4 full: the v6 address is rolled back. */
		assert_int_equal(cip_pool_release(p, &keep6, 0, 0), 0);
		assert_int_equal(pool_used(p, 6), 14);
		fill(p, 4);
		assert_int_equal(cip_pool_allocate_pair(p, policies[i], 6, 5, 0, out, &count),
				 CIP_EFULL);
		assert_true(count == 99 && ct_untouched(out, sizeof(out)));
		assert_int_equal(pool_used(p, 6), 14);
		assert_int_equal(pool_used(p, 4), 14);

		/* The primary family full: the other is left alone. */
		assert_int_equal(cip_pool_allocate_pair(p, policies[i], 4, 5, 0, out, &count),
				 CIP_EFULL);
		assert_int_equal(pool_used(p, 6), 14);
		cip_pool_free(p);
	}
}

/* A dry-run pair writes the network addresses and allocates nothing. */
static void test_pair_dry_run(void **state)
{
	cip_pool *p = dual_pool(1, 0);
	cip_addr out[2];
	size_t count = 0;

	(void)state;
	assert_int_equal(cip_pool_allocate_pair(p, CIP_REQUIRE_DUAL_STACK, 6, 0, CIP_ALLOC_DRY_RUN,
						out, &count),
			 0);
	assert_int_equal(count, 2);
	{
		cip_addr v6 = ct_addr("fd00:10:96::"), v4 = ct_addr("10.96.0.0");

		assert_true(cip_addr_equal(&out[0], &v6) && cip_addr_equal(&out[1], &v4));
	}
	assert_int_equal(pool_used(p, 4) + pool_used(p, 6), 0);
	cip_pool_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts_init),
		cmocka_unit_test(test_new_opts),
		cmocka_unit_test(test_add_range_opts),
		cmocka_unit_test(test_seed_reproducible),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_weighted_dry_run),
		cmocka_unit_test(test_weighted_fill),
		cmocka_unit_test(test_kk131866),
		cmocka_unit_test(test_quarantine_due),
		cmocka_unit_test(test_overlap_large_first),
		cmocka_unit_test(test_overlap_small_first_fill),
		cmocka_unit_test(test_overlap_owner_quarantine),
		cmocka_unit_test(test_overlap_differential),
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_pair_policies),
		cmocka_unit_test(test_pair_rollback),
		cmocka_unit_test(test_pair_dry_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
