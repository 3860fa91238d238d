/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file table.h
 * @brief cip_table: Kubernetes Services, the pods they select and their
 * endpoints, with lock-free lookups by VIP, node port and name.
 *
 * Thread-safety: readers are *lock-free* — cip_table_lookup(),
 * cip_table_lookup_node_port(), cip_table_lookup_batch(), cip_table_service_get(),
 * cip_table_foreach_service(), cip_table_endpoints(),
 * cip_table_endpoints_reason(), cip_table_generation(),
 * cip_table_dns_resolve(), cip_table_name_id() and cip_table_name() never block and never take a
 * lock, from any thread, while writers update. Writers (every function that
 * changes the table) are *serialized*: any thread may call them at any time;
 * they take an internal lock among themselves and never make a reader wait.
 * cip_table_free() is caller-synchronized with everything.
 *
 * Each reader call is one complete read section: it sees one state of the
 * table that existed during the call (for one service, all of its fields
 * and endpoints come from the same version) and copies the result out.
 * Nothing returned points into the table's memory. Memory of old versions
 * is reclaimed once no reader can still see it; no thread registration is
 * needed.
 *
 * Validation follows the Kubernetes API (see cip_service_spec): an invalid
 * spec returns `CIP_ESPEC`, names the field in a cip_spec_error, and
 * changes nothing. A write that fails for any reason changes nothing,
 * allocators included.
 *
 * Strings passed in are `NUL`-terminated and copied; the caller keeps
 * ownership. Node and zone names are *interned*: endpoints carry small
 * integer ids, which cip_table_name() turns back into text and
 * cip_table_name_id() finds for a name. An id never changes meaning for the
 * life of the table; 0 means "none".
 */
#ifndef CLUSTERIP_TABLE_H
#define CLUSTERIP_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include <clusterip/addr.h>
#include <clusterip/common.h>
#include <clusterip/pool.h>
#include <clusterip/ports.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A table of services, pods and endpoints (opaque). */
typedef struct cip_table cip_table;

/** Buffer capacity, NUL included, of a namespace, service, port or pod name. */
#define CIP_NAME_CAP 64
/** Buffer capacity, NUL included, of a DNS subdomain (ExternalName, node). */
#define CIP_SUBDOMAIN_CAP 254

/** Port protocols. The values are part of the ABI. */
enum cip_protocol {
	CIP_PROTO_TCP = 1,
	CIP_PROTO_UDP = 2,
	CIP_PROTO_SCTP = 3,
};

/** Service types. The values are part of the ABI. */
enum cip_service_type {
	CIP_SERVICE_CLUSTER_IP = 1,
	CIP_SERVICE_NODE_PORT = 2,
	CIP_SERVICE_LOAD_BALANCER = 3,
	CIP_SERVICE_EXTERNAL_NAME = 4,
};

/** Session affinity. The values are part of the ABI. */
enum cip_session_affinity {
	CIP_AFFINITY_NONE = 1,
	CIP_AFFINITY_CLIENT_IP = 2,
};

/** internalTrafficPolicy. The values are part of the ABI. */
enum cip_traffic_policy {
	CIP_TRAFFIC_CLUSTER = 1,
	CIP_TRAFFIC_LOCAL = 2,
};

/**
 * trafficDistribution: which topology hints the endpoints of a service's
 * pods carry, as the EndpointSlice controller sets them. The values are
 * part of the ABI.
 */
enum cip_traffic_distribution {
	CIP_DISTRIBUTION_NONE = 0,	/**< no hints */
	CIP_DISTRIBUTION_SAME_ZONE = 1, /**< PreferSameZone (PreferClose): forZones = own zone */
	CIP_DISTRIBUTION_SAME_NODE = 2, /**< PreferSameNode: forNodes = own node, forZones too */
};

/** Endpoint conditions (EndpointSlice), a bit set. Part of the ABI. */
enum cip_endpoint_condition {
	CIP_EP_READY = 1u << 0,
	CIP_EP_SERVING = 1u << 1,
	CIP_EP_TERMINATING = 1u << 2,
};

/** Kubernetes' default and largest ClientIP affinity timeout, in seconds. */
#define CIP_AFFINITY_TIMEOUT_DEFAULT 10800
#define CIP_AFFINITY_TIMEOUT_MAX 86400

/** A label or selector term, key=value. A frozen value type. */
typedef struct cip_label {
	const char *key;   /**< a qualified name: [prefix/]name */
	const char *value; /**< a label value; "" is allowed */
} cip_label;

/** A named port of a pod's containers, or of a set of explicit endpoints.
 * A frozen value type. */
typedef struct cip_named_port {
	const char *name; /**< an IANA service name; NULL or "" for none */
	int protocol;	  /**< enum cip_protocol */
	uint16_t port;	  /**< 1..65535 */
} cip_named_port;

/** One port of a Service. A frozen value type. */
typedef struct cip_service_port {
	/** A DNS-1123 label; required and unique when there is more than one
	 * port; NULL or "" for none. */
	const char *name;
	int protocol;  /**< enum cip_protocol; 0 means TCP, as the API defaults */
	uint16_t port; /**< 1..65535; (protocol, port) unique in the service */
	/** The number to forward to; 0: the same as `port` (unless
	 * target_port_name is set). */
	uint16_t target_port;
	/** A container port name (IANA service name) resolved per pod, instead
	 * of target_port; NULL for a number. */
	const char *target_port_name;
	/** NodePort and LoadBalancer services: the node port, or 0 to allocate
	 * one from the table's cip_ports. Must be 0 for other types. */
	uint16_t node_port;
} cip_service_port;

/**
 * A Service, as cip_table_service_create() and cip_table_service_update()
 * take it. Initialise with cip_service_spec_init(); every field that is 0
 * takes the Kubernetes default. Validated as the Kubernetes API does:
 * - `name`: a DNS-1035 label; `ns`: a DNS-1123 label;
 * - ports: 1..65535, TCP/UDP/SCTP, names as in cip_service_port, target
 *   ports a number or an IANA service name; none only for headless and
 *   ExternalName services;
 * - ClusterIPs: at most two, of different families; headless (`headless`)
 *   only for type ClusterIP; none for ExternalName;
 * - ipFamilyPolicy: SingleStack with two ClusterIPs is an error;
 * - ClientIP affinity: 0 < timeout <= 86400 (0 means 10800);
 * - ExternalName: `external_name` a DNS-1123 subdomain (one trailing dot
 *   allowed), no ports required, no selector use;
 * - selector terms: qualified-name keys, label values.
 */
typedef struct cip_service_spec {
	size_t sz;			 /**< sizeof(cip_service_spec) */
	const char *ns;			 /**< namespace */
	const char *name;		 /**< service name */
	int type;			 /**< enum cip_service_type; 0: ClusterIP */
	const cip_service_port *ports;	 /**< nports ports */
	size_t nports;			 /**< 0..CIP_TABLE_MAX_PORTS */
	const cip_label *selector;	 /**< nselector terms; none: no selector */
	size_t nselector;		 /**< 0..CIP_TABLE_MAX_LABELS */
	int headless;			 /**< clusterIP "None" */
	const cip_addr *cluster_ips;	 /**< requested ClusterIPs; none: allocate */
	size_t ncluster_ips;		 /**< 0..2 */
	int ip_family_policy;		 /**< enum cip_ip_family_policy; 0: SingleStack */
	int session_affinity;		 /**< enum cip_session_affinity; 0: None */
	uint32_t affinity_timeout;	 /**< seconds; 0: 10800 */
	int internal_traffic_policy;	 /**< enum cip_traffic_policy; 0: Cluster */
	const char *external_name;	 /**< ExternalName services only */
	int publish_not_ready_addresses; /**< endpoints count as ready for DNS */
	/** enum cip_traffic_distribution: hints of endpoints from pods. */
	int traffic_distribution;
	/** enum cip_lb_policy (select.h); 0: the table's `lb_policy`. */
	int lb_policy;
} cip_service_spec;

/** Limits of one spec. */
#define CIP_TABLE_MAX_PORTS 256
#define CIP_TABLE_MAX_LABELS 64

/** A pod, as cip_table_pod_apply() takes it. Initialise with
 * cip_pod_spec_init(). */
typedef struct cip_pod_spec {
	size_t sz;		     /**< sizeof(cip_pod_spec) */
	const char *ns;		     /**< namespace, a DNS-1123 label */
	const char *name;	     /**< pod name, a DNS-1123 subdomain */
	const cip_addr *ips;	     /**< 0..2 pod IPs of different families */
	size_t nips;		     /**< a pod with none has no endpoint */
	const cip_label *labels;     /**< nlabels labels, keys unique */
	size_t nlabels;		     /**< 0..CIP_TABLE_MAX_LABELS */
	const char *node_name;	     /**< NULL: none; a DNS-1123 subdomain */
	const char *zone;	     /**< NULL: none; a label value */
	const char *hostname;	     /**< NULL: none; a DNS-1123 label */
	const cip_named_port *ports; /**< container ports, by name for targetPort */
	size_t nports;		     /**< 0..CIP_TABLE_MAX_PORTS */
	unsigned conditions;	     /**< enum cip_endpoint_condition bits */
	uint32_t weight;	     /**< weighted round-robin; 0: 1 */
} cip_pod_spec;

/** One explicit endpoint of a service without a selector (as an
 * EndpointSlice carries it). A frozen value type. */
typedef struct cip_endpoint_spec {
	cip_addr addr;	       /**< the address */
	unsigned conditions;   /**< enum cip_endpoint_condition bits */
	const char *node_name; /**< NULL: none */
	const char *zone;      /**< NULL: none */
	const char *hostname;  /**< NULL: none (DNS-1123 label) */
	const char *hint_zone; /**< topology hint forZones; NULL: none */
	const char *hint_node; /**< topology hint forNodes; NULL: none */
	uint32_t weight;       /**< weighted round-robin; 0: 1 */
	uint32_t reserved;     /**< zero */
} cip_endpoint_spec;

/**
 * One endpoint for one service port, copied out by the readers. A frozen
 * value type (40 bytes). Names are interned ids (see the top of the file).
 */
typedef struct cip_endpoint {
	cip_addr addr;	    /**< the backend address */
	uint16_t port;	    /**< the target port for the service port asked for */
	uint8_t conditions; /**< enum cip_endpoint_condition bits */
	uint8_t reserved;   /**< zero */
	uint32_t node;	    /**< node name id; 0: none */
	uint32_t zone;	    /**< zone id; 0: none */
	uint32_t hint_zone; /**< topology hint: zone id; 0: none */
	uint32_t hint_node; /**< topology hint: node name id; 0: none */
} cip_endpoint;

/** A Service as the readers copy it out. A frozen value type. */
typedef struct cip_service_info {
	char ns[CIP_NAME_CAP];		       /**< namespace */
	char name[CIP_NAME_CAP];	       /**< name */
	char external_name[CIP_SUBDOMAIN_CAP]; /**< ExternalName; "" otherwise */
	uint8_t type;			       /**< enum cip_service_type */
	uint8_t headless;		       /**< 1 for clusterIP "None" */
	uint8_t ncluster_ips;		       /**< 0..2 */
	uint8_t has_selector;		       /**< endpoints come from pods */
	cip_addr cluster_ips[2];	       /**< the ClusterIPs, primary first */
	uint8_t ip_family_policy;	       /**< enum cip_ip_family_policy */
	uint8_t session_affinity;	       /**< enum cip_session_affinity */
	uint8_t internal_traffic_policy;       /**< enum cip_traffic_policy */
	uint8_t publish_not_ready_addresses;   /**< as in the spec */
	uint8_t traffic_distribution;	       /**< enum cip_traffic_distribution */
	uint8_t reserved;		       /**< zero */
	uint32_t affinity_timeout;	       /**< seconds (ClientIP) */
	uint32_t nports;		       /**< ports of the service */
	uint32_t nendpoints;		       /**< distinct endpoint addresses */
	uint64_t generation;		       /**< changes with every change */
} cip_service_info;

/** One port of a Service as the readers copy it out. A frozen value type. */
typedef struct cip_service_port_info {
	char name[CIP_NAME_CAP];	     /**< "" for none */
	char target_port_name[CIP_NAME_CAP]; /**< "" for a number */
	uint16_t port;			     /**< the service port */
	uint16_t target_port;		     /**< 0 when by name */
	uint16_t node_port;		     /**< 0 for none */
	uint8_t protocol;		     /**< enum cip_protocol */
	uint8_t reserved;		     /**< zero */
	uint32_t nendpoints;		     /**< endpoints for this port */
	uint32_t index;			     /**< position in the spec's ports */
} cip_service_port_info;

/** Fields named by cip_spec_error. The values are part of the ABI. */
enum cip_spec_field {
	CIP_FIELD_NONE = 0,
	CIP_FIELD_NAMESPACE = 1,
	CIP_FIELD_NAME = 2,
	CIP_FIELD_TYPE = 3,
	CIP_FIELD_PORTS = 4,
	CIP_FIELD_PORT_NAME = 5,
	CIP_FIELD_PORT_PROTOCOL = 6,
	CIP_FIELD_PORT = 7,
	CIP_FIELD_TARGET_PORT = 8,
	CIP_FIELD_NODE_PORT = 9,
	CIP_FIELD_SELECTOR = 10,
	CIP_FIELD_CLUSTER_IPS = 11,
	CIP_FIELD_IP_FAMILY_POLICY = 12,
	CIP_FIELD_SESSION_AFFINITY = 13,
	CIP_FIELD_AFFINITY_TIMEOUT = 14,
	CIP_FIELD_TRAFFIC_POLICY = 15,
	CIP_FIELD_EXTERNAL_NAME = 16,
	CIP_FIELD_LABELS = 17,
	CIP_FIELD_POD_IPS = 18,
	CIP_FIELD_NODE_NAME = 19,
	CIP_FIELD_ZONE = 20,
	CIP_FIELD_HOSTNAME = 21,
	CIP_FIELD_CONDITIONS = 22,
	CIP_FIELD_ENDPOINTS = 23,
	CIP_FIELD_ENDPOINT_ADDRESS = 24,
	CIP_FIELD_TRAFFIC_DISTRIBUTION = 25,
	CIP_FIELD_LB_POLICY = 26,
	CIP_FIELD_WEIGHT = 27,
};

/**
 * What was wrong with a spec. Pass one to the writers to learn which field
 * failed; NULL is allowed. Set `sz` to sizeof(cip_spec_error): one with a
 * smaller `sz` is left alone, as NULL would be, and of a larger one only
 * the fields this version knows are written.
 */
typedef struct cip_spec_error {
	size_t sz;	   /**< set by the caller: sizeof(cip_spec_error) */
	int code;	   /**< the CIP_E* code the call returned */
	int field;	   /**< enum cip_spec_field */
	size_t index;	   /**< which port, label, address or endpoint */
	size_t offset;	   /**< byte offset of the first bad byte in a text */
	char message[160]; /**< e.g. "spec.ports[1].name: Duplicate value" */
} cip_spec_error;

/** Why a service has no endpoints (cip_table_endpoints_reason()). The values
 * are part of the ABI. */
enum cip_endpoints_reason {
	CIP_EPS_OK = 0,		     /**< it has ready endpoints */
	CIP_EPS_NO_SELECTOR = 1,     /**< no selector and no explicit endpoints */
	CIP_EPS_NO_MATCHING_POD = 2, /**< no pod carries every selector term */
	CIP_EPS_NO_POD_IP = 3,	     /**< matching pods have no IP yet */
	CIP_EPS_NO_NAMED_PORT = 4,   /**< no matching pod has the named target port */
	CIP_EPS_NONE_READY = 5,	     /**< endpoints exist but none is ready */
	CIP_EPS_EXTERNAL_NAME = 6,   /**< ExternalName services have none */
};

/** Options of cip_table_new(). Initialise with cip_table_opts_init(). */
typedef struct cip_table_opts {
	size_t sz; /**< sizeof(cip_table_opts), set by the caller */
	/** The cluster domain; NULL: "cluster.local". */
	const char *cluster_domain;
	/** Where ClusterIPs come from; NULL: requested ClusterIPs are taken as
	 * they are and services without one are refused. Borrowed: it must
	 * outlive the table. */
	cip_pool *pool;
	/** Where node ports come from; NULL: requested ones are taken as they
	 * are and NodePort services without them are refused. Borrowed. */
	cip_ports *node_ports;
	/** The cluster's primary family (CIP_FAMILY_IPV4 or _IPV6); 0: IPv4. */
	int primary_family;
	/** Services' load-balancing policy (enum cip_lb_policy in select.h);
	 * 0: CIP_LB_ROUND_ROBIN. */
	int lb_policy;
	/** Maglev table size, a prime up to 16777259; 0: 65537. */
	uint32_t maglev_size;
	/** ClientIP affinity entries per service port (rounded up to a power
	 * of two, up to 2^20); 0: 1024. */
	uint32_t affinity_capacity;
	/** Seed of the round-robin orders; 0: drawn from the OS. */
	uint64_t seed;
} cip_table_opts;

/**
 * @brief **cip_table_opts_init()** fills @p opts with the defaults.
 * @param sz sizeof(*opts) as the caller knows it.
 * @return 0; `CIP_EINVAL` for NULL or a size smaller than the first member
 * or above `PTRDIFF_MAX`.
 * @since 0.1
 */
CIP_API int cip_table_opts_init(cip_table_opts *opts, size_t sz);

/**
 * @brief **cip_service_spec_init()** zeroes @p spec and sets `sz`.
 * @return 0; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_service_spec_init(cip_service_spec *spec, size_t sz);

/**
 * @brief **cip_pod_spec_init()** zeroes @p spec and sets `sz`.
 * @return 0; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_pod_spec_init(cip_pod_spec *spec, size_t sz);

/**
 * @brief **cip_table_new()** creates an empty table.
 * @param out receives the table; unchanged on failure.
 * @param opts NULL for the defaults.
 * @return 0; `CIP_EINVAL` (NULL @p out, bad options, a cluster domain that
 * is not a DNS subdomain, unknown family); `CIP_ENOMEM`.
 * @since 0.1
 */
CIP_API int cip_table_new(cip_table **out, const cip_table_opts *opts);

/**
 * @brief **cip_table_free()** frees the table. It does not release the
 * ClusterIPs and node ports its services hold (the pool may be persisted
 * with them). NULL-safe.
 * @since 0.1
 */
CIP_API void cip_table_free(cip_table *t);

/**
 * @brief **cip_table_service_create()** adds a service.
 *
 * ClusterIPs: requested ones are allocated specifically from the pool (a
 * taken one gives `CIP_EALLOCATED`, one outside every range `CIP_ERANGE`);
 * without any, a non-headless, non-ExternalName service gets them from the
 * pool by its ipFamilyPolicy (cip_pool_allocate_pair()). Node ports: the
 * same with the table's cip_ports. If anything fails, everything this call
 * allocated is released again (without quarantine) and nothing changes.
 *
 * @param now monotonic time in ns, for the allocators' quarantine.
 * @param err NULL, or receives what was wrong.
 * @return 0; `CIP_ESPEC` (invalid spec: see @p err); `CIP_EEXIST`;
 * `CIP_EALLOCATED`; `CIP_ERANGE`; `CIP_EFULL`; `CIP_EFAMILY` (the pool has
 * no range of a needed family); `CIP_EUNSUPPORTED` (an allocation is
 * needed and the table has no pool or no cip_ports); `CIP_EINVAL`;
 * `CIP_ENOMEM`.
 * @since 0.1
 */
CIP_API int cip_table_service_create(cip_table *t, const cip_service_spec *spec, uint64_t now,
				     cip_spec_error *err);

/**
 * @brief **cip_table_service_update()** replaces a service's spec.
 *
 * The ClusterIPs stay: a spec that requests ClusterIPs must request the
 * ones the service has (the primary is immutable, as in Kubernetes; a
 * secondary may be added by PreferDualStack or RequireDualStack, or dropped
 * by SingleStack). Node ports of ports that stay keep their numbers unless
 * the spec names others; ports that go release theirs. Endpoints are
 * recomputed. What the service no longer holds is released as
 * cip_table_service_delete() releases it.
 * @return as cip_table_service_create(), with `CIP_ENOTFOUND` for a service
 * that does not exist and `CIP_ESPEC` for an attempt to change what cannot
 * change.
 * @since 0.1
 */
CIP_API int cip_table_service_update(cip_table *t, const cip_service_spec *spec, uint64_t now,
				     cip_spec_error *err);

/**
 * @brief **cip_table_service_delete()** removes a service and releases its
 * ClusterIPs and node ports (into the allocators' quarantine, at @p now).
 * A ClusterIP whose quarantine cannot be recorded for want of memory (the
 * quarantine of a range too large for a dense bitmap allocates as it
 * grows) is released at once instead, without quarantine, rather than
 * left allocated with no service holding it.
 * @return 0; `CIP_ENOTFOUND`; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_table_service_delete(cip_table *t, const char *ns, const char *name, uint64_t now);

/**
 * @brief **cip_table_pod_apply()** adds a pod or replaces it (same
 * namespace and name), and updates the endpoints of every service that
 * selected it before or selects it now.
 * @return 0; `CIP_ESPEC`; `CIP_EINVAL`; `CIP_ENOMEM`.
 * @since 0.1
 */
CIP_API int cip_table_pod_apply(cip_table *t, const cip_pod_spec *spec, cip_spec_error *err);

/**
 * @brief **cip_table_pod_delete()** removes a pod and its endpoints.
 * @return 0; `CIP_ENOTFOUND`; `CIP_EINVAL`; `CIP_ENOMEM` (the services that
 * selected it are rebuilt; nothing changed).
 * @since 0.1
 */
CIP_API int cip_table_pod_delete(cip_table *t, const char *ns, const char *name);

/**
 * @brief **cip_table_endpoints_set()** sets the endpoints of a service that
 * has no selector (what manual EndpointSlices do), replacing the previous
 * ones. @p ports are the slice's ports: a service port's endpoints use the
 * endpoint port whose name equals the service port's name (the only one
 * when both are unnamed).
 * @param eps @p neps endpoints (0 clears them); addresses unique.
 * @return 0; `CIP_ENOTFOUND`; `CIP_ESPEC` (invalid endpoint, more than
 * CIP_TABLE_MAX_PORTS @p ports, or the service has a selector: field
 * CIP_FIELD_SELECTOR); `CIP_EINVAL`; `CIP_ENOMEM`.
 * @since 0.1
 */
CIP_API int cip_table_endpoints_set(cip_table *t, const char *ns, const char *name,
				    const cip_endpoint_spec *eps, size_t neps,
				    const cip_named_port *ports, size_t nports,
				    cip_spec_error *err);

/**
 * @brief **cip_table_lookup()** finds the service port at (@p vip, @p port,
 * @p protocol) and copies out the service, the port and its endpoints, all
 * of one version.
 * @param svc NULL, or receives the service.
 * @param port_info NULL, or receives the port.
 * @param eps receives the endpoints when @p cap suffices; may be NULL when
 * @p cap is 0.
 * @param n receives the number of endpoints (also on `CIP_EBUFSIZE`).
 * @return 0; `CIP_ENOTFOUND`; `CIP_EBUFSIZE` (nothing copied to @p eps;
 * @p svc and @p port_info are filled); `CIP_EINVAL` (NULL @p t, @p vip or
 * @p n, an invalid @p vip, NULL @p eps with @p cap above 0, a @p protocol
 * that is not an enum cip_protocol).
 * @since 0.1
 */
CIP_API int cip_table_lookup(const cip_table *t, const cip_addr *vip, uint16_t port, int protocol,
			     cip_service_info *svc, cip_service_port_info *port_info,
			     cip_endpoint *eps, size_t cap, size_t *n);

/**
 * @brief **cip_table_lookup_node_port()** is cip_table_lookup() by node port.
 * @since 0.1
 */
CIP_API int cip_table_lookup_node_port(const cip_table *t, uint16_t node_port, int protocol,
				       cip_service_info *svc, cip_service_port_info *port_info,
				       cip_endpoint *eps, size_t cap, size_t *n);

/** cip_lookup.flags: look up by node port (cip_table_lookup_node_port()). */
#define CIP_LOOKUP_NODE_PORT 1u

/**
 * One lookup of a batch (cip_table_lookup_batch()): the arguments of a
 * cip_table_lookup() call and its results. A frozen value type.
 */
typedef struct cip_lookup {
	cip_addr vip;			  /**< in: the ClusterIP; ignored by node port */
	uint16_t port;			  /**< in: the service port, or the node port */
	uint8_t protocol;		  /**< in: enum cip_protocol */
	uint8_t flags;			  /**< in: 0 or CIP_LOOKUP_NODE_PORT */
	int32_t rc;			  /**< out: what cip_table_lookup() returns */
	cip_service_info *svc;		  /**< in: NULL, or receives the service */
	cip_service_port_info *port_info; /**< in: NULL, or receives the port */
	cip_endpoint *eps;		  /**< in: receives the endpoints */
	size_t cap;			  /**< in: room in eps (eps may be NULL if 0) */
	size_t n;			  /**< out: the number of endpoints; 0 on other errors */
} cip_lookup;

/**
 * @brief **cip_table_lookup_batch()** makes @p count lookups at once, each
 * as cip_table_lookup() (or cip_table_lookup_node_port() with
 * CIP_LOOKUP_NODE_PORT) would, with its result in its own cip_lookup.
 *
 * For callers that handle packets or connections in bursts. Once a table
 * is larger than the CPU's caches, a lookup mostly waits for memory; a
 * batch asks for the memory of all its lookups first and copies out after,
 * so that the waits overlap. Each lookup sees one version of its service,
 * as a single lookup does; lookups of one batch may see different states of
 * the table (each is its own read section, in groups).
 * @param lookups @p count lookups; on return each has rc (0 or a negative
 * error code, CIP_EINVAL for invalid arguments of that lookup, an unknown
 * protocol included) and n.
 * @return the number of lookups whose rc is 0; `CIP_EINVAL` if @p t is NULL,
 * @p lookups is NULL with @p count > 0, or @p count > INT_MAX (then
 * nothing is changed).
 * @since 0.1
 */
CIP_API int cip_table_lookup_batch(const cip_table *t, cip_lookup *lookups, size_t count);

/**
 * @brief **cip_table_service_get()** copies out a service and its ports.
 * @param ports receives the ports when @p cap >= the service's nports;
 * may be NULL when @p cap is 0 (then only @p svc is filled).
 * @return 0; `CIP_ENOTFOUND`; `CIP_EBUFSIZE` (@p svc filled, @p ports not);
 * `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_table_service_get(const cip_table *t, const char *ns, const char *name,
				  cip_service_info *svc, cip_service_port_info *ports, size_t cap);

/**
 * @brief **cip_table_endpoints()** copies out the endpoints of one port of a
 * service (by its index in the spec), as cip_table_lookup() does.
 * @return 0; `CIP_ENOTFOUND` (no such service or port); `CIP_EBUFSIZE`;
 * `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_table_endpoints(const cip_table *t, const char *ns, const char *name,
				size_t port_index, cip_endpoint *eps, size_t cap, size_t *n);

/** Called by cip_table_foreach_service() with a copy of each service;
 * return non-zero to stop. */
typedef int (*cip_service_visit_fn)(const cip_service_info *svc, void *ctx);

/**
 * @brief **cip_table_foreach_service()** calls @p fn for every service, in
 * no particular order. A service created or deleted meanwhile may or may
 * not be visited; none is visited twice. @p fn may call any function of the
 * table, writers included.
 * @return 0, the first non-zero value @p fn returned, or `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_table_foreach_service(const cip_table *t, cip_service_visit_fn fn, void *ctx);

/**
 * @brief **cip_table_endpoints_reason()** says why a service has no ready
 * endpoints, the first thing to check when it does not answer.
 * @param reason receives an enum cip_endpoints_reason (CIP_EPS_OK when it
 * has ready endpoints for some port).
 * @return 0; `CIP_ENOTFOUND`; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_table_endpoints_reason(const cip_table *t, const char *ns, const char *name,
				       int *reason);

/**
 * @brief **cip_table_generation()** gives the table's generation, which
 * grows with every write that changes what readers see (a pod that no
 * service selects changes nothing); a service's own generation is in
 * cip_service_info and grows with every change of that service. Proxies
 * compare them to tell cheaply what changed.
 * @return 0; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_table_generation(const cip_table *t, uint64_t *out);

/** DNS record types (their RFC 1035 numbers). The values are part of the ABI. */
enum cip_dns_type {
	CIP_DNS_A = 1,
	CIP_DNS_CNAME = 5,
	CIP_DNS_PTR = 12,
	CIP_DNS_TXT = 16,
	CIP_DNS_AAAA = 28,
	CIP_DNS_SRV = 33,
	CIP_DNS_ANY = 255,
};

/** One DNS record, copied out by cip_table_dns_resolve(). A frozen value
 * type. Names are canonical: lower case, without the trailing dot. */
typedef struct cip_dns_record {
	char name[CIP_SUBDOMAIN_CAP];	/**< the owner name */
	char target[CIP_SUBDOMAIN_CAP]; /**< CNAME, PTR and SRV target; TXT text */
	uint16_t type;			/**< enum cip_dns_type */
	uint16_t priority;		/**< SRV: 0 */
	uint16_t weight;		/**< SRV: an equal share, 100 / records */
	uint16_t port;			/**< SRV: the port */
	cip_addr addr;			/**< A and AAAA */
} cip_dns_record;

/** The DNS schema version served at dns-version.<zone> (TXT). */
#define CIP_DNS_SCHEMA_VERSION "1.1.0"

/**
 * @brief **cip_table_dns_resolve()** answers a DNS question as the cluster
 * DNS does for a pod (Kubernetes DNS-based service discovery, schema 1.1.0).
 *
 * Names: `<svc>.<ns>.svc.<zone>` gives A/AAAA records of the ClusterIPs,
 * or for a headless service one per ready endpoint (every endpoint with
 * publishNotReadyAddresses), or a CNAME for an ExternalName service;
 * `<hostname>.<svc>.<ns>.svc.<zone>` the addresses of a headless service's
 * endpoints with that hostname (or, for one without a hostname, with that
 * address with dashes, the name its SRV and PTR records give);
 * `_<port>._<proto>.<svc>.<ns>.svc.<zone>` an SRV record per named port
 * (for a headless service one per ready endpoint, its target the
 * endpoint's hostname, or its address with dashes when it has none; the
 * name exists, whatever the type asked, only while it has such records);
 * reverse names a PTR for ClusterIPs and headless endpoint
 * addresses; `dns-version.<zone>` a TXT record with the schema version.
 * Comparisons ignore case; a trailing dot makes the name absolute. A PTR
 * answer gathers several entries; it is retried while a write overlaps it,
 * and only under writes without pause may it name both a deleted service
 * and one created at its address meanwhile.
 *
 * The search path: with @p client_ns, a relative name is tried as a pod in
 * that namespace tries it (`<ns>.svc.<zone>`, `svc.<zone>`, `<zone>`,
 * ndots 5, glibc's order), so that `my-service` and `my-service.other-ns`
 * resolve; the first name that has records answers. Without it, @p name is
 * taken as a fully qualified name.
 *
 * @param name the name asked for (need not be NUL-terminated).
 * @param len its length in bytes.
 * @param qtype an enum cip_dns_type (CIP_DNS_ANY for every type). An
 * ExternalName's CNAME answers A, AAAA, CNAME and ANY questions.
 * @param client_ns the asking pod's namespace, or NULL.
 * @param out receives the records when @p cap suffices; may be NULL when
 * @p cap is 0.
 * @param n receives the number of records (also on `CIP_EBUFSIZE`, and 0 on
 * `CIP_ENOTFOUND` and `CIP_ENAME`); untouched on `CIP_EINVAL`.
 * @return 0 (with *n = 0: the name exists but has no record of that type,
 * NODATA); `CIP_ENOTFOUND` (no such name: NXDOMAIN, also for a headless
 * service without ready endpoints); `CIP_ENAME` (not a valid DNS name);
 * `CIP_EBUFSIZE` (nothing copied); `CIP_EINVAL` (NULL argument, unknown
 * type, invalid @p client_ns, @p len above `PTRDIFF_MAX`).
 * @since 0.1
 */
CIP_API int cip_table_dns_resolve(const cip_table *t, const char *name, size_t len, int qtype,
				  const char *client_ns, cip_dns_record *out, size_t cap,
				  size_t *n);

/**
 * @brief **cip_table_name_id()** finds the id of an interned node or zone
 * name.
 * @return 0; `CIP_ENOTFOUND` (no endpoint ever carried it); `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_table_name_id(const cip_table *t, const char *name, uint32_t *id);

/**
 * @brief **cip_table_name()** writes the interned name of @p id.
 * @return its length; `CIP_ENOTFOUND`; `CIP_EBUFSIZE`; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_table_name(const cip_table *t, uint32_t id, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* CLUSTERIP_TABLE_H */
