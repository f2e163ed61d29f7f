/**
 * Non-uniform quantization: k-means codebooks (deterministic for a seed, the same
 * on every backend and CPU variant, nearest-centroid indices, exact for data with
 * few distinct values) and power-of-two codes (nearest level, hand-made vectors).
 */
import { describe, expect, it } from 'vitest';
import {
  codebookDequantize,
  codebookDequantizeAsync,
  kmeansQuantize,
  kmeansQuantizeAsync,
  packBits,
  pow2Dequantize,
  pow2DequantizeAsync,
  pow2Quantize,
  pow2QuantizeAsync,
  setBackend,
  unpackBits,
  type CodebookTensor,
} from '../dist/index.js';
import { CHUNK } from '../dist/backends/wasm-module.js';
import { backendMatrix, bits, rng, sameElements, use, type Combo } from './helpers.js';

const combos: Combo[] = [{ backend: 'reference', cpu: 'typescript', label: 'reference' }, ...backendMatrix()];

function weights(n: number, seed: number): Float32Array {
  const r = rng(seed);
  // a heavy-tailed, weight-like distribution
  return Float32Array.from({ length: n }, () => {
    const u = r() - 0.5;
    return Math.fround(0.1 * Math.sign(u) * Math.log1p(20 * Math.abs(u)) + (r() - 0.5) * 0.01);
  });
}

const reference = new Map<string, CodebookTensor>();
function referenceKmeans(x: Float32Array, o: Parameters<typeof kmeansQuantize>[1], key: string): CodebookTensor {
  if (!reference.has(key)) {
    setBackend('reference');
    reference.set(key, kmeansQuantize(x, o));
  }
  return reference.get(key)!;
}

describe.each(combos)('non-uniform quantization on $label', (combo) => {
  it('k-means gives the reference codebook, indices and iteration count bit for bit', () => {
    const x = weights(2 * CHUNK + 1001, 3);
    for (const o of [
      { bits: 1, seed: 7 },
      { bits: 3, seed: 1 },
      { bits: 4, seed: 42, initSample: 5000 },
      { bits: 8, seed: 9, maxIter: 5 },
    ]) {
      const key = JSON.stringify(o);
      const want = referenceKmeans(x, o, key);
      use(combo);
      const got = kmeansQuantize(x, o);
      sameElements(bits(got.codebook), bits(want.codebook), `codebook ${key}`);
      sameElements(got.indices, want.indices, `indices ${key}`);
      expect(got.iterations).toBe(want.iterations);
      expect(got.error.mse).toBeCloseTo(want.error.mse, 12);
    }
  });

  it('assigns every value to its nearest centroid and reconstructs codebook[index]', () => {
    use(combo);
    const x = weights(5000, 11);
    const t = kmeansQuantize(x, { bits: 4, seed: 3 });
    expect(t.codebook.length).toBe(16);
    for (let j = 1; j < 16; j++) expect(t.codebook[j]).toBeGreaterThanOrEqual(t.codebook[j - 1]);
    const idx = unpackBits(t.indices, 4, x.length);
    const y = codebookDequantize(t);
    for (let i = 0; i < x.length; i++) {
      expect(y[i]).toBe(t.codebook[idx[i]]);
      const d = Math.abs(x[i] - y[i]);
      for (const c of t.codebook) expect(d).toBeLessThanOrEqual(Math.abs(x[i] - c) * (1 + 1e-6) + 1e-12);
    }
    // the reported error is that of the reconstruction
    let sq = 0;
    for (let i = 0; i < x.length; i++) sq += (y[i] - x[i]) ** 2;
    expect(t.error.mse).toBeCloseTo(sq / x.length, 12);
    expect(t.iterations).toBeGreaterThan(0);
  });

  it('is exact when the data has no more distinct values than centroids, and deterministic for a seed', () => {
    use(combo);
    const levels = [-0.5, -0.125, 0, 0.25, 1, 3];
    const x = Float32Array.from({ length: 3001 }, (_, i) => levels[(i * 7) % levels.length]);
    const t = kmeansQuantize(x, { bits: 3, seed: 5 });
    expect(t.error.maxAbsError).toBe(0);
    sameElements(bits(codebookDequantize(t)), bits(x), 'reconstruction');
    const again = kmeansQuantize(x, { bits: 3, seed: 5 });
    sameElements(bits(again.codebook), bits(t.codebook), 'same seed');
    // a constant tensor: every centroid is that value
    const c = kmeansQuantize(new Float32Array(100).fill(2.5), { bits: 2 });
    expect(Array.from(c.codebook)).toEqual([2.5, 2.5, 2.5, 2.5]);
  });

  it('power-of-two codes pick the nearest level 0 or ±2^e (hand-made vector)', () => {
    use(combo);
    // bits 3: levels 0, ±2^emax, ±2^(emax-1), ±2^(emax-2); 3.2 alone would give emax = 2 (4 is nearer than 2)
    expect(pow2Quantize(Float32Array.of(3.2, -1), { bits: 3 }).emax).toBe(2);
    expect(pow2Quantize(Float32Array.of(2.9, -1), { bits: 3 }).emax).toBe(1);
    const x = Float32Array.of(3.2, 1.5, 1.49, -0.75, 0.5, 0.49, -0.5, 0, -0, 100, -2.9, 0.24);
    const t = pow2Quantize(x, { bits: 3, emax: 2 });
    expect(t.emax).toBe(2);
    expect(t.emin).toBe(0);
    expect(Array.from(t.codes)).toEqual([1, 2, 3, -3, 3, 0, -3, 0, 0, 1, -2, 0]);
    expect(Array.from(pow2Dequantize(t))).toEqual([4, 2, 1, -1, 1, 0, -1, 0, 0, 4, -2, 0]);
  });

  it('power-of-two quantization matches the reference on a wide range of magnitudes', () => {
    const r = rng(17);
    const x = Float32Array.from({ length: 2 * CHUNK + 77 }, () => (r() - 0.5) * 2 ** Math.floor(r() * 60 - 30));
    setBackend('reference');
    const want = pow2Quantize(x, { bits: 6 });
    use(combo);
    const got = pow2Quantize(x, { bits: 6 });
    expect([got.emin, got.emax]).toEqual([want.emin, want.emax]);
    sameElements(got.codes, want.codes, 'codes');
    sameElements(bits(pow2Dequantize(got)), bits(pow2Dequantize(want)), 'values');
  });

  it('Promise forms give the same results, and NaN is rejected with its index', async () => {
    use(combo);
    const x = weights(3000, 2);
    const a = kmeansQuantize(x, { bits: 2, seed: 1 });
    const b = await kmeansQuantizeAsync(x, { bits: 2, seed: 1 });
    sameElements(bits(b.codebook), bits(a.codebook), 'codebook');
    sameElements(b.indices, a.indices, 'indices');
    sameElements(bits(await codebookDequantizeAsync(b)), bits(codebookDequantize(a)), 'dequantized');
    const p = pow2Quantize(x);
    const q = await pow2QuantizeAsync(x);
    sameElements(q.codes, p.codes, 'pow2');
    sameElements(bits(await pow2DequantizeAsync(q)), bits(pow2Dequantize(p)), 'pow2 values');
    x[17] = NaN;
    expect(() => kmeansQuantize(x)).toThrow(/got NaN at index 17/);
    expect(() => pow2Quantize(x)).toThrow(/got NaN at index 17/);
    await expect(kmeansQuantizeAsync(x)).rejects.toThrow(/got NaN at index 17/);
  });
});

describe('index packing and argument checks', () => {
  it('packs indices LSB first and unpacks them for every width', () => {
    const r = rng(1);
    for (let b = 1; b <= 8; b++) {
      const idx = Uint8Array.from({ length: 101 }, () => Math.floor(r() * 2 ** b));
      const packed = packBits(idx, b);
      expect(packed.length).toBe(Math.ceil((101 * b) / 8));
      sameElements(unpackBits(packed, b, 101), idx, `bits ${b}`);
    }
    expect(Array.from(packBits(Uint8Array.of(1, 2, 3, 0, 1), 2))).toEqual([0b00111001, 0b01]);
    expect(Array.from(packBits(Uint8Array.of(5, 1, 7), 3))).toEqual([0b11001101, 0b1]);
  });

  it('names the argument, what was expected and what came', () => {
    setBackend('reference');
    const x = new Float32Array(10);
    expect(() => kmeansQuantize(x, { bits: 9 })).toThrow(/bits must be an integer in \[1, 8\], got 9/);
    expect(() => kmeansQuantize(new Float32Array(0))).toThrow(/x must be non-empty/);
    expect(() => kmeansQuantize(x, { seed: -1 })).toThrow(/seed must be an integer in \[0, 4294967295\]/);
    expect(() => pow2Quantize(x, { bits: 1 })).toThrow(/bits must be an integer in \[2, 8\]/);
    expect(() => pow2Quantize(x, { emax: 200 })).toThrow(/emax must be an integer in \[-125, 127\]/);
    expect(() => codebookDequantize({} as never)).toThrow(/tensor must be a CodebookTensor/);
  });
});
