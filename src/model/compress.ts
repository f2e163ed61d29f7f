/**
 * The per-tensor work every model format shares: quantize a float32 weight
 * (per tensor, per channel or in blocks), convert it to float16, prune it, and
 * measure what that cost against the original. Formats decide the axis and the
 * storage; this file only does the arithmetic, through the public ops. It uses
 * their Promise forms, so the kernels run off the JS thread and a server that
 * compresses a model keeps its event loop free.
 */
import { fromFloat16Async, toFloat16Async } from '../quant/cast.js';
import { histogramOfFinite, quantizationErrorAsync, type ErrorMetrics } from '../quant/error.js';
import { dequantizeAsync, quantizeAsync } from '../quant/quantize.js';
import { dequantizeBlocksAsync, quantizeBlocksAsync } from '../quant/blocks.js';
import { magnitudeMaskAsync } from '../sparse/masks.js';
import { lnStructuredMaskAsync } from '../sparse/structured.js';
import { nmMaskAsync } from '../sparse/nm.js';
import { applyMaskAsync } from '../sparse/apply.js';
import type { ReportHistogram } from './types.js';

export type WeightDType = 'int8' | 'uint8' | 'int4' | 'uint4';

export interface WeightQuantization {
  dtype: WeightDType;
  /** Symmetric (zero point 0, or the middle for unsigned types) or affine min/max. */
  symmetric: boolean;
  /** The channel axis; null quantizes the whole tensor with one scale. */
  axis: number | null;
  /** Blocks of this many values along `axis` (one scale per block). */
  blockSize?: number;
}

export interface QuantizedWeight {
  /** int8/uint8 values, or 4-bit values packed two per byte, low nibble first. */
  data: Int8Array | Uint8Array;
  /** One scale per channel or block (one in all for per tensor), in the parameter shape. */
  scale: Float32Array;
  /** Zero points as integers of the dtype's range, one per scale. */
  zeroPoint: Int32Array;
  /** Shape of scale and zeroPoint: [] per tensor, [C] per channel, the blocked shape for blocks. */
  paramShape: number[];
  spec: WeightQuantization;
}

/** Prefix a thrown error with the tensor it happened on. */
async function inTensor<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof Error) e.message = `tensor ${JSON.stringify(name)}: ${e.message}`;
    throw e;
  }
}

function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Reusable buffers for the per-tensor work (optional): fresh large allocations
 * are slow to fault in, so a caller going through many tensors can pass the same
 * buffers each time. Each must be at least as long as needed; a prefix is used,
 * and the results then live in these buffers until the next call.
 */
export interface WeightScratch {
  /** Bytes for the quantized values (n, or ceil(n / 2) for 4-bit). */
  data?: Int8Array | Uint8Array;
  /** n floats for the reconstruction. */
  reconstructed?: Float32Array;
  /** n 16-bit words for toHalfWeight. */
  half?: Uint16Array;
}

function bytesView<T extends Int8Array | Uint8Array>(buf: Int8Array | Uint8Array | undefined, Type: { new (b: ArrayBuffer, o: number, n: number): T }, n: number): T | undefined {
  if (!buf || buf.byteLength < n) return undefined;
  return new Type(buf.buffer as ArrayBuffer, buf.byteOffset, n);
}

function prefix<T extends Float32Array | Uint16Array>(buf: T | undefined, n: number): T | undefined {
  return buf && buf.length >= n ? (buf.subarray(0, n) as T) : undefined;
}

/** Quantize `x` and return the stored form and its dequantized reconstruction (into `scratch` when given). */
export function quantizeWeight(
  name: string,
  x: Float32Array,
  shape: readonly number[],
  spec: WeightQuantization,
  scratch?: WeightScratch,
): Promise<{ weight: QuantizedWeight; reconstructed: Float32Array }> {
  return inTensor(name, async () => {
    const recOut = prefix(scratch?.reconstructed, x.length);
    if (spec.blockSize !== undefined) {
      const axis = spec.axis ?? shape.length - 1;
      const fourBit = spec.dtype === 'int4' || spec.dtype === 'uint4';
      const out = spec.dtype === 'int8' ? bytesView(scratch?.data, Int8Array, x.length) : bytesView(scratch?.data, Uint8Array, fourBit ? Math.ceil(x.length / 2) : x.length);
      const t = await quantizeBlocksAsync(x, { blockSize: spec.blockSize, dtype: spec.dtype, symmetric: spec.symmetric, shape, axis, ...(out ? { out } : {}) });
      const paramShape = shape.slice();
      paramShape[axis] = Math.ceil(shape[axis] / spec.blockSize);
      const weight: QuantizedWeight = { data: t.data, scale: t.scales, zeroPoint: t.zeroPoints, paramShape, spec: { ...spec, axis } };
      return { weight, reconstructed: await dequantizeBlocksAsync(t, recOut ? { out: recOut } : undefined) };
    }
    if (spec.dtype === 'int4' || spec.dtype === 'uint4') {
      throw new RangeError(`${spec.dtype} needs a block size (4-bit weights are stored in blocks)`);
    }
    const perChannel = spec.axis !== null;
    const out = spec.dtype === 'int8' ? bytesView(scratch?.data, Int8Array, x.length) : bytesView(scratch?.data, Uint8Array, x.length);
    const t = await quantizeAsync(x, { dtype: spec.dtype, symmetric: spec.symmetric, ...(perChannel ? { axis: spec.axis!, shape } : {}), ...(out ? { out } : {}) });
    const scale = typeof t.scale === 'number' ? Float32Array.of(t.scale) : t.scale;
    const zp = typeof t.zeroPoint === 'number' ? Int32Array.of(t.zeroPoint) : Int32Array.from(t.zeroPoint);
    const paramShape = perChannel ? [shape[spec.axis!]] : [];
    const weight: QuantizedWeight = { data: t.data, scale, zeroPoint: zp, paramShape, spec };
    return { weight, reconstructed: await dequantizeAsync(t, recOut ? { out: recOut } : undefined) };
  });
}

/** Bytes a quantized weight takes: values plus float32 scales plus zero points of the dtype. */
export function quantizedWeightBytes(w: QuantizedWeight): number {
  const params = w.scale.length;
  const zpBytes = w.spec.dtype === 'int4' || w.spec.dtype === 'uint4' ? Math.ceil(params / 2) : params;
  return w.data.byteLength + 4 * params + zpBytes;
}

/** float32 → float16 (round half to even) and back, for the report. */
export function toHalfWeight(name: string, x: Float32Array, scratch?: WeightScratch): Promise<{ half: Uint16Array; reconstructed: Float32Array; overflowed: number }> {
  return inTensor(name, async () => {
    const half = prefix(scratch?.half, x.length);
    const rec = prefix(scratch?.reconstructed, x.length);
    const r = await toFloat16Async(x, half ? { out: half } : undefined);
    return { half: r.data, reconstructed: await fromFloat16Async(r.data, rec ? { out: rec } : undefined), overflowed: r.overflowed };
  });
}

export type PruneSpec =
  | { method: 'magnitude'; amount: number }
  /** Whole slices along `axis` (filters: the output channels; channels: the input channels), by Ln norm. */
  | { method: 'structured'; amount: number; axis: number; norm?: number }
  /** n of every m consecutive weights along `axis` are kept. */
  | { method: 'nm'; n: number; m: number; axis: number };

/** Prune `x` per `spec`; returns the pruned copy and its mask (1 = kept). */
export function pruneWeight(name: string, x: Float32Array, shape: readonly number[], spec: PruneSpec): Promise<{ pruned: Float32Array; mask: Uint8Array }> {
  return inTensor(name, async () => {
    let mask: Uint8Array;
    if (spec.method === 'magnitude') mask = await magnitudeMaskAsync(x, { amount: spec.amount });
    else if (spec.method === 'structured') mask = await lnStructuredMaskAsync(x, { shape: [...shape], axis: spec.axis, n: spec.norm ?? 2, amount: spec.amount });
    else mask = await nmMaskAsync(x, { n: spec.n, m: spec.m, shape: [...shape], axis: spec.axis });
    return { pruned: await applyMaskAsync(x, mask), mask };
  });
}

/** Fraction of exact zeros (±0) in x. */
export function zeroFraction(x: Float32Array): number {
  if (x.length === 0) return 0;
  let zeros = 0;
  for (let i = 0; i < x.length; i++) if (x[i] === 0) zeros++;
  return zeros / x.length;
}

/** What inspect reports of a float tensor: its sparsity and, with `bins` > 0, a histogram of its values (none when one is not finite). */
export function describeValues(x: Float32Array, bins: number): { sparsity: number; histogram?: { original: ReportHistogram } } {
  const sparsity = zeroFraction(x);
  const h = bins > 0 && x.length > 0 ? histogramOfFinite(x, bins) : null;
  return h ? { sparsity, histogram: { original: plainHistogram(h) } } : { sparsity };
}

export interface Measurement {
  error: ErrorMetrics;
  histogram?: { original: ReportHistogram; error: ReportHistogram };
}

const plainHistogram = (h: { edges: Float64Array; counts: Float64Array }): ReportHistogram => ({ edges: Array.from(h.edges), counts: Array.from(h.counts) });

/**
 * Error metrics of `reconstructed` against `original`, with histograms when `bins` > 0.
 * `scratch` (optional, ≥ original.length floats) holds the error values for the
 * histogram instead of a fresh array; the result is the same.
 */
export async function measure(original: Float32Array, reconstructed: Float32Array, bins: number, scratch?: Float32Array): Promise<Measurement> {
  const roomy = scratch && scratch.length >= original.length ? { scratch } : {};
  const r = await quantizationErrorAsync(original, reconstructed, bins > 0 ? { histogram: bins, ...roomy } : undefined);
  const { channels: _channels, histogram, ...error } = r;
  if (!histogram) return { error };
  return { error, histogram: { original: plainHistogram(histogram.original), error: plainHistogram(histogram.error) } };
}

export { count as elementCount };
