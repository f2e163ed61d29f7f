// Checks every SIMD quantization-aware-training table this CPU can run against the
// scalar reference (native/kernels/qat/ref.cc), bit for bit:
//   fake_quantize / fake_quantize_each -> output float bits and mask bytes
//   mask_gradient                      -> output float bits
// over lengths 0..300 and some larger ones, element offsets 0..3 of every pointer,
// tiny / huge / ordinary scales, every interesting zero point, both qtypes, and data
// with exact ties, saturating values, values at the exact saturation edges (and a
// few ulps either side), NaN, +-Inf, denormals, -0 and FLT_MAX; gradients with NaN
// under zero masks and mask bytes other than 0 / 1. Every call gets freshly
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
#include "../kernels/qat/qat_kernels.h"

namespace {

using mp::QatKernels;

struct Table {
  const char* name;
  const QatKernels* k;
};

std::vector<Table> runnable_tables() {
  std::vector<Table> t;
  const mp::CpuFeatures& f = mp::cpu_features();
  (void)f;
#if defined(__x86_64__) || defined(_M_X64)
  if (f.avx2) t.push_back({"avx2", &mp::qat_avx2});
  if (f.avx512) t.push_back({"avx512", &mp::qat_avx512});
#endif
#if defined(__aarch64__)
  if (f.neon) t.push_back({"neon", &mp::qat_neon});
#endif
#if defined(__wasm_simd128__)
  t.push_back({"simd128", &mp::qat_simd128});
#endif
  return t;
}

constexpr size_t kGuard = 64;

// ---------------------------------------------------------------------------
// Data

const float kSpecials[] = {
    NAN, -NAN, INFINITY, -INFINITY, 0.0f, -0.0f, FLT_MAX, -FLT_MAX, FLT_MIN, -FLT_MIN,
    1e-45f, -1e-45f, 1e-40f, -3e-39f, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 127.5f, -128.5f,
    255.5f, 254.5f, 1024.5f, -1024.5f, 2147483648.0f, -2147483648.0f, 4294967296.0f, 1e20f,
    -1e20f, 8388607.5f, 8388608.0f, 16777217.0f};
constexpr size_t kNumSpecials = sizeof(kSpecials) / sizeof(kSpecials[0]);

struct QType {
  const char* name;
  int32_t qmin, qmax;
  std::vector<int32_t> zps;
};
const QType kQTypes[] = {{"int8", -128, 127, {-128, 0, 5, 127}}, {"uint8", 0, 255, {0, 128, 255}}};

enum Kind { kWide, kTies, kEdges, kSpecial, kRandomBits, kNumKinds };
const char* const kKindNames[] = {"wide", "ties", "edges", "special", "random-bits"};

// x near (k + d) * scale for k a saturation edge (qmin - zp or qmax - zp), d in
// {-1, -0.5, 0, 0.5, 1}, moved by up to 2 ulps.
float edge_value(float scale, int32_t zp, const QType& qt) {
  const int32_t k = rnd_int(0, 1) ? qt.qmin - zp : qt.qmax - zp;
  const double d = rnd_int(-2, 2) * 0.5;
  float v = static_cast<float>((k + d) * static_cast<double>(scale));
  if (!isfinite(v)) return 0.5f;
  for (int s = rnd_int(-2, 2); s != 0; s += s > 0 ? -1 : 1) v = nextafterf(v, s > 0 ? INFINITY : -INFINITY);
  return v;
}

// One element of the given kind, for quantizing with `scale` and `zp`. kWide, kTies
// and kEdges are finite; kSpecial and kRandomBits need not be.
float gen(Kind kind, float scale, int32_t zp, const QType& qt) {
  switch (kind) {
    case kWide: {
      // Magnitudes spread over the whole float range, many near the quantized range.
      const int e = rnd_int(0, 3) == 0 ? rnd_int(-149, 127) : rnd_int(-3, 9);
      float v = static_cast<float>(ldexp(uniform(1.0, 2.0), e) *
                                   (scale < 1e-20f || scale > 1e20f ? 1.0 : scale));
      if (!isfinite(v)) v = FLT_MAX;
      return rnd_int(0, 1) ? v : -v;
    }
    case kTies: {
      // (k + 0.5) * scale: x / scale lands on or right next to a tie.
      const float v = static_cast<float>((rnd_int(-300, 300) + 0.5) * scale);
      return isfinite(v) ? v : 0.5f;
    }
    case kEdges:
      return edge_value(scale, zp, qt);
    case kSpecial:
      return rnd_int(0, 2) == 0 ? kSpecials[rnd_int(0, kNumSpecials - 1)] : gen(kTies, scale, zp, qt);
    default:
      return from_bits(rnd32());
  }
}

const float kScales[] = {1.0f, 0.5f, 0.1f, 0.0123f, 3.7f, 100.0f, 1e-30f, 1e30f, 1e-40f,
                         FLT_MIN, FLT_MAX, 7.1e-3f};
constexpr size_t kNumScales = sizeof(kScales) / sizeof(kScales[0]);

std::vector<size_t> test_lengths() {
  std::vector<size_t> v;
  for (size_t n = 0; n <= 300; ++n) v.push_back(n);
  for (size_t n : {511, 512, 513, 1023, 1024, 4096 + 7, 65536 + 13}) v.push_back(n);
  return v;
}

// ---------------------------------------------------------------------------
// Comparison of one fake-quantize call's outputs. Returns false on a mismatch.

struct FakeOut {
  Buf<float> out;
  Buf<uint8_t> mask;
  size_t oo, mo;
  FakeOut(size_t oo_, size_t mo_, size_t n) : out(oo_, n, kGuard), mask(mo_, n, kGuard), oo(oo_), mo(mo_) {
    fill_sentinel(out);
    fill_sentinel(mask);
  }
};

bool compare_fake(const Table& t, const char* fn, const char* what, size_t n, const float* x,
                  const float* scales, const int32_t* zps, size_t step, const float* want_out,
                  const uint8_t* want_mask, FakeOut& got) {
  ++g_checks;
  if (!guards_intact(got.out, got.oo, n) || !guards_intact(got.mask, got.mo, n)) {
    fail(t.name, fn, fmt("%s n=%zu out_off=%zu mask_off=%zu: wrote outside [0, n)", what, n, got.oo, got.mo));
    return false;
  }
  for (size_t i = 0; i < n; ++i) {
    const float o = got.out.at(got.oo)[i];
    const uint8_t m = got.mask.at(got.mo)[i];
    if (bits_of(o) != bits_of(want_out[i]) || m != want_mask[i]) {
      fail(t.name, fn,
           fmt("%s n=%zu i=%zu x=%.9g (0x%08x) scale=%.9g zp=%d: want %.9g (0x%08x) mask %d, "
               "got %.9g (0x%08x) mask %d",
               what, n, i, x[i], bits_of(x[i]), scales[i * step], zps[i * step], want_out[i],
               bits_of(want_out[i]), want_mask[i], o, bits_of(o), m));
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------
// fake_quantize

void check_fake_quantize(const Table& t, const QType& qt, const std::vector<size_t>& lengths) {
  for (float scale : kScales) {
    for (int32_t zp : qt.zps) {
      for (int kind = 0; kind < kNumKinds; ++kind) {
        for (size_t li = 0; li < lengths.size(); ++li) {
          const size_t n = lengths[li];
          const size_t xo = (li + kind) % 4, oo = (li / 4) % 4, mo = (li / 16 + kind) % 4;
          Buf<float> x(xo, n);
          for (size_t i = 0; i < xo + n; ++i) x.p[i] = gen(static_cast<Kind>(kind), scale, zp, qt);
          Buf<float> want(0, n);
          Buf<uint8_t> want_mask(0, n);
          FakeOut got(oo, mo, n);
          mp::qat_scalar.fake_quantize(x.at(xo), want.at(0), want_mask.at(0), n, scale, zp, qt.qmin, qt.qmax);
          t.k->fake_quantize(x.at(xo), got.out.at(oo), got.mask.at(mo), n, scale, zp, qt.qmin, qt.qmax);
          compare_fake(t, "fake_quantize", fmt("%s %s", qt.name, kKindNames[kind]).c_str(), n, x.at(xo),
                       &scale, &zp, 0, want.at(0), want_mask.at(0), got);
        }
      }
    }
  }
}

void check_fake_quantize_each(const Table& t, const QType& qt, const std::vector<size_t>& lengths) {
  for (int kind = 0; kind < kNumKinds; ++kind) {
    for (int rep = 0; rep < 4; ++rep) {
      for (size_t li = 0; li < lengths.size(); ++li) {
        const size_t n = lengths[li];
        const size_t xo = (li + rep) % 4, oo = (li / 4 + rep) % 4, mo = (li / 8) % 4,
                     so = (li / 16 + rep) % 4;
        Buf<float> x(xo, n), s(so, n);
        Buf<int32_t> z(so, n);
        for (size_t i = 0; i < so + n; ++i) {
          s.p[i] = kScales[rnd_int(0, kNumScales - 1)];
          z.p[i] = qt.zps[rnd_int(0, qt.zps.size() - 1)];
        }
        for (size_t i = 0; i < n; ++i)
          x.at(xo)[i] = gen(static_cast<Kind>(kind), s.at(so)[i], z.at(so)[i], qt);
        for (size_t i = 0; i < xo; ++i) x.p[i] = 0.0f;
        Buf<float> want(0, n);
        Buf<uint8_t> want_mask(0, n);
        FakeOut got(oo, mo, n);
        mp::qat_scalar.fake_quantize_each(x.at(xo), want.at(0), want_mask.at(0), n, s.at(so), z.at(so),
                                          qt.qmin, qt.qmax);
        t.k->fake_quantize_each(x.at(xo), got.out.at(oo), got.mask.at(mo), n, s.at(so), z.at(so), qt.qmin,
                                qt.qmax);
        compare_fake(t, "fake_quantize_each", fmt("%s %s", qt.name, kKindNames[kind]).c_str(), n,
                     x.at(xo), s.at(so), z.at(so), 1, want.at(0), want_mask.at(0), got);
      }
    }
  }
}

// Every half-integer quotient k / 2 in [-600, 600] and, for random scales over the
// whole float range, x within 3 ulps of (k + 0.5) * scale for every k around the
// quantized range: ties, and the exact saturation edges (qmin - zp - 0.5) * scale
// and (qmax - zp + 0.5) * scale where the mask flips.
void check_sweeps(const Table& t, const QType& qt) {
  std::vector<std::pair<float, int32_t>> cases;
  for (float scale : kScales)
    for (int32_t zp : qt.zps) cases.push_back({scale, zp});
  for (int trial = 0; trial < 200; ++trial) {
    const float scale = static_cast<float>(
        ldexp(uniform(1.0, 2.0), rnd_int(trial < 20 ? -149 : -30, trial < 20 ? 127 : 30)));
    if (scale > 0 && isfinite(scale)) cases.push_back({scale, qt.zps[trial % qt.zps.size()]});
  }
  for (size_t c = 0; c < cases.size(); ++c) {
    const float scale = cases[c].first;
    const int32_t zp = cases[c].second;
    std::vector<float> xs;
    if (c < kNumScales * qt.zps.size()) {
      for (int i = -1200; i <= 1200; ++i) xs.push_back(static_cast<float>(i / 2.0 * scale));
    }
    for (int k = qt.qmin - zp - 4; k <= qt.qmax - zp + 4; ++k) {
      const float centre = static_cast<float>((k + 0.5) * static_cast<double>(scale));
      float down = centre, up = centre;
      xs.push_back(centre);
      xs.push_back(-centre);
      for (int step = 0; step < 3; ++step) {
        down = nextafterf(down, -INFINITY);
        up = nextafterf(up, INFINITY);
        xs.push_back(down);
        xs.push_back(up);
      }
    }
    const size_t n = xs.size();
    Buf<float> want(0, n);
    Buf<uint8_t> want_mask(0, n);
    FakeOut got(1, 3, n);
    mp::qat_scalar.fake_quantize(xs.data(), want.at(0), want_mask.at(0), n, scale, zp, qt.qmin, qt.qmax);
    t.k->fake_quantize(xs.data(), got.out.at(1), got.mask.at(3), n, scale, zp, qt.qmin, qt.qmax);
    compare_fake(t, "fake_quantize", fmt("%s sweep", qt.name).c_str(), n, xs.data(), &scale, &zp, 0,
                 want.at(0), want_mask.at(0), got);
    // The same through the per-element entry point.
    std::vector<float> s(n, scale);
    std::vector<int32_t> z(n, zp);
    FakeOut got_each(2, 0, n);
    t.k->fake_quantize_each(xs.data(), got_each.out.at(2), got_each.mask.at(0), n, s.data(), z.data(),
                            qt.qmin, qt.qmax);
    compare_fake(t, "fake_quantize_each", fmt("%s sweep", qt.name).c_str(), n, xs.data(), s.data(),
                 z.data(), 1, want.at(0), want_mask.at(0), got_each);
  }
}

// ---------------------------------------------------------------------------
// mask_gradient

void check_mask_gradient(const Table& t, const std::vector<size_t>& lengths) {
  for (int rep = 0; rep < 6; ++rep) {
    for (size_t li = 0; li < lengths.size(); ++li) {
      const size_t n = lengths[li];
      const size_t go = (li + rep) % 4, mo = (li / 4) % 4, oo = (li / 16 + rep) % 4;
      Buf<float> g(go, n);
      Buf<uint8_t> m(mo, n);
      for (size_t i = 0; i < go + n; ++i) {
        const int r = rnd_int(0, 9);
        g.p[i] = r == 0 ? kSpecials[rnd_int(0, kNumSpecials - 1)]
                 : r == 1 ? from_bits(rnd32())
                          : static_cast<float>(uniform(-10.0, 10.0));
      }
      for (size_t i = 0; i < mo + n; ++i) {
        // rep 0: all zero; rep 1: all one; otherwise mostly 0 / 1, some other bytes.
        const int r = rnd_int(0, 9);
        m.p[i] = rep == 0 ? 0 : rep == 1 ? 1 : r < 8 ? static_cast<uint8_t>(r & 1) : static_cast<uint8_t>(rnd32());
      }
      Buf<float> want(0, n), got(oo, n, kGuard);
      fill_sentinel(got);
      mp::qat_scalar.mask_gradient(g.at(go), m.at(mo), want.at(0), n);
      t.k->mask_gradient(g.at(go), m.at(mo), got.at(oo), n);
      ++g_checks;
      if (!guards_intact(got, oo, n)) {
        fail(t.name, "mask_gradient", fmt("n=%zu out_off=%zu: wrote outside [0, n)", n, oo));
        continue;
      }
      for (size_t i = 0; i < n; ++i) {
        if (bits_of(want.p[i]) != bits_of(got.at(oo)[i])) {
          fail(t.name, "mask_gradient",
               fmt("n=%zu i=%zu grad=0x%08x mask=%d: want 0x%08x got 0x%08x", n, i, bits_of(g.at(go)[i]),
                   m.at(mo)[i], bits_of(want.p[i]), bits_of(got.at(oo)[i])));
          break;
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
      check_fake_quantize(t, qt, lengths);
      check_fake_quantize_each(t, qt, lengths);
      check_sweeps(t, qt);
    }
    check_mask_gradient(t, lengths);
  }
  if (tables.empty()) names = "none";
  printf("qat_variants_test: %s  variants=%s  calls=%lld  mismatches=%lld\n", g_failures ? "FAIL" : "PASS",
         names.c_str(), g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
