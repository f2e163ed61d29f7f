// The C ABI of the prune family: checks, then the prune table of the active CPU
// variant.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../include/modelpress.h"
#include "variants.h"

namespace {

// True if a * b overflows size_t (else *out = a * b).
bool mul_overflows(size_t a, size_t b, size_t* out) { return __builtin_mul_overflow(a, b, out); }

mp_status first_nan(const float* x, size_t n, size_t* bad_index) {
  for (size_t i = 0; i < n; ++i) {
    if (isnan(x[i])) {
      *bad_index = i;
      return MP_ERR_NON_FINITE;
    }
  }
  return MP_ERR_NON_FINITE;  // the kernel saw one; unreachable with a correct kernel
}

}  // namespace

extern "C" {

mp_status mp_slice_norm_sums(const float* x, size_t outer, size_t axis_len, size_t inner, uint32_t kind, double p,
                             double* sums, size_t* bad_index) {
  if (kind < mp::NORM_L1 || kind > mp::NORM_MAX) return MP_ERR_RANGE;
  if (kind == mp::NORM_LP && !(p > 0 && p < INFINITY)) return MP_ERR_RANGE;
  if (axis_len == 0 || inner == 0) return MP_ERR_LAYOUT;
  size_t n;
  if (mul_overflows(outer, axis_len, &n) || mul_overflows(n, inner, &n)) return MP_ERR_LAYOUT;
  if (sums == nullptr || bad_index == nullptr) return MP_ERR_NULL_POINTER;
  if (n == 0) return MP_OK;
  if (x == nullptr) return MP_ERR_NULL_POINTER;
  const mp::PruneKernels& k = *mp::active_variant().prune;
  bool nan = false;
  if (inner == 1) {
    // Every "row" is one element: the column sums over o are the same sums.
    nan = k.column_sums(x, outer, axis_len, kind, p, sums);
  } else {
    for (size_t o = 0; o < outer && !nan; ++o) nan = k.row_sums(x + o * axis_len * inner, axis_len, inner, kind, p, sums);
  }
  return nan ? first_nan(x, n, bad_index) : MP_OK;
}

mp_status mp_block_pool(const float* x, size_t rows, size_t cols, size_t bh, size_t bw, uint32_t mode, float* out,
                        size_t* bad_index) {
  if (mode > 1) return MP_ERR_RANGE;
  if (bh == 0 || bw == 0) return MP_ERR_LAYOUT;
  size_t n;
  if (mul_overflows(rows, cols, &n)) return MP_ERR_LAYOUT;
  if (bad_index == nullptr) return MP_ERR_NULL_POINTER;
  if (n == 0) return MP_OK;
  if (x == nullptr || out == nullptr) return MP_ERR_NULL_POINTER;
  double* colsum = static_cast<double*>(malloc(cols * sizeof(double)));
  if (colsum == nullptr) return MP_ERR_LAYOUT;
  const mp::PruneKernels& k = *mp::active_variant().prune;
  const size_t blocks_per_row = (cols + bw - 1) / bw;
  bool nan = false;
  for (size_t r = 0, b = 0; r < rows && !nan; r += bh, ++b) {
    const size_t h = rows - r < bh ? rows - r : bh;
    nan = k.block_pool(x + r * cols, h, cols, cols, bw, mode, colsum, out + b * blocks_per_row);
  }
  free(colsum);
  return nan ? first_nan(x, n, bad_index) : MP_OK;
}

mp_status mp_expand_block_mask(const uint8_t* block_mask, size_t rows, size_t cols, size_t bh, size_t bw,
                               uint8_t* mask) {
  if (bh == 0 || bw == 0) return MP_ERR_LAYOUT;
  size_t n;
  if (mul_overflows(rows, cols, &n)) return MP_ERR_LAYOUT;
  if (n == 0) return MP_OK;
  if (block_mask == nullptr || mask == nullptr) return MP_ERR_NULL_POINTER;
  const mp::PruneKernels& k = *mp::active_variant().prune;
  const size_t blocks_per_row = (cols + bw - 1) / bw;
  for (size_t r = 0; r < rows; ++r) {
    if (r % bh == 0) {
      k.expand_blocks(block_mask + (r / bh) * blocks_per_row, cols, bw, mask + r * cols);
    } else {
      memcpy(mask + r * cols, mask + (r - 1) * cols, cols);  // same block row as the row above
    }
  }
  return MP_OK;
}

mp_status mp_nm_mask(const float* x, size_t outer, size_t axis_len, size_t inner, uint32_t n, uint32_t m,
                     uint8_t* mask, size_t* bad_index) {
  if (m < 1 || m > 256 || n < 1 || n > m) return MP_ERR_RANGE;
  if (axis_len == 0 || inner == 0 || axis_len % m != 0) return MP_ERR_LAYOUT;
  size_t total;
  if (mul_overflows(outer, axis_len, &total) || mul_overflows(total, inner, &total)) return MP_ERR_LAYOUT;
  if (bad_index == nullptr) return MP_ERR_NULL_POINTER;
  if (total == 0) return MP_OK;
  if (x == nullptr || mask == nullptr) return MP_ERR_NULL_POINTER;
  if (mp::active_variant().prune->nm_mask(x, outer, axis_len, inner, n, m, mask)) return first_nan(x, total, bad_index);
  return MP_OK;
}

mp_status mp_taylor_accumulate(const float* w, const float* g, size_t n, float beta, float* score) {
  if (n == 0) return MP_OK;
  if (w == nullptr || g == nullptr || score == nullptr) return MP_ERR_NULL_POINTER;
  mp::active_variant().prune->taylor_accumulate(w, g, n, beta, score);
  return MP_OK;
}

}  // extern "C"
