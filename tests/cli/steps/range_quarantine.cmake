# SPDX-License-Identifier: Apache-2.0
# Quarantine across runs: a /30 without a static band has two addresses;
# after one is released, allocate -n finds the range full until the
# quarantine (60 s of CLUSTERIP_NOW_NS) has passed.
set(ENV{CLUSTERIP_NOW_NS} 1700000000000000000)
step(EXIT 0 ARGS range init 10.0.0.0/30 --state s --seed 1 --static-band off --quarantine 60)
step(EXIT 0 ARGS range allocate --state s --seed 1 -n 2 SAVE_STDOUT both
  LINES_MATCH "^10\\.0\\.0\\.[12]$")
step(EXIT 0 ARGS range list --state s STDOUT range_quarantine_both.out)
step(EXIT 0 ARGS range release --state s 10.0.0.1)
step(EXIT 0 ARGS range show --state s STDOUT range_quarantine_show.out)
step(EXIT 0 ARGS range list --state s STDOUT range_quarantine_list.out)
copy_file(s before)

set(ENV{CLUSTERIP_NOW_NS} 1700000030000000000)
step(EXIT 1 ARGS range allocate --state s --seed 1
  STDERR_MATCHES "^clusterip range: cannot allocate an address: range is full\n$")
step(EXIT 0 ARGS range release --state s 10.0.0.1
  STDERR_MATCHES "^clusterip range: warning: 10\\.0\\.0\\.1 was not allocated; nothing to do\n$")
set(ENV{CLUSTERIP_NOW_NS} 1700000059000000000)
step(EXIT 1 ARGS range allocate --state s --seed 1 -n 1
  STDERR_MATCHES "^clusterip range: cannot allocate an address: range is full\n$")
step(EXIT 0 ARGS range show --state s STDOUT range_quarantine_show.out)
same_file(s before)

# Past the quarantine: the address is available again.
set(ENV{CLUSTERIP_NOW_NS} 1700000061000000000)
step(EXIT 0 ARGS range show --state s STDOUT range_quarantine_over.out)
step(EXIT 0 ARGS range allocate --state s --seed 1 STDOUT range_quarantine_again.out)
step(EXIT 1 ARGS range allocate --state s --seed 1
  STDERR_MATCHES "^clusterip range: cannot allocate an address: range is full\n$")

# A requested address may be taken out of quarantine.
step(EXIT 0 ARGS range release --state s 10.0.0.2)
step(EXIT 0 ARGS range allocate --state s 10.0.0.2 STDOUT range_quarantine_2.out)

set(ENV{CLUSTERIP_NOW_NS} 17e9)
step(EXIT 2 ARGS range list --state s
  STDERR_MATCHES "^clusterip range list: invalid CLUSTERIP_NOW_NS \\(nanoseconds expected\\) '17e9'\n")
