// Scalar reference of the statistics kernels: the C++ specification. Maxima and
// histogram counts must be reproduced exactly by every variant; sums up to the
// order of the additions.
#include <math.h>

#include "stats_kernels.h"

namespace mp {
namespace {

inline void fold(double x, double y, ErrorSums* a) {
  const double e = y - x;  // exact: both are float32 values
  const double ae = fabs(e), ax = fabs(x);
  a->sum_sq_err += e * e;
  a->sum_abs_err += ae;
  if (ae > a->max_abs_err) a->max_abs_err = ae;
  a->sum_sq_x += x * x;
  a->sum_sq_y += y * y;
  a->sum_xy += x * y;
  if (ax > a->max_abs_x) a->max_abs_x = ax;
}

void error_sums_ref(const float* x, const float* y, size_t n, ErrorSums* acc) {
  for (size_t i = 0; i < n; ++i) fold(x[i], y[i], acc);
}

void error_sums_each_ref(const float* x, const float* y, size_t n, ErrorSums* acc) {
  for (size_t i = 0; i < n; ++i) fold(x[i], y[i], acc + i);
}

void histogram_ref(const float* x, size_t n, double lo, double hi, double inv_width, uint32_t bins,
                   uint64_t* counts) {
  for (size_t i = 0; i < n; ++i) {
    const double v = x[i];
    if (!(v >= lo && v <= hi)) continue;  // outside, or NaN
    double b = floor((v - lo) * inv_width);
    if (b > bins - 1) b = bins - 1;  // v == hi, or rounding at the top edge
    ++counts[static_cast<uint32_t>(b)];
  }
}

// histogram_ref and QuantKernels' min_max_ref in one loop.
bool histogram_range_ref(const float* x, size_t n, double lo, double hi, double inv_width,
                         uint32_t bins, uint64_t* counts, float* mn, float* mx) {
  float vmin = *mn, vmax = *mx;
  for (size_t i = 0; i < n; ++i) {
    const float f = x[i];
    if (!isfinite(f)) return true;
    if (f < vmin) vmin = f;
    if (f > vmax) vmax = f;
    const double v = f;
    if (!(v >= lo && v <= hi)) continue;  // outside
    double b = floor((v - lo) * inv_width);
    if (b > bins - 1) b = bins - 1;  // v == hi, or rounding at the top edge
    ++counts[static_cast<uint32_t>(b)];
  }
  *mn = vmin;
  *mx = vmax;
  return false;
}

}  // namespace

const StatsKernels stats_scalar = {error_sums_ref, error_sums_each_ref, histogram_ref,
                                   histogram_range_ref};

}  // namespace mp
