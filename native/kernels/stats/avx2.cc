// AVX2 variant of the statistics kernels; ref.cc is the specification. Maxima,
// histogram counts and error_sums_each are bit-identical to it; error_sums differs
// only in the order of the additions.
//
// This file is compiled for the baseline x86-64 ISA. Every function that uses AVX2
// carries MP_AVX2 (a target attribute) and is only reached through stats_avx2,
// which dispatch selects after cpu_features() reported AVX2 + FMA. Do not call
// non-intrinsic inline library functions from these functions.
// No fused multiply-adds: every product and sum is its own IEEE operation, as in
// ref.cc (the build uses -ffp-contract=off).
#include "histogram_counter.h"
#include "stats_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)

#include <immintrin.h>

#define MP_AVX2 __attribute__((target("avx2,fma")))

namespace mp {
namespace {

using namespace histogram_counter;

MP_AVX2 inline __m256d abs_pd(__m256d v) {
  return _mm256_and_pd(v, _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL)));
}

// All-ones in the first k (0..4) int32 lanes.
MP_AVX2 inline __m128i tail_mask4(size_t k) {
  return _mm_cmpgt_epi32(_mm_set1_epi32(static_cast<int>(k)), _mm_setr_epi32(0, 1, 2, 3));
}

// ---------------------------------------------------------------------------
// error_sums

// Four lanes of each running sum / maximum.
struct Acc {
  __m256d sq_err, abs_err, max_err, sq_x, sq_y, xy, max_x;
};

// e = y - x is exact (both are floats). max_pd(v, m) is "v > m ? v : m", the
// reference's update (NaN v leaves m alone).
MP_AVX2 inline void fold4(__m256d x, __m256d y, Acc& a) {
  const __m256d e = _mm256_sub_pd(y, x);
  const __m256d ae = abs_pd(e);
  a.sq_err = _mm256_add_pd(a.sq_err, _mm256_mul_pd(e, e));
  a.abs_err = _mm256_add_pd(a.abs_err, ae);
  a.max_err = _mm256_max_pd(ae, a.max_err);
  a.sq_x = _mm256_add_pd(a.sq_x, _mm256_mul_pd(x, x));
  a.sq_y = _mm256_add_pd(a.sq_y, _mm256_mul_pd(y, y));
  a.xy = _mm256_add_pd(a.xy, _mm256_mul_pd(x, y));
  a.max_x = _mm256_max_pd(abs_pd(x), a.max_x);
}

MP_AVX2 inline __m256d load4(const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }

MP_AVX2 inline double hsum(__m256d v) {
  const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

MP_AVX2 inline double hmax(__m256d v) {
  const __m128d m = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_max_sd(m, _mm_unpackhi_pd(m, m)));
}

MP_AVX2 void error_sums_avx2(const float* x, const float* y, size_t n, ErrorSums* acc) {
  if (n == 0) return;
  Acc a;
  a.sq_err = a.abs_err = a.sq_x = a.sq_y = a.xy = _mm256_setzero_pd();
  a.max_err = _mm256_set1_pd(acc->max_abs_err);
  a.max_x = _mm256_set1_pd(acc->max_abs_x);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    fold4(load4(x + i), load4(y + i), a);
    fold4(load4(x + i + 4), load4(y + i + 4), a);
  }
  for (; i + 4 <= n; i += 4) fold4(load4(x + i), load4(y + i), a);
  if (i < n) {
    // Masked-off lanes read 0 and add +0 to the sums; the maxima keep their old
    // value there.
    const __m128i m = tail_mask4(n - i);
    const __m256d keep = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(m));
    const __m256d old_err = a.max_err, old_x = a.max_x;
    fold4(_mm256_cvtps_pd(_mm_maskload_ps(x + i, m)), _mm256_cvtps_pd(_mm_maskload_ps(y + i, m)), a);
    a.max_err = _mm256_blendv_pd(old_err, a.max_err, keep);
    a.max_x = _mm256_blendv_pd(old_x, a.max_x, keep);
  }
  acc->sum_sq_err += hsum(a.sq_err);
  acc->sum_abs_err += hsum(a.abs_err);
  acc->max_abs_err = hmax(a.max_err);
  acc->sum_sq_x += hsum(a.sq_x);
  acc->sum_sq_y += hsum(a.sq_y);
  acc->sum_xy += hsum(a.xy);
  acc->max_abs_x = hmax(a.max_x);
}

// ---------------------------------------------------------------------------
// error_sums_each
//
// Two ErrorSums are 14 doubles: seven 128-bit vectors, whose lanes hold
// (element, field)
//   k=0: (0,0) (0,1)   k=1: (0,2) (0,3)   k=2: (0,4) (0,5)   k=3: (0,6) (1,0)
//   k=4: (1,1) (1,2)   k=5: (1,3) (1,4)   k=6: (1,5) (1,6)
// The terms (e^2, |e|, x^2, y^2, xy, |x|, each exactly as the reference computes
// them) are computed for four elements at once, put into that layout two elements
// at a time with one shuffle per vector, and added to the sums, or for fields 2
// and 6 (max |e|, max |x|) compared. Each field gets exactly the reference's one
// operation, so the results are bit-identical. (Permuting into 256-bit vectors
// takes more shuffles than it saves.)

// Adds t to both lanes of the sums at s, except that lane `max_lane` (0, 1, or -1
// for none) takes the maximum instead: max_pd(t, old) = "t > old ? t : old".
template <int max_lane>
MP_AVX2 inline void update(double* s, __m128d t) {
  const __m128d old = _mm_loadu_pd(s);
  __m128d r = _mm_add_pd(old, t);
  if (max_lane >= 0) r = _mm_blend_pd(r, _mm_max_pd(t, old), 1 << (max_lane & 1));
  _mm_storeu_pd(s, r);
}

// Two elements (the low and high lanes of the terms) into the 14 doubles at s.
MP_AVX2 inline void fold_each2(double* s, __m128d sq_e, __m128d abs_e, __m128d sq_x,
                               __m128d sq_y, __m128d xy, __m128d abs_x) {
  update<-1>(s + 0, _mm_unpacklo_pd(sq_e, abs_e));
  update<0>(s + 2, _mm_unpacklo_pd(abs_e, sq_x));
  update<-1>(s + 4, _mm_unpacklo_pd(sq_y, xy));
  update<0>(s + 6, _mm_blend_pd(abs_x, sq_e, 2));
  update<1>(s + 8, _mm_unpackhi_pd(abs_e, abs_e));
  update<-1>(s + 10, _mm_unpackhi_pd(sq_x, sq_y));
  update<1>(s + 12, _mm_unpackhi_pd(xy, abs_x));
}

// Four elements into the 28 doubles at s.
MP_AVX2 inline void fold_each4(double* s, __m256d x, __m256d y) {
  const __m256d e = _mm256_sub_pd(y, x);
  const __m256d sq_e = _mm256_mul_pd(e, e), abs_e = abs_pd(e), sq_x = _mm256_mul_pd(x, x),
                sq_y = _mm256_mul_pd(y, y), xy = _mm256_mul_pd(x, y), abs_x = abs_pd(x);
  fold_each2(s, _mm256_castpd256_pd128(sq_e), _mm256_castpd256_pd128(abs_e),
             _mm256_castpd256_pd128(sq_x), _mm256_castpd256_pd128(sq_y),
             _mm256_castpd256_pd128(xy), _mm256_castpd256_pd128(abs_x));
  fold_each2(s + 14, _mm256_extractf128_pd(sq_e, 1), _mm256_extractf128_pd(abs_e, 1),
             _mm256_extractf128_pd(sq_x, 1), _mm256_extractf128_pd(sq_y, 1),
             _mm256_extractf128_pd(xy, 1), _mm256_extractf128_pd(abs_x, 1));
}

MP_AVX2 void error_sums_each_avx2(const float* x, const float* y, size_t n, ErrorSums* acc) {
  static_assert(sizeof(ErrorSums) == 7 * sizeof(double), "ErrorSums must be 7 packed doubles");
  double* s = reinterpret_cast<double*>(acc);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) fold_each4(s + 7 * i, load4(x + i), load4(y + i));
  if (i < n) {
    // 1..3 elements left: run them through a padded copy of their sums (masked-off
    // inputs read as 0; the padding sums are thrown away).
    const size_t r = n - i;
    const __m128i in = tail_mask4(r);
    double sb[28] = {};
    for (size_t j = 0; j < 7 * r; ++j) sb[j] = s[7 * i + j];
    fold_each4(sb, _mm256_cvtps_pd(_mm_maskload_ps(x + i, in)),
               _mm256_cvtps_pd(_mm_maskload_ps(y + i, in)));
    for (size_t j = 0; j < 7 * r; ++j) s[7 * i + j] = sb[j];
  }
}

// ---------------------------------------------------------------------------
// histogram, histogram_range
//
// The bin indices are computed 8 at a time exactly as the reference does (in
// double: subtract, multiply, floor, clamp), and the ones of counted values are
// appended to the IndexBuffer of histogram_counter.h, which counts them with
// scalar increments a few vectors later, while the next vectors' indices are
// being computed. Whether a value is counted is decided on the floats, against
// the float bounds of [lo, hi] (see float_at_or_above): one compare per bound.

struct BinParams {
  __m256d lo, inv_width, last, magic;
  __m256 lo_f, hi_f;
  __m256i offset;
};

// Adding 2^52 to an integer in [0, 2^32) leaves it in the low 32 bits of the
// double's mantissa, which replaces a (signed-only, in AVX2) conversion.
constexpr double kMagic = 4503599627370496.0;

MP_AVX2 inline BinParams bin_params(double lo, double hi, double inv_width, uint32_t bins,
                                    const Counter& c) {
  BinParams p;
  p.lo = _mm256_set1_pd(lo);
  p.inv_width = _mm256_set1_pd(inv_width);
  p.last = _mm256_set1_pd(static_cast<double>(bins - 1));
  p.magic = _mm256_set1_pd(kMagic);
  p.lo_f = _mm256_set1_ps(float_at_or_above(lo));
  p.hi_f = _mm256_set1_ps(float_at_or_below(hi));
  alignas(32) uint32_t offset[8];
  for (uint32_t j = 0; j < 8; ++j) offset[j] = lane_offset(c, j);
  p.offset = _mm256_load_si256(reinterpret_cast<const __m256i*>(offset));
  return p;
}

// 4 values: the index bits, in the low half of each 64-bit lane.
MP_AVX2 inline __m256d bin_index4(__m128 xf, const BinParams& p) {
  __m256d b = _mm256_mul_pd(_mm256_sub_pd(_mm256_cvtps_pd(xf), p.lo), p.inv_width);
  b = _mm256_round_pd(b, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  b = _mm256_min_pd(b, p.last);  // "b < last ? b : last" = the reference's clamp
  return _mm256_add_pd(b, p.magic);
}

// The eight indices come out of bin8's shuffle in the order of the values 0 1 4 5
// 2 3 6 7: value j sits at position kPosition[j].
constexpr uint8_t kPosition[8] = {0, 1, 4, 5, 2, 3, 6, 7};

// For each mask m of counted values (bit j: value j), the positions of those
// values, packed to the front, one byte each: the permutation that compacts them.
struct CompactTable {
  uint64_t perm[256];
  constexpr CompactTable() : perm() {
    for (unsigned m = 0; m < 256; ++m) {
      unsigned k = 0;
      for (unsigned j = 0; j < 8; ++j)
        if ((m >> j) & 1) perm[m] |= uint64_t{kPosition[j]} << (8 * k++);
    }
  }
};
constexpr CompactTable kCompact;

// Stores the indices of the counted values among the lanes `in` (bit mask) of xf,
// packed, at q (all 8 lanes are written); returns how many.
MP_AVX2 inline size_t bin8(__m256 xf, int in, const BinParams& p, uint32_t* q) {
  const __m256 counted_lanes =
      _mm256_and_ps(_mm256_cmp_ps(xf, p.lo_f, _CMP_GE_OQ), _mm256_cmp_ps(xf, p.hi_f, _CMP_LE_OQ));
  const __m256d b0 = bin_index4(_mm256_castps256_ps128(xf), p);
  const __m256d b1 = bin_index4(_mm256_extractf128_ps(xf, 1), p);
  // The low dwords of the eight 64-bit lanes (in the order of kPosition), plus
  // the lanes' copy offsets (any lane-to-copy assignment will do).
  const __m256 mixed =
      _mm256_shuffle_ps(_mm256_castpd_ps(b0), _mm256_castpd_ps(b1), _MM_SHUFFLE(2, 0, 2, 0));
  const __m256i idx = _mm256_add_epi32(_mm256_castps_si256(mixed), p.offset);
  const unsigned m = static_cast<unsigned>(_mm256_movemask_ps(counted_lanes) & in);
  const __m256i perm =
      _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(kCompact.perm + m)));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(q), _mm256_permutevar8x32_epi32(idx, perm));
  return static_cast<size_t>(__builtin_popcount(m));
}

// Appends the indices of the counted values among the 16 values a, b (one
// IndexBuffer step for both: it is not free).
MP_AVX2 inline void bin16(__m256 a, __m256 b, const BinParams& p, IndexBuffer& buf, Counter& c) {
  uint32_t* q = buf.next(c);
  const size_t k = bin8(a, 0xff, p, q);
  buf.advance(k + bin8(b, 0xff, p, q + k));
}

// All-ones in the first k (0..8) int32 lanes.
MP_AVX2 inline __m256i tail_mask8(size_t k) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(k)),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

MP_AVX2 void histogram_avx2(const float* x, size_t n, double lo, double hi, double inv_width,
                            uint32_t bins, uint64_t* counts) {
  uint32_t scratch[kScratchBins];
  Counter c = make_counter(bins, scratch, counts);
  const BinParams p = bin_params(lo, hi, inv_width, bins, c);
  alignas(64) uint32_t words[kBufferWords];
  IndexBuffer buf(words);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) bin16(_mm256_loadu_ps(x + i), _mm256_loadu_ps(x + i + 8), p, buf, c);
  for (; i < n; i += 8) {
    const size_t k = n - i >= 8 ? 8 : n - i;
    buf.advance(bin8(_mm256_maskload_ps(x + i, tail_mask8(k)), (1 << k) - 1, p, buf.next(c)));
  }
  buf.drain(c);
  finish(c);
}

MP_AVX2 inline float hmin(__m256 v) {
  __m128 m = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_min_ps(m, _mm_movehl_ps(m, m));
  return _mm_cvtss_f32(_mm_min_ss(m, _mm_shuffle_ps(m, m, 1)));
}

MP_AVX2 inline float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  return _mm_cvtss_f32(_mm_max_ss(m, _mm_shuffle_ps(m, m, 1)));
}

// Running min / max of the values seen ("a < lo ? a : lo" is min_ps(a, lo), the
// reference's update), and the OR of the bits of a - a over them: +0 for a finite
// a, NaN for NaN or +-Inf, so the OR is nonzero iff some value was not finite.
struct Range {
  __m256 lo, hi, bad;
};

MP_AVX2 inline void range_fold(Range& r, __m256 a) {
  r.lo = _mm256_min_ps(a, r.lo);
  r.hi = _mm256_max_ps(a, r.hi);
  r.bad = _mm256_or_ps(r.bad, _mm256_sub_ps(a, a));
}

MP_AVX2 bool histogram_range_avx2(const float* x, size_t n, double lo, double hi, double inv_width,
                                  uint32_t bins, uint64_t* counts, float* mn, float* mx) {
  uint32_t scratch[kScratchBins];
  Counter c = make_counter(bins, scratch, counts);
  const BinParams p = bin_params(lo, hi, inv_width, bins, c);
  alignas(64) uint32_t words[kBufferWords];
  IndexBuffer buf(words);
  Range r = {_mm256_set1_ps(*mn), _mm256_set1_ps(*mx), _mm256_setzero_ps()};
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
    range_fold(r, a);
    range_fold(r, b);
    bin16(a, b, p, buf, c);
  }
  for (; i < n; i += 8) {
    // The lanes past the end load as +0, which is finite; min / max keep their old
    // value there.
    const size_t k = n - i >= 8 ? 8 : n - i;
    const __m256i m = tail_mask8(k);
    const __m256 a = _mm256_maskload_ps(x + i, m), keep = _mm256_castsi256_ps(m);
    const Range old = r;
    range_fold(r, a);
    r.lo = _mm256_blendv_ps(old.lo, r.lo, keep);
    r.hi = _mm256_blendv_ps(old.hi, r.hi, keep);
    buf.advance(bin8(a, (1 << k) - 1, p, buf.next(c)));
  }
  buf.drain(c);
  finish(c);
  if (!_mm256_testz_si256(_mm256_castps_si256(r.bad), _mm256_castps_si256(r.bad))) return true;
  *mn = hmin(r.lo);
  *mx = hmax(r.hi);
  return false;
}

}  // namespace

const StatsKernels stats_avx2 = {error_sums_avx2, error_sums_each_avx2, histogram_avx2,
                                 histogram_range_avx2};

}  // namespace mp

#endif  // x86-64
