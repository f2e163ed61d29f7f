// AArch64 Advanced SIMD (NEON) variant of the non-uniform quantization kernels;
// ref.cc is the specification and every output here is bit-identical to it. NEON
// is part of the AArch64 baseline, so no target attributes are needed.
//
// Each loop handles 16 elements (four vectors) at a time; a shorter tail is copied
// into a padded stack block and run through the same code, so there is no
// separate tail path to keep in step with the reference.
//
// NEON has no gather. assign counts, with vector compares, how many of at most 15
// evenly spaced bounds lie below x, which is exactly where the first four levels
// of the binary search end (all of it for k <= 16); for k >= 32 the last
// log2(k / 16) levels are a scalar branchless search inside that block of bounds.
// lookup is a scalar loop (a 1 KiB table is far beyond TBL's 64 bytes).
// min_dist uses vsubq / vmulq (never a fused multiply-add) and a compare-select,
// since vminq's NaN and signed-zero rules differ from the reference's `<`.
#include "codebook_kernels.h"

#if defined(__aarch64__)

#include <arm_neon.h>
#include <string.h>

namespace mp {
namespace {

constexpr size_t kBlock = 16;

// Four uint32 vectors of values < 256 -> their 16 bytes.
inline uint8x16_t narrow_u8(const uint32x4_t v[4]) {
  const uint16x8_t ab = vcombine_u16(vmovn_u32(v[0]), vmovn_u32(v[1]));
  const uint16x8_t cd = vcombine_u16(vmovn_u32(v[2]), vmovn_u32(v[3]));
  return vcombine_u8(vmovn_u16(ab), vmovn_u16(cd));
}

// ---------------------------------------------------------------------------
// assign

// The binary search idx = 0; for step = k/2 .. 1: if (bounds[idx + step - 1] < x)
// idx += step. Because bounds is sorted, "bounds[j] < x" is true then false along
// j, so the search ends on exactly the count of bounds below x, duplicates
// included, and after its first levels (steps k/2 .. s with s = k / 16, or s = 1
// for k <= 16) idx = s * #{j < C : bounds[s * j + s - 1] < x} with C = k / s - 1:
// the count of the coarse bounds below x, which the vectors compute directly.
struct Coarse {
  float32x4_t b[15];  // the coarse bounds, broadcast
  const float* bounds;
  uint32_t s;         // block size: k / 16 for k >= 32, else 1
};

inline Coarse coarse_bounds(const float* bounds, uint32_t k) {
  Coarse c;
  c.bounds = bounds;
  c.s = k > 16 ? k / 16 : 1;
  const uint32_t count = k / c.s - 1;
  for (uint32_t j = 0; j < 15; ++j) c.b[j] = vdupq_n_f32(j < count ? bounds[c.s * j + c.s - 1] : 0.0f);
  return c;
}

// idx[0..16) for x[0..16), with C coarse bounds.
template <int C>
inline void assign_block(const float* x, const Coarse& c, uint8_t* idx) {
  float32x4_t xv[4];
  uint32x4_t cnt[4];
  for (size_t j = 0; j < 4; ++j) {
    xv[j] = vld1q_f32(x + 4 * j);
    cnt[j] = vdupq_n_u32(0);
  }
  for (int b = 0; b < C; ++b)  // fully unrolled by the compiler
    for (size_t j = 0; j < 4; ++j)  // a true compare is all-ones, i.e. -1
      cnt[j] = vsubq_u32(cnt[j], vcltq_f32(c.b[b], xv[j]));
  if (c.s == 1) {
    vst1q_u8(idx, narrow_u8(cnt));
    return;
  }
  // The remaining levels inside the block of s bounds found above.
  uint32_t m[kBlock];
  for (size_t j = 0; j < 4; ++j) vst1q_u32(m + 4 * j, cnt[j]);
  for (size_t i = 0; i < kBlock; ++i) {
    const float xi = x[i];
    uint32_t at = m[i] * c.s;
    for (uint32_t step = c.s / 2; step >= 1; step /= 2) at += c.bounds[at + step - 1] < xi ? step : 0;
    idx[i] = static_cast<uint8_t>(at);
  }
}

template <int C>
void assign_coarse(const float* x, size_t n, const Coarse& c, uint8_t* idx) {
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) assign_block<C>(x + i, c, idx + i);
  if (i < n) {
    float xb[kBlock] = {};
    uint8_t ib[kBlock];
    memcpy(xb, x + i, (n - i) * sizeof(float));
    assign_block<C>(xb, c, ib);
    memcpy(idx + i, ib, n - i);
  }
}

void assign_neon(const float* x, size_t n, const float* bounds, uint32_t k, uint8_t* idx) {
  switch (k) {
    case 2: return assign_coarse<1>(x, n, coarse_bounds(bounds, k), idx);
    case 4: return assign_coarse<3>(x, n, coarse_bounds(bounds, k), idx);
    case 8: return assign_coarse<7>(x, n, coarse_bounds(bounds, k), idx);
    case 16: case 32: case 64: case 128: case 256:
      return assign_coarse<15>(x, n, coarse_bounds(bounds, k), idx);
    default: return codebook_scalar.assign(x, n, bounds, k, idx);  // outside the contract
  }
}

// ---------------------------------------------------------------------------
// min_dist

// d2 = s < d2 ? s : d2 as a compare-select (a NaN or tied d2 stays).
inline void min_dist_block(const float* x, float32x4_t c, float* d2) {
  for (size_t j = 0; j < 4; ++j) {
    const float32x4_t d = vsubq_f32(vld1q_f32(x + 4 * j), c);
    const float32x4_t s = vmulq_f32(d, d);
    const float32x4_t old = vld1q_f32(d2 + 4 * j);
    vst1q_f32(d2 + 4 * j, vbslq_f32(vcltq_f32(s, old), s, old));
  }
}

void min_dist_neon(const float* x, size_t n, float c, float* d2) {
  const float32x4_t cv = vdupq_n_f32(c);
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) min_dist_block(x + i, cv, d2 + i);
  if (i < n) {
    float xb[kBlock] = {}, db[kBlock] = {};
    memcpy(xb, x + i, (n - i) * sizeof(float));
    memcpy(db, d2 + i, (n - i) * sizeof(float));
    min_dist_block(xb, cv, db);
    memcpy(d2 + i, db, (n - i) * sizeof(float));
  }
}

// ---------------------------------------------------------------------------
// lookup

// Without a gather, one load per element is the cost whatever the form; the plain
// loop lets the compiler pair the index loads and stores.
void lookup_neon(const uint8_t* idx, size_t n, const float* table, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = table[idx[i]];
}

// ---------------------------------------------------------------------------
// pow2_quantize

// For a = |x| normal with exponent field E and mantissa M, the nearest level is
// 2^(E - 127) if M < 0x400000 (below 1.5 * 2^(E-127)), else 2^(E - 126): adding
// 0x400000 to the bits carries into the exponent field exactly then, so
// (bits(a) + 0x400000) >> 23 is the biased nearest exponent (finite a cannot
// overflow: 0x7f7fffff + 0x400000 < 2^31). Subnormal a lie below 2^(emin - 1)
// (emin >= -125), as does 0, and positive floats order like their bits.
struct Pow2Params {
  int32x4_t lo, hi, top;
  uint32x4_t half_min;
};

// 4 floats -> 4 int32 codes in [-127, 127].
inline int32x4_t pow2_4(const float* x, const Pow2Params& p) {
  const uint32x4_t u = vreinterpretq_u32_f32(vld1q_f32(x));
  const uint32x4_t a = vandq_u32(u, vdupq_n_u32(0x7fffffff));
  int32x4_t e = vreinterpretq_s32_u32(vshrq_n_u32(vaddq_u32(a, vdupq_n_u32(0x400000)), 23));
  e = vminq_s32(vmaxq_s32(e, p.lo), p.hi);
  const uint32x4_t keep = vcgeq_u32(a, p.half_min);
  const uint32x4_t level = vreinterpretq_u32_s32(vsubq_s32(p.top, e));
  const int32x4_t code = vreinterpretq_s32_u32(vandq_u32(keep, level));
  const int32x4_t s = vshrq_n_s32(vreinterpretq_s32_u32(u), 31);  // -1 for negative x
  return vsubq_s32(veorq_s32(code, s), s);
}

inline void pow2_block(const float* x, const Pow2Params& p, uint8_t* codes) {
  const int16x8_t ab = vcombine_s16(vmovn_s32(pow2_4(x, p)), vmovn_s32(pow2_4(x + 4, p)));
  const int16x8_t cd = vcombine_s16(vmovn_s32(pow2_4(x + 8, p)), vmovn_s32(pow2_4(x + 12, p)));
  vst1q_u8(codes, vreinterpretq_u8_s8(vcombine_s8(vmovn_s16(ab), vmovn_s16(cd))));
}

void pow2_quantize_neon(const float* x, size_t n, int32_t emin, int32_t emax, uint8_t* codes) {
  Pow2Params p;
  p.lo = vdupq_n_s32(emin + 127);  // biased exponents of the clamp
  p.hi = vdupq_n_s32(emax + 127);
  p.top = vdupq_n_s32(emax + 128);  // code = top - biased e
  p.half_min = vdupq_n_u32(static_cast<uint32_t>(emin - 1 + 127) << 23);  // bits of 2^(emin - 1)
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) pow2_block(x + i, p, codes + i);
  if (i < n) {
    float xb[kBlock] = {};
    uint8_t cb[kBlock];
    memcpy(xb, x + i, (n - i) * sizeof(float));
    pow2_block(xb, p, cb);
    memcpy(codes + i, cb, n - i);
  }
}

}  // namespace

const CodebookKernels codebook_neon = {assign_neon, min_dist_neon, lookup_neon, pow2_quantize_neon};

}  // namespace mp

#endif  // __aarch64__
