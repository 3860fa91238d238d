# SPDX-License-Identifier: Apache-2.0
"""Python binding of libclusterip: Kubernetes Service ClusterIP machinery.

The package uses only the standard library (:mod:`ctypes`). It loads
``libclusterip.so.<ABI major>`` from the loader's search path, or the file
named by the ``CLUSTERIP_LIBRARY`` environment variable, and checks at import
that the library's major version is the one it was written for
(:class:`LibraryLoadError` otherwise).

Modules: :mod:`clusterip.addr` (addresses, prefixes, service-range facts),
:mod:`clusterip.alloc` (:class:`Range`, :class:`Ports`, :class:`Pool`),
:mod:`clusterip.table` (:class:`Table`: services, pods, endpoints, lookups,
DNS and backend selection), :mod:`clusterip.errors` (the exceptions). All
public names are re-exported here.
"""

from __future__ import annotations

from ._native import ABI_MAJOR, EXPECTED_VERSION, LibraryLoadError, library_path, lib as _lib, version_tuple
from .addr import (
    IPV4,
    IPV6,
    address_add,
    address_family,
    address_from_bytes,
    address_offset,
    address_sub,
    addresses_equal,
    compare_addresses,
    format_address,
    format_prefix,
    format_u128,
    is_v4_mapped,
    node_port_static_band,
    parse_address,
    parse_prefix,
    parse_reason_string,
    prefix_contains,
    prefix_from_address,
    prefix_last,
    prefix_network,
    prefix_nth,
    prefix_offset_of,
    prefix_overlaps,
    prefix_size,
    reverse_name,
    service_range_first,
    service_range_last,
    service_range_static_band,
    service_range_usable,
    text_capacity,
    unmap,
)
from .alloc import Band, BandStats, IPFamilyPolicy, Pool, PoolRangeState, PortRange, Ports, Range, RangeStats
from .errors import *  # noqa: F401,F403
from .table import *  # noqa: F401,F403
from .errors import ClusterIPError, error_name, strerror

__version__ = "%d.%d.%d" % EXPECTED_VERSION


def version() -> str:
    """Version string of the loaded library (``cip_version_string()``)."""
    return str(_lib.cip_version_string().decode())


def version_number() -> int:
    """``MAJOR * 10000 + MINOR * 100 + PATCH`` of the loaded library."""
    return int(_lib.cip_version())


__all__ = [
    "ABI_MAJOR",
    "AFFINITY_TIMEOUT_DEFAULT",
    "AFFINITY_TIMEOUT_MAX",
    "AlreadyAllocated",
    "AlreadyExists",
    "Backend",
    "BackendCategory",
    "Band",
    "BandStats",
    "BufferTooSmall",
    "ClosedError",
    "ClusterIPError",
    "DNSRecord",
    "DNSType",
    "DNS_SCHEMA_VERSION",
    "Dropped",
    "ERROR_CLASSES",
    "EXPECTED_VERSION",
    "Endpoint",
    "EndpointCondition",
    "EndpointSpec",
    "EndpointsReason",
    "HostBitsSet",
    "IPFamilyPolicy",
    "IPV4",
    "IPV6",
    "InUseError",
    "InvalidArgument",
    "InvalidName",
    "InvalidSpec",
    "InvalidSyntax",
    "LBPolicy",
    "LibraryLoadError",
    "LimitReached",
    "LookupResult",
    "NamedPort",
    "NoBackend",
    "NotAllocated",
    "NotFound",
    "OutOfMemory",
    "OutOfRange",
    "Overflow",
    "ParseError",
    "PodSpec",
    "Pool",
    "PoolRangeState",
    "PortInfo",
    "PortRange",
    "Ports",
    "Protocol",
    "Quarantined",
    "Range",
    "RangeFull",
    "RangeStats",
    "ServiceInfo",
    "ServicePort",
    "ServiceSpec",
    "ServiceType",
    "SessionAffinity",
    "SnapshotCorrupt",
    "SnapshotError",
    "SnapshotMismatch",
    "SpecField",
    "Table",
    "TrafficDistribution",
    "TrafficPolicy",
    "UnknownError",
    "Unsupported",
    "WrongFamily",
    "ZoneNotAllowed",
    "address_add",
    "address_family",
    "address_from_bytes",
    "address_offset",
    "address_sub",
    "addresses_equal",
    "compare_addresses",
    "error_class",
    "error_name",
    "format_address",
    "format_prefix",
    "format_u128",
    "is_v4_mapped",
    "library_path",
    "node_port_static_band",
    "parse_address",
    "parse_error_class",
    "parse_prefix",
    "parse_reason_string",
    "prefix_contains",
    "prefix_from_address",
    "prefix_last",
    "prefix_network",
    "prefix_nth",
    "prefix_offset_of",
    "prefix_overlaps",
    "prefix_size",
    "reverse_name",
    "service_range_first",
    "service_range_last",
    "service_range_static_band",
    "service_range_usable",
    "strerror",
    "text_capacity",
    "unmap",
    "version",
    "__version__",
    "version_number",
    "version_tuple",
]
