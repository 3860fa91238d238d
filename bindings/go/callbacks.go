// SPDX-License-Identifier: Apache-2.0

package clusterip

/*
#include <clusterip/clusterip.h>
*/
import "C"

import (
	"net/netip"
	"runtime/cgo"
	"unsafe"
)

// The C library's walks (cip_*_foreach*) call back into Go through these
// trampolines. Their context is a cgo.Handle of a visitor function that
// belongs to this package: it only copies the value out into a Go slice, so
// no user code runs while C is on the stack, and nothing can unwind through
// C: a panic is recovered and turned into "stop" (the walk then reports it).

type addrVisitor func(netip.Addr) bool
type portVisitor func(uint32) bool
type prefixStateVisitor func(netip.Prefix, int) bool
type serviceVisitor func(*C.cip_service_info) bool

// stopPanicked is what a trampoline returns when its visitor panicked.
const stopPanicked = 2

func trampoline(call func() bool) (rc C.int) {
	defer func() {
		if recover() != nil {
			rc = stopPanicked
		}
	}()
	if call() {
		return 0
	}
	return 1
}

//export goCipAddrVisit
func goCipAddrVisit(a *C.cip_addr, ctx unsafe.Pointer) C.int {
	v := cgo.Handle(uintptr(ctx)).Value().(addrVisitor)
	return trampoline(func() bool { return v(addrFromC(a)) })
}

//export goCipPortVisit
func goCipPortVisit(port C.uint32_t, ctx unsafe.Pointer) C.int {
	v := cgo.Handle(uintptr(ctx)).Value().(portVisitor)
	return trampoline(func() bool { return v(uint32(port)) })
}

//export goCipPrefixStateVisit
func goCipPrefixStateVisit(p *C.cip_prefix, state C.int, ctx unsafe.Pointer) C.int {
	v := cgo.Handle(uintptr(ctx)).Value().(prefixStateVisitor)
	return trampoline(func() bool {
		pf, err := prefixFromC(p)
		if err != nil {
			return false
		}
		return v(pf, int(state))
	})
}

//export goCipServiceVisit
func goCipServiceVisit(svc *C.cip_service_info, ctx unsafe.Pointer) C.int {
	v := cgo.Handle(uintptr(ctx)).Value().(serviceVisitor)
	return trampoline(func() bool { return v(svc) })
}
