/*
 * modelpress C ABI.
 *
 * The one interface between the kernels and their hosts (the N-API addon and the
 * WebAssembly module). Plain C: pointers, lengths, plain parameters, status codes.
 * No host headers may appear here or anywhere under native/kernels/.
 *
 * Tensor layout for per-axis parameters
 * -------------------------------------
 * A tensor of shape [d0 .. d(r-1)] quantized along axis a is seen as
 * [outer, axis_len, inner] with inner = product of the dimensions after a.
 * Element i (flat, row-major) uses parameter index (i / inner) % axis_len.
 * Per-tensor parameters are axis_len = 1, inner = 1.
 *
 * Every call works on the flat element range [offset, offset + n) of such a tensor:
 * x / q / out point at element `offset`, not at element 0. Hosts that stream a big
 * tensor through a small buffer (the WebAssembly backend) call once per chunk;
 * hosts that see the whole tensor pass offset = 0.
 */
#ifndef MODELPRESS_H
#define MODELPRESS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__EMSCRIPTEN__)
#include <emscripten/em_macros.h>
#define MP_API EMSCRIPTEN_KEEPALIVE
#elif defined(_WIN32)
#define MP_API
#else
#define MP_API __attribute__((visibility("default")))
#endif

typedef enum mp_status {
  MP_OK = 0,
  MP_ERR_NULL_POINTER = 1,  /* a required pointer is NULL while n > 0            */
  MP_ERR_LAYOUT = 2,        /* axis_len or inner is 0, or n_params != axis_len    */
  MP_ERR_SCALE = 3,         /* a scale is not finite or not > 0                  */
  MP_ERR_ZERO_POINT = 4,    /* a zero point lies outside the range of the qtype   */
  MP_ERR_QTYPE = 5,         /* unknown qtype                                      */
  MP_ERR_NON_FINITE = 6,    /* range finding met NaN or +-Inf (see bad_index)     */
  MP_ERR_VARIANT = 7,       /* unknown or unavailable CPU variant name            */
  MP_ERR_RANGE = 8          /* histogram range or bin count not usable            */
} mp_status;

typedef enum mp_qtype {
  MP_QTYPE_INT8 = 1,   /* q in [-128, 127]                                        */
  MP_QTYPE_UINT8 = 2,  /* q in [0, 255]                                           */
  MP_QTYPE_INT4 = 3,   /* q in [-8, 7], two per byte, lower index in the low nibble */
  MP_QTYPE_UINT4 = 4   /* q in [0, 15], packed the same way                       */
} mp_qtype;

/*
 * 4-bit outputs: for MP_QTYPE_INT4 / MP_QTYPE_UINT4 the quantized side (out of a
 * quantize, q of a dequantize) is packed: element i of the tensor is nibble i % 2
 * of byte i / 2, so it points at byte offset / 2, offset must be even, and a call
 * touches (n + 1) / 2 bytes (a final odd element leaves the high nibble 0).
 */

/*
 * ONNX QuantizeLinear:
 *   q = saturate(round_half_to_even(x / scale) + zero_point)
 * x / scale is an IEEE float32 division (not a multiplication by 1/scale).
 * NaN maps to the zero point; +-Inf saturate. out receives n bytes
 * (int8 as two's complement).
 */
MP_API mp_status mp_quantize_linear(const float* x, uint8_t* out, size_t n, size_t offset,
                                    size_t axis_len, size_t inner, const float* scales,
                                    const int32_t* zero_points, size_t n_params, int32_t qtype);

/*
 * ONNX DequantizeLinear:  out = float32(q - zero_point) * scale  (one rounding).
 */
MP_API mp_status mp_dequantize_linear(const uint8_t* q, float* out, size_t n, size_t offset,
                                      size_t axis_len, size_t inner, const float* scales,
                                      const int32_t* zero_points, size_t n_params, int32_t qtype);

/*
 * Blocked layout (ONNX QuantizeLinear / DequantizeLinear opset 21 `block_size`):
 * the tensor is [outer, axis_len, inner] and the parameters have the shape
 * [outer, nb, inner] with nb = ceil(axis_len / block_size); element (o, a, j) uses
 * parameter (o * nb + a / block_size) * inner + j. n_params must cover every
 * parameter the call touches. Quantize / dequantize as above, any qtype.
 */
MP_API mp_status mp_quantize_blocked(const float* x, uint8_t* out, size_t n, size_t offset, size_t axis_len,
                                     size_t inner, size_t block_size, const float* scales,
                                     const int32_t* zero_points, size_t n_params, int32_t qtype);
MP_API mp_status mp_dequantize_blocked(const uint8_t* q, float* out, size_t n, size_t offset, size_t axis_len,
                                       size_t inner, size_t block_size, const float* scales,
                                       const int32_t* zero_points, size_t n_params, int32_t qtype);
/* mp_min_max over the blocked layout: mins / maxs have a slot per parameter. */
MP_API mp_status mp_min_max_blocked(const float* x, size_t n, size_t offset, size_t axis_len, size_t inner,
                                    size_t block_size, float* mins, float* maxs, size_t n_params,
                                    size_t* bad_index);

/*
 * Dynamic quantization of contiguous groups in one pass: the tensor is rows of
 * `cols` elements, each row cut into blocks of block_size (the last block of a row
 * may be shorter; block_size >= cols gives one group per row). For each block, in
 * order: its min and max, then scale and zero point from them (the rule of
 * modelpress's qparamsFromRange: affine includes 0 in the range; symmetric int8 /
 * int4 use absmax / 127 or / 7 with zero point 0, uint8 / uint4 absmax / 127.5 or
 * / 7.5 with zero point 128 or 8; an all-zero block gets scale 1, an underflowing
 * scale 2^-149), then QuantizeLinear of the block while it is in cache.
 * The call covers elements [offset, offset + n), which must be whole blocks;
 * scales / zero_points receive one entry per block, starting with the block at
 * offset. NaN or +-Inf: MP_ERR_NON_FINITE with *bad_index = the first such
 * element's absolute index (out and the parameters are then unspecified).
 */
MP_API mp_status mp_quantize_groups(const float* x, uint8_t* out, size_t n, size_t offset, size_t cols,
                                    size_t block_size, int32_t qtype, int32_t symmetric, float* scales,
                                    int32_t* zero_points, size_t* bad_index);

/*
 * 4-bit packing: v holds n values, one per byte (int8 in [-8, 7] for INT4, uint8
 * in [0, 15] for UINT4); out receives (n + 1) / 2 bytes, low nibble first. A value
 * outside the range: MP_ERR_RANGE with *bad_index = its index (out unspecified).
 * Unpacking sign-extends (INT4) or zero-extends (UINT4) to one byte per value.
 */
MP_API mp_status mp_pack_int4(const uint8_t* v, uint8_t* out, size_t n, int32_t qtype, size_t* bad_index);
MP_API mp_status mp_unpack_int4(const uint8_t* p, uint8_t* out, size_t n, int32_t qtype);

/*
 * 1-D k-means (weight sharing): k centroids (a power of two, 2..256) of the finite
 * values x[0..n), then idx[i] = the index of the centroid nearest x[i].
 * Deterministic for a given seed; the algorithm, step by step (every backend
 * reproduces it exactly):
 *  1. Initialisation, k-means++ on the sample x[0], x[s], x[2s], ... with
 *     s = ceil(n / init_sample) (every value when init_sample >= n). Random numbers
 *     come from xoshiro128** seeded by splitmix32 from `seed` (see kmeans.cc); a
 *     uniform u in [0, 1) takes the top 24 bits of one output times 2^-24. The first
 *     centroid is sample[floor(u * m)]; then d2[i] = min over chosen centroids of
 *     float32((sample[i] - c)^2), total = sum of d2 in double in index order; if
 *     total is 0 the remaining centroids repeat the last one chosen, else the next
 *     centroid is sample[i] for the first i whose running sum exceeds u * total.
 *  2. Sort the centroids ascending. Lloyd iterations, at most max_iter: bounds[j] =
 *     float32((double(c[j]) + c[j + 1]) / 2); idx[i] = #{j : bounds[j] < x[i]}; each
 *     centroid becomes float32(sum / count) of its values (sums in double, in index
 *     order), or stays if it has none. Stops when no centroid changes (a fixpoint)
 *     after *iterations iterations; idx always matches the final centroids.
 * NaN or +-Inf: MP_ERR_NON_FINITE with *bad_index. n must be >= 1.
 */
MP_API mp_status mp_kmeans(const float* x, size_t n, uint32_t k, uint32_t seed, uint32_t max_iter,
                           size_t init_sample, float* centroids, uint8_t* idx, uint32_t* iterations,
                           size_t* bad_index);

/* out[i] = table[idx[i]]; table has 256 entries (codebook and power-of-two decoding). */
MP_API mp_status mp_lookup(const uint8_t* idx, size_t n, const float* table, float* out);

/*
 * Power-of-two quantization: codes[i] (int8) = 0 for 0, else sign(x) * (emax - e + 1)
 * where 2^e, emin <= e <= emax, is the level nearest |x| (ties to the larger; above
 * 2^emax saturates; below 2^(emin - 1) gives 0). Requires -125 <= emin <= emax <= 127
 * and emax - emin <= 126 (else MP_ERR_RANGE). x must be finite (non-finite inputs get
 * unspecified codes: check with mp_min_max first).
 */
MP_API mp_status mp_pow2_quantize(const float* x, size_t n, int32_t emin, int32_t emax, uint8_t* codes);

/*
 * Fake quantization for quantization-aware training: out = DequantizeLinear(
 * QuantizeLinear(x)) exactly, and mask[i] = 1 where round_half_to_even(x / scale) +
 * zero_point lies inside the qtype's range before saturation, else 0 (NaN, +-Inf and
 * clamped values): the straight-through estimator's gradient mask.
 */
MP_API mp_status mp_fake_quantize(const float* x, float* out, uint8_t* mask, size_t n, size_t offset,
                                  size_t axis_len, size_t inner, const float* scales,
                                  const int32_t* zero_points, size_t n_params, int32_t qtype);

/* out[i] = mask[i] ? grad[i] : 0 (the backward pass of fake quantization). */
MP_API mp_status mp_mask_gradient(const float* grad, const uint8_t* mask, float* out, size_t n);

/*
 * Range finding. Folds the elements into mins[p] / maxs[p] (p = parameter index as
 * above); the caller initialises them (to +Inf / -Inf for a fresh search), so chunks
 * accumulate. If any element is NaN or +-Inf, returns MP_ERR_NON_FINITE and writes the
 * absolute index (offset + i) of the first such element to *bad_index; mins/maxs are
 * then unspecified.
 */
MP_API mp_status mp_min_max(const float* x, size_t n, size_t offset, size_t axis_len, size_t inner,
                            float* mins, float* maxs, size_t n_params, size_t* bad_index);

/*
 * Float down-casting: fp32 <-> IEEE binary16 and fp32 <-> bfloat16, as uint16_t bit
 * patterns. Down-casts round to nearest even, keep subnormals, turn overflow into
 * +-Inf and keep NaN a (quiet) NaN; up-casts are exact. counts[0..2] are ADDED to:
 * finite inputs that overflowed to +-Inf, non-zero inputs that underflowed to +-0,
 * and NaN inputs (so chunks accumulate; the caller zeroes them first).
 */
MP_API mp_status mp_f32_to_f16(const float* x, uint16_t* out, size_t n, uint64_t* counts);
MP_API mp_status mp_f16_to_f32(const uint16_t* h, float* out, size_t n);
MP_API mp_status mp_f32_to_bf16(const float* x, uint16_t* out, size_t n, uint64_t* counts);
MP_API mp_status mp_bf16_to_f32(const uint16_t* h, float* out, size_t n);

/*
 * Quantization-error sums of a reconstructed tensor y against its original x, per
 * tensor or per axis (layout as above). For each parameter index p, sums[7p .. 7p+6]
 * are ADDED to (so chunks accumulate; the caller zeroes them first), in double:
 *   0: sum (y - x)^2   1: sum |y - x|   2: max |y - x|   3: sum x^2
 *   4: sum y^2         5: sum x * y     6: max |x|
 * Non-finite inputs make the sums non-finite.
 */
MP_API mp_status mp_error_sums(const float* x, const float* y, size_t n, size_t offset, size_t axis_len,
                               size_t inner, double* sums, size_t n_params);

/*
 * Histogram: counts[b] += how many x fall in bin b of `bins` equal bins over
 * [lo, hi] (the last bin includes hi; values outside and NaN are not counted).
 * Requires lo < hi, both finite, and bins >= 1.
 */
MP_API mp_status mp_histogram(const float* x, size_t n, double lo, double hi, uint32_t bins, uint64_t* counts);

/*
 * mp_histogram and mp_min_max (per tensor) in one pass: counts[b] += as mp_histogram,
 * and *mn / *mx folded with every element (the caller initialises them; a zero is
 * reported as +0). NaN or +-Inf: MP_ERR_NON_FINITE with *bad_index = offset + the
 * index of the first one (counts, *mn and *mx are then unspecified).
 */
MP_API mp_status mp_histogram_range(const float* x, size_t n, size_t offset, double lo, double hi, uint32_t bins,
                                    uint64_t* counts, float* mn, float* mx, size_t* bad_index);

/*
 * Magnitude pruning, the steps of an exact k-smallest selection over magnitude keys
 * (key = the bits of |x| as an unsigned integer: for finite values and +-Inf it
 * orders like |x|; -0 and +0 share key 0):
 * mp_digit_histogram: counts[(key >> shift) & (2^digit_bits - 1)] += 1 for every
 *   key whose bits above shift + digit_bits equal `prefix` (all keys when
 *   shift + digit_bits == 31). digit_bits in [1, 11], shift + digit_bits <= 31;
 *   counts has 2^digit_bits entries and is added to (32-bit: the caller keeps the
 *   total below 2^32; n above it is MP_ERR_RANGE). A NaN: MP_ERR_NON_FINITE with
 *   *bad_index = offset + its index (counts then unspecified).
 * mp_threshold_mask: mask[i] = 1 (keep) where key > t, 0 (prune) where key < t;
 *   elements with key == t are pruned while *ties > 0, lowest index first (*ties is
 *   decremented, so chunks continue), then kept.
 * mp_count_nonzero: *count += the number of non-zero bytes of m.
 */
MP_API mp_status mp_digit_histogram(const float* x, size_t n, size_t offset, uint32_t shift, uint32_t digit_bits,
                                    uint32_t prefix, uint32_t* counts, size_t* bad_index);
MP_API mp_status mp_threshold_mask(const float* x, size_t n, uint32_t t, uint64_t* ties, uint8_t* mask);
MP_API mp_status mp_count_nonzero(const uint8_t* m, size_t n, uint64_t* count);

/*
 * Structured, block, N:M and importance pruning (the prune kernel family).
 * mp_slice_norm_sums: the norm sums of the slices along the middle axis of a
 *   [outer, axis_len, inner] tensor: sums[j] (axis_len doubles, the caller
 *   initialises them to 0) gets, for o = 0, 1, ... in order, the sum over
 *   x[o, j, 0 .. inner) of |x| (kind 1), x^2 (kind 2) or |x|^p (kind 3, p > 0 and
 *   finite, a libm-free power), each row summed in 8 lanes (lane l: elements l,
 *   l+8, ... in order; then ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7))), all in double;
 *   kind 4 folds max |x| instead. So the result is the same on every platform.
 *   NaN: MP_ERR_NON_FINITE with *bad_index its index.
 * mp_block_pool: the [ceil(rows/bh), ceil(cols/bw)] block scores of a [rows, cols]
 *   matrix: mode 0 the mean |x| of the block (each column of the block summed over
 *   its rows in order, then the columns in order, in double, divided by the
 *   block's element count, rounded to float), mode 1 the max |x|. Edge blocks
 *   use only the elements they cover. NaN: MP_ERR_NON_FINITE with *bad_index.
 * mp_expand_block_mask: mask[r, c] = block_mask[r / bh, c / bw].
 * mp_nm_mask: the N:M mask of a [outer, axis_len, inner] tensor (axis_len a
 *   multiple of m, 1 <= n <= m <= 256): in every group of m consecutive elements
 *   along the axis the n largest magnitudes are kept; among equal magnitudes the
 *   lower index is pruned first. NaN: MP_ERR_NON_FINITE with *bad_index.
 * mp_taylor_accumulate: score[i] = beta * score[i] + |w[i] * g[i]| in float, each
 *   operation rounded in that order.
 */
MP_API mp_status mp_slice_norm_sums(const float* x, size_t outer, size_t axis_len, size_t inner, uint32_t kind,
                                    double p, double* sums, size_t* bad_index);
MP_API mp_status mp_block_pool(const float* x, size_t rows, size_t cols, size_t bh, size_t bw, uint32_t mode,
                               float* out, size_t* bad_index);
MP_API mp_status mp_expand_block_mask(const uint8_t* block_mask, size_t rows, size_t cols, size_t bh, size_t bw,
                                      uint8_t* mask);
MP_API mp_status mp_nm_mask(const float* x, size_t outer, size_t axis_len, size_t inner, uint32_t n, uint32_t m,
                            uint8_t* mask, size_t* bad_index);
MP_API mp_status mp_taylor_accumulate(const float* w, const float* g, size_t n, float beta, float* score);

/*
 * Sparse storage (the sformat family). "Non-zero" means bits other than +-0 (a
 * NaN is non-zero and stored); decoding writes +0 where nothing is stored.
 * mp_count_nonzero_f32: *count += the non-zero elements of x.
 * mp_csr_count: row_ptr[0] = 0, row_ptr[r + 1] = row_ptr[r] + the non-zeros of row
 *   r of a [rows, cols] matrix. A total above INT32_MAX is MP_ERR_RANGE.
 * mp_csr_encode: fills values and col_idx (nnz entries each, nnz = row_ptr[rows])
 *   with the non-zeros of each row in column order; row_ptr must be mp_csr_count's
 *   (a row whose count differs is MP_ERR_RANGE with *bad_index = the row).
 * mp_csr_decode: the dense matrix of a CSR. row_ptr must start at 0, not decrease
 *   and end at nnz (else MP_ERR_LAYOUT with *bad_index = the first bad row
 *   pointer); the columns of each row strictly increasing and in [0, cols) (else
 *   MP_ERR_RANGE with *bad_index = the first bad entry). out is then unspecified.
 * mp_bitmask_encode: bits (ceil(n/8) bytes, bit i = element i, least significant
 *   first) and the non-zero values packed in order; *count = how many. More than
 *   values_len of them is MP_ERR_RANGE (values then unspecified).
 * mp_bitmask_decode: the inverse; the mask may not select more than values_len
 *   values (MP_ERR_RANGE).
 * mp_pack24: 2:4 packing of a [rows, cols] matrix (cols a multiple of 4) along its
 *   rows: per group of 4, two values (cols/2 per row) and a nibble i0 | i1 << 2
 *   (ceil(cols/8) bytes per row, low nibble first); a group's two positions are its
 *   non-zeros, filled up with its lowest other positions. A group with more than
 *   two non-zeros: MP_ERR_RANGE with *bad_index = its flat group index.
 * mp_unpack24: the inverse; a nibble without i0 < i1 is MP_ERR_RANGE with
 *   *bad_index = its flat group index.
 */
MP_API mp_status mp_count_nonzero_f32(const float* x, size_t n, uint64_t* count);
MP_API mp_status mp_csr_count(const float* x, size_t rows, size_t cols, int32_t* row_ptr);
MP_API mp_status mp_csr_encode(const float* x, size_t rows, size_t cols, const int32_t* row_ptr, float* values,
                               int32_t* col_idx, size_t* bad_index);
MP_API mp_status mp_csr_decode(const int32_t* row_ptr, const int32_t* col_idx, const float* values, size_t nnz,
                               size_t rows, size_t cols, float* out, size_t* bad_index);
MP_API mp_status mp_bitmask_encode(const float* x, size_t n, uint8_t* bits, float* values, size_t values_len,
                                   uint64_t* count);
MP_API mp_status mp_bitmask_decode(const uint8_t* bits, const float* values, size_t values_len, size_t n,
                                   float* out);
MP_API mp_status mp_pack24(const float* x, size_t rows, size_t cols, float* values, uint8_t* meta,
                           size_t* bad_index);
MP_API mp_status mp_unpack24(const float* values, const uint8_t* meta, size_t rows, size_t cols, float* out,
                             size_t* bad_index);

/*
 * Products (the spmm family), fp32, row-major. The sums may run in any order:
 * each output is within 2 (terms + 1) 2^-24 sum |a_j x_j| of the exact sum.
 * mp_csr_matvec: y = A x for a CSR A [rows, cols] (row_ptr as mp_csr_decode's,
 *   else MP_ERR_LAYOUT; a column outside [0, cols) is MP_ERR_RANGE, checked before
 *   it is used), x of cols elements.
 * mp_csr_matmul: C = A B with B [cols, k], C [rows, k]; the same checks.
 * mp_dense_matvec: y = A x, A [rows, cols]. mp_dense_matmul: C = A B, A [rows,
 *   inner], B [inner, k].
 * mp_nm24_matvec / mp_nm24_matmul: the same with a 2:4-packed A (mp_pack24's
 *   layout, cols a multiple of 4).
 */
MP_API mp_status mp_csr_matvec(const int32_t* row_ptr, const int32_t* col_idx, const float* values, size_t nnz,
                               size_t rows, size_t cols, const float* x, float* y);
MP_API mp_status mp_csr_matmul(const int32_t* row_ptr, const int32_t* col_idx, const float* values, size_t nnz,
                               size_t rows, size_t cols, const float* b, size_t k, float* c);
MP_API mp_status mp_dense_matvec(const float* a, size_t rows, size_t cols, const float* x, float* y);
MP_API mp_status mp_dense_matmul(const float* a, size_t rows, size_t inner, const float* b, size_t k, float* c);
MP_API mp_status mp_nm24_matvec(const float* values, const uint8_t* meta, size_t rows, size_t cols, const float* x,
                                float* y);
MP_API mp_status mp_nm24_matmul(const float* values, const uint8_t* meta, size_t rows, size_t cols, const float* b,
                                size_t k, float* c);

/*
 * Distillation (the distill family), on row-major [rows, cols] logits. Float
 * results: exp and log are each variant's own (a few ULP), sums run in double.
 * Losses are per row (double); gradients are ADDED to grad (the caller zeroes it);
 * an optional output may be NULL.
 * mp_softmax_rows: out = softmax (log_out 0) or log-softmax (1) of z * inv_t per
 *   row, stably (the row max subtracted). inv_t > 0 and finite (else MP_ERR_RANGE).
 * mp_kl_rows: q = softmax(s * inv_t); p = softmax(t * inv_t), or t itself when
 *   teacher_probs is 1 (entries >= 0). kl[r] = sum over p > 0 of p (log p - log q),
 *   ce[r] = -sum over p > 0 of p log q, grad += grad_scale * (q * sum(p) - p).
 * mp_kl_topk_rows: the same against a teacher given as k (class, probability)
 *   pairs per row (idx, p: [rows, k]) with rest[r] spread evenly over the other
 *   classes; an index outside [0, cols) is MP_ERR_RANGE with *bad_row.
 * mp_ce_rows: hard-label cross-entropy with label smoothing eps in [0, 1]:
 *   loss[r] = -(1 - eps) log q_y - (eps / cols) sum log q (0 where labels[r] ==
 *   ignore), grad += grad_scale * (q - (1 - eps) onehot(y) - eps / cols); a label
 *   neither ignore nor in [0, cols) is MP_ERR_RANGE with *bad_row.
 * mp_sq_diff: *sum = sum (s - t)^2, grad += grad_scale * (s - t).
 * mp_cosine_rows: loss[r] = 1 - s.t / (max(|s|, eps) max(|t|, eps)), grad +=
 *   grad_scale * its derivative in s. eps > 0.
 * mp_channel_mean_sq: out[b, i] = mean over c of a[b, c, i]^2 (a: [batch,
 *   channels, spatial]). mp_scale_by_map: grad[b, c, i] += g[b, i] * a[b, c, i].
 */
MP_API mp_status mp_softmax_rows(const float* z, size_t rows, size_t cols, float inv_t, int log_out, float* out);
MP_API mp_status mp_kl_rows(const float* s, const float* t, size_t rows, size_t cols, float inv_t, int teacher_probs,
                            float grad_scale, double* kl, double* ce, float* grad);
MP_API mp_status mp_kl_topk_rows(const float* s, const int32_t* idx, const float* p, const float* rest, size_t rows,
                                 size_t cols, size_t k, float inv_t, float grad_scale, double* kl, double* ce,
                                 float* grad, size_t* bad_row);
MP_API mp_status mp_ce_rows(const float* s, const int32_t* labels, size_t rows, size_t cols, int32_t ignore, float eps,
                            float grad_scale, double* loss, float* grad, size_t* bad_row);
MP_API mp_status mp_sq_diff(const float* s, const float* t, size_t n, float grad_scale, float* grad, double* sum);
MP_API mp_status mp_cosine_rows(const float* s, const float* t, size_t rows, size_t cols, float eps, float grad_scale,
                                double* loss, float* grad);
MP_API mp_status mp_channel_mean_sq(const float* a, size_t batch, size_t channels, size_t spatial, float* out);
MP_API mp_status mp_scale_by_map(const float* a, const float* g, size_t batch, size_t channels, size_t spatial,
                                 float* grad);

/*
 * CPU variants. Names: "scalar", "avx2", "avx512", "avx512bf16", "neon", "simd128".
 * mp_compiled_variants: comma-separated, best first, those built into this binary.
 * mp_supported_variants: the subset this CPU and OS can run, best first.
 * mp_cpu_variant: the variant in use now.
 * mp_set_cpu_cap: use the best supported variant no better than `name` (process-wide).
 */
MP_API const char* mp_compiled_variants(void);
MP_API const char* mp_supported_variants(void);
MP_API const char* mp_cpu_variant(void);
MP_API mp_status mp_set_cpu_cap(const char* name);

#ifdef __cplusplus
}
#endif

#endif /* MODELPRESS_H */
