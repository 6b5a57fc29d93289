# SPDX-License-Identifier: MIT OR Apache-2.0
# CMake toolchain file: GNU Arm Embedded (arm-none-eabi-gcc), bare metal.
#
#   cmake -S <src> -B <build> -DCMAKE_TOOLCHAIN_FILE=<repo>/cmake/arm-none-eabi.cmake \
#         [-DIP_SMTPC_CPU=cortex-m4] [-DARM_NONE_EABI_PREFIX=/opt/gcc-arm/bin/arm-none-eabi-]
#
# IP_SMTPC_CPU selects the compiler flags and the Rust target the library is
# built for; the choice is exported as IP_SMTPC_RUST_TARGET (and
# IP_SMTPC_CPU_FLAGS) for the project's CMakeLists.
#
#   IP_SMTPC_CPU   C flags                                               Rust target
#   cortex-m0      -mcpu=cortex-m0 -mthumb -mfloat-abi=soft              thumbv6m-none-eabi
#   cortex-m0plus  -mcpu=cortex-m0plus -mthumb -mfloat-abi=soft          thumbv6m-none-eabi
#   cortex-m3      -mcpu=cortex-m3 -mthumb -mfloat-abi=soft              thumbv7m-none-eabi
#   cortex-m4      -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16   thumbv7em-none-eabihf
#   cortex-m4-soft -mcpu=cortex-m4 -mthumb -mfloat-abi=soft              thumbv7em-none-eabi
#   cortex-m7      -mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16      thumbv7em-none-eabihf
#   cortex-m33     -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16  thumbv8m.main-none-eabihf
#
# The float ABI of the C code and of the Rust target must agree: the linker
# refuses to mix "VFP register arguments" objects with soft-float ones.

set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(IP_SMTPC_CPU "cortex-m4" CACHE STRING "Target CPU: cortex-m0, cortex-m0plus, cortex-m3, cortex-m4, cortex-m4-soft, cortex-m7, cortex-m33")
set_property(CACHE IP_SMTPC_CPU PROPERTY STRINGS
  cortex-m0 cortex-m0plus cortex-m3 cortex-m4 cortex-m4-soft cortex-m7 cortex-m33)
set(ARM_NONE_EABI_PREFIX "arm-none-eabi-" CACHE STRING "Path and prefix of the GNU Arm tools")

# try_compile() projects re-read this file in a fresh cache: pass the choice on.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES IP_SMTPC_CPU ARM_NONE_EABI_PREFIX)

if(IP_SMTPC_CPU STREQUAL "cortex-m0" OR IP_SMTPC_CPU STREQUAL "cortex-m0plus")
  set(_ip_smtpc_flags "-mcpu=${IP_SMTPC_CPU} -mthumb -mfloat-abi=soft")
  set(_ip_smtpc_rust "thumbv6m-none-eabi")
elseif(IP_SMTPC_CPU STREQUAL "cortex-m3")
  set(_ip_smtpc_flags "-mcpu=cortex-m3 -mthumb -mfloat-abi=soft")
  set(_ip_smtpc_rust "thumbv7m-none-eabi")
elseif(IP_SMTPC_CPU STREQUAL "cortex-m4")
  set(_ip_smtpc_flags "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
  set(_ip_smtpc_rust "thumbv7em-none-eabihf")
elseif(IP_SMTPC_CPU STREQUAL "cortex-m4-soft")
  set(_ip_smtpc_flags "-mcpu=cortex-m4 -mthumb -mfloat-abi=soft")
  set(_ip_smtpc_rust "thumbv7em-none-eabi")
elseif(IP_SMTPC_CPU STREQUAL "cortex-m7")
  set(_ip_smtpc_flags "-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16")
  set(_ip_smtpc_rust "thumbv7em-none-eabihf")
elseif(IP_SMTPC_CPU STREQUAL "cortex-m33")
  set(_ip_smtpc_flags "-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16")
  set(_ip_smtpc_rust "thumbv8m.main-none-eabihf")
else()
  message(FATAL_ERROR "IP_SMTPC_CPU='${IP_SMTPC_CPU}' is not one of: cortex-m0 cortex-m0plus cortex-m3 cortex-m4 cortex-m4-soft cortex-m7 cortex-m33")
endif()

set(IP_SMTPC_RUST_TARGET "${_ip_smtpc_rust}" CACHE STRING "Rust target triple matching IP_SMTPC_CPU" FORCE)
set(IP_SMTPC_CPU_FLAGS "${_ip_smtpc_flags}" CACHE STRING "Compiler flags of IP_SMTPC_CPU" FORCE)
mark_as_advanced(IP_SMTPC_RUST_TARGET IP_SMTPC_CPU_FLAGS)

set(CMAKE_C_COMPILER   "${ARM_NONE_EABI_PREFIX}gcc")
set(CMAKE_CXX_COMPILER "${ARM_NONE_EABI_PREFIX}g++")
set(CMAKE_ASM_COMPILER "${ARM_NONE_EABI_PREFIX}gcc")
set(CMAKE_AR           "${ARM_NONE_EABI_PREFIX}ar" CACHE FILEPATH "")
set(CMAKE_RANLIB       "${ARM_NONE_EABI_PREFIX}ranlib" CACHE FILEPATH "")
set(CMAKE_OBJCOPY      "${ARM_NONE_EABI_PREFIX}objcopy" CACHE FILEPATH "")
set(CMAKE_SIZE         "${ARM_NONE_EABI_PREFIX}size" CACHE FILEPATH "")

# No operating system to link a test program against.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(CMAKE_C_FLAGS_INIT   "${_ip_smtpc_flags}")
set(CMAKE_CXX_FLAGS_INIT "${_ip_smtpc_flags}")
set(CMAKE_ASM_FLAGS_INIT "${_ip_smtpc_flags}")
# newlib-nano; the Rust objects carry .note.GNU-stack and GCC's do not, so
# say explicitly that no executable stack is wanted (silences ld 2.39+).
set(CMAKE_EXE_LINKER_FLAGS_INIT "--specs=nano.specs -Wl,-z,noexecstack")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
