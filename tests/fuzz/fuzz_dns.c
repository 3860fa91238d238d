/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DNS name resolution (cip_table_dns_resolve()) against a populated table.
 * Two tables are built once: cluster domain "cluster.local", and a long
 * domain under which some names no longer fit 253 bytes. Both hold, over a
 * dual-stack pool: ClusterIP services (single and dual-stack, requested
 * and allocated ClusterIPs, named and unnamed ports), headless services
 * with a selector (endpoints with and without hostnames, a shared
 * hostname, not ready ones, publishNotReadyAddresses, single and dual
 * stack), a headless service with explicit endpoints, ExternalName
 * services, several namespaces and names of 63 bytes.
 *
 * Input: a question-type byte, a byte choosing the table and the asking
 * pod's namespace (none, existing ones, a long one, one read from the
 * input, an invalid one), then the name (at most MAX_NAME bytes).
 * Checked:
 * - the return code is in the documented set, and is CIP_EINVAL exactly
 *   for an unknown type or an invalid namespace, CIP_ENAME exactly for a
 *   name that is not a DNS name (checked against a reference here);
 * - every record is well-formed: owner name canonical (lower case, no
 *   trailing dot, < 254 bytes, a valid name), the name asked or one of
 *   its search-path forms, the same for all records; a type the question
 *   allows (CNAME for the A/AAAA/ANY questions of an ExternalName); A
 *   holds IPv4 and AAAA IPv6 addresses of the table; CNAME targets are
 *   the ExternalNames; TXT is the schema version at dns-version.<zone>;
 *   SRV ports are ports of the table's services or endpoints, weights
 *   equal;
 * - PTR and SRV targets resolve: the target of a PTR record has the
 *   address that was asked for, that of an SRV record has addresses;
 * - the answer is deterministic, ignores case (the name upper-cased gives
 *   the same records), and an absolute name answers with the pod's
 *   namespace as without it;
 * - CIP_EBUFSIZE: with room for one record less, the count is reported
 *   and nothing is written; with exactly the room, the same records;
 * - a relative name answered through the search path answers the same as
 *   the owner name of its records asked as a fully qualified name;
 * - without a namespace, whether a name exists does not depend on the
 *   type asked, and the records of a type are among those of ANY.
 */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <stdbool.h>

#include "fuzz.h"

#define MAX_NAME 300
#define MAX_RECORDS 64

static const char long_domain[] = "long-cluster-domain-0123456789.example-zone-abcdefghijklmno"
				  "pqrstuvwxyz.internal.corp.example";
static char long_ns[64], long_svc[64], long_host[64];

struct fixture {
	cip_pool *pool;
	cip_table *t;
	const char *domain; /* canonical */
};

static struct fixture tables[2];

/* Everything the tables hold, for "belongs to the table". */
static cip_addr known_addrs[64];
static size_t nknown_addrs;
static uint16_t known_ports[64];
static size_t nknown_ports;
static const char *const external_names[] = { "db.example.com", "other.example" };

/* ------------------------------------------------------------------ */
/* Building the tables                                                */
/* ------------------------------------------------------------------ */

static cip_addr addr(const char *text)
{
	cip_addr a;

	FUZZ_CHECK_RC(cip_addr_parse(&a, text, strlen(text), 0, NULL), 0);
	return a;
}

static void know_addr(const cip_addr *a)
{
	for (size_t i = 0; i < nknown_addrs; i++) {
		if (cip_addr_equal(&known_addrs[i], a)) {
			return;
		}
	}
	FUZZ_CHECK(nknown_addrs < sizeof(known_addrs) / sizeof(known_addrs[0]));
	known_addrs[nknown_addrs++] = *a;
}

static void know_port(uint16_t port)
{
	for (size_t i = 0; i < nknown_ports; i++) {
		if (known_ports[i] == port) {
			return;
		}
	}
	FUZZ_CHECK(nknown_ports < sizeof(known_ports) / sizeof(known_ports[0]));
	known_ports[nknown_ports++] = port;
}

struct svc_def {
	const char *ns, *name;
	int type, headless, policy, publish;
	const char *ip1, *ip2; /* requested ClusterIPs */
	cip_service_port ports[3];
	size_t nports;
	cip_label sel;
	const char *external;
};

struct pod_def {
	const char *ns, *name, *ip1, *ip2, *app, *hostname;
	unsigned conditions;
	cip_named_port port;
};

#define P(name, proto, port, target, tname)                                                        \
	{                                                                                          \
		name, proto, port, target, tname, 0                                                \
	}
#define READY (CIP_EP_READY | CIP_EP_SERVING)
#define TERMINATING (CIP_EP_SERVING | CIP_EP_TERMINATING)

static struct svc_def svc_defs[] = {
	{ "default",
	  "web",
	  0,
	  0,
	  0,
	  0,
	  NULL,
	  NULL,
	  { P("http", CIP_PROTO_TCP, 80, 8080, NULL), P("metrics", CIP_PROTO_TCP, 9090, 0, NULL) },
	  2,
	  { "app", "web" },
	  NULL },
	{ "default",
	  "plain",
	  0,
	  0,
	  0,
	  0,
	  "10.96.0.20",
	  NULL,
	  { P(NULL, CIP_PROTO_UDP, 53, 0, NULL) },
	  1,
	  { NULL, NULL },
	  NULL },
	{ "default",
	  "dual",
	  0,
	  0,
	  CIP_REQUIRE_DUAL_STACK,
	  0,
	  NULL,
	  NULL,
	  { P("dns", CIP_PROTO_UDP, 53, 0, NULL), P("dns-tcp", CIP_PROTO_TCP, 53, 0, NULL) },
	  2,
	  { "app", "web" },
	  NULL },
	{ "default",
	  "v6only",
	  CIP_SERVICE_NODE_PORT,
	  0,
	  0,
	  0,
	  "fd00:10:96::20",
	  NULL,
	  { { "http", CIP_PROTO_TCP, 80, 0, NULL, 30080 } },
	  1,
	  { "app", "web" },
	  NULL },
	{ "default",
	  "db",
	  0,
	  1,
	  0,
	  0,
	  NULL,
	  NULL,
	  { P("pg", CIP_PROTO_TCP, 5432, 0, "pg") },
	  1,
	  { "app", "db" },
	  NULL },
	{ "default",
	  "db6",
	  0,
	  1,
	  CIP_REQUIRE_DUAL_STACK,
	  0,
	  NULL,
	  NULL,
	  { P("pg", CIP_PROTO_TCP, 5432, 0, NULL), P("pg-udp", CIP_PROTO_UDP, 5432, 0, NULL) },
	  2,
	  { "app", "db" },
	  NULL },
	{ "default",
	  "pub",
	  0,
	  1,
	  CIP_PREFER_DUAL_STACK,
	  1,
	  NULL,
	  NULL,
	  { P("pg", CIP_PROTO_TCP, 5432, 0, "pg") },
	  1,
	  { "app", "db" },
	  NULL },
	{ "default",
	  "nops",
	  0,
	  1,
	  0,
	  0,
	  NULL,
	  NULL,
	  { P(NULL, 0, 0, 0, NULL) },
	  0,
	  { "app", "db" },
	  NULL },
	{ "default",
	  "ext",
	  CIP_SERVICE_EXTERNAL_NAME,
	  0,
	  0,
	  0,
	  NULL,
	  NULL,
	  { P("http", CIP_PROTO_TCP, 80, 0, NULL) },
	  1,
	  { NULL, NULL },
	  "db.example.com." },
	{ "default",
	  "empty",
	  0,
	  1,
	  0,
	  0,
	  NULL,
	  NULL,
	  { P("pg", CIP_PROTO_TCP, 5432, 0, NULL) },
	  1,
	  { "app", "none" },
	  NULL },
	{ "default",
	  "manual",
	  0,
	  1,
	  CIP_PREFER_DUAL_STACK,
	  0,
	  NULL,
	  NULL,
	  { P("http", CIP_PROTO_TCP, 80, 0, NULL) },
	  1,
	  { NULL, NULL },
	  NULL },
	{ "other",
	  "web",
	  0,
	  0,
	  CIP_PREFER_DUAL_STACK,
	  0,
	  NULL,
	  NULL,
	  { P("http", CIP_PROTO_TCP, 80, 0, NULL) },
	  1,
	  { "app", "web" },
	  NULL },
	{ "other",
	  "ext2",
	  CIP_SERVICE_EXTERNAL_NAME,
	  0,
	  0,
	  0,
	  NULL,
	  NULL,
	  { P(NULL, 0, 0, 0, NULL) },
	  0,
	  { NULL, NULL },
	  "other.example" },
	{ "kube-system",
	  "kube-dns",
	  0,
	  0,
	  0,
	  0,
	  "10.96.0.10",
	  NULL,
	  { P("dns", CIP_PROTO_UDP, 53, 0, NULL), P("dns-tcp", CIP_PROTO_TCP, 53, 0, NULL),
	    P("metrics", CIP_PROTO_TCP, 9153, 0, NULL) },
	  3,
	  { "k8s-app", "kube-dns" },
	  NULL },
	{ long_ns,
	  long_svc,
	  0,
	  1,
	  0,
	  0,
	  NULL,
	  NULL,
	  { P("p", CIP_PROTO_SCTP, 1, 0, NULL) },
	  1,
	  { "app", "long" },
	  NULL },
	{ long_ns,
	  "c",
	  0,
	  0,
	  CIP_REQUIRE_DUAL_STACK,
	  0,
	  "10.96.0.30",
	  "fd00:10:96::30",
	  { P("p", CIP_PROTO_SCTP, 1, 0, NULL) },
	  1,
	  { "app", "long" },
	  NULL },
};

static struct pod_def pod_defs[] = {
	{ "default",
	  "db-0",
	  "10.244.0.10",
	  "fd00:244::10",
	  "db",
	  "db-0",
	  READY,
	  { "pg", CIP_PROTO_TCP, 5432 } },
	{ "default",
	  "db-1",
	  "10.244.0.11",
	  NULL,
	  "db",
	  NULL,
	  READY,
	  { "pg", CIP_PROTO_TCP, 5433 } },
	{ "default",
	  "db-2",
	  "10.244.0.12",
	  "fd00:244::12",
	  "db",
	  "db-2",
	  TERMINATING,
	  { "pg", CIP_PROTO_TCP, 5432 } },
	{ "default",
	  "db-3",
	  "fd00:244::13",
	  NULL,
	  "db",
	  "db-3",
	  READY,
	  { "pg", CIP_PROTO_TCP, 5432 } },
	{ "default", "db-4", "10.244.0.14", NULL, "db", "db-0", READY, { NULL, 0, 0 } },
	{ "default",
	  "web-0",
	  "10.244.1.1",
	  "fd00:244::1:1",
	  "web",
	  "web-0",
	  READY,
	  { "http", CIP_PROTO_TCP, 8080 } },
	{ "default", "web-1", "10.244.1.2", NULL, "web", NULL, 0, { NULL, 0, 0 } },
	{ "kube-system", "coredns", "10.244.9.9", NULL, "kube-dns", NULL, READY, { NULL, 0, 0 } },
	{ long_ns,
	  "lp-0",
	  "10.244.2.1",
	  "fd00:244::2:1",
	  "long",
	  long_host,
	  READY,
	  { NULL, 0, 0 } },
	{ long_ns, "lp-1", "10.244.2.2", NULL, "long", NULL, READY, { NULL, 0, 0 } },
};

static const struct {
	const char *ip, *hostname;
	unsigned conditions;
} manual_eps[] = {
	{ "10.244.3.1", "m-0", READY },	   { "10.244.3.2", NULL, READY },
	{ "fd00:244::3:3", "m-2", READY }, { "10.244.3.4", "m-3", TERMINATING },
	{ "10.244.0.10", "db-0", READY },
};

static void create_service(struct fixture *f, const struct svc_def *d)
{
	cip_service_spec s;
	cip_addr ips[2];
	cip_spec_error e;

	cip_service_spec_init(&s, sizeof(s));
	memset(&e, 0, sizeof(e));
	e.sz = sizeof(e);
	s.ns = d->ns;
	s.name = d->name;
	s.type = d->type;
	s.headless = d->headless;
	s.ip_family_policy = d->policy;
	s.publish_not_ready_addresses = d->publish;
	s.ports = d->ports;
	s.nports = d->nports;
	s.selector = d->sel.key ? &d->sel : NULL;
	s.nselector = d->sel.key ? 1 : 0;
	s.external_name = d->external;
	if (d->ip1) {
		ips[s.ncluster_ips++] = addr(d->ip1);
	}
	if (d->ip2) {
		ips[s.ncluster_ips++] = addr(d->ip2);
	}
	s.cluster_ips = s.ncluster_ips ? ips : NULL;
	if (cip_table_service_create(f->t, &s, 0, &e) != 0) {
		fprintf(stderr, "%s/%s: %s\n", d->ns, d->name, e.message);
		fuzz_fail("the fixture's services are valid");
	}
	for (size_t i = 0; i < d->nports; i++) {
		know_port(d->ports[i].port);
		know_port(d->ports[i].target_port);
	}
}

static void apply_pod(struct fixture *f, const struct pod_def *d)
{
	cip_label label = { "app", d->app };
	cip_pod_spec p;
	cip_addr ips[2];

	if (strcmp(d->app, "kube-dns") == 0) {
		label.key = "k8s-app";
	}
	cip_pod_spec_init(&p, sizeof(p));
	p.ns = d->ns;
	p.name = d->name;
	ips[p.nips++] = addr(d->ip1);
	if (d->ip2) {
		ips[p.nips++] = addr(d->ip2);
	}
	p.ips = ips;
	p.labels = &label;
	p.nlabels = 1;
	p.hostname = d->hostname;
	p.conditions = d->conditions;
	p.node_name = "node-a";
	p.ports = d->port.name ? &d->port : NULL;
	p.nports = d->port.name ? 1 : 0;
	FUZZ_CHECK_RC(cip_table_pod_apply(f->t, &p, NULL), 0);
	for (size_t i = 0; i < p.nips; i++) {
		know_addr(&ips[i]);
	}
	know_port(d->port.port);
}

static void set_manual_endpoints(struct fixture *f)
{
	static const cip_named_port port = { "http", CIP_PROTO_TCP, 8000 };
	cip_endpoint_spec eps[sizeof(manual_eps) / sizeof(manual_eps[0])];

	memset(eps, 0, sizeof(eps));
	for (size_t i = 0; i < sizeof(eps) / sizeof(eps[0]); i++) {
		eps[i].addr = addr(manual_eps[i].ip);
		eps[i].hostname = manual_eps[i].hostname;
		eps[i].conditions = manual_eps[i].conditions;
		know_addr(&eps[i].addr);
	}
	FUZZ_CHECK_RC(cip_table_endpoints_set(f->t, "default", "manual", eps,
					      sizeof(eps) / sizeof(eps[0]), &port, 1, NULL),
		      0);
	know_port(port.port);
}

static int know_cluster_ips(const cip_service_info *svc, void *ctx)
{
	(void)ctx;
	for (size_t i = 0; i < svc->ncluster_ips; i++) {
		know_addr(&svc->cluster_ips[i]);
	}
	return 0;
}

static void fixture_build(struct fixture *f, const char *domain)
{
	static const char *const ranges[] = { "10.96.0.0/16", "fd00:10:96::/112" };
	cip_pool_opts po;
	cip_table_opts o;
	cip_prefix p;

	cip_pool_opts_init(&po, sizeof(po));
	po.seed = 3;
	FUZZ_CHECK_RC(cip_pool_new(&f->pool, &po), 0);
	for (size_t i = 0; i < 2; i++) {
		FUZZ_CHECK_RC(cip_prefix_parse(&p, ranges[i], strlen(ranges[i]), 0, NULL), 0);
		FUZZ_CHECK_RC(cip_pool_add(f->pool, &p, NULL), 0);
	}
	cip_table_opts_init(&o, sizeof(o));
	o.pool = f->pool;
	o.cluster_domain = domain;
	o.seed = 3;
	FUZZ_CHECK_RC(cip_table_new(&f->t, &o), 0);
	f->domain = domain ? domain : "cluster.local";
	for (size_t i = 0; i < sizeof(svc_defs) / sizeof(svc_defs[0]); i++) {
		create_service(f, &svc_defs[i]);
	}
	for (size_t i = 0; i < sizeof(pod_defs) / sizeof(pod_defs[0]); i++) {
		apply_pod(f, &pod_defs[i]);
	}
	set_manual_endpoints(f);
	FUZZ_CHECK_RC(cip_table_foreach_service(f->t, know_cluster_ips, NULL), 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (tables[0].t) {
		return 0;
	}
	memset(long_ns, 'n', 63);
	long_ns[62] = '9';
	memset(long_svc, 's', 63);
	memset(long_host, 'h', 63);
	fixture_build(&tables[0], NULL);
	fixture_build(&tables[1], long_domain);
	return 0;
}

/* ------------------------------------------------------------------ */
/* References                                                         */
/* ------------------------------------------------------------------ */

static bool label_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* A DNS name as service discovery reads one: labels of 1..63 letters,
 * digits, '-' and '_', single dots, an optional trailing dot, at most 253
 * bytes without it. */
static bool ref_name(const char *s, size_t n)
{
	size_t label = 0;

	if (n && s[n - 1] == '.') {
		n--;
	}
	if (n == 0 || n > 253) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0) {
				return false;
			}
			label = 0;
		} else if (!label_byte((unsigned char)s[i]) || ++label > 63) {
			return false;
		}
	}
	return label > 0;
}

static bool ref_ns(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-') {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '-')) {
			return false;
		}
	}
	return true;
}

static bool qtype_valid(int q)
{
	return q == CIP_DNS_A || q == CIP_DNS_AAAA || q == CIP_DNS_CNAME || q == CIP_DNS_PTR ||
	       q == CIP_DNS_TXT || q == CIP_DNS_SRV || q == CIP_DNS_ANY;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* The canonical form of a valid name: lower case, no trailing dot. */
static size_t canonical(const char *s, size_t n, char *out)
{
	if (n && s[n - 1] == '.') {
		n--;
	}
	for (size_t i = 0; i < n; i++) {
		out[i] = lower(s[i]);
	}
	out[n] = '\0';
	return n;
}

static bool known_addr(const cip_addr *a)
{
	for (size_t i = 0; i < nknown_addrs; i++) {
		if (cip_addr_equal(&known_addrs[i], a)) {
			return true;
		}
	}
	return false;
}

static bool known_port(uint16_t port)
{
	for (size_t i = 0; i < nknown_ports; i++) {
		if (known_ports[i] == port) {
			return true;
		}
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Answers                                                            */
/* ------------------------------------------------------------------ */

struct answer {
	int rc;
	size_t n;
	cip_dns_record rec[MAX_RECORDS];
};

static void resolve(const struct fixture *f, const char *name, size_t len, int qtype,
		    const char *ns, struct answer *a)
{
	char *exact = fuzz_dup(name, len);

	memset(a, 0, sizeof(*a));
	a->n = 12345;
	a->rc = cip_table_dns_resolve(f->t, exact, len, qtype, ns, a->rec, MAX_RECORDS, &a->n);
	free(exact);
	FUZZ_CHECK(a->rc != CIP_EBUFSIZE);
	FUZZ_CHECK(a->rc != 0 || a->n <= MAX_RECORDS);
}

static bool same_answer(const struct answer *x, const struct answer *y)
{
	return x->rc == y->rc && x->n == y->n &&
	       (x->rc != 0 || memcmp(x->rec, y->rec, x->n * sizeof(x->rec[0])) == 0);
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* @p owner is @p canon itself or @p canon.<ns>.svc.<zone>, .svc.<zone> or
 * .<zone> (the search path of a pod in @p ns). */
static bool owner_ok(const struct fixture *f, const char *owner, const char *canon, size_t clen,
		     const char *ns)
{
	char suffix[3][300];
	size_t olen = strlen(owner);

	if (strcmp(owner, canon) == 0) {
		return true;
	}
	if (!ns || olen <= clen + 1 || memcmp(owner, canon, clen) != 0 || owner[clen] != '.') {
		return false;
	}
	snprintf(suffix[0], sizeof(suffix[0]), "%s.svc.%s", ns, f->domain);
	snprintf(suffix[1], sizeof(suffix[1]), "svc.%s", f->domain);
	snprintf(suffix[2], sizeof(suffix[2]), "%s", f->domain);
	for (int i = 0; i < 3; i++) {
		if (strcmp(owner + clen + 1, suffix[i]) == 0) {
			return true;
		}
	}
	return false;
}

static bool type_allowed(int qtype, int type)
{
	if (qtype == CIP_DNS_ANY || qtype == type) {
		return true;
	}
	/* An ExternalName answers address questions with its CNAME. */
	return type == CIP_DNS_CNAME && (qtype == CIP_DNS_A || qtype == CIP_DNS_AAAA);
}

static bool has_address(const struct answer *a, const cip_addr *want)
{
	for (size_t i = 0; a->rc == 0 && i < a->n; i++) {
		if ((a->rec[i].type == CIP_DNS_A || a->rec[i].type == CIP_DNS_AAAA) &&
		    cip_addr_equal(&a->rec[i].addr, want)) {
			return true;
		}
	}
	return false;
}

/* The address a reverse name stands for. */
static cip_addr reverse_addr(const char *name)
{
	cip_addr a;
	char back[CIP_REVERSE_NAME_STRLEN];
	unsigned b[4];

	memset(&a, 0, sizeof(a));
	if (ends_with(name, strlen(name), ".in-addr.arpa")) {
		FUZZ_CHECK(sscanf(name, "%u.%u.%u.%u.", &b[0], &b[1], &b[2], &b[3]) == 4);
		a.family = CIP_FAMILY_IPV4;
		for (int i = 0; i < 4; i++) {
			FUZZ_CHECK(b[i] <= 255);
			a.bytes[15 - i] = (uint8_t)b[i];
		}
	} else {
		FUZZ_CHECK(ends_with(name, strlen(name), ".ip6.arpa") && strlen(name) == 72);
		a.family = CIP_FAMILY_IPV6;
		for (int i = 0; i < 32; i++) {
			char c = name[2 * i];
			int v = c <= '9' ? c - '0' : c - 'a' + 10;

			a.bytes[15 - i / 2] |= (uint8_t)(i % 2 ? v << 4 : v);
		}
	}
	/* It is the canonical reverse name of that address. */
	FUZZ_CHECK(cip_addr_reverse_name(&a, 0, back, sizeof(back)) > 0);
	FUZZ_CHECK(strcmp(back, name) == 0);
	return a;
}

/* PTR and SRV targets resolve forward: to the address asked for, or to
 * some address. */
static void check_target(const struct fixture *f, const cip_dns_record *r)
{
	struct answer fwd;

	resolve(f, r->target, strlen(r->target), CIP_DNS_ANY, NULL, &fwd);
	FUZZ_CHECK_RC(fwd.rc, 0);
	if (r->type == CIP_DNS_PTR) {
		cip_addr want = reverse_addr(r->name);

		FUZZ_CHECK(has_address(&fwd, &want));
	} else {
		FUZZ_CHECK(fwd.n > 0 &&
			   (fwd.rec[0].type == CIP_DNS_A || fwd.rec[0].type == CIP_DNS_AAAA));
	}
}

static void check_record(const struct fixture *f, const cip_dns_record *r, int qtype,
			 const char *owner, size_t nsrv)
{
	size_t len = strnlen(r->name, sizeof(r->name));
	char canon[300];

	FUZZ_CHECK(len > 0 && len < sizeof(r->name));
	FUZZ_CHECK(ref_name(r->name, len) && r->name[len - 1] != '.');
	FUZZ_CHECK(canonical(r->name, len, canon) == len && strcmp(canon, r->name) == 0);
	FUZZ_CHECK(strcmp(r->name, owner) == 0);
	FUZZ_CHECK(type_allowed(qtype, r->type));
	FUZZ_CHECK(strnlen(r->target, sizeof(r->target)) < sizeof(r->target));
	switch (r->type) {
	case CIP_DNS_A:
	case CIP_DNS_AAAA:
		FUZZ_CHECK(r->addr.family ==
			   (r->type == CIP_DNS_A ? CIP_FAMILY_IPV4 : CIP_FAMILY_IPV6));
		FUZZ_CHECK(known_addr(&r->addr) && r->target[0] == '\0');
		break;
	case CIP_DNS_CNAME:
		FUZZ_CHECK(strcmp(r->target, external_names[0]) == 0 ||
			   strcmp(r->target, external_names[1]) == 0);
		break;
	case CIP_DNS_TXT:
		FUZZ_CHECK(strcmp(r->target, CIP_DNS_SCHEMA_VERSION) == 0);
		FUZZ_CHECK(strncmp(r->name, "dns-version.", 12) == 0 &&
			   strcmp(r->name + 12, f->domain) == 0);
		break;
	case CIP_DNS_SRV:
		FUZZ_CHECK(r->priority == 0 && (size_t)r->weight == 100 / nsrv);
		FUZZ_CHECK(known_port(r->port) && r->port != 0);
		check_target(f, r);
		break;
	case CIP_DNS_PTR:
		check_target(f, r);
		break;
	default:
		fuzz_fail("an unknown record type");
	}
	if (r->type != CIP_DNS_A && r->type != CIP_DNS_AAAA) {
		size_t tlen = strlen(r->target);

		FUZZ_CHECK(r->addr.family == 0);
		FUZZ_CHECK(r->type == CIP_DNS_TXT || (ref_name(r->target, tlen) &&
						      canonical(r->target, tlen, canon) == tlen &&
						      strcmp(canon, r->target) == 0));
	}
}

/* ------------------------------------------------------------------ */
/* The checks of one question                                         */
/* ------------------------------------------------------------------ */

static void check_records(const struct fixture *f, const struct answer *a, int qtype,
			  const char *canon, size_t clen, const char *ns)
{
	size_t nsrv = 0;

	if (a->rc != 0 || a->n == 0) {
		return;
	}
	FUZZ_CHECK(owner_ok(f, a->rec[0].name, canon, clen, ns));
	for (size_t i = 0; i < a->n; i++) {
		nsrv += a->rec[i].type == CIP_DNS_SRV;
	}
	for (size_t i = 0; i < a->n; i++) {
		check_record(f, &a->rec[i], qtype, a->rec[0].name, nsrv);
	}
}

/* CIP_EBUFSIZE reports the count and writes nothing; the exact room
 * gives the same records. */
static void check_buffer(const struct fixture *f, const char *name, size_t len, int qtype,
			 const char *ns, const struct answer *a)
{
	static cip_dns_record small[MAX_RECORDS + 1];
	char *exact = fuzz_dup(name, len);
	size_t n = 0;

	memset(small, 0x5a, sizeof(small));
	FUZZ_CHECK_RC(cip_table_dns_resolve(f->t, exact, len, qtype, ns, a->n > 1 ? small : NULL,
					    a->n - 1, &n),
		      CIP_EBUFSIZE);
	FUZZ_CHECK(n == a->n);
	for (size_t i = 0; i < sizeof(small); i++) {
		FUZZ_CHECK(((const uint8_t *)small)[i] == 0x5a);
	}
	n = 0;
	FUZZ_CHECK_RC(cip_table_dns_resolve(f->t, exact, len, qtype, ns, small, a->n, &n), 0);
	FUZZ_CHECK(n == a->n && memcmp(small, a->rec, n * sizeof(small[0])) == 0);
	for (size_t i = n * sizeof(small[0]); i < sizeof(small); i++) {
		FUZZ_CHECK(((const uint8_t *)small)[i] == 0x5a);
	}
	free(exact);
}

/* Whether existence depends on the type: it must not, for one name. */
static void check_any(const struct fixture *f, const char *name, size_t len, const struct answer *a)
{
	static struct answer any;

	resolve(f, name, len, CIP_DNS_ANY, NULL, &any);
	FUZZ_CHECK((a->rc == CIP_ENOTFOUND) == (any.rc == CIP_ENOTFOUND));
	for (size_t i = 0; a->rc == 0 && i < a->n; i++) {
		bool found = false;

		for (size_t k = 0; k < any.n && !found; k++) {
			found = memcmp(&a->rec[i], &any.rec[k], sizeof(a->rec[i])) == 0;
		}
		FUZZ_CHECK(found);
	}
}

static const char *pick_ns(struct fuzz_in *in, unsigned sel, char *buf, size_t cap)
{
	switch (sel % 8) {
	case 0:
		return NULL;
	case 1:
		return "default";
	case 2:
		return "other";
	case 3:
		return "kube-system";
	case 4:
		return long_ns;
	case 5:
		return "nope";
	case 6:
		fuzz_str(in, buf, cap);
		return buf;
	default:
		return "Bad_NS";
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int qtypes[] = { CIP_DNS_A,   CIP_DNS_AAAA, CIP_DNS_CNAME, CIP_DNS_PTR,
				      CIP_DNS_TXT, CIP_DNS_SRV,	 CIP_DNS_ANY };
	static struct answer a, again, other;
	struct fuzz_in in = fuzz_in(data, size);
	char nsbuf[80], canon[MAX_NAME + 1], *upper;
	const struct fixture *f;
	const char *ns, *name;
	size_t len, clen = 0;
	unsigned qsel, sel;
	int qtype;
	bool absolute;

	if (size > MAX_NAME + 80) {
		return 0;
	}
	LLVMFuzzerInitialize(NULL, NULL);
	qsel = fuzz_u8(&in);
	qtype = qsel % 8 < 7 ? qtypes[qsel % 8] : (int)(qsel / 8);
	sel = fuzz_u8(&in);
	f = &tables[(sel >> 3) & 1];
	ns = pick_ns(&in, sel, nsbuf, sizeof(nsbuf));
	name = (const char *)in.p;
	len = in.n;
	if (len > MAX_NAME) {
		return 0;
	}

	resolve(f, name, len, qtype, ns, &a);
	if (!qtype_valid(qtype) || (ns && !ref_ns(ns))) {
		FUZZ_CHECK_RC(a.rc, CIP_EINVAL);
		return 0;
	}
	if (!ref_name(name, len)) {
		FUZZ_CHECK_RC(a.rc, CIP_ENAME);
		return 0;
	}
	FUZZ_CHECK(a.rc == 0 || a.rc == CIP_ENOTFOUND);
	clen = canonical(name, len, canon);
	absolute = name[len - 1] == '.';
	check_records(f, &a, qtype, canon, clen, ns);

	/* Deterministic, and blind to case. */
	resolve(f, name, len, qtype, ns, &again);
	FUZZ_CHECK(same_answer(&a, &again));
	upper = fuzz_dup(name, len);
	for (size_t i = 0; i < len; i++) {
		if (upper[i] >= 'a' && upper[i] <= 'z') {
			upper[i] = (char)(upper[i] - 32);
		}
	}
	resolve(f, upper, len, qtype, ns, &again);
	free(upper);
	FUZZ_CHECK(same_answer(&a, &again));

	if (a.rc == 0 && a.n > 0) {
		check_buffer(f, name, len, qtype, ns, &a);
	}
	if (ns && absolute) {
		/* An absolute name skips the search path. */
		resolve(f, name, len, qtype, NULL, &other);
		FUZZ_CHECK(same_answer(&a, &other));
	} else if (ns && a.rc == 0 && a.n > 0) {
		/* The search path found a name: it answers the same on its own. */
		resolve(f, a.rec[0].name, strlen(a.rec[0].name), qtype, NULL, &other);
		FUZZ_CHECK(same_answer(&a, &other));
	}
	if (!ns && qtype != CIP_DNS_ANY) {
		check_any(f, name, len, &a);
	}
	return 0;
}
