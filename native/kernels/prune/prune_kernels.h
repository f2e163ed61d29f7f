// Internal interface of the prune family: the scoring steps of structured, block,
// N:M and importance pruning. One table per instruction set, chosen by
// native/dispatch/. Every variant is bit-identical to ref.cc: the summation orders
// below are part of the specification, so every variant must follow them exactly.
#ifndef MODELPRESS_PRUNE_KERNELS_H
#define MODELPRESS_PRUNE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "pow_abs.h"

namespace mp {

// Norm kinds of the slice sums: f(x) = |x|, x*x, |x|^p (general p > 0), or the
// maximum |x| (the infinity norm).
enum NormKind : uint32_t { NORM_L1 = 1, NORM_L2 = 2, NORM_LP = 3, NORM_MAX = 4 };

// pow_abs(x, p) = |x|^p for finite p > 0 from IEEE double +, -, *, / alone (no
// libm), so it is the same on every platform; relative error below 1e-12.

// The per-element term of a norm sum, in double: |x|, x*x (exact in double),
// pow_abs(x, p), or |x| for NORM_MAX.
inline double norm_term(float x, uint32_t kind, double p) {
  const double a = x < 0 ? -static_cast<double>(x) : static_cast<double>(x);
  if (kind == NORM_L2) return a * a;
  if (kind == NORM_LP) return pow_abs(x, p);
  return a;  // NORM_L1, NORM_MAX
}

struct PruneKernels {
  // Row sums of a [rows, cols] matrix: sums[r] = sums[r] + R(r) (one double add
  // per row), where for NORM_L1/L2/LP R(r) is the sum of norm_term over the row in
  // 8 lanes: lane l = sum over c = l, l+8, l+16, ... in increasing c (starting at
  // +0.0), and R = ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)); for NORM_MAX,
  // sums[r] = max(sums[r], max |x| of the row). Returns true if the rows hold a NaN
  // (sums then unspecified). +-Inf is allowed (gives +Inf).
  bool (*row_sums)(const float* x, size_t rows, size_t cols, uint32_t kind, double p, double* sums);
  // Column sums: sums[c] = sums[c] + norm_term(x[r, c]) for r = 0, 1, ... in order
  // (NORM_MAX: max). Equal to row_sums on the transpose with cols == 1 lanes, which
  // is why the two together give one definition of a slice norm (see mp_slice_norm_sums).
  bool (*column_sums)(const float* x, size_t rows, size_t cols, uint32_t kind, double p, double* sums);

  // Block pooling of one block row of a [bh, cols] strip (row stride `stride`
  // floats): out[b] for the blocks b = 0 .. ceil(cols / bw) - 1 of columns
  // [b*bw, min(cols, (b+1)*bw)). mode 0 (mean): S = sum over the block's columns c
  // in increasing order of (sum over its rows r in increasing order of |x[r, c]|),
  // all in double starting at +0.0, then out[b] = (float)(S / count) with count the
  // block's element count. mode 1 (max): out[b] = max |x| of the block. Uses
  // colsum (cols doubles) as scratch. Returns true if the strip holds a NaN.
  bool (*block_pool)(const float* x, size_t bh, size_t cols, size_t stride, size_t bw, uint32_t mode,
                     double* colsum, float* out);
  // Expands one block row of a block mask to a row of an element mask:
  // row[c] = bm[c / bw] for c < cols.
  void (*expand_blocks)(const uint8_t* bm, size_t cols, size_t bw, uint8_t* row);

  // N:M mask of a [outer, axis_len, inner] tensor, axis_len a multiple of m,
  // 1 <= n <= m <= 256. Group (o, g, i) is the m elements x[o, g*m + t, i],
  // t = 0 .. m-1. With magnitude keys (bits & 0x7fffffff), element t is kept
  // (mask 1) iff fewer than n elements u of its group rank above it, where u ranks
  // above t if key_u > key_t, or key_u == key_t and u > t (among equal magnitudes the
  // lower index is pruned first). Returns true if x holds a NaN (mask unspecified).
  bool (*nm_mask)(const float* x, size_t outer, size_t axis_len, size_t inner, uint32_t n, uint32_t m,
                  uint8_t* mask);

  // First-order Taylor importance with momentum: score[i] = beta * score[i] +
  // |w[i] * g[i]|, each operation rounded to float in that order (no fused
  // multiply-add).
  void (*taylor_accumulate)(const float* w, const float* g, size_t n, float beta, float* score);
};

extern const PruneKernels prune_scalar;
#if defined(__x86_64__) || defined(_M_X64)
extern const PruneKernels prune_avx2;
extern const PruneKernels prune_avx512;
#endif
#if defined(__aarch64__)
extern const PruneKernels prune_neon;
#endif
#if defined(__wasm_simd128__)
extern const PruneKernels prune_simd128;
#endif

}  // namespace mp

#endif
