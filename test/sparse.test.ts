/**
 * Magnitude pruning masks (torch l1_unstructured / global_unstructured semantics,
 * exact k, lower index first among equal magnitudes), threshold masks, applying and
 * combining masks, sparsity: hand-made vectors, properties, and the same bits on
 * every backend and CPU variant.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyMask,
  applyMaskAsync,
  combineMasks,
  globalMagnitudeMask,
  globalMagnitudeMaskAsync,
  magnitudeMask,
  magnitudeMaskAsync,
  maskGradient,
  setBackend,
  sparsity,
  thresholdMask,
  thresholdMaskAsync,
} from '../dist/index.js';
import { CHUNK } from '../dist/backends/wasm-module.js';
import { backendMatrix, bits, rng, sameElements, use, type Combo } from './helpers.js';

const combos: Combo[] = [{ backend: 'reference', cpu: 'typescript', label: 'reference' }, ...backendMatrix()];

/** The oracle: sort by (|x|, index) and prune the first k. */
function sortedMask(x: Float32Array, k: number): Uint8Array {
  const order = Array.from(x.keys()).sort((a, b) => Math.abs(x[a]) - Math.abs(x[b]) || a - b);
  const mask = new Uint8Array(x.length).fill(1);
  for (let j = 0; j < k; j++) mask[order[j]] = 0;
  return mask;
}

function weights(n: number, seed: number, levels = 0): Float32Array {
  const r = rng(seed);
  // levels > 0: values from a small set, so magnitudes tie a lot
  return Float32Array.from({ length: n }, () => (levels ? (Math.floor(r() * levels) - levels / 2) * 0.25 : (r() - 0.5) * 2 ** (r() * 20 - 10)));
}

describe('magnitude masks follow torch.nn.utils.prune (hand-made vectors)', () => {
  it('l1_unstructured: amount is a fraction, round(amount · n) half to even, or count', () => {
    setBackend('reference');
    expect(Array.from(magnitudeMask(Float32Array.of(3, -1, 2, -4), { amount: 0.5 }))).toEqual([1, 0, 0, 1]);
    // 0.5 · 5 = 2.5 → 2 pruned; 0.3 · 5 = 1.5 → 2 pruned (Python's round)
    expect(Array.from(magnitudeMask(Float32Array.of(5, 4, 3, 2, 1), { amount: 0.5 }))).toEqual([1, 1, 1, 0, 0]);
    expect(Array.from(magnitudeMask(Float32Array.of(5, 4, 3, 2, 1), { amount: 0.3 }))).toEqual([1, 1, 1, 0, 0]);
    // 0.7 · 5 = 3.5 in double → 4 pruned (half to even)
    expect(Array.from(magnitudeMask(Float32Array.of(5, 4, 3, 2, 1), { amount: 0.7 }))).toEqual([1, 0, 0, 0, 0]);
  });
  it('equal magnitudes: the lower index is pruned first; zeros first of all; ±Inf last', () => {
    setBackend('reference');
    expect(Array.from(magnitudeMask(Float32Array.of(1, -1, 1, 2), { count: 2 }))).toEqual([0, 0, 1, 1]);
    expect(Array.from(magnitudeMask(Float32Array.of(0.5, -0, 0, Infinity, -Infinity, 3), { count: 3 }))).toEqual([0, 0, 0, 1, 1, 1]);
    expect(Array.from(magnitudeMask(Float32Array.of(1, 2), { count: 0 }))).toEqual([1, 1]);
    expect(Array.from(magnitudeMask(Float32Array.of(1, 2), { amount: 1 }))).toEqual([0, 0]);
  });
  it('global_unstructured: the smallest magnitudes of all tensors together', () => {
    setBackend('reference');
    const masks = globalMagnitudeMask([Float32Array.of(1, 5), Float32Array.of(2, 0.5)], { count: 2 });
    expect(masks.map((m) => Array.from(m))).toEqual([[0, 1], [1, 0]]);
    // ties across tensors: the earlier tensor first
    const tied = globalMagnitudeMask([Float32Array.of(3, 1), Float32Array.of(1, 3)], { amount: 0.25 });
    expect(tied.map((m) => Array.from(m))).toEqual([[1, 0], [1, 1]]);
  });
});

describe.each(combos)('pruning masks on $label', (combo) => {
  it('prunes exactly k, the smallest magnitudes, lower index first — against a sort, past WASM chunks', () => {
    use(combo);
    for (const [n, levels] of [[1, 0], [17, 0], [2 * CHUNK + 333, 0], [2 * CHUNK + 333, 6], [1000, 1]]) {
      const x = weights(n, n + levels, levels);
      for (const amount of [0, 0.1, 0.5, 0.9, 1]) {
        const k = Math.round(amount * n);
        const got = magnitudeMask(x, { count: k });
        sameElements(got, sortedMask(x, k), `n ${n} levels ${levels} k ${k}`);
      }
    }
  });

  it('global masks equal the mask of the concatenation', () => {
    use(combo);
    const parts = [weights(CHUNK + 5, 1, 8), weights(3, 2, 8), weights(CHUNK - 1, 3, 8)];
    const all = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    const k = Math.floor(all.length * 0.6);
    const masks = globalMagnitudeMask(parts, { count: k });
    const joined = new Uint8Array(all.length);
    at = 0;
    for (const m of masks) {
      joined.set(m, at);
      at += m.length;
    }
    sameElements(joined, sortedMask(all, k), 'global');
  });

  it('threshold masks keep |x| > threshold, for thresholds between floats too', () => {
    use(combo);
    const x = Float32Array.of(0.1, -0.1, 0.2, -3, 0, Infinity, Math.fround(0.1) * 1.0000001);
    expect(Array.from(thresholdMask(x, { threshold: Math.fround(0.1) }))).toEqual([0, 0, 1, 1, 0, 1, 1]);
    expect(Array.from(thresholdMask(x, { threshold: 0.1 }))).toEqual([1, 1, 1, 1, 0, 1, 1]); // fround(0.1) > 0.1
    expect(Array.from(thresholdMask(x, { threshold: 0 }))).toEqual([1, 1, 1, 1, 0, 1, 1]);
    expect(Array.from(thresholdMask(x, { threshold: Infinity }))).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it('applies, combines and measures masks', () => {
    use(combo);
    const x = Float32Array.of(1, -2, 3, NaN, -0.5);
    const m = Uint8Array.of(1, 0, 1, 0, 1);
    expect(Array.from(applyMask(x, m))).toEqual([1, 0, 3, 0, -0.5]);
    expect(Array.from(maskGradient(x, m))).toEqual([1, 0, 3, 0, -0.5]);
    const inPlace = x.slice();
    expect(applyMask(inPlace, m, { inPlace: true })).toBe(inPlace);
    expect(Array.from(inPlace)).toEqual([1, 0, 3, 0, -0.5]);
    expect(Array.from(combineMasks(m, Uint8Array.of(1, 1, 0, 1, 1), Uint8Array.of(1, 1, 1, 1, 0)))).toEqual([1, 0, 0, 0, 0]);
    expect(sparsity(m)).toBeCloseTo(0.4, 15);
    expect(sparsity(Float32Array.of(0, -0, 1, 2))).toBe(0.5);
    const r = sparsity([m, Float32Array.of(0, 1, 0)]);
    expect(r.perTensor[1]).toBeCloseTo(2 / 3, 15);
    expect(r.zeros).toBe(4);
    expect(r.overall).toBe(0.5);
    const big = weights(2 * CHUNK + 9, 4);
    const mask = magnitudeMask(big, { amount: 0.9 });
    expect(sparsity(mask)).toBeCloseTo(Math.round(0.9 * big.length) / big.length, 12);
    expect(sparsity(applyMask(big, mask))).toBeCloseTo(Math.round(0.9 * big.length) / big.length, 12);
  });

  it('gives the reference bits, and the Promise forms agree', async () => {
    const x = weights(3 * CHUNK + 7, 9, 10);
    setBackend('reference');
    const want = magnitudeMask(x, { amount: 0.77 });
    const wantT = thresholdMask(x, { threshold: 0.5 });
    use(combo);
    sameElements(magnitudeMask(x, { amount: 0.77 }), want, 'sync');
    sameElements(await magnitudeMaskAsync(x, { amount: 0.77 }), want, 'async');
    sameElements(await thresholdMaskAsync(x, { threshold: 0.5 }), wantT, 'threshold async');
    const [g] = await globalMagnitudeMaskAsync([x], { amount: 0.77 });
    sameElements(g, want, 'global async');
    const applied = await applyMaskAsync(x, want);
    sameElements(bits(applied), bits(applyMask(x, want)), 'apply async');
  });

  it('rejects NaN naming its index, and bad options', () => {
    use(combo);
    const x = Float32Array.of(1, 2, NaN, 4);
    expect(() => magnitudeMask(x, { amount: 0.5 })).toThrow('magnitudeMask: x must not contain NaN, got NaN at index 2');
    expect(() => thresholdMask(x, { threshold: 1 })).toThrow('thresholdMask: x must not contain NaN, got NaN at index 2');
    expect(() => globalMagnitudeMask([Float32Array.of(1), x], { count: 1 })).toThrow('tensors[1] must not contain NaN, got NaN at index 2');
  });
});

describe('pruning argument checks and properties', () => {
  it('names the argument, what was expected and what came', () => {
    setBackend('reference');
    const x = new Float32Array(4);
    expect(() => magnitudeMask(x, { amount: 1.5 })).toThrow(/amount must be a fraction in \[0, 1\], got 1.5/);
    expect(() => magnitudeMask(x, { count: 5 })).toThrow(/count must be an integer in \[0, 4\], got 5/);
    expect(() => magnitudeMask(x, { amount: 0.5, count: 1 })).toThrow(/either amount \(a fraction\) or count/);
    expect(() => magnitudeMask(x, {})).toThrow(/either amount/);
    expect(() => thresholdMask(x, { threshold: -1 })).toThrow(/threshold must be a number ≥ 0/);
    expect(() => applyMask(x, new Uint8Array(3))).toThrow(/mask must be of length 4/);
    expect(() => applyMask(x, new Uint8Array(4), { inPlace: true, out: new Float32Array(4) })).toThrow(/out must be absent with inPlace/);
    expect(() => globalMagnitudeMask([], { count: 0 })).toThrow(/tensors must be a non-empty array/);
  });

  it('masks are invariant to permuting the data (up to the index rule) and prune exactly k (property)', () => {
    setBackend(process.env.MODELPRESS_TEST_WITHOUT_NATIVE === '1' ? 'wasm' : 'native');
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true }), { minLength: 1, maxLength: 300 }), fc.double({ min: 0, max: 1, noNaN: true }), (values, amount) => {
        const x = Float32Array.from(values);
        const mask = magnitudeMask(x, { amount });
        const v = amount * x.length;
        let k = Math.round(v);
        if (k - v === 0.5 && k % 2 !== 0) k -= 1; // Python's round(): half to even
        expect(mask.length - mask.reduce((s, b) => s + b, 0)).toBe(k);
        sameElements(mask, sortedMask(x, k), 'sort');
        // reversed data: the same set of magnitudes is pruned
        const rev = x.slice().reverse();
        const m2 = magnitudeMask(rev, { amount });
        const kept = (a: Float32Array, m: Uint8Array) => Array.from(a).filter((_, i) => m[i]).map(Math.abs).sort((p, q) => p - q);
        expect(kept(rev, m2)).toEqual(kept(x, mask));
      }),
      { numRuns: 200 },
    );
  });
});
