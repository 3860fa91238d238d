# SPDX-License-Identifier: Apache-2.0
"""Addresses and prefixes: strict parsing, canonical formatting, 128-bit
prefix arithmetic and the Kubernetes service-range facts (``addr.h``).

Addresses are :class:`ipaddress.IPv4Address` / :class:`ipaddress.IPv6Address`
and prefixes :class:`ipaddress.IPv4Network` / :class:`ipaddress.IPv6Network`,
both ways. Wherever an address or prefix is taken, a ``str`` is accepted as
well and parsed with the library's strict parser (:func:`parse_address`,
:func:`parse_prefix`).

Intended differences from :mod:`ipaddress` (tests/test_differential.py checks
them on 10^5 generated inputs):

* **Zones.** ``ipaddress`` accepts ``fe80::1%eth0`` (Python 3.9+); this
  library refuses any zone (:class:`~clusterip.ZoneNotAllowed`): service
  addresses never carry one.
* **Leading zeros.** Both refuse ``010.1.1.1`` by default. With
  ``legacy=True`` the library accepts leading zeros and reads them as
  *decimal* (``010.1.1.1`` is 10.1.1.1, Kubernetes' ParseIPSloppy), which
  ``ipaddress`` has no mode for.
* **IPv4-mapped formatting.** The library writes ``::ffff:1.2.3.4``
  (RFC 5952 §5); ``str()`` of ``ipaddress`` gives ``::ffff:102:304`` before
  Python 3.13. :func:`format_address` always gives the RFC 5952 form.
* **Prefix masks.** ``ipaddress.ip_network`` accepts a netmask or host
  mask after the ``/`` (``10.0.0.0/255.0.0.0``); the library accepts only a
  decimal length.
* **Byte strings and non-ASCII text.** ``ipaddress`` turns a 4- or 16-byte
  ``bytes`` into an address; here ``bytes`` is text (UTF-8), as the C
  parser reads it. Use :func:`address_from_bytes` for raw bytes.
"""

from __future__ import annotations

import ctypes
import ipaddress
from typing import Any, Optional, Union

from . import _native as N
from ._native import cip_addr, cip_parse_error, cip_prefix, cip_u128, lib
from .errors import ParseError, check, parse_error_class

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
IPNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
AddressLike = Union[IPAddress, str, bytes]
PrefixLike = Union[IPNetwork, str, bytes]

IPV4 = N.CIP_FAMILY_IPV4
IPV6 = N.CIP_FAMILY_IPV6

ADDR_STRLEN = 46
PREFIX_STRLEN = 50
REVERSE_NAME_STRLEN = 75
U128_STRLEN = 40


def _text(text: Union[str, bytes]) -> bytes:
    if isinstance(text, str):
        return text.encode("utf-8", "surrogatepass")
    if isinstance(text, (bytes, bytearray, memoryview)):
        return bytes(text)
    raise TypeError("expected str or bytes, not %s" % type(text).__name__)


def _flags(legacy: bool, family: Optional[int], mask: bool = False) -> int:
    flags = 0
    if legacy:
        flags |= N.CIP_PARSE_LEGACY
    if mask:
        flags |= N.CIP_PARSE_MASK
    if family == IPV4:
        flags |= N.CIP_PARSE_IPV4_ONLY
    elif family == IPV6:
        flags |= N.CIP_PARSE_IPV6_ONLY
    elif family is not None:
        raise ValueError("family must be 4, 6 or None")
    return flags


def _parse_error(rc: int, err: cip_parse_error, kind: str, raw: bytes) -> ParseError:
    reason_text = lib.cip_parse_reason_string(err.reason).decode()
    exc = parse_error_class(rc)(
        rc, "%s %r at offset %d: %s" % (kind, raw.decode("utf-8", "replace"), err.offset, reason_text)
    )
    exc.offset = int(err.offset)
    exc.reason = int(err.reason)
    exc.reason_text = reason_text
    if rc == -15:  # CIP_EHOSTBITS
        exc.network = to_network(err.network)
    return exc


def new_parse_error() -> cip_parse_error:
    err = cip_parse_error()
    check(lib.cip_parse_error_init(ctypes.byref(err), ctypes.sizeof(err)))
    return err


# --------------------------------------------------------------------------
# Conversions between ipaddress objects and the C value types.
# --------------------------------------------------------------------------


def to_address(a: cip_addr) -> IPAddress:
    """A ``cip_addr`` as an ipaddress object."""
    raw = bytes(a.bytes)
    if a.family == IPV4:
        return ipaddress.IPv4Address(raw[12:])
    if a.family == IPV6:
        return ipaddress.IPv6Address(raw)
    raise ValueError("invalid cip_addr family %d" % a.family)


def to_network(p: cip_prefix) -> IPNetwork:
    """A ``cip_prefix`` as an ipaddress network."""
    return ipaddress.ip_network((to_address(p.addr), int(p.len)))


def c_address(value: AddressLike) -> cip_addr:
    """Any address-like value as a ``cip_addr``."""
    out = cip_addr()
    if isinstance(value, ipaddress.IPv4Address):
        out.family = IPV4
        ctypes.memmove(ctypes.addressof(out.bytes) + 12, value.packed, 4)
    elif isinstance(value, ipaddress.IPv6Address):
        if value.scope_id is not None:
            raise parse_error_class(-14)(-14, "address %s carries a zone" % value)
        out.family = IPV6
        ctypes.memmove(out.bytes, value.packed, 16)
    elif isinstance(value, (str, bytes, bytearray)):
        return _parse_addr(value, 0)
    else:
        raise TypeError("expected an IP address or str, not %s" % type(value).__name__)
    return out


def c_prefix(value: PrefixLike) -> cip_prefix:
    """Any prefix-like value as a ``cip_prefix``."""
    if isinstance(value, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
        out = cip_prefix()
        out.addr = c_address(value.network_address)
        out.len = value.prefixlen
        return out
    if isinstance(value, (str, bytes, bytearray)):
        return _parse_prefix(value, 0)
    raise TypeError("expected an IP network or str, not %s" % type(value).__name__)


def _parse_addr(text: Union[str, bytes], flags: int) -> cip_addr:
    raw = _text(text)
    out = cip_addr()
    err = new_parse_error()
    rc = lib.cip_addr_parse(ctypes.byref(out), raw, len(raw), flags, ctypes.byref(err))
    if rc < 0:
        if rc == -1:
            check(rc)
        raise _parse_error(rc, err, "address", raw)
    return out


def _parse_prefix(text: Union[str, bytes], flags: int) -> cip_prefix:
    raw = _text(text)
    out = cip_prefix()
    err = new_parse_error()
    rc = lib.cip_prefix_parse(ctypes.byref(out), raw, len(raw), flags, ctypes.byref(err))
    if rc < 0:
        if rc == -1:
            check(rc)
        raise _parse_error(rc, err, "prefix", raw)
    return out


# --------------------------------------------------------------------------
# Addresses
# --------------------------------------------------------------------------


def parse_address(
    text: Union[str, bytes], *, legacy: bool = False, family: Optional[int] = None
) -> IPAddress:
    """Parse an IPv4 or IPv6 address strictly (``cip_addr_parse()``).

    :param legacy: accept leading zeros in IPv4 octets, read as decimal.
    :param family: 4 or 6 to accept only that family (:class:`WrongFamily`
        for the other), None for both.
    :raises ParseError: with the offset and reason of the failure.
    """
    return to_address(_parse_addr(text, _flags(legacy, family)))


def format_address(addr: AddressLike) -> str:
    """Canonical text of an address (RFC 5952 for IPv6, with
    IPv4-mapped addresses as ``::ffff:a.b.c.d``)."""
    a = c_address(addr)
    buf = ctypes.create_string_buffer(ADDR_STRLEN)
    n = check(lib.cip_addr_format(ctypes.byref(a), buf, len(buf)))
    return buf.raw[:n].decode()


def address_from_bytes(family: int, data: bytes) -> IPAddress:
    """An address from raw network-order bytes (4 for IPv4, 16 for IPv6)."""
    out = cip_addr()
    raw = (ctypes.c_uint8 * max(len(data), 1)).from_buffer_copy(bytes(data) or b"\0")
    check(lib.cip_addr_from_bytes(ctypes.byref(out), int(family), raw, len(data)))
    return to_address(out)


def address_family(addr: AddressLike) -> int:
    """4 or 6."""
    a = c_address(addr)
    return check(lib.cip_addr_family(ctypes.byref(a)))


def compare_addresses(a: AddressLike, b: AddressLike) -> int:
    """-1, 0 or 1: the library's total order (IPv4 before IPv6, then by
    value)."""
    x, y = c_address(a), c_address(b)
    return int(lib.cip_addr_compare(ctypes.byref(x), ctypes.byref(y)))


def addresses_equal(a: AddressLike, b: AddressLike) -> bool:
    """Whether two addresses are the same family and value."""
    x, y = c_address(a), c_address(b)
    return bool(lib.cip_addr_equal(ctypes.byref(x), ctypes.byref(y)))


def is_v4_mapped(addr: AddressLike) -> bool:
    """Whether an address is IPv4-mapped IPv6 (::ffff:0:0/96)."""
    a = c_address(addr)
    return bool(check(lib.cip_addr_is_v4_mapped(ctypes.byref(a))))


def unmap(addr: AddressLike) -> IPAddress:
    """The IPv4 address of an IPv4-mapped one; any other address as is."""
    a = c_address(addr)
    out = cip_addr()
    check(lib.cip_addr_unmap(ctypes.byref(out), ctypes.byref(a)))
    return to_address(out)


def _shifted(fn: Any, addr: AddressLike, offset: int) -> IPAddress:
    a = c_address(addr)
    off = N.u128(offset)
    out = cip_addr()
    check(fn(ctypes.byref(out), ctypes.byref(a), ctypes.byref(off)))
    return to_address(out)


def address_add(addr: AddressLike, offset: int) -> IPAddress:
    """``addr + offset``; :class:`Overflow` past the family's end."""
    return _shifted(lib.cip_addr_add, addr, offset)


def address_sub(addr: AddressLike, offset: int) -> IPAddress:
    """``addr - offset``; :class:`Overflow` below 0."""
    return _shifted(lib.cip_addr_sub, addr, offset)


def address_offset(start: AddressLike, end: AddressLike) -> int:
    """``end - start`` (:class:`WrongFamily`, :class:`OutOfRange` when
    ``end`` is below ``start``)."""
    a, b = c_address(start), c_address(end)
    out = cip_u128()
    check(lib.cip_addr_offset(ctypes.byref(out), ctypes.byref(a), ctypes.byref(b)))
    return N.from_u128(out)


def reverse_name(addr: AddressLike, *, fqdn: bool = False) -> str:
    """The reverse-DNS (PTR) name of an address."""
    a = c_address(addr)
    buf = ctypes.create_string_buffer(REVERSE_NAME_STRLEN)
    n = check(lib.cip_addr_reverse_name(ctypes.byref(a), N.CIP_NAME_FQDN if fqdn else 0, buf, len(buf)))
    return buf.raw[:n].decode()


# --------------------------------------------------------------------------
# Prefixes
# --------------------------------------------------------------------------


def parse_prefix(
    text: Union[str, bytes],
    *,
    legacy: bool = False,
    mask: bool = False,
    family: Optional[int] = None,
) -> IPNetwork:
    """Parse ``address/length`` strictly (``cip_prefix_parse()``).

    :param mask: clear host bits instead of raising :class:`HostBitsSet`.
    :raises ParseError: with offset and reason; for host bits, ``network``
        names the network the text should have been.
    """
    return to_network(_parse_prefix(text, _flags(legacy, family, mask)))


def format_prefix(prefix: PrefixLike) -> str:
    """Canonical ``address/length`` text."""
    p = c_prefix(prefix)
    buf = ctypes.create_string_buffer(PREFIX_STRLEN)
    n = check(lib.cip_prefix_format(ctypes.byref(p), buf, len(buf)))
    return buf.raw[:n].decode()


def prefix_from_address(addr: AddressLike, length: int, *, mask: bool = False) -> IPNetwork:
    """The prefix ``addr/length`` (:class:`HostBitsSet` unless ``mask``)."""
    a = c_address(addr)
    out = cip_prefix()
    if not 0 <= length <= 0xFFFFFFFF:
        raise ValueError("length out of range")
    check(lib.cip_prefix_from_addr(ctypes.byref(out), ctypes.byref(a), length, N.CIP_PARSE_MASK if mask else 0))
    return to_network(out)


def prefix_contains(prefix: PrefixLike, addr: AddressLike) -> bool:
    """Whether ``addr`` lies in ``prefix`` (False across families)."""
    p, a = c_prefix(prefix), c_address(addr)
    return bool(check(lib.cip_prefix_contains(ctypes.byref(p), ctypes.byref(a))))


def prefix_overlaps(a: PrefixLike, b: PrefixLike) -> bool:
    """Whether the two prefixes share an address (False across families)."""
    x, y = c_prefix(a), c_prefix(b)
    return bool(check(lib.cip_prefix_overlaps(ctypes.byref(x), ctypes.byref(y))))


def prefix_network(prefix: PrefixLike) -> IPAddress:
    """The first address of a prefix."""
    p = c_prefix(prefix)
    out = cip_addr()
    check(lib.cip_prefix_network(ctypes.byref(out), ctypes.byref(p)))
    return to_address(out)


def prefix_last(prefix: PrefixLike) -> IPAddress:
    """The last address of a prefix."""
    p = c_prefix(prefix)
    out = cip_addr()
    check(lib.cip_prefix_last(ctypes.byref(out), ctypes.byref(p)))
    return to_address(out)


def prefix_size(prefix: PrefixLike) -> int:
    """2^(host bits); :class:`Overflow` for ``::/0``."""
    p = c_prefix(prefix)
    out = cip_u128()
    check(lib.cip_prefix_size(ctypes.byref(out), ctypes.byref(p)))
    return N.from_u128(out)


def prefix_nth(prefix: PrefixLike, n: int) -> IPAddress:
    """The address at offset ``n`` (:class:`OutOfRange` past the end)."""
    p = c_prefix(prefix)
    off = N.u128(n)
    out = cip_addr()
    check(lib.cip_prefix_nth(ctypes.byref(out), ctypes.byref(p), ctypes.byref(off)))
    return to_address(out)


def prefix_offset_of(prefix: PrefixLike, addr: AddressLike) -> int:
    """The offset of ``addr`` inside ``prefix``."""
    p, a = c_prefix(prefix), c_address(addr)
    out = cip_u128()
    check(lib.cip_prefix_offset_of(ctypes.byref(out), ctypes.byref(p), ctypes.byref(a)))
    return N.from_u128(out)


# --------------------------------------------------------------------------
# Kubernetes service-range facts
# --------------------------------------------------------------------------


def service_range_usable(prefix: PrefixLike, *, legacy_cap: bool = False) -> int:
    """How many addresses of a service CIDR Kubernetes can allocate."""
    p = c_prefix(prefix)
    out = cip_u128()
    check(lib.cip_service_range_usable(ctypes.byref(out), ctypes.byref(p), 1 if legacy_cap else 0))
    return N.from_u128(out)


def service_range_first(prefix: PrefixLike, *, legacy_cap: bool = False) -> IPAddress:
    """The first allocatable address (:class:`OutOfRange` if none)."""
    p = c_prefix(prefix)
    out = cip_addr()
    check(lib.cip_service_range_first(ctypes.byref(out), ctypes.byref(p), 1 if legacy_cap else 0))
    return to_address(out)


def service_range_last(prefix: PrefixLike, *, legacy_cap: bool = False) -> IPAddress:
    """The last allocatable address (:class:`OutOfRange` if none)."""
    p = c_prefix(prefix)
    out = cip_addr()
    check(lib.cip_service_range_last(ctypes.byref(out), ctypes.byref(p), 1 if legacy_cap else 0))
    return to_address(out)


def service_range_static_band(prefix: PrefixLike) -> int:
    """The size of the static band of a service CIDR (KEP-3070)."""
    p = c_prefix(prefix)
    return check(lib.cip_service_range_static_band(ctypes.byref(p)))


def node_port_static_band(size: int) -> int:
    """The size of the static band of a node-port range of ``size`` ports
    (KEP-3668)."""
    if not 0 <= size <= 0xFFFFFFFF:
        raise ValueError("size out of range")
    return check(lib.cip_node_port_static_band(size))


# --------------------------------------------------------------------------
# Misc
# --------------------------------------------------------------------------


def parse_reason_string(reason: int) -> str:
    """Description of an ``enum cip_parse_reason`` value."""
    return lib.cip_parse_reason_string(int(reason)).decode()


def text_capacity(kind: int) -> int:
    """``cip_text_capacity()``: 1 address, 2 prefix, 3 reverse name,
    4 u128; 0 for an unknown kind."""
    return int(lib.cip_text_capacity(int(kind)))


def format_u128(value: int) -> str:
    """A 128-bit unsigned value in decimal, by ``cip_u128_format()``."""
    v = N.u128(value)
    buf = ctypes.create_string_buffer(U128_STRLEN)
    n = check(lib.cip_u128_format(ctypes.byref(v), buf, len(buf)))
    return buf.raw[:n].decode()
