// Checks every SIMD sformat (sparse storage format) table this CPU can run against
// the scalar reference (native/kernels/sformat/ref.cc), bit for bit:
//   count_nonzero   -> the count
//   csr_encode_row  -> the count, every value's bits and column
//   csr_decode_row  -> the returned index (the first bad column, or nnz) and, when
//                      the columns are valid, every element of the row
//   bitmask_encode  -> the count, every mask byte (unused high bits 0), the values
//   bitmask_decode  -> the count and every output element
//   pack24          -> the returned index (the first bad group, or n / 4) and, on
//                      success, the values and every meta byte
//   unpack24        -> the returned index and, on success, every output element
// over lengths 0..130 and larger ones (every SIMD tail, several chunks of the
// decoder's zeroing, long runs of zeros after the last non-zeros), element offsets
// 0..15 of every input and output, densities of zeros 0 %, 50 %, 90 %, 99 %,
// 100 %, random bits and a dense start with a sparse end, zeros of both signs
// (-0 is not stored), NaNs of several payloads, +-Inf and denormals (stored). For
// csr_decode_row: invalid columns (negative, n, beyond n, duplicates, decreasing)
// at every position of short rows and at random positions of long ones; for
// pack24: groups of 0..4 non-zeros at every position; for unpack24: every nibble
// 0..15 at every position, and garbage in the unused high bits of the last mask
// byte and the unused high nibble of the last meta byte. (2:4 lengths that are
// not a multiple of 4 are run too: the reference ignores the last elements, and
// unpack24 zeros them.)
//
// Every call gets freshly allocated buffers of exactly the size it may touch (so
// AddressSanitizer sees overruns: the packed values of csr_encode_row and
// bitmask_encode, for example, are exactly the count long); outputs get, in every
// other call, guard elements after them that must stay untouched; empty packed
// arrays are null in every other call (as the C ABI may pass them). Exits 1 on
// any mismatch.
//
// Build and run: native/test/run.sh
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <string>
#include <vector>

#include "../dispatch/cpu_features.h"
#include "variant_test_util.h"
#include "../kernels/sformat/sformat_kernels.h"

namespace {

using mp::SformatKernels;

struct Table {
  const char* name;
  const SformatKernels* k;
};

std::vector<Table> runnable_tables() {
  std::vector<Table> t;
  const mp::CpuFeatures& f = mp::cpu_features();
  (void)f;
#if defined(__x86_64__) || defined(_M_X64)
  if (f.avx2) t.push_back({"avx2", &mp::sformat_avx2});
  if (f.avx512) t.push_back({"avx512", &mp::sformat_avx512});
#endif
#if defined(__aarch64__)
  if (f.neon) t.push_back({"neon", &mp::sformat_neon});
#endif
#if defined(__wasm_simd128__)
  t.push_back({"simd128", &mp::sformat_simd128});
#endif
  return t;
}

const SformatKernels& ref = mp::sformat_scalar;

constexpr size_t kGuard = 40;

// Guard elements after an output: none (exact size) or kGuard, alternating.
size_t g_calls = 0;
size_t next_guard() { return (g_calls++ % 2) ? kGuard : 0; }

// A random offset 0..15 (elements or bytes).
size_t rnd_off() { return static_cast<size_t>(rnd_int(0, 15)); }

// p, or null when it points to an empty array (every other time).
size_t g_empty = 0;
template <typename T>
T* or_null(T* p, size_t len) {
  return len == 0 && (g_empty++ % 2) ? nullptr : p;
}

bool same_bits(const float* a, const float* b, size_t n, size_t* at) {
  for (size_t i = 0; i < n; ++i) {
    if (bits_of(a[i]) != bits_of(b[i])) {
      *at = i;
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------
// Data

enum Density { kNoZeros, kHalf, kNinety, kNinetyNine, kAllZeros, kRandomBits, kSparseEnd, kNumDensities };
const char* const kDensityNames[] = {"0%-zeros", "50%-zeros", "90%-zeros", "99%-zeros",
                                     "100%-zeros", "random-bits", "sparse-end"};

// NaN bit patterns: quiet, signalling, negative, the largest payload.
const uint32_t kNaNs[] = {0x7fc00000u, 0x7f800001u, 0xffc00000u, 0xff800001u, 0x7fffffffu, 0xffffffffu};

float zero_value() { return rnd_int(0, 1) ? 0.0f : -0.0f; }

// A stored (non-zero) element: ordinary values, NaNs, +-Inf, denormals, extremes.
float stored_value() {
  const int r = rnd_int(0, 15);
  if (r == 0) return from_bits(kNaNs[rnd_int(0, 5)]);
  if (r == 1) return rnd_int(0, 1) ? INFINITY : -INFINITY;
  if (r == 2) return from_bits((1u + (rnd32() & 0x007ffffeu)) | (rnd32() & 0x80000000u));  // denormal
  if (r == 3) return from_bits(rnd_int(0, 1) ? 1u : 0x80000001u);                           // smallest
  if (r == 4) return from_bits(rnd_int(0, 1) ? 0x7f7fffffu : 0xff7fffffu);                  // +-FLT_MAX
  if (r == 5) {
    uint32_t b;
    do b = rnd32(); while ((b & 0x7fffffffu) == 0);
    return from_bits(b);
  }
  return static_cast<float>(uniform(-1, 1));
}

// x[0, n) at a density; for kSparseEnd a dense start then a long sparse end with
// a few non-zeros at random places (the exact-size outputs' last entries).
void fill(float* x, size_t n, Density d) {
  for (size_t i = 0; i < n; ++i) {
    bool zero;
    switch (d) {
      case kNoZeros: zero = false; break;
      case kHalf: zero = rnd_int(0, 1) == 0; break;
      case kNinety: zero = rnd_int(0, 9) != 0; break;
      case kNinetyNine: zero = rnd_int(0, 99) != 0; break;
      case kAllZeros: zero = true; break;
      case kSparseEnd: zero = i < n / 2 ? rnd_int(0, 3) == 0 : rnd_int(0, 200) != 0; break;
      default: zero = false; break;
    }
    if (d == kRandomBits) {
      x[i] = rnd_int(0, 3) == 0 ? zero_value() : from_bits(rnd32());
    } else {
      x[i] = zero ? zero_value() : stored_value();
    }
  }
  if (d == kSparseEnd && n > 0) {
    // 0..20 non-zeros among the last few dozen elements.
    const int k = rnd_int(0, 20);
    const int span = n < 80 ? static_cast<int>(n) - 1 : 79;
    for (int t = 0; t < k; ++t) x[n - 1 - static_cast<size_t>(rnd_int(0, span))] = stored_value();
  }
}

std::vector<size_t> test_lengths() {
  std::vector<size_t> v;
  for (size_t n = 0; n <= 130; ++n) v.push_back(n);
  for (size_t n : {191, 255, 256, 257, 511, 512, 513, 1000, 1023, 1024, 1025, 2047, 4099, 8192, 10007, 65536 + 7})
    v.push_back(n);
  return v;
}

// ---------------------------------------------------------------------------
// count_nonzero, csr_encode_row, bitmask_encode: from the same data.

void check_encoders(const Table& t, const float* x, size_t n, const char* what) {
  const size_t want_nnz = ref.count_nonzero(x, n);
  ++g_checks;
  const size_t got_nnz = t.k->count_nonzero(x, n);
  if (got_nnz != want_nnz) fail(t.name, "count_nonzero", fmt("%s n=%zu: want %zu got %zu", what, n, want_nnz, got_nnz));

  // csr_encode_row
  {
    const size_t vo = rnd_off(), co = rnd_off(), gv = next_guard(), gc = next_guard();
    Buf<float> wv(0, want_nnz), gotv(vo, want_nnz, gv);
    Buf<int32_t> wc(0, want_nnz), gotc(co, want_nnz, gc);
    fill_sentinel(gotv);
    fill_sentinel(gotc);
    const size_t want = ref.csr_encode_row(x, n, wv.at(0), wc.at(0));
    // No non-zeros: the arrays may be null (the C ABI passes them so).
    const size_t got = t.k->csr_encode_row(x, n, or_null(gotv.at(vo), want_nnz), or_null(gotc.at(co), want_nnz));
    ++g_checks;
    size_t at;
    if (got != want) {
      fail(t.name, "csr_encode_row", fmt("%s n=%zu: count want %zu got %zu", what, n, want, got));
    } else if (!guards_intact(gotv, vo, want) || !guards_intact(gotc, co, want)) {
      fail(t.name, "csr_encode_row", fmt("%s n=%zu: wrote outside the values / cols", what, n));
    } else if (!same_bits(wv.at(0), gotv.at(vo), want, &at)) {
      fail(t.name, "csr_encode_row",
           fmt("%s n=%zu: values[%zu] want 0x%08x got 0x%08x", what, n, at, bits_of(wv.at(0)[at]),
               bits_of(gotv.at(vo)[at])));
    } else if (memcmp(wc.at(0), gotc.at(co), want * sizeof(int32_t)) != 0) {
      fail(t.name, "csr_encode_row", fmt("%s n=%zu: cols differ", what, n));
    }
  }

  // bitmask_encode
  {
    const size_t nb = (n + 7) / 8;
    const size_t bo = rnd_off(), vo = rnd_off(), gb = next_guard(), gv = next_guard();
    Buf<uint8_t> wb(0, nb), gotb(bo, nb, gb);
    Buf<float> wv(0, want_nnz), gotv(vo, want_nnz, gv);
    fill_sentinel(gotb);
    fill_sentinel(gotv);
    memset(wb.at(0), 0x5a, nb);
    const size_t want = ref.bitmask_encode(x, n, wb.at(0), wv.at(0));
    const size_t got = t.k->bitmask_encode(x, n, gotb.at(bo), or_null(gotv.at(vo), want_nnz));
    ++g_checks;
    size_t at;
    if (got != want) {
      fail(t.name, "bitmask_encode", fmt("%s n=%zu: count want %zu got %zu", what, n, want, got));
    } else if (!guards_intact(gotb, bo, nb) || !guards_intact(gotv, vo, want)) {
      fail(t.name, "bitmask_encode", fmt("%s n=%zu: wrote outside the bits / values", what, n));
    } else if (memcmp(wb.at(0), gotb.at(bo), nb) != 0) {
      fail(t.name, "bitmask_encode", fmt("%s n=%zu: mask bytes differ", what, n));
    } else if (!same_bits(wv.at(0), gotv.at(vo), want, &at)) {
      fail(t.name, "bitmask_encode",
           fmt("%s n=%zu: values[%zu] want 0x%08x got 0x%08x", what, n, at, bits_of(wv.at(0)[at]),
               bits_of(gotv.at(vo)[at])));
    }
  }
}

// ---------------------------------------------------------------------------
// csr_decode_row

// One call: values and cols exactly nnz long; the row compared when valid.
void check_csr_decode_call(const Table& t, const float* values, const int32_t* cols, size_t nnz, size_t n,
                           const char* what) {
  const size_t ro = rnd_off(), gr = next_guard();
  Buf<float> want_row(0, n), got_row(ro, n, gr);
  fill_sentinel(got_row);
  memset(want_row.at(0), 0x5a, n * sizeof(float));
  const size_t want = ref.csr_decode_row(values, cols, nnz, n, want_row.at(0));
  values = or_null(values, nnz);
  cols = or_null(cols, nnz);
  const size_t got = t.k->csr_decode_row(values, cols, nnz, n, got_row.at(ro));
  ++g_checks;
  size_t at;
  if (got != want) {
    fail(t.name, "csr_decode_row", fmt("%s n=%zu nnz=%zu: returned %zu, want %zu", what, n, nnz, got, want));
  } else if (!guards_intact(got_row, ro, n)) {
    fail(t.name, "csr_decode_row", fmt("%s n=%zu nnz=%zu: wrote outside the row", what, n, nnz));
  } else if (want == nnz && !same_bits(want_row.at(0), got_row.at(ro), n, &at)) {
    fail(t.name, "csr_decode_row",
         fmt("%s n=%zu nnz=%zu: row[%zu] want 0x%08x got 0x%08x", what, n, nnz, at, bits_of(want_row.at(0)[at]),
             bits_of(got_row.at(ro)[at])));
  }
}

// A valid CSR row of x (at fresh offsets), then copies with one column made bad.
struct CsrRow {
  std::vector<float> values;
  std::vector<int32_t> cols;
};

CsrRow csr_of(const float* x, size_t n) {
  CsrRow r;
  const size_t nnz = ref.count_nonzero(x, n);
  r.values.resize(nnz);
  r.cols.resize(nnz);
  ref.csr_encode_row(x, n, r.values.data(), r.cols.data());
  return r;
}

// A bad value for cols[p] of a row of length n: kind 0..8.
int32_t bad_column(const std::vector<int32_t>& c, size_t p, size_t n, int kind) {
  const int32_t before = p > 0 ? c[p - 1] : -1;
  switch (kind) {
    case 0: return -1;
    case 1: return INT32_MIN;
    case 2: return static_cast<int32_t>(n);
    case 3: return static_cast<int32_t>(n) + 1 + rnd_int(0, 1000);
    case 4: return INT32_MAX;
    case 5: return before;                          // duplicate (or -1 first)
    case 6: return before - 1 - rnd_int(0, 3);      // decreasing
    case 7: return before >= 0 ? before / 2 : -2;   // decreasing, further back
    default: return -rnd_int(2, 1 << 30);           // some negative
  }
}

void run_csr_decode(const Table& t, const CsrRow& r, size_t n, const char* what) {
  const size_t nnz = r.cols.size();
  const size_t vo = rnd_off(), co = rnd_off();
  Buf<float> v(vo, nnz);
  Buf<int32_t> c(co, nnz);
  if (nnz > 0) {
    memcpy(v.at(vo), r.values.data(), nnz * sizeof(float));
    memcpy(c.at(co), r.cols.data(), nnz * sizeof(int32_t));
  }
  check_csr_decode_call(t, v.at(vo), c.at(co), nnz, n, what);
}

void check_csr_decode(const Table& t, const float* x, size_t n, const char* what) {
  const CsrRow r = csr_of(x, n);
  run_csr_decode(t, r, n, what);
  const size_t nnz = r.cols.size();
  if (nnz == 0) {
    // A decode into a shorter row than the columns need: n' = 0 or some.
    if (n > 0) run_csr_decode(t, r, n / 2, what);
    return;
  }
  // A row decoded with n smaller than its last column + 1 (bad at that entry).
  run_csr_decode(t, r, static_cast<size_t>(r.cols[nnz - 1]), what);
  // One bad column: at every position of short rows, at some of long ones.
  const size_t positions = nnz <= 40 ? nnz : 12;
  for (size_t k = 0; k < positions; ++k) {
    const size_t p = nnz <= 40 ? k : k < 4 ? nnz - 1 - k : static_cast<size_t>(rnd_int(0, static_cast<int>(nnz) - 1));
    const int kinds = nnz <= 40 ? 9 : 3;
    for (int q = 0; q < kinds; ++q) {
      CsrRow b = r;
      b.cols[p] = bad_column(b.cols, p, n, nnz <= 40 ? q : rnd_int(0, 8));
      run_csr_decode(t, b, n, what);
    }
  }
}

// ---------------------------------------------------------------------------
// bitmask_decode

// Mask bits of n elements with `ones` probability 1 / den (den 0: none, 1: all;
// -1: half in the first half, then a few among the last 80), random garbage in
// the unused high bits of the last byte.
void check_bitmask_decode(const Table& t, size_t n, int den, const char* what) {
  const size_t nb = (n + 7) / 8;
  std::vector<uint8_t> mask(nb, 0);
  for (size_t i = 0; i < n; ++i) {
    bool one = den == 1 || (den > 1 && rnd_int(0, den - 1) == 0);
    if (den < 0) one = i < n / 2 ? rnd_int(0, 1) == 0 : i + 80 >= n && rnd_int(0, 7) == 0;
    if (one) mask[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
  }
  if (n % 8 != 0) mask[nb - 1] |= static_cast<uint8_t>(rnd32() & ~((1u << (n % 8)) - 1u));
  size_t ones = 0;
  for (size_t i = 0; i < n; ++i) ones += (mask[i / 8] >> (i % 8)) & 1;
  const size_t bo = rnd_off(), vo = rnd_off(), oo = rnd_off(), go = next_guard();
  Buf<uint8_t> bits(bo, nb);
  Buf<float> values(vo, ones);
  if (nb > 0) memcpy(bits.at(bo), mask.data(), nb);
  for (size_t j = 0; j < ones; ++j) values.at(vo)[j] = rnd_int(0, 7) == 0 ? zero_value() : stored_value();
  Buf<float> want_out(0, n), got_out(oo, n, go);
  fill_sentinel(got_out);
  const size_t want = ref.bitmask_decode(bits.at(bo), values.at(vo), n, want_out.at(0));
  const size_t got = t.k->bitmask_decode(bits.at(bo), or_null(values.at(vo), ones), n, got_out.at(oo));
  ++g_checks;
  size_t at;
  if (got != want) {
    fail(t.name, "bitmask_decode", fmt("%s n=%zu: count want %zu got %zu", what, n, want, got));
  } else if (!guards_intact(got_out, oo, n)) {
    fail(t.name, "bitmask_decode", fmt("%s n=%zu: wrote outside out", what, n));
  } else if (!same_bits(want_out.at(0), got_out.at(oo), n, &at)) {
    fail(t.name, "bitmask_decode",
         fmt("%s n=%zu: out[%zu] want 0x%08x got 0x%08x", what, n, at, bits_of(want_out.at(0)[at]),
             bits_of(got_out.at(oo)[at])));
  }
}

// ---------------------------------------------------------------------------
// pack24 / unpack24

// One pack24 call on x (n elements at a fresh offset).
void check_pack24_call(const Table& t, const std::vector<float>& data, const char* what) {
  const size_t n = data.size(), groups = n / 4, nm = (groups + 1) / 2;
  const size_t xo = rnd_off(), vo = rnd_off(), mo = rnd_off(), gv = next_guard(), gm = next_guard();
  Buf<float> x(xo, n);
  if (n > 0) memcpy(x.at(xo), data.data(), n * sizeof(float));
  Buf<float> wv(0, 2 * groups), gotv(vo, 2 * groups, gv);
  Buf<uint8_t> wm(0, nm), gotm(mo, nm, gm);
  fill_sentinel(gotv);
  fill_sentinel(gotm);
  const size_t want = ref.pack24(x.at(xo), n, wv.at(0), wm.at(0));
  const size_t got = t.k->pack24(x.at(xo), n, gotv.at(vo), gotm.at(mo));
  ++g_checks;
  size_t at;
  if (got != want) {
    fail(t.name, "pack24", fmt("%s n=%zu: returned %zu, want %zu", what, n, got, want));
  } else if (!guards_intact(gotv, vo, 2 * groups) || !guards_intact(gotm, mo, nm)) {
    fail(t.name, "pack24", fmt("%s n=%zu: wrote outside values / meta", what, n));
  } else if (want == groups && !same_bits(wv.at(0), gotv.at(vo), 2 * groups, &at)) {
    fail(t.name, "pack24",
         fmt("%s n=%zu: values[%zu] want 0x%08x got 0x%08x", what, n, at, bits_of(wv.at(0)[at]),
             bits_of(gotv.at(vo)[at])));
  } else if (want == groups && memcmp(wm.at(0), gotm.at(mo), nm) != 0) {
    fail(t.name, "pack24", fmt("%s n=%zu: meta bytes differ", what, n));
  }
}

// The k-th position of 0..count - 1 to try: all of short runs (count <= 34), the
// last three and random ones of long runs.
size_t some_position(size_t count, size_t k) {
  if (count <= 34) return k;
  return k < 3 ? count - 1 - k : static_cast<size_t>(rnd_int(0, static_cast<int>(count) - 1));
}

// Groups of 0..2 non-zeros at random positions (kinds of zero and stored values
// mixed), for n elements; `max_nz` 4 also makes bad groups.
std::vector<float> groups24(size_t n, int max_nz) {
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = zero_value();
  for (size_t g = 0; g + 4 <= n; g += 4) {
    const int k = rnd_int(0, max_nz);
    for (int t = 0; t < k; ++t) x[g + static_cast<size_t>(rnd_int(0, 3))] = stored_value();
  }
  for (size_t i = n / 4 * 4; i < n; ++i) x[i] = stored_value();  // ignored by both
  return x;
}

// Group g of x: non-zeros in the lanes set in `lanes`, zeros elsewhere.
void set_group(std::vector<float>& x, size_t g, unsigned lanes) {
  for (unsigned t = 0; t < 4; ++t) x[4 * g + t] = (lanes >> t) & 1 ? stored_value() : zero_value();
}

void check_pack24(const Table& t, size_t n) {
  check_pack24_call(t, groups24(n, 2), "valid");
  check_pack24_call(t, groups24(n, 4), "any");
  const size_t groups = n / 4;
  if (groups == 0) return;
  // Every lane pattern (0..4 non-zeros) at every group of short rows, at some of
  // long ones, the rest valid.
  const size_t positions = groups <= 34 ? groups : 10;
  for (size_t k = 0; k < positions; ++k) {
    const size_t g = some_position(groups, k);
    std::vector<float> x = groups24(n, 2);
    for (unsigned lanes = 0; lanes < 16; ++lanes) {
      if (groups > 34 && rnd_int(0, 3) != 0) continue;
      set_group(x, g, lanes);
      check_pack24_call(t, x, "pattern-at");
    }
  }
}

// meta with valid nibbles (i0 < i1) except where changed; garbage in the unused
// high nibble of an odd last group.
void check_unpack24_call(const Table& t, const std::vector<uint8_t>& m, size_t n, const char* what) {
  const size_t groups = n / 4, nm = (groups + 1) / 2;
  const size_t vo = rnd_off(), mo = rnd_off(), oo = rnd_off(), go = next_guard();
  Buf<float> values(vo, 2 * groups);
  for (size_t j = 0; j < 2 * groups; ++j) values.at(vo)[j] = rnd_int(0, 5) == 0 ? zero_value() : stored_value();
  Buf<uint8_t> meta(mo, nm);
  if (nm > 0) memcpy(meta.at(mo), m.data(), nm);
  Buf<float> want_out(0, n), got_out(oo, n, go);
  fill_sentinel(got_out);
  const size_t want = ref.unpack24(values.at(vo), meta.at(mo), n, want_out.at(0));
  const size_t got = t.k->unpack24(values.at(vo), meta.at(mo), n, got_out.at(oo));
  ++g_checks;
  size_t at;
  if (got != want) {
    fail(t.name, "unpack24", fmt("%s n=%zu: returned %zu, want %zu", what, n, got, want));
  } else if (!guards_intact(got_out, oo, n)) {
    fail(t.name, "unpack24", fmt("%s n=%zu: wrote outside out", what, n));
  } else if (want == groups && !same_bits(want_out.at(0), got_out.at(oo), n, &at)) {
    fail(t.name, "unpack24",
         fmt("%s n=%zu: out[%zu] want 0x%08x got 0x%08x", what, n, at, bits_of(want_out.at(0)[at]),
             bits_of(got_out.at(oo)[at])));
  }
}

const uint8_t kValidNibbles[] = {4, 8, 12, 9, 13, 14};  // i0 | i1 << 2 with i0 < i1

std::vector<uint8_t> valid_meta(size_t groups) {
  std::vector<uint8_t> m((groups + 1) / 2, 0);
  for (size_t g = 0; g < groups; ++g) m[g / 2] |= static_cast<uint8_t>(kValidNibbles[rnd_int(0, 5)] << (4 * (g % 2)));
  if (groups % 2) m[groups / 2] |= static_cast<uint8_t>(rnd_int(0, 15) << 4);  // unused: ignored
  return m;
}

void set_nibble(std::vector<uint8_t>& m, size_t g, unsigned nib) {
  const unsigned s = 4 * (g % 2);
  m[g / 2] = static_cast<uint8_t>((m[g / 2] & ~(15u << s)) | nib << s);
}

void check_unpack24(const Table& t, size_t n) {
  const size_t groups = n / 4;
  check_unpack24_call(t, valid_meta(groups), n, "valid");
  std::vector<uint8_t> any((groups + 1) / 2);
  for (uint8_t& b : any) b = static_cast<uint8_t>(rnd32());
  check_unpack24_call(t, any, n, "random");
  if (groups == 0) return;
  const size_t positions = groups <= 34 ? groups : 10;
  for (size_t k = 0; k < positions; ++k) {
    const size_t g = some_position(groups, k);
    std::vector<uint8_t> m = valid_meta(groups);
    for (unsigned nib = 0; nib < 16; ++nib) {
      if (groups > 34 && rnd_int(0, 3) != 0) continue;
      set_nibble(m, g, nib);
      check_unpack24_call(t, m, n, "nibble-at");
    }
  }
}

// ---------------------------------------------------------------------------

void check_table(const Table& t) {
  const std::vector<size_t> lengths = test_lengths();
  for (int d = 0; d < kNumDensities; ++d) {
    for (size_t li = 0; li < lengths.size(); ++li) {
      const size_t n = lengths[li];
      const int reps = n <= 130 ? 2 : 1;
      for (int rep = 0; rep < reps; ++rep) {
        const size_t xo = (li + 3 * d + rep * 7) % 16;
        Buf<float> x(xo, n);
        fill(x.at(xo), n, static_cast<Density>(d));
        check_encoders(t, x.at(xo), n, kDensityNames[d]);
        if (n <= 130 || rep == 0) check_csr_decode(t, x.at(xo), n, kDensityNames[d]);
      }
    }
  }
  const int dens[] = {0, 1, 2, 10, 100, 1000, -1};
  for (int den : dens) {
    for (size_t n : lengths) check_bitmask_decode(t, n, den, "mask");
  }
  // Many random short masks (most byte values at most positions).
  for (size_t n = 1; n <= 48; ++n) {
    for (int rep = 0; rep < 28; ++rep) check_bitmask_decode(t, n, rep % 7 - 1, "short-mask");
  }
  for (size_t n : lengths) {
    check_pack24(t, n);
    check_unpack24(t, n);
  }
}

}  // namespace

int main() {
  const std::vector<Table> tables = runnable_tables();
  std::string names;
  for (const Table& t : tables) {
    names += names.empty() ? "" : ",";
    names += t.name;
    check_table(t);
  }
  if (tables.empty()) names = "none";
  printf("sformat_variants_test: %s  variants=%s  calls=%lld  mismatches=%lld\n", g_failures ? "FAIL" : "PASS",
         names.c_str(), g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
