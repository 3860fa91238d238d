/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cip_addr_parse(): RFC 4291 §2.2 text forms, strict IPv4 octets, every
 * rejection class with its code, reason and byte offset, the LEGACY and
 * *_ONLY flags, and the cip_parse_error protocol.
 *
 * Expected addresses are given as text for the C library's inet_pton() (or
 * as raw bytes), never taken from the library under test.
 */
#include "cip_test.h"

#define V4 CIP_PARSE_IPV4_ONLY
#define V6 CIP_PARSE_IPV6_ONLY
#define LEG CIP_PARSE_LEGACY

struct parse_row {
	const char *text;
	size_t len;
	unsigned flags;
	int rc;
	int reason; /* -1: not checked (argument errors) */
	size_t offset;
	const char *want; /* on success: the address, for inet_pton() */
};

/* A valid text and the address it must give. */
#define OK(lit, fl, want)                                                                          \
	{                                                                                          \
		S(lit), (fl), CIP_OK, CIP_PARSE_OK, 0, (want)                                      \
	}
/* A valid prefix of a longer buffer: only the first n bytes are the text. */
#define OKN(lit, n, fl, want)                                                                      \
	{                                                                                          \
		(lit), (n), (fl), CIP_OK, CIP_PARSE_OK, 0, (want)                                  \
	}
/* A syntax error. */
#define ESYN(lit, fl, why, off)                                                                    \
	{                                                                                          \
		S(lit), (fl), CIP_ESYNTAX, CIP_PARSE_##why, (off), NULL                            \
	}
/* Any other failure. */
#define FAIL(lit, fl, rc, why, off)                                                                \
	{                                                                                          \
		S(lit), (fl), (rc), (why), (off), NULL                                             \
	}

static const struct parse_row rows[] = {
	/* ---- IPv4, valid ---------------------------------------------------- */
	OK("0.0.0.0", 0, "0.0.0.0"),
	OK("255.255.255.255", 0, "255.255.255.255"),
	OK("1.2.3.4", 0, "1.2.3.4"),
	OK("192.0.2.1", 0, "192.0.2.1"),
	OK("10.96.0.10", 0, "10.96.0.10"),
	OK("100.64.255.0", 0, "100.64.255.0"),
	OK("9.99.199.249", 0, "9.99.199.249"),
	OK("1.2.3.4", V4, "1.2.3.4"),
	OK("1.2.3.4", CIP_PARSE_MASK, "1.2.3.4"),
	OK("1.2.3.4", LEG, "1.2.3.4"),
	OK("1.2.3.4", LEG | V4 | CIP_PARSE_MASK, "1.2.3.4"),
	/* len is respected: the buffer goes on with valid-looking bytes */
	OKN("1.2.3.45", 7, 0, "1.2.3.4"),
	OKN("10.0.0.1/24", 8, 0, "10.0.0.1"),
	OKN("10.0.0.100", 9, 0, "10.0.0.10"),
	OKN("1.2.3.4\0garbage", 7, 0, "1.2.3.4"),

	/* ---- IPv4 LEGACY: leading zeros read as decimal ------------------------- */
	OK("010.001.0.09", LEG, "10.1.0.9"),
	OK("010.1.1.1", LEG, "10.1.1.1"),
	OK("1.2.3.00", LEG, "1.2.3.0"),
	OK("00.00.00.00", LEG, "0.0.0.0"),
	OK("0255.0.0.0", LEG, "255.0.0.0"),
	OK("1.2.3.010", LEG, "1.2.3.10"),
	OK("010.1.1.1", LEG | V4, "10.1.1.1"),
	OK("0001.2.3.4", LEG, "1.2.3.4"),
	ESYN("0256.1.1.1", LEG, OCTET_RANGE, 0),
	ESYN("1.2.3.0300", LEG, OCTET_RANGE, 6), /* decimal 300, not octal 192 */
	ESYN("0x1.2.3.4", LEG, UNEXPECTED_CHAR, 1),
	ESYN("1.2.3", LEG, TOO_FEW_PARTS, 5),

	/* ---- IPv4 rejections ------------------------------------------------ */
	ESYN("010.1.1.1", 0, LEADING_ZERO, 0),
	ESYN("1.2.3.00", 0, LEADING_ZERO, 6),
	ESYN("1.02.3.4", 0, LEADING_ZERO, 2),
	ESYN("00.1.2.3", 0, LEADING_ZERO, 0),
	ESYN("1.2.3.010", 0, LEADING_ZERO, 6),
	ESYN("010.1.1.1", V4, LEADING_ZERO, 0),
	ESYN("1.2.3.256", 0, OCTET_RANGE, 6),
	ESYN("256.1.1.1", 0, OCTET_RANGE, 0),
	ESYN("1.2.3.1234", 0, OCTET_RANGE, 6),
	ESYN("1234.1.1.1", 0, OCTET_RANGE, 0),
	ESYN("1.99999999999999999999.1.1", 0, OCTET_RANGE, 2),
	ESYN("1.2.3.4294967297", 0, OCTET_RANGE, 6), /* 2^32 + 1 must not wrap */
	ESYN("1", 0, TOO_FEW_PARTS, 1),
	ESYN("1.2", 0, TOO_FEW_PARTS, 3),
	ESYN("1.2.3", 0, TOO_FEW_PARTS, 5),
	ESYN("1.2.3.4.5", 0, TOO_MANY_PARTS, 7),
	ESYN("1.2.3.4.", 0, TOO_MANY_PARTS, 7),
	ESYN("1..2.3", 0, EMPTY_PART, 2),
	ESYN(".1.2.3", 0, EMPTY_PART, 0),
	ESYN("1.2.3.", 0, EMPTY_PART, 6),
	ESYN("...", 0, EMPTY_PART, 0),
	ESYN(" 1.2.3.4", 0, UNEXPECTED_CHAR, 0),
	ESYN("\t1.2.3.4", 0, UNEXPECTED_CHAR, 0),
	ESYN("1.2. 3.4", 0, UNEXPECTED_CHAR, 4),
	ESYN("1.2 .3.4", 0, UNEXPECTED_CHAR, 3),
	ESYN("1.2.3.4 ", 0, UNEXPECTED_CHAR, 7),
	ESYN("1.2.3.4\n", 0, UNEXPECTED_CHAR, 7),
	ESYN("+1.2.3.4", 0, UNEXPECTED_CHAR, 0),
	ESYN("-1.2.3.4", 0, UNEXPECTED_CHAR, 0),
	ESYN("1.2.3.+4", 0, UNEXPECTED_CHAR, 6),
	ESYN("1.2.3.-4", 0, UNEXPECTED_CHAR, 6),
	ESYN("0x1.2.3.4", 0, UNEXPECTED_CHAR, 1),
	ESYN("0X1.2.3.4", 0, UNEXPECTED_CHAR, 1),
	ESYN("1.2.3.4%eth0", 0, UNEXPECTED_CHAR, 7),
	ESYN("1.2.3.4::", 0, UNEXPECTED_CHAR, 7),
	ESYN("1.2.3.4:5::", 0, UNEXPECTED_CHAR, 7),
	ESYN("1.2.3.4/24", 0, UNEXPECTED_CHAR, 7),
	ESYN("abc", 0, UNEXPECTED_CHAR, 0),
	ESYN("a.b.c.d", 0, UNEXPECTED_CHAR, 0),
	ESYN("1.2.3.a", 0, UNEXPECTED_CHAR, 6),
	ESYN("1.2.3.4a", 0, UNEXPECTED_CHAR, 7),
	ESYN("", 0, EMPTY, 0),
	ESYN("", V4, EMPTY, 0),
	ESYN("", LEG, EMPTY, 0),
	/* embedded NUL bytes */
	ESYN("1.2\0.3.4", 0, NUL_BYTE, 3),
	ESYN("1.2.3.4\0", 0, NUL_BYTE, 7),
	ESYN("1.2.3.\0", 0, NUL_BYTE, 6),
	ESYN("\0", 0, NUL_BYTE, 0),
	ESYN("\0"
	     "1.2.3.4",
	     0, NUL_BYTE, 0),
	ESYN("1\0.2.3.4", LEG, NUL_BYTE, 1),
	/* non-ASCII bytes */
	ESYN("1.2.3.\xc3\xa9", 0, UNEXPECTED_CHAR, 6),
	ESYN("\xff", 0, UNEXPECTED_CHAR, 0),
	ESYN("1.2.3.4\x80", 0, UNEXPECTED_CHAR, 7),
	ESYN("\xef\xbc\x91.2.3.4", 0, UNEXPECTED_CHAR, 0), /* fullwidth digit one */
	ESYN("1.2.3.\xd9\xa4", 0, UNEXPECTED_CHAR, 6),	   /* Arabic-Indic four */
	/* family restriction */
	FAIL("1.2.3.4", V6, CIP_EFAMILY, CIP_PARSE_WRONG_FAMILY, 0),
	FAIL("0.0.0.0", V6, CIP_EFAMILY, CIP_PARSE_WRONG_FAMILY, 0),
	FAIL("010.1.1.1", LEG | V6, CIP_EFAMILY, CIP_PARSE_WRONG_FAMILY, 0),
	/* invalid text of the excluded family keeps its own error */
	ESYN("1.2.3.256", V6, OCTET_RANGE, 6),
	ESYN("1.2.3", V6, TOO_FEW_PARTS, 5),

	/* ---- IPv6, valid ---------------------------------------------------- */
	OK("::", 0, "::"),
	OK("::1", 0, "::1"),
	OK("1::", 0, "1::"),
	OK("0::0", 0, "::"),
	OK("::0:0", 0, "::"),
	OK("1:2:3:4:5:6:7:8", 0, "1:2:3:4:5:6:7:8"),
	OK("1::2:3:4:5:6:7", 0, "1:0:2:3:4:5:6:7"),
	OK("1:2:3:4:5:6:7::", 0, "1:2:3:4:5:6:7:0"),
	OK("::2:3:4:5:6:7:8", 0, "0:2:3:4:5:6:7:8"),
	OK("1:2:3:4:5::7:8", 0, "1:2:3:4:5:0:7:8"),
	OK("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
	OK("FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF", 0, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
	OK("0000:0000:0000:0000:0000:0000:0000:0000", 0, "::"),
	OK("2001:0db8:0000:0000:0000:0000:0000:0001", 0, "2001:db8::1"),
	OK("2001:0db8::0001", 0, "2001:db8::1"),
	OK("aBcD:eF01::", 0, "abcd:ef01::"),
	OK("fe80::1", 0, "fe80::1"),
	OK("::ffff:1.2.3.4", 0, "::ffff:1.2.3.4"),
	OK("::FFFF:1.2.3.4", 0, "::ffff:1.2.3.4"),
	OK("::ffff:0.0.0.0", 0, "::ffff:0:0"),
	OK("::ffff:255.255.255.255", 0, "::ffff:ffff:ffff"),
	OK("::1.2.3.4", 0, "::102:304"),
	OK("1::1.2.3.4", 0, "1::102:304"),
	OK("1:2:3:4:5:6:1.2.3.4", 0, "1:2:3:4:5:6:102:304"),
	OK("64:ff9b::192.0.2.33", 0, "64:ff9b::c000:221"),
	OK("::1", V6, "::1"),
	OK("::1", CIP_PARSE_MASK, "::1"),
	OK("::1", LEG, "::1"),
	OK("0001:0002::", LEG, "1:2::"),
	OK("::ffff:010.1.1.1", LEG, "::ffff:10.1.1.1"),
	OK("::ffff:010.1.1.1", LEG | V6, "::ffff:10.1.1.1"),
	OK("::ffff:0001.2.3.4", LEG, "::ffff:1.2.3.4"),
	OK("::ffff:1.2.3.004", LEG, "::ffff:1.2.3.4"),
	OKN("::12", 3, 0, "::1"),
	OKN("fe80::1%eth0", 7, 0, "fe80::1"),
	OKN("2001:db8::1", 10, 0, "2001:db8::"),
	OKN("1::2:3:4:5:6:7:8", 14, 0, "1::2:3:4:5:6:7"),
	OKN("::ffff:1.2.3.45", 14, 0, "::ffff:1.2.3.4"),

	/* ---- IPv6 rejections ------------------------------------------------ */
	ESYN("12345::", 0, GROUP_TOO_LONG, 4),
	ESYN("1:12345::", 0, GROUP_TOO_LONG, 6),
	ESYN("::12345", 0, GROUP_TOO_LONG, 6),
	ESYN("000001::", 0, GROUP_TOO_LONG, 4),
	ESYN("1::2::3", 0, MULTIPLE_ELLIPSIS, 4),
	ESYN("::1::", 0, MULTIPLE_ELLIPSIS, 3),
	ESYN("::ffff::1", 0, MULTIPLE_ELLIPSIS, 6),
	ESYN(":::", 0, EMPTY_PART, 2),
	ESYN("1:::2", 0, EMPTY_PART, 3),
	ESYN(":1::", 0, EMPTY_PART, 0),
	ESYN(":1:2:3:4:5:6:7", 0, EMPTY_PART, 0),
	ESYN("1:2::3:", 0, EMPTY_PART, 7),
	ESYN("1::2:", 0, EMPTY_PART, 5),
	ESYN("1:2::3:4:", 0, EMPTY_PART, 9),
	ESYN("1:2:3:4:5:6:7:", 0, EMPTY_PART, 14),
	ESYN("1:2", 0, TOO_FEW_PARTS, 3),
	ESYN("1:2:3:4:5:6:7", 0, TOO_FEW_PARTS, 13),
	ESYN("1:2:3:4:5:6:1.2.3", 0, TOO_FEW_PARTS, 17),
	ESYN("1:2:3:4:5:6:7:8:9", 0, TOO_MANY_PARTS, 15),
	ESYN("1:2:3:4:5:6:7:8::", 0, TOO_MANY_PARTS, 15),
	ESYN("1::2:3:4:5:6:7:8", 0, TOO_MANY_PARTS, 14),
	ESYN("::1:2:3:4:5:6:7:8", 0, TOO_MANY_PARTS, 15),
	ESYN("1:2:3:4:5:6:7:1.2.3.4", 0, MISPLACED_IPV4, 14),
	ESYN("::1.2.3.4:5", 0, MISPLACED_IPV4, 2),
	/* with "::" standing for at least one group, six groups leave no room */
	ESYN("1:2:3:4:5:6::1.2.3.4", 0, MISPLACED_IPV4, 13),
	ESYN("::1:2:3:4:5:6:1.2.3.4", 0, MISPLACED_IPV4, 14),
	/* zones */
	FAIL("fe80::1%eth0", 0, CIP_EZONE, CIP_PARSE_ZONE, 7),
	FAIL("fe80::1%", 0, CIP_EZONE, CIP_PARSE_ZONE, 7),
	FAIL("fe80::1%1", V6, CIP_EZONE, CIP_PARSE_ZONE, 7),
	FAIL("::%1", 0, CIP_EZONE, CIP_PARSE_ZONE, 2),
	FAIL("1:2:3:4:5:6:7:8%eth0", 0, CIP_EZONE, CIP_PARSE_ZONE, 15),
	/* strict octets inside IPv6 */
	ESYN("::1.2.3.04", 0, LEADING_ZERO, 8),
	ESYN("::ffff:010.1.1.1", 0, LEADING_ZERO, 7),
	ESYN("::ffff:0001.2.3.4", 0, LEADING_ZERO, 7),
	ESYN("::ffff:1.2.3.256", 0, OCTET_RANGE, 13),
	ESYN("::ffff:1.2.3", 0, TOO_FEW_PARTS, 12),
	ESYN("::ffff:1..3.4", 0, EMPTY_PART, 9),
	/* bad characters */
	ESYN(" ::1", 0, UNEXPECTED_CHAR, 0),
	ESYN("::1 ", 0, UNEXPECTED_CHAR, 3),
	ESYN(":: 1", 0, UNEXPECTED_CHAR, 2),
	ESYN("::1\n", 0, UNEXPECTED_CHAR, 3),
	ESYN("::g", 0, UNEXPECTED_CHAR, 2),
	ESYN("1:2:3:4:5:6:7:g", 0, UNEXPECTED_CHAR, 14),
	ESYN("0x1::", 0, UNEXPECTED_CHAR, 1),
	ESYN("::-1", 0, UNEXPECTED_CHAR, 2),
	ESYN("::+1", 0, UNEXPECTED_CHAR, 2),
	ESYN("[::1]", 0, UNEXPECTED_CHAR, 0),
	ESYN("1::2/64", 0, UNEXPECTED_CHAR, 4),
	ESYN("::\xc3\xa9", 0, UNEXPECTED_CHAR, 2),
	ESYN("::1\x80", 0, UNEXPECTED_CHAR, 3),
	ESYN("\xff::", 0, UNEXPECTED_CHAR, 0),
	/* embedded NUL bytes */
	ESYN("::1\0", 0, NUL_BYTE, 3),
	ESYN("::\0"
	     "1",
	     0, NUL_BYTE, 2),
	ESYN("fe80\0::1", 0, NUL_BYTE, 4),
	ESYN("::ffff:1.2\0.3.4", 0, NUL_BYTE, 10),
	/* family restriction */
	FAIL("::1", V4, CIP_EFAMILY, CIP_PARSE_WRONG_FAMILY, 0),
	FAIL("::", V4, CIP_EFAMILY, CIP_PARSE_WRONG_FAMILY, 0),
	FAIL("::ffff:1.2.3.4", V4, CIP_EFAMILY, CIP_PARSE_WRONG_FAMILY, 0),
	FAIL("::ffff:010.1.1.1", LEG | V4, CIP_EFAMILY, CIP_PARSE_WRONG_FAMILY, 0),
	ESYN("1::2::3", V4, MULTIPLE_ELLIPSIS, 4),
	FAIL("fe80::1%eth0", V4, CIP_EZONE, CIP_PARSE_ZONE, 7),

	/* ---- argument errors: unknown flags, both *_ONLY flags ---------------- */
	FAIL("1.2.3.4", V4 | V6, CIP_EINVAL, -1, 0),
	FAIL("::1", V4 | V6, CIP_EINVAL, -1, 0),
	FAIL("1.2.3.4", 1u << 4, CIP_EINVAL, -1, 0),
	FAIL("::1", 1u << 5, CIP_EINVAL, -1, 0),
	FAIL("1.2.3.4", 1u << 31, CIP_EINVAL, -1, 0),
	FAIL("1.2.3.4", 0xffffffffu, CIP_EINVAL, -1, 0),
	FAIL("1.2.3.4", LEG | (1u << 4), CIP_EINVAL, -1, 0),
};

static void expect_addr(const char *want, cip_addr *out)
{
	*out = ct_addr(want);
}

/* One call of cip_addr_parse() on text[0..len) checked against a row. */
static void check_row(size_t i, const struct parse_row *r, const char *text, const char *how,
		      size_t *failures)
{
	cip_addr out, before, want;
	cip_parse_error err;
	char shown[96];

	ct_fill(&out, sizeof(out));
	before = out;
	ct_fill(&err, sizeof(err));
	err.sz = sizeof(err);

	int rc = cip_addr_parse(&out, text, r->len, r->flags, &err);
	CHECK(*failures, rc == r->rc,
	      "row %zu %s (\"%.*s\" len %zu flags %#x): rc %d (%s), want %d (%s)\n", i, how,
	      (int)r->len, r->text, r->len, r->flags, rc, cip_error_name(rc), r->rc,
	      cip_error_name(r->rc));
	CHECK(*failures, err.sz == sizeof(err), "row %zu %s: err.sz changed\n", i, how);
	CHECK(*failures, err.code == r->rc, "row %zu %s (\"%.*s\"): err.code %d, want %d\n", i, how,
	      (int)r->len, r->text, err.code, r->rc);
	if (r->rc == CIP_OK) {
		expect_addr(r->want, &want);
		CHECK(*failures, memcmp(&out, &want, sizeof(out)) == 0,
		      "row %zu %s (\"%.*s\"): got %s, want %s\n", i, how, (int)r->len, r->text,
		      ct_show(&out, shown), r->want);
		CHECK(*failures, err.reason == CIP_PARSE_OK,
		      "row %zu %s: success but err.reason %d\n", i, how, err.reason);
	} else {
		CHECK(*failures, memcmp(&out, &before, sizeof(out)) == 0,
		      "row %zu %s (\"%.*s\"): output written on failure\n", i, how, (int)r->len,
		      r->text);
		if (r->reason >= 0) {
			CHECK(*failures, err.reason == r->reason && err.offset == r->offset,
			      "row %zu %s (\"%.*s\" flags %#x): reason %d (%s) at %zu, want %d "
			      "(%s) at %zu\n",
			      i, how, (int)r->len, r->text, r->flags, err.reason,
			      cip_parse_reason_string(err.reason), err.offset, r->reason,
			      cip_parse_reason_string(r->reason), r->offset);
		}
	}

	/* the same result without an error struct */
	cip_addr out2;
	ct_fill(&out2, sizeof(out2));
	int rc2 = cip_addr_parse(&out2, text, r->len, r->flags, NULL);
	CHECK(*failures, rc2 == rc && memcmp(&out2, &out, sizeof(out)) == 0,
	      "row %zu %s: err == NULL changes the result (%d vs %d)\n", i, how, rc2, rc);
}

static void test_parse_table(void **state)
{
	(void)state;
	size_t failures = 0;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		/* the literal itself (which may continue past len) ... */
		check_row(i, &rows[i], rows[i].text, "literal", &failures);
		/* ... and an exact-size heap copy, so ASan sees any over-read */
		char *copy = ct_dup(rows[i].text, rows[i].len);
		check_row(i, &rows[i], copy, "copy", &failures);
		free(copy);
	}
	print_message("%zu rows\n", ARRAY_LEN(rows));
	CHECK_DONE(failures);
}

/* RFC 4291 §2.2, the examples of all three text forms, against bytes
 * written out by hand. */
static const struct {
	const char *text;
	uint8_t bytes[16];
} rfc4291[] = {
	{ "ABCD:EF01:2345:6789:ABCD:EF01:2345:6789",
	  { 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45,
	    0x67, 0x89 } },
	{ "2001:DB8:0:0:8:800:200C:417A",
	  { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0x08, 0x08, 0x00, 0x20, 0x0c, 0x41, 0x7a } },
	{ "FF01:0:0:0:0:0:0:101", { 0xff, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x01 } },
	{ "0:0:0:0:0:0:0:1", { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } },
	{ "0:0:0:0:0:0:0:0", { 0 } },
	{ "2001:DB8::8:800:200C:417A",
	  { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0x08, 0x08, 0x00, 0x20, 0x0c, 0x41, 0x7a } },
	{ "FF01::101", { 0xff, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x01 } },
	{ "::1", { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } },
	{ "::", { 0 } },
	{ "0:0:0:0:0:0:13.1.68.3", { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 13, 1, 68, 3 } },
	{ "0:0:0:0:0:FFFF:129.144.52.38",
	  { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 129, 144, 52, 38 } },
	{ "::13.1.68.3", { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 13, 1, 68, 3 } },
	{ "::FFFF:129.144.52.38", { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 129, 144, 52, 38 } },
	/* the same in lower case */
	{ "abcd:ef01:2345:6789:abcd:ef01:2345:6789",
	  { 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45,
	    0x67, 0x89 } },
	{ "2001:db8::8:800:200c:417a",
	  { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0x08, 0x08, 0x00, 0x20, 0x0c, 0x41, 0x7a } },
	{ "::ffff:129.144.52.38", { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 129, 144, 52, 38 } },
};

static void test_rfc4291_examples(void **state)
{
	(void)state;
	size_t failures = 0;
	for (size_t i = 0; i < ARRAY_LEN(rfc4291); i++) {
		cip_addr out;
		cip_addr want = ct_addr_bytes(CIP_FAMILY_IPV6, rfc4291[i].bytes);
		char shown[96];
		ct_fill(&out, sizeof(out));
		int rc = cip_addr_parse(&out, rfc4291[i].text, strlen(rfc4291[i].text), 0, NULL);
		CHECK(failures, rc == 0 && memcmp(&out, &want, sizeof(out)) == 0,
		      "row %zu \"%s\": rc %d, got %s\n", i, rfc4291[i].text, rc,
		      rc == 0 ? ct_show(&out, shown) : "-");
		CHECK(failures, rc != 0 || out.family == CIP_FAMILY_IPV6, "row %zu: family %u\n", i,
		      out.family);
	}
	CHECK_DONE(failures);
}

static void test_ipv4_bytes(void **state)
{
	(void)state;
	/* a.b.c.d lives in bytes[12..15], bytes[0..11] and reserved are zero */
	cip_addr out;
	ct_fill(&out, sizeof(out));
	assert_int_equal(cip_addr_parse(&out, S("192.0.2.235"), 0, NULL), 0);
	assert_int_equal(out.family, CIP_FAMILY_IPV4);
	const uint8_t want[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 235 };
	assert_memory_equal(out.bytes, want, 16);
	assert_int_equal(out.reserved[0], 0);
	assert_int_equal(out.reserved[1], 0);
	assert_int_equal(out.reserved[2], 0);
}

/* Every octet value 0-255 in every position, and the first invalid ones. */
static void test_every_octet(void **state)
{
	(void)state;
	size_t failures = 0;
	for (int pos = 0; pos < 4; pos++) {
		for (int v = 0; v <= 1000; v++) {
			int oct[4] = { 1, 2, 3, 4 };
			char text[32];
			oct[pos] = v;
			int n = snprintf(text, sizeof(text), "%d.%d.%d.%d", oct[0], oct[1], oct[2],
					 oct[3]);
			cip_addr out;
			cip_parse_error err;
			cip_parse_error_init(&err, sizeof(err));
			int rc = cip_addr_parse(&out, text, (size_t)n, 0, &err);
			if (v <= 255) {
				CHECK(failures, rc == 0 && out.bytes[12 + pos] == v,
				      "\"%s\": rc %d\n", text, rc);
			} else {
				size_t at = 0;
				for (int k = 0; k < pos; k++)
					at += (size_t)snprintf(NULL, 0, "%d.", oct[k]);
				CHECK(failures,
				      rc == CIP_ESYNTAX && err.reason == CIP_PARSE_OCTET_RANGE &&
					      err.offset == at,
				      "\"%s\": rc %d reason %d at %zu, want OCTET_RANGE at %zu\n",
				      text, rc, err.reason, err.offset, at);
			}
		}
	}
	CHECK_DONE(failures);
}

/* ---- the cip_parse_error protocol --------------------------------------- */

static void test_parse_error_success_writes_code(void **state)
{
	(void)state;
	cip_addr out;
	cip_parse_error err;
	ct_fill(&err, sizeof(err));
	err.sz = sizeof(err);
	assert_int_equal(cip_addr_parse(&out, S("10.0.0.1"), 0, &err), 0);
	assert_int_equal(err.sz, sizeof(err));
	assert_int_equal(err.code, 0);
	assert_int_equal(err.reason, CIP_PARSE_OK);
}

static void test_parse_error_sz_zero(void **state)
{
	(void)state;
	cip_addr out, before;
	cip_parse_error err, err_before;
	ct_fill(&out, sizeof(out));
	before = out;
	ct_fill(&err, sizeof(err));
	err.sz = 0;
	err_before = err;
	assert_int_equal(cip_addr_parse(&out, S("10.0.0.1"), 0, &err), CIP_EINVAL);
	assert_memory_equal(&out, &before, sizeof(out));
	assert_memory_equal(&err, &err_before, sizeof(err));
	/* a failing text gives EINVAL too: the err argument itself is bad */
	assert_int_equal(cip_addr_parse(&out, S("10.0.0.01"), 0, &err), CIP_EINVAL);
	assert_memory_equal(&err, &err_before, sizeof(err));
}

static void test_parse_error_sz_too_small(void **state)
{
	(void)state;
	cip_addr out, before;
	cip_parse_error err, err_before;
	ct_fill(&out, sizeof(out));
	before = out;
	ct_fill(&err, sizeof(err));
	err.sz = offsetof(cip_parse_error, network) - 1;
	err_before = err;
	assert_int_equal(cip_addr_parse(&out, S("10.0.0.1"), 0, &err), CIP_EINVAL);
	assert_memory_equal(&out, &before, sizeof(out));
	assert_memory_equal(&err, &err_before, sizeof(err));
	err.sz = sizeof(size_t);
	err_before = err;
	assert_int_equal(cip_addr_parse(&out, S("10.0.0.1"), 0, &err), CIP_EINVAL);
	assert_memory_equal(&err, &err_before, sizeof(err));
}

/* A caller built against the first, shorter struct (no network field). */
static void test_parse_error_short_sz(void **state)
{
	(void)state;
	cip_addr out;
	cip_parse_error err;
	ct_fill(&err, sizeof(err));
	err.sz = offsetof(cip_parse_error, network);
	assert_int_equal(cip_addr_parse(&out, S("1.2.3.00"), 0, &err), CIP_ESYNTAX);
	assert_int_equal(err.sz, offsetof(cip_parse_error, network));
	assert_int_equal(err.code, CIP_ESYNTAX);
	assert_int_equal(err.reason, CIP_PARSE_LEADING_ZERO);
	assert_int_equal(err.offset, 6);
	assert_true(ct_untouched(&err.network, sizeof(err.network)));

	ct_fill(&err, sizeof(err));
	err.sz = offsetof(cip_parse_error, network);
	assert_int_equal(cip_addr_parse(&out, S("::1"), 0, &err), 0);
	assert_int_equal(err.code, 0);
	assert_true(ct_untouched(&err.network, sizeof(err.network)));
}

static void test_parse_error_init(void **state)
{
	(void)state;
	cip_parse_error err, zero;
	memset(&zero, 0, sizeof(zero));

	ct_fill(&err, sizeof(err));
	assert_int_equal(cip_parse_error_init(&err, sizeof(err)), 0);
	assert_int_equal(err.sz, sizeof(err));
	assert_int_equal(err.code, 0);
	assert_int_equal(err.reason, 0);
	assert_int_equal(err.offset, 0);
	assert_memory_equal(&err.network, &zero.network, sizeof(err.network));

	/* the first version of the struct: fields past sz are not written */
	ct_fill(&err, sizeof(err));
	assert_int_equal(cip_parse_error_init(&err, offsetof(cip_parse_error, network)), 0);
	assert_int_equal(err.sz, offsetof(cip_parse_error, network));
	assert_int_equal(err.code, 0);
	assert_int_equal(err.reason, 0);
	assert_int_equal(err.offset, 0);
	assert_true(ct_untouched(&err.network, sizeof(err.network)));

	/* smaller than the first version, or NULL: EINVAL, nothing written */
	ct_fill(&err, sizeof(err));
	assert_int_equal(cip_parse_error_init(&err, offsetof(cip_parse_error, network) - 1),
			 CIP_EINVAL);
	assert_true(ct_untouched(&err, sizeof(err)));
	assert_int_equal(cip_parse_error_init(&err, 0), CIP_EINVAL);
	assert_true(ct_untouched(&err, sizeof(err)));
	assert_int_equal(cip_parse_error_init(NULL, sizeof(err)), CIP_EINVAL);

	/* an initialised struct is accepted by the parsers */
	cip_addr out;
	assert_int_equal(cip_parse_error_init(&err, sizeof(err)), 0);
	assert_int_equal(cip_addr_parse(&out, S("1.2.3"), 0, &err), CIP_ESYNTAX);
	assert_int_equal(err.reason, CIP_PARSE_TOO_FEW_PARTS);
	assert_int_equal(err.offset, 5);
}

/* Argument errors are reported through a valid err as well. */
static void test_parse_einval_reported(void **state)
{
	(void)state;
	cip_addr out;
	cip_parse_error err;
	cip_parse_error_init(&err, sizeof(err));
	err.code = 12345;
	assert_int_equal(cip_addr_parse(&out, NULL, 7, 0, &err), CIP_EINVAL);
	assert_int_equal(err.code, CIP_EINVAL);
	err.code = 12345;
	assert_int_equal(cip_addr_parse(NULL, S("1.2.3.4"), 0, &err), CIP_EINVAL);
	assert_int_equal(err.code, CIP_EINVAL);
	err.code = 12345;
	assert_int_equal(cip_addr_parse(&out, S("1.2.3.4"), V4 | V6, &err), CIP_EINVAL);
	assert_int_equal(err.code, CIP_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_rfc4291_examples),
		cmocka_unit_test(test_ipv4_bytes),
		cmocka_unit_test(test_every_octet),
		cmocka_unit_test(test_parse_error_success_writes_code),
		cmocka_unit_test(test_parse_error_sz_zero),
		cmocka_unit_test(test_parse_error_sz_too_small),
		cmocka_unit_test(test_parse_error_short_sz),
		cmocka_unit_test(test_parse_error_init),
		cmocka_unit_test(test_parse_einval_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
