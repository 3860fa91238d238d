/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: the IPv4 fast path with SSSE3 (after Lemire and Muła's
 * sse_inet_aton), for addr_parse.c only.
 *
 * Sixteen bytes of the text are classified at once. The positions of the
 * three dots and of the end form a "separator mask"; the 81 plain dotted
 * quads (octets of 1-3 digits) have 81 distinct masks, and a perfect hash
 * of the mask picks a table row with a pshufb mask that moves each octet's
 * digits into a 32-bit lane, where pmaddubsw/pmaddwd weigh them into the
 * octet's value. Every check (digits only, the row's mask is the text's,
 * no leading zero, no octet above 255) is a mask test, so random input
 * costs no mispredicted branch.
 *
 * Debian's x86-64 baseline has only SSE2, so the function is compiled for
 * SSSE3 alone (a target attribute, not a compiler flag) and chosen at run
 * time with __builtin_cpu_supports(), which reads the CPU model libgcc (or
 * compiler-rt) filled in once at start-up. Should it not have been filled in
 * yet, it reports no feature and the portable path runs: slower, still
 * correct. CIP_NO_SIMD (or CIP_NO_BUILTINS) forces the portable path.
 */
#ifndef CIP_V4_SIMD_H
#define CIP_V4_SIMD_H

#include <stddef.h>
#include <stdint.h>

#include "bits.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && !defined(CIP_NO_SIMD) &&    \
	!defined(CIP_NO_BUILTINS)
#define CIP_HAVE_V4_SSSE3 1
#else
#define CIP_HAVE_V4_SSSE3 0
#endif

#if CIP_HAVE_V4_SSSE3
#include <tmmintrin.h>

/* One plain dotted quad shape. */
struct v4_shape {
	int8_t shuffle[16]; /* octet i's digits to bytes 4i..4i+2 (hundreds, tens, ones) */
	uint16_t seps;	    /* bits of the three dots and of the end */
	uint16_t lead;	    /* bits of the first digit of each octet of 2-3 digits */
};

/*
 * The shape with octets of a, b, c and d digits. Z selects a zero byte
 * (pshufb zeroes a lane whose index has bit 7 set); the octet starting at s
 * with l digits has them right-aligned in bytes 0..2 of its lane.
 */
#define V4_Z (-128)
#define V4_LANE(s, l) (l) == 3 ? (s) : V4_Z, (l) >= 2 ? (s) + (l)-2 : V4_Z, (s) + (l)-1, V4_Z
#define V4_LEAD(s, l) ((l) >= 2 ? 1u << (s) : 0u)
#define V4_SHAPE(a, b, c, d)                                                                       \
	{                                                                                          \
		{ V4_LANE(0, a), V4_LANE((a) + 1, b), V4_LANE((a) + (b) + 2, c),                   \
		  V4_LANE((a) + (b) + (c) + 3, d) },                                               \
			1u << (a) | 1u << ((a) + (b) + 1) | 1u << ((a) + (b) + (c) + 2) |          \
				1u << ((a) + (b) + (c) + (d) + 3),                                 \
			V4_LEAD(0, a) | V4_LEAD((a) + 1, b) | V4_LEAD((a) + (b) + 2, c) |          \
				V4_LEAD((a) + (b) + (c) + 3, d)                                    \
	}
#define V4_SHAPES_C(a, b, c) V4_SHAPE(a, b, c, 1), V4_SHAPE(a, b, c, 2), V4_SHAPE(a, b, c, 3)
#define V4_SHAPES_B(a, b) V4_SHAPES_C(a, b, 1), V4_SHAPES_C(a, b, 2), V4_SHAPES_C(a, b, 3)
#define V4_SHAPES_A(a) V4_SHAPES_B(a, 1), V4_SHAPES_B(a, 2), V4_SHAPES_B(a, 3)

/* Row 27(a-1) + 9(b-1) + 3(c-1) + (d-1) is V4_SHAPE(a, b, c, d); row 81
 * matches no text (its seps is 0, and a text's always has its end bit). */
static const struct v4_shape v4_shapes[82] = {
	V4_SHAPES_A(1), V4_SHAPES_A(2), V4_SHAPES_A(3), { { 0 }, 0, 0 }
};

/* The perfect hash of a separator mask: 0..255, distinct for the 81 shapes. */
#define V4_HASH(seps) (((seps)*3359u >> 7) & 255u)

/*
 * The row of v4_shapes for each hash value; 81 for none. 3359 and 7 are the
 * first multiplier and shift that a search found collision-free for the 81
 * masks in 256 slots (none does in 128). Generated with:
 *
 *   unsigned char id[256]; memset(id, 81, 256);
 *   for (a, b, c, d in 1..3) {
 *           unsigned m = 1u << a | 1u << (a+b+1) | 1u << (a+b+c+2) |
 *                        1u << (a+b+c+d+3);
 *           id[V4_HASH(m)] = 27 * (a-1) + 9 * (b-1) + 3 * (c-1) + d-1;
 *   }
 */
static const uint8_t v4_shape_of_hash[256] = {
	81, 81, 81, 81, 81, 81, 16, 81, 81, 81, 81, 81, 43, 81, 15, 81, /* 0 */
	81, 4,	81, 81, 81, 8,	47, 18, 28, 70, 81, 32, 42, 7,	81, 81, /* 16 */
	81, 81, 81, 31, 81, 81, 46, 81, 56, 81, 35, 81, 74, 81, 45, 81, /* 32 */
	55, 81, 81, 81, 50, 81, 81, 59, 81, 69, 34, 81, 81, 81, 81, 81, /* 48 */
	81, 81, 33, 81, 81, 81, 81, 58, 81, 81, 81, 36, 73, 81, 81, 57, /* 64 */
	81, 81, 81, 81, 49, 62, 81, 81, 81, 81, 81, 81, 72, 81, 81, 11, /* 80 */
	79, 81, 81, 81, 48, 81, 81, 81, 77, 81, 81, 81, 81, 0,	81, 81, /* 96 */
	53, 81, 81, 12, 81, 61, 81, 81, 81, 81, 81, 81, 81, 81, 81, 65, /* 112 */
	81, 81, 81, 81, 81, 60, 81, 81, 81, 81, 81, 20, 1,  5,	81, 64, /* 128 */
	81, 81, 81, 19, 29, 81, 81, 63, 81, 81, 23, 81, 81, 68, 81, 81, /* 144 */
	78, 6,	81, 81, 81, 9,	81, 30, 76, 81, 22, 81, 81, 81, 81, 81, /* 160 */
	52, 81, 21, 81, 54, 81, 81, 81, 26, 81, 81, 81, 81, 67, 81, 38, /* 176 */
	81, 81, 81, 81, 81, 81, 81, 37, 75, 81, 2,  81, 81, 66, 41, 81, /* 192 */
	51, 81, 81, 3,	81, 81, 81, 81, 25, 71, 27, 81, 81, 81, 40, 81, /* 208 */
	80, 81, 81, 10, 81, 81, 39, 14, 24, 81, 81, 81, 44, 81, 81, 13, /* 224 */
	81, 81, 81, 81, 81, 81, 17, 81, 81, 81, 81, 81, 81, 81, 81, 81, /* 240 */
};

#define CIP_TARGET_SSSE3 __attribute__((target("ssse3")))

/* Whether the CPU has SSSE3: a bit test of libgcc's cached CPU model. */
static inline int cpu_has_ssse3(void)
{
	return __builtin_cpu_supports("ssse3");
}

/*
 * A plain dotted quad at the start of @p s (@p len >= 4 bytes): its value in
 * *out and the length of its text, which ends at the first byte that is
 * neither digit nor dot. Returns that length, or (size_t)-1 when the head is
 * not a plain dotted quad; the caller checks what follows it.
 */
static CIP_NOINLINE CIP_TARGET_SSSE3 size_t v4_ssse3(const uint8_t *s, size_t len, uint32_t *out)
{
	uint64_t w0, w1;
	__m128i v, digits, lanes, octets, packed;
	uint32_t nondigit, dots, zeros, other, end_bit, seps, big;
	const struct v4_shape *shape;

	/* Zero past the end, which is neither digit nor dot: no over-read. */
	load_head16(s, len, &w0, &w1);
	v = _mm_set_epi64x((long long)w1, (long long)w0);
	digits = _mm_xor_si128(v, _mm_set1_epi8('0')); /* digits become 0..9 */
	/* saturating + 0x76 sets bit 7 exactly in the bytes that were >= 10 */
	nondigit = (uint32_t)_mm_movemask_epi8(_mm_adds_epu8(digits, _mm_set1_epi8(0x76)));
	dots = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
	zeros = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(digits, _mm_setzero_si128()));
	other = (nondigit & ~dots) | 1u << 16; /* bit 16: sixteen bytes are no quad */
	end_bit = other & (0u - other);
	seps = (dots & (end_bit - 1)) | end_bit;
	shape = &v4_shapes[v4_shape_of_hash[V4_HASH(seps)]];

	lanes = _mm_shuffle_epi8(digits, _mm_loadu_si128((const __m128i *)shape->shuffle));
	/* hundreds * 100 + tens * 10 and ones * 1 in 16 bits, then their sum */
	octets = _mm_madd_epi16(_mm_maddubs_epi16(lanes, _mm_set1_epi32(0x00010a64)),
				_mm_set1_epi16(1));
	big = (uint32_t)_mm_movemask_epi8(_mm_cmpgt_epi32(octets, _mm_set1_epi32(255)));
	/* the low byte of lanes 3, 2, 1, 0: the first octet the highest */
	packed = _mm_shuffle_epi8(
		octets, _mm_setr_epi8(12, 8, 4, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
	if ((shape->seps != seps) | ((zeros & shape->lead) != 0) | (big != 0))
		return (size_t)-1;
	*out = (uint32_t)_mm_cvtsi128_si32(packed);
	return ctz32(end_bit);
}
#endif /* CIP_HAVE_V4_SSSE3 */

#endif /* CIP_V4_SIMD_H */
