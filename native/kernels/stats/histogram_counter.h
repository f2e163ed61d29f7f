// The scalar counting half of the SIMD histogram kernels, shared by every variant:
// each variant computes bin indices in vectors, 16 values a step, and appends the
// ones of counted values to an IndexBuffer, which counts them with plain
// increments, kGroup at a time, once kLag newer indices have been appended after
// them. No intrinsics and no target attributes: this compiles for the baseline
// ISA in every translation unit that includes it.
//
// Why the lag: counting (a load-add-store per value, in the integer units) and the
// index computation (in the vector units) can run at the same time, but only if
// both sit in the out-of-order window together. Filling a long buffer and then
// counting all of it (as this code once did, with 1024 entries) leaves them in
// two phases, one after the other, and costs their sum; counting a step's indices
// right after storing them makes the loads wait for the wide stores still in
// flight. Counting a small group, kLag entries behind the write position, reads it
// from L1 while the next steps' vector work runs alongside, so a pass costs about
// the larger of the two. The groups have a fixed length, so the counting loop is
// predictable, and with dense data one group is counted every step.
#ifndef MODELPRESS_HISTOGRAM_COUNTER_H
#define MODELPRESS_HISTOGRAM_COUNTER_H

#include <float.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

namespace mp {
namespace histogram_counter {

constexpr size_t kGroup = 16;          // indices counted at a time; at most appended a step
constexpr size_t kGroupInPlace = 256;  // the same when counting in place (see below)
constexpr size_t kLag = 128;           // indices appended after a group before it is counted
constexpr size_t kBufferWords = 1024;  // the buffer; the unread part moves to the front when full

// Up to kScratchBins bins are counted in 32-bit counters in a scratch array the
// variant keeps on its stack (16 KiB: it stays in L1 next to the streaming input,
// where 64-bit counts of 4096 bins would fill it), and added into the 64-bit
// counts at the end, or before a 32-bit counter could overflow.
// With few bins (up to kSubBins), most increments hit the same few counters in a
// row, and each waits for the previous one to the same address (store-to-load
// forwarding, or a memory dependence misprediction); four interleaved copies of
// the counters (kSubBins words each), lane j of a vector counting into copy j % 4,
// added up at the end, break those chains. The variants add the copy's offset
// (lane_offset) to the index in the vector, so the counting loop is the same.
// More than kScratchBins bins are incremented in place, where the increments miss
// L1 (often L2): there a long run of them keeps many misses in flight, which a
// group of 16 amid the vector work does not, so the groups are kGroupInPlace long.
constexpr uint32_t kSubBins = 64;
constexpr uint32_t kScratchBins = 4096;
constexpr size_t kFlushEvery = size_t{1} << 31;  // increments; below 2^32

struct Counter {
  uint64_t* counts;
  uint32_t* narrow;  // the scratch counters, or nullptr: count into counts in place
  uint32_t bins;
  bool copies;       // four copies of the scratch counters
  size_t pending;    // increments since the scratch was last added into counts
};

inline void zero(Counter& c) {
  const size_t words = c.copies ? 4 * kSubBins : c.bins;
  for (size_t i = 0; i < words; ++i) c.narrow[i] = 0;
  c.pending = 0;
}

// The counter for `bins` bins; scratch has kScratchBins entries.
inline Counter make_counter(uint32_t bins, uint32_t* scratch, uint64_t* counts) {
  Counter c{counts, nullptr, bins, false, 0};
  if (bins > kScratchBins) return c;
  c.narrow = scratch;
  c.copies = bins <= kSubBins;
  zero(c);
  return c;
}

// What the variants add to the index of vector lane j: the offset of its copy of
// the counters (for j >= 4, the lane's copy is j % 4).
inline uint32_t lane_offset(const Counter& c, uint32_t j) {
  return c.copies ? (j % 4) * kSubBins : 0;
}

// Adds the scratch counters into counts.
inline void finish(Counter& c) {
  if (c.narrow == nullptr) return;
  const uint32_t* t = c.narrow;
  if (c.copies) {
    const uint32_t s = kSubBins;
    for (uint32_t b = 0; b < c.bins; ++b)
      c.counts[b] += uint64_t{t[b]} + t[s + b] + t[2 * s + b] + t[3 * s + b];
  } else {
    for (uint32_t b = 0; b < c.bins; ++b) c.counts[b] += t[b];
  }
  zero(c);
}

// k indices into the 64-bit counts. Out of line, so that the compiler keeps the
// loop over the scratch counters simple (it would hoist loads shared by both).
__attribute__((noinline)) inline void count_in_place(const uint32_t* idx, size_t k,
                                                     uint64_t* counts) {
  for (size_t j = 0; j < k; ++j) ++counts[idx[j]];
}

// Counts k indices.
inline void count(const uint32_t* idx, size_t k, Counter& c) {
  uint32_t* t = c.narrow;
  if (t == nullptr) return count_in_place(idx, k, c.counts);
  if (c.pending + k >= kFlushEvery) finish(c);
  c.pending += k;
  for (size_t j = 0; j < k; ++j) ++t[idx[j]];
}

// Counts exactly kGroup indices (a loop of fixed length), or kGroupInPlace in place.
inline void count_group(const uint32_t* idx, Counter& c) {
  uint32_t* t = c.narrow;
  if (t == nullptr) return count_in_place(idx, kGroupInPlace, c.counts);
  if (c.pending >= kFlushEvery - kGroup) finish(c);
  c.pending += kGroup;
  for (size_t j = 0; j < kGroup; ++j) ++t[idx[j]];
}

// The indices appended and not yet counted: idx[r, w), in the variant's array of
// kBufferWords (kept apart from r and w, which then stay in registers). A variant
// calls next() for each step of up to kGroup values (one or more vectors), stores
// the vectors' indices, the counted ones packed to the front, one after the other
// from the pointer it returns (whole vectors: at most kGroup entries get written),
// then advance()s by the number of counted values; drain() counts the rest.
struct IndexBuffer {
  uint32_t* idx;
  size_t r, w;

  explicit IndexBuffer(uint32_t* words) : idx(words), r(0), w(0) {}

  uint32_t* next(Counter& c) {
    const size_t group = c.narrow ? kGroup : kGroupInPlace;
    if (w - r >= kLag + group) {
      count_group(idx + r, c);
      r += group;
    }
    if (w > kBufferWords - kGroup) {  // no room for a whole step: move to the front
      memmove(idx, idx + r, (w - r) * sizeof(uint32_t));
      w -= r;
      r = 0;
    }
    return idx + w;
  }

  void advance(size_t k) { w += k; }

  void drain(Counter& c) {
    count(idx + r, w - r, c);
    r = w = 0;
  }
};

// For the 4-lane variants (NEON, SIMD128): for each mask m of the counted lanes
// (bit j: lane j), the byte shuffle that packs those lanes' 32-bit indices to the
// front of the vector (the other bytes select 0), and how many there are.
struct Compact4 {
  uint8_t shuffle[16][16];
  uint8_t count[16];
  constexpr Compact4() : shuffle(), count() {
    for (unsigned m = 0; m < 16; ++m) {
      unsigned k = 0;
      for (unsigned j = 0; j < 4; ++j)
        if ((m >> j) & 1) {
          for (unsigned b = 0; b < 4; ++b) shuffle[m][4 * k + b] = static_cast<uint8_t>(4 * j + b);
          ++k;
        }
      for (unsigned b = 4 * k; b < 16; ++b) shuffle[m][b] = 0xff;
      count[m] = static_cast<uint8_t>(k);
    }
  }
};
constexpr Compact4 kCompact4;

// ---------------------------------------------------------------------------
// [lo, hi] as floats: for a float v, lo <= v <= hi (in double) exactly when
// lo_f <= v <= hi_f, with lo_f the smallest float >= lo and hi_f the largest float
// <= hi. So the variants test whether a value is counted with one float compare
// per bound on all lanes, instead of two double compares.

// The next float up from a finite f.
inline float next_float_up(float f) {
  if (f == 0.0f) f = 0.0f;  // -0 and +0 alike: the smallest denormal follows
  uint32_t b;
  memcpy(&b, &f, 4);
  b = f < 0.0f ? b - 1 : b + 1;
  memcpy(&f, &b, 4);
  return f;
}

// The smallest float >= d (d finite): -FLT_MAX below the float range, +Inf above it.
inline float float_at_or_above(double d) {
  if (d > FLT_MAX) return __builtin_inff();
  if (d < -FLT_MAX) return -FLT_MAX;
  float f = static_cast<float>(d);  // nearest
  if (static_cast<double>(f) < d) f = next_float_up(f);
  return f;
}

// The largest float <= d (d finite).
inline float float_at_or_below(double d) { return -float_at_or_above(-d); }

}  // namespace histogram_counter
}  // namespace mp

#endif
