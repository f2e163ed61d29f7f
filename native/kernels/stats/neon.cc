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
// histogram
//
// The bin indices are computed 4 at a time exactly as the reference does (in
// double: subtract, multiply, floor, clamp), the valid ones appended to a buffer,
// which is then counted with plain scalar increments in a loop of predictable
// length.

struct BinParams {
  float64x2_t lo, hi, inv_width, last;
};

// 2 values: index (uint64; exact for the valid lanes, which hold an integer in
// [0, bins - 1]) and valid mask (lo <= v <= hi; ordered compares, so NaN is not).
inline uint64x2_t bin_index2(float64x2_t v, const BinParams& p, uint64x2_t* valid) {
  *valid = vandq_u64(vcgeq_f64(v, p.lo), vcleq_f64(v, p.hi));
  float64x2_t b = vrndmq_f64(vmulq_f64(vsubq_f64(v, p.lo), p.inv_width));  // floor
  b = vbslq_f64(vcgtq_f64(b, p.last), p.last, b);  // the reference's clamp
  return vcvtq_u64_f64(b);
}

// Appends the valid indices of 4 values to buf[used..]; returns the new count.
inline size_t bin4(float32x4_t xf, const BinParams& p, uint32_t* buf, size_t used) {
  uint64x2_t v0, v1;
  const uint64x2_t i0 = bin_index2(vcvt_f64_f32(vget_low_f32(xf)), p, &v0);
  const uint64x2_t i1 = bin_index2(vcvt_high_f64_f32(xf), p, &v1);
  const uint32x4_t idx = vcombine_u32(vmovn_u64(i0), vmovn_u64(i1));
  const uint32x4_t valid = vcombine_u32(vmovn_u64(v0), vmovn_u64(v1));
  vst1q_u32(buf + used, idx);
  if (vminvq_u32(valid) != 0) return used + 4;
  // Compact in place, without branches: always write, advance when valid.
  uint32_t lanes[4], ok[4];
  vst1q_u32(lanes, idx);
  vst1q_u32(ok, valid);
  for (int j = 0; j < 4; ++j) {
    buf[used] = lanes[j];
    used += ok[j] & 1;
  }
  return used;
}

void histogram_neon(const float* x, size_t n, double lo, double hi, double inv_width,
                    uint32_t bins, uint64_t* counts) {
  BinParams p;
  p.lo = vdupq_n_f64(lo);
  p.hi = vdupq_n_f64(hi);
  p.inv_width = vdupq_n_f64(inv_width);
  p.last = vdupq_n_f64(static_cast<double>(bins - 1));
  uint32_t buf[kIndexBuffer + 8];
  uint32_t scratch[kScratchBins];
  Counter c = make_counter(bins, scratch, counts);
  size_t used = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    used = bin4(vld1q_f32(x + i), p, buf, used);
    used = bin4(vld1q_f32(x + i + 4), p, buf, used);
    if (used >= kIndexBuffer) {
      count(buf, used, c);
      used = 0;
    }
  }
  for (; i < n; i += 4) {
    float xb[4];  // NaN padding is never counted
    const size_t k = n - i >= 4 ? 4 : n - i;
    for (size_t j = 0; j < 4; ++j) xb[j] = __builtin_nanf("");
    memcpy(xb, x + i, k * sizeof(float));
    used = bin4(vld1q_f32(xb), p, buf, used);
  }
  count(buf, used, c);
  finish(c);
}

}  // namespace

const StatsKernels stats_neon = {error_sums_neon, error_sums_each_neon, histogram_neon};

}  // namespace mp

#endif  // __aarch64__
