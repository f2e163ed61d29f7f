// The C ABI of the quantization-aware-training family: the same checks and
// per-axis walk as QuantizeLinear, then the qat table of the active CPU variant.
#include "../include/modelpress.h"
#include "layout.h"
#include "linear_params.h"
#include "variants.h"

extern "C" {

mp_status mp_fake_quantize(const float* x, float* out, uint8_t* mask, size_t n, size_t offset, size_t axis_len,
                           size_t inner, const float* scales, const int32_t* zero_points, size_t n_params,
                           int32_t qtype) {
  int32_t qmin, qmax;
  if (mp_status s = mp::check_linear(x, out, n, axis_len, inner, scales, zero_points, n_params, qtype, &qmin, &qmax))
    return s;
  if (n == 0) return MP_OK;
  if (mask == nullptr) return MP_ERR_NULL_POINTER;
  const mp::QatKernels& k = *mp::active_variant().qat;
  mp::walk(
      n, offset, axis_len, inner,
      [&](size_t i, size_t len, size_t p) {
        k.fake_quantize(x + i, out + i, mask + i, len, scales[p], zero_points[p], qmin, qmax);
      },
      [&](size_t i, size_t len, size_t p) {
        k.fake_quantize_each(x + i, out + i, mask + i, len, scales + p, zero_points + p, qmin, qmax);
      });
  return MP_OK;
}

mp_status mp_mask_gradient(const float* grad, const uint8_t* mask, float* out, size_t n) {
  if (n == 0) return MP_OK;
  if (grad == nullptr || mask == nullptr || out == nullptr) return MP_ERR_NULL_POINTER;
  mp::active_variant().qat->mask_gradient(grad, mask, out, n);
  return MP_OK;
}

}  // extern "C"
