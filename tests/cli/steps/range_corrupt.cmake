# SPDX-License-Identifier: Apache-2.0
# Damaged and foreign state files are rejected with one line, exit 1, and
# left as they are.
step(EXIT 0 ARGS range init 10.0.0.0/24 --state s --seed 1)
step(EXIT 0 ARGS range allocate --state s 10.0.0.1 10.0.0.10 STDOUT range_k8s_1_10.txt)
step(EXIT 0 ARGS ports init 30000-32767 --state p --seed 1)

set(corrupt "snapshot data is corrupt\n$")
foreach(n 0 1 8 -1 -8)
  copy_file(s t${n})
  truncate_file(t${n} ${n})
  step(EXIT 1 ARGS range list --state t${n} STDERR_MATCHES "^clusterip range: t${n}: ${corrupt}")
endforeach()
foreach(offset 0 7 8 16 40 -20 -1)
  copy_file(s f${offset})
  flip_byte(f${offset} ${offset})
  copy_file(f${offset} g${offset})
  step(EXIT 1 ARGS range allocate --state f${offset} 10.0.0.2
    STDERR_MATCHES "^clusterip range: f${offset}: [^\n]+\n$")
  same_file(f${offset} g${offset})
  step(EXIT 1 ARGS range show --state f${offset}
    STDERR_MATCHES "^clusterip range: f${offset}: [^\n]+\n$")
endforeach()
write_file(text "10.0.0.0/24\n")
step(EXIT 1 ARGS range show --state text STDERR_MATCHES "^clusterip range: text: ${corrupt}")
step(EXIT 1 ARGS range list --state . STDERR_MATCHES "^clusterip range: \\.: not a regular file\n$")

# A ports file is no range file, and the reverse.
step(EXIT 1 ARGS range list --state p
  STDERR_MATCHES "^clusterip range: p: not a service IP range state file \\([^\n]+\\)\n$")
step(EXIT 1 ARGS ports list --state s
  STDERR_MATCHES "^clusterip ports: s: not a node-port range state file \\([^\n]+\\)\n$")
step(EXIT 0 ARGS range list --state s STDOUT range_k8s_1_10.txt)
