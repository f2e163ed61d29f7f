// The C ABI of the quantization family: re-checks every parameter it is given,
// walks the per-axis layout, and hands runs of constant (or per-element) parameters
// to the kernel table of the active CPU variant.
#include "../include/modelpress.h"
#include "blocked_layout.h"
#include "layout.h"
#include "linear_params.h"
#include "nibble_tiles.h"
#include "variants.h"

namespace {

// QuantizeLinear of elements [offset, offset + n) into out: bytes for 8-bit types,
// packed nibbles (through a tile buffer) for 4-bit ones. walk(n, offset, run,
// each_run) is the layout's walker.
template <typename Walk>
void quantize_into(const float* x, uint8_t* out, size_t n, size_t offset, const float* scales,
                   const int32_t* zps, int32_t qtype, int32_t qmin, int32_t qmax, Walk walk) {
  const mp::Variant& v = mp::active_variant();
  const mp::QuantKernels& k = *v.quant;
  auto into = [&](const float* src, uint8_t* dst, size_t len, size_t off) {
    walk(
        len, off,
        [&](size_t i, size_t l, size_t p) { k.quantize(src + i, dst + i, l, scales[p], zps[p], qmin, qmax); },
        [&](size_t i, size_t l, size_t p) { k.quantize_each(src + i, dst + i, l, scales + p, zps + p, qmin, qmax); });
  };
  if (!mp::is_4bit(qtype)) return into(x, out, n, offset);
  mp::produce_packed(n, out, mp::is_signed_qtype(qtype), *v.int4,
                     [&](size_t t, size_t len, uint8_t* tile) { into(x + t, tile, len, offset + t); });
}

// DequantizeLinear of elements [offset, offset + n), the mirror of quantize_into.
template <typename Walk>
void dequantize_from(const uint8_t* q, float* out, size_t n, size_t offset, const float* scales,
                     const int32_t* zps, int32_t qtype, Walk walk) {
  const mp::Variant& v = mp::active_variant();
  const mp::QuantKernels& k = *v.quant;
  const bool is_signed = mp::is_signed_qtype(qtype);
  auto from = [&](const uint8_t* src, float* dst, size_t len, size_t off) {
    walk(
        len, off,
        [&](size_t i, size_t l, size_t p) { k.dequantize(src + i, dst + i, l, is_signed, scales[p], zps[p]); },
        [&](size_t i, size_t l, size_t p) { k.dequantize_each(src + i, dst + i, l, is_signed, scales + p, zps + p); });
  };
  if (!mp::is_4bit(qtype)) return from(q, out, n, offset);
  mp::consume_packed(n, q, is_signed, *v.int4,
                     [&](size_t t, size_t len, const uint8_t* tile) { from(tile, out + t, len, offset + t); });
}

// The checks of the blocked entry points; only the parameters the call touches
// are checked, so streaming a tensor chunk by chunk stays linear.
mp_status check_blocked(const void* in, const void* out, size_t n, size_t offset, const mp::Blocked& b,
                        const float* scales, const int32_t* zps, size_t n_params, int32_t qtype, int32_t* qmin,
                        int32_t* qmax) {
  if (!mp::qtype_range(qtype, qmin, qmax)) return MP_ERR_QTYPE;
  if (!b.valid()) return MP_ERR_LAYOUT;
  if (mp::is_4bit(qtype) && offset % 2) return MP_ERR_LAYOUT;
  if (n == 0) return MP_OK;
  if (b.end_param(offset, n) > n_params) return MP_ERR_LAYOUT;
  if (scales == nullptr || zps == nullptr || in == nullptr || out == nullptr) return MP_ERR_NULL_POINTER;
  return mp::check_params(scales, zps, b.end_param(offset, n), *qmin, *qmax, b.first_param(offset));
}

// The range search of elements [offset, offset + n), folding into mins / maxs
// through the layout's walker; parameters [first, last) are the ones touched.
template <typename Walk>
mp_status min_max_over(const float* x, size_t n, size_t offset, float* mins, float* maxs, size_t first, size_t last,
                       size_t* bad_index, Walk walk) {
  const mp::QuantKernels& k = *mp::active_variant().quant;
  bool non_finite = false;
  walk([&](size_t i, size_t len, size_t p) { if (!non_finite) non_finite = k.min_max(x + i, len, mins + p, maxs + p); },
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
  for (size_t p = first; p < last; ++p) {
    mins[p] += 0.0f;
    maxs[p] += 0.0f;
  }
  return MP_OK;
}

}  // namespace

extern "C" {

mp_status mp_quantize_linear(const float* x, uint8_t* out, size_t n, size_t offset,
                             size_t axis_len, size_t inner, const float* scales,
                             const int32_t* zero_points, size_t n_params, int32_t qtype) {
  int32_t qmin, qmax;
  if (mp_status s = mp::check_linear(x, out, n, axis_len, inner, scales, zero_points, n_params, qtype, &qmin, &qmax))
    return s;
  if (mp::is_4bit(qtype) && offset % 2) return MP_ERR_LAYOUT;
  if (n == 0) return MP_OK;
  quantize_into(x, out, n, offset, scales, zero_points, qtype, qmin, qmax, [&](size_t len, size_t off, auto run, auto each) {
    mp::walk(len, off, axis_len, inner, run, each);
  });
  return MP_OK;
}

mp_status mp_dequantize_linear(const uint8_t* q, float* out, size_t n, size_t offset,
                               size_t axis_len, size_t inner, const float* scales,
                               const int32_t* zero_points, size_t n_params, int32_t qtype) {
  int32_t qmin, qmax;
  if (mp_status s = mp::check_linear(q, out, n, axis_len, inner, scales, zero_points, n_params, qtype, &qmin, &qmax))
    return s;
  if (mp::is_4bit(qtype) && offset % 2) return MP_ERR_LAYOUT;
  if (n == 0) return MP_OK;
  dequantize_from(q, out, n, offset, scales, zero_points, qtype, [&](size_t len, size_t off, auto run, auto each) {
    mp::walk(len, off, axis_len, inner, run, each);
  });
  return MP_OK;
}

mp_status mp_quantize_blocked(const float* x, uint8_t* out, size_t n, size_t offset, size_t axis_len, size_t inner,
                              size_t block_size, const float* scales, const int32_t* zero_points, size_t n_params,
                              int32_t qtype) {
  const mp::Blocked b(axis_len, inner, block_size);
  int32_t qmin, qmax;
  if (mp_status s = check_blocked(x, out, n, offset, b, scales, zero_points, n_params, qtype, &qmin, &qmax)) return s;
  if (n == 0) return MP_OK;
  quantize_into(x, out, n, offset, scales, zero_points, qtype, qmin, qmax, [&](size_t len, size_t off, auto run, auto each) {
    mp::walk_blocked(len, off, b, run, each);
  });
  return MP_OK;
}

mp_status mp_dequantize_blocked(const uint8_t* q, float* out, size_t n, size_t offset, size_t axis_len, size_t inner,
                                size_t block_size, const float* scales, const int32_t* zero_points, size_t n_params,
                                int32_t qtype) {
  const mp::Blocked b(axis_len, inner, block_size);
  int32_t qmin, qmax;
  if (mp_status s = check_blocked(q, out, n, offset, b, scales, zero_points, n_params, qtype, &qmin, &qmax)) return s;
  if (n == 0) return MP_OK;
  dequantize_from(q, out, n, offset, scales, zero_points, qtype, [&](size_t len, size_t off, auto run, auto each) {
    mp::walk_blocked(len, off, b, run, each);
  });
  return MP_OK;
}

mp_status mp_min_max(const float* x, size_t n, size_t offset, size_t axis_len, size_t inner,
                     float* mins, float* maxs, size_t n_params, size_t* bad_index) {
  if (mp_status s = mp::check_layout(axis_len, inner, n_params)) return s;
  if (mins == nullptr || maxs == nullptr || bad_index == nullptr) return MP_ERR_NULL_POINTER;
  if (n == 0) return MP_OK;
  if (x == nullptr) return MP_ERR_NULL_POINTER;
  return min_max_over(x, n, offset, mins, maxs, 0, n_params, bad_index, [&](auto run, auto each) {
    mp::walk(n, offset, axis_len, inner, run, each);
  });
}

mp_status mp_min_max_blocked(const float* x, size_t n, size_t offset, size_t axis_len, size_t inner,
                             size_t block_size, float* mins, float* maxs, size_t n_params, size_t* bad_index) {
  const mp::Blocked b(axis_len, inner, block_size);
  if (!b.valid()) return MP_ERR_LAYOUT;
  if (mins == nullptr || maxs == nullptr || bad_index == nullptr) return MP_ERR_NULL_POINTER;
  if (n == 0) return MP_OK;
  if (b.end_param(offset, n) > n_params) return MP_ERR_LAYOUT;
  if (x == nullptr) return MP_ERR_NULL_POINTER;
  return min_max_over(x, n, offset, mins, maxs, b.first_param(offset), b.end_param(offset, n), bad_index,
                      [&](auto run, auto each) { mp::walk_blocked(n, offset, b, run, each); });
}

}  // extern "C"
