// WebAssembly SIMD128 variant of the 4-bit packing kernels; ref.cc is the
// specification and every output here is bit-identical to it. Built by emcc with
// -msimd128, so the whole module requires SIMD and no target attributes are needed.
//
// pack handles 64 values at a time. Read as little-endian 16-bit words, a pair is
// w = v[2j] | v[2j+1] << 8, and its packed byte is (w & 0x0F) | (w >> 4 & 0xF0),
// which fits a word; an unsigned narrowing then collects the bytes. It makes one
// pass, ORing v + bias into an accumulator on the side (bias 8 if signed, else 0),
// since v is in range iff (uint8_t)(v + bias) <= 15; when that fails the packed
// bytes are unspecified. unpack zero-extends each packed byte b to a word, where
// (b | b << 4) & 0x0F0F holds its two nibbles in order, then sign-extends them by
// (x ^ 8) - 8 if asked to.
//
// A shorter tail is copied into a zero-padded stack block and run through the same
// vector code (0 is in range either way and packs as the zero high nibble of an odd
// n), so there is no separate scalar path to keep in step with the reference.
#include "int4_kernels.h"

#if defined(__wasm_simd128__)

#include <string.h>
#include <wasm_simd128.h>

namespace mp {
namespace {

constexpr size_t kPackBlock = 64;    // values in, kPackBlock / 2 bytes out
constexpr size_t kUnpackBlock = 32;  // bytes in, 2 * kUnpackBlock values out

// V8 rebuilds a v128.const at every use, and LLVM rematerialises constants rather
// than keep them in locals. OR-ing constants with a zero the optimiser cannot see
// through keeps them in registers.
volatile int32_t g_opaque_zero = 0;

struct Consts {
  v128_t low_word_nibble, high_nibble, low_nibbles, eight, bias;
  explicit Consts(bool is_signed) {
    const v128_t opaque_zero = wasm_i32x4_splat(g_opaque_zero);
    low_word_nibble = wasm_v128_or(wasm_i16x8_splat(0x000F), opaque_zero);
    high_nibble = wasm_v128_or(wasm_i16x8_splat(0x00F0), opaque_zero);
    low_nibbles = wasm_v128_or(wasm_i8x16_splat(0x0F), opaque_zero);
    eight = wasm_v128_or(wasm_i8x16_splat(8), opaque_zero);
    bias = wasm_v128_or(wasm_i8x16_splat(is_signed ? 8 : 0), opaque_zero);
  }
};

// 16 values -> 8 words holding their packed bytes; ORs v + bias into *acc.
inline v128_t pack_words(const uint8_t* v, const Consts& c, v128_t* acc) {
  const v128_t w = wasm_v128_load(v);
  *acc = wasm_v128_or(*acc, wasm_i8x16_add(w, c.bias));
  return wasm_v128_or(wasm_v128_and(w, c.low_word_nibble),
                      wasm_v128_and(wasm_u16x8_shr(w, 4), c.high_nibble));
}

// 64 values -> 32 packed bytes.
inline void pack_block(const uint8_t* v, uint8_t* out, const Consts& c, v128_t* acc) {
  for (size_t j = 0; j < 2; ++j) {  // fully unrolled by the compiler
    const v128_t a = pack_words(v + 32 * j, c, acc), b = pack_words(v + 32 * j + 16, c, acc);
    wasm_v128_store(out + 16 * j, wasm_u8x16_narrow_i16x8(a, b));
  }
}

bool pack_simd128(const uint8_t* v, uint8_t* out, size_t n, bool is_signed) {
  const Consts c(is_signed);
  v128_t acc = wasm_i32x4_splat(0);
  size_t i = 0;
  for (; i + kPackBlock <= n; i += kPackBlock) pack_block(v + i, out + i / 2, c, &acc);
  if (i < n) {
    uint8_t vb[kPackBlock] = {}, ob[kPackBlock / 2];
    memcpy(vb, v + i, n - i);
    pack_block(vb, ob, c, &acc);
    memcpy(out + i / 2, ob, (n - i + 1) / 2);
  }
  // Some byte has its high nibble set.
  return wasm_v128_any_true(wasm_v128_andnot(acc, c.low_nibbles));
}

// 8 packed bytes -> 16 values.
inline v128_t unpack8(const uint8_t* p, bool is_signed, const Consts& c) {
  const v128_t b = wasm_u16x8_load8x8(p);
  const v128_t x = wasm_v128_and(wasm_v128_or(b, wasm_i16x8_shl(b, 4)), c.low_nibbles);
  return is_signed ? wasm_i8x16_sub(wasm_v128_xor(x, c.eight), c.eight) : x;
}

// 32 packed bytes -> 64 values.
inline void unpack_block(const uint8_t* p, uint8_t* out, bool is_signed, const Consts& c) {
  for (size_t j = 0; j < 4; ++j) wasm_v128_store(out + 16 * j, unpack8(p + 8 * j, is_signed, c));
}

void unpack_simd128(const uint8_t* p, uint8_t* out, size_t n, bool is_signed) {
  const Consts c(false);
  size_t i = 0;  // counts values; the packed bytes are at p + i / 2
  if (is_signed) {
    for (; i + 2 * kUnpackBlock <= n; i += 2 * kUnpackBlock) unpack_block(p + i / 2, out + i, true, c);
  } else {
    for (; i + 2 * kUnpackBlock <= n; i += 2 * kUnpackBlock) unpack_block(p + i / 2, out + i, false, c);
  }
  if (i < n) {
    uint8_t pb[kUnpackBlock] = {}, ob[2 * kUnpackBlock];
    memcpy(pb, p + i / 2, (n - i + 1) / 2);
    unpack_block(pb, ob, is_signed, c);
    memcpy(out + i, ob, n - i);
  }
}

}  // namespace

const Int4Kernels int4_simd128 = {pack_simd128, unpack_simd128};

}  // namespace mp

#endif  // __wasm_simd128__
