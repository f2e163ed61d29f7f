// AVX-512 (F/BW/DQ/VL) variant of the spmm kernels (sparse and dense fp32
// products); ref.cc is the specification. Sums are reordered (several
// accumulators, lane-wise partial sums), never fused: no FMA anywhere, so each
// output stays within the bound of spmm_kernels.h and is reproducible.
//
// This file is compiled for the baseline x86-64 ISA. Every function that uses
// AVX-512 carries MP_AVX512 (a target attribute, deliberately without "fma") and
// is only reached through spmm_avx512, which dispatch selects after
// cpu_features() reported AVX-512. Tails use masked loads and stores, which never
// touch the masked-off elements, so no load reads past an array.
//
// Tricks:
//  - Column indices are range-checked 16 at a time as unsigned (one compare
//    against n_cols - 1) before anything reads x or B with them.
//  - csr_matvec reads x with scalar loads into eight accumulators: on Zen 5 a
//    16-lane vgatherdps costs about 20 cycles, slower than 16 scalar loads, and
//    the kernel then runs at memory speed (see the comment there).
//  - nm24_matvec decodes 16 two-bit indices from one 32-bit meta word with a
//    variable shift and a ternary-logic AND/OR, and picks x by them out of a
//    32-float chunk with one two-source permute (vpermi2ps).
//  - dense_matmul keeps a 6-row x 64-column tile of C in 24 registers; B rows
//    are loaded once per tile and shared by its six rows.
//  - The sparse products (csr, 2:4) add a broadcast value times a 64-column
//    chunk of a B row per term, into a C chunk held in registers. csr_matmul
//    reads B rows straight from L2, prefetching the rows of the terms a few
//    positions on (random addresses), its chunks shifted to start at 64-byte
//    boundaries of B when every row of B is equally aligned: an unaligned B
//    otherwise splits every load across two cache lines, which costs ~2x.
//    nm24_matmul walks A in panels of rows and blocks of groups, copying each
//    block's B rows into an aligned stack buffer that stays in L1 for the panel.
#include "spmm_common.h"
#include "spmm_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)

// GCC 12's AVX-512 headers trip a false -Wmaybe-uninitialized (and, through
// _mm512_castps512_ps256, -Wuninitialized) on their own _mm*_undefined_*()
// placeholders (GCC PR 105593, fixed in GCC 13).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define MP_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2")))

namespace mp {
namespace {

using spmm_common::Dot8;
using spmm_common::row_len;

MP_AVX512 inline __mmask16 tail_mask16(size_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << n) - 1u);
}

MP_AVX512 inline float hsum(__m512 v) {
  const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
  __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  q = _mm_add_ps(q, _mm_movehl_ps(q, q));
  q = _mm_add_ss(q, _mm_movehdup_ps(q));
  return _mm_cvtss_f32(q);
}

// The largest valid column in every lane (n_cols >= 1): a column is bad iff it
// compares above it unsigned.
MP_AVX512 inline __m512i last_col(size_t n_cols) {
  return _mm512_set1_epi32(static_cast<int>(spmm_common::last_col(n_cols)));
}

// Whether cols[0, n) are all valid columns.
MP_AVX512 inline bool cols_ok(const int32_t* cols, size_t n, __m512i last) {
  __mmask16 bad = 0;
  size_t j = 0;
  for (; j + 16 <= n; j += 16) bad |= _mm512_cmpgt_epu32_mask(_mm512_loadu_si512(cols + j), last);
  if (j < n) {
    const __mmask16 m = tail_mask16(n - j);
    bad |= _mm512_mask_cmpgt_epu32_mask(m, _mm512_maskz_loadu_epi32(m, cols + j), last);
  }
  return bad == 0;
}

// ---------------------------------------------------------------------------
// csr_matvec
//
// Per row, 16 non-zeros per step: one vector compare checks their columns, then
// their products go into the eight scalar sums of Dot8. A 16-lane vgatherdps
// costs about 20 cycles on Zen 5, more than 16 scalar loads: gathers took
// 0.75 ms against 0.48 ms for 4096 x 4096 at 90 % zeros (13.4 MB of values and
// columns, so the scalar loads run at memory speed, ~28 GB/s).

MP_AVX512 bool csr_matvec_avx512(const int32_t* row_ptr, const int32_t* cols, const float* values, size_t rows,
                                 size_t n_cols, const float* x, float* y) {
  if (n_cols == 0) return spmm_scalar.csr_matvec(row_ptr, cols, values, rows, n_cols, x, y);
  const __m512i last = last_col(n_cols);
  for (size_t r = 0; r < rows; ++r) {
    const int32_t* c = cols + row_ptr[r];
    const float* v = values + row_ptr[r];
    const size_t n = row_len(row_ptr, r);
    Dot8 d;
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
      if (_mm512_cmpgt_epu32_mask(_mm512_loadu_si512(c + j), last)) return false;
      d.add(v + j, c + j, 16, x);
    }
    if (j < n) {
      const __mmask16 m = tail_mask16(n - j);
      if (_mm512_mask_cmpgt_epu32_mask(m, _mm512_maskz_loadu_epi32(m, c + j), last)) return false;
      d.add(v + j, c + j, n - j, x);
    }
    y[r] = d.total();
  }
  return true;
}

// ---------------------------------------------------------------------------
// Row products (csr_matmul, nm24_matmul): a chunk of a row of C plus the sum over
// terms t of w[t] * (the same chunk of row t of B). A chunk is NV (1..5) vectors
// from column `off`, which may be negative: the lanes before column 0 are masked
// off in the first vector (fm), those past the chunk in the last one (lm).
// Two accumulator sets take alternate terms, so that two chains of additions
// are in flight per vector.

struct Chunk {
  ptrdiff_t off;
  int nv;
  __mmask16 fm, lm;  // masks of the first and the last vector (with nv == 1 both the one's)
};

// Calls f(chunk) for the chunks of spmm_common::for_chunks, with their masks.
template <class F>
inline void for_chunks(size_t k, size_t lead, int nv_max, F&& f) {
  spmm_common::for_chunks(k, lead, 16, 4, nv_max, [&](const spmm_common::Chunk& c) {
    Chunk ch;
    ch.off = c.off;
    ch.nv = c.nv;
    ch.fm = static_cast<__mmask16>(0xffffu << c.skip);
    ch.lm = static_cast<__mmask16>(c.width >= 16 ? 0xffffu : (1u << c.width) - 1u);
    if (ch.nv == 1) ch.fm = ch.lm = static_cast<__mmask16>(ch.fm & ch.lm);
    f(ch);
  });
}

template <int NV>
struct RowAcc {
  __m512 s[2][NV];
};

template <int NV>
MP_AVX512 inline void acc_zero(RowAcc<NV>& a) {
  MP_SPMM_UNROLL for (int q = 0; q < NV; ++q) a.s[0][q] = a.s[1][q] = _mm512_setzero_ps();
}

template <int NV>
MP_AVX512 inline __mmask16 lane_mask(const Chunk& ch, int q) {
  return q == 0 ? ch.fm : q == NV - 1 ? ch.lm : static_cast<__mmask16>(0xffff);
}

// a.s[H] += w * p[chunk]: a packed row (aligned, zero outside the chunk) or a
// row of B (masked first and last vectors; p = the row + ch.off).
template <int NV, int H, bool kPacked>
MP_AVX512 inline void acc_term(RowAcc<NV>& a, float w, const float* p, const Chunk& ch) {
  const __m512 wv = _mm512_set1_ps(w);
  MP_SPMM_UNROLL for (int q = 0; q < NV; ++q) {
    const __m512 bv = kPacked ? _mm512_load_ps(p + 16 * q)
                      : (q == 0 || q == NV - 1) ? _mm512_maskz_loadu_ps(lane_mask<NV>(ch, q), p + 16 * q)
                                                : _mm512_loadu_ps(p + 16 * q);
    a.s[H][q] = _mm512_add_ps(a.s[H][q], _mm512_mul_ps(wv, bv));
  }
}

// out[chunk] = a (first) or out[chunk] + a, with out = the row of C + ch.off.
template <int NV>
MP_AVX512 inline void acc_store(const RowAcc<NV>& a, float* out, const Chunk& ch, bool first) {
  MP_SPMM_UNROLL for (int q = 0; q < NV; ++q) {
    const __mmask16 m = lane_mask<NV>(ch, q);
    __m512 s = _mm512_add_ps(a.s[0][q], a.s[1][q]);
    if (!first) s = _mm512_add_ps(_mm512_maskz_loadu_ps(m, out + 16 * q), s);
    _mm512_mask_storeu_ps(out + 16 * q, m, s);
  }
}

// ---------------------------------------------------------------------------
// csr_matmul
//
// All columns are validated first (vector compares), then each row keeps its C
// chunk in registers while its terms stream through, each B row read from L2
// (the 4096 x 64 B of the benchmark is 1 MB). The rows of B that the terms
// kAhead positions on will need are prefetched: their addresses are random, so
// the hardware cannot, and the multiplies would otherwise wait on L2/L3.

constexpr int64_t kAhead = 8;

// The cache lines of a chunk of NV vectors at p.
template <int NV>
MP_AVX512 inline void prefetch_chunk(const float* p) {
  const char* c = reinterpret_cast<const char*>(p);
  MP_SPMM_UNROLL for (int q = 0; q < NV; ++q) _mm_prefetch(c + 64 * q, _MM_HINT_T0);
  if (reinterpret_cast<uintptr_t>(c) % 64 != 0) _mm_prefetch(c + 64 * NV - 1, _MM_HINT_T0);
}

template <int NV>
MP_AVX512 void csr_rows(const int32_t* row_ptr, const int32_t* cols, const float* values, size_t rows, const float* b,
                        size_t k, const Chunk& ch, float* c) {
  const float* bc = b + ch.off;
  for (size_t r = 0; r < rows; ++r) {
    int64_t j = row_ptr[r];  // 64-bit: j + kAhead must not overflow
    const int64_t stop = row_ptr[r + 1];
    RowAcc<NV> a;
    acc_zero(a);
    for (; j + 2 <= stop; j += 2) {
      if (j + kAhead + 1 < stop) {
        prefetch_chunk<NV>(bc + static_cast<uint32_t>(cols[j + kAhead]) * k);
        prefetch_chunk<NV>(bc + static_cast<uint32_t>(cols[j + kAhead + 1]) * k);
      }
      acc_term<NV, 0, false>(a, values[j], bc + static_cast<uint32_t>(cols[j]) * k, ch);
      acc_term<NV, 1, false>(a, values[j + 1], bc + static_cast<uint32_t>(cols[j + 1]) * k, ch);
    }
    if (j < stop) acc_term<NV, 0, false>(a, values[j], bc + static_cast<uint32_t>(cols[j]) * k, ch);
    acc_store(a, c + r * k + ch.off, ch, true);
  }
}

MP_AVX512 bool csr_matmul_avx512(const int32_t* row_ptr, const int32_t* cols, const float* values, size_t rows,
                                 size_t n_cols, const float* b, size_t k, float* c) {
  if (n_cols == 0) return spmm_scalar.csr_matmul(row_ptr, cols, values, rows, n_cols, b, k, c);
  const __m512i last = last_col(n_cols);
  for (size_t r = 0; r < rows; ++r) {
    if (!cols_ok(cols + row_ptr[r], row_len(row_ptr, r), last)) return false;
  }
  for_chunks(k, spmm_common::lead_of(b, k, 64), 5, [&](const Chunk& ch) {
    switch (ch.nv) {
      case 5: csr_rows<5>(row_ptr, cols, values, rows, b, k, ch, c); break;
      case 4: csr_rows<4>(row_ptr, cols, values, rows, b, k, ch, c); break;
      case 3: csr_rows<3>(row_ptr, cols, values, rows, b, k, ch, c); break;
      case 2: csr_rows<2>(row_ptr, cols, values, rows, b, k, ch, c); break;
      default: csr_rows<1>(row_ptr, cols, values, rows, b, k, ch, c); break;
    }
  });
  return true;
}

// ---------------------------------------------------------------------------
// dense_matvec
//
// Four rows at a time (four read streams, one load of x for all of them), two
// accumulators per row; memory-bound, so this only has to keep the loads coming.

template <int R>
MP_AVX512 inline void matvec_rows(const float* a, size_t cols, const float* x, float* y) {
  __m512 s[R][2];
  MP_SPMM_UNROLL for (int i = 0; i < R; ++i) s[i][0] = s[i][1] = _mm512_setzero_ps();
  size_t c = 0;
  for (; c + 32 <= cols; c += 32) {
    const __m512 x0 = _mm512_loadu_ps(x + c), x1 = _mm512_loadu_ps(x + c + 16);
    MP_SPMM_UNROLL for (int i = 0; i < R; ++i) {
      s[i][0] = _mm512_add_ps(s[i][0], _mm512_mul_ps(_mm512_loadu_ps(a + i * cols + c), x0));
      s[i][1] = _mm512_add_ps(s[i][1], _mm512_mul_ps(_mm512_loadu_ps(a + i * cols + c + 16), x1));
    }
  }
  for (; c < cols; c += 16) {
    const __mmask16 m = tail_mask16(cols - c);
    const __m512 x0 = _mm512_maskz_loadu_ps(m, x + c);
    MP_SPMM_UNROLL for (int i = 0; i < R; ++i)
      s[i][0] = _mm512_add_ps(s[i][0], _mm512_mul_ps(_mm512_maskz_loadu_ps(m, a + i * cols + c), x0));
  }
  MP_SPMM_UNROLL for (int i = 0; i < R; ++i) y[i] = hsum(_mm512_add_ps(s[i][0], s[i][1]));
}

MP_AVX512 void dense_matvec_avx512(const float* a, size_t rows, size_t cols, const float* x, float* y) {
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) matvec_rows<4>(a + r * cols, cols, x, y + r);
  for (; r < rows; ++r) matvec_rows<1>(a + r * cols, cols, x, y + r);
}

// ---------------------------------------------------------------------------
// dense_matmul
//
// A register tile of MR (<= 6) rows x NV (<= 4) vectors of C: per inner index,
// NV loads of a B row shared by the MR rows and one broadcast per row, MR * NV
// multiplies and adds into independent accumulators (24 of the 32 registers).
// Loops: blocks of kInner inner indices, then blocks of kRowBlock rows (their
// A block, 96 KB, is reused from L2 over the k chunks), then 64-column chunks of
// k (the kInner x 64 block of B, 64 KB, stays in L2 while the row tiles stream
// through it), then the row tiles. Each C element adds its inner blocks in order,
// each block's products in order: the reference's order of additions.

constexpr size_t kInner = 256;
constexpr size_t kRowBlock = 96;

template <int MR, int NV>
MP_AVX512 void mm_tile(const float* a, size_t inner, size_t ni, const float* b, size_t k, float* c, const Chunk& ch,
                       bool first) {
  __m512 s[MR][NV];
  MP_SPMM_UNROLL for (int r = 0; r < MR; ++r) {
    MP_SPMM_UNROLL for (int q = 0; q < NV; ++q)
      s[r][q] = first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(lane_mask<NV>(ch, q), c + r * k + 16 * q);
  }
  for (size_t i = 0; i < ni; ++i) {
    __m512 bv[NV];
    MP_SPMM_UNROLL for (int q = 0; q < NV; ++q) {
      bv[q] = q == NV - 1 ? _mm512_maskz_loadu_ps(lane_mask<NV>(ch, q), b + i * k + 16 * q)
                          : _mm512_loadu_ps(b + i * k + 16 * q);
    }
    MP_SPMM_UNROLL for (int r = 0; r < MR; ++r) {
      const __m512 av = _mm512_set1_ps(a[r * inner + i]);
      MP_SPMM_UNROLL for (int q = 0; q < NV; ++q) s[r][q] = _mm512_add_ps(s[r][q], _mm512_mul_ps(av, bv[q]));
    }
  }
  MP_SPMM_UNROLL for (int r = 0; r < MR; ++r) {
    MP_SPMM_UNROLL for (int q = 0; q < NV; ++q)
      _mm512_mask_storeu_ps(c + r * k + 16 * q, lane_mask<NV>(ch, q), s[r][q]);
  }
}

template <int NV>
MP_AVX512 void mm_rows(const float* a, size_t rows, size_t inner, size_t ni, const float* b, size_t k, float* c,
                       const Chunk& ch, bool first) {
  size_t r = 0;
  for (; r + 6 <= rows; r += 6) mm_tile<6, NV>(a + r * inner, inner, ni, b, k, c + r * k, ch, first);
  switch (rows - r) {
    case 5: mm_tile<5, NV>(a + r * inner, inner, ni, b, k, c + r * k, ch, first); break;
    case 4: mm_tile<4, NV>(a + r * inner, inner, ni, b, k, c + r * k, ch, first); break;
    case 3: mm_tile<3, NV>(a + r * inner, inner, ni, b, k, c + r * k, ch, first); break;
    case 2: mm_tile<2, NV>(a + r * inner, inner, ni, b, k, c + r * k, ch, first); break;
    case 1: mm_tile<1, NV>(a + r * inner, inner, ni, b, k, c + r * k, ch, first); break;
    default: break;
  }
}

MP_AVX512 void dense_matmul_avx512(const float* a, size_t rows, size_t inner, const float* b, size_t k, float* c) {
  if (k == 0) return;
  if (inner == 0) {
    for (size_t r = 0; r < rows; ++r) memset(c + r * k, 0, k * sizeof(float));
    return;
  }
  for (size_t i0 = 0; i0 < inner; i0 += kInner) {
    const size_t ni = inner - i0 < kInner ? inner - i0 : kInner;
    for (size_t r0 = 0; r0 < rows; r0 += kRowBlock) {
      const size_t nr = rows - r0 < kRowBlock ? rows - r0 : kRowBlock;
      for_chunks(k, 0, 4, [&](const Chunk& ch) {
        const float* ap = a + r0 * inner + i0;
        const float* bp = b + i0 * k + ch.off;
        float* cp = c + r0 * k + ch.off;
        switch (ch.nv) {
          case 4: mm_rows<4>(ap, nr, inner, ni, bp, k, cp, ch, i0 == 0); break;
          case 3: mm_rows<3>(ap, nr, inner, ni, bp, k, cp, ch, i0 == 0); break;
          case 2: mm_rows<2>(ap, nr, inner, ni, bp, k, cp, ch, i0 == 0); break;
          default: mm_rows<1>(ap, nr, inner, ni, bp, k, cp, ch, i0 == 0); break;
        }
      });
    }
  }
}

// ---------------------------------------------------------------------------
// nm24_matvec
//
// 16 values (8 groups, 32 columns of x) per step. Value j's 2-bit index is bits
// 2j..2j+1 of the chunk's 32-bit meta word (group 2h is the low nibble of byte h,
// i0 below i1), and its column within the chunk is 4 * (j / 2) + index: the word
// is broadcast, shifted right per lane by 2j, masked to 2 bits and OR-ed with
// the group base, and those 0..31 pick from the two x vectors of the chunk.

MP_AVX512 inline __m512i nm24_index(uint32_t word) {
  const __m512i shift = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i base = _mm512_setr_epi32(0, 0, 4, 4, 8, 8, 12, 12, 16, 16, 20, 20, 24, 24, 28, 28);
  const __m512i f = _mm512_srlv_epi32(_mm512_set1_epi32(static_cast<int>(word)), shift);
  return _mm512_ternarylogic_epi32(f, _mm512_set1_epi32(3), base, 0xEA);  // (f & 3) | base
}

inline uint32_t load_u32(const uint8_t* p) {
  uint32_t w;
  memcpy(&w, p, 4);
  return w;
}

// The products of a row's 16-value chunk, x's chunk in xlo, xhi.
MP_AVX512 inline __m512 nm24_chunk(const float* v, const uint8_t* m, __m512 xlo, __m512 xhi) {
  return _mm512_mul_ps(_mm512_loadu_ps(v), _mm512_permutex2var_ps(xlo, nm24_index(load_u32(m)), xhi));
}

// R rows at a time (R read streams; x's chunk loaded once for all), one
// accumulator per row. Eight rows ran at ~1.0 ms for 4096 x 4096 (34 MB), four
// at ~1.2 ms, one at ~1.3 ms.
template <int R>
MP_AVX512 inline void nm24_rows(const float* v, const uint8_t* m, size_t vrow, size_t mrow, size_t groups,
                                const float* x, float* y) {
  __m512 s[R];
  MP_SPMM_UNROLL for (int i = 0; i < R; ++i) s[i] = _mm512_setzero_ps();
  size_t g = 0;  // groups done
  for (; g + 8 <= groups; g += 8) {
    const __m512 xlo = _mm512_loadu_ps(x + 4 * g), xhi = _mm512_loadu_ps(x + 4 * g + 16);
    MP_SPMM_UNROLL for (int i = 0; i < R; ++i)
      s[i] = _mm512_add_ps(s[i], nm24_chunk(v + i * vrow + 2 * g, m + i * mrow + g / 2, xlo, xhi));
  }
  if (g < groups) {
    // t < 8 groups: 2t values, 4t columns, ceil(t / 2) meta bytes, all masked.
    const size_t t = groups - g;
    const uint32_t xm = (1u << (4 * t)) - 1u;
    const __m512 xlo = _mm512_maskz_loadu_ps(static_cast<__mmask16>(xm), x + 4 * g);
    const __m512 xhi = _mm512_maskz_loadu_ps(static_cast<__mmask16>(xm >> 16), x + 4 * g + 16);
    const __mmask16 vm = tail_mask16(2 * t);
    MP_SPMM_UNROLL for (int i = 0; i < R; ++i) {
      uint32_t word = 0;
      for (size_t h = 0; h < (t + 1) / 2; ++h) word |= static_cast<uint32_t>(m[i * mrow + g / 2 + h]) << (8 * h);
      const __m512 xs = _mm512_permutex2var_ps(xlo, nm24_index(word), xhi);
      // The product is masked too: a padding lane must add nothing.
      s[i] = _mm512_add_ps(s[i], _mm512_maskz_mul_ps(vm, _mm512_maskz_loadu_ps(vm, v + i * vrow + 2 * g), xs));
    }
  }
  MP_SPMM_UNROLL for (int i = 0; i < R; ++i) y[i] = hsum(s[i]);
}

MP_AVX512 void nm24_matvec_avx512(const float* values, const uint8_t* meta, size_t rows, size_t cols, const float* x,
                                  float* y) {
  const size_t groups = cols / 4, vrow = cols / 2, mrow = (cols + 7) / 8;
  size_t r = 0;
  for (; r + 8 <= rows; r += 8) nm24_rows<8>(values + r * vrow, meta + r * mrow, vrow, mrow, groups, x, y + r);
  for (; r < rows; ++r) nm24_rows<1>(values + r * vrow, meta + r * mrow, vrow, mrow, groups, x, y + r);
}

// ---------------------------------------------------------------------------
// nm24_matmul
//
// Rows in panels of kNm24PanelRows, groups in blocks of kGroupBlock: the block's
// 4 * kGroupBlock rows of B are packed (a 64-byte-aligned copy of the chunk,
// 32 KB) and stay in L1 while every row of the panel adds its terms in the block
// to its C chunk. Each meta byte (two groups) gives four B rows; the four terms
// alternate between the accumulator sets. A block touches a short piece of every
// row of the panel, too many streams for the hardware prefetchers, so the row's
// next piece is prefetched.

constexpr size_t kGroupBlock = 32;
constexpr size_t kNm24PanelRows = 256;
constexpr size_t kPackStride = 64;  // floats per packed row

// Rows [0, n) of B's chunk (row stride k) into buf, zero outside the chunk.
template <int NV>
MP_AVX512 inline void pack_rows(const float* b, size_t k, size_t n, const Chunk& ch, float* buf) {
  for (size_t i = 0; i < n; ++i) {
    MP_SPMM_UNROLL for (int q = 0; q < NV; ++q)
      _mm512_store_ps(buf + i * kPackStride + 16 * q, _mm512_maskz_loadu_ps(lane_mask<NV>(ch, q), b + i * k + 16 * q));
  }
}

template <int NV, bool kPack>
MP_AVX512 void nm24_panel(const float* values, const uint8_t* meta, size_t rows, size_t cols, const float* b,
                          size_t k, const Chunk& ch, float* c, float* buf) {
  const size_t groups = cols / 4, vrow = cols / 2, mrow = (cols + 7) / 8;
  const size_t block = kPack ? kGroupBlock : groups;
  for (size_t g0 = 0; g0 < groups; g0 += block) {  // g0 is even
    const size_t g1 = groups - g0 < block ? groups : g0 + block;
    const float* bb = b + 4 * g0 * k + ch.off;  // the block's B rows, chunk-based
    if (kPack) pack_rows<NV>(bb, k, 4 * (g1 - g0), ch, buf);
    const float* base = kPack ? buf : bb;
    const size_t stride = kPack ? kPackStride : k;
    for (size_t r = 0; r < rows; ++r) {
      const float* v = values + r * vrow;
      const uint8_t* m = meta + r * mrow;
      if (kPack && g1 < groups) {
        const char* nv = reinterpret_cast<const char*>(v + 2 * g1);
        for (size_t l = 0; l < 2 * kGroupBlock * sizeof(float); l += 64) _mm_prefetch(nv + l, _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(m + g1 / 2), _MM_HINT_T0);
      }
      RowAcc<NV> a;
      acc_zero(a);
      size_t g = g0;
      for (; g + 2 <= g1; g += 2) {
        const unsigned byte = m[g / 2];
        const float* b0 = base + 4 * (g - g0) * stride;  // rows of group g; group g + 1's follow
        acc_term<NV, 0, kPack>(a, v[2 * g], b0 + (byte & 3) * stride, ch);
        acc_term<NV, 1, kPack>(a, v[2 * g + 1], b0 + ((byte >> 2) & 3) * stride, ch);
        acc_term<NV, 0, kPack>(a, v[2 * g + 2], b0 + (4 + ((byte >> 4) & 3)) * stride, ch);
        acc_term<NV, 1, kPack>(a, v[2 * g + 3], b0 + (4 + (byte >> 6)) * stride, ch);
      }
      if (g < g1) {  // an odd last group: the low nibble of its byte
        const unsigned byte = m[g / 2];
        const float* b0 = base + 4 * (g - g0) * stride;
        acc_term<NV, 0, kPack>(a, v[2 * g], b0 + (byte & 3) * stride, ch);
        acc_term<NV, 1, kPack>(a, v[2 * g + 1], b0 + ((byte >> 2) & 3) * stride, ch);
      }
      acc_store(a, c + r * k + ch.off, ch, g0 == 0);
    }
  }
}

template <int NV>
MP_AVX512 void nm24_panel_any(const float* values, const uint8_t* meta, size_t rows, size_t cols, const float* b,
                              size_t k, const Chunk& ch, float* c, float* buf) {
  // Packing a block costs about as much as two rows' terms in it.
  if (rows >= 4) nm24_panel<NV, true>(values, meta, rows, cols, b, k, ch, c, buf);
  else nm24_panel<NV, false>(values, meta, rows, cols, b, k, ch, c, buf);
}

MP_AVX512 void nm24_matmul_avx512(const float* values, const uint8_t* meta, size_t rows, size_t cols, const float* b,
                                  size_t k, float* c) {
  if (k == 0) return;
  if (cols < 4) {
    for (size_t r = 0; r < rows; ++r) memset(c + r * k, 0, k * sizeof(float));
    return;
  }
  alignas(64) float buf[4 * kGroupBlock * kPackStride];
  const size_t vrow = cols / 2, mrow = (cols + 7) / 8;
  for (size_t r0 = 0; r0 < rows; r0 += kNm24PanelRows) {
    const size_t pr = rows - r0 < kNm24PanelRows ? rows - r0 : kNm24PanelRows;
    const float* vp = values + r0 * vrow;
    const uint8_t* mp = meta + r0 * mrow;
    float* cp = c + r0 * k;
    for_chunks(k, 0, 4, [&](const Chunk& ch) {
      switch (ch.nv) {
        case 4: nm24_panel_any<4>(vp, mp, pr, cols, b, k, ch, cp, buf); break;
        case 3: nm24_panel_any<3>(vp, mp, pr, cols, b, k, ch, cp, buf); break;
        case 2: nm24_panel_any<2>(vp, mp, pr, cols, b, k, ch, cp, buf); break;
        default: nm24_panel_any<1>(vp, mp, pr, cols, b, k, ch, cp, buf); break;
      }
    });
  }
}

}  // namespace

const SpmmKernels spmm_avx512 = {csr_matvec_avx512,   csr_matmul_avx512,  dense_matvec_avx512,
                                 dense_matmul_avx512, nm24_matvec_avx512, nm24_matmul_avx512};

}  // namespace mp

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // x86-64
