// Internal interface of the statistics family: sums for quantization-error analysis
// and histograms. One table per instruction set, chosen by native/dispatch/.
//
// Error sums accumulate in double: each term is computed exactly in double from the
// float32 inputs (e = double(y) - double(x) is exact), and only the order of the
// additions may differ between variants, so sums agree to a relative ~1e-13 and
// maxima and histogram counts are bit-identical.
#ifndef MODELPRESS_STATS_KERNELS_H
#define MODELPRESS_STATS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

namespace mp {

// Running sums of an (original x, reconstructed y) pair; e = y - x.
struct ErrorSums {
  double sum_sq_err;   // sum of e^2
  double sum_abs_err;  // sum of |e|
  double max_abs_err;  // max |e|
  double sum_sq_x;     // sum of x^2
  double sum_sq_y;     // sum of y^2
  double sum_xy;       // sum of x * y
  double max_abs_x;    // max |x|
};

struct StatsKernels {
  // Folds x[0..n), y[0..n) into *acc. A NaN or +-Inf input makes some sum
  // non-finite (Inf, or NaN from Inf - Inf), and the maxima unspecified; the caller
  // treats any non-finite sum as bad input.
  void (*error_sums)(const float* x, const float* y, size_t n, ErrorSums* acc);
  // The same with one accumulator per element: acc[i] takes x[i], y[i].
  void (*error_sums_each)(const float* x, const float* y, size_t n, ErrorSums* acc);
  // counts[b] += number of x with bin b = floor((double(x) - lo) * (bins / (hi - lo))),
  // computed in double, for lo <= x <= hi (x == hi goes to the last bin, as numpy
  // does); values outside [lo, hi] and NaN are not counted. bins >= 1, lo < hi,
  // both finite; inv_width = bins / (hi - lo) is passed precomputed so every variant
  // uses the same double.
  void (*histogram)(const float* x, size_t n, double lo, double hi, double inv_width, uint32_t bins,
                    uint64_t* counts);
  // histogram() and the range search in one pass: counts[b] += exactly as histogram()
  // (same bins, values outside [lo, hi] and NaN not counted), and *mn = min(*mn, x[..]),
  // *mx = max(*mx, x[..]) as QuantKernels::min_max does (the caller initialises them).
  // Returns true if any element is NaN or +-Inf; counts, *mn and *mx are then unspecified.
  bool (*histogram_range)(const float* x, size_t n, double lo, double hi, double inv_width, uint32_t bins,
                          uint64_t* counts, float* mn, float* mx);
};

extern const StatsKernels stats_scalar;
#if defined(__x86_64__) || defined(_M_X64)
extern const StatsKernels stats_avx2;
extern const StatsKernels stats_avx512;
#endif
#if defined(__aarch64__)
extern const StatsKernels stats_neon;
#endif
#if defined(__wasm_simd128__)
extern const StatsKernels stats_simd128;
#endif

}  // namespace mp

#endif
