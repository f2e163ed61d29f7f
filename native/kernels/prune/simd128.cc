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

#include "simd128_pool.h"
#include "simd128_nm.h"

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
