/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Canonical text of addresses and prefixes, and reverse-DNS names.
 *
 * Each formatter builds its text in a local buffer with table lookups (no
 * division, no stdio) and copies it out once, so that a too-small buffer is
 * never written.
 */
#include <string.h>

#include <clusterip/addr.h>

#include "addr_priv.h"

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

static char *put_decimal(char *d, unsigned v)
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

/* A group in lower-case hex without leading zeros (1-4 digits). */
static char *put_group(char *d, unsigned g)
{
	unsigned n = 1 + (g > 0xf) + (g > 0xff) + (g > 0xfff);

	g <<= 4 * (4 - n); /* left-align the significant digits */
	d[0] = hex_digits[g >> 12 & 15];
	d[1] = hex_digits[g >> 8 & 15];
	d[2] = hex_digits[g >> 4 & 15];
	d[3] = hex_digits[g & 15];
	return d + n;
}

static int is_v4_mapped(const uint8_t b[16])
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(b, prefix, sizeof prefix) == 0;
}

/* RFC 5952 §4.2.3: the longest run of two or more zero groups, first on a tie. */
static void longest_zero_run(const unsigned g[8], int *start, int *len)
{
	int best = -1, best_len = 1, run = 0;

	for (int i = 0; i < 8; i++) {
		run = g[i] ? 0 : run + 1;
		if (run > best_len) {
			best_len = run;
			best = i - run + 1;
		}
	}
	*start = best;
	*len = best_len;
}

static char *put_v6(char *d, const uint8_t b[16])
{
	unsigned g[8];
	int zstart, zlen, sep = 0;

	if (is_v4_mapped(b)) {
		memcpy(d, "::ffff:", 7);
		return put_v4(d + 7, b + 12);
	}
	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
	longest_zero_run(g, &zstart, &zlen);
	for (int i = 0; i < 8;) {
		if (i == zstart) {
			*d++ = ':';
			*d++ = ':';
			i += zlen;
			sep = 0;
			continue;
		}
		if (sep)
			*d++ = ':';
		d = put_group(d, g[i]);
		sep = 1;
		i++;
	}
	return d;
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
