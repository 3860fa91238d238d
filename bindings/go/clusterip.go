// SPDX-License-Identifier: Apache-2.0

// Package clusterip is the Go binding of libclusterip, the machinery behind
// Kubernetes Service ClusterIPs: strict address and prefix parsing, range and
// node-port allocators, multi-CIDR pools and their snapshots, and the
// service table: Services, pods and endpoints with lock-free lookups,
// cluster DNS answers and kube-proxy's backend selection.
//
// Addresses and prefixes are net/netip values in and out. Failures are error
// values that errors.Is matches against the exported sentinels (ErrFull,
// ErrAllocated, ...). Handles (Range, Ports, Pool, Table) own C memory: call Close
// when done; a finalizer frees a handle that was dropped without Close.
// Every method is safe for concurrent use by several goroutines; where the C
// library asks its caller to serialise calls (freeing, restoring,
// configuring a pool), the binding does it.
//
// Time: "now" arguments are nanoseconds of a monotonic clock chosen by the
// caller; MonotonicNow gives one.
package clusterip

/*
#cgo pkg-config: clusterip
#include <clusterip/clusterip.h>
*/
import "C"

import (
	"time"
)

// Family is an address family.
type Family int

// Address families.
const (
	IPv4 Family = C.CIP_FAMILY_IPV4
	IPv6 Family = C.CIP_FAMILY_IPV6
)

// String gives "IPv4" or "IPv6".
func (f Family) String() string {
	switch f {
	case IPv4:
		return "IPv4"
	case IPv6:
		return "IPv6"
	}
	return "Family(?)"
}

// HeaderVersion is the version (MAJOR*10000 + MINOR*100 + PATCH) of the
// headers this package was compiled against.
const HeaderVersion = C.CIP_VERSION_NUMBER

// Version gives the version number of the library actually loaded,
// MAJOR*10000 + MINOR*100 + PATCH.
func Version() uint { return uint(C.cip_version()) }

// VersionString gives the version of the loaded library, e.g. "0.1.0".
func VersionString() string { return C.GoString(C.cip_version_string()) }

var epoch = time.Now()

// MonotonicNow gives nanoseconds of a monotonic clock (since the package was
// loaded), suitable for every "now" argument.
func MonotonicNow() uint64 { return uint64(time.Since(epoch)) + 1 }

// U128 is an unsigned 128-bit integer, Hi*2^64 + Lo: sizes and offsets of
// address ranges.
type U128 struct {
	Hi, Lo uint64
}

// U64 makes a U128 from a uint64.
func U64(v uint64) U128 { return U128{Lo: v} }

func (u U128) c() C.cip_u128 { return C.cip_u128{hi: C.uint64_t(u.Hi), lo: C.uint64_t(u.Lo)} }

func u128From(c C.cip_u128) U128 { return U128{Hi: uint64(c.hi), Lo: uint64(c.lo)} }

// String writes the value in decimal.
func (u U128) String() string {
	var buf [C.CIP_U128_STRLEN]C.char
	cu := u.c()
	n := C.cip_u128_format(&cu, &buf[0], C.size_t(len(buf)))
	if n < 0 {
		return "?"
	}
	return C.GoStringN(&buf[0], n)
}
