/**
 * Calibration observers: stateful objects fed batch by batch (`observe(batch)`)
 * that report quantization parameters for int8 / uint8, symmetric or affine,
 * per tensor or per axis (min-max observers), with an optional 7-bit reduceRange.
 *
 * Scale and zero point follow PyTorch's torch.ao.quantization observers
 * (_calculate_qparams) in float32: with [qmin, qmax] = [-128, 127] (int8) or
 * [0, 255] (uint8), halved to [-64, 63] / [0, 127] by reduceRange,
 *   minNeg = min(min, 0), maxPos = max(max, 0)
 *   symmetric: scale = max(max(-minNeg, maxPos) / ((qmax - qmin) / 2), eps),
 *              zeroPoint = 0 (int8) or 128 (uint8 — also with reduceRange, as PyTorch)
 *   affine:    scale = max((maxPos - minNeg) / (qmax - qmin), eps),
 *              zeroPoint = clamp(qmin - round_half_even(minNeg / scale), qmin, qmax)
 * with eps = 2^-23 (torch.finfo(torch.float32).eps) by default. Before any batch
 * the parameters are scale 1, zero point 0 (PyTorch's answer for an unobserved range).
 *
 * Histogram observers keep a histogram of the values on a grid of power-of-two
 * bin width w anchored at 0: bin k holds [k·w, (k+1)·w), bins -B/2 .. B/2-1. When
 * a batch exceeds the grid, w doubles and pairs of bins are added together, which
 * splits no count: the merged histogram equals the one counted on the final grid
 * in one go, whatever the batches (see HistogramObserver).
 */
import type { RangeLayout } from '../backends/backend.js';
import { getBackend } from '../backends/registry.js';
import { nonFiniteError, rangeError, typeError } from '../errors.js';
import { roundHalfToEven } from '../backends/reference.js';
import { checkFloat32Array, checkOptions } from '../validate.js';
import { checkDType, resolveLayout } from './params.js';
import type { QuantDType } from './types.js';

const f = Math.fround;
const FLOAT32_EPS = 2 ** -23;

/** Quantization parameters an observer reports: numbers per tensor, arrays per axis. */
export interface ObserverQParams {
  scale: number | Float32Array;
  zeroPoint: number | Int32Array;
  dtype: QuantDType;
  symmetric: boolean;
  /** The integer range used ([-64, 63] / [0, 127] with reduceRange). */
  qmin: number;
  qmax: number;
}

export interface ObserverOptions {
  /** 'uint8' (default, as PyTorch's quint8) or 'int8'. */
  dtype?: QuantDType;
  /** Symmetric range around 0 (default false: affine). */
  symmetric?: boolean;
  /** Use 7 bits ([-64, 63] or [0, 127]), as PyTorch's reduce_range. */
  reduceRange?: boolean;
  /** Lower bound of the scale (default 2^-23, float32 epsilon). */
  eps?: number;
}

export interface MinMaxObserverOptions extends ObserverOptions {
  /** Per-axis (per-channel) ranges along this axis of each batch; needs `shape` in observe(). */
  axis?: number;
}

export interface MovingAverageObserverOptions extends MinMaxObserverOptions {
  /** Weight of each new batch's min / max (default 0.01, as PyTorch). */
  averagingConstant?: number;
}

export interface Settings {
  dtype: QuantDType;
  symmetric: boolean;
  qmin: number;
  qmax: number;
  eps: number;
}

export function settings(fn: string, o: Record<string, unknown>): Settings {
  const dtype = o.dtype === undefined ? 'uint8' : checkDType(fn, o.dtype);
  for (const k of ['symmetric', 'reduceRange'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'boolean') throw typeError(fn, k, 'a boolean', o[k]);
  }
  const eps = o.eps ?? FLOAT32_EPS;
  if (typeof eps !== 'number' || !(eps > 0 && Number.isFinite(eps))) throw rangeError(fn, 'eps', 'a finite number > 0', o.eps);
  const reduce = o.reduceRange === true;
  const [qmin, qmax] = dtype === 'int8' ? (reduce ? [-64, 63] : [-128, 127]) : reduce ? [0, 127] : [0, 255];
  return { dtype, symmetric: o.symmetric === true, qmin, qmax, eps: f(eps) };
}

/** PyTorch's _calculate_qparams for one range, in float32. */
export function torchQParams(min: number, max: number, s: Settings): { scale: number; zeroPoint: number } {
  if (min === Infinity && max === -Infinity) return { scale: 1, zeroPoint: 0 };
  const minNeg = Math.min(min, 0);
  const maxPos = Math.max(max, 0);
  if (s.symmetric) {
    const absmax = Math.max(-minNeg, maxPos);
    const scale = Math.max(f(absmax / ((s.qmax - s.qmin) / 2)), s.eps);
    return { scale, zeroPoint: s.dtype === 'uint8' ? 128 : 0 };
  }
  const scale = Math.max(f(f(maxPos - minNeg) / (s.qmax - s.qmin)), s.eps);
  const zp = s.qmin - roundHalfToEven(f(minNeg / scale));
  return { scale, zeroPoint: Math.min(s.qmax, Math.max(s.qmin, zp)) };
}

function qparamsOf(s: Settings, mins: Float32Array, maxs: Float32Array, perAxis: boolean): ObserverQParams {
  const scales = new Float32Array(mins.length);
  const zps = new Int32Array(mins.length);
  for (let k = 0; k < mins.length; k++) {
    const qp = torchQParams(mins[k], maxs[k], s);
    scales[k] = qp.scale;
    zps[k] = qp.zeroPoint;
  }
  return {
    scale: perAxis ? scales : scales[0],
    zeroPoint: perAxis ? zps : zps[0],
    dtype: s.dtype,
    symmetric: s.symmetric,
    qmin: s.qmin,
    qmax: s.qmax,
  };
}

interface Batch {
  x: Float32Array;
  layout: RangeLayout;
  axisLen: number;
}

/** Min-max state shared by the two min-max observers. */
abstract class RangeObserver {
  protected readonly s: Settings;
  protected readonly axis: number | undefined;
  protected mins: Float32Array | undefined;
  protected maxs: Float32Array | undefined;

  constructor(fn: string, options: unknown) {
    const o = checkOptions(fn, options);
    this.s = settings(fn, o);
    if (o.axis !== undefined && (typeof o.axis !== 'number' || !Number.isInteger(o.axis))) {
      throw typeError(fn, 'axis', 'an integer', o.axis);
    }
    this.axis = o.axis as number | undefined;
  }

  protected batch(fn: string, xArg: unknown, shape: unknown): Batch {
    const x = checkFloat32Array(fn, 'batch', xArg);
    const layout = resolveLayout(fn, x.length, 'batch', this.axis, shape);
    if (this.mins !== undefined && this.mins.length !== layout.axisLen) {
      throw rangeError(fn, `shape[${layout.axis}]`, `${this.mins.length} (the channels of earlier batches)`, layout.axisLen);
    }
    return { x, layout: { axisLen: layout.axisLen, inner: layout.inner }, axisLen: layout.axisLen };
  }

  protected abstract fold(mins: Float32Array, maxs: Float32Array): void;

  /** Folds a batch into the range; `shape` is needed for per-axis observers. */
  observe(batch: Float32Array, shape?: readonly number[]): this {
    const fn = `${this.constructor.name}.observe`;
    const b = this.batch(fn, batch, shape);
    const mins = new Float32Array(b.axisLen).fill(Infinity);
    const maxs = new Float32Array(b.axisLen).fill(-Infinity);
    const backend = getBackend();
    const bad = b.x.length > 0 ? backend.minMax(b.x, b.layout, mins, maxs) : -1;
    if (bad >= 0) throw nonFiniteError(fn, 'batch', bad, b.x[bad]);
    this.fold(mins, maxs);
    return this;
  }

  /** observe() off the JS thread. Do not modify the batch until the promise settles. */
  async observeAsync(batch: Float32Array, shape?: readonly number[]): Promise<this> {
    const fn = `${this.constructor.name}.observeAsync`;
    const b = this.batch(fn, batch, shape);
    const mins = new Float32Array(b.axisLen).fill(Infinity);
    const maxs = new Float32Array(b.axisLen).fill(-Infinity);
    const bad = b.x.length > 0 ? await getBackend().minMaxAsync(b.x, b.layout, mins, maxs) : -1;
    if (bad >= 0) throw nonFiniteError(fn, 'batch', bad, b.x[bad]);
    this.fold(mins, maxs);
    return this;
  }

  /** The observed range: numbers per tensor, arrays per axis (±Inf before any value). */
  get range(): { min: number | Float32Array; max: number | Float32Array } {
    const mins = this.mins ?? new Float32Array([Infinity]);
    const maxs = this.maxs ?? new Float32Array([-Infinity]);
    return this.axis === undefined ? { min: mins[0], max: maxs[0] } : { min: mins.slice(), max: maxs.slice() };
  }

  /** Scale and zero point for the range observed so far (PyTorch's rules, see the module comment). */
  qparams(): ObserverQParams {
    const mins = this.mins ?? new Float32Array([Infinity]);
    const maxs = this.maxs ?? new Float32Array([-Infinity]);
    return qparamsOf(this.s, mins, maxs, this.axis !== undefined);
  }

  reset(): void {
    this.mins = undefined;
    this.maxs = undefined;
  }
}

/**
 * The running min and max of everything observed (PyTorch MinMaxObserver, or
 * PerChannelMinMaxObserver with `axis`). Invariant to how the data is split into batches.
 */
export class MinMaxObserver extends RangeObserver {
  constructor(options?: MinMaxObserverOptions) {
    super('MinMaxObserver', options);
  }

  protected fold(mins: Float32Array, maxs: Float32Array): void {
    if (this.mins === undefined || this.maxs === undefined) {
      this.mins = mins;
      this.maxs = maxs;
      return;
    }
    for (let k = 0; k < mins.length; k++) {
      this.mins[k] = Math.min(this.mins[k], mins[k]);
      this.maxs[k] = Math.max(this.maxs[k], maxs[k]);
    }
  }
}

/**
 * Exponential moving average of each batch's min and max (PyTorch
 * MovingAverageMinMaxObserver / MovingAveragePerChannelMinMaxObserver): the first
 * batch sets the range, then min += c · (batchMin - min) in float32, likewise max.
 */
export class MovingAverageMinMaxObserver extends RangeObserver {
  private readonly c: number;

  constructor(options?: MovingAverageObserverOptions) {
    super('MovingAverageMinMaxObserver', options);
    const c = (options as MovingAverageObserverOptions | undefined)?.averagingConstant ?? 0.01;
    if (typeof c !== 'number' || !(c > 0 && c <= 1)) {
      throw rangeError('MovingAverageMinMaxObserver', 'averagingConstant', 'a number in (0, 1]', c);
    }
    this.c = f(c);
  }

  protected fold(mins: Float32Array, maxs: Float32Array): void {
    if (this.mins === undefined || this.maxs === undefined) {
      this.mins = mins;
      this.maxs = maxs;
      return;
    }
    const c = this.c;
    for (let k = 0; k < mins.length; k++) {
      // An empty channel in this batch (±Inf) leaves the average as it is.
      // An empty channel in this batch (±Inf) leaves the average as it is; a
      // channel seen for the first time takes the batch's value.
      if (this.mins[k] === Infinity) this.mins[k] = mins[k];
      else if (mins[k] !== Infinity) this.mins[k] = f(this.mins[k] + f(c * f(mins[k] - this.mins[k])));
      if (this.maxs[k] === -Infinity) this.maxs[k] = maxs[k];
      else if (maxs[k] !== -Infinity) this.maxs[k] = f(this.maxs[k] + f(c * f(maxs[k] - this.maxs[k])));
    }
  }
}
