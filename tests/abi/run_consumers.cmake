# SPDX-License-Identifier: Apache-2.0
cmake_minimum_required(VERSION 3.25)
# Installs the build tree into a scratch prefix, then builds and runs the
# consumer program against it twice: once through pkg-config, once through
# find_package(clusterip CONFIG). Also checks that the package version file
# refuses another major version.
#
# cmake -DBUILD_DIR= -DSOURCE_DIR= -DWORK_DIR= -DLIBDIR= -DCC= -DPKG_CONFIG=
#       -DVERSION= -DVERSION_MAJOR= [-DWITH_TOOL=ON] [-DEXTRA_FLAGS=flag;flag]
#       [-DLAUNCHER=command;args] -P run_consumers.cmake
# LAUNCHER (CIP_TEST_LAUNCHER, e.g. valgrind) runs the installed programs.
set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
    ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}\n${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

foreach(f include/clusterip/clusterip.h include/clusterip/version.h
    ${LIBDIR}/libclusterip.a ${LIBDIR}/pkgconfig/clusterip.pc
    ${LIBDIR}/cmake/clusterip/clusteripConfig.cmake
    ${LIBDIR}/cmake/clusterip/clusteripConfigVersion.cmake)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
if(NOT EXISTS ${prefix}/${LIBDIR}/libclusterip.so.${VERSION_MAJOR})
  message(FATAL_ERROR "not installed: libclusterip.so.${VERSION_MAJOR}")
endif()

# The installed program finds the installed library by itself.
if(WITH_TOOL)
  run(${LAUNCHER} ${prefix}/bin/clusterip --version)
  message(STATUS "installed program: ${run_output}")
endif()

# 1. pkg-config
set(ENV{PKG_CONFIG_PATH} ${prefix}/${LIBDIR}/pkgconfig)
run(${PKG_CONFIG} --cflags clusterip)
separate_arguments(pc_cflags UNIX_COMMAND "${run_output}")
run(${PKG_CONFIG} --libs clusterip)
separate_arguments(pc_libs UNIX_COMMAND "${run_output}")
run(${PKG_CONFIG} --variable=libdir clusterip)
string(STRIP "${run_output}" pc_libdir)
run(${CC} ${EXTRA_FLAGS} ${pc_cflags} ${SOURCE_DIR}/consumer.c -o
  ${WORK_DIR}/consumer_pkgconfig ${pc_libs} -Wl,-rpath,${pc_libdir})
run(${LAUNCHER} ${WORK_DIR}/consumer_pkgconfig)
message(STATUS "pkg-config: ${run_output}")

# 2. find_package, shared and static
string(REPLACE ";" " " flags "${EXTRA_FLAGS}")
run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/cmake-build
  -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_COMPILER=${CC}
  -DCMAKE_C_FLAGS=${flags} -DREQUIRED_VERSION=${VERSION})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/cmake-build)
foreach(exe consumer_default consumer_static)
  run(${LAUNCHER} ${WORK_DIR}/cmake-build/${exe})
  message(STATUS "find_package ${exe}: ${run_output}")
endforeach()

# 3. SameMajorVersion: asking for the next major must fail.
math(EXPR next_major "${VERSION_MAJOR} + 1")
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}
  -B ${WORK_DIR}/cmake-next -DCMAKE_PREFIX_PATH=${prefix}
  -DCMAKE_C_COMPILER=${CC} -DREQUIRED_VERSION=${next_major}.0
  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(rc EQUAL 0)
  message(FATAL_ERROR "find_package(clusterip ${next_major}.0) accepted ${VERSION}")
endif()
