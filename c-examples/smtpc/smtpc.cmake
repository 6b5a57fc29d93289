# smtpc: the command-line sender -> build/smtpc. Included by the top-level
# CMakeLists.txt (host builds) after the POSIX and mbedTLS ports.
set(_smtpc_dir "${CMAKE_CURRENT_LIST_DIR}")
add_executable(smtpc
  "${_smtpc_dir}/main.c"
  "${_smtpc_dir}/options.c"
  "${_smtpc_dir}/input.c"
  "${_smtpc_dir}/session.c"
  "${_smtpc_dir}/outcome.c"
  "${_smtpc_dir}/util.c")
target_link_libraries(smtpc PRIVATE ip_smtpc_posix ip_smtpc::ip_smtpc)
if(IP_SMTPC_HAVE_MBEDTLS)
  target_link_libraries(smtpc PRIVATE ip_smtpc_mbedtls)
  target_compile_definitions(smtpc PRIVATE SMTPC_WITH_MBEDTLS=1)
endif()
ip_smtpc_c_target(smtpc)
set_target_properties(smtpc PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}")
