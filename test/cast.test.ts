/**
 * fp32 ⇄ fp16 and fp32 ⇄ bf16: hand-made vectors from IEEE 754 binary16 and the
 * bfloat16 definition, exhaustive round trips, and the parity table on every
 * backend and CPU variant (bit patterns and loss counts identical to the reference).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fromBFloat16,
  fromBFloat16Async,
  fromFloat16,
  fromFloat16Async,
  setBackend,
  toBFloat16,
  toBFloat16Async,
  toFloat16,
  toFloat16Async,
} from '../dist/index.js';
import { CHUNK } from '../dist/backends/wasm-module.js';
import { backendMatrix, rng, sameElements, use, type Combo } from './helpers.js';

const fromBits = (bits: number[]) => new Float32Array(new Uint32Array(bits).buffer);
const bitsOf = (x: Float32Array) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));
const combos: Combo[] = [{ backend: 'reference', cpu: 'typescript', label: 'reference' }, ...backendMatrix()];

// Every fp16 and bf16 bit pattern.
const ALL_HALVES = Uint16Array.from({ length: 65536 }, (_, i) => i);
const isHalfNaN = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x03ff) !== 0;
const isBf16NaN = (h: number) => (h & 0x7f80) === 0x7f80 && (h & 0x007f) !== 0;

describe.each(combos)('casts on $label', (combo) => {
  it('fp32 → fp16: rounding, ties to even, subnormals, overflow, NaN, and the counts', () => {
    use(combo);
    const cases: [number, number][] = [
      [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [1 / 3, 0x3555], [65504, 0x7bff], [65519.99, 0x7bff],
      [2049, 0x6800], [2051, 0x6802], // ties between representable halves go to the even one
      [2 ** -14, 0x0400], [2 ** -24, 0x0001], [3 * 2 ** -26, 0x0001], [2 ** -15 + 2 ** -25, 0x0200],
      [0, 0x0000], [-0, 0x8000], [Infinity, 0x7c00], [-Infinity, 0xfc00],
      [65520, 0x7c00], [-1e6, 0xfc00], // overflow
      [2 ** -25, 0x0000], [-1e-8, 0x8000], [1e-45, 0x0000], // underflow to ±0
      [NaN, 0x7e00],
    ];
    const r = toFloat16(Float32Array.from(cases, ([x]) => x));
    expect(Array.from(r.data).map((h) => h.toString(16))).toEqual(cases.map(([, h]) => h.toString(16)));
    expect([r.overflowed, r.underflowed, r.nan]).toEqual([2, 3, 1]);
    // A signalling NaN is quieted and keeps the top of its payload; the sign stays.
    const nans = toFloat16(fromBits([0x7f800001, 0xffc00000, 0x7fa02000]));
    expect(Array.from(nans.data)).toEqual([0x7e00, 0xfe00, 0x7f01]);
    expect(nans.nan).toBe(3);
  });

  it('fp32 → bf16: ties to even, overflow past the largest finite value, NaN', () => {
    use(combo);
    const cases: [number, number][] = [
      [1, 0x3f80], [-1, 0xbf80], [1 + 2 ** -8, 0x3f80], [1 + 3 * 2 ** -8, 0x3f82], [1 + 2 ** -8 + 2 ** -20, 0x3f81],
      [3.4028235e38, 0x7f80], [3.3895314e38, 0x7f7f], // FLT_MAX rounds up to Inf; the largest bf16 stays
      [Infinity, 0x7f80], [1e-45, 0x0000], [1.1754942e-38, 0x0080], [NaN, 0x7fc0],
    ];
    const r = toBFloat16(Float32Array.from(cases, ([x]) => x));
    expect(Array.from(r.data).map((h) => h.toString(16))).toEqual(cases.map(([, h]) => h.toString(16)));
    expect([r.overflowed, r.underflowed, r.nan]).toEqual([1, 1, 1]);
    expect(Array.from(toBFloat16(fromBits([0x7f800001, 0xff800001])).data)).toEqual([0x7fc0, 0xffc0]);
  });

  it('fp16 → fp32 and bf16 → fp32 are exact for all 65536 patterns', () => {
    use(combo);
    const f16 = fromFloat16(ALL_HALVES);
    const bf16 = fromBFloat16(ALL_HALVES);
    expect(Array.from(fromFloat16(Uint16Array.of(0x3c00, 0x0001, 0x7bff, 0xfc00, 0x8000)))).toEqual([1, 2 ** -24, 65504, -Infinity, -0]);
    expect(bitsOf(fromFloat16(Uint16Array.of(0x7e00, 0x7c01, 0xfd55)))).toEqual([0x7fc00000, 0x7fc02000, 0xffeaa000]);
    for (let h = 0; h < 65536; h++) {
      if (!isHalfNaN(h)) {
        // value of a binary16 pattern, computed independently
        const e = (h >> 10) & 0x1f;
        const m = h & 0x3ff;
        const mag = e === 0x1f ? Infinity : e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15);
        const want = h & 0x8000 ? -mag : mag;
        if (!Object.is(f16[h], want)) throw new Error(`fromFloat16(0x${h.toString(16)}) = ${f16[h]}, want ${want}`);
      }
    }
    sameElements(bitsOf(bf16), Array.from(ALL_HALVES, (h) => (h << 16) >>> 0), 'bf16 → fp32 is a shift');
  });

  it('round trips are exact for every representable value (all 65536 patterns)', () => {
    use(combo);
    const f16Back = toFloat16(fromFloat16(ALL_HALVES));
    const bf16Back = toBFloat16(fromBFloat16(ALL_HALVES));
    for (let h = 0; h < 65536; h++) {
      if (!isHalfNaN(h) && f16Back.data[h] !== h) throw new Error(`fp16 0x${h.toString(16)} came back as 0x${f16Back.data[h].toString(16)}`);
      if (!isBf16NaN(h) && bf16Back.data[h] !== h) throw new Error(`bf16 0x${h.toString(16)} came back as 0x${bf16Back.data[h].toString(16)}`);
    }
    expect([f16Back.overflowed, f16Back.underflowed, f16Back.nan]).toEqual([0, 0, 2046]);
    expect([bf16Back.overflowed, bf16Back.underflowed, bf16Back.nan]).toEqual([0, 0, 254]);
  });

  it('the Promise forms and out buffers give the same results', async () => {
    use(combo);
    const x = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i) * 10 ** ((i % 12) - 6));
    const sync = toFloat16(x);
    const out = new Uint16Array(5000);
    const r = await toFloat16Async(x, { out });
    expect(r.data).toBe(out);
    expect(r).toEqual(sync);
    expect(await toBFloat16Async(x)).toEqual(toBFloat16(x));
    expect(bitsOf(await fromFloat16Async(ALL_HALVES))).toEqual(bitsOf(fromFloat16(ALL_HALVES)));
    expect(bitsOf(await fromBFloat16Async(ALL_HALVES))).toEqual(bitsOf(fromBFloat16(ALL_HALVES)));
  });
});

describe('cast parity with the reference', () => {
  // Random bit patterns (every class of float32), plus values a few ulps around
  // every fp16 rounding boundary, in lengths that hit every SIMD tail and the WASM
  // chunk boundary, as unaligned views.
  function data(n: number, seed: number): Float32Array {
    const r = rng(seed);
    const backing = new Float32Array(n + 1);
    const bits = new Uint32Array(backing.buffer, 4, n);
    for (let i = 0; i < n; i++) {
      const u = r();
      if (u < 0.4) bits[i] = Math.floor(r() * 2 ** 32);
      else {
        // just below / at / above the midpoint between two neighbouring halves
        const h = Math.floor(r() * 0x7c00);
        const mid = (fromFloat16Ref(h) + fromFloat16Ref(h + 1)) / 2;
        const f = new Float32Array([mid]);
        const b = new Uint32Array(f.buffer)[0] + Math.floor(r() * 7) - 3;
        bits[i] = (b | (u < 0.7 ? 0x80000000 : 0)) >>> 0;
      }
    }
    return backing.subarray(1);
  }
  function fromFloat16Ref(h: number): number {
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    return e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15);
  }
  const lengths = [...Array.from({ length: 70 }, (_, i) => i), 127, 1000, CHUNK - 1, CHUNK + 3, 2 * CHUNK + 33];
  const inputs = lengths.map((n, i) => data(n, 1000 + i));
  setBackend('reference');
  const want = inputs.map((x) => ({ f16: toFloat16(x), bf16: toBFloat16(x) }));

  it.each(backendMatrix())('$label is bit-identical, counts included', (combo) => {
    use(combo);
    inputs.forEach((x, i) => {
      for (const [name, cast] of [['f16', toFloat16], ['bf16', toBFloat16]] as const) {
        // into an out buffer at an odd 2-byte offset
        const out = new Uint16Array(x.length + 1).subarray(1);
        const got = cast(x, { out });
        const w = want[i][name];
        sameElements(got.data, w.data, `${name} n=${x.length}`);
        expect([got.overflowed, got.underflowed, got.nan], `${name} counts n=${x.length}`).toEqual([w.overflowed, w.underflowed, w.nan]);
      }
    });
  });
});

describe('cast properties', () => {
  it('fp16 round trip error is at most half a unit in the last place', () => {
    setBackend(process.env.MODELPRESS_TEST_WITHOUT_NATIVE === '1' ? 'wasm' : 'native');
    fc.assert(
      fc.property(fc.array(fc.float({ min: Math.fround(-65504), max: Math.fround(65504), noNaN: true }), { minLength: 1, maxLength: 100 }), (values) => {
        const x = Float32Array.from(values);
        const back = fromFloat16(toFloat16(x).data);
        for (let i = 0; i < x.length; i++) {
          const a = Math.abs(x[i]);
          const ulp = a < 2 ** -14 ? 2 ** -24 : 2 ** (Math.floor(Math.log2(a)) - 10);
          expect(Math.abs(back[i] - x[i])).toBeLessThanOrEqual(ulp / 2);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('cast bad input', () => {
  it.each([
    [() => toFloat16(new Float64Array(2) as never), TypeError, 'toFloat16: x must be a Float32Array (convert with Float32Array.from(values)), got Float64Array(2)'],
    [() => fromFloat16(new Int16Array(2) as never), TypeError, 'fromFloat16: h must be a Uint16Array of half-precision bit patterns, got Int16Array(2)'],
    [() => toBFloat16(new Float32Array(3), { out: new Uint16Array(2) }), RangeError, 'toBFloat16: out must be of length 3, got length 2'],
    [() => fromBFloat16(new Uint16Array(3), { out: new Uint16Array(3) as never }), TypeError, 'fromBFloat16: out must be a Float32Array, got Uint16Array(3)'],
  ] as const)('%#', (call, ctor, message) => {
    expect(call).toThrow(ctor);
    expect(call).toThrow(message);
  });

  it('empty arrays give empty results with zero counts', () => {
    expect(toFloat16(new Float32Array(0))).toEqual({ data: new Uint16Array(0), overflowed: 0, underflowed: 0, nan: 0 });
    expect(fromBFloat16(new Uint16Array(0))).toEqual(new Float32Array(0));
  });
});
