# SPDX-License-Identifier: Apache-2.0
"""Table (table.h, select.h): services, pods, explicit endpoints, lookups,
DNS, name interning, selection and affinity, lifetimes, concurrency."""

from __future__ import annotations

import collections
import ipaddress
import threading
import unittest

import clusterip as c
from clusterip import errors as E
from clusterip import (
    DNSType,
    EndpointCondition as EC,
    EndpointSpec,
    LBPolicy,
    NamedPort,
    PodSpec,
    Protocol,
    ServicePort,
    ServiceSpec,
    ServiceType,
)

V4 = ipaddress.IPv4Address
V6 = ipaddress.IPv6Address
SEC = 1_000_000_000


class TableFixture(unittest.TestCase):
    def setUp(self) -> None:
        self.pool = c.Pool(seed=1)
        self.pool.add("10.96.0.0/24")
        self.pool.add("fd00:96::/112")
        self.ports = c.Ports("30000-30999", seed=1)
        self.t = c.Table(pool=self.pool, node_ports=self.ports, seed=3)
        self.addCleanup(self.cleanup)

    def cleanup(self) -> None:
        self.t.close()
        self.pool.close()
        self.ports.close()

    def web(self, **kw: object) -> c.ServiceInfo:
        spec = ServiceSpec("default", "web", ports=[ServicePort(80, name="http", target_port_name="http"),
                                                    ServicePort(53, protocol=Protocol.UDP, name="dns")],
                           selector={"app": "web"}, **kw)  # type: ignore[arg-type]
        return self.t.create_service(spec)

    def pod(self, name: str, ip: str, node: str = "n1", zone: str = "z1", **kw: object) -> None:
        self.t.apply_pod(PodSpec("default", name, ips=[ip], labels={"app": "web"}, node_name=node, zone=zone,
                                 ports=[NamedPort(8080, "http"), NamedPort(5353, "dns", Protocol.UDP)],
                                 **kw))  # type: ignore[arg-type]


class ServiceTest(TableFixture):
    def test_create_get_update_delete(self) -> None:
        g0 = self.t.generation
        svc = self.web()
        self.assertGreater(self.t.generation, g0)
        self.assertEqual(svc.type, ServiceType.CLUSTER_IP)
        self.assertTrue(svc.has_selector)
        (vip,) = svc.cluster_ips
        self.assertTrue(self.pool.has(vip))
        info, ports = self.t.get_service("default", "web")
        self.assertEqual(info, svc)
        self.assertEqual([(p.name, p.port, p.protocol, p.target_port_name, p.index) for p in ports],
                         [("http", 80, Protocol.TCP, "http", 0), ("dns", 53, Protocol.UDP, "", 1)])
        with self.assertRaises(E.AlreadyExists):
            self.web()
        self.assertEqual(self.t.endpoints_reason("default", "web"), c.EndpointsReason.NO_MATCHING_POD)
        upd = self.t.update_service(ServiceSpec("default", "web", ports=[ServicePort(81)], selector={"app": "web"},
                                                ip_family_policy=c.IPFamilyPolicy.PREFER_DUAL_STACK))
        self.assertEqual(upd.cluster_ips[0], vip, "the primary ClusterIP stays")
        self.assertEqual(len(upd.cluster_ips), 2)
        self.assertGreater(upd.generation, svc.generation)
        with self.assertRaises(E.NotFound):
            self.t.update_service(ServiceSpec("default", "nope", ports=[ServicePort(80)]))
        self.t.delete_service("default", "web")
        self.assertFalse(self.pool.has(vip))
        with self.assertRaises(E.NotFound):
            self.t.delete_service("default", "web")
        with self.assertRaises(E.NotFound):
            self.t.get_service("default", "web")

    def test_spec_errors(self) -> None:
        with self.assertRaises(E.InvalidSpec) as cm:
            self.t.create_service(ServiceSpec("default", "web", ports=[ServicePort(80, name="a"),
                                                                        ServicePort(81, name="a")]))
        exc = cm.exception
        self.assertEqual(exc.field, c.SpecField.PORT_NAME)
        self.assertEqual(exc.index, 1)
        self.assertIn("spec.ports[1].name", exc.spec_message)
        self.assertEqual(exc.message, c.strerror(-22))
        with self.assertRaises(E.InvalidSpec) as cm2:
            self.t.create_service(ServiceSpec("default", "Web", ports=[ServicePort(80)]))
        self.assertEqual(cm2.exception.field, c.SpecField.NAME)
        self.assertEqual(self.t.services(), [], "a failed write changes nothing")
        self.assertEqual(self.pool.used(4), 0)

    def test_requested_ips_node_ports_external_name(self) -> None:
        svc = self.t.create_service(ServiceSpec("ns1", "np", type=ServiceType.NODE_PORT, cluster_ips=["10.96.0.7"],
                                                ports=[ServicePort(80, name="a", node_port=30080),
                                                       ServicePort(443, name="b")]))
        self.assertEqual(svc.cluster_ips, (V4("10.96.0.7"),))
        _, ports = self.t.get_service("ns1", "np")
        self.assertEqual(ports[0].node_port, 30080)
        self.assertTrue(30000 <= ports[1].node_port <= 30999)
        self.assertTrue(self.ports.has(30080))
        with self.assertRaises(E.AlreadyAllocated):
            self.t.create_service(ServiceSpec("ns1", "np2", cluster_ips=["10.96.0.7"], ports=[ServicePort(80)]))
        with self.assertRaises(E.OutOfRange):
            self.t.create_service(ServiceSpec("ns1", "np3", cluster_ips=["10.50.0.7"], ports=[ServicePort(80)]))
        ext = self.t.create_service(ServiceSpec("ns1", "ext", type=ServiceType.EXTERNAL_NAME,
                                                external_name="example.com"))
        self.assertEqual(ext.external_name, "example.com")
        self.assertEqual(ext.cluster_ips, ())
        self.assertEqual(self.t.endpoints_reason("ns1", "ext"), c.EndpointsReason.EXTERNAL_NAME)
        r = self.t.lookup_node_port(30080)
        self.assertEqual((r.service.name, r.port.port), ("np", 80))
        self.assertEqual([s.name for s in self.t.services()], ["ext", "np"])

    def test_no_pool(self) -> None:
        with c.Table() as t:
            with self.assertRaises(E.Unsupported):
                t.create_service(ServiceSpec("a", "b", ports=[ServicePort(80)]))
            s = t.create_service(ServiceSpec("a", "b", ports=[ServicePort(80)], cluster_ips=["192.0.2.1"]))
            self.assertEqual(s.cluster_ips, (V4("192.0.2.1"),))

    def test_lifetimes(self) -> None:
        with self.assertRaises(E.InUseError):
            self.pool.close()
        with self.assertRaises(E.InUseError):
            self.ports.close()
        self.t.close()
        self.t.close()
        with self.assertRaises(E.ClosedError):
            self.t.lookup("10.96.0.1", 80)
        self.pool.close()  # allowed once the table is closed


class EndpointTest(TableFixture):
    def test_pods_endpoints_lookup(self) -> None:
        vip = self.web().cluster_ips[0]
        self.pod("web-1", "10.1.0.1", node="n1", zone="z1")
        self.pod("web-2", "10.1.0.2", node="n2", zone="z2")
        self.t.apply_pod(PodSpec("default", "other", ips=["10.1.0.9"], labels={"app": "db"}))
        r = self.t.lookup(vip, 80)
        self.assertEqual([(e.address, e.port) for e in r.endpoints], [(V4("10.1.0.1"), 8080), (V4("10.1.0.2"), 8080)])
        self.assertEqual(r.port.nendpoints, 2)
        self.assertEqual(self.t.name(r.endpoints[0].node), "n1")
        self.assertEqual(self.t.name(r.endpoints[1].zone), "z2")
        self.assertEqual(self.t.name_id("n2"), r.endpoints[1].node)
        with self.assertRaises(E.NotFound):
            self.t.name_id("n9")
        with self.assertRaises(E.NotFound):
            self.t.name(999)
        udp = self.t.lookup(str(vip), 53, Protocol.UDP)
        # The UDP port has no target port: the service port number is used.
        self.assertEqual({e.port for e in udp.endpoints}, {53})
        self.assertEqual(self.t.endpoints("default", "web", 1), list(udp.endpoints))
        with self.assertRaises(E.NotFound):
            self.t.endpoints("default", "web", 5)
        with self.assertRaises(E.NotFound):
            self.t.lookup(vip, 81)
        self.assertEqual(self.t.endpoints_reason("default", "web"), c.EndpointsReason.OK)
        self.t.delete_pod("default", "web-1")
        with self.assertRaises(E.NotFound):
            self.t.delete_pod("default", "web-1")
        self.assertEqual([e.address for e in self.t.lookup(vip, 80).endpoints], [V4("10.1.0.2")])
        self.pod("web-2", "10.1.0.2", conditions=EC.TERMINATING | EC.SERVING)
        self.assertEqual(self.t.endpoints_reason("default", "web"), c.EndpointsReason.NONE_READY)

    def test_many_endpoints_grow_buffers(self) -> None:
        vip = self.web().cluster_ips[0]
        for i in range(40):
            self.pod("web-%d" % i, "10.2.0.%d" % (i + 1))
        self.assertEqual(len(self.t.lookup(vip, 80).endpoints), 40)
        self.assertEqual(len(self.t.endpoints("default", "web")), 40)
        res = self.t.lookup_batch([(vip, 80, Protocol.TCP)], cap=4)
        self.assertEqual(len(res[0].endpoints), 40)  # type: ignore[union-attr]

    def test_explicit_endpoints_and_batch(self) -> None:
        svc = self.t.create_service(ServiceSpec("default", "manual", ports=[ServicePort(80, name="http")]))
        self.assertEqual(self.t.endpoints_reason("default", "manual"), c.EndpointsReason.NO_SELECTOR)
        self.t.set_endpoints("default", "manual", [EndpointSpec("192.0.2.10", hostname="a"),
                                                   EndpointSpec("192.0.2.11", node_name="n5", weight=3)],
                             [NamedPort(9090, "http")])
        r = self.t.lookup(svc.cluster_ips[0], 80)
        self.assertEqual([(e.address, e.port) for e in r.endpoints], [(V4("192.0.2.10"), 9090), (V4("192.0.2.11"), 9090)])
        with self.assertRaises(E.InvalidSpec) as cm:
            self.t.set_endpoints("default", "manual", [EndpointSpec("192.0.2.10"), EndpointSpec("192.0.2.10")])
        self.assertEqual(cm.exception.index, 1)
        with self.assertRaises(E.NotFound):
            self.t.set_endpoints("default", "nope", [])
        vip = self.web().cluster_ips[0]
        with self.assertRaises(E.InvalidSpec) as cm2:
            self.t.set_endpoints("default", "web", [EndpointSpec("192.0.2.10")])
        self.assertEqual(cm2.exception.field, c.SpecField.SELECTOR)
        res = self.t.lookup_batch([(svc.cluster_ips[0], 80, Protocol.TCP), (vip, 99, Protocol.TCP), (None, 31111, 1)])
        self.assertIsInstance(res[0], c.LookupResult)
        self.assertEqual(len(res[0].endpoints), 2)  # type: ignore[union-attr]
        self.assertIsInstance(res[1], E.NotFound)
        self.assertIsInstance(res[2], E.NotFound)
        self.assertEqual(self.t.lookup_batch([]), [])
        self.t.set_endpoints("default", "manual", [])
        self.assertEqual(self.t.lookup(svc.cluster_ips[0], 80).endpoints, ())

    def test_foreach_service(self) -> None:
        self.web()
        self.t.create_service(ServiceSpec("default", "b", ports=[ServicePort(80)]))
        names = []
        self.assertFalse(self.t.foreach_service(lambda s: names.append(s.name)))
        self.assertEqual(sorted(names), ["b", "web"])
        self.assertTrue(self.t.foreach_service(lambda s: True))
        with self.assertRaises(ZeroDivisionError):
            self.t.foreach_service(lambda s: 1 // 0)


class DNSTest(TableFixture):
    def test_records(self) -> None:
        vip = self.web().cluster_ips[0]
        a = self.t.resolve("web.default.svc.cluster.local", DNSType.A)
        self.assertEqual([(r.type, r.address) for r in a], [(DNSType.A, vip)])
        self.assertEqual(self.t.resolve("WEB.default.svc.cluster.local.", DNSType.A)[0].address, vip)
        self.assertEqual(self.t.resolve("web", DNSType.A, client_namespace="default")[0].address, vip)
        self.assertEqual(self.t.resolve("web.default.svc.cluster.local", DNSType.AAAA), [])  # NODATA
        srv = self.t.resolve("_http._tcp.web.default.svc.cluster.local", DNSType.SRV)
        self.assertEqual([(r.port, r.target) for r in srv], [(80, "web.default.svc.cluster.local")])
        ptr = self.t.resolve(c.reverse_name(vip), DNSType.PTR)
        self.assertEqual([r.target for r in ptr], ["web.default.svc.cluster.local"])
        txt = self.t.resolve("dns-version.cluster.local", DNSType.TXT)
        self.assertEqual(txt[0].target, c.DNS_SCHEMA_VERSION)
        with self.assertRaises(E.NotFound):
            self.t.resolve("nope.default.svc.cluster.local", DNSType.A)
        with self.assertRaises(E.InvalidName):
            self.t.resolve("bad..name", DNSType.A)

    def test_headless_and_cname(self) -> None:
        self.t.create_service(ServiceSpec("default", "hl", headless=True, selector={"app": "web"},
                                          ports=[ServicePort(80, name="http")]))
        for i in range(12):
            self.t.apply_pod(PodSpec("default", "p%d" % i, ips=["10.3.0.%d" % (i + 1)], labels={"app": "web"},
                                     hostname="h%d" % i))
        recs = self.t.resolve("hl.default.svc.cluster.local", DNSType.A)
        self.assertEqual(sorted(r.address for r in recs), [V4("10.3.0.%d" % (i + 1)) for i in range(12)])
        self.assertEqual(self.t.resolve("h3.hl.default.svc.cluster.local", DNSType.A)[0].address, V4("10.3.0.4"))
        self.t.create_service(ServiceSpec("default", "ext", type=ServiceType.EXTERNAL_NAME, external_name="example.org"))
        cname = self.t.resolve("ext.default.svc.cluster.local", DNSType.A)
        self.assertEqual([(r.type, r.target) for r in cname], [(DNSType.CNAME, "example.org")])


class SelectTest(TableFixture):
    def test_round_robin_and_errors(self) -> None:
        vip = self.web().cluster_ips[0]
        with self.assertRaises(E.NoBackend):
            self.t.select(vip, 80)
        with self.assertRaises(E.NotFound):
            self.t.select(vip, 99)
        for i in range(4):
            self.pod("web-%d" % i, "10.1.0.%d" % (i + 1))
        picks = [self.t.select(vip, 80).address for _ in range(40)]
        self.assertEqual(collections.Counter(picks), {V4("10.1.0.%d" % (i + 1)): 10 for i in range(4)})
        b = self.t.select(str(vip), 80)
        self.assertEqual(b.port, 8080)
        self.assertEqual(b.category, c.BackendCategory.READY)
        self.assertFalse(b.affinity)
        self.assertEqual(self.t.lookup(vip, 80).endpoints[b.index].address, b.address)

    def test_affinity_local_and_maglev(self) -> None:
        self.t.create_service(ServiceSpec("default", "aff", selector={"app": "web"}, ports=[ServicePort(80)],
                                          session_affinity=c.SessionAffinity.CLIENT_IP, affinity_timeout=10))
        vip = self.t.get_service("default", "aff")[0].cluster_ips[0]
        for i in range(3):
            self.pod("web-%d" % i, "10.1.0.%d" % (i + 1), node="n%d" % i)
        first = self.t.select(vip, 80, client="192.0.2.1", now=1 * SEC)
        again = self.t.select(vip, 80, client="192.0.2.1", now=2 * SEC)
        self.assertEqual(again.address, first.address)
        self.assertTrue(again.affinity)
        self.assertEqual(self.t.affinity_count("default", "aff", 2 * SEC), 1)
        self.assertEqual(self.t.affinity_expire(5 * SEC), 0)
        self.assertEqual(self.t.affinity_expire(20 * SEC), 1)
        self.assertEqual(self.t.affinity_count("default", "aff", 20 * SEC), 0)
        with self.assertRaises(E.NotFound):
            self.t.affinity_count("default", "none", 0)

        self.t.create_service(ServiceSpec("default", "loc", selector={"app": "web"}, ports=[ServicePort(80)],
                                          internal_traffic_policy=c.TrafficPolicy.LOCAL))
        lvip = self.t.get_service("default", "loc")[0].cluster_ips[0]
        local = self.t.select(lvip, 80, node="n1")
        self.assertEqual((local.address, local.category), (V4("10.1.0.2"), c.BackendCategory.LOCAL))
        self.assertEqual(self.t.select(lvip, 80, node=self.t.name_id("n1")).address, V4("10.1.0.2"))
        with self.assertRaises(E.Dropped):
            self.t.select(lvip, 80, node="n-unknown")  # an unknown name is no node
        self.t.create_service(ServiceSpec("default", "mg", selector={"app": "web"}, ports=[ServicePort(80)],
                                          lb_policy=LBPolicy.MAGLEV))
        mvip = self.t.get_service("default", "mg")[0].cluster_ips[0]
        picks = {self.t.select(mvip, 80, client="192.0.2.7", client_port=40000).address for _ in range(10)}
        self.assertEqual(len(picks), 1, "Maglev: one 5-tuple, one backend")

    def test_node_port_select(self) -> None:
        self.t.create_service(ServiceSpec("default", "np", type=ServiceType.NODE_PORT, selector={"app": "web"},
                                          ports=[ServicePort(80, node_port=30123)]))
        self.pod("web-0", "10.1.0.1")
        self.assertEqual(self.t.select(None, 30123).address, V4("10.1.0.1"))

    def test_concurrent_select(self) -> None:
        vip = self.web().cluster_ips[0]
        for i in range(4):
            self.pod("web-%d" % i, "10.1.0.%d" % (i + 1))
        counts = [collections.Counter() for _ in range(8)]
        errors = []
        barrier = threading.Barrier(8)

        def work(k: int) -> None:
            try:
                barrier.wait()
                for _ in range(500):
                    counts[k][self.t.select(vip, 80).address] += 1
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        self.assertEqual(errors, [])
        total = sum(counts, collections.Counter())
        # Strict global round-robin: 4000 picks over 4 backends, 1000 each.
        self.assertEqual(total, {V4("10.1.0.%d" % (i + 1)): 1000 for i in range(4)})


class SymbolsTest(unittest.TestCase):
    def test_every_exported_function_has_a_prototype(self) -> None:
        import os
        import re

        from clusterip import _native as N

        mapfile = os.path.join(os.path.dirname(__file__), "..", "..", "..", "lib", "libclusterip.map")
        if not os.path.exists(mapfile):
            self.skipTest("not in the source tree")
        with open(mapfile, encoding="utf-8") as f:
            exported = set(re.findall(r"\b(cip_[a-z0-9_]+);", f.read()))
        self.assertEqual(exported, set(N._PROTOTYPES))


if __name__ == "__main__":
    unittest.main()
