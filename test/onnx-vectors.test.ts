/**
 * Hand-made vectors from the ONNX operator definitions (QuantizeLinear,
 * DequantizeLinear, DynamicQuantizeLinear), checked on every backend and variant.
 */
import { describe, expect, it } from 'vitest';
import { dequantize, dequantizeLinear, quantize, quantizeLinear } from '../dist/index.js';
import { backendMatrix, use, type Combo } from './helpers.js';

const combos: Combo[] = [{ backend: 'reference', cpu: 'typescript', label: 'reference' }, ...backendMatrix()];

// QuantizeLinear with axis=1 on x of shape [1, 3, 3, 2] (ONNX example "axis").
const AXIS_X = new Float32Array([
  -162, 10, -100, 232, -20, -50, -76, 0, 0, 252, 32, -44, 245, -485, -960, -270, -375, -470,
]);
const AXIS_Q = [3, 89, 34, 200, 74, 59, 5, 24, 24, 87, 32, 13, 245, 99, 4, 142, 121, 102];

describe.each(combos)('ONNX vectors on $label', (combo) => {
  it('QuantizeLinear, uint8 per tensor: rounds half to even and saturates', () => {
    use(combo);
    const x = new Float32Array([0, 2, 3, 1000, -254, -1000]);
    expect(Array.from(quantizeLinear(x, { scale: 2, zeroPoint: 128, dtype: 'uint8' }))).toEqual([128, 129, 130, 255, 1, 0]);
  });

  it('QuantizeLinear, int8 per tensor', () => {
    use(combo);
    const x = new Float32Array([0, 2, 3, 5, -2, -3, -5, 1000, -1000, 0.5, 1.5, -0.5, -1.5]);
    const q = quantizeLinear(x, { scale: 2, zeroPoint: -1, dtype: 'int8' });
    expect(q).toBeInstanceOf(Int8Array);
    // 3/2 = 1.5 → 2, 5/2 = 2.5 → 2, -3/2 → -2, -5/2 → -2, 0.25 → 0, 0.75 → 1
    expect(Array.from(q)).toEqual([-1, 0, 1, 1, -2, -3, -3, 127, -128, -1, 0, -1, -2]);
  });

  it('QuantizeLinear per axis (axis = 1, shape [1, 3, 3, 2])', () => {
    use(combo);
    const q = quantizeLinear(AXIS_X, {
      scale: new Float32Array([2, 4, 5]),
      zeroPoint: new Uint8Array([84, 24, 196]),
      axis: 1,
      shape: [1, 3, 3, 2],
    });
    expect(q).toBeInstanceOf(Uint8Array);
    expect(Array.from(q)).toEqual(AXIS_Q);
  });

  it('QuantizeLinear: NaN maps to the zero point, ±Inf saturate', () => {
    use(combo);
    const x = new Float32Array([NaN, Infinity, -Infinity]);
    expect(Array.from(quantizeLinear(x, { scale: 0.1, zeroPoint: 10, dtype: 'int8' }))).toEqual([10, 127, -128]);
    expect(Array.from(quantizeLinear(x, { scale: 0.1, zeroPoint: 10, dtype: 'uint8' }))).toEqual([10, 255, 0]);
  });

  it('DequantizeLinear, uint8 per tensor and per axis', () => {
    use(combo);
    const x = dequantizeLinear(new Uint8Array([0, 3, 128, 255]), { scale: 2, zeroPoint: 128 });
    expect(Array.from(x)).toEqual([-256, -250, 0, 254]);
    const y = dequantizeLinear(new Uint8Array(AXIS_Q), {
      scale: [2, 4, 5],
      zeroPoint: new Uint8Array([84, 24, 196]),
      axis: 1,
      shape: [1, 3, 3, 2],
    });
    expect(Array.from(y)).toEqual(Array.from(AXIS_X));
  });

  it('DequantizeLinear, int8', () => {
    use(combo);
    const x = dequantizeLinear(new Int8Array([-128, -1, 0, 1, 127]), { scale: 0.5, zeroPoint: -1 });
    expect(Array.from(x)).toEqual([-63.5, 0, 0.5, 1, 64]);
  });

  // DynamicQuantizeLinear examples: quantize(x, { dtype: 'uint8' }) is that operator.
  it.each([
    {
      x: [0, 2, -3, -2.5, 1.34, 0.5],
      scale: 0.019607844,
      zp: 153,
      y: [153, 255, 0, 26, 221, 179],
    },
    {
      x: [-1.0, -2.1, -1.3, -2.5, -3.34, -4.0],
      scale: 0.015686275,
      zp: 255,
      y: [191, 121, 172, 96, 42, 0],
    },
    {
      x: [1, 2.1, 1.3, 2.5, 3.34, 4.0, 1.5, 2.6, 3.9, 4.0, 3.0, 2.345],
      scale: 0.015686275,
      zp: 0,
      y: [64, 134, 83, 159, 213, 255, 96, 166, 249, 255, 191, 149],
    },
  ])('DynamicQuantizeLinear example (zero point $zp)', ({ x, scale, zp, y }) => {
    use(combo);
    const t = quantize(new Float32Array(x), { dtype: 'uint8' });
    expect(t.scale).toBe(Math.fround(scale));
    expect(t.zeroPoint).toBe(zp);
    expect(Array.from(t.data)).toEqual(y);
    expect(t.symmetric).toBe(false);
  });

  it('symmetric int8: scale = absmax / 127, zero point 0', () => {
    use(combo);
    const t = quantize(new Float32Array([-2.54, 1, 0.5]));
    expect(t.dtype).toBe('int8');
    expect(t.scale).toBe(Math.fround(Math.fround(2.54) / 127));
    expect(t.zeroPoint).toBe(0);
    expect(Array.from(t.data)).toEqual([-127, 50, 25]);
  });

  it('all-zero tensors get a usable scale and round-trip to zeros', () => {
    use(combo);
    for (const options of [{}, { dtype: 'uint8' as const }, { dtype: 'int8' as const, symmetric: false }, { dtype: 'uint8' as const, symmetric: true }]) {
      const t = quantize(new Float32Array(9), options);
      expect(t.scale).toBe(1);
      expect(Array.from(dequantize(t))).toEqual(new Array(9).fill(0));
    }
  });

  it('per-axis symmetric int8 finds one scale per channel', () => {
    use(combo);
    const x = new Float32Array([1, -2, 3, 10, 20, -40]); // shape [2, 3], axis 0
    const t = quantize(x, { axis: 0, shape: [2, 3] });
    expect(Array.from(t.scale as Float32Array)).toEqual([Math.fround(3 / 127), Math.fround(40 / 127)]);
    expect(t.zeroPoint).toEqual(new Int8Array([0, 0]));
    expect(Array.from(t.data)).toEqual([42, -85, 127, 32, 64, -127]);
    const back = dequantize(t);
    for (let i = 0; i < x.length; i++) expect(Math.abs(back[i] - x[i])).toBeLessThanOrEqual((i < 3 ? 3 : 40) / 127 / 2 + 1e-6);
  });
});
