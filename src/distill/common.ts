/**
 * What the distillation losses share: the logits layout check, reductions, and
 * the result type.
 */
import { rangeError, shapeError, typeError } from '../errors.js';
import { checkFloat32Array, checkOut, checkShape } from '../validate.js';

export type Reduction = 'mean' | 'sum' | 'none';

/** A loss and its gradient with respect to the student's input. */
export interface LossResult<L = number> {
  /** The reduced loss (a Float32Array for reduction 'none'). */
  loss: L;
  /** d loss / d student (of the summed loss for 'none'); absent with grad: false. */
  grad: Float32Array | undefined;
}

/** [rows, cols] logits, both arrays of that many elements. */
export function checkLogits(fn: string, s: unknown, sName: string, shapeArg: unknown): { s: Float32Array; rows: number; cols: number } {
  const x = checkFloat32Array(fn, sName, s);
  const shape = checkShape(fn, shapeArg, x.length, sName);
  if (shape.length !== 2) throw shapeError(fn, 'shape', 'of rank 2 ([batch, classes])', `[${shape.join(', ')}]`);
  if (shape[1] === 0 && shape[0] > 0) throw shapeError(fn, 'shape', 'with at least one class', `[${shape.join(', ')}]`);
  return { s: x, rows: shape[0], cols: shape[1] };
}

export function checkSameLength(fn: string, name: string, t: unknown, length: number): Float32Array {
  const x = checkFloat32Array(fn, name, t);
  if (x.length !== length) throw shapeError(fn, name, `of length ${length} (the student's)`, `length ${x.length}`);
  return x;
}

export function checkTemperature(fn: string, t: unknown): number {
  const v = t ?? 1;
  if (typeof v !== 'number' || !(v > 0 && v < Infinity)) throw rangeError(fn, 'temperature', 'a finite number > 0', v);
  return v;
}

export function checkReduction<R extends string>(fn: string, r: unknown, allowed: readonly R[], fallback: R): R {
  const v = r ?? fallback;
  if (!allowed.includes(v as R)) throw rangeError(fn, 'reduction', allowed.map((a) => `'${a}'`).join(', '), v);
  return v as R;
}

export function checkFlag(fn: string, name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw typeError(fn, name, 'a boolean', v);
  return v;
}

/** The gradient buffer: `gradOut` (zeroed) or a fresh one; an empty array when not wanted. */
export function gradBuffer(fn: string, o: Record<string, unknown>, length: number): Float32Array {
  if (!checkFlag(fn, 'grad', o.grad, true)) return new Float32Array(0);
  const out = checkOut(fn, o.gradOut, Float32Array, length);
  if (out) {
    out.fill(0);
    return out;
  }
  return new Float32Array(length);
}

export function sum(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

export function result<L>(loss: L, grad: Float32Array, wanted: boolean): LossResult<L> {
  return { loss, grad: wanted ? grad : undefined };
}
