// SPDX-License-Identifier: Apache-2.0

package clusterip

import (
	"errors"
	"net/netip"
	"runtime"
	"testing"
	"time"
)

func TestRange(t *testing.T) {
	cidr := mustPrefix(t, "10.0.0.0/24")
	r, err := NewRange(cidr, &RangeOptions{Seed: 1, Quarantine: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if p, err := r.Prefix(); err != nil || p != cidr {
		t.Fatal(p, err)
	}
	if n, err := r.StaticBandSize(); err != nil || n != 16 {
		t.Fatal(n, err)
	}
	if a, err := r.AllocateNext(1, DryRun); err != nil || a.String() != "10.0.0.0" {
		t.Fatal(a, err)
	}
	a, err := r.AllocateNext(1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if off, _ := PrefixOffsetOf(cidr, a); off.Lo <= 16 {
		t.Fatalf("dynamic allocation %v in the static band", a)
	}
	if ok, err := r.Has(a); err != nil || !ok {
		t.Fatal(ok, err)
	}
	req := mustAddr(t, "10.0.0.10")
	if err := r.Allocate(req, 0); err != nil {
		t.Fatal(err)
	}
	if err := r.Allocate(req, 0); !errors.Is(err, ErrAllocated) {
		t.Fatal(err)
	}
	if err := r.Allocate(mustAddr(t, "10.0.0.255"), 0); !errors.Is(err, ErrRange) {
		t.Fatal(err)
	}
	if err := r.Allocate(mustAddr(t, "fd00::1"), 0); !errors.Is(err, ErrFamily) {
		t.Fatal(err)
	}
	if u, err := r.Used(BandAll); err != nil || u != 2 {
		t.Fatal(u, err)
	}
	if u, err := r.Used(BandStatic); err != nil || u != 1 {
		t.Fatal(u, err)
	}
	if _, err := r.Used(Band(9)); !errors.Is(err, ErrInvalid) {
		t.Fatal(err)
	}
	addrs, err := r.Addrs()
	if err != nil || len(addrs) != 2 || addrs[0] != req || addrs[1] != a {
		t.Fatal(addrs, err)
	}
	var seen []netip.Addr
	if err := r.Foreach(func(x netip.Addr) bool { seen = append(seen, x); return false }); err != nil || len(seen) != 1 {
		t.Fatal(seen, err)
	}
	// the callback may call methods, Close included
	r2, _ := NewRange(cidr, nil)
	r2.Allocate(req, 0)
	if err := r2.Foreach(func(netip.Addr) bool { r2.Has(req); return r2.Close() == nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := r2.Has(req); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("panic in Foreach callback lost")
			}
		}()
		r.Foreach(func(netip.Addr) bool { panic("visitor") })
	}()

	snap, err := r.Snapshot(2)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Release(a, 2, 0); err != nil {
		t.Fatal(err)
	}
	if err := r.Release(a, 2, 0); !errors.Is(err, ErrNotAllocated) {
		t.Fatal(err)
	}
	st, err := r.Stats()
	if err != nil || st.All.Used != 1 || st.All.Quarantined != 1 || st.All.Size != 254 ||
		st.All.Used+st.All.Available+st.All.Quarantined != st.All.Size || st.Static.Size != 16 ||
		st.Dynamic.Size != 238 || st.All.Allocations != 2 || st.All.Releases != 1 {
		t.Fatalf("%+v %v", st, err)
	}
	if av, err := r.Available(BandAll); err != nil || av != 252 {
		t.Fatal(av, err)
	}
	if n, err := r.Expire(2 + uint64(time.Second)); err != nil || n != 1 {
		t.Fatal(n, err)
	}
	if err := r.Release(req, 3, ReleaseNow); err != nil {
		t.Fatal(err)
	}
	if err := r.Restore(3, snap); err != nil {
		t.Fatal(err)
	}
	if ok, _ := r.Has(a); !ok {
		t.Fatal("restore lost an address")
	}
	bad := append([]byte(nil), snap...)
	bad[len(bad)-1] ^= 0xff
	if err := r.Restore(3, bad); !errors.Is(err, ErrSnapshotCorrupt) {
		t.Fatal(err)
	}
	r3, err := NewRangeFromSnapshot(3, snap, 5)
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := r3.Addrs(); len(l) != 2 || l[1] != a {
		t.Fatal(l)
	}
	r3.Close()
	if _, err := NewRangeFromSnapshot(3, bad, 5); !errors.Is(err, ErrSnapshotCorrupt) {
		t.Fatal(err)
	}
	other, _ := NewRange(mustPrefix(t, "10.0.1.0/24"), nil)
	if err := other.Restore(3, snap); !errors.Is(err, ErrSnapshotMismatch) {
		t.Fatal(err)
	}
	other.Close()

	spec, err := r.K8sSpec()
	if err != nil || spec != "10.0.0.0/24" {
		t.Fatal(spec, err)
	}
	data, err := r.ExportK8s()
	if err != nil {
		t.Fatal(err)
	}
	// offset i is bit i%8 of byte len-1-i/8 (big.Int.Bytes)
	offA, _ := PrefixOffsetOf(cidr, a)
	i := int(offA.Lo) - 1
	if len(data) != i/8+1 || data[len(data)-1-i/8]&(1<<(i%8)) == 0 || data[len(data)-1-9/8]&(1<<(9%8)) == 0 {
		t.Fatalf("k8s data %x for %v", data, a)
	}
	empty, _ := NewRange(cidr, nil)
	if d, err := empty.ExportK8s(); err != nil || len(d) != 0 {
		t.Fatal(d, err)
	}
	if err := empty.ImportK8s(spec, data); err != nil {
		t.Fatal(err)
	}
	if ok, _ := empty.Has(a); !ok {
		t.Fatal("import lost an address")
	}
	if err := empty.ImportK8s("10.0.9.0/24", data); !errors.Is(err, ErrSnapshotMismatch) {
		t.Fatal(err)
	}
	if err := empty.ImportK8s(spec, []byte{0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}); !errors.Is(err, ErrSnapshotCorrupt) {
		t.Fatal(err)
	}
	if err := empty.ImportK8s(spec, nil); err != nil {
		t.Fatal(err)
	}
	if u, _ := empty.Used(BandAll); u != 0 {
		t.Fatal(u)
	}
	empty.Close()

	if _, err := NewRange(mustPrefix(t, "10.0.0.0/31"), nil); !errors.Is(err, ErrRange) {
		t.Fatal(err)
	}
	if _, err := NewRange(mustPrefix(t, "fd00::/48"), nil); !errors.Is(err, ErrUnsupported) {
		t.Fatal(err)
	}
	if _, err := NewRange(netip.MustParsePrefix("10.0.0.1/24"), nil); !errors.Is(err, ErrHostBits) {
		t.Fatal(err)
	}
	big, err := NewRange(mustPrefix(t, "fd00::/64"), &RangeOptions{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := big.ExportK8s(); !errors.Is(err, ErrUnsupported) {
		t.Fatal(err)
	}
	if a6, err := big.AllocateNext(1, 0); err != nil || !a6.Is6() {
		t.Fatal(a6, err)
	}
	big.Close()

	full, _ := NewRange(mustPrefix(t, "10.1.0.0/30"), &RangeOptions{StaticBand: StaticBandOff})
	full.AllocateNext(1, 0)
	full.AllocateNext(1, 0)
	if _, err := full.AllocateNext(1, 0); !errors.Is(err, ErrFull) {
		t.Fatal(err)
	}
	full.Close()
}

func TestClose(t *testing.T) {
	r, _ := NewRange(mustPrefix(t, "10.0.0.0/24"), nil)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	a := mustAddr(t, "10.0.0.1")
	for _, err := range []error{
		func() error { _, err := r.AllocateNext(1, 0); return err }(),
		r.Allocate(a, 0), r.Release(a, 1, 0), r.Restore(1, []byte{1}), r.ImportK8s("x", nil),
		func() error { _, err := r.Snapshot(1); return err }(),
		func() error { _, err := r.Stats(); return err }(),
		r.Foreach(func(netip.Addr) bool { return true }),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("after Close: %v", err)
		}
	}
	p, _ := NewPorts(PortRange{30000, 100}, nil)
	p.Close()
	p.Close()
	if _, err := p.AllocateNext(1, 0); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	pool, _ := NewPool(nil)
	pool.Add(mustPrefix(t, "10.0.0.0/24"), nil)
	borrowed, _ := pool.Range(mustPrefix(t, "10.0.0.0/24"))
	pool.Close()
	pool.Close()
	if _, err := pool.AllocateNext(IPv4, 1, 0); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	if _, err := borrowed.Used(BandAll); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	// dropped handles are freed by their finalizers
	for i := 0; i < 100; i++ {
		NewRange(mustPrefix(t, "10.0.0.0/16"), nil)
		NewPorts(PortRange{30000, 2768}, nil)
		NewPool(nil)
	}
	runtime.GC()
	runtime.GC()
}

func TestPorts(t *testing.T) {
	pr, err := ParsePortRange(" 30000-32767 ")
	if err != nil || pr != (PortRange{30000, 2768}) || pr.String() != "30000-32767" {
		t.Fatal(pr, err)
	}
	if p, err := ParsePortRange("30000+10"); err != nil || p != (PortRange{30000, 11}) {
		t.Fatal(p, err)
	}
	if p, err := ParsePortRange("80"); err != nil || p != (PortRange{80, 1}) {
		t.Fatal(p, err)
	}
	var pe *ParseError
	if _, err := ParsePortRange("30000-70000"); !errors.Is(err, ErrRange) || !errors.As(err, &pe) || pe.Reason != ReasonPortRange {
		t.Fatal(err)
	}
	if _, err := ParsePortRange("300-200"); !errors.Is(err, ErrRange) || !errors.As(err, &pe) || pe.Reason != ReasonPortOrder {
		t.Fatal(err)
	}
	if _, err := ParsePortRange("a-b"); !errors.Is(err, ErrSyntax) {
		t.Fatal(err)
	}
	if _, err := (PortRange{65535, 2}).Format(); !errors.Is(err, ErrInvalid) {
		t.Fatal(err)
	}
	if ok, err := pr.Contains(32767); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if ok, err := pr.Contains(32768); err != nil || ok {
		t.Fatal(ok, err)
	}
	if _, err := (PortRange{0, 0}).Contains(1); !errors.Is(err, ErrInvalid) {
		t.Fatal(err)
	}

	p, err := NewPorts(pr, &PortsOptions{Seed: 9, Quarantine: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if got, err := p.Range(); err != nil || got != pr {
		t.Fatal(got, err)
	}
	if n, err := p.StaticBandSize(); err != nil || n != 86 {
		t.Fatal(n, err)
	}
	port, err := p.AllocateNext(1, 0)
	if err != nil || port < 30086 || port > 32767 {
		t.Fatal(port, err)
	}
	if err := p.Allocate(30001, 0); err != nil {
		t.Fatal(err)
	}
	if err := p.Allocate(30001, 0); !errors.Is(err, ErrAllocated) {
		t.Fatal(err)
	}
	if err := p.Allocate(80, 0); !errors.Is(err, ErrRange) {
		t.Fatal(err)
	}
	if err := p.Allocate(70000, 0); !errors.Is(err, ErrRange) {
		t.Fatal(err)
	}
	if ok, err := p.Has(port); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if l, err := p.List(); err != nil || len(l) != 2 || l[0] != 30001 || l[1] != port {
		t.Fatal(l, err)
	}
	n := 0
	p.Foreach(func(uint32) bool { n++; return false })
	if n != 1 {
		t.Fatal(n)
	}
	if u, err := p.Used(BandStatic); err != nil || u != 1 {
		t.Fatal(u, err)
	}
	snap, err := p.Snapshot(1)
	if err != nil {
		t.Fatal(err)
	}
	data, err := p.ExportK8s()
	if err != nil || len(data) != (int(port)-30000)/8+1 {
		t.Fatal(data, err)
	}
	if err := p.Release(port, 1, 0); err != nil {
		t.Fatal(err)
	}
	if err := p.Release(port, 1, 0); !errors.Is(err, ErrNotAllocated) {
		t.Fatal(err)
	}
	if st, err := p.Stats(); err != nil || st.All.Quarantined != 1 || st.All.Size != 2768 {
		t.Fatal(st, err)
	}
	if av, err := p.Available(BandAll); err != nil || av != 2766 {
		t.Fatal(av, err)
	}
	if n, err := p.Expire(1 + uint64(time.Second)); err != nil || n != 1 {
		t.Fatal(n, err)
	}
	if err := p.Restore(2, snap); err != nil {
		t.Fatal(err)
	}
	if ok, _ := p.Has(port); !ok {
		t.Fatal("restore lost a port")
	}
	q, err := NewPortsFromSnapshot(2, snap, 1)
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := q.List(); len(l) != 2 {
		t.Fatal(l)
	}
	if err := q.ImportK8s("30000-32767", nil); err != nil {
		t.Fatal(err)
	}
	if err := q.ImportK8s(pr.String(), data); err != nil {
		t.Fatal(err)
	}
	if l, _ := q.List(); len(l) != 2 || l[1] != port {
		t.Fatal(l)
	}
	if err := q.ImportK8s("30000-32766", data); !errors.Is(err, ErrSnapshotMismatch) {
		t.Fatal(err)
	}
	q.Close()
	if _, err := NewPortsFromSnapshot(2, snap[:len(snap)-1], 1); !errors.Is(err, ErrSnapshotCorrupt) {
		t.Fatal(err)
	}
	if _, err := NewPorts(PortRange{65535, 2}, nil); !errors.Is(err, ErrInvalid) {
		t.Fatal(err)
	}
	if _, err := NewPorts(PortRange{30000, 10}, &PortsOptions{StaticBand: 11}); !errors.Is(err, ErrRange) {
		t.Fatal(err)
	}
}

func TestPool(t *testing.T) {
	pool, err := NewPool(&PoolOptions{Seed: 42, MaxRanges: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	v4a, v4b, v6 := mustPrefix(t, "10.0.0.0/24"), mustPrefix(t, "10.0.1.0/24"), mustPrefix(t, "fd00::/64")
	if _, err := pool.AllocateNext(IPv4, 1, 0); !errors.Is(err, ErrFamily) {
		t.Fatal(err)
	}
	for _, p := range []netip.Prefix{v4a, v4b, v6} {
		if err := pool.Add(p, nil); err != nil {
			t.Fatal(p, err)
		}
	}
	if err := pool.Add(v4a, nil); !errors.Is(err, ErrExist) {
		t.Fatal(err)
	}
	rs, err := pool.Ranges(IPv4)
	if err != nil || len(rs) != 2 || rs[0] != (PoolRange{v4a, PoolActive}) || rs[1].Prefix != v4b {
		t.Fatal(rs, err)
	}
	if _, err := pool.Ranges(Family(5)); !errors.Is(err, ErrInvalid) {
		t.Fatal(err)
	}
	a, err := pool.AllocateNext(IPv4, 1, 0)
	if err != nil || !(v4a.Contains(a) || v4b.Contains(a)) {
		t.Fatal(a, err)
	}
	if ok, err := pool.Has(a); err != nil || !ok {
		t.Fatal(ok, err)
	}
	req := mustAddr(t, "10.0.1.5")
	if err := pool.Allocate(req, 0); err != nil {
		t.Fatal(err)
	}
	if err := pool.Allocate(req, 0); !errors.Is(err, ErrAllocated) {
		t.Fatal(err)
	}
	if err := pool.Allocate(mustAddr(t, "10.9.0.1"), 0); !errors.Is(err, ErrRange) {
		t.Fatal(err)
	}
	pair, err := pool.AllocatePair(RequireDualStack, IPv6, 1, 0)
	if err != nil || len(pair) != 2 || !v6.Contains(pair[0]) || !pair[1].Is4() {
		t.Fatal(pair, err)
	}
	if single, err := pool.AllocatePair(SingleStack, IPv4, 1, 0); err != nil || len(single) != 1 {
		t.Fatal(single, err)
	}
	if u, err := pool.Used(IPv4); err != nil || u != 4 {
		t.Fatal(u, err)
	}
	if av, err := pool.Available(IPv4); err != nil || av != 2*254-4 {
		t.Fatal(av, err)
	}
	r, err := pool.Range(v4b)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := r.Has(req); !ok {
		t.Fatal("borrowed range does not see the pool's allocation")
	}
	snap, err := r.Snapshot(1)
	if err != nil {
		t.Fatal(err)
	}
	if err := pool.Release(req, 1, ReleaseNow); err != nil {
		t.Fatal(err)
	}
	if err := pool.Release(req, 1, 0); !errors.Is(err, ErrNotAllocated) {
		t.Fatal(err)
	}
	if err := r.Restore(1, snap); err != nil {
		t.Fatal(err)
	}
	if ok, _ := pool.Has(req); !ok {
		t.Fatal("restore through the borrowed range lost the address")
	}
	r.Close()
	if _, err := r.Used(BandAll); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	if u, err := pool.Used(IPv4); err != nil || u != 4 {
		t.Fatal("closing a borrowed range must not free it", u, err)
	}
	if err := pool.Remove(v4b); !errors.Is(err, ErrUnsupported) {
		t.Fatal(err)
	}
	if err := pool.Drain(v4b); err != nil {
		t.Fatal(err)
	}
	if rs, _ := pool.Ranges(IPv4); rs[1].State != PoolDraining {
		t.Fatal(rs)
	}
	if err := pool.Allocate(mustAddr(t, "10.0.1.6"), 0); !errors.Is(err, ErrRange) {
		t.Fatal(err)
	}
	if err := pool.Remove(v4b); !errors.Is(err, ErrAllocated) {
		t.Fatal(err)
	}
	r, _ = pool.Range(v4b)
	held, _ := r.Addrs()
	for _, x := range held {
		if err := pool.Release(x, 1, ReleaseNow); err != nil {
			t.Fatal(err)
		}
	}
	if err := pool.Remove(v4b); err != nil {
		t.Fatal(err)
	}
	if err := pool.Drain(v4b); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if _, err := pool.Range(v4b); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if _, err := pool.AllocatePair(RequireDualStack, IPv4, 1, 7); !errors.Is(err, ErrInvalid) {
		t.Fatal(err)
	}
	if _, err := NewPool(&PoolOptions{MaxRanges: 65}); !errors.Is(err, ErrInvalid) {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		pool.Add(netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 1, byte(i), 0}), 24), nil)
	}
	if err := pool.Add(mustPrefix(t, "10.2.0.0/24"), nil); !errors.Is(err, ErrLimit) {
		t.Fatal(err)
	}
}
