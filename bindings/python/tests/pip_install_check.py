# SPDX-License-Identifier: Apache-2.0
"""Installs the package with pip, offline and without dependencies, into a
scratch directory, then imports it from there in a fresh interpreter (with
the source tree kept off the path) and checks that the installed copy is
the one used and that it works.

usage: pip_install_check.py <bindings/python> <scratch dir>
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

CHECK = r"""
import os, sys
import clusterip
here = os.path.dirname(clusterip.__file__)
assert here.startswith(sys.argv[1]), here
assert os.path.exists(os.path.join(here, "py.typed"))
r = clusterip.Range("10.96.0.0/28", seed=1)
a = r.allocate_next()
assert a in r and r.used() == 1
print("installed", clusterip.__version__, "library", clusterip.version(), "allocated", a)
"""


def main() -> int:
    src, scratch = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    target = os.path.join(scratch, "site")
    env = dict(os.environ, PIP_NO_INPUT="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-index", "--no-deps", "--no-cache-dir",
         "--target", target, src],
        check=True, env=env, cwd=scratch,
    )
    dist = [d for d in os.listdir(target) if d.endswith(".dist-info")]
    if len(dist) != 1 or not os.path.exists(os.path.join(target, dist[0], "RECORD")):
        print("no dist-info with a RECORD in %s: %s" % (target, os.listdir(target)))
        return 1
    env["PYTHONPATH"] = target
    proc = subprocess.run([sys.executable, "-c", CHECK, target], env=env, cwd=scratch,
                          stdout=subprocess.PIPE, universal_newlines=True)
    sys.stdout.write(proc.stdout)
    if proc.returncode != 0 or not proc.stdout.startswith("installed "):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
