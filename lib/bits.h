/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: small bit tricks for the parsing and formatting fast paths.
 *
 * "SWAR" (SIMD within a register) helpers test eight bytes of a uint64_t at
 * once; byte i of a word is the i-th byte in memory (see load_le64), and a
 * test result has 0x80 set in each byte that passes. Everything is static
 * inline and portable C11; compiler builtins are only used when available.
 */
#ifndef CIP_BITS_H
#define CIP_BITS_H

#include <stdint.h>
#include <string.h>

#if defined(__GNUC__)
#define CIP_INLINE static inline __attribute__((always_inline))
#define CIP_NOINLINE __attribute__((noinline))
#else
#define CIP_INLINE static inline
#define CIP_NOINLINE
#endif

/*
 * SSE2 intrinsics: SSE2 is part of every x86-64 CPU (and enabled on i386
 * builds that ask for it), so using them needs no run-time check.
 */
#if defined(__SSE2__) && !defined(CIP_NO_SIMD) && !defined(CIP_NO_BUILTINS)
#define CIP_HAVE_SSE2 1
#else
#define CIP_HAVE_SSE2 0
#endif

/* The byte @p c repeated in all eight bytes of a word. */
#define REP8(c) (UINT64_C(0x0101010101010101) * (uint8_t)(c))

/*
 * Loads and stores of little- and big-endian numbers. On a little-endian
 * GCC or Clang they are one memcpy (and a byte swap), which is one
 * instruction; elsewhere they are spelt out byte by byte, which is correct
 * on any host. (Compilers usually merge the byte-wise form too, but not
 * reliably once it is inlined into larger code.)
 */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&   \
	!defined(CIP_NO_BUILTINS)
#define CIP_FAST_LE 1
#else
#define CIP_FAST_LE 0
#endif

static inline uint32_t load_le32(const uint8_t *p)
{
#if CIP_FAST_LE
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
#else
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
#endif
}

static inline uint64_t load_le64(const uint8_t *p)
{
#if CIP_FAST_LE
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
#else
	return load_le32(p) | (uint64_t)load_le32(p + 4) << 32;
#endif
}

static inline void store_le64(uint8_t *p, uint64_t v)
{
#if CIP_FAST_LE
	memcpy(p, &v, 8);
#else
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> 8 * i);
#endif
}

static inline uint64_t load_be64(const uint8_t *p)
{
#if CIP_FAST_LE
	return __builtin_bswap64(load_le64(p));
#else
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
#endif
}

static inline void store_be64(uint8_t *p, uint64_t v)
{
#if CIP_FAST_LE
	store_le64(p, __builtin_bswap64(v));
#else
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
#endif
}

/*
 * The first 16 bytes of a text of @p len >= 4 bytes as two words, zero past
 * its end, reading only bytes of the text: overlapping loads, shifted into
 * place. (Copying the text to a buffer first and loading words from it
 * would make the CPU wait: a load that spans several recent stores cannot
 * take its data from them directly.)
 */
CIP_INLINE void load_head16(const uint8_t *s, size_t len, uint64_t *w0, uint64_t *w1)
{
	if (len >= 16) {
		*w0 = load_le64(s);
		*w1 = load_le64(s + 8);
	} else if (len >= 8) {
		*w0 = load_le64(s);
		*w1 = load_le64(s + len - 8) >> (8 * (16 - len) - 1) >> 1; /* 64 is no shift */
	} else {
		*w0 = load_le32(s) | (uint64_t)load_le32(s + len - 4) << (8 * (len - 4));
		*w1 = 0;
	}
}

/* load_head16() for any @p len, also below 4 (the 1-3 bytes: first,
 * middle and last, which overlap as needed). */
CIP_INLINE void load_head16_any(const uint8_t *s, size_t len, uint64_t *w0, uint64_t *w1)
{
	if (len >= 4) {
		load_head16(s, len, w0, w1);
		return;
	}
	*w0 = len ? s[0] | (uint64_t)s[len / 2] << (8 * (len / 2)) |
			      (uint64_t)s[len - 1] << (8 * (len - 1))
		  : 0;
	*w1 = 0;
}

/* 0x80 in each byte of @p w that is not an ASCII digit. */
static inline uint64_t swar_nondigit(uint64_t w)
{
	uint64_t x = w ^ REP8('0'); /* digits become 0..9, all else >= 10 */

	return (((x & REP8(0x7f)) + REP8(0x76)) | x) & REP8(0x80);
}

/*
 * Bit 7 of byte i moved to bit i: the multiplication adds shifted copies
 * of the flags that land, without carries, in the top byte.
 */
static inline unsigned swar_gather(uint64_t flags)
{
	return (unsigned)(((flags >> 7) * UINT64_C(0x0102040810204080)) >> 56);
}

/* The index of the lowest set bit of @p x, which must not be 0. */
static inline unsigned ctz32(uint32_t x)
{
#if defined(__GNUC__) && !defined(CIP_NO_BUILTINS)
	return (unsigned)__builtin_ctz(x);
#else
	/* de Bruijn multiplication: the lowest bit alone, times the sequence,
	 * leaves a distinct 5-bit pattern in the top bits. */
	static const uint8_t index[32] = { 0,  1,  28, 2,  29, 14, 24, 3,  30, 22, 20,
					   15, 25, 17, 4,  8,  31, 27, 13, 23, 21, 19,
					   16, 7,  26, 12, 18, 6,  11, 5,  10, 9 };

	return index[((x & (0u - x)) * UINT32_C(0x077CB531)) >> 27];
#endif
}

/* The index of the lowest set bit of @p x, which must not be 0. */
static inline unsigned ctz64(uint64_t x)
{
#if defined(__GNUC__) && !defined(CIP_NO_BUILTINS)
	return (unsigned)__builtin_ctzll(x);
#else
	uint32_t lo = (uint32_t)x;

	return lo ? ctz32(lo) : 32 + ctz32((uint32_t)(x >> 32));
#endif
}

/* The number of set bits of @p x. */
static inline unsigned popcount64(uint64_t x)
{
	/* The builtin only when it is one instruction: without POPCNT it
	 * calls libgcc's table-driven __popcountdi2, slower than SWAR. */
#if defined(__GNUC__) && defined(__POPCNT__) && !defined(CIP_NO_BUILTINS)
	return (unsigned)__builtin_popcountll(x);
#else
	/* SWAR: sums of 2, then 4, then 8 bits, then all bytes by a multiply. */
	x -= (x >> 1) & UINT64_C(0x5555555555555555);
	x = (x & UINT64_C(0x3333333333333333)) + ((x >> 2) & UINT64_C(0x3333333333333333));
	x = (x + (x >> 4)) & UINT64_C(0x0F0F0F0F0F0F0F0F);
	return (unsigned)((x * UINT64_C(0x0101010101010101)) >> 56);
#endif
}

/* The number of leading zero bits of @p x, which must not be 0. */
static inline unsigned clz32(uint32_t x)
{
#if defined(__GNUC__) && !defined(CIP_NO_BUILTINS)
	return (unsigned)__builtin_clz(x);
#else
	unsigned n = 0;

	for (uint32_t bit = UINT32_C(1) << 31; !(x & bit); bit >>= 1)
		n++;
	return n;
#endif
}

/* The number of leading zero bits of @p x, which must not be 0. */
static inline unsigned clz64(uint64_t x)
{
#if defined(__GNUC__) && !defined(CIP_NO_BUILTINS)
	return (unsigned)__builtin_clzll(x);
#else
	uint32_t hi = (uint32_t)(x >> 32);

	return hi ? clz32(hi) : 32 + clz32((uint32_t)x);
#endif
}

/*
 * Copies n <= 48 bytes with fixed-size, possibly overlapping copies, which
 * compile to a few loads and stores instead of a call to memcpy. Writes
 * only dst[0..n).
 */
static inline void copy_small(uint8_t *dst, const uint8_t *src, size_t n)
{
	if (n >= 16) {
		memcpy(dst, src, 16);
		if (n > 32)
			memcpy(dst + 16, src + 16, 16);
		memcpy(dst + n - 16, src + n - 16, 16);
	} else if (n >= 8) {
		memcpy(dst, src, 8);
		memcpy(dst + n - 8, src + n - 8, 8);
	} else if (n >= 4) {
		memcpy(dst, src, 4);
		memcpy(dst + n - 4, src + n - 4, 4);
	} else {
		for (size_t i = 0; i < n; i++)
			dst[i] = src[i];
	}
}

/* A hint to start loading the line of @p p; nothing on compilers without
 * the builtin. */
#if defined(__GNUC__) || defined(__clang__)
#define cip__prefetch(p) __builtin_prefetch(p)
#else
#define cip__prefetch(p) ((void)(p))
#endif

#endif /* CIP_BITS_H */
