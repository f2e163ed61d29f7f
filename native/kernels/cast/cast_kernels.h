// Internal interface of the float down-casting family (fp32 <-> fp16, fp32 <-> bf16):
// one table of function pointers per instruction set, chosen by native/dispatch/.
//
// Every variant must give bit-identical results to ref.cc, including NaN payloads:
//   fp32 -> fp16  round to nearest even; subnormal halves kept; |x| >= 65520 -> +-Inf;
//                 NaN -> sign | 0x7E00 | (top 9 bits of the payload), i.e. quieted
//   fp16 -> fp32  exact; NaN -> quieted, payload shifted up
//   fp32 -> bf16  round to nearest even on the upper 16 bits; subnormals kept;
//                 NaN -> (bits >> 16) | 0x0040, i.e. quieted
//   bf16 -> fp32  bits << 16 (exact, NaNs untouched)
#ifndef MODELPRESS_CAST_KERNELS_H
#define MODELPRESS_CAST_KERNELS_H

#include <stddef.h>
#include <stdint.h>

namespace mp {

// What a down-cast lost, counted per call and added to by the caller across chunks.
struct CastCounts {
  uint64_t overflowed;  // finite input that became +-Inf
  uint64_t underflowed; // non-zero input that became +-0
  uint64_t nan;         // NaN input
};

struct CastKernels {
  void (*f32_to_f16)(const float* x, uint16_t* out, size_t n, CastCounts* counts);
  void (*f16_to_f32)(const uint16_t* h, float* out, size_t n);
  void (*f32_to_bf16)(const float* x, uint16_t* out, size_t n, CastCounts* counts);
  void (*bf16_to_f32)(const uint16_t* h, float* out, size_t n);
};

extern const CastKernels cast_scalar;
#if defined(__x86_64__) || defined(_M_X64)
extern const CastKernels cast_avx2;        // F16C for fp16
extern const CastKernels cast_avx512;      // AVX-512 F/BW (+ vcvtps2ph zmm)
extern const CastKernels cast_avx512bf16;  // + AVX512_BF16 vcvtneps2bf16 for bf16
#endif
#if defined(__aarch64__)
extern const CastKernels cast_neon;
#endif
#if defined(__wasm_simd128__)
extern const CastKernels cast_simd128;
#endif

}  // namespace mp

#endif
