# SPDX-License-Identifier: MIT OR Apache-2.0
#
# ip_smtpc_rust_target(<out-var>): the Rust target triple for the C toolchain
# of this project, or "" for the host.
#
# Taken from -mcpu=... in CMAKE_C_FLAGS (what CubeMX, MCUXpresso and most
# vendor toolchain files set) or, failing that, from CMAKE_SYSTEM_PROCESSOR
# when it names a Cortex-M core; the float ABI from -mfloat-abi=hard. A cross
# build whose core cannot be told is refused with the cache variable to set.
#
#   core                                   soft / softfp float      hard float
#   cortex-m0, m0plus, m1                  thumbv6m-none-eabi       -
#   cortex-m3                              thumbv7m-none-eabi       -
#   cortex-m4, m7                          thumbv7em-none-eabi      thumbv7em-none-eabihf
#   cortex-m23                             thumbv8m.base-none-eabi  -
#   cortex-m33, m35p, m52, m55, m85        thumbv8m.main-none-eabi  thumbv8m.main-none-eabihf
function(ip_smtpc_rust_target out)
  if(NOT CMAKE_CROSSCOMPILING)
    set(${out} "" PARENT_SCOPE)
    return()
  endif()
  string(TOUPPER "${CMAKE_BUILD_TYPE}" _config)
  set(_flags "${CMAKE_C_FLAGS} ${CMAKE_C_FLAGS_${_config}}")
  string(TOLOWER "${_flags}" _flags)
  set(_cpu "")
  if(_flags MATCHES "-mcpu=([a-z0-9.]+(-[a-z0-9.]+)*)")
    set(_cpu "${CMAKE_MATCH_1}")
  else()
    string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" _proc)
    if(_proc MATCHES "^(cortex-m[0-9a-z]+)")
      set(_cpu "${CMAKE_MATCH_1}")
    endif()
  endif()
  set(_hard OFF)
  if(_flags MATCHES "-mfloat-abi=hard")
    set(_hard ON)
  endif()
  set(_target "")
  if(_cpu MATCHES "^cortex-m(0|0plus|1)$")
    set(_target thumbv6m-none-eabi)
  elseif(_cpu STREQUAL "cortex-m3")
    set(_target thumbv7m-none-eabi)
  elseif(_cpu MATCHES "^cortex-m(4|7)$")
    set(_target thumbv7em-none-eabi)
    if(_hard)
      set(_target thumbv7em-none-eabihf)
    endif()
  elseif(_cpu STREQUAL "cortex-m23")
    set(_target thumbv8m.base-none-eabi)
  elseif(_cpu MATCHES "^cortex-m(33|35p|52|55|85)$")
    set(_target thumbv8m.main-none-eabi)
    if(_hard)
      set(_target thumbv8m.main-none-eabihf)
    endif()
  endif()
  if(NOT _target)
    message(FATAL_ERROR
      "ip-smtpc: cannot tell the Rust target of this cross toolchain "
      "(CMAKE_SYSTEM_PROCESSOR='${CMAKE_SYSTEM_PROCESSOR}', -mcpu='${_cpu}' in CMAKE_C_FLAGS). "
      "Pass -DIP_SMTPC_RUST_TARGET=<triple> (e.g. thumbv7em-none-eabihf for a Cortex-M4F "
      "with -mfloat-abi=hard), or -DIP_SMTPC_PREBUILT_LIBRARY=<libip_smtpc.a>.")
  endif()
  set(${out} "${_target}" PARENT_SCOPE)
endfunction()

# ip_smtpc_check_rust_target(<cargo> <triple>): refuses to configure when the
# Rust toolchain cargo will use has no standard library for <triple>, with the
# rustup command that installs it.
function(ip_smtpc_check_rust_target cargo target)
  get_filename_component(_bin "${cargo}" DIRECTORY)
  find_program(IP_SMTPC_RUSTC rustc HINTS "${_bin}" NO_DEFAULT_PATH)
  find_program(IP_SMTPC_RUSTC rustc)
  if(NOT IP_SMTPC_RUSTC)
    message(FATAL_ERROR "ip-smtpc: rustc not found next to ${cargo}")
  endif()
  execute_process(COMMAND "${IP_SMTPC_RUSTC}" --print sysroot
                  WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
                  OUTPUT_VARIABLE _sysroot OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _rc ERROR_QUIET)
  if(NOT _rc EQUAL 0 OR NOT IS_DIRECTORY "${_sysroot}/lib/rustlib/${target}/lib")
    message(FATAL_ERROR
      "ip-smtpc: the Rust target ${target} is not installed (toolchain ${_sysroot}). Run:\n"
      "  rustup target add ${target}\n"
      "or pass -DIP_SMTPC_PREBUILT_LIBRARY=<libip_smtpc.a built for ${target}>.")
  endif()
endfunction()
