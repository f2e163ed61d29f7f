// Internal interface of the quantization kernel family: one table of function
// pointers per instruction set. native/dispatch/ picks the table; the C ABI
// (native/include/modelpress.h) walks per-axis layouts and calls into it.
//
// Every variant must give bit-identical bytes to ref.cc for quantize, and
// bit-identical floats for dequantize and min/max (each output is one exact
// operation or one correctly rounded IEEE operation, so this is achievable).
#ifndef MODELPRESS_QUANT_KERNELS_H
#define MODELPRESS_QUANT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

namespace mp {

// Preconditions (enforced by native/dispatch/quant_abi.cc): scale finite and > 0;
// qmin/qmax the range of int8 or uint8 and zp inside it. The SIMD variants rely on
// |zp| <= 255 to clamp quotients early, before converting them to integers.
struct QuantKernels {
  // out[i] = clamp(round_half_even(x[i] / scale) + zp, qmin, qmax) as a byte
  // (two's complement for int8). NaN -> zp. The division is a float32 division.
  void (*quantize)(const float* x, uint8_t* out, size_t n, float scale, int32_t zp,
                   int32_t qmin, int32_t qmax);
  // The same with a scale and zero point per element (arrays of length n).
  void (*quantize_each)(const float* x, uint8_t* out, size_t n, const float* scales,
                        const int32_t* zps, int32_t qmin, int32_t qmax);
  // out[i] = float(q[i] - zp) * scale; q read as int8 if is_signed, else uint8.
  void (*dequantize)(const uint8_t* q, float* out, size_t n, bool is_signed, float scale,
                     int32_t zp);
  void (*dequantize_each)(const uint8_t* q, float* out, size_t n, bool is_signed,
                          const float* scales, const int32_t* zps);
  // *mn = min(*mn, x[..]), *mx = max(*mx, x[..]). Returns true if any element is
  // NaN or +-Inf (then *mn / *mx are unspecified).
  bool (*min_max)(const float* x, size_t n, float* mn, float* mx);
  // mins[i] = min(mins[i], x[i]), maxs[i] = max(maxs[i], x[i]); same return rule.
  bool (*min_max_each)(const float* x, size_t n, float* mins, float* maxs);
};

extern const QuantKernels quant_scalar;
#if defined(__x86_64__) || defined(_M_X64)
extern const QuantKernels quant_avx2;
extern const QuantKernels quant_avx512;
#endif
#if defined(__aarch64__)
extern const QuantKernels quant_neon;
#endif
#if defined(__wasm_simd128__)
extern const QuantKernels quant_simd128;
#endif

}  // namespace mp

#endif
