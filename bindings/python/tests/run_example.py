# SPDX-License-Identifier: Apache-2.0
"""Runs one example and checks its output.

usage: run_example.py <example.py> <scratch dir>
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

# Lines each example must print (regular expressions, in order).
EXPECTED = {
    "controller.py": [
        r"^service kube-system/kube-dns clusterIPs=10\.96\.0\.10$",
        r"^service default/web clusterIPs=10\.96\.\d+\.\d+,fd00:10:96::[0-9a-f]+$",
        r"^service default/shop clusterIPs=10\.96\.\d+\.\d+ nodePorts=3\d{4}$",
        r"^RangeAllocation range=10\.96\.0\.0/16 data=\d+ bytes, 3 bits set$",
        r"^persisted 2 range snapshots and the node ports to .+state\.json$",
        r"^reloaded 10\.96\.0\.0/16: 10\.96\.0\.10 10\.96\.\S+ 10\.96\.\S+$",
        r"^reloaded fd00:10:96::/112: fd00:10:96::[0-9a-f]+$",
        r"^10\.96\.0\.10 is still taken after the reload$",
        r"^next ClusterIP after reload: 10\.96\.\d+\.\d+ \(new: True\)$",
        r"^controller: OK$",
    ],
    "proxy.py": [
        r"^10\.96\.0\.20:80 from 192\.0\.2\.1 -> default/web 10\.244\.[012]\.10:8080$",
        r"^10\.96\.0\.30:6379 from 192\.0\.2\.1 -> default/cache 10\.244\.[01]\.20:6379 \(affinity\)$",
        r"^10\.96\.0\.20:443 from 192\.0\.2\.1 -> no service \(reject\)$",
        r"^10\.96\.0\.99:80 from 192\.0\.2\.1 -> no service \(reject\)$",
        r"^web spread: \[3, 3, 3\]$",
        r"^dns web\.default\.svc\.cluster\.local A 10\.96\.0\.20$",
        r"^proxy: OK$",
    ],
}


def main() -> int:
    example, scratch = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    args = [sys.executable, example]
    if os.path.basename(example) == "controller.py":
        args.append(os.path.join(scratch, "state.json"))
    proc = subprocess.run(args, stdout=subprocess.PIPE, universal_newlines=True, cwd=scratch)
    sys.stdout.write(proc.stdout)
    if proc.returncode != 0:
        print("exit status %d" % proc.returncode)
        return 1
    lines = proc.stdout.splitlines()
    pos = 0
    for pattern in EXPECTED[os.path.basename(example)]:
        while pos < len(lines) and not re.match(pattern, lines[pos]):
            pos += 1
        if pos == len(lines):
            print("missing (in order): %s" % pattern)
            return 1
        pos += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
