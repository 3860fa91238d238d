/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: the sparse allocation engine, the sibling of the dense bitmap
 * (bitmap.h) for ranges too big to hold one bit per address: nbits may be
 * anything from 1 to UINT64_MAX (an IPv6 /64 service range has 2^64 - 1
 * addresses). Its memory follows the number of set bits, never the size of
 * the range.
 *
 * Thread-safety: lock-free. Every function except init and destroy may be
 * called from any thread at any time; none blocks or takes a lock. set and
 * claim may allocate (when the index grows); everything else only reads or
 * changes existing words, except collect, which returns a new array. init
 * and destroy must not race with anything on the same engine.
 *
 * Layout: bit i is bit (i % 64) of word i / 64, and the words live in a
 * cip__u64map keyed by word index. A word is bound on first use and then
 * stays bound (possibly all zero) until destroy: a missing word means 64
 * clear bits. Bits at or above nbits are never set (there is no padding).
 * To keep the number of bound words proportional to the live set rather
 * than to the history of a churning workload, claim prefers bound words
 * with room over binding new ones (see cip__sparse_claim()).
 *
 * The engine keeps no count of its set bits, as the bitmap keeps none (see
 * bitmap.h): its user counts. cip__sparse_count() is a scan.
 *
 * Errors are the public CIP_E* codes.
 */
#ifndef CIP_SPARSE_H
#define CIP_SPARSE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <clusterip/common.h>

#include "u64map.h"

/* claim() looks at this many runs of this many slots of the index for a
 * bound word with room before it binds one. */
#define CIP__SPARSE_PROBES 8
#define CIP__SPARSE_PROBE_RUN 8

struct cip__sparse {
	struct cip__u64map map; /* word index -> word */
	uint64_t nbits;
	uint64_t nwords; /* (nbits - 1) / 64 + 1, without overflow */
};

/*
 * Makes @p s an empty engine of @p nbits bits, 1 <= nbits <= UINT64_MAX.
 * @return 0; CIP_EINVAL if @p s is NULL or @p nbits is 0; CIP_ENOMEM. On
 * failure *s is not changed.
 */
int cip__sparse_init(struct cip__sparse *s, uint64_t nbits);

/* Frees what init and the operations allocated. NULL-safe and idempotent
 * (*s is zeroed). */
void cip__sparse_destroy(struct cip__sparse *s);

/* Sets @p bit. @return 0 if this call set it; CIP_EALLOCATED if it was
 * already set; CIP_ERANGE if @p bit >= nbits; CIP_ENOMEM if its word had
 * to be bound and could not be; CIP_EINVAL if @p s is NULL. */
int cip__sparse_set(struct cip__sparse *s, uint64_t bit);

/* Clears @p bit; never allocates (a missing word is clear). @return 0 if
 * this call cleared it; CIP_ENOTALLOCATED if it was already clear;
 * CIP_ERANGE if @p bit >= nbits; CIP_EINVAL. */
int cip__sparse_clear(struct cip__sparse *s, uint64_t bit);

/* @return 1 if @p bit is set, 0 if clear; CIP_ERANGE; CIP_EINVAL. */
int cip__sparse_test(const struct cip__sparse *s, uint64_t bit);

/*
 * Finds a clear bit in [@p lo, @p hi), sets it and writes its index to
 * @p out. The policy keeps memory proportional to the live set:
 * 1. Look at CIP__SPARSE_PROBES runs of CIP__SPARSE_PROBE_RUN consecutive
 *    slots of the index, at positions drawn from a generator seeded with
 *    @p start, and claim the lowest clear bit of [lo, hi) in the first
 *    bound word that has one (words outside the interval, and full ones,
 *    are passed). Several runs, not one, so that concurrent claimers
 *    spread over different words.
 * 2. Otherwise claim the first clear bit at or above @p start, word by
 *    word upward to hi and then wrapping to lo, binding words as needed.
 * So a clear bit is found without binding a new word whenever a bound word
 * with room turns up in step 1, and a new word is bound only when the
 * bound words look full (or lie outside [lo, hi)).
 * Cost: O(1) while bound words have room; step 2 costs one lookup per word
 * it passes, so in a full or nearly full interval it is O(words of [lo, hi))
 * (callers keep their own count and do not claim in an interval they know
 * to be full).
 * @return 0; CIP_EFULL if step 2 saw every word of the interval full during
 * the call; CIP_ENOMEM if a word that step 2 needed could not be bound;
 * CIP_ERANGE if @p hi > nbits; CIP_EINVAL if @p s or @p out is NULL,
 * @p lo >= @p hi, or @p start is not in [lo, hi). On failure *out is not
 * changed.
 */
int cip__sparse_claim(struct cip__sparse *s, uint64_t lo, uint64_t hi, uint64_t start,
		      uint64_t *out);

/* The number of set bits (0 for NULL): cip__sparse_count_range() over the
 * whole range, O(bound words). */
uint64_t cip__sparse_count(const struct cip__sparse *s);

/* The number of set bits in [@p lo, @p hi), with @p hi clamped to nbits; 0
 * if the interval is empty. O(min(words of the interval, bound words)). */
uint64_t cip__sparse_count_range(const struct cip__sparse *s, uint64_t lo, uint64_t hi);

/* The lowest set bit >= @p from, written to @p out. O(bound words).
 * @return 0; CIP_ENOTFOUND if there is none (also when @p from >= nbits);
 * CIP_EINVAL if @p s or @p out is NULL. */
int cip__sparse_next_set(const struct cip__sparse *s, uint64_t from, uint64_t *out);

/*
 * Every set bit, ascending, in a new array (free it with free()): *out and
 * *n are the array and its length, NULL and 0 when no bit is set. Each
 * word is read once, so a call that races with updates returns a mix of
 * moments, as a walk with next_set would. O(bound words log bound words +
 * set bits).
 * @return 0; CIP_EINVAL if an argument is NULL; CIP_ENOMEM. On failure *out
 * and *n are not changed.
 */
int cip__sparse_collect(const struct cip__sparse *s, uint64_t **out, size_t *n);

/* The bytes held: the index and the counters (0 for NULL). */
size_t cip__sparse_memory(const struct cip__sparse *s);

/*
 * Debug accessor for tests: checks the invariants of an engine that no
 * thread is changing. @return 0 if they hold, else the number of the first
 * broken one: 1 a bound word lies at or past nwords, 2 a bit at or above
 * nbits is set, 3 the index fails cip__u64map_check(), -1 @p s is NULL or
 * not initialised.
 */
int cip__sparse_check(const struct cip__sparse *s);

#endif /* CIP_SPARSE_H */
