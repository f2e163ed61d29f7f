// WebAssembly SIMD128 variant of the quantization kernels; ref.cc is the
// specification and every output here is bit-identical to it. Built by emcc with
// -msimd128, so the whole module requires SIMD and no target attributes are needed.
//
// Each loop handles 16 elements (four vectors) at a time; a shorter tail is copied
// into a padded stack block and run through the same vector code, so there is no
// separate scalar path to keep in step with the reference.
#include "quant_kernels.h"

#if defined(__wasm_simd128__)

#include <string.h>
#include <wasm_simd128.h>

namespace mp {
namespace {

constexpr size_t kBlock = 16;

// Adding 1.5 * 2^23 to a float of magnitude <= 2^22 lands in [2^23, 2^24), where the
// spacing of floats is 1: the addition itself rounds half to even, and the bits of
// the sum are kMagicBits + round(v). One add replaces nearest + trunc_sat, which V8
// lowers to a long instruction sequence.
constexpr float kMagic = 12582912.0f;
constexpr int32_t kMagicBits = 0x4B400000;

// V8 rebuilds a v128.const at every use, and LLVM rematerialises constants rather
// than keep them in locals; it also turns and(v, compare) into a bitselect, which V8
// lowers to several instructions. OR-ing constants with a zero the optimiser cannot
// see through keeps them in registers and the and an and.
volatile int32_t g_opaque_zero = 0;

struct Consts {
  v128_t opaque_zero, magic, low_byte;
  Consts() {
    opaque_zero = wasm_i32x4_splat(g_opaque_zero);
    magic = wasm_v128_or(wasm_f32x4_splat(kMagic), opaque_zero);
    low_byte = wasm_v128_or(wasm_i16x8_splat(0xff), opaque_zero);
  }
};

// 4 floats -> 4 int32 in [qmin, qmax]. lo = qmin - zp and hi = qmax - zp as floats:
// clamping before rounding equals saturating after it because the bounds are
// integers, and it keeps |v| small enough for the magic-number rounding.
// zp_bits = zp - kMagicBits.
inline v128_t quantize4(v128_t x, v128_t scale, v128_t lo, v128_t hi, v128_t zp_bits, const Consts& c) {
  v128_t v = wasm_f32x4_div(x, scale);
  v = wasm_v128_and(v, wasm_v128_xor(wasm_f32x4_eq(v, v), c.opaque_zero));  // NaN -> +0, so q = zp
  // pmax(lo, v) = lo < v ? v : lo; pmin(hi, v) = v < hi ? v : hi.
  v = wasm_f32x4_pmin(hi, wasm_f32x4_pmax(lo, v));
  return wasm_i32x4_add(wasm_f32x4_add(v, c.magic), zp_bits);
}

// 4 x 4 int32 in [-128, 255] -> their 16 low bytes, in order. The values fit
// int16, so the signed narrowing is exact; masking to the low byte makes the
// unsigned narrowing exact too (two's complement bytes for negative int8 values).
inline v128_t narrow16(v128_t a, v128_t b, v128_t c, v128_t d, const Consts& k) {
  const v128_t ab = wasm_v128_and(wasm_i16x8_narrow_i32x4(a, b), k.low_byte);
  const v128_t cd = wasm_v128_and(wasm_i16x8_narrow_i32x4(c, d), k.low_byte);
  return wasm_u8x16_narrow_i16x8(ab, cd);
}

// One block of 16 with one scale and zero point.
inline v128_t quantize_block(const float* x, v128_t scale, v128_t lo, v128_t hi, v128_t zp_bits,
                             const Consts& c) {
  return narrow16(quantize4(wasm_v128_load(x), scale, lo, hi, zp_bits, c),
                  quantize4(wasm_v128_load(x + 4), scale, lo, hi, zp_bits, c),
                  quantize4(wasm_v128_load(x + 8), scale, lo, hi, zp_bits, c),
                  quantize4(wasm_v128_load(x + 12), scale, lo, hi, zp_bits, c), c);
}

// One block of 16 with a scale and zero point per element.
inline v128_t quantize_block_each(const float* x, const float* scales, const int32_t* zps,
                                  v128_t qmin, v128_t qmax, v128_t magic_bits, const Consts& c) {
  v128_t r[4];
  for (size_t k = 0; k < 4; ++k) {
    const v128_t z = wasm_v128_load(zps + 4 * k);
    const v128_t lo = wasm_f32x4_convert_i32x4(wasm_i32x4_sub(qmin, z));
    const v128_t hi = wasm_f32x4_convert_i32x4(wasm_i32x4_sub(qmax, z));
    r[k] = quantize4(wasm_v128_load(x + 4 * k), wasm_v128_load(scales + 4 * k), lo, hi,
                     wasm_i32x4_sub(z, magic_bits), c);
  }
  return narrow16(r[0], r[1], r[2], r[3], c);
}

void quantize_simd128(const float* x, uint8_t* out, size_t n, float scale, int32_t zp,
                      int32_t qmin, int32_t qmax) {
  const Consts c;
  const v128_t s = wasm_f32x4_splat(scale);
  const v128_t lo = wasm_f32x4_splat(static_cast<float>(qmin - zp));
  const v128_t hi = wasm_f32x4_splat(static_cast<float>(qmax - zp));
  const v128_t zp_bits = wasm_i32x4_splat(zp - kMagicBits);
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) wasm_v128_store(out + i, quantize_block(x + i, s, lo, hi, zp_bits, c));
  if (i < n) {
    float xb[kBlock] = {};
    uint8_t ob[kBlock];
    memcpy(xb, x + i, (n - i) * sizeof(float));
    wasm_v128_store(ob, quantize_block(xb, s, lo, hi, zp_bits, c));
    memcpy(out + i, ob, n - i);
  }
}

void quantize_each_simd128(const float* x, uint8_t* out, size_t n, const float* scales,
                           const int32_t* zps, int32_t qmin, int32_t qmax) {
  const Consts c;
  const v128_t lo = wasm_i32x4_splat(qmin), hi = wasm_i32x4_splat(qmax);
  const v128_t magic_bits = wasm_v128_or(wasm_i32x4_splat(kMagicBits), c.opaque_zero);
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock)
    wasm_v128_store(out + i, quantize_block_each(x + i, scales + i, zps + i, lo, hi, magic_bits, c));
  if (i < n) {
    float xb[kBlock] = {}, sb[kBlock];
    int32_t zb[kBlock] = {};
    uint8_t ob[kBlock];
    for (size_t k = 0; k < kBlock; ++k) sb[k] = 1.0f;  // padding computes 0 / 1
    memcpy(xb, x + i, (n - i) * sizeof(float));
    memcpy(sb, scales + i, (n - i) * sizeof(float));
    memcpy(zb, zps + i, (n - i) * sizeof(int32_t));
    wasm_v128_store(ob, quantize_block_each(xb, sb, zb, lo, hi, magic_bits, c));
    memcpy(out + i, ob, n - i);
  }
}

// 16 bytes -> four i32x4 (sign- or zero-extended).
template <bool kSigned>
inline void widen16(v128_t v, v128_t w[4]) {
  if (kSigned) {
    const v128_t l = wasm_i16x8_extend_low_i8x16(v), h = wasm_i16x8_extend_high_i8x16(v);
    w[0] = wasm_i32x4_extend_low_i16x8(l);
    w[1] = wasm_i32x4_extend_high_i16x8(l);
    w[2] = wasm_i32x4_extend_low_i16x8(h);
    w[3] = wasm_i32x4_extend_high_i16x8(h);
  } else {
    const v128_t l = wasm_u16x8_extend_low_u8x16(v), h = wasm_u16x8_extend_high_u8x16(v);
    w[0] = wasm_u32x4_extend_low_u16x8(l);
    w[1] = wasm_u32x4_extend_high_u16x8(l);
    w[2] = wasm_u32x4_extend_low_u16x8(h);
    w[3] = wasm_u32x4_extend_high_u16x8(h);
  }
}

// float(q - zp) * scale: the subtraction is exact, the product the only rounding.
template <bool kSigned>
inline void dequantize_block(const uint8_t* q, float* out, const float* scales,
                             const int32_t* zps, size_t step) {
  v128_t w[4];
  widen16<kSigned>(wasm_v128_load(q), w);
  for (size_t k = 0; k < 4; ++k) {
    const v128_t s = step ? wasm_v128_load(scales + 4 * k) : wasm_f32x4_splat(*scales);
    const v128_t z = step ? wasm_v128_load(zps + 4 * k) : wasm_i32x4_splat(*zps);
    wasm_v128_store(out + 4 * k,
                    wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_sub(w[k], z)), s));
  }
}

template <bool kSigned>
void dequantize_t(const uint8_t* q, float* out, size_t n, const float* scales, const int32_t* zps,
                  size_t step) {
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock)
    dequantize_block<kSigned>(q + i, out + i, scales + i * step, zps + i * step, step);
  if (i < n) {
    uint8_t qb[kBlock] = {};
    float ob[kBlock], sb[kBlock] = {};
    int32_t zb[kBlock] = {};
    memcpy(qb, q + i, n - i);
    if (step) {
      memcpy(sb, scales + i, (n - i) * sizeof(float));
      memcpy(zb, zps + i, (n - i) * sizeof(int32_t));
    } else {
      sb[0] = *scales;
      zb[0] = *zps;
    }
    dequantize_block<kSigned>(qb, ob, sb, zb, step);
    memcpy(out + i, ob, (n - i) * sizeof(float));
  }
}

void dequantize_simd128(const uint8_t* q, float* out, size_t n, bool is_signed, float scale,
                        int32_t zp) {
  if (is_signed)
    dequantize_t<true>(q, out, n, &scale, &zp, 0);
  else
    dequantize_t<false>(q, out, n, &scale, &zp, 0);
}

void dequantize_each_simd128(const uint8_t* q, float* out, size_t n, bool is_signed,
                             const float* scales, const int32_t* zps) {
  if (is_signed)
    dequantize_t<true>(q, out, n, scales, zps, 1);
  else
    dequantize_t<false>(q, out, n, scales, zps, 1);
}

// Non-finite detection: an element is NaN or +-Inf iff its bits without the sign,
// read as a (non-negative) int32, are >= 0x7f800000, so the running maximum of
// those is tested once at the end.
inline v128_t abs_bits(v128_t x) { return wasm_v128_and(x, wasm_i32x4_splat(0x7fffffff)); }

inline bool any_non_finite(v128_t max_abs_bits) {
  return wasm_v128_any_true(wasm_i32x4_gt(max_abs_bits, wasm_i32x4_splat(0x7f7fffff)));
}

inline bool is_non_finite(float v) {
  uint32_t b;
  memcpy(&b, &v, sizeof b);
  return (b & 0x7f800000u) == 0x7f800000u;
}

// pmin(lo, x) = x < lo ? x : lo and pmax(hi, x) = hi < x ? x : hi: exactly the
// reference's updates.
bool min_max_simd128(const float* x, size_t n, float* mn, float* mx) {
  v128_t lo[4], hi[4], e[4];
  for (size_t k = 0; k < 4; ++k) {
    lo[k] = wasm_f32x4_splat(*mn);
    hi[k] = wasm_f32x4_splat(*mx);
    e[k] = wasm_i32x4_splat(0);
  }
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    for (size_t k = 0; k < 4; ++k) {
      const v128_t a = wasm_v128_load(x + i + 4 * k);
      lo[k] = wasm_f32x4_pmin(lo[k], a);
      hi[k] = wasm_f32x4_pmax(hi[k], a);
      e[k] = wasm_i32x4_max(e[k], abs_bits(a));
    }
  }
  if (any_non_finite(wasm_i32x4_max(wasm_i32x4_max(e[0], e[1]), wasm_i32x4_max(e[2], e[3]))))
    return true;
  const v128_t lo4 = wasm_f32x4_pmin(wasm_f32x4_pmin(lo[0], lo[1]), wasm_f32x4_pmin(lo[2], lo[3]));
  const v128_t hi4 = wasm_f32x4_pmax(wasm_f32x4_pmax(hi[0], hi[1]), wasm_f32x4_pmax(hi[2], hi[3]));
  float lanes_lo[4], lanes_hi[4];
  wasm_v128_store(lanes_lo, lo4);
  wasm_v128_store(lanes_hi, hi4);
  float l = lanes_lo[0], h = lanes_hi[0];
  for (size_t k = 1; k < 4; ++k) {
    if (lanes_lo[k] < l) l = lanes_lo[k];
    if (lanes_hi[k] > h) h = lanes_hi[k];
  }
  for (; i < n; ++i) {
    if (is_non_finite(x[i])) return true;
    if (x[i] < l) l = x[i];
    if (x[i] > h) h = x[i];
  }
  *mn = l;
  *mx = h;
  return false;
}

bool min_max_each_simd128(const float* x, size_t n, float* mins, float* maxs) {
  v128_t e = wasm_i32x4_splat(0);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t a = wasm_v128_load(x + i);
    wasm_v128_store(mins + i, wasm_f32x4_pmin(wasm_v128_load(mins + i), a));
    wasm_v128_store(maxs + i, wasm_f32x4_pmax(wasm_v128_load(maxs + i), a));
    e = wasm_i32x4_max(e, abs_bits(a));
  }
  bool bad = any_non_finite(e);
  for (; i < n; ++i) {
    bad |= is_non_finite(x[i]);
    if (x[i] < mins[i]) mins[i] = x[i];
    if (x[i] > maxs[i]) maxs[i] = x[i];
  }
  return bad;
}

}  // namespace

const QuantKernels quant_simd128 = {quantize_simd128,      quantize_each_simd128,
                                    dequantize_simd128,    dequantize_each_simd128,
                                    min_max_simd128,       min_max_each_simd128};

}  // namespace mp

#endif  // __wasm_simd128__
