# SPDX-License-Identifier: Apache-2.0
"""Range, Ports and Pool (range.h, ports.h, pool.h): every method, errors,
snapshots (native and Kubernetes RangeAllocation), lifetimes."""

from __future__ import annotations

import ipaddress
import unittest

import clusterip as c
from clusterip import Band, IPFamilyPolicy, PoolRangeState, PortRange
from clusterip import errors as E

V4 = ipaddress.IPv4Address
V6 = ipaddress.IPv6Address
NET = ipaddress.ip_network
SEC = 1_000_000_000


class RangeTest(unittest.TestCase):
    def test_allocate_release_has_counts(self) -> None:
        with c.Range("10.0.0.0/24", seed=7) as r:
            self.assertEqual(r.prefix, NET("10.0.0.0/24"))
            self.assertEqual(r.static_band_size, 16)
            a = r.allocate_next()
            self.assertIn(a, NET("10.0.0.0/24"))
            self.assertGreater(int(a) - int(V4("10.0.0.0")), 16, "dynamic band first")
            self.assertTrue(r.has(a))
            self.assertIn(a, r)
            self.assertNotIn("junk", r)
            r.allocate("10.0.0.10")
            with self.assertRaises(E.AlreadyAllocated):
                r.allocate(V4("10.0.0.10"))
            with self.assertRaises(E.OutOfRange):
                r.allocate("10.0.0.255")  # broadcast
            with self.assertRaises(E.WrongFamily):
                r.allocate("::1")
            self.assertEqual(r.used(), 2)
            self.assertEqual(len(r), 2)
            self.assertEqual(r.used(Band.STATIC), 1)
            self.assertEqual(r.used(Band.DYNAMIC), 1)
            self.assertEqual(r.available(), 254 - 2)
            self.assertEqual(r.available(Band.STATIC), 15)
            self.assertEqual(r.addresses(), sorted([a, V4("10.0.0.10")]))
            self.assertEqual(list(r), r.addresses())
            r.release("10.0.0.10")
            with self.assertRaises(E.NotAllocated):
                r.release("10.0.0.10")
            with self.assertRaises(E.OutOfRange):
                r.release("10.0.1.1")
            st = r.stats()
            self.assertEqual((st.all.size, st.all.used, st.all.allocations, st.all.releases, st.all.errors),
                             (254, 1, 2, 1, 1))
            self.assertEqual(st.static_band.size + st.dynamic_band.size, st.all.size)

    def test_dry_run(self) -> None:
        with c.Range("10.0.0.0/29", seed=1, static_band="off") as r:
            self.assertEqual(r.allocate_next(dry_run=True), V4("10.0.0.0"))
            r.allocate("10.0.0.1", dry_run=True)
            self.assertEqual(r.used(), 0)
            r.allocate("10.0.0.1")
            with self.assertRaises(E.AlreadyAllocated):
                r.allocate("10.0.0.1", dry_run=True)
            r.release("10.0.0.1", dry_run=True)
            self.assertTrue(r.has("10.0.0.1"))

    def test_full(self) -> None:
        with c.Range("10.0.0.0/29", seed=3) as r:
            got = {r.allocate_next() for _ in range(6)}
            self.assertEqual(got, set(NET("10.0.0.0/29").hosts()))
            with self.assertRaises(E.RangeFull):
                r.allocate_next()
            with self.assertRaises(E.RangeFull):
                r.allocate_next(dry_run=True)

    def test_quarantine(self) -> None:
        with c.Range("10.0.0.0/30", seed=1, quarantine_ns=10 * SEC) as r:
            r.allocate("10.0.0.1")
            r.allocate("10.0.0.2")
            r.release("10.0.0.1", now=1 * SEC)
            self.assertEqual(r.stats().all.quarantined, 1)
            with self.assertRaises(E.RangeFull):
                r.allocate_next(now=5 * SEC)
            self.assertEqual(r.expire(5 * SEC), 0)
            self.assertEqual(r.expire(11 * SEC), 1)
            self.assertEqual(r.allocate_next(now=11 * SEC), V4("10.0.0.1"))
            r.release("10.0.0.2", now=12 * SEC, release_now=True)
            self.assertEqual(r.stats().all.quarantined, 0)
            self.assertEqual(r.available(), 1)

    def test_options_errors(self) -> None:
        with self.assertRaises(E.OutOfRange):
            c.Range("10.0.0.0/31")
        with self.assertRaises(E.Unsupported):
            c.Range("fd00::/48")
        with c.Range("fd00::/48", legacy_cap=True) as r6:
            self.assertEqual(r6.stats().all.size, 65535)
        with self.assertRaises(E.OutOfRange):
            c.Range("10.0.0.0/28", static_band=100)
        with self.assertRaises(ValueError):
            c.Range("10.0.0.0/28", static_band=-5)
        with c.Range("10.0.0.0/24", static_band=4) as r:
            self.assertEqual(r.static_band_size, 4)
        with c.Range("10.0.0.0/24", static_band=0) as r:
            self.assertEqual(r.static_band_size, 0)

    def test_large_ipv6_range(self) -> None:
        with c.Range("fd00::/64", seed=9) as r:
            self.assertEqual(r.stats().all.size, (1 << 64) - 1)
            a = r.allocate_next()
            self.assertIn(a, NET("fd00::/64"))
            r.allocate("fd00::1")
            self.assertEqual(r.addresses(), sorted([a, V6("fd00::1")]))
            with self.assertRaises(E.Unsupported):
                r.export_k8s()
            snap = r.snapshot()
            with c.Range.from_snapshot(snap) as r2:
                self.assertEqual(r2.addresses(), r.addresses())

    def test_foreach_stop_and_exception(self) -> None:
        with c.Range("10.0.0.0/28", seed=1) as r:
            for i in range(1, 8):
                r.allocate("10.0.0.%d" % i)
            seen = []
            self.assertTrue(r.foreach(lambda a: seen.append(a) or len(seen) == 3))
            self.assertEqual(seen, [V4("10.0.0.%d" % i) for i in (1, 2, 3)])

            class Boom(Exception):
                pass

            calls = []

            def visit(a: object) -> None:
                calls.append(a)
                if len(calls) == 2:
                    raise Boom("stop here")

            with self.assertRaises(Boom):
                r.foreach(visit)
            self.assertEqual(len(calls), 2, "the walk must stop at the exception")
            self.assertFalse(r.foreach(lambda a: None))

    def test_k8s_snapshot_round_trip(self) -> None:
        with c.Range("10.96.0.0/12", seed=5) as r:
            self.assertEqual(r.k8s_spec(), "10.96.0.0/12")
            self.assertEqual(r.export_k8s(), b"")
            r.allocate("10.96.0.1")  # offset 0
            r.allocate("10.96.0.10")  # offset 9
            data = r.export_k8s()
            self.assertEqual(data, bytes([0x02, 0x01]))  # big.Int: bits 0 and 9
            with c.Range("10.96.0.0/12", seed=6) as r2:
                r2.allocate("10.96.0.99")
                r2.import_k8s("10.96.0.0/12", data)
                self.assertEqual(r2.addresses(), [V4("10.96.0.1"), V4("10.96.0.10")])
                with self.assertRaises(E.SnapshotMismatch):
                    r2.import_k8s("10.0.0.0/8", data)
                self.assertEqual(r2.used(), 2, "unchanged on failure")
            with c.Range("10.0.0.0/30") as small:
                with self.assertRaises(E.SnapshotCorrupt):
                    small.import_k8s("10.0.0.0/30", b"\x04")  # bit 2: past the 2 usable

    def test_native_snapshot_round_trip(self) -> None:
        with c.Range("10.0.0.0/24", seed=5, quarantine_ns=10 * SEC) as r:
            for i in (1, 2, 50):
                r.allocate("10.0.0.%d" % i)
            r.release("10.0.0.2", now=SEC)
            snap = r.snapshot(now=2 * SEC)
            with c.Range.from_snapshot(snap, now=100 * SEC) as r2:
                self.assertEqual(r2.prefix, r.prefix)
                self.assertEqual(r2.addresses(), [V4("10.0.0.1"), V4("10.0.0.50")])
                self.assertEqual(r2.stats().all.quarantined, 1)
                self.assertEqual(r2.expire(100 * SEC + 8 * SEC), 0)
                self.assertEqual(r2.expire(100 * SEC + 9 * SEC), 1)
            with c.Range("10.0.0.0/24", quarantine_ns=10 * SEC) as r3:
                r3.allocate("10.0.0.99")
                r3.restore(snap, now=2 * SEC)
                self.assertEqual(r3.addresses(), [V4("10.0.0.1"), V4("10.0.0.50")])
            corrupt = bytearray(snap)
            corrupt[-1] ^= 0xFF
            with self.assertRaises(E.SnapshotCorrupt):
                c.Range.from_snapshot(bytes(corrupt))
            with c.Range("10.1.0.0/24") as other:
                with self.assertRaises(E.SnapshotMismatch):
                    other.restore(snap)
            with self.assertRaises(E.SnapshotCorrupt):
                c.Range.from_snapshot(b"")

    def test_close(self) -> None:
        r = c.Range("10.0.0.0/28")
        self.assertFalse(r.closed)
        r.close()
        r.close()  # idempotent
        self.assertTrue(r.closed)
        with self.assertRaises(E.ClosedError):
            r.allocate_next()
        with self.assertRaises(E.ClosedError):
            _ = r.prefix
        with self.assertRaises(E.ClosedError):
            with r:
                pass
        self.assertIn("closed", repr(r))


class PortsTest(unittest.TestCase):
    def test_port_range(self) -> None:
        self.assertEqual(PortRange.parse("30000-32767"), PortRange(30000, 2768))
        self.assertEqual(PortRange.parse(" 8080 "), PortRange(8080, 1))
        self.assertEqual(PortRange.parse("100+10"), PortRange(100, 11))
        self.assertEqual(PortRange(30000, 2768).format(), "30000-32767")
        self.assertEqual(PortRange(30000, 2768).last, 32767)
        self.assertTrue(PortRange(30000, 10).contains(30009))
        self.assertFalse(PortRange(30000, 10).contains(30010))
        with self.assertRaises(E.InvalidArgument):
            PortRange(65535, 2).format()
        with self.assertRaises(E.InvalidSyntax) as cm:
            PortRange.parse("30000-x")
        self.assertIsInstance(cm.exception, E.ParseError)
        self.assertEqual(cm.exception.offset, 6)
        with self.assertRaises(E.OutOfRange) as cm2:
            PortRange.parse("200-100")
        self.assertEqual(cm2.exception.reason, 19)
        with self.assertRaises(E.OutOfRange):
            PortRange.parse("70000")

    def test_ports(self) -> None:
        with c.Ports("30000-32767", seed=2) as p:
            self.assertEqual(p.range, PortRange(30000, 2768))
            self.assertEqual(p.k8s_spec(), "30000-32767")
            self.assertEqual(p.static_band_size, 86)
            port = p.allocate_next()
            self.assertTrue(30086 <= port <= 32767)
            p.allocate(30000)
            with self.assertRaises(E.AlreadyAllocated):
                p.allocate(30000)
            with self.assertRaises(E.OutOfRange):
                p.allocate(80)
            with self.assertRaises(E.OutOfRange):
                p.allocate(70000)
            self.assertTrue(p.has(30000))
            self.assertIn(30000, p)
            self.assertEqual(p.used(), 2)
            self.assertEqual(p.used(Band.STATIC), 1)
            self.assertEqual(p.available(), 2766)
            self.assertEqual(p.ports(), sorted([30000, port]))
            self.assertEqual(list(p), p.ports())
            self.assertEqual(p.allocate_next(dry_run=True), 0)
            p.release(30000)
            with self.assertRaises(E.NotAllocated):
                p.release(30000)
            self.assertEqual(p.stats().all.releases, 1)
            self.assertEqual(p.expire(0), 0)

    def test_ports_snapshots(self) -> None:
        with c.Ports((30000, 100), seed=2, static_band="off", quarantine_ns=SEC) as p:
            p.allocate(30000)
            p.allocate(30009)
            self.assertEqual(p.export_k8s(), bytes([0x02, 0x01]))
            with c.Ports((30000, 100)) as q:
                q.import_k8s("30000-30099", p.export_k8s())
                self.assertEqual(q.ports(), [30000, 30009])
                with self.assertRaises(E.SnapshotMismatch):
                    q.import_k8s("30000-30098", b"")
            snap = p.snapshot()
            with c.Ports.from_snapshot(snap) as r:
                self.assertEqual(r.ports(), [30000, 30009])
                self.assertEqual(r.range, PortRange(30000, 100))
            with c.Ports((30000, 100), static_band="off", quarantine_ns=SEC) as s:
                s.restore(snap)
                self.assertEqual(s.ports(), [30000, 30009])

    def test_ports_foreach_exception_and_close(self) -> None:
        p = c.Ports((100, 10), static_band="off")
        for port in range(100, 105):
            p.allocate(port)
        calls = []

        def visit(port: int) -> None:
            calls.append(port)
            raise KeyError(port)

        with self.assertRaises(KeyError):
            p.foreach(visit)
        self.assertEqual(calls, [100])
        p.close()
        p.close()
        with self.assertRaises(E.ClosedError):
            p.allocate_next()
        with self.assertRaises(E.RangeFull):
            with c.Ports((100, 1)) as one:
                one.allocate_next()
                one.allocate_next()


class PoolTest(unittest.TestCase):
    def test_pool_lifecycle(self) -> None:
        with c.Pool(seed=11, max_ranges=4) as pool:
            pool.add("10.0.0.0/24")
            pool.add("10.0.0.0/16")  # overlaps: the /24's addresses stay there
            pool.add(NET("fd00::/112"))
            with self.assertRaises(E.AlreadyExists):
                pool.add("10.0.0.0/24")
            self.assertEqual(
                pool.ranges(),
                [(NET("10.0.0.0/24"), PoolRangeState.ACTIVE), (NET("10.0.0.0/16"), PoolRangeState.ACTIVE),
                 (NET("fd00::/112"), PoolRangeState.ACTIVE)],
            )
            a = pool.allocate_next(4)
            self.assertIn(a, NET("10.0.0.0/16"))
            b = pool.allocate_next(6)
            self.assertIn(b, NET("fd00::/112"))
            pool.allocate("10.0.0.5")
            self.assertTrue(pool.has("10.0.0.5"))
            self.assertIn("10.0.0.5", pool)
            self.assertTrue(pool.range("10.0.0.0/24").has("10.0.0.5"))
            self.assertFalse(pool.range("10.0.0.0/16").has("10.0.0.5"))
            with self.assertRaises(E.AlreadyAllocated):
                pool.allocate("10.0.0.5")
            with self.assertRaises(E.OutOfRange):
                pool.allocate("192.168.0.1")
            self.assertEqual(pool.used(4), 2)
            self.assertEqual(pool.used(6), 1)
            self.assertEqual(pool.available(6), 65535 - 1)
            pool.allocate("10.0.0.6", dry_run=True)
            self.assertFalse(pool.has("10.0.0.6"))

            pool.drain("10.0.0.0/24")
            self.assertEqual(pool.ranges(4)[0], (NET("10.0.0.0/24"), PoolRangeState.DRAINING))
            with self.assertRaises(E.OutOfRange):
                pool.allocate("10.0.0.7")
            with self.assertRaises(E.AlreadyAllocated):
                pool.remove("10.0.0.0/24")
            pool.release("10.0.0.5")
            with self.assertRaises(E.NotAllocated):
                pool.release("10.0.0.5")
            if a in NET("10.0.0.0/24"):
                pool.release(a)
            pool.remove("10.0.0.0/24")
            with self.assertRaises(E.NotFound):
                pool.drain("10.0.0.0/24")
            with self.assertRaises(E.NotFound):
                pool.range("10.0.0.0/24")
            with self.assertRaises(E.Unsupported):
                pool.remove("10.0.0.0/16")
            pool.allocate("10.0.0.7")  # now belongs to the /16
            self.assertTrue(pool.range("10.0.0.0/16").has("10.0.0.7"))
            pool.add("10.0.0.0/24")
            pool.add("10.2.0.0/24")
            with self.assertRaises(E.LimitReached):
                pool.add("10.3.0.0/24")

    def test_pairs(self) -> None:
        with c.Pool(seed=1) as pool:
            with self.assertRaises(E.WrongFamily):
                pool.allocate_next(4)
            pool.add("10.0.0.0/28")
            self.assertEqual(len(pool.allocate_pair(IPFamilyPolicy.PREFER_DUAL_STACK, 4)), 1)
            with self.assertRaises(E.WrongFamily):
                pool.allocate_pair(IPFamilyPolicy.REQUIRE_DUAL_STACK, 4)
            pool.add("fd00::/120")
            pair = pool.allocate_pair(IPFamilyPolicy.REQUIRE_DUAL_STACK, 6)
            self.assertEqual([x.version for x in pair], [6, 4])
            single = pool.allocate_pair(IPFamilyPolicy.SINGLE_STACK, 6)
            self.assertEqual(len(single), 1)
            self.assertEqual(pool.used(4), 2)
            # All or nothing: fill IPv4, then a dual-stack pair fails and
            # leaves IPv6 untouched.
            while True:
                try:
                    pool.allocate_next(4)
                except E.RangeFull:
                    break
            used6 = pool.used(6)
            with self.assertRaises(E.RangeFull):
                pool.allocate_pair(IPFamilyPolicy.REQUIRE_DUAL_STACK, 6)
            self.assertEqual(pool.used(6), used6)
            with self.assertRaises(ValueError):
                pool.allocate_next(5)

    def test_foreach_range_exception_and_borrowed_range(self) -> None:
        pool = c.Pool()
        pool.add("10.0.0.0/24")
        pool.add("10.1.0.0/24")
        seen = []

        def visit(p: object, state: object) -> None:
            seen.append(p)
            raise RuntimeError("x")

        with self.assertRaises(RuntimeError):
            pool.foreach_range(4, visit)
        self.assertEqual(seen, [NET("10.0.0.0/24")])
        self.assertTrue(pool.foreach_range(4, lambda p, s: True))
        r = pool.range("10.1.0.0/24")
        r.allocate("10.1.0.1")
        self.assertTrue(pool.has("10.1.0.1"))
        r.close()  # forgets the borrowed handle only
        self.assertTrue(pool.has("10.1.0.1"))
        r2 = pool.range("10.1.0.0/24")
        pool.close()
        self.assertTrue(r2.closed)
        with self.assertRaises(E.ClosedError):
            r2.has("10.1.0.1")
        with self.assertRaises(E.ClosedError):
            pool.used(4)


if __name__ == "__main__":
    unittest.main()
