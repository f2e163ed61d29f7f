// Scalar reference of the spmm kernels: the C++ specification. Sums run in
// float in index order, as a plain loop would.
#include <string.h>

#include "spmm_kernels.h"

namespace mp {
namespace {

bool csr_matvec_ref(const int32_t* row_ptr, const int32_t* cols, const float* values, size_t rows, size_t n_cols,
                    const float* x, float* y) {
  for (size_t r = 0; r < rows; ++r) {
    float s = 0;
    for (int32_t j = row_ptr[r]; j < row_ptr[r + 1]; ++j) {
      const uint32_t c = static_cast<uint32_t>(cols[j]);
      if (c >= n_cols) return false;
      s += values[j] * x[c];
    }
    y[r] = s;
  }
  return true;
}

bool csr_matmul_ref(const int32_t* row_ptr, const int32_t* cols, const float* values, size_t rows, size_t n_cols,
                    const float* b, size_t k, float* c) {
  for (size_t r = 0; r < rows; ++r) {
    float* out = c + r * k;
    memset(out, 0, k * sizeof(float));
    for (int32_t j = row_ptr[r]; j < row_ptr[r + 1]; ++j) {
      const uint32_t col = static_cast<uint32_t>(cols[j]);
      if (col >= n_cols) return false;
      const float v = values[j];
      const float* brow = b + static_cast<size_t>(col) * k;
      for (size_t t = 0; t < k; ++t) out[t] += v * brow[t];
    }
  }
  return true;
}

void dense_matvec_ref(const float* a, size_t rows, size_t cols, const float* x, float* y) {
  for (size_t r = 0; r < rows; ++r) {
    float s = 0;
    for (size_t c = 0; c < cols; ++c) s += a[r * cols + c] * x[c];
    y[r] = s;
  }
}

void dense_matmul_ref(const float* a, size_t rows, size_t inner, const float* b, size_t k, float* c) {
  for (size_t r = 0; r < rows; ++r) {
    float* out = c + r * k;
    memset(out, 0, k * sizeof(float));
    for (size_t i = 0; i < inner; ++i) {
      const float v = a[r * inner + i];
      const float* brow = b + i * k;
      for (size_t t = 0; t < k; ++t) out[t] += v * brow[t];
    }
  }
}

inline unsigned nibble(const uint8_t* meta, size_t g) { return (meta[g / 2] >> (4 * (g % 2))) & 15; }

void nm24_matvec_ref(const float* values, const uint8_t* meta, size_t rows, size_t cols, const float* x, float* y) {
  const size_t groups = cols / 4, vrow = cols / 2, mrow = (cols + 7) / 8;
  for (size_t r = 0; r < rows; ++r) {
    const float* v = values + r * vrow;
    const uint8_t* m = meta + r * mrow;
    float s = 0;
    for (size_t g = 0; g < groups; ++g) {
      const unsigned nib = nibble(m, g);
      s += v[2 * g] * x[4 * g + (nib & 3)];
      s += v[2 * g + 1] * x[4 * g + (nib >> 2)];
    }
    y[r] = s;
  }
}

void nm24_matmul_ref(const float* values, const uint8_t* meta, size_t rows, size_t cols, const float* b, size_t k,
                     float* c) {
  const size_t groups = cols / 4, vrow = cols / 2, mrow = (cols + 7) / 8;
  for (size_t r = 0; r < rows; ++r) {
    const float* v = values + r * vrow;
    const uint8_t* m = meta + r * mrow;
    float* out = c + r * k;
    memset(out, 0, k * sizeof(float));
    for (size_t g = 0; g < groups; ++g) {
      const unsigned nib = nibble(m, g);
      const float* b0 = b + (4 * g + (nib & 3)) * k;
      const float* b1 = b + (4 * g + (nib >> 2)) * k;
      for (size_t t = 0; t < k; ++t) out[t] += v[2 * g] * b0[t];
      for (size_t t = 0; t < k; ++t) out[t] += v[2 * g + 1] * b1[t];
    }
  }
}

}  // namespace

const SpmmKernels spmm_scalar = {csr_matvec_ref,   csr_matmul_ref,  dense_matvec_ref,
                                 dense_matmul_ref, nm24_matvec_ref, nm24_matmul_ref};

}  // namespace mp
