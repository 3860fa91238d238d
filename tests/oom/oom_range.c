/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Out-of-memory injection over every constructor and mutating operation of
 * include/clusterip/range.h (and the snapshot writers and the walk, which
 * may allocate), for dense ranges (an IPv4 /24 and /12, an IPv6 /108) and
 * a sparse one (an IPv6 /64), each with and without quarantine.
 *
 * The object is compared through its native snapshot (allocations and
 * quarantine with remaining times), its counters (cip_range_stats_get())
 * and, for the writers, the caller's output buffer and length.
 */
#include "cip_test.h"
#include "oom_alloc.h"

/* Times, in ns: allocations, releases into a 1 ms quarantine, the
 * operations under test (no quarantine is due yet) and a time at which
 * every quarantine is due. */
#define T_ALLOC 1000
#define T_RELEASE 2000
#define QUARANTINE_NS 1000000
#define NOW 3000
#define LATER 1000000000
#define SEED 42

/* The spread addresses: first usable + i * stride (modulo the size), in
 * distinct 64-address words when the stride is at least 64. The fixture
 * allocates 0..31 and releases 0..5; the operations use 10 (allocated), 0
 * (released) and 100 (free). 32 distinct words are exactly half of a
 * sparse range's first index table, so the next word bound makes the index
 * grow. */
#define SPREAD_ALLOCATED 32
#define SPREAD_RELEASED 6
#define SPREAD_FREE 100

/* A sparse index table stops taking new words at 7/8 of its 64 slots. */
#define INDEX_LIMIT 56

struct range_cfg {
	const char *name;
	const char *net;
	unsigned len;
	uint64_t stride;
	uint64_t quarantine_ns;
	int sparse;
	/* Sparse only: the index of allocated words (and with quarantine, of
	 * quarantine state words) was filled to its limit while every attempt
	 * to grow it failed, so that the next new word needs an allocation
	 * before it can be bound. */
	int starved;
};

static const struct range_cfg configs[] = {
	{ "v4/24", "10.0.0.0", 24, 7, 0, 0, 0 },
	{ "v4/24+q", "10.0.0.0", 24, 7, QUARANTINE_NS, 0, 0 },
	{ "v4/12", "10.96.0.0", 12, 64 * 37, 0, 0, 0 },
	{ "v4/12+q", "10.96.0.0", 12, 64 * 37, QUARANTINE_NS, 0, 0 },
	{ "v6/108", "fd00:10:96::", 108, 64 * 37, 0, 0, 0 },
	{ "v6/108+q", "fd00:10:96::", 108, 64 * 37, QUARANTINE_NS, 0, 0 },
	{ "v6/64", "fd00:1::", 64, 64 * 1000003, 0, 1, 0 },
	{ "v6/64+q", "fd00:1::", 64, 64 * 1000003, QUARANTINE_NS, 1, 0 },
	{ "v6/64 starved", "fd00:1::", 64, 64 * 1000003, 0, 1, 1 },
	{ "v6/64+q starved", "fd00:1::", 64, 64 * 1000003, QUARANTINE_NS, 1, 1 },
};

/* ------------------------------------------------------------------ */
/* Fixture                                                            */
/* ------------------------------------------------------------------ */

struct rfx {
	struct oom_alloc_fx a; /* the range under test (first: oom_alloc.h) */
	const struct range_cfg *cfg;
	char spec[CIP_PREFIX_STRLEN]; /* the CIDR of the RangeAllocation data */
};

static cip_prefix prefix_of(const struct range_cfg *c)
{
	return ct_prefix(c->net, c->len);
}

static cip_range_opts opts_of(const struct range_cfg *c)
{
	cip_range_opts o;

	assert_int_equal(cip_range_opts_init(&o, sizeof(o)), 0);
	o.seed = SEED;
	o.quarantine_ns = c->quarantine_ns;
	return o;
}

static cip_addr spread(const struct range_cfg *c, uint64_t i)
{
	cip_prefix p = prefix_of(c);
	cip_u128 size, off;
	cip_addr first, a;

	assert_int_equal(cip_service_range_usable(&size, &p, 0), 0);
	off = u128(0, i * c->stride % size.lo);
	assert_int_equal(cip_service_range_first(&first, &p, 0), 0);
	assert_int_equal(cip_addr_add(&a, &first, &off), 0);
	return a;
}

/* Address @p k * 8 past spread address @p i: the same engine word, another
 * quarantine state word (8 offsets each). */
static cip_addr neighbour(const struct range_cfg *c, uint64_t i, uint64_t k)
{
	cip_addr base = spread(c, i), a;
	cip_u128 off = u128(0, 8 * k);

	assert_int_equal(cip_addr_add(&a, &base, &off), 0);
	return a;
}

/* Fills the sparse indexes of @p r to their limit while nothing can be
 * allocated: 24 more words (32 are bound), and with quarantine 50 more
 * quarantine state words (6 are bound), in the engine words already
 * bound. */
static void starve(const struct range_cfg *c, cip_range *r, uint64_t from)
{
	cip_addr a;
	int n = SPREAD_RELEASED;

	oom_starve(1);
	for (uint64_t i = SPREAD_ALLOCATED; i < INDEX_LIMIT; i++) {
		a = spread(c, from + i);
		assert_int_equal(cip_range_allocate(r, &a, 0), 0);
	}
	for (uint64_t i = 0; c->quarantine_ns && n < INDEX_LIMIT; i++) {
		for (uint64_t k = 1; k < 8 && n < INDEX_LIMIT; k++, n++) {
			a = neighbour(c, from + i, k);
			assert_int_equal(cip_range_allocate(r, &a, 0), 0);
			assert_int_equal(cip_range_release(r, &a, T_RELEASE, 0), 0);
		}
	}
	oom_starve(0);
}

/* A range in a non-trivial state: spread addresses from @p from (some
 * released into quarantine), and for dense ranges a few from
 * allocate_next. */
static cip_range *populated(const struct range_cfg *c, uint64_t from)
{
	cip_prefix p = prefix_of(c);
	cip_range_opts o = opts_of(c);
	cip_range *r;
	cip_addr a;

	assert_int_equal(cip_range_new(&r, &p, &o), 0);
	for (uint64_t i = 0; i < SPREAD_ALLOCATED; i++) {
		a = spread(c, from + i);
		assert_int_equal(cip_range_allocate(r, &a, 0), 0);
	}
	for (uint64_t i = 0; i < SPREAD_RELEASED; i++) {
		a = spread(c, from + i);
		assert_int_equal(cip_range_release(r, &a, T_RELEASE, 0), 0);
	}
	for (int i = 0; !c->sparse && i < 8; i++)
		assert_int_equal(cip_range_allocate_next(r, T_ALLOC, 0, &a), 0);
	if (c->starved)
		starve(c, r, from);
	return r;
}

static int range_snapshot(const void *obj, uint64_t now, uint8_t *buf, size_t cap, size_t *len)
{
	return cip_range_snapshot(obj, now, buf, cap, len);
}

static int range_export_k8s(const void *obj, uint8_t *buf, size_t cap, size_t *len)
{
	return cip_range_export_k8s(obj, buf, cap, len);
}

static int range_stats(const void *obj, cip_range_stats *st)
{
	return cip_range_stats_get(obj, st);
}

static void range_free(void *obj)
{
	cip_range_free(obj);
}

static const struct oom_alloc_type range_type = {
	range_snapshot,
	range_export_k8s,
	range_stats,
	range_free,
};

static void *setup(const void *arg)
{
	struct rfx *f = calloc(1, sizeof(*f));
	cip_range *other;
	int rc;

	assert_non_null(f);
	f->cfg = arg;
	other = populated(f->cfg, 50);
	/* Room for any snapshot or export of the range under test. */
	rc = oom_alloc_fx_init(&f->a, &range_type, NOW, populated(f->cfg, 0), other, 1u << 17);
	assert_true(rc == 0 || (f->cfg->sparse && rc == CIP_EUNSUPPORTED));
	assert_true(cip_range_k8s_spec(other, f->spec, sizeof(f->spec)) > 0);
	cip_range_free(other);
	return f;
}

/* ------------------------------------------------------------------ */
/* Operations                                                         */
/* ------------------------------------------------------------------ */

static int op_new(void *fx)
{
	struct rfx *f = fx;
	cip_prefix p = prefix_of(f->cfg);
	cip_range_opts o = opts_of(f->cfg);
	cip_range *made = f->a.made;
	int rc = cip_range_new(&made, &p, &o);

	f->a.made = made;
	return rc;
}

static int op_new_from_snapshot(void *fx)
{
	struct rfx *f = fx;
	cip_range *made = f->a.made;
	int rc = cip_range_new_from_snapshot(&made, NOW, f->a.image, f->a.image_len, SEED);

	f->a.made = made;
	return rc;
}

static int op_allocate_next(void *fx)
{
	struct rfx *f = fx;
	cip_addr a;

	return cip_range_allocate_next(f->a.obj, NOW, 0, &a);
}

static int op_allocate_next_dry(void *fx)
{
	struct rfx *f = fx;
	cip_addr a;

	return cip_range_allocate_next(f->a.obj, NOW, CIP_ALLOC_DRY_RUN, &a);
}

static int op_allocate_free(void *fx)
{
	struct rfx *f = fx;
	cip_addr a = spread(f->cfg, SPREAD_FREE);

	return cip_range_allocate(f->a.obj, &a, 0);
}

/* Takes back an address in quarantine (a free one without quarantine). */
static int op_allocate_released(void *fx)
{
	struct rfx *f = fx;
	cip_addr a = spread(f->cfg, 0);

	return cip_range_allocate(f->a.obj, &a, 0);
}

static int op_release(void *fx)
{
	struct rfx *f = fx;
	cip_addr a = spread(f->cfg, 10);

	return cip_range_release(f->a.obj, &a, NOW, 0);
}

static int op_release_now(void *fx)
{
	struct rfx *f = fx;
	cip_addr a = spread(f->cfg, 10);

	return cip_range_release(f->a.obj, &a, NOW, CIP_RELEASE_NOW);
}

static int op_release_dry(void *fx)
{
	struct rfx *f = fx;
	cip_addr a = spread(f->cfg, 10);

	return cip_range_release(f->a.obj, &a, NOW, CIP_ALLOC_DRY_RUN);
}

static int op_expire(void *fx)
{
	struct rfx *f = fx;
	int rc = cip_range_expire(f->a.obj, LATER);

	return rc < 0 ? rc : 0;
}

static int op_restore(void *fx)
{
	struct rfx *f = fx;

	return cip_range_restore(f->a.obj, NOW, f->a.image, f->a.image_len);
}

static int op_import_k8s(void *fx)
{
	struct rfx *f = fx;

	return cip_range_import_k8s(f->a.obj, f->spec, strlen(f->spec), f->a.k8s, f->a.k8s_len);
}

static int op_snapshot(void *fx)
{
	struct rfx *f = fx;

	return cip_range_snapshot(f->a.obj, NOW, f->a.out, f->a.out_cap, &f->a.out_len);
}

static int op_export_k8s(void *fx)
{
	struct rfx *f = fx;

	return cip_range_export_k8s(f->a.obj, f->a.out, f->a.out_cap, &f->a.out_len);
}

static int count_visit(const cip_addr *a, void *ctx)
{
	(void)a;
	((struct oom_alloc_fx *)ctx)->visits++;
	return 0;
}

static int op_foreach(void *fx)
{
	struct rfx *f = fx;

	return cip_range_foreach(f->a.obj, count_visit, f);
}

/* ------------------------------------------------------------------ */
/* Cases                                                              */
/* ------------------------------------------------------------------ */

struct op_def {
	const char *name;
	int (*op)(void *fx);
	int constructor;
	/* The result on a sparse range, when it differs from 0. */
	int sparse_want;
	/* A sparse range's index may fail to grow while the call still
	 * succeeds (range.h, "Engines"; lib/u64map.h). */
	int sparse_tolerant;
};

static const struct op_def ops[] = {
	{ "new", op_new, 1, 0, 0 },
	{ "new_from_snapshot", op_new_from_snapshot, 1, 0, 1 },
	{ "allocate_next", op_allocate_next, 0, 0, 1 },
	{ "allocate_next dry-run", op_allocate_next_dry, 0, 0, 0 },
	{ "allocate free", op_allocate_free, 0, 0, 1 },
	{ "allocate released", op_allocate_released, 0, 0, 1 },
	{ "release", op_release, 0, 0, 1 },
	{ "release now", op_release_now, 0, 0, 0 },
	{ "release dry-run", op_release_dry, 0, 0, 0 },
	{ "expire", op_expire, 0, 0, 0 },
	{ "restore", op_restore, 0, 0, 1 },
	{ "import_k8s", op_import_k8s, 0, CIP_EUNSUPPORTED, 0 },
	{ "snapshot", op_snapshot, 0, 0, 0 },
	{ "export_k8s", op_export_k8s, 0, CIP_EUNSUPPORTED, 0 },
	{ "foreach", op_foreach, 0, 0, 0 },
};

static void test_range(void **state)
{
	static char names[ARRAY_LEN(configs)][ARRAY_LEN(ops)][80];
	struct oom_case cases[ARRAY_LEN(configs) * ARRAY_LEN(ops)];
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(configs); i++) {
		for (size_t k = 0; k < ARRAY_LEN(ops); k++) {
			const struct op_def *d = &ops[k];
			int sparse = configs[i].sparse;

			snprintf(names[i][k], sizeof(names[i][k]), "range %s %s", configs[i].name,
				 d->name);
			cases[n++] = (struct oom_case){
				.name = names[i][k],
				.setup = setup,
				.arg = &configs[i],
				.op = d->op,
				.snapshot = d->constructor ? oom_alloc_snapshot_made
							   : oom_alloc_snapshot,
				.teardown = oom_alloc_teardown,
				.want = sparse ? d->sparse_want : 0,
				.tolerant = sparse && d->sparse_tolerant,
			};
		}
	}
	oom_check_all(cases, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
