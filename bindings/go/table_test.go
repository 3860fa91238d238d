// SPDX-License-Identifier: Apache-2.0

package clusterip

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"testing"
)

var (
	v4Range = netip.MustParsePrefix("10.96.0.0/24")
	v6Range = netip.MustParsePrefix("fd00:10:96::/112")
)

type tableFixture struct {
	pool  *Pool
	ports *Ports
	table *Table
}

func newTableFixture(t *testing.T, lb LBPolicy) *tableFixture {
	t.Helper()
	return newTableFixtureOpts(t, TableOptions{LBPolicy: lb})
}

// newTableFixtureOpts makes a table over a dual-stack pool and node ports
// 30000-30099; opts gives the other options (seed 42 unless set).
func newTableFixtureOpts(t *testing.T, opts TableOptions) *tableFixture {
	t.Helper()
	pool, err := NewPool(&PoolOptions{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []netip.Prefix{v4Range, v6Range} {
		if err := pool.Add(c, nil); err != nil {
			t.Fatal(err)
		}
	}
	ports, err := NewPorts(PortRange{30000, 100}, &PortsOptions{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	opts.Pool, opts.NodePorts = pool, ports
	if opts.Seed == 0 {
		opts.Seed = 42
	}
	tbl, err := NewTable(&opts)
	if err != nil {
		t.Fatal(err)
	}
	f := &tableFixture{pool, ports, tbl}
	t.Cleanup(func() {
		tbl.Close()
		ports.Close()
		pool.Close()
	})
	return f
}

func webSpec() *ServiceSpec {
	return &ServiceSpec{
		Namespace: "default", Name: "web",
		Ports: []ServicePort{
			{Name: "http", Port: 80, TargetPort: 8080},
			{Name: "metrics", Port: 9090, TargetPortName: "metrics"},
		},
		Selector:       []Label{{"app", "web"}},
		IPFamilyPolicy: PreferDualStack,
	}
}

func webPod(i int, node string, named bool) *PodSpec {
	p := &PodSpec{
		Namespace: "default", Name: fmt.Sprintf("web-%d", i),
		IPs:        []netip.Addr{netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}), netip.MustParseAddr(fmt.Sprintf("fd00::%d", i))},
		Labels:     []Label{{"app", "web"}, {"idx", fmt.Sprint(i)}},
		NodeName:   node,
		Zone:       "zone-" + node,
		Conditions: Ready | Serving,
	}
	if named {
		p.Ports = []NamedPort{{Name: "metrics", Protocol: TCP, Port: 9100}}
	}
	return p
}

func addrsOf(eps []Endpoint) []string {
	var s []string
	for _, e := range eps {
		s = append(s, netip.AddrPortFrom(e.Addr, e.Port).String())
	}
	sort.Strings(s)
	return s
}

func mustNoErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestTableServiceLifecycle(t *testing.T) {
	f := newTableFixture(t, 0)
	tb := f.table
	g0, err := tb.Generation()
	mustNoErr(t, err)
	mustNoErr(t, tb.CreateService(webSpec(), 1))
	svc, ports, err := tb.Service("default", "web")
	mustNoErr(t, err)
	if len(svc.ClusterIPs) != 2 || !svc.ClusterIPs[0].Is4() || !svc.ClusterIPs[1].Is6() {
		t.Fatalf("ClusterIPs %v", svc.ClusterIPs)
	}
	if !v4Range.Contains(svc.ClusterIPs[0]) || !v6Range.Contains(svc.ClusterIPs[1]) {
		t.Fatalf("ClusterIPs %v outside the pool", svc.ClusterIPs)
	}
	for _, ip := range svc.ClusterIPs {
		if has, err := f.pool.Has(ip); err != nil || !has {
			t.Fatalf("pool.Has(%v) = %v, %v", ip, has, err)
		}
	}
	if svc.Namespace != "default" || svc.Name != "web" || svc.Type != ServiceClusterIP ||
		svc.IPFamilyPolicy != PreferDualStack || !svc.HasSelector || svc.Headless ||
		svc.SessionAffinity != AffinityNone || svc.InternalTrafficPolicy != TrafficCluster || svc.Ports != 2 {
		t.Fatalf("service %+v", svc)
	}
	if len(ports) != 2 || ports[0].Name != "http" || ports[0].Port != 80 || ports[0].TargetPort != 8080 ||
		ports[0].Protocol != TCP || ports[1].TargetPortName != "metrics" || ports[1].TargetPort != 0 || ports[1].Index != 1 {
		t.Fatalf("ports %+v", ports)
	}
	g1, _ := tb.Generation()
	if g1 <= g0 {
		t.Fatalf("generation %d then %d", g0, g1)
	}

	mustNoErr(t, tb.ApplyPod(webPod(1, "node-a", true)))
	mustNoErr(t, tb.ApplyPod(webPod(2, "node-b", false)))
	eps, err := tb.Endpoints("default", "web", 0)
	mustNoErr(t, err)
	want := []string{"10.0.0.1:8080", "10.0.0.2:8080", "[fd00::1]:8080", "[fd00::2]:8080"}
	if got := addrsOf(eps); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("endpoints of http %v, want %v", got, want)
	}
	// the named target port resolves only on the pod that has it
	eps, err = tb.Endpoints("default", "web", 1)
	mustNoErr(t, err)
	if got := addrsOf(eps); fmt.Sprint(got) != "[10.0.0.1:9100 [fd00::1]:9100]" {
		t.Fatalf("endpoints of metrics %v", got)
	}
	if _, err := tb.Endpoints("default", "web", 2); !errors.Is(err, ErrNotFound) {
		t.Fatalf("port 2: %v", err)
	}
	for _, e := range eps {
		if e.Conditions != Ready|Serving {
			t.Fatalf("conditions %v", e.Conditions)
		}
		node, err := tb.Name(e.Node)
		mustNoErr(t, err)
		zone, err := tb.Name(e.Zone)
		mustNoErr(t, err)
		if node != "node-a" || zone != "zone-node-a" {
			t.Fatalf("node %q zone %q", node, zone)
		}
		id, err := tb.NameID("node-a")
		if err != nil || id != e.Node {
			t.Fatalf("NameID %d, %v; endpoint has %d", id, err, e.Node)
		}
	}

	// lookups see the same service, port and endpoints
	for _, vip := range svc.ClusterIPs {
		r, err := tb.Lookup(vip, 80, TCP)
		mustNoErr(t, err)
		if r.Service.Name != "web" || r.Port.Port != 80 || r.Port.Endpoints != 4 || len(r.Endpoints) != 4 {
			t.Fatalf("lookup %v: %+v", vip, r)
		}
		if _, err := tb.Lookup(vip, 80, UDP); !errors.Is(err, ErrNotFound) {
			t.Fatalf("UDP lookup: %v", err)
		}
	}
	if _, err := tb.Lookup(netip.MustParseAddr("10.96.1.1"), 80, TCP); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown VIP: %v", err)
	}
	if _, err := tb.Lookup(netip.Addr{}, 80, TCP); !errors.Is(err, ErrInvalid) {
		t.Fatalf("zero VIP: %v", err)
	}
	if _, err := tb.Lookup(svc.ClusterIPs[0], 80, Protocol(9)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad protocol: %v", err)
	}

	// update: a third port; the ClusterIPs stay, the generation grows
	spec := webSpec()
	spec.Ports = append(spec.Ports, ServicePort{Name: "dns", Protocol: UDP, Port: 53})
	mustNoErr(t, tb.UpdateService(spec, 2))
	svc2, ports2, err := tb.Service("default", "web")
	mustNoErr(t, err)
	if fmt.Sprint(svc2.ClusterIPs) != fmt.Sprint(svc.ClusterIPs) || len(ports2) != 3 || svc2.Generation <= svc.Generation {
		t.Fatalf("after update %+v %+v", svc2, ports2)
	}
	r, err := tb.Lookup(svc.ClusterIPs[0], 53, UDP)
	mustNoErr(t, err)
	if len(r.Endpoints) != 4 || r.Endpoints[0].Port != 53 {
		t.Fatalf("udp endpoints %+v", r.Endpoints)
	}

	mustNoErr(t, tb.DeletePod("default", "web-2"))
	if err := tb.DeletePod("default", "web-2"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second pod delete: %v", err)
	}
	eps, _ = tb.Endpoints("default", "web", 0)
	if len(eps) != 2 {
		t.Fatalf("after pod delete %v", addrsOf(eps))
	}

	used, _ := f.pool.Used(IPv4)
	mustNoErr(t, tb.DeleteService("default", "web", 3))
	if _, _, err := tb.Service("default", "web"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted service: %v", err)
	}
	if err := tb.DeleteService("default", "web", 3); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if used2, _ := f.pool.Used(IPv4); used2 != used-1 {
		t.Fatalf("pool used %d then %d", used, used2)
	}
	if _, err := tb.Lookup(svc.ClusterIPs[0], 80, TCP); !errors.Is(err, ErrNotFound) {
		t.Fatalf("lookup after delete: %v", err)
	}
}

func TestTableSpecErrors(t *testing.T) {
	f := newTableFixture(t, 0)
	tb := f.table
	check := func(err error, sentinel *Error, field SpecField, index, offset int, msg string) {
		t.Helper()
		var se *SpecError
		if !errors.As(err, &se) {
			t.Fatalf("%v (%T) is not a *SpecError", err, err)
		}
		if !errors.Is(err, sentinel) || se.Field != field || se.Index != index || se.Offset != offset ||
			!strings.Contains(se.Message, msg) || !strings.Contains(err.Error(), se.Message) {
			t.Fatalf("%+v; want %s field %d index %d offset %d %q", se, sentinel.Name, field, index, offset, msg)
		}
	}
	s := webSpec()
	s.Name = "web_x"
	check(tb.CreateService(s, 1), ErrSpec, FieldName, 0, 3, "name")
	s = webSpec()
	s.Ports[1].Name = "http"
	check(tb.CreateService(s, 1), ErrSpec, FieldPortName, 1, 0, "ports[1]")
	s = webSpec()
	s.ClusterIPs = []netip.Addr{netip.MustParseAddr("10.96.0.10"), netip.MustParseAddr("fd00:10:96::10")}
	s.IPFamilyPolicy = SingleStack
	check(tb.CreateService(s, 1), ErrSpec, FieldIPFamilyPolicy, 0, 0, "")
	s = webSpec()
	s.Selector = []Label{{"app", "ok"}, {"bad key!", "x"}}
	check(tb.CreateService(s, 1), ErrSpec, FieldSelector, 1, 3, "")
	// nothing was created or allocated by the failures
	if n, _ := f.pool.Used(IPv4); n != 0 {
		t.Fatalf("%d addresses allocated by failed creates", n)
	}
	mustNoErr(t, tb.CreateService(webSpec(), 1))
	check(tb.CreateService(webSpec(), 1), ErrExist, FieldName, 0, 0, "")
	s = webSpec()
	s.Name = "other"
	check(tb.UpdateService(s, 1), ErrNotFound, FieldName, 0, 0, "")

	// pods
	p := webPod(1, "node-a", false)
	p.Labels = append(p.Labels, Label{"app", "again"})
	check(tb.ApplyPod(p), ErrSpec, FieldLabels, 2, 0, "")
	p = webPod(1, "node-a", false)
	p.IPs = []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")}
	check(tb.ApplyPod(p), ErrSpec, FieldPodIPs, 1, 0, "")

	// explicit endpoints on a service with a selector
	err := tb.SetEndpoints("default", "web", []EndpointSpec{{Addr: netip.MustParseAddr("10.1.0.1"), Conditions: Ready}}, nil)
	check(err, ErrSpec, FieldSelector, 0, 0, "")
	mustNoErr(t, tb.CreateService(&ServiceSpec{Namespace: "default", Name: "manual", Ports: []ServicePort{{Port: 80}}}, 1))
	dup := []EndpointSpec{{Addr: netip.MustParseAddr("10.1.0.1")}, {Addr: netip.MustParseAddr("10.1.0.2")}, {Addr: netip.MustParseAddr("10.1.0.1")}}
	check(tb.SetEndpoints("default", "manual", dup, nil), ErrSpec, FieldEndpointAddress, 2, 0, "")
	if err := tb.SetEndpoints("default", "nope", nil, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("endpoints of a missing service: %v", err)
	}

	// errors found by the binding itself
	s = webSpec()
	s.Name = "we\x00b"
	if err := tb.CreateService(s, 1); !errors.Is(err, ErrInvalid) {
		t.Fatalf("NUL in a name: %v", err)
	}
	s = webSpec()
	s.ClusterIPs = []netip.Addr{{}}
	if err := tb.CreateService(s, 1); !errors.Is(err, ErrInvalid) {
		t.Fatalf("zero ClusterIP: %v", err)
	}
	if err := tb.CreateService(nil, 1); !errors.Is(err, ErrInvalid) {
		t.Fatalf("nil spec: %v", err)
	}
	if err := tb.ApplyPod(nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("nil pod: %v", err)
	}
	// allocation failures are plain errors
	s = webSpec()
	s.Name = "taken"
	svc, _, _ := tb.Service("default", "web")
	s.ClusterIPs = svc.ClusterIPs[:1]
	s.IPFamilyPolicy = SingleStack
	if err := tb.CreateService(s, 1); !errors.Is(err, ErrAllocated) {
		t.Fatalf("taken ClusterIP: %v", err)
	}
	s.ClusterIPs = []netip.Addr{netip.MustParseAddr("10.97.0.1")}
	if err := tb.CreateService(s, 1); !errors.Is(err, ErrRange) {
		t.Fatalf("ClusterIP outside the pool: %v", err)
	}
}

func TestTableWithoutAllocators(t *testing.T) {
	tb, err := NewTable(&TableOptions{ClusterDomain: "example.org", PrimaryFamily: IPv6, Seed: 1})
	mustNoErr(t, err)
	defer tb.Close()
	s := webSpec()
	if err := tb.CreateService(s, 1); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("allocation without a pool: %v", err)
	}
	s.ClusterIPs = []netip.Addr{netip.MustParseAddr("fd00::10"), netip.MustParseAddr("192.168.0.10")}
	mustNoErr(t, tb.CreateService(s, 1))
	recs, err := tb.Resolve("web.default.svc.example.org", DNSAAAA, "")
	mustNoErr(t, err)
	if len(recs) != 1 || recs[0].Addr != s.ClusterIPs[0] {
		t.Fatalf("AAAA %+v", recs)
	}
	if _, err := NewTable(&TableOptions{ClusterDomain: "bad..domain"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad domain: %v", err)
	}
}
