// The C ABI of one-pass group quantization (per row, or per block of a row) and of
// 4-bit packing: checks, then the quant and int4 tables of the active CPU variant.
#include "../include/modelpress.h"
#include "linear_params.h"
#include "nibble_tiles.h"
#include "qparams.h"
#include "variants.h"

namespace {

// Blocks of rows of `cols` elements, each row cut every block_size elements.
struct Groups {
  size_t cols, block_size;
  bool starts_block(size_t pos) const { return pos % cols % block_size == 0; }
};

}  // namespace

extern "C" {

mp_status mp_quantize_groups(const float* x, uint8_t* out, size_t n, size_t offset, size_t cols, size_t block_size,
                             int32_t qtype, int32_t symmetric, float* scales, int32_t* zero_points,
                             size_t* bad_index) {
  int32_t qmin, qmax;
  if (!mp::qtype_range(qtype, &qmin, &qmax)) return MP_ERR_QTYPE;
  if (cols == 0 || block_size == 0) return MP_ERR_LAYOUT;
  const Groups g{cols, block_size};
  if (!g.starts_block(offset) || !g.starts_block(offset + n)) return MP_ERR_LAYOUT;
  if (mp::is_4bit(qtype) && offset % 2) return MP_ERR_LAYOUT;
  if (bad_index == nullptr) return MP_ERR_NULL_POINTER;
  if (n == 0) return MP_OK;
  if (x == nullptr || out == nullptr || scales == nullptr || zero_points == nullptr) return MP_ERR_NULL_POINTER;

  const mp::Variant& v = mp::active_variant();
  const mp::QuantKernels& k = *v.quant;
  // Quantizes elements [t, t + len) of the call into dst (dst[0] is element t);
  // a block's parameters are found when its first element comes up (the whole
  // block is read then, and quantized while it is still in cache). Calls cover
  // the elements in order, so the position is tracked without divisions.
  size_t col = offset % cols;  // column of the next element
  size_t b = 0;                // block of the next element, counted from the call's first
  size_t left = 0;             // elements of the current block still to quantize
  auto produce = [&](size_t t, size_t len, uint8_t* dst) -> bool {
    for (size_t i = t; i < t + len;) {
      if (left == 0) {  // a block starts here
        left = cols - col < block_size ? cols - col : block_size;
        float mn = INFINITY, mx = -INFINITY;
        if (k.min_max(x + i, left, &mn, &mx)) {
          for (size_t j = i;; ++j) {
            if (!isfinite(x[j])) {
              *bad_index = offset + j;
              return false;
            }
          }
        }
        const mp::QParams qp = mp::qparams_from_range(mn, mx, qmin, qmax, symmetric != 0);
        scales[b] = qp.scale;
        zero_points[b] = qp.zero_point;
      }
      const size_t run = left < t + len - i ? left : t + len - i;
      k.quantize(x + i, dst + (i - t), run, scales[b], zero_points[b], qmin, qmax);
      i += run;
      left -= run;
      col += run;
      if (col == cols) col = 0;
      if (left == 0) ++b;
    }
    return true;
  };
  if (!mp::is_4bit(qtype)) return produce(0, n, out) ? MP_OK : MP_ERR_NON_FINITE;
  uint8_t tile[mp::kNibbleTile];
  const bool is_signed = mp::is_signed_qtype(qtype);
  for (size_t t = 0; t < n; t += mp::kNibbleTile) {
    const size_t len = n - t < mp::kNibbleTile ? n - t : mp::kNibbleTile;
    if (!produce(t, len, tile)) return MP_ERR_NON_FINITE;
    v.int4->pack(tile, out + t / 2, len, is_signed);
  }
  return MP_OK;
}

mp_status mp_pack_int4(const uint8_t* v, uint8_t* out, size_t n, int32_t qtype, size_t* bad_index) {
  if (!mp::is_4bit(qtype)) return MP_ERR_QTYPE;
  if (bad_index == nullptr) return MP_ERR_NULL_POINTER;
  if (n == 0) return MP_OK;
  if (v == nullptr || out == nullptr) return MP_ERR_NULL_POINTER;
  const bool is_signed = qtype == MP_QTYPE_INT4;
  if (mp::active_variant().int4->pack(v, out, n, is_signed)) {
    for (size_t i = 0; i < n; ++i) {
      const int32_t value = is_signed ? static_cast<int8_t>(v[i]) : v[i];
      if (is_signed ? (value < -8 || value > 7) : value > 15) {
        *bad_index = i;
        return MP_ERR_RANGE;
      }
    }
  }
  return MP_OK;
}

mp_status mp_unpack_int4(const uint8_t* p, uint8_t* out, size_t n, int32_t qtype) {
  if (!mp::is_4bit(qtype)) return MP_ERR_QTYPE;
  if (n == 0) return MP_OK;
  if (p == nullptr || out == nullptr) return MP_ERR_NULL_POINTER;
  mp::active_variant().int4->unpack(p, out, n, qtype == MP_QTYPE_INT4);
  return MP_OK;
}

}  // extern "C"
