// Vector operations of the 128-bit distill variants, one thin wrapper V128 over
// either AArch64 NEON or WebAssembly SIMD128 (4 floats, 2 doubles), and through
// vec_math.h their exp and log. Both ISAs are the whole TU's target, so no target
// attributes are needed. NEON has fused multiply-adds (vfmaq); SIMD128 has none, so
// there fma is a multiply then an add: the exp reduction stays exact (n * kLn2Hi is
// exact, dh - n * kLn2Hi by Sterbenz) and the polynomials lose a fraction of an ULP.
// Exp scaling as on AVX2: by 2^(n + 64), exact, then by 2^-64, rounding once; 0
// from a zero scale where exp < 2^-150 (no underflowing operation).
//
// Tails: loadn copies the first n (< 4) lanes into a padded block on the stack and
// storen copies n lanes back, so memory past a row is never touched; the forms
// taking a Group<K> or Part tag let one loop body serve whole vectors and the tail.
#ifndef MODELPRESS_DISTILL_VEC_MATH_128_H
#define MODELPRESS_DISTILL_VEC_MATH_128_H

#if defined(__aarch64__) || defined(__wasm_simd128__)

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__aarch64__)
#include <arm_neon.h>
#else
#include <wasm_simd128.h>
#endif

#ifndef MP_DISTILL_TARGET
#define MP_DISTILL_TARGET
#endif

namespace mp {
namespace {
namespace distill_vm {

// Block tags of the kernels' loops: K whole vectors, or the first n lanes
// (0 < n < 4) of one.
template <int K>
struct Group {
  static constexpr int kVecs = K;
};
struct Part {
  static constexpr int kVecs = 1;
  size_t n;
};

#if defined(__aarch64__)

struct V128Ops {
  using F = float32x4_t;
  using I = int32x4_t;
  using D = float64x2_t;
  using M = uint32x4_t;
  static constexpr size_t kW = 4;

  static inline F set1(float v) { return vdupq_n_f32(v); }
  static inline F zero() { return vdupq_n_f32(0.0f); }
  static inline F load(const float* p) { return vld1q_f32(p); }
  static inline void store(float* p, F v) { vst1q_f32(p, v); }

  static inline F add(F a, F b) { return vaddq_f32(a, b); }
  static inline F sub(F a, F b) { return vsubq_f32(a, b); }
  static inline F mul(F a, F b) { return vmulq_f32(a, b); }
  static inline F fma(F a, F b, F c) { return vfmaq_f32(c, a, b); }
  static inline F max(F a, F b) { return vmaxq_f32(a, b); }
  static inline F min(F a, F b) { return vminq_f32(a, b); }
  static inline float reduce_max(F v) { return vmaxvq_f32(v); }
  static inline float reduce_min(F v) { return vminvq_f32(v); }
  static inline M eq(F a, F b) { return vceqq_f32(a, b); }
  static inline M ge(F a, F b) { return vcgeq_f32(a, b); }
  static inline M gt(F a, F b) { return vcgtq_f32(a, b); }
  static inline M lt(F a, F b) { return vcltq_f32(a, b); }
  static inline F zero_unless(M m, F v) { return vreinterpretq_f32_u32(vandq_u32(m, vreinterpretq_u32_f32(v))); }
  static inline F mul_if(M m, F a, F b) { return zero_unless(m, vmulq_f32(a, b)); }  // m ? a b : 0
  static inline F select(M m, F if_true, F if_false) { return vbslq_f32(m, if_true, if_false); }
  // keep ? p * 2^n : 0, n = t - 1.5 * 2^23 in [-150, 63]; the 0 from a zero scale.
  static inline F ldexp_exp(F p, F, F t, M keep) {
    const int32x4_t e = vaddq_s32(vshlq_n_s32(vreinterpretq_s32_f32(t), 23), vdupq_n_s32(191 << 23));
    const float32x4_t scale = vreinterpretq_f32_u32(vandq_u32(keep, vreinterpretq_u32_s32(e)));
    return vmulq_f32(vmulq_f32(p, scale), vdupq_n_f32(0x1p-64f));
  }

  static inline I set1_i(int32_t v) { return vdupq_n_s32(v); }
  static inline I cast_i(F v) { return vreinterpretq_s32_f32(v); }
  static inline F cast_f(I v) { return vreinterpretq_f32_s32(v); }
  static inline I sub_i(I a, I b) { return vsubq_s32(a, b); }
  static inline I srai23(I v) { return vshrq_n_s32(v, 23); }
  static inline I slli23(I v) { return vshlq_n_s32(v, 23); }
  static inline F cvt_i2f(I v) { return vcvtq_f32_s32(v); }

  static inline D dlo(F v) { return vcvt_f64_f32(vget_low_f32(v)); }
  static inline D dhi(F v) { return vcvt_high_f64_f32(v); }
  static inline F from_d(D lo, D hi) { return vcvt_high_f32_f64(vcvt_f32_f64(lo), hi); }
  static inline D set1d(double v) { return vdupq_n_f64(v); }
  static inline D zerod() { return vdupq_n_f64(0.0); }
  static inline void stored(double* p, D v) { vst1q_f64(p, v); }
  static inline D addd(D a, D b) { return vaddq_f64(a, b); }
  static inline D subd(D a, D b) { return vsubq_f64(a, b); }
  static inline D muld(D a, D b) { return vmulq_f64(a, b); }
  static inline D divd(D a, D b) { return vdivq_f64(a, b); }
  static inline D fmad(D a, D b, D c) { return vfmaq_f64(c, a, b); }
  static inline double hsum(D v) { return vgetq_lane_f64(v, 0) + vgetq_lane_f64(v, 1); }
};

#else  // __wasm_simd128__

struct V128Ops {
  using F = v128_t;
  using I = v128_t;
  using D = v128_t;
  using M = v128_t;
  static constexpr size_t kW = 4;

  static inline F set1(float v) { return wasm_f32x4_splat(v); }
  static inline F zero() { return wasm_f32x4_splat(0.0f); }
  static inline F load(const float* p) { return wasm_v128_load(p); }
  static inline void store(float* p, F v) { wasm_v128_store(p, v); }

  static inline F add(F a, F b) { return wasm_f32x4_add(a, b); }
  static inline F sub(F a, F b) { return wasm_f32x4_sub(a, b); }
  static inline F mul(F a, F b) { return wasm_f32x4_mul(a, b); }
  static inline F fma(F a, F b, F c) { return wasm_f32x4_add(wasm_f32x4_mul(a, b), c); }
  // pmax(a, b) = a < b ? b : a (pmin likewise), one instruction where f32x4.max
  // is several.
  static inline F max(F a, F b) { return wasm_f32x4_pmax(a, b); }
  static inline F min(F a, F b) { return wasm_f32x4_pmin(a, b); }
  static inline float reduce_max(F v) {
    const v128_t m = wasm_f32x4_pmax(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    const float a = wasm_f32x4_extract_lane(m, 0), b = wasm_f32x4_extract_lane(m, 1);
    return a < b ? b : a;
  }
  static inline float reduce_min(F v) {
    const v128_t m = wasm_f32x4_pmin(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    const float a = wasm_f32x4_extract_lane(m, 0), b = wasm_f32x4_extract_lane(m, 1);
    return b < a ? b : a;
  }
  static inline M eq(F a, F b) { return wasm_f32x4_eq(a, b); }
  static inline M ge(F a, F b) { return wasm_f32x4_ge(a, b); }
  static inline M gt(F a, F b) { return wasm_f32x4_gt(a, b); }
  static inline M lt(F a, F b) { return wasm_f32x4_lt(a, b); }
  static inline F zero_unless(M m, F v) { return wasm_v128_and(m, v); }
  static inline F mul_if(M m, F a, F b) { return wasm_v128_and(m, wasm_f32x4_mul(a, b)); }
  static inline F select(M m, F if_true, F if_false) { return wasm_v128_bitselect(if_true, if_false, m); }
  static inline F ldexp_exp(F p, F, F t, M keep) {
    const v128_t e = wasm_v128_and(keep, wasm_i32x4_add(wasm_i32x4_shl(t, 23), wasm_i32x4_splat(191 << 23)));
    return wasm_f32x4_mul(wasm_f32x4_mul(p, e), wasm_f32x4_splat(0x1p-64f));
  }

  static inline I set1_i(int32_t v) { return wasm_i32x4_splat(v); }
  static inline I cast_i(F v) { return v; }
  static inline F cast_f(I v) { return v; }
  static inline I sub_i(I a, I b) { return wasm_i32x4_sub(a, b); }
  static inline I srai23(I v) { return wasm_i32x4_shr(v, 23); }
  static inline I slli23(I v) { return wasm_i32x4_shl(v, 23); }
  static inline F cvt_i2f(I v) { return wasm_f32x4_convert_i32x4(v); }

  static inline D dlo(F v) { return wasm_f64x2_promote_low_f32x4(v); }
  static inline D dhi(F v) { return wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 2, 3)); }
  static inline F from_d(D lo, D hi) {
    return wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(lo), wasm_f32x4_demote_f64x2_zero(hi), 0, 1, 4, 5);
  }
  static inline D set1d(double v) { return wasm_f64x2_splat(v); }
  static inline D zerod() { return wasm_f64x2_splat(0.0); }
  static inline void stored(double* p, D v) { wasm_v128_store(p, v); }
  static inline D addd(D a, D b) { return wasm_f64x2_add(a, b); }
  static inline D subd(D a, D b) { return wasm_f64x2_sub(a, b); }
  static inline D muld(D a, D b) { return wasm_f64x2_mul(a, b); }
  static inline D divd(D a, D b) { return wasm_f64x2_div(a, b); }
  static inline D fmad(D a, D b, D c) { return wasm_f64x2_add(wasm_f64x2_mul(a, b), c); }
  static inline double hsum(D v) { return wasm_f64x2_extract_lane(v, 0) + wasm_f64x2_extract_lane(v, 1); }
};

#endif

// The ISA's operations plus the tail loads and stores and the tag-dispatched forms
// the block loops use.
struct V128 : V128Ops {
  static inline F loadn(const float* p, size_t n, float pad) {
    float b[4] = {pad, pad, pad, pad};
    memcpy(b, p, n * sizeof(float));
    return load(b);
  }
  static inline void storen(float* p, F v, size_t n) {
    float b[4];
    store(b, v);
    memcpy(p, b, n * sizeof(float));
  }
  template <int K>
  static inline F ld(Group<K>, const float* p, float) {
    return load(p);
  }
  static inline F ld(Part b, const float* p, float pad) { return loadn(p, b.n, pad); }
  template <int K>
  static inline void st(Group<K>, float* p, F v) {
    store(p, v);
  }
  static inline void st(Part b, float* p, F v) { storen(p, v, b.n); }
  // v with the lanes past the block replaced by pad.
  template <int K>
  static inline F padt(Group<K>, F v, float) {
    return v;
  }
  static inline F padt(Part b, F v, float pad) {
    float t[4];
    store(t, v);
    for (size_t i = b.n; i < 4; ++i) t[i] = pad;
    return load(t);
  }
};

}  // namespace distill_vm
}  // namespace
}  // namespace mp

#include "vec_math.h"

#endif  // __aarch64__ || __wasm_simd128__

#endif
