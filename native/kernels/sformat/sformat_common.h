// Shared by the SIMD variants of the sformat family (sparse storage formats): the
// lookup tables of stream compaction and expansion by lane mask, the 2:4 rules by
// group mask, the scalar pieces that finish what the vector loops leave (tails,
// the csr_decode_row scatter), and where full-vector loads of an exact-size input
// must stop. No intrinsics and no target attributes: it compiles for the baseline
// ISA in every translation unit that includes it. Elements are moved as their
// bits (uint32), never as floats.
#ifndef MODELPRESS_SFORMAT_COMMON_H
#define MODELPRESS_SFORMAT_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sformat_kernels.h"

namespace mp {
namespace sformat_detail {

inline uint32_t load_u32(const void* p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}
inline void store_u32(void* p, uint32_t v) { memcpy(p, &v, sizeof v); }
inline uint64_t load_u64(const void* p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

// ---------------------------------------------------------------------------
// Lane tables, by lane mask (bit l = lane l).

struct LaneTables {
  // 8 x 32-bit lanes (x86 VPERMD / VPERMPS; AVX-512 joins two bytes' worth):
  uint8_t compress8[256][8];  // the set lanes' indices in order, then 0
  int8_t expand8[256][8];     // lane l: its rank among the set lanes, or -1 if clear
  uint8_t count8[256];        // set lanes (also the popcount of a byte)
  // 4 x 32-bit lanes as 16 byte indices (NEON TBL, wasm i8x16.swizzle; an index
  // >= 16 gives a zero byte):
  uint8_t compress4[16][16];   // the set lanes' bytes moved to the front, then 0x80
  uint8_t expand4[16][16];     // lane l takes the bytes of lane rank(l), 0x80 if clear
  uint8_t expand4_hi[16][16];  // the same, the ranks counted from byte 8
  constexpr LaneTables() : compress8(), expand8(), count8(), compress4(), expand4(), expand4_hi() {
    for (unsigned m = 0; m < 256; ++m) {
      unsigned k = 0;
      for (unsigned l = 0; l < 8; ++l) {
        expand8[m][l] = -1;
        if ((m >> l) & 1) {
          compress8[m][k] = static_cast<uint8_t>(l);
          expand8[m][l] = static_cast<int8_t>(k);
          ++k;
        }
      }
      count8[m] = static_cast<uint8_t>(k);
    }
    for (unsigned m = 0; m < 16; ++m) {
      for (unsigned b = 0; b < 16; ++b) compress4[m][b] = expand4[m][b] = expand4_hi[m][b] = 0x80;
      unsigned k = 0;
      for (unsigned l = 0; l < 4; ++l) {
        if (!((m >> l) & 1)) continue;
        for (unsigned b = 0; b < 4; ++b) {
          compress4[m][4 * k + b] = static_cast<uint8_t>(4 * l + b);
          expand4[m][4 * l + b] = static_cast<uint8_t>(4 * k + b);
          expand4_hi[m][4 * l + b] = static_cast<uint8_t>(8 + 4 * k + b);
        }
        ++k;
      }
    }
  }
};
alignas(64) inline constexpr LaneTables kLanes;

// ---------------------------------------------------------------------------
// 2:4 rules (see pack24 in sformat_kernels.h).

struct Pick24 {
  bool ok;      // at most two non-zeros
  uint8_t sel;  // the two kept positions, as lane bits
  uint8_t nib;  // i0 | i1 << 2
};

// The kept positions of a group whose non-zero positions are the bits of m.
constexpr Pick24 pick24(unsigned m) {
  unsigned pos[2] = {0, 0};
  unsigned k = 0;
  for (unsigned t = 0; t < 4; ++t) {
    if (!((m >> t) & 1)) continue;
    if (k == 2) return Pick24{false, 3, 4};
    pos[k++] = t;
  }
  for (unsigned t = 0; k < 2; ++t) {  // fill up with the lowest positions not taken
    if (k == 1 && pos[0] == t) continue;
    pos[k++] = t;
  }
  const unsigned i0 = pos[0] < pos[1] ? pos[0] : pos[1], i1 = pos[0] < pos[1] ? pos[1] : pos[0];
  return Pick24{true, static_cast<uint8_t>(1u << i0 | 1u << i1), static_cast<uint8_t>(i0 | i1 << 2)};
}

// By a byte of lane bits (pack) or a meta byte (unpack): two groups at once,
// bits / nibble 0-3 the even group, 4-7 the odd one.
struct Tables24 {
  uint8_t pack_sel[256];   // the lanes kept (two per group; 0b0011 for a bad group)
  uint8_t pack_meta[256];  // the meta byte
  uint8_t pack_bad[256];   // bit 0: the even group has more than two non-zeros, bit 1: the odd one
  uint8_t unpack_sel[256];  // the lanes the values go to (0 for a bad nibble)
  uint8_t unpack_bad[256];  // bit 0: the low nibble has i0 >= i1, bit 1: the high one
  // x86 permutes: the 4 kept lanes (0-7) of a byte's two groups as 4 index bytes,
  // by pack lane byte; the rank (0-3) of the value each of the 8 outputs of a meta
  // byte takes, -1 for a zero output (as LaneTables::expand8).
  uint32_t pack_idx[256];
  int8_t unpack_idx[256][8];
  // NEON: TBL byte indices taking the kept values of the two groups from a pair of
  // vectors (group 2h in bytes 0-15, group 2h + 1 in bytes 16-31), by pack lane byte.
  uint8_t pack_pair[256][16];
  constexpr Tables24()
      : pack_sel(), pack_meta(), pack_bad(), unpack_sel(), unpack_bad(), pack_idx(), unpack_idx(), pack_pair() {
    for (unsigned m = 0; m < 256; ++m) {
      const Pick24 lo = pick24(m & 15), hi = pick24(m >> 4);
      pack_sel[m] = static_cast<uint8_t>(lo.sel | hi.sel << 4);
      pack_meta[m] = static_cast<uint8_t>(lo.nib | hi.nib << 4);
      pack_bad[m] = static_cast<uint8_t>((lo.ok ? 0u : 1u) | (hi.ok ? 0u : 2u));
      for (unsigned b = 0; b < 8; ++b) {
        pack_pair[m][b] = kLanes.compress4[lo.sel][b];
        pack_pair[m][8 + b] = static_cast<uint8_t>(16 + kLanes.compress4[hi.sel][b]);
      }
      const unsigned n0 = m & 15, n1 = m >> 4;
      const bool ok0 = (n0 & 3) < (n0 >> 2), ok1 = (n1 & 3) < (n1 >> 2);
      const unsigned s0 = ok0 ? (1u << (n0 & 3) | 1u << (n0 >> 2)) : 0;
      const unsigned s1 = ok1 ? (1u << (n1 & 3) | 1u << (n1 >> 2)) : 0;
      unpack_sel[m] = static_cast<uint8_t>(s0 | s1 << 4);
      unpack_bad[m] = static_cast<uint8_t>((ok0 ? 0u : 1u) | (ok1 ? 0u : 2u));
      for (unsigned b = 0; b < 4; ++b) {
        pack_idx[m] |= static_cast<uint32_t>(kLanes.compress8[pack_sel[m]][b]) << (8 * b);
      }
      for (unsigned l = 0; l < 8; ++l) unpack_idx[m][l] = kLanes.expand8[unpack_sel[m]][l];
    }
  }
};
alignas(64) inline constexpr Tables24 k24;

// ---------------------------------------------------------------------------
// Scalar pieces: each does what ref.cc does for a part of the input.

// Non-zero elements of x[i, n).
inline size_t count_tail(const float* x, size_t i, size_t n) {
  size_t c = 0;
  for (; i < n; ++i) c += is_stored(load_u32(x + i));
  return c;
}

// bitmask_decode of elements [i, n), i a multiple of 8, values from j; returns the
// new j.
inline size_t bitmask_decode_tail(const uint8_t* bits, const float* values, size_t i, size_t n, float* out,
                                  size_t j) {
  for (; i < n; ++i) store_u32(out + i, (bits[i / 8] >> (i % 8)) & 1 ? load_u32(values + j++) : 0u);
  return j;
}

// csr_decode_row's check of entries [j, e), the column before j being prev (-1
// for none): the first whose column is not above the one before it or not below
// n, else e.
inline size_t csr_first_bad(const int32_t* cols, size_t j, size_t e, size_t n, int64_t prev) {
  for (; j < e; ++j) {
    const int64_t c = cols[j];
    if (c <= prev || c >= static_cast<int64_t>(n)) return j;
    prev = c;
  }
  return e;
}

// csr_decode_row's zeroing of the row, ahead of the scatter: a chunk at a time,
// as far as the column the next entries reach, so that their stores land in
// lines just zeroed (in L1) and each line goes to memory once. The chunks end at
// 64-byte boundaries after the first; what is left after the last column is one
// memset (which streams large sizes without reading the lines first).
struct RowZeroer {
  static constexpr size_t kChunk = 512;  // elements zeroed at a time (2 KiB)
  void (*zero)(float* row, size_t a, size_t e);  // the variant's: zeros row[a, e)
  float* row;
  size_t n;
  size_t zeroed = 0;  // row[0, zeroed) is zeroed
  size_t end;         // where the next chunk ends
  RowZeroer(void (*zero_)(float*, size_t, size_t), float* row_, size_t n_) : zero(zero_), row(row_), n(n_) {
    const uintptr_t addr = reinterpret_cast<uintptr_t>(row);
    end = (addr % sizeof(float) != 0 ? 0 : ((64 - (addr & 63)) & 63) / sizeof(float)) + kChunk;
    if (end > n) end = n;
  }
  // Zeros whole chunks until column c (< n) is covered.
  void cover(size_t c) {
    while (zeroed <= c) {
      zero(row, zeroed, end);
      zeroed = end;
      end = end + kChunk < n ? end + kChunk : n;
    }
  }
  void finish() { memset(row + zeroed, 0, (n - zeroed) * sizeof(float)); }
};

// The scatter of csr_decode_row for entries [j, e), already checked.
inline void csr_scatter(const float* values, const int32_t* cols, size_t j, size_t e, float* row) {
  for (; j < e; ++j) store_u32(row + cols[j], load_u32(values + j));
}

// pack24 of groups [g, groups), g even (whole meta bytes from g / 2 on); returns
// groups, or the first group with more than two non-zeros.
inline size_t pack24_tail(const float* x, size_t g, size_t groups, float* values, uint8_t* meta) {
  for (; g < groups; g += 2) {
    unsigned byte = 0;
    for (size_t h = g; h < g + 2 && h < groups; ++h) {
      unsigned m = 0;
      for (unsigned t = 0; t < 4; ++t) m |= static_cast<unsigned>(is_stored(load_u32(x + 4 * h + t))) << t;
      const Pick24 p = pick24(m);
      if (!p.ok) return h;
      const unsigned i0 = p.nib & 3, i1 = p.nib >> 2;
      store_u32(values + 2 * h, load_u32(x + 4 * h + i0));
      store_u32(values + 2 * h + 1, load_u32(x + 4 * h + i1));
      byte |= static_cast<unsigned>(p.nib) << (4 * (h - g));
    }
    meta[g / 2] = static_cast<uint8_t>(byte);
  }
  return groups;
}

// unpack24 of groups [g, groups) and the zeros of out[4 * groups, n); returns
// groups, or the first group whose nibble does not have i0 < i1.
inline size_t unpack24_tail(const float* values, const uint8_t* meta, size_t g, size_t groups, size_t n,
                            float* out) {
  for (; g < groups; ++g) {
    const unsigned nib = (meta[g / 2] >> (4 * (g % 2))) & 15;
    const unsigned i0 = nib & 3, i1 = nib >> 2;
    if (i0 >= i1) return g;
    for (unsigned t = 0; t < 4; ++t) store_u32(out + 4 * g + t, 0u);
    store_u32(out + 4 * g + i0, load_u32(values + 2 * g));
    store_u32(out + 4 * g + i1, load_u32(values + 2 * g + 1));
  }
  for (size_t i = 4 * groups; i < n; ++i) store_u32(out + i, 0u);
  return groups;
}

// ---------------------------------------------------------------------------
// bitmask_decode reads exactly popcount values. A vector loop over blocks of
// `block` outputs (at 0, block, 2 * block, ...) that loads vectors of packed
// values from j on, reaching at most `block` entries past j, stays inside them
// while the mask bits from its block on hold at least `block` ones. This returns
// the end of the block starts for which that holds: blocks starting below it may
// load full vectors, the rest (holding fewer than `block` ones in all) must not.
// The high bits of the last byte past n are ignored; block is a multiple of 8.
inline size_t full_blocks_end_bits(const uint8_t* bits, size_t n, size_t block) {
  size_t k = (n + 7) / 8;  // bytes [0, k) not yet counted
  if (k == 0) return 0;
  uint32_t c = kLanes.count8[bits[k - 1] & (n % 8 ? (1u << (n % 8)) - 1 : 0xffu)];
  --k;
  for (;;) {
    if (c >= block) return 8 * k / block * block + block;
    if (k == 0) return 0;
    uint64_t w = 0;
    if (k >= 8) memcpy(&w, bits + k - 8, 8);
    if (k >= 8 && w == 0) {  // skip runs of zero bytes 8 at a time
      k -= 8;
      continue;
    }
    --k;
    c += kLanes.count8[bits[k]];
  }
}

}  // namespace sformat_detail
}  // namespace mp

#endif
