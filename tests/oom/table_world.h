/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The table fixture of oom.table and oom.select: a pool, node ports and a
 * table holding a few services of every type with endpoints from pods and
 * from explicit endpoints, some session affinity entries, and a canonical
 * text dump of everything a caller can observe (see world_dump()).
 */
#ifndef CIP_OOM_TABLE_WORLD_H
#define CIP_OOM_TABLE_WORLD_H

#include <clusterip/clusterip.h>

#include "oom.h"

/* Monotonic times, in ns: the fixture is built at T_BUILD, the operations
 * run at NOW, and the dump counts affinity entries at NOW. */
#define T_BUILD 1000000000ULL
#define NOW 2000000000ULL

struct world_cfg {
	const char *name;
	int lb_policy; /* the table's default policy (enum cip_lb_policy) */
	/* The pool's IPv6 range: a dense /116 (0), or a sparse /64 whose
	 * index of allocated words is full and cannot grow, so that every
	 * IPv6 ClusterIP allocation needs memory (STARVED_ALLOCATION), or one
	 * with quarantine whose index of quarantine states is so, so that a
	 * release into quarantine needs memory (STARVED_QUARANTINE). */
	int starved_v6;
};

enum { STARVED_ALLOCATION = 1, STARVED_QUARANTINE = 2 };

struct world {
	const struct world_cfg *cfg;
	cip_pool *pool;
	cip_ports *ports;
	cip_table *t;
	cip_table *made; /* a constructor's result; WORLD_UNTOUCHED until then */
	cip_backend backend;
	size_t n;
};

#define WORLD_UNTOUCHED ((cip_table *)(uintptr_t)0xA5A5A5A5)

/* The fixture (setup of an oom_case whose arg is a struct world_cfg). */
void *world_setup(const void *arg);
void world_teardown(void *fx);

/* The dump of the world's table, pool and node ports, and of what the
 * operation wrote out (snapshot of an oom_case). */
void world_snapshot(void *fx, struct oom_buf *out);

/* The dump of a constructed table, "none" while the out-pointer is
 * untouched. */
void world_snapshot_made(void *fx, struct oom_buf *out);

/* The fixture's services and pods, for operations that change them. */
extern const cip_label world_app_web[1];
extern const cip_label world_app_api[1];
extern const cip_service_port world_web_ports[3];

/* The spec the fixture created @p ns/@p name with; for a name the fixture
 * does not have, an initialised spec with just the name. */
cip_service_spec world_service_spec(const char *ns, const char *name);

#define WORLD_READY (CIP_EP_READY | CIP_EP_SERVING)

struct world_pod {
	const char *ns, *name;
	const char *ip4, *ip6; /* ip6 may be NULL */
	const char *app;       /* the value of its one label, app */
	const char *node, *zone, *hostname;
	unsigned conditions;
	uint32_t weight;
};

/* cip_table_pod_apply() of @p pod, with one port, https 8443/TCP. */
int world_pod_apply(struct world *w, const struct world_pod *pod);

/* Helpers for the operations. */
cip_addr world_addr(const char *text);
uint32_t world_name_id(const struct world *w, const char *name);

#endif /* CIP_OOM_TABLE_WORLD_H */
