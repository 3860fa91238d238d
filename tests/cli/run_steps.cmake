# SPDX-License-Identifier: Apache-2.0
# Runs a scenario: a sequence of invocations of the program under test that
# share files in a fresh scratch directory; no shell involved. The first
# step that fails stops the test.
#
#   cmake -DCLI_PROGRAM=path -DCLI_BYTES=path -DCLI_EXPECTED=dir
#         -DCLI_WORK=dir -DCLI_SCENARIO=file [-DCLI_LAUNCHER=cmd;arg...]
#         -P run_steps.cmake
#
# CLI_LAUNCHER, if set, runs the program through a command (valgrind, say);
# not the helper, which only edits files, while each launch under valgrind
# costs half a second.
#
# The scenario is CMake code run in this script, with CLI_WORK (emptied
# first) as the working directory of every step. It may set environment
# variables with set(ENV{...}) and call:
#
#   step(EXIT n [STDOUT file] [SAVE_STDOUT name] [LINES_MATCH regex]
#        [STDERR_MATCHES regex] ARGS arg...)
#       runs the program; its exit status must be n, its standard output
#       exactly CLI_EXPECTED/file (empty without STDOUT or SAVE_STDOUT), its
#       standard error must match regex (be empty without STDERR_MATCHES).
#       SAVE_STDOUT writes standard output to the file name instead;
#       LINES_MATCH requires at least one line and every line to match.
#   copy_file(from to)        copies a file of the scratch directory
#   same_file(a b)            fails unless the two files are byte-identical
#   write_file(name text)     writes text to a file
#   read_lines(var name)      sets var to the list of the file's lines
#   truncate_file(name n)     keeps the first n bytes (n < 0: drops -n)
#   flip_byte(name offset)    inverts the low bit of a byte (< 0: from the end)
#   flip_bit(name offset bit) inverts bit 0-7 of a byte (offset < 0: from the end)
#   scramble_file(name offset seed)
#                             overwrites the bytes from offset on with
#                             pseudo-random ones (the same for the same seed)
#   make_directory(name)      creates a directory
#   no_temp_files()           fails if a temporary "NAME.XXXXXX" of a state
#                             file is left in the scratch directory

foreach(var CLI_PROGRAM CLI_BYTES CLI_EXPECTED CLI_WORK CLI_SCENARIO)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_steps.cmake: ${var} is not set")
  endif()
endforeach()
set(CLI_EMPTY_INPUT ${CMAKE_CURRENT_LIST_DIR}/data/empty.in)
file(REMOVE_RECURSE ${CLI_WORK})
file(MAKE_DIRECTORY ${CLI_WORK})
unset(ENV{CLUSTERIP_NOW_NS})
set(CLI_STEP 0)

function(step_failed message)
  message(FATAL_ERROR "${CLI_SCENARIO}: step ${CLI_STEP}: ${message}")
endfunction()

function(step)
  cmake_parse_arguments(PARSE_ARGV 0 S "" "EXIT;STDOUT;SAVE_STDOUT;LINES_MATCH;STDERR_MATCHES" "ARGS")
  math(EXPR n "${CLI_STEP} + 1")
  set(CLI_STEP ${n} PARENT_SCOPE)
  set(CLI_STEP ${n})
  if(S_UNPARSED_ARGUMENTS OR NOT DEFINED S_EXIT)
    step_failed("bad arguments: ${S_UNPARSED_ARGUMENTS}")
  endif()
  execute_process(COMMAND ${CLI_LAUNCHER} ${CLI_PROGRAM} ${S_ARGS}
    WORKING_DIRECTORY ${CLI_WORK}
    INPUT_FILE ${CLI_EMPTY_INPUT}
    OUTPUT_VARIABLE out
    ERROR_VARIABLE err
    RESULT_VARIABLE rc)
  list(JOIN S_ARGS " " shown)
  set(failures "")
  if(NOT rc STREQUAL S_EXIT)
    string(APPEND failures "exit status is '${rc}', expected ${S_EXIT}\n")
  endif()
  set(expected "")
  if(DEFINED S_STDOUT)
    file(READ ${CLI_EXPECTED}/${S_STDOUT} expected)
  endif()
  if(DEFINED S_SAVE_STDOUT)
    file(WRITE ${CLI_WORK}/${S_SAVE_STDOUT} "${out}")
  elseif(NOT out STREQUAL expected)
    string(APPEND failures "standard output differs from '${S_STDOUT}'\n"
      "--- expected ---\n${expected}--- actual ---\n${out}--- end ---\n")
  endif()
  if(DEFINED S_LINES_MATCH)
    string(REGEX REPLACE "\n$" "" body "${out}")
    string(REPLACE "\n" ";" lines "${body}")
    if(out STREQUAL "" OR NOT out MATCHES "\n$")
      string(APPEND failures "standard output is empty or lacks a final newline\n")
    endif()
    foreach(line IN LISTS lines)
      if(NOT line MATCHES "${S_LINES_MATCH}")
        string(APPEND failures "line '${line}' does not match '${S_LINES_MATCH}'\n")
      endif()
    endforeach()
  endif()
  if(DEFINED S_STDERR_MATCHES)
    if(NOT err MATCHES "${S_STDERR_MATCHES}")
      string(APPEND failures
        "standard error does not match '${S_STDERR_MATCHES}':\n${err}\n")
    endif()
  elseif(NOT err STREQUAL "")
    string(APPEND failures "standard error is not empty:\n${err}\n")
  endif()
  if(failures)
    step_failed("clusterip ${shown}\n${failures}")
  endif()
endfunction()

function(copy_file from to)
  file(COPY_FILE ${CLI_WORK}/${from} ${CLI_WORK}/${to})
endfunction()

function(same_file a b)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files
    ${CLI_WORK}/${a} ${CLI_WORK}/${b} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    step_failed("${a} and ${b} differ")
  endif()
endfunction()

function(write_file name text)
  file(WRITE ${CLI_WORK}/${name} "${text}")
endfunction()

function(read_lines var name)
  file(STRINGS ${CLI_WORK}/${name} lines)
  set(${var} "${lines}" PARENT_SCOPE)
endfunction()

function(bytes_edit verb name n)
  execute_process(COMMAND ${CLI_BYTES} ${verb} ${CLI_WORK}/${name} ${n} ${ARGN}
    RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    step_failed("cip-test-bytes ${verb} ${name} ${n} ${ARGN}: ${err}")
  endif()
endfunction()

function(truncate_file name n)
  bytes_edit(truncate ${name} ${n})
endfunction()

function(flip_byte name offset)
  bytes_edit(flip ${name} ${offset})
endfunction()

function(flip_bit name offset bit)
  bytes_edit(flip ${name} ${offset} ${bit})
endfunction()

function(scramble_file name offset seed)
  bytes_edit(scramble ${name} ${offset} ${seed})
endfunction()

function(make_directory name)
  file(MAKE_DIRECTORY ${CLI_WORK}/${name})
endfunction()

# The writer's temporary files are named FILE.XXXXXX (mkstemp); scenario
# files have no dot, lock files end in ".lock".
function(no_temp_files)
  file(GLOB names RELATIVE ${CLI_WORK} ${CLI_WORK}/*.*)
  set(c "[A-Za-z0-9]")
  list(FILTER names INCLUDE REGEX "\\.${c}${c}${c}${c}${c}${c}$")
  if(names)
    step_failed("temporary files left behind: ${names}")
  endif()
endfunction()

include(${CLI_SCENARIO})
