/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: the inside of cip_table, shared by table.c (life cycle and
 * readers), table_spec.c (validation) and table_write.c (writers).
 *
 * Two worlds. What readers see is immutable once published: a service
 * *version* (struct svc_ver) holds everything a reader copies out — the
 * service, its ports and its endpoints — in one allocation, and a new
 * version replaces it by one release store into the service's *slot*
 * (struct svc_slot, which lives as long as the service). Indexes map names,
 * (VIP, port, protocol) and (node port, protocol) to slots (rmap.h). Old
 * versions, slots and index entries are retired through the table's epoch
 * domain, so a reader that still holds one stays safe.
 *
 * What only writers touch (under the table's writer lock): the specs as
 * given (struct svc_w), the pods, and per-namespace lists of both, from
 * which endpoints are recomputed.
 */
#ifndef CIP_TABLE_PRIV_H
#define CIP_TABLE_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <clusterip/table.h>

#include "epoch.h"
#include "rmap.h"
#include "select_priv.h"

/* ------------------------------------------------------------------ */
/* Interned names                                                     */
/* ------------------------------------------------------------------ */

struct tbl_name {
	uint64_t hash;
	uint32_t id;
	uint32_t len;
	char text[]; /* NUL-terminated */
};

/* The id -> name array; replaced (and the old one retired) when it grows. */
struct tbl_names {
	struct cip__epoch_node node;
	uint32_t capacity;
	struct tbl_name *byid[]; /* [0] unused: id 0 means none */
};

/* ------------------------------------------------------------------ */
/* Reader-visible objects                                             */
/* ------------------------------------------------------------------ */

/* One distinct endpoint address of a version. */
struct ep_addr {
	cip_addr addr;
	uint8_t conditions;
	uint32_t node, zone, hint_zone, hint_node, hostname; /* name ids */
	uint32_t weight;				     /* >= 1 */
};

/* One endpoint of one port: which address, which target port. */
struct ep_ref {
	uint32_t addr;
	uint16_t port;
};

/*
 * A version, one allocation laid out for lookups: this header, the lookup
 * records (see struct ix_entry), the address entries, the arrays the other
 * readers use (first, refs, addrs, ports), then the service's info, which
 * only some readers copy.
 */
struct svc_ver {
	struct cip__epoch_node node;
	cip_service_port_info *ports; /* info->nports */
	uint32_t *first;	      /* nports + 1: port i's refs are [first[i], first[i+1]) */
	struct ep_ref *refs;
	struct ep_addr *addrs;	       /* info->nendpoints */
	struct ix_entry *records;      /* nrecords lookup records, one after the other */
	struct ix_entry *addr_entries; /* naddr_entries address entries */
	cip_service_info *info;
	/* 2 * info->nports: port i's selection states for its IPv4 (2i) and
	 * IPv6 (2i + 1) endpoints, or NULL */
	struct cip__sel **sels;
	struct svc_slot *slot; /* the service, which owns the keys */
	uint32_t nrecords, naddr_entries;
	int reason; /* enum cip_endpoints_reason */
};

struct svc_w;

struct svc_slot {
	struct cip__epoch_node node;
	_Atomic(struct svc_ver *) cur;
	uint64_t hash; /* of ns/name */
	char ns[CIP_NAME_CAP];
	char name[CIP_NAME_CAP];
	struct svc_w *w; /* writer's state; readers never follow it */
};

/* The indexes an entry belongs to. */
enum ix_kind {
	IX_VIP,	      /* (ClusterIP, port, protocol) -> a port; unique keys */
	IX_NODE_PORT, /* (node port, protocol) -> a port; unique keys */
	IX_ADDR,      /* an address (ClusterIP or served headless endpoint), for
		       * PTR; several services may share one */
};

/* Bytes of port names an entry holds; name_len NAMES_ELSEWHERE when the two
 * names do not fit (then they are read from ver->ports). */
#define ENTRY_NAMES 16
#define NAMES_ELSEWHERE UINT8_MAX

/*
 * An entry of an index, inside the version it leads to: one cache line.
 *
 * An entry of the VIP or node-port index starts a *lookup record*: it is
 * 64-byte aligned and the port's endpoints follow it, as the cip_endpoint
 * array a lookup copies out (a port's endpoints are thus stored once per
 * lookup key: at most twice plus once per node port). The entry holds the
 * rest of what the lookup returns, short port names included, so that a
 * lookup reads the index slot and then one block that starts at the
 * entry: with 3 endpoints, 3 cache lines, which it can ask for at once.
 */
struct ix_entry {
	cip_addr vip;	     /* all zero in the node-port index */
	uint16_t port;	     /* the key's port: the service port, or the node port */
	uint8_t protocol;    /* enum cip_protocol */
	uint8_t kind;	     /* enum ix_kind */
	uint32_t port_index; /* IX_ADDR: the endpoint's index, or UINT32_MAX for a ClusterIP */
	uint32_t neps;	     /* lookup records: the endpoints that follow */
	struct svc_ver *ver;
	uint16_t svc_port, target_port, node_port; /* as in cip_service_port_info */
	uint8_t name_len, target_len;		   /* of the names, in names[] */
	char names[ENTRY_NAMES];		   /* the name, then the target port
						    * name, then zeros */
};

/* Endpoint @p a as readers copy it out, for a port that reaches it on
 * @p port. */
static inline cip_endpoint cip__endpoint_of(const struct ep_addr *a, uint16_t port)
{
	return (cip_endpoint){ .addr = a->addr,
			       .port = port,
			       .conditions = a->conditions,
			       .node = a->node,
			       .zone = a->zone,
			       .hint_zone = a->hint_zone,
			       .hint_node = a->hint_node };
}

/* The endpoints of the lookup record that @p e starts. */
static inline const cip_endpoint *cip__record_eps(const struct ix_entry *e)
{
	return (const cip_endpoint *)(const void *)(e + 1);
}

/* Where v->sels keeps the state of port @p i for @p family. */
static inline size_t cip__sel_slot(size_t i, int family)
{
	return 2 * i + (family == CIP_FAMILY_IPV6);
}

/* The selection state for @p family of the port of the lookup record
 * @p e: both families' are stored right after its endpoints, in the lines
 * a lookup already reads. */
static inline struct cip__sel *cip__record_sel(const struct ix_entry *e, int family)
{
	struct cip__sel *const *p =
		(struct cip__sel *const *)(const void *)(cip__record_eps(e) + e->neps);

	return p[family == CIP_FAMILY_IPV6];
}

/* The size of the lookup record that @p e starts, a multiple of 64. */
static inline size_t cip__record_size(uint32_t neps)
{
	return sizeof(struct ix_entry) +
	       ((neps * sizeof(cip_endpoint) + 2 * sizeof(struct cip__sel *) + 63) & ~(size_t)63);
}

/* ------------------------------------------------------------------ */
/* Writer-only state                                                  */
/* ------------------------------------------------------------------ */

struct w_port {
	char name[CIP_NAME_CAP];
	char target_name[CIP_NAME_CAP];
	uint8_t protocol;
	uint16_t port, target_port, node_port;
};

struct w_label {
	char *key;
	char *value;
};

/* An explicit endpoint of a service without a selector. */
struct w_endpoint {
	cip_addr addr;
	uint8_t conditions;
	uint32_t node, zone, hint_zone, hint_node, hostname, weight;
};

struct w_named_port {
	char name[CIP_NAME_CAP];
	uint8_t protocol;
	uint16_t port;
};

struct svc_w {
	struct svc_slot *slot;
	uint8_t type, headless, policy, affinity, traffic, publish_not_ready, distribution;
	uint8_t lb_policy; /* enum cip_lb_policy; CIP_LB_DEFAULT: the table's */
	uint32_t timeout;
	char external_name[CIP_SUBDOMAIN_CAP];
	cip_addr ips[2];
	size_t nips;
	struct w_port *ports;
	size_t nports;
	struct w_label *selector;
	size_t nselector;
	struct w_endpoint *eps; /* explicit endpoints */
	size_t neps;
	struct w_named_port *ep_ports;
	size_t nep_ports;
	uint64_t generation;
	struct svc_w *prev, *next; /* the namespace's services */
	struct ns_w *ns;
	struct term_w *term;		     /* its selector's first term, if any */
	struct svc_w *term_prev, *term_next; /* the term's services */
	uint64_t stamp;			     /* visited by the current refresh */
};

/* The services of a namespace whose selector's first term is key=value:
 * the only ones that a pod carrying that label can match (all of a
 * selector's terms must match), so a pod change looks at the services of
 * its labels' terms instead of every service of the namespace. */
struct term_w {
	uint64_t hash;
	struct ns_w *ns;
	char *key;
	char *value;
	struct svc_w *services;
};

struct pod_w {
	char name[CIP_SUBDOMAIN_CAP];
	cip_addr ips[2];
	size_t nips;
	struct w_label *labels;
	size_t nlabels;
	struct w_named_port *ports;
	size_t nports;
	uint32_t node, zone, hostname, weight;
	uint8_t conditions;
	struct pod_w *prev, *next; /* the namespace's pods */
	struct ns_w *ns;
	uint64_t hash;
};

/* A namespace: its services and pods, for endpoint computation. */
struct ns_w {
	uint64_t hash;
	char name[CIP_NAME_CAP];
	struct svc_w *services;
	struct pod_w *pods;
};

struct cip_table {
	struct cip__epoch epoch;
	pthread_mutex_t lock;	  /* serializes writers */
	struct cip__rmap by_name; /* svc_slot by ns/name */
	struct cip__rmap by_vip;  /* ix_entry by (vip, port, protocol) */
	struct cip__rmap by_node_port;
	struct cip__rmap by_addr; /* ix_entry (IX_ADDR) by address, for PTR */
	struct cip__rmap names;	  /* tbl_name by text */
	_Atomic(struct tbl_names *) byid;
	_Atomic uint32_t nnames;     /* ids 1..nnames are valid */
	uint32_t npending;	     /* and nnames + 1.. are the current write's (writer) */
	struct cip__rmap namespaces; /* ns_w by name (writer) */
	struct cip__rmap pods;	     /* pod_w by ns/name (writer) */
	struct cip__rmap terms;	     /* term_w by namespace and key=value (writer) */
	uint64_t stamp;		     /* the last refresh's visit stamp (writer) */
	_Atomic uint64_t generation;
	_Atomic uint64_t seq; /* odd while a writer works (see write_begin()) */
	char domain[CIP_SUBDOMAIN_CAP];
	cip_pool *pool;
	cip_ports *node_ports;
	int primary_family;
	uint8_t lb_policy;	    /* services' default */
	uint32_t maglev_size;	    /* a prime */
	uint32_t affinity_capacity; /* entries per service port */
	uint64_t rng;		    /* round-robin orders (writer) */
};

/* ------------------------------------------------------------------ */
/* Shared helpers                                                     */
/* ------------------------------------------------------------------ */

uint64_t cip__table_key_hash(const char *ns, const char *name);
/* A read section of the table's epoch domain (every reader call is one). */
unsigned cip__table_enter(const cip_table *t);
void cip__table_leave(const cip_table *t, unsigned token);
/* The interned name of @p id, or NULL (inside a read section). */
const struct tbl_name *cip__table_name_of(const cip_table *t, uint32_t id);
/* The slot of ns/name, or NULL (readers inside a read section, or the
 * writer). */
struct svc_slot *cip__table_slot(const cip_table *t, const char *ns, const char *name);
/* Whether index entry @p value has the key of the entry @p key. */
int cip__table_entry_has_key(const void *value, const void *key);
/* The hash @p e is indexed under. */
uint64_t cip__table_entry_hash(const struct ix_entry *e);
/* The hash of an address-index key. */
uint64_t cip__table_addr_hash(const cip_addr *a);
/* The id of @p text, interning it (writer); 0 for NULL or "". A new name
 * stays pending, invisible to readers, until the write calls
 * cip__table_names_commit() (before it publishes anything that carries
 * the id), or cip__table_names_abort() when it fails. @return 0;
 * CIP_ENOMEM. */
int cip__table_intern(cip_table *t, const char *text, uint32_t *id);
void cip__table_names_commit(cip_table *t);
void cip__table_names_abort(cip_table *t);
/* Frees a service's slot, current version and writer state at once (table
 * teardown: no reader, no allocator release). */
void cip__table_service_destroy(struct svc_slot *slot);
void cip__table_pod_destroy(struct pod_w *pod);
void cip__table_term_destroy(struct term_w *term);
uint64_t cip__table_vip_hash(const cip_addr *vip, uint16_t port, int protocol);

/* Spec validation (table_spec.c): 0, or CIP_ESPEC / CIP_EINVAL with @p err
 * filled. */
int cip__table_check_service(const cip_table *t, const cip_service_spec *s, cip_spec_error *err);
int cip__table_check_pod(const cip_pod_spec *s, cip_spec_error *err);
int cip__table_check_endpoints(const cip_endpoint_spec *eps, size_t neps,
			       const cip_named_port *ports, size_t nports, cip_spec_error *err);
/* Records an error in @p err (if not NULL and large enough); returns @p code. */
int cip__table_fail(cip_spec_error *err, int code, int field, size_t index, size_t offset,
		    const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 6, 7)))
#endif
	;

#endif /* CIP_TABLE_PRIV_H */
