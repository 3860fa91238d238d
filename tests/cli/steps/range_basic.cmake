# SPDX-License-Identifier: Apache-2.0
# clusterip range: init, allocate (next and given), all-or-nothing failures,
# release, show, list. Which addresses allocate -n picks depends on the
# library's random source (range.seed checks that a seed fixes them); that
# they come from the dynamic band does not.
set(dynamic "^10\\.0\\.0\\.(1[7-9]|[2-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-4])$")
step(EXIT 0 ARGS range init 10.0.0.0/24 --state s --seed 1)
step(EXIT 0 ARGS range allocate --state s --seed 1 -n 3 SAVE_STDOUT next LINES_MATCH "${dynamic}")
read_lines(next next)
list(REMOVE_DUPLICATES next)
list(LENGTH next n)
if(NOT n EQUAL 3)
  step_failed("allocate -n 3 gave ${n} distinct addresses: ${next}")
endif()
step(EXIT 0 ARGS range allocate --state=s 10.0.0.5 10.0.0.1 STDOUT range_allocate_given.out)

# Failures leave the file byte-identical and print nothing on stdout.
copy_file(s before)
step(EXIT 1 ARGS range allocate --state s 10.0.0.7 10.0.0.5
  STDERR_MATCHES "^clusterip range: cannot allocate 10\\.0\\.0\\.5: already allocated\n$")
same_file(s before)
step(EXIT 1 ARGS range allocate --state s 10.0.0.255
  STDERR_MATCHES "^clusterip range: cannot allocate 10\\.0\\.0\\.255: not in range\n$")
step(EXIT 1 ARGS range allocate --state s 10.0.0.8 fd00::1
  STDERR_MATCHES "^clusterip range: cannot allocate fd00::1: wrong address family\n$")
step(EXIT 1 ARGS range allocate --state s 10.0.0.8 10.0.0.256
  STDERR_MATCHES "^clusterip range: invalid address '10\\.0\\.0\\.256': [^\n]+ at byte 7\n$")
step(EXIT 1 ARGS range allocate --state s 10.0.0.9 10.0.0.9
  STDERR_MATCHES "^clusterip range: cannot allocate 10\\.0\\.0\\.9: already allocated\n$")
same_file(s before)
step(EXIT 0 ARGS range list --state s SAVE_STDOUT list LINES_MATCH "^10\\.0\\.0\\.[0-9]+$")
read_lines(list list)
set(want 10.0.0.1 10.0.0.5 ${next})
list(SORT want COMPARE NATURAL)
if(NOT list STREQUAL want)
  step_failed("list gave '${list}', expected '${want}'")
endif()

# Releasing something that is not allocated is a warning, and no write.
step(EXIT 0 ARGS range release --state s 10.0.0.42 192.168.0.1
  STDERR_MATCHES "^clusterip range: warning: 10\\.0\\.0\\.42 was not allocated; nothing to do\nclusterip range: warning: 192\\.168\\.0\\.1 was not allocated \\(not in range\\); nothing to do\n$")
same_file(s before)
step(EXIT 0 ARGS range release --state s 10.0.0.5 10.0.0.5
  STDERR_MATCHES "^clusterip range: warning: 10\\.0\\.0\\.5 was not allocated; nothing to do\n$")
step(EXIT 0 ARGS range show --state s STDOUT range_show.out)
step(EXIT 0 ARGS range show --json --state s STDOUT range_show.json)
step(EXIT 0 ARGS range release --state s ${next})
step(EXIT 0 ARGS range list --state s STDOUT range_list_1.out)

# init refuses to replace a file unless --force.
copy_file(s before)
step(EXIT 1 ARGS range init 10.1.0.0/16 --state s
  STDERR_MATCHES "^clusterip range: s already exists \\(--force replaces it\\)\n$")
same_file(s before)
step(EXIT 0 ARGS range init 10.1.0.0/16 --state s --force --static-band off)
step(EXIT 0 ARGS range show --state s STDOUT range_show_16_off.out)
step(EXIT 1 ARGS range init 10.0.0.1/24 --state u
  STDERR_MATCHES "^clusterip range: invalid CIDR '10\\.0\\.0\\.1/24': [^\n]+ \\(did you mean 10\\.0\\.0\\.0/24\\?\\)\n$")
step(EXIT 1 ARGS range init 10.0.0.0/31 --state u
  STDERR_MATCHES "^clusterip range: cannot create a range for 10\\.0\\.0\\.0/31: not in range\n$")
step(EXIT 1 ARGS range list --state u
  STDERR_MATCHES "^clusterip range: cannot open state file u: [^\n]+\n$")
