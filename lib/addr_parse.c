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

#define PARSE_FLAGS (CIP_PARSE_LEGACY | CIP_PARSE_MASK | CIP_PARSE_IPV4_ONLY | CIP_PARSE_IPV6_ONLY)
#define ONLY_FLAGS (CIP_PARSE_IPV4_ONLY | CIP_PARSE_IPV6_ONLY)

/* A stop byte that matches no byte: addresses run to the end of the text. */
#define NO_STOP 256u

/* Value + 1 of a hex digit, 0 for every other byte. */
static const uint8_t hex_value[256] = {
	['0'] = 1,  ['1'] = 2,	['2'] = 3,  ['3'] = 4,	['4'] = 5,  ['5'] = 6,
	['6'] = 7,  ['7'] = 8,	['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
	['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
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
			v = v << 4 | (h - 1);
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

/* ------------------------------------------------------------------ */
/* Fast paths                                                         */
/* ------------------------------------------------------------------ */

/*
 * The precise parsers above spend most of their time on bookkeeping for
 * error reports, and on branches that random input mispredicts. Almost every
 * real input is valid and plain, so two lean parsers try first: they accept
 * only a subset of valid texts (no leading zeros, no dotted quad in IPv6)
 * and give up on anything else, leaving the verdict and the error report to
 * the precise parsers. What they accept, the precise parsers would accept
 * with the same value.
 *
 * They read a zero-padded copy of the text's head, so that they may look a
 * few bytes ahead without bounds checks, and they compute digit counts with
 * arithmetic instead of branches.
 */
#define NOT_FAST ((size_t)-1)

/* Bytes of the head copy: the longest text the fast paths accept is 39
 * bytes; 48 leaves room for a stop byte, 64 for look-ahead past the end. */
#define HEAD_COPY 48
#define HEAD_BUF 64

/*
 * Copies n <= HEAD_COPY bytes into a zeroed buffer with fixed-size,
 * possibly overlapping copies, which compile to plain loads and stores.
 */
static void load_head(uint8_t dst[HEAD_BUF], const uint8_t *src, size_t n)
{
	memset(dst, 0, HEAD_BUF);
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

/* The address ends at p (p < HEAD_COPY + 8, so b[p] is in the buffer). */
static inline int head_end(const struct text *t, const uint8_t *b, size_t p)
{
	return p == t->len || (p < t->len && b[p] == t->stop);
}

/* Mask of all ones when @p k is 1, zero when it is 0. */
static inline unsigned ones_if(unsigned k)
{
	return 0u - k;
}

/*
 * One octet of 1-3 digits at b, branch-free: its value, and its digit count
 * in *n. Sets *bad for no digit, a fourth digit, a leading zero or > 255.
 */
static inline unsigned fast_octet(const uint8_t *b, unsigned *n, unsigned *bad)
{
	unsigned d0 = b[0] - '0', d1 = b[1] - '0', d2 = b[2] - '0', d3 = b[3] - '0';
	unsigned k0 = d0 < 10, k1 = k0 & (d1 < 10), k2 = k1 & (d2 < 10);
	unsigned v1 = d0, v2 = v1 * 10 + d1, v3 = v2 * 10 + d2;
	unsigned v = v1 + ((v2 - v1) & ones_if(k1)) + ((v3 - v2) & ones_if(k2));

	*n = k0 + k1 + k2;
	*bad |= (k0 ^ 1) | (k2 & (d3 < 10)) | (k1 & (d0 == 0)) | (v > 255);
	return v;
}

/* A plain dotted quad; returns where it ended, or NOT_FAST. */
static size_t fast_v4(const struct text *t, const uint8_t *b, uint8_t out[4])
{
	unsigned bad = 0, n;
	uint32_t v = 0;
	size_t p = 0;

	for (int i = 0; i < 4; i++) {
		v = v << 8 | (fast_octet(b + p, &n, &bad) & 0xff);
		p += n;
		if (i < 3)
			bad |= b[p++] != '.';
	}
	if (bad || !head_end(t, b, p))
		return NOT_FAST;
	out[0] = (uint8_t)(v >> 24);
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
	return p;
}

/*
 * One group of 1-4 hex digits at b, branch-free: its value, and its digit
 * count in *n (0 when b holds no hex digit). Sets *bad for a fifth digit.
 */
static inline unsigned fast_group(const uint8_t *b, unsigned *n, unsigned *bad)
{
	unsigned h0 = hex_value[b[0]], h1 = hex_value[b[1]], h2 = hex_value[b[2]];
	unsigned h3 = hex_value[b[3]], h4 = hex_value[b[4]];
	unsigned k0 = h0 != 0, k1 = k0 & (h1 != 0), k2 = k1 & (h2 != 0), k3 = k2 & (h3 != 0);
	unsigned v = (h0 - 1) & ones_if(k0);

	v = (v & ones_if(k1 ^ 1)) | ((v << 4 | (h1 - 1)) & ones_if(k1));
	v = (v & ones_if(k2 ^ 1)) | ((v << 4 | (h2 - 1)) & ones_if(k2));
	v = (v & ones_if(k3 ^ 1)) | ((v << 4 | (h3 - 1)) & ones_if(k3));
	*n = k0 + k1 + k2 + k3;
	*bad |= k3 & (h4 != 0);
	return v & 0xffff;
}

/* Hex groups with at most one "::"; returns where it ended, or NOT_FAST. */
static size_t fast_v6(const struct text *t, const uint8_t *b, uint8_t out[16])
{
	unsigned g[8], n = 0, bad = 0, k;
	int ell = -1;
	size_t p = 0;

	if (b[0] == ':' && b[1] == ':') {
		ell = 0;
		p = 2;
	}
	while (!(ell == (int)n && head_end(t, b, p))) {
		unsigned v = fast_group(b + p, &k, &bad);

		if (k == 0 || n == 8 || bad)
			return NOT_FAST;
		g[n++] = v;
		p += k;
		if (head_end(t, b, p))
			break;
		if (b[p] != ':')
			return NOT_FAST;
		if (b[++p] == ':') {
			if (ell >= 0)
				return NOT_FAST;
			ell = (int)n;
			p++;
		}
	}
	if (ell < 0 ? n != 8 : n > 7)
		return NOT_FAST;
	memset(out, 0, 16);
	for (unsigned i = 0, j = 0; i < n; i++, j++) {
		if ((int)i == ell)
			j += 8 - n; /* the zero groups the "::" stands for */
		out[2 * j] = (uint8_t)(g[i] >> 8);
		out[2 * j + 1] = (uint8_t)g[i];
	}
	return p;
}

/* Parses the address at the start of @p t; *endp is where it ended. */
static int parse_address(const struct text *t, cip_addr *a, size_t *endp, struct failure *f)
{
	uint8_t head[HEAD_BUF];
	size_t end;
	int v6;

	memset(a, 0, sizeof *a);
	load_head(head, t->s, t->len < HEAD_COPY ? t->len : HEAD_COPY);
	/* a plain IPv4 text has its first '.' at 1, 2 or 3 */
	if (head[1] == '.' || head[2] == '.' || head[3] == '.') {
		end = fast_v4(t, head, a->bytes + 12);
		v6 = 0;
	} else {
		end = fast_v6(t, head, a->bytes);
		v6 = 1;
	}
	if (end != NOT_FAST) {
		a->family = v6 ? CIP_FAMILY_IPV6 : CIP_FAMILY_IPV4;
		*endp = end;
		return 0;
	}
	memset(a, 0, sizeof *a);
	v6 = text_is_v6(t);
	a->family = v6 ? CIP_FAMILY_IPV6 : CIP_FAMILY_IPV4;
	return v6 ? parse_v6(t, a->bytes, endp, f) : parse_v4(t, a->bytes, endp, f);
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
	if (err) {
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
};

_Static_assert(sizeof reason_texts / sizeof reason_texts[0] == CIP_PARSE_WRONG_FAMILY + 1,
	       "one text per parse reason");

const char *cip_parse_reason_string(int reason)
{
	if (reason < 0 || (size_t)reason >= sizeof reason_texts / sizeof reason_texts[0])
		return "unknown parse error";
	return reason_texts[reason];
}

int cip_parse_error_init(cip_parse_error *err, size_t sz)
{
	if (!err || sz < offsetof(cip_parse_error, network))
		return CIP_EINVAL;
	memset(err, 0, sz);
	err->sz = sz;
	return 0;
}

int cip_addr_parse(cip_addr *out, const char *text, size_t len, unsigned flags,
		   cip_parse_error *err)
{
	struct text t;
	struct failure f;
	cip_addr a;
	size_t end;
	int rc;

	if (!err_usable(err))
		return CIP_EINVAL;
	if (!out || !text || !flags_valid(flags))
		return report(err, CIP_EINVAL, CIP_PARSE_OK, 0, NULL);
	if (len == 0)
		return report(err, CIP_ESYNTAX, CIP_PARSE_EMPTY, 0, NULL);
	t = text_make(text, len, NO_STOP, flags);
	rc = parse_address(&t, &a, &end, &f);
	if (rc)
		return report(err, rc, f.reason, f.off, NULL);
	if (family_excluded(flags, a.family))
		return report(err, CIP_EFAMILY, CIP_PARSE_WRONG_FAMILY, 0, NULL);
	*out = a;
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
	cip_prefix pfx;
	cip_u128 value, net;
	size_t slash;
	unsigned plen;
	int rc;

	if (!err_usable(err))
		return CIP_EINVAL;
	if (!out || !text || !flags_valid(flags))
		return report(err, CIP_EINVAL, CIP_PARSE_OK, 0, NULL);
	if (len == 0)
		return report(err, CIP_ESYNTAX, CIP_PARSE_EMPTY, 0, NULL);
	t = text_make(text, len, '/', flags);
	memset(&pfx, 0, sizeof pfx);
	rc = parse_address(&t, &pfx.addr, &slash, &f);
	if (rc)
		return report(err, rc, f.reason, f.off, NULL);
	if (slash == len)
		return report(err, CIP_ESYNTAX, CIP_PARSE_MISSING_LENGTH, len, NULL);
	rc = parse_length(&t, slash + 1, family_bits(pfx.addr.family), &plen, &f);
	if (rc)
		return report(err, rc, f.reason, f.off, NULL);
	if (family_excluded(flags, pfx.addr.family))
		return report(err, CIP_EFAMILY, CIP_PARSE_WRONG_FAMILY, 0, NULL);
	pfx.len = (uint8_t)plen;
	value = addr_value(&pfx.addr);
	net = u128_and(value, u128_not(prefix_host_mask(pfx.addr.family, plen)));
	u128_store_be(pfx.addr.bytes, net);
	if (!u128_eq(net, value) && !(flags & CIP_PARSE_MASK))
		return report(err, CIP_EHOSTBITS, CIP_PARSE_HOST_BITS, 0, &pfx);
	*out = pfx;
	return report(err, 0, CIP_PARSE_OK, 0, NULL);
}
