// SPDX-License-Identifier: Apache-2.0

package clusterip

/*
#include <clusterip/clusterip.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"net/netip"
)

// Error is a libclusterip error code. Error() is the library's text
// (cip_strerror); errors.Is matches it against the sentinel of the same code.
type Error struct {
	Code    int    // the negative CIP_E* code
	Name    string // its symbolic name, e.g. "CIP_EFULL"
	Message string // cip_strerror(Code)
}

func (e *Error) Error() string { return e.Message }

// Is reports whether target is an *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

func newError(code int) *Error {
	return &Error{
		Code:    code,
		Name:    C.GoString(C.cip_error_name(C.int(code))),
		Message: C.GoString(C.cip_strerror(C.int(code))),
	}
}

// The sentinels, one per error code of the library.
var (
	ErrInvalid          = newError(C.CIP_EINVAL)
	ErrNoMemory         = newError(C.CIP_ENOMEM)
	ErrSyntax           = newError(C.CIP_ESYNTAX)
	ErrFamily           = newError(C.CIP_EFAMILY)
	ErrRange            = newError(C.CIP_ERANGE)
	ErrFull             = newError(C.CIP_EFULL)
	ErrAllocated        = newError(C.CIP_EALLOCATED)
	ErrNotFound         = newError(C.CIP_ENOTFOUND)
	ErrExist            = newError(C.CIP_EEXIST)
	ErrSnapshotMismatch = newError(C.CIP_ESNAPSHOT_MISMATCH)
	ErrSnapshotCorrupt  = newError(C.CIP_ESNAPSHOT_CORRUPT)
	ErrBufferSize       = newError(C.CIP_EBUFSIZE)
	ErrUnsupported      = newError(C.CIP_EUNSUPPORTED)
	ErrZone             = newError(C.CIP_EZONE)
	ErrHostBits         = newError(C.CIP_EHOSTBITS)
	ErrOverflow         = newError(C.CIP_EOVERFLOW)
	ErrNotAllocated     = newError(C.CIP_ENOTALLOCATED)
	ErrQuarantined      = newError(C.CIP_EQUARANTINED)
	ErrLimit            = newError(C.CIP_ELIMIT)
	ErrNoBackend        = newError(C.CIP_ENOBACKEND)
	ErrName             = newError(C.CIP_ENAME)
	ErrSpec             = newError(C.CIP_ESPEC)
	ErrDrop             = newError(C.CIP_EDROP)
)

// ErrClosed is returned by every method of a handle after Close.
var ErrClosed = errors.New("clusterip: use of a closed handle")

// codeErr turns a negative return code into an error (nil for rc >= 0).
func codeErr(rc C.int) error {
	if rc >= 0 {
		return nil
	}
	return newError(int(rc))
}

// ParseReason is why a parse failed (enum cip_parse_reason).
type ParseReason int

// String gives the library's phrase for the reason.
func (r ParseReason) String() string {
	return C.GoString(C.cip_parse_reason_string(C.int(r)))
}

// Parse reasons.
const (
	ReasonEmpty            ParseReason = C.CIP_PARSE_EMPTY
	ReasonUnexpectedChar   ParseReason = C.CIP_PARSE_UNEXPECTED_CHAR
	ReasonNulByte          ParseReason = C.CIP_PARSE_NUL_BYTE
	ReasonLeadingZero      ParseReason = C.CIP_PARSE_LEADING_ZERO
	ReasonOctetRange       ParseReason = C.CIP_PARSE_OCTET_RANGE
	ReasonTooFewParts      ParseReason = C.CIP_PARSE_TOO_FEW_PARTS
	ReasonTooManyParts     ParseReason = C.CIP_PARSE_TOO_MANY_PARTS
	ReasonEmptyPart        ParseReason = C.CIP_PARSE_EMPTY_PART
	ReasonMultipleEllipsis ParseReason = C.CIP_PARSE_MULTIPLE_ELLIPSIS
	ReasonGroupTooLong     ParseReason = C.CIP_PARSE_GROUP_TOO_LONG
	ReasonMisplacedIPv4    ParseReason = C.CIP_PARSE_MISPLACED_IPV4
	ReasonZone             ParseReason = C.CIP_PARSE_ZONE
	ReasonMissingLength    ParseReason = C.CIP_PARSE_MISSING_LENGTH
	ReasonBadLength        ParseReason = C.CIP_PARSE_BAD_LENGTH
	ReasonLengthRange      ParseReason = C.CIP_PARSE_LENGTH_RANGE
	ReasonHostBits         ParseReason = C.CIP_PARSE_HOST_BITS
	ReasonWrongFamily      ParseReason = C.CIP_PARSE_WRONG_FAMILY
	ReasonPortRange        ParseReason = C.CIP_PARSE_PORT_RANGE
	ReasonPortOrder        ParseReason = C.CIP_PARSE_PORT_ORDER
)

// ParseError describes a text that did not parse. errors.Is matches it
// against the sentinel of its code (ErrSyntax, ErrZone, ErrHostBits, ...).
type ParseError struct {
	Input  string
	Err    *Error      // the code the library returned
	Reason ParseReason // why
	Offset int         // byte offset of the first bad character
	// Network is, for ErrHostBits, the network the prefix should have been.
	Network netip.Prefix
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("clusterip: parsing %q: %s at offset %d (%s)", e.Input, e.Reason, e.Offset, e.Err.Message)
}

// Unwrap gives the *Error, so that errors.Is and errors.As see it.
func (e *ParseError) Unwrap() error { return e.Err }

func parseErr(input string, rc C.int, pe *C.cip_parse_error) error {
	if rc >= 0 {
		return nil
	}
	e := &ParseError{Input: input, Err: newError(int(rc))}
	if int(pe.code) == int(rc) {
		e.Reason = ParseReason(pe.reason)
		e.Offset = int(pe.offset)
		if rc == C.CIP_EHOSTBITS {
			e.Network, _ = prefixFromC(&pe.network)
		}
	}
	return e
}

// Strerror gives the library's text of an error code (cip_strerror).
func Strerror(code int) string { return C.GoString(C.cip_strerror(C.int(code))) }

// ErrorName gives the symbolic name of an error code (cip_error_name).
func ErrorName(code int) string { return C.GoString(C.cip_error_name(C.int(code))) }

// Sentinels lists every sentinel, in code order (-1, -2, ...).
func Sentinels() []*Error {
	return []*Error{ErrInvalid, ErrNoMemory, ErrSyntax, ErrFamily, ErrRange, ErrFull,
		ErrAllocated, ErrNotFound, ErrExist, ErrSnapshotMismatch, ErrSnapshotCorrupt,
		ErrBufferSize, ErrUnsupported, ErrZone, ErrHostBits, ErrOverflow, ErrNotAllocated,
		ErrQuarantined, ErrLimit, ErrNoBackend, ErrName, ErrSpec, ErrDrop}
}

// ErrorFromCode gives the error of a library return code: nil for 0 or
// more, else an *Error that errors.Is matches against its sentinel.
func ErrorFromCode(code int) error {
	if code >= 0 {
		return nil
	}
	return newError(code)
}
