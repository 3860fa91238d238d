# SPDX-License-Identifier: Apache-2.0
cmake_minimum_required(VERSION 3.25)
# Proves three lists are the same set: the symbols the shared library
# exports, the global symbols of the version script, and the functions the
# public headers declare with CIP_API. Also checks the SONAME and that every
# export carries a version node and the cip_ prefix.
#
# cmake -DNM=... -DREADELF=... -DLIB=... -DMAP=... -DHEADERS=a.h;b.h
#       -DSONAME=libclusterip.so.N -P check_symbols.cmake
foreach(var NM LIB MAP HEADERS SONAME)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_symbols.cmake needs -D${var}=")
  endif()
endforeach()

execute_process(COMMAND ${NM} -D --defined-only ${LIB}
  OUTPUT_VARIABLE nm_out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${LIB}")
endif()

# Version script: global names and node names.
file(READ ${MAP} map_text)
string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" "" map_text "${map_text}")
string(REGEX MATCHALL "CLUSTERIP_[0-9]+\\.[0-9]+" map_nodes "${map_text}")
string(REGEX MATCHALL "[A-Za-z_][A-Za-z0-9_]*;" map_entries "${map_text}")
set(map_syms "")
foreach(entry IN LISTS map_entries)
  string(REPLACE ";" "" entry "${entry}")
  list(APPEND map_syms ${entry})
endforeach()

# Exports: "<addr> <type> <name>@@<node>"; nodes themselves show as type A.
string(REPLACE "\n" ";" nm_lines "${nm_out}")
set(exported "")
set(problems "")
foreach(line IN LISTS nm_lines)
  if(line MATCHES "^[0-9a-fA-F]* *([A-Za-z]) ([^ @]+)(@@?([^ ]+))?$")
    set(type ${CMAKE_MATCH_1})
    set(name ${CMAKE_MATCH_2})
    set(node ${CMAKE_MATCH_4})
    if(type STREQUAL "A" AND name IN_LIST map_nodes)
      continue()
    endif()
    list(APPEND exported ${name})
    if(NOT name MATCHES "^cip_")
      list(APPEND problems "exported symbol without the cip_ prefix: ${name}")
    endif()
    if(NOT node MATCHES "^CLUSTERIP_")
      list(APPEND problems "exported symbol without a version node: ${name}")
    endif()
  endif()
endforeach()

# Headers: every declaration that starts a line with "CIP_API <type> <name>(".
set(declared "")
foreach(header IN LISTS HEADERS)
  file(READ ${header} text)
  string(REGEX MATCHALL "\nCIP_API [^;(#]*[ *]([a-z0-9_]+)\\(" decls "${text}")
  foreach(decl IN LISTS decls)
    string(REGEX MATCH "([a-z0-9_]+)\\($" m "${decl}")
    list(APPEND declared ${CMAKE_MATCH_1})
  endforeach()
endforeach()

foreach(list_name exported map_syms declared)
  list(SORT ${list_name})
  list(REMOVE_DUPLICATES ${list_name})
endforeach()

macro(compare a b what)
  foreach(s IN LISTS ${a})
    if(NOT s IN_LIST ${b})
      list(APPEND problems "${s}: ${what}")
    endif()
  endforeach()
endmacro()
compare(exported map_syms "exported but not in the version script")
compare(map_syms exported "in the version script but not exported")
compare(declared map_syms "declared CIP_API in a header but not in the version script")
compare(map_syms declared "in the version script but declared in no public header")

list(LENGTH exported n_exported)
if(n_exported EQUAL 0)
  list(APPEND problems "the library exports nothing")
endif()

if(DEFINED READELF AND READELF)
  execute_process(COMMAND ${READELF} -d ${LIB} OUTPUT_VARIABLE dyn)
  if(NOT dyn MATCHES "Library soname: \\[${SONAME}\\]")
    list(APPEND problems "SONAME is not ${SONAME}")
  endif()
endif()

if(problems)
  list(JOIN problems "\n  " text)
  message(FATAL_ERROR "ABI symbol check failed:\n  ${text}")
endif()
message(STATUS "${n_exported} exported symbols match the version script and the headers")
