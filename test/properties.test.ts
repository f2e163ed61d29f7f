/** Invariants of quantization, checked with fast-check on the reference and the default backend. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dequantize,
  dequantizeBlocks,
  dequantizeLinear,
  kmeansQuantize,
  codebookDequantize,
  pow2Dequantize,
  pow2Quantize,
  quantize,
  quantizeBlocks,
  quantizeLinear,
  setBackend,
  type QuantDType,
} from '../dist/index.js';

const f32 = (min: number, max: number) => fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true, noDefaultInfinity: true });
const dtype = fc.constantFrom<QuantDType>('int8', 'uint8');
const RANGE = { int8: [-128, 127], uint8: [0, 255] } as const;

describe.each(['reference', 'default'])('properties on the %s backend', (which) => {
  const select = () => (which === 'reference' ? setBackend('reference') : setBackend(process.env.MODELPRESS_TEST_WITHOUT_NATIVE === '1' ? 'wasm' : 'native'));

  it('inside the representable range, the error of each element is at most scale / 2', () => {
    select();
    fc.assert(
      fc.property(dtype, f32(1e-3, 10), fc.integer({ min: 0, max: 255 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 200 }), (dt, scale, zpRaw, us) => {
        const [qmin, qmax] = RANGE[dt];
        const zp = dt === 'int8' ? zpRaw - 128 : zpRaw;
        const lo = (qmin - zp) * scale;
        const hi = (qmax - zp) * scale;
        const x = Float32Array.from(us, (u) => lo + u * (hi - lo));
        const back = dequantizeLinear(quantizeLinear(x, { scale, zeroPoint: zp, dtype: dt }), { scale, zeroPoint: zp });
        for (let i = 0; i < x.length; i++) {
          if (x[i] < lo || x[i] > hi) continue; // float32 rounding of the endpoints
          const bound = (scale / 2) * (1 + 2 ** -20) + Math.abs(x[i]) * 2 ** -22;
          expect(Math.abs(back[i] - x[i])).toBeLessThanOrEqual(bound);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('block-wise int4 / uint4 / int8: every element within half its block\'s step, and re-quantizing the blocks is idempotent', () => {
    select();
    const blockDtype = fc.constantFrom('int4' as const, 'uint4' as const, 'int8' as const, 'uint8' as const);
    fc.assert(
      fc.property(blockDtype, fc.boolean(), fc.integer({ min: 1, max: 40 }), fc.array(f32(-1e3, 1e3), { minLength: 1, maxLength: 300 }), (dt, symmetric, blockSize, values) => {
        // Ranges of subnormal width make the float32 scale itself inexact (a scale of
        // 16/15 · 2^-149 rounds to 2^-149): the half-step bound is for normal ranges.
        const x = Float32Array.from(values, (v) => (Math.abs(v) < 1e-30 ? 0 : v));
        const t = quantizeBlocks(x, { dtype: dt, symmetric, blockSize });
        const back = dequantizeBlocks(t);
        for (let i = 0; i < x.length; i++) {
          const s = t.scales[Math.floor(i / blockSize)];
          expect(Math.abs(back[i] - x[i])).toBeLessThanOrEqual((s / 2) * (1 + 2 ** -20) + Math.abs(x[i]) * 2 ** -22);
        }
        // with the same parameters, quantize(dequantize(q)) = q
        const o = { scale: t.scales, zeroPoint: t.zeroPoints, dtype: dt, axis: 0, shape: [x.length], blockSize };
        expect(quantizeLinear(back, o)).toEqual(t.data);
      }),
      { numRuns: 200 },
    );
  });

  it('k-means and power-of-two codes: every value goes to its nearest level', () => {
    select();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(f32(-100, 100), { minLength: 1, maxLength: 200 }), (bits, values) => {
        // Subnormals are flushed to 0 here: their midpoints and squared distances
        // round in float32 by whole units of 2^-149, which no relative slack covers.
        const x = Float32Array.from(values, (v) => (Math.abs(v) < 1e-30 ? 0 : v));
        const cb = kmeansQuantize(x, { bits, seed: values.length });
        const y = codebookDequantize(cb);
        for (let i = 0; i < x.length; i++) {
          for (const c of cb.codebook) expect(Math.abs(x[i] - y[i])).toBeLessThanOrEqual(Math.abs(x[i] - c) * (1 + 2 ** -20));
        }
        const p = pow2Quantize(x, { bits: bits + 2 });
        const z = pow2Dequantize(p);
        const levels = [0];
        for (let e = p.emin; e <= p.emax; e++) levels.push(2 ** e, -(2 ** e));
        for (let i = 0; i < x.length; i++) {
          for (const l of levels) expect(Math.abs(x[i] - z[i])).toBeLessThanOrEqual(Math.abs(x[i] - l));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('quantize ∘ dequantize ∘ quantize = quantize (idempotent)', () => {
    select();
    fc.assert(
      fc.property(dtype, fc.boolean(), fc.array(f32(-1e4, 1e4), { minLength: 1, maxLength: 300 }), (dt, symmetric, values) => {
        const x = Float32Array.from(values);
        const t = quantize(x, { dtype: dt, symmetric });
        const again = quantizeLinear(dequantize(t), { scale: t.scale, zeroPoint: t.zeroPoint as number, dtype: dt });
        expect(again).toEqual(t.data);
      }),
      { numRuns: 300 },
    );
  });

  it('symmetric int8 never uses -128 and keeps the extreme value exact to half a step', () => {
    select();
    fc.assert(
      fc.property(fc.array(f32(-1e6, 1e6), { minLength: 1, maxLength: 300 }), (values) => {
        const x = Float32Array.from(values);
        const t = quantize(x);
        expect(t.zeroPoint).toBe(0);
        expect(t.data.every((q) => q >= -127)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('per-axis quantize() equals per-tensor quantize() of each slice', () => {
    select();
    fc.assert(
      fc.property(dtype, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 1000 }), (dt, rows, cols, seed) => {
        const x = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 12.9898 + seed) * (1 + (i % cols)));
        const t = quantize(x, { dtype: dt, axis: 1, shape: [rows, cols] });
        for (let c = 0; c < cols; c++) {
          const column = Float32Array.from({ length: rows }, (_, r) => x[r * cols + c]);
          const s = quantize(column, { dtype: dt });
          expect((t.scale as Float32Array)[c]).toBe(s.scale);
          expect((t.zeroPoint as Int8Array)[c]).toBe(s.zeroPoint);
          for (let r = 0; r < rows; r++) expect(t.data[r * cols + c]).toBe(s.data[r]);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('the parameters do not depend on the order of the data', () => {
    select();
    fc.assert(
      fc.property(dtype, fc.array(f32(-100, 100), { minLength: 2, maxLength: 200 }), fc.integer(), (dt, values, seed) => {
        const x = Float32Array.from(values);
        const perm = x.slice().reverse();
        const rotated = Float32Array.from(x, (_, i) => x[(i + Math.abs(seed)) % x.length]);
        const a = quantize(x, { dtype: dt });
        for (const y of [perm, rotated]) {
          const b = quantize(y, { dtype: dt });
          expect(b.scale).toBe(a.scale);
          expect(b.zeroPoint).toBe(a.zeroPoint);
        }
      }),
      { numRuns: 200 },
    );
  });
});
