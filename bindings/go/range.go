// SPDX-License-Identifier: Apache-2.0

package clusterip

/*
#include <clusterip/clusterip.h>
#include <stdint.h>
#include <stdlib.h>

extern int goCipAddrVisit(cip_addr *, void *);
static int cipgo_addr_visit(const cip_addr *a, void *ctx) { return goCipAddrVisit((cip_addr *)a, ctx); }
static int cipgo_range_foreach(const cip_range *r, uintptr_t h) {
	return cip_range_foreach(r, cipgo_addr_visit, (void *)h);
}
*/
import "C"

import (
	"net/netip"
	"runtime"
	"runtime/cgo"
	"time"
	"unsafe"
)

// RangeOptions configure a Range; the zero value gives the defaults.
type RangeOptions struct {
	Seed          uint64        // seed of the random start; 0: from the OS
	StaticBand    int64         // StaticBandAuto (0), StaticBandOff or a size
	Flags         RangeFlags    // LegacyCap
	Quarantine    time.Duration // release quarantine; 0: none
	QuarantineMax uint64        // quarantine capacity; 0: default
}

func (o *RangeOptions) c() *C.cip_range_opts {
	if o == nil {
		return nil
	}
	var c C.cip_range_opts
	C.cip_range_opts_init(&c, C.size_t(unsafe.Sizeof(c)))
	c.seed = C.uint64_t(o.Seed)
	c.static_band = C.int64_t(o.StaticBand)
	c.flags = C.uint(o.Flags)
	c.quarantine_ns = durNs(o.Quarantine)
	c.quarantine_max = C.uint64_t(o.QuarantineMax)
	return &c
}

// Range allocates the service addresses of one CIDR. Safe for concurrent use.
type Range struct {
	g        *guard
	c        *C.cip_range
	parent   *Pool // for a range borrowed from a pool
	detached bool  // a borrowed range after Close (under g.mu)
}

func newOwnedRange(c *C.cip_range) *Range {
	r := &Range{g: &guard{}, c: c}
	runtime.SetFinalizer(r, (*Range).Close)
	return r
}

// NewRange creates an allocator of the usable addresses of cidr.
func NewRange(cidr netip.Prefix, opts *RangeOptions) (*Range, error) {
	cp, err := prefixToC(cidr)
	if err != nil {
		return nil, err
	}
	var c *C.cip_range
	if rc := C.cip_range_new(&c, &cp, opts.c()); rc < 0 {
		return nil, codeErr(rc)
	}
	return newOwnedRange(c), nil
}

// NewRangeFromSnapshot creates a range from a native snapshot (Snapshot),
// with the CIDR and options it carries.
func NewRangeFromSnapshot(now uint64, snapshot []byte, seed uint64) (*Range, error) {
	p, n := bytesPtr(snapshot)
	var c *C.cip_range
	if rc := C.cip_range_new_from_snapshot(&c, C.uint64_t(now), p, n, C.uint64_t(seed)); rc < 0 {
		return nil, codeErr(rc)
	}
	return newOwnedRange(c), nil
}

// Close frees the range (a range borrowed from a Pool is only detached).
// Later calls return ErrClosed; Close itself may be called again.
func (r *Range) Close() error {
	if r.parent != nil {
		r.g.mu.Lock()
		r.detached = true
		r.g.mu.Unlock()
		return nil
	}
	r.g.shut(func() {
		C.cip_range_free(r.c)
		r.c = nil
		runtime.SetFinalizer(r, nil)
	})
	return nil
}

func (r *Range) lock(write bool) (*C.cip_range, func(), error) {
	unlock, err := r.g.enter(write)
	if err != nil {
		return nil, nil, err
	}
	if r.detached {
		unlock()
		return nil, nil, ErrClosed
	}
	return r.c, unlock, nil
}

// AllocateNext allocates a free address: dynamic band first, random start.
// With DryRun nothing is allocated and the network address is returned.
func (r *Range) AllocateNext(now uint64, flags AllocFlags) (netip.Addr, error) {
	c, unlock, err := r.lock(false)
	if err != nil {
		return netip.Addr{}, err
	}
	var out C.cip_addr
	rc := C.cip_range_allocate_next(c, C.uint64_t(now), C.uint(flags), &out)
	unlock()
	if rc < 0 {
		return netip.Addr{}, codeErr(rc)
	}
	return addrFromC(&out), nil
}

// Allocate allocates addr (a requested ClusterIP): ErrAllocated when taken,
// ErrRange outside the usable addresses.
func (r *Range) Allocate(addr netip.Addr, flags AllocFlags) error {
	ca, err := addrToC(addr)
	if err != nil {
		return err
	}
	c, unlock, err := r.lock(false)
	if err != nil {
		return err
	}
	rc := C.cip_range_allocate(c, &ca, C.uint(flags))
	unlock()
	return codeErr(rc)
}

// Release releases addr (into quarantine when enabled); ErrNotAllocated when
// it was free (harmless).
func (r *Range) Release(addr netip.Addr, now uint64, flags AllocFlags) error {
	ca, err := addrToC(addr)
	if err != nil {
		return err
	}
	c, unlock, err := r.lock(false)
	if err != nil {
		return err
	}
	rc := C.cip_range_release(c, &ca, C.uint64_t(now), C.uint(flags))
	unlock()
	return codeErr(rc)
}

// Has tells whether addr is allocated.
func (r *Range) Has(addr netip.Addr) (bool, error) {
	ca, err := addrToC(addr)
	if err != nil {
		return false, err
	}
	c, unlock, err := r.lock(false)
	if err != nil {
		return false, err
	}
	rc := C.cip_range_has(c, &ca)
	unlock()
	if rc < 0 {
		return false, codeErr(rc)
	}
	return rc == 1, nil
}

// Expire ends every quarantine due by now; it returns how many addresses
// became available.
func (r *Range) Expire(now uint64) (int, error) {
	c, unlock, err := r.lock(false)
	if err != nil {
		return 0, err
	}
	rc := C.cip_range_expire(c, C.uint64_t(now))
	unlock()
	if rc < 0 {
		return 0, codeErr(rc)
	}
	return int(rc), nil
}

// Used gives the number of allocated addresses of a band.
func (r *Range) Used(band Band) (uint64, error) {
	c, unlock, err := r.lock(false)
	if err != nil {
		return 0, err
	}
	var out C.uint64_t
	rc := C.cip_range_used(c, C.int(band), &out)
	unlock()
	return uint64(out), codeErr(rc)
}

// Available gives the number of addresses AllocateNext could hand out now.
func (r *Range) Available(band Band) (uint64, error) {
	c, unlock, err := r.lock(false)
	if err != nil {
		return 0, err
	}
	var out C.uint64_t
	rc := C.cip_range_available(c, C.int(band), &out)
	unlock()
	return uint64(out), codeErr(rc)
}

// Stats reads every counter.
func (r *Range) Stats() (RangeStats, error) {
	c, unlock, err := r.lock(false)
	if err != nil {
		return RangeStats{}, err
	}
	var s C.cip_range_stats
	s.sz = C.size_t(unsafe.Sizeof(s))
	rc := C.cip_range_stats_get(c, &s)
	unlock()
	if rc < 0 {
		return RangeStats{}, codeErr(rc)
	}
	return statsFromC(&s), nil
}

// Prefix gives the range's CIDR.
func (r *Range) Prefix() (netip.Prefix, error) {
	c, unlock, err := r.lock(false)
	if err != nil {
		return netip.Prefix{}, err
	}
	var p C.cip_prefix
	rc := C.cip_range_prefix(c, &p)
	unlock()
	if rc < 0 {
		return netip.Prefix{}, codeErr(rc)
	}
	return prefixFromC(&p)
}

// StaticBandSize gives the size of the static band in use.
func (r *Range) StaticBandSize() (uint64, error) {
	c, unlock, err := r.lock(false)
	if err != nil {
		return 0, err
	}
	var out C.uint64_t
	rc := C.cip_range_static_band_size(c, &out)
	unlock()
	return uint64(out), codeErr(rc)
}

// Addrs gives the allocated addresses in ascending order.
func (r *Range) Addrs() ([]netip.Addr, error) {
	c, unlock, err := r.lock(false)
	if err != nil {
		return nil, err
	}
	var list []netip.Addr
	h := cgo.NewHandle(addrVisitor(func(a netip.Addr) bool { list = append(list, a); return true }))
	rc := C.cipgo_range_foreach(c, C.uintptr_t(h))
	unlock()
	h.Delete()
	if rc < 0 {
		return nil, codeErr(rc)
	}
	if rc != 0 {
		return nil, ErrNoMemory
	}
	return list, nil
}

// Foreach calls fn for every allocated address in ascending order until fn
// returns false. The addresses are copied out first: fn runs with no lock
// held and may call any method, Close included.
func (r *Range) Foreach(fn func(netip.Addr) bool) error {
	list, err := r.Addrs()
	if err != nil {
		return err
	}
	for _, a := range list {
		if !fn(a) {
			break
		}
	}
	return nil
}

// K8sSpec gives the `range` string of the range's Kubernetes
// RangeAllocation, e.g. "10.96.0.0/12".
func (r *Range) K8sSpec() (string, error) {
	c, unlock, err := r.lock(false)
	if err != nil {
		return "", err
	}
	var buf [C.CIP_PREFIX_STRLEN]C.char
	n := C.cip_range_k8s_spec(c, &buf[0], C.size_t(len(buf)))
	unlock()
	if n < 0 {
		return "", codeErr(n)
	}
	return C.GoStringN(&buf[0], n), nil
}

// ExportK8s gives the `data` bytes of the range's RangeAllocation, exactly
// as Kubernetes writes them.
func (r *Range) ExportK8s() ([]byte, error) {
	c, unlock, err := r.lock(false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return readBuffer(func(buf *C.uint8_t, cap C.size_t, n *C.size_t) C.int {
		return C.cip_range_export_k8s(c, buf, cap, n)
	})
}

// ImportK8s replaces the allocation state with a RangeAllocation's `range`
// and `data`. It waits for calls in flight on this range.
func (r *Range) ImportK8s(spec string, data []byte) error {
	t := newCText(spec)
	defer t.free()
	p, n := bytesPtr(data)
	c, unlock, err := r.lock(true)
	if err != nil {
		return err
	}
	rc := C.cip_range_import_k8s(c, t.p, t.n, p, n)
	unlock()
	return codeErr(rc)
}

// Snapshot serialises the range (native, checksummed format).
func (r *Range) Snapshot(now uint64) ([]byte, error) {
	c, unlock, err := r.lock(false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return readBuffer(func(buf *C.uint8_t, cap C.size_t, n *C.size_t) C.int {
		return C.cip_range_snapshot(c, C.uint64_t(now), buf, cap, n)
	})
}

// Restore replaces the state with a native snapshot of the same CIDR and
// band. It waits for calls in flight on this range.
func (r *Range) Restore(now uint64, snapshot []byte) error {
	p, n := bytesPtr(snapshot)
	c, unlock, err := r.lock(true)
	if err != nil {
		return err
	}
	rc := C.cip_range_restore(c, C.uint64_t(now), p, n)
	unlock()
	return codeErr(rc)
}
