// Shared by the SIMD variants of the spmm kernels (avx2.cc, avx512.cc, neon.cc,
// simd128.cc): the scalar pieces and the loop plans that do not depend on the
// instruction set. Plain C++ without intrinsics, so it inlines into functions of
// any target (x86 target attributes included).
#ifndef MODELPRESS_SPMM_COMMON_H
#define MODELPRESS_SPMM_COMMON_H

#include <stddef.h>
#include <stdint.h>

// Before a loop over a compile-time count of vectors: fully unrolled, its arrays
// of vectors stay in registers (GCC otherwise keeps some such arrays in memory).
#define MP_SPMM_UNROLL _Pragma("GCC unroll 16")

namespace mp {
namespace spmm_common {

// Entries of CSR row r (row_ptr non-decreasing, as the callers check).
inline size_t row_len(const int32_t* row_ptr, size_t r) {
  return static_cast<size_t>(static_cast<int64_t>(row_ptr[r + 1]) - row_ptr[r]);
}

// The largest valid column as a uint32 (n_cols >= 1): a column c is bad iff
// uint32(c) is above it. Beyond 2^32 columns every uint32 is valid.
inline uint32_t last_col(size_t n_cols) {
  return n_cols - 1 > 0xffffffffu ? 0xffffffffu : static_cast<uint32_t>(n_cols - 1);
}

// csr_matvec's products, for columns already checked: x is read with scalar
// loads (its index decides the address; vector gathers were measured slower on
// Zen 5, and NEON/SIMD128 have none) into eight running sums, so that eight
// additions are in flight.
struct Dot8 {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  // Entries [0, n) (n <= 16 in the callers' steps).
  void add(const float* v, const int32_t* c, size_t n, const float* x) {
    for (size_t q = 0; q < n; ++q) s[q % 8] += v[q] * x[static_cast<uint32_t>(c[q])];
  }
  float total() const { return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])); }
};

// A chunk of a row of C (and of the rows of B): nv vectors of `lanes` floats
// from column off (off < 0 when the chunks are shifted to B's alignment; the
// lanes before column 0 are left out). Lanes [skip, lanes) of the first vector
// and [0, width) of the last are in the chunk (both in the one vector if
// nv == 1).
struct Chunk {
  ptrdiff_t off;
  int nv;
  size_t skip, width;
};

// Splits the columns [-lead, k) of a row into chunks of nv_main vectors; the
// last one may take up to nv_max vectors if that saves a chunk. Calls f(chunk)
// for each, in order.
template <class F>
inline void for_chunks(size_t k, size_t lead, size_t lanes, int nv_main, int nv_max, F&& f) {
  const size_t width = lead + k;
  for (size_t v0 = 0; v0 < width;) {
    const size_t rem = width - v0;
    const size_t take = rem <= lanes * static_cast<size_t>(nv_max) ? rem : lanes * static_cast<size_t>(nv_main);
    Chunk ch;
    ch.off = static_cast<ptrdiff_t>(v0) - static_cast<ptrdiff_t>(lead);
    ch.nv = static_cast<int>((take + lanes - 1) / lanes);
    ch.skip = v0 == 0 ? lead : 0;
    ch.width = take - lanes * static_cast<size_t>(ch.nv - 1);
    f(ch);
    v0 += take;
  }
}

// Columns to shift the chunks of B by so that they start at an `align`-byte
// boundary: possible when every row of B is equally aligned (k * 4 a multiple of
// align). Then no vector load of a B row splits a cache line, which costs about
// 2x on an unaligned B in the row-streaming products.
inline size_t lead_of(const float* b, size_t k, size_t align) {
  const uintptr_t addr = reinterpret_cast<uintptr_t>(b);
  if ((k * sizeof(float)) % align != 0 || addr % sizeof(float) != 0) return 0;
  return (addr % align) / sizeof(float);
}

}  // namespace spmm_common
}  // namespace mp

#endif
