#!/usr/bin/env bash
# Builds wasm/modelpress.wasm from the same kernel sources as the native addon:
# a standalone module (no Emscripten JS glue) exporting the C ABI of
# native/include/modelpress.h, loaded by src/backends/wasm-module.ts.
# Needs Emscripten (Debian: apt-get install emscripten node-acorn).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-wasm/modelpress.wasm}"
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"   # Debian's emcc optimiser needs acorn
export LC_ALL=C   # the source globs below expand in one order everywhere (a deterministic build)

exports='_malloc,_free,_mp_quantize_linear,_mp_dequantize_linear,_mp_min_max,_mp_compiled_variants,_mp_supported_variants,_mp_cpu_variant,_mp_set_cpu_cap,_mp_f32_to_f16,_mp_f16_to_f32,_mp_f32_to_bf16,_mp_bf16_to_f32,_mp_error_sums,_mp_histogram,_mp_fake_quantize,_mp_mask_gradient,_mp_quantize_blocked,_mp_dequantize_blocked,_mp_min_max_blocked,_mp_quantize_groups,_mp_pack_int4,_mp_unpack_int4,_mp_kmeans,_mp_lookup,_mp_pow2_quantize,_mp_histogram_range,_mp_digit_histogram,_mp_threshold_mask,_mp_count_nonzero,_mp_slice_norm_sums,_mp_block_pool,_mp_expand_block_mask,_mp_nm_mask,_mp_taylor_accumulate,_mp_count_nonzero_f32,_mp_csr_count,_mp_csr_encode,_mp_csr_decode,_mp_bitmask_encode,_mp_bitmask_decode,_mp_pack24,_mp_unpack24,_mp_csr_matvec,_mp_csr_matmul,_mp_dense_matvec,_mp_dense_matmul,_mp_nm24_matvec,_mp_nm24_matmul,_mp_softmax_rows,_mp_kl_rows,_mp_kl_topk_rows,_mp_ce_rows,_mp_sq_diff,_mp_cosine_rows,_mp_channel_mean_sq,_mp_scale_by_map'

emcc -std=c++17 -O3 -msimd128 -ffp-contract=off -fno-exceptions -fno-rtti \
  --no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=4MB -sMAXIMUM_MEMORY=4GB \
  -sTOTAL_STACK=256KB -sEXPORTED_FUNCTIONS="$exports" -sFILESYSTEM=0 \
  -ffile-prefix-map="$PWD"=. \
  native/dispatch/*.cc native/kernels/*/ref.cc native/kernels/*/simd128.cc \
  -o "$out"
echo "built $out ($(wc -c < "$out") bytes)"
