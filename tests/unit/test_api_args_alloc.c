/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Argument checks of every function of range.h, ports.h and pool.h: each
 * pointer NULL in turn, lengths and capacities 0 and oversize, options
 * structs of every size, unknown flag bits, bands, families and policies
 * out of range. Each row names the code the header documents; a failing
 * call must leave every output and the allocators' state as they were.
 */
#include <limits.h>

#include "cip_test.h"

/* An options struct as a newer caller would pass it: known fields, then
 * bytes this version does not know. */
#define BIG_OPTS(type)                                                                             \
	struct {                                                                                   \
		type o;                                                                            \
		unsigned char tail[16];                                                            \
	}

/* Valid (and deliberately invalid) inputs, built once by setup(). */
static struct {
	cip_prefix p4, p6, other4, host_bits, slash31, slash32, v6_48, v6_128, p4_b, p4_c, unknown;
	cip_prefix full4, extra4, p6_64, v6_120;
	cip_addr a4, a6, bad, network, broadcast, outside, taken, free4, pool_taken, pool_free,
		pool_drained, pool_outside;
	cip_port_range pr, pr_size0, pr_base_over, pr_end_over, pr_huge, pr_all_ones;
	cip_range_opts ro_sz0, ro_sz4, ro_szmax, ro_min, ro_flag, ro_flags_all, ro_band_neg2,
		ro_band_min, ro_band_max, ro_qmax_max, ro_qns_max, ro_seed_max;
	BIG_OPTS(cip_range_opts) ro_big, ro_big_dirty;
	cip_ports_opts po_sz0, po_sz4, po_szmax, po_min, po_band_neg2, po_band_min, po_band_over,
		po_band_max, po_qmax_max;
	BIG_OPTS(cip_ports_opts) po_big, po_big_dirty;
	cip_pool_opts plo_sz0, plo_sz4, plo_szmax, plo_min, plo_max65, plo_max_all, plo_max64;
	BIG_OPTS(cip_pool_opts) plo_big, plo_big_dirty;
	cip_parse_error err_zero;
	uint8_t past_end[512]; /* offset 8 * 511 set: past any range here */
	uint8_t range_snap[4096], range_other_snap[4096], ports_snap[4096], newer_snap[4096];
	size_t range_snap_len, range_other_snap_len, ports_snap_len;
} I;

/* The fixtures: allocators in a known state that failing calls must keep. */
static struct {
	cip_range *range;  /* 10.0.0.0/24: 10.0.0.5 allocated */
	cip_range *range6; /* 2001:db8::/64, sparse */
	cip_ports *ports;  /* 30000-32767: 30005 allocated */
	cip_pool *pool;	   /* 10.96/24 (10.96.0.10 taken), fd00::/112, 10.97/24 draining */
	cip_pool *pool1;   /* max one range: 10.1.0.0/30, full */
	cip_pool *pool2;   /* fd02::/120 free, 10.1.0.0/30 full */
} F;

/* Outputs: every byte holds the sentinel before each row. */
static struct {
	cip_range *range, *borrowed;
	cip_ports *ports;
	cip_pool *pool;
	cip_addr addr, pair[2];
	size_t count, len;
	cip_prefix prefix;
	cip_port_range pr;
	uint64_t u64;
	uint32_t port;
	cip_range_opts ropts;
	cip_ports_opts popts;
	cip_pool_opts plopts;
	cip_range_stats stats;
	char buf[64];
	uint8_t data[4096];
} O;

static cip_range_opts range_opts(void)
{
	cip_range_opts o;

	cip_range_opts_init(&o, sizeof(o));
	o.seed = 1;
	return o;
}

static cip_ports_opts ports_opts(void)
{
	cip_ports_opts o;

	cip_ports_opts_init(&o, sizeof(o));
	o.seed = 1;
	return o;
}

static cip_pool_opts pool_opts(void)
{
	cip_pool_opts o;

	cip_pool_opts_init(&o, sizeof(o));
	o.seed = 1;
	return o;
}

static void inputs_range_opts(void)
{
	I.ro_sz0 = I.ro_sz4 = I.ro_szmax = I.ro_min = range_opts();
	I.ro_sz0.sz = 0;
	I.ro_sz4.sz = 4;
	I.ro_szmax.sz = SIZE_MAX;
	I.ro_min.sz = sizeof(size_t);
	I.ro_flag = I.ro_flags_all = I.ro_band_neg2 = I.ro_band_min = I.ro_band_max = range_opts();
	I.ro_flag.flags = 1u << 1;
	I.ro_flags_all.flags = UINT_MAX;
	I.ro_band_neg2.static_band = -2;
	I.ro_band_min.static_band = INT64_MIN;
	I.ro_band_max.static_band = INT64_MAX;
	I.ro_qmax_max = I.ro_qns_max = I.ro_seed_max = range_opts();
	I.ro_qmax_max.quarantine_ns = 1;
	I.ro_qmax_max.quarantine_max = UINT64_MAX;
	I.ro_qns_max.quarantine_ns = UINT64_MAX;
	I.ro_seed_max.seed = UINT64_MAX;
	memset(&I.ro_big, 0, sizeof(I.ro_big));
	I.ro_big.o = range_opts();
	I.ro_big.o.sz = sizeof(I.ro_big);
	I.ro_big_dirty = I.ro_big;
	I.ro_big_dirty.tail[15] = 1;
}

static void inputs_ports_opts(void)
{
	I.po_sz0 = I.po_sz4 = I.po_szmax = I.po_min = ports_opts();
	I.po_sz0.sz = 0;
	I.po_sz4.sz = 4;
	I.po_szmax.sz = SIZE_MAX;
	I.po_min.sz = sizeof(size_t);
	I.po_band_neg2 = I.po_band_min = I.po_band_over = I.po_band_max = I.po_qmax_max =
		ports_opts();
	I.po_band_neg2.static_band = -2;
	I.po_band_min.static_band = INT64_MIN;
	I.po_band_over.static_band = 2769; /* the range holds 2768 ports */
	I.po_band_max.static_band = INT64_MAX;
	I.po_qmax_max.quarantine_ns = 1;
	I.po_qmax_max.quarantine_max = UINT64_MAX;
	memset(&I.po_big, 0, sizeof(I.po_big));
	I.po_big.o = ports_opts();
	I.po_big.o.sz = sizeof(I.po_big);
	I.po_big_dirty = I.po_big;
	I.po_big_dirty.tail[0] = 1;
}

static void inputs_pool_opts(void)
{
	I.plo_sz0 = I.plo_sz4 = I.plo_szmax = I.plo_min = pool_opts();
	I.plo_sz0.sz = 0;
	I.plo_sz4.sz = 4;
	I.plo_szmax.sz = SIZE_MAX;
	I.plo_min.sz = sizeof(size_t);
	I.plo_max65 = I.plo_max_all = I.plo_max64 = pool_opts();
	I.plo_max65.max_ranges = 65;
	I.plo_max_all.max_ranges = UINT32_MAX;
	I.plo_max64.max_ranges = 64;
	memset(&I.plo_big, 0, sizeof(I.plo_big));
	I.plo_big.o = pool_opts();
	I.plo_big.o.sz = sizeof(I.plo_big);
	I.plo_big_dirty = I.plo_big;
	I.plo_big_dirty.tail[7] = 0x80;
}

static void inputs_values(void)
{
	I.p4 = ct_prefix("10.0.0.0", 24);
	I.p6 = ct_prefix("fd00::", 112);
	I.p6_64 = ct_prefix("2001:db8::", 64);
	I.other4 = ct_prefix("10.1.0.0", 24);
	I.host_bits = ct_prefix("10.0.0.1", 24);
	I.slash31 = ct_prefix("10.0.0.0", 31);
	I.slash32 = ct_prefix("10.0.0.0", 32);
	I.v6_48 = ct_prefix("fd01::", 48);
	I.v6_128 = ct_prefix("fd01::", 128);
	I.p4_b = ct_prefix("10.96.0.0", 24);
	I.p4_c = ct_prefix("10.97.0.0", 24);
	I.unknown = ct_prefix("10.98.0.0", 24);
	I.full4 = ct_prefix("10.1.0.0", 30);
	I.extra4 = ct_prefix("10.2.0.0", 24);
	I.v6_120 = ct_prefix("fd02::", 120);
	I.a4 = ct_addr("10.0.0.7");
	I.a6 = ct_addr("fd00::7");
	I.bad = ct_addr("10.0.0.7");
	I.bad.family = 5;
	I.network = ct_addr("10.0.0.0");
	I.broadcast = ct_addr("10.0.0.255");
	I.outside = ct_addr("10.0.1.1");
	I.taken = ct_addr("10.0.0.5");
	I.free4 = ct_addr("10.0.0.6");
	I.pool_taken = ct_addr("10.96.0.10");
	I.pool_free = ct_addr("10.96.0.11");
	I.pool_drained = ct_addr("10.97.0.6");
	I.pool_outside = ct_addr("10.99.0.1");
	I.pr = (cip_port_range){ 30000, 2768 };
	I.pr_size0 = (cip_port_range){ 30000, 0 };
	I.pr_base_over = (cip_port_range){ 65536, 1 };
	I.pr_end_over = (cip_port_range){ 65535, 2 };
	I.pr_huge = (cip_port_range){ 0, UINT32_MAX };
	I.pr_all_ones = (cip_port_range){ UINT32_MAX, UINT32_MAX };
	memset(&I.err_zero, 0, sizeof(I.err_zero));
	memset(I.past_end, 0, sizeof(I.past_end));
	I.past_end[0] = 1;
}

static void fixtures(void)
{
	cip_range_opts ro = range_opts();
	cip_ports_opts po = ports_opts();
	cip_pool_opts plo = pool_opts();
	cip_range *other;
	cip_addr a;

	assert_int_equal(cip_range_new(&F.range, &I.p4, &ro), 0);
	assert_int_equal(cip_range_allocate(F.range, &I.taken, 0), 0);
	assert_int_equal(cip_range_new(&F.range6, &I.p6_64, &ro), 0);
	assert_int_equal(cip_ports_new(&F.ports, &I.pr, &po), 0);
	assert_int_equal(cip_ports_allocate(F.ports, 30005, 0), 0);

	plo.max_ranges = 4;
	assert_int_equal(cip_pool_new(&F.pool, &plo), 0);
	assert_int_equal(cip_pool_add(F.pool, &I.p4_b, NULL), 0);
	assert_int_equal(cip_pool_add(F.pool, &I.p6, NULL), 0);
	assert_int_equal(cip_pool_add(F.pool, &I.p4_c, NULL), 0);
	assert_int_equal(cip_pool_allocate(F.pool, &I.pool_taken, 0), 0);
	a = ct_addr("10.97.0.5");
	assert_int_equal(cip_pool_allocate(F.pool, &a, 0), 0);
	assert_int_equal(cip_pool_drain(F.pool, &I.p4_c), 0);

	plo.max_ranges = 1;
	assert_int_equal(cip_pool_new(&F.pool1, &plo), 0);
	assert_int_equal(cip_pool_add(F.pool1, &I.full4, NULL), 0);
	assert_int_equal(cip_pool_allocate_next(F.pool1, CIP_FAMILY_IPV4, 0, 0, &a), 0);
	assert_int_equal(cip_pool_allocate_next(F.pool1, CIP_FAMILY_IPV4, 0, 0, &a), 0);
	assert_int_equal(cip_pool_new(&F.pool2, &plo), 0);
	assert_int_equal(cip_pool_add(F.pool2, &I.full4, NULL), 0);
	assert_int_equal(cip_pool_add(F.pool2, &I.v6_120, NULL), 0);
	assert_int_equal(cip_pool_allocate_next(F.pool2, CIP_FAMILY_IPV4, 0, 0, &a), 0);
	assert_int_equal(cip_pool_allocate_next(F.pool2, CIP_FAMILY_IPV4, 0, 0, &a), 0);

	assert_int_equal(cip_range_snapshot(F.range, 0, I.range_snap, sizeof(I.range_snap),
					    &I.range_snap_len),
			 0);
	assert_int_equal(cip_ports_snapshot(F.ports, 0, I.ports_snap, sizeof(I.ports_snap),
					    &I.ports_snap_len),
			 0);
	assert_int_equal(cip_range_new(&other, &I.other4, &ro), 0);
	assert_int_equal(cip_range_snapshot(other, 0, I.range_other_snap,
					    sizeof(I.range_other_snap), &I.range_other_snap_len),
			 0);
	cip_range_free(other);
	/* A format version from the future (checked before the checksum). */
	memcpy(I.newer_snap, I.range_snap, I.range_snap_len);
	I.newer_snap[8]++;
}

static int setup(void **state)
{
	(void)state;
	inputs_values();
	inputs_range_opts();
	inputs_ports_opts();
	inputs_pool_opts();
	fixtures();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cip_range_free(F.range);
	cip_range_free(F.range6);
	cip_ports_free(F.ports);
	cip_pool_free(F.pool);
	cip_pool_free(F.pool1);
	cip_pool_free(F.pool2);
	return 0;
}

/* What the fixtures show: their allocation state and counts. Event counters
 * are left out: failed allocations count as errors by design. */
static uint64_t fixture_state(void)
{
	static uint8_t snap[8192];
	uint64_t h = CT_HASH_INIT, v;
	size_t len = 0;

	assert_int_equal(cip_range_snapshot(F.range, 0, snap, sizeof(snap), &len), 0);
	h = ct_hash(h, snap, len);
	assert_int_equal(cip_range_snapshot(F.range6, 0, snap, sizeof(snap), &len), 0);
	h = ct_hash(h, snap, len);
	assert_int_equal(cip_ports_snapshot(F.ports, 0, snap, sizeof(snap), &len), 0);
	h = ct_hash(h, snap, len);
	for (int family = 4; family <= 6; family += 2) {
		cip_pool *pools[] = { F.pool, F.pool1, F.pool2 };

		for (size_t i = 0; i < ARRAY_LEN(pools); i++) {
			v = 0;
			assert_int_equal(cip_pool_used(pools[i], family, &v), 0);
			h = ct_hash(h, &v, sizeof(v));
			v = 0;
			assert_int_equal(cip_pool_available(pools[i], family, &v), 0);
			h = ct_hash(h, &v, sizeof(v));
		}
	}
	return h;
}

/* ---- helpers for rows that succeed and create something ----------------- */

static int range_new_rc(const cip_prefix *cidr, const cip_range_opts *opts)
{
	cip_range *r = NULL;
	int rc = cip_range_new(&r, cidr, opts);

	cip_range_free(r);
	return rc;
}

static int range_from_snapshot_rc(uint64_t seed)
{
	cip_range *r = NULL;
	int rc = cip_range_new_from_snapshot(&r, UINT64_MAX, I.range_snap, I.range_snap_len, seed);

	cip_range_free(r);
	return rc;
}

/* An import or restore that succeeds changes its range: on a scratch one. */
static int range_scratch_import_rc(const uint8_t *data, size_t len)
{
	cip_range *r;
	int rc;

	assert_int_equal(cip_range_new(&r, &I.p4, NULL), 0);
	rc = cip_range_import_k8s(r, S("10.0.0.0/24"), data, len);
	cip_range_free(r);
	return rc;
}

static int ports_new_rc(const cip_port_range *pr, const cip_ports_opts *opts)
{
	cip_ports *p = NULL;
	int rc = cip_ports_new(&p, pr, opts);

	cip_ports_free(p);
	return rc;
}

static int ports_from_snapshot_rc(uint64_t seed)
{
	cip_ports *p = NULL;
	int rc = cip_ports_new_from_snapshot(&p, UINT64_MAX, I.ports_snap, I.ports_snap_len, seed);

	cip_ports_free(p);
	return rc;
}

static int ports_scratch_import_rc(const uint8_t *data, size_t len)
{
	cip_ports *p;
	int rc;

	assert_int_equal(cip_ports_new(&p, &I.pr, NULL), 0);
	rc = cip_ports_import_k8s(p, S("30000-32767"), data, len);
	cip_ports_free(p);
	return rc;
}

static int pool_new_rc(const cip_pool_opts *opts)
{
	cip_pool *p = NULL;
	int rc = cip_pool_new(&p, opts);

	cip_pool_free(p);
	return rc;
}

/* An add that succeeds changes its pool: on a scratch one. */
static int pool_scratch_add_rc(const cip_prefix *cidr, const cip_range_opts *opts)
{
	cip_pool *p;
	int rc;

	assert_int_equal(cip_pool_new(&p, NULL), 0);
	rc = cip_pool_add(p, cidr, opts);
	cip_pool_free(p);
	return rc;
}

static int visit_addr_stop(const cip_addr *addr, void *ctx)
{
	(void)addr;
	(void)ctx;
	return INT_MIN;
}

static int visit_port_stop(uint32_t port, void *ctx)
{
	(void)port;
	(void)ctx;
	return INT_MIN;
}

static int visit_range_stop(const cip_prefix *cidr, int state, void *ctx)
{
	(void)cidr;
	(void)state;
	(void)ctx;
	return INT_MIN;
}

/* clang-format off */
#define RANGE_CASES(X) \
	X(range_opts_init_null, CIP_EINVAL, cip_range_opts_init(NULL, sizeof(cip_range_opts))) \
	X(range_opts_init_sz0, CIP_EINVAL, cip_range_opts_init(&O.ropts, 0)) \
	X(range_opts_init_sz4, CIP_EINVAL, cip_range_opts_init(&O.ropts, 4)) \
	X(range_opts_init_sz_max, CIP_EINVAL, cip_range_opts_init(&O.ropts, SIZE_MAX)) \
	X(range_opts_init_sz_min, 0, cip_range_opts_init(&O.ropts, sizeof(size_t))) \
	X(range_new_null_out, CIP_EINVAL, cip_range_new(NULL, &I.p4, NULL)) \
	X(range_new_null_cidr, CIP_EINVAL, cip_range_new(&O.range, NULL, NULL)) \
	X(range_new_host_bits, CIP_EINVAL, cip_range_new(&O.range, &I.host_bits, NULL)) \
	X(range_new_opts_sz0, CIP_EINVAL, cip_range_new(&O.range, &I.p4, &I.ro_sz0)) \
	X(range_new_opts_sz4, CIP_EINVAL, cip_range_new(&O.range, &I.p4, &I.ro_sz4)) \
	X(range_new_opts_sz_max, CIP_EINVAL, cip_range_new(&O.range, &I.p4, &I.ro_szmax)) \
	X(range_new_opts_big_dirty, CIP_EINVAL, cip_range_new(&O.range, &I.p4, &I.ro_big_dirty.o)) \
	X(range_new_opts_big_zero, 0, range_new_rc(&I.p4, &I.ro_big.o)) \
	X(range_new_opts_sz_min, 0, range_new_rc(&I.p4, &I.ro_min)) \
	X(range_new_opts_flag_unknown, CIP_EINVAL, cip_range_new(&O.range, &I.p4, &I.ro_flag)) \
	X(range_new_opts_flags_all, CIP_EINVAL, cip_range_new(&O.range, &I.p4, &I.ro_flags_all)) \
	X(range_new_band_neg2, CIP_EINVAL, cip_range_new(&O.range, &I.p4, &I.ro_band_neg2)) \
	X(range_new_band_int64_min, CIP_EINVAL, cip_range_new(&O.range, &I.p4, &I.ro_band_min)) \
	X(range_new_band_int64_max, CIP_ERANGE, cip_range_new(&O.range, &I.p4, &I.ro_band_max)) \
	X(range_new_qmax_max_v4, 0, range_new_rc(&I.p4, &I.ro_qmax_max)) \
	X(range_new_qmax_max_v6_64, CIP_EINVAL, cip_range_new(&O.range, &I.p6_64, &I.ro_qmax_max)) \
	X(range_new_qns_max, 0, range_new_rc(&I.p4, &I.ro_qns_max)) \
	X(range_new_seed_max, 0, range_new_rc(&I.p4, &I.ro_seed_max)) \
	X(range_new_slash31, CIP_ERANGE, cip_range_new(&O.range, &I.slash31, NULL)) \
	X(range_new_slash32, CIP_ERANGE, cip_range_new(&O.range, &I.slash32, NULL)) \
	X(range_new_v6_128, CIP_ERANGE, cip_range_new(&O.range, &I.v6_128, NULL)) \
	X(range_new_v6_48, CIP_EUNSUPPORTED, cip_range_new(&O.range, &I.v6_48, NULL)) \
	X(range_free_null, 0, (cip_range_free(NULL), 0)) \
	X(range_allocate_next_null_r, CIP_EINVAL, cip_range_allocate_next(NULL, 0, 0, &O.addr)) \
	X(range_allocate_next_null_out, CIP_EINVAL, cip_range_allocate_next(F.range, 0, 0, NULL)) \
	X(range_allocate_next_flag_release_now, CIP_EINVAL, cip_range_allocate_next(F.range, 0, CIP_RELEASE_NOW, &O.addr)) \
	X(range_allocate_next_flags_all, CIP_EINVAL, cip_range_allocate_next(F.range, 0, UINT_MAX, &O.addr)) \
	X(range_allocate_next_dry_run_now_max, 0, cip_range_allocate_next(F.range, UINT64_MAX, CIP_ALLOC_DRY_RUN, &O.addr)) \
	X(range_allocate_null_r, CIP_EINVAL, cip_range_allocate(NULL, &I.free4, 0)) \
	X(range_allocate_null_addr, CIP_EINVAL, cip_range_allocate(F.range, NULL, 0)) \
	X(range_allocate_bad_addr, CIP_EINVAL, cip_range_allocate(F.range, &I.bad, 0)) \
	X(range_allocate_flag_release_now, CIP_EINVAL, cip_range_allocate(F.range, &I.free4, CIP_RELEASE_NOW)) \
	X(range_allocate_flags_all, CIP_EINVAL, cip_range_allocate(F.range, &I.free4, UINT_MAX)) \
	X(range_allocate_family, CIP_EFAMILY, cip_range_allocate(F.range, &I.a6, 0)) \
	X(range_allocate_network, CIP_ERANGE, cip_range_allocate(F.range, &I.network, 0)) \
	X(range_allocate_broadcast, CIP_ERANGE, cip_range_allocate(F.range, &I.broadcast, 0)) \
	X(range_allocate_outside, CIP_ERANGE, cip_range_allocate(F.range, &I.outside, 0)) \
	X(range_allocate_taken, CIP_EALLOCATED, cip_range_allocate(F.range, &I.taken, 0)) \
	X(range_allocate_dry_run, 0, cip_range_allocate(F.range, &I.free4, CIP_ALLOC_DRY_RUN)) \
	X(range_release_null_r, CIP_EINVAL, cip_range_release(NULL, &I.taken, 0, 0)) \
	X(range_release_null_addr, CIP_EINVAL, cip_range_release(F.range, NULL, 0, 0)) \
	X(range_release_bad_addr, CIP_EINVAL, cip_range_release(F.range, &I.bad, 0, 0)) \
	X(range_release_flag_unknown, CIP_EINVAL, cip_range_release(F.range, &I.taken, 0, 1u << 2)) \
	X(range_release_flags_all, CIP_EINVAL, cip_range_release(F.range, &I.taken, 0, UINT_MAX)) \
	X(range_release_family, CIP_EFAMILY, cip_range_release(F.range, &I.a6, 0, 0)) \
	X(range_release_network, CIP_ERANGE, cip_range_release(F.range, &I.network, 0, 0)) \
	X(range_release_free, CIP_ENOTALLOCATED, cip_range_release(F.range, &I.free4, 0, 0)) \
	X(range_release_dry_run_now_max, 0, cip_range_release(F.range, &I.taken, UINT64_MAX, CIP_ALLOC_DRY_RUN)) \
	X(range_has_null_r, CIP_EINVAL, cip_range_has(NULL, &I.taken)) \
	X(range_has_null_addr, CIP_EINVAL, cip_range_has(F.range, NULL)) \
	X(range_has_bad_addr, CIP_EINVAL, cip_range_has(F.range, &I.bad)) \
	X(range_has_family, 0, cip_range_has(F.range, &I.a6)) \
	X(range_has_outside, 0, cip_range_has(F.range, &I.outside)) \
	X(range_has_taken, 1, cip_range_has(F.range, &I.taken)) \
	X(range_expire_null, CIP_EINVAL, cip_range_expire(NULL, 0)) \
	X(range_expire_now_max, 0, cip_range_expire(F.range, UINT64_MAX)) \
	X(range_used_null_r, CIP_EINVAL, cip_range_used(NULL, CIP_BAND_ALL, &O.u64)) \
	X(range_used_null_out, CIP_EINVAL, cip_range_used(F.range, CIP_BAND_ALL, NULL)) \
	X(range_used_band_negative, CIP_EINVAL, cip_range_used(F.range, -1, &O.u64)) \
	X(range_used_band_past_last, CIP_EINVAL, cip_range_used(F.range, CIP_BAND_DYNAMIC + 1, &O.u64)) \
	X(range_used_band_int_max, CIP_EINVAL, cip_range_used(F.range, INT_MAX, &O.u64)) \
	X(range_used_band_int_min, CIP_EINVAL, cip_range_used(F.range, INT_MIN, &O.u64)) \
	X(range_available_null_r, CIP_EINVAL, cip_range_available(NULL, CIP_BAND_ALL, &O.u64)) \
	X(range_available_null_out, CIP_EINVAL, cip_range_available(F.range, CIP_BAND_ALL, NULL)) \
	X(range_available_band_negative, CIP_EINVAL, cip_range_available(F.range, -1, &O.u64)) \
	X(range_available_band_past_last, CIP_EINVAL, cip_range_available(F.range, CIP_BAND_DYNAMIC + 1, &O.u64)) \
	X(range_available_band_int_min, CIP_EINVAL, cip_range_available(F.range, INT_MIN, &O.u64)) \
	X(range_stats_get_null_r, CIP_EINVAL, cip_range_stats_get(NULL, &O.stats)) \
	X(range_stats_get_null_out, CIP_EINVAL, cip_range_stats_get(F.range, NULL)) \
	X(range_prefix_null_r, CIP_EINVAL, cip_range_prefix(NULL, &O.prefix)) \
	X(range_prefix_null_out, CIP_EINVAL, cip_range_prefix(F.range, NULL)) \
	X(range_static_band_size_null_r, CIP_EINVAL, cip_range_static_band_size(NULL, &O.u64)) \
	X(range_static_band_size_null_out, CIP_EINVAL, cip_range_static_band_size(F.range, NULL)) \
	X(range_foreach_null_r, CIP_EINVAL, cip_range_foreach(NULL, visit_addr_stop, NULL)) \
	X(range_foreach_null_fn, CIP_EINVAL, cip_range_foreach(F.range, NULL, NULL)) \
	X(range_foreach_stop_int_min, INT_MIN, cip_range_foreach(F.range, visit_addr_stop, NULL))

#define RANGE_SNAPSHOT_CASES(X) \
	X(range_k8s_spec_null_r, CIP_EINVAL, cip_range_k8s_spec(NULL, O.buf, sizeof(O.buf))) \
	X(range_k8s_spec_null_buf, CIP_EINVAL, cip_range_k8s_spec(F.range, NULL, sizeof(O.buf))) \
	X(range_k8s_spec_null_buf_cap0, CIP_EINVAL, cip_range_k8s_spec(F.range, NULL, 0)) \
	X(range_k8s_spec_cap0, CIP_EBUFSIZE, cip_range_k8s_spec(F.range, O.buf, 0)) \
	X(range_k8s_spec_cap_no_nul, CIP_EBUFSIZE, cip_range_k8s_spec(F.range, O.buf, 11)) \
	X(range_k8s_spec_cap_max, 11, cip_range_k8s_spec(F.range, O.buf, SIZE_MAX)) \
	X(range_export_k8s_null_r, CIP_EINVAL, cip_range_export_k8s(NULL, O.data, sizeof(O.data), &O.len)) \
	X(range_export_k8s_null_len, CIP_EINVAL, cip_range_export_k8s(F.range, O.data, sizeof(O.data), NULL)) \
	X(range_export_k8s_null_buf_cap, CIP_EINVAL, cip_range_export_k8s(F.range, NULL, 1, &O.len)) \
	X(range_export_k8s_null_buf_cap_max, CIP_EINVAL, cip_range_export_k8s(F.range, NULL, SIZE_MAX, &O.len)) \
	X(range_export_k8s_sparse, CIP_EUNSUPPORTED, cip_range_export_k8s(F.range6, O.data, sizeof(O.data), &O.len)) \
	X(range_export_k8s_cap_max, 0, cip_range_export_k8s(F.range, O.data, SIZE_MAX, &O.len)) \
	X(range_import_k8s_null_r, CIP_EINVAL, cip_range_import_k8s(NULL, S("10.0.0.0/24"), I.past_end, 0)) \
	X(range_import_k8s_null_spec, CIP_EINVAL, cip_range_import_k8s(F.range, NULL, 11, I.past_end, 0)) \
	X(range_import_k8s_null_data, CIP_EINVAL, cip_range_import_k8s(F.range, S("10.0.0.0/24"), NULL, 1)) \
	X(range_import_k8s_null_data_len0, 0, range_scratch_import_rc(NULL, 0)) \
	X(range_import_k8s_spec_len0, CIP_ESNAPSHOT_MISMATCH, cip_range_import_k8s(F.range, "10.0.0.0/24", 0, I.past_end, 0)) \
	X(range_import_k8s_spec_len_max, CIP_EINVAL, cip_range_import_k8s(F.range, "10.0.0.0/24", SIZE_MAX, I.past_end, 0)) \
	X(range_import_k8s_len_max, CIP_EINVAL, cip_range_import_k8s(F.range, S("10.0.0.0/24"), I.past_end, SIZE_MAX)) \
	X(range_import_k8s_other_cidr, CIP_ESNAPSHOT_MISMATCH, cip_range_import_k8s(F.range, S("10.1.0.0/24"), I.past_end, 0)) \
	X(range_import_k8s_not_cidr, CIP_ESNAPSHOT_MISMATCH, cip_range_import_k8s(F.range, S("10.0.0.0/24x"), I.past_end, 0)) \
	X(range_import_k8s_past_end, CIP_ESNAPSHOT_CORRUPT, cip_range_import_k8s(F.range, S("10.0.0.0/24"), I.past_end, 33)) \
	X(range_import_k8s_sparse, CIP_EUNSUPPORTED, cip_range_import_k8s(F.range6, S("2001:db8::/64"), I.past_end, 0)) \
	X(range_snapshot_null_r, CIP_EINVAL, cip_range_snapshot(NULL, 0, O.data, sizeof(O.data), &O.len)) \
	X(range_snapshot_null_len, CIP_EINVAL, cip_range_snapshot(F.range, 0, O.data, sizeof(O.data), NULL)) \
	X(range_snapshot_null_buf_cap, CIP_EINVAL, cip_range_snapshot(F.range, 0, NULL, 1, &O.len)) \
	X(range_snapshot_cap_max, 0, cip_range_snapshot(F.range, UINT64_MAX, O.data, SIZE_MAX, &O.len)) \
	X(range_restore_null_r, CIP_EINVAL, cip_range_restore(NULL, 0, I.range_snap, I.range_snap_len)) \
	X(range_restore_null_buf, CIP_EINVAL, cip_range_restore(F.range, 0, NULL, I.range_snap_len)) \
	X(range_restore_null_buf_len0, CIP_EINVAL, cip_range_restore(F.range, 0, NULL, 0)) \
	X(range_restore_len0, CIP_ESNAPSHOT_CORRUPT, cip_range_restore(F.range, 0, I.range_snap, 0)) \
	X(range_restore_len_short, CIP_ESNAPSHOT_CORRUPT, cip_range_restore(F.range, 0, I.range_snap, I.range_snap_len - 1)) \
	X(range_restore_len_long, CIP_ESNAPSHOT_CORRUPT, cip_range_restore(F.range, 0, I.range_snap, I.range_snap_len + 1)) \
	X(range_restore_len_max, CIP_EINVAL, cip_range_restore(F.range, 0, I.range_snap, SIZE_MAX)) \
	X(range_restore_other_range, CIP_ESNAPSHOT_MISMATCH, cip_range_restore(F.range, 0, I.range_other_snap, I.range_other_snap_len)) \
	X(range_restore_ports_snapshot, CIP_ESNAPSHOT_MISMATCH, cip_range_restore(F.range, 0, I.ports_snap, I.ports_snap_len)) \
	X(range_restore_newer, CIP_EUNSUPPORTED, cip_range_restore(F.range, 0, I.newer_snap, I.range_snap_len)) \
	X(range_new_from_snapshot_null_out, CIP_EINVAL, cip_range_new_from_snapshot(NULL, 0, I.range_snap, I.range_snap_len, 1)) \
	X(range_new_from_snapshot_null_buf, CIP_EINVAL, cip_range_new_from_snapshot(&O.range, 0, NULL, I.range_snap_len, 1)) \
	X(range_new_from_snapshot_len0, CIP_ESNAPSHOT_CORRUPT, cip_range_new_from_snapshot(&O.range, 0, I.range_snap, 0, 1)) \
	X(range_new_from_snapshot_len_short, CIP_ESNAPSHOT_CORRUPT, cip_range_new_from_snapshot(&O.range, 0, I.range_snap, I.range_snap_len - 1, 1)) \
	X(range_new_from_snapshot_len_max, CIP_EINVAL, cip_range_new_from_snapshot(&O.range, 0, I.range_snap, SIZE_MAX, 1)) \
	X(range_new_from_snapshot_ports, CIP_ESNAPSHOT_MISMATCH, cip_range_new_from_snapshot(&O.range, 0, I.ports_snap, I.ports_snap_len, 1)) \
	X(range_new_from_snapshot_newer, CIP_EUNSUPPORTED, cip_range_new_from_snapshot(&O.range, 0, I.newer_snap, I.range_snap_len, 1)) \
	X(range_new_from_snapshot_seed_max, 0, range_from_snapshot_rc(UINT64_MAX))

#define PORTS_CASES(X) \
	X(port_range_parse_null_out, CIP_EINVAL, cip_port_range_parse(NULL, S("1-2"), NULL)) \
	X(port_range_parse_null_text, CIP_EINVAL, cip_port_range_parse(&O.pr, NULL, 3, NULL)) \
	X(port_range_parse_null_text_len0, CIP_EINVAL, cip_port_range_parse(&O.pr, NULL, 0, NULL)) \
	X(port_range_parse_err_sz0, CIP_EINVAL, cip_port_range_parse(&O.pr, S("1-2"), &I.err_zero)) \
	X(port_range_parse_len0, CIP_ESYNTAX, cip_port_range_parse(&O.pr, "1-2", 0, NULL)) \
	X(port_range_parse_len_max, CIP_EINVAL, cip_port_range_parse(&O.pr, "1-2", SIZE_MAX, NULL)) \
	X(port_range_parse_port_over, CIP_ERANGE, cip_port_range_parse(&O.pr, S("65536"), NULL)) \
	X(port_range_parse_port_huge, CIP_ERANGE, cip_port_range_parse(&O.pr, S("99999999999999999999999"), NULL)) \
	X(port_range_parse_offset_over, CIP_ERANGE, cip_port_range_parse(&O.pr, S("1+65535"), NULL)) \
	X(port_range_parse_order, CIP_ERANGE, cip_port_range_parse(&O.pr, S("2-1"), NULL)) \
	X(port_range_format_null_pr, CIP_EINVAL, cip_port_range_format(NULL, O.buf, sizeof(O.buf))) \
	X(port_range_format_null_buf, CIP_EINVAL, cip_port_range_format(&I.pr, NULL, sizeof(O.buf))) \
	X(port_range_format_size0, CIP_EINVAL, cip_port_range_format(&I.pr_size0, O.buf, sizeof(O.buf))) \
	X(port_range_format_base_over, CIP_EINVAL, cip_port_range_format(&I.pr_base_over, O.buf, sizeof(O.buf))) \
	X(port_range_format_end_over, CIP_EINVAL, cip_port_range_format(&I.pr_end_over, O.buf, sizeof(O.buf))) \
	X(port_range_format_huge, CIP_EINVAL, cip_port_range_format(&I.pr_huge, O.buf, sizeof(O.buf))) \
	X(port_range_format_all_ones, CIP_EINVAL, cip_port_range_format(&I.pr_all_ones, O.buf, sizeof(O.buf))) \
	X(port_range_format_cap0, CIP_EBUFSIZE, cip_port_range_format(&I.pr, O.buf, 0)) \
	X(port_range_format_cap_no_nul, CIP_EBUFSIZE, cip_port_range_format(&I.pr, O.buf, 11)) \
	X(port_range_format_cap_max, 11, cip_port_range_format(&I.pr, O.buf, SIZE_MAX)) \
	X(port_range_contains_null, CIP_EINVAL, cip_port_range_contains(NULL, 30000)) \
	X(port_range_contains_size0, CIP_EINVAL, cip_port_range_contains(&I.pr_size0, 30000)) \
	X(port_range_contains_end_over, CIP_EINVAL, cip_port_range_contains(&I.pr_end_over, 65535)) \
	X(port_range_contains_all_ones, CIP_EINVAL, cip_port_range_contains(&I.pr_all_ones, 0)) \
	X(port_range_contains_port_max, 0, cip_port_range_contains(&I.pr, UINT32_MAX)) \
	X(ports_opts_init_null, CIP_EINVAL, cip_ports_opts_init(NULL, sizeof(cip_ports_opts))) \
	X(ports_opts_init_sz0, CIP_EINVAL, cip_ports_opts_init(&O.popts, 0)) \
	X(ports_opts_init_sz4, CIP_EINVAL, cip_ports_opts_init(&O.popts, 4)) \
	X(ports_opts_init_sz_max, CIP_EINVAL, cip_ports_opts_init(&O.popts, SIZE_MAX)) \
	X(ports_new_null_out, CIP_EINVAL, cip_ports_new(NULL, &I.pr, NULL)) \
	X(ports_new_null_pr, CIP_EINVAL, cip_ports_new(&O.ports, NULL, NULL)) \
	X(ports_new_size0, CIP_EINVAL, cip_ports_new(&O.ports, &I.pr_size0, NULL)) \
	X(ports_new_end_over, CIP_EINVAL, cip_ports_new(&O.ports, &I.pr_end_over, NULL)) \
	X(ports_new_huge, CIP_EINVAL, cip_ports_new(&O.ports, &I.pr_huge, NULL)) \
	X(ports_new_opts_sz0, CIP_EINVAL, cip_ports_new(&O.ports, &I.pr, &I.po_sz0)) \
	X(ports_new_opts_sz4, CIP_EINVAL, cip_ports_new(&O.ports, &I.pr, &I.po_sz4)) \
	X(ports_new_opts_sz_max, CIP_EINVAL, cip_ports_new(&O.ports, &I.pr, &I.po_szmax)) \
	X(ports_new_opts_big_dirty, CIP_EINVAL, cip_ports_new(&O.ports, &I.pr, &I.po_big_dirty.o)) \
	X(ports_new_opts_big_zero, 0, ports_new_rc(&I.pr, &I.po_big.o)) \
	X(ports_new_opts_sz_min, 0, ports_new_rc(&I.pr, &I.po_min)) \
	X(ports_new_band_neg2, CIP_EINVAL, cip_ports_new(&O.ports, &I.pr, &I.po_band_neg2)) \
	X(ports_new_band_int64_min, CIP_EINVAL, cip_ports_new(&O.ports, &I.pr, &I.po_band_min)) \
	X(ports_new_band_past_size, CIP_ERANGE, cip_ports_new(&O.ports, &I.pr, &I.po_band_over)) \
	X(ports_new_band_int64_max, CIP_ERANGE, cip_ports_new(&O.ports, &I.pr, &I.po_band_max)) \
	X(ports_new_qmax_max, 0, ports_new_rc(&I.pr, &I.po_qmax_max)) \
	X(ports_free_null, 0, (cip_ports_free(NULL), 0)) \
	X(ports_allocate_next_null_p, CIP_EINVAL, cip_ports_allocate_next(NULL, 0, 0, &O.port)) \
	X(ports_allocate_next_null_port, CIP_EINVAL, cip_ports_allocate_next(F.ports, 0, 0, NULL)) \
	X(ports_allocate_next_flag_release_now, CIP_EINVAL, cip_ports_allocate_next(F.ports, 0, CIP_RELEASE_NOW, &O.port)) \
	X(ports_allocate_next_flags_all, CIP_EINVAL, cip_ports_allocate_next(F.ports, 0, UINT_MAX, &O.port)) \
	X(ports_allocate_next_dry_run, 0, cip_ports_allocate_next(F.ports, UINT64_MAX, CIP_ALLOC_DRY_RUN, &O.port)) \
	X(ports_allocate_null_p, CIP_EINVAL, cip_ports_allocate(NULL, 30006, 0)) \
	X(ports_allocate_flag_release_now, CIP_EINVAL, cip_ports_allocate(F.ports, 30006, CIP_RELEASE_NOW)) \
	X(ports_allocate_flags_all, CIP_EINVAL, cip_ports_allocate(F.ports, 30006, UINT_MAX)) \
	X(ports_allocate_port0, CIP_ERANGE, cip_ports_allocate(F.ports, 0, 0)) \
	X(ports_allocate_below, CIP_ERANGE, cip_ports_allocate(F.ports, 29999, 0)) \
	X(ports_allocate_above, CIP_ERANGE, cip_ports_allocate(F.ports, 32768, 0)) \
	X(ports_allocate_port_over, CIP_ERANGE, cip_ports_allocate(F.ports, 65536 + 30006, 0)) \
	X(ports_allocate_port_max, CIP_ERANGE, cip_ports_allocate(F.ports, UINT32_MAX, 0)) \
	X(ports_allocate_taken, CIP_EALLOCATED, cip_ports_allocate(F.ports, 30005, 0)) \
	X(ports_allocate_dry_run, 0, cip_ports_allocate(F.ports, 30006, CIP_ALLOC_DRY_RUN)) \
	X(ports_release_null_p, CIP_EINVAL, cip_ports_release(NULL, 30005, 0, 0)) \
	X(ports_release_flag_unknown, CIP_EINVAL, cip_ports_release(F.ports, 30005, 0, 1u << 2)) \
	X(ports_release_flags_all, CIP_EINVAL, cip_ports_release(F.ports, 30005, 0, UINT_MAX)) \
	X(ports_release_port_max, CIP_ERANGE, cip_ports_release(F.ports, UINT32_MAX, 0, 0)) \
	X(ports_release_free, CIP_ENOTALLOCATED, cip_ports_release(F.ports, 30006, 0, 0)) \
	X(ports_release_dry_run, 0, cip_ports_release(F.ports, 30005, UINT64_MAX, CIP_ALLOC_DRY_RUN)) \
	X(ports_has_null, CIP_EINVAL, cip_ports_has(NULL, 30005)) \
	X(ports_has_port_max, 0, cip_ports_has(F.ports, UINT32_MAX)) \
	X(ports_has_taken, 1, cip_ports_has(F.ports, 30005)) \
	X(ports_expire_null, CIP_EINVAL, cip_ports_expire(NULL, 0)) \
	X(ports_expire_now_max, 0, cip_ports_expire(F.ports, UINT64_MAX)) \
	X(ports_used_null_p, CIP_EINVAL, cip_ports_used(NULL, CIP_BAND_ALL, &O.u64)) \
	X(ports_used_null_out, CIP_EINVAL, cip_ports_used(F.ports, CIP_BAND_ALL, NULL)) \
	X(ports_used_band_negative, CIP_EINVAL, cip_ports_used(F.ports, -1, &O.u64)) \
	X(ports_used_band_past_last, CIP_EINVAL, cip_ports_used(F.ports, CIP_BAND_DYNAMIC + 1, &O.u64)) \
	X(ports_available_null_p, CIP_EINVAL, cip_ports_available(NULL, CIP_BAND_ALL, &O.u64)) \
	X(ports_available_null_out, CIP_EINVAL, cip_ports_available(F.ports, CIP_BAND_ALL, NULL)) \
	X(ports_available_band_int_max, CIP_EINVAL, cip_ports_available(F.ports, INT_MAX, &O.u64)) \
	X(ports_available_band_int_min, CIP_EINVAL, cip_ports_available(F.ports, INT_MIN, &O.u64)) \
	X(ports_stats_get_null_p, CIP_EINVAL, cip_ports_stats_get(NULL, &O.stats)) \
	X(ports_stats_get_null_out, CIP_EINVAL, cip_ports_stats_get(F.ports, NULL)) \
	X(ports_range_null_p, CIP_EINVAL, cip_ports_range(NULL, &O.pr)) \
	X(ports_range_null_out, CIP_EINVAL, cip_ports_range(F.ports, NULL)) \
	X(ports_static_band_size_null_p, CIP_EINVAL, cip_ports_static_band_size(NULL, &O.u64)) \
	X(ports_static_band_size_null_out, CIP_EINVAL, cip_ports_static_band_size(F.ports, NULL)) \
	X(ports_foreach_null_p, CIP_EINVAL, cip_ports_foreach(NULL, visit_port_stop, NULL)) \
	X(ports_foreach_null_fn, CIP_EINVAL, cip_ports_foreach(F.ports, NULL, NULL)) \
	X(ports_foreach_stop_int_min, INT_MIN, cip_ports_foreach(F.ports, visit_port_stop, NULL))

#define PORTS_SNAPSHOT_CASES(X) \
	X(ports_export_k8s_null_p, CIP_EINVAL, cip_ports_export_k8s(NULL, O.data, sizeof(O.data), &O.len)) \
	X(ports_export_k8s_null_len, CIP_EINVAL, cip_ports_export_k8s(F.ports, O.data, sizeof(O.data), NULL)) \
	X(ports_export_k8s_null_buf_cap, CIP_EINVAL, cip_ports_export_k8s(F.ports, NULL, 1, &O.len)) \
	X(ports_export_k8s_cap_max, 0, cip_ports_export_k8s(F.ports, O.data, SIZE_MAX, &O.len)) \
	X(ports_import_k8s_null_p, CIP_EINVAL, cip_ports_import_k8s(NULL, S("30000-32767"), I.past_end, 0)) \
	X(ports_import_k8s_null_spec, CIP_EINVAL, cip_ports_import_k8s(F.ports, NULL, 11, I.past_end, 0)) \
	X(ports_import_k8s_null_data, CIP_EINVAL, cip_ports_import_k8s(F.ports, S("30000-32767"), NULL, 1)) \
	X(ports_import_k8s_null_data_len0, 0, ports_scratch_import_rc(NULL, 0)) \
	X(ports_import_k8s_spec_len0, CIP_ESNAPSHOT_MISMATCH, cip_ports_import_k8s(F.ports, "30000-32767", 0, I.past_end, 0)) \
	X(ports_import_k8s_spec_len_max, CIP_EINVAL, cip_ports_import_k8s(F.ports, "30000-32767", SIZE_MAX, I.past_end, 0)) \
	X(ports_import_k8s_len_max, CIP_EINVAL, cip_ports_import_k8s(F.ports, S("30000-32767"), I.past_end, SIZE_MAX)) \
	X(ports_import_k8s_other_range, CIP_ESNAPSHOT_MISMATCH, cip_ports_import_k8s(F.ports, S("30000-32766"), I.past_end, 0)) \
	X(ports_import_k8s_past_end, CIP_ESNAPSHOT_CORRUPT, cip_ports_import_k8s(F.ports, S("30000-32767"), I.past_end, 347)) \
	X(ports_snapshot_null_p, CIP_EINVAL, cip_ports_snapshot(NULL, 0, O.data, sizeof(O.data), &O.len)) \
	X(ports_snapshot_null_len, CIP_EINVAL, cip_ports_snapshot(F.ports, 0, O.data, sizeof(O.data), NULL)) \
	X(ports_snapshot_null_buf_cap, CIP_EINVAL, cip_ports_snapshot(F.ports, 0, NULL, 1, &O.len)) \
	X(ports_snapshot_cap_max, 0, cip_ports_snapshot(F.ports, UINT64_MAX, O.data, SIZE_MAX, &O.len)) \
	X(ports_restore_null_p, CIP_EINVAL, cip_ports_restore(NULL, 0, I.ports_snap, I.ports_snap_len)) \
	X(ports_restore_null_buf, CIP_EINVAL, cip_ports_restore(F.ports, 0, NULL, I.ports_snap_len)) \
	X(ports_restore_len0, CIP_ESNAPSHOT_CORRUPT, cip_ports_restore(F.ports, 0, I.ports_snap, 0)) \
	X(ports_restore_len_short, CIP_ESNAPSHOT_CORRUPT, cip_ports_restore(F.ports, 0, I.ports_snap, I.ports_snap_len - 1)) \
	X(ports_restore_len_max, CIP_EINVAL, cip_ports_restore(F.ports, 0, I.ports_snap, SIZE_MAX)) \
	X(ports_restore_range_snapshot, CIP_ESNAPSHOT_MISMATCH, cip_ports_restore(F.ports, 0, I.range_snap, I.range_snap_len)) \
	X(ports_new_from_snapshot_null_out, CIP_EINVAL, cip_ports_new_from_snapshot(NULL, 0, I.ports_snap, I.ports_snap_len, 1)) \
	X(ports_new_from_snapshot_null_buf, CIP_EINVAL, cip_ports_new_from_snapshot(&O.ports, 0, NULL, I.ports_snap_len, 1)) \
	X(ports_new_from_snapshot_len0, CIP_ESNAPSHOT_CORRUPT, cip_ports_new_from_snapshot(&O.ports, 0, I.ports_snap, 0, 1)) \
	X(ports_new_from_snapshot_len_max, CIP_EINVAL, cip_ports_new_from_snapshot(&O.ports, 0, I.ports_snap, SIZE_MAX, 1)) \
	X(ports_new_from_snapshot_range, CIP_ESNAPSHOT_MISMATCH, cip_ports_new_from_snapshot(&O.ports, 0, I.range_snap, I.range_snap_len, 1)) \
	X(ports_new_from_snapshot_seed_max, 0, ports_from_snapshot_rc(UINT64_MAX))

#define POOL_CASES(X) \
	X(pool_opts_init_null, CIP_EINVAL, cip_pool_opts_init(NULL, sizeof(cip_pool_opts))) \
	X(pool_opts_init_sz0, CIP_EINVAL, cip_pool_opts_init(&O.plopts, 0)) \
	X(pool_opts_init_sz4, CIP_EINVAL, cip_pool_opts_init(&O.plopts, 4)) \
	X(pool_opts_init_sz_max, CIP_EINVAL, cip_pool_opts_init(&O.plopts, SIZE_MAX)) \
	X(pool_new_null_out, CIP_EINVAL, cip_pool_new(NULL, NULL)) \
	X(pool_new_opts_sz0, CIP_EINVAL, cip_pool_new(&O.pool, &I.plo_sz0)) \
	X(pool_new_opts_sz4, CIP_EINVAL, cip_pool_new(&O.pool, &I.plo_sz4)) \
	X(pool_new_opts_sz_max, CIP_EINVAL, cip_pool_new(&O.pool, &I.plo_szmax)) \
	X(pool_new_opts_big_dirty, CIP_EINVAL, cip_pool_new(&O.pool, &I.plo_big_dirty.o)) \
	X(pool_new_opts_big_zero, 0, pool_new_rc(&I.plo_big.o)) \
	X(pool_new_opts_sz_min, 0, pool_new_rc(&I.plo_min)) \
	X(pool_new_max_ranges_65, CIP_EINVAL, cip_pool_new(&O.pool, &I.plo_max65)) \
	X(pool_new_max_ranges_all, CIP_EINVAL, cip_pool_new(&O.pool, &I.plo_max_all)) \
	X(pool_new_max_ranges_64, 0, pool_new_rc(&I.plo_max64)) \
	X(pool_free_null, 0, (cip_pool_free(NULL), 0)) \
	X(pool_add_null_p, CIP_EINVAL, cip_pool_add(NULL, &I.unknown, NULL)) \
	X(pool_add_null_cidr, CIP_EINVAL, cip_pool_add(F.pool, NULL, NULL)) \
	X(pool_add_host_bits, CIP_EINVAL, cip_pool_add(F.pool, &I.host_bits, NULL)) \
	X(pool_add_opts_sz0, CIP_EINVAL, cip_pool_add(F.pool, &I.unknown, &I.ro_sz0)) \
	X(pool_add_opts_sz4, CIP_EINVAL, cip_pool_add(F.pool, &I.unknown, &I.ro_sz4)) \
	X(pool_add_opts_sz_max, CIP_EINVAL, cip_pool_add(F.pool, &I.unknown, &I.ro_szmax)) \
	X(pool_add_opts_big_dirty, CIP_EINVAL, cip_pool_add(F.pool, &I.unknown, &I.ro_big_dirty.o)) \
	X(pool_add_opts_flags_all, CIP_EINVAL, cip_pool_add(F.pool, &I.unknown, &I.ro_flags_all)) \
	X(pool_add_opts_band_neg2, CIP_EINVAL, cip_pool_add(F.pool, &I.unknown, &I.ro_band_neg2)) \
	X(pool_add_opts_band_max, CIP_ERANGE, cip_pool_add(F.pool, &I.unknown, &I.ro_band_max)) \
	X(pool_add_opts_big_zero, 0, pool_scratch_add_rc(&I.unknown, &I.ro_big.o)) \
	X(pool_add_slash32, CIP_ERANGE, cip_pool_add(F.pool, &I.slash32, NULL)) \
	X(pool_add_v6_48, CIP_EUNSUPPORTED, cip_pool_add(F.pool, &I.v6_48, NULL)) \
	X(pool_add_exists, CIP_EEXIST, cip_pool_add(F.pool, &I.p4_b, NULL)) \
	X(pool_add_limit, CIP_ELIMIT, cip_pool_add(F.pool1, &I.extra4, NULL)) \
	X(pool_drain_null_p, CIP_EINVAL, cip_pool_drain(NULL, &I.p4_c)) \
	X(pool_drain_null_cidr, CIP_EINVAL, cip_pool_drain(F.pool, NULL)) \
	X(pool_drain_host_bits, CIP_EINVAL, cip_pool_drain(F.pool, &I.host_bits)) \
	X(pool_drain_unknown, CIP_ENOTFOUND, cip_pool_drain(F.pool, &I.unknown)) \
	X(pool_drain_draining, 0, cip_pool_drain(F.pool, &I.p4_c)) \
	X(pool_remove_null_p, CIP_EINVAL, cip_pool_remove(NULL, &I.p4_c)) \
	X(pool_remove_null_cidr, CIP_EINVAL, cip_pool_remove(F.pool, NULL)) \
	X(pool_remove_host_bits, CIP_EINVAL, cip_pool_remove(F.pool, &I.host_bits)) \
	X(pool_remove_unknown, CIP_ENOTFOUND, cip_pool_remove(F.pool, &I.unknown)) \
	X(pool_remove_active, CIP_EUNSUPPORTED, cip_pool_remove(F.pool, &I.p4_b)) \
	X(pool_remove_holding, CIP_EALLOCATED, cip_pool_remove(F.pool, &I.p4_c)) \
	X(pool_range_null_p, CIP_EINVAL, cip_pool_range(NULL, &I.p4_b, &O.borrowed)) \
	X(pool_range_null_cidr, CIP_EINVAL, cip_pool_range(F.pool, NULL, &O.borrowed)) \
	X(pool_range_null_out, CIP_EINVAL, cip_pool_range(F.pool, &I.p4_b, NULL)) \
	X(pool_range_host_bits, CIP_EINVAL, cip_pool_range(F.pool, &I.host_bits, &O.borrowed)) \
	X(pool_range_unknown, CIP_ENOTFOUND, cip_pool_range(F.pool, &I.unknown, &O.borrowed)) \
	X(pool_foreach_range_null_p, CIP_EINVAL, cip_pool_foreach_range(NULL, CIP_FAMILY_IPV4, visit_range_stop, NULL)) \
	X(pool_foreach_range_null_fn, CIP_EINVAL, cip_pool_foreach_range(F.pool, CIP_FAMILY_IPV4, NULL, NULL)) \
	X(pool_foreach_range_family0, CIP_EINVAL, cip_pool_foreach_range(F.pool, 0, visit_range_stop, NULL)) \
	X(pool_foreach_range_family5, CIP_EINVAL, cip_pool_foreach_range(F.pool, 5, visit_range_stop, NULL)) \
	X(pool_foreach_range_family_wraps, CIP_EINVAL, cip_pool_foreach_range(F.pool, 256 + 4, visit_range_stop, NULL)) \
	X(pool_foreach_range_family_int_min, CIP_EINVAL, cip_pool_foreach_range(F.pool, INT_MIN, visit_range_stop, NULL)) \
	X(pool_foreach_range_stop_int_min, INT_MIN, cip_pool_foreach_range(F.pool, CIP_FAMILY_IPV4, visit_range_stop, NULL))

#define POOL_ALLOC_CASES(X) \
	X(pool_allocate_next_null_p, CIP_EINVAL, cip_pool_allocate_next(NULL, CIP_FAMILY_IPV4, 0, 0, &O.addr)) \
	X(pool_allocate_next_null_out, CIP_EINVAL, cip_pool_allocate_next(F.pool, CIP_FAMILY_IPV4, 0, 0, NULL)) \
	X(pool_allocate_next_family0, CIP_EINVAL, cip_pool_allocate_next(F.pool, 0, 0, 0, &O.addr)) \
	X(pool_allocate_next_family5, CIP_EINVAL, cip_pool_allocate_next(F.pool, 5, 0, 0, &O.addr)) \
	X(pool_allocate_next_family_int_max, CIP_EINVAL, cip_pool_allocate_next(F.pool, INT_MAX, 0, 0, &O.addr)) \
	X(pool_allocate_next_flag_release_now, CIP_EINVAL, cip_pool_allocate_next(F.pool, CIP_FAMILY_IPV4, 0, CIP_RELEASE_NOW, &O.addr)) \
	X(pool_allocate_next_flags_all, CIP_EINVAL, cip_pool_allocate_next(F.pool, CIP_FAMILY_IPV4, 0, UINT_MAX, &O.addr)) \
	X(pool_allocate_next_no_family, CIP_EFAMILY, cip_pool_allocate_next(F.pool1, CIP_FAMILY_IPV6, 0, 0, &O.addr)) \
	X(pool_allocate_next_full, CIP_EFULL, cip_pool_allocate_next(F.pool1, CIP_FAMILY_IPV4, UINT64_MAX, 0, &O.addr)) \
	X(pool_allocate_next_dry_run, 0, cip_pool_allocate_next(F.pool, CIP_FAMILY_IPV6, UINT64_MAX, CIP_ALLOC_DRY_RUN, &O.addr)) \
	X(pool_allocate_null_p, CIP_EINVAL, cip_pool_allocate(NULL, &I.pool_free, 0)) \
	X(pool_allocate_null_addr, CIP_EINVAL, cip_pool_allocate(F.pool, NULL, 0)) \
	X(pool_allocate_bad_addr, CIP_EINVAL, cip_pool_allocate(F.pool, &I.bad, 0)) \
	X(pool_allocate_flag_release_now, CIP_EINVAL, cip_pool_allocate(F.pool, &I.pool_free, CIP_RELEASE_NOW)) \
	X(pool_allocate_flags_all, CIP_EINVAL, cip_pool_allocate(F.pool, &I.pool_free, UINT_MAX)) \
	X(pool_allocate_outside, CIP_ERANGE, cip_pool_allocate(F.pool, &I.pool_outside, 0)) \
	X(pool_allocate_draining, CIP_ERANGE, cip_pool_allocate(F.pool, &I.pool_drained, 0)) \
	X(pool_allocate_taken, CIP_EALLOCATED, cip_pool_allocate(F.pool, &I.pool_taken, 0)) \
	X(pool_allocate_dry_run, 0, cip_pool_allocate(F.pool, &I.pool_free, CIP_ALLOC_DRY_RUN)) \
	X(pool_release_null_p, CIP_EINVAL, cip_pool_release(NULL, &I.pool_taken, 0, 0)) \
	X(pool_release_null_addr, CIP_EINVAL, cip_pool_release(F.pool, NULL, 0, 0)) \
	X(pool_release_bad_addr, CIP_EINVAL, cip_pool_release(F.pool, &I.bad, 0, 0)) \
	X(pool_release_flag_unknown, CIP_EINVAL, cip_pool_release(F.pool, &I.pool_taken, 0, 1u << 2)) \
	X(pool_release_flags_all, CIP_EINVAL, cip_pool_release(F.pool, &I.pool_taken, 0, UINT_MAX)) \
	X(pool_release_outside, CIP_ERANGE, cip_pool_release(F.pool, &I.pool_outside, 0, 0)) \
	X(pool_release_free, CIP_ENOTALLOCATED, cip_pool_release(F.pool, &I.pool_free, 0, 0)) \
	X(pool_release_dry_run, 0, cip_pool_release(F.pool, &I.pool_taken, UINT64_MAX, CIP_ALLOC_DRY_RUN)) \
	X(pool_has_null_p, CIP_EINVAL, cip_pool_has(NULL, &I.pool_taken)) \
	X(pool_has_null_addr, CIP_EINVAL, cip_pool_has(F.pool, NULL)) \
	X(pool_has_bad_addr, CIP_EINVAL, cip_pool_has(F.pool, &I.bad)) \
	X(pool_has_outside, 0, cip_pool_has(F.pool, &I.pool_outside)) \
	X(pool_has_taken, 1, cip_pool_has(F.pool, &I.pool_taken)) \
	X(pool_used_null_p, CIP_EINVAL, cip_pool_used(NULL, CIP_FAMILY_IPV4, &O.u64)) \
	X(pool_used_null_out, CIP_EINVAL, cip_pool_used(F.pool, CIP_FAMILY_IPV4, NULL)) \
	X(pool_used_family0, CIP_EINVAL, cip_pool_used(F.pool, 0, &O.u64)) \
	X(pool_used_family_negative, CIP_EINVAL, cip_pool_used(F.pool, -4, &O.u64)) \
	X(pool_available_null_p, CIP_EINVAL, cip_pool_available(NULL, CIP_FAMILY_IPV4, &O.u64)) \
	X(pool_available_null_out, CIP_EINVAL, cip_pool_available(F.pool, CIP_FAMILY_IPV4, NULL)) \
	X(pool_available_family5, CIP_EINVAL, cip_pool_available(F.pool, 5, &O.u64)) \
	X(pool_available_family_int_max, CIP_EINVAL, cip_pool_available(F.pool, INT_MAX, &O.u64)) \
	X(pool_allocate_pair_null_p, CIP_EINVAL, cip_pool_allocate_pair(NULL, CIP_SINGLE_STACK, CIP_FAMILY_IPV4, 0, 0, O.pair, &O.count)) \
	X(pool_allocate_pair_null_out, CIP_EINVAL, cip_pool_allocate_pair(F.pool, CIP_SINGLE_STACK, CIP_FAMILY_IPV4, 0, 0, NULL, &O.count)) \
	X(pool_allocate_pair_null_count, CIP_EINVAL, cip_pool_allocate_pair(F.pool, CIP_SINGLE_STACK, CIP_FAMILY_IPV4, 0, 0, O.pair, NULL)) \
	X(pool_allocate_pair_policy0, CIP_EINVAL, cip_pool_allocate_pair(F.pool, 0, CIP_FAMILY_IPV4, 0, 0, O.pair, &O.count)) \
	X(pool_allocate_pair_policy_past_last, CIP_EINVAL, cip_pool_allocate_pair(F.pool, CIP_REQUIRE_DUAL_STACK + 1, CIP_FAMILY_IPV4, 0, 0, O.pair, &O.count)) \
	X(pool_allocate_pair_policy_negative, CIP_EINVAL, cip_pool_allocate_pair(F.pool, -1, CIP_FAMILY_IPV4, 0, 0, O.pair, &O.count)) \
	X(pool_allocate_pair_policy_int_max, CIP_EINVAL, cip_pool_allocate_pair(F.pool, INT_MAX, CIP_FAMILY_IPV4, 0, 0, O.pair, &O.count)) \
	X(pool_allocate_pair_family0, CIP_EINVAL, cip_pool_allocate_pair(F.pool, CIP_SINGLE_STACK, 0, 0, 0, O.pair, &O.count)) \
	X(pool_allocate_pair_family5, CIP_EINVAL, cip_pool_allocate_pair(F.pool, CIP_PREFER_DUAL_STACK, 5, 0, 0, O.pair, &O.count)) \
	X(pool_allocate_pair_family_int_min, CIP_EINVAL, cip_pool_allocate_pair(F.pool, CIP_REQUIRE_DUAL_STACK, INT_MIN, 0, 0, O.pair, &O.count)) \
	X(pool_allocate_pair_flag_release_now, CIP_EINVAL, cip_pool_allocate_pair(F.pool, CIP_SINGLE_STACK, CIP_FAMILY_IPV4, 0, CIP_RELEASE_NOW, O.pair, &O.count)) \
	X(pool_allocate_pair_flags_all, CIP_EINVAL, cip_pool_allocate_pair(F.pool, CIP_SINGLE_STACK, CIP_FAMILY_IPV4, 0, UINT_MAX, O.pair, &O.count)) \
	X(pool_allocate_pair_require_missing, CIP_EFAMILY, cip_pool_allocate_pair(F.pool1, CIP_REQUIRE_DUAL_STACK, CIP_FAMILY_IPV4, 0, 0, O.pair, &O.count)) \
	X(pool_allocate_pair_no_primary, CIP_EFAMILY, cip_pool_allocate_pair(F.pool1, CIP_SINGLE_STACK, CIP_FAMILY_IPV6, 0, 0, O.pair, &O.count)) \
	X(pool_allocate_pair_full, CIP_EFULL, cip_pool_allocate_pair(F.pool1, CIP_PREFER_DUAL_STACK, CIP_FAMILY_IPV4, 0, 0, O.pair, &O.count)) \
	X(pool_allocate_pair_second_full, CIP_EFULL, cip_pool_allocate_pair(F.pool2, CIP_REQUIRE_DUAL_STACK, CIP_FAMILY_IPV6, 0, 0, O.pair, &O.count)) \
	X(pool_allocate_pair_dry_run, 0, cip_pool_allocate_pair(F.pool, CIP_REQUIRE_DUAL_STACK, CIP_FAMILY_IPV6, UINT64_MAX, CIP_ALLOC_DRY_RUN, O.pair, &O.count))
/* clang-format on */

RANGE_CASES(CT_ARG_THUNK)
RANGE_SNAPSHOT_CASES(CT_ARG_THUNK)
PORTS_CASES(CT_ARG_THUNK)
PORTS_SNAPSHOT_CASES(CT_ARG_THUNK)
POOL_CASES(CT_ARG_THUNK)
POOL_ALLOC_CASES(CT_ARG_THUNK)

static const struct ct_arg_case range_cases[] = { RANGE_CASES(CT_ARG_ROW) };
static const struct ct_arg_case range_snapshot_cases[] = { RANGE_SNAPSHOT_CASES(CT_ARG_ROW) };
static const struct ct_arg_case ports_cases[] = { PORTS_CASES(CT_ARG_ROW) };
static const struct ct_arg_case ports_snapshot_cases[] = { PORTS_SNAPSHOT_CASES(CT_ARG_ROW) };
static const struct ct_arg_case pool_cases[] = { POOL_CASES(CT_ARG_ROW) };
static const struct ct_arg_case pool_alloc_cases[] = { POOL_ALLOC_CASES(CT_ARG_ROW) };

/* ---- sizes that the library writes or reads up to ------------------------ */

/* _opts_init() writes exactly sz bytes: zeroes and the sz it was given. */
static void test_opts_init_writes_sz_bytes(void **state)
{
	(void)state;
	union {
		BIG_OPTS(cip_range_opts) r;
		BIG_OPTS(cip_ports_opts) p;
		BIG_OPTS(cip_pool_opts) pl;
	} b;

	for (int k = 0; k < 3; k++) {
		const size_t sizes[] = { sizeof(size_t), sizeof(b.r.o), sizeof(b.p.o),
					 sizeof(b.pl.o), sizeof(b) };

		for (size_t s = 0; s < ARRAY_LEN(sizes); s++) {
			int rc;

			ct_fill(&b, sizeof(b));
			rc = k == 0   ? cip_range_opts_init(&b.r.o, sizes[s])
			     : k == 1 ? cip_ports_opts_init(&b.p.o, sizes[s])
				      : cip_pool_opts_init(&b.pl.o, sizes[s]);
			assert_int_equal(rc, 0);
			ct_assert_init_wrote(&b, sizeof(b), sizes[s]);
		}
	}
}

/* cip_range_stats: refused below the first band, written only up to sz. */
static void test_stats_sz(void **state)
{
	(void)state;
	struct {
		cip_range_stats s;
		unsigned char tail[32];
	} b;
	const size_t first = offsetof(cip_range_stats, all) + sizeof(cip_band_stats);
	const size_t refused[] = { 0, 4, sizeof(size_t), first - 1 };
	const size_t taken[] = { first, sizeof(b.s), sizeof(b), SIZE_MAX };

	for (int which = 0; which < 2; which++) {
		for (size_t i = 0; i < ARRAY_LEN(refused); i++) {
			ct_fill(&b, sizeof(b));
			b.s.sz = refused[i];
			assert_int_equal(which ? cip_ports_stats_get(F.ports, &b.s)
					       : cip_range_stats_get(F.range, &b.s),
					 CIP_EINVAL);
			assert_int_equal(b.s.sz, refused[i]);
			assert_true(ct_untouched((unsigned char *)&b + sizeof(size_t),
						 sizeof(b) - sizeof(size_t)));
		}
		for (size_t i = 0; i < ARRAY_LEN(taken); i++) {
			size_t end = taken[i] < sizeof(b.s) ? taken[i] : sizeof(b.s);

			ct_fill(&b, sizeof(b));
			b.s.sz = taken[i];
			assert_int_equal(which ? cip_ports_stats_get(F.ports, &b.s)
					       : cip_range_stats_get(F.range, &b.s),
					 0);
			assert_int_equal(b.s.sz, taken[i]);
			assert_int_equal(b.s.all.used, 1);
			assert_true(ct_untouched((unsigned char *)&b + end, sizeof(b) - end));
		}
	}
}

/* A size query (NULL, 0) or a short buffer: CIP_EBUFSIZE, the size that is
 * enough in *len, and not a byte of the buffer written. */
static void test_size_queries(void **state)
{
	(void)state;
	size_t need, len;
	uint8_t buf[8];

	need = 0;
	assert_int_equal(cip_range_export_k8s(F.range, NULL, 0, &need), CIP_EBUFSIZE);
	assert_int_equal(need, 32); /* ceil(254 / 8) */
	need = 0;
	assert_int_equal(cip_ports_export_k8s(F.ports, NULL, 0, &need), CIP_EBUFSIZE);
	assert_int_equal(need, 346); /* ceil(2768 / 8) */
	need = 0;
	assert_int_equal(cip_range_snapshot(F.range, 0, NULL, 0, &need), CIP_EBUFSIZE);
	assert_int_equal(need, I.range_snap_len);
	need = 0;
	assert_int_equal(cip_ports_snapshot(F.ports, 0, NULL, 0, &need), CIP_EBUFSIZE);
	assert_int_equal(need, I.ports_snap_len);

	ct_fill(buf, sizeof(buf));
	assert_int_equal(cip_range_snapshot(F.range, 0, buf, sizeof(buf), &len), CIP_EBUFSIZE);
	assert_int_equal(len, I.range_snap_len);
	assert_true(ct_untouched(buf, sizeof(buf)));
	ct_fill(buf, sizeof(buf));
	assert_int_equal(cip_ports_snapshot(F.ports, 0, buf, sizeof(buf), &len), CIP_EBUFSIZE);
	assert_true(ct_untouched(buf, sizeof(buf)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		CT_ARG_GROUP(range_args, range_cases, &O, fixture_state),
		CT_ARG_GROUP(range_snapshot_args, range_snapshot_cases, &O, fixture_state),
		CT_ARG_GROUP(ports_args, ports_cases, &O, fixture_state),
		CT_ARG_GROUP(ports_snapshot_args, ports_snapshot_cases, &O, fixture_state),
		CT_ARG_GROUP(pool_args, pool_cases, &O, fixture_state),
		CT_ARG_GROUP(pool_alloc_args, pool_alloc_cases, &O, fixture_state),
		cmocka_unit_test(test_opts_init_writes_sz_bytes),
		cmocka_unit_test(test_stats_sz),
		cmocka_unit_test(test_size_queries),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
