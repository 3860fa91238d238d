// SPDX-License-Identifier: Apache-2.0

package clusterip

/*
#include <clusterip/clusterip.h>
#include <stdlib.h>
*/
import "C"

import (
	"net/netip"
	"unsafe"
)

// ParseFlags change how addresses and prefixes are parsed.
type ParseFlags uint

// Parse flags (enum cip_parse_flags).
const (
	// ParseLegacy accepts leading zeros in IPv4 octets and prefix lengths,
	// read as decimal (Kubernetes' ParseIPSloppy/ParseCIDRSloppy).
	ParseLegacy ParseFlags = C.CIP_PARSE_LEGACY
	// ParseMask clears the host bits of a prefix instead of failing.
	ParseMask ParseFlags = C.CIP_PARSE_MASK
	// ParseIPv4Only accepts only IPv4 (IPv6 text gives ErrFamily).
	ParseIPv4Only ParseFlags = C.CIP_PARSE_IPV4_ONLY
	// ParseIPv6Only accepts only IPv6 (IPv4 text gives ErrFamily).
	ParseIPv6Only ParseFlags = C.CIP_PARSE_IPV6_ONLY
)

// RangeFlags of the service-range functions.
type RangeFlags uint

// LegacyCap caps an IPv6 range at its first 65535 usable addresses, as the
// Kubernetes bitmap allocator does.
const LegacyCap RangeFlags = C.CIP_RANGE_LEGACY_CAP

// addrToC converts a netip.Addr: a 4-byte address is IPv4, a 16-byte one
// (IPv4-mapped included) IPv6. Zones are refused (ErrZone), the zero Addr is
// ErrInvalid.
func addrToC(a netip.Addr) (C.cip_addr, error) {
	var c C.cip_addr
	switch {
	case !a.IsValid():
		return c, newError(C.CIP_EINVAL)
	case a.Zone() != "":
		return c, newError(C.CIP_EZONE)
	case a.Is4():
		b := a.As4()
		c.family = C.CIP_FAMILY_IPV4
		for i := 0; i < 4; i++ {
			c.bytes[12+i] = C.uint8_t(b[i])
		}
	default:
		b := a.As16()
		c.family = C.CIP_FAMILY_IPV6
		for i := 0; i < 16; i++ {
			c.bytes[i] = C.uint8_t(b[i])
		}
	}
	return c, nil
}

func addrFromC(c *C.cip_addr) netip.Addr {
	var b [16]byte
	for i := 0; i < 16; i++ {
		b[i] = byte(c.bytes[i])
	}
	switch c.family {
	case C.CIP_FAMILY_IPV4:
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	case C.CIP_FAMILY_IPV6:
		return netip.AddrFrom16(b)
	}
	return netip.Addr{}
}

// prefixToC converts a netip.Prefix. Host bits must be clear (ErrHostBits),
// as the library requires of every prefix.
func prefixToC(p netip.Prefix) (C.cip_prefix, error) {
	var c C.cip_prefix
	if !p.IsValid() {
		return c, newError(C.CIP_EINVAL)
	}
	a, err := addrToC(p.Addr())
	if err != nil {
		return c, err
	}
	rc := C.cip_prefix_from_addr(&c, &a, C.uint(p.Bits()), 0)
	return c, codeErr(rc)
}

func prefixFromC(c *C.cip_prefix) (netip.Prefix, error) {
	a := addrFromC(&c.addr)
	if !a.IsValid() {
		return netip.Prefix{}, newError(C.CIP_EINVAL)
	}
	return netip.PrefixFrom(a, int(c.len)), nil
}

// cText is a Go string copied into C memory with its length; free it.
type cText struct {
	p *C.char
	n C.size_t
}

func newCText(s string) cText { return cText{C.CString(s), C.size_t(len(s))} }
func (t cText) free()         { C.free(unsafe.Pointer(t.p)) }

func newParseError() C.cip_parse_error {
	var pe C.cip_parse_error
	C.cip_parse_error_init(&pe, C.size_t(unsafe.Sizeof(pe)))
	return pe
}

// ParseAddr parses an IPv4 or IPv6 address strictly (no zones, no leading
// zeros); IPv4-mapped text stays IPv6. Failures are *ParseError.
func ParseAddr(s string) (netip.Addr, error) { return ParseAddrFlags(s, 0) }

// ParseAddrFlags is ParseAddr with flags (ParseLegacy, ParseIPv4Only, ...).
func ParseAddrFlags(s string, flags ParseFlags) (netip.Addr, error) {
	t := newCText(s)
	defer t.free()
	pe := newParseError()
	var out C.cip_addr
	rc := C.cip_addr_parse(&out, t.p, t.n, C.uint(flags), &pe)
	if err := parseErr(s, rc, &pe); err != nil {
		return netip.Addr{}, err
	}
	return addrFromC(&out), nil
}

// ParsePrefix parses "address/length" strictly: host bits must be clear
// (ErrHostBits, with ParseError.Network set to the right network).
func ParsePrefix(s string) (netip.Prefix, error) { return ParsePrefixFlags(s, 0) }

// ParsePrefixFlags is ParsePrefix with flags (ParseMask, ParseLegacy, ...).
func ParsePrefixFlags(s string, flags ParseFlags) (netip.Prefix, error) {
	t := newCText(s)
	defer t.free()
	pe := newParseError()
	var out C.cip_prefix
	rc := C.cip_prefix_parse(&out, t.p, t.n, C.uint(flags), &pe)
	if err := parseErr(s, rc, &pe); err != nil {
		return netip.Prefix{}, err
	}
	return prefixFromC(&out)
}

// FormatAddr writes an address in canonical text (RFC 5952 for IPv6,
// IPv4-mapped as "::ffff:a.b.c.d").
func FormatAddr(a netip.Addr) (string, error) {
	c, err := addrToC(a)
	if err != nil {
		return "", err
	}
	var buf [C.CIP_ADDR_STRLEN]C.char
	n := C.cip_addr_format(&c, &buf[0], C.size_t(len(buf)))
	if n < 0 {
		return "", codeErr(n)
	}
	return C.GoStringN(&buf[0], n), nil
}

// FormatPrefix writes "address/length" in canonical form.
func FormatPrefix(p netip.Prefix) (string, error) {
	c, err := prefixToC(p)
	if err != nil {
		return "", err
	}
	var buf [C.CIP_PREFIX_STRLEN]C.char
	n := C.cip_prefix_format(&c, &buf[0], C.size_t(len(buf)))
	if n < 0 {
		return "", codeErr(n)
	}
	return C.GoStringN(&buf[0], n), nil
}

// NameFlags of ReverseName.
type NameFlags uint

// FQDN ends a name with a dot.
const FQDN NameFlags = C.CIP_NAME_FQDN

// ReverseName gives the reverse-DNS (PTR) name of an address.
func ReverseName(a netip.Addr, flags NameFlags) (string, error) {
	c, err := addrToC(a)
	if err != nil {
		return "", err
	}
	var buf [C.CIP_REVERSE_NAME_STRLEN]C.char
	n := C.cip_addr_reverse_name(&c, C.uint(flags), &buf[0], C.size_t(len(buf)))
	if n < 0 {
		return "", codeErr(n)
	}
	return C.GoStringN(&buf[0], n), nil
}

// TextKind names a text buffer size for TextCapacity.
type TextKind int

// Text kinds.
const (
	TextAddr        TextKind = C.CIP_TEXT_ADDR
	TextPrefix      TextKind = C.CIP_TEXT_PREFIX
	TextReverseName TextKind = C.CIP_TEXT_REVERSE_NAME
	TextU128        TextKind = C.CIP_TEXT_U128
)

// TextCapacity gives the library's buffer capacity (NUL included) for a kind
// of text; 0 for an unknown kind.
func TextCapacity(k TextKind) int { return int(C.cip_text_capacity(C.int(k))) }

// AddrFamily gives the family of an address as the library sees it (an
// IPv4-mapped address is IPv6).
func AddrFamily(a netip.Addr) (Family, error) {
	c, err := addrToC(a)
	if err != nil {
		return 0, err
	}
	rc := C.cip_addr_family(&c)
	if rc < 0 {
		return 0, codeErr(rc)
	}
	return Family(rc), nil
}

// AddrFromBytes builds an address from 4 (IPv4) or 16 (IPv6) bytes.
func AddrFromBytes(f Family, b []byte) (netip.Addr, error) {
	var out C.cip_addr
	var tmp [16]C.uint8_t
	if len(b) > len(tmp) {
		return netip.Addr{}, newError(C.CIP_EINVAL)
	}
	for i, v := range b {
		tmp[i] = C.uint8_t(v)
	}
	if rc := C.cip_addr_from_bytes(&out, C.int(f), &tmp[0], C.size_t(len(b))); rc < 0 {
		return netip.Addr{}, codeErr(rc)
	}
	return addrFromC(&out), nil
}

// CompareAddr orders addresses as the library does (IPv4 before IPv6, then
// by value): -1, 0 or 1.
func CompareAddr(a, b netip.Addr) (int, error) {
	ca, err := addrToC(a)
	if err != nil {
		return 0, err
	}
	cb, err := addrToC(b)
	if err != nil {
		return 0, err
	}
	return int(C.cip_addr_compare(&ca, &cb)), nil
}

// EqualAddr tells whether two addresses are of the same family and value.
func EqualAddr(a, b netip.Addr) bool {
	ca, err1 := addrToC(a)
	cb, err2 := addrToC(b)
	if err1 != nil || err2 != nil {
		return false
	}
	return C.cip_addr_equal(&ca, &cb) == 1
}

// IsV4Mapped tells whether a is an IPv4-mapped IPv6 address.
func IsV4Mapped(a netip.Addr) (bool, error) {
	c, err := addrToC(a)
	if err != nil {
		return false, err
	}
	rc := C.cip_addr_is_v4_mapped(&c)
	if rc < 0 {
		return false, codeErr(rc)
	}
	return rc == 1, nil
}

// Unmap turns an IPv4-mapped address into IPv4; other addresses are returned
// as they are.
func Unmap(a netip.Addr) (netip.Addr, error) {
	c, err := addrToC(a)
	if err != nil {
		return netip.Addr{}, err
	}
	var out C.cip_addr
	if rc := C.cip_addr_unmap(&out, &c); rc < 0 {
		return netip.Addr{}, codeErr(rc)
	}
	return addrFromC(&out), nil
}

// AddrAdd gives a + off; ErrOverflow past the end of the family.
func AddrAdd(a netip.Addr, off U128) (netip.Addr, error) {
	c, err := addrToC(a)
	if err != nil {
		return netip.Addr{}, err
	}
	co := off.c()
	var out C.cip_addr
	if rc := C.cip_addr_add(&out, &c, &co); rc < 0 {
		return netip.Addr{}, codeErr(rc)
	}
	return addrFromC(&out), nil
}

// AddrSub gives a - off; ErrOverflow below the first address.
func AddrSub(a netip.Addr, off U128) (netip.Addr, error) {
	c, err := addrToC(a)
	if err != nil {
		return netip.Addr{}, err
	}
	co := off.c()
	var out C.cip_addr
	if rc := C.cip_addr_sub(&out, &c, &co); rc < 0 {
		return netip.Addr{}, codeErr(rc)
	}
	return addrFromC(&out), nil
}

// AddrOffset gives to - from; ErrFamily for different families, ErrRange
// when to is below from.
func AddrOffset(from, to netip.Addr) (U128, error) {
	cf, err := addrToC(from)
	if err != nil {
		return U128{}, err
	}
	ct, err := addrToC(to)
	if err != nil {
		return U128{}, err
	}
	var out C.cip_u128
	if rc := C.cip_addr_offset(&out, &cf, &ct); rc < 0 {
		return U128{}, codeErr(rc)
	}
	return u128From(out), nil
}

// PrefixFromAddr builds a prefix of bits length from a; with ParseMask the
// host bits are cleared, otherwise they give ErrHostBits.
func PrefixFromAddr(a netip.Addr, bits int, flags ParseFlags) (netip.Prefix, error) {
	c, err := addrToC(a)
	if err != nil {
		return netip.Prefix{}, err
	}
	if bits < 0 {
		return netip.Prefix{}, newError(C.CIP_EINVAL)
	}
	var out C.cip_prefix
	if rc := C.cip_prefix_from_addr(&out, &c, C.uint(bits), C.uint(flags)); rc < 0 {
		return netip.Prefix{}, codeErr(rc)
	}
	return prefixFromC(&out)
}

// PrefixContains tells whether p holds a (false across families).
func PrefixContains(p netip.Prefix, a netip.Addr) (bool, error) {
	cp, err := prefixToC(p)
	if err != nil {
		return false, err
	}
	ca, err := addrToC(a)
	if err != nil {
		return false, err
	}
	rc := C.cip_prefix_contains(&cp, &ca)
	if rc < 0 {
		return false, codeErr(rc)
	}
	return rc == 1, nil
}

// PrefixOverlaps tells whether two prefixes share an address.
func PrefixOverlaps(a, b netip.Prefix) (bool, error) {
	ca, err := prefixToC(a)
	if err != nil {
		return false, err
	}
	cb, err := prefixToC(b)
	if err != nil {
		return false, err
	}
	rc := C.cip_prefix_overlaps(&ca, &cb)
	if rc < 0 {
		return false, codeErr(rc)
	}
	return rc == 1, nil
}

func prefixAddr(p netip.Prefix, which int) (netip.Addr, error) {
	c, err := prefixToC(p)
	if err != nil {
		return netip.Addr{}, err
	}
	var out C.cip_addr
	var rc C.int
	if which == 0 {
		rc = C.cip_prefix_network(&out, &c)
	} else {
		rc = C.cip_prefix_last(&out, &c)
	}
	if rc < 0 {
		return netip.Addr{}, codeErr(rc)
	}
	return addrFromC(&out), nil
}

// PrefixNetwork gives the first address of p.
func PrefixNetwork(p netip.Prefix) (netip.Addr, error) { return prefixAddr(p, 0) }

// PrefixLast gives the last address of p.
func PrefixLast(p netip.Prefix) (netip.Addr, error) { return prefixAddr(p, 1) }

// PrefixSize gives the number of addresses of p; ErrOverflow for ::/0.
func PrefixSize(p netip.Prefix) (U128, error) {
	c, err := prefixToC(p)
	if err != nil {
		return U128{}, err
	}
	var out C.cip_u128
	if rc := C.cip_prefix_size(&out, &c); rc < 0 {
		return U128{}, codeErr(rc)
	}
	return u128From(out), nil
}

// PrefixNth gives the address at offset n of p; ErrRange past the end.
func PrefixNth(p netip.Prefix, n U128) (netip.Addr, error) {
	c, err := prefixToC(p)
	if err != nil {
		return netip.Addr{}, err
	}
	cn := n.c()
	var out C.cip_addr
	if rc := C.cip_prefix_nth(&out, &c, &cn); rc < 0 {
		return netip.Addr{}, codeErr(rc)
	}
	return addrFromC(&out), nil
}

// PrefixOffsetOf gives the offset of a in p; ErrRange outside it.
func PrefixOffsetOf(p netip.Prefix, a netip.Addr) (U128, error) {
	cp, err := prefixToC(p)
	if err != nil {
		return U128{}, err
	}
	ca, err := addrToC(a)
	if err != nil {
		return U128{}, err
	}
	var out C.cip_u128
	if rc := C.cip_prefix_offset_of(&out, &cp, &ca); rc < 0 {
		return U128{}, codeErr(rc)
	}
	return u128From(out), nil
}

// ServiceRangeUsable gives how many addresses of a service CIDR Kubernetes
// can allocate.
func ServiceRangeUsable(p netip.Prefix, flags RangeFlags) (U128, error) {
	c, err := prefixToC(p)
	if err != nil {
		return U128{}, err
	}
	var out C.cip_u128
	if rc := C.cip_service_range_usable(&out, &c, C.uint(flags)); rc < 0 {
		return U128{}, codeErr(rc)
	}
	return u128From(out), nil
}

func serviceRangeEnd(p netip.Prefix, flags RangeFlags, last bool) (netip.Addr, error) {
	c, err := prefixToC(p)
	if err != nil {
		return netip.Addr{}, err
	}
	var out C.cip_addr
	var rc C.int
	if last {
		rc = C.cip_service_range_last(&out, &c, C.uint(flags))
	} else {
		rc = C.cip_service_range_first(&out, &c, C.uint(flags))
	}
	if rc < 0 {
		return netip.Addr{}, codeErr(rc)
	}
	return addrFromC(&out), nil
}

// ServiceRangeFirst gives the first allocatable address; ErrRange when
// nothing is usable.
func ServiceRangeFirst(p netip.Prefix, flags RangeFlags) (netip.Addr, error) {
	return serviceRangeEnd(p, flags, false)
}

// ServiceRangeLast gives the last allocatable address; ErrRange when nothing
// is usable.
func ServiceRangeLast(p netip.Prefix, flags RangeFlags) (netip.Addr, error) {
	return serviceRangeEnd(p, flags, true)
}

// ServiceRangeStaticBand gives the size of the static band of a service
// CIDR (KEP-3070).
func ServiceRangeStaticBand(p netip.Prefix) (int, error) {
	c, err := prefixToC(p)
	if err != nil {
		return 0, err
	}
	rc := C.cip_service_range_static_band(&c)
	if rc < 0 {
		return 0, codeErr(rc)
	}
	return int(rc), nil
}

// NodePortStaticBand gives the size of the static band of a node-port range
// of size ports (KEP-3668); ErrInvalid for 0 or above 65536.
func NodePortStaticBand(size uint32) (int, error) {
	rc := C.cip_node_port_static_band(C.uint32_t(size))
	if rc < 0 {
		return 0, codeErr(rc)
	}
	return int(rc), nil
}
