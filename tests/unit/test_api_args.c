/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Argument checking of every public function: NULL pointers, zero lengths
 * and capacities, and invalid value types (unknown family, non-zero reserved
 * bytes, IPv4 with non-zero high bytes, prefixes with host bits or an
 * over-long length). Every failure must leave the outputs untouched.
 */
#include "cip_test.h"

/* ---- invalid values ----------------------------------------------------- */

enum { N_BAD_ADDR = 10, N_BAD_PREFIX = 14 };

static void bad_addrs(cip_addr out[N_BAD_ADDR])
{
	cip_addr v4 = ct_addr("10.0.0.1"), v6 = ct_addr("2001:db8::1");
	for (int i = 0; i < N_BAD_ADDR; i++)
		out[i] = i % 2 ? v6 : v4;
	out[0].family = 5;
	out[1].family = 0;
	out[2].family = 2;  /* AF_INET */
	out[3].family = 10; /* AF_INET6 */
	out[4].reserved[0] = 1;
	out[5].reserved[1] = 0x80;
	out[6].reserved[2] = 0xff;
	out[7].family = 255;
	out[8].bytes[0] = 1; /* IPv4 with a high byte set */
	out[9] = v4;
	out[9].bytes[11] = 0xff; /* IPv4 with a high byte set (the ::ffff: spot) */
}

static void bad_prefixes(cip_prefix out[N_BAD_PREFIX])
{
	out[0] = ct_prefix("10.0.0.0", 33);
	out[1] = ct_prefix("::", 129);
	out[2] = ct_prefix("::", 255);
	out[3] = ct_prefix("10.0.0.1", 8);   /* host bits */
	out[4] = ct_prefix("10.96.0.0", 10); /* 96 = 0b01100000: bit 10 is a host bit */
	out[5] = ct_prefix("2001:db8::1", 64);
	out[6] = ct_prefix("10.0.0.0", 8);
	out[6].reserved[0] = 1;
	out[7] = ct_prefix("::", 0);
	out[7].reserved[2] = 1;
	out[8] = ct_prefix("10.0.0.0", 8);
	out[8].addr.family = 5;
	out[9] = ct_prefix("10.0.0.0", 8);
	out[9].addr.reserved[0] = 1;
	out[10] = ct_prefix("10.0.0.0", 8);
	out[10].addr.bytes[0] = 1; /* IPv4 high byte */
	out[11] = ct_prefix("0.0.0.0", 0);
	out[11].addr.bytes[11] = 1;	     /* IPv4 high byte, /0 */
	out[12] = ct_prefix("0.0.0.0", 33);  /* too long, though no bit is set */
	out[13] = ct_prefix("0.0.0.0", 128); /* an IPv6 length on IPv4 */
}

/* Every function that takes a cip_addr rejects an invalid one. */
static void test_invalid_addr_everywhere(void **state)
{
	(void)state;
	size_t failures = 0;
	cip_addr bad[N_BAD_ADDR];
	bad_addrs(bad);
	const cip_addr good4 = ct_addr("10.0.0.0");
	const cip_prefix p4 = ct_prefix("10.0.0.0", 8);
	const cip_u128 one = u128(0, 1);

	for (size_t i = 0; i < N_BAD_ADDR; i++) {
		const cip_addr *b = &bad[i];
		const cip_addr copy = *b;
		char buf[128];
		cip_addr a;
		cip_u128 u;
		cip_prefix p;
		int rc;

#define EXPECT_EINVAL(call, obj)                                                                   \
	do {                                                                                       \
		ct_fill(&(obj), sizeof(obj));                                                      \
		rc = (call);                                                                       \
		CHECK(failures, rc == CIP_EINVAL && ct_untouched(&(obj), sizeof(obj)),             \
		      "bad addr %zu: %s = %d, want CIP_EINVAL and untouched output\n", i, #call,   \
		      rc);                                                                         \
	} while (0)

		EXPECT_EINVAL(cip_addr_format(b, buf, sizeof(buf)), buf);
		EXPECT_EINVAL(cip_addr_reverse_name(b, 0, buf, sizeof(buf)), buf);
		EXPECT_EINVAL(cip_addr_unmap(&a, b), a);
		EXPECT_EINVAL(cip_addr_add(&a, b, &one), a);
		EXPECT_EINVAL(cip_addr_sub(&a, b, &one), a);
		EXPECT_EINVAL(cip_addr_offset(&u, b, &good4), u);
		EXPECT_EINVAL(cip_addr_offset(&u, &good4, b), u);
		EXPECT_EINVAL(cip_addr_offset(&u, b, b), u);
		EXPECT_EINVAL(cip_prefix_from_addr(&p, b, 0, CIP_PARSE_MASK), p);
		EXPECT_EINVAL(cip_prefix_from_addr(&p, b, 0, 0), p);
		EXPECT_EINVAL(cip_prefix_offset_of(&u, &p4, b), u);
#undef EXPECT_EINVAL

		rc = cip_addr_family(b);
		CHECK(failures, rc == CIP_EINVAL, "bad addr %zu: family = %d\n", i, rc);
		rc = cip_addr_is_v4_mapped(b);
		CHECK(failures, rc == CIP_EINVAL, "bad addr %zu: is_v4_mapped = %d\n", i, rc);
		rc = cip_prefix_contains(&p4, b);
		CHECK(failures, rc == CIP_EINVAL, "bad addr %zu: contains = %d\n", i, rc);
		rc = cip_addr_equal(b, b);
		CHECK(failures, rc == 0, "bad addr %zu: equal(bad, bad) = %d\n", i, rc);
		rc = cip_addr_equal(b, &good4);
		CHECK(failures, rc == 0, "bad addr %zu: equal(bad, good) = %d\n", i, rc);
		rc = cip_addr_compare(b, &good4);
		CHECK(failures, rc == -1, "bad addr %zu: compare(bad, good) = %d\n", i, rc);
		rc = cip_addr_compare(&good4, b);
		CHECK(failures, rc == 1, "bad addr %zu: compare(good, bad) = %d\n", i, rc);
		rc = cip_addr_compare(b, b);
		CHECK(failures, rc == 0, "bad addr %zu: compare(bad, bad) = %d\n", i, rc);

		/* in place: out == a, an invalid a is left as it was */
		a = *b;
		rc = cip_addr_unmap(&a, &a);
		CHECK(failures, rc == CIP_EINVAL && memcmp(&a, &copy, sizeof(a)) == 0,
		      "bad addr %zu: unmap in place = %d\n", i, rc);
		a = *b;
		rc = cip_addr_add(&a, &a, &one);
		CHECK(failures, rc == CIP_EINVAL && memcmp(&a, &copy, sizeof(a)) == 0,
		      "bad addr %zu: add in place = %d\n", i, rc);
		CHECK(failures, memcmp(b, &copy, sizeof(copy)) == 0, "bad addr %zu: modified\n", i);
	}
	CHECK_DONE(failures);
}

/* Every function that takes a cip_prefix rejects an invalid one. */
static void test_invalid_prefix_everywhere(void **state)
{
	(void)state;
	size_t failures = 0;
	cip_prefix bad[N_BAD_PREFIX];
	bad_prefixes(bad);
	const cip_prefix good4 = ct_prefix("10.0.0.0", 8);
	const cip_addr a4 = ct_addr("10.0.0.1");
	const cip_u128 zero = u128(0, 0);

	for (size_t i = 0; i < N_BAD_PREFIX; i++) {
		const cip_prefix *b = &bad[i];
		char buf[128];
		cip_addr a;
		cip_u128 u;
		int rc;

#define EXPECT_EINVAL(call, obj)                                                                   \
	do {                                                                                       \
		ct_fill(&(obj), sizeof(obj));                                                      \
		rc = (call);                                                                       \
		CHECK(failures, rc == CIP_EINVAL && ct_untouched(&(obj), sizeof(obj)),             \
		      "bad prefix %zu: %s = %d, want CIP_EINVAL and untouched output\n", i, #call, \
		      rc);                                                                         \
	} while (0)

		EXPECT_EINVAL(cip_prefix_format(b, buf, sizeof(buf)), buf);
		EXPECT_EINVAL(cip_prefix_network(&a, b), a);
		EXPECT_EINVAL(cip_prefix_last(&a, b), a);
		EXPECT_EINVAL(cip_prefix_size(&u, b), u);
		EXPECT_EINVAL(cip_prefix_nth(&a, b, &zero), a);
		EXPECT_EINVAL(cip_prefix_offset_of(&u, b, &a4), u);
		EXPECT_EINVAL(cip_service_range_usable(&u, b, 0), u);
		EXPECT_EINVAL(cip_service_range_usable(&u, b, CIP_RANGE_LEGACY_CAP), u);
		EXPECT_EINVAL(cip_service_range_first(&a, b, 0), a);
		EXPECT_EINVAL(cip_service_range_last(&a, b, 0), a);
#undef EXPECT_EINVAL

		rc = cip_prefix_contains(b, &a4);
		CHECK(failures, rc == CIP_EINVAL, "bad prefix %zu: contains = %d\n", i, rc);
		rc = cip_prefix_overlaps(b, &good4);
		CHECK(failures, rc == CIP_EINVAL, "bad prefix %zu: overlaps(bad, good) = %d\n", i,
		      rc);
		rc = cip_prefix_overlaps(&good4, b);
		CHECK(failures, rc == CIP_EINVAL, "bad prefix %zu: overlaps(good, bad) = %d\n", i,
		      rc);
		rc = cip_service_range_static_band(b);
		CHECK(failures, rc == CIP_EINVAL, "bad prefix %zu: static_band = %d\n", i, rc);
	}
	CHECK_DONE(failures);
}

/* ---- NULL pointers ------------------------------------------------------ */

#define EXPECT_RC_UNTOUCHED(call, want, obj)                                                       \
	do {                                                                                       \
		ct_fill(&(obj), sizeof(obj));                                                      \
		int rc_ = (call);                                                                  \
		if (rc_ != (want) || !ct_untouched(&(obj), sizeof(obj)))                           \
			fail_msg("%s = %d, want %d and untouched output", #call, rc_, (want));     \
	} while (0)

static void test_null_addr_functions(void **state)
{
	(void)state;
	cip_addr a = ct_addr("10.0.0.1"), out;
	cip_u128 one = u128(0, 1), u;
	char buf[CIP_REVERSE_NAME_STRLEN];
	const uint8_t b4[4] = { 1, 2, 3, 4 };

	EXPECT_RC_UNTOUCHED(cip_addr_parse(&out, NULL, 0, 0, NULL), CIP_EINVAL, out);
	EXPECT_RC_UNTOUCHED(cip_addr_parse(&out, NULL, 7, 0, NULL), CIP_EINVAL, out);
	assert_int_equal(cip_addr_parse(NULL, S("1.2.3.4"), 0, NULL), CIP_EINVAL);
	assert_int_equal(cip_addr_parse(NULL, NULL, 0, 0, NULL), CIP_EINVAL);

	EXPECT_RC_UNTOUCHED(cip_addr_format(NULL, buf, sizeof(buf)), CIP_EINVAL, buf);
	assert_int_equal(cip_addr_format(&a, NULL, sizeof(buf)), CIP_EINVAL);
	assert_int_equal(cip_addr_format(&a, NULL, 0), CIP_EINVAL);
	EXPECT_RC_UNTOUCHED(cip_addr_format(&a, buf, 0), CIP_EBUFSIZE, buf);

	EXPECT_RC_UNTOUCHED(cip_addr_from_bytes(&out, CIP_FAMILY_IPV4, NULL, 4), CIP_EINVAL, out);
	EXPECT_RC_UNTOUCHED(cip_addr_from_bytes(&out, CIP_FAMILY_IPV4, b4, 0), CIP_EINVAL, out);
	EXPECT_RC_UNTOUCHED(cip_addr_from_bytes(&out, CIP_FAMILY_IPV4, NULL, 0), CIP_EINVAL, out);
	assert_int_equal(cip_addr_from_bytes(NULL, CIP_FAMILY_IPV4, b4, 4), CIP_EINVAL);

	assert_int_equal(cip_addr_family(NULL), CIP_EINVAL);
	assert_int_equal(cip_addr_is_v4_mapped(NULL), CIP_EINVAL);

	assert_int_equal(cip_addr_compare(NULL, NULL), 0);
	assert_int_equal(cip_addr_compare(NULL, &a), -1);
	assert_int_equal(cip_addr_compare(&a, NULL), 1);
	assert_int_equal(cip_addr_equal(NULL, NULL), 0);
	assert_int_equal(cip_addr_equal(NULL, &a), 0);
	assert_int_equal(cip_addr_equal(&a, NULL), 0);

	EXPECT_RC_UNTOUCHED(cip_addr_unmap(&out, NULL), CIP_EINVAL, out);
	assert_int_equal(cip_addr_unmap(NULL, &a), CIP_EINVAL);

	EXPECT_RC_UNTOUCHED(cip_addr_add(&out, NULL, &one), CIP_EINVAL, out);
	EXPECT_RC_UNTOUCHED(cip_addr_add(&out, &a, NULL), CIP_EINVAL, out);
	assert_int_equal(cip_addr_add(NULL, &a, &one), CIP_EINVAL);
	EXPECT_RC_UNTOUCHED(cip_addr_sub(&out, NULL, &one), CIP_EINVAL, out);
	EXPECT_RC_UNTOUCHED(cip_addr_sub(&out, &a, NULL), CIP_EINVAL, out);
	assert_int_equal(cip_addr_sub(NULL, &a, &one), CIP_EINVAL);

	EXPECT_RC_UNTOUCHED(cip_addr_offset(&u, NULL, &a), CIP_EINVAL, u);
	EXPECT_RC_UNTOUCHED(cip_addr_offset(&u, &a, NULL), CIP_EINVAL, u);
	assert_int_equal(cip_addr_offset(NULL, &a, &a), CIP_EINVAL);

	EXPECT_RC_UNTOUCHED(cip_addr_reverse_name(NULL, 0, buf, sizeof(buf)), CIP_EINVAL, buf);
	assert_int_equal(cip_addr_reverse_name(&a, 0, NULL, sizeof(buf)), CIP_EINVAL);
	assert_int_equal(cip_addr_reverse_name(&a, 0, NULL, 0), CIP_EINVAL);
	EXPECT_RC_UNTOUCHED(cip_addr_reverse_name(&a, 0, buf, 0), CIP_EBUFSIZE, buf);
}

static void test_null_prefix_functions(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.0.0.0", 8), out;
	cip_addr a = ct_addr("10.0.0.1"), aout;
	cip_u128 zero = u128(0, 0), u;
	char buf[CIP_PREFIX_STRLEN];

	EXPECT_RC_UNTOUCHED(cip_prefix_parse(&out, NULL, 0, 0, NULL), CIP_EINVAL, out);
	EXPECT_RC_UNTOUCHED(cip_prefix_parse(&out, NULL, 10, 0, NULL), CIP_EINVAL, out);
	assert_int_equal(cip_prefix_parse(NULL, S("10.0.0.0/8"), 0, NULL), CIP_EINVAL);
	{
		/* zero length is an empty text, not an argument error */
		cip_parse_error err;
		cip_parse_error_init(&err, sizeof(err));
		ct_fill(&out, sizeof(out));
		assert_int_equal(cip_prefix_parse(&out, "10.0.0.0/8", 0, 0, &err), CIP_ESYNTAX);
		assert_int_equal(err.reason, CIP_PARSE_EMPTY);
		assert_int_equal(err.offset, 0);
		assert_true(ct_untouched(&out, sizeof(out)));
		/* and a bad err is an argument error */
		err.sz = 0;
		assert_int_equal(cip_prefix_parse(&out, S("10.0.0.0/8"), 0, &err), CIP_EINVAL);
		assert_true(ct_untouched(&out, sizeof(out)));
	}

	EXPECT_RC_UNTOUCHED(cip_prefix_format(NULL, buf, sizeof(buf)), CIP_EINVAL, buf);
	assert_int_equal(cip_prefix_format(&p, NULL, sizeof(buf)), CIP_EINVAL);
	assert_int_equal(cip_prefix_format(&p, NULL, 0), CIP_EINVAL);
	EXPECT_RC_UNTOUCHED(cip_prefix_format(&p, buf, 0), CIP_EBUFSIZE, buf);

	EXPECT_RC_UNTOUCHED(cip_prefix_from_addr(&out, NULL, 8, 0), CIP_EINVAL, out);
	assert_int_equal(cip_prefix_from_addr(NULL, &a, 8, CIP_PARSE_MASK), CIP_EINVAL);

	assert_int_equal(cip_prefix_contains(NULL, &a), CIP_EINVAL);
	assert_int_equal(cip_prefix_contains(&p, NULL), CIP_EINVAL);
	assert_int_equal(cip_prefix_contains(NULL, NULL), CIP_EINVAL);
	assert_int_equal(cip_prefix_overlaps(NULL, &p), CIP_EINVAL);
	assert_int_equal(cip_prefix_overlaps(&p, NULL), CIP_EINVAL);
	assert_int_equal(cip_prefix_overlaps(NULL, NULL), CIP_EINVAL);

	EXPECT_RC_UNTOUCHED(cip_prefix_network(&aout, NULL), CIP_EINVAL, aout);
	assert_int_equal(cip_prefix_network(NULL, &p), CIP_EINVAL);
	EXPECT_RC_UNTOUCHED(cip_prefix_last(&aout, NULL), CIP_EINVAL, aout);
	assert_int_equal(cip_prefix_last(NULL, &p), CIP_EINVAL);
	EXPECT_RC_UNTOUCHED(cip_prefix_size(&u, NULL), CIP_EINVAL, u);
	assert_int_equal(cip_prefix_size(NULL, &p), CIP_EINVAL);

	EXPECT_RC_UNTOUCHED(cip_prefix_nth(&aout, NULL, &zero), CIP_EINVAL, aout);
	EXPECT_RC_UNTOUCHED(cip_prefix_nth(&aout, &p, NULL), CIP_EINVAL, aout);
	assert_int_equal(cip_prefix_nth(NULL, &p, &zero), CIP_EINVAL);

	EXPECT_RC_UNTOUCHED(cip_prefix_offset_of(&u, NULL, &a), CIP_EINVAL, u);
	EXPECT_RC_UNTOUCHED(cip_prefix_offset_of(&u, &p, NULL), CIP_EINVAL, u);
	assert_int_equal(cip_prefix_offset_of(NULL, &p, &a), CIP_EINVAL);

	EXPECT_RC_UNTOUCHED(cip_service_range_usable(&u, NULL, 0), CIP_EINVAL, u);
	assert_int_equal(cip_service_range_usable(NULL, &p, 0), CIP_EINVAL);
	EXPECT_RC_UNTOUCHED(cip_service_range_first(&aout, NULL, 0), CIP_EINVAL, aout);
	assert_int_equal(cip_service_range_first(NULL, &p, 0), CIP_EINVAL);
	EXPECT_RC_UNTOUCHED(cip_service_range_last(&aout, NULL, 0), CIP_EINVAL, aout);
	assert_int_equal(cip_service_range_last(NULL, &p, 0), CIP_EINVAL);
	assert_int_equal(cip_service_range_static_band(NULL), CIP_EINVAL);
}

static void test_null_common_functions(void **state)
{
	(void)state;
	cip_u128 v = u128(0, 7);
	char buf[CIP_U128_STRLEN];
	cip_parse_error err;

	EXPECT_RC_UNTOUCHED(cip_u128_format(NULL, buf, sizeof(buf)), CIP_EINVAL, buf);
	assert_int_equal(cip_u128_format(&v, NULL, sizeof(buf)), CIP_EINVAL);
	EXPECT_RC_UNTOUCHED(cip_u128_format(&v, buf, 0), CIP_EBUFSIZE, buf);

	assert_int_equal(cip_parse_error_init(NULL, sizeof(err)), CIP_EINVAL);
	assert_int_equal(cip_parse_error_init(NULL, 0), CIP_EINVAL);
	EXPECT_RC_UNTOUCHED(cip_parse_error_init(&err, 0), CIP_EINVAL, err);

	/* text functions never return NULL */
	assert_non_null(cip_strerror(0));
	assert_non_null(cip_strerror(-9999));
	assert_non_null(cip_error_name(-9999));
	assert_non_null(cip_parse_reason_string(-9999));
	assert_non_null(cip_version_string());
	assert_int_equal(cip_text_capacity(0), 0);
	assert_int_equal(cip_node_port_static_band(0), CIP_EINVAL);
}

/* Failures of value-returning functions leave their outputs untouched even
 * when out aliases the input. */
static void test_overflow_in_place(void **state)
{
	(void)state;
	cip_addr a = ct_addr("255.255.255.255"), copy = a;
	cip_u128 one = u128(0, 1);
	assert_int_equal(cip_addr_add(&a, &a, &one), CIP_EOVERFLOW);
	assert_memory_equal(&a, &copy, sizeof(a));
	a = ct_addr("::");
	copy = a;
	assert_int_equal(cip_addr_sub(&a, &a, &one), CIP_EOVERFLOW);
	assert_memory_equal(&a, &copy, sizeof(a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invalid_addr_everywhere),
		cmocka_unit_test(test_invalid_prefix_everywhere),
		cmocka_unit_test(test_null_addr_functions),
		cmocka_unit_test(test_null_prefix_functions),
		cmocka_unit_test(test_null_common_functions),
		cmocka_unit_test(test_overflow_in_place),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
