// SPDX-License-Identifier: Apache-2.0

package clusterip

import (
	"errors"
	"fmt"
	"math/rand"
	"net/netip"
	"sort"
	"sync"
	"testing"
)

const stressWorkers = 8

// stress runs 8 goroutines that allocate and release on one allocator and
// checks that no value was handed to two holders at once and that the
// allocator's count and list agree with what the goroutines hold at the end.
func stress[T comparable](t *testing.T, alloc func() (T, error), release func(T) error) []T {
	var mu sync.Mutex
	owner := map[T]int{}
	var wg sync.WaitGroup
	errs := make(chan error, stressWorkers)
	for w := 0; w < stressWorkers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(w)))
			var held []T
			for i := 0; i < 2000; i++ {
				if len(held) > 0 && rng.Intn(3) == 0 {
					k := rng.Intn(len(held))
					v := held[k]
					held[k] = held[len(held)-1]
					held = held[:len(held)-1]
					mu.Lock()
					delete(owner, v)
					mu.Unlock()
					if err := release(v); err != nil {
						errs <- fmt.Errorf("release %v: %w", v, err)
						return
					}
					continue
				}
				v, err := alloc()
				if errors.Is(err, ErrFull) {
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if o, dup := owner[v]; dup {
					mu.Unlock()
					errs <- fmt.Errorf("%v handed to workers %d and %d", v, o, w)
					return
				}
				owner[v] = w
				mu.Unlock()
				held = append(held, v)
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var all []T
	for v := range owner {
		all = append(all, v)
	}
	return all
}

func TestStressRange(t *testing.T) {
	cidr := mustPrefix(t, "10.0.0.0/22") // 1022 addresses: fills up, exercises ErrFull
	r, err := NewRange(cidr, &RangeOptions{Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	held := stress(t, func() (netip.Addr, error) { return r.AllocateNext(1, 0) },
		func(a netip.Addr) error { return r.Release(a, 1, 0) })
	list, err := r.Addrs()
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(held, func(i, j int) bool { return held[i].Less(held[j]) })
	if len(list) != len(held) {
		t.Fatalf("range lists %d, workers hold %d", len(list), len(held))
	}
	for i := range list {
		if list[i] != held[i] {
			t.Fatalf("range lists %v, workers hold %v", list[i], held[i])
		}
	}
	st, _ := r.Stats()
	if st.All.Used != uint64(len(held)) || st.All.Used+st.All.Available != st.All.Size ||
		st.All.Allocations-st.All.Releases != st.All.Used {
		t.Fatalf("stats %+v, held %d", st.All, len(held))
	}
}

func TestStressPorts(t *testing.T) {
	p, err := NewPorts(PortRange{30000, 600}, &PortsOptions{Seed: 12})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	held := stress(t, func() (uint32, error) { return p.AllocateNext(1, 0) },
		func(x uint32) error { return p.Release(x, 1, 0) })
	list, _ := p.List()
	sort.Slice(held, func(i, j int) bool { return held[i] < held[j] })
	if fmt.Sprint(list) != fmt.Sprint(held) {
		t.Fatalf("ports list %d entries, workers hold %d", len(list), len(held))
	}
	if u, _ := p.Used(BandAll); u != uint64(len(held)) {
		t.Fatalf("used %d, held %d", u, len(held))
	}
}

func TestStressPool(t *testing.T) {
	pool, _ := NewPool(&PoolOptions{Seed: 13})
	defer pool.Close()
	pool.Add(mustPrefix(t, "10.0.0.0/23"), nil)
	pool.Add(mustPrefix(t, "10.0.0.0/24"), nil) // overlaps the first
	pool.Add(mustPrefix(t, "10.0.4.0/24"), nil)
	// a concurrent reader that snapshots the borrowed ranges meanwhile
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		r, _ := pool.Range(mustPrefix(t, "10.0.4.0/24"))
		for {
			select {
			case <-stop:
				return
			default:
				r.Snapshot(1)
				pool.Ranges(IPv4)
			}
		}
	}()
	held := stress(t, func() (netip.Addr, error) { return pool.AllocateNext(IPv4, 1, 0) },
		func(a netip.Addr) error { return pool.Release(a, 1, 0) })
	close(stop)
	<-done
	if u, _ := pool.Used(IPv4); u != uint64(len(held)) {
		t.Fatalf("pool used %d, workers hold %d", u, len(held))
	}
	for _, a := range held {
		if ok, _ := pool.Has(a); !ok {
			t.Fatalf("%v held but not allocated", a)
		}
	}
}

// Close racing with callers: every call either works or reports ErrClosed.
func TestStressClose(t *testing.T) {
	for round := 0; round < 20; round++ {
		r, _ := NewRange(mustPrefix(t, "10.0.0.0/24"), &RangeOptions{Seed: 1})
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 50; i++ {
					a, err := r.AllocateNext(1, 0)
					if err != nil && !errors.Is(err, ErrClosed) && !errors.Is(err, ErrFull) {
						t.Error(err)
						return
					}
					if err == nil {
						r.Release(a, 1, 0)
					}
				}
			}()
		}
		r.Close()
		wg.Wait()
	}
}
