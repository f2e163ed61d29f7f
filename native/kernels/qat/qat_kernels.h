// Internal interface of the quantization-aware-training family: fake quantization
// (quantize then dequantize, with the straight-through-estimator mask) and the
// masked gradient. One table per instruction set, chosen by native/dispatch/.
//
// Every variant is bit-identical to ref.cc: out[i] equals what DequantizeLinear
// gives for QuantizeLinear's q (see native/kernels/quant/ref.cc), and mask[i] is 1
// exactly where round_half_even(x / scale) + zp lies in [qmin, qmax] before
// saturation (0 for NaN and +-Inf).
#ifndef MODELPRESS_QAT_KERNELS_H
#define MODELPRESS_QAT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

namespace mp {

struct QatKernels {
  // Preconditions as for QuantKernels: scale finite and > 0, qmin/qmax of int8 or
  // uint8, zp inside them.
  void (*fake_quantize)(const float* x, float* out, uint8_t* mask, size_t n, float scale, int32_t zp,
                        int32_t qmin, int32_t qmax);
  // The same with a scale and zero point per element (arrays of length n).
  void (*fake_quantize_each)(const float* x, float* out, uint8_t* mask, size_t n, const float* scales,
                             const int32_t* zps, int32_t qmin, int32_t qmax);
  // out[i] = mask[i] ? grad[i] : +0.0f (mask bytes are 0 or 1; any non-zero byte keeps).
  void (*mask_gradient)(const float* grad, const uint8_t* mask, float* out, size_t n);
};

extern const QatKernels qat_scalar;
#if defined(__x86_64__) || defined(_M_X64)
extern const QatKernels qat_avx2;
extern const QatKernels qat_avx512;
#endif
#if defined(__aarch64__)
extern const QatKernels qat_neon;
#endif
#if defined(__wasm_simd128__)
extern const QatKernels qat_simd128;
#endif

}  // namespace mp

#endif
