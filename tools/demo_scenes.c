/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clusterip demo, phases 3 and 4: DNS answers as a pod in namespace
 * default gets them, and connections through cip_table_select().
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "demo.h"

#define FQDN(svc) svc ".default.svc.cluster.local"
#define MAX_RECORDS 8
#define MINUTE (60 * DEMO_SECOND)
#define HOUR (60 * MINUTE)

/* Copies out default/my-service, the subject of phases 3 and 4, checking
 * that it is dual-stack. */
static int get_my_service(struct demo *d, cip_service_info *svc)
{
	int rc = cip_table_service_get(d->table, "default", "my-service", svc, NULL, 0);

	return demo_check(d, rc == 0 && svc->ncluster_ips == 2,
			  "default/my-service has two ClusterIPs");
}

/* ------------------------------------------------------------------ */
/* 3. DNS                                                             */
/* ------------------------------------------------------------------ */

static const char *dns_type_name(int type)
{
	switch (type) {
	case CIP_DNS_A:
		return "A";
	case CIP_DNS_AAAA:
		return "AAAA";
	case CIP_DNS_CNAME:
		return "CNAME";
	case CIP_DNS_PTR:
		return "PTR";
	case CIP_DNS_SRV:
		return "SRV";
	case CIP_DNS_TXT:
		return "TXT";
	default:
		return "ANY";
	}
}

static void print_record(const cip_dns_record *r)
{
	char a[CIP_ADDR_STRLEN];

	printf("      %-40s %-5s ", r->name, dns_type_name(r->type));
	switch (r->type) {
	case CIP_DNS_A:
	case CIP_DNS_AAAA:
		printf("%s\n", demo_addr(&r->addr, a));
		break;
	case CIP_DNS_SRV:
		printf("%u %u %u %s\n", r->priority, r->weight, r->port, r->target);
		break;
	default:
		printf("%s\n", r->target);
	}
}

/* Asks @p name (@p qtype) as a pod in namespace default and prints the
 * answer. Returns what cip_table_dns_resolve() returns. */
static int ask(const struct demo *d, const char *name, int qtype, cip_dns_record *out, size_t *n)
{
	int rc = cip_table_dns_resolve(d->table, name, strlen(name), qtype, "default", out,
				       MAX_RECORDS, n);

	printf("  %s %s?\n", name, dns_type_name(qtype));
	if (rc == CIP_ENOTFOUND) {
		printf("      NXDOMAIN\n");
	} else if (rc != 0) {
		printf("      error: %s\n", cip_strerror(rc));
	} else {
		for (size_t i = 0; i < *n; i++) {
			print_record(&out[i]);
		}
	}
	return rc;
}

/* Whether @p out is exactly one A or AAAA record of @p name for @p a. */
static int one_address(const cip_dns_record *out, size_t n, const char *name, const cip_addr *a)
{
	return n == 1 && strcmp(out[0].name, name) == 0 && cip_addr_equal(&out[0].addr, a) == 1;
}

static int has_address(const cip_dns_record *out, size_t n, const char *text)
{
	cip_addr a = demo_parse(text);

	for (size_t i = 0; i < n; i++) {
		if (cip_addr_equal(&out[i].addr, &a) == 1) {
			return 1;
		}
	}
	return 0;
}

static void ask_service(struct demo *d, const cip_service_info *svc)
{
	cip_dns_record r[MAX_RECORDS];
	char ptr[CIP_REVERSE_NAME_STRLEN];
	size_t n = 0;
	int rc;

	rc = ask(d, "my-service", CIP_DNS_A, r, &n);
	demo_check(d, rc == 0 && one_address(r, n, FQDN("my-service"), &svc->cluster_ips[0]),
		   "the search path turns my-service into its FQDN and IPv4 ClusterIP");
	rc = ask(d, "my-service.default", CIP_DNS_A, r, &n);
	demo_check(d, rc == 0 && one_address(r, n, FQDN("my-service"), &svc->cluster_ips[0]),
		   "<service>.<namespace> resolves too");
	rc = ask(d, FQDN("my-service"), CIP_DNS_AAAA, r, &n);
	demo_check(d, rc == 0 && one_address(r, n, FQDN("my-service"), &svc->cluster_ips[1]),
		   "the FQDN's AAAA record is the IPv6 ClusterIP of the dual-stack service");
	rc = ask(d, "_http._tcp." FQDN("my-service"), CIP_DNS_SRV, r, &n);
	demo_check(d,
		   rc == 0 && n == 1 && r[0].port == 80 &&
			   strcmp(r[0].target, FQDN("my-service")) == 0,
		   "the SRV record of the named port http gives port 80 and the service");
	cip_addr_reverse_name(&svc->cluster_ips[0], 0, ptr, sizeof(ptr));
	rc = ask(d, ptr, CIP_DNS_PTR, r, &n);
	demo_check(d, rc == 0 && n == 1 && strcmp(r[0].target, FQDN("my-service")) == 0,
		   "the PTR record of the ClusterIP names the service");
}

static void ask_others(struct demo *d)
{
	cip_dns_record r[MAX_RECORDS];
	cip_addr dns = demo_parse("10.96.0.10");
	size_t n = 0;
	int rc;

	rc = ask(d, "kube-dns.kube-system", CIP_DNS_A, r, &n);
	demo_check(d, rc == 0 && one_address(r, n, "kube-dns.kube-system.svc.cluster.local", &dns),
		   "another namespace's service: kube-dns.kube-system");
	rc = ask(d, "db", CIP_DNS_A, r, &n);
	demo_check(d,
		   rc == 0 && n == 2 && has_address(r, n, "10.244.0.30") &&
			   has_address(r, n, "10.244.2.30"),
		   "the headless service db answers with its ready pods' addresses");
	rc = ask(d, "db-0.db", CIP_DNS_A, r, &n);
	demo_check(d, rc == 0 && n == 1 && has_address(r, n, "10.244.0.30"),
		   "a headless pod by its hostname: db-0.db");
	rc = ask(d, "ext", CIP_DNS_A, r, &n);
	demo_check(d,
		   rc == 0 && n == 1 && r[0].type == CIP_DNS_CNAME &&
			   strcmp(r[0].target, "db.example.com") == 0,
		   "the ExternalName service ext is a CNAME to db.example.com");
	rc = ask(d, "no-such-service", CIP_DNS_A, r, &n);
	demo_check(d, rc == CIP_ENOTFOUND, "a name that no service has: NXDOMAIN");
}

void demo_dns(struct demo *d)
{
	cip_service_info svc;

	demo_heading("3. DNS, asked by a pod in namespace default");
	if (!get_my_service(d, &svc)) {
		return;
	}
	ask_service(d, &svc);
	ask_others(d);
}

/* ------------------------------------------------------------------ */
/* 4. Connections                                                     */
/* ------------------------------------------------------------------ */

static const char *category_name(int category)
{
	switch (category) {
	case CIP_CATEGORY_READY:
		return "ready";
	case CIP_CATEGORY_SAME_NODE:
		return "ready, same node";
	case CIP_CATEGORY_SAME_ZONE:
		return "ready, same zone";
	case CIP_CATEGORY_TERMINATING:
		return "terminating: the fallback, none is ready";
	case CIP_CATEGORY_LOCAL:
		return "local";
	default:
		return "local, terminating";
	}
}

static const char *reason_text(int reason)
{
	switch (reason) {
	case CIP_EPS_OK:
		return "it has ready endpoints";
	case CIP_EPS_NO_SELECTOR:
		return "it has no selector and nobody set its endpoints";
	case CIP_EPS_NO_MATCHING_POD:
		return "no pod matches its selector";
	case CIP_EPS_NO_POD_IP:
		return "the pods it selects have no IP yet";
	case CIP_EPS_NO_NAMED_PORT:
		return "no pod it selects has the named target port";
	case CIP_EPS_NONE_READY:
		return "it has endpoints, but none is ready";
	default:
		return "an ExternalName service has no endpoints";
	}
}

/* A connection from a client. */
struct conn {
	cip_addr client;
	uint16_t client_port;
	unsigned flags; /* CIP_SELECT_* */
};

#define ENDPOINT_STRLEN (CIP_ADDR_STRLEN + 8)

/* "address:port", the address in brackets for IPv6. */
static const char *endpoint_text(const cip_addr *a, uint16_t port, char *buf)
{
	char text[CIP_ADDR_STRLEN];
	int v6 = a->family == CIP_FAMILY_IPV6;

	snprintf(buf, ENDPOINT_STRLEN, "%s%s%s:%u", v6 ? "[" : "", demo_addr(a, text),
		 v6 ? "]" : "", port);
	return buf;
}

/* Selects a backend for @p c to (@p vip or the node port, @p port) and
 * prints the connection. Returns what cip_table_select() returns. */
static int connect_to(struct demo *d, const struct conn *c, const cip_addr *vip, uint16_t port,
		      cip_backend *b)
{
	char client[CIP_ADDR_STRLEN], to[ENDPOINT_STRLEN], backend[ENDPOINT_STRLEN];
	cip_select_request req;
	const struct demo_pod *pod;
	int rc;

	memset(&req, 0, sizeof(req));
	if (vip) {
		req.vip = *vip;
		endpoint_text(vip, port, to);
	} else {
		req.flags = CIP_SELECT_NODE_PORT;
		snprintf(to, sizeof(to), "node port %u", port);
	}
	req.flags |= (uint8_t)c->flags;
	req.port = port;
	req.protocol = CIP_PROTO_TCP;
	req.client = c->client;
	req.client_port = c->client_port;
	req.now = d->now;
	rc = cip_table_select(d->table, &req, b);
	printf("    %-16s -> %-24s => ", demo_addr(&c->client, client), to);
	if (rc != 0) {
		printf("%s\n", cip_strerror(rc));
		return rc;
	}
	pod = demo_pod_at(&b->addr);
	printf("%-22s %-9s (%s%s)\n", endpoint_text(&b->addr, b->port, backend),
	       pod ? pod->name : "?", category_name(b->category),
	       b->flags & CIP_BACKEND_AFFINITY ? ", affinity" : "");
	return 0;
}

static struct conn client_v4(unsigned host)
{
	char text[32];
	struct conn c;

	snprintf(text, sizeof(text), "10.0.1.%u", host);
	memset(&c, 0, sizeof(c));
	c.client = demo_parse(text);
	c.client_port = (uint16_t)(40000 + host);
	return c;
}

static const struct demo_pod *pod_named(const char *name)
{
	for (size_t i = 0; i < demo_pod_count; i++) {
		if (strcmp(demo_pods[i].name, name) == 0) {
			return &demo_pods[i];
		}
	}
	return NULL;
}

static int same_backend(const cip_backend *a, const cip_backend *b)
{
	return cip_addr_equal(&a->addr, &b->addr) == 1 && a->port == b->port;
}

#define SPREAD_CLIENTS 12

/* New clients of my-service, round-robin over its three ready pods.
 * Fills @p first with the first client's backend. */
static void round_robin(struct demo *d, const cip_service_info *svc, cip_backend *first)
{
	const struct demo_pod *app[5];
	unsigned count[5] = { 0 }, strays = 0;
	struct conn c6;
	cip_backend b;
	const struct demo_pod *pod;

	for (size_t k = 0; k < 5; k++) {
		char name[16];

		snprintf(name, sizeof(name), "my-app-%zu", k);
		app[k] = pod_named(name);
	}
	printf("  %d new clients of my-service (ClientIP affinity; new clients round-robin):\n",
	       SPREAD_CLIENTS);
	for (unsigned i = 1; i <= SPREAD_CLIENTS; i++) {
		struct conn c = client_v4(i);

		size_t k = 0;

		if (connect_to(d, &c, &svc->cluster_ips[0], 80, &b) != 0 ||
		    b.addr.family != CIP_FAMILY_IPV4) {
			strays++;
			continue;
		}
		pod = demo_pod_at(&b.addr);
		while (k < 5 && app[k] != pod) {
			k++;
		}
		if (k == 5) {
			strays++;
			continue;
		}
		count[k]++;
		if (i == 1) {
			*first = b;
		}
	}
	demo_check(d,
		   strays == 0 && count[0] == 4 && count[1] == 4 && count[2] == 4 &&
			   count[3] + count[4] == 0,
		   "each ready pod got 4 of the 12 (my-app-0 %u, my-app-1 %u, my-app-2 %u); "
		   "not-ready my-app-3 and terminating my-app-4 none",
		   count[0], count[1], count[2]);
	memset(&c6, 0, sizeof(c6));
	c6.client = demo_parse("fd00:10:244:9::1");
	c6.client_port = 40100;
	demo_check(d,
		   connect_to(d, &c6, &svc->cluster_ips[1], 80, &b) == 0 &&
			   b.addr.family == CIP_FAMILY_IPV6 && b.category == CIP_CATEGORY_READY,
		   "the IPv6 ClusterIP leads to an IPv6 endpoint, as the IPv6 proxier's");
}

/* The first client comes back; then it is away for the whole timeout. */
static void affinity(struct demo *d, const cip_service_info *svc, const cip_backend *first)
{
	static const uint64_t later[] = { DEMO_SECOND, MINUTE, 2 * HOUR + 59 * MINUTE };
	struct conn c = client_v4(1), c2 = client_v4(2);
	uint64_t start = d->now;
	cip_backend b, again;
	int held = 1;

	printf("\n  client 10.0.1.1 comes back after 1 s, 1 min and 2 h 59 min "
	       "(timeout %u s):\n",
	       svc->affinity_timeout);
	for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++) {
		d->now = start + later[i];
		held &= connect_to(d, &c, &svc->cluster_ips[0], 80, &b) == 0 &&
			same_backend(&b, first) && (b.flags & CIP_BACKEND_AFFINITY);
	}
	demo_check(d, held, "session affinity holds the client on its first backend");
	printf("  ... and again exactly %u s after its last connection:\n", svc->affinity_timeout);
	d->now += (uint64_t)svc->affinity_timeout * DEMO_SECOND;
	demo_check(d,
		   connect_to(d, &c, &svc->cluster_ips[0], 80, &b) == 0 &&
			   !(b.flags & CIP_BACKEND_AFFINITY),
		   "the affinity has expired: the client is balanced afresh");
	printf("  client 10.0.1.2's connection failed; it asks again with a reset:\n");
	c2.flags = CIP_SELECT_RESET_AFFINITY;
	connect_to(d, &c2, &svc->cluster_ips[0], 80, &b);
	c2.flags = 0;
	demo_check(d,
		   connect_to(d, &c2, &svc->cluster_ips[0], 80, &again) == 0 &&
			   same_backend(&b, &again) && (again.flags & CIP_BACKEND_AFFINITY),
		   "after the reset, the new choice is the client's affinity");
}

static int is_pod(const cip_backend *b, const char *name, int category)
{
	return demo_pod_at(&b->addr) == pod_named(name) && b->category == category;
}

/* my-backend's only ready pod terminates, then stops serving; the other
 * becomes ready. */
static void terminating(struct demo *d)
{
	cip_service_info svc;
	cip_service_port_info port;
	struct conn c = client_v4(50), outside;
	cip_backend b;

	if (cip_table_service_get(d->table, "default", "my-backend", &svc, &port, 1) != 0) {
		demo_check(d, 0, "default/my-backend exists");
		return;
	}
	memset(&outside, 0, sizeof(outside));
	outside.client = demo_parse("203.0.113.7");
	outside.client_port = 51000;
	printf("\n  my-backend: backend-0 is ready, backend-1 is not:\n");
	demo_check(d,
		   connect_to(d, &c, &svc.cluster_ips[0], 80, &b) == 0 &&
			   is_pod(&b, "backend-0", CIP_CATEGORY_READY) && b.port == 8080,
		   "backend-0 serves, on target port 8080");
	printf("  backend-0 starts terminating (still serving):\n");
	demo_pod_apply(d, pod_named("backend-0"), CIP_EP_SERVING | CIP_EP_TERMINATING);
	demo_check(d,
		   connect_to(d, &c, &svc.cluster_ips[0], 80, &b) == 0 &&
			   is_pod(&b, "backend-0", CIP_CATEGORY_TERMINATING) &&
			   connect_to(d, &outside, NULL, port.node_port, &b) == 0 &&
			   is_pod(&b, "backend-0", CIP_CATEGORY_TERMINATING),
		   "no pod is ready: traffic falls back to the serving, terminating one, "
		   "by ClusterIP and by node port");
	printf("  backend-0 stops serving:\n");
	demo_pod_apply(d, pod_named("backend-0"), CIP_EP_TERMINATING);
	demo_check(d, connect_to(d, &c, &svc.cluster_ips[0], 80, &b) == CIP_ENOBACKEND,
		   "nothing is usable: the connection is rejected");
	printf("  backend-1 becomes ready:\n");
	demo_pod_apply(d, pod_named("backend-1"), CIP_EP_READY | CIP_EP_SERVING);
	demo_check(d,
		   connect_to(d, &c, &svc.cluster_ips[0], 80, &b) == 0 &&
			   is_pod(&b, "backend-1", CIP_CATEGORY_READY),
		   "backend-1 serves");
}

/* The frontend service selects app=frontend; its pod says app=front-end. */
static void no_match(struct demo *d)
{
	cip_service_info svc;
	struct conn c = client_v4(60);
	cip_backend b;
	int reason = -1;

	if (cip_table_service_get(d->table, "default", "frontend", &svc, NULL, 0) != 0) {
		demo_check(d, 0, "default/frontend exists");
		return;
	}
	printf("\n  frontend (selector app=frontend):\n");
	demo_check(d, connect_to(d, &c, &svc.cluster_ips[0], 80, &b) == CIP_ENOBACKEND,
		   "no endpoints: the connection is rejected");
	cip_table_endpoints_reason(d->table, "default", "frontend", &reason);
	printf("    why? %s; the pod front-end-7c9f8 has app=front-end\n", reason_text(reason));
	demo_check(d, reason == CIP_EPS_NO_MATCHING_POD, "the table says why: no matching pod");
}

void demo_connections(struct demo *d)
{
	cip_service_info svc;
	cip_backend first;

	demo_heading("4. Connections");
	if (!get_my_service(d, &svc)) {
		return;
	}
	memset(&first, 0, sizeof(first));
	round_robin(d, &svc, &first);
	affinity(d, &svc, &first);
	terminating(d);
	no_match(d);
}
