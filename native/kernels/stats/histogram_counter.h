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

// With few bins, most increments hit the same few counters in a row, and each waits
// for the previous one to the same address (store-to-load forwarding, or a memory
// dependence misprediction); four interleaved copies of the counts, added up at the
// end, break those chains. Larger bin counts are incremented in place. (All
// counters are uint64_t, as counts is: no overflow to guard against.)
constexpr uint32_t kSubBins = 64;

struct Counter {
  uint64_t* target;  // counts (stride 0) or four copies of kSubBins each
  size_t stride;
};

// The counter for `bins` bins: the zeroed copies (4 * kSubBins) when bins is small,
// else counts itself.
inline Counter make_counter(uint32_t bins, uint64_t* copies, uint64_t* counts) {
  if (bins > kSubBins) return {counts, 0};
  for (size_t i = 0; i < 4 * kSubBins; ++i) copies[i] = 0;
  return {copies, kSubBins};
}

inline void count(const uint32_t* idx, size_t k, const Counter& c) {
  uint64_t* t = c.target;
  const size_t s = c.stride;
  size_t j = 0;
  for (; j + 4 <= k; j += 4) {
    ++t[idx[j]];
    ++t[s + idx[j + 1]];
    ++t[2 * s + idx[j + 2]];
    ++t[3 * s + idx[j + 3]];
  }
  for (; j < k; ++j) ++t[idx[j]];
}

// Adds the copies into counts.
inline void finish(const Counter& c, uint32_t bins, uint64_t* counts) {
  if (c.target == counts) return;
  const uint64_t* t = c.target;
  for (uint32_t b = 0; b < bins; ++b)
    counts[b] += t[b] + t[kSubBins + b] + t[2 * kSubBins + b] + t[3 * kSubBins + b];
}

}  // namespace histogram_counter
}  // namespace mp

#endif
