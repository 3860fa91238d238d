/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lock-free hierarchical bitmap (see bitmap.h for the layout).
 *
 * Memory ordering. Every leaf and summary access that decides where a bit
 * is claimed, or whether the summary agrees with a leaf word, is seq_cst
 * (the C11 default, so those calls carry no explicit order). The argument
 * below needs one total order S over those accesses to both kinds of word,
 * which acq_rel does not give: acq_rel orders accesses to one location,
 * but the summary protocol is a store-buffering pattern over two locations
 * (leaf word, summary word), and ruling out "each thread misses the other's
 * write" is exactly what only seq_cst provides. On x86-64 a seq_cst load is a
 * plain load and every RMW is a locked instruction anyway, so the price is
 * nil there. The seq_cst RMWs also release, and the reads that callers may
 * use to see what was published with a bit (test, next_set) acquire.
 *
 * The summary protocol. Summary bit w is a hint that leaf word w is full
 * (and top bit s that summary word s is full: the same protocol one level
 * up, run by the thread whose summary write changed the word's fullness,
 * after that write; "leaf" below reads "summary word" there).
 * Only an operation that changes the word's fullness (a set that fills it,
 * a clear that empties a full word) touches the summary, and it does so
 * after the leaf change, with sync_summary(): read the leaf, make the
 * summary bit agree, RE-READ the leaf, and repeat if its fullness changed
 * meanwhile. (For a set that is "set the summary bit, re-read, clear it
 * again if the word is no longer full"; for a clear, "clear the leaf bit,
 * then the summary bit".) Claim: once no operation is in flight, summary bit
 * w == (leaf w is full). Proof sketch: let M be the last fullness-changing
 * leaf RMW in S; after it the word's fullness is final, f. M's thread then
 * runs sync_summary, whose last round read f (twice) and left the summary
 * bit == f. A later summary write of !f can only come from a thread whose
 * round then re-reads the leaf after M, sees f != !f and goes round again,
 * writing f. So the last summary write (or none) leaves f.
 * While operations are in flight, a summary bit may be set over a word that
 * has a free bit (between a filler's summary set and its re-read); a claim
 * that finds nothing through the summary therefore does not report full at
 * once: see cip__bitmap_claim().
 */
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "bits.h"

#define FULL (~UINT64_C(0))
#define CACHE_LINE 64

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

static uint64_t round_up(uint64_t n, uint64_t align)
{
	return (n + align - 1) / align * align;
}

/* The bits of the last leaf word that lie past nbits (permanently set). */
static uint64_t padding_mask(const struct cip__bitmap *b)
{
	unsigned used = (unsigned)(b->nbits % 64);

	return used ? FULL << used : 0;
}

/* The bits of leaf word @p w that lie in [from, to); w must overlap it. */
static uint64_t interval_mask(uint64_t w, uint64_t from, uint64_t to)
{
	uint64_t base = w * 64, mask = FULL;

	if (from > base)
		mask &= FULL << (from - base); /* from is in this word: shift < 64 */
	if (to < base + 64)
		mask &= ~(FULL << (to - base)); /* to - 1 is in this word: 0 < shift < 64 */
	return mask;
}

/* ------------------------------------------------------------------ */
/* The summary protocol                                               */
/* ------------------------------------------------------------------ */

/*
 * Makes bit @p bit of the hint word @p hint agree with whether @p word is
 * full (see the top of this file). Lock-free: a round repeats only if
 * another thread changed the word's fullness during it. The hint word is
 * written only when it disagrees, so its cache line stays shared among
 * readers. @return whether a write of this call changed whether the hint
 * word itself is full, which its own hint must then follow.
 */
static int sync_hint(_Atomic uint64_t *word, _Atomic uint64_t *hint, uint64_t bit)
{
	int moved = 0;

	for (;;) {
		int full = atomic_load(word) == FULL;
		int set = (atomic_load(hint) & bit) != 0;

		if (set != full) {
			uint64_t old =
				full ? atomic_fetch_or(hint, bit) : atomic_fetch_and(hint, ~bit);
			uint64_t now = full ? old | bit : old & ~bit;

			moved |= (old == FULL) != (now == FULL);
		}
		/* The re-read: if the word's fullness moved, another thread's
		 * sync may have run before our write above, so go round. */
		if ((atomic_load(word) == FULL) == full)
			return moved;
	}
}

/* Makes the summary bit of leaf word @p w, and then the top bit of its
 * summary word, agree with what they cover. */
static void sync_summary(struct cip__bitmap *b, uint64_t w)
{
	uint64_t s = w / 64;

	if (sync_hint(&b->leaf[w], &b->summary[s], UINT64_C(1) << (w % 64)))
		sync_hint(&b->summary[s], &b->top[s / 64], UINT64_C(1) << (s % 64));
}

/* Bookkeeping after this thread set a bit of word @p w, leaving @p now. */
static void after_set(struct cip__bitmap *b, uint64_t w, uint64_t now)
{
	if (now == FULL)
		sync_summary(b, w);
}

/* Bookkeeping after this thread cleared a bit of word @p w, which held
 * @p old before. */
static void after_clear(struct cip__bitmap *b, uint64_t w, uint64_t old)
{
	if (old == FULL)
		sync_summary(b, w);
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                         */
/* ------------------------------------------------------------------ */

int cip__bitmap_init(struct cip__bitmap *b, uint64_t nbits)
{
	struct cip__bitmap t;
	uint64_t leaf_bytes, summary_bytes, top_bytes;
	char *mem;

	if (!b || nbits == 0 || nbits > CIP__BITMAP_MAX_BITS)
		return CIP_EINVAL;
	t.nbits = nbits;
	t.nwords = (nbits + 63) / 64;
	t.nsummary = (t.nwords + 63) / 64;
	t.ntop = (t.nsummary + 63) / 64;
	/* Each level starts on its own cache line, so the hints never share
	 * a line with leaf words. */
	leaf_bytes = round_up(t.nwords * sizeof(uint64_t), CACHE_LINE);
	summary_bytes = round_up(t.nsummary * sizeof(uint64_t), CACHE_LINE);
	top_bytes = round_up(t.ntop * sizeof(uint64_t), CACHE_LINE);
	mem = aligned_alloc(CACHE_LINE, leaf_bytes + summary_bytes + top_bytes);
	if (!mem)
		return CIP_ENOMEM;
	t.leaf = (_Atomic uint64_t *)(void *)mem;
	t.summary = (_Atomic uint64_t *)(void *)(mem + leaf_bytes);
	t.top = (_Atomic uint64_t *)(void *)(mem + leaf_bytes + summary_bytes);
	for (uint64_t w = 0; w < t.nwords; w++)
		atomic_init(&t.leaf[w], 0);
	/* The padding is never full on its own: the last word has a real bit. */
	atomic_init(&t.leaf[t.nwords - 1], padding_mask(&t));
	for (uint64_t s = 0; s < t.nsummary; s++)
		atomic_init(&t.summary[s], 0);
	for (uint64_t s = 0; s < t.ntop; s++)
		atomic_init(&t.top[s], 0);
	*b = t;
	return 0;
}

int cip__bitmap_assign(struct cip__bitmap *b, const uint64_t *words)
{
	if (!b || !b->leaf || !words)
		return CIP_EINVAL;
	for (uint64_t w = 0; w < b->nwords; w++) {
		uint64_t v = words[w];

		if (w == b->nwords - 1)
			v |= padding_mask(b);
		/* Relaxed: the bitmap is not shared yet; publishing it is the
		 * caller's release. */
		atomic_store_explicit(&b->leaf[w], v, memory_order_relaxed);
		if (v == FULL)
			atomic_fetch_or_explicit(&b->summary[w / 64], UINT64_C(1) << (w % 64),
						 memory_order_relaxed);
	}
	for (uint64_t s = 0; s < b->nsummary; s++)
		if (atomic_load_explicit(&b->summary[s], memory_order_relaxed) == FULL)
			atomic_fetch_or_explicit(&b->top[s / 64], UINT64_C(1) << (s % 64),
						 memory_order_relaxed);
	return 0;
}

void cip__bitmap_destroy(struct cip__bitmap *b)
{
	if (!b)
		return;
	free((void *)b->leaf); /* the one allocation; free(NULL) is a no-op */
	memset(b, 0, sizeof *b);
}

/* ------------------------------------------------------------------ */
/* Single bits                                                        */
/* ------------------------------------------------------------------ */

static int check_bit(const struct cip__bitmap *b, uint64_t bit)
{
	if (!b || !b->leaf)
		return CIP_EINVAL;
	return bit < b->nbits ? 0 : CIP_ERANGE;
}

int cip__bitmap_set(struct cip__bitmap *b, uint64_t bit)
{
	uint64_t w = bit / 64, m = UINT64_C(1) << (bit % 64), old;
	int rc = check_bit(b, bit);

	if (rc)
		return rc;
	old = atomic_fetch_or(&b->leaf[w], m); /* seq_cst: see the top of the file */
	if (old & m)
		return CIP_EALLOCATED;
	after_set(b, w, old | m);
	return 0;
}

int cip__bitmap_clear(struct cip__bitmap *b, uint64_t bit)
{
	uint64_t w = bit / 64, m = UINT64_C(1) << (bit % 64), old;
	int rc = check_bit(b, bit);

	if (rc)
		return rc;
	/* The leaf bit first, then (in after_clear) the summary bit. */
	old = atomic_fetch_and(&b->leaf[w], ~m);
	if (!(old & m))
		return CIP_ENOTALLOCATED;
	after_clear(b, w, old);
	return 0;
}

int cip__bitmap_test(const struct cip__bitmap *b, uint64_t bit)
{
	int rc = check_bit(b, bit);

	if (rc)
		return rc;
	/* Acquire: a caller that sees the bit set also sees what the setter
	 * wrote before setting it. */
	return (atomic_load_explicit(&b->leaf[bit / 64], memory_order_acquire) >> (bit % 64)) & 1;
}

/* ------------------------------------------------------------------ */
/* Claiming                                                           */
/* ------------------------------------------------------------------ */

/*
 * Sets the lowest clear bit of leaf word @p w among @p mask and writes its
 * index to @p out. @return 1, or 0 if the word has no clear bit in the mask.
 * A failed CAS reloads the word and tries its next clear bit.
 */
static int claim_in_word(struct cip__bitmap *b, uint64_t w, uint64_t mask, uint64_t *out)
{
	uint64_t old = atomic_load(&b->leaf[w]);

	for (;;) {
		uint64_t open = ~old & mask, m;

		if (!open)
			return 0;
		m = open & (0 - open);
		/* Weak CAS: a spurious failure just reloads and retries. */
		if (atomic_compare_exchange_weak(&b->leaf[w], &old, old | m)) {
			after_set(b, w, old | m);
			*out = w * 64 + ctz64(m);
			return 1;
		}
	}
}

/* The first summary word in [s, last] whose top bit is clear, or last + 1. */
static uint64_t next_open_summary(const struct cip__bitmap *b, uint64_t s, uint64_t last)
{
	uint64_t t = s / 64, open;

	if (s > last)
		return last + 1;
	open = ~atomic_load(&b->top[t]) & (FULL << (s % 64));
	while (!open) {
		if (++t > last / 64)
			return last + 1;
		open = ~atomic_load(&b->top[t]);
	}
	s = t * 64 + ctz64(open);
	return s <= last ? s : last + 1;
}

/* The first leaf word in [w, last] whose summary bit is clear, or last + 1. */
static uint64_t next_open_word(const struct cip__bitmap *b, uint64_t w, uint64_t last)
{
	uint64_t s = w / 64;
	uint64_t open;

	/* claim_fast() steps past last when the last word has no free bit; if
	 * last is the bitmap's last word and ends a summary word, s would then
	 * index one past the summary array. */
	if (w > last)
		return last + 1;
	open = ~atomic_load(&b->summary[s]) & (FULL << (w % 64));
	while (!open) {
		s = next_open_summary(b, s + 1, last / 64);
		if (s > last / 64)
			return last + 1;
		open = ~atomic_load(&b->summary[s]);
	}
	w = s * 64 + ctz64(open);
	return w <= last ? w : last + 1;
}

/* Claims the lowest clear bit in [from, to), skipping words the summary
 * marks full. @return 0, or CIP_EFULL if none was found that way. */
static int claim_fast(struct cip__bitmap *b, uint64_t from, uint64_t to, uint64_t *out)
{
	uint64_t last = (to - 1) / 64;

	for (uint64_t w = from / 64;; w++) {
		w = next_open_word(b, w, last);
		if (w > last)
			return CIP_EFULL;
		if (claim_in_word(b, w, interval_mask(w, from, to), out))
			return 0;
	}
}

/* claim_fast() without the summary: every leaf word of [from, to). */
static int claim_exact(struct cip__bitmap *b, uint64_t from, uint64_t to, uint64_t *out)
{
	for (uint64_t w = from / 64; w <= (to - 1) / 64; w++)
		if (claim_in_word(b, w, interval_mask(w, from, to), out))
			return 0;
	return CIP_EFULL;
}

static int check_claim(const struct cip__bitmap *b, uint64_t lo, uint64_t hi, uint64_t start,
		       const uint64_t *out)
{
	if (!b || !b->leaf || !out || lo >= hi || start < lo || start >= hi)
		return CIP_EINVAL;
	return hi > b->nbits ? CIP_ERANGE : 0;
}

int cip__bitmap_claim_fast(struct cip__bitmap *b, uint64_t lo, uint64_t hi, uint64_t start,
			   uint64_t *out)
{
	int rc = check_claim(b, lo, hi, start, out);

	if (rc)
		return rc;
	/* Upward from start, then wrap around to lo (Kubernetes' linear scan). */
	if (claim_fast(b, start, hi, out) == 0)
		return 0;
	if (start > lo && claim_fast(b, lo, start, out) == 0)
		return 0;
	return CIP_EFULL;
}

/*
 * After the summary showed nothing free in [lo, hi), every leaf word is
 * read: a summary bit may transiently cover a free bit (see the top of the
 * file). When the interval is a part of a bitmap that has free bits
 * elsewhere, every claim in a full interval pays this O(words) scan, which
 * is why callers that claim in full intervals often keep a count and call
 * cip__bitmap_claim_fast() while it shows the interval full.
 */
int cip__bitmap_claim(struct cip__bitmap *b, uint64_t lo, uint64_t hi, uint64_t start,
		      uint64_t *out)
{
	int rc = cip__bitmap_claim_fast(b, lo, hi, start, out);

	if (rc != CIP_EFULL)
		return rc;
	if (claim_exact(b, start, hi, out) == 0)
		return 0;
	if (start > lo && claim_exact(b, lo, start, out) == 0)
		return 0;
	return CIP_EFULL;
}

/* ------------------------------------------------------------------ */
/* Reading                                                            */
/* ------------------------------------------------------------------ */

uint64_t cip__bitmap_count(const struct cip__bitmap *b)
{
	return b && b->leaf ? cip__bitmap_count_range(b, 0, b->nbits) : 0;
}

uint64_t cip__bitmap_count_range(const struct cip__bitmap *b, uint64_t lo, uint64_t hi)
{
	uint64_t n = 0;

	if (!b || !b->leaf)
		return 0;
	if (hi > b->nbits)
		hi = b->nbits;
	if (lo >= hi)
		return 0;
	/* Relaxed: a statistic; each word is still read whole. The mask keeps
	 * the padding out, because hi <= nbits. */
	for (uint64_t w = lo / 64; w <= (hi - 1) / 64; w++)
		n += popcount64(atomic_load_explicit(&b->leaf[w], memory_order_relaxed) &
				interval_mask(w, lo, hi));
	return n;
}

int cip__bitmap_next_set(const struct cip__bitmap *b, uint64_t from, uint64_t *out)
{
	if (!b || !b->leaf || !out)
		return CIP_EINVAL;
	if (from >= b->nbits)
		return CIP_ENOTFOUND;
	for (uint64_t w = from / 64; w < b->nwords; w++) {
		/* Acquire, as in cip__bitmap_test(). */
		uint64_t set = atomic_load_explicit(&b->leaf[w], memory_order_acquire) &
			       interval_mask(w, from, b->nbits);

		if (set) {
			*out = w * 64 + ctz64(set);
			return 0;
		}
	}
	return CIP_ENOTFOUND;
}

/* ------------------------------------------------------------------ */
/* Invariants, for tests                                              */
/* ------------------------------------------------------------------ */

static int check_summary(const struct cip__bitmap *b)
{
	for (uint64_t w = 0; w < b->nwords; w++) {
		int full = atomic_load(&b->leaf[w]) == FULL;
		int hint = (atomic_load(&b->summary[w / 64]) >> (w % 64)) & 1;

		if (full != hint)
			return 2;
	}
	if (b->nwords % 64 &&
	    atomic_load(&b->summary[b->nsummary - 1]) & (FULL << (b->nwords % 64)))
		return 3;
	for (uint64_t s = 0; s < b->nsummary; s++) {
		int full = atomic_load(&b->summary[s]) == FULL;
		int hint = (atomic_load(&b->top[s / 64]) >> (s % 64)) & 1;

		if (full != hint)
			return 4;
	}
	if (b->nsummary % 64 && atomic_load(&b->top[b->ntop - 1]) & (FULL << (b->nsummary % 64)))
		return 5;
	return 0;
}

int cip__bitmap_check(const struct cip__bitmap *b)
{
	uint64_t pad;

	if (!b || !b->leaf)
		return -1;
	pad = padding_mask(b);
	if ((atomic_load(&b->leaf[b->nwords - 1]) & pad) != pad)
		return 1;
	return check_summary(b);
}
