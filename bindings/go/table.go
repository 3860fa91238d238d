// SPDX-License-Identifier: Apache-2.0

package clusterip

/*
#include <clusterip/clusterip.h>
#include <stdint.h>
#include <stdlib.h>

extern int goCipServiceVisit(cip_service_info *, void *);
static int cipgo_service_visit(const cip_service_info *svc, void *ctx) {
	return goCipServiceVisit((cip_service_info *)svc, ctx);
}
static int cipgo_table_foreach_service(const cip_table *t, uintptr_t h) {
	return cip_table_foreach_service(t, cipgo_service_visit, (void *)h);
}
*/
import "C"

import (
	"net/netip"
	"runtime"
	"runtime/cgo"
	"strings"
	"unsafe"
)

// TableOptions configure a Table; the zero value gives defaults.
type TableOptions struct {
	ClusterDomain string // "": "cluster.local"
	// Pool gives ClusterIPs; nil: requested ClusterIPs are taken as they
	// are and services without one are refused (ErrUnsupported).
	Pool *Pool
	// NodePorts gives node ports; nil: requested ones are taken as they
	// are and NodePort services without them are refused.
	NodePorts     *Ports
	PrimaryFamily Family   // 0: IPv4
	LBPolicy      LBPolicy // 0: round-robin
	MaglevSize    uint32   // a prime up to 16777259; 0: 65537
	// AffinityCapacity is the ClientIP affinity entries per service port
	// (rounded up to a power of two, up to 2^20); 0: 1024.
	AffinityCapacity uint32
	Seed             uint64 // seed of the round-robin orders; 0: from the OS
}

// Table holds Services, the pods they select and their endpoints, with
// lock-free lookups, DNS and backend selection. Safe for concurrent use:
// readers (lookups, Select, Resolve, ...) never block and the library
// serialises writers itself; only Close waits for the calls in flight.
//
// The Pool and Ports given in TableOptions stay referenced by the table.
// Closing them before the table is safe: the table's service writers then
// return ErrClosed, everything else keeps working.
type Table struct {
	g     guard
	c     *C.cip_table
	pool  *Pool
	ports *Ports
}

// NewTable creates an empty table.
func NewTable(opts *TableOptions) (*Table, error) {
	var o C.cip_table_opts
	C.cip_table_opts_init(&o, C.size_t(unsafe.Sizeof(o)))
	t := &Table{}
	var domain *C.char
	if opts != nil {
		if opts.ClusterDomain != "" {
			if strings.IndexByte(opts.ClusterDomain, 0) >= 0 {
				return nil, newError(C.CIP_EINVAL)
			}
			domain = C.CString(opts.ClusterDomain)
			defer C.free(unsafe.Pointer(domain))
			o.cluster_domain = domain
		}
		o.primary_family = C.int(opts.PrimaryFamily)
		o.lb_policy = C.int(opts.LBPolicy)
		o.maglev_size = C.uint32_t(opts.MaglevSize)
		o.affinity_capacity = C.uint32_t(opts.AffinityCapacity)
		o.seed = C.uint64_t(opts.Seed)
		t.pool, t.ports = opts.Pool, opts.NodePorts
	}
	// The allocators stay locked (shared) while the table is created, so
	// that they cannot be freed under it.
	if t.pool != nil {
		c, err := t.pool.rlock()
		if err != nil {
			return nil, err
		}
		defer t.pool.runlock()
		o.pool = c
	}
	if t.ports != nil {
		c, unlock, err := t.ports.lock(false)
		if err != nil {
			return nil, err
		}
		defer unlock()
		o.node_ports = c
	}
	if rc := C.cip_table_new(&t.c, &o); rc < 0 {
		return nil, codeErr(rc)
	}
	runtime.SetFinalizer(t, (*Table).Close)
	return t, nil
}

// Close frees the table, once every call in flight returned. It does not
// release the ClusterIPs and node ports its services hold. Idempotent.
func (t *Table) Close() error {
	t.g.shut(func() {
		C.cip_table_free(t.c)
		t.c = nil
		runtime.SetFinalizer(t, nil)
	})
	return nil
}

func (t *Table) rlock() (*C.cip_table, error) {
	if _, err := t.g.enter(false); err != nil {
		return nil, err
	}
	return t.c, nil
}

func (t *Table) runlock() { t.g.mu.RUnlock() }

// writeAlloc runs a writer that may allocate from or release to the pool
// and the node ports: they are held (shared) during the call, so that
// they are not freed meanwhile and their Restore waits for it.
func (t *Table) writeAlloc(call func(*C.cip_table) C.int) error {
	c, err := t.rlock()
	if err != nil {
		return err
	}
	defer t.runlock()
	if t.pool != nil {
		if _, err := t.pool.rlock(); err != nil {
			return err
		}
		defer t.pool.runlock()
	}
	if t.ports != nil {
		_, unlock, err := t.ports.lock(false)
		if err != nil {
			return err
		}
		defer unlock()
	}
	return codeErr(call(c))
}

// cArena holds C memory for one call's arguments; free releases it all.
type cArena struct {
	ptrs []unsafe.Pointer
	bad  bool // a string had a NUL byte
}

func (a *cArena) free() {
	for _, p := range a.ptrs {
		C.free(p)
	}
	a.ptrs = nil
}

func (a *cArena) str(s string) *C.char {
	if strings.IndexByte(s, 0) >= 0 {
		a.bad = true
	}
	p := C.CString(s)
	a.ptrs = append(a.ptrs, unsafe.Pointer(p))
	return p
}

// opt gives NULL for "".
func (a *cArena) opt(s string) *C.char {
	if s == "" {
		return nil
	}
	return a.str(s)
}

func (a *cArena) alloc(n int, size uintptr) unsafe.Pointer {
	if n == 0 {
		return nil
	}
	p := C.calloc(C.size_t(n), C.size_t(size))
	if p == nil {
		panic("clusterip: out of C memory")
	}
	a.ptrs = append(a.ptrs, p)
	return p
}

func (a *cArena) labels(ls []Label) (*C.cip_label, C.size_t) {
	p := (*C.cip_label)(a.alloc(len(ls), unsafe.Sizeof(C.cip_label{})))
	if p == nil {
		return nil, 0
	}
	s := unsafe.Slice(p, len(ls))
	for i, l := range ls {
		s[i].key = a.str(l.Key)
		s[i].value = a.str(l.Value)
	}
	return p, C.size_t(len(ls))
}

func (a *cArena) namedPorts(ps []NamedPort) (*C.cip_named_port, C.size_t) {
	p := (*C.cip_named_port)(a.alloc(len(ps), unsafe.Sizeof(C.cip_named_port{})))
	if p == nil {
		return nil, 0
	}
	s := unsafe.Slice(p, len(ps))
	for i, np := range ps {
		s[i].name = a.opt(np.Name)
		s[i].protocol = C.int(np.Protocol)
		s[i].port = C.uint16_t(np.Port)
	}
	return p, C.size_t(len(ps))
}

func (a *cArena) addrs(as []netip.Addr) (*C.cip_addr, C.size_t, error) {
	p := (*C.cip_addr)(a.alloc(len(as), unsafe.Sizeof(C.cip_addr{})))
	if p == nil {
		return nil, 0, nil
	}
	s := unsafe.Slice(p, len(as))
	for i, ad := range as {
		c, err := addrToC(ad)
		if err != nil {
			return nil, 0, err
		}
		s[i] = c
	}
	return p, C.size_t(len(as)), nil
}

func cBool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// serviceSpec builds the C spec in C memory owned by a.
func (a *cArena) serviceSpec(s *ServiceSpec) (*C.cip_service_spec, error) {
	c := (*C.cip_service_spec)(a.alloc(1, unsafe.Sizeof(C.cip_service_spec{})))
	C.cip_service_spec_init(c, C.size_t(unsafe.Sizeof(*c)))
	c.ns = a.str(s.Namespace)
	c.name = a.str(s.Name)
	c._type = C.int(s.Type)
	if n := len(s.Ports); n > 0 {
		p := (*C.cip_service_port)(a.alloc(n, unsafe.Sizeof(C.cip_service_port{})))
		ps := unsafe.Slice(p, n)
		for i, sp := range s.Ports {
			ps[i].name = a.opt(sp.Name)
			ps[i].protocol = C.int(sp.Protocol)
			ps[i].port = C.uint16_t(sp.Port)
			ps[i].target_port = C.uint16_t(sp.TargetPort)
			ps[i].target_port_name = a.opt(sp.TargetPortName)
			ps[i].node_port = C.uint16_t(sp.NodePort)
		}
		c.ports, c.nports = p, C.size_t(n)
	}
	c.selector, c.nselector = a.labels(s.Selector)
	c.headless = cBool(s.Headless)
	var err error
	if c.cluster_ips, c.ncluster_ips, err = a.addrs(s.ClusterIPs); err != nil {
		return nil, err
	}
	c.ip_family_policy = C.int(s.IPFamilyPolicy)
	c.session_affinity = C.int(s.SessionAffinity)
	c.affinity_timeout = C.uint32_t(s.AffinityTimeout)
	c.internal_traffic_policy = C.int(s.InternalTrafficPolicy)
	c.external_name = a.opt(s.ExternalName)
	c.publish_not_ready_addresses = cBool(s.PublishNotReadyAddresses)
	c.traffic_distribution = C.int(s.TrafficDistribution)
	c.lb_policy = C.int(s.LBPolicy)
	if a.bad {
		return nil, newError(C.CIP_EINVAL)
	}
	return c, nil
}

func (a *cArena) podSpec(s *PodSpec) (*C.cip_pod_spec, error) {
	c := (*C.cip_pod_spec)(a.alloc(1, unsafe.Sizeof(C.cip_pod_spec{})))
	C.cip_pod_spec_init(c, C.size_t(unsafe.Sizeof(*c)))
	c.ns = a.str(s.Namespace)
	c.name = a.str(s.Name)
	var err error
	if c.ips, c.nips, err = a.addrs(s.IPs); err != nil {
		return nil, err
	}
	c.labels, c.nlabels = a.labels(s.Labels)
	c.node_name = a.opt(s.NodeName)
	c.zone = a.opt(s.Zone)
	c.hostname = a.opt(s.Hostname)
	c.ports, c.nports = a.namedPorts(s.Ports)
	c.conditions = C.uint(s.Conditions)
	c.weight = C.uint32_t(s.Weight)
	if a.bad {
		return nil, newError(C.CIP_EINVAL)
	}
	return c, nil
}

func (a *cArena) specError() *C.cip_spec_error {
	e := (*C.cip_spec_error)(a.alloc(1, unsafe.Sizeof(C.cip_spec_error{})))
	e.sz = C.size_t(unsafe.Sizeof(*e))
	return e
}

// specErr turns a writer's return code and spec error into an error: a
// *SpecError when the library explained the failure.
func specErr(rc C.int, se *C.cip_spec_error) error {
	if rc >= 0 {
		return nil
	}
	if se == nil || se.code != rc {
		return codeErr(rc)
	}
	return &SpecError{
		Err:     newError(int(rc)),
		Field:   SpecField(se.field),
		Index:   int(se.index),
		Offset:  int(se.offset),
		Message: C.GoString(&se.message[0]),
	}
}

// CreateService adds a service, allocating its ClusterIPs and node ports
// as needed. Failures: *SpecError (ErrSpec, ErrExist, ...), ErrAllocated,
// ErrRange, ErrFull, ErrFamily, ErrUnsupported.
func (t *Table) CreateService(s *ServiceSpec, now uint64) error {
	return t.serviceWrite(s, now, func(c *C.cip_table, cs *C.cip_service_spec, se *C.cip_spec_error) C.int {
		return C.cip_table_service_create(c, cs, C.uint64_t(now), se)
	})
}

// UpdateService replaces a service's spec (its ClusterIPs stay).
func (t *Table) UpdateService(s *ServiceSpec, now uint64) error {
	return t.serviceWrite(s, now, func(c *C.cip_table, cs *C.cip_service_spec, se *C.cip_spec_error) C.int {
		return C.cip_table_service_update(c, cs, C.uint64_t(now), se)
	})
}

func (t *Table) serviceWrite(s *ServiceSpec, now uint64, call func(*C.cip_table, *C.cip_service_spec, *C.cip_spec_error) C.int) error {
	if s == nil {
		return newError(C.CIP_EINVAL)
	}
	var a cArena
	defer a.free()
	cs, err := a.serviceSpec(s)
	if err != nil {
		return err
	}
	se := a.specError()
	var rc C.int
	if err := t.writeAlloc(func(c *C.cip_table) C.int {
		rc = call(c, cs, se)
		return rc
	}); err != nil && rc == 0 {
		return err // closed
	}
	return specErr(rc, se)
}

// DeleteService removes a service and releases its ClusterIPs and node
// ports into the allocators' quarantine at now.
func (t *Table) DeleteService(ns, name string, now uint64) error {
	var a cArena
	defer a.free()
	cns, cname := a.str(ns), a.str(name)
	if a.bad {
		return newError(C.CIP_EINVAL)
	}
	return t.writeAlloc(func(c *C.cip_table) C.int {
		return C.cip_table_service_delete(c, cns, cname, C.uint64_t(now))
	})
}

// ApplyPod adds or replaces a pod and updates the endpoints of the
// services that select it.
func (t *Table) ApplyPod(p *PodSpec) error {
	if p == nil {
		return newError(C.CIP_EINVAL)
	}
	var a cArena
	defer a.free()
	cs, err := a.podSpec(p)
	if err != nil {
		return err
	}
	se := a.specError()
	c, err := t.rlock()
	if err != nil {
		return err
	}
	rc := C.cip_table_pod_apply(c, cs, se)
	t.runlock()
	return specErr(rc, se)
}

// DeletePod removes a pod and its endpoints.
func (t *Table) DeletePod(ns, name string) error {
	var a cArena
	defer a.free()
	cns, cname := a.str(ns), a.str(name)
	if a.bad {
		return newError(C.CIP_EINVAL)
	}
	c, err := t.rlock()
	if err != nil {
		return err
	}
	rc := C.cip_table_pod_delete(c, cns, cname)
	t.runlock()
	return codeErr(rc)
}

// SetEndpoints sets the endpoints of a service without a selector (as
// manual EndpointSlices do); ports are the slice's ports. No endpoints
// clears them.
func (t *Table) SetEndpoints(ns, name string, eps []EndpointSpec, ports []NamedPort) error {
	var a cArena
	defer a.free()
	cns, cname := a.str(ns), a.str(name)
	ce := (*C.cip_endpoint_spec)(a.alloc(len(eps), unsafe.Sizeof(C.cip_endpoint_spec{})))
	if ce != nil {
		s := unsafe.Slice(ce, len(eps))
		for i, e := range eps {
			ca, err := addrToC(e.Addr)
			if err != nil {
				return err
			}
			s[i].addr = ca
			s[i].conditions = C.uint(e.Conditions)
			s[i].node_name = a.opt(e.NodeName)
			s[i].zone = a.opt(e.Zone)
			s[i].hostname = a.opt(e.Hostname)
			s[i].hint_zone = a.opt(e.HintZone)
			s[i].hint_node = a.opt(e.HintNode)
			s[i].weight = C.uint32_t(e.Weight)
		}
	}
	cp, np := a.namedPorts(ports)
	if a.bad {
		return newError(C.CIP_EINVAL)
	}
	se := a.specError()
	c, err := t.rlock()
	if err != nil {
		return err
	}
	rc := C.cip_table_endpoints_set(c, cns, cname, ce, C.size_t(len(eps)), cp, np, se)
	t.runlock()
	return specErr(rc, se)
}

func cstr(p *C.char) string { return C.GoString(p) }

func serviceFromC(c *C.cip_service_info) ServiceInfo {
	s := ServiceInfo{
		Namespace:                cstr(&c.ns[0]),
		Name:                     cstr(&c.name[0]),
		ExternalName:             cstr(&c.external_name[0]),
		Type:                     ServiceType(c._type),
		Headless:                 c.headless != 0,
		HasSelector:              c.has_selector != 0,
		IPFamilyPolicy:           IPFamilyPolicy(c.ip_family_policy),
		SessionAffinity:          SessionAffinity(c.session_affinity),
		InternalTrafficPolicy:    TrafficPolicy(c.internal_traffic_policy),
		PublishNotReadyAddresses: c.publish_not_ready_addresses != 0,
		TrafficDistribution:      TrafficDistribution(c.traffic_distribution),
		AffinityTimeout:          uint32(c.affinity_timeout),
		Ports:                    int(c.nports),
		Endpoints:                int(c.nendpoints),
		Generation:               uint64(c.generation),
	}
	for i := 0; i < int(c.ncluster_ips) && i < 2; i++ {
		s.ClusterIPs = append(s.ClusterIPs, addrFromC(&c.cluster_ips[i]))
	}
	return s
}

func portFromC(c *C.cip_service_port_info) ServicePortInfo {
	return ServicePortInfo{
		Name:           cstr(&c.name[0]),
		TargetPortName: cstr(&c.target_port_name[0]),
		Port:           uint16(c.port),
		TargetPort:     uint16(c.target_port),
		NodePort:       uint16(c.node_port),
		Protocol:       Protocol(c.protocol),
		Endpoints:      int(c.nendpoints),
		Index:          int(c.index),
	}
}

func endpointsFromC(cs []C.cip_endpoint) []Endpoint {
	out := make([]Endpoint, len(cs))
	for i := range cs {
		c := &cs[i]
		out[i] = Endpoint{
			Addr:       addrFromC(&c.addr),
			Port:       uint16(c.port),
			Conditions: Conditions(c.conditions),
			Node:       uint32(c.node),
			Zone:       uint32(c.zone),
			HintZone:   uint32(c.hint_zone),
			HintNode:   uint32(c.hint_node),
		}
	}
	return out
}

// LookupResult is a service port and its endpoints, all of one version.
type LookupResult struct {
	Service   ServiceInfo
	Port      ServicePortInfo
	Endpoints []Endpoint
}

// readEndpoints runs a call that fills up to cap endpoints and says how
// many there are, growing the buffer on ErrBufferSize.
func readEndpoints(call func(eps *C.cip_endpoint, cap C.size_t, n *C.size_t) C.int) ([]Endpoint, error) {
	buf := make([]C.cip_endpoint, 16)
	for tries := 0; ; tries++ {
		var n C.size_t
		rc := call(&buf[0], C.size_t(len(buf)), &n)
		if rc == 0 {
			return endpointsFromC(buf[:n]), nil
		}
		if rc != C.CIP_EBUFSIZE || tries > 8 {
			return nil, codeErr(rc)
		}
		buf = make([]C.cip_endpoint, int(n)+16)
	}
}

func (t *Table) lookup(call func(c *C.cip_table, svc *C.cip_service_info, pi *C.cip_service_port_info, eps *C.cip_endpoint, cap C.size_t, n *C.size_t) C.int) (LookupResult, error) {
	c, err := t.rlock()
	if err != nil {
		return LookupResult{}, err
	}
	defer t.runlock()
	var svc C.cip_service_info
	var pi C.cip_service_port_info
	eps, err := readEndpoints(func(e *C.cip_endpoint, cap C.size_t, n *C.size_t) C.int {
		return call(c, &svc, &pi, e, cap, n)
	})
	if err != nil {
		return LookupResult{}, err
	}
	return LookupResult{serviceFromC(&svc), portFromC(&pi), eps}, nil
}

// Lookup finds the service port at vip:port/protocol; ErrNotFound when
// there is none.
func (t *Table) Lookup(vip netip.Addr, port uint16, proto Protocol) (LookupResult, error) {
	cv, err := addrToC(vip)
	if err != nil {
		return LookupResult{}, err
	}
	return t.lookup(func(c *C.cip_table, svc *C.cip_service_info, pi *C.cip_service_port_info, eps *C.cip_endpoint, cap C.size_t, n *C.size_t) C.int {
		return C.cip_table_lookup(c, &cv, C.uint16_t(port), C.int(proto), svc, pi, eps, cap, n)
	})
}

// LookupNodePort finds the service port of a node port.
func (t *Table) LookupNodePort(nodePort uint16, proto Protocol) (LookupResult, error) {
	return t.lookup(func(c *C.cip_table, svc *C.cip_service_info, pi *C.cip_service_port_info, eps *C.cip_endpoint, cap C.size_t, n *C.size_t) C.int {
		return C.cip_table_lookup_node_port(c, C.uint16_t(nodePort), C.int(proto), svc, pi, eps, cap, n)
	})
}

// LookupQuery is one lookup of a batch.
type LookupQuery struct {
	VIP      netip.Addr // ignored with NodePort
	Port     uint16     // the service port, or the node port
	Protocol Protocol
	NodePort bool
}

// BatchResult is the result of one lookup of a batch: Err is nil or what
// Lookup would have returned.
type BatchResult struct {
	LookupResult
	Err error
}

// batchCap is the room for endpoints of each lookup of a batch; a lookup
// with more is made again on its own.
const batchCap = 32

// LookupBatch makes several lookups at once (cip_table_lookup_batch) and
// gives one result per query, in order, and how many succeeded.
func (t *Table) LookupBatch(qs []LookupQuery) ([]BatchResult, int, error) {
	res := make([]BatchResult, len(qs))
	if len(qs) == 0 {
		return res, 0, nil
	}
	// cip_lookup holds pointers, so all of it lives in C memory.
	var a cArena
	defer a.free()
	n := len(qs)
	ls := unsafe.Slice((*C.cip_lookup)(a.alloc(n, unsafe.Sizeof(C.cip_lookup{}))), n)
	svcs := unsafe.Slice((*C.cip_service_info)(a.alloc(n, unsafe.Sizeof(C.cip_service_info{}))), n)
	pis := unsafe.Slice((*C.cip_service_port_info)(a.alloc(n, unsafe.Sizeof(C.cip_service_port_info{}))), n)
	eps := unsafe.Slice((*C.cip_endpoint)(a.alloc(n*batchCap, unsafe.Sizeof(C.cip_endpoint{}))), n*batchCap)
	for i, q := range qs {
		l := &ls[i]
		if !q.NodePort {
			cv, err := addrToC(q.VIP)
			if err != nil {
				res[i].Err = err
				l.protocol = 0 // the library answers CIP_EINVAL
			}
			l.vip = cv
		} else {
			l.flags = C.CIP_LOOKUP_NODE_PORT
		}
		l.port = C.uint16_t(q.Port)
		if res[i].Err == nil {
			l.protocol = C.uint8_t(q.Protocol)
		}
		l.svc, l.port_info = &svcs[i], &pis[i]
		l.eps, l.cap = &eps[i*batchCap], batchCap
	}
	c, err := t.rlock()
	if err != nil {
		return nil, 0, err
	}
	rc := C.cip_table_lookup_batch(c, &ls[0], C.size_t(n))
	t.runlock()
	if rc < 0 {
		return nil, 0, codeErr(rc)
	}
	ok := 0
	for i := range qs {
		l := &ls[i]
		switch {
		case res[i].Err != nil:
		case l.rc == 0:
			res[i].LookupResult = LookupResult{serviceFromC(&svcs[i]), portFromC(&pis[i]),
				endpointsFromC(eps[i*batchCap : i*batchCap+int(l.n)])}
		case l.rc == C.CIP_EBUFSIZE:
			q := qs[i]
			if q.NodePort {
				res[i].LookupResult, res[i].Err = t.LookupNodePort(q.Port, q.Protocol)
			} else {
				res[i].LookupResult, res[i].Err = t.Lookup(q.VIP, q.Port, q.Protocol)
			}
		default:
			res[i].Err = codeErr(C.int(l.rc))
		}
		if res[i].Err == nil {
			ok++
		}
	}
	return res, ok, nil
}

// Service gives a service and its ports, of one version.
func (t *Table) Service(ns, name string) (ServiceInfo, []ServicePortInfo, error) {
	var a cArena
	defer a.free()
	cns, cname := a.str(ns), a.str(name)
	if a.bad {
		return ServiceInfo{}, nil, newError(C.CIP_EINVAL)
	}
	c, err := t.rlock()
	if err != nil {
		return ServiceInfo{}, nil, err
	}
	defer t.runlock()
	var svc C.cip_service_info
	buf := make([]C.cip_service_port_info, 8)
	for tries := 0; ; tries++ {
		rc := C.cip_table_service_get(c, cns, cname, &svc, &buf[0], C.size_t(len(buf)))
		if rc == 0 {
			break
		}
		if rc != C.CIP_EBUFSIZE || tries > 8 {
			return ServiceInfo{}, nil, codeErr(rc)
		}
		buf = make([]C.cip_service_port_info, int(svc.nports)+8)
	}
	info := serviceFromC(&svc)
	ports := make([]ServicePortInfo, info.Ports)
	for i := range ports {
		ports[i] = portFromC(&buf[i])
	}
	return info, ports, nil
}

// Endpoints gives the endpoints of one port of a service, by its index in
// the spec's ports.
func (t *Table) Endpoints(ns, name string, portIndex int) ([]Endpoint, error) {
	if portIndex < 0 {
		return nil, newError(C.CIP_EINVAL)
	}
	var a cArena
	defer a.free()
	cns, cname := a.str(ns), a.str(name)
	if a.bad {
		return nil, newError(C.CIP_EINVAL)
	}
	c, err := t.rlock()
	if err != nil {
		return nil, err
	}
	defer t.runlock()
	return readEndpoints(func(e *C.cip_endpoint, cap C.size_t, n *C.size_t) C.int {
		return C.cip_table_endpoints(c, cns, cname, C.size_t(portIndex), e, cap, n)
	})
}

// Services gives a copy of every service, in no particular order.
func (t *Table) Services() ([]ServiceInfo, error) {
	c, err := t.rlock()
	if err != nil {
		return nil, err
	}
	var list []ServiceInfo
	h := cgo.NewHandle(serviceVisitor(func(s *C.cip_service_info) bool {
		list = append(list, serviceFromC(s))
		return true
	}))
	rc := C.cipgo_table_foreach_service(c, C.uintptr_t(h))
	t.runlock()
	h.Delete()
	if rc < 0 {
		return nil, codeErr(rc)
	}
	if rc != 0 {
		return nil, ErrInvalid
	}
	return list, nil
}

// ForeachService calls fn with every service until it returns false. The
// services are copied out first, so fn may call any method of the table.
func (t *Table) ForeachService(fn func(ServiceInfo) bool) error {
	list, err := t.Services()
	if err != nil {
		return err
	}
	for _, s := range list {
		if !fn(s) {
			break
		}
	}
	return nil
}

// EndpointsReason says why a service has no ready endpoints
// (EndpointsOK when it has some).
func (t *Table) EndpointsReason(ns, name string) (EndpointsReason, error) {
	var a cArena
	defer a.free()
	cns, cname := a.str(ns), a.str(name)
	if a.bad {
		return 0, newError(C.CIP_EINVAL)
	}
	c, err := t.rlock()
	if err != nil {
		return 0, err
	}
	var r C.int
	rc := C.cip_table_endpoints_reason(c, cns, cname, &r)
	t.runlock()
	if rc < 0 {
		return 0, codeErr(rc)
	}
	return EndpointsReason(r), nil
}

// Generation gives the table's generation, which grows with every write
// that changes what readers see.
func (t *Table) Generation() (uint64, error) {
	c, err := t.rlock()
	if err != nil {
		return 0, err
	}
	var g C.uint64_t
	rc := C.cip_table_generation(c, &g)
	t.runlock()
	return uint64(g), codeErr(rc)
}

// Resolve answers a DNS question as the cluster DNS does for a pod in
// namespace clientNS ("" for none: name is then fully qualified). An
// empty answer with a nil error is NODATA; ErrNotFound is NXDOMAIN;
// ErrName a name that is not a valid DNS name.
func (t *Table) Resolve(name string, qtype DNSType, clientNS string) ([]DNSRecord, error) {
	var a cArena
	defer a.free()
	cname := a.str(name)
	cns := a.opt(clientNS)
	if strings.IndexByte(clientNS, 0) >= 0 {
		return nil, newError(C.CIP_EINVAL)
	}
	c, err := t.rlock()
	if err != nil {
		return nil, err
	}
	defer t.runlock()
	buf := make([]C.cip_dns_record, 4)
	var n C.size_t
	for tries := 0; ; tries++ {
		rc := C.cip_table_dns_resolve(c, cname, C.size_t(len(name)), C.int(qtype), cns, &buf[0], C.size_t(len(buf)), &n)
		if rc == 0 {
			break
		}
		if rc != C.CIP_EBUFSIZE || tries > 8 {
			return nil, codeErr(rc)
		}
		buf = make([]C.cip_dns_record, int(n)+4)
	}
	out := make([]DNSRecord, int(n))
	for i := range out {
		r := &buf[i]
		out[i] = DNSRecord{
			Name:     cstr(&r.name[0]),
			Type:     DNSType(r._type),
			Target:   cstr(&r.target[0]),
			Priority: uint16(r.priority),
			Weight:   uint16(r.weight),
			Port:     uint16(r.port),
		}
		if out[i].Type == DNSA || out[i].Type == DNSAAAA {
			out[i].Addr = addrFromC(&r.addr)
		}
	}
	return out, nil
}

// NameID finds the id of an interned node or zone name; ErrNotFound when
// no endpoint ever carried it.
func (t *Table) NameID(name string) (uint32, error) {
	var a cArena
	defer a.free()
	cname := a.str(name)
	if a.bad {
		return 0, newError(C.CIP_EINVAL)
	}
	c, err := t.rlock()
	if err != nil {
		return 0, err
	}
	var id C.uint32_t
	rc := C.cip_table_name_id(c, cname, &id)
	t.runlock()
	if rc < 0 {
		return 0, codeErr(rc)
	}
	return uint32(id), nil
}

// Name gives the interned node or zone name of id.
func (t *Table) Name(id uint32) (string, error) {
	c, err := t.rlock()
	if err != nil {
		return "", err
	}
	defer t.runlock()
	buf := make([]C.char, C.CIP_SUBDOMAIN_CAP)
	for tries := 0; ; tries++ {
		rc := C.cip_table_name(c, C.uint32_t(id), &buf[0], C.size_t(len(buf)))
		if rc >= 0 {
			return C.GoStringN(&buf[0], rc), nil
		}
		if rc != C.CIP_EBUFSIZE || tries > 4 {
			return "", codeErr(rc)
		}
		buf = make([]C.char, 4*len(buf))
	}
}

// Select chooses the backend of one connection. ErrNotFound: no service
// port there; ErrNoBackend: no usable endpoint of the connection's family
// (reject); ErrDrop: internalTrafficPolicy Local and none on this node
// (drop).
func (t *Table) Select(req SelectRequest) (Backend, error) {
	var cr C.cip_select_request
	if !req.NodePort {
		v, err := addrToC(req.VIP)
		if err != nil {
			return Backend{}, err
		}
		cr.vip = v
	} else {
		cr.flags |= C.CIP_SELECT_NODE_PORT
	}
	if req.ResetAffinity {
		cr.flags |= C.CIP_SELECT_RESET_AFFINITY
	}
	if req.Client.IsValid() {
		cl, err := addrToC(req.Client)
		if err != nil {
			return Backend{}, err
		}
		cr.client = cl
	}
	if req.Protocol < 0 || req.Protocol > 255 {
		return Backend{}, newError(C.CIP_EINVAL)
	}
	cr.port = C.uint16_t(req.Port)
	cr.protocol = C.uint8_t(req.Protocol)
	cr.client_port = C.uint16_t(req.ClientPort)
	cr.node = C.uint32_t(req.Node)
	cr.zone = C.uint32_t(req.Zone)
	cr.now = C.uint64_t(req.Now)
	c, err := t.rlock()
	if err != nil {
		return Backend{}, err
	}
	var b C.cip_backend
	rc := C.cip_table_select(c, &cr, &b)
	t.runlock()
	if rc < 0 {
		return Backend{}, codeErr(rc)
	}
	return Backend{
		Addr:       addrFromC(&b.addr),
		Port:       uint16(b.port),
		Category:   BackendCategory(b.category),
		Affinity:   b.flags&C.CIP_BACKEND_AFFINITY != 0,
		Index:      int(b.index),
		Node:       uint32(b.node),
		Zone:       uint32(b.zone),
		Weight:     uint32(b.weight),
		Generation: uint64(b.generation),
	}, nil
}

// AffinityExpire empties every expired session affinity entry and gives
// how many it emptied.
func (t *Table) AffinityExpire(now uint64) (int, error) {
	c, err := t.rlock()
	if err != nil {
		return 0, err
	}
	rc := C.cip_table_affinity_expire(c, C.uint64_t(now))
	t.runlock()
	if rc < 0 {
		return 0, codeErr(rc)
	}
	return int(rc), nil
}

// AffinityCount counts the live session affinity entries of a service.
func (t *Table) AffinityCount(ns, name string, now uint64) (int, error) {
	var a cArena
	defer a.free()
	cns, cname := a.str(ns), a.str(name)
	if a.bad {
		return 0, newError(C.CIP_EINVAL)
	}
	c, err := t.rlock()
	if err != nil {
		return 0, err
	}
	rc := C.cip_table_affinity_count(c, cns, cname, C.uint64_t(now))
	t.runlock()
	if rc < 0 {
		return 0, codeErr(rc)
	}
	return int(rc), nil
}
