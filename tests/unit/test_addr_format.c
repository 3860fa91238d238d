/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cip_addr_format(): dotted quads and the RFC 5952 §4 canonical IPv6 text,
 * plus buffer capacity. Inputs are built with inet_pton() or from bytes, so
 * the formatter is tested independently of the parser; a second pass
 * parses the input with cip_addr_parse() and checks the same text.
 */
#include "cip_test.h"

static const struct {
	const char *in;	  /* any text inet_pton() accepts */
	const char *want; /* the canonical text */
} rows[] = {
	/* IPv4 */
	{ "0.0.0.0", "0.0.0.0" },
	{ "255.255.255.255", "255.255.255.255" },
	{ "1.2.3.4", "1.2.3.4" },
	{ "10.96.0.1", "10.96.0.1" },
	{ "100.64.0.0", "100.64.0.0" },
	{ "192.168.100.200", "192.168.100.200" },
	{ "9.10.99.100", "9.10.99.100" },
	/* RFC 5952 §4.1: leading zeros suppressed */
	{ "2001:0db8::0001", "2001:db8::1" },
	{ "2001:db8:0000:0001:0000:0000:0000:0001", "2001:db8:0:1::1" },
	/* §4.2.1: "::" shortens as much as possible */
	{ "2001:db8:0:0:0:0:2:1", "2001:db8::2:1" },
	{ "2001:db8::0:1", "2001:db8::1" },
	/* §4.2.2: not used for one 16-bit 0 field */
	{ "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },
	{ "1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7" },
	{ "0:1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7" },
	{ "1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0" },
	{ "1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0" },
	/* §4.2.3: the longest run; the first on a tie */
	{ "2001:0:0:1:0:0:0:1", "2001:0:0:1::1" },
	{ "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },
	{ "1:0:0:2:0:0:3:4", "1::2:0:0:3:4" },
	{ "1:0:0:2:0:0:0:3", "1:0:0:2::3" },
	{ "1:0:0:0:2:0:0:3", "1::2:0:0:3" },
	{ "0:0:1:0:0:0:0:0", "0:0:1::" },
	{ "0:0:0:1:0:0:0:0", "0:0:0:1::" },
	{ "0:0:0:0:1:0:0:0", "::1:0:0:0" },
	{ "0:0:1:2:3:4:5:6", "::1:2:3:4:5:6" },
	{ "1:2:3:4:5:6:0:0", "1:2:3:4:5:6::" },
	{ "1:0:0:1:0:0:1:1", "1::1:0:0:1:1" },
	{ "0:0:1:1:1:1:0:0", "::1:1:1:1:0:0" },
	/* §4.3: lower case */
	{ "2001:DB8::ABCD:EF", "2001:db8::abcd:ef" },
	{ "ABCD:EF01:2345:6789:ABCD:EF01:2345:6789", "abcd:ef01:2345:6789:abcd:ef01:2345:6789" },
	/* all zeros, ends, no zeros */
	{ "0:0:0:0:0:0:0:0", "::" },
	{ "0:0:0:0:0:0:0:1", "::1" },
	{ "1:0:0:0:0:0:0:0", "1::" },
	{ "1:0:0:0:0:0:0:1", "1::1" },
	{ "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	{ "fe80::1", "fe80::1" },
	{ "2001:db8::8:800:200c:417a", "2001:db8::8:800:200c:417a" },
	{ "ff01:0:0:0:0:0:0:101", "ff01::101" },
	{ "10:20:30:40:50:60:70:80", "10:20:30:40:50:60:70:80" },
	{ "a:b:c:d:e:f:a0:b00", "a:b:c:d:e:f:a0:b00" },
	/* §5: IPv4-mapped addresses get a dotted quad ... */
	{ "::ffff:192.0.2.1", "::ffff:192.0.2.1" },
	{ "0:0:0:0:0:ffff:c000:201", "::ffff:192.0.2.1" },
	{ "::ffff:129.144.52.38", "::ffff:129.144.52.38" },
	{ "::ffff:0.0.0.0", "::ffff:0.0.0.0" },
	{ "::ffff:0.0.0.1", "::ffff:0.0.0.1" },
	{ "::ffff:255.255.255.255", "::ffff:255.255.255.255" },
	/* ... and only they: IPv4-compatible, NAT64, SIIT and near misses are
	 * plain hex */
	{ "::1.2.3.4", "::102:304" },
	{ "::13.1.68.3", "::d01:4403" },
	{ "::0.0.1.0", "::100" },
	{ "::1.2.0.0", "::102:0" },
	{ "64:ff9b::192.0.2.33", "64:ff9b::c000:221" },
	{ "::ffff:0:1.2.3.4", "::ffff:0:102:304" },
	{ "::fffe:1.2.3.4", "::fffe:102:304" },
	{ "::1:ffff:1.2.3.4", "::1:ffff:102:304" },
	{ "1::ffff:1.2.3.4", "1::ffff:102:304" },
	{ "ffff::", "ffff::" },
	{ "::ffff", "::ffff" },
	{ "::ffff:0", "::ffff:0" },
};

static void check_format(size_t i, const char *how, const cip_addr *a, const char *want,
			 size_t *failures)
{
	char buf[CIP_ADDR_STRLEN + 16];
	size_t n = strlen(want);

	ct_fill(buf, sizeof(buf));
	int rc = cip_addr_format(a, buf, CIP_ADDR_STRLEN);
	CHECK(*failures,
	      rc == (int)n && memchr(buf, '\0', CIP_ADDR_STRLEN) != NULL && strcmp(buf, want) == 0,
	      "row %zu %s: got %d \"%.*s\", want \"%s\"\n", i, how, rc, (int)CIP_ADDR_STRLEN, buf,
	      want);

	/* exactly len + 1 bytes suffice, and nothing is written past cap */
	ct_fill(buf, sizeof(buf));
	rc = cip_addr_format(a, buf, n + 1);
	CHECK(*failures, rc == (int)n && memcmp(buf, want, n + 1) == 0,
	      "row %zu %s: cap %zu: got %d\n", i, how, n + 1, rc);
	CHECK(*failures, ct_untouched(buf + n + 1, sizeof(buf) - n - 1),
	      "row %zu %s: cap %zu: wrote past cap\n", i, how, n + 1);

	/* cap = len leaves no room for the NUL: EBUFSIZE, buffer untouched */
	ct_fill(buf, sizeof(buf));
	rc = cip_addr_format(a, buf, n);
	CHECK(*failures, rc == CIP_EBUFSIZE && ct_untouched(buf, sizeof(buf)),
	      "row %zu %s: cap %zu: got %d, want CIP_EBUFSIZE and untouched buffer\n", i, how, n,
	      rc);
	ct_fill(buf, sizeof(buf));
	rc = cip_addr_format(a, buf, 1);
	CHECK(*failures, rc == CIP_EBUFSIZE && ct_untouched(buf, sizeof(buf)),
	      "row %zu %s: cap 1: got %d\n", i, how, rc);
	rc = cip_addr_format(a, buf, 0);
	CHECK(*failures, rc == CIP_EBUFSIZE && ct_untouched(buf, sizeof(buf)),
	      "row %zu %s: cap 0: got %d\n", i, how, rc);
}

static void test_format_table(void **state)
{
	(void)state;
	size_t failures = 0;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		cip_addr a = ct_addr(rows[i].in);
		check_format(i, "from bytes", &a, rows[i].want, &failures);
	}
	print_message("%zu rows\n", ARRAY_LEN(rows));
	CHECK_DONE(failures);
}

/* The same table through the library's parser: parse(in) formats as want,
 * and want is a fixed point. */
static void test_parse_then_format(void **state)
{
	(void)state;
	size_t failures = 0;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		cip_addr a;
		int rc = cip_addr_parse(&a, rows[i].in, strlen(rows[i].in), 0, NULL);
		CHECK(failures, rc == 0, "row %zu: cip_addr_parse(\"%s\") = %d\n", i, rows[i].in,
		      rc);
		if (rc == 0)
			check_format(i, "parsed in", &a, rows[i].want, &failures);
		rc = cip_addr_parse(&a, rows[i].want, strlen(rows[i].want), 0, NULL);
		CHECK(failures, rc == 0, "row %zu: cip_addr_parse(\"%s\") = %d\n", i, rows[i].want,
		      rc);
		if (rc == 0)
			check_format(i, "parsed want", &a, rows[i].want, &failures);
	}
	CHECK_DONE(failures);
}

/* The longest outputs fit the documented capacity. */
static void test_longest_fit(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t len;
	} longest[] = {
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 39 },
		{ "1111:2222:3333:4444:5555:6666:7777:8888", 39 },
		{ "::ffff:255.255.255.255", 22 },
		{ "255.255.255.255", 15 },
	};
	for (size_t i = 0; i < ARRAY_LEN(longest); i++) {
		cip_addr a = ct_addr(longest[i].in);
		char buf[CIP_ADDR_STRLEN];
		assert_int_equal(cip_addr_format(&a, buf, sizeof(buf)), (int)longest[i].len);
		assert_string_equal(buf, longest[i].in);
		assert_true(longest[i].len < CIP_ADDR_STRLEN);
	}
	assert_int_equal(cip_text_capacity(CIP_TEXT_ADDR), CIP_ADDR_STRLEN);
}

/* The input address is not modified, and buf may be reused. */
static void test_format_is_pure(void **state)
{
	(void)state;
	cip_addr a = ct_addr("2001:db8::1"), copy = a;
	char buf[CIP_ADDR_STRLEN];
	assert_int_equal(cip_addr_format(&a, buf, sizeof(buf)), 11);
	assert_memory_equal(&a, &copy, sizeof(a));
	assert_int_equal(cip_addr_format(&a, buf, sizeof(buf)), 11);
	assert_string_equal(buf, "2001:db8::1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_table),
		cmocka_unit_test(test_parse_then_format),
		cmocka_unit_test(test_longest_fit),
		cmocka_unit_test(test_format_is_pure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
