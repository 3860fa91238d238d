/* SPDX-License-Identifier: Apache-2.0 */
/* include/clusterip/table.h: services, pods, endpoints and lookups, with a
 * pool and node ports, single-threaded. The concurrent behaviour is in
 * tests/stress/test_table_stress.c. */
#include <limits.h>

#include "cip_test.h"

/* ------------------------------------------------------------------ */
/* Fixtures                                                           */
/* ------------------------------------------------------------------ */

struct fx {
	cip_pool *pool;
	cip_ports *ports;
	cip_table *t;
};

static cip_addr ip(const char *text)
{
	cip_addr a;

	if (cip_addr_parse(&a, text, strlen(text), 0, NULL) != 0)
		fail_msg("bad test address %s", text);
	return a;
}

static void add_range(cip_pool *p, const char *cidr)
{
	cip_prefix pr;

	assert_int_equal(cip_prefix_parse(&pr, cidr, strlen(cidr), 0, NULL), 0);
	assert_int_equal(cip_pool_add(p, &pr, NULL), 0);
}

/* A table over a dual-stack pool (or IPv4 only) and node ports. */
static struct fx fx_new(int dual)
{
	struct fx f;
	cip_table_opts o;
	cip_port_range pr;
	cip_pool_opts po;

	cip_pool_opts_init(&po, sizeof(po));
	po.seed = 7;
	assert_int_equal(cip_pool_new(&f.pool, &po), 0);
	add_range(f.pool, "10.96.0.0/12");
	if (dual)
		add_range(f.pool, "fd00:10:96::/108");
	assert_int_equal(cip_port_range_parse(&pr, S("30000-32767"), NULL), 0);
	assert_int_equal(cip_ports_new(&f.ports, &pr, NULL), 0);
	cip_table_opts_init(&o, sizeof(o));
	o.pool = f.pool;
	o.node_ports = f.ports;
	assert_int_equal(cip_table_new(&f.t, &o), 0);
	return f;
}

static void fx_free(struct fx *f)
{
	cip_table_free(f->t);
	cip_ports_free(f->ports);
	cip_pool_free(f->pool);
}

static uint64_t pool_used(const struct fx *f, int family)
{
	uint64_t n = 0;

	assert_int_equal(cip_pool_used(f->pool, family, &n), 0);
	return n;
}

static uint64_t ports_used(const struct fx *f)
{
	uint64_t n = 0;

	assert_int_equal(cip_ports_used(f->ports, CIP_BAND_ALL, &n), 0);
	return n;
}

static const cip_label app_my_app[] = { { "app", "my-app" } };

static const cip_service_port http[] = { { "http", CIP_PROTO_TCP, 80, 8080, NULL, 0 } };

static cip_service_spec svc(const char *ns, const char *name)
{
	cip_service_spec s;

	cip_service_spec_init(&s, sizeof(s));
	s.ns = ns;
	s.name = name;
	s.ports = http;
	s.nports = 1;
	s.selector = app_my_app;
	s.nselector = 1;
	return s;
}

static cip_spec_error err_new(void)
{
	cip_spec_error e;

	memset(&e, 0, sizeof(e));
	e.sz = sizeof(e);
	return e;
}

static int create(struct fx *f, const cip_service_spec *s)
{
	cip_spec_error e = err_new();
	int rc = cip_table_service_create(f->t, s, 0, &e);

	if (rc != 0 && rc != e.code)
		fail_msg("error %d but err.code %d", rc, e.code);
	return rc;
}

static cip_service_info get(struct fx *f, const char *ns, const char *name)
{
	cip_service_info info;

	assert_int_equal(cip_table_service_get(f->t, ns, name, &info, NULL, 0), 0);
	return info;
}

static int pod(struct fx *f, const char *name, const char *addr, const cip_label *labels,
	       size_t nlabels, unsigned conditions)
{
	cip_pod_spec p;
	cip_addr a = ip(addr);

	cip_pod_spec_init(&p, sizeof(p));
	p.ns = "default";
	p.name = name;
	p.ips = &a;
	p.nips = 1;
	p.labels = labels;
	p.nlabels = nlabels;
	p.node_name = "node-a";
	p.zone = "zone-1";
	p.conditions = conditions;
	return cip_table_pod_apply(f->t, &p, NULL);
}

/* The endpoints of (vip, 80/TCP), sorted by address for comparisons. */
static size_t eps_at(struct fx *f, const cip_addr *vip, cip_endpoint *eps, size_t cap)
{
	size_t n = 0;
	int rc = cip_table_lookup(f->t, vip, 80, CIP_PROTO_TCP, NULL, NULL, eps, cap, &n);

	assert_int_equal(rc, 0);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && memcmp(&eps[j - 1].addr, &eps[j].addr, 20) > 0; j--) {
			cip_endpoint tmp = eps[j];

			eps[j] = eps[j - 1];
			eps[j - 1] = tmp;
		}
	return n;
}

static int reason(struct fx *f, const char *name)
{
	int r = -1;

	assert_int_equal(cip_table_endpoints_reason(f->t, "default", name, &r), 0);
	return r;
}

/* ------------------------------------------------------------------ */
/* Life cycle and arguments                                           */
/* ------------------------------------------------------------------ */

static void test_new_and_options(void **state)
{
	(void)state;
	cip_table *t = NULL;
	cip_table_opts o;
	uint64_t g = 9;

	assert_int_equal(cip_table_new(NULL, NULL), CIP_EINVAL);
	assert_int_equal(cip_table_new(&t, NULL), 0);
	assert_int_equal(cip_table_generation(t, &g), 0);
	assert_int_equal(g, 0);
	cip_table_free(t);
	cip_table_free(NULL);

	cip_table_opts_init(&o, sizeof(o));
	o.cluster_domain = "Bad_Domain";
	t = NULL;
	assert_int_equal(cip_table_new(&t, &o), CIP_EINVAL);
	assert_null(t);
	o.cluster_domain = "example.org.";
	assert_int_equal(cip_table_new(&t, &o), 0);
	cip_table_free(t);
	o.cluster_domain = NULL;
	o.primary_family = 5;
	assert_int_equal(cip_table_new(&t, &o), CIP_EINVAL);
	assert_int_equal(cip_table_opts_init(NULL, sizeof(o)), CIP_EINVAL);
	assert_int_equal(cip_service_spec_init(NULL, 8), CIP_EINVAL);
	assert_int_equal(cip_pod_spec_init(NULL, 8), CIP_EINVAL);
}

static void test_null_arguments(void **state)
{
	(void)state;
	struct fx f = fx_new(0);
	cip_service_spec s = svc("default", "a");
	cip_service_info info;
	cip_endpoint ep;
	cip_addr vip = ip("10.96.0.1");
	size_t n;
	int r;
	uint32_t id;
	char buf[8];

	assert_int_equal(cip_table_service_create(NULL, &s, 0, NULL), CIP_EINVAL);
	assert_int_equal(cip_table_service_create(f.t, NULL, 0, NULL), CIP_EINVAL);
	assert_int_equal(cip_table_service_update(NULL, &s, 0, NULL), CIP_EINVAL);
	assert_int_equal(cip_table_service_delete(f.t, NULL, "a", 0), CIP_EINVAL);
	assert_int_equal(cip_table_service_delete(NULL, "default", "a", 0), CIP_EINVAL);
	assert_int_equal(cip_table_pod_apply(NULL, NULL, NULL), CIP_EINVAL);
	assert_int_equal(cip_table_pod_delete(f.t, "default", NULL), CIP_EINVAL);
	assert_int_equal(cip_table_endpoints_set(f.t, NULL, "a", NULL, 0, NULL, 0, NULL),
			 CIP_EINVAL);
	assert_int_equal(cip_table_lookup(NULL, &vip, 80, 1, NULL, NULL, NULL, 0, &n), CIP_EINVAL);
	assert_int_equal(cip_table_lookup(f.t, NULL, 80, 1, NULL, NULL, NULL, 0, &n), CIP_EINVAL);
	assert_int_equal(cip_table_lookup(f.t, &vip, 80, 1, NULL, NULL, NULL, 1, &n), CIP_EINVAL);
	assert_int_equal(cip_table_lookup(f.t, &vip, 80, 1, NULL, NULL, &ep, 1, NULL), CIP_EINVAL);
	assert_int_equal(cip_table_lookup_node_port(NULL, 30000, 1, NULL, NULL, NULL, 0, &n),
			 CIP_EINVAL);
	assert_int_equal(cip_table_service_get(f.t, "default", "a", NULL, NULL, 0), CIP_EINVAL);
	assert_int_equal(cip_table_service_get(f.t, NULL, "a", &info, NULL, 0), CIP_EINVAL);
	assert_int_equal(cip_table_endpoints(f.t, "default", "a", 0, NULL, 0, NULL), CIP_EINVAL);
	assert_int_equal(cip_table_endpoints_reason(f.t, "default", "a", NULL), CIP_EINVAL);
	assert_int_equal(cip_table_foreach_service(f.t, NULL, NULL), CIP_EINVAL);
	assert_int_equal(cip_table_generation(f.t, NULL), CIP_EINVAL);
	assert_int_equal(cip_table_name_id(f.t, NULL, &id), CIP_EINVAL);
	assert_int_equal(cip_table_name(NULL, 1, buf, sizeof(buf)), CIP_EINVAL);
	/* Not found, distinct from invalid. */
	assert_int_equal(cip_table_lookup(f.t, &vip, 80, 1, NULL, NULL, NULL, 0, &n),
			 CIP_ENOTFOUND);
	assert_int_equal(cip_table_endpoints_reason(f.t, "default", "a", &r), CIP_ENOTFOUND);
	assert_int_equal(cip_table_service_delete(f.t, "default", "a", 0), CIP_ENOTFOUND);
	assert_int_equal(cip_table_pod_delete(f.t, "default", "p"), CIP_ENOTFOUND);
	assert_int_equal(cip_table_name(f.t, 99, buf, sizeof(buf)), CIP_ENOTFOUND);
	fx_free(&f);
}

/* ------------------------------------------------------------------ */
/* Validation: each invalid field is its own error, nothing changes   */
/* ------------------------------------------------------------------ */

enum mutation {
	M_NS_MISSING,
	M_NS_UPPER,
	M_NAME_DIGIT,
	M_NAME_LONG,
	M_NAME_UTF8,
	M_IP_FAMILY,
	M_TYPE,
	M_NO_PORTS,
	M_PORT_ZERO,
	M_PROTOCOL,
	M_PORT_NAME_MISSING,
	M_PORT_NAME_DUP,
	M_PORT_DUP,
	M_PORT_NAME_BAD,
	M_TARGET_NAME_BAD,
	M_TARGET_BOTH,
	M_NODE_PORT_CLUSTER_IP,
	M_SELECTOR_KEY,
	M_SELECTOR_VALUE,
	M_SELECTOR_DUP,
	M_IPS_THREE,
	M_IPS_SAME_FAMILY,
	M_HEADLESS_WITH_IP,
	M_HEADLESS_NODE_PORT,
	M_POLICY,
	M_SINGLE_TWO_IPS,
	M_AFFINITY,
	M_TIMEOUT_NONE,
	M_TIMEOUT_BIG,
	M_TRAFFIC,
	M_DISTRIBUTION,
	M_EXTERNAL_MISSING,
	M_EXTERNAL_BAD,
	M_EXTERNAL_IPS,
};

static const struct {
	enum mutation m;
	int field;
	size_t index;
} spec_rows[] = {
	{ M_NS_MISSING, CIP_FIELD_NAMESPACE, 0 },
	{ M_NS_UPPER, CIP_FIELD_NAMESPACE, 0 },
	{ M_NAME_DIGIT, CIP_FIELD_NAME, 0 },
	{ M_NAME_LONG, CIP_FIELD_NAME, 0 },
	{ M_NAME_UTF8, CIP_FIELD_NAME, 0 },
	{ M_IP_FAMILY, CIP_FIELD_CLUSTER_IPS, 0 },
	{ M_TYPE, CIP_FIELD_TYPE, 0 },
	{ M_NO_PORTS, CIP_FIELD_PORTS, 0 },
	{ M_PORT_ZERO, CIP_FIELD_PORT, 0 },
	{ M_PROTOCOL, CIP_FIELD_PORT_PROTOCOL, 0 },
	{ M_PORT_NAME_MISSING, CIP_FIELD_PORT_NAME, 0 },
	{ M_PORT_NAME_DUP, CIP_FIELD_PORT_NAME, 1 },
	{ M_PORT_DUP, CIP_FIELD_PORT, 1 },
	{ M_PORT_NAME_BAD, CIP_FIELD_PORT_NAME, 0 },
	{ M_TARGET_NAME_BAD, CIP_FIELD_TARGET_PORT, 0 },
	{ M_TARGET_BOTH, CIP_FIELD_TARGET_PORT, 0 },
	{ M_NODE_PORT_CLUSTER_IP, CIP_FIELD_NODE_PORT, 0 },
	{ M_SELECTOR_KEY, CIP_FIELD_SELECTOR, 0 },
	{ M_SELECTOR_VALUE, CIP_FIELD_SELECTOR, 0 },
	{ M_SELECTOR_DUP, CIP_FIELD_SELECTOR, 1 },
	{ M_IPS_THREE, CIP_FIELD_CLUSTER_IPS, 2 },
	{ M_IPS_SAME_FAMILY, CIP_FIELD_CLUSTER_IPS, 1 },
	{ M_HEADLESS_WITH_IP, CIP_FIELD_CLUSTER_IPS, 0 },
	{ M_HEADLESS_NODE_PORT, CIP_FIELD_CLUSTER_IPS, 0 },
	{ M_POLICY, CIP_FIELD_IP_FAMILY_POLICY, 0 },
	{ M_SINGLE_TWO_IPS, CIP_FIELD_IP_FAMILY_POLICY, 0 },
	{ M_AFFINITY, CIP_FIELD_SESSION_AFFINITY, 0 },
	{ M_TIMEOUT_NONE, CIP_FIELD_AFFINITY_TIMEOUT, 0 },
	{ M_TIMEOUT_BIG, CIP_FIELD_AFFINITY_TIMEOUT, 0 },
	{ M_TRAFFIC, CIP_FIELD_TRAFFIC_POLICY, 0 },
	{ M_DISTRIBUTION, CIP_FIELD_TRAFFIC_DISTRIBUTION, 0 },
	{ M_EXTERNAL_MISSING, CIP_FIELD_EXTERNAL_NAME, 0 },
	{ M_EXTERNAL_BAD, CIP_FIELD_EXTERNAL_NAME, 0 },
	{ M_EXTERNAL_IPS, CIP_FIELD_CLUSTER_IPS, 0 },
};

static const cip_service_port unnamed_pair[] = { { NULL, CIP_PROTO_TCP, 80, 0, NULL, 0 },
						 { "b", CIP_PROTO_TCP, 81, 0, NULL, 0 } };
static const cip_service_port dup_names[] = { { "a", CIP_PROTO_TCP, 80, 0, NULL, 0 },
					      { "a", CIP_PROTO_TCP, 81, 0, NULL, 0 } };
static const cip_service_port dup_ports[] = { { "a", CIP_PROTO_TCP, 80, 0, NULL, 0 },
					      { "b", CIP_PROTO_TCP, 80, 0, NULL, 0 } };

struct port_buf {
	cip_service_port p[2];
	cip_label l[2];
	cip_addr ips[3];
};

static void mutate(cip_service_spec *s, enum mutation m, struct port_buf *b)
{
	b->p[0] = http[0];
	b->l[0] = app_my_app[0];
	b->l[1] = app_my_app[0];
	b->ips[0] = ip("10.96.0.50");
	b->ips[1] = ip("10.96.0.51");
	b->ips[2] = ip("fd00:10:96::50");
	switch (m) {
	case M_NS_MISSING:
		s->ns = NULL;
		break;
	case M_NS_UPPER:
		s->ns = "Default";
		break;
	case M_NAME_DIGIT:
		s->name = "1abc";
		break;
	case M_NAME_LONG:
		s->name = "a234567890123456789012345678901234567890123456789012345678901234";
		break;
	case M_NAME_UTF8:
		s->name = "caf\xc3\xa9";
		break;
	case M_IP_FAMILY:
		b->ips[0].family = 5;
		s->cluster_ips = b->ips;
		s->ncluster_ips = 1;
		break;
	case M_TYPE:
		s->type = 9;
		break;
	case M_NO_PORTS:
		s->nports = 0;
		break;
	case M_PORT_ZERO:
		b->p[0].port = 0;
		s->ports = b->p;
		break;
	case M_PROTOCOL:
		b->p[0].protocol = 7;
		s->ports = b->p;
		break;
	case M_PORT_NAME_MISSING:
		s->ports = unnamed_pair;
		s->nports = 2;
		break;
	case M_PORT_NAME_DUP:
		s->ports = dup_names;
		s->nports = 2;
		break;
	case M_PORT_DUP:
		s->ports = dup_ports;
		s->nports = 2;
		break;
	case M_PORT_NAME_BAD:
		b->p[0].name = "Http";
		s->ports = b->p;
		break;
	case M_TARGET_NAME_BAD:
		b->p[0].target_port = 0;
		b->p[0].target_port_name = "http--x";
		s->ports = b->p;
		break;
	case M_TARGET_BOTH:
		b->p[0].target_port_name = "web";
		s->ports = b->p;
		break;
	case M_NODE_PORT_CLUSTER_IP:
		b->p[0].node_port = 30080;
		s->ports = b->p;
		break;
	case M_SELECTOR_KEY:
		b->l[0].key = "-app";
		s->selector = b->l;
		break;
	case M_SELECTOR_VALUE:
		b->l[0].value = "my app";
		s->selector = b->l;
		break;
	case M_SELECTOR_DUP:
		s->selector = b->l;
		s->nselector = 2;
		break;
	case M_IPS_THREE:
		s->cluster_ips = b->ips;
		s->ncluster_ips = 3;
		break;
	case M_IPS_SAME_FAMILY:
		s->cluster_ips = b->ips;
		s->ncluster_ips = 2;
		s->ip_family_policy = CIP_REQUIRE_DUAL_STACK;
		break;
	case M_HEADLESS_WITH_IP:
		s->headless = 1;
		s->cluster_ips = b->ips;
		s->ncluster_ips = 1;
		break;
	case M_HEADLESS_NODE_PORT:
		s->headless = 1;
		s->type = CIP_SERVICE_NODE_PORT;
		break;
	case M_POLICY:
		s->ip_family_policy = 4;
		break;
	case M_SINGLE_TWO_IPS:
		s->cluster_ips = b->ips + 1;
		s->ncluster_ips = 2;
		s->ip_family_policy = CIP_SINGLE_STACK;
		break;
	case M_AFFINITY:
		s->session_affinity = 3;
		break;
	case M_TIMEOUT_NONE:
		s->affinity_timeout = 10;
		break;
	case M_TIMEOUT_BIG:
		s->session_affinity = CIP_AFFINITY_CLIENT_IP;
		s->affinity_timeout = 86401;
		break;
	case M_DISTRIBUTION:
		s->traffic_distribution = 3;
		break;
	case M_TRAFFIC:
		s->internal_traffic_policy = 3;
		break;
	case M_EXTERNAL_MISSING:
		s->type = CIP_SERVICE_EXTERNAL_NAME;
		break;
	case M_EXTERNAL_BAD:
		s->type = CIP_SERVICE_EXTERNAL_NAME;
		s->external_name = "a..b";
		break;
	case M_EXTERNAL_IPS:
		s->type = CIP_SERVICE_EXTERNAL_NAME;
		s->external_name = "db.example.com";
		s->cluster_ips = b->ips;
		s->ncluster_ips = 1;
		break;
	}
}

static void test_spec_validation(void **state)
{
	(void)state;
	struct fx f = fx_new(1);
	size_t failures = 0;
	uint64_t g0, g1;

	cip_table_generation(f.t, &g0);
	for (size_t i = 0; i < ARRAY_LEN(spec_rows); i++) {
		cip_service_spec s = svc("default", "web");
		struct port_buf b;
		cip_spec_error e = err_new();
		int rc;

		mutate(&s, spec_rows[i].m, &b);
		rc = cip_table_service_create(f.t, &s, 0, &e);
		CHECK(failures, rc == CIP_ESPEC && e.code == CIP_ESPEC,
		      "row %zu: rc %d code %d (%s)\n", i, rc, e.code, e.message);
		CHECK(failures, e.field == spec_rows[i].field && e.index == spec_rows[i].index,
		      "row %zu: field %d index %zu, want %d %zu (%s)\n", i, e.field, e.index,
		      spec_rows[i].field, spec_rows[i].index, e.message);
		CHECK(failures, e.message[0] != '\0', "row %zu: no message\n", i);
	}
	cip_table_generation(f.t, &g1);
	CHECK(failures, g1 == g0, "generation moved\n");
	CHECK(failures, pool_used(&f, CIP_FAMILY_IPV4) == 0, "IPv4 allocated\n");
	CHECK(failures, pool_used(&f, CIP_FAMILY_IPV6) == 0, "IPv6 allocated\n");
	CHECK(failures,
	      cip_table_service_get(f.t, "default", "web", &(cip_service_info){ 0 }, NULL, 0) ==
		      CIP_ENOTFOUND,
	      "a service was created\n");
	/* An error struct too small to hold the details is left alone. */
	{
		cip_service_spec s = svc("Default", "web");
		cip_spec_error e = err_new();

		e.sz = sizeof(size_t);
		CHECK(failures,
		      cip_table_service_create(f.t, &s, 0, &e) == CIP_ESPEC && e.code == 0,
		      "small error struct\n");
	}
	CHECK_DONE(failures);
	fx_free(&f);
}

/* ------------------------------------------------------------------ */
/* ClusterIPs from the pool                                           */
/* ------------------------------------------------------------------ */

static void test_cluster_ips(void **state)
{
	(void)state;
	struct fx f = fx_new(1);
	cip_service_spec s = svc("kube-system", "kube-dns");
	cip_addr dns = ip("10.96.0.10"), v6, outside = ip("192.168.0.1");
	cip_service_info info;
	cip_spec_error e = err_new();

	s.cluster_ips = &dns;
	s.ncluster_ips = 1;
	assert_int_equal(create(&f, &s), 0);
	info = get(&f, "kube-system", "kube-dns");
	assert_int_equal(info.ncluster_ips, 1);
	assert_memory_equal(&info.cluster_ips[0], &dns, sizeof(dns));
	assert_int_equal(info.ip_family_policy, CIP_SINGLE_STACK);
	assert_int_equal(cip_pool_has(f.pool, &dns), 1);

	/* Taken, and outside every range: distinct errors, nothing created. */
	s.name = "other";
	assert_int_equal(cip_table_service_create(f.t, &s, 0, &e), CIP_EALLOCATED);
	assert_int_equal(e.field, CIP_FIELD_CLUSTER_IPS);
	s.cluster_ips = &outside;
	assert_int_equal(create(&f, &s), CIP_ERANGE);
	assert_int_equal(pool_used(&f, CIP_FAMILY_IPV4), 1);

	/* Allocated by policy. */
	s = svc("default", "single");
	assert_int_equal(create(&f, &s), 0);
	info = get(&f, "default", "single");
	assert_int_equal(info.ncluster_ips, 1);
	assert_int_equal(info.cluster_ips[0].family, CIP_FAMILY_IPV4);
	s = svc("default", "dual");
	s.ip_family_policy = CIP_REQUIRE_DUAL_STACK;
	assert_int_equal(create(&f, &s), 0);
	info = get(&f, "default", "dual");
	assert_int_equal(info.ncluster_ips, 2);
	assert_int_equal(info.cluster_ips[0].family, CIP_FAMILY_IPV4);
	assert_int_equal(info.cluster_ips[1].family, CIP_FAMILY_IPV6);
	v6 = info.cluster_ips[1];
	assert_int_equal(pool_used(&f, CIP_FAMILY_IPV6), 1);

	/* Both ClusterIPs are VIPs of the port. */
	{
		size_t n = 9;

		assert_int_equal(
			cip_table_lookup(f.t, &v6, 80, CIP_PROTO_TCP, &info, NULL, NULL, 0, &n), 0);
		assert_string_equal(info.name, "dual");
		assert_int_equal(n, 0);
		assert_int_equal(
			cip_table_lookup(f.t, &v6, 80, CIP_PROTO_UDP, NULL, NULL, NULL, 0, &n),
			CIP_ENOTFOUND);
		assert_int_equal(
			cip_table_lookup(f.t, &v6, 81, CIP_PROTO_TCP, NULL, NULL, NULL, 0, &n),
			CIP_ENOTFOUND);
	}

	/* Delete releases both. */
	assert_int_equal(cip_table_service_delete(f.t, "default", "dual", 0), 0);
	assert_int_equal(pool_used(&f, CIP_FAMILY_IPV6), 0);
	assert_int_equal(pool_used(&f, CIP_FAMILY_IPV4), 2);
	assert_int_equal(cip_table_service_delete(f.t, "default", "dual", 0), CIP_ENOTFOUND);
	fx_free(&f);
}

static void test_failed_create_allocates_nothing(void **state)
{
	(void)state;
	struct fx f = fx_new(0); /* IPv4 only */
	cip_service_spec s = svc("default", "dual");
	cip_service_port np[2] = { { "a", CIP_PROTO_TCP, 80, 0, NULL, 0 },
				   { "b", CIP_PROTO_TCP, 81, 0, NULL, 30001 } };
	cip_spec_error e = err_new();

	s.ip_family_policy = CIP_REQUIRE_DUAL_STACK;
	assert_int_equal(cip_table_service_create(f.t, &s, 0, &e), CIP_EFAMILY);
	assert_int_equal(e.field, CIP_FIELD_CLUSTER_IPS);
	assert_int_equal(pool_used(&f, CIP_FAMILY_IPV4), 0);

	/* PreferDualStack does without the second family. */
	s.ip_family_policy = CIP_PREFER_DUAL_STACK;
	assert_int_equal(create(&f, &s), 0);
	assert_int_equal(get(&f, "default", "dual").ncluster_ips, 1);

	/* A node port that is taken fails after the ClusterIP was allocated:
	 * the ClusterIP and the other node port go back. */
	assert_int_equal(cip_ports_allocate(f.ports, 30001, 0), 0);
	s = svc("default", "np");
	s.type = CIP_SERVICE_NODE_PORT;
	s.ports = np;
	s.nports = 2;
	assert_int_equal(cip_table_service_create(f.t, &s, 0, &e), CIP_EALLOCATED);
	assert_int_equal(e.field, CIP_FIELD_NODE_PORT);
	assert_int_equal(e.index, 1);
	assert_int_equal(pool_used(&f, CIP_FAMILY_IPV4), 1);
	assert_int_equal(ports_used(&f), 1);
	assert_int_equal(cip_table_service_create(f.t, &(cip_service_spec){ 0 }, 0, NULL),
			 CIP_EINVAL); /* sz 0 */
	fx_free(&f);
}

/* ------------------------------------------------------------------ */
/* Node ports                                                         */
/* ------------------------------------------------------------------ */

static void test_node_ports(void **state)
{
	(void)state;
	struct fx f = fx_new(0);
	cip_service_spec s = svc("default", "np");
	cip_service_port ports[2] = { { "a", CIP_PROTO_TCP, 80, 0, NULL, 0 },
				      { "b", CIP_PROTO_UDP, 53, 0, NULL, 30053 } };
	cip_service_port_info pi[2];
	cip_service_info info;
	size_t n;

	s.type = CIP_SERVICE_NODE_PORT;
	s.ports = ports;
	s.nports = 2;
	assert_int_equal(create(&f, &s), 0);
	assert_int_equal(cip_table_service_get(f.t, "default", "np", &info, pi, 2), 0);
	assert_int_equal(info.nports, 2);
	assert_true(pi[0].node_port >= 30000 && pi[0].node_port <= 32767);
	assert_int_equal(pi[1].node_port, 30053);
	assert_int_equal(ports_used(&f), 2);
	assert_int_equal(cip_table_service_get(f.t, "default", "np", &info, pi, 1), CIP_EBUFSIZE);

	assert_int_equal(
		cip_table_lookup_node_port(f.t, 30053, CIP_PROTO_UDP, &info, pi, NULL, 0, &n), 0);
	assert_int_equal(pi[0].port, 53);
	assert_int_equal(
		cip_table_lookup_node_port(f.t, 30053, CIP_PROTO_TCP, NULL, NULL, NULL, 0, &n),
		CIP_ENOTFOUND);

	/* Update: port a keeps its node port, b moves, c is new. */
	{
		cip_service_port up[3] = { { "a", CIP_PROTO_TCP, 80, 0, NULL, 0 },
					   { "b", CIP_PROTO_UDP, 53, 0, NULL, 30054 },
					   { "c", CIP_PROTO_TCP, 443, 0, NULL, 0 } };
		cip_service_port_info after[3];
		uint16_t kept = 0;

		assert_int_equal(cip_table_service_get(f.t, "default", "np", &info, pi, 2), 0);
		kept = pi[0].node_port;
		s.ports = up;
		s.nports = 3;
		assert_int_equal(cip_table_service_update(f.t, &s, 0, NULL), 0);
		assert_int_equal(cip_table_service_get(f.t, "default", "np", &info, after, 3), 0);
		assert_int_equal(after[0].node_port, kept);
		assert_int_equal(after[1].node_port, 30054);
		assert_true(after[2].node_port >= 30000);
		assert_int_equal(ports_used(&f), 3);
		assert_int_equal(cip_ports_has(f.ports, 30053), 0);
		assert_int_equal(cip_table_lookup_node_port(f.t, 30053, CIP_PROTO_UDP, NULL, NULL,
							    NULL, 0, &n),
				 CIP_ENOTFOUND);
	}
	/* One number for TCP and UDP is allocated once, released once. */
	{
		cip_service_port both[2] = { { "tcp", CIP_PROTO_TCP, 53, 0, NULL, 30553 },
					     { "udp", CIP_PROTO_UDP, 53, 0, NULL, 30553 } };
		cip_service_spec d = svc("default", "dns");

		d.type = CIP_SERVICE_NODE_PORT;
		d.ports = both;
		d.nports = 2;
		assert_int_equal(create(&f, &d), 0);
		assert_int_equal(ports_used(&f), 4);
		assert_int_equal(cip_table_lookup_node_port(f.t, 30553, CIP_PROTO_UDP, NULL, pi,
							    NULL, 0, &n),
				 0);
		assert_string_equal(pi[0].name, "udp");
		assert_int_equal(cip_table_service_update(f.t, &d, 0, NULL), 0);
		assert_int_equal(ports_used(&f), 4);
		assert_int_equal(cip_table_service_delete(f.t, "default", "dns", 0), 0);
		assert_int_equal(ports_used(&f), 3);
	}
	/* Back to ClusterIP: every node port goes. */
	s.type = CIP_SERVICE_CLUSTER_IP;
	s.ports = http;
	s.nports = 1;
	assert_int_equal(cip_table_service_update(f.t, &s, 0, NULL), 0);
	assert_int_equal(ports_used(&f), 0);
	fx_free(&f);
}

/* A batch lookup gives what the single lookup gives, field for field. */
static void expect_same_as_single(struct fx *f, const cip_lookup *q)
{
	cip_service_info svc;
	cip_service_port_info pi;
	cip_endpoint eps[8];
	size_t n = 0;
	int rc = q->flags & CIP_LOOKUP_NODE_PORT
			 ? cip_table_lookup_node_port(f->t, q->port, q->protocol, &svc, &pi, eps,
						      q->cap, &n)
			 : cip_table_lookup(f->t, &q->vip, q->port, q->protocol, &svc, &pi, eps,
					    q->cap, &n);

	assert_int_equal(q->rc, rc);
	if (rc != 0 && rc != CIP_EBUFSIZE) {
		assert_int_equal(q->n, 0);
		return;
	}
	assert_int_equal(q->n, n);
	assert_memory_equal(q->svc, &svc, sizeof(svc));
	assert_memory_equal(q->port_info, &pi, sizeof(pi));
	if (rc == 0 && n)
		assert_memory_equal(q->eps, eps, n * sizeof(*eps));
}

static cip_lookup by_vip(const cip_addr *vip, uint16_t port, int protocol, cip_service_info *svc,
			 cip_service_port_info *pi, cip_endpoint *eps, size_t cap)
{
	return (cip_lookup){ .vip = *vip,
			     .port = port,
			     .protocol = (uint8_t)protocol,
			     .svc = svc,
			     .port_info = pi,
			     .eps = eps,
			     .cap = cap };
}

static void test_lookup_batch(void **state)
{
	(void)state;
	struct fx f = fx_new(1);
	/* Port names too long for the lookup record take the other path. */
	cip_service_port ports[2] = {
		{ "http", CIP_PROTO_TCP, 80, 0, "web", 0 },
		{ "a-rather-long-port-name", CIP_PROTO_UDP, 53, 0, "dns-over-udp", 30053 },
	};
	cip_named_port named[2] = { { "web", CIP_PROTO_TCP, 8080 },
				    { "dns-over-udp", CIP_PROTO_UDP, 5353 } };
	cip_service_spec s = svc("default", "web");
	cip_service_info info, svcs[12];
	cip_service_port_info pis[12];
	cip_endpoint eps[12][8];
	cip_lookup q[12];
	cip_addr bad = ip("10.0.0.1");
	int ok;

	s.type = CIP_SERVICE_NODE_PORT;
	s.ip_family_policy = CIP_PREFER_DUAL_STACK;
	s.ports = ports;
	s.nports = 2;
	assert_int_equal(create(&f, &s), 0);
	for (int i = 0; i < 3; i++) {
		char name[16], addr[16];
		cip_pod_spec p;
		cip_addr a;

		snprintf(name, sizeof(name), "pod-%d", i);
		snprintf(addr, sizeof(addr), "10.244.0.%d", i + 1);
		a = ip(addr);
		cip_pod_spec_init(&p, sizeof(p));
		p.ns = "default";
		p.name = name;
		p.ips = &a;
		p.nips = 1;
		p.labels = app_my_app;
		p.nlabels = 1;
		p.ports = named;
		p.nports = 2;
		p.conditions = i == 2 ? CIP_EP_SERVING | CIP_EP_TERMINATING
				      : CIP_EP_READY | CIP_EP_SERVING;
		assert_int_equal(cip_table_pod_apply(f.t, &p, NULL), 0);
	}
	info = get(&f, "default", "web");
	assert_int_equal(info.ncluster_ips, 2);

	memset(q, 0, sizeof(q));
	/* Both families, both ports, by node port, and misses. */
	q[0] = by_vip(&info.cluster_ips[0], 80, CIP_PROTO_TCP, &svcs[0], &pis[0], eps[0], 8);
	q[1] = by_vip(&info.cluster_ips[1], 80, CIP_PROTO_TCP, &svcs[1], &pis[1], eps[1], 8);
	q[2] = by_vip(&info.cluster_ips[0], 53, CIP_PROTO_UDP, &svcs[2], &pis[2], eps[2], 8);
	q[3] = by_vip(&bad, 53, CIP_PROTO_UDP, &svcs[3], &pis[3], eps[3], 8);
	q[4] = (cip_lookup){ .port = 30053,
			     .protocol = CIP_PROTO_UDP,
			     .flags = CIP_LOOKUP_NODE_PORT,
			     .svc = &svcs[4],
			     .port_info = &pis[4],
			     .eps = eps[4],
			     .cap = 8 };
	q[5] = q[4];
	q[5].protocol = CIP_PROTO_TCP;
	/* Too small a buffer: the count, the service and the port, no copy. */
	q[6] = by_vip(&info.cluster_ips[1], 53, CIP_PROTO_UDP, &svcs[6], &pis[6], eps[6], 2);
	/* Invalid lookups fail alone. */
	q[7] = by_vip(&info.cluster_ips[0], 80, CIP_PROTO_TCP, &svcs[7], &pis[7], NULL, 4);
	q[8] = by_vip(&info.cluster_ips[0], 80, CIP_PROTO_TCP, &svcs[8], &pis[8], eps[8], 8);
	q[8].flags = 0x80;
	q[9] = by_vip(&info.cluster_ips[0], 80, CIP_PROTO_TCP, &svcs[9], &pis[9], eps[9], 8);
	q[9].vip.family = 9;
	q[10] = by_vip(&info.cluster_ips[0], 80, CIP_PROTO_TCP, NULL, NULL, eps[10], 8);
	q[11] = by_vip(&info.cluster_ips[1], 53, CIP_PROTO_UDP, &svcs[11], &pis[11], eps[11], 8);

	ok = cip_table_lookup_batch(f.t, q, 12);
	assert_int_equal(ok, 6);
	for (int k = 0; k < 12; k++) {
		if (k >= 7 && k <= 9) {
			assert_int_equal(q[k].rc, CIP_EINVAL);
			assert_int_equal(q[k].n, 0);
		} else if (k != 10) {
			expect_same_as_single(&f, &q[k]);
		}
	}
	assert_int_equal(q[0].n, 3);
	assert_string_equal(pis[0].target_port_name, "web");
	assert_int_equal(eps[0][0].port, 8080);
	assert_string_equal(pis[2].name, "a-rather-long-port-name");
	assert_int_equal(eps[2][0].port, 5353);
	assert_int_equal(q[3].rc, CIP_ENOTFOUND);
	assert_int_equal(q[4].rc, 0);
	assert_int_equal(pis[4].port, 53);
	assert_int_equal(q[5].rc, CIP_ENOTFOUND);
	assert_int_equal(q[6].rc, CIP_EBUFSIZE);
	assert_int_equal(q[6].n, 3);
	assert_int_equal(q[10].rc, 0);
	assert_memory_equal(eps[10], eps[0], 3 * sizeof(cip_endpoint));

	/* The port as the service lists it, byte for byte. */
	{
		cip_service_port_info listed[2];

		assert_int_equal(cip_table_service_get(f.t, "default", "web", &info, listed, 2), 0);
		assert_memory_equal(&pis[0], &listed[0], sizeof(listed[0]));
		assert_memory_equal(&pis[2], &listed[1], sizeof(listed[1]));
	}

	/* Whole-call errors change nothing. */
	q[0].rc = 12345;
	assert_int_equal(cip_table_lookup_batch(NULL, q, 1), CIP_EINVAL);
	assert_int_equal(cip_table_lookup_batch(f.t, NULL, 1), CIP_EINVAL);
	assert_int_equal(cip_table_lookup_batch(f.t, q, (size_t)INT_MAX + 1), CIP_EINVAL);
	assert_int_equal(q[0].rc, 12345);
	assert_int_equal(cip_table_lookup_batch(f.t, NULL, 0), 0);
	fx_free(&f);
}

/* Batches longer than one internal group, over many services and after
 * updates, agree with single lookups everywhere. */
static void test_lookup_batch_many(void **state)
{
	(void)state;
	enum { SERVICES = 300, LOOKUPS = 2 * SERVICES };
	struct fx f = fx_new(0);
	cip_addr vips[SERVICES];
	cip_lookup *q = calloc(LOOKUPS, sizeof(*q));
	cip_endpoint(*eps)[8] = calloc(LOOKUPS, sizeof(*eps));
	cip_service_port_info *pis = calloc(LOOKUPS, sizeof(*pis));
	cip_service_info *svcs = calloc(LOOKUPS, sizeof(*svcs));
	uint64_t rng = 11;

	assert_non_null(q);
	assert_non_null(eps);
	assert_non_null(pis);
	assert_non_null(svcs);
	for (int i = 0; i < SERVICES; i++) {
		char name[16];
		cip_service_spec s;
		cip_endpoint_spec e[3];
		cip_named_port np = { "http", CIP_PROTO_TCP, 8080 };

		snprintf(name, sizeof(name), "s-%d", i);
		s = svc("default", name);
		s.selector = NULL;
		s.nselector = 0;
		assert_int_equal(create(&f, &s), 0);
		vips[i] = get(&f, "default", name).cluster_ips[0];
		memset(e, 0, sizeof(e));
		for (int k = 0; k < i % 4 && k < 3; k++) {
			char a[20];

			snprintf(a, sizeof(a), "10.1.%d.%d", i / 200, (i % 200) + k);
			e[k].addr = ip(a);
			e[k].conditions = CIP_EP_READY | CIP_EP_SERVING;
		}
		assert_int_equal(cip_table_endpoints_set(f.t, "default", name, e,
							 (size_t)(i % 4 < 3 ? i % 4 : 3), &np, 1,
							 NULL),
				 0);
	}
	for (int round = 0; round < 2; round++) {
		int expect = 0;

		for (int k = 0; k < LOOKUPS; k++) {
			/* Mostly hits, some misses on an unknown port. */
			size_t i =
				(size_t)(rng = rng * 6364136223846793005u + 1442695040888963407u) %
				SERVICES;

			q[k] = by_vip(&vips[i], k % 7 ? 80 : 81, CIP_PROTO_TCP, &svcs[k], &pis[k],
				      eps[k], 8);
			expect += k % 7 != 0 && (round == 0 || i % 3 != 0);
		}
		assert_int_equal(cip_table_lookup_batch(f.t, q, LOOKUPS), expect);
		for (int k = 0; k < LOOKUPS; k++)
			expect_same_as_single(&f, &q[k]);
		/* Delete every third service: their lookups now miss. */
		for (int i = 0; round == 0 && i < SERVICES; i += 3) {
			char name[16];

			snprintf(name, sizeof(name), "s-%d", i);
			assert_int_equal(cip_table_service_delete(f.t, "default", name, 0), 0);
		}
	}
	free(q);
	free(eps);
	free(pis);
	free(svcs);
	fx_free(&f);
}

/* ------------------------------------------------------------------ */
/* Pods, selectors and endpoints                                      */
/* ------------------------------------------------------------------ */

static void test_selector_endpoints(void **state)
{
	(void)state;
	struct fx f = fx_new(0);
	cip_service_spec s = svc("default", "my-service");
	cip_label other[] = { { "app", "other" } };
	cip_label two[] = { { "tier", "web" }, { "app", "my-app" } };
	cip_endpoint eps[8];
	cip_service_info info;
	cip_addr vip;
	uint64_t g0, g1;
	char buf[32];
	uint32_t id;

	assert_int_equal(create(&f, &s), 0);
	vip = get(&f, "default", "my-service").cluster_ips[0];
	assert_int_equal(reason(&f, "my-service"), CIP_EPS_NO_MATCHING_POD);
	assert_int_equal(eps_at(&f, &vip, eps, 8), 0);

	info = get(&f, "default", "my-service");
	g0 = info.generation;
	assert_int_equal(pod(&f, "p1", "10.244.0.1", app_my_app, 1, CIP_EP_READY | CIP_EP_SERVING),
			 0);
	assert_int_equal(pod(&f, "p2", "10.244.0.2", two, 2, 0), 0);
	assert_int_equal(pod(&f, "p3", "10.244.0.3", other, 1, CIP_EP_READY), 0);
	assert_int_equal(eps_at(&f, &vip, eps, 8), 2);
	{
		cip_addr a1 = ip("10.244.0.1"), a2 = ip("10.244.0.2");

		assert_memory_equal(&eps[0].addr, &a1, sizeof(a1));
		assert_memory_equal(&eps[1].addr, &a2, sizeof(a2));
	}
	assert_int_equal(eps[0].port, 8080);
	assert_int_equal(eps[0].conditions, CIP_EP_READY | CIP_EP_SERVING);
	assert_int_equal(eps[1].conditions, 0);
	assert_int_not_equal(eps[0].node, 0);
	assert_int_equal(cip_table_name(f.t, eps[0].node, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "node-a");
	assert_int_equal(cip_table_name_id(f.t, "zone-1", &id), 0);
	assert_int_equal(eps[0].zone, id);
	assert_int_equal(cip_table_name_id(f.t, "zone-9", &id), CIP_ENOTFOUND);
	assert_int_equal(cip_table_name(f.t, eps[0].node, buf, 3), CIP_EBUFSIZE);
	info = get(&f, "default", "my-service");
	g1 = info.generation;
	assert_true(g1 > g0);
	assert_int_equal(info.nendpoints, 2);
	assert_int_equal(reason(&f, "my-service"), CIP_EPS_OK);

	/* A buffer too small copies nothing but says how many. */
	{
		size_t n = 0;
		cip_endpoint one;

		ct_fill(&one, sizeof(one));
		assert_int_equal(
			cip_table_lookup(f.t, &vip, 80, CIP_PROTO_TCP, NULL, NULL, &one, 1, &n),
			CIP_EBUFSIZE);
		assert_int_equal(n, 2);
		assert_true(ct_untouched(&one, sizeof(one)));
	}

	/* Relabel p1 away, p3 in; delete p2. */
	assert_int_equal(pod(&f, "p1", "10.244.0.1", other, 1, CIP_EP_READY), 0);
	assert_int_equal(pod(&f, "p3", "10.244.0.3", app_my_app, 1, CIP_EP_READY), 0);
	assert_int_equal(eps_at(&f, &vip, eps, 8), 2);
	{
		cip_addr a3 = ip("10.244.0.3");

		assert_memory_equal(&eps[1].addr, &a3, sizeof(a3));
	}
	assert_int_equal(cip_table_pod_delete(f.t, "default", "p2"), 0);
	assert_int_equal(eps_at(&f, &vip, eps, 8), 1);
	{
		cip_addr want = ip("10.244.0.3");

		assert_memory_equal(&eps[0].addr, &want, sizeof(want));
	}
	/* Not ready only. */
	assert_int_equal(pod(&f, "p3", "10.244.0.3", app_my_app, 1, CIP_EP_TERMINATING), 0);
	assert_int_equal(reason(&f, "my-service"), CIP_EPS_NONE_READY);
	assert_int_equal(cip_table_pod_delete(f.t, "default", "p3"), 0);
	assert_int_equal(reason(&f, "my-service"), CIP_EPS_NO_MATCHING_POD);
	/* A pod in another namespace never matches. */
	{
		cip_pod_spec p;
		cip_addr a = ip("10.244.1.1");

		cip_pod_spec_init(&p, sizeof(p));
		p.ns = "other";
		p.name = "p";
		p.ips = &a;
		p.nips = 1;
		p.labels = app_my_app;
		p.nlabels = 1;
		p.conditions = CIP_EP_READY;
		assert_int_equal(cip_table_pod_apply(f.t, &p, NULL), 0);
		assert_int_equal(reason(&f, "my-service"), CIP_EPS_NO_MATCHING_POD);
		/* A pod without an IP matches but gives no endpoint. */
		p.ns = "default";
		p.nips = 0;
		assert_int_equal(cip_table_pod_apply(f.t, &p, NULL), 0);
		assert_int_equal(reason(&f, "my-service"), CIP_EPS_NO_POD_IP);
	}
	fx_free(&f);
}

/* trafficDistribution gives pod endpoints the hints of their own place. */
static void test_topology_hints(void **state)
{
	(void)state;
	struct fx f = fx_new(0);
	cip_service_spec s = svc("default", "near");
	cip_endpoint eps[2];
	cip_addr vip;
	uint32_t node, zone;

	assert_int_equal(pod(&f, "p1", "10.244.0.1", app_my_app, 1, CIP_EP_READY), 0);
	assert_int_equal(create(&f, &s), 0);
	vip = get(&f, "default", "near").cluster_ips[0];
	assert_int_equal(eps_at(&f, &vip, eps, 2), 1);
	assert_int_equal(eps[0].hint_zone, 0);
	assert_int_equal(eps[0].hint_node, 0);
	assert_int_equal(cip_table_name_id(f.t, "zone-1", &zone), 0);
	assert_int_equal(cip_table_name_id(f.t, "node-a", &node), 0);

	s.traffic_distribution = CIP_DISTRIBUTION_SAME_ZONE;
	assert_int_equal(cip_table_service_update(f.t, &s, 0, NULL), 0);
	assert_int_equal(get(&f, "default", "near").traffic_distribution,
			 CIP_DISTRIBUTION_SAME_ZONE);
	assert_int_equal(eps_at(&f, &vip, eps, 2), 1);
	assert_int_equal(eps[0].hint_zone, zone);
	assert_int_equal(eps[0].hint_node, 0);

	s.traffic_distribution = CIP_DISTRIBUTION_SAME_NODE;
	assert_int_equal(cip_table_service_update(f.t, &s, 0, NULL), 0);
	assert_int_equal(eps_at(&f, &vip, eps, 2), 1);
	assert_int_equal(eps[0].hint_zone, zone);
	assert_int_equal(eps[0].hint_node, node);
	fx_free(&f);
}

static void test_named_target_port(void **state)
{
	(void)state;
	struct fx f = fx_new(0);
	cip_service_spec s = svc("default", "web");
	cip_service_port by_name[] = { { "http", CIP_PROTO_TCP, 80, 0, "web", 0 } };
	cip_named_port web = { "web", CIP_PROTO_TCP, 8000 }, udp = { "web", CIP_PROTO_UDP, 9000 };
	cip_pod_spec p;
	cip_addr a = ip("10.244.0.7"), b = ip("10.244.0.8");
	cip_endpoint eps[4];
	cip_addr vip;
	cip_service_port_info pi;
	size_t n;

	s.ports = by_name;
	assert_int_equal(create(&f, &s), 0);
	vip = get(&f, "default", "web").cluster_ips[0];
	cip_pod_spec_init(&p, sizeof(p));
	p.ns = "default";
	p.name = "a";
	p.ips = &a;
	p.nips = 1;
	p.labels = app_my_app;
	p.nlabels = 1;
	p.conditions = CIP_EP_READY;
	p.ports = &udp; /* the name on another protocol does not count */
	p.nports = 1;
	assert_int_equal(cip_table_pod_apply(f.t, &p, NULL), 0);
	assert_int_equal(reason(&f, "web"), CIP_EPS_NO_NAMED_PORT);
	p.name = "b";
	p.ips = &b;
	p.ports = &web;
	assert_int_equal(cip_table_pod_apply(f.t, &p, NULL), 0);
	assert_int_equal(reason(&f, "web"), CIP_EPS_OK);
	assert_int_equal(cip_table_lookup(f.t, &vip, 80, CIP_PROTO_TCP, NULL, &pi, eps, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(&eps[0].addr, &b, sizeof(b));
	assert_int_equal(eps[0].port, 8000);
	assert_string_equal(pi.target_port_name, "web");
	assert_int_equal(pi.target_port, 0);
	assert_int_equal(pi.nendpoints, 1);
	fx_free(&f);
}

static void test_explicit_endpoints(void **state)
{
	(void)state;
	struct fx f = fx_new(0);
	cip_service_spec s = svc("default", "ext-db");
	cip_endpoint_spec eps[2];
	cip_named_port port = { "http", CIP_PROTO_TCP, 5432 };
	cip_endpoint out[4];
	cip_spec_error e = err_new();
	cip_addr vip;
	uint32_t zone;

	s.selector = NULL;
	s.nselector = 0;
	assert_int_equal(create(&f, &s), 0);
	vip = get(&f, "default", "ext-db").cluster_ips[0];
	assert_int_equal(reason(&f, "ext-db"), CIP_EPS_NO_SELECTOR);
	memset(eps, 0, sizeof(eps));
	eps[0].addr = ip("192.168.1.10");
	eps[0].conditions = CIP_EP_READY;
	eps[0].zone = "zone-2";
	eps[0].hint_zone = "zone-2";
	eps[1].addr = ip("192.168.1.11");
	eps[1].conditions = CIP_EP_SERVING | CIP_EP_TERMINATING;
	assert_int_equal(cip_table_endpoints_set(f.t, "default", "ext-db", eps, 2, &port, 1, &e),
			 0);
	assert_int_equal(eps_at(&f, &vip, out, 4), 2);
	assert_int_equal(out[0].port, 5432);
	assert_int_equal(cip_table_name_id(f.t, "zone-2", &zone), 0);
	assert_int_equal(out[0].hint_zone, zone);
	assert_int_equal(out[1].conditions, CIP_EP_SERVING | CIP_EP_TERMINATING);
	assert_int_equal(reason(&f, "ext-db"), CIP_EPS_OK);

	/* An update of the spec keeps them. */
	s.session_affinity = CIP_AFFINITY_CLIENT_IP;
	assert_int_equal(cip_table_service_update(f.t, &s, 0, NULL), 0);
	assert_int_equal(get(&f, "default", "ext-db").affinity_timeout,
			 CIP_AFFINITY_TIMEOUT_DEFAULT);
	assert_int_equal(eps_at(&f, &vip, out, 4), 2);

	/* Invalid: duplicate address; a service with a selector. */
	eps[1].addr = eps[0].addr;
	assert_int_equal(cip_table_endpoints_set(f.t, "default", "ext-db", eps, 2, &port, 1, &e),
			 CIP_ESPEC);
	assert_int_equal(e.field, CIP_FIELD_ENDPOINT_ADDRESS);
	assert_int_equal(e.index, 1);
	assert_int_equal(eps_at(&f, &vip, out, 4), 2);
	s = svc("default", "sel");
	assert_int_equal(create(&f, &s), 0);
	assert_int_equal(cip_table_endpoints_set(f.t, "default", "sel", eps, 1, &port, 1, &e),
			 CIP_ESPEC);
	assert_int_equal(e.field, CIP_FIELD_SELECTOR);
	assert_int_equal(cip_table_endpoints_set(f.t, "default", "none", eps, 1, &port, 1, &e),
			 CIP_ENOTFOUND);
	/* Cleared. */
	assert_int_equal(cip_table_endpoints_set(f.t, "default", "ext-db", NULL, 0, NULL, 0, NULL),
			 0);
	assert_int_equal(reason(&f, "ext-db"), CIP_EPS_NO_SELECTOR);
	fx_free(&f);
}

/* ------------------------------------------------------------------ */
/* Updates, headless, ExternalName, iteration                         */
/* ------------------------------------------------------------------ */

static void test_update_cluster_ips(void **state)
{
	(void)state;
	struct fx f = fx_new(1);
	cip_service_spec s = svc("default", "web");
	cip_service_info info;
	cip_spec_error e = err_new();
	cip_addr first, other = ip("10.96.0.77");
	size_t n;

	assert_int_equal(cip_table_service_update(f.t, &s, 0, &e), CIP_ENOTFOUND);
	assert_int_equal(create(&f, &s), 0);
	first = get(&f, "default", "web").cluster_ips[0];

	s.cluster_ips = &other;
	s.ncluster_ips = 1;
	assert_int_equal(cip_table_service_update(f.t, &s, 0, &e), CIP_ESPEC);
	assert_int_equal(e.field, CIP_FIELD_CLUSTER_IPS);
	assert_int_equal(cip_pool_has(f.pool, &other), 0);

	s.cluster_ips = NULL;
	s.ncluster_ips = 0;
	s.ip_family_policy = CIP_PREFER_DUAL_STACK;
	assert_int_equal(cip_table_service_update(f.t, &s, 0, NULL), 0);
	info = get(&f, "default", "web");
	assert_int_equal(info.ncluster_ips, 2);
	assert_memory_equal(&info.cluster_ips[0], &first, sizeof(first));
	assert_int_equal(pool_used(&f, CIP_FAMILY_IPV6), 1);
	assert_int_equal(cip_table_lookup(f.t, &info.cluster_ips[1], 80, CIP_PROTO_TCP, NULL, NULL,
					  NULL, 0, &n),
			 0);

	s.ip_family_policy = CIP_SINGLE_STACK;
	assert_int_equal(cip_table_service_update(f.t, &s, 0, NULL), 0);
	assert_int_equal(get(&f, "default", "web").ncluster_ips, 1);
	assert_int_equal(pool_used(&f, CIP_FAMILY_IPV6), 0);
	assert_int_equal(cip_table_lookup(f.t, &info.cluster_ips[1], 80, CIP_PROTO_TCP, NULL, NULL,
					  NULL, 0, &n),
			 CIP_ENOTFOUND);

	s.headless = 1;
	s.ip_family_policy = 0;
	assert_int_equal(cip_table_service_update(f.t, &s, 0, &e), CIP_ESPEC);
	assert_int_equal(get(&f, "default", "web").ncluster_ips, 1);
	fx_free(&f);
}

static void test_headless_and_external(void **state)
{
	(void)state;
	struct fx f = fx_new(1);
	cip_service_spec s = svc("default", "db");
	cip_service_info info;
	cip_endpoint eps[4];
	size_t n;

	s.headless = 1;
	s.nports = 0;
	assert_int_equal(create(&f, &s), 0);
	info = get(&f, "default", "db");
	assert_int_equal(info.headless, 1);
	assert_int_equal(info.ncluster_ips, 0);
	assert_int_equal(pool_used(&f, CIP_FAMILY_IPV4), 0);
	assert_int_equal(pod(&f, "db-0", "10.244.0.9", app_my_app, 1, CIP_EP_READY), 0);
	assert_int_equal(get(&f, "default", "db").nendpoints, 1);
	assert_int_equal(cip_table_endpoints(f.t, "default", "db", 0, eps, 4, &n), CIP_ENOTFOUND);

	s = svc("default", "ext");
	s.type = CIP_SERVICE_EXTERNAL_NAME;
	s.external_name = "db.example.com.";
	s.selector = NULL;
	s.nselector = 0;
	assert_int_equal(create(&f, &s), 0);
	info = get(&f, "default", "ext");
	assert_string_equal(info.external_name, "db.example.com");
	assert_int_equal(info.ncluster_ips, 0);
	assert_int_equal(reason(&f, "ext"), CIP_EPS_EXTERNAL_NAME);
	assert_int_equal(pool_used(&f, CIP_FAMILY_IPV4), 0);
	fx_free(&f);
}

static int count_visit(const cip_service_info *svc_info, void *ctx)
{
	size_t *n = ctx;

	(*n)++;
	return strcmp(svc_info->name, "stop") == 0 ? 42 : 0;
}

static void test_foreach_and_generation(void **state)
{
	(void)state;
	struct fx f = fx_new(0);
	char name[16];
	size_t n = 0;
	uint64_t g0, g1;

	for (int i = 0; i < 100; i++) {
		cip_service_spec s;

		snprintf(name, sizeof(name), "svc-%d", i);
		s = svc("default", name);
		assert_int_equal(create(&f, &s), 0);
	}
	assert_int_equal(cip_table_foreach_service(f.t, count_visit, &n), 0);
	assert_int_equal(n, 100);
	{
		cip_service_spec s = svc("default", "stop");

		assert_int_equal(create(&f, &s), 0);
	}
	n = 0;
	assert_int_equal(cip_table_foreach_service(f.t, count_visit, &n), 42);
	cip_table_generation(f.t, &g0);
	assert_int_equal(cip_table_service_delete(f.t, "default", "svc-3", 0), 0);
	cip_table_generation(f.t, &g1);
	assert_true(g1 > g0);
	assert_int_equal(pool_used(&f, CIP_FAMILY_IPV4), 100);
	fx_free(&f);
}

/* Pod rules, one row per invalid field; every row changes nothing. */
enum pod_mutation {
	P_NS,
	P_NAME,
	P_NAME_LONG,
	P_THREE_IPS,
	P_SAME_FAMILY,
	P_BAD_IP,
	P_LABEL_KEY,
	P_LABEL_VALUE,
	P_LABEL_DUP,
	P_NODE,
	P_ZONE,
	P_HOSTNAME,
	P_PORT_NAME,
	P_PORT_NAME_DUP,
	P_PORT_ZERO,
	P_PORT_PROTOCOL,
	P_CONDITIONS,
};

static const struct {
	enum pod_mutation m;
	int field;
	size_t index;
} pod_rows[] = {
	{ P_NS, CIP_FIELD_NAMESPACE, 0 },
	{ P_NAME, CIP_FIELD_NAME, 0 },
	{ P_NAME_LONG, CIP_FIELD_NAME, 0 },
	{ P_THREE_IPS, CIP_FIELD_POD_IPS, 0 },
	{ P_SAME_FAMILY, CIP_FIELD_POD_IPS, 1 },
	{ P_BAD_IP, CIP_FIELD_POD_IPS, 0 },
	{ P_LABEL_KEY, CIP_FIELD_LABELS, 0 },
	{ P_LABEL_VALUE, CIP_FIELD_LABELS, 0 },
	{ P_LABEL_DUP, CIP_FIELD_LABELS, 1 },
	{ P_NODE, CIP_FIELD_NODE_NAME, 0 },
	{ P_ZONE, CIP_FIELD_ZONE, 0 },
	{ P_HOSTNAME, CIP_FIELD_HOSTNAME, 0 },
	{ P_PORT_NAME, CIP_FIELD_PORT_NAME, 0 },
	{ P_PORT_NAME_DUP, CIP_FIELD_PORT_NAME, 1 },
	{ P_PORT_ZERO, CIP_FIELD_PORT, 0 },
	{ P_PORT_PROTOCOL, CIP_FIELD_PORT_PROTOCOL, 0 },
	{ P_CONDITIONS, CIP_FIELD_CONDITIONS, 0 },
};

struct pod_buf {
	char name[300];
	cip_addr ips[3];
	cip_label labels[2];
	cip_named_port ports[2];
};

static void pod_mutate(cip_pod_spec *p, enum pod_mutation m, struct pod_buf *b)
{
	b->ips[0] = ip("10.244.0.1");
	b->ips[1] = ip("fd00::1");
	b->ips[2] = ip("10.244.0.2");
	b->labels[0] = app_my_app[0];
	b->labels[1] = app_my_app[0];
	b->ports[0] = (cip_named_port){ "web", CIP_PROTO_TCP, 8080 };
	b->ports[1] = b->ports[0];
	p->ips = b->ips;
	p->nips = 2;
	p->labels = b->labels;
	p->nlabels = 1;
	p->ports = b->ports;
	p->nports = 1;
	switch (m) {
	case P_NS:
		p->ns = "Default";
		break;
	case P_NAME:
		p->name = "-pod";
		break;
	case P_NAME_LONG:
		memset(b->name, 'a', 254);
		b->name[254] = '\0';
		p->name = b->name;
		break;
	case P_THREE_IPS:
		p->nips = 3;
		break;
	case P_SAME_FAMILY:
		b->ips[1] = b->ips[2];
		break;
	case P_BAD_IP:
		b->ips[0].reserved[0] = 1;
		break;
	case P_LABEL_KEY:
		b->labels[0].key = "a/b/c";
		break;
	case P_LABEL_VALUE:
		b->labels[0].value = "-x";
		break;
	case P_LABEL_DUP:
		p->nlabels = 2;
		break;
	case P_NODE:
		p->node_name = "Node_1";
		break;
	case P_ZONE:
		p->zone = "zone 1";
		break;
	case P_HOSTNAME:
		p->hostname = "db.0";
		break;
	case P_PORT_NAME:
		b->ports[0].name = "a-very-long-port-name";
		break;
	case P_PORT_NAME_DUP:
		p->nports = 2;
		break;
	case P_PORT_ZERO:
		b->ports[0].port = 0;
		break;
	case P_PORT_PROTOCOL:
		b->ports[0].protocol = 9;
		break;
	case P_CONDITIONS:
		p->conditions = 8;
		break;
	}
}

static void test_pod_validation(void **state)
{
	(void)state;
	struct fx f = fx_new(0);
	size_t failures = 0;
	cip_service_spec s = svc("default", "web");
	cip_service_info before, after;

	assert_int_equal(create(&f, &s), 0);
	assert_int_equal(pod(&f, "keep", "10.244.9.9", app_my_app, 1, CIP_EP_READY), 0);
	before = get(&f, "default", "web");
	for (size_t i = 0; i < ARRAY_LEN(pod_rows); i++) {
		cip_pod_spec p;
		struct pod_buf b;
		cip_spec_error e = err_new();
		int rc;

		cip_pod_spec_init(&p, sizeof(p));
		p.ns = "default";
		p.name = "keep";
		pod_mutate(&p, pod_rows[i].m, &b);
		rc = cip_table_pod_apply(f.t, &p, &e);
		CHECK(failures, rc == CIP_ESPEC, "row %zu: rc %d (%s)\n", i, rc, e.message);
		CHECK(failures, e.field == pod_rows[i].field && e.index == pod_rows[i].index,
		      "row %zu: field %d index %zu, want %d %zu (%s)\n", i, e.field, e.index,
		      pod_rows[i].field, pod_rows[i].index, e.message);
	}
	after = get(&f, "default", "web");
	CHECK(failures, after.generation == before.generation && after.nendpoints == 1,
	      "an invalid pod changed the service\n");
	CHECK_DONE(failures);
	fx_free(&f);
}

static void test_endpoint_validation(void **state)
{
	(void)state;
	struct fx f = fx_new(0);
	cip_service_spec s = svc("default", "manual");
	cip_endpoint_spec eps[3];
	cip_named_port ports[2] = { { "http", CIP_PROTO_TCP, 80 }, { "http", CIP_PROTO_TCP, 81 } };
	cip_spec_error e = err_new();
	size_t failures = 0;
	struct {
		int field;
		size_t index;
	} want[6] = { { CIP_FIELD_ENDPOINT_ADDRESS, 1 },
		      { CIP_FIELD_ENDPOINT_ADDRESS, 2 },
		      { CIP_FIELD_ZONE, 0 },
		      { CIP_FIELD_NODE_NAME, 1 },
		      { CIP_FIELD_CONDITIONS, 2 },
		      { CIP_FIELD_PORT_NAME, 1 } };

	s.selector = NULL;
	s.nselector = 0;
	assert_int_equal(create(&f, &s), 0);
	for (int row = 0; row < 6; row++) {
		int rc;

		memset(eps, 0, sizeof(eps));
		eps[0].addr = ip("192.168.0.1");
		eps[1].addr = ip("192.168.0.2");
		eps[2].addr = ip("192.168.0.3");
		switch (row) {
		case 0:
			eps[1].addr.family = 9;
			break;
		case 1:
			eps[2].addr = eps[0].addr;
			break;
		case 2:
			eps[0].hint_zone = "bad zone";
			break;
		case 3:
			eps[1].hint_node = "Node";
			break;
		case 4:
			eps[2].conditions = 16;
			break;
		default:
			break;
		}
		rc = cip_table_endpoints_set(f.t, "default", "manual", eps, 3, ports,
					     row == 5 ? 2 : 1, &e);
		CHECK(failures,
		      rc == CIP_ESPEC && e.field == want[row].field && e.index == want[row].index,
		      "row %d: rc %d field %d index %zu (%s)\n", row, rc, e.field, e.index,
		      e.message);
	}
	CHECK(failures, get(&f, "default", "manual").nendpoints == 0, "endpoints changed\n");
	CHECK_DONE(failures);
	fx_free(&f);
}

/* ------------------------------------------------------------------ */
/* Regressions found by the table_ops fuzz target                     */
/* ------------------------------------------------------------------ */

/* A ready pod without the named target port serves no port: with only a
 * not-ready pod that has it, the service has no ready endpoint (the reason
 * was CIP_EPS_OK, as if some pod were ready). */
static void test_reason_ready_pod_without_named_port(void **state)
{
	(void)state;
	struct fx f = fx_new(0);
	cip_service_spec s = svc("default", "web");
	cip_service_port by_name[] = { { "http", CIP_PROTO_TCP, 80, 0, "web", 0 } };
	cip_named_port web = { "web", CIP_PROTO_TCP, 8000 };
	cip_pod_spec p;
	cip_addr a = ip("10.244.0.7"), b = ip("10.244.0.8");

	s.ports = by_name;
	assert_int_equal(create(&f, &s), 0);
	cip_pod_spec_init(&p, sizeof(p));
	p.ns = "default";
	p.name = "ready-without-port";
	p.ips = &a;
	p.nips = 1;
	p.labels = app_my_app;
	p.nlabels = 1;
	p.conditions = CIP_EP_READY;
	assert_int_equal(cip_table_pod_apply(f.t, &p, NULL), 0);
	assert_int_equal(reason(&f, "web"), CIP_EPS_NO_NAMED_PORT);
	p.name = "not-ready-with-port";
	p.ips = &b;
	p.conditions = CIP_EP_SERVING;
	p.ports = &web;
	p.nports = 1;
	assert_int_equal(cip_table_pod_apply(f.t, &p, NULL), 0);
	assert_int_equal(reason(&f, "web"), CIP_EPS_NONE_READY);
	p.conditions = CIP_EP_READY;
	assert_int_equal(cip_table_pod_apply(f.t, &p, NULL), 0);
	assert_int_equal(reason(&f, "web"), CIP_EPS_OK);
	fx_free(&f);
}

/* An update keeps a port's node port unless another port of the same
 * protocol now asks for that number: (protocol, node port) stays unique
 * (the update gave both ports 30001/SCTP, and one of them could not be
 * found by its node port). */
static void test_update_node_port_asked_by_another_port(void **state)
{
	(void)state;
	struct fx f = fx_new(0);
	cip_service_spec s = svc("default", "np");
	cip_service_port before[] = { { "dns", CIP_PROTO_SCTP, 53, 0, NULL, 30001 } };
	cip_service_port after[] = { { "metrics", CIP_PROTO_SCTP, 8080, 0, NULL, 30001 },
				     { "dns", CIP_PROTO_SCTP, 53, 0, NULL, 0 } };
	cip_service_port_info ports[2];
	cip_service_info info;
	cip_service_port_info pi;
	size_t n;

	s.type = CIP_SERVICE_NODE_PORT;
	s.ports = before;
	s.nports = 1;
	assert_int_equal(create(&f, &s), 0);
	s.ports = after;
	s.nports = 2;
	assert_int_equal(cip_table_service_update(f.t, &s, 0, NULL), 0);
	assert_int_equal(cip_table_service_get(f.t, "default", "np", &info, ports, 2), 0);
	assert_int_equal(ports[0].node_port, 30001);
	assert_int_not_equal(ports[1].node_port, 30001);
	assert_int_not_equal(ports[1].node_port, 0);
	assert_int_equal(ports_used(&f), 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(cip_table_lookup_node_port(f.t, ports[i].node_port, CIP_PROTO_SCTP,
							    NULL, &pi, NULL, 0, &n),
				 0);
		assert_int_equal(pi.port, ports[i].port);
	}
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_and_options),
		cmocka_unit_test(test_null_arguments),
		cmocka_unit_test(test_spec_validation),
		cmocka_unit_test(test_cluster_ips),
		cmocka_unit_test(test_failed_create_allocates_nothing),
		cmocka_unit_test(test_node_ports),
		cmocka_unit_test(test_lookup_batch),
		cmocka_unit_test(test_lookup_batch_many),
		cmocka_unit_test(test_selector_endpoints),
		cmocka_unit_test(test_topology_hints),
		cmocka_unit_test(test_named_target_port),
		cmocka_unit_test(test_explicit_endpoints),
		cmocka_unit_test(test_update_cluster_ips),
		cmocka_unit_test(test_headless_and_external),
		cmocka_unit_test(test_foreach_and_generation),
		cmocka_unit_test(test_pod_validation),
		cmocka_unit_test(test_endpoint_validation),
		cmocka_unit_test(test_reason_ready_pod_without_named_port),
		cmocka_unit_test(test_update_node_port_asked_by_another_port),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
