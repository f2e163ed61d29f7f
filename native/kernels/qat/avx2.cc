// AVX2 variant of the quantization-aware-training kernels; ref.cc is the
// specification and every output here is bit-identical to it.
//
// This file is compiled for the baseline x86-64 ISA. Every function that uses AVX2
// carries MP_AVX2 (a target attribute) and is only reached through qat_avx2, which
// dispatch selects after cpu_features() reported AVX2 + FMA. Do not call
// non-intrinsic inline library functions from these functions.
//
// The quantize arithmetic is that of native/kernels/quant/avx2.cc: a float32
// division, NaN lanes zeroed, clamp to +-1024, round half to even, then
// float(q - zp) * scale with a plain multiply (no FMA).
#include "qat_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)

#include <immintrin.h>

#define MP_AVX2 __attribute__((target("avx2,fma")))

namespace mp {
namespace {

// |zp| <= 255, so a quotient beyond +-1024 saturates (and is out of range) whatever
// it is; clamping to this range first keeps the float -> int32 conversion in range.
constexpr float kQuotientLimit = 1024.0f;

// All-ones in the first k (0..8) int32 lanes.
MP_AVX2 inline __m256i tail_mask(size_t k) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(k)),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// 8 lanes of fake quantization. lo = qmin - zp, hi = qmax - zp: with r the rounded
// quotient, q - zp = clamp(r, lo, hi) exactly, and the element is representable iff
// r lies in [lo, hi]. *keep gets 1 / 0 per int32 lane.
MP_AVX2 inline __m256 fake8(__m256 x, __m256 scale, __m256i lo, __m256i hi, __m256i* keep) {
  __m256 v = _mm256_div_ps(x, scale);
  const __m256 ordered = _mm256_cmp_ps(v, v, _CMP_ORD_Q);
  v = _mm256_and_ps(v, ordered);  // NaN -> +0, i.e. q = zp
  v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(-kQuotientLimit)),
                    _mm256_set1_ps(kQuotientLimit));
  v = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);  // half to even
  const __m256i r = _mm256_cvtps_epi32(v);                                 // exact: integral
  // r in [lo, hi]  <=>  !(lo > r) && !(r > hi); NaN lanes are never kept.
  const __m256i out_of_range =
      _mm256_or_si256(_mm256_cmpgt_epi32(lo, r), _mm256_cmpgt_epi32(r, hi));
  *keep = _mm256_srli_epi32(_mm256_andnot_si256(out_of_range, _mm256_castps_si256(ordered)), 31);
  const __m256i rc = _mm256_min_epi32(_mm256_max_epi32(r, lo), hi);
  return _mm256_mul_ps(_mm256_cvtepi32_ps(rc), scale);
}

// 4 x 8 int32 in {0, 1} -> their 32 bytes, in order.
MP_AVX2 inline __m256i pack32(__m256i a, __m256i b, __m256i c, __m256i d) {
  const __m256i bytes = _mm256_packus_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
  // The packs work per 128-bit lane, leaving 4-byte groups in the order
  // a0 b0 c0 d0 a1 b1 c1 d1; put them back as a0 a1 b0 b1 c0 c1 d0 d1.
  return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// 8 int32 in {0, 1} -> their bytes in the low 8 bytes of the result.
MP_AVX2 inline __m128i pack8(__m256i a) {
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
  return _mm_packus_epi16(w, w);
}

// Writes the low k (< 8) bytes of v.
MP_AVX2 inline void store_bytes(uint8_t* out, __m128i v, size_t k) {
  uint64_t bits = static_cast<uint64_t>(_mm_cvtsi128_si64(v));
  for (size_t j = 0; j < k; ++j, bits >>= 8) out[j] = static_cast<uint8_t>(bits);
}

MP_AVX2 void fake_quantize_avx2(const float* x, float* out, uint8_t* mask, size_t n, float scale,
                                int32_t zp, int32_t qmin, int32_t qmax) {
  const __m256 s = _mm256_set1_ps(scale);
  const __m256i lo = _mm256_set1_epi32(qmin - zp), hi = _mm256_set1_epi32(qmax - zp);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i k[4];
    for (size_t j = 0; j < 4; ++j)  // fully unrolled by the compiler
      _mm256_storeu_ps(out + i + 8 * j, fake8(_mm256_loadu_ps(x + i + 8 * j), s, lo, hi, &k[j]));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(mask + i), pack32(k[0], k[1], k[2], k[3]));
  }
  for (; i + 8 <= n; i += 8) {
    __m256i k;
    _mm256_storeu_ps(out + i, fake8(_mm256_loadu_ps(x + i), s, lo, hi, &k));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(mask + i), pack8(k));
  }
  if (i < n) {
    const __m256i m = tail_mask(n - i);  // masked-off lanes read as 0.0f
    __m256i k;
    _mm256_maskstore_ps(out + i, m, fake8(_mm256_maskload_ps(x + i, m), s, lo, hi, &k));
    store_bytes(mask + i, pack8(k), n - i);
  }
}

// Lanes outside m (if not all-ones) get scale 1 and zp 0, so they compute 0 / 1.
MP_AVX2 inline __m256 fake8_each(const float* x, const float* scales, const int32_t* zps,
                                 __m256i qmin, __m256i qmax, __m256i m, __m256i* keep) {
  const __m256 s = _mm256_blendv_ps(_mm256_set1_ps(1.0f), _mm256_maskload_ps(scales, m),
                                    _mm256_castsi256_ps(m));
  const __m256i z = _mm256_maskload_epi32(zps, m);
  return fake8(_mm256_maskload_ps(x, m), s, _mm256_sub_epi32(qmin, z), _mm256_sub_epi32(qmax, z),
               keep);
}

MP_AVX2 inline __m256 fake8_each(const float* x, const float* scales, const int32_t* zps,
                                 __m256i qmin, __m256i qmax, __m256i* keep) {
  const __m256i z = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(zps));
  return fake8(_mm256_loadu_ps(x), _mm256_loadu_ps(scales), _mm256_sub_epi32(qmin, z),
               _mm256_sub_epi32(qmax, z), keep);
}

MP_AVX2 void fake_quantize_each_avx2(const float* x, float* out, uint8_t* mask, size_t n,
                                     const float* scales, const int32_t* zps, int32_t qmin,
                                     int32_t qmax) {
  const __m256i lo = _mm256_set1_epi32(qmin), hi = _mm256_set1_epi32(qmax);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i k[4];
    for (size_t j = 0; j < 4; ++j) {
      const size_t o = i + 8 * j;
      _mm256_storeu_ps(out + o, fake8_each(x + o, scales + o, zps + o, lo, hi, &k[j]));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(mask + i), pack32(k[0], k[1], k[2], k[3]));
  }
  for (; i + 8 <= n; i += 8) {
    __m256i k;
    _mm256_storeu_ps(out + i, fake8_each(x + i, scales + i, zps + i, lo, hi, &k));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(mask + i), pack8(k));
  }
  if (i < n) {
    const __m256i m = tail_mask(n - i);
    __m256i k;
    _mm256_maskstore_ps(out + i, m, fake8_each(x + i, scales + i, zps + i, lo, hi, m, &k));
    store_bytes(mask + i, pack8(k), n - i);
  }
}

// The low k (< 8) bytes of the result are q[0..k), the rest 0.
MP_AVX2 inline __m128i load_partial(const uint8_t* q, size_t k) {
  uint64_t bits = 0;
  for (size_t j = 0; j < k; ++j) bits |= static_cast<uint64_t>(q[j]) << (8 * j);
  return _mm_cvtsi64_si128(static_cast<long long>(bits));
}

// Low 8 mask bytes -> grad where the byte is non-zero, +0 elsewhere (a select, so a
// NaN gradient under a zero mask still gives +0).
MP_AVX2 inline __m256 select8(__m128i mask_bytes, __m256 grad) {
  const __m256i zero = _mm256_cmpeq_epi32(_mm256_cvtepu8_epi32(mask_bytes), _mm256_setzero_si256());
  return _mm256_andnot_ps(_mm256_castsi256_ps(zero), grad);
}

MP_AVX2 void mask_gradient_avx2(const float* grad, const uint8_t* mask, float* out, size_t n) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(mask + i));
    const __m128i m0 = _mm256_castsi256_si128(m), m1 = _mm256_extracti128_si256(m, 1);
    _mm256_storeu_ps(out + i, select8(m0, _mm256_loadu_ps(grad + i)));
    _mm256_storeu_ps(out + i + 8, select8(_mm_srli_si128(m0, 8), _mm256_loadu_ps(grad + i + 8)));
    _mm256_storeu_ps(out + i + 16, select8(m1, _mm256_loadu_ps(grad + i + 16)));
    _mm256_storeu_ps(out + i + 24, select8(_mm_srli_si128(m1, 8), _mm256_loadu_ps(grad + i + 24)));
  }
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, select8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(mask + i)),
                                      _mm256_loadu_ps(grad + i)));
  if (i < n) {
    const __m256i m = tail_mask(n - i);
    _mm256_maskstore_ps(out + i, m,
                        select8(load_partial(mask + i, n - i), _mm256_maskload_ps(grad + i, m)));
  }
}

}  // namespace

const QatKernels qat_avx2 = {fake_quantize_avx2, fake_quantize_each_avx2, mask_gradient_avx2};

}  // namespace mp

#endif  // x86-64
