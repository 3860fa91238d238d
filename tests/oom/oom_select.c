/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Out-of-memory injection over the readers of include/clusterip/table.h
 * and include/clusterip/select.h that change state or might allocate:
 * cip_table_select() under every policy (round-robin counters, per-thread
 * positions, Maglev, weighted schedules, ClientIP affinity entries, the
 * failover reset), cip_table_affinity_expire(), DNS answers (the PTR
 * answer gathers several entries), batch lookups and name lookups. None
 * of them is documented to return CIP_ENOMEM, so each must make no
 * allocation at all: the harness then succeeds at the first point, and
 * compares the table with the uninjected run's.
 *
 * The selection state a select writes (counters, affinity entries) is in
 * the dump of table_world.c only as affinity counts; the chosen backend is
 * compared too, except under the two policies whose choice comes from a
 * per-thread generator that no seed sets.
 */
#include "cip_test.h"
#include "table_world.h"

static const struct world_cfg configs[] = {
	{ "round-robin", CIP_LB_ROUND_ROBIN, 0 },
	{ "per-thread", CIP_LB_ROUND_ROBIN_PER_THREAD, 0 },
	{ "random", CIP_LB_RANDOM, 0 },
	{ "maglev", CIP_LB_MAGLEV, 0 },
	{ "weighted", CIP_LB_WEIGHTED_ROUND_ROBIN, 0 },
};

#define LATER (NOW + 3600ULL * 1000000000ULL)

/* Keeps the backend a select chose, as far as it is reproducible. */
static int keep(struct world *w, int rc, const cip_backend *b)
{
	if (rc != 0)
		return rc;
	w->backend = *b;
	if (w->cfg->lb_policy == CIP_LB_RANDOM ||
	    w->cfg->lb_policy == CIP_LB_ROUND_ROBIN_PER_THREAD) {
		memset(&w->backend.addr, 0, sizeof(w->backend.addr));
		w->backend.port = 0;
		w->backend.index = 0;
		w->backend.node = w->backend.zone = w->backend.weight = 0;
	}
	return 0;
}

static int select_vip(void *fx, const char *vip, uint16_t port, const char *client, unsigned flags)
{
	struct world *w = fx;
	cip_select_request r;
	cip_backend b;

	memset(&r, 0, sizeof(r));
	r.vip = world_addr(vip);
	r.port = port;
	r.protocol = CIP_PROTO_TCP;
	r.flags = (uint8_t)flags;
	if (client)
		r.client = world_addr(client);
	r.client_port = 40000;
	r.now = NOW;
	return keep(w, cip_table_select(w->t, &r, &b), &b);
}

/* manual: explicit endpoints, ClientIP affinity, the table's policy. */
static int op_select_affinity_new(void *fx)
{
	return select_vip(fx, "10.96.0.200", 80, "192.0.2.200", 0);
}

static int op_select_affinity_known(void *fx)
{
	return select_vip(fx, "10.96.0.200", 80, "192.0.2.77", 0);
}

static int op_select_affinity_reset(void *fx)
{
	return select_vip(fx, "10.96.0.200", 80, "192.0.2.77", CIP_SELECT_RESET_AFFINITY);
}

static int op_select_no_client(void *fx)
{
	return select_vip(fx, "10.96.0.200", 80, NULL, 0);
}

/* api by its node port: pods, the table's policy. */
static int op_select_node_port(void *fx)
{
	struct world *w = fx;
	cip_service_port_info p;
	cip_service_info s;
	cip_select_request r;
	cip_backend b;

	assert_int_equal(cip_table_service_get(w->t, "default", "api", &s, &p, 1), 0);
	memset(&r, 0, sizeof(r));
	r.port = p.node_port;
	r.protocol = CIP_PROTO_TCP;
	r.flags = CIP_SELECT_NODE_PORT;
	r.client = world_addr("198.51.100.1");
	r.now = NOW;
	return keep(w, cip_table_select(w->t, &r, &b), &b);
}

/* lbsvc: Local traffic policy with zone hints, from node-b. */
static int op_select_local(void *fx)
{
	struct world *w = fx;
	cip_service_info s;
	cip_select_request r;
	cip_backend b;

	assert_int_equal(cip_table_service_get(w->t, "default", "lbsvc", &s, NULL, 0), 0);
	memset(&r, 0, sizeof(r));
	r.vip = s.cluster_ips[0];
	r.port = 9000;
	r.protocol = CIP_PROTO_TCP;
	r.node = world_name_id(w, "node-b");
	r.zone = world_name_id(w, "zone-2");
	r.now = NOW;
	return keep(w, cip_table_select(w->t, &r, &b), &b);
}

static int op_affinity_expire(void *fx)
{
	int rc = cip_table_affinity_expire(((struct world *)fx)->t, LATER);

	return rc < 0 ? rc : 0;
}

static int resolve(void *fx, const char *name, int qtype, const char *client_ns)
{
	struct world *w = fx;
	cip_dns_record rec[16];
	size_t n = 0;
	int rc = cip_table_dns_resolve(w->t, name, strlen(name), qtype, client_ns, rec, 16, &n);

	w->n = n;
	return rc;
}

static int op_dns_a(void *fx)
{
	return resolve(fx, "web.default.svc.cluster.local", CIP_DNS_A, NULL);
}

static int op_dns_search(void *fx)
{
	return resolve(fx, "manual.other", CIP_DNS_ANY, "default");
}

static int op_dns_srv(void *fx)
{
	return resolve(fx, "_http._tcp.hl.default.svc.cluster.local", CIP_DNS_SRV, NULL);
}

static int op_dns_ptr(void *fx)
{
	return resolve(fx, "1.1.244.10.in-addr.arpa", CIP_DNS_PTR, NULL);
}

static int op_dns_cname(void *fx)
{
	return resolve(fx, "ext.default.svc.cluster.local.", CIP_DNS_A, NULL);
}

static int op_lookup_batch(void *fx)
{
	struct world *w = fx;
	cip_endpoint eps[2][8];
	cip_lookup q[2];
	int rc;

	memset(q, 0, sizeof(q));
	q[0].vip = world_addr("10.96.0.200");
	q[0].port = 80;
	q[0].protocol = CIP_PROTO_TCP;
	q[0].eps = eps[0];
	q[0].cap = 8;
	q[1].port = 31000;
	q[1].protocol = CIP_PROTO_TCP;
	q[1].flags = CIP_LOOKUP_NODE_PORT;
	q[1].eps = eps[1];
	q[1].cap = 8;
	rc = cip_table_lookup_batch(w->t, q, 2);
	if (rc < 0)
		return rc;
	w->n = (size_t)rc;
	return 0;
}

static int op_names(void *fx)
{
	struct world *w = fx;
	char text[CIP_SUBDOMAIN_CAP];
	uint32_t id = 0;
	int rc = cip_table_name_id(w->t, "zone-2", &id);

	if (rc == 0)
		rc = cip_table_name(w->t, id, text, sizeof(text));
	if (rc < 0)
		return rc;
	w->n = id;
	return 0;
}

struct op_def {
	const char *name;
	int (*op)(void *fx);
};

static const struct op_def ops[] = {
	{ "select, new affine client", op_select_affinity_new },
	{ "select, known affine client", op_select_affinity_known },
	{ "select, affinity reset", op_select_affinity_reset },
	{ "select without client", op_select_no_client },
	{ "select by node port", op_select_node_port },
	{ "select Local with hints", op_select_local },
	{ "affinity_expire", op_affinity_expire },
	{ "dns A", op_dns_a },
	{ "dns search path", op_dns_search },
	{ "dns SRV", op_dns_srv },
	{ "dns PTR", op_dns_ptr },
	{ "dns CNAME", op_dns_cname },
	{ "lookup_batch", op_lookup_batch },
	{ "name_id and name", op_names },
};

static void test_select(void **state)
{
	static char names[ARRAY_LEN(configs)][ARRAY_LEN(ops)][96];
	static struct oom_case cases[ARRAY_LEN(configs) * ARRAY_LEN(ops)];
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(configs); i++) {
		for (size_t k = 0; k < ARRAY_LEN(ops); k++) {
			snprintf(names[i][k], sizeof(names[i][k]), "select %s %s", configs[i].name,
				 ops[k].name);
			cases[n++] = (struct oom_case){
				.name = names[i][k],
				.setup = world_setup,
				.arg = &configs[i],
				.op = ops[k].op,
				.snapshot = world_snapshot,
				.teardown = world_teardown,
				.want = 0,
			};
		}
	}
	oom_check_all(cases, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
