// AVX-512 (F/BW/DQ/VL) variant of the sparse (magnitude pruning) kernels; ref.cc
// is the specification and every output here is bit-identical to it.
//
// This file is compiled for the baseline x86-64 ISA. Every function that uses
// AVX-512 carries MP_AVX512 (a target attribute) and is only reached through
// sparse_avx512, which dispatch selects after cpu_features() reported AVX-512.
// Do not call non-intrinsic inline library functions from these functions.
// Tails use masked loads and stores, which never touch the masked-off bytes.
#include "digit_counter.h"
#include "sparse_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)

// GCC 12's AVX-512 headers trip a false -Wmaybe-uninitialized on their own
// _mm512_undefined_*() placeholders (GCC PR 105593, fixed in GCC 13).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <immintrin.h>
#include <stdint.h>

#define MP_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))

namespace mp {
namespace {

constexpr uint32_t kInfKey = 0x7f800000u;  // keys above it are NaN

MP_AVX512 inline __mmask16 tail_mask16(size_t k) { return static_cast<__mmask16>((1u << k) - 1u); }

MP_AVX512 inline __mmask64 tail_mask64(size_t k) {
  return k >= 64 ? ~__mmask64{0} : static_cast<__mmask64>((uint64_t{1} << k) - 1u);
}

// Elements before x's first 64-byte boundary (at most n; 0 if x is not even
// float-aligned): the main loops stream x, and 64-byte loads that straddle two
// cache lines cost them markedly, so they start at a boundary.
inline size_t head_to_line(const float* x, size_t n) {
  const uintptr_t addr = reinterpret_cast<uintptr_t>(x);
  if (addr % sizeof(float) != 0) return 0;
  const size_t k = ((64 - (addr & 63)) & 63) / sizeof(float);
  return k < n ? k : n;
}

// The scalar counting half of digit_histogram: see digit_counter.h.
using namespace digit_counter;

// ---------------------------------------------------------------------------
// digit_histogram
//
// Keys, prefix matches and digits 16 at a time. The lanes of the hot digit are
// counted in a vector of per-lane counts, and the digits of the other matching
// keys packed to the front of the vector (compress) and appended to the
// DigitCounter; later passes, where most keys lack the prefix, skip that for
// blocks of 64 without a match. The first pass of a long input (every key
// matches) needs none of it: it appends all 16 digits, the hot lanes' replaced by
// trash digits. The NaN test is a running unsigned maximum of the keys, compared
// with kInfKey once at the end.
//
// With shift + digit_bits == 31 the prefix is compared with key >> 31, which is
// 0: every key matches, as in the reference (which ignores the prefix then).

struct DigitState {
  __m512i abs_mask, digit_mask, prefix, hot, trash;
  __m128i shift, top;  // shift counts
  __m512i hot_count;   // per lane: matching keys with the hot digit
  __m512i max_key;     // running maximum of the keys
};

// The keys of the bits v, folded into the running maximum.
MP_AVX512 inline __m512i keys16(__m512i v, DigitState& s) {
  const __m512i key = _mm512_and_si512(v, s.abs_mask);
  s.max_key = _mm512_max_epu32(s.max_key, key);  // masked-off lanes hold key 0
  return key;
}

// The lanes with the prefix, among the lanes `in`.
MP_AVX512 inline __mmask16 matches16(__m512i key, __mmask16 in, const DigitState& s) {
  return _mm512_mask_cmpeq_epi32_mask(in, _mm512_srl_epi32(key, s.top), s.prefix);
}

// Counts the digits of the keys in the lanes `match`.
MP_AVX512 inline void append16(__m512i key, __mmask16 match, DigitState& s, DigitCounter& dc) {
  const __m512i digit = _mm512_and_si512(_mm512_srl_epi32(key, s.shift), s.digit_mask);
  const __mmask16 hot = _mm512_mask_cmpeq_epi32_mask(match, digit, s.hot);
  s.hot_count = _mm512_mask_sub_epi32(s.hot_count, hot, s.hot_count, _mm512_set1_epi32(-1));
  const __mmask16 rest = _kxor_mask16(match, hot);
  // Compress into a register and store that: compress straight to memory is slow on
  // some cores (microcoded on Zen 4).
  _mm512_storeu_si512(dc.next<false>(), _mm512_maskz_compress_epi32(rest, digit));
  dc.advance(static_cast<size_t>(_mm_popcnt_u32(rest)));
}

// The first pass of a long input: every key matches, and with shift + digit_bits
// == 31 the digit is key >> shift.
MP_AVX512 inline void first_digits16(__m512i v, DigitState& s, DigitCounter& dc) {
  const __m512i digit = _mm512_srl_epi32(keys16(v, s), s.shift);
  const __mmask16 hot = _mm512_cmpeq_epi32_mask(digit, s.hot);
  _mm512_storeu_si512(dc.next<true>(), _mm512_mask_mov_epi32(digit, hot, s.trash));
  dc.advance(16);
}

// Whole steps from i while they end by `end`; returns where it stopped.
template <bool kFirst>
MP_AVX512 inline size_t digits_run(const int* x, size_t i, size_t end, DigitState& s, DigitCounter& dc) {
  if (kFirst) {
    for (; i + 32 <= end; i += 32) {
      first_digits16(_mm512_loadu_si512(x + i), s, dc);
      first_digits16(_mm512_loadu_si512(x + i + 16), s, dc);
    }
    return i;
  }
  for (; i + 64 <= end; i += 64) {
    __m512i key[4];
    __mmask16 match[4];
    for (size_t j = 0; j < 4; ++j) {  // fully unrolled by the compiler
      key[j] = keys16(_mm512_loadu_si512(x + i + 16 * j), s);
      match[j] = matches16(key[j], 0xffff, s);
    }
    if ((match[0] | match[1] | match[2] | match[3]) == 0) continue;
    for (size_t j = 0; j < 4; ++j) append16(key[j], match[j], s, dc);
  }
  return i;
}

// The lanes `in` of the keys at x.
MP_AVX512 inline void digits16(const int* x, __mmask16 in, DigitState& s, DigitCounter& dc) {
  const __m512i key = keys16(_mm512_maskz_loadu_epi32(in, x), s);
  append16(key, matches16(key, in, s), s, dc);
}

MP_AVX512 bool digit_histogram_avx512(const float* x, size_t n, uint32_t shift, uint32_t digit_bits,
                                      uint32_t prefix, uint32_t* counts) {
  const uint32_t top = shift + digit_bits;
  const int bins = 1 << digit_bits;
  DigitState s;
  s.abs_mask = _mm512_set1_epi32(0x7fffffff);
  s.digit_mask = _mm512_set1_epi32(bins - 1);
  s.prefix = _mm512_set1_epi32(top < 31 ? static_cast<int>(prefix) : 0);
  s.hot = _mm512_set1_epi32(static_cast<int>(kNoDigit));
  s.trash = _mm512_add_epi32(_mm512_set1_epi32(bins),
                             _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  s.shift = _mm_cvtsi32_si128(static_cast<int>(shift));
  s.top = _mm_cvtsi32_si128(static_cast<int>(top));
  s.hot_count = s.max_key = _mm512_setzero_si512();
  alignas(64) uint32_t words[kBufferWords + 16];
  alignas(64) uint32_t scratch[2 * kCopyStride];
  const bool first = n >= kLongInput && top == 31;  // counted into copies
  DigitCounter dc(words, counts, first ? scratch : nullptr, static_cast<size_t>(bins));
  const int* xi = reinterpret_cast<const int*>(x);
  size_t i = head_to_line(x, n);
  if (i > 0) digits16(xi, tail_mask16(i), s, dc);
  // Long inputs: the first kSampleLen elements, then the hot digit, then the rest.
  // (One call of each run, which the compiler then inlines.)
  uint32_t hot = kNoDigit;
  for (size_t end = n >= kLongInput ? kSampleLen : n;; end = n) {
    i = first ? digits_run<true>(xi, i, end, s, dc) : digits_run<false>(xi, i, end, s, dc);
    if (end == n) break;
    hot = dc.hot_digit();
    s.hot = _mm512_set1_epi32(static_cast<int>(hot));
  }
  dc.drain();  // the tail counts into counts, so no trash digits may be left
  for (; i < n; i += 16) digits16(xi + i, n - i >= 16 ? 0xffff : tail_mask16(n - i), s, dc);
  alignas(64) uint32_t lanes[16];
  _mm512_store_si512(lanes, s.hot_count);
  uint64_t hot_count = 0;
  for (size_t j = 0; j < 16; ++j) hot_count += lanes[j];
  dc.finish(hot, hot_count);
  return _mm512_cmpgt_epu32_mask(s.max_key, _mm512_set1_epi32(static_cast<int>(kInfKey))) != 0;
}

// ---------------------------------------------------------------------------
// threshold_mask
//
// 64 elements at a time, from x's first 64-byte boundary: unsigned compares of
// the keys with t give bit masks of the lanes above t and equal to t, and a
// byte-masked move turns the 64 mask bits into 64 mask bytes. While ties are
// left, a block with key == t lanes prunes them, the lowest index first
// (resolve_ties); once none are left, key == t lanes are kept like key > t ones,
// so the rest of the call is a single key >= t compare.

// The keep bits of a block: gt (key > t) plus the eq (key == t) lanes that are
// not pruned; the first *left of the eq lanes are, lowest bit first.
inline uint64_t resolve_ties(uint64_t gt, uint64_t eq, size_t* left, int eq_count) {
  const size_t c = static_cast<size_t>(eq_count);
  if (c <= *left) {
    *left -= c;
    return gt;
  }
  for (size_t j = *left; j > 0; --j) eq &= eq - 1;  // clear the lowest set bit
  *left = 0;
  return gt | eq;
}

MP_AVX512 inline __m512i key16(const int* x) {
  return _mm512_and_si512(_mm512_loadu_si512(x), _mm512_set1_epi32(0x7fffffff));
}

// Bit j of *gt / *eq: key(x[j]) > t / == t, for j < 64.
MP_AVX512 inline void compare64(const int* x, __m512i t, uint64_t* gt, uint64_t* eq) {
  __mmask16 g[4], e[4];
  for (size_t j = 0; j < 4; ++j) {  // fully unrolled by the compiler
    const __m512i key = key16(x + 16 * j);
    g[j] = _mm512_cmpgt_epu32_mask(key, t);
    e[j] = _mm512_cmpeq_epu32_mask(key, t);
  }
  *gt = _mm512_kunpackd(_mm512_kunpackw(g[3], g[2]), _mm512_kunpackw(g[1], g[0]));
  *eq = _mm512_kunpackd(_mm512_kunpackw(e[3], e[2]), _mm512_kunpackw(e[1], e[0]));
}

// Bit j: key(x[j]) >= t, for j < 64.
MP_AVX512 inline __mmask64 at_least64(const int* x, __m512i t) {
  const __mmask32 lo = _mm512_kunpackw(_mm512_cmpge_epu32_mask(key16(x + 16), t),
                                       _mm512_cmpge_epu32_mask(key16(x), t));
  const __mmask32 hi = _mm512_kunpackw(_mm512_cmpge_epu32_mask(key16(x + 48), t),
                                       _mm512_cmpge_epu32_mask(key16(x + 32), t));
  return _mm512_kunpackd(hi, lo);
}

// compare64 for the first k (< 64) elements only (masked loads).
MP_AVX512 inline void compare_tail(const int* x, __m512i t, size_t k, uint64_t* gt, uint64_t* eq) {
  *gt = *eq = 0;
  for (size_t j = 0; j < k; j += 16) {
    const __mmask16 m = k - j >= 16 ? 0xffff : tail_mask16(k - j);
    const __m512i key = _mm512_and_si512(_mm512_maskz_loadu_epi32(m, x + j), _mm512_set1_epi32(0x7fffffff));
    *gt |= static_cast<uint64_t>(_mm512_mask_cmpgt_epu32_mask(m, key, t)) << j;
    *eq |= static_cast<uint64_t>(_mm512_mask_cmpeq_epu32_mask(m, key, t)) << j;
  }
}

// 64 mask bytes: 1 where keep has its bit set, else 0.
MP_AVX512 inline void store_mask(uint8_t* mask, uint64_t keep) {
  _mm512_storeu_si512(mask, _mm512_maskz_mov_epi8(keep, _mm512_set1_epi8(1)));
}

// The first k (< 64) elements (masked loads and stores).
MP_AVX512 inline void mask_part(const int* x, size_t k, __m512i t, size_t* left, uint8_t* mask) {
  uint64_t gt, eq;
  compare_tail(x, t, k, &gt, &eq);
  if (eq != 0) gt = resolve_ties(gt, eq, left, static_cast<int>(_mm_popcnt_u64(eq)));
  _mm512_mask_storeu_epi8(mask, tail_mask64(k), _mm512_maskz_mov_epi8(gt, _mm512_set1_epi8(1)));
}

MP_AVX512 void threshold_mask_avx512(const float* x, size_t n, uint32_t t, size_t* ties, uint8_t* mask) {
  const int* xi = reinterpret_cast<const int*>(x);
  const __m512i tv = _mm512_set1_epi32(static_cast<int>(t));
  size_t left = *ties;
  size_t i = head_to_line(x, n);
  if (i > 0) mask_part(xi, i, tv, &left, mask);
  // While ties are left: key > t, and the == t lanes of the blocks that have some.
  for (; left > 0 && i + 64 <= n; i += 64) {
    uint64_t gt, eq;
    compare64(xi + i, tv, &gt, &eq);
    if (eq != 0) gt = resolve_ties(gt, eq, &left, static_cast<int>(_mm_popcnt_u64(eq)));
    store_mask(mask + i, gt);
  }
  // None left: key >= t.
  if (left == 0) {
    for (; i + 64 <= n; i += 64) store_mask(mask + i, at_least64(xi + i, tv));
  }
  if (i < n) mask_part(xi + i, n - i, tv, &left, mask + i);
  *ties = left;
}

// ---------------------------------------------------------------------------
// count_nonzero
//
// min(byte, 1) is 1 for a non-zero byte and 0 for a zero one; adding those counts
// per byte lane for up to 255 vectors, and a sum of absolute differences against
// 0 then adds the 64 byte counts into eight 64-bit lanes.

MP_AVX512 size_t count_nonzero_avx512(const uint8_t* m, size_t n) {
  const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi8(1);
  __m512i total = zero;
  // Up to the first 64-byte boundary, then whole lines (64-byte loads that
  // straddle two lines cost a stream markedly), then the rest; masked-off bytes
  // read 0.
  size_t i = static_cast<size_t>(-reinterpret_cast<uintptr_t>(m) & 63);
  if (i > n) i = n;
  if (i > 0) total = _mm512_sad_epu8(_mm512_min_epu8(_mm512_maskz_loadu_epi8(tail_mask64(i), m), one), zero);
  while (i + 64 <= n) {
    size_t steps = (n - i) / 64;
    if (steps > 255) steps = 255;
    __m512i a = zero, b = zero;
    size_t s = 0;
    for (; s + 2 <= steps; s += 2, i += 128) {
      a = _mm512_add_epi8(a, _mm512_min_epu8(_mm512_loadu_si512(m + i), one));
      b = _mm512_add_epi8(b, _mm512_min_epu8(_mm512_loadu_si512(m + i + 64), one));
    }
    if (s < steps) {
      a = _mm512_add_epi8(a, _mm512_min_epu8(_mm512_loadu_si512(m + i), one));
      i += 64;
    }
    total = _mm512_add_epi64(total, _mm512_add_epi64(_mm512_sad_epu8(a, zero), _mm512_sad_epu8(b, zero)));
  }
  if (i < n) {
    const __m512i a = _mm512_min_epu8(_mm512_maskz_loadu_epi8(tail_mask64(n - i), m + i), one);
    total = _mm512_add_epi64(total, _mm512_sad_epu8(a, zero));
  }
  alignas(64) uint64_t lanes[8];
  _mm512_store_si512(lanes, total);
  uint64_t c = 0;
  for (size_t j = 0; j < 8; ++j) c += lanes[j];
  return static_cast<size_t>(c);
}

}  // namespace

const SparseKernels sparse_avx512 = {digit_histogram_avx512, threshold_mask_avx512, count_nonzero_avx512};

}  // namespace mp

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // x86-64
