/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kubernetes service-range facts, from kubernetes/kubernetes:
 * - pkg/registry/core/service/ipallocator: the bitmap allocator's RangeSize
 *   (IPv4 2^h - 2, network and broadcast excluded; IPv6 2^h - 1, network
 *   excluded, capped at 65535 in the legacy bitmap allocator), the first
 *   usable address network + 1;
 * - KEP-3070 (ClusterIP static band): min(max(16, size/16), 256), 0 when
 *   the range has at most 16 addresses;
 * - KEP-3668 (NodePort static band), portallocator: clamp(size/32, 16, 128),
 *   0 when the range has at most 16 ports.
 */
#include "cip_test.h"

#define CAP CIP_RANGE_LEGACY_CAP

static const struct {
	const char *addr;
	unsigned len;
	unsigned flags;
	uint64_t hi, lo;
} usable_rows[] = {
	/* IPv4: 2^h - 2 (min 0) */
	{ "192.168.1.0", 24, 0, 0, 254 },
	{ "10.0.0.0", 15, 0, 0, 131070 },
	{ "10.0.0.0", 30, 0, 0, 2 },
	{ "10.0.0.0", 31, 0, 0, 0 },
	{ "10.0.0.0", 32, 0, 0, 0 },
	{ "10.0.0.0", 29, 0, 0, 6 },
	{ "10.0.0.0", 28, 0, 0, 14 },
	{ "10.0.0.0", 27, 0, 0, 30 },
	{ "10.0.0.0", 23, 0, 0, 510 },
	{ "10.0.0.0", 22, 0, 0, 1022 },
	{ "10.0.0.0", 21, 0, 0, 2046 },
	{ "10.0.0.0", 20, 0, 0, 4094 },
	{ "10.0.0.0", 16, 0, 0, 65534 },
	{ "10.96.0.0", 12, 0, 0, 1048574 },
	{ "0.0.0.0", 0, 0, 0, 4294967294u },
	/* the IPv6 cap does not apply to IPv4 */
	{ "10.96.0.0", 12, CAP, 0, 1048574 },
	{ "10.0.0.0", 8, CAP, 0, 16777214 },
	{ "0.0.0.0", 0, CAP, 0, 4294967294u },
	{ "10.0.0.0", 31, CAP, 0, 0 },
	/* IPv6: 2^h - 1 */
	{ "2001:db8::", 127, 0, 0, 1 },
	{ "2001:db8::", 128, 0, 0, 0 },
	{ "2001:db8::", 126, 0, 0, 3 },
	{ "2001:db8::", 112, 0, 0, 65535 },
	{ "2001:db8::", 108, 0, 0, 1048575 },
	{ "2001:db8::", 64, 0, 0, UINT64_C(18446744073709551615) },
	{ "2001:db8::", 63, 0, 1, UINT64_MAX }, /* 2^65 - 1 */
	{ "2001:db8:1::", 48, 0, UINT64_C(0xffff), UINT64_MAX },
	{ "::", 1, 0, UINT64_C(0x7fffffffffffffff), UINT64_MAX },
	{ "::", 0, 0, UINT64_MAX, UINT64_MAX }, /* 2^128 - 1, no saturation */
	/* IPv6 with the legacy cap: min(2^h, 65536) - 1 */
	{ "2001:db8:1::", 48, CAP, 0, 65535 },
	{ "2001:db8::", 112, CAP, 0, 65535 },
	{ "2001:db8::", 120, CAP, 0, 255 },
	{ "fd00:10:96::", 108, CAP, 0, 65535 },
	{ "2001:db8::", 111, CAP, 0, 65535 },
	{ "2001:db8::", 113, CAP, 0, 32767 },
	{ "2001:db8::", 127, CAP, 0, 1 },
	{ "2001:db8::", 128, CAP, 0, 0 },
	{ "::", 0, CAP, 0, 65535 },
};

static void test_usable_table(void **state)
{
	(void)state;
	size_t failures = 0;
	char ubuf[48];
	for (size_t i = 0; i < ARRAY_LEN(usable_rows); i++) {
		cip_prefix p = ct_prefix(usable_rows[i].addr, usable_rows[i].len);
		cip_u128 u;
		ct_fill(&u, sizeof(u));
		int rc = cip_service_range_usable(&u, &p, usable_rows[i].flags);
		CHECK(failures, rc == 0 && u128_eq(u, u128(usable_rows[i].hi, usable_rows[i].lo)),
		      "row %zu: usable(%s/%u, flags %u) = %d, %s\n", i, usable_rows[i].addr,
		      usable_rows[i].len, usable_rows[i].flags, rc, ct_show_u128(u, ubuf));
	}
	CHECK_DONE(failures);
}

static const struct {
	const char *addr;
	unsigned len;
	unsigned flags;
	const char *first, *last; /* NULL: CIP_ERANGE */
} bounds_rows[] = {
	{ "10.96.0.0", 24, 0, "10.96.0.1", "10.96.0.254" },
	{ "10.96.0.0", 12, 0, "10.96.0.1", "10.111.255.254" },
	{ "10.0.0.0", 30, 0, "10.0.0.1", "10.0.0.2" },
	{ "10.0.0.0", 29, 0, "10.0.0.1", "10.0.0.6" },
	{ "10.0.0.0", 31, 0, NULL, NULL },
	{ "10.0.0.0", 32, 0, NULL, NULL },
	{ "10.0.0.0", 31, CAP, NULL, NULL },
	{ "0.0.0.0", 0, 0, "0.0.0.1", "255.255.255.254" },
	{ "0.0.0.0", 0, CAP, "0.0.0.1", "255.255.255.254" },
	{ "2001:db8::", 127, 0, "2001:db8::1", "2001:db8::1" },
	{ "2001:db8::", 126, 0, "2001:db8::1", "2001:db8::3" },
	{ "2001:db8::", 128, 0, NULL, NULL },
	{ "2001:db8::", 128, CAP, NULL, NULL },
	{ "2001:db8::", 112, 0, "2001:db8::1", "2001:db8::ffff" },
	{ "2001:db8::", 112, CAP, "2001:db8::1", "2001:db8::ffff" },
	{ "2001:db8::", 120, CAP, "2001:db8::1", "2001:db8::ff" },
	{ "fd00:10:96::", 108, 0, "fd00:10:96::1", "fd00:10:96::f:ffff" },
	{ "fd00:10:96::", 108, CAP, "fd00:10:96::1", "fd00:10:96::ffff" },
	{ "2001:db8:1::", 48, 0, "2001:db8:1::1", "2001:db8:1:ffff:ffff:ffff:ffff:ffff" },
	{ "2001:db8:1::", 48, CAP, "2001:db8:1::1", "2001:db8:1::ffff" },
	{ "::", 0, 0, "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	{ "::", 0, CAP, "::1", "::ffff" },
};

static void test_first_last_table(void **state)
{
	(void)state;
	size_t failures = 0;
	char shown[96];
	for (size_t i = 0; i < ARRAY_LEN(bounds_rows); i++) {
		cip_prefix p = ct_prefix(bounds_rows[i].addr, bounds_rows[i].len);
		unsigned fl = bounds_rows[i].flags;
		cip_addr f, l, before;
		ct_fill(&f, sizeof(f));
		ct_fill(&l, sizeof(l));
		before = f;
		int rf = cip_service_range_first(&f, &p, fl);
		int rl = cip_service_range_last(&l, &p, fl);
		if (bounds_rows[i].first) {
			cip_addr wf = ct_addr(bounds_rows[i].first),
				 wl = ct_addr(bounds_rows[i].last);
			CHECK(failures, rf == 0 && memcmp(&f, &wf, sizeof(f)) == 0,
			      "row %zu %s/%u flags %u: first %d %s, want %s\n", i,
			      bounds_rows[i].addr, bounds_rows[i].len, fl, rf, ct_show(&f, shown),
			      bounds_rows[i].first);
			CHECK(failures, rl == 0 && memcmp(&l, &wl, sizeof(l)) == 0,
			      "row %zu %s/%u flags %u: last %d %s, want %s\n", i,
			      bounds_rows[i].addr, bounds_rows[i].len, fl, rl, ct_show(&l, shown),
			      bounds_rows[i].last);
		} else {
			CHECK(failures,
			      rf == CIP_ERANGE && rl == CIP_ERANGE &&
				      memcmp(&f, &before, sizeof(f)) == 0 &&
				      memcmp(&l, &before, sizeof(l)) == 0,
			      "row %zu %s/%u: first %d last %d, want CIP_ERANGE untouched\n", i,
			      bounds_rows[i].addr, bounds_rows[i].len, rf, rl);
		}
	}
	CHECK_DONE(failures);
}

/* usable, first and last agree for every length of both families, with and
 * without the cap: first = network + 1, last - first + 1 = usable. */
static void test_every_length(void **state)
{
	(void)state;
	size_t failures = 0;
	char shown[96], ubuf[48];
	const char *bases[] = { "10.0.0.0", "2001:db8::" };
	for (int fam = 0; fam < 2; fam++) {
		const unsigned bits = fam ? 128 : 32;
		for (unsigned len = 0; len <= bits; len++) {
			for (unsigned fl = 0; fl <= CAP; fl++) {
				cip_prefix p = ct_prefix(fam ? "::" : "0.0.0.0", 0);
				cip_addr base = ct_addr(bases[fam]);
				ct_mask(&base, len, 0);
				p.addr = base;
				p.len = (uint8_t)len;
				const unsigned h = bits - len;

				/* expected usable count */
				cip_u128 want;
				if (!fam) {
					want = h <= 1 ? u128(0, 0)
						      : u128(0, (UINT64_C(1) << h) - 2);
				} else if (fl & CAP) {
					want = h >= 16 ? u128(0, 65535)
						       : u128(0, (UINT64_C(1) << h) - 1);
				} else {
					want = h == 128 ? u128(UINT64_MAX, UINT64_MAX)
							: u128_dec(u128_pow2(h));
				}
				cip_u128 u;
				int rc = cip_service_range_usable(&u, &p, fl);
				CHECK(failures, rc == 0 && u128_eq(u, want),
				      "%s/%u flags %u: usable %d %s\n", bases[fam], len, fl, rc,
				      ct_show_u128(u, ubuf));

				cip_addr f, l;
				int rf = cip_service_range_first(&f, &p, fl);
				int rl = cip_service_range_last(&l, &p, fl);
				if (want.hi == 0 && want.lo == 0) {
					CHECK(failures, rf == CIP_ERANGE && rl == CIP_ERANGE,
					      "%s/%u flags %u: first %d last %d, want ERANGE\n",
					      bases[fam], len, fl, rf, rl);
					continue;
				}
				cip_addr wf = base;
				ct_inc(&wf);
				CHECK(failures, rf == 0 && memcmp(&f, &wf, sizeof(f)) == 0,
				      "%s/%u flags %u: first %d %s\n", bases[fam], len, fl, rf,
				      ct_show(&f, shown));
				CHECK(failures, rl == 0, "%s/%u flags %u: last %d\n", bases[fam],
				      len, fl, rl);
				if (rf || rl)
					continue;
				cip_u128 d;
				rc = cip_addr_offset(&d, &f, &l);
				CHECK(failures, rc == 0 && u128_eq(u128_inc(d), want),
				      "%s/%u flags %u: last %s is not first + usable - 1\n",
				      bases[fam], len, fl, ct_show(&l, shown));
			}
		}
	}
	CHECK_DONE(failures);
}

static const struct {
	const char *addr;
	unsigned len;
	int band;
} band_rows[] = {
	{ "10.0.0.0", 32, 0 },	    { "10.0.0.0", 31, 0 },	{ "10.0.0.0", 30, 0 },
	{ "10.0.0.0", 29, 0 },	    { "10.0.0.0", 28, 0 },	{ "10.0.0.0", 27, 16 },
	{ "10.0.0.0", 26, 16 },	    { "10.0.0.0", 25, 16 },	{ "10.0.0.0", 24, 16 },
	{ "10.0.0.0", 23, 32 },	    { "10.0.0.0", 22, 64 },	{ "10.0.0.0", 21, 128 },
	{ "10.0.0.0", 20, 256 },    { "10.0.0.0", 16, 256 },	{ "10.0.0.0", 8, 256 },
	{ "10.96.0.0", 12, 256 },   { "0.0.0.0", 0, 256 },	{ "2001:db8::", 128, 0 },
	{ "2001:db8::", 126, 0 },   { "2001:db8::", 124, 0 },	{ "2001:db8::", 123, 16 },
	{ "2001:db8::", 122, 16 },  { "2001:db8::", 120, 16 },	{ "2001:db8::", 119, 32 },
	{ "2001:db8::", 118, 64 },  { "2001:db8::", 117, 128 }, { "2001:db8::", 116, 256 },
	{ "2001:db8::", 112, 256 }, { "2001:db8::", 64, 256 },	{ "2001:db8::", 63, 256 },
	{ "2000::", 12, 256 },	    { "::", 1, 256 },		{ "::", 0, 256 },
};

static void test_static_band(void **state)
{
	(void)state;
	size_t failures = 0;
	for (size_t i = 0; i < ARRAY_LEN(band_rows); i++) {
		cip_prefix p = ct_prefix(band_rows[i].addr, band_rows[i].len);
		int got = cip_service_range_static_band(&p);
		CHECK(failures, got == band_rows[i].band, "row %zu: band(%s/%u) = %d, want %d\n", i,
		      band_rows[i].addr, band_rows[i].len, got, band_rows[i].band);
	}
	/* every length, from the formula with 2^h as a real number */
	for (int fam = 0; fam < 2; fam++) {
		const unsigned bits = fam ? 128 : 32;
		for (unsigned len = 0; len <= bits; len++) {
			cip_prefix p = ct_prefix(fam ? "::" : "0.0.0.0", len);
			unsigned h = bits - len;
			int want = h <= 4 ? 0 : h <= 8 ? 16 : h >= 12 ? 256 : (1 << h) / 16;
			int got = cip_service_range_static_band(&p);
			CHECK(failures, got == want, "band(/%u of %u) = %d, want %d\n", len, bits,
			      got, want);
		}
	}
	CHECK_DONE(failures);
}

/* The KEP-3070 documentation example: 10.96.0.0/24 has the static band
 * 10.96.0.1-10.96.0.16 (16) and the dynamic band 10.96.0.17-10.96.0.254
 * (238 addresses). */
static void test_doc_example(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.96.0.0", 24);
	int band = cip_service_range_static_band(&p);
	assert_int_equal(band, 16);
	cip_u128 usable;
	assert_int_equal(cip_service_range_usable(&usable, &p, 0), 0);
	assert_true(u128_eq(usable, u128(0, 254)));
	assert_int_equal(usable.lo - (uint64_t)band, 238);

	cip_addr first, last, a, want;
	assert_int_equal(cip_service_range_first(&first, &p, 0), 0);
	want = ct_addr("10.96.0.1");
	assert_memory_equal(&first, &want, sizeof(want));
	cip_u128 off = u128(0, (uint64_t)band - 1);
	assert_int_equal(cip_addr_add(&a, &first, &off), 0);
	want = ct_addr("10.96.0.16");
	assert_memory_equal(&a, &want, sizeof(want));
	off = u128(0, (uint64_t)band);
	assert_int_equal(cip_addr_add(&a, &first, &off), 0);
	want = ct_addr("10.96.0.17");
	assert_memory_equal(&a, &want, sizeof(want));
	assert_int_equal(cip_service_range_last(&last, &p, 0), 0);
	want = ct_addr("10.96.0.254");
	assert_memory_equal(&last, &want, sizeof(want));
	cip_u128 d;
	assert_int_equal(cip_addr_offset(&d, &a, &last), 0);
	assert_true(u128_eq(d, u128(0, 237))); /* .17 to .254 inclusive: 238 */
}

static const struct {
	uint32_t size;
	int band;
} port_rows[] = {
	{ 2768, 86 }, /* the default 30000-32767 */
	{ 12768, 128 },
	{ 201, 16 },
	{ 17, 16 },
	{ 16, 0 },
	{ 15, 0 },
	{ 1, 0 },
	{ 512, 16 },
	{ 543, 16 },
	{ 544, 17 },
	{ 4095, 127 },
	{ 4096, 128 },
	{ 4127, 128 },
	{ 65535, 128 },
	{ 65536, 128 },
	{ 0, CIP_EINVAL },
	{ 65537, CIP_EINVAL },
	{ 100000, CIP_EINVAL },
	{ UINT32_MAX, CIP_EINVAL },
};

static void test_node_port_band(void **state)
{
	(void)state;
	size_t failures = 0;
	for (size_t i = 0; i < ARRAY_LEN(port_rows); i++) {
		int got = cip_node_port_static_band(port_rows[i].size);
		CHECK(failures, got == port_rows[i].band, "row %zu: band(%u) = %d, want %d\n", i,
		      (unsigned)port_rows[i].size, got, port_rows[i].band);
	}
	/* every size: clamp(size / 32, 16, 128), 0 up to 16 */
	for (uint32_t size = 1; size <= 65536; size++) {
		uint32_t q = size / 32;
		int want = size <= 16 ? 0 : q < 16 ? 16 : q > 128 ? 128 : (int)q;
		int got = cip_node_port_static_band(size);
		CHECK(failures, got == want, "band(%u) = %d, want %d\n", (unsigned)size, got, want);
		if (failures > 20)
			break;
	}
	CHECK_DONE(failures);
}

static void test_range_flags_and_args(void **state)
{
	(void)state;
	cip_prefix p = ct_prefix("10.96.0.0", 12);
	cip_u128 u;
	cip_addr a;
	ct_fill(&u, sizeof(u));
	ct_fill(&a, sizeof(a));
	/* flags other than CIP_RANGE_LEGACY_CAP are invalid */
	assert_int_equal(cip_service_range_usable(&u, &p, 1u << 1), CIP_EINVAL);
	assert_int_equal(cip_service_range_usable(&u, &p, 0xffffffffu), CIP_EINVAL);
	assert_int_equal(cip_service_range_first(&a, &p, 1u << 1), CIP_EINVAL);
	assert_int_equal(cip_service_range_last(&a, &p, 1u << 31), CIP_EINVAL);
	assert_true(ct_untouched(&u, sizeof(u)));
	assert_true(ct_untouched(&a, sizeof(a)));
	assert_int_equal(cip_service_range_usable(NULL, &p, 0), CIP_EINVAL);
	assert_int_equal(cip_service_range_usable(&u, NULL, 0), CIP_EINVAL);
	assert_int_equal(cip_service_range_first(NULL, &p, 0), CIP_EINVAL);
	assert_int_equal(cip_service_range_first(&a, NULL, 0), CIP_EINVAL);
	assert_int_equal(cip_service_range_last(NULL, &p, 0), CIP_EINVAL);
	assert_int_equal(cip_service_range_last(&a, NULL, 0), CIP_EINVAL);
	assert_int_equal(cip_service_range_static_band(NULL), CIP_EINVAL);
	assert_true(ct_untouched(&u, sizeof(u)));
	assert_true(ct_untouched(&a, sizeof(a)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usable_table),
		cmocka_unit_test(test_first_last_table),
		cmocka_unit_test(test_every_length),
		cmocka_unit_test(test_static_band),
		cmocka_unit_test(test_doc_example),
		cmocka_unit_test(test_node_port_band),
		cmocka_unit_test(test_range_flags_and_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
