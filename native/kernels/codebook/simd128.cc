// WebAssembly SIMD128 variant of the non-uniform quantization kernels; ref.cc is
// the specification and every output here is bit-identical to it. Built by emcc
// with -msimd128, so the whole module requires SIMD and no target attributes are
// needed.
//
// Each loop handles 16 elements (four vectors) at a time; a shorter tail is copied
// into a padded stack block and run through the same code, so there is no
// separate tail path to keep in step with the reference.
//
// SIMD128 has no gather, and i8x16.swizzle holds only four floats. assign counts,
// with vector compares, how many of at most 15 evenly spaced bounds lie below x,
// which is exactly where the first four levels of the binary search end (all of
// it for k <= 16); for k >= 32 the last log2(k / 16) levels are a scalar
// branchless search inside that block of bounds. lookup is a scalar loop.
// min_dist is f32x4.sub / f32x4.mul and pmin, whose `<` select is the reference's.
#include "codebook_kernels.h"

#if defined(__wasm_simd128__)

#include <string.h>
#include <wasm_simd128.h>

namespace mp {
namespace {

constexpr size_t kBlock = 16;

// V8 rebuilds a v128.const at every use, and LLVM rematerialises constants rather
// than keep them in locals. OR-ing loop constants with a zero the optimiser cannot
// see through keeps them in registers.
volatile int32_t g_opaque_zero = 0;

inline v128_t opaque(v128_t v) { return wasm_v128_or(v, wasm_i32x4_splat(g_opaque_zero)); }

// ---------------------------------------------------------------------------
// assign

// The binary search idx = 0; for step = k/2 .. 1: if (bounds[idx + step - 1] < x)
// idx += step. Because bounds is sorted, "bounds[j] < x" is true then false along
// j, so the search ends on exactly the count of bounds below x, duplicates
// included, and after its first levels (steps k/2 .. s with s = k / 16, or s = 1
// for k <= 16) idx = s * #{j < C : bounds[s * j + s - 1] < x} with C = k / s - 1:
// the count of the coarse bounds below x, which the vectors compute directly.
struct Coarse {
  v128_t b[15];  // the coarse bounds, splatted
  const float* bounds;
  uint32_t s;    // block size: k / 16 for k >= 32, else 1
};

inline void coarse_bounds(const float* bounds, uint32_t k, Coarse* c) {
  c->bounds = bounds;
  c->s = k > 16 ? k / 16 : 1;
  const uint32_t count = k / c->s - 1;
  for (uint32_t j = 0; j < 15; ++j)
    c->b[j] = opaque(wasm_f32x4_splat(j < count ? bounds[c->s * j + c->s - 1] : 0.0f));
}

// idx[0..16) for x[0..16), with C coarse bounds.
template <int C>
inline void assign_block(const float* x, const Coarse& c, uint8_t* idx) {
  v128_t xv[4], cnt[4];
  for (size_t j = 0; j < 4; ++j) {
    xv[j] = wasm_v128_load(x + 4 * j);
    cnt[j] = wasm_i32x4_splat(0);
  }
  for (int b = 0; b < C; ++b)  // fully unrolled by the compiler
    for (size_t j = 0; j < 4; ++j)  // a true compare is -1
      cnt[j] = wasm_i32x4_sub(cnt[j], wasm_f32x4_lt(c.b[b], xv[j]));
  if (c.s == 1) {  // counts < 16: the saturating narrows are exact
    wasm_v128_store(idx, wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(cnt[0], cnt[1]),
                                                 wasm_i16x8_narrow_i32x4(cnt[2], cnt[3])));
    return;
  }
  // The remaining levels inside the block of s bounds found above.
  uint32_t m[kBlock];
  for (size_t j = 0; j < 4; ++j) wasm_v128_store(m + 4 * j, cnt[j]);
  for (size_t i = 0; i < kBlock; ++i) {
    const float xi = x[i];
    uint32_t at = m[i] * c.s;
    for (uint32_t step = c.s / 2; step >= 1; step /= 2) at += c.bounds[at + step - 1] < xi ? step : 0;
    idx[i] = static_cast<uint8_t>(at);
  }
}

template <int C>
void assign_coarse(const float* x, size_t n, const Coarse& c, uint8_t* idx) {
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) assign_block<C>(x + i, c, idx + i);
  if (i < n) {
    float xb[kBlock] = {};
    uint8_t ib[kBlock];
    memcpy(xb, x + i, (n - i) * sizeof(float));
    assign_block<C>(xb, c, ib);
    memcpy(idx + i, ib, n - i);
  }
}

void assign_simd128(const float* x, size_t n, const float* bounds, uint32_t k, uint8_t* idx) {
  Coarse c;
  switch (k) {
    case 2: coarse_bounds(bounds, k, &c); return assign_coarse<1>(x, n, c, idx);
    case 4: coarse_bounds(bounds, k, &c); return assign_coarse<3>(x, n, c, idx);
    case 8: coarse_bounds(bounds, k, &c); return assign_coarse<7>(x, n, c, idx);
    case 16: case 32: case 64: case 128: case 256:
      coarse_bounds(bounds, k, &c);
      return assign_coarse<15>(x, n, c, idx);
    default: return codebook_scalar.assign(x, n, bounds, k, idx);  // outside the contract
  }
}

// ---------------------------------------------------------------------------
// min_dist

// pmin(d2, s) = s < d2 ? s : d2, the reference's select (a NaN or tied d2 stays).
inline void min_dist_block(const float* x, v128_t c, float* d2) {
  for (size_t j = 0; j < 4; ++j) {
    const v128_t d = wasm_f32x4_sub(wasm_v128_load(x + 4 * j), c);
    wasm_v128_store(d2 + 4 * j, wasm_f32x4_pmin(wasm_v128_load(d2 + 4 * j), wasm_f32x4_mul(d, d)));
  }
}

void min_dist_simd128(const float* x, size_t n, float c, float* d2) {
  const v128_t cv = wasm_f32x4_splat(c);
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) min_dist_block(x + i, cv, d2 + i);
  if (i < n) {
    float xb[kBlock] = {}, db[kBlock] = {};
    memcpy(xb, x + i, (n - i) * sizeof(float));
    memcpy(db, d2 + i, (n - i) * sizeof(float));
    min_dist_block(xb, cv, db);
    memcpy(d2 + i, db, (n - i) * sizeof(float));
  }
}

// ---------------------------------------------------------------------------
// lookup

// Without a gather, one load per element is the cost whatever the form.
void lookup_simd128(const uint8_t* idx, size_t n, const float* table, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = table[idx[i]];
}

// ---------------------------------------------------------------------------
// pow2_quantize

// For a = |x| normal with exponent field E and mantissa M, the nearest level is
// 2^(E - 127) if M < 0x400000 (below 1.5 * 2^(E-127)), else 2^(E - 126): adding
// 0x400000 to the bits carries into the exponent field exactly then, so
// (bits(a) + 0x400000) >> 23 is the biased nearest exponent (finite a cannot
// overflow: 0x7f7fffff + 0x400000 < 2^31). Subnormal a lie below 2^(emin - 1)
// (emin >= -125), as does 0, and positive floats order like their bits.
struct Pow2Params {
  v128_t abs_mask, half_up, lo, hi, top, half_min;
};

// 4 floats -> 4 int32 codes in [-127, 127].
inline v128_t pow2_4(const float* x, const Pow2Params& p) {
  const v128_t u = wasm_v128_load(x);
  const v128_t a = wasm_v128_and(u, p.abs_mask);
  v128_t e = wasm_u32x4_shr(wasm_i32x4_add(a, p.half_up), 23);
  e = wasm_i32x4_min(wasm_i32x4_max(e, p.lo), p.hi);
  const v128_t keep = wasm_i32x4_ge(a, p.half_min);  // both non-negative as int32
  const v128_t code = wasm_v128_and(keep, wasm_i32x4_sub(p.top, e));
  const v128_t s = wasm_i32x4_shr(u, 31);  // -1 for negative x
  return wasm_i32x4_sub(wasm_v128_xor(code, s), s);
}

inline void pow2_block(const float* x, const Pow2Params& p, uint8_t* codes) {
  const v128_t ab = wasm_i16x8_narrow_i32x4(pow2_4(x, p), pow2_4(x + 4, p));
  const v128_t cd = wasm_i16x8_narrow_i32x4(pow2_4(x + 8, p), pow2_4(x + 12, p));
  wasm_v128_store(codes, wasm_i8x16_narrow_i16x8(ab, cd));  // in range: exact
}

void pow2_quantize_simd128(const float* x, size_t n, int32_t emin, int32_t emax, uint8_t* codes) {
  Pow2Params p;
  p.abs_mask = opaque(wasm_i32x4_splat(0x7fffffff));
  p.half_up = opaque(wasm_i32x4_splat(0x400000));
  p.lo = opaque(wasm_i32x4_splat(emin + 127));  // biased exponents of the clamp
  p.hi = opaque(wasm_i32x4_splat(emax + 127));
  p.top = opaque(wasm_i32x4_splat(emax + 128));                   // code = top - biased e
  p.half_min = opaque(wasm_i32x4_splat((emin - 1 + 127) << 23));  // bits of 2^(emin - 1)
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) pow2_block(x + i, p, codes + i);
  if (i < n) {
    float xb[kBlock] = {};
    uint8_t cb[kBlock];
    memcpy(xb, x + i, (n - i) * sizeof(float));
    pow2_block(xb, p, cb);
    memcpy(codes + i, cb, n - i);
  }
}

}  // namespace

const CodebookKernels codebook_simd128 = {assign_simd128, min_dist_simd128, lookup_simd128,
                                          pow2_quantize_simd128};

}  // namespace mp

#endif  // __wasm_simd128__
