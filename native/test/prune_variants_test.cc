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

#include "prune_checks_pool.inc"

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
