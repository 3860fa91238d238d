/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prefix parsing and prefix math. Input: parse flags (1 byte), a 128-bit
 * offset n (16 bytes), a second prefix length (1 byte), an address (16
 * bytes), then the text. Checked, against plain 128-bit integer arithmetic
 * written here as the oracle:
 * - parse: documented codes, the output untouched on failure, host bits
 *   reported with the network they should be (which CIP_PARSE_MASK then
 *   gives), legacy mode a superset of strict mode, a canonical format that
 *   re-parses to the same prefix and honours its capacity;
 * - size, network, last, nth, offset_of, contains and overlaps agree with
 *   the oracle and with each other (nth and offset_of are inverses,
 *   overlaps is symmetric and means one prefix holds the other's network);
 * - the Kubernetes service-range facts (usable, first, last, static band)
 *   follow their documented formulas.
 */
#include "fuzz.h"

typedef unsigned __int128 u128;

#define SENTINEL 0xa5

static u128 value_of(const cip_addr *a)
{
	u128 v = 0;

	for (int i = 0; i < 16; i++) {
		v = v << 8 | a->bytes[i];
	}
	return v;
}

static cip_addr addr_of(int family, u128 v)
{
	cip_addr a;

	memset(&a, 0, sizeof(a));
	a.family = (uint8_t)family;
	for (int i = 15; i >= 0; i--) {
		a.bytes[i] = (uint8_t)v;
		v >>= 8;
	}
	return a;
}

static u128 from_cip(cip_u128 v)
{
	return (u128)v.hi << 64 | v.lo;
}

static cip_u128 to_cip(u128 v)
{
	cip_u128 r = { (uint64_t)(v >> 64), (uint64_t)v };
	return r;
}

static unsigned bits_of(int family)
{
	return family == CIP_FAMILY_IPV4 ? 32 : 128;
}

/* 2^h - 1 for h in 0..128. */
static u128 low_mask(unsigned h)
{
	return h >= 128 ? ~(u128)0 : ((u128)1 << h) - 1;
}

static int parse(const char *text, size_t len, unsigned flags, cip_prefix *out,
		 cip_parse_error *err)
{
	cip_prefix untouched;
	int rc;

	memset(out, SENTINEL, sizeof(*out));
	memset(&untouched, SENTINEL, sizeof(untouched));
	FUZZ_CHECK_RC(cip_parse_error_init(err, sizeof(*err)), 0);
	rc = cip_prefix_parse(out, text, len, flags, err);
	FUZZ_CHECK(err->code == rc);
	if (rc != 0) {
		FUZZ_CHECK(rc == CIP_ESYNTAX || rc == CIP_EZONE || rc == CIP_EFAMILY ||
			   rc == CIP_EHOSTBITS || rc == CIP_EINVAL);
		FUZZ_CHECK(memcmp(out, &untouched, sizeof(*out)) == 0);
		FUZZ_CHECK(rc == CIP_EINVAL || err->offset <= len);
		return rc;
	}
	FUZZ_CHECK(out->len <= bits_of(out->addr.family));
	FUZZ_CHECK((value_of(&out->addr) & low_mask(bits_of(out->addr.family) - out->len)) == 0);
	return 0;
}

static void check_parse_modes(const char *text, size_t len, const cip_prefix *p, int rc,
			      const cip_parse_error *err)
{
	cip_parse_error e2;
	cip_prefix q;
	int lrc = parse(text, len, CIP_PARSE_LEGACY, &q, &e2);

	if (rc == 0) {
		FUZZ_CHECK_RC(lrc, 0);
		FUZZ_CHECK(memcmp(&q, p, sizeof(q)) == 0);
	} else if (lrc == 0 || lrc == CIP_EHOSTBITS) {
		FUZZ_CHECK(err->reason == CIP_PARSE_LEADING_ZERO ||
			   err->reason == CIP_PARSE_GROUP_TOO_LONG || rc == lrc);
	}
	if (rc == CIP_EHOSTBITS) {
		FUZZ_CHECK(err->reason == CIP_PARSE_HOST_BITS);
		FUZZ_CHECK_RC(parse(text, len, CIP_PARSE_MASK, &q, &e2), 0);
		FUZZ_CHECK(memcmp(&q, &err->network, sizeof(q)) == 0);
	}
}

static void check_format(const cip_prefix *p)
{
	char buf[CIP_PREFIX_STRLEN], small[CIP_PREFIX_STRLEN];
	cip_parse_error err;
	cip_prefix q;
	int n = cip_prefix_format(p, buf, sizeof(buf));

	FUZZ_CHECK(n > 0 && (size_t)n < sizeof(buf) && strlen(buf) == (size_t)n);
	FUZZ_CHECK_RC(parse(buf, (size_t)n, 0, &q, &err), 0);
	FUZZ_CHECK(memcmp(&q, p, sizeof(q)) == 0);
	memset(small, SENTINEL, sizeof(small));
	FUZZ_CHECK_RC(cip_prefix_format(p, small, (size_t)n), CIP_EBUFSIZE);
	FUZZ_CHECK((uint8_t)small[0] == SENTINEL);
}

/* size, network, last, nth and offset_of. */
static void check_geometry(const cip_prefix *p, u128 n)
{
	int fam = p->addr.family;
	unsigned h = bits_of(fam) - p->len;
	u128 net = value_of(&p->addr), last = net + low_mask(h);
	cip_addr a, want;
	cip_u128 size, off, cn = to_cip(n);
	int rc;

	rc = cip_prefix_size(&size, p);
	if (h == 128) {
		FUZZ_CHECK_RC(rc, CIP_EOVERFLOW);
	} else {
		FUZZ_CHECK_RC(rc, 0);
		FUZZ_CHECK(from_cip(size) == (u128)1 << h);
	}
	FUZZ_CHECK_RC(cip_prefix_network(&a, p), 0);
	FUZZ_CHECK(cip_addr_equal(&a, &p->addr));
	FUZZ_CHECK_RC(cip_prefix_last(&a, p), 0);
	want = addr_of(fam, last);
	FUZZ_CHECK(cip_addr_equal(&a, &want));

	rc = cip_prefix_nth(&a, p, &cn);
	if (h < 128 && n > low_mask(h)) {
		FUZZ_CHECK_RC(rc, CIP_ERANGE);
		n &= low_mask(h); /* go on with an offset inside */
		cn = to_cip(n);
		rc = cip_prefix_nth(&a, p, &cn);
	}
	FUZZ_CHECK_RC(rc, 0);
	want = addr_of(fam, net + n);
	FUZZ_CHECK(cip_addr_equal(&a, &want));
	FUZZ_CHECK_RC(cip_prefix_contains(p, &a), 1);
	FUZZ_CHECK_RC(cip_prefix_offset_of(&off, p, &a), 0);
	FUZZ_CHECK(from_cip(off) == n);
}

/* contains and offset_of of an arbitrary address of either family. */
static void check_membership(const cip_prefix *p, const cip_addr *x)
{
	unsigned h = bits_of(p->addr.family) - p->len;
	u128 net = value_of(&p->addr), v = value_of(x);
	int same = x->family == p->addr.family;
	int inside = same && (h == 128 || (v >> h) == (net >> h));
	cip_u128 off;
	int rc;

	FUZZ_CHECK_RC(cip_prefix_contains(p, x), inside);
	rc = cip_prefix_offset_of(&off, p, x);
	if (!same) {
		FUZZ_CHECK_RC(rc, CIP_EFAMILY);
	} else if (!inside) {
		FUZZ_CHECK_RC(rc, CIP_ERANGE);
	} else {
		FUZZ_CHECK_RC(rc, 0);
		FUZZ_CHECK(from_cip(off) == v - net);
	}
}

/* overlaps against the prefix of length @p len2 around @p x. */
static void check_overlap(const cip_prefix *p, const cip_addr *x, unsigned len2)
{
	unsigned bits = bits_of(x->family);
	cip_prefix q;
	int want;

	len2 %= bits + 1;
	FUZZ_CHECK_RC(cip_prefix_from_addr(&q, x, len2, CIP_PARSE_MASK), 0);
	FUZZ_CHECK(value_of(&q.addr) == (value_of(x) & ~low_mask(bits - len2)));
	if (len2 < bits && (value_of(x) & low_mask(bits - len2)) != 0) {
		cip_prefix untouched = q;
		FUZZ_CHECK_RC(cip_prefix_from_addr(&q, x, len2, 0), CIP_EHOSTBITS);
		FUZZ_CHECK(memcmp(&q, &untouched, sizeof(q)) == 0);
	}
	want = p->len <= q.len ? cip_prefix_contains(p, &q.addr)
			       : cip_prefix_contains(&q, &p->addr);
	FUZZ_CHECK_RC(cip_prefix_overlaps(p, &q), want);
	FUZZ_CHECK_RC(cip_prefix_overlaps(&q, p), want);
	FUZZ_CHECK_RC(cip_prefix_overlaps(p, p), 1);
}

static u128 u128_min(u128 a, u128 b)
{
	return a < b ? a : b;
}

/* The Kubernetes service-range facts, with and without the legacy cap. */
static void check_service_range(const cip_prefix *p)
{
	int v4 = p->addr.family == CIP_FAMILY_IPV4;
	unsigned h = bits_of(p->addr.family) - p->len;
	u128 net = value_of(&p->addr), span = low_mask(h); /* 2^h - 1 */
	u128 usable = v4 ? (span >= 2 ? span - 1 : 0) : span;
	u128 band = h >= 12 ? 256 : h <= 4 ? 0 : u128_min(256, ((u128)1 << h) / 16);

	if (h > 4 && band < 16) {
		band = 16;
	}
	FUZZ_CHECK_RC(cip_service_range_static_band(p), (int)band);
	for (unsigned flags = 0; flags <= CIP_RANGE_LEGACY_CAP; flags++) {
		u128 want = !v4 && flags ? u128_min(usable, 65535) : usable;
		cip_u128 got;
		cip_addr first, last, expect;
		int rc;

		FUZZ_CHECK_RC(cip_service_range_usable(&got, p, flags), 0);
		FUZZ_CHECK(from_cip(got) == want);
		rc = cip_service_range_first(&first, p, flags);
		FUZZ_CHECK_RC(cip_service_range_last(&last, p, flags), rc);
		if (want == 0) {
			FUZZ_CHECK_RC(rc, CIP_ERANGE);
			continue;
		}
		FUZZ_CHECK_RC(rc, 0);
		expect = addr_of(p->addr.family, net + 1);
		FUZZ_CHECK(cip_addr_equal(&first, &expect));
		expect = addr_of(p->addr.family, net + want);
		FUZZ_CHECK(cip_addr_equal(&last, &expect));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	cip_parse_error err;
	cip_prefix p;
	cip_addr x;
	uint8_t raw[16];
	unsigned flags, len2;
	u128 n;
	char *text;
	int rc;

	if (size > 160) {
		return 0;
	}
	flags = fuzz_u8(&in) & (CIP_PARSE_LEGACY | CIP_PARSE_MASK);
	n = (u128)fuzz_u64(&in) << 64;
	n |= fuzz_u64(&in);
	len2 = fuzz_u8(&in);
	fuzz_bytes(&in, raw, sizeof(raw));
	text = fuzz_dup(in.p, in.n);

	rc = parse(text, in.n, 0, &p, &err);
	check_parse_modes(text, in.n, &p, rc, &err);
	if (flags != 0) {
		rc = parse(text, in.n, flags, &p, &err);
	}
	free(text);
	if (rc != 0) {
		return 0;
	}
	check_format(&p);
	check_geometry(&p, n);
	/* An address of either family, taken from the input. */
	if (raw[0] & 1) {
		FUZZ_CHECK_RC(cip_addr_from_bytes(&x, CIP_FAMILY_IPV4, raw + 12, 4), 0);
	} else {
		FUZZ_CHECK_RC(cip_addr_from_bytes(&x, CIP_FAMILY_IPV6, raw, 16), 0);
	}
	check_membership(&p, &x);
	check_overlap(&p, &x, len2);
	check_service_range(&p);
	return 0;
}
