// SPDX-License-Identifier: Apache-2.0

package main

import (
	"errors"
	"os"
	"strings"
	"testing"

	"clusterip"
)

func TestController(t *testing.T) {
	dir := t.TempDir()
	var out strings.Builder
	if err := run(dir, &out); err != nil {
		t.Fatal(err)
	}
	// kube-dns, web: one IPv4 each; api, cart: one of each family
	if !strings.Contains(out.String(), "reloaded: 4 IPv4 and 2 IPv6 ClusterIPs in use") {
		t.Fatalf("output:\n%s", out.String())
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 2 {
		t.Fatalf("%d snapshot files", len(files))
	}
	// the saved files are real snapshots: each loads on its own, and a
	// damaged one is refused
	for _, f := range files {
		b, _ := os.ReadFile(dir + "/" + f.Name())
		r, err := clusterip.NewRangeFromSnapshot(1, b, 1)
		if err != nil {
			t.Fatal(f.Name(), err)
		}
		r.Close()
		b[len(b)/2] ^= 0x55
		if _, err := clusterip.NewRangeFromSnapshot(1, b, 1); !errors.Is(err, clusterip.ErrSnapshotCorrupt) {
			t.Fatal(f.Name(), err)
		}
	}
}
