// AVX2 variant of the 4-bit packing kernels; ref.cc is the specification and every
// output here is bit-identical to it.
//
// This file is compiled for the baseline x86-64 ISA. Every function that uses AVX2
// carries MP_AVX2 (a target attribute) and is only reached through int4_avx2, which
// dispatch selects after cpu_features() reported AVX2. Do not call non-intrinsic
// inline library functions from these functions.
//
// pack makes one pass: it packs and, on the side, ORs v + bias into an accumulator
// (bias 8 if signed, else 0), since v is in range iff (uint8_t)(v + bias) <= 15,
// i.e. iff its high nibble is zero. When that fails the packed bytes are
// unspecified, so they need not be discarded. Tails shorter than one vector go
// through a zero-padded block (0 is in range either way and packs as the zero high
// nibble of an odd n); bytes are copied in and out one at a time, never past n.
#include "int4_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)

#include <immintrin.h>

#define MP_AVX2 __attribute__((target("avx2")))

namespace mp {
namespace {

struct PackConsts {
  __m256i low_nibble, weights, bias;
};

MP_AVX2 inline PackConsts pack_consts(bool is_signed) {
  // maddubs weights (1, 16) per byte pair: word j = (v[2j] & 0xF) + 16 * (v[2j+1] & 0xF).
  return {_mm256_set1_epi8(0x0F), _mm256_set1_epi16(0x1001), _mm256_set1_epi8(is_signed ? 8 : 0)};
}

// 32 values -> 16 words, each the packed byte of a pair (at most 255), in place
// within each 128-bit lane. ORs v + bias into *acc.
MP_AVX2 inline __m256i pack_words(__m256i v, const PackConsts& c, __m256i* acc) {
  *acc = _mm256_or_si256(*acc, _mm256_add_epi8(v, c.bias));
  return _mm256_maddubs_epi16(_mm256_and_si256(v, c.low_nibble), c.weights);
}

// Words (a0 a1 | b0 b1 by 128-bit lane) -> the 32 bytes a0 a1 b0 b1.
MP_AVX2 inline __m256i narrow(__m256i a, __m256i b) {
  // packus interleaves the lanes as a0 b0 a1 b1 (8 bytes each); put them in order.
  return _mm256_permute4x64_epi64(_mm256_packus_epi16(a, b), _MM_SHUFFLE(3, 1, 2, 0));
}

// 32 values -> their 16 packed bytes.
MP_AVX2 inline __m128i pack32(__m256i v, const PackConsts& c, __m256i* acc) {
  const __m256i w = pack_words(v, c, acc);
  return _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
}

// True if some accumulated byte has its high nibble set.
MP_AVX2 inline bool any_out_of_range(__m256i acc) {
  return !_mm256_testz_si256(acc, _mm256_set1_epi8(static_cast<char>(0xF0)));
}

MP_AVX2 bool pack_avx2(const uint8_t* v, uint8_t* out, size_t n, bool is_signed) {
  const PackConsts c = pack_consts(is_signed);
  __m256i acc = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 128 <= n; i += 128) {
    const __m256i* s = reinterpret_cast<const __m256i*>(v + i);
    const __m256i a = pack_words(_mm256_loadu_si256(s), c, &acc);
    const __m256i b = pack_words(_mm256_loadu_si256(s + 1), c, &acc);
    const __m256i d = pack_words(_mm256_loadu_si256(s + 2), c, &acc);
    const __m256i e = pack_words(_mm256_loadu_si256(s + 3), c, &acc);
    __m256i* o = reinterpret_cast<__m256i*>(out + i / 2);
    _mm256_storeu_si256(o, narrow(a, b));
    _mm256_storeu_si256(o + 1, narrow(d, e));
  }
  for (; i + 32 <= n; i += 32)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i / 2),
                     pack32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(v + i)), c, &acc));
  if (i < n) {
    const size_t k = n - i;  // 1..31 values, (k + 1) / 2 output bytes
    alignas(32) uint8_t block[32] = {};
    for (size_t j = 0; j < k; ++j) block[j] = v[i + j];
    alignas(16) uint8_t packed[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(packed),
                    pack32(_mm256_load_si256(reinterpret_cast<const __m256i*>(block)), c, &acc));
    for (size_t j = 0; j < (k + 1) / 2; ++j) out[i / 2 + j] = packed[j];
  }
  return any_out_of_range(acc);
}

// 16 packed bytes -> their 32 values, in order. With b a byte zero-extended to a
// word, (b | b << 4) & 0x0F0F holds the low nibble in the low byte and the high
// nibble in the high byte; a table lookup then sign-extends if asked to.
MP_AVX2 inline __m256i unpack16(__m128i p, __m256i low_nibbles, __m256i table) {
  const __m256i b = _mm256_cvtepu8_epi16(p);
  const __m256i nibbles = _mm256_and_si256(_mm256_or_si256(b, _mm256_slli_epi16(b, 4)), low_nibbles);
  return _mm256_shuffle_epi8(table, nibbles);
}

MP_AVX2 void unpack_avx2(const uint8_t* p, uint8_t* out, size_t n, bool is_signed) {
  const __m256i low_nibbles = _mm256_set1_epi8(0x0F);
  // Nibble x -> x, or x - 16 for x >= 8 if signed (both 128-bit lanes alike).
  const __m256i table =
      is_signed ? _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2,
                                   3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1)
                : _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2,
                                   3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  size_t i = 0;  // counts values; the packed bytes are at p + i / 2
  for (; i + 64 <= n; i += 64) {
    const __m128i* s = reinterpret_cast<const __m128i*>(p + i / 2);
    __m256i* o = reinterpret_cast<__m256i*>(out + i);
    _mm256_storeu_si256(o, unpack16(_mm_loadu_si128(s), low_nibbles, table));
    _mm256_storeu_si256(o + 1, unpack16(_mm_loadu_si128(s + 1), low_nibbles, table));
  }
  for (; i + 32 <= n; i += 32)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i),
                        unpack16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i / 2)),
                                 low_nibbles, table));
  if (i < n) {
    const size_t k = n - i;  // 1..31 values from (k + 1) / 2 packed bytes
    alignas(16) uint8_t block[16] = {};
    for (size_t j = 0; j < (k + 1) / 2; ++j) block[j] = p[i / 2 + j];
    alignas(32) uint8_t values[32];
    _mm256_store_si256(reinterpret_cast<__m256i*>(values),
                       unpack16(_mm_load_si128(reinterpret_cast<const __m128i*>(block)), low_nibbles,
                                table));
    for (size_t j = 0; j < k; ++j) out[i + j] = values[j];
  }
}

}  // namespace

const Int4Kernels int4_avx2 = {pack_avx2, unpack_avx2};

}  // namespace mp

#endif  // x86-64
