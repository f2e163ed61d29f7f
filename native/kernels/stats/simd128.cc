// WebAssembly SIMD128 variant of the statistics kernels; ref.cc is the
// specification. Maxima, histogram counts and error_sums_each are bit-identical to
// it; error_sums differs only in the order of the additions. Built by emcc with
// -msimd128, so the whole module requires SIMD and no target attributes are needed.
//
// Tails are copied into a padded stack block and run through the same vector code
// (with the padding lanes masked where they could matter), so there is no separate
// scalar path to keep in step with the reference.
// No fused multiply-adds: every product and sum is its own IEEE operation, as in
// ref.cc (wasm has no fused ops in SIMD128 anyway).
#include "histogram_counter.h"
#include "stats_kernels.h"

#if defined(__wasm_simd128__)

#include <string.h>
#include <wasm_simd128.h>

namespace mp {
namespace {

using namespace histogram_counter;

// V8 rebuilds a v128.const at every use, and LLVM rematerialises constants rather
// than keep them in locals. OR-ing constants with a zero the optimiser cannot see
// through keeps them in registers.
volatile int32_t g_opaque_zero = 0;

// pmax(m, v) = "m < v ? v : m": the reference's update of a maximum (a NaN v
// leaves m alone).
inline v128_t max_ref(v128_t m, v128_t v) { return wasm_f64x2_pmax(m, v); }

inline double lanes_max(v128_t m) {
  const double a = wasm_f64x2_extract_lane(m, 0), b = wasm_f64x2_extract_lane(m, 1);
  return b > a ? b : a;
}

inline double lanes_sum(v128_t s) {
  return wasm_f64x2_extract_lane(s, 0) + wasm_f64x2_extract_lane(s, 1);
}

// Two floats at p -> two doubles.
inline v128_t load2(const float* p) { return wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(p)); }

// ---------------------------------------------------------------------------
// error_sums

// Two lanes of each running sum / maximum.
struct Acc {
  v128_t sq_err, abs_err, max_err, sq_x, sq_y, xy, max_x;
};

// e = y - x is exact (both are floats).
inline void fold2(v128_t x, v128_t y, Acc& a) {
  const v128_t e = wasm_f64x2_sub(y, x);
  const v128_t ae = wasm_f64x2_abs(e);
  a.sq_err = wasm_f64x2_add(a.sq_err, wasm_f64x2_mul(e, e));
  a.abs_err = wasm_f64x2_add(a.abs_err, ae);
  a.max_err = max_ref(a.max_err, ae);
  a.sq_x = wasm_f64x2_add(a.sq_x, wasm_f64x2_mul(x, x));
  a.sq_y = wasm_f64x2_add(a.sq_y, wasm_f64x2_mul(y, y));
  a.xy = wasm_f64x2_add(a.xy, wasm_f64x2_mul(x, y));
  a.max_x = max_ref(a.max_x, wasm_f64x2_abs(x));
}

void error_sums_simd128(const float* x, const float* y, size_t n, ErrorSums* acc) {
  if (n == 0) return;
  // One set of accumulators: two would not fit V8's 16 xmm registers.
  Acc a;
  a.sq_err = a.abs_err = a.sq_x = a.sq_y = a.xy = wasm_f64x2_splat(0.0);
  a.max_err = wasm_f64x2_splat(acc->max_abs_err);
  a.max_x = wasm_f64x2_splat(acc->max_abs_x);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    fold2(load2(x + i), load2(y + i), a);
    fold2(load2(x + i + 2), load2(y + i + 2), a);
  }
  for (; i < n; i += 2) {
    // Pad to two with x = y = NaN: the maxima ignore a NaN (max_ref), and the
    // padding lane of each sum is dropped below.
    const size_t k = n - i >= 2 ? 2 : 1;
    float xb[2] = {__builtin_nanf(""), __builtin_nanf("")}, yb[2] = {xb[0], xb[1]};
    memcpy(xb, x + i, k * sizeof(float));
    memcpy(yb, y + i, k * sizeof(float));
    Acc t = a;
    fold2(load2(xb), load2(yb), t);
    a.max_err = t.max_err;
    a.max_x = t.max_x;
    if (k == 2) {
      a = t;
    } else {
      // Only lane 0 of the sums takes the new pair.
      a.sq_err = wasm_i64x2_shuffle(t.sq_err, a.sq_err, 0, 3);
      a.abs_err = wasm_i64x2_shuffle(t.abs_err, a.abs_err, 0, 3);
      a.sq_x = wasm_i64x2_shuffle(t.sq_x, a.sq_x, 0, 3);
      a.sq_y = wasm_i64x2_shuffle(t.sq_y, a.sq_y, 0, 3);
      a.xy = wasm_i64x2_shuffle(t.xy, a.xy, 0, 3);
    }
  }
  acc->sum_sq_err += lanes_sum(a.sq_err);
  acc->sum_abs_err += lanes_sum(a.abs_err);
  acc->max_abs_err = lanes_max(a.max_err);
  acc->sum_sq_x += lanes_sum(a.sq_x);
  acc->sum_sq_y += lanes_sum(a.sq_y);
  acc->sum_xy += lanes_sum(a.xy);
  acc->max_abs_x = lanes_max(a.max_x);
}

// ---------------------------------------------------------------------------
// error_sums_each
//
// Two ErrorSums are 14 doubles: seven vectors, whose lanes hold (element, field)
//   k=0: (0,0) (0,1)   k=1: (0,2) (0,3)   k=2: (0,4) (0,5)   k=3: (0,6) (1,0)
//   k=4: (1,1) (1,2)   k=5: (1,3) (1,4)   k=6: (1,5) (1,6)
// The terms are computed for both elements at once (e^2, |e|, x^2, y^2, xy, |x|,
// each exactly as the reference computes it), put into that layout with one
// shuffle each, and added to the sums, or for fields 2 and 6 (max |e|, max |x|)
// compared. Each field gets exactly the reference's one operation.

// Adds t to both lanes of the sums at s, except that lane `max_lane` (0, 1, or -1
// for none) takes the maximum instead.
template <int max_lane>
inline void update(double* s, v128_t t) {
  const v128_t old = wasm_v128_load(s);
  v128_t r = wasm_f64x2_add(old, t);
  if (max_lane == 0) r = wasm_i64x2_shuffle(max_ref(old, t), r, 0, 3);
  if (max_lane == 1) r = wasm_i64x2_shuffle(r, max_ref(old, t), 0, 3);
  wasm_v128_store(s, r);
}

// Two elements into the 14 doubles at s.
inline void fold_each2(double* s, v128_t x, v128_t y) {
  const v128_t e = wasm_f64x2_sub(y, x);
  const v128_t sq_e = wasm_f64x2_mul(e, e), ae = wasm_f64x2_abs(e), sq_x = wasm_f64x2_mul(x, x),
               sq_y = wasm_f64x2_mul(y, y), xy = wasm_f64x2_mul(x, y), ax = wasm_f64x2_abs(x);
  update<-1>(s + 0, wasm_i64x2_shuffle(sq_e, ae, 0, 2));
  update<0>(s + 2, wasm_i64x2_shuffle(ae, sq_x, 0, 2));
  update<-1>(s + 4, wasm_i64x2_shuffle(sq_y, xy, 0, 2));
  update<0>(s + 6, wasm_i64x2_shuffle(ax, sq_e, 0, 3));
  update<1>(s + 8, wasm_i64x2_shuffle(ae, ae, 1, 1));
  update<-1>(s + 10, wasm_i64x2_shuffle(sq_x, sq_y, 1, 3));
  update<1>(s + 12, wasm_i64x2_shuffle(xy, ax, 1, 3));
}

void error_sums_each_simd128(const float* x, const float* y, size_t n, ErrorSums* acc) {
  static_assert(sizeof(ErrorSums) == 7 * sizeof(double), "ErrorSums must be 7 packed doubles");
  double* s = reinterpret_cast<double*>(acc);
  size_t i = 0;
  for (; i + 2 <= n; i += 2) fold_each2(s + 7 * i, load2(x + i), load2(y + i));
  if (i < n) {
    // One element left: pad to two (the padding sums are thrown away).
    float xb[2] = {x[i], 0.0f}, yb[2] = {y[i], 0.0f};
    double sb[14] = {};
    memcpy(sb, s + 7 * i, 7 * sizeof(double));
    fold_each2(sb, load2(xb), load2(yb));
    memcpy(s + 7 * i, sb, 7 * sizeof(double));
  }
}

// ---------------------------------------------------------------------------
// histogram, histogram_range
//
// The bin indices are computed 4 at a time exactly as the reference does (in
// double: subtract, multiply, floor, clamp); the ones of counted values are packed
// to the front of the vector (one table swizzle) and appended to the IndexBuffer
// of histogram_counter.h, which counts them with scalar increments a few vectors
// later, while the next vectors' indices are being computed. Whether a value is
// counted is decided on the floats, against the float bounds of [lo, hi] (see
// float_at_or_above): one compare per bound for 4 lanes.

// Adding 2^52 to an integer in [0, 2^32) leaves it in the low 32 bits of the
// double: one add instead of trunc_sat_f64x2_u_zero, which V8 lowers to a long
// sequence, and one shuffle then gathers four indices.
constexpr double kMagic = 4503599627370496.0;

struct BinParams {
  v128_t lo, inv_width, last, magic, lo_f, hi_f, offset;
};

inline BinParams bin_params(double lo, double hi, double inv_width, uint32_t bins,
                            const Counter& c) {
  BinParams p;
  p.lo = wasm_f64x2_splat(lo);
  p.inv_width = wasm_f64x2_splat(inv_width);
  p.last = wasm_f64x2_splat(static_cast<double>(bins - 1));
  p.magic = wasm_v128_or(wasm_f64x2_splat(kMagic), wasm_i32x4_splat(g_opaque_zero));
  p.lo_f = wasm_f32x4_splat(float_at_or_above(lo));
  p.hi_f = wasm_f32x4_splat(float_at_or_below(hi));
  const uint32_t offset[4] = {lane_offset(c, 0), lane_offset(c, 1), lane_offset(c, 2),
                              lane_offset(c, 3)};
  p.offset = wasm_v128_load(offset);
  return p;
}

// 2 values: the index bits, in the low half of each 64-bit lane.
inline v128_t bin_index2(v128_t v, const BinParams& p) {
  const v128_t b = wasm_f64x2_floor(wasm_f64x2_mul(wasm_f64x2_sub(v, p.lo), p.inv_width));
  return wasm_f64x2_add(wasm_f64x2_pmin(p.last, b), p.magic);  // pmin: "b < last ? b : last"
}

// Stores the indices of the counted values among the lanes `in` (all-ones) of the
// 4 values at x, packed, at q (all 4 lanes are written); returns how many.
inline size_t bin4(const float* x, v128_t in, const BinParams& p, uint32_t* q) {
  const v128_t xf = wasm_v128_load(x);
  const v128_t inside = wasm_v128_and(wasm_f32x4_ge(xf, p.lo_f), wasm_f32x4_le(xf, p.hi_f));
  const v128_t counted = wasm_v128_and(in, inside);
  const v128_t b0 = bin_index2(load2(x), p);
  const v128_t b1 = bin_index2(load2(x + 2), p);
  const v128_t idx = wasm_i32x4_add(wasm_i32x4_shuffle(b0, b1, 0, 2, 4, 6), p.offset);
  const uint32_t m = wasm_i32x4_bitmask(counted);
  wasm_v128_store(q, wasm_i8x16_swizzle(idx, wasm_v128_load(kCompact4.shuffle[m])));
  return kCompact4.count[m];
}

// Appends the indices of the counted values among the 16 values at x (one
// IndexBuffer step for 16 values: it is not free).
inline void bin16(const float* x, const BinParams& p, IndexBuffer& buf, Counter& c) {
  const v128_t all = wasm_i32x4_splat(-1);
  uint32_t* q = buf.next(c);
  size_t k = bin4(x, all, p, q);
  k += bin4(x + 4, all, p, q + k);
  k += bin4(x + 8, all, p, q + k);
  k += bin4(x + 12, all, p, q + k);
  buf.advance(k);
}

// The last k (1..3) values at x into xb, padded with copies of the first (which
// leave a minimum and maximum alone); returns the lanes that hold them.
inline v128_t load_tail(const float* x, size_t k, float* xb) {
  for (size_t j = 0; j < 4; ++j) xb[j] = x[0];
  memcpy(xb, x, k * sizeof(float));
  const int32_t kk = static_cast<int32_t>(k);
  return wasm_i32x4_gt(wasm_i32x4_splat(kk), wasm_i32x4_make(0, 1, 2, 3));
}

void histogram_simd128(const float* x, size_t n, double lo, double hi, double inv_width,
                       uint32_t bins, uint64_t* counts) {
  uint32_t scratch[kScratchBins];
  Counter c = make_counter(bins, scratch, counts);
  const BinParams p = bin_params(lo, hi, inv_width, bins, c);
  alignas(64) uint32_t words[kBufferWords];
  IndexBuffer buf(words);
  const v128_t all = wasm_i32x4_splat(-1);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) bin16(x + i, p, buf, c);
  for (; i + 4 <= n; i += 4) buf.advance(bin4(x + i, all, p, buf.next(c)));
  if (i < n) {
    float xb[4];
    const v128_t in = load_tail(x + i, n - i, xb);
    buf.advance(bin4(xb, in, p, buf.next(c)));
  }
  buf.drain(c);
  finish(c);
}

// Running min / max of the values seen (pmin(lo, a) is "a < lo ? a : lo", the
// reference's update), and the OR of the bits of a - a over them: +0 for a finite
// a, NaN for NaN or +-Inf, so nonzero iff some value was not finite.
struct Range {
  v128_t lo, hi, bad;
};

inline void range4(v128_t a, Range& r) {
  r.lo = wasm_f32x4_pmin(r.lo, a);
  r.hi = wasm_f32x4_pmax(r.hi, a);
  r.bad = wasm_v128_or(r.bad, wasm_f32x4_sub(a, a));
}

// The smallest / largest of the four floats of v (no NaN among them).
inline float f32_lanes_min(v128_t v) {
  const v128_t h = wasm_f32x4_pmin(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  return wasm_f32x4_extract_lane(wasm_f32x4_pmin(h, wasm_i32x4_shuffle(h, h, 1, 0, 3, 2)), 0);
}

inline float f32_lanes_max(v128_t v) {
  const v128_t h = wasm_f32x4_pmax(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  return wasm_f32x4_extract_lane(wasm_f32x4_pmax(h, wasm_i32x4_shuffle(h, h, 1, 0, 3, 2)), 0);
}

bool histogram_range_simd128(const float* x, size_t n, double lo, double hi, double inv_width,
                             uint32_t bins, uint64_t* counts, float* mn, float* mx) {
  uint32_t scratch[kScratchBins];
  Counter c = make_counter(bins, scratch, counts);
  const BinParams p = bin_params(lo, hi, inv_width, bins, c);
  alignas(64) uint32_t words[kBufferWords];
  IndexBuffer buf(words);
  const v128_t all = wasm_i32x4_splat(-1);
  Range r = {wasm_f32x4_splat(*mn), wasm_f32x4_splat(*mx), wasm_i32x4_splat(0)};
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (size_t j = 0; j < 16; j += 4) range4(wasm_v128_load(x + i + j), r);
    bin16(x + i, p, buf, c);
  }
  for (; i + 4 <= n; i += 4) {
    range4(wasm_v128_load(x + i), r);
    buf.advance(bin4(x + i, all, p, buf.next(c)));
  }
  if (i < n) {
    float xb[4];
    const v128_t in = load_tail(x + i, n - i, xb);
    range4(wasm_v128_load(xb), r);
    buf.advance(bin4(xb, in, p, buf.next(c)));
  }
  buf.drain(c);
  finish(c);
  if (wasm_v128_any_true(r.bad)) return true;
  *mn = f32_lanes_min(r.lo);
  *mx = f32_lanes_max(r.hi);
  return false;
}

}  // namespace

const StatsKernels stats_simd128 = {error_sums_simd128, error_sums_each_simd128, histogram_simd128,
                                    histogram_range_simd128};

}  // namespace mp

#endif  // __wasm_simd128__
