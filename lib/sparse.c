/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sparse allocation engine (see sparse.h for the layout and the claim
 * policy).
 *
 * Words. Word w is the value word that the index (u64map.c) binds to key w.
 * A binding is permanent and its value pointer stays valid until destroy,
 * so every operation is "find or bind the word, then one atomic RMW on it",
 * exactly as the bitmap changes a leaf word; there is no summary level to
 * keep in step, hence no protocol beyond the index's own. A word that is
 * not bound reads as 0: clear and test never bind, and set and claim bind
 * on demand. An unbound word becoming bound (all zero) changes no bit, so
 * "bound or not" is invisible to callers except through memory.
 *
 * Memory ordering. Word RMWs (fetch_or, fetch_and, CAS) are seq_cst like
 * the bitmap's, so they release what a caller wrote before setting a bit;
 * the reads a caller may use to see that (test, next_set, collect) acquire.
 * Nothing here needs a total order beyond each word's modification order:
 * unlike the bitmap there is no second location whose agreement with the
 * word matters.
 *
 * No offset arithmetic overflows for any nbits up to UINT64_MAX: word
 * indices are below 2^58, so w + 1 and the scan loops are safe; interval
 * masks are built from w == from / 64 and w == (to - 1) / 64 rather than
 * from w * 64 + 64 (which is 2^64 for the last word of a 2^64 - 1 bit
 * range); and a set bit is below nbits, so w * 64 + (bit % 64) fits.
 */
#include <stdlib.h>
#include <string.h>

#include "bits.h"
#include "random.h"
#include "sparse.h"

#define FULL (~UINT64_C(0))

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

/* The bits of word @p w that lie in [from, to); w must overlap it. */
static uint64_t interval_mask(uint64_t w, uint64_t from, uint64_t to)
{
	uint64_t mask = FULL;

	if (from / 64 == w)
		mask &= FULL << (from % 64);
	if ((to - 1) / 64 == w)
		mask &= FULL >> (63 - (to - 1) % 64);
	return mask;
}

/* The bits of the last word that lie past nbits (never set). */
static uint64_t padding_mask(const struct cip__sparse *s)
{
	unsigned used = (unsigned)(s->nbits % 64);

	return used ? FULL << used : 0;
}

static int ready(const struct cip__sparse *s)
{
	return s && s->map.first;
}

static int check_bit(const struct cip__sparse *s, uint64_t bit)
{
	if (!ready(s))
		return CIP_EINVAL;
	return bit < s->nbits ? 0 : CIP_ERANGE;
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                         */
/* ------------------------------------------------------------------ */

int cip__sparse_init(struct cip__sparse *s, uint64_t nbits)
{
	struct cip__sparse t;
	int rc;

	if (!s || nbits == 0)
		return CIP_EINVAL;
	memset(&t, 0, sizeof t);
	t.nbits = nbits;
	t.nwords = (nbits - 1) / 64 + 1; /* nbits + 63 would overflow */
	/* Small ranges get a small first table (room for every word at half
	 * load); big ones start at the map's default and grow. */
	rc = cip__u64map_init(&t.map, t.nwords < CIP__U64MAP_DEFAULT_CAPACITY / 2
					      ? (size_t)t.nwords * 2
					      : CIP__U64MAP_DEFAULT_CAPACITY);
	if (rc)
		return rc;
	*s = t;
	return 0;
}

void cip__sparse_destroy(struct cip__sparse *s)
{
	if (!s)
		return;
	cip__u64map_destroy(&s->map);
	memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------------ */
/* Single bits                                                        */
/* ------------------------------------------------------------------ */

int cip__sparse_set(struct cip__sparse *s, uint64_t bit)
{
	uint64_t w = bit / 64, m = UINT64_C(1) << (bit % 64), old;
	_Atomic uint64_t *v;
	int rc = check_bit(s, bit);

	if (rc)
		return rc;
	rc = cip__u64map_bind(&s->map, w, &v);
	if (rc)
		return rc; /* CIP_ENOMEM: w is far below the key limit */
	old = atomic_fetch_or(v, m);
	if (old & m)
		return CIP_EALLOCATED;
	return 0;
}

int cip__sparse_clear(struct cip__sparse *s, uint64_t bit)
{
	uint64_t w = bit / 64, m = UINT64_C(1) << (bit % 64), old;
	_Atomic uint64_t *v;
	int rc = check_bit(s, bit);

	if (rc)
		return rc;
	v = cip__u64map_find(&s->map, w);
	if (!v)
		return CIP_ENOTALLOCATED; /* never bound: clear */
	old = atomic_fetch_and(v, ~m);
	if (!(old & m))
		return CIP_ENOTALLOCATED;
	return 0;
}

int cip__sparse_test(const struct cip__sparse *s, uint64_t bit)
{
	_Atomic uint64_t *v;
	int rc = check_bit(s, bit);

	if (rc)
		return rc;
	v = cip__u64map_find(&s->map, bit / 64);
	if (!v)
		return 0;
	/* Acquire: a caller that sees the bit set also sees what the setter
	 * wrote before setting it. */
	return (atomic_load_explicit(v, memory_order_acquire) >> (bit % 64)) & 1;
}

/* ------------------------------------------------------------------ */
/* Claiming                                                           */
/* ------------------------------------------------------------------ */

/*
 * Sets the lowest clear bit of word @p w (at @p v) among @p mask and writes
 * its index to @p out. @return 1, or 0 if the word has no clear bit in the
 * mask. A failed CAS reloads the word and tries its next clear bit.
 */
static int claim_in_word(uint64_t w, _Atomic uint64_t *v, uint64_t mask, uint64_t *out)
{
	uint64_t old = atomic_load(v);

	for (;;) {
		uint64_t open = ~old & mask, m;

		if (!open)
			return 0;
		m = open & (0 - open);
		/* Weak CAS: a spurious failure just reloads and retries. */
		if (atomic_compare_exchange_weak(v, &old, old | m)) {
			*out = w * 64 + ctz64(m);
			return 1;
		}
	}
}

/*
 * Step 1 of the policy (sparse.h): bound words with room, from runs of
 * index slots at positions drawn from @p start. Each run is a few
 * neighbouring slots (two or three cache lines), so a run costs about as
 * much as one slot; several runs spread concurrent claimers over different
 * words. @return 1 if a bit was claimed.
 */
static int claim_probe(struct cip__sparse *s, uint64_t lo, uint64_t hi, uint64_t start,
		       uint64_t *out)
{
	uint64_t seed = start, first = lo / 64, last = (hi - 1) / 64;

	for (unsigned p = 0; p < CIP__SPARSE_PROBES; p++) {
		uint64_t at = cip__splitmix64(&seed);

		for (unsigned j = 0; j < CIP__SPARSE_PROBE_RUN; j++) {
			_Atomic uint64_t *v = NULL;
			uint64_t w = 0;

			if (!cip__u64map_slot_at(&s->map, at + j, &w, &v) || w < first || w > last)
				continue;
			if (claim_in_word(w, v, interval_mask(w, lo, hi), out))
				return 1;
		}
	}
	return 0;
}

/*
 * Step 2: the lowest clear bit of [from, to), word by word, binding words
 * that are not bound yet (an unbound word is all clear, so binding one
 * finds a bit unless other threads fill it first).
 * @return 0; CIP_EFULL if every word was seen full; CIP_ENOMEM.
 */
static int claim_scan(struct cip__sparse *s, uint64_t from, uint64_t to, uint64_t *out)
{
	uint64_t last = (to - 1) / 64; /* below 2^58: w++ cannot wrap */

	for (uint64_t w = from / 64; w <= last; w++) {
		_Atomic uint64_t *v;
		int rc = cip__u64map_bind(&s->map, w, &v);

		if (rc)
			return rc;
		if (claim_in_word(w, v, interval_mask(w, from, to), out))
			return 0;
	}
	return CIP_EFULL;
}

int cip__sparse_claim(struct cip__sparse *s, uint64_t lo, uint64_t hi, uint64_t start,
		      uint64_t *out)
{
	int rc;

	if (!ready(s) || !out || lo >= hi || start < lo || start >= hi)
		return CIP_EINVAL;
	if (hi > s->nbits)
		return CIP_ERANGE;
	if (claim_probe(s, lo, hi, start, out))
		return 0;
	/* Upward from start, then wrap around to lo. */
	rc = claim_scan(s, start, hi, out);
	if (rc != CIP_EFULL || start == lo)
		return rc;
	return claim_scan(s, lo, start, out);
}

/* ------------------------------------------------------------------ */
/* Reading                                                            */
/* ------------------------------------------------------------------ */

struct range_ctx {
	uint64_t lo, hi; /* the bits */
	uint64_t n;
};

static int count_word(uint64_t w, _Atomic uint64_t *v, void *arg)
{
	struct range_ctx *c = arg;

	if (w >= c->lo / 64 && w <= (c->hi - 1) / 64)
		c->n += popcount64(atomic_load_explicit(v, memory_order_relaxed) &
				   interval_mask(w, c->lo, c->hi));
	return 0;
}

uint64_t cip__sparse_count(const struct cip__sparse *s)
{
	return ready(s) ? cip__sparse_count_range(s, 0, s->nbits) : 0;
}

uint64_t cip__sparse_count_range(const struct cip__sparse *s, uint64_t lo, uint64_t hi)
{
	struct range_ctx c;

	if (!ready(s))
		return 0;
	if (hi > s->nbits)
		hi = s->nbits;
	if (lo >= hi)
		return 0;
	c.lo = lo;
	c.hi = hi;
	c.n = 0;
	/* Relaxed: a statistic; each word is still read whole. Look the
	 * interval's words up one by one if there are fewer of them than
	 * bound words, else walk the bound words. */
	if ((hi - 1) / 64 - lo / 64 < cip__u64map_bound(&s->map)) {
		for (uint64_t w = lo / 64; w <= (hi - 1) / 64; w++) {
			_Atomic uint64_t *v = cip__u64map_find(&s->map, w);

			if (v)
				count_word(w, v, &c);
		}
	} else {
		cip__u64map_foreach(&s->map, count_word, &c);
	}
	return c.n;
}

struct next_ctx {
	uint64_t from;
	uint64_t best; /* valid if found */
	int found;
};

static int next_in_word(uint64_t w, _Atomic uint64_t *v, void *arg)
{
	struct next_ctx *c = arg;
	uint64_t bits;

	if (w < c->from / 64)
		return 0;
	/* Acquire, as in cip__sparse_test(). */
	bits = atomic_load_explicit(v, memory_order_acquire);
	if (w == c->from / 64)
		bits &= FULL << (c->from % 64);
	if (bits && (!c->found || w * 64 + ctz64(bits) < c->best)) {
		c->best = w * 64 + ctz64(bits); /* a set bit: below nbits */
		c->found = 1;
	}
	return 0;
}

int cip__sparse_next_set(const struct cip__sparse *s, uint64_t from, uint64_t *out)
{
	struct next_ctx c = { .from = from };
	_Atomic uint64_t *v;

	if (!ready(s) || !out)
		return CIP_EINVAL;
	if (from >= s->nbits)
		return CIP_ENOTFOUND;
	/* From's own word first: when it has a bit at or above from, nothing
	 * can be lower (this makes a next_set walk over a dense stretch cheap). */
	v = cip__u64map_find(&s->map, from / 64);
	if (v)
		next_in_word(from / 64, v, &c);
	if (!c.found)
		cip__u64map_foreach(&s->map, next_in_word, &c);
	if (!c.found)
		return CIP_ENOTFOUND;
	*out = c.best;
	return 0;
}

struct word_bits {
	uint64_t w, bits;
};

struct collect_ctx {
	struct word_bits *words;
	size_t n, cap;
};

static int collect_word(uint64_t w, _Atomic uint64_t *v, void *arg)
{
	struct collect_ctx *c = arg;
	uint64_t bits = atomic_load_explicit(v, memory_order_acquire);

	if (!bits)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap * 2;
		struct word_bits *p;

		if (cap > SIZE_MAX / sizeof *p)
			return CIP_ENOMEM;
		p = realloc(c->words, cap * sizeof *p);
		if (!p)
			return CIP_ENOMEM;
		c->words = p;
		c->cap = cap;
	}
	c->words[c->n].w = w;
	c->words[c->n].bits = bits;
	c->n++;
	return 0;
}

static int by_word(const void *a, const void *b)
{
	uint64_t x = ((const struct word_bits *)a)->w, y = ((const struct word_bits *)b)->w;

	return (x > y) - (x < y);
}

int cip__sparse_collect(const struct cip__sparse *s, uint64_t **out, size_t *n)
{
	struct collect_ctx c;
	uint64_t total = 0, *bits;
	size_t k = 0;
	int rc;

	if (!ready(s) || !out || !n)
		return CIP_EINVAL;
	/* Room for the words bound now; more may be bound during the walk. */
	c.cap = (size_t)cip__u64map_bound(&s->map) + 16;
	c.n = 0;
	c.words = malloc(c.cap * sizeof *c.words);
	if (!c.words)
		return CIP_ENOMEM;
	rc = cip__u64map_foreach(&s->map, collect_word, &c);
	if (rc) {
		free(c.words);
		return rc;
	}
	qsort(c.words, c.n, sizeof *c.words, by_word);
	for (size_t i = 0; i < c.n; i++)
		total += popcount64(c.words[i].bits);
	if (total == 0) {
		free(c.words);
		*out = NULL;
		*n = 0;
		return 0;
	}
	bits = total <= SIZE_MAX / sizeof *bits ? malloc((size_t)total * sizeof *bits) : NULL;
	if (!bits) {
		free(c.words);
		return CIP_ENOMEM;
	}
	for (size_t i = 0; i < c.n; i++)
		for (uint64_t b = c.words[i].bits; b; b &= b - 1)
			bits[k++] = c.words[i].w * 64 + ctz64(b);
	free(c.words);
	*out = bits;
	*n = k;
	return 0;
}

size_t cip__sparse_memory(const struct cip__sparse *s)
{
	if (!ready(s))
		return 0;
	return cip__u64map_memory(&s->map);
}

/* ------------------------------------------------------------------ */
/* Invariants, for tests                                              */
/* ------------------------------------------------------------------ */

struct check_ctx {
	const struct cip__sparse *s;
};

static int check_word(uint64_t w, _Atomic uint64_t *v, void *arg)
{
	struct check_ctx *c = arg;
	uint64_t bits = atomic_load(v);

	if (w >= c->s->nwords)
		return 1;
	if (w == c->s->nwords - 1 && (bits & padding_mask(c->s)))
		return 2;
	return 0;
}

int cip__sparse_check(const struct cip__sparse *s)
{
	struct check_ctx c = { .s = s };
	int rc;

	if (!ready(s))
		return -1;
	rc = cip__u64map_foreach(&s->map, check_word, &c);
	if (rc)
		return rc;
	return cip__u64map_check(&s->map) ? 3 : 0;
}
