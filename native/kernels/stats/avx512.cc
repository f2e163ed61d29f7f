// AVX-512 (F/BW/DQ/VL) variant of the statistics kernels; ref.cc is the
// specification. Maxima, histogram counts and error_sums_each are bit-identical to
// it; error_sums differs only in the order of the additions.
//
// This file is compiled for the baseline x86-64 ISA. Every function that uses
// AVX-512 carries MP_AVX512 (a target attribute) and is only reached through
// stats_avx512, which dispatch selects after cpu_features() reported AVX-512.
// Do not call non-intrinsic inline library functions from these functions.
// Tails use masked loads and stores, which never touch the masked-off bytes.
// No fused multiply-adds: every product and sum is its own IEEE operation, as in
// ref.cc (the build uses -ffp-contract=off).
#include "histogram_counter.h"
#include "stats_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)

// GCC 12's AVX-512 headers trip a false -Wmaybe-uninitialized (or, in some inlining
// contexts, as with -fsanitize, -Wuninitialized) on their own _mm*_undefined_*()
// placeholders (GCC PR 105593, fixed in GCC 13).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#include <immintrin.h>

#define MP_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))

namespace mp {
namespace {

using namespace histogram_counter;

// ---------------------------------------------------------------------------
// error_sums

// Eight lanes of each running sum / maximum.
struct Acc {
  __m512d sq_err, abs_err, max_err, sq_x, sq_y, xy, max_x;
};

MP_AVX512 inline void acc_init(Acc& a, const ErrorSums* s) {
  a.sq_err = a.abs_err = a.sq_x = a.sq_y = a.xy = _mm512_setzero_pd();
  a.max_err = _mm512_set1_pd(s->max_abs_err);
  a.max_x = _mm512_set1_pd(s->max_abs_x);
}

// Folds the lanes of (x, y) selected by m. e = y - x is exact (both are floats).
// max_pd(v, m) is "v > m ? v : m", the reference's update (NaN v leaves m alone).
MP_AVX512 inline void fold8(__m512d x, __m512d y, __mmask8 m, Acc& a) {
  const __m512d e = _mm512_sub_pd(y, x);
  const __m512d ae = _mm512_abs_pd(e), ax = _mm512_abs_pd(x);
  a.sq_err = _mm512_mask_add_pd(a.sq_err, m, a.sq_err, _mm512_mul_pd(e, e));
  a.abs_err = _mm512_mask_add_pd(a.abs_err, m, a.abs_err, ae);
  a.max_err = _mm512_mask_max_pd(a.max_err, m, ae, a.max_err);
  a.sq_x = _mm512_mask_add_pd(a.sq_x, m, a.sq_x, _mm512_mul_pd(x, x));
  a.sq_y = _mm512_mask_add_pd(a.sq_y, m, a.sq_y, _mm512_mul_pd(y, y));
  a.xy = _mm512_mask_add_pd(a.xy, m, a.xy, _mm512_mul_pd(x, y));
  a.max_x = _mm512_mask_max_pd(a.max_x, m, ax, a.max_x);
}

// Unmasked: the main loop.
MP_AVX512 inline void fold8(__m512d x, __m512d y, Acc& a) {
  const __m512d e = _mm512_sub_pd(y, x);
  const __m512d ae = _mm512_abs_pd(e);
  a.sq_err = _mm512_add_pd(a.sq_err, _mm512_mul_pd(e, e));
  a.abs_err = _mm512_add_pd(a.abs_err, ae);
  a.max_err = _mm512_max_pd(ae, a.max_err);
  a.sq_x = _mm512_add_pd(a.sq_x, _mm512_mul_pd(x, x));
  a.sq_y = _mm512_add_pd(a.sq_y, _mm512_mul_pd(y, y));
  a.xy = _mm512_add_pd(a.xy, _mm512_mul_pd(x, y));
  a.max_x = _mm512_max_pd(_mm512_abs_pd(x), a.max_x);
}

MP_AVX512 inline __m512d load8(const float* p) { return _mm512_cvtps_pd(_mm256_loadu_ps(p)); }

MP_AVX512 inline __m512d load8(const float* p, __mmask8 m) {
  return _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, p));
}

MP_AVX512 void error_sums_avx512(const float* x, const float* y, size_t n, ErrorSums* acc) {
  if (n == 0) return;
  // Two sets of accumulators: the two halves of each 16-element step.
  Acc a, b;
  acc_init(a, acc);
  acc_init(b, acc);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    fold8(load8(x + i), load8(y + i), a);
    fold8(load8(x + i + 8), load8(y + i + 8), b);
  }
  for (; i < n; i += 8) {
    const __mmask8 m = n - i >= 8 ? 0xff : static_cast<__mmask8>((1u << (n - i)) - 1u);
    fold8(load8(x + i, m), load8(y + i, m), m, a);
  }
  acc->sum_sq_err += _mm512_reduce_add_pd(_mm512_add_pd(a.sq_err, b.sq_err));
  acc->sum_abs_err += _mm512_reduce_add_pd(_mm512_add_pd(a.abs_err, b.abs_err));
  acc->max_abs_err = _mm512_reduce_max_pd(_mm512_max_pd(a.max_err, b.max_err));
  acc->sum_sq_x += _mm512_reduce_add_pd(_mm512_add_pd(a.sq_x, b.sq_x));
  acc->sum_sq_y += _mm512_reduce_add_pd(_mm512_add_pd(a.sq_y, b.sq_y));
  acc->sum_xy += _mm512_reduce_add_pd(_mm512_add_pd(a.xy, b.xy));
  acc->max_abs_x = _mm512_reduce_max_pd(_mm512_max_pd(a.max_x, b.max_x));
}

// ---------------------------------------------------------------------------
// error_sums_each
//
// Eight ErrorSums are 56 doubles: seven vectors. Lane j of vector k is field
// f = (8k + j) % 7 of element (8k + j) / 7. The terms of the fields (e^2, |e|,
// |e|, x^2, y^2, xy, |x|, each computed exactly as the reference does) are
// computed for eight elements at once, one vector per kind, and moved into that
// layout with three two-source permutes per output vector (each fills the lanes
// of two of the kinds, the others zeroed, and an OR merges them). Each lane is
// then added to its sum, or for f = 2 and 6 compared with its maximum: exactly the
// reference's one operation, so the results are bit-identical.

constexpr unsigned kF0 = 1, kF1 = 2, kF2 = 4, kF3 = 8, kF4 = 16, kF5 = 32, kF6 = 64;

// Lanes of vector k holding one of the fields in the set.
constexpr unsigned lanes(unsigned k, unsigned fields) {
  unsigned m = 0;
  for (unsigned j = 0; j < 8; ++j)
    if ((fields >> ((8 * k + j) % 7)) & 1) m |= 1u << j;
  return m;
}

// Permute index of lane j of vector k: its element i, from the first source of
// the pair for fields 0, 3, 5 and from the second (8 + i) for 1, 2, 4, 6.
constexpr long long source(unsigned k, unsigned j) {
  const unsigned f = (8 * k + j) % 7, i = (8 * k + j) / 7;
  return (f == 1 || f == 2 || f == 4 || f == 6) ? 8 + i : i;
}

struct Terms {
  __m512d sq_e, abs_e, sq_x, sq_y, xy, abs_x;
};

template <unsigned k>
MP_AVX512 inline void fold_each_vec(double* s, const Terms& t, __mmask8 m) {
  const __m512i ix = _mm512_set_epi64(source(k, 7), source(k, 6), source(k, 5), source(k, 4),
                                      source(k, 3), source(k, 2), source(k, 1), source(k, 0));
  const __m512i a = _mm512_castpd_si512(
      _mm512_maskz_permutex2var_pd(lanes(k, kF0 | kF1 | kF2), t.sq_e, ix, t.abs_e));
  const __m512i b =
      _mm512_castpd_si512(_mm512_maskz_permutex2var_pd(lanes(k, kF3 | kF4), t.sq_x, ix, t.sq_y));
  const __m512i c =
      _mm512_castpd_si512(_mm512_maskz_permutex2var_pd(lanes(k, kF5 | kF6), t.xy, ix, t.abs_x));
  const __m512d v = _mm512_castsi512_pd(_mm512_ternarylogic_epi64(a, b, c, 0xfe));  // a | b | c
  const __mmask8 max_lanes = lanes(k, kF2 | kF6);
  const __m512d old = _mm512_maskz_loadu_pd(m, s + 8 * k);
  __m512d r = _mm512_mask_add_pd(old, static_cast<__mmask8>(~max_lanes), old, v);
  r = _mm512_mask_max_pd(r, max_lanes, v, old);  // "v > old ? v : old"
  _mm512_mask_storeu_pd(s + 8 * k, m, r);
}

// The first r (1..8) ErrorSums at s take x[0..r), y[0..r).
MP_AVX512 inline void fold_each8(double* s, const float* x, const float* y, size_t r) {
  const __mmask8 in = r >= 8 ? 0xff : static_cast<__mmask8>((1u << r) - 1u);
  const __m512d xd = load8(x, in), yd = load8(y, in);
  const __m512d e = _mm512_sub_pd(yd, xd);
  const Terms t = {_mm512_mul_pd(e, e),   _mm512_abs_pd(e),    _mm512_mul_pd(xd, xd),
                   _mm512_mul_pd(yd, yd), _mm512_mul_pd(xd, yd), _mm512_abs_pd(xd)};
  // Vector k covers doubles [8k, 8k + 8) of the 7r in use.
  __mmask8 m[7];
  for (unsigned k = 0; k < 7; ++k) {
    const long left = static_cast<long>(7 * r) - static_cast<long>(8 * k);
    m[k] = left >= 8 ? 0xff : left <= 0 ? 0 : static_cast<__mmask8>((1u << left) - 1u);
  }
  fold_each_vec<0>(s, t, m[0]);
  fold_each_vec<1>(s, t, m[1]);
  fold_each_vec<2>(s, t, m[2]);
  fold_each_vec<3>(s, t, m[3]);
  fold_each_vec<4>(s, t, m[4]);
  fold_each_vec<5>(s, t, m[5]);
  fold_each_vec<6>(s, t, m[6]);
}

MP_AVX512 void error_sums_each_avx512(const float* x, const float* y, size_t n, ErrorSums* acc) {
  static_assert(sizeof(ErrorSums) == 7 * sizeof(double), "ErrorSums must be 7 packed doubles");
  double* s = reinterpret_cast<double*>(acc);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) fold_each8(s + 7 * i, x + i, y + i, 8);
  if (i < n) fold_each8(s + 7 * i, x + i, y + i, n - i);
}

// ---------------------------------------------------------------------------
// histogram, histogram_range
//
// The bin indices are computed 16 at a time, in double as the reference does;
// the ones of counted values are packed to the front of the vector (compress) and
// appended to the IndexBuffer of histogram_counter.h, which counts them with
// scalar increments a few vectors later, while the next vectors' indices are
// being computed.
//
// Two shortcuts give the reference's index exactly:
// - whether v is counted is decided on the floats, against the float bounds of
//   [lo, hi] (see float_at_or_above): one compare per bound for 16 lanes;
// - for a counted v, v - lo >= +0 (its sign is exact), so (v - lo) * inv_width >= 0
//   and truncation is the reference's floor; the unsigned conversion saturates
//   (2^32 - 1 for anything >= 2^32, +Inf included), so min(index, bins - 1)
//   afterwards, on the integers, is the reference's clamp.

struct BinParams {
  __m512d lo, inv_width;
  __m512 lo_f, hi_f;
  __m512i last, offset;
};

MP_AVX512 inline BinParams bin_params(double lo, double hi, double inv_width, uint32_t bins,
                                      const Counter& c) {
  BinParams p;
  p.lo = _mm512_set1_pd(lo);
  p.inv_width = _mm512_set1_pd(inv_width);
  p.lo_f = _mm512_set1_ps(float_at_or_above(lo));
  p.hi_f = _mm512_set1_ps(float_at_or_below(hi));
  p.last = _mm512_set1_epi32(static_cast<int>(bins - 1));
  alignas(64) uint32_t offset[16];
  for (uint32_t j = 0; j < 16; ++j) offset[j] = lane_offset(c, j);
  p.offset = _mm512_load_si512(offset);
  return p;
}

// Appends the indices of the counted values among the lanes `in` of xf.
MP_AVX512 inline void bin16(__m512 xf, __mmask16 in, const BinParams& p, IndexBuffer& buf,
                            Counter& c) {
  const __mmask16 at_least_lo = _mm512_mask_cmp_ps_mask(in, xf, p.lo_f, _CMP_GE_OQ);
  const __mmask16 counted = _mm512_mask_cmp_ps_mask(at_least_lo, xf, p.hi_f, _CMP_LE_OQ);
  const __m512d v0 = _mm512_cvtps_pd(_mm512_castps512_ps256(xf));
  const __m512d v1 = _mm512_cvtps_pd(_mm512_extractf32x8_ps(xf, 1));
  const __m256i i0 = _mm512_cvttpd_epu32(_mm512_mul_pd(_mm512_sub_pd(v0, p.lo), p.inv_width));
  const __m256i i1 = _mm512_cvttpd_epu32(_mm512_mul_pd(_mm512_sub_pd(v1, p.lo), p.inv_width));
  __m512i idx = _mm512_min_epu32(_mm512_inserti64x4(_mm512_castsi256_si512(i0), i1, 1), p.last);
  idx = _mm512_add_epi32(idx, p.offset);
  // Compress into a register and store that: compress straight to memory is slow on
  // some cores (microcoded on Zen 4).
  _mm512_storeu_si512(buf.next(c), _mm512_maskz_compress_epi32(counted, idx));
  buf.advance(static_cast<size_t>(_mm_popcnt_u32(counted)));
}

MP_AVX512 inline __mmask16 tail_mask16(size_t k) { return static_cast<__mmask16>((1u << k) - 1u); }

MP_AVX512 void histogram_avx512(const float* x, size_t n, double lo, double hi, double inv_width,
                                uint32_t bins, uint64_t* counts) {
  uint32_t scratch[kScratchBins];
  Counter c = make_counter(bins, scratch, counts);
  const BinParams p = bin_params(lo, hi, inv_width, bins, c);
  alignas(64) uint32_t words[kBufferWords];
  IndexBuffer buf(words);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    bin16(_mm512_loadu_ps(x + i), 0xffff, p, buf, c);
    bin16(_mm512_loadu_ps(x + i + 16), 0xffff, p, buf, c);
  }
  for (; i < n; i += 16) {
    const __mmask16 in = n - i >= 16 ? 0xffff : tail_mask16(n - i);
    bin16(_mm512_maskz_loadu_ps(in, x + i), in, p, buf, c);
  }
  buf.drain(c);
  finish(c);
}

// fpclass categories: QNaN, +Inf, -Inf, SNaN.
constexpr int kNonFinite = 0x01 | 0x08 | 0x10 | 0x80;

// Running min / max of the values seen (min_ps(a, lo) is "a < lo ? a : lo", the
// reference's update) and the lanes that were ever NaN or +-Inf.
struct Range {
  __m512 lo, hi;
  __mmask16 bad;
};

MP_AVX512 inline void range16(__m512 a, __mmask16 in, Range& r) {
  r.lo = _mm512_mask_min_ps(r.lo, in, a, r.lo);
  r.hi = _mm512_mask_max_ps(r.hi, in, a, r.hi);
  r.bad |= _mm512_mask_fpclass_ps_mask(in, a, kNonFinite);
}

// histogram() with QuantKernels::min_max folded into the same loop.
MP_AVX512 bool histogram_range_avx512(const float* x, size_t n, double lo, double hi,
                                      double inv_width, uint32_t bins, uint64_t* counts, float* mn,
                                      float* mx) {
  uint32_t scratch[kScratchBins];
  Counter c = make_counter(bins, scratch, counts);
  const BinParams p = bin_params(lo, hi, inv_width, bins, c);
  alignas(64) uint32_t words[kBufferWords];
  IndexBuffer buf(words);
  Range r = {_mm512_set1_ps(*mn), _mm512_set1_ps(*mx), 0};
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 a = _mm512_loadu_ps(x + i), b = _mm512_loadu_ps(x + i + 16);
    range16(a, 0xffff, r);
    bin16(a, 0xffff, p, buf, c);
    range16(b, 0xffff, r);
    bin16(b, 0xffff, p, buf, c);
  }
  for (; i < n; i += 16) {
    const __mmask16 in = n - i >= 16 ? 0xffff : tail_mask16(n - i);
    const __m512 a = _mm512_maskz_loadu_ps(in, x + i);
    range16(a, in, r);
    bin16(a, in, p, buf, c);
  }
  buf.drain(c);
  finish(c);
  if (r.bad) return true;
  *mn = _mm512_reduce_min_ps(r.lo);
  *mx = _mm512_reduce_max_ps(r.hi);
  return false;
}

}  // namespace

const StatsKernels stats_avx512 = {error_sums_avx512, error_sums_each_avx512, histogram_avx512,
                                   histogram_range_avx512};

}  // namespace mp

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // x86-64
