// AArch64 Advanced SIMD (NEON) variant of the spmm kernels (sparse and dense
// fp32 products); ref.cc is the specification. Sums are reordered (several
// accumulators, lane-wise partial sums), never fused: separate FMUL and FADD
// (vmulq + vaddq; no vfmaq, and the build's -ffp-contract=off keeps the compiler
// from fusing them), so each output stays within the bound of spmm_kernels.h and
// is reproducible. NEON is part of the AArch64 baseline: no target attributes.
//
// NEON has no masked loads: a partial last vector of a row is read lane by lane
// (vld1q_lane), stored lane by lane, and a matvec's last columns are a scalar
// tail, so no load reads past an array.
//
// Tricks:
//  - Column indices are range-checked 16 at a time as unsigned (vcgtq_u32 and
//    one vmaxvq) before anything reads x or B with them; csr_matvec then reads x
//    with scalar loads (spmm_common.h's Dot8): NEON has no gather.
//  - nm24_matvec turns each meta byte (two groups) into the 16 byte indices of a
//    TBL over the 8 floats (32 bytes) of x those groups cover, from a 4 KB table:
//    one vqtbl2q_u8 picks the four x values of four products.
//  - The products keep a C chunk of up to 64 columns in 16 registers (row
//    products) or a 6-row x 16-column tile in 24 registers (dense_matmul).
//    csr_matmul reads B rows straight from L2 and prefetches the rows of the
//    terms a few positions on; nm24_matmul walks A in blocks of groups whose B
//    rows are packed into a stack buffer (L1).
#include "spmm_common.h"
#include "spmm_kernels.h"

#if defined(__aarch64__)

#include <arm_neon.h>
#include <stdint.h>
#include <string.h>

namespace mp {
namespace {

using spmm_common::Dot8;
using spmm_common::row_len;

inline float hsum(float32x4_t v) { return vaddvq_f32(v); }

// ---------------------------------------------------------------------------
// Partial vectors: lanes [0, w) of p (1 <= w <= 4), the rest 0.

inline float32x4_t load_part(const float* p, size_t w) {
  if (w >= 4) return vld1q_f32(p);
  float32x4_t v = vdupq_n_f32(0.0f);
  v = vld1q_lane_f32(p, v, 0);
  if (w > 1) v = vld1q_lane_f32(p + 1, v, 1);
  if (w > 2) v = vld1q_lane_f32(p + 2, v, 2);
  return v;
}

inline void store_part(float* p, size_t w, float32x4_t v) {
  if (w >= 4) return vst1q_f32(p, v);
  vst1q_lane_f32(p, v, 0);
  if (w > 1) vst1q_lane_f32(p + 1, v, 1);
  if (w > 2) vst1q_lane_f32(p + 2, v, 2);
}

// Vector q of a chunk of NV vectors at p whose last vector has w lanes.
template <int NV, bool kPartial>
inline float32x4_t load_lane(const float* p, int q, size_t w) {
  return kPartial && q == NV - 1 ? load_part(p + 4 * q, w) : vld1q_f32(p + 4 * q);
}

template <int NV, bool kPartial>
inline void store_lane(float* p, int q, size_t w, float32x4_t v) {
  if (kPartial && q == NV - 1) store_part(p + 4 * q, w, v);
  else vst1q_f32(p + 4 * q, v);
}

// ---------------------------------------------------------------------------
// Column checks

// Whether cols[0, n) are all valid: 16 per step, one horizontal maximum.
inline bool cols_ok(const int32_t* cols, size_t n, uint32_t last) {
  const uint32x4_t lv = vdupq_n_u32(last);
  const uint32_t* c = reinterpret_cast<const uint32_t*>(cols);
  size_t j = 0;
  for (; j + 16 <= n; j += 16) {
    const uint32x4_t b0 = vorrq_u32(vcgtq_u32(vld1q_u32(c + j), lv), vcgtq_u32(vld1q_u32(c + j + 4), lv));
    const uint32x4_t b1 = vorrq_u32(vcgtq_u32(vld1q_u32(c + j + 8), lv), vcgtq_u32(vld1q_u32(c + j + 12), lv));
    const uint32x4_t bad = vorrq_u32(b0, b1);
    if (vmaxvq_u32(bad) != 0) return false;
  }
  for (; j < n; ++j) {
    if (c[j] > last) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// csr_matvec
//
// Per row, 16 non-zeros per step: their columns are checked, then their
// products go into Dot8's eight scalar sums; the tail is checked as a whole
// first.

bool csr_matvec_neon(const int32_t* row_ptr, const int32_t* cols, const float* values, size_t rows, size_t n_cols,
                     const float* x, float* y) {
  if (n_cols == 0) return spmm_scalar.csr_matvec(row_ptr, cols, values, rows, n_cols, x, y);
  const uint32_t last = spmm_common::last_col(n_cols);
  for (size_t r = 0; r < rows; ++r) {
    const int32_t* c = cols + row_ptr[r];
    const float* v = values + row_ptr[r];
    const size_t n = row_len(row_ptr, r);
    Dot8 d;
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
      if (!cols_ok(c + j, 16, last)) return false;
      d.add(v + j, c + j, 16, x);
    }
    if (j < n) {
      if (!cols_ok(c + j, n - j, last)) return false;
      d.add(v + j, c + j, n - j, x);
    }
    y[r] = d.total();
  }
  return true;
}

// ---------------------------------------------------------------------------
// Row products (csr_matmul, nm24_matmul): a chunk of a row of C plus the sum over
// terms t of w[t] * (the same chunk of row t of B): NV (1..16) vectors from
// column off, the last with w lanes, NV independent accumulators (16 for the
// 64-column chunks: the additions' latency is hidden).

// Keeps GCC from hoisting loads above it: with 16 sums in registers, hoisting
// the next vectors' or terms' B loads above the arithmetic spills sums to the
// stack; the core reorders the loads anyway. (Memory only: no instruction.)
inline void schedule_barrier() { __asm__ __volatile__("" ::: "memory"); }

template <int NV>
struct RowAcc {
  float32x4_t s[NV];
};

template <int NV>
inline void acc_zero(RowAcc<NV>& a) {
  MP_SPMM_UNROLL for (int q = 0; q < NV; ++q) a.s[q] = vdupq_n_f32(0.0f);
}

// a += w * p[chunk] (p a packed row, all vectors full, or a row of B).
template <int NV, bool kPartial>
inline void acc_term(RowAcc<NV>& a, float w, const float* p, size_t width) {
  MP_SPMM_UNROLL for (int q = 0; q < NV; ++q) {
    a.s[q] = vaddq_f32(a.s[q], vmulq_n_f32(load_lane<NV, kPartial>(p, q, width), w));
    if (q == 7 && NV > 8) schedule_barrier();  // at most 8 loaded vectors live next to 16 sums
  }
}

// out[chunk] = a (first) or out[chunk] + a.
template <int NV, bool kPartial>
inline void acc_store(const RowAcc<NV>& a, float* out, size_t width, bool first) {
  MP_SPMM_UNROLL for (int q = 0; q < NV; ++q) {
    float32x4_t s = a.s[q];
    if (!first) s = vaddq_f32(load_lane<NV, kPartial>(out, q, width), s);
    store_lane<NV, kPartial>(out, q, width, s);
  }
}

// The cache lines of a chunk of NV vectors at p.
template <int NV>
inline void prefetch_chunk(const float* p) {
  const char* c = reinterpret_cast<const char*>(p);
  MP_SPMM_UNROLL for (int l = 0; l < 16 * NV; l += 64) __builtin_prefetch(c + l);
  __builtin_prefetch(c + 16 * NV - 1);
}

// ---------------------------------------------------------------------------
// csr_matmul
//
// All columns are validated first, then each row keeps its C chunk in
// registers while its terms stream through, each B row read from L2; the B rows
// of the terms kAhead positions on are prefetched (random addresses).

constexpr int64_t kAhead = 8;

template <int NV, bool kPartial>
void csr_rows(const int32_t* row_ptr, const int32_t* cols, const float* values, size_t rows, const float* b, size_t k,
              size_t width, float* c) {
  for (size_t r = 0; r < rows; ++r) {
    int64_t j = row_ptr[r];  // 64-bit: j + kAhead must not overflow
    const int64_t stop = row_ptr[r + 1];
    RowAcc<NV> a;
    acc_zero(a);
    for (; j < stop; ++j) {
      if (j + kAhead < stop) prefetch_chunk<NV>(b + static_cast<uint32_t>(cols[j + kAhead]) * k);
      acc_term<NV, kPartial>(a, values[j], b + static_cast<uint32_t>(cols[j]) * k, width);
    }
    acc_store<NV, kPartial>(a, c + r * k, width, true);
  }
}

template <int NV>
void csr_rows_any(const int32_t* row_ptr, const int32_t* cols, const float* values, size_t rows, const float* b,
                  size_t k, size_t width, float* c) {
  if (width < 4) csr_rows<NV, true>(row_ptr, cols, values, rows, b, k, width, c);
  else csr_rows<NV, false>(row_ptr, cols, values, rows, b, k, width, c);
}

bool csr_matmul_neon(const int32_t* row_ptr, const int32_t* cols, const float* values, size_t rows, size_t n_cols,
                     const float* b, size_t k, float* c) {
  if (n_cols == 0) return spmm_scalar.csr_matmul(row_ptr, cols, values, rows, n_cols, b, k, c);
  const uint32_t last = spmm_common::last_col(n_cols);
  for (size_t r = 0; r < rows; ++r) {
    if (!cols_ok(cols + row_ptr[r], row_len(row_ptr, r), last)) return false;
  }
  spmm_common::for_chunks(k, 0, 4, 16, 16, [&](const spmm_common::Chunk& ch) {
    const float* bp = b + ch.off;
    float* cp = c + ch.off;
    switch (ch.nv) {
      case 16: csr_rows_any<16>(row_ptr, cols, values, rows, bp, k, ch.width, cp); break;
      case 15: csr_rows_any<15>(row_ptr, cols, values, rows, bp, k, ch.width, cp); break;
      case 14: csr_rows_any<14>(row_ptr, cols, values, rows, bp, k, ch.width, cp); break;
      case 13: csr_rows_any<13>(row_ptr, cols, values, rows, bp, k, ch.width, cp); break;
      case 12: csr_rows_any<12>(row_ptr, cols, values, rows, bp, k, ch.width, cp); break;
      case 11: csr_rows_any<11>(row_ptr, cols, values, rows, bp, k, ch.width, cp); break;
      case 10: csr_rows_any<10>(row_ptr, cols, values, rows, bp, k, ch.width, cp); break;
      case 9: csr_rows_any<9>(row_ptr, cols, values, rows, bp, k, ch.width, cp); break;
      case 8: csr_rows_any<8>(row_ptr, cols, values, rows, bp, k, ch.width, cp); break;
      case 7: csr_rows_any<7>(row_ptr, cols, values, rows, bp, k, ch.width, cp); break;
      case 6: csr_rows_any<6>(row_ptr, cols, values, rows, bp, k, ch.width, cp); break;
      case 5: csr_rows_any<5>(row_ptr, cols, values, rows, bp, k, ch.width, cp); break;
      case 4: csr_rows_any<4>(row_ptr, cols, values, rows, bp, k, ch.width, cp); break;
      case 3: csr_rows_any<3>(row_ptr, cols, values, rows, bp, k, ch.width, cp); break;
      case 2: csr_rows_any<2>(row_ptr, cols, values, rows, bp, k, ch.width, cp); break;
      default: csr_rows_any<1>(row_ptr, cols, values, rows, bp, k, ch.width, cp); break;
    }
  });
  return true;
}

// ---------------------------------------------------------------------------
// dense_matvec
//
// Four rows at a time (four read streams, one load of x for all of them), two
// accumulators per row, a scalar tail of the last cols % 4 columns.

template <int R>
inline void matvec_rows(const float* a, size_t cols, const float* x, float* y) {
  float32x4_t s[R][2];
  MP_SPMM_UNROLL for (int i = 0; i < R; ++i) s[i][0] = s[i][1] = vdupq_n_f32(0.0f);
  size_t c = 0;
  for (; c + 8 <= cols; c += 8) {
    const float32x4_t x0 = vld1q_f32(x + c), x1 = vld1q_f32(x + c + 4);
    MP_SPMM_UNROLL for (int i = 0; i < R; ++i) {
      s[i][0] = vaddq_f32(s[i][0], vmulq_f32(vld1q_f32(a + i * cols + c), x0));
      s[i][1] = vaddq_f32(s[i][1], vmulq_f32(vld1q_f32(a + i * cols + c + 4), x1));
    }
  }
  if (c + 4 <= cols) {
    const float32x4_t x0 = vld1q_f32(x + c);
    MP_SPMM_UNROLL for (int i = 0; i < R; ++i) s[i][0] = vaddq_f32(s[i][0], vmulq_f32(vld1q_f32(a + i * cols + c), x0));
    c += 4;
  }
  MP_SPMM_UNROLL for (int i = 0; i < R; ++i) {
    float t = hsum(vaddq_f32(s[i][0], s[i][1]));
    for (size_t cc = c; cc < cols; ++cc) t += a[i * cols + cc] * x[cc];
    y[i] = t;
  }
}

void dense_matvec_neon(const float* a, size_t rows, size_t cols, const float* x, float* y) {
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) matvec_rows<4>(a + r * cols, cols, x, y + r);
  for (; r < rows; ++r) matvec_rows<1>(a + r * cols, cols, x, y + r);
}

// ---------------------------------------------------------------------------
// dense_matmul
//
// A register tile of MR (<= 6) rows x NV (<= 4) vectors (16 columns) of C: per
// inner index, NV loads of a B row shared by the MR rows and one broadcast load
// (LD1R) per row, MR * NV multiplies and adds into independent accumulators (24
// of the 32 registers). Loops as in avx512.cc: blocks of kInner inner indices,
// blocks of kRowBlock rows, 16-column chunks of k, row tiles; each C element adds
// its inner blocks in order, each block's products in order.

constexpr size_t kInner = 256;
constexpr size_t kRowBlock = 96;

template <int MR, int NV, bool kPartial>
void mm_tile(const float* a, size_t inner, size_t ni, const float* b, size_t k, float* c, size_t width, bool first) {
  float32x4_t s[MR][NV];
  MP_SPMM_UNROLL for (int r = 0; r < MR; ++r) {
    MP_SPMM_UNROLL for (int q = 0; q < NV; ++q)
      s[r][q] = first ? vdupq_n_f32(0.0f) : load_lane<NV, kPartial>(c + r * k, q, width);
  }
  for (size_t i = 0; i < ni; ++i) {
    float32x4_t bv[NV];
    MP_SPMM_UNROLL for (int q = 0; q < NV; ++q) bv[q] = load_lane<NV, kPartial>(b + i * k, q, width);
    MP_SPMM_UNROLL for (int r = 0; r < MR; ++r) {
      const float32x4_t av = vld1q_dup_f32(a + r * inner + i);
      MP_SPMM_UNROLL for (int q = 0; q < NV; ++q) s[r][q] = vaddq_f32(s[r][q], vmulq_f32(av, bv[q]));
    }
  }
  MP_SPMM_UNROLL for (int r = 0; r < MR; ++r) {
    MP_SPMM_UNROLL for (int q = 0; q < NV; ++q) store_lane<NV, kPartial>(c + r * k, q, width, s[r][q]);
  }
}

template <int NV, bool kPartial>
void mm_rows(const float* a, size_t rows, size_t inner, size_t ni, const float* b, size_t k, float* c, size_t width,
             bool first) {
  size_t r = 0;
  for (; r + 6 <= rows; r += 6) mm_tile<6, NV, kPartial>(a + r * inner, inner, ni, b, k, c + r * k, width, first);
  switch (rows - r) {
    case 5: mm_tile<5, NV, kPartial>(a + r * inner, inner, ni, b, k, c + r * k, width, first); break;
    case 4: mm_tile<4, NV, kPartial>(a + r * inner, inner, ni, b, k, c + r * k, width, first); break;
    case 3: mm_tile<3, NV, kPartial>(a + r * inner, inner, ni, b, k, c + r * k, width, first); break;
    case 2: mm_tile<2, NV, kPartial>(a + r * inner, inner, ni, b, k, c + r * k, width, first); break;
    case 1: mm_tile<1, NV, kPartial>(a + r * inner, inner, ni, b, k, c + r * k, width, first); break;
    default: break;
  }
}

template <int NV>
void mm_rows_any(const float* a, size_t rows, size_t inner, size_t ni, const float* b, size_t k, float* c,
                 size_t width, bool first) {
  if (width < 4) mm_rows<NV, true>(a, rows, inner, ni, b, k, c, width, first);
  else mm_rows<NV, false>(a, rows, inner, ni, b, k, c, width, first);
}

void dense_matmul_neon(const float* a, size_t rows, size_t inner, const float* b, size_t k, float* c) {
  if (k == 0) return;
  if (inner == 0) {
    for (size_t r = 0; r < rows; ++r) memset(c + r * k, 0, k * sizeof(float));
    return;
  }
  for (size_t i0 = 0; i0 < inner; i0 += kInner) {
    const size_t ni = inner - i0 < kInner ? inner - i0 : kInner;
    for (size_t r0 = 0; r0 < rows; r0 += kRowBlock) {
      const size_t nr = rows - r0 < kRowBlock ? rows - r0 : kRowBlock;
      spmm_common::for_chunks(k, 0, 4, 4, 4, [&](const spmm_common::Chunk& ch) {
        const float* ap = a + r0 * inner + i0;
        const float* bp = b + i0 * k + ch.off;
        float* cp = c + r0 * k + ch.off;
        switch (ch.nv) {
          case 4: mm_rows_any<4>(ap, nr, inner, ni, bp, k, cp, ch.width, i0 == 0); break;
          case 3: mm_rows_any<3>(ap, nr, inner, ni, bp, k, cp, ch.width, i0 == 0); break;
          case 2: mm_rows_any<2>(ap, nr, inner, ni, bp, k, cp, ch.width, i0 == 0); break;
          default: mm_rows_any<1>(ap, nr, inner, ni, bp, k, cp, ch.width, i0 == 0); break;
        }
      });
    }
  }
}

// ---------------------------------------------------------------------------
// nm24_matvec
//
// A meta byte covers two groups: four values and the 8 floats of x at 8h. Value
// j (0..3) of the byte takes x[4 (j / 2) + ((byte >> 2j) & 3)], i.e. bytes
// 4 * that + 0..3 of the two x vectors: kTbl[byte] holds those 16 byte indices.
// Rows go four at a time, x's vectors loaded once for all; an odd last group is
// a scalar tail.

struct Nm24Table {
  uint8_t idx[256][16];
  constexpr Nm24Table() : idx() {
    for (unsigned b = 0; b < 256; ++b) {
      for (unsigned j = 0; j < 4; ++j) {
        const unsigned col = 4 * (j / 2) + ((b >> (2 * j)) & 3);
        for (unsigned t = 0; t < 4; ++t) idx[b][4 * j + t] = static_cast<uint8_t>(4 * col + t);
      }
    }
  }
};
alignas(16) constexpr Nm24Table kTbl;

// The four x values of meta byte `byte` from the x pair of its two groups.
inline float32x4_t nm24_pick(uint8x16x2_t xp, unsigned byte) {
  return vreinterpretq_f32_u8(vqtbl2q_u8(xp, vld1q_u8(kTbl.idx[byte])));
}

inline uint8x16x2_t x_pair(const float* x) {
  uint8x16x2_t p;
  p.val[0] = vreinterpretq_u8_f32(vld1q_f32(x));
  p.val[1] = vreinterpretq_u8_f32(vld1q_f32(x + 4));
  return p;
}

template <int R>
inline void nm24_rows(const float* v, const uint8_t* m, size_t vrow, size_t mrow, size_t groups, const float* x,
                      float* y) {
  float32x4_t s[R][2];
  MP_SPMM_UNROLL for (int i = 0; i < R; ++i) s[i][0] = s[i][1] = vdupq_n_f32(0.0f);
  size_t h = 0;  // meta bytes done (two groups each)
  for (; 2 * h + 4 <= groups; h += 2) {
    const uint8x16x2_t x0 = x_pair(x + 8 * h), x1 = x_pair(x + 8 * h + 8);
    MP_SPMM_UNROLL for (int i = 0; i < R; ++i) {
      const float* vi = v + i * vrow + 4 * h;
      const uint8_t* mi = m + i * mrow + h;
      s[i][0] = vaddq_f32(s[i][0], vmulq_f32(vld1q_f32(vi), nm24_pick(x0, mi[0])));
      s[i][1] = vaddq_f32(s[i][1], vmulq_f32(vld1q_f32(vi + 4), nm24_pick(x1, mi[1])));
    }
  }
  if (2 * h + 2 <= groups) {
    const uint8x16x2_t x0 = x_pair(x + 8 * h);
    MP_SPMM_UNROLL for (int i = 0; i < R; ++i)
      s[i][0] = vaddq_f32(s[i][0], vmulq_f32(vld1q_f32(v + i * vrow + 4 * h), nm24_pick(x0, m[i * mrow + h])));
    ++h;
  }
  MP_SPMM_UNROLL for (int i = 0; i < R; ++i) {
    float t = hsum(vaddq_f32(s[i][0], s[i][1]));
    if (2 * h < groups) {  // an odd last group: the low nibble of its byte
      const unsigned nib = m[i * mrow + h] & 15;
      const float* vi = v + i * vrow + 4 * h;
      t += vi[0] * x[8 * h + (nib & 3)];
      t += vi[1] * x[8 * h + (nib >> 2)];
    }
    y[i] = t;
  }
}

void nm24_matvec_neon(const float* values, const uint8_t* meta, size_t rows, size_t cols, const float* x, float* y) {
  const size_t groups = cols / 4, vrow = cols / 2, mrow = (cols + 7) / 8;
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) nm24_rows<4>(values + r * vrow, meta + r * mrow, vrow, mrow, groups, x, y + r);
  for (; r < rows; ++r) nm24_rows<1>(values + r * vrow, meta + r * mrow, vrow, mrow, groups, x, y + r);
}

// ---------------------------------------------------------------------------
// nm24_matmul
//
// Rows in panels of kNm24PanelRows, groups in blocks of kGroupBlock: the block's
// 4 * kGroupBlock rows of B are packed (the chunk, zero-padded to whole vectors,
// 32 KB) and stay in L1 while every row of the panel adds its terms in the block
// to its C chunk. Each meta byte (two groups) gives four B rows.

constexpr size_t kGroupBlock = 32;
constexpr size_t kNm24PanelRows = 256;
constexpr size_t kPackStride = 64;  // floats per packed row

template <int NV>
inline void pack_rows(const float* b, size_t k, size_t n, size_t width, float* buf) {
  for (size_t i = 0; i < n; ++i) {
    MP_SPMM_UNROLL for (int q = 0; q < NV; ++q)
      vst1q_f32(buf + i * kPackStride + 4 * q, load_lane<NV, true>(b + i * k, q, width));
  }
}

template <int NV, bool kPack>
void nm24_panel(const float* values, const uint8_t* meta, size_t rows, size_t cols, const float* b, size_t k,
                size_t width, float* c, float* buf) {
  const size_t groups = cols / 4, vrow = cols / 2, mrow = (cols + 7) / 8;
  const size_t block = kPack ? kGroupBlock : groups;
  for (size_t g0 = 0; g0 < groups; g0 += block) {  // g0 is even
    const size_t g1 = groups - g0 < block ? groups : g0 + block;
    const float* bb = b + 4 * g0 * k;
    if (kPack) pack_rows<NV>(bb, k, 4 * (g1 - g0), width, buf);
    const float* base = kPack ? buf : bb;
    const size_t stride = kPack ? kPackStride : k;
    for (size_t r = 0; r < rows; ++r) {
      const float* v = values + r * vrow;
      const uint8_t* m = meta + r * mrow;
      if (kPack && g1 < groups) {
        const char* nv = reinterpret_cast<const char*>(v + 2 * g1);
        for (size_t l = 0; l < 2 * kGroupBlock * sizeof(float); l += 64) __builtin_prefetch(nv + l);
        __builtin_prefetch(m + g1 / 2);
      }
      RowAcc<NV> a;
      acc_zero(a);
      size_t g = g0;
      for (; g + 2 <= g1; g += 2) {
        const unsigned byte = m[g / 2];
        const float* b0 = base + 4 * (g - g0) * stride;  // rows of group g; group g + 1's follow
        acc_term<NV, !kPack>(a, v[2 * g], b0 + (byte & 3) * stride, width);
        schedule_barrier();
        acc_term<NV, !kPack>(a, v[2 * g + 1], b0 + ((byte >> 2) & 3) * stride, width);
        schedule_barrier();
        acc_term<NV, !kPack>(a, v[2 * g + 2], b0 + (4 + ((byte >> 4) & 3)) * stride, width);
        schedule_barrier();
        acc_term<NV, !kPack>(a, v[2 * g + 3], b0 + (4 + (byte >> 6)) * stride, width);
      }
      if (g < g1) {  // an odd last group: the low nibble of its byte
        const unsigned byte = m[g / 2];
        const float* b0 = base + 4 * (g - g0) * stride;
        acc_term<NV, !kPack>(a, v[2 * g], b0 + (byte & 3) * stride, width);
        acc_term<NV, !kPack>(a, v[2 * g + 1], b0 + ((byte >> 2) & 3) * stride, width);
      }
      acc_store<NV, true>(a, c + r * k, width, g0 == 0);
    }
  }
}

template <int NV>
void nm24_panel_any(const float* values, const uint8_t* meta, size_t rows, size_t cols, const float* b, size_t k,
                    size_t width, float* c, float* buf) {
  // Packing a block costs about as much as two rows' terms in it.
  if (rows >= 4) nm24_panel<NV, true>(values, meta, rows, cols, b, k, width, c, buf);
  else nm24_panel<NV, false>(values, meta, rows, cols, b, k, width, c, buf);
}

void nm24_matmul_neon(const float* values, const uint8_t* meta, size_t rows, size_t cols, const float* b, size_t k,
                      float* c) {
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
    spmm_common::for_chunks(k, 0, 4, 16, 16, [&](const spmm_common::Chunk& ch) {
      const float* bp = b + ch.off;
      float* cp = c + r0 * k + ch.off;
      switch (ch.nv) {
        case 16: nm24_panel_any<16>(vp, mp, pr, cols, bp, k, ch.width, cp, buf); break;
        case 15: nm24_panel_any<15>(vp, mp, pr, cols, bp, k, ch.width, cp, buf); break;
        case 14: nm24_panel_any<14>(vp, mp, pr, cols, bp, k, ch.width, cp, buf); break;
        case 13: nm24_panel_any<13>(vp, mp, pr, cols, bp, k, ch.width, cp, buf); break;
        case 12: nm24_panel_any<12>(vp, mp, pr, cols, bp, k, ch.width, cp, buf); break;
        case 11: nm24_panel_any<11>(vp, mp, pr, cols, bp, k, ch.width, cp, buf); break;
        case 10: nm24_panel_any<10>(vp, mp, pr, cols, bp, k, ch.width, cp, buf); break;
        case 9: nm24_panel_any<9>(vp, mp, pr, cols, bp, k, ch.width, cp, buf); break;
        case 8: nm24_panel_any<8>(vp, mp, pr, cols, bp, k, ch.width, cp, buf); break;
        case 7: nm24_panel_any<7>(vp, mp, pr, cols, bp, k, ch.width, cp, buf); break;
        case 6: nm24_panel_any<6>(vp, mp, pr, cols, bp, k, ch.width, cp, buf); break;
        case 5: nm24_panel_any<5>(vp, mp, pr, cols, bp, k, ch.width, cp, buf); break;
        case 4: nm24_panel_any<4>(vp, mp, pr, cols, bp, k, ch.width, cp, buf); break;
        case 3: nm24_panel_any<3>(vp, mp, pr, cols, bp, k, ch.width, cp, buf); break;
        case 2: nm24_panel_any<2>(vp, mp, pr, cols, bp, k, ch.width, cp, buf); break;
        default: nm24_panel_any<1>(vp, mp, pr, cols, bp, k, ch.width, cp, buf); break;
      }
    });
  }
}

}  // namespace

const SpmmKernels spmm_neon = {csr_matvec_neon,   csr_matmul_neon,  dense_matvec_neon,
                               dense_matmul_neon, nm24_matvec_neon, nm24_matmul_neon};

}  // namespace mp

#endif  // __aarch64__
