/**
 * HistogramObserver: calibration from a histogram of everything observed, with the
 * clipping range chosen by percentile, by least expected squared error, or by the
 * entropy (KL-divergence) method of TensorRT / onnxruntime.
 *
 * The histogram. Bins have a power-of-two width w and are anchored at 0: bin k
 * holds [k·w, (k+1)·w), for k = -B .. B-1 (B = `bins`, 2048 by default, so |x|
 * has B bins of width w, as TensorRT's 2048-bin calibration histogram). w is the
 * smallest power of two with max|x| < B·w. Once the first batch has set the grid,
 * a batch takes one pass: the histogram kernel counts it over [-B·w, B·w] and finds
 * its range at once (a batch that reaches past the grid is counted again after the
 * grid widens; the first batch finds its range first). The kernel's arithmetic,
 * (x + B·w) · (1/w) in double, is exact for every float32 x except negative values
 * within about 2^-42·w of 0,
 * which it counts in bin 0 instead of bin -1 (they are zero to 12 significant
 * digits of the bin width). When a batch has a larger max|x|, w doubles and
 * bins 2m and 2m+1 are added into bin m — no count is split or interpolated — so
 * the histogram after any sequence of batches is the one the whole data would give
 * on the final grid (up to the tiny negatives above), unlike re-binning schemes.
 *
 * The methods (all on the histogram of |x|, folded exactly from the signed bins:
 * bin j holds x in [j·w, (j+1)·w) and x in [-(j+1)·w, -j·w), so a negative value
 * on an edge counts in the |x| bin that ends there), giving a threshold t:
 *   percentile: t = the upper edge of the first bin where the cumulative count of
 *     |x| reaches `percentile` % of all values (onnxruntime's Percentile method);
 *   mse: t = j·w (j = 1 .. B) minimising the expected squared error of values at
 *     bin centres c: (c - t)² when c > t, else step²/12 with step = t / ((qmax-qmin)/2);
 *   entropy: TensorRT's method: for i from 128 to the last non-empty bin, P is the
 *     first i bins with the count of the rest added to the last, Q is P's first i
 *     bins merged into 128 levels and spread back evenly over their non-empty bins;
 *     t = (i + 0.5)·w for the i of least KL(P ‖ Q). Fewer than 128 bins: t = max|x|.
 * The range is [-t, t] (symmetric) or [max(min, -t), min(max, t)] (affine), never
 * beyond what was observed; scale and zero point then follow the rules of the
 * min-max observers (PyTorch's, see observers.ts).
 */
import type { Backend } from '../backends/backend.js';
import { getBackend } from '../backends/registry.js';
import { nonFiniteError, rangeError } from '../errors.js';
import { checkFloat32Array, checkOptions } from '../validate.js';
import { settings, torchQParams, type ObserverOptions, type ObserverQParams, type Settings } from './observers.js';

export type HistogramMethod = 'percentile' | 'mse' | 'entropy';

export interface HistogramObserverOptions extends ObserverOptions {
  /** How the clipping threshold is chosen (default 'entropy'). */
  method?: HistogramMethod;
  /** For 'percentile': the share of |x| kept inside the range, in percent (default 99.99). */
  percentile?: number;
  /** Bins of |x| (default 2048); the signed histogram has twice as many. */
  bins?: number;
}

const TENSOR = { axisLen: 1, inner: 1 };
const SMALLEST_WIDTH = 2 ** -149;
const ENTROPY_LEVELS = 128;

export class HistogramObserver {
  private readonly s: Settings;
  private readonly method: HistogramMethod;
  private readonly percentile: number;
  private readonly bins: number;
  private width = 0; // 0 until the first value
  private counts: Float64Array;
  private min = Infinity;
  private max = -Infinity;

  constructor(options?: HistogramObserverOptions) {
    const fn = 'HistogramObserver';
    const o = checkOptions(fn, options);
    this.s = settings(fn, o);
    const method = o.method ?? 'entropy';
    if (method !== 'percentile' && method !== 'mse' && method !== 'entropy') {
      throw rangeError(fn, 'method', '"percentile", "mse" or "entropy"', o.method);
    }
    this.method = method;
    const p = o.percentile ?? 99.99;
    if (typeof p !== 'number' || !(p > 0 && p <= 100)) throw rangeError(fn, 'percentile', 'a number in (0, 100]', o.percentile);
    this.percentile = p;
    const bins = o.bins ?? 2048;
    if (typeof bins !== 'number' || !Number.isInteger(bins) || bins < 8 || bins > 1 << 20 || bins % 2 !== 0) {
      throw rangeError(fn, 'bins', 'an even integer from 8 to 2^20', o.bins);
    }
    this.bins = bins;
    this.counts = new Float64Array(2 * bins);
  }

  /** Doubles the bin width until max|x| < B·w, adding bins pairwise. */
  private grow(absmax: number): void {
    const B = this.bins;
    if (this.width === 0) {
      let w = SMALLEST_WIDTH;
      while (!(absmax < B * w)) w *= 2;
      this.width = w;
      return;
    }
    while (!(absmax < B * this.width)) {
      const merged = new Float64Array(2 * B);
      for (let i = 0; i < 2 * B; i++) merged[Math.floor((i - B) / 2) + B] += this.counts[i];
      this.counts = merged;
      this.width *= 2;
    }
  }

  /** Takes a batch's range into the observer and widens the grid to hold it. */
  private take(mn: number, mx: number): void {
    this.min = Math.min(this.min, mn);
    this.max = Math.max(this.max, mx);
    this.grow(Math.max(-mn, mx));
  }

  private add(batchCounts: Float64Array): void {
    for (let i = 0; i < batchCounts.length; i++) this.counts[i] += batchCounts[i];
  }

  /** The grid's range [-B·w, B·w] and a fresh array for a batch's counts. */
  private grid(): [number, number, Float64Array] {
    return [-this.bins * this.width, this.bins * this.width, new Float64Array(2 * this.bins)];
  }

  /**
   * Counts a batch into the histogram. Once the grid is set, this is one pass over
   * the batch (histogram and range together); a batch reaching past the grid is
   * counted again after the grid widens.
   */
  observe(batch: Float32Array): this {
    const fn = 'HistogramObserver.observe';
    const x = checkFloat32Array(fn, 'batch', batch);
    if (x.length === 0) return this;
    const backend: Backend = getBackend();
    if (this.width !== 0) {
      const [lo, hi, counts] = this.grid();
      const range = Float32Array.of(Infinity, -Infinity);
      const bad = backend.histogramRange(x, lo, hi, counts, range);
      if (bad >= 0) throw nonFiniteError(fn, 'batch', bad, x[bad]);
      const fits = Math.max(-range[0], range[1]) < hi;
      this.take(range[0], range[1]);
      if (fits) {
        this.add(counts);
        return this;
      }
    } else {
      const mins = new Float32Array([Infinity]);
      const maxs = new Float32Array([-Infinity]);
      const bad = backend.minMax(x, TENSOR, mins, maxs);
      if (bad >= 0) throw nonFiniteError(fn, 'batch', bad, x[bad]);
      this.take(mins[0], maxs[0]);
    }
    const [lo, hi, counts] = this.grid();
    backend.histogram(x, lo, hi, counts);
    this.add(counts);
    return this;
  }

  /** observe() off the JS thread. Do not modify the batch until the promise settles. */
  async observeAsync(batch: Float32Array): Promise<this> {
    const fn = 'HistogramObserver.observeAsync';
    const x = checkFloat32Array(fn, 'batch', batch);
    if (x.length === 0) return this;
    const backend: Backend = getBackend();
    if (this.width !== 0) {
      const [lo, hi, counts] = this.grid();
      const range = Float32Array.of(Infinity, -Infinity);
      const bad = await backend.histogramRangeAsync(x, lo, hi, counts, range);
      if (bad >= 0) throw nonFiniteError(fn, 'batch', bad, x[bad]);
      const fits = Math.max(-range[0], range[1]) < hi;
      this.take(range[0], range[1]);
      if (fits) {
        this.add(counts);
        return this;
      }
    } else {
      const mins = new Float32Array([Infinity]);
      const maxs = new Float32Array([-Infinity]);
      const bad = await backend.minMaxAsync(x, TENSOR, mins, maxs);
      if (bad >= 0) throw nonFiniteError(fn, 'batch', bad, x[bad]);
      this.take(mins[0], maxs[0]);
    }
    const [lo, hi, counts] = this.grid();
    await backend.histogramAsync(x, lo, hi, counts);
    this.add(counts);
    return this;
  }

  /** The signed histogram: 2·bins + 1 edges from -bins·w to bins·w, and the counts. */
  get histogram(): { edges: Float64Array; counts: Float64Array; binWidth: number } {
    const B = this.bins;
    const w = this.width;
    return { edges: Float64Array.from({ length: 2 * B + 1 }, (_, i) => (i - B) * w), counts: this.counts.slice(), binWidth: w };
  }

  /** The observed minimum and maximum (±Inf before any value). */
  get range(): { min: number; max: number } {
    return { min: this.min, max: this.max };
  }

  /** Histogram of |x|: bin j holds the signed bins j and -j-1. */
  private folded(): Float64Array {
    const B = this.bins;
    const a = new Float64Array(B);
    for (let j = 0; j < B; j++) a[j] = this.counts[B + j] + this.counts[B - 1 - j];
    return a;
  }

  /** The clipping threshold on |x| chosen by the method. */
  threshold(): number {
    if (this.width === 0) return 0;
    const a = this.folded();
    const absmax = Math.max(-this.min, this.max);
    let t: number;
    if (this.method === 'percentile') t = percentileThreshold(a, this.percentile, this.width);
    else if (this.method === 'mse') t = mseThreshold(a, this.width, (this.s.qmax - this.s.qmin) / 2);
    else t = entropyThreshold(a, this.width, absmax);
    return Math.min(t, absmax);
  }

  /** Scale and zero point for the chosen range. */
  qparams(): ObserverQParams {
    let lo = Infinity;
    let hi = -Infinity;
    if (this.width !== 0) {
      const t = this.threshold();
      lo = this.s.symmetric ? -t : Math.max(this.min, -t);
      hi = this.s.symmetric ? t : Math.min(this.max, t);
    }
    const qp = torchQParams(lo, hi, this.s);
    return { ...qp, dtype: this.s.dtype, symmetric: this.s.symmetric, qmin: this.s.qmin, qmax: this.s.qmax };
  }

  reset(): void {
    this.width = 0;
    this.counts.fill(0);
    this.min = Infinity;
    this.max = -Infinity;
  }
}

function total(a: Float64Array): number {
  let n = 0;
  for (const v of a) n += v;
  return n;
}

export function percentileThreshold(a: Float64Array, percentile: number, w: number): number {
  const want = (percentile / 100) * total(a);
  let cum = 0;
  for (let j = 0; j < a.length; j++) {
    cum += a[j];
    if (cum >= want) return (j + 1) * w;
  }
  return a.length * w;
}

export function mseThreshold(a: Float64Array, w: number, levels: number): number {
  let last = a.length - 1;
  while (last > 0 && a[last] === 0) last--;
  let best = (last + 1) * w;
  let bestError = Infinity;
  for (let j = 1; j <= last + 1; j++) {
    const t = j * w;
    const step = t / levels;
    let error = 0;
    for (let i = 0; i <= last; i++) {
      if (a[i] === 0) continue;
      const c = (i + 0.5) * w;
      error += a[i] * (c > t ? (c - t) * (c - t) : (step * step) / 12);
    }
    if (error < bestError) {
      bestError = error;
      best = t;
    }
  }
  return best;
}

export function entropyThreshold(a: Float64Array, w: number, absmax: number): number {
  let nb = a.length;
  while (nb > 0 && a[nb - 1] === 0) nb--;
  if (nb <= ENTROPY_LEVELS) return absmax;
  let bestI = nb;
  let bestKl = Infinity;
  const p = new Float64Array(nb);
  const q = new Float64Array(nb);
  for (let i = ENTROPY_LEVELS; i <= nb; i++) {
    let outliers = 0;
    for (let j = i; j < nb; j++) outliers += a[j];
    for (let j = 0; j < i; j++) p[j] = a[j];
    p[i - 1] += outliers;
    // Q: the first i bins merged into ENTROPY_LEVELS groups, spread evenly over each group's non-empty bins.
    const per = i / ENTROPY_LEVELS;
    for (let g = 0; g < ENTROPY_LEVELS; g++) {
      const start = Math.floor(g * per);
      const end = g === ENTROPY_LEVELS - 1 ? i : Math.floor((g + 1) * per);
      let sum = 0;
      let nonEmpty = 0;
      for (let j = start; j < end; j++) {
        sum += a[j];
        if (a[j] !== 0) nonEmpty++;
      }
      for (let j = start; j < end; j++) q[j] = a[j] !== 0 ? sum / nonEmpty : 0;
    }
    const kl = klDivergence(p, q, i);
    if (kl < bestKl) {
      bestKl = kl;
      bestI = i;
    }
  }
  return (bestI + 0.5) * w;
}

/** KL(P ‖ Q) of the first n entries, each normalised to sum 1; P > 0 where Q = 0 gives +Inf. */
function klDivergence(p: Float64Array, q: Float64Array, n: number): number {
  let sp = 0;
  let sq = 0;
  for (let j = 0; j < n; j++) {
    sp += p[j];
    sq += q[j];
  }
  let kl = 0;
  for (let j = 0; j < n; j++) {
    if (p[j] === 0) continue;
    if (q[j] === 0) return Infinity;
    const pj = p[j] / sp;
    kl += pj * Math.log(pj / (q[j] / sq));
  }
  return kl;
}
