// Internal interface of the sformat family: the sparse storage formats of pruned
// tensors and their round trips to dense. An element is "non-zero" when its bits
// are not +0 or -0 (a NaN counts as non-zero and is stored). One table per
// instruction set, chosen by native/dispatch/. Every variant is bit-identical to
// ref.cc.
#ifndef MODELPRESS_SFORMAT_KERNELS_H
#define MODELPRESS_SFORMAT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

namespace mp {

// True if x's bits are not +-0.
inline bool is_stored(uint32_t bits) { return (bits & 0x7fffffffu) != 0; }

struct SformatKernels {
  // Number of non-zero elements of x.
  size_t (*count_nonzero)(const float* x, size_t n);

  // CSR of one row: values[j] = x[c_j] and cols[j] = c_j for the non-zero
  // elements c_0 < c_1 < ... of the row; returns their count. values and cols
  // have room for exactly that count (the caller counted first).
  size_t (*csr_encode_row)(const float* x, size_t n, float* values, int32_t* cols);
  // The dense row of a CSR row: row[0 .. n) = +0, then row[cols[j]] = values[j].
  // Returns nnz if every cols[j] is in [0, n) and cols is strictly increasing,
  // else the index j of the first that is not (the row is then unspecified).
  size_t (*csr_decode_row)(const float* values, const int32_t* cols, size_t nnz, size_t n, float* row);

  // Bitmask + packed values: bit i of the mask (byte i / 8, bit i % 8, least
  // significant first) is 1 iff x[i] is non-zero, and the non-zero values are
  // packed in order. bits has ceil(n / 8) bytes (unused high bits of the last
  // byte are 0); returns the number of values written.
  size_t (*bitmask_encode)(const float* x, size_t n, uint8_t* bits, float* values);
  // The inverse: out[i] = the next packed value where bit i is 1, else +0. Reads
  // exactly popcount(bits of the first n elements) values (the caller checked
  // there are that many); returns that count.
  size_t (*bitmask_decode)(const uint8_t* bits, const float* values, size_t n, float* out);

  // 2:4 packing of n elements (n a multiple of 4) in groups of 4 consecutive
  // ones. Each group keeps two positions i0 < i1: its non-zero positions, filled
  // up with its lowest other positions when it has fewer than two; values[2g],
  // values[2g + 1] = x[4g + i0], x[4g + i1] (the element's own bits, so a kept
  // -0 stays -0); the group's nibble is i0 | i1 << 2, group 2h in the low nibble
  // of meta[h] and group 2h + 1 in the high one (ceil(n / 8) bytes; an unused high
  // nibble is 0). Returns n / 4 on success, else the index of the first group with
  // more than two non-zero elements (outputs then unspecified).
  size_t (*pack24)(const float* x, size_t n, float* values, uint8_t* meta);
  // The inverse: out = +0 except out[4g + i0] = values[2g], out[4g + i1] =
  // values[2g + 1]. Returns n / 4, or the index of the first group whose nibble
  // does not have i0 < i1 (out then unspecified).
  size_t (*unpack24)(const float* values, const uint8_t* meta, size_t n, float* out);
};

extern const SformatKernels sformat_scalar;
#if defined(__x86_64__) || defined(_M_X64)
extern const SformatKernels sformat_avx2;
extern const SformatKernels sformat_avx512;
#endif
#if defined(__aarch64__)
extern const SformatKernels sformat_neon;
#endif
#if defined(__wasm_simd128__)
extern const SformatKernels sformat_simd128;
#endif

}  // namespace mp

#endif
