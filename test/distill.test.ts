/**
 * Distillation losses: PyTorch semantics on hand-made vectors (values computed
 * from the definitions in double), every gradient against central finite
 * differences, KL properties, agreement of every backend and CPU variant with the
 * reference within stated bounds, and bad input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attentionTransferLoss,
  cosineLoss,
  crossEntropy,
  hintonLoss,
  hintonLossAsync,
  kdLoss,
  kdLossAsync,
  logSoftmax,
  mseLoss,
  setBackend,
  softCrossEntropy,
  softmax,
  softmaxAsync,
  type LossResult,
} from '../dist/index.js';
import { backendMatrix, rng, use, type Combo } from './helpers.js';

const combos: Combo[] = backendMatrix();
const S = Float32Array.of(1, 2, 3, 0, -1, 4);
const T = Float32Array.of(3, 1, 0, 1, 1, 1);
const shape: [number, number] = [2, 3];

function logits(n: number, seed: number, spread = 4): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => (r() - 0.5) * 2 * spread);
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, abs: number, rel: number, label: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= abs + rel * Math.abs(want[i]))) throw new Error(`${label}: [${i}] got ${got[i]}, want ${want[i]}`);
  }
}

/** Central differences of a scalar loss of x, at step h · max(1, |x_i|). */
function numericGrad(f: (x: Float32Array) => number, x: Float32Array, h = 1e-2): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const step = h * Math.max(1, Math.abs(x[i]));
    const up = Float32Array.from(x);
    const down = Float32Array.from(x);
    up[i] += step;
    down[i] -= step;
    g[i] = (f(up) - f(down)) / (up[i] - down[i]);
  }
  return g;
}

function checkGradient(name: string, f: (x: Float32Array) => LossResult<number | Float32Array>, x: Float32Array): void {
  const analytic = f(x).grad!;
  const numeric = numericGrad((y) => f(y).loss as number, x);
  const scale = Math.max(...Array.from(numeric, Math.abs), 1e-3);
  close(analytic, numeric, 2e-4 * scale, 2e-3, `${name} gradient vs finite differences`);
}

describe('PyTorch semantics on hand-made vectors', () => {
  // F.kl_div(F.log_softmax(s/T, 1), F.softmax(t/T, 1), reduction='batchmean') * T**2 for
  // s = [[1, 2, 3], [0, -1, 4]], t = [[3, 1, 0], [1, 1, 1]], computed from the definition in double.
  const want: Record<number, [number, number[]]> = {
    1: [1.8056283087673468, [-0.376882080655, 0.065266635835, 0.31161544482, -0.157732675732, -0.163380035074, 0.321112710806]],
    2: [2.2331517808737043, [-0.442207995986, 0.075971988096, 0.36623600789, -0.222167711031, -0.265907975101, 0.488075686132]],
    4: [2.3158033428714413, [-0.453498101326, 0.069479744142, 0.384018357184, -0.221933898166, -0.320308438301, 0.542242336468]],
    10: [2.2807122672259412, [-0.45042113957, 0.061759685987, 0.388661453583, -0.194633291041, -0.334715787803, 0.529349078844]],
  };
  for (const combo of [{ backend: 'reference', cpu: 'typescript', label: 'reference' } as Combo, ...combos]) {
    it(`${combo.label}: KD loss and gradient at T = 1, 2, 4, 10; large logits; cross-entropy`, () => {
      use(combo);
      for (const [t, [loss, grad]] of Object.entries(want)) {
        const r = kdLoss(S, T, { shape, temperature: Number(t) });
        expect(Math.abs((r.loss as number) - loss)).toBeLessThan(2e-6 * loss);
        close(r.grad!, grad, 2e-7, 1e-5, `kd grad T=${t}`);
      }
      // logits spread over ±1e4: no overflow, no NaN
      const big = kdLoss(Float32Array.of(1e4, -1e4, 0, 5000, 5001, -3000), Float32Array.of(-1e4, 1e4, 0, 5001, 5000, 7), { shape });
      expect(Math.abs((big.loss as number) - 10000.23105857863) / 1e4).toBeLessThan(1e-6);
      expect(big.grad!.every(Number.isFinite)).toBe(true);
      // F.cross_entropy(s, [0, 1], label_smoothing=0.1), and with row 1 ignored
      const s = Float32Array.of(2, 1, 0.1, 0.5, 2.5, -1);
      expect(Math.abs((crossEntropy(s, Int32Array.of(0, 1), { shape, labelSmoothing: 0.1 }).loss as number) - 0.4251041117000609)).toBeLessThan(1e-6);
      expect(Math.abs((crossEntropy(s, Int32Array.of(0, -100), { shape }).loss as number) - 0.41703001627783354)).toBeLessThan(1e-6);
    });
  }
  it('reductions: batchmean, sum, mean, none; T² on or off; softmax and log-softmax', () => {
    setBackend('reference');
    const bm = kdLoss(S, T, { shape, temperature: 2 }).loss as number;
    expect(kdLoss(S, T, { shape, temperature: 2, reduction: 'sum' }).loss).toBeCloseTo(bm * 2, 6);
    expect(kdLoss(S, T, { shape, temperature: 2, reduction: 'mean' }).loss).toBeCloseTo(bm / 3, 6);
    expect(kdLoss(S, T, { shape, temperature: 2, temperatureSquared: false }).loss).toBeCloseTo(bm / 4, 6);
    const none = kdLoss(S, T, { shape, temperature: 2, reduction: 'none' }).loss;
    expect(none).toBeInstanceOf(Float32Array);
    expect(Array.from(none).reduce((a, b) => a + b, 0)).toBeCloseTo(bm * 2, 5);
    const p = softmax(S, { shape, temperature: 2 });
    close(p, [0.1863237, 0.3071959, 0.5064804, 0.1111656, 0.0674254, 0.821409], 1e-7, 1e-6, 'softmax T=2');
    close(logSoftmax(S, { shape, temperature: 2 }), Array.from(p, Math.log), 1e-6, 1e-6, 'log-softmax');
    // teacher as probabilities = teacher as logits
    const probs = softmax(T, { shape, temperature: 2 });
    expect(kdLoss(S, probs, { shape, temperature: 2, teacherKind: 'probabilities' }).loss).toBeCloseTo(bm, 6);
    // soft cross-entropy = KL + the teacher's entropy
    let entropy = 0;
    for (const v of probs) entropy -= v * Math.log(v);
    expect(softCrossEntropy(S, T, { shape, temperature: 2 }).loss).toBeCloseTo(bm / 4 + entropy / 2, 6);
    // Hinton: alpha · T² KL + (1 − alpha) CE
    const labels = Int32Array.of(2, 0);
    const h = hintonLoss(S, T, labels, { shape, temperature: 2, alpha: 0.7 });
    const ce = crossEntropy(S, labels, { shape }).loss as number;
    expect(h.kd).toBeCloseTo(bm, 6);
    expect(h.ce).toBeCloseTo(ce, 6);
    expect(h.loss).toBeCloseTo(0.7 * bm + 0.3 * ce, 6);
  });
  it('a top-k teacher: k = classes equals the dense teacher; the rest of the mass spread or renormalised', () => {
    setBackend('reference');
    const full = { k: 3, indices: Int32Array.of(0, 1, 2, 2, 0, 1), values: Float32Array.of(3, 1, 0, 1, 1, 1), kind: 'logits' as const };
    expect(kdLoss(S, full, { shape, temperature: 2 }).loss).toBeCloseTo(kdLoss(S, T, { shape, temperature: 2 }).loss as number, 6);
    // probabilities of the top 1 with the rest spread evenly = a dense teacher built the same way
    const top1 = { k: 1, indices: Int32Array.of(0, 2), values: Float32Array.of(0.6, 0.8), kind: 'probabilities' as const };
    const dense = Float32Array.of(0.6, 0.2, 0.2, 0.1, 0.1, 0.8);
    const a = kdLoss(S, top1, { shape });
    const b = kdLoss(S, dense, { shape, teacherKind: 'probabilities' });
    expect(a.loss).toBeCloseTo(b.loss as number, 6);
    close(a.grad!, b.grad!, 1e-7, 1e-6, 'top-k grad');
    // renormalised: all the mass on the one class
    const renorm = kdLoss(S, { ...top1, rest: 'renormalize' }, { shape });
    const onehot = kdLoss(S, Float32Array.of(1, 0, 0, 0, 0, 1), { shape, teacherKind: 'probabilities' });
    expect(renorm.loss).toBeCloseTo(onehot.loss as number, 6);
  });
});

describe('every gradient matches central finite differences', () => {
  it('KD (dense and top-k), soft and hard cross-entropy, Hinton, MSE, cosine, attention transfer', () => {
    setBackend('reference');
    const s = logits(12, 1);
    const t = logits(12, 2);
    const sh: [number, number] = [3, 4];
    for (const temperature of [1, 2, 4, 10]) checkGradient(`kd T=${temperature}`, (x) => kdLoss(x, t, { shape: sh, temperature }), s);
    const topk = { k: 2, indices: Int32Array.of(0, 3, 1, 2, 3, 0), values: Float32Array.of(0.5, 0.3, 0.6, 0.1, 0.2, 0.2), kind: 'probabilities' as const };
    checkGradient('kd top-k', (x) => kdLoss(x, topk, { shape: sh, temperature: 2 }), s);
    checkGradient('soft ce', (x) => softCrossEntropy(x, t, { shape: sh, temperature: 3 }), s);
    checkGradient('ce', (x) => crossEntropy(x, Int32Array.of(1, -100, 3), { shape: sh, labelSmoothing: 0.2 }), s);
    checkGradient('hinton', (x) => hintonLoss(x, t, Int32Array.of(0, 1, 2), { shape: sh, temperature: 4, alpha: 0.3 }), s);
    checkGradient('mse', (x) => mseLoss(x, t), s);
    checkGradient('cosine', (x) => cosineLoss(x, t, { shape: sh }), s);
    const a = logits(2 * 3 * 5, 3);
    const b = logits(2 * 4 * 5, 4);
    checkGradient('attention transfer', (x) => attentionTransferLoss(x, b, { studentShape: [2, 3, 5], teacherShape: [2, 4, 5] }), a);
  });
});

describe('KL properties', () => {
  it('KL(p ‖ p) = 0 and KL ≥ 0, with a gradient of zero at p = q (property)', () => {
    setBackend('reference');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 40 }), fc.constantFrom(1, 2, 4, 10), fc.integer(), (rows, cols, temperature, seed) => {
        const s = logits(rows * cols, seed, 20);
        const t = logits(rows * cols, seed + 1, 20);
        const same = kdLoss(s, s, { shape: [rows, cols], temperature });
        expect(Math.abs(same.loss as number)).toBeLessThan(1e-9 * temperature * temperature);
        for (const g of same.grad!) expect(Math.abs(g)).toBeLessThan(1e-6);
        expect(kdLoss(s, t, { shape: [rows, cols], temperature }).loss).toBeGreaterThanOrEqual(-1e-9);
      }),
      { numRuns: 200 },
    );
  });
});

describe('every backend and CPU variant agrees with the reference', () => {
  const shapes: [number, number][] = [[1, 1], [3, 7], [5, 17], [2, 64], [4, 100], [2, 1031], [16, 1000]];
  for (const combo of combos) {
    it(`${combo.label}: losses within 1e-5 relative, gradients within 1e-6 of the largest`, async () => {
      for (const [i, sh] of shapes.entries()) {
        const n = sh[0] * sh[1];
        const s = logits(n, 10 + i, i % 2 ? 30 : 4);
        const t = logits(n, 20 + i, i % 2 ? 30 : 4);
        const labels = Int32Array.from({ length: sh[0] }, (_, r) => (r * 7) % sh[1]);
        const run = (): LossResult<number | Float32Array>[] => [
          kdLoss(s, t, { shape: sh, temperature: 4 }),
          softCrossEntropy(s, t, { shape: sh, temperature: 2 }),
          crossEntropy(s, labels, { shape: sh, labelSmoothing: 0.1 }),
          hintonLoss(s, t, labels, { shape: sh, temperature: 10 }),
          mseLoss(s, t),
          cosineLoss(s, t, { shape: sh }),
          { loss: 0, grad: softmax(s, { shape: sh, temperature: 2 }) },
          { loss: 0, grad: logSoftmax(s, { shape: sh }) },
        ];
        setBackend('reference');
        const want = run();
        use(combo);
        const got = run();
        for (let j = 0; j < want.length; j++) {
          const wl = want[j].loss as number;
          expect(Math.abs((got[j].loss as number) - wl)).toBeLessThanOrEqual(1e-5 * Math.abs(wl) + 1e-7);
          const wg = want[j].grad!;
          const scale = Math.max(...Array.from(wg, Math.abs));
          close(got[j].grad!, wg, 1e-6 * scale + 1e-9, 1e-5, `${combo.label} shape ${sh} loss ${j}`);
        }
      }
      use(combo);
      const s = logits(64, 1);
      const t = logits(64, 2);
      const sync = kdLoss(s, t, { shape: [8, 8], temperature: 2 });
      const promised = await kdLossAsync(s, t, { shape: [8, 8], temperature: 2 });
      expect(promised.loss).toBe(sync.loss);
      close(promised.grad!, sync.grad!, 0, 0, 'async');
      expect(Array.from(await softmaxAsync(s, { shape: [8, 8] }))).toEqual(Array.from(softmax(s, { shape: [8, 8] })));
      expect((await hintonLossAsync(s, t, new Int32Array(8), { shape: [8, 8] })).loss).toBe(hintonLoss(s, t, new Int32Array(8), { shape: [8, 8] }).loss);
    });
  }
});

describe('bad input', () => {
  it('names the argument, what was expected and what came', () => {
    setBackend('reference');
    expect(() => kdLoss(S, T, { shape: [3, 3] })).toThrow(/kdLoss: shape must be of student's length 6 elements/);
    expect(() => kdLoss(S, new Float32Array(5), { shape })).toThrow("kdLoss: teacher must be of length 6 (the student's), got length 5");
    expect(() => kdLoss(S, T, { shape, temperature: 0 })).toThrow('kdLoss: temperature must be a finite number > 0, got 0');
    expect(() => kdLoss(S, T, { shape, reduction: 'avg' as 'sum' })).toThrow(`kdLoss: reduction must be 'batchmean', 'sum', 'mean', 'none', got "avg"`);
    expect(() => kdLoss(S, T, { shape, teacherKind: 'probabilities' })).toThrow('kdLoss: teacher[0] must be a probability in [0, 1], got 3');
    expect(() => kdLoss(S, { k: 2, indices: Int32Array.of(0, 0, 1, 2), values: new Float32Array(4) }, { shape })).toThrow('kdLoss: teacher.indices[1] must be distinct within row 0, got 0');
    expect(() => kdLoss(S, { k: 1, indices: Int32Array.of(0, 3), values: new Float32Array(2) }, { shape })).toThrow('kdLoss: teacher.indices[1] must be a class in [0, 3), got 3');
    expect(() => crossEntropy(S, Int32Array.of(0, 3), { shape })).toThrow('crossEntropy: labels[1] must be a class in [0, 3) or ignoreIndex -100, got 3');
    expect(() => crossEntropy(S, [0, 1] as unknown as Int32Array, { shape })).toThrow('crossEntropy: labels must be an Int32Array of class indices, got Array(2)');
    expect(() => hintonLoss(S, T, Int32Array.of(0, 1), { shape, alpha: 2 })).toThrow('hintonLoss: alpha must be a number in [0, 1], got 2');
    expect(() => attentionTransferLoss(new Float32Array(12), new Float32Array(12), { studentShape: [2, 2, 3], teacherShape: [2, 3, 2] })).toThrow(
      "attentionTransferLoss: teacherShape must be the student's batch 2 and spatial size 3, got batch 2, spatial size 2",
    );
    for (const combo of combos) {
      use(combo);
      expect(() => crossEntropy(S, Int32Array.of(-5, 1), { shape })).toThrow('crossEntropy: labels[0] must be a class in [0, 3) or ignoreIndex -100, got -5');
    }
  });
});
