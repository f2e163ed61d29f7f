// The C ABI of the spmm family (sparse and dense fp32 products): checks, then the
// spmm table of the active CPU variant.
#include <stdint.h>
#include <string.h>

#include "../include/modelpress.h"
#include "variants.h"

namespace {

bool product_ok(size_t a, size_t b) {
  size_t n;
  return !__builtin_mul_overflow(a, b, &n);
}

// Row pointers usable for nnz entries: start at 0, never decrease, end at nnz.
bool row_ptr_ok(const int32_t* row_ptr, size_t rows, size_t nnz) {
  if (row_ptr[0] != 0) return false;
  for (size_t r = 0; r < rows; ++r)
    if (row_ptr[r + 1] < row_ptr[r]) return false;
  return static_cast<size_t>(row_ptr[rows]) == nnz;
}

}  // namespace

extern "C" {

mp_status mp_csr_matvec(const int32_t* row_ptr, const int32_t* col_idx, const float* values, size_t nnz, size_t rows,
                        size_t cols, const float* x, float* y) {
  if (row_ptr == nullptr) return MP_ERR_NULL_POINTER;
  if (!row_ptr_ok(row_ptr, rows, nnz)) return MP_ERR_LAYOUT;
  if (rows == 0) return MP_OK;
  if (y == nullptr || (nnz > 0 && (col_idx == nullptr || values == nullptr || x == nullptr))) return MP_ERR_NULL_POINTER;
  if (nnz == 0) {
    memset(y, 0, rows * sizeof(float));
    return MP_OK;
  }
  return mp::active_variant().spmm->csr_matvec(row_ptr, col_idx, values, rows, cols, x, y) ? MP_OK : MP_ERR_RANGE;
}

mp_status mp_csr_matmul(const int32_t* row_ptr, const int32_t* col_idx, const float* values, size_t nnz, size_t rows,
                        size_t cols, const float* b, size_t k, float* c) {
  if (row_ptr == nullptr) return MP_ERR_NULL_POINTER;
  if (!row_ptr_ok(row_ptr, rows, nnz)) return MP_ERR_LAYOUT;
  if (!product_ok(rows, k) || !product_ok(cols, k)) return MP_ERR_LAYOUT;
  if (rows == 0 || k == 0) return MP_OK;
  if (c == nullptr || (nnz > 0 && (col_idx == nullptr || values == nullptr || b == nullptr))) return MP_ERR_NULL_POINTER;
  if (nnz == 0) {
    memset(c, 0, rows * k * sizeof(float));
    return MP_OK;
  }
  return mp::active_variant().spmm->csr_matmul(row_ptr, col_idx, values, rows, cols, b, k, c) ? MP_OK : MP_ERR_RANGE;
}

mp_status mp_dense_matvec(const float* a, size_t rows, size_t cols, const float* x, float* y) {
  if (!product_ok(rows, cols)) return MP_ERR_LAYOUT;
  if (rows == 0) return MP_OK;
  if (y == nullptr || (cols > 0 && (a == nullptr || x == nullptr))) return MP_ERR_NULL_POINTER;
  mp::active_variant().spmm->dense_matvec(a, rows, cols, x, y);
  return MP_OK;
}

mp_status mp_dense_matmul(const float* a, size_t rows, size_t inner, const float* b, size_t k, float* c) {
  if (!product_ok(rows, inner) || !product_ok(inner, k) || !product_ok(rows, k)) return MP_ERR_LAYOUT;
  if (rows == 0 || k == 0) return MP_OK;
  if (c == nullptr || (inner > 0 && (a == nullptr || b == nullptr))) return MP_ERR_NULL_POINTER;
  mp::active_variant().spmm->dense_matmul(a, rows, inner, b, k, c);
  return MP_OK;
}

mp_status mp_nm24_matvec(const float* values, const uint8_t* meta, size_t rows, size_t cols, const float* x,
                         float* y) {
  if (cols % 4 != 0 || !product_ok(rows, cols)) return MP_ERR_LAYOUT;
  if (rows == 0) return MP_OK;
  if (y == nullptr || (cols > 0 && (values == nullptr || meta == nullptr || x == nullptr))) return MP_ERR_NULL_POINTER;
  mp::active_variant().spmm->nm24_matvec(values, meta, rows, cols, x, y);
  return MP_OK;
}

mp_status mp_nm24_matmul(const float* values, const uint8_t* meta, size_t rows, size_t cols, const float* b, size_t k,
                         float* c) {
  if (cols % 4 != 0 || !product_ok(rows, cols) || !product_ok(cols, k) || !product_ok(rows, k)) return MP_ERR_LAYOUT;
  if (rows == 0 || k == 0) return MP_OK;
  if (c == nullptr || (cols > 0 && (values == nullptr || meta == nullptr || b == nullptr))) return MP_ERR_NULL_POINTER;
  mp::active_variant().spmm->nm24_matmul(values, meta, rows, cols, b, k, c);
  return MP_OK;
}

}  // extern "C"
