// Checks every SIMD non-uniform quantization table this CPU can run against the
// scalar reference (native/kernels/codebook/ref.cc), bit for bit:
//   assign        -> index bytes, for k = 2, 4, ..., 256 and sorted bounds that are
//                    random, duplicated (runs of equal bounds, all equal, -0 next to
//                    +0) or spread over the whole float range; x equal to a bound
//                    (the rule is strictly less), a few ulps either side, +-0, huge,
//                    subnormal and random finite bit patterns
//   min_dist      -> d2 float bits, with d2 starting at +Inf, random, exactly tied
//                    with the new distance, -0 and NaN
//   lookup        -> output float bits, every index 0..255, arbitrary table bits
//   pow2_quantize -> code bytes, for every emin in [-125, 127] with several emax
//                    (emax - emin up to 126), inputs at the midpoints 1.5 * 2^e, at
//                    2^(emin - 1), at the levels, a few ulps around them, subnormals,
//                    +-0, values above 2^emax and random finite bit patterns
// over lengths 0..130 and some larger ones and element offsets 0..3 of every
// pointer. Every call gets freshly allocated buffers of exactly the size it may
// touch (so AddressSanitizer sees overruns) plus guard elements after each output
// that must stay untouched. Exits 1 on any mismatch.
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
#include "../kernels/codebook/codebook_kernels.h"

namespace {

using mp::CodebookKernels;

struct Table {
  const char* name;
  const CodebookKernels* k;
};

std::vector<Table> runnable_tables() {
  std::vector<Table> t;
  const mp::CpuFeatures& f = mp::cpu_features();
  (void)f;
#if defined(__x86_64__) || defined(_M_X64)
  if (f.avx2) t.push_back({"avx2", &mp::codebook_avx2});
  if (f.avx512) t.push_back({"avx512", &mp::codebook_avx512});
#endif
#if defined(__aarch64__)
  if (f.neon) t.push_back({"neon", &mp::codebook_neon});
#endif
#if defined(__wasm_simd128__)
  t.push_back({"simd128", &mp::codebook_simd128});
#endif
  return t;
}

constexpr size_t kGuard = 64;

std::vector<size_t> test_lengths() {
  std::vector<size_t> v;
  for (size_t n = 0; n <= 130; ++n) v.push_back(n);
  for (size_t n : {255, 256, 257, 511, 1000, 4096 + 7, 65536 + 13}) v.push_back(n);
  return v;
}

// A random finite float with any bit pattern (sign, exponent and mantissa).
float random_finite() {
  for (;;) {
    const float f = from_bits(rnd32());
    if (isfinite(f)) return f;
  }
}

float nudge(float v, int ulps) {
  for (; ulps > 0; --ulps) v = nextafterf(v, INFINITY);
  for (; ulps < 0; ++ulps) v = nextafterf(v, -INFINITY);
  return v;
}

// Compares n bytes of got (at offset off in its guarded buffer) with want.
bool compare_bytes(const Table& t, const char* fn, const std::string& what, size_t n, Buf<uint8_t>& got,
                   size_t off, const uint8_t* want, const float* x) {
  ++g_checks;
  if (!guards_intact(got, off, n)) {
    fail(t.name, fn, fmt("%s n=%zu off=%zu: wrote outside [0, n)", what.c_str(), n, off));
    return false;
  }
  for (size_t i = 0; i < n; ++i) {
    if (got.at(off)[i] != want[i]) {
      fail(t.name, fn,
           fmt("%s n=%zu i=%zu x=%.9g (0x%08x): want %d, got %d", what.c_str(), n, i, x[i], bits_of(x[i]),
               want[i], got.at(off)[i]));
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------
// assign

enum BoundsKind { kRandomBounds, kDuplicates, kAllEqual, kSignedZeros, kWideBounds, kNumBoundsKinds };
const char* const kBoundsNames[] = {"random", "duplicates", "all-equal", "signed-zeros", "wide"};

std::vector<float> make_bounds(BoundsKind kind, uint32_t k) {
  std::vector<float> b(k - 1);
  std::vector<float> pool;
  switch (kind) {
    case kRandomBounds:
      for (float& v : b) v = static_cast<float>(uniform(-10.0, 10.0));
      break;
    case kDuplicates:  // a few distinct values, so most bounds repeat
      for (int j = 0, m = rnd_int(1, 5); j < m; ++j) pool.push_back(static_cast<float>(uniform(-3.0, 3.0)));
      for (float& v : b) v = pool[rnd_int(0, static_cast<int>(pool.size()) - 1)];
      break;
    case kAllEqual: {
      const float c = rnd_int(0, 1) ? 0.0f : static_cast<float>(uniform(-3.0, 3.0));
      for (float& v : b) v = c;
      break;
    }
    case kSignedZeros: {  // -0 and +0 compare equal, so any order of them is sorted
      const float vals[] = {-1.0f, -0.0f, 0.0f, 1e-45f, -1e-45f, 1.0f};
      for (float& v : b) v = vals[rnd_int(0, 5)];
      break;
    }
    default:
      for (float& v : b) v = random_finite();
      break;
  }
  std::stable_sort(b.begin(), b.end());
  return b;
}

enum XKind { kNear, kOnBounds, kSpecialKind, kRandomBitsX, kNumXKinds };
const char* const kXNames[] = {"near", "on-bounds", "special", "random-bits"};

const float kSpecialX[] = {0.0f,     -0.0f,    FLT_MAX, -FLT_MAX, 1e38f,  -1e38f, FLT_MIN, -FLT_MIN,
                           1e-45f,   -1e-45f,  1e-40f,  -3e-39f,  1e-30f, -1e-30f, 1.0f,   -1.0f,
                           16777216.0f, -16777216.0f};
constexpr size_t kNumSpecialX = sizeof(kSpecialX) / sizeof(kSpecialX[0]);

float gen_x(XKind kind, const std::vector<float>& b) {
  const int r = rnd_int(0, 9);
  switch (kind) {
    case kNear:
      return r < 8 ? static_cast<float>(uniform(-12.0, 12.0)) : nudge(b[rnd_int(0, b.size() - 1)], rnd_int(-2, 2));
    case kOnBounds:  // exactly a bound (mostly) or one ulp away
      return r < 6 ? b[rnd_int(0, b.size() - 1)] : nudge(b[rnd_int(0, b.size() - 1)], r < 8 ? 1 : -1);
    case kSpecialKind:
      return r < 7 ? kSpecialX[rnd_int(0, kNumSpecialX - 1)] : b[rnd_int(0, b.size() - 1)];
    default:
      return r < 8 ? random_finite() : b[rnd_int(0, b.size() - 1)];
  }
}

void run_assign(const Table& t, const std::string& what, const float* x, size_t n, const std::vector<float>& b,
                uint32_t k, size_t bo, size_t io) {
  Buf<float> bounds(bo, k - 1);
  memcpy(bounds.at(bo), b.data(), (k - 1) * sizeof(float));
  Buf<uint8_t> want(0, n), got(io, n, kGuard);
  fill_sentinel(got);
  mp::codebook_scalar.assign(x, n, bounds.at(bo), k, want.at(0));
  t.k->assign(x, n, bounds.at(bo), k, got.at(io));
  compare_bytes(t, "assign", what, n, got, io, want.at(0), x);
}

void check_assign(const Table& t, const std::vector<size_t>& lengths) {
  for (uint32_t k = 2; k <= 256; k *= 2) {
    for (int bk = 0; bk < kNumBoundsKinds; ++bk) {
      const std::vector<float> b = make_bounds(static_cast<BoundsKind>(bk), k);
      for (int xk = 0; xk < kNumXKinds; ++xk) {
        const std::string what = fmt("k=%u bounds=%s x=%s", k, kBoundsNames[bk], kXNames[xk]);
        for (size_t li = 0; li < lengths.size(); ++li) {
          const size_t n = lengths[li];
          const size_t xo = (li + xk) % 4, io = (li / 4 + bk) % 4, bo = (li / 16) % 4;
          Buf<float> x(xo, n);
          for (size_t i = 0; i < xo + n; ++i) x.p[i] = gen_x(static_cast<XKind>(xk), b);
          run_assign(t, what, x.at(xo), n, b, k, bo, io);
        }
      }
      // Every bound, and one and two ulps either side of it, in one call.
      std::vector<float> xs;
      for (float v : b)
        for (int d = -2; d <= 2; ++d) xs.push_back(nudge(v, d));
      run_assign(t, fmt("k=%u bounds=%s x=every-bound", k, kBoundsNames[bk]), xs.data(), xs.size(), b, k, 1, 3);
    }
  }
}

// ---------------------------------------------------------------------------
// min_dist

enum D2Kind { kInf, kRandomD2, kTied, kNegZero, kMixed, kNumD2Kinds };
const char* const kD2Names[] = {"+inf", "random", "tied", "-0", "mixed"};

void check_min_dist(const Table& t, const std::vector<size_t>& lengths) {
  const float kCentres[] = {0.0f, -0.0f, 1.5f, -3.25f, 1e-40f, 1e30f, -FLT_MAX, 0.1f};
  for (float c : kCentres) {
    for (int dk = 0; dk < kNumD2Kinds; ++dk) {
      for (size_t li = 0; li < lengths.size(); ++li) {
        const size_t n = lengths[li];
        const size_t xo = (li + dk) % 4, dof = (li / 4) % 4;
        Buf<float> x(xo, n);
        for (size_t i = 0; i < xo + n; ++i) {
          const int r = rnd_int(0, 19);
          x.p[i] = r == 0   ? kSpecialX[rnd_int(0, kNumSpecialX - 1)]
                   : r == 1 ? random_finite()
                   : r == 2 ? c
                            : static_cast<float>(uniform(-4.0, 4.0));
        }
        Buf<float> want(0, n), got(dof, n, kGuard);
        fill_sentinel(got);
        for (size_t i = 0; i < n; ++i) {
          const float d = x.at(xo)[i] - c;
          const float s = d * d;  // what the kernel will compute (contraction is off)
          const D2Kind kind = dk == kMixed ? static_cast<D2Kind>(rnd_int(0, kMixed - 1)) : static_cast<D2Kind>(dk);
          float v;
          switch (kind) {
            case kInf: v = INFINITY; break;
            case kRandomD2:
              v = rnd_int(0, 9) == 0 ? random_finite() : static_cast<float>(uniform(0.0, 20.0));
              break;
            case kTied: v = rnd_int(0, 3) == 0 ? nudge(s, rnd_int(-1, 1)) : s; break;
            default: v = rnd_int(0, 1) ? -0.0f : NAN; break;
          }
          want.p[i] = v;
          got.at(dof)[i] = v;
        }
        mp::codebook_scalar.min_dist(x.at(xo), n, c, want.at(0));
        t.k->min_dist(x.at(xo), n, c, got.at(dof));
        ++g_checks;
        if (!guards_intact(got, dof, n)) {
          fail(t.name, "min_dist", fmt("c=%g d2=%s n=%zu off=%zu: wrote outside [0, n)", c, kD2Names[dk], n, dof));
          continue;
        }
        for (size_t i = 0; i < n; ++i) {
          if (bits_of(want.p[i]) != bits_of(got.at(dof)[i])) {
            fail(t.name, "min_dist",
                 fmt("c=%g d2=%s n=%zu i=%zu x=%.9g: want 0x%08x got 0x%08x", c, kD2Names[dk], n, i,
                     x.at(xo)[i], bits_of(want.p[i]), bits_of(got.at(dof)[i])));
            break;
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// lookup

void check_lookup(const Table& t, const std::vector<size_t>& lengths) {
  for (int rep = 0; rep < 4; ++rep) {
    Buf<float> table(rep, 256);
    for (size_t j = 0; j < 256; ++j)  // rep 0: index-valued; else arbitrary bits
      table.at(rep)[j] = rep == 0 ? static_cast<float>(j) : rep == 1 ? random_finite() : from_bits(rnd32());
    for (size_t li = 0; li < lengths.size(); ++li) {
      const size_t n = lengths[li];
      const size_t io = (li + rep) % 4, oo = (li / 4) % 4;
      Buf<uint8_t> idx(io, n);
      for (size_t i = 0; i < io + n; ++i)
        idx.p[i] = static_cast<uint8_t>(rep == 3 ? (i * 37 + li) & 255 : rnd32());
      Buf<float> want(0, n), got(oo, n, kGuard);
      fill_sentinel(got);
      mp::codebook_scalar.lookup(idx.at(io), n, table.at(rep), want.at(0));
      t.k->lookup(idx.at(io), n, table.at(rep), got.at(oo));
      ++g_checks;
      if (!guards_intact(got, oo, n)) {
        fail(t.name, "lookup", fmt("rep=%d n=%zu off=%zu: wrote outside [0, n)", rep, n, oo));
        continue;
      }
      for (size_t i = 0; i < n; ++i) {
        if (bits_of(want.p[i]) != bits_of(got.at(oo)[i])) {
          fail(t.name, "lookup",
               fmt("rep=%d n=%zu i=%zu idx=%d: want 0x%08x got 0x%08x", rep, n, i, idx.at(io)[i],
                   bits_of(want.p[i]), bits_of(got.at(oo)[i])));
          break;
        }
      }
    }
    // Every index, in order and reversed, in one call.
    uint8_t all[512];
    for (int j = 0; j < 256; ++j) all[j] = static_cast<uint8_t>(j), all[256 + j] = static_cast<uint8_t>(255 - j);
    Buf<float> want(0, 512), got(1, 512, kGuard);
    fill_sentinel(got);
    mp::codebook_scalar.lookup(all, 512, table.at(rep), want.at(0));
    t.k->lookup(all, 512, table.at(rep), got.at(1));
    ++g_checks;
    if (!guards_intact(got, 1, 512) || memcmp(want.at(0), got.at(1), 512 * sizeof(float)) != 0)
      fail(t.name, "lookup", fmt("rep=%d every index: mismatch", rep));
  }
}

// ---------------------------------------------------------------------------
// pow2_quantize

void run_pow2(const Table& t, const std::string& what, const float* x, size_t n, int32_t emin, int32_t emax,
              size_t co) {
  Buf<uint8_t> want(0, n), got(co, n, kGuard);
  fill_sentinel(got);
  mp::codebook_scalar.pow2_quantize(x, n, emin, emax, want.at(0));
  t.k->pow2_quantize(x, n, emin, emax, got.at(co));
  compare_bytes(t, "pow2_quantize", fmt("emin=%d emax=%d %s", emin, emax, what.c_str()), n, got, co, want.at(0),
                x);
}

// The interesting inputs for (emin, emax): +-2^e, +-1.5 * 2^e (the midpoints) for
// every normal e, and 2^(emin - 1), each with a few ulps either side; subnormals,
// +-0 and the largest floats; then random finite bit patterns.
std::vector<float> pow2_inputs(int32_t emin, size_t n_random) {
  std::vector<float> xs;
  for (int e = -126; e <= 127; ++e) {
    for (float base : {ldexpf(1.0f, e), ldexpf(1.5f, e)}) {
      for (int d = -2; d <= 2; ++d) {
        const float v = nudge(base, d);
        if (!isfinite(v)) continue;
        xs.push_back(v);
        xs.push_back(-v);
      }
    }
  }
  const float half_min = ldexpf(1.0f, emin - 1);
  for (int d = -3; d <= 3; ++d) xs.push_back(nudge(half_min, d)), xs.push_back(-nudge(half_min, d));
  for (float v : {0.0f, -0.0f, 1e-45f, -1e-45f, 1e-40f, -1e-40f, nextafterf(FLT_MIN, 0.0f), FLT_MIN, -FLT_MIN,
                  FLT_MAX, -FLT_MAX, 3e38f, -3e38f})
    xs.push_back(v);
  for (size_t i = 0; i < n_random; ++i) xs.push_back(random_finite());
  return xs;
}

void check_pow2(const Table& t, const std::vector<size_t>& lengths) {
  // Every emin with the narrowest, widest and some random ranges.
  for (int32_t emin = -125; emin <= 127; ++emin) {
    const int32_t widest = std::min(127, emin + 126);
    std::vector<int32_t> emaxes = {emin, std::min(widest, emin + 1), widest, rnd_int(emin, widest)};
    for (int32_t emax : emaxes) {
      const std::vector<float> xs = pow2_inputs(emin, 200);
      run_pow2(t, "sweep", xs.data(), xs.size(), emin, emax, static_cast<size_t>(emax & 3));
    }
  }
  // Every length and offset for a few ranges, including the extremes.
  const int32_t kRanges[][2] = {{-125, 1}, {1, 127}, {-125, -125}, {127, 127}, {-4, 3}, {-20, 0}, {-60, 60}};
  for (const auto& r : kRanges) {
    for (size_t li = 0; li < lengths.size(); ++li) {
      const size_t n = lengths[li];
      const size_t xo = li % 4, co = (li / 4) % 4;
      const std::vector<float> pool = pow2_inputs(r[0], 64);
      Buf<float> x(xo, n);
      for (size_t i = 0; i < xo + n; ++i) {
        const int k = rnd_int(0, 3);
        const float v = static_cast<float>(ldexp(uniform(-2.0, 2.0), rnd_int(r[0] - 3, r[1] + 3)));
        x.p[i] = k == 0 ? pool[rnd_int(0, pool.size() - 1)] : k == 1 || !isfinite(v) ? random_finite() : v;
      }
      run_pow2(t, fmt("n-sweep xo=%zu", xo), x.at(xo), n, r[0], r[1], co);
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
    check_assign(t, lengths);
    check_min_dist(t, lengths);
    check_lookup(t, lengths);
    check_pow2(t, lengths);
  }
  if (tables.empty()) names = "none";
  printf("codebook_variants_test: %s  variants=%s  calls=%lld  mismatches=%lld\n", g_failures ? "FAIL" : "PASS",
         names.c_str(), g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
