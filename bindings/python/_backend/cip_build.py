# SPDX-License-Identifier: Apache-2.0
"""A PEP 517 build backend for the clusterip package, standard library only.

It builds a pure-Python wheel (``clusterip-<v>-py3-none-any.whl`` with
METADATA, WHEEL, top_level.txt and a RECORD of sha256 digests) and an sdist,
so that ``pip install bindings/python`` needs no network access (pip's build
isolation would otherwise download setuptools). The name, version,
description and Python requirement come from pyproject.toml.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile
from typing import Any, Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "clusterip"
SDIST_EXTRA = ("pyproject.toml", "README.md", "CMakeLists.txt")
SDIST_DIRS = (PACKAGE, "_backend", "tests", "examples")
# Fixed timestamp (1980-01-01 is the zip minimum) for reproducible archives.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _project() -> Dict[str, str]:
    """The [project] table's string fields of pyproject.toml."""
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        data = f.read().decode("utf-8")
    try:
        import tomllib  # Python 3.11+

        table = tomllib.loads(data).get("project", {})
        return {k: v for k, v in table.items() if isinstance(v, str)}
    except ImportError:
        out: Dict[str, str] = {}
        section = None
        for line in data.splitlines():
            m = re.match(r"\s*\[([^\]]+)\]", line)
            if m:
                section = m.group(1).strip()
                continue
            m = re.match(r'\s*([A-Za-z0-9_-]+)\s*=\s*"([^"]*)"', line)
            if m and section == "project":
                out[m.group(1)] = m.group(2)
        return out


def _names() -> Tuple[str, str]:
    p = _project()
    return p["name"], p["version"]


def _metadata() -> str:
    p = _project()
    lines = [
        "Metadata-Version: 2.1",
        "Name: %s" % p["name"],
        "Version: %s" % p["version"],
        "Summary: %s" % p.get("description", ""),
        "License: Apache-2.0",
        "Classifier: License :: OSI Approved :: Apache Software License",
        "Classifier: Programming Language :: Python :: 3",
        "Classifier: Typing :: Typed",
    ]
    if "requires-python" in p:
        lines.append("Requires-Python: %s" % p["requires-python"])
    readme = os.path.join(ROOT, "README.md")
    text = ""
    if os.path.exists(readme):
        lines.append("Description-Content-Type: text/markdown")
        with open(readme, encoding="utf-8") as f:
            text = f.read()
    return "\n".join(lines) + "\n\n" + text


def _wheel_file() -> str:
    return "Wheel-Version: 1.0\nGenerator: cip_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def _package_files() -> List[str]:
    """Paths (relative to ROOT, '/'-separated) of the package's files."""
    out = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, PACKAGE)):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".py", ".typed")):
                full = os.path.join(dirpath, name)
                out.append(os.path.relpath(full, ROOT).replace(os.sep, "/"))
    return out


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _dist_info(name: str, version: str) -> str:
    return "%s-%s.dist-info" % (name.replace("-", "_"), version)


def _write_metadata_dir(directory: str) -> str:
    name, version = _names()
    info = _dist_info(name, version)
    os.makedirs(os.path.join(directory, info), exist_ok=True)
    with open(os.path.join(directory, info, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_metadata())
    with open(os.path.join(directory, info, "WHEEL"), "w", encoding="utf-8") as f:
        f.write(_wheel_file())
    return info


# PEP 517 hooks ------------------------------------------------------------


def get_requires_for_build_wheel(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


def get_requires_for_build_sdist(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: Optional[Dict[str, Any]] = None
) -> str:
    return _write_metadata_dir(metadata_directory)


def build_wheel(
    wheel_directory: str,
    config_settings: Optional[Dict[str, Any]] = None,
    metadata_directory: Optional[str] = None,
) -> str:
    name, version = _names()
    info = _dist_info(name, version)
    filename = "%s-%s-py3-none-any.whl" % (name.replace("-", "_"), version)
    entries: List[Tuple[str, bytes]] = []
    for rel in _package_files():
        with open(os.path.join(ROOT, rel), "rb") as f:
            entries.append((rel, f.read()))
    entries.append((info + "/METADATA", _metadata().encode("utf-8")))
    entries.append((info + "/WHEEL", _wheel_file().encode("utf-8")))
    entries.append((info + "/top_level.txt", (PACKAGE + "\n").encode()))
    record = io.StringIO()
    for path, data in entries:
        record.write("%s,%s,%d\n" % (path, _record_hash(data), len(data)))
    record.write("%s/RECORD,,\n" % info)
    entries.append((info + "/RECORD", record.getvalue().encode("utf-8")))
    os.makedirs(wheel_directory, exist_ok=True)
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as zf:
        for path, data in entries:
            zi = zipfile.ZipInfo(path, _ZIP_TIME)
            zi.external_attr = 0o644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, data)
    return filename


def build_sdist(sdist_directory: str, config_settings: Optional[Dict[str, Any]] = None) -> str:
    name, version = _names()
    base = "%s-%s" % (name.replace("-", "_"), version)
    files: List[str] = [f for f in SDIST_EXTRA if os.path.exists(os.path.join(ROOT, f))]
    for top in SDIST_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for fn in sorted(filenames):
                if not fn.endswith(".pyc"):
                    files.append(os.path.relpath(os.path.join(dirpath, fn), ROOT).replace(os.sep, "/"))
    pkg_info = _metadata().encode("utf-8")
    os.makedirs(sdist_directory, exist_ok=True)
    filename = base + ".tar.gz"
    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz", format=tarfile.PAX_FORMAT) as tf:
        def add(arcname: str, data: bytes) -> None:
            ti = tarfile.TarInfo(base + "/" + arcname)
            ti.size = len(data)
            ti.mtime = mtime
            ti.mode = 0o644
            tf.addfile(ti, io.BytesIO(data))

        for rel in files:
            with open(os.path.join(ROOT, rel), "rb") as f:
                add(rel, f.read())
        add("PKG-INFO", pkg_info)
    return filename


