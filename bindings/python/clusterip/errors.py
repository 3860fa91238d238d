# SPDX-License-Identifier: Apache-2.0
"""The exception hierarchy: one class per family of libclusterip error codes.

Every exception raised for a library error is a :class:`ClusterIPError`
carrying ``code`` (the negative ``CIP_E*`` value), ``name`` (its symbolic
name, e.g. ``"CIP_EINVAL"``) and ``message`` (the text of
``cip_strerror()``). Parsers raise a :class:`ParseError` that is *also* an
instance of the code's class (``except InvalidSyntax`` and ``except
ParseError`` both catch a malformed address) and adds ``offset`` and
``reason``.
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple, Type

from ._native import lib


def strerror(code: int) -> str:
    """The library's description of an error code (``cip_strerror()``)."""
    return lib.cip_strerror(int(code)).decode()


def error_name(code: int) -> str:
    """The symbolic name of an error code (``cip_error_name()``)."""
    return lib.cip_error_name(int(code)).decode()


class ClusterIPError(Exception):
    """A libclusterip call failed. Base of every error class here."""

    code: int
    name: str
    message: str

    def __init__(self, code: int, detail: Optional[str] = None) -> None:
        self.code = int(code)
        self.name = error_name(code)
        self.message = strerror(code)
        self.detail = detail
        text = self.message if detail is None else "%s: %s" % (self.message, detail)
        super().__init__(text)


class InvalidArgument(ClusterIPError, ValueError):
    """CIP_EINVAL: an argument is invalid."""


class OutOfMemory(ClusterIPError, MemoryError):
    """CIP_ENOMEM."""


class InvalidSyntax(ClusterIPError, ValueError):
    """CIP_ESYNTAX: malformed text."""


class WrongFamily(ClusterIPError, ValueError):
    """CIP_EFAMILY: an address of the wrong family."""


class OutOfRange(ClusterIPError, ValueError):
    """CIP_ERANGE: not in the range."""


class RangeFull(ClusterIPError):
    """CIP_EFULL: no free address or port is left."""


class AlreadyAllocated(ClusterIPError):
    """CIP_EALLOCATED."""


class NotFound(ClusterIPError, LookupError):
    """CIP_ENOTFOUND."""


class AlreadyExists(ClusterIPError):
    """CIP_EEXIST."""


class SnapshotError(ClusterIPError):
    """Base of the two snapshot errors."""


class SnapshotMismatch(SnapshotError):
    """CIP_ESNAPSHOT_MISMATCH: the snapshot is of another range."""


class SnapshotCorrupt(SnapshotError):
    """CIP_ESNAPSHOT_CORRUPT: the snapshot data is corrupt."""


class BufferTooSmall(ClusterIPError):
    """CIP_EBUFSIZE (the binding sizes its buffers; seen only in races)."""


class Unsupported(ClusterIPError):
    """CIP_EUNSUPPORTED."""


class ZoneNotAllowed(ClusterIPError, ValueError):
    """CIP_EZONE: an IPv6 address carries a zone."""


class HostBitsSet(ClusterIPError, ValueError):
    """CIP_EHOSTBITS: a prefix has host bits set."""


class Overflow(ClusterIPError, OverflowError):
    """CIP_EOVERFLOW: a result does not fit its type."""


class NotAllocated(ClusterIPError):
    """CIP_ENOTALLOCATED: releasing what is not allocated (harmless)."""


class Quarantined(ClusterIPError):
    """CIP_EQUARANTINED: released too recently to reuse."""


class LimitReached(ClusterIPError):
    """CIP_ELIMIT: a configured limit was reached."""


class NoBackend(ClusterIPError):
    """CIP_ENOBACKEND: the service has no usable backend."""


class InvalidName(ClusterIPError, ValueError):
    """CIP_ENAME: not a valid DNS name."""


class InvalidSpec(ClusterIPError, ValueError):
    """CIP_ESPEC: an invalid service, pod or endpoint spec.

    ``field`` (an ``enum cip_spec_field`` value), ``index`` and ``offset``
    locate the problem; ``spec_message`` is the library's explanation, e.g.
    ``"spec.ports[1].name: Duplicate value"``.
    """

    field: int = 0
    index: int = 0
    offset: int = 0
    spec_message: str = ""


class Dropped(ClusterIPError):
    """CIP_EDROP: dropped by policy (no local endpoint)."""


class UnknownError(ClusterIPError):
    """A code this version of the binding does not know."""


class ParseError(ClusterIPError):
    """A parser failed. Raised as a subclass of both this class and the
    code's class. ``offset`` is the byte offset (in the UTF-8 text) of the
    first bad character; ``reason`` an ``enum cip_parse_reason`` value and
    ``reason_text`` its description (``cip_parse_reason_string()``);
    ``network`` the network a prefix with host bits should have been."""

    offset: int = 0
    reason: int = 0
    reason_text: str = ""
    network: object = None


ERROR_CLASSES: Dict[int, Type[ClusterIPError]] = {
    -1: InvalidArgument,
    -2: OutOfMemory,
    -3: InvalidSyntax,
    -4: WrongFamily,
    -5: OutOfRange,
    -6: RangeFull,
    -7: AlreadyAllocated,
    -8: NotFound,
    -9: AlreadyExists,
    -10: SnapshotMismatch,
    -11: SnapshotCorrupt,
    -12: BufferTooSmall,
    -13: Unsupported,
    -14: ZoneNotAllowed,
    -15: HostBitsSet,
    -16: Overflow,
    -17: NotAllocated,
    -18: Quarantined,
    -19: LimitReached,
    -20: NoBackend,
    -21: InvalidName,
    -22: InvalidSpec,
    -23: Dropped,
}

_PARSE_CLASSES: Dict[Type[ClusterIPError], Type[ParseError]] = {}


def error_class(code: int) -> Type[ClusterIPError]:
    """The class raised for an error code."""
    return ERROR_CLASSES.get(int(code), UnknownError)


def parse_error_class(code: int) -> Type[ParseError]:
    """The class raised by a parser for an error code: a subclass of both
    :class:`ParseError` and ``error_class(code)``."""
    base = error_class(code)
    cls = _PARSE_CLASSES.get(base)
    if cls is None:
        cls = type(base.__name__ + "ParseError", (ParseError, base), {"__module__": __name__})
        _PARSE_CLASSES[base] = cls
    return cls


def make_error(code: int, detail: Optional[str] = None) -> ClusterIPError:
    return error_class(code)(code, detail)


def check(rc: int, detail: Optional[str] = None) -> int:
    """Return ``rc`` if it is not negative, else raise its error."""
    if rc < 0:
        raise make_error(rc, detail)
    return rc


class ClosedError(ValueError):
    """A method was called on a closed object."""


class InUseError(RuntimeError):
    """An object cannot be closed while another one still borrows it."""


__all__: Tuple[str, ...] = tuple(
    name
    for name, value in list(globals().items())
    if isinstance(value, type) and issubclass(value, Exception)
) + ("strerror", "error_name", "error_class", "parse_error_class", "ERROR_CLASSES")
