// The scalar pieces of the prune family's SIMD variants: column and lane tails
// and the rare cases, each computing its part exactly as ref.cc does (same terms,
// same order), so a variant may hand any part of its work to them. No intrinsics,
// no target attributes: this compiles for the baseline ISA in every translation
// unit that includes it. (The variants hand NORM_LP, and nothing else, to
// prune_scalar itself.)
#ifndef MODELPRESS_PRUNE_SCALAR_PARTS_H
#define MODELPRESS_PRUNE_SCALAR_PARTS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "prune_kernels.h"

namespace mp {
namespace prune_parts {

constexpr uint32_t kInfKey = 0x7f800000u;  // magnitude keys above it are NaN

inline uint32_t key_at(const float* x, size_t i) {
  uint32_t bits;
  memcpy(&bits, x + i, sizeof bits);
  return bits & 0x7fffffffu;
}

// column_sums restricted to the columns [c0, c1) of a [rows, cols] matrix.
inline bool column_sums_range(const float* x, size_t rows, size_t cols, size_t c0, size_t c1, uint32_t kind,
                              double p, double* sums) {
  bool nan = false;
  for (size_t r = 0; r < rows; ++r) {
    const float* row = x + r * cols;
    for (size_t c = c0; c < c1; ++c) {
      nan |= row[c] != row[c];
      const double t = norm_term(row[c], kind, p);
      if (kind == NORM_MAX) {
        if (t > sums[c]) sums[c] = t;
      } else {
        sums[c] += t;
      }
    }
  }
  return nan;
}

// The NORM_MAX row_sums result for a row (cols > 0) from s = sums[r], top = the
// row's largest |x| (not NaN) and first = its first element. The reference's
// running maximum starts at s and takes norm_term(x) (which is -0.0 for x = -0)
// whenever that is larger: it ends at top if top > s, except that a row of zeros
// after a negative s leaves the first element's term, whose sign is that of x.
inline double merge_row_max(double s, double top, float first) {
  if (!(top > s)) return s;
  return top == 0 ? norm_term(first, NORM_MAX, 0) : top;
}

// The N:M mask of one group (m elements from x[base], stride inner), as ref.cc.
inline bool nm_group(const float* x, size_t base, size_t inner, uint32_t n, uint32_t m, uint8_t* mask) {
  bool nan = false;
  for (uint32_t t = 0; t < m; ++t) {
    const uint32_t kt = key_at(x, base + t * inner);
    nan |= kt > kInfKey;
    uint32_t above = 0;
    for (uint32_t u = 0; u < m; ++u) {
      const uint32_t ku = key_at(x, base + u * inner);
      above += ku > kt || (ku == kt && u > t);
    }
    mask[base + t * inner] = above < n;
  }
  return nan;
}

// expand_blocks of a row that starts at a block boundary, a byte at a time
// (counting down the block instead of dividing).
inline void expand_run(const uint8_t* bm, size_t cols, size_t bw, uint8_t* row) {
  for (size_t c = 0, b = 0, left = bw; c < cols; ++c) {
    row[c] = bm[b];
    if (--left == 0) {
      ++b;
      left = bw;
    }
  }
}

// The first half of block_pool for the columns [c0, c1): colsum[c] = the sum
// (mode 0) or maximum (mode 1) of |x[r * stride + c]| over the bh rows, in double.
inline bool pool_columns(const float* x, size_t bh, size_t stride, size_t c0, size_t c1, uint32_t mode,
                         double* colsum) {
  bool nan = false;
  for (size_t c = c0; c < c1; ++c) {
    double s = 0;
    for (size_t r = 0; r < bh; ++r) {
      const float v = x[r * stride + c];
      nan |= v != v;
      const double a = fabs(static_cast<double>(v));
      if (mode == 1) {
        if (a > s) s = a;
      } else {
        s += a;
      }
    }
    colsum[c] = s;
  }
  return nan;
}

// The second half for one block of w columns (colsum of its first column at cs).
inline float pool_block(const double* cs, size_t w, size_t bh, uint32_t mode) {
  double s = 0;
  for (size_t c = 0; c < w; ++c) {
    if (mode == 1) {
      if (cs[c] > s) s = cs[c];
    } else {
      s += cs[c];
    }
  }
  return mode == 1 ? static_cast<float>(s) : static_cast<float>(s / static_cast<double>(bh * w));
}

// 1 / count if that is exact (count a power of two), else 0: a block mean is then
// a multiplication, with the same result as the division (S / 2^k is exact, S
// being 0, +Inf or at least 2^-149 and 2^k below 2^64).
inline double exact_reciprocal(size_t count) {
  return count != 0 && (count & (count - 1)) == 0 ? 1.0 / static_cast<double>(count) : 0.0;
}

// Columns of the generic block_pool path handled per chunk: enough to make the
// vector loops long, few enough for colsum to stay in the L1/L2 cache.
constexpr size_t kPoolChunkColumns = 2048;

}  // namespace prune_parts
}  // namespace mp

#endif
