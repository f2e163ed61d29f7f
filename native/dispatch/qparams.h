// Scale and zero point from a value range, in float32 arithmetic: the C++ twin of
// src/quant/range.ts (qparamsFromRange), which documents the rules. Both must give
// the same bits for every input.
#ifndef MODELPRESS_QPARAMS_H
#define MODELPRESS_QPARAMS_H

#include <math.h>
#include <stdint.h>

namespace mp {

struct QParams {
  float scale;
  int32_t zero_point;
};

inline QParams qparams_from_range(float mn, float mx, int32_t qmin, int32_t qmax, bool symmetric) {
  const float kSmallest = 1.40129846e-45f;  // 2^-149
  const float rmin = (mn < 0.0f ? mn : 0.0f) + 0.0f;
  const float rmax = (mx > 0.0f ? mx : 0.0f) + 0.0f;
  if (symmetric) {
    const float absmax = -rmin > rmax ? -rmin : rmax;
    // Signed: q in [-qmax, qmax]; unsigned: the zero point in the middle.
    const bool is_signed = qmin < 0;
    const int32_t zp = is_signed ? 0 : (qmax + 1) / 2;
    if (absmax == 0.0f) return {1.0f, zp};
    const float scale = is_signed ? absmax / static_cast<float>(qmax) : absmax / (static_cast<float>(qmax) / 2.0f);
    return {scale > 0.0f ? scale : kSmallest, zp};
  }
  const float levels = static_cast<float>(qmax - qmin);
  float scale;
  if (rmax == rmin) {
    scale = 1.0f;
  } else {
    scale = (rmax - rmin) / levels;
    if (isinf(scale)) scale = rmax / levels - rmin / levels;  // rmax - rmin overflowed
    if (!(scale > 0.0f)) scale = kSmallest;
  }
  float initial = static_cast<float>(qmin) - rmin / scale;
  if (initial < qmin) initial = static_cast<float>(qmin);
  if (initial > qmax) initial = static_cast<float>(qmax);
  return {scale, static_cast<int32_t>(nearbyintf(initial))};
}

}  // namespace mp

#endif
