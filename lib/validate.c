/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Kubernetes name, label and port rules (see validate.h).
 *
 * Kubernetes checks a text with a length test and an anchored regular
 * expression. Here each rule is one left-to-right pass that keeps just
 * enough state to know whether the next byte may follow (the start of the
 * current label, the byte before), so that it stops at the first byte no
 * valid text could have there. Character classes are ASCII range tests on
 * unsigned bytes: no locale, and every byte >= 0x80 falls outside them.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "validate.h"

static inline int is_lower(unsigned c)
{
	return c - 'a' < 26u;
}

static inline int is_upper(unsigned c)
{
	return c - 'A' < 26u;
}

static inline int is_digit(unsigned c)
{
	return c - '0' < 10u;
}

/* [a-z0-9]: what starts and ends a DNS label. */
static inline int is_lower_alnum(unsigned c)
{
	return is_lower(c) || is_digit(c);
}

/* [-a-z0-9]: what a DNS label and a port name consist of. */
static inline int is_ldh(unsigned c)
{
	return is_lower_alnum(c) || c == '-';
}

/* [A-Za-z0-9]: what starts and ends a label name or value. */
static inline int is_alnum(unsigned c)
{
	return is_lower_alnum(c) || is_upper(c);
}

/* [-A-Za-z0-9_.]: what a label name or value consists of. */
static inline int is_name_char(unsigned c)
{
	return is_alnum(c) || c == '-' || c == '_' || c == '.';
}

/* @return @p reason, having stored @p off through @p at unless it is NULL.
 * The scanners below report through it too, so that a checker can hand its
 * caller's pointer straight down. */
static int fail(size_t *at, int reason, size_t off)
{
	if (at)
		*at = off;
	return reason;
}

/*
 * A DNS label of at most CIP__VALID_LABEL_MAX bytes: [-a-z0-9], starting
 * with a letter if @p letter_first (RFC 1035) or else with a letter or
 * digit (RFC 1123), ending with a letter or digit. @p len > 0.
 */
static int scan_label(const unsigned char *s, size_t len, int letter_first, size_t *at)
{
	for (size_t i = 0; i < len; i++) {
		unsigned c = s[i];

		if (i == CIP__VALID_LABEL_MAX)
			return fail(at, CIP__VALID_TOO_LONG, i);
		if (!is_ldh(c))
			return fail(at, CIP__VALID_BAD_CHAR, i);
		if (i == 0 && letter_first && !is_lower(c))
			return fail(at, CIP__VALID_START_NOT_LETTER, 0);
		if (i == 0 && c == '-')
			return fail(at, CIP__VALID_BAD_START, 0);
	}
	if (s[len - 1] == '-')
		return fail(at, CIP__VALID_BAD_END, len - 1);
	return 0;
}

/*
 * A DNS-1123 subdomain of at most @p max bytes (SIZE_MAX: no limit). The
 * label being read starts at @p start; a '.' ends it, so the '.' is where
 * an empty label is found, and the byte before it is where a label ending
 * with '-' is found. @p len > 0.
 */
static int scan_subdomain(const unsigned char *s, size_t len, size_t max, size_t *at)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned c = s[i];

		if (i == max)
			return fail(at, CIP__VALID_TOO_LONG, i);
		if (c == '.') {
			if (i == start)
				return fail(at, CIP__VALID_EMPTY_LABEL, i);
			if (s[i - 1] == '-')
				return fail(at, CIP__VALID_BAD_END, i - 1);
			start = i + 1;
		} else if (!is_ldh(c)) {
			return fail(at, CIP__VALID_BAD_CHAR, i);
		} else if (i == start && c == '-') {
			return fail(at, CIP__VALID_BAD_START, i);
		}
	}
	if (s[len - 1] == '.')
		return fail(at, CIP__VALID_EMPTY_LABEL, len - 1);
	if (s[len - 1] == '-')
		return fail(at, CIP__VALID_BAD_END, len - 1);
	return 0;
}

/*
 * A label name part or a non-empty label value at @p s, @p len > 0 bytes,
 * which begins @p base bytes into the caller's text (offsets are the
 * caller's): ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], at most
 * CIP__VALID_LABEL_MAX bytes.
 */
static int scan_name(const unsigned char *s, size_t len, size_t base, size_t *at)
{
	for (size_t i = 0; i < len; i++) {
		unsigned c = s[i];

		if (i == CIP__VALID_LABEL_MAX)
			return fail(at, CIP__VALID_TOO_LONG, base + i);
		if (!is_name_char(c))
			return fail(at, CIP__VALID_BAD_NAME_CHAR, base + i);
		if (i == 0 && !is_alnum(c))
			return fail(at, CIP__VALID_BAD_START, base);
	}
	if (!is_alnum(s[len - 1]))
		return fail(at, CIP__VALID_BAD_END, base + len - 1);
	return 0;
}

int cip__valid_dns1035_label(const char *s, size_t len, size_t *offset)
{
	if (!s)
		return fail(offset, CIP__VALID_NULL, 0);
	if (len == 0)
		return fail(offset, CIP__VALID_EMPTY, 0);
	return scan_label((const unsigned char *)s, len, 1, offset);
}

int cip__valid_dns1123_label(const char *s, size_t len, size_t *offset)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t at = 0;
	int r;

	if (!s)
		return fail(offset, CIP__VALID_NULL, 0);
	if (len == 0)
		return fail(offset, CIP__VALID_EMPTY, 0);
	r = scan_label(u, len, 0, &at);
	/* Kubernetes says "must not contain dots" only when the text would be
	 * a valid subdomain, whatever its length; other dots break the label
	 * pattern like any other character. */
	if (r == CIP__VALID_BAD_CHAR && u[at] == '.' && !scan_subdomain(u, len, SIZE_MAX, NULL))
		r = CIP__VALID_DOT;
	return r ? fail(offset, r, at) : 0;
}

int cip__valid_dns1123_subdomain(const char *s, size_t len, size_t *offset)
{
	if (!s)
		return fail(offset, CIP__VALID_NULL, 0);
	if (len == 0)
		return fail(offset, CIP__VALID_EMPTY, 0);
	return scan_subdomain((const unsigned char *)s, len, CIP__VALID_SUBDOMAIN_MAX, offset);
}

int cip__valid_port_name(const char *s, size_t len, size_t *offset)
{
	const unsigned char *u = (const unsigned char *)s;
	int letter = 0;

	if (!s)
		return fail(offset, CIP__VALID_NULL, 0);
	if (len == 0)
		return fail(offset, CIP__VALID_EMPTY, 0);
	for (size_t i = 0; i < len; i++) {
		unsigned c = u[i];

		if (i == CIP__VALID_PORT_NAME_MAX)
			return fail(offset, CIP__VALID_TOO_LONG, i);
		if (!is_ldh(c))
			return fail(offset, CIP__VALID_BAD_CHAR, i);
		if (c == '-' && i == 0)
			return fail(offset, CIP__VALID_BAD_START, 0);
		if (c == '-' && u[i - 1] == '-')
			return fail(offset, CIP__VALID_DOUBLE_HYPHEN, i);
		letter |= is_lower(c);
	}
	if (u[len - 1] == '-')
		return fail(offset, CIP__VALID_BAD_END, len - 1);
	/* Without a letter a name could be mistaken for a port number. */
	if (!letter)
		return fail(offset, CIP__VALID_NO_LETTER, 0);
	return 0;
}

/* The prefix of a label key, the @p len > 0 bytes before its '/': a DNS-1123
 * subdomain, whose problems are reported as problems of the prefix. */
static int scan_prefix(const unsigned char *s, size_t len, size_t *at)
{
	int r = scan_subdomain(s, len, CIP__VALID_SUBDOMAIN_MAX, at);

	if (r == CIP__VALID_TOO_LONG)
		return CIP__VALID_PREFIX_TOO_LONG;
	return r ? CIP__VALID_BAD_PREFIX : 0;
}

int cip__valid_label_key(const char *s, size_t len, size_t *offset)
{
	const unsigned char *u = (const unsigned char *)s;
	const unsigned char *slash, *extra;
	size_t name = 0; /* where the name part starts */
	int r;

	if (!s)
		return fail(offset, CIP__VALID_NULL, 0);
	if (len == 0)
		return fail(offset, CIP__VALID_EMPTY, 0);
	slash = memchr(u, '/', len);
	if (slash) {
		name = (size_t)(slash - u) + 1;
		/* A second '/' leaves no prefix and name to check: Kubernetes
		 * reports only that. */
		extra = memchr(u + name, '/', len - name);
		if (extra)
			return fail(offset, CIP__VALID_EXTRA_SLASH, (size_t)(extra - u));
		if (name == 1)
			return fail(offset, CIP__VALID_EMPTY_PREFIX, 0);
		r = scan_prefix(u, name - 1, offset);
		if (r)
			return r;
		if (name == len)
			return fail(offset, CIP__VALID_EMPTY_NAME, len);
	}
	return scan_name(u + name, len - name, name, offset);
}

int cip__valid_label_value(const char *s, size_t len, size_t *offset)
{
	if (!s)
		return fail(offset, CIP__VALID_NULL, 0);
	if (len == 0)
		return 0;
	return scan_name((const unsigned char *)s, len, 0, offset);
}

int cip__valid_port_number(uint32_t port)
{
	/* port - 1 wraps 0 to UINT32_MAX: one compare covers both ends. */
	return port - 1u < 65535u ? 0 : CIP__VALID_OUT_OF_RANGE;
}

/* Indexed by reason. Kept short: a caller puts a field path and the value
 * in front. */
static const char *const reason_text[CIP__VALID_NREASONS] = {
	[CIP__VALID_OK] = "is valid",
	[CIP__VALID_NULL] = "must not be NULL",
	[CIP__VALID_EMPTY] = "must be non-empty",
	[CIP__VALID_TOO_LONG] =
		"must be no more than 63 bytes (253 for a subdomain, 15 for a port name)",
	[CIP__VALID_BAD_CHAR] = "must consist of lower case alphanumeric characters or '-'",
	[CIP__VALID_BAD_NAME_CHAR] = "must consist of alphanumeric characters, '-', '_' or '.'",
	[CIP__VALID_DOT] = "must not contain dots",
	[CIP__VALID_BAD_START] = "must start with an alphanumeric character",
	[CIP__VALID_START_NOT_LETTER] = "must start with an alphabetic character",
	[CIP__VALID_BAD_END] = "must end with an alphanumeric character",
	[CIP__VALID_EMPTY_LABEL] = "must not start or end with '.' nor contain '..'",
	[CIP__VALID_NO_LETTER] = "must contain at least one letter (a-z)",
	[CIP__VALID_DOUBLE_HYPHEN] = "must not contain consecutive hyphens",
	[CIP__VALID_EMPTY_PREFIX] = "prefix part must be non-empty",
	[CIP__VALID_PREFIX_TOO_LONG] = "prefix part must be no more than 253 bytes",
	[CIP__VALID_BAD_PREFIX] =
		"prefix part must be a lowercase RFC 1123 subdomain (e.g. 'example.com')",
	[CIP__VALID_EMPTY_NAME] = "name part must be non-empty",
	[CIP__VALID_EXTRA_SLASH] =
		"must be a name with an optional DNS subdomain prefix and one '/'",
	[CIP__VALID_OUT_OF_RANGE] = "must be between 1 and 65535, inclusive",
};

const char *cip__valid_reason_text(int reason)
{
	if (reason < 0 || reason >= CIP__VALID_NREASONS)
		return "is invalid";
	return reason_text[reason];
}
