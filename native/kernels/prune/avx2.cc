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

// ---------------------------------------------------------------------------
// block_pool

// The 4 * BW floats (as bits) of 4 consecutive blocks BW = 2, 4 or 8 wide, in
// BW / 2 vectors, rearranged so that each 128-bit half of k[i] holds one column
// of the 4 blocks: column kLo<BW>(i) in the low half, kHi<BW>(i) in the high.
template <int BW>
constexpr int kLo(int i) { return BW == 8 ? i : 2 * i; }
template <int BW>
constexpr int kHi(int i) { return BW == 8 ? i + 4 : 2 * i + 1; }

template <int BW>
MP_AVX2 inline void by_column(const __m256i* v, __m256i* k) {
  if (BW == 2) {
    k[0] = _mm256_permutevar8x32_epi32(v[0], _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7));
  } else if (BW == 4) {
    // unpacklo(a, b) = [b0k0 b2k0 b0k1 b2k1 | b1k0 b3k0 b1k1 b3k1] for blocks b0..b3.
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    k[0] = _mm256_permutevar8x32_epi32(_mm256_unpacklo_epi32(v[0], v[1]), order);
    k[1] = _mm256_permutevar8x32_epi32(_mm256_unpackhi_epi32(v[0], v[1]), order);
  } else {
    // One block per vector: a 4x4 transpose within each 128-bit half.
    const __m256i t0 = _mm256_unpacklo_epi32(v[0], v[1]), t1 = _mm256_unpackhi_epi32(v[0], v[1]);
    const __m256i t2 = _mm256_unpacklo_epi32(v[2], v[3]), t3 = _mm256_unpackhi_epi32(v[2], v[3]);
    k[0] = _mm256_unpacklo_epi64(t0, t2);  // columns 0 | 4
    k[1] = _mm256_unpackhi_epi64(t0, t2);  // 1 | 5
    k[2] = _mm256_unpacklo_epi64(t1, t3);  // 2 | 6
    k[3] = _mm256_unpackhi_epi64(t1, t3);  // 3 | 7
  }
}

// The block sums S of 4 blocks BW wide at p (8 blocks for BW = 1, in s[0] and
// s[1]): column sums over the bh rows, then the columns added in order.
template <int BW>
MP_AVX2 inline void pool_sums(const float* p, size_t bh, size_t stride, __m256d* s) {
  constexpr int kA = BW == 1 ? 2 : BW, kV = BW > 1 ? BW / 2 : 1;
  __m256d acc[kA];
#pragma GCC unroll 8
  for (int k = 0; k < kA; ++k) acc[k] = _mm256_setzero_pd();
  for (size_t r = 0; r < bh; ++r) {
    const float* q = p + r * stride;
    if (bh > 1) _mm_prefetch(reinterpret_cast<const char*>(q + kPrefetch), _MM_HINT_T0);
    __m256i v[kV], k[kV];
#pragma GCC unroll 4
    for (int i = 0; i < kV; ++i) v[i] = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + 8 * i)), abs8());
    if (BW == 1) {
      k[0] = v[0];
    } else {
      by_column<BW>(v, k);
    }
#pragma GCC unroll 4
    for (int i = 0; i < kV; ++i) {
      const __m256 f = _mm256_castsi256_ps(k[i]);
      const int lo = BW == 1 ? 0 : kLo<BW>(i), hi = BW == 1 ? 1 : kHi<BW>(i);
      acc[lo] = _mm256_add_pd(acc[lo], _mm256_cvtps_pd(_mm256_castps256_ps128(f)));
      acc[hi] = _mm256_add_pd(acc[hi], _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1)));
    }
  }
  if (BW == 1) {
    s[0] = acc[0];
    s[1] = acc[1];
    return;
  }
  s[0] = acc[0];
#pragma GCC unroll 8
  for (int k = 1; k < kA; ++k) s[0] = _mm256_add_pd(s[0], acc[k]);
}

// The maximum keys of 4 blocks BW wide at p (8 for BW = 1): over the rows first,
// then over each block's columns.
template <int BW>
MP_AVX2 inline __m256i pool_max(const float* p, size_t bh, size_t stride) {
  constexpr int kV = BW > 1 ? BW / 2 : 1;
  __m256i v[kV], k[kV];
#pragma GCC unroll 4
  for (int i = 0; i < kV; ++i) v[i] = _mm256_setzero_si256();
  for (size_t r = 0; r < bh; ++r) {
    const float* q = p + r * stride;
    if (bh > 1) _mm_prefetch(reinterpret_cast<const char*>(q + kPrefetch), _MM_HINT_T0);
#pragma GCC unroll 4
    for (int i = 0; i < kV; ++i)
      v[i] = _mm256_max_epu32(v[i], _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + 8 * i)), abs8()));
  }
  if (BW == 1) return v[0];
  by_column<BW>(v, k);
  __m256i m = k[0];
#pragma GCC unroll 4
  for (int i = 1; i < kV; ++i) m = _mm256_max_epu32(m, k[i]);
  return _mm256_castsi128_si256(_mm_max_epu32(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1)));
}

// S / count for 4 block sums: a multiplication by the exact reciprocal when there
// is one, else the division.
MP_AVX2 inline __m128 block_means(__m256d s, double inv, double count) {
  return _mm256_cvtpd_ps(inv != 0 ? _mm256_mul_pd(s, _mm256_set1_pd(inv)) : _mm256_div_pd(s, _mm256_set1_pd(count)));
}

// The whole steps of 4 blocks BW wide (8 for BW = 1); returns the blocks done.
template <int BW>
MP_AVX2 size_t pool_fast(const float* x, size_t bh, size_t cols, size_t stride, uint32_t mode, float* out, bool* nan) {
  constexpr size_t kBlocks = BW == 1 ? 8 : 4;
  const size_t steps = cols / (kBlocks * BW);
  if (mode == 1) {
    __m256i top = _mm256_setzero_si256();
    for (size_t g = 0; g < steps; ++g) {
      const __m256i m = pool_max<BW>(x + g * kBlocks * BW, bh, stride);
      top = _mm256_max_epu32(top, m);
      if (BW == 1) {
        _mm256_storeu_ps(out + kBlocks * g, _mm256_castsi256_ps(m));
      } else {
        _mm_storeu_ps(out + kBlocks * g, _mm_castsi128_ps(_mm256_castsi256_si128(m)));
      }
    }
    *nan |= any_nan_key(top);
    return steps * kBlocks;
  }
  const double count = static_cast<double>(bh * BW), inv = exact_reciprocal(bh * BW);
  __m256d bad = _mm256_setzero_pd();
  for (size_t g = 0; g < steps; ++g) {
    __m256d s[2];
    pool_sums<BW>(x + g * kBlocks * BW, bh, stride, s);
    bad = _mm256_or_pd(bad, _mm256_cmp_pd(s[0], s[0], _CMP_UNORD_Q));  // NaN iff some x is
    _mm_storeu_ps(out + kBlocks * g, block_means(s[0], inv, count));
    if (BW == 1) {
      bad = _mm256_or_pd(bad, _mm256_cmp_pd(s[1], s[1], _CMP_UNORD_Q));
      _mm_storeu_ps(out + kBlocks * g + 4, block_means(s[1], inv, count));
    }
  }
  *nan |= _mm256_movemask_pd(bad) != 0;
  return steps * kBlocks;
}

// colsum[c] for c < n as prune_parts::pool_columns: 8 columns at a time, the rest
// by the scalar part.
MP_AVX2 bool pool_columns_v(const float* x, size_t bh, size_t n, size_t stride, uint32_t mode, double* colsum) {
  __m256i top = _mm256_setzero_si256();
  __m256d bad = _mm256_setzero_pd();
  size_t c = 0;
  for (; c + 8 <= n; c += 8) {
    if (mode == 1) {
      __m256i a = _mm256_setzero_si256();
      for (size_t r = 0; r < bh; ++r) {
        const float* q = x + r * stride + c;
        if (bh > 1) _mm_prefetch(reinterpret_cast<const char*>(q + kPrefetch), _MM_HINT_T0);
        a = _mm256_max_epu32(a, _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(q)), abs8()));
      }
      top = _mm256_max_epu32(top, a);
      const __m256 f = _mm256_castsi256_ps(a);
      _mm256_storeu_pd(colsum + c, _mm256_cvtps_pd(_mm256_castps256_ps128(f)));
      _mm256_storeu_pd(colsum + c + 4, _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1)));
    } else {
      __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
      for (size_t r = 0; r < bh; ++r) {
        const float* q = x + r * stride + c;
        if (bh > 1) _mm_prefetch(reinterpret_cast<const char*>(q + kPrefetch), _MM_HINT_T0);
        const __m256 f = _mm256_and_ps(_mm256_loadu_ps(q), _mm256_castsi256_ps(abs8()));
        s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(f)));
        s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1)));
      }
      bad = _mm256_or_pd(bad, _mm256_or_pd(_mm256_cmp_pd(s0, s0, _CMP_UNORD_Q), _mm256_cmp_pd(s1, s1, _CMP_UNORD_Q)));
      _mm256_storeu_pd(colsum + c, s0);
      _mm256_storeu_pd(colsum + c + 4, s1);
    }
  }
  const bool nan = any_nan_key(top) || _mm256_movemask_pd(bad) != 0;
  return (c < n && pool_columns(x, bh, stride, c, n, mode, colsum)) || nan;
}

// s op= col[k] for k < kn in order: the maximum (kMax) or the sum.
template <bool kMax>
MP_AVX2 inline __m256d fold_columns(__m256d s, const __m256d* col, size_t kn) {
  if (kn == 4) {
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) s = kMax ? _mm256_max_pd(col[k], s) : _mm256_add_pd(s, col[k]);
    return s;
  }
  for (size_t k = 0; k < kn; ++k) s = kMax ? _mm256_max_pd(col[k], s) : _mm256_add_pd(s, col[k]);
  return s;
}

// Blocks [0, nb) (nb a multiple of 4) of full width bw from their column sums
// (cs, n columns), 4 blocks at a time: 4 columns of the 4 blocks at a time are
// loaded one block per vector and transposed, so vector k holds column k of the
// 4 blocks.
template <bool kMax>
MP_AVX2 void pool_transposed(const double* cs, size_t n, size_t nb, size_t bw, size_t bh, float* out) {
  const double count = static_cast<double>(bh * bw), inv = exact_reciprocal(bh * bw);
  for (size_t b = 0; b < nb; b += 4) {
    __m256d s = _mm256_setzero_pd();
    for (size_t k0 = 0; k0 < bw; k0 += 4) {
      const size_t kn = bw - k0 < 4 ? bw - k0 : 4;
      __m256d r[4];
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j) {
        const size_t at = (b + j) * bw + k0;
        r[j] = at + 4 <= n ? _mm256_loadu_pd(cs + at) : _mm256_maskload_pd(cs + at, lanes4d(kn));
      }
      const __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
      const __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
      const __m256d col[4] = {_mm256_permute2f128_pd(t0, t2, 0x20), _mm256_permute2f128_pd(t1, t3, 0x20),
                              _mm256_permute2f128_pd(t0, t2, 0x31), _mm256_permute2f128_pd(t1, t3, 0x31)};
      s = fold_columns<kMax>(s, col, kn);
    }
    // s starts at +0, as the reference's; colsum is never -0.
    _mm_storeu_ps(out + b, kMax ? _mm256_cvtpd_ps(s) : block_means(s, inv, count));
  }
}

// Any block width: colsum for a chunk of blocks, then its blocks.
MP_AVX2 bool pool_generic(const float* x, size_t bh, size_t cols, size_t stride, size_t bw, uint32_t mode,
                          double* colsum, float* out) {
  bool nan = false;
  const size_t nblocks = cols / bw + (cols % bw != 0);
  size_t per = kPoolChunkColumns / bw / 4 * 4;
  if (per < 4) per = 4;
  for (size_t b0 = 0; b0 < nblocks; b0 += per) {
    const size_t nb = nblocks - b0 < per ? nblocks - b0 : per;
    const size_t c0 = b0 * bw, n = nb == nblocks - b0 ? cols - c0 : nb * bw;
    nan |= pool_columns_v(x + c0, bh, n, stride, mode, colsum + c0);
    const size_t vec = n / bw / 4 * 4;
    if (mode == 1) {
      pool_transposed<true>(colsum + c0, n, vec, bw, bh, out + b0);
    } else {
      pool_transposed<false>(colsum + c0, n, vec, bw, bh, out + b0);
    }
    for (size_t b = vec; b < nb; ++b) {
      const size_t w = n - b * bw < bw ? n - b * bw : bw;
      out[b0 + b] = pool_block(colsum + c0 + b * bw, w, bh, mode);
    }
  }
  return nan;
}

MP_AVX2 bool block_pool_avx2(const float* x, size_t bh, size_t cols, size_t stride, size_t bw, uint32_t mode,
                             double* colsum, float* out) {
  bool nan = false;
  size_t done = 0;  // blocks
  if (bw == 1) done = pool_fast<1>(x, bh, cols, stride, mode, out, &nan);
  if (bw == 2) done = pool_fast<2>(x, bh, cols, stride, mode, out, &nan);
  if (bw == 4) done = pool_fast<4>(x, bh, cols, stride, mode, out, &nan);
  if (bw == 8) done = pool_fast<8>(x, bh, cols, stride, mode, out, &nan);
  const size_t c = done * bw;
  if (c < cols) nan |= pool_generic(x + c, bh, cols - c, stride, bw, mode, colsum, out + done);
  return nan;
}

// ---------------------------------------------------------------------------
// expand_blocks
//
// Widths 3..32: nb = min(16, 32 / bw) blocks make one step of nb * bw bytes; their
// bytes, broadcast to both 128-bit lanes, go through one PSHUFB with byte j -> j /
// bw (a table per width). A step stores 32 bytes and the next step overwrites the
// ones past its own; the last block bytes come from a zero-padded copy, so as not
// to read past the block mask. Width 1 is a copy, width 2 a zero extension to 16
// bits times 0x0101, wider blocks runs of broadcast bytes. The last partial step
// goes a byte at a time.

struct ExpandPatterns {
  uint8_t p[33][32];
  constexpr ExpandPatterns() : p() {
    for (int bw = 1; bw <= 32; ++bw) {
      const int nb = 32 / bw < 16 ? 32 / bw : 16;
      for (int j = 0; j < 32; ++j) p[bw][j] = static_cast<uint8_t>(j / bw < nb ? j / bw : 0);
    }
  }
};
constexpr ExpandPatterns kExpand;

MP_AVX2 void expand_blocks_avx2(const uint8_t* bm, size_t cols, size_t bw, uint8_t* row) {
  size_t c = 0;
  if (bw == 1) {
    for (; c + 32 <= cols; c += 32)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(row + c), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bm + c)));
  } else if (bw == 2) {
    for (; c + 32 <= cols; c += 32) {
      const __m256i w = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bm + c / 2)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(row + c), _mm256_or_si256(w, _mm256_slli_epi16(w, 8)));
    }
  } else if (bw > 32) {
    for (size_t b = 0; c < cols; ++b) {
      const __m256i v = _mm256_set1_epi8(static_cast<char>(bm[b]));
      const size_t end = cols - c < bw ? cols : c + bw;
      for (; c + 32 <= end; c += 32) _mm256_storeu_si256(reinterpret_cast<__m256i*>(row + c), v);
      for (; c < end; ++c) row[c] = bm[b];
    }
    return;
  } else {
    const size_t nb = 32 / bw < 16 ? 32 / bw : 16, step = nb * bw;
    const size_t nblocks = cols / bw + (cols % bw != 0);
    const __m256i idx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kExpand.p[bw]));
    size_t b = 0;
    for (; c + 32 <= cols && b + 16 <= nblocks; c += step, b += nb) {
      const __m256i src = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bm + b)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(row + c), _mm256_shuffle_epi8(src, idx));
    }
    if (c + 32 <= cols) {  // fewer than 16 block bytes left
      uint8_t pad[32] = {};
      for (size_t i = 0; i < nblocks - b; ++i) pad[i] = bm[b + i];
      for (size_t i = 0; c + 32 <= cols; c += step, i += nb) {
        const __m256i src = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(pad + i)));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(row + c), _mm256_shuffle_epi8(src, idx));
      }
    }
  }
  // c is a block boundary here.
  if (c < cols) expand_run(bm + c / bw, cols - c, bw, row + c);
}

// ---------------------------------------------------------------------------
// nm_mask
//
// u ranks above t if key_u > key_t, or key_u == key_t and u > t: key_u + [u > t] >
// key_t. Element t is kept if fewer than n rank above it.

// n >= m: every element is kept; only the NaN test is left.
MP_AVX2 bool nm_all_kept(const float* x, size_t total, uint8_t* mask) {
  const __m256i ones = _mm256_set1_epi8(1), abs = abs8();
  __m256i top = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 32 <= total; i += 32) {
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j)
      top = _mm256_max_epu32(top, _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i + 8 * j)), abs));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(mask + i), ones);
  }
  uint32_t t = 0;
  for (; i < total; ++i) {
    const uint32_t k = key_at(x, i);
    t = k > t ? k : t;
    mask[i] = 1;
  }
  return any_nan_key(top) || t > kInfKey;
}

// Groups of M = 2, 4 or 8 consecutive lanes. Rotation s (1 <= s < M) gives lane t
// the key of lane (t + s) mod M of its group; bias[s - 1] is 1 in the lanes where
// that partner has the higher index.
template <int M>
struct Rotations {
  __m256i idx[M - 1], bias[M - 1];
};

template <int M>
MP_AVX2 inline void init_rotations(Rotations<M>& g) {
  for (int s = 1; s < M; ++s) {
    alignas(32) int32_t idx[8], bias[8];
    for (int t = 0; t < 8; ++t) {
      const int r = t % M;
      idx[t] = t - r + (r + s) % M;
      bias[t] = r + s < M;
    }
    g.idx[s - 1] = _mm256_load_si256(reinterpret_cast<const __m256i*>(idx));
    g.bias[s - 1] = _mm256_load_si256(reinterpret_cast<const __m256i*>(bias));
  }
}

template <int M>
MP_AVX2 inline __m256i rotate(__m256i k, int s, const Rotations<M>& g) {
  if (M == 2) return _mm256_shuffle_epi32(k, _MM_SHUFFLE(2, 3, 0, 1));
  if (M == 4) {  // within 128-bit lanes: PSHUFD
    if (s == 1) return _mm256_shuffle_epi32(k, _MM_SHUFFLE(0, 3, 2, 1));
    if (s == 2) return _mm256_shuffle_epi32(k, _MM_SHUFFLE(1, 0, 3, 2));
    return _mm256_shuffle_epi32(k, _MM_SHUFFLE(2, 1, 0, 3));
  }
  return _mm256_permutevar8x32_epi32(k, g.idx[s - 1]);
}

// The keep lanes (all-ones) of 8 keys, groups of M lanes.
template <int M>
MP_AVX2 inline __m256i keep_rotated(__m256i key, const Rotations<M>& g, __m256i nv) {
  __m256i cnt = _mm256_setzero_si256();
#pragma GCC unroll 8
  for (int s = 1; s < M; ++s) {
    const __m256i u = _mm256_add_epi32(rotate<M>(key, s, g), g.bias[s - 1]);
    cnt = _mm256_sub_epi32(cnt, _mm256_cmpgt_epi32(u, key));  // +1 where u ranks above
  }
  return _mm256_cmpgt_epi32(nv, cnt);
}

// inner == 1, m = M: the groups are consecutive M elements; 32 at a time, the
// rest (whole groups) by the scalar part.
template <int M>
MP_AVX2 bool nm_rotated(const float* x, size_t total, uint32_t n, uint32_t m, uint8_t* mask) {
  Rotations<M> g;
  init_rotations<M>(g);
  const __m256i nv = _mm256_set1_epi32(static_cast<int>(n)), abs = abs8();
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7), one = _mm256_set1_epi8(1);
  __m256i top = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 32 <= total; i += 32) {
    __m256i k[4];
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      const __m256i key = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i + 8 * j)), abs);
      top = _mm256_max_epu32(top, key);
      k[j] = keep_rotated<M>(key, g, nv);
    }
    // Saturating packs keep -1 / 0 per byte, in the order of the 128-bit lanes:
    // dwords [k0a k1a k2a k3a | k0b k1b k2b k3b] (a, b: the halves of each k).
    const __m256i b = _mm256_packs_epi16(_mm256_packs_epi32(k[0], k[1]), _mm256_packs_epi32(k[2], k[3]));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(mask + i), _mm256_and_si256(_mm256_permutevar8x32_epi32(b, order), one));
  }
  bool nan = any_nan_key(top);
  for (; i < total; i += m) nan |= nm_group(x, i, 1, n, m, mask);
  return nan;
}

// 8 keep lanes (all-ones / 0) as 8 mask bytes.
MP_AVX2 inline void store_keep8(__m256i keep, uint8_t* out) {
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(keep), _mm256_extracti128_si256(keep, 1));
  const __m128i b = _mm_and_si128(_mm_packs_epi16(w, w), _mm_set1_epi8(1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out), b);
}

// Groups across the lanes: key[t] holds element t of 8 groups; keep[t] gets the
// lanes (all-ones) where element t is kept.
// M = 2, 4, 8 (registers): one compare per pair t < u; cnt[t] starts at the
// number of higher indices (as if they all ranked above t), and a pair where t
// ranks above u takes 1 from cnt[t] and gives 1 to cnt[u]. M = 0 (any m, arrays):
// per t, the count over every u.
template <int M>
MP_AVX2 inline void rank_lanes(const __m256i* key, uint32_t m, __m256i nv, __m256i* keep) {
  if (M != 0) {
    __m256i cnt[M ? M : 1];
#pragma GCC unroll 8
    for (int t = 0; t < M; ++t) cnt[t] = _mm256_set1_epi32(M - 1 - t);
#pragma GCC unroll 8
    for (int t = 0; t < M; ++t) {
#pragma GCC unroll 8
      for (int u = t + 1; u < M; ++u) {
        const __m256i t_above = _mm256_cmpgt_epi32(key[t], key[u]);  // -1 where t ranks above u
        cnt[t] = _mm256_add_epi32(cnt[t], t_above);
        cnt[u] = _mm256_sub_epi32(cnt[u], t_above);
      }
    }
#pragma GCC unroll 8
    for (int t = 0; t < M; ++t) keep[t] = _mm256_cmpgt_epi32(nv, cnt[t]);
    return;
  }
  const __m256i one = _mm256_set1_epi32(1);
  for (uint32_t t = 0; t < m; ++t) {
    const __m256i kt = key[t], kt1 = _mm256_sub_epi32(kt, one);  // u > t: key_u >= key_t, key_u > key_t - 1
    __m256i cnt = _mm256_setzero_si256();
    for (uint32_t u = 0; u < t; ++u) cnt = _mm256_sub_epi32(cnt, _mm256_cmpgt_epi32(key[u], kt));
    for (uint32_t u = t + 1; u < m; ++u) cnt = _mm256_sub_epi32(cnt, _mm256_cmpgt_epi32(key[u], kt1));
    keep[t] = _mm256_cmpgt_epi32(nv, cnt);
  }
}

// inner > 1: lanes run across i, 8 at a time; the last inner % 8 lanes of each
// group by the scalar part.
template <int M>
MP_AVX2 bool nm_across(const float* x, size_t outer, size_t axis_len, size_t inner, uint32_t n, uint32_t m_any,
                       uint8_t* mask) {
  const uint32_t m = M ? M : m_any;
  const __m256i nv = _mm256_set1_epi32(static_cast<int>(n)), abs = abs8();
  __m256i top = _mm256_setzero_si256();
  __m256i key[M ? M : 256], keep[M ? M : 256];
  bool nan = false;
  for (size_t o = 0; o < outer; ++o) {
    for (size_t g = 0; g < axis_len; g += m) {
      const size_t base = (o * axis_len + g) * inner;
      size_t i = 0;
      for (; i + 8 <= inner; i += 8) {
        for (uint32_t t = 0; t < m; ++t) {
          const float* p = x + base + t * inner + i;
          // m streams inner floats apart: the hardware prefetchers lose track of them.
          if (i % 16 == 0) _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetch / 2), _MM_HINT_T0);
          key[t] = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), abs);
          top = _mm256_max_epu32(top, key[t]);
        }
        rank_lanes<M>(key, m, nv, keep);
        for (uint32_t t = 0; t < m; ++t) store_keep8(keep[t], mask + base + t * inner + i);
      }
      for (; i < inner; ++i) nan |= nm_group(x, base + i, inner, n, m, mask);
    }
  }
  return nan || any_nan_key(top);
}

// inner == 1, other m: 8 groups at a time, their keys transposed through a tile
// (row t = element t of the 8 groups), then as nm_across.
MP_AVX2 bool nm_tiled(const float* x, size_t groups, uint32_t n, uint32_t m, uint8_t* mask) {
  const __m256i nv = _mm256_set1_epi32(static_cast<int>(n));
  __m256i tile[256], keep[256];
  uint32_t* cell = reinterpret_cast<uint32_t*>(tile);
  uint32_t top = 0;
  for (size_t g0 = 0; g0 < groups; g0 += 8) {
    const size_t ng = groups - g0 < 8 ? groups - g0 : 8;
    const float* p = x + g0 * m;
    for (size_t j = 0; j < 8; ++j) {
      for (uint32_t t = 0; t < m; ++t) {
        const uint32_t k = j < ng ? key_at(p, j * m + t) : 0;
        top = k > top ? k : top;
        cell[t * 8 + j] = k;
      }
    }
    rank_lanes<0>(tile, m, nv, keep);
    uint8_t* out = mask + g0 * m;
    for (uint32_t t = 0; t < m; ++t) {
      const unsigned bits = static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(keep[t])));
      for (size_t j = 0; j < ng; ++j) out[j * m + t] = static_cast<uint8_t>((bits >> j) & 1);
    }
  }
  return top > kInfKey;
}

MP_AVX2 bool nm_mask_avx2(const float* x, size_t outer, size_t axis_len, size_t inner, uint32_t n, uint32_t m,
                          uint8_t* mask) {
  const size_t total = outer * axis_len * inner;
  if (n >= m) return nm_all_kept(x, total, mask);
  if (inner == 1) {
    if (m == 2) return nm_rotated<2>(x, total, n, m, mask);
    if (m == 4) return nm_rotated<4>(x, total, n, m, mask);
    if (m == 8) return nm_rotated<8>(x, total, n, m, mask);
    return nm_tiled(x, total / m, n, m, mask);
  }
  if (m == 2) return nm_across<2>(x, outer, axis_len, inner, n, m, mask);
  if (m == 4) return nm_across<4>(x, outer, axis_len, inner, n, m, mask);
  if (m == 8) return nm_across<8>(x, outer, axis_len, inner, n, m, mask);
  return nm_across<0>(x, outer, axis_len, inner, n, m, mask);
}

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
