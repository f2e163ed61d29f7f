/**
 * Fake quantization for quantization-aware training (QAT).
 *
 * The forward pass quantizes and dequantizes in one step:
 *   values = DequantizeLinear(QuantizeLinear(x)), bit for bit, with the same ONNX
 *   parameters and rules as quantizeLinear().
 * It also returns the straight-through estimator's mask: 1 where
 *   round_half_to_even(x / scale) + zeroPoint fell inside the dtype's range (the
 *   value was not clamped), 0 where it was clamped, and 0 for NaN and ±Inf.
 * The backward pass passes the gradient where the mask is 1 and zeroes it elsewhere,
 * as PyTorch's fake_quantize_per_tensor_affine / per_channel_affine do. (PyTorch
 * multiplies by 1/scale where ONNX divides, so the two can differ by one step at
 * exact ties.)
 */
import { getBackend } from '../backends/registry.js';
import { rangeError, shapeError, typeError } from '../errors.js';
import { checkFloat32Array, checkOptions, checkOut } from '../validate.js';
import { checkDType, linearParams, resolveLayout, resolveScales, resolveZeroPoints } from './params.js';
import type { QuantDType, ScaleInput, ZeroPointInput } from './types.js';

export interface FakeQuantizeOptions {
  scale: ScaleInput;
  zeroPoint?: ZeroPointInput;
  /** The integer type simulated: 'int8' (default) or 'uint8'. */
  dtype?: QuantDType;
  axis?: number;
  shape?: readonly number[];
  /** Write the values here (Float32Array of x.length). */
  out?: Float32Array;
  /** Write the mask here (Uint8Array of x.length). */
  mask?: Uint8Array;
}

export interface FakeQuantizeResult {
  /** dequantize(quantize(x)). */
  values: Float32Array;
  /** 1 where the gradient passes (x was representable), 0 where it is blocked. */
  mask: Uint8Array;
}

function prepare(fn: string, xArg: unknown, optionsArg: unknown) {
  const x = checkFloat32Array(fn, 'x', xArg);
  const o = checkOptions(fn, optionsArg);
  if (optionsArg === undefined || o.scale === undefined) throw rangeError(fn, 'options.scale', 'given', undefined);
  const dtype = o.dtype === undefined ? 'int8' : checkDType(fn, o.dtype);
  const layout = resolveLayout(fn, x.length, 'x', o.axis, o.shape);
  const { scales, perAxis } = resolveScales(fn, o.scale, layout);
  const zeroPoints = resolveZeroPoints(fn, o.zeroPoint, scales.length, dtype);
  const values = checkOut(fn, o.out, Float32Array, x.length) ?? new Float32Array(x.length);
  const maskArg = o.mask;
  if (maskArg !== undefined && !(maskArg instanceof Uint8Array)) throw typeError(fn, 'mask', 'a Uint8Array', maskArg);
  if (maskArg !== undefined && maskArg.length !== x.length) throw shapeError(fn, 'mask', `of length ${x.length}`, `length ${maskArg.length}`);
  const mask = (maskArg as Uint8Array | undefined) ?? new Uint8Array(x.length);
  return { x, values, mask, params: linearParams(layout, perAxis, scales, zeroPoints, dtype) };
}

/** Quantize-dequantize x and return the straight-through-estimator mask. */
export function fakeQuantize(x: Float32Array, options: FakeQuantizeOptions): FakeQuantizeResult {
  const c = prepare('fakeQuantize', x, options);
  if (c.x.length > 0) getBackend().fakeQuantize(c.x, c.values, c.mask, c.params);
  return { values: c.values, mask: c.mask };
}

export async function fakeQuantizeAsync(x: Float32Array, options: FakeQuantizeOptions): Promise<FakeQuantizeResult> {
  const c = prepare('fakeQuantizeAsync', x, options);
  if (c.x.length > 0) await getBackend().fakeQuantizeAsync(c.x, c.values, c.mask, c.params);
  return { values: c.values, mask: c.mask };
}

function prepareBackward(fn: string, gradArg: unknown, maskArg: unknown, optionsArg: unknown) {
  const grad = checkFloat32Array(fn, 'grad', gradArg);
  if (!(maskArg instanceof Uint8Array)) throw typeError(fn, 'mask', 'the Uint8Array mask from fakeQuantize()', maskArg);
  if (maskArg.length !== grad.length) throw shapeError(fn, 'mask', `of grad's length ${grad.length}`, `length ${maskArg.length}`);
  const o = checkOptions(fn, optionsArg);
  return { grad, mask: maskArg, out: checkOut(fn, o.out, Float32Array, grad.length) ?? new Float32Array(grad.length) };
}

/** The backward pass: grad where mask is 1, 0 where it is 0 (a NaN gradient is blocked too). */
export function fakeQuantizeBackward(grad: Float32Array, mask: Uint8Array, options?: { out?: Float32Array }): Float32Array {
  const c = prepareBackward('fakeQuantizeBackward', grad, mask, options);
  if (c.grad.length > 0) getBackend().maskGradient(c.grad, c.mask, c.out);
  return c.out;
}

export async function fakeQuantizeBackwardAsync(grad: Float32Array, mask: Uint8Array, options?: { out?: Float32Array }): Promise<Float32Array> {
  const c = prepareBackward('fakeQuantizeBackwardAsync', grad, mask, options);
  if (c.grad.length > 0) await getBackend().maskGradientAsync(c.grad, c.mask, c.out);
  return c.out;
}
