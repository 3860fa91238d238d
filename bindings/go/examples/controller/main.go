// SPDX-License-Identifier: Apache-2.0

// Command controller allocates ClusterIPs for a few services from a
// dual-stack pool, persists the allocators' snapshots to files, and reloads
// them into a fresh pool, as a restarting controller would.
package main

import (
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"clusterip"
)

var cidrs = []netip.Prefix{
	netip.MustParsePrefix("10.96.0.0/24"),
	netip.MustParsePrefix("fd00:10:96::/112"),
}

func newPool() (*clusterip.Pool, error) {
	pool, err := clusterip.NewPool(nil)
	if err != nil {
		return nil, err
	}
	for _, c := range cidrs {
		if err := pool.Add(c, nil); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return pool, nil
}

func snapshotFile(dir string, c netip.Prefix) string {
	return filepath.Join(dir, strings.NewReplacer("/", "_", ":", "-").Replace(c.String())+".snap")
}

// run allocates, persists to dir, reloads, and reports on out.
func run(dir string, out io.Writer) error {
	now := clusterip.MonotonicNow()
	pool, err := newPool()
	if err != nil {
		return err
	}
	defer pool.Close()

	services := map[string][]netip.Addr{}
	// The cluster DNS service asks for a fixed address in the static band.
	dns := netip.MustParseAddr("10.96.0.10")
	if err := pool.Allocate(dns, 0); err != nil {
		return fmt.Errorf("kube-dns: %w", err)
	}
	services["kube-system/kube-dns"] = []netip.Addr{dns}
	for _, svc := range []struct {
		name   string
		policy clusterip.IPFamilyPolicy
	}{
		{"default/web", clusterip.SingleStack},
		{"default/api", clusterip.RequireDualStack},
		{"shop/cart", clusterip.PreferDualStack},
	} {
		ips, err := pool.AllocatePair(svc.policy, clusterip.IPv4, now, 0)
		if err != nil {
			return fmt.Errorf("%s: %w", svc.name, err)
		}
		services[svc.name] = ips
	}
	for name, ips := range services {
		fmt.Fprintf(out, "allocated %s %v\n", name, ips)
	}

	// Persist: one native snapshot per range.
	for _, c := range cidrs {
		r, err := pool.Range(c)
		if err != nil {
			return err
		}
		snap, err := r.Snapshot(now)
		if err != nil {
			return err
		}
		if err := os.WriteFile(snapshotFile(dir, c), snap, 0o600); err != nil {
			return err
		}
		fmt.Fprintf(out, "saved %s (%d bytes)\n", c, len(snap))
	}

	// Reload into a fresh pool and check that every ClusterIP is still taken.
	reloaded, err := newPool()
	if err != nil {
		return err
	}
	defer reloaded.Close()
	for _, c := range cidrs {
		snap, err := os.ReadFile(snapshotFile(dir, c))
		if err != nil {
			return err
		}
		r, err := reloaded.Range(c)
		if err != nil {
			return err
		}
		if err := r.Restore(now, snap); err != nil {
			return fmt.Errorf("restore %s: %w", c, err)
		}
	}
	for name, ips := range services {
		for _, ip := range ips {
			if ok, err := reloaded.Has(ip); err != nil || !ok {
				return fmt.Errorf("%s: %v lost after reload (%v)", name, ip, err)
			}
		}
	}
	used4, _ := reloaded.Used(clusterip.IPv4)
	used6, _ := reloaded.Used(clusterip.IPv6)
	fmt.Fprintf(out, "reloaded: %d IPv4 and %d IPv6 ClusterIPs in use\n", used4, used6)
	return nil
}

func main() {
	dir, err := os.MkdirTemp("", "clusterip-controller")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	if err := run(dir, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "controller:", err)
		os.Exit(1)
	}
}
