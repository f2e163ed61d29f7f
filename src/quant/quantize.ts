/**
 * quantize(): find the range (per tensor or per axis), derive scale and zero point
 * (range.ts), then QuantizeLinear. dequantize() inverts it.
 */
import type { Backend, RangeLayout } from '../backends/backend.js';
import { getBackend } from '../backends/registry.js';
import { nonFiniteError, typeError } from '../errors.js';
import { checkFloat32Array, checkOptions, checkOut } from '../validate.js';
import { dequantizeLinear, dequantizeLinearAsync } from './linear.js';
import { checkDType, linearParams, resolveLayout, type AxisLayout } from './params.js';
import { qparamsFromRange } from './range.js';
import type { QuantArray, QuantDType, QuantizedTensor, QuantizeOptions } from './types.js';

interface Plan {
  x: Float32Array;
  dtype: QuantDType;
  symmetric: boolean;
  layout: AxisLayout;
  out: QuantArray;
  mins: Float32Array;
  maxs: Float32Array;
}

function plan(fn: string, xArg: unknown, optionsArg: unknown, withOutput = true): Plan {
  const x = checkFloat32Array(fn, 'x', xArg);
  const o = checkOptions(fn, optionsArg);
  const dtype = o.dtype === undefined ? 'int8' : checkDType(fn, o.dtype);
  if (o.symmetric !== undefined && typeof o.symmetric !== 'boolean') throw typeError(fn, 'symmetric', 'a boolean', o.symmetric);
  const symmetric = (o.symmetric as boolean | undefined) ?? dtype === 'int8';
  const layout = resolveLayout(fn, x.length, 'x', o.axis, o.shape);
  const Out = dtype === 'int8' ? Int8Array : Uint8Array;
  const out = checkOut<QuantArray>(fn, o.out, Out, x.length) ?? (withOutput ? new Out(x.length) : new Out(0));
  const mins = new Float32Array(layout.axisLen).fill(Infinity);
  const maxs = new Float32Array(layout.axisLen).fill(-Infinity);
  return { x, dtype, symmetric, layout, out, mins, maxs };
}

function rangeLayout(p: Plan): RangeLayout {
  return { axisLen: p.layout.axisLen, inner: p.layout.inner };
}

function finish(fn: string, p: Plan, badIndex: number): { tensor: QuantizedTensor; params: ReturnType<typeof linearParams> } {
  if (badIndex >= 0) throw nonFiniteError(fn, 'x', badIndex, p.x[badIndex]);
  const n = p.layout.axisLen;
  const scales = new Float32Array(n);
  const zeroPoints = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    // An empty slice leaves min = +Inf, max = -Inf: treat as the range [0, 0].
    const lo = p.mins[k] === Infinity ? 0 : p.mins[k];
    const hi = p.maxs[k] === -Infinity ? 0 : p.maxs[k];
    const qp = qparamsFromRange(lo, hi, p.dtype, p.symmetric);
    scales[k] = qp.scale;
    zeroPoints[k] = qp.zeroPoint;
  }
  const perAxis = p.layout.axis !== undefined;
  const ZP = p.dtype === 'int8' ? Int8Array : Uint8Array;
  const tensor: QuantizedTensor = {
    data: p.out,
    scale: perAxis ? scales : scales[0],
    zeroPoint: perAxis ? ZP.from(zeroPoints) : zeroPoints[0],
    dtype: p.dtype,
    symmetric: p.symmetric,
    axis: p.layout.axis,
    shape: p.layout.shape,
  };
  return { tensor, params: linearParams(p.layout, perAxis, scales, zeroPoints, p.dtype) };
}

/**
 * Quantize with parameters found from the data: symmetric int8 (default), or
 * affine uint8 equal to ONNX DynamicQuantizeLinear (dtype 'uint8'); per tensor,
 * or per axis with `axis` and `shape`. Throws on NaN/±Inf, naming the first index.
 */
export function quantize(x: Float32Array, options?: QuantizeOptions): QuantizedTensor {
  const p = plan('quantize', x, options);
  const backend: Backend = getBackend();
  const bad = p.x.length > 0 ? backend.minMax(p.x, rangeLayout(p), p.mins, p.maxs) : -1;
  const { tensor, params } = finish('quantize', p, bad);
  if (p.x.length > 0) backend.quantizeLinear(p.x, p.out, params);
  return tensor;
}

/** quantize() off the JS thread. Do not modify x until the promise settles. */
export async function quantizeAsync(x: Float32Array, options?: QuantizeOptions): Promise<QuantizedTensor> {
  const p = plan('quantizeAsync', x, options);
  const backend: Backend = getBackend();
  const bad = p.x.length > 0 ? await backend.minMaxAsync(p.x, rangeLayout(p), p.mins, p.maxs) : -1;
  const { tensor, params } = finish('quantizeAsync', p, bad);
  if (p.x.length > 0) await backend.quantizeLinearAsync(p.x, p.out, params);
  return tensor;
}

function checkTensor(fn: string, t: unknown): QuantizedTensor {
  if (t === null || typeof t !== 'object' || !('data' in t) || !('scale' in t)) {
    throw typeError(fn, 'tensor', 'a QuantizedTensor returned by quantize()', t);
  }
  return t as QuantizedTensor;
}

/** Inverse of quantize(): (q - zeroPoint) * scale as float32. */
export function dequantize(tensor: QuantizedTensor, options?: { out?: Float32Array }): Float32Array {
  const t = checkTensor('dequantize', tensor);
  const o = checkOptions('dequantize', options);
  return dequantizeLinear(t.data, { scale: t.scale, zeroPoint: t.zeroPoint, axis: t.axis, shape: t.shape, out: o.out as Float32Array | undefined });
}

export async function dequantizeAsync(tensor: QuantizedTensor, options?: { out?: Float32Array }): Promise<Float32Array> {
  const t = checkTensor('dequantizeAsync', tensor);
  const o = checkOptions('dequantizeAsync', options);
  return dequantizeLinearAsync(t.data, { scale: t.scale, zeroPoint: t.zeroPoint, axis: t.axis, shape: t.shape, out: o.out as Float32Array | undefined });
}


export interface Range {
  /** A number per tensor; a Float32Array of shape[axis] values per axis. Empty slices give 0. */
  min: number | Float32Array;
  max: number | Float32Array;
}

function rangeResult(p: Plan, badIndex: number, fn: string): Range {
  if (badIndex >= 0) throw nonFiniteError(fn, 'x', badIndex, p.x[badIndex]);
  const fix = (a: Float32Array, empty: number) => a.map((v) => (v === empty ? 0 : v));
  const mins = fix(p.mins, Infinity);
  const maxs = fix(p.maxs, -Infinity);
  return p.layout.axis === undefined ? { min: mins[0], max: maxs[0] } : { min: mins, max: maxs };
}

/** Minimum and maximum of x, per tensor or per axis (the range search of quantize()). */
export function findRange(x: Float32Array, options?: { axis?: number; shape?: readonly number[] }): Range {
  const p = plan('findRange', x, { axis: options?.axis, shape: options?.shape }, false);
  const bad = p.x.length > 0 ? getBackend().minMax(p.x, rangeLayout(p), p.mins, p.maxs) : -1;
  return rangeResult(p, bad, 'findRange');
}

export async function findRangeAsync(x: Float32Array, options?: { axis?: number; shape?: readonly number[] }): Promise<Range> {
  const p = plan('findRangeAsync', x, { axis: options?.axis, shape: options?.shape }, false);
  const bad = p.x.length > 0 ? await getBackend().minMaxAsync(p.x, rangeLayout(p), p.mins, p.maxs) : -1;
  return rangeResult(p, bad, 'findRangeAsync');
}
