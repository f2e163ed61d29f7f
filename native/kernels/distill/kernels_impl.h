// The distill kernels written once over a vector type V of vec_math.h (Avx2,
// Avx512: vec_math_x86.h; V128, NEON and SIMD128: vec_math_128.h), instantiated by
// avx2.cc, avx512.cc, neon.cc and simd128.cc; ref.cc is the specification. Softmax,
// losses and gradients agree with it within the bounds stated in
// native/test/distill_variants_test.cc (own exp/log, own order of summation);
// sq_diff's gradient, channel_mean_sq and scale_by_map are bit-identical to it.
//
// The includer first defines MP_DISTILL_TARGET (the target attribute of every
// function here: its ISA's on x86, whose TUs are compiled for the baseline ISA;
// empty where the whole TU is compiled for the ISA) and MP_BODY (the same plus
// always_inline, for the loop bodies, which are lambdas), then includes its
// vec_math_*.h and this file, and fills its table from DistillImpl<V, kKlStep>.
// Everything is in an anonymous namespace, so each TU keeps its own copies. Apart
// from the row totals' log/sqrt (libm, double, once per row) and the scratch row's
// new/delete, no library function is called from the kernels.
//
// exp and log: vec_math.h (x - m split exactly by TwoSum, Cody-Waite reduction,
// degree-6 polynomial, scaled by 2^n in V::ldexp_exp, exactly 0 by a mask below
// 2^-150; log by exponent split, log(1 + f) = f + f^2 (-1/2 + f P(f)) with P of
// degree 7, k ln 2 kept apart), several vectors interleaved per loop step so their
// long dependency chains overlap. Sums in double: exps added pairwise in float first
// (S to 2^-23, except log-softmax's, whose S - 1 must stay exact), loss terms formed
// in float from the exact x - m = diff + low of the exps (each term to a few 2^-24
// of itself) and also added pairwise first. Tails go through V's Part loads and
// stores (never touching memory past the row); padded lanes load -inf where an exp
// follows (it gives 0) and 0 elsewhere, and loss terms count only where p > 0.
//
// Passes over a row (it stays in L1/L2 between them: the exp pass also fetches the
// next row, and the exps of a row go to a scratch row instead of being computed
// twice):
//   softmax_rows  max | exp and sum, storing the exps | scale by 1/S; for log:
//                 max | sum | write (x - m) - log S
//   kl_rows       both maxima | both exp sums and the loss sums | the gradient.
//                 With the teacher as logits p_j = e_j / S_t, so kl = sum e_t (dt -
//                 ds) / S_t - log S_t + log S_s and ce = log S_s - sum e_t ds / S_t
//                 (dt, ds the logits minus their maxima); as probabilities kl =
//                 sum p (log p - ds) + P log S_s and ce = P log S_s - sum p ds.
//   kl_topk_rows  indices checked for all rows first (as ref.cc: nothing written
//                 on a bad one) | per row: max | exp sum, and the sum of x - m over
//                 the entries not in the top k (flagged in a scratch row) for the
//                 spread rest's losses | the top k (losses; their gradients kept) |
//                 dense gradient with the spread rest | top-k gradients written
//                 over from the kept values (one rounding each, as in ref.cc)
//   ce_rows       max | exp sum and sum of x - m | gradient (the label's entry
//                 redone from its old value)
#ifndef MODELPRESS_DISTILL_KERNELS_IMPL_H
#define MODELPRESS_DISTILL_KERNELS_IMPL_H

#if !defined(MP_DISTILL_TARGET) || !defined(MP_BODY)
#error "define MP_DISTILL_TARGET and MP_BODY and include vec_math_x86.h or vec_math_128.h first"
#endif

#include <math.h>
#include <stddef.h>
#include <stdint.h>

namespace mp {
namespace {
namespace distill_vm {

// Scratch floats of one call (exps of a row, flags, kept gradients), freed on
// return.
struct Scratch {
  float* p = nullptr;
  explicit Scratch(size_t n) : p(n ? new float[n] : nullptr) {}
  ~Scratch() { delete[] p; }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

// V: the vector type. kKlStep: vectors per step of kl_rows' exp pass (which has two
// exps per element, the student's and the teacher's).
template <class V, int kKlStep>
struct DistillImpl {
  using F = typename V::F;
  using D = typename V::D;

  static constexpr float kNegInf = -INFINITY;
  // Vectors per loop step, interleaved, in the passes with one exp per element.
  static constexpr int kStep = 4;

  static MP_DISTILL_TARGET float row_max(const float* z, size_t n, F vt);
  static MP_DISTILL_TARGET void row_max2(const float* a, const float* c, size_t n, F vt, float* ma, float* mc,
                                         float* min_a);
  static MP_DISTILL_TARGET void row_lse_sum(const float* sr, size_t cols, F vt, bool want_sum, const float* w, float* m,
                                            double* sum_e, double* sum_d, float* e, const float* s_next);
  static MP_DISTILL_TARGET void softmax_rows(const float* z, size_t rows, size_t cols, float inv_t, int log_out,
                                             float* out);
  static MP_DISTILL_TARGET void kl_row_logits(const float* sr, const float* tr, size_t cols, F vt, float grad_scale,
                                              double* kl, double* ce, float* gr, float* es, float* et,
                                              const float* s_next, const float* t_next);
  static MP_DISTILL_TARGET void kl_row_probs(const float* sr, const float* pr, size_t cols, F vt, F vgs, double* kl,
                                             double* ce, float* gr, float* es, const float* s_next,
                                             const float* p_next);
  static MP_DISTILL_TARGET void kl_rows(const float* s, const float* t, size_t rows, size_t cols, float inv_t,
                                        int teacher_probs, float grad_scale, double* kl, double* ce, float* grad);
  static MP_DISTILL_TARGET size_t kl_topk_rows(const float* s, const int32_t* idx, const float* p, const float* rest,
                                               size_t rows, size_t cols, size_t k, float inv_t, float grad_scale,
                                               double* kl, double* ce, float* grad);
  static MP_DISTILL_TARGET size_t ce_rows(const float* s, const int32_t* labels, size_t rows, size_t cols,
                                          int32_t ignore, float eps, float grad_scale, double* loss, float* grad);
  static MP_DISTILL_TARGET double sq_diff(const float* s, const float* t, size_t n, float grad_scale, float* grad);
  static MP_DISTILL_TARGET void cosine_rows(const float* s, const float* t, size_t rows, size_t cols, float eps,
                                            float grad_scale, double* loss, float* grad);
  static MP_DISTILL_TARGET void channel_mean_sq(const float* a, size_t batch, size_t channels, size_t spatial,
                                                float* out);
  static MP_DISTILL_TARGET void scale_by_map(const float* a, const float* g, size_t batch, size_t channels,
                                             size_t spatial, float* grad);
};

// ---------------------------------------------------------------------------
// Row maxima

// max_j z_j * inv_t over a row (-inf if empty). Four chains hide the latency.
template <class V, int kKlStep>
MP_DISTILL_TARGET float DistillImpl<V, kKlStep>::row_max(const float* z, size_t n, F vt) {
  F m[4] = {V::set1(kNegInf), V::set1(kNegInf), V::set1(kNegInf), V::set1(kNegInf)};
  for_blocks<V, 4>(n, [&](size_t i, auto b) MP_BODY {
    constexpr int K = decltype(b)::kVecs;
    for (int k = 0; k < K; ++k) m[k] = V::max(m[k], V::mul(V::ld(b, z + i + k * V::kW, kNegInf), vt));
  });
  return V::reduce_max(V::max(V::max(m[0], m[1]), V::max(m[2], m[3])));
}

// The maxima of two rows at once, and the min of the first.
template <class V, int kKlStep>
MP_DISTILL_TARGET void DistillImpl<V, kKlStep>::row_max2(const float* a, const float* c, size_t n, F vt, float* ma,
                                                         float* mc, float* min_a) {
  F am[2] = {V::set1(kNegInf), V::set1(kNegInf)}, cm[2] = {am[0], am[0]};
  F an[2] = {V::set1(INFINITY), V::set1(INFINITY)};
  for_blocks<V, 2>(n, [&](size_t i, auto b) MP_BODY {
    constexpr int K = decltype(b)::kVecs;
    for (int k = 0; k < K; ++k) {
      const F x = V::mul(V::ld(b, a + i + k * V::kW, kNegInf), vt);
      am[k] = V::max(am[k], x);
      an[k] = V::min(an[k], V::padt(b, x, INFINITY));
      cm[k] = V::max(cm[k], V::mul(V::ld(b, c + i + k * V::kW, kNegInf), vt));
    }
  });
  *ma = V::reduce_max(V::max(am[0], am[1]));
  *mc = V::reduce_max(V::max(cm[0], cm[1]));
  *min_a = V::reduce_min(V::min(an[0], an[1]));
}

// The max m of a row of x = s * inv_t, the sum of exp(x - m) (stored to e if not
// null) and, if wanted, the sum of x - m where w > 0 (everywhere if w is null),
// from the exact parts diff + low of x - m: no cancellation against m. s_next:
// the next row (or null), fetched meanwhile.
template <class V, int kKlStep>
MP_DISTILL_TARGET void DistillImpl<V, kKlStep>::row_lse_sum(const float* sr, size_t cols, F vt, bool want_sum,
                                                            const float* w, float* m, double* sum_e, double* sum_d,
                                                            float* e, const float* s_next) {
  *m = row_max(sr, cols, vt);
  const F nm = V::set1(-*m), one = V::set1(1.0f);
  SumD<V> se = sum_zero<V>(), sd = sum_zero<V>(), sl = sum_zero<V>();
  for_blocks<V, kStep>(cols, [&](size_t i, auto b) MP_BODY {
    constexpr int K = decltype(b)::kVecs;
    F x[K], ex[K], dh[K], dl[K];
    for (int k = 0; k < K; ++k) x[k] = V::mul(V::ld(b, sr + i + k * V::kW, kNegInf), vt);
    exp_sub_k<V, K>(x, nm, ex, dh, dl);
    prefetch(s_next ? s_next + i : nullptr, K * V::kW);
    if (e) store_k<V>(b, e + i, ex);
    sum_add_exps<V, K>(se, ex);
    if (want_sum) {
      for (int k = 0; k < K; ++k) {
        dh[k] = V::padt(b, dh[k], 0.0f);  // low is 0 there already
        if (w) {
          const auto in = V::gt(V::ld(b, w + i + k * V::kW, 0.0f), V::zero());
          dh[k] = V::mul_if(in, dh[k], one);
          dl[k] = V::mul_if(in, dl[k], one);
        }
        sum_add<V>(sd, dh[k]);
      }
      sum_add_terms<V, K>(sl, dl);
    }
  });
  *sum_e = sum_total<V>(se);
  *sum_d = want_sum ? sum_total<V>(sd) + sum_total<V>(sl) : 0.0;
}

// ---------------------------------------------------------------------------
// softmax_rows

template <class V, int kKlStep>
MP_DISTILL_TARGET void DistillImpl<V, kKlStep>::softmax_rows(const float* z, size_t rows, size_t cols, float inv_t,
                                                             int log_out, float* out) {
  if (cols == 0) return;
  const F vt = V::set1(inv_t);
  for (size_t r = 0; r < rows; ++r) {
    const float* zr = z + r * cols;
    const float* z_next = r + 1 < rows ? zr + cols : nullptr;  // fetched during the exp pass
    float* orow = out + r * cols;
    const F nm = V::set1(-row_max(zr, cols, vt));
    SumD<V> s = sum_zero<V>();
    if (log_out) {
      for_blocks<V, kStep>(cols, [&](size_t i, auto b) MP_BODY {
        constexpr int K = decltype(b)::kVecs;
        F x[K], e[K];
        for (int k = 0; k < K; ++k) x[k] = V::mul(V::ld(b, zr + i + k * V::kW, kNegInf), vt);
        exp_sub_k<V, K>(x, nm, e);
        prefetch(z_next ? z_next + i : nullptr, K * V::kW);
        // Each vector to double on its own: near 0, -log S = -(S - 1) needs S - 1
        // to its own precision, which adding in float first would lose.
        for (int k = 0; k < K; ++k) sum_add<V>(s, e[k]);
      });
      // x - m is within 0.5 ULP of the result, log S within an ULP or so of its part.
      const F ls = V::set1(static_cast<float>(log(sum_total<V>(s))));
      for_blocks<V, 1>(cols, [&](size_t i, auto b) MP_BODY {
        V::st(b, orow + i, V::sub(V::add(V::mul(V::ld(b, zr + i, 0.0f), vt), nm), ls));
      });
    } else {
      for_blocks<V, kStep>(cols, [&](size_t i, auto b) MP_BODY {
        constexpr int K = decltype(b)::kVecs;
        F x[K], e[K];
        for (int k = 0; k < K; ++k) x[k] = V::mul(V::ld(b, zr + i + k * V::kW, kNegInf), vt);
        exp_sub_k<V, K>(x, nm, e);
        prefetch(z_next ? z_next + i : nullptr, K * V::kW);
        store_k<V>(b, orow + i, e);
        sum_add_exps<V, K>(s, e);
      });
      const F inv = V::set1(static_cast<float>(1.0 / sum_total<V>(s)));
      for_blocks<V, 1>(cols, [&](size_t i, auto b) MP_BODY {
        V::st(b, orow + i, V::mul(V::ld(b, orow + i, 0.0f), inv));
      });
    }
  }
}

// ---------------------------------------------------------------------------
// kl_rows

// Teacher given as logits. es, et: scratch rows for the exps (when gr is set).
// The loss terms are formed in float from the exact x - m = diff + low of the exps
// (each term to 2^-24 of itself), added pairwise, and summed in double.
// s_next, t_next: the next rows (or null), fetched during the exp pass.
template <class V, int kKlStep>
MP_DISTILL_TARGET void DistillImpl<V, kKlStep>::kl_row_logits(const float* sr, const float* tr, size_t cols, F vt,
                                                              float grad_scale, double* kl, double* ce, float* gr,
                                                              float* es, float* et, const float* s_next,
                                                              const float* t_next) {
  float ms, mt, min_s;
  row_max2(sr, tr, cols, vt, &ms, &mt, &min_s);
  const bool track_ninf = min_s == kNegInf;  // rare: only then look for p > 0 at q = 0
  const F nms = V::set1(-ms), nmt = V::set1(-mt), ninf = V::set1(kNegInf);
  SumD<V> ss = sum_zero<V>(), st = sum_zero<V>(), skl = sum_zero<V>(), sce = sum_zero<V>();
  F t_at_ninf = ninf;  // the largest teacher logit where the student's is -inf
  const bool want_kl = kl != nullptr, want_ce = ce != nullptr;
  for_blocks<V, kKlStep>(cols, [&](size_t i, auto b) MP_BODY {
    constexpr int K = decltype(b)::kVecs;
    // [0, K) the student's, [K, 2K) the teacher's.
    F x[2 * K], nm[2 * K], e[2 * K], dh[2 * K], dl[2 * K];
    for (int k = 0; k < K; ++k) {
      x[k] = V::mul(V::ld(b, sr + i + k * V::kW, kNegInf), vt);
      x[K + k] = V::mul(V::ld(b, tr + i + k * V::kW, kNegInf), vt);
      nm[k] = nms;
      nm[K + k] = nmt;
    }
    exp_sub_k<V, 2 * K>(x, nm, e, dh, dl);
    prefetch(s_next ? s_next + i : nullptr, K * V::kW);
    prefetch(t_next ? t_next + i : nullptr, K * V::kW);
    if (gr) {
      prefetch(gr + i, K * V::kW);
      store_k<V>(b, es + i, e);
      store_k<V>(b, et + i, e + K);
    }
    sum_add_exps<V, K>(ss, e);
    sum_add_exps<V, K>(st, e + K);
    if (want_kl || want_ce) {
      F tkl[K], tce[K];
      for (int k = 0; k < K; ++k) {
        // Terms where p > 0 only: e_t (dt - ds) and e_t ds.
        const auto pos = V::gt(e[K + k], V::zero());
        if (want_kl)
          tkl[k] = V::mul_if(pos, e[K + k], V::add(V::sub(dh[K + k], dh[k]), V::sub(dl[K + k], dl[k])));
        if (want_ce) tce[k] = V::mul_if(pos, e[K + k], V::add(dh[k], dl[k]));
        if (track_ninf) t_at_ninf = V::max(t_at_ninf, V::select(V::eq(x[k], ninf), x[K + k], ninf));
      }
      if (want_kl) sum_add_terms<V, K>(skl, tkl);
      if (want_ce) sum_add_terms<V, K>(sce, tce);
    }
  });
  const double sum_s = sum_total<V>(ss), sum_t = sum_total<V>(st);
  const double ls = log(sum_s), lt = log(sum_t);
  // log q = -inf where p > 0 makes both losses +inf in the reference, whose p (a
  // double exp) is > 0 down to exp(-745); the float exp may have rounded it to 0.
  const double tn = V::reduce_max(t_at_ninf);
  const bool inf_loss = tn > -INFINITY && tn - mt - lt > -745.13;
  if (kl) *kl = inf_loss ? INFINITY : sum_total<V>(skl) / sum_t - lt + ls;
  if (ce) *ce = inf_loss ? INFINITY : ls - sum_total<V>(sce) / sum_t;
  if (!gr) return;
  // grad += grad_scale (q - p), q = es / S_s, p = et / S_t (P = 1), with
  // grad_scale folded into the two factors.
  const F cs = V::set1(static_cast<float>(grad_scale / sum_s)), ct = V::set1(static_cast<float>(grad_scale / sum_t));
  for_blocks<V, 1>(cols, [&](size_t i, auto b) MP_BODY {
    const F gq = V::mul(V::ld(b, es + i, 0.0f), cs), gp = V::mul(V::ld(b, et + i, 0.0f), ct);
    V::st(b, gr + i, V::add(V::ld(b, gr + i, 0.0f), V::sub(gq, gp)));
  });
}

// Teacher given as probabilities. es: scratch row for the exps (when gr is set).
// log p - ds = (k ln2hi - diff) + (k ln2lo + y - low), the first difference exact
// up to its own rounding.
template <class V, int kKlStep>
MP_DISTILL_TARGET void DistillImpl<V, kKlStep>::kl_row_probs(const float* sr, const float* pr, size_t cols, F vt, F vgs,
                                                             double* kl, double* ce, float* gr, float* es,
                                                             const float* s_next, const float* p_next) {
  const float ms = row_max(sr, cols, vt);
  const F nms = V::set1(-ms);
  SumD<V> ss = sum_zero<V>(), sp = sum_zero<V>(), skl = sum_zero<V>(), sce = sum_zero<V>();
  const bool want_kl = kl != nullptr, want_ce = ce != nullptr;
  for_blocks<V, kKlStep>(cols, [&](size_t i, auto b) MP_BODY {
    constexpr int K = decltype(b)::kVecs;
    F xs[K], e[K], dh[K], dl[K], p[K];
    for (int k = 0; k < K; ++k) xs[k] = V::mul(V::ld(b, sr + i + k * V::kW, kNegInf), vt);
    exp_sub_k<V, K>(xs, nms, e, dh, dl);
    prefetch(s_next ? s_next + i : nullptr, K * V::kW);
    prefetch(p_next ? p_next + i : nullptr, K * V::kW);
    if (gr) {
      prefetch(gr + i, K * V::kW);
      store_k<V>(b, es + i, e);
    }
    sum_add_exps<V, K>(ss, e);
    load_k<V>(b, pr + i, 0.0f, p);
    for (int k = 0; k < K; ++k) sum_add<V>(sp, p[k]);
    if (want_kl || want_ce) {
      F tkl[K], tce[K];
      for (int k = 0; k < K; ++k) {
        const auto pos = V::gt(p[k], V::zero());
        if (want_kl) {
          const LogParts<V> l = log_parts<V>(p[k]);
          const F hi = V::sub(V::mul(l.k, V::set1(kLn2Hi)), dh[k]);
          const F lo = V::sub(V::fma(l.k, V::set1(kLn2Lo), l.y), dl[k]);
          tkl[k] = V::mul_if(pos, p[k], V::add(hi, lo));
        }
        if (want_ce) tce[k] = V::mul_if(pos, p[k], V::add(dh[k], dl[k]));
      }
      if (want_kl) sum_add_terms<V, K>(skl, tkl);
      if (want_ce) sum_add_terms<V, K>(sce, tce);
    }
  });
  const double sum_s = sum_total<V>(ss), psum = sum_total<V>(sp);
  const double ls = log(sum_s);
  if (kl) *kl = sum_total<V>(skl) + psum * ls;
  if (ce) *ce = psum * ls - sum_total<V>(sce);
  if (!gr) return;
  // grad += grad_scale (q P - p), q P = es * (P / S_s).
  const F c = V::set1(static_cast<float>(psum / sum_s));
  for_blocks<V, 1>(cols, [&](size_t i, auto b) MP_BODY {
    const F qp = V::mul(V::ld(b, es + i, 0.0f), c);
    V::st(b, gr + i, V::add(V::ld(b, gr + i, 0.0f), V::mul(vgs, V::sub(qp, V::ld(b, pr + i, 0.0f)))));
  });
}

template <class V, int kKlStep>
MP_DISTILL_TARGET void DistillImpl<V, kKlStep>::kl_rows(const float* s, const float* t, size_t rows, size_t cols,
                                                        float inv_t, int teacher_probs, float grad_scale, double* kl,
                                                        double* ce, float* grad) {
  const F vt = V::set1(inv_t), vgs = V::set1(grad_scale);
  Scratch scratch(grad ? 2 * cols : 0);
  for (size_t r = 0; r < rows; ++r) {
    double* klr = kl ? kl + r : nullptr;
    double* cer = ce ? ce + r : nullptr;
    if (cols == 0) {
      if (klr) *klr = 0;
      if (cer) *cer = 0;
      continue;
    }
    float* gr = grad ? grad + r * cols : nullptr;
    const float* s_next = r + 1 < rows ? s + (r + 1) * cols : nullptr;
    const float* t_next = r + 1 < rows ? t + (r + 1) * cols : nullptr;
    if (teacher_probs)
      kl_row_probs(s + r * cols, t + r * cols, cols, vt, vgs, klr, cer, gr, scratch.p, s_next, t_next);
    else
      kl_row_logits(s + r * cols, t + r * cols, cols, vt, grad_scale, klr, cer, gr, scratch.p, scratch.p + cols,
                    s_next, t_next);
  }
}

// ---------------------------------------------------------------------------
// kl_topk_rows

template <class V, int kKlStep>
MP_DISTILL_TARGET size_t DistillImpl<V, kKlStep>::kl_topk_rows(const float* s, const int32_t* idx, const float* p,
                                                               const float* rest, size_t rows, size_t cols, size_t k,
                                                               float inv_t, float grad_scale, double* kl, double* ce,
                                                               float* grad) {
  for (size_t r = 0; r < rows; ++r)
    for (size_t i = 0; i < k; ++i) {
      const int32_t j = idx[r * k + i];
      if (j < 0 || static_cast<size_t>(j) >= cols) return r;
    }
  const F vt = V::set1(inv_t), vgs = V::set1(grad_scale);
  const bool want_loss = kl || ce;
  // Scratch: the exps of a row and the gradient at its top-k entries before the
  // dense pass (if grad), and 1 / 0 flags of the entries not in the top k (if a
  // loss is wanted), for the sum of log q over the rest.
  Scratch scratch((grad ? cols + k : 0) + (want_loss ? cols : 0));
  float* es = grad ? scratch.p : nullptr;
  float* kept = grad ? scratch.p + cols : nullptr;
  float* rest_flag = want_loss ? scratch.p + (grad ? cols + k : 0) : nullptr;
  for (size_t j = 0; want_loss && j < cols; ++j) rest_flag[j] = 1.0f;
  for (size_t r = 0; r < rows; ++r) {
    const float* sr = s + r * cols;
    const int32_t* ir = idx + r * k;
    const float* pr = p + r * k;
    float* gr = grad ? grad + r * cols : nullptr;
    const double other = k < cols ? static_cast<double>(rest[r]) / static_cast<double>(cols - k) : 0.0;
    const bool want_rest = want_loss && other > 0;
    float m;
    double sum_e, sum_d_rest;
    if (want_rest)
      for (size_t i = 0; i < k; ++i) rest_flag[ir[i]] = 0.0f;
    row_lse_sum(sr, cols, vt, want_rest, rest_flag, &m, &sum_e, &sum_d_rest, es, r + 1 < rows ? sr + cols : nullptr);
    if (want_rest)
      for (size_t i = 0; i < k; ++i) rest_flag[ir[i]] = 1.0f;
    const double ls = log(sum_e);
    // The top k: losses and total p; keep their gradients.
    double kl_acc = 0, ce_acc = 0, p_top = 0;
    for (size_t i0 = 0; i0 < k; i0 += V::kW) {
      const size_t n = k - i0 < V::kW ? k - i0 : V::kW;
      double lp[V::kW];
      if (kl) {
        D lp0, lp1;
        log_d<V>(V::loadn(pr + i0, n, 1.0f), &lp0, &lp1);
        V::stored(lp, lp0);
        V::stored(lp + V::kW / 2, lp1);
      }
      for (size_t l = 0; l < n; ++l) {
        const int32_t j = ir[i0 + l];
        const double pj = pr[i0 + l];
        const double lq = static_cast<double>(sr[j] * inv_t) - m - ls;
        p_top += pj;
        if (pj > 0) {
          if (kl) kl_acc += pj * (lp[l] - lq);
          ce_acc -= pj * lq;
        }
        if (gr) kept[i0 + l] = gr[j];
      }
    }
    // The other cols - k entries, each with probability `other`.
    if (want_rest) {
      const double n_rest = static_cast<double>(cols - k);
      const double lq_rest = sum_d_rest - n_rest * ls;
      kl_acc += other * (n_rest * log(other) - lq_rest);
      ce_acc -= other * lq_rest;
    }
    if (kl) kl[r] = kl_acc;
    if (ce) ce[r] = ce_acc;
    if (!gr) continue;
    // Dense gradient with p = other everywhere, then the top k from the kept values.
    const double psum = p_top + static_cast<double>(cols - k) * other;
    const float c = static_cast<float>(psum / sum_e);
    const F vc = V::set1(c), vo = V::set1(static_cast<float>(other));
    for_blocks<V, 1>(cols, [&](size_t i, auto b) MP_BODY {
      const F qp = V::mul(V::ld(b, es + i, 0.0f), vc);
      V::st(b, gr + i, V::add(V::ld(b, gr + i, 0.0f), V::mul(vgs, V::sub(qp, vo))));
    });
    for (size_t i = 0; i < k; ++i) {
      const int32_t j = ir[i];
      gr[j] = kept[i] + grad_scale * (es[j] * c - pr[i]);
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------
// ce_rows

template <class V, int kKlStep>
MP_DISTILL_TARGET size_t DistillImpl<V, kKlStep>::ce_rows(const float* s, const int32_t* labels, size_t rows,
                                                          size_t cols, int32_t ignore, float eps, float grad_scale,
                                                          double* loss, float* grad) {
  const F one = V::set1(1.0f), vgs = V::set1(grad_scale);
  Scratch scratch(grad ? cols : 0);
  for (size_t r = 0; r < rows; ++r) {
    const int32_t y = labels[r];
    if (y == ignore) {
      loss[r] = 0;
      continue;
    }
    if (y < 0 || static_cast<size_t>(y) >= cols) return r;
    const float* sr = s + r * cols;
    float m;
    double sum_e, sum_d;
    row_lse_sum(sr, cols, one, true, nullptr, &m, &sum_e, &sum_d, scratch.p, r + 1 < rows ? sr + cols : nullptr);
    const double ls = log(sum_e);
    const double cols_d = static_cast<double>(cols);
    const double sum_log_q = sum_d - cols_d * ls;
    const double log_qy = static_cast<double>(sr[y]) - m - ls;
    const double smooth = static_cast<double>(eps) / cols_d;
    loss[r] = -(1.0 - eps) * log_qy - smooth * sum_log_q;
    if (!grad) continue;
    // grad += grad_scale (q - eps / cols) everywhere, then the label's entry again
    // from its old value with the full target.
    float* gr = grad + r * cols;
    const float* es = scratch.p;
    const float kept = gr[y];
    const float inv = static_cast<float>(1.0 / sum_e);
    const F vinv = V::set1(inv), vsm = V::set1(static_cast<float>(smooth));
    for_blocks<V, 1>(cols, [&](size_t i, auto b) MP_BODY {
      const F q = V::mul(V::ld(b, es + i, 0.0f), vinv);
      V::st(b, gr + i, V::add(V::ld(b, gr + i, 0.0f), V::mul(vgs, V::sub(q, vsm))));
    });
    const double qy = es[y] * inv;
    gr[y] = kept + static_cast<float>(grad_scale * (qy - ((1.0 - eps) + smooth)));
  }
  return rows;
}

// ---------------------------------------------------------------------------
// sq_diff, cosine_rows

template <class V, int kKlStep>
MP_DISTILL_TARGET double DistillImpl<V, kKlStep>::sq_diff(const float* s, const float* t, size_t n, float grad_scale,
                                                          float* grad) {
  D a[4] = {V::zerod(), V::zerod(), V::zerod(), V::zerod()};
  const D vgs = V::set1d(grad_scale);
  for_blocks<V, 2>(n, [&](size_t i, auto b) MP_BODY {
    constexpr int K = decltype(b)::kVecs;
    for (int k = 0; k < K; ++k) {
      const size_t at = i + k * V::kW;
      const F sv = V::ld(b, s + at, 0.0f), tv = V::ld(b, t + at, 0.0f);
      // The difference is exact in double; grad_scale * d is the reference's term.
      const D d0 = V::subd(V::dlo(sv), V::dlo(tv)), d1 = V::subd(V::dhi(sv), V::dhi(tv));
      a[2 * k] = V::addd(a[2 * k], V::muld(d0, d0));
      a[2 * k + 1] = V::addd(a[2 * k + 1], V::muld(d1, d1));
      if (grad) V::st(b, grad + at, V::add(V::ld(b, grad + at, 0.0f), V::from_d(V::muld(vgs, d0), V::muld(vgs, d1))));
    }
  });
  return V::hsum(V::addd(V::addd(a[0], a[1]), V::addd(a[2], a[3])));
}

template <class V, int kKlStep>
MP_DISTILL_TARGET void DistillImpl<V, kKlStep>::cosine_rows(const float* s, const float* t, size_t rows, size_t cols,
                                                            float eps, float grad_scale, double* loss, float* grad) {
  for (size_t r = 0; r < rows; ++r) {
    const float* sr = s + r * cols;
    const float* tr = t + r * cols;
    // Products of floats are exact in double.
    D dot0 = V::zerod(), dot1 = dot0, ss0 = dot0, ss1 = dot0, tt0 = dot0, tt1 = dot0;
    for_blocks<V, 1>(cols, [&](size_t i, auto b) MP_BODY {
      const F sv = V::ld(b, sr + i, 0.0f), tv = V::ld(b, tr + i, 0.0f);
      const D s0 = V::dlo(sv), s1 = V::dhi(sv), t0 = V::dlo(tv), t1 = V::dhi(tv);
      dot0 = V::addd(dot0, V::muld(s0, t0));
      dot1 = V::addd(dot1, V::muld(s1, t1));
      ss0 = V::addd(ss0, V::muld(s0, s0));
      ss1 = V::addd(ss1, V::muld(s1, s1));
      tt0 = V::addd(tt0, V::muld(t0, t0));
      tt1 = V::addd(tt1, V::muld(t1, t1));
    });
    const double dot = V::hsum(V::addd(dot0, dot1));
    const double s_norm = sqrt(V::hsum(V::addd(ss0, ss1))), t_norm = sqrt(V::hsum(V::addd(tt0, tt1)));
    const double ns = fmax(s_norm, static_cast<double>(eps)), nt = fmax(t_norm, static_cast<double>(eps));
    const double cos = dot / (ns * nt);
    loss[r] = 1 - cos;
    if (!grad) continue;
    // The reference's expression, in double, rounded once.
    float* gr = grad + r * cols;
    const D va = V::set1d(1 / (ns * nt)), vb = V::set1d(s_norm > eps ? cos / (ns * ns) : 0);
    const D ngs = V::set1d(-grad_scale);
    for_blocks<V, 1>(cols, [&](size_t i, auto b) MP_BODY {
      const F sv = V::ld(b, sr + i, 0.0f), tv = V::ld(b, tr + i, 0.0f);
      const D g0 = V::muld(ngs, V::subd(V::muld(va, V::dlo(tv)), V::muld(vb, V::dlo(sv))));
      const D g1 = V::muld(ngs, V::subd(V::muld(va, V::dhi(tv)), V::muld(vb, V::dhi(sv))));
      V::st(b, gr + i, V::add(V::ld(b, gr + i, 0.0f), V::from_d(g0, g1)));
    });
  }
}

// ---------------------------------------------------------------------------
// channel_mean_sq, scale_by_map (bit-identical: the same operations per element,
// in the same order, as the reference)

template <class V, int kKlStep>
MP_DISTILL_TARGET void DistillImpl<V, kKlStep>::channel_mean_sq(const float* a, size_t batch, size_t channels,
                                                                size_t spatial, float* out) {
  const D dc = V::set1d(static_cast<double>(channels));
  for (size_t bi = 0; bi < batch; ++bi) {
    const float* ab = a + bi * channels * spatial;
    float* ob = out + bi * spatial;
    // Up to four vectors of positions at a time: eight independent sums over the
    // channels, each in the reference's order.
    for_blocks<V, 4>(spatial, [&](size_t i, auto b) MP_BODY {
      constexpr int K = decltype(b)::kVecs;
      D acc[2 * K];
      for (int k = 0; k < 2 * K; ++k) acc[k] = V::zerod();
      for (size_t c = 0; c < channels; ++c) {
        for (int k = 0; k < K; ++k) {
          const F v = V::ld(b, ab + c * spatial + i + k * V::kW, 0.0f);
          const D v0 = V::dlo(v), v1 = V::dhi(v);
          acc[2 * k] = V::addd(acc[2 * k], V::muld(v0, v0));
          acc[2 * k + 1] = V::addd(acc[2 * k + 1], V::muld(v1, v1));
        }
      }
      for (int k = 0; k < K; ++k)
        V::st(b, ob + i + k * V::kW, V::from_d(V::divd(acc[2 * k], dc), V::divd(acc[2 * k + 1], dc)));
    });
  }
}

template <class V, int kKlStep>
MP_DISTILL_TARGET void DistillImpl<V, kKlStep>::scale_by_map(const float* a, const float* g, size_t batch,
                                                             size_t channels, size_t spatial, float* grad) {
  for (size_t bi = 0; bi < batch; ++bi) {
    const float* gb = g + bi * spatial;
    for (size_t c = 0; c < channels; ++c) {
      const size_t off = (bi * channels + c) * spatial;
      const float* ac = a + off;
      float* gc = grad + off;
      for_blocks<V, 1>(spatial, [&](size_t i, auto b) MP_BODY {
        V::st(b, gc + i, V::add(V::ld(b, gc + i, 0.0f), V::mul(V::ld(b, gb + i, 0.0f), V::ld(b, ac + i, 0.0f))));
      });
    }
  }
}

}  // namespace distill_vm
}  // namespace
}  // namespace mp

#endif
