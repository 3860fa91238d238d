/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Address and prefix values: construction, comparison, 128-bit arithmetic,
 * and the Kubernetes service-range facts.
 *
 * Every address is handled as the 128-bit number its bytes spell (IPv4 in
 * the low 32 bits), so one code path serves both families; a family only
 * decides how many bits there are.
 */
#include <string.h>

#include <clusterip/addr.h>

#include "addr_priv.h"

/* ------------------------------------------------------------------ */
/* Addresses                                                          */
/* ------------------------------------------------------------------ */

int cip_addr_from_bytes(cip_addr *out, int family, const uint8_t *bytes, size_t len)
{
	cip_addr a;

	if (!out || !bytes)
		return CIP_EINVAL;
	if (!((family == CIP_FAMILY_IPV4 && len == 4) || (family == CIP_FAMILY_IPV6 && len == 16)))
		return CIP_EINVAL;
	memset(&a, 0, sizeof a);
	a.family = (uint8_t)family;
	memcpy(a.bytes + 16 - len, bytes, len);
	*out = a;
	return 0;
}

int cip_addr_family(const cip_addr *a)
{
	if (!a || !addr_valid(a))
		return CIP_EINVAL;
	return a->family;
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/* NULL first, then invalid addresses by their bytes, then IPv4, then IPv6. */
int cip_addr_compare(const cip_addr *a, const cip_addr *b)
{
	int va, vb;

	if (!a || !b)
		return (a != NULL) - (b != NULL);
	va = addr_valid(a);
	vb = addr_valid(b);
	if (va != vb)
		return va - vb;
	if (!va)
		return sign(memcmp(a, b, sizeof *a));
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return sign(memcmp(a->bytes, b->bytes, sizeof a->bytes));
}

int cip_addr_equal(const cip_addr *a, const cip_addr *b)
{
	if (!a || !b || !addr_valid(a) || !addr_valid(b))
		return 0;
	return a->family == b->family && memcmp(a->bytes, b->bytes, sizeof a->bytes) == 0;
}

static int v4_mapped(const cip_addr *a)
{
	return a->family == CIP_FAMILY_IPV6 && bytes_v4_mapped(a->bytes);
}

int cip_addr_is_v4_mapped(const cip_addr *a)
{
	if (!a || !addr_valid(a))
		return CIP_EINVAL;
	return v4_mapped(a);
}

int cip_addr_unmap(cip_addr *out, const cip_addr *a)
{
	cip_addr r;

	if (!out || !a || !addr_valid(a))
		return CIP_EINVAL;
	r = *a;
	if (v4_mapped(a)) {
		r.family = CIP_FAMILY_IPV4;
		memset(r.bytes, 0, 12);
	}
	*out = r;
	return 0;
}

/* The largest value of the family: 2^32 - 1 or 2^128 - 1. */
static cip_u128 family_max(unsigned family)
{
	return u128_low_mask(family_bits(family));
}

int cip_addr_add(cip_addr *out, const cip_addr *a, const cip_u128 *off)
{
	cip_u128 r;
	unsigned carry;

	if (!out || !a || !off || !addr_valid(a))
		return CIP_EINVAL;
	r = u128_add(addr_value(a), *off, &carry);
	if (carry || u128_cmp(r, family_max(a->family)) > 0)
		return CIP_EOVERFLOW;
	addr_store(out, a->family, r);
	return 0;
}

int cip_addr_sub(cip_addr *out, const cip_addr *a, const cip_u128 *off)
{
	cip_u128 r;
	unsigned borrow;

	if (!out || !a || !off || !addr_valid(a))
		return CIP_EINVAL;
	r = u128_sub(addr_value(a), *off, &borrow);
	if (borrow)
		return CIP_EOVERFLOW;
	addr_store(out, a->family, r);
	return 0;
}

int cip_addr_offset(cip_u128 *out, const cip_addr *from, const cip_addr *to)
{
	cip_u128 r;
	unsigned borrow;

	if (!out || !from || !to || !addr_valid(from) || !addr_valid(to))
		return CIP_EINVAL;
	if (from->family != to->family)
		return CIP_EFAMILY;
	r = u128_sub(addr_value(to), addr_value(from), &borrow);
	if (borrow)
		return CIP_ERANGE;
	*out = r;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Prefixes                                                           */
/* ------------------------------------------------------------------ */

static unsigned host_bits(const cip_prefix *p)
{
	return family_bits(p->addr.family) - p->len;
}

static cip_u128 host_mask(const cip_prefix *p)
{
	return u128_low_mask(host_bits(p));
}

/* Whether the value @p v lies in @p p (which must be of the same family). */
static int prefix_holds(const cip_prefix *p, cip_u128 v)
{
	return u128_eq(u128_and(v, u128_not(host_mask(p))), addr_value(&p->addr));
}

int cip_prefix_from_addr(cip_prefix *out, const cip_addr *a, unsigned len, unsigned flags)
{
	cip_prefix p;
	cip_u128 v, net;

	if (!out || !a || !addr_valid(a) || (flags & ~(unsigned)CIP_PARSE_MASK))
		return CIP_EINVAL;
	if (len > family_bits(a->family))
		return CIP_EINVAL;
	v = addr_value(a);
	net = u128_and(v, u128_not(prefix_host_mask(a->family, len)));
	if (!u128_eq(v, net) && !(flags & CIP_PARSE_MASK))
		return CIP_EHOSTBITS;
	memset(&p, 0, sizeof p);
	addr_store(&p.addr, a->family, net);
	p.len = (uint8_t)len;
	*out = p;
	return 0;
}

int cip_prefix_contains(const cip_prefix *p, const cip_addr *a)
{
	if (!p || !a || !prefix_valid(p) || !addr_valid(a))
		return CIP_EINVAL;
	return a->family == p->addr.family && prefix_holds(p, addr_value(a));
}

/* Two prefixes overlap exactly when the shorter one holds the other. */
int cip_prefix_overlaps(const cip_prefix *a, const cip_prefix *b)
{
	if (!a || !b || !prefix_valid(a) || !prefix_valid(b))
		return CIP_EINVAL;
	if (a->addr.family != b->addr.family)
		return 0;
	return a->len <= b->len ? prefix_holds(a, addr_value(&b->addr))
				: prefix_holds(b, addr_value(&a->addr));
}

int cip_prefix_network(cip_addr *out, const cip_prefix *p)
{
	if (!out || !p || !prefix_valid(p))
		return CIP_EINVAL;
	*out = p->addr;
	return 0;
}

int cip_prefix_last(cip_addr *out, const cip_prefix *p)
{
	if (!out || !p || !prefix_valid(p))
		return CIP_EINVAL;
	addr_store(out, p->addr.family, u128_or(addr_value(&p->addr), host_mask(p)));
	return 0;
}

int cip_prefix_size(cip_u128 *out, const cip_prefix *p)
{
	unsigned h;

	if (!out || !p || !prefix_valid(p))
		return CIP_EINVAL;
	h = host_bits(p);
	if (h == 128)
		return CIP_EOVERFLOW;
	*out = u128_pow2(h);
	return 0;
}

int cip_prefix_nth(cip_addr *out, const cip_prefix *p, const cip_u128 *n)
{
	if (!out || !p || !n || !prefix_valid(p))
		return CIP_EINVAL;
	/* n < 2^h exactly when n has no bit outside the host mask */
	if (!u128_is_zero(u128_and(*n, u128_not(host_mask(p)))))
		return CIP_ERANGE;
	addr_store(out, p->addr.family, u128_or(addr_value(&p->addr), *n));
	return 0;
}

int cip_prefix_offset_of(cip_u128 *out, const cip_prefix *p, const cip_addr *a)
{
	cip_u128 v;

	if (!out || !p || !a || !prefix_valid(p) || !addr_valid(a))
		return CIP_EINVAL;
	if (a->family != p->addr.family)
		return CIP_EFAMILY;
	v = addr_value(a);
	if (!prefix_holds(p, v))
		return CIP_ERANGE;
	*out = u128_and(v, host_mask(p));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Kubernetes service-range facts                                     */
/* ------------------------------------------------------------------ */

/* The largest IPv6 range the bitmap allocator manages: 2^16 addresses. */
#define LEGACY_CAP_BITS 16

/* The allocatable count; also the offset of the last allocatable address. */
static cip_u128 usable(const cip_prefix *p, unsigned flags)
{
	unsigned h = host_bits(p);
	unsigned borrow;

	if (p->addr.family == CIP_FAMILY_IPV4) /* network and broadcast excluded */
		return h < 2 ? u128_zero() : u128_sub(u128_pow2(h), u128_make(0, 2), &borrow);
	if ((flags & CIP_RANGE_LEGACY_CAP) && h > LEGACY_CAP_BITS)
		h = LEGACY_CAP_BITS;
	return u128_low_mask(h); /* 2^h - 1: only the network excluded */
}

static int range_args_valid(const void *out, const cip_prefix *p, unsigned flags)
{
	return out && p && prefix_valid(p) && !(flags & ~(unsigned)CIP_RANGE_LEGACY_CAP);
}

int cip_service_range_usable(cip_u128 *out, const cip_prefix *p, unsigned flags)
{
	if (!range_args_valid(out, p, flags))
		return CIP_EINVAL;
	*out = usable(p, flags);
	return 0;
}

int cip_service_range_first(cip_addr *out, const cip_prefix *p, unsigned flags)
{
	if (!range_args_valid(out, p, flags))
		return CIP_EINVAL;
	if (u128_is_zero(usable(p, flags)))
		return CIP_ERANGE;
	addr_store(out, p->addr.family, u128_add64(addr_value(&p->addr), 1));
	return 0;
}

/*
 * The usable addresses are network + 1 ... network + usable in both families
 * (IPv4 stops before the broadcast address, IPv6 at the end or at the cap).
 */
int cip_service_range_last(cip_addr *out, const cip_prefix *p, unsigned flags)
{
	cip_u128 n;

	if (!range_args_valid(out, p, flags))
		return CIP_EINVAL;
	n = usable(p, flags);
	if (u128_is_zero(n))
		return CIP_ERANGE;
	addr_store(out, p->addr.family, u128_or(addr_value(&p->addr), n));
	return 0;
}

/*
 * KEP-3070: min(max(16, size / 16), 256), and 0 when size <= 16. From 2^12
 * addresses on the result is 256, so larger sizes need no 128-bit math.
 */
int cip_service_range_static_band(const cip_prefix *p)
{
	unsigned h, size;

	if (!p || !prefix_valid(p))
		return CIP_EINVAL;
	h = host_bits(p);
	if (h >= 12)
		return 256;
	size = 1u << h;
	if (size <= 16)
		return 0;
	return size / 16 < 16 ? 16 : (int)(size / 16);
}

/* KEP-3668: clamp(size / 32, 16, 128), and 0 when size <= 16. */
int cip_node_port_static_band(uint32_t size)
{
	uint32_t band;

	if (size == 0 || size > 65536)
		return CIP_EINVAL;
	if (size <= 16)
		return 0;
	band = size / 32;
	return band < 16 ? 16 : band > 128 ? 128 : (int)band;
}
