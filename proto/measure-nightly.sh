#!/bin/bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Usage: ./measure-nightly.sh [cargo args...]
# The pinned-nightly recipe of issue 12, measured with the shared probe: the installed nightly,
# core and compiler_builtins rebuilt from source for the target (-Zbuild-std; without the
# compiler-builtins-mem feature, so the archive carries no memcpy/memset), -C target-cpu=cortex-m4.
# Driven by environment only, so plain `cargo build` (stable) is untouched.
# Afterwards scripts/footprint.sh re-links the archive it left (add --list for symbols).
set -eu
D=$(cd "$(dirname "$0")" && pwd)
RUSTUP_TOOLCHAIN=${NIGHTLY:-nightly} RUSTFLAGS="${RUSTFLAGS:-} -C target-cpu=cortex-m4 -C llvm-args=-inline-threshold=20" \
  "$D/../../shared/footprint-probe/measure.sh" "$D" -Zbuild-std=core,compiler_builtins "$@"
