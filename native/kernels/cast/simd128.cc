// WebAssembly SIMD128 variant of the float down-casting kernels; ref.cc is the
// specification and every output here is bit-identical to it. Built by emcc with
// -msimd128, so the whole module requires SIMD and no target attributes are needed.
//
// SIMD128 has no half-precision conversions, so this is the reference's integer
// arithmetic, vectorised, plus two exact float tricks (WebAssembly floats never
// flush subnormals, and always round half to even). What is rare in real data
// (NaN, Inf, overflow, underflow, subnormal halves) is screened for once per block
// of 16 and handled, with the counting, off the common path.
//
// Each loop handles 16 elements (four vectors) at a time; a shorter tail is copied
// into a padded stack block and run through the same vector code, so there is no
// separate scalar path to keep in step with the reference.
#include "cast_kernels.h"

#if defined(__wasm_simd128__)

#include <string.h>
#include <wasm_simd128.h>

namespace mp {
namespace {

constexpr size_t kBlock = 16;

// Lane counters are drained into the uint64_t totals after this many elements,
// long before an int32 lane could overflow. A multiple of kBlock.
constexpr size_t kChunk = size_t{1} << 20;

// V8 rebuilds a v128.const at every use, and LLVM rematerialises constants rather
// than keep them in locals; it also turns and(v, compare) into a bitselect, which V8
// lowers to several instructions. OR-ing constants with a zero the optimiser cannot
// see through keeps them in registers.
volatile int32_t g_opaque_zero = 0;

struct Consts {
  v128_t zero, ones, abs, one, inf;
  Consts() {
    zero = wasm_i32x4_splat(g_opaque_zero);
    ones = keep(-1);
    abs = keep(0x7FFFFFFF);
    one = keep(1);
    inf = keep(0x7F800000);
  }
  v128_t keep(int32_t k) const { return wasm_v128_or(wasm_i32x4_splat(k), zero); }
};

// Where a down-cast loses something, on |x|'s bits `a` (an int32 >= 0):
//   overflow   over_min <= a < 0x7F800000   (finite, rounds to Inf)
//   underflow  0 < a <= under_max           (non-zero, rounds to 0)
//   NaN        a > 0x7F800000
// A block is screened first: if all its lanes have a < over_min and a == 0 or
// a > plain_min, nothing is counted (and there is no NaN), and the common path
// applies. plain_min >= under_max; for fp16 it also sends subnormal halves off the
// common path.
struct Limits {
  v128_t over_min_1;  // over_min - 1
  v128_t tiny_below;  // INT32_MIN + under_max + 1, see tally4()
  v128_t plain_min;
};

inline Limits limits(int32_t over_min, int32_t under_max, int32_t plain_min, const Consts& c) {
  return {c.keep(over_min - 1),
          c.keep(static_cast<int32_t>(static_cast<uint32_t>(under_max) + 0x80000000u)),
          c.keep(plain_min)};
}

// Running signed max of a, and unsigned min of a - 1 (which is largest for a = 0).
struct Screen {
  v128_t max_a, min_a_1;
  explicit Screen(const Consts& c) : max_a(c.zero), min_a_1(c.ones) {}
  void add(v128_t a, const Consts& c) {
    max_a = wasm_i32x4_max(max_a, a);
    min_a_1 = wasm_u32x4_min(min_a_1, wasm_i32x4_sub(a, c.one));
  }
  bool plain(const Limits& lim) const {
    return !wasm_v128_any_true(wasm_v128_or(wasm_i32x4_gt(max_a, lim.over_min_1),
                                            wasm_u32x4_lt(min_a_1, lim.plain_min)));
  }
};

// Per-lane counts as sums of all-ones masks, i.e. minus the counts.
struct Tally {
  v128_t over = wasm_i32x4_splat(0), under = wasm_i32x4_splat(0), nan = wasm_i32x4_splat(0);

  static uint64_t drain(v128_t v) {
    const int64_t s = static_cast<int64_t>(wasm_i32x4_extract_lane(v, 0)) + wasm_i32x4_extract_lane(v, 1) +
                      wasm_i32x4_extract_lane(v, 2) + wasm_i32x4_extract_lane(v, 3);
    return static_cast<uint64_t>(-s);
  }
  void add_to(CastCounts* c) const {
    c->overflowed += drain(over);
    c->underflowed += drain(under);
    c->nan += drain(nan);
  }
};

// Counts 4 lanes of |x|'s bits; returns the NaN mask.
inline v128_t tally4(Tally& t, v128_t a, const Limits& lim, const Consts& c) {
  const v128_t big = wasm_i32x4_gt(a, lim.over_min_1);  // incl. Inf, NaN
  const v128_t non_finite = wasm_i32x4_gt(a, wasm_i32x4_sub(c.inf, c.one));
  const v128_t nan = wasm_i32x4_gt(a, c.inf);
  // a + 0x7FFFFFFF wraps 0 to INT32_MAX and 1.. to INT32_MIN.., so one signed
  // compare tests 0 < a <= under_max.
  const v128_t tiny = wasm_i32x4_lt(wasm_i32x4_add(a, c.abs), lim.tiny_below);
  t.over = wasm_i32x4_add(t.over, wasm_i32x4_sub(big, non_finite));
  t.under = wasm_i32x4_add(t.under, tiny);
  t.nan = wasm_i32x4_add(t.nan, nan);
  return nan;
}

// ---------------------------------------------------------------------------
// fp32 -> fp16

struct F16Consts : Consts {
  Limits lim;
  v128_t rebias, half, min_normal, sign, inf16, nan16, payload;
  F16Consts() {
    lim = limits(0x477FF000, 0x33000000, 0x387FFFFF, *this);  // 65520; 2^-25; 2^-14
    rebias = keep(0x00000FFF - 0x38000000);  // exponent 127 -> 15, plus half an ulp - 1
    half = keep(0x3F000000);                 // 0.5f
    min_normal = keep(0x38800000);           // 2^-14
    sign = keep(0x8000);
    inf16 = keep(0x7C00);
    nan16 = keep(0x7E00);
    payload = keep(0x01FF);
  }
};

// Normal half: rebias the exponent and round half to even on 13 bits; a carry out
// of the mantissa bumps the exponent. `a + rebias` is negative for a = 0 (and any
// a below the normal halves); the max turns that into 0.
inline v128_t f16_normal(v128_t a, const F16Consts& c) {
  const v128_t odd = wasm_v128_and(wasm_u32x4_shr(a, 13), c.one);
  return wasm_u32x4_shr(wasm_i32x4_add(wasm_i32x4_max(wasm_i32x4_add(a, c.rebias), c.zero), odd), 13);
}

// The half bits of 4 floats, sign excluded, for any |x| (a = |x|'s bits).
inline v128_t f16_magnitude(v128_t a, Tally& t, const F16Consts& c) {
  const v128_t nan = tally4(t, a, c.lim, c);
  // |x| >= 65520 rounds to 0x7C00 or above: Inf.
  const v128_t normal = wasm_u32x4_min(f16_normal(a, c), c.inf16);
  // Subnormal half (|x| < 2^-14): |x| + 0.5 lies in [0.5, 1), where floats are
  // 2^-24 apart, so the addition rounds |x| to a multiple k of 2^-24, half to even,
  // and the sum's bits are 0x3F000000 + k. k = 0x400 (|x| rounded up to 2^-14) is
  // the smallest normal half, as it should be.
  const v128_t sub = wasm_i32x4_sub(wasm_f32x4_add(a, c.half), c.half);
  const v128_t h = wasm_v128_bitselect(sub, normal, wasm_i32x4_lt(a, c.min_normal));
  // NaN: quiet, keep the top 9 bits of the payload.
  const v128_t q = wasm_v128_or(c.nan16, wasm_v128_and(wasm_u32x4_shr(a, 13), c.payload));
  return wasm_v128_bitselect(q, h, nan);
}

// 16 floats -> 16 halves.
inline void f16_block(const float* x, uint16_t* out, Tally& t, const F16Consts& c) {
  v128_t a[4], h[4];
  Screen screen(c);
  for (size_t k = 0; k < 4; ++k) {
    const v128_t b = wasm_v128_load(x + 4 * k);
    a[k] = wasm_v128_and(b, c.abs);
    screen.add(a[k], c);
    h[k] = wasm_v128_and(wasm_u32x4_shr(b, 16), c.sign);
  }
  // Common path: zero and normal halves only.
  const bool plain = screen.plain(c.lim);
  for (size_t k = 0; k < 4; ++k)
    h[k] = wasm_v128_or(h[k], plain ? f16_normal(a[k], c) : f16_magnitude(a[k], t, c));
  // The values fit 16 bits, so the saturating narrowing is exact.
  wasm_v128_store(out, wasm_u16x8_narrow_i32x4(h[0], h[1]));
  wasm_v128_store(out + 8, wasm_u16x8_narrow_i32x4(h[2], h[3]));
}

// ---------------------------------------------------------------------------
// fp32 -> bf16

struct Bf16Consts : Consts {
  Limits lim;
  v128_t round, quiet;
  Bf16Consts() {
    lim = limits(0x7F7F8000, 0x00008000, 0x00008000, *this);
    round = keep(0x7FFF);
    quiet = keep(0x00400000);
  }
};

// 16 floats -> 16 bf16.
inline void bf16_block(const float* x, uint16_t* out, Tally& t, const Bf16Consts& c) {
  v128_t b[4], r[4];
  Screen screen(c);
  for (size_t k = 0; k < 4; ++k) {
    b[k] = wasm_v128_load(x + 4 * k);
    screen.add(wasm_v128_and(b[k], c.abs), c);
    // Round half to even on bit 16: add 0x7FFF, plus 1 if bit 16 is set.
    const v128_t odd = wasm_v128_and(wasm_u32x4_shr(b[k], 16), c.one);
    r[k] = wasm_i32x4_add(b[k], wasm_i32x4_add(odd, c.round));
  }
  if (!screen.plain(c.lim)) {
    for (size_t k = 0; k < 4; ++k) {
      const v128_t nan = tally4(t, wasm_v128_and(b[k], c.abs), c.lim, c);
      r[k] = wasm_v128_bitselect(wasm_v128_or(b[k], c.quiet), r[k], nan);  // NaN: quiet, truncate
    }
  }
  for (size_t k = 0; k < 4; ++k) r[k] = wasm_u32x4_shr(r[k], 16);
  wasm_v128_store(out, wasm_u16x8_narrow_i32x4(r[0], r[1]));
  wasm_v128_store(out + 8, wasm_u16x8_narrow_i32x4(r[2], r[3]));
}

template <typename C, void (*kBlockFn)(const float*, uint16_t*, Tally&, const C&)>
void down_cast(const float* x, uint16_t* out, size_t n, CastCounts* counts) {
  const C c;
  for (size_t i = 0; i < n;) {
    const size_t end = n - i > kChunk ? i + kChunk : n;
    Tally t;
    for (; i + kBlock <= end; i += kBlock) kBlockFn(x + i, out + i, t, c);
    if (i < end) {  // the padding is +0, which counts as nothing
      float xb[kBlock] = {};
      uint16_t ob[kBlock];
      memcpy(xb, x + i, (end - i) * sizeof(float));
      kBlockFn(xb, ob, t, c);
      memcpy(out + i, ob, (end - i) * sizeof(uint16_t));
      i = end;
    }
    t.add_to(counts);
  }
}

// ---------------------------------------------------------------------------
// fp16 -> fp32

struct F16WidenConsts : Consts {
  v128_t low15_16, one16, max_finite16, max_sub16;
  v128_t low15, sign, sign_and_em, scale_up, rebias, min_normal, scale_down, inf16, quiet;
  F16WidenConsts() {
    low15_16 = wasm_v128_or(wasm_i16x8_splat(0x7FFF), zero);
    one16 = wasm_v128_or(wasm_i16x8_splat(1), zero);
    max_finite16 = wasm_v128_or(wasm_i16x8_splat(0x7BFF), zero);
    max_sub16 = wasm_v128_or(wasm_i16x8_splat(0x03FF), zero);
    low15 = keep(0x7FFF);
    sign = keep(static_cast<int32_t>(0x80000000u));
    sign_and_em = keep(static_cast<int32_t>(0x8FFFFFFFu));
    scale_up = keep(0x77800000);    // 2^112
    rebias = keep(112 << 23);       // exponent 15 -> 127
    min_normal = keep(0x0400);
    scale_down = keep(0x33800000);  // 2^-24
    inf16 = keep(0x7C00);
    quiet = keep(0x00400000);
  }
};

// 4 zero or normal halves, sign-extended to int32 -> 4 floats. Shifted left by 13,
// the sign lands in bits 28..31, the exponent and mantissa where a float's go:
// with bits 28..30 cleared that is the float of the half's value * 2^-112, a
// normal float (or zero), which one exact multiplication scales back.
inline v128_t from_f16_4_plain(v128_t s, const F16WidenConsts& c) {
  return wasm_f32x4_mul(wasm_v128_and(wasm_i32x4_shl(s, 13), c.sign_and_em), c.scale_up);
}

// 4 halves of any kind, sign-extended to int32 -> 4 floats.
inline v128_t from_f16_4(v128_t s, const F16WidenConsts& c) {
  const v128_t em = wasm_v128_and(s, c.low15), sign = wasm_v128_and(s, c.sign);
  const v128_t normal = wasm_i32x4_add(wasm_i32x4_shl(em, 13), c.rebias);
  const v128_t sub = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(em), c.scale_down);  // m * 2^-24, exact
  v128_t r = wasm_v128_bitselect(sub, normal, wasm_i32x4_lt(em, c.min_normal));
  // Inf / NaN: all-ones exponent; a NaN is quieted, its payload shifted up.
  const v128_t q = wasm_v128_and(wasm_i32x4_gt(em, c.inf16), c.quiet);
  const v128_t v = wasm_v128_or(wasm_v128_or(c.inf, q), wasm_i32x4_shl(em, 13));
  r = wasm_v128_bitselect(v, r, wasm_i32x4_ge(em, c.inf16));
  return wasm_v128_or(r, sign);
}

inline void f16_widen_block(const uint16_t* h, float* out, const F16WidenConsts& c) {
  const v128_t v0 = wasm_v128_load(h), v1 = wasm_v128_load(h + 8);
  // Screen: Inf / NaN (|h| > 0x7BFF), or subnormal (|h| - 1 < 0x3FF unsigned).
  const v128_t em0 = wasm_v128_and(v0, c.low15_16), em1 = wasm_v128_and(v1, c.low15_16);
  const v128_t max_em = wasm_i16x8_max(em0, em1);
  const v128_t min_em_1 = wasm_u16x8_min(wasm_i16x8_sub(em0, c.one16), wasm_i16x8_sub(em1, c.one16));
  const bool plain = !wasm_v128_any_true(
      wasm_v128_or(wasm_i16x8_gt(max_em, c.max_finite16), wasm_u16x8_lt(min_em_1, c.max_sub16)));
  const v128_t s[4] = {wasm_i32x4_extend_low_i16x8(v0), wasm_i32x4_extend_high_i16x8(v0),
                       wasm_i32x4_extend_low_i16x8(v1), wasm_i32x4_extend_high_i16x8(v1)};
  for (size_t k = 0; k < 4; ++k)
    wasm_v128_store(out + 4 * k, plain ? from_f16_4_plain(s[k], c) : from_f16_4(s[k], c));
}

// ---------------------------------------------------------------------------
// bf16 -> fp32: each half becomes the high half of a float.

inline void bf16_widen_block(const uint16_t* h, float* out, const Consts& c) {
  for (size_t k = 0; k < 2; ++k) {
    const v128_t v = wasm_v128_load(h + 8 * k);
    wasm_v128_store(out + 8 * k, wasm_i16x8_shuffle(c.zero, v, 0, 8, 1, 9, 2, 10, 3, 11));
    wasm_v128_store(out + 8 * k + 4, wasm_i16x8_shuffle(c.zero, v, 4, 12, 5, 13, 6, 14, 7, 15));
  }
}

template <typename C, void (*kBlockFn)(const uint16_t*, float*, const C&)>
void up_cast(const uint16_t* h, float* out, size_t n) {
  const C c;
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) kBlockFn(h + i, out + i, c);
  if (i < n) {
    uint16_t hb[kBlock] = {};
    float ob[kBlock];
    memcpy(hb, h + i, (n - i) * sizeof(uint16_t));
    kBlockFn(hb, ob, c);
    memcpy(out + i, ob, (n - i) * sizeof(float));
  }
}

void f32_to_f16_simd128(const float* x, uint16_t* out, size_t n, CastCounts* c) {
  down_cast<F16Consts, f16_block>(x, out, n, c);
}

void f16_to_f32_simd128(const uint16_t* h, float* out, size_t n) {
  up_cast<F16WidenConsts, f16_widen_block>(h, out, n);
}

void f32_to_bf16_simd128(const float* x, uint16_t* out, size_t n, CastCounts* c) {
  down_cast<Bf16Consts, bf16_block>(x, out, n, c);
}

void bf16_to_f32_simd128(const uint16_t* h, float* out, size_t n) {
  up_cast<Consts, bf16_widen_block>(h, out, n);
}

}  // namespace

const CastKernels cast_simd128 = {f32_to_f16_simd128, f16_to_f32_simd128, f32_to_bf16_simd128,
                                  bf16_to_f32_simd128};

}  // namespace mp

#endif  // __wasm_simd128__
