/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file range.h
 * @brief cip_range: the allocator of the service addresses of one CIDR, with
 * Kubernetes' semantics (reserved addresses, static and dynamic bands,
 * random start, RangeAllocation snapshots) and what Kubernetes lacks
 * (constant-time allocation when nearly full, release quarantine, ranges as
 * large as an IPv6 /64, a checksummed native snapshot).
 *
 * Thread-safety: *lock-free*. Any thread may call any function on a range
 * at any time, except the two documented *caller-synchronized* exceptions:
 * cip_range_free() and the restoring functions (cip_range_restore(),
 * cip_range_import_k8s()), which must not run concurrently with anything
 * else on the same range. No call blocks, takes a lock or waits for another
 * thread; allocation never hands one address to two callers.
 *
 * Addresses and offsets. The usable addresses are those of
 * cip_service_range_usable(): the network address is never usable, nor is
 * the IPv4 broadcast. Offset i (the bit number of the Kubernetes snapshot)
 * is the address network + 1 + i.
 *
 * Bands (KEP-3070). The first `static_band` usable addresses form the
 * static (lower) band, meant for addresses that are chosen by hand, such as
 * the cluster DNS service; cip_range_allocate_next() takes addresses from
 * the dynamic (upper) band and only falls back to the static band when the
 * dynamic band is full.
 *
 * Engines. A range of at most 2^24 usable addresses keeps a dense
 * lock-free bitmap (128 KiB for a /12). A larger one, up to an IPv6 /64
 * (2^64 − 1 addresses), keeps state proportional to the addresses it has
 * allocated; it is built for low fill, and in it allocate_next prefers free
 * addresses in 64-address blocks that already hold allocations, so that
 * memory follows the live set rather than the history of releases. Its
 * indexes grow ahead of need: when memory for a growth cannot be had, the
 * call that tried still succeeds while there is room left (and a later
 * one tries again); only a call that needs the room reports `CIP_ENOMEM`.
 *
 * Time. `now` arguments are nanoseconds of a monotonic clock chosen by the
 * caller (for example `CLOCK_MONOTONIC`); the library never reads a clock.
 * They only matter when quarantine is enabled.
 */
#ifndef CLUSTERIP_RANGE_H
#define CLUSTERIP_RANGE_H

#include <clusterip/addr.h>
#include <clusterip/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An allocator of the addresses of one service CIDR (opaque). */
typedef struct cip_range cip_range;

/** Bands, for the counting functions. The values are part of the ABI. */
enum cip_band {
	CIP_BAND_ALL = 0,     /**< the whole range */
	CIP_BAND_STATIC = 1,  /**< the static (lower, reserved) band */
	CIP_BAND_DYNAMIC = 2, /**< the dynamic (upper) band */
};

/** Special values of the `static_band` option. */
enum cip_static_band {
	/** The Kubernetes formula (cip_service_range_static_band()). */
	CIP_STATIC_BAND_AUTO = 0,
	/** No static band: the whole range is dynamic. */
	CIP_STATIC_BAND_OFF = -1,
};

/** Flags of the allocating and releasing functions. */
enum cip_alloc_flags {
	/**
	 * Check, change nothing (Kubernetes' dry-run allocator; see each
	 * function for what is checked).
	 */
	CIP_ALLOC_DRY_RUN = 1u << 0,
	/**
	 * Release without quarantine: for undoing an allocation whose address
	 * was never handed out (e.g. the first half of a failed dual-stack
	 * pair).
	 */
	CIP_RELEASE_NOW = 1u << 1,
};

/** The largest range, in usable addresses, that keeps a dense bitmap. */
#define CIP_RANGE_DENSE_MAX (UINT64_C(1) << 24)

/** The default capacity of the quarantine. */
#define CIP_QUARANTINE_DEFAULT_MAX 65536u

/**
 * Options of cip_range_new(). Initialise with cip_range_opts_init(); a
 * zeroed struct with `sz` set also gives the defaults.
 */
typedef struct cip_range_opts {
	size_t sz; /**< sizeof(cip_range_opts), set by the caller */
	/** Seed of the random start; 0 (default) draws one from the OS. */
	uint64_t seed;
	/**
	 * Static band size: CIP_STATIC_BAND_AUTO (0, default) for the
	 * Kubernetes formula, CIP_STATIC_BAND_OFF (−1), or an explicit
	 * number of addresses, at most the usable size.
	 */
	int64_t static_band;
	/**
	 * CIP_RANGE_LEGACY_CAP to cap an IPv6 range at its first 65535 usable
	 * addresses as Kubernetes' bitmap allocator does; 0 (default) for the
	 * whole prefix (at most a /64 for IPv6).
	 */
	unsigned flags;
	/**
	 * Release quarantine in ns; 0 (default) disables it. A released
	 * address is then kept out of cip_range_allocate_next() until `now`
	 * reaches its release time plus this duration.
	 */
	uint64_t quarantine_ns;
	/**
	 * The most quarantine entries held at once; 0 (default) means
	 * min(usable size, CIP_QUARANTINE_DEFAULT_MAX); a larger value is
	 * capped at the usable size, and one above 2^24 after that cap is
	 * refused with `CIP_EINVAL`. When it is reached, a
	 * release ends the oldest quarantine early. An address released,
	 * taken back by cip_range_allocate() and released again within one
	 * period holds two entries until the first one's time is up.
	 */
	uint64_t quarantine_max;
} cip_range_opts;

/**
 * Counters of one band (or of the whole range). A frozen value type (56
 * bytes). `used + available + quarantined == size` whenever no operation is
 * in flight; the event counters only grow.
 */
typedef struct cip_band_stats {
	uint64_t size;	      /**< usable addresses in the band */
	uint64_t used;	      /**< allocated now */
	uint64_t available;   /**< free and not in quarantine */
	uint64_t quarantined; /**< released, still in quarantine */
	uint64_t allocations; /**< successful allocations so far */
	uint64_t releases;    /**< successful releases so far */
	uint64_t errors;      /**< allocations that failed: full or already allocated */
} cip_band_stats;

/**
 * Metrics of a range (Kubernetes' allocated/available gauges and
 * allocation/error counters, per scope). The caller sets `sz`; fields past
 * it are not written.
 */
typedef struct cip_range_stats {
	size_t sz;		     /**< sizeof(cip_range_stats), set by the caller */
	cip_band_stats all;	     /**< the whole range */
	cip_band_stats static_band;  /**< the static band */
	cip_band_stats dynamic_band; /**< the dynamic band */
} cip_range_stats;

/**
 * A visitor for cip_range_foreach(): return 0 to go on, anything else to
 * stop (cip_range_foreach() then returns that value).
 */
typedef int (*cip_addr_visit_fn)(const cip_addr *addr, void *ctx);

/**
 * @brief **cip_range_opts_init()** fills @p opts with the defaults.
 * @param opts the options.
 * @param sz sizeof(*opts) as the caller knows it.
 * @return 0; `CIP_EINVAL` if @p opts is NULL or @p sz is smaller than
 * `offsetof(cip_range_opts, seed)` or above `PTRDIFF_MAX`.
 * @since 0.1
 */
CIP_API int cip_range_opts_init(cip_range_opts *opts, size_t sz);

/**
 * @brief **cip_range_new()** creates an allocator for the usable addresses
 * of @p cidr, all free.
 *
 * @param out receives the handle; unchanged on failure.
 * @param cidr a valid prefix (no host bits).
 * @param opts options, or NULL for the defaults.
 * @return 0; `CIP_EINVAL` (NULL or invalid argument, unknown flags, unknown
 * non-zero option bytes past the known size, a negative static band other
 * than CIP_STATIC_BAND_OFF); `CIP_ERANGE` (nothing usable: IPv4 /31 and
 * /32, IPv6 /128; or a static band larger than the range);
 * `CIP_EUNSUPPORTED` (an IPv6 prefix shorter than /64 without
 * CIP_RANGE_LEGACY_CAP); `CIP_ENOMEM`.
 * @since 0.1
 */
CIP_API int cip_range_new(cip_range **out, const cip_prefix *cidr, const cip_range_opts *opts);

/**
 * @brief **cip_range_free()** destroys a range. NULL is a no-op.
 * Caller-synchronized: nothing else may use @p r during or after the call.
 * @since 0.1
 */
CIP_API void cip_range_free(cip_range *r);

/**
 * @brief **cip_range_allocate_next()** allocates a free address: a uniformly
 * random start in the dynamic band, then the first free address from there
 * (wrapping within the band); if the dynamic band is full, the same in the
 * static band. Addresses in quarantine are skipped; quarantines due by
 * @p now end first.
 *
 * With CIP_ALLOC_DRY_RUN nothing is allocated: the call succeeds if an
 * address is available and then writes the network address, as Kubernetes'
 * dry-run allocator does.
 *
 * @param now the current monotonic time in ns.
 * @param flags 0 or CIP_ALLOC_DRY_RUN.
 * @param out receives the address; unchanged on failure.
 * @return 0; `CIP_EFULL`; `CIP_EINVAL`; `CIP_ENOMEM` (large ranges only).
 * @since 0.1
 */
CIP_API int cip_range_allocate_next(cip_range *r, uint64_t now, unsigned flags, cip_addr *out);

/**
 * @brief **cip_range_allocate()** allocates the address @p addr (a
 * requested ClusterIP). An address in quarantine may be taken this way: the
 * quarantine protects against automatic reuse, not against an explicit
 * request.
 *
 * With CIP_ALLOC_DRY_RUN nothing changes: the call reports what it would
 * return now. (Kubernetes' dry run checks only the range; reporting an
 * address that is already allocated is more useful and no less racy.)
 *
 * An address whose quarantine ends (in another thread's allocate_next or
 * cip_range_expire()) while this call runs may be reported
 * `CIP_EALLOCATED` for that instant; a retry succeeds.
 *
 * @return 0; `CIP_ERANGE` (not a usable address of the range);
 * `CIP_EFAMILY` (an address of the other family); `CIP_EALLOCATED`;
 * `CIP_EINVAL`; `CIP_ENOMEM` (large ranges only).
 * @since 0.1
 */
CIP_API int cip_range_allocate(cip_range *r, const cip_addr *addr, unsigned flags);

/**
 * @brief **cip_range_release()** releases @p addr. With quarantine enabled
 * the address stays out of cip_range_allocate_next() until
 * `now + quarantine_ns`.
 *
 * Releasing a free or foreign address changes nothing and is harmless, as
 * in Kubernetes, but is reported distinctly so that callers can log it.
 *
 * @return 0 (released); `CIP_ENOTALLOCATED` (it was free or already in
 * quarantine; nothing changed); `CIP_ERANGE` (not a usable address of the
 * range; nothing changed); `CIP_EFAMILY`; `CIP_EINVAL`; `CIP_ENOMEM` (a range
 * above CIP_RANGE_DENSE_MAX with quarantine, whose quarantine state needs
 * memory; nothing changed).
 * @param flags 0, CIP_ALLOC_DRY_RUN (report only) and/or CIP_RELEASE_NOW.
 * @since 0.1
 */
CIP_API int cip_range_release(cip_range *r, const cip_addr *addr, uint64_t now, unsigned flags);

/**
 * @brief **cip_range_has()** tells whether @p addr is allocated (not free,
 * not in quarantine).
 * @return 1; 0 (free, in quarantine, or not in the range); `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_range_has(const cip_range *r, const cip_addr *addr);

/**
 * @brief **cip_range_expire()** ends every quarantine due by @p now, making
 * those addresses available. allocate_next does this itself; call it to
 * make the counters current.
 * @return the number of addresses made available (≥ 0); `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_range_expire(cip_range *r, uint64_t now);

/**
 * @brief **cip_range_used()** gives the number of allocated addresses.
 * @param band CIP_BAND_ALL, CIP_BAND_STATIC or CIP_BAND_DYNAMIC.
 * @return 0; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_range_used(const cip_range *r, int band, uint64_t *out);

/**
 * @brief **cip_range_available()** gives the number of addresses that
 * allocate_next could hand out now: free and not in quarantine
 * (Kubernetes' Free()).
 * @return 0; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_range_available(const cip_range *r, int band, uint64_t *out);

/**
 * @brief **cip_range_stats_get()** reads every counter without a lock. Each
 * counter is exact once operations quiesce; during updates the fields may
 * be from slightly different instants.
 * @param out the caller sets `out->sz`.
 * @return 0; `CIP_EINVAL` (NULL, or `sz` smaller than the first band).
 * @since 0.1
 */
CIP_API int cip_range_stats_get(const cip_range *r, cip_range_stats *out);

/**
 * @brief **cip_range_prefix()** gives the range's CIDR.
 * @return 0; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_range_prefix(const cip_range *r, cip_prefix *out);

/**
 * @brief **cip_range_static_band_size()** gives the size of the static band
 * actually in use.
 * @return 0; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_range_static_band_size(const cip_range *r, uint64_t *out);

/**
 * @brief **cip_range_foreach()** calls @p fn for every allocated address,
 * in ascending order. Addresses allocated or released during the walk may
 * or may not be visited; every address allocated for the whole walk is.
 * @return 0 after the last address; the first non-zero value @p fn
 * returned; `CIP_EINVAL`; `CIP_ENOMEM` (large ranges only).
 * @since 0.1
 */
CIP_API int cip_range_foreach(const cip_range *r, cip_addr_visit_fn fn, void *ctx);

/* ------------------------------------------------------------------ */
/* Kubernetes RangeAllocation                                         */
/* ------------------------------------------------------------------ */

/**
 * @brief **cip_range_k8s_spec()** writes the `range` string of the
 * range's RangeAllocation: the CIDR as Go's `net.IPNet.String()` gives it,
 * e.g. "10.96.0.0/12".
 * @return the length written (NUL excluded); `CIP_EINVAL`; `CIP_EBUFSIZE`
 * (@p buf untouched; CIP_PREFIX_STRLEN always suffices).
 * @since 0.1
 */
CIP_API int cip_range_k8s_spec(const cip_range *r, char *buf, size_t cap);

/**
 * @brief **cip_range_export_k8s()** writes the `data` bytes of the
 * range's RangeAllocation exactly as Kubernetes' `big.Int.Bytes()`:
 * big-endian, no leading zero bytes, offset i in bit i % 8 of byte
 * `len − 1 − i / 8`; empty when nothing is allocated. Addresses in
 * quarantine are free in this format.
 *
 * Concurrency: it may run while other threads allocate and release. Every
 * address allocated for the whole call is in the output, no address free
 * for the whole call is; an address that changes during the call may be
 * either way. It is not an atomic cut of the range.
 *
 * @param buf the output, or NULL with @p cap 0 to ask for the size.
 * @param len receives the length written, or on `CIP_EBUFSIZE` a length
 * that is always enough (ceil(usable / 8)).
 * @return 0; `CIP_EBUFSIZE`; `CIP_EINVAL`; `CIP_EUNSUPPORTED` (a range
 * above CIP_RANGE_DENSE_MAX, which this format cannot carry in practice);
 * `CIP_ENOMEM`.
 * @since 0.1
 */
CIP_API int cip_range_export_k8s(const cip_range *r, uint8_t *buf, size_t cap, size_t *len);

/**
 * @brief **cip_range_import_k8s()** replaces the allocation state with a
 * RangeAllocation's `range` and `data`. Quarantine is emptied.
 *
 * Unlike Kubernetes, set bits at or past the usable size are rejected
 * rather than counted. Leading zero bytes and empty data are accepted.
 * Caller-synchronized; on failure the range is unchanged.
 *
 * @param spec the `range` string; it must name this range's CIDR.
 * @return 0; `CIP_ESNAPSHOT_MISMATCH` (another range, or a spec that does
 * not parse as a CIDR); `CIP_ESNAPSHOT_CORRUPT` (bits past the end);
 * `CIP_EUNSUPPORTED`; `CIP_EINVAL`; `CIP_ENOMEM`.
 * @since 0.1
 */
CIP_API int cip_range_import_k8s(cip_range *r, const char *spec, size_t spec_len,
				 const uint8_t *data, size_t len);

/* ------------------------------------------------------------------ */
/* Native snapshots                                                   */
/* ------------------------------------------------------------------ */

/**
 * @brief **cip_range_snapshot()** serialises the range: a versioned,
 * checksummed binary with its CIDR, options, allocated addresses and
 * quarantine (each entry with its remaining time at @p now). The format is
 * the same on every platform (little-endian) and described in
 * docs/snapshot-format.md. Concurrency as cip_range_export_k8s().
 *
 * @param buf the output, or NULL with @p cap 0 to ask for the size.
 * @param len receives the length written, or on `CIP_EBUFSIZE` a length
 * that was enough when the call was made (allocation may grow a large
 * range's snapshot meanwhile; retry on `CIP_EBUFSIZE`).
 * @return 0; `CIP_EBUFSIZE`; `CIP_EINVAL`; `CIP_ENOMEM`.
 * @since 0.1
 */
CIP_API int cip_range_snapshot(const cip_range *r, uint64_t now, uint8_t *buf, size_t cap,
			       size_t *len);

/**
 * @brief **cip_range_restore()** replaces the range's state with a native
 * snapshot of the same CIDR, static band and cap. Quarantine entries get
 * their remaining time from @p now; if this range has no quarantine they
 * are restored as free. Caller-synchronized; on failure the range is
 * unchanged.
 * @return 0; `CIP_ESNAPSHOT_CORRUPT` (bad magic, checksum, length or
 * content); `CIP_ESNAPSHOT_MISMATCH` (another range or band);
 * `CIP_EUNSUPPORTED` (a newer format version); `CIP_EINVAL`; `CIP_ENOMEM`.
 * @since 0.1
 */
CIP_API int cip_range_restore(cip_range *r, uint64_t now, const uint8_t *buf, size_t len);

/**
 * @brief **cip_range_new_from_snapshot()** creates a range from a native
 * snapshot, with the CIDR and options it carries.
 * @param seed as cip_range_opts.seed.
 * @return as cip_range_new() and cip_range_restore().
 * @since 0.1
 */
CIP_API int cip_range_new_from_snapshot(cip_range **out, uint64_t now, const uint8_t *buf,
					size_t len, uint64_t seed);

#ifdef __cplusplus
}
#endif

#endif /* CLUSTERIP_RANGE_H */
