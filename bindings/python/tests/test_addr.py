# SPDX-License-Identifier: Apache-2.0
"""Every function of clusterip.addr (addr.h, and cip_u128_format)."""

from __future__ import annotations

import ipaddress
import unittest

import clusterip as c
from clusterip import errors as E

V4 = ipaddress.IPv4Address
V6 = ipaddress.IPv6Address
NET = ipaddress.ip_network


class ParseTest(unittest.TestCase):
    def test_parse_address(self) -> None:
        self.assertEqual(c.parse_address("10.0.0.1"), V4("10.0.0.1"))
        self.assertEqual(c.parse_address(b"2001:DB8::1"), V6("2001:db8::1"))
        self.assertEqual(c.parse_address("010.1.1.1", legacy=True), V4("10.1.1.1"))
        self.assertEqual(c.parse_address("::ffff:1.2.3.4"), V6("::ffff:1.2.3.4"))

    def test_parse_errors_carry_offset_and_reason(self) -> None:
        cases = [
            ("010.1.1.1", E.InvalidSyntax, 0, 4),  # LEADING_ZERO at the octet
            ("1.2.3.256", E.InvalidSyntax, 6, 5),  # OCTET_RANGE
            ("1.2.3", E.InvalidSyntax, 5, 6),  # TOO_FEW_PARTS at the end
            ("", E.InvalidSyntax, 0, 1),  # EMPTY
            ("1::2::3", E.InvalidSyntax, None, 9),  # MULTIPLE_ELLIPSIS
            ("fe80::1%eth0", E.ZoneNotAllowed, None, 12),
        ]
        for text, cls, offset, reason in cases:
            with self.subTest(text=text):
                with self.assertRaises(E.ParseError) as cm:
                    c.parse_address(text)
                exc = cm.exception
                self.assertIsInstance(exc, cls)
                self.assertEqual(exc.reason, reason)
                self.assertEqual(exc.reason_text, c.parse_reason_string(reason))
                self.assertEqual(exc.message, c.strerror(exc.code))
                if offset is not None:
                    self.assertEqual(exc.offset, offset)

    def test_family_restriction(self) -> None:
        with self.assertRaises(E.WrongFamily) as cm:
            c.parse_address("::1", family=4)
        self.assertIsInstance(cm.exception, E.ParseError)
        self.assertEqual(cm.exception.reason, 17)
        with self.assertRaises(E.WrongFamily):
            c.parse_address("1.2.3.4", family=6)
        self.assertEqual(c.parse_address("::1", family=6), V6("::1"))
        with self.assertRaises(ValueError):
            c.parse_address("::1", family=5)

    def test_nul_byte_and_types(self) -> None:
        with self.assertRaises(E.ParseError) as cm:
            c.parse_address("1.2.3.4\x00")
        self.assertEqual(cm.exception.reason, 3)
        self.assertEqual(cm.exception.offset, 7)
        with self.assertRaises(TypeError):
            c.parse_address(1234)  # type: ignore[arg-type]

    def test_parse_prefix(self) -> None:
        self.assertEqual(c.parse_prefix("10.96.0.0/12"), NET("10.96.0.0/12"))
        self.assertEqual(c.parse_prefix("10.96.0.1/12", mask=True), NET("10.96.0.0/12"))
        self.assertEqual(c.parse_prefix("10.0.0.0/08", legacy=True), NET("10.0.0.0/8"))
        with self.assertRaises(E.HostBitsSet) as cm:
            c.parse_prefix("10.96.0.1/12")
        self.assertEqual(cm.exception.network, NET("10.96.0.0/12"))
        self.assertEqual(cm.exception.reason, 16)
        with self.assertRaises(E.InvalidSyntax) as cm2:
            c.parse_prefix("10.0.0/8")
        self.assertEqual((cm2.exception.reason, cm2.exception.offset), (6, 6))
        with self.assertRaises(E.InvalidSyntax) as cm3:
            c.parse_prefix("10.0.0.0")
        self.assertEqual(cm3.exception.reason, 13)
        with self.assertRaises(E.WrongFamily):
            c.parse_prefix("fd00::/64", family=4)


class FormatTest(unittest.TestCase):
    def test_format_address(self) -> None:
        self.assertEqual(c.format_address("2001:0DB8:0:0:1:0:0:1"), "2001:db8::1:0:0:1")
        self.assertEqual(c.format_address(V6("::ffff:102:304")), "::ffff:1.2.3.4")
        self.assertEqual(c.format_address(V4("1.2.3.4")), "1.2.3.4")
        self.assertEqual(c.format_address("1:0:1:1:1:1:1:1"), "1:0:1:1:1:1:1:1")
        with self.assertRaises(E.ZoneNotAllowed):
            c.format_address(V6("fe80::1%eth0"))

    def test_format_prefix(self) -> None:
        self.assertEqual(c.format_prefix(NET("fd00:0:0::/48")), "fd00::/48")
        self.assertEqual(c.format_prefix("10.0.0.0/8"), "10.0.0.0/8")

    def test_reverse_name(self) -> None:
        self.assertEqual(c.reverse_name("10.1.2.3"), "3.2.1.10.in-addr.arpa")
        self.assertEqual(c.reverse_name("10.1.2.3", fqdn=True), "3.2.1.10.in-addr.arpa.")
        self.assertEqual(c.reverse_name("2001:db8::1"), V6("2001:db8::1").reverse_pointer)

    def test_u128_and_capacity(self) -> None:
        self.assertEqual(c.format_u128(0), "0")
        self.assertEqual(c.format_u128((1 << 128) - 1), str((1 << 128) - 1))
        with self.assertRaises(OverflowError):
            c.format_u128(1 << 128)
        self.assertEqual([c.text_capacity(k) for k in (1, 2, 3, 4)], [46, 50, 75, 40])
        self.assertEqual(c.text_capacity(99), 0)


class AddressMathTest(unittest.TestCase):
    def test_bytes_family_compare(self) -> None:
        self.assertEqual(c.address_from_bytes(4, b"\x0a\x00\x00\x01"), V4("10.0.0.1"))
        self.assertEqual(c.address_from_bytes(6, bytes(15) + b"\x01"), V6("::1"))
        with self.assertRaises(E.InvalidArgument):
            c.address_from_bytes(6, b"\x01\x02\x03\x04")
        self.assertEqual(c.address_family("1.2.3.4"), 4)
        self.assertEqual(c.address_family("::"), 6)
        self.assertEqual(c.compare_addresses("1.2.3.4", "::"), -1)
        self.assertEqual(c.compare_addresses("10.0.0.2", "10.0.0.1"), 1)
        self.assertEqual(c.compare_addresses("::1", V6("::1")), 0)
        self.assertTrue(c.addresses_equal("::1", V6("::1")))
        self.assertFalse(c.addresses_equal("0.0.0.1", "::1"))

    def test_mapped(self) -> None:
        self.assertTrue(c.is_v4_mapped("::ffff:1.2.3.4"))
        self.assertFalse(c.is_v4_mapped("1.2.3.4"))
        self.assertEqual(c.unmap("::ffff:1.2.3.4"), V4("1.2.3.4"))
        self.assertEqual(c.unmap("::1"), V6("::1"))

    def test_add_sub_offset(self) -> None:
        self.assertEqual(c.address_add("10.0.0.255", 1), V4("10.0.1.0"))
        self.assertEqual(c.address_add("::", (1 << 128) - 1), V6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))
        with self.assertRaises(E.Overflow):
            c.address_add("ffff::", 1 << 112)
        self.assertEqual(c.address_sub("10.0.1.0", 1), V4("10.0.0.255"))
        with self.assertRaises(E.Overflow):
            c.address_sub("0.0.0.0", 1)
        self.assertEqual(c.address_offset("10.0.0.0", "10.1.0.0"), 65536)
        with self.assertRaises(E.OutOfRange):
            c.address_offset("10.1.0.0", "10.0.0.0")
        with self.assertRaises(E.WrongFamily):
            c.address_offset("10.1.0.0", "::1")


class PrefixMathTest(unittest.TestCase):
    def test_from_address(self) -> None:
        self.assertEqual(c.prefix_from_address("10.1.2.0", 24), NET("10.1.2.0/24"))
        self.assertEqual(c.prefix_from_address("10.1.2.3", 24, mask=True), NET("10.1.2.0/24"))
        with self.assertRaises(E.HostBitsSet):
            c.prefix_from_address("10.1.2.3", 24)
        with self.assertRaises(E.InvalidArgument):
            c.prefix_from_address("10.1.2.3", 33)

    def test_contains_overlaps(self) -> None:
        self.assertTrue(c.prefix_contains("10.0.0.0/8", "10.9.9.9"))
        self.assertFalse(c.prefix_contains("10.0.0.0/8", "11.0.0.0"))
        self.assertFalse(c.prefix_contains("10.0.0.0/8", "::1"))
        self.assertTrue(c.prefix_overlaps("10.0.0.0/8", "10.1.0.0/16"))
        self.assertFalse(c.prefix_overlaps("10.0.0.0/16", "10.1.0.0/16"))

    def test_network_last_size_nth_offset(self) -> None:
        self.assertEqual(c.prefix_network("10.96.0.0/12"), V4("10.96.0.0"))
        self.assertEqual(c.prefix_last("10.96.0.0/12"), V4("10.111.255.255"))
        self.assertEqual(c.prefix_size("10.96.0.0/12"), 1 << 20)
        self.assertEqual(c.prefix_size("fd00::/64"), 1 << 64)
        with self.assertRaises(E.Overflow):
            c.prefix_size("::/0")
        self.assertEqual(c.prefix_nth("fd00::/64", 17), V6("fd00::11"))
        with self.assertRaises(E.OutOfRange):
            c.prefix_nth("10.0.0.0/30", 4)
        self.assertEqual(c.prefix_offset_of("fd00::/64", "fd00::11"), 17)
        with self.assertRaises(E.OutOfRange):
            c.prefix_offset_of("10.0.0.0/30", "10.0.0.4")

    def test_service_range_facts(self) -> None:
        self.assertEqual(c.service_range_usable("10.96.0.0/12"), (1 << 20) - 2)
        self.assertEqual(c.service_range_usable("fd00::/64"), (1 << 64) - 1)
        self.assertEqual(c.service_range_usable("fd00::/64", legacy_cap=True), 65535)
        self.assertEqual(c.service_range_usable("::/0"), (1 << 128) - 1)
        self.assertEqual(c.service_range_first("10.96.0.0/12"), V4("10.96.0.1"))
        self.assertEqual(c.service_range_last("10.96.0.0/12"), V4("10.111.255.254"))
        self.assertEqual(c.service_range_last("fd00::/64", legacy_cap=True), V6("fd00::ffff"))
        with self.assertRaises(E.OutOfRange):
            c.service_range_first("10.0.0.0/31")
        with self.assertRaises(E.OutOfRange):
            c.service_range_last("10.0.0.0/32")
        self.assertEqual(c.service_range_static_band("10.96.0.0/12"), 256)
        self.assertEqual(c.service_range_static_band("10.0.0.0/24"), 16)
        self.assertEqual(c.service_range_static_band("10.0.0.0/28"), 0)
        self.assertEqual(c.node_port_static_band(2768), 86)
        self.assertEqual(c.node_port_static_band(16), 0)
        with self.assertRaises(E.InvalidArgument):
            c.node_port_static_band(0)
        with self.assertRaises(E.InvalidArgument):
            c.node_port_static_band(65537)


if __name__ == "__main__":
    unittest.main()
