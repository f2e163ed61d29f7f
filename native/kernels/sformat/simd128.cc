// WebAssembly SIMD128 variant of the sformat kernels (sparse storage formats);
// ref.cc is the specification and every output here is bit-identical to it. Built
// by emcc with -msimd128, so the whole module requires SIMD and no target
// attributes are needed.
//
// Elements move as 32-bit lanes, so every bit pattern (NaN payloads, -0,
// denormals) is kept. The loops take blocks of 16 elements (four vectors): a lane
// is non-zero when its bits shifted left by one (dropping the sign) are not 0, and
// i32x4.bitmask turns each vector into a 4-bit mask that indexes the byte-shuffle
// tables of sformat_common.h for i8x16.swizzle (an index >= 16 gives 0):
// - compaction (csr_encode_row, bitmask_encode): the set lanes' bytes moved to the
//   front (LaneTables::compress4), stored at j. A 16-byte store at j stays inside
//   the exact-size output while at least 16 non-zeros are left from its block on,
//   so the encoders first walk back from the end until they have seen 16: those
//   last blocks are compacted into a small stack buffer on the way and appended at
//   the end.
// - expansion (bitmask_decode, unpack24): each lane takes the bytes of its rank
//   (LaneTables::expand4), 0x80 giving the zeros. Direct 16-byte loads at j are
//   used while the mask bits from the block on hold at least 16 ones; after that
//   the values go through a stack buffer.
// - pack24: each group's two kept values swizzled to the front, two groups joined
//   by one i64x2 shuffle.
#include "sformat_common.h"
#include "sformat_kernels.h"

#if defined(__wasm_simd128__)

#include <stdint.h>
#include <string.h>
#include <wasm_simd128.h>

namespace mp {
namespace {

using namespace sformat_detail;

constexpr size_t kBlock = 16;

// V8 rebuilds a v128.const at every use, and LLVM rematerialises constants rather
// than keep them in locals. OR-ing constants with a zero the optimiser cannot see
// through keeps them in registers.
volatile int32_t g_opaque_zero = 0;

inline v128_t opaque_zero() { return wasm_i32x4_splat(g_opaque_zero); }

inline v128_t load(const void* p) { return wasm_v128_load(p); }
inline void store(void* p, v128_t v) { wasm_v128_store(p, v); }

// All-ones in the non-zero (not +-0) lanes of v.
inline v128_t nonzero4(v128_t v, v128_t zero) { return wasm_i32x4_ne(wasm_i32x4_shl(v, 1), zero); }

// The 16 elements at x and their non-zero mask (bits 4q..4q+3: vector q).
struct Block16 {
  v128_t v[4];
  unsigned mask;
};

inline Block16 load_block(const uint32_t* x, v128_t zero) {
  Block16 b;
  b.mask = 0;
  for (size_t q = 0; q < 4; ++q) {
    b.v[q] = load(x + 4 * q);
    b.mask |= wasm_i32x4_bitmask(nonzero4(b.v[q], zero)) << (4 * q);
  }
  return b;
}

inline v128_t swizzle(v128_t v, const uint8_t* idx) { return wasm_i8x16_swizzle(v, load(idx)); }

// ---------------------------------------------------------------------------
// count_nonzero
//
// The compare gives -1 for a non-zero lane; subtracting it counts per lane, four
// accumulators, added up every 2^24 steps.

size_t count_nonzero_simd128(const float* x, size_t n) {
  const v128_t zero = opaque_zero();
  size_t i = 0, c = 0;
  while (i + kBlock <= n) {
    size_t steps = (n - i) / kBlock;
    if (steps > (size_t{1} << 24)) steps = size_t{1} << 24;
    v128_t a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    for (size_t s = 0; s < steps; ++s, i += kBlock) {
      a0 = wasm_i32x4_sub(a0, nonzero4(load(x + i), zero));
      a1 = wasm_i32x4_sub(a1, nonzero4(load(x + i + 4), zero));
      a2 = wasm_i32x4_sub(a2, nonzero4(load(x + i + 8), zero));
      a3 = wasm_i32x4_sub(a3, nonzero4(load(x + i + 12), zero));
    }
    const v128_t sum = wasm_i32x4_add(wasm_i32x4_add(a0, a1), wasm_i32x4_add(a2, a3));
    c += static_cast<size_t>(wasm_u32x4_extract_lane(sum, 0)) + wasm_u32x4_extract_lane(sum, 1) +
         wasm_u32x4_extract_lane(sum, 2) + wasm_u32x4_extract_lane(sum, 3);
  }
  return c + count_tail(x, i, n);
}

// ---------------------------------------------------------------------------
// Compaction of a block: its non-zero values at values + j and (if cols) their
// columns col0 + lane at cols + j; returns the new j. Writes up to 4 entries past
// the new j.

inline size_t encode16(const Block16& b, uint32_t col0, uint32_t* values, int32_t* cols, size_t j) {
  v128_t col = wasm_i32x4_add(wasm_u32x4_make(0, 1, 2, 3), wasm_u32x4_splat(col0));
  for (size_t q = 0; q < 4; ++q) {
    const unsigned m = (b.mask >> (4 * q)) & 15;
    store(values + j, swizzle(b.v[q], kLanes.compress4[m]));
    if (cols != nullptr) store(cols + j, swizzle(col, kLanes.compress4[m]));
    col = wasm_i32x4_add(col, wasm_i32x4_splat(4));  // wraps modulo 2^32 like the reference's int32 casts
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
  const v128_t zero = opaque_zero();
  size_t i = n / kBlock * kBlock;
  if (i < n) {  // the partial block, through a zero-padded copy
    uint32_t block[kBlock] = {};
    memcpy(block, x + i, (n - i) * sizeof(uint32_t));
    const Block16 b = load_block(block, zero);
    stash16(s, b, i, with_cols);
    if (bits != nullptr) {
      bits[i / 8] = static_cast<uint8_t>(b.mask);
      if (n - i > 8) bits[i / 8 + 1] = static_cast<uint8_t>(b.mask >> 8);
    }
  }
  while (i > 0) {
    const Block16 b = load_block(x + i - kBlock, zero);
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

size_t csr_encode_row_simd128(const float* x, size_t n, float* values, int32_t* cols) {
  const uint32_t* xb = reinterpret_cast<const uint32_t*>(x);
  uint32_t* vb = reinterpret_cast<uint32_t*>(values);
  const v128_t zero = opaque_zero();
  Stash s;
  const size_t end = stash_end(xb, n, s, true, nullptr);
  size_t j = 0;
  for (size_t i = 0; i < end; i += kBlock) {
    j = encode16(load_block(xb + i, zero), static_cast<uint32_t>(i), vb, cols, j);
  }
  return unstash(s, values, cols, j);
}

size_t bitmask_encode_simd128(const float* x, size_t n, uint8_t* bits, float* values) {
  const uint32_t* xb = reinterpret_cast<const uint32_t*>(x);
  uint32_t* vb = reinterpret_cast<uint32_t*>(values);
  const v128_t zero = opaque_zero();
  Stash s;
  const size_t end = stash_end(xb, n, s, false, bits);
  size_t j = 0;
  for (size_t i = 0; i < end; i += kBlock) {
    const Block16 b = load_block(xb + i, zero);
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
// above the one before it (a shuffle brings in the previous vector's last lane;
// -1 before the first) as signed int32, and below min(n, 2^31) as unsigned (a
// negative column is >= 2^31 then); a failing block, and the last partial one,
// are checked the scalar way. A checked block is scattered with scalar stores
// (or copied if its 16 columns are adjacent) into row chunks that were zeroed
// just before (RowZeroer).

// Zeros row[a, e) (for RowZeroer).
void zero_range(float* row, size_t a, size_t e) {
  const v128_t z = opaque_zero();
  for (; a + 16 <= e; a += 16) {
    store(row + a, z);
    store(row + a + 4, z);
    store(row + a + 8, z);
    store(row + a + 12, z);
  }
  for (; a < e; ++a) store_u32(row + a, 0u);
}


size_t csr_decode_row_simd128(const float* values, const int32_t* cols, size_t nnz, size_t n, float* row) {
  const v128_t limit = wasm_v128_or(wasm_u32x4_splat(static_cast<uint32_t>(n < 0x80000000u ? n : 0x80000000u)),
                                    opaque_zero());
  v128_t prev = wasm_i32x4_splat(-1);
  RowZeroer z(zero_range, row, n);
  size_t j = 0;
  for (; j + kBlock <= nnz; j += kBlock) {
    v128_t bad = opaque_zero();
    for (size_t q = 0; q < 4; ++q) {
      const v128_t c = load(cols + j + 4 * q);
      const v128_t before = wasm_i32x4_shuffle(prev, c, 3, 4, 5, 6);
      bad = wasm_v128_or(bad, wasm_v128_or(wasm_i32x4_le(c, before), wasm_u32x4_ge(c, limit)));
      prev = c;
    }
    if (wasm_v128_any_true(bad)) return csr_first_bad(cols, j, j + kBlock, n, j > 0 ? cols[j - 1] : -1);
    const size_t last = static_cast<size_t>(cols[j + kBlock - 1]);
    z.cover(last);
    if (last - static_cast<size_t>(cols[j]) == kBlock - 1) {  // 16 adjacent columns (a dense row)
      for (size_t q = 0; q < kBlock; q += 4) store(row + last - (kBlock - 1) + q, load(values + j + q));
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
    store(out + 4 * q, swizzle(load(v + r), kLanes.expand4[mq]));
    r += kLanes.count8[mq];
  }
}

size_t bitmask_decode_simd128(const uint8_t* bits, const float* values, size_t n, float* out) {
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
// bad groups, the meta byte and the kept lanes; each group's two are swizzled to
// its front and two groups joined. unpack24: each meta byte gives the bad groups
// and the kept lanes of its two groups, whose values (2 + 2 of the 4 loaded) are
// expanded by swizzles.

size_t pack24_simd128(const float* x, size_t n, float* values, uint8_t* meta) {
  const uint32_t* xb = reinterpret_cast<const uint32_t*>(x);
  uint32_t* vb = reinterpret_cast<uint32_t*>(values);
  const v128_t zero = opaque_zero();
  const size_t groups = n / 4;
  size_t g = 0;
  for (; g + 4 <= groups; g += 4) {
    const Block16 b = load_block(xb + 4 * g, zero);
    const unsigned lo = b.mask & 255, hi = b.mask >> 8;
    const unsigned bad = k24.pack_bad[lo] | k24.pack_bad[hi] << 2;
    if (bad != 0) return g + static_cast<size_t>(__builtin_ctz(bad));
    const unsigned s0 = k24.pack_sel[lo], s1 = k24.pack_sel[hi];
    const v128_t k0 = swizzle(b.v[0], kLanes.compress4[s0 & 15]), k1 = swizzle(b.v[1], kLanes.compress4[s0 >> 4]);
    const v128_t k2 = swizzle(b.v[2], kLanes.compress4[s1 & 15]), k3 = swizzle(b.v[3], kLanes.compress4[s1 >> 4]);
    store(vb + 2 * g, wasm_i64x2_shuffle(k0, k1, 0, 2));
    store(vb + 2 * g + 4, wasm_i64x2_shuffle(k2, k3, 0, 2));
    meta[g / 2] = k24.pack_meta[lo];
    meta[g / 2 + 1] = k24.pack_meta[hi];
  }
  return pack24_tail(x, g, groups, values, meta);
}

size_t unpack24_simd128(const float* values, const uint8_t* meta, size_t n, float* out) {
  const uint32_t* vb = reinterpret_cast<const uint32_t*>(values);
  uint32_t* ob = reinterpret_cast<uint32_t*>(out);
  const size_t groups = n / 4;
  size_t g = 0;
  for (; g + 4 <= groups; g += 4) {
    const unsigned b0 = meta[g / 2], b1 = meta[g / 2 + 1];
    const unsigned bad = k24.unpack_bad[b0] | k24.unpack_bad[b1] << 2;
    if (bad != 0) return g + static_cast<size_t>(__builtin_ctz(bad));
    const unsigned s0 = k24.unpack_sel[b0], s1 = k24.unpack_sel[b1];
    const v128_t v0 = load(vb + 2 * g), v1 = load(vb + 2 * g + 4);
    store(ob + 4 * g, swizzle(v0, kLanes.expand4[s0 & 15]));
    store(ob + 4 * g + 4, swizzle(v0, kLanes.expand4_hi[s0 >> 4]));
    store(ob + 4 * g + 8, swizzle(v1, kLanes.expand4[s1 & 15]));
    store(ob + 4 * g + 12, swizzle(v1, kLanes.expand4_hi[s1 >> 4]));
  }
  return unpack24_tail(values, meta, g, groups, n, out);
}

}  // namespace

const SformatKernels sformat_simd128 = {count_nonzero_simd128,  csr_encode_row_simd128, csr_decode_row_simd128,
                                        bitmask_encode_simd128, bitmask_decode_simd128, pack24_simd128,
                                        unpack24_simd128};

}  // namespace mp

#endif  // __wasm_simd128__
