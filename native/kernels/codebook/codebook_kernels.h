// Internal interface of the non-uniform quantization family: the steps of 1-D
// k-means (nearest-centroid assignment, the k-means++ distance update), table
// lookup for reconstruction, and power-of-two (logarithmic) quantization. One
// table per instruction set, chosen by native/dispatch/.
//
// Every variant is bit-identical to ref.cc: each output is a count of exact
// comparisons, a table entry, or one correctly rounded float32 operation.
#ifndef MODELPRESS_CODEBOOK_KERNELS_H
#define MODELPRESS_CODEBOOK_KERNELS_H

#include <stddef.h>
#include <stdint.h>

namespace mp {

struct CodebookKernels {
  // Nearest centroid of sorted 1-D centroids, given the k - 1 midpoints between
  // neighbours (bounds, ascending): idx[i] = the number of j < k - 1 with
  // bounds[j] < x[i]. k is a power of two from 2 to 256. x is finite.
  void (*assign)(const float* x, size_t n, const float* bounds, uint32_t k, uint8_t* idx);
  // k-means++ distances: d2[i] = min(d2[i], float32(d * d)) with d = float32(x[i] - c).
  void (*min_dist)(const float* x, size_t n, float c, float* d2);
  // out[i] = table[idx[i]] (the table has 256 entries).
  void (*lookup)(const uint8_t* idx, size_t n, const float* table, float* out);
  // Power-of-two quantization to the levels 0 and +-2^e, emin <= e <= emax, with
  // -125 <= emin <= emax <= 127 and emax - emin <= 126: codes[i] = 0 for zero,
  // else sign(x) * (emax - e + 1) where 2^e is the level nearest to |x| (ties to the
  // larger level; |x| above 2^emax saturates to it; |x| < 2^(emin - 1) gives 0).
  // x is finite. codes are int8 two's complement.
  void (*pow2_quantize)(const float* x, size_t n, int32_t emin, int32_t emax, uint8_t* codes);
};

extern const CodebookKernels codebook_scalar;
#if defined(__x86_64__) || defined(_M_X64)
extern const CodebookKernels codebook_avx2;
extern const CodebookKernels codebook_avx512;
#endif
#if defined(__aarch64__)
extern const CodebookKernels codebook_neon;
#endif
#if defined(__wasm_simd128__)
extern const CodebookKernels codebook_simd128;
#endif

}  // namespace mp

#endif
