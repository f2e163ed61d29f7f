// AArch64 Advanced SIMD (NEON) variant of the 4-bit packing kernels; ref.cc is the
// specification and every output here is bit-identical to it. NEON is part of the
// AArch64 baseline, so no target attributes are needed.
//
// pack handles 64 values at a time: LD2 splits them into even (low nibble) and odd
// (high nibble) elements and SLI merges each pair into one byte. It makes one pass,
// ORing v + bias into an accumulator on the side (bias 8 if signed, else 0), since v
// is in range iff (uint8_t)(v + bias) <= 15; when that fails the packed bytes are
// unspecified. unpack handles 32 packed bytes at a time: AND / USHR (or the signed
// shifts, which sign-extend) split the nibbles and ST2 interleaves them.
//
// A shorter tail is copied into a zero-padded stack block and run through the same
// vector code (0 is in range either way and packs as the zero high nibble of an odd
// n), so there is no separate scalar path to keep in step with the reference.
#include "int4_kernels.h"

#if defined(__aarch64__)

#include <arm_neon.h>
#include <string.h>

namespace mp {
namespace {

constexpr size_t kPackBlock = 64;    // values in, kPackBlock / 2 bytes out
constexpr size_t kUnpackBlock = 32;  // bytes in, 2 * kUnpackBlock values out

// 64 values -> 32 packed bytes; ORs v + bias into *acc.
inline void pack_block(const uint8_t* v, uint8_t* out, uint8x16_t bias, uint8x16_t* acc) {
  const uint8x16x2_t a = vld2q_u8(v), b = vld2q_u8(v + 32);
  const uint8x16_t r = vorrq_u8(vorrq_u8(vaddq_u8(a.val[0], bias), vaddq_u8(a.val[1], bias)),
                                vorrq_u8(vaddq_u8(b.val[0], bias), vaddq_u8(b.val[1], bias)));
  *acc = vorrq_u8(*acc, r);
  // SLI #4: (odd << 4) | (even & 0xF).
  vst1q_u8(out, vsliq_n_u8(a.val[0], a.val[1], 4));
  vst1q_u8(out + 16, vsliq_n_u8(b.val[0], b.val[1], 4));
}

bool pack_neon(const uint8_t* v, uint8_t* out, size_t n, bool is_signed) {
  const uint8x16_t bias = vdupq_n_u8(is_signed ? 8 : 0);
  uint8x16_t acc = vdupq_n_u8(0);
  size_t i = 0;
  for (; i + kPackBlock <= n; i += kPackBlock) pack_block(v + i, out + i / 2, bias, &acc);
  if (i < n) {
    uint8_t vb[kPackBlock] = {}, ob[kPackBlock / 2];
    memcpy(vb, v + i, n - i);
    pack_block(vb, ob, bias, &acc);
    memcpy(out + i / 2, ob, (n - i + 1) / 2);
  }
  return vmaxvq_u8(acc) > 15;  // some byte has its high nibble set
}

// Nibbles of 16 packed bytes, low in val[0], high in val[1].
inline uint8x16x2_t nibbles(uint8x16_t b, bool is_signed) {
  uint8x16x2_t r;
  if (is_signed) {
    const int8x16_t s = vreinterpretq_s8_u8(b);
    r.val[0] = vreinterpretq_u8_s8(vshrq_n_s8(vshlq_n_s8(s, 4), 4));
    r.val[1] = vreinterpretq_u8_s8(vshrq_n_s8(s, 4));
  } else {
    r.val[0] = vandq_u8(b, vdupq_n_u8(0x0F));
    r.val[1] = vshrq_n_u8(b, 4);
  }
  return r;
}

// 32 packed bytes -> 64 values.
inline void unpack_block(const uint8_t* p, uint8_t* out, bool is_signed) {
  const uint8x16_t a = vld1q_u8(p), b = vld1q_u8(p + 16);
  vst2q_u8(out, nibbles(a, is_signed));
  vst2q_u8(out + 32, nibbles(b, is_signed));
}

void unpack_neon(const uint8_t* p, uint8_t* out, size_t n, bool is_signed) {
  size_t i = 0;  // counts values; the packed bytes are at p + i / 2
  if (is_signed) {
    for (; i + 2 * kUnpackBlock <= n; i += 2 * kUnpackBlock) unpack_block(p + i / 2, out + i, true);
  } else {
    for (; i + 2 * kUnpackBlock <= n; i += 2 * kUnpackBlock) unpack_block(p + i / 2, out + i, false);
  }
  if (i < n) {
    uint8_t pb[kUnpackBlock] = {}, ob[2 * kUnpackBlock];
    memcpy(pb, p + i / 2, (n - i + 1) / 2);
    unpack_block(pb, ob, is_signed);
    memcpy(out + i, ob, n - i);
  }
}

}  // namespace

const Int4Kernels int4_neon = {pack_neon, unpack_neon};

}  // namespace mp

#endif  // __aarch64__
