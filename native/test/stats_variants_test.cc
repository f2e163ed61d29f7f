// Checks every SIMD statistics table this CPU can run against the scalar
// reference (native/kernels/stats/ref.cc):
//   error_sums       -> maxima bit for bit when no input is NaN (also when Inf - Inf
//                       makes e NaN, which the reference's max ignores); sums equal
//                       up to the order of the additions (see sums_agree), and
//                       non-finite sums of the same kind (NaN, +Inf, -Inf)
//   error_sums_each  -> every field of every accumulator bit for bit (each gets one
//                       operation, so there is nothing to reorder); only NaN-ness of
//                       NaN sums, and no maxima of elements with a NaN input
//   histogram        -> counts exactly
//   histogram_range  -> the same non-finite verdict; without one, counts exactly
//                       and min / max equal as values (which zero is kept may
//                       differ); NaN / +-Inf planted at every position of short
//                       inputs (every tail), and the extremes in every lane
// over lengths 0..300 and some larger ones, element offsets 0..15 of every input
// (every phase of a 64-byte line), accumulators that already hold values, and data
// with ties, zeros of both signs, denormals, huge values, +-Inf and NaN; for the
// histogram also values exactly at lo, hi and on / next to the bin edges, ranges
// narrower than the data, and bins in {1, 2, 3, 7, 64, 65, 2048, 4096, 4097, 100000}.
// Every call gets freshly allocated buffers of exactly the size it may touch (so
// AddressSanitizer sees overruns) plus guard elements around the outputs that must
// stay untouched. Exits 1 on any mismatch.
//
// Build and run: native/test/run.sh
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#if defined(__linux__) && !defined(__EMSCRIPTEN__)
#include <sys/mman.h>
#include <unistd.h>
#define MP_HAVE_MPROTECT 1
#endif

#include "../dispatch/cpu_features.h"
#include "variant_test_util.h"
#include "../kernels/stats/stats_kernels.h"

namespace {

using mp::ErrorSums;
using mp::StatsKernels;

struct Table {
  const char* name;
  const StatsKernels* k;
};

std::vector<Table> runnable_tables() {
  std::vector<Table> t;
  const mp::CpuFeatures& f = mp::cpu_features();
  (void)f;
#if defined(__x86_64__) || defined(_M_X64)
  if (f.avx2) t.push_back({"avx2", &mp::stats_avx2});
  if (f.avx512) t.push_back({"avx512", &mp::stats_avx512});
#endif
#if defined(__aarch64__)
  if (f.neon) t.push_back({"neon", &mp::stats_neon});
#endif
#if defined(__wasm_simd128__)
  t.push_back({"simd128", &mp::stats_simd128});
#endif
  return t;
}

// ---------------------------------------------------------------------------
// Buffers: exactly `off + n` elements (ASan catches reads past them) and, for
// outputs, kGuard extra elements that must come back unchanged.

constexpr size_t kGuard = 16;

// ---------------------------------------------------------------------------
// Data

const float kSpecials[] = {0.0f,   -0.0f,   FLT_MAX, -FLT_MAX, FLT_MIN, -FLT_MIN, 1e-45f, -1e-45f,
                           1e-40f, -3e-39f, 0.5f,    -0.5f,    1.0f,    -1.0f,    3.0f,   1e20f,
                           -1e20f, 16777217.0f};
constexpr size_t kNumSpecials = sizeof(kSpecials) / sizeof(kSpecials[0]);

// Kinds of (x, y) pairs for error_sums. Only kInf has +-Inf, only kNaN has NaN.
enum PairKind { kQuantized, kWide, kTies, kInf, kNaN, kNumPairKinds };
const char* const kPairKindNames[] = {"quantized", "wide", "ties", "inf", "nan"};

float wide_float() {
  // Magnitudes over the whole float range, denormals included.
  const int e = rnd_int(0, 2) == 0 ? rnd_int(-149, 127) : rnd_int(-8, 8);
  float v = static_cast<float>(ldexp(uniform(1.0, 2.0), e));
  if (!isfinite(v)) v = FLT_MAX;
  return rnd_int(0, 1) ? v : -v;
}

void gen_pair(PairKind kind, float scale, float* x, float* y) {
  switch (kind) {
    case kQuantized: {
      // y = x rounded to a multiple of scale, as a quantizer would reconstruct it.
      *x = static_cast<float>(uniform(-1.0, 1.0) * 127.0 * scale);
      *y = static_cast<float>(nearbyint(*x / scale) * scale);
      return;
    }
    case kWide:
      *x = wide_float();
      *y = rnd_int(0, 3) == 0 ? wide_float() : *x * static_cast<float>(uniform(0.99, 1.01));
      if (!isfinite(*y)) *y = *x;
      return;
    case kTies: {
      // Few distinct values, zeros of both signs, equal pairs.
      const float vals[] = {0.0f, -0.0f, 1.0f, -1.0f, 0.25f, 2.0f, 1e-45f};
      *x = vals[rnd_int(0, 6)];
      *y = rnd_int(0, 2) == 0 ? *x : vals[rnd_int(0, 6)];
      return;
    }
    case kInf:
    case kNaN: {
      gen_pair(static_cast<PairKind>(rnd_int(0, 2)), scale, x, y);
      if (rnd_int(0, 7) == 0) *x = kSpecials[rnd_int(0, kNumSpecials - 1)];
      if (rnd_int(0, 7) == 0) *y = kSpecials[rnd_int(0, kNumSpecials - 1)];
      const float bad = kind == kInf ? (rnd_int(0, 1) ? INFINITY : -INFINITY)
                                     : (rnd_int(0, 1) ? NAN : from_bits(0xffc12345u));
      if (rnd_int(0, 40) == 0) *x = bad;
      if (rnd_int(0, 40) == 0) *y = bad;
      return;
    }
    default:
      return;
  }
}

// Fills n pairs; for the non-finite kinds makes sure at least one is planted,
// favouring the first and last elements (the head and tail paths).
void fill_pairs(PairKind kind, float* x, float* y, size_t n) {
  const float scale = static_cast<float>(ldexp(1.0, rnd_int(-20, 10)) * uniform(1.0, 2.0));
  for (size_t i = 0; i < n; ++i) gen_pair(kind, scale, x + i, y + i);
  if ((kind == kInf || kind == kNaN) && n > 0) {
    const int where = rnd_int(0, 2);
    const size_t at = where == 0 ? 0 : where == 1 ? n - 1 : static_cast<size_t>(rnd32() % n);
    float* p = rnd_int(0, 1) ? x + at : y + at;
    *p = kind == kInf ? (rnd_int(0, 1) ? INFINITY : -INFINITY) : NAN;
  }
}

std::vector<size_t> test_lengths() {
  std::vector<size_t> v;
  for (size_t n = 0; n <= 300; ++n) v.push_back(n);
  for (size_t n : {511, 512, 513, 1023, 1024, 1025, 4096 + 7, 65536 + 13}) v.push_back(n);
  return v;
}

// A starting accumulator: zero (as the C ABI passes it), or holding earlier sums,
// and maxima that the data may or may not beat (negative ones too, which the
// kernels must not replace with the 0 of a padding lane).
ErrorSums initial_sums() {
  ErrorSums s = {0, 0, 0, 0, 0, 0, 0};
  switch (rnd_int(0, 4)) {
    case 0:
    case 1:
      break;
    case 2:
      s = {uniform(0, 10), uniform(0, 10), uniform(0, 2), uniform(0, 10), uniform(0, 10),
           uniform(-10, 10), uniform(0, 2)};
      break;
    case 3:
      s.max_abs_err = s.max_abs_x = -INFINITY;
      break;
    default:
      s.max_abs_err = rnd_int(0, 1) ? 1e30 : -1.0;
      s.max_abs_x = rnd_int(0, 1) ? 1e30 : -0.0;
      s.sum_xy = -0.0;
      break;
  }
  return s;
}

// ---------------------------------------------------------------------------
// error_sums

// The terms of one fold, computed as the reference does.
void terms(float xf, float yf, double t[5]) {
  const double x = xf, y = yf, e = y - x;
  t[0] = e * e;
  t[1] = fabs(e);
  t[2] = x * x;
  t[3] = y * y;
  t[4] = x * y;
}

const char* const kSumNames[] = {"sum_sq_err", "sum_abs_err", "sum_sq_x", "sum_sq_y", "sum_xy"};

void sums_of(const ErrorSums& s, double v[5]) {
  v[0] = s.sum_sq_err;
  v[1] = s.sum_abs_err;
  v[2] = s.sum_sq_x;
  v[3] = s.sum_sq_y;
  v[4] = s.sum_xy;
}

// Every term is exact in double (a product of two floats has at most 48
// significant bits, a difference of two floats is exact, and nothing comes near
// the double range), so the only difference is the order of the additions. Any
// order of adding m terms is within gamma(m) * sum|t| of the exact sum, gamma(m) =
// m u / (1 - m u), u = 2^-53; the variants' longest chain of additions is less
// than the reference's n plus a few for the lanes and the initial value, so two
// results differ by at most about (n + 16) * 2^-52 * sum|t|. sum|t| is itself
// computed in double, hence the 1.01. A relative 1e-12 is allowed in any case.
bool sums_agree(double want, double got, double abs_terms, size_t n) {
  if (isnan(want) || isnan(got)) return isnan(want) && isnan(got);
  if (isinf(want) || isinf(got)) return want == got;
  const double bound = static_cast<double>(n + 16) * ldexp(1.0, -52) * abs_terms * 1.01;
  const double d = fabs(want - got);
  return d <= bound || d <= 1e-12 * fabs(want);
}

void check_error_sums_once(const Table& t, PairKind kind, size_t n, size_t xo, size_t yo) {
  Buf<float> x(xo, n), y(yo, n);
  for (size_t i = 0; i < xo; ++i) x.p[i] = NAN;  // must not be read
  for (size_t i = 0; i < yo; ++i) y.p[i] = NAN;
  std::vector<float> xs(n), ys(n);
  fill_pairs(kind, xs.data(), ys.data(), n);
  if (n) {
    memcpy(x.at(xo), xs.data(), n * sizeof(float));
    memcpy(y.at(yo), ys.data(), n * sizeof(float));
  }
  const ErrorSums init = initial_sums();
  ErrorSums want = init, got = init;
  mp::stats_scalar.error_sums(x.at(xo), y.at(yo), n, &want);
  t.k->error_sums(x.at(xo), y.at(yo), n, &got);
  ++g_checks;

  double init_sums[5], abs_terms[5], w[5], g[5];
  sums_of(init, init_sums);
  for (int k = 0; k < 5; ++k) abs_terms[k] = fabs(init_sums[k]);
  bool any_nan = false;
  for (size_t i = 0; i < n; ++i) {
    double tt[5];
    terms(xs[i], ys[i], tt);
    for (int k = 0; k < 5; ++k) abs_terms[k] += fabs(tt[k]);
    any_nan |= isnan(xs[i]) || isnan(ys[i]);
  }
  sums_of(want, w);
  sums_of(got, g);
  for (int k = 0; k < 5; ++k) {
    if (!sums_agree(w[k], g[k], abs_terms[k], n)) {
      fail(t.name, "error_sums",
           fmt("%s n=%zu x_off=%zu y_off=%zu %s: want %.17g got %.17g (diff %.3g, sum|t| %.3g)",
               kPairKindNames[kind], n, xo, yo, kSumNames[k], w[k], g[k], w[k] - g[k], abs_terms[k]));
      return;
    }
  }
  if (any_nan) return;  // maxima unspecified
  if (bits_of(want.max_abs_err) != bits_of(got.max_abs_err) ||
      bits_of(want.max_abs_x) != bits_of(got.max_abs_x)) {
    fail(t.name, "error_sums",
         fmt("%s n=%zu x_off=%zu y_off=%zu init max %g / %g: want max|e| %.17g max|x| %.17g, got "
             "%.17g %.17g",
             kPairKindNames[kind], n, xo, yo, init.max_abs_err, init.max_abs_x, want.max_abs_err,
             want.max_abs_x, got.max_abs_err, got.max_abs_x));
  }
}

void check_error_sums(const Table& t, const std::vector<size_t>& lengths) {
  for (int kind = 0; kind < kNumPairKinds; ++kind) {
    for (int rep = 0; rep < 2; ++rep) {
      for (size_t li = 0; li < lengths.size(); ++li) {
        const size_t xo = (li + rep) % 16, yo = (li / 16 + 3 * rep + kind) % 16;
        check_error_sums_once(t, static_cast<PairKind>(kind), lengths[li], xo, yo);
      }
    }
  }
  // Large: many vector iterations, with the accumulators carried a long way.
  for (int kind = 0; kind < kNumPairKinds; ++kind)
    check_error_sums_once(t, static_cast<PairKind>(kind), (size_t{1} << 20) + 7, kind % 4, 1 + kind);
}

// The maximum of a long run where the largest values sit in different lanes and
// at the very end.
void check_error_sums_max_positions(const Table& t) {
  for (size_t n : {1, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100}) {
    for (size_t at = 0; at < n; ++at) {
      std::vector<float> x(n, 0.5f), y(n, 0.25f);
      x[at] = -3.0f;  // largest |x| and |e|
      y[at] = 4.0f;
      ErrorSums want = {0, 0, 0, 0, 0, 0, 0}, got = want;
      mp::stats_scalar.error_sums(x.data(), y.data(), n, &want);
      t.k->error_sums(x.data(), y.data(), n, &got);
      ++g_checks;
      if (want.max_abs_err != got.max_abs_err || want.max_abs_x != got.max_abs_x)
        fail(t.name, "error_sums", fmt("max at %zu of %zu: want %g %g got %g %g", at, n,
                                       want.max_abs_err, want.max_abs_x, got.max_abs_err,
                                       got.max_abs_x));
    }
  }
}

// x = y = +-Inf gives e = NaN, which the reference's "|e| > max" never takes: the
// maximum stays at its initial value even when that is negative, so a padding
// lane (|e| = 0) that reaches the maximum shows. The inputs are not NaN, so the
// maxima are compared.
void check_error_sums_nan_err(const Table& t) {
  for (size_t n = 1; n <= 40; ++n) {
    for (const double init : {-1.0, -HUGE_VAL, -0.0}) {
      std::vector<float> x(n), y(n);
      for (size_t i = 0; i < n; ++i) x[i] = y[i] = (i & 1) ? INFINITY : -INFINITY;
      ErrorSums want = {0, 0, init, 0, 0, 0, init}, got = want;
      mp::stats_scalar.error_sums(x.data(), y.data(), n, &want);
      t.k->error_sums(x.data(), y.data(), n, &got);
      ++g_checks;
      if (bits_of(want.max_abs_err) != bits_of(got.max_abs_err) ||
          bits_of(want.max_abs_x) != bits_of(got.max_abs_x) || !isnan(got.sum_sq_err))
        fail(t.name, "error_sums", fmt("Inf - Inf, n=%zu init %g: want max|e| %g max|x| %g, got %g %g",
                                       n, init, want.max_abs_err, want.max_abs_x, got.max_abs_err,
                                       got.max_abs_x));
    }
  }
}

// ---------------------------------------------------------------------------
// error_sums_each

// Guard accumulators around the output: -0 in the sums (adding a padding +0 makes
// it +0) and -Inf in the maxima (a padding 0 beats it), so even a write-back of
// "old + 0" outside [0, n) changes bits.
void fill_each_guards(Buf<ErrorSums>& b) {
  for (size_t i = 0; i < b.size; ++i)
    b.p[i] = {-0.0, -0.0, -INFINITY, -0.0, -0.0, -0.0, -INFINITY};
}

bool each_guards_intact(Buf<ErrorSums>& b, size_t off, size_t n) {
  const ErrorSums g = {-0.0, -0.0, -INFINITY, -0.0, -0.0, -0.0, -INFINITY};
  for (size_t i = 0; i < b.size; ++i)
    if ((i < off || i >= off + n) && memcmp(&b.p[i], &g, sizeof g) != 0) return false;
  return true;
}

bool same_double(double want, double got) {
  if (isnan(want) && isnan(got)) return true;  // which NaN payload survives may vary
  return bits_of(want) == bits_of(got);
}

void check_error_sums_each(const Table& t, const std::vector<size_t>& lengths) {
  for (int kind = 0; kind < kNumPairKinds; ++kind) {
    for (int rep = 0; rep < 2; ++rep) {
      for (size_t li = 0; li < lengths.size(); ++li) {
        const size_t n = lengths[li];
        const size_t xo = (li + rep) % 4, yo = (li / 4 + rep) % 4, ao = (li / 16 + kind) % 4;
        Buf<float> x(xo, n), y(yo, n);
        for (size_t i = 0; i < xo; ++i) x.p[i] = NAN;  // must not be read
        for (size_t i = 0; i < yo; ++i) y.p[i] = NAN;
        fill_pairs(static_cast<PairKind>(kind), x.at(xo), y.at(yo), n);
        Buf<ErrorSums> want(0, n), got(ao, n, 2);
        fill_each_guards(got);
        for (size_t i = 0; i < n; ++i) want.p[i] = got.at(ao)[i] = initial_sums();
        mp::stats_scalar.error_sums_each(x.at(xo), y.at(yo), n, want.at(0));
        t.k->error_sums_each(x.at(xo), y.at(yo), n, got.at(ao));
        ++g_checks;
        if (!each_guards_intact(got, ao, n)) {
          fail(t.name, "error_sums_each", fmt("n=%zu acc_off=%zu: wrote outside [0, n)", n, ao));
          continue;
        }
        for (size_t i = 0; i < n; ++i) {
          const ErrorSums& a = want.p[i];
          const ErrorSums& b = got.at(ao)[i];
          const bool nan_in = isnan(x.at(xo)[i]) || isnan(y.at(yo)[i]);
          const bool ok = same_double(a.sum_sq_err, b.sum_sq_err) &&
                          same_double(a.sum_abs_err, b.sum_abs_err) &&
                          same_double(a.sum_sq_x, b.sum_sq_x) &&
                          same_double(a.sum_sq_y, b.sum_sq_y) && same_double(a.sum_xy, b.sum_xy) &&
                          (nan_in || (same_double(a.max_abs_err, b.max_abs_err) &&
                                      same_double(a.max_abs_x, b.max_abs_x)));
          if (!ok) {
            fail(t.name, "error_sums_each",
                 fmt("%s n=%zu i=%zu x=%.9g y=%.9g: want {%.17g %.17g %.17g %.17g %.17g %.17g "
                     "%.17g} got {%.17g %.17g %.17g %.17g %.17g %.17g %.17g}",
                     kPairKindNames[kind], n, i, x.at(xo)[i], y.at(yo)[i], a.sum_sq_err,
                     a.sum_abs_err, a.max_abs_err, a.sum_sq_x, a.sum_sq_y, a.sum_xy, a.max_abs_x,
                     b.sum_sq_err, b.sum_abs_err, b.max_abs_err, b.sum_sq_x, b.sum_sq_y, b.sum_xy,
                     b.max_abs_x));
            break;
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// histogram and histogram_range

#include "stats_histogram_checks.inc"


// ---------------------------------------------------------------------------
// Page edges: inputs that start right after, or end right before, an inaccessible
// page. Masked vector loads never fault on masked-off lanes, so a tail mask one
// lane too wide reads past the end without AddressSanitizer noticing; here it
// crashes the test.

#if MP_HAVE_MPROTECT
struct GuardedPages {
  char* base = nullptr;
  size_t page = 0, len = 0;
  // One read-write page between two PROT_NONE ones.
  GuardedPages() {
    page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    len = 3 * page;
    void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      base = nullptr;
      return;
    }
    base = static_cast<char*>(p);
    mprotect(base, page, PROT_NONE);
    mprotect(base + 2 * page, page, PROT_NONE);
  }
  ~GuardedPages() {
    if (base) munmap(base, len);
  }
  // n floats flush against the start or the end of the accessible page.
  float* floats(size_t n, bool at_end) {
    char* p = at_end ? base + 2 * page - n * sizeof(float) : base + page;
    return reinterpret_cast<float*>(p);
  }
};

void check_page_edges(const Table& t) {
  GuardedPages px, py;
  if (!px.base || !py.base) return;
  for (size_t n = 0; n <= 80; ++n) {
    for (int at_end = 0; at_end < 2; ++at_end) {
      float* x = px.floats(n, at_end);
      float* y = py.floats(n, at_end);
      fill_pairs(kQuantized, x, y, n);
      ErrorSums want = initial_sums(), got = want;
      mp::stats_scalar.error_sums(x, y, n, &want);
      t.k->error_sums(x, y, n, &got);
      std::vector<ErrorSums> each_want(n), each_got(n);
      for (size_t i = 0; i < n; ++i) each_want[i] = each_got[i] = initial_sums();
      mp::stats_scalar.error_sums_each(x, y, n, each_want.data());
      t.k->error_sums_each(x, y, n, each_got.data());
      std::vector<uint64_t> h_want(7, 0), h_got(7, 0);
      mp::stats_scalar.histogram(x, n, -1.0, 1.0, 3.5, 7, h_want.data());
      t.k->histogram(x, n, -1.0, 1.0, 3.5, 7, h_got.data());
      std::vector<uint64_t> r_want(7, 0), r_got(7, 0);
      float mn_want = INFINITY, mx_want = -INFINITY, mn_got = INFINITY, mx_got = -INFINITY;
      const bool bad_want = mp::stats_scalar.histogram_range(x, n, -1.0, 1.0, 3.5, 7, r_want.data(),
                                                             &mn_want, &mx_want);
      const bool bad_got =
          t.k->histogram_range(x, n, -1.0, 1.0, 3.5, 7, r_got.data(), &mn_got, &mx_got);
      g_checks += 4;
      if (bad_want || bad_got || r_want != r_got || mn_want != mn_got || mx_want != mx_got)
        fail(t.name, "page edges", fmt("n=%zu at_end=%d: histogram_range differs", n, at_end));
      if (want.max_abs_x != got.max_abs_x || h_want != h_got ||
          (n > 0 && memcmp(each_want.data(), each_got.data(), n * sizeof(ErrorSums)) != 0))
        fail(t.name, "page edges", fmt("n=%zu at_end=%d: results differ", n, at_end));
    }
  }
}
#else
void check_page_edges(const Table&) {}
#endif

}  // namespace

int main() {
  const std::vector<Table> tables = runnable_tables();
  const std::vector<size_t> lengths = test_lengths();
  std::string names;
  for (const Table& t : tables) {
    names += names.empty() ? "" : ",";
    names += t.name;
    check_error_sums(t, lengths);
    check_error_sums_max_positions(t);
    check_error_sums_nan_err(t);
    check_error_sums_each(t, lengths);
    check_histogram(t, lengths);
    check_histogram_dense(t);
    check_histogram_range(t, lengths);
    check_histogram_range_non_finite(t);
    check_histogram_range_extremes(t);
    check_histogram_range_dense(t);
    check_page_edges(t);
  }
  if (tables.empty()) names = "none";
  if (g_failures > 0) {
    printf("stats_variants_test: FAIL  variants=%s  calls=%lld  mismatches=%lld\n", names.c_str(),
           g_checks, g_failures);
    return 1;
  }
  printf("stats_variants_test: PASS  variants=%s  calls=%lld  mismatches=0\n", names.c_str(), g_checks);
  return 0;
}
