#!/bin/bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Usage: scripts/footprint.sh [--localize] [--list] [ARCHIVE]
# Links the footprint probe (../shared/footprint-probe beside the repository) with the archive exactly as its
# measure.sh does and prints rom_delta the same way. --localize first makes the archive's
# compiler_builtins memcpy/memmove/memset/memcmp (and __aeabi_mem*) local, as the shipped
# archive must be; --list prints the symbols the library brought in, largest first.
set -eu
P=$(cd "$(dirname "$0")/.." && pwd)
LOC=0; LIST=0
while [ $# -gt 0 ]; do case $1 in --localize) LOC=1; shift;; --list) LIST=1; shift;; *) break;; esac; done
A=${1:-$P/target/thumbv7em-none-eabihf/release/libip_smtpc.a}
H=$(cd "$P/../../shared/footprint-probe" && pwd)
O=$(mktemp -d)
if [ $LOC = 1 ]; then
  cp "$A" "$O/lib.a"; A=$O/lib.a
  "$P/scripts/localize-mem.sh" "$A"
fi
CF="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os -ffunction-sections -fdata-sections -nostartfiles --specs=nano.specs --specs=nosys.specs -T $H/mps2.ld -Wl,--gc-sections -Wl,--no-warn-execstack -I$P/include"
arm-none-eabi-gcc $CF "$H/startup.c" "$H/measure.c" -o "$O/nolib.elf"
arm-none-eabi-gcc $CF -DUSE_LIB "$H/startup.c" "$H/measure.c" "$A" -o "$O/lib.elf"
cp "$O/lib.elf" /tmp/proto-lib.elf
sz() { arm-none-eabi-size -A "$1" | awk '$1 ~ /^\.(vectors|text|rodata|ARM\.exidx|ARM\.extab|data)$/ {r+=$2} $1 ~ /^\.(data|bss)$/ {m+=$2} END {print r, m}'; }
read -r r0 m0 < <(sz "$O/nolib.elf"); read -r r1 m1 < <(sz "$O/lib.elf")
if [ $LIST = 1 ]; then
  python3 - "$O/nolib.elf" "$O/lib.elf" <<'PY'
import subprocess, sys
def syms(f):
    out = subprocess.run(["arm-none-eabi-nm", "-S", "-C", f], capture_output=True, text=True).stdout
    d = {}
    for l in out.splitlines():
        p = l.split(" ", 3)
        if len(p) == 4: d[p[3]] = (int(p[1], 16), p[2])
    return d
a, b = syms(sys.argv[1]), syms(sys.argv[2])
rows = sorted(((s, t, n) for n, (s, t) in b.items() if a.get(n) != (s, t)), reverse=True)
for s, t, n in rows: print(f"{s:6} {t} {n}")
for n, (s, t) in a.items():
    if n not in b: print(f"{-s:6} {t} {n} (gone)")
PY
fi
echo "archive exports: $(arm-none-eabi-readelf -sW "$A" 2>/dev/null | awk '($5=="GLOBAL"||$5=="WEAK") && $7!="UND" && $8 ~ /^(__aeabi_)?mem|^strlen$|^bcmp$/ {print $8}' | sort -u | tr '\n' ' ')"
echo "library calls: $(arm-none-eabi-objdump -d "$O/lib.elf" | awk '/^[0-9a-f]+ <.*>:$/ {f=$2} /\tbl?\t.*<(__aeabi_)?mem/ && f !~ /Reset_Handler|^<(__aeabi_)?mem/ {print f"->"$NF}' | sort -u | tr '\n' ' ')"
echo "rom_delta=$((r1-r0)) ram_delta=$((m1-m0))"
if arm-none-eabi-objdump -d "$O/lib.elf" | awk '/^[0-9a-f]+ <.*>:$/ {f=$2} /\tbl?\t.*<(__aeabi_)?mem/ && f !~ /Reset_Handler|^<(__aeabi_)?mem/ {bad=1} END {exit !bad}'; then echo "FAIL: the library calls a mem* function"; exit 1; fi
