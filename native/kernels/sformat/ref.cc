// Scalar reference of the sformat kernels: the C++ specification.
#include <string.h>

#include "sformat_kernels.h"

namespace mp {
namespace {

inline uint32_t bits_at(const float* x, size_t i) {
  uint32_t b;
  memcpy(&b, x + i, sizeof b);
  return b;
}

size_t count_nonzero_ref(const float* x, size_t n) {
  size_t c = 0;
  for (size_t i = 0; i < n; ++i) c += is_stored(bits_at(x, i));
  return c;
}

size_t csr_encode_row_ref(const float* x, size_t n, float* values, int32_t* cols) {
  size_t j = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!is_stored(bits_at(x, i))) continue;
    values[j] = x[i];
    cols[j] = static_cast<int32_t>(i);
    ++j;
  }
  return j;
}

size_t csr_decode_row_ref(const float* values, const int32_t* cols, size_t nnz, size_t n, float* row) {
  memset(row, 0, n * sizeof(float));
  int64_t prev = -1;
  for (size_t j = 0; j < nnz; ++j) {
    const int64_t c = cols[j];
    if (c <= prev || c >= static_cast<int64_t>(n)) return j;
    row[c] = values[j];
    prev = c;
  }
  return nnz;
}

size_t bitmask_encode_ref(const float* x, size_t n, uint8_t* bits, float* values) {
  memset(bits, 0, (n + 7) / 8);
  size_t j = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!is_stored(bits_at(x, i))) continue;
    bits[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
    values[j++] = x[i];
  }
  return j;
}

size_t bitmask_decode_ref(const uint8_t* bits, const float* values, size_t n, float* out) {
  size_t j = 0;
  for (size_t i = 0; i < n; ++i) {
    if ((bits[i / 8] >> (i % 8)) & 1) {
      out[i] = values[j++];
    } else {
      out[i] = 0.0f;
    }
  }
  return j;
}

size_t pack24_ref(const float* x, size_t n, float* values, uint8_t* meta) {
  const size_t groups = n / 4;
  memset(meta, 0, (groups + 1) / 2);
  for (size_t g = 0; g < groups; ++g) {
    unsigned pos[4];
    unsigned k = 0;
    for (unsigned t = 0; t < 4; ++t) {
      if (is_stored(bits_at(x, 4 * g + t))) {
        if (k == 2) return g;
        pos[k++] = t;
      }
    }
    // Fill up with the lowest positions not taken, then sort the two.
    for (unsigned t = 0; k < 2; ++t) {
      if (k == 1 && pos[0] == t) continue;
      pos[k++] = t;
    }
    if (pos[0] > pos[1]) {
      const unsigned s = pos[0];
      pos[0] = pos[1];
      pos[1] = s;
    }
    values[2 * g] = x[4 * g + pos[0]];
    values[2 * g + 1] = x[4 * g + pos[1]];
    meta[g / 2] |= static_cast<uint8_t>((pos[0] | pos[1] << 2) << (4 * (g % 2)));
  }
  return groups;
}

size_t unpack24_ref(const float* values, const uint8_t* meta, size_t n, float* out) {
  const size_t groups = n / 4;
  memset(out, 0, n * sizeof(float));
  for (size_t g = 0; g < groups; ++g) {
    const unsigned nib = (meta[g / 2] >> (4 * (g % 2))) & 15;
    const unsigned i0 = nib & 3, i1 = nib >> 2;
    if (i0 >= i1) return g;
    out[4 * g + i0] = values[2 * g];
    out[4 * g + i1] = values[2 * g + 1];
  }
  return groups;
}

}  // namespace

const SformatKernels sformat_scalar = {count_nonzero_ref,  csr_encode_row_ref, csr_decode_row_ref, bitmask_encode_ref,
                                       bitmask_decode_ref, pack24_ref,         unpack24_ref};

}  // namespace mp
