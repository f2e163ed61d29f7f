// AVX2 variant of the prune kernels; ref.cc is the specification and every output
// here is bit-identical to it. Vectors only ever run across independent
// accumulators (rows, columns, blocks, the 8 lanes of a row sum, groups), never
// through one sum, so every double is added in the reference's order.
//
// This file is compiled for the baseline x86-64 ISA. Every function that uses AVX2
// carries MP_AVX2 (a target attribute) and is only reached through prune_avx2,
// which dispatch selects after cpu_features() reported AVX2 + FMA. Do not call
// non-intrinsic inline library functions from these functions (the scalar parts
// they call, scalar_parts.h and prune_scalar, are the project's baseline code).
//
// Loads: the loops use plain loads; a short piece inside the input (the end of a
// row with more rows after it) is a plain load ANDed with a lane mask, and only
// the very end of an input takes VMASKMOV (slow on streamed data) or goes to the
// scalar parts (scalar_parts.h). Zero lanes are harmless: a term +0 changes no
// sum and no maximum.
//
// - row_sums: 4 rows at a time, each row's 8 lanes in two ymm of doubles (lanes
//   0-3, 4-7: the reference's lanes, each an in-order chain); then the tree for
//   the 4 rows at once: HADDPD gives l0 + l1 and l2 + l3 side by side for two
//   rows, VPERM2F128 and an add the next level. Rows of 64 floats or more
//   prefetch ahead. NORM_MAX: an unsigned maximum of the magnitude keys (bits &
//   0x7fffffff order like |x|; NaN's are above +Inf's, so it is the NaN test too).
// - column_sums: up to 16 columns stay in registers for all the rows; wider
//   matrices take 4 rows at a time into 8 sums held in registers.
// - block_pool: blocks 1, 2, 4 or 8 wide, 4 blocks at a time, each row's floats
//   permuted (VPERMPS, unpacks) so that each 128-bit half holds one column of the
//   4 blocks; other widths: column sums into colsum, then 4 blocks at a time by
//   4x4 transposes. Strips of several rows prefetch each row ahead.
// - expand_blocks: the block bytes broadcast to both 128-bit lanes, then PSHUFB.
// - nm_mask: groups of 2, 4 or 8 along the last axis by rotating the vector
//   within groups; otherwise 8 groups across the lanes (contiguous along inner,
//   or transposed through a small tile). AVX2 compares int32 as signed: keys are
//   below 2^31 (a key + 1 overflows only for a NaN's, whose mask is unspecified).
// - taylor_accumulate: vector arithmetic in the reference's order.
#include "prune_kernels.h"
#include "scalar_parts.h"

#if defined(__x86_64__) || defined(_M_X64)

#include <immintrin.h>
#include <stdint.h>

#define MP_AVX2 __attribute__((target("avx2,fma")))

namespace mp {
namespace {

using namespace prune_parts;

// Software prefetch distance, in floats ahead in each row of a multi-row strip
// (prefetches past the input's end are harmless: they never fault).
constexpr size_t kPrefetch = 512;

MP_AVX2 inline __m256i abs8() { return _mm256_set1_epi32(0x7fffffff); }
MP_AVX2 inline __m256i inf8() { return _mm256_set1_epi32(static_cast<int>(kInfKey)); }

// All-ones in the int32 lanes below k (0..8), else 0.
MP_AVX2 inline __m256i lanes8(size_t k) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(k)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// All-ones in the double lanes below k (0..4), else 0.
MP_AVX2 inline __m256i lanes4d(size_t k) {
  return _mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<long long>(k)), _mm256_setr_epi64x(0, 1, 2, 3));
}

// The k (< 8) floats at p, the other lanes 0 (`lanes` = lanes8(k)): a plain load
// and an AND if the 8 floats lie inside the input, else VMASKMOVPS.
MP_AVX2 inline __m256 load_part8(const float* p, __m256i lanes, bool inside) {
  return inside ? _mm256_and_ps(_mm256_loadu_ps(p), _mm256_castsi256_ps(lanes)) : _mm256_maskload_ps(p, lanes);
}

MP_AVX2 inline bool any_nan_key(__m256i top) {
  return _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(top, inf8()))) != 0;
}

// ---------------------------------------------------------------------------
// row_sums

// The terms of 4 floats in double: |x| (L1) or x * x (L2; exact in double).
template <uint32_t K>
MP_AVX2 inline __m256d terms4(__m128 v) {
  const __m256d d = _mm256_cvtps_pd(v);
  return K == NORM_L2 ? _mm256_mul_pd(d, d) : _mm256_andnot_pd(_mm256_set1_pd(-0.0), d);
}

// lo[j], hi[j] = lanes 0-3 and 4-7 of row j (at x + j * cols) for j < R; the
// others 0. `avail`: the floats of input from x (a row's last, partial load reads
// past the row while it stays inside them).
template <uint32_t K, int R>
MP_AVX2 inline void row_lanes(const float* x, size_t cols, size_t avail, __m256d* lo, __m256d* hi) {
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) lo[j] = hi[j] = _mm256_setzero_pd();
  // Rows of 64 floats or more prefetch ahead: several rows of up to a few hundred
  // floats are read out of order within a few KB, which the hardware prefetchers
  // follow badly. Shorter rows do better without.
  const bool prefetch = cols >= 64;
  size_t c = 0;
  for (; c + 8 <= cols; c += 8) {
#pragma GCC unroll 4
    for (int j = 0; j < R; ++j) {
      const float* p = x + j * cols + c;
      if (prefetch && c % 16 == 0) _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetch), _MM_HINT_T0);
      const __m256 v = _mm256_loadu_ps(p);
      lo[j] = _mm256_add_pd(lo[j], terms4<K>(_mm256_castps256_ps128(v)));
      hi[j] = _mm256_add_pd(hi[j], terms4<K>(_mm256_extractf128_ps(v, 1)));
    }
  }
  if (c < cols) {
    const __m256i lanes = lanes8(cols - c);
#pragma GCC unroll 4
    for (int j = 0; j < R; ++j) {
      const __m256 v = load_part8(x + j * cols + c, lanes, j * cols + c + 8 <= avail);
      lo[j] = _mm256_add_pd(lo[j], terms4<K>(_mm256_castps256_ps128(v)));
      if (cols - c > 4) hi[j] = _mm256_add_pd(hi[j], terms4<K>(_mm256_extractf128_ps(v, 1)));
    }
  }
}

// Lane j: ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)) of row j.
MP_AVX2 inline __m256d reduce_lanes4(const __m256d* lo, const __m256d* hi) {
  // HADDPD(a, b) = [a0 + a1, b0 + b1, a2 + a3, b2 + b3].
  const __m256d l01 = _mm256_hadd_pd(lo[0], lo[1]), l23 = _mm256_hadd_pd(lo[2], lo[3]);
  const __m256d h01 = _mm256_hadd_pd(hi[0], hi[1]), h23 = _mm256_hadd_pd(hi[2], hi[3]);
  const __m256d l = _mm256_add_pd(_mm256_permute2f128_pd(l01, l23, 0x20), _mm256_permute2f128_pd(l01, l23, 0x31));
  const __m256d h = _mm256_add_pd(_mm256_permute2f128_pd(h01, h23, 0x20), _mm256_permute2f128_pd(h01, h23, 0x31));
  return _mm256_add_pd(l, h);
}

// sums[j] += tot[j] for the first R rows; returns whether one of those is NaN (a
// sum of non-negative terms is NaN exactly when a term is: the NaN test).
template <int R>
MP_AVX2 inline bool add_row_sums4(__m256d tot, double* sums) {
  const __m256i valid = lanes4d(R);
  _mm256_maskstore_pd(sums, valid, _mm256_add_pd(_mm256_maskload_pd(sums, valid), tot));
  return (_mm256_movemask_pd(_mm256_cmp_pd(tot, tot, _CMP_UNORD_Q)) & ((1 << R) - 1)) != 0;
}

// acc[j] = the unsigned maximum over 8 lanes of the keys of row j, j < R
// (`avail` as in row_lanes).
template <int R>
MP_AVX2 inline void row_keys_max(const float* x, size_t cols, size_t avail, __m256i* acc) {
  const __m256i abs = abs8();
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) acc[j] = _mm256_setzero_si256();
  const bool prefetch = cols >= 64;  // as in row_lanes
  size_t c = 0;
  for (; c + 8 <= cols; c += 8) {
#pragma GCC unroll 4
    for (int j = 0; j < R; ++j) {
      const float* p = x + j * cols + c;
      if (prefetch && c % 16 == 0) _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetch), _MM_HINT_T0);
      acc[j] = _mm256_max_epu32(acc[j], _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), abs));
    }
  }
  if (c < cols) {
    const __m256i lanes = lanes8(cols - c);
#pragma GCC unroll 4
    for (int j = 0; j < R; ++j) {
      const __m256 v = load_part8(x + j * cols + c, lanes, j * cols + c + 8 <= avail);
      acc[j] = _mm256_max_epu32(acc[j], _mm256_and_si256(_mm256_castps_si256(v), abs));
    }
  }
}

// Lane j: the maximum of the 8 lanes of a[j] (integer maxima are exact in any order).
MP_AVX2 inline __m128i reduce_max4(const __m256i* a) {
  const __m256i p0 = _mm256_max_epu32(_mm256_unpacklo_epi32(a[0], a[1]), _mm256_unpackhi_epi32(a[0], a[1]));
  const __m256i p1 = _mm256_max_epu32(_mm256_unpacklo_epi32(a[2], a[3]), _mm256_unpackhi_epi32(a[2], a[3]));
  const __m256i q = _mm256_max_epu32(_mm256_unpacklo_epi64(p0, p1), _mm256_unpackhi_epi64(p0, p1));
  return _mm_max_epu32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
}

// sums[j] = the running maximum from sums[j] over row j (at x + j * cols, cols >
// 0), given top[j], the row's largest key, for j < R. Returns whether a key is a
// NaN's.
template <int R>
MP_AVX2 inline bool merge_row_max4(const float* x, size_t cols, __m128i top, double* sums) {
  const __m256i valid = lanes4d(R);
  const __m256d t = _mm256_cvtps_pd(_mm_castsi128_ps(top)), s = _mm256_maskload_pd(sums, valid);
  _mm256_maskstore_pd(sums, valid, _mm256_max_pd(t, s));  // t > s ? t : s
  // A row of zeros after a negative sum leaves its first element's term (see merge_row_max).
  const __m256d zero = _mm256_setzero_pd();
  unsigned fix = static_cast<unsigned>(_mm256_movemask_pd(_mm256_and_pd(_mm256_cmp_pd(t, zero, _CMP_EQ_OQ), _mm256_cmp_pd(s, zero, _CMP_LT_OQ)))) & ((1u << R) - 1);
  for (; fix != 0; fix &= fix - 1) {
    const size_t j = static_cast<size_t>(__builtin_ctz(fix));
    sums[j] = norm_term(x[j * cols], NORM_MAX, 0);
  }
  const __m128i nan = _mm_cmpgt_epi32(top, _mm_set1_epi32(static_cast<int>(kInfKey)));
  return (_mm_movemask_ps(_mm_castsi128_ps(nan)) & ((1 << R) - 1)) != 0;
}

// R rows from row r (total: the floats of input).
template <uint32_t K, int R>
MP_AVX2 inline bool row_group(const float* x, size_t r, size_t cols, size_t total, double* sums) {
  const size_t avail = total - r * cols;
  const float* p = x + r * cols;
  if (K == NORM_MAX) {
    __m256i acc[4];
    row_keys_max<R>(p, cols, avail, acc);
    return merge_row_max4<R>(p, cols, reduce_max4(acc), sums + r);
  }
  __m256d lo[4], hi[4];
  row_lanes<K, R>(p, cols, avail, lo, hi);
  return add_row_sums4<R>(reduce_lanes4(lo, hi), sums + r);
}

template <uint32_t K>
MP_AVX2 bool row_sums_k(const float* x, size_t rows, size_t cols, double* sums) {
  const size_t total = rows * cols;
  bool nan = false;
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) nan |= row_group<K, 4>(x, r, cols, total, sums);
  if (rows - r >= 2) {
    nan |= row_group<K, 2>(x, r, cols, total, sums);
    r += 2;
  }
  if (rows - r >= 1) nan |= row_group<K, 1>(x, r, cols, total, sums);
  return nan;
}

MP_AVX2 bool row_sums_avx2(const float* x, size_t rows, size_t cols, uint32_t kind, double p, double* sums) {
  // NORM_LP is rare and dominated by pow_abs; cols == 0 only adds +0.0 (or nothing).
  if (kind == NORM_LP || cols == 0) return prune_scalar.row_sums(x, rows, cols, kind, p, sums);
  if (kind == NORM_MAX) return row_sums_k<NORM_MAX>(x, rows, cols, sums);
  if (kind == NORM_L2) return row_sums_k<NORM_L2>(x, rows, cols, sums);
  return row_sums_k<NORM_L1>(x, rows, cols, sums);
}

// ---------------------------------------------------------------------------
// column_sums

// Adds (or, NORM_MAX, takes the maximum with) the terms of 8 floats into the
// column sums s0 (first 4) and s1.
template <uint32_t K>
MP_AVX2 inline void column_terms8(__m256 v, __m256d& s0, __m256d& s1) {
  if (K == NORM_L2) {
    const __m256d a = _mm256_cvtps_pd(_mm256_castps256_ps128(v)), b = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
    s0 = _mm256_add_pd(s0, _mm256_mul_pd(a, a));
    s1 = _mm256_add_pd(s1, _mm256_mul_pd(b, b));
    return;
  }
  // norm_term's x < 0 ? -x : x, which keeps -0 (it matters for a sum at -0): MAXPS
  // returns its second operand unless the first is larger.
  const __m256 f = _mm256_max_ps(_mm256_xor_ps(v, _mm256_set1_ps(-0.0f)), v);
  const __m256d a = _mm256_cvtps_pd(_mm256_castps256_ps128(f)), b = _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1));
  if (K == NORM_MAX) {  // t > s ? t : s
    s0 = _mm256_max_pd(a, s0);
    s1 = _mm256_max_pd(b, s1);
  } else {
    s0 = _mm256_add_pd(s0, a);
    s1 = _mm256_add_pd(s1, b);
  }
}

// The masks of 8 columns' sums (k of them valid): lanes of s0 and of s1.
MP_AVX2 inline void sum_lanes(size_t k, __m256i* m0, __m256i* m1) {
  *m0 = lanes4d(k < 4 ? k : 4);
  *m1 = lanes4d(k > 4 ? k - 4 : 0);
}

// cols <= 8 * NV: every column sum stays in registers through all the rows. Rows
// whose loads stay in the input read whole vectors (ANDed down to the row).
template <uint32_t K, int NV>
MP_AVX2 bool column_sums_narrow(const float* x, size_t rows, size_t cols, double* sums) {
  __m256i lanes[NV], m0[NV], m1[NV];
  __m256d s[2 * NV];
#pragma GCC unroll 2
  for (int i = 0; i < NV; ++i) {
    const size_t k = cols - 8 * i >= 8 ? 8 : cols - 8 * i;
    lanes[i] = lanes8(k);
    sum_lanes(k, &m0[i], &m1[i]);
    s[2 * i] = _mm256_maskload_pd(sums + 8 * i, m0[i]);
    s[2 * i + 1] = _mm256_maskload_pd(sums + 8 * i + 4, m1[i]);
  }
  const __m256i abs = abs8();
  __m256i top = _mm256_setzero_si256();
  const size_t total = rows * cols, span = 8 * NV;
  const size_t inside = total >= span ? (total - span) / cols + 1 : 0;  // rows whose loads stay in x
  for (size_t r = 0; r < rows; ++r) {
#pragma GCC unroll 2
    for (int i = 0; i < NV; ++i) {
      const __m256 v = load_part8(x + r * cols + 8 * i, lanes[i], r < inside);
      top = _mm256_max_epu32(top, _mm256_and_si256(_mm256_castps_si256(v), abs));
      column_terms8<K>(v, s[2 * i], s[2 * i + 1]);
    }
  }
#pragma GCC unroll 2
  for (int i = 0; i < NV; ++i) {
    _mm256_maskstore_pd(sums + 8 * i, m0[i], s[2 * i]);
    _mm256_maskstore_pd(sums + 8 * i + 4, m1[i], s[2 * i + 1]);
  }
  return any_nan_key(top);
}

// Rows 0 .. R-1 at x into every column sum, 8 columns at a time; top collects the
// keys' maximum (`avail` as in row_lanes).
template <uint32_t K, int R>
MP_AVX2 inline void column_rows(const float* x, size_t cols, size_t avail, double* sums, __m256i& top) {
  const __m256i abs = abs8();
  size_t c = 0;
  for (; c + 8 <= cols; c += 8) {
    __m256d s0 = _mm256_loadu_pd(sums + c), s1 = _mm256_loadu_pd(sums + c + 4);
#pragma GCC unroll 4
    for (int j = 0; j < R; ++j) {
      const __m256 v = _mm256_loadu_ps(x + j * cols + c);
      top = _mm256_max_epu32(top, _mm256_and_si256(_mm256_castps_si256(v), abs));
      column_terms8<K>(v, s0, s1);
    }
    _mm256_storeu_pd(sums + c, s0);
    _mm256_storeu_pd(sums + c + 4, s1);
  }
  if (c < cols) {
    const __m256i lanes = lanes8(cols - c);
    __m256i m0, m1;
    sum_lanes(cols - c, &m0, &m1);
    __m256d s0 = _mm256_maskload_pd(sums + c, m0), s1 = _mm256_maskload_pd(sums + c + 4, m1);
#pragma GCC unroll 4
    for (int j = 0; j < R; ++j) {
      const __m256 v = load_part8(x + j * cols + c, lanes, j * cols + c + 8 <= avail);
      top = _mm256_max_epu32(top, _mm256_and_si256(_mm256_castps_si256(v), abs));
      column_terms8<K>(v, s0, s1);
    }
    _mm256_maskstore_pd(sums + c, m0, s0);
    _mm256_maskstore_pd(sums + c + 4, m1, s1);
  }
}

template <uint32_t K>
MP_AVX2 bool column_sums_k(const float* x, size_t rows, size_t cols, double* sums) {
  if (cols <= 8) return column_sums_narrow<K, 1>(x, rows, cols, sums);
  if (cols <= 16) return column_sums_narrow<K, 2>(x, rows, cols, sums);
  const size_t total = rows * cols;
  __m256i top = _mm256_setzero_si256();
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) column_rows<K, 4>(x + r * cols, cols, total - r * cols, sums, top);
  for (; r < rows; ++r) column_rows<K, 1>(x + r * cols, cols, total - r * cols, sums, top);
  return any_nan_key(top);
}

MP_AVX2 bool column_sums_avx2(const float* x, size_t rows, size_t cols, uint32_t kind, double p, double* sums) {
  if (kind == NORM_LP) return prune_scalar.column_sums(x, rows, cols, kind, p, sums);
  if (kind == NORM_MAX) return column_sums_k<NORM_MAX>(x, rows, cols, sums);
  if (kind == NORM_L2) return column_sums_k<NORM_L2>(x, rows, cols, sums);
  return column_sums_k<NORM_L1>(x, rows, cols, sums);
}

#include "avx2_pool.h"
#include "avx2_nm.h"

// ---------------------------------------------------------------------------
// taylor_accumulate: score = beta * score + |w * g|, each operation rounded.

MP_AVX2 void taylor_accumulate_avx2(const float* w, const float* g, size_t n, float beta, float* score) {
  const __m256 b = _mm256_set1_ps(beta), abs = _mm256_castsi256_ps(abs8());
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 t0 = _mm256_and_ps(_mm256_mul_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(g + i)), abs);
    const __m256 t1 = _mm256_and_ps(_mm256_mul_ps(_mm256_loadu_ps(w + i + 8), _mm256_loadu_ps(g + i + 8)), abs);
    _mm256_storeu_ps(score + i, _mm256_add_ps(_mm256_mul_ps(b, _mm256_loadu_ps(score + i)), t0));
    _mm256_storeu_ps(score + i + 8, _mm256_add_ps(_mm256_mul_ps(b, _mm256_loadu_ps(score + i + 8)), t1));
  }
  if (i < n) prune_scalar.taylor_accumulate(w + i, g + i, n - i, beta, score + i);
}

}  // namespace

const PruneKernels prune_avx2 = {row_sums_avx2,      column_sums_avx2, block_pool_avx2,
                                 expand_blocks_avx2, nm_mask_avx2,     taylor_accumulate_avx2};

}  // namespace mp

#endif  // x86-64
