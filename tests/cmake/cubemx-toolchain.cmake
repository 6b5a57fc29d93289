# SPDX-License-Identifier: MIT OR Apache-2.0
# A toolchain file written the way STM32CubeMX writes its
# cmake/gcc-arm-none-eabi.cmake: CPU flags in CMAKE_C_FLAGS, nothing that
# names a Rust target. tests/cmake/run picks the core with -DTEST_CPU_FLAGS=...
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(TOOLCHAIN_PREFIX arm-none-eabi-)
set(CMAKE_C_COMPILER ${TOOLCHAIN_PREFIX}gcc)
set(CMAKE_ASM_COMPILER ${CMAKE_C_COMPILER})
set(CMAKE_OBJCOPY ${TOOLCHAIN_PREFIX}objcopy)
set(CMAKE_SIZE ${TOOLCHAIN_PREFIX}size)
set(CMAKE_EXECUTABLE_SUFFIX_C ".elf")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES TEST_CPU_FLAGS)

if(NOT TEST_CPU_FLAGS)
  set(TEST_CPU_FLAGS "-mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard")
endif()
set(TARGET_FLAGS "${TEST_CPU_FLAGS}")
set(CMAKE_C_FLAGS "${CMAKE_C_FLAGS} ${TARGET_FLAGS}")
set(CMAKE_C_FLAGS "${CMAKE_C_FLAGS} -Wall -fdata-sections -ffunction-sections")
set(CMAKE_EXE_LINKER_FLAGS "${TARGET_FLAGS} --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections -Wl,-z,noexecstack")
