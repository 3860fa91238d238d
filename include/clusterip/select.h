/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file select.h
 * @brief Backend selection: what a proxy does with a connection to a
 * ClusterIP or node port.
 *
 * cip_table_select() looks the service port up, keeps the endpoints that
 * kube-proxy would use for this proxy (its `CategorizeEndpoints`: ready
 * endpoints, topology hints, the serving-and-terminating fallback,
 * internalTrafficPolicy Local), applies ClientIP session affinity and then
 * the service's load-balancing policy, and copies the chosen backend out.
 *
 * Families: as kube-proxy runs one proxier per IP family, a connection
 * goes only to endpoints of its own family: the ClusterIP's, or by node
 * port the client's (the family of the node address it reached), or
 * without a client the service's primary family. Each family of a
 * dual-stack service port has its own round-robin order, affinity map and
 * Maglev table; a change of one family's endpoints leaves the other's
 * untouched.
 *
 * Policies (a service's `lb_policy`, else the table's):
 * - **Round-robin** (`CIP_LB_ROUND_ROBIN`, the default): Kubernetes'
 *   semantics. Each list of candidate endpoints is ordered by a random
 *   permutation drawn when the service port's endpoints change; an update
 *   that leaves them unchanged keeps the order and the position. Every
 *   selection takes the next position with one atomic increment of a
 *   counter that all threads share (one cache line per list): a strict
 *   global rotation, at the cost of that line moving between the cores
 *   that select from the same service.
 * - **Per-thread round-robin** (`CIP_LB_ROUND_ROBIN_PER_THREAD`): the same
 *   order, but each thread keeps its own position (in a small per-thread
 *   cache, 256 entries) and writes nothing shared. The spread is
 *   round-robin per thread; each thread starts at a random position. A
 *   thread that selects from more service ports than its cache holds
 *   loses some positions; such a rotation restarts at a random position,
 *   so the spread stays even but is no longer a strict rotation.
 * - **Random** (`CIP_LB_RANDOM`): a uniform choice, as the iptables and
 *   nftables modes make, from a per-thread generator.
 * - **Maglev** (`CIP_LB_MAGLEV`): consistent hashing of the connection's
 *   5-tuple (client address and port, ClusterIP or node port, protocol)
 *   through a Maglev table of the table's `maglev_size` (a prime, default
 *   65537) built by the writer. When one of N endpoints leaves, about 1/N
 *   of the connections move. When the candidates are a subset (topology,
 *   Local, terminating fallback), a slot whose endpoint is not a candidate
 *   passes to the next slot (as IPVS' `mh-fallback` does).
 * - **Weighted round-robin** (`CIP_LB_WEIGHTED_ROUND_ROBIN`): nginx's smooth
 *   weighted round-robin order over the endpoints' weights, precomputed by
 *   the writer (one period, scaled down when it would exceed 65536 picks).
 *
 * **Session affinity** (a service with `CIP_AFFINITY_CLIENT_IP`): a client
 * address keeps its backend while `now - last_used < timeout` (sliding).
 * The map is bounded: `affinity_capacity` entries per service port (table
 * option), in buckets of 4; when a bucket is full its least recently used
 * client is evicted and will be balanced afresh on its next connection.
 * A backend that leaves the service loses its clients. Expired entries are
 * reused as they are met; cip_table_affinity_expire() sweeps them all.
 *
 * Thread-safety: lock-free, like every reader of the table; selections
 * never block writers and writers never block them.
 */
#ifndef CLUSTERIP_SELECT_H
#define CLUSTERIP_SELECT_H

#include <stddef.h>
#include <stdint.h>

#include <clusterip/common.h>
#include <clusterip/addr.h>
#include <clusterip/table.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Load-balancing policies. The values are part of the ABI. */
enum cip_lb_policy {
	CIP_LB_DEFAULT = 0,		   /**< a service: the table's policy */
	CIP_LB_ROUND_ROBIN = 1,		   /**< strict, one shared counter */
	CIP_LB_ROUND_ROBIN_PER_THREAD = 2, /**< each thread rotates on its own */
	CIP_LB_RANDOM = 3,		   /**< uniform */
	CIP_LB_MAGLEV = 4,		   /**< consistent hashing of the 5-tuple */
	CIP_LB_WEIGHTED_ROUND_ROBIN = 5,   /**< nginx's smooth weighted order */
};

/** Which endpoints a backend was chosen from. The values are part of the
 * ABI. */
enum cip_backend_category {
	CIP_CATEGORY_READY = 1,		    /**< the ready endpoints */
	CIP_CATEGORY_SAME_NODE = 2,	    /**< ready, hinted for this node */
	CIP_CATEGORY_SAME_ZONE = 3,	    /**< ready, hinted for this zone */
	CIP_CATEGORY_TERMINATING = 4,	    /**< none ready: serving and terminating */
	CIP_CATEGORY_LOCAL = 5,		    /**< Local policy: ready on this node */
	CIP_CATEGORY_LOCAL_TERMINATING = 6, /**< Local, none ready here: serving and
					     * terminating on this node */
};

/** cip_select_request flags. */
#define CIP_SELECT_NODE_PORT 0x1u /**< `port` is a node port; `vip` is ignored */
/** The client's last connection to its affine backend failed: choose
 * again and make the new choice its affinity (kube-proxy's failover). */
#define CIP_SELECT_RESET_AFFINITY 0x2u

/** cip_backend flags. */
#define CIP_BACKEND_AFFINITY 0x1u /**< chosen by the client's session affinity */

/**
 * One selection's input. A frozen value type (64 bytes); zero the fields
 * you do not use.
 */
typedef struct cip_select_request {
	cip_addr vip;	      /**< the ClusterIP (unless CIP_SELECT_NODE_PORT) */
	uint16_t port;	      /**< the service port, or the node port */
	uint8_t protocol;     /**< enum cip_protocol */
	uint8_t flags;	      /**< CIP_SELECT_* */
	cip_addr client;      /**< the client's address (affinity, Maglev); any
			       * family, all zero for none */
	uint16_t client_port; /**< the client's port (Maglev) */
	uint16_t reserved;    /**< zero */
	uint32_t node;	      /**< this proxy's node: a name id (cip_table_name_id()), 0: none */
	uint32_t zone;	      /**< this proxy's zone: a name id, 0: none */
	uint64_t now;	      /**< monotonic time in ns (affinity) */
} cip_select_request;

/** The chosen backend, copied out. A frozen value type (56 bytes). */
typedef struct cip_backend {
	cip_addr addr;	      /**< the endpoint's address */
	uint16_t port;	      /**< its target port */
	uint8_t category;     /**< enum cip_backend_category */
	uint8_t flags;	      /**< CIP_BACKEND_* */
	uint32_t index;	      /**< the endpoint's position in the port's endpoints,
			       * as cip_table_endpoints() lists them */
	uint32_t node;	      /**< node name id; 0: none */
	uint32_t zone;	      /**< zone id; 0: none */
	uint32_t weight;      /**< its weight (1 unless given) */
	uint32_t reserved[2]; /**< zero */
	uint64_t generation;  /**< the service's generation when this port's
			       * endpoints last changed */
} cip_backend;

/**
 * @brief **cip_table_select()** chooses the backend of one connection.
 * @param t the table.
 * @param req the connection (see cip_select_request).
 * @param out receives the backend; unchanged on failure.
 * @return 0;
 * `CIP_ENOTFOUND`: no service port has this ClusterIP (or node port), port
 * and protocol;
 * `CIP_ENOBACKEND`: the service has no usable endpoint of the
 * connection's family (none ready, none serving and terminating):
 * kube-proxy rejects the connection;
 * `CIP_EDROP`: internalTrafficPolicy Local and this node has no usable
 * endpoint while others have: kube-proxy drops the connection;
 * `CIP_EINVAL`: NULL @p t, @p req or @p out, an invalid `vip` (unless by
 * node port) or `client` (a family other than 0, 4 or 6), a `protocol`
 * that is not an enum cip_protocol, unknown flags, non-zero reserved
 * bytes.
 * @since 0.1
 */
CIP_API int cip_table_select(const cip_table *t, const cip_select_request *req, cip_backend *out);

/**
 * @brief **cip_table_affinity_expire()** empties every expired session
 * affinity entry of every service (they are otherwise reused as they are
 * met). Any thread, concurrently with selections.
 * @param now monotonic time in ns, as given to cip_table_select().
 * @return the entries emptied (capped at INT_MAX); `CIP_EINVAL` for NULL.
 * @since 0.1
 */
CIP_API int cip_table_affinity_expire(cip_table *t, uint64_t now);

/**
 * @brief **cip_table_affinity_count()** counts the live session affinity
 * entries of one service (all its ports), for metrics and tests.
 * @return the count; `CIP_ENOTFOUND`; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_table_affinity_count(const cip_table *t, const char *ns, const char *name,
				     uint64_t now);

#ifdef __cplusplus
}
#endif

#endif /* CLUSTERIP_SELECT_H */
