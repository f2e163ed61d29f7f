/**
 * Argument checks shared by the public API. Each throws the error described in
 * errors.ts, naming the function, the argument, what was expected and what came.
 */
import { rangeError, shapeError, typeError } from './errors.js';

export function checkFloat32Array(fn: string, arg: string, value: unknown): Float32Array {
  if (!(value instanceof Float32Array)) {
    throw typeError(fn, arg, 'a Float32Array (convert with Float32Array.from(values))', value);
  }
  return value;
}

export function checkByteArray(fn: string, arg: string, value: unknown): Int8Array | Uint8Array {
  if (!(value instanceof Int8Array || value instanceof Uint8Array)) {
    throw typeError(fn, arg, 'an Int8Array or a Uint8Array', value);
  }
  return value;
}

export function checkOptions(fn: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw typeError(fn, 'options', 'an object', value);
  }
  return value as Record<string, unknown>;
}

export function checkShape(fn: string, shape: unknown, length: number, lengthArg: string): number[] {
  if (!Array.isArray(shape)) throw typeError(fn, 'shape', 'an array of non-negative integers', shape);
  let product = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw rangeError(fn, `shape[${i}]`, 'a non-negative integer', d);
    }
    product *= d;
  }
  if (product !== length) {
    throw shapeError(fn, 'shape', `of ${lengthArg}'s length ${length} elements`, `[${shape.join(', ')}] (${product} elements)`);
  }
  return shape.slice();
}

/** ONNX-style axis in [-rank, rank - 1], returned normalised to [0, rank - 1]. */
export function checkAxis(fn: string, axis: unknown, rank: number): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) throw typeError(fn, 'axis', 'an integer', axis);
  if (rank === 0) throw rangeError(fn, 'axis', 'used with a shape of rank ≥ 1', axis);
  if (axis < -rank || axis >= rank) throw rangeError(fn, 'axis', `in [${-rank}, ${rank - 1}] for a shape of rank ${rank}`, axis);
  return axis < 0 ? axis + rank : axis;
}

/** An `out` buffer of exactly the right type and length, or undefined to allocate one. */
export function checkOut<T extends ArrayBufferView>(
  fn: string,
  out: unknown,
  ctor: { new (n: number): T; name: string },
  length: number,
): T | undefined {
  if (out === undefined) return undefined;
  if (!(out instanceof ctor)) throw typeError(fn, 'out', `a ${ctor.name}`, out);
  const got = (out as unknown as { length: number }).length;
  if (got !== length) throw shapeError(fn, 'out', `of length ${length}`, `length ${got}`);
  return out;
}
