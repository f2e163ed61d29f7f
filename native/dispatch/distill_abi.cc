// The C ABI of the distill family: checks, then the distill table of the active
// CPU variant.
#include <math.h>
#include <string.h>

#include "../include/modelpress.h"
#include "variants.h"

namespace {

bool shape_ok(size_t rows, size_t cols) {
  size_t n;
  return !__builtin_mul_overflow(rows, cols, &n);
}

bool inv_t_ok(float inv_t) { return inv_t > 0 && inv_t < INFINITY; }

}  // namespace

extern "C" {

mp_status mp_softmax_rows(const float* z, size_t rows, size_t cols, float inv_t, int log_out, float* out) {
  if (!shape_ok(rows, cols)) return MP_ERR_LAYOUT;
  if (!inv_t_ok(inv_t)) return MP_ERR_RANGE;
  if (rows == 0 || cols == 0) return MP_OK;
  if (z == nullptr || out == nullptr) return MP_ERR_NULL_POINTER;
  mp::active_variant().distill->softmax_rows(z, rows, cols, inv_t, log_out != 0, out);
  return MP_OK;
}

mp_status mp_kl_rows(const float* s, const float* t, size_t rows, size_t cols, float inv_t, int teacher_probs,
                     float grad_scale, double* kl, double* ce, float* grad) {
  if (!shape_ok(rows, cols)) return MP_ERR_LAYOUT;
  if (!inv_t_ok(inv_t)) return MP_ERR_RANGE;
  if (rows == 0) return MP_OK;
  if (cols == 0) return MP_ERR_LAYOUT;
  if (s == nullptr || t == nullptr) return MP_ERR_NULL_POINTER;
  mp::active_variant().distill->kl_rows(s, t, rows, cols, inv_t, teacher_probs != 0, grad_scale, kl, ce, grad);
  return MP_OK;
}

mp_status mp_kl_topk_rows(const float* s, const int32_t* idx, const float* p, const float* rest, size_t rows,
                          size_t cols, size_t k, float inv_t, float grad_scale, double* kl, double* ce, float* grad,
                          size_t* bad_row) {
  if (!shape_ok(rows, cols) || !shape_ok(rows, k) || k > cols) return MP_ERR_LAYOUT;
  if (!inv_t_ok(inv_t)) return MP_ERR_RANGE;
  if (bad_row == nullptr) return MP_ERR_NULL_POINTER;
  if (rows == 0) return MP_OK;
  if (cols == 0) return MP_ERR_LAYOUT;
  if (s == nullptr || rest == nullptr || (k > 0 && (idx == nullptr || p == nullptr))) return MP_ERR_NULL_POINTER;
  const size_t done = mp::active_variant().distill->kl_topk_rows(s, idx, p, rest, rows, cols, k, inv_t, grad_scale, kl, ce, grad);
  if (done != rows) {
    *bad_row = done;
    return MP_ERR_RANGE;
  }
  return MP_OK;
}

mp_status mp_ce_rows(const float* s, const int32_t* labels, size_t rows, size_t cols, int32_t ignore, float eps,
                     float grad_scale, double* loss, float* grad, size_t* bad_row) {
  if (!shape_ok(rows, cols)) return MP_ERR_LAYOUT;
  if (!(eps >= 0 && eps <= 1)) return MP_ERR_RANGE;
  if (bad_row == nullptr) return MP_ERR_NULL_POINTER;
  if (rows == 0) return MP_OK;
  if (cols == 0) return MP_ERR_LAYOUT;
  if (s == nullptr || labels == nullptr || loss == nullptr) return MP_ERR_NULL_POINTER;
  const size_t done = mp::active_variant().distill->ce_rows(s, labels, rows, cols, ignore, eps, grad_scale, loss, grad);
  if (done != rows) {
    *bad_row = done;
    return MP_ERR_RANGE;
  }
  return MP_OK;
}

mp_status mp_sq_diff(const float* s, const float* t, size_t n, float grad_scale, float* grad, double* sum) {
  if (sum == nullptr) return MP_ERR_NULL_POINTER;
  *sum = 0;
  if (n == 0) return MP_OK;
  if (s == nullptr || t == nullptr) return MP_ERR_NULL_POINTER;
  *sum = mp::active_variant().distill->sq_diff(s, t, n, grad_scale, grad);
  return MP_OK;
}

mp_status mp_cosine_rows(const float* s, const float* t, size_t rows, size_t cols, float eps, float grad_scale,
                         double* loss, float* grad) {
  if (!shape_ok(rows, cols)) return MP_ERR_LAYOUT;
  if (!(eps > 0)) return MP_ERR_RANGE;
  if (rows == 0) return MP_OK;
  if (loss == nullptr || (cols > 0 && (s == nullptr || t == nullptr))) return MP_ERR_NULL_POINTER;
  mp::active_variant().distill->cosine_rows(s, t, rows, cols, eps, grad_scale, loss, grad);
  return MP_OK;
}

mp_status mp_channel_mean_sq(const float* a, size_t batch, size_t channels, size_t spatial, float* out) {
  size_t n;
  if (channels == 0 || __builtin_mul_overflow(batch, channels, &n) || __builtin_mul_overflow(n, spatial, &n))
    return MP_ERR_LAYOUT;
  if (batch == 0 || spatial == 0) return MP_OK;
  if (a == nullptr || out == nullptr) return MP_ERR_NULL_POINTER;
  mp::active_variant().distill->channel_mean_sq(a, batch, channels, spatial, out);
  return MP_OK;
}

mp_status mp_scale_by_map(const float* a, const float* g, size_t batch, size_t channels, size_t spatial, float* grad) {
  size_t n;
  if (__builtin_mul_overflow(batch, channels, &n) || __builtin_mul_overflow(n, spatial, &n)) return MP_ERR_LAYOUT;
  if (n == 0) return MP_OK;
  if (a == nullptr || g == nullptr || grad == nullptr) return MP_ERR_NULL_POINTER;
  mp::active_variant().distill->scale_by_map(a, g, batch, channels, spatial, grad);
  return MP_OK;
}

}  // extern "C"
