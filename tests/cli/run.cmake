# SPDX-License-Identifier: Apache-2.0
# Runs one program under test and checks what it did; no shell involved.
#
#   cmake -DCLI_PROGRAM=path [-DCLI_ARGS=a;b;c] -DCLI_EXIT=n
#         [-DCLI_STDIN=file]            standard input (default: empty)
#         [-DCLI_STDOUT=file]           expected standard output, exactly
#         [-DCLI_STDOUT_MATCHES=regex]  standard output must match
#         [-DCLI_LINES_MATCH=regex]     every output line must match (and
#                                       there must be at least one)
#         [-DCLI_STDERR_MATCHES=regex]  standard error must match; without
#                                       it, standard error must be empty
#         [-DCLI_REDIRECT_STDOUT=file]  send standard output there instead
#         [-DCLI_LAUNCHER=cmd;arg...]   run the program through this command
#                                       (valgrind, say)
#         -P run.cmake

foreach(var CLI_PROGRAM CLI_EXIT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run.cmake: ${var} is not set")
  endif()
endforeach()
if(NOT CLI_STDIN)
  set(CLI_STDIN ${CMAKE_CURRENT_LIST_DIR}/data/empty.in)
endif()

if(CLI_REDIRECT_STDOUT)
  execute_process(COMMAND ${CLI_LAUNCHER} ${CLI_PROGRAM} ${CLI_ARGS}
    INPUT_FILE ${CLI_STDIN}
    OUTPUT_FILE ${CLI_REDIRECT_STDOUT}
    ERROR_VARIABLE err
    RESULT_VARIABLE rc)
  set(out "")
else()
  execute_process(COMMAND ${CLI_LAUNCHER} ${CLI_PROGRAM} ${CLI_ARGS}
    INPUT_FILE ${CLI_STDIN}
    OUTPUT_VARIABLE out
    ERROR_VARIABLE err
    RESULT_VARIABLE rc)
endif()

set(failures "")
if(NOT rc STREQUAL CLI_EXIT)
  string(APPEND failures "exit status is '${rc}', expected ${CLI_EXIT}\n")
endif()

if(DEFINED CLI_STDOUT)
  file(READ ${CLI_STDOUT} expected)
  if(NOT out STREQUAL expected)
    string(APPEND failures "standard output differs from ${CLI_STDOUT}\n"
      "--- expected ---\n${expected}--- actual ---\n${out}--- end ---\n")
  endif()
endif()

if(DEFINED CLI_STDOUT_MATCHES AND NOT out MATCHES "${CLI_STDOUT_MATCHES}")
  string(APPEND failures "standard output does not match '${CLI_STDOUT_MATCHES}':\n${out}\n")
endif()

if(DEFINED CLI_LINES_MATCH)
  if(out STREQUAL "" OR NOT out MATCHES "\n$")
    string(APPEND failures "standard output is empty or lacks a final newline\n")
  endif()
  string(REGEX REPLACE "\n$" "" body "${out}")
  string(REPLACE "\n" ";" lines "${body}")
  foreach(line IN LISTS lines)
    if(NOT line MATCHES "${CLI_LINES_MATCH}")
      string(APPEND failures "line '${line}' does not match '${CLI_LINES_MATCH}'\n")
    endif()
  endforeach()
endif()

if(DEFINED CLI_STDERR_MATCHES)
  if(NOT err MATCHES "${CLI_STDERR_MATCHES}")
    string(APPEND failures "standard error does not match '${CLI_STDERR_MATCHES}':\n${err}\n")
  endif()
elseif(NOT err STREQUAL "")
  string(APPEND failures "standard error is not empty:\n${err}\n")
endif()

if(failures)
  list(JOIN CLI_ARGS " " shown)
  message(FATAL_ERROR "${CLI_PROGRAM} ${shown}\n${failures}")
endif()
