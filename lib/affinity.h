/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: a bounded, lock-free map of ClientIP session affinities, as
 * kube-proxy keeps them for a Service with sessionAffinity: ClientIP. A
 * client (its address) keeps the backend it was sent to while it keeps
 * coming back within the timeout: an entry lives while
 * now - last_used < timeout, and every hit sets last_used = now (a sliding
 * window). At now - last_used >= timeout the entry is expired: a miss, and
 * its way may be reused.
 *
 * Keys and values. A client is a cip_addr compared by family and all 16
 * bytes (so 10.0.0.1 and ::10.0.0.1 are different clients); addresses are
 * not validated beyond the family. A backend is an opaque, non-zero
 * uint64_t of the caller's (a 64-bit identity of address:port): 0 marks an
 * empty way, so callers must not use it (put rejects it).
 *
 * Time. Times are uint64_t nanoseconds of the caller's monotonic clock;
 * nothing here reads a clock. Threads read their clocks at slightly
 * different moments, so a last_used later than a call's now counts as
 * age 0 (live, unless the timeout is 0), and a hit never moves last_used
 * back. A timeout of 0 makes every entry expired.
 *
 * Memory is fixed at creation: 40 bytes per entry, in buckets of 4 ways
 * (160 bytes, a bucket array aligned to 64 bytes), plus a small header.
 * The bucket of a client is a hash of its address, keyed with a random
 * seed per map so that clients cannot choose addresses that crowd one
 * bucket. When the bucket is full of live entries, put evicts its least
 * recently used one: a client may lose its affinity before its timeout
 * when more than 4 live clients hash to its bucket. With n live clients in
 * a map of capacity c, a bucket holds 4n / c of them on average, and the
 * share of clients that do not fit at a time is about 0.4% at n = c / 4,
 * 4% at n = c / 2 and 20% at n = c: size the map at 2 to 4 times the
 * expected number of live clients.
 *
 * Thread-safety: lock-free; every function except new and free may be
 * called from any thread at any time, concurrently, and none blocks, takes
 * a lock or allocates. A call that meets an entry another thread is
 * writing at that instant re-reads it a bounded number of times, then
 * gives up on it (see each function), so every call takes bounded time.
 * Two threads that put the same new client at the same moment may create
 * two entries for it: get returns the one used last, and the next put for
 * the client overwrites that one and empties the other (best effort). A
 * put followed by a get on the same thread, with no other thread putting
 * that client, never returns an older backend than the put's (a miss is
 * possible after an eviction, expiry, retain or forget).
 */
#ifndef CIP_AFFINITY_H
#define CIP_AFFINITY_H

#include <stddef.h>
#include <stdint.h>

#include <clusterip/addr.h>

/* The largest capacity (2^28 entries, 10 GiB); a power of two, so that
 * rounding a valid capacity up never passes it. */
#define CIP__AFFINITY_MAX ((size_t)1 << 28)

struct cip__affinity; /* opaque outside affinity.c */

/* Makes an empty map of @p capacity entries, rounded up to a power of two,
 * at least 4 (one bucket). @return 0 and *out; CIP_EINVAL (NULL out,
 * capacity 0 or > CIP__AFFINITY_MAX); CIP_ENOMEM. */
int cip__affinity_new(size_t capacity, struct cip__affinity **out);

/* Frees @p a (NULL is a no-op). No other thread may be using it. */
void cip__affinity_free(struct cip__affinity *a);

/* The number of entries, as rounded by new; 0 for NULL. */
size_t cip__affinity_capacity(const struct cip__affinity *a);

/*
 * If @p client has a live entry (now - last_used < timeout_ns): sets
 * *backend to its backend (nothing else is written to *backend) and
 * last_used = now, and returns 1. Else 0. The refresh is best effort:
 * skipped if another thread is writing the entry at that instant, and when
 * now is not after last_used. An entry being written is re-read a few
 * times before it counts as a miss. NULL @p a, @p client or @p backend, or
 * a family other than IPv4 or IPv6: 0.
 */
int cip__affinity_get(struct cip__affinity *a, const cip_addr *client, uint64_t now,
		      uint64_t timeout_ns, uint64_t *backend);

/*
 * Records client -> backend with last_used = now: overwrites the client's
 * entry if it has one (the one used last, emptying any other), else takes
 * an empty or expired way of the client's bucket, else evicts the bucket's
 * least recently used entry. (An expired way is always among the least
 * recently used, so @p timeout_ns does not change the choice.) Makes at
 * most two attempts. @return 1 if recorded; 0 if it gave up because
 * another thread was writing the chosen entry (or a way that may hold the
 * client) at that instant: nothing was written, and it never waits;
 * CIP_EINVAL for NULL @p a or @p client, a family other than IPv4 or IPv6,
 * or backend 0.
 */
int cip__affinity_put(struct cip__affinity *a, const cip_addr *client, uint64_t backend,
		      uint64_t now, uint64_t timeout_ns);

/*
 * Forgets @p client (kube-proxy's reset after a failed connect): empties
 * its entries, live or expired. An entry that another thread is writing at
 * that instant is looked at again once, then left. @return 1 if an entry
 * was removed, else 0 (also for NULL @p a or @p client, or a family other
 * than IPv4 or IPv6).
 */
int cip__affinity_forget(struct cip__affinity *a, const cip_addr *client);

/*
 * Empties every entry with now - last_used >= timeout_ns. An entry that
 * another thread is writing at that instant is looked at again once, then
 * skipped until the next call. @return how many were emptied (0 for NULL).
 */
size_t cip__affinity_expire(struct cip__affinity *a, uint64_t now, uint64_t timeout_ns);

/*
 * Empties every entry, live or expired, whose backend @p keep rejects
 * (returns 0): a backend that left the service drops its affinities.
 * @p keep runs with no entry held, so it may call into this map; it may be
 * called more than once for one backend (an entry that changed under it is
 * looked at again once, then skipped like in expire). @return how many
 * were emptied (0 for NULL @p a or @p keep).
 */
size_t cip__affinity_retain(struct cip__affinity *a, int (*keep)(uint64_t backend, void *ctx),
			    void *ctx);

/* Live entries at @p now (a scan, for stats and tests: exact when no other
 * thread writes; entries being written meanwhile may be left out). 0 for
 * NULL. */
size_t cip__affinity_count(const struct cip__affinity *a, uint64_t now, uint64_t timeout_ns);

#endif /* CIP_AFFINITY_H */
