#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A minimal Service controller: allocate ClusterIPs (and node ports) for a
few services from a dual-stack pool through a Table, persist the
allocators' snapshots to a file, then reload them into fresh allocators as
a restarted controller would, and check nothing was lost.

usage: controller.py [state-file]
"""

from __future__ import annotations

import base64
import json
import os
import sys
import tempfile
import time

import clusterip as cip
from clusterip import IPFamilyPolicy, ServicePort, ServiceSpec, ServiceType

SERVICE_CIDRS = ["10.96.0.0/16", "fd00:10:96::/112"]
NODE_PORTS = "30000-32767"


def new_allocators(seed: int):
    pool = cip.Pool(seed=seed)
    for cidr in SERVICE_CIDRS:
        pool.add(cidr)
    return pool, cip.Ports(NODE_PORTS, seed=seed)


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tempfile.mkdtemp(), "clusterip-state.json")
    now = time.monotonic_ns()
    pool, ports = new_allocators(seed=42)
    with cip.Table(pool=pool, node_ports=ports, seed=42) as table:
        specs = [
            # The cluster DNS service takes a fixed address in the static band.
            ServiceSpec("kube-system", "kube-dns", cluster_ips=["10.96.0.10"],
                        ports=[ServicePort(53, cip.Protocol.UDP, name="dns"), ServicePort(53, name="dns-tcp")]),
            ServiceSpec("default", "web", ip_family_policy=IPFamilyPolicy.REQUIRE_DUAL_STACK,
                        ports=[ServicePort(80, name="http")], selector={"app": "web"}),
            ServiceSpec("default", "shop", type=ServiceType.NODE_PORT,
                        ports=[ServicePort(443, name="https")], selector={"app": "shop"}),
        ]
        for spec in specs:
            svc = table.create_service(spec, now)
            _, svc_ports = table.get_service(spec.namespace, spec.name)
            node_ports = [p.node_port for p in svc_ports if p.node_port]
            print("service %s/%s clusterIPs=%s%s" % (
                svc.namespace, svc.name, ",".join(str(a) for a in svc.cluster_ips),
                " nodePorts=%s" % ",".join(map(str, node_ports)) if node_ports else ""))
        v4 = pool.range(SERVICE_CIDRS[0])
        data = v4.export_k8s()
        print("RangeAllocation range=%s data=%d bytes, %d bits set" % (
            v4.k8s_spec(), len(data), sum(bin(b).count("1") for b in data)))
        allocated = {cidr: [str(a) for a in pool.range(cidr)] for cidr in SERVICE_CIDRS}
        allocated_ports = ports.ports()
        state = {
            "ranges": {cidr: base64.b64encode(pool.range(cidr).snapshot(now)).decode() for cidr in SERVICE_CIDRS},
            "node_ports": base64.b64encode(ports.snapshot(now)).decode(),
        }
    pool.close()
    ports.close()
    with open(path, "w", encoding="utf-8") as f:
        json.dump(state, f, indent=1)
    print("persisted %d range snapshots and the node ports to %s" % (len(state["ranges"]), path))

    # A restarted controller: same configuration, state from the file.
    with open(path, encoding="utf-8") as f:
        state = json.load(f)
    pool, ports = new_allocators(seed=7)
    with pool, ports:
        for cidr, data in state["ranges"].items():
            pool.range(cidr).restore(base64.b64decode(data), time.monotonic_ns())
        ports.restore(base64.b64decode(state["node_ports"]), time.monotonic_ns())
        for cidr in SERVICE_CIDRS:
            got = [str(a) for a in pool.range(cidr)]
            print("reloaded %s: %s" % (cidr, " ".join(got)))
            if got != allocated[cidr]:
                print("MISMATCH in %s" % cidr)
                return 1
        if ports.ports() != allocated_ports:
            print("MISMATCH in node ports")
            return 1
        try:
            pool.allocate("10.96.0.10")
        except cip.AlreadyAllocated:
            print("10.96.0.10 is still taken after the reload")
        fresh = pool.allocate_next(4)
        print("next ClusterIP after reload: %s (new: %s)" % (fresh, str(fresh) not in allocated[SERVICE_CIDRS[0]]))
    print("controller: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
