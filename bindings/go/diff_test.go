// SPDX-License-Identifier: Apache-2.0

package clusterip

import (
	"errors"
	"fmt"
	"math/rand"
	"net/netip"
	"strings"
	"testing"
)

// The differential test parses 10^5 generated texts with the library and
// with net/netip and requires the same verdict and the same canonical text.
// The intended differences, each checked rather than skipped:
//
//  1. Zones: netip accepts "fe80::1%eth0"; the library refuses every zone
//     (ErrZone), since service addresses never carry one.
//  2. Prefix host bits: netip.ParsePrefix keeps them ("10.0.0.1/8" is
//     valid); the library refuses them (ErrHostBits) unless ParseMask, whose
//     result must equal netip's Prefix.Masked().
//  3. Prefix lengths: Go 1.19's netip.ParsePrefix reads the length with
//     strconv.Atoi, so it accepts leading zeros ("/08") and a sign ("/+8");
//     the library accepts plain decimal only (CVE-2021-29923).
//  4. IPv4-mapped addresses are IPv6 in both (netip: Is4In6), and both
//     format them as "::ffff:a.b.c.d"; Unmap/Addr.Unmap agree.
//  5. Leading zeros in IPv4 octets are refused by both (the library accepts
//     them only with ParseLegacy, tested elsewhere).
//  6. IPv6 groups of more than 4 hex digits: Go 1.19's netip accepts one
//     whose value fits 16 bits ("::0fe36"); RFC 4291 allows 1 to 4 digits
//     and the library refuses it (ReasonGroupTooLong).
const diffCount = 100000

func genAddrText(r *rand.Rand) string {
	hex := "0123456789abcdefABCDEF"
	switch r.Intn(10) {
	case 0, 1: // IPv4
		parts := make([]string, 4)
		for i := range parts {
			parts[i] = fmt.Sprint(r.Intn(256))
		}
		return strings.Join(parts, ".")
	case 2: // IPv4, maybe malformed octets
		parts := make([]string, 3+r.Intn(3))
		for i := range parts {
			switch r.Intn(6) {
			case 0:
				parts[i] = fmt.Sprint(r.Intn(1000))
			case 1:
				parts[i] = "0" + fmt.Sprint(r.Intn(100))
			case 2:
				parts[i] = ""
			default:
				parts[i] = fmt.Sprint(r.Intn(256))
			}
		}
		return strings.Join(parts, ".")
	case 3, 4, 5: // full or compressed IPv6
		n := 8
		groups := make([]string, n)
		for i := range groups {
			if r.Intn(3) == 0 {
				groups[i] = "0"
				continue
			}
			l := 1 + r.Intn(4)
			var b strings.Builder
			for j := 0; j < l; j++ {
				b.WriteByte(hex[r.Intn(len(hex))])
			}
			groups[i] = b.String()
		}
		s := strings.Join(groups, ":")
		if r.Intn(2) == 0 { // compress a run
			i := r.Intn(8)
			j := i + 1 + r.Intn(8-i)
			s = strings.Join(groups[:i], ":") + "::" + strings.Join(groups[j:], ":")
		}
		return s
	case 6: // embedded IPv4
		prefixes := []string{"::ffff:", "::", "64:ff9b::", "1:2:3:4:5:6:", "::ffff:0:", "1::"}
		return prefixes[r.Intn(len(prefixes))] + fmt.Sprintf("%d.%d.%d.%d", r.Intn(300), r.Intn(256), r.Intn(256), r.Intn(256))
	case 7: // zones
		return fmt.Sprintf("fe80::%x%%eth%d", r.Intn(65536), r.Intn(3))
	default: // mutate a valid text
		var s string
		if r.Intn(2) == 0 {
			s = fmt.Sprintf("%d.%d.%d.%d", r.Intn(256), r.Intn(256), r.Intn(256), r.Intn(256))
		} else {
			s = fmt.Sprintf("%x:%x::%x", r.Intn(65536), r.Intn(65536), r.Intn(65536))
		}
		b := []byte(s)
		junk := ":.%/ x-+0g\x00"
		switch r.Intn(3) {
		case 0:
			b[r.Intn(len(b))] = junk[r.Intn(len(junk))]
		case 1:
			i := r.Intn(len(b) + 1)
			b = append(b[:i], append([]byte{junk[r.Intn(len(junk))]}, b[i:]...)...)
		case 2:
			i := r.Intn(len(b))
			b = append(b[:i], b[i+1:]...)
		}
		return string(b)
	}
}

// hasLongGroup tells whether an IPv6 text has a group of more than 4 hex
// digits (difference 6).
func hasLongGroup(s string) bool {
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	if !strings.Contains(s, ":") {
		return false
	}
	for _, g := range strings.FieldsFunc(s, func(r rune) bool { return r == ':' }) {
		if len(g) > 4 && !strings.ContainsAny(g, ".%") {
			return true
		}
	}
	return false
}

func TestDifferentialAddr(t *testing.T) {
	r := rand.New(rand.NewSource(20240601))
	var accepted, rejected, zones int
	for i := 0; i < diffCount; i++ {
		s := genAddrText(r)
		got, err := ParseAddr(s)
		want, werr := netip.ParseAddr(s)
		if werr == nil && want.Zone() != "" {
			// difference 1
			zones++
			if !errors.Is(err, ErrZone) {
				t.Fatalf("%q: zone accepted or wrong error: %v", s, err)
			}
			continue
		}
		if werr == nil && hasLongGroup(s) {
			// difference 6
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Reason != ReasonGroupTooLong {
				t.Fatalf("%q: %v", s, err)
			}
			continue
		}
		if (err == nil) != (werr == nil) {
			t.Fatalf("%q: library %v / %v, netip %v / %v", s, got, err, want, werr)
		}
		if err != nil {
			rejected++
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Offset < 0 || pe.Offset > len(s) {
				t.Fatalf("%q: bad ParseError %v", s, err)
			}
			continue
		}
		accepted++
		if got != want {
			t.Fatalf("%q: library %v, netip %v", s, got, want)
		}
		f, err := FormatAddr(got)
		if err != nil || f != want.String() {
			t.Fatalf("%q: FormatAddr %q (%v), netip %q", s, f, err, want.String())
		}
		u, err := Unmap(got)
		if err != nil || u != want.Unmap() {
			t.Fatalf("%q: Unmap %v, netip %v", s, u, want.Unmap())
		}
	}
	if accepted < diffCount/3 || rejected < diffCount/10 || zones < diffCount/20 {
		t.Fatalf("generator coverage: %d accepted, %d rejected, %d zones", accepted, rejected, zones)
	}
}

func TestDifferentialPrefix(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	var accepted, hostbits int
	for i := 0; i < diffCount; i++ {
		a := genAddrText(r)
		var l string
		switch r.Intn(8) {
		case 0:
			l = fmt.Sprint(r.Intn(200))
		case 1:
			l = "0" + fmt.Sprint(r.Intn(40))
		case 2:
			l = "+" + fmt.Sprint(r.Intn(40))
		case 3:
			l = ""
		default:
			l = fmt.Sprint(r.Intn(33))
		}
		s := a + "/" + l
		if r.Intn(20) == 0 {
			s = a
		}
		got, err := ParsePrefix(s)
		masked, merr := ParsePrefixFlags(s, ParseMask)
		want, werr := netip.ParsePrefix(s)
		plainLen := l != "" && l[0] != '+' && (l == "0" || l[0] != '0')
		if werr == nil && !plainLen {
			// difference 3
			if merr == nil {
				t.Fatalf("%q: library accepted a length netip reads with Atoi", s)
			}
			continue
		}
		if werr == nil && hasLongGroup(s) {
			// difference 6
			if !errors.Is(merr, ErrSyntax) {
				t.Fatalf("%q: %v", s, merr)
			}
			continue
		}
		if werr == nil && want.Addr().Zone() != "" {
			if !errors.Is(merr, ErrZone) {
				t.Fatalf("%q: %v", s, merr)
			}
			continue
		}
		if (merr == nil) != (werr == nil) {
			t.Fatalf("%q: library %v / %v, netip %v / %v", s, masked, merr, want, werr)
		}
		if werr != nil {
			if err == nil {
				t.Fatalf("%q: strict parse accepted what the masking one refused", s)
			}
			continue
		}
		accepted++
		if masked != want.Masked() {
			t.Fatalf("%q: library %v, netip %v", s, masked, want.Masked())
		}
		if want.Masked() == want {
			if err != nil || got != want {
				t.Fatalf("%q: strict %v %v", s, got, err)
			}
		} else {
			// difference 2
			hostbits++
			var pe *ParseError
			if !errors.Is(err, ErrHostBits) || !errors.As(err, &pe) || pe.Network != want.Masked() {
				t.Fatalf("%q: %v", s, err)
			}
		}
		f, err := FormatPrefix(masked)
		if err != nil || f != want.Masked().String() {
			t.Fatalf("%q: FormatPrefix %q (%v), netip %q", s, f, err, want.Masked().String())
		}
	}
	if accepted < diffCount/5 || hostbits < diffCount/20 {
		t.Fatalf("generator coverage: %d accepted, %d with host bits", accepted, hostbits)
	}
}
