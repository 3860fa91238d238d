// SPDX-License-Identifier: Apache-2.0

package clusterip

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"testing"
)

func TestTableNodePort(t *testing.T) {
	f := newTableFixture(t, 0)
	tb := f.table
	s := webSpec()
	s.Type = ServiceNodePort
	s.IPFamilyPolicy = SingleStack
	mustNoErr(t, tb.CreateService(s, 1))
	_, ports, err := tb.Service("default", "web")
	mustNoErr(t, err)
	np := ports[0].NodePort
	if np < 30000 || np >= 30100 || ports[1].NodePort == np || ports[1].NodePort < 30000 {
		t.Fatalf("node ports %d %d", np, ports[1].NodePort)
	}
	if has, _ := f.ports.Has(uint32(np)); !has {
		t.Fatalf("node port %d not allocated in Ports", np)
	}
	mustNoErr(t, tb.ApplyPod(webPod(1, "node-a", false)))
	r, err := tb.LookupNodePort(np, TCP)
	mustNoErr(t, err)
	if r.Port.Port != 80 || r.Port.NodePort != np || len(r.Endpoints) != 1 {
		t.Fatalf("node port lookup %+v", r)
	}
	// by node port, the family is the client's
	b, err := tb.Select(SelectRequest{Port: np, Protocol: TCP, NodePort: true, Client: netip.MustParseAddr("fd00::99")})
	if !errors.Is(err, ErrNoBackend) {
		t.Fatalf("IPv6 client of a single-stack IPv4 service: %v %+v", b, err)
	}
	b, err = tb.Select(SelectRequest{Port: np, Protocol: TCP, NodePort: true, Client: netip.MustParseAddr("192.168.1.1")})
	mustNoErr(t, err)
	if b.Addr != netip.MustParseAddr("10.0.0.1") || b.Port != 8080 || b.Category != CategoryReady {
		t.Fatalf("backend %+v", b)
	}
	if _, err := tb.LookupNodePort(np, UDP); !errors.Is(err, ErrNotFound) {
		t.Fatalf("UDP node port: %v", err)
	}
	mustNoErr(t, tb.DeleteService("default", "web", 5))
	if has, _ := f.ports.Has(uint32(np)); has {
		t.Fatalf("node port %d still allocated", np)
	}
}

func TestTableExplicitEndpoints(t *testing.T) {
	f := newTableFixture(t, 0)
	tb := f.table
	s := &ServiceSpec{Namespace: "ext", Name: "db", Ports: []ServicePort{{Name: "sql", Port: 5432}}}
	mustNoErr(t, tb.CreateService(s, 1))
	if r, err := tb.EndpointsReason("ext", "db"); err != nil || r != EndpointsNoSelector {
		t.Fatalf("reason %v, %v", r, err)
	}
	eps := []EndpointSpec{
		{Addr: netip.MustParseAddr("10.2.0.1"), Conditions: Ready | Serving, NodeName: "n1", Zone: "z1", Hostname: "db-0", HintZone: "z1", Weight: 3},
		{Addr: netip.MustParseAddr("10.2.0.2"), Conditions: Serving | Terminating, NodeName: "n2", Zone: "z2"},
	}
	mustNoErr(t, tb.SetEndpoints("ext", "db", eps, []NamedPort{{Name: "sql", Protocol: TCP, Port: 15432}}))
	got, err := tb.Endpoints("ext", "db", 0)
	mustNoErr(t, err)
	if len(got) != 2 {
		t.Fatalf("endpoints %+v", got)
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Addr.Less(got[j].Addr) })
	z1, err := tb.NameID("z1")
	mustNoErr(t, err)
	if got[0].Port != 15432 || got[0].Conditions != Ready|Serving || got[0].Zone != z1 || got[0].HintZone != z1 ||
		got[1].Conditions != Serving|Terminating || got[1].HintZone != 0 {
		t.Fatalf("endpoints %+v", got)
	}
	if n, _ := tb.Name(got[1].Node); n != "n2" {
		t.Fatalf("node of the second endpoint %q", n)
	}
	if r, _ := tb.EndpointsReason("ext", "db"); r != EndpointsOK {
		t.Fatalf("reason %v", r)
	}
	// weight shows in the selection; only the ready one is chosen
	svc, _, _ := tb.Service("ext", "db")
	for i := 0; i < 4; i++ {
		b, err := tb.Select(SelectRequest{VIP: svc.ClusterIPs[0], Port: 5432, Protocol: TCP})
		mustNoErr(t, err)
		if b.Addr != eps[0].Addr || b.Weight != 3 || b.Port != 15432 {
			t.Fatalf("backend %+v", b)
		}
	}
	// clearing them
	mustNoErr(t, tb.SetEndpoints("ext", "db", nil, nil))
	if got, _ := tb.Endpoints("ext", "db", 0); len(got) != 0 {
		t.Fatalf("after clearing %+v", got)
	}
	if _, err := tb.NameID("never-seen"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("NameID: %v", err)
	}
	if _, err := tb.Name(1 << 30); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Name: %v", err)
	}
}

func TestTableEndpointsReason(t *testing.T) {
	f := newTableFixture(t, 0)
	tb := f.table
	reason := func(want EndpointsReason) {
		t.Helper()
		r, err := tb.EndpointsReason("default", "web")
		if err != nil || r != want {
			t.Fatalf("reason %v, %v; want %v", r, err, want)
		}
	}
	s := webSpec()
	s.Ports = s.Ports[1:] // only the named target port
	mustNoErr(t, tb.CreateService(s, 1))
	reason(EndpointsNoMatchingPod)
	p := webPod(1, "node-a", false)
	ips := p.IPs
	p.IPs = nil
	mustNoErr(t, tb.ApplyPod(p))
	reason(EndpointsNoPodIP)
	p.IPs = ips
	mustNoErr(t, tb.ApplyPod(p))
	reason(EndpointsNoNamedPort)
	p.Ports = []NamedPort{{Name: "metrics", Protocol: TCP, Port: 9100}}
	p.Conditions = 0
	mustNoErr(t, tb.ApplyPod(p))
	reason(EndpointsNoneReady)
	p.Conditions = Ready
	mustNoErr(t, tb.ApplyPod(p))
	reason(EndpointsOK)
	mustNoErr(t, tb.CreateService(&ServiceSpec{Namespace: "default", Name: "ext", Type: ServiceExternalName, ExternalName: "db.example.com"}, 1))
	if r, err := tb.EndpointsReason("default", "ext"); err != nil || r != EndpointsExternalName {
		t.Fatalf("ExternalName reason %v, %v", r, err)
	}
	if _, err := tb.EndpointsReason("default", "missing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
}

func TestTableDNS(t *testing.T) {
	f := newTableFixture(t, 0)
	tb := f.table
	mustNoErr(t, tb.CreateService(webSpec(), 1))
	mustNoErr(t, tb.ApplyPod(webPod(1, "node-a", true)))
	svc, _, _ := tb.Service("default", "web")
	one := func(name string, qt DNSType, ns string) DNSRecord {
		t.Helper()
		recs, err := tb.Resolve(name, qt, ns)
		if err != nil || len(recs) != 1 {
			t.Fatalf("%s %v: %+v %v", name, qt, recs, err)
		}
		return recs[0]
	}
	a := one("web.default.svc.cluster.local", DNSA, "")
	if a.Type != DNSA || a.Addr != svc.ClusterIPs[0] || a.Name != "web.default.svc.cluster.local" {
		t.Fatalf("A %+v", a)
	}
	// case-insensitive, absolute, and relative through the search path
	if r := one("WEB.default.svc.cluster.local.", DNSAAAA, ""); r.Addr != svc.ClusterIPs[1] {
		t.Fatalf("AAAA %+v", r)
	}
	if r := one("web", DNSA, "default"); r.Addr != svc.ClusterIPs[0] {
		t.Fatalf("search path %+v", r)
	}
	if r := one("web.default", DNSA, "other"); r.Addr != svc.ClusterIPs[0] {
		t.Fatalf("search path from another namespace %+v", r)
	}
	if recs, err := tb.Resolve("web.default.svc.cluster.local", DNSANY, ""); err != nil || len(recs) != 2 {
		t.Fatalf("ANY %+v %v", recs, err)
	}
	srv := one("_http._tcp.web.default.svc.cluster.local", DNSSRV, "")
	if srv.Port != 80 || srv.Target != "web.default.svc.cluster.local" {
		t.Fatalf("SRV %+v", srv)
	}
	rev, err := ReverseName(svc.ClusterIPs[0], 0)
	mustNoErr(t, err)
	if ptr := one(rev, DNSPTR, ""); ptr.Target != "web.default.svc.cluster.local" {
		t.Fatalf("PTR %+v", ptr)
	}
	if txt := one("dns-version.cluster.local", DNSTXT, ""); txt.Target != DNSSchemaVersion {
		t.Fatalf("TXT %+v", txt)
	}
	// NODATA, NXDOMAIN, bad names
	if recs, err := tb.Resolve("web.default.svc.cluster.local", DNSTXT, ""); err != nil || len(recs) != 0 {
		t.Fatalf("NODATA %+v %v", recs, err)
	}
	if _, err := tb.Resolve("nope.default.svc.cluster.local", DNSA, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("NXDOMAIN %v", err)
	}
	if _, err := tb.Resolve("web..default", DNSA, ""); !errors.Is(err, ErrName) {
		t.Fatalf("bad name %v", err)
	}
	if _, err := tb.Resolve("web", DNSType(77), ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad type %v", err)
	}
	// ExternalName: a CNAME
	mustNoErr(t, tb.CreateService(&ServiceSpec{Namespace: "default", Name: "ext", Type: ServiceExternalName, ExternalName: "db.example.com."}, 1))
	if c := one("ext.default.svc.cluster.local", DNSA, ""); c.Type != DNSCNAME || c.Target != "db.example.com" {
		t.Fatalf("CNAME %+v", c)
	}
	// headless: one record per ready endpoint, hostnames
	mustNoErr(t, tb.CreateService(&ServiceSpec{Namespace: "default", Name: "hl", Headless: true,
		Selector: []Label{{"app", "web"}}, Ports: []ServicePort{{Name: "http", Port: 80}}}, 1))
	p2 := webPod(2, "node-b", false)
	p2.Hostname = "second"
	mustNoErr(t, tb.ApplyPod(p2))
	recs, err := tb.Resolve("hl.default.svc.cluster.local", DNSA, "")
	mustNoErr(t, err)
	var got []string
	for _, r := range recs {
		got = append(got, r.Addr.String())
	}
	sort.Strings(got)
	if fmt.Sprint(got) != "[10.0.0.1 10.0.0.2]" {
		t.Fatalf("headless A %v", got)
	}
	if r := one("second.hl.default.svc.cluster.local", DNSA, ""); r.Addr != netip.MustParseAddr("10.0.0.2") {
		t.Fatalf("hostname A %+v", r)
	}
	// a single-stack IPv4 headless service: the name exists, without AAAA
	if recs, err := tb.Resolve("second.hl.default.svc.cluster.local", DNSAAAA, ""); err != nil || len(recs) != 0 {
		t.Fatalf("hostname AAAA %+v %v", recs, err)
	}
	srvs, err := tb.Resolve("_http._tcp.hl.default.svc.cluster.local", DNSSRV, "")
	mustNoErr(t, err)
	if len(srvs) != 2 || srvs[0].Weight != 50 {
		t.Fatalf("headless SRV %+v", srvs)
	}
}

func TestTableSelect(t *testing.T) {
	f := newTableFixture(t, 0)
	tb := f.table
	mustNoErr(t, tb.CreateService(webSpec(), 1))
	for i := 1; i <= 3; i++ {
		mustNoErr(t, tb.ApplyPod(webPod(i, fmt.Sprintf("node-%d", i), false)))
	}
	svc, _, _ := tb.Service("default", "web")
	eps, _ := tb.Endpoints("default", "web", 0)
	// round-robin: each of the 3 IPv4 endpoints once in 3 selections,
	// and Index points at the endpoint in the listing
	for _, vip := range svc.ClusterIPs {
		seen := map[netip.Addr]int{}
		for i := 0; i < 6; i++ {
			b, err := tb.Select(SelectRequest{VIP: vip, Port: 80, Protocol: TCP})
			mustNoErr(t, err)
			if b.Addr.Is4() != vip.Is4() || b.Port != 8080 || b.Category != CategoryReady || b.Affinity {
				t.Fatalf("backend %+v for %v", b, vip)
			}
			if e := eps[b.Index]; e.Addr != b.Addr || e.Node != b.Node {
				t.Fatalf("backend %+v, endpoint %d is %+v", b, b.Index, e)
			}
			seen[b.Addr]++
		}
		if len(seen) != 3 {
			t.Fatalf("round robin over %v", seen)
		}
		for a, n := range seen {
			if n != 2 {
				t.Fatalf("%v chosen %d times of 6", a, n)
			}
		}
	}
	// errors
	if _, err := tb.Select(SelectRequest{VIP: svc.ClusterIPs[0], Port: 81, Protocol: TCP}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("no port: %v", err)
	}
	if _, err := tb.Select(SelectRequest{VIP: svc.ClusterIPs[0], Port: 80}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("no protocol: %v", err)
	}
	for i := 1; i <= 3; i++ {
		p := webPod(i, fmt.Sprintf("node-%d", i), false)
		p.Conditions = 0
		mustNoErr(t, tb.ApplyPod(p))
	}
	if _, err := tb.Select(SelectRequest{VIP: svc.ClusterIPs[0], Port: 80, Protocol: TCP}); !errors.Is(err, ErrNoBackend) {
		t.Fatalf("none ready: %v", err)
	}
	// serving and terminating: the fallback
	p := webPod(1, "node-1", false)
	p.Conditions = Serving | Terminating
	mustNoErr(t, tb.ApplyPod(p))
	b, err := tb.Select(SelectRequest{VIP: svc.ClusterIPs[0], Port: 80, Protocol: TCP})
	if err != nil || b.Category != CategoryTerminating || b.Addr != p.IPs[0] {
		t.Fatalf("terminating fallback %+v %v", b, err)
	}
}

func TestTableSelectLocalAndAffinity(t *testing.T) {
	f := newTableFixture(t, 0)
	tb := f.table
	s := webSpec()
	s.InternalTrafficPolicy = TrafficLocal
	mustNoErr(t, tb.CreateService(s, 1))
	mustNoErr(t, tb.ApplyPod(webPod(1, "node-a", false)))
	// a pod on node-b that the service does not select interns its name
	other := webPod(9, "node-b", false)
	other.Labels = []Label{{"app", "other"}}
	mustNoErr(t, tb.CreateService(&ServiceSpec{Namespace: "default", Name: "other", Selector: other.Labels,
		Ports: []ServicePort{{Port: 80}}}, 1))
	mustNoErr(t, tb.ApplyPod(other))
	nodeA, err := tb.NameID("node-a")
	mustNoErr(t, err)
	nodeB, err := tb.NameID("node-b")
	mustNoErr(t, err)
	svc, _, _ := tb.Service("default", "web")
	req := SelectRequest{VIP: svc.ClusterIPs[0], Port: 80, Protocol: TCP, Node: nodeA}
	b, err := tb.Select(req)
	if err != nil || b.Category != CategoryLocal || b.Node != nodeA {
		t.Fatalf("local %+v %v", b, err)
	}
	req.Node = nodeB
	if _, err := tb.Select(req); !errors.Is(err, ErrDrop) {
		t.Fatalf("no local endpoint: %v", err)
	}

	// ClientIP affinity
	s = webSpec()
	s.SessionAffinity = AffinityClientIP
	s.AffinityTimeout = 10
	mustNoErr(t, tb.UpdateService(s, 2))
	for i := 2; i <= 4; i++ {
		mustNoErr(t, tb.ApplyPod(webPod(i, "node-a", false)))
	}
	const sec = uint64(1e9)
	client := netip.MustParseAddr("192.168.7.7")
	req = SelectRequest{VIP: svc.ClusterIPs[0], Port: 80, Protocol: TCP, Client: client, Now: 100 * sec}
	first, err := tb.Select(req)
	mustNoErr(t, err)
	for i := 0; i < 5; i++ {
		req.Now += sec
		b, err := tb.Select(req)
		mustNoErr(t, err)
		if b.Addr != first.Addr || !b.Affinity {
			t.Fatalf("affinity lost: %+v then %+v", first, b)
		}
	}
	if n, err := tb.AffinityCount("default", "web", req.Now); err != nil || n != 1 {
		t.Fatalf("affinity count %d %v", n, err)
	}
	// failover: a new choice, which becomes the affinity
	req.ResetAffinity = true
	moved, err := tb.Select(req)
	mustNoErr(t, err)
	req.ResetAffinity = false
	if again, _ := tb.Select(req); again.Addr != moved.Addr || !again.Affinity {
		t.Fatalf("after reset %+v then %+v", moved, again)
	}
	if n, err := tb.AffinityExpire(req.Now + 11*sec); err != nil || n != 1 {
		t.Fatalf("expired %d %v", n, err)
	}
	if n, _ := tb.AffinityCount("default", "web", req.Now+11*sec); n != 0 {
		t.Fatalf("affinity count after expiry %d", n)
	}
	if _, err := tb.AffinityCount("default", "nope", 0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing service: %v", err)
	}
}

func TestTableSelectMaglev(t *testing.T) {
	f := newTableFixture(t, LBMaglev)
	tb := f.table
	mustNoErr(t, tb.CreateService(webSpec(), 1))
	for i := 1; i <= 5; i++ {
		mustNoErr(t, tb.ApplyPod(webPod(i, "node-a", false)))
	}
	svc, _, _ := tb.Service("default", "web")
	choose := func(port uint16) netip.Addr {
		b, err := tb.Select(SelectRequest{VIP: svc.ClusterIPs[0], Port: 80, Protocol: TCP,
			Client: netip.MustParseAddr("172.16.0.1"), ClientPort: port})
		mustNoErr(t, err)
		return b.Addr
	}
	before := map[uint16]netip.Addr{}
	spread := map[netip.Addr]bool{}
	for p := uint16(1000); p < 1200; p++ {
		before[p] = choose(p)
		spread[before[p]] = true
		if choose(p) != before[p] {
			t.Fatalf("the same 5-tuple moved")
		}
	}
	if len(spread) != 5 {
		t.Fatalf("200 connections on %d of 5 backends", len(spread))
	}
	// one backend leaves: only its connections move
	gone := netip.MustParseAddr("10.0.0.3")
	mustNoErr(t, tb.DeletePod("default", "web-3"))
	for p, a := range before {
		if now := choose(p); now != a && a != gone || now == gone {
			t.Fatalf("port %d moved from %v to %v", p, a, now)
		}
	}
}

func TestTableLookupBatch(t *testing.T) {
	f := newTableFixture(t, 0)
	tb := f.table
	s := webSpec()
	s.Type = ServiceNodePort
	mustNoErr(t, tb.CreateService(s, 1))
	for i := 1; i <= 20; i++ { // 40 endpoints: more than a batch slot holds
		mustNoErr(t, tb.ApplyPod(webPod(i, "node-a", true)))
	}
	svc, ports, _ := tb.Service("default", "web")
	qs := []LookupQuery{
		{VIP: svc.ClusterIPs[0], Port: 80, Protocol: TCP},
		{VIP: svc.ClusterIPs[1], Port: 9090, Protocol: TCP},
		{VIP: svc.ClusterIPs[0], Port: 81, Protocol: TCP},
		{Port: ports[1].NodePort, Protocol: TCP, NodePort: true},
		{VIP: netip.Addr{}, Port: 80, Protocol: TCP},
		{VIP: svc.ClusterIPs[0], Port: 80, Protocol: Protocol(0)},
	}
	res, ok, err := tb.LookupBatch(qs)
	mustNoErr(t, err)
	if ok != 3 || len(res) != len(qs) {
		t.Fatalf("%d of %d ok", ok, len(res))
	}
	for i, q := range qs[:2] {
		single, err := tb.Lookup(q.VIP, q.Port, q.Protocol)
		mustNoErr(t, err)
		if res[i].Err != nil || fmt.Sprint(addrsOf(res[i].Endpoints)) != fmt.Sprint(addrsOf(single.Endpoints)) ||
			res[i].Port.Port != q.Port || res[i].Service.Name != "web" {
			t.Fatalf("batch %d: %+v", i, res[i])
		}
	}
	if len(res[0].Endpoints) != 40 || len(res[1].Endpoints) != 40 {
		t.Fatalf("endpoints %d %d", len(res[0].Endpoints), len(res[1].Endpoints))
	}
	if !errors.Is(res[2].Err, ErrNotFound) || !errors.Is(res[4].Err, ErrInvalid) || !errors.Is(res[5].Err, ErrInvalid) {
		t.Fatalf("errors %v %v %v", res[2].Err, res[4].Err, res[5].Err)
	}
	if res[3].Err != nil || res[3].Port.Port != 9090 || res[3].Endpoints[0].Port != 9100 {
		t.Fatalf("node port in batch %+v", res[3])
	}
	if res, ok, err := tb.LookupBatch(nil); err != nil || ok != 0 || len(res) != 0 {
		t.Fatalf("empty batch %v %d %v", res, ok, err)
	}
}

func TestTableServices(t *testing.T) {
	f := newTableFixture(t, 0)
	tb := f.table
	names := map[string]bool{}
	for i := 0; i < 5; i++ {
		s := webSpec()
		s.Name = fmt.Sprintf("svc-%d", i)
		s.Namespace = fmt.Sprintf("ns-%d", i%2)
		mustNoErr(t, tb.CreateService(s, 1))
		names[s.Namespace+"/"+s.Name] = true
	}
	list, err := tb.Services()
	mustNoErr(t, err)
	if len(list) != 5 {
		t.Fatalf("%d services", len(list))
	}
	for _, s := range list {
		if !names[s.Namespace+"/"+s.Name] || len(s.ClusterIPs) != 2 {
			t.Fatalf("service %+v", s)
		}
		delete(names, s.Namespace+"/"+s.Name)
	}
	// the callback may write to the table; stopping early
	n := 0
	err = tb.ForeachService(func(s ServiceInfo) bool {
		n++
		mustNoErr(t, tb.DeleteService(s.Namespace, s.Name, 2))
		return n < 2
	})
	mustNoErr(t, err)
	if list, _ := tb.Services(); n != 2 || len(list) != 3 {
		t.Fatalf("visited %d, %d left", n, len(list))
	}
}

func TestTableClose(t *testing.T) {
	f := newTableFixture(t, 0)
	tb := f.table
	mustNoErr(t, tb.CreateService(webSpec(), 1))
	mustNoErr(t, tb.ApplyPod(webPod(1, "node-a", false)))
	svc, _, _ := tb.Service("default", "web")
	// the pool closed first: service writers refuse, the rest works
	f.pool.Close()
	s := webSpec()
	s.Name = "second"
	if err := tb.CreateService(s, 2); !errors.Is(err, ErrClosed) {
		t.Fatalf("create with a closed pool: %v", err)
	}
	if err := tb.DeleteService("default", "web", 2); !errors.Is(err, ErrClosed) {
		t.Fatalf("delete with a closed pool: %v", err)
	}
	mustNoErr(t, tb.ApplyPod(webPod(2, "node-a", false)))
	if r, err := tb.Lookup(svc.ClusterIPs[0], 80, TCP); err != nil || len(r.Endpoints) != 4 {
		t.Fatalf("lookup with a closed pool: %+v %v", r, err)
	}
	mustNoErr(t, tb.Close())
	mustNoErr(t, tb.Close())
	checks := map[string]error{}
	checks["CreateService"] = tb.CreateService(webSpec(), 1)
	checks["UpdateService"] = tb.UpdateService(webSpec(), 1)
	checks["DeleteService"] = tb.DeleteService("default", "web", 1)
	checks["ApplyPod"] = tb.ApplyPod(webPod(1, "a", false))
	checks["DeletePod"] = tb.DeletePod("default", "web-1")
	checks["SetEndpoints"] = tb.SetEndpoints("default", "web", nil, nil)
	_, checks["Lookup"] = tb.Lookup(svc.ClusterIPs[0], 80, TCP)
	_, checks["LookupNodePort"] = tb.LookupNodePort(30000, TCP)
	_, _, checks["LookupBatch"] = tb.LookupBatch([]LookupQuery{{}})
	_, _, checks["Service"] = tb.Service("default", "web")
	_, checks["Endpoints"] = tb.Endpoints("default", "web", 0)
	_, checks["Services"] = tb.Services()
	checks["ForeachService"] = tb.ForeachService(func(ServiceInfo) bool { return true })
	_, checks["EndpointsReason"] = tb.EndpointsReason("default", "web")
	_, checks["Generation"] = tb.Generation()
	_, checks["Resolve"] = tb.Resolve("web", DNSA, "default")
	_, checks["NameID"] = tb.NameID("a")
	_, checks["Name"] = tb.Name(1)
	_, checks["Select"] = tb.Select(SelectRequest{VIP: svc.ClusterIPs[0], Port: 80, Protocol: TCP})
	_, checks["AffinityExpire"] = tb.AffinityExpire(1)
	_, checks["AffinityCount"] = tb.AffinityCount("default", "web", 1)
	for name, err := range checks {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: %v", name, err)
		}
	}
	// a closed pool cannot back a new table
	if _, err := NewTable(&TableOptions{Pool: f.pool}); !errors.Is(err, ErrClosed) {
		t.Fatalf("NewTable with a closed pool: %v", err)
	}
}

func TestTableTopologyAndWeights(t *testing.T) {
	f := newTableFixture(t, 0)
	tb := f.table
	s := webSpec()
	s.Type = ServiceLoadBalancer
	s.TrafficDistribution = DistributionSameZone
	s.PublishNotReadyAddresses = true
	s.LBPolicy = LBWeightedRoundRobin
	mustNoErr(t, tb.CreateService(s, 1))
	for i := 1; i <= 3; i++ {
		p := webPod(i, fmt.Sprintf("node-%d", i), false)
		p.Weight = uint32(i)
		if i == 3 {
			p.Zone = "zone-node-1" // two pods in zone-node-1
		}
		mustNoErr(t, tb.ApplyPod(p))
	}
	svc, ports, _ := tb.Service("default", "web")
	if svc.Type != ServiceLoadBalancer || svc.TrafficDistribution != DistributionSameZone ||
		!svc.PublishNotReadyAddresses || ports[0].NodePort == 0 {
		t.Fatalf("service %+v ports %+v", svc, ports)
	}
	eps, _ := tb.Endpoints("default", "web", 0)
	for _, e := range eps {
		if e.HintZone == 0 || e.HintZone != e.Zone {
			t.Fatalf("endpoint %+v: hint is not its zone", e)
		}
	}
	zone, err := tb.NameID("zone-node-1")
	mustNoErr(t, err)
	count := map[netip.Addr]int{}
	for i := 0; i < 40; i++ {
		b, err := tb.Select(SelectRequest{VIP: svc.ClusterIPs[0], Port: 80, Protocol: TCP, Zone: zone})
		mustNoErr(t, err)
		if b.Category != CategorySameZone || b.Zone != zone {
			t.Fatalf("backend %+v", b)
		}
		count[b.Addr]++
	}
	// pods 1 (weight 1) and 3 (weight 3) of the zone, 1:3
	if count[netip.MustParseAddr("10.0.0.1")] != 10 || count[netip.MustParseAddr("10.0.0.3")] != 30 {
		t.Fatalf("weighted spread %v", count)
	}
	// without a zone: every ready endpoint
	b, err := tb.Select(SelectRequest{VIP: svc.ClusterIPs[0], Port: 80, Protocol: TCP})
	if err != nil || b.Category != CategoryReady {
		t.Fatalf("no zone %+v %v", b, err)
	}
	// publishNotReadyAddresses: not-ready endpoints count for DNS
	p := webPod(1, "node-1", false)
	p.Conditions = 0
	mustNoErr(t, tb.ApplyPod(p))
	mustNoErr(t, tb.CreateService(&ServiceSpec{Namespace: "default", Name: "hl", Headless: true,
		Selector: []Label{{"idx", "1"}}, PublishNotReadyAddresses: true}, 1))
	if recs, err := tb.Resolve("hl.default.svc.cluster.local", DNSA, ""); err != nil || len(recs) != 1 {
		t.Fatalf("not-ready published %+v %v", recs, err)
	}
}
