// SPDX-License-Identifier: Apache-2.0

package clusterip

import (
	"errors"
	"fmt"
	"math/rand"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestStressTableSelect runs readers (Select, Lookup, LookupBatch,
// Resolve) while one goroutine updates the service and its pods. Readers
// may only see the documented errors, and every backend they are given is
// an endpoint the service had (a pod it selects), never a decoy pod.
func TestStressTableSelect(t *testing.T) {
	for _, lb := range []LBPolicy{LBRoundRobin, LBRoundRobinPerThread, LBRandom, LBMaglev, LBWeightedRoundRobin} {
		t.Run(fmt.Sprint("lb", int(lb)), func(t *testing.T) { stressTable(t, lb) })
	}
}

func stressTable(t *testing.T, lb LBPolicy) {
	// a small Maglev table: the writer rebuilds it at every change
	f := newTableFixtureOpts(t, TableOptions{LBPolicy: lb, MaglevSize: 251})
	tb := f.table
	mustNoErr(t, tb.CreateService(webSpec(), 1))
	svc, _, _ := tb.Service("default", "web")
	vip := svc.ClusterIPs[0]
	valid := map[netip.Addr]bool{}
	for i := 1; i <= 8; i++ {
		p := webPod(i, fmt.Sprintf("node-%d", i%3), i%2 == 0)
		valid[p.IPs[0]], valid[p.IPs[1]] = true, true
	}
	var done atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	fail := func(err error) {
		select {
		case errs <- err:
		default:
		}
	}
	checkBackend := func(b Backend) {
		if !valid[b.Addr] || b.Port != 8080 || !b.Addr.Is4() {
			fail(fmt.Errorf("backend %+v is no endpoint of the service", b))
		}
	}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			client := netip.AddrFrom4([4]byte{192, 168, 0, byte(w)})
			for i := 0; !done.Load() || i < 100; i++ {
				req := SelectRequest{VIP: vip, Port: 80, Protocol: TCP, Client: client, ClientPort: uint16(i), Now: uint64(i)}
				b, err := tb.Select(req)
				switch {
				case err == nil:
					checkBackend(b)
				case !errors.Is(err, ErrNoBackend):
					fail(fmt.Errorf("select: %w", err))
				}
				r, err := tb.Lookup(vip, 80, TCP)
				if err != nil {
					fail(fmt.Errorf("lookup: %w", err))
					continue
				}
				for _, e := range r.Endpoints {
					if !valid[e.Addr] || e.Port != 8080 {
						fail(fmt.Errorf("lookup endpoint %+v", e))
					}
				}
				if i%16 == 0 {
					res, _, err := tb.LookupBatch([]LookupQuery{{VIP: vip, Port: 80, Protocol: TCP}, {VIP: vip, Port: 9090, Protocol: TCP}})
					if err != nil || res[0].Err != nil || (res[1].Err != nil && !errors.Is(res[1].Err, ErrNotFound)) {
						fail(fmt.Errorf("batch: %v %+v", err, res))
					}
					if _, err := tb.Resolve("web", DNSA, "default"); err != nil {
						fail(fmt.Errorf("resolve: %w", err))
					}
				}
			}
		}(w)
	}
	// the writer
	rng := rand.New(rand.NewSource(int64(lb)))
	for i := 0; i < 300; i++ {
		n := 1 + rng.Intn(8)
		switch rng.Intn(5) {
		case 0: // a decoy the service does not select
			p := webPod(100+n, "node-x", false)
			p.Labels = []Label{{"app", "decoy"}}
			mustNoErr(t, tb.ApplyPod(p))
		case 1:
			if err := tb.DeletePod("default", fmt.Sprintf("web-%d", n)); err != nil && !errors.Is(err, ErrNotFound) {
				t.Fatal(err)
			}
		case 2: // ports and affinity change; port 80 stays
			s := webSpec()
			if i%2 == 0 {
				s.Ports = s.Ports[:1]
				s.SessionAffinity = AffinityClientIP
			}
			mustNoErr(t, tb.UpdateService(s, uint64(i)))
		default:
			p := webPod(n, fmt.Sprintf("node-%d", n%3), n%2 == 0)
			if rng.Intn(4) == 0 {
				p.Conditions = Serving | Terminating
			}
			p.Weight = uint32(1 + rng.Intn(3))
			mustNoErr(t, tb.ApplyPod(p))
		}
	}
	done.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestStressTableClose closes the pool and then the table while readers
// and writers run: they see nil, their documented errors or ErrClosed.
func TestStressTableClose(t *testing.T) {
	f := newTableFixture(t, 0)
	tb := f.table
	mustNoErr(t, tb.CreateService(webSpec(), 1))
	mustNoErr(t, tb.ApplyPod(webPod(1, "node-a", false)))
	svc, _, _ := tb.Service("default", "web")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	var closed atomic.Int32
	var progress atomic.Int64
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				progress.Add(1)
				var err error
				switch w {
				case 0:
					s := webSpec()
					s.Name = fmt.Sprintf("s-%d", i)
					err = tb.CreateService(s, 1)
				case 1:
					err = tb.ApplyPod(webPod(1+i%5, "node-a", false))
				default:
					_, err = tb.Select(SelectRequest{VIP: svc.ClusterIPs[0], Port: 80, Protocol: TCP})
				}
				if errors.Is(err, ErrClosed) || errors.Is(err, ErrFull) {
					if closed.Load() == 2 && errors.Is(err, ErrClosed) {
						return
					}
					continue
				}
				if err != nil {
					errs <- fmt.Errorf("worker %d: %w", w, err)
					return
				}
			}
		}(w)
	}
	// let every worker make progress before each close
	waitProgress := func() {
		start := progress.Load()
		for progress.Load() < start+400 {
			runtime.Gosched()
		}
	}
	waitProgress()
	f.pool.Close()
	closed.Store(1)
	waitProgress()
	tb.Close()
	closed.Store(2)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
