#!/bin/bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Usage: scripts/stackpaint/run.sh [ARCHIVE]
# Links main.c with the firmware archive (the probe's startup and linker script) and runs it
# under qemu-system-arm (mps2-an386, Cortex-M4F) with semihosting; prints the painted stack use.
set -eu
D=$(cd "$(dirname "$0")" && pwd); P=$(cd "$D/../.." && pwd); H=$(cd "$P/../../shared/footprint-probe" && pwd)
A=${1:-$P/target/thumbv7em-none-eabihf/release/libip_smtpc.a}
O=$(mktemp -d)
arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os -ffunction-sections -fdata-sections \
  -nostartfiles --specs=nano.specs --specs=nosys.specs -T "$H/mps2.ld" -Wl,--gc-sections -Wl,--no-warn-execstack \
  -I"$P/include" -I"$H" "$H/startup.c" "$D/main.c" "$A" -o "$O/paint.elf"
timeout 60 qemu-system-arm -M mps2-an386 -cpu cortex-m4 -nographic -monitor none -serial none -semihosting-config enable=on,target=native -kernel "$O/paint.elf"
