/**
 * The Backend interface: the C ABI of native/include/modelpress.h seen from
 * TypeScript. Arguments arrive validated by the public API (src/quant/); a
 * backend only moves data to its kernels and back.
 */

import type { AsyncDistillOps, DistillOps } from './distill-ops.js';
import type { AsyncSparseOps, SparseOps } from './sparse-ops.js';

export type BackendName = 'native' | 'wasm' | 'reference';

/** Matches mp_qtype in the C ABI. */
export const QTYPE_INT8 = 1;
export const QTYPE_UINT8 = 2;
/** 4-bit types: the quantized side is packed, two values per byte, low nibble first. */
export const QTYPE_INT4 = 3;
export const QTYPE_UINT4 = 4;
export type QType = typeof QTYPE_INT8 | typeof QTYPE_UINT8 | typeof QTYPE_INT4 | typeof QTYPE_UINT4;
export type QType4 = typeof QTYPE_INT4 | typeof QTYPE_UINT4;

/**
 * Parameters of one quantize/dequantize call. The tensor is seen as
 * [outer, axisLen, inner]; element i uses parameter (floor(i / inner) % axisLen).
 * Per-tensor is axisLen = 1, inner = 1. With blockSize > 0 the layout is blocked
 * (ONNX opset 21): parameters [outer, ceil(axisLen / blockSize), inner], element
 * (o, a, j) using (o · nb + floor(a / blockSize)) · inner + j.
 */
export interface LinearParams {
  axisLen: number;
  inner: number;
  scales: Float32Array; // one per parameter, each finite and > 0
  zeroPoints: Int32Array; // one per parameter, inside the qtype's range
  qtype: QType;
  blockSize?: number;
}

/** Layout of a range search: mins/maxs have one entry per parameter (axisLen, or the blocked count). */
export interface RangeLayout {
  axisLen: number;
  inner: number;
  blockSize?: number;
}

/** One-pass group quantization: rows of `cols`, cut every blockSize elements. */
export interface GroupLayout {
  cols: number;
  blockSize: number;
  qtype: QType;
  symmetric: boolean;
}

/** One pass of the radix select of magnitude pruning (see mp_digit_histogram). */
export interface DigitPass {
  shift: number;
  bits: number;
  prefix: number;
}

/** Options of the 1-D k-means (see mp_kmeans in native/include/modelpress.h). */
export interface KmeansParams {
  k: number;
  seed: number;
  maxIter: number;
  initSample: number;
}

export type ByteArray = Int8Array | Uint8Array;

/** Half-precision formats of the casts: IEEE binary16 and bfloat16. */
export type HalfKind = 'f16' | 'bf16';

/** What a down-cast lost: [finite values that overflowed to ±Inf, non-zero values that underflowed to ±0, NaNs]. */
export type CastCounts = [overflowed: number, underflowed: number, nan: number];

/** The quantization and magnitude-pruning kernels, plus SparseOps (sparse-ops.ts) and DistillOps (distill-ops.ts). */
export interface Backend extends SparseOps, AsyncSparseOps, DistillOps, AsyncDistillOps {
  readonly name: BackendName;
  /** CPU variant in use ("avx512", "simd128", "scalar", …). */
  cpuVariant(): string;
  /** Variants built into this backend, best first. */
  compiledVariants(): string[];
  /** Variants this machine can run, best first. */
  supportedVariants(): string[];
  /** Cap the variant (process-wide for native); throws for an unknown name. */
  setCpuCap(name: string): void;

  quantizeLinear(x: Float32Array, out: ByteArray, p: LinearParams): void;
  dequantizeLinear(q: ByteArray, out: Float32Array, p: LinearParams): void;
  /**
   * Folds x into mins/maxs (initialised by the caller). Returns -1, or the index
   * of the first NaN/±Inf element (mins/maxs are then unspecified).
   */
  minMax(x: Float32Array, layout: RangeLayout, mins: Float32Array, maxs: Float32Array): number;

  /** fp32 → fp16/bf16 bit patterns, rounding to nearest even; returns what was lost. */
  castDown(kind: HalfKind, x: Float32Array, out: Uint16Array): CastCounts;
  /** fp16/bf16 bit patterns → fp32, exactly. */
  castUp(kind: HalfKind, h: Uint16Array, out: Float32Array): void;

  /**
   * Adds the quantization-error sums of y against x into sums (7 doubles per
   * parameter index: Σe², Σ|e|, max|e|, Σx², Σy², Σxy, max|x|, with e = y − x).
   */
  errorSums(x: Float32Array, y: Float32Array, layout: RangeLayout, sums: Float64Array): void;
  /** counts[b] = how many x fall in bin b of counts.length equal bins over [lo, hi]. */
  histogram(x: Float32Array, lo: number, hi: number, counts: Float64Array): void;
  /**
   * histogram() and the range search in one pass: counts as histogram(), and
   * range = [min, max] folded with x (initialised by the caller). Returns -1, or the
   * index of the first NaN/±Inf (counts and range are then unspecified).
   */
  histogramRange(x: Float32Array, lo: number, hi: number, counts: Float64Array, range: Float32Array): number;

  /**
   * Fake quantization: out = dequantize(quantize(x)); mask[i] = 1 where the
   * rounded value was representable (no saturation, not NaN/±Inf), else 0.
   */
  fakeQuantize(x: Float32Array, out: Float32Array, mask: Uint8Array, p: LinearParams): void;
  /** out[i] = mask[i] ? grad[i] : 0. */
  maskGradient(grad: Float32Array, mask: Uint8Array, out: Float32Array): void;

  /**
   * One-pass dynamic quantization of groups: fills one scale and zero point per
   * block and the quantized values (packed for 4-bit types). Returns -1, or the
   * index of the first NaN/±Inf (outputs are then unspecified).
   */
  quantizeGroups(x: Float32Array, out: ByteArray, g: GroupLayout, scales: Float32Array, zeroPoints: Int32Array): number;
  /** Packs one 4-bit value per byte into nibbles; returns -1 or the index of the first value out of range. */
  packInt4(values: ByteArray, out: Uint8Array, qtype: QType4): number;
  /** Unpacks nibbles (low first) to one value per byte, sign- or zero-extended. */
  unpackInt4(packed: Uint8Array, out: ByteArray, qtype: QType4): void;
  /** 1-D k-means of finite x; fills centroids (k) and idx; returns the iterations run. */
  kmeans(x: Float32Array, p: KmeansParams, centroids: Float32Array, idx: Uint8Array): number;
  /** out[i] = table[idx[i]] with a 256-entry table. */
  lookup(idx: Uint8Array, table: Float32Array, out: Float32Array): void;
  /** Power-of-two codes of finite x (see mp_pow2_quantize). */
  pow2Quantize(x: Float32Array, emin: number, emax: number, codes: Int8Array): void;

  /**
   * Adds the digit histogram of x's magnitude keys into counts (2^bits entries).
   * Returns -1, or the index of the first NaN (counts are then unspecified).
   */
  digitHistogram(x: Float32Array, pass: DigitPass, counts: Float64Array): number;
  /** The pruning mask for threshold key t, pruning the first `ties` keys equal to t; returns the ties left. */
  thresholdMask(x: Float32Array, t: number, ties: number, mask: Uint8Array): number;
  /** Number of non-zero bytes. */
  countNonzero(m: Uint8Array): number;

  /** The same, off the JS thread. Inputs must not be modified until the promise settles. */
  quantizeLinearAsync(x: Float32Array, out: ByteArray, p: LinearParams): Promise<void>;
  dequantizeLinearAsync(q: ByteArray, out: Float32Array, p: LinearParams): Promise<void>;
  minMaxAsync(x: Float32Array, layout: RangeLayout, mins: Float32Array, maxs: Float32Array): Promise<number>;
  castDownAsync(kind: HalfKind, x: Float32Array, out: Uint16Array): Promise<CastCounts>;
  castUpAsync(kind: HalfKind, h: Uint16Array, out: Float32Array): Promise<void>;
  errorSumsAsync(x: Float32Array, y: Float32Array, layout: RangeLayout, sums: Float64Array): Promise<void>;
  histogramAsync(x: Float32Array, lo: number, hi: number, counts: Float64Array): Promise<void>;
  histogramRangeAsync(x: Float32Array, lo: number, hi: number, counts: Float64Array, range: Float32Array): Promise<number>;
  fakeQuantizeAsync(x: Float32Array, out: Float32Array, mask: Uint8Array, p: LinearParams): Promise<void>;
  maskGradientAsync(grad: Float32Array, mask: Uint8Array, out: Float32Array): Promise<void>;
  quantizeGroupsAsync(x: Float32Array, out: ByteArray, g: GroupLayout, scales: Float32Array, zeroPoints: Int32Array): Promise<number>;
  packInt4Async(values: ByteArray, out: Uint8Array, qtype: QType4): Promise<number>;
  unpackInt4Async(packed: Uint8Array, out: ByteArray, qtype: QType4): Promise<void>;
  kmeansAsync(x: Float32Array, p: KmeansParams, centroids: Float32Array, idx: Uint8Array): Promise<number>;
  lookupAsync(idx: Uint8Array, table: Float32Array, out: Float32Array): Promise<void>;
  pow2QuantizeAsync(x: Float32Array, emin: number, emax: number, codes: Int8Array): Promise<void>;
  digitHistogramAsync(x: Float32Array, pass: DigitPass, counts: Float64Array): Promise<number>;
  thresholdMaskAsync(x: Float32Array, t: number, ties: number, mask: Uint8Array): Promise<number>;
  countNonzeroAsync(m: Uint8Array): Promise<number>;
}
