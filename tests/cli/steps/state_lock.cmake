# SPDX-License-Identifier: Apache-2.0
# The lock of a state file, FILE.lock: the actions that change FILE create
# it (empty) and keep it; the actions that only read FILE do not need it,
# and no lock file is made for a FILE that does not exist. A lock that
# cannot be taken fails the action at once with one line and leaves FILE as
# it was. (That concurrent runs take turns: cli.*.concurrent_*.)

function(expect_lock name)
  if(NOT EXISTS ${CLI_WORK}/${name} OR IS_DIRECTORY ${CLI_WORK}/${name})
    step_failed("${name} is not there")
  endif()
  file(SIZE ${CLI_WORK}/${name} size)
  if(NOT size EQUAL 0)
    step_failed("${name} is not empty")
  endif()
endfunction()

function(expect_absent name)
  if(EXISTS ${CLI_WORK}/${name} OR IS_SYMLINK ${CLI_WORK}/${name})
    step_failed("${name} should not exist")
  endif()
endfunction()

set(locked "^clusterip range: cannot lock state file s: s\\.lock: [^\n]+\n$")

foreach(kind range ports)
  set(spec 10.0.0.0/24)
  set(item 10.0.0.1)
  set(import --range 10.0.0.0/24 --data AgE=)
  if(kind STREQUAL "ports")
    set(spec 30000-32767)
    set(item 30000)
    set(import --range 30000-32767 --data AQ==)
  endif()

  # Made by init, kept by the actions that change the file.
  step(EXIT 0 ARGS ${kind} init ${spec} --state ${kind} --seed 1)
  expect_lock(${kind}.lock)
  step(EXIT 0 ARGS ${kind} allocate --state ${kind} ${item} SAVE_STDOUT out)
  step(EXIT 0 ARGS ${kind} release --state ${kind} ${item})
  step(EXIT 0 ARGS ${kind} import-k8s --state ${kind} ${import})
  expect_lock(${kind}.lock)

  # Not needed to read.
  copy_file(${kind} reader)
  step(EXIT 0 ARGS ${kind} list --state reader SAVE_STDOUT out)
  step(EXIT 0 ARGS ${kind} show --state reader SAVE_STDOUT out)
  step(EXIT 0 ARGS ${kind} export-k8s --state reader SAVE_STDOUT out)
  expect_absent(reader.lock)

  # Not made for a file that does not exist (a mistyped name).
  foreach(action allocate release import-k8s)
    set(args ${kind} ${action} --state missing)
    if(action STREQUAL "release")
      list(APPEND args ${item})
    elseif(action STREQUAL "import-k8s")
      list(APPEND args ${import})
    endif()
    step(EXIT 1 ARGS ${args}
      STDERR_MATCHES "^clusterip ${kind}: cannot open state file missing: [^\n]+\n$")
  endforeach()
  expect_absent(missing.lock)

  # A lock that cannot be taken (here: the lock file is a directory).
  copy_file(${kind} s)
  copy_file(s before)
  make_directory(s.lock)
  string(REPLACE "range" "${kind}" locked_kind "${locked}")
  foreach(action allocate release import-k8s init)
    set(args ${kind} ${action} --state s)
    if(action STREQUAL "release")
      list(APPEND args ${item})
    elseif(action STREQUAL "import-k8s")
      list(APPEND args ${import})
    elseif(action STREQUAL "init")
      list(APPEND args ${spec} --force)
    endif()
    step(EXIT 1 ARGS ${args} STDERR_MATCHES "${locked_kind}")
    same_file(s before)
  endforeach()
  step(EXIT 0 ARGS ${kind} list --state s SAVE_STDOUT out)
  file(REMOVE_RECURSE ${CLI_WORK}/s.lock)

  # A new file whose lock cannot be taken is not created.
  make_directory(new.lock)
  step(EXIT 1 ARGS ${kind} init ${spec} --state new
    STDERR_MATCHES "^clusterip ${kind}: cannot lock state file new: new\\.lock: [^\n]+\n$")
  expect_absent(new)
  file(REMOVE_RECURSE ${CLI_WORK}/new.lock)

  # A symbolic link in place of the lock file is not followed.
  copy_file(${kind} s)
  file(CREATE_LINK target ${CLI_WORK}/s.lock SYMBOLIC)
  step(EXIT 1 ARGS ${kind} allocate --state s STDERR_MATCHES "${locked_kind}")
  same_file(s ${kind})
  expect_absent(target)
  file(REMOVE ${CLI_WORK}/s.lock ${CLI_WORK}/s)
endforeach()
no_temp_files()
