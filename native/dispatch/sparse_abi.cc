// The C ABI of the sparse family: checks, then the sparse table of the active CPU
// variant.
#include <math.h>

#include "../include/modelpress.h"
#include "variants.h"

extern "C" {

mp_status mp_digit_histogram(const float* x, size_t n, size_t offset, uint32_t shift, uint32_t digit_bits,
                             uint32_t prefix, uint32_t* counts, size_t* bad_index) {
  if (digit_bits < 1 || digit_bits > 11 || shift > 31 - digit_bits) return MP_ERR_RANGE;
  if (shift + digit_bits < 31 && prefix >= (1u << (31 - shift - digit_bits))) return MP_ERR_RANGE;
  if (counts == nullptr || bad_index == nullptr) return MP_ERR_NULL_POINTER;
  if (n == 0) return MP_OK;
  if (n > UINT32_MAX) return MP_ERR_RANGE;  // the counts are 32-bit
  if (x == nullptr) return MP_ERR_NULL_POINTER;
  if (mp::active_variant().sparse->digit_histogram(x, n, shift, digit_bits, prefix, counts)) {
    for (size_t i = 0;; ++i) {  // rare path: the kernel only says "somewhere"
      if (isnan(x[i])) {
        *bad_index = offset + i;
        return MP_ERR_NON_FINITE;
      }
    }
  }
  return MP_OK;
}

mp_status mp_threshold_mask(const float* x, size_t n, uint32_t t, uint64_t* ties, uint8_t* mask) {
  if (ties == nullptr) return MP_ERR_NULL_POINTER;
  if (n == 0) return MP_OK;
  if (x == nullptr || mask == nullptr) return MP_ERR_NULL_POINTER;
  // A call prunes at most n ties, so a count beyond size_t never runs out here.
  const size_t before = *ties > SIZE_MAX ? SIZE_MAX : static_cast<size_t>(*ties);
  size_t left = before;
  mp::active_variant().sparse->threshold_mask(x, n, t, &left, mask);
  *ties -= before - left;
  return MP_OK;
}

mp_status mp_count_nonzero(const uint8_t* m, size_t n, uint64_t* count) {
  if (count == nullptr) return MP_ERR_NULL_POINTER;
  if (n == 0) return MP_OK;
  if (m == nullptr) return MP_ERR_NULL_POINTER;
  *count += mp::active_variant().sparse->count_nonzero(m, n);
  return MP_OK;
}

}  // extern "C"
