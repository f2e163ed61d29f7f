#!/bin/sh
# Builds the kernel-variant tests (native/test/<family>_variants_test.cc), each with
# its kernel sources (baseline ISA flags, as the real build uses), and runs them:
# once optimised, once under AddressSanitizer + UndefinedBehaviorSanitizer; then the
# C ABI test. Exits non-zero on any failure.
#
# If the tools are installed it also checks the other variants:
#   NEON     with aarch64-linux-gnu-g++ and qemu-aarch64
#   SIMD128  with emcc and node
# (set MP_TEST_CROSS=0 to skip those).
set -eu
cd "$(dirname "$0")/../.."

CXX=${CXX:-g++}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/mp_kernel_test.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

# Every kernel family under native/kernels/ with a variant test.
FAMILIES="quant cast stats qat int4 codebook sparse prune sformat spmm distill"
FLAGS="-std=c++17 -fno-strict-aliasing -ffp-contract=off -Wall -Wextra -I native/include"
SAN="-O2 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

# The sources of a family's test for the x86-64 build (all variants but SIMD128).
x86_sources() {
  echo "native/test/$1_variants_test.cc native/kernels/$1/ref.cc native/dispatch/cpu_features.cc" \
    "native/kernels/$1/avx2.cc native/kernels/$1/avx512.cc native/kernels/$1/neon.cc"
}

echo "== native, optimised (-O3)"
for f in $FAMILIES; do
  $CXX $FLAGS -O3 $(x86_sources $f) -o "$OUT/${f}_test"
  "$OUT/${f}_test"
done

echo "== native, -fsanitize=address,undefined"
for f in $FAMILIES; do
  $CXX $FLAGS $SAN $(x86_sources $f) -o "$OUT/${f}_test_san"
  "$OUT/${f}_test_san"
done

echo "== C ABI (statuses, chunked per-axis walk, CPU cap), -fsanitize=address,undefined"
$CXX $FLAGS $SAN native/test/abi_test.cc native/dispatch/*.cc native/kernels/*/*.cc -o "$OUT/abi_test"
"$OUT/abi_test"

if [ "${MP_TEST_CROSS:-1}" = 0 ]; then exit 0; fi

if command -v aarch64-linux-gnu-g++ >/dev/null && command -v qemu-aarch64 >/dev/null; then
  echo "== aarch64 (NEON) under qemu-aarch64"
  for f in $FAMILIES; do
    aarch64-linux-gnu-g++ $FLAGS -O3 -static native/test/${f}_variants_test.cc \
      native/kernels/$f/ref.cc native/dispatch/cpu_features.cc native/kernels/$f/neon.cc \
      -o "$OUT/${f}_test_a64"
    qemu-aarch64 "$OUT/${f}_test_a64"
  done
else
  echo "== aarch64 (NEON): skipped (needs aarch64-linux-gnu-g++ and qemu-aarch64)"
fi

if command -v emcc >/dev/null && command -v node >/dev/null; then
  echo "== wasm (SIMD128) under node"
  # Old emscripten glue trips over node's built-in fetch; the fs path works everywhere.
  NODE="node"
  if node --no-experimental-fetch -e 0 2>/dev/null; then NODE="node --no-experimental-fetch"; fi
  for f in $FAMILIES; do
    NODE_PATH=${NODE_PATH:-/usr/share/nodejs} emcc $FLAGS -O3 -msimd128 native/test/${f}_variants_test.cc \
      native/kernels/$f/ref.cc native/dispatch/cpu_features.cc native/kernels/$f/simd128.cc \
      -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=node -o "$OUT/${f}_test_wasm.js"
    $NODE "$OUT/${f}_test_wasm.js"
  done
else
  echo "== wasm (SIMD128): skipped (needs emcc and node)"
fi
