/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: the dense allocation engine, a lock-free hierarchical bitmap of
 * nbits bits (1 <= nbits <= 2^32).
 *
 * Thread-safety: lock-free. Every function except init and destroy may be
 * called from any thread at any time; none blocks, takes a lock or
 * allocates. init and destroy must not race with anything on the same
 * bitmap.
 *
 * Layout: bit i is bit (i % 64) of leaf word i / 64. Leaf bits past nbits in
 * the last word are permanently set, so "this word is full" is one compare
 * with ~0; they are never counted or reported. Bit w % 64 of summary word
 * w / 64 is a hint that leaf word w is full: a search skips 64 full leaf
 * words with one load and a ctz. Bit s % 64 of top word s / 64 is, in the
 * same way, a hint that summary word s is full (all its 64 leaf words are),
 * so that a search skips 4096 full leaf words with one load: in a 2^20-bit
 * bitmap at most four top words, one summary word and the leaf words with
 * room stand between any start and a free bit. When no operation is in
 * flight, both levels are exact (a hint bit is set exactly when what it
 * covers is full); see bitmap.c for the protocol that keeps them so.
 *
 * The bitmap keeps no count of its set bits: its user counts the events
 * it causes in its own per-thread stripes (see alloc.c), so that an
 * allocation pays one locked instruction for its bit and one for its
 * count, not a third for a count here. cip__bitmap_count() is a scan.
 *
 * Errors are the public CIP_E* codes. Names carry the private cip__ prefix
 * so that they cannot clash with a user's symbols in a static link.
 */
#ifndef CIP_BITMAP_H
#define CIP_BITMAP_H

#include <stdatomic.h>
#include <stdint.h>

#include <clusterip/common.h>

/* The largest dense bitmap; larger ranges use the sparse engine. */
#define CIP__BITMAP_MAX_BITS (UINT64_C(1) << 32)

struct cip__bitmap {
	_Atomic uint64_t *leaf;	   /* nwords words; start of the one allocation */
	_Atomic uint64_t *summary; /* nsummary words: bit w = leaf[w] is full */
	_Atomic uint64_t *top;	   /* ntop words: bit s = summary[s] is full */
	uint64_t nbits;
	uint64_t nwords;
	uint64_t nsummary;
	uint64_t ntop;
};

/*
 * Makes @p b an empty bitmap of @p nbits bits.
 * @return 0; CIP_EINVAL if @p b is NULL or @p nbits is 0 or above 2^32;
 * CIP_ENOMEM. On failure *b is not changed.
 */
int cip__bitmap_init(struct cip__bitmap *b, uint64_t nbits);

/*
 * Fills an empty bitmap that no other thread can see yet from @p words
 * (nwords words, bit i of the range is bit i % 64 of words[i / 64]; bits
 * past nbits are ignored), with its summary. For restoring a
 * snapshot: O(words), not O(bits). @return 0; CIP_EINVAL.
 */
int cip__bitmap_assign(struct cip__bitmap *b, const uint64_t *words);

/* Frees what init allocated. NULL-safe and idempotent (*b is zeroed). */
void cip__bitmap_destroy(struct cip__bitmap *b);

/* Sets @p bit. @return 0 if this call set it; CIP_EALLOCATED if it was
 * already set; CIP_ERANGE if @p bit >= nbits; CIP_EINVAL if @p b is NULL. */
int cip__bitmap_set(struct cip__bitmap *b, uint64_t bit);

/* Clears @p bit. @return 0 if this call cleared it; CIP_ENOTALLOCATED if it
 * was already clear; CIP_ERANGE if @p bit >= nbits; CIP_EINVAL. */
int cip__bitmap_clear(struct cip__bitmap *b, uint64_t bit);

/* @return 1 if @p bit is set, 0 if clear; CIP_ERANGE; CIP_EINVAL. */
int cip__bitmap_test(const struct cip__bitmap *b, uint64_t bit);

/*
 * Finds a clear bit in [@p lo, @p hi), scanning upward from @p start and
 * wrapping around to @p lo, sets it and writes its index to @p out, looking
 * only where the summary shows room: O((hi - lo) / 4096) summary loads plus
 * a few leaf words. While other operations are in flight the summary may
 * briefly cover a free bit (see bitmap.c), so CIP_EFULL from this call is
 * a hint; a caller that knows from its own count that the interval has
 * room goes on with cip__bitmap_claim().
 * @return 0; CIP_EFULL; CIP_ERANGE if @p hi > nbits; CIP_EINVAL if @p b or
 * @p out is NULL, @p lo >= @p hi, or @p start is not in [lo, hi). On
 * failure *out is not changed.
 */
int cip__bitmap_claim_fast(struct cip__bitmap *b, uint64_t lo, uint64_t hi, uint64_t start,
			   uint64_t *out);

/*
 * cip__bitmap_claim_fast(), then, when that found nothing, every leaf word
 * of the interval: CIP_EFULL means every word of the interval was seen full
 * during the call. O(words of the interval) when it is full.
 */
int cip__bitmap_claim(struct cip__bitmap *b, uint64_t lo, uint64_t hi, uint64_t start,
		      uint64_t *out);

/* The number of set bits (0 for NULL). A popcount scan: O(words); a read
 * that races with updates sees each word at some moment during the call. */
uint64_t cip__bitmap_count(const struct cip__bitmap *b);

/* The number of set bits in [@p lo, @p hi), with @p hi clamped to nbits; 0
 * if the interval is empty. A popcount scan: O(words). */
uint64_t cip__bitmap_count_range(const struct cip__bitmap *b, uint64_t lo, uint64_t hi);

/* The lowest set bit >= @p from, written to @p out. O(words).
 * @return 0; CIP_ENOTFOUND if there is none (also when @p from >= nbits);
 * CIP_EINVAL if @p b or @p out is NULL. */
int cip__bitmap_next_set(const struct cip__bitmap *b, uint64_t from, uint64_t *out);

/*
 * Debug accessor for tests: checks the invariants of a bitmap that no
 * thread is changing. @return 0 if they hold, else the number of the first
 * broken one: 1 a padding bit is clear, 2 a summary bit differs from its
 * leaf word's fullness, 3 a summary padding bit is set, 4 a top bit differs
 * from its summary word's fullness, 5 a top padding bit is set, -1 @p b is
 * NULL or not initialised.
 */
int cip__bitmap_check(const struct cip__bitmap *b);

#endif /* CIP_BITMAP_H */
