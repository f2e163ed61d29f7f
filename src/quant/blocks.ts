/**
 * Block-wise and per-row dynamic quantization: parameters found from the data for
 * every block of `blockSize` values along an axis (the formats of ONNX opset 21
 * `block_size`, bitsandbytes and llama.cpp), or for every row (the "adaptive"
 * quantization of activations and embeddings), in one pass over the data when the
 * blocks run along the last axis. Parameters follow qparamsFromRange (range.ts).
 */
import type { Backend, GroupLayout, LinearParams } from '../backends/backend.js';
import { getBackend } from '../backends/registry.js';
import { nonFiniteError, rangeError, typeError } from '../errors.js';
import { checkFloat32Array, checkOptions, checkOut } from '../validate.js';
import {
  blockedParamCount,
  checkAnyDType,
  checkBlockSize,
  checkDType,
  DTYPE_RANGE,
  qtypeOf,
  quantizedBytes,
  resolveLayout,
  type AxisLayout,
} from './params.js';
import { qparamsForRange } from './range.js';
import type { AnyQuantDType, QuantArray, QuantDType, QuantizedTensor } from './types.js';
import { dequantizeLinear, dequantizeLinearAsync } from './linear.js';

export interface BlockQuantizeOptions {
  /** Values per block along the axis (default 32). */
  blockSize?: number;
  /** 'int4' (default), 'uint4', 'int8' or 'uint8'. */
  dtype?: AnyQuantDType;
  /** Symmetric blocks (default for signed types) or affine min/max blocks. */
  symmetric?: boolean;
  /** Row-major shape of x (default [x.length]). */
  shape?: readonly number[];
  /** The blocked axis (default the last one). */
  axis?: number;
  out?: QuantArray;
}

/** What quantizeBlocks() returns and dequantizeBlocks() takes. */
export interface BlockQuantizedTensor {
  /** The values; a Uint8Array of ceil(n / 2) bytes for 4-bit types (low nibble first). */
  data: QuantArray;
  /** One per block, in the blocked parameter shape: shape with shape[axis] → ceil(shape[axis] / blockSize). */
  scales: Float32Array;
  /** One per block, as integers of the dtype's range. */
  zeroPoints: Int32Array;
  dtype: AnyQuantDType;
  symmetric: boolean;
  blockSize: number;
  axis: number;
  shape: number[];
}

interface BlockPlan {
  x: Float32Array;
  dtype: AnyQuantDType;
  symmetric: boolean;
  blockSize: number;
  layout: AxisLayout & { axis: number; shape: number[] };
  out: QuantArray;
  scales: Float32Array;
  zeroPoints: Int32Array;
}

function checkSymmetric(fn: string, value: unknown, dtype: AnyQuantDType): boolean {
  if (value !== undefined && typeof value !== 'boolean') throw typeError(fn, 'symmetric', 'a boolean', value);
  return (value as boolean | undefined) ?? DTYPE_RANGE[dtype][0] < 0;
}

function planBlocks(fn: string, xArg: unknown, optionsArg: unknown): BlockPlan {
  const x = checkFloat32Array(fn, 'x', xArg);
  const o = checkOptions(fn, optionsArg);
  const dtype = o.dtype === undefined ? 'int4' : checkAnyDType(fn, o.dtype);
  const symmetric = checkSymmetric(fn, o.symmetric, dtype);
  const blockSize = o.blockSize === undefined ? 32 : checkBlockSize(fn, o.blockSize);
  const shape = o.shape ?? [x.length];
  const axis = o.axis ?? -1;
  const resolved = resolveLayout(fn, x.length, 'x', axis, shape);
  const layout = { ...resolved, axis: resolved.axis!, shape: resolved.shape! };
  const count = x.length === 0 ? 0 : blockedParamCount(x.length, layout, blockSize);
  const Out = dtype === 'int8' ? Int8Array : Uint8Array;
  const bytes = quantizedBytes(x.length, dtype);
  const out = checkOut<QuantArray>(fn, o.out, Out, bytes) ?? new Out(bytes);
  return { x, dtype, symmetric, blockSize, layout, out, scales: new Float32Array(count), zeroPoints: new Int32Array(count) };
}

function groupsOf(p: BlockPlan): GroupLayout {
  return { cols: p.layout.axisLen, blockSize: p.blockSize, qtype: qtypeOf(p.dtype), symmetric: p.symmetric };
}

function blockedParams(p: BlockPlan): LinearParams {
  return { axisLen: p.layout.axisLen, inner: p.layout.inner, blockSize: p.blockSize, scales: p.scales, zeroPoints: p.zeroPoints, qtype: qtypeOf(p.dtype) };
}

/** Blocks across the last axis: two passes (range search, then quantize) with the parameters in between. */
function fillParams(fn: string, p: BlockPlan, mins: Float32Array, maxs: Float32Array, bad: number): void {
  if (bad >= 0) throw nonFiniteError(fn, 'x', bad, p.x[bad]);
  const [qmin, qmax] = DTYPE_RANGE[p.dtype];
  for (let b = 0; b < p.scales.length; b++) {
    const qp = qparamsForRange(mins[b], maxs[b], qmin, qmax, p.symmetric);
    p.scales[b] = qp.scale;
    p.zeroPoints[b] = qp.zeroPoint;
  }
}

function tensorOf(p: BlockPlan): BlockQuantizedTensor {
  return {
    data: p.out,
    scales: p.scales,
    zeroPoints: p.zeroPoints,
    dtype: p.dtype,
    symmetric: p.symmetric,
    blockSize: p.blockSize,
    axis: p.layout.axis,
    shape: p.layout.shape,
  };
}

/**
 * Block-wise quantization with parameters from each block's range: symmetric
 * int4 blocks of 32 by default (llama.cpp Q4_0-like; affine uint4 is Q4_1-like,
 * symmetric int8 Q8_0-like). Along the last axis it is one pass: each block's
 * range is found and the block quantized while it is in cache. Throws on NaN/±Inf.
 */
export function quantizeBlocks(x: Float32Array, options?: BlockQuantizeOptions): BlockQuantizedTensor {
  const fn = 'quantizeBlocks';
  const p = planBlocks(fn, x, options);
  if (p.x.length === 0) return tensorOf(p);
  const backend: Backend = getBackend();
  if (p.layout.inner === 1) {
    const bad = backend.quantizeGroups(p.x, p.out, groupsOf(p), p.scales, p.zeroPoints);
    if (bad >= 0) throw nonFiniteError(fn, 'x', bad, p.x[bad]);
    return tensorOf(p);
  }
  const mins = new Float32Array(p.scales.length).fill(Infinity);
  const maxs = new Float32Array(p.scales.length).fill(-Infinity);
  const layout = { axisLen: p.layout.axisLen, inner: p.layout.inner, blockSize: p.blockSize };
  fillParams(fn, p, mins, maxs, backend.minMax(p.x, layout, mins, maxs));
  backend.quantizeLinear(p.x, p.out, blockedParams(p));
  return tensorOf(p);
}

/** quantizeBlocks() off the JS thread. Do not modify x until the promise settles. */
export async function quantizeBlocksAsync(x: Float32Array, options?: BlockQuantizeOptions): Promise<BlockQuantizedTensor> {
  const fn = 'quantizeBlocksAsync';
  const p = planBlocks(fn, x, options);
  if (p.x.length === 0) return tensorOf(p);
  const backend: Backend = getBackend();
  if (p.layout.inner === 1) {
    const bad = await backend.quantizeGroupsAsync(p.x, p.out, groupsOf(p), p.scales, p.zeroPoints);
    if (bad >= 0) throw nonFiniteError(fn, 'x', bad, p.x[bad]);
    return tensorOf(p);
  }
  const mins = new Float32Array(p.scales.length).fill(Infinity);
  const maxs = new Float32Array(p.scales.length).fill(-Infinity);
  const layout = { axisLen: p.layout.axisLen, inner: p.layout.inner, blockSize: p.blockSize };
  fillParams(fn, p, mins, maxs, await backend.minMaxAsync(p.x, layout, mins, maxs));
  await backend.quantizeLinearAsync(p.x, p.out, blockedParams(p));
  return tensorOf(p);
}

function checkBlockTensor(fn: string, t: unknown): BlockQuantizedTensor {
  if (t === null || typeof t !== 'object' || !('data' in t) || !('scales' in t) || !('blockSize' in t)) {
    throw typeError(fn, 'tensor', 'a BlockQuantizedTensor returned by quantizeBlocks()', t);
  }
  return t as BlockQuantizedTensor;
}

function blockDequantizeOptions(t: BlockQuantizedTensor, out: unknown) {
  return { scale: t.scales, zeroPoint: t.zeroPoints, axis: t.axis, shape: t.shape, blockSize: t.blockSize, dtype: t.dtype, out: out as Float32Array | undefined };
}

/** Inverse of quantizeBlocks(): blocked DequantizeLinear back to float32. */
export function dequantizeBlocks(tensor: BlockQuantizedTensor, options?: { out?: Float32Array }): Float32Array {
  const t = checkBlockTensor('dequantizeBlocks', tensor);
  const o = checkOptions('dequantizeBlocks', options);
  return dequantizeLinear(t.data, blockDequantizeOptions(t, o.out));
}

export async function dequantizeBlocksAsync(tensor: BlockQuantizedTensor, options?: { out?: Float32Array }): Promise<Float32Array> {
  const t = checkBlockTensor('dequantizeBlocksAsync', tensor);
  const o = checkOptions('dequantizeBlocksAsync', options);
  return dequantizeLinearAsync(t.data, blockDequantizeOptions(t, o.out));
}

export interface RowQuantizeOptions {
  /** [rows, cols], or any shape whose last dimension is the row length. */
  shape: readonly number[];
  /** 'int8' (default) or 'uint8'. */
  dtype?: QuantDType;
  /** Symmetric (default for int8) or affine rows (default for uint8). */
  symmetric?: boolean;
  out?: QuantArray;
}

interface RowPlan {
  x: Float32Array;
  dtype: QuantDType;
  symmetric: boolean;
  rows: number;
  cols: number;
  out: QuantArray;
  scales: Float32Array;
  zeroPoints: Int32Array;
}

function planRows(fn: string, xArg: unknown, optionsArg: unknown): RowPlan {
  const x = checkFloat32Array(fn, 'x', xArg);
  const o = checkOptions(fn, optionsArg);
  if (o.shape === undefined) throw typeError(fn, 'shape', 'given ([rows, cols])', undefined);
  const layout = resolveLayout(fn, x.length, 'x', -1, o.shape);
  const cols = layout.axisLen;
  if (cols === 0 && x.length === 0 && layout.shape!.length === 0) throw rangeError(fn, 'shape', 'of rank ≥ 1', o.shape);
  const rows = cols === 0 ? 0 : x.length / cols;
  const dtype = o.dtype === undefined ? 'int8' : checkDType(fn, o.dtype);
  const symmetric = checkSymmetric(fn, o.symmetric, dtype);
  const Out = dtype === 'int8' ? Int8Array : Uint8Array;
  const out = checkOut<QuantArray>(fn, o.out, Out, x.length) ?? new Out(x.length);
  return { x, dtype, symmetric, rows, cols, out, scales: new Float32Array(rows), zeroPoints: new Int32Array(rows) };
}

function rowTensor(p: RowPlan): QuantizedTensor {
  const ZP = p.dtype === 'int8' ? Int8Array : Uint8Array;
  return { data: p.out, scale: p.scales, zeroPoint: ZP.from(p.zeroPoints), dtype: p.dtype, symmetric: p.symmetric, axis: 0, shape: [p.rows, p.cols] };
}

/**
 * Per-row dynamic quantization: every row (the last dimension) gets its own scale
 * (and zero point if affine), found and applied in one pass. Returns a
 * QuantizedTensor per axis 0 of shape [rows, cols], which dequantize() inverts.
 */
export function quantizeRows(x: Float32Array, options: RowQuantizeOptions): QuantizedTensor {
  const fn = 'quantizeRows';
  const p = planRows(fn, x, options);
  if (p.x.length > 0) {
    const g: GroupLayout = { cols: p.cols, blockSize: p.cols, qtype: qtypeOf(p.dtype), symmetric: p.symmetric };
    const bad = getBackend().quantizeGroups(p.x, p.out, g, p.scales, p.zeroPoints);
    if (bad >= 0) throw nonFiniteError(fn, 'x', bad, p.x[bad]);
  }
  return rowTensor(p);
}

/** quantizeRows() off the JS thread. Do not modify x until the promise settles. */
export async function quantizeRowsAsync(x: Float32Array, options: RowQuantizeOptions): Promise<QuantizedTensor> {
  const fn = 'quantizeRowsAsync';
  const p = planRows(fn, x, options);
  if (p.x.length > 0) {
    const g: GroupLayout = { cols: p.cols, blockSize: p.cols, qtype: qtypeOf(p.dtype), symmetric: p.symmetric };
    const bad = await getBackend().quantizeGroupsAsync(p.x, p.out, g, p.scales, p.zeroPoints);
    if (bad >= 0) throw nonFiniteError(fn, 'x', bad, p.x[bad]);
  }
  return rowTensor(p);
}
