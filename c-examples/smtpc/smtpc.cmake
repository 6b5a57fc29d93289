# SPDX-License-Identifier: MIT OR Apache-2.0
# smtpc: the command-line sender -> build/smtpc. Included by the top-level
# CMakeLists.txt (host builds) after the POSIX and mbedTLS ports.
set(_smtpc_dir "${CMAKE_CURRENT_LIST_DIR}")
add_executable(smtpc
  "${_smtpc_dir}/main.c"
  "${_smtpc_dir}/options.c"
  "${_smtpc_dir}/config.c"
  "${_smtpc_dir}/input.c"
  "${_smtpc_dir}/message.c"
  "${_smtpc_dir}/session.c"
  "${_smtpc_dir}/outcome.c"
  "${_smtpc_dir}/batch.c"
  "${_smtpc_dir}/util.c"
  "${_smtpc_dir}/platform.c"
  "${_smtpc_dir}/mx.c")
target_link_libraries(smtpc PRIVATE ip_smtpc_posix ip_smtpc::ip_smtpc resolv)
if(IP_SMTPC_HAVE_MBEDTLS)
  target_link_libraries(smtpc PRIVATE ip_smtpc_mbedtls)
  target_compile_definitions(smtpc PRIVATE SMTPC_WITH_MBEDTLS=1)
endif()
ip_smtpc_c_target(smtpc)
set_target_properties(smtpc PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}")

# --version: the CLI's version (the CMake project's), the library's (Cargo.toml's
# package version; IP_SMTPC_GetVersion may replace it) and its cargo features
# (the build uses the default set: "default" and what it enables).
file(STRINGS "${CMAKE_CURRENT_SOURCE_DIR}/Cargo.toml" _smtpc_cargo_lines REGEX "^(version|default|full) *= ")
set(_smtpc_lib_version "unknown")
set(_smtpc_default "")
set(_smtpc_full "")
foreach(_line IN LISTS _smtpc_cargo_lines)
  if(_line MATCHES "^version *= *\"([^\"]+)\"" AND _smtpc_lib_version STREQUAL "unknown")
    set(_smtpc_lib_version "${CMAKE_MATCH_1}")
  elseif(_line MATCHES "^(default|full) *= *\\[(.*)\\]")
    set(_key "${CMAKE_MATCH_1}")
    string(REGEX REPLACE "[\" ]" "" _list "${CMAKE_MATCH_2}")
    string(REPLACE "," ", " _list "${_list}")
    set(_smtpc_${_key} "${_list}")
  endif()
endforeach()
set(_smtpc_lib_features "${_smtpc_default}")
if(_smtpc_default STREQUAL "full")
  set(_smtpc_lib_features "full (${_smtpc_full})")
endif()
target_compile_definitions(smtpc PRIVATE
  "SMTPC_VERSION=\"${PROJECT_VERSION}\""
  "SMTPC_LIB_VERSION=\"${_smtpc_lib_version}\""
  "SMTPC_LIB_FEATURES=\"${_smtpc_lib_features}\"")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/Cargo.toml")

# cmake --install: smtpc and its man page (component "smtpc").
include(GNUInstallDirs)
install(TARGETS smtpc RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT smtpc)
install(FILES "${_smtpc_dir}/smtpc.1" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1" COMPONENT smtpc)
