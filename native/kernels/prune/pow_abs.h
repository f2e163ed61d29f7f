// pow_abs: |x|^p from IEEE double arithmetic alone, so that structured pruning
// with a general Ln norm ranks slices identically on every platform (libm's pow
// differs between glibc, musl and Emscripten in the last bits).
//
// |x|^p = exp(p * ln|x|):
//   ln: |x| = m * 2^e with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s),
//       s = (m - 1) / (m + 1), |s| < 0.172, by its odd series to s^25;
//   exp: y = k ln2 + r with k = nearest integer to y / ln2, |r| <= ln2 / 2 (ln2 in
//       two parts, so r is accurate), e^r by its Taylor series to r^16, then 2^k
//       applied through the exponent bits.
// The relative error is about |p ln|x|| * 2^-52 (the rounding of y), below 1e-12
// for every result inside double's range.
#ifndef MODELPRESS_POW_ABS_H
#define MODELPRESS_POW_ABS_H

#include <stdint.h>
#include <string.h>

namespace mp {
namespace pow_abs_detail {

inline constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln 2 to 32 bits
inline constexpr double kLn2Lo = 1.90821492927058770002e-10;  // the rest of ln 2
inline constexpr double kLn2 = 6.93147180559945309417e-01;

inline double scale_by_pow2(double v, int k) {
  // v in [0.5, 2]; split k so each factor 2^j is a normal double.
  while (k > 1000) {
    v *= 0x1p1000;
    k -= 1000;
    if (v > 1.7976931348623157e308) return v;
  }
  while (k < -1000) {
    v *= 0x1p-1000;
    k += 1000;
    if (v == 0) return 0;
  }
  uint64_t bits = static_cast<uint64_t>(k + 1023) << 52;
  double f;
  memcpy(&f, &bits, sizeof f);
  return v * f;
}

inline double ln_of(double a) {
  uint64_t bits;
  memcpy(&bits, &a, sizeof bits);
  int e = static_cast<int>((bits >> 52) & 0x7ff);
  if (e == 0) {  // subnormal: normalise first
    a *= 0x1p54;
    memcpy(&bits, &a, sizeof bits);
    e = static_cast<int>((bits >> 52) & 0x7ff) - 54;
  }
  e -= 1022;  // a = m * 2^e with m in [0.5, 1)
  bits = (bits & 0x000fffffffffffffull) | 0x3fe0000000000000ull;
  double m;
  memcpy(&m, &bits, sizeof m);
  if (m < 0.70710678118654752440) {
    m *= 2;
    e -= 1;
  }
  const double s = (m - 1) / (m + 1);
  const double s2 = s * s;
  double series = 1.0 / 25;
  for (int k = 23; k >= 1; k -= 2) series = 1.0 / k + s2 * series;
  return e * kLn2Hi + (e * kLn2Lo + 2 * s * series);
}

inline double exp_of(double y) {
  if (y > 710) return 1.0 / 0.0;
  if (y < -746) return 0;
  const double kd = y / kLn2;
  const int k = static_cast<int>(kd < 0 ? kd - 0.5 : kd + 0.5);
  const double r = (y - k * kLn2Hi) - k * kLn2Lo;
  double t = 1;
  for (int i = 16; i >= 1; --i) t = 1 + t * r / i;
  return scale_by_pow2(t, k);
}

}  // namespace pow_abs_detail

inline double pow_abs(float x, double p) {
  const double a = x < 0 ? -static_cast<double>(x) : static_cast<double>(x);
  if (a == 0) return 0;
  if (a > 1.7976931348623157e308) return a;  // +Inf
  if (p == 1) return a;
  if (p == 2) return a * a;
  return pow_abs_detail::exp_of(p * pow_abs_detail::ln_of(a));
}

}  // namespace mp

#endif
