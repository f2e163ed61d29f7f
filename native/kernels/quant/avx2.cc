// AVX2 variant of the quantization kernels; ref.cc is the specification and every
// output here is bit-identical to it.
//
// This file is compiled for the baseline x86-64 ISA. Every function that uses AVX2
// carries MP_AVX2 (a target attribute) and is only reached through quant_avx2,
// which dispatch selects after cpu_features() reported AVX2 + FMA. Do not call
// non-intrinsic inline library functions from these functions.
#include "quant_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)

#include <immintrin.h>

#define MP_AVX2 __attribute__((target("avx2,fma")))

namespace mp {
namespace {

// |zp| <= 255, so a quotient beyond +-1024 saturates whatever it is; clamping to
// this range first keeps the float -> int32 conversion in range.
constexpr float kQuotientLimit = 1024.0f;

// All-ones in the first k (0..8) int32 lanes.
MP_AVX2 inline __m256i tail_mask(size_t k) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(k)),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// 8 floats -> 8 int32 in [qmin, qmax].
MP_AVX2 inline __m256i quantize8(__m256 x, __m256 scale, __m256i zp, __m256i qmin,
                                 __m256i qmax) {
  __m256 v = _mm256_div_ps(x, scale);
  v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q));  // NaN -> +0, i.e. q = zp
  v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(-kQuotientLimit)),
                    _mm256_set1_ps(kQuotientLimit));
  v = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);  // half to even
  __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(v), zp);                // exact: integral
  return _mm256_min_epi32(_mm256_max_epi32(q, qmin), qmax);
}

// 4 x 8 int32 in [-128, 255] -> their 32 low bytes, in order. The values fit int16,
// so packs is exact; masking to the low byte makes packus exact too (and gives two's
// complement bytes for negative int8 values).
MP_AVX2 inline __m256i pack32(__m256i a, __m256i b, __m256i c, __m256i d) {
  const __m256i low_byte = _mm256_set1_epi16(0xff);
  const __m256i ab = _mm256_and_si256(_mm256_packs_epi32(a, b), low_byte);
  const __m256i cd = _mm256_and_si256(_mm256_packs_epi32(c, d), low_byte);
  const __m256i bytes = _mm256_packus_epi16(ab, cd);
  // The packs work per 128-bit lane, leaving 4-byte groups in the order
  // a0 b0 c0 d0 a1 b1 c1 d1; put them back as a0 a1 b0 b1 c0 c1 d0 d1.
  return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// 8 int32 in [-128, 255] -> their low bytes in the low 8 bytes of the result.
MP_AVX2 inline __m128i pack8(__m256i a) {
  __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
  w = _mm_and_si128(w, _mm_set1_epi16(0xff));
  return _mm_packus_epi16(w, w);
}

// Writes the low k (< 8) bytes of v.
MP_AVX2 inline void store_bytes(uint8_t* out, __m128i v, size_t k) {
  uint64_t bits = static_cast<uint64_t>(_mm_cvtsi128_si64(v));
  for (size_t j = 0; j < k; ++j, bits >>= 8) out[j] = static_cast<uint8_t>(bits);
}

MP_AVX2 void quantize_avx2(const float* x, uint8_t* out, size_t n, float scale, int32_t zp,
                           int32_t qmin, int32_t qmax) {
  const __m256 s = _mm256_set1_ps(scale);
  const __m256i z = _mm256_set1_epi32(zp), lo = _mm256_set1_epi32(qmin),
                hi = _mm256_set1_epi32(qmax);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i a = quantize8(_mm256_loadu_ps(x + i), s, z, lo, hi);
    const __m256i b = quantize8(_mm256_loadu_ps(x + i + 8), s, z, lo, hi);
    const __m256i c = quantize8(_mm256_loadu_ps(x + i + 16), s, z, lo, hi);
    const __m256i d = quantize8(_mm256_loadu_ps(x + i + 24), s, z, lo, hi);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), pack32(a, b, c, d));
  }
  for (; i + 8 <= n; i += 8)
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out + i),
                     pack8(quantize8(_mm256_loadu_ps(x + i), s, z, lo, hi)));
  if (i < n) {
    const __m256i m = tail_mask(n - i);  // masked-off lanes read as 0.0f
    store_bytes(out + i, pack8(quantize8(_mm256_maskload_ps(x + i, m), s, z, lo, hi)), n - i);
  }
}

MP_AVX2 inline __m256i quantize8_each(const float* x, const float* scales, const int32_t* zps,
                                      __m256i qmin, __m256i qmax) {
  return quantize8(_mm256_loadu_ps(x), _mm256_loadu_ps(scales),
                   _mm256_loadu_si256(reinterpret_cast<const __m256i*>(zps)), qmin, qmax);
}

MP_AVX2 void quantize_each_avx2(const float* x, uint8_t* out, size_t n, const float* scales,
                                const int32_t* zps, int32_t qmin, int32_t qmax) {
  const __m256i lo = _mm256_set1_epi32(qmin), hi = _mm256_set1_epi32(qmax);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i a = quantize8_each(x + i, scales + i, zps + i, lo, hi);
    const __m256i b = quantize8_each(x + i + 8, scales + i + 8, zps + i + 8, lo, hi);
    const __m256i c = quantize8_each(x + i + 16, scales + i + 16, zps + i + 16, lo, hi);
    const __m256i d = quantize8_each(x + i + 24, scales + i + 24, zps + i + 24, lo, hi);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), pack32(a, b, c, d));
  }
  for (; i + 8 <= n; i += 8)
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out + i),
                     pack8(quantize8_each(x + i, scales + i, zps + i, lo, hi)));
  if (i < n) {
    const __m256i m = tail_mask(n - i);
    // Scale 1 in the unused lanes, so they compute 0 / 1 rather than 0 / 0.
    const __m256 s = _mm256_blendv_ps(_mm256_set1_ps(1.0f), _mm256_maskload_ps(scales + i, m),
                                      _mm256_castsi256_ps(m));
    const __m256i q = quantize8(_mm256_maskload_ps(x + i, m), s,
                                _mm256_maskload_epi32(zps + i, m), lo, hi);
    store_bytes(out + i, pack8(q), n - i);
  }
}

// The low 8 bytes of `bytes` (as int8 or uint8) -> 8 int32.
template <bool kSigned>
MP_AVX2 inline __m256i widen8(__m128i bytes) {
  return kSigned ? _mm256_cvtepi8_epi32(bytes) : _mm256_cvtepu8_epi32(bytes);
}

MP_AVX2 inline __m128i load8(const uint8_t* q) {
  return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(q));
}

// The low k (< 8) bytes of the result are q[0..k), the rest 0.
MP_AVX2 inline __m128i load_partial(const uint8_t* q, size_t k) {
  uint64_t bits = 0;
  for (size_t j = 0; j < k; ++j) bits |= static_cast<uint64_t>(q[j]) << (8 * j);
  return _mm_cvtsi64_si128(static_cast<long long>(bits));
}

// float(q - zp) * scale: the subtraction is exact, the product the only rounding.
MP_AVX2 inline __m256 dequantize8(__m256i q, __m256 scale, __m256i zp) {
  return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(q, zp)), scale);
}

template <bool kSigned>
MP_AVX2 void dequantize_t(const uint8_t* q, float* out, size_t n, float scale, int32_t zp) {
  const __m256 s = _mm256_set1_ps(scale);
  const __m256i z = _mm256_set1_epi32(zp);
  size_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (size_t j = i; j < i + 32; j += 8)  // fully unrolled by the compiler
      _mm256_storeu_ps(out + j, dequantize8(widen8<kSigned>(load8(q + j)), s, z));
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, dequantize8(widen8<kSigned>(load8(q + i)), s, z));
  if (i < n)
    _mm256_maskstore_ps(out + i, tail_mask(n - i),
                        dequantize8(widen8<kSigned>(load_partial(q + i, n - i)), s, z));
}

template <bool kSigned>
MP_AVX2 void dequantize_each_t(const uint8_t* q, float* out, size_t n, const float* scales,
                               const int32_t* zps) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i,
                     dequantize8(widen8<kSigned>(load8(q + i)),
                                 _mm256_loadu_ps(scales + i),
                                 _mm256_loadu_si256(reinterpret_cast<const __m256i*>(zps + i))));
  if (i < n) {
    const __m256i m = tail_mask(n - i);
    _mm256_maskstore_ps(out + i, m,
                        dequantize8(widen8<kSigned>(load_partial(q + i, n - i)),
                                    _mm256_maskload_ps(scales + i, m),
                                    _mm256_maskload_epi32(zps + i, m)));
  }
}

MP_AVX2 void dequantize_avx2(const uint8_t* q, float* out, size_t n, bool is_signed, float scale,
                             int32_t zp) {
  if (is_signed)
    dequantize_t<true>(q, out, n, scale, zp);
  else
    dequantize_t<false>(q, out, n, scale, zp);
}

MP_AVX2 void dequantize_each_avx2(const uint8_t* q, float* out, size_t n, bool is_signed,
                                  const float* scales, const int32_t* zps) {
  if (is_signed)
    dequantize_each_t<true>(q, out, n, scales, zps);
  else
    dequantize_each_t<false>(q, out, n, scales, zps);
}

// Non-finite detection: an element is NaN or +-Inf iff its bits without the sign,
// read as a (non-negative) int32, are >= 0x7f800000. So it is enough to keep the
// running maximum of those and test it once at the end.
MP_AVX2 inline __m256i abs_bits(__m256 x) {
  return _mm256_and_si256(_mm256_castps_si256(x), _mm256_set1_epi32(0x7fffffff));
}

MP_AVX2 inline bool any_non_finite(__m256i max_abs_bits) {
  const __m256i bad = _mm256_cmpgt_epi32(max_abs_bits, _mm256_set1_epi32(0x7f7fffff));
  return _mm256_movemask_ps(_mm256_castsi256_ps(bad)) != 0;
}

MP_AVX2 inline float hmin(__m256 v) {
  __m128 m = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_min_ps(m, _mm_movehl_ps(m, m));
  return _mm_cvtss_f32(_mm_min_ss(m, _mm_shuffle_ps(m, m, 1)));
}

MP_AVX2 inline float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  return _mm_cvtss_f32(_mm_max_ss(m, _mm_shuffle_ps(m, m, 1)));
}

// min_ps(x, lo) is "x < lo ? x : lo", exactly the reference's update.
MP_AVX2 bool min_max_avx2(const float* x, size_t n, float* mn, float* mx) {
  __m256 lo0 = _mm256_set1_ps(*mn), hi0 = _mm256_set1_ps(*mx), lo1 = lo0, hi1 = hi0;
  __m256i e0 = _mm256_setzero_si256(), e1 = e0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
    lo0 = _mm256_min_ps(a, lo0);
    hi0 = _mm256_max_ps(a, hi0);
    e0 = _mm256_max_epi32(e0, abs_bits(a));
    lo1 = _mm256_min_ps(b, lo1);
    hi1 = _mm256_max_ps(b, hi1);
    e1 = _mm256_max_epi32(e1, abs_bits(b));
  }
  for (; i + 8 <= n; i += 8) {
    const __m256 a = _mm256_loadu_ps(x + i);
    lo0 = _mm256_min_ps(a, lo0);
    hi0 = _mm256_max_ps(a, hi0);
    e0 = _mm256_max_epi32(e0, abs_bits(a));
  }
  if (i < n) {
    const __m256i m = tail_mask(n - i);
    const __m256 a = _mm256_maskload_ps(x + i, m);  // unused lanes: 0, which is finite
    const __m256 mf = _mm256_castsi256_ps(m);
    lo0 = _mm256_blendv_ps(lo0, _mm256_min_ps(a, lo0), mf);
    hi0 = _mm256_blendv_ps(hi0, _mm256_max_ps(a, hi0), mf);
    e0 = _mm256_max_epi32(e0, abs_bits(a));
  }
  if (any_non_finite(_mm256_max_epi32(e0, e1))) return true;
  *mn = hmin(_mm256_min_ps(lo0, lo1));
  *mx = hmax(_mm256_max_ps(hi0, hi1));
  return false;
}

MP_AVX2 bool min_max_each_avx2(const float* x, size_t n, float* mins, float* maxs) {
  __m256i e = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 a = _mm256_loadu_ps(x + i);
    _mm256_storeu_ps(mins + i, _mm256_min_ps(a, _mm256_loadu_ps(mins + i)));
    _mm256_storeu_ps(maxs + i, _mm256_max_ps(a, _mm256_loadu_ps(maxs + i)));
    e = _mm256_max_epi32(e, abs_bits(a));
  }
  if (i < n) {
    const __m256i m = tail_mask(n - i);
    const __m256 a = _mm256_maskload_ps(x + i, m);
    _mm256_maskstore_ps(mins + i, m, _mm256_min_ps(a, _mm256_maskload_ps(mins + i, m)));
    _mm256_maskstore_ps(maxs + i, m, _mm256_max_ps(a, _mm256_maskload_ps(maxs + i, m)));
    e = _mm256_max_epi32(e, abs_bits(a));
  }
  return any_non_finite(e);
}

}  // namespace

const QuantKernels quant_avx2 = {quantize_avx2,   quantize_each_avx2, dequantize_avx2,
                                 dequantize_each_avx2, min_max_avx2,  min_max_each_avx2};

}  // namespace mp

#endif  // x86-64
