# SPDX-License-Identifier: Apache-2.0
cmake_minimum_required(VERSION 3.25)
# Checks the version nodes of a version script: every node is
# <PREFIX>_<major>.<minor>, the nodes are in strictly increasing version
# order, each node after the first inherits the one before it
# ("} CLUSTERIP_0.1;"), and the newest node is the major.minor of VERSION,
# so that a release cannot ship new symbols under an old node.
#
# cmake -DMAP=lib/libclusterip.map -DVERSION=0.1.0 [-DPREFIX=CLUSTERIP]
#       -P check_map_version.cmake
foreach(var MAP VERSION)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_map_version.cmake needs -D${var}=")
  endif()
endforeach()
if(NOT DEFINED PREFIX)
  set(PREFIX CLUSTERIP)
endif()
if(NOT VERSION MATCHES "^([0-9]+)\\.([0-9]+)")
  message(FATAL_ERROR "VERSION '${VERSION}' is not major.minor[.patch]")
endif()
set(expected_newest "${PREFIX}_${CMAKE_MATCH_1}.${CMAKE_MATCH_2}")

file(READ ${MAP} text)
string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" "" text "${text}")
string(REGEX REPLACE "#[^\n]*" "" text "${text}")
# A node: "<name> { ... } [<parent>];". Version scripts do not nest braces
# in C, so a block ends at the first '}'. Semicolons become '`' first, as a
# CMake list would split at them.
string(REPLACE ";" "`" text "${text}")
set(ws "[ \t\r\n]*")
string(REGEX MATCHALL "[A-Za-z0-9_.]+${ws}{[^}]*}${ws}[A-Za-z0-9_.]*${ws}`"
  blocks "${text}")
string(REGEX MATCHALL "{" opening "${text}")
list(LENGTH blocks n_blocks)
list(LENGTH opening n_opening)

set(problems "")
if(n_blocks EQUAL 0)
  string(APPEND problems "\n  no version node")
elseif(NOT n_blocks EQUAL n_opening)
  string(APPEND problems "\n  ${n_opening} '{' but ${n_blocks} well-formed nodes")
endif()

set(previous "")
set(previous_version "")
foreach(block IN LISTS blocks)
  string(REGEX MATCH "^([A-Za-z0-9_.]+)${ws}{[^}]*}${ws}([A-Za-z0-9_.]*)" m
    "${block}")
  set(name "${CMAKE_MATCH_1}")
  set(parent "${CMAKE_MATCH_2}")
  set(version "")
  if(name MATCHES "^${PREFIX}_([0-9]+\\.[0-9]+)$")
    set(version ${CMAKE_MATCH_1})
  else()
    string(APPEND problems "\n  ${name}: not named ${PREFIX}_<major>.<minor>")
  endif()
  if(previous STREQUAL "" AND NOT parent STREQUAL "")
    string(APPEND problems "\n  ${name}: the first node inherits ${parent}")
  elseif(NOT previous STREQUAL "" AND NOT parent STREQUAL previous)
    string(APPEND problems "\n  ${name}: must inherit the node before it "
      "(\"} ${previous};\"), not '${parent}'")
  endif()
  if(version AND previous_version AND
      NOT version VERSION_GREATER previous_version)
    string(APPEND problems "\n  ${name}: not newer than ${previous}: the "
      "nodes must be in strictly increasing version order")
  endif()
  set(previous ${name})
  if(version)
    set(previous_version ${version})
  endif()
endforeach()

if(NOT previous STREQUAL "" AND NOT previous STREQUAL expected_newest)
  string(APPEND problems "\n  the newest node is ${previous}, but version "
    "${VERSION} needs ${expected_newest}")
endif()

if(NOT problems STREQUAL "")
  message(FATAL_ERROR "${MAP}:${problems}")
endif()
message(STATUS "${MAP}: ${n_blocks} nodes, the newest is ${expected_newest}")
