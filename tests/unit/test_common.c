/* SPDX-License-Identifier: Apache-2.0 */
/* common.h: error texts and names, version getters, cip_u128_format(). */
#include "cip_test.h"

#include <limits.h>

static const struct {
	int code;
	const char *name;
} codes[] = {
	{ CIP_OK, "CIP_OK" },
	{ CIP_EINVAL, "CIP_EINVAL" },
	{ CIP_ENOMEM, "CIP_ENOMEM" },
	{ CIP_ESYNTAX, "CIP_ESYNTAX" },
	{ CIP_EFAMILY, "CIP_EFAMILY" },
	{ CIP_ERANGE, "CIP_ERANGE" },
	{ CIP_EFULL, "CIP_EFULL" },
	{ CIP_EALLOCATED, "CIP_EALLOCATED" },
	{ CIP_ENOTFOUND, "CIP_ENOTFOUND" },
	{ CIP_EEXIST, "CIP_EEXIST" },
	{ CIP_ESNAPSHOT_MISMATCH, "CIP_ESNAPSHOT_MISMATCH" },
	{ CIP_ESNAPSHOT_CORRUPT, "CIP_ESNAPSHOT_CORRUPT" },
	{ CIP_EBUFSIZE, "CIP_EBUFSIZE" },
	{ CIP_EUNSUPPORTED, "CIP_EUNSUPPORTED" },
	{ CIP_EZONE, "CIP_EZONE" },
	{ CIP_EHOSTBITS, "CIP_EHOSTBITS" },
	{ CIP_EOVERFLOW, "CIP_EOVERFLOW" },
	{ CIP_ENOTALLOCATED, "CIP_ENOTALLOCATED" },
	{ CIP_EQUARANTINED, "CIP_EQUARANTINED" },
	{ CIP_ELIMIT, "CIP_ELIMIT" },
	{ CIP_ENOBACKEND, "CIP_ENOBACKEND" },
	{ CIP_ENAME, "CIP_ENAME" },
	{ CIP_ESPEC, "CIP_ESPEC" },
	{ CIP_EDROP, "CIP_EDROP" },
};

/* Codes this version does not define (CIP_EDROP = -23 is the last one). */
static const int unknown_codes[] = { 1, 2, -24, -25, 100, -100, -1000, INT_MAX, INT_MIN };

static void test_error_name_every_code(void **state)
{
	(void)state;
	size_t failures = 0;
	for (size_t i = 0; i < ARRAY_LEN(codes); i++) {
		const char *n = cip_error_name(codes[i].code);
		CHECK(failures, n != NULL && strcmp(n, codes[i].name) == 0,
		      "row %zu: cip_error_name(%d) = \"%s\", want \"%s\"\n", i, codes[i].code,
		      n ? n : "(null)", codes[i].name);
	}
	for (size_t i = 0; i < ARRAY_LEN(unknown_codes); i++) {
		const char *n = cip_error_name(unknown_codes[i]);
		CHECK(failures, n != NULL && strcmp(n, "CIP_EUNKNOWN") == 0,
		      "cip_error_name(%d) = \"%s\", want CIP_EUNKNOWN\n", unknown_codes[i],
		      n ? n : "(null)");
	}
	CHECK_DONE(failures);
}

static void test_strerror_every_code(void **state)
{
	(void)state;
	size_t failures = 0;
	const char *generic = cip_strerror(unknown_codes[0]);
	assert_non_null(generic);
	assert_true(strlen(generic) > 0);

	const char *ok = cip_strerror(CIP_OK);
	assert_non_null(ok);
	assert_string_equal(ok, "success");

	for (size_t i = 0; i < ARRAY_LEN(codes); i++) {
		const char *s = cip_strerror(codes[i].code);
		CHECK(failures, s != NULL && s[0] != '\0', "row %zu: cip_strerror(%s) empty\n", i,
		      codes[i].name);
		if (s == NULL)
			continue;
		/* every defined code has its own text, not the generic one */
		CHECK(failures, strcmp(s, generic) != 0,
		      "row %zu: cip_strerror(%s) is the generic text \"%s\"\n", i, codes[i].name,
		      s);
		for (size_t j = 0; j < i; j++) {
			const char *t = cip_strerror(codes[j].code);
			CHECK(failures, t == NULL || strcmp(s, t) != 0,
			      "cip_strerror(%s) == cip_strerror(%s) == \"%s\"\n", codes[i].name,
			      codes[j].name, s);
		}
		/* static text: the same pointer every time */
		CHECK(failures, cip_strerror(codes[i].code) == s,
		      "row %zu: cip_strerror(%s) not static\n", i, codes[i].name);
	}
	/* unknown codes: never NULL, and (being static) one generic text */
	for (size_t i = 0; i < ARRAY_LEN(unknown_codes); i++) {
		const char *s = cip_strerror(unknown_codes[i]);
		CHECK(failures, s != NULL && strcmp(s, generic) == 0,
		      "cip_strerror(%d) = \"%s\", want the generic \"%s\"\n", unknown_codes[i],
		      s ? s : "(null)", generic);
	}
	CHECK_DONE(failures);
}

static void test_parse_reason_string(void **state)
{
	(void)state;
	size_t failures = 0;
	static const int unknown[] = { 20, 21, 100, -1, -17, INT_MAX, INT_MIN };
	const char *generic = cip_parse_reason_string(unknown[0]);
	assert_non_null(generic);
	assert_true(strlen(generic) > 0);
	for (int r = CIP_PARSE_OK; r <= CIP_PARSE_PORT_ORDER; r++) {
		const char *s = cip_parse_reason_string(r);
		CHECK(failures, s != NULL && s[0] != '\0', "reason %d: empty text\n", r);
		if (s == NULL)
			continue;
		CHECK(failures, strcmp(s, generic) != 0, "reason %d: generic text \"%s\"\n", r, s);
		for (int q = CIP_PARSE_OK; q < r; q++) {
			const char *t = cip_parse_reason_string(q);
			CHECK(failures, t == NULL || strcmp(s, t) != 0,
			      "reasons %d and %d share the text \"%s\"\n", q, r, s);
		}
	}
	for (size_t i = 0; i < ARRAY_LEN(unknown); i++) {
		const char *s = cip_parse_reason_string(unknown[i]);
		CHECK(failures, s != NULL && strcmp(s, generic) == 0,
		      "cip_parse_reason_string(%d) = \"%s\", want the generic text\n", unknown[i],
		      s ? s : "(null)");
	}
	CHECK_DONE(failures);
}

static void test_version(void **state)
{
	(void)state;
	char want[32];
	assert_int_equal(cip_version(), CIP_VERSION_NUMBER);
	assert_int_equal(CIP_VERSION_NUMBER,
			 CIP_VERSION_MAJOR * 10000 + CIP_VERSION_MINOR * 100 + CIP_VERSION_PATCH);
	assert_non_null(cip_version_string());
	assert_string_equal(cip_version_string(), CIP_VERSION_STRING);
	snprintf(want, sizeof(want), "%d.%d.%d", CIP_VERSION_MAJOR, CIP_VERSION_MINOR,
		 CIP_VERSION_PATCH);
	assert_string_equal(cip_version_string(), want);
	assert_true(CIP_VERSION_CHECK(0, 0, 0));
	assert_true(CIP_VERSION_CHECK(CIP_VERSION_MAJOR, CIP_VERSION_MINOR, CIP_VERSION_PATCH));
	assert_false(
		CIP_VERSION_CHECK(CIP_VERSION_MAJOR, CIP_VERSION_MINOR, CIP_VERSION_PATCH + 1));
	assert_false(CIP_VERSION_CHECK(CIP_VERSION_MAJOR + 1, 0, 0));
}

/* Decimal expectations derived by hand: 2^64 = 18446744073709551616,
 * 10^20 = 5 * 2^64 + 7766279631452241920, 2^127 and 2^128 - 1 by exact
 * integer arithmetic. */
static const struct {
	uint64_t hi, lo;
	const char *want;
} u128_rows[] = {
	{ 0, 0, "0" },
	{ 0, 1, "1" },
	{ 0, 9, "9" },
	{ 0, 10, "10" },
	{ 0, 65535, "65535" },
	{ 0, 4294967296u, "4294967296" },
	{ 0, UINT64_C(10000000000000000000), "10000000000000000000" },
	{ 0, UINT64_MAX, "18446744073709551615" },
	{ 1, 0, "18446744073709551616" },
	{ 1, 1, "18446744073709551617" },
	{ 1, UINT64_MAX, "36893488147419103231" },
	{ 5, UINT64_C(7766279631452241920), "100000000000000000000" },
	{ 5, UINT64_C(7766279631452241919), "99999999999999999999" },
	{ UINT64_C(0x8000000000000000), 0, "170141183460469231731687303715884105728" },
	{ UINT64_MAX, UINT64_MAX, "340282366920938463463374607431768211455" },
};

static void test_u128_format(void **state)
{
	(void)state;
	size_t failures = 0;
	for (size_t i = 0; i < ARRAY_LEN(u128_rows); i++) {
		cip_u128 v = u128(u128_rows[i].hi, u128_rows[i].lo);
		size_t n = strlen(u128_rows[i].want);
		char buf[CIP_U128_STRLEN + 8];

		ct_fill(buf, sizeof(buf));
		int rc = cip_u128_format(&v, buf, CIP_U128_STRLEN);
		CHECK(failures, rc == (int)n && strcmp(buf, u128_rows[i].want) == 0,
		      "row %zu: got %d \"%.*s\", want \"%s\"\n", i, rc, (int)CIP_U128_STRLEN, buf,
		      u128_rows[i].want);

		/* exactly len + 1 bytes suffice */
		ct_fill(buf, sizeof(buf));
		rc = cip_u128_format(&v, buf, n + 1);
		CHECK(failures, rc == (int)n && memcmp(buf, u128_rows[i].want, n + 1) == 0,
		      "row %zu: cap %zu: got %d\n", i, n + 1, rc);
		CHECK(failures, ct_untouched(buf + n + 1, sizeof(buf) - n - 1),
		      "row %zu: cap %zu: wrote past cap\n", i, n + 1);

		/* cap = len lacks room for the NUL: EBUFSIZE, buffer untouched */
		ct_fill(buf, sizeof(buf));
		rc = cip_u128_format(&v, buf, n);
		CHECK(failures, rc == CIP_EBUFSIZE && ct_untouched(buf, sizeof(buf)),
		      "row %zu: cap %zu: got %d, want CIP_EBUFSIZE and untouched buffer\n", i, n,
		      rc);
		ct_fill(buf, sizeof(buf));
		rc = cip_u128_format(&v, buf, 0);
		CHECK(failures, rc == CIP_EBUFSIZE && ct_untouched(buf, sizeof(buf)),
		      "row %zu: cap 0: got %d, want CIP_EBUFSIZE and untouched buffer\n", i, rc);
	}
	CHECK_DONE(failures);
}

static void test_u128_format_longest_fits(void **state)
{
	(void)state;
	cip_u128 v = u128(UINT64_MAX, UINT64_MAX);
	char buf[CIP_U128_STRLEN];
	assert_int_equal(cip_u128_format(&v, buf, sizeof(buf)), 39);
	assert_int_equal(CIP_U128_STRLEN, 40);
	assert_int_equal(cip_text_capacity(CIP_TEXT_U128), CIP_U128_STRLEN);
}

static void test_u128_format_null(void **state)
{
	(void)state;
	cip_u128 v = u128(0, 42);
	char buf[CIP_U128_STRLEN];
	ct_fill(buf, sizeof(buf));
	assert_int_equal(cip_u128_format(NULL, buf, sizeof(buf)), CIP_EINVAL);
	assert_true(ct_untouched(buf, sizeof(buf)));
	assert_int_equal(cip_u128_format(&v, NULL, sizeof(buf)), CIP_EINVAL);
	assert_int_equal(cip_u128_format(&v, NULL, 0), CIP_EINVAL);
	assert_int_equal(cip_u128_format(NULL, NULL, 0), CIP_EINVAL);
}

static void test_text_capacity(void **state)
{
	(void)state;
	assert_int_equal(cip_text_capacity(CIP_TEXT_ADDR), 46);
	assert_int_equal(cip_text_capacity(CIP_TEXT_PREFIX), 50);
	assert_int_equal(cip_text_capacity(CIP_TEXT_REVERSE_NAME), 75);
	assert_int_equal(cip_text_capacity(CIP_TEXT_U128), 40);
	assert_int_equal(cip_text_capacity(CIP_TEXT_ADDR), CIP_ADDR_STRLEN);
	assert_int_equal(cip_text_capacity(CIP_TEXT_PREFIX), CIP_PREFIX_STRLEN);
	assert_int_equal(cip_text_capacity(CIP_TEXT_REVERSE_NAME), CIP_REVERSE_NAME_STRLEN);
	static const int unknown[] = { 0, 5, 6, -1, 100, INT_MAX, INT_MIN };
	for (size_t i = 0; i < ARRAY_LEN(unknown); i++)
		assert_int_equal(cip_text_capacity(unknown[i]), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_name_every_code),
		cmocka_unit_test(test_strerror_every_code),
		cmocka_unit_test(test_parse_reason_string),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_u128_format),
		cmocka_unit_test(test_u128_format_longest_fits),
		cmocka_unit_test(test_u128_format_null),
		cmocka_unit_test(test_text_capacity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
