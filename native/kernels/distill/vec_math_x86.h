// Vector operations of the x86 distill variants (AVX2: Avx2, 8 floats; AVX-512:
// Avx512, 16 floats) and, through vec_math.h, their exp and log. Every function
// carries its ISA's target attribute, so the including TU is compiled for the
// baseline ISA. The includer first defines MP_DISTILL_TARGET as the attribute of
// the ISA it uses (the generic templates of vec_math.h take it); everything is in
// an anonymous namespace, so each TU keeps its own copies.
//
// Besides arithmetic, each type has the tail helpers of the kernels' block loops:
// loadn (the first n lanes from memory, `pad` in the others, never touching memory
// past them), storen (the first n lanes only) and padt (pad the lanes past n), in
// forms taking a Group<K> or Part tag so that one loop body serves whole vectors and
// the tail; and the double halves of a float vector for sums in double. Exp
// scaling: AVX-512 uses vscalefps (one rounding, denormals included); AVX2
// multiplies by 2^(n + 64), exact since the product stays normal, then by 2^-64,
// which rounds once. Lanes far below (exp < 2^-150) get an exact 0 by masking, not
// by an underflowing operation, which costs extra cycles on some cores.
#ifndef MODELPRESS_DISTILL_VEC_MATH_X86_H
#define MODELPRESS_DISTILL_VEC_MATH_X86_H

#if defined(__x86_64__) || defined(_M_X64)

// GCC 12's AVX-512 headers trip a false -W(maybe-)uninitialized on their own
// _mm512_undefined_*() placeholders (GCC PR 105593, fixed in GCC 13); the state at
// the intrinsics' definitions is what counts, so this covers every use.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#include <stddef.h>
#include <stdint.h>

#define MP_DISTILL_AVX2_FN __attribute__((target("avx2,fma"), always_inline)) static inline
#define MP_DISTILL_AVX512_FN \
  __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma"), always_inline)) static inline

namespace mp {
namespace {
namespace distill_vm {

// Block tags of the kernels' loops: K whole vectors, or the first n lanes
// (0 < n < width) of one.
template <int K>
struct Group {
  static constexpr int kVecs = K;
};
struct Part {
  static constexpr int kVecs = 1;
  size_t n;
};

struct Avx2 {
  using F = __m256;
  using I = __m256i;
  using D = __m256d;
  using M = __m256;
  static constexpr size_t kW = 8;

  MP_DISTILL_AVX2_FN F set1(float v) { return _mm256_set1_ps(v); }
  MP_DISTILL_AVX2_FN F zero() { return _mm256_setzero_ps(); }
  MP_DISTILL_AVX2_FN F load(const float* p) { return _mm256_loadu_ps(p); }
  MP_DISTILL_AVX2_FN void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  MP_DISTILL_AVX2_FN __m256i lanes_below(size_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  MP_DISTILL_AVX2_FN F loadn(const float* p, size_t n, float pad) {
    const __m256i m = lanes_below(n);
    return _mm256_blendv_ps(_mm256_set1_ps(pad), _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
  }
  MP_DISTILL_AVX2_FN void storen(float* p, F v, size_t n) { _mm256_maskstore_ps(p, lanes_below(n), v); }
  template <int K>
  MP_DISTILL_AVX2_FN F ld(Group<K>, const float* p, float) {
    return load(p);
  }
  MP_DISTILL_AVX2_FN F ld(Part b, const float* p, float pad) { return loadn(p, b.n, pad); }
  template <int K>
  MP_DISTILL_AVX2_FN void st(Group<K>, float* p, F v) {
    store(p, v);
  }
  MP_DISTILL_AVX2_FN void st(Part b, float* p, F v) { storen(p, v, b.n); }
  // v with the lanes past the block replaced by pad.
  template <int K>
  MP_DISTILL_AVX2_FN F padt(Group<K>, F v, float) {
    return v;
  }
  MP_DISTILL_AVX2_FN F padt(Part b, F v, float pad) {
    return _mm256_blendv_ps(_mm256_set1_ps(pad), v, _mm256_castsi256_ps(lanes_below(b.n)));
  }

  MP_DISTILL_AVX2_FN F add(F a, F b) { return _mm256_add_ps(a, b); }
  MP_DISTILL_AVX2_FN F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  MP_DISTILL_AVX2_FN F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  MP_DISTILL_AVX2_FN F fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  MP_DISTILL_AVX2_FN F max(F a, F b) { return _mm256_max_ps(a, b); }
  MP_DISTILL_AVX2_FN F min(F a, F b) { return _mm256_min_ps(a, b); }
  MP_DISTILL_AVX2_FN float reduce_max(F v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
  }
  MP_DISTILL_AVX2_FN float reduce_min(F v) {
    __m128 m = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_min_ps(m, _mm_movehl_ps(m, m));
    m = _mm_min_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
  }
  MP_DISTILL_AVX2_FN M eq(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  MP_DISTILL_AVX2_FN M ge(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
  MP_DISTILL_AVX2_FN M gt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  MP_DISTILL_AVX2_FN M lt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  MP_DISTILL_AVX2_FN F zero_unless(M m, F v) { return _mm256_and_ps(m, v); }
  MP_DISTILL_AVX2_FN F mul_if(M m, F a, F b) { return _mm256_and_ps(m, _mm256_mul_ps(a, b)); }  // m ? a b : 0
  MP_DISTILL_AVX2_FN F select(M m, F if_true, F if_false) { return _mm256_blendv_ps(if_false, if_true, m); }
  // keep ? p * 2^n : 0 for n = t - 1.5 * 2^23 in [-150, 63] (t from the rounding
  // trick). The 0 comes from a zero scale, so far-off lanes cost no underflow.
  MP_DISTILL_AVX2_FN F ldexp_exp(F p, F, F t, M keep) {
    const __m256i e = _mm256_add_epi32(_mm256_slli_epi32(_mm256_castps_si256(t), 23), _mm256_set1_epi32(191 << 23));
    const __m256 scale = _mm256_and_ps(keep, _mm256_castsi256_ps(e));
    return _mm256_mul_ps(_mm256_mul_ps(p, scale), _mm256_set1_ps(0x1p-64f));
  }

  MP_DISTILL_AVX2_FN I set1_i(int32_t v) { return _mm256_set1_epi32(v); }
  MP_DISTILL_AVX2_FN I cast_i(F v) { return _mm256_castps_si256(v); }
  MP_DISTILL_AVX2_FN F cast_f(I v) { return _mm256_castsi256_ps(v); }
  MP_DISTILL_AVX2_FN I sub_i(I a, I b) { return _mm256_sub_epi32(a, b); }
  MP_DISTILL_AVX2_FN I srai23(I v) { return _mm256_srai_epi32(v, 23); }
  MP_DISTILL_AVX2_FN I slli23(I v) { return _mm256_slli_epi32(v, 23); }
  MP_DISTILL_AVX2_FN F cvt_i2f(I v) { return _mm256_cvtepi32_ps(v); }

  MP_DISTILL_AVX2_FN D dlo(F v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
  MP_DISTILL_AVX2_FN D dhi(F v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }
  MP_DISTILL_AVX2_FN F from_d(D lo, D hi) {
    return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo)), _mm256_cvtpd_ps(hi), 1);
  }
  MP_DISTILL_AVX2_FN D set1d(double v) { return _mm256_set1_pd(v); }
  MP_DISTILL_AVX2_FN D zerod() { return _mm256_setzero_pd(); }
  MP_DISTILL_AVX2_FN void stored(double* p, D v) { _mm256_storeu_pd(p, v); }
  MP_DISTILL_AVX2_FN D addd(D a, D b) { return _mm256_add_pd(a, b); }
  MP_DISTILL_AVX2_FN D subd(D a, D b) { return _mm256_sub_pd(a, b); }
  MP_DISTILL_AVX2_FN D muld(D a, D b) { return _mm256_mul_pd(a, b); }
  MP_DISTILL_AVX2_FN D divd(D a, D b) { return _mm256_div_pd(a, b); }
  MP_DISTILL_AVX2_FN D fmad(D a, D b, D c) { return _mm256_fmadd_pd(a, b, c); }
  MP_DISTILL_AVX2_FN double hsum(D v) {
    const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
  }
};

struct Avx512 {
  using F = __m512;
  using I = __m512i;
  using D = __m512d;
  using M = __mmask16;
  static constexpr size_t kW = 16;

  MP_DISTILL_AVX512_FN F set1(float v) { return _mm512_set1_ps(v); }
  MP_DISTILL_AVX512_FN F zero() { return _mm512_setzero_ps(); }
  MP_DISTILL_AVX512_FN F load(const float* p) { return _mm512_loadu_ps(p); }
  MP_DISTILL_AVX512_FN void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  MP_DISTILL_AVX512_FN __mmask16 lanes_below(size_t n) { return static_cast<__mmask16>((1u << n) - 1u); }
  MP_DISTILL_AVX512_FN F loadn(const float* p, size_t n, float pad) {
    return _mm512_mask_loadu_ps(_mm512_set1_ps(pad), lanes_below(n), p);
  }
  MP_DISTILL_AVX512_FN void storen(float* p, F v, size_t n) { _mm512_mask_storeu_ps(p, lanes_below(n), v); }
  template <int K>
  MP_DISTILL_AVX512_FN F ld(Group<K>, const float* p, float) {
    return load(p);
  }
  MP_DISTILL_AVX512_FN F ld(Part b, const float* p, float pad) { return loadn(p, b.n, pad); }
  template <int K>
  MP_DISTILL_AVX512_FN void st(Group<K>, float* p, F v) {
    store(p, v);
  }
  MP_DISTILL_AVX512_FN void st(Part b, float* p, F v) { storen(p, v, b.n); }
  template <int K>
  MP_DISTILL_AVX512_FN F padt(Group<K>, F v, float) {
    return v;
  }
  MP_DISTILL_AVX512_FN F padt(Part b, F v, float pad) {
    return _mm512_mask_mov_ps(_mm512_set1_ps(pad), lanes_below(b.n), v);
  }

  MP_DISTILL_AVX512_FN F add(F a, F b) { return _mm512_add_ps(a, b); }
  MP_DISTILL_AVX512_FN F sub(F a, F b) { return _mm512_sub_ps(a, b); }
  MP_DISTILL_AVX512_FN F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  MP_DISTILL_AVX512_FN F fma(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  MP_DISTILL_AVX512_FN F max(F a, F b) { return _mm512_max_ps(a, b); }
  MP_DISTILL_AVX512_FN F min(F a, F b) { return _mm512_min_ps(a, b); }
  MP_DISTILL_AVX512_FN float reduce_max(F v) {
    __m256 m8 = _mm256_max_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(m8), _mm256_extractf128_ps(m8, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
  }
  MP_DISTILL_AVX512_FN float reduce_min(F v) {
    __m256 m8 = _mm256_min_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
    __m128 m = _mm_min_ps(_mm256_castps256_ps128(m8), _mm256_extractf128_ps(m8, 1));
    m = _mm_min_ps(m, _mm_movehl_ps(m, m));
    m = _mm_min_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
  }
  MP_DISTILL_AVX512_FN M eq(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  MP_DISTILL_AVX512_FN M ge(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
  MP_DISTILL_AVX512_FN M gt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  MP_DISTILL_AVX512_FN M lt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  MP_DISTILL_AVX512_FN F zero_unless(M m, F v) { return _mm512_maskz_mov_ps(m, v); }
  MP_DISTILL_AVX512_FN F mul_if(M m, F a, F b) { return _mm512_maskz_mul_ps(m, a, b); }
  MP_DISTILL_AVX512_FN F select(M m, F if_true, F if_false) { return _mm512_mask_mov_ps(if_false, m, if_true); }
  MP_DISTILL_AVX512_FN F ldexp_exp(F p, F n, F, M keep) { return _mm512_maskz_scalef_ps(keep, p, n); }

  MP_DISTILL_AVX512_FN I set1_i(int32_t v) { return _mm512_set1_epi32(v); }
  MP_DISTILL_AVX512_FN I cast_i(F v) { return _mm512_castps_si512(v); }
  MP_DISTILL_AVX512_FN F cast_f(I v) { return _mm512_castsi512_ps(v); }
  MP_DISTILL_AVX512_FN I sub_i(I a, I b) { return _mm512_sub_epi32(a, b); }
  MP_DISTILL_AVX512_FN I srai23(I v) { return _mm512_srai_epi32(v, 23); }
  MP_DISTILL_AVX512_FN I slli23(I v) { return _mm512_slli_epi32(v, 23); }
  MP_DISTILL_AVX512_FN F cvt_i2f(I v) { return _mm512_cvtepi32_ps(v); }

  MP_DISTILL_AVX512_FN D dlo(F v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
  MP_DISTILL_AVX512_FN D dhi(F v) { return _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)); }
  MP_DISTILL_AVX512_FN F from_d(D lo, D hi) {
    return _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo)), _mm512_cvtpd_ps(hi), 1);
  }
  MP_DISTILL_AVX512_FN D set1d(double v) { return _mm512_set1_pd(v); }
  MP_DISTILL_AVX512_FN D zerod() { return _mm512_setzero_pd(); }
  MP_DISTILL_AVX512_FN void stored(double* p, D v) { _mm512_storeu_pd(p, v); }
  MP_DISTILL_AVX512_FN D addd(D a, D b) { return _mm512_add_pd(a, b); }
  MP_DISTILL_AVX512_FN D subd(D a, D b) { return _mm512_sub_pd(a, b); }
  MP_DISTILL_AVX512_FN D muld(D a, D b) { return _mm512_mul_pd(a, b); }
  MP_DISTILL_AVX512_FN D divd(D a, D b) { return _mm512_div_pd(a, b); }
  MP_DISTILL_AVX512_FN D fmad(D a, D b, D c) { return _mm512_fmadd_pd(a, b, c); }
  MP_DISTILL_AVX512_FN double hsum(D v) {
    const __m256d s4 = _mm256_add_pd(_mm512_castpd512_pd256(v), _mm512_extractf64x4_pd(v, 1));
    const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd(s4, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
  }
};

}  // namespace distill_vm
}  // namespace
}  // namespace mp

#include "vec_math.h"

#endif  // x86-64

#endif
