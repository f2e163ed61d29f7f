/**
 * WebAssembly specifics: the module's memory grows when a call needs more room,
 * which detaches the old heap views; every view must be re-derived.
 */
import { describe, expect, it } from 'vitest';
import { dequantizeLinear, quantize, quantizeLinear, quantizeLinearAsync, setBackend } from '../dist/index.js';
import { rng, sameElements } from './helpers.js';

describe('wasm memory growth', () => {
  it('gives the reference results before and after the heap grows', async () => {
    const r = rng(99);
    const small = Float32Array.from({ length: 1000 }, () => (r() - 0.5) * 10);
    // 3 Mi per-axis parameters: 24 MiB of scales and zero points, far beyond the
    // module's initial 4 MiB, so malloc must grow the memory mid-session.
    const n = 3 * 1024 * 1024;
    const big = Float32Array.from({ length: n }, () => (r() - 0.5) * 10);
    const scale = Float32Array.from({ length: n }, (_, i) => 0.01 + (i % 97) / 50);
    const zeroPoint = Int8Array.from({ length: n }, (_, i) => (i % 255) - 127);
    const perAxis = { scale, zeroPoint, axis: 1, shape: [1, n] };

    setBackend('reference');
    const wantSmall = quantizeLinear(small, { scale: 0.05, dtype: 'int8' });
    const wantBig = quantizeLinear(big, perAxis);
    const wantBack = dequantizeLinear(wantBig, perAxis);

    setBackend('wasm');
    sameElements(quantizeLinear(small, { scale: 0.05, dtype: 'int8' }), wantSmall, 'before growth');
    sameElements(quantizeLinear(big, perAxis), wantBig, 'the growing call');
    sameElements(new Uint32Array(dequantizeLinear(wantBig, perAxis).buffer), new Uint32Array(wantBack.buffer), 'dequantize after growth');
    sameElements(quantizeLinear(small, { scale: 0.05, dtype: 'int8' }), wantSmall, 'after growth');
    sameElements(await quantizeLinearAsync(big, perAxis), wantBig, 'in the worker');
    expect(quantize(small).scale).toBeGreaterThan(0);
  });
});
