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
#
# Each (build, family) pair is one job; MP_TEST_JOBS of them (default: the number of
# CPUs) run at once, and each prints its output when it ends.
set -eu
cd "$(dirname "$0")/../.."
SELF="$(pwd)/native/test/run.sh"   # the jobs run this file again, from the repository root

CXX=${CXX:-g++}
# Every kernel family under native/kernels/ with a variant test.
FAMILIES="quant cast stats qat int4 codebook sparse prune sformat spmm distill"
FLAGS="-std=c++17 -fno-strict-aliasing -ffp-contract=off -Wall -Wextra -I native/include"
SAN="-O2 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

# The sources of a family's test for the x86-64 build (all variants but SIMD128).
x86_sources() {
  echo "native/test/$1_variants_test.cc native/kernels/$1/ref.cc native/dispatch/cpu_features.cc" \
    "native/kernels/$1/avx2.cc native/kernels/$1/avx512.cc native/kernels/$1/neon.cc"
}

# One job: build and run family $2's test in build $1 (in $OUT, set by the parent).
run_job() {
  case "$1" in
    native) $CXX $FLAGS -O3 $(x86_sources $2) -o "$OUT/$2_test" && "$OUT/$2_test" ;;
    sanitized) $CXX $FLAGS $SAN $(x86_sources $2) -o "$OUT/$2_test_san" && "$OUT/$2_test_san" ;;
    abi)
      $CXX $FLAGS $SAN native/test/abi_test.cc native/dispatch/*.cc native/kernels/*/*.cc -o "$OUT/abi_test" && "$OUT/abi_test" ;;
    aarch64)
      aarch64-linux-gnu-g++ $FLAGS -O3 -static native/test/$2_variants_test.cc \
        native/kernels/$2/ref.cc native/dispatch/cpu_features.cc native/kernels/$2/neon.cc \
        -o "$OUT/$2_test_a64" && qemu-aarch64 "$OUT/$2_test_a64" ;;
    wasm)
      # Old emscripten glue trips over node's built-in fetch; the fs path works everywhere.
      NODE="node"
      if node --no-experimental-fetch -e 0 2>/dev/null; then NODE="node --no-experimental-fetch"; fi
      NODE_PATH=${NODE_PATH:-/usr/share/nodejs} emcc $FLAGS -O3 -msimd128 native/test/$2_variants_test.cc \
        native/kernels/$2/ref.cc native/dispatch/cpu_features.cc native/kernels/$2/simd128.cc \
        -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=node -o "$OUT/$2_test_wasm.js" && $NODE "$OUT/$2_test_wasm.js" ;;
    *) echo "run.sh: unknown build $1" >&2; return 2 ;;
  esac
}

if [ "${1:-}" = "--job" ]; then
  log="$OUT/$2.$3.log"
  if run_job "$2" "$3" > "$log" 2>&1; then
    printf '== %s %s\n%s\n' "$2" "$3" "$(cat "$log")"
  else
    printf '== %s %s FAILED\n%s\n' "$2" "$3" "$(cat "$log")"
    exit 255   # makes xargs stop starting new jobs
  fi
  exit 0
fi

OUT=$(mktemp -d "${TMPDIR:-/tmp}/mp_kernel_test.XXXXXX")
export OUT
trap 'rm -rf "$OUT"' EXIT

builds="native sanitized"
if [ "${MP_TEST_CROSS:-1}" != 0 ]; then
  if command -v aarch64-linux-gnu-g++ >/dev/null && command -v qemu-aarch64 >/dev/null; then
    builds="$builds aarch64"
  else
    echo "== aarch64 (NEON): skipped (needs aarch64-linux-gnu-g++ and qemu-aarch64)"
  fi
  if command -v emcc >/dev/null && command -v node >/dev/null; then
    builds="$builds wasm"
  else
    echo "== wasm (SIMD128): skipped (needs emcc and node)"
  fi
fi

JOBS=${MP_TEST_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}
echo "== kernel variant tests: builds $builds and the C ABI; $JOBS jobs at a time"
{
  echo "abi all"
  for b in $builds; do
    for f in $FAMILIES; do echo "$b $f"; done
  done
} | xargs -n 2 -P "$JOBS" sh "$SELF" --job
echo "== kernel variant tests: all passed"
