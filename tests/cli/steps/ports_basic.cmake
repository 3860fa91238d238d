# SPDX-License-Identifier: Apache-2.0
# clusterip ports: the default node-port range, RangeAllocation data, and a
# MIN+OFFSET range filled up.
step(EXIT 0 ARGS ports init 30000-32767 --state p --seed 1)
step(EXIT 0 ARGS ports allocate --state p 30000 STDOUT ports_30000.out)
step(EXIT 0 ARGS ports export-k8s --state p STDOUT ports_export.out)
step(EXIT 0 ARGS ports show --state p STDOUT ports_show.out)
step(EXIT 0 ARGS ports show --state p --json STDOUT ports_show.json)
# allocate -n prefers the dynamic band, 30086-32767.
step(EXIT 0 ARGS ports allocate --state p --seed 1 -n 2 SAVE_STDOUT next
  LINES_MATCH "^(300[89][6-9]|30[1-9][0-9][0-9]|3[12][0-9][0-9][0-9]|32[0-6][0-9][0-9]|327[0-5][0-9]|3276[0-7])$")
step(EXIT 0 ARGS ports show --state p STDOUT ports_show_3.out)
read_lines(next next)
step(EXIT 0 ARGS ports release --state p ${next})
step(EXIT 0 ARGS ports list --state p STDOUT ports_30000.out)
copy_file(p before)
step(EXIT 1 ARGS ports allocate --state p 30001 30000
  STDERR_MATCHES "^clusterip ports: cannot allocate 30000: already allocated\n$")
step(EXIT 1 ARGS ports allocate --state p 32768
  STDERR_MATCHES "^clusterip ports: cannot allocate 32768: not in range\n$")
step(EXIT 1 ARGS ports allocate --state p 3e4
  STDERR_MATCHES "^clusterip ports: invalid port '3e4': not a port number\n$")
step(EXIT 1 ARGS ports import-k8s --state p --range 30000-32768 --data AQ==
  STDERR_MATCHES "^clusterip ports: cannot import range '30000-32768' into p \\(30000-32767\\): snapshot is of another range\n$")
same_file(p before)
step(EXIT 0 ARGS ports release --state p 30000 29999
  STDERR_MATCHES "^clusterip ports: warning: 29999 was not allocated \\(not in range\\); nothing to do\n$")
step(EXIT 0 ARGS ports import-k8s --state p --range 30000-32767 --data Ag==)
step(EXIT 0 ARGS ports list --state p STDOUT ports_30001.out)

# 30000+9 is ten ports: no static band (size <= 16).
step(EXIT 0 ARGS ports init 30000+9 --state q --seed 1)
step(EXIT 0 ARGS ports show --state q STDOUT ports_offset_show.out)
step(EXIT 0 ARGS ports allocate --state q --seed 2 -n 10 SAVE_STDOUT all
  LINES_MATCH "^3000[0-9]$")
step(EXIT 0 ARGS ports list --state q STDOUT ports_offset_all.out)
step(EXIT 1 ARGS ports allocate --state q --seed 2
  STDERR_MATCHES "^clusterip ports: cannot allocate a port: range is full\n$")
step(EXIT 1 ARGS ports allocate --state q --seed 2 -n 2
  STDERR_MATCHES "^clusterip ports: cannot allocate port 1 of 2: range is full\n$")
step(EXIT 0 ARGS ports export-k8s --state q STDOUT ports_offset_export.out)
step(EXIT 1 ARGS ports init 30000-29999 --state r
  STDERR_MATCHES "^clusterip ports: invalid port range '30000-29999': [^\n]+\n$")
