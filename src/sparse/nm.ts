/**
 * N:M semi-structured sparsity (2:4 as NVIDIA's sparse tensor cores run it, and
 * any N:M): along the chosen axis, every group of M consecutive weights keeps its
 * N largest magnitudes. Among equal magnitudes the lower index is pruned first.
 */
import { getBackend } from '../backends/registry.js';
import { nanError, rangeError, shapeError } from '../errors.js';
import { checkAxis, checkFloat32Array, checkOptions, checkOut, checkShape } from '../validate.js';
import { call, run, runAsync, type Steps } from '../drive.js';

export interface NMMaskOptions {
  /** Weights kept per group (1 ≤ n ≤ m). */
  n: number;
  /** Group size (m ≤ 256); the axis length must be a multiple of it. */
  m: number;
  /** The tensor's shape; defaults to [x.length]. */
  shape?: number[];
  /** The axis the groups run along; defaults to the last (-1). */
  axis?: number;
  out?: Uint8Array;
}

function planNM(fn: string, xArg: unknown, optionsArg: unknown) {
  const x = checkFloat32Array(fn, 'x', xArg);
  const o = checkOptions(fn, optionsArg);
  const shape = o.shape === undefined ? [x.length] : checkShape(fn, o.shape, x.length, 'x');
  const axis = checkAxis(fn, o.axis ?? -1, shape.length);
  const { n, m } = o;
  if (typeof m !== 'number' || !Number.isInteger(m) || m < 1 || m > 256) throw rangeError(fn, 'm', 'an integer in [1, 256]', m);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > m) throw rangeError(fn, 'n', `an integer in [1, m = ${m}]`, n);
  const axisLen = shape[axis];
  if (axisLen % m !== 0) throw shapeError(fn, 'shape', `a multiple of m = ${m} along axis ${axis}`, `${axisLen} there`);
  const outer = shape.slice(0, axis).reduce((a, d) => a * d, 1);
  const inner = shape.slice(axis + 1).reduce((a, d) => a * d, 1);
  const mask = checkOut(fn, o.out, Uint8Array, x.length) ?? new Uint8Array(x.length);
  return { fn, x, outer, axisLen, inner, n, m, mask };
}

function* nmSteps(p: ReturnType<typeof planNM>): Steps<Uint8Array> {
  if (p.x.length === 0) return p.mask;
  const bad = yield* call('nmMask', p.x, p.outer, p.axisLen, p.inner, p.n, p.m, p.mask);
  if (bad >= 0) throw nanError(p.fn, 'x', bad);
  return p.mask;
}

/** The N:M mask of x: in every group of m consecutive elements along the axis, the n largest |x| are kept. NaN throws. */
export function nmMask(x: Float32Array, options: NMMaskOptions): Uint8Array {
  return run(getBackend(), nmSteps(planNM('nmMask', x, options)));
}

export function nmMaskAsync(x: Float32Array, options: NMMaskOptions): Promise<Uint8Array> {
  return runAsync(getBackend(), nmSteps(planNM('nmMaskAsync', x, options)));
}
