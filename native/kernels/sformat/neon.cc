// AArch64 Advanced SIMD (NEON) variant of the sformat kernels (sparse storage
// formats); ref.cc is the specification and every output here is bit-identical to
// it. NEON is part of the AArch64 baseline, so no target attributes are needed.
//
// Elements move as 32-bit lanes, so every bit pattern (NaN payloads, -0,
// denormals) is kept. The loops take blocks of 16 elements (four vectors): CMTST
// against 0x7fffffff marks the non-zero lanes, and ANDs with lane weights plus one
// ADDV make a 16-bit mask (NEON has no movemask); each 4-bit quarter indexes the
// byte-shuffle tables of sformat_common.h for TBL:
// - compaction (csr_encode_row, bitmask_encode): the set lanes' bytes moved to the
//   front (LaneTables::compress4), stored at j. A 16-byte store at j stays inside
//   the exact-size output while at least 16 non-zeros are left from its block on,
//   so the encoders first walk back from the end until they have seen 16: those
//   last blocks are compacted into a small stack buffer on the way and appended at
//   the end.
// - expansion (bitmask_decode, unpack24): each lane takes the bytes of its rank
//   (LaneTables::expand4), where TBL's out-of-range index 0x80 gives the zeros.
//   Direct 16-byte loads at j are used while the mask bits from the block on hold
//   at least 16 ones; after that the values go through a stack buffer.
// - pack24: TBL over a pair of vectors (two groups) with Tables24::pack_pair.
#include "sformat_common.h"
#include "sformat_kernels.h"

#if defined(__aarch64__)

#include <arm_neon.h>
#include <stdint.h>
#include <string.h>

namespace mp {
namespace {

using namespace sformat_detail;

constexpr size_t kBlock = 16;

// Bits 4q..4q+3: the lanes of t[q] (all-ones or 0).
inline unsigned mask16(uint32x4_t t0, uint32x4_t t1, uint32x4_t t2, uint32x4_t t3) {
  static const uint32_t kWeights[16] = {1,     2,     4,     8,     16,    32,    64,    128,
                                        1u << 8, 1u << 9, 1u << 10, 1u << 11, 1u << 12, 1u << 13, 1u << 14, 1u << 15};
  const uint32x4_t a = vorrq_u32(vandq_u32(t0, vld1q_u32(kWeights)), vandq_u32(t1, vld1q_u32(kWeights + 4)));
  const uint32x4_t b = vorrq_u32(vandq_u32(t2, vld1q_u32(kWeights + 8)), vandq_u32(t3, vld1q_u32(kWeights + 12)));
  return vaddvq_u32(vorrq_u32(a, b));
}

// The non-zero mask of the 16 elements at x, and the elements.
struct Block16 {
  uint32x4_t v[4];
  unsigned mask;
};

inline Block16 load_block(const uint32_t* x) {
  const uint32x4_t abs = vdupq_n_u32(0x7fffffffu);
  Block16 b;
  for (size_t q = 0; q < 4; ++q) b.v[q] = vld1q_u32(x + 4 * q);
  b.mask = mask16(vtstq_u32(b.v[0], abs), vtstq_u32(b.v[1], abs), vtstq_u32(b.v[2], abs), vtstq_u32(b.v[3], abs));
  return b;
}

inline uint32x4_t tbl(uint32x4_t v, const uint8_t* idx) {
  return vreinterpretq_u32_u8(vqtbl1q_u8(vreinterpretq_u8_u32(v), vld1q_u8(idx)));
}

// ---------------------------------------------------------------------------
// count_nonzero
//
// CMTST gives all-ones (-1) for a non-zero lane; subtracting it counts per lane,
// four accumulators, added up every 2^24 steps.

size_t count_nonzero_neon(const float* x, size_t n) {
  const uint32_t* xb = reinterpret_cast<const uint32_t*>(x);
  const uint32x4_t abs = vdupq_n_u32(0x7fffffffu);
  size_t i = 0, c = 0;
  while (i + kBlock <= n) {
    size_t steps = (n - i) / kBlock;
    if (steps > (size_t{1} << 24)) steps = size_t{1} << 24;
    uint32x4_t a0 = vdupq_n_u32(0), a1 = a0, a2 = a0, a3 = a0;
    for (size_t s = 0; s < steps; ++s, i += kBlock) {
      a0 = vsubq_u32(a0, vtstq_u32(vld1q_u32(xb + i), abs));
      a1 = vsubq_u32(a1, vtstq_u32(vld1q_u32(xb + i + 4), abs));
      a2 = vsubq_u32(a2, vtstq_u32(vld1q_u32(xb + i + 8), abs));
      a3 = vsubq_u32(a3, vtstq_u32(vld1q_u32(xb + i + 12), abs));
    }
    c += vaddlvq_u32(vaddq_u32(vaddq_u32(a0, a1), vaddq_u32(a2, a3)));
  }
  return c + count_tail(x, i, n);
}

// ---------------------------------------------------------------------------
// Compaction of a block: its non-zero values at values + j and (if cols) their
// columns col0 + lane at cols + j; returns the new j. Writes up to 4 entries past
// the new j.

inline size_t encode16(const Block16& b, uint32_t col0, uint32_t* values, int32_t* cols, size_t j) {
  static const uint32_t kLane[4] = {0, 1, 2, 3};
  uint32x4_t col = vaddq_u32(vld1q_u32(kLane), vdupq_n_u32(col0));
  for (size_t q = 0; q < 4; ++q) {
    const unsigned m = (b.mask >> (4 * q)) & 15;
    vst1q_u32(values + j, tbl(b.v[q], kLanes.compress4[m]));
    if (cols != nullptr) vst1q_s32(cols + j, vreinterpretq_s32_u32(tbl(col, kLanes.compress4[m])));
    col = vaddq_u32(col, vdupq_n_u32(4));  // wraps modulo 2^32 like the reference's int32 casts
    j += kLanes.count8[m];
  }
  return j;
}

// ---------------------------------------------------------------------------
// The encoders' end: the last blocks, holding fewer than 16 non-zeros in all,
// compacted back to front into a stack buffer (see the top of the file).

struct Stash {
  uint32_t values[32];
  int32_t cols[32];
  size_t at = 32;  // the stash is [at, 32)
  size_t size() const { return 32 - at; }
};

// Puts the non-zeros of block b (columns from i) in front of the stash.
inline void stash16(Stash& s, const Block16& b, size_t i, bool with_cols) {
  if (b.mask == 0) return;
  uint32_t vals[kBlock + 4];
  int32_t cols[kBlock + 4];
  const size_t c = encode16(b, static_cast<uint32_t>(i), vals, with_cols ? cols : nullptr, 0);
  s.at -= c;
  memcpy(s.values + s.at, vals, c * sizeof(uint32_t));
  if (with_cols) memcpy(s.cols + s.at, cols, c * sizeof(int32_t));
}

// Walks back over the blocks of 16 at 0, 16, ... up to n (the last one partial),
// stashing them while the stash and the block hold fewer than 16 non-zeros.
// Returns the end of the blocks left to the main loop, every one of them followed
// by at least 16 non-zeros. bits: also writes the mask bytes of the stashed
// blocks.
size_t stash_end(const uint32_t* x, size_t n, Stash& s, bool with_cols, uint8_t* bits) {
  size_t i = n / kBlock * kBlock;
  if (i < n) {  // the partial block, through a zero-padded copy
    uint32_t block[kBlock] = {};
    memcpy(block, x + i, (n - i) * sizeof(uint32_t));
    const Block16 b = load_block(block);
    stash16(s, b, i, with_cols);
    if (bits != nullptr) {
      bits[i / 8] = static_cast<uint8_t>(b.mask);
      if (n - i > 8) bits[i / 8 + 1] = static_cast<uint8_t>(b.mask >> 8);
    }
  }
  while (i > 0) {
    const Block16 b = load_block(x + i - kBlock);
    if (s.size() + static_cast<size_t>(__builtin_popcount(b.mask)) >= kBlock) break;
    i -= kBlock;
    stash16(s, b, i, with_cols);
    if (bits != nullptr) {
      bits[i / 8] = static_cast<uint8_t>(b.mask);
      bits[i / 8 + 1] = static_cast<uint8_t>(b.mask >> 8);
    }
  }
  return i;
}

// Appends the stash at values + j (and cols + j); returns the count.
size_t unstash(const Stash& s, float* values, int32_t* cols, size_t j) {
  if (s.size() == 0) return j;  // values may be null then
  memcpy(values + j, s.values + s.at, s.size() * sizeof(uint32_t));
  if (cols != nullptr) memcpy(cols + j, s.cols + s.at, s.size() * sizeof(int32_t));
  return j + s.size();
}

// ---------------------------------------------------------------------------
// csr_encode_row, bitmask_encode

size_t csr_encode_row_neon(const float* x, size_t n, float* values, int32_t* cols) {
  const uint32_t* xb = reinterpret_cast<const uint32_t*>(x);
  uint32_t* vb = reinterpret_cast<uint32_t*>(values);
  Stash s;
  const size_t end = stash_end(xb, n, s, true, nullptr);
  size_t j = 0;
  for (size_t i = 0; i < end; i += kBlock) j = encode16(load_block(xb + i), static_cast<uint32_t>(i), vb, cols, j);
  return unstash(s, values, cols, j);
}

size_t bitmask_encode_neon(const float* x, size_t n, uint8_t* bits, float* values) {
  const uint32_t* xb = reinterpret_cast<const uint32_t*>(x);
  uint32_t* vb = reinterpret_cast<uint32_t*>(values);
  Stash s;
  const size_t end = stash_end(xb, n, s, false, bits);
  size_t j = 0;
  for (size_t i = 0; i < end; i += kBlock) {
    const Block16 b = load_block(xb + i);
    j = encode16(b, 0, vb, nullptr, j);
    bits[i / 8] = static_cast<uint8_t>(b.mask);
    bits[i / 8 + 1] = static_cast<uint8_t>(b.mask >> 8);
  }
  return unstash(s, values, nullptr, j);
}

// ---------------------------------------------------------------------------
// csr_decode_row
//
// One pass over the row. The columns are checked 16 at a time: each must be
// above the one before it (EXT brings in the previous vector's last lane; -1
// before the first) as signed int32, and below min(n, 2^31) as unsigned (a
// negative column is >= 2^31 then); a failing block, and the last partial one,
// are checked the scalar way. A checked block is scattered with scalar stores
// (or copied if its 16 columns are adjacent) into row chunks that were zeroed
// just before (RowZeroer).

// Zeros row[a, e) (for RowZeroer).
void zero_range(float* row, size_t a, size_t e) {
  uint32_t* r = reinterpret_cast<uint32_t*>(row);
  const uint32x4_t z = vdupq_n_u32(0);
  for (; a + 16 <= e; a += 16) {
    vst1q_u32(r + a, z);
    vst1q_u32(r + a + 4, z);
    vst1q_u32(r + a + 8, z);
    vst1q_u32(r + a + 12, z);
  }
  for (; a < e; ++a) r[a] = 0;
}


size_t csr_decode_row_neon(const float* values, const int32_t* cols, size_t nnz, size_t n, float* row) {
  const uint32x4_t limit = vdupq_n_u32(static_cast<uint32_t>(n < 0x80000000u ? n : 0x80000000u));
  int32x4_t prev = vdupq_n_s32(-1);
  RowZeroer z(zero_range, row, n);
  size_t j = 0;
  for (; j + kBlock <= nnz; j += kBlock) {
    uint32x4_t bad = vdupq_n_u32(0);
    for (size_t q = 0; q < 4; ++q) {
      const int32x4_t c = vld1q_s32(cols + j + 4 * q);
      const int32x4_t before = vextq_s32(prev, c, 3);
      bad = vorrq_u32(bad, vorrq_u32(vcleq_s32(c, before), vcgeq_u32(vreinterpretq_u32_s32(c), limit)));
      prev = c;
    }
    if (vmaxvq_u32(bad) != 0) return csr_first_bad(cols, j, j + kBlock, n, j > 0 ? cols[j - 1] : -1);
    const size_t last = static_cast<size_t>(cols[j + kBlock - 1]);
    z.cover(last);
    if (last - static_cast<size_t>(cols[j]) == kBlock - 1) {  // 16 adjacent columns (a dense row)
      const uint32_t* v = reinterpret_cast<const uint32_t*>(values) + j;
      uint32_t* r = reinterpret_cast<uint32_t*>(row) + last - (kBlock - 1);
      for (size_t q = 0; q < kBlock; q += 4) vst1q_u32(r + q, vld1q_u32(v + q));
    } else {
      csr_scatter(values, cols, j, j + kBlock, row);
    }
  }
  if (j < nnz) {
    const size_t e = csr_first_bad(cols, j, nnz, n, j > 0 ? cols[j - 1] : -1);
    if (e != nnz) return e;
    z.cover(static_cast<size_t>(cols[nnz - 1]));
    csr_scatter(values, cols, j, nnz, row);
  }
  z.finish();
  return nnz;
}

// ---------------------------------------------------------------------------
// bitmask_decode

// The 16 outputs of the mask m from the values at v (read up to 4 entries past
// its count).
inline void decode16(unsigned m, const uint32_t* v, uint32_t* out) {
  size_t r = 0;
  for (size_t q = 0; q < 4; ++q) {
    const unsigned mq = (m >> (4 * q)) & 15;
    vst1q_u32(out + 4 * q, tbl(vld1q_u32(v + r), kLanes.expand4[mq]));
    r += kLanes.count8[mq];
  }
}

size_t bitmask_decode_neon(const uint8_t* bits, const float* values, size_t n, float* out) {
  const uint32_t* vb = reinterpret_cast<const uint32_t*>(values);
  uint32_t* ob = reinterpret_cast<uint32_t*>(out);
  const size_t end = full_blocks_end_bits(bits, n, kBlock);
  size_t i = 0, j = 0;
  for (; i < end && i + kBlock <= n; i += kBlock) {
    const unsigned m = bits[i / 8] | bits[i / 8 + 1] << 8;
    decode16(m, vb + j, ob + i);
    j += kLanes.count8[m & 255] + kLanes.count8[m >> 8];
  }
  for (; i + kBlock <= n; i += kBlock) {  // fewer than 16 values left
    const unsigned m = bits[i / 8] | bits[i / 8 + 1] << 8;
    const size_t c = kLanes.count8[m & 255] + kLanes.count8[m >> 8];
    uint32_t v[kBlock + 4] = {};
    if (c > 0) memcpy(v, vb + j, c * sizeof(uint32_t));  // values may be null if none are left
    decode16(m, v, ob + i);
    j += c;
  }
  return bitmask_decode_tail(bits, values, i, n, out, j);
}

// ---------------------------------------------------------------------------
// pack24 / unpack24
//
// 16 elements (4 groups, 2 meta bytes) at a time; the last groups (fewer than 4)
// go the scalar way. pack24: each byte of the non-zero mask (two groups) gives the
// bad groups, the meta byte and a TBL over the two vectors picking the 4 kept
// values. unpack24: each meta byte gives the bad groups and the kept lanes of its
// two groups, whose values (2 + 2 of the 4 loaded) are expanded by TBL.

size_t pack24_neon(const float* x, size_t n, float* values, uint8_t* meta) {
  const uint32_t* xb = reinterpret_cast<const uint32_t*>(x);
  uint32_t* vb = reinterpret_cast<uint32_t*>(values);
  const size_t groups = n / 4;
  size_t g = 0;
  for (; g + 4 <= groups; g += 4) {
    const Block16 b = load_block(xb + 4 * g);
    const unsigned lo = b.mask & 255, hi = b.mask >> 8;
    const unsigned bad = k24.pack_bad[lo] | k24.pack_bad[hi] << 2;
    if (bad != 0) return g + static_cast<size_t>(__builtin_ctz(bad));
    const uint8x16x2_t p0 = {{vreinterpretq_u8_u32(b.v[0]), vreinterpretq_u8_u32(b.v[1])}};
    const uint8x16x2_t p1 = {{vreinterpretq_u8_u32(b.v[2]), vreinterpretq_u8_u32(b.v[3])}};
    vst1q_u8(reinterpret_cast<uint8_t*>(vb + 2 * g), vqtbl2q_u8(p0, vld1q_u8(k24.pack_pair[lo])));
    vst1q_u8(reinterpret_cast<uint8_t*>(vb + 2 * g + 4), vqtbl2q_u8(p1, vld1q_u8(k24.pack_pair[hi])));
    meta[g / 2] = k24.pack_meta[lo];
    meta[g / 2 + 1] = k24.pack_meta[hi];
  }
  return pack24_tail(x, g, groups, values, meta);
}

size_t unpack24_neon(const float* values, const uint8_t* meta, size_t n, float* out) {
  const uint32_t* vb = reinterpret_cast<const uint32_t*>(values);
  uint32_t* ob = reinterpret_cast<uint32_t*>(out);
  const size_t groups = n / 4;
  size_t g = 0;
  for (; g + 4 <= groups; g += 4) {
    const unsigned b0 = meta[g / 2], b1 = meta[g / 2 + 1];
    const unsigned bad = k24.unpack_bad[b0] | k24.unpack_bad[b1] << 2;
    if (bad != 0) return g + static_cast<size_t>(__builtin_ctz(bad));
    const unsigned s0 = k24.unpack_sel[b0], s1 = k24.unpack_sel[b1];
    const uint32x4_t v0 = vld1q_u32(vb + 2 * g), v1 = vld1q_u32(vb + 2 * g + 4);
    vst1q_u32(ob + 4 * g, tbl(v0, kLanes.expand4[s0 & 15]));
    vst1q_u32(ob + 4 * g + 4, tbl(v0, kLanes.expand4_hi[s0 >> 4]));
    vst1q_u32(ob + 4 * g + 8, tbl(v1, kLanes.expand4[s1 & 15]));
    vst1q_u32(ob + 4 * g + 12, tbl(v1, kLanes.expand4_hi[s1 >> 4]));
  }
  return unpack24_tail(values, meta, g, groups, n, out);
}

}  // namespace

const SformatKernels sformat_neon = {count_nonzero_neon,  csr_encode_row_neon, csr_decode_row_neon, bitmask_encode_neon,
                                     bitmask_decode_neon, pack24_neon,         unpack24_neon};

}  // namespace mp

#endif  // __aarch64__
