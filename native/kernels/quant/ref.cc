// Scalar reference of the quantization kernels: the C++ specification that every
// SIMD variant must reproduce bit for bit. Written to be read, not to be fast.
#include <math.h>

#include "quant_kernels.h"

namespace mp {
namespace {

// ONNX QuantizeLinear for one element. The quotient is a float32 division; it is
// then rounded half to even (nearbyint under the default rounding mode) in double,
// which holds every float32 exactly, so huge quotients cannot overflow an int.
inline uint8_t quantize_one(float x, float scale, int32_t zp, int32_t qmin, int32_t qmax) {
  const float v = x / scale;
  if (isnan(v)) return static_cast<uint8_t>(zp);
  double q = nearbyint(static_cast<double>(v)) + zp;
  if (q < qmin) q = qmin;
  if (q > qmax) q = qmax;
  return static_cast<uint8_t>(static_cast<int32_t>(q));
}

inline int32_t load_q(const uint8_t* q, size_t i, bool is_signed) {
  return is_signed ? static_cast<int32_t>(static_cast<int8_t>(q[i])) : static_cast<int32_t>(q[i]);
}

void quantize_ref(const float* x, uint8_t* out, size_t n, float scale, int32_t zp, int32_t qmin,
                  int32_t qmax) {
  for (size_t i = 0; i < n; ++i) out[i] = quantize_one(x[i], scale, zp, qmin, qmax);
}

void quantize_each_ref(const float* x, uint8_t* out, size_t n, const float* scales,
                       const int32_t* zps, int32_t qmin, int32_t qmax) {
  for (size_t i = 0; i < n; ++i) out[i] = quantize_one(x[i], scales[i], zps[i], qmin, qmax);
}

// ONNX DequantizeLinear: (q - zp) is an exact small integer, so the only rounding
// is the float32 product.
void dequantize_ref(const uint8_t* q, float* out, size_t n, bool is_signed, float scale,
                    int32_t zp) {
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(load_q(q, i, is_signed) - zp) * scale;
}

void dequantize_each_ref(const uint8_t* q, float* out, size_t n, bool is_signed,
                         const float* scales, const int32_t* zps) {
  for (size_t i = 0; i < n; ++i)
    out[i] = static_cast<float>(load_q(q, i, is_signed) - zps[i]) * scales[i];
}

bool min_max_ref(const float* x, size_t n, float* mn, float* mx) {
  float lo = *mn, hi = *mx;
  for (size_t i = 0; i < n; ++i) {
    if (!isfinite(x[i])) return true;
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  *mn = lo;
  *mx = hi;
  return false;
}

bool min_max_each_ref(const float* x, size_t n, float* mins, float* maxs) {
  for (size_t i = 0; i < n; ++i) {
    if (!isfinite(x[i])) return true;
    if (x[i] < mins[i]) mins[i] = x[i];
    if (x[i] > maxs[i]) maxs[i] = x[i];
  }
  return false;
}

}  // namespace

const QuantKernels quant_scalar = {quantize_ref,   quantize_each_ref, dequantize_ref,
                                   dequantize_each_ref, min_max_ref,  min_max_each_ref};

}  // namespace mp
