// SPDX-License-Identifier: Apache-2.0

package main

import (
	"strings"
	"testing"
)

func TestProxy(t *testing.T) {
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	lines := strings.Split(strings.TrimSpace(text), "\n")
	// two services, each a header and 2 rounds of 3 clients
	if len(lines) != 2*(1+6) {
		t.Fatalf("%d lines:\n%s", len(lines), text)
	}
	if !strings.Contains(text, "service web 10.96.0.") || !strings.Contains(text, ":80: 3 endpoints") ||
		!strings.Contains(text, ":443: 3 endpoints") {
		t.Fatalf("output:\n%s", text)
	}
	web := map[string]int{}
	api := map[string]string{} // client -> its backend
	for _, l := range lines {
		if strings.HasPrefix(l, "service ") {
			continue
		}
		f := strings.Fields(l)
		if len(f) < 6 || f[1] != "->" || f[4] != "=>" {
			t.Fatalf("line %q", l)
		}
		client, svc, backend := f[0], f[2], f[5]
		switch svc {
		case "web":
			if !strings.HasSuffix(backend, ":8080") || !strings.HasPrefix(backend, "10.244.") {
				t.Fatalf("web backend in %q", l)
			}
			web[backend]++
		case "api":
			// only the ready pods, and each client sticks to its backend
			if backend != "10.244.1.20:8443" && backend != "10.244.2.21:8443" {
				t.Fatalf("api backend in %q", l)
			}
			if prev, ok := api[client]; ok {
				if prev != backend || !strings.HasSuffix(l, " affinity") {
					t.Fatalf("client %s moved from %s: %q", client, prev, l)
				}
			}
			api[client] = backend
		default:
			t.Fatalf("line %q", l)
		}
	}
	// round-robin: 6 connections, each of the 3 web pods twice
	if len(web) != 3 {
		t.Fatalf("web backends %v", web)
	}
	for b, n := range web {
		if n != 2 {
			t.Fatalf("web backends %v (%s)", web, b)
		}
	}
}
