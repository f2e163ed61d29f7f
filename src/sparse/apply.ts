/**
 * Using masks: applying them to weights and gradients, combining the masks of
 * successive pruning rounds, and measuring sparsity.
 */
import type { Backend } from '../backends/backend.js';
import { getBackend } from '../backends/registry.js';
import { shapeError, typeError } from '../errors.js';
import { checkFloat32Array, checkOptions, checkOut } from '../validate.js';

export interface ApplyMaskOptions {
  /** Write into x itself. */
  inPlace?: boolean;
  /** Write here (a Float32Array of x's length). */
  out?: Float32Array;
}

function checkMask(fn: string, name: string, mask: unknown, length: number): Uint8Array {
  if (!(mask instanceof Uint8Array)) throw typeError(fn, name, 'a Uint8Array (1 keeps, 0 prunes)', mask);
  if (mask.length !== length) throw shapeError(fn, name, `of length ${length}`, `length ${mask.length}`);
  return mask;
}

function planApply(fn: string, xArg: unknown, maskArg: unknown, optionsArg: unknown) {
  const x = checkFloat32Array(fn, 'x', xArg);
  const mask = checkMask(fn, 'mask', maskArg, x.length);
  const o = checkOptions(fn, optionsArg);
  if (o.inPlace !== undefined && typeof o.inPlace !== 'boolean') throw typeError(fn, 'inPlace', 'a boolean', o.inPlace);
  if (o.inPlace && o.out !== undefined) throw typeError(fn, 'out', 'absent with inPlace', o.out);
  const out = o.inPlace ? x : checkOut(fn, o.out, Float32Array, x.length) ?? new Float32Array(x.length);
  return { x, mask, out };
}

/** out[i] = mask[i] ? x[i] : 0 — pruned weights become +0; kept ones are copied bit for bit. */
export function applyMask(x: Float32Array, mask: Uint8Array, options?: ApplyMaskOptions): Float32Array {
  const p = planApply('applyMask', x, mask, options);
  if (p.x.length > 0) getBackend().maskGradient(p.x, p.mask, p.out);
  return p.out;
}

export async function applyMaskAsync(x: Float32Array, mask: Uint8Array, options?: ApplyMaskOptions): Promise<Float32Array> {
  const p = planApply('applyMaskAsync', x, mask, options);
  if (p.x.length > 0) await getBackend().maskGradientAsync(p.x, p.mask, p.out);
  return p.out;
}

/** The gradient of masked weights: grad where the mask keeps, 0 where it prunes. */
export function maskGradient(grad: Float32Array, mask: Uint8Array, options?: ApplyMaskOptions): Float32Array {
  const p = planApply('maskGradient', grad, mask, options);
  if (p.x.length > 0) getBackend().maskGradient(p.x, p.mask, p.out);
  return p.out;
}

export async function maskGradientAsync(grad: Float32Array, mask: Uint8Array, options?: ApplyMaskOptions): Promise<Float32Array> {
  const p = planApply('maskGradientAsync', grad, mask, options);
  if (p.x.length > 0) await getBackend().maskGradientAsync(p.x, p.mask, p.out);
  return p.out;
}

/**
 * The masks of successive pruning rounds combined: an element stays only if every
 * mask keeps it (once pruned, stays pruned). Masks hold 0 or 1.
 */
export function combineMasks(...masks: Uint8Array[]): Uint8Array {
  const fn = 'combineMasks';
  if (masks.length === 0) throw typeError(fn, 'masks', 'at least one Uint8Array', undefined);
  const n = masks[0] instanceof Uint8Array ? masks[0].length : 0;
  masks.forEach((m, i) => checkMask(fn, `masks[${i}]`, m, n));
  const out = new Uint8Array(n);
  out.set(masks[0]);
  for (let j = 1; j < masks.length; j++) {
    const m = masks[j];
    for (let i = 0; i < n; i++) out[i] &= m[i] !== 0 ? 1 : 0;
  }
  for (let i = 0; i < n; i++) out[i] = out[i] !== 0 ? 1 : 0;
  return out;
}

export interface SparsityReport {
  /** Fraction of zeros in each tensor or mask. */
  perTensor: number[];
  /** Fraction of zeros over all of them. */
  overall: number;
  /** Zeros and elements over all of them. */
  zeros: number;
  count: number;
}

function zerosOf(b: Backend, fn: string, name: string, t: unknown): [number, number] {
  if (t instanceof Uint8Array) return [t.length - b.countNonzero(t), t.length];
  const x = checkFloat32Array(fn, name, t);
  // A float is zero when its magnitude key is 0: the threshold mask at key 0,
  // pruning every tie, keeps the rest.
  const kept = new Uint8Array(x.length);
  if (x.length > 0) b.thresholdMask(x, 0, x.length, kept);
  return [x.length - b.countNonzero(kept), x.length];
}

/**
 * Fraction of zeros of a mask (Uint8Array: pruned entries) or of a tensor
 * (Float32Array: ±0 entries), or of a list of them, per item and overall.
 */
export function sparsity(target: Uint8Array | Float32Array): number;
export function sparsity(targets: (Uint8Array | Float32Array)[]): SparsityReport;
export function sparsity(arg: Uint8Array | Float32Array | (Uint8Array | Float32Array)[]): number | SparsityReport {
  const fn = 'sparsity';
  const b = getBackend();
  if (!Array.isArray(arg)) {
    const [zeros, count] = zerosOf(b, fn, 'target', arg);
    return count === 0 ? 0 : zeros / count;
  }
  const parts = arg.map((t, i) => zerosOf(b, fn, `targets[${i}]`, t));
  const zeros = parts.reduce((s, p) => s + p[0], 0);
  const count = parts.reduce((s, p) => s + p[1], 0);
  return { perTensor: parts.map(([z, c]) => (c === 0 ? 0 : z / c)), overall: count === 0 ? 0 : zeros / count, zeros, count };
}
