/**
 * The parity table: every case runs on every backend and CPU variant and must
 * equal the reference backend bit for bit (bytes for quantize, float bits for
 * dequantize and for the ranges found by quantize()).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dequantizeLinear, quantize, quantizeLinear, setBackend, type QuantDType } from '../dist/index.js';
import { CHUNK } from '../dist/backends/wasm-module.js';
import { backendMatrix, bits, rng, sameElements, SPECIALS, use, type Combo } from './helpers.js';

type DataKind = 'normal' | 'ties' | 'saturating' | 'specials' | 'denormals';

interface Case {
  name: string;
  x: Float32Array; // may be an unaligned view into a larger buffer
  dtype: QuantDType;
  scale: number | Float32Array;
  zeroPoint: number | Int8Array | Uint8Array;
  axis?: number;
  shape?: number[];
}

function data(kind: DataKind, n: number, scale: number, seed: number): Float32Array {
  const r = rng(seed);
  // One spare element in front: x is a view at a 4-byte (not 16/64-byte) offset.
  const backing = new Float32Array(n + 1);
  const x = backing.subarray(1);
  for (let i = 0; i < n; i++) {
    const u = r();
    switch (kind) {
      case 'normal':
        x[i] = (r() + r() + r() - 1.5) * 100 * scale;
        break;
      case 'ties': // exact halves: (k + 0.5) * scale with scale a power of two
        x[i] = (Math.floor(u * 600) - 300 + 0.5) * scale;
        break;
      case 'saturating':
        x[i] = (u - 0.5) * 1e4 * scale;
        break;
      case 'specials':
        x[i] = SPECIALS[Math.floor(u * SPECIALS.length)] * (r() < 0.5 ? 1 : scale);
        break;
      case 'denormals':
        x[i] = (u - 0.5) * 2 ** -130;
        break;
    }
  }
  return x;
}

const LENGTHS = [
  ...Array.from({ length: 70 }, (_, i) => i),
  127, 128, 129, 255, 256, 257, 511, 512, 513, 1023, 4103,
  // around the WASM backend's chunk boundaries
  CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 17,
];

function cases(): Case[] {
  const out: Case[] = [];
  let seed = 1;
  const kinds: DataKind[] = ['normal', 'ties', 'saturating', 'specials', 'denormals'];
  for (const n of LENGTHS) {
    const kind = kinds[n % kinds.length];
    const scale = kind === 'ties' ? 0.25 : kind === 'denormals' ? 2 ** -140 : 0.37;
    out.push({ name: `int8 n=${n} ${kind}`, x: data(kind, n, scale, seed++), dtype: 'int8', scale, zeroPoint: (n % 7) - 3 });
    out.push({ name: `uint8 n=${n} ${kind}`, x: data(kind, n, scale, seed++), dtype: 'uint8', scale, zeroPoint: (n * 37) % 256 });
  }
  for (const kind of kinds) {
    for (const [dtype, zp] of [['int8', -128], ['int8', 127], ['uint8', 0], ['uint8', 255]] as const) {
      out.push({ name: `${dtype} zp=${zp} ${kind}`, x: data(kind, 1000, 0.5, seed++), dtype, scale: 0.5, zeroPoint: zp });
    }
  }
  // Per axis: every position of the axis, inner = 1 (parameters change every
  // element), inner > CHUNK, and rows that straddle the WASM chunk boundary.
  const shapes: [number[], number][] = [
    [[4, 5, 6], 0], [[4, 5, 6], 1], [[4, 5, 6], 2], [[4, 5, 6], -1],
    // rows and channels that straddle the WASM chunk boundary
    [[3, Math.ceil(CHUNK / 2.3)], 1], [[3, Math.ceil(CHUNK * 0.6)], 0], [[2, 3, Math.ceil(CHUNK / 3.7)], 1],
    [[9, 33], 1], [[1, 17], 1], [[64, 3, 3, 3], 0],
  ];
  for (const [shape, axis] of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    const len = shape[axis < 0 ? axis + shape.length : axis];
    const r = rng(seed++);
    const scales = Float32Array.from({ length: len }, () => 0.01 + r() * 2);
    for (const dtype of ['int8', 'uint8'] as const) {
      const zps = dtype === 'int8' ? Int8Array.from({ length: len }, () => Math.floor(r() * 256) - 128) : Uint8Array.from({ length: len }, () => Math.floor(r() * 256));
      out.push({ name: `${dtype} per-axis [${shape}] axis ${axis}`, x: data('specials', n, 1, seed++), dtype, scale: scales, zeroPoint: zps, axis, shape });
    }
  }
  return out;
}

/** The quantize() option sets whose ranges and outputs are compared. */
const AUTO: { name: string; options: object; finite: boolean }[] = [
  { name: 'symmetric int8', options: {}, finite: true },
  { name: 'affine uint8', options: { dtype: 'uint8' }, finite: true },
  { name: 'affine int8', options: { dtype: 'int8', symmetric: false }, finite: true },
  { name: 'symmetric uint8', options: { dtype: 'uint8', symmetric: true }, finite: true },
];

interface Expected {
  q: Uint8Array;
  deq: Uint32Array;
}

const table = cases();
const combos = backendMatrix();
const expected = new Map<string, Expected>();
const expectedAuto = new Map<string, { data: Uint8Array; scale: Uint32Array; zeroPoint: number[] }>();

function run(c: Case): Expected {
  const q = quantizeLinear(c.x, { scale: c.scale, zeroPoint: c.zeroPoint, dtype: c.dtype, axis: c.axis, shape: c.shape });
  // Dequantize from an unaligned byte view too (odd byte offset).
  const backing = c.dtype === 'int8' ? new Int8Array(q.length + 3) : new Uint8Array(q.length + 3);
  const view = backing.subarray(3);
  view.set(q);
  const deq = dequantizeLinear(view, { scale: c.scale, zeroPoint: c.zeroPoint, axis: c.axis, shape: c.shape });
  return { q: new Uint8Array(q.buffer, q.byteOffset, q.length).slice(), deq: bits(deq) };
}

function finiteCopy(x: Float32Array): Float32Array {
  return x.map((v) => (Number.isFinite(v) ? v : 0));
}

function runAuto(c: Case, options: object) {
  const t = quantize(finiteCopy(c.x), { ...options, axis: c.axis, shape: c.shape });
  const scale = typeof t.scale === 'number' ? new Float32Array([t.scale]) : t.scale;
  const zeroPoint = typeof t.zeroPoint === 'number' ? [t.zeroPoint] : Array.from(t.zeroPoint);
  return { data: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.length).slice(), scale: bits(scale), zeroPoint };
}

beforeAll(() => {
  setBackend('reference');
  for (const c of table) {
    expected.set(c.name, run(c));
    for (const a of AUTO) expectedAuto.set(`${c.name} / ${a.name}`, runAuto(c, a.options));
  }
});

describe.each(combos)('parity with the reference: $label', (combo: Combo) => {
  it('quantizeLinear and dequantizeLinear are bit-identical on every case', () => {
    use(combo);
    for (const c of table) {
      const want = expected.get(c.name)!;
      const got = run(c);
      sameElements(got.q, want.q, `quantizeLinear ${c.name}`);
      sameElements(got.deq, want.deq, `dequantizeLinear ${c.name} (float bits)`);
    }
  });

  it('quantize() finds bit-identical ranges, scales, zero points and data', () => {
    use(combo);
    for (const c of table) {
      for (const a of AUTO) {
        const key = `${c.name} / ${a.name}`;
        const got = runAuto(c, a.options);
        const want = expectedAuto.get(key)!;
        sameElements(got.scale, want.scale, `${key} scale bits`);
        sameElements(got.zeroPoint, want.zeroPoint, `${key} zero point`);
        sameElements(got.data, want.data, `${key} data`);
      }
    }
  });

  it('quantize() reports the first non-finite index like the reference', () => {
    use(combo);
    for (const n of [1, 7, 16, 17, 100, CHUNK + 1, 2 * CHUNK + 3]) {
      for (const at of [0, Math.floor(n / 2), n - 1]) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const x = data('normal', n, 1, n + at);
          x[at] = bad;
          if (at + 1 < n) x[n - 1] = NaN; // a later bad value must not be the one named
          expect(() => quantize(x), `n=${n} at=${at}`).toThrow(`got ${bad} at index ${at}`);
        }
      }
    }
  });
});
