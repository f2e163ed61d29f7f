// AArch64 Advanced SIMD (NEON) variant of the quantization-aware-training kernels;
// ref.cc is the specification and every output here is bit-identical to it. NEON
// is part of the AArch64 baseline, so no target attributes are needed.
//
// Each loop handles 16 elements (four vectors) at a time; a shorter tail is copied
// into a padded stack block and run through the same vector code, so there is no
// separate scalar path to keep in step with the reference.
//
// The quantize arithmetic is that of native/kernels/quant/neon.cc: a float32
// division, FCVTNS (round half to even, NaN -> 0, saturating), then
// float(q - zp) * scale with vmulq (never a fused multiply-add).
#include "qat_kernels.h"

#if defined(__aarch64__)

#include <arm_neon.h>
#include <string.h>

namespace mp {
namespace {

constexpr size_t kBlock = 16;

// 4 lanes of fake quantization. lo = qmin - zp, hi = qmax - zp: with r the rounded
// (saturated) quotient, q - zp = clamp(r, lo, hi) exactly, and the element is
// representable iff r lies in [lo, hi] and the quotient is not NaN.
inline float32x4_t fake4(float32x4_t x, float32x4_t scale, int32x4_t lo, int32x4_t hi,
                         uint32x4_t* keep) {
  const float32x4_t v = vdivq_f32(x, scale);
  const int32x4_t r = vcvtnq_s32_f32(v);  // NaN -> 0, i.e. q = zp
  *keep = vandq_u32(vandq_u32(vcgeq_s32(r, lo), vcleq_s32(r, hi)), vceqq_f32(v, v));
  const int32x4_t rc = vminq_s32(vmaxq_s32(r, lo), hi);
  return vmulq_f32(vcvtq_f32_s32(rc), scale);
}

// Four all-ones / zero lane masks -> 16 bytes of 1 / 0.
inline uint8x16_t mask_bytes(const uint32x4_t k[4]) {
  const uint16x8_t ab = vcombine_u16(vmovn_u32(k[0]), vmovn_u32(k[1]));
  const uint16x8_t cd = vcombine_u16(vmovn_u32(k[2]), vmovn_u32(k[3]));
  return vandq_u8(vcombine_u8(vmovn_u16(ab), vmovn_u16(cd)), vdupq_n_u8(1));
}

// One block of 16: x, out, scales, zps each point at 16 elements (scales / zps
// advance by 0 for the per-tensor case, see `step`).
inline void fake_block(const float* x, float* out, uint8_t* mask, const float* scales,
                       const int32_t* zps, size_t step, int32x4_t qmin, int32x4_t qmax) {
  uint32x4_t k[4];
  for (size_t j = 0; j < 4; ++j) {
    const float32x4_t s = step ? vld1q_f32(scales + 4 * j) : vdupq_n_f32(*scales);
    const int32x4_t z = step ? vld1q_s32(zps + 4 * j) : vdupq_n_s32(*zps);
    vst1q_f32(out + 4 * j,
              fake4(vld1q_f32(x + 4 * j), s, vsubq_s32(qmin, z), vsubq_s32(qmax, z), &k[j]));
  }
  vst1q_u8(mask, mask_bytes(k));
}

void fake_quantize_neon(const float* x, float* out, uint8_t* mask, size_t n, float scale, int32_t zp,
                        int32_t qmin, int32_t qmax) {
  const int32x4_t lo = vdupq_n_s32(qmin), hi = vdupq_n_s32(qmax);
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) fake_block(x + i, out + i, mask + i, &scale, &zp, 0, lo, hi);
  if (i < n) {
    float xb[kBlock] = {}, ob[kBlock];
    uint8_t mb[kBlock];
    memcpy(xb, x + i, (n - i) * sizeof(float));
    fake_block(xb, ob, mb, &scale, &zp, 0, lo, hi);
    memcpy(out + i, ob, (n - i) * sizeof(float));
    memcpy(mask + i, mb, n - i);
  }
}

void fake_quantize_each_neon(const float* x, float* out, uint8_t* mask, size_t n, const float* scales,
                             const int32_t* zps, int32_t qmin, int32_t qmax) {
  const int32x4_t lo = vdupq_n_s32(qmin), hi = vdupq_n_s32(qmax);
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock)
    fake_block(x + i, out + i, mask + i, scales + i, zps + i, 1, lo, hi);
  if (i < n) {
    float xb[kBlock] = {}, sb[kBlock], ob[kBlock];
    int32_t zb[kBlock] = {};
    uint8_t mb[kBlock];
    for (size_t k = 0; k < kBlock; ++k) sb[k] = 1.0f;  // padding computes 0 / 1
    memcpy(xb, x + i, (n - i) * sizeof(float));
    memcpy(sb, scales + i, (n - i) * sizeof(float));
    memcpy(zb, zps + i, (n - i) * sizeof(int32_t));
    fake_block(xb, ob, mb, sb, zb, 1, lo, hi);
    memcpy(out + i, ob, (n - i) * sizeof(float));
    memcpy(mask + i, mb, n - i);
  }
}

// 16 gradients under 16 mask bytes: grad where the byte is non-zero, +0 elsewhere
// (a select by AND with all-ones lanes, so a NaN gradient under a zero mask gives +0).
inline void select_block(const float* grad, const uint8_t* mask, float* out) {
  const int8x16_t keep = vreinterpretq_s8_u8(vtstq_u8(vld1q_u8(mask), vld1q_u8(mask)));
  const int16x8_t l = vmovl_s8(vget_low_s8(keep)), h = vmovl_s8(vget_high_s8(keep));
  const int32x4_t w[4] = {vmovl_s16(vget_low_s16(l)), vmovl_s16(vget_high_s16(l)),
                          vmovl_s16(vget_low_s16(h)), vmovl_s16(vget_high_s16(h))};
  for (size_t j = 0; j < 4; ++j) {
    const uint32x4_t g = vreinterpretq_u32_f32(vld1q_f32(grad + 4 * j));
    vst1q_f32(out + 4 * j, vreinterpretq_f32_u32(vandq_u32(g, vreinterpretq_u32_s32(w[j]))));
  }
}

void mask_gradient_neon(const float* grad, const uint8_t* mask, float* out, size_t n) {
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) select_block(grad + i, mask + i, out + i);
  if (i < n) {
    float gb[kBlock] = {}, ob[kBlock];
    uint8_t mb[kBlock] = {};
    memcpy(gb, grad + i, (n - i) * sizeof(float));
    memcpy(mb, mask + i, n - i);
    select_block(gb, mb, ob);
    memcpy(out + i, ob, (n - i) * sizeof(float));
  }
}

}  // namespace

const QatKernels qat_neon = {fake_quantize_neon, fake_quantize_each_neon, mask_gradient_neon};

}  // namespace mp

#endif  // __aarch64__
