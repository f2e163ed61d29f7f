/**
 * Sparse storage (CSR, bitmask, 2:4) and sparse products: hand-made vectors, exact
 * round trips, products within the stated float bound of an exact (float64) sum,
 * the same results on every backend and CPU variant, and bad input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyMask,
  csrMatMul,
  csrMatMulAsync,
  csrMatVec,
  csrMatVecAsync,
  denseMatMul,
  denseMatVec,
  fromBitmask,
  fromCSR,
  fromCSRAsync,
  nm24MatMul,
  nm24MatVec,
  nm24MatVecAsync,
  nmMask,
  pack24,
  setBackend,
  sparseByteSize,
  toBitmask,
  toBitmaskAsync,
  toCSR,
  toCSRAsync,
  unpack24,
  type CSRMatrix,
} from '../dist/index.js';
import { backendMatrix, bits, rng, sameElements, use, type Combo } from './helpers.js';

const combos: Combo[] = [{ backend: 'reference', cpu: 'typescript', label: 'reference' }, ...backendMatrix()];
const list = (a: ArrayLike<number>) => Array.from(a);

/** A [rows, cols] matrix with about `zeros` of its elements ±0. */
function sparseMatrix(rows: number, cols: number, zeros: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: rows * cols }, () => (r() < zeros ? (r() < 0.5 ? 0 : -0) : (r() - 0.5) * 4));
}

/** Bits with −0 read as +0: what a round trip through a sparse form gives back. */
function plusZeroBits(x: Float32Array): Uint32Array {
  return bits(x).map((b) => (b === 0x80000000 ? 0 : b));
}

/** Checks got against the exact (float64) product within 2 (terms + 1) 2^-24 Σ|a x|. */
function withinBound(got: Float32Array, dense: Float32Array, rows: number, inner: number, b: Float32Array, k: number, label: string): void {
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < k; t++) {
      let exact = 0;
      let magnitude = 0;
      let terms = 0;
      for (let i = 0; i < inner; i++) {
        const p = dense[r * inner + i] * b[i * k + t];
        if (dense[r * inner + i] !== 0) terms++;
        exact += p;
        magnitude += Math.abs(p);
      }
      const bound = 2 * (terms + 1) * 2 ** -24 * magnitude;
      const err = Math.abs(got[r * k + t] - exact);
      if (!(err <= bound)) throw new Error(`${label}: output [${r}, ${t}] is ${got[r * k + t]}, exact ${exact}, error ${err} > bound ${bound}`);
    }
  }
}

describe('sparse storage (hand-made vectors)', () => {
  it('CSR: values row by row, int32 columns and row pointers, as scipy.sparse.csr_matrix', () => {
    setBackend('reference');
    const x = Float32Array.of(0, 2, 0, 0, -0, 0, 3, 0, -1);
    const csr = toCSR(x, [3, 3]);
    expect(csr.shape).toEqual([3, 3]);
    expect(list(csr.rowPointers)).toEqual([0, 1, 1, 3]);
    expect(list(csr.columns)).toEqual([1, 0, 2]);
    expect(list(csr.values)).toEqual([2, 3, -1]);
    expect(sparseByteSize(csr)).toBe(4 * 4 + 3 * 4 + 3 * 4);
    expect(list(fromCSR(csr))).toEqual([0, 2, 0, 0, 0, 0, 3, 0, -1]);
  });
  it('bitmask: bit i of byte i / 8, least significant first, and the packed values', () => {
    setBackend('reference');
    const x = Float32Array.of(0, 1.5, 0, 0, 0, 0, 0, -2, NaN, 0);
    const b = toBitmask(x);
    expect(b.length).toBe(10);
    expect(list(b.bits)).toEqual([0b10000010, 0b00000001]);
    expect(list(b.values)).toEqual([1.5, -2, NaN]);
    expect(sparseByteSize(b)).toBe(2 + 12);
    expect(list(fromBitmask(b))).toEqual(list(x));
  });
  it('2:4: two values and a nibble i0 | i1 << 2 per group of four, even groups in the low nibble', () => {
    setBackend('reference');
    // groups [0, 5, 0, 6] → positions 1, 3; [7, 0, 0, 0] → 0, 1 (filled up with the lowest free
    // position); [0, 0, 0, 0] → 0, 1; [-0, 0, 0, 9] → 0, 3 (the −0 at 0 is stored as it is)
    const x = Float32Array.of(0, 5, 0, 6, 7, 0, 0, 0, 0, 0, 0, 0, -0, 0, 0, 9);
    const p = pack24(x, [2, 8]);
    expect(list(p.values)).toEqual([5, 6, 7, 0, 0, 0, -0, 9]);
    expect(list(p.meta)).toEqual([0b0100_1101, 0b1100_0100]);
    expect(sparseByteSize(p)).toBe(8 * 4 + 2);
    sameElements(bits(unpack24(p)), bits(x), 'unpack24 keeps the stored −0');
    expect(() => pack24(Float32Array.of(1, 2, 3, 0), [1, 4])).toThrow('pack24: x must be at most 2 non-zeros in every group of 4 (apply nmMask(x, { n: 2, m: 4 }) first), got more in row 0, columns 0..3');
  });
});

describe('round trips are exact (property)', () => {
  it('CSR, bitmask and 2:4 give back every bit (−0 as +0)', () => {
    setBackend('reference');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 11 }), fc.double({ min: 0, max: 1 }), fc.integer(), (rows, cols4, zeros, seed) => {
        const cols = cols4 * 4;
        const x = sparseMatrix(rows, cols, zeros, seed);
        sameElements(bits(fromCSR(toCSR(x, [rows, cols]))), plusZeroBits(x), 'csr');
        sameElements(bits(fromBitmask(toBitmask(x))), plusZeroBits(x), 'bitmask');
        const y = applyMask(x, nmMask(x, { n: 2, m: 4 }));
        const back = bits(unpack24(pack24(y, [rows, cols])));
        const want = bits(y);
        for (let i = 0; i < want.length; i++) expect(back[i] === want[i] || (want[i] === 0x80000000 && back[i] === 0)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});

describe('sparse × dense equals dense × dense within the float bounds (property)', () => {
  it('csrMatMul and nm24MatMul against denseMatMul of the same matrix', () => {
    use(combos[combos.length > 1 ? 1 : 0]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 9 }), fc.double({ min: 0, max: 1 }), fc.integer(), (rows, cols4, k, zeros, seed) => {
        const cols = cols4 * 4;
        const a = applyMask(sparseMatrix(rows, cols, zeros, seed), nmMask(sparseMatrix(rows, cols, 0, seed + 1), { n: 2, m: 4 }));
        const r = rng(seed);
        const b = Float32Array.from({ length: cols * k }, () => r() * 2 - 1);
        const dense = denseMatMul(a, [rows, cols], b, [cols, k]);
        const viaCsr = csrMatMul(toCSR(a, [rows, cols]), b, [cols, k]);
        const via24 = nm24MatMul(pack24(a, [rows, cols]), b, [cols, k]);
        for (let i = 0; i < rows * k; i++) {
          const row = Math.floor(i / k);
          let magnitude = 0;
          for (let j = 0; j < cols; j++) magnitude += Math.abs(a[row * cols + j] * b[j * k + (i % k)]);
          const bound = 4 * (cols + 1) * 2 ** -24 * magnitude; // both sides within their own bound
          expect(Math.abs(viaCsr[i] - dense[i])).toBeLessThanOrEqual(bound);
          expect(Math.abs(via24[i] - dense[i])).toBeLessThanOrEqual(bound);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('the same storage and products on every backend and CPU variant', () => {
  const shapes: [number, number][] = [[1, 1], [3, 17], [17, 3], [33, 64], [64, 36], [7, 200], [130, 12]];
  for (const combo of combos) {
    it(`${combo.label}: storage bit for bit, products within the bound`, async () => {
      for (const [si, [rows, cols]] of shapes.entries()) {
        for (const zeros of [0, 0.5, 0.9, 0.97, 1]) {
          const x = sparseMatrix(rows, cols, zeros, 10 * si + zeros * 100);
          setBackend('reference');
          const want = toCSR(x, [rows, cols]);
          const wantBits = toBitmask(x);
          use(combo);
          const csr = toCSR(x, [rows, cols]);
          sameElements(csr.rowPointers, want.rowPointers, 'rowPointers');
          sameElements(csr.columns, want.columns, 'columns');
          sameElements(bits(csr.values), bits(want.values), 'values');
          sameElements(bits(fromCSR(csr)), plusZeroBits(x), 'fromCSR');
          const bm = toBitmask(x);
          sameElements(bm.bits, wantBits.bits, 'bits');
          sameElements(bits(bm.values), bits(wantBits.values), 'bitmask values');
          sameElements(bits(fromBitmask(bm)), plusZeroBits(x), 'fromBitmask');

          const r = rng(si);
          const v = Float32Array.from({ length: cols }, () => r() * 2 - 1);
          withinBound(csrMatVec(csr, v), x, rows, cols, v, 1, `csrMatVec ${rows}x${cols}`);
          withinBound(denseMatVec(x, [rows, cols], v), x, rows, cols, v, 1, `denseMatVec ${rows}x${cols}`);
          for (const k of [1, 5, 16, 19]) {
            const b = Float32Array.from({ length: cols * k }, () => r() * 2 - 1);
            withinBound(csrMatMul(csr, b, [cols, k]), x, rows, cols, b, k, `csrMatMul k ${k}`);
            withinBound(denseMatMul(x, [rows, cols], b, [cols, k]), x, rows, cols, b, k, `denseMatMul k ${k}`);
          }
          if (cols % 4 === 0) {
            const y = applyMask(x, nmMask(x, { n: 2, m: 4 }));
            setBackend('reference');
            const wantPacked = pack24(y, [rows, cols]);
            use(combo);
            const p = pack24(y, [rows, cols]);
            sameElements(bits(p.values), bits(wantPacked.values), 'pack24 values');
            sameElements(p.meta, wantPacked.meta, 'pack24 meta');
            withinBound(nm24MatVec(p, v), y, rows, cols, v, 1, 'nm24MatVec');
            const b = Float32Array.from({ length: cols * 7 }, () => r() * 2 - 1);
            withinBound(nm24MatMul(p, b, [cols, 7]), y, rows, cols, b, 7, 'nm24MatMul');
          }
        }
      }
      const x = sparseMatrix(40, 24, 0.8, 77);
      use(combo);
      const csr = await toCSRAsync(x, [40, 24]);
      sameElements(bits(await fromCSRAsync(csr)), plusZeroBits(x), 'fromCSRAsync');
      sameElements((await toBitmaskAsync(x)).bits, toBitmask(x).bits, 'toBitmaskAsync');
      const v = Float32Array.from({ length: 24 }, (_, i) => i - 12);
      sameElements(bits(await csrMatVecAsync(csr, v)), bits(csrMatVec(csr, v)), 'csrMatVecAsync');
      const b = Float32Array.from({ length: 24 * 3 }, (_, i) => i % 7);
      sameElements(bits(await csrMatMulAsync(csr, b, [24, 3])), bits(csrMatMul(csr, b, [24, 3])), 'csrMatMulAsync');
      const p = pack24(applyMask(x, nmMask(x, { n: 2, m: 4 })), [40, 24]);
      sameElements(bits(await nm24MatVecAsync(p, v)), bits(nm24MatVec(p, v)), 'nm24MatVecAsync');
    });
  }
});

describe('bad sparse input gets a clear error, never a crash', () => {
  function good(): CSRMatrix {
    return { shape: [2, 3], rowPointers: Int32Array.of(0, 1, 3), columns: Int32Array.of(2, 0, 1), values: Float32Array.of(1, 2, 3) };
  }
  for (const combo of combos) {
    it(`${combo.label}: CSR structure and columns, bitmask and 2:4 lengths`, () => {
      use(combo);
      expect(list(fromCSR(good()))).toEqual([0, 0, 1, 2, 3, 0]);
      const v = Float32Array.of(1, 1, 1);
      expect(list(csrMatVec(good(), v))).toEqual([1, 5]);
      const outOfRange = { ...good(), columns: Int32Array.of(2, 0, 3) };
      expect(() => fromCSR(outOfRange)).toThrow('fromCSR: csr.columns[2] must be in [0, 3) and above the previous column of row 1, got 3');
      expect(() => csrMatVec(outOfRange, v)).toThrow('csrMatVec: a.columns[2] must be a column in [0, 3), got 3');
      const negative = { ...good(), columns: Int32Array.of(-1, 0, 1) };
      expect(() => csrMatVec(negative, v)).toThrow('csrMatVec: a.columns[0] must be a column in [0, 3), got -1');
      expect(() => csrMatMul(negative, new Float32Array(6), [3, 2])).toThrow('csrMatMul: a.columns[0] must be a column in [0, 3), got -1');
      const repeated = { ...good(), columns: Int32Array.of(2, 1, 1) };
      expect(() => fromCSR(repeated)).toThrow('fromCSR: csr.columns[2] must be in [0, 3) and above the previous column of row 1, got 1');
      expect(() => fromCSR({ ...good(), rowPointers: Int32Array.of(0, 4, 3) })).toThrow('fromCSR: csr.rowPointers[2] must be ≥ rowPointers[1] = 4, got 3');
      expect(() => fromCSR({ ...good(), rowPointers: Int32Array.of(0, 1, 2) })).toThrow('fromCSR: csr.rowPointers[2] must be the value count 3, got 2');
      expect(() => fromCSR({ ...good(), rowPointers: Int32Array.of(0, 1) })).toThrow('fromCSR: csr.rowPointers must be of length rows + 1 = 3, got length 2');
      expect(() => fromCSR({ ...good(), values: Float32Array.of(1) })).toThrow('fromCSR: csr.values must be of the length of columns (3), got length 1');
      expect(() => fromCSR({ ...good(), columns: [2, 0, 1] as unknown as Int32Array })).toThrow('fromCSR: csr.columns must be an Int32Array, got Array(3)');
      expect(() => csrMatVec(good(), Float32Array.of(1, 1))).toThrow('csrMatVec: x must be of length cols = 3, got length 2');
      expect(() => csrMatMul(good(), new Float32Array(6), [2, 3])).toThrow('csrMatMul: bShape must be [3, k], got [2, 3]');
      expect(() => fromBitmask({ length: 9, bits: Uint8Array.of(0xff, 1), values: Float32Array.of(1) })).toThrow(
        'fromBitmask: bitmask.values must be at least as long as the bits set in bitmask.bits, got length 1',
      );
      expect(() => fromBitmask({ length: 20, bits: Uint8Array.of(0xff, 1), values: Float32Array.of(1) })).toThrow(
        'fromBitmask: bitmask.bits must be of length ceil(length / 8) = 3, got length 2',
      );
      const p = pack24(Float32Array.of(1, 0, 0, 2), [1, 4]);
      expect(() => unpack24({ ...p, meta: Uint8Array.of(0b0101) })).toThrow('unpack24: packed.meta must be nibbles i0 | i1 << 2 with i0 < i1, got a bad one for group 0');
      expect(() => nm24MatVec({ ...p, values: new Float32Array(3) }, Float32Array.of(1, 1, 1, 1))).toThrow('nm24MatVec: a.values must be of length 2, got length 3');
      expect(() => toCSR(new Float32Array(6), [2, 2])).toThrow(/toCSR: shape must be of x's length 6 elements/);
      expect(() => pack24(new Float32Array(6), [2, 3])).toThrow('pack24: shape must be with cols a multiple of 4, got [2, 3]');
      expect(() => denseMatMul(new Float32Array(6), [2, 3], new Float32Array(6), [3, 2], { out: new Float32Array(3) })).toThrow('denseMatMul: out must be of length 4, got length 3');
    });
  }
});
