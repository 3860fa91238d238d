# SPDX-License-Identifier: Apache-2.0
"""Allocators: :class:`Range` (service addresses of one CIDR), :class:`Ports`
(a node-port range) and :class:`Pool` (several CIDRs per family, dual stack).

All three are lock-free in the library: any thread may call their methods
at once (ctypes releases the GIL during each call). :meth:`close`, the
restoring methods (``restore``, ``import_k8s``) and the pool's configuring
methods (``add``, ``drain``, ``remove``) are the exceptions the headers
document: do not run them concurrently with other calls on the same object.

Times (``now``) are nanoseconds of a monotonic clock of the caller's choice
(e.g. ``time.monotonic_ns()``); they only matter with quarantine.
"""

from __future__ import annotations

import ctypes
import enum
import weakref
from ctypes import byref, c_size_t, c_uint32, c_uint64, c_void_p
from dataclasses import dataclass
from typing import Any, Callable, Iterator, List, NamedTuple, Optional, Tuple, Union

from . import _native as N
from ._native import cip_addr, cip_port_range, cip_prefix, cip_range_stats, lib
from .addr import (
    AddressLike,
    IPAddress,
    IPNetwork,
    PrefixLike,
    c_address,
    c_prefix,
    new_parse_error,
    to_address,
    to_network,
)
from .errors import ClosedError, InUseError, check, parse_error_class

StaticBand = Union[int, str, None]


class Band(enum.IntEnum):
    """Bands of a range, for the counting methods."""

    ALL = 0
    STATIC = 1
    DYNAMIC = 2


class PoolRangeState(enum.IntEnum):
    """State of a range in a pool."""

    ACTIVE = 1
    DRAINING = 2


class IPFamilyPolicy(enum.IntEnum):
    """A Service's ipFamilyPolicy."""

    SINGLE_STACK = 1
    PREFER_DUAL_STACK = 2
    REQUIRE_DUAL_STACK = 3


@dataclass(frozen=True)
class BandStats:
    """Counters of one band: ``used + available + quarantined == size``
    when nothing is in flight."""

    size: int
    used: int
    available: int
    quarantined: int
    allocations: int
    releases: int
    errors: int


@dataclass(frozen=True)
class RangeStats:
    """Counters of a range or port allocator, per band."""

    all: BandStats
    static_band: BandStats
    dynamic_band: BandStats


def _band_stats(b: Any) -> BandStats:
    return BandStats(
        int(b.size), int(b.used), int(b.available), int(b.quarantined),
        int(b.allocations), int(b.releases), int(b.errors),
    )


def _stats(s: cip_range_stats) -> RangeStats:
    return RangeStats(_band_stats(s.all), _band_stats(s.static_band), _band_stats(s.dynamic_band))


def _static_band_value(static_band: StaticBand) -> int:
    if static_band is None or static_band == "auto":
        return 0
    if static_band == "off":
        return -1
    if isinstance(static_band, int) and not isinstance(static_band, bool) and static_band >= 0:
        if static_band == 0:
            return -1  # an explicit size of 0 means no static band
        return static_band
    raise ValueError("static_band must be None/'auto', 'off' or a size >= 0")


def _alloc_flags(dry_run: bool, release_now: bool = False) -> int:
    return (N.CIP_ALLOC_DRY_RUN if dry_run else 0) | (N.CIP_RELEASE_NOW if release_now else 0)


def _bytes_arg(data: bytes) -> Tuple[Any, int]:
    data = bytes(data)
    buf = (ctypes.c_uint8 * max(len(data), 1)).from_buffer_copy(data or b"\0")
    return buf, len(data)


def _read_sized(fn: Callable[..., int], *args: Any) -> bytes:
    """Call a (..., buf, cap, *len) function, growing the buffer on
    CIP_EBUFSIZE."""
    n = c_size_t(0)
    rc = fn(*args, None, 0, byref(n))
    while True:
        if rc == 0 and n.value == 0:
            return b""
        if rc not in (0, N.CIP_EBUFSIZE):
            check(rc)
        cap = max(int(n.value), 1)
        buf = (ctypes.c_uint8 * cap)()
        rc = fn(*args, buf, cap, byref(n))
        if rc == 0:
            return bytes(buf)[: n.value]
        if rc != N.CIP_EBUFSIZE:
            check(rc)


class _Walk:
    """Runs a foreach with a Python visitor: an exception in the visitor
    stops the walk (the C callback returns 1) and is re-raised after."""

    def __init__(self, visit: Callable[..., Any]) -> None:
        self.visit = visit
        self.error: Optional[BaseException] = None

    def __call__(self, *args: Any) -> int:
        try:
            return 1 if self.visit(*args) else 0
        except BaseException as exc:  # noqa: BLE001 - re-raised by finish()
            self.error = exc
            return 1

    def finish(self, rc: int) -> int:
        if self.error is not None:
            err, self.error = self.error, None
            raise err
        return check(rc)


class _Handle:
    """Common lifetime management: close() is idempotent; any method after
    it raises :class:`ClosedError`."""

    _free: Callable[[Any], None]
    _kind = "object"

    def __init__(self) -> None:
        self._ptr: Optional[int] = None
        # Open objects (tables) that borrow this one: it may not be closed
        # before them.
        self._users: "weakref.WeakSet[Any]" = weakref.WeakSet()

    def _h(self) -> c_void_p:
        if self._ptr is None:
            raise ClosedError("%s is closed" % self._kind)
        return c_void_p(self._ptr)

    @property
    def closed(self) -> bool:
        """Whether close() was called."""
        return self._ptr is None

    def close(self) -> None:
        """Free the native object. Idempotent.

        :raises InUseError: an open :class:`~clusterip.Table` still uses it.
        """
        if self._ptr is not None and any(not u.closed for u in list(self._users)):
            raise InUseError("%s is used by an open Table: close the Table first" % self._kind)
        ptr, self._ptr = self._ptr, None
        if ptr is not None:
            type(self)._free(c_void_p(ptr))

    def __enter__(self) -> Any:
        self._h()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


def _range_opts(
    seed: int, static_band: StaticBand, legacy_cap: bool, quarantine_ns: int, quarantine_max: int
) -> N.cip_range_opts:
    o = N.cip_range_opts()
    check(lib.cip_range_opts_init(byref(o), ctypes.sizeof(o)))
    o.seed = seed
    o.static_band = _static_band_value(static_band)
    o.flags = N.CIP_RANGE_LEGACY_CAP if legacy_cap else 0
    o.quarantine_ns = quarantine_ns
    o.quarantine_max = quarantine_max
    return o


class _Allocator(_Handle):
    """What :class:`Range` and :class:`Ports` share: the functions of the
    same name and signature under their prefixes (``cip_range_``,
    ``cip_ports_``)."""

    _prefix: str

    def _fn(self, name: str) -> Callable[..., int]:
        return getattr(lib, self._prefix + name)  # type: ignore[no-any-return]

    def expire(self, now: int) -> int:
        """End every quarantine due by ``now``; return how many ended."""
        return check(self._fn("expire")(self._h(), now))

    def _count(self, name: str, band: Band) -> int:
        out = c_uint64()
        check(self._fn(name)(self._h(), int(band), byref(out)))
        return int(out.value)

    def used(self, band: Band = Band.ALL) -> int:
        """Allocated entries in ``band``."""
        return self._count("used", band)

    def available(self, band: Band = Band.ALL) -> int:
        """Entries allocate_next could hand out now, in ``band``."""
        return self._count("available", band)

    def __len__(self) -> int:
        return self.used()

    def stats(self) -> RangeStats:
        """Every counter, per band."""
        s = cip_range_stats()
        s.sz = ctypes.sizeof(s)
        check(self._fn("stats_get")(self._h(), byref(s)))
        return _stats(s)

    @property
    def static_band_size(self) -> int:
        """Size of the static band in use."""
        out = c_uint64()
        check(self._fn("static_band_size")(self._h(), byref(out)))
        return int(out.value)

    def _walk(self, fn_type: Any, convert: Callable[[Any], Any], visit: Callable[[Any], Any]) -> bool:
        walk = _Walk(lambda value, _ctx: visit(convert(value)))
        rc = self._fn("foreach")(self._h(), fn_type(walk), None)
        return walk.finish(rc) != 0

    def foreach(self, visit: Callable[[Any], Any]) -> bool:
        raise NotImplementedError

    def _collect(self) -> List[Any]:
        out: List[Any] = []
        self.foreach(out.append)
        return out

    def __iter__(self) -> Iterator[Any]:
        """Iterate over what is allocated when iteration starts."""
        return iter(self._collect())

    # Kubernetes RangeAllocation
    def export_k8s(self) -> bytes:
        """The RangeAllocation ``data`` bytes (big.Int.Bytes())."""
        return _read_sized(self._fn("export_k8s"), self._h())

    def import_k8s(self, spec: str, data: bytes) -> None:
        """Replace the state with a RangeAllocation's ``range`` and
        ``data``. Not concurrently with other calls.

        :raises SnapshotMismatch, SnapshotCorrupt:
        """
        s = spec.encode()
        buf, n = _bytes_arg(data)
        check(self._fn("import_k8s")(self._h(), s, len(s), buf, n))

    # native snapshots
    def snapshot(self, now: int = 0) -> bytes:
        """A checksummed native snapshot (state, options and quarantine)."""
        return _read_sized(self._fn("snapshot"), self._h(), now)

    def restore(self, data: bytes, now: int = 0) -> None:
        """Replace the state with a native snapshot of the same range and
        band. Not concurrently with other calls.

        :raises SnapshotCorrupt, SnapshotMismatch, Unsupported:
        """
        buf, n = _bytes_arg(data)
        check(self._fn("restore")(self._h(), now, buf, n))


class Range(_Allocator):
    """Allocator of the service addresses of one CIDR (``cip_range``).

    :param cidr: the service CIDR (no host bits).
    :param seed: seed of the random start; 0 draws one from the OS.
    :param static_band: None (or ``"auto"``) for the KEP-3070 formula,
        ``"off"`` (or 0) for none, or a size.
    :param legacy_cap: cap an IPv6 range at 65535 addresses, as Kubernetes'
        bitmap allocator does (required for IPv6 prefixes shorter than /64).
    :param quarantine_ns: keep released addresses out of
        :meth:`allocate_next` for this long; 0 disables it.
    :param quarantine_max: most quarantine entries; 0 for the default.
    """

    _free = lib.cip_range_free
    _kind = "Range"
    _prefix = "cip_range_"

    def __init__(
        self,
        cidr: PrefixLike,
        *,
        seed: int = 0,
        static_band: StaticBand = None,
        legacy_cap: bool = False,
        quarantine_ns: int = 0,
        quarantine_max: int = 0,
    ) -> None:
        super().__init__()
        self._owner: Any = None
        p = c_prefix(cidr)
        o = _range_opts(seed, static_band, legacy_cap, quarantine_ns, quarantine_max)
        out = c_void_p()
        check(lib.cip_range_new(byref(out), byref(p), byref(o)))
        self._ptr = out.value

    @classmethod
    def from_snapshot(cls, data: bytes, *, now: int = 0, seed: int = 0) -> "Range":
        """A range built from a native snapshot (:meth:`snapshot`), with
        the CIDR and options it carries."""
        buf, n = _bytes_arg(data)
        out = c_void_p()
        check(lib.cip_range_new_from_snapshot(byref(out), now, buf, n, seed))
        self = cls.__new__(cls)
        _Handle.__init__(self)
        self._owner = None
        self._ptr = out.value
        return self

    @classmethod
    def _borrowed(cls, ptr: int, owner: "Pool") -> "Range":
        self = cls.__new__(cls)
        _Handle.__init__(self)
        self._owner = owner
        self._ptr = ptr
        return self

    def _h(self) -> c_void_p:
        if self._owner is not None and self._owner.closed:
            self._ptr = None
        return super()._h()

    @property
    def closed(self) -> bool:
        """Whether close() was called, or the Pool that lent this Range closed."""
        if self._owner is not None and self._owner.closed:
            self._ptr = None
        return self._ptr is None

    def close(self) -> None:
        """Free the range; for a range borrowed from a :class:`Pool`, only
        forget it (the pool owns it). Idempotent."""
        if self._owner is not None:
            self._ptr = None
            return
        super().close()

    def __repr__(self) -> str:
        if self.closed:
            return "<clusterip.Range closed>"
        return "<clusterip.Range %s>" % self.prefix

    def allocate_next(self, now: int = 0, *, dry_run: bool = False) -> IPAddress:
        """Allocate a free address (dynamic band first, random start).

        :raises RangeFull: nothing is available.
        """
        out = cip_addr()
        check(lib.cip_range_allocate_next(self._h(), now, _alloc_flags(dry_run), byref(out)))
        return to_address(out)

    def allocate(self, addr: AddressLike, *, dry_run: bool = False) -> None:
        """Allocate a specific address.

        :raises AlreadyAllocated, OutOfRange, WrongFamily:
        """
        a = c_address(addr)
        check(lib.cip_range_allocate(self._h(), byref(a), _alloc_flags(dry_run)))

    def release(
        self, addr: AddressLike, now: int = 0, *, dry_run: bool = False, release_now: bool = False
    ) -> None:
        """Release an address (into quarantine when enabled, unless
        ``release_now``).

        :raises NotAllocated: it was free or in quarantine (harmless).
        :raises OutOfRange: not an address of the range (harmless).
        """
        a = c_address(addr)
        check(lib.cip_range_release(self._h(), byref(a), now, _alloc_flags(dry_run, release_now)))

    def has(self, addr: AddressLike) -> bool:
        """Whether ``addr`` is allocated."""
        a = c_address(addr)
        return bool(check(lib.cip_range_has(self._h(), byref(a))))

    def __contains__(self, addr: object) -> bool:
        try:
            return self.has(addr)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False

    @property
    def prefix(self) -> IPNetwork:
        """The range's CIDR."""
        p = cip_prefix()
        check(lib.cip_range_prefix(self._h(), byref(p)))
        return to_network(p)

    def foreach(self, visit: Callable[[IPAddress], Any]) -> bool:
        """Call ``visit(address)`` for every allocated address, ascending.
        A true return value stops the walk (then True is returned); an
        exception stops it and propagates."""
        return self._walk(N.addr_visit_fn, lambda p: to_address(p.contents), visit)

    def addresses(self) -> List[IPAddress]:
        """The allocated addresses, ascending."""
        return self._collect()

    # Kubernetes RangeAllocation
    def k8s_spec(self) -> str:
        """The RangeAllocation ``range`` string, e.g. ``"10.96.0.0/12"``."""
        buf = ctypes.create_string_buffer(50)
        n = check(lib.cip_range_k8s_spec(self._h(), buf, len(buf)))
        return buf.raw[:n].decode()

class PortRange(NamedTuple):
    """A node-port range: ``size`` ports from ``base``."""

    base: int
    size: int

    @classmethod
    def parse(cls, text: Union[str, bytes]) -> "PortRange":
        """Parse as Kubernetes' PortRange.Set: ``"min-max"``, ``"N"`` or
        ``"min+offset"``.

        :raises ParseError: (InvalidSyntax or OutOfRange) with the offset.
        """
        raw = text.encode() if isinstance(text, str) else bytes(text)
        out = cip_port_range()
        err = new_parse_error()
        rc = lib.cip_port_range_parse(byref(out), raw, len(raw), byref(err))
        if rc < 0:
            if rc == -1:
                check(rc)
            reason = lib.cip_parse_reason_string(err.reason).decode()
            exc = parse_error_class(rc)(
                rc, "port range %r at offset %d: %s" % (raw.decode("utf-8", "replace"), err.offset, reason)
            )
            exc.offset, exc.reason, exc.reason_text = int(err.offset), int(err.reason), reason
            raise exc
        return cls(int(out.base), int(out.size))

    @property
    def first(self) -> int:
        """The first port."""
        return self.base

    @property
    def last(self) -> int:
        """The last port."""
        return self.base + self.size - 1

    def _c(self) -> cip_port_range:
        if not (0 <= self.base <= 0xFFFFFFFF and 0 <= self.size <= 0xFFFFFFFF):
            raise ValueError("invalid port range %r" % (self,))
        return cip_port_range(self.base, self.size)

    def format(self) -> str:
        """``"min-max"``, Kubernetes' PortRange.String()."""
        c = self._c()
        buf = ctypes.create_string_buffer(12)
        n = check(lib.cip_port_range_format(byref(c), buf, len(buf)))
        return buf.raw[:n].decode()

    def contains(self, port: int) -> bool:
        """Whether ``port`` is in the range."""
        c = self._c()
        if not 0 <= port <= 0xFFFFFFFF:
            return False
        return bool(check(lib.cip_port_range_contains(byref(c), port)))


def _port_arg(port: int) -> int:
    if not isinstance(port, int) or not 0 <= port <= 0xFFFFFFFF:
        raise ValueError("port must be an int in 0..2^32-1")
    return port


class Ports(_Allocator):
    """Allocator of a node-port range (``cip_ports``); the same operations,
    errors, quarantine and snapshots as :class:`Range`, on ints.

    :param ports: a :class:`PortRange`, a ``(base, size)`` pair or a text
        such as ``"30000-32767"``.
    """

    _free = lib.cip_ports_free
    _kind = "Ports"
    _prefix = "cip_ports_"

    def __init__(
        self,
        ports: Union[PortRange, Tuple[int, int], str] = "30000-32767",
        *,
        seed: int = 0,
        static_band: StaticBand = None,
        quarantine_ns: int = 0,
        quarantine_max: int = 0,
    ) -> None:
        super().__init__()
        pr = PortRange.parse(ports) if isinstance(ports, str) else PortRange(*ports)
        c = pr._c()
        o = N.cip_ports_opts()
        check(lib.cip_ports_opts_init(byref(o), ctypes.sizeof(o)))
        o.seed = seed
        o.static_band = _static_band_value(static_band)
        o.quarantine_ns = quarantine_ns
        o.quarantine_max = quarantine_max
        out = c_void_p()
        check(lib.cip_ports_new(byref(out), byref(c), byref(o)))
        self._ptr = out.value

    @classmethod
    def from_snapshot(cls, data: bytes, *, now: int = 0, seed: int = 0) -> "Ports":
        """A port allocator built from a native snapshot."""
        buf, n = _bytes_arg(data)
        out = c_void_p()
        check(lib.cip_ports_new_from_snapshot(byref(out), now, buf, n, seed))
        self = cls.__new__(cls)
        _Handle.__init__(self)
        self._ptr = out.value
        return self

    def __repr__(self) -> str:
        return "<clusterip.Ports %s>" % ("closed" if self.closed else self.range.format())

    def allocate_next(self, now: int = 0, *, dry_run: bool = False) -> int:
        """Allocate a free port. :raises RangeFull:"""
        out = c_uint32()
        check(lib.cip_ports_allocate_next(self._h(), now, _alloc_flags(dry_run), byref(out)))
        return int(out.value)

    def allocate(self, port: int, *, dry_run: bool = False) -> None:
        """Allocate ``port``. :raises AlreadyAllocated, OutOfRange:"""
        check(lib.cip_ports_allocate(self._h(), _port_arg(port), _alloc_flags(dry_run)))

    def release(self, port: int, now: int = 0, *, dry_run: bool = False, release_now: bool = False) -> None:
        """Release ``port``. :raises NotAllocated, OutOfRange:"""
        check(lib.cip_ports_release(self._h(), _port_arg(port), now, _alloc_flags(dry_run, release_now)))

    def has(self, port: int) -> bool:
        """Whether ``port`` is allocated."""
        return bool(check(lib.cip_ports_has(self._h(), _port_arg(port))))

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and 0 <= port <= 0xFFFFFFFF and self.has(port)

    @property
    def range(self) -> PortRange:
        """The port range this allocator hands out."""
        out = cip_port_range()
        check(lib.cip_ports_range(self._h(), byref(out)))
        return PortRange(int(out.base), int(out.size))

    def foreach(self, visit: Callable[[int], Any]) -> bool:
        """Call ``visit(port)`` for every allocated port, ascending; a true
        return stops the walk; an exception stops it and propagates."""
        return self._walk(N.port_visit_fn, int, visit)

    def ports(self) -> List[int]:
        """The allocated ports, ascending."""
        return self._collect()

    def k8s_spec(self) -> str:
        """The RangeAllocation ``range`` string (``"min-max"``)."""
        return self.range.format()

def _family_arg(family: int) -> int:
    if family not in (4, 6):
        raise ValueError("family must be 4 or 6")
    return family


class Pool(_Handle):
    """Service addresses of several CIDRs per family (``cip_pool``).

    :param seed: seed of the choice among ranges (and, when not 0, of the
        ranges added without a seed): 0 draws one from the OS.
    :param max_ranges: most ranges per family over the pool's life, 1-64;
        0 for 16.
    """

    _free = lib.cip_pool_free
    _kind = "Pool"

    def __init__(self, *, seed: int = 0, max_ranges: int = 0) -> None:
        super().__init__()
        o = N.cip_pool_opts()
        check(lib.cip_pool_opts_init(byref(o), ctypes.sizeof(o)))
        o.seed = seed
        o.max_ranges = max_ranges
        out = c_void_p()
        check(lib.cip_pool_new(byref(out), byref(o)))
        self._ptr = out.value

    def __repr__(self) -> str:
        return "<clusterip.Pool%s>" % (" closed" if self.closed else "")

    def add(
        self,
        cidr: PrefixLike,
        *,
        seed: int = 0,
        static_band: StaticBand = None,
        legacy_cap: bool = False,
        quarantine_ns: int = 0,
        quarantine_max: int = 0,
    ) -> None:
        """Add an active range (a ServiceCIDR); options as :class:`Range`.

        :raises AlreadyExists, LimitReached, OutOfRange, Unsupported:
        """
        p = c_prefix(cidr)
        o = _range_opts(seed, static_band, legacy_cap, quarantine_ns, quarantine_max)
        check(lib.cip_pool_add(self._h(), byref(p), byref(o)))

    def drain(self, cidr: PrefixLike) -> None:
        """Stop allocation from the range of ``cidr``. :raises NotFound:"""
        p = c_prefix(cidr)
        check(lib.cip_pool_drain(self._h(), byref(p)))

    def remove(self, cidr: PrefixLike) -> None:
        """Remove a drained, empty range.

        :raises NotFound, Unsupported: (still active), AlreadyAllocated
            (still holds addresses).
        """
        p = c_prefix(cidr)
        check(lib.cip_pool_remove(self._h(), byref(p)))

    def range(self, cidr: PrefixLike) -> Range:
        """The :class:`Range` of ``cidr``, borrowed from the pool (valid
        until the pool is closed; closing it does not free it)."""
        p = c_prefix(cidr)
        out = c_void_p()
        check(lib.cip_pool_range(self._h(), byref(p), byref(out)))
        return Range._borrowed(int(out.value or 0), self)

    def foreach_range(self, family: int, visit: Callable[[IPNetwork, PoolRangeState], Any]) -> bool:
        """Call ``visit(cidr, state)`` for every range of ``family`` not
        removed, in add order; a true return stops the walk."""
        walk = _Walk(lambda p, state, _ctx: visit(to_network(p.contents), PoolRangeState(state)))
        cb = N.pool_range_visit_fn(walk)
        rc = lib.cip_pool_foreach_range(self._h(), _family_arg(family), cb, None)
        return walk.finish(rc) != 0

    def ranges(self, family: Optional[int] = None) -> List[Tuple[IPNetwork, PoolRangeState]]:
        """``(cidr, state)`` of every range (of ``family``, or IPv4 then
        IPv6), in add order."""
        out: List[Tuple[IPNetwork, PoolRangeState]] = []
        for fam in (4, 6) if family is None else (family,):
            self.foreach_range(fam, lambda p, s: out.append((p, s)))
        return out

    def allocate_next(self, family: int = 4, now: int = 0, *, dry_run: bool = False) -> IPAddress:
        """Allocate a free address of ``family``.

        :raises WrongFamily: no active range of that family.
        :raises RangeFull:
        """
        out = cip_addr()
        check(lib.cip_pool_allocate_next(self._h(), _family_arg(family), now, _alloc_flags(dry_run), byref(out)))
        return to_address(out)

    def allocate(self, addr: AddressLike, *, dry_run: bool = False) -> None:
        """Allocate a requested address in the range it belongs to."""
        a = c_address(addr)
        check(lib.cip_pool_allocate(self._h(), byref(a), _alloc_flags(dry_run)))

    def release(self, addr: AddressLike, now: int = 0, *, dry_run: bool = False, release_now: bool = False) -> None:
        """Release an address. :raises NotAllocated, OutOfRange:"""
        a = c_address(addr)
        check(lib.cip_pool_release(self._h(), byref(a), now, _alloc_flags(dry_run, release_now)))

    def has(self, addr: AddressLike) -> bool:
        """Whether ``addr`` is allocated in the range that owns it."""
        a = c_address(addr)
        return bool(check(lib.cip_pool_has(self._h(), byref(a))))

    def __contains__(self, addr: object) -> bool:
        try:
            return self.has(addr)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False

    def used(self, family: int = 4) -> int:
        """Allocated addresses of ``family`` (4 or 6), over every range."""
        out = c_uint64()
        check(lib.cip_pool_used(self._h(), _family_arg(family), byref(out)))
        return int(out.value)

    def available(self, family: int = 4) -> int:
        """Addresses of ``family`` allocate_next could hand out now, summed
        over the active ranges (an address two ranges share counts in each)."""
        out = c_uint64()
        check(lib.cip_pool_available(self._h(), _family_arg(family), byref(out)))
        return int(out.value)

    def allocate_pair(
        self,
        policy: IPFamilyPolicy = IPFamilyPolicy.SINGLE_STACK,
        primary_family: int = 4,
        now: int = 0,
        *,
        dry_run: bool = False,
    ) -> List[IPAddress]:
        """Allocate a Service's ClusterIPs by its ipFamilyPolicy, all or
        nothing; the primary family's address first."""
        out = (cip_addr * 2)()
        count = c_size_t(0)
        check(
            lib.cip_pool_allocate_pair(
                self._h(), int(policy), _family_arg(primary_family), now, _alloc_flags(dry_run), out, byref(count)
            )
        )
        return [to_address(out[i]) for i in range(count.value)]
