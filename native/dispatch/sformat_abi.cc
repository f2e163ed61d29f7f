// The C ABI of the sformat family (sparse storage): checks, then the sformat table
// of the active CPU variant.
#include <stdint.h>
#include <string.h>

#include "../include/modelpress.h"
#include "variants.h"

namespace {

// Elements per step of the bitmask functions: a multiple of 8 (whole mask bytes)
// small enough to stay in cache between the count and the encoding.
constexpr size_t kStep = 1 << 14;

size_t popcount_bytes(const uint8_t* bits, size_t n_bits) {
  size_t c = 0, i = 0;
  for (; i + 8 <= n_bits / 8; i += 8) {
    uint64_t w;
    memcpy(&w, bits + i, 8);
    c += static_cast<size_t>(__builtin_popcountll(w));
  }
  for (; i < n_bits / 8; ++i) c += static_cast<size_t>(__builtin_popcount(bits[i]));
  if (n_bits % 8) c += static_cast<size_t>(__builtin_popcount(bits[n_bits / 8] & ((1u << (n_bits % 8)) - 1)));
  return c;
}

bool rows_cols_ok(size_t rows, size_t cols, size_t* n) { return !__builtin_mul_overflow(rows, cols, n); }

}  // namespace

extern "C" {

mp_status mp_count_nonzero_f32(const float* x, size_t n, uint64_t* count) {
  if (count == nullptr) return MP_ERR_NULL_POINTER;
  if (n == 0) return MP_OK;
  if (x == nullptr) return MP_ERR_NULL_POINTER;
  *count += mp::active_variant().sformat->count_nonzero(x, n);
  return MP_OK;
}

mp_status mp_csr_count(const float* x, size_t rows, size_t cols, int32_t* row_ptr) {
  size_t n;
  if (!rows_cols_ok(rows, cols, &n)) return MP_ERR_LAYOUT;
  if (row_ptr == nullptr) return MP_ERR_NULL_POINTER;
  row_ptr[0] = 0;
  if (n == 0) {
    for (size_t r = 0; r < rows; ++r) row_ptr[r + 1] = 0;
    return MP_OK;
  }
  if (x == nullptr) return MP_ERR_NULL_POINTER;
  const mp::SformatKernels& k = *mp::active_variant().sformat;
  uint64_t total = 0;
  for (size_t r = 0; r < rows; ++r) {
    total += k.count_nonzero(x + r * cols, cols);
    if (total > INT32_MAX) return MP_ERR_RANGE;
    row_ptr[r + 1] = static_cast<int32_t>(total);
  }
  return MP_OK;
}

mp_status mp_csr_encode(const float* x, size_t rows, size_t cols, const int32_t* row_ptr, float* values,
                        int32_t* col_idx, size_t* bad_index) {
  size_t n;
  if (!rows_cols_ok(rows, cols, &n)) return MP_ERR_LAYOUT;
  if (row_ptr == nullptr || bad_index == nullptr) return MP_ERR_NULL_POINTER;
  if (n == 0) return MP_OK;
  if (x == nullptr) return MP_ERR_NULL_POINTER;
  const mp::SformatKernels& k = *mp::active_variant().sformat;
  if (row_ptr[0] != 0) {
    *bad_index = 0;
    return MP_ERR_RANGE;
  }
  for (size_t r = 0; r < rows; ++r) {
    const float* row = x + r * cols;
    const int32_t at = row_ptr[r];
    // Counted again while the row is in cache: the output arrays were sized by
    // row_ptr, so a row with more non-zeros than it says must not be written.
    if (row_ptr[r + 1] < at || static_cast<size_t>(row_ptr[r + 1] - at) != k.count_nonzero(row, cols)) {
      *bad_index = r;
      return MP_ERR_RANGE;
    }
    if (row_ptr[r + 1] == at) continue;
    if (values == nullptr || col_idx == nullptr) return MP_ERR_NULL_POINTER;
    k.csr_encode_row(row, cols, values + at, col_idx + at);
  }
  return MP_OK;
}

// A row-pointer array usable for nnz entries: starts at 0, never decreases, ends
// at nnz. Returns rows + 1 if fine, else the first bad index.
static size_t check_row_ptr(const int32_t* row_ptr, size_t rows, size_t nnz) {
  if (row_ptr[0] != 0) return 0;
  for (size_t r = 0; r < rows; ++r)
    if (row_ptr[r + 1] < row_ptr[r]) return r + 1;
  if (static_cast<size_t>(row_ptr[rows]) != nnz) return rows;
  return rows + 1;
}

mp_status mp_csr_decode(const int32_t* row_ptr, const int32_t* col_idx, const float* values, size_t nnz,
                        size_t rows, size_t cols, float* out, size_t* bad_index) {
  size_t n;
  if (!rows_cols_ok(rows, cols, &n)) return MP_ERR_LAYOUT;
  if (row_ptr == nullptr || bad_index == nullptr) return MP_ERR_NULL_POINTER;
  const size_t bad_ptr = check_row_ptr(row_ptr, rows, nnz);
  if (bad_ptr != rows + 1) {
    *bad_index = bad_ptr;
    return MP_ERR_LAYOUT;
  }
  if (n == 0) return MP_OK;
  if (out == nullptr || (nnz > 0 && (col_idx == nullptr || values == nullptr))) return MP_ERR_NULL_POINTER;
  const mp::SformatKernels& k = *mp::active_variant().sformat;
  for (size_t r = 0; r < rows; ++r) {
    const size_t at = static_cast<size_t>(row_ptr[r]);
    const size_t len = static_cast<size_t>(row_ptr[r + 1]) - at;
    const size_t done = k.csr_decode_row(values + at, col_idx + at, len, cols, out + r * cols);
    if (done != len) {
      *bad_index = at + done;
      return MP_ERR_RANGE;
    }
  }
  return MP_OK;
}

mp_status mp_bitmask_encode(const float* x, size_t n, uint8_t* bits, float* values, size_t values_len,
                            uint64_t* count) {
  if (count == nullptr) return MP_ERR_NULL_POINTER;
  *count = 0;
  if (n == 0) return MP_OK;
  if (x == nullptr || bits == nullptr) return MP_ERR_NULL_POINTER;
  const mp::SformatKernels& k = *mp::active_variant().sformat;
  size_t written = 0;
  for (size_t at = 0; at < n; at += kStep) {
    const size_t len = n - at < kStep ? n - at : kStep;
    const size_t nnz = k.count_nonzero(x + at, len);  // in cache for the encoding below
    if (nnz > values_len - written) return MP_ERR_RANGE;
    if (nnz > 0 && values == nullptr) return MP_ERR_NULL_POINTER;
    written += k.bitmask_encode(x + at, len, bits + at / 8, values + written);
  }
  *count = written;
  return MP_OK;
}

mp_status mp_bitmask_decode(const uint8_t* bits, const float* values, size_t values_len, size_t n, float* out) {
  if (n == 0) return MP_OK;
  if (bits == nullptr || out == nullptr) return MP_ERR_NULL_POINTER;
  if (popcount_bytes(bits, n) > values_len) return MP_ERR_RANGE;
  if (values_len > 0 && values == nullptr) return MP_ERR_NULL_POINTER;
  const mp::SformatKernels& k = *mp::active_variant().sformat;
  size_t read = 0;
  for (size_t at = 0; at < n; at += kStep) {
    const size_t len = n - at < kStep ? n - at : kStep;
    read += k.bitmask_decode(bits + at / 8, values + read, len, out + at);
  }
  return MP_OK;
}

mp_status mp_pack24(const float* x, size_t rows, size_t cols, float* values, uint8_t* meta, size_t* bad_index) {
  size_t n;
  if (!rows_cols_ok(rows, cols, &n) || cols % 4 != 0) return MP_ERR_LAYOUT;
  if (bad_index == nullptr) return MP_ERR_NULL_POINTER;
  if (n == 0) return MP_OK;
  if (x == nullptr || values == nullptr || meta == nullptr) return MP_ERR_NULL_POINTER;
  const mp::SformatKernels& k = *mp::active_variant().sformat;
  const size_t groups = cols / 4, mrow = (cols + 7) / 8;
  for (size_t r = 0; r < rows; ++r) {
    const size_t done = k.pack24(x + r * cols, cols, values + r * (cols / 2), meta + r * mrow);
    if (done != groups) {
      *bad_index = r * groups + done;
      return MP_ERR_RANGE;
    }
  }
  return MP_OK;
}

mp_status mp_unpack24(const float* values, const uint8_t* meta, size_t rows, size_t cols, float* out,
                      size_t* bad_index) {
  size_t n;
  if (!rows_cols_ok(rows, cols, &n) || cols % 4 != 0) return MP_ERR_LAYOUT;
  if (bad_index == nullptr) return MP_ERR_NULL_POINTER;
  if (n == 0) return MP_OK;
  if (values == nullptr || meta == nullptr || out == nullptr) return MP_ERR_NULL_POINTER;
  const mp::SformatKernels& k = *mp::active_variant().sformat;
  const size_t groups = cols / 4, mrow = (cols + 7) / 8;
  for (size_t r = 0; r < rows; ++r) {
    const size_t done = k.unpack24(values + r * (cols / 2), meta + r * mrow, cols, out + r * cols);
    if (done != groups) {
      *bad_index = r * groups + done;
      return MP_ERR_RANGE;
    }
  }
  return MP_OK;
}

}  // extern "C"
