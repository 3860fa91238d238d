/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Out-of-memory injection over every constructor and mutating operation of
 * include/clusterip/ports.h (and the snapshot writers and the walk), for
 * the default node-port range and the whole port space, each with and
 * without quarantine.
 *
 * The object is compared through its native snapshot (allocations and
 * quarantine with remaining times), its counters (cip_ports_stats_get())
 * and, for the writers, the caller's output buffer and length.
 */
#include "cip_test.h"
#include "oom_alloc.h"

/* Times, in ns, as in oom_range.c. */
#define T_ALLOC 1000
#define T_RELEASE 2000
#define QUARANTINE_NS 1000000
#define NOW 3000
#define LATER 1000000000
#define SEED 42

/* The spread ports: base + i * 7 (modulo the size). The fixture allocates
 * 0..31 and releases 0..5; the operations use 10 (allocated), 0
 * (released) and 100 (free). */
#define SPREAD_ALLOCATED 32
#define SPREAD_RELEASED 6
#define SPREAD_FREE 100

struct ports_cfg {
	const char *name;
	const char *range;
	uint64_t quarantine_ns;
};

static const struct ports_cfg configs[] = {
	{ "30000-32767", "30000-32767", 0 },
	{ "30000-32767+q", "30000-32767", QUARANTINE_NS },
	{ "1-65535", "1-65535", 0 },
	{ "1-65535+q", "1-65535", QUARANTINE_NS },
};

/* ------------------------------------------------------------------ */
/* Fixture                                                            */
/* ------------------------------------------------------------------ */

struct pfx {
	struct oom_alloc_fx a; /* the ports under test (first: oom_alloc.h) */
	const struct ports_cfg *cfg;
	cip_port_range pr;
	char spec[CIP_PORT_RANGE_STRLEN]; /* the range of the RangeAllocation data */
};

static cip_port_range range_of(const struct ports_cfg *c)
{
	cip_port_range pr;

	assert_int_equal(cip_port_range_parse(&pr, c->range, strlen(c->range), NULL), 0);
	return pr;
}

static cip_ports_opts opts_of(const struct ports_cfg *c)
{
	cip_ports_opts o;

	assert_int_equal(cip_ports_opts_init(&o, sizeof(o)), 0);
	o.seed = SEED;
	o.quarantine_ns = c->quarantine_ns;
	return o;
}

static uint32_t spread(const struct ports_cfg *c, uint32_t i)
{
	cip_port_range pr = range_of(c);

	return pr.base + i * 7 % pr.size;
}

/* A port allocator in a non-trivial state: spread ports from @p from
 * (some released into quarantine) and a few from allocate_next. */
static cip_ports *populated(const struct ports_cfg *c, uint32_t from)
{
	cip_port_range pr = range_of(c);
	cip_ports_opts o = opts_of(c);
	cip_ports *p;
	uint32_t port;

	assert_int_equal(cip_ports_new(&p, &pr, &o), 0);
	for (uint32_t i = 0; i < SPREAD_ALLOCATED; i++)
		assert_int_equal(cip_ports_allocate(p, spread(c, from + i), 0), 0);
	for (uint32_t i = 0; i < SPREAD_RELEASED; i++)
		assert_int_equal(cip_ports_release(p, spread(c, from + i), T_RELEASE, 0), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(cip_ports_allocate_next(p, T_ALLOC, 0, &port), 0);
	return p;
}

static int ports_snapshot(const void *obj, uint64_t now, uint8_t *buf, size_t cap, size_t *len)
{
	return cip_ports_snapshot(obj, now, buf, cap, len);
}

static int ports_export_k8s(const void *obj, uint8_t *buf, size_t cap, size_t *len)
{
	return cip_ports_export_k8s(obj, buf, cap, len);
}

static int ports_stats(const void *obj, cip_range_stats *st)
{
	return cip_ports_stats_get(obj, st);
}

static void ports_free(void *obj)
{
	cip_ports_free(obj);
}

static const struct oom_alloc_type ports_type = {
	ports_snapshot,
	ports_export_k8s,
	ports_stats,
	ports_free,
};

static void *setup(const void *arg)
{
	struct pfx *f = calloc(1, sizeof(*f));
	cip_ports *other;

	assert_non_null(f);
	f->cfg = arg;
	f->pr = range_of(f->cfg);
	other = populated(f->cfg, 50);
	assert_int_equal(
		oom_alloc_fx_init(&f->a, &ports_type, NOW, populated(f->cfg, 0), other, 1u << 14),
		0);
	assert_true(cip_port_range_format(&f->pr, f->spec, sizeof(f->spec)) > 0);
	cip_ports_free(other);
	return f;
}

/* ------------------------------------------------------------------ */
/* Operations                                                         */
/* ------------------------------------------------------------------ */

static int op_new(void *fx)
{
	struct pfx *f = fx;
	cip_ports_opts o = opts_of(f->cfg);
	cip_ports *made = f->a.made;
	int rc = cip_ports_new(&made, &f->pr, &o);

	f->a.made = made;
	return rc;
}

static int op_new_from_snapshot(void *fx)
{
	struct pfx *f = fx;
	cip_ports *made = f->a.made;
	int rc = cip_ports_new_from_snapshot(&made, NOW, f->a.image, f->a.image_len, SEED);

	f->a.made = made;
	return rc;
}

static int op_allocate_next(void *fx)
{
	uint32_t port;

	return cip_ports_allocate_next(((struct pfx *)fx)->a.obj, NOW, 0, &port);
}

static int op_allocate_next_dry(void *fx)
{
	uint32_t port;

	return cip_ports_allocate_next(((struct pfx *)fx)->a.obj, NOW, CIP_ALLOC_DRY_RUN, &port);
}

static int op_allocate_free(void *fx)
{
	struct pfx *f = fx;

	return cip_ports_allocate(f->a.obj, spread(f->cfg, SPREAD_FREE), 0);
}

/* Takes back a port in quarantine (a free one without quarantine). */
static int op_allocate_released(void *fx)
{
	struct pfx *f = fx;

	return cip_ports_allocate(f->a.obj, spread(f->cfg, 0), 0);
}

static int op_release(void *fx)
{
	struct pfx *f = fx;

	return cip_ports_release(f->a.obj, spread(f->cfg, 10), NOW, 0);
}

static int op_release_now(void *fx)
{
	struct pfx *f = fx;

	return cip_ports_release(f->a.obj, spread(f->cfg, 10), NOW, CIP_RELEASE_NOW);
}

static int op_release_dry(void *fx)
{
	struct pfx *f = fx;

	return cip_ports_release(f->a.obj, spread(f->cfg, 10), NOW, CIP_ALLOC_DRY_RUN);
}

static int op_expire(void *fx)
{
	int rc = cip_ports_expire(((struct pfx *)fx)->a.obj, LATER);

	return rc < 0 ? rc : 0;
}

static int op_restore(void *fx)
{
	struct pfx *f = fx;

	return cip_ports_restore(f->a.obj, NOW, f->a.image, f->a.image_len);
}

static int op_import_k8s(void *fx)
{
	struct pfx *f = fx;

	return cip_ports_import_k8s(f->a.obj, f->spec, strlen(f->spec), f->a.k8s, f->a.k8s_len);
}

static int op_snapshot(void *fx)
{
	struct pfx *f = fx;

	return cip_ports_snapshot(f->a.obj, NOW, f->a.out, f->a.out_cap, &f->a.out_len);
}

static int op_export_k8s(void *fx)
{
	struct pfx *f = fx;

	return cip_ports_export_k8s(f->a.obj, f->a.out, f->a.out_cap, &f->a.out_len);
}

static int count_visit(uint32_t port, void *ctx)
{
	(void)port;
	((struct oom_alloc_fx *)ctx)->visits++;
	return 0;
}

static int op_foreach(void *fx)
{
	struct pfx *f = fx;

	return cip_ports_foreach(f->a.obj, count_visit, f);
}

/* ------------------------------------------------------------------ */
/* Cases                                                              */
/* ------------------------------------------------------------------ */

struct op_def {
	const char *name;
	int (*op)(void *fx);
	int constructor;
};

static const struct op_def ops[] = {
	{ "new", op_new, 1 },
	{ "new_from_snapshot", op_new_from_snapshot, 1 },
	{ "allocate_next", op_allocate_next, 0 },
	{ "allocate_next dry-run", op_allocate_next_dry, 0 },
	{ "allocate free", op_allocate_free, 0 },
	{ "allocate released", op_allocate_released, 0 },
	{ "release", op_release, 0 },
	{ "release now", op_release_now, 0 },
	{ "release dry-run", op_release_dry, 0 },
	{ "expire", op_expire, 0 },
	{ "restore", op_restore, 0 },
	{ "import_k8s", op_import_k8s, 0 },
	{ "snapshot", op_snapshot, 0 },
	{ "export_k8s", op_export_k8s, 0 },
	{ "foreach", op_foreach, 0 },
};

static void test_ports(void **state)
{
	static char names[ARRAY_LEN(configs)][ARRAY_LEN(ops)][80];
	struct oom_case cases[ARRAY_LEN(configs) * ARRAY_LEN(ops)];
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(configs); i++) {
		for (size_t k = 0; k < ARRAY_LEN(ops); k++) {
			snprintf(names[i][k], sizeof(names[i][k]), "ports %s %s", configs[i].name,
				 ops[k].name);
			cases[n++] = (struct oom_case){
				.name = names[i][k],
				.setup = setup,
				.arg = &configs[i],
				.op = ops[k].op,
				.snapshot = ops[k].constructor ? oom_alloc_snapshot_made
							       : oom_alloc_snapshot,
				.teardown = oom_alloc_teardown,
				.want = 0,
				.tolerant = 0,
			};
		}
	}
	oom_check_all(cases, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
