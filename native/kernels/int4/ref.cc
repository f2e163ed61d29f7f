// Scalar reference of the 4-bit packing kernels: the C++ specification.
#include "int4_kernels.h"

namespace mp {
namespace {

inline bool out_of_range(uint8_t b, bool is_signed) {
  const int v = is_signed ? static_cast<int8_t>(b) : b;
  return is_signed ? (v < -8 || v > 7) : v > 15;
}

bool pack_ref(const uint8_t* v, uint8_t* out, size_t n, bool is_signed) {
  for (size_t i = 0; i < n; ++i)
    if (out_of_range(v[i], is_signed)) return true;
  for (size_t j = 0; j < n / 2; ++j)
    out[j] = static_cast<uint8_t>((v[2 * j] & 0xF) | (v[2 * j + 1] & 0xF) << 4);
  if (n % 2) out[n / 2] = v[n - 1] & 0xF;
  return false;
}

inline uint8_t extend(uint8_t nibble, bool is_signed) {
  return is_signed && (nibble & 0x8) ? static_cast<uint8_t>(nibble | 0xF0) : nibble;
}

void unpack_ref(const uint8_t* p, uint8_t* out, size_t n, bool is_signed) {
  for (size_t i = 0; i < n; ++i) {
    const uint8_t byte = p[i / 2];
    out[i] = extend(i % 2 ? byte >> 4 : byte & 0xF, is_signed);
  }
}

}  // namespace

const Int4Kernels int4_scalar = {pack_ref, unpack_ref};

}  // namespace mp
