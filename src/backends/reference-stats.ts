/**
 * Reference of the statistics kernels (part of the reference backend): the same
 * loops as native/kernels/stats/ref.cc. Every term is computed exactly in double
 * from float32 inputs, so only the order of additions can differ from the kernels.
 */
import type { RangeLayout } from './backend.js';

export function errorSums(x: Float32Array, y: Float32Array, layout: RangeLayout, sums: Float64Array): void {
  for (let i = 0; i < x.length; i++) {
    const k = 7 * (layout.axisLen === 1 ? 0 : Math.floor(i / layout.inner) % layout.axisLen);
    const xi = x[i];
    const yi = y[i];
    const e = yi - xi; // exact in double
    const ae = Math.abs(e);
    const ax = Math.abs(xi);
    sums[k] += e * e;
    sums[k + 1] += ae;
    if (ae > sums[k + 2]) sums[k + 2] = ae;
    sums[k + 3] += xi * xi;
    sums[k + 4] += yi * yi;
    sums[k + 5] += xi * yi;
    if (ax > sums[k + 6]) sums[k + 6] = ax;
  }
}

/** Bins over [lo, hi], the last one closed; values outside and NaN are not counted. */
export function histogram(x: Float32Array, lo: number, hi: number, counts: Float64Array): void {
  const bins = counts.length;
  const invWidth = bins / (hi - lo);
  counts.fill(0);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!(v >= lo && v <= hi)) continue;
    const b = Math.min(Math.floor((v - lo) * invWidth), bins - 1);
    counts[b]++;
  }
}

/** histogram() and the range in one pass (the reference makes it two loops). */
export function histogramRange(x: Float32Array, lo: number, hi: number, counts: Float64Array, range: Float32Array): number {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return i;
  for (let i = 0; i < x.length; i++) {
    if (x[i] < range[0]) range[0] = x[i];
    if (x[i] > range[1]) range[1] = x[i];
  }
  range[0] += 0; // -0 and +0 compare equal: report +0, as the kernels do
  range[1] += 0;
  histogram(x, lo, hi, counts);
  return -1;
}
