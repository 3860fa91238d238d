# SPDX-License-Identifier: Apache-2.0
# Damaged and foreign state files, for "range" and "ports": truncated at
# every header field boundary and elsewhere, longer than their content, one
# bit flipped in the header, the payload, the quarantine or the checksum, a
# file of the other command, a Kubernetes RangeAllocation, random bytes, an
# empty file. Each is rejected with one line and exit 1, nothing on standard
# output, left byte-identical and without a temporary file; nothing is
# half-loaded: the intact files still give the same answers afterwards.

# One file of each kind, with allocations and a quarantine entry, so that
# every section of the format is present.
step(EXIT 0 ARGS range init 10.0.0.0/24 --state s --seed 1 --quarantine 3600)
step(EXIT 0 ARGS range allocate --state s 10.0.0.1 10.0.0.10 10.0.0.20 SAVE_STDOUT out)
step(EXIT 0 ARGS range release --state s 10.0.0.20)
step(EXIT 0 ARGS ports init 30000-32767 --state p --seed 1 --quarantine 3600)
step(EXIT 0 ARGS ports allocate --state p 30000 30100 SAVE_STDOUT out)
step(EXIT 0 ARGS ports release --state p 30100)
step(EXIT 0 ARGS range list --state s STDOUT range_k8s_1_10.txt)
step(EXIT 0 ARGS ports list --state p STDOUT ports_30000.out)

set(corrupt "snapshot data is corrupt")
set(newer "unsupported operation or value \\(written by a newer version\\?\\)")
# The file of each kind, an item and RangeAllocation data for each.
set(range_file s)
set(range_item 10.0.0.2)
set(range_import --range 10.0.0.0/24 --data AgE=)
set(ports_file p)
set(ports_item 30001)
set(ports_import --range 30000-32767 --data AQ==)

# reject(KIND NAME MESSAGE [ACTION...]): each action (default: allocate) of
# KIND on the file NAME fails with "clusterip KIND: NAME: MESSAGE" alone on
# standard error and leaves NAME byte-identical.
function(reject kind name message)
  set(actions ${ARGN})
  if(NOT actions)
    set(actions allocate)
  endif()
  # A digest, computed here: quicker than a comparison by another process.
  file(SHA256 ${CLI_WORK}/${name} before)
  foreach(action IN LISTS actions)
    set(args ${kind} ${action} --state ${name})
    if(action STREQUAL "release")
      list(APPEND args ${${kind}_item})
    elseif(action STREQUAL "import-k8s")
      list(APPEND args ${${kind}_import})
    endif()
    step(EXIT 1 ARGS ${args} STDERR_MATCHES "^clusterip ${kind}: ${name}: ${message}\n$")
    file(SHA256 ${CLI_WORK}/${name} after)
    if(NOT after STREQUAL before)
      step_failed("${name} was changed")
    endif()
  endforeach()
  no_temp_files()
  set(CLI_STEP ${CLI_STEP} PARENT_SCOPE)
endfunction()

set(all_actions allocate release import-k8s show list export-k8s)

foreach(kind range ports)
  set(good ${${kind}_file})
  file(SIZE ${CLI_WORK}/${good} size)
  math(EXPR checksum "${size} - 8")
  math(EXPR quarantine "${checksum} - 16")

  # Truncated: before and at every boundary of the 112-byte header, in the
  # payload, in the quarantine entry, in the checksum.
  set(lengths 0 1 2 4 7)
  foreach(boundary 8 10 12 16 17 18 20 24 40 48 56 64 72 76 80 88 96 104 112)
    math(EXPR before "${boundary} - 1")
    list(APPEND lengths ${before} ${boundary})
  endforeach()
  math(EXPR in_payload "112 + (${quarantine} - 112) / 2")
  math(EXPR in_quarantine "${quarantine} + 8")
  math(EXPR last "${size} - 1")
  list(APPEND lengths 113 120 ${in_payload} ${quarantine} ${in_quarantine} ${checksum} ${last})
  list(REMOVE_DUPLICATES lengths)
  foreach(n IN LISTS lengths)
    copy_file(${good} t${kind}${n})
    truncate_file(t${kind}${n} ${n})
    reject(${kind} t${kind}${n} "${corrupt}")
  endforeach()
  # The empty file, and one cut short in the payload, for every action.
  reject(${kind} t${kind}0 "${corrupt}" ${all_actions})
  reject(${kind} t${kind}${in_payload} "${corrupt}" ${all_actions})

  # Longer than its content.
  copy_file(${good} long${kind})
  file(APPEND ${CLI_WORK}/long${kind} "x")
  reject(${kind} long${kind} "${corrupt}")

  # One bit flipped: in every header field, the payload, the quarantine
  # entry and the checksum; bit 0-7 in turn, all eight at both ends.
  set(flips "")
  set(i 0)
  foreach(offset 1 3 7 8 9 10 11 12 13 15 16 17 18 19 20 23 24 31 32 39 40 47 48 55 56 63
      64 71 72 75 76 79 80 87 88 95 96 103 104 111 112 113 ${in_payload} ${quarantine}
      ${in_quarantine} ${checksum})
    math(EXPR bit "${i} % 8")
    math(EXPR i "${i} + 1")
    list(APPEND flips "${offset}:${bit}")
  endforeach()
  foreach(bit RANGE 7)
    list(APPEND flips "0:${bit}" "${last}:${bit}")
  endforeach()
  foreach(flip IN LISTS flips)
    string(REPLACE ":" ";" flip "${flip}")
    list(GET flip 0 offset)
    list(GET flip 1 bit)
    set(name f${kind}${offset}b${bit})
    copy_file(${good} ${name})
    flip_bit(${name} ${offset} ${bit})
    # The version, little-endian 1 at offset 8: any other bit makes it a
    # version from the future.
    set(message "${corrupt}")
    if(offset EQUAL 9 OR (offset EQUAL 8 AND NOT bit EQUAL 0))
      set(message "${newer}")
    endif()
    reject(${kind} ${name} "${message}")
  endforeach()
  # One in the header length and one in the checksum, for every action.
  foreach(offset 12 ${checksum})
    copy_file(${good} g${kind}${offset})
    flip_bit(g${kind}${offset} ${offset} 2)
    reject(${kind} g${kind}${offset} "${corrupt}" ${all_actions})
  endforeach()

  # Random bytes: all of them, after the magic (the version is then
  # anything), after the header.
  foreach(from 0 8 112)
    copy_file(${good} r${kind}${from})
    scramble_file(r${kind}${from} ${from} 1${from})
  endforeach()
  reject(${kind} r${kind}0 "${corrupt}" ${all_actions})
  reject(${kind} r${kind}8 "(${corrupt}|${newer})")
  reject(${kind} r${kind}112 "${corrupt}")

  # A Kubernetes RangeAllocation, as JSON and as YAML, and plain text.
  write_file(json "{\"range\": \"10.0.0.0/24\", \"data\": \"AgE=\"}\n")
  write_file(yaml "apiVersion: v1\nkind: RangeAllocation\nmetadata:\n  name: x\nrange: 10.0.0.0/24\ndata: AgE=\n")
  write_file(text "10.0.0.0/24\n")
  reject(${kind} json "${corrupt}" ${all_actions})
  reject(${kind} yaml "${corrupt}")
  reject(${kind} text "${corrupt}")
endforeach()

# A ports file is no range file, and the reverse.
reject(range p "not a service IP range state file \\([^\n]+\\)" ${all_actions})
reject(ports s "not a node-port range state file \\([^\n]+\\)" ${all_actions})

# A directory is no state file, and gets no lock file either.
step(EXIT 1 ARGS range list --state . STDERR_MATCHES "^clusterip range: \\.: not a regular file\n$")
step(EXIT 1 ARGS ports allocate --state . STDERR_MATCHES "^clusterip ports: \\.: not a regular file\n$")
if(EXISTS ${CLI_WORK}/..lock)
  step_failed("a lock file was made for a directory")
endif()

# Nothing was half-loaded or written: the files give the same answers.
step(EXIT 0 ARGS range list --state s STDOUT range_k8s_1_10.txt)
step(EXIT 0 ARGS ports list --state p STDOUT ports_30000.out)

# init --force replaces a damaged file.
step(EXIT 1 ARGS range init 10.0.0.0/24 --state rrange0
  STDERR_MATCHES "^clusterip range: rrange0 already exists \\(--force replaces it\\)\n$")
step(EXIT 0 ARGS range init 10.0.0.0/24 --state rrange0 --force)
step(EXIT 0 ARGS range list --state rrange0)
no_temp_files()
