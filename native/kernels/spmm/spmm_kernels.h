// Internal interface of the spmm family: fp32 products of sparse (CSR, 2:4) and
// dense matrices with dense vectors and matrices, and the dense products they
// replace. All matrices are row-major. These are float results: every variant
// agrees with ref.cc within the rounding of a sum (the order of the additions is
// the variant's own; see native/include/modelpress.h for the bound).
#ifndef MODELPRESS_SPMM_KERNELS_H
#define MODELPRESS_SPMM_KERNELS_H

#include <stddef.h>
#include <stdint.h>

namespace mp {

struct SpmmKernels {
  // y[r] = sum over j in [row_ptr[r], row_ptr[r+1]) of values[j] * x[cols[j]] for
  // r < rows. row_ptr is non-decreasing from row_ptr[0] (checked by the caller);
  // every cols[j] must be in [0, n_cols): returns false as soon as one is not,
  // before reading x with it (y then unspecified).
  bool (*csr_matvec)(const int32_t* row_ptr, const int32_t* cols, const float* values, size_t rows, size_t n_cols,
                     const float* x, float* y);
  // C[r, :] = sum over j of values[j] * B[cols[j], :], with B [n_cols, k] and C
  // [rows, k]; the same column check.
  bool (*csr_matmul)(const int32_t* row_ptr, const int32_t* cols, const float* values, size_t rows, size_t n_cols,
                     const float* b, size_t k, float* c);

  // y = A x with A [rows, cols].
  void (*dense_matvec)(const float* a, size_t rows, size_t cols, const float* x, float* y);
  // C = A B with A [rows, inner], B [inner, k], C [rows, k].
  void (*dense_matmul)(const float* a, size_t rows, size_t inner, const float* b, size_t k, float* c);

  // Products with a 2:4-packed matrix of `rows` rows of `cols` dense columns
  // (cols a multiple of 4): row r has values[r * cols/2 ..] (two per group) and
  // meta[r * ceil(cols/8) ..] (a nibble per group, i0 | i1 << 2, low nibble first;
  // see sformat_kernels.h). y[r] = sum over groups g of values[2g] * x[4g + i0] +
  // values[2g + 1] * x[4g + i1] (indices are 2-bit, so always in range).
  void (*nm24_matvec)(const float* values, const uint8_t* meta, size_t rows, size_t cols, const float* x, float* y);
  // C = A B with the 2:4 A above, B [cols, k], C [rows, k].
  void (*nm24_matmul)(const float* values, const uint8_t* meta, size_t rows, size_t cols, const float* b, size_t k,
                      float* c);
};

extern const SpmmKernels spmm_scalar;
#if defined(__x86_64__) || defined(_M_X64)
extern const SpmmKernels spmm_avx2;
extern const SpmmKernels spmm_avx512;
#endif
#if defined(__aarch64__)
extern const SpmmKernels spmm_neon;
#endif
#if defined(__wasm_simd128__)
extern const SpmmKernels spmm_simd128;
#endif

}  // namespace mp

#endif
