// SPDX-License-Identifier: Apache-2.0

package clusterip

import (
	"errors"
	"net/netip"
	"testing"
)

func mustAddr(t testing.TB, s string) netip.Addr {
	t.Helper()
	a, err := ParseAddr(s)
	if err != nil {
		t.Fatalf("ParseAddr(%q): %v", s, err)
	}
	return a
}

func mustPrefix(t testing.TB, s string) netip.Prefix {
	t.Helper()
	p, err := ParsePrefix(s)
	if err != nil {
		t.Fatalf("ParsePrefix(%q): %v", s, err)
	}
	return p
}

func TestParseAddr(t *testing.T) {
	for _, c := range []struct{ in, out string }{
		{"10.0.0.1", "10.0.0.1"},
		{"2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
		{"::ffff:1.2.3.4", "::ffff:1.2.3.4"},
		{"::", "::"},
	} {
		a := mustAddr(t, c.in)
		if a.String() != c.out {
			t.Errorf("%q -> %v", c.in, a)
		}
		f, err := FormatAddr(a)
		if err != nil || f != c.out {
			t.Errorf("FormatAddr(%v) = %q, %v", a, f, err)
		}
	}
	if a := mustAddr(t, "::ffff:1.2.3.4"); !a.Is6() || !a.Is4In6() {
		t.Fatal("mapped address must stay IPv6")
	}
	for _, c := range []struct {
		in     string
		flags  ParseFlags
		err    error
		reason ParseReason
		offset int
	}{
		{"010.1.1.1", 0, ErrSyntax, ReasonLeadingZero, 0},
		{"1.2.3.256", 0, ErrSyntax, ReasonOctetRange, 6},
		{"1.2.3", 0, ErrSyntax, ReasonTooFewParts, 5},
		{"", 0, ErrSyntax, ReasonEmpty, 0},
		{"1.2.3.4\x00", 0, ErrSyntax, ReasonNulByte, 7},
		{"fe80::1%eth0", 0, ErrZone, ReasonZone, 7},
		{"1::2::3", 0, ErrSyntax, ReasonMultipleEllipsis, 4},
		{"::1", ParseIPv4Only, ErrFamily, ReasonWrongFamily, 0},
		{"1.2.3.4", ParseIPv6Only, ErrFamily, ReasonWrongFamily, 0},
		{"1.2.3.4", ParseIPv4Only | ParseIPv6Only, ErrInvalid, 0, 0},
	} {
		_, err := ParseAddrFlags(c.in, c.flags)
		if !errors.Is(err, c.err) {
			t.Errorf("%q: %v, want %v", c.in, err, c.err)
			continue
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%q: not a *ParseError: %T", c.in, err)
			continue
		}
		if c.reason != 0 && (pe.Reason != c.reason || pe.Offset != c.offset) {
			t.Errorf("%q: reason %v offset %d, want %v at %d", c.in, pe.Reason, pe.Offset, c.reason, c.offset)
		}
		if pe.Input != c.in || pe.Error() == "" {
			t.Errorf("%q: %+v", c.in, pe)
		}
	}
	a, err := ParseAddrFlags("010.001.1.1", ParseLegacy)
	if err != nil || a != netip.MustParseAddr("10.1.1.1") {
		t.Fatalf("legacy: %v %v", a, err)
	}
	if ReasonOctetRange.String() == "" || ReasonOctetRange.String() == ReasonZone.String() {
		t.Fatal("reason texts")
	}
}

func TestParsePrefix(t *testing.T) {
	p := mustPrefix(t, "10.96.0.0/12")
	if p != netip.MustParsePrefix("10.96.0.0/12") {
		t.Fatal(p)
	}
	_, err := ParsePrefix("10.96.0.1/12")
	var pe *ParseError
	if !errors.Is(err, ErrHostBits) || !errors.As(err, &pe) || pe.Reason != ReasonHostBits ||
		pe.Network != netip.MustParsePrefix("10.96.0.0/12") {
		t.Fatalf("host bits: %v %+v", err, pe)
	}
	if p, err := ParsePrefixFlags("10.96.0.1/12", ParseMask); err != nil || p.String() != "10.96.0.0/12" {
		t.Fatalf("mask: %v %v", p, err)
	}
	if _, err := ParsePrefix("10.0.0.0"); !errors.As(err, &pe) || pe.Reason != ReasonMissingLength {
		t.Fatalf("missing length: %v", err)
	}
	if _, err := ParsePrefix("10.0.0.0/33"); !errors.As(err, &pe) || pe.Reason != ReasonLengthRange {
		t.Fatalf("length range: %v", err)
	}
	s, err := FormatPrefix(netip.MustParsePrefix("2001:DB8::/32"))
	if err != nil || s != "2001:db8::/32" {
		t.Fatal(s, err)
	}
	if _, err := FormatPrefix(netip.MustParsePrefix("10.0.0.1/8")); !errors.Is(err, ErrHostBits) {
		t.Fatalf("format with host bits: %v", err)
	}
	if _, err := FormatPrefix(netip.Prefix{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("zero prefix: %v", err)
	}
}

func TestAddrFunctions(t *testing.T) {
	v4 := mustAddr(t, "10.0.0.1")
	v6 := mustAddr(t, "2001:db8::1")
	mapped := mustAddr(t, "::ffff:10.0.0.1")

	if _, err := FormatAddr(netip.Addr{}); !errors.Is(err, ErrInvalid) {
		t.Fatal(err)
	}
	if _, err := FormatAddr(netip.MustParseAddr("fe80::1%eth0")); !errors.Is(err, ErrZone) {
		t.Fatal(err)
	}
	if f, err := AddrFamily(v4); err != nil || f != IPv4 {
		t.Fatal(f, err)
	}
	if f, err := AddrFamily(mapped); err != nil || f != IPv6 || f.String() != "IPv6" {
		t.Fatal(f, err)
	}
	if a, err := AddrFromBytes(IPv4, []byte{10, 0, 0, 1}); err != nil || a != v4 {
		t.Fatal(a, err)
	}
	if _, err := AddrFromBytes(IPv4, []byte{10, 0, 0}); !errors.Is(err, ErrInvalid) {
		t.Fatal(err)
	}
	if c, err := CompareAddr(v4, v6); err != nil || c != -1 {
		t.Fatal(c, err)
	}
	if c, err := CompareAddr(mustAddr(t, "10.0.0.2"), v4); err != nil || c != 1 {
		t.Fatal(c, err)
	}
	if !EqualAddr(v4, mustAddr(t, "10.0.0.1")) || EqualAddr(v4, mapped) || EqualAddr(netip.Addr{}, netip.Addr{}) {
		t.Fatal("EqualAddr")
	}
	if m, err := IsV4Mapped(mapped); err != nil || !m {
		t.Fatal(m, err)
	}
	if m, err := IsV4Mapped(v6); err != nil || m {
		t.Fatal(m, err)
	}
	if u, err := Unmap(mapped); err != nil || u != v4 {
		t.Fatal(u, err)
	}
	if u, err := Unmap(v6); err != nil || u != v6 {
		t.Fatal(u, err)
	}
	if a, err := AddrAdd(v4, U64(255)); err != nil || a.String() != "10.0.1.0" {
		t.Fatal(a, err)
	}
	if _, err := AddrAdd(mustAddr(t, "255.255.255.255"), U64(1)); !errors.Is(err, ErrOverflow) {
		t.Fatal(err)
	}
	if a, err := AddrAdd(mustAddr(t, "::"), U128{Hi: 1}); err != nil || a.String() != "0:0:0:1::" {
		t.Fatal(a, err)
	}
	if a, err := AddrSub(v4, U64(2)); err != nil || a.String() != "9.255.255.255" {
		t.Fatal(a, err)
	}
	if _, err := AddrSub(mustAddr(t, "0.0.0.0"), U64(1)); !errors.Is(err, ErrOverflow) {
		t.Fatal(err)
	}
	if o, err := AddrOffset(v4, mustAddr(t, "10.0.1.1")); err != nil || o != U64(256) {
		t.Fatal(o, err)
	}
	if _, err := AddrOffset(v4, v6); !errors.Is(err, ErrFamily) {
		t.Fatal(err)
	}
	if _, err := AddrOffset(mustAddr(t, "10.0.1.1"), v4); !errors.Is(err, ErrRange) {
		t.Fatal(err)
	}
	if n, err := ReverseName(v4, 0); err != nil || n != "1.0.0.10.in-addr.arpa" {
		t.Fatal(n, err)
	}
	if n, err := ReverseName(v6, FQDN); err != nil ||
		n != "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa." {
		t.Fatal(n, err)
	}
	for k, want := range map[TextKind]int{TextAddr: 46, TextPrefix: 50, TextReverseName: 75, TextU128: 40, 99: 0} {
		if got := TextCapacity(k); got != want {
			t.Errorf("TextCapacity(%d) = %d", k, got)
		}
	}
}

func TestPrefixFunctions(t *testing.T) {
	p := mustPrefix(t, "10.96.0.0/12")
	v6 := mustPrefix(t, "fd00::/64")
	if q, err := PrefixFromAddr(mustAddr(t, "10.96.1.2"), 12, ParseMask); err != nil || q != p {
		t.Fatal(q, err)
	}
	if _, err := PrefixFromAddr(mustAddr(t, "10.96.1.2"), 12, 0); !errors.Is(err, ErrHostBits) {
		t.Fatal(err)
	}
	if _, err := PrefixFromAddr(mustAddr(t, "10.96.1.2"), 33, 0); !errors.Is(err, ErrInvalid) {
		t.Fatal(err)
	}
	if ok, err := PrefixContains(p, mustAddr(t, "10.111.255.255")); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if ok, err := PrefixContains(p, mustAddr(t, "10.112.0.0")); err != nil || ok {
		t.Fatal(ok, err)
	}
	if ok, err := PrefixContains(p, mustAddr(t, "fd00::1")); err != nil || ok {
		t.Fatal(ok, err)
	}
	if ok, err := PrefixOverlaps(p, mustPrefix(t, "10.100.0.0/16")); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if ok, err := PrefixOverlaps(p, mustPrefix(t, "10.112.0.0/16")); err != nil || ok {
		t.Fatal(ok, err)
	}
	if a, err := PrefixNetwork(p); err != nil || a.String() != "10.96.0.0" {
		t.Fatal(a, err)
	}
	if a, err := PrefixLast(p); err != nil || a.String() != "10.111.255.255" {
		t.Fatal(a, err)
	}
	if n, err := PrefixSize(p); err != nil || n != U64(1<<20) {
		t.Fatal(n, err)
	}
	if _, err := PrefixSize(mustPrefix(t, "::/0")); !errors.Is(err, ErrOverflow) {
		t.Fatal(err)
	}
	if a, err := PrefixNth(p, U64(257)); err != nil || a.String() != "10.96.1.1" {
		t.Fatal(a, err)
	}
	if _, err := PrefixNth(p, U64(1<<20)); !errors.Is(err, ErrRange) {
		t.Fatal(err)
	}
	if o, err := PrefixOffsetOf(p, mustAddr(t, "10.96.1.1")); err != nil || o != U64(257) {
		t.Fatal(o, err)
	}
	if _, err := PrefixOffsetOf(p, mustAddr(t, "10.0.0.1")); !errors.Is(err, ErrRange) {
		t.Fatal(err)
	}
	if _, err := PrefixOffsetOf(p, mustAddr(t, "fd00::1")); !errors.Is(err, ErrFamily) {
		t.Fatal(err)
	}
	if n, err := ServiceRangeUsable(p, 0); err != nil || n != U64(1<<20-2) {
		t.Fatal(n, err)
	}
	if n, err := ServiceRangeUsable(v6, 0); err != nil || n != U64(^uint64(0)) {
		t.Fatal(n, err)
	}
	if n, err := ServiceRangeUsable(v6, LegacyCap); err != nil || n != U64(65535) {
		t.Fatal(n, err)
	}
	if a, err := ServiceRangeFirst(p, 0); err != nil || a.String() != "10.96.0.1" {
		t.Fatal(a, err)
	}
	if a, err := ServiceRangeLast(p, 0); err != nil || a.String() != "10.111.255.254" {
		t.Fatal(a, err)
	}
	if a, err := ServiceRangeLast(v6, LegacyCap); err != nil || a.String() != "fd00::ffff" {
		t.Fatal(a, err)
	}
	if _, err := ServiceRangeFirst(mustPrefix(t, "10.0.0.0/31"), 0); !errors.Is(err, ErrRange) {
		t.Fatal(err)
	}
	if _, err := ServiceRangeLast(mustPrefix(t, "10.0.0.1/32"), 0); !errors.Is(err, ErrRange) {
		t.Fatal(err)
	}
	for in, want := range map[string]int{"10.96.0.0/12": 256, "10.0.0.0/24": 16, "10.0.0.0/28": 0, "10.0.0.0/20": 256, "10.0.0.0/22": 64} {
		if n, err := ServiceRangeStaticBand(mustPrefix(t, in)); err != nil || n != want {
			t.Errorf("static band %s = %d, %v", in, n, err)
		}
	}
	for size, want := range map[uint32]int{2768: 86, 16: 0, 100: 16, 65536: 128} {
		if n, err := NodePortStaticBand(size); err != nil || n != want {
			t.Errorf("node port band %d = %d, %v", size, n, err)
		}
	}
	if _, err := NodePortStaticBand(0); !errors.Is(err, ErrInvalid) {
		t.Fatal(err)
	}
	if _, err := NodePortStaticBand(65537); !errors.Is(err, ErrInvalid) {
		t.Fatal(err)
	}
}
