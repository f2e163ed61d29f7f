/**
 * The reference backend: plain TypeScript that states the semantics. It is the
 * oracle of the tests and is never selected automatically.
 *
 * Float32 arithmetic is emulated with Math.fround: a float32 division or product
 * computed in double and rounded once to float32 equals the IEEE float32 result
 * (double has more than 2·24 + 2 bits), so these loops match the C++ kernels bit
 * for bit.
 */
import type { Backend, ByteArray, HalfKind, LinearParams, RangeLayout } from './backend.js';
import { blockedParamIndex, isPacked, packInt4, quantizeGroups, unpackInt4 } from './reference-block.js';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from './reference-cast.js';
import { kmeans, lookup, pow2Quantize } from './reference-codebook.js';
import { countNonzero, digitHistogram, thresholdMask } from './reference-sparse.js';
import { errorSums, histogram, histogramRange } from './reference-stats.js';
import { QTYPE_RANGES } from './qtypes.js';
import { immediateAsync, type SparseOps } from './sparse-ops.js';
import { DISTILL_OP_OUTPUTS, type AsyncDistillOps } from './distill-ops.js';
import { referenceDistillOps } from './reference-distill.js';
import { blockPool, expandBlockMask, nmMask, sliceNormSums, taylorAccumulate } from './reference-prune.js';
import { bitmaskDecode, bitmaskEncode, countNonzeroF32, csrCount, csrDecode, csrEncode, pack24, unpack24 } from './reference-sformat.js';
import { csrMatMul, csrMatVec, denseMatMul, denseMatVec, nm24MatMul, nm24MatVec } from './reference-spmm.js';

/** Round half to even, as ONNX and IEEE roundTiesToEven. */
export function roundHalfToEven(v: number): number {
  const r = Math.round(v); // halves go towards +Infinity
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function qtypeRange(qtype: number): readonly [number, number] {
  return QTYPE_RANGES[qtype];
}

/** Parameter index of element i: (floor(i / inner) % axisLen), or the blocked index. */
function paramIndex(i: number, axisLen: number, inner: number, blockSize = 0): number {
  if (blockSize > 0) return blockedParamIndex(i, axisLen, inner, blockSize);
  return axisLen === 1 ? 0 : Math.floor(i / inner) % axisLen;
}

/** ONNX QuantizeLinear of one element: saturate(round_half_to_even(x / scale) + zp); NaN → zp. */
export function quantizeOne(x: number, scale: number, zp: number, qmin: number, qmax: number): number {
  const v = Math.fround(x / scale);
  if (Number.isNaN(v)) return zp;
  return Math.min(qmax, Math.max(qmin, roundHalfToEven(v) + zp));
}

/** ONNX DequantizeLinear of one element: (q - zp) * scale in float32. */
function dequantizeOne(q: number, scale: number, zp: number): number {
  return Math.fround((q - zp) * scale);
}

const sparseOps: SparseOps = {
  sliceNormSums,
  blockPool,
  expandBlockMask,
  nmMask,
  taylorAccumulate,
  countNonzeroF32,
  csrCount,
  csrEncode,
  csrDecode,
  bitmaskEncode,
  bitmaskDecode,
  pack24,
  unpack24,
  csrMatVec,
  csrMatMul,
  nm24MatVec,
  nm24MatMul,
  denseMatVec,
  denseMatMul,
};

/** The Promise forms of the distill ops: the synchronous ones, run in turn. */
function distillAsync(): AsyncDistillOps {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(DISTILL_OP_OUTPUTS) as (keyof typeof DISTILL_OP_OUTPUTS)[]) {
    const f = referenceDistillOps[name] as (...a: unknown[]) => number;
    out[`${name}Async`] = async (...a: unknown[]) => f(...a);
  }
  return out as AsyncDistillOps;
}

export const referenceBackend: Backend = {
  ...sparseOps,
  ...immediateAsync(sparseOps),
  ...referenceDistillOps,
  ...distillAsync(),
  name: 'reference',
  cpuVariant: () => 'typescript',
  compiledVariants: () => ['typescript'],
  supportedVariants: () => ['typescript'],
  setCpuCap(name: string) {
    if (name !== 'typescript' && name !== 'scalar') {
      throw new RangeError(`setCpuCap: the reference backend has only the "typescript" variant, got ${JSON.stringify(name)}`);
    }
  },

  quantizeLinear(x: Float32Array, out: ByteArray, p: LinearParams): void {
    const [qmin, qmax] = qtypeRange(p.qtype);
    const values = isPacked(p.qtype) ? new Int8Array(x.length) : out;
    for (let i = 0; i < x.length; i++) {
      const k = paramIndex(i, p.axisLen, p.inner, p.blockSize);
      values[i] = quantizeOne(x[i], p.scales[k], p.zeroPoints[k], qmin, qmax);
    }
    if (values !== out) packInt4(values, out as Uint8Array, p.qtype as 3 | 4);
  },

  dequantizeLinear(q: ByteArray, out: Float32Array, p: LinearParams): void {
    let values: ByteArray = q;
    if (isPacked(p.qtype)) {
      values = p.qtype === 3 ? new Int8Array(out.length) : new Uint8Array(out.length);
      unpackInt4(q as Uint8Array, values, p.qtype as 3 | 4);
    }
    for (let i = 0; i < out.length; i++) {
      const k = paramIndex(i, p.axisLen, p.inner, p.blockSize);
      out[i] = dequantizeOne(values[i], p.scales[k], p.zeroPoints[k]);
    }
  },

  minMax(x: Float32Array, layout: RangeLayout, mins: Float32Array, maxs: Float32Array): number {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (!Number.isFinite(v)) return i;
      const k = paramIndex(i, layout.axisLen, layout.inner, layout.blockSize);
      if (v < mins[k]) mins[k] = v;
      if (v > maxs[k]) maxs[k] = v;
    }
    // -0 and +0 compare equal; report +0 whichever was seen first (as the kernels do).
    for (let k = 0; k < mins.length; k++) {
      mins[k] += 0;
      maxs[k] += 0;
    }
    return -1;
  },

  castDown(kind: HalfKind, x: Float32Array, out: Uint16Array) {
    return kind === 'f16' ? f32ToF16(x, out) : f32ToBf16(x, out);
  },

  castUp(kind: HalfKind, h: Uint16Array, out: Float32Array) {
    if (kind === 'f16') f16ToF32(h, out);
    else bf16ToF32(h, out);
  },

  errorSums,
  histogram,
  histogramRange,
  quantizeGroups,
  packInt4,
  unpackInt4,
  kmeans,
  lookup,
  pow2Quantize,
  digitHistogram,
  thresholdMask,
  countNonzero,

  fakeQuantize(x: Float32Array, out: Float32Array, mask: Uint8Array, p: LinearParams): void {
    const [qmin, qmax] = qtypeRange(p.qtype);
    for (let i = 0; i < x.length; i++) {
      const k = paramIndex(i, p.axisLen, p.inner, p.blockSize);
      const scale = p.scales[k];
      const zp = p.zeroPoints[k];
      const v = Math.fround(x[i] / scale);
      const unclamped = Number.isNaN(v) ? NaN : roundHalfToEven(v) + zp;
      mask[i] = unclamped >= qmin && unclamped <= qmax ? 1 : 0;
      out[i] = dequantizeOne(quantizeOne(x[i], scale, zp, qmin, qmax), scale, zp);
    }
  },

  maskGradient(grad: Float32Array, mask: Uint8Array, out: Float32Array): void {
    // As bits, so that a NaN gradient passes through untouched where it is kept.
    const g = new Uint32Array(grad.buffer, grad.byteOffset, grad.length);
    const o = new Uint32Array(out.buffer, out.byteOffset, out.length);
    for (let i = 0; i < grad.length; i++) o[i] = mask[i] !== 0 ? g[i] : 0;
  },

  // The reference runs on the calling thread; the Promise forms exist so that the
  // same tests run on every backend.
  async quantizeLinearAsync(x, out, p) {
    referenceBackend.quantizeLinear(x, out, p);
  },
  async dequantizeLinearAsync(q, out, p) {
    referenceBackend.dequantizeLinear(q, out, p);
  },
  async minMaxAsync(x, layout, mins, maxs) {
    return referenceBackend.minMax(x, layout, mins, maxs);
  },
  async castDownAsync(kind, x, out) {
    return referenceBackend.castDown(kind, x, out);
  },
  async castUpAsync(kind, h, out) {
    referenceBackend.castUp(kind, h, out);
  },
  async errorSumsAsync(x, y, layout, sums) {
    errorSums(x, y, layout, sums);
  },
  async histogramAsync(x, lo, hi, counts) {
    histogram(x, lo, hi, counts);
  },
  async histogramRangeAsync(x, lo, hi, counts, range) {
    return histogramRange(x, lo, hi, counts, range);
  },
  async fakeQuantizeAsync(x, out, mask, p) {
    referenceBackend.fakeQuantize(x, out, mask, p);
  },
  async maskGradientAsync(grad, mask, out) {
    referenceBackend.maskGradient(grad, mask, out);
  },
  async quantizeGroupsAsync(x, out, g, scales, zeroPoints) {
    return quantizeGroups(x, out, g, scales, zeroPoints);
  },
  async packInt4Async(values, out, qtype) {
    return packInt4(values, out, qtype);
  },
  async unpackInt4Async(packed, out, qtype) {
    unpackInt4(packed, out, qtype);
  },
  async kmeansAsync(x, p, centroids, idx) {
    return kmeans(x, p, centroids, idx);
  },
  async lookupAsync(idx, table, out) {
    lookup(idx, table, out);
  },
  async pow2QuantizeAsync(x, emin, emax, codes) {
    pow2Quantize(x, emin, emax, codes);
  },
  async digitHistogramAsync(x, pass, counts) {
    return digitHistogram(x, pass, counts);
  },
  async thresholdMaskAsync(x, t, ties, mask) {
    return thresholdMask(x, t, ties, mask);
  },
  async countNonzeroAsync(m) {
    return countNonzero(m);
  },
};
