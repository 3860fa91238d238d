// SPDX-License-Identifier: Apache-2.0

package clusterip

import (
	"fmt"
	"math/bits"
	"math/rand"
	"sync"
	"testing"
)

// goBitmap is the Kubernetes allocation policy in pure Go: a mutex, a
// bitmap, a random start offset, then a forward scan for a zero bit,
// wrapping at the end (k8s.io/kubernetes/pkg/registry/core/service/
// allocator's randomScanStrategy, bit by bit).
type goBitmap struct {
	mu    sync.Mutex
	words []uint64
	size  int
	used  int
	rng   *rand.Rand
}

func newGoBitmap(size int) *goBitmap {
	return &goBitmap{words: make([]uint64, (size+63)/64), size: size, rng: rand.New(rand.NewSource(1))}
}

func (b *goBitmap) allocateNext() (int, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used == b.size {
		return 0, false
	}
	start := b.rng.Intn(b.size)
	for i := 0; i < b.size; i++ {
		o := (start + i) % b.size
		if b.words[o/64]&(1<<(o%64)) == 0 {
			b.words[o/64] |= 1 << (o % 64)
			b.used++
			return o, true
		}
	}
	return 0, false
}

func (b *goBitmap) release(o int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.words[o/64]&(1<<(o%64)) != 0 {
		b.words[o/64] &^= 1 << (o % 64)
		b.used--
	}
}

func (b *goBitmap) count() int {
	n := 0
	for _, w := range b.words {
		n += bits.OnesCount64(w)
	}
	return n
}

// The reference allocator must itself be right, or the comparison is moot.
func TestGoBitmap(t *testing.T) {
	b := newGoBitmap(100)
	seen := map[int]bool{}
	for i := 0; i < 100; i++ {
		o, ok := b.allocateNext()
		if !ok || seen[o] || o < 0 || o >= 100 {
			t.Fatal(o, ok)
		}
		seen[o] = true
	}
	if _, ok := b.allocateNext(); ok || b.count() != 100 {
		t.Fatal("full bitmap allocated")
	}
	b.release(42)
	if o, ok := b.allocateNext(); !ok || o != 42 {
		t.Fatal(o, ok)
	}
}

var fills = []float64{0.50, 0.99, 0.999}

// A /16: 65534 usable addresses, no static band, so that "fill" is exact.
func BenchmarkAllocateNext(b *testing.B) {
	cidr := mustPrefix(b, "10.0.0.0/16")
	for _, fill := range fills {
		b.Run(fmt.Sprintf("binding/fill=%.1f%%", fill*100), func(b *testing.B) {
			r, err := NewRange(cidr, &RangeOptions{Seed: 1, StaticBand: StaticBandOff})
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			size := 65534
			for i := 0; i < int(float64(size)*fill); i++ {
				if _, err := r.AllocateNext(1, 0); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				a, err := r.AllocateNext(1, 0)
				if err != nil {
					b.Fatal(err)
				}
				if err := r.Release(a, 1, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("gobitmap/fill=%.1f%%", fill*100), func(b *testing.B) {
			size := 65534
			bm := newGoBitmap(size)
			for i := 0; i < int(float64(size)*fill); i++ {
				bm.allocateNext()
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				o, ok := bm.allocateNext()
				if !ok {
					b.Fatal("full")
				}
				bm.release(o)
			}
		})
	}
}
