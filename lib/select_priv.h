/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: the selection state of one service port (see select.h for the
 * policies it serves).
 *
 * A writer builds it with the version that introduces a port's endpoint
 * set; later versions whose endpoints for the port are the same, with the
 * same policy, share it (a count of the versions that hold it, changed
 * only by writers and by reclamation, which runs under the writer lock).
 * So an update that changes nothing for a port keeps its round-robin order
 * and position. Readers reach it through the port's lookup records.
 *
 * What never changes after the build: the endpoints' candidate lists, in
 * the random order of round-robin, grouped the ways kube-proxy filters
 * them (ready; serving and terminating; ready by topology hint; ready and
 * serving-terminating by node, for the Local policy), plus the Maglev table
 * and the weighted schedules. What readers write: the strict round-robin
 * counters (one cache line per list) and the affinity map, which outlives
 * endpoint changes and moves from state to state of the same port.
 */
#ifndef CIP_SELECT_PRIV_H
#define CIP_SELECT_PRIV_H

#include <stdatomic.h>
#include <stdint.h>

#include <clusterip/select.h>

#include "affinity.h"
#include "maglev.h"

/* A list of candidates: endpoint indices in round-robin order. */
struct sel_list {
	const uint32_t *idx;
	uint32_t n;
	uint32_t ordinal;	  /* the list's number in its state */
	uint64_t n_magic;	  /* for counter % n without a division */
	_Atomic uint64_t *cursor; /* strict and weighted round-robin, else NULL */
	const uint32_t *schedule; /* weighted: positions in idx, one period */
	uint32_t schedule_len;
	uint64_t schedule_magic; /* for counter % schedule_len */
};

/* The lists of one grouping (zone hint, node hint, node), by id. */
struct sel_groups {
	uint32_t *ids; /* sorted */
	struct sel_list *lists;
	uint32_t *members; /* the lists' indices, one run per id */
	uint32_t n;
};

/* A ClientIP affinity map, shared by the successive states of a port. */
struct sel_affinity {
	uint32_t refs; /* states that use it (writer) */
	struct cip__affinity *map;
};

struct cip__sel {
	uint32_t refs;	     /* versions that hold it (writer) */
	uint32_t n;	     /* endpoints */
	uint64_t id;	     /* unique in the process: per-thread cursors' key */
	uint64_t generation; /* the service's, when this state was built */
	uint8_t policy;	     /* enum cip_lb_policy, resolved */
	uint8_t local;	     /* internalTrafficPolicy Local */
	uint8_t zone_hinted; /* every ready endpoint has a zone hint */
	uint8_t node_hinted; /* every ready endpoint has a node hint */
	uint8_t family;	     /* the endpoints it chooses from: CIP_FAMILY_IPV4 or _IPV6 */
	/* The affinity map taken over from the previous state still holds
	 * clients of endpoints that left: cip__sel_publish() drops them. */
	uint8_t affinity_stale;
	uint32_t maglev_size;
	uint64_t timeout_ns; /* ClientIP affinity; 0: none */
	cip_endpoint *eps;   /* the endpoints it was built for */
	uint32_t *weights;
	uint64_t *keys;	     /* identity of each endpoint (address, port) */
	uint32_t *key_slots; /* index + 1 by key, open addressing */
	uint32_t key_mask;
	uint32_t nlists;
	struct sel_list ready, terminating;
	struct sel_groups by_zone_hint, by_node_hint, local_ready, local_terminating;
	uint32_t *usable;	       /* ready, then serving-terminating: the lists' indices */
	struct cip__maglev *maglev;    /* over usable */
	_Atomic uint64_t *cursors;     /* nlists, one cache line each */
	struct sel_affinity *affinity; /* NULL without ClientIP affinity */
};

/* What a port's selection state is built with. */
struct cip__sel_config {
	uint8_t policy; /* resolved: never CIP_LB_DEFAULT */
	uint8_t local;
	uint8_t family; /* CIP_FAMILY_IPV4 or _IPV6: the endpoints of that family */
	uint32_t maglev_size;
	uint32_t affinity_capacity;
	uint64_t timeout_ns; /* 0: no affinity */
	uint64_t generation;
};

/*
 * The state for the endpoints of cfg->family among @p n endpoints @p eps
 * (with @p weights) of a port: kube-proxy runs one proxier per family, and
 * each sees only its family's EndpointSlices. @p old itself, one more
 * version holding it, when it was built for the same endpoints of the
 * family at the same positions and the same configuration; else a new one, whose round-robin order
 * is drawn from @p rng and which takes over @p old's affinity map (dropping the clients of
 * endpoints that left once it is published: see cip__sel_publish()). NULL @p *out when the
 * family has no endpoint. Writer only. @return 0; CIP_ENOMEM (nothing changed).
 */
int cip__sel_build(const struct cip__sel_config *cfg, const cip_endpoint *eps,
		   const uint32_t *weights, uint32_t n, struct cip__sel *old, uint64_t *rng,
		   struct cip__sel **out);

/*
 * The version that holds @p s is now what readers see: the affinity map it
 * took over forgets the clients of endpoints that left. Not done by the
 * build, since the map is still the published state's until then, and a
 * write that fails after the build must leave it as it was. Writer only.
 * NULL is fine.
 */
void cip__sel_publish(struct cip__sel *s);

/* One version fewer holds @p s; frees it with the last. Writer only (or
 * reclamation). NULL is fine. */
void cip__sel_release(struct cip__sel *s);

/*
 * Chooses for @p req among @p s's endpoints (the port's lookup record
 * holds them as @p eps); @p vip is the connection's destination address
 * (all zero for a node port). Inside a read section. @return 0;
 * CIP_ENOBACKEND; CIP_EDROP.
 */
int cip__sel_choose(const struct cip__sel *s, const cip_endpoint *eps,
		    const cip_select_request *req, const cip_addr *vip, cip_backend *out);

/* Empties expired affinity entries. @return how many. Any thread. */
size_t cip__sel_expire(const struct cip__sel *s, uint64_t now);
/* Live affinity entries. Any thread. */
size_t cip__sel_affinity_count(const struct cip__sel *s, uint64_t now);

#endif /* CIP_SELECT_PRIV_H */
