/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The frozen ABI: sizes and offsets of every public value type and the
 * values of every public enumerator and capacity macro. A failure here means
 * the ABI changed.
 */
#include "cip_test.h"

#include <stdalign.h>

static void test_cip_addr_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(cip_addr), 20);
	assert_int_equal(alignof(cip_addr), 1);
	assert_int_equal(offsetof(cip_addr, family), 0);
	assert_int_equal(sizeof(((cip_addr *)0)->family), 1);
	assert_int_equal(offsetof(cip_addr, reserved), 1);
	assert_int_equal(sizeof(((cip_addr *)0)->reserved), 3);
	assert_int_equal(offsetof(cip_addr, bytes), 4);
	assert_int_equal(sizeof(((cip_addr *)0)->bytes), 16);
}

static void test_cip_prefix_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(cip_prefix), 24);
	assert_int_equal(alignof(cip_prefix), 1);
	assert_int_equal(offsetof(cip_prefix, addr), 0);
	assert_int_equal(offsetof(cip_prefix, len), 20);
	assert_int_equal(sizeof(((cip_prefix *)0)->len), 1);
	assert_int_equal(offsetof(cip_prefix, reserved), 21);
	assert_int_equal(sizeof(((cip_prefix *)0)->reserved), 3);
}

static void test_cip_u128_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(cip_u128), 16);
	assert_int_equal(alignof(cip_u128), alignof(uint64_t));
	assert_int_equal(offsetof(cip_u128, hi), 0);
	assert_int_equal(offsetof(cip_u128, lo), 8);
	assert_int_equal(sizeof(((cip_u128 *)0)->hi), 8);
	assert_int_equal(sizeof(((cip_u128 *)0)->lo), 8);
}

static void test_cip_parse_error_layout(void **state)
{
	(void)state;
	/* size_t sz; int code; int reason; size_t offset; cip_prefix network */
	const size_t zs = sizeof(size_t);
	const size_t za = alignof(size_t);
	assert_int_equal(sizeof(int), 4);
	assert_int_equal(offsetof(cip_parse_error, sz), 0);
	assert_int_equal(offsetof(cip_parse_error, code), zs);
	assert_int_equal(offsetof(cip_parse_error, reason), zs + 4);
	/* zs + 8 is a multiple of alignof(size_t) on every ABI with size_t of
	 * 4 or 8 bytes, so there is no padding before offset */
	assert_int_equal(offsetof(cip_parse_error, offset), zs + 8);
	assert_int_equal(offsetof(cip_parse_error, network), 2 * zs + 8);
	assert_int_equal(sizeof(((cip_parse_error *)0)->network), 24);
	/* network (alignment 1) ends at 2 * zs + 32; the struct is padded to
	 * its alignment, that of size_t */
	assert_int_equal(sizeof(cip_parse_error), ((2 * zs + 32) + za - 1) / za * za);
	assert_int_equal(alignof(cip_parse_error), za);
}

static void test_error_codes(void **state)
{
	(void)state;
	assert_int_equal(CIP_OK, 0);
	assert_int_equal(CIP_EINVAL, -1);
	assert_int_equal(CIP_ENOMEM, -2);
	assert_int_equal(CIP_ESYNTAX, -3);
	assert_int_equal(CIP_EFAMILY, -4);
	assert_int_equal(CIP_ERANGE, -5);
	assert_int_equal(CIP_EFULL, -6);
	assert_int_equal(CIP_EALLOCATED, -7);
	assert_int_equal(CIP_ENOTFOUND, -8);
	assert_int_equal(CIP_EEXIST, -9);
	assert_int_equal(CIP_ESNAPSHOT_MISMATCH, -10);
	assert_int_equal(CIP_ESNAPSHOT_CORRUPT, -11);
	assert_int_equal(CIP_EBUFSIZE, -12);
	assert_int_equal(CIP_EUNSUPPORTED, -13);
	assert_int_equal(CIP_EZONE, -14);
	assert_int_equal(CIP_EHOSTBITS, -15);
	assert_int_equal(CIP_EOVERFLOW, -16);
	assert_int_equal(CIP_ENOTALLOCATED, -17);
	assert_int_equal(CIP_EQUARANTINED, -18);
	assert_int_equal(CIP_ELIMIT, -19);
	assert_int_equal(CIP_ENOBACKEND, -20);
	assert_int_equal(CIP_ENAME, -21);
}

static void test_families_and_flags(void **state)
{
	(void)state;
	assert_int_equal(CIP_FAMILY_IPV4, 4);
	assert_int_equal(CIP_FAMILY_IPV6, 6);

	assert_int_equal(CIP_PARSE_LEGACY, 1);
	assert_int_equal(CIP_PARSE_MASK, 2);
	assert_int_equal(CIP_PARSE_IPV4_ONLY, 4);
	assert_int_equal(CIP_PARSE_IPV6_ONLY, 8);

	assert_int_equal(CIP_NAME_FQDN, 1);
	assert_int_equal(CIP_RANGE_LEGACY_CAP, 1);

	assert_int_equal(CIP_TEXT_ADDR, 1);
	assert_int_equal(CIP_TEXT_PREFIX, 2);
	assert_int_equal(CIP_TEXT_REVERSE_NAME, 3);
	assert_int_equal(CIP_TEXT_U128, 4);
}

static void test_parse_reasons(void **state)
{
	(void)state;
	assert_int_equal(CIP_PARSE_OK, 0);
	assert_int_equal(CIP_PARSE_EMPTY, 1);
	assert_int_equal(CIP_PARSE_UNEXPECTED_CHAR, 2);
	assert_int_equal(CIP_PARSE_NUL_BYTE, 3);
	assert_int_equal(CIP_PARSE_LEADING_ZERO, 4);
	assert_int_equal(CIP_PARSE_OCTET_RANGE, 5);
	assert_int_equal(CIP_PARSE_TOO_FEW_PARTS, 6);
	assert_int_equal(CIP_PARSE_TOO_MANY_PARTS, 7);
	assert_int_equal(CIP_PARSE_EMPTY_PART, 8);
	assert_int_equal(CIP_PARSE_MULTIPLE_ELLIPSIS, 9);
	assert_int_equal(CIP_PARSE_GROUP_TOO_LONG, 10);
	assert_int_equal(CIP_PARSE_MISPLACED_IPV4, 11);
	assert_int_equal(CIP_PARSE_ZONE, 12);
	assert_int_equal(CIP_PARSE_MISSING_LENGTH, 13);
	assert_int_equal(CIP_PARSE_BAD_LENGTH, 14);
	assert_int_equal(CIP_PARSE_LENGTH_RANGE, 15);
	assert_int_equal(CIP_PARSE_HOST_BITS, 16);
	assert_int_equal(CIP_PARSE_WRONG_FAMILY, 17);
	assert_int_equal(CIP_PARSE_PORT_RANGE, 18);
	assert_int_equal(CIP_PARSE_PORT_ORDER, 19);
}

static void test_capacities(void **state)
{
	(void)state;
	/* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" is 45 bytes + NUL */
	assert_int_equal(CIP_ADDR_STRLEN, 46);
	/* the same and "/128" */
	assert_int_equal(CIP_PREFIX_STRLEN, 50);
	assert_int_equal(CIP_REVERSE_NAME_STRLEN, 75);
	/* 2^128 - 1 has 39 digits, + NUL */
	assert_int_equal(CIP_U128_STRLEN, 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cip_addr_layout),
		cmocka_unit_test(test_cip_prefix_layout),
		cmocka_unit_test(test_cip_u128_layout),
		cmocka_unit_test(test_cip_parse_error_layout),
		cmocka_unit_test(test_error_codes),
		cmocka_unit_test(test_families_and_flags),
		cmocka_unit_test(test_parse_reasons),
		cmocka_unit_test(test_capacities),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
