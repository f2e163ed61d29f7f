// AArch64 Advanced SIMD (NEON) variant of the prune kernels; ref.cc is the
// specification and every output here is bit-identical to it. NEON is part of
// the AArch64 baseline, so no target attributes are needed. Vectors only ever run
// across independent accumulators (rows, columns, blocks, the 8 lanes of a row
// sum, groups), never through one sum, so every double is added in the
// reference's order.
//
// A short piece inside the input (the end of a row with more rows after it) is a
// whole vector ANDed with a lane mask; at the very end of an input it is copied
// into a zero-padded block first. Zero lanes are harmless: a term +0 changes no
// sum and no maximum. Rare tails go to the scalar parts (scalar_parts.h).
//
// - row_sums: 4 rows at a time, each row's 8 lanes in four float64x2 (the
//   reference's lanes, each an in-order chain); FADDP gives l0 + l1 and l2 + l3
//   side by side, and two more FADDPs finish the reference's tree. NORM_MAX: an
//   unsigned maximum of the magnitude keys (bits & 0x7fffffff order like |x|; a
//   NaN's key is above +Inf's, so it is also the NaN test).
// - column_sums: up to 16 columns stay in registers for all the rows; wider
//   matrices take 4 rows at a time into 4 sums held in registers.
// - block_pool: blocks 1 to 4 wide, 4 blocks at a time: LD2/LD3/LD4 deinterleave a
//   row so that vector k holds column k of the 4 blocks, and every sum is then a
//   vertical one. Other widths: column sums into colsum, then each block's.
// - expand_blocks: ST2/ST3/ST4 of the block bytes for widths 2-4, TBL for 5-16.
// - nm_mask: groups of 2, 4 or 8 along the last axis by rotating the keys within
//   groups (REV64, EXT); otherwise 4 groups across the lanes (contiguous along
//   inner, or transposed through a small tile).
// - taylor_accumulate: vector arithmetic in the reference's order.
#include "prune_kernels.h"
#include "scalar_parts.h"

#if defined(__aarch64__)

#include <arm_neon.h>
#include <stdint.h>
#include <string.h>

namespace mp {
namespace {

using namespace prune_parts;

constexpr size_t kPrefetch = 512;  // floats ahead in each row of a multi-row strip

inline uint32x4_t abs4() { return vdupq_n_u32(0x7fffffffu); }

// All-ones in the lanes 4j .. 4j+3 below k, else 0.
inline uint32x4_t lanes_below(size_t k, size_t j) {
  const uint32_t idx[4] = {0, 1, 2, 3};
  return vcltq_u32(vaddq_u32(vld1q_u32(idx), vdupq_n_u32(static_cast<uint32_t>(4 * j))),
                   vdupq_n_u32(static_cast<uint32_t>(k)));
}

inline float32x4_t and_lanes(float32x4_t v, uint32x4_t lanes) {
  return vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(v), lanes));
}

// The k (<= 8) floats at p as two vectors, the other lanes 0: whole vectors
// masked if the 8 floats lie inside the input, else through a padded copy.
inline void load8(const float* p, size_t k, bool inside, float32x4_t* v) {
  if (inside) {
    v[0] = and_lanes(vld1q_f32(p), lanes_below(k, 0));
    v[1] = and_lanes(vld1q_f32(p + 4), lanes_below(k, 1));
    return;
  }
  float block[8] = {};
  memcpy(block, p, k * sizeof(float));
  v[0] = vld1q_f32(block);
  v[1] = vld1q_f32(block + 4);
}

inline uint32x4_t keys(float32x4_t v) { return vandq_u32(vreinterpretq_u32_f32(v), abs4()); }

// ---------------------------------------------------------------------------
// row_sums

// The terms of 4 floats in double: |x| (L1) or x * x (L2; exact in double), the
// low and high halves.
template <uint32_t K>
inline void terms4(float32x4_t v, float64x2_t* lo, float64x2_t* hi) {
  if (K == NORM_L2) {
    const float64x2_t a = vcvt_f64_f32(vget_low_f32(v)), b = vcvt_high_f64_f32(v);
    *lo = vmulq_f64(a, a);
    *hi = vmulq_f64(b, b);
    return;
  }
  const float32x4_t f = vabsq_f32(v);
  *lo = vcvt_f64_f32(vget_low_f32(f));
  *hi = vcvt_high_f64_f32(f);
}

// Adds the terms of 8 floats (v[0], v[1]) to the 8 lanes acc[0..4).
template <uint32_t K>
inline void add_lanes(const float32x4_t* v, float64x2_t* acc) {
  float64x2_t t[4];
  terms4<K>(v[0], &t[0], &t[1]);
  terms4<K>(v[1], &t[2], &t[3]);
  for (int i = 0; i < 4; ++i) acc[i] = vaddq_f64(acc[i], t[i]);
}

// The reference's tree of a row's lanes, as [((l0+l1) + (l2+l3)), ((l4+l5) + (l6+l7))].
inline float64x2_t lane_halves(const float64x2_t* acc) {
  return vpaddq_f64(vpaddq_f64(acc[0], acc[1]), vpaddq_f64(acc[2], acc[3]));
}

// Rows 0 .. R-1 at x (R <= 4): sums[j] += R(j). `avail`: the floats of input
// from x (a row's last, partial load reads past the row while it stays inside
// them). Returns whether a row sum is NaN (a sum of non-negative terms is NaN
// exactly when a term is: the NaN test).
template <uint32_t K, int R>
bool row_sums_group(const float* x, size_t cols, size_t avail, double* sums) {
  float64x2_t acc[4][4];
  for (int j = 0; j < R; ++j) {
    for (int i = 0; i < 4; ++i) acc[j][i] = vdupq_n_f64(0);
  }
  size_t c = 0;
  for (; c + 8 <= cols; c += 8) {
    for (int j = 0; j < R; ++j) {
      const float32x4_t v[2] = {vld1q_f32(x + j * cols + c), vld1q_f32(x + j * cols + c + 4)};
      add_lanes<K>(v, acc[j]);
    }
  }
  if (c < cols) {
    for (int j = 0; j < R; ++j) {
      float32x4_t v[2];
      load8(x + j * cols + c, cols - c, j * cols + c + 8 <= avail, v);
      add_lanes<K>(v, acc[j]);
    }
  }
  bool nan = false;
  for (int j = 0; j < R; j += 2) {
    if (j + 1 < R) {
      // [R(j), R(j+1)] from the two rows' halves.
      const float64x2_t tot = vpaddq_f64(lane_halves(acc[j]), lane_halves(acc[j + 1]));
      vst1q_f64(sums + j, vaddq_f64(vld1q_f64(sums + j), tot));
      nan |= vminvq_u32(vreinterpretq_u32_u64(vceqq_f64(tot, tot))) != ~0u;
    } else {
      const double tot = vaddvq_f64(lane_halves(acc[j]));
      sums[j] += tot;
      nan |= tot != tot;
    }
  }
  return nan;
}

// NORM_MAX for rows 0 .. R-1 at x (cols > 0).
template <int R>
bool row_max_group(const float* x, size_t cols, size_t avail, double* sums) {
  uint32x4_t acc[4][2];
  for (int j = 0; j < R; ++j) acc[j][0] = acc[j][1] = vdupq_n_u32(0);
  size_t c = 0;
  for (; c + 8 <= cols; c += 8) {
    for (int j = 0; j < R; ++j) {
      acc[j][0] = vmaxq_u32(acc[j][0], keys(vld1q_f32(x + j * cols + c)));
      acc[j][1] = vmaxq_u32(acc[j][1], keys(vld1q_f32(x + j * cols + c + 4)));
    }
  }
  if (c < cols) {
    for (int j = 0; j < R; ++j) {
      float32x4_t v[2];
      load8(x + j * cols + c, cols - c, j * cols + c + 8 <= avail, v);
      acc[j][0] = vmaxq_u32(acc[j][0], keys(v[0]));
      acc[j][1] = vmaxq_u32(acc[j][1], keys(v[1]));
    }
  }
  bool nan = false;
  for (int j = 0; j < R; ++j) {
    const uint32_t top = vmaxvq_u32(vmaxq_u32(acc[j][0], acc[j][1]));
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

bool row_sums_neon(const float* x, size_t rows, size_t cols, uint32_t kind, double p, double* sums) {
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
inline void column_terms4(float32x4_t v, float64x2_t* s) {
  if (K == NORM_L2) {
    const float64x2_t a = vcvt_f64_f32(vget_low_f32(v)), b = vcvt_high_f64_f32(v);
    s[0] = vaddq_f64(s[0], vmulq_f64(a, a));
    s[1] = vaddq_f64(s[1], vmulq_f64(b, b));
    return;
  }
  // norm_term's x < 0 ? -x : x, which keeps -0 (it matters for a sum at -0).
  const float32x4_t f = vbslq_f32(vcltzq_f32(v), vnegq_f32(v), v);
  const float64x2_t a = vcvt_f64_f32(vget_low_f32(f)), b = vcvt_high_f64_f32(f);
  if (K == NORM_MAX) {  // t > s ? t : s
    s[0] = vbslq_f64(vcgtq_f64(a, s[0]), a, s[0]);
    s[1] = vbslq_f64(vcgtq_f64(b, s[1]), b, s[1]);
  } else {
    s[0] = vaddq_f64(s[0], a);
    s[1] = vaddq_f64(s[1], b);
  }
}

// cols <= 4 * NV: every column sum stays in registers through all the rows.
template <uint32_t K, int NV>
bool column_sums_narrow(const float* x, size_t rows, size_t cols, double* sums) {
  double start[4 * NV] = {};
  memcpy(start, sums, cols * sizeof(double));
  float64x2_t s[2 * NV];
  uint32x4_t lanes[NV];
  for (int i = 0; i < NV; ++i) {
    s[2 * i] = vld1q_f64(start + 4 * i);
    s[2 * i + 1] = vld1q_f64(start + 4 * i + 2);
    lanes[i] = lanes_below(cols, static_cast<size_t>(i));
  }
  uint32x4_t top = vdupq_n_u32(0);
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
      const float32x4_t v = and_lanes(vld1q_f32(p + 4 * i), lanes[i]);
      top = vmaxq_u32(top, keys(v));
      column_terms4<K>(v, &s[2 * i]);
    }
  }
  for (int i = 0; i < NV; ++i) {
    vst1q_f64(start + 4 * i, s[2 * i]);
    vst1q_f64(start + 4 * i + 2, s[2 * i + 1]);
  }
  memcpy(sums, start, cols * sizeof(double));
  return vmaxvq_u32(top) > kInfKey;
}

// Rows 0 .. R-1 at x into the sums of the columns [0, cols4) (a multiple of 4);
// top collects the keys' maximum.
template <uint32_t K, int R>
inline void column_rows(const float* x, size_t cols, size_t cols4, double* sums, uint32x4_t& top) {
  for (size_t c = 0; c < cols4; c += 4) {
    float64x2_t s[2] = {vld1q_f64(sums + c), vld1q_f64(sums + c + 2)};
    for (int j = 0; j < R; ++j) {
      const float32x4_t v = vld1q_f32(x + j * cols + c);
      top = vmaxq_u32(top, keys(v));
      column_terms4<K>(v, s);
    }
    vst1q_f64(sums + c, s[0]);
    vst1q_f64(sums + c + 2, s[1]);
  }
}

template <uint32_t K>
bool column_sums_k(const float* x, size_t rows, size_t cols, double* sums) {
  if (cols <= 4) return column_sums_narrow<K, 1>(x, rows, cols, sums);
  if (cols <= 8) return column_sums_narrow<K, 2>(x, rows, cols, sums);
  if (cols <= 16) return column_sums_narrow<K, 4>(x, rows, cols, sums);
  const size_t cols4 = cols / 4 * 4;
  uint32x4_t top = vdupq_n_u32(0);
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) column_rows<K, 4>(x + r * cols, cols, cols4, sums, top);
  for (; r < rows; ++r) column_rows<K, 1>(x + r * cols, cols, cols4, sums, top);
  const bool nan = vmaxvq_u32(top) > kInfKey;
  return (cols4 < cols && column_sums_range(x, rows, cols, cols4, cols, K, 0, sums)) || nan;
}

bool column_sums_neon(const float* x, size_t rows, size_t cols, uint32_t kind, double p, double* sums) {
  if (kind == NORM_LP) return prune_scalar.column_sums(x, rows, cols, kind, p, sums);
  if (kind == NORM_MAX) return column_sums_k<NORM_MAX>(x, rows, cols, sums);
  if (kind == NORM_L2) return column_sums_k<NORM_L2>(x, rows, cols, sums);
  return column_sums_k<NORM_L1>(x, rows, cols, sums);
}

#include "neon_pool.h"
#include "neon_nm.h"

// ---------------------------------------------------------------------------
// taylor_accumulate: score = beta * score + |w * g|, each operation rounded.

void taylor_accumulate_neon(const float* w, const float* g, size_t n, float beta, float* score) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float32x4_t t0 = vabsq_f32(vmulq_f32(vld1q_f32(w + i), vld1q_f32(g + i)));
    const float32x4_t t1 = vabsq_f32(vmulq_f32(vld1q_f32(w + i + 4), vld1q_f32(g + i + 4)));
    vst1q_f32(score + i, vaddq_f32(vmulq_n_f32(vld1q_f32(score + i), beta), t0));
    vst1q_f32(score + i + 4, vaddq_f32(vmulq_n_f32(vld1q_f32(score + i + 4), beta), t1));
  }
  if (i < n) prune_scalar.taylor_accumulate(w + i, g + i, n - i, beta, score + i);
}

}  // namespace

const PruneKernels prune_neon = {row_sums_neon,      column_sums_neon, block_pool_neon,
                                 expand_blocks_neon, nm_mask_neon,     taylor_accumulate_neon};

}  // namespace mp

#endif  // __aarch64__
