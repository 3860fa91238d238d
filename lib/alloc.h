/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: the offset allocator shared by cip_range and cip_ports. It owns
 * one engine (dense bitmap or sparse), the two bands, the release
 * quarantine and the metrics; the public types only map addresses or ports
 * to offsets in [0, size).
 *
 * Thread-safety: lock-free, as range.h states; init, destroy and swap are
 * caller-synchronized.
 *
 * Quarantine. Each offset has a state byte (bit 0: in quarantine; bits
 * 1–7: a generation that changes with every release). An offset in
 * quarantine stays set in the engine, so allocate_next never finds it; a
 * FIFO ring of (offset, generation, expiry) entries ends quarantines in
 * release order. An entry only acts if the state byte still holds its
 * generation: an address taken back by a specific allocate and released
 * again has a new generation, so the first, stale entry cannot free it
 * early (unless it is released 128 times within one quarantine period).
 */
#ifndef CIP_ALLOC_H
#define CIP_ALLOC_H

#include <stdatomic.h>
#include <stdint.h>

#include <clusterip/range.h>

#include "bitmap.h"
#include "sparse.h"

/* The most quarantine entries an allocator may hold (quarantine_max): a
 * 512 MiB ring, committed only as it is used. */
#define CIP__QUARANTINE_LIMIT (UINT64_C(1) << 24)

/* Per-thread stripes of the random state and event counters. */
#define CIP__ALLOC_STRIPES 16

struct cip__alloc_stripe {
	_Atomic uint64_t rng;
	_Atomic uint64_t allocations[2]; /* [0] static band, [1] dynamic band */
	_Atomic uint64_t releases[2];
	_Atomic uint64_t errors[2];
	char pad[64 - 7 * sizeof(uint64_t)];
};

/* One quarantine ring cell (a bounded MPMC queue, Vyukov's design). */
struct cip__qcell {
	_Atomic uint64_t seq;
	_Atomic uint64_t offset;
	_Atomic uint64_t expiry;
	_Atomic uint64_t gen;
};

struct cip__quarantine {
	uint64_t duration;	  /* ns; 0 = disabled (and nothing allocated) */
	uint64_t capacity;	  /* ring cells, a power of two */
	uint64_t limit;		  /* most entries held at once (≤ capacity) */
	struct cip__qcell *cells; /* the ring */
	_Atomic uint64_t *states; /* dense: one byte per offset, 8 per word */
	struct cip__u64map *smap; /* sparse: word index -> 8 state bytes */
	_Atomic uint64_t head;	  /* next cell to dequeue */
	_Atomic uint64_t tail;	  /* next cell to enqueue */
	_Atomic int64_t held[2];  /* offsets in quarantine, per band */
};

struct cip__alloc {
	uint64_t size; /* usable offsets: [0, size) */
	uint64_t band; /* static band: [0, band); dynamic: [band, size) */
	int sparse;    /* which engine */
	union {
		struct cip__bitmap dense;
		struct cip__sparse sparse;
	} engine;
	struct cip__quarantine q;
	/* A hint that the dynamic band was seen full: only then does
	 * allocate_next count the bands before claiming (see alloc.c). */
	_Atomic int dynamic_full;
	/* Bits set by a restore, per band: a term of the band counts. */
	_Atomic int64_t loaded[2];
	uint64_t seed;
	uint64_t quarantine_ns;		   /* as configured, for snapshots and reloads */
	uint64_t quarantine_max;	   /* as configured (0: the default) */
	_Atomic uint64_t streams;	   /* the seeded sequence of stripe states */
	struct cip__alloc_stripe *stripes; /* CIP__ALLOC_STRIPES */
};

/* Resolves an options band request against @p size and the default band
 * @p auto_band. @return 0 and *band; CIP_EINVAL; CIP_ERANGE (too big). */
int cip__alloc_band(int64_t request, uint64_t auto_band, uint64_t size, uint64_t *band);

/* Makes @p a an empty allocator. @p seed 0 draws one from the OS.
 * @return 0; CIP_EINVAL; CIP_ENOMEM. */
int cip__alloc_init(struct cip__alloc *a, uint64_t size, uint64_t band, uint64_t quarantine_ns,
		    uint64_t quarantine_max, uint64_t seed);
void cip__alloc_destroy(struct cip__alloc *a);

/* Exchanges the states of two allocators (restore builds aside, then swaps). */
void cip__alloc_swap(struct cip__alloc *a, struct cip__alloc *b);

/* Before that swap: @p fresh takes over the event counters of @p old, which
 * a restore must not reset (range.h: they only grow). Caller-synchronized. */
void cip__alloc_keep_events(struct cip__alloc *fresh, const struct cip__alloc *old);

/* A cip__alloc_take() flag beside the public ones: take the offset only if
 * it is free, not back from quarantine (CIP_EALLOCATED then). */
#define CIP__TAKE_FREE (1u << 31)

int cip__alloc_next(struct cip__alloc *a, uint64_t now, unsigned flags, uint64_t *out);
int cip__alloc_take(struct cip__alloc *a, uint64_t off, unsigned flags);
int cip__alloc_release(struct cip__alloc *a, uint64_t off, uint64_t now, unsigned flags);
int cip__alloc_has(const struct cip__alloc *a, uint64_t off);
int cip__alloc_expire(struct cip__alloc *a, uint64_t now);

/* For pool.c: cip_range_allocate() of @p addr only if it is free, not in
 * quarantine, as an automatic allocation must be. @return as
 * cip_range_allocate(); CIP_EALLOCATED for an address in quarantine. */
int cip__range_take_free(cip_range *r, const cip_addr *addr);
int cip__alloc_count(const struct cip__alloc *a, int band, int available, uint64_t *out);
void cip__alloc_stats(const struct cip__alloc *a, cip_band_stats out[3]);
/* Writes all[0..2] into a caller's cip_range_stats, as much as fits in
 * out->sz. @return 0; CIP_EINVAL. */
int cip__stats_out(cip_range_stats *out, const cip_band_stats all[3]);

/* Ascending visit of the allocated offsets (quarantined excluded). */
typedef int (*cip__offset_fn)(uint64_t off, void *ctx);
int cip__alloc_foreach(const struct cip__alloc *a, cip__offset_fn fn, void *ctx);

/* A quarantine entry as snapshots carry it. */
struct cip__qentry {
	uint64_t offset;
	uint64_t remaining; /* ns left at the snapshot's `now` */
};

/*
 * Reads the allocation state for a snapshot: the allocated offsets as
 * little-endian 64-bit words of a bitmap (dense: *words, nwords =
 * ceil(size / 64)) or as an ascending list (sparse: *list, *nlist), with
 * the quarantine entries (*q, *nq) removed from it. Everything returned
 * is malloc'd and owned by the caller. @return 0; CIP_ENOMEM.
 */
struct cip__alloc_view {
	uint64_t *words;
	uint64_t nwords;
	uint64_t *list;
	uint64_t nlist;
	struct cip__qentry *q;
	uint64_t nq;
};
int cip__alloc_view(const struct cip__alloc *a, uint64_t now, struct cip__alloc_view *v);
void cip__alloc_view_free(struct cip__alloc_view *v);

/*
 * Loads state into a freshly initialised, empty allocator: allocated
 * offsets, then quarantine entries (expiring at now + remaining).
 * @return 0; CIP_ESNAPSHOT_CORRUPT (an offset out of range or given
 * twice); CIP_ENOMEM. On failure @p a is left partly loaded and must be
 * destroyed.
 */
int cip__alloc_load_set(struct cip__alloc *a, uint64_t off);
/* Dense only: all allocated offsets at once, as ceil(size / 64) words
 * with no bit at or past size. */
int cip__alloc_load_words(struct cip__alloc *a, const uint64_t *words);
int cip__alloc_load_quarantine(struct cip__alloc *a, uint64_t off, uint64_t expiry);

#endif /* CIP_ALLOC_H */
