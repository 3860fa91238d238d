# SPDX-License-Identifier: Apache-2.0
"""The in-tree PEP 517 backend builds a valid pure-Python wheel (RECORD
digests and sizes match, metadata from pyproject.toml) and an sdist."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import os
import tarfile
import tempfile
import unittest
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_backend():
    spec = importlib.util.spec_from_file_location("cip_build", os.path.join(ROOT, "_backend", "cip_build.py"))
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod


class BackendTest(unittest.TestCase):
    def setUp(self) -> None:
        self.backend = load_backend()
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def test_no_build_requirements(self) -> None:
        self.assertEqual(self.backend.get_requires_for_build_wheel(), [])
        self.assertEqual(self.backend.get_requires_for_build_sdist(), [])
        with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
            text = f.read()
        self.assertIn("requires = []", text)
        self.assertIn('backend-path = ["_backend"]', text)

    def test_wheel(self) -> None:
        import clusterip

        name = self.backend.build_wheel(self.tmp.name)
        self.assertEqual(name, "clusterip-%s-py3-none-any.whl" % clusterip.__version__)
        with zipfile.ZipFile(os.path.join(self.tmp.name, name)) as zf:
            names = zf.namelist()
            info = "clusterip-%s.dist-info" % clusterip.__version__
            for required in ("clusterip/__init__.py", "clusterip/py.typed", "clusterip/_native.py",
                             info + "/METADATA", info + "/WHEEL", info + "/RECORD"):
                self.assertIn(required, names)
            self.assertFalse([n for n in names if n.endswith(".pyc") or n.startswith("tests/")])
            rows = [line.split(",") for line in zf.read(info + "/RECORD").decode().splitlines()]
            self.assertEqual(sorted(r[0] for r in rows), sorted(names))
            for path, digest, size in rows:
                if path.endswith("RECORD"):
                    self.assertEqual((digest, size), ("", ""))
                    continue
                data = zf.read(path)
                expect = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                self.assertEqual(digest, "sha256=" + expect, path)
                self.assertEqual(int(size), len(data), path)
            meta = zf.read(info + "/METADATA").decode()
            self.assertIn("Name: clusterip\n", meta)
            self.assertIn("Version: %s\n" % clusterip.__version__, meta)
            wheel = zf.read(info + "/WHEEL").decode()
            self.assertIn("Root-Is-Purelib: true", wheel)
            self.assertIn("Tag: py3-none-any", wheel)

    def test_metadata_hook(self) -> None:
        info = self.backend.prepare_metadata_for_build_wheel(self.tmp.name)
        self.assertTrue(os.path.exists(os.path.join(self.tmp.name, info, "METADATA")))

    def test_sdist(self) -> None:
        name = self.backend.build_sdist(self.tmp.name)
        with tarfile.open(os.path.join(self.tmp.name, name)) as tf:
            names = tf.getnames()
        base = name[: -len(".tar.gz")]
        for required in ("pyproject.toml", "PKG-INFO", "_backend/cip_build.py", "clusterip/__init__.py",
                         "tests/layout.c"):
            self.assertIn(base + "/" + required, names)


if __name__ == "__main__":
    unittest.main()
