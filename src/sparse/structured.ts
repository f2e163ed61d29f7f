/**
 * Structured pruning: whole slices along an axis (torch ln_structured: filters,
 * channels, rows, columns of a weight given its shape), ranked by an Ln norm over
 * the other axes.
 *
 * Ranking: the slices with the smallest norms are pruned, round(amount · slices)
 * of them (or `count`), and among equal norms the lower index first. The ranking
 * uses the norm sums (Σ|x|, Σx², Σ|x|^n, max |x|), which order like the norms;
 * they are computed in double in one fixed order on every backend, so masks are
 * identical everywhere.
 */
import { getBackend } from '../backends/registry.js';
import { NORM_L1, NORM_L2, NORM_LP, NORM_MAX, type NormKind } from '../backends/sparse-ops.js';
import { nanError, rangeError } from '../errors.js';
import { checkAxis, checkFloat32Array, checkOptions, checkOut, checkShape } from '../validate.js';
import { call, run, runAsync, type Steps } from '../drive.js';
import { prunedCount } from './masks.js';

export interface SliceNormOptions {
  /** The tensor's shape (row-major). */
  shape: number[];
  /** The axis whose slices are ranked (torch's dim; negative counts from the end). */
  axis: number;
  /** The norm: 1, 2, any p > 0, or Infinity (max |x|). torch's n. */
  n: number;
}

export interface LnStructuredOptions extends SliceNormOptions {
  /** Fraction of the slices to prune: round(amount · slices), half to even. */
  amount?: number;
  /** Number of slices to prune (instead of amount). */
  count?: number;
  out?: Uint8Array;
}

function normKind(fn: string, n: unknown): { kind: NormKind; p: number } {
  if (typeof n !== 'number' || !(n > 0)) throw rangeError(fn, 'n', 'a norm order > 0 (1, 2, any p > 0, or Infinity)', n);
  if (n === 1) return { kind: NORM_L1, p: 1 };
  if (n === 2) return { kind: NORM_L2, p: 2 };
  if (n === Infinity) return { kind: NORM_MAX, p: 0 };
  return { kind: NORM_LP, p: n };
}

function planNorms(fn: string, xArg: unknown, o: Record<string, unknown>) {
  const x = checkFloat32Array(fn, 'x', xArg);
  const shape = checkShape(fn, o.shape, x.length, 'x');
  const axis = checkAxis(fn, o.axis, shape.length);
  const { kind, p } = normKind(fn, o.n);
  const outer = shape.slice(0, axis).reduce((a, d) => a * d, 1);
  const inner = shape.slice(axis + 1).reduce((a, d) => a * d, 1);
  return { fn, x, shape, axis, kind, p, outer, axisLen: shape[axis], inner };
}

type NormPlan = ReturnType<typeof planNorms>;

function* normSumSteps(p: NormPlan): Steps<Float64Array> {
  const sums = new Float64Array(p.axisLen);
  if (p.x.length === 0) return sums;
  const bad = yield* call('sliceNormSums', p.x, p.outer, p.axisLen, p.inner, p.kind, p.p, sums);
  if (bad >= 0) throw nanError(p.fn, 'x', bad);
  return sums;
}

function* sliceNormSteps(p: NormPlan): Steps<Float64Array> {
  const sums = yield* normSumSteps(p);
  if (p.kind === NORM_L2) return sums.map(Math.sqrt);
  if (p.kind === NORM_LP) return sums.map((s) => s ** (1 / p.p));
  return sums;
}

/** The Ln norm of every slice along `axis` (over all other axes). NaN throws. */
export function sliceNorms(x: Float32Array, options: SliceNormOptions): Float64Array {
  return run(getBackend(), sliceNormSteps(planNorms('sliceNorms', x, checkOptions('sliceNorms', options))));
}

export function sliceNormsAsync(x: Float32Array, options: SliceNormOptions): Promise<Float64Array> {
  return runAsync(getBackend(), sliceNormSteps(planNorms('sliceNormsAsync', x, checkOptions('sliceNormsAsync', options))));
}

/** keep[j] = 0 for the k smallest sums (ties: lower index first), else 1. */
export function keepLargest(sums: Float64Array, k: number): Uint8Array {
  const order = Array.from(sums.keys()).sort((a, b) => sums[a] - sums[b] || a - b);
  const keep = new Uint8Array(sums.length).fill(1);
  for (let i = 0; i < k; i++) keep[order[i]] = 0;
  return keep;
}

/** The element mask of a slice mask: mask[o, j, i] = keep[j]. */
function expandSlices(keep: Uint8Array, outer: number, inner: number, mask: Uint8Array): void {
  const block = keep.length * inner;
  if (block === 0) return;
  for (let j = 0; j < keep.length; j++) mask.fill(keep[j], j * inner, (j + 1) * inner);
  for (let o = 1; o < outer; o++) mask.copyWithin(o * block, 0, block);
}

function planStructured(fn: string, xArg: unknown, optionsArg: unknown) {
  const o = checkOptions(fn, optionsArg);
  const plan = planNorms(fn, xArg, o);
  const k = prunedCount(fn, o, plan.axisLen);
  const mask = checkOut(fn, o.out, Uint8Array, plan.x.length) ?? new Uint8Array(plan.x.length);
  return { plan, k, mask };
}

function* structuredSteps(s: ReturnType<typeof planStructured>): Steps<Uint8Array> {
  const sums = yield* normSumSteps(s.plan);
  expandSlices(keepLargest(sums, s.k), s.plan.outer, s.plan.inner, s.mask);
  return s.mask;
}

/**
 * Structured pruning (torch ln_structured(amount, n, dim)): prunes the slices
 * along `axis` with the smallest Ln norms. For a conv weight [out, in, kh, kw],
 * axis 0 prunes filters and axis 1 input channels; for a linear weight [out, in],
 * axis 0 prunes output neurons (rows) and axis 1 inputs (columns).
 */
export function lnStructuredMask(x: Float32Array, options: LnStructuredOptions): Uint8Array {
  return run(getBackend(), structuredSteps(planStructured('lnStructuredMask', x, options)));
}

export function lnStructuredMaskAsync(x: Float32Array, options: LnStructuredOptions): Promise<Uint8Array> {
  return runAsync(getBackend(), structuredSteps(planStructured('lnStructuredMaskAsync', x, options)));
}
