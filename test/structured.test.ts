/**
 * Structured, block, N:M and importance pruning and the schedules: torch / TF-MOT
 * semantics on hand-made vectors, properties, and the same bits on every backend
 * and CPU variant.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  IterativePruner,
  TaylorImportance,
  blockMask,
  blockMaskAsync,
  constantSparsity,
  globalMagnitudeMask,
  lnStructuredMask,
  lnStructuredMaskAsync,
  nmMask,
  nmMaskAsync,
  polynomialDecay,
  scoreMask,
  setBackend,
  sliceNorms,
  sliceNormsAsync,
} from '../dist/index.js';
import { backendMatrix, bits, rng, sameElements, use, type Combo } from './helpers.js';

const combos: Combo[] = backendMatrix();
const list = (a: ArrayLike<number>) => Array.from(a);

function weights(n: number, seed: number, levels = 0): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => (levels ? (Math.floor(r() * levels) - levels / 2) * 0.25 : (r() - 0.5) * 2 ** (r() * 16 - 8)));
}

describe('ln_structured (torch.nn.utils.prune semantics, hand-made vectors)', () => {
  // Rows [3,3,0,0], [5,0,0,0], [1,1,1,1]: L1 norms 6, 5, 4; L2 norms 4.24, 5, 2.
  const w = Float32Array.of(3, 3, 0, 0, 5, 0, 0, 0, 1, 1, 1, 1);
  it('dim 0 (output rows / filters): the L1 and the L2 norm rank differently', () => {
    setBackend('reference');
    expect(list(lnStructuredMask(w, { shape: [3, 4], axis: 0, n: 1, count: 2 }))).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(list(lnStructuredMask(w, { shape: [3, 4], axis: 0, n: 2, count: 2 }))).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0]);
    // amount 0.5 of 3 rows = 1.5 → 2 (half to even), as torch's round
    expect(list(lnStructuredMask(w, { shape: [3, 4], axis: 0, n: 1, amount: 0.5 }))).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(list(sliceNorms(w, { shape: [3, 4], axis: 0, n: 2 }))).toEqual([Math.sqrt(18), 5, 2]);
  });
  it('dim 1 (input columns / channels): columns [2,2], [3,0], [1,1]', () => {
    setBackend('reference');
    const w2 = Float32Array.of(2, 3, 1, 2, 0, 1);
    expect(list(lnStructuredMask(w2, { shape: [2, 3], axis: 1, n: 1, count: 1 }))).toEqual([1, 1, 0, 1, 1, 0]);
    expect(list(lnStructuredMask(w2, { shape: [2, 3], axis: 1, n: 1, count: 2 }))).toEqual([1, 0, 0, 1, 0, 0]);
    expect(list(lnStructuredMask(w2, { shape: [2, 3], axis: -1, n: 2, count: 2 }))).toEqual([0, 1, 0, 0, 1, 0]);
    expect(list(sliceNorms(w2, { shape: [2, 3], axis: 1, n: 1 }))).toEqual([4, 3, 2]);
  });
  it('conv weights [out, in, kh, kw]: channel pruning along dim 1 spans every filter', () => {
    setBackend('reference');
    // channel 0 has |x| sum 1 + 2 + 3 + 4 = 10, channel 1 has 0.5 · 4 = 2
    const conv = Float32Array.of(1, -2, 0.5, 0.5, 3, 4, -0.5, 0.5);
    expect(list(lnStructuredMask(conv, { shape: [2, 2, 1, 2], axis: 1, n: 1, amount: 0.5 }))).toEqual([1, 1, 0, 0, 1, 1, 0, 0]);
    expect(list(lnStructuredMask(conv, { shape: [2, 2, 1, 2], axis: 0, n: 2, count: 1 }))).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });
  it('the infinity norm, a general n, and equal norms (the lower index is pruned first)', () => {
    setBackend('reference');
    const w3 = Float32Array.of(1, -7, 2, 2, 4, 4, 0.5, 3);
    expect(list(sliceNorms(w3, { shape: [4, 2], axis: 0, n: Infinity }))).toEqual([7, 2, 4, 3]);
    const n3 = sliceNorms(w3, { shape: [4, 2], axis: 0, n: 3 });
    const want = [1 + 343, 16, 128, 0.125 + 27].map((s) => s ** (1 / 3));
    for (let j = 0; j < 4; j++) expect(Math.abs(n3[j] - want[j]) / want[j]).toBeLessThan(1e-12);
    // rows 1 and 2 of [[2, 2], [2, 2], [1, 0]] … all L1 4 except the last
    const tie = Float32Array.of(2, 2, -2, 2, 2, -2, 1, 0);
    expect(list(lnStructuredMask(tie, { shape: [4, 2], axis: 0, n: 1, count: 2 }))).toEqual([0, 0, 1, 1, 1, 1, 0, 0]);
  });
  it('global_unstructured with importance scores ranks by the scores', () => {
    setBackend('reference');
    const a = Float32Array.of(0.1, -3, 2);
    const b = Float32Array.of(-0.2, 5, 0.05, 1);
    // amount 0.5 of 7 = 3.5 → 4: 0.05, 0.1, 0.2, 1
    expect(globalMagnitudeMask([a, b], { amount: 0.5 }).map(list)).toEqual([[0, 1, 1], [0, 1, 0, 0]]);
    const sa = Float32Array.of(9, 1, 8);
    const sb = Float32Array.of(2, 7, 6, 3);
    expect(globalMagnitudeMask([a, b], { count: 3, scores: [sa, sb] }).map(list)).toEqual([[1, 0, 1], [0, 1, 1, 0]]);
    expect(list(scoreMask(sb, { count: 1 }))).toEqual([0, 1, 1, 1]);
  });
});

describe('block sparsity (TF-MOT block_size / block_pooling_type)', () => {
  // 4 × 4: blocks of 2 × 2 have mean |x| 1, 2.5, 0.25, 4 and max |x| 1, 7, 0.5, 4
  const w = Float32Array.of(1, 1, 7, 1, 1, -1, 1, 1, 0.5, 0, 4, 4, 0, 0.5, -4, 4);
  it('scores blocks by mean or max |x| and prunes whole blocks', () => {
    setBackend('reference');
    expect(list(blockMask(w, { shape: [4, 4], block: [2, 2], count: 2 }))).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1]);
    expect(list(blockMask(w, { shape: [4, 4], block: [2, 2], pooling: 'max', count: 2 }))).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1]);
    expect(list(blockMask(w, { shape: [4, 4], block: [2, 2], pooling: 'max', count: 3 }))).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(list(blockMask(w, { shape: [4, 4], block: [2, 2], pooling: 'mean', count: 3 }))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1]);
  });
  it('1 × 4 and 4 × 1 blocks, edge blocks over the elements they cover, stacks of matrices', () => {
    setBackend('reference');
    // [1, 2, 3 | 10] mean over the edge block [10] alone is 10
    expect(list(blockMask(Float32Array.of(1, 2, 3, 4, 10), { shape: [1, 5], block: [1, 4], count: 1 }))).toEqual([0, 0, 0, 0, 1]);
    const col = Float32Array.of(1, 9, 1, 9, 1, 9, 1, 9);
    expect(list(blockMask(col, { shape: [4, 2], block: [4, 1], count: 1 }))).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
    // two 1 × 2 matrices stacked: blocks ranked together
    expect(list(blockMask(Float32Array.of(1, 1, 5, 5, 2, 2, 0, 1), { shape: [2, 2, 2], block: [1, 2], amount: 0.5 }))).toEqual([0, 0, 1, 1, 1, 1, 0, 0]);
  });
});

describe('N:M masks', () => {
  it('keeps the n largest of every m along the last axis, lower index pruned first on ties', () => {
    setBackend('reference');
    expect(list(nmMask(Float32Array.of(1, -5, 3, 0.5, 2, 2, 2, 2), { n: 2, m: 4 }))).toEqual([0, 1, 1, 0, 0, 0, 1, 1]);
    expect(list(nmMask(Float32Array.of(1, -5, 3, 0.5, 2, 2, 2, 2), { n: 1, m: 8 }))).toEqual([0, 1, 0, 0, 0, 0, 0, 0]);
    expect(list(nmMask(Float32Array.of(Infinity, -Infinity, 0, -0), { n: 2, m: 4 }))).toEqual([1, 1, 0, 0]);
  });
  it('runs along any axis: groups of m rows for every column', () => {
    setBackend('reference');
    // shape [4, 2], groups along axis 0: column 0 is [1, 4, 2, 3], column 1 is [8, 5, 6, 7]
    const x = Float32Array.of(1, 8, 4, 5, 2, 6, 3, 7);
    expect(list(nmMask(x, { n: 2, m: 4, shape: [4, 2], axis: 0 }))).toEqual([0, 1, 1, 0, 0, 0, 1, 1]);
  });
  it('keeps exactly n per group, never a smaller magnitude than one it prunes (property)', () => {
    setBackend('reference');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 6 }), fc.integer(), (m, nOff, groups, seed) => {
        const n = 1 + (nOff % m);
        const x = weights(m * groups, seed, 6);
        const mask = nmMask(x, { n, m });
        for (let g = 0; g < groups; g++) {
          let kept = 0;
          let minKept = Infinity;
          let maxPruned = -Infinity;
          for (let t = 0; t < m; t++) {
            const a = Math.abs(x[g * m + t]);
            if (mask[g * m + t]) {
              kept++;
              minKept = Math.min(minKept, a);
            } else maxPruned = Math.max(maxPruned, a);
          }
          expect(kept).toBe(n);
          expect(minKept).toBeGreaterThanOrEqual(maxPruned);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('structured masks prune whole slices, exactly k of them (properties)', () => {
  it('ln_structured: the mask is constant on each slice, k slices pruned, the smallest norms', () => {
    setBackend('reference');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }), fc.nat(), fc.constantFrom(1, 2, 3, Infinity), fc.integer(), (shape, axisSeed, n, seed) => {
        const axis = axisSeed % shape.length;
        const x = weights(shape.reduce((a, d) => a * d, 1), seed, 5);
        const k = seed % (shape[axis] + 1) < 0 ? 0 : Math.abs(seed) % (shape[axis] + 1);
        const mask = lnStructuredMask(x, { shape, axis, n, count: k });
        const norms = sliceNorms(x, { shape, axis, n });
        const inner = shape.slice(axis + 1).reduce((a, d) => a * d, 1);
        const keep = new Array<number>(shape[axis]).fill(-1);
        mask.forEach((v, i) => {
          const j = Math.floor(i / inner) % shape[axis];
          if (keep[j] === -1) keep[j] = v;
          expect(v).toBe(keep[j]);
        });
        expect(keep.filter((v) => v === 0).length).toBe(k);
        const pruned = norms.filter((_, j) => keep[j] === 0);
        const kept = norms.filter((_, j) => keep[j] === 1);
        if (pruned.length && kept.length) expect(Math.max(...pruned)).toBeLessThanOrEqual(Math.min(...kept));
      }),
      { numRuns: 200 },
    );
  });
});

describe('block masks prune exactly k whole blocks (property)', () => {
  it('every block is all kept or all pruned, k of them pruned, none scoring above a kept one', () => {
    setBackend('reference');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer(), (rows, cols, bh, bw, seed) => {
        const x = weights(rows * cols, seed, 7);
        const blocks = Math.ceil(rows / bh) * Math.ceil(cols / bw);
        const k = Math.abs(seed) % (blocks + 1);
        const mask = blockMask(x, { shape: [rows, cols], block: [bh, bw], pooling: 'max', count: k });
        const state = new Map<number, number>();
        const score = new Map<number, number>();
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) {
            const b = Math.floor(r / bh) * Math.ceil(cols / bw) + Math.floor(c / bw);
            if (!state.has(b)) state.set(b, mask[r * cols + c]);
            expect(mask[r * cols + c]).toBe(state.get(b));
            score.set(b, Math.max(score.get(b) ?? 0, Math.abs(x[r * cols + c])));
          }
        }
        const pruned = [...state].filter(([, v]) => v === 0).map(([b]) => score.get(b)!);
        const kept = [...state].filter(([, v]) => v === 1).map(([b]) => score.get(b)!);
        expect(pruned.length).toBe(k);
        if (pruned.length && kept.length) expect(Math.max(...pruned)).toBeLessThanOrEqual(Math.min(...kept));
      }),
      { numRuns: 200 },
    );
  });
});

describe('importance: first-order Taylor scores with momentum', () => {
  it('score = β · score + |w · g| in float32, batch after batch', () => {
    setBackend('reference');
    const t = new TaylorImportance(3, { momentum: 0.5 });
    t.accumulate(Float32Array.of(1, -2, 3), Float32Array.of(0.5, 0.5, -1));
    expect(list(t.scores)).toEqual([0.5, 1, 3]);
    t.accumulate(Float32Array.of(1, -2, 3), Float32Array.of(0, 4, 0));
    expect(list(t.scores)).toEqual([0.25, 8.5, 1.5]);
    expect(t.batches).toBe(2);
    expect(list(t.mask({ count: 1 }))).toEqual([0, 1, 1]);
    const sum = new TaylorImportance(2);
    sum.accumulate(Float32Array.of(1, 1), Float32Array.of(0.1, 1));
    sum.accumulate(Float32Array.of(1, 1), Float32Array.of(0.1, 1));
    expect(list(sum.scores)).toEqual([Math.fround(Math.fround(0.1) + Math.fround(0.1)), 2]);
    sum.reset();
    expect(list(sum.scores)).toEqual([0, 0]);
    expect(() => t.accumulate(Float32Array.of(1), Float32Array.of(1))).toThrow(/weights must be of length 3, got length 1/);
    expect(() => new TaylorImportance(3, { momentum: 2 })).toThrow(/momentum must be a number in \[0, 1\], got 2/);
  });
});

describe('schedules (TF-MOT PolynomialDecay / ConstantSparsity) and iterative pruning', () => {
  it('polynomial decay: final + (initial − final)(1 − p)^power, pruning every frequency steps in [begin, end]', () => {
    const s = polynomialDecay({ initialSparsity: 0.2, finalSparsity: 0.8, beginStep: 100, endStep: 300, power: 3, frequency: 50 });
    expect(s.sparsityAt(0)).toBeCloseTo(0.2, 12);
    expect(s.sparsityAt(100)).toBeCloseTo(0.2, 12);
    expect(s.sparsityAt(200)).toBeCloseTo(0.8 - 0.6 * 0.125, 12);
    expect(s.sparsityAt(300)).toBeCloseTo(0.8, 12);
    expect(s.sparsityAt(1000)).toBeCloseTo(0.8, 12);
    expect([99, 100, 125, 150, 300, 350].map((t) => s.shouldPrune(t))).toEqual([false, true, false, true, true, false]);
    const c = constantSparsity({ targetSparsity: 0.5, beginStep: 10, frequency: 5 });
    expect([9, 10, 12, 15, 10_000].map((t) => c.shouldPrune(t))).toEqual([false, true, false, true, true]);
    expect(c.sparsityAt(3)).toBe(0.5);
    expect(() => polynomialDecay({ finalSparsity: 1, endStep: 10 })).toThrow(/finalSparsity must be a sparsity in \[0, 1\), got 1/);
    expect(() => polynomialDecay({ finalSparsity: 0.5, beginStep: 10, endStep: 10 })).toThrow(/endStep must be an integer ≥ 11, got 10/);
  });
  it('IterativePruner: exact sparsity at each scheduled step, once pruned stays pruned, weights stay masked', () => {
    setBackend('reference');
    const w = weights(1000, 7);
    const v = weights(500, 8);
    const schedule = polynomialDecay({ finalSparsity: 0.9, endStep: 100, frequency: 10 });
    for (const method of ['magnitude', 'global'] as const) {
      const a = Float32Array.from(w);
      const b = Float32Array.from(v);
      const pruner = new IterativePruner([a, b], { schedule, method });
      let previous = pruner.masks.map((m) => Uint8Array.from(m));
      const r = rng(3);
      for (let step = 0; step <= 120; step++) {
        // an optimiser step moves every weight, pruned or not
        for (const t of [a, b]) for (let i = 0; i < t.length; i++) t[i] += (r() - 0.5) * 0.01;
        const changed = pruner.step(step);
        expect(changed).toBe(schedule.shouldPrune(step) && step > 0 && step <= 100); // step 0 has sparsity 0
        const target = schedule.sparsityAt(step);
        if (changed) {
          if (method === 'magnitude') {
            for (const m of pruner.masks) expect(m.length - m.reduce((s, x) => s + x, 0)).toBe(Math.round(target * m.length));
          } else {
            const zeros = pruner.masks.reduce((s, m) => s + m.length - m.reduce((t, x) => t + x, 0), 0);
            expect(zeros).toBe(Math.round(target * 1500));
          }
        }
        pruner.masks.forEach((m, i) => {
          for (let j = 0; j < m.length; j++) if (previous[i][j] === 0) expect(m[j]).toBe(0);
          const t = [a, b][i];
          for (let j = 0; j < m.length; j++) if (m[j] === 0) expect(t[j]).toBe(0);
        });
        previous = pruner.masks.map((m) => Uint8Array.from(m));
      }
    }
  });
});

describe('the same masks on every backend and CPU variant', () => {
  // Shapes that reach every SIMD tail, data with many ties, ±Inf and denormals.
  const cases = [
    { shape: [37, 5], levels: 0 },
    { shape: [8, 129], levels: 4 },
    { shape: [3, 16, 33], levels: 0 },
    { shape: [64, 64], levels: 6 },
    { shape: [1, 1031], levels: 0 },
    { shape: [257, 3], levels: 3 },
  ];
  function data(shape: number[], levels: number, seed: number): Float32Array {
    const x = weights(shape.reduce((a, d) => a * d, 1), seed, levels);
    if (x.length > 20) {
      x[3] = Infinity;
      x[11] = -1e-45;
      x[17] = -0;
    }
    return x;
  }
  for (const combo of combos) {
    it(`${combo.label}: structured, block and N:M masks, norms and Taylor scores match the reference bits`, async () => {
      for (const [ci, c] of cases.entries()) {
        const x = data(c.shape, c.levels, 100 + ci);
        for (let axis = 0; axis < c.shape.length; axis++) {
          for (const n of [1, 2, 1.5, Infinity]) {
            setBackend('reference');
            const wantNorms = sliceNorms(x, { shape: c.shape, axis, n });
            const wantMask = lnStructuredMask(x, { shape: c.shape, axis, n, amount: 0.4 });
            use(combo);
            expect(list(sliceNorms(x, { shape: c.shape, axis, n }))).toEqual(list(wantNorms));
            sameElements(lnStructuredMask(x, { shape: c.shape, axis, n, amount: 0.4 }), wantMask, `ln ${ci} axis ${axis} n ${n}`);
          }
          for (const [nn, m] of [[2, 4], [1, 1], [3, 8], [1, 2]]) {
            if (c.shape[axis] % m !== 0) continue;
            setBackend('reference');
            const want = nmMask(x, { n: nn, m, shape: c.shape, axis });
            use(combo);
            sameElements(nmMask(x, { n: nn, m, shape: c.shape, axis }), want, `nm ${ci} ${nn}:${m} axis ${axis}`);
          }
        }
        for (const block of [[1, 4], [4, 1], [2, 2], [3, 5], [1, 1], [16, 1]] as [number, number][]) {
          for (const pooling of ['mean', 'max'] as const) {
            setBackend('reference');
            const want = blockMask(x, { shape: c.shape, block, pooling, amount: 0.6 });
            use(combo);
            sameElements(blockMask(x, { shape: c.shape, block, pooling, amount: 0.6 }), want, `block ${ci} ${block} ${pooling}`);
          }
        }
        setBackend('reference');
        const ref = new TaylorImportance(x.length, { momentum: 0.9 });
        const g = weights(x.length, 999 + ci);
        ref.accumulate(x, g);
        ref.accumulate(g, x);
        use(combo);
        const got = new TaylorImportance(x.length, { momentum: 0.9 });
        got.accumulate(x, g);
        await got.accumulateAsync(g, x);
        sameElements(bits(got.scores), bits(ref.scores), `taylor ${ci}`);
      }
      // the Promise forms take the same steps
      const x = data([16, 12], 3, 5);
      use(combo);
      sameElements(await nmMaskAsync(x, { n: 2, m: 4, shape: [16, 12], axis: 1 }), nmMask(x, { n: 2, m: 4, shape: [16, 12], axis: 1 }), 'nm async');
      sameElements(await blockMaskAsync(x, { shape: [16, 12], block: [2, 3], amount: 0.5 }), blockMask(x, { shape: [16, 12], block: [2, 3], amount: 0.5 }), 'block async');
      sameElements(await lnStructuredMaskAsync(x, { shape: [16, 12], axis: 0, n: 2, count: 5 }), lnStructuredMask(x, { shape: [16, 12], axis: 0, n: 2, count: 5 }), 'ln async');
      expect(list(await sliceNormsAsync(x, { shape: [16, 12], axis: 1, n: 1 }))).toEqual(list(sliceNorms(x, { shape: [16, 12], axis: 1, n: 1 })));
    });
  }
});

describe('bad input', () => {
  it('NaN is rejected naming its index; bad options name the argument', () => {
    for (const combo of [{ backend: 'reference', cpu: 'typescript', label: 'reference' } as Combo, ...combos.slice(0, 1)]) {
      use(combo);
      const x = Float32Array.of(1, 2, 3, 4, 5, NaN, 7, 8);
      expect(() => lnStructuredMask(x, { shape: [2, 4], axis: 0, n: 1, count: 1 })).toThrow('lnStructuredMask: x must not contain NaN, got NaN at index 5');
      expect(() => nmMask(x, { n: 2, m: 4 })).toThrow('nmMask: x must not contain NaN, got NaN at index 5');
      expect(() => blockMask(x, { shape: [2, 4], block: [1, 2], count: 1 })).toThrow('blockMask: x must not contain NaN, got NaN at index 5');
      expect(() => sliceNorms(x, { shape: [4, 2], axis: 1, n: 2 })).toThrow('sliceNorms: x must not contain NaN, got NaN at index 5');
    }
    const x = new Float32Array(12);
    expect(() => nmMask(x, { n: 2, m: 5 })).toThrow('nmMask: shape must be a multiple of m = 5 along axis 0, got 12 there');
    expect(() => nmMask(x, { n: 5, m: 4 })).toThrow('nmMask: n must be an integer in [1, m = 4], got 5');
    expect(() => nmMask(x, { n: 1, m: 300 })).toThrow('nmMask: m must be an integer in [1, 256], got 300');
    expect(() => lnStructuredMask(x, { shape: [3, 4], axis: 0, n: 0, count: 1 })).toThrow(/n must be a norm order > 0/);
    expect(() => lnStructuredMask(x, { shape: [3, 4], axis: 2, n: 1, count: 1 })).toThrow('lnStructuredMask: axis must be in [-2, 1] for a shape of rank 2, got 2');
    expect(() => lnStructuredMask(x, { shape: [3, 4], axis: 0, n: 1, count: 4 })).toThrow('lnStructuredMask: count must be an integer in [0, 3], got 4');
    expect(() => lnStructuredMask(x, { shape: [3, 5], axis: 0, n: 1, count: 1 })).toThrow(/shape must be of x's length 12 elements/);
    expect(() => blockMask(x, { shape: [3, 4], block: [0, 2], count: 1 })).toThrow('blockMask: block must be a pair of integers ≥ 1, [height, width], got Array(2)');
    expect(() => blockMask(x, { shape: [3, 4], block: [1, 2], pooling: 'sum' as 'max', count: 1 })).toThrow(`blockMask: pooling must be 'mean' or 'max', got "sum"`);
    expect(() => globalMagnitudeMask([x], { count: 1, scores: [new Float32Array(3)] })).toThrow('globalMagnitudeMask: scores[0] must be of length 12, got length 3');
  });
});
