/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict parsing of addresses and prefixes.
 *
 * Every parser makes one left-to-right pass and stops at the first byte that
 * cannot continue a valid text, so that the reported offset is that of the
 * first problem. The text is never NUL-terminated: a NUL is just a bad byte,
 * reported as CIP_PARSE_NUL_BYTE where it is met.
 */
#include <stddef.h>
#include <string.h>

#include <clusterip/addr.h>

#include "addr_priv.h"
#include "bits.h"
#include "v4_simd.h"

#if CIP_HAVE_SSE2
#include <emmintrin.h>
#endif

#define PARSE_FLAGS (CIP_PARSE_LEGACY | CIP_PARSE_MASK | CIP_PARSE_IPV4_ONLY | CIP_PARSE_IPV6_ONLY)
#define ONLY_FLAGS (CIP_PARSE_IPV4_ONLY | CIP_PARSE_IPV6_ONLY)

/* A stop byte that matches no byte: addresses run to the end of the text. */
#define NO_STOP 256u

/* 0x10 | value of a hex digit, 0 for every other byte. */
static const uint8_t hex_value[256] = {
	['0'] = 0x10, ['1'] = 0x11, ['2'] = 0x12, ['3'] = 0x13, ['4'] = 0x14, ['5'] = 0x15,
	['6'] = 0x16, ['7'] = 0x17, ['8'] = 0x18, ['9'] = 0x19, ['a'] = 0x1a, ['b'] = 0x1b,
	['c'] = 0x1c, ['d'] = 0x1d, ['e'] = 0x1e, ['f'] = 0x1f, ['A'] = 0x1a, ['B'] = 0x1b,
	['C'] = 0x1c, ['D'] = 0x1d, ['E'] = 0x1e, ['F'] = 0x1f,
};

/* The text being parsed. */
struct text {
	const uint8_t *s;
	size_t len;
	unsigned stop;	 /* ends the address early ('/' in a prefix), or NO_STOP */
	unsigned legacy; /* CIP_PARSE_LEGACY: leading zeros read as decimal */
};

/* Where and why parsing failed. */
struct failure {
	int reason;
	size_t off;
};

static int fail(struct failure *f, int reason, size_t off)
{
	f->reason = reason;
	f->off = off;
	return reason == CIP_PARSE_ZONE ? CIP_EZONE : CIP_ESYNTAX;
}

/* The end of the address: the end of the text, or the stop byte. */
static inline int at_end(const struct text *t, size_t p)
{
	return p == t->len || t->s[p] == t->stop;
}

static inline unsigned digit_at(const struct text *t, size_t p)
{
	return p < t->len ? (unsigned)t->s[p] - '0' : 10u;
}

/* The reason for a byte that fits nowhere. */
static int bad_byte(unsigned c)
{
	return c == 0 ? CIP_PARSE_NUL_BYTE : CIP_PARSE_UNEXPECTED_CHAR;
}

/*
 * A decimal number at p of at most @p max: strict (no leading zero) unless
 * legacy. Errors at the number point at its first digit, and a too large
 * number is caught as soon as it exceeds max, so long digit strings neither
 * overflow nor report a later byte. @p p must hold a digit.
 */
static int parse_decimal(const struct text *t, size_t *pp, unsigned max, int range_reason,
			 unsigned *out, struct failure *f)
{
	size_t start = *pp, p = start + 1;
	unsigned v = (unsigned)t->s[start] - '0', d;

	if (v == 0 && !t->legacy) {
		if (digit_at(t, p) <= 9)
			return fail(f, CIP_PARSE_LEADING_ZERO, start);
	} else {
		while ((d = digit_at(t, p)) <= 9) {
			v = v * 10 + d;
			if (v > max)
				return fail(f, range_reason, start);
			p++;
		}
	}
	*pp = p;
	*out = v;
	return 0;
}

/*
 * Four dotted decimal octets from p; *endp receives the position after the
 * fourth. What may follow is the caller's business.
 */
static int parse_quad(const struct text *t, size_t p, uint8_t out[4], size_t *endp,
		      struct failure *f)
{
	for (int i = 0;; i++) {
		unsigned v;
		int rc;

		if (at_end(t, p))
			return fail(f, CIP_PARSE_EMPTY_PART, p);
		if ((unsigned)t->s[p] - '0' > 9)
			return fail(f, t->s[p] == '.' ? CIP_PARSE_EMPTY_PART : bad_byte(t->s[p]),
				    p);
		rc = parse_decimal(t, &p, 255, CIP_PARSE_OCTET_RANGE, &v, f);
		if (rc)
			return rc;
		out[i] = (uint8_t)v;
		if (i == 3)
			break;
		if (at_end(t, p))
			return fail(f, CIP_PARSE_TOO_FEW_PARTS, p);
		if (t->s[p] != '.')
			return fail(f, bad_byte(t->s[p]), p);
		p++;
	}
	*endp = p;
	return 0;
}

static int parse_v4(const struct text *t, uint8_t out[16], size_t *endp, struct failure *f)
{
	uint8_t q[4];
	size_t p;
	int rc = parse_quad(t, 0, q, &p, f);

	if (rc)
		return rc;
	if (!at_end(t, p))
		return fail(f, t->s[p] == '.' ? CIP_PARSE_TOO_MANY_PARTS : bad_byte(t->s[p]), p);
	memset(out, 0, 12);
	memcpy(out + 12, q, 4);
	*endp = p;
	return 0;
}

/* What precedes the place where an IPv6 group should start. */
enum group_context {
	AT_START,
	AFTER_COLON,
	AFTER_ELLIPSIS,
};

/* The reason for a non-hex byte where a group should start. */
static int group_start_reason(unsigned c, enum group_context ctx)
{
	if (c == 0 || ctx == AT_START)
		return bad_byte(c);
	if (c == ':' || c == '.')
		return CIP_PARSE_EMPTY_PART;
	if (c == '%') /* "fe80::%eth0" is a zone; "fe80:%eth0" lacks a group */
		return ctx == AFTER_ELLIPSIS ? CIP_PARSE_ZONE : CIP_PARSE_EMPTY_PART;
	return CIP_PARSE_UNEXPECTED_CHAR;
}

/* The reason for a byte after a complete group (or quad) that is not ':'. */
static int after_group_reason(unsigned c)
{
	return c == '%' ? CIP_PARSE_ZONE : bad_byte(c);
}

/*
 * LEGACY: a "group" of five or more decimal digits is still the first octet
 * of a dotted quad ("::0000001.2.3.4") if only digits lead up to a '.'.
 */
static int legacy_long_octet(const struct text *t, size_t start)
{
	size_t q = start;

	while (digit_at(t, q) <= 9)
		q++;
	return q < t->len && t->s[q] == '.';
}

/*
 * A dotted quad at @p start, after @p n groups (and a "::" when ell >= 0):
 * it must be the last 32 bits, so it needs exactly six groups before it, or
 * at most five with a "::" (which stands for at least one group).
 */
static int parse_embedded_quad(const struct text *t, size_t start, unsigned n, int ell,
			       uint8_t *dst, size_t *endp, struct failure *f)
{
	size_t p;
	int rc;

	if (ell < 0 ? n != 6 : n > 5)
		return fail(f, CIP_PARSE_MISPLACED_IPV4, start);
	rc = parse_quad(t, start, dst, &p, f);
	if (rc)
		return rc;
	if (!at_end(t, p)) {
		unsigned c = t->s[p];

		if (c == ':') /* more groups follow: the quad is not last */
			return fail(f, CIP_PARSE_MISPLACED_IPV4, start);
		return fail(f, c == '.' ? CIP_PARSE_TOO_MANY_PARTS : after_group_reason(c), p);
	}
	*endp = p;
	return 0;
}

/* Expands the "::" after @p ell of the @p n parsed groups into zeros. */
static void expand_ellipsis(uint8_t b[16], unsigned n, int ell)
{
	size_t head = 2 * (size_t)ell, tail = 2 * (n - (size_t)ell);

	memmove(b + 16 - tail, b + head, tail);
	memset(b + head, 0, 16 - head - tail);
}

static int parse_v6(const struct text *t, uint8_t out[16], size_t *endp, struct failure *f)
{
	const uint8_t *s = t->s;
	uint8_t b[16];
	unsigned n = 0; /* 16-bit groups so far; a dotted quad counts two */
	int ell = -1;	/* groups before the "::", or -1 when there is none */
	enum group_context ctx = AT_START;
	size_t p = 0;

	if (s[0] == ':') {
		if (t->len < 2 || s[1] != ':')
			return fail(f, CIP_PARSE_EMPTY_PART, 0);
		ell = 0;
		p = 2;
		ctx = AFTER_ELLIPSIS;
	}
	while (!(ctx == AFTER_ELLIPSIS && at_end(t, p))) {
		size_t start = p;
		unsigned v = 0, h;
		int rc;

		if (at_end(t, p)) /* after a single ':' */
			return fail(f, CIP_PARSE_EMPTY_PART, p);
		if (!hex_value[s[p]])
			return fail(f, group_start_reason(s[p], ctx), p);
		if (n == (ell < 0 ? 8u : 7u))
			return fail(f, CIP_PARSE_TOO_MANY_PARTS, p);
		while (p - start < 4 && p < t->len && (h = hex_value[s[p]]) != 0) {
			v = v << 4 | (h & 15);
			p++;
		}
		if (p < t->len && (s[p] == '.' || hex_value[s[p]])) {
			if (s[p] != '.' && !(t->legacy && legacy_long_octet(t, start)))
				return fail(f, CIP_PARSE_GROUP_TOO_LONG, p);
			rc = parse_embedded_quad(t, start, n, ell, b + 2 * n, &p, f);
			if (rc)
				return rc;
			n += 2;
			break;
		}
		b[2 * n] = (uint8_t)(v >> 8);
		b[2 * n + 1] = (uint8_t)v;
		n++;
		if (at_end(t, p))
			break;
		if (s[p] != ':')
			return fail(f, after_group_reason(s[p]), p);
		if (n == (ell < 0 ? 8u : 7u))
			return fail(f, CIP_PARSE_TOO_MANY_PARTS, p);
		if (p + 1 < t->len && s[p + 1] == ':') {
			if (ell >= 0)
				return fail(f, CIP_PARSE_MULTIPLE_ELLIPSIS, p);
			ell = (int)n;
			p += 2;
			ctx = AFTER_ELLIPSIS;
		} else {
			p++;
			ctx = AFTER_COLON;
		}
	}
	if (ell < 0 && n < 8)
		return fail(f, CIP_PARSE_TOO_FEW_PARTS, p);
	if (ell >= 0)
		expand_ellipsis(b, n, ell);
	memcpy(out, b, 16);
	*endp = p;
	return 0;
}

/*
 * The family is chosen by the first separator: '.' before any ':' is IPv4,
 * and a text with neither is parsed (and fails) as IPv4. A valid text has
 * its separator within the first five bytes, so this scan is short.
 */
static int text_is_v6(const struct text *t)
{
	for (size_t i = 0; i < t->len; i++) {
		unsigned c = t->s[i];

		if (c == ':')
			return 1;
		if (c == '.' || c == t->stop)
			return 0;
	}
	return 0;
}

/*
 * Parses the address at the start of @p t; *endp is where it ended. Kept out
 * of line so that the callers' fast paths stay small.
 */
static CIP_NOINLINE int parse_address(const struct text *t, cip_addr *a, size_t *endp,
				      struct failure *f)
{
	int v6 = text_is_v6(t);

	memset(a, 0, sizeof *a);
	a->family = v6 ? CIP_FAMILY_IPV6 : CIP_FAMILY_IPV4;
	return v6 ? parse_v6(t, a->bytes, endp, f) : parse_v4(t, a->bytes, endp, f);
}

/* ------------------------------------------------------------------ */
/* Fast paths                                                         */
/* ------------------------------------------------------------------ */

/*
 * The precise parsers above spend much of their time on bookkeeping for
 * error reports, and on branches that random input mispredicts. Almost every
 * real input is valid and plain, so two lean parsers try first: they accept
 * only a subset of valid texts (no leading zeros, no dotted quad in IPv6)
 * and give up on anything else, leaving the verdict and the error report to
 * the precise parsers. What they accept, the precise parsers would accept
 * with the same value (the fuzz tests check this).
 *
 * They read a zero-padded copy of the text's head, so that they may look
 * ahead without bounds checks; a zero byte is neither a digit nor a
 * separator, so the padding can only make them give up.
 */
#define NOT_FAST ((size_t)-1)

/* The address ends at p of the head copy @p b (p must index into b). */
CIP_INLINE int head_end(const struct text *t, const uint8_t *b, size_t p)
{
	return p == t->len || (p < t->len && b[p] == t->stop);
}

/*
 * The octet of @p l digits whose last digit is q[e + 2], and *bad set if it
 * is not 1-3 digits, has a leading zero (is below the least value of its
 * length) or is above 255. It reads q[e..e+2] whatever the length and
 * weighs the digits by a table row, so it needs no branch.
 */
CIP_INLINE uint32_t v4_octet(const uint8_t *q, size_t e, unsigned l, unsigned *bad)
{
	static const struct {
		uint16_t w100, w10, ascii, least; /* ascii: what the '0's add up to */
	} shape[4] = { { 0, 0, 0, 0 },
		       { 0, 0, '0', 0 },
		       { 0, 10, 11 * '0', 10 },
		       { 100, 10, 111 * '0', 100 } };
	unsigned i = l & 3;
	unsigned v = q[e] * shape[i].w100 + q[e + 1] * shape[i].w10 + q[e + 2] - shape[i].ascii;

	*bad |= (l - 1 > 2) | (v < shape[i].least) | (v > 255);
	return v & 0xff;
}

/*
 * A plain dotted quad, without a branch on the data: classify 16 bytes at
 * once into a bit mask of the bytes that are not digits, take the first
 * three as the dots and the fourth as the end, and read each octet from the
 * digits before its dot. (Random octets have 1, 2 or 3 digits, which costs a
 * byte-at-a-time parser a mispredicted branch per octet.) Needs len >= 7.
 */
CIP_INLINE size_t fast_v4(const struct text *t, uint32_t *out)
{
	uint8_t pad[4 + 16 + 4] = { 0 }; /* octet reads start 3 bytes back */
	uint8_t *b = pad + 4;
	uint64_t w0, w1;
	unsigned stops, bad;
	size_t d1, d2, d3, end;
	uint32_t v;

	load_head16(t->s, t->len, &w0, &w1); /* zero, a non-digit, past the end */
	store_le64(b, w0);
	store_le64(b + 8, w1);
	stops = swar_gather(swar_nondigit(w0)) | swar_gather(swar_nondigit(w1)) << 8 | 0xfu << 16;
	d1 = ctz32(stops);
	stops &= stops - 1;
	d2 = ctz32(stops);
	stops &= stops - 1;
	d3 = ctz32(stops);
	stops &= stops - 1;
	end = ctz32(stops);
	bad = (b[d1] != '.') | (b[d2] != '.') | (b[d3] != '.');
	v = v4_octet(pad + 1, d1, (unsigned)d1, &bad) << 24 |
	    v4_octet(pad + 1, d2, (unsigned)(d2 - d1 - 1), &bad) << 16 |
	    v4_octet(pad + 1, d3, (unsigned)(d3 - d2 - 1), &bad) << 8 |
	    v4_octet(pad + 1, end, (unsigned)(end - d3 - 1), &bad);
	if (bad || !head_end(t, b, end))
		return NOT_FAST;
	*out = v;
	return end;
}

/* fast_v4() or, on a CPU that has it, its SSSE3 twin. */
CIP_INLINE size_t fast_v4_any(const struct text *t, uint32_t *out)
{
#if CIP_HAVE_V4_SSSE3
	if (cpu_has_ssse3()) {
		size_t end = v4_ssse3(t->s, t->len, out);

		return end != NOT_FAST && head_end(t, t->s, end) ? end : NOT_FAST;
	}
#endif
	return fast_v4(t, out);
}

#if CIP_HAVE_SSE2
/*
 * With SSE2, the IPv6 fast path walks the groups with bit masks of the text's hex
 * digits and colons, made for the whole head at once, so that where a group
 * ends is a count of trailing zeros: each group no longer waits for the
 * loads and table look-ups that measured the previous one (that chain cost
 * about 15 cycles a group). The values come from a "window" made at the
 * same time: win[i] is the value of the hex digits that end at byte i,
 * at most four, not reaching back past a non-digit; at a group's last digit
 * that is the group's value.
 *
 * The head is the first V6_HEAD bytes: more than the longest plain address
 * (39), so that what ends it is seen. Mask bits past the text are zero.
 */
#define V6_HEAD 40

CIP_INLINE __m128i load16(const uint8_t *s)
{
	return _mm_loadu_si128((const __m128i *)(const void *)s);
}

CIP_INLINE void store16(uint16_t *d, __m128i v)
{
	_mm_storeu_si128((__m128i *)(void *)d, v);
}

/*
 * Which of 16 bytes are hex digits (0xff in *is_hex) and, for those, the
 * digit's value in the low nibble of *nib (other bytes hold junk there).
 */
CIP_INLINE void hex_classify16(__m128i v, __m128i *is_hex, __m128i *nib)
{
	/* x - lo <= span, unsigned: byte-wise minimum, then equality */
	__m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
	__m128i l = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));

	*is_hex = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d),
			       _mm_cmpeq_epi8(_mm_min_epu8(l, _mm_set1_epi8(5)), l));
	/* a digit's value: the low nibble, plus 9 for a letter (from 0x40) */
	*nib = _mm_add_epi8(
		_mm_and_si128(v, _mm_set1_epi8(0x0f)),
		_mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x3f)), _mm_set1_epi8(9)));
}

/*
 * Sixteen bytes of the text: bits i of *hex and *colon when byte i is a hex
 * digit or a ':', and win[0..15] for them, stored at @p win. Bytes 0-2 lack
 * digits of the bytes before them: the load is at the text's start, or
 * another load's window overwrites theirs.
 */
CIP_INLINE void scan16(__m128i v, uint64_t *hex, uint64_t *colon, uint16_t *win)
{
	__m128i is_hex, nib, low, high;

	hex_classify16(v, &is_hex, &nib);
	/* digits i-1 and i: the byte before moved up a nibble, in 16-bit lanes
	 * (exact: the masked nibbles are at most 15) */
	low = _mm_or_si128(nib, _mm_slli_epi16(_mm_slli_si128(_mm_and_si128(nib, is_hex), 1), 4));
	/* digits i-3 and i-2, where bytes i-2 and i-1 are digits too */
	high = _mm_and_si128(_mm_slli_si128(low, 2),
			     _mm_and_si128(_mm_slli_si128(is_hex, 1), _mm_slli_si128(is_hex, 2)));

	*hex = (unsigned)_mm_movemask_epi8(is_hex);
	*colon = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(':')));
	store16(win, _mm_unpacklo_epi8(low, high));
	store16(win + 8, _mm_unpackhi_epi8(low, high));
}

/*
 * The masks and windows of the first @p n (<= V6_HEAD) bytes. From 16
 * bytes on, loads that lie inside the text: at 0, of the last 16 bytes,
 * and at 13 when the text has 29 bytes or more. Their masks are shifted
 * into place (overlapping bits agree); their windows are stored last to
 * first, so that the first three of each load, which lack the bytes before
 * it, are overwritten by those of the load before it, which has them (so
 * this covers up to 42 bytes).
 */
CIP_INLINE void v6_scan(const uint8_t *s, size_t n, uint64_t *hex, uint64_t *colon,
			uint16_t win[V6_HEAD])
{
	uint64_t h0, c0, h1, c1, h2, c2;

	if (n < 16) {
		uint64_t w0, w1;

		load_head16_any(s, n, &w0, &w1); /* zero, no digit, past the end */
		scan16(_mm_set_epi64x((long long)w1, (long long)w0), hex, colon, win);
		return;
	}
	scan16(load16(s + n - 16), &h2, &c2, win + n - 16);
	h1 = c1 = 0;
	if (n >= 29) /* the middle load is the last one on shorter texts */
		scan16(load16(s + 13), &h1, &c1, win + 13);
	scan16(load16(s), &h0, &c0, win);
	*hex = h0 | h1 << 13 | h2 << (n - 16);
	*colon = c0 | c1 << 13 | c2 << (n - 16);
}

/*
 * Whether the masks (of the address's bytes only) have the shape of a plain
 * address but for the group count: groups of 1-4 digits, every single ':'
 * between two digits, at most one "::" and no ":::". @p dbl has the first
 * ':' of each "::".
 */
CIP_INLINE int v6_shape_ok(uint64_t hex, uint64_t colon, uint64_t dbl)
{
	uint64_t single = colon & ~dbl & ~(dbl << 1);
	uint64_t five = hex & hex << 1 & hex << 2 & hex << 3 & hex << 4;

	return (five | (dbl & (dbl - 1)) | (single & ~(hex << 1 & hex >> 1))) == 0;
}

/*
 * Hex groups with at most one "::"; returns where it ended, or NOT_FAST.
 * Kept out of line so that the IPv4 path around it stays lean.
 */
static CIP_NOINLINE size_t fast_v6(const struct text *t, cip_u128 *out)
{
	uint16_t win[V6_HEAD];	  /* see v6_scan() */
	cip_u128 v = u128_zero(); /* the groups so far, the last one lowest */
	uint64_t hex, colon, dbl, last, in;
	unsigned n = 0, ell = 0, dbl_at, end;

	v6_scan(t->s, t->len < V6_HEAD ? t->len : V6_HEAD, &hex, &colon, win);
	end = ctz64(~(hex | colon)); /* the first other byte, at most V6_HEAD */
	if (end >= V6_HEAD)
		return NOT_FAST;
	in = (UINT64_C(1) << end) - 1;
	hex &= in;
	colon &= in;
	dbl = colon & colon >> 1;
	if (!v6_shape_ok(hex, colon, dbl) || !head_end(t, t->s, end))
		return NOT_FAST;
	last = hex & ~(hex >> 1); /* the last digit of each group */
	dbl_at = ctz64(dbl | UINT64_C(1) << 63);
	while (last) {
		unsigned e = ctz64(last);

		v = u128_or(u128_shl(v, 16), u128_make(0, win[e]));
		ell += e < dbl_at;
		n++;
		last &= last - 1;
	}
	if (dbl ? n > 7 : n != 8) /* "::" stands for at least one group */
		return NOT_FAST;
	if (dbl && ell) {
		/* The groups after the "::" are in place at the bottom; move those
		 * before it to the top, above the zeros the "::" stands for. */
		unsigned tail = 16 * (n - ell);

		v = u128_or(u128_shl(u128_shr(v, tail), 128 - 16 * ell),
			    u128_and(v, u128_low_mask(tail)));
	}
	*out = v;
	return end;
}

#if CIP_HAVE_V4_SSSE3
/*
 * With SSSE3, a text of at most V6_SHORT bytes (service addresses such as
 * "fd00:10:96::a1" or "fd00:10:96::3:f0a2") is read in one or two vectors,
 * its first and its last 16 bytes, and its groups are put in place with
 * byte shuffles instead of a walk over them. The steps depend on each
 * other, so each is kept short (no table look-up waits for another):
 *
 *  1. A "pairs" vector holds, at the last digit p of each group, the
 *     group's low byte (digits p-1 and p), and at p-1 its high byte (digits
 *     p-3 and p-2): p-1 is a digit of the same group, or a ':' which holds
 *     0, as the high byte of a group of one digit is. Digits that are not
 *     hex digits count as 0, so shorter groups come out right.
 *  2. The positions of the groups' last digits are listed in order
 *     ("left-packed") in the bytes of a word, one table look-up per 8-bit
 *     part of their mask (at most four groups end in eight bytes, and more
 *     than eight groups are not plain).
 *  3. The entries after the "::" are moved up to the top of the word, so
 *     that byte k of the word is for group k, and a fixed shuffle turns the
 *     word into one that moves each group's two bytes to their place in the
 *     128-bit value, byte swap included. Groups that end in bytes 0-15 come
 *     from the first vector, the others from the second, which has all the
 *     digits of each of them in texts of up to 29 bytes (V6_SHORT is 24
 *     so that the mask has three 8-bit parts).
 *
 * The shape checks are those of fast_v6(). Positions are listed plus one, so
 * that 0 marks a missing group: minus 1 (low byte) or 2 (high byte) it
 * becomes an index with bit 7 set, which pshufb turns into a zero byte; so
 * does the high byte of a group that ends at byte 0.
 */
#define V6_SHORT 24

#define V6_POP8(m)                                                                                 \
	(((m)&1) + ((m) >> 1 & 1) + ((m) >> 2 & 1) + ((m) >> 3 & 1) + ((m) >> 4 & 1) +             \
	 ((m) >> 5 & 1) + ((m) >> 6 & 1) + ((m) >> 7 & 1))
/* Bit i of m, if set, as byte (the number of set bits below it) = i + 1 + off. */
#define V6_BIT(m, i, off)                                                                          \
	(((m) >> (i)&1) ? (uint64_t)((i) + 1 + (off)) << 8 * V6_POP8((m) & ((1u << (i)) - 1)) : 0)
#define V6_POS(m, off)                                                                             \
	(V6_BIT(m, 0, off) | V6_BIT(m, 1, off) | V6_BIT(m, 2, off) | V6_BIT(m, 3, off) |           \
	 V6_BIT(m, 4, off) | V6_BIT(m, 5, off) | V6_BIT(m, 6, off) | V6_BIT(m, 7, off))
#define V6_POS4(m, off)                                                                            \
	V6_POS(m, off), V6_POS((m) + 1, off), V6_POS((m) + 2, off), V6_POS((m) + 3, off)
#define V6_POS16(m, off)                                                                           \
	V6_POS4(m, off), V6_POS4((m) + 4, off), V6_POS4((m) + 8, off), V6_POS4((m) + 12, off)
#define V6_POS64(m, off)                                                                           \
	V6_POS16(m, off), V6_POS16((m) + 16, off), V6_POS16((m) + 32, off), V6_POS16((m) + 48, off)
#define V6_POS256(off)                                                                             \
	{                                                                                          \
		V6_POS64(0, off), V6_POS64(64, off), V6_POS64(128, off), V6_POS64(192, off)        \
	}
#define V6_POP4(m) V6_POP8(m), V6_POP8((m) + 1), V6_POP8((m) + 2), V6_POP8((m) + 3)
#define V6_POP16(m) V6_POP4(m), V6_POP4((m) + 4), V6_POP4((m) + 8), V6_POP4((m) + 12)
#define V6_POP64(m) V6_POP16(m), V6_POP16((m) + 16), V6_POP16((m) + 32), V6_POP16((m) + 48)

/* Row k, entry m: the set bits of m, part k of a 24-bit mask: their
 * positions in the mask plus one, lowest first, a byte each. */
static const uint64_t v6_bit_list[3][256] = { V6_POS256(0), V6_POS256(8), V6_POS256(16) };
/* The number of set bits of m. */
static const uint8_t v6_bit_count[256] = { V6_POP64(0), V6_POP64(64), V6_POP64(128),
					   V6_POP64(192) };

/*
 * Sixteen bytes of the text: bits i of *hex and *colon when byte i is a hex
 * digit or a ':'; returns the "pairs" vector (see above).
 */
CIP_INLINE CIP_TARGET_SSSE3 __m128i v6_pairs16(__m128i v, uint32_t *hex, uint32_t *colon)
{
	__m128i is_hex, nib, pairs, inner;

	hex_classify16(v, &is_hex, &nib);
	*hex = (uint32_t)_mm_movemask_epi8(is_hex);
	*colon = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(':')));
	/* digits i-1 and i, the first moved up a nibble (exact: the masked
	 * nibbles are at most 15); 0 at a ':' */
	nib = _mm_and_si128(nib, is_hex);
	pairs = _mm_and_si128(_mm_or_si128(nib, _mm_slli_epi16(_mm_slli_si128(nib, 1), 4)), is_hex);
	/* a digit followed by one takes the pair before it */
	inner = _mm_and_si128(is_hex, _mm_srli_si128(is_hex, 1));
	return _mm_or_si128(_mm_and_si128(inner, _mm_slli_si128(pairs, 1)),
			    _mm_andnot_si128(inner, pairs));
}

/*
 * fast_v6() for a text (@p s, @p len) of at most V6_SHORT bytes that ends
 * at the end or at @p stop, on a CPU with SSSE3. The text comes in registers,
 * not as a struct text: its fields would be read back from memory just
 * written, which makes the first load wait.
 */
static CIP_NOINLINE CIP_TARGET_SSSE3 size_t fast_v6_short(const uint8_t *s, size_t len,
							  unsigned stop, cip_u128 *out)
{
	uint64_t w0, w1, list, after;
	uint32_t hex, colon, hex_b, colon_b, other, dbl, last, end, c0, c01, n;
	unsigned tail = 0; /* where the second vector starts */
	__m128i head_v, tail_v, pairs, pairs_b, pos, shuffle;

	if (len > 16) {
		tail = (unsigned)len - 16;
		head_v = _mm_loadu_si128((const __m128i *)(const void *)s);
		tail_v = _mm_loadu_si128((const __m128i *)(const void *)(s + tail));
	} else {
		load_head16_any(s, len, &w0, &w1); /* zero, no digit, past the end */
		head_v = tail_v = _mm_set_epi64x((long long)w1, (long long)w0);
	}
	pairs = v6_pairs16(head_v, &hex, &colon);
	pairs_b = v6_pairs16(tail_v, &hex_b, &colon_b);
	hex |= hex_b << tail;
	colon |= colon_b << tail;
	other = ~(hex | colon);
	end = ctz32(other);	     /* at most len */
	hex &= (other - 1) & ~other; /* the bits below end */
	colon &= (other - 1) & ~other;
	dbl = colon & colon >> 1;
	last = hex & ~(hex >> 1);
	c0 = v6_bit_count[last & 0xff];
	c01 = c0 + v6_bit_count[last >> 8 & 0xff];
	n = c01 + v6_bit_count[last >> 16];
	if (!v6_shape_ok(hex, colon, dbl) || (dbl ? n > 7 : n != 8) || /* "::": 1+ groups */
	    !(end == len || (end < len && s[end] == stop)))	       /* head_end() */
		return NOT_FAST;
	/* n <= 8: the shifts are below 64, but for the last (split: it may be) */
	list = v6_bit_list[0][last & 0xff] | v6_bit_list[1][last >> 8 & 0xff] << 8 * c0 |
	       v6_bit_list[2][last >> 16] << 4 * c01 << 4 * c01;
	/* 0xff in the entries (position + 1, at most 24) after the "::", found
	 * as those that adding 127 - (the position of its first ':') takes to
	 * 128 or more, and moved up past the 8 - n zero groups */
	after = (list + REP8(127 - ctz32(dbl | UINT32_C(1) << 31))) & REP8(0x80);
	after = (after << 1) - (after >> 7);
	list = (list & ~after) | (list & after) << 4 * (8 - n) << 4 * (8 - n);
	/* each byte of the value: the position plus one of its group's last
	 * digit; cip_u128 is {hi, lo}, each little-endian, group 0 highest */
	pos = _mm_shuffle_epi8(_mm_set_epi64x(0, (long long)list),
			       _mm_setr_epi8(3, 3, 2, 2, 1, 1, 0, 0, 7, 7, 6, 6, 5, 5, 4, 4));
	/* minus 1 in the low bytes, 2 in the high (see above); bit 7 (nothing)
	 * for the groups of the other vector */
	shuffle = _mm_sub_epi8(pos, _mm_set1_epi16(0x0201));
	pairs = _mm_shuffle_epi8(pairs,
				 _mm_or_si128(shuffle, _mm_cmpgt_epi8(pos, _mm_set1_epi8(16))));
	pairs_b = _mm_shuffle_epi8(pairs_b,
				   _mm_or_si128(_mm_sub_epi8(shuffle, _mm_set1_epi8((char)tail)),
						_mm_cmpgt_epi8(_mm_set1_epi8(17), pos)));
	_mm_storeu_si128((__m128i *)(void *)out, _mm_or_si128(pairs, pairs_b));
	return end;
}
#endif /* CIP_HAVE_V4_SSSE3 */

#else
/*
 * Without SSE2 the groups are read one after the other (masks made a byte
 * at a time measured twice as slow). The group of 1-4 hex digits at b, its
 * length in *n (0 when b[0] is no hex digit), without branches: the length
 * varies randomly. The four nibbles are read as if all were digits, then
 * shifted so only the group's remain.
 */
CIP_INLINE unsigned v6_group(const uint8_t *b, unsigned *n)
{
	unsigned h0 = hex_value[b[0]], h1 = hex_value[b[1]], h2 = hex_value[b[2]];
	unsigned h3 = hex_value[b[3]];
	unsigned k1 = h0 & h1, k2 = k1 & h2, k3 = k2 & h3; /* bit 4: still digits */
	unsigned len = (h0 >> 4) + (k1 >> 4) + (k2 >> 4) + (k3 >> 4);
	unsigned all = (h0 & 15) << 12 | (h1 & 15) << 8 | (h2 & 15) << 4 | (h3 & 15);

	*n = len;
	return all >> (16 - 4 * len);
}

/*
 * Hex groups with at most one "::"; returns where it ended, or NOT_FAST.
 * Kept out of line so that the IPv4 path around it stays lean.
 */
static CIP_NOINLINE size_t fast_v6(const struct text *t, cip_u128 *out)
{
	enum { NONE = 9 };	       /* no "::" (a count no text reaches) */
	uint8_t b[48 + 16] = { 0 };    /* 39 bytes at most, plus look-ahead */
	cip_u128 v = u128_zero();      /* the groups so far, the last one lowest */
	unsigned n = 0, k, ell = NONE; /* ell: the groups before the "::" */
	unsigned room = 8;	       /* groups that may still come */
	size_t p = 0;

	copy_small(b, t->s, t->len < 48 ? t->len : 48);
	if (b[0] == ':' && b[1] == ':') {
		ell = 0;
		room = 7; /* "::" stands for at least one group */
		p = 2;
	}
	while (hex_value[b[p]]) { /* at most 8 rounds of at most 6 bytes */
		unsigned g = v6_group(b + p, &k);

		p += k;
		if (hex_value[b[p]] | (room == 0)) /* a fifth digit, a group too many */
			return NOT_FAST;
		v = u128_or(u128_shl(v, 16), u128_make(0, g));
		n++;
		room--;
		if (b[p] != ':')
			break;
		if (b[++p] == ':') {
			if (ell != NONE || room == 0)
				return NOT_FAST;
			ell = n;
			room--;
			p++;
		}
	}
	if (p == 0 || !head_end(t, b, p))
		return NOT_FAST;
	if ((b[p - 1] == ':' && n != ell) || (ell == NONE && n != 8)) /* lone ':', too few */
		return NOT_FAST;
	if (ell != NONE && ell != 0) {
		/* The groups after the "::" are in place at the bottom; move those
		 * before it to the top, above the zeros the "::" stands for. */
		unsigned tail = 16 * (n - ell);

		v = u128_or(u128_shl(u128_shr(v, tail), 128 - 16 * ell),
			    u128_and(v, u128_low_mask(tail)));
	}
	*out = v;
	return p;
}

#endif /* CIP_HAVE_SSE2 */

/*
 * Whether s[1], s[2] or s[3] is a '.', tested on one word: which of them
 * is random (the first octet's length), and compilers turn even
 * (a == '.') | (b == '.') into branches that would mispredict.
 */
CIP_INLINE int dot_in_1_to_3(const uint8_t *s)
{
	uint32_t x = load_le32(s) ^ UINT32_C(0x2e2e2e2e); /* '.' bytes become 0 */
	/* bit 7 of each byte that is not zero; exact, as no byte carries */
	uint32_t nonzero = ((x & UINT32_C(0x7f7f7f7f)) + UINT32_C(0x7f7f7f7f)) | x;

	return (~nonzero & UINT32_C(0x80808000)) != 0; /* bytes 1..3 only */
}

/*
 * The fast paths: the family and value of the address at the start of @p t
 * and where it ends; NOT_FAST when they cannot decide. A plain IPv4 text has
 * its first '.' at 1, 2 or 3 and is at least 7 bytes long. The result stays
 * in registers: the caller stores it straight into the caller's struct.
 */
CIP_INLINE size_t fast_address(const struct text *t, unsigned *family, cip_u128 *value)
{
	if (t->len >= 7 && dot_in_1_to_3(t->s)) {
		uint32_t v4 = 0;
		size_t end = fast_v4_any(t, &v4);

		*family = CIP_FAMILY_IPV4;
		*value = u128_make(0, v4);
		return end;
	}
	*family = CIP_FAMILY_IPV6;
#if CIP_HAVE_SSE2 && CIP_HAVE_V4_SSSE3
	if (t->len <= V6_SHORT && cpu_has_ssse3())
		return fast_v6_short(t->s, t->len, t->stop, value);
#endif
	return fast_v6(t, value);
}

/* Stores an address field by field (see fast_address()). */
CIP_INLINE void store_address(cip_addr *a, unsigned family, cip_u128 value)
{
	a->family = (uint8_t)family;
	memset(a->reserved, 0, sizeof a->reserved);
	u128_store_be(a->bytes, value);
}

/* The prefix length after the '/' at p - 1: plain decimal, at most max. */
static int parse_length(const struct text *t, size_t p, unsigned max, unsigned *out,
			struct failure *f)
{
	unsigned v;
	int rc;

	if (p == t->len || (unsigned)t->s[p] - '0' > 9)
		return fail(f,
			    p < t->len && t->s[p] == 0 ? CIP_PARSE_NUL_BYTE : CIP_PARSE_BAD_LENGTH,
			    p);
	rc = parse_decimal(t, &p, max, CIP_PARSE_LENGTH_RANGE, &v, f);
	if (rc)
		return rc;
	if (p != t->len)
		return fail(f, t->s[p] == 0 ? CIP_PARSE_NUL_BYTE : CIP_PARSE_BAD_LENGTH, p);
	*out = v;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Public entry points                                                */
/* ------------------------------------------------------------------ */

/* An err the library may write: NULL, or one at least as large as v0.1's. */
static int err_usable(const cip_parse_error *err)
{
	return !err || err->sz >= offsetof(cip_parse_error, network);
}

/* Fills @p err (if any) with the outcome, writing only what fits in sz. */
static int report(cip_parse_error *err, int code, int reason, size_t off, const cip_prefix *net)
{
	if (err && err_usable(err)) {
		err->code = code;
		err->reason = reason;
		err->offset = off;
		if (err->sz >= offsetof(cip_parse_error, network) + sizeof(cip_prefix)) {
			if (net)
				err->network = *net;
			else
				memset(&err->network, 0, sizeof err->network);
		}
	}
	return code;
}

int cip__parse_report(cip_parse_error *err, int code, int reason, size_t off)
{
	return report(err, code, reason, off, NULL);
}

int cip__parse_err_usable(const cip_parse_error *err)
{
	return err_usable(err);
}

static int flags_valid(unsigned flags)
{
	return (flags & ~(unsigned)PARSE_FLAGS) == 0 && (flags & ONLY_FLAGS) != ONLY_FLAGS;
}

static int family_excluded(unsigned flags, unsigned family)
{
	if (flags & CIP_PARSE_IPV4_ONLY)
		return family != CIP_FAMILY_IPV4;
	if (flags & CIP_PARSE_IPV6_ONLY)
		return family != CIP_FAMILY_IPV6;
	return 0;
}

/*
 * The argument checks shared by the parsers. An @p err too small to write
 * into also fails them; report() then writes nothing, as err_usable() says.
 * A length above PTRDIFF_MAX is no object's: refused before a byte is read.
 */
static int args_valid(const void *out, const char *text, size_t len, unsigned flags,
		      const cip_parse_error *err)
{
	return err_usable(err) && out && text && len <= (size_t)PTRDIFF_MAX && flags_valid(flags);
}

static struct text text_make(const char *s, size_t len, unsigned stop, unsigned flags)
{
	struct text t;

	t.s = (const uint8_t *)s;
	t.len = len;
	t.stop = stop;
	t.legacy = flags & CIP_PARSE_LEGACY;
	return t;
}

/* Indexed by enum cip_parse_reason. */
static const char *const reason_texts[] = {
	"no error",
	"empty text",
	"unexpected character",
	"NUL byte in text",
	"leading zero in a decimal number",
	"IPv4 octet above 255",
	"too few octets or groups",
	"too many octets or groups",
	"empty octet or group",
	"more than one \"::\"",
	"more than 4 hex digits in an IPv6 group",
	"IPv4 dotted quad outside the last 32 bits",
	"IPv6 zone not allowed",
	"missing prefix length",
	"prefix length is not plain decimal",
	"prefix length above 32 or 128",
	"host bits set",
	"wrong address family",
	"port above 65535",
	"end port below start port",
};

_Static_assert(sizeof reason_texts / sizeof reason_texts[0] == CIP_PARSE_PORT_ORDER + 1,
	       "one text per parse reason");

const char *cip_parse_reason_string(int reason)
{
	if (reason < 0 || (size_t)reason >= sizeof reason_texts / sizeof reason_texts[0])
		return "unknown parse error";
	return reason_texts[reason];
}

int cip_parse_error_init(cip_parse_error *err, size_t sz)
{
	if (!err || sz < offsetof(cip_parse_error, network) || sz > (size_t)PTRDIFF_MAX)
		return CIP_EINVAL;
	memset(err, 0, sz);
	err->sz = sz;
	return 0;
}

/* The precise path of cip_addr_parse(), for every text the fast paths leave. */
static CIP_NOINLINE int addr_parse_slow(cip_addr *out, const struct text *t, unsigned flags,
					cip_parse_error *err)
{
	struct failure f;
	cip_addr a;
	size_t end;
	int rc;

	if (t->len == 0)
		return report(err, CIP_ESYNTAX, CIP_PARSE_EMPTY, 0, NULL);
	rc = parse_address(t, &a, &end, &f);
	if (rc)
		return report(err, rc, f.reason, f.off, NULL);
	if (family_excluded(flags, a.family))
		return report(err, CIP_EFAMILY, CIP_PARSE_WRONG_FAMILY, 0, NULL);
	*out = a;
	return report(err, 0, CIP_PARSE_OK, 0, NULL);
}

int cip_addr_parse(cip_addr *out, const char *text, size_t len, unsigned flags,
		   cip_parse_error *err)
{
	struct text t;
	unsigned family;
	cip_u128 value;

	if (!args_valid(out, text, len, flags, err))
		return report(err, CIP_EINVAL, CIP_PARSE_OK, 0, NULL);
	t = text_make(text, len, NO_STOP, flags);
	if (fast_address(&t, &family, &value) == NOT_FAST || family_excluded(flags, family))
		return addr_parse_slow(out, &t, flags, err);
	store_address(out, family, value);
	return report(err, 0, CIP_PARSE_OK, 0, NULL);
}

/*
 * The address ends at the first '/' (the stop byte), so errors in it are
 * found, and reported, before anything about the length. Order of checks:
 * syntax, then family, then host bits.
 */
int cip_prefix_parse(cip_prefix *out, const char *text, size_t len, unsigned flags,
		     cip_parse_error *err)
{
	struct text t;
	struct failure f;
	cip_prefix net;
	cip_u128 value, masked;
	unsigned family, plen;
	size_t slash;
	int rc;

	if (!args_valid(out, text, len, flags, err))
		return report(err, CIP_EINVAL, CIP_PARSE_OK, 0, NULL);
	if (len == 0)
		return report(err, CIP_ESYNTAX, CIP_PARSE_EMPTY, 0, NULL);
	t = text_make(text, len, '/', flags);
	slash = fast_address(&t, &family, &value);
	if (slash == NOT_FAST) {
		cip_addr a;

		rc = parse_address(&t, &a, &slash, &f);
		if (rc)
			return report(err, rc, f.reason, f.off, NULL);
		family = a.family;
		value = addr_value(&a);
	}
	if (slash == len)
		return report(err, CIP_ESYNTAX, CIP_PARSE_MISSING_LENGTH, len, NULL);
	rc = parse_length(&t, slash + 1, family_bits(family), &plen, &f);
	if (rc)
		return report(err, rc, f.reason, f.off, NULL);
	if (family_excluded(flags, family))
		return report(err, CIP_EFAMILY, CIP_PARSE_WRONG_FAMILY, 0, NULL);
	masked = u128_and(value, u128_not(prefix_host_mask(family, plen)));
	if (!u128_eq(masked, value) && !(flags & CIP_PARSE_MASK)) {
		memset(&net, 0, sizeof net);
		store_address(&net.addr, family, masked);
		net.len = (uint8_t)plen;
		return report(err, CIP_EHOSTBITS, CIP_PARSE_HOST_BITS, 0, &net);
	}
	store_address(&out->addr, family, masked);
	out->len = (uint8_t)plen;
	memset(out->reserved, 0, sizeof out->reserved);
	return report(err, 0, CIP_PARSE_OK, 0, NULL);
}
