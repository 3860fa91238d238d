#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A minimal service proxy: a Table of services and pods, then a loop over
incoming connections that looks each VIP:port up and selects a backend, as
kube-proxy's data path would, plus the DNS answers a pod would get.

usage: proxy.py
"""

from __future__ import annotations

import collections
import sys

import clusterip as cip
from clusterip import EndpointCondition as EC
from clusterip import NamedPort, PodSpec, Protocol, ServicePort, ServiceSpec

SEC = 1_000_000_000


def build() -> cip.Table:
    table = cip.Table(seed=1)  # no pool: ClusterIPs are given, as a proxy receives them
    table.create_service(ServiceSpec("default", "web", cluster_ips=["10.96.0.20"], selector={"app": "web"},
                                     ports=[ServicePort(80, name="http", target_port_name="http")]))
    table.create_service(ServiceSpec("default", "cache", cluster_ips=["10.96.0.30"], selector={"app": "cache"},
                                     ports=[ServicePort(6379)], session_affinity=cip.SessionAffinity.CLIENT_IP))
    for i in range(3):
        table.apply_pod(PodSpec("default", "web-%d" % i, ips=["10.244.%d.10" % i], labels={"app": "web"},
                                node_name="node-%d" % i, ports=[NamedPort(8080, "http")]))
    table.apply_pod(PodSpec("default", "web-old", ips=["10.244.9.10"], labels={"app": "web"},
                            conditions=EC.SERVING | EC.TERMINATING, ports=[NamedPort(8080, "http")]))
    for i in range(2):
        table.apply_pod(PodSpec("default", "cache-%d" % i, ips=["10.244.%d.20" % i], labels={"app": "cache"}))
    return table


def main() -> int:
    with build() as table:
        connections = [("10.96.0.20", 80, "192.0.2.%d" % (i % 5 + 1)) for i in range(9)]
        connections += [("10.96.0.30", 6379, "192.0.2.%d" % (i % 2 + 1)) for i in range(6)]
        connections += [("10.96.0.20", 443, "192.0.2.1"), ("10.96.0.99", 80, "192.0.2.1")]
        spread = collections.Counter()
        affinity = {}
        for t, (vip, port, client) in enumerate(connections):
            now = t * SEC
            try:
                svc = table.lookup(vip, port, Protocol.TCP)
                b = table.select(vip, port, client=client, now=now)
            except cip.NotFound:
                print("%s:%d from %s -> no service (reject)" % (vip, port, client))
                continue
            print("%s:%d from %s -> %s/%s %s:%d%s" % (vip, port, client, svc.service.namespace, svc.service.name,
                                                      b.address, b.port, " (affinity)" if b.affinity else ""))
            spread[(svc.service.name, str(b.address))] += 1
            if svc.service.name == "cache":
                if affinity.setdefault(client, b.address) != b.address:
                    print("affinity broken for %s" % client)
                    return 1
        web = sorted(n for (svc, addr), n in spread.items() if svc == "web")
        print("web spread: %s" % web)
        if web != [3, 3, 3] or any(a.startswith("10.244.9.") for _, a in spread):
            print("unexpected spread")
            return 1
        for rec in table.resolve("web", cip.DNSType.A, client_namespace="default"):
            print("dns %s A %s" % (rec.name, rec.address))
    print("proxy: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
