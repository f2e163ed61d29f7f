/**
 * ONNX QuantizeLinear and DequantizeLinear with given parameters.
 *
 *   quantize:   q  = saturate(round_half_to_even(x / scale) + zeroPoint)   (NaN → zeroPoint, ±Inf saturate)
 *   dequantize: x' = (q - zeroPoint) * scale                               (float32)
 */
import type { LinearParams } from '../backends/backend.js';
import { getBackend } from '../backends/registry.js';
import { rangeError } from '../errors.js';
import { checkByteArray, checkFloat32Array, checkOptions, checkOut } from '../validate.js';
import { checkDType, linearParams, resolveLayout, resolveScales, resolveZeroPoints } from './params.js';
import type { DequantizeLinearOptions, QuantArray, QuantDType, QuantizeLinearOptions } from './types.js';

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

function prepareQuantize(fn: string, xArg: unknown, optionsArg: unknown): QuantizeCall {
  const x = checkFloat32Array(fn, 'x', xArg);
  const o = checkOptions(fn, optionsArg);
  if (optionsArg === undefined || o.scale === undefined) throw rangeError(fn, 'options.scale', 'given', undefined);
  const zpType = dtypeOfZeroPoint(o.zeroPoint);
  const dtype = o.dtype === undefined ? zpType ?? 'uint8' : checkDType(fn, o.dtype);
  if (zpType !== undefined && zpType !== dtype) {
    throw rangeError(fn, 'zeroPoint', `an array of the output type (${dtype})`, o.zeroPoint);
  }
  const layout = resolveLayout(fn, x.length, 'x', o.axis, o.shape);
  const { scales, perAxis } = resolveScales(fn, o.scale, layout);
  const zeroPoints = resolveZeroPoints(fn, o.zeroPoint, scales.length, dtype);
  const Out = dtype === 'int8' ? Int8Array : Uint8Array;
  const out = checkOut<QuantArray>(fn, o.out, Out, x.length) ?? new Out(x.length);
  return { x, out, params: linearParams(layout, perAxis, scales, zeroPoints, dtype) };
}

function prepareDequantize(fn: string, qArg: unknown, optionsArg: unknown): DequantizeCall {
  const q = checkByteArray(fn, 'q', qArg);
  const o = checkOptions(fn, optionsArg);
  if (optionsArg === undefined || o.scale === undefined) throw rangeError(fn, 'options.scale', 'given', undefined);
  const dtype: QuantDType = q instanceof Int8Array ? 'int8' : 'uint8';
  const zpType = dtypeOfZeroPoint(o.zeroPoint);
  if (zpType !== undefined && zpType !== dtype) {
    throw rangeError(fn, 'zeroPoint', `an array of q's type (${q.constructor.name})`, o.zeroPoint);
  }
  const layout = resolveLayout(fn, q.length, 'q', o.axis, o.shape);
  const { scales, perAxis } = resolveScales(fn, o.scale, layout);
  const zeroPoints = resolveZeroPoints(fn, o.zeroPoint, scales.length, dtype);
  const out = checkOut(fn, o.out, Float32Array, q.length) ?? new Float32Array(q.length);
  return { q, out, params: linearParams(layout, perAxis, scales, zeroPoints, dtype) };
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
  if (c.q.length > 0) getBackend().dequantizeLinear(c.q, c.out, c.params);
  return c.out;
}

/** DequantizeLinear off the JS thread. Do not modify q or out until the promise settles. */
export async function dequantizeLinearAsync(q: QuantArray, options: DequantizeLinearOptions): Promise<Float32Array> {
  const c = prepareDequantize('dequantizeLinearAsync', q, options);
  if (c.q.length > 0) await getBackend().dequantizeLinearAsync(c.q, c.out, c.params);
  return c.out;
}
