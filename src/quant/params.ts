/**
 * Turns the user's scale / zeroPoint / axis / shape into the backend's LinearParams,
 * validating each on the way (ONNX QuantizeLinear / DequantizeLinear rules).
 */
import type { LinearParams, QType } from '../backends/backend.js';
import { QTYPE_INT4, QTYPE_INT8, QTYPE_UINT4, QTYPE_UINT8 } from '../backends/backend.js';
import { rangeError, shapeError, typeError } from '../errors.js';
import { checkAxis, checkShape } from '../validate.js';
import type { AnyQuantDType, QuantDType } from './types.js';

export const DTYPE_RANGE: Record<AnyQuantDType, [number, number]> = { int8: [-128, 127], uint8: [0, 255], int4: [-8, 7], uint4: [0, 15] };

const QTYPES: Record<AnyQuantDType, QType> = { int8: QTYPE_INT8, uint8: QTYPE_UINT8, int4: QTYPE_INT4, uint4: QTYPE_UINT4 };

export function qtypeOf(dtype: AnyQuantDType): QType {
  return QTYPES[dtype];
}

export function is4Bit(dtype: AnyQuantDType): dtype is 'int4' | 'uint4' {
  return dtype === 'int4' || dtype === 'uint4';
}

/** Bytes holding n quantized values: packed two per byte for 4-bit types. */
export function quantizedBytes(n: number, dtype: AnyQuantDType): number {
  return is4Bit(dtype) ? Math.ceil(n / 2) : n;
}

export function checkDType(fn: string, dtype: unknown): QuantDType {
  if (dtype !== 'int8' && dtype !== 'uint8') throw rangeError(fn, 'dtype', '"int8" or "uint8"', dtype);
  return dtype;
}

export function checkAnyDType(fn: string, dtype: unknown): AnyQuantDType {
  if (dtype !== 'int8' && dtype !== 'uint8' && dtype !== 'int4' && dtype !== 'uint4') {
    throw rangeError(fn, 'dtype', '"int8", "uint8", "int4" or "uint4"', dtype);
  }
  return dtype;
}

/** The blocked layout of ONNX opset 21: parameters [outer, ceil(axisLen / blockSize), inner]. */
export function blockedParamCount(length: number, layout: AxisLayout, blockSize: number): number {
  const slice = layout.axisLen * layout.inner;
  const outer = slice === 0 ? 0 : length / slice;
  return outer * Math.ceil(layout.axisLen / blockSize) * layout.inner;
}

export function checkBlockSize(fn: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw rangeError(fn, 'blockSize', 'an integer ≥ 1', value);
  }
  return value;
}

/** The [outer, axisLen, inner] view of a tensor along an axis. */
export interface AxisLayout {
  axis: number | undefined;
  shape: number[] | undefined;
  axisLen: number;
  inner: number;
}

export function resolveLayout(fn: string, length: number, lengthArg: string, axisOpt: unknown, shapeOpt: unknown): AxisLayout {
  const shape = shapeOpt === undefined ? undefined : checkShape(fn, shapeOpt, length, lengthArg);
  if (axisOpt === undefined) return { axis: undefined, shape, axisLen: 1, inner: 1 };
  if (shape === undefined) throw typeError(fn, 'shape', `given with axis (the shape of ${lengthArg})`, undefined);
  const axis = checkAxis(fn, axisOpt, shape.length);
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  return { axis, shape, axisLen: shape[axis], inner: Math.max(inner, 1) };
}

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/**
 * Scales as float32, each finite and > 0 after rounding to float32. A scalar or a
 * one-element array is per tensor; otherwise the count must be shape[axis].
 */
export function resolveScales(fn: string, scale: unknown, layout: AxisLayout): { scales: Float32Array; perAxis: boolean } {
  if (typeof scale === 'number') return { scales: checkedScales(fn, [scale], false), perAxis: false };
  if (!isArrayLike(scale) || scale instanceof BigInt64Array || scale instanceof BigUint64Array) {
    throw typeError(fn, 'scale', 'a number or an array of numbers', scale);
  }
  if (scale.length === 1 && layout.axis === undefined) return { scales: checkedScales(fn, scale, false), perAxis: false };
  if (layout.axis === undefined) {
    throw typeError(fn, 'axis', `given with ${scale.length} scales (per-axis parameters need axis and shape)`, undefined);
  }
  if (scale.length !== layout.axisLen) {
    throw shapeError(fn, 'scale', `of length shape[${layout.axis}] = ${layout.axisLen}`, `length ${scale.length}`);
  }
  return { scales: checkedScales(fn, scale, true), perAxis: true };
}

export function checkedScales(fn: string, values: ArrayLike<unknown>, indexed: boolean): Float32Array {
  // Fast path: blocked layouts pass a Float32Array with a scale per block. It is
  // used as it is (inputs must not change until a call returns or settles); a copy
  // of megabytes of fresh memory would cost more than the kernel.
  if (values instanceof Float32Array && allPositiveFinite(values)) return values;
  const scales = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // The name is only built for an error: blocked layouts pass a scale per block.
    if (typeof v !== 'number') throw typeError(fn, indexed ? `scale[${i}]` : 'scale', 'a number', v);
    const f = Math.fround(v);
    if (!(Number.isFinite(f) && f > 0)) {
      const expected = f === 0 && v > 0 ? 'finite and > 0 as a float32 (it underflows to 0)' : 'finite and > 0';
      throw rangeError(fn, indexed ? `scale[${i}]` : 'scale', expected, v);
    }
    scales[i] = f;
  }
  return scales;
}

function allPositiveFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!(a[i] > 0 && a[i] < Infinity)) return false;
  return true;
}

function allInRange(a: Int32Array | Int8Array | Uint8Array, lo: number, hi: number): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] < lo || a[i] > hi) return false;
  return true;
}

/** Blocked scales: exactly `count` of them (x's shape with shape[axis] → ceil(shape[axis] / blockSize)). */
export function resolveBlockedScales(fn: string, scale: unknown, count: number): Float32Array {
  if (!isArrayLike(scale) || scale instanceof BigInt64Array || scale instanceof BigUint64Array) {
    throw typeError(fn, 'scale', `an array of ${count} numbers (one per block)`, scale);
  }
  if (scale.length !== count) throw shapeError(fn, 'scale', `of length ${count} (one per block)`, `length ${scale.length}`);
  return checkedScales(fn, scale, true);
}

/** Zero points as int32, integers inside the dtype's range, one per scale. */
export function resolveZeroPoints(fn: string, zeroPoint: unknown, count: number, dtype: AnyQuantDType): Int32Array {
  const [qmin, qmax] = DTYPE_RANGE[dtype];
  const zps = new Int32Array(count);
  if (zeroPoint === undefined) return zps;
  let values: ArrayLike<unknown>;
  if (typeof zeroPoint === 'number') {
    values = new Array<number>(count).fill(zeroPoint);
  } else if (isArrayLike(zeroPoint) && !(zeroPoint instanceof BigInt64Array || zeroPoint instanceof BigUint64Array)) {
    values = zeroPoint;
    if (values.length !== count) throw shapeError(fn, 'zeroPoint', `of length ${count} (one per scale)`, `length ${values.length}`);
  } else {
    throw typeError(fn, 'zeroPoint', 'an integer or an array of integers', zeroPoint);
  }
  // Fast path for typed zero points (one per block in blocked layouts).
  if (values instanceof Int32Array && allInRange(values, qmin, qmax)) return values;
  if ((values instanceof Int8Array || values instanceof Uint8Array) && allInRange(values, qmin, qmax)) return new Int32Array(values);
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < qmin || v > qmax) {
      const name = typeof zeroPoint === 'number' ? 'zeroPoint' : `zeroPoint[${i}]`;
      if (typeof v !== 'number' || !Number.isInteger(v)) throw typeError(fn, name, 'an integer', v);
      throw rangeError(fn, name, `in [${qmin}, ${qmax}] for ${dtype}`, v);
    }
    zps[i] = v;
  }
  return zps;
}

export function linearParams(layout: AxisLayout, perAxis: boolean, scales: Float32Array, zeroPoints: Int32Array, dtype: AnyQuantDType): LinearParams {
  return perAxis
    ? { axisLen: layout.axisLen, inner: layout.inner, scales, zeroPoints, qtype: qtypeOf(dtype) }
    : { axisLen: 1, inner: 1, scales, zeroPoints, qtype: qtypeOf(dtype) };
}
