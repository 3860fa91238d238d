// SPDX-License-Identifier: Apache-2.0

package clusterip

/*
#include <clusterip/clusterip.h>
#include <stdint.h>

extern int goCipPrefixStateVisit(cip_prefix *, int, void *);
static int cipgo_prefix_state_visit(const cip_prefix *p, int state, void *ctx) {
	return goCipPrefixStateVisit((cip_prefix *)p, state, ctx);
}
static int cipgo_pool_foreach_range(const cip_pool *p, int family, uintptr_t h) {
	return cip_pool_foreach_range(p, family, cipgo_prefix_state_visit, (void *)h);
}
*/
import "C"

import (
	"net/netip"
	"runtime"
	"runtime/cgo"
	"sync"
	"unsafe"
)

// PoolOptions configure a Pool; the zero value gives defaults.
type PoolOptions struct {
	Seed      uint64 // seed of the choice among ranges; 0: from the OS
	MaxRanges uint32 // ranges per family over the pool's life, 1..64; 0: 16
}

// IPFamilyPolicy is a Service's ipFamilyPolicy.
type IPFamilyPolicy int

// IP family policies.
const (
	SingleStack      IPFamilyPolicy = C.CIP_SINGLE_STACK
	PreferDualStack  IPFamilyPolicy = C.CIP_PREFER_DUAL_STACK
	RequireDualStack IPFamilyPolicy = C.CIP_REQUIRE_DUAL_STACK
)

// PoolRangeState is the state of a range in a pool.
type PoolRangeState int

// Range states.
const (
	PoolActive   PoolRangeState = C.CIP_POOL_ACTIVE
	PoolDraining PoolRangeState = C.CIP_POOL_DRAINING
)

// PoolRange is one range of a pool as Ranges reports it.
type PoolRange struct {
	Prefix netip.Prefix
	State  PoolRangeState
}

// Pool holds the service ranges (ServiceCIDRs) of both families. Safe for
// concurrent use; Add, Drain and Remove are serialised among themselves.
type Pool struct {
	g   *guard
	cfg sync.Mutex // cip_pool_add/drain/remove are caller-synchronized
	c   *C.cip_pool
}

// NewPool creates an empty pool.
func NewPool(opts *PoolOptions) (*Pool, error) {
	var co *C.cip_pool_opts
	if opts != nil {
		var o C.cip_pool_opts
		C.cip_pool_opts_init(&o, C.size_t(unsafe.Sizeof(o)))
		o.seed = C.uint64_t(opts.Seed)
		o.max_ranges = C.uint32_t(opts.MaxRanges)
		co = &o
	}
	var c *C.cip_pool
	if rc := C.cip_pool_new(&c, co); rc < 0 {
		return nil, codeErr(rc)
	}
	p := &Pool{g: &guard{}, c: c}
	runtime.SetFinalizer(p, (*Pool).Close)
	return p, nil
}

// Close frees the pool and its ranges; ranges obtained from Range become
// unusable (ErrClosed). Idempotent.
func (p *Pool) Close() error {
	p.g.shut(func() {
		C.cip_pool_free(p.c)
		p.c = nil
		runtime.SetFinalizer(p, nil)
	})
	return nil
}

func (p *Pool) rlock() (*C.cip_pool, error) {
	if _, err := p.g.enter(false); err != nil {
		return nil, err
	}
	return p.c, nil
}

func (p *Pool) runlock() { p.g.mu.RUnlock() }

func (p *Pool) configure(cidr netip.Prefix, call func(*C.cip_pool, *C.cip_prefix) C.int) error {
	cp, err := prefixToC(cidr)
	if err != nil {
		return err
	}
	p.cfg.Lock()
	defer p.cfg.Unlock()
	c, err := p.rlock()
	if err != nil {
		return err
	}
	rc := call(c, &cp)
	p.runlock()
	return codeErr(rc)
}

// Add adds an active range for cidr after the ranges of its family.
func (p *Pool) Add(cidr netip.Prefix, opts *RangeOptions) error {
	co := opts.c()
	return p.configure(cidr, func(c *C.cip_pool, cp *C.cip_prefix) C.int {
		return C.cip_pool_add(c, cp, co)
	})
}

// Drain stops allocation from the range of cidr.
func (p *Pool) Drain(cidr netip.Prefix) error {
	return p.configure(cidr, func(c *C.cip_pool, cp *C.cip_prefix) C.int {
		return C.cip_pool_drain(c, cp)
	})
}

// Remove removes the draining range of cidr once it holds no address.
func (p *Pool) Remove(cidr netip.Prefix) error {
	return p.configure(cidr, func(c *C.cip_pool, cp *C.cip_prefix) C.int {
		return C.cip_pool_remove(c, cp)
	})
}

// Range gives the range of cidr, borrowed from the pool: it stays usable
// until the pool is closed (its Close only detaches it). Its Restore and
// ImportK8s wait for every call in flight on the pool.
func (p *Pool) Range(cidr netip.Prefix) (*Range, error) {
	cp, err := prefixToC(cidr)
	if err != nil {
		return nil, err
	}
	c, err := p.rlock()
	if err != nil {
		return nil, err
	}
	var r *C.cip_range
	rc := C.cip_pool_range(c, &cp, &r)
	p.runlock()
	if rc < 0 {
		return nil, codeErr(rc)
	}
	return &Range{g: p.g, c: r, parent: p}, nil
}

// Ranges gives the ranges of a family that are not removed, in add order.
func (p *Pool) Ranges(f Family) ([]PoolRange, error) {
	c, err := p.rlock()
	if err != nil {
		return nil, err
	}
	var list []PoolRange
	h := cgo.NewHandle(prefixStateVisitor(func(pf netip.Prefix, st int) bool {
		list = append(list, PoolRange{pf, PoolRangeState(st)})
		return true
	}))
	rc := C.cipgo_pool_foreach_range(c, C.int(f), C.uintptr_t(h))
	p.runlock()
	h.Delete()
	if rc < 0 {
		return nil, codeErr(rc)
	}
	if rc != 0 {
		return nil, ErrInvalid
	}
	return list, nil
}

// AllocateNext allocates a free address of family f from an active range,
// chosen at random weighted by available size.
func (p *Pool) AllocateNext(f Family, now uint64, flags AllocFlags) (netip.Addr, error) {
	c, err := p.rlock()
	if err != nil {
		return netip.Addr{}, err
	}
	var out C.cip_addr
	rc := C.cip_pool_allocate_next(c, C.int(f), C.uint64_t(now), C.uint(flags), &out)
	p.runlock()
	if rc < 0 {
		return netip.Addr{}, codeErr(rc)
	}
	return addrFromC(&out), nil
}

// Allocate allocates addr in the range it belongs to.
func (p *Pool) Allocate(addr netip.Addr, flags AllocFlags) error {
	ca, err := addrToC(addr)
	if err != nil {
		return err
	}
	c, err := p.rlock()
	if err != nil {
		return err
	}
	rc := C.cip_pool_allocate(c, &ca, C.uint(flags))
	p.runlock()
	return codeErr(rc)
}

// Release releases addr in the range it belongs to.
func (p *Pool) Release(addr netip.Addr, now uint64, flags AllocFlags) error {
	ca, err := addrToC(addr)
	if err != nil {
		return err
	}
	c, err := p.rlock()
	if err != nil {
		return err
	}
	rc := C.cip_pool_release(c, &ca, C.uint64_t(now), C.uint(flags))
	p.runlock()
	return codeErr(rc)
}

// Has tells whether addr is allocated in the range it belongs to.
func (p *Pool) Has(addr netip.Addr) (bool, error) {
	ca, err := addrToC(addr)
	if err != nil {
		return false, err
	}
	c, err := p.rlock()
	if err != nil {
		return false, err
	}
	rc := C.cip_pool_has(c, &ca)
	p.runlock()
	if rc < 0 {
		return false, codeErr(rc)
	}
	return rc == 1, nil
}

// Used gives the number of allocated addresses of family f.
func (p *Pool) Used(f Family) (uint64, error) {
	c, err := p.rlock()
	if err != nil {
		return 0, err
	}
	var out C.uint64_t
	rc := C.cip_pool_used(c, C.int(f), &out)
	p.runlock()
	return uint64(out), codeErr(rc)
}

// Available gives the available addresses of the active ranges of f.
func (p *Pool) Available(f Family) (uint64, error) {
	c, err := p.rlock()
	if err != nil {
		return 0, err
	}
	var out C.uint64_t
	rc := C.cip_pool_available(c, C.int(f), &out)
	p.runlock()
	return uint64(out), codeErr(rc)
}

// AllocatePair allocates a Service's ClusterIPs by its ipFamilyPolicy,
// primary family first, all or nothing.
func (p *Pool) AllocatePair(policy IPFamilyPolicy, primary Family, now uint64, flags AllocFlags) ([]netip.Addr, error) {
	c, err := p.rlock()
	if err != nil {
		return nil, err
	}
	var out [2]C.cip_addr
	var n C.size_t
	rc := C.cip_pool_allocate_pair(c, C.int(policy), C.int(primary), C.uint64_t(now), C.uint(flags), &out[0], &n)
	p.runlock()
	if rc < 0 {
		return nil, codeErr(rc)
	}
	res := make([]netip.Addr, 0, 2)
	for i := 0; i < int(n) && i < 2; i++ {
		res = append(res, addrFromC(&out[i]))
	}
	return res, nil
}
