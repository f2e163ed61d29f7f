// Internal interface of the 4-bit packing family: two 4-bit values per byte, the
// element with the lower index in the low nibble (the layout of ONNX int4/uint4
// tensors). One table per instruction set, chosen by native/dispatch/.
//
// Every variant is bit-identical to ref.cc.
#ifndef MODELPRESS_INT4_KERNELS_H
#define MODELPRESS_INT4_KERNELS_H

#include <stddef.h>
#include <stdint.h>

namespace mp {

struct Int4Kernels {
  // out[j] = (v[2j] & 0xF) | (v[2j + 1] & 0xF) << 4 for j < n / 2; if n is odd,
  // out[n / 2] = v[n - 1] & 0xF (high nibble zero). v holds one value per byte:
  // int8 two's complement in [-8, 7] if is_signed, else uint8 in [0, 15].
  // Returns true if some v[i] lies outside that range (out is then unspecified).
  bool (*pack)(const uint8_t* v, uint8_t* out, size_t n, bool is_signed);
  // The inverse: out[i] = nibble i of p (low nibble first), sign-extended to int8
  // if is_signed, else zero-extended. Reads (n + 1) / 2 bytes, writes n.
  void (*unpack)(const uint8_t* p, uint8_t* out, size_t n, bool is_signed);
};

extern const Int4Kernels int4_scalar;
#if defined(__x86_64__) || defined(_M_X64)
extern const Int4Kernels int4_avx2;
extern const Int4Kernels int4_avx512;
#endif
#if defined(__aarch64__)
extern const Int4Kernels int4_neon;
#endif
#if defined(__wasm_simd128__)
extern const Int4Kernels int4_simd128;
#endif

}  // namespace mp

#endif
