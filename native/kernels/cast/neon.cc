// AArch64 Advanced SIMD (NEON) variant of the float down-casting kernels; ref.cc is
// the specification and every output here is bit-identical to it. NEON and the
// fp16 conversions (FCVTN / FCVTL) are part of the AArch64 baseline, so no target
// attributes are needed.
//
// fp16 uses FCVTN / FCVTL. Under the default FPCR (round to nearest, DN = 0,
// AHP = 0, which Linux, macOS and Windows set up) they match the reference
// exactly, NaN payloads included: FCVTN quiets a NaN keeping the top of its
// payload, FCVTL quiets it shifting the payload up, and neither flushes half
// subnormals. bf16 uses the reference's integer rounding (BFCVTN needs ARMv8.6).
//
// Each loop handles 16 elements (four vectors) at a time; a shorter tail is copied
// into a padded stack block and run through the same vector code, so there is no
// separate scalar path to keep in step with the reference.
#include "cast_kernels.h"

#if defined(__aarch64__)

#include <arm_neon.h>
#include <string.h>

namespace mp {
namespace {

constexpr size_t kBlock = 16;

// Lane counters are drained into the uint64_t totals after this many elements,
// long before a uint32 lane could overflow. A multiple of kBlock.
constexpr size_t kChunk = size_t{1} << 20;

// Where a down-cast loses something, on |x|'s bits `a`:
//   overflow   over_min <= a < 0x7F800000   (finite, rounds to Inf)
//   underflow  0 < a <= under_max           (non-zero, rounds to 0)
//   NaN        a > 0x7F800000
// Blocks are screened first: if all lanes have a < over_min and a == 0 or
// a > under_max, nothing is counted (and there is no NaN), and the block keeps the
// results of the plain conversion. Otherwise it is converted again, counting and
// fixing up.
struct Limits {
  uint32_t over_min, under_max;
};
constexpr Limits kF16Limits = {0x477FF000, 0x33000000};  // 65520; 2^-25
constexpr Limits kBf16Limits = {0x7F7F8000, 0x00008000};

// Running max of a, and min of a - 1 (which is largest for a = 0).
struct Screen {
  uint32x4_t max_a = vdupq_n_u32(0), min_a_1 = vdupq_n_u32(0xFFFFFFFF);

  void add(uint32x4_t a) {
    max_a = vmaxq_u32(max_a, a);
    min_a_1 = vminq_u32(min_a_1, vsubq_u32(a, vdupq_n_u32(1)));
  }
  bool plain(Limits lim) const {
    const uint32x4_t bad = vorrq_u32(vcgeq_u32(max_a, vdupq_n_u32(lim.over_min)),
                                     vcltq_u32(min_a_1, vdupq_n_u32(lim.under_max)));
    return vmaxvq_u32(bad) == 0;
  }
};

// Per-lane counts.
struct Tally {
  uint32x4_t over = vdupq_n_u32(0), under = vdupq_n_u32(0), nan = vdupq_n_u32(0);

  void add_to(CastCounts* c) const {
    c->overflowed += vaddvq_u32(over);
    c->underflowed += vaddvq_u32(under);
    c->nan += vaddvq_u32(nan);
  }
};

// Counts 4 lanes of |x|'s bits; returns the NaN mask. Masks are all-ones, so
// subtracting one adds 1.
inline uint32x4_t tally4(Tally& t, uint32x4_t a, Limits lim) {
  const uint32x4_t inf = vdupq_n_u32(0x7F800000);
  const uint32x4_t nan = vcgtq_u32(a, inf);
  const uint32x4_t over = vandq_u32(vcgeq_u32(a, vdupq_n_u32(lim.over_min)), vcltq_u32(a, inf));
  // a - 1 < under_max (unsigned) iff 0 < a <= under_max.
  const uint32x4_t under = vcltq_u32(vsubq_u32(a, vdupq_n_u32(1)), vdupq_n_u32(lim.under_max));
  t.over = vsubq_u32(t.over, over);
  t.under = vsubq_u32(t.under, under);
  t.nan = vsubq_u32(t.nan, nan);
  return nan;
}

inline uint32x4_t abs_bits(uint32x4_t b) { return vandq_u32(b, vdupq_n_u32(0x7FFFFFFF)); }

// ---------------------------------------------------------------------------
// fp32 -> 16 bits. Each Cast has
//   plain(lo, hi)     8 floats (as bits) -> 8 halves, right when the block screens plain
//   full(lo, hi, t)   the same, right always, counting into t

struct ToF16 {
  static constexpr Limits lim = kF16Limits;
  static uint16x8_t plain(uint32x4_t lo, uint32x4_t hi) {
    const float16x4_t l = vcvt_f16_f32(vreinterpretq_f32_u32(lo));
    return vreinterpretq_u16_f16(vcvt_high_f16_f32(l, vreinterpretq_f32_u32(hi)));
  }
  static uint16x8_t full(uint32x4_t lo, uint32x4_t hi, Tally& t) {
    tally4(t, abs_bits(lo), lim);
    tally4(t, abs_bits(hi), lim);
    return plain(lo, hi);
  }
};

struct ToBf16 {
  static constexpr Limits lim = kBf16Limits;
  // Round half to even on bit 16: add 0x7FFF, plus 1 if bit 16 is set. The result
  // is in the upper halves.
  static uint32x4_t round(uint32x4_t b) {
    const uint32x4_t odd = vandq_u32(vshrq_n_u32(b, 16), vdupq_n_u32(1));
    return vaddq_u32(b, vaddq_u32(odd, vdupq_n_u32(0x7FFF)));
  }
  // UZP2 keeps the odd-numbered (on little-endian: upper) halves.
  static uint16x8_t upper_halves(uint32x4_t lo, uint32x4_t hi) {
    return vuzp2q_u16(vreinterpretq_u16_u32(lo), vreinterpretq_u16_u32(hi));
  }
  static uint32x4_t round_full(uint32x4_t b, Tally& t) {
    const uint32x4_t nan = tally4(t, abs_bits(b), lim);
    return vbslq_u32(nan, vorrq_u32(b, vdupq_n_u32(0x00400000)), round(b));  // NaN: quiet, truncate
  }
  static uint16x8_t plain(uint32x4_t lo, uint32x4_t hi) { return upper_halves(round(lo), round(hi)); }
  static uint16x8_t full(uint32x4_t lo, uint32x4_t hi, Tally& t) {
    return upper_halves(round_full(lo, t), round_full(hi, t));
  }
};

// One block of 16.
template <typename Cast>
inline void down_block(const float* x, uint16_t* out, Tally& t) {
  uint32x4_t b[4];
  Screen s;
  for (size_t k = 0; k < 4; ++k) {
    b[k] = vreinterpretq_u32_f32(vld1q_f32(x + 4 * k));
    s.add(abs_bits(b[k]));
  }
  uint16x8_t h0, h1;
  if (s.plain(Cast::lim)) {
    h0 = Cast::plain(b[0], b[1]);
    h1 = Cast::plain(b[2], b[3]);
  } else {
    h0 = Cast::full(b[0], b[1], t);
    h1 = Cast::full(b[2], b[3], t);
  }
  vst1q_u16(out, h0);
  vst1q_u16(out + 8, h1);
}

template <typename Cast>
void down_cast(const float* x, uint16_t* out, size_t n, CastCounts* c) {
  for (size_t i = 0; i < n;) {
    const size_t end = n - i > kChunk ? i + kChunk : n;
    Tally t;
    for (; i + kBlock <= end; i += kBlock) down_block<Cast>(x + i, out + i, t);
    if (i < end) {  // the padding is +0, which counts as nothing
      float xb[kBlock] = {};
      uint16_t ob[kBlock];
      memcpy(xb, x + i, (end - i) * sizeof(float));
      down_block<Cast>(xb, ob, t);
      memcpy(out + i, ob, (end - i) * sizeof(uint16_t));
      i = end;
    }
    t.add_to(c);
  }
}

// ---------------------------------------------------------------------------
// 16 bits -> fp32: one block of 8.

inline void from_f16_8(const uint16_t* h, float* out) {
  const float16x8_t v = vreinterpretq_f16_u16(vld1q_u16(h));
  vst1q_f32(out, vcvt_f32_f16(vget_low_f16(v)));
  vst1q_f32(out + 4, vcvt_high_f32_f16(v));
}

inline void from_bf16_8(const uint16_t* h, float* out) {
  const uint16x8_t v = vld1q_u16(h);
  vst1q_f32(out, vreinterpretq_f32_u32(vshll_n_u16(vget_low_u16(v), 16)));
  vst1q_f32(out + 4, vreinterpretq_f32_u32(vshll_high_n_u16(v, 16)));
}

template <void (*kWiden8)(const uint16_t*, float*)>
void up_cast(const uint16_t* h, float* out, size_t n) {
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    kWiden8(h + i, out + i);
    kWiden8(h + i + 8, out + i + 8);
  }
  if (i < n) {
    uint16_t hb[kBlock] = {};
    float ob[kBlock];
    memcpy(hb, h + i, (n - i) * sizeof(uint16_t));
    kWiden8(hb, ob);
    kWiden8(hb + 8, ob + 8);
    memcpy(out + i, ob, (n - i) * sizeof(float));
  }
}

void f32_to_f16_neon(const float* x, uint16_t* out, size_t n, CastCounts* c) {
  down_cast<ToF16>(x, out, n, c);
}

void f16_to_f32_neon(const uint16_t* h, float* out, size_t n) { up_cast<from_f16_8>(h, out, n); }

void f32_to_bf16_neon(const float* x, uint16_t* out, size_t n, CastCounts* c) {
  down_cast<ToBf16>(x, out, n, c);
}

void bf16_to_f32_neon(const uint16_t* h, float* out, size_t n) { up_cast<from_bf16_8>(h, out, n); }

}  // namespace

const CastKernels cast_neon = {f32_to_f16_neon, f16_to_f32_neon, f32_to_bf16_neon, bf16_to_f32_neon};

}  // namespace mp

#endif  // __aarch64__
