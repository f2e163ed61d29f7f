// AVX2 variant of the sparse (magnitude pruning) kernels; ref.cc is the
// specification and every output here is bit-identical to it.
//
// This file is compiled for the baseline x86-64 ISA. Every function that uses AVX2
// carries MP_AVX2 (a target attribute) and is only reached through sparse_avx2,
// which dispatch selects after cpu_features() reported AVX2 + FMA. Do not call
// non-intrinsic inline library functions from these functions.
// Tails use masked loads (the masked-off lanes read 0 and are left out of every
// decision) and write mask bytes one at a time; count_nonzero's is a plain loop.
//
// AVX2 compares int32 as signed. Keys are below 2^31, so they compare as the
// reference's unsigned keys once both sides have the top bit flipped: the biased
// key is key ^ 0x80000000 = bits | 0x80000000, one OR instead of the AND, and the
// threshold (any uint32) is biased the same way.
#include "digit_counter.h"
#include "sparse_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)

#include <immintrin.h>
#include <stdint.h>

#define MP_AVX2 __attribute__((target("avx2,fma")))

namespace mp {
namespace {

constexpr uint32_t kInfKey = 0x7f800000u;  // keys above it are NaN

// All-ones in the first k (0..8) int32 lanes.
MP_AVX2 inline __m256i tail_mask(size_t k) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(k)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Set bits of v (no popcnt: the AVX2 table does not require it).
inline uint32_t bit_count(uint32_t v) {
  v = v - ((v >> 1) & 0x55555555u);
  v = (v & 0x33333333u) + ((v >> 2) & 0x33333333u);
  return (((v + (v >> 4)) & 0x0f0f0f0fu) * 0x01010101u) >> 24;
}

// The scalar counting half of digit_histogram: see digit_counter.h.
using namespace digit_counter;

// ---------------------------------------------------------------------------
// digit_histogram
//
// Keys, prefix matches and digits 8 at a time. The lanes of the hot digit are
// counted in a vector of per-lane counts, and the digits of the other matching
// keys moved to the front of the vector by one permute, whose indices come from a
// table by the 8-bit lane mask, and appended to the DigitCounter; later passes,
// where most keys lack the prefix, skip that for blocks of 64 without a match.
// The first pass of a long input (every key matches) needs none of it: it appends
// all 8 digits, the hot lanes' replaced by trash digits. The NaN test is a
// running unsigned maximum of the keys, compared with kInfKey once at the end.
//
// With shift + digit_bits == 31 the prefix is compared with key >> 31, which is
// 0: every key matches, as in the reference (which ignores the prefix then).

// For each 8-bit lane mask: the indices of its set lanes, in order, and their
// number.
struct CompressTable {
  uint8_t perm[256][8];
  uint8_t count[256];
  constexpr CompressTable() : perm(), count() {
    for (uint32_t m = 0; m < 256; ++m) {
      uint32_t k = 0;
      for (uint32_t j = 0; j < 8; ++j) {
        if ((m >> j) & 1) perm[m][k++] = static_cast<uint8_t>(j);
      }
      count[m] = static_cast<uint8_t>(k);
    }
  }
};
alignas(64) constexpr CompressTable kCompress;

struct DigitState {
  __m256i abs_mask, digit_mask, prefix, hot, trash;
  __m128i shift, top;  // shift counts
  __m256i hot_count;   // per lane: matching keys with the hot digit
  __m256i max_key;     // running maximum of the keys
};

// The keys of the bits v, folded into the running maximum.
MP_AVX2 inline __m256i keys8(__m256i v, DigitState& s) {
  const __m256i key = _mm256_and_si256(v, s.abs_mask);
  s.max_key = _mm256_max_epu32(s.max_key, key);
  return key;
}

// The lanes with the prefix, among the lanes `in` (all-ones lanes).
MP_AVX2 inline __m256i matches8(__m256i key, __m256i in, const DigitState& s) {
  return _mm256_and_si256(in, _mm256_cmpeq_epi32(_mm256_srl_epi32(key, s.top), s.prefix));
}

// Counts the digits of the keys in the lanes `match`.
MP_AVX2 inline void append8(__m256i key, __m256i match, DigitState& s, DigitCounter& dc) {
  const __m256i digit = _mm256_and_si256(_mm256_srl_epi32(key, s.shift), s.digit_mask);
  const __m256i hot = _mm256_and_si256(match, _mm256_cmpeq_epi32(digit, s.hot));
  s.hot_count = _mm256_sub_epi32(s.hot_count, hot);  // hot lanes are -1
  const __m256i rest = _mm256_andnot_si256(hot, match);
  const uint32_t m = static_cast<uint32_t>(_mm256_movemask_ps(_mm256_castsi256_ps(rest)));
  const __m256i perm = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(kCompress.perm[m])));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(dc.next<false>()), _mm256_permutevar8x32_epi32(digit, perm));
  dc.advance(kCompress.count[m]);
}

// The first pass of a long input: every key matches, and with shift + digit_bits
// == 31 the digit is key >> shift.
MP_AVX2 inline void first_digits8(__m256i v, DigitState& s, DigitCounter& dc) {
  const __m256i digit = _mm256_srl_epi32(keys8(v, s), s.shift);
  const __m256i hot = _mm256_cmpeq_epi32(digit, s.hot);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(dc.next<true>()), _mm256_blendv_epi8(digit, s.trash, hot));
  dc.advance(8);
}

MP_AVX2 inline __m256i load8(const float* x) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x)); }

// Whole steps from i while they end by `end`; returns where it stopped. Later
// passes, where most keys lack the prefix, first test a block of 64 for any
// match, and only go through the block again to count if there is one.
template <bool kFirst>
MP_AVX2 inline size_t digits_run(const float* x, size_t i, size_t end, DigitState& s, DigitCounter& dc) {
  if (kFirst) {
    for (; i + 16 <= end; i += 16) {
      first_digits8(load8(x + i), s, dc);
      first_digits8(load8(x + i + 8), s, dc);
    }
    return i;
  }
  const __m256i all = _mm256_set1_epi32(-1);
  for (; i + 64 <= end; i += 64) {
    __m256i any = _mm256_setzero_si256();
    for (size_t j = 0; j < 8; ++j) any = _mm256_or_si256(any, matches8(keys8(load8(x + i + 8 * j), s), all, s));
    if (_mm256_testz_si256(any, any)) continue;
    for (size_t j = 0; j < 8; ++j) {
      const __m256i key = _mm256_and_si256(load8(x + i + 8 * j), s.abs_mask);
      append8(key, matches8(key, all, s), s, dc);
    }
  }
  return i;
}

MP_AVX2 bool digit_histogram_avx2(const float* x, size_t n, uint32_t shift, uint32_t digit_bits,
                                  uint32_t prefix, uint32_t* counts) {
  const uint32_t top = shift + digit_bits;
  const int bins = 1 << digit_bits;
  DigitState s;
  s.abs_mask = _mm256_set1_epi32(0x7fffffff);
  s.digit_mask = _mm256_set1_epi32(bins - 1);
  s.prefix = _mm256_set1_epi32(top < 31 ? static_cast<int>(prefix) : 0);
  s.hot = _mm256_set1_epi32(static_cast<int>(kNoDigit));
  s.trash = _mm256_add_epi32(_mm256_set1_epi32(bins), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  s.shift = _mm_cvtsi32_si128(static_cast<int>(shift));
  s.top = _mm_cvtsi32_si128(static_cast<int>(top));
  s.hot_count = s.max_key = _mm256_setzero_si256();
  alignas(32) uint32_t words[kBufferWords + 16];
  alignas(32) uint32_t scratch[2 * kCopyStride];
  const bool first = n >= kLongInput && top == 31;  // counted into copies
  DigitCounter dc(words, counts, first ? scratch : nullptr, static_cast<size_t>(bins));
  size_t i = 0;
  // Long inputs: the first kSampleLen elements, then the hot digit, then the rest.
  // (One call of each run, which the compiler then inlines.)
  uint32_t hot = kNoDigit;
  for (size_t end = n >= kLongInput ? kSampleLen : n;; end = n) {
    i = first ? digits_run<true>(x, i, end, s, dc) : digits_run<false>(x, i, end, s, dc);
    if (end == n) break;
    hot = dc.hot_digit();
    s.hot = _mm256_set1_epi32(static_cast<int>(hot));
  }
  dc.drain();  // the tail counts into counts, so no trash digits may be left
  for (; i < n; i += 8) {
    const __m256i in = tail_mask(n - i >= 8 ? 8 : n - i);
    const __m256i key = keys8(_mm256_maskload_epi32(reinterpret_cast<const int*>(x + i), in), s);
    append8(key, matches8(key, in, s), s, dc);
  }
  alignas(32) uint32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), s.hot_count);
  uint64_t hot_count = 0;
  for (size_t j = 0; j < 8; ++j) hot_count += lanes[j];
  dc.finish(hot, hot_count);
  // Some key > kInfKey: max(key, kInfKey + 1) == key in some lane.
  const __m256i above = _mm256_set1_epi32(static_cast<int>(kInfKey + 1));
  const __m256i nan = _mm256_cmpeq_epi32(_mm256_max_epu32(s.max_key, above), s.max_key);
  return !_mm256_testz_si256(nan, nan);
}

// ---------------------------------------------------------------------------
// threshold_mask
//
// 32 elements at a time: signed compares of the biased keys with the biased t,
// packed to one byte per element. While ties are left, a block with key == t
// lanes prunes them, the lowest index first (resolve_ties); once none are left,
// key == t lanes are kept like key > t ones, so the rest of the call is a single
// key >= t test (= not t > key).

// The eq (key == t) lanes to keep, as bits: the first *left of them are pruned,
// lowest bit first.
inline uint32_t resolve_ties(uint32_t eq, size_t* left) {
  const size_t c = bit_count(eq);
  if (c <= *left) {
    *left -= c;
    return 0;
  }
  for (size_t j = *left; j > 0; --j) eq &= eq - 1;  // clear the lowest set bit
  *left = 0;
  return eq;
}

// The biased key of 8 elements.
MP_AVX2 inline __m256i biased8(const float* x) {
  return _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x)), _mm256_set1_epi32(INT32_MIN));
}

// 4 x 8 int32 lanes of 0 / -1 -> their 32 bytes, in order.
MP_AVX2 inline __m256i pack32(__m256i a, __m256i b, __m256i c, __m256i d) {
  const __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
  // The packs work per 128-bit lane, leaving 4-byte groups in the order
  // a0 b0 c0 d0 a1 b1 c1 d1; put them back as a0 a1 b0 b1 c0 c1 d0 d1.
  return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

MP_AVX2 void threshold_mask_avx2(const float* x, size_t n, uint32_t t, size_t* ties, uint8_t* mask) {
  const __m256i tb = _mm256_set1_epi32(static_cast<int>(t ^ 0x80000000u));
  const __m256i one = _mm256_set1_epi8(1);
  size_t left = *ties;
  size_t i = 0;
  // While ties are left: key > t, and the == t lanes of the blocks that have some.
  for (; left > 0 && i + 32 <= n; i += 32) {
    __m256i gt[4], eq[4];
    for (size_t j = 0; j < 4; ++j) {  // fully unrolled by the compiler
      const __m256i k = biased8(x + i + 8 * j);
      gt[j] = _mm256_cmpgt_epi32(k, tb);
      eq[j] = _mm256_cmpeq_epi32(k, tb);
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(mask + i),
                        _mm256_and_si256(pack32(gt[0], gt[1], gt[2], gt[3]), one));
    const __m256i e = _mm256_or_si256(_mm256_or_si256(eq[0], eq[1]), _mm256_or_si256(eq[2], eq[3]));
    if (_mm256_testz_si256(e, e)) continue;
    uint32_t keep = resolve_ties(static_cast<uint32_t>(_mm256_movemask_epi8(pack32(eq[0], eq[1], eq[2], eq[3]))), &left);
    for (; keep != 0; keep &= keep - 1) mask[i + static_cast<size_t>(__builtin_ctz(keep))] = 1;
  }
  // None left: key >= t, i.e. not t > key.
  if (left == 0) {
    for (; i + 32 <= n; i += 32) {
      __m256i lt[4];
      for (size_t j = 0; j < 4; ++j) lt[j] = _mm256_cmpgt_epi32(tb, biased8(x + i + 8 * j));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(mask + i),
                          _mm256_add_epi8(pack32(lt[0], lt[1], lt[2], lt[3]), one));  // -1 + 1 = 0, 0 + 1 = 1
    }
  }
  // The tail (< 32 elements), 8 lanes at a time, as bits.
  if (i < n) {
    uint32_t gt = 0, eq = 0;
    for (size_t j = 0; i + j < n; j += 8) {
      const __m256i in = tail_mask(n - i - j >= 8 ? 8 : n - i - j);
      const __m256i k = _mm256_or_si256(_mm256_maskload_epi32(reinterpret_cast<const int*>(x + i + j), in),
                                        _mm256_set1_epi32(INT32_MIN));
      const uint32_t lanes = static_cast<uint32_t>(_mm256_movemask_ps(_mm256_castsi256_ps(in)));
      gt |= (static_cast<uint32_t>(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(k, tb)))) & lanes) << j;
      eq |= (static_cast<uint32_t>(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(k, tb)))) & lanes) << j;
    }
    const uint32_t keep = gt | (left > 0 ? resolve_ties(eq, &left) : eq);
    for (size_t j = 0; i + j < n; ++j) mask[i + j] = static_cast<uint8_t>((keep >> j) & 1);
  }
  *ties = left;
}

// ---------------------------------------------------------------------------
// count_nonzero
//
// min(byte, 1) is 1 for a non-zero byte and 0 for a zero one; adding those counts
// per byte lane for up to 255 vectors, and a sum of absolute differences against
// 0 then adds the 32 byte counts into four 64-bit lanes.

MP_AVX2 inline __m256i nonzero32(const uint8_t* m, __m256i one) {
  return _mm256_min_epu8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(m)), one);
}

MP_AVX2 size_t count_nonzero_avx2(const uint8_t* m, size_t n) {
  const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi8(1);
  __m256i total = zero;
  size_t i = 0;
  while (i + 32 <= n) {
    size_t steps = (n - i) / 32;
    if (steps > 255) steps = 255;
    __m256i a = zero, b = zero;
    size_t s = 0;
    for (; s + 2 <= steps; s += 2, i += 64) {
      a = _mm256_add_epi8(a, nonzero32(m + i, one));
      b = _mm256_add_epi8(b, nonzero32(m + i + 32, one));
    }
    if (s < steps) {
      a = _mm256_add_epi8(a, nonzero32(m + i, one));
      i += 32;
    }
    total = _mm256_add_epi64(total, _mm256_add_epi64(_mm256_sad_epu8(a, zero), _mm256_sad_epu8(b, zero)));
  }
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), total);
  uint64_t c = lanes[0] + lanes[1] + lanes[2] + lanes[3];
  for (; i < n; ++i) c += m[i] != 0;
  return static_cast<size_t>(c);
}

}  // namespace

const SparseKernels sparse_avx2 = {digit_histogram_avx2, threshold_mask_avx2, count_nonzero_avx2};

}  // namespace mp

#endif  // x86-64
