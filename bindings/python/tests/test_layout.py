# SPDX-License-Identifier: Apache-2.0
"""The ctypes structs mirror the C structs exactly: sizes, alignments and
every field's offset and size, as printed by tests/layout.c (built by the
CMakeLists against the public headers; its path is in CLUSTERIP_LAYOUT)."""

from __future__ import annotations

import ctypes
import os
import subprocess
import unittest

from clusterip import _native as N


def c_layout():
    exe = os.environ.get("CLUSTERIP_LAYOUT")
    if not exe:
        raise unittest.SkipTest("CLUSTERIP_LAYOUT (the layout program) is not set")
    out = subprocess.run([exe], check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout
    structs, fields = {}, {}
    for line in out.splitlines():
        parts = line.split()
        if parts[0] == "struct":
            structs[parts[1]] = (int(parts[2]), int(parts[3]))
        else:
            fields[(parts[1], parts[2])] = (int(parts[3]), int(parts[4]))
    return structs, fields


class LayoutTest(unittest.TestCase):
    def test_every_struct_and_field_matches_c(self) -> None:
        structs, fields = c_layout()
        self.assertEqual(set(structs), set(N.STRUCTS))
        seen = set()
        for name, cls in N.STRUCTS.items():
            with self.subTest(struct=name):
                self.assertEqual((ctypes.sizeof(cls), ctypes.alignment(cls)), structs[name])
                for fname, ftype in cls._fields_:
                    seen.add((name, fname))
                    desc = getattr(cls, fname)
                    self.assertEqual((desc.offset, desc.size), fields[(name, fname)], "%s.%s" % (name, fname))
                    self.assertEqual(ctypes.sizeof(ftype), desc.size)
        self.assertEqual(seen, set(fields))

    def test_frozen_value_type_sizes(self) -> None:
        # The sizes the headers promise for the frozen value types.
        for cls, size in ((N.cip_addr, 20), (N.cip_prefix, 24), (N.cip_u128, 16), (N.cip_band_stats, 56),
                          (N.cip_port_range, 8), (N.cip_endpoint, 40), (N.cip_select_request, 64),
                          (N.cip_backend, 56)):
            self.assertEqual(ctypes.sizeof(cls), size, cls.__name__)


if __name__ == "__main__":
    unittest.main()
