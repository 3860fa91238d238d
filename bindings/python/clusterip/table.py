# SPDX-License-Identifier: Apache-2.0
"""Services, pods, endpoints, lookups, DNS and backend selection
(``table.h``, ``select.h``).

A :class:`Table`'s readers (lookups, :meth:`Table.select`, DNS, getters) are
lock-free and its writers serialized inside the library, so any thread may
call any method at any time, except :meth:`Table.close`. Inputs are plain
dataclasses (:class:`ServiceSpec`, :class:`PodSpec`, :class:`EndpointSpec`);
results are frozen dataclasses copied out of the table.
"""

from __future__ import annotations

import ctypes
import enum
from ctypes import byref, c_int, c_size_t, c_uint32, c_uint64, c_void_p
from dataclasses import dataclass, field
from typing import Any, Callable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _native as N
from ._native import (
    cip_addr,
    cip_backend,
    cip_dns_record,
    cip_endpoint,
    cip_endpoint_spec,
    cip_label,
    cip_lookup,
    cip_named_port,
    cip_pod_spec,
    cip_select_request,
    cip_service_info,
    cip_service_port,
    cip_service_port_info,
    cip_service_spec,
    cip_spec_error,
    cip_table_opts,
    lib,
)
from .addr import AddressLike, IPAddress, c_address, to_address
from .alloc import IPFamilyPolicy, Pool, Ports, _Handle, _Walk
from .errors import InvalidSpec, check, make_error


class Protocol(enum.IntEnum):
    """A service port's protocol (enum cip_protocol)."""

    TCP = 1
    UDP = 2
    SCTP = 3


class ServiceType(enum.IntEnum):
    """Service.spec.type (enum cip_service_type)."""

    CLUSTER_IP = 1
    NODE_PORT = 2
    LOAD_BALANCER = 3
    EXTERNAL_NAME = 4


class SessionAffinity(enum.IntEnum):
    """Service.spec.sessionAffinity (enum cip_session_affinity)."""

    NONE = 1
    CLIENT_IP = 2


class TrafficPolicy(enum.IntEnum):
    """internalTrafficPolicy / externalTrafficPolicy (enum cip_traffic_policy)."""

    CLUSTER = 1
    LOCAL = 2


class TrafficDistribution(enum.IntEnum):
    """Service.spec.trafficDistribution (enum cip_traffic_distribution)."""

    NONE = 0
    SAME_ZONE = 1
    SAME_NODE = 2


class EndpointCondition(enum.IntFlag):
    """An endpoint's conditions: ready, serving, terminating (CIP_EP_*)."""

    READY = 1
    SERVING = 2
    TERMINATING = 4


class LBPolicy(enum.IntEnum):
    """How a backend is chosen (enum cip_lb_policy; select.h)."""

    DEFAULT = 0
    ROUND_ROBIN = 1
    ROUND_ROBIN_PER_THREAD = 2
    RANDOM = 3
    MAGLEV = 4
    WEIGHTED_ROUND_ROBIN = 5


class BackendCategory(enum.IntEnum):
    """Which endpoints a selection chose from (enum cip_backend_category)."""

    READY = 1
    SAME_NODE = 2
    SAME_ZONE = 3
    TERMINATING = 4
    LOCAL = 5
    LOCAL_TERMINATING = 6


class EndpointsReason(enum.IntEnum):
    """Why a service port has the endpoints it has, or none (enum cip_endpoints_reason)."""

    OK = 0
    NO_SELECTOR = 1
    NO_MATCHING_POD = 2
    NO_POD_IP = 3
    NO_NAMED_PORT = 4
    NONE_READY = 5
    EXTERNAL_NAME = 6


class DNSType(enum.IntEnum):
    """A DNS question or record type (enum cip_dns_type)."""

    A = 1
    CNAME = 5
    PTR = 12
    TXT = 16
    AAAA = 28
    SRV = 33
    ANY = 255


class SpecField(enum.IntEnum):
    """The field an InvalidSpec error names (enum cip_spec_field)."""

    NONE = 0
    NAMESPACE = 1
    NAME = 2
    TYPE = 3
    PORTS = 4
    PORT_NAME = 5
    PORT_PROTOCOL = 6
    PORT = 7
    TARGET_PORT = 8
    NODE_PORT = 9
    SELECTOR = 10
    CLUSTER_IPS = 11
    IP_FAMILY_POLICY = 12
    SESSION_AFFINITY = 13
    AFFINITY_TIMEOUT = 14
    TRAFFIC_POLICY = 15
    EXTERNAL_NAME = 16
    LABELS = 17
    POD_IPS = 18
    NODE_NAME = 19
    ZONE = 20
    HOSTNAME = 21
    CONDITIONS = 22
    ENDPOINTS = 23
    ENDPOINT_ADDRESS = 24
    TRAFFIC_DISTRIBUTION = 25
    LB_POLICY = 26
    WEIGHT = 27


DNS_SCHEMA_VERSION = "1.1.0"
AFFINITY_TIMEOUT_DEFAULT = 10800
AFFINITY_TIMEOUT_MAX = 86400

# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------


@dataclass
class ServicePort:
    """One port of a Service. ``target_port`` 0 means the same as ``port``
    (unless ``target_port_name``); ``node_port`` 0 allocates one for
    NodePort/LoadBalancer services."""

    port: int
    protocol: int = Protocol.TCP
    name: Optional[str] = None
    target_port: int = 0
    target_port_name: Optional[str] = None
    node_port: int = 0


@dataclass
class NamedPort:
    """A named container port of a pod, or a port of explicit endpoints."""

    port: int
    name: Optional[str] = None
    protocol: int = Protocol.TCP


@dataclass
class ServiceSpec:
    """A Service as created or updated. Zero/None fields take the
    Kubernetes defaults; the library validates as the API does."""

    namespace: str
    name: str
    ports: Sequence[ServicePort] = ()
    type: int = 0
    selector: Optional[Mapping[str, str]] = None
    headless: bool = False
    cluster_ips: Sequence[AddressLike] = ()
    ip_family_policy: int = 0
    session_affinity: int = 0
    affinity_timeout: int = 0
    internal_traffic_policy: int = 0
    external_name: Optional[str] = None
    publish_not_ready_addresses: bool = False
    traffic_distribution: int = 0
    lb_policy: int = 0


@dataclass
class PodSpec:
    """A pod: its IPs, labels, placement, named ports and conditions."""

    namespace: str
    name: str
    ips: Sequence[AddressLike] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    node_name: Optional[str] = None
    zone: Optional[str] = None
    hostname: Optional[str] = None
    ports: Sequence[NamedPort] = ()
    conditions: int = EndpointCondition.READY | EndpointCondition.SERVING
    weight: int = 0


@dataclass
class EndpointSpec:
    """One explicit endpoint of a service without a selector."""

    address: AddressLike
    conditions: int = EndpointCondition.READY | EndpointCondition.SERVING
    node_name: Optional[str] = None
    zone: Optional[str] = None
    hostname: Optional[str] = None
    hint_zone: Optional[str] = None
    hint_node: Optional[str] = None
    weight: int = 0


# ---------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceInfo:
    namespace: str
    name: str
    external_name: str
    type: ServiceType
    headless: bool
    has_selector: bool
    cluster_ips: Tuple[IPAddress, ...]
    ip_family_policy: int
    session_affinity: int
    internal_traffic_policy: int
    publish_not_ready_addresses: bool
    traffic_distribution: int
    affinity_timeout: int
    nports: int
    nendpoints: int
    generation: int


@dataclass(frozen=True)
class PortInfo:
    name: str
    target_port_name: str
    port: int
    target_port: int
    node_port: int
    protocol: Protocol
    nendpoints: int
    index: int


@dataclass(frozen=True)
class Endpoint:
    """An endpoint of one service port; names are interned ids (0: none),
    see :meth:`Table.name`."""

    address: IPAddress
    port: int
    conditions: EndpointCondition
    node: int
    zone: int
    hint_zone: int
    hint_node: int


@dataclass(frozen=True)
class LookupResult:
    service: ServiceInfo
    port: PortInfo
    endpoints: Tuple[Endpoint, ...]


@dataclass(frozen=True)
class DNSRecord:
    name: str
    type: DNSType
    target: str
    address: Optional[IPAddress]
    priority: int
    weight: int
    port: int


@dataclass(frozen=True)
class Backend:
    address: IPAddress
    port: int
    category: BackendCategory
    affinity: bool
    index: int
    node: int
    zone: int
    weight: int
    generation: int


def _s(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _service_info(s: cip_service_info) -> ServiceInfo:
    return ServiceInfo(
        namespace=_s(s.ns), name=_s(s.name), external_name=_s(s.external_name),
        type=ServiceType(s.type), headless=bool(s.headless), has_selector=bool(s.has_selector),
        cluster_ips=tuple(to_address(s.cluster_ips[i]) for i in range(s.ncluster_ips)),
        ip_family_policy=int(s.ip_family_policy), session_affinity=int(s.session_affinity),
        internal_traffic_policy=int(s.internal_traffic_policy),
        publish_not_ready_addresses=bool(s.publish_not_ready_addresses),
        traffic_distribution=int(s.traffic_distribution), affinity_timeout=int(s.affinity_timeout),
        nports=int(s.nports), nendpoints=int(s.nendpoints), generation=int(s.generation),
    )


def _port_info(p: cip_service_port_info) -> PortInfo:
    return PortInfo(
        name=_s(p.name), target_port_name=_s(p.target_port_name), port=int(p.port),
        target_port=int(p.target_port), node_port=int(p.node_port), protocol=Protocol(p.protocol),
        nendpoints=int(p.nendpoints), index=int(p.index),
    )


def _endpoint(e: cip_endpoint) -> Endpoint:
    return Endpoint(
        address=to_address(e.addr), port=int(e.port), conditions=EndpointCondition(e.conditions),
        node=int(e.node), zone=int(e.zone), hint_zone=int(e.hint_zone), hint_node=int(e.hint_node),
    )


def _cstr(value: Optional[str]) -> Optional[bytes]:
    return None if value is None else value.encode("utf-8")


class _Keep:
    """Holds the Python objects a C spec points into, for the call."""

    def __init__(self) -> None:
        self.items: List[Any] = []

    def s(self, value: Optional[str]) -> Optional[bytes]:
        b = _cstr(value)
        self.items.append(b)
        return b

    def array(self, ctype: Any, values: Sequence[Any]) -> Tuple[Any, int]:
        if not values:
            return None, 0
        arr = (ctype * len(values))(*values)
        self.items.append(arr)
        return arr, len(values)

    def labels(self, mapping: Optional[Mapping[str, str]]) -> Tuple[Any, int]:
        if not mapping:
            return None, 0
        return self.array(cip_label, [cip_label(self.s(k), self.s(v)) for k, v in mapping.items()])

    def named_ports(self, ports: Sequence[NamedPort]) -> Tuple[Any, int]:
        return self.array(
            cip_named_port, [cip_named_port(self.s(p.name), int(p.protocol), p.port) for p in ports]
        )

    def addrs(self, values: Sequence[AddressLike]) -> Tuple[Any, int]:
        return self.array(cip_addr, [c_address(a) for a in values])


def _spec_error() -> cip_spec_error:
    err = cip_spec_error()
    err.sz = ctypes.sizeof(err)
    return err


def _check_spec(rc: int, err: cip_spec_error) -> None:
    if rc >= 0:
        return
    if rc == -22:
        msg = _s(err.message)
        exc = InvalidSpec(rc, msg)
        exc.field, exc.index, exc.offset, exc.spec_message = int(err.field), int(err.index), int(err.offset), msg
        raise exc
    check(rc)


def _name(ns: str, name: str) -> Tuple[bytes, bytes]:
    return ns.encode("utf-8"), name.encode("utf-8")


class Table(_Handle):
    """Services, pods and endpoints with lock-free lookups (``cip_table``).

    :param pool: where ClusterIPs come from (None: requested ones are taken
        as they are and services without one are refused). The table keeps
        the pool alive; closing the pool while the table is open is refused.
    :param node_ports: where node ports come from, likewise.
    :param cluster_domain: None for ``cluster.local``.
    :param primary_family: 4 or 6 (0: 4).
    :param lb_policy: services' default :class:`LBPolicy`.
    :param maglev_size: a prime (0: 65537).
    :param affinity_capacity: ClientIP affinity entries per service port.
    :param seed: seed of the round-robin orders (0: from the OS).
    """

    _free = lib.cip_table_free
    _kind = "Table"

    def __init__(
        self,
        *,
        pool: Optional[Pool] = None,
        node_ports: Optional[Ports] = None,
        cluster_domain: Optional[str] = None,
        primary_family: int = 0,
        lb_policy: int = 0,
        maglev_size: int = 0,
        affinity_capacity: int = 0,
        seed: int = 0,
    ) -> None:
        super().__init__()
        o = cip_table_opts()
        check(lib.cip_table_opts_init(byref(o), ctypes.sizeof(o)))
        domain = _cstr(cluster_domain)
        o.cluster_domain = domain
        o.pool = pool._h().value if pool is not None else None
        o.node_ports = node_ports._h().value if node_ports is not None else None
        o.primary_family = primary_family
        o.lb_policy = int(lb_policy)
        o.maglev_size = maglev_size
        o.affinity_capacity = affinity_capacity
        o.seed = seed
        out = c_void_p()
        check(lib.cip_table_new(byref(out), byref(o)))
        self._ptr = out.value
        self._pool, self._node_ports = pool, node_ports
        for dep in (pool, node_ports):
            if dep is not None:
                dep._users.add(self)

    def close(self) -> None:
        """Free the table (not the ClusterIPs and node ports its services
        hold). Idempotent."""
        super().close()
        for dep in (getattr(self, "_pool", None), getattr(self, "_node_ports", None)):
            if dep is not None:
                dep._users.discard(self)

    def __repr__(self) -> str:
        return "<clusterip.Table%s>" % (" closed" if self.closed else "")

    # writers -----------------------------------------------------------
    def _service_spec(self, spec: ServiceSpec, keep: _Keep) -> cip_service_spec:
        c = cip_service_spec()
        check(lib.cip_service_spec_init(byref(c), ctypes.sizeof(c)))
        c.ns, c.name = keep.s(spec.namespace), keep.s(spec.name)
        c.type = int(spec.type)
        ports = [
            cip_service_port(keep.s(p.name), int(p.protocol), p.port, p.target_port, keep.s(p.target_port_name),
                             p.node_port)
            for p in spec.ports
        ]
        c.ports, c.nports = keep.array(cip_service_port, ports)
        c.selector, c.nselector = keep.labels(spec.selector)
        c.headless = 1 if spec.headless else 0
        c.cluster_ips, c.ncluster_ips = keep.addrs(spec.cluster_ips)
        c.ip_family_policy = int(spec.ip_family_policy)
        c.session_affinity = int(spec.session_affinity)
        c.affinity_timeout = spec.affinity_timeout
        c.internal_traffic_policy = int(spec.internal_traffic_policy)
        c.external_name = keep.s(spec.external_name)
        c.publish_not_ready_addresses = 1 if spec.publish_not_ready_addresses else 0
        c.traffic_distribution = int(spec.traffic_distribution)
        c.lb_policy = int(spec.lb_policy)
        return c

    def create_service(self, spec: ServiceSpec, now: int = 0) -> ServiceInfo:
        """Add a service, allocating its ClusterIPs and node ports from the
        table's pool and ports; return it as stored.

        :raises InvalidSpec: with ``field``, ``index`` and ``spec_message``.
        :raises AlreadyExists, AlreadyAllocated, OutOfRange, RangeFull,
            WrongFamily, Unsupported:
        """
        keep, err = _Keep(), _spec_error()
        c = self._service_spec(spec, keep)
        _check_spec(lib.cip_table_service_create(self._h(), byref(c), now, byref(err)), err)
        return self.get_service(spec.namespace, spec.name)[0]

    def update_service(self, spec: ServiceSpec, now: int = 0) -> ServiceInfo:
        """Replace a service's spec (ClusterIPs stay). :raises NotFound:"""
        keep, err = _Keep(), _spec_error()
        c = self._service_spec(spec, keep)
        _check_spec(lib.cip_table_service_update(self._h(), byref(c), now, byref(err)), err)
        return self.get_service(spec.namespace, spec.name)[0]

    def delete_service(self, namespace: str, name: str, now: int = 0) -> None:
        """Remove a service, releasing its ClusterIPs and node ports."""
        ns, n = _name(namespace, name)
        check(lib.cip_table_service_delete(self._h(), ns, n, now))

    def apply_pod(self, pod: PodSpec) -> None:
        """Add or replace a pod; the endpoints of the services selecting it
        follow."""
        keep, err = _Keep(), _spec_error()
        c = cip_pod_spec()
        check(lib.cip_pod_spec_init(byref(c), ctypes.sizeof(c)))
        c.ns, c.name = keep.s(pod.namespace), keep.s(pod.name)
        c.ips, c.nips = keep.addrs(pod.ips)
        c.labels, c.nlabels = keep.labels(pod.labels)
        c.node_name, c.zone, c.hostname = keep.s(pod.node_name), keep.s(pod.zone), keep.s(pod.hostname)
        c.ports, c.nports = keep.named_ports(pod.ports)
        c.conditions = int(pod.conditions)
        c.weight = pod.weight
        _check_spec(lib.cip_table_pod_apply(self._h(), byref(c), byref(err)), err)

    def delete_pod(self, namespace: str, name: str) -> None:
        """Forget a pod: its endpoints leave every service that selected it.

        :raises NotFound:"""
        ns, n = _name(namespace, name)
        check(lib.cip_table_pod_delete(self._h(), ns, n))

    def set_endpoints(
        self, namespace: str, name: str, endpoints: Sequence[EndpointSpec], ports: Sequence[NamedPort] = ()
    ) -> None:
        """Set the endpoints of a service without a selector (a manual
        EndpointSlice); an empty list clears them."""
        keep, err = _Keep(), _spec_error()
        eps = [
            cip_endpoint_spec(
                c_address(e.address), int(e.conditions), keep.s(e.node_name), keep.s(e.zone), keep.s(e.hostname),
                keep.s(e.hint_zone), keep.s(e.hint_node), e.weight, 0,
            )
            for e in endpoints
        ]
        arr, n = keep.array(cip_endpoint_spec, eps)
        parr, pn = keep.named_ports(ports)
        ns, nm = _name(namespace, name)
        _check_spec(lib.cip_table_endpoints_set(self._h(), ns, nm, arr, n, parr, pn, byref(err)), err)

    # readers -----------------------------------------------------------
    def _lookup(self, call: Callable[..., int]) -> LookupResult:
        svc, port = cip_service_info(), cip_service_port_info()
        cap = 16
        while True:
            eps = (cip_endpoint * cap)()
            n = c_size_t(0)
            rc = call(byref(svc), byref(port), eps, cap, byref(n))
            if rc == N.CIP_EBUFSIZE:
                cap = max(int(n.value), cap * 2)
                continue
            check(rc)
            return LookupResult(_service_info(svc), _port_info(port),
                                tuple(_endpoint(eps[i]) for i in range(n.value)))

    def lookup(self, vip: AddressLike, port: int, protocol: int = Protocol.TCP) -> LookupResult:
        """The service port at (vip, port, protocol), with its endpoints,
        all of one version. :raises NotFound:"""
        a = c_address(vip)
        return self._lookup(lambda *out: lib.cip_table_lookup(self._h(), byref(a), port, int(protocol), *out))

    def lookup_node_port(self, node_port: int, protocol: int = Protocol.TCP) -> LookupResult:
        """As :meth:`lookup`, by node port."""
        return self._lookup(lambda *out: lib.cip_table_lookup_node_port(self._h(), node_port, int(protocol), *out))

    def lookup_batch(
        self, queries: Sequence[Tuple[Optional[AddressLike], int, int]], *, cap: int = 64
    ) -> List[Union[LookupResult, Exception]]:
        """Many lookups in one call (``cip_table_lookup_batch()``). Each
        query is ``(vip, port, protocol)``, or ``(None, node_port,
        protocol)`` for a node port; each result is a
        :class:`LookupResult` or the error of that lookup (not raised)."""
        n = len(queries)
        if n == 0:
            return []
        arr = (cip_lookup * n)()
        svcs = (cip_service_info * n)()
        ports = (cip_service_port_info * n)()
        bufs = [(cip_endpoint * cap)() for _ in range(n)]
        for i, (vip, port, proto) in enumerate(queries):
            lk = arr[i]
            if vip is None:
                lk.flags = 1  # CIP_LOOKUP_NODE_PORT
            else:
                lk.vip = c_address(vip)
            lk.port, lk.protocol = port, int(proto)
            lk.svc = ctypes.pointer(svcs[i])
            lk.port_info = ctypes.pointer(ports[i])
            lk.eps = ctypes.cast(bufs[i], ctypes.POINTER(cip_endpoint))
            lk.cap = cap
        check(lib.cip_table_lookup_batch(self._h(), arr, n))
        out: List[Union[LookupResult, Exception]] = []
        for i, (vip, port, proto) in enumerate(queries):
            rc = arr[i].rc
            if rc == N.CIP_EBUFSIZE:  # more endpoints than cap: redo alone
                try:
                    out.append(self.lookup(vip, port, proto) if vip is not None else self.lookup_node_port(port, proto))
                except Exception as exc:  # noqa: BLE001 - returned, as the others
                    out.append(exc)
            elif rc < 0:
                out.append(make_error(rc))
            else:
                out.append(LookupResult(_service_info(svcs[i]), _port_info(ports[i]),
                                        tuple(_endpoint(bufs[i][k]) for k in range(arr[i].n))))
        return out

    def get_service(self, namespace: str, name: str) -> Tuple[ServiceInfo, List[PortInfo]]:
        """A service and its ports. :raises NotFound:"""
        ns, n = _name(namespace, name)
        svc = cip_service_info()
        cap = 8
        while True:
            ports = (cip_service_port_info * cap)()
            rc = lib.cip_table_service_get(self._h(), ns, n, byref(svc), ports, cap)
            if rc == N.CIP_EBUFSIZE:
                cap = max(int(svc.nports), cap * 2)
                continue
            check(rc)
            return _service_info(svc), [_port_info(ports[i]) for i in range(svc.nports)]

    def endpoints(self, namespace: str, name: str, port_index: int = 0) -> List[Endpoint]:
        """The endpoints of one port of a service (by its index)."""
        ns, nm = _name(namespace, name)
        cap = 16
        while True:
            eps = (cip_endpoint * cap)()
            n = c_size_t(0)
            rc = lib.cip_table_endpoints(self._h(), ns, nm, port_index, eps, cap, byref(n))
            if rc == N.CIP_EBUFSIZE:
                cap = max(int(n.value), cap * 2)
                continue
            check(rc)
            return [_endpoint(eps[i]) for i in range(n.value)]

    def foreach_service(self, visit: Callable[[ServiceInfo], Any]) -> bool:
        """Call ``visit(info)`` for every service; a true return stops the
        walk; an exception stops it and propagates."""
        walk = _Walk(lambda p, _ctx: visit(_service_info(p.contents)))
        cb = N.service_visit_fn(walk)
        return walk.finish(lib.cip_table_foreach_service(self._h(), cb, None)) != 0

    def services(self) -> List[ServiceInfo]:
        """Every service, sorted by (namespace, name)."""
        out: List[ServiceInfo] = []
        self.foreach_service(out.append)
        return sorted(out, key=lambda s: (s.namespace, s.name))

    def endpoints_reason(self, namespace: str, name: str) -> EndpointsReason:
        """Why a service has no ready endpoints (OK when it has some)."""
        ns, n = _name(namespace, name)
        out = c_int(0)
        check(lib.cip_table_endpoints_reason(self._h(), ns, n, byref(out)))
        return EndpointsReason(out.value)

    @property
    def generation(self) -> int:
        """Grows with every write that changes what readers see."""
        out = c_uint64()
        check(lib.cip_table_generation(self._h(), byref(out)))
        return int(out.value)

    def resolve(self, name: str, qtype: int = DNSType.ANY, client_namespace: Optional[str] = None) -> List[DNSRecord]:
        """Answer a DNS question as the cluster DNS does. An empty list is
        NODATA. :raises NotFound: (NXDOMAIN), InvalidName."""
        raw = name.encode("utf-8")
        cns = _cstr(client_namespace)
        cap = 8
        while True:
            recs = (cip_dns_record * cap)()
            n = c_size_t(0)
            rc = lib.cip_table_dns_resolve(self._h(), raw, len(raw), int(qtype), cns, recs, cap, byref(n))
            if rc == N.CIP_EBUFSIZE:
                cap = max(int(n.value), cap * 2)
                continue
            check(rc)
            out = []
            for i in range(n.value):
                r = recs[i]
                t = DNSType(r.type)
                out.append(DNSRecord(
                    name=_s(r.name), type=t, target=_s(r.target),
                    address=to_address(r.addr) if t in (DNSType.A, DNSType.AAAA) else None,
                    priority=int(r.priority), weight=int(r.weight), port=int(r.port),
                ))
            return out

    def name_id(self, name: str) -> int:
        """The id of an interned node or zone name. :raises NotFound:"""
        out = c_uint32()
        check(lib.cip_table_name_id(self._h(), name.encode("utf-8"), byref(out)))
        return int(out.value)

    def name(self, name_id: int) -> str:
        """The interned name of an id. :raises NotFound:"""
        buf = ctypes.create_string_buffer(N.CIP_SUBDOMAIN_CAP)
        n = check(lib.cip_table_name(self._h(), name_id, buf, len(buf)))
        return buf.raw[:n].decode("utf-8")

    # selection ---------------------------------------------------------
    def _id(self, value: Union[int, str, None]) -> int:
        if value is None:
            return 0
        if isinstance(value, str):
            try:
                return self.name_id(value)
            except LookupError:
                return 0
        return int(value)

    def select(
        self,
        vip: Optional[AddressLike],
        port: int,
        protocol: int = Protocol.TCP,
        *,
        client: Optional[AddressLike] = None,
        client_port: int = 0,
        node: Union[int, str, None] = None,
        zone: Union[int, str, None] = None,
        now: int = 0,
        reset_affinity: bool = False,
    ) -> Backend:
        """Choose the backend of one connection (``cip_table_select()``).

        ``vip`` None means ``port`` is a node port. ``node``/``zone`` are
        this proxy's, as ids or names (an unknown name is no node).

        :raises NotFound: no such service port.
        :raises NoBackend: no usable endpoint (reject the connection).
        :raises Dropped: Local policy and no local endpoint (drop it).
        """
        req = cip_select_request()
        if vip is None:
            req.flags |= 0x1  # CIP_SELECT_NODE_PORT
        else:
            req.vip = c_address(vip)
        if reset_affinity:
            req.flags |= 0x2
        req.port, req.protocol = port, int(protocol)
        if client is not None:
            req.client = c_address(client)
        req.client_port = client_port
        req.node, req.zone = self._id(node), self._id(zone)
        req.now = now
        out = cip_backend()
        check(lib.cip_table_select(self._h(), byref(req), byref(out)))
        return Backend(
            address=to_address(out.addr), port=int(out.port), category=BackendCategory(out.category),
            affinity=bool(out.flags & 1), index=int(out.index), node=int(out.node), zone=int(out.zone),
            weight=int(out.weight), generation=int(out.generation),
        )

    def affinity_expire(self, now: int) -> int:
        """Empty every expired session-affinity entry; return how many."""
        return check(lib.cip_table_affinity_expire(self._h(), now))

    def affinity_count(self, namespace: str, name: str, now: int) -> int:
        """Live session-affinity entries of a service."""
        ns, n = _name(namespace, name)
        return check(lib.cip_table_affinity_count(self._h(), ns, n, now))


__all__ = [
    "AFFINITY_TIMEOUT_DEFAULT", "AFFINITY_TIMEOUT_MAX", "Backend", "BackendCategory", "DNSRecord", "DNSType",
    "DNS_SCHEMA_VERSION", "Endpoint", "EndpointCondition", "EndpointSpec", "EndpointsReason", "IPFamilyPolicy",
    "LBPolicy", "LookupResult", "NamedPort", "PodSpec", "PortInfo", "Protocol", "ServiceInfo", "ServicePort",
    "ServiceSpec", "ServiceType", "SessionAffinity", "SpecField", "Table", "TrafficDistribution", "TrafficPolicy",
]
