/**
 * Pruning masks by magnitude (torch.nn.utils.prune's l1_unstructured and
 * global_unstructured) and by threshold. A mask is a Uint8Array: 1 keeps an
 * element, 0 prunes it.
 *
 * How many to prune: `amount`, a fraction in [0, 1], prunes round(amount · n)
 * elements, rounding half to even as Python's round() in torch; `count` prunes
 * exactly that many. (torch tells the two apart by int versus float, which a JS
 * number cannot; hence two options.) Exactly that many are pruned: the smallest
 * magnitudes, and among equal magnitudes the lower index first (see select.ts).
 */
import { getBackend } from '../backends/registry.js';
import { nanError, rangeError, shapeError, typeError } from '../errors.js';
import { roundHalfToEven } from '../backends/reference.js';
import { checkFloat32Array, checkOptions, checkOut } from '../validate.js';
import { prune, pruneAsync } from './select.js';

export interface MagnitudeMaskOptions {
  /** Fraction of the elements to prune, in [0, 1]: round(amount · n) of them. */
  amount?: number;
  /** Number of elements to prune (instead of amount). */
  count?: number;
  /** Write the mask here (a Uint8Array of x's length). */
  out?: Uint8Array;
}

/** How many of n elements to prune. */
export function prunedCount(fn: string, o: Record<string, unknown>, n: number): number {
  if ((o.amount === undefined) === (o.count === undefined)) {
    throw typeError(fn, 'options', 'an object with either amount (a fraction) or count', o);
  }
  if (o.amount !== undefined) {
    const a = o.amount;
    if (typeof a !== 'number' || !(a >= 0 && a <= 1)) throw rangeError(fn, 'amount', 'a fraction in [0, 1]', a);
    return roundHalfToEven(a * n);
  }
  const c = o.count;
  if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > n) throw rangeError(fn, 'count', `an integer in [0, ${n}]`, c);
  return c;
}

function planMask(fn: string, arg: string, xArg: unknown, optionsArg: unknown) {
  const x = checkFloat32Array(fn, arg, xArg);
  const o = checkOptions(fn, optionsArg);
  const k = prunedCount(fn, o, x.length);
  const mask = checkOut(fn, o.out, Uint8Array, x.length) ?? new Uint8Array(x.length);
  return { x, k, mask };
}

/**
 * Unstructured magnitude pruning (torch l1_unstructured): a mask pruning the k
 * elements of smallest |x|, found in O(n) by a radix select. NaN throws; ±Inf are
 * the largest magnitudes.
 */
export function magnitudeMask(x: Float32Array, options: MagnitudeMaskOptions): Uint8Array {
  return maskByMagnitude('magnitudeMask', 'x', x, options);
}

/** magnitudeMask under another function and argument name (for the error messages). */
export function maskByMagnitude(fn: string, arg: string, x: unknown, options: unknown): Uint8Array {
  const p = planMask(fn, arg, x, options);
  if (p.x.length > 0) prune(getBackend(), fn, [arg], [p.x], [p.mask], p.k);
  return p.mask;
}

export async function maskByMagnitudeAsync(fn: string, arg: string, x: unknown, options: unknown): Promise<Uint8Array> {
  const p = planMask(fn, arg, x, options);
  if (p.x.length > 0) await pruneAsync(getBackend(), fn, [arg], [p.x], [p.mask], p.k);
  return p.mask;
}

/** magnitudeMask() off the JS thread. Do not modify x until the promise settles. */
export function magnitudeMaskAsync(x: Float32Array, options: MagnitudeMaskOptions): Promise<Uint8Array> {
  return maskByMagnitudeAsync('magnitudeMaskAsync', 'x', x, options);
}

export interface GlobalMaskOptions {
  amount?: number;
  count?: number;
  /**
   * Importance scores to rank by instead of the tensors' magnitudes (torch's
   * importance_scores): one Float32Array per tensor, of its length.
   */
  scores?: Float32Array[];
}

function planGlobal(fn: string, tensorsArg: unknown, optionsArg: unknown) {
  if (!Array.isArray(tensorsArg) || tensorsArg.length === 0) throw typeError(fn, 'tensors', 'a non-empty array of Float32Arrays', tensorsArg);
  let tensors = tensorsArg.map((t, i) => checkFloat32Array(fn, `tensors[${i}]`, t));
  let names = tensors.map((_, i) => `tensors[${i}]`);
  const o = checkOptions(fn, optionsArg);
  if (o.scores !== undefined) {
    const s = o.scores;
    if (!Array.isArray(s) || s.length !== tensors.length) throw typeError(fn, 'scores', `an array of ${tensors.length} Float32Arrays`, s);
    tensors = s.map((t, i) => {
      const a = checkFloat32Array(fn, `scores[${i}]`, t);
      if (a.length !== tensors[i].length) throw shapeError(fn, `scores[${i}]`, `of length ${tensors[i].length}`, `length ${a.length}`);
      return a;
    });
    names = tensors.map((_, i) => `scores[${i}]`);
  }
  const total = tensors.reduce((s, t) => s + t.length, 0);
  const k = prunedCount(fn, o, total);
  const masks = tensors.map((t) => new Uint8Array(t.length));
  return { tensors, masks, names, k };
}

/**
 * Global magnitude pruning across tensors (torch global_unstructured with
 * L1Unstructured): the k smallest magnitudes of all tensors together are pruned;
 * among equal magnitudes the earlier tensor, then the lower index, goes first.
 * With `scores`, those rank instead of the magnitudes. Returns one mask per tensor.
 */
export function globalMagnitudeMask(tensors: Float32Array[], options: GlobalMaskOptions): Uint8Array[] {
  const p = planGlobal('globalMagnitudeMask', tensors, options);
  prune(getBackend(), 'globalMagnitudeMask', p.names, p.tensors, p.masks, p.k);
  return p.masks;
}

export async function globalMagnitudeMaskAsync(tensors: Float32Array[], options: GlobalMaskOptions): Promise<Uint8Array[]> {
  const p = planGlobal('globalMagnitudeMaskAsync', tensors, options);
  await pruneAsync(getBackend(), 'globalMagnitudeMaskAsync', p.names, p.tensors, p.masks, p.k);
  return p.masks;
}

export interface ThresholdMaskOptions {
  /** Elements with |x| ≤ threshold are pruned (a number ≥ 0). */
  threshold: number;
  out?: Uint8Array;
}

/** The magnitude key of the largest float32 ≤ threshold (threshold ≥ 0). */
function thresholdKey(threshold: number): number {
  if (threshold >= 3.4028234663852886e38) return threshold === Infinity ? 0x7f800000 : 0x7f7fffff;
  const f = new Float32Array([threshold]);
  const bits = new Uint32Array(f.buffer);
  if (f[0] > threshold) bits[0] -= 1; // rounded up: step back to the float below
  return bits[0];
}

function planThreshold(fn: string, xArg: unknown, optionsArg: unknown) {
  const x = checkFloat32Array(fn, 'x', xArg);
  const o = checkOptions(fn, optionsArg);
  const th = o.threshold;
  if (typeof th !== 'number' || !(th >= 0)) throw rangeError(fn, 'threshold', 'a number ≥ 0', th);
  const mask = checkOut(fn, o.out, Uint8Array, x.length) ?? new Uint8Array(x.length);
  return { x, t: thresholdKey(th), mask };
}

const NAN_CHECK = { shift: 30, bits: 1, prefix: 0 };

/** A mask keeping the elements with |x| > threshold. NaN throws. */
export function thresholdMask(x: Float32Array, options: ThresholdMaskOptions): Uint8Array {
  const fn = 'thresholdMask';
  const p = planThreshold(fn, x, options);
  if (p.x.length === 0) return p.mask;
  const b = getBackend();
  const bad = b.digitHistogram(p.x, NAN_CHECK, new Float64Array(2));
  if (bad >= 0) throw nanError(fn, 'x', bad);
  b.thresholdMask(p.x, p.t, p.x.length, p.mask); // every tie with the threshold is pruned (|x| ≤ threshold)
  return p.mask;
}

export async function thresholdMaskAsync(x: Float32Array, options: ThresholdMaskOptions): Promise<Uint8Array> {
  const fn = 'thresholdMaskAsync';
  const p = planThreshold(fn, x, options);
  if (p.x.length === 0) return p.mask;
  const b = getBackend();
  const bad = await b.digitHistogramAsync(p.x, NAN_CHECK, new Float64Array(2));
  if (bad >= 0) throw nanError(fn, 'x', bad);
  await b.thresholdMaskAsync(p.x, p.t, p.x.length, p.mask);
  return p.mask;
}
