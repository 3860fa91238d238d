/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Out-of-memory injection over every constructor and mutating operation of
 * include/clusterip/pool.h: cip_pool_new(), adding, draining and removing
 * ranges (ServiceCIDRs), allocation (next, specific, dual-stack pairs) and
 * release.
 *
 * The fixture is a dual-stack pool: IPv4 10.0.0.0/24 with quarantine and
 * 10.96.0.0/12, a draining 10.1.0.0/24 and an empty draining 10.3.0.0/24;
 * IPv6 fd00:1::/64 (sparse), all holding addresses. In the "starved"
 * fixture the /64's index of allocated words was filled to its limit, with
 * every word full, while attempts to grow it failed: its next allocation
 * must allocate memory, so that an IPv6 allocation (alone or as the second
 * of a pair) meets the injected failure.
 *
 * The pool is compared through its ranges (CIDR and state per family, in
 * order) and, for each, its native snapshot and its gauges (used,
 * available, quarantined per band). The event counters (allocations,
 * releases) are left out: a pair whose second half fails counts the first
 * allocation and its undoing, as pool.h describes.
 */
#include "cip_test.h"
#include "oom.h"

#define T_ALLOC 1000
#define T_RELEASE 2000
#define QUARANTINE_NS 1000000
#define NOW 3000
#define SEED 7

/* The /64's spread words: first usable + i * stride, each its own word. */
#define V6_STRIDE (64 * UINT64_C(1000003))
#define V6_WORDS 32
#define INDEX_LIMIT 56 /* 7/8 of the first index table's 64 slots */

struct pool_cfg {
	const char *name;
	int starved;
};

static const struct pool_cfg configs[] = {
	{ "pool", 0 },
	{ "pool starved", 1 },
};

/* ------------------------------------------------------------------ */
/* Fixture                                                            */
/* ------------------------------------------------------------------ */

static cip_pool *const UNTOUCHED = (cip_pool *)(uintptr_t)0xA5A5A5A5;

struct plfx {
	const struct pool_cfg *cfg;
	cip_pool *p;
	cip_pool *made; /* a constructor's result; UNTOUCHED until then */
	cip_addr got[2];
	size_t count;
};

static cip_prefix cidr(const char *text)
{
	cip_prefix p;

	assert_int_equal(cip_prefix_parse(&p, text, strlen(text), 0, NULL), 0);
	return p;
}

static void add(cip_pool *p, const char *text, uint64_t quarantine_ns)
{
	cip_prefix pr = cidr(text);
	cip_range_opts o;

	assert_int_equal(cip_range_opts_init(&o, sizeof(o)), 0);
	o.quarantine_ns = quarantine_ns;
	assert_int_equal(cip_pool_add(p, &pr, &o), 0);
}

static cip_range *range_of(cip_pool *p, const char *text)
{
	cip_prefix pr = cidr(text);
	cip_range *r;

	assert_int_equal(cip_pool_range(p, &pr, &r), 0);
	return r;
}

/* Address @p k of word @p i of the /64. */
static cip_addr v6_at(uint64_t i, uint64_t k)
{
	cip_addr first = ct_addr("fd00:1::1"), a;
	cip_u128 off = u128(0, i * V6_STRIDE + k);

	assert_int_equal(cip_addr_add(&a, &first, &off), 0);
	return a;
}

/* Fills the /64's index (empty so far) to its limit with full words while
 * nothing can be allocated: the growth at half of it fails, and from the
 * limit on a new word needs memory. */
static void starve(cip_pool *p)
{
	cip_range *r = range_of(p, "fd00:1::/64");

	oom_starve(1);
	for (uint64_t i = 0; i < INDEX_LIMIT; i++) {
		for (uint64_t k = 0; k < 64; k++) {
			cip_addr a = v6_at(i, k);

			assert_int_equal(cip_range_allocate(r, &a, 0), 0);
		}
	}
	oom_starve(0);
}

static void *setup(const void *arg)
{
	struct plfx *f = calloc(1, sizeof(*f));
	cip_pool_opts o;
	cip_prefix pr;
	cip_addr a;

	assert_non_null(f);
	f->cfg = arg;
	f->made = UNTOUCHED;
	assert_int_equal(cip_pool_opts_init(&o, sizeof(o)), 0);
	o.seed = SEED;
	assert_int_equal(cip_pool_new(&f->p, &o), 0);
	add(f->p, "10.0.0.0/24", QUARANTINE_NS);
	add(f->p, "10.96.0.0/12", 0);
	add(f->p, "10.1.0.0/24", 0);
	add(f->p, "10.3.0.0/24", 0);
	add(f->p, "fd00:1::/64", 0);
	for (int i = 0; i < 12; i++)
		assert_int_equal(cip_pool_allocate_next(f->p, CIP_FAMILY_IPV4, T_ALLOC, 0, &a), 0);
	if (f->cfg->starved)
		starve(f->p);
	for (int i = 0; !f->cfg->starved && i < 12; i++)
		assert_int_equal(cip_pool_allocate_next(f->p, CIP_FAMILY_IPV6, T_ALLOC, 0, &a), 0);
	for (uint64_t i = 0; !f->cfg->starved && i < V6_WORDS; i++) {
		a = v6_at(i, 0);
		assert_int_equal(cip_pool_allocate(f->p, &a, 0), 0);
	}
	for (int i = 1; i <= 6; i++) {
		char text[32];

		snprintf(text, sizeof(text), "10.0.0.%d", i);
		a = ct_addr(text);
		assert_int_equal(cip_pool_allocate(f->p, &a, 0), 0);
		if (i <= 3)
			assert_int_equal(cip_pool_release(f->p, &a, T_RELEASE, 0), 0);
	}
	a = ct_addr("10.1.0.9");
	assert_int_equal(cip_pool_allocate(f->p, &a, 0), 0);
	pr = cidr("10.1.0.0/24");
	assert_int_equal(cip_pool_drain(f->p, &pr), 0);
	pr = cidr("10.3.0.0/24");
	assert_int_equal(cip_pool_drain(f->p, &pr), 0);
	return f;
}

static void teardown(void *fx)
{
	struct plfx *f = fx;

	cip_pool_free(f->p);
	if (f->made != UNTOUCHED)
		cip_pool_free(f->made);
	free(f);
}

struct dump {
	const cip_pool *p;
	struct oom_buf *out;
};

static void band_gauges(struct oom_buf *out, const char *band, const cip_band_stats *s)
{
	oom_buf_printf(out, "  %s size=%llu used=%llu available=%llu quarantined=%llu\n", band,
		       (unsigned long long)s->size, (unsigned long long)s->used,
		       (unsigned long long)s->available, (unsigned long long)s->quarantined);
}

static int dump_range(const cip_prefix *pr, int state, void *ctx)
{
	struct dump *d = ctx;
	char text[CIP_PREFIX_STRLEN];
	cip_range_stats st;
	cip_range *r;
	size_t len = 0;
	uint8_t *snap;

	assert_true(cip_prefix_format(pr, text, sizeof(text)) > 0);
	oom_buf_printf(d->out, "%s state=%d\n", text, state);
	assert_int_equal(cip_pool_range(d->p, pr, &r), 0);
	memset(&st, 0, sizeof(st));
	st.sz = sizeof(st);
	assert_int_equal(cip_range_stats_get(r, &st), 0);
	band_gauges(d->out, "static", &st.static_band);
	band_gauges(d->out, "dynamic", &st.dynamic_band);
	assert_int_equal(cip_range_snapshot(r, NOW, NULL, 0, &len), CIP_EBUFSIZE);
	snap = malloc(len);
	assert_non_null(snap);
	assert_int_equal(cip_range_snapshot(r, NOW, snap, len, &len), 0);
	oom_buf_printf(d->out, "  snapshot %zu bytes: ", len);
	oom_buf_hex(d->out, snap, len);
	oom_buf_printf(d->out, "\n");
	free(snap);
	return 0;
}

static void pool_state(const cip_pool *p, struct oom_buf *out)
{
	static const int families[] = { CIP_FAMILY_IPV4, CIP_FAMILY_IPV6 };
	struct dump d = { p, out };

	for (size_t i = 0; i < ARRAY_LEN(families); i++) {
		uint64_t used = 0, available = 0;

		assert_int_equal(cip_pool_used(p, families[i], &used), 0);
		assert_int_equal(cip_pool_available(p, families[i], &available), 0);
		oom_buf_printf(out, "family %d used=%llu available=%llu\n", families[i],
			       (unsigned long long)used, (unsigned long long)available);
		assert_int_equal(cip_pool_foreach_range(p, families[i], dump_range, &d), 0);
	}
}

/* The pool and what the call wrote out (an allocation's addresses). */
static void snapshot(void *fx, struct oom_buf *out)
{
	struct plfx *f = fx;

	pool_state(f->p, out);
	oom_buf_put(out, f->got, sizeof(f->got));
	oom_buf_put(out, &f->count, sizeof(f->count));
}

static void snapshot_made(void *fx, struct oom_buf *out)
{
	struct plfx *f = fx;

	if (f->made == UNTOUCHED)
		oom_buf_printf(out, "none");
	else
		pool_state(f->made, out);
}

/* ------------------------------------------------------------------ */
/* Operations                                                         */
/* ------------------------------------------------------------------ */

static int op_new(void *fx)
{
	struct plfx *f = fx;
	cip_pool_opts o;

	assert_int_equal(cip_pool_opts_init(&o, sizeof(o)), 0);
	o.seed = SEED;
	return cip_pool_new(&f->made, &o);
}

static int add_op(void *fx, const char *text, uint64_t quarantine_ns)
{
	struct plfx *f = fx;
	cip_prefix pr = cidr(text);
	cip_range_opts o;

	assert_int_equal(cip_range_opts_init(&o, sizeof(o)), 0);
	o.quarantine_ns = quarantine_ns;
	return cip_pool_add(f->p, &pr, &o);
}

static int op_add_v4_24(void *fx)
{
	return add_op(fx, "10.2.0.0/24", QUARANTINE_NS);
}

static int op_add_v4_12(void *fx)
{
	return add_op(fx, "10.112.0.0/12", 0);
}

static int op_add_v6_108(void *fx)
{
	return add_op(fx, "fd00:2::/108", QUARANTINE_NS);
}

static int op_add_v6_64(void *fx)
{
	return add_op(fx, "fd00:3::/64", QUARANTINE_NS);
}

static int op_drain(void *fx)
{
	cip_prefix pr = cidr("10.96.0.0/12");

	return cip_pool_drain(((struct plfx *)fx)->p, &pr);
}

static int op_remove(void *fx)
{
	cip_prefix pr = cidr("10.3.0.0/24");

	return cip_pool_remove(((struct plfx *)fx)->p, &pr);
}

static int next_op(void *fx, int family, unsigned flags)
{
	struct plfx *f = fx;

	return cip_pool_allocate_next(f->p, family, NOW, flags, &f->got[0]);
}

static int op_next_v4(void *fx)
{
	return next_op(fx, CIP_FAMILY_IPV4, 0);
}

static int op_next_v6(void *fx)
{
	return next_op(fx, CIP_FAMILY_IPV6, 0);
}

static int op_next_v6_dry(void *fx)
{
	return next_op(fx, CIP_FAMILY_IPV6, CIP_ALLOC_DRY_RUN);
}

static int op_allocate_v4(void *fx)
{
	cip_addr a = ct_addr("10.96.1.1");

	return cip_pool_allocate(((struct plfx *)fx)->p, &a, 0);
}

/* An address in a word of the /64 that no allocation bound yet. */
static int op_allocate_v6(void *fx)
{
	cip_addr a = v6_at(1000, 5);

	return cip_pool_allocate(((struct plfx *)fx)->p, &a, 0);
}

static int op_release_v4(void *fx)
{
	cip_addr a = ct_addr("10.0.0.5");

	return cip_pool_release(((struct plfx *)fx)->p, &a, NOW, 0);
}

static int op_release_draining(void *fx)
{
	cip_addr a = ct_addr("10.1.0.9");

	return cip_pool_release(((struct plfx *)fx)->p, &a, NOW, 0);
}

static int op_release_v6(void *fx)
{
	cip_addr a = v6_at(3, 0);

	return cip_pool_release(((struct plfx *)fx)->p, &a, NOW, 0);
}

static int pair_op(void *fx, int policy, int primary)
{
	struct plfx *f = fx;

	return cip_pool_allocate_pair(f->p, policy, primary, NOW, 0, f->got, &f->count);
}

static int op_pair_single(void *fx)
{
	return pair_op(fx, CIP_SINGLE_STACK, CIP_FAMILY_IPV6);
}

static int op_pair_prefer(void *fx)
{
	return pair_op(fx, CIP_PREFER_DUAL_STACK, CIP_FAMILY_IPV4);
}

static int op_pair_require_v4(void *fx)
{
	return pair_op(fx, CIP_REQUIRE_DUAL_STACK, CIP_FAMILY_IPV4);
}

static int op_pair_require_v6(void *fx)
{
	return pair_op(fx, CIP_REQUIRE_DUAL_STACK, CIP_FAMILY_IPV6);
}

/* ------------------------------------------------------------------ */
/* Cases                                                              */
/* ------------------------------------------------------------------ */

struct op_def {
	const char *name;
	int (*op)(void *fx);
	int constructor;
	/* Through the /64, whose index may fail to grow while the call
	 * still succeeds (range.h, "Engines"; lib/u64map.h). */
	int tolerant;
};

static const struct op_def ops[] = {
	{ "new", op_new, 1, 0 },
	{ "add v4/24+q", op_add_v4_24, 0, 0 },
	{ "add v4/12", op_add_v4_12, 0, 0 },
	{ "add v6/108+q", op_add_v6_108, 0, 0 },
	{ "add v6/64+q", op_add_v6_64, 0, 0 },
	{ "drain", op_drain, 0, 0 },
	{ "remove", op_remove, 0, 0 },
	{ "allocate_next v4", op_next_v4, 0, 0 },
	{ "allocate_next v6", op_next_v6, 0, 1 },
	{ "allocate_next v6 dry-run", op_next_v6_dry, 0, 0 },
	{ "allocate v4", op_allocate_v4, 0, 0 },
	{ "allocate v6", op_allocate_v6, 0, 1 },
	{ "release v4 into quarantine", op_release_v4, 0, 0 },
	{ "release in a draining range", op_release_draining, 0, 0 },
	{ "release v6", op_release_v6, 0, 0 },
	{ "pair single-stack v6", op_pair_single, 0, 1 },
	{ "pair prefer-dual-stack v4", op_pair_prefer, 0, 1 },
	{ "pair require-dual-stack v4", op_pair_require_v4, 0, 1 },
	{ "pair require-dual-stack v6", op_pair_require_v6, 0, 1 },
};

static void test_pool(void **state)
{
	static char names[ARRAY_LEN(configs)][ARRAY_LEN(ops)][80];
	struct oom_case cases[ARRAY_LEN(configs) * ARRAY_LEN(ops)];
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(configs); i++) {
		for (size_t k = 0; k < ARRAY_LEN(ops); k++) {
			snprintf(names[i][k], sizeof(names[i][k]), "%s %s", configs[i].name,
				 ops[k].name);
			cases[n++] = (struct oom_case){
				.name = names[i][k],
				.setup = setup,
				.arg = &configs[i],
				.op = ops[k].op,
				.snapshot = ops[k].constructor ? snapshot_made : snapshot,
				.teardown = teardown,
				.want = 0,
				.tolerant = ops[k].tolerant,
			};
		}
	}
	oom_check_all(cases, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
