/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Address parsing and formatting. Input: one byte of parse flags, then the
 * text. Checked:
 * - a failure returns a documented code, fills the error details
 *   consistently and leaves the output untouched;
 * - the strict parser agrees with the C library's inet_pton() on which
 *   texts are addresses and what they mean; legacy mode accepts a superset,
 *   differing only by leading zeros; the family flags reject exactly the
 *   other family;
 * - formatting is canonical: it re-parses to the same address, is a fixed
 *   point, matches inet_ntop() (RFC 5952) where glibc follows the RFC, and
 *   honours its buffer capacity exactly;
 * - the reverse-DNS name decodes back to the address.
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <ctype.h>

#include "fuzz.h"

#define FLAG_MASK (CIP_PARSE_LEGACY | CIP_PARSE_MASK | CIP_PARSE_IPV4_ONLY | CIP_PARSE_IPV6_ONLY)
#define SENTINEL 0xa5

static int valid_rc(int rc)
{
	return rc == CIP_ESYNTAX || rc == CIP_EZONE || rc == CIP_EFAMILY || rc == CIP_EINVAL;
}

/* Parses @p text with @p flags and checks what any parse must satisfy. */
static int parse(const char *text, size_t len, unsigned flags, cip_addr *out, cip_parse_error *err)
{
	cip_addr untouched;
	int rc;

	memset(out, SENTINEL, sizeof(*out));
	memset(&untouched, SENTINEL, sizeof(untouched));
	FUZZ_CHECK_RC(cip_parse_error_init(err, sizeof(*err)), 0);
	rc = cip_addr_parse(out, text, len, flags, err);
	FUZZ_CHECK(err->code == rc);
	if (rc == 0) {
		FUZZ_CHECK(err->reason == CIP_PARSE_OK);
		FUZZ_CHECK(cip_addr_family(out) == out->family);
		return 0;
	}
	FUZZ_CHECK(valid_rc(rc));
	FUZZ_CHECK(memcmp(out, &untouched, sizeof(*out)) == 0);
	if (rc != CIP_EINVAL) {
		FUZZ_CHECK(err->reason > CIP_PARSE_OK && err->reason <= CIP_PARSE_WRONG_FAMILY);
		FUZZ_CHECK(err->offset <= len);
		FUZZ_CHECK(cip_parse_reason_string(err->reason) != NULL);
	}
	if (rc == CIP_EZONE) {
		FUZZ_CHECK(err->reason == CIP_PARSE_ZONE && text[err->offset] == '%');
	}
	return rc;
}

/* The address as inet_pton() reads @p text, or family 0. */
static cip_addr libc_parse(const char *text)
{
	cip_addr a;
	uint8_t b[16];

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, text, b) == 1) {
		FUZZ_CHECK_RC(cip_addr_from_bytes(&a, CIP_FAMILY_IPV4, b, 4), 0);
	} else if (inet_pton(AF_INET6, text, b) == 1) {
		FUZZ_CHECK_RC(cip_addr_from_bytes(&a, CIP_FAMILY_IPV6, b, 16), 0);
	}
	return a;
}

static void check_against_libc(const char *text, size_t len, int rc, const cip_addr *a)
{
	char *z = malloc(len + 1);
	cip_addr want;

	if (z == NULL || memchr(text, '\0', len) != NULL) {
		free(z);
		return;
	}
	memcpy(z, text, len);
	z[len] = '\0';
	want = libc_parse(z);
	free(z);
	if (rc == 0) {
		FUZZ_CHECK(cip_addr_equal(a, &want));
	} else {
		FUZZ_CHECK(want.family == 0);
	}
}

/* glibc writes IPv4-compatible addresses (::a.b.c.d, deprecated by RFC
 * 4291) in dotted form; RFC 5952 asks for hex, as the library does. */
static int libc_differs(const cip_addr *a)
{
	static const uint8_t zeros[12];

	return a->family == CIP_FAMILY_IPV6 && memcmp(a->bytes, zeros, 12) == 0 &&
	       (a->bytes[12] | a->bytes[13]) != 0;
}

static void check_format(const cip_addr *a)
{
	char buf[CIP_ADDR_STRLEN], small[CIP_ADDR_STRLEN], libc[INET6_ADDRSTRLEN];
	cip_parse_error err;
	cip_addr again;
	int n = cip_addr_format(a, buf, sizeof(buf));

	FUZZ_CHECK(n > 0 && (size_t)n < sizeof(buf) && buf[n] == '\0' && strlen(buf) == (size_t)n);
	for (int i = 0; i < n; i++) {
		FUZZ_CHECK(!isupper((unsigned char)buf[i]));
	}
	FUZZ_CHECK_RC(parse(buf, (size_t)n, 0, &again, &err), 0);
	FUZZ_CHECK(cip_addr_equal(a, &again));

	memset(small, SENTINEL, sizeof(small));
	FUZZ_CHECK_RC(cip_addr_format(a, small, (size_t)n), CIP_EBUFSIZE);
	for (size_t i = 0; i < sizeof(small); i++) {
		FUZZ_CHECK((uint8_t)small[i] == SENTINEL);
	}
	FUZZ_CHECK_RC(cip_addr_format(a, small, (size_t)n + 1), n);
	FUZZ_CHECK(strcmp(small, buf) == 0);

	if (a->family == CIP_FAMILY_IPV4) {
		FUZZ_CHECK(inet_ntop(AF_INET, a->bytes + 12, libc, sizeof(libc)) != NULL);
		FUZZ_CHECK(strcmp(libc, buf) == 0);
	} else if (!libc_differs(a)) {
		FUZZ_CHECK(inet_ntop(AF_INET6, a->bytes, libc, sizeof(libc)) != NULL);
		FUZZ_CHECK(strcmp(libc, buf) == 0);
	}
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	FUZZ_CHECK(c >= 'a' && c <= 'f');
	return c - 'a' + 10;
}

/* Decodes a reverse-DNS name (without the final dot) back to an address. */
static cip_addr decode_reverse(const char *name, size_t len, int family)
{
	cip_addr a;

	memset(&a, 0, sizeof(a));
	a.family = (uint8_t)family;
	if (family == CIP_FAMILY_IPV6) {
		FUZZ_CHECK(len == 64 + strlen("ip6.arpa"));
		FUZZ_CHECK(strcmp(name + 64, "ip6.arpa") == 0);
		for (int i = 0; i < 32; i++) {
			int nibble = hex_value(name[2 * i]);

			FUZZ_CHECK(name[2 * i + 1] == '.');
			a.bytes[15 - i / 2] |= (uint8_t)(i % 2 ? nibble << 4 : nibble);
		}
		return a;
	}
	const char *p = name;
	for (int i = 0; i < 4; i++) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);

		FUZZ_CHECK(end > p && *end == '.' && v <= 255);
		FUZZ_CHECK(end - p == 1 || *p != '0');
		a.bytes[15 - i] = (uint8_t)v;
		p = end + 1;
	}
	FUZZ_CHECK(strcmp(p, "in-addr.arpa") == 0);
	return a;
}

static void check_reverse(const cip_addr *a)
{
	char name[CIP_REVERSE_NAME_STRLEN], fqdn[CIP_REVERSE_NAME_STRLEN];
	int n = cip_addr_reverse_name(a, 0, name, sizeof(name));
	int m = cip_addr_reverse_name(a, CIP_NAME_FQDN, fqdn, sizeof(fqdn));
	cip_addr back;

	FUZZ_CHECK(n > 0 && m == n + 1 && fqdn[n] == '.' && strncmp(name, fqdn, (size_t)n) == 0);
	back = decode_reverse(name, (size_t)n, a->family);
	FUZZ_CHECK(cip_addr_equal(a, &back));
	FUZZ_CHECK_RC(cip_addr_reverse_name(a, 0, name, (size_t)n), CIP_EBUFSIZE);
}

/* Legacy mode accepts every strict address, with the same meaning, and
 * more only by leading zeros. A strict parse that meets a dotted quad's
 * first octet with five or more digits inside an IPv6 text reports an
 * over-long group: it cannot know that a '.' follows. */
static void check_legacy(const char *text, size_t len, unsigned flags, int rc, const cip_addr *a,
			 const cip_parse_error *err)
{
	cip_parse_error lerr;
	cip_addr legacy;
	int lrc = parse(text, len, flags | CIP_PARSE_LEGACY, &legacy, &lerr);

	if (rc == 0) {
		FUZZ_CHECK_RC(lrc, 0);
		FUZZ_CHECK(cip_addr_equal(a, &legacy));
	} else if (lrc == 0) {
		FUZZ_CHECK(err->reason == CIP_PARSE_LEADING_ZERO ||
			   err->reason == CIP_PARSE_GROUP_TOO_LONG);
	}
}

/* A family flag rejects exactly the valid texts of the other family. */
static void check_family_flags(const char *text, size_t len, int rc, const cip_addr *a)
{
	static const unsigned only[2] = { CIP_PARSE_IPV4_ONLY, CIP_PARSE_IPV6_ONLY };
	static const int family[2] = { CIP_FAMILY_IPV4, CIP_FAMILY_IPV6 };

	for (int i = 0; i < 2; i++) {
		cip_parse_error err;
		cip_addr got;
		int frc = parse(text, len, only[i], &got, &err);

		if (rc != 0) {
			FUZZ_CHECK_RC(frc, rc);
		} else if (a->family == family[i]) {
			FUZZ_CHECK_RC(frc, 0);
			FUZZ_CHECK(cip_addr_equal(a, &got));
		} else {
			FUZZ_CHECK_RC(frc, CIP_EFAMILY);
			FUZZ_CHECK(err.reason == CIP_PARSE_WRONG_FAMILY);
		}
	}
	if (rc == 0) {
		cip_parse_error err;
		cip_addr got;

		FUZZ_CHECK_RC(
			parse(text, len, CIP_PARSE_IPV4_ONLY | CIP_PARSE_IPV6_ONLY, &got, &err),
			CIP_EINVAL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cip_parse_error err;
	cip_addr a;
	unsigned flags;
	char *text;
	size_t len;
	int rc;

	if (size < 1 || size > 128) {
		return 0;
	}
	flags = data[0];
	len = size - 1;
	text = fuzz_dup(data + 1, len);

	/* Unknown flag bits and contradictory flags are argument errors. */
	rc = parse(text, len, flags, &a, &err);
	if ((flags & ~FLAG_MASK) != 0 || (flags & (CIP_PARSE_IPV4_ONLY | CIP_PARSE_IPV6_ONLY)) ==
						 (CIP_PARSE_IPV4_ONLY | CIP_PARSE_IPV6_ONLY)) {
		FUZZ_CHECK_RC(rc, CIP_EINVAL);
	}

	/* The strict parse, against the C library and the other modes. */
	rc = parse(text, len, 0, &a, &err);
	FUZZ_CHECK(rc != CIP_EINVAL && rc != CIP_EFAMILY);
	check_against_libc(text, len, rc, &a);
	check_legacy(text, len, 0, rc, &a, &err);
	check_family_flags(text, len, rc, &a);
	if (rc == 0) {
		check_format(&a);
		check_reverse(&a);
	}
	free(text);
	return 0;
}
