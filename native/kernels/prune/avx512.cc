// AVX-512 (F/BW/DQ/VL) variant of the prune kernels; ref.cc is the specification
// and every output here is bit-identical to it. Vectors only ever run across
// independent accumulators (rows, columns, blocks, the 8 lanes of a row sum,
// groups), never through one sum, so every double is added in the reference's
// order.
//
// This file is compiled for the baseline x86-64 ISA. Every function that uses
// AVX-512 carries MP_AVX512 (a target attribute) and is only reached through
// prune_avx512, which dispatch selects after cpu_features() reported AVX-512.
//
// Loads: masked loads cost streamed loops dearly (fewer loads in flight from
// memory), so the loops use plain loads, and a short piece inside the input (the
// end of a row with more rows after it) is a plain load ANDed with a lane mask;
// only the very end of an input takes a masked load. Zero lanes are harmless
// everywhere: a term +0 changes no sum and no maximum. No gathers either: they
// are microcoded and slow on Zen 4; permutes and transposes do their work.
//
// - row_sums: 8 rows at a time, each row's 8 lanes in one zmm of doubles (lane l
//   of the vector is the reference's lane l, one in-order chain; the 8 rows give 8
//   independent chains), then the reference's tree for the 8 rows at once by a
//   transposing reduction (unpack, shuffle_f64x2, add). Rows shorter than 8: 8
//   rows are loaded together and permuted so that vector l holds their lane l.
//   Rows of 64 floats or more prefetch ahead.
//   NORM_MAX takes an unsigned maximum of the magnitude keys (bits & 0x7fffffff,
//   which order like |x|; a NaN's key is above +Inf's, so it is also the NaN test).
// - column_sums: up to 64 columns stay in registers for all the rows; wider
//   matrices take 8 rows at a time into 16 sums held in registers.
// - block_pool: blocks 1, 2, 4 or 8 wide, 8 blocks at a time: each row's floats
//   are permuted (VPERMT2D) so that vector k holds column k of the 8 blocks, and
//   every sum is then a vertical one. Other widths: column sums into colsum, then
//   8 blocks at a time through 8x8 transposes of colsum. Strips of several rows
//   prefetch each row ahead (the hardware prefetchers keep up with one stream,
//   not with a dozen 16 KB apart).
// - expand_blocks: the block bytes broadcast to each 128-bit lane, then PSHUFB.
// - nm_mask: groups of 2, 4, 8 or 16 along the last axis: each key is compared
//   with the rest of its group by rotating the vector within groups. Otherwise 16
//   groups run across the lanes (contiguous along inner, or transposed through a
//   small tile).
// - taylor_accumulate: vector arithmetic in the reference's order.
#include "prune_kernels.h"
#include "scalar_parts.h"

#if defined(__x86_64__) || defined(_M_X64)

// GCC 12's AVX-512 headers trip false -W(maybe-)uninitialized warnings on their
// own _mm512_undefined_*() placeholders (GCC PR 105593, fixed in GCC 13).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#include <immintrin.h>
#include <stdint.h>

#define MP_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))

namespace mp {
namespace {

using namespace prune_parts;

// Software prefetch distance, in floats ahead in each row, where several rows are
// read side by side (prefetches past the input's end are harmless: they never
// fault).
constexpr size_t kPrefetch = 512;

MP_AVX512 inline __mmask8 mask8(size_t k) { return static_cast<__mmask8>((1u << k) - 1u); }     // k <= 8
MP_AVX512 inline __mmask16 mask16(size_t k) { return static_cast<__mmask16>((1u << k) - 1u); }  // k <= 16
MP_AVX512 inline __mmask64 mask64(size_t k) {
  return k >= 64 ? ~__mmask64{0} : static_cast<__mmask64>((uint64_t{1} << k) - 1u);
}

MP_AVX512 inline __m512i abs16() { return _mm512_set1_epi32(0x7fffffff); }
MP_AVX512 inline __m256i abs8() { return _mm256_set1_epi32(0x7fffffff); }
MP_AVX512 inline __m512i inf16() { return _mm512_set1_epi32(static_cast<int>(kInfKey)); }

// All-ones in lanes below k, else 0.
MP_AVX512 inline __m256 lanes8(size_t k) {
  return _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(k)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
}
MP_AVX512 inline __m512 lanes16(size_t k) {
  return _mm512_castsi512_ps(_mm512_maskz_mov_epi32(mask16(k), _mm512_set1_epi32(-1)));
}

// The k (< 8) floats at p, the other lanes 0: a plain load masked by `lanes` (=
// lanes8(k)) if the 8 floats lie inside the input (`inside`), else a masked load.
MP_AVX512 inline __m256 load_part8(const float* p, size_t k, __m256 lanes, bool inside) {
  return inside ? _mm256_and_ps(_mm256_loadu_ps(p), lanes) : _mm256_maskz_loadu_ps(mask8(k), p);
}

// ---------------------------------------------------------------------------
// row_sums

// The terms of 8 floats in double: |x| (L1) or x * x (L2; exact in double).
template <uint32_t K>
MP_AVX512 inline __m512d terms8(__m256 v) {
  const __m512d d = _mm512_cvtps_pd(v);
  return K == NORM_L2 ? _mm512_mul_pd(d, d) : _mm512_abs_pd(d);
}

// acc[j] = the 8 lanes of row j (at x + j * cols) for j < R; the others 0.
// `avail`: the floats of input from x (a row's last, partial load reads past the
// row while it stays inside them).
template <uint32_t K, int R>
MP_AVX512 inline void row_lanes(const float* x, size_t cols, size_t avail, __m512d* acc) {
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) acc[j] = _mm512_setzero_pd();
  // Rows of 64 floats or more prefetch ahead: 8 rows of up to a few hundred floats
  // are read out of order within a few KB, which the hardware prefetchers follow
  // badly. Shorter rows do better without.
  const bool prefetch = cols >= 64;
  size_t c = 0;
  for (; c + 16 <= cols; c += 16) {
#pragma GCC unroll 8
    for (int j = 0; j < R; ++j) {
      const float* p = x + j * cols + c;
      if (prefetch) _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetch), _MM_HINT_T0);
      acc[j] = _mm512_add_pd(acc[j], terms8<K>(_mm256_loadu_ps(p)));
      acc[j] = _mm512_add_pd(acc[j], terms8<K>(_mm256_loadu_ps(p + 8)));
    }
  }
  if (c + 8 <= cols) {
#pragma GCC unroll 8
    for (int j = 0; j < R; ++j) acc[j] = _mm512_add_pd(acc[j], terms8<K>(_mm256_loadu_ps(x + j * cols + c)));
    c += 8;
  }
  if (c < cols) {
    const size_t k = cols - c;
    const __m256 lanes = lanes8(k);
#pragma GCC unroll 8
    for (int j = 0; j < R; ++j)
      acc[j] = _mm512_add_pd(acc[j], terms8<K>(load_part8(x + j * cols + c, k, lanes, j * cols + c + 8 <= avail)));
  }
}

// Lane j: ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)) of a[j]. Each level
// adds two vectors whose lanes hold the left and right operands of that level for
// twice as many rows as the level before.
MP_AVX512 inline __m512d reduce_lanes8(const __m512d* a) {
  __m512d p[4], q[2];
  // p[i] = [A01 B01 | A23 B23 | A45 B45 | A67 B67] for rows A = 2i, B = 2i + 1.
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i)
    p[i] = _mm512_add_pd(_mm512_unpacklo_pd(a[2 * i], a[2 * i + 1]), _mm512_unpackhi_pd(a[2 * i], a[2 * i + 1]));
  // q[i] = [A0123 B0123 | A4567 B4567 | C0123 D0123 | C4567 D4567].
#pragma GCC unroll 2
  for (int i = 0; i < 2; ++i)
    q[i] = _mm512_add_pd(_mm512_shuffle_f64x2(p[2 * i], p[2 * i + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_f64x2(p[2 * i], p[2 * i + 1], _MM_SHUFFLE(3, 1, 3, 1)));
  return _mm512_add_pd(_mm512_shuffle_f64x2(q[0], q[1], _MM_SHUFFLE(2, 0, 2, 0)),
                       _mm512_shuffle_f64x2(q[0], q[1], _MM_SHUFFLE(3, 1, 3, 1)));
}

// sums[j] += tot[j] for the rows in `valid`; returns whether one of those is NaN
// (a sum of non-negative terms is NaN exactly when a term is: the NaN test).
MP_AVX512 inline bool add_row_sums8(__m512d tot, __mmask8 valid, double* sums) {
  _mm512_mask_storeu_pd(sums, valid, _mm512_add_pd(_mm512_maskz_loadu_pd(valid, sums), tot));
  return _mm512_mask_cmp_pd_mask(valid, tot, tot, _CMP_UNORD_Q) != 0;
}

template <uint32_t K, int R>
MP_AVX512 inline bool row_sums_group(const float* x, size_t cols, size_t avail, double* sums) {
  __m512d acc[8];
  row_lanes<K, R>(x, cols, avail, acc);
  return add_row_sums8(reduce_lanes8(acc), mask8(R), sums);
}

// acc[j] = the unsigned maximum over 16 lanes of the keys of row j, for j < R
// (`avail` as in row_lanes).
// After the 16-wide steps a row goes on 8 at a time: on short rows at odd offsets
// most 64-byte loads would straddle two cache lines.
template <int R>
MP_AVX512 inline void row_keys_max(const float* x, size_t cols, size_t avail, __m512i* acc) {
  const __m512i abs = abs16();
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) acc[j] = _mm512_setzero_si512();
  const bool prefetch = cols >= 64;  // as in row_lanes
  size_t c = 0;
  for (; c + 16 <= cols; c += 16) {
#pragma GCC unroll 8
    for (int j = 0; j < R; ++j) {
      const float* p = x + j * cols + c;
      if (prefetch) _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetch), _MM_HINT_T0);
      acc[j] = _mm512_max_epu32(acc[j], _mm512_and_si512(_mm512_loadu_si512(p), abs));
    }
  }
  if (c + 8 <= cols) {
#pragma GCC unroll 8
    for (int j = 0; j < R; ++j) {
      const __m256i v = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + j * cols + c)), abs8());
      acc[j] = _mm512_max_epu32(acc[j], _mm512_zextsi256_si512(v));
    }
    c += 8;
  }
  if (c < cols) {
    const size_t k = cols - c;
    const __m256 lanes = lanes8(k);
#pragma GCC unroll 8
    for (int j = 0; j < R; ++j) {
      const __m256 v = load_part8(x + j * cols + c, k, lanes, j * cols + c + 8 <= avail);
      acc[j] = _mm512_max_epu32(acc[j], _mm512_zextsi256_si512(_mm256_and_si256(_mm256_castps_si256(v), abs8())));
    }
  }
}

// Lane j: the maximum of the 16 lanes of a[j] (any order: integer maxima are
// exact).
MP_AVX512 inline __m256i reduce_max8(const __m512i* a) {
  __m256i h[8], p[4], q[2];
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) h[j] = _mm256_max_epu32(_mm512_castsi512_si256(a[j]), _mm512_extracti64x4_epi64(a[j], 1));
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i)
    p[i] = _mm256_max_epu32(_mm256_unpacklo_epi32(h[2 * i], h[2 * i + 1]), _mm256_unpackhi_epi32(h[2 * i], h[2 * i + 1]));
#pragma GCC unroll 2
  for (int i = 0; i < 2; ++i)
    q[i] = _mm256_max_epu32(_mm256_unpacklo_epi64(p[2 * i], p[2 * i + 1]), _mm256_unpackhi_epi64(p[2 * i], p[2 * i + 1]));
  return _mm256_max_epu32(_mm256_permute2x128_si256(q[0], q[1], 0x20), _mm256_permute2x128_si256(q[0], q[1], 0x31));
}

// sums[j] = the running maximum from sums[j] over row j (at x + j * cols, cols >
// 0), given top[j], the row's largest key, for the rows j in `valid`. Returns
// whether a key is a NaN's.
MP_AVX512 inline bool merge_row_max8(const float* x, size_t cols, __m256i top, __mmask8 valid, double* sums) {
  const __m512d t = _mm512_cvtps_pd(_mm256_castsi256_ps(top)), s = _mm512_maskz_loadu_pd(valid, sums);
  _mm512_mask_storeu_pd(sums, valid, _mm512_max_pd(t, s));  // t > s ? t : s
  // A row of zeros after a negative sum leaves its first element's term (see merge_row_max).
  const __m512d zero = _mm512_setzero_pd();
  unsigned fix = _mm512_mask_cmp_pd_mask(valid, t, zero, _CMP_EQ_OQ) & _mm512_cmp_pd_mask(s, zero, _CMP_LT_OQ);
  for (; fix != 0; fix &= fix - 1) {
    const size_t j = static_cast<size_t>(__builtin_ctz(fix));
    sums[j] = norm_term(x[j * cols], NORM_MAX, 0);
  }
  return _mm256_mask_cmpgt_epu32_mask(valid, top, _mm256_set1_epi32(static_cast<int>(kInfKey))) != 0;
}

template <int R>
MP_AVX512 inline bool row_max_group(const float* x, size_t cols, size_t avail, double* sums) {
  __m512i acc[8];
  row_keys_max<R>(x, cols, avail, acc);
  return merge_row_max8(x, cols, reduce_max8(acc), mask8(R), sums);
}

// R rows from row r (total: the floats of input).
template <uint32_t K, int R>
MP_AVX512 inline bool long_rows(const float* x, size_t r, size_t cols, size_t total, double* sums) {
  if (K == NORM_MAX) return row_max_group<R>(x + r * cols, cols, total - r * cols, sums + r);
  return row_sums_group<K, R>(x + r * cols, cols, total - r * cols, sums + r);
}

// Rows of 8 or more floats: 8 at a time, then 4, 2, 1.
template <uint32_t K>
MP_AVX512 bool row_sums_long(const float* x, size_t rows, size_t cols, double* sums) {
  const size_t total = rows * cols;
  bool nan = false;
  size_t r = 0;
  for (; r + 8 <= rows; r += 8) nan |= long_rows<K, 8>(x, r, cols, total, sums);
  if (rows - r >= 4) {
    nan |= long_rows<K, 4>(x, r, cols, total, sums);
    r += 4;
  }
  if (rows - r >= 2) {
    nan |= long_rows<K, 2>(x, r, cols, total, sums);
    r += 2;
  }
  if (rows - r >= 1) nan |= long_rows<K, 1>(x, r, cols, total, sums);
  return nan;
}

// Rows shorter than 8 (W floats): the 8W floats of 8 rows, permuted so that pair
// i holds lane 2i of the 8 rows in its low half and lane 2i + 1 in its high half.
// idx[i] indexes the 64 floats of up to four loaded vectors: VPERMT2D takes two,
// so for W > 4 the lanes with bit 5 set (`hi`) come from the second two. Lanes
// l >= W are absent (0).
template <int W>
struct RowLanes {
  static constexpr int kPairs = (W + 1) / 2, kLoads = (8 * W + 15) / 16;
  int32_t idx[4][16];
  uint16_t hi[4], present[4];
  constexpr RowLanes() : idx(), hi(), present() {
    for (int i = 0; i < 4; ++i) {
      for (int q = 0; q < 16; ++q) {
        const int l = 2 * i + q / 8, v = l < W ? (q % 8) * W + l : 0;
        idx[i][q] = v & 31;
        if (v >= 32) hi[i] = static_cast<uint16_t>(hi[i] | 1u << q);
        if (l < W) present[i] = static_cast<uint16_t>(present[i] | 1u << q);
      }
    }
  }
};

// The lane pairs of the rows at p (avail floats of input from p).
template <int W>
MP_AVX512 inline void row_lane_pairs(const float* p, size_t avail, __m512i* pr) {
  static constexpr RowLanes<W> kL{};
  __m512i z[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
#pragma GCC unroll 4
  for (int i = 0; i < RowLanes<W>::kLoads; ++i) {
    const size_t at = 16 * static_cast<size_t>(i);
    if (avail >= at + 16) {
      z[i] = _mm512_loadu_si512(p + at);
    } else if (avail > at) {
      z[i] = _mm512_maskz_loadu_epi32(mask16(avail - at), p + at);
    }
  }
#pragma GCC unroll 4
  for (int i = 0; i < RowLanes<W>::kPairs; ++i) {
    const __m512i idx = _mm512_loadu_si512(kL.idx[i]);
    pr[i] = _mm512_maskz_permutex2var_epi32(kL.present[i], z[0], idx, z[1]);
    if (W > 4) {
      const __m512i upper = _mm512_permutex2var_epi32(z[2], idx, z[3]);
      pr[i] = _mm512_mask_blend_epi32(static_cast<__mmask16>(kL.hi[i] & kL.present[i]), pr[i], upper);
    }
  }
}

// The reference's tree over lanes 0 .. W-1 of 8 rows (absent lanes are +0, and
// adding +0 to a sum of non-negative terms leaves it as it is).
template <int W>
MP_AVX512 inline __m512d lane_tree(const __m512d* t) {
  const __m512d a01 = W > 1 ? _mm512_add_pd(t[0], t[1]) : t[0];
  const __m512d a23 = W > 3 ? _mm512_add_pd(t[2], t[3]) : t[W > 2 ? 2 : 0];
  const __m512d a03 = W > 2 ? _mm512_add_pd(a01, a23) : a01;
  if (W <= 4) return a03;
  const __m512d a45 = W > 5 ? _mm512_add_pd(t[4], t[5]) : t[4];
  const __m512d a67 = W > 7 ? _mm512_add_pd(t[6], t[7]) : t[W > 6 ? 6 : 4];
  return _mm512_add_pd(a03, W > 6 ? _mm512_add_pd(a45, a67) : a45);
}

template <uint32_t K, int W>
MP_AVX512 bool row_sums_short(const float* x, size_t rows, double* sums) {
  bool nan = false;
  for (size_t r = 0; r < rows; r += 8) {
    const size_t k = rows - r < 8 ? rows - r : 8;
    const float* p = x + r * W;
    __m512i pr[4];
    row_lane_pairs<W>(p, (rows - r) * W, pr);
    if (K == NORM_MAX) {
      __m512i m = _mm512_and_si512(pr[0], abs16());
#pragma GCC unroll 4
      for (int i = 1; i < RowLanes<W>::kPairs; ++i) m = _mm512_max_epu32(m, _mm512_and_si512(pr[i], abs16()));
      const __m256i top = _mm256_max_epu32(_mm512_castsi512_si256(m), _mm512_extracti64x4_epi64(m, 1));
      nan |= merge_row_max8(p, W, top, mask8(k), sums + r);
      continue;
    }
    __m512d t[8];
#pragma GCC unroll 8
    for (int l = 0; l < 8; ++l) {
      const __m512 f = _mm512_castsi512_ps(pr[l / 2 < RowLanes<W>::kPairs ? l / 2 : 0]);
      t[l] = l < W ? terms8<K>(l % 2 ? _mm512_extractf32x8_ps(f, 1) : _mm512_castps512_ps256(f)) : _mm512_setzero_pd();
    }
    nan |= add_row_sums8(lane_tree<W>(t), mask8(k), sums + r);
  }
  return nan;
}

template <uint32_t K>
MP_AVX512 bool row_sums_k(const float* x, size_t rows, size_t cols, double* sums) {
  switch (cols) {
    case 1: return row_sums_short<K, 1>(x, rows, sums);
    case 2: return row_sums_short<K, 2>(x, rows, sums);
    case 3: return row_sums_short<K, 3>(x, rows, sums);
    case 4: return row_sums_short<K, 4>(x, rows, sums);
    case 5: return row_sums_short<K, 5>(x, rows, sums);
    case 6: return row_sums_short<K, 6>(x, rows, sums);
    case 7: return row_sums_short<K, 7>(x, rows, sums);
    default: return row_sums_long<K>(x, rows, cols, sums);
  }
}

MP_AVX512 bool row_sums_avx512(const float* x, size_t rows, size_t cols, uint32_t kind, double p, double* sums) {
  // NORM_LP is rare and dominated by pow_abs; cols == 0 only adds +0.0 (or nothing).
  if (kind == NORM_LP || cols == 0) return prune_scalar.row_sums(x, rows, cols, kind, p, sums);
  if (kind == NORM_MAX) return row_sums_k<NORM_MAX>(x, rows, cols, sums);
  if (kind == NORM_L2) return row_sums_k<NORM_L2>(x, rows, cols, sums);
  return row_sums_k<NORM_L1>(x, rows, cols, sums);
}

// ---------------------------------------------------------------------------
// column_sums

// Adds (or, NORM_MAX, takes the maximum with) the terms of 16 floats into the
// column sums s0 (first 8) and s1.
template <uint32_t K>
MP_AVX512 inline void column_terms16(__m512 v, __m512d& s0, __m512d& s1) {
  if (K == NORM_L2) {
    const __m512d a = _mm512_cvtps_pd(_mm512_castps512_ps256(v)), b = _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1));
    s0 = _mm512_add_pd(s0, _mm512_mul_pd(a, a));
    s1 = _mm512_add_pd(s1, _mm512_mul_pd(b, b));
    return;
  }
  // norm_term's x < 0 ? -x : x, which keeps -0 (it matters for a sum at -0): MAXPS
  // returns its second operand unless the first is larger.
  const __m512 f = _mm512_max_ps(_mm512_xor_ps(v, _mm512_set1_ps(-0.0f)), v);
  const __m512d a = _mm512_cvtps_pd(_mm512_castps512_ps256(f)), b = _mm512_cvtps_pd(_mm512_extractf32x8_ps(f, 1));
  if (K == NORM_MAX) {  // t > s ? t : s
    s0 = _mm512_max_pd(a, s0);
    s1 = _mm512_max_pd(b, s1);
  } else {
    s0 = _mm512_add_pd(s0, a);
    s1 = _mm512_add_pd(s1, b);
  }
}

// cols <= 16 * NV: every column sum stays in registers through all the rows. Rows
// whose loads stay in the input read whole vectors (ANDed down to the row).
template <uint32_t K, int NV>
MP_AVX512 bool column_sums_narrow(const float* x, size_t rows, size_t cols, double* sums) {
  __mmask16 m[NV];
  __m512 lanes[NV];
  __m512d s[2 * NV];
#pragma GCC unroll 4
  for (int i = 0; i < NV; ++i) {
    const size_t k = cols - 16 * i >= 16 ? 16 : cols - 16 * i;
    m[i] = mask16(k);
    lanes[i] = lanes16(k);
    s[2 * i] = _mm512_maskz_loadu_pd(static_cast<__mmask8>(m[i]), sums + 16 * i);
    s[2 * i + 1] = _mm512_maskz_loadu_pd(static_cast<__mmask8>(m[i] >> 8), sums + 16 * i + 8);
  }
  const __m512i abs = abs16();
  __m512i top = _mm512_setzero_si512();
  const size_t total = rows * cols, span = 16 * NV;
  const size_t inside = total >= span ? (total - span) / cols + 1 : 0;  // rows whose loads stay in x
  size_t r = 0;
  for (; r < inside && r < rows; ++r) {
#pragma GCC unroll 4
    for (int i = 0; i < NV; ++i) {
      const __m512 v = _mm512_and_ps(_mm512_loadu_ps(x + r * cols + 16 * i), lanes[i]);
      top = _mm512_max_epu32(top, _mm512_and_si512(_mm512_castps_si512(v), abs));
      column_terms16<K>(v, s[2 * i], s[2 * i + 1]);
    }
  }
  for (; r < rows; ++r) {
#pragma GCC unroll 4
    for (int i = 0; i < NV; ++i) {
      const __m512 v = _mm512_maskz_loadu_ps(m[i], x + r * cols + 16 * i);
      top = _mm512_max_epu32(top, _mm512_and_si512(_mm512_castps_si512(v), abs));
      column_terms16<K>(v, s[2 * i], s[2 * i + 1]);
    }
  }
#pragma GCC unroll 4
  for (int i = 0; i < NV; ++i) {
    _mm512_mask_storeu_pd(sums + 16 * i, static_cast<__mmask8>(m[i]), s[2 * i]);
    _mm512_mask_storeu_pd(sums + 16 * i + 8, static_cast<__mmask8>(m[i] >> 8), s[2 * i + 1]);
  }
  return _mm512_cmpgt_epu32_mask(top, inf16()) != 0;
}

// Rows 0 .. R-1 at x into every column sum, 16 columns at a time; top collects
// the keys' maximum (`avail` as in row_lanes).
template <uint32_t K, int R>
MP_AVX512 inline void column_rows(const float* x, size_t cols, size_t avail, double* sums, __m512i& top) {
  const __m512i abs = abs16();
  size_t c = 0;
  for (; c + 16 <= cols; c += 16) {
    __m512d s0 = _mm512_loadu_pd(sums + c), s1 = _mm512_loadu_pd(sums + c + 8);
#pragma GCC unroll 8
    for (int j = 0; j < R; ++j) {
      const float* p = x + j * cols + c;
      _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetch), _MM_HINT_T0);  // as in row_lanes
      const __m512 v = _mm512_loadu_ps(p);
      top = _mm512_max_epu32(top, _mm512_and_si512(_mm512_castps_si512(v), abs));
      column_terms16<K>(v, s0, s1);
    }
    _mm512_storeu_pd(sums + c, s0);
    _mm512_storeu_pd(sums + c + 8, s1);
  }
  if (c < cols) {
    const __mmask16 m = mask16(cols - c);
    const __mmask8 m0 = static_cast<__mmask8>(m), m1 = static_cast<__mmask8>(m >> 8);
    const __m512 lanes = lanes16(cols - c);
    __m512d s0 = _mm512_maskz_loadu_pd(m0, sums + c), s1 = _mm512_maskz_loadu_pd(m1, sums + c + 8);
#pragma GCC unroll 8
    for (int j = 0; j < R; ++j) {
      const float* p = x + j * cols + c;
      const __m512 v = j * cols + c + 16 <= avail ? _mm512_and_ps(_mm512_loadu_ps(p), lanes) : _mm512_maskz_loadu_ps(m, p);
      top = _mm512_max_epu32(top, _mm512_and_si512(_mm512_castps_si512(v), abs));
      column_terms16<K>(v, s0, s1);
    }
    _mm512_mask_storeu_pd(sums + c, m0, s0);
    _mm512_mask_storeu_pd(sums + c + 8, m1, s1);
  }
}

template <uint32_t K>
MP_AVX512 bool column_sums_k(const float* x, size_t rows, size_t cols, double* sums) {
  if (cols <= 16) return column_sums_narrow<K, 1>(x, rows, cols, sums);
  if (cols <= 32) return column_sums_narrow<K, 2>(x, rows, cols, sums);
  if (cols <= 48) return column_sums_narrow<K, 3>(x, rows, cols, sums);
  if (cols <= 64) return column_sums_narrow<K, 4>(x, rows, cols, sums);
  const size_t total = rows * cols;
  __m512i top = _mm512_setzero_si512();
  size_t r = 0;
  for (; r + 8 <= rows; r += 8) column_rows<K, 8>(x + r * cols, cols, total - r * cols, sums, top);
  if (rows - r >= 4) {
    column_rows<K, 4>(x + r * cols, cols, total - r * cols, sums, top);
    r += 4;
  }
  for (; r < rows; ++r) column_rows<K, 1>(x + r * cols, cols, total - r * cols, sums, top);
  return _mm512_cmpgt_epu32_mask(top, inf16()) != 0;
}

MP_AVX512 bool column_sums_avx512(const float* x, size_t rows, size_t cols, uint32_t kind, double p, double* sums) {
  if (kind == NORM_LP) return prune_scalar.column_sums(x, rows, cols, kind, p, sums);
  if (kind == NORM_MAX) return column_sums_k<NORM_MAX>(x, rows, cols, sums);
  if (kind == NORM_L2) return column_sums_k<NORM_L2>(x, rows, cols, sums);
  return column_sums_k<NORM_L1>(x, rows, cols, sums);
}

#include "avx512_pool.h"
#include "avx512_nm.h"

// ---------------------------------------------------------------------------
// taylor_accumulate: score = beta * score + |w * g|, each operation rounded.

MP_AVX512 void taylor_accumulate_avx512(const float* w, const float* g, size_t n, float beta, float* score) {
  const __m512 b = _mm512_set1_ps(beta);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 t0 = _mm512_abs_ps(_mm512_mul_ps(_mm512_loadu_ps(w + i), _mm512_loadu_ps(g + i)));
    const __m512 t1 = _mm512_abs_ps(_mm512_mul_ps(_mm512_loadu_ps(w + i + 16), _mm512_loadu_ps(g + i + 16)));
    _mm512_storeu_ps(score + i, _mm512_add_ps(_mm512_mul_ps(b, _mm512_loadu_ps(score + i)), t0));
    _mm512_storeu_ps(score + i + 16, _mm512_add_ps(_mm512_mul_ps(b, _mm512_loadu_ps(score + i + 16)), t1));
  }
  for (; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? 0xffff : mask16(n - i);
    const __m512 t = _mm512_abs_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, w + i), _mm512_maskz_loadu_ps(m, g + i)));
    _mm512_mask_storeu_ps(score + i, m, _mm512_add_ps(_mm512_mul_ps(b, _mm512_maskz_loadu_ps(m, score + i)), t));
  }
}

}  // namespace

const PruneKernels prune_avx512 = {row_sums_avx512,      column_sums_avx512, block_pool_avx512,
                                   expand_blocks_avx512, nm_mask_avx512,     taylor_accumulate_avx512};

}  // namespace mp

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // x86-64
