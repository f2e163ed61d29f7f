/*
 * modelpress C ABI.
 *
 * The one interface between the kernels and their hosts (the N-API addon and the
 * WebAssembly module). Plain C: pointers, lengths, plain parameters, status codes.
 * No host headers may appear here or anywhere under native/kernels/.
 *
 * Tensor layout for per-axis parameters
 * -------------------------------------
 * A tensor of shape [d0 .. d(r-1)] quantized along axis a is seen as
 * [outer, axis_len, inner] with inner = product of the dimensions after a.
 * Element i (flat, row-major) uses parameter index (i / inner) % axis_len.
 * Per-tensor parameters are axis_len = 1, inner = 1.
 *
 * Every call works on the flat element range [offset, offset + n) of such a tensor:
 * x / q / out point at element `offset`, not at element 0. Hosts that stream a big
 * tensor through a small buffer (the WebAssembly backend) call once per chunk;
 * hosts that see the whole tensor pass offset = 0.
 */
#ifndef MODELPRESS_H
#define MODELPRESS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__EMSCRIPTEN__)
#include <emscripten/em_macros.h>
#define MP_API EMSCRIPTEN_KEEPALIVE
#elif defined(_WIN32)
#define MP_API
#else
#define MP_API __attribute__((visibility("default")))
#endif

typedef enum mp_status {
  MP_OK = 0,
  MP_ERR_NULL_POINTER = 1,  /* a required pointer is NULL while n > 0            */
  MP_ERR_LAYOUT = 2,        /* axis_len or inner is 0, or n_params != axis_len    */
  MP_ERR_SCALE = 3,         /* a scale is not finite or not > 0                  */
  MP_ERR_ZERO_POINT = 4,    /* a zero point lies outside the range of the qtype   */
  MP_ERR_QTYPE = 5,         /* unknown qtype                                      */
  MP_ERR_NON_FINITE = 6,    /* range finding met NaN or +-Inf (see bad_index)     */
  MP_ERR_VARIANT = 7,       /* unknown or unavailable CPU variant name            */
  MP_ERR_RANGE = 8          /* histogram range or bin count not usable            */
} mp_status;

typedef enum mp_qtype {
  MP_QTYPE_INT8 = 1,   /* q in [-128, 127] */
  MP_QTYPE_UINT8 = 2   /* q in [0, 255]    */
} mp_qtype;

/*
 * ONNX QuantizeLinear:
 *   q = saturate(round_half_to_even(x / scale) + zero_point)
 * x / scale is an IEEE float32 division (not a multiplication by 1/scale).
 * NaN maps to the zero point; +-Inf saturate. out receives n bytes
 * (int8 as two's complement).
 */
MP_API mp_status mp_quantize_linear(const float* x, uint8_t* out, size_t n, size_t offset,
                                    size_t axis_len, size_t inner, const float* scales,
                                    const int32_t* zero_points, size_t n_params, int32_t qtype);

/*
 * ONNX DequantizeLinear:  out = float32(q - zero_point) * scale  (one rounding).
 */
MP_API mp_status mp_dequantize_linear(const uint8_t* q, float* out, size_t n, size_t offset,
                                      size_t axis_len, size_t inner, const float* scales,
                                      const int32_t* zero_points, size_t n_params, int32_t qtype);

/*
 * Fake quantization for quantization-aware training: out = DequantizeLinear(
 * QuantizeLinear(x)) exactly, and mask[i] = 1 where round_half_to_even(x / scale) +
 * zero_point lies inside the qtype's range before saturation, else 0 (NaN, +-Inf and
 * clamped values): the straight-through estimator's gradient mask.
 */
MP_API mp_status mp_fake_quantize(const float* x, float* out, uint8_t* mask, size_t n, size_t offset,
                                  size_t axis_len, size_t inner, const float* scales,
                                  const int32_t* zero_points, size_t n_params, int32_t qtype);

/* out[i] = mask[i] ? grad[i] : 0 (the backward pass of fake quantization). */
MP_API mp_status mp_mask_gradient(const float* grad, const uint8_t* mask, float* out, size_t n);

/*
 * Range finding. Folds the elements into mins[p] / maxs[p] (p = parameter index as
 * above); the caller initialises them (to +Inf / -Inf for a fresh search), so chunks
 * accumulate. If any element is NaN or +-Inf, returns MP_ERR_NON_FINITE and writes the
 * absolute index (offset + i) of the first such element to *bad_index; mins/maxs are
 * then unspecified.
 */
MP_API mp_status mp_min_max(const float* x, size_t n, size_t offset, size_t axis_len, size_t inner,
                            float* mins, float* maxs, size_t n_params, size_t* bad_index);

/*
 * Float down-casting: fp32 <-> IEEE binary16 and fp32 <-> bfloat16, as uint16_t bit
 * patterns. Down-casts round to nearest even, keep subnormals, turn overflow into
 * +-Inf and keep NaN a (quiet) NaN; up-casts are exact. counts[0..2] are ADDED to:
 * finite inputs that overflowed to +-Inf, non-zero inputs that underflowed to +-0,
 * and NaN inputs (so chunks accumulate; the caller zeroes them first).
 */
MP_API mp_status mp_f32_to_f16(const float* x, uint16_t* out, size_t n, uint64_t* counts);
MP_API mp_status mp_f16_to_f32(const uint16_t* h, float* out, size_t n);
MP_API mp_status mp_f32_to_bf16(const float* x, uint16_t* out, size_t n, uint64_t* counts);
MP_API mp_status mp_bf16_to_f32(const uint16_t* h, float* out, size_t n);

/*
 * Quantization-error sums of a reconstructed tensor y against its original x, per
 * tensor or per axis (layout as above). For each parameter index p, sums[7p .. 7p+6]
 * are ADDED to (so chunks accumulate; the caller zeroes them first), in double:
 *   0: sum (y - x)^2   1: sum |y - x|   2: max |y - x|   3: sum x^2
 *   4: sum y^2         5: sum x * y     6: max |x|
 * Non-finite inputs make the sums non-finite.
 */
MP_API mp_status mp_error_sums(const float* x, const float* y, size_t n, size_t offset, size_t axis_len,
                               size_t inner, double* sums, size_t n_params);

/*
 * Histogram: counts[b] += how many x fall in bin b of `bins` equal bins over
 * [lo, hi] (the last bin includes hi; values outside and NaN are not counted).
 * Requires lo < hi, both finite, and bins >= 1.
 */
MP_API mp_status mp_histogram(const float* x, size_t n, double lo, double hi, uint32_t bins, uint64_t* counts);

/*
 * CPU variants. Names: "scalar", "avx2", "avx512", "avx512bf16", "neon", "simd128".
 * mp_compiled_variants: comma-separated, best first, those built into this binary.
 * mp_supported_variants: the subset this CPU and OS can run, best first.
 * mp_cpu_variant: the variant in use now.
 * mp_set_cpu_cap: use the best supported variant no better than `name` (process-wide).
 */
MP_API const char* mp_compiled_variants(void);
MP_API const char* mp_supported_variants(void);
MP_API const char* mp_cpu_variant(void);
MP_API mp_status mp_set_cpu_cap(const char* name);

#ifdef __cplusplus
}
#endif

#endif /* MODELPRESS_H */
