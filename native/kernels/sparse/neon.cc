// AArch64 Advanced SIMD (NEON) variant of the sparse (magnitude pruning) kernels;
// ref.cc is the specification and every output here is bit-identical to it. NEON
// is part of the AArch64 baseline, so no target attributes are needed.
//
// The loops take blocks of 16 elements (four vectors), or several at a time; a
// shorter tail is copied into a padded stack block and run through the same
// vector code (the padding lanes left out of every decision), so there is no
// separate scalar path to keep in step with the reference.
#include "digit_counter.h"
#include "sparse_kernels.h"

#if defined(__aarch64__)

#include <arm_neon.h>
#include <stdint.h>
#include <string.h>

namespace mp {
namespace {

constexpr size_t kBlock = 16;
constexpr uint32_t kInfKey = 0x7f800000u;  // keys above it are NaN

// The lanes of block lane indices 4j..4j+3 that are below k.
inline uint32x4_t lanes_below(size_t k, size_t j) {
  const uint32_t idx[4] = {0, 1, 2, 3};
  return vcltq_u32(vaddq_u32(vld1q_u32(idx), vdupq_n_u32(static_cast<uint32_t>(4 * j))),
                   vdupq_n_u32(static_cast<uint32_t>(k)));
}

// The scalar counting half of digit_histogram: see digit_counter.h.
using namespace digit_counter;

// ---------------------------------------------------------------------------
// digit_histogram
//
// Keys, prefix matches and digits 4 at a time. The lanes of the hot digit are
// counted in a vector of per-lane counts, and the digits of the other matching
// keys moved to the front of the vector by one table lookup (TBL), whose byte
// indices come from a table by the 4-bit lane mask, and appended to the
// DigitCounter; later passes, where most keys lack the prefix, skip that for
// blocks of 64 without a match. The first pass of a long input (every key
// matches) needs none of it: it appends all 4 digits, the hot lanes' replaced by
// trash digits. The NaN test is a running maximum of the keys, compared with
// kInfKey once at the end.
// Right shifts by a register amount are left shifts by its negation (USHL).
//
// With shift + digit_bits == 31 the prefix is compared with key >> 31, which is
// 0: every key matches, as in the reference (which ignores the prefix then).

// For each 4-bit lane mask: TBL byte indices that move its set lanes, in order, to
// the front, and their number.
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
  uint32x4_t abs_mask, digit_mask, prefix, hot, trash, lane_bits;
  int32x4_t right_shift, right_top;  // -shift, -(shift + digit_bits)
  uint32x4_t hot_count;              // per lane: matching keys with the hot digit
  uint32x4_t max_key;                // running maximum of the keys
};

// The keys of the bits v, folded into the running maximum.
inline uint32x4_t keys4(uint32x4_t v, DigitState& s) {
  const uint32x4_t key = vandq_u32(v, s.abs_mask);
  s.max_key = vmaxq_u32(s.max_key, key);  // padding lanes hold key 0
  return key;
}

// The lanes with the prefix, among the lanes `in` (all-ones lanes).
inline uint32x4_t matches4(uint32x4_t key, uint32x4_t in, const DigitState& s) {
  return vandq_u32(in, vceqq_u32(vshlq_u32(key, s.right_top), s.prefix));
}

// Counts the digits of the keys in the lanes `match`.
inline void append4(uint32x4_t key, uint32x4_t match, DigitState& s, DigitCounter& dc) {
  const uint32x4_t digit = vandq_u32(vshlq_u32(key, s.right_shift), s.digit_mask);
  const uint32x4_t hot = vandq_u32(match, vceqq_u32(digit, s.hot));
  s.hot_count = vsubq_u32(s.hot_count, hot);  // hot lanes are all-ones: -1
  const uint32_t m = vaddvq_u32(vandq_u32(vbicq_u32(match, hot), s.lane_bits));
  const uint8x16_t packed = vqtbl1q_u8(vreinterpretq_u8_u32(digit), vld1q_u8(kCompress.perm[m]));
  vst1q_u32(dc.next<false>(), vreinterpretq_u32_u8(packed));
  dc.advance(kCompress.count[m]);
}

// The first pass of a long input: every key matches, and with shift + digit_bits
// == 31 the digit is key >> shift.
inline void first_digits4(uint32x4_t v, DigitState& s, DigitCounter& dc) {
  const uint32x4_t digit = vshlq_u32(keys4(v, s), s.right_shift);
  vst1q_u32(dc.next<true>(), vbslq_u32(vceqq_u32(digit, s.hot), s.trash, digit));
  dc.advance(4);
}

// A block of 16 at x, the lanes below k.
inline void digits_block(const uint32_t* x, size_t k, DigitState& s, DigitCounter& dc) {
  for (size_t j = 0; j < kBlock / 4; ++j) {
    const uint32x4_t key = keys4(vld1q_u32(x + 4 * j), s);
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
      for (size_t j = 0; j < kBlock; j += 4) first_digits4(vld1q_u32(x + i + j), s, dc);
    }
    return i;
  }
  const uint32x4_t all = vdupq_n_u32(~0u);
  for (; i + 64 <= end; i += 64) {
    uint32x4_t any = vdupq_n_u32(0);
    for (size_t j = 0; j < 64; j += 4) any = vorrq_u32(any, matches4(keys4(vld1q_u32(x + i + j), s), all, s));
    if (vmaxvq_u32(any) == 0) continue;
    for (size_t j = 0; j < 64; j += 4) {
      const uint32x4_t key = vandq_u32(vld1q_u32(x + i + j), s.abs_mask);
      append4(key, matches4(key, all, s), s, dc);
    }
  }
  return i;
}

bool digit_histogram_neon(const float* x, size_t n, uint32_t shift, uint32_t digit_bits, uint32_t prefix,
                          uint32_t* counts) {
  const uint32_t top = shift + digit_bits;
  const uint32_t bins = 1u << digit_bits;
  const uint32_t lane[4] = {0, 1, 2, 3}, bit[4] = {1, 2, 4, 8};
  DigitState s;
  s.abs_mask = vdupq_n_u32(0x7fffffffu);
  s.digit_mask = vdupq_n_u32(bins - 1);
  s.prefix = vdupq_n_u32(top < 31 ? prefix : 0);
  s.hot = vdupq_n_u32(kNoDigit);
  s.trash = vaddq_u32(vdupq_n_u32(bins), vld1q_u32(lane));
  s.lane_bits = vld1q_u32(bit);
  s.right_shift = vdupq_n_s32(-static_cast<int32_t>(shift));
  s.right_top = vdupq_n_s32(-static_cast<int32_t>(top));
  s.hot_count = s.max_key = vdupq_n_u32(0);
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
    s.hot = vdupq_n_u32(hot);
  }
  dc.drain();  // the tail counts into counts, so no trash digits may be left
  for (; i + kBlock <= n; i += kBlock) digits_block(xb + i, kBlock, s, dc);
  if (i < n) {
    uint32_t block[kBlock] = {};
    memcpy(block, xb + i, (n - i) * sizeof(uint32_t));
    digits_block(block, n - i, s, dc);
  }
  dc.finish(hot, vaddlvq_u32(s.hot_count));
  return vmaxvq_u32(s.max_key) > kInfKey;
}

// ---------------------------------------------------------------------------
// threshold_mask
//
// 16 elements at a time: unsigned compares of the keys with t, narrowed to one
// byte per element. While ties are left, a block with key == t lanes prunes them,
// the lowest index first; once none are left, key == t lanes are kept like
// key > t ones, so the rest of the call is a single key >= t compare.

// Four all-ones / zero lane masks -> 16 bytes of 0xff / 0.
inline uint8x16_t narrow16(uint32x4_t a, uint32x4_t b, uint32x4_t c, uint32x4_t d) {
  const uint16x8_t ab = vcombine_u16(vmovn_u32(a), vmovn_u32(b));
  const uint16x8_t cd = vcombine_u16(vmovn_u32(c), vmovn_u32(d));
  return vcombine_u8(vmovn_u16(ab), vmovn_u16(cd));
}

inline uint32x4_t key4(const uint32_t* x) { return vandq_u32(vld1q_u32(x), vdupq_n_u32(0x7fffffffu)); }

// One block of 16 at x into mask, *left ties to prune.
inline void mask_block(const uint32_t* x, uint32x4_t t, size_t* left, uint8_t* mask) {
  const uint8x16_t one = vdupq_n_u8(1);
  uint32x4_t k[4];
  for (size_t j = 0; j < 4; ++j) k[j] = key4(x + 4 * j);
  if (*left == 0) {
    vst1q_u8(mask, vandq_u8(narrow16(vcgeq_u32(k[0], t), vcgeq_u32(k[1], t), vcgeq_u32(k[2], t),
                                     vcgeq_u32(k[3], t)), one));
    return;
  }
  vst1q_u8(mask, vandq_u8(narrow16(vcgtq_u32(k[0], t), vcgtq_u32(k[1], t), vcgtq_u32(k[2], t),
                                   vcgtq_u32(k[3], t)), one));
  const uint8x16_t eq = vandq_u8(narrow16(vceqq_u32(k[0], t), vceqq_u32(k[1], t), vceqq_u32(k[2], t),
                                          vceqq_u32(k[3], t)), one);
  const size_t c = vaddvq_u8(eq);
  if (c == 0) return;
  if (c <= *left) {  // all pruned: their bytes are already 0
    *left -= c;
    return;
  }
  // The ties run out in this block (once a call): the first *left are pruned, the
  // rest kept.
  uint8_t e[kBlock];
  vst1q_u8(e, eq);
  for (size_t j = 0; j < kBlock; ++j) {
    if (e[j] == 0) continue;
    if (*left > 0) {
      --*left;
    } else {
      mask[j] = 1;
    }
  }
}

void threshold_mask_neon(const float* x, size_t n, uint32_t t, size_t* ties, uint8_t* mask) {
  const uint32_t* xb = reinterpret_cast<const uint32_t*>(x);
  const uint32x4_t tv = vdupq_n_u32(t);
  size_t left = *ties;
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) mask_block(xb + i, tv, &left, mask + i);
  if (i < n) {
    // Padding with a key that is not t: it takes no ties.
    uint32_t block[kBlock];
    for (size_t j = 0; j < kBlock; ++j) block[j] = (t ^ 1u) & 0x7fffffffu;
    memcpy(block, xb + i, (n - i) * sizeof(uint32_t));
    uint8_t mb[kBlock];
    mask_block(block, tv, &left, mb);
    memcpy(mask + i, mb, n - i);
  }
  *ties = left;
}

// ---------------------------------------------------------------------------
// count_nonzero
//
// CMTST gives all-ones for a non-zero byte; subtracting it counts per byte lane
// for up to 255 vectors, which are then added up across the lanes.

size_t count_nonzero_neon(const uint8_t* m, size_t n) {
  size_t total = 0;
  size_t i = 0;
  while (i + kBlock <= n) {
    size_t steps = (n - i) / kBlock;
    if (steps > 255) steps = 255;
    uint8x16_t acc = vdupq_n_u8(0);
    for (size_t s = 0; s < steps; ++s, i += kBlock) {
      const uint8x16_t v = vld1q_u8(m + i);
      acc = vsubq_u8(acc, vtstq_u8(v, v));
    }
    total += vaddlvq_u8(acc);
  }
  if (i < n) {
    uint8_t block[kBlock] = {};
    memcpy(block, m + i, n - i);
    const uint8x16_t v = vld1q_u8(block);
    total += vaddlvq_u8(vsubq_u8(vdupq_n_u8(0), vtstq_u8(v, v)));
  }
  return total;
}

}  // namespace

const SparseKernels sparse_neon = {digit_histogram_neon, threshold_mask_neon, count_nonzero_neon};

}  // namespace mp

#endif  // __aarch64__
