// WebAssembly SIMD128 variant of the quantization-aware-training kernels; ref.cc is
// the specification and every output here is bit-identical to it. Built by emcc
// with -msimd128, so the whole module requires SIMD and no target attributes are
// needed.
//
// Each loop handles 16 elements (four vectors) at a time; a shorter tail is copied
// into a padded stack block and run through the same vector code, so there is no
// separate scalar path to keep in step with the reference.
//
// The quantize arithmetic is that of native/kernels/quant/simd128.cc: a float32
// division, NaN lanes zeroed, a clamp, the magic-number add that rounds half to
// even, then float(q - zp) * scale with a plain multiply.
#include "qat_kernels.h"

#if defined(__wasm_simd128__)

#include <string.h>
#include <wasm_simd128.h>

namespace mp {
namespace {

constexpr size_t kBlock = 16;

// Adding 1.5 * 2^23 to a float of magnitude <= 2^22 lands in [2^23, 2^24), where the
// spacing of floats is 1: the addition itself rounds half to even, and the bits of
// the sum are kMagicBits + round(v).
constexpr float kMagic = 12582912.0f;
constexpr int32_t kMagicBits = 0x4B400000;

// |zp| <= 255, so a quotient beyond +-1024 is out of range (and saturates) whatever
// it is; clamping to this range keeps it small enough for the magic-number rounding
// while keeping the representable / not representable distinction.
constexpr float kQuotientLimit = 1024.0f;

// V8 rebuilds a v128.const at every use, and LLVM rematerialises constants rather
// than keep them in locals; it also turns and(v, compare) into a bitselect, which V8
// lowers to several instructions. OR-ing constants with a zero the optimiser cannot
// see through keeps them in registers and the and an and.
volatile int32_t g_opaque_zero = 0;

struct Consts {
  v128_t opaque_zero, magic, magic_bits, limit, neg_limit, one_byte;
  Consts() {
    opaque_zero = wasm_i32x4_splat(g_opaque_zero);
    magic = wasm_v128_or(wasm_f32x4_splat(kMagic), opaque_zero);
    magic_bits = wasm_v128_or(wasm_i32x4_splat(kMagicBits), opaque_zero);
    limit = wasm_v128_or(wasm_f32x4_splat(kQuotientLimit), opaque_zero);
    neg_limit = wasm_v128_or(wasm_f32x4_splat(-kQuotientLimit), opaque_zero);
    one_byte = wasm_v128_or(wasm_i8x16_splat(1), opaque_zero);
  }
};

// 4 lanes of fake quantization. lo = qmin - zp, hi = qmax - zp (int32): with r the
// rounded quotient, q - zp = clamp(r, lo, hi) exactly, and the element is
// representable iff r lies in [lo, hi] and the quotient is not NaN. *keep gets
// all-ones / zero lanes.
inline v128_t fake4(v128_t x, v128_t scale, v128_t lo, v128_t hi, const Consts& c, v128_t* keep) {
  v128_t v = wasm_f32x4_div(x, scale);
  const v128_t ordered = wasm_v128_xor(wasm_f32x4_eq(v, v), c.opaque_zero);
  v = wasm_v128_and(v, ordered);  // NaN -> +0, so q = zp
  // pmax(a, v) = a < v ? v : a; pmin(b, v) = v < b ? v : b.
  v = wasm_f32x4_pmin(c.limit, wasm_f32x4_pmax(c.neg_limit, v));
  const v128_t r = wasm_i32x4_sub(wasm_f32x4_add(v, c.magic), c.magic_bits);
  *keep = wasm_v128_and(ordered, wasm_v128_and(wasm_i32x4_ge(r, lo), wasm_i32x4_le(r, hi)));
  const v128_t rc = wasm_i32x4_min(wasm_i32x4_max(r, lo), hi);
  return wasm_f32x4_mul(wasm_f32x4_convert_i32x4(rc), scale);
}

// Four all-ones / zero lane masks -> 16 bytes of 1 / 0 (signed narrowing keeps -1).
inline v128_t mask_bytes(const v128_t k[4], const Consts& c) {
  const v128_t b = wasm_i8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(k[0], k[1]),
                                           wasm_i16x8_narrow_i32x4(k[2], k[3]));
  return wasm_v128_and(b, c.one_byte);
}

// One block of 16: x, out, scales, zps each point at 16 elements (scales / zps
// advance by 0 for the per-tensor case, see `step`).
inline void fake_block(const float* x, float* out, uint8_t* mask, const float* scales,
                       const int32_t* zps, size_t step, v128_t qmin, v128_t qmax, const Consts& c) {
  v128_t k[4];
  for (size_t j = 0; j < 4; ++j) {
    const v128_t s = step ? wasm_v128_load(scales + 4 * j) : wasm_f32x4_splat(*scales);
    const v128_t z = step ? wasm_v128_load(zps + 4 * j) : wasm_i32x4_splat(*zps);
    wasm_v128_store(out + 4 * j, fake4(wasm_v128_load(x + 4 * j), s, wasm_i32x4_sub(qmin, z),
                                       wasm_i32x4_sub(qmax, z), c, &k[j]));
  }
  wasm_v128_store(mask, mask_bytes(k, c));
}

void fake_quantize_simd128(const float* x, float* out, uint8_t* mask, size_t n, float scale,
                           int32_t zp, int32_t qmin, int32_t qmax) {
  const Consts c;
  const v128_t lo = wasm_i32x4_splat(qmin), hi = wasm_i32x4_splat(qmax);
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) fake_block(x + i, out + i, mask + i, &scale, &zp, 0, lo, hi, c);
  if (i < n) {
    float xb[kBlock] = {}, ob[kBlock];
    uint8_t mb[kBlock];
    memcpy(xb, x + i, (n - i) * sizeof(float));
    fake_block(xb, ob, mb, &scale, &zp, 0, lo, hi, c);
    memcpy(out + i, ob, (n - i) * sizeof(float));
    memcpy(mask + i, mb, n - i);
  }
}

void fake_quantize_each_simd128(const float* x, float* out, uint8_t* mask, size_t n,
                                const float* scales, const int32_t* zps, int32_t qmin,
                                int32_t qmax) {
  const Consts c;
  const v128_t lo = wasm_i32x4_splat(qmin), hi = wasm_i32x4_splat(qmax);
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock)
    fake_block(x + i, out + i, mask + i, scales + i, zps + i, 1, lo, hi, c);
  if (i < n) {
    float xb[kBlock] = {}, sb[kBlock], ob[kBlock];
    int32_t zb[kBlock] = {};
    uint8_t mb[kBlock];
    for (size_t k = 0; k < kBlock; ++k) sb[k] = 1.0f;  // padding computes 0 / 1
    memcpy(xb, x + i, (n - i) * sizeof(float));
    memcpy(sb, scales + i, (n - i) * sizeof(float));
    memcpy(zb, zps + i, (n - i) * sizeof(int32_t));
    fake_block(xb, ob, mb, sb, zb, 1, lo, hi, c);
    memcpy(out + i, ob, (n - i) * sizeof(float));
    memcpy(mask + i, mb, n - i);
  }
}

// 16 gradients under 16 mask bytes: grad where the byte is non-zero, +0 elsewhere
// (an and-not with all-ones lanes, so a NaN gradient under a zero mask gives +0).
inline void select_block(const float* grad, const uint8_t* mask, float* out, const Consts& c) {
  const v128_t zero = wasm_v128_xor(wasm_i8x16_eq(wasm_v128_load(mask), c.opaque_zero), c.opaque_zero);
  const v128_t l = wasm_i16x8_extend_low_i8x16(zero), h = wasm_i16x8_extend_high_i8x16(zero);
  const v128_t w[4] = {wasm_i32x4_extend_low_i16x8(l), wasm_i32x4_extend_high_i16x8(l),
                       wasm_i32x4_extend_low_i16x8(h), wasm_i32x4_extend_high_i16x8(h)};
  for (size_t j = 0; j < 4; ++j)
    wasm_v128_store(out + 4 * j, wasm_v128_andnot(wasm_v128_load(grad + 4 * j), w[j]));
}

void mask_gradient_simd128(const float* grad, const uint8_t* mask, float* out, size_t n) {
  const Consts c;
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) select_block(grad + i, mask + i, out + i, c);
  if (i < n) {
    float gb[kBlock] = {}, ob[kBlock];
    uint8_t mb[kBlock] = {};
    memcpy(gb, grad + i, (n - i) * sizeof(float));
    memcpy(mb, mask + i, n - i);
    select_block(gb, mb, ob, c);
    memcpy(out + i, ob, (n - i) * sizeof(float));
  }
}

}  // namespace

const QatKernels qat_simd128 = {fake_quantize_simd128, fake_quantize_each_simd128,
                                mask_gradient_simd128};

}  // namespace mp

#endif  // __wasm_simd128__
