// AVX2 variant of the non-uniform quantization kernels; ref.cc is the
// specification and every output here is bit-identical to it.
//
// This file is compiled for the baseline x86-64 ISA. Every function that uses AVX2
// carries MP_AVX2 (a target attribute) and is only reached through codebook_avx2,
// which dispatch selects after cpu_features() reported AVX2 + FMA. Do not call
// non-intrinsic inline library functions from these functions.
//
// assign is a branchless binary search: the levels with at most 32 candidate
// bounds are in-register vpermps lookups, the two deeper ones (k >= 128) gathers
// from a small level-ordered copy of the bounds. lookup is one gather per 8 indices.
// pow2_quantize works on the float's bits.
#include "codebook_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)

#include <immintrin.h>

#define MP_AVX2 __attribute__((target("avx2,fma")))

namespace mp {
namespace {

// All-ones in the first k (0..8) int32 lanes.
MP_AVX2 inline __m256i tail_mask(size_t k) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(k)),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// 4 x 8 int32 in [-128, 255] that are either all >= 0 or all in int8 range
// (`is_signed`) -> their 32 bytes, in order.
template <bool is_signed>
MP_AVX2 inline __m256i pack32(__m256i a, __m256i b, __m256i c, __m256i d) {
  const __m256i ab = _mm256_packs_epi32(a, b), cd = _mm256_packs_epi32(c, d);
  const __m256i bytes = is_signed ? _mm256_packs_epi16(ab, cd) : _mm256_packus_epi16(ab, cd);
  // The packs work per 128-bit lane, leaving 4-byte groups in the order
  // a0 b0 c0 d0 a1 b1 c1 d1; put them back as a0 a1 b0 b1 c0 c1 d0 d1.
  return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// 8 int32 (as for pack32) -> their bytes in the low 8 bytes of the result.
template <bool is_signed>
MP_AVX2 inline __m128i pack8(__m256i a) {
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
  return is_signed ? _mm_packs_epi16(w, w) : _mm_packus_epi16(w, w);
}

// Writes the low k (< 8) bytes of v.
MP_AVX2 inline void store_bytes(uint8_t* out, __m128i v, size_t k) {
  uint64_t bits = static_cast<uint64_t>(_mm_cvtsi128_si64(v));
  for (size_t j = 0; j < k; ++j, bits >>= 8) out[j] = static_cast<uint8_t>(bits);
}

// The low k (< 8) bytes of the result are q[0..k), the rest 0.
MP_AVX2 inline __m128i load_partial(const uint8_t* q, size_t k) {
  uint64_t bits = 0;
  for (size_t j = 0; j < k; ++j) bits |= static_cast<uint64_t>(q[j]) << (8 * j);
  return _mm_cvtsi64_si128(static_cast<long long>(bits));
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
MP_AVX2 inline void level_tables(const float* bounds, uint32_t k, float* lv) {
  for (uint32_t size = 1, step = k / 2; step >= 1; size *= 2, step /= 2)
    for (uint32_t m = 0; m < size; ++m) lv[size - 1 + m] = bounds[(2 * m + 1) * step - 1];
}

// m = 2m + (t < x): the compare gives -1 in the lanes that take the upper half.
MP_AVX2 inline __m256i descend(__m256i m, __m256 t, __m256 x) {
  const __m256i below = _mm256_castps_si256(_mm256_cmp_ps(t, x, _CMP_LT_OQ));
  return _mm256_sub_epi32(_mm256_add_epi32(m, m), below);
}

// Levels 1..6 in registers (levels 5 and 6 as 2 and 4 vectors of 8 candidates),
// levels 7 and 8 gathered from the level tables at lv: on 16 ymm registers, the
// 8 permutes and 7 blends of an in-register level 7 cost more than its gather.
struct Tables {
  __m256 l1, l2, l3, l4, l5[2], l6[4];
  const float* lv;
};

// Lanes whose bit b of m is set, as the sign bit (what blendv looks at).
template <int B>
MP_AVX2 inline __m256 bit_sign(__m256i m) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(m, 31 - B));
}

// tab[m] for a table of 8 * N floats in t[0..N), N = 2 or 4: vpermps picks within
// each vector of 8 (by bits 0..2 of m), blends on bits 3 (and 4) pick the vector.
MP_AVX2 inline __m256 lookup16(const __m256* t, __m256i m) {
  return _mm256_blendv_ps(_mm256_permutevar8x32_ps(t[0], m), _mm256_permutevar8x32_ps(t[1], m),
                          bit_sign<3>(m));
}

MP_AVX2 inline __m256 lookup32(const __m256* t, __m256i m) {
  return _mm256_blendv_ps(lookup16(t, m), lookup16(t + 2, m), bit_sign<4>(m));
}

template <int P>
MP_AVX2 inline __m256i search8(const Tables& t, __m256 x) {
  __m256i m = _mm256_srli_epi32(_mm256_castps_si256(_mm256_cmp_ps(t.l1, x, _CMP_LT_OQ)), 31);
  if (P >= 2) m = descend(m, _mm256_permutevar8x32_ps(t.l2, m), x);
  if (P >= 3) m = descend(m, _mm256_permutevar8x32_ps(t.l3, m), x);
  if (P >= 4) m = descend(m, _mm256_permutevar8x32_ps(t.l4, m), x);
  if (P >= 5) m = descend(m, lookup16(t.l5, m), x);
  if (P >= 6) m = descend(m, lookup32(t.l6, m), x);
  if (P >= 7) m = descend(m, _mm256_i32gather_ps(t.lv + 63, m, 4), x);
  if (P >= 8) m = descend(m, _mm256_i32gather_ps(t.lv + 127, m, 4), x);
  return m;
}

template <int P>
MP_AVX2 void assign_levels(const float* x, size_t n, const float* lv, uint8_t* idx) {
  Tables t;
  t.lv = lv;
  // Level L has 2^(L-1) entries at lv + 2^(L-1) - 1; unused lanes load as 0.
  const __m256 zero = _mm256_setzero_ps();
  t.l1 = _mm256_set1_ps(lv[0]);
  t.l2 = P >= 2 ? _mm256_maskload_ps(lv + 1, tail_mask(2)) : zero;
  t.l3 = P >= 3 ? _mm256_maskload_ps(lv + 3, tail_mask(4)) : zero;
  t.l4 = P >= 4 ? _mm256_loadu_ps(lv + 7) : zero;
  t.l5[0] = P >= 5 ? _mm256_loadu_ps(lv + 15) : zero;
  t.l5[1] = P >= 5 ? _mm256_loadu_ps(lv + 23) : zero;
  for (int j = 0; j < 4; ++j) t.l6[j] = P >= 6 ? _mm256_loadu_ps(lv + 31 + 8 * j) : zero;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {  // four independent searches in flight
    __m256i m[4];
    for (size_t j = 0; j < 4; ++j) m[j] = search8<P>(t, _mm256_loadu_ps(x + i + 8 * j));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(idx + i), pack32<false>(m[0], m[1], m[2], m[3]));
  }
  for (; i + 8 <= n; i += 8)
    _mm_storel_epi64(reinterpret_cast<__m128i*>(idx + i),
                     pack8<false>(search8<P>(t, _mm256_loadu_ps(x + i))));
  if (i < n) {
    const __m256 xt = _mm256_maskload_ps(x + i, tail_mask(n - i));  // masked-off lanes read as 0
    store_bytes(idx + i, pack8<false>(search8<P>(t, xt)), n - i);
  }
}

MP_AVX2 void assign_avx2(const float* x, size_t n, const float* bounds, uint32_t k, uint8_t* idx) {
  alignas(32) float lv[256];
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
MP_AVX2 inline __m256 min_dist8(__m256 x, __m256 c, __m256 d2) {
  const __m256 d = _mm256_sub_ps(x, c);
  return _mm256_min_ps(_mm256_mul_ps(d, d), d2);
}

MP_AVX2 void min_dist_avx2(const float* x, size_t n, float c, float* d2) {
  const __m256 cv = _mm256_set1_ps(c);
  size_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (size_t j = i; j < i + 32; j += 8)  // fully unrolled by the compiler
      _mm256_storeu_ps(d2 + j, min_dist8(_mm256_loadu_ps(x + j), cv, _mm256_loadu_ps(d2 + j)));
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(d2 + i, min_dist8(_mm256_loadu_ps(x + i), cv, _mm256_loadu_ps(d2 + i)));
  if (i < n) {
    const __m256i m = tail_mask(n - i);
    _mm256_maskstore_ps(d2 + i, m,
                        min_dist8(_mm256_maskload_ps(x + i, m), cv, _mm256_maskload_ps(d2 + i, m)));
  }
}

// ---------------------------------------------------------------------------
// lookup

MP_AVX2 inline __m256 lookup8(const float* table, __m128i bytes) {
  return _mm256_i32gather_ps(table, _mm256_cvtepu8_epi32(bytes), 4);
}

MP_AVX2 void lookup_avx2(const uint8_t* idx, size_t n, const float* table, float* out) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx + i));
    const __m128i b0 = _mm256_castsi256_si128(b), b1 = _mm256_extracti128_si256(b, 1);
    _mm256_storeu_ps(out + i, lookup8(table, b0));
    _mm256_storeu_ps(out + i + 8, lookup8(table, _mm_srli_si128(b0, 8)));
    _mm256_storeu_ps(out + i + 16, lookup8(table, b1));
    _mm256_storeu_ps(out + i + 24, lookup8(table, _mm_srli_si128(b1, 8)));
  }
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i,
                     lookup8(table, _mm_loadl_epi64(reinterpret_cast<const __m128i*>(idx + i))));
  if (i < n)  // the padding lanes gather table[0], which exists
    _mm256_maskstore_ps(out + i, tail_mask(n - i), lookup8(table, load_partial(idx + i, n - i)));
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
  __m256i abs_mask, half_up, lo, hi, top, below_min;
};

MP_AVX2 inline Pow2Params pow2_params(int32_t emin, int32_t emax) {
  Pow2Params p;
  p.abs_mask = _mm256_set1_epi32(0x7fffffff);
  p.half_up = _mm256_set1_epi32(0x400000);
  p.lo = _mm256_set1_epi32(emin + 127);  // biased exponents of the clamp
  p.hi = _mm256_set1_epi32(emax + 127);
  p.top = _mm256_set1_epi32(emax + 128);                       // code = top - biased e
  p.below_min = _mm256_set1_epi32(((emin - 1 + 127) << 23) - 1);  // bits just below 2^(emin - 1)
  return p;
}

// 8 floats (as bits) -> 8 int32 codes in [-127, 127].
MP_AVX2 inline __m256i pow2_8(__m256i u, const Pow2Params& p) {
  const __m256i a = _mm256_and_si256(u, p.abs_mask);
  __m256i e = _mm256_srli_epi32(_mm256_add_epi32(a, p.half_up), 23);
  e = _mm256_min_epi32(_mm256_max_epi32(e, p.lo), p.hi);
  const __m256i keep = _mm256_cmpgt_epi32(a, p.below_min);  // a >= 2^(emin - 1)
  const __m256i code = _mm256_and_si256(keep, _mm256_sub_epi32(p.top, e));
  const __m256i s = _mm256_srai_epi32(u, 31);  // -1 for negative x
  return _mm256_sub_epi32(_mm256_xor_si256(code, s), s);
}

MP_AVX2 void pow2_quantize_avx2(const float* x, size_t n, int32_t emin, int32_t emax, uint8_t* codes) {
  const Pow2Params p = pow2_params(emin, emax);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i c[4];
    for (size_t j = 0; j < 4; ++j)
      c[j] = pow2_8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i + 8 * j)), p);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(codes + i), pack32<true>(c[0], c[1], c[2], c[3]));
  }
  for (; i + 8 <= n; i += 8) {
    const __m256i u = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(codes + i), pack8<true>(pow2_8(u, p)));
  }
  if (i < n) {
    const __m256i xt = _mm256_maskload_epi32(reinterpret_cast<const int*>(x + i), tail_mask(n - i));
    store_bytes(codes + i, pack8<true>(pow2_8(xt, p)), n - i);
  }
}

}  // namespace

const CodebookKernels codebook_avx2 = {assign_avx2, min_dist_avx2, lookup_avx2, pow2_quantize_avx2};

}  // namespace mp

#endif  // x86-64
