// AVX-512 (F/BW/DQ/VL) variant of the quantization-aware-training kernels; ref.cc
// is the specification and every output here is bit-identical to it.
//
// This file is compiled for the baseline x86-64 ISA. Every function that uses
// AVX-512 carries MP_AVX512 (a target attribute) and is only reached through
// qat_avx512, which dispatch selects after cpu_features() reported AVX-512.
// Do not call non-intrinsic inline library functions from these functions.
// Tails use masked loads and stores, which never touch the masked-off bytes.
//
// The quantize arithmetic is that of native/kernels/quant/avx512.cc: a float32
// division, clamp to +-1024, round half to even by embedded rounding with NaN lanes
// zeroed, then float(q - zp) * scale with a plain multiply (no FMA).
#include "qat_kernels.h"

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

// |zp| <= 255, so a quotient beyond +-1024 saturates (and is out of range) whatever
// it is; clamping to this range first keeps the float -> int32 conversion in range.
constexpr float kQuotientLimit = 1024.0f;

// Mask of the first k (0..16) lanes.
MP_AVX512 inline __mmask16 tail_mask(size_t k) {
  return static_cast<__mmask16>((1u << k) - 1u);
}

// 16 lanes of fake quantization. lo = qmin - zp, hi = qmax - zp: with r the rounded
// quotient, q - zp = clamp(r, lo, hi) exactly, and the element is representable iff
// r lies in [lo, hi]. *keep gets the representable lanes (never NaN ones).
MP_AVX512 inline __m512 fake16(__m512 x, __m512 scale, __m512i lo, __m512i hi, __mmask16* keep) {
  __m512 v = _mm512_div_ps(x, scale);
  const __mmask16 not_nan = _mm512_cmp_ps_mask(v, v, _CMP_ORD_Q);
  v = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(-kQuotientLimit)),
                    _mm512_set1_ps(kQuotientLimit));
  // Round half to even by the embedded rounding mode; NaN lanes become 0, i.e. q = zp.
  const __m512i r = _mm512_maskz_cvt_roundps_epi32(not_nan, v,
                                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  *keep = _mm512_mask_cmp_epi32_mask(_mm512_mask_cmp_epi32_mask(not_nan, r, lo, _MM_CMPINT_NLT),
                                     r, hi, _MM_CMPINT_LE);
  const __m512i rc = _mm512_min_epi32(_mm512_max_epi32(r, lo), hi);
  return _mm512_mul_ps(_mm512_cvtepi32_ps(rc), scale);
}

// A mask -> one byte per lane, 1 where set.
MP_AVX512 inline __m128i mask_bytes(__mmask16 k) { return _mm_maskz_mov_epi8(k, _mm_set1_epi8(1)); }

MP_AVX512 void fake_quantize_avx512(const float* x, float* out, uint8_t* mask, size_t n, float scale,
                                    int32_t zp, int32_t qmin, int32_t qmax) {
  const __m512 s = _mm512_set1_ps(scale);
  const __m512i lo = _mm512_set1_epi32(qmin - zp), hi = _mm512_set1_epi32(qmax - zp);
  size_t i = 0;
  // Four independent divisions per iteration hide the divider's latency.
  for (; i + 64 <= n; i += 64) {
    for (size_t j = i; j < i + 64; j += 16) {  // fully unrolled by the compiler
      __mmask16 k;
      _mm512_storeu_ps(out + j, fake16(_mm512_loadu_ps(x + j), s, lo, hi, &k));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(mask + j), mask_bytes(k));
    }
  }
  for (; i + 16 <= n; i += 16) {
    __mmask16 k;
    _mm512_storeu_ps(out + i, fake16(_mm512_loadu_ps(x + i), s, lo, hi, &k));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(mask + i), mask_bytes(k));
  }
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    __mmask16 k;
    _mm512_mask_storeu_ps(out + i, m, fake16(_mm512_maskz_loadu_ps(m, x + i), s, lo, hi, &k));
    _mm_mask_storeu_epi8(mask + i, m, mask_bytes(k));
  }
}

// Lanes outside m get scale 1 and zp 0, so they compute 0 / 1 rather than 0 / 0.
MP_AVX512 inline __m512 fake16_each(const float* x, const float* scales, const int32_t* zps,
                                    __m512i qmin, __m512i qmax, __mmask16 m, __mmask16* keep) {
  const __m512 s = _mm512_mask_loadu_ps(_mm512_set1_ps(1.0f), m, scales);
  const __m512i z = _mm512_maskz_loadu_epi32(m, zps);
  return fake16(_mm512_maskz_loadu_ps(m, x), s, _mm512_sub_epi32(qmin, z),
                _mm512_sub_epi32(qmax, z), keep);
}

MP_AVX512 void fake_quantize_each_avx512(const float* x, float* out, uint8_t* mask, size_t n,
                                         const float* scales, const int32_t* zps, int32_t qmin,
                                         int32_t qmax) {
  const __m512i lo = _mm512_set1_epi32(qmin), hi = _mm512_set1_epi32(qmax);
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    for (size_t j = i; j < i + 64; j += 16) {
      __mmask16 k;
      _mm512_storeu_ps(out + j, fake16_each(x + j, scales + j, zps + j, lo, hi, 0xffff, &k));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(mask + j), mask_bytes(k));
    }
  }
  for (; i + 16 <= n; i += 16) {
    __mmask16 k;
    _mm512_storeu_ps(out + i, fake16_each(x + i, scales + i, zps + i, lo, hi, 0xffff, &k));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(mask + i), mask_bytes(k));
  }
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    __mmask16 k;
    _mm512_mask_storeu_ps(out + i, m, fake16_each(x + i, scales + i, zps + i, lo, hi, m, &k));
    _mm_mask_storeu_epi8(mask + i, m, mask_bytes(k));
  }
}

// out = mask ? grad : +0 for the lanes in m (a zero-masked load: a NaN gradient
// under a zero mask is never even read into the result).
MP_AVX512 inline void select16(const float* grad, const uint8_t* mask, float* out, __mmask16 m) {
  const __m128i b = _mm_maskz_loadu_epi8(m, mask);
  const __mmask16 keep = _mm_test_epi8_mask(b, b);
  _mm512_mask_storeu_ps(out, m, _mm512_maskz_loadu_ps(keep, grad));
}

MP_AVX512 void mask_gradient_avx512(const float* grad, const uint8_t* mask, float* out, size_t n) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(mask + i));
    _mm512_storeu_ps(out + i, _mm512_maskz_loadu_ps(_mm_test_epi8_mask(b, b), grad + i));
  }
  if (i < n) select16(grad + i, mask + i, out + i, tail_mask(n - i));
}

}  // namespace

const QatKernels qat_avx512 = {fake_quantize_avx512, fake_quantize_each_avx512,
                               mask_gradient_avx512};

}  // namespace mp

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // x86-64
