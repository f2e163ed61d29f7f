// WebAssembly SIMD128 variant of the sparse (magnitude pruning) kernels; ref.cc is
// the specification and every output here is bit-identical to it. Built by emcc
// with -msimd128, so the whole module requires SIMD and no target attributes are
// needed.
//
// The loops take blocks of 16 elements (four vectors), or several at a time; a
// shorter tail is copied into a padded stack block and run through the same
// vector code (the padding lanes left out of every decision), so there is no
// separate scalar path to keep in step with the reference.
#include "digit_counter.h"
#include "sparse_kernels.h"

#if defined(__wasm_simd128__)

#include <stdint.h>
#include <string.h>
#include <wasm_simd128.h>

namespace mp {
namespace {

constexpr size_t kBlock = 16;
constexpr uint32_t kInfKey = 0x7f800000u;  // keys above it are NaN

// V8 rebuilds a v128.const at every use, and LLVM rematerialises constants rather
// than keep them in locals. OR-ing constants with a zero the optimiser cannot see
// through keeps them in registers.
volatile int32_t g_opaque_zero = 0;

inline v128_t opaque_zero() { return wasm_i32x4_splat(g_opaque_zero); }

// The lanes of block lane indices 4j..4j+3 that are below k.
inline v128_t lanes_below(size_t k, size_t j) {
  const uint32_t base = static_cast<uint32_t>(4 * j);
  return wasm_u32x4_lt(wasm_u32x4_make(base, base + 1, base + 2, base + 3),
                       wasm_u32x4_splat(static_cast<uint32_t>(k)));
}

// The scalar counting half of digit_histogram: see digit_counter.h.
using namespace digit_counter;

// ---------------------------------------------------------------------------
// digit_histogram
//
// Keys, prefix matches and digits 4 at a time. The lanes of the hot digit are
// counted in a vector of per-lane counts, and the digits of the other matching
// keys moved to the front of the vector by one swizzle, whose byte indices come
// from a table by the 4-bit lane mask, and appended to the DigitCounter; later
// passes, where most keys lack the prefix, skip that for blocks of 64 without a
// match. The first pass of a long input (every key matches) needs none of it: it
// appends all 4 digits, the hot lanes' replaced by trash digits. The NaN test is
// a running maximum of the keys, compared with kInfKey once at the end.
//
// With shift + digit_bits == 31 the prefix is compared with key >> 31, which is
// 0: every key matches, as in the reference (which ignores the prefix then).

// For each 4-bit lane mask: swizzle byte indices that move its set lanes, in
// order, to the front, and their number.
struct CompressTable {
  uint8_t perm[16][16];
  uint8_t count[16];
  constexpr CompressTable() : perm(), count() {
    for (uint32_t m = 0; m < 16; ++m) {
      uint32_t k = 0;
      for (uint32_t j = 0; j < 4; ++j) {
        if ((m >> j) & 1) {
          for (uint32_t b = 0; b < 4; ++b) perm[m][4 * k + b] = static_cast<uint8_t>(4 * j + b);
          ++k;
        }
      }
      count[m] = static_cast<uint8_t>(k);
    }
  }
};
constexpr CompressTable kCompress;

struct DigitState {
  v128_t abs_mask, digit_mask, prefix, hot, trash;
  uint32_t shift, top;
  v128_t hot_count;  // per lane: matching keys with the hot digit
  v128_t max_key;    // running maximum of the keys
};

// The keys of the bits v, folded into the running maximum.
inline v128_t keys4(v128_t v, DigitState& s) {
  const v128_t key = wasm_v128_and(v, s.abs_mask);
  s.max_key = wasm_u32x4_max(s.max_key, key);  // padding lanes hold key 0
  return key;
}

// The lanes with the prefix, among the lanes `in` (all-ones lanes).
inline v128_t matches4(v128_t key, v128_t in, const DigitState& s) {
  return wasm_v128_and(in, wasm_i32x4_eq(wasm_u32x4_shr(key, s.top), s.prefix));
}

// Counts the digits of the keys in the lanes `match`.
inline void append4(v128_t key, v128_t match, DigitState& s, DigitCounter& dc) {
  const v128_t digit = wasm_v128_and(wasm_u32x4_shr(key, s.shift), s.digit_mask);
  const v128_t hot = wasm_v128_and(match, wasm_i32x4_eq(digit, s.hot));
  s.hot_count = wasm_i32x4_sub(s.hot_count, hot);  // hot lanes are all-ones: -1
  const uint32_t m = wasm_i32x4_bitmask(wasm_v128_andnot(match, hot));
  wasm_v128_store(dc.next<false>(), wasm_i8x16_swizzle(digit, wasm_v128_load(kCompress.perm[m])));
  dc.advance(kCompress.count[m]);
}

// The first pass of a long input: every key matches, and with shift + digit_bits
// == 31 the digit is key >> shift.
inline void first_digits4(v128_t v, DigitState& s, DigitCounter& dc) {
  const v128_t digit = wasm_u32x4_shr(keys4(v, s), s.shift);
  const v128_t hot = wasm_i32x4_eq(digit, s.hot);
  wasm_v128_store(dc.next<true>(), wasm_v128_or(wasm_v128_andnot(digit, hot), wasm_v128_and(s.trash, hot)));
  dc.advance(4);
}

// A block of 16 at x, the lanes below k.
inline void digits_block(const uint32_t* x, size_t k, DigitState& s, DigitCounter& dc) {
  for (size_t j = 0; j < kBlock / 4; ++j) {
    const v128_t key = keys4(wasm_v128_load(x + 4 * j), s);
    append4(key, matches4(key, lanes_below(k, j), s), s, dc);
  }
}

// Whole steps from i while they end by `end`; returns where it stopped. Later
// passes, where most keys lack the prefix, first test 64 elements for any match,
// and only go through them again to count if there is one.
template <bool kFirst>
size_t digits_run(const uint32_t* x, size_t i, size_t end, DigitState& s, DigitCounter& dc) {
  if (kFirst) {
    for (; i + kBlock <= end; i += kBlock) {
      for (size_t j = 0; j < kBlock; j += 4) first_digits4(wasm_v128_load(x + i + j), s, dc);
    }
    return i;
  }
  const v128_t all = wasm_v128_or(wasm_i32x4_splat(-1), opaque_zero());
  for (; i + 64 <= end; i += 64) {
    v128_t any = opaque_zero();
    for (size_t j = 0; j < 64; j += 4) any = wasm_v128_or(any, matches4(keys4(wasm_v128_load(x + i + j), s), all, s));
    if (!wasm_v128_any_true(any)) continue;
    for (size_t j = 0; j < 64; j += 4) {
      const v128_t key = wasm_v128_and(wasm_v128_load(x + i + j), s.abs_mask);
      append4(key, matches4(key, all, s), s, dc);
    }
  }
  return i;
}

bool digit_histogram_simd128(const float* x, size_t n, uint32_t shift, uint32_t digit_bits, uint32_t prefix,
                             uint32_t* counts) {
  const uint32_t top = shift + digit_bits;
  const uint32_t bins = 1u << digit_bits;
  const v128_t z = opaque_zero();
  DigitState s;
  s.abs_mask = wasm_v128_or(wasm_i32x4_splat(0x7fffffff), z);
  s.digit_mask = wasm_v128_or(wasm_u32x4_splat(bins - 1), z);
  s.prefix = wasm_v128_or(wasm_u32x4_splat(top < 31 ? prefix : 0), z);
  s.hot = wasm_v128_or(wasm_u32x4_splat(kNoDigit), z);
  s.trash = wasm_v128_or(wasm_u32x4_make(bins, bins + 1, bins + 2, bins + 3), z);
  s.shift = shift;
  s.top = top;
  s.hot_count = s.max_key = z;
  uint32_t words[kBufferWords + 16];
  uint32_t scratch[2 * kCopyStride];
  const bool first = n >= kLongInput && top == 31;  // counted into copies
  DigitCounter dc(words, counts, first ? scratch : nullptr, bins);
  const uint32_t* xb = reinterpret_cast<const uint32_t*>(x);
  size_t i = 0;
  // Long inputs: the first kSampleLen elements, then the hot digit, then the rest.
  // (One call of each run, which the compiler then inlines.)
  uint32_t hot = kNoDigit;
  for (size_t end = n >= kLongInput ? kSampleLen : n;; end = n) {
    i = first ? digits_run<true>(xb, i, end, s, dc) : digits_run<false>(xb, i, end, s, dc);
    if (end == n) break;
    hot = dc.hot_digit();
    s.hot = wasm_v128_or(wasm_u32x4_splat(hot), z);
  }
  dc.drain();  // the tail counts into counts, so no trash digits may be left
  for (; i + kBlock <= n; i += kBlock) digits_block(xb + i, kBlock, s, dc);
  if (i < n) {
    uint32_t block[kBlock] = {};
    memcpy(block, xb + i, (n - i) * sizeof(uint32_t));
    digits_block(block, n - i, s, dc);
  }
  uint64_t hot_count = 0;
  hot_count += wasm_u32x4_extract_lane(s.hot_count, 0);
  hot_count += wasm_u32x4_extract_lane(s.hot_count, 1);
  hot_count += wasm_u32x4_extract_lane(s.hot_count, 2);
  hot_count += wasm_u32x4_extract_lane(s.hot_count, 3);
  dc.finish(hot, hot_count);
  return wasm_v128_any_true(wasm_u32x4_gt(s.max_key, wasm_u32x4_splat(kInfKey)));
}

// ---------------------------------------------------------------------------
// threshold_mask
//
// 16 elements at a time: unsigned compares of the keys with t, narrowed to one
// byte per element. While ties are left, a block with key == t lanes prunes them,
// the lowest index first; once none are left, key == t lanes are kept like
// key > t ones, so the rest of the call is a single key >= t compare.

// Four all-ones / zero lane masks -> 16 bytes of 1 / 0 (signed narrowing keeps -1).
inline v128_t narrow16(v128_t a, v128_t b, v128_t c, v128_t d, v128_t one_byte) {
  const v128_t bytes = wasm_i8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(a, b), wasm_i16x8_narrow_i32x4(c, d));
  return wasm_v128_and(bytes, one_byte);
}

struct MaskConsts {
  v128_t t, abs_mask, one_byte;
};

// One block of 16 at x into mask, *left ties to prune.
inline void mask_block(const uint32_t* x, const MaskConsts& c, size_t* left, uint8_t* mask) {
  v128_t k[4];
  for (size_t j = 0; j < 4; ++j) k[j] = wasm_v128_and(wasm_v128_load(x + 4 * j), c.abs_mask);
  if (*left == 0) {
    wasm_v128_store(mask, narrow16(wasm_u32x4_ge(k[0], c.t), wasm_u32x4_ge(k[1], c.t), wasm_u32x4_ge(k[2], c.t),
                                   wasm_u32x4_ge(k[3], c.t), c.one_byte));
    return;
  }
  wasm_v128_store(mask, narrow16(wasm_u32x4_gt(k[0], c.t), wasm_u32x4_gt(k[1], c.t), wasm_u32x4_gt(k[2], c.t),
                                 wasm_u32x4_gt(k[3], c.t), c.one_byte));
  const v128_t eq = narrow16(wasm_i32x4_eq(k[0], c.t), wasm_i32x4_eq(k[1], c.t), wasm_i32x4_eq(k[2], c.t),
                             wasm_i32x4_eq(k[3], c.t), c.one_byte);
  if (!wasm_v128_any_true(eq)) return;
  uint32_t bits = wasm_i8x16_bitmask(wasm_i8x16_neg(eq));  // 1 -> 0xff: the top bit
  const size_t n_eq = static_cast<size_t>(__builtin_popcount(bits));
  if (n_eq <= *left) {  // all pruned: their bytes are already 0
    *left -= n_eq;
    return;
  }
  // The ties run out in this block (once a call): the first *left are pruned
  // (lowest bit first), the rest kept.
  for (; *left > 0; --*left) bits &= bits - 1;
  for (; bits != 0; bits &= bits - 1) mask[__builtin_ctz(bits)] = 1;
}

void threshold_mask_simd128(const float* x, size_t n, uint32_t t, size_t* ties, uint8_t* mask) {
  const uint32_t* xb = reinterpret_cast<const uint32_t*>(x);
  const v128_t z = opaque_zero();
  const MaskConsts c = {wasm_v128_or(wasm_u32x4_splat(t), z), wasm_v128_or(wasm_i32x4_splat(0x7fffffff), z),
                        wasm_v128_or(wasm_i8x16_splat(1), z)};
  size_t left = *ties;
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) mask_block(xb + i, c, &left, mask + i);
  if (i < n) {
    // Padding with a key that is not t: it takes no ties.
    uint32_t block[kBlock];
    for (size_t j = 0; j < kBlock; ++j) block[j] = (t ^ 1u) & 0x7fffffffu;
    memcpy(block, xb + i, (n - i) * sizeof(uint32_t));
    uint8_t mb[kBlock];
    mask_block(block, c, &left, mb);
    memcpy(mask + i, mb, n - i);
  }
  *ties = left;
}

// ---------------------------------------------------------------------------
// count_nonzero
//
// A non-zero byte compares to -1; subtracting the compares counts per byte lane
// for up to 255 vectors, which are then added up across the lanes.

inline size_t lanes_sum(v128_t bytes) {
  const v128_t s = wasm_u32x4_extadd_pairwise_u16x8(wasm_u16x8_extadd_pairwise_u8x16(bytes));
  return static_cast<size_t>(wasm_u32x4_extract_lane(s, 0)) + wasm_u32x4_extract_lane(s, 1) +
         wasm_u32x4_extract_lane(s, 2) + wasm_u32x4_extract_lane(s, 3);
}

size_t count_nonzero_simd128(const uint8_t* m, size_t n) {
  const v128_t z = opaque_zero();
  size_t total = 0;
  size_t i = 0;
  while (i + kBlock <= n) {
    size_t steps = (n - i) / kBlock;
    if (steps > 255) steps = 255;
    v128_t acc = z;
    for (size_t s = 0; s < steps; ++s, i += kBlock) acc = wasm_i8x16_sub(acc, wasm_i8x16_ne(wasm_v128_load(m + i), z));
    total += lanes_sum(acc);
  }
  if (i < n) {
    uint8_t block[kBlock] = {};
    memcpy(block, m + i, n - i);
    total += lanes_sum(wasm_i8x16_sub(z, wasm_i8x16_ne(wasm_v128_load(block), z)));
  }
  return total;
}

}  // namespace

const SparseKernels sparse_simd128 = {digit_histogram_simd128, threshold_mask_simd128, count_nonzero_simd128};

}  // namespace mp

#endif  // __wasm_simd128__
