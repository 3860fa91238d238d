/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The table fixture and its dump (see table_world.h).
 *
 * What the dump covers, through the public read API but for the index
 * sizes:
 * - the table's generation;
 * - every service (cip_table_foreach_service(), sorted by namespace and
 *   name): every field of its cip_service_info and of each
 *   cip_service_port_info, each port's endpoints (address, port,
 *   conditions and the node, zone and hint names their ids stand for), its
 *   endpoints reason and its live session affinity entries at NOW;
 * - for each ClusterIP and port, and each node port, what
 *   cip_table_lookup() and cip_table_lookup_node_port() return (service,
 *   generation, port, endpoints);
 * - probe lookups of every address a test uses, on every service port
 *   number the tests use, TCP and UDP, and of every node port the
 *   allocator holds;
 * - the number of entries of each of the table's indexes (by name, by
 *   ClusterIP, by node port, by address for PTR; names, pods), read from
 *   the private struct: an entry that no listed service owns, at any key,
 *   shows there;
 * - DNS answers (every type): each service's name, the SRV names of its
 *   named ports, the PTR names of its ClusterIPs, and a fixed list of
 *   names and addresses the tests use (so that a name or a PTR entry that
 *   appears or disappears shows);
 * - the interned names: every id from 1 on with its text, and the id of
 *   every node and zone name the tests use;
 * - the pool (each range's CIDR and state, gauges and native snapshot;
 *   for the IPv6 range of STARVED_QUARANTINE only the addresses it holds,
 *   see put_allocated()) and the node-port allocator (gauges and native
 *   snapshot).
 * It does not cover the positions of round-robin rotations (reading them
 * means selecting, which moves them), the random state from which the
 * next permutation is drawn, nor the records only writers use (namespaces,
 * selector terms, pods' specs), except through the endpoints they give.
 */
#include "cip_test.h"
#include "table_priv.h"
#include "table_world.h"

#define MAX_SERVICES 32
#define MAX_PORTS 8
#define MAX_EPS 32
#define MAX_RECORDS 32

#define QUARANTINE_NS 1000000
#define INDEX_LIMIT 56

static const uint16_t probe_ports[] = { 53, 80, 443, 8080, 8443, 9000, 9090 };
static const int probe_protocols[] = { CIP_PROTO_TCP, CIP_PROTO_UDP };

/* Addresses the operations use, besides those the pool hands out. */
static const char *const probe_addrs[] = {
	"10.96.0.200", "10.96.0.201", "10.244.1.1",  "10.244.1.2",  "10.244.1.3",
	"10.244.1.4",  "10.244.2.1",  "10.244.3.1",  "10.244.9.9",  "10.0.9.1",
	"10.0.9.2",    "10.0.9.3",    "fd00:244::1", "fd00:244::2", "fd00:244::4",
};

static const char *const probe_names[] = {
	"web.default.svc.cluster.local",
	"api.default.svc.cluster.local",
	"hl.default.svc.cluster.local",
	"ext.default.svc.cluster.local",
	"lbsvc.default.svc.cluster.local",
	"manual.other.svc.cluster.local",
	"web-1.hl.default.svc.cluster.local",
	"web-4.hl.default.svc.cluster.local",
	"new.default.svc.cluster.local",
	"new.fresh.svc.cluster.local",
	"_http._tcp.new.default.svc.cluster.local",
	"dns-version.cluster.local",
};

static const char *const probe_ids[] = {
	"node-a", "node-b", "node-c", "node-d", "zone-1", "zone-2", "zone-3", "zone-4", "web-1",
};

cip_addr world_addr(const char *text)
{
	return ct_addr(text);
}

uint32_t world_name_id(const struct world *w, const char *name)
{
	uint32_t id = 0;

	if (cip_table_name_id(w->t, name, &id) != 0)
		id = 0;
	return id;
}

/* ------------------------------------------------------------------ */
/* Building the world                                                 */
/* ------------------------------------------------------------------ */

static cip_prefix cidr(const char *text)
{
	cip_prefix p;

	assert_int_equal(cip_prefix_parse(&p, text, strlen(text), 0, NULL), 0);
	return p;
}

static void pool_add(cip_pool *p, const char *text, uint64_t quarantine_ns)
{
	cip_prefix pr = cidr(text);
	cip_range_opts o;

	assert_int_equal(cip_range_opts_init(&o, sizeof(o)), 0);
	o.quarantine_ns = quarantine_ns;
	assert_int_equal(cip_pool_add(p, &pr, &o), 0);
}

static void make_allocators(struct world *w)
{
	cip_pool_opts po;
	cip_ports_opts pto;
	cip_port_range pr;

	assert_int_equal(cip_pool_opts_init(&po, sizeof(po)), 0);
	po.seed = 7;
	assert_int_equal(cip_pool_new(&w->pool, &po), 0);
	pool_add(w->pool, "10.96.0.0/24", QUARANTINE_NS);
	pool_add(w->pool, w->cfg->starved_v6 ? "fd00:96::/64" : "fd00:96::/116",
		 w->cfg->starved_v6 == STARVED_QUARANTINE ? QUARANTINE_NS : 0);
	assert_int_equal(cip_port_range_parse(&pr, S("30000-32767"), NULL), 0);
	assert_int_equal(cip_ports_opts_init(&pto, sizeof(pto)), 0);
	pto.seed = 13;
	pto.quarantine_ns = QUARANTINE_NS;
	assert_int_equal(cip_ports_new(&w->ports, &pr, &pto), 0);
}

static void make_table(struct world *w)
{
	cip_table_opts o;

	assert_int_equal(cip_table_opts_init(&o, sizeof(o)), 0);
	o.pool = w->pool;
	o.node_ports = w->ports;
	o.seed = 11;
	o.lb_policy = w->cfg->lb_policy;
	o.maglev_size = 251;
	o.affinity_capacity = 64;
	assert_int_equal(cip_table_new(&w->t, &o), 0);
}

const cip_label world_app_web[1] = { { "app", "web" } };
const cip_label world_app_api[1] = { { "app", "api" } };
const cip_service_port world_web_ports[3] = {
	{ "http", CIP_PROTO_TCP, 80, 8080, NULL, 0 },
	{ "https", CIP_PROTO_TCP, 443, 0, "https", 0 },
	{ "dns", CIP_PROTO_UDP, 53, 0, NULL, 0 },
};

static void fixture_web(cip_service_spec *s)
{
	s->ports = world_web_ports;
	s->nports = ARRAY_LEN(world_web_ports);
	s->selector = world_app_web;
	s->nselector = 1;
	s->ip_family_policy = CIP_PREFER_DUAL_STACK;
	s->session_affinity = CIP_AFFINITY_CLIENT_IP;
	s->affinity_timeout = 60;
	/* Strict round-robin whatever the table's policy: its choices, and so
	 * its affinity entries, are the same in every run (the per-thread and
	 * random policies draw from per-thread generators that no seed sets). */
	s->lb_policy = CIP_LB_ROUND_ROBIN;
}

static void fixture_api(cip_service_spec *s)
{
	static const cip_service_port ports[] = { { "", CIP_PROTO_TCP, 8443, 0, NULL, 0 } };

	s->type = CIP_SERVICE_NODE_PORT;
	s->ports = ports;
	s->nports = 1;
	s->selector = world_app_api;
	s->nselector = 1;
}

static void fixture_hl(cip_service_spec *s)
{
	static const cip_service_port ports[] = { { "http", CIP_PROTO_TCP, 80, 0, NULL, 0 } };

	s->headless = 1;
	s->ports = ports;
	s->nports = 1;
	s->selector = world_app_web;
	s->nselector = 1;
	s->publish_not_ready_addresses = 1;
}

static void fixture_ext(cip_service_spec *s)
{
	s->type = CIP_SERVICE_EXTERNAL_NAME;
	s->external_name = "example.com";
}

static void fixture_lbsvc(cip_service_spec *s)
{
	static const cip_service_port ports[] = { { "lb", CIP_PROTO_TCP, 9000, 0, NULL, 31000 } };

	s->type = CIP_SERVICE_LOAD_BALANCER;
	s->ports = ports;
	s->nports = 1;
	s->selector = world_app_api;
	s->nselector = 1;
	s->internal_traffic_policy = CIP_TRAFFIC_LOCAL;
	s->traffic_distribution = CIP_DISTRIBUTION_SAME_ZONE;
}

static void fixture_manual(cip_service_spec *s)
{
	static const cip_service_port ports[] = { { "http", CIP_PROTO_TCP, 80, 0, NULL, 0 } };
	/* Set on each call: the spec points at it. */
	static cip_addr ip;

	ip = world_addr("10.96.0.200");
	s->ports = ports;
	s->nports = 1;
	s->cluster_ips = &ip;
	s->ncluster_ips = 1;
	s->session_affinity = CIP_AFFINITY_CLIENT_IP;
}

/* The fixture's services, in the order they are created. */
static const struct {
	const char *ns, *name;
	void (*fill)(cip_service_spec *s);
} fixture_services[] = {
	{ "default", "web", fixture_web },     { "default", "api", fixture_api },
	{ "default", "hl", fixture_hl },       { "default", "ext", fixture_ext },
	{ "default", "lbsvc", fixture_lbsvc }, { "other", "manual", fixture_manual },
};

cip_service_spec world_service_spec(const char *ns, const char *name)
{
	cip_service_spec s;

	cip_service_spec_init(&s, sizeof(s));
	s.ns = ns;
	s.name = name;
	for (size_t i = 0; i < ARRAY_LEN(fixture_services); i++) {
		if (strcmp(fixture_services[i].ns, ns) == 0 &&
		    strcmp(fixture_services[i].name, name) == 0)
			fixture_services[i].fill(&s);
	}
	return s;
}

static void make_services(struct world *w)
{
	cip_spec_error err;

	for (size_t i = 0; i < ARRAY_LEN(fixture_services); i++) {
		cip_service_spec s =
			world_service_spec(fixture_services[i].ns, fixture_services[i].name);

		memset(&err, 0, sizeof(err));
		err.sz = sizeof(err);
		if (cip_table_service_create(w->t, &s, T_BUILD, &err) != 0)
			fail_msg("fixture service %s/%s: %s", s.ns, s.name, err.message);
	}
}

#define READY WORLD_READY
#define TERMINATING (CIP_EP_SERVING | CIP_EP_TERMINATING)

static const struct world_pod pods[] = {
	{ "default", "web-1", "10.244.1.1", "fd00:244::1", "web", "node-a", "zone-1", "web-1",
	  READY, 2 },
	{ "default", "web-2", "10.244.1.2", "fd00:244::2", "web", "node-b", "zone-2", NULL,
	  TERMINATING, 0 },
	{ "default", "web-3", "10.244.1.3", NULL, "web", "node-a", "zone-1", NULL, READY, 0 },
	{ "default", "api-1", "10.244.2.1", NULL, "api", "node-b", "zone-2", NULL, READY, 0 },
	{ "default", "lonely", "10.244.9.9", NULL, "none", NULL, NULL, NULL, READY, 0 },
};

int world_pod_apply(struct world *w, const struct world_pod *pod)
{
	static const cip_named_port https = { "https", CIP_PROTO_TCP, 8443 };
	cip_label label = { "app", pod->app };
	cip_addr ips[2];
	cip_pod_spec s;
	cip_spec_error err;

	cip_pod_spec_init(&s, sizeof(s));
	s.ns = pod->ns;
	s.name = pod->name;
	ips[0] = world_addr(pod->ip4);
	s.nips = 1;
	if (pod->ip6)
		ips[s.nips++] = world_addr(pod->ip6);
	s.ips = ips;
	s.labels = &label;
	s.nlabels = 1;
	s.node_name = pod->node;
	s.zone = pod->zone;
	s.hostname = pod->hostname;
	s.ports = &https;
	s.nports = 1;
	s.conditions = pod->conditions;
	s.weight = pod->weight;
	memset(&err, 0, sizeof(err));
	err.sz = sizeof(err);
	return cip_table_pod_apply(w->t, &s, &err);
}

static void make_endpoints(struct world *w)
{
	static const cip_named_port port = { "http", CIP_PROTO_TCP, 8080 };
	cip_endpoint_spec eps[3];

	memset(eps, 0, sizeof(eps));
	eps[0].addr = world_addr("10.0.9.1");
	eps[0].conditions = READY;
	eps[0].node_name = "node-a";
	eps[0].zone = "zone-1";
	eps[0].hint_zone = "zone-1";
	eps[0].weight = 3;
	eps[1].addr = world_addr("10.0.9.2");
	eps[1].conditions = READY;
	eps[1].node_name = "node-b";
	eps[1].zone = "zone-2";
	eps[1].hint_zone = "zone-2";
	eps[2].addr = world_addr("10.0.9.3");
	eps[2].conditions = TERMINATING;
	eps[2].hostname = "old";
	assert_int_equal(cip_table_endpoints_set(w->t, "other", "manual", eps, 3, &port, 1, NULL),
			 0);
}

/* Session affinity entries: clients of web (both families) and manual.
 * At most 4 per map, the ways of a bucket: a map hashes clients with a
 * seed from the OS, and a fifth client in one bucket would evict another
 * in some runs and not in others. */
static void make_affinity(struct world *w)
{
	cip_service_info info;
	cip_select_request r;
	cip_backend b;

	assert_int_equal(cip_table_service_get(w->t, "default", "web", &info, NULL, 0), 0);
	for (unsigned k = 0; k < info.ncluster_ips; k++) {
		for (unsigned c = 1; c <= 4; c++) {
			char client[48];

			memset(&r, 0, sizeof(r));
			r.vip = info.cluster_ips[k];
			r.port = 80;
			r.protocol = CIP_PROTO_TCP;
			snprintf(client, sizeof(client),
				 info.cluster_ips[k].family == CIP_FAMILY_IPV4 ? "192.0.2.%u"
									       : "2001:db8::%u",
				 c);
			r.client = world_addr(client);
			r.now = T_BUILD;
			assert_int_equal(cip_table_select(w->t, &r, &b), 0);
		}
	}
	memset(&r, 0, sizeof(r));
	r.vip = world_addr("10.96.0.200");
	r.port = 80;
	r.protocol = CIP_PROTO_TCP;
	r.client = world_addr("192.0.2.77");
	r.now = T_BUILD;
	assert_int_equal(cip_table_select(w->t, &r, &b), 0);
}

/* The word of the /64 that holds offset @p off, all allocated. */
static void fill_word(cip_range *r, uint64_t word)
{
	cip_addr first = world_addr("fd00:96::1");

	for (uint64_t k = 0; k < 64; k++) {
		cip_u128 off = u128(0, word * 64 + k);
		cip_addr a;
		int rc;

		assert_int_equal(cip_addr_add(&a, &first, &off), 0);
		rc = cip_range_allocate(r, &a, 0);
		assert_true(rc == 0 || rc == CIP_EALLOCATED);
	}
}

struct words {
	uint64_t word[16];
	size_t n;
};

static int collect_word(const cip_addr *a, void *ctx)
{
	cip_addr first = world_addr("fd00:96::1");
	struct words *w = ctx;
	cip_u128 off;

	assert_int_equal(cip_addr_offset(&off, &first, a), 0);
	assert_true(w->n < ARRAY_LEN(w->word));
	w->word[w->n++] = off.lo / 64;
	return 0;
}

/* Fills the /64's index to its limit with full words while nothing can
 * be allocated: its words in use first, then new ones until a new word
 * needs memory. */
static void starve_v6(struct world *w)
{
	cip_prefix pr = cidr("fd00:96::/64");
	struct words used = { { 0 }, 0 };
	cip_range *r;
	int rc = 0;

	assert_int_equal(cip_pool_range(w->pool, &pr, &r), 0);
	assert_int_equal(cip_range_foreach(r, collect_word, &used), 0);
	oom_starve(1);
	for (size_t i = 0; i < used.n; i++)
		fill_word(r, used.word[i]);
	for (uint64_t i = 1; rc == 0 && i <= INDEX_LIMIT; i++) {
		cip_addr first = world_addr("fd00:96::1"), a;
		cip_u128 off = u128(0, i * UINT64_C(64000003) * 64);

		assert_int_equal(cip_addr_add(&a, &first, &off), 0);
		rc = cip_range_allocate(r, &a, 0);
		if (rc == 0)
			fill_word(r, off.lo / 64);
	}
	oom_starve(0);
	assert_int_equal(rc, CIP_ENOMEM);
}

/* Fills the /64's index of quarantine states (8 addresses each) to its
 * limit while nothing can be allocated: addresses 8 apart, allocated
 * first, then released into quarantine until one needs memory. */
static void starve_v6_quarantine(struct world *w)
{
	cip_addr first = world_addr("fd00:96::1"), a[INDEX_LIMIT + 1];
	cip_prefix pr = cidr("fd00:96::/64");
	cip_range *r;
	size_t i;
	int rc = 0;

	assert_int_equal(cip_pool_range(w->pool, &pr, &r), 0);
	for (i = 0; i < ARRAY_LEN(a); i++) {
		cip_u128 off = u128(0, UINT64_C(1) << 40 | i * 8);

		assert_int_equal(cip_addr_add(&a[i], &first, &off), 0);
		assert_int_equal(cip_range_allocate(r, &a[i], 0), 0);
	}
	oom_starve(1);
	for (i = 0; rc == 0 && i < ARRAY_LEN(a); i++)
		rc = cip_range_release(r, &a[i], T_BUILD, 0);
	oom_starve(0);
	assert_int_equal(rc, CIP_ENOMEM);
}

void *world_setup(const void *arg)
{
	struct world *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	w->cfg = arg;
	w->made = WORLD_UNTOUCHED;
	make_allocators(w);
	make_table(w);
	make_services(w);
	for (size_t i = 0; i < ARRAY_LEN(pods); i++)
		assert_int_equal(world_pod_apply(w, &pods[i]), 0);
	make_endpoints(w);
	make_affinity(w);
	if (w->cfg->starved_v6 == STARVED_ALLOCATION)
		starve_v6(w);
	if (w->cfg->starved_v6 == STARVED_QUARANTINE)
		starve_v6_quarantine(w);
	ct_fill(&w->backend, sizeof(w->backend));
	ct_fill(&w->n, sizeof(w->n));
	return w;
}

void world_teardown(void *fx)
{
	struct world *w = fx;

	cip_table_free(w->t);
	if (w->made != WORLD_UNTOUCHED)
		cip_table_free(w->made);
	cip_ports_free(w->ports);
	cip_pool_free(w->pool);
	free(w);
}

/* ------------------------------------------------------------------ */
/* The dump                                                           */
/* ------------------------------------------------------------------ */

static void put_addr(struct oom_buf *out, const cip_addr *a)
{
	char text[CIP_ADDR_STRLEN];

	if (a->family == 0) {
		oom_buf_printf(out, "-");
		return;
	}
	assert_true(cip_addr_format(a, text, sizeof(text)) > 0);
	oom_buf_printf(out, "%s", text);
}

/* An interned name by id, "-" for none. */
static void put_name(struct oom_buf *out, const cip_table *t, uint32_t id)
{
	char text[CIP_SUBDOMAIN_CAP];

	if (id == 0) {
		oom_buf_printf(out, "-");
		return;
	}
	if (cip_table_name(t, id, text, sizeof(text)) < 0)
		oom_buf_printf(out, "?%u", id);
	else
		oom_buf_printf(out, "%s", text);
}

static void put_endpoints(struct oom_buf *out, const cip_table *t, const cip_endpoint *eps,
			  size_t n)
{
	for (size_t i = 0; i < n; i++) {
		oom_buf_printf(out, "    ep ");
		put_addr(out, &eps[i].addr);
		oom_buf_printf(out, " port=%u cond=%u reserved=%u node=", eps[i].port,
			       eps[i].conditions, eps[i].reserved);
		put_name(out, t, eps[i].node);
		oom_buf_printf(out, " zone=");
		put_name(out, t, eps[i].zone);
		oom_buf_printf(out, " hint_zone=");
		put_name(out, t, eps[i].hint_zone);
		oom_buf_printf(out, " hint_node=");
		put_name(out, t, eps[i].hint_node);
		oom_buf_printf(out, "\n");
	}
}

static void put_info(struct oom_buf *out, const cip_service_info *s)
{
	oom_buf_printf(out,
		       "service %s/%s ext=%s type=%u headless=%u nips=%u selector=%u policy=%u "
		       "affinity=%u itp=%u pnra=%u td=%u reserved=%u timeout=%u nports=%u neps=%u "
		       "gen=%llu ips=",
		       s->ns, s->name, s->external_name, s->type, s->headless, s->ncluster_ips,
		       s->has_selector, s->ip_family_policy, s->session_affinity,
		       s->internal_traffic_policy, s->publish_not_ready_addresses,
		       s->traffic_distribution, s->reserved, s->affinity_timeout, s->nports,
		       s->nendpoints, (unsigned long long)s->generation);
	for (unsigned i = 0; i < 2; i++) {
		put_addr(out, &s->cluster_ips[i]);
		oom_buf_printf(out, i ? "\n" : ",");
	}
}

static void put_port(struct oom_buf *out, const cip_service_port_info *p)
{
	oom_buf_printf(out,
		       "  port %s target=%s/%u port=%u node_port=%u proto=%u reserved=%u neps=%u "
		       "index=%u\n",
		       p->name, p->target_port_name, p->target_port, p->port, p->node_port,
		       p->protocol, p->reserved, p->nendpoints, p->index);
}

/* A lookup, by ClusterIP (@p vip) or node port (@p vip NULL). Nothing
 * when it finds nothing, so that probes of empty keys cost no text. */
static void put_lookup(struct oom_buf *out, const cip_table *t, const cip_addr *vip, uint16_t port,
		       int protocol)
{
	cip_endpoint eps[MAX_EPS];
	cip_service_port_info pi;
	cip_service_info s;
	size_t n = 0;
	int rc = vip ? cip_table_lookup(t, vip, port, protocol, &s, &pi, eps, MAX_EPS, &n)
		     : cip_table_lookup_node_port(t, port, protocol, &s, &pi, eps, MAX_EPS, &n);

	if (rc == CIP_ENOTFOUND)
		return;
	oom_buf_printf(out, "lookup ");
	if (vip)
		put_addr(out, vip);
	else
		oom_buf_printf(out, "node-port");
	oom_buf_printf(out, ":%u/%d rc=%d n=%zu -> ", port, protocol, rc, n);
	put_info(out, &s);
	put_port(out, &pi);
	if (rc == 0)
		put_endpoints(out, t, eps, n);
}

static void put_dns(struct oom_buf *out, const cip_table *t, const char *name)
{
	cip_dns_record rec[MAX_RECORDS];
	size_t n = 0;
	int rc = cip_table_dns_resolve(t, name, strlen(name), CIP_DNS_ANY, NULL, rec, MAX_RECORDS,
				       &n);

	oom_buf_printf(out, "dns %s rc=%d n=%zu\n", name, rc, n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		oom_buf_printf(
			out, "  %s type=%u target=%s prio=%u weight=%u port=%u addr=", rec[i].name,
			rec[i].type, rec[i].target, rec[i].priority, rec[i].weight, rec[i].port);
		put_addr(out, &rec[i].addr);
		oom_buf_printf(out, "\n");
	}
}

static void put_ptr(struct oom_buf *out, const cip_table *t, const cip_addr *a)
{
	char name[CIP_REVERSE_NAME_STRLEN];

	assert_true(cip_addr_reverse_name(a, 0, name, sizeof(name)) > 0);
	put_dns(out, t, name);
}

static const char *proto_label(int protocol)
{
	return protocol == CIP_PROTO_UDP ? "udp" : protocol == CIP_PROTO_SCTP ? "sctp" : "tcp";
}

struct svc_key {
	char ns[CIP_NAME_CAP];
	char name[CIP_NAME_CAP];
};

struct svc_list {
	struct svc_key keys[MAX_SERVICES];
	size_t n;
};

static int list_service(const cip_service_info *s, void *ctx)
{
	struct svc_list *l = ctx;

	assert_true(l->n < MAX_SERVICES);
	memcpy(l->keys[l->n].ns, s->ns, CIP_NAME_CAP);
	memcpy(l->keys[l->n].name, s->name, CIP_NAME_CAP);
	l->n++;
	return 0;
}

static int key_cmp(const void *x, const void *y)
{
	const struct svc_key *a = x, *b = y;
	int c = strcmp(a->ns, b->ns);

	return c ? c : strcmp(a->name, b->name);
}

static void put_service(struct oom_buf *out, const cip_table *t, const struct svc_key *k)
{
	cip_service_port_info ports[MAX_PORTS];
	cip_endpoint eps[MAX_EPS];
	cip_service_info s;
	char name[300];
	int reason = -1;

	assert_int_equal(cip_table_service_get(t, k->ns, k->name, &s, ports, MAX_PORTS), 0);
	put_info(out, &s);
	assert_int_equal(cip_table_endpoints_reason(t, k->ns, k->name, &reason), 0);
	oom_buf_printf(out, "  reason=%d affinity=%d\n", reason,
		       cip_table_affinity_count(t, k->ns, k->name, NOW));
	for (uint32_t i = 0; i < s.nports; i++) {
		size_t n = 0;

		put_port(out, &ports[i]);
		assert_int_equal(cip_table_endpoints(t, k->ns, k->name, i, eps, MAX_EPS, &n), 0);
		put_endpoints(out, t, eps, n);
		for (unsigned c = 0; c < s.ncluster_ips; c++)
			put_lookup(out, t, &s.cluster_ips[c], ports[i].port, ports[i].protocol);
		if (ports[i].node_port)
			put_lookup(out, t, NULL, ports[i].node_port, ports[i].protocol);
		if (ports[i].name[0]) {
			assert_true(snprintf(name, sizeof(name), "_%s._%s.%s.%s.svc.cluster.local",
					     ports[i].name, proto_label(ports[i].protocol), k->name,
					     k->ns) < (int)sizeof(name));
			put_dns(out, t, name);
		}
	}
	assert_true(snprintf(name, sizeof(name), "%s.%s.svc.cluster.local", k->name, k->ns) <
		    (int)sizeof(name));
	put_dns(out, t, name);
	for (unsigned c = 0; c < s.ncluster_ips; c++)
		put_ptr(out, t, &s.cluster_ips[c]);
}

static void put_probe_addr(struct oom_buf *out, const cip_table *t, const cip_addr *a)
{
	for (size_t p = 0; p < ARRAY_LEN(probe_ports); p++)
		for (size_t q = 0; q < ARRAY_LEN(probe_protocols); q++)
			put_lookup(out, t, a, probe_ports[p], probe_protocols[q]);
	put_ptr(out, t, a);
}

struct probe_ctx {
	struct oom_buf *out;
	const cip_table *t;
};

struct pool_ctx {
	const cip_pool *pool;
	struct probe_ctx probe;
	int allocated_only; /* see put_allocated() */
};

static int put_one(const cip_addr *a, void *ctx)
{
	struct oom_buf *out = ctx;

	oom_buf_printf(out, " ");
	put_addr(out, a);
	return 0;
}

/* The addresses @p r holds and their count, not what is in quarantine:
 * a write that cannot record a quarantine for want of memory releases the
 * address at once (table.h), so with STARVED_QUARANTINE the quarantine
 * differs from the uninjected run by design, and what must match is that
 * no address stays allocated that no service holds. */
static void put_allocated(struct oom_buf *out, const cip_range *r)
{
	uint64_t used = 0;

	assert_int_equal(cip_range_used(r, CIP_BAND_ALL, &used), 0);
	oom_buf_printf(out, "  used=%llu:", (unsigned long long)used);
	assert_int_equal(cip_range_foreach(r, put_one, out), 0);
	oom_buf_printf(out, "\n");
}

static void put_gauges(struct oom_buf *out, const cip_range_stats *st)
{
	const cip_band_stats *b[2] = { &st->static_band, &st->dynamic_band };

	for (int i = 0; i < 2; i++)
		oom_buf_printf(
			out, "  band %d size=%llu used=%llu available=%llu quarantined=%llu\n", i,
			(unsigned long long)b[i]->size, (unsigned long long)b[i]->used,
			(unsigned long long)b[i]->available, (unsigned long long)b[i]->quarantined);
}

static int pool_range(const cip_prefix *pr, int state, void *ctx)
{
	struct pool_ctx *c = ctx;
	char text[CIP_PREFIX_STRLEN];
	cip_range_stats st;
	cip_range *r;
	size_t len = 0;
	uint8_t *snap;

	assert_int_equal(cip_pool_range(c->pool, pr, &r), 0);
	assert_true(cip_prefix_format(pr, text, sizeof(text)) > 0);
	oom_buf_printf(c->probe.out, "range %s state=%d\n", text, state);
	if (c->allocated_only && pr->addr.family == CIP_FAMILY_IPV6) {
		put_allocated(c->probe.out, r);
		return 0;
	}
	memset(&st, 0, sizeof(st));
	st.sz = sizeof(st);
	assert_int_equal(cip_range_stats_get(r, &st), 0);
	put_gauges(c->probe.out, &st);
	assert_int_equal(cip_range_snapshot(r, NOW, NULL, 0, &len), CIP_EBUFSIZE);
	snap = malloc(len);
	assert_non_null(snap);
	assert_int_equal(cip_range_snapshot(r, NOW, snap, len, &len), 0);
	oom_buf_printf(c->probe.out, "  snapshot ");
	oom_buf_hex(c->probe.out, snap, len);
	oom_buf_printf(c->probe.out, "\n");
	free(snap);
	return 0;
}

static int probe_node_port(uint32_t port, void *ctx)
{
	struct probe_ctx *p = ctx;

	for (size_t q = 0; q < ARRAY_LEN(probe_protocols); q++)
		put_lookup(p->out, p->t, NULL, (uint16_t)port, probe_protocols[q]);
	return 0;
}

static void put_allocators(struct oom_buf *out, const struct world *w)
{
	static const int families[] = { CIP_FAMILY_IPV4, CIP_FAMILY_IPV6 };
	const cip_pool *pool = w->pool;
	const cip_ports *ports = w->ports;
	struct pool_ctx c = { pool, { out, w->t }, w->cfg->starved_v6 == STARVED_QUARANTINE };
	cip_range_stats st;
	size_t len = 0;
	uint8_t *snap;

	for (size_t i = 0; i < ARRAY_LEN(families); i++)
		assert_int_equal(cip_pool_foreach_range(pool, families[i], pool_range, &c), 0);
	assert_int_equal(cip_ports_foreach(ports, probe_node_port, &c.probe), 0);
	memset(&st, 0, sizeof(st));
	st.sz = sizeof(st);
	assert_int_equal(cip_ports_stats_get(ports, &st), 0);
	oom_buf_printf(out, "node ports\n");
	put_gauges(out, &st);
	assert_int_equal(cip_ports_snapshot(ports, NOW, NULL, 0, &len), CIP_EBUFSIZE);
	snap = malloc(len);
	assert_non_null(snap);
	assert_int_equal(cip_ports_snapshot(ports, NOW, snap, len, &len), 0);
	oom_buf_printf(out, "  snapshot ");
	oom_buf_hex(out, snap, len);
	oom_buf_printf(out, "\n");
	free(snap);
}

static void put_names(struct oom_buf *out, const cip_table *t)
{
	char text[CIP_SUBDOMAIN_CAP];
	int rc;

	for (uint32_t id = 1; (rc = cip_table_name(t, id, text, sizeof(text))) != CIP_ENOTFOUND;
	     id++) {
		assert_true(rc >= 0);
		oom_buf_printf(out, "name %u %s\n", id, text);
	}
	for (size_t i = 0; i < ARRAY_LEN(probe_ids); i++) {
		uint32_t id = 0;

		rc = cip_table_name_id(t, probe_ids[i], &id);
		oom_buf_printf(out, "name_id %s rc=%d id=%u\n", probe_ids[i], rc, id);
	}
}

static void put_table(struct oom_buf *out, const cip_table *t)
{
	struct svc_list l;
	uint64_t g = 0;

	assert_int_equal(cip_table_generation(t, &g), 0);
	oom_buf_printf(out, "generation %llu\n", (unsigned long long)g);
	oom_buf_printf(out, "indexes name=%zu vip=%zu node_port=%zu addr=%zu names=%zu pods=%zu\n",
		       t->by_name.count, t->by_vip.count, t->by_node_port.count, t->by_addr.count,
		       t->names.count, t->pods.count);
	memset(&l, 0, sizeof(l));
	assert_int_equal(cip_table_foreach_service(t, list_service, &l), 0);
	qsort(l.keys, l.n, sizeof(l.keys[0]), key_cmp);
	for (size_t i = 0; i < l.n; i++)
		put_service(out, t, &l.keys[i]);
	for (size_t i = 0; i < ARRAY_LEN(probe_addrs); i++) {
		cip_addr a = world_addr(probe_addrs[i]);

		put_probe_addr(out, t, &a);
	}
	for (size_t i = 0; i < ARRAY_LEN(probe_names); i++)
		put_dns(out, t, probe_names[i]);
	put_names(out, t);
}

void world_snapshot(void *fx, struct oom_buf *out)
{
	struct world *w = fx;

	put_table(out, w->t);
	put_allocators(out, w);
	oom_buf_printf(out, "out backend ");
	oom_buf_hex(out, &w->backend, sizeof(w->backend));
	oom_buf_printf(out, " n ");
	oom_buf_hex(out, &w->n, sizeof(w->n));
	oom_buf_printf(out, "\n");
}

void world_snapshot_made(void *fx, struct oom_buf *out)
{
	struct world *w = fx;

	if (w->made == WORLD_UNTOUCHED)
		oom_buf_printf(out, "none\n");
	else
		put_table(out, w->made);
}
