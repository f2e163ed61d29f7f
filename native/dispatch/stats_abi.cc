// The C ABI of the statistics family: checks what it is given, walks the per-axis
// layout, and hands the runs to the stats table of the active CPU variant.
#include <math.h>

#include "../include/modelpress.h"
#include "layout.h"
#include "variants.h"

static_assert(sizeof(mp::ErrorSums) == 7 * sizeof(double), "ErrorSums must be 7 packed doubles");

extern "C" {

mp_status mp_error_sums(const float* x, const float* y, size_t n, size_t offset, size_t axis_len, size_t inner,
                        double* sums, size_t n_params) {
  if (axis_len == 0 || inner == 0 || n_params != axis_len) return MP_ERR_LAYOUT;
  if (sums == nullptr) return MP_ERR_NULL_POINTER;
  if (n == 0) return MP_OK;
  if (x == nullptr || y == nullptr) return MP_ERR_NULL_POINTER;
  const mp::StatsKernels& k = *mp::active_variant().stats;
  mp::ErrorSums* acc = reinterpret_cast<mp::ErrorSums*>(sums);
  mp::walk(
      n, offset, axis_len, inner, [&](size_t i, size_t len, size_t p) { k.error_sums(x + i, y + i, len, acc + p); },
      [&](size_t i, size_t len, size_t p) { k.error_sums_each(x + i, y + i, len, acc + p); });
  return MP_OK;
}

namespace {

// The checks of a histogram's range; sets inv_width = bins / (hi - lo).
mp_status check_bins(double lo, double hi, uint32_t bins, double* inv_width) {
  if (!(isfinite(lo) && isfinite(hi) && lo < hi) || bins == 0) return MP_ERR_RANGE;
  const double width = hi - lo;
  *inv_width = bins / width;
  // A range too wide for a double, or too narrow for its bins.
  if (!isfinite(width) || !isfinite(*inv_width) || *inv_width == 0) return MP_ERR_RANGE;
  return MP_OK;
}

}  // namespace

mp_status mp_histogram(const float* x, size_t n, double lo, double hi, uint32_t bins, uint64_t* counts) {
  double inv_width;
  if (mp_status s = check_bins(lo, hi, bins, &inv_width)) return s;
  if (counts == nullptr) return MP_ERR_NULL_POINTER;
  if (n == 0) return MP_OK;
  if (x == nullptr) return MP_ERR_NULL_POINTER;
  mp::active_variant().stats->histogram(x, n, lo, hi, inv_width, bins, counts);
  return MP_OK;
}

mp_status mp_histogram_range(const float* x, size_t n, size_t offset, double lo, double hi, uint32_t bins,
                             uint64_t* counts, float* mn, float* mx, size_t* bad_index) {
  double inv_width;
  if (mp_status s = check_bins(lo, hi, bins, &inv_width)) return s;
  if (counts == nullptr || mn == nullptr || mx == nullptr || bad_index == nullptr) return MP_ERR_NULL_POINTER;
  if (n == 0) return MP_OK;
  if (x == nullptr) return MP_ERR_NULL_POINTER;
  if (mp::active_variant().stats->histogram_range(x, n, lo, hi, inv_width, bins, counts, mn, mx)) {
    for (size_t i = 0;; ++i) {  // rare path: the kernel only says "somewhere"
      if (!isfinite(x[i])) {
        *bad_index = offset + i;
        return MP_ERR_NON_FINITE;
      }
    }
  }
  *mn += 0.0f;  // -0 and +0 compare equal: report +0 whatever the variant kept
  *mx += 0.0f;
  return MP_OK;
}

}  // extern "C"
