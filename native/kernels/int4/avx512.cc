// AVX-512 (F/BW/DQ/VL) variant of the 4-bit packing kernels; ref.cc is the
// specification and every output here is bit-identical to it.
//
// This file is compiled for the baseline x86-64 ISA. Every function that uses
// AVX-512 carries MP_AVX512 (a target attribute) and is only reached through
// int4_avx512, which dispatch selects after cpu_features() reported AVX-512.
// Do not call non-intrinsic inline library functions from these functions.
// Tails use masked loads and stores, which never touch the masked-off bytes.
//
// pack makes one pass: it packs and, on the side, ORs v + bias into an accumulator
// (bias 8 if signed, else 0), since v is in range iff (uint8_t)(v + bias) <= 15,
// i.e. iff its high nibble is zero. When that fails the packed bytes are
// unspecified, so they need not be discarded. Masked-off tail bytes load as 0, which
// is in range either way and packs as the zero high nibble of an odd n.
#include "int4_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)

// GCC 12's AVX-512 headers trip a false -Wmaybe-uninitialized on their own
// _mm512_undefined_*() placeholders (GCC PR 105593, fixed in GCC 13).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <immintrin.h>
#include <stdint.h>

#define MP_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2")))

namespace mp {
namespace {

// Mask of the first k (0..64) bytes.
MP_AVX512 inline __mmask64 tail_mask(size_t k) {
  return k == 0 ? 0 : static_cast<__mmask64>(~0ull >> (64 - k));
}

struct PackConsts {
  __m512i low_nibble, weights, bias, order;
};

MP_AVX512 inline PackConsts pack_consts(bool is_signed) {
  // maddubs weights (1, 16) per byte pair: word j = (v[2j] & 0xF) + 16 * (v[2j+1] & 0xF).
  // packus interleaves 8-byte groups as a0 b0 a1 b1 a2 b2 a3 b3; `order` undoes it.
  return {_mm512_set1_epi8(0x0F), _mm512_set1_epi16(0x1001), _mm512_set1_epi8(is_signed ? 8 : 0),
          _mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7)};
}

// 64 values -> 32 words, each the packed byte of a pair (at most 255), in place
// within each 128-bit lane. ORs v + bias into *acc.
MP_AVX512 inline __m512i pack_words(__m512i v, const PackConsts& c, __m512i* acc) {
  *acc = _mm512_or_si512(*acc, _mm512_add_epi8(v, c.bias));
  return _mm512_maddubs_epi16(_mm512_and_si512(v, c.low_nibble), c.weights);
}

// 128 values (two vectors) -> their 64 packed bytes.
MP_AVX512 inline __m512i pack128(__m512i a, __m512i b, const PackConsts& c, __m512i* acc) {
  const __m512i wa = pack_words(a, c, acc), wb = pack_words(b, c, acc);
  return _mm512_permutexvar_epi64(c.order, _mm512_packus_epi16(wa, wb));
}

// k (0..128) values -> their (k + 1) / 2 packed bytes, by masked loads and stores.
MP_AVX512 inline void pack_partial(const uint8_t* v, uint8_t* out, size_t k, const PackConsts& c,
                                   __m512i* acc) {
  const __m512i a = _mm512_maskz_loadu_epi8(tail_mask(k < 64 ? k : 64), v);
  const __m512i b =
      k > 64 ? _mm512_maskz_loadu_epi8(tail_mask(k - 64), v + 64) : _mm512_setzero_si512();
  _mm512_mask_storeu_epi8(out, tail_mask((k + 1) / 2), pack128(a, b, c, acc));
}

MP_AVX512 bool pack_avx512(const uint8_t* v, uint8_t* out, size_t n, bool is_signed) {
  const PackConsts c = pack_consts(is_signed);
  __m512i acc = _mm512_setzero_si512();
  // Loads that straddle cache lines cost up to half the bandwidth, so a short head
  // first brings v to a 64-byte boundary. Only an even head keeps the pairs whole:
  // an odd v stays unaligned.
  size_t i = (0 - reinterpret_cast<uintptr_t>(v)) % 64;
  if (i % 2 || i > n) i = 0;
  if (i) pack_partial(v, out, i, c, &acc);
  for (; i + 256 <= n; i += 256) {
    const uint8_t* s = v + i;
    _mm512_storeu_si512(out + i / 2, pack128(_mm512_loadu_si512(s), _mm512_loadu_si512(s + 64), c, &acc));
    _mm512_storeu_si512(out + i / 2 + 64,
                        pack128(_mm512_loadu_si512(s + 128), _mm512_loadu_si512(s + 192), c, &acc));
  }
  if (i + 128 <= n) {
    _mm512_storeu_si512(out + i / 2,
                        pack128(_mm512_loadu_si512(v + i), _mm512_loadu_si512(v + i + 64), c, &acc));
    i += 128;
  }
  if (i < n) pack_partial(v + i, out + i / 2, n - i, c, &acc);  // 1..127 values
  return _mm512_test_epi8_mask(acc, _mm512_set1_epi8(static_cast<char>(0xF0))) != 0;
}

// 32 packed bytes -> their 64 values, in order. With b a byte zero-extended to a
// word, (b | b << 4) & 0x0F0F holds the low nibble in the low byte and the high
// nibble in the high byte; a table lookup then sign-extends if asked to.
MP_AVX512 inline __m512i unpack32(__m256i p, __m512i low_nibbles, __m512i table) {
  const __m512i b = _mm512_cvtepu8_epi16(p);
  // 0xA8: (A | B) & C (truth table bit index 4A + 2B + C)
  const __m512i nibbles = _mm512_ternarylogic_epi32(b, _mm512_slli_epi16(b, 4), low_nibbles, 0xA8);
  return _mm512_shuffle_epi8(table, nibbles);
}

MP_AVX512 void unpack_avx512(const uint8_t* p, uint8_t* out, size_t n, bool is_signed) {
  const __m512i low_nibbles = _mm512_set1_epi8(0x0F);
  // Nibble x -> x, or x - 16 for x >= 8 if signed (every 128-bit lane alike).
  // Bytes little-endian in each int32: 0 1 2 3 | 4 5 6 7 | -8 -7 -6 -5 | -4 -3 -2 -1.
  const __m512i table =
      is_signed ? _mm512_setr4_epi32(0x03020100, 0x07060504, static_cast<int>(0xFBFAF9F8u),
                                     static_cast<int>(0xFFFEFDFCu))
                : _mm512_setr4_epi32(0x03020100, 0x07060504, 0x0B0A0908, 0x0F0E0D0C);
  size_t i = 0;  // counts values; the packed bytes are at p + i / 2
  for (; i + 128 <= n; i += 128) {
    const __m256i* s = reinterpret_cast<const __m256i*>(p + i / 2);
    _mm512_storeu_si512(out + i, unpack32(_mm256_loadu_si256(s), low_nibbles, table));
    _mm512_storeu_si512(out + i + 64, unpack32(_mm256_loadu_si256(s + 1), low_nibbles, table));
  }
  for (; i + 64 <= n; i += 64)
    _mm512_storeu_si512(out + i, unpack32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i / 2)),
                                          low_nibbles, table));
  if (i < n) {
    const size_t k = n - i;  // 1..63 values from (k + 1) / 2 packed bytes
    const __m256i b = _mm256_maskz_loadu_epi8(static_cast<__mmask32>(tail_mask((k + 1) / 2)), p + i / 2);
    _mm512_mask_storeu_epi8(out + i, tail_mask(k), unpack32(b, low_nibbles, table));
  }
}

}  // namespace

const Int4Kernels int4_avx512 = {pack_avx512, unpack_avx512};

}  // namespace mp

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // x86-64
