#!/bin/bash
# Usage: scripts/symbols.sh [ARCHIVE]
# Links the footprint probe (../shared/footprint-probe) with the archive as measure.sh does
# and lists the symbols the library brought in, largest first (size in bytes, type, name).
set -eu
P=$(cd "$(dirname "$0")/.." && pwd)
A=${1:-$P/target/thumbv7em-none-eabihf/release/libip_smtpc.a}
H=/work/shared/footprint-probe
O=$(mktemp -d)
CF="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os -ffunction-sections -fdata-sections -nostartfiles --specs=nano.specs --specs=nosys.specs -T $H/mps2.ld -Wl,--gc-sections -Wl,--no-warn-execstack -I$P/include"
arm-none-eabi-gcc $CF "$H/startup.c" "$H/measure.c" -o "$O/nolib.elf"
arm-none-eabi-gcc $CF -DUSE_LIB "$H/startup.c" "$H/measure.c" "$A" -o "$O/lib.elf"
arm-none-eabi-nm -S --size-sort "$O/nolib.elf" | awk "{print \$4}" | sort >"$O/base"
arm-none-eabi-nm -S --size-sort -C "$O/lib.elf" | while read -r a s t n; do echo "$n $((16#$s)) $t"; done | sort >"$O/all"
cp "$O/lib.elf" /tmp/proto-lib.elf; join -v1 "$O/all" "$O/base" | awk '{print $2, $3, $1}' | sort -rn
echo "undefined in archive (from the C library):"
arm-none-eabi-nm -u "$A" 2>/dev/null | awk '{print $2}' | sort -u | tr '\n' ' '; echo
