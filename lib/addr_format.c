/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Canonical text of addresses and prefixes, and reverse-DNS names.
 *
 * Each formatter builds its text in a local buffer, with table lookups and
 * word-at-a-time bit tricks instead of division or stdio, and copies it out
 * once, so that a too-small buffer is never written.
 */
#include <string.h>

#include <clusterip/addr.h>

#include "addr_priv.h"
#include "bits.h"

#if CIP_HAVE_SSE2
#include <emmintrin.h>
#endif

/*
 * The decimal text of 0..255: up to three digits, then the digit count in
 * the last byte. Copying all four bytes and advancing by the count avoids a
 * loop; the spare byte is overwritten by whatever comes next. (Each arm
 * of the conditionals stays within a char for every n, or clang warns.)
 */
#define OCT_C0(n) ((n) >= 100 ? '0' + (n) / 100 : (n) >= 10 ? '0' + (n) / 10 % 10 : '0' + (n) % 10)
#define OCT_C1(n) ((n) >= 100 ? '0' + (n) / 10 % 10 : (n) >= 10 ? '0' + (n) % 10 : 0)
#define OCT_C2(n) ((n) >= 100 ? '0' + (n) % 10 : 0)
#define OCT_LEN(n) ((n) >= 100 ? 3 : (n) >= 10 ? 2 : 1)
#define OCT(n)                                                                                     \
	{                                                                                          \
		OCT_C0(n), OCT_C1(n), OCT_C2(n), OCT_LEN(n)                                        \
	}
#define OCT4(n) OCT(n), OCT((n) + 1), OCT((n) + 2), OCT((n) + 3)
#define OCT16(n) OCT4(n), OCT4((n) + 4), OCT4((n) + 8), OCT4((n) + 12)
#define OCT64(n) OCT16(n), OCT16((n) + 16), OCT16((n) + 32), OCT16((n) + 48)

static const char octet_text[256][4] = { OCT64(0), OCT64(64), OCT64(128), OCT64(192) };

static const char hex_digits[16] = "0123456789abcdef";

/* Room for the longest text plus the spare bytes the writers may touch. */
#define TEXT_BUF 96

CIP_INLINE char *put_decimal(char *d, unsigned v)
{
	memcpy(d, octet_text[v], 4);
	return d + octet_text[v][3];
}

static char *put_v4(char *d, const uint8_t b[4])
{
	d = put_decimal(d, b[0]);
	*d++ = '.';
	d = put_decimal(d, b[1]);
	*d++ = '.';
	d = put_decimal(d, b[2]);
	*d++ = '.';
	return put_decimal(d, b[3]);
}

#if CIP_HAVE_SSE2
/*
 * The 32 lower-case hex digits of the 16 bytes at @p b, at once: split each
 * byte into its two nibbles and interleave them (the high one first), then
 * turn nibbles into ASCII: '0' + n, plus 39 more to reach 'a' when n > 9.
 */
CIP_INLINE void hex32(uint8_t *dst, const uint8_t *b)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)b);
	__m128i low4 = _mm_set1_epi8(0x0f);
	__m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), low4), lo = _mm_and_si128(v, low4);
	__m128i first = _mm_unpacklo_epi8(hi, lo), second = _mm_unpackhi_epi8(hi, lo);
	__m128i nine = _mm_set1_epi8(9), zero = _mm_set1_epi8('0'), gap = _mm_set1_epi8(39);

	first = _mm_add_epi8(_mm_add_epi8(first, zero),
			     _mm_and_si128(_mm_cmpgt_epi8(first, nine), gap));
	second = _mm_add_epi8(_mm_add_epi8(second, zero),
			      _mm_and_si128(_mm_cmpgt_epi8(second, nine), gap));
	_mm_storeu_si128((__m128i *)(void *)dst, first);
	_mm_storeu_si128((__m128i *)(void *)(dst + 16), second);
}
#else
/*
 * The 16 lower-case hex digits of 8 bytes (w holds them as load_le64() does)
 * all at once: spread each byte to a 16-bit lane, split it into its two
 * nibbles (the high one first in memory), and turn nibbles into ASCII: '0'
 * + n, plus 39 more to reach 'a' when n >= 10, which is exactly when
 * n + 0x76 has bit 7 set.
 */
CIP_INLINE void hex16(uint8_t *dst, uint64_t w)
{
	for (int half = 0; half < 2; half++) {
		uint64_t lanes = w >> (32 * half) & 0xffffffff, nib, letters;

		lanes = (lanes | lanes << 16) & UINT64_C(0x0000ffff0000ffff);
		lanes = (lanes | lanes << 8) & UINT64_C(0x00ff00ff00ff00ff);
		nib = (lanes >> 4 & REP8(0x0f)) | (lanes & REP8(0x0f)) << 8;
		letters = ((nib + REP8(0x76)) >> 7) & REP8(1);
		store_le64(dst + 8 * half, nib + REP8('0') + letters * 39);
	}
}

/* The 32 lower-case hex digits of the 16 bytes at @p b. */
CIP_INLINE void hex32(uint8_t *dst, const uint8_t *b)
{
	hex16(dst, load_le64(b));
	hex16(dst + 16, load_le64(b + 8));
}
#endif

/* Bit i set when the i-th 16-bit group of @p w (as load_le64() reads it) is
 * zero. */
CIP_INLINE unsigned zero_groups(uint64_t w)
{
	/* bit 15 of each lane: the lane is not zero */
	uint64_t nz = (((w & UINT64_C(0x7fff7fff7fff7fff)) + UINT64_C(0x7fff7fff7fff7fff)) | w) &
		      UINT64_C(0x8000800080008000);
	/* lane i's flag, at bit 16 * i, to bit 48 + i: the multiplier's bit
	 * 48 - 15 * i puts it there, and no two products meet or carry */
	uint64_t gather =
		UINT64_C(1) << 48 | UINT64_C(1) << 33 | UINT64_C(1) << 18 | UINT64_C(1) << 3;

	return (unsigned)(((nz >> 15) * gather) >> 48 & 0xf) ^ 0xf;
}

/* Writes group @p i of address @p b without leading zeros (its text is at
 * hex[4i..4i+3]), then ':'. */
CIP_INLINE char *put_group(char *d, const uint8_t *hex, const uint8_t *b, unsigned i)
{
	unsigned g = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
	unsigned n = (35 - clz32(g | 1)) >> 2; /* significant digits, 1-4 */

	memcpy(d, hex + 4 * i + 4 - n, 4); /* the spare bytes are overwritten next */
	d[n] = ':';
	return d + n + 1;
}

/*
 * RFC 5952 §4.2.3: the longest run of two or more zero groups, the first on
 * a tie; returns its length (0 for none) and its first group in *start. Bit
 * i of @p zero is set when group i is zero; bit i of @p runs is set while a
 * run of the current length starts at group i.
 */
static unsigned longest_zero_run(unsigned zero, unsigned *start)
{
	unsigned runs = zero & zero >> 1, len = 0;

	for (unsigned l = 2; runs; l++) {
		len = l;
		*start = ctz32(runs);
		runs &= zero >> l;
	}
	return len;
}

static char *put_v6(char *d, const uint8_t b[16])
{
	uint8_t hex[32 + 4]; /* put_group() reads up to 3 bytes past a group */
	uint64_t w0 = load_le64(b), w1 = load_le64(b + 8);
	unsigned start = 0, len, i;

	if (bytes_v4_mapped(b)) {
		memcpy(d, "::ffff:", 7);
		return put_v4(d + 7, b + 12);
	}
	hex32(hex, b);
	len = longest_zero_run(zero_groups(w0) | zero_groups(w1) << 4, &start);
	/* every group is written with a ':' after it; the last one is dropped */
	i = 0;
	if (len) {
		for (; i < start; i++)
			d = put_group(d, hex, b, i);
		if (start == 0)
			*d++ = ':';
		*d++ = ':';
		i = start + len;
		if (i == 8)
			return d;
	}
	for (; i < 8; i++)
		d = put_group(d, hex, b, i);
	return d - 1;
}

static char *put_addr(char *d, const cip_addr *a)
{
	return a->family == CIP_FAMILY_IPV4 ? put_v4(d, a->bytes + 12) : put_v6(d, a->bytes);
}

/* Copies the finished text out, or fails without touching @p buf. */
static int emit(const char *text, const char *end, char *buf, size_t cap)
{
	size_t len = (size_t)(end - text);

	if (cap < len + 1)
		return CIP_EBUFSIZE;
	if (len <= 48)
		copy_small((uint8_t *)buf, (const uint8_t *)text, len);
	else
		memcpy(buf, text, len);
	buf[len] = '\0';
	return (int)len;
}

size_t cip_text_capacity(int kind)
{
	switch (kind) {
	case CIP_TEXT_ADDR:
		return CIP_ADDR_STRLEN;
	case CIP_TEXT_PREFIX:
		return CIP_PREFIX_STRLEN;
	case CIP_TEXT_REVERSE_NAME:
		return CIP_REVERSE_NAME_STRLEN;
	case CIP_TEXT_U128:
		return CIP_U128_STRLEN;
	default:
		return 0;
	}
}

int cip_addr_format(const cip_addr *a, char *buf, size_t cap)
{
	char tmp[TEXT_BUF];

	if (!a || !buf || !addr_valid(a))
		return CIP_EINVAL;
	return emit(tmp, put_addr(tmp, a), buf, cap);
}

int cip_prefix_format(const cip_prefix *p, char *buf, size_t cap)
{
	char tmp[TEXT_BUF];
	char *d;

	if (!p || !buf || !prefix_valid(p))
		return CIP_EINVAL;
	d = put_addr(tmp, &p->addr);
	*d++ = '/';
	d = put_decimal(d, p->len);
	return emit(tmp, d, buf, cap);
}

int cip_addr_reverse_name(const cip_addr *a, unsigned flags, char *buf, size_t cap)
{
	char tmp[TEXT_BUF];
	char *d = tmp;

	if (!a || !buf || !addr_valid(a) || (flags & ~(unsigned)CIP_NAME_FQDN))
		return CIP_EINVAL;
	if (a->family == CIP_FAMILY_IPV4) {
		for (int i = 15; i >= 12; i--) {
			d = put_decimal(d, a->bytes[i]);
			*d++ = '.';
		}
		memcpy(d, "in-addr.arpa", 12);
		d += 12;
	} else {
		for (int i = 15; i >= 0; i--) {
			d[0] = hex_digits[a->bytes[i] & 15];
			d[1] = '.';
			d[2] = hex_digits[a->bytes[i] >> 4];
			d[3] = '.';
			d += 4;
		}
		memcpy(d, "ip6.arpa", 8);
		d += 8;
	}
	if (flags & CIP_NAME_FQDN)
		*d++ = '.';
	return emit(tmp, d, buf, cap);
}
