// Scalar reference of the quantization-aware-training kernels: the C++ spec.
#include <math.h>

#include "qat_kernels.h"

namespace mp {
namespace {

// QuantizeLinear then DequantizeLinear of one element, and whether the rounded
// value was representable (the straight-through estimator passes the gradient
// only there).
inline float fake_one(float x, float scale, int32_t zp, int32_t qmin, int32_t qmax, uint8_t* keep) {
  const float v = x / scale;  // a float32 division, as QuantizeLinear
  if (isnan(v)) {
    *keep = 0;
    return static_cast<float>(zp - zp) * scale;  // NaN quantizes to the zero point: +0
  }
  double q = nearbyint(static_cast<double>(v)) + zp;  // round half to even
  *keep = (q >= qmin && q <= qmax) ? 1 : 0;
  if (q < qmin) q = qmin;
  if (q > qmax) q = qmax;
  return static_cast<float>(static_cast<int32_t>(q) - zp) * scale;
}

void fake_quantize_ref(const float* x, float* out, uint8_t* mask, size_t n, float scale, int32_t zp, int32_t qmin,
                       int32_t qmax) {
  for (size_t i = 0; i < n; ++i) out[i] = fake_one(x[i], scale, zp, qmin, qmax, &mask[i]);
}

void fake_quantize_each_ref(const float* x, float* out, uint8_t* mask, size_t n, const float* scales,
                            const int32_t* zps, int32_t qmin, int32_t qmax) {
  for (size_t i = 0; i < n; ++i) out[i] = fake_one(x[i], scales[i], zps[i], qmin, qmax, &mask[i]);
}

void mask_gradient_ref(const float* grad, const uint8_t* mask, float* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = mask[i] ? grad[i] : 0.0f;
}

}  // namespace

const QatKernels qat_scalar = {fake_quantize_ref, fake_quantize_each_ref, mask_gradient_ref};

}  // namespace mp
