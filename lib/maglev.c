/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Maglev lookup table (see maglev.h).
 *
 * Population ("Pseudo-code 1" of the paper). Backend i has the permutation
 * offset_i, offset_i + skip_i, offset_i + 2 skip_i, ... (mod M), with
 * offset_i = h1(key_i) mod M and skip_i = h2(key_i) mod (M - 1) + 1. As M
 * is prime and 1 <= skip_i < M, this walk visits every slot once in its
 * first M steps. The backends take turns, in ascending key order, each
 * taking the first slot of its walk that is still empty, until all M slots
 * are taken; so each takes floor(M/N) or ceil(M/N) slots.
 *
 * Walking. Each backend only keeps its current position and its skip: a
 * step is an addition and a conditional subtraction, never a multiplication
 * or a division. Positions stay below M <= CIP__MAGLEV_MAX_M < 2^25, so the
 * sum of two never overflows 32 bits. The steps test an M-bit fill marker
 * rather than the 16-bit slots: 8 KiB for the default M, which stays in the
 * L1 cache where the slots would not.
 *
 * The endgame. Walking costs about M ln M steps in all, whatever N is,
 * because with E slots still empty a walk needs about M/E steps to find
 * one: the last sqrt(M) slots alone take nearly half of the steps. So once
 * only about sqrt(M) slots are empty, a backend's next slot is found by
 * computing, for each empty slot e, the number of steps its walk needs to
 * reach e, (e - pos) / skip mod M, and taking the e with the fewest: E
 * modular products instead of about M/E steps. It is the same slot the
 * walk would reach, so the table is the paper's exactly; the endgame only
 * saves time (15% to 20% of a build at the default M, 30% at M = 2^20).
 *
 * Memory. Besides the table, a build holds one scratch block of 16 bytes a
 * backend, M/8 bytes of fill marker and 4 sqrt(M) bytes of endgame list
 * (25 KiB for N = 1000 and the default M), freed before it returns. No
 * state outlives a call, so the result depends on the keys and M only.
 */
#include <stdlib.h>
#include <string.h>

#include <clusterip/common.h>

#include "bits.h"
#include "maglev.h"

/* The most backends: an index must fit a slot's 16 bits. */
#define MAX_N 65535u

/*
 * A backend's scratch entry: its key and index while the backends are put
 * in key order, then, in place, its walk.
 */
union backend {
	struct {
		uint64_t key;
		uint32_t index;
	} in;
	struct {
		uint32_t pos; /* the next slot of the walk, < M */
		uint32_t skip;
		uint32_t index;
		uint32_t inv; /* 1 / skip mod M, or 0 until the endgame needs it */
	} walk;
};

int cip__maglev_is_prime(uint32_t m)
{
	if (m < 4)
		return m >= 2;
	if (m % 2 == 0 || m % 3 == 0)
		return 0;
	/* Every prime above 3 is 6k +- 1; d * d in 64 bits cannot wrap. */
	for (uint64_t d = 5; d * d <= m; d += 6)
		if (m % d == 0 || m % (d + 2) == 0)
			return 0;
	return 1;
}

/* Two unrelated bijective 64-bit mixers, so that offset and skip are
 * independent: MurmurHash3's fmix64 and the splitmix64 finalizer. */
static uint64_t mix_offset(uint64_t k)
{
	k ^= k >> 33;
	k *= UINT64_C(0xFF51AFD7ED558CCD);
	k ^= k >> 33;
	k *= UINT64_C(0xC4CEB9FE1A85EC53);
	return k ^ (k >> 33);
}

static uint64_t mix_skip(uint64_t k)
{
	k += GOLDEN_GAMMA;
	k = (k ^ (k >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	k = (k ^ (k >> 27)) * UINT64_C(0x94D049BB133111EB);
	return k ^ (k >> 31);
}

/* Ascending key, then input order: a total order, so the result does not
 * depend on how qsort breaks ties. */
static int by_key(const void *pa, const void *pb)
{
	const union backend *a = pa, *b = pb;

	if (a->in.key != b->in.key)
		return a->in.key < b->in.key ? -1 : 1;
	return a->in.index < b->in.index ? -1 : a->in.index > b->in.index;
}

/* Puts the backends in key order and starts their walks. */
static void start_walks(union backend *b, const uint64_t *keys, size_t n, uint32_t m)
{
	for (size_t i = 0; i < n; i++) {
		b[i].in.key = keys[i];
		b[i].in.index = (uint32_t)i;
	}
	qsort(b, n, sizeof(*b), by_key);
	for (size_t i = 0; i < n; i++) {
		uint64_t key = b[i].in.key;
		uint32_t index = b[i].in.index;

		b[i].walk.pos = (uint32_t)(mix_offset(key) % m);
		/* m == 2 leaves a single skip, 1. */
		b[i].walk.skip = (uint32_t)(mix_skip(key) % (m - 1)) + 1;
		b[i].walk.index = index;
		b[i].walk.inv = 0;
	}
}

/* x mod m for x < 2m, written so that it compiles to a conditional move:
 * whether a walk wraps is a coin toss the branch predictor would lose. */
static inline uint32_t wrap(uint32_t x, uint32_t m)
{
	return x - (x >= m ? m : 0);
}

/* Takes the first empty slot of @p w's walk: marks it used and returns it. */
static uint32_t walk_next(union backend *w, uint64_t *used, uint32_t m)
{
	uint32_t pos = w->walk.pos, p;

	do {
		p = pos;
		pos = wrap(pos + w->walk.skip, m);
	} while (used[p / 64] & (UINT64_C(1) << (p % 64)));
	used[p / 64] |= UINT64_C(1) << (p % 64);
	w->walk.pos = pos;
	return p;
}

/* The inverse of @p a modulo the prime @p m, 0 < a < m, by the extended
 * Euclidean algorithm. Every remainder and coefficient is at most 2m in
 * magnitude, so 32-bit arithmetic suffices. */
static uint32_t inverse(uint32_t a, uint32_t m)
{
	int32_t r0 = (int32_t)m, r1 = (int32_t)a, t0 = 0, t1 = 1;

	while (r1 != 0) {
		int32_t q = r0 / r1, r = r0 - q * r1, t = t0 - q * t1;

		r0 = r1;
		r1 = r;
		t0 = t1;
		t1 = t;
	}
	return (uint32_t)(t0 < 0 ? t0 + (int32_t)m : t0);
}

/*
 * The number of steps from @p pos to @p e of a walk whose skip has the
 * inverse @p inv: (e - pos) * inv mod m. The product is below m^2 < 2^50;
 * it is reduced by Barrett's method with @p barrett = floor((2^64 - 1) / m),
 * whose quotient estimate is at most one short, so one conditional
 * subtraction completes the remainder without a division.
 */
static uint32_t steps_to(uint32_t e, uint32_t pos, uint32_t inv, uint32_t m, uint64_t barrett)
{
	uint64_t x = (uint64_t)wrap(e + (m - pos), m) * inv, q, lo;

	cip__mul64(x, barrett, &q, &lo);
	x -= q * m;
	return (uint32_t)(x >= m ? x - m : x);
}

/* Takes the first empty slot of @p w's walk by the endgame's search of the
 * @p *left slots in @p empty[], and removes it from there. */
static uint32_t search_next(union backend *w, uint32_t *empty, uint32_t *left, uint32_t m,
			    uint64_t barrett)
{
	uint32_t best = 0, fewest = UINT32_MAX, p;

	/* No inverse is 0, so 0 marks one not computed yet: only the backends
	 * whose turn comes in the endgame need one. */
	if (w->walk.inv == 0)
		w->walk.inv = inverse(w->walk.skip, m);
	for (uint32_t k = 0; k < *left; k++) {
		uint32_t s = steps_to(empty[k], w->walk.pos, w->walk.inv, m, barrett);

		if (s < fewest) {
			fewest = s;
			best = k;
		}
	}
	p = empty[best];
	empty[best] = empty[--*left];
	w->walk.pos = wrap(p + w->walk.skip, m);
	return p;
}

/* The number of empty slots at which the endgame starts: the largest power
 * of two whose square is at most m, where a search of E slots and a walk of
 * about M/E steps cost about the same. */
static uint32_t endgame_size(uint32_t m)
{
	uint32_t e = 1;

	while ((uint64_t)(2 * e) * (2 * e) <= m)
		e *= 2;
	return e;
}

/* The empty slots of @p used, into @p empty. */
static void collect_empty(const uint64_t *used, uint32_t m, uint32_t *empty)
{
	uint32_t k = 0;

	for (uint32_t w = 0; w <= (m - 1) / 64; w++) {
		for (uint64_t bits = ~used[w]; bits != 0; bits &= bits - 1) {
			uint32_t p = w * 64 + ctz64(bits);

			/* The last word's bits at and past m are not slots. */
			if (p >= m)
				break;
			empty[k++] = p;
		}
	}
}

static void populate(struct cip__maglev *t, union backend *b, size_t n, uint64_t *used,
		     uint32_t *empty)
{
	uint32_t m = t->m, left = m, endgame = endgame_size(m);
	uint64_t barrett = UINT64_MAX / m;
	size_t i = 0;

	for (; left > endgame; left--) {
		t->slots[walk_next(&b[i], used, m)] = (uint16_t)b[i].walk.index;
		i = i + 1 == n ? 0 : i + 1;
	}
	collect_empty(used, m, empty);
	while (left > 0) {
		t->slots[search_next(&b[i], empty, &left, m, barrett)] = (uint16_t)b[i].walk.index;
		i = i + 1 == n ? 0 : i + 1;
	}
}

int cip__maglev_build(const uint64_t *keys, size_t n, uint32_t m, struct cip__maglev **out)
{
	struct cip__maglev *t;
	union backend *b;
	uint64_t *used;
	size_t words;

	if (!keys || !out || n == 0 || n > MAX_N || m > CIP__MAGLEV_MAX_M || m < n ||
	    !cip__maglev_is_prime(m))
		return CIP_EINVAL;
	/* m <= CIP__MAGLEV_MAX_M and n <= MAX_N keep every size below far from
	 * overflow. */
	words = ((size_t)m + 63) / 64;
	t = malloc(sizeof(*t) + (size_t)m * sizeof(t->slots[0]));
	/* One scratch block: the backends, the fill marker and the endgame's
	 * list, in that order, so that each part is aligned. */
	b = malloc(n * sizeof(*b) + words * sizeof(*used) + endgame_size(m) * sizeof(uint32_t));
	if (!t || !b) {
		free(t);
		free(b);
		return CIP_ENOMEM;
	}
	t->m = m;
	t->n = (uint32_t)n;
	used = (uint64_t *)(b + n);
	memset(used, 0, words * sizeof(*used));
	start_walks(b, keys, n, m);
	populate(t, b, n, used, (uint32_t *)(used + words));
	free(b);
	*out = t;
	return 0;
}

void cip__maglev_free(struct cip__maglev *t)
{
	free(t);
}
