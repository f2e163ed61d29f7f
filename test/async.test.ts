/**
 * Promise forms: same results as the sync forms, and the event loop keeps turning
 * while a 64 MiB tensor is processed off the JS thread.
 */
import { describe, expect, it } from 'vitest';
import {
  dequantizeAsync,
  dequantizeLinear,
  dequantizeLinearAsync,
  quantize,
  quantizeAsync,
  quantizeLinear,
  quantizeLinearAsync,
} from '../dist/index.js';
import { backendMatrix, rng, use } from './helpers.js';

function randomData(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => (r() - 0.5) * 20);
}

const combos = backendMatrix();

describe.each(combos)('Promise forms on $label', (combo) => {
  it('give the results of the sync forms', async () => {
    use(combo);
    const x = randomData(50_001, 7);
    const opts = { scale: 0.05, zeroPoint: -3, dtype: 'int8' as const };
    expect(await quantizeLinearAsync(x, opts)).toEqual(quantizeLinear(x, opts));
    const perAxis = { scale: [0.1, 0.2, 0.3], zeroPoint: new Uint8Array([1, 128, 250]), axis: 1, shape: [16667, 3] };
    expect(await quantizeLinearAsync(x, perAxis)).toEqual(quantizeLinear(x, perAxis));
    const q = quantizeLinear(x, perAxis);
    expect(await dequantizeLinearAsync(q, perAxis)).toEqual(dequantizeLinear(q, perAxis));
    const t = await quantizeAsync(x, { dtype: 'uint8', axis: 0, shape: [3, 16667] });
    expect(t).toEqual(quantize(x, { dtype: 'uint8', axis: 0, shape: [3, 16667] }));
    expect(await dequantizeAsync(t)).toEqual(dequantizeLinear(t.data, { scale: t.scale, zeroPoint: t.zeroPoint, axis: 0, shape: [3, 16667] }));
  });

  it('handle sub-array views of bigger buffers (inputs and outputs)', async () => {
    use(combo);
    const big = randomData(100_000, 9);
    const x = big.subarray(50_001, 50_001 + 777);
    const backing = new Int8Array(1000);
    const out = backing.subarray(3, 3 + 777);
    const opts = { scale: 0.02, zeroPoint: 1, dtype: 'int8' as const };
    await quantizeLinearAsync(x, { ...opts, out });
    expect(out).toEqual(quantizeLinear(x.slice(), opts));
    expect(Array.from(backing.subarray(0, 3))).toEqual([0, 0, 0]); // nothing written outside the view
    expect(Array.from(backing.subarray(780))).toEqual(new Array(220).fill(0));
  });

  it('write into the given out buffer', async () => {
    use(combo);
    const x = randomData(1000, 3);
    const out = new Uint8Array(1000);
    const result = await quantizeLinearAsync(x, { scale: 0.1, zeroPoint: 128, out });
    expect(result).toBe(out);
    expect(out).toEqual(quantizeLinear(x, { scale: 0.1, zeroPoint: 128 }));
  });
});

describe.each(combos.filter((c) => c.cpu === combos.find((d) => d.backend === c.backend)!.cpu))(
  'the event loop stays responsive on $backend',
  (combo) => {
    it('while a 64 MiB tensor is quantized and dequantized', async () => {
      use(combo);
      const x = randomData(16 * 1024 * 1024, 11); // 64 MiB of float32
      let turns = 0;
      let ticks = 0;
      let running = true;
      const spin = () => {
        turns++;
        if (running) setImmediate(spin);
      };
      setImmediate(spin);
      const timer = setInterval(() => ticks++, 1);
      const t = await quantizeAsync(x, { dtype: 'uint8' });
      const back = await dequantizeAsync(t);
      running = false;
      clearInterval(timer);
      // A sync call would allow zero turns; off-thread work leaves the loop free.
      expect(turns).toBeGreaterThan(10);
      expect(ticks).toBeGreaterThan(0);
      // And the work is right: every element within half a step of the input.
      const half = (t.scale as number) / 2;
      let worst = 0;
      for (let i = 0; i < x.length; i += 997) worst = Math.max(worst, Math.abs(back[i] - x[i]));
      expect(worst).toBeLessThanOrEqual(half * 1.0001);
    });
  },
);
