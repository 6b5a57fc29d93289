#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Builds smtpc.exe for Windows (x86_64) with mingw-w64 over the Winsock
# port (ffi/ports/winsock) and, when an mbedTLS 2.x source tree is found,
# with TLS through the mbedTLS port (ffi/ports/mbedtls) built for Windows;
# otherwise --tls is "not built" (exit 2).
#
#   c-examples/smtpc/windows/build.sh [OUTDIR]     (default: build-windows)
#
# mbedTLS source: $MBEDTLS_SRC, else what scripts/setup fetched into
# ${XDG_CACHE_HOME:-~/.cache}/ip-smtpc/mbedtls (Debian's 2.28 source
# package); MBEDTLS_SRC=none builds without TLS.
#
# On Linux: cross build; needs gcc-mingw-w64-x86-64 and the Rust target
# x86_64-pc-windows-gnu (rustup target add x86_64-pc-windows-gnu); run the
# result with Wine (wine64 OUTDIR/smtpc.exe --version).
# On Windows: the same script in an MSYS2 "MINGW64" shell (pacman -S
# mingw-w64-x86_64-gcc) with Rust's x86_64-pc-windows-gnu toolchain, CC=gcc.
#
# Environment: CC (default x86_64-w64-mingw32-gcc, else gcc), AR (the
# matching ar), CARGO (cargo), MBEDTLS_SRC.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
out=${1:-"$root/build-windows"}
mkdir -p "$out"
out=$(cd "$out" && pwd)
target=x86_64-pc-windows-gnu
if [ -z "${CC:-}" ]; then
    if command -v x86_64-w64-mingw32-gcc >/dev/null; then CC=x86_64-w64-mingw32-gcc; else CC=gcc; fi
fi
if [ -z "${AR:-}" ]; then
    if [ "$CC" = x86_64-w64-mingw32-gcc ]; then AR=x86_64-w64-mingw32-ar; else AR=ar; fi
fi
cargo=${CARGO:-cargo}
mbedtls_src=${MBEDTLS_SRC:-"${XDG_CACHE_HOME:-$HOME/.cache}/ip-smtpc/mbedtls"}
in_size=${SMTPC_IN_BUFFER_SIZE:-256}
out_size=${SMTPC_OUT_BUFFER_SIZE:-256}

# The library (default features, release profile). As a staticlib alone, so
# that LTO applies: with Cargo.toml's two crate types it does not, and Rust
# std's unused random source would import bcryptprimitives.dll, which
# Wine 8 lacks.
SMTPC_IN_BUFFER_SIZE=$in_size SMTPC_OUT_BUFFER_SIZE=$out_size CARGO_TARGET_DIR="$out/cargo" \
    "$cargo" rustc --release --lib --crate-type staticlib --target "$target" \
    --manifest-path "$root/Cargo.toml" >&2
lib="$out/cargo/$target/release/libip_smtpc.a"

# What --version prints (as c-examples/smtpc/smtpc.cmake computes it).
cli_version=$(sed -n 's/^project(ip_smtpc VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
lib_version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)
default=$(sed -n 's/^default = \[\(.*\)\]/\1/p' "$root/Cargo.toml" | tr -d '" ' | sed 's/,/, /g')
full=$(sed -n 's/^full = \[\(.*\)\]/\1/p' "$root/Cargo.toml" | tr -d '" ' | sed 's/,/, /g')
features=$default
[ "$default" = full ] && features="full ($full)"

# mbedTLS for Windows (its own Makefile, WINDOWS=1), when the source is there.
tls_flags=()
tls_libs=()
if [ "$mbedtls_src" != none ] && [ -f "$mbedtls_src/include/mbedtls/ssl.h" ]; then
    rm -rf "$out/mbedtls"
    cp -r "$mbedtls_src" "$out/mbedtls"
    make -s -C "$out/mbedtls/library" -j2 CC="$CC" AR="$AR" WINDOWS=1 \
        libmbedtls.a libmbedx509.a libmbedcrypto.a >&2
    tls_flags=(-DSMTPC_WITH_MBEDTLS=1 -I"$root/ffi/ports/mbedtls" -isystem "$out/mbedtls/include"
               "$root/ffi/ports/mbedtls/ip_smtpc_mbedtls.c")
    tls_libs=("$out/mbedtls/library/libmbedtls.a" "$out/mbedtls/library/libmbedx509.a"
              "$out/mbedtls/library/libmbedcrypto.a" -ladvapi32 -lbcrypt)
    echo "build.sh: TLS with mbedTLS from $mbedtls_src" >&2
else
    echo "build.sh: no mbedTLS source ($mbedtls_src): smtpc.exe without TLS" >&2
fi

src="$root/c-examples/smtpc"
"$CC" -std=c99 -O2 -Wall -Wextra -Wpedantic -Werror \
    -I"$root/include" -I"$root/ffi/ports/winsock" \
    -DSMTPC_IN_BUFFER_SIZE="$in_size" -DSMTPC_OUT_BUFFER_SIZE="$out_size" \
    -DSMTPC_VERSION="\"$cli_version\"" -DSMTPC_LIB_VERSION="\"$lib_version\"" \
    -DSMTPC_LIB_FEATURES="\"$features\"" \
    "$src/main.c" "$src/options.c" "$src/config.c" "$src/input.c" "$src/message.c" "$src/session.c" \
    "$src/outcome.c" "$src/batch.c" "$src/util.c" "$src/platform.c" "$root/ffi/ports/winsock/ip_smtpc_winsock.c" \
    "${tls_flags[@]}" "$lib" "${tls_libs[@]}" -lws2_32 -lkernel32 -lntdll -luserenv -ldbghelp \
    -o "$out/smtpc.exe"
echo "$out/smtpc.exe"
