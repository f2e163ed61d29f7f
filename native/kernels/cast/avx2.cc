// AVX2 + F16C variant of the float down-casting kernels; ref.cc is the
// specification and every output here is bit-identical to it.
//
// This file is compiled for the baseline x86-64 ISA. Every function that uses AVX2
// or F16C carries MP_AVX2 (a target attribute) and is only reached through
// cast_avx2, which dispatch selects after cpu_features() reported AVX2 + FMA + F16C.
// Do not call non-intrinsic inline library functions from these functions.
//
// fp16 uses the F16C instructions. They match the reference exactly, NaN payloads
// included (checked over every input): vcvtps2ph with an immediate rounding mode
// ignores MXCSR.RC and FTZ, and quiets a NaN keeping the top of its payload;
// vcvtph2ps ignores DAZ and quiets a NaN shifting the payload up. bf16 uses the
// reference's integer rounding.
#include "cast_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)

#include <immintrin.h>

#define MP_AVX2 __attribute__((target("avx2,fma,f16c")))

namespace mp {
namespace {

// Lane counters are drained into the uint64_t totals after this many elements,
// long before an int32 lane could overflow. A multiple of the unrolled step.
constexpr size_t kChunk = size_t{1} << 20;

// Where a down-cast loses something, on |x|'s bits `a` (an int32 >= 0):
//   overflow   over_min <= a < 0x7F800000   (finite, rounds to Inf)
//   underflow  0 < a <= under_max           (non-zero, rounds to 0)
//   NaN        a > 0x7F800000
// Blocks of 32 are screened first: if all lanes have a < over_min and a == 0 or
// a > under_max, nothing is counted (and there is no NaN), and the block keeps the
// results of the plain conversion. Otherwise it is converted again, counting and
// fixing up.
struct Limits {
  int32_t over_min, under_max;
};
constexpr Limits kF16Limits = {0x477FF000, 0x33000000};  // 65520; 2^-25
constexpr Limits kBf16Limits = {0x7F7F8000, 0x00008000};

// Running signed max of a, and unsigned min of a - 1 (which is largest for a = 0).
struct Screen {
  __m256i max_a, min_a_1;
};

MP_AVX2 inline void screen_reset(Screen& s) {
  s.max_a = _mm256_setzero_si256();
  s.min_a_1 = _mm256_set1_epi32(-1);
}

MP_AVX2 inline void screen_add(Screen& s, __m256i a) {
  s.max_a = _mm256_max_epi32(s.max_a, a);
  s.min_a_1 = _mm256_min_epu32(s.min_a_1, _mm256_sub_epi32(a, _mm256_set1_epi32(1)));
}

MP_AVX2 inline bool screen_plain(const Screen& s, Limits lim) {
  const __m256i big = _mm256_cmpgt_epi32(s.max_a, _mm256_set1_epi32(lim.over_min - 1));
  // min_a_1 < under_max (unsigned) iff min(min_a_1, under_max - 1) == min_a_1.
  const __m256i tiny = _mm256_cmpeq_epi32(
      _mm256_min_epu32(s.min_a_1, _mm256_set1_epi32(lim.under_max - 1)), s.min_a_1);
  const __m256i any = _mm256_or_si256(big, tiny);
  return _mm256_testz_si256(any, any);
}

// Per-lane counts as sums of all-ones masks, i.e. minus the counts.
struct Tally {
  __m256i over, under, nan;
};

MP_AVX2 inline void tally_zero(Tally& t) {
  t.over = t.under = t.nan = _mm256_setzero_si256();
}

// Counts 8 lanes of |x|'s bits; returns the NaN mask.
MP_AVX2 inline __m256i tally8(Tally& t, __m256i a, Limits lim) {
  const __m256i inf = _mm256_set1_epi32(0x7F800000);
  const __m256i big = _mm256_cmpgt_epi32(a, _mm256_set1_epi32(lim.over_min - 1));  // incl. Inf, NaN
  const __m256i non_finite = _mm256_cmpgt_epi32(a, _mm256_sub_epi32(inf, _mm256_set1_epi32(1)));
  const __m256i nan = _mm256_cmpgt_epi32(a, inf);
  // a + 0x7FFFFFFF wraps 0 to INT32_MAX and 1.. to INT32_MIN.., so one signed
  // compare tests 0 < a <= under_max.
  const __m256i tiny = _mm256_cmpgt_epi32(
      _mm256_set1_epi32(static_cast<int32_t>(static_cast<uint32_t>(lim.under_max) + 0x80000000u)),
      _mm256_add_epi32(a, _mm256_set1_epi32(0x7FFFFFFF)));
  t.over = _mm256_add_epi32(t.over, _mm256_sub_epi32(big, non_finite));
  t.under = _mm256_add_epi32(t.under, tiny);
  t.nan = _mm256_add_epi32(t.nan, nan);
  return nan;
}

// Minus the sum of the 8 lanes.
MP_AVX2 inline uint64_t drain(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return static_cast<uint64_t>(-static_cast<int64_t>(_mm_cvtsi128_si32(s)));
}

MP_AVX2 inline void tally_add_to(const Tally& t, CastCounts* c) {
  c->overflowed += drain(t.over);
  c->underflowed += drain(t.under);
  c->nan += drain(t.nan);
}

MP_AVX2 inline __m256i abs_bits(__m256 x) {
  return _mm256_and_si256(_mm256_castps_si256(x), _mm256_set1_epi32(0x7FFFFFFF));
}

// GCC folds a loaded vector's second use into a second load of the same memory
// rather than reuse the register; on large arrays that costs (Zen 4). The empty
// asm makes the value opaque, so it is loaded once.
MP_AVX2 inline __m256 load_once(const float* x) {
  __m256 v = _mm256_loadu_ps(x);
  __asm__("" : "+x"(v));
  return v;
}

// All-ones in the first k (0..8) int32 lanes.
MP_AVX2 inline __m256i tail_mask(size_t k) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(k)),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Writes the low k (< 8) 16-bit lanes of v.
MP_AVX2 inline void store_u16s(uint16_t* out, __m128i v, size_t k) {
  const uint64_t lo = static_cast<uint64_t>(_mm_cvtsi128_si64(v));
  const uint64_t hi = static_cast<uint64_t>(_mm_extract_epi64(v, 1));
  for (size_t j = 0; j < k; ++j) out[j] = static_cast<uint16_t>(j < 4 ? lo >> (16 * j) : hi >> (16 * (j - 4)));
}

// The low k (< 8) 16-bit lanes of the result are h[0..k), the rest 0.
MP_AVX2 inline __m128i load_u16s(const uint16_t* h, size_t k) {
  uint64_t lo = 0, hi = 0;
  for (size_t j = 0; j < k; ++j) {
    if (j < 4)
      lo |= static_cast<uint64_t>(h[j]) << (16 * j);
    else
      hi |= static_cast<uint64_t>(h[j]) << (16 * (j - 4));
  }
  return _mm_set_epi64x(static_cast<long long>(hi), static_cast<long long>(lo));
}

MP_AVX2 inline void store8(uint16_t* out, __m128i h) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), h);
}

// The loop shared by the fp32 -> 16-bit casts. Cast has
//   plain(x)    8 floats -> 8 halves, right when the block screens plain
//   full(x, t)  8 floats -> 8 halves, right always, counting into t
template <typename Cast>
MP_AVX2 inline void down_cast(const float* x, uint16_t* out, size_t n, CastCounts* c, Cast cast) {
  for (size_t i = 0; i < n;) {
    const size_t end = n - i > kChunk ? i + kChunk : n;
    Tally t;
    tally_zero(t);
    for (; i + 32 <= end; i += 32) {
      Screen s;
      screen_reset(s);
      for (size_t j = i; j < i + 32; j += 8) {  // fully unrolled by the compiler
        const __m256 v = load_once(x + j);
        screen_add(s, abs_bits(v));
        store8(out + j, cast.plain(v));
      }
      if (!screen_plain(s, cast.lim))
        for (size_t j = i; j < i + 32; j += 8) store8(out + j, cast.full(_mm256_loadu_ps(x + j), t));
    }
    for (; i + 8 <= end; i += 8) store8(out + i, cast.full(_mm256_loadu_ps(x + i), t));
    if (i < end) {  // masked-off lanes read as +0, which counts as nothing
      store_u16s(out + i, cast.full(_mm256_maskload_ps(x + i, tail_mask(end - i)), t), end - i);
      i = end;
    }
    tally_add_to(t, c);
  }
}

// ---------------------------------------------------------------------------
// fp16

struct ToF16 {
  static constexpr Limits lim = kF16Limits;
  // Half to even, whatever MXCSR says.
  MP_AVX2 __m128i plain(__m256 x) const { return _mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT); }
  MP_AVX2 __m128i full(__m256 x, Tally& t) const {
    tally8(t, abs_bits(x), lim);
    return plain(x);
  }
};

MP_AVX2 void f32_to_f16_avx2(const float* x, uint16_t* out, size_t n, CastCounts* c) {
  down_cast(x, out, n, c, ToF16());
}

MP_AVX2 void f16_to_f32_avx2(const uint16_t* h, float* out, size_t n) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (size_t j = i; j < i + 32; j += 8)
      _mm256_storeu_ps(out + j, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + j))));
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i))));
  if (i < n)
    _mm256_maskstore_ps(out + i, tail_mask(n - i), _mm256_cvtph_ps(load_u16s(h + i, n - i)));
}

// ---------------------------------------------------------------------------
// bf16

// Rounds 8 floats (bits b) half to even on bit 16: adds 0x7FFF, plus 1 if bit 16 is
// set. The result is in the upper halves.
MP_AVX2 inline __m256i bf16_round(__m256i b) {
  const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(b, 16), _mm256_set1_epi32(1));
  return _mm256_add_epi32(b, _mm256_add_epi32(odd, _mm256_set1_epi32(0x7FFF)));
}

// The upper halves of 8 int32, in order. They fit 16 bits once shifted down, so the
// saturating pack is exact.
MP_AVX2 inline __m128i upper_halves(__m256i r) {
  r = _mm256_srli_epi32(r, 16);
  return _mm_packus_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
}

struct ToBf16 {
  static constexpr Limits lim = kBf16Limits;
  MP_AVX2 __m128i plain(__m256 x) const { return upper_halves(bf16_round(_mm256_castps_si256(x))); }
  MP_AVX2 __m128i full(__m256 x, Tally& t) const {
    const __m256i b = _mm256_castps_si256(x);
    const __m256i nan = tally8(t, abs_bits(x), lim);
    // NaN: set the quiet bit and truncate.
    return upper_halves(_mm256_blendv_epi8(bf16_round(b), _mm256_or_si256(b, _mm256_set1_epi32(0x00400000)), nan));
  }
};

MP_AVX2 void f32_to_bf16_avx2(const float* x, uint16_t* out, size_t n, CastCounts* c) {
  down_cast(x, out, n, c, ToBf16());
}

// bf16 -> fp32 is a 16-bit shift.
MP_AVX2 inline __m256 from_bf16(__m128i h) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

MP_AVX2 void bf16_to_f32_avx2(const uint16_t* h, float* out, size_t n) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (size_t j = i; j < i + 32; j += 8)
      _mm256_storeu_ps(out + j, from_bf16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + j))));
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, from_bf16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i))));
  if (i < n) _mm256_maskstore_ps(out + i, tail_mask(n - i), from_bf16(load_u16s(h + i, n - i)));
}

}  // namespace

const CastKernels cast_avx2 = {f32_to_f16_avx2, f16_to_f32_avx2, f32_to_bf16_avx2, bf16_to_f32_avx2};

}  // namespace mp

#endif  // x86-64
