# SPDX-License-Identifier: Apache-2.0
cmake_minimum_required(VERSION 3.25)
# Writes the ABI of a shared library as abidw XML, reduced to what callers
# can see, so that the file depends on the public headers and the version
# script and not on the compiler, the optimisation level or the checkout:
# only exported functions and the types reachable from them, opaque types
# declared in the public headers kept opaque, no DT_NEEDED list, no
# undefined symbols, type ids hashed from the types (a new type does not
# renumber the others), and paths relative to SOURCE_DIR. Locations stay:
# abidiff tells public types from private ones by them.
#
# cmake -DABIDW=abidw -DLIB=libfoo.so -DHEADERS_DIR=include/foo
#       -DSOURCE_DIR=/path/to/checkout -DOUT=foo.abi -P abi_dump.cmake
foreach(var ABIDW LIB HEADERS_DIR SOURCE_DIR OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "abi_dump.cmake needs -D${var}=")
  endif()
endforeach()

set(tmp ${OUT}.tmp)
execute_process(
  COMMAND ${ABIDW}
    --no-corpus-path --no-comp-dir-path --no-elf-needed
    --drop-undefined-syms --exported-interfaces-only
    --headers-dir ${HEADERS_DIR} --drop-private-types
    --type-id-style hash
    --out-file ${tmp} ${LIB}
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  file(REMOVE ${tmp})
  message(FATAL_ERROR "abidw failed (${rc}) on ${LIB}:\n${err}")
endif()

file(READ ${tmp} abi)
file(REMOVE ${tmp})
# Without DWARF there are symbols but no declarations, and a comparison
# against such a dump would see no type at all.
if(NOT abi MATCHES "<function-decl ")
  message(FATAL_ERROR "${LIB} has no debug information: build it with -g "
    "(CMAKE_BUILD_TYPE Debug or RelWithDebInfo)")
endif()
string(REPLACE "'${SOURCE_DIR}/" "'" abi "${abi}")
file(WRITE ${OUT} "${abi}")
message(STATUS "wrote the ABI of ${LIB} to ${OUT}")
