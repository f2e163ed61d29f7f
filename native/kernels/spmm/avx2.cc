// AVX2 variant of the spmm kernels (sparse and dense fp32 products); ref.cc is
// the specification. Sums are reordered (several accumulators, lane-wise partial
// sums), never fused: no FMA anywhere, so each output stays within the bound of
// spmm_kernels.h and is reproducible.
//
// This file is compiled for the baseline x86-64 ISA. Every function that uses
// AVX2 carries MP_AVX2 (a target attribute, deliberately without "fma") and is
// only reached through spmm_avx2, which dispatch selects after cpu_features()
// reported AVX2. Tails use vmaskmov loads (masked-off lanes are not read and
// cannot fault) and stores, so no load reads past an array.
//
// Tricks:
//  - Column indices are range-checked 8 at a time as unsigned: AVX2 only
//    compares signed, so both sides get their top bit flipped first.
//  - csr_matvec reads x with scalar loads (spmm_common.h's Dot8): ymm gathers
//    were measured slower than scalar loads on Zen 5.
//  - nm24_matvec decodes 8 two-bit indices from a 16-bit meta word (a variable
//    shift per lane, AND 3, OR the group base) and picks x by them with two
//    cross-lane vpermps (one per 8-float half of the 16-column chunk, which use
//    only the low 3 bits of the indices) and a blend.
//  - dense_matmul keeps a 6-row x 16-column tile of C in 12 registers; B rows
//    are loaded once per tile and shared by its six rows.
//  - The sparse products (csr, 2:4) add a broadcast value times a row of B per
//    term into a C chunk of up to 64 columns held in 8 registers. csr_matmul
//    reads B rows straight from L2, its chunks shifted to 32-byte boundaries of
//    B when every row is equally aligned (no load splits a cache line) and the
//    B rows a few terms ahead prefetched; nm24_matmul walks A in blocks of
//    groups whose B rows are packed into an aligned stack buffer (L1).
#include "spmm_common.h"
#include "spmm_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define MP_AVX2 __attribute__((target("avx2")))

namespace mp {
namespace {

using spmm_common::Dot8;
using spmm_common::row_len;

MP_AVX2 inline __m256i iota8() { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }

// All-ones in lanes [lo, hi) (0 <= lo <= hi <= 8).
MP_AVX2 inline __m256i lanes_between(size_t lo, size_t hi) {
  const __m256i i = iota8();
  return _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(lo)), i),
                             _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(hi)), i));
}

MP_AVX2 inline __m256i tail_mask(size_t n) { return lanes_between(0, n < 8 ? n : 8); }

MP_AVX2 inline float hsum(__m256 v) {
  __m128 q = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  q = _mm_add_ps(q, _mm_movehl_ps(q, q));
  q = _mm_add_ss(q, _mm_movehdup_ps(q));
  return _mm_cvtss_f32(q);
}

// ---------------------------------------------------------------------------
// Column checks: c is bad iff uint32(c) > last, i.e. iff (c ^ 2^31) > (last ^
// 2^31) as signed.

struct ColCheck {
  __m256i bias, last;  // last is biased
};

MP_AVX2 inline ColCheck col_check(size_t n_cols) {
  const __m256i bias = _mm256_set1_epi32(INT32_MIN);
  return {bias, _mm256_xor_si256(_mm256_set1_epi32(static_cast<int>(spmm_common::last_col(n_cols))), bias)};
}

// All-ones in the lanes of idx that are bad columns.
MP_AVX2 inline __m256i bad_cols(__m256i idx, const ColCheck& k) {
  return _mm256_cmpgt_epi32(_mm256_xor_si256(idx, k.bias), k.last);
}

// Whether cols[0, n) are all valid (masked-off tail lanes read 0, a valid column).
MP_AVX2 inline bool cols_ok(const int32_t* cols, size_t n, const ColCheck& k) {
  __m256i bad = _mm256_setzero_si256();
  size_t j = 0;
  for (; j + 8 <= n; j += 8)
    bad = _mm256_or_si256(bad, bad_cols(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(cols + j)), k));
  if (j < n) bad = _mm256_or_si256(bad, bad_cols(_mm256_maskload_epi32(cols + j, tail_mask(n - j)), k));
  return _mm256_testz_si256(bad, bad) != 0;
}

// ---------------------------------------------------------------------------
// csr_matvec
//
// Per row, 16 non-zeros per step: two vector compares check their columns, then
// their products go into Dot8's eight scalar sums.

MP_AVX2 bool csr_matvec_avx2(const int32_t* row_ptr, const int32_t* cols, const float* values, size_t rows,
                             size_t n_cols, const float* x, float* y) {
  if (n_cols == 0) return spmm_scalar.csr_matvec(row_ptr, cols, values, rows, n_cols, x, y);
  const ColCheck ck = col_check(n_cols);
  for (size_t r = 0; r < rows; ++r) {
    const int32_t* c = cols + row_ptr[r];
    const float* v = values + row_ptr[r];
    const size_t n = row_len(row_ptr, r);
    Dot8 d;
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
      const __m256i* cv = reinterpret_cast<const __m256i*>(c + j);
      const __m256i bad =
          _mm256_or_si256(bad_cols(_mm256_loadu_si256(cv), ck), bad_cols(_mm256_loadu_si256(cv + 1), ck));
      if (!_mm256_testz_si256(bad, bad)) return false;
      d.add(v + j, c + j, 16, x);
    }
    if (j < n) {
      if (!cols_ok(c + j, n - j, ck)) return false;
      d.add(v + j, c + j, n - j, x);
    }
    y[r] = d.total();
  }
  return true;
}

// ---------------------------------------------------------------------------
// Row products (csr_matmul, nm24_matmul): a chunk of a row of C plus the sum over
// terms t of w[t] * (the same chunk of row t of B). A chunk is NV (1..9) vectors
// from column `off`, which may be negative: the lanes before column 0 are masked
// off in the first vector (fm), those past the chunk in the last one (lm). NV
// independent accumulators: with 8 of them per term the additions' latency is
// hidden. kMasked is false for chunks whose vectors are all full (plain loads:
// vmaskmov loads are slower on AMD).

struct Chunk {
  ptrdiff_t off;
  int nv;
  bool masked;              // some vector is partial
  size_t f_lo, f_hi, l_hi;  // lanes [f_lo, f_hi) of the first vector, [0, l_hi) of the last
};

// Calls f(chunk) for the chunks of spmm_common::for_chunks.
template <class F>
inline void for_chunks(size_t k, size_t lead, int nv_main, int nv_max, F&& f) {
  spmm_common::for_chunks(k, lead, 8, nv_main, nv_max, [&](const spmm_common::Chunk& c) {
    Chunk ch;
    ch.off = c.off;
    ch.nv = c.nv;
    ch.masked = c.skip != 0 || c.width != 8;
    ch.f_lo = c.skip;
    ch.f_hi = c.nv == 1 ? c.width : 8;
    ch.l_hi = c.width;
    f(ch);
  });
}

// The chunk's masks as vectors (made once per loop, outside the hot part).
struct Masks {
  __m256i fm, lm;
};

MP_AVX2 inline Masks masks_of(const Chunk& ch) { return {lanes_between(ch.f_lo, ch.f_hi), lanes_between(0, ch.l_hi)}; }

// A chunk vector q of the row at p (p = the row + ch.off).
template <int NV, bool kMasked>
MP_AVX2 inline __m256 load_lane(const float* p, const Masks& m, int q) {
  if (kMasked && q == 0) return _mm256_maskload_ps(p, m.fm);
  if (kMasked && q == NV - 1) return _mm256_maskload_ps(p + 8 * q, m.lm);
  return _mm256_loadu_ps(p + 8 * q);
}

template <int NV, bool kMasked>
MP_AVX2 inline void store_lane(float* p, const Masks& m, int q, __m256 v) {
  if (kMasked && q == 0) _mm256_maskstore_ps(p, m.fm, v);
  else if (kMasked && q == NV - 1) _mm256_maskstore_ps(p + 8 * q, m.lm, v);
  else _mm256_storeu_ps(p + 8 * q, v);
}

template <int NV>
struct RowAcc {
  __m256 s[NV];
};

template <int NV>
MP_AVX2 inline void acc_zero(RowAcc<NV>& a) {
  MP_SPMM_UNROLL for (int q = 0; q < NV; ++q) a.s[q] = _mm256_setzero_ps();
}

// a += w * p[chunk]: a packed row (aligned, zero outside the chunk: plain loads)
// or a row of B.
template <int NV, bool kMasked>
MP_AVX2 inline void acc_term(RowAcc<NV>& a, float w, const float* p, const Masks& m) {
  const __m256 wv = _mm256_set1_ps(w);
  MP_SPMM_UNROLL for (int q = 0; q < NV; ++q)
    a.s[q] = _mm256_add_ps(a.s[q], _mm256_mul_ps(wv, load_lane<NV, kMasked>(p, m, q)));
}

// out[chunk] = a (first) or out[chunk] + a, with out = the row of C + ch.off.
template <int NV, bool kMasked>
MP_AVX2 inline void acc_store(const RowAcc<NV>& a, float* out, const Masks& m, bool first) {
  MP_SPMM_UNROLL for (int q = 0; q < NV; ++q) {
    __m256 s = a.s[q];
    if (!first) s = _mm256_add_ps(load_lane<NV, kMasked>(out, m, q), s);
    store_lane<NV, kMasked>(out, m, q, s);
  }
}

// ---------------------------------------------------------------------------
// csr_matmul
//
// All columns are validated first, then each row keeps its C chunk (64 columns)
// in registers while its terms stream through, each B row read from L2. The B
// rows of the terms kAhead positions on are prefetched: their addresses are
// random, so the hardware cannot.

constexpr int64_t kAhead = 8;

// The cache lines of a chunk of NV vectors at p.
template <int NV>
MP_AVX2 inline void prefetch_chunk(const float* p) {
  const char* c = reinterpret_cast<const char*>(p);
  MP_SPMM_UNROLL for (int l = 0; l < 32 * NV; l += 64) _mm_prefetch(c + l, _MM_HINT_T0);
  _mm_prefetch(c + 32 * NV - 1, _MM_HINT_T0);  // the line of its end, if p is not line-aligned
}

template <int NV, bool kMasked>
MP_AVX2 void csr_rows(const int32_t* row_ptr, const int32_t* cols, const float* values, size_t rows, const float* b,
                      size_t k, const Chunk& ch, float* c) {
  const float* bc = b + ch.off;
  const Masks m = masks_of(ch);
  for (size_t r = 0; r < rows; ++r) {
    int64_t j = row_ptr[r];  // 64-bit: j + kAhead must not overflow
    const int64_t stop = row_ptr[r + 1];
    RowAcc<NV> a;
    acc_zero(a);
    for (; j < stop; ++j) {
      if (j + kAhead < stop) prefetch_chunk<NV>(bc + static_cast<uint32_t>(cols[j + kAhead]) * k);
      acc_term<NV, kMasked>(a, values[j], bc + static_cast<uint32_t>(cols[j]) * k, m);
    }
    acc_store<NV, kMasked>(a, c + r * k + ch.off, m, true);
  }
}

template <int NV>
MP_AVX2 void csr_rows_any(const int32_t* row_ptr, const int32_t* cols, const float* values, size_t rows,
                          const float* b, size_t k, const Chunk& ch, float* c) {
  if (ch.masked) csr_rows<NV, true>(row_ptr, cols, values, rows, b, k, ch, c);
  else csr_rows<NV, false>(row_ptr, cols, values, rows, b, k, ch, c);
}

MP_AVX2 bool csr_matmul_avx2(const int32_t* row_ptr, const int32_t* cols, const float* values, size_t rows,
                             size_t n_cols, const float* b, size_t k, float* c) {
  if (n_cols == 0) return spmm_scalar.csr_matmul(row_ptr, cols, values, rows, n_cols, b, k, c);
  const ColCheck ck = col_check(n_cols);
  for (size_t r = 0; r < rows; ++r) {
    if (!cols_ok(cols + row_ptr[r], row_len(row_ptr, r), ck)) return false;
  }
  for_chunks(k, spmm_common::lead_of(b, k, 32), 8, 9, [&](const Chunk& ch) {
    switch (ch.nv) {
      case 9: csr_rows_any<9>(row_ptr, cols, values, rows, b, k, ch, c); break;
      case 8: csr_rows_any<8>(row_ptr, cols, values, rows, b, k, ch, c); break;
      case 7: csr_rows_any<7>(row_ptr, cols, values, rows, b, k, ch, c); break;
      case 6: csr_rows_any<6>(row_ptr, cols, values, rows, b, k, ch, c); break;
      case 5: csr_rows_any<5>(row_ptr, cols, values, rows, b, k, ch, c); break;
      case 4: csr_rows_any<4>(row_ptr, cols, values, rows, b, k, ch, c); break;
      case 3: csr_rows_any<3>(row_ptr, cols, values, rows, b, k, ch, c); break;
      case 2: csr_rows_any<2>(row_ptr, cols, values, rows, b, k, ch, c); break;
      default: csr_rows_any<1>(row_ptr, cols, values, rows, b, k, ch, c); break;
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
MP_AVX2 inline void matvec_rows(const float* a, size_t cols, const float* x, float* y) {
  __m256 s[R][2];
  MP_SPMM_UNROLL for (int i = 0; i < R; ++i) s[i][0] = s[i][1] = _mm256_setzero_ps();
  size_t c = 0;
  for (; c + 16 <= cols; c += 16) {
    const __m256 x0 = _mm256_loadu_ps(x + c), x1 = _mm256_loadu_ps(x + c + 8);
    MP_SPMM_UNROLL for (int i = 0; i < R; ++i) {
      s[i][0] = _mm256_add_ps(s[i][0], _mm256_mul_ps(_mm256_loadu_ps(a + i * cols + c), x0));
      s[i][1] = _mm256_add_ps(s[i][1], _mm256_mul_ps(_mm256_loadu_ps(a + i * cols + c + 8), x1));
    }
  }
  for (; c < cols; c += 8) {
    const __m256i m = tail_mask(cols - c);
    const __m256 x0 = _mm256_maskload_ps(x + c, m);
    MP_SPMM_UNROLL for (int i = 0; i < R; ++i)
      s[i][0] = _mm256_add_ps(s[i][0], _mm256_mul_ps(_mm256_maskload_ps(a + i * cols + c, m), x0));
  }
  MP_SPMM_UNROLL for (int i = 0; i < R; ++i) y[i] = hsum(_mm256_add_ps(s[i][0], s[i][1]));
}

MP_AVX2 void dense_matvec_avx2(const float* a, size_t rows, size_t cols, const float* x, float* y) {
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) matvec_rows<4>(a + r * cols, cols, x, y + r);
  for (; r < rows; ++r) matvec_rows<1>(a + r * cols, cols, x, y + r);
}

// ---------------------------------------------------------------------------
// dense_matmul
//
// A register tile of MR (<= 6) rows x 2 vectors (16 columns) of C: per inner
// index, two loads of a B row shared by the MR rows and one broadcast per row,
// 2 MR multiplies and adds into independent accumulators (12 + 2 + 2 of the 16
// registers). Loops as in avx512.cc: blocks of kInner inner indices, blocks of
// kRowBlock rows, 16-column chunks of k, row tiles. Each C element adds its
// inner blocks in order, each block's products in order: the reference's order.

constexpr size_t kInner = 256;
constexpr size_t kRowBlock = 96;

template <int MR, bool kMasked>
MP_AVX2 void mm_tile(const float* a, size_t inner, size_t ni, const float* b, size_t k, float* c, const Masks& m,
                     bool first) {
  constexpr int NV = 2;
  __m256 s[MR][NV];
  MP_SPMM_UNROLL for (int r = 0; r < MR; ++r) {
    MP_SPMM_UNROLL for (int q = 0; q < NV; ++q)
      s[r][q] = first ? _mm256_setzero_ps() : load_lane<NV, kMasked>(c + r * k, m, q);
  }
  for (size_t i = 0; i < ni; ++i) {
    const __m256 b0 = load_lane<NV, kMasked>(b + i * k, m, 0), b1 = load_lane<NV, kMasked>(b + i * k, m, 1);
    MP_SPMM_UNROLL for (int r = 0; r < MR; ++r) {
      const __m256 av = _mm256_set1_ps(a[r * inner + i]);
      s[r][0] = _mm256_add_ps(s[r][0], _mm256_mul_ps(av, b0));
      s[r][1] = _mm256_add_ps(s[r][1], _mm256_mul_ps(av, b1));
    }
  }
  MP_SPMM_UNROLL for (int r = 0; r < MR; ++r) {
    MP_SPMM_UNROLL for (int q = 0; q < NV; ++q) store_lane<NV, kMasked>(c + r * k, m, q, s[r][q]);
  }
}

template <bool kMasked>
MP_AVX2 void mm_rows(const float* a, size_t rows, size_t inner, size_t ni, const float* b, size_t k, float* c,
                     const Chunk& ch, bool first) {
  const Masks m = masks_of(ch);
  size_t r = 0;
  for (; r + 6 <= rows; r += 6) mm_tile<6, kMasked>(a + r * inner, inner, ni, b, k, c + r * k, m, first);
  switch (rows - r) {
    case 5: mm_tile<5, kMasked>(a + r * inner, inner, ni, b, k, c + r * k, m, first); break;
    case 4: mm_tile<4, kMasked>(a + r * inner, inner, ni, b, k, c + r * k, m, first); break;
    case 3: mm_tile<3, kMasked>(a + r * inner, inner, ni, b, k, c + r * k, m, first); break;
    case 2: mm_tile<2, kMasked>(a + r * inner, inner, ni, b, k, c + r * k, m, first); break;
    case 1: mm_tile<1, kMasked>(a + r * inner, inner, ni, b, k, c + r * k, m, first); break;
    default: break;
  }
}

MP_AVX2 void dense_matmul_avx2(const float* a, size_t rows, size_t inner, const float* b, size_t k, float* c) {
  if (k == 0) return;
  if (inner == 0) {
    for (size_t r = 0; r < rows; ++r) memset(c + r * k, 0, k * sizeof(float));
    return;
  }
  for (size_t i0 = 0; i0 < inner; i0 += kInner) {
    const size_t ni = inner - i0 < kInner ? inner - i0 : kInner;
    for (size_t r0 = 0; r0 < rows; r0 += kRowBlock) {
      const size_t nr = rows - r0 < kRowBlock ? rows - r0 : kRowBlock;
      // Chunks of two vectors; a last chunk of one gets a second vector with
      // no lanes, so the tile is always two vectors wide.
      for_chunks(k, 0, 2, 2, [&](const Chunk& c1) {
        Chunk ch = c1;
        if (ch.nv == 1) {
          ch.nv = 2;
          ch.masked = true;
          ch.l_hi = 0;
        }
        const float* ap = a + r0 * inner + i0;
        const float* bp = b + i0 * k + ch.off;
        float* cp = c + r0 * k + ch.off;
        if (ch.masked) mm_rows<true>(ap, nr, inner, ni, bp, k, cp, ch, i0 == 0);
        else mm_rows<false>(ap, nr, inner, ni, bp, k, cp, ch, i0 == 0);
      });
    }
  }
}

// ---------------------------------------------------------------------------
// nm24_matvec
//
// 8 values (4 groups, 16 columns of x) per step. Value j's 2-bit index is bits
// 2j..2j+1 of the chunk's 16-bit meta word, and its column within the chunk is
// 4 * (j / 2) + index. vpermps only looks at the low 3 bits of an index, so the
// same indices pick from both 8-float halves of the chunk; lanes 0..3 (groups 0
// and 1, columns 0..7) take the low half's pick, lanes 4..7 the high half's.

MP_AVX2 inline __m256i nm24_index(uint32_t word) {
  const __m256i shift = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
  const __m256i base = _mm256_setr_epi32(0, 0, 4, 4, 0, 0, 4, 4);
  const __m256i f = _mm256_srlv_epi32(_mm256_set1_epi32(static_cast<int>(word)), shift);
  return _mm256_or_si256(_mm256_and_si256(f, _mm256_set1_epi32(3)), base);
}

MP_AVX2 inline __m256 nm24_pick(__m256 xlo, __m256 xhi, uint32_t word) {
  const __m256i idx = nm24_index(word);
  return _mm256_blend_ps(_mm256_permutevar8x32_ps(xlo, idx), _mm256_permutevar8x32_ps(xhi, idx), 0xF0);
}

inline uint32_t load_u16(const uint8_t* p) { return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8; }

// The products of one row's 8-value chunk.
MP_AVX2 inline __m256 nm24_chunk(const float* v, const uint8_t* m, const float* x) {
  return _mm256_mul_ps(_mm256_loadu_ps(v), nm24_pick(_mm256_loadu_ps(x), _mm256_loadu_ps(x + 8), load_u16(m)));
}

MP_AVX2 void nm24_matvec_avx2(const float* values, const uint8_t* meta, size_t rows, size_t cols, const float* x,
                              float* y) {
  const size_t groups = cols / 4, vrow = cols / 2, mrow = (cols + 7) / 8;
  for (size_t r = 0; r < rows; ++r) {
    const float* v = values + r * vrow;
    const uint8_t* m = meta + r * mrow;
    __m256 s0 = _mm256_setzero_ps(), s1 = s0;
    size_t g = 0;  // groups done
    for (; g + 8 <= groups; g += 8) {
      s0 = _mm256_add_ps(s0, nm24_chunk(v + 2 * g, m + g / 2, x + 4 * g));
      s1 = _mm256_add_ps(s1, nm24_chunk(v + 2 * g + 8, m + g / 2 + 2, x + 4 * g + 16));
    }
    if (g + 4 <= groups) {
      s0 = _mm256_add_ps(s0, nm24_chunk(v + 2 * g, m + g / 2, x + 4 * g));
      g += 4;
    }
    if (g < groups) {
      // t < 4 groups: 2t values, 4t columns, ceil(t / 2) meta bytes, all masked.
      const size_t t = groups - g;
      const uint32_t word = t > 2 ? load_u16(m + g / 2) : m[g / 2];
      const __m256 xlo = _mm256_maskload_ps(x + 4 * g, tail_mask(4 * t));
      const __m256 xhi = _mm256_maskload_ps(x + 4 * g + 8, tail_mask(4 * t > 8 ? 4 * t - 8 : 0));
      const __m256i vm = tail_mask(2 * t);
      const __m256 p = _mm256_mul_ps(_mm256_maskload_ps(v + 2 * g, vm), nm24_pick(xlo, xhi, word));
      // The product is masked too: a padding lane must add nothing.
      s1 = _mm256_add_ps(s1, _mm256_and_ps(p, _mm256_castsi256_ps(vm)));
    }
    y[r] = hsum(_mm256_add_ps(s0, s1));
  }
}

// ---------------------------------------------------------------------------
// nm24_matmul
//
// Rows in panels of kNm24PanelRows, groups in blocks of kGroupBlock: the block's
// 4 * kGroupBlock rows of B are packed (a 32-byte-aligned copy of the chunk, at
// most 64 columns: 32 KB) and stay in L1 while every row of the panel adds its
// terms in the block to its C chunk. Each meta byte (two groups) gives four B
// rows. A block touches a short piece of every row of the panel, too many
// streams for the hardware prefetchers, so the row's next piece is prefetched.

constexpr size_t kGroupBlock = 32;
constexpr size_t kNm24PanelRows = 256;
constexpr size_t kPackStride = 64;  // floats per packed row

// Rows [0, n) of B's chunk (row stride k) into buf, zero outside the chunk.
template <int NV>
MP_AVX2 inline void pack_rows(const float* b, size_t k, size_t n, const Masks& m, float* buf) {
  for (size_t i = 0; i < n; ++i) {
    MP_SPMM_UNROLL for (int q = 0; q < NV; ++q)
      _mm256_store_ps(buf + i * kPackStride + 8 * q, load_lane<NV, true>(b + i * k, m, q));
  }
}

template <int NV, bool kPack>
MP_AVX2 void nm24_panel(const float* values, const uint8_t* meta, size_t rows, size_t cols, const float* b,
                        size_t k, const Chunk& ch, float* c, float* buf) {
  const size_t groups = cols / 4, vrow = cols / 2, mrow = (cols + 7) / 8;
  const size_t block = kPack ? kGroupBlock : groups;
  const Masks mk = masks_of(ch);
  for (size_t g0 = 0; g0 < groups; g0 += block) {  // g0 is even
    const size_t g1 = groups - g0 < block ? groups : g0 + block;
    const float* bb = b + 4 * g0 * k + ch.off;  // the block's B rows, chunk-based
    if (kPack) pack_rows<NV>(bb, k, 4 * (g1 - g0), mk, buf);
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
        acc_term<NV, !kPack>(a, v[2 * g], b0 + (byte & 3) * stride, mk);
        acc_term<NV, !kPack>(a, v[2 * g + 1], b0 + ((byte >> 2) & 3) * stride, mk);
        acc_term<NV, !kPack>(a, v[2 * g + 2], b0 + (4 + ((byte >> 4) & 3)) * stride, mk);
        acc_term<NV, !kPack>(a, v[2 * g + 3], b0 + (4 + (byte >> 6)) * stride, mk);
      }
      if (g < g1) {  // an odd last group: the low nibble of its byte
        const unsigned byte = m[g / 2];
        const float* b0 = base + 4 * (g - g0) * stride;
        acc_term<NV, !kPack>(a, v[2 * g], b0 + (byte & 3) * stride, mk);
        acc_term<NV, !kPack>(a, v[2 * g + 1], b0 + ((byte >> 2) & 3) * stride, mk);
      }
      acc_store<NV, true>(a, c + r * k + ch.off, mk, g0 == 0);
    }
  }
}

template <int NV>
MP_AVX2 void nm24_panel_any(const float* values, const uint8_t* meta, size_t rows, size_t cols, const float* b,
                            size_t k, const Chunk& ch, float* c, float* buf) {
  // Packing a block costs about as much as two rows' terms in it.
  if (rows >= 4) nm24_panel<NV, true>(values, meta, rows, cols, b, k, ch, c, buf);
  else nm24_panel<NV, false>(values, meta, rows, cols, b, k, ch, c, buf);
}

MP_AVX2 void nm24_matmul_avx2(const float* values, const uint8_t* meta, size_t rows, size_t cols, const float* b,
                              size_t k, float* c) {
  if (k == 0) return;
  if (cols < 4) {
    for (size_t r = 0; r < rows; ++r) memset(c + r * k, 0, k * sizeof(float));
    return;
  }
  alignas(32) float buf[4 * kGroupBlock * kPackStride];
  const size_t vrow = cols / 2, mrow = (cols + 7) / 8;
  for (size_t r0 = 0; r0 < rows; r0 += kNm24PanelRows) {
    const size_t pr = rows - r0 < kNm24PanelRows ? rows - r0 : kNm24PanelRows;
    const float* vp = values + r0 * vrow;
    const uint8_t* mp = meta + r0 * mrow;
    float* cp = c + r0 * k;
    for_chunks(k, 0, 8, 8, [&](const Chunk& ch) {
      switch (ch.nv) {
        case 8: nm24_panel_any<8>(vp, mp, pr, cols, b, k, ch, cp, buf); break;
        case 7: nm24_panel_any<7>(vp, mp, pr, cols, b, k, ch, cp, buf); break;
        case 6: nm24_panel_any<6>(vp, mp, pr, cols, b, k, ch, cp, buf); break;
        case 5: nm24_panel_any<5>(vp, mp, pr, cols, b, k, ch, cp, buf); break;
        case 4: nm24_panel_any<4>(vp, mp, pr, cols, b, k, ch, cp, buf); break;
        case 3: nm24_panel_any<3>(vp, mp, pr, cols, b, k, ch, cp, buf); break;
        case 2: nm24_panel_any<2>(vp, mp, pr, cols, b, k, ch, cp, buf); break;
        default: nm24_panel_any<1>(vp, mp, pr, cols, b, k, ch, cp, buf); break;
      }
    });
  }
}

}  // namespace

const SpmmKernels spmm_avx2 = {csr_matvec_avx2,   csr_matmul_avx2,  dense_matvec_avx2,
                               dense_matmul_avx2, nm24_matvec_avx2, nm24_matmul_avx2};

}  // namespace mp

#endif  // x86-64
