// SPDX-License-Identifier: Apache-2.0

package clusterip

/*
#include <clusterip/clusterip.h>
#include <stdint.h>
*/
import "C"

import (
	"sync"
	"time"
	"unsafe"
)

// guard serialises what the C library requires its callers to serialise:
// ordinary calls share the read lock (the library is lock-free for them),
// freeing and restoring take the write lock. No lock is ever held while user
// code runs.
type guard struct {
	mu     sync.RWMutex
	closed bool
}

// enter locks g for one call, shared or (write) exclusive, and gives the
// unlock; ErrClosed once the handle is closed.
func (g *guard) enter(write bool) (func(), error) {
	lock, unlock := g.mu.RLock, g.mu.RUnlock
	if write {
		lock, unlock = g.mu.Lock, g.mu.Unlock
	}
	lock()
	if g.closed {
		unlock()
		return nil, ErrClosed
	}
	return unlock, nil
}

// shut runs free once, after every call in flight returned, and refuses
// every later call.
func (g *guard) shut(free func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed {
		g.closed = true
		free()
	}
}

// AllocFlags change allocations and releases.
type AllocFlags uint

// Allocation flags.
const (
	// DryRun checks and changes nothing.
	DryRun AllocFlags = C.CIP_ALLOC_DRY_RUN
	// ReleaseNow releases without quarantine.
	ReleaseNow AllocFlags = C.CIP_RELEASE_NOW
)

// Band selects a band for the counting methods.
type Band int

// Bands.
const (
	BandAll     Band = C.CIP_BAND_ALL
	BandStatic  Band = C.CIP_BAND_STATIC
	BandDynamic Band = C.CIP_BAND_DYNAMIC
)

// Special StaticBand option values.
const (
	StaticBandAuto int64 = C.CIP_STATIC_BAND_AUTO // the Kubernetes formula
	StaticBandOff  int64 = C.CIP_STATIC_BAND_OFF  // no static band
)

// BandStats are the counters of one band.
type BandStats struct {
	Size, Used, Available, Quarantined uint64
	Allocations, Releases, Errors      uint64
}

// RangeStats are the counters of a range or port allocator.
type RangeStats struct {
	All, Static, Dynamic BandStats
}

func bandFromC(b *C.cip_band_stats) BandStats {
	return BandStats{uint64(b.size), uint64(b.used), uint64(b.available), uint64(b.quarantined),
		uint64(b.allocations), uint64(b.releases), uint64(b.errors)}
}

func statsFromC(s *C.cip_range_stats) RangeStats {
	return RangeStats{bandFromC(&s.all), bandFromC(&s.static_band), bandFromC(&s.dynamic_band)}
}

// readBuffer runs a C "size query then fill" call: call(nil, 0, &n) gives
// the size with CIP_EBUFSIZE; the output is copied into Go memory.
func readBuffer(call func(buf *C.uint8_t, cap C.size_t, n *C.size_t) C.int) ([]byte, error) {
	var n C.size_t
	rc := call(nil, 0, &n)
	for tries := 0; ; tries++ {
		if rc == 0 {
			if n == 0 {
				return []byte{}, nil
			}
			break
		}
		if rc != C.CIP_EBUFSIZE || tries > 8 {
			return nil, codeErr(rc)
		}
		buf := make([]byte, int(n)+1)
		rc = call((*C.uint8_t)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &n)
		if rc == 0 {
			return buf[:n], nil
		}
	}
	return []byte{}, nil
}

// bytesPtr gives C a pointer to b's data (or to a dummy byte when b is
// empty, so that no NULL is passed).
func bytesPtr(b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		var dummy [1]byte
		return (*C.uint8_t)(unsafe.Pointer(&dummy[0])), 0
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

func durNs(d time.Duration) C.uint64_t {
	if d < 0 {
		return 0
	}
	return C.uint64_t(d)
}
