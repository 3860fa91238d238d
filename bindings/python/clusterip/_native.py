# SPDX-License-Identifier: Apache-2.0
"""Loading of libclusterip and the ctypes mirror of its public structs.

Private: the rest of the package uses this module; applications use the
classes and functions exported by :mod:`clusterip`.
"""

from __future__ import annotations

import ctypes
import os
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_char,
    c_char_p,
    c_int,
    c_int32,
    c_int64,
    c_size_t,
    c_uint,
    c_uint8,
    c_uint16,
    c_uint32,
    c_uint64,
    c_void_p,
)
from typing import Any

# The library version this package is written against, and its ABI major
# (the SONAME's number). The loaded library must have the same major and at
# least this minor.
EXPECTED_VERSION = (0, 1, 0)
ABI_MAJOR = EXPECTED_VERSION[0]
LIBRARY_NAME = "libclusterip.so.%d" % ABI_MAJOR
ENV_LIBRARY = "CLUSTERIP_LIBRARY"


class LibraryLoadError(ImportError):
    """libclusterip could not be loaded, or its version does not fit."""


# ---------------------------------------------------------------------------
# Structs (include/clusterip/*.h). tests/test_layout.py checks every size and
# offset against the C compiler's.
# ---------------------------------------------------------------------------


class cip_u128(Structure):
    _fields_ = [("hi", c_uint64), ("lo", c_uint64)]


class cip_addr(Structure):
    _fields_ = [("family", c_uint8), ("reserved", c_uint8 * 3), ("bytes", c_uint8 * 16)]


class cip_prefix(Structure):
    _fields_ = [("addr", cip_addr), ("len", c_uint8), ("reserved", c_uint8 * 3)]


class cip_parse_error(Structure):
    _fields_ = [
        ("sz", c_size_t),
        ("code", c_int),
        ("reason", c_int),
        ("offset", c_size_t),
        ("network", cip_prefix),
    ]


class cip_range_opts(Structure):
    _fields_ = [
        ("sz", c_size_t),
        ("seed", c_uint64),
        ("static_band", c_int64),
        ("flags", c_uint),
        ("quarantine_ns", c_uint64),
        ("quarantine_max", c_uint64),
    ]


class cip_band_stats(Structure):
    _fields_ = [
        ("size", c_uint64),
        ("used", c_uint64),
        ("available", c_uint64),
        ("quarantined", c_uint64),
        ("allocations", c_uint64),
        ("releases", c_uint64),
        ("errors", c_uint64),
    ]


class cip_range_stats(Structure):
    _fields_ = [
        ("sz", c_size_t),
        ("all", cip_band_stats),
        ("static_band", cip_band_stats),
        ("dynamic_band", cip_band_stats),
    ]


class cip_port_range(Structure):
    _fields_ = [("base", c_uint32), ("size", c_uint32)]


class cip_ports_opts(Structure):
    _fields_ = [
        ("sz", c_size_t),
        ("seed", c_uint64),
        ("static_band", c_int64),
        ("quarantine_ns", c_uint64),
        ("quarantine_max", c_uint64),
    ]


class cip_pool_opts(Structure):
    _fields_ = [("sz", c_size_t), ("seed", c_uint64), ("max_ranges", c_uint32)]


CIP_NAME_CAP = 64
CIP_SUBDOMAIN_CAP = 254


class cip_label(Structure):
    _fields_ = [("key", c_char_p), ("value", c_char_p)]


class cip_named_port(Structure):
    _fields_ = [("name", c_char_p), ("protocol", c_int), ("port", c_uint16)]


class cip_service_port(Structure):
    _fields_ = [
        ("name", c_char_p),
        ("protocol", c_int),
        ("port", c_uint16),
        ("target_port", c_uint16),
        ("target_port_name", c_char_p),
        ("node_port", c_uint16),
    ]


class cip_service_spec(Structure):
    _fields_ = [
        ("sz", c_size_t),
        ("ns", c_char_p),
        ("name", c_char_p),
        ("type", c_int),
        ("ports", POINTER(cip_service_port)),
        ("nports", c_size_t),
        ("selector", POINTER(cip_label)),
        ("nselector", c_size_t),
        ("headless", c_int),
        ("cluster_ips", POINTER(cip_addr)),
        ("ncluster_ips", c_size_t),
        ("ip_family_policy", c_int),
        ("session_affinity", c_int),
        ("affinity_timeout", c_uint32),
        ("internal_traffic_policy", c_int),
        ("external_name", c_char_p),
        ("publish_not_ready_addresses", c_int),
        ("traffic_distribution", c_int),
        ("lb_policy", c_int),
    ]


class cip_pod_spec(Structure):
    _fields_ = [
        ("sz", c_size_t),
        ("ns", c_char_p),
        ("name", c_char_p),
        ("ips", POINTER(cip_addr)),
        ("nips", c_size_t),
        ("labels", POINTER(cip_label)),
        ("nlabels", c_size_t),
        ("node_name", c_char_p),
        ("zone", c_char_p),
        ("hostname", c_char_p),
        ("ports", POINTER(cip_named_port)),
        ("nports", c_size_t),
        ("conditions", c_uint),
        ("weight", c_uint32),
    ]


class cip_endpoint_spec(Structure):
    _fields_ = [
        ("addr", cip_addr),
        ("conditions", c_uint),
        ("node_name", c_char_p),
        ("zone", c_char_p),
        ("hostname", c_char_p),
        ("hint_zone", c_char_p),
        ("hint_node", c_char_p),
        ("weight", c_uint32),
        ("reserved", c_uint32),
    ]


class cip_endpoint(Structure):
    _fields_ = [
        ("addr", cip_addr),
        ("port", c_uint16),
        ("conditions", c_uint8),
        ("reserved", c_uint8),
        ("node", c_uint32),
        ("zone", c_uint32),
        ("hint_zone", c_uint32),
        ("hint_node", c_uint32),
    ]


class cip_service_info(Structure):
    _fields_ = [
        ("ns", c_char * CIP_NAME_CAP),
        ("name", c_char * CIP_NAME_CAP),
        ("external_name", c_char * CIP_SUBDOMAIN_CAP),
        ("type", c_uint8),
        ("headless", c_uint8),
        ("ncluster_ips", c_uint8),
        ("has_selector", c_uint8),
        ("cluster_ips", cip_addr * 2),
        ("ip_family_policy", c_uint8),
        ("session_affinity", c_uint8),
        ("internal_traffic_policy", c_uint8),
        ("publish_not_ready_addresses", c_uint8),
        ("traffic_distribution", c_uint8),
        ("reserved", c_uint8),
        ("affinity_timeout", c_uint32),
        ("nports", c_uint32),
        ("nendpoints", c_uint32),
        ("generation", c_uint64),
    ]


class cip_service_port_info(Structure):
    _fields_ = [
        ("name", c_char * CIP_NAME_CAP),
        ("target_port_name", c_char * CIP_NAME_CAP),
        ("port", c_uint16),
        ("target_port", c_uint16),
        ("node_port", c_uint16),
        ("protocol", c_uint8),
        ("reserved", c_uint8),
        ("nendpoints", c_uint32),
        ("index", c_uint32),
    ]


class cip_spec_error(Structure):
    _fields_ = [
        ("sz", c_size_t),
        ("code", c_int),
        ("field", c_int),
        ("index", c_size_t),
        ("offset", c_size_t),
        ("message", c_char * 160),
    ]


class cip_table_opts(Structure):
    _fields_ = [
        ("sz", c_size_t),
        ("cluster_domain", c_char_p),
        ("pool", c_void_p),
        ("node_ports", c_void_p),
        ("primary_family", c_int),
        ("lb_policy", c_int),
        ("maglev_size", c_uint32),
        ("affinity_capacity", c_uint32),
        ("seed", c_uint64),
    ]


class cip_lookup(Structure):
    _fields_ = [
        ("vip", cip_addr),
        ("port", c_uint16),
        ("protocol", c_uint8),
        ("flags", c_uint8),
        ("rc", c_int32),
        ("svc", POINTER(cip_service_info)),
        ("port_info", POINTER(cip_service_port_info)),
        ("eps", POINTER(cip_endpoint)),
        ("cap", c_size_t),
        ("n", c_size_t),
    ]


class cip_dns_record(Structure):
    _fields_ = [
        ("name", c_char * CIP_SUBDOMAIN_CAP),
        ("target", c_char * CIP_SUBDOMAIN_CAP),
        ("type", c_uint16),
        ("priority", c_uint16),
        ("weight", c_uint16),
        ("port", c_uint16),
        ("addr", cip_addr),
    ]


class cip_select_request(Structure):
    _fields_ = [
        ("vip", cip_addr),
        ("port", c_uint16),
        ("protocol", c_uint8),
        ("flags", c_uint8),
        ("client", cip_addr),
        ("client_port", c_uint16),
        ("reserved", c_uint16),
        ("node", c_uint32),
        ("zone", c_uint32),
        ("now", c_uint64),
    ]


class cip_backend(Structure):
    _fields_ = [
        ("addr", cip_addr),
        ("port", c_uint16),
        ("category", c_uint8),
        ("flags", c_uint8),
        ("index", c_uint32),
        ("node", c_uint32),
        ("zone", c_uint32),
        ("weight", c_uint32),
        ("reserved", c_uint32 * 2),
        ("generation", c_uint64),
    ]


# Every mirrored struct, by its C name (for the layout test).
STRUCTS = {
    cls.__name__: cls
    for cls in (
        cip_u128,
        cip_addr,
        cip_prefix,
        cip_parse_error,
        cip_range_opts,
        cip_band_stats,
        cip_range_stats,
        cip_port_range,
        cip_ports_opts,
        cip_pool_opts,
        cip_label,
        cip_named_port,
        cip_service_port,
        cip_service_spec,
        cip_pod_spec,
        cip_endpoint_spec,
        cip_endpoint,
        cip_service_info,
        cip_service_port_info,
        cip_spec_error,
        cip_table_opts,
        cip_lookup,
        cip_dns_record,
        cip_select_request,
        cip_backend,
    )
}

# Callback types.
addr_visit_fn = CFUNCTYPE(c_int, POINTER(cip_addr), c_void_p)
port_visit_fn = CFUNCTYPE(c_int, c_uint32, c_void_p)
pool_range_visit_fn = CFUNCTYPE(c_int, POINTER(cip_prefix), c_int, c_void_p)
service_visit_fn = CFUNCTYPE(c_int, POINTER(cip_service_info), c_void_p)

_P = POINTER
_u8p = POINTER(c_uint8)
_vp = c_void_p  # opaque handles

# name: (restype, argtypes)
_PROTOTYPES: "dict[str, tuple[Any, list[Any]]]" = {
    # common.h
    "cip_strerror": (c_char_p, [c_int]),
    "cip_error_name": (c_char_p, [c_int]),
    "cip_version": (c_uint, []),
    "cip_version_string": (c_char_p, []),
    "cip_u128_format": (c_int, [_P(cip_u128), c_char_p, c_size_t]),
    # addr.h
    "cip_parse_error_init": (c_int, [_P(cip_parse_error), c_size_t]),
    "cip_parse_reason_string": (c_char_p, [c_int]),
    "cip_text_capacity": (c_size_t, [c_int]),
    "cip_addr_parse": (c_int, [_P(cip_addr), c_char_p, c_size_t, c_uint, _P(cip_parse_error)]),
    "cip_addr_format": (c_int, [_P(cip_addr), c_char_p, c_size_t]),
    "cip_addr_from_bytes": (c_int, [_P(cip_addr), c_int, _u8p, c_size_t]),
    "cip_addr_family": (c_int, [_P(cip_addr)]),
    "cip_addr_compare": (c_int, [_P(cip_addr), _P(cip_addr)]),
    "cip_addr_equal": (c_int, [_P(cip_addr), _P(cip_addr)]),
    "cip_addr_is_v4_mapped": (c_int, [_P(cip_addr)]),
    "cip_addr_unmap": (c_int, [_P(cip_addr), _P(cip_addr)]),
    "cip_addr_add": (c_int, [_P(cip_addr), _P(cip_addr), _P(cip_u128)]),
    "cip_addr_sub": (c_int, [_P(cip_addr), _P(cip_addr), _P(cip_u128)]),
    "cip_addr_offset": (c_int, [_P(cip_u128), _P(cip_addr), _P(cip_addr)]),
    "cip_addr_reverse_name": (c_int, [_P(cip_addr), c_uint, c_char_p, c_size_t]),
    "cip_prefix_parse": (c_int, [_P(cip_prefix), c_char_p, c_size_t, c_uint, _P(cip_parse_error)]),
    "cip_prefix_format": (c_int, [_P(cip_prefix), c_char_p, c_size_t]),
    "cip_prefix_from_addr": (c_int, [_P(cip_prefix), _P(cip_addr), c_uint, c_uint]),
    "cip_prefix_contains": (c_int, [_P(cip_prefix), _P(cip_addr)]),
    "cip_prefix_overlaps": (c_int, [_P(cip_prefix), _P(cip_prefix)]),
    "cip_prefix_network": (c_int, [_P(cip_addr), _P(cip_prefix)]),
    "cip_prefix_last": (c_int, [_P(cip_addr), _P(cip_prefix)]),
    "cip_prefix_size": (c_int, [_P(cip_u128), _P(cip_prefix)]),
    "cip_prefix_nth": (c_int, [_P(cip_addr), _P(cip_prefix), _P(cip_u128)]),
    "cip_prefix_offset_of": (c_int, [_P(cip_u128), _P(cip_prefix), _P(cip_addr)]),
    "cip_service_range_usable": (c_int, [_P(cip_u128), _P(cip_prefix), c_uint]),
    "cip_service_range_first": (c_int, [_P(cip_addr), _P(cip_prefix), c_uint]),
    "cip_service_range_last": (c_int, [_P(cip_addr), _P(cip_prefix), c_uint]),
    "cip_service_range_static_band": (c_int, [_P(cip_prefix)]),
    "cip_node_port_static_band": (c_int, [c_uint32]),
    # range.h
    "cip_range_opts_init": (c_int, [_P(cip_range_opts), c_size_t]),
    "cip_range_new": (c_int, [_P(_vp), _P(cip_prefix), _P(cip_range_opts)]),
    "cip_range_free": (None, [_vp]),
    "cip_range_allocate_next": (c_int, [_vp, c_uint64, c_uint, _P(cip_addr)]),
    "cip_range_allocate": (c_int, [_vp, _P(cip_addr), c_uint]),
    "cip_range_release": (c_int, [_vp, _P(cip_addr), c_uint64, c_uint]),
    "cip_range_has": (c_int, [_vp, _P(cip_addr)]),
    "cip_range_expire": (c_int, [_vp, c_uint64]),
    "cip_range_used": (c_int, [_vp, c_int, _P(c_uint64)]),
    "cip_range_available": (c_int, [_vp, c_int, _P(c_uint64)]),
    "cip_range_stats_get": (c_int, [_vp, _P(cip_range_stats)]),
    "cip_range_prefix": (c_int, [_vp, _P(cip_prefix)]),
    "cip_range_static_band_size": (c_int, [_vp, _P(c_uint64)]),
    "cip_range_foreach": (c_int, [_vp, addr_visit_fn, c_void_p]),
    "cip_range_k8s_spec": (c_int, [_vp, c_char_p, c_size_t]),
    "cip_range_export_k8s": (c_int, [_vp, _u8p, c_size_t, _P(c_size_t)]),
    "cip_range_import_k8s": (c_int, [_vp, c_char_p, c_size_t, _u8p, c_size_t]),
    "cip_range_snapshot": (c_int, [_vp, c_uint64, _u8p, c_size_t, _P(c_size_t)]),
    "cip_range_restore": (c_int, [_vp, c_uint64, _u8p, c_size_t]),
    "cip_range_new_from_snapshot": (c_int, [_P(_vp), c_uint64, _u8p, c_size_t, c_uint64]),
    # ports.h
    "cip_port_range_parse": (c_int, [_P(cip_port_range), c_char_p, c_size_t, _P(cip_parse_error)]),
    "cip_port_range_format": (c_int, [_P(cip_port_range), c_char_p, c_size_t]),
    "cip_port_range_contains": (c_int, [_P(cip_port_range), c_uint32]),
    "cip_ports_opts_init": (c_int, [_P(cip_ports_opts), c_size_t]),
    "cip_ports_new": (c_int, [_P(_vp), _P(cip_port_range), _P(cip_ports_opts)]),
    "cip_ports_free": (None, [_vp]),
    "cip_ports_allocate_next": (c_int, [_vp, c_uint64, c_uint, _P(c_uint32)]),
    "cip_ports_allocate": (c_int, [_vp, c_uint32, c_uint]),
    "cip_ports_release": (c_int, [_vp, c_uint32, c_uint64, c_uint]),
    "cip_ports_has": (c_int, [_vp, c_uint32]),
    "cip_ports_expire": (c_int, [_vp, c_uint64]),
    "cip_ports_used": (c_int, [_vp, c_int, _P(c_uint64)]),
    "cip_ports_available": (c_int, [_vp, c_int, _P(c_uint64)]),
    "cip_ports_stats_get": (c_int, [_vp, _P(cip_range_stats)]),
    "cip_ports_range": (c_int, [_vp, _P(cip_port_range)]),
    "cip_ports_static_band_size": (c_int, [_vp, _P(c_uint64)]),
    "cip_ports_foreach": (c_int, [_vp, port_visit_fn, c_void_p]),
    "cip_ports_export_k8s": (c_int, [_vp, _u8p, c_size_t, _P(c_size_t)]),
    "cip_ports_import_k8s": (c_int, [_vp, c_char_p, c_size_t, _u8p, c_size_t]),
    "cip_ports_snapshot": (c_int, [_vp, c_uint64, _u8p, c_size_t, _P(c_size_t)]),
    "cip_ports_restore": (c_int, [_vp, c_uint64, _u8p, c_size_t]),
    "cip_ports_new_from_snapshot": (c_int, [_P(_vp), c_uint64, _u8p, c_size_t, c_uint64]),
    # pool.h
    "cip_pool_opts_init": (c_int, [_P(cip_pool_opts), c_size_t]),
    "cip_pool_new": (c_int, [_P(_vp), _P(cip_pool_opts)]),
    "cip_pool_free": (None, [_vp]),
    "cip_pool_add": (c_int, [_vp, _P(cip_prefix), _P(cip_range_opts)]),
    "cip_pool_drain": (c_int, [_vp, _P(cip_prefix)]),
    "cip_pool_remove": (c_int, [_vp, _P(cip_prefix)]),
    "cip_pool_range": (c_int, [_vp, _P(cip_prefix), _P(_vp)]),
    "cip_pool_foreach_range": (c_int, [_vp, c_int, pool_range_visit_fn, c_void_p]),
    "cip_pool_allocate_next": (c_int, [_vp, c_int, c_uint64, c_uint, _P(cip_addr)]),
    "cip_pool_allocate": (c_int, [_vp, _P(cip_addr), c_uint]),
    "cip_pool_release": (c_int, [_vp, _P(cip_addr), c_uint64, c_uint]),
    "cip_pool_has": (c_int, [_vp, _P(cip_addr)]),
    "cip_pool_used": (c_int, [_vp, c_int, _P(c_uint64)]),
    "cip_pool_available": (c_int, [_vp, c_int, _P(c_uint64)]),
    "cip_pool_allocate_pair": (
        c_int,
        [_vp, c_int, c_int, c_uint64, c_uint, _P(cip_addr), _P(c_size_t)],
    ),
    # table.h
    "cip_table_opts_init": (c_int, [_P(cip_table_opts), c_size_t]),
    "cip_service_spec_init": (c_int, [_P(cip_service_spec), c_size_t]),
    "cip_pod_spec_init": (c_int, [_P(cip_pod_spec), c_size_t]),
    "cip_table_new": (c_int, [_P(_vp), _P(cip_table_opts)]),
    "cip_table_free": (None, [_vp]),
    "cip_table_service_create": (c_int, [_vp, _P(cip_service_spec), c_uint64, _P(cip_spec_error)]),
    "cip_table_service_update": (c_int, [_vp, _P(cip_service_spec), c_uint64, _P(cip_spec_error)]),
    "cip_table_service_delete": (c_int, [_vp, c_char_p, c_char_p, c_uint64]),
    "cip_table_pod_apply": (c_int, [_vp, _P(cip_pod_spec), _P(cip_spec_error)]),
    "cip_table_pod_delete": (c_int, [_vp, c_char_p, c_char_p]),
    "cip_table_endpoints_set": (
        c_int,
        [_vp, c_char_p, c_char_p, _P(cip_endpoint_spec), c_size_t, _P(cip_named_port), c_size_t,
         _P(cip_spec_error)],
    ),
    "cip_table_lookup": (
        c_int,
        [_vp, _P(cip_addr), c_uint16, c_int, _P(cip_service_info), _P(cip_service_port_info),
         _P(cip_endpoint), c_size_t, _P(c_size_t)],
    ),
    "cip_table_lookup_node_port": (
        c_int,
        [_vp, c_uint16, c_int, _P(cip_service_info), _P(cip_service_port_info), _P(cip_endpoint),
         c_size_t, _P(c_size_t)],
    ),
    "cip_table_lookup_batch": (c_int, [_vp, _P(cip_lookup), c_size_t]),
    "cip_table_service_get": (
        c_int, [_vp, c_char_p, c_char_p, _P(cip_service_info), _P(cip_service_port_info), c_size_t]
    ),
    "cip_table_endpoints": (
        c_int, [_vp, c_char_p, c_char_p, c_size_t, _P(cip_endpoint), c_size_t, _P(c_size_t)]
    ),
    "cip_table_foreach_service": (c_int, [_vp, service_visit_fn, c_void_p]),
    "cip_table_endpoints_reason": (c_int, [_vp, c_char_p, c_char_p, _P(c_int)]),
    "cip_table_generation": (c_int, [_vp, _P(c_uint64)]),
    "cip_table_dns_resolve": (
        c_int,
        [_vp, c_char_p, c_size_t, c_int, c_char_p, _P(cip_dns_record), c_size_t, _P(c_size_t)],
    ),
    "cip_table_name_id": (c_int, [_vp, c_char_p, _P(c_uint32)]),
    "cip_table_name": (c_int, [_vp, c_uint32, c_char_p, c_size_t]),
    # select.h
    "cip_table_select": (c_int, [_vp, _P(cip_select_request), _P(cip_backend)]),
    "cip_table_affinity_expire": (c_int, [_vp, c_uint64]),
    "cip_table_affinity_count": (c_int, [_vp, c_char_p, c_char_p, c_uint64]),
}


# Build trees of a source checkout, in the order tried when the package runs
# from bindings/python of that checkout and no library is installed: the
# README's release build, then its test build.
BUILD_TREE_DIRS = ("build/release/lib", "build/default/lib")


def _candidates() -> "list[str]":
    """Where to load the library from, in order: CLUSTERIP_LIBRARY alone
    when it is set; else the installed library (the loader's search path),
    then the build trees of the source checkout this package sits in."""
    path = os.environ.get(ENV_LIBRARY)
    if path:
        return [path]
    out = [LIBRARY_NAME]
    here = os.path.dirname(os.path.abspath(__file__))
    checkout = os.path.dirname(os.path.dirname(os.path.dirname(here)))
    if os.path.isfile(os.path.join(checkout, "include", "clusterip", "clusterip.h")):
        for d in BUILD_TREE_DIRS:
            candidate = os.path.join(checkout, d, LIBRARY_NAME)
            if os.path.exists(candidate):
                out.append(candidate)
    return out


def _open() -> "tuple[ctypes.CDLL, str]":
    errors = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path), path
        except OSError as exc:
            errors.append("%s: %s" % (path, exc))
    raise LibraryLoadError(
        "cannot load libclusterip (install it, or set %s to the library's path): %s"
        % (ENV_LIBRARY, "; ".join(errors))
    )


def _load() -> "tuple[ctypes.CDLL, str]":
    lib, path = _open()
    for name, (restype, argtypes) in _PROTOTYPES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError as exc:
            raise LibraryLoadError("%s lacks the symbol %s" % (path, name)) from exc
        fn.restype = restype
        fn.argtypes = argtypes
    number = lib.cip_version()
    major, minor = number // 10000, number // 100 % 100
    if major != ABI_MAJOR or minor < EXPECTED_VERSION[1]:
        raise LibraryLoadError(
            "%s is version %s; this package needs %d.%d or a later %d.x"
            % (path, lib.cip_version_string().decode(), ABI_MAJOR, EXPECTED_VERSION[1], ABI_MAJOR)
        )
    return lib, path


lib: Any
library_path: str
lib, library_path = _load()


def version_tuple() -> "tuple[int, int, int]":
    """The loaded library's (major, minor, patch)."""
    n = int(lib.cip_version())
    return (n // 10000, n // 100 % 100, n % 100)


# Constants mirrored from the headers (plain values, part of the ABI).
CIP_FAMILY_IPV4 = 4
CIP_FAMILY_IPV6 = 6
CIP_PARSE_LEGACY = 1
CIP_PARSE_MASK = 2
CIP_PARSE_IPV4_ONLY = 4
CIP_PARSE_IPV6_ONLY = 8
CIP_RANGE_LEGACY_CAP = 1
CIP_ALLOC_DRY_RUN = 1
CIP_RELEASE_NOW = 2
CIP_NAME_FQDN = 1
CIP_EBUFSIZE = -12


def u128(value: int) -> cip_u128:
    if not 0 <= value < 1 << 128:
        raise OverflowError("%d is not an unsigned 128-bit value" % value)
    return cip_u128(value >> 64, value & 0xFFFFFFFFFFFFFFFF)


def from_u128(v: cip_u128) -> int:
    return (int(v.hi) << 64) | int(v.lo)

