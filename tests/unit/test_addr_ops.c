/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Address operations: compare/equal, family, IPv4-mapped tests, 128-bit
 * add/sub/offset with carries across the 64-bit halves, reverse-DNS names
 * and cip_addr_from_bytes().
 */
#include "cip_test.h"

#define ONES6 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"

/* ---- compare / equal ---------------------------------------------------- */

/* Strictly increasing under the documented order: IPv4 before IPv6, then
 * numeric. */
static const char *const ordered[] = {
	"0.0.0.0",
	"0.0.0.1",
	"0.0.1.0",
	"1.2.3.4",
	"1.2.3.5",
	"9.255.255.255",
	"10.0.0.0",
	"128.0.0.0",
	"255.255.255.254",
	"255.255.255.255",
	"::",
	"::1",
	"::2",
	"::1:0",
	"::1.2.3.4",
	"::ffff:0.0.0.0",
	"::ffff:255.255.255.255",
	"0:0:0:1::",
	"0:0:0:1:ffff:ffff:ffff:ffff",
	"1::",
	"1::1",
	"2001:db8::",
	"fe80::1",
	"ffff:ffff:ffff:ffff::",
	"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
	ONES6,
};

static void test_compare_order(void **state)
{
	(void)state;
	size_t failures = 0;
	for (size_t i = 0; i < ARRAY_LEN(ordered); i++) {
		cip_addr a = ct_addr(ordered[i]);
		for (size_t j = 0; j < ARRAY_LEN(ordered); j++) {
			cip_addr b = ct_addr(ordered[j]);
			int want = i < j ? -1 : i > j ? 1 : 0;
			int got = cip_addr_compare(&a, &b);
			CHECK(failures, got == want, "compare(%s, %s) = %d, want %d\n", ordered[i],
			      ordered[j], got, want);
			got = cip_addr_equal(&a, &b);
			CHECK(failures, got == (i == j), "equal(%s, %s) = %d\n", ordered[i],
			      ordered[j], got);
		}
	}
	CHECK_DONE(failures);
}

static void test_compare_null_and_invalid(void **state)
{
	(void)state;
	cip_addr v4 = ct_addr("0.0.0.0"), v6 = ct_addr("::");
	cip_addr bad = v4;
	bad.family = 5;
	cip_addr bad2 = v6;
	bad2.reserved[1] = 1;

	assert_int_equal(cip_addr_compare(NULL, NULL), 0);
	assert_int_equal(cip_addr_compare(NULL, &v4), -1);
	assert_int_equal(cip_addr_compare(&v4, NULL), 1);
	assert_int_equal(cip_addr_compare(NULL, &bad), -1);
	assert_int_equal(cip_addr_compare(&bad, NULL), 1);
	/* invalid sorts after NULL and before every valid address */
	assert_int_equal(cip_addr_compare(&bad, &v4), -1);
	assert_int_equal(cip_addr_compare(&v4, &bad), 1);
	assert_int_equal(cip_addr_compare(&bad2, &v4), -1);
	assert_int_equal(cip_addr_compare(&v6, &bad2), 1);
	assert_int_equal(cip_addr_compare(&bad, &bad), 0);
	/* two different invalid values are ordered, antisymmetrically */
	int c = cip_addr_compare(&bad, &bad2);
	assert_true(c == -1 || c == 1);
	assert_int_equal(cip_addr_compare(&bad2, &bad), -c);

	assert_int_equal(cip_addr_equal(NULL, NULL), 0);
	assert_int_equal(cip_addr_equal(&v4, NULL), 0);
	assert_int_equal(cip_addr_equal(NULL, &v4), 0);
	assert_int_equal(cip_addr_equal(&bad, &bad), 0);
	assert_int_equal(cip_addr_equal(&bad2, &bad2), 0);
	assert_int_equal(cip_addr_equal(&v4, &v4), 1);
}

static void test_equal_family_matters(void **state)
{
	(void)state;
	/* same 16 bytes, different family */
	cip_addr v4 = ct_addr("1.2.3.4"), compat = ct_addr("::1.2.3.4");
	assert_memory_equal(v4.bytes, compat.bytes, 16);
	assert_int_equal(cip_addr_equal(&v4, &compat), 0);
	assert_int_equal(cip_addr_compare(&v4, &compat), -1);
	assert_int_equal(cip_addr_compare(&compat, &v4), 1);
	/* IPv4-mapped is not equal to its IPv4 address */
	cip_addr mapped = ct_addr("::ffff:1.2.3.4");
	assert_int_equal(cip_addr_equal(&v4, &mapped), 0);
	/* distinct objects with equal content */
	cip_addr a = ct_addr("2001:db8::1"), b = ct_addr("2001:db8::1");
	assert_int_equal(cip_addr_equal(&a, &b), 1);
	assert_int_equal(cip_addr_compare(&a, &b), 0);
}

/* cip_addr_compare works as a qsort() comparator. */
static int cmp(const void *a, const void *b)
{
	return cip_addr_compare(a, b);
}

static void test_compare_sorts(void **state)
{
	(void)state;
	enum { N = ARRAY_LEN(ordered) };
	cip_addr arr[N];
	uint64_t seed = 42;
	for (size_t i = 0; i < N; i++)
		arr[i] = ct_addr(ordered[i]);
	for (size_t i = N - 1; i > 0; i--) {
		size_t j = (size_t)(cip__splitmix64(&seed) % (i + 1));
		cip_addr t = arr[i];
		arr[i] = arr[j];
		arr[j] = t;
	}
	qsort(arr, N, sizeof(arr[0]), cmp);
	for (size_t i = 0; i < N; i++) {
		cip_addr want = ct_addr(ordered[i]);
		assert_memory_equal(&arr[i], &want, sizeof(want));
	}
}

/* ---- family, v4-mapped, unmap ------------------------------------------- */

static void test_family(void **state)
{
	(void)state;
	cip_addr a = ct_addr("10.0.0.1");
	assert_int_equal(cip_addr_family(&a), CIP_FAMILY_IPV4);
	a = ct_addr("::");
	assert_int_equal(cip_addr_family(&a), CIP_FAMILY_IPV6);
	a = ct_addr("::ffff:10.0.0.1");
	assert_int_equal(cip_addr_family(&a), CIP_FAMILY_IPV6);
	assert_int_equal(cip_addr_family(NULL), CIP_EINVAL);
}

static const struct {
	const char *in;
	int mapped;
	const char *unmapped; /* cip_addr_unmap() result */
} mapped_rows[] = {
	{ "::ffff:1.2.3.4", 1, "1.2.3.4" },
	{ "::ffff:0.0.0.0", 1, "0.0.0.0" },
	{ "::ffff:255.255.255.255", 1, "255.255.255.255" },
	{ "::ffff:192.0.2.128", 1, "192.0.2.128" },
	{ "::1.2.3.4", 0, "::1.2.3.4" },
	{ "::1", 0, "::1" },
	{ "::", 0, "::" },
	{ "::fffe:1.2.3.4", 0, "::fffe:1.2.3.4" },
	{ "::1:ffff:1.2.3.4", 0, "::1:ffff:1.2.3.4" },
	{ "1::ffff:1.2.3.4", 0, "1::ffff:1.2.3.4" },
	{ "0:0:0:0:ffff:ffff:1.2.3.4", 0, "0:0:0:0:ffff:ffff:1.2.3.4" },
	{ "::ffff:0:1.2.3.4", 0, "::ffff:0:1.2.3.4" },
	{ "::ffff", 0, "::ffff" },
	{ "1.2.3.4", 0, "1.2.3.4" },
	{ "0.0.0.0", 0, "0.0.0.0" },
	{ "255.255.255.255", 0, "255.255.255.255" },
};

static void test_v4_mapped_and_unmap(void **state)
{
	(void)state;
	size_t failures = 0;
	char shown[96];
	for (size_t i = 0; i < ARRAY_LEN(mapped_rows); i++) {
		cip_addr a = ct_addr(mapped_rows[i].in), copy = a;
		cip_addr want = ct_addr(mapped_rows[i].unmapped);
		int got = cip_addr_is_v4_mapped(&a);
		CHECK(failures, got == mapped_rows[i].mapped, "row %zu %s: is_v4_mapped %d\n", i,
		      mapped_rows[i].in, got);

		cip_addr out;
		ct_fill(&out, sizeof(out));
		got = cip_addr_unmap(&out, &a);
		CHECK(failures, got == 0 && memcmp(&out, &want, sizeof(out)) == 0,
		      "row %zu %s: unmap %d -> %s, want %s\n", i, mapped_rows[i].in, got,
		      ct_show(&out, shown), mapped_rows[i].unmapped);
		CHECK(failures, memcmp(&a, &copy, sizeof(a)) == 0, "row %zu: input modified\n", i);

		/* in place */
		got = cip_addr_unmap(&a, &a);
		CHECK(failures, got == 0 && memcmp(&a, &want, sizeof(a)) == 0,
		      "row %zu %s: in-place unmap %d -> %s\n", i, mapped_rows[i].in, got,
		      ct_show(&a, shown));
	}
	CHECK_DONE(failures);
}

/* ---- add / sub ---------------------------------------------------------- */

static const struct {
	const char *a;
	uint64_t hi, lo;
	const char *sum; /* a + off, or NULL for CIP_EOVERFLOW */
} add_rows[] = {
	{ "10.0.0.0", 0, 0, "10.0.0.0" },
	{ "10.0.0.0", 0, 1, "10.0.0.1" },
	{ "10.0.0.255", 0, 1, "10.0.1.0" },
	{ "10.255.255.255", 0, 1, "11.0.0.0" },
	{ "0.0.0.0", 0, 0xffffffffu, "255.255.255.255" },
	{ "255.255.255.254", 0, 1, "255.255.255.255" },
	{ "1.2.3.4", 0, 0x01010101u, "2.3.4.5" },
	{ "255.255.255.255", 0, 1, NULL },
	{ "0.0.0.1", 0, 0xffffffffu, NULL },
	{ "0.0.0.0", 0, UINT64_C(0x100000000), NULL },
	{ "0.0.0.0", 1, 0, NULL },
	{ "0.0.0.0", UINT64_MAX, UINT64_MAX, NULL },
	{ "255.255.255.255", 0, 0, "255.255.255.255" },
	{ "::", 0, 0, "::" },
	{ "::", 0, 1, "::1" },
	{ "::ffff", 0, 1, "::1:0" },
	/* carry from the low 64-bit half into the high one */
	{ "::ffff:ffff:ffff:ffff", 0, 1, "0:0:0:1::" },
	{ "0:0:0:1:ffff:ffff:ffff:ffff", 0, 2, "0:0:0:2::1" },
	{ "::1", 0, UINT64_MAX, "0:0:0:1::" },
	{ "::", 1, 0, "0:0:0:1::" },
	{ "::", 0, UINT64_MAX, "::ffff:ffff:ffff:ffff" },
	{ "::5", 2, 3, "0:0:0:2::8" },
	{ "::", UINT64_MAX, UINT64_MAX, ONES6 },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 0, 1, ONES6 },
	{ "ffff:ffff:ffff:fffe:ffff:ffff:ffff:ffff", 0, 1, "ffff:ffff:ffff:ffff::" },
	{ "::ffff:255.255.255.255", 0, 1, "0:0:0:0:1::" },
	{ "2001:db8::", 0, 65535, "2001:db8::ffff" },
	{ ONES6, 0, 0, ONES6 },
	{ ONES6, 0, 1, NULL },
	{ "::1", UINT64_MAX, UINT64_MAX, NULL },
	{ "ffff:ffff:ffff:ffff::", 1, 0, NULL },
	{ "8000::", UINT64_C(0x8000000000000000), 0, NULL },
	{ "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", UINT64_C(0x8000000000000000), 0, ONES6 },
};

static void test_add(void **state)
{
	(void)state;
	size_t failures = 0;
	char shown[96];
	for (size_t i = 0; i < ARRAY_LEN(add_rows); i++) {
		cip_addr a = ct_addr(add_rows[i].a), copy = a, out, before;
		cip_u128 off = u128(add_rows[i].hi, add_rows[i].lo), offcopy = off;
		ct_fill(&out, sizeof(out));
		before = out;
		int rc = cip_addr_add(&out, &a, &off);
		if (add_rows[i].sum) {
			cip_addr want = ct_addr(add_rows[i].sum);
			CHECK(failures, rc == 0 && memcmp(&out, &want, sizeof(out)) == 0,
			      "row %zu: %s + %#llx:%#llx: rc %d, got %s, want %s\n", i,
			      add_rows[i].a, (unsigned long long)off.hi, (unsigned long long)off.lo,
			      rc, ct_show(&out, shown), add_rows[i].sum);
			/* in place */
			cip_addr b = a;
			rc = cip_addr_add(&b, &b, &off);
			CHECK(failures, rc == 0 && memcmp(&b, &want, sizeof(b)) == 0,
			      "row %zu: in place: rc %d\n", i, rc);
			/* and back: sum - off == a */
			cip_addr back;
			rc = cip_addr_sub(&back, &want, &off);
			CHECK(failures, rc == 0 && memcmp(&back, &a, sizeof(back)) == 0,
			      "row %zu: %s - off: rc %d, got %s\n", i, add_rows[i].sum, rc,
			      ct_show(&back, shown));
			/* offset(a, sum) == off */
			cip_u128 d;
			rc = cip_addr_offset(&d, &a, &want);
			CHECK(failures, rc == 0 && u128_eq(d, off),
			      "row %zu: offset(%s, %s): rc %d\n", i, add_rows[i].a, add_rows[i].sum,
			      rc);
		} else {
			CHECK(failures,
			      rc == CIP_EOVERFLOW && memcmp(&out, &before, sizeof(out)) == 0,
			      "row %zu: %s + %#llx:%#llx: rc %d, want CIP_EOVERFLOW, out "
			      "untouched\n",
			      i, add_rows[i].a, (unsigned long long)off.hi,
			      (unsigned long long)off.lo, rc);
			cip_addr b = a;
			rc = cip_addr_add(&b, &b, &off);
			CHECK(failures, rc == CIP_EOVERFLOW && memcmp(&b, &a, sizeof(b)) == 0,
			      "row %zu: in place overflow: rc %d, modified\n", i, rc);
		}
		CHECK(failures, memcmp(&a, &copy, sizeof(a)) == 0 && u128_eq(off, offcopy),
		      "row %zu: input modified\n", i);
	}
	CHECK_DONE(failures);
}

static const struct {
	const char *a;
	uint64_t hi, lo;
	const char *diff; /* a - off, or NULL for CIP_EOVERFLOW */
} sub_rows[] = {
	{ "10.0.1.0", 0, 1, "10.0.0.255" },
	{ "0.0.0.1", 0, 1, "0.0.0.0" },
	{ "255.255.255.255", 0, 0xffffffffu, "0.0.0.0" },
	{ "0.0.0.0", 0, 0, "0.0.0.0" },
	{ "0.0.0.0", 0, 1, NULL },
	{ "10.0.0.0", 0, UINT64_C(0x0a000001), NULL },
	{ "255.255.255.255", 1, 0, NULL },
	{ "255.255.255.255", 0, UINT64_C(0x100000000), NULL },
	{ "::1", 0, 1, "::" },
	{ "::", 0, 1, NULL },
	{ "::", 0, 0, "::" },
	/* borrow from the high half */
	{ "0:0:0:1::", 0, 1, "::ffff:ffff:ffff:ffff" },
	{ "0:0:0:1::", 1, 0, "::" },
	{ "0:0:0:1::", 1, 1, NULL },
	{ "0:0:0:2::1", 0, 2, "0:0:0:1:ffff:ffff:ffff:ffff" },
	{ ONES6, UINT64_MAX, UINT64_MAX, "::" },
	{ ONES6, 0, UINT64_MAX, "ffff:ffff:ffff:ffff::" },
	{ ONES6, 1, 0, "ffff:ffff:ffff:fffe:ffff:ffff:ffff:ffff" },
	{ "::ffff:ffff:ffff:ffff", 1, 0, NULL },
	{ "8000::", UINT64_C(0x8000000000000000), 1, NULL },
};

static void test_sub(void **state)
{
	(void)state;
	size_t failures = 0;
	char shown[96];
	for (size_t i = 0; i < ARRAY_LEN(sub_rows); i++) {
		cip_addr a = ct_addr(sub_rows[i].a), copy = a, out, before;
		cip_u128 off = u128(sub_rows[i].hi, sub_rows[i].lo);
		ct_fill(&out, sizeof(out));
		before = out;
		int rc = cip_addr_sub(&out, &a, &off);
		if (sub_rows[i].diff) {
			cip_addr want = ct_addr(sub_rows[i].diff);
			CHECK(failures, rc == 0 && memcmp(&out, &want, sizeof(out)) == 0,
			      "row %zu: %s - %#llx:%#llx: rc %d, got %s, want %s\n", i,
			      sub_rows[i].a, (unsigned long long)off.hi, (unsigned long long)off.lo,
			      rc, ct_show(&out, shown), sub_rows[i].diff);
			cip_addr b = a;
			rc = cip_addr_sub(&b, &b, &off);
			CHECK(failures, rc == 0 && memcmp(&b, &want, sizeof(b)) == 0,
			      "row %zu: in place: rc %d\n", i, rc);
			cip_u128 d;
			rc = cip_addr_offset(&d, &want, &a);
			CHECK(failures, rc == 0 && u128_eq(d, off), "row %zu: offset: rc %d\n", i,
			      rc);
		} else {
			CHECK(failures,
			      rc == CIP_EOVERFLOW && memcmp(&out, &before, sizeof(out)) == 0,
			      "row %zu: %s - %#llx:%#llx: rc %d, want CIP_EOVERFLOW, out "
			      "untouched\n",
			      i, sub_rows[i].a, (unsigned long long)off.hi,
			      (unsigned long long)off.lo, rc);
			cip_addr b = a;
			rc = cip_addr_sub(&b, &b, &off);
			CHECK(failures, rc == CIP_EOVERFLOW && memcmp(&b, &a, sizeof(b)) == 0,
			      "row %zu: in place overflow: rc %d, modified\n", i, rc);
		}
		CHECK(failures, memcmp(&a, &copy, sizeof(a)) == 0, "row %zu: input modified\n", i);
	}
	CHECK_DONE(failures);
}

/* ---- offset ------------------------------------------------------------- */

static void test_offset(void **state)
{
	(void)state;
	cip_u128 d, before;
	cip_addr a = ct_addr("10.0.0.0"), b = ct_addr("10.0.1.0");
	assert_int_equal(cip_addr_offset(&d, &a, &b), 0);
	assert_true(u128_eq(d, u128(0, 256)));
	assert_int_equal(cip_addr_offset(&d, &a, &a), 0);
	assert_true(u128_eq(d, u128(0, 0)));

	a = ct_addr("0.0.0.0");
	b = ct_addr("255.255.255.255");
	assert_int_equal(cip_addr_offset(&d, &a, &b), 0);
	assert_true(u128_eq(d, u128(0, 0xffffffffu)));

	a = ct_addr("::");
	b = ct_addr(ONES6);
	assert_int_equal(cip_addr_offset(&d, &a, &b), 0);
	assert_true(u128_eq(d, u128(UINT64_MAX, UINT64_MAX)));

	a = ct_addr("::ffff:ffff:ffff:ffff");
	b = ct_addr("0:0:0:1::");
	assert_int_equal(cip_addr_offset(&d, &a, &b), 0);
	assert_true(u128_eq(d, u128(0, 1)));

	a = ct_addr("0:0:0:1:ffff:ffff:ffff:ffff");
	b = ct_addr("0:0:0:3::");
	assert_int_equal(cip_addr_offset(&d, &a, &b), 0);
	assert_true(u128_eq(d, u128(1, 1)));

	/* to below from: ERANGE, out untouched */
	ct_fill(&d, sizeof(d));
	before = d;
	assert_int_equal(cip_addr_offset(&d, &b, &a), CIP_ERANGE);
	assert_memory_equal(&d, &before, sizeof(d));
	a = ct_addr("10.0.0.1");
	b = ct_addr("10.0.0.0");
	assert_int_equal(cip_addr_offset(&d, &a, &b), CIP_ERANGE);
	assert_memory_equal(&d, &before, sizeof(d));

	/* different families: EFAMILY, even with equal bytes */
	a = ct_addr("1.2.3.4");
	b = ct_addr("::1.2.3.4");
	assert_int_equal(cip_addr_offset(&d, &a, &b), CIP_EFAMILY);
	assert_int_equal(cip_addr_offset(&d, &b, &a), CIP_EFAMILY);
	b = ct_addr("::ffff:1.2.3.5");
	assert_int_equal(cip_addr_offset(&d, &a, &b), CIP_EFAMILY);
	assert_memory_equal(&d, &before, sizeof(d));
}

/* ---- reverse names ------------------------------------------------------ */

static const struct {
	const char *in;
	const char *name; /* without the FQDN dot */
} reverse_rows[] = {
	{ "10.0.0.1", "1.0.0.10.in-addr.arpa" },
	{ "192.0.2.1", "1.2.0.192.in-addr.arpa" },
	{ "0.0.0.0", "0.0.0.0.in-addr.arpa" },
	{ "255.255.255.255", "255.255.255.255.in-addr.arpa" },
	{ "10.96.0.10", "10.0.96.10.in-addr.arpa" },
	{ "2001:db8::1",
	  "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa" },
	/* RFC 3596 §2.5 example, lower case */
	{ "4321:0:1:2:3:4:567:89ab",
	  "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa" },
	{ "::", "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa" },
	{ ONES6, "f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.ip6.arpa" },
	{ "::ffff:1.2.3.4",
	  "4.0.3.0.2.0.1.0.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa" },
	{ "fd00:10:96::a",
	  "a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa" },
	{ "ABCD:EF01:2345:6789:ABCD:EF01:2345:6789",
	  "9.8.7.6.5.4.3.2.1.0.f.e.d.c.b.a.9.8.7.6.5.4.3.2.1.0.f.e.d.c.b.a.ip6.arpa" },
};

static void check_reverse(size_t i, const cip_addr *a, unsigned flags, const char *want,
			  size_t *failures)
{
	char buf[CIP_REVERSE_NAME_STRLEN + 8];
	size_t n = strlen(want);

	ct_fill(buf, sizeof(buf));
	int rc = cip_addr_reverse_name(a, flags, buf, CIP_REVERSE_NAME_STRLEN);
	CHECK(*failures, rc == (int)n && memcmp(buf, want, n + 1) == 0,
	      "row %zu flags %u: got %d \"%.*s\", want \"%s\"\n", i, flags, rc,
	      (int)CIP_REVERSE_NAME_STRLEN, buf, want);
	ct_fill(buf, sizeof(buf));
	rc = cip_addr_reverse_name(a, flags, buf, n + 1);
	CHECK(*failures, rc == (int)n && memcmp(buf, want, n + 1) == 0,
	      "row %zu flags %u: cap %zu: got %d\n", i, flags, n + 1, rc);
	CHECK(*failures, ct_untouched(buf + n + 1, sizeof(buf) - n - 1),
	      "row %zu flags %u: wrote past cap\n", i, flags);
	ct_fill(buf, sizeof(buf));
	rc = cip_addr_reverse_name(a, flags, buf, n);
	CHECK(*failures, rc == CIP_EBUFSIZE && ct_untouched(buf, sizeof(buf)),
	      "row %zu flags %u: cap %zu: got %d, want CIP_EBUFSIZE and untouched buffer\n", i,
	      flags, n, rc);
	rc = cip_addr_reverse_name(a, flags, buf, 0);
	CHECK(*failures, rc == CIP_EBUFSIZE && ct_untouched(buf, sizeof(buf)),
	      "row %zu flags %u: cap 0: got %d\n", i, flags, rc);
}

static void test_reverse_name(void **state)
{
	(void)state;
	size_t failures = 0;
	for (size_t i = 0; i < ARRAY_LEN(reverse_rows); i++) {
		cip_addr a = ct_addr(reverse_rows[i].in);
		char fqdn[128];
		snprintf(fqdn, sizeof(fqdn), "%s.", reverse_rows[i].name);
		check_reverse(i, &a, 0, reverse_rows[i].name, &failures);
		check_reverse(i, &a, CIP_NAME_FQDN, fqdn, &failures);
	}
	CHECK_DONE(failures);
}

/* Nibble names built independently for pseudo-random addresses. */
static void test_reverse_name_random(void **state)
{
	(void)state;
	size_t failures = 0;
	uint64_t seed = 0x5eed;
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < 2000; i++) {
		uint8_t b[16];
		for (int k = 0; k < 16; k += 8) {
			uint64_t r = cip__splitmix64(&seed);
			memcpy(b + k, &r, 8);
		}
		cip_addr a;
		char want[128];
		size_t n = 0;
		if (i % 2) {
			a = ct_addr_bytes(CIP_FAMILY_IPV6, b);
			for (int k = 15; k >= 0; k--) {
				want[n++] = hex[b[k] & 15];
				want[n++] = '.';
				want[n++] = hex[b[k] >> 4];
				want[n++] = '.';
			}
			memcpy(want + n, "ip6.arpa", 9);
		} else {
			a = ct_addr_bytes(CIP_FAMILY_IPV4, b);
			snprintf(want, sizeof(want), "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1],
				 b[0]);
		}
		char buf[CIP_REVERSE_NAME_STRLEN];
		int rc = cip_addr_reverse_name(&a, 0, buf, sizeof(buf));
		CHECK(failures, rc == (int)strlen(want) && strcmp(buf, want) == 0,
		      "random %zu: got %d \"%s\", want \"%s\"\n", i, rc, rc > 0 ? buf : "", want);
		if (failures > 10)
			break;
	}
	CHECK_DONE(failures);
}

static void test_reverse_name_capacity_and_flags(void **state)
{
	(void)state;
	cip_addr a = ct_addr(ONES6);
	char buf[CIP_REVERSE_NAME_STRLEN];
	/* the longest name: 32 nibbles "x." (64) + "ip6.arpa" (8) + '.' */
	assert_int_equal(cip_addr_reverse_name(&a, 0, buf, sizeof(buf)), 72);
	assert_int_equal(cip_addr_reverse_name(&a, CIP_NAME_FQDN, buf, sizeof(buf)), 73);
	assert_true(73 < CIP_REVERSE_NAME_STRLEN);
	assert_int_equal(cip_text_capacity(CIP_TEXT_REVERSE_NAME), CIP_REVERSE_NAME_STRLEN);
	a = ct_addr("255.255.255.255");
	assert_int_equal(cip_addr_reverse_name(&a, CIP_NAME_FQDN, buf, sizeof(buf)), 29);

	/* flags other than CIP_NAME_FQDN are invalid */
	ct_fill(buf, sizeof(buf));
	assert_int_equal(cip_addr_reverse_name(&a, 1u << 1, buf, sizeof(buf)), CIP_EINVAL);
	assert_int_equal(cip_addr_reverse_name(&a, 0xffffffffu, buf, sizeof(buf)), CIP_EINVAL);
	assert_true(ct_untouched(buf, sizeof(buf)));
}

/* ---- from_bytes --------------------------------------------------------- */

static void test_from_bytes(void **state)
{
	(void)state;
	const uint8_t b4[4] = { 192, 0, 2, 1 };
	const uint8_t b16[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	cip_addr out, before, want;

	ct_fill(&out, sizeof(out));
	assert_int_equal(cip_addr_from_bytes(&out, CIP_FAMILY_IPV4, b4, 4), 0);
	want = ct_addr("192.0.2.1");
	/* every byte written: family, zero reserved, zero high bytes */
	assert_memory_equal(&out, &want, sizeof(out));

	ct_fill(&out, sizeof(out));
	assert_int_equal(cip_addr_from_bytes(&out, CIP_FAMILY_IPV6, b16, 16), 0);
	want = ct_addr("2001:db8::1");
	assert_memory_equal(&out, &want, sizeof(out));

	/* wrong length for the family, unknown family, NULL: EINVAL untouched */
	ct_fill(&out, sizeof(out));
	before = out;
	assert_int_equal(cip_addr_from_bytes(&out, CIP_FAMILY_IPV4, b16, 16), CIP_EINVAL);
	assert_int_equal(cip_addr_from_bytes(&out, CIP_FAMILY_IPV6, b4, 4), CIP_EINVAL);
	assert_int_equal(cip_addr_from_bytes(&out, CIP_FAMILY_IPV4, b4, 0), CIP_EINVAL);
	assert_int_equal(cip_addr_from_bytes(&out, CIP_FAMILY_IPV4, b4, 3), CIP_EINVAL);
	assert_int_equal(cip_addr_from_bytes(&out, CIP_FAMILY_IPV4, b4, 5), CIP_EINVAL);
	assert_int_equal(cip_addr_from_bytes(&out, CIP_FAMILY_IPV6, b16, 15), CIP_EINVAL);
	assert_int_equal(cip_addr_from_bytes(&out, CIP_FAMILY_IPV6, b16, 0), CIP_EINVAL);
	assert_int_equal(cip_addr_from_bytes(&out, 0, b4, 4), CIP_EINVAL);
	assert_int_equal(cip_addr_from_bytes(&out, 5, b16, 16), CIP_EINVAL);
	assert_int_equal(cip_addr_from_bytes(&out, 2, b4, 4), CIP_EINVAL);    /* AF_INET */
	assert_int_equal(cip_addr_from_bytes(&out, 10, b16, 16), CIP_EINVAL); /* AF_INET6 */
	assert_int_equal(cip_addr_from_bytes(&out, -1, b4, 4), CIP_EINVAL);
	assert_int_equal(cip_addr_from_bytes(&out, 4 + 256, b4, 4), CIP_EINVAL);
	assert_int_equal(cip_addr_from_bytes(&out, CIP_FAMILY_IPV4, NULL, 4), CIP_EINVAL);
	assert_memory_equal(&out, &before, sizeof(out));
	assert_int_equal(cip_addr_from_bytes(NULL, CIP_FAMILY_IPV4, b4, 4), CIP_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare_order),
		cmocka_unit_test(test_compare_null_and_invalid),
		cmocka_unit_test(test_equal_family_matters),
		cmocka_unit_test(test_compare_sorts),
		cmocka_unit_test(test_family),
		cmocka_unit_test(test_v4_mapped_and_unmap),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_sub),
		cmocka_unit_test(test_offset),
		cmocka_unit_test(test_reverse_name),
		cmocka_unit_test(test_reverse_name_random),
		cmocka_unit_test(test_reverse_name_capacity_and_flags),
		cmocka_unit_test(test_from_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
