// Vector exp and log of the distill kernels, and the block loop and sums they use,
// written once over an "ops" type V (a vector of floats F, its mask M, ints I,
// doubles D; see vec_math_x86.h and vec_math_128.h, which include this file).
// Included only from those headers; the includer defines MP_DISTILL_TARGET, the
// target attribute every function here carries (empty where the whole TU is
// compiled for the ISA).
//
// exp_sub_k(x, -m) = exp(x - m) for x <= m, K vectors at a time, interleaved:
//   x - m is split exactly into dh + dl (TwoSum), so the result does not inherit the
//   rounding of the subtraction (which would cost up to |x - m| 2^-24 relative,
//   dozens of ULP at |x - m| ~ 50); the callers may take dh and dl for their own
//   use. Below dh = -104 (exp(-104) < 2^-150 rounds to 0) the result is set to 0
//   by a mask, dh clamped and dl dropped: -inf and -1e30 give exactly 0 with
//   nothing overflowing or underflowing on the way (underflows cost extra cycles
//   on some cores; exact denormal results, in the narrow band above, remain).
//   n = round(dh / ln2) by the 1.5 * 2^23 trick; r = dh - n ln2 + dl with ln2 split
//   in two (Cody-Waite: n kLn2Hi is exact for |n| < 2^15, dh - n kLn2Hi exact by
//   Sterbenz), |r| <= 0.347; exp(r) = 1 + r Q(r), Q of degree 5 (minimax for the
//   relative error: 0.05 ULP with these float coefficients; 1 + r Q last, so
//   exp(0) = 1 exactly); the result p 2^n is scaled by V::ldexp_exp with a single
//   rounding even for denormal results. Measured over every float in [-104, 0]:
//   at most 0.90 ULP (FMA), 1.17 ULP (SIMD128's separate multiply and add).
// log_parts(p) = (y, k) with log(p) = k ln2 + y, for p > 0 finite (denormals first
//   scaled by 2^23): the exponent is taken so that the mantissa z is in
//   [sqrt(1/2), sqrt(2)), f = z - 1 (exact), log(1 + f) = f + f^2 (-1/2 + f P(f)),
//   P of degree 7 (minimax for the relative error, 0.1 ULP). The callers keep k ln2
//   apart (in double, or as k kLn2Hi exactly), so log(p) carries an absolute error
//   of about 2^-25 whatever |log p|; rounded to float it is within 0.82 ULP (FMA) /
//   0.88 ULP (SIMD128). p = 0 gives a finite value (about -104); callers skip those
//   lanes.
#ifndef MODELPRESS_DISTILL_VEC_MATH_H
#define MODELPRESS_DISTILL_VEC_MATH_H

#ifndef MP_DISTILL_TARGET
#error "include vec_math_x86.h or vec_math_128.h instead"
#endif

#include <stddef.h>
#include <stdint.h>

namespace mp {
namespace {
namespace distill_vm {

constexpr float kExpMin = -104.0f;  // exp below it rounds to 0 in float
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kRoundMagic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
constexpr float kLn2Hi = 0.693359375f;      // 355 / 512: 9 significant bits
constexpr float kLn2Lo = -2.12194440e-4f;   // ln 2 - kLn2Hi
constexpr double kLn2 = 0.69314718055994530942;

// exp(r) = 1 + r (kE0 + kE1 r + ... + kE5 r^5) on |r| <= ln(2) / 2.
constexpr float kE0 = 1.0f;
constexpr float kE1 = 0x1.fffffcp-2f;
constexpr float kE2 = 0x1.555492p-3f;
constexpr float kE3 = 0x1.5558bcp-5f;
constexpr float kE4 = 0x1.1239c6p-7f;
constexpr float kE5 = 0x1.6a415cp-10f;

// log(1 + f) = f + f^2 (-1/2 + f (kL0 + kL1 f + ... + kL7 f^7)) on
// sqrt(1/2) - 1 <= f < sqrt(2) - 1.
constexpr float kL0 = 0x1.555554p-2f;
constexpr float kL1 = -0x1.00022ep-2f;
constexpr float kL2 = 0x1.99a02p-3f;
constexpr float kL3 = -0x1.547008p-3f;
constexpr float kL4 = 0x1.22d604p-3f;
constexpr float kL5 = -0x1.0d9864p-3f;
constexpr float kL6 = 0x1.0583e4p-3f;
constexpr float kL7 = -0x1.38b35ap-4f;

constexpr int32_t kSqrtHalfBits = 0x3f3504f3;  // bits of sqrt(1/2)

// Calls body(i, Group<K>{}) for each run of K whole vectors of [0, n), then
// body(i, Group<1>{}) for the whole vectors left and body(i, Part{n - i}) for the
// rest; the tag picks plain or tail loads and stores and the number of vectors.
template <class V, int K, class Body>
MP_DISTILL_TARGET inline void for_blocks(size_t n, Body&& body) {
  size_t i = 0;
  for (; i + K * V::kW <= n; i += K * V::kW) body(i, Group<K>{});
  if (K > 1)
    for (; i + V::kW <= n; i += V::kW) body(i, Group<1>{});
  if (i < n) body(i, Part{n - i});
}

// The vectors of a block at p (x[k] = lanes k * kW.. of it), padded with pad.
template <class V, class B>
MP_DISTILL_TARGET inline void load_k(B b, const float* p, float pad, typename V::F* x) {
  for (int k = 0; k < B::kVecs; ++k) x[k] = V::ld(b, p + k * V::kW, pad);
}

template <class V, class B>
MP_DISTILL_TARGET inline void store_k(B b, float* p, const typename V::F* x) {
  for (int k = 0; k < B::kVecs; ++k) V::st(b, p + k * V::kW, x[k]);
}

// Asks for the cache lines of n floats at p (none if p is null), for a later pass
// or row: streaming the next row in while the current one is being computed on
// hides most of its memory latency.
inline void prefetch(const float* p, size_t n) {
  if (p)
    for (size_t i = 0; i < n; i += 16) __builtin_prefetch(p + i, 0, 3);
}

// A running sum in double of the lanes of float vectors (as two halves).
template <class V>
struct SumD {
  typename V::D lo, hi;
};

template <class V>
MP_DISTILL_TARGET inline SumD<V> sum_zero() {
  return SumD<V>{V::zerod(), V::zerod()};
}

template <class V>
MP_DISTILL_TARGET inline void sum_add(SumD<V>& s, typename V::F v) {
  s.lo = V::addd(s.lo, V::dlo(v));
  s.hi = V::addd(s.hi, V::dhi(v));
}

// Adds K (1, 2 or 4) vectors of values in [0, 1] (exps): pairwise in float first,
// which costs at most 2^-23 of the block's total (about an ULP of the final sum)
// and saves most of the conversions to double.
template <class V, int K>
MP_DISTILL_TARGET inline void sum_add_exps(SumD<V>& s, const typename V::F* e) {
  static_assert(K == 1 || K == 2 || K == 4, "K");
  if constexpr (K == 1) sum_add<V>(s, e[0]);
  if constexpr (K == 2) sum_add<V>(s, V::add(e[0], e[1]));
  if constexpr (K == 4) sum_add<V>(s, V::add(V::add(e[0], e[1]), V::add(e[2], e[3])));
}

// Adds K (1, 2 or 4) vectors of terms of any sign, pairwise in float first: each
// level of the pairing rounds to 2^-24 of the terms' magnitudes.
template <class V, int K>
MP_DISTILL_TARGET inline void sum_add_terms(SumD<V>& s, const typename V::F* e) {
  sum_add_exps<V, K>(s, e);
}

template <class V>
MP_DISTILL_TARGET inline double sum_total(const SumD<V>& s) {
  return V::hsum(V::addd(s.lo, s.hi));
}

// out[k] = exp(x[k] - m[k]) for x[k] <= m[k] (x may be -inf), given neg_m[k] =
// -m[k]; K vectors interleaved step by step, so that their long dependency chains
// overlap (the out-of-order window alone holds too few of them). If diff is not
// null, x[k] - m[k] = diff[k] + low[k] exactly, except that low[k] is 0 (and
// diff[k] below -104) where the exp is 0.
template <class V, int K>
MP_DISTILL_TARGET inline void exp_sub_k(const typename V::F* x, const typename V::F* neg_m, typename V::F* out,
                                        typename V::F* diff = nullptr, typename V::F* low = nullptr) {
  using F = typename V::F;
  F dh[K], dl[K], t[K], n[K], r[K], q[K];
  const F lo = V::set1(kExpMin);
  for (int k = 0; k < K; ++k) {
    // TwoSum: dh + dl = x + neg_m exactly.
    dh[k] = V::add(x[k], neg_m[k]);
    const F bb = V::sub(dh[k], x[k]);
    const F aa = V::sub(dh[k], bb);
    dl[k] = V::add(V::sub(x[k], aa), V::sub(neg_m[k], bb));
  }
  typename V::M keep[K];
  for (int k = 0; k < K; ++k) {
    keep[k] = V::ge(dh[k], lo);
    dl[k] = V::zero_unless(keep[k], dl[k]);
    if (diff) diff[k] = dh[k];
    if (low) low[k] = dl[k];
    dh[k] = V::max(dh[k], lo);
  }
  for (int k = 0; k < K; ++k) t[k] = V::fma(dh[k], V::set1(kLog2e), V::set1(kRoundMagic));
  for (int k = 0; k < K; ++k) n[k] = V::sub(t[k], V::set1(kRoundMagic));
  for (int k = 0; k < K; ++k) r[k] = V::fma(n[k], V::set1(-kLn2Hi), dh[k]);
  for (int k = 0; k < K; ++k) r[k] = V::fma(n[k], V::set1(-kLn2Lo), r[k]);
  for (int k = 0; k < K; ++k) r[k] = V::add(r[k], dl[k]);
  for (int k = 0; k < K; ++k) q[k] = V::fma(V::set1(kE5), r[k], V::set1(kE4));
  for (int k = 0; k < K; ++k) q[k] = V::fma(q[k], r[k], V::set1(kE3));
  for (int k = 0; k < K; ++k) q[k] = V::fma(q[k], r[k], V::set1(kE2));
  for (int k = 0; k < K; ++k) q[k] = V::fma(q[k], r[k], V::set1(kE1));
  for (int k = 0; k < K; ++k) q[k] = V::fma(q[k], r[k], V::set1(kE0));
  for (int k = 0; k < K; ++k) q[k] = V::fma(q[k], r[k], V::set1(1.0f));
  for (int k = 0; k < K; ++k) out[k] = V::ldexp_exp(q[k], n[k], t[k], keep[k]);
}

// The same with one m for all K vectors.
template <class V, int K>
MP_DISTILL_TARGET inline void exp_sub_k(const typename V::F* x, typename V::F neg_m, typename V::F* out,
                                        typename V::F* diff = nullptr, typename V::F* low = nullptr) {
  typename V::F nm[K];
  for (int k = 0; k < K; ++k) nm[k] = neg_m;
  exp_sub_k<V, K>(x, nm, out, diff, low);
}

// exp(x - m) of one vector.
template <class V>
MP_DISTILL_TARGET inline typename V::F exp_sub(typename V::F x, typename V::F neg_m) {
  typename V::F e;
  exp_sub_k<V, 1>(&x, neg_m, &e);
  return e;
}

template <class V>
struct LogParts {
  typename V::F y, k;  // log(p) = k ln2 + y, k an integer, |y| <= 0.347
};

// log(p) for p > 0 finite, in two parts.
template <class V>
MP_DISTILL_TARGET inline LogParts<V> log_parts(typename V::F p) {
  using F = typename V::F;
  using I = typename V::I;
  const auto den = V::lt(p, V::set1(0x1p-126f));
  p = V::select(den, V::mul(p, V::set1(0x1p23f)), p);
  const I bits = V::cast_i(p);
  const I e = V::srai23(V::sub_i(bits, V::set1_i(kSqrtHalfBits)));
  const F z = V::cast_f(V::sub_i(bits, V::slli23(e)));
  const F f = V::sub(z, V::set1(1.0f));
  F q = V::fma(V::set1(kL7), f, V::set1(kL6));
  q = V::fma(q, f, V::set1(kL5));
  q = V::fma(q, f, V::set1(kL4));
  q = V::fma(q, f, V::set1(kL3));
  q = V::fma(q, f, V::set1(kL2));
  q = V::fma(q, f, V::set1(kL1));
  q = V::fma(q, f, V::set1(kL0));
  q = V::fma(q, f, V::set1(-0.5f));
  LogParts<V> out;
  out.y = V::fma(q, V::mul(f, f), f);
  out.k = V::sub(V::cvt_i2f(e), V::zero_unless(den, V::set1(23.0f)));
  return out;
}

// log(p) in double, the low and high halves of the lanes.
template <class V>
MP_DISTILL_TARGET inline void log_d(typename V::F p, typename V::D* lo, typename V::D* hi) {
  const LogParts<V> l = log_parts<V>(p);
  const typename V::D ln2 = V::set1d(kLn2);
  *lo = V::fmad(V::dlo(l.k), ln2, V::dlo(l.y));
  *hi = V::fmad(V::dhi(l.k), ln2, V::dhi(l.y));
}

}  // namespace distill_vm
}  // namespace
}  // namespace mp

#endif
