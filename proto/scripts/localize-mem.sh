#!/bin/bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Usage: scripts/localize-mem.sh ARCHIVE
# Makes compiler_builtins' C-library symbols local in the archive, so a firmware linking it
# before its C library keeps the C library's memcpy/memset (issue 12). In place.
set -eu
arm-none-eabi-objcopy \
  $(for s in memcpy memmove memset memcmp bcmp strlen __aeabi_memcpy __aeabi_memcpy4 __aeabi_memcpy8 \
      __aeabi_memmove __aeabi_memmove4 __aeabi_memmove8 __aeabi_memset __aeabi_memset4 __aeabi_memset8 \
      __aeabi_memclr __aeabi_memclr4 __aeabi_memclr8; do echo "--localize-symbol=$s"; done) "$1"
