/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file addr.h
 * @brief IPv4/IPv6 addresses and prefixes: strict parsing, canonical
 * formatting, 128-bit prefix arithmetic, and the Kubernetes service-range
 * facts that the allocators are built on.
 *
 * Thread-safety: *lock-free*. Every function here is pure: it reads its
 * arguments and writes only its outputs, so any thread may call any of them
 * at any time.
 *
 * Text input is always a pointer plus a length; no NUL terminator is needed
 * and a NUL byte inside the text is an error. Parsers report the byte offset
 * of the first bad character through an optional ::cip_parse_error.
 */
#ifndef CLUSTERIP_ADDR_H
#define CLUSTERIP_ADDR_H

#include <clusterip/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Address families. The values are part of the ABI. */
enum cip_family {
	CIP_FAMILY_IPV4 = 4,
	CIP_FAMILY_IPV6 = 6,
};

/**
 * An IPv4 or IPv6 address. A frozen value type (20 bytes).
 *
 * `bytes` holds the address in network byte order as a 128-bit big-endian
 * number: an IPv6 address fills all 16 bytes; an IPv4 address a.b.c.d is
 * stored in `bytes[12..15]` with `bytes[0..11]` zero. `reserved` is always
 * zero. Any other content (unknown family, non-zero reserved bytes, non-zero
 * high bytes of an IPv4 address) is invalid, and every function that takes
 * a cip_addr rejects it with `CIP_EINVAL`.
 */
typedef struct cip_addr {
	uint8_t family;	     /**< CIP_FAMILY_IPV4 or CIP_FAMILY_IPV6 */
	uint8_t reserved[3]; /**< always zero */
	uint8_t bytes[16];   /**< the address, big-endian, IPv4 in the last 4 */
} cip_addr;

/**
 * An IP prefix (CIDR). A frozen value type (24 bytes). A valid prefix has a
 * valid `addr` with no host bits set (it *is* the network address),
 * `len` ≤ 32 (IPv4) or ≤ 128 (IPv6), and zero `reserved` bytes.
 */
typedef struct cip_prefix {
	cip_addr addr;	     /**< the network address */
	uint8_t len;	     /**< prefix length in bits */
	uint8_t reserved[3]; /**< always zero */
} cip_prefix;

/** Parse flags; unknown bits are rejected with `CIP_EINVAL`. */
enum cip_parse_flags {
	/**
	 * Accept leading zeros in IPv4 octets (also embedded in IPv6) and in
	 * prefix lengths, and read them as *decimal*: "010.1.1.1" is 10.1.1.1.
	 * This is Kubernetes' ParseIPSloppy/ParseCIDRSloppy compatibility mode;
	 * without it, leading zeros are an error (CVE-2021-29923).
	 */
	CIP_PARSE_LEGACY = 1u << 0,
	/** Prefixes: clear host bits instead of failing with CIP_EHOSTBITS. */
	CIP_PARSE_MASK = 1u << 1,
	/** Accept only IPv4; a valid IPv6 text fails with CIP_EFAMILY. */
	CIP_PARSE_IPV4_ONLY = 1u << 2,
	/** Accept only IPv6; a valid IPv4 text fails with CIP_EFAMILY. */
	CIP_PARSE_IPV6_ONLY = 1u << 3,
};

/**
 * Why a parse failed. The values are part of the ABI; new ones may be added.
 * The offset rules: an error inside an IPv4 octet (LEADING_ZERO,
 * OCTET_RANGE) points at the first character of the octet; TOO_FEW_PARTS and
 * an empty trailing part point at the end of the text; MISPLACED_IPV4 points
 * at the first character of the dotted quad; HOST_BITS and WRONG_FAMILY at
 * 0; every other reason at the first byte that cannot continue a valid text.
 * In a prefix the address part ends at the first '/', so "the end of the
 * text" there means the offset of that '/' ("10.0.0/8" is TOO_FEW_PARTS at
 * 6). A prefix is checked for syntax (length included) first, then for the
 * family, then for host bits.
 */
enum cip_parse_reason {
	CIP_PARSE_OK = 0,		 /**< no error */
	CIP_PARSE_EMPTY = 1,		 /**< the text is empty */
	CIP_PARSE_UNEXPECTED_CHAR = 2,	 /**< a character not allowed here */
	CIP_PARSE_NUL_BYTE = 3,		 /**< a NUL byte inside the text */
	CIP_PARSE_LEADING_ZERO = 4,	 /**< leading zero in an octet or length */
	CIP_PARSE_OCTET_RANGE = 5,	 /**< IPv4 octet above 255 */
	CIP_PARSE_TOO_FEW_PARTS = 6,	 /**< fewer than 4 octets or 8 groups */
	CIP_PARSE_TOO_MANY_PARTS = 7,	 /**< more than 4 octets or 8 groups */
	CIP_PARSE_EMPTY_PART = 8,	 /**< empty octet or group */
	CIP_PARSE_MULTIPLE_ELLIPSIS = 9, /**< more than one "::" */
	CIP_PARSE_GROUP_TOO_LONG = 10,	 /**< more than 4 hex digits in a group */
	CIP_PARSE_MISPLACED_IPV4 = 11,	 /**< dotted quad outside the last 32 bits */
	CIP_PARSE_ZONE = 12,		 /**< IPv6 zone ("%eth0") */
	CIP_PARSE_MISSING_LENGTH = 13,	 /**< no "/length" in a prefix */
	CIP_PARSE_BAD_LENGTH = 14,	 /**< prefix length is not plain decimal */
	CIP_PARSE_LENGTH_RANGE = 15,	 /**< prefix length above 32 or 128 */
	CIP_PARSE_HOST_BITS = 16,	 /**< prefix address has host bits set */
	CIP_PARSE_WRONG_FAMILY = 17,	 /**< valid, but not the family required */
	CIP_PARSE_PORT_RANGE = 18,	 /**< a port above 65535 */
	CIP_PARSE_PORT_ORDER = 19,	 /**< a port range whose end is below its start */
};

/**
 * Details of a parse failure (an output). Set `sz` to
 * `sizeof(cip_parse_error)` (or call cip_parse_error_init()) before the call;
 * the library writes only the fields that fit in `sz`, so a caller built
 * against an older, shorter version keeps working. Every parse call that
 * receives one writes it, `code` = 0 on success.
 */
typedef struct cip_parse_error {
	size_t sz;	    /**< set by the caller: sizeof(cip_parse_error) */
	int code;	    /**< the CIP_E* code the call returned */
	int reason;	    /**< an enum cip_parse_reason */
	size_t offset;	    /**< byte offset of the first bad character */
	cip_prefix network; /**< CIP_PARSE_HOST_BITS: the network it should be */
} cip_parse_error;

/**
 * @brief **cip_parse_error_init()** prepares a ::cip_parse_error.
 * @param err the struct to zero.
 * @param sz the caller's `sizeof(cip_parse_error)`.
 * @return 0; `CIP_EINVAL` if @p err is NULL or @p sz is smaller than the
 * first version of the struct (`offsetof(cip_parse_error, network)`) or
 * above `PTRDIFF_MAX`.
 * @since 0.1
 */
CIP_API int cip_parse_error_init(cip_parse_error *err, size_t sz);

/**
 * @brief **cip_parse_reason_string()** describes a parse reason.
 * @return a static English phrase such as "IPv4 octet above 255";
 * never NULL (unknown reasons give a generic phrase).
 * @since 0.1
 */
CIP_API const char *cip_parse_reason_string(int reason);

/** Text kinds for cip_text_capacity(). */
enum cip_text_kind {
	CIP_TEXT_ADDR = 1,	   /**< cip_addr_format(): CIP_ADDR_STRLEN */
	CIP_TEXT_PREFIX = 2,	   /**< cip_prefix_format(): CIP_PREFIX_STRLEN */
	CIP_TEXT_REVERSE_NAME = 3, /**< cip_addr_reverse_name(): CIP_REVERSE_NAME_STRLEN */
	CIP_TEXT_U128 = 4,	   /**< cip_u128_format(): CIP_U128_STRLEN */
};

/** Buffer capacity, NUL included, that holds any formatted address. */
#define CIP_ADDR_STRLEN 46
/** Buffer capacity, NUL included, that holds any formatted prefix. */
#define CIP_PREFIX_STRLEN 50
/** Buffer capacity, NUL included, that holds any reverse-DNS name. */
#define CIP_REVERSE_NAME_STRLEN 75

/**
 * @brief **cip_text_capacity()** gives the `CIP_*_STRLEN` constants at run
 * time, for bindings that cannot read macros.
 * @param kind an enum cip_text_kind.
 * @return the capacity in bytes, NUL included; 0 for an unknown kind.
 * @since 0.1
 */
CIP_API size_t cip_text_capacity(int kind);

/* ------------------------------------------------------------------ */
/* Addresses                                                          */
/* ------------------------------------------------------------------ */

/**
 * @brief **cip_addr_parse()** parses an IPv4 or IPv6 address, strictly.
 *
 * IPv4: exactly four decimal octets 0–255 separated by '.', no leading zeros
 * (unless CIP_PARSE_LEGACY), no signs, spaces, hex or trailing bytes.
 * IPv6: the three forms of RFC 4291 §2.2: eight groups of 1–4 hex digits
 * (either case), at most one "::" standing for one or more zero groups, and
 * a dotted quad (strict octets) only as the last 32 bits. A zone ("%eth0")
 * fails with `CIP_EZONE`: service addresses never carry one. The family is
 * chosen by the first separator: '.' before any ':' means IPv4.
 * "::ffff:1.2.3.4" stays an IPv6 (IPv4-mapped) address; see cip_addr_unmap().
 *
 * @param out receives the address; unchanged on failure.
 * @param text the text; need not be NUL-terminated.
 * @param len its length in bytes.
 * @param flags CIP_PARSE_LEGACY, CIP_PARSE_IPV4_ONLY or CIP_PARSE_IPV6_ONLY
 * (CIP_PARSE_MASK is accepted and has no effect on addresses).
 * @param err optional details of a failure (may be NULL).
 * @return 0; `CIP_EINVAL` (NULL @p out or @p text, @p len above
 * `PTRDIFF_MAX`, unknown flags, both *_ONLY flags, or an @p err whose `sz`
 * is too small); `CIP_ESYNTAX`;
 * `CIP_EZONE`; `CIP_EFAMILY` (valid text of the excluded family).
 * @since 0.1
 */
CIP_API int cip_addr_parse(cip_addr *out, const char *text, size_t len, unsigned flags,
			   cip_parse_error *err);

/**
 * @brief **cip_addr_format()** writes an address in canonical text.
 *
 * IPv4 as a dotted quad; IPv6 per RFC 5952: lower case, no leading zeros,
 * the longest run of two or more zero groups compressed to "::" (the first
 * on a tie), a single zero group not compressed, and IPv4-mapped addresses
 * as "::ffff:a.b.c.d".
 *
 * @param a the address.
 * @param buf receives the text and a terminating NUL.
 * @param cap capacity of @p buf; CIP_ADDR_STRLEN is always enough.
 * @return the text length (without the NUL); `CIP_EINVAL` (NULL or invalid
 * @p a, NULL @p buf); `CIP_EBUFSIZE` (@p buf is then not written).
 * @since 0.1
 */
CIP_API int cip_addr_format(const cip_addr *a, char *buf, size_t cap);

/**
 * @brief **cip_addr_from_bytes()** builds an address from raw bytes.
 * @param out receives the address.
 * @param family CIP_FAMILY_IPV4 or CIP_FAMILY_IPV6.
 * @param bytes the address in network byte order.
 * @param len 4 for IPv4, 16 for IPv6.
 * @return 0; `CIP_EINVAL` (NULL pointer, unknown family, wrong @p len).
 * @since 0.1
 */
CIP_API int cip_addr_from_bytes(cip_addr *out, int family, const uint8_t *bytes, size_t len);

/**
 * @brief **cip_addr_family()** returns the family of an address.
 * @return CIP_FAMILY_IPV4 or CIP_FAMILY_IPV6; `CIP_EINVAL` if @p a is NULL
 * or invalid.
 * @since 0.1
 */
CIP_API int cip_addr_family(const cip_addr *a);

/**
 * @brief **cip_addr_compare()** orders two addresses.
 *
 * A total order usable as a sort comparator: NULL first, then invalid
 * addresses (by their bytes), then IPv4 before IPv6, then by numeric value.
 * @return -1, 0 or 1 as @p a sorts before, with or after @p b.
 * @since 0.1
 */
CIP_API int cip_addr_compare(const cip_addr *a, const cip_addr *b);

/**
 * @brief **cip_addr_equal()** tests two addresses for equality.
 * @return 1 when both are valid, of the same family and value; 0 otherwise
 * (a NULL or invalid address equals nothing).
 * @since 0.1
 */
CIP_API int cip_addr_equal(const cip_addr *a, const cip_addr *b);

/**
 * @brief **cip_addr_is_v4_mapped()** tests for an IPv4-mapped IPv6 address
 * (::ffff:0:0/96).
 * @return 1 or 0; `CIP_EINVAL` if @p a is NULL or invalid.
 * @since 0.1
 */
CIP_API int cip_addr_is_v4_mapped(const cip_addr *a);

/**
 * @brief **cip_addr_unmap()** turns an IPv4-mapped IPv6 address into IPv4.
 * @param out receives the IPv4 address, or a copy of @p a when @p a is not
 * IPv4-mapped. @p out may equal @p a.
 * @return 0; `CIP_EINVAL` (NULL or invalid argument).
 * @since 0.1
 */
CIP_API int cip_addr_unmap(cip_addr *out, const cip_addr *a);

/**
 * @brief **cip_addr_add()** adds an unsigned 128-bit offset to an address.
 * @param out receives `a + off`; may equal @p a.
 * @return 0; `CIP_EINVAL`; `CIP_EOVERFLOW` when the result would leave the
 * family (beyond 255.255.255.255 or ffff:…:ffff), @p out unchanged.
 * @since 0.1
 */
CIP_API int cip_addr_add(cip_addr *out, const cip_addr *a, const cip_u128 *off);

/**
 * @brief **cip_addr_sub()** subtracts an unsigned 128-bit offset.
 * @param out receives `a - off`; may equal @p a.
 * @return 0; `CIP_EINVAL`; `CIP_EOVERFLOW` when the result would be below
 * 0.0.0.0 or ::, @p out unchanged.
 * @since 0.1
 */
CIP_API int cip_addr_sub(cip_addr *out, const cip_addr *a, const cip_u128 *off);

/**
 * @brief **cip_addr_offset()** gives the distance between two addresses.
 * @param out receives `to - from`.
 * @return 0; `CIP_EINVAL`; `CIP_EFAMILY` (different families);
 * `CIP_ERANGE` (@p to is below @p from).
 * @since 0.1
 */
CIP_API int cip_addr_offset(cip_u128 *out, const cip_addr *from, const cip_addr *to);

/** Flags of cip_addr_reverse_name(). */
enum cip_name_flags {
	/** End the name with a '.' (a fully-qualified DNS name). */
	CIP_NAME_FQDN = 1u << 0,
};

/**
 * @brief **cip_addr_reverse_name()** writes the reverse-DNS (PTR) name.
 *
 * IPv4 a.b.c.d gives "d.c.b.a.in-addr.arpa"; IPv6 gives the 32 nibbles of
 * the full address in reverse order, lower case, then "ip6.arpa" (e.g.
 * "1.0.0.0.…8.b.d.0.1.0.0.2.ip6.arpa" for 2001:db8::1).
 *
 * @param a the address.
 * @param flags 0 or CIP_NAME_FQDN.
 * @param buf receives the name and a NUL.
 * @param cap capacity; CIP_REVERSE_NAME_STRLEN is always enough.
 * @return the name length; `CIP_EINVAL`; `CIP_EBUFSIZE` (@p buf untouched).
 * @since 0.1
 */
CIP_API int cip_addr_reverse_name(const cip_addr *a, unsigned flags, char *buf, size_t cap);

/* ------------------------------------------------------------------ */
/* Prefixes                                                           */
/* ------------------------------------------------------------------ */

/**
 * @brief **cip_prefix_parse()** parses "address/length".
 *
 * The address follows cip_addr_parse(); the length is decimal, 0–32 for IPv4
 * and 0–128 for IPv6, with no sign and no leading zeros (unless
 * CIP_PARSE_LEGACY). An address with host bits set fails with
 * `CIP_EHOSTBITS`, and @p err->network names the network it should have
 * been; with CIP_PARSE_MASK the host bits are cleared instead (Kubernetes'
 * ParseCIDRSloppy).
 *
 * @param out receives the prefix; unchanged on failure.
 * @return 0; `CIP_EINVAL`; `CIP_ESYNTAX`; `CIP_EZONE`; `CIP_EFAMILY`;
 * `CIP_EHOSTBITS`.
 * @since 0.1
 */
CIP_API int cip_prefix_parse(cip_prefix *out, const char *text, size_t len, unsigned flags,
			     cip_parse_error *err);

/**
 * @brief **cip_prefix_format()** writes "address/length" in canonical form.
 * @param cap capacity of @p buf; CIP_PREFIX_STRLEN is always enough.
 * @return the text length; `CIP_EINVAL` (NULL or invalid prefix);
 * `CIP_EBUFSIZE` (@p buf untouched).
 * @since 0.1
 */
CIP_API int cip_prefix_format(const cip_prefix *p, char *buf, size_t cap);

/**
 * @brief **cip_prefix_from_addr()** builds a prefix from an address and a
 * length.
 * @param flags 0, or CIP_PARSE_MASK to clear host bits of @p a.
 * @return 0; `CIP_EINVAL` (NULL or invalid address, length above the
 * family's, unknown flags); `CIP_EHOSTBITS` (host bits set without
 * CIP_PARSE_MASK).
 * @since 0.1
 */
CIP_API int cip_prefix_from_addr(cip_prefix *out, const cip_addr *a, unsigned len, unsigned flags);

/**
 * @brief **cip_prefix_contains()** tests whether a prefix holds an address.
 * @return 1 or 0 (0 when the families differ); `CIP_EINVAL` if either
 * argument is NULL or invalid.
 * @since 0.1
 */
CIP_API int cip_prefix_contains(const cip_prefix *p, const cip_addr *a);

/**
 * @brief **cip_prefix_overlaps()** tests whether two prefixes share any
 * address (one then contains the other).
 * @return 1 or 0 (0 when the families differ); `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_prefix_overlaps(const cip_prefix *a, const cip_prefix *b);

/**
 * @brief **cip_prefix_network()** gives the first address of a prefix.
 * @return 0; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_prefix_network(cip_addr *out, const cip_prefix *p);

/**
 * @brief **cip_prefix_last()** gives the last address of a prefix (the IPv4
 * broadcast address, or the all-ones IPv6 address of the prefix).
 * @return 0; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_prefix_last(cip_addr *out, const cip_prefix *p);

/**
 * @brief **cip_prefix_size()** gives the number of addresses, 2^(host bits).
 * @return 0; `CIP_EINVAL`; `CIP_EOVERFLOW` for ::/0, whose 2^128 addresses
 * do not fit in 128 bits.
 * @since 0.1
 */
CIP_API int cip_prefix_size(cip_u128 *out, const cip_prefix *p);

/**
 * @brief **cip_prefix_nth()** gives the address at offset @p n of a prefix
 * (0 is the network address).
 * @return 0; `CIP_EINVAL`; `CIP_ERANGE` when @p n is not below the size.
 * @since 0.1
 */
CIP_API int cip_prefix_nth(cip_addr *out, const cip_prefix *p, const cip_u128 *n);

/**
 * @brief **cip_prefix_offset_of()** gives the offset of an address inside a
 * prefix, the inverse of cip_prefix_nth().
 * @return 0; `CIP_EINVAL`; `CIP_EFAMILY` (families differ); `CIP_ERANGE`
 * (the address is outside the prefix).
 * @since 0.1
 */
CIP_API int cip_prefix_offset_of(cip_u128 *out, const cip_prefix *p, const cip_addr *a);

/* ------------------------------------------------------------------ */
/* Kubernetes service-range facts                                     */
/* ------------------------------------------------------------------ */

/** Flags of the cip_service_range_* functions. */
enum cip_range_flags {
	/**
	 * Cap an IPv6 range at the first 65535 usable addresses, as the
	 * Kubernetes bitmap allocator (--service-cluster-ip-range) does. Without
	 * it the whole prefix is usable, as in the IPAddress/ServiceCIDR
	 * allocator.
	 */
	CIP_RANGE_LEGACY_CAP = 1u << 0,
};

/**
 * @brief **cip_service_range_usable()** gives how many addresses of a
 * service CIDR Kubernetes can allocate.
 *
 * IPv4: 2^h − 2 (network and broadcast excluded); IPv6: 2^h − 1 (only the
 * network excluded; the all-ones address is usable); never below 0. With
 * CIP_RANGE_LEGACY_CAP an IPv6 count is capped at 65535. Unlike Kubernetes'
 * RangeSize, no prefix length saturates or wraps: ::/0 gives 2^128 − 1.
 * @param flags 0 or CIP_RANGE_LEGACY_CAP.
 * @return 0; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_service_range_usable(cip_u128 *out, const cip_prefix *p, unsigned flags);

/**
 * @brief **cip_service_range_first()** gives the first allocatable address
 * (the network address + 1).
 * @return 0; `CIP_EINVAL`; `CIP_ERANGE` when nothing is usable (IPv4 /31 and
 * /32, IPv6 /128).
 * @since 0.1
 */
CIP_API int cip_service_range_first(cip_addr *out, const cip_prefix *p, unsigned flags);

/**
 * @brief **cip_service_range_last()** gives the last allocatable address
 * (IPv4: broadcast − 1; IPv6: the last address, or network + 65535 with
 * CIP_RANGE_LEGACY_CAP when the prefix is larger).
 * @return 0; `CIP_EINVAL`; `CIP_ERANGE` when nothing is usable.
 * @since 0.1
 */
CIP_API int cip_service_range_last(cip_addr *out, const cip_prefix *p, unsigned flags);

/**
 * @brief **cip_service_range_static_band()** gives the size of the static
 * (reserved) band of a service CIDR, KEP-3070: `min(max(16, 2^h/16), 256)`,
 * and 0 when 2^h ≤ 16. The band is the first that many usable addresses;
 * dynamic allocation prefers the addresses above it.
 * @return the band size, 0–256; `CIP_EINVAL`.
 * @since 0.1
 */
CIP_API int cip_service_range_static_band(const cip_prefix *p);

/**
 * @brief **cip_node_port_static_band()** gives the size of the static band
 * of a node-port range of @p size ports, KEP-3668:
 * `clamp(size/32, 16, 128)`, and 0 when size ≤ 16.
 * @param size the number of ports in the range, 1–65536.
 * @return the band size, 0–128; `CIP_EINVAL` when @p size is 0 or above
 * 65536.
 * @since 0.1
 */
CIP_API int cip_node_port_static_band(uint32_t size);

#ifdef __cplusplus
}
#endif

#endif /* CLUSTERIP_ADDR_H */
