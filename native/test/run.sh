#!/bin/sh
# Builds the kernel-variant tests (native/test/{quant,cast,stats,qat}_variants_test.cc),
# each with its kernel sources (baseline ISA flags, as the real build uses), and
# runs them: once optimised, once under AddressSanitizer +
# UndefinedBehaviorSanitizer. Exits non-zero on any failure.
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

TEST=native/test/quant_variants_test.cc
COMMON="native/kernels/quant/ref.cc native/dispatch/cpu_features.cc"
FLAGS="-std=c++17 -fno-strict-aliasing -ffp-contract=off -Wall -Wextra -I native/include"
X86="native/kernels/quant/avx2.cc native/kernels/quant/avx512.cc native/kernels/quant/neon.cc"
CAST_TEST=native/test/cast_variants_test.cc
CAST_COMMON="native/kernels/cast/ref.cc native/dispatch/cpu_features.cc"
CAST_X86="native/kernels/cast/avx2.cc native/kernels/cast/avx512.cc native/kernels/cast/neon.cc"
STATS_TEST=native/test/stats_variants_test.cc
STATS_COMMON="native/kernels/stats/ref.cc native/dispatch/cpu_features.cc"
STATS_X86="native/kernels/stats/avx2.cc native/kernels/stats/avx512.cc native/kernels/stats/neon.cc"
QAT_TEST=native/test/qat_variants_test.cc
QAT_COMMON="native/kernels/qat/ref.cc native/dispatch/cpu_features.cc"
QAT_X86="native/kernels/qat/avx2.cc native/kernels/qat/avx512.cc native/kernels/qat/neon.cc"

echo "== native, optimised (-O3)"
$CXX $FLAGS -O3 $TEST $COMMON $X86 -o "$OUT/quant_test"
"$OUT/quant_test"
$CXX $FLAGS -O3 $CAST_TEST $CAST_COMMON $CAST_X86 -o "$OUT/cast_test"
$CXX $FLAGS -O3 $STATS_TEST $STATS_COMMON $STATS_X86 -o "$OUT/stats_test"
$CXX $FLAGS -O3 $QAT_TEST $QAT_COMMON $QAT_X86 -o "$OUT/qat_test"
"$OUT/qat_test"
"$OUT/stats_test"
"$OUT/cast_test"

echo "== native, -fsanitize=address,undefined"
$CXX $FLAGS -O2 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
  -fno-omit-frame-pointer $TEST $COMMON $X86 -o "$OUT/quant_test_san"
"$OUT/quant_test_san"
$CXX $FLAGS -O2 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
  -fno-omit-frame-pointer $CAST_TEST $CAST_COMMON $CAST_X86 -o "$OUT/cast_test_san"
$CXX $FLAGS -O2 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
  -fno-omit-frame-pointer $STATS_TEST $STATS_COMMON $STATS_X86 -o "$OUT/stats_test_san"
$CXX $FLAGS -O2 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
  -fno-omit-frame-pointer $QAT_TEST $QAT_COMMON $QAT_X86 -o "$OUT/qat_test_san"
"$OUT/qat_test_san"
"$OUT/stats_test_san"
"$OUT/cast_test_san"

echo "== C ABI (statuses, chunked per-axis walk, CPU cap), -fsanitize=address,undefined"
$CXX $FLAGS -O2 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
  native/test/abi_test.cc native/dispatch/*.cc native/kernels/*/*.cc -o "$OUT/abi_test"
"$OUT/abi_test"

if [ "${MP_TEST_CROSS:-1}" = 0 ]; then exit 0; fi

if command -v aarch64-linux-gnu-g++ >/dev/null && command -v qemu-aarch64 >/dev/null; then
  echo "== aarch64 (NEON) under qemu-aarch64"
  aarch64-linux-gnu-g++ $FLAGS -O3 -static $TEST $COMMON native/kernels/quant/neon.cc \
    -o "$OUT/quant_test_a64"
  qemu-aarch64 "$OUT/quant_test_a64"
  aarch64-linux-gnu-g++ $FLAGS -O3 -static $CAST_TEST $CAST_COMMON native/kernels/cast/neon.cc \
    -o "$OUT/cast_test_a64"
  qemu-aarch64 "$OUT/cast_test_a64"
  aarch64-linux-gnu-g++ $FLAGS -O3 -static $STATS_TEST $STATS_COMMON native/kernels/stats/neon.cc \
    -o "$OUT/stats_test_a64"
  qemu-aarch64 "$OUT/stats_test_a64"
  aarch64-linux-gnu-g++ $FLAGS -O3 -static $QAT_TEST $QAT_COMMON native/kernels/qat/neon.cc \
    -o "$OUT/qat_test_a64"
  qemu-aarch64 "$OUT/qat_test_a64"
else
  echo "== aarch64 (NEON): skipped (needs aarch64-linux-gnu-g++ and qemu-aarch64)"
fi

if command -v emcc >/dev/null && command -v node >/dev/null; then
  echo "== wasm (SIMD128) under node"
  NODE_PATH=${NODE_PATH:-/usr/share/nodejs} emcc $FLAGS -O3 -msimd128 $TEST $COMMON \
    native/kernels/quant/simd128.cc -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=node \
    -o "$OUT/quant_test_wasm.js"
  NODE_PATH=${NODE_PATH:-/usr/share/nodejs} emcc $FLAGS -O3 -msimd128 $CAST_TEST $CAST_COMMON \
    native/kernels/cast/simd128.cc -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=node \
    -o "$OUT/cast_test_wasm.js"
  NODE_PATH=${NODE_PATH:-/usr/share/nodejs} emcc $FLAGS -O3 -msimd128 $STATS_TEST $STATS_COMMON \
    native/kernels/stats/simd128.cc -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=node \
    -o "$OUT/stats_test_wasm.js"
  NODE_PATH=${NODE_PATH:-/usr/share/nodejs} emcc $FLAGS -O3 -msimd128 $QAT_TEST $QAT_COMMON \
    native/kernels/qat/simd128.cc -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=node \
    -o "$OUT/qat_test_wasm.js"
  # Old emscripten glue trips over node's built-in fetch; the fs path works everywhere.
  NODE="node"
  if node --no-experimental-fetch -e 0 2>/dev/null; then NODE="node --no-experimental-fetch"; fi
  $NODE "$OUT/quant_test_wasm.js"
  $NODE "$OUT/cast_test_wasm.js"
  $NODE "$OUT/stats_test_wasm.js"
  $NODE "$OUT/qat_test_wasm.js"
else
  echo "== wasm (SIMD128): skipped (needs emcc and node)"
fi
