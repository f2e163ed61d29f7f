// Checks every SIMD prune table this CPU can run against the scalar reference
// (native/kernels/prune/ref.cc), bit for bit:
//   row_sums, column_sums -> every sum (doubles by their bits) and the NaN flag,
//                            for NORM_L1, L2, MAX and LP (p = 0.5, 1.5, 3), added
//                            to starting sums of +0, -0, negative, positive and
//                            huge values
//   block_pool            -> every block mean / maximum (floats by their bits) and
//                            the NaN flag, for block widths 1..9, 16, 17, 33, 64,
//                            65, wider than the strip, heights 1..5, 8, 16, 17 and
//                            row strides longer than the row
//   expand_blocks         -> the row's bytes, for widths 1..70, 100, 128, 200
//   nm_mask               -> the mask bytes and the NaN flag, for (n, m) pairs
//                            from (1, 1) to (255, 256) with inner == 1 (groups
//                            along the last axis) and inner > 1
//   taylor_accumulate     -> every score (NaN results only as NaN: their payload
//                            is the platform's), beta 0, 1, 0.9, -0.5 and random
// over lengths 0..130 and larger ones reaching every vector tail, element offsets
// 0..15 of the inputs, data with many equal magnitudes (ties decide nm_mask), +-0,
// +-Inf, denormals and the largest floats, and a NaN at every position of short
// inputs (then only the NaN flag is compared: the outputs are unspecified). Every
// call gets freshly allocated buffers of exactly the size it may touch (so
// AddressSanitizer sees overruns) plus guard elements after each output that must
// stay untouched (block_pool's colsum scratch included, whose contents are free).
// Exits 1 on any mismatch.
//
// Build and run: native/test/run.sh
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <string>
#include <utility>
#include <vector>

#include "../dispatch/cpu_features.h"
#include "variant_test_util.h"
#include "../kernels/prune/prune_kernels.h"

namespace {

using mp::PruneKernels;

struct Table {
  const char* name;
  const PruneKernels* k;
};

std::vector<Table> runnable_tables() {
  std::vector<Table> t;
  const mp::CpuFeatures& f = mp::cpu_features();
  (void)f;
#if defined(__x86_64__) || defined(_M_X64)
  if (f.avx2) t.push_back({"avx2", &mp::prune_avx2});
  if (f.avx512) t.push_back({"avx512", &mp::prune_avx512});
#endif
#if defined(__aarch64__)
  if (f.neon) t.push_back({"neon", &mp::prune_neon});
#endif
#if defined(__wasm_simd128__)
  t.push_back({"simd128", &mp::prune_simd128});
#endif
  return t;
}

constexpr size_t kGuard = 16;

// ---------------------------------------------------------------------------
// Data (no NaN: those are placed on purpose)

enum Kind { kNormal, kWide, kFewValues, kQuantized, kHalfZeros, kDenormal, kSpecial, kAllEqual, kNumKinds };
const char* const kKindNames[] = {"normal",     "wide",     "few-values", "quantized",
                                  "half-zeros", "denormal", "special",    "all-equal"};

const uint32_t kNaNs[] = {0x7fc00000u, 0x7f800001u, 0xffc00000u, 0xff800001u, 0x7fffffffu, 0xffffffffu};

float random_nan() { return from_bits(kNaNs[rnd_int(0, 5)]); }

// A finite float: magnitudes over the whole range, either sign.
float wide_value() {
  const int r = rnd_int(0, 9);
  uint32_t b;
  if (r == 0) b = rnd32() & 0x007fffffu;                // denormal or 0
  else if (r == 1) b = 0x7f7fffffu - (rnd32() & 0xff);  // near FLT_MAX
  else b = (static_cast<uint32_t>(rnd_int(1, 254)) << 23) | (rnd32() & 0x007fffffu);
  return from_bits(b | (rnd32() & 0x80000000u));
}

struct Gen {
  Kind kind;
  std::vector<float> pool;
  explicit Gen(Kind k) : kind(k) {
    const size_t m = k == kAllEqual ? 1 : static_cast<size_t>(rnd_int(1, 6));
    for (size_t i = 0; i < m; ++i) {
      const float v = rnd_int(0, 3) == 0 ? 0.0f : wide_value();
      pool.push_back(v);
      pool.push_back(-v);  // -x and x share a magnitude; -0 and +0 too
    }
  }
  float operator()() {
    switch (kind) {
      case kNormal: {
        const double s = uniform(-1, 1) + uniform(-1, 1) + uniform(-1, 1);
        return static_cast<float>(s * 0.02);
      }
      case kWide:
        return wide_value();
      case kFewValues:
      case kAllEqual:
        return pool[rnd_int(0, static_cast<int>(pool.size()) - 1)];
      case kQuantized: {
        const double s = (uniform(-1, 1) + uniform(-1, 1) + uniform(-1, 1)) * 3.0;
        return static_cast<float>(rint(s) * 0.01);
      }
      case kHalfZeros:
        return rnd_int(0, 1) ? (rnd_int(0, 1) ? 0.0f : -0.0f) : static_cast<float>(uniform(-1, 1));
      case kDenormal:
        return from_bits((rnd32() & 0x807fffffu) | (rnd_int(0, 7) == 0 ? 0x00800000u : 0u));
      default: {  // kSpecial
        const int r = rnd_int(0, 9);
        if (r == 0) return rnd_int(0, 1) ? INFINITY : -INFINITY;
        if (r <= 2) return rnd_int(0, 1) ? 0.0f : -0.0f;
        if (r == 3) return rnd_int(0, 1) ? FLT_MAX : -FLT_MAX;
        if (r == 4) return from_bits(rnd32() & 0x807fffffu);
        return wide_value();
      }
    }
  }
};

void fill(float* x, size_t n, Kind kind) {
  Gen g(kind);
  for (size_t i = 0; i < n; ++i) x[i] = g();
}

Kind kind_at(size_t i) { return static_cast<Kind>(i % kNumKinds); }

bool same(double a, double b) { return bits_of(a) == bits_of(b); }
bool same(float a, float b) { return bits_of(a) == bits_of(b); }

// Lengths 0..130 and longer ones past every vector step and tail.
std::vector<size_t> test_lengths() {
  std::vector<size_t> v;
  for (size_t n = 0; n <= 130; ++n) v.push_back(n);
  for (size_t n : {191, 255, 256, 257, 1000, 4095, 4097}) v.push_back(n);
  return v;
}

// ---------------------------------------------------------------------------
// row_sums, column_sums

struct Norm {
  uint32_t kind;
  double p;
  const char* name;
};
const Norm kNorms[] = {{mp::NORM_L1, 0, "L1"},     {mp::NORM_L2, 0, "L2"},     {mp::NORM_MAX, 0, "MAX"},
                       {mp::NORM_LP, 0.5, "L0.5"}, {mp::NORM_LP, 3, "L3"},     {mp::NORM_LP, 1.5, "L1.5"}};
constexpr size_t kNumNorms = sizeof(kNorms) / sizeof(kNorms[0]);

// Starting sums: zeros, positive values, or a mix of +-0, negative, tiny and huge
// values (a negative start is where NORM_MAX keeps the sign of a zero).
double start_value(int style) {
  if (style == 0) return 0.0;
  if (style == 1) return uniform(0, 10);
  const double v[] = {0.0, -0.0, -1.5, 4.9e-324, 3.0, -1e300, 1e300, 0.25};
  return rnd_int(0, 3) == 0 ? uniform(-2, 2) : v[rnd_int(0, 7)];
}

// One row_sums (columns = false) or column_sums call against the reference.
bool check_sums_call(const Table& t, bool columns, const char* what, const float* x, size_t rows, size_t cols,
                     const Norm& nk, int style) {
  const size_t n = columns ? cols : rows;
  const size_t so = static_cast<size_t>(rnd_int(0, 3));
  Buf<double> want(0, n), got(so, n, kGuard);
  fill_sentinel(got);
  for (size_t i = 0; i < n; ++i) got.at(so)[i] = want.at(0)[i] = start_value(style);
  const char* fn = columns ? "column_sums" : "row_sums";
  bool want_nan, got_nan;
  if (columns) {
    want_nan = mp::prune_scalar.column_sums(x, rows, cols, nk.kind, nk.p, want.at(0));
    got_nan = t.k->column_sums(x, rows, cols, nk.kind, nk.p, got.at(so));
  } else {
    want_nan = mp::prune_scalar.row_sums(x, rows, cols, nk.kind, nk.p, want.at(0));
    got_nan = t.k->row_sums(x, rows, cols, nk.kind, nk.p, got.at(so));
  }
  ++g_checks;
  if (!guards_intact(got, so, n)) {
    fail(t.name, fn, fmt("%s %s rows=%zu cols=%zu: wrote outside the sums", what, nk.name, rows, cols));
    return false;
  }
  if (want_nan != got_nan) {
    fail(t.name, fn, fmt("%s %s rows=%zu cols=%zu: NaN flag want %d got %d", what, nk.name, rows, cols, want_nan, got_nan));
    return false;
  }
  if (want_nan) return true;  // sums unspecified
  for (size_t i = 0; i < n; ++i) {
    if (!same(want.at(0)[i], got.at(so)[i])) {
      fail(t.name, fn,
           fmt("%s %s rows=%zu cols=%zu style=%d: sums[%zu] want %a got %a", what, nk.name, rows, cols, style, i,
               want.at(0)[i], got.at(so)[i]));
      return false;
    }
  }
  return true;
}

void check_sums_shape(const Table& t, size_t rows, size_t cols, size_t salt) {
  const size_t xo = salt % 16;
  const Kind kind = kind_at(salt);
  Buf<float> x(xo, rows * cols);
  fill(x.p.get(), xo + rows * cols, kind);
  for (size_t ni = 0; ni < kNumNorms; ++ni) {
    // LP is the reference's own code in every variant: fewer shapes are enough.
    if (kNorms[ni].kind == mp::NORM_LP && (salt + ni) % 4 != 0) continue;
    const int style = static_cast<int>((salt + ni) % 3);
    for (int columns = 0; columns < 2; ++columns) check_sums_call(t, columns, kKindNames[kind], x.at(xo), rows, cols, kNorms[ni], style);
  }
}

void check_sums(const Table& t) {
  const std::vector<size_t> lengths = test_lengths();
  size_t salt = 0;
  // Every length as the row length, with a few row counts each; and as the
  // number of rows of short rows.
  for (size_t cols : lengths) {
    const size_t reps = cols <= 130 ? 3 : 2;
    for (size_t rep = 0; rep < reps; ++rep) {
      const size_t rows = cols <= 300 ? static_cast<size_t>(rnd_int(0, 19)) : static_cast<size_t>(rnd_int(0, 5));
      check_sums_shape(t, rows, cols, salt++);
    }
  }
  for (size_t rows = 0; rows <= 40; ++rows) {
    for (size_t cols : {1u, 2u, 3u, 7u, 8u, 9u, 15u, 16u, 17u, 25u, 33u, 49u}) check_sums_shape(t, rows, cols, salt++);
  }
  for (size_t rows : {130u, 255u, 1000u}) check_sums_shape(t, rows, static_cast<size_t>(rnd_int(1, 20)), salt++);
  check_sums_shape(t, 1, 100003, salt++);
  check_sums_shape(t, 3, 40000, salt++);
  check_sums_shape(t, 20000, 9, salt++);
}

// A NaN at every position of short inputs (then only the flag counts), +-Inf at
// every position (a normal result).
void check_sums_special(const Table& t) {
  for (size_t rows = 1; rows <= 9; ++rows) {
    for (size_t cols : {1u, 3u, 8u, 9u, 17u, 20u, 33u}) {
      const size_t n = rows * cols, xo = (rows + cols) % 16;
      Buf<float> x(xo, n);
      for (size_t pos = 0; pos < n; ++pos) {
        fill(x.p.get(), xo + n, kind_at(pos));
        for (int what = 0; what < 2; ++what) {
          x.at(xo)[pos] = what == 0 ? random_nan() : (rnd_int(0, 1) ? INFINITY : -INFINITY);
          for (size_t ni = 0; ni < kNumNorms; ++ni) {
            if (kNorms[ni].kind == mp::NORM_LP && (pos + ni) % 3 != 0) continue;
            for (int columns = 0; columns < 2; ++columns)
              check_sums_call(t, columns, what == 0 ? "nan-at" : "inf-at", x.at(xo), rows, cols, kNorms[ni], 2);
          }
        }
      }
    }
  }
  // Long rows with the NaN deep inside (vector bodies, not tails).
  for (size_t cols : {1000u, 4097u}) {
    for (size_t rows : {1u, 5u, 13u}) {
      Buf<float> x(0, rows * cols);
      fill(x.p.get(), rows * cols, kNormal);
      x.at(0)[rnd_int(0, static_cast<int>(rows * cols) - 1)] = random_nan();
      for (size_t ni = 0; ni < 3; ++ni) {
        for (int columns = 0; columns < 2; ++columns) check_sums_call(t, columns, "nan-deep", x.at(0), rows, cols, kNorms[ni], 1);
      }
    }
  }
  // Rows of zeros (either sign) after negative, -0 and +0 starting sums: NORM_MAX
  // keeps the first element's zero.
  for (size_t rows = 1; rows <= 17; ++rows) {
    for (size_t cols : {1u, 2u, 9u, 16u, 40u}) {
      Buf<float> x(1, rows * cols);
      for (size_t i = 0; i < 1 + rows * cols; ++i) x.p[i] = rnd_int(0, 1) ? 0.0f : -0.0f;
      for (int columns = 0; columns < 2; ++columns) {
        for (size_t ni = 0; ni < 3; ++ni) check_sums_call(t, columns, "zeros", x.at(1), rows, cols, kNorms[ni], 2);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// block_pool

bool check_pool_call(const Table& t, const char* what, const float* x, size_t bh, size_t cols, size_t stride,
                     size_t bw, uint32_t mode) {
  const size_t nb = cols / bw + (cols % bw != 0);
  const size_t oo = static_cast<size_t>(rnd_int(0, 3)), co = static_cast<size_t>(rnd_int(0, 3));
  Buf<float> want(0, nb), got(oo, nb, kGuard);
  Buf<double> cs_want(0, cols), cs_got(co, cols, kGuard);
  fill_sentinel(got);
  fill_sentinel(cs_got);
  const bool want_nan = mp::prune_scalar.block_pool(x, bh, cols, stride, bw, mode, cs_want.at(0), want.at(0));
  // The scratch's contents are free: only its guards are checked.
  const bool got_nan = t.k->block_pool(x, bh, cols, stride, bw, mode, cs_got.at(co), got.at(oo));
  memset(cs_got.at(co), 0xA5, cols * sizeof(double));
  ++g_checks;
  const char* m = mode == 1 ? "max" : "mean";
  if (!guards_intact(got, oo, nb) || !guards_intact(cs_got, co, cols)) {
    fail(t.name, "block_pool", fmt("%s %s bh=%zu cols=%zu stride=%zu bw=%zu: wrote outside out / colsum", what, m, bh, cols, stride, bw));
    return false;
  }
  if (want_nan != got_nan) {
    fail(t.name, "block_pool",
         fmt("%s %s bh=%zu cols=%zu stride=%zu bw=%zu: NaN flag want %d got %d", what, m, bh, cols, stride, bw, want_nan, got_nan));
    return false;
  }
  if (want_nan) return true;
  for (size_t b = 0; b < nb; ++b) {
    if (!same(want.at(0)[b], got.at(oo)[b])) {
      fail(t.name, "block_pool",
           fmt("%s %s bh=%zu cols=%zu stride=%zu bw=%zu: out[%zu] want %a got %a", what, m, bh, cols, stride, bw, b,
               want.at(0)[b], got.at(oo)[b]));
      return false;
    }
  }
  return true;
}

// A strip of bh rows of cols floats, stride apart: exactly (bh - 1) * stride + cols.
void check_pool_shape(const Table& t, size_t bh, size_t cols, size_t stride, size_t bw, size_t salt) {
  const size_t n = cols == 0 ? 0 : (bh - 1) * stride + cols, xo = salt % 16;
  Buf<float> x(xo, n);
  fill(x.p.get(), xo + n, kind_at(salt));
  for (uint32_t mode = 0; mode < 2; ++mode) check_pool_call(t, kKindNames[kind_at(salt)], x.at(xo), bh, cols, stride, bw, mode);
}

const size_t kWidths[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 33, 64, 65};
const size_t kHeights[] = {1, 2, 3, 4, 5, 8, 16, 17};

void check_block_pool(const Table& t) {
  const std::vector<size_t> lengths = test_lengths();
  size_t salt = 0;
  for (size_t cols : lengths) {
    for (size_t bw : kWidths) {
      const size_t bh = kHeights[(salt * 7 + bw) % 8];
      const size_t stride = cols + (rnd_int(0, 2) == 0 ? 0 : static_cast<size_t>(rnd_int(1, 20)));
      check_pool_shape(t, cols > 1000 && bh > 5 ? 5 : bh, cols, stride, bw, salt++);
    }
    // Blocks as wide as the strip and wider.
    if (cols > 0) {
      check_pool_shape(t, kHeights[salt % 8], cols, cols + 3, cols + static_cast<size_t>(rnd_int(0, 40)), salt);
      ++salt;
    }
  }
  // Every height with the common widths on a few lengths.
  for (size_t bh = 1; bh <= 17; ++bh) {
    for (size_t bw : {1u, 2u, 4u, 8u, 16u}) {
      for (size_t cols : {64u, 127u, 128u, 200u}) check_pool_shape(t, bh, cols, cols + bh % 3, bw, salt++);
    }
  }
  check_pool_shape(t, 1, 100003, 100003, 4, salt++);
  check_pool_shape(t, 2, 50001, 50010, 2, salt++);
  check_pool_shape(t, 3, 30001, 30001, 16, salt++);
  check_pool_shape(t, 1, 30001, 30001, 100, salt++);
  check_pool_shape(t, 1, 70000, 70000, 5000, salt++);
}

// A double S, a sum of three floats a[0] + a[1] + a[2] (each partial sum exact),
// with float(S / count) != float(S * (1 / count)); false if none was found (count
// a power of two, where the two agree).
bool hard_mean(size_t count, float a[3]) {
  const double c = static_cast<double>(count);
  for (int tries = 0; tries < 20000; ++tries) {
    const float f = from_bits(static_cast<uint32_t>(rnd_int(100, 150)) << 23 | (rnd32() & 0x7fffffu));
    const double mid = static_cast<double>(f) + (static_cast<double>(nextafterf(f, INFINITY)) - f) / 2;
    double s = mid * c;  // near count times a float midpoint
    for (int k = rnd_int(-6, 6); k != 0; k += k < 0 ? 1 : -1) s = nextafter(s, k < 0 ? 0.0 : INFINITY);
    if (static_cast<float>(s / c) == static_cast<float>(s * (1.0 / c))) continue;
    a[0] = static_cast<float>(s);
    if (a[0] > s) a[0] = nextafterf(a[0], 0);
    const double rest = s - a[0];
    a[1] = static_cast<float>(rest);
    if (a[1] > rest) a[1] = nextafterf(a[1], 0);
    a[2] = static_cast<float>(rest - a[1]);
    if (static_cast<double>(a[2]) != rest - a[1] || (static_cast<double>(a[0]) + a[1]) + a[2] != s) continue;
    return true;
  }
  return false;
}

// Strips whose full blocks of at least 3 cells have hard means: a[0], a[1], a[2]
// in cells whose in-order sums are exact (first column top down, then the next).
bool fill_hard_means(float* x, size_t bh, size_t cols, size_t bw) {
  if (bh * bw < 3) return false;
  memset(x, 0, bh * cols * sizeof(float));
  for (size_t c0 = 0; c0 + bw <= cols; c0 += bw) {
    float a[3];
    if (!hard_mean(bh * bw, a)) return false;
    for (size_t j = 0; j < 3; ++j) {
      const size_t cell = bw == 1 ? j : bh == 1 ? j : (j == 0 ? 0 : j == 1 ? bh : bh + 1);  // column-major
      x[(cell % bh) * cols + c0 + cell / bh] = a[j];
    }
  }
  return true;
}

// The reference's block sum of bh x bw cells (cell[r * bw + c]) in the order
// given: columns in col_order, rows in row_order (or all cells row by row).
double block_sum(const float* cell, size_t bh, size_t bw, const std::vector<size_t>& col_order,
                 const std::vector<size_t>& row_order, bool row_major) {
  double s = 0;
  if (row_major) {
    for (size_t i = 0; i < bh * bw; ++i) s += cell[i];
    return s;
  }
  for (size_t c : col_order) {
    double cs = 0;
    for (size_t r : row_order) cs += cell[r * bw + c];
    s += cs;
  }
  return s;
}

// A block whose mean depends on the order of its additions: big cells (on a
// coarse grid, so their sums are exact) add up to count times a float midpoint,
// and small cells of about half a double ulp of that sum go to even or not
// depending on what was added before them. Of the candidates tried, the one for
// which most wrong orders (columns reversed, columns 1 and 2 swapped, rows
// reversed, row-major) give another float; false if none gives any.
bool order_sensitive_block(size_t bh, size_t bw, float* cell) {
  const size_t w = bh * bw;
  const double count = static_cast<double>(w);
  std::vector<size_t> cols(bw), rows(bh);
  for (size_t c = 0; c < bw; ++c) cols[c] = c;
  for (size_t r = 0; r < bh; ++r) rows[r] = r;
  std::vector<std::pair<std::vector<size_t>, std::vector<size_t>>> alts;
  if (bw > 2) {
    alts.push_back({std::vector<size_t>(cols.rbegin(), cols.rend()), rows});
    std::vector<size_t> sw = cols;
    std::swap(sw[1], sw[2]);
    alts.push_back({sw, rows});
  }
  if (bh > 2) alts.push_back({cols, std::vector<size_t>(rows.rbegin(), rows.rend())});
  const bool row_major = bh > 1 && bw > 1;
  const size_t want = alts.size() + row_major;
  std::vector<float> best(w);
  size_t best_score = 0;
  for (int tries = 0; tries < 3000 && best_score < want; ++tries) {
    size_t bigs = 0, first_big = 0;
    for (size_t i = 0; i < w; ++i) {
      if (rnd_int(0, 1)) {
        cell[i] = from_bits((144u << 23) | (rnd32() & 0x7fffe0u));  // [2^17, 2^18), 2^-1 grid
        if (bigs++ == 0) first_big = i;
      } else {
        const float small[] = {0x1p-33f, 0x1p-34f, 0x3p-34f, 0x1p-32f};
        cell[i] = small[rnd_int(0, 3)];
      }
    }
    if (bigs < 1 || bigs + 2 > w) continue;
    size_t rest = first_big == 0 ? 1 : 0;  // a small cell, to hold the remainder
    while (cell[rest] > 1) ++rest;
    double others = 0;
    for (size_t i = 0; i < w; ++i) {
      if (i != first_big && cell[i] > 1) others += cell[i];  // exact: a 2^-1 grid below 2^22
    }
    const float f = static_cast<float>((others + cell[first_big]) / count);
    const double mid = static_cast<double>(f) + (static_cast<double>(nextafterf(f, INFINITY)) - f) / 2;
    // The big cells and `rest` add up to count * mid (exactly: about 30 bits).
    const double need = mid * count - others;
    float a0 = static_cast<float>(need);
    if (a0 > need) a0 = nextafterf(a0, 0);
    const double a1 = need - a0;
    if (!(a0 > 0x1p16) || static_cast<double>(static_cast<float>(a1)) != a1) continue;
    cell[first_big] = a0;
    cell[rest] = static_cast<float>(a1);
    const float spec = static_cast<float>(block_sum(cell, bh, bw, cols, rows, false) / count);
    size_t score = 0;
    for (const auto& a : alts) score += static_cast<float>(block_sum(cell, bh, bw, a.first, a.second, false) / count) != spec;
    if (row_major) score += static_cast<float>(block_sum(cell, bh, bw, cols, rows, true) / count) != spec;
    if (score > best_score) {
      best_score = score;
      best.assign(cell, cell + w);
    }
  }
  if (best_score == 0) return false;
  memcpy(cell, best.data(), w * sizeof(float));
  return true;
}

void check_pool_special(const Table& t) {
  for (size_t bh : {1u, 2u, 3u, 4u}) {
    for (size_t cols : {1u, 5u, 16u, 33u, 70u}) {
      for (size_t bw : {1u, 2u, 3u, 4u, 8u, 9u}) {
        const size_t stride = cols + bh - 1, n = (bh - 1) * stride + cols;
        Buf<float> x(3, n);
        for (size_t pos = 0; pos < n; ++pos) {
          if (pos % stride >= cols) continue;  // between rows: not read
          fill(x.p.get(), 3 + n, kind_at(pos));
          for (int what = 0; what < 2; ++what) {
            x.at(3)[pos] = what == 0 ? random_nan() : (rnd_int(0, 1) ? INFINITY : -INFINITY);
            for (uint32_t mode = 0; mode < 2; ++mode) check_pool_call(t, what == 0 ? "nan-at" : "inf-at", x.at(3), bh, cols, stride, bw, mode);
          }
        }
      }
    }
  }
  // Block sums S where float(S / count) differs from float(S * (1 / count)) (S
  // just off a float rounding boundary): a reciprocal multiply would show.
  for (size_t bh : {1u, 2u, 3u, 5u}) {
    for (size_t bw : {1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u, 17u}) {
      const size_t cols = bw * 40 + bw / 2;
      Buf<float> x(0, bh * cols);
      if (!fill_hard_means(x.at(0), bh, cols, bw)) continue;
      for (uint32_t mode = 0; mode < 2; ++mode) check_pool_call(t, "hard-means", x.at(0), bh, cols, cols, bw, mode);
    }
  }
  // Blocks whose means depend on the order of their additions (a row of up to 5
  // cells has too few roundings for one: skipped when none is found).
  size_t sensitive = 0;
  for (size_t bh : {1u, 2u, 3u}) {
    for (size_t bw : {2u, 3u, 4u, 5u, 7u, 8u, 9u, 16u, 17u}) {
      if (bh * bw < 3 || (bh < 3 && bw < 3)) continue;
      const size_t nb = 10, cols = nb * bw + 1, stride = cols + 2;
      Buf<float> x(0, (bh - 1) * stride + cols);
      memset(x.p.get(), 0, x.size * sizeof(float));
      std::vector<float> cell(bh * bw);
      size_t made = 0;
      for (size_t b = 0; b < nb; ++b) {
        if (!order_sensitive_block(bh, bw, cell.data())) continue;
        ++made;
        for (size_t r = 0; r < bh; ++r) {
          for (size_t c = 0; c < bw; ++c) x.at(0)[r * stride + b * bw + c] = cell[r * bw + c];
        }
      }
      if (made == 0) continue;
      sensitive += made;
      check_pool_call(t, "order-sensitive", x.at(0), bh, cols, stride, bw, 0);
    }
  }
  if (sensitive < 100) fail(t.name, "block_pool", fmt("test setup: only %zu order-sensitive blocks", sensitive));
  // NaN outside the strip's columns (in the stride gap) must not count.
  Buf<float> x(0, 3 * 40 + 30);
  fill(x.p.get(), 3 * 40 + 30, kNormal);
  for (size_t r = 0; r < 3; ++r) x.at(0)[r * 40 + 35] = random_nan();
  for (size_t bw : {1u, 2u, 4u, 8u, 3u}) {
    for (uint32_t mode = 0; mode < 2; ++mode) check_pool_call(t, "nan-in-gap", x.at(0), 4, 30, 40, bw, mode);
  }
}

// ---------------------------------------------------------------------------
// expand_blocks

void check_expand(const Table& t) {
  std::vector<size_t> widths;
  for (size_t bw = 1; bw <= 70; ++bw) widths.push_back(bw);
  for (size_t bw : {100u, 128u, 200u}) widths.push_back(bw);
  std::vector<size_t> lengths = test_lengths();
  size_t salt = 0;
  for (size_t bw : widths) {
    for (size_t li = 0; li < lengths.size(); li += (bw <= 17 ? 1 : 3)) {
      const size_t cols = lengths[li];
      const size_t nb = cols / bw + (cols % bw != 0);
      const size_t bo = salt % 16, ro = (salt / 16) % 16;
      ++salt;
      Buf<uint8_t> bm(bo, nb);
      for (size_t i = 0; i < bo + nb; ++i) bm.p[i] = static_cast<uint8_t>(salt % 3 == 0 ? rnd32() : rnd32() & 1);
      Buf<uint8_t> want(0, cols), got(ro, cols, kGuard);
      fill_sentinel(got);
      mp::prune_scalar.expand_blocks(bm.at(bo), cols, bw, want.at(0));
      t.k->expand_blocks(bm.at(bo), cols, bw, got.at(ro));
      ++g_checks;
      if (!guards_intact(got, ro, cols)) {
        fail(t.name, "expand_blocks", fmt("cols=%zu bw=%zu: wrote outside the row", cols, bw));
        continue;
      }
      for (size_t c = 0; c < cols; ++c) {
        if (want.at(0)[c] != got.at(ro)[c]) {
          fail(t.name, "expand_blocks", fmt("cols=%zu bw=%zu: row[%zu] want %u got %u", cols, bw, c, want.at(0)[c], got.at(ro)[c]));
          break;
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// nm_mask

bool check_nm_call(const Table& t, const char* what, const float* x, size_t outer, size_t axis_len, size_t inner,
                   uint32_t n, uint32_t m) {
  const size_t total = outer * axis_len * inner, mo = static_cast<size_t>(rnd_int(0, 3));
  Buf<uint8_t> want(0, total), got(mo, total, kGuard);
  fill_sentinel(got);
  const bool want_nan = mp::prune_scalar.nm_mask(x, outer, axis_len, inner, n, m, want.at(0));
  const bool got_nan = t.k->nm_mask(x, outer, axis_len, inner, n, m, got.at(mo));
  ++g_checks;
  if (!guards_intact(got, mo, total)) {
    fail(t.name, "nm_mask", fmt("%s %u:%u outer=%zu axis=%zu inner=%zu: wrote outside the mask", what, n, m, outer, axis_len, inner));
    return false;
  }
  if (want_nan != got_nan) {
    fail(t.name, "nm_mask",
         fmt("%s %u:%u outer=%zu axis=%zu inner=%zu: NaN flag want %d got %d", what, n, m, outer, axis_len, inner, want_nan, got_nan));
    return false;
  }
  if (want_nan) return true;
  for (size_t i = 0; i < total; ++i) {
    if (want.at(0)[i] != got.at(mo)[i]) {
      fail(t.name, "nm_mask",
           fmt("%s %u:%u outer=%zu axis=%zu inner=%zu: mask[%zu] want %u got %u", what, n, m, outer, axis_len, inner, i,
               want.at(0)[i], got.at(mo)[i]));
      return false;
    }
  }
  return true;
}

struct NM {
  uint32_t n, m;
};
const NM kPairs[] = {{1, 1},  {2, 4},  {4, 8},  {3, 7},    {1, 16},   {5, 32},  {1, 2},   {2, 2},  {3, 4},
                     {1, 4},  {2, 8},  {7, 8},  {8, 16},   {15, 16},  {2, 3},   {1, 5},   {4, 6},  {16, 32},
                     {4, 5},  {3, 12}, {2, 64}, {10, 64},  {1, 256},  {100, 256}, {255, 256}, {6, 9}, {1, 8}};

void check_nm_shape(const Table& t, size_t outer, size_t groups, size_t inner, NM nm, size_t salt) {
  const size_t axis_len = groups * nm.m, total = outer * axis_len * inner, xo = salt % 16;
  Buf<float> x(xo, total);
  fill(x.p.get(), xo + total, kind_at(salt));
  check_nm_call(t, kKindNames[kind_at(salt)], x.at(xo), outer, axis_len, inner, nm.n, nm.m);
}

void check_nm(const Table& t) {
  size_t salt = 0;
  for (const NM& nm : kPairs) {
    const bool big = nm.m > 32;
    // Along the last axis: every total up to a few hundred groups' worth, and long.
    for (size_t groups = 1; groups <= (big ? 3u : 40u); ++groups, ++salt) check_nm_shape(t, 1 + salt % 3, groups, 1, nm, salt);
    check_nm_shape(t, 0, 3, 1, nm, salt++);
    check_nm_shape(t, 2, big ? 20 : 2000 / nm.m + 3, 1, nm, salt++);
    // Across inner.
    const size_t inners[] = {2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 64, 100};
    for (size_t inner : inners) {
      if (big && inner % 5 != 0 && inner != 16 && inner != 17) continue;
      check_nm_shape(t, 1 + salt % 3, big ? 1 : 1 + salt % 4, inner, nm, salt);
      ++salt;
    }
  }
  // Many equal magnitudes in every group: ties decide.
  for (const NM& nm : kPairs) {
    if (nm.m > 64) continue;
    for (size_t inner : {1u, 5u, 16u, 19u}) {
      const size_t axis_len = 3 * nm.m, total = 2 * axis_len * inner;
      Buf<float> x(1, total);
      const float v[] = {1.5f, -1.5f, 0.0f, -0.0f, 2.0f};
      for (size_t i = 0; i < 1 + total; ++i) x.p[i] = v[rnd_int(0, salt % 2 ? 4 : 1)];
      ++salt;
      check_nm_call(t, "ties", x.at(1), 2, axis_len, inner, nm.n, nm.m);
    }
  }
}

void check_nm_special(const Table& t) {
  const NM pairs[] = {{2, 4}, {4, 8}, {1, 2}, {1, 16}, {3, 7}, {1, 1}, {2, 5}};
  for (const NM& nm : pairs) {
    for (size_t inner : {1u, 3u, 16u, 17u}) {
      for (size_t groups : {1u, 2u, 5u}) {
        if (groups * nm.m * inner > 200) continue;
        const size_t total = groups * nm.m * inner;
        Buf<float> x(2, total);
        for (size_t pos = 0; pos < total; ++pos) {
          fill(x.p.get(), 2 + total, kind_at(pos));
          for (int what = 0; what < 2; ++what) {
            x.at(2)[pos] = what == 0 ? random_nan() : (rnd_int(0, 1) ? INFINITY : -INFINITY);
            check_nm_call(t, what == 0 ? "nan-at" : "inf-at", x.at(2), 1, groups * nm.m, inner, nm.n, nm.m);
          }
        }
      }
    }
  }
  // Keys right at and above the Inf key in long inputs.
  const uint32_t edges[] = {0x7f7fffffu, 0x7f800000u, 0x7f800001u, 0x7fffffffu};
  for (uint32_t e : edges) {
    for (size_t inner : {1u, 24u}) {
      const size_t total = 4 * 8 * 64 * inner / (inner == 1 ? 1 : 8);
      Buf<float> x(0, total);
      fill(x.p.get(), total, kNormal);
      x.at(0)[rnd_int(0, static_cast<int>(total) - 1)] = from_bits(e | (rnd32() & 0x80000000u));
      check_nm_call(t, "nan-edge", x.at(0), 1, total / inner, inner, 2, 4);
      check_nm_call(t, "nan-edge", x.at(0), 1, total / inner, inner, 4, 8);
      check_nm_call(t, "nan-edge", x.at(0), 1, total / inner, inner, 8, 8);
    }
  }
}

// ---------------------------------------------------------------------------
// taylor_accumulate

bool check_taylor_call(const Table& t, const char* what, const float* w, const float* g, size_t n, float beta,
                       const float* start) {
  const size_t so = static_cast<size_t>(rnd_int(0, 15));
  Buf<float> want(0, n), got(so, n, kGuard);
  fill_sentinel(got);
  memcpy(want.at(0), start, n * sizeof(float));
  memcpy(got.at(so), start, n * sizeof(float));
  mp::prune_scalar.taylor_accumulate(w, g, n, beta, want.at(0));
  t.k->taylor_accumulate(w, g, n, beta, got.at(so));
  ++g_checks;
  if (!guards_intact(got, so, n)) {
    fail(t.name, "taylor_accumulate", fmt("%s n=%zu: wrote outside the scores", what, n));
    return false;
  }
  for (size_t i = 0; i < n; ++i) {
    const float a = want.at(0)[i], b = got.at(so)[i];
    if (isnan(a) ? !isnan(b) : !same(a, b)) {
      fail(t.name, "taylor_accumulate", fmt("%s n=%zu beta=%a: score[%zu] want %a got %a", what, n, beta, i, a, b));
      return false;
    }
  }
  return true;
}

void check_taylor(const Table& t) {
  std::vector<size_t> lengths = test_lengths();
  for (size_t n : {65536u + 13, 100003u}) lengths.push_back(n);
  const float betas[] = {0.0f, 1.0f, 0.9f, -0.5f};
  size_t salt = 0;
  for (size_t n : lengths) {
    for (int rep = 0; rep < 2; ++rep) {
      const size_t wo = salt % 16, go = (salt * 5) % 16;
      Buf<float> w(wo, n), g(go, n), s(0, n);
      fill(w.p.get(), wo + n, kind_at(salt));
      fill(g.p.get(), go + n, kind_at(salt + 3));
      fill(s.p.get(), n, kind_at(salt + 5));
      if (salt % 5 == 0) {  // some NaN, from the inputs and from 0 * Inf
        for (size_t i = 0; i < n; i += 7) (i % 2 ? w : g).p[(i % 2 ? wo : go) + i] = random_nan();
      }
      const float beta = rep == 0 ? betas[salt % 4] : static_cast<float>(uniform(-2, 2));
      ++salt;
      check_taylor_call(t, kKindNames[kind_at(salt)], w.at(wo), g.at(go), n, beta, s.at(0));
    }
  }
}

}  // namespace

int main() {
  const std::vector<Table> tables = runnable_tables();
  std::string names;
  for (const Table& t : tables) {
    names += names.empty() ? "" : ",";
    names += t.name;
    check_sums(t);
    check_sums_special(t);
    check_block_pool(t);
    check_pool_special(t);
    check_expand(t);
    check_nm(t);
    check_nm_special(t);
    check_taylor(t);
  }
  if (tables.empty()) names = "none";
  printf("prune_variants_test: %s  variants=%s  calls=%lld  mismatches=%lld\n", g_failures ? "FAIL" : "PASS",
         names.c_str(), g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
