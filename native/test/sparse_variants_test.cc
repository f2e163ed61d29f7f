// Checks every SIMD sparse (magnitude pruning) table this CPU can run against the
// scalar reference (native/kernels/sparse/ref.cc), bit for bit:
//   digit_histogram -> every count (added to random starting counts, some near
//                      2^32) and the NaN flag
//   threshold_mask  -> mask bytes and the ties left
//   count_nonzero   -> the count
// over lengths 0..130 and some larger ones (past the long-input and sample
// thresholds of the counting code), element offsets 0..15 of the input (every
// position within a 64-byte line), every (shift, digit_bits) of a three-pass radix
// select (20/11, 9/11, 0/9, prefixes taken from the data) and random valid ones,
// data with many equal keys (a few values, +-0, -x and x, quantized levels, half
// zeros), NaN at every position of short inputs (+-Inf is not a NaN), denormals,
// thresholds at a key of the data, ties = 0, ties beyond the count, the tie count
// carried over consecutive pieces, and mask bytes 0..255. Every call gets freshly
// allocated buffers of exactly the size it may touch (so AddressSanitizer sees
// overruns) plus guard elements after each output that must stay untouched.
// Exits 1 on any mismatch.
//
// Build and run: native/test/run.sh
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <string>
#include <vector>

#include "../dispatch/cpu_features.h"
#include "variant_test_util.h"
#include "../kernels/sparse/sparse_kernels.h"

namespace {

using mp::SparseKernels;

struct Table {
  const char* name;
  const SparseKernels* k;
};

std::vector<Table> runnable_tables() {
  std::vector<Table> t;
  const mp::CpuFeatures& f = mp::cpu_features();
  (void)f;
#if defined(__x86_64__) || defined(_M_X64)
  if (f.avx2) t.push_back({"avx2", &mp::sparse_avx2});
  if (f.avx512) t.push_back({"avx512", &mp::sparse_avx512});
#endif
#if defined(__aarch64__)
  if (f.neon) t.push_back({"neon", &mp::sparse_neon});
#endif
#if defined(__wasm_simd128__)
  t.push_back({"simd128", &mp::sparse_simd128});
#endif
  return t;
}

constexpr size_t kGuard = 64;
constexpr uint32_t kInfKey = 0x7f800000u;

uint32_t key_of(float f) { return bits_of(f) & 0x7fffffffu; }

// ---------------------------------------------------------------------------
// Data

enum Kind { kNormal, kWide, kFewValues, kQuantized, kHalfZeros, kDenormal, kSpecial, kRandomBits, kNumKinds };
const char* const kKindNames[] = {"normal", "wide",     "few-values", "quantized",
                                  "half-zeros", "denormal", "special",  "random-bits"};

// NaN bit patterns: quiet, signalling, negative, the largest payload.
const uint32_t kNaNs[] = {0x7fc00000u, 0x7f800001u, 0xffc00000u, 0xff800001u, 0x7fffffffu, 0xffffffffu};
constexpr size_t kNumNaNs = sizeof(kNaNs) / sizeof(kNaNs[0]);

float random_nan() { return from_bits(kNaNs[rnd_int(0, kNumNaNs - 1)]); }

// A finite float: magnitudes over the whole range, either sign.
float wide_value() {
  const int r = rnd_int(0, 9);
  uint32_t b;
  if (r == 0) b = rnd32() & 0x007fffffu;                                        // denormal or 0
  else if (r == 1) b = 0x7f7fffffu - (rnd32() & 0xff);                          // near FLT_MAX
  else b = (static_cast<uint32_t>(rnd_int(1, 254)) << 23) | (rnd32() & 0x007fffffu);
  return from_bits(b | (rnd32() & 0x80000000u));
}

// Elements of a kind, per piece of data: few-values and quantized draw from a
// small set picked once per array.
struct Gen {
  Kind kind;
  std::vector<float> pool;
  explicit Gen(Kind k) : kind(k) {
    const size_t m = static_cast<size_t>(rnd_int(1, 6));
    for (size_t i = 0; i < m; ++i) {
      const float v = rnd_int(0, 3) == 0 ? 0.0f : wide_value();
      pool.push_back(v);
      pool.push_back(-v);  // -x and x share a key; -0 and +0 too
    }
  }
  float operator()() {
    switch (kind) {
      case kNormal: {
        // A sum of uniforms: roughly normal, scale 0.02, as weights are.
        const double s = uniform(-1, 1) + uniform(-1, 1) + uniform(-1, 1);
        return static_cast<float>(s * 0.02);
      }
      case kWide:
        return wide_value();
      case kFewValues:
        return pool[rnd_int(0, static_cast<int>(pool.size()) - 1)];
      case kQuantized: {
        // Levels q * 0.01 for |q| <= 8, as from 4-bit weights: a few very common keys.
        const double s = (uniform(-1, 1) + uniform(-1, 1) + uniform(-1, 1)) * 3.0;
        return static_cast<float>(rint(s) * 0.01);
      }
      case kHalfZeros:
        return rnd_int(0, 1) ? (rnd_int(0, 1) ? 0.0f : -0.0f) : static_cast<float>(uniform(-1, 1));
      case kDenormal:
        return from_bits((rnd32() & 0x807fffffu) | (rnd_int(0, 7) == 0 ? 0x00800000u : 0u));
      case kSpecial: {
        const int r = rnd_int(0, 9);
        if (r == 0) return random_nan();
        if (r == 1) return rnd_int(0, 1) ? INFINITY : -INFINITY;
        if (r == 2) return rnd_int(0, 1) ? 0.0f : -0.0f;
        if (r == 3) return rnd_int(0, 1) ? FLT_MAX : -FLT_MIN;
        if (r == 4) return from_bits(rnd32() & 0x807fffffu);
        return wide_value();
      }
      default:
        return from_bits(rnd32());
    }
  }
};

void fill(float* x, size_t n, Kind kind) {
  Gen g(kind);
  for (size_t i = 0; i < n; ++i) x[i] = g();
}

std::vector<size_t> test_lengths() {
  std::vector<size_t> v;
  for (size_t n = 0; n <= 130; ++n) v.push_back(n);
  for (size_t n : {191, 255, 256, 257, 1000, 4095, 4096, 4097, 8191, 8192, 8193}) v.push_back(n);
  return v;
}

// Lengths past the counting code's thresholds (long inputs from 65536 elements).
const size_t kLongLengths[] = {65535, 65536, 65537, 65536 + 31, 100003};

// ---------------------------------------------------------------------------
// digit_histogram

struct Digit {
  uint32_t shift, bits, prefix;
};

// A random valid (shift, digit_bits, prefix); the prefix is usually that of an
// element of x (so keys match), sometimes any value in range (and with
// shift + digit_bits == 31, where the reference ignores it, sometimes not 0).
Digit random_digit(const float* x, size_t n) {
  Digit d;
  d.bits = static_cast<uint32_t>(rnd_int(1, 11));
  d.shift = static_cast<uint32_t>(rnd_int(0, 31 - static_cast<int>(d.bits)));
  const uint32_t top = d.shift + d.bits;
  if (top == 31) {
    d.prefix = rnd_int(0, 3) == 0 ? rnd32() : 0;  // ignored: every key matches
  } else if (n > 0 && rnd_int(0, 3) != 0) {
    d.prefix = key_of(x[rnd_int(0, static_cast<int>(n) - 1)]) >> top;
  } else {
    d.prefix = rnd32() & ((1u << (31 - top)) - 1u);
  }
  return d;
}

// Starting counts: zero, random, or near 2^32 (the increments wrap modulo 2^32 in
// both implementations).
void fill_counts(uint32_t* c, size_t bins, int style) {
  for (size_t b = 0; b < bins; ++b)
    c[b] = style == 0 ? 0u : style == 1 ? rnd32() % 1000u : 0xffffffffu - static_cast<uint32_t>(rnd_int(0, 40));
}

// One digit_histogram call of the variant against the reference. Returns false on
// a mismatch.
bool check_histogram_call(const Table& t, const char* what, const float* x, size_t n, const Digit& d) {
  const size_t bins = size_t{1} << d.bits;
  const size_t co = static_cast<size_t>(rnd_int(0, 3));
  Buf<uint32_t> want(0, bins), got(co, bins, kGuard);
  fill_sentinel(got);
  fill_counts(want.at(0), bins, rnd_int(0, 2));
  memcpy(got.at(co), want.at(0), bins * sizeof(uint32_t));
  const bool want_nan = mp::sparse_scalar.digit_histogram(x, n, d.shift, d.bits, d.prefix, want.at(0));
  const bool got_nan = t.k->digit_histogram(x, n, d.shift, d.bits, d.prefix, got.at(co));
  ++g_checks;
  if (!guards_intact(got, co, bins)) {
    fail(t.name, "digit_histogram",
         fmt("%s n=%zu shift=%u bits=%u: wrote outside the counts", what, n, d.shift, d.bits));
    return false;
  }
  if (want_nan != got_nan) {
    fail(t.name, "digit_histogram",
         fmt("%s n=%zu shift=%u bits=%u prefix=%u: NaN flag want %d got %d", what, n, d.shift, d.bits,
             d.prefix, want_nan, got_nan));
    return false;
  }
  for (size_t b = 0; b < bins; ++b) {
    if (want.at(0)[b] != got.at(co)[b]) {
      fail(t.name, "digit_histogram",
           fmt("%s n=%zu shift=%u bits=%u prefix=%u: counts[%zu] want %u got %u", what, n, d.shift, d.bits,
               d.prefix, b, want.at(0)[b], got.at(co)[b]));
      return false;
    }
  }
  return true;
}

// The three passes of a radix select of the k-th smallest key (20/11, 9/11, 0/9),
// each checked, the prefixes taken from the reference's counts. Returns the key
// and how many keys are below it.
uint32_t check_select(const Table& t, const char* what, const float* x, size_t n, size_t k, size_t* below) {
  const Digit passes[3] = {{20, 11, 0}, {9, 11, 0}, {0, 9, 0}};
  uint32_t prefix = 0;
  *below = 0;
  for (const Digit& p : passes) {
    const Digit d = {p.shift, p.bits, prefix};
    check_histogram_call(t, what, x, n, d);
    std::vector<uint32_t> c(size_t{1} << d.bits, 0);
    mp::sparse_scalar.digit_histogram(x, n, d.shift, d.bits, d.prefix, c.data());
    uint32_t digit = 0;
    while (digit + 1 < c.size() && *below + c[digit] < k) *below += c[digit++];
    prefix = (prefix << d.bits) | digit;
  }
  return prefix;
}

void check_digit_histogram(const Table& t, const std::vector<size_t>& lengths) {
  for (int kind = 0; kind < kNumKinds; ++kind) {
    for (size_t li = 0; li < lengths.size(); ++li) {
      const size_t n = lengths[li];
      const size_t xo = (li + kind) % 16;
      Buf<float> x(xo, n);
      fill(x.p.get(), xo + n, static_cast<Kind>(kind));
      const char* what = kKindNames[kind];
      size_t below;
      if (n > 0) check_select(t, what, x.at(xo), n, static_cast<size_t>(rnd_int(1, static_cast<int>(n))), &below);
      for (int rep = 0; rep < 4; ++rep) check_histogram_call(t, what, x.at(xo), n, random_digit(x.at(xo), n));
    }
  }
  // Long inputs: every kind, the select passes and random digits.
  for (int kind = 0; kind < kNumKinds; ++kind) {
    for (size_t li = 0; li < sizeof(kLongLengths) / sizeof(kLongLengths[0]); ++li) {
      const size_t n = kLongLengths[li];
      const size_t xo = (li * 5 + kind) % 16;
      Buf<float> x(xo, n);
      fill(x.p.get(), xo + n, static_cast<Kind>(kind));
      size_t below;
      check_select(t, kKindNames[kind], x.at(xo), n, static_cast<size_t>(rnd_int(1, static_cast<int>(n))), &below);
      for (int rep = 0; rep < 3; ++rep) check_histogram_call(t, kKindNames[kind], x.at(xo), n, random_digit(x.at(xo), n));
    }
  }
  // Every (shift, digit_bits) with a prefix from the data, on one array.
  {
    const size_t n = 1000;
    Buf<float> x(3, n);
    fill(x.p.get(), 3 + n, kWide);
    for (uint32_t bits = 1; bits <= 11; ++bits) {
      for (uint32_t shift = 0; shift + bits <= 31; ++shift) {
        const uint32_t top = shift + bits;
        const uint32_t prefix = top == 31 ? 0 : key_of(x.at(3)[rnd_int(0, n - 1)]) >> top;
        check_histogram_call(t, "all-shifts", x.at(3), n, {shift, bits, prefix});
      }
    }
  }
  // A single hot key making up all, or half, of a long input (the hot-digit path).
  for (int half = 0; half <= 1; ++half) {
    const size_t n = 70001;
    Buf<float> x(1, n);
    for (size_t i = 0; i < 1 + n; ++i) x.p[i] = half && rnd_int(0, 1) ? wide_value() : -3.0f;
    const uint32_t k = key_of(-3.0f);
    check_histogram_call(t, "one-key", x.at(1), n, {20, 11, 0});
    check_histogram_call(t, "one-key", x.at(1), n, {9, 11, k >> 20});
    check_histogram_call(t, "one-key", x.at(1), n, {0, 9, k >> 9});
  }
}

// NaN anywhere is reported whatever the prefix; +-Inf (key 0x7f800000) is not a NaN.
void check_nan_detection(const Table& t) {
  for (size_t n = 1; n <= 70; ++n) {
    const size_t xo = n % 16;
    Buf<float> x(xo, n);
    for (size_t p = 0; p < n; ++p) {
      for (size_t i = 0; i < xo + n; ++i) x.p[i] = wide_value();
      for (int what = 0; what < 2; ++what) {
        x.at(xo)[p] = what == 0 ? random_nan() : (rnd_int(0, 1) ? INFINITY : -INFINITY);
        const Digit d = rnd_int(0, 1) ? Digit{20, 11, 0} : random_digit(x.at(xo), n);
        check_histogram_call(t, what == 0 ? "nan-at" : "inf-at", x.at(xo), n, d);
      }
    }
  }
  // Keys right at and above the Inf key, long inputs (a NaN in the vector body and
  // in the tail).
  const uint32_t edges[] = {kInfKey - 1, kInfKey, kInfKey + 1, 0x7fffffffu};
  for (size_t n : {16u, 100u, 4099u, 65536u + 7}) {
    for (uint32_t e : edges) {
      for (size_t p : {size_t{0}, n / 2, n - 1}) {
        Buf<float> x(0, n);
        fill(x.p.get(), n, kNormal);
        x.at(0)[p] = from_bits(e | (rnd32() & 0x80000000u));
        check_histogram_call(t, "nan-edge", x.at(0), n, {20, 11, 0});
        check_histogram_call(t, "nan-edge", x.at(0), n, {9, 11, 0x3ff});
      }
    }
  }
}

// ---------------------------------------------------------------------------
// threshold_mask

// Compares one threshold_mask call (or a sequence of calls over consecutive
// pieces, if `pieces` is not empty) with one reference call. Returns false on a
// mismatch.
bool check_mask_call(const Table& t, const char* what, const float* x, size_t n, uint32_t thr, size_t ties,
                     const std::vector<size_t>& pieces) {
  const size_t mo = static_cast<size_t>(rnd_int(0, 3));
  Buf<uint8_t> want(0, n), got(mo, n, kGuard);
  fill_sentinel(got);
  size_t want_ties = ties, got_ties = ties;
  mp::sparse_scalar.threshold_mask(x, n, thr, &want_ties, want.at(0));
  if (pieces.empty()) {
    t.k->threshold_mask(x, n, thr, &got_ties, got.at(mo));
  } else {
    size_t at = 0;
    for (size_t len : pieces) {
      t.k->threshold_mask(x + at, len, thr, &got_ties, got.at(mo) + at);
      at += len;
    }
  }
  ++g_checks;
  const char* how = pieces.empty() ? "one call" : "in pieces";
  if (!guards_intact(got, mo, n)) {
    fail(t.name, "threshold_mask", fmt("%s n=%zu (%s): wrote outside [0, n)", what, n, how));
    return false;
  }
  if (want_ties != got_ties) {
    fail(t.name, "threshold_mask",
         fmt("%s n=%zu t=0x%08x ties=%zu (%s): ties left want %zu got %zu", what, n, thr, ties, how, want_ties,
             got_ties));
    return false;
  }
  for (size_t i = 0; i < n; ++i) {
    if (want.at(0)[i] != got.at(mo)[i]) {
      fail(t.name, "threshold_mask",
           fmt("%s n=%zu t=0x%08x ties=%zu (%s) i=%zu key=0x%08x: want %d got %d", what, n, thr, ties, how, i,
               key_of(x[i]), want.at(0)[i], got.at(mo)[i]));
      return false;
    }
  }
  return true;
}

// A threshold: usually the key of an element (so there are ties), sometimes an
// edge value or anything.
uint32_t random_threshold(const float* x, size_t n) {
  const int r = rnd_int(0, 9);
  if (n > 0 && r < 6) return key_of(x[rnd_int(0, static_cast<int>(n) - 1)]);
  if (r == 6) return rnd32();
  const uint32_t edges[] = {0u, 1u, kInfKey, kInfKey + 1, 0x7fffffffu, 0x80000000u, 0xffffffffu};
  return edges[rnd_int(0, 6)];
}

// Ties to prune: 0, 1, some or all of the keys equal to thr, more, or the most.
size_t random_ties(const float* x, size_t n, uint32_t thr) {
  size_t eq = 0;
  for (size_t i = 0; i < n; ++i) eq += key_of(x[i]) == thr;
  switch (rnd_int(0, 6)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return eq;
    case 3: return eq + 1 + static_cast<size_t>(rnd_int(0, 100));
    case 4: return SIZE_MAX;
    default: return eq > 0 ? static_cast<size_t>(rnd_int(0, static_cast<int>(eq > 1000000 ? 1000000 : eq))) : 0;
  }
}

// Random consecutive pieces adding up to n: short ones (every tail length) and
// long ones.
std::vector<size_t> random_pieces(size_t n) {
  std::vector<size_t> p;
  size_t left = n;
  while (left > 0) {
    size_t len = rnd_int(0, 2) == 0 ? static_cast<size_t>(rnd_int(0, 70)) : static_cast<size_t>(rnd_int(0, 3000));
    if (len > left) len = left;
    p.push_back(len);
    left -= len;
  }
  if (p.empty()) p.push_back(0);
  return p;
}

void check_threshold_mask(const Table& t, const std::vector<size_t>& lengths) {
  for (int kind = 0; kind < kNumKinds; ++kind) {
    for (size_t li = 0; li < lengths.size(); ++li) {
      const size_t n = lengths[li];
      const size_t xo = (li * 3 + kind) % 16;
      Buf<float> x(xo, n);
      fill(x.p.get(), xo + n, static_cast<Kind>(kind));
      for (int rep = 0; rep < 6; ++rep) {
        const uint32_t thr = random_threshold(x.at(xo), n);
        const size_t ties = random_ties(x.at(xo), n, thr);
        check_mask_call(t, kKindNames[kind], x.at(xo), n, thr, ties, {});
        if (rep < 2) check_mask_call(t, kKindNames[kind], x.at(xo), n, thr, ties, random_pieces(n));
      }
      // The selected key: the threshold of a real prune, with its ties.
      if (n > 0) {
        size_t below;
        const size_t k = static_cast<size_t>(rnd_int(1, static_cast<int>(n)));
        const uint32_t thr = check_select(t, kKindNames[kind], x.at(xo), n, k, &below);
        check_mask_call(t, kKindNames[kind], x.at(xo), n, thr, k - below, {});
      }
    }
  }
  for (int kind = 0; kind < kNumKinds; ++kind) {
    for (size_t li = 0; li < sizeof(kLongLengths) / sizeof(kLongLengths[0]); ++li) {
      const size_t n = kLongLengths[li];
      const size_t xo = (li * 7 + kind) % 16;
      Buf<float> x(xo, n);
      fill(x.p.get(), xo + n, static_cast<Kind>(kind));
      size_t below;
      const size_t k = static_cast<size_t>(rnd_int(1, static_cast<int>(n)));
      const uint32_t thr = check_select(t, kKindNames[kind], x.at(xo), n, k, &below);
      check_mask_call(t, kKindNames[kind], x.at(xo), n, thr, k - below, {});
      check_mask_call(t, kKindNames[kind], x.at(xo), n, thr, k - below, random_pieces(n));
      const uint32_t any = random_threshold(x.at(xo), n);
      check_mask_call(t, kKindNames[kind], x.at(xo), n, any, random_ties(x.at(xo), n, any), {});
    }
  }
  // All keys equal (all ties), the ties running out at every position, in one
  // call and with the counter carried over pieces of every length.
  for (size_t n : {1u, 7u, 63u, 64u, 65u, 200u}) {
    Buf<float> x(1, n);
    for (size_t i = 0; i < 1 + n; ++i) x.p[i] = rnd_int(0, 1) ? 2.5f : -2.5f;
    for (size_t ties = 0; ties <= n + 1; ++ties) {
      check_mask_call(t, "all-ties", x.at(1), n, key_of(2.5f), ties, {});
      for (size_t piece = 1; piece <= 70 && piece <= n; piece += 3) {
        std::vector<size_t> p;
        for (size_t at = 0; at < n; at += piece) p.push_back(n - at < piece ? n - at : piece);
        check_mask_call(t, "all-ties", x.at(1), n, key_of(2.5f), ties, p);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// count_nonzero

void check_count_nonzero(const Table& t) {
  std::vector<size_t> lengths;
  for (size_t n = 0; n <= 130; ++n) lengths.push_back(n);
  for (size_t n : {255u, 256u, 4095u, 8160u, 8161u, 16320u, 16383u, 16384u, 65535u, 65536u, 100003u,
                   (1u << 20) + 3})
    lengths.push_back(n);
  for (int style = 0; style < 5; ++style) {
    for (size_t li = 0; li < lengths.size(); ++li) {
      const size_t n = lengths[li];
      const size_t mo = (li * 7 + style) % 64;
      Buf<uint8_t> m(mo, n);
      for (size_t i = 0; i < mo + n; ++i) {
        // 0: mask-like 0 / 1; 1: any byte; 2: all zero; 3: all 0xff; 4: sparse.
        const uint8_t r = static_cast<uint8_t>(rnd32());
        m.p[i] = style == 0 ? (r & 1) : style == 1 ? r : style == 2 ? 0 : style == 3 ? 0xff : (r < 8 ? r : 0);
      }
      const size_t want = mp::sparse_scalar.count_nonzero(m.at(mo), n);
      const size_t got = t.k->count_nonzero(m.at(mo), n);
      ++g_checks;
      if (want != got) fail(t.name, "count_nonzero", fmt("style %d n=%zu off=%zu: want %zu got %zu", style, n, mo, want, got));
    }
  }
  // Every byte value at every position of short inputs.
  for (size_t n = 1; n <= 40; ++n) {
    Buf<uint8_t> m(5, n);
    for (int v = 0; v < 256; ++v) {
      memset(m.p.get(), 0, 5 + n);
      m.at(5)[rnd_int(0, static_cast<int>(n) - 1)] = static_cast<uint8_t>(v);
      const size_t want = mp::sparse_scalar.count_nonzero(m.at(5), n);
      const size_t got = t.k->count_nonzero(m.at(5), n);
      ++g_checks;
      if (want != got) fail(t.name, "count_nonzero", fmt("byte %d n=%zu: want %zu got %zu", v, n, want, got));
    }
  }
}

}  // namespace

int main() {
  const std::vector<Table> tables = runnable_tables();
  const std::vector<size_t> lengths = test_lengths();
  std::string names;
  for (const Table& t : tables) {
    names += names.empty() ? "" : ",";
    names += t.name;
    check_digit_histogram(t, lengths);
    check_nan_detection(t);
    check_threshold_mask(t, lengths);
    check_count_nonzero(t);
  }
  if (tables.empty()) names = "none";
  printf("sparse_variants_test: %s  variants=%s  calls=%lld  mismatches=%lld\n", g_failures ? "FAIL" : "PASS",
         names.c_str(), g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
