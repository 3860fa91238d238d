# SPDX-License-Identifier: Apache-2.0
# The ABI check (tests/abi): abidiff of the built libclusterip against
# abi/libclusterip.abi, the ABI of the last release, and the abi-baseline
# target that rewrites that file at a release. Needs abidw and abidiff
# (Debian: abigail-tools) and a library with debug information.
#
# CIP_ABI_CHECK: AUTO checks when it can; ON makes a missing tool or a build
# without -g a configure error, so that CI cannot skip the check silently.
# Sanitizer builds check too: what is compared (exported functions and the
# public types they reach) is the same with or without instrumentation.
# Sets CIP_ABI_CHECK_ENABLED, CIP_ABIDW, CIP_ABIDIFF, CIP_READELF and the
# CIP_ABI_* paths.
set(CIP_ABI_CHECK AUTO CACHE STRING
  "Check the ABI against abi/libclusterip.abi: AUTO, ON (abigail-tools required) or OFF")
set_property(CACHE CIP_ABI_CHECK PROPERTY STRINGS AUTO ON OFF)
string(TOUPPER "${CIP_ABI_CHECK}" cip_abi_check)
if(NOT cip_abi_check MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "CIP_ABI_CHECK is AUTO, ON or OFF, not '${CIP_ABI_CHECK}'")
endif()

set(CIP_ABI_BASELINE ${PROJECT_SOURCE_DIR}/abi/libclusterip.abi)
set(CIP_ABI_SUPPRESSIONS ${PROJECT_SOURCE_DIR}/abi/libclusterip.abignore)
set(CIP_ABI_HEADERS_DIR ${PROJECT_SOURCE_DIR}/include/clusterip)
set(CIP_ABI_CHECK_ENABLED OFF)

if(NOT cip_abi_check STREQUAL "OFF")
  find_program(CIP_ABIDW abidw)
  find_program(CIP_ABIDIFF abidiff)
  find_program(CIP_READELF NAMES readelf)
  string(TOUPPER "${CMAKE_BUILD_TYPE}" cip_config)
  set(cip_abi_why_not "")
  if(NOT CIP_ABIDW OR NOT CIP_ABIDIFF)
    set(cip_abi_why_not "abidw or abidiff is missing (Debian: apt-get install abigail-tools)")
  elseif(NOT CIP_READELF)
    set(cip_abi_why_not "readelf is missing (Debian: binutils)")
  elseif(NOT " ${CMAKE_C_FLAGS} ${CMAKE_C_FLAGS_${cip_config}} " MATCHES " -g")
    # abidiff compares types through DWARF; without it there are only symbols.
    set(cip_abi_why_not "the library is built without -g (CMAKE_BUILD_TYPE '${CMAKE_BUILD_TYPE}')")
  endif()
  if(cip_abi_why_not STREQUAL "")
    set(CIP_ABI_CHECK_ENABLED ON)
    message(STATUS "ABI check: abidiff against abi/libclusterip.abi")
  elseif(cip_abi_check STREQUAL "ON")
    message(FATAL_ERROR "CIP_ABI_CHECK is ON, but ${cip_abi_why_not}")
  else()
    message(STATUS "ABI check: off, ${cip_abi_why_not}")
  endif()
endif()

# cmake --build <dir> --target abi-baseline: the release step that records
# the ABI of this build as the new baseline.
if(CIP_ABI_CHECK_ENABLED)
  add_custom_target(abi-baseline
    COMMAND ${CMAKE_COMMAND} -DABIDW=${CIP_ABIDW}
      -DLIB=$<TARGET_FILE:clusterip_shared>
      -DHEADERS_DIR=${CIP_ABI_HEADERS_DIR}
      -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DOUT=${CIP_ABI_BASELINE}
      -P ${PROJECT_SOURCE_DIR}/tests/abi/abi_dump.cmake
    DEPENDS clusterip_shared
    COMMENT "Recording the ABI of libclusterip in abi/libclusterip.abi"
    VERBATIM)
endif()
