// The C ABI of the float down-casting family: checks its pointers and hands the
// work to the cast table of the active CPU variant.
#include "../include/modelpress.h"
#include "variants.h"

extern "C" {

static mp_status down_cast(void (*kernel)(const float*, uint16_t*, size_t, mp::CastCounts*), const float* x,
                           uint16_t* out, size_t n, uint64_t* counts) {
  if (counts == nullptr) return MP_ERR_NULL_POINTER;
  if (n == 0) return MP_OK;
  if (x == nullptr || out == nullptr) return MP_ERR_NULL_POINTER;
  mp::CastCounts c = {counts[0], counts[1], counts[2]};
  kernel(x, out, n, &c);
  counts[0] = c.overflowed;
  counts[1] = c.underflowed;
  counts[2] = c.nan;
  return MP_OK;
}

static mp_status up_cast(void (*kernel)(const uint16_t*, float*, size_t), const uint16_t* h, float* out,
                         size_t n) {
  if (n == 0) return MP_OK;
  if (h == nullptr || out == nullptr) return MP_ERR_NULL_POINTER;
  kernel(h, out, n);
  return MP_OK;
}

mp_status mp_f32_to_f16(const float* x, uint16_t* out, size_t n, uint64_t* counts) {
  return down_cast(mp::active_variant().cast->f32_to_f16, x, out, n, counts);
}

mp_status mp_f16_to_f32(const uint16_t* h, float* out, size_t n) {
  return up_cast(mp::active_variant().cast->f16_to_f32, h, out, n);
}

mp_status mp_f32_to_bf16(const float* x, uint16_t* out, size_t n, uint64_t* counts) {
  return down_cast(mp::active_variant().cast->f32_to_bf16, x, out, n, counts);
}

mp_status mp_bf16_to_f32(const uint16_t* h, float* out, size_t n) {
  return up_cast(mp::active_variant().cast->bf16_to_f32, h, out, n);
}

}  // extern "C"
