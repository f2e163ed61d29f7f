// AArch64 Advanced SIMD (NEON) variant of the quantization kernels; ref.cc is the
// specification and every output here is bit-identical to it. NEON is part of the
// AArch64 baseline, so no target attributes are needed.
//
// Each loop handles 16 elements (four vectors) at a time; a shorter tail is copied
// into a padded stack block and run through the same vector code, so there is no
// separate scalar path to keep in step with the reference.
#include "quant_kernels.h"

#if defined(__aarch64__)

#include <arm_neon.h>
#include <string.h>

namespace mp {
namespace {

constexpr size_t kBlock = 16;

// 4 floats -> 4 int32 in [qmin, qmax]. FCVTNS rounds half to even whatever FPCR
// says, maps NaN to 0 (so q = zp) and saturates to int32; the saturating add then
// keeps a saturated +-2^31 from wrapping when zp is added.
inline int32x4_t quantize4(float32x4_t x, float32x4_t scale, int32x4_t zp, int32x4_t qmin,
                           int32x4_t qmax) {
  const int32x4_t q = vqaddq_s32(vcvtnq_s32_f32(vdivq_f32(x, scale)), zp);
  return vminq_s32(vmaxq_s32(q, qmin), qmax);
}

// 4 x 4 int32 in [-128, 255] -> their 16 low bytes, in order. UZP1 keeps the
// even-numbered (on little-endian: low) halves, i.e. truncates each lane.
inline uint8x16_t narrow16(int32x4_t a, int32x4_t b, int32x4_t c, int32x4_t d) {
  const int16x8_t ab = vuzp1q_s16(vreinterpretq_s16_s32(a), vreinterpretq_s16_s32(b));
  const int16x8_t cd = vuzp1q_s16(vreinterpretq_s16_s32(c), vreinterpretq_s16_s32(d));
  return vreinterpretq_u8_s8(vuzp1q_s8(vreinterpretq_s8_s16(ab), vreinterpretq_s8_s16(cd)));
}

// One block of 16: x, scales, zps each point at 16 elements (scales / zps may
// advance by 0 for the per-tensor case, see `step`).
inline uint8x16_t quantize_block(const float* x, const float* scales, const int32_t* zps,
                                 size_t step, int32x4_t qmin, int32x4_t qmax) {
  int32x4_t r[4];
  for (size_t k = 0; k < 4; ++k) {
    const float32x4_t s = step ? vld1q_f32(scales + 4 * k) : vdupq_n_f32(*scales);
    const int32x4_t z = step ? vld1q_s32(zps + 4 * k) : vdupq_n_s32(*zps);
    r[k] = quantize4(vld1q_f32(x + 4 * k), s, z, qmin, qmax);
  }
  return narrow16(r[0], r[1], r[2], r[3]);
}

void quantize_neon(const float* x, uint8_t* out, size_t n, float scale, int32_t zp, int32_t qmin,
                   int32_t qmax) {
  const float32x4_t s = vdupq_n_f32(scale);
  const int32x4_t z = vdupq_n_s32(zp), lo = vdupq_n_s32(qmin), hi = vdupq_n_s32(qmax);
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    const int32x4_t a = quantize4(vld1q_f32(x + i), s, z, lo, hi);
    const int32x4_t b = quantize4(vld1q_f32(x + i + 4), s, z, lo, hi);
    const int32x4_t c = quantize4(vld1q_f32(x + i + 8), s, z, lo, hi);
    const int32x4_t d = quantize4(vld1q_f32(x + i + 12), s, z, lo, hi);
    vst1q_u8(out + i, narrow16(a, b, c, d));
  }
  if (i < n) {
    float xb[kBlock] = {};
    uint8_t ob[kBlock];
    memcpy(xb, x + i, (n - i) * sizeof(float));
    vst1q_u8(ob, quantize_block(xb, &scale, &zp, 0, lo, hi));
    memcpy(out + i, ob, n - i);
  }
}

void quantize_each_neon(const float* x, uint8_t* out, size_t n, const float* scales,
                        const int32_t* zps, int32_t qmin, int32_t qmax) {
  const int32x4_t lo = vdupq_n_s32(qmin), hi = vdupq_n_s32(qmax);
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock)
    vst1q_u8(out + i, quantize_block(x + i, scales + i, zps + i, 1, lo, hi));
  if (i < n) {
    float xb[kBlock] = {}, sb[kBlock];
    int32_t zb[kBlock] = {};
    uint8_t ob[kBlock];
    for (size_t k = 0; k < kBlock; ++k) sb[k] = 1.0f;  // padding computes 0 / 1
    memcpy(xb, x + i, (n - i) * sizeof(float));
    memcpy(sb, scales + i, (n - i) * sizeof(float));
    memcpy(zb, zps + i, (n - i) * sizeof(int32_t));
    vst1q_u8(ob, quantize_block(xb, sb, zb, 1, lo, hi));
    memcpy(out + i, ob, n - i);
  }
}

// 16 bytes -> four int32x4 (sign- or zero-extended).
template <bool kSigned>
inline void widen16(uint8x16_t v, int32x4_t w[4]) {
  if (kSigned) {
    const int16x8_t l = vmovl_s8(vget_low_s8(vreinterpretq_s8_u8(v)));
    const int16x8_t h = vmovl_s8(vget_high_s8(vreinterpretq_s8_u8(v)));
    w[0] = vmovl_s16(vget_low_s16(l));
    w[1] = vmovl_s16(vget_high_s16(l));
    w[2] = vmovl_s16(vget_low_s16(h));
    w[3] = vmovl_s16(vget_high_s16(h));
  } else {
    const uint16x8_t l = vmovl_u8(vget_low_u8(v));
    const uint16x8_t h = vmovl_u8(vget_high_u8(v));
    w[0] = vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(l)));
    w[1] = vreinterpretq_s32_u32(vmovl_u16(vget_high_u16(l)));
    w[2] = vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(h)));
    w[3] = vreinterpretq_s32_u32(vmovl_u16(vget_high_u16(h)));
  }
}

// float(q - zp) * scale: the subtraction is exact, the product the only rounding
// (vmulq, never a fused multiply-add).
template <bool kSigned>
inline void dequantize_block(const uint8_t* q, float* out, const float* scales,
                             const int32_t* zps, size_t step) {
  int32x4_t w[4];
  widen16<kSigned>(vld1q_u8(q), w);
  for (size_t k = 0; k < 4; ++k) {
    const float32x4_t s = step ? vld1q_f32(scales + 4 * k) : vdupq_n_f32(*scales);
    const int32x4_t z = step ? vld1q_s32(zps + 4 * k) : vdupq_n_s32(*zps);
    vst1q_f32(out + 4 * k, vmulq_f32(vcvtq_f32_s32(vsubq_s32(w[k], z)), s));
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

void dequantize_neon(const uint8_t* q, float* out, size_t n, bool is_signed, float scale,
                     int32_t zp) {
  if (is_signed)
    dequantize_t<true>(q, out, n, &scale, &zp, 0);
  else
    dequantize_t<false>(q, out, n, &scale, &zp, 0);
}

void dequantize_each_neon(const uint8_t* q, float* out, size_t n, bool is_signed,
                          const float* scales, const int32_t* zps) {
  if (is_signed)
    dequantize_t<true>(q, out, n, scales, zps, 1);
  else
    dequantize_t<false>(q, out, n, scales, zps, 1);
}

// Non-finite detection: an element is NaN or +-Inf iff its bits without the sign
// are >= 0x7f800000, so the running maximum of those is tested once at the end.
inline uint32x4_t abs_bits(float32x4_t x) {
  return vandq_u32(vreinterpretq_u32_f32(x), vdupq_n_u32(0x7fffffffu));
}

inline bool is_non_finite(float v) {
  uint32_t b;
  memcpy(&b, &v, sizeof b);
  return (b & 0x7f800000u) == 0x7f800000u;
}

// "x < lo ? x : lo" and "x > hi ? x : hi": the reference's updates, exactly
// (FMIN / FMAX would prefer -0 over +0, which only matters for min_max_each,
// where every output is compared bit for bit).
inline float32x4_t min_ref(float32x4_t lo, float32x4_t x) {
  return vbslq_f32(vcltq_f32(x, lo), x, lo);
}
inline float32x4_t max_ref(float32x4_t hi, float32x4_t x) {
  return vbslq_f32(vcgtq_f32(x, hi), x, hi);
}

bool min_max_neon(const float* x, size_t n, float* mn, float* mx) {
  float32x4_t lo[4], hi[4];
  uint32x4_t e[4];
  for (size_t k = 0; k < 4; ++k) {
    lo[k] = vdupq_n_f32(*mn);
    hi[k] = vdupq_n_f32(*mx);
    e[k] = vdupq_n_u32(0);
  }
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    for (size_t k = 0; k < 4; ++k) {
      const float32x4_t a = vld1q_f32(x + i + 4 * k);
      lo[k] = vminq_f32(lo[k], a);  // zero sign of the result is unspecified
      hi[k] = vmaxq_f32(hi[k], a);
      e[k] = vmaxq_u32(e[k], abs_bits(a));
    }
  }
  const uint32x4_t e_all = vmaxq_u32(vmaxq_u32(e[0], e[1]), vmaxq_u32(e[2], e[3]));
  if (vmaxvq_u32(e_all) >= 0x7f800000u) return true;
  float l = vminvq_f32(vminq_f32(vminq_f32(lo[0], lo[1]), vminq_f32(lo[2], lo[3])));
  float h = vmaxvq_f32(vmaxq_f32(vmaxq_f32(hi[0], hi[1]), vmaxq_f32(hi[2], hi[3])));
  for (; i < n; ++i) {
    if (is_non_finite(x[i])) return true;
    if (x[i] < l) l = x[i];
    if (x[i] > h) h = x[i];
  }
  *mn = l;
  *mx = h;
  return false;
}

bool min_max_each_neon(const float* x, size_t n, float* mins, float* maxs) {
  uint32x4_t e = vdupq_n_u32(0);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float32x4_t a = vld1q_f32(x + i);
    vst1q_f32(mins + i, min_ref(vld1q_f32(mins + i), a));
    vst1q_f32(maxs + i, max_ref(vld1q_f32(maxs + i), a));
    e = vmaxq_u32(e, abs_bits(a));
  }
  bool bad = vmaxvq_u32(e) >= 0x7f800000u;
  for (; i < n; ++i) {
    bad |= is_non_finite(x[i]);
    if (x[i] < mins[i]) mins[i] = x[i];
    if (x[i] > maxs[i]) maxs[i] = x[i];
  }
  return bad;
}

}  // namespace

const QuantKernels quant_neon = {quantize_neon,   quantize_each_neon, dequantize_neon,
                                 dequantize_each_neon, min_max_neon,  min_max_each_neon};

}  // namespace mp

#endif  // __aarch64__
