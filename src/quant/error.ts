/**
 * quantizationError(): what a compression cost, per tensor and per channel, from
 * one pass over the original and the reconstructed values (double accumulation),
 * with optional histograms of the original values and of the error for plotting.
 */
import type { Backend, RangeLayout } from '../backends/backend.js';
import { getBackend } from '../backends/registry.js';
import { nonFiniteError, rangeError, shapeError } from '../errors.js';
import { checkFloat32Array, checkOptions } from '../validate.js';
import { resolveLayout, type AxisLayout } from './params.js';

export interface ErrorMetrics {
  /** Number of elements compared. */
  count: number;
  /** Mean squared error, mean of (reconstructed − original)². */
  mse: number;
  rmse: number;
  /** Mean absolute error. */
  mae: number;
  maxAbsError: number;
  /** ‖error‖ / ‖original‖ (0 when both are 0, Infinity when only the original is). */
  relativeError: number;
  /** Signal-to-quantization-noise ratio, 10·log10(Σx² / Σe²) dB (Infinity when exact). */
  sqnrDb: number;
  /** Peak signal-to-noise ratio, 10·log10(max|x|² / mse) dB (Infinity when exact). */
  psnrDb: number;
  /** Cosine similarity of original and reconstructed (1 when both are all zeros, 0 when one is). */
  cosine: number;
}

export interface Histogram {
  /** bins + 1 edges, from the minimum to the maximum value. */
  edges: Float64Array;
  /** Values per bin; the last bin includes the maximum. */
  counts: Float64Array;
}

export interface ErrorReport extends ErrorMetrics {
  /** Per slice along `axis`, when an axis was given. */
  channels?: ErrorMetrics[];
  /** With `histogram: bins`: of the original values and of the error (reconstructed − original, in float32). */
  histogram?: { original: Histogram; error: Histogram };
}

export interface QuantizationErrorOptions {
  /** Per-channel metrics along this axis as well (needs `shape`). */
  axis?: number;
  shape?: readonly number[];
  /** Number of histogram bins (e.g. 64) to include histograms; none by default. */
  histogram?: number;
  /**
   * With `histogram`: room (a Float32Array of at least original.length) for the error
   * values the error histogram is made from, instead of a fresh array each call.
   */
  scratch?: Float32Array;
}

function metrics(s: Float64Array, k: number, count: number): ErrorMetrics {
  const [sumSqErr, sumAbsErr, maxAbsError, sumSqX, sumSqY, sumXY, maxAbsX] = s.subarray(7 * k, 7 * k + 7);
  if (count === 0) {
    return { count, mse: 0, rmse: 0, mae: 0, maxAbsError: 0, relativeError: 0, sqnrDb: Infinity, psnrDb: Infinity, cosine: 1 };
  }
  const mse = sumSqErr / count;
  const exact = sumSqErr === 0;
  const normProduct = Math.sqrt(sumSqX) * Math.sqrt(sumSqY);
  return {
    count,
    mse,
    rmse: Math.sqrt(mse),
    mae: sumAbsErr / count,
    maxAbsError,
    relativeError: exact ? 0 : Math.sqrt(sumSqErr) / Math.sqrt(sumSqX),
    sqnrDb: exact ? Infinity : 10 * Math.log10(sumSqX / sumSqErr),
    psnrDb: exact ? Infinity : 10 * Math.log10((maxAbsX * maxAbsX) / mse),
    cosine: normProduct === 0 ? (exact ? 1 : 0) : Math.min(1, Math.max(-1, sumXY / normProduct)),
  };
}

interface Plan {
  x: Float32Array;
  y: Float32Array;
  layout: AxisLayout;
  bins: number;
  scratch: Float32Array | undefined;
}

function plan(fn: string, xArg: unknown, yArg: unknown, optionsArg: unknown): Plan {
  const x = checkFloat32Array(fn, 'original', xArg);
  const y = checkFloat32Array(fn, 'reconstructed', yArg);
  if (y.length !== x.length) throw shapeError(fn, 'reconstructed', `of original's length ${x.length}`, `length ${y.length}`);
  const o = checkOptions(fn, optionsArg);
  const layout = resolveLayout(fn, x.length, 'original', o.axis, o.shape);
  const bins = o.histogram ?? 0;
  if (bins !== 0 && !(typeof bins === 'number' && Number.isInteger(bins) && bins >= 1 && bins <= 1 << 20)) {
    throw rangeError(fn, 'histogram', 'a number of bins from 1 to 2^20', o.histogram);
  }
  const scratch = o.scratch === undefined ? undefined : checkFloat32Array(fn, 'scratch', o.scratch);
  if (scratch && scratch.length < x.length) throw shapeError(fn, 'scratch', `at least original's length ${x.length}`, `length ${scratch.length}`);
  return { x, y, layout, bins: bins as number, scratch };
}

/** Non-finite input makes the sums non-finite; then name the first bad element. */
function checkFinite(fn: string, p: Plan, sums: Float64Array): void {
  if (sums.every(Number.isFinite)) return;
  for (const [arr, name] of [[p.x, 'original'], [p.y, 'reconstructed']] as const) {
    for (let i = 0; i < arr.length; i++) if (!Number.isFinite(arr[i])) throw nonFiniteError(fn, name, i, arr[i]);
  }
}

function report(p: Plan, sums: Float64Array): ErrorReport {
  const n = p.x.length;
  const per = p.layout.axisLen;
  if (p.layout.axis === undefined) return metrics(sums, 0, n);
  // The tensor's figures from the channels' sums.
  const total = new Float64Array(7);
  for (let k = 0; k < per; k++) {
    for (const j of [0, 1, 3, 4, 5]) total[j] += sums[7 * k + j];
    total[2] = Math.max(total[2], sums[7 * k + 2]);
    total[6] = Math.max(total[6], sums[7 * k + 6]);
  }
  const channels = Array.from({ length: per }, (_, k) => metrics(sums, k, per === 0 ? 0 : n / per));
  return { ...metrics(total, 0, n), channels };
}

function errorValues(p: Plan): Float32Array {
  const e = p.scratch ? p.scratch.subarray(0, p.x.length) : new Float32Array(p.x.length);
  for (let i = 0; i < e.length; i++) e[i] = p.y[i] - p.x[i];
  return e;
}

function edges(lo: number, hi: number, bins: number): Float64Array {
  return Float64Array.from({ length: bins + 1 }, (_, b) => (b === bins ? hi : lo + ((hi - lo) * b) / bins));
}

/** The histogram's range: the values' min and max, or a unit range around a single value. */
function histogramRange(values: Float32Array, mins: Float32Array, maxs: Float32Array): [number, number] {
  const lo = values.length > 0 ? mins[0] : 0;
  const hi = values.length > 0 ? maxs[0] : 0;
  return lo < hi ? [lo, hi] : [lo - 0.5, hi + 0.5];
}

const TENSOR: RangeLayout = { axisLen: 1, inner: 1 };

/**
 * Histogram of `values` as quantizationError() makes it (bins over [min, max]), or
 * null when a value is not finite. For the model reports' pictures of weights.
 */
export function histogramOfFinite(values: Float32Array, bins: number): Histogram | null {
  const backend = getBackend();
  const mins = new Float32Array([Infinity]);
  const maxs = new Float32Array([-Infinity]);
  if (values.length > 0 && backend.minMax(values, TENSOR, mins, maxs) >= 0) return null;
  const [lo, hi] = histogramRange(values, mins, maxs);
  const counts = new Float64Array(bins);
  if (values.length > 0) backend.histogram(values, lo, hi, counts);
  return { edges: edges(lo, hi, bins), counts };
}

async function histogramOfAsync(backend: Backend, values: Float32Array, bins: number): Promise<Histogram> {
  const mins = new Float32Array([Infinity]);
  const maxs = new Float32Array([-Infinity]);
  if (values.length > 0) await backend.minMaxAsync(values, TENSOR, mins, maxs);
  const [lo, hi] = histogramRange(values, mins, maxs);
  const counts = new Float64Array(bins);
  if (values.length > 0) await backend.histogramAsync(values, lo, hi, counts);
  return { edges: edges(lo, hi, bins), counts };
}

/**
 * MSE, RMSE, MAE, max |error|, relative error, SQNR, PSNR and cosine similarity of
 * `reconstructed` against `original`, per tensor and (with axis and shape) per
 * channel. Inputs must be finite. Sums are accumulated in double.
 */
export function quantizationError(original: Float32Array, reconstructed: Float32Array, options?: QuantizationErrorOptions): ErrorReport {
  const fn = 'quantizationError';
  const p = plan(fn, original, reconstructed, options);
  const backend = getBackend();
  const layout: RangeLayout = { axisLen: p.layout.axisLen, inner: p.layout.inner };
  const sums = new Float64Array(7 * p.layout.axisLen);
  if (p.x.length > 0) backend.errorSums(p.x, p.y, layout, sums);
  checkFinite(fn, p, sums);
  const r = report(p, sums);
  // Both arrays are finite here (checkFinite), so the histograms exist.
  if (p.bins > 0) r.histogram = { original: histogramOfFinite(p.x, p.bins)!, error: histogramOfFinite(errorValues(p), p.bins)! };
  return r;
}

/** quantizationError() with the sums and histograms computed off the JS thread. */
export async function quantizationErrorAsync(
  original: Float32Array,
  reconstructed: Float32Array,
  options?: QuantizationErrorOptions,
): Promise<ErrorReport> {
  const fn = 'quantizationErrorAsync';
  const p = plan(fn, original, reconstructed, options);
  const backend = getBackend();
  const sums = new Float64Array(7 * p.layout.axisLen);
  if (p.x.length > 0) await backend.errorSumsAsync(p.x, p.y, { axisLen: p.layout.axisLen, inner: p.layout.inner }, sums);
  checkFinite(fn, p, sums);
  const r = report(p, sums);
  if (p.bins > 0) {
    const original = await histogramOfAsync(backend, p.x, p.bins);
    r.histogram = { original, error: await histogramOfAsync(backend, errorValues(p), p.bins) };
  }
  return r;
}
