/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Argument checks of every function of table.h and select.h: each pointer
 * NULL in turn, counts and capacities 0 and oversize (and one past their
 * documented maximum), specs and options of every size, unknown flag and
 * condition bits, and enum-like values out of range. Each row names the
 * code the header documents; a failing call must leave every output and
 * the table, its pool and its node ports as they were.
 */
#include <limits.h>

#include "cip_test.h"

#define BIG(type)                                                                                  \
	struct {                                                                                   \
		type o;                                                                            \
		unsigned char tail[16];                                                            \
	}

/* Every spec variant the rows use, built once by setup(). */
static struct {
	cip_addr web_vip, bad_addr, outside_vip, pod_ip, ep_ip;
	uint16_t web_node_port;
	cip_table_opts to_sz0, to_sz4, to_szmax, to_min, to_family5, to_family_neg, to_lb6,
		to_lb_neg, to_maglev4, to_maglev_over, to_maglev_max, to_aff_over, to_aff_max,
		to_aff_max_ok, to_domain_bad, to_domain_long;
	BIG(cip_table_opts) to_big, to_big_dirty;
	cip_service_spec s_new, s_sz0, s_sz4, s_szmax, s_min, s_type5, s_type_neg, s_nports_over,
		s_nports_max, s_ports_null, s_nsel_over, s_nsel_max, s_sel_null, s_nips3,
		s_nips_max, s_ips_null, s_policy4, s_policy_neg, s_affinity3, s_timeout_over,
		s_timeout_max, s_itp3, s_dist3, s_lb6, s_proto4, s_exists, s_ip_outside, s_ip_taken,
		s_node_port_cluster_ip;
	BIG(cip_service_spec) s_big, s_big_dirty;
	cip_pod_spec p_new, p_sz0, p_sz4, p_szmax, p_min, p_nips3, p_nips_max, p_ips_null,
		p_nlabels_over, p_nlabels_max, p_labels_null, p_nports_over, p_nports_max,
		p_ports_null, p_cond_unknown, p_cond_all, p_bad_ip;
	BIG(cip_pod_spec) p_big, p_big_dirty;
	cip_endpoint_spec ep, ep_cond, ep_reserved, ep_bad, ep_dup[2];
	cip_named_port ep_port;
	cip_select_request rq, rq_flag, rq_flags_all, rq_reserved, rq_bad_vip, rq_node_port_bad_vip,
		rq_client5, rq_proto0, rq_proto4, rq_proto_all, rq_missing, rq_empty, rq_local;
	cip_lookup lk[2];
	char long_name[300], ns64[65];
	uint32_t node_b;
} I;

/* The fixture: a table over a pool and node ports, in a known state. */
static struct {
	cip_pool *pool;
	cip_ports *ports;
	cip_table *t;
} F;

/* The count that cip_table_dns_resolve() documents as written (0) when a
 * name is not found or is not a name: outside the checked outputs. */
static size_t N;

/* Outputs: every byte holds the sentinel before each row. */
static struct {
	cip_table *t;
	cip_table_opts topts;
	cip_service_spec sspec;
	cip_pod_spec pspec;
	cip_service_info svc;
	cip_service_port_info port_info, ports[4];
	cip_endpoint eps[4];
	cip_dns_record rec[4];
	cip_backend backend;
	size_t n;
	uint64_t u64;
	uint32_t id;
	int reason;
	char buf[64];
} O;

static const cip_label app_web[] = { { "app", "web" } };
static const cip_label app_other[] = { { "app", "other" } };
static const cip_service_port http[] = { { "http", CIP_PROTO_TCP, 80, 8080, NULL, 0 } };
static const cip_service_port http_np[] = { { "http", CIP_PROTO_TCP, 80, 8080, NULL, 30001 } };
static const cip_service_port bad_proto[] = { { "http", 4, 80, 8080, NULL, 0 } };

static cip_service_spec spec(const char *name, const cip_label *selector)
{
	cip_service_spec s;

	cip_service_spec_init(&s, sizeof(s));
	s.ns = "default";
	s.name = name;
	s.ports = http;
	s.nports = 1;
	s.selector = selector;
	s.nselector = selector ? 1 : 0;
	return s;
}

static cip_pod_spec pod(const char *name, const cip_addr *ip, const cip_label *labels,
			const char *node)
{
	cip_pod_spec p;

	cip_pod_spec_init(&p, sizeof(p));
	p.ns = "default";
	p.name = name;
	p.ips = ip;
	p.nips = 1;
	p.labels = labels;
	p.nlabels = 1;
	p.node_name = node;
	p.conditions = CIP_EP_READY | CIP_EP_SERVING;
	return p;
}

static void inputs_table_opts(void)
{
	cip_table_opts o;

	cip_table_opts_init(&o, sizeof(o));
	o.seed = 1;
	I.to_sz0 = I.to_sz4 = I.to_szmax = I.to_min = o;
	I.to_sz0.sz = 0;
	I.to_sz4.sz = 4;
	I.to_szmax.sz = SIZE_MAX;
	I.to_min.sz = sizeof(size_t);
	I.to_family5 = I.to_family_neg = I.to_lb6 = I.to_lb_neg = o;
	I.to_family5.primary_family = 5;
	I.to_family_neg.primary_family = -CIP_FAMILY_IPV4;
	I.to_lb6.lb_policy = CIP_LB_WEIGHTED_ROUND_ROBIN + 1;
	I.to_lb_neg.lb_policy = -1;
	I.to_maglev4 = I.to_maglev_over = I.to_maglev_max = o;
	I.to_maglev4.maglev_size = 4;
	I.to_maglev_over.maglev_size = 16777259 + 2; /* past the largest, and odd */
	I.to_maglev_max.maglev_size = UINT32_MAX;
	I.to_aff_over = I.to_aff_max = I.to_aff_max_ok = o;
	I.to_aff_over.affinity_capacity = (1u << 20) + 1;
	I.to_aff_max.affinity_capacity = UINT32_MAX;
	I.to_aff_max_ok.affinity_capacity = 1u << 20;
	I.to_domain_bad = I.to_domain_long = o;
	I.to_domain_bad.cluster_domain = "-cluster.local";
	I.to_domain_long.cluster_domain = I.long_name;
	memset(&I.to_big, 0, sizeof(I.to_big));
	I.to_big.o = o;
	I.to_big.o.sz = sizeof(I.to_big);
	I.to_big_dirty = I.to_big;
	I.to_big_dirty.tail[3] = 1;
}

static void inputs_service_specs(void)
{
	cip_service_spec s = spec("new", NULL);

	I.s_new = I.s_sz0 = I.s_sz4 = I.s_szmax = I.s_min = s;
	I.s_sz0.sz = 0;
	I.s_sz4.sz = 4;
	I.s_szmax.sz = SIZE_MAX;
	I.s_min.sz = sizeof(size_t); /* every field defaulted: no name */
	I.s_type5 = I.s_type_neg = I.s_nports_over = I.s_nports_max = I.s_ports_null = s;
	I.s_type5.type = CIP_SERVICE_EXTERNAL_NAME + 1;
	I.s_type_neg.type = -1;
	I.s_nports_over.nports = CIP_TABLE_MAX_PORTS + 1;
	I.s_nports_max.nports = SIZE_MAX;
	I.s_ports_null.ports = NULL;
	I.s_nsel_over = I.s_nsel_max = I.s_sel_null = spec("new", app_web);
	I.s_nsel_over.nselector = CIP_TABLE_MAX_LABELS + 1;
	I.s_nsel_max.nselector = SIZE_MAX;
	I.s_sel_null.selector = NULL;
	I.s_nips3 = I.s_nips_max = I.s_ips_null = s;
	I.s_nips3.cluster_ips = &I.web_vip;
	I.s_nips3.ncluster_ips = 3;
	I.s_nips_max.cluster_ips = &I.web_vip;
	I.s_nips_max.ncluster_ips = SIZE_MAX;
	I.s_ips_null.ncluster_ips = 1;
	I.s_policy4 = I.s_policy_neg = I.s_affinity3 = I.s_timeout_over = I.s_timeout_max = s;
	I.s_policy4.ip_family_policy = CIP_REQUIRE_DUAL_STACK + 1;
	I.s_policy_neg.ip_family_policy = -1;
	I.s_affinity3.session_affinity = CIP_AFFINITY_CLIENT_IP + 1;
	I.s_timeout_over.session_affinity = CIP_AFFINITY_CLIENT_IP;
	I.s_timeout_over.affinity_timeout = CIP_AFFINITY_TIMEOUT_MAX + 1;
	I.s_timeout_max.session_affinity = CIP_AFFINITY_CLIENT_IP;
	I.s_timeout_max.affinity_timeout = UINT32_MAX;
	I.s_itp3 = I.s_dist3 = I.s_lb6 = I.s_proto4 = I.s_node_port_cluster_ip = s;
	I.s_itp3.internal_traffic_policy = CIP_TRAFFIC_LOCAL + 1;
	I.s_dist3.traffic_distribution = CIP_DISTRIBUTION_SAME_NODE + 1;
	I.s_lb6.lb_policy = CIP_LB_WEIGHTED_ROUND_ROBIN + 1;
	I.s_proto4.ports = bad_proto;
	I.s_node_port_cluster_ip.ports = http_np;
	I.s_exists = spec("web", app_web);
	I.s_ip_outside = I.s_ip_taken = s;
	I.s_ip_outside.cluster_ips = &I.outside_vip;
	I.s_ip_outside.ncluster_ips = 1;
	I.s_ip_taken.cluster_ips = &I.web_vip;
	I.s_ip_taken.ncluster_ips = 1;
	/* Larger than this version's struct: a headless service, so that the
	 * scratch table that accepts it needs no pool. */
	memset(&I.s_big, 0, sizeof(I.s_big));
	I.s_big.o = s;
	I.s_big.o.headless = 1;
	I.s_big.o.sz = sizeof(I.s_big);
	I.s_big_dirty = I.s_big;
	I.s_big_dirty.tail[15] = 0xff;
}

static void inputs_pod_specs(void)
{
	cip_pod_spec p = pod("new-pod", &I.pod_ip, app_other, "node-a");

	I.p_new = I.p_sz0 = I.p_sz4 = I.p_szmax = I.p_min = p;
	I.p_sz0.sz = 0;
	I.p_sz4.sz = 4;
	I.p_szmax.sz = SIZE_MAX;
	I.p_min.sz = sizeof(size_t);
	I.p_nips3 = I.p_nips_max = I.p_ips_null = I.p_nlabels_over = I.p_nlabels_max = p;
	I.p_nips3.nips = 3;
	I.p_nips_max.nips = SIZE_MAX;
	I.p_ips_null.ips = NULL;
	I.p_nlabels_over.nlabels = CIP_TABLE_MAX_LABELS + 1;
	I.p_nlabels_max.nlabels = SIZE_MAX;
	I.p_labels_null = I.p_nports_over = I.p_nports_max = I.p_ports_null = p;
	I.p_labels_null.labels = NULL;
	I.p_nports_over.ports = &I.ep_port;
	I.p_nports_over.nports = CIP_TABLE_MAX_PORTS + 1;
	I.p_nports_max.ports = &I.ep_port;
	I.p_nports_max.nports = SIZE_MAX;
	I.p_ports_null.nports = 1;
	I.p_cond_unknown = I.p_cond_all = I.p_bad_ip = p;
	I.p_cond_unknown.conditions |= 1u << 3;
	I.p_cond_all.conditions = UINT_MAX;
	I.p_bad_ip.ips = &I.bad_addr;
	memset(&I.p_big, 0, sizeof(I.p_big));
	I.p_big.o = p;
	I.p_big.o.sz = sizeof(I.p_big);
	I.p_big_dirty = I.p_big;
	I.p_big_dirty.tail[0] = 1;
}

static void inputs_endpoints(void)
{
	memset(&I.ep, 0, sizeof(I.ep));
	I.ep.addr = I.ep_ip;
	I.ep.conditions = CIP_EP_READY | CIP_EP_SERVING;
	I.ep_cond = I.ep_reserved = I.ep_bad = I.ep;
	I.ep_cond.conditions = UINT_MAX;
	I.ep_reserved.reserved = 1;
	I.ep_bad.addr = I.bad_addr;
	I.ep_dup[0] = I.ep_dup[1] = I.ep;
	I.ep_port = (cip_named_port){ "http", CIP_PROTO_TCP, 9090 };
}

static void inputs_requests(void)
{
	cip_select_request r;

	memset(&r, 0, sizeof(r));
	r.vip = I.web_vip;
	r.port = 80;
	r.protocol = CIP_PROTO_TCP;
	I.rq = I.rq_flag = I.rq_flags_all = I.rq_reserved = I.rq_bad_vip = r;
	I.rq_flag.flags = 1u << 2;
	I.rq_flags_all.flags = 0xff;
	I.rq_reserved.reserved = 1;
	I.rq_bad_vip.vip = I.bad_addr;
	I.rq_node_port_bad_vip = I.rq_bad_vip;
	I.rq_node_port_bad_vip.flags = CIP_SELECT_NODE_PORT;
	I.rq_node_port_bad_vip.port = I.web_node_port;
	I.rq_client5 = I.rq_proto0 = I.rq_proto4 = I.rq_proto_all = I.rq_missing = r;
	I.rq_client5.client = ct_addr("10.1.1.1");
	I.rq_client5.client.family = 5;
	I.rq_proto0.protocol = 0;
	I.rq_proto4.protocol = CIP_PROTO_SCTP + 1;
	I.rq_proto_all.protocol = 0xff;
	I.rq_missing.port = 81;
	I.rq_empty = I.rq_local = r;
	{
		cip_service_info info;

		assert_int_equal(cip_table_service_get(F.t, "default", "empty", &info, NULL, 0), 0);
		I.rq_empty.vip = info.cluster_ips[0];
		assert_int_equal(cip_table_service_get(F.t, "default", "local", &info, NULL, 0), 0);
		I.rq_local.vip = info.cluster_ips[0];
		I.rq_local.node = I.node_b;
	}
	memset(I.lk, 0, sizeof(I.lk));
	I.lk[0].vip = I.web_vip;
	I.lk[0].port = 80;
	I.lk[0].protocol = CIP_PROTO_TCP;
	I.lk[1] = I.lk[0];
}

static void fixture(void)
{
	cip_prefix p4 = ct_prefix("10.96.0.0", 24), p6 = ct_prefix("fd00::", 112);
	cip_port_range pr = { 30000, 100 };
	cip_table_opts o;
	cip_service_spec s;
	cip_pod_spec p;
	cip_service_info info;
	cip_service_port_info pi;
	cip_addr other_ip = ct_addr("10.244.0.2");

	assert_int_equal(cip_pool_new(&F.pool, NULL), 0);
	assert_int_equal(cip_pool_add(F.pool, &p4, NULL), 0);
	assert_int_equal(cip_pool_add(F.pool, &p6, NULL), 0);
	assert_int_equal(cip_ports_new(&F.ports, &pr, NULL), 0);
	cip_table_opts_init(&o, sizeof(o));
	o.pool = F.pool;
	o.node_ports = F.ports;
	o.seed = 1;
	assert_int_equal(cip_table_new(&F.t, &o), 0);

	s = spec("web", app_web);
	s.type = CIP_SERVICE_NODE_PORT;
	assert_int_equal(cip_table_service_create(F.t, &s, 0, NULL), 0);
	assert_int_equal(cip_table_service_get(F.t, "default", "web", &info, &pi, 1), 0);
	I.web_vip = info.cluster_ips[0];
	I.web_node_port = pi.node_port;
	p = pod("web-1", &I.pod_ip, app_web, "node-a");
	assert_int_equal(cip_table_pod_apply(F.t, &p, NULL), 0);
	p = pod("other-1", &other_ip, app_other, "node-b");
	assert_int_equal(cip_table_pod_apply(F.t, &p, NULL), 0);
	assert_int_equal(cip_table_name_id(F.t, "node-b", &I.node_b), 0);

	s = spec("manual", NULL);
	assert_int_equal(cip_table_service_create(F.t, &s, 0, NULL), 0);
	assert_int_equal(
		cip_table_endpoints_set(F.t, "default", "manual", &I.ep, 1, &I.ep_port, 1, NULL),
		0);
	s = spec("empty", NULL);
	assert_int_equal(cip_table_service_create(F.t, &s, 0, NULL), 0);
	s = spec("local", app_web);
	s.internal_traffic_policy = CIP_TRAFFIC_LOCAL;
	assert_int_equal(cip_table_service_create(F.t, &s, 0, NULL), 0);
}

static int setup(void **state)
{
	(void)state;
	memset(I.long_name, 'a', sizeof(I.long_name) - 1);
	memset(I.ns64, 'a', sizeof(I.ns64) - 1);
	I.bad_addr = ct_addr("10.0.0.1");
	I.bad_addr.reserved[0] = 1;
	I.outside_vip = ct_addr("10.99.0.1");
	I.pod_ip = ct_addr("10.244.0.1");
	I.ep_ip = ct_addr("10.244.1.1");
	inputs_endpoints();
	fixture();
	inputs_table_opts();
	inputs_service_specs();
	inputs_pod_specs();
	inputs_requests();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cip_table_free(F.t);
	cip_ports_free(F.ports);
	cip_pool_free(F.pool);
	return 0;
}

/* What the fixture shows to readers, and what its allocators hold. */
static uint64_t fixture_state(void)
{
	uint64_t h = CT_HASH_INIT, v = 0;

	assert_int_equal(cip_table_generation(F.t, &v), 0);
	h = ct_hash(h, &v, sizeof(v));
	assert_int_equal(cip_pool_used(F.pool, CIP_FAMILY_IPV4, &v), 0);
	h = ct_hash(h, &v, sizeof(v));
	assert_int_equal(cip_pool_used(F.pool, CIP_FAMILY_IPV6, &v), 0);
	h = ct_hash(h, &v, sizeof(v));
	assert_int_equal(cip_ports_used(F.ports, CIP_BAND_ALL, &v), 0);
	return ct_hash(h, &v, sizeof(v));
}

/* ---- helpers for rows that succeed and create something ----------------- */

static int table_new_rc(const cip_table_opts *opts)
{
	cip_table *t = NULL;
	int rc = cip_table_new(&t, opts);

	cip_table_free(t);
	return rc;
}

/* A write that succeeds changes its table: on a scratch one (no pool). */
static int scratch_create_rc(const cip_service_spec *s)
{
	cip_table *t;
	int rc;

	assert_int_equal(cip_table_new(&t, NULL), 0);
	rc = cip_table_service_create(t, s, UINT64_MAX, NULL);
	cip_table_free(t);
	return rc;
}

static int scratch_pod_rc(const cip_pod_spec *p)
{
	cip_table *t;
	int rc;

	assert_int_equal(cip_table_new(&t, NULL), 0);
	rc = cip_table_pod_apply(t, p, NULL);
	cip_table_free(t);
	return rc;
}

/* No endpoints at all (neps 0, no ports): accepted, and clears them. */
static int scratch_endpoints_clear_rc(void)
{
	cip_table *t;
	int rc;

	assert_int_equal(cip_table_new(&t, NULL), 0);
	assert_int_equal(cip_table_service_create(t, &I.s_big.o, 0, NULL), 0);
	rc = cip_table_endpoints_set(t, "default", "new", NULL, 0, NULL, 0, NULL);
	cip_table_free(t);
	return rc;
}

static int visit_stop(const cip_service_info *svc, void *ctx)
{
	(void)svc;
	(void)ctx;
	return INT_MIN;
}

#define WEB_NAME "web.default.svc.cluster.local"

/* clang-format off */
#define INIT_CASES(X) \
	X(table_opts_init_null, CIP_EINVAL, cip_table_opts_init(NULL, sizeof(cip_table_opts))) \
	X(table_opts_init_sz0, CIP_EINVAL, cip_table_opts_init(&O.topts, 0)) \
	X(table_opts_init_sz4, CIP_EINVAL, cip_table_opts_init(&O.topts, 4)) \
	X(table_opts_init_sz_max, CIP_EINVAL, cip_table_opts_init(&O.topts, SIZE_MAX)) \
	X(service_spec_init_null, CIP_EINVAL, cip_service_spec_init(NULL, sizeof(cip_service_spec))) \
	X(service_spec_init_sz0, CIP_EINVAL, cip_service_spec_init(&O.sspec, 0)) \
	X(service_spec_init_sz4, CIP_EINVAL, cip_service_spec_init(&O.sspec, 4)) \
	X(service_spec_init_sz_max, CIP_EINVAL, cip_service_spec_init(&O.sspec, SIZE_MAX)) \
	X(pod_spec_init_null, CIP_EINVAL, cip_pod_spec_init(NULL, sizeof(cip_pod_spec))) \
	X(pod_spec_init_sz0, CIP_EINVAL, cip_pod_spec_init(&O.pspec, 0)) \
	X(pod_spec_init_sz4, CIP_EINVAL, cip_pod_spec_init(&O.pspec, 4)) \
	X(pod_spec_init_sz_max, CIP_EINVAL, cip_pod_spec_init(&O.pspec, SIZE_MAX)) \
	X(table_new_null_out, CIP_EINVAL, cip_table_new(NULL, NULL)) \
	X(table_new_opts_sz0, CIP_EINVAL, cip_table_new(&O.t, &I.to_sz0)) \
	X(table_new_opts_sz4, CIP_EINVAL, cip_table_new(&O.t, &I.to_sz4)) \
	X(table_new_opts_sz_max, CIP_EINVAL, cip_table_new(&O.t, &I.to_szmax)) \
	X(table_new_opts_big_dirty, CIP_EINVAL, cip_table_new(&O.t, &I.to_big_dirty.o)) \
	X(table_new_opts_big_zero, 0, table_new_rc(&I.to_big.o)) \
	X(table_new_opts_sz_min, 0, table_new_rc(&I.to_min)) \
	X(table_new_family5, CIP_EINVAL, cip_table_new(&O.t, &I.to_family5)) \
	X(table_new_family_negative, CIP_EINVAL, cip_table_new(&O.t, &I.to_family_neg)) \
	X(table_new_lb_past_last, CIP_EINVAL, cip_table_new(&O.t, &I.to_lb6)) \
	X(table_new_lb_negative, CIP_EINVAL, cip_table_new(&O.t, &I.to_lb_neg)) \
	X(table_new_maglev_not_prime, CIP_EINVAL, cip_table_new(&O.t, &I.to_maglev4)) \
	X(table_new_maglev_past_max, CIP_EINVAL, cip_table_new(&O.t, &I.to_maglev_over)) \
	X(table_new_maglev_uint32_max, CIP_EINVAL, cip_table_new(&O.t, &I.to_maglev_max)) \
	X(table_new_affinity_past_max, CIP_EINVAL, cip_table_new(&O.t, &I.to_aff_over)) \
	X(table_new_affinity_uint32_max, CIP_EINVAL, cip_table_new(&O.t, &I.to_aff_max)) \
	X(table_new_affinity_max, 0, table_new_rc(&I.to_aff_max_ok)) \
	X(table_new_domain_bad, CIP_EINVAL, cip_table_new(&O.t, &I.to_domain_bad)) \
	X(table_new_domain_long, CIP_EINVAL, cip_table_new(&O.t, &I.to_domain_long)) \
	X(table_free_null, 0, (cip_table_free(NULL), 0))

#define WRITE_CASES(X) \
	X(service_create_null_t, CIP_EINVAL, cip_table_service_create(NULL, &I.s_new, 0, NULL)) \
	X(service_create_null_spec, CIP_EINVAL, cip_table_service_create(F.t, NULL, 0, NULL)) \
	X(service_create_sz0, CIP_EINVAL, cip_table_service_create(F.t, &I.s_sz0, 0, NULL)) \
	X(service_create_sz4, CIP_EINVAL, cip_table_service_create(F.t, &I.s_sz4, 0, NULL)) \
	X(service_create_sz_max, CIP_EINVAL, cip_table_service_create(F.t, &I.s_szmax, 0, NULL)) \
	X(service_create_big_dirty, CIP_EINVAL, cip_table_service_create(F.t, &I.s_big_dirty.o, 0, NULL)) \
	X(service_create_big_zero, 0, scratch_create_rc(&I.s_big.o)) \
	X(service_create_sz_min, CIP_ESPEC, cip_table_service_create(F.t, &I.s_min, 0, NULL)) \
	X(service_create_type_past_last, CIP_ESPEC, cip_table_service_create(F.t, &I.s_type5, 0, NULL)) \
	X(service_create_type_negative, CIP_ESPEC, cip_table_service_create(F.t, &I.s_type_neg, 0, NULL)) \
	X(service_create_nports_past_max, CIP_ESPEC, cip_table_service_create(F.t, &I.s_nports_over, 0, NULL)) \
	X(service_create_nports_size_max, CIP_ESPEC, cip_table_service_create(F.t, &I.s_nports_max, 0, NULL)) \
	X(service_create_ports_null, CIP_EINVAL, cip_table_service_create(F.t, &I.s_ports_null, 0, NULL)) \
	X(service_create_nselector_past_max, CIP_ESPEC, cip_table_service_create(F.t, &I.s_nsel_over, 0, NULL)) \
	X(service_create_nselector_size_max, CIP_ESPEC, cip_table_service_create(F.t, &I.s_nsel_max, 0, NULL)) \
	X(service_create_selector_null, CIP_EINVAL, cip_table_service_create(F.t, &I.s_sel_null, 0, NULL)) \
	X(service_create_ncluster_ips_3, CIP_ESPEC, cip_table_service_create(F.t, &I.s_nips3, 0, NULL)) \
	X(service_create_ncluster_ips_size_max, CIP_ESPEC, cip_table_service_create(F.t, &I.s_nips_max, 0, NULL)) \
	X(service_create_cluster_ips_null, CIP_EINVAL, cip_table_service_create(F.t, &I.s_ips_null, 0, NULL)) \
	X(service_create_policy_past_last, CIP_ESPEC, cip_table_service_create(F.t, &I.s_policy4, 0, NULL)) \
	X(service_create_policy_negative, CIP_ESPEC, cip_table_service_create(F.t, &I.s_policy_neg, 0, NULL)) \
	X(service_create_affinity_past_last, CIP_ESPEC, cip_table_service_create(F.t, &I.s_affinity3, 0, NULL)) \
	X(service_create_timeout_past_max, CIP_ESPEC, cip_table_service_create(F.t, &I.s_timeout_over, 0, NULL)) \
	X(service_create_timeout_uint32_max, CIP_ESPEC, cip_table_service_create(F.t, &I.s_timeout_max, 0, NULL)) \
	X(service_create_traffic_policy_past_last, CIP_ESPEC, cip_table_service_create(F.t, &I.s_itp3, 0, NULL)) \
	X(service_create_distribution_past_last, CIP_ESPEC, cip_table_service_create(F.t, &I.s_dist3, 0, NULL)) \
	X(service_create_lb_policy_past_last, CIP_ESPEC, cip_table_service_create(F.t, &I.s_lb6, 0, NULL)) \
	X(service_create_protocol_past_last, CIP_ESPEC, cip_table_service_create(F.t, &I.s_proto4, 0, NULL)) \
	X(service_create_node_port_on_cluster_ip, CIP_ESPEC, cip_table_service_create(F.t, &I.s_node_port_cluster_ip, 0, NULL)) \
	X(service_create_exists, CIP_EEXIST, cip_table_service_create(F.t, &I.s_exists, 0, NULL)) \
	X(service_create_ip_outside, CIP_ERANGE, cip_table_service_create(F.t, &I.s_ip_outside, 0, NULL)) \
	X(service_create_ip_taken, CIP_EALLOCATED, cip_table_service_create(F.t, &I.s_ip_taken, UINT64_MAX, NULL)) \
	X(service_update_null_t, CIP_EINVAL, cip_table_service_update(NULL, &I.s_exists, 0, NULL)) \
	X(service_update_null_spec, CIP_EINVAL, cip_table_service_update(F.t, NULL, 0, NULL)) \
	X(service_update_sz0, CIP_EINVAL, cip_table_service_update(F.t, &I.s_sz0, 0, NULL)) \
	X(service_update_sz_max, CIP_EINVAL, cip_table_service_update(F.t, &I.s_szmax, 0, NULL)) \
	X(service_update_big_dirty, CIP_EINVAL, cip_table_service_update(F.t, &I.s_big_dirty.o, 0, NULL)) \
	X(service_update_type_past_last, CIP_ESPEC, cip_table_service_update(F.t, &I.s_type5, 0, NULL)) \
	X(service_update_nports_size_max, CIP_ESPEC, cip_table_service_update(F.t, &I.s_nports_max, 0, NULL)) \
	X(service_update_missing, CIP_ENOTFOUND, cip_table_service_update(F.t, &I.s_new, UINT64_MAX, NULL)) \
	X(service_delete_null_t, CIP_EINVAL, cip_table_service_delete(NULL, "default", "web", 0)) \
	X(service_delete_null_ns, CIP_EINVAL, cip_table_service_delete(F.t, NULL, "web", 0)) \
	X(service_delete_null_name, CIP_EINVAL, cip_table_service_delete(F.t, "default", NULL, 0)) \
	X(service_delete_empty_name, CIP_EINVAL, cip_table_service_delete(F.t, "default", "", 0)) \
	X(service_delete_long_name, CIP_EINVAL, cip_table_service_delete(F.t, "default", I.long_name, 0)) \
	X(service_delete_missing, CIP_ENOTFOUND, cip_table_service_delete(F.t, "default", "new", UINT64_MAX)) \
	X(pod_apply_null_t, CIP_EINVAL, cip_table_pod_apply(NULL, &I.p_new, NULL)) \
	X(pod_apply_null_spec, CIP_EINVAL, cip_table_pod_apply(F.t, NULL, NULL)) \
	X(pod_apply_sz0, CIP_EINVAL, cip_table_pod_apply(F.t, &I.p_sz0, NULL)) \
	X(pod_apply_sz4, CIP_EINVAL, cip_table_pod_apply(F.t, &I.p_sz4, NULL)) \
	X(pod_apply_sz_max, CIP_EINVAL, cip_table_pod_apply(F.t, &I.p_szmax, NULL)) \
	X(pod_apply_big_dirty, CIP_EINVAL, cip_table_pod_apply(F.t, &I.p_big_dirty.o, NULL)) \
	X(pod_apply_big_zero, 0, scratch_pod_rc(&I.p_big.o)) \
	X(pod_apply_sz_min, CIP_ESPEC, cip_table_pod_apply(F.t, &I.p_min, NULL)) \
	X(pod_apply_nips_3, CIP_ESPEC, cip_table_pod_apply(F.t, &I.p_nips3, NULL)) \
	X(pod_apply_nips_size_max, CIP_ESPEC, cip_table_pod_apply(F.t, &I.p_nips_max, NULL)) \
	X(pod_apply_ips_null, CIP_EINVAL, cip_table_pod_apply(F.t, &I.p_ips_null, NULL)) \
	X(pod_apply_nlabels_past_max, CIP_ESPEC, cip_table_pod_apply(F.t, &I.p_nlabels_over, NULL)) \
	X(pod_apply_nlabels_size_max, CIP_ESPEC, cip_table_pod_apply(F.t, &I.p_nlabels_max, NULL)) \
	X(pod_apply_labels_null, CIP_EINVAL, cip_table_pod_apply(F.t, &I.p_labels_null, NULL)) \
	X(pod_apply_nports_past_max, CIP_ESPEC, cip_table_pod_apply(F.t, &I.p_nports_over, NULL)) \
	X(pod_apply_nports_size_max, CIP_ESPEC, cip_table_pod_apply(F.t, &I.p_nports_max, NULL)) \
	X(pod_apply_ports_null, CIP_EINVAL, cip_table_pod_apply(F.t, &I.p_ports_null, NULL)) \
	X(pod_apply_condition_unknown, CIP_ESPEC, cip_table_pod_apply(F.t, &I.p_cond_unknown, NULL)) \
	X(pod_apply_conditions_all, CIP_ESPEC, cip_table_pod_apply(F.t, &I.p_cond_all, NULL)) \
	X(pod_apply_bad_ip, CIP_ESPEC, cip_table_pod_apply(F.t, &I.p_bad_ip, NULL)) \
	X(pod_delete_null_t, CIP_EINVAL, cip_table_pod_delete(NULL, "default", "web-1")) \
	X(pod_delete_null_ns, CIP_EINVAL, cip_table_pod_delete(F.t, NULL, "web-1")) \
	X(pod_delete_null_name, CIP_EINVAL, cip_table_pod_delete(F.t, "default", NULL)) \
	X(pod_delete_empty_ns, CIP_EINVAL, cip_table_pod_delete(F.t, "", "web-1")) \
	X(pod_delete_long_name, CIP_EINVAL, cip_table_pod_delete(F.t, "default", I.long_name)) \
	X(pod_delete_missing, CIP_ENOTFOUND, cip_table_pod_delete(F.t, "default", "new-pod")) \
	X(endpoints_set_null_t, CIP_EINVAL, cip_table_endpoints_set(NULL, "default", "manual", &I.ep, 1, &I.ep_port, 1, NULL)) \
	X(endpoints_set_null_ns, CIP_EINVAL, cip_table_endpoints_set(F.t, NULL, "manual", &I.ep, 1, &I.ep_port, 1, NULL)) \
	X(endpoints_set_null_name, CIP_EINVAL, cip_table_endpoints_set(F.t, "default", NULL, &I.ep, 1, &I.ep_port, 1, NULL)) \
	X(endpoints_set_null_eps, CIP_EINVAL, cip_table_endpoints_set(F.t, "default", "manual", NULL, 1, &I.ep_port, 1, NULL)) \
	X(endpoints_set_neps_size_max, CIP_EINVAL, cip_table_endpoints_set(F.t, "default", "manual", &I.ep, SIZE_MAX, &I.ep_port, 1, NULL)) \
	X(endpoints_set_null_ports, CIP_EINVAL, cip_table_endpoints_set(F.t, "default", "manual", &I.ep, 1, NULL, 1, NULL)) \
	X(endpoints_set_nports_past_max, CIP_ESPEC, cip_table_endpoints_set(F.t, "default", "manual", &I.ep, 1, &I.ep_port, CIP_TABLE_MAX_PORTS + 1, NULL)) \
	X(endpoints_set_nports_size_max, CIP_ESPEC, cip_table_endpoints_set(F.t, "default", "manual", &I.ep, 1, &I.ep_port, SIZE_MAX, NULL)) \
	X(endpoints_set_conditions_all, CIP_ESPEC, cip_table_endpoints_set(F.t, "default", "manual", &I.ep_cond, 1, &I.ep_port, 1, NULL)) \
	X(endpoints_set_reserved, CIP_ESPEC, cip_table_endpoints_set(F.t, "default", "manual", &I.ep_reserved, 1, &I.ep_port, 1, NULL)) \
	X(endpoints_set_bad_addr, CIP_ESPEC, cip_table_endpoints_set(F.t, "default", "manual", &I.ep_bad, 1, &I.ep_port, 1, NULL)) \
	X(endpoints_set_duplicate, CIP_ESPEC, cip_table_endpoints_set(F.t, "default", "manual", I.ep_dup, 2, &I.ep_port, 1, NULL)) \
	X(endpoints_set_selector, CIP_ESPEC, cip_table_endpoints_set(F.t, "default", "web", &I.ep, 1, &I.ep_port, 1, NULL)) \
	X(endpoints_set_missing, CIP_ENOTFOUND, cip_table_endpoints_set(F.t, "default", "new", &I.ep, 1, &I.ep_port, 1, NULL)) \
	X(endpoints_set_none, 0, scratch_endpoints_clear_rc())

#define READ_CASES(X) \
	X(lookup_null_t, CIP_EINVAL, cip_table_lookup(NULL, &I.web_vip, 80, CIP_PROTO_TCP, &O.svc, &O.port_info, O.eps, 4, &O.n)) \
	X(lookup_null_vip, CIP_EINVAL, cip_table_lookup(F.t, NULL, 80, CIP_PROTO_TCP, &O.svc, &O.port_info, O.eps, 4, &O.n)) \
	X(lookup_null_eps, CIP_EINVAL, cip_table_lookup(F.t, &I.web_vip, 80, CIP_PROTO_TCP, &O.svc, &O.port_info, NULL, 4, &O.n)) \
	X(lookup_null_n, CIP_EINVAL, cip_table_lookup(F.t, &I.web_vip, 80, CIP_PROTO_TCP, &O.svc, &O.port_info, O.eps, 4, NULL)) \
	X(lookup_bad_vip, CIP_EINVAL, cip_table_lookup(F.t, &I.bad_addr, 80, CIP_PROTO_TCP, &O.svc, &O.port_info, O.eps, 4, &O.n)) \
	X(lookup_protocol0, CIP_EINVAL, cip_table_lookup(F.t, &I.web_vip, 80, 0, &O.svc, &O.port_info, O.eps, 4, &O.n)) \
	X(lookup_protocol_past_last, CIP_EINVAL, cip_table_lookup(F.t, &I.web_vip, 80, CIP_PROTO_SCTP + 1, &O.svc, &O.port_info, O.eps, 4, &O.n)) \
	X(lookup_protocol_wraps_to_tcp, CIP_EINVAL, cip_table_lookup(F.t, &I.web_vip, 80, 256 + CIP_PROTO_TCP, &O.svc, &O.port_info, O.eps, 4, &O.n)) \
	X(lookup_protocol_negative, CIP_EINVAL, cip_table_lookup(F.t, &I.web_vip, 80, -1, &O.svc, &O.port_info, O.eps, 4, &O.n)) \
	X(lookup_protocol_int_max, CIP_EINVAL, cip_table_lookup(F.t, &I.web_vip, 80, INT_MAX, &O.svc, &O.port_info, O.eps, 4, &O.n)) \
	X(lookup_missing, CIP_ENOTFOUND, cip_table_lookup(F.t, &I.web_vip, 81, CIP_PROTO_TCP, &O.svc, &O.port_info, O.eps, 4, &O.n)) \
	X(lookup_cap_max, 0, cip_table_lookup(F.t, &I.web_vip, 80, CIP_PROTO_TCP, &O.svc, &O.port_info, O.eps, SIZE_MAX, &O.n)) \
	X(lookup_no_copies, 0, cip_table_lookup(F.t, &I.web_vip, 80, CIP_PROTO_TCP, NULL, NULL, O.eps, 4, &O.n)) \
	X(lookup_node_port_null_t, CIP_EINVAL, cip_table_lookup_node_port(NULL, I.web_node_port, CIP_PROTO_TCP, &O.svc, &O.port_info, O.eps, 4, &O.n)) \
	X(lookup_node_port_null_eps, CIP_EINVAL, cip_table_lookup_node_port(F.t, I.web_node_port, CIP_PROTO_TCP, &O.svc, &O.port_info, NULL, 4, &O.n)) \
	X(lookup_node_port_null_n, CIP_EINVAL, cip_table_lookup_node_port(F.t, I.web_node_port, CIP_PROTO_TCP, &O.svc, &O.port_info, O.eps, 4, NULL)) \
	X(lookup_node_port_protocol0, CIP_EINVAL, cip_table_lookup_node_port(F.t, I.web_node_port, 0, &O.svc, &O.port_info, O.eps, 4, &O.n)) \
	X(lookup_node_port_protocol_wraps_to_tcp, CIP_EINVAL, cip_table_lookup_node_port(F.t, I.web_node_port, 256 + CIP_PROTO_TCP, &O.svc, &O.port_info, O.eps, 4, &O.n)) \
	X(lookup_node_port_protocol_int_min, CIP_EINVAL, cip_table_lookup_node_port(F.t, I.web_node_port, INT_MIN, &O.svc, &O.port_info, O.eps, 4, &O.n)) \
	X(lookup_node_port_missing, CIP_ENOTFOUND, cip_table_lookup_node_port(F.t, 0, CIP_PROTO_TCP, &O.svc, &O.port_info, O.eps, 4, &O.n)) \
	X(lookup_node_port_cap_max, 0, cip_table_lookup_node_port(F.t, I.web_node_port, CIP_PROTO_TCP, &O.svc, &O.port_info, O.eps, SIZE_MAX, &O.n)) \
	X(lookup_batch_null_t, CIP_EINVAL, cip_table_lookup_batch(NULL, I.lk, 2)) \
	X(lookup_batch_null_lookups, CIP_EINVAL, cip_table_lookup_batch(F.t, NULL, 1)) \
	X(lookup_batch_count_past_int_max, CIP_EINVAL, cip_table_lookup_batch(F.t, I.lk, (size_t)INT_MAX + 1)) \
	X(lookup_batch_count_size_max, CIP_EINVAL, cip_table_lookup_batch(F.t, I.lk, SIZE_MAX)) \
	X(lookup_batch_none, 0, cip_table_lookup_batch(F.t, NULL, 0)) \
	X(lookup_batch_size_queries, 0, cip_table_lookup_batch(F.t, I.lk, 2)) \
	X(service_get_null_t, CIP_EINVAL, cip_table_service_get(NULL, "default", "web", &O.svc, O.ports, 4)) \
	X(service_get_null_ns, CIP_EINVAL, cip_table_service_get(F.t, NULL, "web", &O.svc, O.ports, 4)) \
	X(service_get_null_name, CIP_EINVAL, cip_table_service_get(F.t, "default", NULL, &O.svc, O.ports, 4)) \
	X(service_get_null_svc, CIP_EINVAL, cip_table_service_get(F.t, "default", "web", NULL, O.ports, 4)) \
	X(service_get_null_ports, CIP_EINVAL, cip_table_service_get(F.t, "default", "web", &O.svc, NULL, 4)) \
	X(service_get_empty_ns, CIP_EINVAL, cip_table_service_get(F.t, "", "web", &O.svc, O.ports, 4)) \
	X(service_get_ns_too_long, CIP_EINVAL, cip_table_service_get(F.t, I.ns64, "web", &O.svc, O.ports, 4)) \
	X(service_get_missing, CIP_ENOTFOUND, cip_table_service_get(F.t, "default", "new", &O.svc, O.ports, 4)) \
	X(service_get_cap0, 0, cip_table_service_get(F.t, "default", "web", &O.svc, NULL, 0)) \
	X(service_get_cap_max, 0, cip_table_service_get(F.t, "default", "web", &O.svc, O.ports, SIZE_MAX)) \
	X(endpoints_null_t, CIP_EINVAL, cip_table_endpoints(NULL, "default", "web", 0, O.eps, 4, &O.n)) \
	X(endpoints_null_ns, CIP_EINVAL, cip_table_endpoints(F.t, NULL, "web", 0, O.eps, 4, &O.n)) \
	X(endpoints_null_name, CIP_EINVAL, cip_table_endpoints(F.t, "default", NULL, 0, O.eps, 4, &O.n)) \
	X(endpoints_null_eps, CIP_EINVAL, cip_table_endpoints(F.t, "default", "web", 0, NULL, 4, &O.n)) \
	X(endpoints_null_n, CIP_EINVAL, cip_table_endpoints(F.t, "default", "web", 0, O.eps, 4, NULL)) \
	X(endpoints_port_index_past_last, CIP_ENOTFOUND, cip_table_endpoints(F.t, "default", "web", 1, O.eps, 4, &O.n)) \
	X(endpoints_port_index_size_max, CIP_ENOTFOUND, cip_table_endpoints(F.t, "default", "web", SIZE_MAX, O.eps, 4, &O.n)) \
	X(endpoints_missing, CIP_ENOTFOUND, cip_table_endpoints(F.t, "default", "new", 0, O.eps, 4, &O.n)) \
	X(endpoints_cap_max, 0, cip_table_endpoints(F.t, "default", "web", 0, O.eps, SIZE_MAX, &O.n)) \
	X(foreach_service_null_t, CIP_EINVAL, cip_table_foreach_service(NULL, visit_stop, NULL)) \
	X(foreach_service_null_fn, CIP_EINVAL, cip_table_foreach_service(F.t, NULL, NULL)) \
	X(foreach_service_stop_int_min, INT_MIN, cip_table_foreach_service(F.t, visit_stop, NULL)) \
	X(endpoints_reason_null_t, CIP_EINVAL, cip_table_endpoints_reason(NULL, "default", "web", &O.reason)) \
	X(endpoints_reason_null_ns, CIP_EINVAL, cip_table_endpoints_reason(F.t, NULL, "web", &O.reason)) \
	X(endpoints_reason_null_name, CIP_EINVAL, cip_table_endpoints_reason(F.t, "default", NULL, &O.reason)) \
	X(endpoints_reason_null_reason, CIP_EINVAL, cip_table_endpoints_reason(F.t, "default", "web", NULL)) \
	X(endpoints_reason_missing, CIP_ENOTFOUND, cip_table_endpoints_reason(F.t, "default", "new", &O.reason)) \
	X(generation_null_t, CIP_EINVAL, cip_table_generation(NULL, &O.u64)) \
	X(generation_null_out, CIP_EINVAL, cip_table_generation(F.t, NULL)) \
	X(name_id_null_t, CIP_EINVAL, cip_table_name_id(NULL, "node-a", &O.id)) \
	X(name_id_null_name, CIP_EINVAL, cip_table_name_id(F.t, NULL, &O.id)) \
	X(name_id_null_id, CIP_EINVAL, cip_table_name_id(F.t, "node-a", NULL)) \
	X(name_id_missing, CIP_ENOTFOUND, cip_table_name_id(F.t, "node-z", &O.id)) \
	X(name_id_long, CIP_ENOTFOUND, cip_table_name_id(F.t, I.long_name, &O.id)) \
	X(name_null_t, CIP_EINVAL, cip_table_name(NULL, I.node_b, O.buf, sizeof(O.buf))) \
	X(name_null_buf, CIP_EINVAL, cip_table_name(F.t, I.node_b, NULL, sizeof(O.buf))) \
	X(name_null_buf_cap0, CIP_EBUFSIZE, cip_table_name(F.t, I.node_b, NULL, 0)) \
	X(name_id0, CIP_ENOTFOUND, cip_table_name(F.t, 0, O.buf, sizeof(O.buf))) \
	X(name_id_uint32_max, CIP_ENOTFOUND, cip_table_name(F.t, UINT32_MAX, O.buf, sizeof(O.buf))) \
	X(name_cap0, CIP_EBUFSIZE, cip_table_name(F.t, I.node_b, O.buf, 0)) \
	X(name_cap_no_nul, CIP_EBUFSIZE, cip_table_name(F.t, I.node_b, O.buf, 6)) \
	X(name_cap_max, 6, cip_table_name(F.t, I.node_b, O.buf, SIZE_MAX))

#define DNS_CASES(X) \
	X(dns_resolve_null_t, CIP_EINVAL, cip_table_dns_resolve(NULL, S(WEB_NAME), CIP_DNS_A, NULL, O.rec, 4, &O.n)) \
	X(dns_resolve_null_name, CIP_EINVAL, cip_table_dns_resolve(F.t, NULL, 5, CIP_DNS_A, NULL, O.rec, 4, &O.n)) \
	X(dns_resolve_null_out, CIP_EINVAL, cip_table_dns_resolve(F.t, S(WEB_NAME), CIP_DNS_A, NULL, NULL, 4, &O.n)) \
	X(dns_resolve_null_n, CIP_EINVAL, cip_table_dns_resolve(F.t, S(WEB_NAME), CIP_DNS_A, NULL, O.rec, 4, NULL)) \
	X(dns_resolve_qtype0, CIP_EINVAL, cip_table_dns_resolve(F.t, S(WEB_NAME), 0, NULL, O.rec, 4, &O.n)) \
	X(dns_resolve_qtype_unknown, CIP_EINVAL, cip_table_dns_resolve(F.t, S(WEB_NAME), 2, NULL, O.rec, 4, &O.n)) \
	X(dns_resolve_qtype_wraps_to_a, CIP_EINVAL, cip_table_dns_resolve(F.t, S(WEB_NAME), 65536 + CIP_DNS_A, NULL, O.rec, 4, &O.n)) \
	X(dns_resolve_qtype_negative, CIP_EINVAL, cip_table_dns_resolve(F.t, S(WEB_NAME), -1, NULL, O.rec, 4, &O.n)) \
	X(dns_resolve_qtype_int_max, CIP_EINVAL, cip_table_dns_resolve(F.t, S(WEB_NAME), INT_MAX, NULL, O.rec, 4, &O.n)) \
	X(dns_resolve_client_ns_empty, CIP_EINVAL, cip_table_dns_resolve(F.t, S("web"), CIP_DNS_A, "", O.rec, 4, &O.n)) \
	X(dns_resolve_client_ns_bad, CIP_EINVAL, cip_table_dns_resolve(F.t, S("web"), CIP_DNS_A, "-default", O.rec, 4, &O.n)) \
	X(dns_resolve_client_ns_long, CIP_EINVAL, cip_table_dns_resolve(F.t, S("web"), CIP_DNS_A, I.ns64, O.rec, 4, &O.n)) \
	X(dns_resolve_len0, CIP_ENAME, cip_table_dns_resolve(F.t, WEB_NAME, 0, CIP_DNS_A, NULL, O.rec, 4, &N)) \
	X(dns_resolve_len_long, CIP_ENAME, cip_table_dns_resolve(F.t, I.long_name, sizeof(I.long_name) - 1, CIP_DNS_A, NULL, O.rec, 4, &N)) \
	X(dns_resolve_len_size_max, CIP_EINVAL, cip_table_dns_resolve(F.t, WEB_NAME, SIZE_MAX, CIP_DNS_A, NULL, O.rec, 4, &O.n)) \
	X(dns_resolve_missing, CIP_ENOTFOUND, cip_table_dns_resolve(F.t, S("new.default.svc.cluster.local"), CIP_DNS_A, NULL, O.rec, 4, &N)) \
	X(dns_resolve_missing_search, CIP_ENOTFOUND, cip_table_dns_resolve(F.t, S("new"), CIP_DNS_A, "default", O.rec, 4, &N)) \
	X(dns_resolve_cap_max, 0, cip_table_dns_resolve(F.t, S(WEB_NAME), CIP_DNS_A, NULL, O.rec, SIZE_MAX, &O.n))

#define SELECT_CASES(X) \
	X(select_null_t, CIP_EINVAL, cip_table_select(NULL, &I.rq, &O.backend)) \
	X(select_null_req, CIP_EINVAL, cip_table_select(F.t, NULL, &O.backend)) \
	X(select_null_out, CIP_EINVAL, cip_table_select(F.t, &I.rq, NULL)) \
	X(select_flag_unknown, CIP_EINVAL, cip_table_select(F.t, &I.rq_flag, &O.backend)) \
	X(select_flags_all, CIP_EINVAL, cip_table_select(F.t, &I.rq_flags_all, &O.backend)) \
	X(select_reserved, CIP_EINVAL, cip_table_select(F.t, &I.rq_reserved, &O.backend)) \
	X(select_bad_vip, CIP_EINVAL, cip_table_select(F.t, &I.rq_bad_vip, &O.backend)) \
	X(select_client_family5, CIP_EINVAL, cip_table_select(F.t, &I.rq_client5, &O.backend)) \
	X(select_protocol0, CIP_EINVAL, cip_table_select(F.t, &I.rq_proto0, &O.backend)) \
	X(select_protocol_past_last, CIP_EINVAL, cip_table_select(F.t, &I.rq_proto4, &O.backend)) \
	X(select_protocol_all, CIP_EINVAL, cip_table_select(F.t, &I.rq_proto_all, &O.backend)) \
	X(select_missing, CIP_ENOTFOUND, cip_table_select(F.t, &I.rq_missing, &O.backend)) \
	X(select_no_backend, CIP_ENOBACKEND, cip_table_select(F.t, &I.rq_empty, &O.backend)) \
	X(select_drop, CIP_EDROP, cip_table_select(F.t, &I.rq_local, &O.backend)) \
	X(select_node_port_ignores_vip, 0, cip_table_select(F.t, &I.rq_node_port_bad_vip, &O.backend)) \
	X(affinity_expire_null, CIP_EINVAL, cip_table_affinity_expire(NULL, 0)) \
	X(affinity_expire_now_max, 0, cip_table_affinity_expire(F.t, UINT64_MAX)) \
	X(affinity_count_null_t, CIP_EINVAL, cip_table_affinity_count(NULL, "default", "web", 0)) \
	X(affinity_count_null_ns, CIP_EINVAL, cip_table_affinity_count(F.t, NULL, "web", 0)) \
	X(affinity_count_null_name, CIP_EINVAL, cip_table_affinity_count(F.t, "default", NULL, 0)) \
	X(affinity_count_empty_name, CIP_EINVAL, cip_table_affinity_count(F.t, "default", "", 0)) \
	X(affinity_count_missing, CIP_ENOTFOUND, cip_table_affinity_count(F.t, "default", "new", UINT64_MAX)) \
	X(affinity_count_now_max, 0, cip_table_affinity_count(F.t, "default", "web", UINT64_MAX))
/* clang-format on */

INIT_CASES(CT_ARG_THUNK)
WRITE_CASES(CT_ARG_THUNK)
READ_CASES(CT_ARG_THUNK)
DNS_CASES(CT_ARG_THUNK)
SELECT_CASES(CT_ARG_THUNK)

static const struct ct_arg_case init_cases[] = { INIT_CASES(CT_ARG_ROW) };
static const struct ct_arg_case write_cases[] = { WRITE_CASES(CT_ARG_ROW) };
static const struct ct_arg_case read_cases[] = { READ_CASES(CT_ARG_ROW) };
static const struct ct_arg_case dns_cases[] = { DNS_CASES(CT_ARG_ROW) };
static const struct ct_arg_case select_cases[] = { SELECT_CASES(CT_ARG_ROW) };

/* ---- outputs a failure documents as written ----------------------------- */

/* Too small a buffer: the count (and for a lookup the service and its
 * port) are written, the buffer is not. */
static void test_bufsize_writes_only_documented(void **state)
{
	(void)state;
	cip_endpoint eps[1];
	cip_dns_record rec[1];
	cip_service_port_info ports[1];
	size_t n = 0;

	ct_fill(eps, sizeof(eps));
	ct_fill(&O.svc, sizeof(O.svc));
	assert_int_equal(
		cip_table_lookup(F.t, &I.web_vip, 80, CIP_PROTO_TCP, &O.svc, NULL, eps, 0, &n),
		CIP_EBUFSIZE);
	assert_int_equal(n, 1);
	assert_string_equal(O.svc.name, "web");
	assert_true(ct_untouched(eps, sizeof(eps)));

	n = 0;
	assert_int_equal(cip_table_endpoints(F.t, "default", "manual", 0, NULL, 0, &n),
			 CIP_EBUFSIZE);
	assert_int_equal(n, 1);

	/* The ports of a service with more than cap: svc filled, ports not. A
	 * second port needs an update of "manual" on a scratch table. */
	{
		cip_service_port two[] = { { "a", CIP_PROTO_TCP, 80, 0, NULL, 0 },
					   { "b", CIP_PROTO_TCP, 81, 0, NULL, 0 } };
		cip_service_spec s = I.s_big.o;
		cip_table *t;

		s.sz = sizeof(s);
		s.ports = two;
		s.nports = 2;
		assert_int_equal(cip_table_new(&t, NULL), 0);
		assert_int_equal(cip_table_service_create(t, &s, 0, NULL), 0);
		ct_fill(ports, sizeof(ports));
		assert_int_equal(cip_table_service_get(t, "default", "new", &O.svc, ports, 1),
				 CIP_EBUFSIZE);
		assert_int_equal(O.svc.nports, 2);
		assert_true(ct_untouched(ports, sizeof(ports)));
		cip_table_free(t);
	}

	n = 0;
	ct_fill(rec, sizeof(rec));
	assert_int_equal(cip_table_dns_resolve(F.t, S(WEB_NAME), CIP_DNS_A, NULL, rec, 0, &n),
			 CIP_EBUFSIZE);
	assert_int_equal(n, 1);
	assert_true(ct_untouched(rec, sizeof(rec)));
}

/* A lookup of a batch with invalid arguments fails alone, with n = 0; a
 * call refused as a whole writes nothing into the lookups. */
static void test_batch_entries(void **state)
{
	(void)state;
	cip_lookup q[3];
	cip_endpoint eps[4];

	memcpy(q, I.lk, sizeof(I.lk));
	q[0].eps = eps;
	q[0].cap = ARRAY_LEN(eps);
	q[1].protocol = 0;
	q[2] = I.lk[0];
	q[2].protocol = 256 - 1;
	assert_int_equal(cip_table_lookup_batch(F.t, q, 3), 1);
	assert_int_equal(q[0].rc, 0);
	assert_int_equal(q[0].n, 1);
	assert_int_equal(q[1].rc, CIP_EINVAL);
	assert_int_equal(q[1].n, 0);
	assert_int_equal(q[2].rc, CIP_EINVAL);
	assert_int_equal(q[2].n, 0);

	ct_fill(q, sizeof(q));
	assert_int_equal(cip_table_lookup_batch(NULL, q, 3), CIP_EINVAL);
	assert_int_equal(cip_table_lookup_batch(F.t, q, (size_t)INT_MAX + 1), CIP_EINVAL);
	assert_true(ct_untouched(q, sizeof(q)));
}

/* cip_spec_error: a larger struct is written only in the known fields. */
static void test_spec_error_sz(void **state)
{
	(void)state;
	struct {
		cip_spec_error e;
		unsigned char tail[32];
	} b;

	ct_fill(&b, sizeof(b));
	b.e.sz = sizeof(b);
	assert_int_equal(cip_table_service_create(F.t, &I.s_type5, 0, &b.e), CIP_ESPEC);
	assert_int_equal(b.e.code, CIP_ESPEC);
	assert_int_equal(b.e.field, CIP_FIELD_TYPE);
	assert_true(ct_untouched(b.tail, sizeof(b.tail)));

	/* One too small to hold the details is left alone, as NULL would be. */
	for (size_t i = 0; i < 2; i++) {
		const size_t sz = i ? sizeof(b.e) - 1 : 0;
		const unsigned char *after_sz = (unsigned char *)&b + sizeof(size_t);

		ct_fill(&b, sizeof(b));
		b.e.sz = sz;
		assert_int_equal(cip_table_service_create(F.t, &I.s_type5, 0, &b.e), CIP_ESPEC);
		assert_int_equal(cip_table_service_update(F.t, &I.s_nports_max, 0, &b.e),
				 CIP_ESPEC);
		assert_int_equal(cip_table_pod_apply(F.t, &I.p_cond_all, &b.e), CIP_ESPEC);
		assert_int_equal(cip_table_endpoints_set(F.t, "default", "manual", &I.ep_bad, 1,
							 &I.ep_port, 1, &b.e),
				 CIP_ESPEC);
		assert_int_equal(b.e.sz, sz);
		assert_true(ct_untouched(after_sz, sizeof(b) - sizeof(size_t)));
	}

	/* Counts past their maximum are spec errors, naming the field. */
	ct_fill(&b, sizeof(b));
	b.e.sz = sizeof(b.e);
	assert_int_equal(cip_table_service_create(F.t, &I.s_nports_over, 0, &b.e), CIP_ESPEC);
	assert_int_equal(b.e.field, CIP_FIELD_PORTS);
	assert_int_equal(cip_table_pod_apply(F.t, &I.p_nlabels_over, &b.e), CIP_ESPEC);
	assert_int_equal(b.e.field, CIP_FIELD_LABELS);
}

/* _spec_init() and _opts_init() write exactly sz bytes. */
static void test_init_writes_sz_bytes(void **state)
{
	(void)state;
	union {
		BIG(cip_table_opts) t;
		BIG(cip_service_spec) s;
		BIG(cip_pod_spec) p;
	} b;

	for (int k = 0; k < 3; k++) {
		const size_t sizes[] = { sizeof(size_t), sizeof(b.t.o), sizeof(b.s.o),
					 sizeof(b.p.o), sizeof(b) };

		for (size_t s = 0; s < ARRAY_LEN(sizes); s++) {
			int rc;

			ct_fill(&b, sizeof(b));
			rc = k == 0   ? cip_table_opts_init(&b.t.o, sizes[s])
			     : k == 1 ? cip_service_spec_init(&b.s.o, sizes[s])
				      : cip_pod_spec_init(&b.p.o, sizes[s]);
			assert_int_equal(rc, 0);
			ct_assert_init_wrote(&b, sizeof(b), sizes[s]);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		CT_ARG_GROUP(init_args, init_cases, &O, fixture_state),
		CT_ARG_GROUP(write_args, write_cases, &O, fixture_state),
		CT_ARG_GROUP(read_args, read_cases, &O, fixture_state),
		CT_ARG_GROUP(dns_args, dns_cases, &O, fixture_state),
		CT_ARG_GROUP(select_args, select_cases, &O, fixture_state),
		cmocka_unit_test(test_bufsize_writes_only_documented),
		cmocka_unit_test(test_batch_entries),
		cmocka_unit_test(test_spec_error_sz),
		cmocka_unit_test(test_init_writes_sz_bytes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
