# SPDX-License-Identifier: Apache-2.0
"""Differential test: the library's address parser and formatter against
Python's :mod:`ipaddress`, on 10^5 generated inputs (fixed seed).

Intended differences (also listed in clusterip/addr.py's documentation),
each checked where it occurs rather than skipped:

* zones: ipaddress accepts "fe80::1%eth0"; the library raises
  ZoneNotAllowed (CIP_EZONE);
* legacy mode: with legacy=True the library reads leading zeros of IPv4
  octets as decimal; ipaddress has no such mode and rejects them (as the
  library does by default);
* IPv4-mapped formatting: the library writes "::ffff:1.2.3.4" (RFC 5952);
  str() of ipaddress gives "::ffff:102:304" before Python 3.13;
* bytes: the library parses text only (no packed 4/16-byte form).
"""

from __future__ import annotations

import ipaddress
import random
import unittest

import clusterip
from clusterip import ParseError, ZoneNotAllowed

N_INPUTS = 100_000
SEED = 20240611
ALPHABET = "0123456789abcdefABCDEF:.%/ xg-+\x00é"


def rfc5952(addr: ipaddress.IPv6Address) -> str:
    """RFC 5952 text computed independently of both implementations."""
    if addr.ipv4_mapped is not None:
        return "::ffff:%s" % addr.ipv4_mapped
    return addr.compressed  # ipaddress compresses per RFC 5952 otherwise


def gen_v4(rng: random.Random) -> str:
    return ".".join(str(rng.randrange(256)) for _ in range(4))


def gen_v6(rng: random.Random) -> str:
    kind = rng.randrange(6)
    groups = [rng.choice((0, 0, rng.randrange(0x10000), rng.randrange(16))) for _ in range(8)]
    if kind == 0:  # IPv4-mapped, dotted
        return "::ffff:" + gen_v4(rng)
    if kind == 1:  # embedded dotted quad, full form
        head = ":".join("%x" % g for g in groups[:6])
        return head + ":" + gen_v4(rng)
    text = [("%0" + str(rng.choice((1, 4))) + "x") % g if rng.random() < 0.5 else "%x" % g for g in groups]
    if rng.random() < 0.3:
        text = [t.upper() for t in text]
    if kind >= 3:  # compress a random run
        i = rng.randrange(8)
        j = rng.randrange(i, 9)
        return ":".join(text[:i]) + "::" + ":".join(text[j:])
    return ":".join(text)


def mutate(rng: random.Random, s: str) -> str:
    ops = rng.randrange(1, 4)
    for _ in range(ops):
        op = rng.randrange(7)
        pos = rng.randrange(len(s) + 1)
        if op == 0 and s:  # delete
            s = s[: max(pos - 1, 0)] + s[pos:]
        elif op == 1:  # insert
            s = s[:pos] + rng.choice(ALPHABET) + s[pos:]
        elif op == 2 and s:  # replace
            s = s[: max(pos - 1, 0)] + rng.choice(ALPHABET) + s[pos:]
        elif op == 3:  # leading zero in a part
            parts = s.split(".")
            k = rng.randrange(len(parts))
            parts[k] = "0" + parts[k]
            s = ".".join(parts)
        elif op == 4:  # zone
            s = s + "%" + rng.choice(("eth0", "1", "", "lo%"))
        elif op == 5:  # duplicate a chunk
            s = s[:pos] + s[pos : pos + rng.randrange(1, 6)] + s[pos:]
        else:  # truncate
            s = s[:pos]
    return s


def py_parse(text: str):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class DifferentialTest(unittest.TestCase):
    def test_parse_and_format_against_ipaddress(self) -> None:
        rng = random.Random(SEED)
        stats = {"valid": 0, "invalid": 0, "zone": 0, "mapped": 0, "legacy": 0}
        for i in range(N_INPUTS):
            base = gen_v4(rng) if rng.random() < 0.5 else gen_v6(rng)
            text = base if rng.random() < 0.45 else mutate(rng, base)
            expect = py_parse(text)
            try:
                got = clusterip.parse_address(text)
            except ZoneNotAllowed as exc:
                # Difference: ipaddress accepts zones; the library never does.
                self.assertIn("%", text)
                self.assertIsInstance(exc, ParseError)
                stats["zone"] += 1
                if expect is not None:
                    self.assertEqual(expect.version, 6)
                    self.assertIsNotNone(expect.scope_id, text)
                continue
            except ParseError as exc:
                self.assertIsNone(expect, "library rejected %r that ipaddress accepts: %s" % (text, exc))
                self.assertLessEqual(exc.offset, len(text.encode("utf-8", "surrogatepass")), text)
                stats["invalid"] += 1
                # Legacy mode: only a leading zero in IPv4 octets may turn
                # an invalid text into a valid one; its value is the
                # decimal reading.
                try:
                    legacy = clusterip.parse_address(text, legacy=True)
                except ParseError:
                    continue
                if isinstance(legacy, ipaddress.IPv4Address):
                    parts = text.split(".")
                    self.assertEqual(str(legacy), ".".join(str(int(p)) for p in parts), text)
                    stats["legacy"] += 1
                continue
            self.assertIsNotNone(expect, "library accepted %r that ipaddress rejects" % text)
            self.assertEqual(got, expect, text)
            stats["valid"] += 1
            formatted = clusterip.format_address(got)
            if isinstance(got, ipaddress.IPv6Address):
                self.assertEqual(formatted, rfc5952(got), text)
                if got.ipv4_mapped is not None:
                    stats["mapped"] += 1
                    # Difference: RFC 5952 dotted form, whatever str() gives.
                    self.assertTrue(formatted.startswith("::ffff:") and formatted.count(".") == 3)
            else:
                self.assertEqual(formatted, str(expect), text)
            # Round trip through the canonical text.
            self.assertEqual(clusterip.parse_address(formatted), got)
        # The generator must exercise every branch, or the test proves little.
        for key, value in stats.items():
            self.assertGreater(value, 100 if key != "legacy" else 10, "too few %s inputs: %s" % (key, stats))


if __name__ == "__main__":
    unittest.main()
