/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clusterip demo: the project's main job. It builds a small dual-stack
 * cluster on an embedded default and walks through what the library does
 * for it: ClusterIPs from the pool (and the static band), a services table,
 * DNS answers, backend selection, and a load phase with proxy threads
 * against a churning controller. Every step checks its own result; the exit
 * status says whether all checks passed.
 */
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "demo.h"

const char cli_demo_help[] =
	"Usage: clusterip demo [--services N] [--endpoints M] [--threads T]\n"
	"                      [--seconds S] [--seed N]\n"
	"\n"
	"Run a small Kubernetes cluster through libclusterip and check every step:\n"
	"\n"
	"  1. a dual-stack service CIDR pool (10.96.0.0/12, fd00:10:96::/108),\n"
	"     node ports 30000-32767 and the seed services of a cluster, with\n"
	"     pods that match them (some not ready, one terminating);\n"
	"  2. a 'kubectl get services'-like table;\n"
	"  3. DNS answers as a pod in namespace default gets them;\n"
	"  4. connections: the round-robin spread, session affinity, a pod\n"
	"     turning terminating, a selector that matches nothing and why;\n"
	"  5. a load phase: T proxy threads look up and select backends of N\n"
	"     services while a controller thread replaces their endpoints and\n"
	"     recreates services; then the throughput, the latency percentiles\n"
	"     and the invariants (every backend was live when chosen; the\n"
	"     allocators and the table agree on every ClusterIP and node port).\n"
	"\n"
	"Options:\n"
	"  --services N   services under load, 1-100000 (default 1000)\n"
	"  --endpoints M  endpoints per service, 1-1000 (default 10); N x M is\n"
	"                 at most 10000000\n"
	"  --threads T    proxy threads, 1-64 (default 2)\n"
	"  --seconds S    length of the load phase, 0-3600; 0 skips it\n"
	"                 (default 3)\n"
	"  --seed N       seed of the allocators and round-robin orders, for a\n"
	"                 reproducible run (default: drawn from the OS)\n"
	"  -h, --help     show this help\n"
	"\n"
	"Exit status: 0 when every check passed, 1 when one failed, 2 on a usage\n"
	"error.\n";

#define READY (CIP_EP_READY | CIP_EP_SERVING)
#define TERMINATING (CIP_EP_SERVING | CIP_EP_TERMINATING)

/* ------------------------------------------------------------------ */
/* The embedded cluster                                               */
/* ------------------------------------------------------------------ */

const struct demo_pod demo_pods[] = {
	{ "kube-system", "coredns-5d78c9869d-4xkq2", "k8s-app", "kube-dns", "10.244.0.2",
	  "fd00:10:244::2", "node-a", "zone-a", NULL, READY },
	{ "kube-system", "coredns-5d78c9869d-9wzt7", "k8s-app", "kube-dns", "10.244.1.2",
	  "fd00:10:244:1::2", "node-b", "zone-b", NULL, READY },
	{ "default", "my-app-0", "app", "my-app", "10.244.0.10", "fd00:10:244::10", "node-a",
	  "zone-a", NULL, READY },
	{ "default", "my-app-1", "app", "my-app", "10.244.1.10", "fd00:10:244:1::10", "node-b",
	  "zone-b", NULL, READY },
	{ "default", "my-app-2", "app", "my-app", "10.244.2.10", "fd00:10:244:2::10", "node-c",
	  "zone-b", NULL, READY },
	{ "default", "my-app-3", "app", "my-app", "10.244.2.11", "fd00:10:244:2::11", "node-c",
	  "zone-b", NULL, 0 }, /* starting: not ready yet */
	{ "default", "my-app-4", "app", "my-app", "10.244.1.11", "fd00:10:244:1::11", "node-b",
	  "zone-b", NULL, TERMINATING }, /* being replaced */
	{ "default", "backend-0", "app", "backend", "10.244.0.20", NULL, "node-a", "zone-a", NULL,
	  READY },
	{ "default", "backend-1", "app", "backend", "10.244.1.20", NULL, "node-b", "zone-b", NULL,
	  0 },
	{ "default", "db-0", "app", "db", "10.244.0.30", NULL, "node-a", "zone-a", "db-0", READY },
	{ "default", "db-1", "app", "db", "10.244.2.30", NULL, "node-c", "zone-b", "db-1", READY },
	/* Its label is not the one the frontend service selects. */
	{ "default", "front-end-7c9f8", "app", "front-end", "10.244.2.40", NULL, "node-c", "zone-b",
	  NULL, READY },
};

const size_t demo_pod_count = sizeof(demo_pods) / sizeof(demo_pods[0]);

/* A service of the embedded cluster. */
struct demo_service {
	const char *ns, *name;
	int type;
	const cip_service_port *ports;
	size_t nports;
	const char *label_key, *label_value; /* the selector; NULL: none */
	const char *cluster_ip;		     /* requested; NULL: allocated */
	int first_address;		     /* request the range's first address */
	int headless;
	int family_policy;
	int affinity;
	const char *external_name;
};

static const cip_service_port kubernetes_ports[] = { { "https", CIP_PROTO_TCP, 443, 6443, NULL,
						       0 } };
static const cip_service_port dns_ports[] = {
	{ "dns", CIP_PROTO_UDP, 53, 53, NULL, 0 },
	{ "dns-tcp", CIP_PROTO_TCP, 53, 53, NULL, 0 },
	{ "metrics", CIP_PROTO_TCP, 9153, 9153, NULL, 0 },
};
static const cip_service_port http_ports[] = { { "http", CIP_PROTO_TCP, 80, 80, NULL, 0 } };
static const cip_service_port backend_ports[] = { { "http", CIP_PROTO_TCP, 80, 8080, NULL, 0 } };
static const cip_service_port db_ports[] = { { "postgres", CIP_PROTO_TCP, 5432, 5432, NULL, 0 } };

static const struct demo_service demo_services[] = {
	{ "default", "kubernetes", CIP_SERVICE_CLUSTER_IP, kubernetes_ports, 1, NULL, NULL, NULL, 1,
	  0, 0, 0, NULL },
	{ "kube-system", "kube-dns", CIP_SERVICE_CLUSTER_IP, dns_ports, 3, "k8s-app", "kube-dns",
	  "10.96.0.10", 0, 0, 0, 0, NULL },
	{ "default", "my-service", CIP_SERVICE_CLUSTER_IP, http_ports, 1, "app", "my-app", NULL, 0,
	  0, CIP_PREFER_DUAL_STACK, CIP_AFFINITY_CLIENT_IP, NULL },
	{ "default", "my-backend", CIP_SERVICE_NODE_PORT, backend_ports, 1, "app", "backend", NULL,
	  0, 0, 0, 0, NULL },
	{ "default", "db", CIP_SERVICE_CLUSTER_IP, db_ports, 1, "app", "db", NULL, 0, 1, 0, 0,
	  NULL },
	{ "default", "ext", CIP_SERVICE_EXTERNAL_NAME, NULL, 0, NULL, NULL, NULL, 0, 0, 0, 0,
	  "db.example.com" },
	{ "default", "frontend", CIP_SERVICE_CLUSTER_IP, backend_ports, 1, "app", "frontend", NULL,
	  0, 0, 0, 0, NULL },
};

#define SERVICE_COUNT (sizeof(demo_services) / sizeof(demo_services[0]))

/* The API server behind default/kubernetes, an explicit endpoint. */
#define API_SERVER "192.168.49.2"
static const cip_named_port api_server_port = { "https", CIP_PROTO_TCP, 6443 };

static const char *const service_cidrs[] = { "10.96.0.0/12", "fd00:10:96::/108" };
#define NODE_PORT_RANGE "30000-32767"

/* ------------------------------------------------------------------ */
/* Output and checks                                                  */
/* ------------------------------------------------------------------ */

int demo_check(struct demo *d, int ok, const char *fmt, ...)
{
	va_list ap;

	d->checks++;
	if (!ok) {
		d->failures++;
	}
	fputs(ok ? "  ok    " : "  FAIL  ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	return ok;
}

void demo_heading(const char *title)
{
	printf("\n== %s ==\n\n", title);
}

const char *demo_addr(const cip_addr *a, char *buf)
{
	if (cip_addr_format(a, buf, CIP_ADDR_STRLEN) < 0) {
		snprintf(buf, CIP_ADDR_STRLEN, "?");
	}
	return buf;
}

cip_addr demo_parse(const char *text)
{
	cip_addr a;

	memset(&a, 0, sizeof(a));
	if (cip_addr_parse(&a, text, strlen(text), 0, NULL) != 0) {
		/* The literals are the demo's own: a failure is a bug. */
		fprintf(stderr, "%s demo: bad built-in address '%s'\n", CLI_PROGRAM, text);
		abort();
	}
	return a;
}

const struct demo_pod *demo_pod_at(const cip_addr *a)
{
	char text[CIP_ADDR_STRLEN];

	demo_addr(a, text);
	for (size_t i = 0; i < demo_pod_count; i++) {
		const struct demo_pod *p = &demo_pods[i];

		if ((p->ipv4 && strcmp(p->ipv4, text) == 0) ||
		    (p->ipv6 && strcmp(p->ipv6, text) == 0)) {
			return p;
		}
	}
	return NULL;
}

int demo_pod_apply(struct demo *d, const struct demo_pod *pod, unsigned conditions)
{
	cip_label label = { pod->label_key, pod->label_value };
	cip_addr ips[2];
	cip_pod_spec spec;

	cip_pod_spec_init(&spec, sizeof(spec));
	spec.ns = pod->ns;
	spec.name = pod->name;
	if (pod->ipv4) {
		ips[spec.nips++] = demo_parse(pod->ipv4);
	}
	if (pod->ipv6) {
		ips[spec.nips++] = demo_parse(pod->ipv6);
	}
	spec.ips = ips;
	spec.labels = &label;
	spec.nlabels = 1;
	spec.node_name = pod->node;
	spec.zone = pod->zone;
	spec.hostname = pod->hostname;
	spec.conditions = conditions;
	return cip_table_pod_apply(d->table, &spec, NULL);
}

/* ------------------------------------------------------------------ */
/* Options                                                            */
/* ------------------------------------------------------------------ */

struct demo_options {
	struct demo_load_opts load;
	uint64_t seed;
};

/* Parses an unsigned integer in [lo, hi]. */
static int parse_count(const char *text, unsigned long long lo, unsigned long long hi,
		       unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (text[0] < '0' || text[0] > '9') {
		return -1;
	}
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi) {
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_seconds(const char *text, double *out)
{
	char *end;
	double v;

	if ((text[0] < '0' || text[0] > '9') && text[0] != '.') {
		return -1;
	}
	errno = 0;
	v = strtod(text, &end);
	if (errno != 0 || *end != '\0' || !(v >= 0 && v <= 3600)) {
		return -1;
	}
	*out = v;
	return 0;
}

/* Applies option @p name with its value @p value. Returns 0, or -1 when
 * the value is not valid. */
static int set_option(struct demo_options *o, const char *name, const char *value)
{
	unsigned long long v;

	if (strcmp(name, "--seconds") == 0) {
		return parse_seconds(value, &o->load.seconds);
	}
	if (strcmp(name, "--seed") == 0) {
		if (parse_count(value, 0, UINT64_MAX, &v) != 0) {
			return -1;
		}
		o->seed = v;
		return 0;
	}
	if (strcmp(name, "--services") == 0 && parse_count(value, 1, 100000, &v) == 0) {
		o->load.services = (unsigned)v;
	} else if (strcmp(name, "--endpoints") == 0 && parse_count(value, 1, 1000, &v) == 0) {
		o->load.endpoints = (unsigned)v;
	} else if (strcmp(name, "--threads") == 0 && parse_count(value, 1, 64, &v) == 0) {
		o->load.threads = (unsigned)v;
	} else {
		return -1;
	}
	return 0;
}

static int is_value_option(const char *name)
{
	static const char *const names[] = { "--services", "--endpoints", "--threads", "--seconds",
					     "--seed" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(names[i], name) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Parses the command line ("--name value" or "--name=value"). Returns
 * CLI_CONTINUE to run, else the exit status. */
static int parse_options(const struct cli_command *self, int argc, char **argv,
			 struct demo_options *o)
{
	for (int i = 1; i < argc; i++) {
		char name[16];
		const char *arg = argv[i], *eq = strchr(arg, '='), *value;
		size_t len = eq ? (size_t)(eq - arg) : strlen(arg);

		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			fputs(self->help, stdout);
			return CLI_EXIT_OK;
		}
		if (len >= sizeof(name) || arg[0] != '-') {
			return cli_usage_error(
				self, arg[0] == '-' ? "unknown option" : "unexpected argument",
				arg);
		}
		memcpy(name, arg, len);
		name[len] = '\0';
		if (!is_value_option(name)) {
			return cli_usage_error(self, "unknown option", arg);
		}
		if (!eq && i + 1 == argc) {
			return cli_usage_error(self, "missing value for", name);
		}
		value = eq ? eq + 1 : argv[++i];
		if (set_option(o, name, value) != 0) {
			return cli_usage_error(self, "invalid value", arg);
		}
	}
	if ((unsigned long long)o->load.services * o->load.endpoints > DEMO_MAX_LOAD_ENDPOINTS) {
		return cli_usage_error(self,
				       "too many endpoints in all: services x endpoints exceeds",
				       "10000000");
	}
	return CLI_CONTINUE;
}

/* ------------------------------------------------------------------ */
/* 1. The cluster                                                     */
/* ------------------------------------------------------------------ */

static int world_new(struct demo *d)
{
	cip_pool_opts po;
	cip_ports_opts no;
	cip_table_opts to;
	int rc;

	cip_pool_opts_init(&po, sizeof(po));
	po.seed = d->seed;
	rc = cip_pool_new(&d->pool, &po);
	for (size_t i = 0; rc == 0 && i < 2; i++) {
		rc = cip_prefix_parse(&d->cidrs[i], service_cidrs[i], strlen(service_cidrs[i]), 0,
				      NULL);
		if (rc == 0) {
			rc = cip_pool_add(d->pool, &d->cidrs[i], NULL);
		}
	}
	if (rc == 0) {
		rc = cip_port_range_parse(&d->node_port_range, NODE_PORT_RANGE,
					  strlen(NODE_PORT_RANGE), NULL);
	}
	if (rc == 0) {
		cip_ports_opts_init(&no, sizeof(no));
		no.seed = d->seed;
		rc = cip_ports_new(&d->node_ports, &d->node_port_range, &no);
	}
	if (rc == 0) {
		cip_table_opts_init(&to, sizeof(to));
		to.pool = d->pool;
		to.node_ports = d->node_ports;
		to.seed = d->seed;
		rc = cip_table_new(&d->table, &to);
	}
	return rc;
}

static void world_free(struct demo *d)
{
	cip_table_free(d->table);
	cip_ports_free(d->node_ports);
	cip_pool_free(d->pool);
}

static const char *type_name(int type)
{
	switch (type) {
	case CIP_SERVICE_NODE_PORT:
		return "NodePort";
	case CIP_SERVICE_LOAD_BALANCER:
		return "LoadBalancer";
	case CIP_SERVICE_EXTERNAL_NAME:
		return "ExternalName";
	default:
		return "ClusterIP";
	}
}

/* The ClusterIPs of @p info as "a,b", "None" (headless) or "<none>". */
static void cluster_ips_text(const cip_service_info *info, char *buf, size_t cap)
{
	char a[CIP_ADDR_STRLEN], b[CIP_ADDR_STRLEN];

	if (info->headless) {
		snprintf(buf, cap, "None");
	} else if (info->ncluster_ips == 0) {
		snprintf(buf, cap, "<none>");
	} else if (info->ncluster_ips == 1) {
		snprintf(buf, cap, "%s", demo_addr(&info->cluster_ips[0], a));
	} else {
		snprintf(buf, cap, "%s,%s", demo_addr(&info->cluster_ips[0], a),
			 demo_addr(&info->cluster_ips[1], b));
	}
}

static int create_service(struct demo *d, const struct demo_service *s, cip_spec_error *err)
{
	cip_label selector = { s->label_key, s->label_value };
	cip_service_spec spec;
	cip_addr ip;

	cip_service_spec_init(&spec, sizeof(spec));
	spec.ns = s->ns;
	spec.name = s->name;
	spec.type = s->type;
	spec.ports = s->ports;
	spec.nports = s->nports;
	if (s->label_key) {
		spec.selector = &selector;
		spec.nselector = 1;
	}
	if (s->first_address || s->cluster_ip) {
		if (s->first_address) {
			cip_service_range_first(&ip, &d->cidrs[0], 0);
		} else {
			ip = demo_parse(s->cluster_ip);
		}
		spec.cluster_ips = &ip;
		spec.ncluster_ips = 1;
	}
	spec.headless = s->headless;
	spec.ip_family_policy = s->family_policy;
	spec.session_affinity = s->affinity;
	spec.external_name = s->external_name;
	err->sz = sizeof(*err);
	return cip_table_service_create(d->table, &spec, d->now, err);
}

static void create_services(struct demo *d)
{
	for (size_t i = 0; i < SERVICE_COUNT; i++) {
		const struct demo_service *s = &demo_services[i];
		cip_service_info info;
		cip_spec_error err;
		char ips[2 * CIP_ADDR_STRLEN + 8] = "";
		int rc = create_service(d, s, &err);

		if (rc == 0) {
			rc = cip_table_service_get(d->table, s->ns, s->name, &info, NULL, 0);
		}
		if (rc == 0) {
			cluster_ips_text(&info, ips, sizeof(ips));
		}
		demo_check(d, rc == 0, "service %s/%s (%s): %s", s->ns, s->name, type_name(s->type),
			   rc == 0	     ? ips
			   : rc == CIP_ESPEC ? err.message
					     : cip_strerror(rc));
	}
}

static void create_pods(struct demo *d)
{
	cip_endpoint_spec api;
	unsigned ready = 0, not_ready = 0, terminating = 0;
	int failed = 0;

	for (size_t i = 0; i < demo_pod_count; i++) {
		unsigned c = demo_pods[i].conditions;

		failed |= demo_pod_apply(d, &demo_pods[i], c) != 0;
		ready += (c & CIP_EP_READY) != 0;
		terminating += (c & CIP_EP_TERMINATING) != 0;
		not_ready += c == 0;
	}
	demo_check(d, !failed, "%zu pods: %u ready, %u not ready, %u terminating", demo_pod_count,
		   ready, not_ready, terminating);
	memset(&api, 0, sizeof(api));
	api.addr = demo_parse(API_SERVER);
	api.conditions = READY;
	demo_check(d,
		   cip_table_endpoints_set(d->table, "default", "kubernetes", &api, 1,
					   &api_server_port, 1, NULL) == 0,
		   "default/kubernetes: the API server %s:%u as an explicit endpoint", API_SERVER,
		   api_server_port.port);
}

/* The offset of @p a in @p cidr's usable addresses, 0-based; -1 outside. */
static long long usable_offset(const cip_prefix *cidr, const cip_addr *a)
{
	cip_addr first;
	cip_u128 off;

	if (cip_service_range_first(&first, cidr, 0) != 0 || !cip_prefix_contains(cidr, a) ||
	    cip_addr_offset(&off, &first, a) != 0 || off.hi != 0 || off.lo > INT64_MAX) {
		return -1;
	}
	return (long long)off.lo;
}

/* Whether every ClusterIP of every service lies in the dynamic band but
 * the requested ones, which lie in the static band. */
static int bands_hold(const struct demo *d)
{
	for (size_t i = 0; i < SERVICE_COUNT; i++) {
		const struct demo_service *s = &demo_services[i];
		int requested = s->first_address || s->cluster_ip;
		cip_service_info info;

		if (cip_table_service_get(d->table, s->ns, s->name, &info, NULL, 0) != 0) {
			return 0;
		}
		for (unsigned k = 0; k < info.ncluster_ips; k++) {
			const cip_prefix *cidr =
				&d->cidrs[info.cluster_ips[k].family == CIP_FAMILY_IPV6];
			long long off = usable_offset(cidr, &info.cluster_ips[k]);

			if (off < 0 || (off < cip_service_range_static_band(cidr)) != requested) {
				return 0;
			}
		}
	}
	return 1;
}

static void print_pool(const struct demo *d)
{
	printf("Service CIDRs:\n");
	for (size_t i = 0; i < 2; i++) {
		cip_u128 usable;
		char n[CIP_U128_STRLEN];

		cip_service_range_usable(&usable, &d->cidrs[i], 0);
		cip_u128_format(&usable, n, sizeof(n));
		printf("  %-18s %s usable addresses, the first %d of them the static band\n",
		       service_cidrs[i], n, cip_service_range_static_band(&d->cidrs[i]));
	}
	printf("Node ports:\n  %-18s %u ports, the first %d of them the static band\n\n",
	       NODE_PORT_RANGE, d->node_port_range.size,
	       cip_node_port_static_band(d->node_port_range.size));
}

static void demo_cluster(struct demo *d)
{
	cip_service_info info;
	cip_service_port_info port;
	char text[CIP_ADDR_STRLEN];

	demo_heading("1. A cluster");
	print_pool(d);
	create_services(d);
	create_pods(d);
	printf("\n");
	if (cip_table_service_get(d->table, "default", "kubernetes", &info, NULL, 0) == 0) {
		demo_check(d, usable_offset(&d->cidrs[0], &info.cluster_ips[0]) == 0,
			   "default/kubernetes has %s, the first address of %s",
			   demo_addr(&info.cluster_ips[0], text), service_cidrs[0]);
	}
	if (cip_table_service_get(d->table, "kube-system", "kube-dns", &info, NULL, 0) == 0) {
		long long off = usable_offset(&d->cidrs[0], &info.cluster_ips[0]);

		demo_check(d, off >= 0 && off < cip_service_range_static_band(&d->cidrs[0]),
			   "kube-system/kube-dns has %s, in the static band, which dynamic "
			   "allocation leaves alone",
			   demo_addr(&info.cluster_ips[0], text));
	}
	demo_check(d, bands_hold(d),
		   "every allocated ClusterIP came from the dynamic band, of both families");
	if (cip_table_service_get(d->table, "default", "my-backend", &info, &port, 1) == 0) {
		const cip_port_range *r = &d->node_port_range;
		uint32_t band = (uint32_t)cip_node_port_static_band(r->size);

		demo_check(d,
			   port.node_port >= r->base + band && port.node_port < r->base + r->size,
			   "default/my-backend got node port %u, above the static band",
			   port.node_port);
	}
}

/* ------------------------------------------------------------------ */
/* Agreement of the allocators and the table                          */
/* ------------------------------------------------------------------ */

struct holdings {
	const struct demo *d;
	uint64_t ips[2];     /* ClusterIPs held, by family */
	uint64_t node_ports; /* node ports held */
	uint64_t strays;     /* held by the table, not allocated */
};

static int count_holdings(const cip_service_info *svc, void *ctx)
{
	struct holdings *h = ctx;
	cip_service_port_info ports[CIP_TABLE_MAX_PORTS];
	cip_service_info info;

	for (unsigned k = 0; k < svc->ncluster_ips; k++) {
		h->ips[svc->cluster_ips[k].family == CIP_FAMILY_IPV6]++;
		h->strays += cip_pool_has(h->d->pool, &svc->cluster_ips[k]) != 1;
	}
	if (cip_table_service_get(h->d->table, svc->ns, svc->name, &info, ports,
				  CIP_TABLE_MAX_PORTS) != 0) {
		return 0; /* deleted meanwhile */
	}
	for (unsigned k = 0; k < svc->nports; k++) {
		if (ports[k].node_port) {
			h->node_ports++;
			h->strays += cip_ports_has(h->d->node_ports, ports[k].node_port) != 1;
		}
	}
	return 0;
}

int demo_agreement(struct demo *d)
{
	struct holdings h = { d, { 0, 0 }, 0, 0 };
	uint64_t used4 = 0, used6 = 0, used_ports = 0;
	int ok;

	cip_table_foreach_service(d->table, count_holdings, &h);
	cip_pool_used(d->pool, CIP_FAMILY_IPV4, &used4);
	cip_pool_used(d->pool, CIP_FAMILY_IPV6, &used6);
	cip_ports_used(d->node_ports, CIP_BAND_ALL, &used_ports);
	ok = h.strays == 0 && h.ips[0] == used4 && h.ips[1] == used6 && h.node_ports == used_ports;
	return demo_check(d, ok,
			  "allocators and table agree: %llu/%llu IPv4, %llu/%llu IPv6 ClusterIPs, "
			  "%llu/%llu node ports (held/allocated), %llu unallocated",
			  (unsigned long long)h.ips[0], (unsigned long long)used4,
			  (unsigned long long)h.ips[1], (unsigned long long)used6,
			  (unsigned long long)h.node_ports, (unsigned long long)used_ports,
			  (unsigned long long)h.strays);
}

/* ------------------------------------------------------------------ */
/* 2. The services table                                              */
/* ------------------------------------------------------------------ */

#define MAX_ROWS 16
#define ENDPOINTS_SHOWN 3

struct row {
	char ns[CIP_NAME_CAP], name[CIP_NAME_CAP];
	char type[16], ips[2 * CIP_ADDR_STRLEN + 8], ports[96], endpoints[160];
};

struct rows {
	struct demo *d;
	struct row row[MAX_ROWS];
	size_t n;
};

static void ports_text(const cip_service_info *svc, const cip_service_port_info *ports, char *buf,
		       size_t cap)
{
	static const char *const protocols[] = { "?", "TCP", "UDP", "SCTP" };
	size_t used = 0;

	snprintf(buf, cap, "<none>");
	for (unsigned k = 0; k < svc->nports && used < cap; k++) {
		const char *proto = protocols[ports[k].protocol <= 3 ? ports[k].protocol : 0];
		const char *sep = k ? "," : "";

		if (ports[k].node_port) {
			used += (size_t)snprintf(buf + used, cap - used, "%s%u:%u/%s", sep,
						 ports[k].port, ports[k].node_port, proto);
		} else {
			used += (size_t)snprintf(buf + used, cap - used, "%s%u/%s", sep,
						 ports[k].port, proto);
		}
	}
}

/* The ready endpoints of every port, as `kubectl get endpoints` shows
 * them: address:port, the first few, then "+ N more...". */
static void endpoints_text(const cip_table *t, const cip_service_info *svc, char *buf, size_t cap)
{
	size_t used = 0, shown = 0, more = 0;

	snprintf(buf, cap, "<none>");
	for (unsigned k = 0; k < svc->nports; k++) {
		cip_endpoint eps[32];
		size_t n = 0;

		if (cip_table_endpoints(t, svc->ns, svc->name, k, eps, 32, &n) != 0) {
			continue;
		}
		for (size_t e = 0; e < n; e++) {
			char a[CIP_ADDR_STRLEN];
			int v6 = eps[e].addr.family == CIP_FAMILY_IPV6;

			if (!(eps[e].conditions & CIP_EP_READY)) {
				continue;
			}
			if (shown == ENDPOINTS_SHOWN) {
				more++;
				continue;
			}
			used += (size_t)snprintf(buf + used, cap - used, "%s%s%s%s:%u",
						 shown ? "," : "", v6 ? "[" : "",
						 demo_addr(&eps[e].addr, a), v6 ? "]" : "",
						 eps[e].port);
			shown++;
		}
	}
	if (more && used < cap) {
		snprintf(buf + used, cap - used, " + %zu more...", more);
	}
}

static int add_row(const cip_service_info *svc, void *ctx)
{
	struct rows *rows = ctx;
	cip_service_port_info ports[8];
	cip_service_info info;
	struct row *r;

	if (rows->n == MAX_ROWS || svc->nports > 8 ||
	    cip_table_service_get(rows->d->table, svc->ns, svc->name, &info, ports, 8) != 0) {
		return 0;
	}
	r = &rows->row[rows->n++];
	snprintf(r->ns, sizeof(r->ns), "%s", svc->ns);
	snprintf(r->name, sizeof(r->name), "%s", svc->name);
	snprintf(r->type, sizeof(r->type), "%s", type_name(svc->type));
	cluster_ips_text(svc, r->ips, sizeof(r->ips));
	ports_text(svc, ports, r->ports, sizeof(r->ports));
	endpoints_text(rows->d->table, svc, r->endpoints, sizeof(r->endpoints));
	return 0;
}

static int row_cmp(const void *x, const void *y)
{
	const struct row *a = x, *b = y;
	int c = strcmp(a->ns, b->ns);

	return c ? c : strcmp(a->name, b->name);
}

static int width(const struct rows *rows, size_t offset, const char *title)
{
	size_t w = strlen(title);

	for (size_t i = 0; i < rows->n; i++) {
		size_t len = strlen((const char *)&rows->row[i] + offset);

		w = len > w ? len : w;
	}
	return (int)w;
}

static void demo_services_table(struct demo *d)
{
	static struct rows rows;
	int w_ns, w_name, w_type, w_ips, w_ports;

	demo_heading("2. Services (kubectl get services, with endpoints)");
	memset(&rows, 0, sizeof(rows));
	rows.d = d;
	cip_table_foreach_service(d->table, add_row, &rows);
	qsort(rows.row, rows.n, sizeof(rows.row[0]), row_cmp);
	w_ns = width(&rows, offsetof(struct row, ns), "NAMESPACE");
	w_name = width(&rows, offsetof(struct row, name), "NAME");
	w_type = width(&rows, offsetof(struct row, type), "TYPE");
	w_ips = width(&rows, offsetof(struct row, ips), "CLUSTER-IP(S)");
	w_ports = width(&rows, offsetof(struct row, ports), "PORT(S)");
	printf("%-*s   %-*s   %-*s   %-*s   %-*s   %s\n", w_ns, "NAMESPACE", w_name, "NAME", w_type,
	       "TYPE", w_ips, "CLUSTER-IP(S)", w_ports, "PORT(S)", "ENDPOINTS");
	for (size_t i = 0; i < rows.n; i++) {
		const struct row *r = &rows.row[i];

		printf("%-*s   %-*s   %-*s   %-*s   %-*s   %s\n", w_ns, r->ns, w_name, r->name,
		       w_type, r->type, w_ips, r->ips, w_ports, r->ports, r->endpoints);
	}
	printf("\n");
	demo_check(d, rows.n == SERVICE_COUNT, "%zu services listed", rows.n);
	demo_agreement(d);
}

/* ------------------------------------------------------------------ */
/* The command                                                        */
/* ------------------------------------------------------------------ */

int cli_cmd_demo(const struct cli_command *self, int argc, char **argv)
{
	struct demo_options o = { { 1000, 10, 2, 3.0 }, 0 };
	struct demo d;
	int rc = parse_options(self, argc, argv, &o);

	if (rc != CLI_CONTINUE) {
		return rc;
	}
	memset(&d, 0, sizeof(d));
	d.seed = o.seed;
	d.now = 1000 * DEMO_SECOND;
	printf("clusterip demo: libclusterip %s\n", cip_version_string());
	rc = world_new(&d);
	if (rc != 0) {
		fprintf(stderr, "%s demo: cannot set up the cluster: %s\n", CLI_PROGRAM,
			cip_strerror(rc));
		world_free(&d);
		return CLI_EXIT_FAIL;
	}
	demo_cluster(&d);
	demo_services_table(&d);
	demo_dns(&d);
	demo_connections(&d);
	if (o.load.seconds > 0) {
		demo_load(&d, &o.load);
	}
	world_free(&d);
	printf("\n%u checks, %u failed: %s\n", d.checks, d.failures,
	       d.failures ? "FAILED" : "all passed");
	return d.failures ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
