/**
 * Fake quantization (QAT): hand-made vectors, equality with DequantizeLinear ∘
 * QuantizeLinear bit for bit, the straight-through mask, the backward pass, and the
 * same results on every backend and CPU variant.
 */
import { describe, expect, it } from 'vitest';
import {
  dequantizeLinear,
  fakeQuantize,
  fakeQuantizeAsync,
  fakeQuantizeBackward,
  fakeQuantizeBackwardAsync,
  quantizeLinear,
  setBackend,
} from '../dist/index.js';
import { CHUNK } from '../dist/backends/wasm-module.js';
import { backendMatrix, bits, rng, sameElements, SPECIALS, use, type Combo } from './helpers.js';

const combos: Combo[] = [{ backend: 'reference', cpu: 'typescript', label: 'reference' }, ...backendMatrix()];

describe.each(combos)('fake quantization on $label', (combo) => {
  it('quantizes, dequantizes and masks a hand-made vector (uint8, scale 0.5, zero point 2)', () => {
    use(combo);
    // x / 0.5 rounded half to even, + 2, then clamped to [0, 255]
    const x = Float32Array.of(-1, -1.25, -1.3, 0.3, 0.75, 127, 126.5, NaN, Infinity, -Infinity);
    const r = fakeQuantize(x, { scale: 0.5, zeroPoint: 2, dtype: 'uint8' });
    expect(Array.from(r.values)).toEqual([-1, -1, -1, 0.5, 1, 126.5, 126.5, 0, 126.5, -1]);
    expect(Array.from(r.mask)).toEqual([1, 1, 0, 1, 1, 0, 1, 0, 0, 0]);
  });

  it('equals DequantizeLinear(QuantizeLinear(x)) bit for bit, per tensor and per axis', () => {
    use(combo);
    const r = rng(31);
    const n = 14 * Math.ceil((2 * CHUNK + 301) / 14); // past two WASM chunks, divisible by 7 and 2
    const x = Float32Array.from({ length: n }, (_, i) => (i % 97 === 0 ? SPECIALS[i % SPECIALS.length] : (r() - 0.5) * 300));
    for (const o of [
      { scale: 0.37, zeroPoint: -5, dtype: 'int8' as const },
      { scale: 1.5, zeroPoint: 200, dtype: 'uint8' as const },
      { scale: [0.5, 1, 2, 4, 8, 16, 32], zeroPoint: new Int8Array([-128, -1, 0, 1, 5, 100, 127]), dtype: 'int8' as const, axis: 1, shape: [n / 7, 7] },
      { scale: [0.25, 3], zeroPoint: new Uint8Array([0, 255]), dtype: 'uint8' as const, axis: 0, shape: [2, n / 2] },
    ]) {
      const want = dequantizeLinear(quantizeLinear(x, o), o);
      const got = fakeQuantize(x, o);
      sameElements(bits(got.values), bits(want), `values ${JSON.stringify(o.shape ?? 'tensor')}`);
      // the mask: 1 exactly where quantizing did not saturate (NaN and ±Inf blocked)
      const q = quantizeLinear(x, o);
      const [qmin, qmax] = o.dtype === 'int8' ? [-128, 127] : [0, 255];
      for (let i = 0; i < n; i++) {
        if (!Number.isFinite(x[i])) expect(got.mask[i]).toBe(0);
        else if (got.mask[i] === 0) expect([qmin, qmax]).toContain(q[i]);
      }
    }
  });

  it('passes the gradient where the mask is 1 and blocks it (NaN included) where it is 0', () => {
    use(combo);
    const grad = Float32Array.of(1.5, -2, NaN, 4, -0, 7);
    const mask = Uint8Array.of(1, 0, 0, 1, 1, 0);
    const out = fakeQuantizeBackward(grad, mask);
    expect(Array.from(out)).toEqual([1.5, 0, 0, 4, -0, 0]);
    expect(Object.is(out[4], -0)).toBe(true);
    expect(Object.is(out[1], 0)).toBe(true);
  });

  it('the Promise forms and out buffers agree with the sync forms', async () => {
    use(combo);
    const x = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i) * 100);
    const o = { scale: 0.5, zeroPoint: 3, dtype: 'int8' as const };
    const sync = fakeQuantize(x, o);
    const out = new Float32Array(5000);
    const mask = new Uint8Array(5000);
    const r = await fakeQuantizeAsync(x, { ...o, out, mask });
    expect(r.values).toBe(out);
    expect(r.mask).toBe(mask);
    expect(r).toEqual(sync);
    const g = Float32Array.from({ length: 5000 }, (_, i) => i - 2500);
    expect(await fakeQuantizeBackwardAsync(g, mask)).toEqual(fakeQuantizeBackward(g, mask));
  });
});

describe('fake quantization bad input', () => {
  setBackend('reference');
  it.each([
    [() => fakeQuantize(new Float32Array(2), { scale: 0 }), RangeError, 'fakeQuantize: scale must be finite and > 0, got 0'],
    [() => fakeQuantize(new Float32Array(2), { scale: 1, mask: new Uint8Array(3) }), RangeError, 'fakeQuantize: mask must be of length 2, got length 3'],
    [() => fakeQuantize(new Float32Array(2), { scale: 1, mask: new Int8Array(2) as never }), TypeError, 'fakeQuantize: mask must be a Uint8Array, got Int8Array(2)'],
    [() => fakeQuantize(new Float32Array(2), { scale: 1, zeroPoint: 300 }), RangeError, 'fakeQuantize: zeroPoint must be in [-128, 127] for int8, got 300'],
    [() => fakeQuantizeBackward(new Float32Array(2), new Uint8Array(1)), RangeError, "fakeQuantizeBackward: mask must be of grad's length 2, got length 1"],
    [() => fakeQuantizeBackward(new Float32Array(2), [1, 0] as never), TypeError, 'fakeQuantizeBackward: mask must be the Uint8Array mask from fakeQuantize(), got Array(2)'],
  ] as const)('%#', (call, ctor, message) => {
    expect(call).toThrow(ctor);
    expect(call).toThrow(message);
  });
});
