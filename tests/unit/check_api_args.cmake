# SPDX-License-Identifier: Apache-2.0
cmake_minimum_required(VERSION 3.25)
# Proves that the argument tests reach every public function: each function
# a public header declares with CIP_API must be called ("name(") in one of
# the test files, outside comments. Fails naming each function that is not.
#
# cmake "-DHEADERS=a.h;b.h" "-DTESTS=test_api_args.c;..." -P check_api_args.cmake
foreach(var HEADERS TESTS)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "check_api_args.cmake needs -D${var}=")
  endif()
endforeach()

# Declarations, parsed as tests/abi/check_symbols.cmake parses them: every
# line that starts "CIP_API <type> <name>(".
set(declared "")
foreach(header IN LISTS HEADERS)
  file(READ ${header} text)
  string(REGEX MATCHALL "\nCIP_API [^;(#]*[ *]([a-z0-9_]+)\\(" decls "${text}")
  foreach(decl IN LISTS decls)
    string(REGEX MATCH "([a-z0-9_]+)\\($" m "${decl}")
    list(APPEND declared ${CMAKE_MATCH_1})
  endforeach()
endforeach()
list(REMOVE_DUPLICATES declared)
list(LENGTH declared n_declared)
if(n_declared EQUAL 0)
  message(FATAL_ERROR "no CIP_API declaration found in ${HEADERS}")
endif()

# The tests' text without comments, so that a name that is only mentioned
# does not count as exercised.
set(code "")
foreach(test IN LISTS TESTS)
  file(READ ${test} text)
  string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" "" text "${text}")
  string(REGEX REPLACE "//[^\n]*" "" text "${text}")
  string(APPEND code "\n${text}")
endforeach()

set(missing "")
foreach(name IN LISTS declared)
  if(NOT code MATCHES "[^A-Za-z0-9_]${name}\\(")
    list(APPEND missing ${name})
  endif()
endforeach()

if(missing)
  list(LENGTH missing n_missing)
  list(JOIN missing "\n  " text)
  message(FATAL_ERROR "${n_missing} public function(s) not exercised by the argument "
    "tests:\n  ${text}")
endif()
message(STATUS "all ${n_declared} public functions are exercised by the argument tests")
