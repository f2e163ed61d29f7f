// Internal interface of the sparse family: the steps of magnitude pruning. A mask
// keeps or prunes each element by its magnitude key: the bits of |x| as an unsigned
// integer (for finite x and +-Inf this orders like |x|; -0 and +0 share key 0).
// Exact k-smallest selection is a radix select over the keys (digit histograms,
// three passes of at most 11 bits), then one masking pass. One table per
// instruction set, chosen by native/dispatch/.
//
// Every variant is bit-identical to ref.cc.
#ifndef MODELPRESS_SPARSE_KERNELS_H
#define MODELPRESS_SPARSE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

namespace mp {

// The magnitude key of x: its bits without the sign.
inline uint32_t magnitude_key(uint32_t bits) { return bits & 0x7fffffffu; }

struct SparseKernels {
  // Digit histogram of the keys whose bits above `shift + digit_bits` equal
  // `prefix`: counts[(key >> shift) & (2^digit_bits - 1)] += 1 for each such key.
  // shift + digit_bits <= 31, digit_bits in [1, 11] (counts has 2^digit_bits entries);
  // with shift + digit_bits == 31 every key matches (prefix is 0). Also returns
  // whether some key is above 0x7f800000 (a NaN), for the caller to reject.
  bool (*digit_histogram)(const float* x, size_t n, uint32_t shift, uint32_t digit_bits, uint32_t prefix,
                          uint32_t* counts);
  // mask[i] = 1 (keep) if key(x[i]) > t, 0 (prune) if key < t; elements with
  // key == t are pruned while *ties > 0 (decrementing it, so the lowest indices go
  // first), then kept. Chunks continue with the returned *ties.
  void (*threshold_mask)(const float* x, size_t n, uint32_t t, size_t* ties, uint8_t* mask);
  // Number of non-zero bytes of m (kept elements of a mask).
  size_t (*count_nonzero)(const uint8_t* m, size_t n);
};

extern const SparseKernels sparse_scalar;
#if defined(__x86_64__) || defined(_M_X64)
extern const SparseKernels sparse_avx2;
extern const SparseKernels sparse_avx512;
#endif
#if defined(__aarch64__)
extern const SparseKernels sparse_neon;
#endif
#if defined(__wasm_simd128__)
extern const SparseKernels sparse_simd128;
#endif

}  // namespace mp

#endif
