/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clusterip demo: a small cluster run end to end through the library (see
 * cmd_demo.c). This header joins its parts: the cluster and its services
 * table (cmd_demo.c), DNS answers and connections (demo_scenes.c), and the
 * load phase (demo_load.c).
 */
#ifndef CLUSTERIP_TOOLS_DEMO_H
#define CLUSTERIP_TOOLS_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include <clusterip/clusterip.h>

#define DEMO_SECOND UINT64_C(1000000000)

/* The demo's world and its tally of checks. */
struct demo {
	cip_pool *pool;
	cip_ports *node_ports;
	cip_table *table;
	cip_prefix cidrs[2]; /* the service CIDRs: IPv4, IPv6 */
	cip_port_range node_port_range;
	uint64_t seed; /* 0: drawn from the OS */
	uint64_t now;  /* the scripted phases' clock, in ns */
	unsigned checks, failures;
};

/* A pod of the embedded cluster. */
struct demo_pod {
	const char *ns, *name;
	const char *label_key, *label_value;
	const char *ipv4, *ipv6; /* NULL: none */
	const char *node, *zone, *hostname;
	unsigned conditions; /* enum cip_endpoint_condition bits */
};

/* The embedded cluster's pods. */
extern const struct demo_pod demo_pods[];
extern const size_t demo_pod_count;

/* The most endpoints the load phase creates in all (services x
 * endpoints): about 1 GB of table. */
#define DEMO_MAX_LOAD_ENDPOINTS 10000000ull

/* Options of the load phase. */
struct demo_load_opts {
	unsigned services;  /* services under load */
	unsigned endpoints; /* endpoints per service */
	unsigned threads;   /* proxy threads */
	double seconds;	    /* how long; 0: no load phase */
};

/*
 * Counts a check and prints it, indented, as "ok    TEXT" or
 * "FAIL  TEXT". Returns @p ok.
 */
int demo_check(struct demo *d, int ok, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/* Prints a phase's heading. */
void demo_heading(const char *title);

/* Formats @p a into @p buf (CIP_ADDR_STRLEN bytes); returns @p buf. */
const char *demo_addr(const cip_addr *a, char *buf);

/* Parses the literal address @p text (known good). */
cip_addr demo_parse(const char *text);

/* The pod of the embedded cluster that has address @p a, or NULL. */
const struct demo_pod *demo_pod_at(const cip_addr *a);

/* Replaces the pod @p pod's conditions in the table. Returns 0 or a
 * CIP_E* code. */
int demo_pod_apply(struct demo *d, const struct demo_pod *pod, unsigned conditions);

/* Checks that the pool and the node ports hold exactly the ClusterIPs and
 * node ports of the table's services. Returns whether they do. */
int demo_agreement(struct demo *d);

/* The phases after the services table. Each records its checks. */
void demo_dns(struct demo *d);
void demo_connections(struct demo *d);

/* The load phase. Returns 0, or -1 when it could not run (a message has
 * been printed and counted as a failed check). */
int demo_load(struct demo *d, const struct demo_load_opts *opts);

#endif /* CLUSTERIP_TOOLS_DEMO_H */
