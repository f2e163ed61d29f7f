// AVX-512 (F/BW/DQ/VL) variant of the non-uniform quantization kernels; ref.cc is
// the specification and every output here is bit-identical to it.
//
// This file is compiled for the baseline x86-64 ISA. Every function that uses
// AVX-512 carries MP_AVX512 (a target attribute) and is only reached through
// codebook_avx512, which dispatch selects after cpu_features() reported AVX-512.
// Do not call non-intrinsic inline library functions from these functions.
// Tails use masked loads and stores, which never touch the masked-off bytes.
//
// assign is a branchless binary search whose tables live in registers: level L of
// the search (2^(L-1) candidate bounds) is one vpermps for up to 16 candidates and
// vpermt2ps plus blends beyond, so k = 256 costs 15 permutes per 16 elements and
// no memory access besides x and idx. lookup uses the same permute tree over the
// 256-entry table. pow2_quantize works on the float's bits.
#include "codebook_kernels.h"

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

// Mask of the first k (0..16) lanes.
MP_AVX512 inline __mmask16 tail_mask(size_t k) {
  return static_cast<__mmask16>((1u << k) - 1u);
}

// ---------------------------------------------------------------------------
// assign

// The binary search idx = 0; for step = k/2 .. 1: if (bounds[idx + step - 1] < x)
// idx += step visits, at level L (step = k >> L), one of 2^(L-1) bounds chosen by
// the L-1 bits decided so far (m = idx / (2 * step)). Because bounds is sorted,
// "bounds[j] < x" is true then false along j, so the search ends on exactly the
// count of bounds below x, duplicates included. Level L's candidates are
// bounds[(2m + 1) * step - 1], m < 2^(L-1); they are stored level by level (at
// offset 2^(L-1) - 1, the order of an implicit binary tree) so that each level is a
// small table indexed by m, and m = 2m + (candidate < x) at every level.
MP_AVX512 inline void level_tables(const float* bounds, uint32_t k, float* lv) {
  for (uint32_t size = 1, step = k / 2; step >= 1; size *= 2, step /= 2)
    for (uint32_t m = 0; m < size; ++m) lv[size - 1 + m] = bounds[(2 * m + 1) * step - 1];
}

// m = 2m + (t < x): the lanes where the candidate is below x take the upper half.
MP_AVX512 inline __m512i descend(__m512i m, __m512 t, __m512 x) {
  const __mmask16 below = _mm512_cmp_ps_mask(t, x, _CMP_LT_OQ);
  m = _mm512_add_epi32(m, m);
  return _mm512_mask_sub_epi32(m, below, m, _mm512_set1_epi32(-1));
}

// Lanes where bit b of m is set.
MP_AVX512 inline __mmask16 bit_set(__m512i m, int b) {
  return _mm512_test_epi32_mask(m, _mm512_set1_epi32(1 << b));
}

// tab[m] for a table of 128 floats in t[0..7] (m < 128): four 32-entry vpermt2ps
// lookups, then a blend tree on bits 5 and 6 of m.
MP_AVX512 inline __m512 lookup128(const __m512* t, __m512i m) {
  const __mmask16 b5 = bit_set(m, 5), b6 = bit_set(m, 6);
  const __m512 q0 = _mm512_permutex2var_ps(t[0], m, t[1]);
  const __m512 q1 = _mm512_permutex2var_ps(t[2], m, t[3]);
  const __m512 q2 = _mm512_permutex2var_ps(t[4], m, t[5]);
  const __m512 q3 = _mm512_permutex2var_ps(t[6], m, t[7]);
  return _mm512_mask_blend_ps(b6, _mm512_mask_blend_ps(b5, q0, q1), _mm512_mask_blend_ps(b5, q2, q3));
}

// The search of P = log2(k) levels over 16 values. The level tables are
// loop-invariant registers: lv1 (broadcast), lv[2..5] (one zmm each, zero-padded),
// l6 (2 zmm), l7 (4 zmm), l8 (8 zmm).
struct Tables {
  __m512 l1, l2, l3, l4, l5, l6[2], l7[4], l8[8];
};

template <int P>
MP_AVX512 inline __m512i search16(const Tables& t, __m512 x) {
  __m512i m = _mm512_maskz_mov_epi32(_mm512_cmp_ps_mask(t.l1, x, _CMP_LT_OQ), _mm512_set1_epi32(1));
  if (P >= 2) m = descend(m, _mm512_permutexvar_ps(m, t.l2), x);
  if (P >= 3) m = descend(m, _mm512_permutexvar_ps(m, t.l3), x);
  if (P >= 4) m = descend(m, _mm512_permutexvar_ps(m, t.l4), x);
  if (P >= 5) m = descend(m, _mm512_permutexvar_ps(m, t.l5), x);
  if (P >= 6) m = descend(m, _mm512_permutex2var_ps(t.l6[0], m, t.l6[1]), x);
  if (P >= 7) {
    const __m512 lo = _mm512_permutex2var_ps(t.l7[0], m, t.l7[1]);
    const __m512 hi = _mm512_permutex2var_ps(t.l7[2], m, t.l7[3]);
    m = descend(m, _mm512_mask_blend_ps(bit_set(m, 5), lo, hi), x);
  }
  if (P >= 8) m = descend(m, lookup128(t.l8, m), x);
  return m;
}

template <int P>
MP_AVX512 void assign_levels(const float* x, size_t n, const float* lv, uint8_t* idx) {
  Tables t;
  // Level L has 2^(L-1) entries at lv + 2^(L-1) - 1; unused lanes load as 0.
  t.l1 = _mm512_set1_ps(lv[0]);
  t.l2 = _mm512_maskz_loadu_ps(P >= 2 ? 0x3 : 0, lv + 1);
  t.l3 = _mm512_maskz_loadu_ps(P >= 3 ? 0xf : 0, lv + 3);
  t.l4 = _mm512_maskz_loadu_ps(P >= 4 ? 0xff : 0, lv + 7);
  t.l5 = _mm512_maskz_loadu_ps(P >= 5 ? 0xffff : 0, lv + 15);
  for (int j = 0; j < 2; ++j) t.l6[j] = _mm512_maskz_loadu_ps(P >= 6 ? 0xffff : 0, lv + 31 + 16 * j);
  for (int j = 0; j < 4; ++j) t.l7[j] = _mm512_maskz_loadu_ps(P >= 7 ? 0xffff : 0, lv + 63 + 16 * j);
  for (int j = 0; j < 8; ++j) t.l8[j] = _mm512_maskz_loadu_ps(P >= 8 ? 0xffff : 0, lv + 127 + 16 * j);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {  // two independent searches in flight
    const __m512i m0 = search16<P>(t, _mm512_loadu_ps(x + i));
    const __m512i m1 = search16<P>(t, _mm512_loadu_ps(x + i + 16));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(idx + i), _mm512_cvtepi32_epi8(m0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(idx + i + 16), _mm512_cvtepi32_epi8(m1));
  }
  for (; i + 16 <= n; i += 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(idx + i),
                     _mm512_cvtepi32_epi8(search16<P>(t, _mm512_loadu_ps(x + i))));
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    const __m512i mt = search16<P>(t, _mm512_maskz_loadu_ps(m, x + i));  // masked-off lanes read as 0
    _mm_mask_storeu_epi8(idx + i, m, _mm512_cvtepi32_epi8(mt));
  }
}

MP_AVX512 void assign_avx512(const float* x, size_t n, const float* bounds, uint32_t k, uint8_t* idx) {
  alignas(64) float lv[256];
  switch (k) {
    case 2: level_tables(bounds, k, lv); return assign_levels<1>(x, n, lv, idx);
    case 4: level_tables(bounds, k, lv); return assign_levels<2>(x, n, lv, idx);
    case 8: level_tables(bounds, k, lv); return assign_levels<3>(x, n, lv, idx);
    case 16: level_tables(bounds, k, lv); return assign_levels<4>(x, n, lv, idx);
    case 32: level_tables(bounds, k, lv); return assign_levels<5>(x, n, lv, idx);
    case 64: level_tables(bounds, k, lv); return assign_levels<6>(x, n, lv, idx);
    case 128: level_tables(bounds, k, lv); return assign_levels<7>(x, n, lv, idx);
    case 256: level_tables(bounds, k, lv); return assign_levels<8>(x, n, lv, idx);
    default: return codebook_scalar.assign(x, n, bounds, k, idx);  // outside the contract
  }
}

// ---------------------------------------------------------------------------
// min_dist

// d2 = s < d2 ? s : d2; vminps(a, b) is exactly a < b ? a : b (b for NaN or equal).
MP_AVX512 inline __m512 min_dist16(__m512 x, __m512 c, __m512 d2) {
  const __m512 d = _mm512_sub_ps(x, c);
  return _mm512_min_ps(_mm512_mul_ps(d, d), d2);
}

MP_AVX512 void min_dist_avx512(const float* x, size_t n, float c, float* d2) {
  const __m512 cv = _mm512_set1_ps(c);
  size_t i = 0;
  for (; i + 64 <= n; i += 64)
    for (size_t j = i; j < i + 64; j += 16)  // fully unrolled by the compiler
      _mm512_storeu_ps(d2 + j, min_dist16(_mm512_loadu_ps(x + j), cv, _mm512_loadu_ps(d2 + j)));
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(d2 + i, min_dist16(_mm512_loadu_ps(x + i), cv, _mm512_loadu_ps(d2 + i)));
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    const __m512 xt = _mm512_maskz_loadu_ps(m, x + i), dt = _mm512_maskz_loadu_ps(m, d2 + i);
    _mm512_mask_storeu_ps(d2 + i, m, min_dist16(xt, cv, dt));
  }
}

// ---------------------------------------------------------------------------
// lookup

// 16 index bytes -> table entries: the 256-entry table is 16 zmm, so a lookup is
// eight 32-entry vpermt2ps and a blend tree on bits 5..7 of the index.
MP_AVX512 inline __m512 lookup16(const __m512* t, __m128i bytes) {
  const __m512i m = _mm512_cvtepu8_epi32(bytes);
  const __mmask16 b7 = bit_set(m, 7);
  return _mm512_mask_blend_ps(b7, lookup128(t, m), lookup128(t + 8, m));
}

MP_AVX512 void lookup_avx512(const uint8_t* idx, size_t n, const float* table, float* out) {
  __m512 t[16];
  for (int j = 0; j < 16; ++j) t[j] = _mm512_loadu_ps(table + 16 * j);
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(out + i, lookup16(t, _mm_loadu_si128(reinterpret_cast<const __m128i*>(idx + i))));
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(out + i, m, lookup16(t, _mm_maskz_loadu_epi8(m, idx + i)));
  }
}

// ---------------------------------------------------------------------------
// pow2_quantize

// For a = |x| normal with exponent field E and mantissa M, the nearest level is
// 2^(E - 127) if M < 0x400000 (below 1.5 * 2^(E-127)), else 2^(E - 126): adding
// 0x400000 to the bits carries into the exponent field exactly then, so
// (bits(a) + 0x400000) >> 23 is the biased nearest exponent (finite a cannot
// overflow: 0x7f7fffff + 0x400000 < 2^31). Subnormal a lie below 2^(emin - 1)
// (emin >= -125), as does 0, and positive floats order like their bits.
struct Pow2Params {
  __m512i abs_mask, half_up, lo, hi, top, half_min;
};

MP_AVX512 inline Pow2Params pow2_params(int32_t emin, int32_t emax) {
  Pow2Params p;
  p.abs_mask = _mm512_set1_epi32(0x7fffffff);
  p.half_up = _mm512_set1_epi32(0x400000);
  p.lo = _mm512_set1_epi32(emin + 127);  // biased exponents of the clamp
  p.hi = _mm512_set1_epi32(emax + 127);
  p.top = _mm512_set1_epi32(emax + 128);                     // code = top - biased e
  p.half_min = _mm512_set1_epi32((emin - 1 + 127) << 23);    // bits of 2^(emin - 1)
  return p;
}

// 16 floats (as bits) -> 16 int8 codes.
MP_AVX512 inline __m128i pow2_16(__m512i u, const Pow2Params& p) {
  const __m512i a = _mm512_and_si512(u, p.abs_mask);
  __m512i e = _mm512_srli_epi32(_mm512_add_epi32(a, p.half_up), 23);
  e = _mm512_min_epi32(_mm512_max_epi32(e, p.lo), p.hi);
  const __mmask16 keep = _mm512_cmp_epi32_mask(a, p.half_min, _MM_CMPINT_NLT);
  const __mmask16 neg = _mm512_movepi32_mask(u);
  const __m512i code = _mm512_maskz_sub_epi32(keep, p.top, e);
  return _mm512_cvtepi32_epi8(_mm512_mask_sub_epi32(code, neg, _mm512_setzero_si512(), code));
}

MP_AVX512 void pow2_quantize_avx512(const float* x, size_t n, int32_t emin, int32_t emax,
                                    uint8_t* codes) {
  const Pow2Params p = pow2_params(emin, emax);
  size_t i = 0;
  for (; i + 64 <= n; i += 64)
    for (size_t j = i; j < i + 64; j += 16)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(codes + j),
                       pow2_16(_mm512_loadu_si512(x + j), p));
  for (; i + 16 <= n; i += 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(codes + i), pow2_16(_mm512_loadu_si512(x + i), p));
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    _mm_mask_storeu_epi8(codes + i, m, pow2_16(_mm512_maskz_loadu_epi32(m, x + i), p));
  }
}

}  // namespace

const CodebookKernels codebook_avx512 = {assign_avx512, min_dist_avx512, lookup_avx512,
                                         pow2_quantize_avx512};

}  // namespace mp

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // x86-64
