# SPDX-License-Identifier: Apache-2.0
cmake_minimum_required(VERSION 3.25)
# Runs check_map_version.cmake on crafted version scripts, good and bad,
# and asserts each outcome and message.
#
# cmake -DSOURCE_DIR=tests/abi -DWORK_DIR= -P check_map_version_selftest.cmake
foreach(var SOURCE_DIR WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_map_version_selftest.cmake needs -D${var}=")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

set(failures "")
set(n_cases 0)

# map_case(<name> <version> pass|fail <regex the output must match> <map>)
function(map_case name version expect match map)
  math(EXPR n "${n_cases} + 1")
  set(n_cases ${n} PARENT_SCOPE)
  set(file ${WORK_DIR}/${name}.map)
  file(WRITE ${file} "${map}")
  execute_process(
    COMMAND ${CMAKE_COMMAND} -DMAP=${file} -DVERSION=${version}
      -P ${SOURCE_DIR}/check_map_version.cmake
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  # CMake wraps long message lines: compare with whitespace folded.
  string(REGEX REPLACE "[ \t\r\n]+" " " output "${out}${err}")
  set(why "")
  if(expect STREQUAL "pass" AND NOT rc EQUAL 0)
    set(why "failed; it should pass")
  elseif(expect STREQUAL "fail" AND rc EQUAL 0)
    set(why "passed; it should fail")
  elseif(NOT output MATCHES "${match}")
    set(why "output does not match '${match}'")
  endif()
  if(why)
    set(failures "${failures}\n${name} (version ${version}): ${why}:\n${output}"
      PARENT_SCOPE)
  endif()
endfunction()

map_case(one_node 0.1.0 pass "the newest is CLUSTERIP_0.1" [=[
/* comment with CLUSTERIP_9.9 { } in it */
CLUSTERIP_0.1 {
	global:
		cip_a;
	local:
		*;
};
]=])

map_case(chain 1.0.3 pass "3 nodes, the newest is CLUSTERIP_1.0" [=[
CLUSTERIP_0.1 { global: cip_a; local: *; };
CLUSTERIP_0.2 { global: cip_b; } CLUSTERIP_0.1;
CLUSTERIP_1.0 {
	global:
		cip_c;
} CLUSTERIP_0.2;
]=])

# 0.10 is newer than 0.9: versions compare as numbers, not as text.
map_case(numeric_order 0.10.0 pass "the newest is CLUSTERIP_0.10" [=[
CLUSTERIP_0.9 { global: cip_a; local: *; };
CLUSTERIP_0.10 { global: cip_b; } CLUSTERIP_0.9;
]=])

map_case(no_new_node 0.2.0 fail
  "newest node is CLUSTERIP_0.1, but version 0.2.0 needs CLUSTERIP_0.2" [=[
CLUSTERIP_0.1 { global: cip_a; local: *; };
]=])

map_case(node_ahead 0.1.0 fail
  "newest node is CLUSTERIP_0.2, but version 0.1.0 needs CLUSTERIP_0.1" [=[
CLUSTERIP_0.1 { global: cip_a; local: *; };
CLUSTERIP_0.2 { global: cip_b; } CLUSTERIP_0.1;
]=])

map_case(decreasing 0.1.0 fail "CLUSTERIP_0.1: not newer than CLUSTERIP_0.2" [=[
CLUSTERIP_0.2 { global: cip_a; local: *; };
CLUSTERIP_0.1 { global: cip_b; } CLUSTERIP_0.2;
]=])

map_case(duplicate 0.1.0 fail "CLUSTERIP_0.1: not newer than CLUSTERIP_0.1" [=[
CLUSTERIP_0.1 { global: cip_a; local: *; };
CLUSTERIP_0.1 { global: cip_b; } CLUSTERIP_0.1;
]=])

map_case(not_inherited 0.2.0 fail
  "CLUSTERIP_0.2: must inherit the node before it" [=[
CLUSTERIP_0.1 { global: cip_a; local: *; };
CLUSTERIP_0.2 { global: cip_b; };
]=])

map_case(skips_a_node 0.3.0 fail
  "CLUSTERIP_0.3: must inherit the node before it .* not 'CLUSTERIP_0.1'" [=[
CLUSTERIP_0.1 { global: cip_a; local: *; };
CLUSTERIP_0.2 { global: cip_b; } CLUSTERIP_0.1;
CLUSTERIP_0.3 { global: cip_c; } CLUSTERIP_0.1;
]=])

map_case(first_inherits 0.1.0 fail "the first node inherits CLUSTERIP_0.0" [=[
CLUSTERIP_0.1 { global: cip_a; local: *; } CLUSTERIP_0.0;
]=])

map_case(foreign_name 0.2.0 fail "LIBFOO_0.2: not named CLUSTERIP_" [=[
CLUSTERIP_0.1 { global: cip_a; local: *; };
LIBFOO_0.2 { global: cip_b; } CLUSTERIP_0.1;
]=])

map_case(malformed 0.2.0 fail "2 '{' but 1 well-formed nodes" [=[
CLUSTERIP_0.1 { global: cip_a; local: *; };
CLUSTERIP_0.2 { global: cip_b; } CLUSTERIP_0.1
]=])

map_case(empty 0.1.0 fail "no version node" [=[
/* nothing */
]=])

if(NOT failures STREQUAL "")
  message(FATAL_ERROR "check_map_version.cmake misjudged:${failures}")
endif()
message(STATUS "check_map_version.cmake judged all ${n_cases} crafted maps right")
