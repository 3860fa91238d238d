/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Out-of-memory injection over every constructor and writer of
 * include/clusterip/table.h: cip_table_new(), service create, update and
 * delete, pod apply and delete, and explicit endpoints, each against the
 * populated fixture of table_world.c. The writers build the selection
 * states of the services they touch (round-robin orders and counters,
 * Maglev tables, weighted schedules, ClientIP affinity maps): one writer
 * of each kind runs under every policy; those that allocate an IPv6
 * ClusterIP run once more with a pool whose IPv6 range needs memory for
 * it.
 *
 * "Unchanged" is the dump of table_world.c: the table, the pool and the
 * node ports as the public read API shows them.
 */
#include "cip_test.h"
#include "table_world.h"

static const struct world_cfg configs[] = {
	{ "round-robin", CIP_LB_ROUND_ROBIN, 0 },
	/* Per-thread round-robin builds what random builds: plain lists. */
	{ "random", CIP_LB_RANDOM, 0 },
	{ "maglev", CIP_LB_MAGLEV, 0 },
	{ "weighted", CIP_LB_WEIGHTED_ROUND_ROBIN, 0 },
	{ "starved-v6", CIP_LB_ROUND_ROBIN, STARVED_ALLOCATION },
	{ "starved-v6-quarantine", CIP_LB_ROUND_ROBIN, STARVED_QUARANTINE },
};

static const cip_service_port http = { "http", CIP_PROTO_TCP, 80, 8080, NULL, 0 };

static int create(void *fx, const cip_service_spec *s)
{
	cip_spec_error err;

	memset(&err, 0, sizeof(err));
	err.sz = sizeof(err);
	return cip_table_service_create(((struct world *)fx)->t, s, NOW, &err);
}

static int update(void *fx, const cip_service_spec *s)
{
	cip_spec_error err;

	memset(&err, 0, sizeof(err));
	err.sz = sizeof(err);
	return cip_table_service_update(((struct world *)fx)->t, s, NOW, &err);
}

/* ------------------------------------------------------------------ */
/* Constructor                                                        */
/* ------------------------------------------------------------------ */

static int op_table_new(void *fx)
{
	struct world *w = fx;
	cip_table_opts o;

	assert_int_equal(cip_table_opts_init(&o, sizeof(o)), 0);
	o.pool = w->pool;
	o.node_ports = w->ports;
	o.lb_policy = w->cfg->lb_policy;
	o.seed = 11;
	o.cluster_domain = "example.internal";
	return cip_table_new(&w->made, &o);
}

/* ------------------------------------------------------------------ */
/* Creates                                                            */
/* ------------------------------------------------------------------ */

static int op_create_auto(void *fx)
{
	cip_service_spec s = world_service_spec("default", "new");

	s.ports = &http;
	s.nports = 1;
	s.selector = world_app_web;
	s.nselector = 1;
	return create(fx, &s);
}

static int op_create_dual(void *fx)
{
	static const cip_service_port ports[] = {
		{ "http", CIP_PROTO_TCP, 80, 8080, NULL, 0 },
		{ "https", CIP_PROTO_TCP, 443, 0, "https", 0 },
	};
	cip_service_spec s = world_service_spec("default", "new");

	s.ports = ports;
	s.nports = ARRAY_LEN(ports);
	s.selector = world_app_web;
	s.nselector = 1;
	s.ip_family_policy = CIP_REQUIRE_DUAL_STACK;
	return create(fx, &s);
}

static int op_create_requested(void *fx)
{
	cip_addr ip = world_addr("10.96.0.201");
	cip_service_spec s = world_service_spec("default", "new");

	s.ports = &http;
	s.nports = 1;
	s.selector = world_app_api;
	s.nselector = 1;
	s.cluster_ips = &ip;
	s.ncluster_ips = 1;
	return create(fx, &s);
}

static int op_create_node_port(void *fx)
{
	static const cip_service_port ports[] = {
		{ "tcp", CIP_PROTO_TCP, 9090, 0, NULL, 0 },
		{ "udp", CIP_PROTO_UDP, 9090, 0, NULL, 0 },
		{ "fixed", CIP_PROTO_TCP, 8080, 0, NULL, 31001 },
	};
	cip_service_spec s = world_service_spec("default", "new");

	s.type = CIP_SERVICE_NODE_PORT;
	s.ports = ports;
	s.nports = ARRAY_LEN(ports);
	s.selector = world_app_api;
	s.nselector = 1;
	return create(fx, &s);
}

/* A new namespace and a new selector term. */
static int op_create_headless_fresh(void *fx)
{
	static const cip_label tier[] = { { "tier", "db" }, { "app", "web" } };
	cip_service_spec s = world_service_spec("fresh", "new");

	s.headless = 1;
	s.ports = &http;
	s.nports = 1;
	s.selector = tier;
	s.nselector = ARRAY_LEN(tier);
	return create(fx, &s);
}

static int op_create_external(void *fx)
{
	cip_service_spec s = world_service_spec("default", "new");

	s.type = CIP_SERVICE_EXTERNAL_NAME;
	s.external_name = "db.example.com.";
	return create(fx, &s);
}

static int op_create_manual(void *fx)
{
	cip_service_spec s = world_service_spec("default", "new");

	s.ports = &http;
	s.nports = 1;
	return create(fx, &s);
}

static int op_create_maglev_affinity(void *fx)
{
	cip_service_spec s = world_service_spec("default", "new");

	s.ports = &http;
	s.nports = 1;
	s.selector = world_app_web;
	s.nselector = 1;
	s.ip_family_policy = CIP_PREFER_DUAL_STACK;
	s.lb_policy = CIP_LB_MAGLEV;
	s.session_affinity = CIP_AFFINITY_CLIENT_IP;
	return create(fx, &s);
}

/* ------------------------------------------------------------------ */
/* Updates and deletes                                                */
/* ------------------------------------------------------------------ */

/* web with one more port and another affinity timeout: new selection
 * states that keep the affinity map. */
static int op_update_web_ports(void *fx)
{
	cip_service_port ports[ARRAY_LEN(world_web_ports) + 1];
	cip_service_spec s = world_service_spec("default", "web");

	memcpy(ports, world_web_ports, sizeof(world_web_ports));
	ports[ARRAY_LEN(world_web_ports)] =
		(cip_service_port){ "alt", CIP_PROTO_TCP, 9090, 0, NULL, 0 };
	s.ports = ports;
	s.nports = ARRAY_LEN(ports);
	s.affinity_timeout = 120;
	s.lb_policy = CIP_LB_DEFAULT;
	return update(fx, &s);
}

/* web selecting other pods: every port's endpoints change. */
static int op_update_web_selector(void *fx)
{
	cip_service_spec s = world_service_spec("default", "web");

	s.selector = world_app_api;
	s.lb_policy = CIP_LB_DEFAULT; /* the table's: this runs under each */
	return update(fx, &s);
}

/* api from NodePort to LoadBalancer with a second port: a node port is
 * kept and one allocated. */
static int op_update_api_lb(void *fx)
{
	static const cip_service_port ports[] = {
		{ "a", CIP_PROTO_TCP, 8443, 0, NULL, 0 },
		{ "b", CIP_PROTO_TCP, 8080, 0, NULL, 0 },
	};
	cip_service_spec s = world_service_spec("default", "api");

	s.type = CIP_SERVICE_LOAD_BALANCER;
	s.ports = ports;
	s.nports = ARRAY_LEN(ports);
	return update(fx, &s);
}

/* manual gets a secondary ClusterIP (PreferDualStack). */
static int op_update_manual_dual(void *fx)
{
	cip_service_spec s = world_service_spec("other", "manual");

	s.ip_family_policy = CIP_PREFER_DUAL_STACK;
	return update(fx, &s);
}

/* web drops its IPv6 ClusterIP, which goes into quarantine. */
static int op_update_web_single(void *fx)
{
	cip_service_spec s = world_service_spec("default", "web");

	s.ip_family_policy = CIP_SINGLE_STACK;
	return update(fx, &s);
}

/* lbsvc gets its own policy: weighted round-robin. */
static int op_update_lbsvc_policy(void *fx)
{
	cip_service_spec s = world_service_spec("default", "lbsvc");

	s.traffic_distribution = CIP_DISTRIBUTION_SAME_NODE;
	s.lb_policy = CIP_LB_WEIGHTED_ROUND_ROBIN;
	return update(fx, &s);
}

static int op_delete_web(void *fx)
{
	return cip_table_service_delete(((struct world *)fx)->t, "default", "web", NOW);
}

static int op_delete_api(void *fx)
{
	return cip_table_service_delete(((struct world *)fx)->t, "default", "api", NOW);
}

/* ------------------------------------------------------------------ */
/* Pods and explicit endpoints                                        */
/* ------------------------------------------------------------------ */

/* A pod whose hostname is its name. */
static int apply(void *fx, const char *ns, const char *name, const char *ip4, const char *ip6,
		 const char *app, const char *node, const char *zone)
{
	const struct world_pod pod = { ns, name, ip4, ip6, app, node, zone, name, WORLD_READY, 0 };

	return world_pod_apply(fx, &pod);
}

/* A new pod of web and hl, on a new node in a new zone. */
static int op_pod_new(void *fx)
{
	return apply(fx, "default", "web-4", "10.244.1.4", "fd00:244::4", "web", "node-c",
		     "zone-3");
}

/* web-1 leaves web and hl for api and lbsvc. */
static int op_pod_move(void *fx)
{
	return apply(fx, "default", "web-1", "10.244.1.1", "fd00:244::1", "api", "node-a",
		     "zone-1");
}

/* web-2 becomes ready. */
static int op_pod_ready(void *fx)
{
	return apply(fx, "default", "web-2", "10.244.1.2", "fd00:244::2", "web", "node-b",
		     "zone-2");
}

/* A pod in a namespace the table has not seen, on a new node. */
static int op_pod_fresh_ns(void *fx)
{
	return apply(fx, "fresh", "db-1", "10.244.3.1", NULL, "web", "node-d", "zone-4");
}

static int op_pod_delete_web1(void *fx)
{
	return cip_table_pod_delete(((struct world *)fx)->t, "default", "web-1");
}

static int op_pod_delete_lonely(void *fx)
{
	return cip_table_pod_delete(((struct world *)fx)->t, "default", "lonely");
}

static int op_endpoints_set(void *fx)
{
	static const cip_named_port port = { "http", CIP_PROTO_TCP, 8081 };
	cip_endpoint_spec eps[4];
	cip_spec_error err;

	memset(eps, 0, sizeof(eps));
	eps[0].addr = world_addr("10.0.9.1");
	eps[0].conditions = WORLD_READY;
	eps[0].node_name = "node-c";
	eps[0].zone = "zone-3";
	eps[0].hint_node = "node-c";
	eps[1].addr = world_addr("10.0.9.2");
	eps[1].conditions = WORLD_READY;
	eps[1].node_name = "node-d";
	eps[1].zone = "zone-4";
	eps[1].weight = 5;
	eps[2].addr = world_addr("10.0.9.3");
	eps[2].conditions = WORLD_READY;
	eps[2].hostname = "web-1";
	eps[3].addr = world_addr("fd00:244::4");
	eps[3].conditions = WORLD_READY;
	memset(&err, 0, sizeof(err));
	err.sz = sizeof(err);
	return cip_table_endpoints_set(((struct world *)fx)->t, "other", "manual", eps, 4, &port, 1,
				       &err);
}

static int op_endpoints_clear(void *fx)
{
	return cip_table_endpoints_set(((struct world *)fx)->t, "other", "manual", NULL, 0, NULL, 0,
				       NULL);
}

/* ------------------------------------------------------------------ */
/* Cases                                                              */
/* ------------------------------------------------------------------ */

/* Which configurations an operation runs in: every one runs under
 * round-robin; one of each way to build new selection states of the
 * table's policy (a new service, new endpoints for an existing one from an
 * update, from a pod, from explicit endpoints with weights) under every
 * policy; those that allocate an IPv6 ClusterIP with the starved pool. */
enum {
	ROUND_ROBIN = 1,
	POLICIES = 2,
	IPV6_ALLOCATION = 4, /* with STARVED_ALLOCATION */
	IPV6_RELEASE = 8,    /* with STARVED_QUARANTINE */
};

struct op_def {
	const char *name;
	int (*op)(void *fx);
	int constructor;
	unsigned runs;
};

static const struct op_def ops[] = {
	{ "table_new", op_table_new, 1, ROUND_ROBIN },
	{ "create single-stack", op_create_auto, 0, POLICIES },
	{ "create dual-stack", op_create_dual, 0, ROUND_ROBIN | IPV6_ALLOCATION },
	{ "create requested ClusterIP", op_create_requested, 0, ROUND_ROBIN },
	{ "create NodePort", op_create_node_port, 0, ROUND_ROBIN },
	{ "create headless, new namespace", op_create_headless_fresh, 0, ROUND_ROBIN },
	{ "create ExternalName", op_create_external, 0, ROUND_ROBIN },
	{ "create without selector", op_create_manual, 0, ROUND_ROBIN },
	{ "create Maglev with affinity", op_create_maglev_affinity, 0,
	  ROUND_ROBIN | IPV6_ALLOCATION },
	{ "update ports and timeout", op_update_web_ports, 0, ROUND_ROBIN },
	{ "update selector", op_update_web_selector, 0, POLICIES },
	{ "update NodePort to LoadBalancer", op_update_api_lb, 0, ROUND_ROBIN },
	{ "update to dual-stack", op_update_manual_dual, 0, ROUND_ROBIN | IPV6_ALLOCATION },
	{ "update policy", op_update_lbsvc_policy, 0, ROUND_ROBIN },
	{ "update to single-stack", op_update_web_single, 0, ROUND_ROBIN | IPV6_RELEASE },
	{ "delete with affinity", op_delete_web, 0, ROUND_ROBIN | IPV6_RELEASE },
	{ "delete NodePort", op_delete_api, 0, ROUND_ROBIN },
	{ "pod new", op_pod_new, 0, ROUND_ROBIN },
	{ "pod moves between services", op_pod_move, 0, POLICIES },
	{ "pod becomes ready", op_pod_ready, 0, ROUND_ROBIN },
	{ "pod in a new namespace", op_pod_fresh_ns, 0, ROUND_ROBIN },
	{ "pod delete", op_pod_delete_web1, 0, ROUND_ROBIN },
	{ "pod delete, unselected", op_pod_delete_lonely, 0, ROUND_ROBIN },
	{ "endpoints set", op_endpoints_set, 0, POLICIES },
	{ "endpoints clear", op_endpoints_clear, 0, ROUND_ROBIN },
};

/* Whether @p d runs in @p cfg. */
static int runs_in(const struct op_def *d, const struct world_cfg *cfg)
{
	if (cfg->starved_v6 == STARVED_ALLOCATION)
		return (d->runs & IPV6_ALLOCATION) != 0;
	if (cfg->starved_v6 == STARVED_QUARANTINE)
		return (d->runs & IPV6_RELEASE) != 0;
	if (cfg->lb_policy == CIP_LB_ROUND_ROBIN)
		return 1;
	return (d->runs & POLICIES) != 0;
}

/* The configuration to run (argv[1]), or NULL for all. */
static const char *only;

static void test_table(void **state)
{
	static char names[ARRAY_LEN(configs)][ARRAY_LEN(ops)][96];
	static struct oom_case cases[ARRAY_LEN(configs) * ARRAY_LEN(ops)];
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(configs); i++) {
		if (only && strcmp(only, configs[i].name) != 0)
			continue;
		for (size_t k = 0; k < ARRAY_LEN(ops); k++) {
			if (!runs_in(&ops[k], &configs[i]))
				continue;
			snprintf(names[i][k], sizeof(names[i][k]), "table %s %s", configs[i].name,
				 ops[k].name);
			cases[n++] = (struct oom_case){
				.name = names[i][k],
				.setup = world_setup,
				.arg = &configs[i],
				.op = ops[k].op,
				.snapshot =
					ops[k].constructor ? world_snapshot_made : world_snapshot,
				.teardown = world_teardown,
				.want = 0,
				/* Index capacity reserved before the write
				 * commits stays, and so do namespace and
				 * selector-term records (the table never
				 * drops them); cip_table_free() frees them. */
				.retains = 1,
				/* table.h: a ClusterIP whose quarantine
				 * cannot be recorded is released at once. */
				.tolerant = configs[i].starved_v6 == STARVED_QUARANTINE,
			};
		}
	}
	if (n == 0)
		fail_msg("no configuration is called %s", only);
	oom_check_all(cases, n);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
	};

	only = argc > 1 ? argv[1] : NULL;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
