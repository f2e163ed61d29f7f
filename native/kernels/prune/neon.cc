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

// ---------------------------------------------------------------------------
// block_pool

// The 4 * BW floats of 4 consecutive blocks BW = 1..4 wide (8 blocks for BW = 1),
// deinterleaved: v[k] holds column k of the 4 blocks.
template <int BW>
inline void by_column(const float* p, float32x4_t* v) {
  if (BW == 1) {
    v[0] = vld1q_f32(p);
    v[1] = vld1q_f32(p + 4);
  } else if (BW == 2) {
    const float32x4x2_t t = vld2q_f32(p);
    v[0] = t.val[0];
    v[1] = t.val[1];
  } else if (BW == 3) {
    const float32x4x3_t t = vld3q_f32(p);
    for (int k = 0; k < 3; ++k) v[k] = t.val[k];
  } else {
    const float32x4x4_t t = vld4q_f32(p);
    for (int k = 0; k < 4; ++k) v[k] = t.val[k];
  }
}

// S / count for 4 block sums (two halves), as floats: a multiplication by the
// exact reciprocal when there is one, else the division.
inline float32x4_t block_means(float64x2_t lo, float64x2_t hi, double inv, double count) {
  if (inv != 0) {
    lo = vmulq_n_f64(lo, inv);
    hi = vmulq_n_f64(hi, inv);
  } else {
    lo = vdivq_f64(lo, vdupq_n_f64(count));
    hi = vdivq_f64(hi, vdupq_n_f64(count));
  }
  return vcvt_high_f32_f64(vcvt_f32_f64(lo), hi);
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
    uint32x4_t top = vdupq_n_u32(0);
    for (size_t g = 0; g < steps; ++g) {
      uint32x4_t m[kV];
      for (int k = 0; k < kV; ++k) m[k] = vdupq_n_u32(0);
      for (size_t r = 0; r < bh; ++r) {
        const float* q = x + g * kBlocks * BW + r * stride;
        if (bh > 1) __builtin_prefetch(q + kPrefetch);
        float32x4_t v[kV];
        by_column<BW>(q, v);
        for (int k = 0; k < kV; ++k) m[k] = vmaxq_u32(m[k], keys(v[k]));
      }
      if (BW == 1) {
        top = vmaxq_u32(top, vmaxq_u32(m[0], m[1]));
        vst1q_f32(out + kBlocks * g, vreinterpretq_f32_u32(m[0]));
        vst1q_f32(out + kBlocks * g + 4, vreinterpretq_f32_u32(m[1]));
        continue;
      }
      uint32x4_t b = m[0];
      for (int k = 1; k < kV; ++k) b = vmaxq_u32(b, m[k]);
      top = vmaxq_u32(top, b);
      vst1q_f32(out + kBlocks * g, vreinterpretq_f32_u32(b));
    }
    *nan |= vmaxvq_u32(top) > kInfKey;
    return steps * kBlocks;
  }
  const double count = static_cast<double>(bh * BW), inv = exact_reciprocal(bh * BW);
  uint64x2_t ok = vdupq_n_u64(~uint64_t{0});
  for (size_t g = 0; g < steps; ++g) {
    float64x2_t acc[kV][2];
    for (int k = 0; k < kV; ++k) acc[k][0] = acc[k][1] = vdupq_n_f64(0);
    for (size_t r = 0; r < bh; ++r) {
      const float* q = x + g * kBlocks * BW + r * stride;
      if (bh > 1) __builtin_prefetch(q + kPrefetch);
      float32x4_t v[kV];
      by_column<BW>(q, v);
      for (int k = 0; k < kV; ++k) {
        const float32x4_t f = vabsq_f32(v[k]);
        acc[k][0] = vaddq_f64(acc[k][0], vcvt_f64_f32(vget_low_f32(f)));
        acc[k][1] = vaddq_f64(acc[k][1], vcvt_high_f64_f32(f));
      }
    }
    if (BW == 1) {
      for (int k = 0; k < 2; ++k) {
        ok = vandq_u64(ok, vandq_u64(vceqq_f64(acc[k][0], acc[k][0]), vceqq_f64(acc[k][1], acc[k][1])));
        vst1q_f32(out + kBlocks * g + 4 * k, block_means(acc[k][0], acc[k][1], inv, count));
      }
      continue;
    }
    float64x2_t lo = acc[0][0], hi = acc[0][1];
    for (int k = 1; k < kV; ++k) {
      lo = vaddq_f64(lo, acc[k][0]);
      hi = vaddq_f64(hi, acc[k][1]);
    }
    ok = vandq_u64(ok, vandq_u64(vceqq_f64(lo, lo), vceqq_f64(hi, hi)));  // NaN iff some x is
    vst1q_f32(out + kBlocks * g, block_means(lo, hi, inv, count));
  }
  *nan |= vminvq_u32(vreinterpretq_u32_u64(ok)) == 0;
  return steps * kBlocks;
}

// colsum[c] for c < n as prune_parts::pool_columns: 4 columns at a time, the rest
// by the scalar part.
bool pool_columns_v(const float* x, size_t bh, size_t n, size_t stride, uint32_t mode, double* colsum) {
  uint32x4_t top = vdupq_n_u32(0);
  size_t c = 0;
  for (; c + 4 <= n; c += 4) {
    if (mode == 1) {
      uint32x4_t a = vdupq_n_u32(0);
      for (size_t r = 0; r < bh; ++r) {
        const float* q = x + r * stride + c;
        if (bh > 1) __builtin_prefetch(q + kPrefetch);
        a = vmaxq_u32(a, keys(vld1q_f32(q)));
      }
      top = vmaxq_u32(top, a);
      const float32x4_t f = vreinterpretq_f32_u32(a);
      vst1q_f64(colsum + c, vcvt_f64_f32(vget_low_f32(f)));
      vst1q_f64(colsum + c + 2, vcvt_high_f64_f32(f));
    } else {
      float64x2_t s0 = vdupq_n_f64(0), s1 = vdupq_n_f64(0);
      for (size_t r = 0; r < bh; ++r) {
        const float* q = x + r * stride + c;
        if (bh > 1) __builtin_prefetch(q + kPrefetch);
        top = vmaxq_u32(top, keys(vld1q_f32(q)));
        const float32x4_t f = vabsq_f32(vld1q_f32(q));
        s0 = vaddq_f64(s0, vcvt_f64_f32(vget_low_f32(f)));
        s1 = vaddq_f64(s1, vcvt_high_f64_f32(f));
      }
      vst1q_f64(colsum + c, s0);
      vst1q_f64(colsum + c + 2, s1);
    }
  }
  const bool nan = vmaxvq_u32(top) > kInfKey;
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

bool block_pool_neon(const float* x, size_t bh, size_t cols, size_t stride, size_t bw, uint32_t mode,
                     double* colsum, float* out) {
  bool nan = false;
  size_t done = 0;  // blocks
  if (bw == 1) done = pool_fast<1>(x, bh, cols, stride, mode, out, &nan);
  if (bw == 2) done = pool_fast<2>(x, bh, cols, stride, mode, out, &nan);
  if (bw == 3) done = pool_fast<3>(x, bh, cols, stride, mode, out, &nan);
  if (bw == 4) done = pool_fast<4>(x, bh, cols, stride, mode, out, &nan);
  const size_t c = done * bw;
  if (c < cols) nan |= pool_generic(x + c, bh, cols - c, stride, bw, mode, colsum, out + done);
  return nan;
}

// ---------------------------------------------------------------------------
// expand_blocks
//
// Widths 2-4: 16 block bytes stored 2, 3 or 4 times interleaved (ST2/ST3/ST4).
// Widths 5-16: 16 / bw blocks per 16 bytes through one TBL with byte j -> j / bw
// (a table per width); a step stores 16 bytes and the next one overwrites those
// past its own; the last block bytes come from a zero-padded copy, so as not to
// read past the block mask. Width 1 is a copy, wider blocks runs of a broadcast
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

void expand_blocks_neon(const uint8_t* bm, size_t cols, size_t bw, uint8_t* row) {
  const size_t nblocks = cols / bw + (cols % bw != 0);
  size_t c = 0, b = 0;
  if (bw == 1) {
    for (; c + 16 <= cols; c += 16) vst1q_u8(row + c, vld1q_u8(bm + c));
    b = c;
  } else if (bw == 2) {
    for (; c + 32 <= cols; c += 32, b += 16) {
      const uint8x16_t v = vld1q_u8(bm + b);
      vst2q_u8(row + c, (uint8x16x2_t{{v, v}}));
    }
  } else if (bw == 3) {
    for (; c + 48 <= cols; c += 48, b += 16) {
      const uint8x16_t v = vld1q_u8(bm + b);
      vst3q_u8(row + c, (uint8x16x3_t{{v, v, v}}));
    }
  } else if (bw == 4) {
    for (; c + 64 <= cols; c += 64, b += 16) {
      const uint8x16_t v = vld1q_u8(bm + b);
      vst4q_u8(row + c, (uint8x16x4_t{{v, v, v, v}}));
    }
  } else if (bw <= 16) {
    const size_t nb = 16 / bw, step = nb * bw;
    const uint8x16_t idx = vld1q_u8(kExpand.p[bw]);
    for (; c + 16 <= cols && b + 16 <= nblocks; c += step, b += nb) vst1q_u8(row + c, vqtbl1q_u8(vld1q_u8(bm + b), idx));
    if (c + 16 <= cols) {  // fewer than 16 block bytes left: a zero-padded copy
      uint8_t pad[32] = {};
      memcpy(pad, bm + b, nblocks - b);
      for (size_t i = 0; c + 16 <= cols; c += step, b += nb, i += nb) vst1q_u8(row + c, vqtbl1q_u8(vld1q_u8(pad + i), idx));
    }
  } else {
    for (; c + bw <= cols; c += bw, ++b) {
      const uint8x16_t v = vdupq_n_u8(bm[b]);
      size_t i = 0;
      for (; i + 16 <= bw; i += 16) vst1q_u8(row + c + i, v);
      if (i < bw) vst1q_u8(row + c + bw - 16, v);  // overlaps the previous store
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
inline uint8x16_t narrow16(uint32x4_t a, uint32x4_t b, uint32x4_t c, uint32x4_t d) {
  const uint16x8_t ab = vcombine_u16(vmovn_u32(a), vmovn_u32(b));
  const uint16x8_t cd = vcombine_u16(vmovn_u32(c), vmovn_u32(d));
  return vandq_u8(vcombine_u8(vmovn_u16(ab), vmovn_u16(cd)), vdupq_n_u8(1));
}

// n >= m: every element is kept; only the NaN test is left.
bool nm_all_kept(const float* x, size_t total, uint8_t* mask) {
  uint32x4_t top = vdupq_n_u32(0);
  size_t i = 0;
  for (; i + 16 <= total; i += 16) {
    for (size_t j = 0; j < 16; j += 4) top = vmaxq_u32(top, keys(vld1q_f32(x + i + j)));
    vst1q_u8(mask + i, vdupq_n_u8(1));
  }
  uint32_t t = vmaxvq_u32(top);
  for (; i < total; ++i) {
    const uint32_t k = key_at(x, i);
    t = k > t ? k : t;
    mask[i] = 1;
  }
  return t > kInfKey;
}

// Rotation s of the keys of groups of M (2, 4, 8) lanes: lane t gets the key of
// lane (t + s) mod M of its group. A group of 8 spans the two vectors k[0], k[1].
template <int M>
inline void rotate(const uint32x4_t* k, int s, uint32x4_t* out) {
  if (M == 2) {
    out[0] = vrev64q_u32(k[0]);
    out[1] = vrev64q_u32(k[1]);
  } else if (M == 4) {
    for (int i = 0; i < 2; ++i) {
      out[i] = s == 1 ? vextq_u32(k[i], k[i], 1) : s == 2 ? vextq_u32(k[i], k[i], 2) : vextq_u32(k[i], k[i], 3);
    }
  } else {
    switch (s) {
      case 1: out[0] = vextq_u32(k[0], k[1], 1), out[1] = vextq_u32(k[1], k[0], 1); break;
      case 2: out[0] = vextq_u32(k[0], k[1], 2), out[1] = vextq_u32(k[1], k[0], 2); break;
      case 3: out[0] = vextq_u32(k[0], k[1], 3), out[1] = vextq_u32(k[1], k[0], 3); break;
      case 4: out[0] = k[1], out[1] = k[0]; break;
      case 5: out[0] = vextq_u32(k[1], k[0], 1), out[1] = vextq_u32(k[0], k[1], 1); break;
      case 6: out[0] = vextq_u32(k[1], k[0], 2), out[1] = vextq_u32(k[0], k[1], 2); break;
      default: out[0] = vextq_u32(k[1], k[0], 3), out[1] = vextq_u32(k[0], k[1], 3); break;
    }
  }
}

// The keep lanes (all-ones) of 8 keys (two vectors), groups of M lanes; bias[s-1]
// (two vectors) is 1 where the partner of rotation s has the higher index.
template <int M>
inline void keep_rotated(const uint32x4_t* key, const uint32x4_t (*bias)[2], uint32x4_t nv, uint32x4_t* keep) {
  uint32x4_t cnt[2] = {vdupq_n_u32(0), vdupq_n_u32(0)};
  for (int s = 1; s < M; ++s) {
    uint32x4_t u[2];
    rotate<M>(key, s, u);
    for (int i = 0; i < 2; ++i) cnt[i] = vsubq_u32(cnt[i], vcgtq_u32(vaddq_u32(u[i], bias[s - 1][i]), key[i]));
  }
  keep[0] = vcltq_u32(cnt[0], nv);
  keep[1] = vcltq_u32(cnt[1], nv);
}

// inner == 1, m = M: the groups are consecutive M elements; 16 at a time, the
// rest (whole groups) by the scalar part.
template <int M>
bool nm_rotated(const float* x, size_t total, uint32_t n, uint32_t m, uint8_t* mask) {
  uint32x4_t bias[M - 1][2];
  for (int s = 1; s < M; ++s) {
    for (int i = 0; i < 2; ++i) {
      uint32_t b[4];
      for (int l = 0; l < 4; ++l) b[l] = (4 * i + l) % M + s < M;
      bias[s - 1][i] = vld1q_u32(b);
    }
  }
  const uint32x4_t nv = vdupq_n_u32(n);
  uint32x4_t top = vdupq_n_u32(0);
  size_t i = 0;
  for (; i + 16 <= total; i += 16) {
    uint32x4_t key[4], keep[4];
    for (int j = 0; j < 4; ++j) {
      key[j] = keys(vld1q_f32(x + i + 4 * j));
      top = vmaxq_u32(top, key[j]);
    }
    keep_rotated<M>(key, bias, nv, keep);
    keep_rotated<M>(key + 2, bias, nv, keep + 2);
    vst1q_u8(mask + i, narrow16(keep[0], keep[1], keep[2], keep[3]));
  }
  bool nan = vmaxvq_u32(top) > kInfKey;
  for (; i < total; i += m) nan |= nm_group(x, i, 1, n, m, mask);
  return nan;
}

// Groups across the lanes: key[t] holds element t of 4 groups; keep[t] gets the
// lanes (all-ones) where element t is kept.
// M = 2, 4, 8 (registers): one compare per pair t < u; cnt[u] starts at u (as if
// every lower index ranked above u) and loses 1 where u ranks above t, which
// gives cnt[t] 1. M = 0 (any m): per t, the count over every u.
template <int M>
inline void rank_lanes(const uint32x4_t* key, uint32_t m, uint32x4_t nv, uint32x4_t* keep) {
  if (M != 0) {
    uint32x4_t cnt[M ? M : 1];
    for (int t = 0; t < M; ++t) cnt[t] = vdupq_n_u32(static_cast<uint32_t>(t));
    for (int t = 0; t < M; ++t) {
      for (int u = t + 1; u < M; ++u) {
        const uint32x4_t above = vcgeq_u32(key[u], key[t]);  // all-ones where u ranks above t
        cnt[t] = vsubq_u32(cnt[t], above);
        cnt[u] = vaddq_u32(cnt[u], above);
      }
    }
    for (int t = 0; t < M; ++t) keep[t] = vcltq_u32(cnt[t], nv);
    return;
  }
  for (uint32_t t = 0; t < m; ++t) {
    const uint32x4_t kt = key[t];
    uint32x4_t cnt = vdupq_n_u32(0);
    for (uint32_t u = 0; u < t; ++u) cnt = vsubq_u32(cnt, vcgtq_u32(key[u], kt));
    for (uint32_t u = t + 1; u < m; ++u) cnt = vsubq_u32(cnt, vcgeq_u32(key[u], kt));
    keep[t] = vcltq_u32(cnt, nv);
  }
}

// 4 keep lanes (all-ones / 0) as 4 mask bytes.
inline void store_keep4(uint32x4_t keep, uint8_t* out) {
  const uint16x4_t w = vmovn_u32(keep);
  const uint8x8_t b = vand_u8(vmovn_u16(vcombine_u16(w, w)), vdup_n_u8(1));
  const uint32_t bytes = vget_lane_u32(vreinterpret_u32_u8(b), 0);
  memcpy(out, &bytes, sizeof bytes);  // out need not be 4-byte aligned
}

// inner > 1: lanes run across i, 4 at a time; the last inner % 4 lanes of each
// group by the scalar part.
template <int M>
bool nm_across(const float* x, size_t outer, size_t axis_len, size_t inner, uint32_t n, uint32_t m_any,
               uint8_t* mask) {
  const uint32_t m = M ? M : m_any;
  const uint32x4_t nv = vdupq_n_u32(n);
  uint32x4_t top = vdupq_n_u32(0);
  uint32x4_t key[M ? M : 256], keep[M ? M : 256];
  bool nan = false;
  for (size_t o = 0; o < outer; ++o) {
    for (size_t g = 0; g < axis_len; g += m) {
      const size_t base = (o * axis_len + g) * inner;
      size_t i = 0;
      for (; i + 4 <= inner; i += 4) {
        for (uint32_t t = 0; t < m; ++t) {
          key[t] = keys(vld1q_f32(x + base + t * inner + i));
          top = vmaxq_u32(top, key[t]);
        }
        rank_lanes<M>(key, m, nv, keep);
        for (uint32_t t = 0; t < m; ++t) store_keep4(keep[t], mask + base + t * inner + i);
      }
      for (; i < inner; ++i) nan |= nm_group(x, base + i, inner, n, m, mask);
    }
  }
  return nan || vmaxvq_u32(top) > kInfKey;
}

// inner == 1, other m: 4 groups at a time, their keys transposed through a tile
// (row t = element t of the 4 groups), then as nm_across.
bool nm_tiled(const float* x, size_t groups, uint32_t n, uint32_t m, uint8_t* mask) {
  const uint32x4_t nv = vdupq_n_u32(n);
  uint32x4_t key[256], keep[256];
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
    for (uint32_t t = 0; t < m; ++t) key[t] = vld1q_u32(cell + 4 * t);
    rank_lanes<0>(key, m, nv, keep);
    for (uint32_t t = 0; t < m; ++t) vst1q_u32(cell + 4 * t, keep[t]);
    uint8_t* out = mask + g0 * m;
    for (size_t j = 0; j < ng; ++j) {
      for (uint32_t t = 0; t < m; ++t) out[j * m + t] = static_cast<uint8_t>(cell[t * 4 + j] & 1);
    }
  }
  return top > kInfKey;
}

bool nm_mask_neon(const float* x, size_t outer, size_t axis_len, size_t inner, uint32_t n, uint32_t m,
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
