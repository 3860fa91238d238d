/* SPDX-License-Identifier: Apache-2.0 */
/* cip_table_dns_resolve(): every record type, the search path, NXDOMAIN
 * and NODATA, over a small cluster (table-driven). */
#include "cip_test.h"

static cip_addr ip(const char *text)
{
	cip_addr a;

	if (cip_addr_parse(&a, text, strlen(text), 0, NULL) != 0)
		fail_msg("bad test address %s", text);
	return a;
}

static cip_table *cluster(void)
{
	static const cip_label app[] = { { "app", "db" } };
	static const cip_service_port web[] = { { "http", CIP_PROTO_TCP, 80, 8080, NULL, 0 },
						{ NULL, CIP_PROTO_UDP, 53, 0, NULL, 0 } };
	static const cip_service_port named[] = { { "http", CIP_PROTO_TCP, 80, 8080, NULL, 0 },
						  { "dns", CIP_PROTO_UDP, 53, 0, NULL, 0 } };
	static const cip_service_port pg[] = { { "pg", CIP_PROTO_TCP, 5432, 0, NULL, 0 } };
	cip_addr ips[2] = { ip("10.96.0.20"), ip("fd00:10:96::20") }, other = ip("10.96.0.30");
	cip_table *t;
	cip_service_spec s;
	cip_pod_spec p;
	cip_addr pod_ips[3] = { ip("10.244.0.5"), ip("10.244.0.6"), ip("10.244.0.7") };
	const char *hosts[3] = { "db-0", NULL, "db-2" };
	unsigned conds[3] = { CIP_EP_READY, CIP_EP_READY, 0 };

	assert_int_equal(cip_table_new(&t, NULL), 0);
	cip_service_spec_init(&s, sizeof(s));
	s.ns = "default";
	s.name = "my-service";
	s.ports = named;
	s.nports = 2;
	s.cluster_ips = ips;
	s.ncluster_ips = 2;
	s.ip_family_policy = CIP_REQUIRE_DUAL_STACK;
	assert_int_equal(cip_table_service_create(t, &s, 0, NULL), 0);

	s.ns = "other-ns";
	s.ports = web + 0;
	s.nports = 1;
	s.cluster_ips = &other;
	s.ncluster_ips = 1;
	s.ip_family_policy = 0;
	assert_int_equal(cip_table_service_create(t, &s, 0, NULL), 0);

	cip_service_spec_init(&s, sizeof(s));
	s.ns = "default";
	s.name = "db";
	s.headless = 1;
	s.ports = pg;
	s.nports = 1;
	s.selector = app;
	s.nselector = 1;
	assert_int_equal(cip_table_service_create(t, &s, 0, NULL), 0);

	cip_service_spec_init(&s, sizeof(s));
	s.ns = "default";
	s.name = "ext";
	s.type = CIP_SERVICE_EXTERNAL_NAME;
	s.external_name = "db.example.com";
	assert_int_equal(cip_table_service_create(t, &s, 0, NULL), 0);

	cip_service_spec_init(&s, sizeof(s));
	s.ns = "default";
	s.name = "empty";
	s.headless = 1;
	s.selector = app + 0;
	s.nselector = 0;
	assert_int_equal(cip_table_service_create(t, &s, 0, NULL), 0);

	for (int i = 0; i < 3; i++) {
		char name[8];

		snprintf(name, sizeof(name), "db-%d", i);
		cip_pod_spec_init(&p, sizeof(p));
		p.ns = "default";
		p.name = name;
		p.ips = &pod_ips[i];
		p.nips = 1;
		p.labels = app;
		p.nlabels = 1;
		p.hostname = hosts[i];
		p.conditions = conds[i];
		assert_int_equal(cip_table_pod_apply(t, &p, NULL), 0);
	}
	return t;
}

struct dns_row {
	const char *name;
	int qtype;
	const char *client_ns; /* NULL: fully qualified */
	int rc;
	size_t n;
	int type;	   /* of the first record */
	const char *owner; /* of the first record */
	const char *value; /* its address, or its target */
	uint16_t port;	   /* SRV */
};

static const struct dns_row dns_rows[] = {
	/* A/AAAA of ClusterIPs, fully qualified, any case, trailing dot. */
	{ "my-service.default.svc.cluster.local", CIP_DNS_A, NULL, 0, 1, CIP_DNS_A,
	  "my-service.default.svc.cluster.local", "10.96.0.20", 0 },
	{ "My-Service.DEFAULT.svc.Cluster.Local.", CIP_DNS_AAAA, NULL, 0, 1, CIP_DNS_AAAA,
	  "my-service.default.svc.cluster.local", "fd00:10:96::20", 0 },
	{ "my-service.default.svc.cluster.local", CIP_DNS_ANY, NULL, 0, 2, CIP_DNS_A,
	  "my-service.default.svc.cluster.local", "10.96.0.20", 0 },
	/* The search path of a pod in default, and in another namespace. */
	{ "my-service", CIP_DNS_A, "default", 0, 1, CIP_DNS_A,
	  "my-service.default.svc.cluster.local", "10.96.0.20", 0 },
	{ "my-service", CIP_DNS_A, "other-ns", 0, 1, CIP_DNS_A,
	  "my-service.other-ns.svc.cluster.local", "10.96.0.30", 0 },
	{ "my-service.other-ns", CIP_DNS_A, "default", 0, 1, CIP_DNS_A,
	  "my-service.other-ns.svc.cluster.local", "10.96.0.30", 0 },
	{ "my-service.default.svc", CIP_DNS_A, "other-ns", 0, 1, CIP_DNS_A,
	  "my-service.default.svc.cluster.local", "10.96.0.20", 0 },
	{ "my-service.", CIP_DNS_A, "default", CIP_ENOTFOUND, 0, 0, NULL, NULL, 0 },
	/* NODATA: the name exists, not with that type. */
	{ "my-service.other-ns.svc.cluster.local", CIP_DNS_AAAA, NULL, 0, 0, 0, NULL, NULL, 0 },
	{ "my-service.default.svc.cluster.local", CIP_DNS_TXT, NULL, 0, 0, 0, NULL, NULL, 0 },
	/* SRV for named ports only. */
	{ "_http._tcp.my-service.default.svc.cluster.local", CIP_DNS_SRV, NULL, 0, 1, CIP_DNS_SRV,
	  "_http._tcp.my-service.default.svc.cluster.local", "my-service.default.svc.cluster.local",
	  80 },
	{ "_dns._udp.my-service", CIP_DNS_SRV, "default", 0, 1, CIP_DNS_SRV,
	  "_dns._udp.my-service.default.svc.cluster.local", "my-service.default.svc.cluster.local",
	  53 },
	{ "_http._udp.my-service.default.svc.cluster.local", CIP_DNS_SRV, NULL, CIP_ENOTFOUND, 0, 0,
	  NULL, NULL, 0 },
	{ "_http._tcp.my-service.other-ns.svc.cluster.local", CIP_DNS_SRV, NULL, 0, 1, CIP_DNS_SRV,
	  "_http._tcp.my-service.other-ns.svc.cluster.local",
	  "my-service.other-ns.svc.cluster.local", 80 },
	/* Headless: one record per ready endpoint; hostnames; SRV per endpoint. */
	{ "db.default.svc.cluster.local", CIP_DNS_A, NULL, 0, 2, CIP_DNS_A,
	  "db.default.svc.cluster.local", "10.244.0.5", 0 },
	{ "db-0.db.default.svc.cluster.local", CIP_DNS_A, NULL, 0, 1, CIP_DNS_A,
	  "db-0.db.default.svc.cluster.local", "10.244.0.5", 0 },
	{ "db-2.db.default.svc.cluster.local", CIP_DNS_A, NULL, CIP_ENOTFOUND, 0, 0, NULL, NULL,
	  0 },
	{ "_pg._tcp.db.default.svc.cluster.local", CIP_DNS_SRV, NULL, 0, 2, CIP_DNS_SRV,
	  "_pg._tcp.db.default.svc.cluster.local", NULL, 5432 },
	{ "empty.default.svc.cluster.local", CIP_DNS_A, NULL, CIP_ENOTFOUND, 0, 0, NULL, NULL, 0 },
	/* ExternalName. */
	{ "ext.default.svc.cluster.local", CIP_DNS_CNAME, NULL, 0, 1, CIP_DNS_CNAME,
	  "ext.default.svc.cluster.local", "db.example.com", 0 },
	{ "ext", CIP_DNS_A, "default", 0, 1, CIP_DNS_CNAME, "ext.default.svc.cluster.local",
	  "db.example.com", 0 },
	/* PTR for ClusterIPs and headless endpoints. */
	{ "20.0.96.10.in-addr.arpa", CIP_DNS_PTR, NULL, 0, 1, CIP_DNS_PTR,
	  "20.0.96.10.in-addr.arpa", "my-service.default.svc.cluster.local", 0 },
	{ "0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa.", CIP_DNS_PTR,
	  NULL, 0, 1, CIP_DNS_PTR,
	  "0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa",
	  "my-service.default.svc.cluster.local", 0 },
	{ "5.0.244.10.in-addr.arpa", CIP_DNS_PTR, NULL, 0, 1, CIP_DNS_PTR,
	  "5.0.244.10.in-addr.arpa", "db-0.db.default.svc.cluster.local", 0 },
	{ "6.0.244.10.in-addr.arpa", CIP_DNS_PTR, NULL, 0, 1, CIP_DNS_PTR,
	  "6.0.244.10.in-addr.arpa", "10-244-0-6.db.default.svc.cluster.local", 0 },
	{ "7.0.244.10.in-addr.arpa", CIP_DNS_PTR, NULL, CIP_ENOTFOUND, 0, 0, NULL, NULL, 0 },
	/* The schema version. */
	{ "dns-version.cluster.local", CIP_DNS_TXT, NULL, 0, 1, CIP_DNS_TXT,
	  "dns-version.cluster.local", "1.1.0", 0 },
	/* NXDOMAIN and bad names. */
	{ "nope.default.svc.cluster.local", CIP_DNS_A, NULL, CIP_ENOTFOUND, 0, 0, NULL, NULL, 0 },
	{ "nope", CIP_DNS_A, "default", CIP_ENOTFOUND, 0, 0, NULL, NULL, 0 },
	{ "default.svc.cluster.local", CIP_DNS_A, NULL, CIP_ENOTFOUND, 0, 0, NULL, NULL, 0 },
	{ "example.com", CIP_DNS_A, NULL, CIP_ENOTFOUND, 0, 0, NULL, NULL, 0 },
	{ "a..b", CIP_DNS_A, NULL, CIP_ENAME, 0, 0, NULL, NULL, 0 },
	{ "bad name", CIP_DNS_A, "default", CIP_ENAME, 0, 0, NULL, NULL, 0 },
	{ "caf\xc3\xa9.default.svc.cluster.local", CIP_DNS_A, NULL, CIP_ENAME, 0, 0, NULL, NULL,
	  0 },
};

static int value_matches(const struct dns_row *row, const cip_dns_record *r)
{
	char text[CIP_ADDR_STRLEN];

	if (!row->value)
		return 1;
	if (r->type == CIP_DNS_A || r->type == CIP_DNS_AAAA) {
		cip_addr_format(&r->addr, text, sizeof(text));
		return strcmp(text, row->value) == 0;
	}
	return strcmp(r->target, row->value) == 0;
}

static void test_dns_table(void **state)
{
	(void)state;
	cip_table *t = cluster();
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(dns_rows); i++) {
		const struct dns_row *row = &dns_rows[i];
		cip_dns_record out[4];
		size_t n = 99;
		int rc = cip_table_dns_resolve(t, row->name, strlen(row->name), row->qtype,
					       row->client_ns, out, ARRAY_LEN(out), &n);

		CHECK(failures, rc == row->rc && n == row->n, "row %zu %s: rc %d n %zu\n", i,
		      row->name, rc, n);
		if (rc != 0 || n == 0 || row->n == 0)
			continue;
		CHECK(failures, out[0].type == row->type && strcmp(out[0].name, row->owner) == 0,
		      "row %zu: type %u owner %s\n", i, out[0].type, out[0].name);
		CHECK(failures, value_matches(row, &out[0]), "row %zu: value %s\n", i,
		      out[0].target);
		CHECK(failures, out[0].port == row->port, "row %zu: port %u\n", i, out[0].port);
	}
	CHECK_DONE(failures);
	cip_table_free(t);
}

static void test_dns_buffers_and_arguments(void **state)
{
	(void)state;
	cip_table *t = cluster();
	cip_dns_record one;
	size_t n = 0;
	const char *q = "my-service.default.svc.cluster.local";

	ct_fill(&one, sizeof(one));
	assert_int_equal(cip_table_dns_resolve(t, q, strlen(q), CIP_DNS_ANY, NULL, &one, 1, &n),
			 CIP_EBUFSIZE);
	assert_int_equal(n, 2);
	assert_true(ct_untouched(&one, sizeof(one)));
	assert_int_equal(cip_table_dns_resolve(t, q, strlen(q), CIP_DNS_ANY, NULL, NULL, 0, &n),
			 CIP_EBUFSIZE);
	assert_int_equal(cip_table_dns_resolve(NULL, q, strlen(q), CIP_DNS_A, NULL, &one, 1, &n),
			 CIP_EINVAL);
	assert_int_equal(cip_table_dns_resolve(t, NULL, 0, CIP_DNS_A, NULL, &one, 1, &n),
			 CIP_EINVAL);
	assert_int_equal(cip_table_dns_resolve(t, q, strlen(q), 99, NULL, &one, 1, &n), CIP_EINVAL);
	assert_int_equal(cip_table_dns_resolve(t, q, strlen(q), CIP_DNS_A, "Bad_NS", &one, 1, &n),
			 CIP_EINVAL);
	assert_int_equal(cip_table_dns_resolve(t, q, strlen(q), CIP_DNS_A, NULL, NULL, 1, &n),
			 CIP_EINVAL);
	assert_int_equal(cip_table_dns_resolve(t, q, strlen(q), CIP_DNS_A, NULL, &one, 1, NULL),
			 CIP_EINVAL);
	/* A name of 254 bytes is not a name. */
	{
		char longname[300];

		memset(longname, 'a', sizeof(longname));
		for (size_t i = 63; i < sizeof(longname); i += 64)
			longname[i] = '.';
		assert_int_equal(
			cip_table_dns_resolve(t, longname, 254, CIP_DNS_A, NULL, &one, 1, &n),
			CIP_ENAME);
	}
	/* After a delete the name is gone, and a pod turning ready appears. */
	assert_int_equal(cip_table_service_delete(t, "default", "my-service", 0), 0);
	assert_int_equal(cip_table_dns_resolve(t, q, strlen(q), CIP_DNS_A, NULL, &one, 1, &n),
			 CIP_ENOTFOUND);
	cip_table_free(t);
}

static void test_dns_other_domain(void **state)
{
	(void)state;
	cip_table *t;
	cip_table_opts o;
	cip_service_spec s;
	cip_service_port p = { "http", CIP_PROTO_TCP, 80, 0, NULL, 0 };
	cip_addr a = ip("10.0.0.1");
	cip_dns_record r;
	size_t n;

	cip_table_opts_init(&o, sizeof(o));
	o.cluster_domain = "Corp.Example.";
	assert_int_equal(cip_table_new(&t, &o), 0);
	cip_service_spec_init(&s, sizeof(s));
	s.ns = "default";
	s.name = "web";
	s.ports = &p;
	s.nports = 1;
	s.cluster_ips = &a;
	s.ncluster_ips = 1;
	assert_int_equal(cip_table_service_create(t, &s, 0, NULL), 0);
	assert_int_equal(cip_table_dns_resolve(t, S("web"), CIP_DNS_A, "default", &r, 1, &n), 0);
	assert_string_equal(r.name, "web.default.svc.corp.example");
	assert_int_equal(cip_table_dns_resolve(t, S("web.default.svc.cluster.local"), CIP_DNS_A,
					       NULL, &r, 1, &n),
			 CIP_ENOTFOUND);
	cip_table_free(t);
}

/* More records than the resolver keeps on its own stack: the second
 * search fills the caller's buffer, or nothing is written. */
static void test_dns_many_records(void **state)
{
	(void)state;
	cip_table *t;
	cip_service_spec s;
	cip_label app = { "app", "many" };
	cip_dns_record out[8];
	size_t n = 0;
	const char *q = "many.default.svc.cluster.local";

	assert_int_equal(cip_table_new(&t, NULL), 0);
	cip_service_spec_init(&s, sizeof(s));
	s.ns = "default";
	s.name = "many";
	s.headless = 1;
	s.selector = &app;
	s.nselector = 1;
	assert_int_equal(cip_table_service_create(t, &s, 0, NULL), 0);
	for (int i = 0; i < 6; i++) {
		char name[8], text[16];
		cip_pod_spec p;
		cip_addr a;

		snprintf(name, sizeof(name), "m-%d", i);
		snprintf(text, sizeof(text), "10.1.0.%d", 10 + i);
		a = ip(text);
		cip_pod_spec_init(&p, sizeof(p));
		p.ns = "default";
		p.name = name;
		p.ips = &a;
		p.nips = 1;
		p.labels = &app;
		p.nlabels = 1;
		p.conditions = CIP_EP_READY;
		assert_int_equal(cip_table_pod_apply(t, &p, NULL), 0);
	}
	ct_fill(out, sizeof(out));
	assert_int_equal(cip_table_dns_resolve(t, q, strlen(q), CIP_DNS_A, NULL, out, 5, &n),
			 CIP_EBUFSIZE);
	assert_int_equal(n, 6);
	assert_true(ct_untouched(out, sizeof(out)));
	assert_int_equal(cip_table_dns_resolve(t, q, strlen(q), CIP_DNS_A, NULL, out, 8, &n), 0);
	assert_int_equal(n, 6);
	for (int i = 0; i < 6; i++) {
		char text[16];
		cip_addr want;

		snprintf(text, sizeof(text), "10.1.0.%d", 10 + i);
		want = ip(text);
		assert_memory_equal(&out[i].addr, &want, sizeof(want));
		assert_string_equal(out[i].name, q);
	}
	assert_true(ct_untouched(&out[6], 2 * sizeof(out[0])));
	cip_table_free(t);
}

/* PTR through the address index: a pod in two headless services has a
 * name in each; readiness and deletion take them away. */
static void test_dns_ptr_index(void **state)
{
	(void)state;
	cip_table *t = cluster();
	cip_service_spec s;
	cip_label app = { "app", "db" };
	cip_dns_record out[4];
	size_t n = 0;
	const char *q = "5.0.244.10.in-addr.arpa";

	cip_service_spec_init(&s, sizeof(s));
	s.ns = "default";
	s.name = "db-copy";
	s.headless = 1;
	s.selector = &app;
	s.nselector = 1;
	assert_int_equal(cip_table_service_create(t, &s, 0, NULL), 0);
	assert_int_equal(cip_table_dns_resolve(t, q, strlen(q), CIP_DNS_PTR, NULL, out, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_true((strcmp(out[0].target, "db-0.db.default.svc.cluster.local") == 0 &&
		     strcmp(out[1].target, "db-0.db-copy.default.svc.cluster.local") == 0) ||
		    (strcmp(out[1].target, "db-0.db.default.svc.cluster.local") == 0 &&
		     strcmp(out[0].target, "db-0.db-copy.default.svc.cluster.local") == 0));
	/* An A question for a PTR name is NODATA. */
	assert_int_equal(cip_table_dns_resolve(t, q, strlen(q), CIP_DNS_A, NULL, out, 4, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cip_table_service_delete(t, "default", "db-copy", 0), 0);
	assert_int_equal(cip_table_dns_resolve(t, q, strlen(q), CIP_DNS_PTR, NULL, out, 4, &n), 0);
	assert_int_equal(n, 1);
	{
		cip_pod_spec p;
		cip_addr a = ip("10.244.0.5");

		cip_pod_spec_init(&p, sizeof(p));
		p.ns = "default";
		p.name = "db-0";
		p.ips = &a;
		p.nips = 1;
		p.labels = &app;
		p.nlabels = 1;
		p.hostname = "db-0";
		p.conditions = CIP_EP_TERMINATING;
		assert_int_equal(cip_table_pod_apply(t, &p, NULL), 0);
	}
	assert_int_equal(cip_table_dns_resolve(t, q, strlen(q), CIP_DNS_PTR, NULL, out, 4, &n),
			 CIP_ENOTFOUND);
	cip_table_free(t);
}

/* Regressions found by the dns fuzz target. */

/* The name SRV and PTR records give an endpoint without a hostname (its
 * address with dashes) resolves to it; a hostname is the only name of an
 * endpoint that has one (as CoreDNS answers). */
static void test_dns_dashed_endpoint_names(void **state)
{
	(void)state;
	cip_table *t = cluster();
	cip_dns_record out[4], fwd[4];
	cip_addr db1 = ip("10.244.0.6");
	size_t n = 0, m = 0;
	const char *ptr = "6.0.244.10.in-addr.arpa";
	const char *dashed = "10-244-0-6.db.default.svc.cluster.local";
	const char *named = "10-244-0-5.db.default.svc.cluster.local";

	assert_int_equal(cip_table_dns_resolve(t, ptr, strlen(ptr), CIP_DNS_PTR, NULL, out, 4, &n),
			 0);
	assert_int_equal(n, 1);
	assert_string_equal(out[0].target, dashed);
	assert_int_equal(
		cip_table_dns_resolve(t, dashed, strlen(dashed), CIP_DNS_A, NULL, fwd, 4, &m), 0);
	assert_int_equal(m, 1);
	assert_memory_equal(&fwd[0].addr, &db1, sizeof(db1));
	assert_string_equal(fwd[0].name, dashed);
	assert_int_equal(
		cip_table_dns_resolve(t, S("10-244-0-6.db"), CIP_DNS_A, "default", fwd, 4, &m), 0);
	assert_int_equal(m, 1);
	/* db-0 (10.244.0.5) has a hostname: that is its name. */
	assert_int_equal(
		cip_table_dns_resolve(t, named, strlen(named), CIP_DNS_A, NULL, fwd, 4, &m),
		CIP_ENOTFOUND);
	cip_table_free(t);
}

/* An SRV name of a headless service without ready endpoints is NXDOMAIN
 * whatever the type asked (an A question said NODATA, an SRV question
 * NXDOMAIN: the name cannot both exist and not). */
static void test_dns_srv_existence_any_type(void **state)
{
	(void)state;
	cip_table *t = cluster();
	static const cip_label idle = { "app", "idle" };
	static const cip_service_port pg = { "pg", CIP_PROTO_TCP, 5432, 0, NULL, 0 };
	static const int types[] = { CIP_DNS_SRV, CIP_DNS_A, CIP_DNS_TXT, CIP_DNS_ANY };
	cip_service_spec s;
	cip_dns_record out[4];
	size_t n = 0;
	const char *q = "_pg._tcp.idle.default.svc.cluster.local";
	const char *live = "_pg._tcp.db.default.svc.cluster.local";

	cip_service_spec_init(&s, sizeof(s));
	s.ns = "default";
	s.name = "idle";
	s.headless = 1;
	s.ports = &pg;
	s.nports = 1;
	s.selector = &idle;
	s.nselector = 1;
	assert_int_equal(cip_table_service_create(t, &s, 0, NULL), 0);
	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		assert_int_equal(cip_table_dns_resolve(t, q, strlen(q), types[i], NULL, out, 4, &n),
				 CIP_ENOTFOUND);
		/* The SRV name of db, which has ready endpoints, exists. */
		assert_int_equal(
			cip_table_dns_resolve(t, live, strlen(live), types[i], NULL, out, 4, &n),
			0);
		assert_int_equal(n, types[i] == CIP_DNS_SRV || types[i] == CIP_DNS_ANY ? 2 : 0);
	}
	cip_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_table),
		cmocka_unit_test(test_dns_buffers_and_arguments),
		cmocka_unit_test(test_dns_other_domain),
		cmocka_unit_test(test_dns_many_records),
		cmocka_unit_test(test_dns_ptr_index),
		cmocka_unit_test(test_dns_dashed_endpoint_names),
		cmocka_unit_test(test_dns_srv_existence_any_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
