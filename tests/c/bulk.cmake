# SPDX-License-Identifier: MIT OR Apache-2.0
# Bulk (issue 14): smtpc with bodies too large to read whole, through the
# test bed's Postfix (tests/c/postfix_stream.py, one test per case). Included
# by tests/c/tests.cmake after the postfix_cli tests (ip_smtpc_postfix_test,
# _smtpc_exe, _wrapper).
#
# send() answering EAGAIN on demand (LD_PRELOAD): a 2 KiB SO_SNDBUF on every
# TCP socket, EAGAIN answers counted (tests/c/small_sndbuf.c).
add_library(smtpc_small_sndbuf SHARED "${CMAKE_CURRENT_LIST_DIR}/small_sndbuf.c")
target_compile_options(smtpc_small_sndbuf PRIVATE ${_c_warnings})
target_link_libraries(smtpc_small_sndbuf PRIVATE ${CMAKE_DL_LIBS})
set_target_properties(smtpc_small_sndbuf PROPERTIES C_STANDARD 99 LIBRARY_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}")

set(IP_SMTPC_STREAM_CASES body_qp body_small t_file t_stdin t_long_line rss)
if(NOT _wrapper)
  list(APPEND IP_SMTPC_STREAM_CASES small_sndbuf)  # a wrapper (valgrind) would get the shim too
endif()
foreach(_case IN LISTS IP_SMTPC_STREAM_CASES)
  ip_smtpc_postfix_test(postfix.smtpc.stream.${_case} "${CMAKE_CURRENT_LIST_DIR}/postfix_stream.py"
    --smtpc ${_smtpc_exe} --case ${_case} --maxrss $<TARGET_FILE:maxrss>
    --sndbuf-shim $<TARGET_FILE:smtpc_small_sndbuf>)
endforeach()
