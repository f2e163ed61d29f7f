// The scalar counting half of the sparse family's digit histograms, shared by
// every variant (no intrinsics, no target attributes: it compiles for the baseline
// ISA in every translation unit that includes it).
//
// The variant computes keys, prefix matches and digits in vectors and appends the
// digits of matching keys to a buffer, which is counted with plain increments
// into the 32-bit counts (the caller keeps n below 2^32), kGroup at a time, once
// kLag newer digits have been appended after them: the scheme of
// native/kernels/stats/histogram_counter.h, see there for why the lag.
//
// Increments of one counter form a chain of store-to-load dependences, so a digit
// that many keys share (exact zeros in a tensor already pruned, the levels of
// quantized weights) could cost several times the pass. On long inputs:
// - after the first kSampleLen elements, the digit counted most often so far
//   becomes the hot digit. The variant counts its lanes in a vector instead of
//   appending them, or, in the first pass, may append lane j's as the trash digit
//   bins + j (j < kTrash) instead: spare counters after the bins, each hit at most
//   once per vector (too far apart to chain), whose sum goes to the hot digit;
// - the first pass (every key matches: shift + digit_bits == 31) counts the even
//   and odd positions of each group into two copies of the counts, added up at
//   the end. (Later passes only count keys with the prefix, whose digits are
//   spread out unless they are all one key, and the hot digit takes that.)
#ifndef MODELPRESS_SPARSE_DIGIT_COUNTER_H
#define MODELPRESS_SPARSE_DIGIT_COUNTER_H

#include <stddef.h>
#include <stdint.h>

namespace mp {
namespace digit_counter {

constexpr size_t kGroup = 16;           // digits counted at a time
constexpr size_t kLag = 128;            // digits appended after a group before it is counted
constexpr size_t kBufferWords = 1024;   // the ring buffer, and 16 words past its end
constexpr size_t kLongInput = 1 << 16;  // inputs this long pick a hot digit and may use copies
constexpr size_t kSampleLen = 4096;     // elements seen before the hot digit is picked
constexpr uint32_t kNoDigit = ~0u;      // a hot digit that no digit equals
constexpr size_t kTrash = 16;           // trash counters after the bins of each copy
// The copies' offset: 2048 counts, the trash and 64 bytes more, so that the two
// counters of a digit do not share their address bits 0-11 (loads would wait for
// the other copy's stores, taking them for the same address).
constexpr size_t kCopyStride = 2048 + kTrash + 16;

struct DigitCounter {
  uint32_t* idx;  // the ring: digits appended, not yet counted: positions [r, w) mod kBufferWords
  size_t r, w;
  uint32_t* counts;
  uint32_t* copies;  // two copies of the counts and trash, kCopyStride apart, or nullptr
  size_t bins;
  uint64_t trashed;  // the trash counters drained so far

  DigitCounter(uint32_t* words, uint32_t* counts_, uint32_t* scratch, size_t bins_)
      : idx(words), r(0), w(0), counts(counts_), copies(scratch), bins(bins_), trashed(0) {
    if (copies == nullptr) return;
    for (size_t b = 0; b < bins + kTrash; ++b) copies[b] = copies[kCopyStride + b] = 0;
  }

  // Where the next vector's digits go (room for 16), after counting a group if
  // one is kLag digits old; kCopies: into the copies. (The groups start at
  // multiples of kGroup, so none wraps around the ring.)
  template <bool kCopies>
  uint32_t* next() {
    if (w - r >= kLag + kGroup) {
      const uint32_t* g = idx + r % kBufferWords;
      if (kCopies) {
        for (size_t j = 0; j < kGroup; ++j) ++copies[(j % 2) * kCopyStride + g[j]];
      } else {
        for (size_t j = 0; j < kGroup; ++j) ++counts[g[j]];
      }
      r += kGroup;
    }
    return idx + w % kBufferWords;
  }

  // The vector stored at next() holds k digits; what went past the end of the
  // ring belongs at its start.
  void advance(size_t k) {
    if (w % kBufferWords + k > kBufferWords) {
      for (size_t j = 0; j < 16; ++j) idx[j] = idx[kBufferWords + j];
    }
    w += k;
  }

  // Counts the rest of the buffer and adds the copies into counts, uint32
  // arithmetic: the same sums modulo 2^32 as the reference's increments.
  void drain() {
    uint32_t* c = copies ? copies : counts;  // the buffer may hold trash digits
    for (; r < w; ++r) ++c[idx[r % kBufferWords]];
    r = w = 0;
    if (copies == nullptr) return;
    for (size_t b = 0; b < bins + kTrash; ++b) {
      const uint32_t sum = copies[b] + copies[kCopyStride + b];
      if (b < bins) counts[b] += sum;
      else trashed += sum;
      copies[b] = copies[kCopyStride + b] = 0;
    }
  }

  // The digit with the largest count so far (kNoDigit if all are 0).
  uint32_t hot_digit() {
    drain();
    uint32_t hot = kNoDigit, most = 0;
    for (size_t b = 0; b < bins; ++b) {
      if (counts[b] > most) most = counts[b], hot = static_cast<uint32_t>(b);
    }
    return hot;
  }

  // hot_count: the hot digit's lanes the variant counted itself.
  void finish(uint32_t hot, uint64_t hot_count) {
    drain();
    if (hot != kNoDigit) counts[hot] += static_cast<uint32_t>(hot_count + trashed);
  }
};

}  // namespace digit_counter
}  // namespace mp

#endif
