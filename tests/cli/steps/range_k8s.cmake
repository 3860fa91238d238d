# SPDX-License-Identifier: Apache-2.0
# clusterip range export-k8s and import-k8s: the RangeAllocation vectors of
# kubernetes.md §2.3 and strict decoding.
step(EXIT 0 ARGS range init 10.0.0.0/24 --state s --seed 1)
step(EXIT 0 ARGS range export-k8s --state s STDOUT range_k8s_none.out)
step(EXIT 0 ARGS range allocate --state s 10.0.0.1 10.0.0.10 STDOUT range_k8s_1_10.txt)
step(EXIT 0 ARGS range export-k8s --state s STDOUT range_k8s_1_10.out)
step(EXIT 0 ARGS range release --state s 10.0.0.1 10.0.0.10)
step(EXIT 0 ARGS range allocate --state s 10.0.0.5 STDOUT range_k8s_5.txt)
step(EXIT 0 ARGS range export-k8s --state s STDOUT range_k8s_5.out)

# Import replaces the allocations.
step(EXIT 0 ARGS range import-k8s --state s --range 10.0.0.0/24 --data AgE=)
step(EXIT 0 ARGS range list --state s STDOUT range_k8s_1_10.txt)
step(EXIT 0 ARGS range export-k8s --state s STDOUT range_k8s_1_10.out)
step(EXIT 0 ARGS range import-k8s --state s --range 10.0.0.0/24 --data=EA==)
step(EXIT 0 ARGS range list --state s STDOUT range_k8s_5.txt)

# Failures change nothing.
copy_file(s before)
step(EXIT 1 ARGS range import-k8s --state s --range 10.0.1.0/24 --data AgE=
  STDERR_MATCHES "^clusterip range: cannot import range '10\\.0\\.1\\.0/24' into s \\(10\\.0\\.0\\.0/24\\): snapshot is of another range\n$")
step(EXIT 1 ARGS range import-k8s --state s --range 10.0.0.0/24 --data AgE
  STDERR_MATCHES "^clusterip range: --data is not valid base64: length is not a multiple of 4 at byte 3\n$")
step(EXIT 1 ARGS range import-k8s --state s --range 10.0.0.0/24 --data "Ag E="
  STDERR_MATCHES "^clusterip range: --data is not valid base64: invalid character at byte 2\n$")
step(EXIT 1 ARGS range import-k8s --state s --range 10.0.0.0/24 --data AgE-
  STDERR_MATCHES "^clusterip range: --data is not valid base64: invalid character at byte 3\n$")
step(EXIT 1 ARGS range import-k8s --state s --range 10.0.0.0/24 --data A===
  STDERR_MATCHES "^clusterip range: --data is not valid base64: misplaced padding at byte 1\n$")
step(EXIT 1 ARGS range import-k8s --state s --range 10.0.0.0/24 --data AgF=
  STDERR_MATCHES "^clusterip range: --data is not valid base64: non-zero bits after the last byte at byte 2\n$")
step(EXIT 1 ARGS range import-k8s --state s --range 10.0.0.0/24 --data AQ==AQ==
  STDERR_MATCHES "^clusterip range: --data is not valid base64: misplaced padding at byte 2\n$")
# 33 bytes: set bits past the 254 addresses of the range.
step(EXIT 1 ARGS range import-k8s --state s --range 10.0.0.0/24
  --data AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
  STDERR_MATCHES "^clusterip range: cannot import range '10\\.0\\.0\\.0/24': snapshot data is corrupt\n$")
same_file(s before)

# Empty data: nothing allocated.
step(EXIT 0 ARGS range import-k8s --state s --range 10.0.0.0/24 --data=)
step(EXIT 0 ARGS range list --state s)
step(EXIT 0 ARGS range export-k8s --state s STDOUT range_k8s_none.out)
