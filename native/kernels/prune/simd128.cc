// WebAssembly SIMD128 variant of the prune kernels; ref.cc is the specification
// and every output here is bit-identical to it. Built by emcc with -msimd128, so
// the whole module requires SIMD and no target attributes are needed. Vectors
// only ever run across independent accumulators (rows, columns, blocks, the 8
// lanes of a row sum, groups), never through one sum, so every double is added
// in the reference's order.
//
// A short piece inside the input (the end of a row with more rows after it) is a
// whole vector ANDed with a lane mask; at the very end of an input it is copied
// into a zero-padded block first. Zero lanes are harmless: a term +0 changes no
// sum and no maximum. Rare tails go to the scalar parts (scalar_parts.h).
//
// - row_sums: 4 rows at a time, each row's 8 lanes in four f64x2 (the reference's
//   lanes, each an in-order chain); the reference's tree by pairwise shuffles and
//   adds (i64x2.shuffle picks the left and right operands of each level). NORM_MAX:
//   an unsigned maximum of the magnitude keys (bits & 0x7fffffff order like |x|;
//   a NaN's key is above +Inf's, so it is also the NaN test).
// - column_sums: up to 16 columns stay in registers for all the rows; wider
//   matrices take 4 rows at a time into 4 sums. NORM_MAX uses f64x2.pmax, which
//   is exactly the reference's "t > s ? t : s".
// - block_pool: blocks 1, 2 or 4 wide, 4 blocks at a time: shuffles deinterleave
//   a row so that vector k holds column k of the 4 blocks, and every sum is then
//   a vertical one. Other widths: column sums into colsum, then each block's.
// - expand_blocks: i8x16.swizzle of the block bytes, byte j -> j / bw.
// - nm_mask: groups of 2, 4 or 8 along the last axis by rotating the keys within
//   groups (shuffles); otherwise 4 groups across the lanes (contiguous along
//   inner, or transposed through a small tile).
// - taylor_accumulate: vector arithmetic in the reference's order.
#include "prune_kernels.h"
#include "scalar_parts.h"

#if defined(__wasm_simd128__)

#include <stdint.h>
#include <string.h>
#include <wasm_simd128.h>

namespace mp {
namespace {

using namespace prune_parts;

inline v128_t abs4() { return wasm_i32x4_splat(0x7fffffff); }
inline v128_t keys(v128_t v) { return wasm_v128_and(v, abs4()); }

// All-ones in the lanes 4j .. 4j+3 below k, else 0.
inline v128_t lanes_below(size_t k, size_t j) {
  const uint32_t base = static_cast<uint32_t>(4 * j);
  return wasm_u32x4_lt(wasm_u32x4_make(base, base + 1, base + 2, base + 3), wasm_u32x4_splat(static_cast<uint32_t>(k)));
}

// The k (<= 8) floats at p as two vectors, the other lanes 0: whole vectors
// masked if the 8 floats lie inside the input, else through a padded copy.
inline void load8(const float* p, size_t k, bool inside, v128_t* v) {
  if (inside) {
    v[0] = wasm_v128_and(wasm_v128_load(p), lanes_below(k, 0));
    v[1] = wasm_v128_and(wasm_v128_load(p + 4), lanes_below(k, 1));
    return;
  }
  float block[8] = {};
  memcpy(block, p, k * sizeof(float));
  v[0] = wasm_v128_load(block);
  v[1] = wasm_v128_load(block + 4);
}

inline v128_t low_f64(v128_t f) { return wasm_f64x2_promote_low_f32x4(f); }
inline v128_t high_f64(v128_t f) { return wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(f, f, 2, 3, 2, 3)); }

// [a0 + a1, b0 + b1].
inline v128_t pair_sums(v128_t a, v128_t b) {
  return wasm_f64x2_add(wasm_i64x2_shuffle(a, b, 0, 2), wasm_i64x2_shuffle(a, b, 1, 3));
}

inline uint32_t max_lane(v128_t v) {
  v = wasm_u32x4_max(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wasm_u32x4_max(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_u32x4_extract_lane(v, 0);
}

// ---------------------------------------------------------------------------
// row_sums

// The terms of 4 floats in double: |x| (L1) or x * x (L2; exact in double), the
// low and high halves.
template <uint32_t K>
inline void terms4(v128_t v, v128_t* lo, v128_t* hi) {
  if (K == NORM_L2) {
    const v128_t a = low_f64(v), b = high_f64(v);
    *lo = wasm_f64x2_mul(a, a);
    *hi = wasm_f64x2_mul(b, b);
    return;
  }
  const v128_t f = wasm_f32x4_abs(v);
  *lo = low_f64(f);
  *hi = high_f64(f);
}

// Adds the terms of 8 floats (v[0], v[1]) to the 8 lanes acc[0..4).
template <uint32_t K>
inline void add_lanes(const v128_t* v, v128_t* acc) {
  v128_t t[4];
  terms4<K>(v[0], &t[0], &t[1]);
  terms4<K>(v[1], &t[2], &t[3]);
  for (int i = 0; i < 4; ++i) acc[i] = wasm_f64x2_add(acc[i], t[i]);
}

// The reference's tree of a row's lanes, as [((l0+l1) + (l2+l3)), ((l4+l5) + (l6+l7))].
inline v128_t lane_halves(const v128_t* acc) { return pair_sums(pair_sums(acc[0], acc[1]), pair_sums(acc[2], acc[3])); }

// Rows 0 .. R-1 at x (R <= 4): sums[j] += R(j). `avail`: the floats of input
// from x (a row's last, partial load reads past the row while it stays inside
// them). Returns whether a row sum is NaN (a sum of non-negative terms is NaN
// exactly when a term is: the NaN test).
template <uint32_t K, int R>
bool row_sums_group(const float* x, size_t cols, size_t avail, double* sums) {
  v128_t acc[4][4];
  for (int j = 0; j < R; ++j) {
    for (int i = 0; i < 4; ++i) acc[j][i] = wasm_f64x2_splat(0);
  }
  size_t c = 0;
  for (; c + 8 <= cols; c += 8) {
    for (int j = 0; j < R; ++j) {
      const v128_t v[2] = {wasm_v128_load(x + j * cols + c), wasm_v128_load(x + j * cols + c + 4)};
      add_lanes<K>(v, acc[j]);
    }
  }
  if (c < cols) {
    for (int j = 0; j < R; ++j) {
      v128_t v[2];
      load8(x + j * cols + c, cols - c, j * cols + c + 8 <= avail, v);
      add_lanes<K>(v, acc[j]);
    }
  }
  bool nan = false;
  for (int j = 0; j < R; j += 2) {
    if (j + 1 < R) {
      const v128_t tot = pair_sums(lane_halves(acc[j]), lane_halves(acc[j + 1]));  // [R(j), R(j+1)]
      wasm_v128_store(sums + j, wasm_f64x2_add(wasm_v128_load(sums + j), tot));
      nan |= !wasm_i64x2_all_true(wasm_f64x2_eq(tot, tot));
    } else {
      const v128_t h = lane_halves(acc[j]);
      const double tot = wasm_f64x2_extract_lane(h, 0) + wasm_f64x2_extract_lane(h, 1);
      sums[j] += tot;
      nan |= tot != tot;
    }
  }
  return nan;
}

// NORM_MAX for rows 0 .. R-1 at x (cols > 0).
template <int R>
bool row_max_group(const float* x, size_t cols, size_t avail, double* sums) {
  v128_t acc[4][2];
  for (int j = 0; j < R; ++j) acc[j][0] = acc[j][1] = wasm_i32x4_splat(0);
  size_t c = 0;
  for (; c + 8 <= cols; c += 8) {
    for (int j = 0; j < R; ++j) {
      acc[j][0] = wasm_u32x4_max(acc[j][0], keys(wasm_v128_load(x + j * cols + c)));
      acc[j][1] = wasm_u32x4_max(acc[j][1], keys(wasm_v128_load(x + j * cols + c + 4)));
    }
  }
  if (c < cols) {
    for (int j = 0; j < R; ++j) {
      v128_t v[2];
      load8(x + j * cols + c, cols - c, j * cols + c + 8 <= avail, v);
      acc[j][0] = wasm_u32x4_max(acc[j][0], keys(v[0]));
      acc[j][1] = wasm_u32x4_max(acc[j][1], keys(v[1]));
    }
  }
  bool nan = false;
  for (int j = 0; j < R; ++j) {
    const uint32_t top = max_lane(wasm_u32x4_max(acc[j][0], acc[j][1]));
    nan |= top > kInfKey;
    float f;
    memcpy(&f, &top, sizeof f);
    sums[j] = merge_row_max(sums[j], f, x[j * cols]);
  }
  return nan;
}

template <uint32_t K, int R>
inline bool row_group(const float* x, size_t r, size_t cols, size_t total, double* sums) {
  if (K == NORM_MAX) return row_max_group<R>(x + r * cols, cols, total - r * cols, sums + r);
  return row_sums_group<K, R>(x + r * cols, cols, total - r * cols, sums + r);
}

template <uint32_t K>
bool row_sums_k(const float* x, size_t rows, size_t cols, double* sums) {
  const size_t total = rows * cols;
  bool nan = false;
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) nan |= row_group<K, 4>(x, r, cols, total, sums);
  for (; r < rows; ++r) nan |= row_group<K, 1>(x, r, cols, total, sums);
  return nan;
}

bool row_sums_simd128(const float* x, size_t rows, size_t cols, uint32_t kind, double p, double* sums) {
  // NORM_LP is rare and dominated by pow_abs; cols == 0 only adds +0.0 (or nothing).
  if (kind == NORM_LP || cols == 0) return prune_scalar.row_sums(x, rows, cols, kind, p, sums);
  if (kind == NORM_MAX) return row_sums_k<NORM_MAX>(x, rows, cols, sums);
  if (kind == NORM_L2) return row_sums_k<NORM_L2>(x, rows, cols, sums);
  return row_sums_k<NORM_L1>(x, rows, cols, sums);
}

// ---------------------------------------------------------------------------
// column_sums

// Adds (or, NORM_MAX, takes the maximum with) the terms of 4 floats into the
// column sums s[0] (first 2) and s[1].
template <uint32_t K>
inline void column_terms4(v128_t v, v128_t* s) {
  if (K == NORM_L2) {
    const v128_t a = low_f64(v), b = high_f64(v);
    s[0] = wasm_f64x2_add(s[0], wasm_f64x2_mul(a, a));
    s[1] = wasm_f64x2_add(s[1], wasm_f64x2_mul(b, b));
    return;
  }
  // norm_term's x < 0 ? -x : x, which keeps -0 (it matters for a sum at -0).
  const v128_t f = wasm_v128_bitselect(wasm_f32x4_neg(v), v, wasm_f32x4_lt(v, wasm_f32x4_splat(0)));
  const v128_t a = low_f64(f), b = high_f64(f);
  if (K == NORM_MAX) {  // pmax(s, t) = s < t ? t : s
    s[0] = wasm_f64x2_pmax(s[0], a);
    s[1] = wasm_f64x2_pmax(s[1], b);
  } else {
    s[0] = wasm_f64x2_add(s[0], a);
    s[1] = wasm_f64x2_add(s[1], b);
  }
}

// cols <= 4 * NV: every column sum stays in registers through all the rows.
template <uint32_t K, int NV>
bool column_sums_narrow(const float* x, size_t rows, size_t cols, double* sums) {
  double start[4 * NV] = {};
  memcpy(start, sums, cols * sizeof(double));
  v128_t s[2 * NV], lanes[NV];
  for (int i = 0; i < NV; ++i) {
    s[2 * i] = wasm_v128_load(start + 4 * i);
    s[2 * i + 1] = wasm_v128_load(start + 4 * i + 2);
    lanes[i] = lanes_below(cols, static_cast<size_t>(i));
  }
  v128_t top = wasm_i32x4_splat(0);
  const size_t total = rows * cols, span = 4 * NV;
  const size_t inside = total >= span ? (total - span) / cols + 1 : 0;  // rows whose loads stay in x
  for (size_t r = 0; r < rows; ++r) {
    const float* p = x + r * cols;
    float block[4 * NV];
    if (r >= inside) {
      memset(block, 0, sizeof block);
      memcpy(block, p, cols * sizeof(float));
      p = block;
    }
    for (int i = 0; i < NV; ++i) {
      const v128_t v = wasm_v128_and(wasm_v128_load(p + 4 * i), lanes[i]);
      top = wasm_u32x4_max(top, keys(v));
      column_terms4<K>(v, &s[2 * i]);
    }
  }
  for (int i = 0; i < NV; ++i) {
    wasm_v128_store(start + 4 * i, s[2 * i]);
    wasm_v128_store(start + 4 * i + 2, s[2 * i + 1]);
  }
  memcpy(sums, start, cols * sizeof(double));
  return max_lane(top) > kInfKey;
}

// Rows 0 .. R-1 at x into the sums of the columns [0, cols4) (a multiple of 4);
// top collects the keys' maximum.
template <uint32_t K, int R>
inline void column_rows(const float* x, size_t cols, size_t cols4, double* sums, v128_t& top) {
  for (size_t c = 0; c < cols4; c += 4) {
    v128_t s[2] = {wasm_v128_load(sums + c), wasm_v128_load(sums + c + 2)};
    for (int j = 0; j < R; ++j) {
      const v128_t v = wasm_v128_load(x + j * cols + c);
      top = wasm_u32x4_max(top, keys(v));
      column_terms4<K>(v, s);
    }
    wasm_v128_store(sums + c, s[0]);
    wasm_v128_store(sums + c + 2, s[1]);
  }
}

template <uint32_t K>
bool column_sums_k(const float* x, size_t rows, size_t cols, double* sums) {
  if (cols <= 4) return column_sums_narrow<K, 1>(x, rows, cols, sums);
  if (cols <= 8) return column_sums_narrow<K, 2>(x, rows, cols, sums);
  if (cols <= 16) return column_sums_narrow<K, 4>(x, rows, cols, sums);
  const size_t cols4 = cols / 4 * 4;
  v128_t top = wasm_i32x4_splat(0);
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) column_rows<K, 4>(x + r * cols, cols, cols4, sums, top);
  for (; r < rows; ++r) column_rows<K, 1>(x + r * cols, cols, cols4, sums, top);
  const bool nan = max_lane(top) > kInfKey;
  return (cols4 < cols && column_sums_range(x, rows, cols, cols4, cols, K, 0, sums)) || nan;
}

bool column_sums_simd128(const float* x, size_t rows, size_t cols, uint32_t kind, double p, double* sums) {
  if (kind == NORM_LP) return prune_scalar.column_sums(x, rows, cols, kind, p, sums);
  if (kind == NORM_MAX) return column_sums_k<NORM_MAX>(x, rows, cols, sums);
  if (kind == NORM_L2) return column_sums_k<NORM_L2>(x, rows, cols, sums);
  return column_sums_k<NORM_L1>(x, rows, cols, sums);
}

// ---------------------------------------------------------------------------
// block_pool

// The 4 * BW floats of 4 consecutive blocks BW = 1, 2 or 4 wide (8 blocks for
// BW = 1), deinterleaved: v[k] holds column k of the 4 blocks.
template <int BW>
inline void by_column(const float* p, v128_t* v) {
  if (BW == 1) {
    v[0] = wasm_v128_load(p);
    v[1] = wasm_v128_load(p + 4);
  } else if (BW == 2) {
    const v128_t a = wasm_v128_load(p), b = wasm_v128_load(p + 4);
    v[0] = wasm_i32x4_shuffle(a, b, 0, 2, 4, 6);
    v[1] = wasm_i32x4_shuffle(a, b, 1, 3, 5, 7);
  } else {
    // One block per vector: a 4x4 transpose.
    const v128_t a = wasm_v128_load(p), b = wasm_v128_load(p + 4), c = wasm_v128_load(p + 8), d = wasm_v128_load(p + 12);
    const v128_t t0 = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
    const v128_t t2 = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
    v[0] = wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5);
    v[1] = wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7);
    v[2] = wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5);
    v[3] = wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7);
  }
}

// S / count for 4 block sums (two halves), as floats: a multiplication by the
// exact reciprocal when there is one, else the division.
inline v128_t block_means(v128_t lo, v128_t hi, double inv, double count) {
  if (inv != 0) {
    lo = wasm_f64x2_mul(lo, wasm_f64x2_splat(inv));
    hi = wasm_f64x2_mul(hi, wasm_f64x2_splat(inv));
  } else {
    lo = wasm_f64x2_div(lo, wasm_f64x2_splat(count));
    hi = wasm_f64x2_div(hi, wasm_f64x2_splat(count));
  }
  return wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(lo), wasm_f32x4_demote_f64x2_zero(hi), 0, 1, 4, 5);
}

// The whole steps of 4 blocks BW wide (8 for BW = 1); returns the blocks done.
// Mean: column sums over the bh rows, then the columns added in order (all in
// double; the first add, 0 + colsum, is exact). Max: over the rows first, then
// over the columns.
template <int BW>
size_t pool_fast(const float* x, size_t bh, size_t cols, size_t stride, uint32_t mode, float* out, bool* nan) {
  constexpr int kV = BW == 1 ? 2 : BW;  // vectors per row and step
  constexpr size_t kBlocks = BW == 1 ? 8 : 4;
  const size_t steps = cols / (kBlocks * BW);
  if (mode == 1) {
    v128_t top = wasm_i32x4_splat(0);
    for (size_t g = 0; g < steps; ++g) {
      v128_t m[kV];
      for (int k = 0; k < kV; ++k) m[k] = wasm_i32x4_splat(0);
      for (size_t r = 0; r < bh; ++r) {
        v128_t v[kV];
        by_column<BW>(x + g * kBlocks * BW + r * stride, v);
        for (int k = 0; k < kV; ++k) m[k] = wasm_u32x4_max(m[k], keys(v[k]));
      }
      if (BW == 1) {
        top = wasm_u32x4_max(top, wasm_u32x4_max(m[0], m[1]));
        wasm_v128_store(out + kBlocks * g, m[0]);
        wasm_v128_store(out + kBlocks * g + 4, m[1]);
        continue;
      }
      v128_t b = m[0];
      for (int k = 1; k < kV; ++k) b = wasm_u32x4_max(b, m[k]);
      top = wasm_u32x4_max(top, b);
      wasm_v128_store(out + kBlocks * g, b);
    }
    *nan |= max_lane(top) > kInfKey;
    return steps * kBlocks;
  }
  const double count = static_cast<double>(bh * BW), inv = exact_reciprocal(bh * BW);
  v128_t ok = wasm_i32x4_splat(-1);
  for (size_t g = 0; g < steps; ++g) {
    v128_t acc[kV][2];
    for (int k = 0; k < kV; ++k) acc[k][0] = acc[k][1] = wasm_f64x2_splat(0);
    for (size_t r = 0; r < bh; ++r) {
      v128_t v[kV];
      by_column<BW>(x + g * kBlocks * BW + r * stride, v);
      for (int k = 0; k < kV; ++k) {
        const v128_t f = wasm_f32x4_abs(v[k]);
        acc[k][0] = wasm_f64x2_add(acc[k][0], low_f64(f));
        acc[k][1] = wasm_f64x2_add(acc[k][1], high_f64(f));
      }
    }
    if (BW == 1) {
      for (int k = 0; k < 2; ++k) {
        ok = wasm_v128_and(ok, wasm_v128_and(wasm_f64x2_eq(acc[k][0], acc[k][0]), wasm_f64x2_eq(acc[k][1], acc[k][1])));
        wasm_v128_store(out + kBlocks * g + 4 * k, block_means(acc[k][0], acc[k][1], inv, count));
      }
      continue;
    }
    v128_t lo = acc[0][0], hi = acc[0][1];
    for (int k = 1; k < kV; ++k) {
      lo = wasm_f64x2_add(lo, acc[k][0]);
      hi = wasm_f64x2_add(hi, acc[k][1]);
    }
    ok = wasm_v128_and(ok, wasm_v128_and(wasm_f64x2_eq(lo, lo), wasm_f64x2_eq(hi, hi)));  // NaN iff some x is
    wasm_v128_store(out + kBlocks * g, block_means(lo, hi, inv, count));
  }
  *nan |= !wasm_i64x2_all_true(ok);
  return steps * kBlocks;
}

// colsum[c] for c < n as prune_parts::pool_columns: 4 columns at a time, the rest
// by the scalar part.
bool pool_columns_v(const float* x, size_t bh, size_t n, size_t stride, uint32_t mode, double* colsum) {
  v128_t top = wasm_i32x4_splat(0);
  size_t c = 0;
  for (; c + 4 <= n; c += 4) {
    if (mode == 1) {
      v128_t a = wasm_i32x4_splat(0);
      for (size_t r = 0; r < bh; ++r) a = wasm_u32x4_max(a, keys(wasm_v128_load(x + r * stride + c)));
      top = wasm_u32x4_max(top, a);
      wasm_v128_store(colsum + c, low_f64(a));
      wasm_v128_store(colsum + c + 2, high_f64(a));
    } else {
      v128_t s0 = wasm_f64x2_splat(0), s1 = wasm_f64x2_splat(0);
      for (size_t r = 0; r < bh; ++r) {
        const v128_t v = wasm_v128_load(x + r * stride + c);
        top = wasm_u32x4_max(top, keys(v));
        const v128_t f = wasm_f32x4_abs(v);
        s0 = wasm_f64x2_add(s0, low_f64(f));
        s1 = wasm_f64x2_add(s1, high_f64(f));
      }
      wasm_v128_store(colsum + c, s0);
      wasm_v128_store(colsum + c + 2, s1);
    }
  }
  const bool nan = max_lane(top) > kInfKey;
  return (c < n && pool_columns(x, bh, stride, c, n, mode, colsum)) || nan;
}

// Any block width: colsum for a chunk of blocks, then each block from it.
bool pool_generic(const float* x, size_t bh, size_t cols, size_t stride, size_t bw, uint32_t mode, double* colsum,
                  float* out) {
  bool nan = false;
  const size_t nblocks = cols / bw + (cols % bw != 0);
  size_t per = kPoolChunkColumns / bw;
  if (per < 1) per = 1;
  for (size_t b0 = 0; b0 < nblocks; b0 += per) {
    const size_t nb = nblocks - b0 < per ? nblocks - b0 : per;
    const size_t c0 = b0 * bw, n = nb == nblocks - b0 ? cols - c0 : nb * bw;
    nan |= pool_columns_v(x + c0, bh, n, stride, mode, colsum + c0);
    for (size_t b = 0; b < nb; ++b) {
      const size_t w = n - b * bw < bw ? n - b * bw : bw;
      out[b0 + b] = pool_block(colsum + c0 + b * bw, w, bh, mode);
    }
  }
  return nan;
}

bool block_pool_simd128(const float* x, size_t bh, size_t cols, size_t stride, size_t bw, uint32_t mode,
                        double* colsum, float* out) {
  bool nan = false;
  size_t done = 0;  // blocks
  if (bw == 1) done = pool_fast<1>(x, bh, cols, stride, mode, out, &nan);
  if (bw == 2) done = pool_fast<2>(x, bh, cols, stride, mode, out, &nan);
  if (bw == 4) done = pool_fast<4>(x, bh, cols, stride, mode, out, &nan);
  const size_t c = done * bw;
  if (c < cols) nan |= pool_generic(x + c, bh, cols - c, stride, bw, mode, colsum, out + done);
  return nan;
}

// ---------------------------------------------------------------------------
// expand_blocks
//
// Widths 2-16: 16 / bw blocks per 16 bytes through one swizzle with byte j -> j /
// bw (a table per width); a step stores 16 bytes and the next one overwrites those
// past its own; the last block bytes come from a zero-padded copy, so as not to
// read past the block mask. Width 1 is a copy, wider blocks runs of a splatted
// byte. The last partial step goes a byte at a time.

struct ExpandPatterns {
  uint8_t p[17][16];
  constexpr ExpandPatterns() : p() {
    for (int bw = 1; bw <= 16; ++bw) {
      for (int j = 0; j < 16; ++j) p[bw][j] = static_cast<uint8_t>(j / bw < 16 / bw ? j / bw : 0);
    }
  }
};
constexpr ExpandPatterns kExpand;

void expand_blocks_simd128(const uint8_t* bm, size_t cols, size_t bw, uint8_t* row) {
  const size_t nblocks = cols / bw + (cols % bw != 0);
  size_t c = 0, b = 0;
  if (bw == 1) {
    for (; c + 16 <= cols; c += 16) wasm_v128_store(row + c, wasm_v128_load(bm + c));
    b = c;
  } else if (bw <= 16) {
    const size_t nb = 16 / bw, step = nb * bw;
    const v128_t idx = wasm_v128_load(kExpand.p[bw]);
    for (; c + 16 <= cols && b + 16 <= nblocks; c += step, b += nb)
      wasm_v128_store(row + c, wasm_i8x16_swizzle(wasm_v128_load(bm + b), idx));
    if (c + 16 <= cols) {  // fewer than 16 block bytes left: a zero-padded copy
      uint8_t pad[32] = {};
      memcpy(pad, bm + b, nblocks - b);
      for (size_t i = 0; c + 16 <= cols; c += step, b += nb, i += nb)
        wasm_v128_store(row + c, wasm_i8x16_swizzle(wasm_v128_load(pad + i), idx));
    }
  } else {
    for (; c + bw <= cols; c += bw, ++b) {
      const v128_t v = wasm_i8x16_splat(static_cast<int8_t>(bm[b]));
      size_t i = 0;
      for (; i + 16 <= bw; i += 16) wasm_v128_store(row + c + i, v);
      if (i < bw) wasm_v128_store(row + c + bw - 16, v);  // overlaps the previous store
    }
  }
  // c = b * bw, a block boundary.
  if (c < cols) expand_run(bm + b, cols - c, bw, row + c);
}

// ---------------------------------------------------------------------------
// nm_mask
//
// u ranks above t if key_u > key_t, or key_u == key_t and u > t: key_u + [u > t] >
// key_t as unsigned 32-bit numbers (keys are below 2^31). Element t is kept if
// fewer than n rank above it.

// Four all-ones / zero lane masks -> 16 bytes of 1 / 0.
inline v128_t narrow16(v128_t a, v128_t b, v128_t c, v128_t d) {
  const v128_t one = wasm_i32x4_splat(1);
  const v128_t ab = wasm_u16x8_narrow_i32x4(wasm_v128_and(a, one), wasm_v128_and(b, one));
  const v128_t cd = wasm_u16x8_narrow_i32x4(wasm_v128_and(c, one), wasm_v128_and(d, one));
  return wasm_u8x16_narrow_i16x8(ab, cd);
}

// n >= m: every element is kept; only the NaN test is left.
bool nm_all_kept(const float* x, size_t total, uint8_t* mask) {
  v128_t top = wasm_i32x4_splat(0);
  size_t i = 0;
  for (; i + 16 <= total; i += 16) {
    for (size_t j = 0; j < 16; j += 4) top = wasm_u32x4_max(top, keys(wasm_v128_load(x + i + j)));
    wasm_v128_store(mask + i, wasm_i8x16_splat(1));
  }
  uint32_t t = max_lane(top);
  for (; i < total; ++i) {
    const uint32_t k = key_at(x, i);
    t = k > t ? k : t;
    mask[i] = 1;
  }
  return t > kInfKey;
}

// Rotation S of the keys of groups of M (2, 4, 8) lanes: lane t gets the key of
// lane (t + S) mod M of its group. A group of 8 spans the two vectors k[0], k[1].
template <int M, int S>
inline void rotate(const v128_t* k, v128_t* out) {
  if (M == 2) {
    out[0] = wasm_i32x4_shuffle(k[0], k[0], 1, 0, 3, 2);
    out[1] = wasm_i32x4_shuffle(k[1], k[1], 1, 0, 3, 2);
  } else if (M == 4) {
    out[0] = wasm_i32x4_shuffle(k[0], k[0], S % 4, (S + 1) % 4, (S + 2) % 4, (S + 3) % 4);
    out[1] = wasm_i32x4_shuffle(k[1], k[1], S % 4, (S + 1) % 4, (S + 2) % 4, (S + 3) % 4);
  } else {
    out[0] = wasm_i32x4_shuffle(k[0], k[1], S % 8, (S + 1) % 8, (S + 2) % 8, (S + 3) % 8);
    out[1] = wasm_i32x4_shuffle(k[0], k[1], (S + 4) % 8, (S + 5) % 8, (S + 6) % 8, (S + 7) % 8);
  }
}

// cnt += 1 in the lanes where the partner of rotation S ranks above.
template <int M, int S>
inline void count_rotation(const v128_t* key, const v128_t (*bias)[2], v128_t* cnt) {
  if (S >= M) return;
  v128_t u[2];
  rotate<M, S>(key, u);
  for (int i = 0; i < 2; ++i) {
    cnt[i] = wasm_i32x4_sub(cnt[i], wasm_u32x4_gt(wasm_i32x4_add(u[i], bias[S - 1][i]), key[i]));
  }
}

// The keep lanes (all-ones) of 8 keys (two vectors), groups of M lanes; bias[s-1]
// (two vectors) is 1 where the partner of rotation s has the higher index.
template <int M>
inline void keep_rotated(const v128_t* key, const v128_t (*bias)[2], v128_t nv, v128_t* keep) {
  v128_t cnt[2] = {wasm_i32x4_splat(0), wasm_i32x4_splat(0)};
  count_rotation<M, 1>(key, bias, cnt);
  count_rotation<M, 2>(key, bias, cnt);
  count_rotation<M, 3>(key, bias, cnt);
  count_rotation<M, 4>(key, bias, cnt);
  count_rotation<M, 5>(key, bias, cnt);
  count_rotation<M, 6>(key, bias, cnt);
  count_rotation<M, 7>(key, bias, cnt);
  keep[0] = wasm_u32x4_lt(cnt[0], nv);
  keep[1] = wasm_u32x4_lt(cnt[1], nv);
}

// inner == 1, m = M: the groups are consecutive M elements; 16 at a time, the
// rest (whole groups) by the scalar part.
template <int M>
bool nm_rotated(const float* x, size_t total, uint32_t n, uint32_t m, uint8_t* mask) {
  v128_t bias[7][2];
  for (int s = 1; s < M; ++s) {
    for (int i = 0; i < 2; ++i) {
      uint32_t b[4];
      for (int l = 0; l < 4; ++l) b[l] = (4 * i + l) % M + s < M;
      bias[s - 1][i] = wasm_v128_load(b);
    }
  }
  const v128_t nv = wasm_u32x4_splat(n);
  v128_t top = wasm_i32x4_splat(0);
  size_t i = 0;
  for (; i + 16 <= total; i += 16) {
    v128_t key[4], keep[4];
    for (int j = 0; j < 4; ++j) {
      key[j] = keys(wasm_v128_load(x + i + 4 * j));
      top = wasm_u32x4_max(top, key[j]);
    }
    keep_rotated<M>(key, bias, nv, keep);
    keep_rotated<M>(key + 2, bias, nv, keep + 2);
    wasm_v128_store(mask + i, narrow16(keep[0], keep[1], keep[2], keep[3]));
  }
  bool nan = max_lane(top) > kInfKey;
  for (; i < total; i += m) nan |= nm_group(x, i, 1, n, m, mask);
  return nan;
}

// Groups across the lanes: key[t] holds element t of 4 groups; keep[t] gets the
// lanes (all-ones) where element t is kept.
// M = 2, 4, 8 (registers): one compare per pair t < u; cnt[u] starts at u (as if
// every lower index ranked above u) and loses 1 where u ranks above t, which
// gives cnt[t] 1. M = 0 (any m): per t, the count over every u.
template <int M>
inline void rank_lanes(const v128_t* key, uint32_t m, v128_t nv, v128_t* keep) {
  if (M != 0) {
    v128_t cnt[M ? M : 1];
    for (int t = 0; t < M; ++t) cnt[t] = wasm_i32x4_splat(t);
    for (int t = 0; t < M; ++t) {
      for (int u = t + 1; u < M; ++u) {
        const v128_t above = wasm_u32x4_ge(key[u], key[t]);  // all-ones where u ranks above t
        cnt[t] = wasm_i32x4_sub(cnt[t], above);
        cnt[u] = wasm_i32x4_add(cnt[u], above);
      }
    }
    for (int t = 0; t < M; ++t) keep[t] = wasm_u32x4_lt(cnt[t], nv);
    return;
  }
  for (uint32_t t = 0; t < m; ++t) {
    const v128_t kt = key[t];
    v128_t cnt = wasm_i32x4_splat(0);
    for (uint32_t u = 0; u < t; ++u) cnt = wasm_i32x4_sub(cnt, wasm_u32x4_gt(key[u], kt));
    for (uint32_t u = t + 1; u < m; ++u) cnt = wasm_i32x4_sub(cnt, wasm_u32x4_ge(key[u], kt));
    keep[t] = wasm_u32x4_lt(cnt, nv);
  }
}

// 4 keep lanes (all-ones / 0) as 4 mask bytes.
inline void store_keep4(v128_t keep, uint8_t* out) {
  const v128_t w = wasm_u16x8_narrow_i32x4(wasm_v128_and(keep, wasm_i32x4_splat(1)), wasm_i32x4_splat(0));
  wasm_v128_store32_lane(out, wasm_u8x16_narrow_i16x8(w, w), 0);
}

// inner > 1: lanes run across i, 4 at a time; the last inner % 4 lanes of each
// group by the scalar part.
template <int M>
bool nm_across(const float* x, size_t outer, size_t axis_len, size_t inner, uint32_t n, uint32_t m_any,
               uint8_t* mask) {
  const uint32_t m = M ? M : m_any;
  const v128_t nv = wasm_u32x4_splat(n);
  v128_t top = wasm_i32x4_splat(0);
  v128_t key[M ? M : 256], keep[M ? M : 256];
  bool nan = false;
  for (size_t o = 0; o < outer; ++o) {
    for (size_t g = 0; g < axis_len; g += m) {
      const size_t base = (o * axis_len + g) * inner;
      size_t i = 0;
      for (; i + 4 <= inner; i += 4) {
        for (uint32_t t = 0; t < m; ++t) {
          key[t] = keys(wasm_v128_load(x + base + t * inner + i));
          top = wasm_u32x4_max(top, key[t]);
        }
        rank_lanes<M>(key, m, nv, keep);
        for (uint32_t t = 0; t < m; ++t) store_keep4(keep[t], mask + base + t * inner + i);
      }
      for (; i < inner; ++i) nan |= nm_group(x, base + i, inner, n, m, mask);
    }
  }
  return nan || max_lane(top) > kInfKey;
}

// inner == 1, other m: 4 groups at a time, their keys transposed through a tile
// (row t = element t of the 4 groups), then as nm_across.
bool nm_tiled(const float* x, size_t groups, uint32_t n, uint32_t m, uint8_t* mask) {
  const v128_t nv = wasm_u32x4_splat(n);
  v128_t key[256], keep[256];
  uint32_t cell[4 * 256];
  uint32_t top = 0;
  for (size_t g0 = 0; g0 < groups; g0 += 4) {
    const size_t ng = groups - g0 < 4 ? groups - g0 : 4;
    const float* p = x + g0 * m;
    for (size_t j = 0; j < 4; ++j) {
      for (uint32_t t = 0; t < m; ++t) {
        const uint32_t k = j < ng ? key_at(p, j * m + t) : 0;
        top = k > top ? k : top;
        cell[t * 4 + j] = k;
      }
    }
    for (uint32_t t = 0; t < m; ++t) key[t] = wasm_v128_load(cell + 4 * t);
    rank_lanes<0>(key, m, nv, keep);
    for (uint32_t t = 0; t < m; ++t) wasm_v128_store(cell + 4 * t, keep[t]);
    uint8_t* out = mask + g0 * m;
    for (size_t j = 0; j < ng; ++j) {
      for (uint32_t t = 0; t < m; ++t) out[j * m + t] = static_cast<uint8_t>(cell[t * 4 + j] & 1);
    }
  }
  return top > kInfKey;
}

bool nm_mask_simd128(const float* x, size_t outer, size_t axis_len, size_t inner, uint32_t n, uint32_t m,
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

void taylor_accumulate_simd128(const float* w, const float* g, size_t n, float beta, float* score) {
  const v128_t b = wasm_f32x4_splat(beta);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const v128_t t0 = wasm_f32x4_abs(wasm_f32x4_mul(wasm_v128_load(w + i), wasm_v128_load(g + i)));
    const v128_t t1 = wasm_f32x4_abs(wasm_f32x4_mul(wasm_v128_load(w + i + 4), wasm_v128_load(g + i + 4)));
    wasm_v128_store(score + i, wasm_f32x4_add(wasm_f32x4_mul(b, wasm_v128_load(score + i)), t0));
    wasm_v128_store(score + i + 4, wasm_f32x4_add(wasm_f32x4_mul(b, wasm_v128_load(score + i + 4)), t1));
  }
  if (i < n) prune_scalar.taylor_accumulate(w + i, g + i, n - i, beta, score + i);
}

}  // namespace

const PruneKernels prune_simd128 = {row_sums_simd128,      column_sums_simd128, block_pool_simd128,
                                    expand_blocks_simd128, nm_mask_simd128,     taylor_accumulate_simd128};

}  // namespace mp

#endif  // __wasm_simd128__
