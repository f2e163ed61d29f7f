// Scalar reference of the float down-casting kernels: the C++ specification that
// every SIMD variant reproduces bit for bit. Integer arithmetic only, so the result
// does not depend on the floating-point environment (rounding mode, FTZ/DAZ).
#include <string.h>

#include "cast_kernels.h"

namespace mp {
namespace {

inline uint32_t bits_of(float x) {
  uint32_t b;
  memcpy(&b, &x, sizeof b);
  return b;
}

inline float float_of(uint32_t b) {
  float x;
  memcpy(&x, &b, sizeof x);
  return x;
}

// Shifts m right by s (1..31), rounding half to even.
inline uint32_t shift_round_even(uint32_t m, uint32_t s) {
  const uint32_t kept = m >> s;
  const uint32_t rest = m & ((1u << s) - 1);
  const uint32_t half = 1u << (s - 1);
  return kept + ((rest > half || (rest == half && (kept & 1))) ? 1 : 0);
}

uint16_t f32_to_f16_one(float x, CastCounts* c) {
  const uint32_t b = bits_of(x);
  const uint16_t sign = static_cast<uint16_t>((b >> 16) & 0x8000);
  const uint32_t a = b & 0x7FFFFFFF;  // |x|
  if (a > 0x7F800000) {  // NaN: quiet it, keep the top of the payload
    ++c->nan;
    return sign | 0x7E00 | static_cast<uint16_t>((a >> 13) & 0x01FF);
  }
  if (a >= 0x477FF000) {  // >= 65520, which rounds past 65504 (the largest half)
    if (a != 0x7F800000) ++c->overflowed;
    return sign | 0x7C00;
  }
  if (a >= 0x38800000) {  // >= 2^-14: a normal half. Rebias the exponent (127 -> 15)
    // and drop 13 mantissa bits; a carry out of the mantissa bumps the exponent.
    return sign | static_cast<uint16_t>(shift_round_even(a - 0x38000000, 13));
  }
  // Below 2^-14: a subnormal half, counted in units of 2^-24.
  // |x| = m * 2^(e - 150) with the implicit bit in m, so |x| / 2^-24 = m >> (126 - e).
  const uint32_t e = a >> 23;
  uint16_t h = 0;
  if (e >= 102) {  // below that, |x| < 2^-25 rounds to 0
    const uint32_t m = (a & 0x007FFFFF) | 0x00800000;
    h = static_cast<uint16_t>(shift_round_even(m, 126 - e));
  }
  if (h == 0 && a != 0) ++c->underflowed;
  return sign | h;
}

float f16_to_f32_one(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t e = (h >> 10) & 0x1F;
  const uint32_t m = h & 0x03FF;
  if (e == 0x1F) return float_of(sign | 0x7F800000 | (m ? 0x00400000 | (m << 13) : 0));  // Inf, NaN
  if (e != 0) return float_of(sign | ((e + 112) << 23) | (m << 13));                      // normal
  // Subnormal half (or zero): m * 2^-24, exact in float32.
  float v = static_cast<float>(m) * float_of(0x33800000);  // 2^-24
  return sign ? -v : v;
}

uint16_t f32_to_bf16_one(float x, CastCounts* c) {
  const uint32_t b = bits_of(x);
  const uint32_t a = b & 0x7FFFFFFF;
  if (a > 0x7F800000) {
    ++c->nan;
    return static_cast<uint16_t>((b >> 16) | 0x0040);
  }
  // Round half to even on bit 16; a carry runs into the exponent, and past the
  // largest finite bf16 into Inf, as it should.
  const uint16_t r = static_cast<uint16_t>((b + 0x7FFF + ((b >> 16) & 1)) >> 16);
  if ((r & 0x7FFF) == 0x7F80 && a != 0x7F800000) ++c->overflowed;
  if ((r & 0x7FFF) == 0 && a != 0) ++c->underflowed;
  return r;
}

void f32_to_f16_ref(const float* x, uint16_t* out, size_t n, CastCounts* c) {
  for (size_t i = 0; i < n; ++i) out[i] = f32_to_f16_one(x[i], c);
}

void f16_to_f32_ref(const uint16_t* h, float* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = f16_to_f32_one(h[i]);
}

void f32_to_bf16_ref(const float* x, uint16_t* out, size_t n, CastCounts* c) {
  for (size_t i = 0; i < n; ++i) out[i] = f32_to_bf16_one(x[i], c);
}

void bf16_to_f32_ref(const uint16_t* h, float* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = float_of(static_cast<uint32_t>(h[i]) << 16);
}

}  // namespace

const CastKernels cast_scalar = {f32_to_f16_ref, f16_to_f32_ref, f32_to_bf16_ref, bf16_to_f32_ref};

}  // namespace mp
