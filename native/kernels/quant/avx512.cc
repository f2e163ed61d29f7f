// AVX-512 (F/BW/DQ/VL) variant of the quantization kernels; ref.cc is the
// specification and every output here is bit-identical to it.
//
// This file is compiled for the baseline x86-64 ISA. Every function that uses
// AVX-512 carries MP_AVX512 (a target attribute) and is only reached through
// quant_avx512, which dispatch selects after cpu_features() reported AVX-512.
// Do not call non-intrinsic inline library functions from these functions.
// Tails use masked loads and stores, which never touch the masked-off bytes.
#include "quant_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)

// GCC 12's AVX-512 headers trip a false -Wmaybe-uninitialized on their own
// _mm512_undefined_*() placeholders (GCC PR 105593, fixed in GCC 13).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <immintrin.h>
#include <stdint.h>

#define MP_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))

namespace mp {
namespace {

// |zp| <= 255, so a quotient beyond +-1024 saturates whatever it is; clamping to
// this range first keeps the float -> int32 conversion in range.
constexpr float kQuotientLimit = 1024.0f;

// Mask of the first k (0..16) lanes.
MP_AVX512 inline __mmask16 tail_mask(size_t k) {
  return static_cast<__mmask16>((1u << k) - 1u);
}

// 16 floats -> 16 int32 in [qmin, qmax].
MP_AVX512 inline __m512i quantize16(__m512 x, __m512 scale, __m512i zp, __m512i qmin,
                                    __m512i qmax) {
  __m512 v = _mm512_div_ps(x, scale);
  const __mmask16 not_nan = _mm512_cmp_ps_mask(v, v, _CMP_ORD_Q);
  v = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(-kQuotientLimit)),
                    _mm512_set1_ps(kQuotientLimit));
  // Round half to even by the embedded rounding mode; NaN lanes become 0, i.e. q = zp.
  __m512i q = _mm512_maskz_cvt_roundps_epi32(not_nan, v,
                                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  q = _mm512_add_epi32(q, zp);
  return _mm512_min_epi32(_mm512_max_epi32(q, qmin), qmax);
}

// Keeps the low byte of each lane: right for int8 and uint8 alike, since the values
// are already clamped to the qtype's range.
MP_AVX512 inline void store16(uint8_t* out, __m512i q) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm512_cvtepi32_epi8(q));
}

MP_AVX512 void quantize_avx512(const float* x, uint8_t* out, size_t n, float scale, int32_t zp,
                               int32_t qmin, int32_t qmax) {
  const __m512 s = _mm512_set1_ps(scale);
  const __m512i z = _mm512_set1_epi32(zp), lo = _mm512_set1_epi32(qmin),
                hi = _mm512_set1_epi32(qmax);
  size_t i = 0;
  // Four independent divisions per iteration hide the divider's latency.
  for (; i + 64 <= n; i += 64) {
    const __m512i a = quantize16(_mm512_loadu_ps(x + i), s, z, lo, hi);
    const __m512i b = quantize16(_mm512_loadu_ps(x + i + 16), s, z, lo, hi);
    const __m512i c = quantize16(_mm512_loadu_ps(x + i + 32), s, z, lo, hi);
    const __m512i d = quantize16(_mm512_loadu_ps(x + i + 48), s, z, lo, hi);
    store16(out + i, a);
    store16(out + i + 16, b);
    store16(out + i + 32, c);
    store16(out + i + 48, d);
  }
  for (; i + 16 <= n; i += 16) store16(out + i, quantize16(_mm512_loadu_ps(x + i), s, z, lo, hi));
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    const __m512i q = quantize16(_mm512_maskz_loadu_ps(m, x + i), s, z, lo, hi);
    _mm_mask_storeu_epi8(out + i, m, _mm512_cvtepi32_epi8(q));
  }
}

MP_AVX512 inline __m512i quantize16_each(const float* x, const float* scales, const int32_t* zps,
                                         __m512i qmin, __m512i qmax) {
  return quantize16(_mm512_loadu_ps(x), _mm512_loadu_ps(scales), _mm512_loadu_si512(zps), qmin,
                    qmax);
}

MP_AVX512 void quantize_each_avx512(const float* x, uint8_t* out, size_t n, const float* scales,
                                    const int32_t* zps, int32_t qmin, int32_t qmax) {
  const __m512i lo = _mm512_set1_epi32(qmin), hi = _mm512_set1_epi32(qmax);
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512i a = quantize16_each(x + i, scales + i, zps + i, lo, hi);
    const __m512i b = quantize16_each(x + i + 16, scales + i + 16, zps + i + 16, lo, hi);
    const __m512i c = quantize16_each(x + i + 32, scales + i + 32, zps + i + 32, lo, hi);
    const __m512i d = quantize16_each(x + i + 48, scales + i + 48, zps + i + 48, lo, hi);
    store16(out + i, a);
    store16(out + i + 16, b);
    store16(out + i + 32, c);
    store16(out + i + 48, d);
  }
  for (; i + 16 <= n; i += 16) store16(out + i, quantize16_each(x + i, scales + i, zps + i, lo, hi));
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    // Scale 1 in the unused lanes, so they compute 0 / 1 rather than 0 / 0.
    const __m512 s = _mm512_mask_loadu_ps(_mm512_set1_ps(1.0f), m, scales + i);
    const __m512i q = quantize16(_mm512_maskz_loadu_ps(m, x + i), s,
                                 _mm512_maskz_loadu_epi32(m, zps + i), lo, hi);
    _mm_mask_storeu_epi8(out + i, m, _mm512_cvtepi32_epi8(q));
  }
}

// 16 bytes (as int8 or uint8) -> 16 int32.
template <bool kSigned>
MP_AVX512 inline __m512i widen16(__m128i bytes) {
  return kSigned ? _mm512_cvtepi8_epi32(bytes) : _mm512_cvtepu8_epi32(bytes);
}

MP_AVX512 inline __m128i load16(const uint8_t* q) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
}

// float(q - zp) * scale: the subtraction is exact, the product the only rounding.
MP_AVX512 inline __m512 dequantize16(__m512i q, __m512 scale, __m512i zp) {
  return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(q, zp)), scale);
}

template <bool kSigned>
MP_AVX512 void dequantize_t(const uint8_t* q, float* out, size_t n, float scale, int32_t zp) {
  const __m512 s = _mm512_set1_ps(scale);
  const __m512i z = _mm512_set1_epi32(zp);
  size_t i = 0;
  for (; i + 64 <= n; i += 64)
    for (size_t j = i; j < i + 64; j += 16)  // fully unrolled by the compiler
      _mm512_storeu_ps(out + j, dequantize16(widen16<kSigned>(load16(q + j)), s, z));
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(out + i, dequantize16(widen16<kSigned>(load16(q + i)), s, z));
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(out + i, m,
                          dequantize16(widen16<kSigned>(_mm_maskz_loadu_epi8(m, q + i)), s, z));
  }
}

template <bool kSigned>
MP_AVX512 void dequantize_each_t(const uint8_t* q, float* out, size_t n, const float* scales,
                                 const int32_t* zps) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(out + i, dequantize16(widen16<kSigned>(load16(q + i)),
                                           _mm512_loadu_ps(scales + i),
                                           _mm512_loadu_si512(zps + i)));
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(out + i, m,
                          dequantize16(widen16<kSigned>(_mm_maskz_loadu_epi8(m, q + i)),
                                       _mm512_maskz_loadu_ps(m, scales + i),
                                       _mm512_maskz_loadu_epi32(m, zps + i)));
  }
}

MP_AVX512 void dequantize_avx512(const uint8_t* q, float* out, size_t n, bool is_signed,
                                 float scale, int32_t zp) {
  if (is_signed)
    dequantize_t<true>(q, out, n, scale, zp);
  else
    dequantize_t<false>(q, out, n, scale, zp);
}

MP_AVX512 void dequantize_each_avx512(const uint8_t* q, float* out, size_t n, bool is_signed,
                                      const float* scales, const int32_t* zps) {
  if (is_signed)
    dequantize_each_t<true>(q, out, n, scales, zps);
  else
    dequantize_each_t<false>(q, out, n, scales, zps);
}

// fpclass categories: QNaN | +Inf | -Inf | SNaN.
constexpr int kNonFinite = 0x01 | 0x08 | 0x10 | 0x80;

// Folds the lanes of x selected by m into lo / hi (min_ps(x, lo) is
// "x < lo ? x : lo", exactly the reference's update) and flags non-finite ones.
MP_AVX512 inline void min_max_masked(const float* x, __mmask16 m, __m512& lo, __m512& hi,
                                     __mmask16& bad) {
  const __m512 a = _mm512_maskz_loadu_ps(m, x);
  lo = _mm512_mask_min_ps(lo, m, a, lo);
  hi = _mm512_mask_max_ps(hi, m, a, hi);
  bad |= _mm512_mask_fpclass_ps_mask(m, a, kNonFinite);
}

MP_AVX512 bool min_max_avx512(const float* x, size_t n, float* mn, float* mx) {
  __m512 lo0 = _mm512_set1_ps(*mn), hi0 = _mm512_set1_ps(*mx), lo1 = lo0, hi1 = hi0;
  __mmask16 bad = 0;
  size_t i = 0;
  // This loop only streams x, and 64-byte loads that straddle cache lines make it
  // markedly slower, so first go up to a 64-byte boundary (if x is float-aligned).
  const uintptr_t addr = reinterpret_cast<uintptr_t>(x);
  if (addr % sizeof(float) == 0) {
    i = ((64 - (addr & 63)) & 63) / sizeof(float);
    if (i > n) i = n;
    if (i > 0) min_max_masked(x, tail_mask(i), lo0, hi0, bad);
  }
  for (; i + 32 <= n; i += 32) {
    const __m512 a = _mm512_loadu_ps(x + i), b = _mm512_loadu_ps(x + i + 16);
    lo0 = _mm512_min_ps(a, lo0);
    hi0 = _mm512_max_ps(a, hi0);
    lo1 = _mm512_min_ps(b, lo1);
    hi1 = _mm512_max_ps(b, hi1);
    bad |= _mm512_fpclass_ps_mask(a, kNonFinite) | _mm512_fpclass_ps_mask(b, kNonFinite);
  }
  for (; i + 16 <= n; i += 16) min_max_masked(x + i, 0xffff, lo0, hi0, bad);
  if (i < n) min_max_masked(x + i, tail_mask(n - i), lo0, hi0, bad);
  if (bad) return true;
  *mn = _mm512_reduce_min_ps(_mm512_min_ps(lo0, lo1));
  *mx = _mm512_reduce_max_ps(_mm512_max_ps(hi0, hi1));
  return false;
}

MP_AVX512 inline void min_max_each_masked(const float* x, float* mins, float* maxs, __mmask16 m,
                                          __mmask16& bad) {
  const __m512 a = _mm512_maskz_loadu_ps(m, x);
  _mm512_mask_storeu_ps(mins, m, _mm512_min_ps(a, _mm512_maskz_loadu_ps(m, mins)));
  _mm512_mask_storeu_ps(maxs, m, _mm512_max_ps(a, _mm512_maskz_loadu_ps(m, maxs)));
  bad |= _mm512_mask_fpclass_ps_mask(m, a, kNonFinite);
}

MP_AVX512 bool min_max_each_avx512(const float* x, size_t n, float* mins, float* maxs) {
  __mmask16 bad = 0;
  size_t i = 0;
  // As in min_max: stores that straddle cache lines are slow, so first go up to a
  // 64-byte boundary of mins (if it is float-aligned).
  const uintptr_t addr = reinterpret_cast<uintptr_t>(mins);
  if (addr % sizeof(float) == 0) {
    i = ((64 - (addr & 63)) & 63) / sizeof(float);
    if (i > n) i = n;
    if (i > 0) min_max_each_masked(x, mins, maxs, tail_mask(i), bad);
  }
  for (; i + 16 <= n; i += 16) {
    const __m512 a = _mm512_loadu_ps(x + i);
    _mm512_storeu_ps(mins + i, _mm512_min_ps(a, _mm512_loadu_ps(mins + i)));
    _mm512_storeu_ps(maxs + i, _mm512_max_ps(a, _mm512_loadu_ps(maxs + i)));
    bad |= _mm512_fpclass_ps_mask(a, kNonFinite);
  }
  if (i < n) min_max_each_masked(x + i, mins + i, maxs + i, tail_mask(n - i), bad);
  return bad != 0;
}

}  // namespace

const QuantKernels quant_avx512 = {quantize_avx512,      quantize_each_avx512,
                                   dequantize_avx512,    dequantize_each_avx512,
                                   min_max_avx512,       min_max_each_avx512};

}  // namespace mp

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // x86-64
