/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file pool.h
 * @brief cip_pool: the service addresses of several CIDRs per family (one
 * cip_range per Kubernetes ServiceCIDR), with a size-weighted choice among
 * them, a drain/remove lifecycle, overlapping CIDRs, and dual-stack pairs.
 *
 * Thread-safety: *lock-free* for allocation, release and queries
 * (cip_pool_allocate_next(), cip_pool_allocate(), cip_pool_allocate_pair(),
 * cip_pool_release(), cip_pool_has(), cip_pool_used(), cip_pool_available(),
 * cip_pool_range(), cip_pool_foreach_range()): any thread, any time, never
 * blocking. The configuring functions cip_pool_add(), cip_pool_drain() and
 * cip_pool_remove() are *caller-synchronized among themselves* (one
 * controller configures the pool; two of them must not run at once on the
 * same pool), but each may run concurrently with any of the lock-free
 * functions. cip_pool_free() is caller-synchronized with everything.
 *
 * Ranges and their order. A pool keeps, per family, the ranges in the order
 * they were added. Ranges may overlap (one CIDR inside another). An address
 * *belongs to* the first range, in add order and not removed, that contains
 * it as a usable address (cip_service_range_usable()); cip_pool_allocate(),
 * cip_pool_release() and cip_pool_has() act on that range only, and
 * cip_pool_allocate_next() never hands out an address that another range it
 * belongs to holds: no address is ever allocated twice across the pool.
 *
 * Lifecycle of a range: cip_pool_add() makes it *active*; cip_pool_drain()
 * makes it *draining* (no new allocations, neither next nor specific; its
 * addresses can still be released); cip_pool_remove() removes a draining
 * range that holds no address. A removed range contains nothing and its
 * addresses belong to the next range that contains them, but its memory
 * and its slot are kept until cip_pool_free(): a lock-free caller that was
 * still looking at it stays safe, and a handle from cip_pool_range() stays
 * valid. Hence at most `max_ranges` cip_pool_add() calls succeed per family
 * over the life of a pool, whatever was removed meanwhile.
 *
 * Dual stack: cip_pool_allocate_pair() follows a Service's ipFamilyPolicy
 * and allocates one address of each family, all or nothing.
 */
#ifndef CLUSTERIP_POOL_H
#define CLUSTERIP_POOL_H

#include <clusterip/addr.h>
#include <clusterip/common.h>
#include <clusterip/range.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A set of service ranges of both families (opaque). */
typedef struct cip_pool cip_pool;

/**
 * States of a range in a pool, as cip_pool_foreach_range() reports them.
 * The values are part of the ABI. (A removed range is not reported.)
 */
enum cip_pool_range_state {
	CIP_POOL_ACTIVE = 1,   /**< allocations and releases */
	CIP_POOL_DRAINING = 2, /**< releases only */
};

/**
 * Kubernetes' ipFamilyPolicy of a Service, for cip_pool_allocate_pair().
 * The values are part of the ABI.
 */
enum cip_ip_family_policy {
	CIP_SINGLE_STACK = 1,	    /**< one address, of the primary family */
	CIP_PREFER_DUAL_STACK = 2,  /**< both families if the pool serves both */
	CIP_REQUIRE_DUAL_STACK = 3, /**< both families, or an error */
};

/**
 * Options of cip_pool_new(). Initialise with cip_pool_opts_init(); a zeroed
 * struct with `sz` set also gives the defaults.
 */
typedef struct cip_pool_opts {
	size_t sz; /**< sizeof(cip_pool_opts), set by the caller */
	/**
	 * Seed of the choice among ranges; 0 (default) draws one from the OS.
	 * When it is not 0, each range added with a zero (or absent)
	 * cip_range_opts.seed gets a seed derived from it, its family and its
	 * place in the add order, so that a whole run is reproducible.
	 */
	uint64_t seed;
	/**
	 * The most ranges per family over the life of the pool (removed ones
	 * included), 1 to 64; 0 (default) means 16.
	 */
	uint32_t max_ranges;
} cip_pool_opts;

/**
 * A visitor for cip_pool_foreach_range(): @p cidr is the range's CIDR (valid
 * during the call only), @p state an enum cip_pool_range_state. Return 0 to
 * go on, anything else to stop (cip_pool_foreach_range() then returns it).
 */
typedef int (*cip_pool_range_visit_fn)(const cip_prefix *cidr, int state, void *ctx);

/**
 * @brief **cip_pool_opts_init()** fills @p opts with the defaults.
 * @param opts the options; all @p sz bytes are written.
 * @param sz sizeof(*opts) as the caller knows it.
 * @return 0; `CIP_EINVAL` if @p opts is NULL or @p sz is smaller than
 * `offsetof(cip_pool_opts, seed)` or above `PTRDIFF_MAX`.
 * @since 0.1
 */
CIP_API int cip_pool_opts_init(cip_pool_opts *opts, size_t sz);

/**
 * @brief **cip_pool_new()** creates an empty pool.
 * @param out receives the handle; unchanged on failure.
 * @param opts options, or NULL for the defaults. A smaller `sz` (an older
 * caller) gives the defaults for the fields past it; bytes past the fields
 * this version knows must be zero.
 * @return 0; `CIP_EINVAL` (NULL @p out, `sz` smaller than `sizeof(size_t)`
 * or above `PTRDIFF_MAX`, `max_ranges` above 64, unknown non-zero option
 * bytes); `CIP_ENOMEM`.
 * @since 0.1
 */
CIP_API int cip_pool_new(cip_pool **out, const cip_pool_opts *opts);

/**
 * @brief **cip_pool_free()** destroys a pool and every range in it, removed
 * ones included. NULL is a no-op. Caller-synchronized: nothing else may use
 * @p p, or a handle from cip_pool_range(), during or after the call.
 * @since 0.1
 */
CIP_API void cip_pool_free(cip_pool *p);

/**
 * @brief **cip_pool_add()** adds an active range for @p cidr (a
 * ServiceCIDR) after the ranges of its family already in the pool. It may
 * overlap them; its addresses that an earlier range also contains keep
 * belonging to that earlier range.
 *
 * Caller-synchronized with cip_pool_drain() and cip_pool_remove(); may run
 * concurrently with every lock-free function.
 *
 * @param cidr a valid prefix (no host bits).
 * @param opts options of the new range as for cip_range_new(), or NULL for
 * the defaults. When its seed is 0 (or @p opts is NULL or too short to hold
 * one) and the pool's seed is not, the range's seed is derived from the
 * pool's (see cip_pool_opts.seed).
 * @return 0; `CIP_EINVAL` (NULL @p p or @p cidr, invalid prefix, invalid
 * options as cip_range_new() defines them); `CIP_EEXIST` (a range with the
 * same CIDR is in the pool and not removed); `CIP_ELIMIT` (the family has
 * used all its `max_ranges` slots); `CIP_ERANGE`, `CIP_EUNSUPPORTED` as
 * cip_range_new() (nothing usable; an IPv6 prefix shorter than /64 without
 * CIP_RANGE_LEGACY_CAP); `CIP_ENOMEM`.
 * @since 0.1
 */
CIP_API int cip_pool_add(cip_pool *p, const cip_prefix *cidr, const cip_range_opts *opts);

/**
 * @brief **cip_pool_drain()** stops allocation from the range of @p cidr:
 * cip_pool_allocate_next() no longer chooses it and cip_pool_allocate()
 * fails with `CIP_ERANGE` for its addresses. Addresses it holds stay
 * allocated and can be released. Draining a draining range is a no-op.
 *
 * An allocation that was already choosing this range when the call was
 * made may still complete in it; once cip_pool_remove() has succeeded, no
 * allocation in it can be handed out.
 *
 * Caller-synchronized with cip_pool_add() and cip_pool_remove().
 * @return 0; `CIP_EINVAL` (NULL or invalid argument); `CIP_ENOTFOUND` (no
 * range of that CIDR, or it was removed).
 * @since 0.1
 */
CIP_API int cip_pool_drain(cip_pool *p, const cip_prefix *cidr);

/**
 * @brief **cip_pool_remove()** removes the draining range of @p cidr once it
 * holds no address. It then contains nothing; an address it contained
 * belongs to the next range, in add order, that contains it. Its memory is
 * kept until cip_pool_free(), so that lock-free callers (and handles from
 * cip_pool_range()) that still reach it stay safe; its slot counts against
 * `max_ranges` until then too. The same CIDR may then be added again, as a
 * new, empty range.
 *
 * Caller-synchronized with cip_pool_add() and cip_pool_drain().
 * @return 0; `CIP_EINVAL` (NULL or invalid argument); `CIP_ENOTFOUND` (no
 * range of that CIDR, or it was removed); `CIP_EUNSUPPORTED` (the range is
 * active: drain it first); `CIP_EALLOCATED` (it still holds addresses:
 * release them and retry. An allocation in flight may cause this
 * transiently.)
 * @since 0.1
 */
CIP_API int cip_pool_remove(cip_pool *p, const cip_prefix *cidr);

/**
 * @brief **cip_pool_range()** gives the range of @p cidr, to snapshot,
 * restore or inspect it with the cip_range functions.
 *
 * The handle is borrowed: it stays valid until cip_pool_free() (even after
 * cip_pool_remove()) and must not be freed. Allocating or releasing through
 * it bypasses the pool's rule that an address belongs to the first range
 * containing it; restoring it (cip_range_restore(), cip_range_import_k8s())
 * is caller-synchronized with every pool function that may touch it.
 *
 * @param out receives the handle; unchanged on failure.
 * @return 0; `CIP_EINVAL`; `CIP_ENOTFOUND` (no range of that CIDR, or it
 * was removed).
 * @since 0.1
 */
CIP_API int cip_pool_range(const cip_pool *p, const cip_prefix *cidr, cip_range **out);

/**
 * @brief **cip_pool_foreach_range()** calls @p fn for every range of
 * @p family that is not removed, in add order, with its CIDR and state.
 * Ranges added, drained or removed during the walk may or may not be seen
 * as changed.
 * @param family CIP_FAMILY_IPV4 or CIP_FAMILY_IPV6.
 * @return 0 after the last range; the first non-zero value @p fn returned;
 * `CIP_EINVAL` (NULL @p p or @p fn, unknown family).
 * @since 0.1
 */
CIP_API int cip_pool_foreach_range(const cip_pool *p, int family, cip_pool_range_visit_fn fn,
				   void *ctx);

/**
 * @brief **cip_pool_allocate_next()** allocates a free address of
 * @p family.
 *
 * It chooses among the active ranges of the family that have available
 * addresses at random, weighted by their available size
 * (cip_range_available(), each weight capped at 2^57): a range with four
 * times the free addresses is chosen four times as often. The chosen range
 * allocates as cip_range_allocate_next() does. A range that turns out to be
 * full is left out and the choice is made again among the others; if every
 * range reports no available address, due quarantines are ended
 * (cip_range_expire() at @p now) and the counts read once more. When the
 * address also belongs to an earlier range, it is allocated there instead;
 * if that range already holds it, keeps it in quarantine or is draining,
 * another address is drawn. After 32 such draws in one range, the range's
 * addresses are searched in order once (dynamic band first; only when it
 * has nothing in quarantine, since the search cannot tell a quarantined
 * address from a free one) and the range is then left out. A range whose
 * usable addresses all belong to earlier ranges is never chosen.
 *
 * With CIP_ALLOC_DRY_RUN nothing is allocated: the call succeeds if the
 * chosen range has an available address and writes that range's network
 * address, as cip_range_allocate_next() does.
 *
 * @param family CIP_FAMILY_IPV4 or CIP_FAMILY_IPV6.
 * @param now the current monotonic time in ns (for quarantine).
 * @param flags 0 or CIP_ALLOC_DRY_RUN.
 * @param out receives the address; unchanged on failure.
 * @return 0; `CIP_EINVAL` (NULL argument, unknown family or flags);
 * `CIP_EFAMILY` (no active range of @p family); `CIP_EFULL` (no active
 * range could allocate); `CIP_ENOMEM` (large ranges only).
 * @since 0.1
 */
CIP_API int cip_pool_allocate_next(cip_pool *p, int family, uint64_t now, unsigned flags,
				   cip_addr *out);

/**
 * @brief **cip_pool_allocate()** allocates @p addr (a requested ClusterIP)
 * in the range it belongs to: the first range, in add order and not
 * removed, that contains it as a usable address.
 *
 * With CIP_ALLOC_DRY_RUN nothing changes: the call reports what it would
 * return now.
 *
 * @param flags 0 or CIP_ALLOC_DRY_RUN.
 * @return 0; `CIP_EINVAL` (NULL or invalid argument, unknown flags);
 * `CIP_ERANGE` (no range contains it, or the range it belongs to is
 * draining); `CIP_EALLOCATED`; `CIP_ENOMEM` (large ranges only).
 * @since 0.1
 */
CIP_API int cip_pool_allocate(cip_pool *p, const cip_addr *addr, unsigned flags);

/**
 * @brief **cip_pool_release()** releases @p addr in the range it belongs to
 * (draining ranges included), as cip_range_release() does.
 * @param now the current monotonic time in ns (for quarantine).
 * @param flags 0, CIP_ALLOC_DRY_RUN (report only) and/or CIP_RELEASE_NOW.
 * @return 0 (released); `CIP_ENOTALLOCATED` (it was free or in quarantine;
 * nothing changed); `CIP_ERANGE` (no range contains it); `CIP_EINVAL` (NULL
 * or invalid argument, unknown flags); `CIP_ENOMEM` as cip_range_release().
 * @since 0.1
 */
CIP_API int cip_pool_release(cip_pool *p, const cip_addr *addr, uint64_t now, unsigned flags);

/**
 * @brief **cip_pool_has()** tells whether @p addr is allocated in the range
 * it belongs to.
 * @return 1; 0 (free, in quarantine, or in no range); `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_pool_has(const cip_pool *p, const cip_addr *addr);

/**
 * @brief **cip_pool_used()** gives the number of allocated addresses of
 * @p family: the sum of cip_range_used() over the ranges not removed,
 * saturated at UINT64_MAX. While allocations are in flight an address that
 * is being moved to the range it belongs to may be counted twice.
 * @param family CIP_FAMILY_IPV4 or CIP_FAMILY_IPV6.
 * @return 0; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_pool_used(const cip_pool *p, int family, uint64_t *out);

/**
 * @brief **cip_pool_available()** gives the sum of cip_range_available()
 * over the active ranges of @p family, saturated at UINT64_MAX. Where
 * active ranges overlap, their common addresses are counted once per
 * range, so the sum may exceed what can actually be allocated.
 * @param family CIP_FAMILY_IPV4 or CIP_FAMILY_IPV6.
 * @return 0; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_pool_available(const cip_pool *p, int family, uint64_t *out);

/**
 * @brief **cip_pool_allocate_pair()** allocates a Service's ClusterIPs by
 * its ipFamilyPolicy, each as cip_pool_allocate_next() does.
 *
 * CIP_SINGLE_STACK gives one address of @p primary_family.
 * CIP_PREFER_DUAL_STACK gives one of each family when the pool has an
 * active range of the other family, else only the primary one.
 * CIP_REQUIRE_DUAL_STACK gives one of each family.
 *
 * All or nothing: when the second allocation fails, the first address is
 * released at once (CIP_RELEASE_NOW, no quarantine: it was never handed
 * out) and the error returned.
 *
 * @param policy an enum cip_ip_family_policy.
 * @param primary_family CIP_FAMILY_IPV4 or CIP_FAMILY_IPV6.
 * @param now the current monotonic time in ns (for quarantine).
 * @param flags 0 or CIP_ALLOC_DRY_RUN (each address is then the chosen
 * range's network address).
 * @param out receives the addresses, the primary family's in `out[0]`;
 * unchanged on failure.
 * @param count receives 1 or 2; unchanged on failure.
 * @return 0; `CIP_EINVAL` (NULL argument, unknown policy, family or
 * flags); `CIP_EFAMILY` (no active range of the primary family, or, with
 * CIP_REQUIRE_DUAL_STACK, of the other); `CIP_EFULL`; `CIP_ENOMEM`.
 * @since 0.1
 */
CIP_API int cip_pool_allocate_pair(cip_pool *p, int policy, int primary_family, uint64_t now,
				   unsigned flags, cip_addr out[2], size_t *count);

#ifdef __cplusplus
}
#endif

#endif /* CLUSTERIP_POOL_H */
