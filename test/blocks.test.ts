/**
 * Blocked QuantizeLinear / DequantizeLinear (ONNX opset 21 block_size), 4-bit
 * types and packing, block-wise and per-row dynamic quantization: hand-made
 * vectors from the ONNX definition, the same bits on every backend and CPU
 * variant, and the rules that tie the parameters to the data.
 */
import { describe, expect, it } from 'vitest';
import {
  dequantize,
  dequantizeBlocks,
  dequantizeBlocksAsync,
  dequantizeLinear,
  packInt4,
  packInt4Async,
  qparamsForRange,
  quantize,
  quantizeBlocks,
  quantizeBlocksAsync,
  quantizeLinear,
  quantizeRows,
  quantizeRowsAsync,
  setBackend,
  unpackInt4,
  unpackInt4Async,
  type AnyQuantDType,
  type BlockQuantizedTensor,
} from '../dist/index.js';
import { CHUNK } from '../dist/backends/wasm-module.js';
import { backendMatrix, bits, rng, sameElements, use, type Combo } from './helpers.js';

const combos: Combo[] = [{ backend: 'reference', cpu: 'typescript', label: 'reference' }, ...backendMatrix()];

const RANGES: Record<AnyQuantDType, [number, number]> = { int8: [-128, 127], uint8: [0, 255], int4: [-8, 7], uint4: [0, 15] };

function data(n: number, seed: number, spread = 10): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, (_, i) => (i % 61 === 0 ? 0 : (r() - 0.5) * spread * (1 + (i % 5))));
}

/** The reference run of quantizeBlocks, to compare every backend against. */
function referenceBlocks(x: Float32Array, o: Parameters<typeof quantizeBlocks>[1]): BlockQuantizedTensor {
  setBackend('reference');
  return quantizeBlocks(x, o);
}

describe.each(combos)('blocked and 4-bit quantization on $label', (combo) => {
  it('equals the ONNX definition of blocked QuantizeLinear on a hand-made vector (uint8, block 2, axis 1)', () => {
    use(combo);
    const x = Float32Array.of(6, 12, 50, 5, 1, 8, 4, 5, 0, 20, 10, 4);
    const o = { scale: [1.5, 2.5, 3, 4.9, 5.1, 6.9], zeroPoint: new Uint8Array([0, 1, 1, 0, 2, 3]), axis: 1, shape: [3, 4], blockSize: 2 };
    // y = saturate(round(x / scale[block]) + zp[block]), by hand
    expect(Array.from(quantizeLinear(x, o))).toEqual([4, 8, 21, 3, 1, 4, 1, 1, 2, 6, 4, 4]);
    const back = dequantizeLinear(Uint8Array.of(4, 8, 21, 3, 1, 4, 1, 1, 2, 6, 4, 4), o);
    expect(Array.from(back)).toEqual(
      [6, 12, 50, 5, 0, 9, 4.9, 4.9, 0, 20.4, 6.9, 6.9].map(Math.fround).map((v, i) => (i === 4 ? 0 : v)),
    );
  });

  it('packs int4 results two per byte, low nibble first, and unpacks them', () => {
    use(combo);
    const x = Float32Array.of(-8, 7, 1, -1, 3, -20, 20);
    const q = quantizeLinear(x, { scale: 1, zeroPoint: 0, dtype: 'int4' });
    // values -8, 7, 1, -1, 3, -8 (saturated), 7 (saturated)
    expect(Array.from(q)).toEqual([0x78, 0xf1, 0x83, 0x07]);
    expect(Array.from(packInt4(Int8Array.of(-8, 7, 1, -1, 3, -8, 7)))).toEqual([0x78, 0xf1, 0x83, 0x07]);
    expect(Array.from(unpackInt4(q, { length: 7 }))).toEqual([-8, 7, 1, -1, 3, -8, 7]);
    expect(Array.from(unpackInt4(Uint8Array.of(0x78, 0xf1), { dtype: 'uint4' }))).toEqual([8, 7, 1, 15]);
    const back = dequantizeLinear(q, { scale: 0.5, zeroPoint: 1, dtype: 'int4', shape: [7] });
    expect(Array.from(back)).toEqual([-4.5, 3, 0, -1, 1, -4.5, 3]);
  });

  it('blocked int4 / uint4 QuantizeLinear equals the formula, past several WASM chunks, with odd blocks and rows', () => {
    use(combo);
    const rows = 7;
    const cols = Math.ceil((2 * CHUNK + 77) / rows) | 1; // odd row length: blocks straddle bytes
    const x = data(rows * cols, 5);
    for (const [dtype, blockSize] of [['int4', 5], ['uint4', 32], ['int8', 3], ['uint8', 64]] as const) {
      const nb = Math.ceil(cols / blockSize);
      const r = rng(blockSize);
      const scale = Float32Array.from({ length: rows * nb }, () => 0.05 + r() * 2);
      const [qmin, qmax] = RANGES[dtype];
      const zp = Int32Array.from({ length: rows * nb }, () => qmin + Math.floor(r() * (qmax - qmin + 1)));
      const o = { scale, zeroPoint: zp, axis: 1, shape: [rows, cols], blockSize, dtype };
      const q = quantizeLinear(x, o);
      const values = new Int32Array(x.length);
      for (let i = 0; i < x.length; i++) {
        const p = Math.floor(i / cols) * nb + Math.floor((i % cols) / blockSize);
        const v = Math.fround(x[i] / scale[p]);
        const rounded = Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v);
        values[i] = Math.min(qmax, Math.max(qmin, rounded + zp[p]));
      }
      const want = dtype === 'int4' || dtype === 'uint4' ? packInt4(dtype === 'int4' ? Int8Array.from(values) : Uint8Array.from(values)) : values;
      sameElements(dtype === 'int8' ? q : q, dtype === 'int8' ? Int8Array.from(want) : want, `${dtype} block ${blockSize}`);
      // dequantize: (q - zp) * scale of the block
      const back = dequantizeLinear(q, o);
      for (let i = 0; i < x.length; i += 997) {
        const p = Math.floor(i / cols) * nb + Math.floor((i % cols) / blockSize);
        expect(back[i]).toBe(Math.fround((values[i] - zp[p]) * scale[p]));
      }
    }
  });

  it('quantizeBlocks gives the reference bits for every dtype, along the last axis (one pass) and axis 0 (two passes)', () => {
    const x = data(3 * (CHUNK + 11), 9);
    for (const o of [
      { dtype: 'int4' as const },
      { dtype: 'uint4' as const, symmetric: false, blockSize: 64 },
      { dtype: 'uint4' as const, symmetric: true, blockSize: 7 },
      { dtype: 'int8' as const, blockSize: 32, shape: [3, CHUNK + 11] },
      { dtype: 'uint8' as const, blockSize: 1000, shape: [3, CHUNK + 11], axis: 0 },
      { dtype: 'int4' as const, blockSize: 2, shape: [3, CHUNK + 11], axis: 0 },
      { dtype: 'int8' as const, symmetric: false, blockSize: 5, shape: [3, 3, (CHUNK + 11) / 3], axis: 1 },
    ]) {
      const want = referenceBlocks(x, o);
      use(combo);
      const got = quantizeBlocks(x, o);
      const label = JSON.stringify(o);
      sameElements(got.data, want.data, `data ${label}`);
      sameElements(bits(got.scales), bits(want.scales), `scales ${label}`);
      sameElements(got.zeroPoints, want.zeroPoints, `zero points ${label}`);
      sameElements(bits(dequantizeBlocks(got)), bits(dequantizeBlocks(want)), `dequantized ${label}`);
    }
  });

  it("quantizeBlocks takes each block's parameters from its own range, and errs by at most half a step", () => {
    use(combo);
    const x = data(1000, 4);
    for (const dtype of ['int4', 'uint4', 'int8', 'uint8'] as const) {
      for (const symmetric of [true, false]) {
        const t = quantizeBlocks(x, { dtype, symmetric, blockSize: 24, shape: [10, 100] });
        const y = dequantizeBlocks(t);
        const [qmin, qmax] = RANGES[dtype];
        for (let b = 0; b < t.scales.length; b++) {
          const row = Math.floor(b / 5);
          const start = row * 100 + (b % 5) * 24;
          const block = x.subarray(start, Math.min(start + 24, row * 100 + 100));
          const want = qparamsForRange(Math.min(...block), Math.max(...block), qmin, qmax, symmetric);
          expect(t.scales[b]).toBe(want.scale);
          expect(t.zeroPoints[b]).toBe(want.zeroPoint);
          for (let i = 0; i < block.length; i++) {
            expect(Math.abs(y[start + i] - block[i])).toBeLessThanOrEqual(t.scales[b] / 2 + 1e-6 * Math.abs(block[i]));
          }
        }
      }
    }
  });

  it('quantizeRows equals per-axis quantize() along the rows, and dequantize() inverts it', () => {
    use(combo);
    for (const [rows, cols] of [[5, 3], [64, 300], [3, CHUNK + 5]]) {
      const x = data(rows * cols, rows);
      for (const dtype of ['int8', 'uint8'] as const) {
        const got = quantizeRows(x, { shape: [rows, cols], dtype });
        const want = quantize(x, { dtype, axis: 0, shape: [rows, cols] });
        sameElements(got.data, want.data, `rows ${rows}x${cols} ${dtype}`);
        sameElements(bits(got.scale as Float32Array), bits(want.scale as Float32Array), 'scales');
        sameElements(got.zeroPoint as Int8Array, want.zeroPoint as Int8Array, 'zero points');
        sameElements(bits(dequantize(got)), bits(dequantize(want)), 'dequantized');
      }
    }
  });

  it('rejects NaN / ±Inf naming the first bad index, and values outside the 4-bit range', () => {
    use(combo);
    const x = data(300, 1);
    x[123] = NaN;
    x[200] = Infinity;
    expect(() => quantizeBlocks(x)).toThrow(/got NaN at index 123/);
    expect(() => quantizeRows(x, { shape: [3, 100] })).toThrow(/got NaN at index 123/);
    expect(() => quantizeBlocks(x, { shape: [3, 100], axis: 0, blockSize: 2 })).toThrow(/got NaN at index 123/);
    expect(() => packInt4(Int8Array.of(0, 7, 8, -9))).toThrow(/values\[2\] must be in \[-8, 7\]/);
    expect(() => packInt4(Uint8Array.of(0, 15, 3, 16))).toThrow(/values\[3\] must be in \[0, 15\]/);
  });

  it('Promise forms give the same results', async () => {
    use(combo);
    const x = data(2 * CHUNK + 33, 8);
    const o = { dtype: 'uint4' as const, blockSize: 16, symmetric: false };
    const a = quantizeBlocks(x, o);
    const b = await quantizeBlocksAsync(x, o);
    sameElements(b.data, a.data, 'data');
    sameElements(bits(b.scales), bits(a.scales), 'scales');
    sameElements(bits(await dequantizeBlocksAsync(b)), bits(dequantizeBlocks(a)), 'dequantized');
    const shape = [(2 * CHUNK + 33) / 5, 5];
    const r1 = quantizeRows(x, { shape });
    const r2 = await quantizeRowsAsync(x, { shape });
    sameElements(r2.data, r1.data, 'rows');
    const v = Int8Array.from({ length: 1001 }, (_, i) => (i % 16) - 8);
    const packed = await packInt4Async(v);
    sameElements(packed, packInt4(v), 'packed');
    sameElements(await unpackInt4Async(packed, { length: 1001 }), v, 'unpacked');
    await expect(packInt4Async(Int8Array.of(1, 9))).rejects.toThrow(/values\[1\]/);
  });
});

describe('4-bit packing and blocked layouts: argument checks', () => {
  it('names the argument, what was expected and what came', () => {
    setBackend('reference');
    const x = new Float32Array(12);
    expect(() => quantizeLinear(x, { scale: [1, 2], axis: 1, shape: [3, 4], blockSize: 2 })).toThrow(/scale must be of length 6 \(one per block\)/);
    expect(() => quantizeLinear(x, { scale: [1], blockSize: 2 })).toThrow(/axis must be given with blockSize/);
    expect(() => quantizeLinear(x, { scale: 1, dtype: 'int3' as never })).toThrow(/dtype must be "int8", "uint8", "int4" or "uint4"/);
    expect(() => quantizeLinear(x, { scale: 1, dtype: 'int4', zeroPoint: 8 })).toThrow(/zeroPoint must be in \[-8, 7\] for int4/);
    expect(() => quantizeBlocks(x, { blockSize: 0 })).toThrow(/blockSize must be an integer ≥ 1/);
    expect(() => dequantizeLinear(new Uint8Array(3), { scale: 1, dtype: 'int4', shape: [7] })).toThrow(/q must be of ceil\(n \/ 2\) bytes/);
    expect(() => dequantizeLinear(new Int8Array(3), { scale: 1, dtype: 'int4' })).toThrow(/q must be a Uint8Array for dtype int4/);
    expect(() => unpackInt4(new Uint8Array(3), { length: 7 })).toThrow(/length must be 5 or 6/);
    expect(() => quantizeRows(x, {} as never)).toThrow(/shape must be given/);
  });
});
