#!/bin/sh
# Builds native/test/quant_variants_test.cc with the kernel sources (baseline ISA
# flags, as the real build uses) and runs it: once optimised, once under
# AddressSanitizer + UndefinedBehaviorSanitizer. Exits non-zero on any failure.
set -eu
cd "$(dirname "$0")/../.."

CXX=${CXX:-g++}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/mp_quant_test.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

SRCS="native/test/quant_variants_test.cc
      native/kernels/quant/ref.cc
      native/kernels/quant/avx2.cc
      native/kernels/quant/avx512.cc
      native/kernels/quant/neon.cc
      native/dispatch/cpu_features.cc"
FLAGS="-std=c++17 -fno-strict-aliasing -ffp-contract=off -Wall -Wextra -I native/include"

echo "== optimised build (-O3)"
$CXX $FLAGS -O3 $SRCS -o "$OUT/quant_test"
"$OUT/quant_test"

echo "== sanitizer build (-fsanitize=address,undefined)"
$CXX $FLAGS -O2 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
  $SRCS -o "$OUT/quant_test_san"
"$OUT/quant_test_san"
