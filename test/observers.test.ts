/**
 * Calibration observers: PyTorch parity of the min-max observers (hand-made
 * vectors computed from torch.ao.quantization's rules), batch-split invariance,
 * the moving average, and the histogram observer (exact merging, percentile, MSE
 * and entropy thresholds) on every backend.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dequantizeLinear,
  HistogramObserver,
  MinMaxObserver,
  MovingAverageMinMaxObserver,
  quantizeLinear,
  setBackend,
} from '../dist/index.js';
import { backendMatrix, rng, use, type Combo } from './helpers.js';

const combos: Combo[] = [{ backend: 'reference', cpu: 'typescript', label: 'reference' }, ...backendMatrix()];
const f = Math.fround;

function gaussian(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
}

describe('min-max observers follow PyTorch (hand-made vectors)', () => {
  const x = Float32Array.of(-1, 0.5, 2);
  it('quint8 affine (MinMaxObserver defaults): scale 3/255, zero point 85', () => {
    setBackend('reference');
    const q = new MinMaxObserver().observe(x).qparams();
    expect(q.scale).toBe(f(3 / 255));
    expect(q.zeroPoint).toBe(85); // 0 - round(-1 / scale)
    expect([q.qmin, q.qmax]).toEqual([0, 255]);
  });
  it('qint8 affine: zero point -128 - round(-1 / scale) = -43', () => {
    const q = new MinMaxObserver({ dtype: 'int8' }).observe(x).qparams();
    expect(q.scale).toBe(f(3 / 255));
    expect(q.zeroPoint).toBe(-43);
  });
  it('symmetric: scale absmax / 127.5; zero point 0 (qint8) or 128 (quint8)', () => {
    const a = new MinMaxObserver({ dtype: 'int8', symmetric: true }).observe(x).qparams();
    expect(a.scale).toBe(f(2 / 127.5));
    expect(a.zeroPoint).toBe(0);
    const b = new MinMaxObserver({ dtype: 'uint8', symmetric: true }).observe(x).qparams();
    expect(b.scale).toBe(f(2 / 127.5));
    expect(b.zeroPoint).toBe(128);
  });
  it('reduceRange uses 7 bits: quint8 [0, 127] gives scale 3/127 and zero point 42; qint8 [-64, 63]', () => {
    const a = new MinMaxObserver({ reduceRange: true }).observe(x).qparams();
    expect(a.scale).toBe(f(3 / 127));
    expect(a.zeroPoint).toBe(42);
    expect([a.qmin, a.qmax]).toEqual([0, 127]);
    const b = new MinMaxObserver({ dtype: 'int8', symmetric: true, reduceRange: true }).observe(x).qparams();
    expect(b.scale).toBe(f(2 / 63.5));
    expect([b.qmin, b.qmax]).toEqual([-64, 63]);
    // PyTorch keeps zero point 128 for symmetric quint8 even with reduce_range
    expect(new MinMaxObserver({ symmetric: true, reduceRange: true }).observe(x).qparams().zeroPoint).toBe(128);
  });
  it('eps floors the scale (an all-zero tensor gets scale 2^-23); nothing observed gives scale 1, zero point 0', () => {
    const z = new MinMaxObserver().observe(new Float32Array(4)).qparams();
    expect(z.scale).toBe(2 ** -23);
    expect(z.zeroPoint).toBe(0);
    expect(new MinMaxObserver({ eps: 0.5 }).observe(Float32Array.of(0.1)).qparams().scale).toBe(0.5);
    const none = new MinMaxObserver().qparams();
    expect([none.scale, none.zeroPoint]).toEqual([1, 0]);
  });
  it('per channel (PerChannelMinMaxObserver): one scale and zero point per slice along the axis', () => {
    const obs = new MinMaxObserver({ axis: 0, dtype: 'int8', symmetric: true });
    obs.observe(Float32Array.of(-1, 0.5, 2, 0, 0.25, -4), [2, 3]);
    const q = obs.qparams();
    expect(Array.from(q.scale as Float32Array)).toEqual([f(2 / 127.5), f(4 / 127.5)]);
    expect(Array.from(q.zeroPoint as Int32Array)).toEqual([0, 0]);
    const aff = new MinMaxObserver({ axis: 1 }).observe(Float32Array.of(-1, 0.5, 2, 0, 0.25, -4), [2, 3]).qparams();
    expect(Array.from(aff.zeroPoint as Int32Array)).toEqual([255, 0, 170]);
  });
  it('moving average: the first batch sets the range, then min += 0.01 · (batchMin - min)', () => {
    const obs = new MovingAverageMinMaxObserver();
    obs.observe(Float32Array.of(0, 1)).observe(Float32Array.of(-1, 3));
    expect(obs.range).toEqual({ min: f(0 + f(f(0.01) * -1)), max: f(1 + f(f(0.01) * 2)) });
    const half = new MovingAverageMinMaxObserver({ averagingConstant: 0.5 }).observe(Float32Array.of(0, 1)).observe(Float32Array.of(-1, 3));
    expect(half.range).toEqual({ min: -0.5, max: 2 });
  });
  it('rejects bad options and batches', () => {
    expect(() => new MinMaxObserver({ dtype: 'int4' as never })).toThrow(/dtype must be "int8" or "uint8"/);
    expect(() => new MovingAverageMinMaxObserver({ averagingConstant: 2 })).toThrow(/averagingConstant must be a number in \(0, 1\]/);
    expect(() => new MinMaxObserver().observe([1, 2] as never)).toThrow(/batch must be a Float32Array/);
    expect(() => new MinMaxObserver().observe(Float32Array.of(1, NaN))).toThrow(/got NaN at index 1/);
    const obs = new MinMaxObserver({ axis: 0 }).observe(new Float32Array(6), [2, 3]);
    expect(() => obs.observe(new Float32Array(6), [3, 2])).toThrow(/must be 2 \(the channels of earlier batches\)/);
    expect(() => new HistogramObserver({ method: 'kl' as never })).toThrow(/method must be "percentile", "mse" or "entropy"/);
    expect(() => new HistogramObserver({ bins: 7 })).toThrow(/bins must be an even integer from 8 to 2\^20/);
  });
});

describe.each(combos)('observers on $label', (combo) => {
  it('min-max qparams do not depend on how the data is split into batches (property)', () => {
    use(combo);
    fc.assert(
      fc.property(
        fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 200 }),
        fc.array(fc.nat(200), { maxLength: 5 }),
        (values, cuts) => {
          const x = Float32Array.from(values);
          const whole = new MinMaxObserver({ symmetric: values.length % 2 === 0 }).observe(x).qparams();
          const split = new MinMaxObserver({ symmetric: values.length % 2 === 0 });
          const points = [...new Set(cuts.map((c) => c % (x.length + 1)))].sort((a, b) => a - b);
          let start = 0;
          for (const p of [...points, x.length]) {
            split.observe(x.subarray(start, p));
            start = p;
          }
          expect(split.qparams()).toEqual(whole);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('merges histograms exactly: any batch split gives the histogram of the whole', () => {
    use(combo);
    const x = gaussian(20000, 4);
    for (let i = 0; i < x.length; i += 1000) x[i] *= 1 + i / 100; // growing outliers: the grid widens batch after batch
    const whole = new HistogramObserver().observe(x);
    const parts = new HistogramObserver();
    for (const [a, b] of [[0, 10], [10, 999], [999, 5000], [5000, 5001], [5001, 20000]]) parts.observe(x.subarray(a, b));
    const h1 = whole.histogram;
    const h2 = parts.histogram;
    expect(h2.binWidth).toBe(h1.binWidth);
    expect(Array.from(h2.counts)).toEqual(Array.from(h1.counts));
    expect(h1.counts.reduce((s, c) => s + c, 0)).toBe(x.length);
    expect(parts.qparams()).toEqual(whole.qparams());
  });

  it('percentile threshold: the upper edge of the bin reaching the percentile of |x|', () => {
    use(combo);
    const x = Float32Array.from({ length: 1000 }, (_, i) => i + 1); // 1 … 1000
    const obs = new HistogramObserver({ method: 'percentile', percentile: 99 }).observe(x);
    expect(obs.histogram.binWidth).toBe(0.5); // smallest power of two with 1000 < 2048 · w
    expect(obs.threshold()).toBe(990.5); // 990 values ≤ 990, in bin [990, 990.5)
    const q = new HistogramObserver({ method: 'percentile', percentile: 99, dtype: 'int8', symmetric: true }).observe(x).qparams();
    expect(q.scale).toBe(f(990.5 / 127.5));
    // a negative value on a bin edge counts in the |x| bin that ends there
    expect(new HistogramObserver({ method: 'percentile', percentile: 100 }).observe(Float32Array.of(-4, 1)).threshold()).toBe(4);
  });

  it('entropy clips far outliers of a Gaussian but keeps its body', () => {
    use(combo);
    const x = gaussian(100000, 9);
    x[5] = 60;
    x[6] = -45;
    const obs = new HistogramObserver({ method: 'entropy', dtype: 'int8', symmetric: true }).observe(x);
    const t = obs.threshold();
    expect(t).toBeGreaterThan(2.5);
    expect(t).toBeLessThan(20);
    expect(obs.qparams().scale).toBe(f(t / 127.5));
  });

  it('the MSE threshold quantizes with less squared error than the full range or a tighter clip', () => {
    use(combo);
    const x = gaussian(100000, 9);
    const obs = new HistogramObserver({ method: 'mse', dtype: 'int8', symmetric: true }).observe(x);
    const t = obs.threshold();
    const absmax = Math.max(-obs.range.min, obs.range.max);
    const error = (clip: number) => {
      const s = clip / 127.5;
      const y = dequantizeLinear(quantizeLinear(x, { scale: s, zeroPoint: 0, dtype: 'int8' }), { scale: s, zeroPoint: 0 });
      let sum = 0;
      for (let i = 0; i < x.length; i++) sum += (y[i] - x[i]) ** 2;
      return sum / x.length;
    };
    expect(t).toBeLessThan(absmax);
    expect(error(t)).toBeLessThan(error(absmax));
    expect(error(t)).toBeLessThan(error(0.8 * t));
    // without tails to clip, MSE keeps (nearly) the whole range of a uniform distribution
    const u = Float32Array.from({ length: 10000 }, (_, i) => -1 + (2 * i) / 9999);
    expect(new HistogramObserver({ method: 'mse' }).observe(u).threshold()).toBeGreaterThan(0.95);
  });

  it('gives the same histogram on every backend, one pass per batch once the grid is set, and the Promise form agrees', async () => {
    const x = gaussian(70000, 2);
    x[60001] = 9; // the last batch widens the grid
    const parts = [x.subarray(0, 30000), x.subarray(30000, 60000), x.subarray(60000)];
    setBackend('reference');
    const want = new HistogramObserver({ bins: 512 });
    for (const p of parts) want.observe(p);
    use(combo);
    const sync = new HistogramObserver({ bins: 512 });
    const async = new HistogramObserver({ bins: 512 });
    for (const p of parts) {
      sync.observe(p);
      await async.observeAsync(p);
    }
    for (const got of [sync, async]) {
      expect(got.histogram.binWidth).toBe(want.histogram.binWidth);
      expect(Array.from(got.histogram.counts)).toEqual(Array.from(want.histogram.counts));
      expect(got.range).toEqual(want.range);
    }
    const bad = Float32Array.of(0.5, -0.25, Infinity, NaN);
    expect(() => sync.observe(bad)).toThrow(/got Infinity at index 2/);
    await expect(async.observeAsync(bad)).rejects.toThrow(/got Infinity at index 2/);
    const mm = await new MinMaxObserver({ axis: 0 }).observeAsync(x, [7, 10000]);
    expect(mm.qparams()).toEqual(new MinMaxObserver({ axis: 0 }).observe(x, [7, 10000]).qparams());
  });
});
