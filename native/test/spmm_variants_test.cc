// Checks every SIMD spmm table this CPU can run against the scalar reference
// (native/kernels/spmm/ref.cc). These are float sums whose order is the
// variant's own, so each output is compared within the bound of
// spmm_kernels.h / modelpress.h, computed per output from the data:
//   |y - y_ref| <= 2 (terms + 1) 2^-24 sum |a_j x_j|   (terms = products in it)
// and where the reference gives NaN or +-Inf the variant must give the same.
// Outputs whose finite products could overflow a partial sum in some order
// (sum |p_j| >= FLT_MAX / 2) are not compared (counted as skipped).
//   csr_matvec / csr_matmul  -> outputs and the return value; bad columns
//                               (negative, n_cols, huge) at every position of
//                               a row must give false (rows before it may be
//                               written); entries outside [row_ptr[0],
//                               row_ptr[rows]) are never looked at
//   dense_matvec / dense_matmul, nm24_matvec / nm24_matmul -> outputs
// Sizes hit every tail: rows, columns and k over 0..70 and larger ones (past
// the kernels' unrolled steps, row panels, group and inner blocks and k
// chunks), B at every alignment (csr_matmul shifts its chunks to B's), empty
// rows, rows of 1..70 non-zeros, sorted and unsorted (repeated) columns,
// matrices without non-zeros or with zero values, random meta nibbles (any i0,
// i1; a garbage unused high nibble), data with +-0, +-Inf, NaN, denormals and
// huge values (products that overflow). Every call gets freshly allocated
// arrays of exactly the size it may read, at element offsets 0..15 (so
// AddressSanitizer sees overruns), and guard elements around each output that
// must stay untouched. Exits 1 on any mismatch.
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
#include "../kernels/spmm/spmm_kernels.h"

namespace {

using mp::SpmmKernels;

struct Table {
  const char* name;
  const SpmmKernels* k;
};

std::vector<Table> runnable_tables() {
  std::vector<Table> t;
  const mp::CpuFeatures& f = mp::cpu_features();
  (void)f;
#if defined(__x86_64__) || defined(_M_X64)
  if (f.avx2) t.push_back({"avx2", &mp::spmm_avx2});
  if (f.avx512) t.push_back({"avx512", &mp::spmm_avx512});
#endif
#if defined(__aarch64__)
  if (f.neon) t.push_back({"neon", &mp::spmm_neon});
#endif
#if defined(__wasm_simd128__)
  t.push_back({"simd128", &mp::spmm_simd128});
#endif
  return t;
}

constexpr size_t kGuard = 16;
long long g_outputs = 0, g_skipped = 0;

size_t rnd_size(size_t lo, size_t hi) {
  return static_cast<size_t>(rnd_int(static_cast<int>(lo), static_cast<int>(hi)));
}
size_t rnd_off() { return rnd_size(0, 15); }

// ---------------------------------------------------------------------------
// Data

enum Kind { kNormal, kMixed, kSmallInts, kSpecial, kZeros, kNumKinds };
const char* const kKindNames[] = {"normal", "mixed", "small-ints", "special", "zeros"};

// Magnitudes over a wide (but product-safe) range, either sign: sums cancel.
float mixed_value() {
  const float m = static_cast<float>(uniform(1, 2)) * ldexpf(1.0f, rnd_int(-40, 40));
  return rnd_int(0, 1) ? m : -m;
}

float special_value() {
  switch (rnd_int(0, 11)) {
    case 0: return 0.0f;
    case 1: return -0.0f;
    case 2: return INFINITY;
    case 3: return -INFINITY;
    case 4: return from_bits(0x7fc00000u | (rnd32() & 0x003fffffu) | (rnd32() & 0x80000000u));  // NaN
    case 5: return from_bits(rnd32() & 0x807fffffu);                                            // denormal
    case 6: return rnd_int(0, 3) == 0 ? (rnd_int(0, 1) ? FLT_MAX : -FLT_MAX) : 1e30f;  // products may overflow
    case 7: return ldexpf(static_cast<float>(uniform(-1, 1)), 100);
    default: return static_cast<float>(uniform(-1, 1));
  }
}

float value(Kind kind) {
  switch (kind) {
    case kNormal: return static_cast<float>((uniform(-1, 1) + uniform(-1, 1) + uniform(-1, 1)) * 0.5);
    case kMixed: return mixed_value();
    case kSmallInts: return static_cast<float>(rnd_int(-8, 8));
    case kSpecial: return rnd_int(0, 5) == 0 ? special_value() : static_cast<float>(uniform(-2, 2));
    default: return rnd_int(0, 1) ? 0.0f : -0.0f;
  }
}

void fill(float* p, size_t n, Kind kind) {
  for (size_t i = 0; i < n; ++i) p[i] = value(kind);
}

// Kinds of the two factors: mostly the same; sometimes special in only one.
Kind pick_kind() { return static_cast<Kind>(rnd_int(0, kNumKinds - 1)); }

// ---------------------------------------------------------------------------
// One output against the reference.

// The products of one output: their count, sum |a_j x_j| (exact, in double) and
// the sum of the finite float products' magnitudes (for the overflow test).
struct Terms {
  size_t n = 0;
  double abs = 0, finite_abs = 0;
  void add(float a, float x) {
    ++n;
    const float p = a * x;
    if (isfinite(p)) {
      finite_abs += fabs(static_cast<double>(p));
      abs += fabs(static_cast<double>(a) * static_cast<double>(x));
    }
  }
};

// Whether got is acceptable for the reference's want.
bool close_enough(float got, float want, const Terms& t) {
  ++g_outputs;
  if (t.finite_abs >= FLT_MAX / 2) {
    ++g_skipped;
    return true;
  }
  if (isnan(want)) return isnan(got);
  if (isinf(want)) return got == want;
  if (!isfinite(got)) return false;
  const double bound = 2.0 * static_cast<double>(t.n + 1) * 0x1p-24 * t.abs;
  return fabs(static_cast<double>(got) - static_cast<double>(want)) <= bound;
}

std::string describe(float got, float want, const Terms& t) {
  return fmt("got %.9g (0x%08x) want %.9g (0x%08x), %zu terms, bound %.3g", got, bits_of(got), want, bits_of(want),
             t.n, 2.0 * static_cast<double>(t.n + 1) * 0x1p-24 * t.abs);
}

// ---------------------------------------------------------------------------
// CSR matrices

struct Csr {
  size_t rows = 0, n_cols = 0;
  int32_t base = 0;  // row_ptr[0]; entries before it are garbage, never read as columns
  std::vector<int32_t> row_ptr, cols;  // cols/values hold base + nnz entries
  std::vector<float> values;
};

enum RowStyle { kEmptyRows, kShortRows, kTailRows, kDensity, kNumRowStyles };

// A random CSR matrix with valid columns (sorted unique, or unsorted with
// repeats), row lengths per style.
Csr random_csr(size_t rows, size_t n_cols, int style, bool sorted, Kind kind, double density = 0.3) {
  Csr m;
  m.rows = rows;
  m.n_cols = n_cols;
  m.base = rnd_int(0, 3) == 0 ? rnd_int(1, 20) : 0;
  for (int32_t i = 0; i < m.base; ++i) {
    // Garbage before row_ptr[0]: bad columns, which must not be looked at.
    m.cols.push_back(rnd_int(0, 1) ? -1 : static_cast<int32_t>(n_cols + rnd_size(0, 5)));
    m.values.push_back(from_bits(0x7fc00001u));
  }
  m.row_ptr.push_back(m.base);
  for (size_t r = 0; r < rows; ++r) {
    size_t len;
    switch (style) {
      case kEmptyRows: len = rnd_int(0, 2) ? 0 : rnd_size(0, 3); break;
      case kShortRows: len = rnd_size(1, 40); break;
      case kTailRows: len = rnd_size(0, 70); break;
      default: len = static_cast<size_t>(static_cast<double>(n_cols) * density * uniform(0.5, 1.5)); break;
    }
    if (n_cols == 0) len = 0;
    std::vector<int32_t> c;
    if (sorted) {
      if (len > n_cols) len = n_cols;
      // A random subset of len columns, in order (selection sampling).
      size_t need = len;
      for (size_t j = 0; j < n_cols && need > 0; ++j) {
        if (rnd_size(0, n_cols - j - 1) < need) {
          c.push_back(static_cast<int32_t>(j));
          --need;
        }
      }
    } else {
      for (size_t j = 0; j < len; ++j) c.push_back(static_cast<int32_t>(rnd_size(0, n_cols - 1)));
    }
    for (int32_t col : c) {
      m.cols.push_back(col);
      m.values.push_back(value(kind));
    }
    m.row_ptr.push_back(static_cast<int32_t>(m.cols.size()));
  }
  return m;
}

// The matrix in freshly allocated exact-size arrays at random offsets.
struct CsrBufs {
  Buf<int32_t> rp, cols;
  Buf<float> values;
  size_t ro, co, vo;
  explicit CsrBufs(const Csr& m)
      : rp(rnd_off(), m.row_ptr.size()), cols(rnd_off(), m.cols.size()), values(rnd_off(), m.values.size()),
        ro(rp.size - m.row_ptr.size()), co(cols.size - m.cols.size()), vo(values.size - m.values.size()) {
    memcpy(rp.at(ro), m.row_ptr.data(), m.row_ptr.size() * sizeof(int32_t));
    if (!m.cols.empty()) memcpy(cols.at(co), m.cols.data(), m.cols.size() * sizeof(int32_t));
    if (!m.values.empty()) memcpy(values.at(vo), m.values.data(), m.values.size() * sizeof(float));
  }
};

// A buffer of n floats at a random offset holding data.
struct In {
  Buf<float> b;
  size_t off;
  explicit In(const std::vector<float>& d, size_t o = rnd_off()) : b(o, d.size()), off(o) {
    if (!d.empty()) memcpy(b.at(off), d.data(), d.size() * sizeof(float));
  }
  const float* p() { return b.at(off); }
};

// An output of n floats at a random offset, with guards around it.
struct Out {
  Buf<float> b;
  size_t off, n;
  explicit Out(size_t n_) : b(rnd_off(), n_, kGuard), off(b.size - n_ - kGuard), n(n_) { fill_sentinel(b); }
  float* p() { return b.at(off); }
  bool intact() { return guards_intact(b, off, n); }
};

std::vector<float> random_vec(size_t n, Kind kind) {
  std::vector<float> v(n);
  fill(v.data(), n, kind);
  return v;
}

// csr_matvec of the variant against the reference; `what` describes the case.
void check_csr_matvec_call(const Table& t, const Csr& m, const std::vector<float>& x, const std::string& what) {
  CsrBufs a(m);
  In xin(x);
  Out want(m.rows), got(m.rows);
  const bool want_ok = mp::spmm_scalar.csr_matvec(a.rp.at(a.ro), a.cols.at(a.co), a.values.at(a.vo), m.rows, m.n_cols,
                                                  xin.p(), want.p());
  const bool got_ok =
      t.k->csr_matvec(a.rp.at(a.ro), a.cols.at(a.co), a.values.at(a.vo), m.rows, m.n_cols, xin.p(), got.p());
  ++g_checks;
  if (!got.intact()) return fail(t.name, "csr_matvec", what + ": wrote outside y");
  if (want_ok != got_ok) return fail(t.name, "csr_matvec", what + fmt(": returned %d, want %d", got_ok, want_ok));
  if (!want_ok) return;
  for (size_t r = 0; r < m.rows; ++r) {
    Terms tm;
    for (int32_t j = m.row_ptr[r]; j < m.row_ptr[r + 1]; ++j) tm.add(m.values[j], x[m.cols[j]]);
    if (!close_enough(got.p()[r], want.p()[r], tm))
      return fail(t.name, "csr_matvec", what + fmt(": y[%zu] ", r) + describe(got.p()[r], want.p()[r], tm));
  }
}

void check_csr_matmul_call(const Table& t, const Csr& m, size_t k, const std::vector<float>& b,
                           const std::string& what, size_t b_off = rnd_off()) {
  CsrBufs a(m);
  In bin(b, b_off);
  Out want(m.rows * k), got(m.rows * k);
  const bool want_ok = mp::spmm_scalar.csr_matmul(a.rp.at(a.ro), a.cols.at(a.co), a.values.at(a.vo), m.rows, m.n_cols,
                                                  bin.p(), k, want.p());
  const bool got_ok =
      t.k->csr_matmul(a.rp.at(a.ro), a.cols.at(a.co), a.values.at(a.vo), m.rows, m.n_cols, bin.p(), k, got.p());
  ++g_checks;
  if (!got.intact()) return fail(t.name, "csr_matmul", what + ": wrote outside C");
  if (want_ok != got_ok) return fail(t.name, "csr_matmul", what + fmt(": returned %d, want %d", got_ok, want_ok));
  if (!want_ok) return;
  for (size_t r = 0; r < m.rows; ++r) {
    for (size_t q = 0; q < k; ++q) {
      Terms tm;
      for (int32_t j = m.row_ptr[r]; j < m.row_ptr[r + 1]; ++j) tm.add(m.values[j], b[m.cols[j] * k + q]);
      const float g = got.p()[r * k + q], w = want.p()[r * k + q];
      if (!close_enough(g, w, tm))
        return fail(t.name, "csr_matmul", what + fmt(": C[%zu,%zu] ", r, q) + describe(g, w, tm));
    }
  }
}

std::string csr_what(const char* kind, size_t rows, size_t n_cols, int style, bool sorted, const Csr& m) {
  return fmt("%s rows=%zu cols=%zu style=%d %s base=%d nnz=%zu", kind, rows, n_cols, style,
             sorted ? "sorted" : "unsorted", m.base, m.cols.size() - static_cast<size_t>(m.base));
}

// Bad column values for a matrix of n_cols columns.
int32_t bad_col(size_t n_cols, int which) {
  switch (which % 6) {
    case 0: return -1;
    case 1: return INT32_MIN;
    case 2: return static_cast<int32_t>(n_cols);
    case 3: return static_cast<int32_t>(n_cols + 1);
    case 4: return INT32_MAX;
    default: return -static_cast<int32_t>(rnd_size(2, 1000000));
  }
}

void check_csr(const Table& t) {
  // Shapes over every tail, every row style, sorted and not.
  for (size_t rows = 0; rows <= 70; ++rows) {
    for (int rep = 0; rep < 3; ++rep) {
      const size_t n_cols = rep == 0 ? rnd_size(0, 70) : rnd_size(1, 300);
      const int style = rnd_int(0, kNumRowStyles - 1);
      const bool sorted = rnd_int(0, 2) != 0;
      const Kind kind = pick_kind();
      const Csr m = random_csr(rows, n_cols, style, sorted, kind);
      const std::string what = csr_what(kKindNames[kind], rows, n_cols, style, sorted, m);
      check_csr_matvec_call(t, m, random_vec(n_cols, rnd_int(0, 3) ? kind : pick_kind()), what);
      const size_t k = rnd_size(0, 70);
      check_csr_matmul_call(t, m, k, random_vec(n_cols * k, rnd_int(0, 3) ? kind : pick_kind()),
                            what + fmt(" k=%zu", k));
    }
  }
  // Every k over 0..70 and some larger, with every row style.
  for (size_t k = 0; k <= 70; ++k) {
    const Kind kind = pick_kind();
    const size_t rows = rnd_size(1, 12), n_cols = rnd_size(1, 90);
    const int style = static_cast<int>(k % kNumRowStyles);
    const bool sorted = k % 3 != 0;
    const Csr m = random_csr(rows, n_cols, style, sorted, kind);
    check_csr_matmul_call(t, m, k, random_vec(n_cols * k, kind),
                          csr_what(kKindNames[kind], rows, n_cols, style, sorted, m) + fmt(" k=%zu", k));
  }
  // Row lengths 0..70 one at a time, every column count near the vector widths.
  for (size_t len = 0; len <= 70; ++len) {
    for (size_t n_cols : {len + 1, len + 17, size_t{70}}) {
      if (n_cols < len) continue;
      Csr m = random_csr(3, n_cols, kShortRows, true, kNormal);
      // Replace the middle row by one of exactly len sorted columns.
      std::vector<int32_t> c;
      for (size_t j = 0, need = len; j < n_cols && need > 0; ++j) {
        if (rnd_size(0, n_cols - j - 1) < need) {
          c.push_back(static_cast<int32_t>(j));
          --need;
        }
      }
      const size_t b0 = m.row_ptr[1], b1 = m.row_ptr[2];
      m.cols.erase(m.cols.begin() + b0, m.cols.begin() + b1);
      m.values.erase(m.values.begin() + b0, m.values.begin() + b1);
      m.cols.insert(m.cols.begin() + b0, c.begin(), c.end());
      std::vector<float> v = random_vec(c.size(), kNormal);
      m.values.insert(m.values.begin() + b0, v.begin(), v.end());
      const int32_t delta = static_cast<int32_t>(c.size()) - static_cast<int32_t>(b1 - b0);
      m.row_ptr[2] += delta;
      m.row_ptr[3] += delta;
      const std::string what = fmt("row of %zu non-zeros, cols=%zu", len, n_cols);
      check_csr_matvec_call(t, m, random_vec(n_cols, kNormal), what);
      const size_t k = rnd_size(1, 70);
      check_csr_matmul_call(t, m, k, random_vec(n_cols * k, kNormal), what + fmt(" k=%zu", k));
    }
  }
  // Every alignment of B (offsets 0..15 floats) with k a multiple of 8 or 16,
  // where the chunks of a row follow B's alignment.
  for (size_t k : {8, 16, 24, 32, 48, 64, 80, 128}) {
    const Csr m = random_csr(rnd_size(1, 9), rnd_size(1, 60), kTailRows, true, kNormal);
    const std::vector<float> b = random_vec(m.n_cols * k, kNormal);
    for (size_t off = 0; off < 16; ++off)
      check_csr_matmul_call(t, m, k, b, fmt("B offset %zu, k=%zu, cols=%zu", off, k, m.n_cols), off);
  }
  // Larger: long rows (past the unrolled steps and the prefetch distance), many
  // rows, k past one 64-column chunk, sorted and not, special values included.
  const struct {
    size_t rows, n_cols, k;
    double density;
  } big[] = {{600, 300, 70, 0.1},  {520, 1000, 64, 0.05}, {513, 129, 17, 0.5},  {40, 4100, 33, 0.01},
             {200, 700, 130, 0.2}, {1, 5000, 64, 0.02},   {1100, 260, 5, 0.3},  {64, 256, 64, 0.9}};
  for (const auto& s : big) {
    for (int sorted = 0; sorted < 2; ++sorted) {
      const Kind kind = sorted ? kNormal : kSpecial;
      const Csr m = random_csr(s.rows, s.n_cols, kDensity, sorted != 0, kind, s.density);
      const std::string what = csr_what(kKindNames[kind], s.rows, s.n_cols, kDensity, sorted != 0, m);
      check_csr_matvec_call(t, m, random_vec(s.n_cols, kind), what);
      check_csr_matmul_call(t, m, s.k, random_vec(s.n_cols * s.k, kind), what + fmt(" k=%zu", s.k));
    }
  }
  // No non-zeros at all (every row empty): y and C all zero.
  for (size_t rows : {1, 5, 17, 64}) {
    Csr m = random_csr(rows, rnd_size(1, 70), kEmptyRows, true, kNormal);
    m.cols.resize(static_cast<size_t>(m.base));
    m.values.resize(static_cast<size_t>(m.base));
    for (auto& p : m.row_ptr) p = m.base;
    check_csr_matvec_call(t, m, random_vec(m.n_cols, kNormal), fmt("no non-zeros, rows=%zu", rows));
    check_csr_matmul_call(t, m, 21, random_vec(m.n_cols * 21, kNormal), fmt("no non-zeros, rows=%zu k=21", rows));
  }
  // All-zero values.
  for (size_t rows : {1, 7, 33}) {
    const Csr m = random_csr(rows, 50, kTailRows, true, kZeros);
    check_csr_matvec_call(t, m, random_vec(50, kNormal), "zero values");
    check_csr_matmul_call(t, m, 19, random_vec(50 * 19, kNormal), "zero values k=19");
  }
  // No columns at all: empty rows are fine, any non-zero is a bad column.
  for (int style = 0; style < kNumRowStyles; ++style) {
    Csr m = random_csr(rnd_size(0, 9), 0, style, true, kNormal);
    check_csr_matvec_call(t, m, {}, fmt("n_cols=0 rows=%zu", m.rows));
    check_csr_matmul_call(t, m, 8, {}, fmt("n_cols=0 rows=%zu k=8", m.rows));
    if (m.rows > 0) {
      const size_t r = rnd_size(0, m.rows - 1);
      m.cols.insert(m.cols.begin() + m.row_ptr[r], 0);
      m.values.insert(m.values.begin() + m.row_ptr[r], 1.0f);
      for (size_t i = r + 1; i <= m.rows; ++i) ++m.row_ptr[i];
      check_csr_matvec_call(t, m, {}, fmt("n_cols=0 with a non-zero in row %zu", r));
      check_csr_matmul_call(t, m, 8, {}, fmt("n_cols=0 with a non-zero in row %zu, k=8", r));
    }
  }
  // Bad columns at every position of a row (of 1..70 entries), in the first,
  // a middle and the last row.
  int which = 0;
  for (size_t len = 1; len <= 70; ++len) {
    const size_t n_cols = rnd_size(1, 120), rows = rnd_size(1, 6);
    Csr m = random_csr(rows, n_cols, kTailRows, rnd_int(0, 1) != 0, kNormal);
    const size_t r = len % 3 == 0 ? 0 : len % 3 == 1 ? rows - 1 : rnd_size(0, rows - 1);
    // Make row r exactly len long (unsorted columns are fine here).
    const size_t b0 = m.row_ptr[r], b1 = m.row_ptr[r + 1];
    std::vector<int32_t> c(len);
    for (auto& v : c) v = static_cast<int32_t>(rnd_size(0, n_cols - 1));
    m.cols.erase(m.cols.begin() + b0, m.cols.begin() + b1);
    m.values.erase(m.values.begin() + b0, m.values.begin() + b1);
    m.cols.insert(m.cols.begin() + b0, c.begin(), c.end());
    std::vector<float> v = random_vec(len, kNormal);
    m.values.insert(m.values.begin() + b0, v.begin(), v.end());
    const int32_t delta = static_cast<int32_t>(len) - static_cast<int32_t>(b1 - b0);
    for (size_t i = r + 1; i <= rows; ++i) m.row_ptr[i] += delta;
    const std::vector<float> x = random_vec(n_cols, kNormal);
    const size_t k = rnd_size(1, 40);
    const std::vector<float> b = random_vec(n_cols * k, kNormal);
    for (size_t p = 0; p < len; ++p) {
      Csr bad = m;
      bad.cols[b0 + p] = bad_col(n_cols, which++);
      if (rnd_int(0, 4) == 0 && p + 1 < len) bad.cols[b0 + len - 1] = bad_col(n_cols, which++);  // a second one later
      const std::string what = fmt("bad column %d at %zu of row %zu (len %zu, rows %zu, cols %zu)", bad.cols[b0 + p],
                                   p, r, len, rows, n_cols);
      check_csr_matvec_call(t, bad, x, what);
      check_csr_matmul_call(t, bad, k, b, what + fmt(" k=%zu", k));
    }
  }
  // Large matrices with one bad column somewhere.
  for (int rep = 0; rep < 6; ++rep) {
    Csr m = random_csr(rnd_size(500, 700), 300, kDensity, true, kNormal, 0.1);
    const size_t nnz = m.cols.size() - static_cast<size_t>(m.base);
    if (nnz == 0) continue;
    m.cols[m.base + rnd_size(0, nnz - 1)] = bad_col(300, which++);
    check_csr_matvec_call(t, m, random_vec(300, kNormal), "large, one bad column");
    check_csr_matmul_call(t, m, 40, random_vec(300 * 40, kNormal), "large, one bad column, k=40");
  }
}

// ---------------------------------------------------------------------------
// Dense

void check_dense_matvec_call(const Table& t, size_t rows, size_t cols, Kind ka, Kind kx) {
  const std::vector<float> a = random_vec(rows * cols, ka), x = random_vec(cols, kx);
  In ain(a), xin(x);
  Out want(rows), got(rows);
  mp::spmm_scalar.dense_matvec(ain.p(), rows, cols, xin.p(), want.p());
  t.k->dense_matvec(ain.p(), rows, cols, xin.p(), got.p());
  ++g_checks;
  const std::string what = fmt("%s/%s rows=%zu cols=%zu", kKindNames[ka], kKindNames[kx], rows, cols);
  if (!got.intact()) return fail(t.name, "dense_matvec", what + ": wrote outside y");
  for (size_t r = 0; r < rows; ++r) {
    Terms tm;
    for (size_t c = 0; c < cols; ++c) tm.add(a[r * cols + c], x[c]);
    if (!close_enough(got.p()[r], want.p()[r], tm))
      return fail(t.name, "dense_matvec", what + fmt(": y[%zu] ", r) + describe(got.p()[r], want.p()[r], tm));
  }
}

void check_dense_matmul_call(const Table& t, size_t rows, size_t inner, size_t k, Kind ka, Kind kb) {
  const std::vector<float> a = random_vec(rows * inner, ka), b = random_vec(inner * k, kb);
  In ain(a), bin(b);
  Out want(rows * k), got(rows * k);
  mp::spmm_scalar.dense_matmul(ain.p(), rows, inner, bin.p(), k, want.p());
  t.k->dense_matmul(ain.p(), rows, inner, bin.p(), k, got.p());
  ++g_checks;
  const std::string what = fmt("%s/%s rows=%zu inner=%zu k=%zu", kKindNames[ka], kKindNames[kb], rows, inner, k);
  if (!got.intact()) return fail(t.name, "dense_matmul", what + ": wrote outside C");
  for (size_t r = 0; r < rows; ++r) {
    for (size_t q = 0; q < k; ++q) {
      Terms tm;
      for (size_t i = 0; i < inner; ++i) tm.add(a[r * inner + i], b[i * k + q]);
      const float g = got.p()[r * k + q], w = want.p()[r * k + q];
      if (!close_enough(g, w, tm))
        return fail(t.name, "dense_matmul", what + fmt(": C[%zu,%zu] ", r, q) + describe(g, w, tm));
    }
  }
}

Kind other_kind(Kind k) { return rnd_int(0, 3) ? k : pick_kind(); }

void check_dense(const Table& t) {
  for (size_t rows = 0; rows <= 70; ++rows) {
    for (int rep = 0; rep < 2; ++rep) {
      const Kind k = pick_kind();
      check_dense_matvec_call(t, rows, rnd_size(0, 140), k, other_kind(k));
    }
  }
  for (size_t cols = 0; cols <= 140; ++cols) {
    const Kind k = pick_kind();
    check_dense_matvec_call(t, rnd_size(0, 9), cols, k, other_kind(k));
  }
  for (size_t cols : {255, 256, 257, 1000, 4099}) check_dense_matvec_call(t, rnd_size(1, 11), cols, kNormal, kMixed);
  check_dense_matvec_call(t, 300, 300, kSpecial, kNormal);
  check_dense_matvec_call(t, 5, 64, kZeros, kSpecial);

  for (size_t rows = 0; rows <= 20; ++rows) {
    const Kind k = pick_kind();
    check_dense_matmul_call(t, rows, rnd_size(0, 70), rnd_size(0, 70), k, other_kind(k));
  }
  for (size_t inner = 0; inner <= 70; ++inner) {
    const Kind k = pick_kind();
    check_dense_matmul_call(t, rnd_size(1, 14), inner, rnd_size(1, 70), k, other_kind(k));
  }
  for (size_t k = 0; k <= 70; ++k) {
    const Kind kk = pick_kind();
    check_dense_matmul_call(t, rnd_size(1, 14), rnd_size(0, 40), k, kk, other_kind(kk));
  }
  // Past the inner blocks, row blocks and k chunks.
  const size_t big[][3] = {{97, 300, 64}, {200, 513, 130}, {13, 1000, 7}, {101, 257, 200}, {7, 64, 1024}};
  for (const auto& s : big) check_dense_matmul_call(t, s[0], s[1], s[2], kNormal, kNormal);
  check_dense_matmul_call(t, 50, 300, 70, kSpecial, kMixed);
  check_dense_matmul_call(t, 31, 20, 33, kZeros, kSpecial);
}

// ---------------------------------------------------------------------------
// 2:4

struct Nm24 {
  size_t rows, cols;
  std::vector<float> values;
  std::vector<uint8_t> meta;
};

// Any nibbles (i0 == i1 and i0 > i1 included), the unused high nibble of an
// odd group count random too (the kernels must ignore it).
Nm24 random_nm24(size_t rows, size_t cols, Kind kind) {
  Nm24 m{rows, cols, random_vec(rows * cols / 2, kind), std::vector<uint8_t>(rows * ((cols + 7) / 8))};
  for (auto& b : m.meta) b = static_cast<uint8_t>(rnd32());
  return m;
}

unsigned nibble(const Nm24& m, size_t r, size_t g) {
  return (m.meta[r * ((m.cols + 7) / 8) + g / 2] >> (4 * (g % 2))) & 15;
}

void check_nm24_matvec_call(const Table& t, size_t rows, size_t cols, Kind kv, Kind kx) {
  const Nm24 m = random_nm24(rows, cols, kv);
  const std::vector<float> x = random_vec(cols, kx);
  In vin(m.values), xin(x);
  Buf<uint8_t> meta(rnd_off(), m.meta.size());
  const size_t mo = meta.size - m.meta.size();
  if (!m.meta.empty()) memcpy(meta.at(mo), m.meta.data(), m.meta.size());
  Out want(rows), got(rows);
  mp::spmm_scalar.nm24_matvec(vin.p(), meta.at(mo), rows, cols, xin.p(), want.p());
  t.k->nm24_matvec(vin.p(), meta.at(mo), rows, cols, xin.p(), got.p());
  ++g_checks;
  const std::string what = fmt("%s/%s rows=%zu cols=%zu", kKindNames[kv], kKindNames[kx], rows, cols);
  if (!got.intact()) return fail(t.name, "nm24_matvec", what + ": wrote outside y");
  for (size_t r = 0; r < rows; ++r) {
    Terms tm;
    for (size_t g = 0; g < cols / 4; ++g) {
      const unsigned nib = nibble(m, r, g);
      tm.add(m.values[r * cols / 2 + 2 * g], x[4 * g + (nib & 3)]);
      tm.add(m.values[r * cols / 2 + 2 * g + 1], x[4 * g + (nib >> 2)]);
    }
    if (!close_enough(got.p()[r], want.p()[r], tm))
      return fail(t.name, "nm24_matvec", what + fmt(": y[%zu] ", r) + describe(got.p()[r], want.p()[r], tm));
  }
}

void check_nm24_matmul_call(const Table& t, size_t rows, size_t cols, size_t k, Kind kv, Kind kb) {
  const Nm24 m = random_nm24(rows, cols, kv);
  const std::vector<float> b = random_vec(cols * k, kb);
  In vin(m.values), bin(b);
  Buf<uint8_t> meta(rnd_off(), m.meta.size());
  const size_t mo = meta.size - m.meta.size();
  if (!m.meta.empty()) memcpy(meta.at(mo), m.meta.data(), m.meta.size());
  Out want(rows * k), got(rows * k);
  mp::spmm_scalar.nm24_matmul(vin.p(), meta.at(mo), rows, cols, bin.p(), k, want.p());
  t.k->nm24_matmul(vin.p(), meta.at(mo), rows, cols, bin.p(), k, got.p());
  ++g_checks;
  const std::string what = fmt("%s/%s rows=%zu cols=%zu k=%zu", kKindNames[kv], kKindNames[kb], rows, cols, k);
  if (!got.intact()) return fail(t.name, "nm24_matmul", what + ": wrote outside C");
  for (size_t r = 0; r < rows; ++r) {
    for (size_t q = 0; q < k; ++q) {
      Terms tm;
      for (size_t g = 0; g < cols / 4; ++g) {
        const unsigned nib = nibble(m, r, g);
        tm.add(m.values[r * cols / 2 + 2 * g], b[(4 * g + (nib & 3)) * k + q]);
        tm.add(m.values[r * cols / 2 + 2 * g + 1], b[(4 * g + (nib >> 2)) * k + q]);
      }
      const float g = got.p()[r * k + q], w = want.p()[r * k + q];
      if (!close_enough(g, w, tm))
        return fail(t.name, "nm24_matmul", what + fmt(": C[%zu,%zu] ", r, q) + describe(g, w, tm));
    }
  }
}

void check_nm24(const Table& t) {
  for (size_t rows = 0; rows <= 70; ++rows) {
    for (int rep = 0; rep < 2; ++rep) {
      const Kind k = pick_kind();
      check_nm24_matvec_call(t, rows, 4 * rnd_size(0, 40), k, other_kind(k));
    }
  }
  for (size_t cols = 0; cols <= 280; cols += 4) {
    const Kind k = pick_kind();
    check_nm24_matvec_call(t, rnd_size(0, 9), cols, k, other_kind(k));
  }
  for (size_t cols : {1020, 1024, 1028, 4100}) check_nm24_matvec_call(t, rnd_size(1, 9), cols, kNormal, kMixed);
  check_nm24_matvec_call(t, 300, 256, kSpecial, kNormal);
  check_nm24_matvec_call(t, 7, 64, kZeros, kSpecial);

  for (size_t rows = 0; rows <= 20; ++rows) {
    const Kind k = pick_kind();
    check_nm24_matmul_call(t, rows, 4 * rnd_size(0, 18), rnd_size(0, 70), k, other_kind(k));
  }
  for (size_t cols = 0; cols <= 280; cols += 4) {
    const Kind k = pick_kind();
    check_nm24_matmul_call(t, rnd_size(1, 12), cols, rnd_size(1, 70), k, other_kind(k));
  }
  for (size_t k = 0; k <= 70; ++k) {
    const Kind kk = pick_kind();
    check_nm24_matmul_call(t, rnd_size(1, 12), 4 * rnd_size(0, 20), k, kk, other_kind(kk));
  }
  // Past the row panels, group blocks and k chunks.
  const size_t big[][3] = {{300, 264, 64}, {40, 1028, 70}, {600, 128, 9}, {5, 516, 130}, {3, 400, 64}};
  for (const auto& s : big) check_nm24_matmul_call(t, s[0], s[1], s[2], kNormal, kNormal);
  check_nm24_matmul_call(t, 70, 260, 65, kSpecial, kMixed);
  check_nm24_matmul_call(t, 9, 36, 20, kZeros, kSpecial);
}

}  // namespace

int main() {
  const std::vector<Table> tables = runnable_tables();
  std::string names;
  for (const Table& t : tables) {
    names += names.empty() ? "" : ",";
    names += t.name;
    check_csr(t);
    check_dense(t);
    check_nm24(t);
  }
  if (tables.empty()) names = "none";
  printf("spmm_variants_test: %s  variants=%s  calls=%lld  outputs=%lld (overflow-prone, not compared: %lld)  "
         "mismatches=%lld\n",
         g_failures ? "FAIL" : "PASS", names.c_str(), g_checks, g_outputs, g_skipped, g_failures);
  return g_failures == 0 ? 0 : 1;
}
