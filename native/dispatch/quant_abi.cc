// The C ABI of the quantization family: re-checks every parameter it is given,
// walks the per-axis layout, and hands runs of constant (or per-element) parameters
// to the kernel table of the active CPU variant.
#include "../include/modelpress.h"
#include "layout.h"
#include "linear_params.h"
#include "variants.h"

extern "C" {

mp_status mp_quantize_linear(const float* x, uint8_t* out, size_t n, size_t offset,
                             size_t axis_len, size_t inner, const float* scales,
                             const int32_t* zero_points, size_t n_params, int32_t qtype) {
  int32_t qmin, qmax;
  if (mp_status s = mp::check_linear(x, out, n, axis_len, inner, scales, zero_points, n_params, qtype, &qmin, &qmax))
    return s;
  if (n == 0) return MP_OK;
  const mp::QuantKernels& k = *mp::active_variant().quant;
  mp::walk(
      n, offset, axis_len, inner,
      [&](size_t i, size_t len, size_t p) {
        k.quantize(x + i, out + i, len, scales[p], zero_points[p], qmin, qmax);
      },
      [&](size_t i, size_t len, size_t p) {
        k.quantize_each(x + i, out + i, len, scales + p, zero_points + p, qmin, qmax);
      });
  return MP_OK;
}

mp_status mp_dequantize_linear(const uint8_t* q, float* out, size_t n, size_t offset,
                               size_t axis_len, size_t inner, const float* scales,
                               const int32_t* zero_points, size_t n_params, int32_t qtype) {
  int32_t qmin, qmax;
  if (mp_status s = mp::check_linear(q, out, n, axis_len, inner, scales, zero_points, n_params, qtype, &qmin, &qmax))
    return s;
  if (n == 0) return MP_OK;
  const bool is_signed = qtype == MP_QTYPE_INT8;
  const mp::QuantKernels& k = *mp::active_variant().quant;
  mp::walk(
      n, offset, axis_len, inner,
      [&](size_t i, size_t len, size_t p) {
        k.dequantize(q + i, out + i, len, is_signed, scales[p], zero_points[p]);
      },
      [&](size_t i, size_t len, size_t p) {
        k.dequantize_each(q + i, out + i, len, is_signed, scales + p, zero_points + p);
      });
  return MP_OK;
}

mp_status mp_min_max(const float* x, size_t n, size_t offset, size_t axis_len, size_t inner,
                     float* mins, float* maxs, size_t n_params, size_t* bad_index) {
  if (mp_status s = mp::check_layout(axis_len, inner, n_params)) return s;
  if (mins == nullptr || maxs == nullptr || bad_index == nullptr) return MP_ERR_NULL_POINTER;
  if (n == 0) return MP_OK;
  if (x == nullptr) return MP_ERR_NULL_POINTER;
  const mp::QuantKernels& k = *mp::active_variant().quant;
  bool non_finite = false;
  mp::walk(
      n, offset, axis_len, inner,
      [&](size_t i, size_t len, size_t p) {
        if (!non_finite) non_finite = k.min_max(x + i, len, mins + p, maxs + p);
      },
      [&](size_t i, size_t len, size_t p) {
        if (!non_finite) non_finite = k.min_max_each(x + i, len, mins + p, maxs + p);
      });
  if (non_finite) {
    // Rare path: the kernels only say "somewhere"; find the first one here.
    for (size_t i = 0; i < n; ++i) {
      if (!isfinite(x[i])) {
        *bad_index = offset + i;
        return MP_ERR_NON_FINITE;
      }
    }
  }
  // -0 and +0 compare equal, so which one a min/max keeps depends on the order the
  // variant visits them; adding +0 makes every variant report +0.
  for (size_t p = 0; p < n_params; ++p) {
    mins[p] += 0.0f;
    maxs[p] += 0.0f;
  }
  return MP_OK;
}

}  // extern "C"
