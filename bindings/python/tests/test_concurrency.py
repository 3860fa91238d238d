# SPDX-License-Identifier: Apache-2.0
"""Threads calling the lock-free allocators at once (ctypes releases the
GIL during each call): 8 threads allocate from one Range, one Ports and one
Pool until they are full; after join, no address was handed out twice or
lost, and the counters agree."""

from __future__ import annotations

import ipaddress
import threading
import unittest
from typing import Callable, List

import clusterip as c
from clusterip import errors as E

THREADS = 8


def run_threads(work: Callable[[int], List[object]]) -> List[List[object]]:
    results: List[List[object]] = [[] for _ in range(THREADS)]
    errors: List[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def body(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - reported after join
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def drain(allocate: Callable[[], object]) -> List[object]:
    got = []
    while True:
        try:
            got.append(allocate())
        except E.RangeFull:
            return got


class ConcurrencyTest(unittest.TestCase):
    def test_range_allocate_next(self) -> None:
        cidr = ipaddress.ip_network("10.64.0.0/20")
        with c.Range(cidr, seed=42) as r:
            results = run_threads(lambda i: drain(r.allocate_next))
            flat = [a for part in results for a in part]
            self.assertEqual(len(flat), len(set(flat)), "an address was handed out twice")
            self.assertEqual(set(flat), set(cidr.hosts()), "an address was lost")
            self.assertEqual(r.used(), cidr.num_addresses - 2)
            self.assertEqual(r.available(), 0)
            st = r.stats().all
            self.assertEqual(st.allocations, cidr.num_addresses - 2)
            self.assertEqual(st.errors, THREADS)  # one RangeFull per thread
            self.assertEqual(r.addresses(), sorted(flat))

    def test_range_mixed_allocate_release(self) -> None:
        with c.Range("10.0.0.0/21", seed=7, static_band="off") as r:
            def work(i: int) -> List[object]:
                kept = []
                for k in range(300):
                    a = r.allocate_next()
                    if k % 3 == 0:
                        r.release(a)
                    else:
                        kept.append(a)
                return kept

            results = run_threads(work)
            flat = [a for part in results for a in part]
            self.assertEqual(len(flat), len(set(flat)))
            self.assertEqual(r.used(), len(flat))
            self.assertEqual(set(r.addresses()), set(flat))
            st = r.stats().all
            self.assertEqual(st.used + st.available + st.quarantined, st.size)
            self.assertEqual(st.releases, THREADS * 100)

    def test_ports_allocate_next(self) -> None:
        with c.Ports("30000-32767", seed=5) as p:
            results = run_threads(lambda i: drain(p.allocate_next))
            flat = [x for part in results for x in part]
            self.assertEqual(len(flat), len(set(flat)))
            self.assertEqual(sorted(flat), list(range(30000, 32768)))
            self.assertEqual(p.used(), 2768)

    def test_pool_allocate_next(self) -> None:
        with c.Pool(seed=3) as pool:
            pool.add("10.0.0.0/22")
            pool.add("10.0.0.0/21")  # overlaps the first
            pool.add("10.9.0.0/23")
            results = run_threads(lambda i: drain(lambda: pool.allocate_next(4)))
            flat = [a for part in results for a in part]
            self.assertEqual(len(flat), len(set(flat)), "an address was handed out twice")
            expect = set(ipaddress.ip_network("10.0.0.0/21").hosts()) | set(
                ipaddress.ip_network("10.9.0.0/23").hosts())
            # The /22's broadcast is usable in the /21 (it is not the /21's).
            self.assertEqual(set(flat), expect)
            self.assertEqual(pool.used(4), len(flat))
            # Overlapping ranges count their common addresses once per
            # range: the /21 still sees the /22's 1022 addresses as free.
            self.assertEqual(pool.range("10.0.0.0/22").available(), 0)
            self.assertEqual(pool.range("10.9.0.0/23").available(), 0)
            self.assertEqual(pool.range("10.0.0.0/21").available(), 1022)
            self.assertEqual(pool.available(4), 1022)
            self.assertEqual(pool.range("10.0.0.0/22").used(), 1022)
            for a in flat[:50]:
                self.assertTrue(pool.has(a))


if __name__ == "__main__":
    unittest.main()
