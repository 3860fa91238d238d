/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prefixes: parse/format for every length of both families, host bits,
 * length errors, and the prefix arithmetic (network, last, size, contains,
 * overlaps, nth, offset_of, from_addr).
 */
#include "cip_test.h"

#define V4 CIP_PARSE_IPV4_ONLY
#define V6 CIP_PARSE_IPV6_ONLY
#define LEG CIP_PARSE_LEGACY
#define MASK CIP_PARSE_MASK

/* ---- parse table -------------------------------------------------------- */

struct prow {
	const char *text;
	size_t len;
	unsigned flags;
	int rc;
	int reason; /* -1: not checked */
	size_t offset;
	const char *addr; /* success: the network; HOST_BITS: err.network */
	unsigned plen;
};

#define OK(lit, fl, addr, plen)                                                                    \
	{                                                                                          \
		S(lit), (fl), CIP_OK, CIP_PARSE_OK, 0, (addr), (plen)                              \
	}
#define OKN(lit, n, fl, addr, plen)                                                                \
	{                                                                                          \
		(lit), (n), (fl), CIP_OK, CIP_PARSE_OK, 0, (addr), (plen)                          \
	}
#define ESYN(lit, fl, why, off)                                                                    \
	{                                                                                          \
		S(lit), (fl), CIP_ESYNTAX, CIP_PARSE_##why, (off), NULL, 0                         \
	}
#define FAIL(lit, fl, rc, why, off)                                                                \
	{                                                                                          \
		S(lit), (fl), (rc), (why), (off), NULL, 0                                          \
	}
#define HOST(lit, fl, addr, plen)                                                                  \
	{                                                                                          \
		S(lit), (fl), CIP_EHOSTBITS, CIP_PARSE_HOST_BITS, 0, (addr), (plen)                \
	}

static const struct prow rows[] = {
	/* valid */
	OK("10.96.0.0/12", 0, "10.96.0.0", 12),
	OK("0.0.0.0/0", 0, "0.0.0.0", 0),
	OK("255.255.255.255/32", 0, "255.255.255.255", 32),
	OK("192.168.1.0/24", 0, "192.168.1.0", 24),
	OK("10.0.0.1/32", 0, "10.0.0.1", 32),
	OK("::/0", 0, "::", 0),
	OK("::/128", 0, "::", 128),
	OK("::1/128", 0, "::1", 128),
	OK("2001:db8::/32", 0, "2001:db8::", 32),
	OK("2001:DB8::/29", 0, "2001:db8::", 29),
	OK("fd00:10:96::/108", 0, "fd00:10:96::", 108),
	OK("::ffff:10.0.0.0/104", 0, "::ffff:10.0.0.0", 104),
	OK("::ffff:0.0.0.0/96", 0, "::ffff:0.0.0.0", 96),
	OK("10.96.0.0/12", V4, "10.96.0.0", 12),
	OK("fd00::/8", V6, "fd00::", 8),
	/* len is respected */
	OKN("10.0.0.0/245", 11, 0, "10.0.0.0", 24),
	OKN("10.0.0.0/8/8", 10, 0, "10.0.0.0", 8),
	OKN("2001:db8::/3200", 13, 0, "2001:db8::", 32),
	/* LEGACY: leading zeros in octets and in the length, decimal */
	OK("10.0.0.0/08", LEG, "10.0.0.0", 8),
	OK("010.000.0.0/8", LEG, "10.0.0.0", 8),
	OK("0.0.0.0/00", LEG, "0.0.0.0", 0),
	OK("10.0.0.0/010", LEG, "10.0.0.0", 10),
	OK("fd00::/064", LEG, "fd00::", 64),
	OK("::ffff:010.0.0.0/104", LEG, "::ffff:10.0.0.0", 104),
	/* host bits: EHOSTBITS with err.network, or masked with MASK */
	HOST("10.96.0.1/12", 0, "10.96.0.0", 12),
	OK("10.96.0.1/12", MASK, "10.96.0.0", 12),
	HOST("fd00:10:96::1/108", 0, "fd00:10:96::", 108),
	OK("fd00:10:96::1/108", MASK, "fd00:10:96::", 108),
	HOST("2001:db8::/28", 0, "2001:db0::", 28),
	OK("2001:db8::/28", MASK, "2001:db0::", 28),
	HOST("192.168.1.1/24", 0, "192.168.1.0", 24),
	HOST("255.255.255.255/0", 0, "0.0.0.0", 0),
	OK("255.255.255.255/0", MASK, "0.0.0.0", 0),
	HOST("10.0.0.1/31", 0, "10.0.0.0", 31),
	HOST("::1/127", 0, "::", 127),
	HOST("::1/0", 0, "::", 0),
	OK("::1/0", MASK, "::", 0),
	HOST("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/1", 0, "8000::", 1),
	HOST("010.96.0.1/012", LEG, "10.96.0.0", 12),
	OK("010.96.0.1/012", LEG | MASK, "10.96.0.0", 12),
	OK("10.96.0.1/12", MASK | V4, "10.96.0.0", 12),
	/* length errors */
	ESYN("10.0.0.0/33", 0, LENGTH_RANGE, 9),
	ESYN("10.0.0.0/33", LEG, LENGTH_RANGE, 9),
	ESYN("10.0.0.0/99999999999999999999999", 0, LENGTH_RANGE, 9),
	ESYN("10.0.0.0/4294967304", 0, LENGTH_RANGE, 9), /* 2^32 + 8 must not wrap */
	ESYN("::/129", 0, LENGTH_RANGE, 3),
	ESYN("::/256", 0, LENGTH_RANGE, 3),
	ESYN("::/65536", 0, LENGTH_RANGE, 3),
	ESYN("10.0.0.0/", 0, BAD_LENGTH, 9),
	ESYN("::/", 0, BAD_LENGTH, 3),
	ESYN("10.0.0.0/+24", 0, BAD_LENGTH, 9),
	ESYN("10.0.0.0/-1", 0, BAD_LENGTH, 9),
	ESYN("10.0.0.0/ 24", 0, BAD_LENGTH, 9),
	ESYN("10.0.0.0/24 ", 0, BAD_LENGTH, 11),
	ESYN("10.0.0.0/2a", 0, BAD_LENGTH, 10),
	ESYN("10.0.0.0/0x8", 0, BAD_LENGTH, 10),
	ESYN("10.0.0.0/24/24", 0, BAD_LENGTH, 11),
	ESYN("10.0.0.0/8.", 0, BAD_LENGTH, 10),
	ESYN("::/64%eth0", 0, BAD_LENGTH, 5),
	ESYN("10.0.0.0/\xef\xbc\x98", 0, BAD_LENGTH, 9), /* fullwidth eight */
	ESYN("10.0.0.0/08", 0, LEADING_ZERO, 9),
	ESYN("10.0.0.0/00", 0, LEADING_ZERO, 9),
	ESYN("::/064", 0, LEADING_ZERO, 3),
	ESYN("10.0.0.0/24\0", 0, NUL_BYTE, 11),
	ESYN("10.0.0.0/2\0"
	     "4",
	     0, NUL_BYTE, 10),
	ESYN("10.0.0.0/\0", 0, NUL_BYTE, 9),
	ESYN("10.0\0.0.0/8", 0, NUL_BYTE, 4),
	/* no '/' */
	ESYN("10.0.0.0", 0, MISSING_LENGTH, 8),
	ESYN("::", 0, MISSING_LENGTH, 2),
	ESYN("2001:db8::", MASK, MISSING_LENGTH, 10),
	ESYN("10.0.0.0 24", 0, UNEXPECTED_CHAR, 8),
	ESYN("10.0.0", 0, TOO_FEW_PARTS, 6),
	/* errors in the address part */
	ESYN("", 0, EMPTY, 0),
	ESYN("1.2.3/24", 0, TOO_FEW_PARTS, 5),
	ESYN("1.2.3.4.0/24", 0, TOO_MANY_PARTS, 7),
	ESYN("010.0.0.0/8", 0, LEADING_ZERO, 0),
	ESYN("10.0.0.256/32", 0, OCTET_RANGE, 7),
	ESYN(" 10.0.0.0/8", 0, UNEXPECTED_CHAR, 0),
	ESYN("10.0.0.0 /8", 0, UNEXPECTED_CHAR, 8),
	ESYN("1::2::/64", 0, MULTIPLE_ELLIPSIS, 4),
	ESYN("12345::/16", 0, GROUP_TOO_LONG, 4),
	ESYN("1:2:3:4:5:6:7/112", 0, TOO_FEW_PARTS, 13),
	FAIL("fe80::1%eth0/64", 0, CIP_EZONE, CIP_PARSE_ZONE, 7),
	FAIL("fe80::%eth0/64", 0, CIP_EZONE, CIP_PARSE_ZONE, 6),
	/* family restriction */
	FAIL("10.0.0.0/8", V6, CIP_EFAMILY, CIP_PARSE_WRONG_FAMILY, 0),
	FAIL("::/0", V4, CIP_EFAMILY, CIP_PARSE_WRONG_FAMILY, 0),
	FAIL("::ffff:10.0.0.0/104", V4, CIP_EFAMILY, CIP_PARSE_WRONG_FAMILY, 0),
	/* invalid text of the excluded family keeps its own error */
	ESYN("::/129", V4, LENGTH_RANGE, 3),
	ESYN("10.0.0.0/33", V6, LENGTH_RANGE, 9),
	/* argument errors */
	FAIL("10.0.0.0/8", V4 | V6, CIP_EINVAL, -1, 0),
	FAIL("10.0.0.0/8", 1u << 4, CIP_EINVAL, -1, 0),
	FAIL("10.0.0.0/8", 1u << 31, CIP_EINVAL, -1, 0),
};

static void check_prow(size_t i, const struct prow *r, const char *text, const char *how,
		       size_t *failures)
{
	cip_prefix out, before, want;
	cip_parse_error err;
	char shown[96];

	ct_fill(&out, sizeof(out));
	before = out;
	ct_fill(&err, sizeof(err));
	err.sz = sizeof(err);
	if (r->addr)
		want = ct_prefix(r->addr, r->plen);

	int rc = cip_prefix_parse(&out, text, r->len, r->flags, &err);
	CHECK(*failures, rc == r->rc && err.code == r->rc,
	      "row %zu %s (\"%.*s\" flags %#x): rc %d (%s) err.code %d, want %d (%s)\n", i, how,
	      (int)r->len, r->text, r->flags, rc, cip_error_name(rc), err.code, r->rc,
	      cip_error_name(r->rc));
	if (r->rc == CIP_OK) {
		CHECK(*failures, memcmp(&out, &want, sizeof(out)) == 0,
		      "row %zu %s (\"%.*s\"): got %s/%u, want %s/%u\n", i, how, (int)r->len,
		      r->text, ct_show(&out.addr, shown), out.len, r->addr, r->plen);
		return;
	}
	CHECK(*failures, memcmp(&out, &before, sizeof(out)) == 0,
	      "row %zu %s (\"%.*s\"): output written on failure\n", i, how, (int)r->len, r->text);
	if (r->reason >= 0)
		CHECK(*failures, err.reason == r->reason && err.offset == r->offset,
		      "row %zu %s (\"%.*s\" flags %#x): reason %d (%s) at %zu, want %d (%s) at "
		      "%zu\n",
		      i, how, (int)r->len, r->text, r->flags, err.reason,
		      cip_parse_reason_string(err.reason), err.offset, r->reason,
		      cip_parse_reason_string(r->reason), r->offset);
	if (r->rc == CIP_EHOSTBITS)
		CHECK(*failures, memcmp(&err.network, &want, sizeof(want)) == 0,
		      "row %zu %s (\"%.*s\"): err.network %s/%u, want %s/%u\n", i, how, (int)r->len,
		      r->text, ct_show(&err.network.addr, shown), err.network.len, r->addr,
		      r->plen);
}

static void test_prefix_parse_table(void **state)
{
	(void)state;
	size_t failures = 0;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		check_prow(i, &rows[i], rows[i].text, "literal", &failures);
		char *copy = ct_dup(rows[i].text, rows[i].len);
		check_prow(i, &rows[i], copy, "copy", &failures);
		free(copy);

		/* without err: the same code */
		cip_prefix out;
		int rc = cip_prefix_parse(&out, rows[i].text, rows[i].len, rows[i].flags, NULL);
		CHECK(failures, rc == rows[i].rc, "row %zu: err == NULL gives %d\n", i, rc);
	}
	print_message("%zu rows\n", ARRAY_LEN(rows));
	CHECK_DONE(failures);
}

/* An empty address before the '/': the contract allows either "empty text"
 * (the address text is empty) or "empty part"; the offset is 0 either way. */
static void test_empty_address_part(void **state)
{
	(void)state;
	cip_prefix out;
	cip_parse_error err;
	cip_parse_error_init(&err, sizeof(err));
	ct_fill(&out, sizeof(out));
	assert_int_equal(cip_prefix_parse(&out, S("/24"), 0, &err), CIP_ESYNTAX);
	assert_true(err.reason == CIP_PARSE_EMPTY || err.reason == CIP_PARSE_EMPTY_PART);
	assert_int_equal(err.offset, 0);
	assert_true(ct_untouched(&out, sizeof(out)));
}

/* A caller with the first, shorter cip_parse_error gets no err.network. */
static void test_hostbits_short_err(void **state)
{
	(void)state;
	cip_prefix out;
	cip_parse_error err;
	ct_fill(&err, sizeof(err));
	err.sz = offsetof(cip_parse_error, network);
	assert_int_equal(cip_prefix_parse(&out, S("10.96.0.1/12"), 0, &err), CIP_EHOSTBITS);
	assert_int_equal(err.code, CIP_EHOSTBITS);
	assert_int_equal(err.reason, CIP_PARSE_HOST_BITS);
	assert_int_equal(err.offset, 0);
	assert_true(ct_untouched(&err.network, sizeof(err.network)));
}

/* err.network of a host-bits failure, formatted. */
static void test_hostbits_network_text(void **state)
{
	(void)state;
	static const struct {
		const char *in, *net;
	} t[] = {
		{ "10.96.0.1/12", "10.96.0.0/12" },
		{ "fd00:10:96::1/108", "fd00:10:96::/108" },
		{ "10.96.0.255/24", "10.96.0.0/24" },
	};
	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		cip_prefix out;
		cip_parse_error err;
		char buf[CIP_PREFIX_STRLEN];
		cip_parse_error_init(&err, sizeof(err));
		assert_int_equal(cip_prefix_parse(&out, t[i].in, strlen(t[i].in), 0, &err),
				 CIP_EHOSTBITS);
		assert_int_equal(cip_prefix_format(&err.network, buf, sizeof(buf)),
				 (int)strlen(t[i].net));
		assert_string_equal(buf, t[i].net);
	}
}

/* ---- every prefix length ------------------------------------------------ */

/* The canonical text of ffff:...:ffff masked to len bits, derived by hand:
 * len/16 groups "ffff", one partial group, then zero groups; two or more
 * trailing zero groups become "::", a single one stays "0". */
static void ones6_text(unsigned len, char *out, size_t cap)
{
	unsigned full = len / 16, rem = len % 16, g = 0;
	size_t n = 0;
	unsigned groups[8];
	for (; g < full; g++)
		groups[g] = 0xffff;
	if (g < 8)
		groups[g++] = rem ? (0xffffu << (16 - rem)) & 0xffff : 0;
	for (; g < 8; g++)
		groups[g] = 0;
	unsigned nonzero = full + (rem ? 1 : 0); /* leading non-zero groups */
	unsigned zeros = 8 - nonzero;
	if (nonzero == 0) {
		snprintf(out, cap, "::");
		return;
	}
	for (g = 0; g < nonzero; g++)
		n += (size_t)snprintf(out + n, cap - n, g ? ":%x" : "%x", groups[g]);
	if (zeros >= 2)
		snprintf(out + n, cap - n, "::");
	else if (zeros == 1)
		snprintf(out + n, cap - n, ":0");
}

/* Everything about one prefix (family of base, length len): base is masked
 * by hand to the expected network. want_text, if not NULL, is the expected
 * canonical address text of the network. */
static void check_length(const cip_addr *base, unsigned len, const char *want_text,
			 size_t *failures)
{
	const int v4 = base->family == CIP_FAMILY_IPV4;
	const unsigned bits = v4 ? 32 : 128;
	char shown[96], shown2[96], ubuf[48];
	cip_prefix p, out;
	cip_addr net = *base, last = *base, a, before;
	cip_u128 u, ubefore;
	int rc;

	ct_mask(&net, len, 0);
	ct_mask(&last, len, 1);
	memset(&p, 0, sizeof(p));
	p.addr = net;
	p.len = (uint8_t)len;

	/* format, and the expected text */
	char text[CIP_PREFIX_STRLEN], want[96];
	rc = cip_prefix_format(&p, text, sizeof(text));
	if (want_text) {
		snprintf(want, sizeof(want), "%s/%u", want_text, len);
		CHECK(*failures, rc == (int)strlen(want) && strcmp(text, want) == 0,
		      "/%u: format %d \"%s\", want \"%s\"\n", len, rc, rc > 0 ? text : "", want);
	} else {
		CHECK(*failures, rc > 0, "/%u of %s: format %d\n", len, ct_show(base, shown), rc);
	}
	if (rc <= 0)
		return;

	/* the C library agrees on the address part */
	char *slash = strchr(text, '/');
	CHECK(*failures, slash != NULL && strtoul(slash + 1, NULL, 10) == len,
	      "/%u: bad text \"%s\"\n", len, text);
	if (slash) {
		*slash = '\0';
		cip_addr lib = ct_addr(text);
		CHECK(*failures, memcmp(&lib, &net, sizeof(net)) == 0,
		      "/%u: inet_pton(\"%s\") differs from the network\n", len, text);
		*slash = '/';
	}

	/* parse it back */
	ct_fill(&out, sizeof(out));
	rc = cip_prefix_parse(&out, text, strlen(text), 0, NULL);
	CHECK(*failures, rc == 0 && memcmp(&out, &p, sizeof(p)) == 0,
	      "/%u: parse(\"%s\") = %d, %s/%u\n", len, text, rc, ct_show(&out.addr, shown),
	      out.len);

	/* from_addr: exact network; the last address has host bits unless /bits */
	ct_fill(&out, sizeof(out));
	rc = cip_prefix_from_addr(&out, &net, len, 0);
	CHECK(*failures, rc == 0 && memcmp(&out, &p, sizeof(p)) == 0,
	      "/%u: from_addr(network) = %d\n", len, rc);
	ct_fill(&out, sizeof(out));
	rc = cip_prefix_from_addr(&out, &last, len, MASK);
	CHECK(*failures, rc == 0 && memcmp(&out, &p, sizeof(p)) == 0,
	      "/%u: from_addr(last, MASK) = %d\n", len, rc);
	ct_fill(&out, sizeof(out));
	rc = cip_prefix_from_addr(&out, &last, len, 0);
	if (len == bits)
		CHECK(*failures, rc == 0 && memcmp(&out, &p, sizeof(p)) == 0,
		      "/%u: from_addr(last) = %d\n", len, rc);
	else
		CHECK(*failures, rc == CIP_EHOSTBITS && ct_untouched(&out, sizeof(out)),
		      "/%u: from_addr(last) = %d, want CIP_EHOSTBITS, untouched\n", len, rc);

	/* the last address with "/len": host bits, err.network == p */
	{
		char lt[128];
		cip_parse_error err;
		cip_parse_error_init(&err, sizeof(err));
		ct_show(&last, shown);
		snprintf(lt, sizeof(lt), "%s/%u", shown, len);
		ct_fill(&out, sizeof(out));
		rc = cip_prefix_parse(&out, lt, strlen(lt), 0, &err);
		if (len == bits) {
			CHECK(*failures, rc == 0 && memcmp(&out, &p, sizeof(p)) == 0,
			      "/%u: parse(\"%s\") = %d\n", len, lt, rc);
		} else {
			CHECK(*failures,
			      rc == CIP_EHOSTBITS && err.reason == CIP_PARSE_HOST_BITS &&
				      err.offset == 0 && memcmp(&err.network, &p, sizeof(p)) == 0 &&
				      ct_untouched(&out, sizeof(out)),
			      "/%u: parse(\"%s\") = %d reason %d, network %s/%u\n", len, lt, rc,
			      err.reason, ct_show(&err.network.addr, shown2), err.network.len);
		}
		ct_fill(&out, sizeof(out));
		rc = cip_prefix_parse(&out, lt, strlen(lt), MASK, NULL);
		CHECK(*failures, rc == 0 && memcmp(&out, &p, sizeof(p)) == 0,
		      "/%u: parse(\"%s\", MASK) = %d\n", len, lt, rc);
	}

	/* network, last */
	ct_fill(&a, sizeof(a));
	rc = cip_prefix_network(&a, &p);
	CHECK(*failures, rc == 0 && memcmp(&a, &net, sizeof(a)) == 0, "/%u: network %d %s\n", len,
	      rc, ct_show(&a, shown));
	ct_fill(&a, sizeof(a));
	rc = cip_prefix_last(&a, &p);
	CHECK(*failures, rc == 0 && memcmp(&a, &last, sizeof(a)) == 0, "/%u: last %d %s, want %s\n",
	      len, rc, ct_show(&a, shown), ct_show(&last, shown2));

	/* size = 2^(bits - len); ::/0 overflows */
	const int size_fits = !(bits == 128 && len == 0);
	cip_u128 size = size_fits ? u128_pow2(bits - len) : u128(0, 0);
	ct_fill(&u, sizeof(u));
	ubefore = u;
	rc = cip_prefix_size(&u, &p);
	if (size_fits)
		CHECK(*failures, rc == 0 && u128_eq(u, size), "/%u: size %d %s\n", len, rc,
		      ct_show_u128(u, ubuf));
	else
		CHECK(*failures, rc == CIP_EOVERFLOW && memcmp(&u, &ubefore, sizeof(u)) == 0,
		      "/%u: size %d, want CIP_EOVERFLOW untouched\n", len, rc);
	const cip_u128 maxoff = size_fits ? u128_dec(size) : u128(UINT64_MAX, UINT64_MAX);

	/* contains and offset_of at the boundaries */
	CHECK(*failures, cip_prefix_contains(&p, &net) == 1, "/%u: !contains(network)\n", len);
	CHECK(*failures, cip_prefix_contains(&p, &last) == 1, "/%u: !contains(last)\n", len);
	rc = cip_prefix_offset_of(&u, &p, &net);
	CHECK(*failures, rc == 0 && u128_eq(u, u128(0, 0)), "/%u: offset_of(network) %d\n", len,
	      rc);
	rc = cip_prefix_offset_of(&u, &p, &last);
	CHECK(*failures, rc == 0 && u128_eq(u, maxoff), "/%u: offset_of(last) %d %s\n", len, rc,
	      ct_show_u128(u, ubuf));
	a = net;
	if (ct_dec(&a)) {
		CHECK(*failures, cip_prefix_contains(&p, &a) == 0, "/%u: contains(network-1)\n",
		      len);
		ct_fill(&u, sizeof(u));
		rc = cip_prefix_offset_of(&u, &p, &a);
		CHECK(*failures, rc == CIP_ERANGE && ct_untouched(&u, sizeof(u)),
		      "/%u: offset_of(network-1) %d\n", len, rc);
	}
	a = last;
	if (ct_inc(&a)) {
		CHECK(*failures, cip_prefix_contains(&p, &a) == 0, "/%u: contains(last+1)\n", len);
		ct_fill(&u, sizeof(u));
		rc = cip_prefix_offset_of(&u, &p, &a);
		CHECK(*failures, rc == CIP_ERANGE && ct_untouched(&u, sizeof(u)),
		      "/%u: offset_of(last+1) %d\n", len, rc);
	}

	/* nth at 0, size - 1 and size */
	cip_u128 n = u128(0, 0);
	ct_fill(&a, sizeof(a));
	rc = cip_prefix_nth(&a, &p, &n);
	CHECK(*failures, rc == 0 && memcmp(&a, &net, sizeof(a)) == 0, "/%u: nth(0) %d\n", len, rc);
	ct_fill(&a, sizeof(a));
	rc = cip_prefix_nth(&a, &p, &maxoff);
	CHECK(*failures, rc == 0 && memcmp(&a, &last, sizeof(a)) == 0, "/%u: nth(size-1) %d %s\n",
	      len, rc, ct_show(&a, shown));
	if (size_fits) {
		ct_fill(&a, sizeof(a));
		before = a;
		rc = cip_prefix_nth(&a, &p, &size);
		CHECK(*failures, rc == CIP_ERANGE && memcmp(&a, &before, sizeof(a)) == 0,
		      "/%u: nth(size) %d, want CIP_ERANGE untouched\n", len, rc);
		n = u128(UINT64_MAX, UINT64_MAX);
		rc = cip_prefix_nth(&a, &p, &n);
		CHECK(*failures, rc == CIP_ERANGE && memcmp(&a, &before, sizeof(a)) == 0,
		      "/%u: nth(2^128-1) %d\n", len, rc);
	}

	/* the other family: contains is 0, offset_of is EFAMILY */
	cip_addr other = ct_addr(v4 ? "::" : "0.0.0.0");
	CHECK(*failures, cip_prefix_contains(&p, &other) == 0, "/%u: contains(other family)\n",
	      len);
	rc = cip_prefix_offset_of(&u, &p, &other);
	CHECK(*failures, rc == CIP_EFAMILY, "/%u: offset_of(other family) %d\n", len, rc);
}

static void test_every_length_v4(void **state)
{
	(void)state;
	size_t failures = 0;
	uint64_t seed = 0xC1D2;
	cip_addr ones = ct_addr("255.255.255.255");
	for (unsigned len = 0; len <= 32; len++) {
		cip_addr net = ones;
		char want[32];
		ct_mask(&net, len, 0);
		snprintf(want, sizeof(want), "%u.%u.%u.%u", net.bytes[12], net.bytes[13],
			 net.bytes[14], net.bytes[15]);
		check_length(&ones, len, want, &failures);

		for (int k = 0; k < 4; k++) {
			uint8_t b[4];
			uint64_t r = cip__splitmix64(&seed);
			memcpy(b, &r, 4);
			cip_addr base = ct_addr_bytes(CIP_FAMILY_IPV4, b);
			net = base;
			ct_mask(&net, len, 0);
			snprintf(want, sizeof(want), "%u.%u.%u.%u", net.bytes[12], net.bytes[13],
				 net.bytes[14], net.bytes[15]);
			check_length(&base, len, want, &failures);
		}
	}
	CHECK_DONE(failures);
}

static void test_every_length_v6(void **state)
{
	(void)state;
	size_t failures = 0;
	uint64_t seed = 0xC1D6;
	cip_addr ones = ct_addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	for (unsigned len = 0; len <= 128; len++) {
		char want[64];
		ones6_text(len, want, sizeof(want));
		check_length(&ones, len, want, &failures);

		for (int k = 0; k < 4; k++) {
			uint8_t b[16];
			for (int j = 0; j < 16; j += 8) {
				uint64_t r = cip__splitmix64(&seed);
				memcpy(b + j, &r, 8);
			}
			if (k == 3) /* an IPv4-mapped base */
				memcpy(b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
			cip_addr base = ct_addr_bytes(CIP_FAMILY_IPV6, b);
			check_length(&base, len, NULL, &failures);
		}
	}
	CHECK_DONE(failures);
}

/* ---- format ------------------------------------------------------------- */

static void test_prefix_format_capacity(void **state)
{
	(void)state;
	static const struct {
		const char *addr;
		unsigned len;
		const char *text;
	} t[] = {
		{ "255.255.255.255", 32, "255.255.255.255/32" },
		{ "0.0.0.0", 0, "0.0.0.0/0" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128,
		  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128" },
		{ "::ffff:255.255.255.255", 128, "::ffff:255.255.255.255/128" },
		{ "::ffff:10.0.0.0", 104, "::ffff:10.0.0.0/104" },
		{ "2001:db8::", 32, "2001:db8::/32" },
		{ "::", 0, "::/0" },
		{ "::1.2.3.0", 120, "::102:300/120" },
	};
	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		cip_prefix p = ct_prefix(t[i].addr, t[i].len);
		size_t n = strlen(t[i].text);
		char buf[CIP_PREFIX_STRLEN + 8];
		assert_true(n < CIP_PREFIX_STRLEN);

		ct_fill(buf, sizeof(buf));
		assert_int_equal(cip_prefix_format(&p, buf, CIP_PREFIX_STRLEN), (int)n);
		assert_string_equal(buf, t[i].text);
		ct_fill(buf, sizeof(buf));
		assert_int_equal(cip_prefix_format(&p, buf, n + 1), (int)n);
		assert_memory_equal(buf, t[i].text, n + 1);
		assert_true(ct_untouched(buf + n + 1, sizeof(buf) - n - 1));
		ct_fill(buf, sizeof(buf));
		assert_int_equal(cip_prefix_format(&p, buf, n), CIP_EBUFSIZE);
		assert_true(ct_untouched(buf, sizeof(buf)));
		/* room for the address but not the length */
		assert_int_equal(cip_prefix_format(&p, buf, strlen(t[i].addr) + 1), CIP_EBUFSIZE);
		assert_true(ct_untouched(buf, sizeof(buf)));
		assert_int_equal(cip_prefix_format(&p, buf, 0), CIP_EBUFSIZE);
		assert_true(ct_untouched(buf, sizeof(buf)));
	}
	assert_int_equal(cip_text_capacity(CIP_TEXT_PREFIX), CIP_PREFIX_STRLEN);
}

/* ---- from_addr ---------------------------------------------------------- */

static void test_from_addr(void **state)
{
	(void)state;
	cip_prefix out, before;
	cip_addr a = ct_addr("10.96.0.1");
	cip_prefix want = ct_prefix("10.96.0.0", 12);

	ct_fill(&out, sizeof(out));
	before = out;
	assert_int_equal(cip_prefix_from_addr(&out, &a, 12, 0), CIP_EHOSTBITS);
	assert_memory_equal(&out, &before, sizeof(out));
	assert_int_equal(cip_prefix_from_addr(&out, &a, 12, MASK), 0);
	assert_memory_equal(&out, &want, sizeof(out));

	/* the address is not modified by masking */
	cip_addr copy = ct_addr("10.96.0.1");
	assert_memory_equal(&a, &copy, sizeof(a));

	/* lengths above the family's and unknown flags: EINVAL */
	ct_fill(&out, sizeof(out));
	assert_int_equal(cip_prefix_from_addr(&out, &a, 33, MASK), CIP_EINVAL);
	assert_int_equal(cip_prefix_from_addr(&out, &a, 128, MASK), CIP_EINVAL);
	assert_int_equal(cip_prefix_from_addr(&out, &a, 256 + 8, MASK), CIP_EINVAL);
	assert_int_equal(cip_prefix_from_addr(&out, &a, 0xffffffffu, MASK), CIP_EINVAL);
	assert_int_equal(cip_prefix_from_addr(&out, &a, 32, 1u << 4), CIP_EINVAL);
	assert_int_equal(cip_prefix_from_addr(&out, &a, 32, 1u << 31), CIP_EINVAL);
	a = ct_addr("::1");
	assert_int_equal(cip_prefix_from_addr(&out, &a, 129, MASK), CIP_EINVAL);
	assert_int_equal(cip_prefix_from_addr(&out, &a, 256 + 64, MASK), CIP_EINVAL);
	assert_memory_equal(&out, &before, sizeof(out));

	assert_int_equal(cip_prefix_from_addr(&out, &a, 128, 0), 0);
	want = ct_prefix("::1", 128);
	assert_memory_equal(&out, &want, sizeof(out));
	assert_int_equal(cip_prefix_from_addr(&out, &a, 0, MASK), 0);
	want = ct_prefix("::", 0);
	assert_memory_equal(&out, &want, sizeof(out));
}

/* ---- contains / overlaps ------------------------------------------------ */

static void test_contains(void **state)
{
	(void)state;
	static const struct {
		const char *pfx;
		unsigned len;
		const char *addr;
		int want;
	} t[] = {
		{ "10.96.0.0", 12, "10.96.0.1", 1 },
		{ "10.96.0.0", 12, "10.111.255.255", 1 },
		{ "10.96.0.0", 12, "10.112.0.0", 0 },
		{ "10.96.0.0", 12, "10.95.255.255", 0 },
		{ "0.0.0.0", 0, "255.255.255.255", 1 },
		{ "0.0.0.0", 0, "::", 0 },
		{ "0.0.0.0", 0, "::ffff:1.2.3.4", 0 },
		{ "::", 0, "1.2.3.4", 0 },
		{ "::", 0, "::ffff:1.2.3.4", 1 },
		{ "::ffff:0.0.0.0", 96, "::ffff:1.2.3.4", 1 },
		{ "::ffff:0.0.0.0", 96, "1.2.3.4", 0 },
		{ "::", 96, "1.2.3.4", 0 },
		{ "::", 96, "::1.2.3.4", 1 },
		{ "1.2.3.4", 32, "1.2.3.4", 1 },
		{ "1.2.3.4", 32, "1.2.3.5", 0 },
		{ "2001:db8::", 32, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
		{ "2001:db8::", 32, "2001:db9::", 0 },
		{ "2001:db8::", 64, "2001:db8::ffff:ffff:ffff:ffff", 1 },
		{ "2001:db8::", 64, "2001:db8:0:1::", 0 },
	};
	size_t failures = 0;
	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		cip_prefix p = ct_prefix(t[i].pfx, t[i].len);
		cip_addr a = ct_addr(t[i].addr);
		int got = cip_prefix_contains(&p, &a);
		CHECK(failures, got == t[i].want, "row %zu: %s/%u contains %s = %d\n", i, t[i].pfx,
		      t[i].len, t[i].addr, got);
	}
	CHECK_DONE(failures);
}

static void test_overlaps(void **state)
{
	(void)state;
	static const struct {
		const char *a;
		unsigned alen;
		const char *b;
		unsigned blen;
		int want;
	} t[] = {
		{ "10.0.0.0", 8, "10.1.0.0", 16, 1 },
		{ "10.0.0.0", 16, "10.1.0.0", 16, 0 },
		{ "10.0.0.0", 25, "10.0.0.128", 25, 0 },
		{ "10.0.0.0", 24, "10.0.0.0", 24, 1 },
		{ "10.0.0.0", 24, "10.0.0.255", 32, 1 },
		{ "10.0.1.0", 24, "10.0.0.255", 32, 0 },
		{ "0.0.0.0", 0, "192.168.0.0", 16, 1 },
		{ "0.0.0.0", 0, "::", 0, 0 },
		{ "0.0.0.0", 1, "128.0.0.0", 1, 0 },
		{ "::", 0, "2001:db8::", 32, 1 },
		{ "::", 0, "::ffff:0.0.0.0", 96, 1 },
		{ "::ffff:0.0.0.0", 96, "0.0.0.0", 0, 0 },
		{ "2001:db8::", 32, "2001:db8:1::", 48, 1 },
		{ "2001:db8::", 48, "2001:db8:1::", 48, 0 },
		{ "fd00:10:96::", 108, "fd00:10:96::ffff", 128, 1 },
		{ "fd00:10:96::", 112, "fd00:10:96::1:0", 112, 0 },
	};
	size_t failures = 0;
	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		cip_prefix a = ct_prefix(t[i].a, t[i].alen), b = ct_prefix(t[i].b, t[i].blen);
		int got = cip_prefix_overlaps(&a, &b);
		int rev = cip_prefix_overlaps(&b, &a);
		CHECK(failures, got == t[i].want && rev == t[i].want,
		      "row %zu: %s/%u overlaps %s/%u = %d, reversed %d, want %d\n", i, t[i].a,
		      t[i].alen, t[i].b, t[i].blen, got, rev, t[i].want);
	}
	CHECK_DONE(failures);
}

/* ---- nth / offset_of ---------------------------------------------------- */

static void test_nth_offset_of(void **state)
{
	(void)state;
	static const struct {
		const char *pfx;
		unsigned len;
		uint64_t hi, lo;
		const char *addr; /* NULL: ERANGE */
	} t[] = {
		{ "10.96.0.0", 12, 0, 0, "10.96.0.0" },
		{ "10.96.0.0", 12, 0, 1, "10.96.0.1" },
		{ "10.96.0.0", 12, 0, 256, "10.96.1.0" },
		{ "10.96.0.0", 12, 0, 1048575, "10.111.255.255" },
		{ "10.96.0.0", 12, 0, 1048576, NULL },
		{ "10.96.0.0", 12, 1, 0, NULL },
		{ "0.0.0.0", 0, 0, 0xffffffffu, "255.255.255.255" },
		{ "0.0.0.0", 0, 0, UINT64_C(0x100000000), NULL },
		{ "1.2.3.4", 32, 0, 0, "1.2.3.4" },
		{ "1.2.3.4", 32, 0, 1, NULL },
		{ "2001:db8::", 64, 0, UINT64_MAX, "2001:db8::ffff:ffff:ffff:ffff" },
		{ "2001:db8::", 64, 1, 0, NULL },
		{ "2001:db8::", 63, 1, 0, "2001:db8:0:1::" },
		{ "2001:db8::", 63, 1, 5, "2001:db8:0:1::5" },
		{ "2001:db8::", 63, 2, 0, NULL },
		{ "::", 0, UINT64_MAX, UINT64_MAX, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
		{ "::", 0, 1, 0, "0:0:0:1::" },
		{ "8000::", 1, UINT64_C(0x7fffffffffffffff), UINT64_MAX,
		  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
		{ "8000::", 1, UINT64_C(0x8000000000000000), 0, NULL },
		{ "::1", 128, 0, 0, "::1" },
		{ "::1", 128, 0, 1, NULL },
	};
	size_t failures = 0;
	char shown[96], ubuf[48];
	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		cip_prefix p = ct_prefix(t[i].pfx, t[i].len);
		cip_u128 n = u128(t[i].hi, t[i].lo), u;
		cip_addr a, before;
		ct_fill(&a, sizeof(a));
		before = a;
		int rc = cip_prefix_nth(&a, &p, &n);
		if (t[i].addr) {
			cip_addr want = ct_addr(t[i].addr);
			CHECK(failures, rc == 0 && memcmp(&a, &want, sizeof(a)) == 0,
			      "row %zu: nth %d %s, want %s\n", i, rc, ct_show(&a, shown),
			      t[i].addr);
			rc = cip_prefix_offset_of(&u, &p, &want);
			CHECK(failures, rc == 0 && u128_eq(u, n), "row %zu: offset_of %d %s\n", i,
			      rc, ct_show_u128(u, ubuf));
		} else {
			CHECK(failures, rc == CIP_ERANGE && memcmp(&a, &before, sizeof(a)) == 0,
			      "row %zu: nth %d, want CIP_ERANGE untouched\n", i, rc);
		}
	}
	CHECK_DONE(failures);
}

static void test_size_special(void **state)
{
	(void)state;
	cip_u128 u;
	cip_prefix p = ct_prefix("0.0.0.0", 0);
	assert_int_equal(cip_prefix_size(&u, &p), 0);
	assert_true(u128_eq(u, u128(0, UINT64_C(0x100000000))));
	p = ct_prefix("::", 1);
	assert_int_equal(cip_prefix_size(&u, &p), 0);
	assert_true(u128_eq(u, u128(UINT64_C(0x8000000000000000), 0)));
	p = ct_prefix("2001:db8::", 64);
	assert_int_equal(cip_prefix_size(&u, &p), 0);
	assert_true(u128_eq(u, u128(1, 0)));
	p = ct_prefix("2001:db8::", 65);
	assert_int_equal(cip_prefix_size(&u, &p), 0);
	assert_true(u128_eq(u, u128(0, UINT64_C(0x8000000000000000))));
	p = ct_prefix("::", 0);
	ct_fill(&u, sizeof(u));
	assert_int_equal(cip_prefix_size(&u, &p), CIP_EOVERFLOW);
	assert_true(ct_untouched(&u, sizeof(u)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_parse_table),
		cmocka_unit_test(test_empty_address_part),
		cmocka_unit_test(test_hostbits_short_err),
		cmocka_unit_test(test_hostbits_network_text),
		cmocka_unit_test(test_every_length_v4),
		cmocka_unit_test(test_every_length_v6),
		cmocka_unit_test(test_prefix_format_capacity),
		cmocka_unit_test(test_from_addr),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test(test_nth_offset_of),
		cmocka_unit_test(test_size_special),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
