// The scalar counting half of the SIMD histogram kernels, shared by every variant:
// each variant computes bin indices in vectors and appends the valid ones to a
// buffer of kIndexBuffer entries, which is then counted here with plain increments.
// No intrinsics and no target attributes: this compiles for the baseline ISA in
// every translation unit that includes it.
#ifndef MODELPRESS_HISTOGRAM_COUNTER_H
#define MODELPRESS_HISTOGRAM_COUNTER_H

#include <stddef.h>
#include <stdint.h>

namespace mp {
namespace histogram_counter {

constexpr size_t kIndexBuffer = 1024;

// Up to kScratchBins bins are counted in 32-bit counters in a scratch array the
// variant keeps on its stack (16 KiB: it stays in L1 next to the streaming input,
// where 64-bit counts of 4096 bins would fill it), and added into the 64-bit
// counts at the end, or before a 32-bit counter could overflow.
// With few bins (up to kSubBins), most increments hit the same few counters in a
// row, and each waits for the previous one to the same address (store-to-load
// forwarding, or a memory dependence misprediction); four interleaved copies of
// the counters, added up at the end, break those chains. More than kScratchBins
// bins are incremented in place.
constexpr uint32_t kSubBins = 64;
constexpr uint32_t kScratchBins = 4096;
constexpr size_t kFlushEvery = size_t{1} << 31;  // increments; below 2^32

struct Counter {
  uint64_t* counts;
  uint32_t* narrow;  // the scratch counters, or nullptr: count into counts in place
  size_t stride;     // kSubBins with four copies, else 0
  uint32_t bins;
  size_t pending = 0;  // increments since the scratch was last added into counts
};

inline void zero(Counter& c) {
  const size_t words = c.stride ? 4 * c.stride : c.bins;
  for (size_t i = 0; i < words; ++i) c.narrow[i] = 0;
  c.pending = 0;
}

// The counter for `bins` bins; scratch has kScratchBins entries.
inline Counter make_counter(uint32_t bins, uint32_t* scratch, uint64_t* counts) {
  Counter c{counts, nullptr, 0, bins};
  if (bins > kScratchBins) return c;
  c.narrow = scratch;
  c.stride = bins <= kSubBins ? kSubBins : 0;
  zero(c);
  return c;
}

// Adds the scratch counters into counts.
inline void finish(Counter& c) {
  if (c.narrow == nullptr) return;
  const uint32_t* t = c.narrow;
  const size_t s = c.stride;
  for (uint32_t b = 0; b < c.bins; ++b) c.counts[b] += s ? uint64_t{t[b]} + t[s + b] + t[2 * s + b] + t[3 * s + b] : t[b];
  zero(c);
}

template <typename T>
inline void increment(const uint32_t* idx, size_t k, T* t, size_t s) {
  size_t j = 0;
  for (; j + 4 <= k; j += 4) {
    ++t[idx[j]];
    ++t[s + idx[j + 1]];
    ++t[2 * s + idx[j + 2]];
    ++t[3 * s + idx[j + 3]];
  }
  for (; j < k; ++j) ++t[idx[j]];
}

inline void count(const uint32_t* idx, size_t k, Counter& c) {
  if (c.narrow == nullptr) return increment(idx, k, c.counts, 0);
  if (c.pending + k >= kFlushEvery) finish(c);
  c.pending += k;
  increment(idx, k, c.narrow, c.stride);
}

}  // namespace histogram_counter
}  // namespace mp

#endif
