/**
 * ONNX QuantizeLinear and DequantizeLinear with given parameters.
 *
 *   quantize:   q  = saturate(round_half_to_even(x / scale) + zeroPoint)   (NaN → zeroPoint, ±Inf saturate)
 *   dequantize: x' = (q - zeroPoint) * scale                               (float32)
 */
import type { LinearParams } from '../backends/backend.js';
import { getBackend } from '../backends/registry.js';
import { rangeError, shapeError, typeError } from '../errors.js';
import { checkByteArray, checkFloat32Array, checkOptions, checkOut } from '../validate.js';
import {
  blockedParamCount,
  checkAnyDType,
  checkBlockSize,
  is4Bit,
  linearParams,
  qtypeOf,
  quantizedBytes,
  resolveBlockedScales,
  resolveLayout,
  resolveScales,
  resolveZeroPoints,
} from './params.js';
import type { AnyQuantDType, DequantizeLinearOptions, QuantArray, QuantDType, QuantizeLinearOptions } from './types.js';

interface QuantizeCall {
  x: Float32Array;
  out: QuantArray;
  params: LinearParams;
}

interface DequantizeCall {
  q: QuantArray;
  out: Float32Array;
  params: LinearParams;
}

function dtypeOfZeroPoint(zeroPoint: unknown): QuantDType | undefined {
  if (zeroPoint instanceof Int8Array) return 'int8';
  if (zeroPoint instanceof Uint8Array) return 'uint8';
  return undefined;
}

/** Layout and parameters, per tensor / per axis, or blocked with options.blockSize. */
function resolveParams(fn: string, o: Record<string, unknown>, n: number, lengthArg: string, dtype: AnyQuantDType): LinearParams {
  const layout = resolveLayout(fn, n, lengthArg, o.axis, o.shape);
  if (o.blockSize === undefined) {
    const { scales, perAxis } = resolveScales(fn, o.scale, layout);
    const zeroPoints = resolveZeroPoints(fn, o.zeroPoint, scales.length, dtype);
    return linearParams(layout, perAxis, scales, zeroPoints, dtype);
  }
  const blockSize = checkBlockSize(fn, o.blockSize);
  if (layout.axis === undefined) throw typeError(fn, 'axis', 'given with blockSize (with shape)', undefined);
  const scales = resolveBlockedScales(fn, o.scale, blockedParamCount(n, layout, blockSize));
  const zeroPoints = resolveZeroPoints(fn, o.zeroPoint, scales.length, dtype);
  return { axisLen: layout.axisLen, inner: layout.inner, scales, zeroPoints, qtype: qtypeOf(dtype), blockSize };
}

function prepareQuantize(fn: string, xArg: unknown, optionsArg: unknown): QuantizeCall {
  const x = checkFloat32Array(fn, 'x', xArg);
  const o = checkOptions(fn, optionsArg);
  if (optionsArg === undefined || o.scale === undefined) throw rangeError(fn, 'options.scale', 'given', undefined);
  const zpType = dtypeOfZeroPoint(o.zeroPoint);
  const dtype = o.dtype === undefined ? zpType ?? 'uint8' : checkAnyDType(fn, o.dtype);
  if (zpType !== undefined && zpType !== dtype) {
    throw rangeError(fn, 'zeroPoint', `an array of the output type (${dtype})`, o.zeroPoint);
  }
  const params = resolveParams(fn, o, x.length, 'x', dtype);
  const Out = dtype === 'int8' ? Int8Array : Uint8Array;
  const bytes = quantizedBytes(x.length, dtype);
  const out = checkOut<QuantArray>(fn, o.out, Out, bytes) ?? new Out(bytes);
  return { x, out, params };
}

function prepareDequantize(fn: string, qArg: unknown, optionsArg: unknown): DequantizeCall {
  const q = checkByteArray(fn, 'q', qArg);
  const o = checkOptions(fn, optionsArg);
  if (optionsArg === undefined || o.scale === undefined) throw rangeError(fn, 'options.scale', 'given', undefined);
  const dtype: AnyQuantDType = o.dtype === undefined ? (q instanceof Int8Array ? 'int8' : 'uint8') : checkAnyDType(fn, o.dtype);
  if ((dtype === 'int8') !== q instanceof Int8Array) {
    throw typeError(fn, 'q', `${dtype === 'int8' ? 'an Int8Array' : 'a Uint8Array'} for dtype ${dtype}`, q);
  }
  const zpType = dtypeOfZeroPoint(o.zeroPoint);
  if (zpType !== undefined && !is4Bit(dtype) && zpType !== dtype) {
    throw rangeError(fn, 'zeroPoint', `an array of q's type (${q.constructor.name})`, o.zeroPoint);
  }
  // 4-bit data: the element count is the shape's, else two per byte.
  let n = q.length;
  if (is4Bit(dtype)) {
    n = Array.isArray(o.shape) ? o.shape.reduce((a: number, d: unknown) => a * (typeof d === 'number' ? d : NaN), 1) : 2 * q.length;
    if (!(Number.isSafeInteger(n) && quantizedBytes(n, dtype) === q.length)) {
      throw shapeError(fn, 'q', `of ceil(n / 2) bytes for the ${dtype} elements of shape`, `${q.length} bytes`);
    }
  }
  const params = resolveParams(fn, o, n, 'q', dtype);
  const out = checkOut(fn, o.out, Float32Array, n) ?? new Float32Array(n);
  return { q, out, params };
}

/** ONNX QuantizeLinear. Returns `options.out` if given, else a new array. */
export function quantizeLinear(x: Float32Array, options: QuantizeLinearOptions): QuantArray {
  const c = prepareQuantize('quantizeLinear', x, options);
  if (c.x.length > 0) getBackend().quantizeLinear(c.x, c.out, c.params);
  return c.out;
}

/** QuantizeLinear off the JS thread. Do not modify x or out until the promise settles. */
export async function quantizeLinearAsync(x: Float32Array, options: QuantizeLinearOptions): Promise<QuantArray> {
  const c = prepareQuantize('quantizeLinearAsync', x, options);
  if (c.x.length > 0) await getBackend().quantizeLinearAsync(c.x, c.out, c.params);
  return c.out;
}

/** ONNX DequantizeLinear. The dtype is q's type (Int8Array or Uint8Array). */
export function dequantizeLinear(q: QuantArray, options: DequantizeLinearOptions): Float32Array {
  const c = prepareDequantize('dequantizeLinear', q, options);
  if (c.out.length > 0) getBackend().dequantizeLinear(c.q, c.out, c.params);
  return c.out;
}

/** DequantizeLinear off the JS thread. Do not modify q or out until the promise settles. */
export async function dequantizeLinearAsync(q: QuantArray, options: DequantizeLinearOptions): Promise<Float32Array> {
  const c = prepareDequantize('dequantizeLinearAsync', q, options);
  if (c.out.length > 0) await getBackend().dequantizeLinearAsync(c.q, c.out, c.params);
  return c.out;
}
