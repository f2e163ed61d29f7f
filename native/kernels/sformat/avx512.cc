// AVX-512 (F/BW/DQ/VL) variant of the sformat kernels (sparse storage formats);
// ref.cc is the specification and every output here is bit-identical to it.
//
// This file is compiled for the baseline x86-64 ISA. Every function that uses
// AVX-512 carries MP_AVX512 (a target attribute) and is only reached through
// sformat_avx512, which dispatch selects after cpu_features() reported AVX-512.
// Do not call non-intrinsic inline library functions from these functions.
//
// The non-zero test is VPTESTMD against 0x7fffffff (the bits without the sign),
// straight into a lane mask; elements move as int32 lanes, so every bit pattern
// (NaN payloads, -0, denormals) is kept.
// - Compaction (csr_encode_row, bitmask_encode, pack24) is a VPERMD whose
//   indices (the set lanes' in order) come from an 8-bit lookup table per mask
//   byte, the high byte's moved next to the low byte's by a second VPERMD; the
//   columns are those indices + i. Not VPCOMPRESSD: to memory it is microcoded on
//   Zen 4, and into a register it measured here (Zen 5) as a 5-cycle chain
//   through its destination register, so a loop of them runs at its latency.
//   The compacted vector gets a plain 64-byte store at the output position
//   (masked stores cost a dense stream ~1.5x). That store stays inside the
//   exact-size output while at least 16 non-zeros are left from its block on, so
//   the encoders first walk back from the end until they have seen 16: those
//   last blocks are compacted into a small stack buffer on the way (each element
//   is still read once) and appended at the end with a masked store; every block
//   before them stores full vectors.
// - Expansion (bitmask_decode, unpack24) is the same kind of table VPERMD (each
//   output lane's rank among the set bits), zero-masked by the bits: VPEXPANDD
//   measured ~2x slower than the whole stream on Zen 5 (the same chain). Full
//   16-value loads at j are used while the mask bits from the block on hold at
//   least 16 ones; after that, loads masked to the values left.
// - Tails and heads use masked loads and stores, which never touch the
//   masked-off bytes.
#include "sformat_common.h"
#include "sformat_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)

// GCC 12's AVX-512 headers trip a false -Wmaybe-uninitialized on their own
// _mm512_undefined_*() placeholders (GCC PR 105593, fixed in GCC 13).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define MP_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,popcnt")))

namespace mp {
namespace {

using namespace sformat_detail;

// The first k (0..16) lanes.
inline __mmask16 first_lanes(size_t k) { return static_cast<__mmask16>((1u << k) - 1u); }

// Elements before x's first 64-byte boundary (at most n; 0 if x is not even
// float-aligned): streaming loops start there, as 64-byte loads that straddle two
// cache lines cost a stream markedly.
inline size_t head_to_line(const void* x, size_t n) {
  const uintptr_t addr = reinterpret_cast<uintptr_t>(x);
  if (addr % sizeof(float) != 0) return 0;
  const size_t k = ((64 - (addr & 63)) & 63) / sizeof(float);
  return k < n ? k : n;
}

MP_AVX512 inline __m512i abs_mask() { return _mm512_set1_epi32(0x7fffffff); }

// ---------------------------------------------------------------------------
// count_nonzero
//
// Per-lane counts: a masked subtract of -1 in the non-zero lanes, four
// accumulators, added up every 2^24 steps (long before a lane can wrap).

MP_AVX512 size_t count_nonzero_avx512(const float* x, size_t n) {
  const int* xi = reinterpret_cast<const int*>(x);
  const __m512i abs = abs_mask(), m1 = _mm512_set1_epi32(-1);
  size_t i = head_to_line(x, n);
  size_t c = _mm_popcnt_u32(_mm512_test_epi32_mask(_mm512_maskz_loadu_epi32(first_lanes(i), xi), abs));
  while (i + 64 <= n) {
    size_t steps = (n - i) / 64;
    if (steps > (size_t{1} << 24)) steps = size_t{1} << 24;
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t s = 0; s < steps; ++s, i += 64) {
      a0 = _mm512_mask_sub_epi32(a0, _mm512_test_epi32_mask(_mm512_loadu_si512(xi + i), abs), a0, m1);
      a1 = _mm512_mask_sub_epi32(a1, _mm512_test_epi32_mask(_mm512_loadu_si512(xi + i + 16), abs), a1, m1);
      a2 = _mm512_mask_sub_epi32(a2, _mm512_test_epi32_mask(_mm512_loadu_si512(xi + i + 32), abs), a2, m1);
      a3 = _mm512_mask_sub_epi32(a3, _mm512_test_epi32_mask(_mm512_loadu_si512(xi + i + 48), abs), a3, m1);
    }
    const __m512i sum = _mm512_add_epi32(_mm512_add_epi32(a0, a1), _mm512_add_epi32(a2, a3));
    c += static_cast<uint32_t>(_mm512_reduce_add_epi32(sum));  // at most 2^30
  }
  for (; i < n; i += 16) {
    const __mmask16 in = first_lanes(n - i < 16 ? n - i : 16);
    c += _mm_popcnt_u32(_mm512_test_epi32_mask(_mm512_maskz_loadu_epi32(in, xi + i), abs));
  }
  return c;
}

// ---------------------------------------------------------------------------
// Compaction by table: the indices of the lanes of a 16-bit mask, in order, as
// a permute vector. LaneTables::compress8 holds them for each byte; the high
// byte's (+ 8) are moved down next to the low byte's by one more permute.

// kMerge[c][l]: lane l of the result takes lane l of the low byte's c indices,
// then the high byte's from lane 8 on.
struct Merge16 {
  int32_t idx[9][16];
  constexpr Merge16() : idx() {
    for (int c = 0; c <= 8; ++c)
      for (int l = 0; l < 16; ++l) idx[c][l] = l < c ? l : (l - c + 8) & 15;
  }
};
alignas(64) constexpr Merge16 kMerge;

// The permute indices compacting the lanes k (the rest are don't-cares).
MP_AVX512 inline __m512i compress_index(unsigned k) {
  const unsigned lo = k & 255, hi = k >> 8;
  const __m128i halves = _mm_set_epi64x(static_cast<long long>(load_u64(kLanes.compress8[hi]) + 0x0808080808080808u),
                                        static_cast<long long>(load_u64(kLanes.compress8[lo])));
  return _mm512_permutexvar_epi32(_mm512_load_si512(kMerge.idx[kLanes.count8[lo]]), _mm512_cvtepu8_epi32(halves));
}

// ---------------------------------------------------------------------------
// The encoders' end: the last blocks, holding fewer than 16 non-zeros in all,
// compacted back to front into a stack buffer (see the top of the file).

struct Stash {
  alignas(64) uint32_t values[32];
  alignas(64) int32_t cols[32];
  size_t at = 32;  // the stash is [at, 32)
  size_t size() const { return 32 - at; }
};

// Puts the lanes k of v (columns from i) in front of the stash.
MP_AVX512 inline void stash16(Stash& s, __mmask16 k, __m512i v, size_t i) {
  if (k == 0) return;
  const unsigned c = _mm_popcnt_u32(k);
  const __m512i idx = compress_index(k);
  s.at -= c;
  _mm512_mask_storeu_epi32(s.values + s.at, first_lanes(c), _mm512_permutexvar_epi32(idx, v));
  const __m512i col = _mm512_add_epi32(idx, _mm512_set1_epi32(static_cast<int>(i)));
  _mm512_mask_storeu_epi32(s.cols + s.at, first_lanes(c), col);
}

// Walks back over the blocks of 16 at start, start + 16, ... up to n (the last
// one partial), stashing them while the stash and the block hold fewer than 16
// non-zeros. Returns the end of the blocks left to the main loop (it starts its
// last block at the return value - 16), every one of them followed by at least
// 16 non-zeros. bits: also writes the mask bytes of the stashed blocks (start a
// multiple of 8).
MP_AVX512 size_t stash_end(const int* x, size_t start, size_t n, Stash& s, uint8_t* bits) {
  const __m512i abs = abs_mask();
  size_t i = start + (n - start) / 16 * 16;
  if (i < n) {  // the partial block
    const __m512i v = _mm512_maskz_loadu_epi32(first_lanes(n - i), x + i);
    const __mmask16 k = _mm512_test_epi32_mask(v, abs);
    stash16(s, k, v, i);
    if (bits != nullptr) {
      bits[i / 8] = static_cast<uint8_t>(k);
      if (n - i > 8) bits[i / 8 + 1] = static_cast<uint8_t>(k >> 8);
    }
  }
  while (i > start) {
    const __m512i v = _mm512_loadu_si512(x + i - 16);
    const __mmask16 k = _mm512_test_epi32_mask(v, abs);
    if (s.size() + _mm_popcnt_u32(k) >= 16) break;
    i -= 16;
    stash16(s, k, v, i);
    if (bits != nullptr) {
      const uint16_t w = k;
      memcpy(bits + i / 8, &w, 2);
    }
  }
  return i;
}

// Appends the stash at values + j (and cols + j); returns the count.
MP_AVX512 size_t unstash(const Stash& s, float* values, int32_t* cols, size_t j) {
  const __mmask16 out = first_lanes(s.size());  // at most 15
  _mm512_mask_storeu_epi32(values + j, out, _mm512_maskz_loadu_epi32(out, s.values + s.at));
  if (cols != nullptr) _mm512_mask_storeu_epi32(cols + j, out, _mm512_maskz_loadu_epi32(out, s.cols + s.at));
  return j + s.size();
}

// ---------------------------------------------------------------------------
// csr_encode_row
//
// 16 elements at a time from x's first 64-byte boundary: the non-zero lanes of
// the elements are compacted and stored at j, and their columns are the permute
// indices plus i (wrapping modulo 2^32 like the reference's int32 casts).

MP_AVX512 size_t csr_encode_row_avx512(const float* x, size_t n, float* values, int32_t* cols) {
  const int* xi = reinterpret_cast<const int*>(x);
  const __m512i abs = abs_mask();
  size_t i = head_to_line(x, n), j = 0;
  if (i > 0) {  // the head: masked stores
    const __m512i v = _mm512_maskz_loadu_epi32(first_lanes(i), xi);
    const __mmask16 k = _mm512_test_epi32_mask(v, abs);
    const __m512i idx = compress_index(k);
    j = _mm_popcnt_u32(k);
    _mm512_mask_storeu_epi32(values, first_lanes(j), _mm512_permutexvar_epi32(idx, v));
    _mm512_mask_storeu_epi32(cols, first_lanes(j), idx);
  }
  Stash s;
  const size_t end = stash_end(xi, i, n, s, nullptr);
  for (; i < end; i += 16) {
    const __m512i v = _mm512_loadu_si512(xi + i);
    const unsigned k = _mm512_test_epi32_mask(v, abs);
    const __m512i idx = compress_index(k);
    _mm512_storeu_si512(values + j, _mm512_permutexvar_epi32(idx, v));
    _mm512_storeu_si512(cols + j, _mm512_add_epi32(idx, _mm512_set1_epi32(static_cast<int>(i))));
    j += _mm_popcnt_u32(k);
  }
  return unstash(s, values, cols, j);
}

// ---------------------------------------------------------------------------
// csr_decode_row
//
// One pass over the row. The columns are checked 16 at a time: each must be
// above the one before it (that one is lane 15 of the previous vector, brought in
// by VALIGND; -1 before the first) as signed int32, and below min(n, 2^31) as
// unsigned (a negative column is >= 2^31 then). A checked block is scattered with
// scalar stores (VPSCATTERDD is slow on AMD), or copied if its 16 columns are
// adjacent, into row chunks that were zeroed just before (RowZeroer).

// Zeros row[a, e) (for RowZeroer).
MP_AVX512 void zero_range(float* row, size_t a, size_t e) {
  const __m512 z = _mm512_setzero_ps();
  for (; a + 64 <= e; a += 64) {
    _mm512_storeu_ps(row + a, z);
    _mm512_storeu_ps(row + a + 16, z);
    _mm512_storeu_ps(row + a + 32, z);
    _mm512_storeu_ps(row + a + 48, z);
  }
  for (; a + 16 <= e; a += 16) _mm512_storeu_ps(row + a, z);
  if (a < e) _mm512_mask_storeu_ps(row + a, first_lanes(e - a), z);
}

MP_AVX512 size_t csr_decode_row_avx512(const float* values, const int32_t* cols, size_t nnz, size_t n, float* row) {
  const __m512i limit = _mm512_set1_epi32(static_cast<int>(n < 0x80000000u ? n : 0x80000000u));
  __m512i prev = _mm512_set1_epi32(-1);
  RowZeroer z(zero_range, row, n);
  for (size_t j = 0; j < nnz; j += 16) {
    const size_t w = nnz - j < 16 ? nnz - j : 16;
    const __mmask16 in = first_lanes(w);
    const __m512i c = _mm512_maskz_loadu_epi32(in, cols + j);
    const __m512i before = _mm512_alignr_epi32(c, prev, 15);
    const __mmask16 bad = _mm512_mask_cmple_epi32_mask(in, c, before) | _mm512_mask_cmpge_epu32_mask(in, c, limit);
    if (bad != 0) return j + static_cast<size_t>(__builtin_ctz(bad));
    prev = c;
    const size_t last = static_cast<size_t>(cols[j + w - 1]);
    z.cover(last);
    if (w == 16 && last - static_cast<size_t>(cols[j]) == 15) {  // 16 adjacent columns (a dense row)
      _mm512_storeu_si512(row + last - 15, _mm512_loadu_si512(values + j));
    } else if (w == 16) {
      csr_scatter(values, cols, j, j + 16, row);  // a fixed count: unrolled
    } else {
      csr_scatter(values, cols, j, j + w, row);
    }
  }
  z.finish();
  return nnz;
}

// ---------------------------------------------------------------------------
// bitmask_encode
//
// 16 elements at a time from x (the mask bytes fix the block grid): the lane mask
// is the 2 mask bytes, and the non-zero lanes are compacted and stored as in
// csr_encode_row.

MP_AVX512 size_t bitmask_encode_avx512(const float* x, size_t n, uint8_t* bits, float* values) {
  const int* xi = reinterpret_cast<const int*>(x);
  const __m512i abs = abs_mask();
  Stash s;
  const size_t end = stash_end(xi, 0, n, s, bits);
  size_t j = 0;
  for (size_t i = 0; i < end; i += 16) {
    const __m512i v = _mm512_loadu_si512(xi + i);
    const unsigned k = _mm512_test_epi32_mask(v, abs);
    _mm512_storeu_si512(values + j, _mm512_permutexvar_epi32(compress_index(k), v));
    j += _mm_popcnt_u32(k);
    const uint16_t w = static_cast<uint16_t>(k);
    memcpy(bits + i / 8, &w, 2);
  }
  return unstash(s, values, nullptr, j);
}

// ---------------------------------------------------------------------------
// bitmask_decode
//
// 16 outputs at a time: the indices of both mask bytes' lanes (ranks, from
// LaneTables::expand8; the high byte's shifted by the low byte's count) picking
// from the 16 values at j, zero-masked by the mask.

// The 16 outputs of the mask bytes lo, hi from the values at v.
MP_AVX512 inline __m512i expand16(unsigned lo, unsigned hi, __m512i v) {
  const __m128i ranks = _mm_set_epi64x(static_cast<long long>(load_u64(kLanes.expand8[hi])),
                                       static_cast<long long>(load_u64(kLanes.expand8[lo])));
  const __m512i idx = _mm512_add_epi32(_mm512_cvtepi8_epi32(ranks),
                                       _mm512_mask_set1_epi32(_mm512_setzero_si512(), 0xff00, kLanes.count8[lo]));
  return _mm512_maskz_permutexvar_epi32(static_cast<__mmask16>(lo | hi << 8), idx, v);
}

MP_AVX512 size_t bitmask_decode_avx512(const uint8_t* bits, const float* values, size_t n, float* out) {
  const size_t end = full_blocks_end_bits(bits, n, 16);
  size_t i = 0, j = 0;
  for (; i < end && i + 16 <= n; i += 16) {
    const unsigned lo = bits[i / 8], hi = bits[i / 8 + 1];
    _mm512_storeu_si512(out + i, expand16(lo, hi, _mm512_loadu_si512(values + j)));
    j += kLanes.count8[lo] + kLanes.count8[hi];
  }
  // Fewer than 16 values left (the rest of the mask may still be long): loads
  // masked to them, and a masked store at the end.
  for (; i < n; i += 16) {
    const size_t r = n - i < 16 ? n - i : 16;
    const unsigned lo = bits[i / 8] & (r < 8 ? (1u << r) - 1 : 0xffu);
    const unsigned hi = r > 8 ? bits[i / 8 + 1] & ((1u << (r - 8)) - 1) : 0u;
    if ((lo | hi) == 0) {
      if (r == 16) {
        _mm512_storeu_si512(out + i, _mm512_setzero_si512());
      } else {
        _mm512_mask_storeu_epi32(out + i, first_lanes(r), _mm512_setzero_si512());
      }
      continue;
    }
    const unsigned c = kLanes.count8[lo] + kLanes.count8[hi];
    const __m512i v = _mm512_maskz_loadu_epi32(first_lanes(c), values + j);
    _mm512_mask_storeu_epi32(out + i, first_lanes(r), expand16(lo, hi, v));
    j += c;
  }
  return j;
}

// ---------------------------------------------------------------------------
// pack24 / unpack24
//
// 16 elements (4 groups, 2 meta bytes) at a time; the last groups (fewer than 4)
// go the scalar way. pack24: the non-zero lane mask, a byte (two groups) at a
// time, gives the meta byte, the bad groups and the 4 kept lanes (Tables24), which
// one VPERMD moves into the 8 values. unpack24: the meta bytes give the
// bad groups and, for each output, the rank of its value or none (a table
// permute as in bitmask_decode).

MP_AVX512 size_t pack24_avx512(const float* x, size_t n, float* values, uint8_t* meta) {
  const int* xi = reinterpret_cast<const int*>(x);
  const __m512i abs = abs_mask();
  const size_t groups = n / 4;
  size_t g = 0;
  for (; g + 4 <= groups; g += 4) {
    const __m512i v = _mm512_loadu_si512(xi + 4 * g);
    const unsigned k = _mm512_test_epi32_mask(v, abs);
    const unsigned lo = k & 255, hi = k >> 8;
    const unsigned bad = k24.pack_bad[lo] | k24.pack_bad[hi] << 2;
    if (bad != 0) return g + static_cast<size_t>(__builtin_ctz(bad));
    // The 4 kept lanes of each byte, the high byte's + 8: a permute of 8 lanes.
    const uint64_t idx = k24.pack_idx[lo] | static_cast<uint64_t>(k24.pack_idx[hi] + 0x08080808u) << 32;
    const __m512i lanes = _mm512_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(idx)));
    const __m512i kept = _mm512_permutexvar_epi32(lanes, v);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(values + 2 * g), _mm512_castsi512_si256(kept));
    meta[g / 2] = k24.pack_meta[lo];
    meta[g / 2 + 1] = k24.pack_meta[hi];
  }
  return pack24_tail(x, g, groups, values, meta);
}

MP_AVX512 size_t unpack24_avx512(const float* values, const uint8_t* meta, size_t n, float* out) {
  const size_t groups = n / 4;
  size_t g = 0;
  for (; g + 4 <= groups; g += 4) {
    const unsigned lo = meta[g / 2], hi = meta[g / 2 + 1];
    const unsigned bad = k24.unpack_bad[lo] | k24.unpack_bad[hi] << 2;
    if (bad != 0) return g + static_cast<size_t>(__builtin_ctz(bad));
    // Ranks 0-3 for the low byte's outputs, 4-7 for the high byte's (the -1 of a
    // zero output becomes 3 there, masked off all the same).
    const __m128i ranks = _mm_add_epi8(_mm_set_epi64x(static_cast<long long>(load_u64(k24.unpack_idx[hi])),
                                                      static_cast<long long>(load_u64(k24.unpack_idx[lo]))),
                                       _mm_set_epi64x(0x0404040404040404, 0));
    const __mmask16 sel = static_cast<__mmask16>(k24.unpack_sel[lo] | k24.unpack_sel[hi] << 8);
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(values + 2 * g));
    _mm512_storeu_si512(out + 4 * g,
                        _mm512_maskz_permutexvar_epi32(sel, _mm512_cvtepi8_epi32(ranks), _mm512_castsi256_si512(v)));
  }
  return unpack24_tail(values, meta, g, groups, n, out);
}

}  // namespace

const SformatKernels sformat_avx512 = {count_nonzero_avx512,  csr_encode_row_avx512, csr_decode_row_avx512,
                                       bitmask_encode_avx512, bitmask_decode_avx512, pack24_avx512,
                                       unpack24_avx512};

}  // namespace mp

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // x86-64
