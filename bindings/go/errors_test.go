// SPDX-License-Identifier: Apache-2.0

package clusterip

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	if Version() != HeaderVersion {
		t.Fatalf("loaded library %d, headers %d", Version(), HeaderVersion)
	}
	v := Version()
	want := fmt.Sprintf("%d.%d.%d", v/10000, v/100%100, v%100)
	if VersionString() != want {
		t.Fatalf("VersionString %q, want %q", VersionString(), want)
	}
}

func TestErrorMapping(t *testing.T) {
	sentinels := Sentinels()
	if len(sentinels) != 23 {
		t.Fatalf("%d sentinels", len(sentinels))
	}
	seen := map[string]bool{}
	for i, s := range sentinels {
		code := -(i + 1)
		if s.Code != code {
			t.Fatalf("sentinel %d has code %d", i, s.Code)
		}
		if !strings.HasPrefix(s.Name, "CIP_E") || s.Name == "CIP_EUNKNOWN" || seen[s.Name] {
			t.Fatalf("code %d: name %q", code, s.Name)
		}
		seen[s.Name] = true
		err := ErrorFromCode(code)
		var e *Error
		if !errors.As(err, &e) || e.Code != code || e.Name != s.Name {
			t.Fatalf("code %d: %#v", code, err)
		}
		if err.Error() != Strerror(code) || err.Error() == "" || ErrorName(code) != s.Name {
			t.Fatalf("code %d: text %q, strerror %q", code, err.Error(), Strerror(code))
		}
		if !errors.Is(err, s) {
			t.Fatalf("code %d does not match its sentinel", code)
		}
		wrapped := fmt.Errorf("context: %w", err)
		if !errors.Is(wrapped, s) {
			t.Fatalf("code %d: wrapped error does not match", code)
		}
		for j, other := range sentinels {
			if j != i && errors.Is(err, other) {
				t.Fatalf("code %d matches sentinel of %d", code, other.Code)
			}
		}
		if errors.Is(err, ErrClosed) {
			t.Fatal("code matches ErrClosed")
		}
	}
	if ErrorFromCode(0) != nil || ErrorFromCode(3) != nil {
		t.Fatal("non-negative codes are not errors")
	}
	if ErrorName(-1000) != "CIP_EUNKNOWN" || ErrorName(0) != "CIP_OK" || Strerror(0) != "success" {
		t.Fatalf("unknown/ok names: %q %q %q", ErrorName(-1000), ErrorName(0), Strerror(0))
	}
	u := ErrorFromCode(-1000)
	for _, s := range sentinels {
		if errors.Is(u, s) {
			t.Fatal("unknown code matches a sentinel")
		}
	}
}

func TestU128(t *testing.T) {
	if s := (U128{Hi: ^uint64(0), Lo: ^uint64(0)}).String(); s != "340282366920938463463374607431768211455" {
		t.Fatal(s)
	}
	if s := U64(0).String(); s != "0" {
		t.Fatal(s)
	}
	if s := (U128{Hi: 1}).String(); s != "18446744073709551616" {
		t.Fatal(s)
	}
}
