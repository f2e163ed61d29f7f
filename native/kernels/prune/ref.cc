// Scalar reference of the prune kernels: the C++ specification.
#include <math.h>
#include <string.h>

#include "prune_kernels.h"

namespace mp {
namespace {

inline uint32_t key_of(const float* x, size_t i) {
  uint32_t bits;
  memcpy(&bits, x + i, sizeof bits);
  return bits & 0x7fffffffu;
}

bool row_sums_ref(const float* x, size_t rows, size_t cols, uint32_t kind, double p, double* sums) {
  bool nan = false;
  for (size_t r = 0; r < rows; ++r) {
    const float* row = x + r * cols;
    if (kind == NORM_MAX) {
      double m = sums[r];
      for (size_t c = 0; c < cols; ++c) {
        nan |= isnan(row[c]);
        const double a = norm_term(row[c], kind, p);
        if (a > m) m = a;
      }
      sums[r] = m;
      continue;
    }
    double lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t c = 0; c < cols; ++c) {
      nan |= isnan(row[c]);
      lane[c % 8] += norm_term(row[c], kind, p);
    }
    sums[r] += ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
  }
  return nan;
}

bool column_sums_ref(const float* x, size_t rows, size_t cols, uint32_t kind, double p, double* sums) {
  bool nan = false;
  for (size_t r = 0; r < rows; ++r) {
    const float* row = x + r * cols;
    for (size_t c = 0; c < cols; ++c) {
      nan |= isnan(row[c]);
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

bool block_pool_ref(const float* x, size_t bh, size_t cols, size_t stride, size_t bw, uint32_t mode,
                    double* colsum, float* out) {
  bool nan = false;
  for (size_t c = 0; c < cols; ++c) {
    double s = 0;
    for (size_t r = 0; r < bh; ++r) {
      const float v = x[r * stride + c];
      nan |= isnan(v);
      const double a = fabs(static_cast<double>(v));
      if (mode == 1) {
        if (a > s) s = a;
      } else {
        s += a;
      }
    }
    colsum[c] = s;
  }
  for (size_t b = 0, c0 = 0; c0 < cols; ++b, c0 += bw) {
    const size_t c1 = c0 + bw < cols ? c0 + bw : cols;
    double s = 0;
    for (size_t c = c0; c < c1; ++c) {
      if (mode == 1) {
        if (colsum[c] > s) s = colsum[c];
      } else {
        s += colsum[c];
      }
    }
    out[b] = mode == 1 ? static_cast<float>(s) : static_cast<float>(s / static_cast<double>(bh * (c1 - c0)));
  }
  return nan;
}

void expand_blocks_ref(const uint8_t* bm, size_t cols, size_t bw, uint8_t* row) {
  for (size_t c = 0; c < cols; ++c) row[c] = bm[c / bw];
}

bool nm_mask_ref(const float* x, size_t outer, size_t axis_len, size_t inner, uint32_t n, uint32_t m,
                 uint8_t* mask) {
  bool nan = false;
  for (size_t o = 0; o < outer; ++o) {
    for (size_t g = 0; g < axis_len; g += m) {
      for (size_t i = 0; i < inner; ++i) {
        const size_t base = (o * axis_len + g) * inner + i;
        for (uint32_t t = 0; t < m; ++t) {
          const uint32_t kt = key_of(x, base + t * inner);
          nan |= kt > 0x7f800000u;
          uint32_t above = 0;
          for (uint32_t u = 0; u < m; ++u) {
            const uint32_t ku = key_of(x, base + u * inner);
            above += ku > kt || (ku == kt && u > t);
          }
          mask[base + t * inner] = above < n;
        }
      }
    }
  }
  return nan;
}

void taylor_accumulate_ref(const float* w, const float* g, size_t n, float beta, float* score) {
  for (size_t i = 0; i < n; ++i) {
    const float t = fabsf(w[i] * g[i]);
    const float s = beta * score[i];
    score[i] = s + t;
  }
}

}  // namespace

const PruneKernels prune_scalar = {row_sums_ref,      column_sums_ref, block_pool_ref,
                                   expand_blocks_ref, nm_mask_ref,     taylor_accumulate_ref};

}  // namespace mp
