// Scalar reference of the sparse kernels: the C++ specification.
#include <string.h>

#include "sparse_kernels.h"

namespace mp {
namespace {

inline uint32_t key_of(const float* x, size_t i) {
  uint32_t bits;
  memcpy(&bits, x + i, sizeof bits);
  return magnitude_key(bits);
}

bool digit_histogram_ref(const float* x, size_t n, uint32_t shift, uint32_t digit_bits, uint32_t prefix,
                         uint32_t* counts) {
  const uint32_t top = shift + digit_bits;
  const uint32_t digit_mask = (1u << digit_bits) - 1;
  bool nan = false;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t key = key_of(x, i);
    nan |= key > 0x7f800000u;
    if (top < 31 && (key >> top) != prefix) continue;
    ++counts[(key >> shift) & digit_mask];
  }
  return nan;
}

void threshold_mask_ref(const float* x, size_t n, uint32_t t, size_t* ties, uint8_t* mask) {
  size_t left = *ties;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t key = key_of(x, i);
    if (key != t) {
      mask[i] = key > t;
    } else if (left > 0) {
      mask[i] = 0;
      --left;
    } else {
      mask[i] = 1;
    }
  }
  *ties = left;
}

size_t count_nonzero_ref(const uint8_t* m, size_t n) {
  size_t c = 0;
  for (size_t i = 0; i < n; ++i) c += m[i] != 0;
  return c;
}

}  // namespace

const SparseKernels sparse_scalar = {digit_histogram_ref, threshold_mask_ref, count_nonzero_ref};

}  // namespace mp
