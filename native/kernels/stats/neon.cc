// AArch64 Advanced SIMD (NEON) variant of the statistics kernels; ref.cc is the
// specification. Maxima, histogram counts and error_sums_each are bit-identical to
// it; error_sums differs only in the order of the additions. NEON is part of the
// AArch64 baseline, so no target attributes are needed.
//
// Tails are copied into a padded stack block and run through the same vector code
// (with the padding lanes masked where they could matter), so there is no separate
// scalar path to keep in step with the reference.
// No fused multiply-adds: every product and sum is its own IEEE operation, as in
// ref.cc (vmulq + vaddq, and the build uses -ffp-contract=off).
#include "histogram_counter.h"
#include "stats_kernels.h"

#if defined(__aarch64__)

#include <arm_neon.h>
#include <string.h>

namespace mp {
namespace {

using namespace histogram_counter;

// "v > m ? v : m": the reference's update of a maximum (a NaN v leaves m alone;
// FMAX would propagate it).
inline float64x2_t max_ref(float64x2_t m, float64x2_t v) { return vbslq_f64(vcgtq_f64(v, m), v, m); }

inline double lanes_max(float64x2_t m) {
  const double a = vgetq_lane_f64(m, 0), b = vgetq_lane_f64(m, 1);
  return b > a ? b : a;
}

// ---------------------------------------------------------------------------
// error_sums

// Two lanes of each running sum / maximum.
struct Acc {
  float64x2_t sq_err, abs_err, max_err, sq_x, sq_y, xy, max_x;
};

inline void acc_init(Acc& a, const ErrorSums* s) {
  a.sq_err = a.abs_err = a.sq_x = a.sq_y = a.xy = vdupq_n_f64(0.0);
  a.max_err = vdupq_n_f64(s->max_abs_err);
  a.max_x = vdupq_n_f64(s->max_abs_x);
}

// e = y - x is exact (both are floats). With kMasked, only the lanes set in
// `valid` may change the maxima (padding lanes hold x = y = 0 and add only +0 to
// the sums).
template <bool kMasked>
inline void fold2(float64x2_t x, float64x2_t y, Acc& a, uint64x2_t valid) {
  const float64x2_t e = vsubq_f64(y, x);
  const float64x2_t ae = vabsq_f64(e), ax = vabsq_f64(x);
  a.sq_err = vaddq_f64(a.sq_err, vmulq_f64(e, e));
  a.abs_err = vaddq_f64(a.abs_err, ae);
  a.sq_x = vaddq_f64(a.sq_x, vmulq_f64(x, x));
  a.sq_y = vaddq_f64(a.sq_y, vmulq_f64(y, y));
  a.xy = vaddq_f64(a.xy, vmulq_f64(x, y));
  if (kMasked) {
    a.max_err = vbslq_f64(vandq_u64(vcgtq_f64(ae, a.max_err), valid), ae, a.max_err);
    a.max_x = vbslq_f64(vandq_u64(vcgtq_f64(ax, a.max_x), valid), ax, a.max_x);
  } else {
    a.max_err = max_ref(a.max_err, ae);
    a.max_x = max_ref(a.max_x, ax);
  }
}

// Four pairs: the low halves into a, the high halves into b.
template <bool kMasked>
inline void fold4(const float* x, const float* y, Acc& a, Acc& b, uint32x4_t valid) {
  const float32x4_t xf = vld1q_f32(x), yf = vld1q_f32(y);
  const int32x4_t v = vreinterpretq_s32_u32(valid);  // sign-extended: all-ones stays all-ones
  fold2<kMasked>(vcvt_f64_f32(vget_low_f32(xf)), vcvt_f64_f32(vget_low_f32(yf)), a,
                 vreinterpretq_u64_s64(vmovl_s32(vget_low_s32(v))));
  fold2<kMasked>(vcvt_high_f64_f32(xf), vcvt_high_f64_f32(yf), b,
                 vreinterpretq_u64_s64(vmovl_high_s32(v)));
}

void error_sums_neon(const float* x, const float* y, size_t n, ErrorSums* acc) {
  if (n == 0) return;
  Acc a, b;
  acc_init(a, acc);
  acc_init(b, acc);
  const uint32x4_t all = vdupq_n_u32(~0u);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    fold4<false>(x + i, y + i, a, b, all);
    fold4<false>(x + i + 4, y + i + 4, a, b, all);
  }
  for (; i + 4 <= n; i += 4) fold4<false>(x + i, y + i, a, b, all);
  if (i < n) {
    float xb[4] = {}, yb[4] = {};
    memcpy(xb, x + i, (n - i) * sizeof(float));
    memcpy(yb, y + i, (n - i) * sizeof(float));
    const uint32_t k = static_cast<uint32_t>(n - i);
    const uint32_t lane[4] = {0, 1, 2, 3};
    fold4<true>(xb, yb, a, b, vcltq_u32(vld1q_u32(lane), vdupq_n_u32(k)));
  }
  acc->sum_sq_err += vaddvq_f64(vaddq_f64(a.sq_err, b.sq_err));
  acc->sum_abs_err += vaddvq_f64(vaddq_f64(a.abs_err, b.abs_err));
  acc->max_abs_err = lanes_max(max_ref(a.max_err, b.max_err));
  acc->sum_sq_x += vaddvq_f64(vaddq_f64(a.sq_x, b.sq_x));
  acc->sum_sq_y += vaddvq_f64(vaddq_f64(a.sq_y, b.sq_y));
  acc->sum_xy += vaddvq_f64(vaddq_f64(a.xy, b.xy));
  acc->max_abs_x = lanes_max(max_ref(a.max_x, b.max_x));
}

// ---------------------------------------------------------------------------
// error_sums_each
//
// Two ErrorSums are 14 doubles: seven vectors, whose lanes hold (element, field)
//   k=0: (0,0) (0,1)   k=1: (0,2) (0,3)   k=2: (0,4) (0,5)   k=3: (0,6) (1,0)
//   k=4: (1,1) (1,2)   k=5: (1,3) (1,4)   k=6: (1,5) (1,6)
// The terms are computed for both elements at once (e^2, |e|, x^2, y^2, xy, |x|,
// each exactly as the reference computes it), put into that layout with one lane
// move each, and added to the sums, or for fields 2 and 6 (max |e|, max |x|)
// compared. Each field gets exactly the reference's one operation.

// lane 0 of a, lane 1 of b.
inline float64x2_t lo_hi(float64x2_t a, float64x2_t b) { return vcopyq_laneq_f64(b, 0, a, 0); }

// Adds t to both lanes of the sums at s, except that lane `max_lane` (0, 1, or -1
// for none) takes the maximum instead.
template <int max_lane>
inline void update(double* s, float64x2_t t) {
  const float64x2_t old = vld1q_f64(s);
  float64x2_t r = vaddq_f64(old, t);
  if (max_lane >= 0) r = vcopyq_laneq_f64(r, max_lane & 1, max_ref(old, t), max_lane & 1);
  vst1q_f64(s, r);
}

// Two elements into the 14 doubles at s.
inline void fold_each2(double* s, float64x2_t x, float64x2_t y) {
  const float64x2_t e = vsubq_f64(y, x);
  const float64x2_t sq_e = vmulq_f64(e, e), ae = vabsq_f64(e), sq_x = vmulq_f64(x, x),
                    sq_y = vmulq_f64(y, y), xy = vmulq_f64(x, y), ax = vabsq_f64(x);
  update<-1>(s + 0, vzip1q_f64(sq_e, ae));
  update<0>(s + 2, vzip1q_f64(ae, sq_x));
  update<-1>(s + 4, vzip1q_f64(sq_y, xy));
  update<0>(s + 6, lo_hi(ax, sq_e));
  update<1>(s + 8, vdupq_laneq_f64(ae, 1));
  update<-1>(s + 10, vzip2q_f64(sq_x, sq_y));
  update<1>(s + 12, vzip2q_f64(xy, ax));
}

void error_sums_each_neon(const float* x, const float* y, size_t n, ErrorSums* acc) {
  static_assert(sizeof(ErrorSums) == 7 * sizeof(double), "ErrorSums must be 7 packed doubles");
  double* s = reinterpret_cast<double*>(acc);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float32x4_t xf = vld1q_f32(x + i), yf = vld1q_f32(y + i);
    fold_each2(s + 7 * i, vcvt_f64_f32(vget_low_f32(xf)), vcvt_f64_f32(vget_low_f32(yf)));
    fold_each2(s + 7 * i + 14, vcvt_high_f64_f32(xf), vcvt_high_f64_f32(yf));
  }
  for (; i < n; i += 2) {
    // Pad to two elements (the padding sums are thrown away).
    const size_t k = n - i >= 2 ? 2 : 1;
    float xb[2] = {}, yb[2] = {};
    double sb[14] = {};
    memcpy(xb, x + i, k * sizeof(float));
    memcpy(yb, y + i, k * sizeof(float));
    memcpy(sb, s + 7 * i, 7 * k * sizeof(double));
    fold_each2(sb, vcvt_f64_f32(vld1_f32(xb)), vcvt_f64_f32(vld1_f32(yb)));
    memcpy(s + 7 * i, sb, 7 * k * sizeof(double));
  }
}

// ---------------------------------------------------------------------------
// histogram, histogram_range
//
// The bin indices are computed 4 at a time, in double as the reference does; the
// ones of counted values are packed to the front of the vector (one table
// shuffle) and appended to the IndexBuffer of histogram_counter.h, which counts
// them with scalar increments a few vectors later, while the next vectors'
// indices are being computed.
//
// Two shortcuts give the reference's index exactly:
// - whether v is counted is decided on the floats, against the float bounds of
//   [lo, hi] (see float_at_or_above): one compare per bound for 4 lanes;
// - for a counted v, v - lo >= +0 (its sign is exact), so (v - lo) * inv_width >= 0
//   and truncation (FCVTZU) is the reference's floor; FCVTZU and the narrowing
//   UQXTN saturate (2^32 - 1 for anything >= 2^32, +Inf included), so min(index,
//   bins - 1) afterwards, on the integers, is the reference's clamp.

struct BinParams {
  float64x2_t lo, inv_width;
  float32x4_t lo_f, hi_f;
  uint32x4_t last, offset, bit;
};

inline BinParams bin_params(double lo, double hi, double inv_width, uint32_t bins,
                            const Counter& c) {
  BinParams p;
  p.lo = vdupq_n_f64(lo);
  p.inv_width = vdupq_n_f64(inv_width);
  p.lo_f = vdupq_n_f32(float_at_or_above(lo));
  p.hi_f = vdupq_n_f32(float_at_or_below(hi));
  p.last = vdupq_n_u32(bins - 1);
  const uint32_t offset[4] = {lane_offset(c, 0), lane_offset(c, 1), lane_offset(c, 2),
                              lane_offset(c, 3)};
  const uint32_t bit[4] = {1, 2, 4, 8};
  p.offset = vld1q_u32(offset);
  p.bit = vld1q_u32(bit);
  return p;
}

// Stores the indices of the counted values among the lanes `in` (all-ones) of xf,
// packed, at q (all 4 lanes are written); returns how many.
inline size_t bin4(float32x4_t xf, uint32x4_t in, const BinParams& p, uint32_t* q) {
  const uint32x4_t counted = vandq_u32(in, vandq_u32(vcgeq_f32(xf, p.lo_f), vcleq_f32(xf, p.hi_f)));
  const float64x2_t b0 = vmulq_f64(vsubq_f64(vcvt_f64_f32(vget_low_f32(xf)), p.lo), p.inv_width);
  const float64x2_t b1 = vmulq_f64(vsubq_f64(vcvt_high_f64_f32(xf), p.lo), p.inv_width);
  uint32x4_t idx = vqmovn_high_u64(vqmovn_u64(vcvtq_u64_f64(b0)), vcvtq_u64_f64(b1));
  idx = vaddq_u32(vminq_u32(idx, p.last), p.offset);
  const uint32_t m = vaddvq_u32(vandq_u32(counted, p.bit));
  const uint8x16_t packed = vqtbl1q_u8(vreinterpretq_u8_u32(idx), vld1q_u8(kCompact4.shuffle[m]));
  vst1q_u32(q, vreinterpretq_u32_u8(packed));
  return kCompact4.count[m];
}

// Appends the indices of the counted values among the 16 values x[0..3] (one
// IndexBuffer step for 16 values: it is not free).
inline void bin16(const float32x4_t* x, const BinParams& p, IndexBuffer& buf, Counter& c) {
  const uint32x4_t all = vdupq_n_u32(~0u);
  uint32_t* q = buf.next(c);
  size_t k = bin4(x[0], all, p, q);
  k += bin4(x[1], all, p, q + k);
  k += bin4(x[2], all, p, q + k);
  k += bin4(x[3], all, p, q + k);
  buf.advance(k);
}

// The last k (1..3) values at x, padded with copies of the first (which leave a
// minimum and maximum alone), and the lanes that hold them.
inline float32x4_t load_tail(const float* x, size_t k, uint32x4_t* in) {
  float xb[4] = {x[0], x[0], x[0], x[0]};
  memcpy(xb, x, k * sizeof(float));
  const uint32_t lane[4] = {0, 1, 2, 3};
  *in = vcltq_u32(vld1q_u32(lane), vdupq_n_u32(static_cast<uint32_t>(k)));
  return vld1q_f32(xb);
}

void histogram_neon(const float* x, size_t n, double lo, double hi, double inv_width,
                    uint32_t bins, uint64_t* counts) {
  uint32_t scratch[kScratchBins];
  Counter c = make_counter(bins, scratch, counts);
  const BinParams p = bin_params(lo, hi, inv_width, bins, c);
  alignas(64) uint32_t words[kBufferWords];
  IndexBuffer buf(words);
  const uint32x4_t all = vdupq_n_u32(~0u);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const float32x4_t v[4] = {vld1q_f32(x + i), vld1q_f32(x + i + 4), vld1q_f32(x + i + 8),
                              vld1q_f32(x + i + 12)};
    bin16(v, p, buf, c);
  }
  for (; i + 4 <= n; i += 4) buf.advance(bin4(vld1q_f32(x + i), all, p, buf.next(c)));
  if (i < n) {
    uint32x4_t in;
    const float32x4_t xf = load_tail(x + i, n - i, &in);
    buf.advance(bin4(xf, in, p, buf.next(c)));
  }
  buf.drain(c);
  finish(c);
}

// Running min / max of the values seen, and the OR of the bits of a - a over them:
// +0 for a finite a, NaN for NaN or +-Inf, so nonzero iff some value was not
// finite. (FMIN / FMAX give NaN for a NaN, unlike the reference's compare, but
// then the result is unspecified anyway; for the rest they agree, up to which
// zero is kept.)
struct Range {
  float32x4_t lo, hi;
  uint32x4_t bad;
};

inline void range4(float32x4_t a, Range& r) {
  r.lo = vminq_f32(a, r.lo);
  r.hi = vmaxq_f32(a, r.hi);
  r.bad = vorrq_u32(r.bad, vreinterpretq_u32_f32(vsubq_f32(a, a)));
}

bool histogram_range_neon(const float* x, size_t n, double lo, double hi, double inv_width,
                          uint32_t bins, uint64_t* counts, float* mn, float* mx) {
  uint32_t scratch[kScratchBins];
  Counter c = make_counter(bins, scratch, counts);
  const BinParams p = bin_params(lo, hi, inv_width, bins, c);
  alignas(64) uint32_t words[kBufferWords];
  IndexBuffer buf(words);
  const uint32x4_t all = vdupq_n_u32(~0u);
  Range r = {vdupq_n_f32(*mn), vdupq_n_f32(*mx), vdupq_n_u32(0)};
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const float32x4_t v[4] = {vld1q_f32(x + i), vld1q_f32(x + i + 4), vld1q_f32(x + i + 8),
                              vld1q_f32(x + i + 12)};
    for (int j = 0; j < 4; ++j) range4(v[j], r);
    bin16(v, p, buf, c);
  }
  for (; i + 4 <= n; i += 4) {
    const float32x4_t a = vld1q_f32(x + i);
    range4(a, r);
    buf.advance(bin4(a, all, p, buf.next(c)));
  }
  if (i < n) {
    uint32x4_t in;
    const float32x4_t a = load_tail(x + i, n - i, &in);
    range4(a, r);
    buf.advance(bin4(a, in, p, buf.next(c)));
  }
  buf.drain(c);
  finish(c);
  if (vmaxvq_u32(r.bad) != 0) return true;
  *mn = vminvq_f32(r.lo);
  *mx = vmaxvq_f32(r.hi);
  return false;
}

}  // namespace

const StatsKernels stats_neon = {error_sums_neon, error_sums_each_neon, histogram_neon,
                                 histogram_range_neon};

}  // namespace mp

#endif  // __aarch64__
