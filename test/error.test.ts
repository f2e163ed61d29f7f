/**
 * quantizationError(): hand-computed metrics, per-channel figures, histograms,
 * and parity with the reference on every backend and CPU variant (maxima and
 * histogram counts exact; sums to the reordering bound of double additions).
 */
import { describe, expect, it } from 'vitest';
import { dequantize, quantizationError, quantizationErrorAsync, quantize, setBackend } from '../dist/index.js';
import { CHUNK } from '../dist/backends/wasm-module.js';
import { backendMatrix, rng, use, type Combo } from './helpers.js';

const combos: Combo[] = [{ backend: 'reference', cpu: 'typescript', label: 'reference' }, ...backendMatrix()];

describe.each(combos)('quantizationError on $label', (combo) => {
  it('computes every metric of a small hand-made case', () => {
    use(combo);
    const r = quantizationError(Float32Array.of(1, 2, 3, 4), Float32Array.of(1.5, 2, 2, 4));
    // e = [0.5, 0, -1, 0]: Σe² = 1.25, Σ|e| = 1.5, Σx² = 30, Σy² = 26.25, Σxy = 27.5, max|x| = 4
    expect(r.count).toBe(4);
    expect(r.mse).toBeCloseTo(0.3125, 15);
    expect(r.rmse).toBeCloseTo(Math.sqrt(0.3125), 15);
    expect(r.mae).toBeCloseTo(0.375, 15);
    expect(r.maxAbsError).toBe(1);
    expect(r.relativeError).toBeCloseTo(Math.sqrt(1.25 / 30), 15);
    expect(r.sqnrDb).toBeCloseTo(10 * Math.log10(24), 12);
    expect(r.psnrDb).toBeCloseTo(10 * Math.log10(16 / 0.3125), 12);
    expect(r.cosine).toBeCloseTo(27.5 / Math.sqrt(30 * 26.25), 15);
    expect(r.channels).toBeUndefined();
  });

  it('reports per channel along an axis, and the tensor from the channels', () => {
    use(combo);
    const x = Float32Array.of(1, 2, 3, 4, 5, 6);
    const y = Float32Array.of(1, 2, 3, 4.5, 5, 5); // shape [2, 3]: channel 0 exact
    const r = quantizationError(x, y, { axis: 0, shape: [2, 3] });
    expect(r.channels).toHaveLength(2);
    expect(r.channels![0]).toMatchObject({ count: 3, mse: 0, maxAbsError: 0, sqnrDb: Infinity, cosine: 1 });
    expect(r.channels![1].mse).toBeCloseTo((0.25 + 1) / 3, 15);
    expect(r.channels![1].maxAbsError).toBe(1);
    expect(r.mse).toBeCloseTo(1.25 / 6, 15);
    expect(r.maxAbsError).toBe(1);
    const byColumn = quantizationError(x, y, { axis: 1, shape: [2, 3] });
    expect(byColumn.channels!.map((c) => c.maxAbsError)).toEqual([0.5, 0, 1]);
  });

  it('zero vectors and exact copies have defined figures (no NaN)', () => {
    use(combo);
    const zeros = new Float32Array(5);
    expect(quantizationError(zeros, zeros)).toMatchObject({ mse: 0, relativeError: 0, sqnrDb: Infinity, psnrDb: Infinity, cosine: 1 });
    const r = quantizationError(zeros, Float32Array.of(0, 0, 1, 0, 0));
    expect(r.cosine).toBe(0);
    expect(r.relativeError).toBe(Infinity);
    expect(Object.values(r).some((v) => typeof v === 'number' && Number.isNaN(v))).toBe(false);
    expect(quantizationError(new Float32Array(0), new Float32Array(0)).count).toBe(0);
  });

  it('histograms the original and the error', () => {
    use(combo);
    const x = Float32Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 10);
    const y = x.map((v, i) => v + (i % 2 ? 0.25 : -0.25));
    const r = quantizationError(x, y, { histogram: 5 });
    expect(Array.from(r.histogram!.original.edges)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(Array.from(r.histogram!.original.counts)).toEqual([2, 2, 2, 2, 2]); // 10 is in the last bin
    expect(Array.from(r.histogram!.error.counts)).toEqual([5, 0, 0, 0, 5]);
    expect(r.histogram!.error.edges[0]).toBe(-0.25);
    expect(r.histogram!.error.edges[5]).toBe(0.25);
    // A scratch buffer for the error values gives the same histograms; a short one is refused.
    const scratch = new Float32Array(16);
    expect(quantizationError(x, y, { histogram: 5, scratch })).toEqual(r);
    expect(Array.from(scratch.subarray(0, 10))).toEqual(Array.from(y, (v, i) => v - x[i]));
    expect(() => quantizationError(x, y, { histogram: 5, scratch: new Float32Array(9) })).toThrow(
      /quantizationError: scratch must be at least original's length 10, got length 9/,
    );
  });

  it('the error of quantize() is at most half a step, and the async form agrees', async () => {
    use(combo);
    const r = rng(5);
    const x = Float32Array.from({ length: 10_000 }, () => (r() - 0.5) * 6);
    const t = quantize(x);
    const e = quantizationError(x, dequantize(t), { histogram: 16 });
    expect(e.maxAbsError).toBeLessThanOrEqual((t.scale as number) / 2 + 1e-7);
    expect(e.sqnrDb).toBeGreaterThan(40);
    expect(await quantizationErrorAsync(x, dequantize(t), { histogram: 16 })).toEqual(e);
  });

  it('names the first non-finite element, and rejects mismatched or bad arguments', () => {
    use(combo);
    expect(() => quantizationError(Float32Array.of(1, 2), Float32Array.of(1, Infinity))).toThrow(
      'quantizationError: reconstructed must contain only finite values to find its range, got Infinity at index 1',
    );
    expect(() => quantizationError(Float32Array.of(NaN, 2), Float32Array.of(1, 2))).toThrow('original must contain only finite values to find its range, got NaN at index 0');
    expect(() => quantizationError(new Float32Array(3), new Float32Array(2))).toThrow("quantizationError: reconstructed must be of original's length 3, got length 2");
    expect(() => quantizationError(new Float32Array(3), new Float32Array(3), { histogram: 0.5 })).toThrow('histogram must be a number of bins from 1 to 2^20, got 0.5');
  });
});

describe('quantizationError parity with the reference', () => {
  const r = rng(77);
  const n = 14 * Math.ceil((2 * CHUNK + 1234) / 14); // past two WASM chunks, divisible by every shape below
  const x = Float32Array.from({ length: n }, () => (r() - 0.5) * 10 ** Math.floor(r() * 6 - 3));
  const y = x.map((v, i) => (i % 3 === 0 ? v : Math.fround(v * (1 + (r() - 0.5) * 1e-2))));
  const shapes: { axis?: number; shape?: number[] }[] = [{}, { axis: 0, shape: [7, n / 7] }, { axis: 1, shape: [n / 7, 7] }, { axis: 1, shape: [2, n / 14, 7] }];
  setBackend('reference');
  const want = shapes.map((o) => quantizationError(x, y, { ...o, histogram: 2048 }));

  it.each(backendMatrix())('$label: maxima and histograms exact, sums within the double-reordering bound', (combo) => {
    use(combo);
    shapes.forEach((o, s) => {
      const got = quantizationError(x, y, { ...o, histogram: 2048 });
      const pairs: [typeof got, typeof got][] = [[got, want[s]], ...(got.channels ?? []).map((c, k) => [c, want[s].channels![k]] as [typeof got, typeof got])];
      for (const [g, w] of pairs) {
        expect(g.maxAbsError).toBe(w.maxAbsError);
        for (const key of ['mse', 'mae', 'relativeError', 'sqnrDb', 'psnrDb', 'cosine'] as const) {
          expect(Math.abs(g[key] - w[key])).toBeLessThanOrEqual(1e-9 * Math.abs(w[key]) + 1e-300);
        }
      }
      expect(got.histogram!.original.counts).toEqual(want[s].histogram!.original.counts);
      expect(got.histogram!.error.counts).toEqual(want[s].histogram!.error.counts);
    });
  });
});
