# SPDX-License-Identifier: Apache-2.0
cmake_minimum_required(VERSION 3.25)
# Shows that abi_check.cmake tells a compatible change from an incompatible
# one: builds the stand-in library in fake/ as released (fake-1.0.map, no
# FAKE_* macro), writes its baseline with abi_dump.cmake, builds it again
# with one change (DEFINE, MAP), runs the check on it and asserts the
# outcome (EXPECT pass or fail) and that the check's output matches MATCH.
#
# cmake -DCC= -DABIDW= -DABIDIFF= -DREADELF= -DSOURCE_DIR=tests/abi
#       -DWORK_DIR= [-DDEFINE=FAKE_x] -DMAP=fake-x.map -DEXPECT=pass|fail
#       -DMATCH=regex [-DSUPPRESSIONS=file] -P abi_check_selftest.cmake
foreach(var CC ABIDW ABIDIFF READELF SOURCE_DIR WORK_DIR MAP EXPECT MATCH)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "abi_check_selftest.cmake needs -D${var}=")
  endif()
endforeach()
set(fake ${SOURCE_DIR}/fake)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/released ${WORK_DIR}/changed)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
    ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}\n${err}")
  endif()
endfunction()

# build_fake(<dir> <map> [define]): <dir>/libfake.so.1 with debug info.
function(build_fake dir map)
  set(defines "")
  foreach(d IN LISTS ARGN)
    list(APPEND defines -D${d})
  endforeach()
  run(${CC} -std=c11 -g -O0 -fPIC -shared -fvisibility=hidden
    -Wall -Wextra -Werror -I${fake}/include ${defines} ${fake}/fake.c
    -Wl,--version-script=${fake}/${map} -Wl,-soname,libfake.so.1
    -o ${dir}/libfake.so.1)
endfunction()

build_fake(${WORK_DIR}/released fake-1.0.map)
run(${CMAKE_COMMAND} -DABIDW=${ABIDW} -DLIB=${WORK_DIR}/released/libfake.so.1
  -DHEADERS_DIR=${fake}/include/fake -DSOURCE_DIR=${fake}
  -DOUT=${WORK_DIR}/fake.abi -P ${SOURCE_DIR}/abi_dump.cmake)
build_fake(${WORK_DIR}/changed ${MAP} ${DEFINE})

execute_process(
  COMMAND ${CMAKE_COMMAND} -DABIDIFF=${ABIDIFF} -DREADELF=${READELF}
    -DBASELINE=${WORK_DIR}/fake.abi -DLIB=${WORK_DIR}/changed/libfake.so.1
    -DHEADERS_DIR=${fake}/include/fake -DSUPPRESSIONS=${SUPPRESSIONS}
    -P ${SOURCE_DIR}/abi_check.cmake
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(output "${out}${err}")
message(STATUS "abi_check.cmake exited with ${rc}:\n${output}")

if(EXPECT STREQUAL "pass" AND NOT rc EQUAL 0)
  message(FATAL_ERROR "the check failed; it should pass")
elseif(EXPECT STREQUAL "fail" AND rc EQUAL 0)
  message(FATAL_ERROR "the check passed; it should fail")
elseif(NOT EXPECT MATCHES "^(pass|fail)$")
  message(FATAL_ERROR "EXPECT must be pass or fail, not '${EXPECT}'")
endif()
# CMake wraps long message lines: compare with whitespace folded.
string(REGEX REPLACE "[ \t\r\n]+" " " output "${output}")
if(NOT output MATCHES "${MATCH}")
  message(FATAL_ERROR "the output does not match '${MATCH}'")
endif()
