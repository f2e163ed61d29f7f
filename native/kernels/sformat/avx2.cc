// AVX2 variant of the sformat kernels (sparse storage formats); ref.cc is the
// specification and every output here is bit-identical to it.
//
// This file is compiled for the baseline x86-64 ISA. Every function that uses AVX2
// carries MP_AVX2 (a target attribute) and is only reached through sformat_avx2,
// which dispatch selects after cpu_features() reported AVX2 + FMA. Do not call
// non-intrinsic inline library functions from these functions. No POPCNT: the
// AVX2 table does not require it (counts come from LaneTables::count8).
//
// Elements move as int32 lanes, so every bit pattern (NaN payloads, -0,
// denormals) is kept. The non-zero lanes of 8 elements are those whose bits
// shifted left by one (dropping the sign) are not 0: VPCMPEQD + VMOVMSKPS give an
// 8-bit mask, which indexes the lane tables of sformat_common.h:
// - compaction (csr_encode_row, bitmask_encode, pack24): VPERMD with the set
//   lanes' indices (LaneTables::compress8); the columns are those indices + i.
//   A full 8-lane store at j stays inside the exact-size output while at least 8
//   non-zeros are left from its block on, so the encoders first walk back from the
//   end until they have seen 8: those last blocks are compacted into a small stack
//   buffer on the way (each element is still read once) and appended at the end.
// - expansion (bitmask_decode, unpack24): VPERMPS with each output's rank among
//   the set bits (LaneTables::expand8), -1 where clear, whose sign bit then blends
//   in the zeros (VBLENDVPS). Full 8-value loads at j are used while the mask bits
//   from the block on hold at least 8 ones; after that the values go through a
//   stack buffer.
// Masked stores (VPMASKMOVD) are slow on AMD and never used.
#include "sformat_common.h"
#include "sformat_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define MP_AVX2 __attribute__((target("avx2,fma")))

namespace mp {
namespace {

using namespace sformat_detail;

MP_AVX2 inline __m256i load8(const void* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
MP_AVX2 inline void store8(void* p, __m256i v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }

// Bit l: element l of the 8 bits in v is non-zero (not +-0).
MP_AVX2 inline unsigned nonzero8(__m256i v) {
  const __m256i zero = _mm256_cmpeq_epi32(_mm256_slli_epi32(v, 1), _mm256_setzero_si256());
  return static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(zero))) ^ 0xffu;
}

// The indices of the lanes of m, in order, then 0s.
MP_AVX2 inline __m256i compress_index(unsigned m) {
  return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(kLanes.compress8[m])));
}

// Lanes l of 8 signed byte indices at p (as _mm256_cvtepi8_epi32), for VPERMPS.
MP_AVX2 inline __m256i byte_index(const int8_t* p) {
  return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}

// Lane l of v at rank idx[l], or 0 where idx[l] is negative.
MP_AVX2 inline __m256i expand8(__m256i v, __m256i idx) {
  const __m256 picked = _mm256_permutevar8x32_ps(_mm256_castsi256_ps(v), idx);
  return _mm256_castps_si256(_mm256_blendv_ps(picked, _mm256_setzero_ps(), _mm256_castsi256_ps(idx)));
}

// ---------------------------------------------------------------------------
// count_nonzero
//
// Per-lane counts of the zeros: adding the compare results (-1 for a zero) for up
// to 2^24 steps of 32 elements, then added up; the count is the rest.

MP_AVX2 size_t count_nonzero_avx2(const float* x, size_t n) {
  const __m256i zero = _mm256_setzero_si256();
  size_t i = 0, c = 0;
  while (i + 32 <= n) {
    size_t steps = (n - i) / 32;
    if (steps > (size_t{1} << 24)) steps = size_t{1} << 24;
    __m256i a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    for (size_t s = 0; s < steps; ++s, i += 32) {
      a0 = _mm256_add_epi32(a0, _mm256_cmpeq_epi32(_mm256_slli_epi32(load8(x + i), 1), zero));
      a1 = _mm256_add_epi32(a1, _mm256_cmpeq_epi32(_mm256_slli_epi32(load8(x + i + 8), 1), zero));
      a2 = _mm256_add_epi32(a2, _mm256_cmpeq_epi32(_mm256_slli_epi32(load8(x + i + 16), 1), zero));
      a3 = _mm256_add_epi32(a3, _mm256_cmpeq_epi32(_mm256_slli_epi32(load8(x + i + 24), 1), zero));
    }
    const __m256i sum = _mm256_add_epi32(_mm256_add_epi32(a0, a1), _mm256_add_epi32(a2, a3));
    alignas(32) int32_t lanes[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), sum);
    int64_t zeros = 0;
    for (size_t l = 0; l < 8; ++l) zeros -= lanes[l];  // each at least -2^26
    c += 32 * steps - static_cast<size_t>(zeros);
  }
  return c + count_tail(x, i, n);
}

// ---------------------------------------------------------------------------
// The encoders' end: the last blocks, holding fewer than 8 non-zeros in all,
// compacted back to front into a stack buffer (see the top of the file).

struct Stash {
  uint32_t values[16];
  int32_t cols[16];
  size_t at = 16;  // the stash is [at, 16)
  size_t size() const { return 16 - at; }
};

// Puts the lanes m of v (columns from i) in front of the stash.
MP_AVX2 inline void stash8(Stash& s, unsigned m, __m256i v, size_t i) {
  if (m == 0) return;
  const __m256i idx = compress_index(m);
  alignas(32) uint32_t vals[8];
  alignas(32) int32_t cols[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(vals), _mm256_permutevar8x32_epi32(v, idx));
  _mm256_store_si256(reinterpret_cast<__m256i*>(cols), _mm256_add_epi32(idx, _mm256_set1_epi32(static_cast<int>(i))));
  const size_t c = kLanes.count8[m];
  s.at -= c;
  for (size_t l = 0; l < c; ++l) {
    s.values[s.at + l] = vals[l];
    s.cols[s.at + l] = cols[l];
  }
}

// Walks back over the blocks of 8 at 0, 8, ... up to n (the last one partial),
// stashing them while the stash and the block hold fewer than 8 non-zeros.
// Returns the end of the blocks left to the main loop, every one of them followed
// by at least 8 non-zeros. bits: also writes the mask bytes of the stashed blocks.
MP_AVX2 size_t stash_end(const float* x, size_t n, Stash& s, uint8_t* bits) {
  size_t i = n / 8 * 8;
  if (i < n) {  // the partial block, through a zero-padded copy
    alignas(32) uint32_t block[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    memcpy(block, x + i, (n - i) * sizeof(float));
    const __m256i v = _mm256_load_si256(reinterpret_cast<const __m256i*>(block));
    const unsigned m = nonzero8(v);
    stash8(s, m, v, i);
    if (bits != nullptr) bits[i / 8] = static_cast<uint8_t>(m);
  }
  while (i > 0) {
    const __m256i v = load8(x + i - 8);
    const unsigned m = nonzero8(v);
    if (s.size() + kLanes.count8[m] >= 8) break;
    i -= 8;
    stash8(s, m, v, i);
    if (bits != nullptr) bits[i / 8] = static_cast<uint8_t>(m);
  }
  return i;
}

// Appends the stash at values + j (and cols + j); returns the count.
inline size_t unstash(const Stash& s, float* values, int32_t* cols, size_t j) {
  for (size_t l = s.at; l < 16; ++l, ++j) {
    store_u32(values + j, s.values[l]);
    if (cols != nullptr) cols[j] = s.cols[l];
  }
  return j;
}

// ---------------------------------------------------------------------------
// csr_encode_row

// The 8 elements at x + i: values and columns at j; returns the new j.
MP_AVX2 inline size_t encode8(const float* x, size_t i, float* values, int32_t* cols, size_t j) {
  const __m256i v = load8(x + i);
  const unsigned m = nonzero8(v);
  const __m256i idx = compress_index(m);
  store8(values + j, _mm256_permutevar8x32_epi32(v, idx));
  store8(cols + j, _mm256_add_epi32(idx, _mm256_set1_epi32(static_cast<int>(i))));  // wraps like int32 casts
  return j + kLanes.count8[m];
}

MP_AVX2 size_t csr_encode_row_avx2(const float* x, size_t n, float* values, int32_t* cols) {
  Stash s;
  const size_t end = stash_end(x, n, s, nullptr);
  size_t i = 0, j = 0;
  for (; i + 16 <= end; i += 16) {
    j = encode8(x, i, values, cols, j);
    j = encode8(x, i + 8, values, cols, j);
  }
  if (i < end) j = encode8(x, i, values, cols, j);
  return unstash(s, values, cols, j);
}

// ---------------------------------------------------------------------------
// csr_decode_row
//
// One pass over the row. The columns are checked 8 at a time: each must be above
// the one before it (the vector rotated by one lane, the previous block's last
// column blended into lane 0; -1 before the first) as signed int32, and below
// min(n, 2^31) as unsigned (a negative column is >= 2^31 then; VPMAXUD: c >= limit
// iff max(c, limit) == c). A checked block is scattered with scalar stores, or
// copied if its 8 columns are adjacent, into row chunks that were zeroed just
// before (RowZeroer).

// Zeros row[a, e) (for RowZeroer).
MP_AVX2 void zero_range(float* row, size_t a, size_t e) {
  const __m256i z = _mm256_setzero_si256();
  for (; a + 32 <= e; a += 32) {
    store8(row + a, z);
    store8(row + a + 8, z);
    store8(row + a + 16, z);
    store8(row + a + 24, z);
  }
  for (; a + 8 <= e; a += 8) store8(row + a, z);
  for (; a < e; ++a) store_u32(row + a, 0u);
}

MP_AVX2 size_t csr_decode_row_avx2(const float* values, const int32_t* cols, size_t nnz, size_t n, float* row) {
  const __m256i limit = _mm256_set1_epi32(static_cast<int>(n < 0x80000000u ? n : 0x80000000u));
  const __m256i rotate = _mm256_setr_epi32(7, 0, 1, 2, 3, 4, 5, 6);
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  int32_t prev = -1;
  RowZeroer z(zero_range, row, n);
  for (size_t j = 0; j < nnz; j += 8) {
    const size_t w = nnz - j < 8 ? nnz - j : 8;
    const __m256i in = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(w)), lane);
    const __m256i c = _mm256_maskload_epi32(cols + j, in);
    const __m256i before = _mm256_blend_epi32(_mm256_permutevar8x32_epi32(c, rotate), _mm256_set1_epi32(prev), 1);
    const __m256i ok = _mm256_andnot_si256(_mm256_cmpeq_epi32(_mm256_max_epu32(c, limit), c),
                                           _mm256_cmpgt_epi32(c, before));
    const unsigned bad = static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_andnot_si256(ok, in))));
    if (bad != 0) return j + static_cast<size_t>(__builtin_ctz(bad));
    prev = cols[j + w - 1];
    const size_t last = static_cast<size_t>(prev);
    z.cover(last);
    if (w == 8 && last - static_cast<size_t>(cols[j]) == 7) {  // 8 adjacent columns (a dense row)
      store8(row + last - 7, load8(values + j));
    } else if (w == 8) {
      csr_scatter(values, cols, j, j + 8, row);  // a fixed count: unrolled
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
// 8 elements (one mask byte) at a time, compacted as in csr_encode_row.

MP_AVX2 size_t bitmask_encode_avx2(const float* x, size_t n, uint8_t* bits, float* values) {
  Stash s;
  const size_t end = stash_end(x, n, s, bits);
  size_t j = 0;
  for (size_t i = 0; i < end; i += 8) {
    const __m256i v = load8(x + i);
    const unsigned m = nonzero8(v);
    store8(values + j, _mm256_permutevar8x32_epi32(v, compress_index(m)));
    j += kLanes.count8[m];
    bits[i / 8] = static_cast<uint8_t>(m);
  }
  return unstash(s, values, nullptr, j);
}

// ---------------------------------------------------------------------------
// bitmask_decode
//
// 8 outputs (one mask byte) at a time, expanded from the 8 values at j. Once
// fewer than 8 values are left, they are read through a stack buffer; the last
// partial byte goes the scalar way.

MP_AVX2 size_t bitmask_decode_avx2(const uint8_t* bits, const float* values, size_t n, float* out) {
  const size_t end = full_blocks_end_bits(bits, n, 8);
  size_t i = 0, j = 0;
  for (; i < end && i + 8 <= n; i += 8) {
    const unsigned b = bits[i / 8];
    store8(out + i, expand8(load8(values + j), byte_index(kLanes.expand8[b])));
    j += kLanes.count8[b];
  }
  for (; i + 8 <= n; i += 8) {
    const unsigned b = bits[i / 8];
    alignas(32) uint32_t v[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    const size_t c = kLanes.count8[b];
    if (c > 0) memcpy(v, values + j, c * sizeof(float));
    store8(out + i, expand8(_mm256_load_si256(reinterpret_cast<const __m256i*>(v)), byte_index(kLanes.expand8[b])));
    j += c;
  }
  return bitmask_decode_tail(bits, values, i, n, out, j);
}

// ---------------------------------------------------------------------------
// pack24 / unpack24
//
// 16 elements (4 groups, 2 meta bytes) at a time; the last groups (fewer than 4)
// go the scalar way. pack24: each vector's non-zero mask (two groups) gives the
// bad groups, the meta byte and the 4 kept lanes (Tables24::pack_idx), which one
// VPERMD moves to the low half; the two low halves are the 8 values. unpack24:
// each meta byte gives the bad groups and the 8 outputs' ranks among its 4 values
// (Tables24::unpack_idx), expanded as in bitmask_decode.

MP_AVX2 inline __m256i kept4(__m256i v, unsigned m) {
  return _mm256_permutevar8x32_epi32(v, _mm256_cvtepu8_epi32(_mm_cvtsi32_si128(static_cast<int>(k24.pack_idx[m]))));
}

MP_AVX2 size_t pack24_avx2(const float* x, size_t n, float* values, uint8_t* meta) {
  const size_t groups = n / 4;
  size_t g = 0;
  for (; g + 4 <= groups; g += 4) {
    const __m256i v0 = load8(x + 4 * g), v1 = load8(x + 4 * g + 8);
    const unsigned m0 = nonzero8(v0), m1 = nonzero8(v1);
    const unsigned bad = k24.pack_bad[m0] | k24.pack_bad[m1] << 2;
    if (bad != 0) return g + static_cast<size_t>(__builtin_ctz(bad));
    store8(values + 2 * g, _mm256_permute2x128_si256(kept4(v0, m0), kept4(v1, m1), 0x20));
    meta[g / 2] = k24.pack_meta[m0];
    meta[g / 2 + 1] = k24.pack_meta[m1];
  }
  return pack24_tail(x, g, groups, values, meta);
}

MP_AVX2 size_t unpack24_avx2(const float* values, const uint8_t* meta, size_t n, float* out) {
  const size_t groups = n / 4;
  size_t g = 0;
  for (; g + 4 <= groups; g += 4) {
    const unsigned b0 = meta[g / 2], b1 = meta[g / 2 + 1];
    const unsigned bad = k24.unpack_bad[b0] | k24.unpack_bad[b1] << 2;
    if (bad != 0) return g + static_cast<size_t>(__builtin_ctz(bad));
    const __m256i v = load8(values + 2 * g);  // the 4 values of each meta byte in each half
    store8(out + 4 * g, expand8(v, byte_index(k24.unpack_idx[b0])));
    store8(out + 4 * g + 8, expand8(_mm256_permute2x128_si256(v, v, 0x11), byte_index(k24.unpack_idx[b1])));
  }
  return unpack24_tail(values, meta, g, groups, n, out);
}

}  // namespace

const SformatKernels sformat_avx2 = {count_nonzero_avx2,  csr_encode_row_avx2, csr_decode_row_avx2, bitmask_encode_avx2,
                                     bitmask_decode_avx2, pack24_avx2,         unpack24_avx2};

}  // namespace mp

#endif  // x86-64
