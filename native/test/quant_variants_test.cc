// Checks every SIMD quantization table this CPU can run against the scalar
// reference (native/kernels/quant/ref.cc), bit for bit:
//   quantize / quantize_each      -> output bytes
//   dequantize / dequantize_each  -> output float bits
//   min_max                       -> non-finite flag, and min / max values (compared
//                                    with ==: which zero sign a variant keeps is
//                                    unspecified, the C ABI normalises it to +0)
//   min_max_each                  -> non-finite flag, and the bits of mins / maxs
// over lengths 0..300 and some larger ones, element offsets 0..3 of every pointer
// (0..15 for the min / max inputs and outputs, to hit every phase of a cache line),
// tiny / huge / ordinary scales, every interesting zero point, both qtypes, and data
// with exact ties, saturating values, NaN, +-Inf, denormals, -0 and FLT_MAX.
// Every call gets freshly allocated buffers of exactly the size it may touch (so
// AddressSanitizer sees overruns) plus guard bytes after the output that must
// stay untouched. Exits 1 on any mismatch.
//
// Build and run: native/test/run.sh
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "../dispatch/cpu_features.h"
#include "variant_test_util.h"
#include "../kernels/quant/quant_kernels.h"

namespace {

using mp::QuantKernels;

struct Table {
  const char* name;
  const QuantKernels* k;
};

std::vector<Table> runnable_tables() {
  std::vector<Table> t;
  const mp::CpuFeatures& f = mp::cpu_features();
  (void)f;
#if defined(__x86_64__) || defined(_M_X64)
  if (f.avx2) t.push_back({"avx2", &mp::quant_avx2});
  if (f.avx512) t.push_back({"avx512", &mp::quant_avx512});
#endif
#if defined(__aarch64__)
  if (f.neon) t.push_back({"neon", &mp::quant_neon});
#endif
#if defined(__wasm_simd128__)
  t.push_back({"simd128", &mp::quant_simd128});
#endif
  return t;
}

// ---------------------------------------------------------------------------
// Buffers: exactly `off + n` elements (ASan catches reads past them) and, for
// outputs, kGuard extra elements that must come back unchanged.

constexpr size_t kGuard = 64;

// ---------------------------------------------------------------------------
// Data

const float kSpecials[] = {
    NAN, -NAN, INFINITY, -INFINITY, 0.0f, -0.0f, FLT_MAX, -FLT_MAX, FLT_MIN, -FLT_MIN,
    1e-45f, -1e-45f, 1e-40f, -3e-39f, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 127.5f, -128.5f,
    255.5f, 254.5f, 1024.5f, -1024.5f, 2147483648.0f, -2147483648.0f, 4294967296.0f, 1e20f,
    -1e20f, 8388607.5f, 8388608.0f, 16777217.0f};
constexpr size_t kNumSpecials = sizeof(kSpecials) / sizeof(kSpecials[0]);

enum Kind { kWide, kTies, kSpecial, kRandomBits, kNumKinds };
const char* const kKindNames[] = {"wide", "ties", "special", "random-bits"};

// One element of the given kind, for quantizing with `scale`. kWide and kTies are
// always finite; kSpecial and kRandomBits are not.
float gen(Kind kind, float scale) {
  switch (kind) {
    case kWide: {
      // Magnitudes spread over the whole float range, many near the quantized range.
      const int e = rnd_int(0, 3) == 0 ? rnd_int(-149, 127) : rnd_int(-3, 9);
      float v = static_cast<float>(ldexp(uniform(1.0, 2.0), e) * (scale < 1e-20f || scale > 1e20f ? 1.0 : scale));
      if (!isfinite(v)) v = FLT_MAX;
      return rnd_int(0, 1) ? v : -v;
    }
    case kTies: {
      // (k + 0.5) * scale: x / scale lands on or right next to a tie.
      const float v = static_cast<float>((rnd_int(-300, 300) + 0.5) * scale);
      return isfinite(v) ? v : 0.5f;
    }
    case kSpecial:
      return rnd_int(0, 2) == 0 ? kSpecials[rnd_int(0, kNumSpecials - 1)] : gen(kTies, scale);
    default:
      return from_bits(rnd32());
  }
}

const float kScales[] = {1.0f, 0.5f, 0.1f, 0.0123f, 3.7f, 100.0f, 1e-30f, 1e30f, 1e-40f,
                         FLT_MIN, FLT_MAX, 7.1e-3f};
constexpr size_t kNumScales = sizeof(kScales) / sizeof(kScales[0]);

struct QType {
  const char* name;
  int32_t qmin, qmax;
  bool is_signed;
  std::vector<int32_t> zps;
};
const QType kQTypes[] = {{"int8", -128, 127, true, {-128, 0, 5, 127}},
                         {"uint8", 0, 255, false, {0, 128, 255}}};

std::vector<size_t> test_lengths() {
  std::vector<size_t> v;
  for (size_t n = 0; n <= 300; ++n) v.push_back(n);
  for (size_t n : {511, 512, 513, 1023, 1024, 4096 + 7, 65536 + 13}) v.push_back(n);
  return v;
}

// Element offsets (xo for the input, oo for the output) used for the i-th length:
// all 16 combinations come round again and again.
void offsets_for(size_t i, size_t* xo, size_t* oo) {
  *xo = i % 4;
  *oo = (i / 4) % 4;
}

// ---------------------------------------------------------------------------
// Quantize

void check_quantize(const Table& t, const QType& qt, const std::vector<size_t>& lengths) {
  for (float scale : kScales) {
    for (int32_t zp : qt.zps) {
      for (int kind = 0; kind < kNumKinds; ++kind) {
        for (size_t li = 0; li < lengths.size(); ++li) {
          const size_t n = lengths[li];
          size_t xo, oo;
          offsets_for(li + kind, &xo, &oo);
          Buf<float> x(xo, n);
          for (size_t i = 0; i < xo + n; ++i) x.p[i] = gen(static_cast<Kind>(kind), scale);
          Buf<uint8_t> want(0, n), got(oo, n, kGuard);
          fill_sentinel(got);
          mp::quant_scalar.quantize(x.at(xo), want.at(0), n, scale, zp, qt.qmin, qt.qmax);
          t.k->quantize(x.at(xo), got.at(oo), n, scale, zp, qt.qmin, qt.qmax);
          ++g_checks;
          if (!guards_intact(got, oo, n)) {
            fail(t.name, "quantize", fmt("%s n=%zu out_off=%zu: wrote outside [0, n)", qt.name, n, oo));
            continue;
          }
          for (size_t i = 0; i < n; ++i) {
            if (want.p[i] != got.at(oo)[i]) {
              const float xi = x.at(xo)[i];
              fail(t.name, "quantize",
                   fmt("%s %s n=%zu x_off=%zu out_off=%zu i=%zu x=%.9g (0x%08x) scale=%.9g zp=%d: "
                       "want %d got %d",
                       qt.name, kKindNames[kind], n, xo, oo, i, xi, bits_of(xi), scale, zp,
                       want.p[i], got.at(oo)[i]));
              break;
            }
          }
        }
      }
    }
  }
}

void check_quantize_each(const Table& t, const QType& qt, const std::vector<size_t>& lengths) {
  for (int kind = 0; kind < kNumKinds; ++kind) {
    for (int rep = 0; rep < 4; ++rep) {
      for (size_t li = 0; li < lengths.size(); ++li) {
        const size_t n = lengths[li];
        size_t xo, oo;
        offsets_for(li + rep, &xo, &oo);
        const size_t so = (li / 16 + rep) % 4;  // offset of scales / zps
        Buf<float> x(xo, n), s(so, n);
        Buf<int32_t> z(so, n);
        for (size_t i = 0; i < so + n; ++i) {
          s.p[i] = kScales[rnd_int(0, kNumScales - 1)];
          z.p[i] = qt.zps[rnd_int(0, qt.zps.size() - 1)];
        }
        for (size_t i = 0; i < n; ++i) x.at(xo)[i] = gen(static_cast<Kind>(kind), s.at(so)[i]);
        for (size_t i = 0; i < xo; ++i) x.p[i] = 0.0f;
        Buf<uint8_t> want(0, n), got(oo, n, kGuard);
        fill_sentinel(got);
        mp::quant_scalar.quantize_each(x.at(xo), want.at(0), n, s.at(so), z.at(so), qt.qmin, qt.qmax);
        t.k->quantize_each(x.at(xo), got.at(oo), n, s.at(so), z.at(so), qt.qmin, qt.qmax);
        ++g_checks;
        if (!guards_intact(got, oo, n)) {
          fail(t.name, "quantize_each", fmt("%s n=%zu out_off=%zu: wrote outside [0, n)", qt.name, n, oo));
          continue;
        }
        for (size_t i = 0; i < n; ++i) {
          if (want.p[i] != got.at(oo)[i]) {
            const float xi = x.at(xo)[i];
            fail(t.name, "quantize_each",
                 fmt("%s %s n=%zu i=%zu x=%.9g (0x%08x) scale=%.9g zp=%d: want %d got %d", qt.name,
                     kKindNames[kind], n, i, xi, bits_of(xi), s.at(so)[i], z.at(so)[i], want.p[i],
                     got.at(oo)[i]));
            break;
          }
        }
      }
    }
  }
}

void check_quantize_exhaustive_ties(const Table& t, const QType& qt) {
  // x / scale = k / 2 for every half-integer k / 2 in [-600, 600]: all ties with scale
  // a power of two, and plenty of near-ties otherwise.
  for (float scale : kScales) {
    for (int32_t zp : qt.zps) {
      const size_t n = 2401;
      Buf<float> x(1, n);
      for (size_t i = 0; i < n + 1; ++i) x.p[i] = static_cast<float>((static_cast<double>(i) - 1201.0) / 2.0 * scale);
      Buf<uint8_t> want(0, n), got(3, n, kGuard);
      fill_sentinel(got);
      mp::quant_scalar.quantize(x.at(1), want.at(0), n, scale, zp, qt.qmin, qt.qmax);
      t.k->quantize(x.at(1), got.at(3), n, scale, zp, qt.qmin, qt.qmax);
      ++g_checks;
      if (!guards_intact(got, 3, n) || memcmp(want.at(0), got.at(3), n) != 0)
        fail(t.name, "quantize", fmt("%s tie sweep scale=%.9g zp=%d differs", qt.name, scale, zp));
    }
  }
}

void check_quantize_near_boundaries(const Table& t, const QType& qt) {
  // For random scales over the whole float range, x within a few ulps of
  // float((k + 0.5) * scale): the values where a quotient computed any other way
  // than a float32 division would first round differently.
  for (int trial = 0; trial < 300; ++trial) {
    const float scale = static_cast<float>(ldexp(uniform(1.0, 2.0), rnd_int(trial < 20 ? -149 : -30, trial < 20 ? 127 : 30)));
    if (!(scale > 0) || !isfinite(scale)) continue;
    const int32_t zp = qt.zps[trial % qt.zps.size()];
    std::vector<float> xs;
    for (int k = -270; k <= 270; ++k) {
      const float centre = static_cast<float>((k + 0.5) * static_cast<double>(scale));
      float down = centre, up = centre;
      xs.push_back(centre);
      for (int step = 0; step < 3; ++step) {
        down = nextafterf(down, -INFINITY);
        up = nextafterf(up, INFINITY);
        xs.push_back(down);
        xs.push_back(up);
      }
    }
    const size_t n = xs.size();
    Buf<uint8_t> want(0, n), got(1, n, kGuard);
    fill_sentinel(got);
    mp::quant_scalar.quantize(xs.data(), want.at(0), n, scale, zp, qt.qmin, qt.qmax);
    t.k->quantize(xs.data(), got.at(1), n, scale, zp, qt.qmin, qt.qmax);
    ++g_checks;
    if (!guards_intact(got, 1, n) || memcmp(want.at(0), got.at(1), n) != 0)
      fail(t.name, "quantize", fmt("%s near-boundary sweep scale=%.9g zp=%d differs", qt.name, scale, zp));
  }
}

// ---------------------------------------------------------------------------
// Dequantize

void compare_floats(const Table& t, const char* fn, const QType& qt, size_t n, size_t oo,
                    const uint8_t* q, const float* want, Buf<float>& got, const char* extra) {
  if (!guards_intact(got, oo, n)) {
    fail(t.name, fn, fmt("%s n=%zu out_off=%zu: wrote outside [0, n)", qt.name, n, oo));
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    if (bits_of(want[i]) != bits_of(got.at(oo)[i])) {
      fail(t.name, fn,
           fmt("%s n=%zu i=%zu q=%d %s: want %.9g (0x%08x) got %.9g (0x%08x)", qt.name, n, i,
               q[i], extra, want[i], bits_of(want[i]), got.at(oo)[i], bits_of(got.at(oo)[i])));
      return;
    }
  }
}

void check_dequantize(const Table& t, const QType& qt, const std::vector<size_t>& lengths) {
  for (float scale : kScales) {
    for (int32_t zp : qt.zps) {
      for (size_t li = 0; li < lengths.size(); ++li) {
        const size_t n = lengths[li];
        size_t qo, oo;
        offsets_for(li, &qo, &oo);
        Buf<uint8_t> q(qo, n);
        for (size_t i = 0; i < qo + n; ++i) q.p[i] = static_cast<uint8_t>(rnd32());
        Buf<float> want(0, n), got(oo, n, kGuard);
        fill_sentinel(got);
        mp::quant_scalar.dequantize(q.at(qo), want.at(0), n, qt.is_signed, scale, zp);
        t.k->dequantize(q.at(qo), got.at(oo), n, qt.is_signed, scale, zp);
        ++g_checks;
        compare_floats(t, "dequantize", qt, n, oo, q.at(qo), want.at(0), got,
                       fmt("scale=%.9g zp=%d q_off=%zu", scale, zp, qo).c_str());
      }
    }
  }
}

void check_dequantize_each(const Table& t, const QType& qt, const std::vector<size_t>& lengths) {
  for (int rep = 0; rep < 4; ++rep) {
    for (size_t li = 0; li < lengths.size(); ++li) {
      const size_t n = lengths[li];
      size_t qo, oo;
      offsets_for(li + rep, &qo, &oo);
      const size_t so = (li / 16 + rep) % 4;
      Buf<uint8_t> q(qo, n);
      Buf<float> s(so, n);
      Buf<int32_t> z(so, n);
      for (size_t i = 0; i < qo + n; ++i) q.p[i] = static_cast<uint8_t>(rnd32());
      for (size_t i = 0; i < so + n; ++i) {
        s.p[i] = kScales[rnd_int(0, kNumScales - 1)];
        z.p[i] = qt.zps[rnd_int(0, qt.zps.size() - 1)];
      }
      Buf<float> want(0, n), got(oo, n, kGuard);
      fill_sentinel(got);
      mp::quant_scalar.dequantize_each(q.at(qo), want.at(0), n, qt.is_signed, s.at(so), z.at(so));
      t.k->dequantize_each(q.at(qo), got.at(oo), n, qt.is_signed, s.at(so), z.at(so));
      ++g_checks;
      compare_floats(t, "dequantize_each", qt, n, oo, q.at(qo), want.at(0), got, "per-element");
    }
  }
}

// ---------------------------------------------------------------------------
// Min / max

// Finite data of various kinds, optionally with one non-finite value planted.
void fill_min_max_data(float* x, size_t n, int kind, size_t* planted) {
  for (size_t i = 0; i < n; ++i) {
    float v = gen(kind == 0 ? kWide : kind == 1 ? kTies : kSpecial, 1.0f);
    if (!isfinite(v)) v = rnd_int(0, 1) ? -0.0f : FLT_MAX;
    x[i] = v;
  }
  *planted = n;
  if (n > 0 && rnd_int(0, 2) == 0) {
    const float bad[] = {NAN, -NAN, INFINITY, -INFINITY, from_bits(0x7f800001u), from_bits(0xffc12345u)};
    // Favour the last elements (the tail paths) and the first one.
    const int where = rnd_int(0, 3);
    *planted = where == 0 ? 0 : where == 1 ? n - 1 : static_cast<size_t>(rnd_int(0, static_cast<int>(n) - 1));
    x[*planted] = bad[rnd_int(0, 5)];
  }
}

float initial_bound(bool is_min) {
  switch (rnd_int(0, 3)) {
    case 0:
    case 1: return is_min ? INFINITY : -INFINITY;
    case 2: return static_cast<float>(uniform(-10, 10));
    default: return rnd_int(0, 1) ? 0.0f : -0.0f;
  }
}

// Sometimes x itself or -x (equal values, zeros of the other sign), else a bound.
float near_or_bound(float x, bool is_min) {
  switch (rnd_int(0, 5)) {
    case 0: return x;
    case 1: return -x;
    default: return initial_bound(is_min);
  }
}

void check_min_max(const Table& t, const std::vector<size_t>& lengths) {
  for (int kind = 0; kind < 3; ++kind) {
    for (int rep = 0; rep < 4; ++rep) {
      for (size_t li = 0; li < lengths.size(); ++li) {
        const size_t n = lengths[li];
        const size_t xo = (li + rep) % 16;  // also every phase of a 64-byte line
        Buf<float> x(xo, n);
        for (size_t i = 0; i < xo; ++i) x.p[i] = NAN;  // must not be read
        size_t planted;
        fill_min_max_data(x.at(xo), n, kind, &planted);
        float want_mn = initial_bound(true), want_mx = initial_bound(false);
        float got_mn = want_mn, got_mx = want_mx;
        const bool want_bad = mp::quant_scalar.min_max(x.at(xo), n, &want_mn, &want_mx);
        const bool got_bad = t.k->min_max(x.at(xo), n, &got_mn, &got_mx);
        ++g_checks;
        if (want_bad != got_bad) {
          fail(t.name, "min_max", fmt("n=%zu x_off=%zu non-finite at %zu: want %d got %d", n, xo, planted,
                                      want_bad, got_bad));
        } else if (!want_bad && (want_mn != got_mn || want_mx != got_mx)) {
          fail(t.name, "min_max", fmt("n=%zu x_off=%zu: want [%.9g, %.9g] got [%.9g, %.9g]", n, xo,
                                      want_mn, want_mx, got_mn, got_mx));
        }
      }
    }
  }
}

void check_min_max_each(const Table& t, const std::vector<size_t>& lengths) {
  for (int kind = 0; kind < 3; ++kind) {
    for (int rep = 0; rep < 2; ++rep) {
      for (size_t li = 0; li < lengths.size(); ++li) {
        const size_t n = lengths[li];
        const size_t xo = (li + rep) % 4, mo = (li / 4 + rep) % 16;
        Buf<float> x(xo, n), want_mn(0, n), want_mx(0, n), got_mn(mo, n, kGuard), got_mx(mo, n, kGuard);
        for (size_t i = 0; i < xo; ++i) x.p[i] = NAN;
        size_t planted;
        fill_min_max_data(x.at(xo), n, kind, &planted);
        fill_sentinel(got_mn);
        fill_sentinel(got_mx);
        for (size_t i = 0; i < n; ++i) {
          // Also some bounds the data cannot beat, and equal values of either zero sign.
          want_mn.p[i] = got_mn.at(mo)[i] = near_or_bound(x.at(xo)[i], true);
          want_mx.p[i] = got_mx.at(mo)[i] = near_or_bound(x.at(xo)[i], false);
        }
        const bool want_bad = mp::quant_scalar.min_max_each(x.at(xo), n, want_mn.at(0), want_mx.at(0));
        const bool got_bad = t.k->min_max_each(x.at(xo), n, got_mn.at(mo), got_mx.at(mo));
        ++g_checks;
        if (want_bad != got_bad) {
          fail(t.name, "min_max_each", fmt("n=%zu non-finite at %zu: want %d got %d", n, planted,
                                           want_bad, got_bad));
          continue;
        }
        if (!guards_intact(got_mn, mo, n) || !guards_intact(got_mx, mo, n)) {
          fail(t.name, "min_max_each", fmt("n=%zu off=%zu: wrote outside [0, n)", n, mo));
          continue;
        }
        if (want_bad) continue;  // mins / maxs unspecified
        for (size_t i = 0; i < n; ++i) {
          if (bits_of(want_mn.p[i]) != bits_of(got_mn.at(mo)[i]) ||
              bits_of(want_mx.p[i]) != bits_of(got_mx.at(mo)[i])) {
            fail(t.name, "min_max_each",
                 fmt("n=%zu i=%zu x=%.9g: want [%.9g, %.9g] got [%.9g, %.9g]", n, i, x.at(xo)[i],
                     want_mn.p[i], want_mx.p[i], got_mn.at(mo)[i], got_mx.at(mo)[i]));
            break;
          }
        }
      }
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
    for (const QType& qt : kQTypes) {
      check_quantize(t, qt, lengths);
      check_quantize_each(t, qt, lengths);
      check_quantize_exhaustive_ties(t, qt);
      check_quantize_near_boundaries(t, qt);
      check_dequantize(t, qt, lengths);
      check_dequantize_each(t, qt, lengths);
    }
    check_min_max(t, lengths);
    check_min_max_each(t, lengths);
  }
  if (tables.empty()) names = "none";
  if (g_failures > 0) {
    printf("quant_variants_test: FAIL  variants=%s  calls=%lld  mismatches=%lld\n", names.c_str(),
           g_checks, g_failures);
    return 1;
  }
  printf("quant_variants_test: PASS  variants=%s  calls=%lld  mismatches=0\n", names.c_str(), g_checks);
  return 0;
}
