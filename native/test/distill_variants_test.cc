// Checks every SIMD distill table this CPU can run against the scalar reference
// (native/kernels/distill/ref.cc). The variants use their own exp/log (float, about
// 1 ULP) and their own order of summation, so outputs are compared within bounds:
//
//   softmax_rows      |got - want| <= 4 * 2^-23 |want| (4 to 8 ULP of want) + 2^-148.
//                     A softmax is e_j * (1 / S): exp within 1.05 ULP (1.3 without
//                     FMA; x - m is split exactly, so no error grows with |x - m|),
//                     S within about an ULP (its terms' errors, plus at most 2^-23
//                     from adding exps pairwise in float), 1 / S and the product
//                     rounded once each; measured max 3 ULP. The absolute 2^-148
//                     covers results in the denormal range (one rounding there,
//                     plus exp's own).
//   log-softmax       |got - want| <= 4 * 2^-23 |want| + cols 2^-52 + 2^-126.
//                     (x - m) - log S: x - m rounded once, log S within an ULP or
//                     two of itself (S's relative error is at most that of its
//                     non-maximal terms), one final rounding; measured max 1 ULP.
//                     Near 0 (S near 1) the result is -log S = -(S - 1), and S's
//                     double sum (the reference's too) is only good to about
//                     cols 2^-53 absolute, whatever the order; 2^-126 covers terms
//                     below float's range (dropped by the float exp, kept by the
//                     reference's double exp).
//   losses (kl, ce)   |got - want| <= 1e-5 |want| + 1e-6 T, T = sum_j p_j (1 +
//                     |log p_j - log q_j|) for kl and sum_j p_j (1 + |log q_j|) for
//                     ce (p the teacher / smoothed target, p_j > 0 only). The
//                     variants form each term from the exact parts of x - m (and of
//                     log p, whose absolute error is ~2^-25), so a term is good to a
//                     few 2^-24 of itself; the float probabilities weighing them
//                     (~3e-7 relative) and log S (~3e-7 absolute) add at most about
//                     3e-7 sum |terms| + 6e-7 sum p. Losses are sums of terms that
//                     can cancel (kl near 0), so a bound relative to the result
//                     alone would not hold.
//   gradients         |got - want| <= 1e-5 |grad_scale| max(q_j P, p_j) + 2^-23 |want|
//                     + 2^-140 |grad_scale| + 2^-148: q, p carry a few ULP (float),
//                     q P - p is formed in float (error relative to the larger), the
//                     final addition to grad rounds at most half an ULP each way
//                     (2^-148 where that is in the denormal range), and q in the
//                     denormal range is exact only to 2^-149.
//   cosine_rows       loss within 1e-9 (absolute: |cos| <= 1, sums in double), the
//                     gradient within 1e-9 |grad_scale| (|a t_j| + |b s_j|) + 2^-23
//                     |want| (all in double, only the sums' order differs).
//   sq_diff           sum within 2 n 2^-53 of it (positive terms, any order); the
//                     gradient bit-identical (the same double product, rounded once,
//                     added in float).
//   channel_mean_sq, scale_by_map: bit-identical (same operations, same order).
//   Integer results (the returned row of kl_topk_rows / ce_rows) must match, and
//   so must the outputs of the rows before it (for kl_topk_rows: none written).
// Infinite or NaN reference values must be matched exactly (same infinity / NaN).
//
// Cases: rows 0..5 x cols 0..70, and long rows: softmax_rows and kl_rows over
// [1000, 32000], the rest over [64, 32000] (AArch64 and wasm: [16, 32000] and
// [8, 32000]); logits normal with scale 1..30, spread
// over +-1e4, all equal (0, 3.5, +-1e4), many ties near 1e4, one peaked entry,
// -1e30 entries (some rows all -1e30: q = 0 and log q = -1e30, finite, as in the
// reference), and -inf entries for softmax_rows / kl_rows (q = 0, log q = -inf,
// kl = ce = +inf where p > 0, as in the reference; rows that are all -inf have no
// softmax and are not tested); temperatures 1, 2, 4, 10, 0.5 and odd ones; the
// teacher as logits and as probabilities (with zeros, denormals, totals != 1), and
// the student's own softmax (kl near 0); kl / ce / grad each null or not; top-k
// with k = 0, 1, a few, cols - 1, cols, rest 0 or not, and a bad index (-1, cols,
// INT32_MIN, INT32_MAX) at every position of small cases; labels with ignore (-100
// or a class) and a bad label at every row; eps 0 and 0.1; cosine with zero rows
// (eps 1e-8 and 0.5); channel_mean_sq / scale_by_map with batch 0..3, channels
// 1..17 and spatial 1..70 (and 100, 333). Every input is a fresh buffer of exactly
// its size at a random element offset 0..15 (AddressSanitizer sees overruns);
// every output (gradients start non-zero: they are added to) has guard elements
// after it that must stay untouched. Exits 1 on any mismatch; the summary line
// gives the largest error seen as a fraction of its bound.
//
// Build and run: native/test/run.sh
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <algorithm>
#include <string>
#include <vector>

#include "../dispatch/cpu_features.h"
#include "variant_test_util.h"
#include "../kernels/distill/distill_kernels.h"

namespace {

using mp::DistillKernels;

struct Table {
  const char* name;
  const DistillKernels* k;
};

std::vector<Table> runnable_tables() {
  std::vector<Table> t;
  const mp::CpuFeatures& f = mp::cpu_features();
  (void)f;
#if defined(__x86_64__) || defined(_M_X64)
  if (f.avx2) t.push_back({"avx2", &mp::distill_avx2});
  if (f.avx512) t.push_back({"avx512", &mp::distill_avx512});
#endif
#if defined(__aarch64__)
  if (f.neon) t.push_back({"neon", &mp::distill_neon});
#endif
#if defined(__wasm_simd128__)
  t.push_back({"simd128", &mp::distill_simd128});
#endif
  return t;
}

const DistillKernels& ref = mp::distill_scalar;
std::vector<Table> g_tables;

// ---------------------------------------------------------------------------
// Bounds (justified at the top of the file)

constexpr double kSoftmaxUlps = 4, kSoftmaxAbs = 0x1p-148;
constexpr double kLogSoftmaxUlps = 4, kLogSoftmaxAbs = 0x1p-126, kLogSoftmaxPerCol = 0x1p-52;
constexpr double kLossRel = 1e-5, kLossTerms = 1e-6;
constexpr double kGradRel = 1e-5, kGradAbs = 0x1p-140;
constexpr double kCosine = 1e-9;
constexpr size_t kGuard = 16;

// The largest |got - want| / bound seen, and the largest softmax / log-softmax
// errors in ULPs of the reference value (where the absolute floor is negligible),
// for the summary.
double g_worst_ratio = 0, g_softmax_ulps = 0, g_log_softmax_ulps = 0;

// Same value, or both NaN, or both the same infinity; otherwise within tol.
bool close(double got, double want, double tol) {
  if (isnan(want)) return isnan(got);
  if (isinf(want)) return got == want;
  if (!isfinite(got)) return false;
  const double err = fabs(got - want);
  if (tol > 0) g_worst_ratio = std::max(g_worst_ratio, err / tol);
  return err <= tol;
}

// |got - want| in ULPs of the float want (normal, finite want).
double ulps(float got, float want) {
  int e;
  frexp(want, &e);
  return fabs(static_cast<double>(got) - want) / ldexp(1.0, e - 24);
}

bool same_bits(float a, float b) { return bits_of(a) == bits_of(b); }

// ---------------------------------------------------------------------------
// Buffers: inputs are exactly their size at a random offset; outputs also get
// kGuard sentinel elements after them (and the sentinel before the offset).

template <typename T>
struct Input {
  size_t off;
  Buf<T> buf;
  explicit Input(const std::vector<T>& v) : off(static_cast<size_t>(rnd_int(0, 15))), buf(off, v.size()) {
    if (!v.empty()) memcpy(buf.at(off), v.data(), v.size() * sizeof(T));
  }
  const T* ptr() { return buf.at(off); }
};

template <typename T>
struct Output {
  size_t off, n;
  Buf<T> buf;
  explicit Output(const std::vector<T>& init)
      : off(static_cast<size_t>(rnd_int(0, 15))), n(init.size()), buf(off, n, kGuard) {
    fill_sentinel(buf);
    if (n) memcpy(buf.at(off), init.data(), n * sizeof(T));
  }
  T* ptr() { return buf.at(off); }
  T operator[](size_t i) { return buf.at(off)[i]; }
  bool intact() { return guards_intact(buf, off, n); }
};

// ---------------------------------------------------------------------------
// Data

enum Kind { kNormal, kWide, kEqual, kTies, kPeaked, kVeryNeg, kNegInf, kNumKinds };
const char* const kKindNames[] = {"normal", "wide", "equal", "ties", "peaked", "-1e30", "-inf"};

// A fast uniform in [-1, 1) (xorshift64*), for the large arrays; fixed seed.
uint64_t g_xs = 0x9E3779B97F4A7C15ull;
double fast_uniform() {
  g_xs ^= g_xs >> 12;
  g_xs ^= g_xs << 25;
  g_xs ^= g_xs >> 27;
  return static_cast<double>((g_xs * 0x2545F4914F6CDD1Dull) >> 11) * 0x1p-52 - 1.0;
}

// Roughly normal (a sum of three uniforms), scale about 1.
float normal() { return static_cast<float>(fast_uniform() + fast_uniform() + fast_uniform()); }

std::vector<float> logits(size_t rows, size_t cols, Kind kind) {
  std::vector<float> z(rows * cols);
  const float scale = static_cast<float>(std::vector<double>{1, 3, 10, 30}[rnd_int(0, 3)]);
  const float equal = std::vector<float>{0.0f, 3.5f, -1e4f, 1e4f}[rnd_int(0, 3)];
  for (size_t r = 0; r < rows; ++r) {
    const bool all_neg = kind == kVeryNeg && rnd_int(0, 3) == 0;
    for (size_t j = 0; j < cols; ++j) {
      float& v = z[r * cols + j];
      switch (kind) {
        case kNormal: v = normal() * scale; break;
        case kWide: v = static_cast<float>(fast_uniform() * 1e4); break;
        case kEqual: v = equal; break;
        case kTies: v = 1e4f + static_cast<float>(static_cast<int>(fast_uniform() * 3.5)); break;
        case kPeaked: v = normal(); break;
        case kVeryNeg: v = all_neg || fast_uniform() < -0.33 ? -1e30f : normal() * scale; break;
        case kNegInf: v = fast_uniform() < -0.5 && j > 0 ? -INFINITY : normal() * scale; break;  // never all -inf
        default: break;
      }
    }
    if (kind == kPeaked && cols) z[r * cols + rnd_int(0, static_cast<int>(cols) - 1)] = 50.0f;
  }
  return z;
}

// 1 / temperature: 1, 2, 4, 10, 0.5, or an odd value.
float random_inv_t() {
  const int r = rnd_int(0, 5);
  if (r == 5) return static_cast<float>(uniform(0.05, 3.0));
  return 1.0f / std::vector<float>{1.0f, 2.0f, 4.0f, 10.0f, 0.5f}[r];
}

float random_grad_scale() { return std::vector<float>{1.0f, -1.0f, 0.125f, 3.7f, 1e-3f}[rnd_int(0, 4)]; }

// Starting gradients (they are added to): zero or random.
std::vector<float> grad_init(size_t n) {
  std::vector<float> g(n, 0.0f);
  if (rnd_int(0, 1))
    for (float& v : g) v = static_cast<float>(uniform(-1, 1));
  return g;
}

// Teacher probabilities per row: a softmax, then some zeros and denormals, and the
// total scaled away from 1 at times.
std::vector<float> teacher_probs(size_t rows, size_t cols) {
  std::vector<float> p(rows * cols);
  for (size_t r = 0; r < rows; ++r) {
    std::vector<double> e(cols);
    double sum = 0;
    const double scale = uniform(0.5, 8);
    for (double& v : e) sum += (v = exp(normal() * scale));
    const double total = rnd_int(0, 2) == 0 ? uniform(0.5, 1.5) : 1.0;
    for (size_t j = 0; j < cols; ++j) {
      float v = static_cast<float>(e[j] / sum * total);
      const int u = rnd_int(0, 9);
      if (u == 0) v = 0;
      if (u == 1) v = 1e-41f;  // denormal
      p[r * cols + j] = v;
    }
  }
  return p;
}

// ---------------------------------------------------------------------------
// Oracle for the bounds: per row, m and log S as the reference has them, log q_j,
// and the teacher's p_j; in double.

void lse(const float* z, size_t cols, float inv_t, double* m, double* ls) {
  float mf = -INFINITY;  // (as ref.cc: a widening fmax reduction crashes GCC 12 for AArch64)
  for (size_t j = 0; j < cols; ++j) mf = fmaxf(mf, z[j] * inv_t);
  const double mx = mf;
  double s = 0;
  for (size_t j = 0; j < cols; ++j) s += exp(static_cast<double>(z[j] * inv_t) - mx);
  *m = mx;
  *ls = log(s);
}

std::vector<double> log_q_row(const float* z, size_t cols, float inv_t) {
  double m, ls;
  lse(z, cols, inv_t, &m, &ls);
  std::vector<double> lq(cols);
  for (size_t j = 0; j < cols; ++j) lq[j] = static_cast<double>(z[j] * inv_t) - m - ls;
  return lq;
}

// The loss bound's T for kl (with_lp) or ce.
double terms_scale(const std::vector<double>& p, const std::vector<double>& lq, bool kl) {
  double t = 0;
  for (size_t j = 0; j < p.size(); ++j)
    if (p[j] > 0) t += p[j] * (1 + fabs(kl ? log(p[j]) - lq[j] : lq[j]));
  return t;
}

bool check_loss(const char* variant, const char* fn, const std::string& what, size_t r, const char* which,
                double got, double want, double t) {
  if (close(got, want, kLossRel * fabs(want) + kLossTerms * t)) return true;
  fail(variant, fn, fmt("%s row %zu: %s %.17g, want %.17g (T %.3g)", what.c_str(), r, which, got, want, t));
  return false;
}

bool grad_close(float got, float want, double gs, double scale) {
  return close(got, want, kGradRel * fabs(gs) * scale + 0x1p-23 * fabs(want) + kGradAbs * fabs(gs) + 0x1p-148);
}

// Compares one row of a gradient; p and q P give the scale.
bool check_grad_row(const char* variant, const char* fn, const std::string& what, size_t r, const float* got,
                    const float* want, const std::vector<double>& p, const std::vector<double>& lq, double psum,
                    float gs) {
  for (size_t j = 0; j < p.size(); ++j) {
    const double scale = fmax(exp(lq[j]) * psum, p[j]);
    if (!grad_close(got[j], want[j], gs, scale)) {
      fail(variant, fn,
           fmt("%s row %zu col %zu: grad %.9g, want %.9g (q %.3g p %.3g)", what.c_str(), r, j, got[j], want[j],
               exp(lq[j]), p[j]));
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------
// softmax_rows

void check_softmax(const std::vector<float>& z, size_t rows, size_t cols, float inv_t, int log_out,
                   const char* kind) {
  const std::string what = fmt("%s [%zu, %zu] inv_t=%g log=%d", kind, rows, cols, inv_t, log_out);
  std::vector<float> want(rows * cols);
  ref.softmax_rows(z.data(), rows, cols, inv_t, log_out, want.data());
  const double max_ulps = log_out ? kLogSoftmaxUlps : kSoftmaxUlps;
  const double abs_tol = log_out ? kLogSoftmaxAbs + kLogSoftmaxPerCol * static_cast<double>(cols) : kSoftmaxAbs;
  for (const Table& t : g_tables) {
    Input<float> in(z);
    Output<float> out(std::vector<float>(rows * cols, 0.0f));
    t.k->softmax_rows(in.ptr(), rows, cols, inv_t, log_out, out.ptr());
    ++g_checks;
    if (!out.intact()) {
      fail(t.name, "softmax_rows", what + ": wrote outside the output");
      continue;
    }
    for (size_t i = 0; i < rows * cols; ++i) {
      const double w = want[i];
      if (isfinite(w) && abs_tol < 0x1p-30 * fabs(w) && isfinite(out[i])) {  // where the ULPs are the bound
        double& worst = log_out ? g_log_softmax_ulps : g_softmax_ulps;
        worst = std::max(worst, ulps(out[i], want[i]));
      }
      if (!close(out[i], w, max_ulps * 0x1p-23 * fabs(w) + abs_tol)) {
        fail(t.name, "softmax_rows",
             fmt("%s at [%zu, %zu]: %a, want %a (z %a)", what.c_str(), i / cols, i % cols, out[i], want[i], z[i]));
        break;
      }
    }
  }
}

// ---------------------------------------------------------------------------
// kl_rows

// The outputs of one table's call.
struct Outputs {
  const Table* t;
  Output<double> kl, ce;
  Output<float> g;
  size_t ret;
  bool ok;
};

void check_kl(const std::vector<float>& s, const std::vector<float>& tv, size_t rows, size_t cols, float inv_t,
              int probs, float gs, int outputs, const char* kind) {
  const bool want_kl = outputs & 1, want_ce = outputs & 2, want_grad = outputs & 4;
  const std::string what =
      fmt("%s [%zu, %zu] inv_t=%g teacher_probs=%d gs=%g outputs=%d", kind, rows, cols, inv_t, probs, gs, outputs);
  const std::vector<float> g0 = grad_init(rows * cols);
  const std::vector<double> l0(rows, 0.25);
  std::vector<double> kl_want(l0), ce_want(l0);
  std::vector<float> g_want(g0);
  ref.kl_rows(s.data(), tv.data(), rows, cols, inv_t, probs, gs, want_kl ? kl_want.data() : nullptr,
              want_ce ? ce_want.data() : nullptr, want_grad ? g_want.data() : nullptr);
  std::vector<Outputs> got;
  for (const Table& t : g_tables) {
    Input<float> sin(s), tin(tv);
    got.push_back({&t, Output<double>(l0), Output<double>(l0), Output<float>(g0), rows, true});
    Outputs& o = got.back();
    t.k->kl_rows(sin.ptr(), tin.ptr(), rows, cols, inv_t, probs, gs, want_kl ? o.kl.ptr() : nullptr,
                 want_ce ? o.ce.ptr() : nullptr, want_grad ? o.g.ptr() : nullptr);
    ++g_checks;
    if (!o.kl.intact() || !o.ce.intact() || !o.g.intact()) {
      fail(t.name, "kl_rows", what + ": wrote outside an output");
      o.ok = false;
    }
  }
  std::vector<double> lq, p;
  for (size_t r = 0; r < rows; ++r) {
    // The oracle for the bounds.
    lq = log_q_row(s.data() + r * cols, cols, inv_t);
    if (probs) {
      p.assign(tv.begin() + r * cols, tv.begin() + (r + 1) * cols);
    } else {
      p = log_q_row(tv.data() + r * cols, cols, inv_t);
      for (double& v : p) v = exp(v);
    }
    double psum = 0;
    for (double v : p) psum += v;
    const double t_kl = terms_scale(p, lq, true), t_ce = terms_scale(p, lq, false);
    for (Outputs& o : got) {
      if (!o.ok) continue;
      const char* name = o.t->name;
      o.ok = (!want_kl || check_loss(name, "kl_rows", what, r, "kl", o.kl[r], kl_want[r], t_kl)) &&
             (!want_ce || check_loss(name, "kl_rows", what, r, "ce", o.ce[r], ce_want[r], t_ce)) &&
             (!want_grad || check_grad_row(name, "kl_rows", what, r, o.g.ptr() + r * cols, g_want.data() + r * cols, p,
                                           lq, psum, gs));
      if (o.ok && !want_kl && o.kl[r] != l0[r]) {
        fail(name, "kl_rows", what + ": wrote kl though it was null");
        o.ok = false;
      }
    }
  }
}

// ---------------------------------------------------------------------------
// kl_topk_rows

struct TopK {
  size_t rows, cols, k;
  std::vector<int32_t> idx;
  std::vector<float> p, rest;
};

TopK random_topk(size_t rows, size_t cols, size_t k) {
  TopK d{rows, cols, k, std::vector<int32_t>(rows * k), std::vector<float>(rows * k), std::vector<float>(rows)};
  std::vector<int32_t> perm(cols);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t j = 0; j < cols; ++j) perm[j] = static_cast<int32_t>(j);
    for (size_t i = 0; i < k; ++i) std::swap(perm[i], perm[i + rnd_int(0, static_cast<int>(cols - i) - 1)]);
    double total = 0;
    for (size_t i = 0; i < k; ++i) {
      d.idx[r * k + i] = perm[i];
      const int u = rnd_int(0, 7);
      const float v = u == 0 ? 0.0f : u == 1 ? 1e-40f : static_cast<float>(uniform(0, 1));
      d.p[r * k + i] = v;
      total += v;
    }
    // Normalise most rows so that the top k and the rest make about 1.
    const double rest = rnd_int(0, 3) == 0 ? 0.0 : uniform(0.01, 0.5);
    if (total > 0 && rnd_int(0, 3) != 0)
      for (size_t i = 0; i < k; ++i) d.p[r * k + i] = static_cast<float>(d.p[r * k + i] / total * (1 - rest));
    d.rest[r] = static_cast<float>(rest);
  }
  return d;
}

// The reference's dense teacher of a row.
std::vector<double> dense_topk(const TopK& d, size_t r) {
  const double other = d.k < d.cols ? static_cast<double>(d.rest[r]) / static_cast<double>(d.cols - d.k) : 0;
  std::vector<double> dense(d.cols, other);
  for (size_t i = 0; i < d.k; ++i) dense[d.idx[r * d.k + i]] = d.p[r * d.k + i];
  return dense;
}

void check_topk(const std::vector<float>& s, const TopK& d, float inv_t, float gs, int outputs, const char* kind) {
  const size_t rows = d.rows, cols = d.cols, k = d.k;
  const bool want_kl = outputs & 1, want_ce = outputs & 2, want_grad = outputs & 4;
  const std::string what =
      fmt("%s [%zu, %zu] k=%zu inv_t=%g gs=%g outputs=%d", kind, rows, cols, k, inv_t, gs, outputs);
  const std::vector<float> g0 = grad_init(rows * cols);
  const std::vector<double> l0(rows, 0.25);
  std::vector<double> kl_want(l0), ce_want(l0);
  std::vector<float> g_want(g0);
  const size_t ret_want = ref.kl_topk_rows(s.data(), d.idx.data(), d.p.data(), d.rest.data(), rows, cols, k, inv_t, gs,
                                           want_kl ? kl_want.data() : nullptr, want_ce ? ce_want.data() : nullptr,
                                           want_grad ? g_want.data() : nullptr);
  std::vector<Outputs> got;
  for (const Table& t : g_tables) {
    Input<float> sin(s), pin(d.p), rin(d.rest);
    Input<int32_t> iin(d.idx);
    got.push_back({&t, Output<double>(l0), Output<double>(l0), Output<float>(g0), 0, true});
    Outputs& o = got.back();
    o.ret = t.k->kl_topk_rows(sin.ptr(), iin.ptr(), pin.ptr(), rin.ptr(), rows, cols, k, inv_t, gs,
                              want_kl ? o.kl.ptr() : nullptr, want_ce ? o.ce.ptr() : nullptr,
                              want_grad ? o.g.ptr() : nullptr);
    ++g_checks;
    if (!o.kl.intact() || !o.ce.intact() || !o.g.intact()) {
      fail(t.name, "kl_topk_rows", what + ": wrote outside an output");
      o.ok = false;
    } else if (o.ret != ret_want) {
      fail(t.name, "kl_topk_rows", fmt("%s: returned %zu, want %zu", what.c_str(), o.ret, ret_want));
      o.ok = false;
    }
  }
  // Rows before the returned one are specified (the reference writes nothing at
  // all when an index is bad, and so must the variant: the p of 0 and the
  // unchanged outputs make every bound 0 or one float rounding there).
  std::vector<double> lq, p;
  for (size_t r = 0; r < ret_want; ++r) {
    lq = log_q_row(s.data() + r * cols, cols, inv_t);
    p.assign(cols, 0.0);
    double psum = 0;
    if (ret_want == rows) {
      p = dense_topk(d, r);
      for (double v : p) psum += v;
    }
    const double t_kl = terms_scale(p, lq, true), t_ce = terms_scale(p, lq, false);
    for (Outputs& o : got) {
      if (!o.ok) continue;
      const char* name = o.t->name;
      o.ok = (!want_kl || check_loss(name, "kl_topk_rows", what, r, "kl", o.kl[r], kl_want[r], t_kl)) &&
             (!want_ce || check_loss(name, "kl_topk_rows", what, r, "ce", o.ce[r], ce_want[r], t_ce)) &&
             (!want_grad || check_grad_row(name, "kl_topk_rows", what, r, o.g.ptr() + r * cols,
                                           g_want.data() + r * cols, p, lq, psum, gs));
    }
  }
}

#include "distill_checks_other.inc"

// ---------------------------------------------------------------------------
// Case lists

std::vector<size_t> small_cols() {
  std::vector<size_t> v;
  for (size_t c = 0; c <= 70; ++c) v.push_back(c);
  return v;
}

void softmax_and_kl_cases() {
  for (size_t rows = 0; rows <= 5; ++rows)
    for (size_t cols : small_cols())
      for (int kind = 0; kind < kNumKinds; ++kind) {
        const Kind k = static_cast<Kind>(kind);
        const float inv_t = random_inv_t();
        const std::vector<float> z = logits(rows, cols, k);
        check_softmax(z, rows, cols, inv_t, 0, kKindNames[kind]);
        check_softmax(z, rows, cols, inv_t, 1, kKindNames[kind]);
        // Teacher as logits (of any kind) and as probabilities.
        const Kind tk = rnd_int(0, 1) ? k : static_cast<Kind>(rnd_int(0, kNumKinds - 1));
        const std::vector<float> tl = logits(rows, cols, tk);
        check_kl(z, tl, rows, cols, inv_t, 0, random_grad_scale(), rnd_int(0, 7), kKindNames[kind]);
        check_kl(z, teacher_probs(rows, cols), rows, cols, inv_t, 1, random_grad_scale(), rnd_int(0, 7),
                 kKindNames[kind]);
      }
  // Every combination of wanted outputs, and the student's own softmax as teacher
  // (kl near 0: the cancelling case).
  for (int outputs = 0; outputs < 8; ++outputs) {
    const size_t rows = 3, cols = static_cast<size_t>(rnd_int(1, 70));
    const float inv_t = random_inv_t();
    const std::vector<float> z = logits(rows, cols, kNormal);
    check_kl(z, z, rows, cols, inv_t, 0, random_grad_scale(), outputs, "self");
    std::vector<float> q(rows * cols);
    ref.softmax_rows(z.data(), rows, cols, inv_t, 0, q.data());
    check_kl(z, q, rows, cols, inv_t, 1, random_grad_scale(), outputs, "self-probs");
  }
}

void topk_cases() {
  for (size_t rows = 0; rows <= 5; ++rows)
    for (size_t cols : small_cols())
      for (int rep = 0; rep < 3; ++rep) {
        const std::vector<size_t> ks = {0, std::min<size_t>(cols, 1), std::min<size_t>(cols, 5), cols ? cols - 1 : 0,
                                        cols};
        const size_t k = ks[rnd_int(0, static_cast<int>(ks.size()) - 1)];
        const Kind kind = static_cast<Kind>(rnd_int(0, kNegInf - 1));  // -inf: see the header
        const TopK d = random_topk(rows, cols, k);
        check_topk(logits(rows, cols, kind), d, random_inv_t(), random_grad_scale(), rnd_int(0, 7), kKindNames[kind]);
      }
  // A bad index at every position of some small cases.
  const int32_t bad[] = {-1, 0, INT32_MIN, INT32_MAX};  // 0 stands for cols
  for (size_t rows = 1; rows <= 4; ++rows)
    for (size_t cols : {1, 2, 5, 9, 17})
      for (size_t k : {size_t{1}, std::min<size_t>(cols, 3), cols}) {
        for (size_t at = 0; at < rows * k; ++at) {
          TopK d = random_topk(rows, cols, k);
          const int32_t b = bad[rnd_int(0, 3)];
          d.idx[at] = b == 0 ? static_cast<int32_t>(cols) : b;
          check_topk(logits(rows, cols, kNormal), d, random_inv_t(), random_grad_scale(), 7, "bad-index");
        }
      }
}

void ce_cases() {
  for (size_t rows = 0; rows <= 5; ++rows)
    for (size_t cols : small_cols())
      for (int rep = 0; rep < 2; ++rep) {
        const Kind kind = static_cast<Kind>(rnd_int(0, kNegInf - 1));
        const int32_t ignore = rnd_int(0, 2) || cols == 0 ? -100 : rnd_int(0, static_cast<int>(cols) - 1);
        std::vector<int32_t> labels(rows);
        for (int32_t& y : labels) y = cols == 0 || rnd_int(0, 4) == 0 ? ignore : rnd_int(0, static_cast<int>(cols) - 1);
        const float eps = rnd_int(0, 1) ? 0.0f : 0.1f;
        check_ce(logits(rows, cols, kind), labels, rows, cols, ignore, eps, random_grad_scale(), rnd_int(0, 3) != 0,
                 kKindNames[kind]);
      }
  // A bad label at every row.
  for (size_t rows = 1; rows <= 5; ++rows)
    for (size_t cols : {1, 3, 16, 33})
      for (size_t at = 0; at < rows; ++at) {
        const int32_t ignore = -100;
        std::vector<int32_t> labels(rows);
        for (int32_t& y : labels) y = rnd_int(0, 4) == 0 ? ignore : rnd_int(0, static_cast<int>(cols) - 1);
        const int32_t bad[] = {-1, static_cast<int32_t>(cols), INT32_MIN, INT32_MAX, -101};
        labels[at] = bad[rnd_int(0, 4)];
        check_ce(logits(rows, cols, kNormal), labels, rows, cols, ignore, rnd_int(0, 1) ? 0.0f : 0.1f,
                 random_grad_scale(), true, "bad-label");
      }
}

void other_cases() {
  for (size_t n = 0; n <= 130; ++n) check_sq_diff(n);
  for (size_t n : {1000, 4097, 100003}) check_sq_diff(n);
  for (size_t rows = 0; rows <= 5; ++rows)
    for (size_t cols : small_cols()) check_cosine(rows, cols);
  check_cosine(3, 4099);
  for (size_t batch = 0; batch <= 3; ++batch)
    for (size_t channels = 1; channels <= 17; ++channels)
      for (size_t spatial = 1; spatial <= 70; spatial += (spatial < 20 ? 1 : 7)) check_maps(batch, channels, spatial);
  for (size_t spatial : {64, 65, 100, 333}) check_maps(2, 5, spatial);
}

// Long rows (several times the L1 size, every loop's main path): softmax_rows and
// kl_rows over [1000, 32000], the others over [64, 32000]; under emulation
// (AArch64, usually run by qemu) and on wasm, [16, 32000] and [8, 32000], which
// keep the rows' length and take a fraction of the time.
void large_cases() {
#if defined(__aarch64__) || defined(__wasm__)
  const size_t rows = 16, cols = 32000, few = 8;
#else
  const size_t rows = 1000, cols = 32000, few = 64;
#endif
  const std::vector<float> z = logits(rows, cols, kNormal);
  check_softmax(z, rows, cols, 1.0f, 0, "large");
  check_softmax(z, rows, cols, 0.5f, 1, "large");
  check_kl(z, logits(rows, cols, kWide), rows, cols, 0.25f, 0, 1.0f / rows, 7, "large");
  const std::vector<float> zf(z.begin(), z.begin() + few * cols);
  check_kl(zf, teacher_probs(few, cols), few, cols, 1.0f, 1, 1.0f, 7, "large");
  std::vector<int32_t> labels(few);
  for (int32_t& y : labels) y = rnd_int(0, static_cast<int>(cols) - 1);
  check_ce(zf, labels, few, cols, -100, 0.1f, 1.0f / few, true, "large");
  check_topk(zf, random_topk(few, cols, 50), 0.5f, 1.0f, 7, "large");
}

}  // namespace

int main() {
  g_tables = runnable_tables();
  std::string names;
  for (const Table& t : g_tables) names += (names.empty() ? "" : ",") + std::string(t.name);
  if (g_tables.empty()) names = "none";
  if (!g_tables.empty()) {
    softmax_and_kl_cases();
    topk_cases();
    ce_cases();
    other_cases();
    large_cases();
  }
  printf(
      "distill_variants_test: %s  variants=%s  calls=%lld  mismatches=%lld  worst error/bound=%.3f  softmax max "
      "%.2f ULP  log-softmax max %.2f ULP\n",
      g_failures ? "FAIL" : "PASS", names.c_str(), g_checks, g_failures, g_worst_ratio, g_softmax_ulps,
      g_log_softmax_ulps);
  return g_failures == 0 ? 0 : 1;
}
