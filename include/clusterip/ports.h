/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file ports.h
 * @brief cip_ports: the allocator of a node-port range (Kubernetes
 * `--service-node-port-range`, default 30000-32767), with the same engine,
 * operations, errors, quarantine and snapshots as cip_range.
 *
 * Thread-safety: *lock-free*, with the same two *caller-synchronized*
 * exceptions as cip_range: cip_ports_free() and the restoring functions.
 *
 * Ports are `uint32_t` in every signature so that a value above 65535 is
 * reported (`CIP_ERANGE`) instead of being truncated by a binding. Offset i
 * of a snapshot is port `base + i`; no port of the range is excluded.
 *
 * Bands (KEP-3668): the first `clamp(size / 32, 16, 128)` ports form the
 * static band (none when size ≤ 16); cip_ports_allocate_next() prefers the
 * ports above it. The default range gives 86: 30000–30085.
 */
#ifndef CLUSTERIP_PORTS_H
#define CLUSTERIP_PORTS_H

#include <clusterip/common.h>
#include <clusterip/range.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A port range: `size` ports from `base`. A frozen value type (8 bytes).
 * Valid when 1 ≤ size and base + size − 1 ≤ 65535.
 */
typedef struct cip_port_range {
	uint32_t base; /**< the first port */
	uint32_t size; /**< the number of ports */
} cip_port_range;

/** Room for any port range text, NUL included ("65535-65535"). */
#define CIP_PORT_RANGE_STRLEN 12

/** An allocator of a node-port range (opaque). */
typedef struct cip_ports cip_ports;

/**
 * Options of cip_ports_new(); the fields mean what they mean in
 * cip_range_opts (static_band: CIP_STATIC_BAND_AUTO for KEP-3668's
 * formula, CIP_STATIC_BAND_OFF, or a size).
 */
typedef struct cip_ports_opts {
	size_t sz;		 /**< sizeof(cip_ports_opts), set by the caller */
	uint64_t seed;		 /**< 0 (default): from the OS */
	int64_t static_band;	 /**< CIP_STATIC_BAND_AUTO (default), _OFF, or a size */
	uint64_t quarantine_ns;	 /**< 0 (default): no quarantine */
	uint64_t quarantine_max; /**< 0 (default): the range size */
} cip_ports_opts;

/**
 * A visitor for cip_ports_foreach(): return 0 to go on, anything else to
 * stop.
 */
typedef int (*cip_port_visit_fn)(uint32_t port, void *ctx);

/**
 * @brief **cip_port_range_parse()** parses a port range as Kubernetes'
 * `PortRange.Set` does: "min-max" (inclusive), "N" (one port) or
 * "min+offset" (min to min + offset), with surrounding ASCII white space
 * ignored. Numbers are decimal digits (leading zeros allowed, as Go's
 * Atoi allows them); ports are 0–65535 and max ≥ min.
 *
 * Kubernetes takes an empty text as "no range"; here it is a syntax error,
 * since an allocator needs at least one port.
 *
 * @param err optional: the byte offset and reason of a failure.
 * @return 0; `CIP_ESYNTAX` (not one of the three forms); `CIP_ERANGE` (a
 * port above 65535, or max < min); `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_port_range_parse(cip_port_range *out, const char *text, size_t len,
				 cip_parse_error *err);

/**
 * @brief **cip_port_range_format()** writes "min-max" (Kubernetes'
 * `PortRange.String()`, the `range` of its snapshot), e.g. "30000-32767".
 * @return the length written (NUL excluded); `CIP_EINVAL` (NULL or an
 * invalid range); `CIP_EBUFSIZE` (@p buf untouched).
 * @since 0.1
 */
CIP_API int cip_port_range_format(const cip_port_range *pr, char *buf, size_t cap);

/**
 * @brief **cip_port_range_contains()** tells whether @p port is in @p pr.
 * @return 1; 0; `CIP_EINVAL` (NULL or an invalid range).
 * @since 0.1
 */
CIP_API int cip_port_range_contains(const cip_port_range *pr, uint32_t port);

/**
 * @brief **cip_ports_opts_init()** fills @p opts with the defaults.
 * @return 0; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_ports_opts_init(cip_ports_opts *opts, size_t sz);

/**
 * @brief **cip_ports_new()** creates an allocator for @p pr, all free.
 * @return 0; `CIP_EINVAL` (NULL or invalid range or options); `CIP_ERANGE`
 * (a static band larger than the range); `CIP_ENOMEM`.
 * @since 0.1
 */
CIP_API int cip_ports_new(cip_ports **out, const cip_port_range *pr, const cip_ports_opts *opts);

/**
 * @brief **cip_ports_free()** destroys a port allocator. NULL is a no-op.
 * Caller-synchronized.
 * @since 0.1
 */
CIP_API void cip_ports_free(cip_ports *p);

/**
 * @brief **cip_ports_allocate_next()** allocates a free port, as
 * cip_range_allocate_next() does (dynamic band first, random start).
 * With CIP_ALLOC_DRY_RUN nothing is allocated and 0 is written.
 * @return 0; `CIP_EFULL`; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_ports_allocate_next(cip_ports *p, uint64_t now, unsigned flags, uint32_t *port);

/**
 * @brief **cip_ports_allocate()** allocates @p port (a requested NodePort);
 * it may take a port in quarantine. CIP_ALLOC_DRY_RUN as in
 * cip_range_allocate().
 * @return 0; `CIP_ERANGE`; `CIP_EALLOCATED`; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_ports_allocate(cip_ports *p, uint32_t port, unsigned flags);

/**
 * @brief **cip_ports_release()** releases @p port (into quarantine when it
 * is enabled).
 * @return 0; `CIP_ENOTALLOCATED` (harmless, nothing changed); `CIP_ERANGE`
 * (harmless, nothing changed); `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_ports_release(cip_ports *p, uint32_t port, uint64_t now, unsigned flags);

/**
 * @brief **cip_ports_has()** tells whether @p port is allocated.
 * @return 1; 0; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_ports_has(const cip_ports *p, uint32_t port);

/**
 * @brief **cip_ports_expire()** ends every quarantine due by @p now.
 * @return the number of ports made available; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_ports_expire(cip_ports *p, uint64_t now);

/**
 * @brief **cip_ports_used()** gives the number of allocated ports in @p band.
 * @return 0; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_ports_used(const cip_ports *p, int band, uint64_t *out);

/**
 * @brief **cip_ports_available()** gives the number of ports that
 * allocate_next could hand out now.
 * @return 0; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_ports_available(const cip_ports *p, int band, uint64_t *out);

/**
 * @brief **cip_ports_stats_get()** reads every counter without a lock.
 * @return 0; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_ports_stats_get(const cip_ports *p, cip_range_stats *out);

/**
 * @brief **cip_ports_range()** gives the port range.
 * @return 0; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_ports_range(const cip_ports *p, cip_port_range *out);

/**
 * @brief **cip_ports_static_band_size()** gives the size of the static band
 * in use.
 * @return 0; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_ports_static_band_size(const cip_ports *p, uint64_t *out);

/**
 * @brief **cip_ports_foreach()** calls @p fn for every allocated port in
 * ascending order (concurrency as cip_range_foreach()).
 * @return 0; the first non-zero value @p fn returned; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_ports_foreach(const cip_ports *p, cip_port_visit_fn fn, void *ctx);

/**
 * @brief **cip_ports_export_k8s()** writes the `data` of the port range's
 * RangeAllocation (`range` is cip_port_range_format()), exactly as
 * cip_range_export_k8s() does.
 * @return 0; `CIP_EBUFSIZE` (*len = a size that is enough); `CIP_EINVAL`;
 * `CIP_ENOMEM`.
 * @since 0.1
 */
CIP_API int cip_ports_export_k8s(const cip_ports *p, uint8_t *buf, size_t cap, size_t *len);

/**
 * @brief **cip_ports_import_k8s()** replaces the state with a
 * RangeAllocation's `range` and `data`. The spec must be this range's
 * "min-max" text exactly, as Kubernetes compares `PortRange.String()`.
 * Caller-synchronized; on failure nothing changes.
 * @return 0; `CIP_ESNAPSHOT_MISMATCH`; `CIP_ESNAPSHOT_CORRUPT` (bits past
 * the end); `CIP_EINVAL`; `CIP_ENOMEM`.
 * @since 0.1
 */
CIP_API int cip_ports_import_k8s(cip_ports *p, const char *spec, size_t spec_len,
				 const uint8_t *data, size_t len);

/**
 * @brief **cip_ports_snapshot()** writes a native snapshot (see
 * cip_range_snapshot()).
 * @return 0; `CIP_EBUFSIZE`; `CIP_EINVAL`; `CIP_ENOMEM`.
 * @since 0.1
 */
CIP_API int cip_ports_snapshot(const cip_ports *p, uint64_t now, uint8_t *buf, size_t cap,
			       size_t *len);

/**
 * @brief **cip_ports_restore()** replaces the state with a native snapshot
 * of the same port range and band. Caller-synchronized; on failure nothing
 * changes.
 * @return as cip_range_restore().
 * @since 0.1
 */
CIP_API int cip_ports_restore(cip_ports *p, uint64_t now, const uint8_t *buf, size_t len);

/**
 * @brief **cip_ports_new_from_snapshot()** creates a port allocator from a
 * native snapshot.
 * @return as cip_ports_new() and cip_ports_restore().
 * @since 0.1
 */
CIP_API int cip_ports_new_from_snapshot(cip_ports **out, uint64_t now, const uint8_t *buf,
					size_t len, uint64_t seed);

#ifdef __cplusplus
}
#endif

#endif /* CLUSTERIP_PORTS_H */
