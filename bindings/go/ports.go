// SPDX-License-Identifier: Apache-2.0

package clusterip

/*
#include <clusterip/clusterip.h>
#include <stdint.h>

extern int goCipPortVisit(uint32_t, void *);
static int cipgo_port_visit(uint32_t port, void *ctx) { return goCipPortVisit(port, ctx); }
static int cipgo_ports_foreach(const cip_ports *p, uintptr_t h) {
	return cip_ports_foreach(p, cipgo_port_visit, (void *)h);
}
*/
import "C"

import (
	"runtime"
	"runtime/cgo"
	"time"
	"unsafe"
)

// PortRange is Size ports from Base (Kubernetes --service-node-port-range).
type PortRange struct {
	Base, Size uint32
}

func (pr PortRange) c() C.cip_port_range {
	return C.cip_port_range{base: C.uint32_t(pr.Base), size: C.uint32_t(pr.Size)}
}

// ParsePortRange parses "min-max", "N" or "min+offset" as Kubernetes'
// PortRange.Set does. Failures are *ParseError.
func ParsePortRange(s string) (PortRange, error) {
	t := newCText(s)
	defer t.free()
	pe := newParseError()
	var out C.cip_port_range
	rc := C.cip_port_range_parse(&out, t.p, t.n, &pe)
	if err := parseErr(s, rc, &pe); err != nil {
		return PortRange{}, err
	}
	return PortRange{uint32(out.base), uint32(out.size)}, nil
}

// Format writes "min-max"; ErrInvalid for an invalid range.
func (pr PortRange) Format() (string, error) {
	c := pr.c()
	var buf [C.CIP_PORT_RANGE_STRLEN]C.char
	n := C.cip_port_range_format(&c, &buf[0], C.size_t(len(buf)))
	if n < 0 {
		return "", codeErr(n)
	}
	return C.GoStringN(&buf[0], n), nil
}

// String is Format, or "invalid" for an invalid range.
func (pr PortRange) String() string {
	s, err := pr.Format()
	if err != nil {
		return "invalid"
	}
	return s
}

// Contains tells whether port is in the range; ErrInvalid for an invalid
// range.
func (pr PortRange) Contains(port uint32) (bool, error) {
	c := pr.c()
	rc := C.cip_port_range_contains(&c, C.uint32_t(port))
	if rc < 0 {
		return false, codeErr(rc)
	}
	return rc == 1, nil
}

// PortsOptions configure a Ports allocator; the zero value gives defaults.
type PortsOptions struct {
	Seed          uint64
	StaticBand    int64 // StaticBandAuto (0), StaticBandOff or a size
	Quarantine    time.Duration
	QuarantineMax uint64
}

func (o *PortsOptions) c() *C.cip_ports_opts {
	if o == nil {
		return nil
	}
	var c C.cip_ports_opts
	C.cip_ports_opts_init(&c, C.size_t(unsafe.Sizeof(c)))
	c.seed = C.uint64_t(o.Seed)
	c.static_band = C.int64_t(o.StaticBand)
	c.quarantine_ns = durNs(o.Quarantine)
	c.quarantine_max = C.uint64_t(o.QuarantineMax)
	return &c
}

// Ports allocates node ports. Safe for concurrent use.
type Ports struct {
	g guard
	c *C.cip_ports
}

func newOwnedPorts(c *C.cip_ports) *Ports {
	p := &Ports{c: c}
	runtime.SetFinalizer(p, (*Ports).Close)
	return p
}

// NewPorts creates an allocator of the ports of pr, all free.
func NewPorts(pr PortRange, opts *PortsOptions) (*Ports, error) {
	cpr := pr.c()
	var c *C.cip_ports
	if rc := C.cip_ports_new(&c, &cpr, opts.c()); rc < 0 {
		return nil, codeErr(rc)
	}
	return newOwnedPorts(c), nil
}

// NewPortsFromSnapshot creates a port allocator from a native snapshot.
func NewPortsFromSnapshot(now uint64, snapshot []byte, seed uint64) (*Ports, error) {
	p, n := bytesPtr(snapshot)
	var c *C.cip_ports
	if rc := C.cip_ports_new_from_snapshot(&c, C.uint64_t(now), p, n, C.uint64_t(seed)); rc < 0 {
		return nil, codeErr(rc)
	}
	return newOwnedPorts(c), nil
}

// Close frees the allocator; later calls return ErrClosed. Idempotent.
func (p *Ports) Close() error {
	p.g.shut(func() {
		C.cip_ports_free(p.c)
		p.c = nil
		runtime.SetFinalizer(p, nil)
	})
	return nil
}

func (p *Ports) lock(write bool) (*C.cip_ports, func(), error) {
	unlock, err := p.g.enter(write)
	if err != nil {
		return nil, nil, err
	}
	return p.c, unlock, nil
}

// AllocateNext allocates a free port (dynamic band first, random start).
func (p *Ports) AllocateNext(now uint64, flags AllocFlags) (uint32, error) {
	c, unlock, err := p.lock(false)
	if err != nil {
		return 0, err
	}
	var out C.uint32_t
	rc := C.cip_ports_allocate_next(c, C.uint64_t(now), C.uint(flags), &out)
	unlock()
	if rc < 0 {
		return 0, codeErr(rc)
	}
	return uint32(out), nil
}

// Allocate allocates port (a requested NodePort).
func (p *Ports) Allocate(port uint32, flags AllocFlags) error {
	c, unlock, err := p.lock(false)
	if err != nil {
		return err
	}
	rc := C.cip_ports_allocate(c, C.uint32_t(port), C.uint(flags))
	unlock()
	return codeErr(rc)
}

// Release releases port; ErrNotAllocated when it was free (harmless).
func (p *Ports) Release(port uint32, now uint64, flags AllocFlags) error {
	c, unlock, err := p.lock(false)
	if err != nil {
		return err
	}
	rc := C.cip_ports_release(c, C.uint32_t(port), C.uint64_t(now), C.uint(flags))
	unlock()
	return codeErr(rc)
}

// Has tells whether port is allocated.
func (p *Ports) Has(port uint32) (bool, error) {
	c, unlock, err := p.lock(false)
	if err != nil {
		return false, err
	}
	rc := C.cip_ports_has(c, C.uint32_t(port))
	unlock()
	if rc < 0 {
		return false, codeErr(rc)
	}
	return rc == 1, nil
}

// Expire ends every quarantine due by now.
func (p *Ports) Expire(now uint64) (int, error) {
	c, unlock, err := p.lock(false)
	if err != nil {
		return 0, err
	}
	rc := C.cip_ports_expire(c, C.uint64_t(now))
	unlock()
	if rc < 0 {
		return 0, codeErr(rc)
	}
	return int(rc), nil
}

// Used gives the number of allocated ports of a band.
func (p *Ports) Used(band Band) (uint64, error) {
	c, unlock, err := p.lock(false)
	if err != nil {
		return 0, err
	}
	var out C.uint64_t
	rc := C.cip_ports_used(c, C.int(band), &out)
	unlock()
	return uint64(out), codeErr(rc)
}

// Available gives the number of ports AllocateNext could hand out now.
func (p *Ports) Available(band Band) (uint64, error) {
	c, unlock, err := p.lock(false)
	if err != nil {
		return 0, err
	}
	var out C.uint64_t
	rc := C.cip_ports_available(c, C.int(band), &out)
	unlock()
	return uint64(out), codeErr(rc)
}

// Stats reads every counter.
func (p *Ports) Stats() (RangeStats, error) {
	c, unlock, err := p.lock(false)
	if err != nil {
		return RangeStats{}, err
	}
	var s C.cip_range_stats
	s.sz = C.size_t(unsafe.Sizeof(s))
	rc := C.cip_ports_stats_get(c, &s)
	unlock()
	if rc < 0 {
		return RangeStats{}, codeErr(rc)
	}
	return statsFromC(&s), nil
}

// Range gives the port range.
func (p *Ports) Range() (PortRange, error) {
	c, unlock, err := p.lock(false)
	if err != nil {
		return PortRange{}, err
	}
	var out C.cip_port_range
	rc := C.cip_ports_range(c, &out)
	unlock()
	if rc < 0 {
		return PortRange{}, codeErr(rc)
	}
	return PortRange{uint32(out.base), uint32(out.size)}, nil
}

// StaticBandSize gives the size of the static band in use.
func (p *Ports) StaticBandSize() (uint64, error) {
	c, unlock, err := p.lock(false)
	if err != nil {
		return 0, err
	}
	var out C.uint64_t
	rc := C.cip_ports_static_band_size(c, &out)
	unlock()
	return uint64(out), codeErr(rc)
}

// List gives the allocated ports in ascending order.
func (p *Ports) List() ([]uint32, error) {
	c, unlock, err := p.lock(false)
	if err != nil {
		return nil, err
	}
	var list []uint32
	h := cgo.NewHandle(portVisitor(func(port uint32) bool { list = append(list, port); return true }))
	rc := C.cipgo_ports_foreach(c, C.uintptr_t(h))
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

// Foreach calls fn for every allocated port in ascending order until fn
// returns false. The ports are copied out first: fn runs with no lock held.
func (p *Ports) Foreach(fn func(uint32) bool) error {
	list, err := p.List()
	if err != nil {
		return err
	}
	for _, port := range list {
		if !fn(port) {
			break
		}
	}
	return nil
}

// ExportK8s gives the `data` of the port range's RangeAllocation (its
// `range` is PortRange.Format()).
func (p *Ports) ExportK8s() ([]byte, error) {
	c, unlock, err := p.lock(false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return readBuffer(func(buf *C.uint8_t, cap C.size_t, n *C.size_t) C.int {
		return C.cip_ports_export_k8s(c, buf, cap, n)
	})
}

// ImportK8s replaces the state with a RangeAllocation's `range` and `data`.
func (p *Ports) ImportK8s(spec string, data []byte) error {
	t := newCText(spec)
	defer t.free()
	dp, dn := bytesPtr(data)
	c, unlock, err := p.lock(true)
	if err != nil {
		return err
	}
	rc := C.cip_ports_import_k8s(c, t.p, t.n, dp, dn)
	unlock()
	return codeErr(rc)
}

// Snapshot writes a native snapshot.
func (p *Ports) Snapshot(now uint64) ([]byte, error) {
	c, unlock, err := p.lock(false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return readBuffer(func(buf *C.uint8_t, cap C.size_t, n *C.size_t) C.int {
		return C.cip_ports_snapshot(c, C.uint64_t(now), buf, cap, n)
	})
}

// Restore replaces the state with a native snapshot of the same port range.
func (p *Ports) Restore(now uint64, snapshot []byte) error {
	sp, sn := bytesPtr(snapshot)
	c, unlock, err := p.lock(true)
	if err != nil {
		return err
	}
	rc := C.cip_ports_restore(c, C.uint64_t(now), sp, sn)
	unlock()
	return codeErr(rc)
}
