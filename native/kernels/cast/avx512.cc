// AVX-512 variants of the float down-casting kernels; ref.cc is the specification
// and every output here is bit-identical to it.
//   cast_avx512      AVX-512 F/BW/DQ/VL: fp16 by vcvtps2ph / vcvtph2ps (zmm), bf16
//                    by the reference's integer rounding
//   cast_avx512bf16  the same, but fp32 -> bf16 by AVX512_BF16's vcvtneps2bf16
//
// This file is compiled for the baseline x86-64 ISA. Every function that uses
// AVX-512 carries MP_AVX512 or MP_AVX512BF16 (target attributes) and is only
// reached through the tables, which dispatch selects after cpu_features() reported
// the features. Do not call non-intrinsic inline library functions from these
// functions. Tails use masked loads and stores, which never touch the masked-off
// bytes.
//
// vcvtps2ph / vcvtph2ps match the reference exactly, NaN payloads included (see
// avx2.cc). vcvtneps2bf16 rounds half to even and quiets NaNs as the reference
// does ((bits >> 16) | 0x40, checked over every NaN), but it reads float32
// subnormals as 0; lanes holding one take the integer path instead.
#include "cast_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)

// GCC 12's AVX-512 headers trip a false -Wmaybe-uninitialized on their own
// _mm512_undefined_*() placeholders (GCC PR 105593, fixed in GCC 13).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <immintrin.h>

#define MP_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,f16c")))
#define MP_AVX512BF16 \
  __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,f16c,avx512bf16")))

namespace mp {
namespace {

// Lane counters are drained into the uint64_t totals after this many elements,
// long before an int32 lane could overflow. A multiple of the unrolled step.
constexpr size_t kChunk = size_t{1} << 20;

// Where a down-cast loses something, on |x|'s bits `a` (an int32 >= 0):
//   overflow   over_min <= a < 0x7F800000   (finite, rounds to Inf)
//   underflow  0 < a <= under_max           (non-zero, rounds to 0)
//   NaN        a > 0x7F800000
// Blocks of 64 are screened first: if all lanes have a < over_min and a == 0 or
// a > plain_min, nothing is counted (and there is no NaN), and the block keeps the
// results of the plain conversion. Otherwise it is converted again, counting and
// fixing up. plain_min >= under_max.
struct Limits {
  int32_t over_min, under_max, plain_min;
};
constexpr Limits kF16Limits = {0x477FF000, 0x33000000, 0x33000000};  // 65520; 2^-25
constexpr Limits kBf16Limits = {0x7F7F8000, 0x00008000, 0x00008000};
// vcvtneps2bf16 flushes float32 subnormals: screen them out too.
constexpr Limits kBf16NativeLimits = {0x7F7F8000, 0x00008000, 0x007FFFFF};

// Running signed max of a, and unsigned min of a - 1 (which is largest for a = 0).
struct Screen {
  __m512i max_a, min_a_1;
};

MP_AVX512 inline void screen_reset(Screen& s) {
  s.max_a = _mm512_setzero_si512();
  s.min_a_1 = _mm512_set1_epi32(-1);
}

MP_AVX512 inline void screen_add(Screen& s, __m512i a) {
  s.max_a = _mm512_max_epi32(s.max_a, a);
  s.min_a_1 = _mm512_min_epu32(s.min_a_1, _mm512_sub_epi32(a, _mm512_set1_epi32(1)));
}

MP_AVX512 inline bool screen_plain(const Screen& s, Limits lim) {
  return (_mm512_cmpge_epi32_mask(s.max_a, _mm512_set1_epi32(lim.over_min)) |
          _mm512_cmplt_epu32_mask(s.min_a_1, _mm512_set1_epi32(lim.plain_min))) == 0;
}

// Per-lane counts.
struct Tally {
  __m512i over, under, nan;
};

MP_AVX512 inline void tally_zero(Tally& t) {
  t.over = t.under = t.nan = _mm512_setzero_si512();
}

// Counts 16 lanes of |x|'s bits; returns the NaN mask.
MP_AVX512 inline __mmask16 tally16(Tally& t, __m512i a, Limits lim) {
  const __m512i inf = _mm512_set1_epi32(0x7F800000), one = _mm512_set1_epi32(1);
  const __mmask16 nan = _mm512_cmpgt_epi32_mask(a, inf);
  const __mmask16 over = _mm512_mask_cmplt_epi32_mask(
      _mm512_cmpge_epi32_mask(a, _mm512_set1_epi32(lim.over_min)), a, inf);
  const __mmask16 under = _mm512_mask_cmple_epi32_mask(_mm512_test_epi32_mask(a, a), a,
                                                       _mm512_set1_epi32(lim.under_max));
  t.over = _mm512_mask_add_epi32(t.over, over, t.over, one);
  t.under = _mm512_mask_add_epi32(t.under, under, t.under, one);
  t.nan = _mm512_mask_add_epi32(t.nan, nan, t.nan, one);
  return nan;
}

MP_AVX512 inline void tally_add_to(const Tally& t, CastCounts* c) {
  c->overflowed += static_cast<uint32_t>(_mm512_reduce_add_epi32(t.over));
  c->underflowed += static_cast<uint32_t>(_mm512_reduce_add_epi32(t.under));
  c->nan += static_cast<uint32_t>(_mm512_reduce_add_epi32(t.nan));
}

MP_AVX512 inline __m512i abs_bits(__m512 x) {
  return _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(0x7FFFFFFF));
}

// Mask of the first k (0..16) lanes.
MP_AVX512 inline __mmask16 tail_mask(size_t k) {
  return static_cast<__mmask16>((1u << k) - 1u);
}

// GCC folds a loaded vector's second use into a second load of the same memory
// rather than reuse the register; on large arrays that cost up to 40 % (Zen 4).
// The empty asm makes the value opaque, so it is loaded once.
MP_AVX512 inline __m512 load_once(const float* x) {
  __m512 v = _mm512_loadu_ps(x);
  __asm__("" : "+v"(v));
  return v;
}

MP_AVX512 inline void store16(uint16_t* out, __m256i h) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), h);
}

// The loop shared by the fp32 -> 16-bit casts. Cast has
//   plain(x)    16 floats -> 16 halves, right when the block screens plain
//   full(x, t)  16 floats -> 16 halves, right always, counting into t
template <typename Cast>
MP_AVX512 inline void down_cast(const float* x, uint16_t* out, size_t n, CastCounts* c, Cast cast) {
  for (size_t i = 0; i < n;) {
    const size_t end = n - i > kChunk ? i + kChunk : n;
    Tally t;
    tally_zero(t);
    for (; i + 64 <= end; i += 64) {
      Screen s;
      screen_reset(s);
      for (size_t j = i; j < i + 64; j += 16) {  // fully unrolled by the compiler
        const __m512 v = load_once(x + j);
        screen_add(s, abs_bits(v));
        store16(out + j, cast.plain(v));
      }
      if (!screen_plain(s, cast.lim))
        for (size_t j = i; j < i + 64; j += 16) store16(out + j, cast.full(_mm512_loadu_ps(x + j), t));
    }
    for (; i + 16 <= end; i += 16) store16(out + i, cast.full(_mm512_loadu_ps(x + i), t));
    if (i < end) {  // masked-off lanes read as +0, which counts as nothing
      const __mmask16 m = tail_mask(end - i);
      _mm256_mask_storeu_epi16(out + i, m, cast.full(_mm512_maskz_loadu_ps(m, x + i), t));
      i = end;
    }
    tally_add_to(t, c);
  }
}

// The loop shared by the 16-bit -> fp32 casts.
template <typename Widen16>
MP_AVX512 inline void up_cast(const uint16_t* h, float* out, size_t n, Widen16 widen16) {
  size_t i = 0;
  for (; i + 64 <= n; i += 64)
    for (size_t j = i; j < i + 64; j += 16)
      _mm512_storeu_ps(out + j, widen16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + j))));
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(out + i, widen16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i))));
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(out + i, m, widen16(_mm256_maskz_loadu_epi16(m, h + i)));
  }
}

// ---------------------------------------------------------------------------
// fp16

struct ToF16 {
  static constexpr Limits lim = kF16Limits;
  // Half to even, whatever MXCSR says.
  MP_AVX512 __m256i plain(__m512 x) const { return _mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT); }
  MP_AVX512 __m256i full(__m512 x, Tally& t) const {
    tally16(t, abs_bits(x), lim);
    return plain(x);
  }
};

struct FromF16 {
  MP_AVX512 __m512 operator()(__m256i h) const { return _mm512_cvtph_ps(h); }
};

MP_AVX512 void f32_to_f16_avx512(const float* x, uint16_t* out, size_t n, CastCounts* c) {
  down_cast(x, out, n, c, ToF16());
}

MP_AVX512 void f16_to_f32_avx512(const uint16_t* h, float* out, size_t n) {
  up_cast(h, out, n, FromF16());
}

// ---------------------------------------------------------------------------
// bf16

// Rounds 16 floats (bits b) half to even on bit 16: adds 0x7FFF, plus 1 if bit 16
// is set. The result is in the upper halves.
MP_AVX512 inline __m512i bf16_round(__m512i b) {
  const __m512i odd = _mm512_and_si512(_mm512_srli_epi32(b, 16), _mm512_set1_epi32(1));
  return _mm512_add_epi32(b, _mm512_add_epi32(odd, _mm512_set1_epi32(0x7FFF)));
}

MP_AVX512 inline __m256i upper_halves(__m512i r) {
  return _mm512_cvtepi32_epi16(_mm512_srli_epi32(r, 16));
}

// The reference's bf16 of 16 floats (bits b, NaN lanes `nan`).
MP_AVX512 inline __m256i bf16_by_integers(__m512i b, __mmask16 nan) {
  // NaN: set the quiet bit and truncate.
  return upper_halves(_mm512_mask_or_epi32(bf16_round(b), nan, b, _mm512_set1_epi32(0x00400000)));
}

struct ToBf16 {
  static constexpr Limits lim = kBf16Limits;
  MP_AVX512 __m256i plain(__m512 x) const { return upper_halves(bf16_round(_mm512_castps_si512(x))); }
  MP_AVX512 __m256i full(__m512 x, Tally& t) const {
    return bf16_by_integers(_mm512_castps_si512(x), tally16(t, abs_bits(x), lim));
  }
};

struct FromBf16 {
  MP_AVX512 __m512 operator()(__m256i h) const {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
};

MP_AVX512 void f32_to_bf16_avx512(const float* x, uint16_t* out, size_t n, CastCounts* c) {
  down_cast(x, out, n, c, ToBf16());
}

MP_AVX512 void bf16_to_f32_avx512(const uint16_t* h, float* out, size_t n) {
  up_cast(h, out, n, FromBf16());
}

// vcvtneps2bf16, with the integer path for the lanes it would flush.
MP_AVX512BF16 inline __m256i bf16_native(__m512 x) {
  return reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(x));
}

MP_AVX512BF16 inline __m256i bf16_native_full(__m512 x, Tally& t) {
  const __m512i a = abs_bits(x);
  const __mmask16 nan = tally16(t, a, kBf16NativeLimits);
  __m256i r = bf16_native(x);
  // Subnormal: 0 < a < 0x00800000, i.e. a - 1 < 0x007FFFFF unsigned.
  const __mmask16 sub = _mm512_cmplt_epu32_mask(_mm512_sub_epi32(a, _mm512_set1_epi32(1)),
                                                _mm512_set1_epi32(0x007FFFFF));
  if (sub) r = _mm256_mask_blend_epi16(sub, r, bf16_by_integers(_mm512_castps_si512(x), nan));
  return r;
}

// down_cast() with a target that lacks AVX512_BF16 cannot inline vcvtneps2bf16, so
// this one spells the same loop out.
MP_AVX512BF16 void f32_to_bf16_avx512bf16(const float* x, uint16_t* out, size_t n, CastCounts* c) {
  for (size_t i = 0; i < n;) {
    const size_t end = n - i > kChunk ? i + kChunk : n;
    Tally t;
    tally_zero(t);
    for (; i + 64 <= end; i += 64) {
      Screen s;
      screen_reset(s);
      for (size_t j = i; j < i + 64; j += 16) {
        const __m512 v = load_once(x + j);
        screen_add(s, abs_bits(v));
        store16(out + j, bf16_native(v));
      }
      if (!screen_plain(s, kBf16NativeLimits))
        for (size_t j = i; j < i + 64; j += 16) store16(out + j, bf16_native_full(_mm512_loadu_ps(x + j), t));
    }
    for (; i + 16 <= end; i += 16) store16(out + i, bf16_native_full(_mm512_loadu_ps(x + i), t));
    if (i < end) {
      const __mmask16 m = tail_mask(end - i);
      _mm256_mask_storeu_epi16(out + i, m, bf16_native_full(_mm512_maskz_loadu_ps(m, x + i), t));
      i = end;
    }
    tally_add_to(t, c);
  }
}

}  // namespace

const CastKernels cast_avx512 = {f32_to_f16_avx512, f16_to_f32_avx512, f32_to_bf16_avx512,
                                 bf16_to_f32_avx512};
const CastKernels cast_avx512bf16 = {f32_to_f16_avx512, f16_to_f32_avx512, f32_to_bf16_avx512bf16,
                                     bf16_to_f32_avx512};

}  // namespace mp

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // x86-64
