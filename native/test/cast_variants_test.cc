// Checks every SIMD float down-casting table this CPU can run against the scalar
// reference (native/kernels/cast/ref.cc), bit for bit:
//   f32_to_f16 / f32_to_bf16  -> output bits, and the overflowed / underflowed / nan
//                                counts (which must be added to, not overwritten)
//   f16_to_f32 / bf16_to_f32  -> output float bits
// Data:
//   *_to_f32   all 2^16 bit patterns, in one call and in pieces of every length
//   f32_to_*   every fp16 rounding boundary (the midpoint between each two
//              consecutive halves, +-3 ulps, subnormal halves, 65504 / 65520 and
//              beyond), every bf16 boundary (each of the 2^16 upper halves with the
//              low half 0x0000, 0x0001, 0x7FFF, 0x8000, 0x8001, 0xFFFF: all ties,
//              odd and even, NaNs, Infs, subnormals, near FLT_MAX), specials (signed
//              zeros, Infs, quiet and signalling NaNs with payloads that survive or
//              vanish, FLT_MAX, FLT_MIN, subnormals), a stride through all 2^32
//              patterns and random bits; each in one call and in pieces
// over lengths 0..300 and some larger ones (up to past two 2^20-element counter
// chunks), element offsets 0..3 of every pointer; and each lossy kind alone at
// every position among ordinary values. Every call gets freshly
// allocated buffers of exactly the size it may touch (so AddressSanitizer sees
// overruns) plus guard bytes after the output that must stay untouched.
// On x86 everything runs a second time with MXCSR set to flush-to-zero,
// denormals-are-zero and round toward zero: the x86 variants must not depend on it.
// MP_CAST_EXHAUSTIVE=1 in the environment adds all 2^32 float32 inputs (slow).
// Exits 1 on any mismatch.
//
// Build and run: native/test/run.sh
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64)
#include <xmmintrin.h>
#endif

#include "../dispatch/cpu_features.h"
#include "variant_test_util.h"
#include "../kernels/cast/cast_kernels.h"

namespace {

using mp::CastCounts;
using mp::CastKernels;

struct Table {
  const char* name;
  const CastKernels* k;
};

std::vector<Table> runnable_tables() {
  std::vector<Table> t;
  const mp::CpuFeatures& f = mp::cpu_features();
  (void)f;
#if defined(__x86_64__) || defined(_M_X64)
  if (f.avx2) t.push_back({"avx2", &mp::cast_avx2});
  if (f.avx512) t.push_back({"avx512", &mp::cast_avx512});
  if (f.avx512bf16) t.push_back({"avx512bf16", &mp::cast_avx512bf16});
#endif
#if defined(__aarch64__)
  if (f.neon) t.push_back({"neon", &mp::cast_neon});
#endif
#if defined(__wasm_simd128__)
  t.push_back({"simd128", &mp::cast_simd128});
#endif
  return t;
}

// ---------------------------------------------------------------------------
// The floating-point environment the kernels run in. The reference is integer
// arithmetic, so it must not matter; on x86 the second pass makes it hostile.

bool g_hostile_env = false;

struct KernelEnv {
#if defined(__x86_64__) || defined(_M_X64)
  unsigned saved = 0;
  KernelEnv() {
    if (!g_hostile_env) return;
    saved = _mm_getcsr();
    _mm_setcsr(saved | 0x8000 /* FTZ */ | 0x0040 /* DAZ */ | 0x6000 /* round toward zero */);
  }
  ~KernelEnv() {
    if (g_hostile_env) _mm_setcsr(saved);
  }
#else
  KernelEnv() {}  // nothing to set up: one pass, in the default environment
  ~KernelEnv() {}
#endif
};

// ---------------------------------------------------------------------------
// Buffers: exactly `off + n` elements (ASan catches reads past them) and, for
// outputs, kGuard extra elements that must come back unchanged.

constexpr size_t kGuard = 64;

// ---------------------------------------------------------------------------
// The casts under test

using DownFn = void (*)(const float*, uint16_t*, size_t, CastCounts*);
using UpFn = void (*)(const uint16_t*, float*, size_t);

struct Down {
  const char* name;
  DownFn CastKernels::*fn;
};
const Down kDowns[] = {{"f32_to_f16", &CastKernels::f32_to_f16}, {"f32_to_bf16", &CastKernels::f32_to_bf16}};

struct Up {
  const char* name;
  UpFn CastKernels::*fn;
};
const Up kUps[] = {{"f16_to_f32", &CastKernels::f16_to_f32}, {"bf16_to_f32", &CastKernels::bf16_to_f32}};

// One down-cast of data[0..n) with the input at element offset xo and the output
// at oo; compares bits and counts. The counts start non-zero: they are added to.
void check_down(const Table& t, const Down& d, const float* data, size_t n, size_t xo, size_t oo,
                const char* what) {
  Buf<float> x(xo, n);
  for (size_t i = 0; i < xo; ++i) x.p[i] = from_bits(0x7FC0DEAD);  // must not be read
  if (n) memcpy(x.at(xo), data, n * sizeof(float));
  Buf<uint16_t> want(0, n), got(oo, n, kGuard);
  fill_sentinel(got);
  CastCounts cw = {1000, 2000, 3000}, cg = cw;
  {
    KernelEnv env;
    (mp::cast_scalar.*d.fn)(x.at(xo), want.at(0), n, &cw);
    (t.k->*d.fn)(x.at(xo), got.at(oo), n, &cg);
  }
  ++g_checks;
  const char* env = g_hostile_env ? " [FTZ,DAZ,RZ]" : "";
  if (!guards_intact(got, oo, n)) {
    fail(t.name, d.name, fmt("%s n=%zu out_off=%zu%s: wrote outside [0, n)", what, n, oo, env));
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    if (want.p[i] != got.at(oo)[i]) {
      fail(t.name, d.name,
           fmt("%s n=%zu x_off=%zu out_off=%zu i=%zu%s: x=0x%08x (%.9g) want 0x%04x got 0x%04x", what,
               n, xo, oo, i, env, bits_of(x.at(xo)[i]), x.at(xo)[i], want.p[i], got.at(oo)[i]));
      return;
    }
  }
  if (cw.overflowed != cg.overflowed || cw.underflowed != cg.underflowed || cw.nan != cg.nan)
    fail(t.name, d.name,
         fmt("%s n=%zu x_off=%zu%s: counts (overflowed, underflowed, nan) want (%llu, %llu, %llu) "
             "got (%llu, %llu, %llu)",
             what, n, xo, env, (unsigned long long)cw.overflowed - 1000,
             (unsigned long long)cw.underflowed - 2000, (unsigned long long)cw.nan - 3000,
             (unsigned long long)cg.overflowed - 1000, (unsigned long long)cg.underflowed - 2000,
             (unsigned long long)cg.nan - 3000));
}

void check_up(const Table& t, const Up& u, const uint16_t* data, size_t n, size_t ho, size_t oo,
              const char* what) {
  Buf<uint16_t> h(ho, n);
  for (size_t i = 0; i < ho; ++i) h.p[i] = 0x7E01;
  if (n) memcpy(h.at(ho), data, n * sizeof(uint16_t));
  Buf<float> want(0, n), got(oo, n, kGuard);
  fill_sentinel(got);
  {
    KernelEnv env;
    (mp::cast_scalar.*u.fn)(h.at(ho), want.at(0), n);
    (t.k->*u.fn)(h.at(ho), got.at(oo), n);
  }
  ++g_checks;
  const char* env = g_hostile_env ? " [FTZ,DAZ,RZ]" : "";
  if (!guards_intact(got, oo, n)) {
    fail(t.name, u.name, fmt("%s n=%zu out_off=%zu%s: wrote outside [0, n)", what, n, oo, env));
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    if (bits_of(want.p[i]) != bits_of(got.at(oo)[i])) {
      fail(t.name, u.name,
           fmt("%s n=%zu h_off=%zu out_off=%zu i=%zu%s: h=0x%04x want 0x%08x got 0x%08x", what, n, ho,
               oo, i, env, h.at(ho)[i], bits_of(want.p[i]), bits_of(got.at(oo)[i])));
      return;
    }
  }
}

// ---------------------------------------------------------------------------
// Data

size_t rnd_size(size_t lo, size_t hi) { return std::uniform_int_distribution<size_t>(lo, hi)(g_rng); }

// Adds the float with bits b and its neighbours up to `ulps` away (same sign).
void push_around(std::vector<float>& v, uint32_t b, int ulps) {
  for (int d = -ulps; d <= ulps; ++d) {
    const int64_t c = static_cast<int64_t>(b & 0x7FFFFFFF) + d;
    if (c < 0 || c > 0x7FFFFFFF) continue;
    v.push_back(from_bits((b & 0x80000000) | static_cast<uint32_t>(c)));
  }
}

// The value of the positive half with bits h <= 0x7C00 (0x7C00 read as 65536, the
// next binade's start).
double half_value(uint32_t h) {
  const int e = static_cast<int>(h >> 10);
  const uint32_t m = h & 0x3FF;
  return e == 0 ? ldexp(m, -24) : ldexp(m | 0x400, e - 25);
}

// Both signs of: each positive half +-1 ulp, and each midpoint between two
// consecutive halves (exact in float32) +-3 ulps; then 65536 and beyond.
std::vector<float> f16_boundaries() {
  std::vector<float> v;
  for (uint32_t h = 0; h < 0x7C00; ++h) {
    const float lo = static_cast<float>(half_value(h));
    const float mid = static_cast<float>((half_value(h) + half_value(h + 1)) / 2);
    push_around(v, bits_of(lo), 1);
    push_around(v, bits_of(mid), 3);
  }
  for (uint32_t b : {0x47800000u, 0x47FFFFFFu, 0x48000000u, 0x4F000000u, 0x7F7FFFFFu}) push_around(v, b, 2);
  const size_t n = v.size();
  for (size_t i = 0; i < n; ++i) v.push_back(-v[i]);
  return v;
}

// Each of the 2^16 upper halves with low halves around the rounding points.
std::vector<float> bf16_boundaries() {
  std::vector<float> v;
  for (uint32_t hi = 0; hi < 0x10000; ++hi)
    for (uint32_t lo : {0x0000u, 0x0001u, 0x7FFFu, 0x8000u, 0x8001u, 0xFFFFu}) v.push_back(from_bits(hi << 16 | lo));
  return v;
}

const uint32_t kSpecialBits[] = {
    0x00000000, 0x80000000, 0x7F800000, 0xFF800000,              // zeros, Infs
    0x7FC00000, 0xFFC00000, 0x7FC00001, 0x7FFFFFFF, 0xFFFFFFFF,  // quiet NaNs
    0x7F800001, 0xFF800001, 0x7FBFFFFF, 0x7FA00000, 0x7F802000,  // signalling NaNs
    0x7F801FFF, 0x7F80FFFF, 0x7F810000, 0xFFBFE000, 0x7FC0DEAD,  // payloads lost in fp16 / bf16
    0x7F7FFFFF, 0xFF7FFFFF, 0x00800000, 0x80800000,              // FLT_MAX, FLT_MIN
    0x00000001, 0x80000001, 0x007FFFFF, 0x807FFFFF, 0x00400000,  // float subnormals
    0x00008000, 0x00008001, 0x00007FFF, 0x00018000, 0x00010000, 0x0000FFFF, 0x80008000,
    0x7F7F7FFF, 0x7F7F8000, 0x7F7F8001, 0x7F7EFFFF, 0x7F7E8000, 0xFF7F8000,  // bf16 overflow
    0x477FE000, 0x477FEFFF, 0x477FF000, 0x477FF001, 0xC77FF000, 0x47800000,  // 65504, 65520
    0x33000000, 0x33000001, 0x32FFFFFF, 0xB3000000, 0x33800000, 0x33C00000,  // 2^-25, 2^-24
    0x38800000, 0x387FFFFF, 0x387FE000, 0x387FF000, 0x38000000, 0x3F800000,  // 2^-14
};

std::vector<float> specials() {
  std::vector<float> v;
  for (uint32_t b : kSpecialBits) v.push_back(from_bits(b));
  return v;
}

// A stride through all 2^32 bit patterns (an odd step visits every residue).
std::vector<float> sweep() {
  std::vector<float> v(1 << 20);
  for (size_t i = 0; i < v.size(); ++i) v[i] = from_bits(static_cast<uint32_t>(i * 4099u + 7u));
  return v;
}

std::vector<float> random_bits(size_t n) {
  std::vector<float> v(n);
  for (float& f : v) f = from_bits(rnd32());
  return v;
}

// A mix of everything, for the length sweeps: specials, boundaries, random bits,
// and ordinary values of the size of weights.
float mixed_one(const std::vector<float>& f16b, const std::vector<float>& bf16b) {
  switch (rnd32() % 6) {
    case 0: return from_bits(kSpecialBits[rnd32() % (sizeof kSpecialBits / sizeof kSpecialBits[0])]);
    case 1: return f16b[rnd32() % f16b.size()];
    case 2: return bf16b[rnd32() % bf16b.size()];
    case 3: return from_bits(rnd32());
    default: return std::normal_distribution<float>(0.0f, 0.05f)(g_rng);
  }
}

uint16_t mixed_half() {
  switch (rnd32() % 4) {
    case 0: {
      const uint16_t s[] = {0x0000, 0x8000, 0x0001, 0x03FF, 0x0400, 0x7BFF, 0x7C00, 0xFC00,
                            0x7C01, 0x7DFF, 0x7E00, 0x7FFF, 0xFFFF, 0x7F80, 0x7FC0, 0xFF81};
      return s[rnd32() % 16];
    }
    default: return static_cast<uint16_t>(rnd32());
  }
}

std::vector<size_t> test_lengths() {
  std::vector<size_t> v;
  for (size_t n = 0; n <= 300; ++n) v.push_back(n);
  for (size_t n : {511, 512, 513, 1023, 1024, 4096 + 7, 65536 + 13}) v.push_back(n);
  return v;
}

// ---------------------------------------------------------------------------
// Checks

// A whole data set in one call (at two offset pairs), then in consecutive pieces
// of random lengths 0..300 at every offset pair, so every value also passes the
// tail paths.
void check_down_set(const Table& t, const std::vector<float>& data, const char* what) {
  for (const Down& d : kDowns) {
    check_down(t, d, data.data(), data.size(), 0, 0, what);
    check_down(t, d, data.data(), data.size(), 3, 1, what);
    size_t piece = 0;
    for (size_t i = 0; i < data.size(); ++piece) {
      const size_t n = std::min(rnd_size(0, 300), data.size() - i);
      check_down(t, d, data.data() + i, n, piece % 4, (piece / 4) % 4, what);
      i += n;
    }
  }
}

void check_down_lengths(const Table& t, const std::vector<float>& f16b, const std::vector<float>& bf16b) {
  const std::vector<size_t> lengths = test_lengths();
  for (const Down& d : kDowns) {
    for (int rep = 0; rep < 2; ++rep) {
      for (size_t li = 0; li < lengths.size(); ++li) {
        const size_t n = lengths[li];
        std::vector<float> x(n);
        for (float& f : x) f = mixed_one(f16b, bf16b);
        check_down(t, d, x.data(), n, (li + rep) % 4, (li / 4 + rep) % 4, "mixed");
      }
    }
  }
}

// Past two 2^20-element counter chunks, with many counted elements: the lane
// counters must be drained without losing or double-counting any.
void check_down_long(const Table& t) {
  const size_t n = (size_t{1} << 21) + 77;
  std::vector<float> lossy(n), lossy_bf16(n);
  const uint32_t f16_lossy[] = {0x7FC00000, 0x477FF000, 0x33000000, 0x7F800000, 0x3F800000, 0x00000001};
  const uint32_t bf16_lossy[] = {0xFFC00000, 0x7F7F8000, 0x00008000, 0xFF800000, 0x3F800000, 0x00000000};
  for (size_t i = 0; i < n; ++i) {
    lossy[i] = from_bits(f16_lossy[rnd32() % 6]);
    lossy_bf16[i] = from_bits(bf16_lossy[rnd32() % 6]);
  }
  for (const Down& d : kDowns) {
    check_down(t, d, lossy.data(), n, 1, 2, "long lossy (fp16 kinds)");
    check_down(t, d, lossy_bf16.data(), n, 2, 3, "long lossy (bf16 kinds)");
  }
  std::vector<float> nan(n, from_bits(0x7F800001));
  check_down(t, kDowns[0], nan.data(), n, 0, 0, "long all-NaN");
  check_down(t, kDowns[1], nan.data(), n, 0, 0, "long all-NaN");
}

// One lossy or special value among ordinary ones, at every position of a
// 135-element array: whichever lane of whichever vector of a block it lands in,
// the block must take the counting path.
void check_down_lone(const Table& t) {
  const uint32_t lone[] = {0x7FC00001, 0xFF800000, 0x477FF000, 0xC77FF000, 0x7F7F8000, 0x33000000,
                           0x00008000, 0x80000001, 0x00400000, 0x387FF000, 0x33800001};
  const size_t n = 135;
  std::vector<float> x(n);
  for (const Down& d : kDowns) {
    for (uint32_t b : lone) {
      for (size_t p = 0; p < n; ++p) {
        for (size_t i = 0; i < n; ++i) x[i] = i % 3 ? 0.0f : 1.0f + static_cast<float>(i) / 256;
        x[p] = from_bits(b);
        check_down(t, d, x.data(), n, p % 4, 0, "lone value");
      }
    }
  }
}

void check_up_all(const Table& t) {
  std::vector<uint16_t> all(0x10000);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint16_t>(i);
  const std::vector<size_t> lengths = test_lengths();
  for (const Up& u : kUps) {
    for (size_t ho = 0; ho < 4; ++ho)
      for (size_t oo = 0; oo < 4; ++oo) check_up(t, u, all.data(), all.size(), ho, oo, "all 2^16");
    size_t piece = 0;
    for (size_t i = 0; i < all.size(); ++piece) {
      const size_t n = std::min(rnd_size(0, 300), all.size() - i);
      check_up(t, u, all.data() + i, n, piece % 4, (piece / 4) % 4, "all 2^16 in pieces");
      i += n;
    }
    for (size_t li = 0; li < lengths.size(); ++li) {
      std::vector<uint16_t> h(lengths[li]);
      for (uint16_t& v : h) v = mixed_half();
      check_up(t, u, h.data(), h.size(), li % 4, (li / 4) % 4, "mixed");
    }
  }
}

// All 2^32 inputs, in slices, against the reference (bits and counts).
void check_down_exhaustive(const Table& t) {
  const size_t slice = size_t{1} << 22;
  std::vector<float> x(slice);
  std::vector<uint16_t> want(slice), got(slice);
  for (const Down& d : kDowns) {
    CastCounts cw = {}, cg = {};
    for (uint64_t base = 0; base < (uint64_t{1} << 32); base += slice) {
      for (size_t i = 0; i < slice; ++i) x[i] = from_bits(static_cast<uint32_t>(base + i));
      (mp::cast_scalar.*d.fn)(x.data(), want.data(), slice, &cw);
      (t.k->*d.fn)(x.data(), got.data(), slice, &cg);
      if (memcmp(want.data(), got.data(), slice * 2) != 0) {
        fail(t.name, d.name, fmt("exhaustive: slice at 0x%08llx differs", (unsigned long long)base));
        break;
      }
    }
    ++g_checks;
    if (cw.overflowed != cg.overflowed || cw.underflowed != cg.underflowed || cw.nan != cg.nan)
      fail(t.name, d.name, "exhaustive: counts differ");
  }
}

}  // namespace

int main() {
  const std::vector<Table> tables = runnable_tables();
  const std::vector<float> f16b = f16_boundaries(), bf16b = bf16_boundaries();
  const std::vector<float> spec = specials(), swp = sweep(), rnd = random_bits(200000);
  const char* ex = getenv("MP_CAST_EXHAUSTIVE");
  const bool exhaustive = ex && *ex && strcmp(ex, "0") != 0;
  std::string names;
#if defined(__x86_64__) || defined(_M_X64)
  const int passes = 2;
#else
  const int passes = 1;
#endif
  for (const Table& t : tables) {
    names += names.empty() ? "" : ",";
    names += t.name;
    for (int pass = 0; pass < passes; ++pass) {
      g_hostile_env = pass == 1;
      check_up_all(t);
      check_down_set(t, f16b, "fp16 boundaries");
      check_down_set(t, bf16b, "bf16 boundaries");
      check_down_set(t, spec, "specials");
      check_down_set(t, swp, "2^32 stride");
      check_down_set(t, rnd, "random bits");
      check_down_lengths(t, f16b, bf16b);
      check_down_lone(t);
      check_down_long(t);
    }
    g_hostile_env = false;
    if (exhaustive) check_down_exhaustive(t);
  }
  if (tables.empty()) names = "none";
  if (g_failures > 0) {
    printf("cast_variants_test: FAIL  variants=%s  calls=%lld  mismatches=%lld\n", names.c_str(), g_checks,
           g_failures);
    return 1;
  }
  printf("cast_variants_test: PASS  variants=%s  calls=%lld  mismatches=0%s\n", names.c_str(), g_checks,
         exhaustive ? "  (+ all 2^32 inputs)" : "");
  return 0;
}
