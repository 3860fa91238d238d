/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: validation and numeric views of cip_addr / cip_prefix shared by
 * the addr_*.c files. Everything is static inline, so nothing is exported.
 */
#ifndef CIP_ADDR_PRIV_H
#define CIP_ADDR_PRIV_H

#include <stdint.h>
#include <string.h>

#include <clusterip/addr.h>

#include "u128.h"

/* Bits in an address of the family (32 or 128); 0 for an unknown family. */
static inline unsigned family_bits(unsigned family)
{
	return family == CIP_FAMILY_IPV4 ? 32 : family == CIP_FAMILY_IPV6 ? 128 : 0;
}

/* A valid address: known family, zero reserved bytes, IPv4 high bytes zero. */
static inline int addr_valid(const cip_addr *a)
{
	static const uint8_t zero[12];

	if (a->reserved[0] | a->reserved[1] | a->reserved[2])
		return 0;
	if (a->family == CIP_FAMILY_IPV6)
		return 1;
	return a->family == CIP_FAMILY_IPV4 && memcmp(a->bytes, zero, sizeof zero) == 0;
}

/* Whether 16 address bytes are IPv4-mapped IPv6 (::ffff:0:0/96). */
static inline int bytes_v4_mapped(const uint8_t b[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(b, mapped, sizeof mapped) == 0;
}

static inline cip_u128 addr_value(const cip_addr *a)
{
	return u128_load_be(a->bytes);
}

/*
 * Writes the address of @p family with value @p v (which must fit the
 * family) into @p out, field by field: the two 8-byte stores match the
 * loads of addr_value(), so a caller that reads the address back at once
 * gets the bytes by store forwarding instead of a stall on a mismatched
 * copy.
 */
static inline void addr_store(cip_addr *out, unsigned family, cip_u128 v)
{
	out->family = (uint8_t)family;
	out->reserved[0] = out->reserved[1] = out->reserved[2] = 0;
	u128_store_be(out->bytes, v);
}

/* The host-part mask of a prefix: its low (family bits - len) bits. */
static inline cip_u128 prefix_host_mask(unsigned family, unsigned len)
{
	return u128_low_mask(family_bits(family) - len);
}

/* A valid prefix: valid address, length fits, no host bits, zero reserved. */
static inline int prefix_valid(const cip_prefix *p)
{
	if (!addr_valid(&p->addr) || (p->reserved[0] | p->reserved[1] | p->reserved[2]))
		return 0;
	if (p->len > family_bits(p->addr.family))
		return 0;
	return u128_is_zero(
		u128_and(addr_value(&p->addr), prefix_host_mask(p->addr.family, p->len)));
}

/* For other parsers (port ranges): fill @p err as the address parsers do
 * (@return @p code), and tell whether @p err may be written. */
int cip__parse_report(cip_parse_error *err, int code, int reason, size_t off);
int cip__parse_err_usable(const cip_parse_error *err);

#endif /* CIP_ADDR_PRIV_H */
