/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: a small, fast, seedable random source for allocation start
 * points. Not cryptographic: it only has to spread starting points evenly.
 *
 * The state is one uint64_t that the caller owns (no global state), so a
 * fixed seed reproduces a run exactly. Everything is static inline.
 */
#ifndef CIP_RANDOM_H
#define CIP_RANDOM_H

#include <stdint.h>

/* The golden-ratio increment of splitmix64, also a good multiplicative
 * hash constant (Fibonacci hashing). */
#define GOLDEN_GAMMA UINT64_C(0x9E3779B97F4A7C15)

/*
 * splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014): a Weyl sequence through a 64-bit mixer. Every
 * seed, 0 included, gives a full-period (2^64) sequence of well-mixed
 * outputs.
 */
static inline uint64_t cip__splitmix64(uint64_t *state)
{
	uint64_t z = (*state += GOLDEN_GAMMA);

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* The full 128-bit product a * b as *hi:*lo, from 32-bit halves (no
 * __int128), so that it is correct on any C11 host. */
static inline void cip__mul64_portable(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
	uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	/* The middle column cannot overflow: each term is below 2^32. */
	uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;

	*lo = (mid << 32) | (uint32_t)p00;
	*hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/* The full 128-bit product a * b: one instruction where the compiler has a
 * 128-bit type, the portable form elsewhere. */
static inline void cip__mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
#if defined(__SIZEOF_INT128__) && !defined(CIP_NO_BUILTINS)
	__extension__ unsigned __int128 p = (unsigned __int128)a * b;

	*hi = (uint64_t)(p >> 64);
	*lo = (uint64_t)p;
#else
	cip__mul64_portable(a, b, hi, lo);
#endif
}

/* The constant of cip__mod_reduce() for the divisor @p d >= 1: Lemire's
 * M = floor((2^64 - 1) / d) + 1 (0 for d = 1). */
static inline uint64_t cip__mod_magic(uint32_t d)
{
	return UINT64_MAX / d + 1;
}

/*
 * @p c mod @p d, with @p magic = cip__mod_magic(d). For c below 2^32 two
 * multiplications instead of a division (Lemire, Kaser and Kurz, "Faster
 * Remainder by Direct Computation", 2019: the low 64 bits of M * c are
 * the fraction c / d scaled by 2^64, and their product with d has the
 * remainder in its high half). A 64-bit division costs tens of cycles on
 * common cores; larger c take it.
 */
static inline uint32_t cip__mod_reduce(uint64_t c, uint32_t d, uint64_t magic)
{
	uint64_t hi, lo;

	if (c >> 32)
		return (uint32_t)(c % d);
	cip__mul64(magic * c, d, &hi, &lo);
	return (uint32_t)hi;
}

/* A non-zero seed from the OS's entropy source, or, without one, from the
 * time and the address space layout. */
uint64_t cip__seed_from_os(void);

/*
 * A uniformly distributed number in [0, bound), bound >= 1 (bound 0 is
 * treated as 1 and gives 0), advancing *state.
 *
 * Lemire's nearly divisionless method ("Fast Random Integer Generation in
 * an Interval", ACM TOMACS 2019): the high half of x * bound is in
 * [0, bound), and each result is hit by floor(2^64 / bound) or one more
 * values of x. Rejecting the x whose low half is below 2^64 mod bound
 * leaves exactly floor(2^64 / bound) values per result, so there is no
 * modulo bias. The threshold costs a division, but it is only computed
 * when the low half is below bound, which happens with probability
 * bound / 2^64; the expected number of draws is below 2.
 */
static inline uint64_t cip__bounded_random(uint64_t *state, uint64_t bound)
{
	uint64_t hi, lo;

	if (bound <= 1)
		return 0;
	cip__mul64(cip__splitmix64(state), bound, &hi, &lo);
	if (lo < bound) {
		/* 2^64 mod bound, computed in 64 bits as (2^64 - bound) mod bound. */
		uint64_t threshold = (0 - bound) % bound;

		while (lo < threshold)
			cip__mul64(cip__splitmix64(state), bound, &hi, &lo);
	}
	return hi;
}

#endif /* CIP_RANDOM_H */
