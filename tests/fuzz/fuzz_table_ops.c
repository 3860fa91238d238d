/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Operation sequences on a table, checked against a reference model. The
 * input is decoded into at most MAX_OPS operations over a small universe
 * (2 namespaces, 4 service names, 6 pod names, 2 label keys x 2 values,
 * pod IPs of both families, 2 nodes and 2 zones, a few requested
 * ClusterIPs and node ports), on a table with a dual-stack pool
 * (10.96.0.0/16, fd00:10:96::/112) and node ports 30000-32767:
 * service create, update and delete (any type, ports by number or by
 * container port name, selectors, headless, ipFamilyPolicy, affinity,
 * traffic policy and distribution, lb policy, requested ClusterIPs and
 * node ports), pod apply (new, or the same pod with changed labels, IPs,
 * conditions, ports or place), pod delete, explicit endpoints of services
 * without a selector, lookups in batches, and backend selection.
 *
 * The model holds the services as specified (with the ClusterIPs and node
 * ports the table gave them) and the pods, and computes what the table
 * documents. Checked:
 * - every write returns what the model expects (0, CIP_EEXIST,
 *   CIP_ENOTFOUND, CIP_ESPEC, CIP_EALLOCATED, CIP_ERANGE);
 * - every model service is found by name and by each ClusterIP, port and
 *   protocol and each node port, with the model's info (defaults,
 *   ClusterIPs, node ports), ports and endpoints (compared as sets: the
 *   pods of its namespace that carry every selector term, each IP of the
 *   service's families, the target port by number or resolved by name and
 *   protocol per pod, conditions, node, zone and the hints its
 *   trafficDistribution gives; or its explicit endpoints by slice port
 *   name), and the reason it has none; cip_table_lookup() copies the same
 *   endpoints as cip_table_endpoints(); CIP_EBUFSIZE reports the count;
 * - keys of deleted services and dropped ports are not found;
 *   cip_table_foreach_service() visits exactly the model's services;
 * - the pool and cip_ports hold exactly the model's ClusterIPs and node
 *   ports;
 * - a batch of lookups equals the single lookups;
 * - cip_table_select() chooses, by the connection's family, among the
 *   model's candidates: ready endpoints (hinted ones for a node or zone
 *   when all ready ones carry hints), else serving-and-terminating ones,
 *   or the node's own with internalTrafficPolicy Local (CIP_EDROP when
 *   only other nodes have some), CIP_ENOBACKEND when none; its index,
 *   node, zone and weight are the endpoint's;
 * - generations: a write that changes what a service shows raises that
 *   service's generation and the table's; a service an operation does not
 *   touch keeps its generation, and a pod no service selects changes
 *   nothing.
 *
 * Bounds: MAX_OPS operations; services, pods and explicit endpoints come
 * from the universe above (at most 8 services, 12 pods, 4 explicit
 * endpoints, 3 ports each). The services an operation touches are checked
 * after it; all of them (and the keys of deleted ones) every FULL_EVERY
 * operations and at the end.
 */
#include <stdbool.h>

#include "fuzz.h"

#define MAX_OPS 128
#define FULL_EVERY 16
#define NNS 2
#define NSVC 4
#define NPOD 6
#define MAX_PORTS 3
#define MAX_EPS 4
#define MAX_CANDS 16
#define NONE 0xff
#define GRAVE 32
#define NODE_BASE 30000
#define NODE_SIZE 2768

static const char *const ns_names[NNS] = { "ns-a", "ns-b" };
static const char *const svc_names[NSVC] = { "s0", "s1", "s2", "s3" };
static const char *const pod_names[NPOD] = { "p0", "p1", "p2", "p3", "p4", "p5" };
static const char *const keys[2] = { "app", "tier" };
static const char *const values[2] = { "x", "y" };
/* Node and zone names; the interned ids are looked up when checking. */
static const char *const places[4] = { "node-a", "node-b", "zone-1", "zone-2" };
static const char *const port_names[3] = { "http", "dns", "metrics" };
static const char *const cport_names[2] = { "http", "metrics" };
static const uint16_t port_numbers[4] = { 80, 53, 443, 8080 };
static const uint16_t target_numbers[3] = { 0, 8080, 9090 };
static const uint16_t static_node_ports[3] = { 30001, 30002, 30003 };
static const uint32_t timeouts[3] = { 0, 1, 60 };

/* ------------------------------------------------------------------ */
/* Addresses                                                          */
/* ------------------------------------------------------------------ */

static cip_addr ip4(uint8_t c, uint8_t d, uint8_t b)
{
	cip_addr a;

	memset(&a, 0, sizeof(a));
	a.family = CIP_FAMILY_IPV4;
	a.bytes[12] = 10;
	a.bytes[13] = b;
	a.bytes[14] = c;
	a.bytes[15] = d;
	return a;
}

static cip_addr ip6(uint8_t hi, uint8_t c, uint8_t d)
{
	cip_addr a;

	memset(&a, 0, sizeof(a));
	a.family = CIP_FAMILY_IPV6;
	a.bytes[0] = 0xfd;
	a.bytes[3] = 0x10;
	a.bytes[5] = hi;
	a.bytes[14] = c;
	a.bytes[15] = d;
	return a;
}

/* Requested ClusterIPs: in the pool's static bands (never allocated on
 * their own), and one in no range. */
static cip_addr requested_ip(unsigned i)
{
	switch (i % 5) {
	case 0:
		return ip4(0, 10, 96);
	case 1:
		return ip4(0, 11, 96);
	case 2:
		return ip6(0x96, 0, 0x10);
	case 3:
		return ip6(0x96, 0, 0x11);
	default: {
		cip_addr a = ip4(0, 1, 0);

		a.bytes[12] = 192;
		a.bytes[13] = 168;
		return a;
	}
	}
}

static bool in_pool(const cip_addr *a)
{
	cip_addr v4 = ip4(0, 0, 96), v6 = ip6(0x96, 0, 0);

	if (a->family == CIP_FAMILY_IPV4) {
		return memcmp(a->bytes, v4.bytes, 14) == 0 &&
		       !(a->bytes[14] == 0 && a->bytes[15] == 0) &&
		       !(a->bytes[14] == 255 && a->bytes[15] == 255);
	}
	return memcmp(a->bytes, v6.bytes, 14) == 0 && (a->bytes[14] | a->bytes[15]) != 0;
}

/* Pod p's addresses: two of each family, distinct across pods. */
static cip_addr pod_ip(unsigned p, unsigned which)
{
	switch (which % 4) {
	case 0:
		return ip4(0, (uint8_t)(p + 1), 244);
	case 1:
		return ip4(1, (uint8_t)(p + 1), 244);
	case 2:
		return ip6(0x44, 0, (uint8_t)(p + 1));
	default:
		return ip6(0x44, 1, (uint8_t)(p + 1));
	}
}

/* Addresses of explicit endpoints: one shared with pod p0. */
static cip_addr endpoint_ip(unsigned i)
{
	switch (i % 4) {
	case 0:
		return ip4(9, 1, 244);
	case 1:
		return ip4(9, 2, 244);
	case 2:
		return ip6(0x44, 9, 1);
	default:
		return pod_ip(0, 0);
	}
}

static bool same_addr(const cip_addr *a, const cip_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static int addr_cmp(const cip_addr *a, const cip_addr *b)
{
	if (a->family != b->family) {
		return a->family < b->family ? -1 : 1;
	}
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}

static unsigned family_bit(int family)
{
	return family == CIP_FAMILY_IPV4 ? 1u : 2u;
}

/* ------------------------------------------------------------------ */
/* The model                                                          */
/* ------------------------------------------------------------------ */

struct m_port {
	uint8_t name;  /* index into port_names, or NONE */
	uint8_t proto; /* enum cip_protocol */
	uint16_t port, target;
	uint8_t tname; /* index into cport_names, or NONE: by number */
	uint16_t np_req, np;
};

struct m_term {
	uint8_t key, value;
};

struct m_ep {
	cip_addr addr;
	uint8_t conditions;
	uint8_t node, zone, hint_zone, hint_node; /* index into places, or NONE */
	uint32_t weight;
};

struct m_named_port {
	uint8_t name; /* index into port_names (endpoint ports) or cport_names
		       * (container ports), or NONE */
	uint8_t proto;
	uint16_t port;
};

struct m_svc {
	bool exists;
	uint8_t type, headless, policy, affinity, traffic, publish, distribution, lb;
	uint32_t timeout;
	struct m_port ports[MAX_PORTS];
	size_t nports;
	struct m_term terms[2];
	size_t nterms;
	cip_addr req[2], ips[2];
	size_t nreq, nips;
	struct m_ep eps[MAX_EPS];
	size_t neps;
	struct m_named_port ep_ports[MAX_PORTS];
	size_t nep_ports;
	uint64_t gen;	/* its generation when last checked */
	uint64_t print; /* a hash of what it showed then */
	bool touched;	/* by the current operation */
};

struct m_pod {
	bool exists;
	cip_addr ips[2];
	size_t nips;
	uint8_t labels[2]; /* value per key, or NONE */
	uint8_t conditions, node, zone;
	struct m_named_port ports[2];
	size_t nports;
	uint32_t weight;
};

struct key {
	cip_addr vip; /* family 0: a node port */
	uint16_t port;
	uint8_t proto;
};

struct model {
	cip_pool *pool;
	cip_ports *node_ports;
	cip_table *t;
	struct m_svc svc[NNS][NSVC];
	struct m_pod pod[NNS][NPOD];
	uint32_t ids[4]; /* interned ids of places[], 0 until seen */
	struct key grave[GRAVE];
	size_t ngrave;
	uint64_t gen, now;
	bool allocated; /* the operation was a service write expected to fail */
};

static struct m_svc *svc_at(struct model *m, unsigned ns, unsigned s)
{
	return &m->svc[ns % NNS][s % NSVC];
}

static int type_of(const struct m_svc *s)
{
	return s->type ? s->type : CIP_SERVICE_CLUSTER_IP;
}

static bool wants_node_ports(const struct m_svc *s)
{
	return s->type == CIP_SERVICE_NODE_PORT || s->type == CIP_SERVICE_LOAD_BALANCER;
}

static bool has_ips(const struct m_svc *s)
{
	return !s->headless && s->type != CIP_SERVICE_EXTERNAL_NAME;
}

/* Which families a service's endpoints are of: its ClusterIPs', or for a
 * headless service, those its policy asks for (SingleStack: the primary,
 * IPv4). */
static unsigned families(const struct m_svc *s)
{
	unsigned f = 0;

	if (s->headless) {
		return s->policy == CIP_SINGLE_STACK ? 1u : 3u;
	}
	for (size_t i = 0; i < s->nips; i++) {
		f |= family_bit(s->ips[i].family);
	}
	return f;
}

static bool pod_selected(const struct m_svc *s, const struct m_pod *p)
{
	if (!p->exists || s->nterms == 0) {
		return false;
	}
	for (size_t i = 0; i < s->nterms; i++) {
		if (p->labels[s->terms[i].key] != s->terms[i].value) {
			return false;
		}
	}
	return true;
}

static uint32_t id_of(const struct model *m, uint8_t place)
{
	return place == NONE ? 0 : m->ids[place];
}

/* An address a service's endpoints come from, with what it came from. */
struct cand {
	cip_endpoint ep; /* port 0 */
	uint32_t weight;
	const struct m_pod *pod; /* NULL: explicit */
};

/* The model's view of one service: its addresses, and each port's
 * endpoints. */
struct expect {
	struct cand cands[MAX_CANDS];
	size_t ncands;
	cip_endpoint eps[MAX_PORTS][MAX_CANDS];
	uint32_t weights[MAX_PORTS][MAX_CANDS];
	size_t neps[MAX_PORTS];
	bool matched, with_ip, port_found;
	int reason;
};

static int cand_cmp(const void *x, const void *y)
{
	return addr_cmp(&((const struct cand *)x)->ep.addr, &((const struct cand *)y)->ep.addr);
}

static void add_cand(struct expect *e, const cip_addr *a, unsigned conditions, uint32_t node,
		     uint32_t zone, uint32_t hint_zone, uint32_t hint_node, uint32_t weight,
		     const struct m_pod *pod)
{
	struct cand *c = &e->cands[e->ncands++];

	FUZZ_CHECK(e->ncands <= MAX_CANDS);
	memset(c, 0, sizeof(*c));
	c->ep.addr = *a;
	c->ep.conditions = (uint8_t)conditions;
	c->ep.node = node;
	c->ep.zone = zone;
	c->ep.hint_zone = hint_zone;
	c->ep.hint_node = hint_node;
	c->weight = weight ? weight : 1;
	c->pod = pod;
}

static void collect(const struct model *m, unsigned ns, const struct m_svc *s, struct expect *e)
{
	unsigned fam = families(s);

	if (s->type == CIP_SERVICE_EXTERNAL_NAME) {
		return;
	}
	if (s->nterms == 0) {
		for (size_t k = 0; k < s->neps; k++) {
			const struct m_ep *x = &s->eps[k];

			add_cand(e, &x->addr, x->conditions, id_of(m, x->node), id_of(m, x->zone),
				 id_of(m, x->hint_zone), id_of(m, x->hint_node), x->weight, NULL);
		}
		return;
	}
	for (unsigned p = 0; p < NPOD; p++) {
		const struct m_pod *pod = &m->pod[ns][p];

		if (!pod_selected(s, pod)) {
			continue;
		}
		e->matched = true;
		for (size_t k = 0; k < pod->nips; k++) {
			uint32_t node = id_of(m, pod->node), zone = id_of(m, pod->zone);

			if (!(fam & family_bit(pod->ips[k].family))) {
				continue;
			}
			e->with_ip = true;
			add_cand(e, &pod->ips[k], pod->conditions, node, zone,
				 s->distribution >= CIP_DISTRIBUTION_SAME_ZONE ? zone : 0,
				 s->distribution == CIP_DISTRIBUTION_SAME_NODE ? node : 0,
				 pod->weight, pod);
		}
	}
}

/* The target port of service port @p p on candidate @p c; 0: none. */
static uint16_t target_on(const struct m_svc *s, const struct m_port *p, const struct cand *c)
{
	const struct m_named_port *list = c->pod ? c->pod->ports : s->ep_ports;
	size_t n = c->pod ? c->pod->nports : s->nep_ports;

	if (!c->pod) {
		/* Explicit endpoints: the slice port of the same name (both
		 * unnamed included) and protocol. */
		for (size_t i = 0; i < n; i++) {
			if (list[i].name == p->name && list[i].proto == p->proto) {
				return list[i].port;
			}
		}
		return 0;
	}
	if (p->tname == NONE) {
		return p->target ? p->target : p->port;
	}
	for (size_t i = 0; i < n; i++) {
		if (list[i].name == p->tname && list[i].proto == p->proto) {
			return list[i].port;
		}
	}
	return 0;
}

static void expect_of(const struct model *m, unsigned ns, const struct m_svc *s, struct expect *e)
{
	bool ready = false;

	memset(e, 0, sizeof(*e));
	collect(m, ns, s, e);
	qsort(e->cands, e->ncands, sizeof(e->cands[0]), cand_cmp);
	for (size_t i = 0; i < s->nports; i++) {
		for (size_t k = 0; k < e->ncands; k++) {
			uint16_t port = target_on(s, &s->ports[i], &e->cands[k]);

			if (!port) {
				continue;
			}
			e->port_found = true;
			e->eps[i][e->neps[i]] = e->cands[k].ep;
			e->eps[i][e->neps[i]].port = port;
			e->weights[i][e->neps[i]++] = e->cands[k].weight;
			ready |= (e->cands[k].ep.conditions & CIP_EP_READY) != 0;
		}
	}
	for (size_t k = 0; s->nports == 0 && k < e->ncands; k++) {
		ready |= (e->cands[k].ep.conditions & CIP_EP_READY) != 0;
	}
	/* The reason, as documented: "OK when it has ready endpoints for
	 * some port". */
	if (s->type == CIP_SERVICE_EXTERNAL_NAME) {
		e->reason = CIP_EPS_EXTERNAL_NAME;
	} else if (s->nterms == 0 && s->neps == 0) {
		e->reason = CIP_EPS_NO_SELECTOR;
	} else if (s->nterms && !e->matched) {
		e->reason = CIP_EPS_NO_MATCHING_POD;
	} else if (s->nterms && !e->with_ip) {
		e->reason = CIP_EPS_NO_POD_IP;
	} else if (s->nports && !e->port_found) {
		e->reason = CIP_EPS_NO_NAMED_PORT;
	} else {
		e->reason = ready ? CIP_EPS_OK : CIP_EPS_NONE_READY;
	}
}

/* ------------------------------------------------------------------ */
/* Checking the table against the model                               */
/* ------------------------------------------------------------------ */

/* A hash of @p n bytes, a word at a time (for change detection only). */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t w;

	for (size_t i = 0; i < n; i += 8) {
		w = 0;
		memcpy(&w, b + i, n - i < 8 ? n - i : 8);
		h = (h ^ w) * UINT64_C(0x9e3779b97f4a7c15);
		h ^= h >> 29;
	}
	return h;
}

static int ep_cmp(const void *x, const void *y)
{
	const cip_endpoint *a = x, *b = y;
	int c = addr_cmp(&a->addr, &b->addr);

	return c ? c : (a->port > b->port) - (a->port < b->port);
}

/* The same endpoints, as sets. */
static void check_same_eps(const cip_endpoint *got, size_t n, const cip_endpoint *want, size_t k)
{
	cip_endpoint a[MAX_CANDS], b[MAX_CANDS];

	FUZZ_CHECK(n == k && n <= MAX_CANDS);
	memcpy(a, got, n * sizeof(*a));
	memcpy(b, want, n * sizeof(*b));
	qsort(a, n, sizeof(*a), ep_cmp);
	qsort(b, n, sizeof(*b), ep_cmp);
	FUZZ_CHECK(memcmp(a, b, n * sizeof(*a)) == 0);
}

static void expected_info(const struct m_svc *s, unsigned ns, unsigned name, const struct expect *e,
			  cip_service_info *i)
{
	memset(i, 0, sizeof(*i));
	snprintf(i->ns, sizeof(i->ns), "%s", ns_names[ns]);
	snprintf(i->name, sizeof(i->name), "%s", svc_names[name]);
	if (s->type == CIP_SERVICE_EXTERNAL_NAME) {
		snprintf(i->external_name, sizeof(i->external_name), "ext.example");
	}
	i->type = (uint8_t)type_of(s);
	i->headless = s->headless;
	i->ncluster_ips = (uint8_t)s->nips;
	i->has_selector = s->nterms > 0;
	memcpy(i->cluster_ips, s->ips, s->nips * sizeof(s->ips[0]));
	i->ip_family_policy = s->policy;
	i->session_affinity = s->affinity ? s->affinity : CIP_AFFINITY_NONE;
	i->internal_traffic_policy = s->traffic ? s->traffic : CIP_TRAFFIC_CLUSTER;
	i->publish_not_ready_addresses = s->publish;
	i->traffic_distribution = s->distribution;
	if (i->session_affinity == CIP_AFFINITY_CLIENT_IP) {
		i->affinity_timeout = s->timeout ? s->timeout : CIP_AFFINITY_TIMEOUT_DEFAULT;
	}
	i->nports = (uint32_t)s->nports;
	i->nendpoints = (uint32_t)e->ncands;
}

static void expected_port(const struct m_svc *s, size_t k, const struct expect *e,
			  cip_service_port_info *p)
{
	const struct m_port *q = &s->ports[k];

	memset(p, 0, sizeof(*p));
	if (q->name != NONE) {
		snprintf(p->name, sizeof(p->name), "%s", port_names[q->name]);
	}
	if (q->tname != NONE) {
		snprintf(p->target_port_name, sizeof(p->target_port_name), "%s",
			 cport_names[q->tname]);
	}
	p->port = q->port;
	p->target_port = q->tname != NONE ? 0 : q->target ? q->target : q->port;
	p->node_port = q->np;
	p->protocol = q->proto;
	p->nendpoints = (uint32_t)e->neps[k];
	p->index = (uint32_t)k;
}

/* A lookup by ClusterIP (@p vip) or node port (NULL) that must find port
 * @p k of the service, as cip_table_endpoints() gives it. */
static void check_lookup(const struct model *m, const cip_addr *vip, uint16_t port, uint8_t proto,
			 const cip_service_info *info, const cip_service_port_info *pinfo,
			 const cip_endpoint *eps, size_t n, bool full)
{
	cip_service_info gi;
	cip_service_port_info gp;
	cip_endpoint got[MAX_CANDS];
	size_t gn = 99;
	int rc = vip ? cip_table_lookup(m->t, vip, port, proto, &gi, &gp, got, MAX_CANDS, &gn)
		     : cip_table_lookup_node_port(m->t, port, proto, &gi, &gp, got, MAX_CANDS, &gn);

	FUZZ_CHECK_RC(rc, 0);
	FUZZ_CHECK(memcmp(&gi, info, sizeof(gi)) == 0);
	FUZZ_CHECK(memcmp(&gp, pinfo, sizeof(gp)) == 0);
	FUZZ_CHECK(gn == n && memcmp(got, eps, n * sizeof(*eps)) == 0);
	if (full && n > 0) {
		gn = 0;
		rc = vip ? cip_table_lookup(m->t, vip, port, proto, NULL, NULL, got, n - 1, &gn)
			 : cip_table_lookup_node_port(m->t, port, proto, NULL, NULL, got, n - 1,
						      &gn);
		FUZZ_CHECK_RC(rc, CIP_EBUFSIZE);
		FUZZ_CHECK(gn == n);
	}
}

/* Everything the table shows of one model service. @return a hash of
 * what the model expects it to show (its generation aside). */
static uint64_t check_service(const struct model *m, unsigned ns, unsigned name, bool full)
{
	const struct m_svc *s = &m->svc[ns][name];
	static struct expect e;
	cip_service_info want, got;
	cip_service_port_info wp[MAX_PORTS], gp[MAX_PORTS];
	cip_endpoint eps[MAX_CANDS];
	uint64_t h = UINT64_C(0xcbf29ce484222325), g;
	size_t n;
	int reason;

	expect_of(m, ns, s, &e);
	expected_info(s, ns, name, &e, &want);
	FUZZ_CHECK_RC(
		cip_table_service_get(m->t, ns_names[ns], svc_names[name], &got, gp, MAX_PORTS), 0);
	FUZZ_CHECK_RC(cip_table_generation(m->t, &g), 0);
	FUZZ_CHECK(got.generation > 0 && got.generation <= g);
	want.generation = got.generation;
	FUZZ_CHECK(memcmp(&got, &want, sizeof(got)) == 0);
	h = mix(h, &want, offsetof(cip_service_info, generation));
	FUZZ_CHECK_RC(cip_table_endpoints_reason(m->t, ns_names[ns], svc_names[name], &reason), 0);
	FUZZ_CHECK(reason == e.reason);
	for (size_t k = 0; k < s->nports; k++) {
		expected_port(s, k, &e, &wp[k]);
		FUZZ_CHECK(memcmp(&gp[k], &wp[k], sizeof(wp[k])) == 0);
		FUZZ_CHECK_RC(cip_table_endpoints(m->t, ns_names[ns], svc_names[name], k, eps,
						  MAX_CANDS, &n),
			      0);
		check_same_eps(eps, n, e.eps[k], e.neps[k]);
		h = mix(h, &wp[k], sizeof(wp[k]));
		h = mix(h, e.eps[k], e.neps[k] * sizeof(e.eps[k][0]));
		h = mix(h, e.weights[k], e.neps[k] * sizeof(e.weights[k][0]));
		for (size_t i = 0; i < s->nips; i++) {
			check_lookup(m, &s->ips[i], s->ports[k].port, s->ports[k].proto, &got,
				     &gp[k], eps, n, full);
		}
		if (s->ports[k].np) {
			check_lookup(m, NULL, s->ports[k].np, s->ports[k].proto, &got, &gp[k], eps,
				     n, full);
		}
	}
	FUZZ_CHECK_RC(cip_table_endpoints(m->t, ns_names[ns], svc_names[name], s->nports, eps,
					  MAX_CANDS, &n),
		      CIP_ENOTFOUND);
	return h;
}

/* Whether a model service owns @p k. */
static bool model_has_key(const struct model *m, const struct key *k)
{
	for (unsigned ns = 0; ns < NNS; ns++) {
		for (unsigned i = 0; i < NSVC; i++) {
			const struct m_svc *s = &m->svc[ns][i];

			for (size_t p = 0; s->exists && p < s->nports; p++) {
				if (s->ports[p].proto != k->proto) {
					continue;
				}
				if (k->vip.family == 0 && k->port && s->ports[p].np == k->port) {
					return true;
				}
				for (size_t a = 0; k->vip.family && a < s->nips; a++) {
					if (same_addr(&s->ips[a], &k->vip) &&
					    s->ports[p].port == k->port) {
						return true;
					}
				}
			}
		}
	}
	return false;
}

static int lookup_key(const struct model *m, const struct key *k)
{
	size_t n;

	return k->vip.family
		       ? cip_table_lookup(m->t, &k->vip, k->port, k->proto, NULL, NULL, NULL, 0, &n)
		       : cip_table_lookup_node_port(m->t, k->port, k->proto, NULL, NULL, NULL, 0,
						    &n);
}

/* The keys a service has now: they are checked once it lets them go. */
static void bury(struct model *m, const struct m_svc *s)
{
	for (size_t p = 0; s->exists && p < s->nports; p++) {
		for (size_t a = 0; a <= s->nips; a++) {
			struct key *k = &m->grave[m->ngrave++ % GRAVE];

			memset(k, 0, sizeof(*k));
			k->proto = s->ports[p].proto;
			if (a < s->nips) {
				k->vip = s->ips[a];
				k->port = s->ports[p].port;
			} else if (s->ports[p].np) {
				k->port = s->ports[p].np;
			} else {
				m->ngrave--; /* no node port: nothing to remember */
			}
		}
	}
}

struct visit {
	const struct model *m;
	size_t count;
	unsigned seen;
};

/* Each visited service is one of the model's ("ns-a".."ns-b",
 * "s0".."s3"), and none is visited twice. */
static int count_visit(const cip_service_info *svc, void *ctx)
{
	struct visit *v = ctx;
	unsigned ns = (unsigned)(svc->ns[3] - 'a'), i = (unsigned)(svc->name[1] - '0');

	FUZZ_CHECK(ns < NNS && i < NSVC && strcmp(svc->ns, ns_names[ns]) == 0 &&
		   strcmp(svc->name, svc_names[i]) == 0);
	FUZZ_CHECK(v->m->svc[ns][i].exists && !(v->seen & (1u << (ns * NSVC + i))));
	v->seen |= 1u << (ns * NSVC + i);
	v->count++;
	return 0;
}

static void check_accounting(const struct model *m)
{
	uint64_t v4 = 0, v6 = 0, np = 0, used;
	uint8_t seen[NODE_SIZE] = { 0 };

	for (unsigned ns = 0; ns < NNS; ns++) {
		for (unsigned i = 0; i < NSVC; i++) {
			const struct m_svc *s = &m->svc[ns][i];

			for (size_t a = 0; s->exists && a < s->nips; a++) {
				*(s->ips[a].family == CIP_FAMILY_IPV4 ? &v4 : &v6) += 1;
			}
			for (size_t p = 0; s->exists && p < s->nports; p++) {
				uint16_t x = s->ports[p].np;

				if (x && !seen[x - NODE_BASE]) {
					seen[x - NODE_BASE] = 1;
					np++;
				}
			}
		}
	}
	FUZZ_CHECK_RC(cip_pool_used(m->pool, CIP_FAMILY_IPV4, &used), 0);
	FUZZ_CHECK(used == v4);
	FUZZ_CHECK_RC(cip_pool_used(m->pool, CIP_FAMILY_IPV6, &used), 0);
	FUZZ_CHECK(used == v6);
	FUZZ_CHECK_RC(cip_ports_used(m->node_ports, CIP_BAND_ALL, &used), 0);
	FUZZ_CHECK(used == np);
}

/* The ids of the node and zone names the table has met, each of which
 * names its text back. */
static void learn_ids(struct model *m)
{
	char text[16];

	for (int i = 0; i < 4; i++) {
		if (!m->ids[i]) {
			int rc = cip_table_name_id(m->t, places[i], &m->ids[i]);

			FUZZ_CHECK(rc == 0 || rc == CIP_ENOTFOUND);
			if (rc == 0) {
				FUZZ_CHECK(m->ids[i] != 0);
				FUZZ_CHECK_RC(cip_table_name(m->t, m->ids[i], text, sizeof(text)),
					      (int)strlen(places[i]));
				FUZZ_CHECK(strcmp(text, places[i]) == 0);
			}
		}
	}
}

/* What an operation does to the table's generation. */
enum gen_rule {
	GEN_SAME, /* a failed write, a pod no service selects, a read */
	GEN_GROW, /* a service written, deleted, or given endpoints */
	GEN_ANY,  /* a pod that services select: grows if they changed */
};

/*
 * After an operation: the services it touched (all of them when @p full),
 * their generations, the table's generation, what foreach visits, the
 * allocators, and (when @p full) the keys of deleted services.
 */
static void check_all(struct model *m, bool full, enum gen_rule rule)
{
	struct visit v = { m, 0, 0 };
	size_t count = 0;
	uint64_t g;
	bool changed = false;

	learn_ids(m);
	FUZZ_CHECK_RC(cip_table_generation(m->t, &g), 0);
	for (unsigned ns = 0; ns < NNS; ns++) {
		for (unsigned i = 0; i < NSVC; i++) {
			struct m_svc *s = &m->svc[ns][i];
			cip_service_info info;
			uint64_t print;

			if (!s->exists) {
				FUZZ_CHECK_RC(cip_table_service_get(m->t, ns_names[ns],
								    svc_names[i], &info, NULL, 0),
					      CIP_ENOTFOUND);
				s->touched = false;
				continue;
			}
			count++;
			if (!full && !s->touched) {
				continue;
			}
			print = check_service(m, ns, i, full);
			FUZZ_CHECK_RC(cip_table_service_get(m->t, ns_names[ns], svc_names[i], &info,
							    NULL, 0),
				      0);
			if (!s->touched) {
				FUZZ_CHECK(info.generation == s->gen && print == s->print);
			} else if (print != s->print || s->gen == 0) {
				FUZZ_CHECK(info.generation > s->gen);
				changed = true;
			}
			s->gen = info.generation;
			s->print = print;
			s->touched = false;
		}
	}
	/* The table's generation grows with what readers see. */
	if (changed || rule == GEN_GROW) {
		FUZZ_CHECK(g > m->gen);
	} else if (rule == GEN_SAME) {
		FUZZ_CHECK(g == m->gen);
	} else {
		FUZZ_CHECK(g >= m->gen);
	}
	m->gen = g;
	FUZZ_CHECK_RC(cip_table_foreach_service(m->t, count_visit, &v), 0);
	FUZZ_CHECK(v.count == count);
	/* Only service writes allocate and release. A failed one must release
	 * what it took: checked at once. The counters are not cheap to read,
	 * so what successful writes hold is checked with the full checks. */
	if (full || m->allocated) {
		check_accounting(m);
	}
	m->allocated = false;
	for (size_t i = 0; full && i < m->ngrave && i < GRAVE; i++) {
		if (!model_has_key(m, &m->grave[i])) {
			FUZZ_CHECK_RC(lookup_key(m, &m->grave[i]), CIP_ENOTFOUND);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Services                                                           */
/* ------------------------------------------------------------------ */

/* Decodes a service spec into @p s (the model's form). Valid by
 * construction, except two ClusterIPs with SingleStack and a node port
 * asked twice for one protocol, which the model expects to fail. */
static void decode_service(struct fuzz_in *in, const struct m_svc *old, struct m_svc *s)
{
	uint8_t a = fuzz_u8(in), b = fuzz_u8(in), c = fuzz_u8(in), d = fuzz_u8(in);
	uint8_t first_name = fuzz_u8(in) % 3;

	memset(s, 0, sizeof(*s));
	s->type = (uint8_t)(a % 5);
	s->headless = (a & 0x08) && s->type <= CIP_SERVICE_CLUSTER_IP;
	s->publish = (a >> 4) & 1;
	s->nports = b % (MAX_PORTS + 1);
	if (s->nports == 0 && !s->headless && s->type != CIP_SERVICE_EXTERNAL_NAME) {
		s->nports = 1;
	}
	/* ExternalName services have no ipFamilyPolicy. */
	s->policy = s->type == CIP_SERVICE_EXTERNAL_NAME ? 0 : (uint8_t)((b >> 2) % 4);
	s->affinity = (uint8_t)((b >> 4) % 3);
	s->traffic = (uint8_t)((b >> 6) % 3);
	s->distribution = (uint8_t)(c % 3);
	s->lb = (uint8_t)((c >> 2) % 6);
	s->timeout = s->affinity == CIP_AFFINITY_CLIENT_IP ? timeouts[(c >> 5) % 3] : 0;
	for (size_t i = 0; i < s->nports; i++) {
		struct m_port *p = &s->ports[i];
		uint8_t x = fuzz_u8(in), y = fuzz_u8(in);

		p->name = s->nports == 1 && (x & 0x80) ? NONE : (uint8_t)((first_name + i) % 3);
		p->proto = (uint8_t)(1 + x % 3);
		p->port = port_numbers[(x >> 2) % 4];
		/* (protocol, port) unique: step to the next free number. */
		for (size_t j = 0; j < i; j++) {
			if (s->ports[j].proto == p->proto && s->ports[j].port == p->port) {
				p->port = (uint16_t)(p->port + 1);
				j = (size_t)-1;
			}
		}
		p->tname = (x & 0x40) ? (uint8_t)(y % 2) : NONE;
		p->target = p->tname == NONE ? target_numbers[y % 3] : 0;
		p->np_req = wants_node_ports(s) && (y & 0x04) ? static_node_ports[(y >> 3) % 3] : 0;
	}
	s->nterms = d % 3;
	for (size_t i = 0; i < s->nterms; i++) {
		s->terms[i].key = (uint8_t)(i == 0 ? (d >> 2) & 1 : !s->terms[0].key);
		s->terms[i].value = (uint8_t)((d >> (3 + i)) & 1);
	}
	if (has_ips(s)) {
		uint8_t r = fuzz_u8(in);

		switch (r % 8) {
		case 0:
		case 1:
		case 2:
			break;
		case 3:
			s->req[s->nreq++] = requested_ip(r / 8);
			break;
		case 4:
			s->req[s->nreq++] = requested_ip(r / 8 % 2);
			s->req[s->nreq++] = requested_ip(2 + r / 16 % 2);
			break;
		default:
			/* What the service has (an update that repeats it). */
			for (size_t i = 0; old && i < old->nips && i < 1 + (size_t)(r / 8 % 2);
			     i++) {
				s->req[s->nreq++] = old->ips[i];
			}
		}
	}
}

static void spec_of(const struct m_svc *s, unsigned ns, unsigned name, cip_service_spec *spec,
		    cip_service_port *ports, cip_label *sel)
{
	cip_service_spec_init(spec, sizeof(*spec));
	spec->ns = ns_names[ns];
	spec->name = svc_names[name];
	spec->type = s->type;
	spec->headless = s->headless;
	spec->publish_not_ready_addresses = s->publish;
	spec->ip_family_policy = s->policy;
	spec->session_affinity = s->affinity;
	spec->affinity_timeout = s->timeout;
	spec->internal_traffic_policy = s->traffic;
	spec->traffic_distribution = s->distribution;
	spec->lb_policy = s->lb;
	spec->external_name = s->type == CIP_SERVICE_EXTERNAL_NAME ? "ext.example." : NULL;
	for (size_t i = 0; i < s->nports; i++) {
		const struct m_port *p = &s->ports[i];

		ports[i] = (cip_service_port){ p->name == NONE ? NULL : port_names[p->name],
					       p->proto,
					       p->port,
					       p->target,
					       p->tname == NONE ? NULL : cport_names[p->tname],
					       p->np_req };
	}
	spec->ports = ports;
	spec->nports = s->nports;
	for (size_t i = 0; i < s->nterms; i++) {
		sel[i] = (cip_label){ keys[s->terms[i].key], values[s->terms[i].value] };
	}
	spec->selector = s->nterms ? sel : NULL;
	spec->nselector = s->nterms;
	spec->cluster_ips = s->nreq ? s->req : NULL;
	spec->ncluster_ips = s->nreq;
}

/* Whether another service (not @p self) holds ClusterIP @p a, or node
 * port @p np. */
static bool ip_held(const struct model *m, const struct m_svc *self, const cip_addr *a)
{
	for (unsigned ns = 0; ns < NNS; ns++) {
		for (unsigned i = 0; i < NSVC; i++) {
			const struct m_svc *s = &m->svc[ns][i];

			for (size_t k = 0; s != self && s->exists && k < s->nips; k++) {
				if (same_addr(&s->ips[k], a)) {
					return true;
				}
			}
		}
	}
	return false;
}

static bool np_held(const struct model *m, const struct m_svc *self, uint16_t np)
{
	for (unsigned ns = 0; ns < NNS; ns++) {
		for (unsigned i = 0; i < NSVC; i++) {
			const struct m_svc *s = &m->svc[ns][i];

			for (size_t k = 0; s != self && s->exists && k < s->nports; k++) {
				if (s->ports[k].np == np) {
					return true;
				}
			}
		}
	}
	return false;
}

/* A requested ClusterIP: 0, CIP_ERANGE or CIP_EALLOCATED. */
static int take_ip(const struct model *m, const struct m_svc *self, const cip_addr *a)
{
	if (!in_pool(a)) {
		return CIP_ERANGE;
	}
	return ip_held(m, self, a) ? CIP_EALLOCATED : 0;
}

/* The model's ClusterIPs of @p s: requested ones, and how many more the
 * pool gives (nauto, learned from the table after). @return the code the
 * table must return. */
static int plan_ips(const struct model *m, const struct m_svc *old, struct m_svc *s, size_t *nauto)
{
	int rc;

	*nauto = 0;
	s->nips = 0;
	if (!has_ips(s)) {
		return 0;
	}
	if (old && old->exists && old->nips) {
		for (size_t i = 0; i < s->nreq && i < old->nips; i++) {
			if (!same_addr(&s->req[i], &old->ips[i])) {
				return CIP_ESPEC; /* the primary is immutable */
			}
		}
		s->ips[s->nips++] = old->ips[0];
		if (s->policy == CIP_SINGLE_STACK) {
			return s->nreq == 2 ? CIP_ESPEC : 0;
		}
		if (old->nips == 2) {
			s->ips[s->nips++] = old->ips[1];
		} else if (s->nreq == 2) {
			rc = take_ip(m, old, &s->req[1]);
			if (rc) {
				return rc;
			}
			s->ips[s->nips++] = s->req[1];
		} else {
			*nauto = 1;
		}
		return 0;
	}
	for (size_t i = 0; i < s->nreq; i++) {
		rc = take_ip(m, old, &s->req[i]);
		if (rc) {
			return rc;
		}
		s->ips[s->nips++] = s->req[i];
	}
	if (s->nips == 0) {
		*nauto = s->policy == CIP_SINGLE_STACK ? 1 : 2;
	} else if (s->nips == 1 && s->policy != CIP_SINGLE_STACK) {
		*nauto = 1;
	}
	return 0;
}

/* Node ports: requested ones, kept ones (same protocol and port as
 * before, unless another port of that protocol asks for that number:
 * (protocol, node port) is unique in a service), or 0 for one the
 * allocator gives. */
static int plan_node_ports(const struct model *m, const struct m_svc *old, struct m_svc *s)
{
	bool old_np = old && old->exists && wants_node_ports(old);

	for (size_t i = 0; i < s->nports; i++) {
		struct m_port *p = &s->ports[i];
		bool requested_elsewhere = false;

		p->np = 0;
		if (!wants_node_ports(s)) {
			continue;
		}
		if (p->np_req) {
			bool mine = false;

			for (size_t k = 0; old_np && k < old->nports; k++) {
				mine |= old->ports[k].np == p->np_req;
			}
			for (size_t k = 0; k < i; k++) {
				mine |= s->ports[k].np == p->np_req;
			}
			if (!mine && np_held(m, old, p->np_req)) {
				return CIP_EALLOCATED;
			}
			p->np = p->np_req;
			continue;
		}
		for (size_t k = 0; k < s->nports; k++) {
			requested_elsewhere |= s->ports[k].np_req != 0 && k != i;
		}
		for (size_t k = 0; old_np && k < old->nports; k++) {
			const struct m_port *q = &old->ports[k];
			bool taken = false;

			if (q->proto != p->proto || q->port != p->port || !q->np) {
				continue;
			}
			for (size_t j = 0; requested_elsewhere && j < s->nports; j++) {
				taken |= j != i && s->ports[j].np_req == q->np &&
					 s->ports[j].proto == p->proto;
			}
			if (!taken) {
				p->np = q->np;
			}
		}
	}
	return 0;
}

/* Validation: two ClusterIPs need a dual-stack policy; a node port is
 * asked once per protocol. */
static bool spec_valid(const struct m_svc *s)
{
	if (s->nreq == 2 && s->policy == CIP_SINGLE_STACK) {
		return false;
	}
	for (size_t i = 0; i < s->nports; i++) {
		for (size_t j = 0; j < i; j++) {
			if (s->ports[i].np_req && s->ports[i].np_req == s->ports[j].np_req &&
			    s->ports[i].proto == s->ports[j].proto) {
				return false;
			}
		}
	}
	return true;
}

/* The policy the service ends up with (see cip_service_spec). */
static uint8_t effective_policy(const struct m_svc *s, const struct m_svc *old)
{
	if (s->policy || s->type == CIP_SERVICE_EXTERNAL_NAME) {
		return s->policy;
	}
	if (old && old->exists && old->policy) {
		return old->policy;
	}
	return s->nreq == 2 ? CIP_REQUIRE_DUAL_STACK : CIP_SINGLE_STACK;
}

/* Learns what the allocators gave: the ClusterIPs and node ports the model
 * left to them must be new, of the right family and range. */
static void learn_allocations(struct model *m, unsigned ns, unsigned name, struct m_svc *s,
			      size_t nauto)
{
	cip_service_info info;
	cip_service_port_info ports[MAX_PORTS];

	FUZZ_CHECK_RC(
		cip_table_service_get(m->t, ns_names[ns], svc_names[name], &info, ports, MAX_PORTS),
		0);
	FUZZ_CHECK(info.ncluster_ips == s->nips + nauto);
	for (size_t i = 0; i < s->nips; i++) {
		FUZZ_CHECK(same_addr(&info.cluster_ips[i], &s->ips[i]));
	}
	for (size_t i = s->nips; i < info.ncluster_ips; i++) {
		const cip_addr *a = &info.cluster_ips[i];

		/* The primary family first; a second of the other family. */
		FUZZ_CHECK(in_pool(a) && !ip_held(m, s, a));
		FUZZ_CHECK(i == 0 ? a->family == CIP_FAMILY_IPV4
				  : a->family != info.cluster_ips[0].family);
		s->ips[s->nips++] = *a;
	}
	for (size_t k = 0; k < s->nports; k++) {
		struct m_port *p = &s->ports[k];

		if (wants_node_ports(s) && !p->np) {
			bool mine = false;

			for (size_t j = 0; j < k; j++) {
				mine |= s->ports[j].np == ports[k].node_port;
			}
			FUZZ_CHECK(ports[k].node_port >= NODE_BASE &&
				   ports[k].node_port < NODE_BASE + NODE_SIZE);
			FUZZ_CHECK(!mine && !np_held(m, s, ports[k].node_port));
			p->np = ports[k].node_port;
		}
	}
}

/* Expected code of a create (@p update false) or update of @p s. */
static int expect_service_write(const struct model *m, const struct m_svc *old, struct m_svc *s,
				bool update, size_t *nauto)
{
	int rc;

	if (!spec_valid(s)) {
		return CIP_ESPEC;
	}
	if (update != old->exists) {
		return update ? CIP_ENOTFOUND : CIP_EEXIST;
	}
	if (update && s->headless != old->headless) {
		return CIP_ESPEC;
	}
	s->policy = effective_policy(s, update ? old : NULL);
	rc = plan_ips(m, update ? old : NULL, s, nauto);
	if (rc == 0) {
		rc = plan_node_ports(m, update ? old : NULL, s);
	}
	return rc;
}

static void op_service_write(struct model *m, struct fuzz_in *in, bool update)
{
	unsigned ns = fuzz_u8(in), name = fuzz_u8(in);
	struct m_svc *old = svc_at(m, ns, name), s;
	cip_service_port ports[MAX_PORTS];
	cip_label sel[2];
	cip_service_spec spec;
	cip_spec_error err;
	size_t nauto = 0;
	int want, rc;

	ns %= NNS;
	name %= NSVC;
	decode_service(in, old->exists ? old : NULL, &s);
	spec_of(&s, ns, name, &spec, ports, sel);
	want = expect_service_write(m, old, &s, update, &nauto);
	m->allocated = want != 0;
	memset(&err, 0, sizeof(err));
	err.sz = sizeof(err);
	rc = update ? cip_table_service_update(m->t, &spec, m->now, &err)
		    : cip_table_service_create(m->t, &spec, m->now, &err);
	FUZZ_CHECK_RC(rc, want);
	FUZZ_CHECK(rc == 0 || err.code == rc);
	if (rc != 0) {
		check_all(m, false, GEN_SAME);
		return;
	}
	if (update) {
		/* Explicit endpoints stay while the service has no selector. */
		if (s.nterms == 0) {
			memcpy(s.eps, old->eps, sizeof(s.eps));
			s.neps = old->neps;
			memcpy(s.ep_ports, old->ep_ports, sizeof(s.ep_ports));
			s.nep_ports = old->nep_ports;
		}
		bury(m, old);
	}
	s.exists = true;
	s.gen = old->gen;
	s.print = old->print;
	learn_allocations(m, ns, name, &s, nauto);
	*old = s;
	old->touched = true;
	check_all(m, false, GEN_GROW);
}

static void op_service_delete(struct model *m, struct fuzz_in *in)
{
	unsigned ns = fuzz_u8(in) % NNS, name = fuzz_u8(in) % NSVC;
	struct m_svc *s = svc_at(m, ns, name);
	int rc = cip_table_service_delete(m->t, ns_names[ns], svc_names[name], m->now);

	FUZZ_CHECK_RC(rc, s->exists ? 0 : CIP_ENOTFOUND);
	if (rc == 0) {
		bury(m, s);
		memset(s, 0, sizeof(*s));
	}
	check_all(m, rc == 0, rc == 0 ? GEN_GROW : GEN_SAME);
}

/* ------------------------------------------------------------------ */
/* Pods and explicit endpoints                                        */
/* ------------------------------------------------------------------ */

static void decode_pod_ips(struct fuzz_in *in, unsigned p, struct m_pod *pod)
{
	uint8_t x = fuzz_u8(in);

	pod->nips = 0;
	if (x & 1) {
		pod->ips[pod->nips++] = pod_ip(p, (x >> 2) & 1);
	}
	if (x & 2) {
		pod->ips[pod->nips++] = pod_ip(p, 2 + ((x >> 3) & 1));
	}
	if ((x & 0x10) && pod->nips == 2) {
		cip_addr t = pod->ips[0]; /* IPv6 first: the order is the pod's */

		pod->ips[0] = pod->ips[1];
		pod->ips[1] = t;
	}
}

static void decode_pod_labels(struct fuzz_in *in, struct m_pod *pod)
{
	uint8_t x = fuzz_u8(in);

	for (int k = 0; k < 2; k++) {
		uint8_t v = (x >> (2 * k)) & 3;

		pod->labels[k] = v == 3 ? NONE : (uint8_t)(v % 2);
	}
}

static void decode_pod_ports(struct fuzz_in *in, struct m_pod *pod)
{
	uint8_t x = fuzz_u8(in);

	pod->nports = x % 3;
	for (size_t i = 0; i < pod->nports; i++) {
		pod->ports[i].name = (uint8_t)((i + (x >> 2)) % 2);
		pod->ports[i].proto = (uint8_t)(1 + (x >> (3 + i)) % 3);
		pod->ports[i].port = (uint16_t)(8000 + ((x >> 5) + i) % 4);
	}
}

static void decode_pod_place(struct fuzz_in *in, struct m_pod *pod)
{
	uint8_t x = fuzz_u8(in);

	pod->conditions = x & 7;
	pod->node = (x >> 3) % 3 == 2 ? NONE : (uint8_t)((x >> 3) % 3);
	pod->zone = (x >> 5) % 3 == 2 ? NONE : (uint8_t)(2 + (x >> 5) % 3);
	pod->weight = (x & 0x80) ? 1 + (x & 7) : 0;
}

/* Whether a service of namespace @p ns selects @p pod. */
static bool selected_by_any(struct model *m, unsigned ns, const struct m_pod *pod, bool mark)
{
	bool any = false;

	for (unsigned i = 0; i < NSVC; i++) {
		struct m_svc *s = &m->svc[ns][i];

		if (s->exists && pod_selected(s, pod)) {
			any = true;
			s->touched |= mark;
		}
	}
	return any;
}

static void op_pod_apply(struct model *m, struct fuzz_in *in)
{
	uint8_t x = fuzz_u8(in);
	unsigned ns = x % NNS, p = (x >> 1) % NPOD;
	struct m_pod *old = &m->pod[ns][p], pod;
	cip_label labels[2];
	cip_named_port ports[2];
	cip_pod_spec spec;
	bool touched;

	if (old->exists && (x & 0x80)) {
		/* The same pod, relabelled or otherwise changed. */
		pod = *old;
		switch ((x >> 4) % 4) {
		case 0:
			decode_pod_labels(in, &pod);
			break;
		case 1:
			decode_pod_ips(in, p, &pod);
			break;
		case 2:
			decode_pod_ports(in, &pod);
			break;
		default:
			decode_pod_place(in, &pod);
		}
	} else {
		memset(&pod, 0, sizeof(pod));
		decode_pod_labels(in, &pod);
		decode_pod_ips(in, p, &pod);
		decode_pod_ports(in, &pod);
		decode_pod_place(in, &pod);
	}
	pod.exists = true;
	cip_pod_spec_init(&spec, sizeof(spec));
	spec.ns = ns_names[ns];
	spec.name = pod_names[p];
	spec.ips = pod.nips ? pod.ips : NULL;
	spec.nips = pod.nips;
	for (int k = 0; k < 2; k++) {
		if (pod.labels[k] != NONE) {
			labels[spec.nlabels++] = (cip_label){ keys[k], values[pod.labels[k]] };
		}
	}
	spec.labels = spec.nlabels ? labels : NULL;
	for (size_t i = 0; i < pod.nports; i++) {
		ports[i] = (cip_named_port){ cport_names[pod.ports[i].name], pod.ports[i].proto,
					     pod.ports[i].port };
	}
	spec.ports = pod.nports ? ports : NULL;
	spec.nports = pod.nports;
	spec.node_name = pod.node == NONE ? NULL : places[pod.node];
	spec.zone = pod.zone == NONE ? NULL : places[pod.zone];
	spec.hostname = (x & 0x40) ? pod_names[p] : NULL;
	spec.conditions = pod.conditions;
	spec.weight = pod.weight;
	touched = selected_by_any(m, ns, old, true);
	touched |= selected_by_any(m, ns, &pod, true);
	FUZZ_CHECK_RC(cip_table_pod_apply(m->t, &spec, NULL), 0);
	*old = pod;
	if (pod.weight == 0) {
		old->weight = 1;
	}
	/* A pod that no service selects changes nothing. */
	check_all(m, false, touched ? GEN_ANY : GEN_SAME);
}

static void op_pod_delete(struct model *m, struct fuzz_in *in)
{
	uint8_t x = fuzz_u8(in);
	unsigned ns = x % NNS, p = (x >> 1) % NPOD;
	struct m_pod *pod = &m->pod[ns][p];
	bool touched = selected_by_any(m, ns, pod, true);
	int rc = cip_table_pod_delete(m->t, ns_names[ns], pod_names[p]);

	FUZZ_CHECK_RC(rc, pod->exists ? 0 : CIP_ENOTFOUND);
	memset(pod, 0, sizeof(*pod));
	check_all(m, false, touched ? GEN_ANY : GEN_SAME);
}

static void op_endpoints_set(struct model *m, struct fuzz_in *in)
{
	uint8_t x = fuzz_u8(in), y = fuzz_u8(in);
	unsigned ns = x % NNS, name = (x >> 1) % NSVC;
	struct m_svc *s = svc_at(m, ns, name);
	cip_endpoint_spec eps[MAX_EPS];
	cip_named_port ports[MAX_PORTS];
	struct m_ep mep[MAX_EPS];
	struct m_named_port mports[MAX_PORTS];
	size_t neps = (x >> 3) % (MAX_EPS + 1), nports = y % (MAX_PORTS + 1);
	bool dup = false;
	int want, rc;

	memset(eps, 0, sizeof(eps));
	for (size_t i = 0; i < neps; i++) {
		uint8_t a = fuzz_u8(in), b = fuzz_u8(in);
		struct m_ep *e = &mep[i];

		e->addr = endpoint_ip(a);
		e->conditions = (a >> 2) & 7;
		e->node = (b & 3) == 3 ? NONE : (uint8_t)((b & 3) % 2);
		e->zone = ((b >> 2) & 3) == 3 ? NONE : (uint8_t)(2 + ((b >> 2) & 3) % 2);
		e->hint_zone = (b & 0x10) ? e->zone : NONE;
		e->hint_node = (b & 0x20) ? e->node : NONE;
		e->weight = (a & 0x20) ? (uint32_t)(b >> 6) + 1 : 1;
		eps[i].addr = e->addr;
		eps[i].conditions = e->conditions;
		eps[i].node_name = e->node == NONE ? NULL : places[e->node];
		eps[i].zone = e->zone == NONE ? NULL : places[e->zone];
		eps[i].hint_zone = e->hint_zone == NONE ? NULL : places[e->hint_zone];
		eps[i].hint_node = e->hint_node == NONE ? NULL : places[e->hint_node];
		eps[i].hostname = (a & 0x40) ? "h" : NULL;
		eps[i].weight = (a & 0x20) ? e->weight : 0;
		for (size_t j = 0; j < i; j++) {
			dup |= same_addr(&mep[j].addr, &e->addr);
		}
	}
	for (size_t i = 0; i < nports; i++) {
		uint8_t z = fuzz_u8(in);

		mports[i].name = (z & 3) == 3 ? NONE : (uint8_t)((i + (z & 3)) % 3);
		mports[i].proto = (uint8_t)(1 + (z >> 2) % 3);
		mports[i].port = (uint16_t)(8000 + (z >> 4));
		for (size_t j = 0; j < i; j++) {
			if (mports[i].name != NONE && mports[j].name == mports[i].name) {
				mports[i].name = NONE;
			}
		}
		ports[i] = (cip_named_port){ mports[i].name == NONE ? NULL
								    : port_names[mports[i].name],
					     mports[i].proto, mports[i].port };
	}
	want = dup ? CIP_ESPEC : !s->exists ? CIP_ENOTFOUND : s->nterms ? CIP_ESPEC : 0;
	rc = cip_table_endpoints_set(m->t, ns_names[ns], svc_names[name], eps, neps, ports, nports,
				     NULL);
	FUZZ_CHECK_RC(rc, want);
	if (rc == 0) {
		memcpy(s->eps, mep, neps * sizeof(mep[0]));
		s->neps = neps;
		memcpy(s->ep_ports, mports, nports * sizeof(mports[0]));
		s->nep_ports = nports;
		s->touched = true;
	}
	check_all(m, false, rc == 0 ? GEN_GROW : GEN_SAME);
}

/* ------------------------------------------------------------------ */
/* Batches and selection                                              */
/* ------------------------------------------------------------------ */

/* A key from the model (or near one) for @p x. */
static struct key pick_key(const struct model *m, uint8_t x, uint8_t y)
{
	const struct m_svc *s = &m->svc[x % NNS][(x >> 1) % NSVC];
	struct key k;

	memset(&k, 0, sizeof(k));
	k.proto = (uint8_t)(1 + y % 3);
	k.port = port_numbers[(y >> 2) % 4];
	if (s->exists && s->nports) {
		const struct m_port *p = &s->ports[(x >> 3) % s->nports];

		k.proto = p->proto;
		k.port = (y & 0x10) ? p->np : p->port;
		if (!(y & 0x10) && s->nips) {
			k.vip = s->ips[(x >> 5) % s->nips];
		}
		if (y & 0x20) {
			k.proto = (uint8_t)(1 + k.proto % 3);
		}
	} else if (y & 0x40) {
		k.vip = requested_ip(y >> 4);
	}
	return k;
}

static void op_lookup_batch(struct model *m, struct fuzz_in *in)
{
	cip_lookup q[4];
	cip_endpoint eps[4][MAX_CANDS], one[MAX_CANDS];
	cip_service_info infos[4], info;
	cip_service_port_info pinfos[4], pinfo;
	size_t count = 1 + fuzz_u8(in) % 4;
	int ok = 0, rc;

	memset(q, 0, sizeof(q));
	for (size_t i = 0; i < count; i++) {
		uint8_t x = fuzz_u8(in), y = fuzz_u8(in);
		struct key k = pick_key(m, x, y);

		q[i].vip = k.vip;
		q[i].port = k.port;
		q[i].protocol = k.proto;
		q[i].flags = k.vip.family ? 0 : CIP_LOOKUP_NODE_PORT;
		q[i].svc = &infos[i];
		q[i].port_info = &pinfos[i];
		q[i].eps = eps[i];
		q[i].cap = (y & 0x80) ? 1 : MAX_CANDS;
	}
	rc = cip_table_lookup_batch(m->t, q, count);
	for (size_t i = 0; i < count; i++) {
		size_t n = 0;
		struct key k = { q[i].vip, q[i].port, q[i].protocol };
		int want = k.vip.family ? cip_table_lookup(m->t, &k.vip, k.port, k.proto, &info,
							   &pinfo, one, q[i].cap, &n)
					: cip_table_lookup_node_port(m->t, k.port, k.proto, &info,
								     &pinfo, one, q[i].cap, &n);

		FUZZ_CHECK_RC(q[i].rc, want);
		FUZZ_CHECK(want == CIP_EBUFSIZE || want == 0 || want == CIP_ENOTFOUND);
		FUZZ_CHECK((want == CIP_ENOTFOUND) == !model_has_key(m, &k));
		ok += want == 0;
		if (want == 0 || want == CIP_EBUFSIZE) {
			FUZZ_CHECK(q[i].n == n);
			FUZZ_CHECK(memcmp(&infos[i], &info, sizeof(info)) == 0);
			FUZZ_CHECK(memcmp(&pinfos[i], &pinfo, sizeof(pinfo)) == 0);
		}
		if (want == 0) {
			FUZZ_CHECK(memcmp(eps[i], one, n * sizeof(one[0])) == 0);
		}
	}
	FUZZ_CHECK(rc == ok);
}

static bool is_ready(const cip_endpoint *e)
{
	return (e->conditions & CIP_EP_READY) != 0;
}

static bool is_serving_terminating(const cip_endpoint *e)
{
	return !is_ready(e) && (e->conditions & CIP_EP_SERVING) &&
	       (e->conditions & CIP_EP_TERMINATING);
}

/* kube-proxy's candidates for a connection of @p family (see select.h):
 * a bit per endpoint, and the category, or the error. */
static int candidates(const struct m_svc *s, const cip_endpoint *eps, size_t n, int family,
		      uint32_t node, uint32_t zone, uint32_t *set, int *category)
{
	uint32_t ready = 0, term = 0, local_ready = 0, local_term = 0, by_node = 0, by_zone = 0;
	bool node_hinted = true, zone_hinted = true;

	for (size_t i = 0; i < n; i++) {
		uint32_t bit = 1u << i;

		if (eps[i].addr.family != family) {
			continue;
		}
		if (is_ready(&eps[i])) {
			ready |= bit;
			node_hinted &= eps[i].hint_node != 0;
			zone_hinted &= eps[i].hint_zone != 0;
			by_node |= node && eps[i].hint_node == node ? bit : 0;
			by_zone |= zone && eps[i].hint_zone == zone ? bit : 0;
			local_ready |= node && eps[i].node == node ? bit : 0;
		} else if (is_serving_terminating(&eps[i])) {
			term |= bit;
			local_term |= node && eps[i].node == node ? bit : 0;
		}
	}
	if (s->traffic == CIP_TRAFFIC_LOCAL) {
		*set = local_ready ? local_ready : local_term;
		*category = local_ready ? CIP_CATEGORY_LOCAL : CIP_CATEGORY_LOCAL_TERMINATING;
		return *set ? 0 : (ready | term) ? CIP_EDROP : CIP_ENOBACKEND;
	}
	if (ready) {
		if (node_hinted && by_node) {
			*set = by_node;
			*category = CIP_CATEGORY_SAME_NODE;
		} else if (zone_hinted && by_zone) {
			*set = by_zone;
			*category = CIP_CATEGORY_SAME_ZONE;
		} else {
			*set = ready;
			*category = CIP_CATEGORY_READY;
		}
		return 0;
	}
	*set = term;
	*category = CIP_CATEGORY_TERMINATING;
	return term ? 0 : CIP_ENOBACKEND;
}

/*
 * Session affinity entries: none without ClientIP affinity; one just made
 * for a client that selected with it; none once everything has expired
 * (and then nothing left to expire).
 */
static void check_affinity(struct model *m, unsigned ns, unsigned name, const struct m_svc *s,
			   bool with_client, uint8_t z)
{
	int count = cip_table_affinity_count(m->t, ns_names[ns], svc_names[name], m->now);
	uint64_t later = m->now + UINT64_C(100000) * 1000000000u;

	FUZZ_CHECK(count >= 0);
	if (s->affinity != CIP_AFFINITY_CLIENT_IP) {
		FUZZ_CHECK(count == 0);
		return;
	}
	FUZZ_CHECK(!with_client || count > 0);
	if (z & 0x80) {
		FUZZ_CHECK(cip_table_affinity_expire(m->t, later) >= count);
		FUZZ_CHECK_RC(cip_table_affinity_count(m->t, ns_names[ns], svc_names[name], later),
			      0);
		FUZZ_CHECK_RC(cip_table_affinity_expire(m->t, later), 0);
	}
}

static void op_select(struct model *m, struct fuzz_in *in)
{
	uint8_t x = fuzz_u8(in), y = fuzz_u8(in), z = fuzz_u8(in);
	unsigned ns = x % NNS, name = (x >> 1) % NSVC;
	const struct m_svc *s = svc_at(m, ns, name);
	static struct expect e;
	cip_select_request req;
	cip_endpoint eps[MAX_CANDS];
	cip_backend out;
	const struct m_port *p;
	uint32_t set = 0;
	int family, category = 0, want;
	size_t k, n = 0;

	if (!s->exists || s->nports == 0 || s->nips == 0) {
		return;
	}
	k = (x >> 3) % s->nports;
	p = &s->ports[k];
	memset(&req, 0, sizeof(req));
	req.port = p->port;
	req.protocol = p->proto;
	if ((y & 1) && p->np) {
		req.flags = CIP_SELECT_NODE_PORT;
		req.port = p->np;
	} else {
		req.vip = s->ips[(y >> 1) % s->nips];
	}
	if (y & 4) {
		req.client = (y & 8) ? ip6(0x11, z, 1) : ip4(z, 1, 1);
		req.client_port = z;
	}
	if (y & 0x10) {
		req.flags |= CIP_SELECT_RESET_AFFINITY;
	}
	req.node = (y & 0x20) ? m->ids[(y >> 6) & 1] : 0;
	req.zone = (z & 1) ? m->ids[2 + ((z >> 1) & 1)] : 0;
	req.now = m->now;
	family = req.flags & CIP_SELECT_NODE_PORT
			 ? (req.client.family ? req.client.family : s->ips[0].family)
			 : req.vip.family;
	FUZZ_CHECK_RC(
		cip_table_endpoints(m->t, ns_names[ns], svc_names[name], k, eps, MAX_CANDS, &n), 0);
	want = CIP_ENOBACKEND;
	for (size_t i = 0; i < s->nips; i++) {
		/* A family the service has no ClusterIP of has no proxier. */
		if (s->ips[i].family == family) {
			want = candidates(s, eps, n, family, req.node, req.zone, &set, &category);
		}
	}
	memset(&out, 0x5a, sizeof(out));
	FUZZ_CHECK_RC(cip_table_select(m->t, &req, &out), want);
	if (want != 0) {
		return;
	}
	FUZZ_CHECK(out.index < n && (set & (1u << out.index)));
	FUZZ_CHECK(out.category == category);
	FUZZ_CHECK(same_addr(&out.addr, &eps[out.index].addr) && out.port == eps[out.index].port);
	FUZZ_CHECK(out.node == eps[out.index].node && out.zone == eps[out.index].zone);
	FUZZ_CHECK(out.flags == 0 ||
		   (out.flags == CIP_BACKEND_AFFINITY && s->affinity == CIP_AFFINITY_CLIENT_IP &&
		    req.client.family && !(req.flags & CIP_SELECT_RESET_AFFINITY)));
	expect_of(m, ns, s, &e);
	for (size_t i = 0; i < e.neps[k]; i++) {
		if (same_addr(&e.eps[k][i].addr, &out.addr)) {
			FUZZ_CHECK(out.weight == e.weights[k][i]);
		}
	}
	check_affinity(m, ns, name, s,
		       req.client.family && !(req.flags & CIP_SELECT_RESET_AFFINITY), z);
}

/* ------------------------------------------------------------------ */
/* The run                                                            */
/* ------------------------------------------------------------------ */

static void model_new(struct model *m, uint8_t lb)
{
	cip_pool_opts po;
	cip_table_opts o;
	cip_port_range pr = { NODE_BASE, NODE_SIZE };
	cip_prefix p;

	memset(m, 0, sizeof(*m));
	cip_pool_opts_init(&po, sizeof(po));
	po.seed = 5;
	FUZZ_CHECK_RC(cip_pool_new(&m->pool, &po), 0);
	FUZZ_CHECK_RC(cip_prefix_parse(&p, "10.96.0.0/16", 12, 0, NULL), 0);
	FUZZ_CHECK_RC(cip_pool_add(m->pool, &p, NULL), 0);
	FUZZ_CHECK_RC(cip_prefix_parse(&p, "fd00:10:96::/112", 16, 0, NULL), 0);
	FUZZ_CHECK_RC(cip_pool_add(m->pool, &p, NULL), 0);
	FUZZ_CHECK_RC(cip_ports_new(&m->node_ports, &pr, NULL), 0);
	cip_table_opts_init(&o, sizeof(o));
	o.pool = m->pool;
	o.node_ports = m->node_ports;
	o.lb_policy = lb % 6;
	o.maglev_size = 251;
	o.affinity_capacity = 16;
	o.seed = 5;
	FUZZ_CHECK_RC(cip_table_new(&m->t, &o), 0);
}

static void model_free(struct model *m)
{
	cip_table_free(m->t);
	cip_ports_free(m->node_ports);
	cip_pool_free(m->pool);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model m;
	struct fuzz_in in = fuzz_in(data, size);

	if (size > 4096) {
		return 0;
	}
	model_new(&m, fuzz_u8(&in));
	for (int op = 0; op < MAX_OPS && in.n > 0; op++) {
		m.now += UINT64_C(1000000000);
		switch (fuzz_u8(&in) % 9) {
		case 0:
		case 1:
			op_service_write(&m, &in, false);
			break;
		case 2:
			op_service_write(&m, &in, true);
			break;
		case 3:
			op_service_delete(&m, &in);
			break;
		case 4:
		case 5:
			op_pod_apply(&m, &in);
			break;
		case 6:
			op_pod_delete(&m, &in);
			break;
		case 7:
			op_endpoints_set(&m, &in);
			break;
		default:
			if (fuzz_u8(&in) & 1) {
				op_lookup_batch(&m, &in);
			} else {
				op_select(&m, &in);
			}
		}
		if ((op + 1) % FULL_EVERY == 0) {
			check_all(&m, true, GEN_SAME);
		}
	}
	check_all(&m, true, GEN_SAME);
	model_free(&m);
	return 0;
}
