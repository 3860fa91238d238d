/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: unsigned 128-bit arithmetic on two uint64_t halves.
 *
 * Portable C11 (no __int128, which MSVC and some 32-bit targets lack). All
 * functions are static inline, so nothing here is ever exported.
 */
#ifndef CIP_U128_H
#define CIP_U128_H

#include <stdint.h>

#include <clusterip/common.h>

#include "bits.h"

static inline cip_u128 u128_make(uint64_t hi, uint64_t lo)
{
	cip_u128 v;
	v.hi = hi;
	v.lo = lo;
	return v;
}

static inline cip_u128 u128_zero(void)
{
	return u128_make(0, 0);
}

static inline cip_u128 u128_ones(void)
{
	return u128_make(UINT64_MAX, UINT64_MAX);
}

static inline int u128_is_zero(cip_u128 a)
{
	return (a.hi | a.lo) == 0;
}

static inline int u128_eq(cip_u128 a, cip_u128 b)
{
	return a.hi == b.hi && a.lo == b.lo;
}

/* -1, 0 or 1 as a is below, equal to or above b. */
static inline int u128_cmp(cip_u128 a, cip_u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

/* a + b modulo 2^128; *carry receives the bit carried out of bit 127. */
static inline cip_u128 u128_add(cip_u128 a, cip_u128 b, unsigned *carry)
{
	cip_u128 r;
	unsigned c;

	r.lo = a.lo + b.lo;
	c = r.lo < a.lo;
	r.hi = a.hi + b.hi;
	*carry = (r.hi < a.hi) | (r.hi + c < r.hi);
	r.hi += c;
	return r;
}

/* a - b modulo 2^128; *borrow receives 1 when b > a. */
static inline cip_u128 u128_sub(cip_u128 a, cip_u128 b, unsigned *borrow)
{
	cip_u128 r;
	unsigned c;

	r.lo = a.lo - b.lo;
	c = a.lo < b.lo;
	r.hi = a.hi - b.hi;
	*borrow = (a.hi < b.hi) | (r.hi < c);
	r.hi -= c;
	return r;
}

/* a + small, for offsets known not to wrap. */
static inline cip_u128 u128_add64(cip_u128 a, uint64_t b)
{
	unsigned carry;

	return u128_add(a, u128_make(0, b), &carry);
}

static inline cip_u128 u128_and(cip_u128 a, cip_u128 b)
{
	return u128_make(a.hi & b.hi, a.lo & b.lo);
}

static inline cip_u128 u128_or(cip_u128 a, cip_u128 b)
{
	return u128_make(a.hi | b.hi, a.lo | b.lo);
}

static inline cip_u128 u128_not(cip_u128 a)
{
	return u128_make(~a.hi, ~a.lo);
}

/* a << n for n in 0..127 (shifting a uint64_t by 64 is undefined in C). */
static inline cip_u128 u128_shl(cip_u128 a, unsigned n)
{
	if (n == 0)
		return a;
	if (n >= 64)
		return u128_make(a.lo << (n - 64), 0);
	return u128_make(a.hi << n | a.lo >> (64 - n), a.lo << n);
}

/* a >> n for n in 0..127. */
static inline cip_u128 u128_shr(cip_u128 a, unsigned n)
{
	if (n == 0)
		return a;
	if (n >= 64)
		return u128_make(0, a.hi >> (n - 64));
	return u128_make(a.hi >> n, a.lo >> n | a.hi << (64 - n));
}

/* 2^n for n in 0..127. */
static inline cip_u128 u128_pow2(unsigned n)
{
	return u128_shl(u128_make(0, 1), n);
}

/* The low n bits set, n in 0..128: 2^n - 1 without overflowing at 128. */
static inline cip_u128 u128_low_mask(unsigned n)
{
	if (n >= 128)
		return u128_ones();
	if (n >= 64)
		return u128_make(n == 64 ? 0 : UINT64_MAX >> (128 - n), UINT64_MAX);
	return u128_make(0, n == 0 ? 0 : UINT64_MAX >> (64 - n));
}

/*
 * a / d with *rem = a % d, for a divisor below 2^32: long division over four
 * 32-bit limbs, so that each step divides a 64-bit value (rem < d keeps
 * (rem << 32 | limb) below 2^64).
 */
static inline cip_u128 u128_divmod_u32(cip_u128 a, uint32_t d, uint32_t *rem)
{
	uint64_t limb[4] = { a.hi >> 32, a.hi & 0xffffffffu, a.lo >> 32, a.lo & 0xffffffffu };
	uint64_t r = 0;

	for (int i = 0; i < 4; i++) {
		uint64_t cur = r << 32 | limb[i];
		limb[i] = cur / d;
		r = cur % d;
	}
	*rem = (uint32_t)r;
	return u128_make(limb[0] << 32 | limb[1], limb[2] << 32 | limb[3]);
}

/* The 16 big-endian bytes of an address as a number, and back. */
static inline cip_u128 u128_load_be(const uint8_t b[16])
{
	return u128_make(load_be64(b), load_be64(b + 8));
}

static inline void u128_store_be(uint8_t b[16], cip_u128 v)
{
	store_be64(b, v.hi);
	store_be64(b + 8, v.lo);
}

#endif /* CIP_U128_H */
