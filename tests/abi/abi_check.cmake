# SPDX-License-Identifier: Apache-2.0
cmake_minimum_required(VERSION 3.25)
# Compares a built shared library with the ABI baseline of the last release
# (written by abi_dump.cmake) and fails on
#   - an incompatible change: a function or variable removed (abidiff status
#     bit 8);
#   - any other change to an interface the baseline has: a signature, the
#     layout of a type reachable from it, the SONAME (bit 4, once added
#     symbols are left out);
#   - an added symbol whose version node the baseline already has: new
#     symbols go into a new node of the version script, never an old one.
# Added symbols in new nodes are the one change that passes.
#
# cmake -DABIDIFF=abidiff -DREADELF=readelf -DBASELINE=foo.abi -DLIB=libfoo.so
#       -DHEADERS_DIR=include/foo [-DSUPPRESSIONS=foo.abignore] -P abi_check.cmake
foreach(var ABIDIFF READELF BASELINE LIB HEADERS_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "abi_check.cmake needs -D${var}=")
  endif()
endforeach()
foreach(file BASELINE LIB)
  if(NOT EXISTS ${${file}})
    message(FATAL_ERROR "no such file: ${${file}}")
  endif()
endforeach()

# The same reduction as abi_dump.cmake, on the library's side; no default
# suppression file, so that nothing outside the checkout changes the verdict.
set(abidiff_args --no-default-suppression --exported-interfaces-only
  --headers-dir2 ${HEADERS_DIR} --drop-private-types)
if(SUPPRESSIONS AND EXISTS ${SUPPRESSIONS})
  list(APPEND abidiff_args --suppressions ${SUPPRESSIONS})
endif()

# Runs abidiff with the common arguments and ARGN; sets <prefix>_status (the
# bit set abidiff returns) and <prefix>_report.
function(abidiff prefix)
  execute_process(COMMAND ${ABIDIFF} ${abidiff_args} ${ARGN} ${BASELINE} ${LIB}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc MATCHES "^[0-9]+$")
    message(FATAL_ERROR "could not run ${ABIDIFF}: ${rc}")
  endif()
  math(EXPR tool_error "${rc} & 3")
  if(NOT tool_error EQUAL 0)
    message(FATAL_ERROR "abidiff failed (status ${rc}):\n${out}${err}")
  endif()
  set(${prefix}_status ${rc} PARENT_SCOPE)
  set(${prefix}_report "${out}${err}" PARENT_SCOPE)
endfunction()

# Prints abidiff's report as it is (a FATAL_ERROR message would reflow it),
# then fails with <summary>.
function(fail summary report)
  message("${report}")
  message(FATAL_ERROR "${summary}")
endfunction()

abidiff(all)
math(EXPR incompatible "${all_status} & 8")
if(NOT incompatible EQUAL 0)
  fail("incompatible ABI change against ${BASELINE} (a removed symbol)"
    "${all_report}")
endif()
# Status bit 4 covers added symbols too; without them it must be clear.
abidiff(existing --no-added-syms)
math(EXPR changed "${existing_status} & 4")
if(NOT changed EQUAL 0)
  fail("ABI change to existing interfaces against ${BASELINE}"
    "${all_report}")
endif()

# The baseline's symbols as name@node, and its nodes.
file(STRINGS ${BASELINE} symbol_lines REGEX "<elf-symbol ")
set(baseline_symbols "")
set(baseline_nodes "")
foreach(line IN LISTS symbol_lines)
  string(REGEX MATCH "name='([^']+)'" m "${line}")
  set(name "${CMAKE_MATCH_1}")
  set(node "")
  if(line MATCHES "version='([^']*)'")
    set(node "${CMAKE_MATCH_1}")
    list(APPEND baseline_nodes ${node})
  endif()
  list(APPEND baseline_symbols "${name}@${node}")
endforeach()
list(REMOVE_DUPLICATES baseline_nodes)

# The library's defined dynamic symbols. A line reads
#   "<n>: <value> <size> <type> <bind> <vis> <ndx> <name>[@[@]<node>]";
# a version node shows as an ABS symbol named after it, without '@'.
execute_process(COMMAND ${READELF} --dyn-syms -W ${LIB}
  RESULT_VARIABLE rc OUTPUT_VARIABLE dynsyms)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${READELF} failed on ${LIB}")
endif()
string(REPLACE "\n" ";" dynsym_lines "${dynsyms}")
set(added "")
set(problems "")
foreach(line IN LISTS dynsym_lines)
  if(NOT line MATCHES "^ *[0-9]+: [0-9a-fA-F]+ +[0-9a-fx]+ +[A-Z_]+ +(GLOBAL|WEAK|GNU_UNIQUE) +[A-Z]+ +([A-Z0-9]+) +([^ @]+)(@@?([^ ]+))?")
    continue()
  endif()
  set(ndx "${CMAKE_MATCH_2}")
  set(name "${CMAKE_MATCH_3}")
  set(at "${CMAKE_MATCH_4}")
  set(node "${CMAKE_MATCH_5}")
  if(ndx STREQUAL "UND" OR (ndx STREQUAL "ABS" AND at STREQUAL ""))
    continue()
  endif()
  if("${name}@${node}" IN_LIST baseline_symbols)
    continue()
  endif()
  list(APPEND added "${name}${at}")
  if(node STREQUAL "")
    list(APPEND problems "${name}: added without a version node")
  elseif(node IN_LIST baseline_nodes)
    list(APPEND problems
      "${name}${at}: added to ${node}, which the released ABI already has")
  endif()
endforeach()

if(problems)
  list(SORT problems)
  list(JOIN problems "\n  " text)
  string(CONCAT summary "symbols added outside a new version node (new "
    "symbols go into a new node of the version script):\n  ${text}")
  fail("${summary}" "${all_report}")
endif()
list(SORT added)
list(JOIN added ", " added_text)
if(added_text STREQUAL "")
  set(added_text "none")
endif()
message(STATUS "ABI matches ${BASELINE}; added in new nodes: ${added_text}")
