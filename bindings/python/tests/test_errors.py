# SPDX-License-Identifier: Apache-2.0
"""Loading, version and the mapping of every error code to its class."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import clusterip
from clusterip import _native as N
from clusterip import errors as E

PYPROJECT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pyproject.toml")

EXPECTED = {
    -1: ("CIP_EINVAL", E.InvalidArgument, ValueError),
    -2: ("CIP_ENOMEM", E.OutOfMemory, MemoryError),
    -3: ("CIP_ESYNTAX", E.InvalidSyntax, ValueError),
    -4: ("CIP_EFAMILY", E.WrongFamily, ValueError),
    -5: ("CIP_ERANGE", E.OutOfRange, ValueError),
    -6: ("CIP_EFULL", E.RangeFull, E.ClusterIPError),
    -7: ("CIP_EALLOCATED", E.AlreadyAllocated, E.ClusterIPError),
    -8: ("CIP_ENOTFOUND", E.NotFound, LookupError),
    -9: ("CIP_EEXIST", E.AlreadyExists, E.ClusterIPError),
    -10: ("CIP_ESNAPSHOT_MISMATCH", E.SnapshotMismatch, E.SnapshotError),
    -11: ("CIP_ESNAPSHOT_CORRUPT", E.SnapshotCorrupt, E.SnapshotError),
    -12: ("CIP_EBUFSIZE", E.BufferTooSmall, E.ClusterIPError),
    -13: ("CIP_EUNSUPPORTED", E.Unsupported, E.ClusterIPError),
    -14: ("CIP_EZONE", E.ZoneNotAllowed, ValueError),
    -15: ("CIP_EHOSTBITS", E.HostBitsSet, ValueError),
    -16: ("CIP_EOVERFLOW", E.Overflow, OverflowError),
    -17: ("CIP_ENOTALLOCATED", E.NotAllocated, E.ClusterIPError),
    -18: ("CIP_EQUARANTINED", E.Quarantined, E.ClusterIPError),
    -19: ("CIP_ELIMIT", E.LimitReached, E.ClusterIPError),
    -20: ("CIP_ENOBACKEND", E.NoBackend, E.ClusterIPError),
    -21: ("CIP_ENAME", E.InvalidName, ValueError),
    -22: ("CIP_ESPEC", E.InvalidSpec, ValueError),
    -23: ("CIP_EDROP", E.Dropped, E.ClusterIPError),
}


class ErrorMappingTest(unittest.TestCase):
    def test_each_code_maps_to_its_class(self) -> None:
        classes = set()
        for code, (name, cls, base) in EXPECTED.items():
            with self.subTest(code=code):
                exc = E.make_error(code)
                self.assertIs(type(exc), cls)
                self.assertIsInstance(exc, base)
                self.assertIsInstance(exc, clusterip.ClusterIPError)
                self.assertEqual(exc.code, code)
                self.assertEqual(exc.name, name)
                self.assertEqual(exc.name, clusterip.error_name(code))
                self.assertEqual(exc.message, N.lib.cip_strerror(code).decode())
                self.assertEqual(str(exc), exc.message)
                self.assertEqual(E.error_class(code), cls)
                classes.add(cls)
        self.assertEqual(len(classes), len(EXPECTED), "two codes share a class")

    def test_parse_error_classes_are_both(self) -> None:
        for code in (-3, -4, -14, -15, -5, -1):
            cls = E.parse_error_class(code)
            self.assertTrue(issubclass(cls, E.ParseError))
            self.assertTrue(issubclass(cls, E.error_class(code)))
            self.assertIs(cls, E.parse_error_class(code))

    def test_unknown_and_success_codes(self) -> None:
        exc = E.make_error(-9999)
        self.assertIsInstance(exc, E.UnknownError)
        self.assertEqual(exc.name, "CIP_EUNKNOWN")
        self.assertEqual(clusterip.error_name(0), "CIP_OK")
        self.assertEqual(clusterip.strerror(0), "success")
        self.assertNotEqual(clusterip.strerror(-9999), "")

    def test_check(self) -> None:
        self.assertEqual(E.check(5), 5)
        with self.assertRaises(E.RangeFull) as cm:
            E.check(-6, "detail")
        self.assertEqual(cm.exception.detail, "detail")
        self.assertIn("detail", str(cm.exception))

    def test_raised_by_real_calls(self) -> None:
        # A few codes observed from the library itself, not only mapped.
        with self.assertRaises(E.InvalidArgument) as cm:
            clusterip.address_from_bytes(4, b"\x01\x02")
        self.assertEqual(cm.exception.code, -1)
        with self.assertRaises(E.Overflow):
            clusterip.address_add("255.255.255.255", 1)
        with self.assertRaises(E.HostBitsSet) as cm2:
            clusterip.parse_prefix("10.0.0.1/8")
        self.assertEqual(str(cm2.exception.network), "10.0.0.0/8")


class VersionTest(unittest.TestCase):
    def test_version(self) -> None:
        major, minor, patch = N.version_tuple()
        self.assertEqual(major, N.ABI_MAJOR)
        self.assertEqual(clusterip.version(), "%d.%d.%d" % (major, minor, patch))
        self.assertEqual(clusterip.version_number(), major * 10000 + minor * 100 + patch)
        self.assertGreaterEqual((major, minor), N.EXPECTED_VERSION[:2])
        self.assertEqual(N.LIBRARY_NAME, "libclusterip.so.%d" % N.ABI_MAJOR)

    def test_package_version_matches_pyproject(self) -> None:
        with open(PYPROJECT, encoding="utf-8") as f:
            text = f.read()
        self.assertIn('version = "%s"' % clusterip.__version__, text)

    def test_bad_library_path_fails_to_import(self) -> None:
        env = dict(os.environ, CLUSTERIP_LIBRARY="/nonexistent/libclusterip.so.0")
        proc = subprocess.run(
            [sys.executable, "-c", "import clusterip"], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
        )
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("LibraryLoadError", proc.stderr)
        self.assertIn("CLUSTERIP_LIBRARY", proc.stderr)

    def test_library_from_the_build_tree(self) -> None:
        # Without CLUSTERIP_LIBRARY and with nothing installed, the package
        # of a source checkout loads the library of its build tree.
        with tempfile.TemporaryDirectory() as tmp:
            pkg = os.path.join(tmp, "bindings", "python")
            shutil.copytree(os.path.dirname(os.path.abspath(clusterip.__file__)),
                            os.path.join(pkg, "clusterip"))
            os.makedirs(os.path.join(tmp, "include", "clusterip"))
            open(os.path.join(tmp, "include", "clusterip", "clusterip.h"), "w").close()
            lib_dir = os.path.join(tmp, *N.BUILD_TREE_DIRS[1].split("/"))
            os.makedirs(lib_dir)
            shutil.copy(N.library_path, os.path.join(lib_dir, N.LIBRARY_NAME))
            env = {k: v for k, v in os.environ.items() if k not in ("CLUSTERIP_LIBRARY", "LD_LIBRARY_PATH")}
            env["PYTHONPATH"] = pkg

            def run(code: str) -> "subprocess.CompletedProcess[str]":
                return subprocess.run(
                    [sys.executable, "-c", code], env=env,
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                )

            proc = run("import clusterip; print(clusterip.library_path)")
            # An installed library comes first.
            installed = run("import ctypes; ctypes.CDLL(%r)" % N.LIBRARY_NAME).returncode == 0
        self.assertEqual(proc.returncode, 0, proc.stderr)
        want = N.LIBRARY_NAME if installed else os.path.join(lib_dir, N.LIBRARY_NAME)
        self.assertEqual(proc.stdout.strip(), want)


if __name__ == "__main__":
    unittest.main()
