// Checks of the parameters of linear quantization (scales, zero points, qtype,
// layout), shared by the C ABI entry points that take them.
#ifndef MODELPRESS_LINEAR_PARAMS_H
#define MODELPRESS_LINEAR_PARAMS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "../include/modelpress.h"

namespace mp {

inline bool qtype_range(int32_t qtype, int32_t* qmin, int32_t* qmax) {
  switch (qtype) {
    case MP_QTYPE_INT8: *qmin = -128; *qmax = 127; return true;
    case MP_QTYPE_UINT8: *qmin = 0; *qmax = 255; return true;
    case MP_QTYPE_INT4: *qmin = -8; *qmax = 7; return true;
    case MP_QTYPE_UINT4: *qmin = 0; *qmax = 15; return true;
    default: return false;
  }
}

// Packed two per byte (see native/include/modelpress.h).
inline bool is_4bit(int32_t qtype) { return qtype == MP_QTYPE_INT4 || qtype == MP_QTYPE_UINT4; }
inline bool is_signed_qtype(int32_t qtype) { return qtype == MP_QTYPE_INT8 || qtype == MP_QTYPE_INT4; }

inline mp_status check_layout(size_t axis_len, size_t inner, size_t n_params) {
  if (axis_len == 0 || inner == 0 || n_params != axis_len) return MP_ERR_LAYOUT;
  return MP_OK;
}

// Checks parameters [first, last) (all of them by default).
inline mp_status check_params(const float* scales, const int32_t* zps, size_t n_params, int32_t qmin,
                       int32_t qmax, size_t first = 0) {
  for (size_t p = first; p < n_params; ++p) {
    if (!(isfinite(scales[p]) && scales[p] > 0.0f)) return MP_ERR_SCALE;
    if (zps[p] < qmin || zps[p] > qmax) return MP_ERR_ZERO_POINT;
  }
  return MP_OK;
}

// The checks shared by quantize and dequantize; sets the qtype's range.
inline mp_status check_linear(const void* in, const void* out, size_t n, size_t axis_len, size_t inner,
                       const float* scales, const int32_t* zps, size_t n_params, int32_t qtype,
                       int32_t* qmin, int32_t* qmax) {
  if (!qtype_range(qtype, qmin, qmax)) return MP_ERR_QTYPE;
  if (mp_status s = check_layout(axis_len, inner, n_params)) return s;
  if (scales == nullptr || zps == nullptr) return MP_ERR_NULL_POINTER;
  if (mp_status s = check_params(scales, zps, n_params, *qmin, *qmax)) return s;
  if (n > 0 && (in == nullptr || out == nullptr)) return MP_ERR_NULL_POINTER;
  return MP_OK;
}

}  // namespace mp

#endif
