/**
 * Bad input: every case gets a TypeError or RangeError with a code and a message
 * naming the argument, what was expected and what was received. Checked on every
 * backend, for the sync and the Promise forms.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  dequantize,
  dequantizeLinear,
  dequantizeLinearAsync,
  quantize,
  quantizeAsync,
  quantizeLinear,
  quantizeLinearAsync,
  setBackend,
} from '../dist/index.js';
import { backendMatrix, use } from './helpers.js';

const x4 = new Float32Array([1, 2, 3, 4]);

type Ctor = typeof TypeError | typeof RangeError;
const bad: [string, () => unknown, Ctor, string, string][] = [
  // [case, call, error class, code, exact message]
  ['x not a typed array', () => quantizeLinear([1, 2] as never, { scale: 1 }), TypeError, 'ERR_MODELPRESS_INVALID_TYPE',
    'quantizeLinear: x must be a Float32Array (convert with Float32Array.from(values)), got Array(2)'],
  ['x a Float64Array', () => quantizeLinear(new Float64Array(3) as never, { scale: 1 }), TypeError, 'ERR_MODELPRESS_INVALID_TYPE',
    'quantizeLinear: x must be a Float32Array (convert with Float32Array.from(values)), got Float64Array(3)'],
  ['options missing', () => quantizeLinear(x4, undefined as never), RangeError, 'ERR_MODELPRESS_INVALID_VALUE',
    'quantizeLinear: options.scale must be given, got undefined'],
  ['options not an object', () => quantizeLinear(x4, 3 as never), TypeError, 'ERR_MODELPRESS_INVALID_TYPE',
    'quantizeLinear: options must be an object, got 3'],
  ['scale 0', () => quantizeLinear(x4, { scale: 0 }), RangeError, 'ERR_MODELPRESS_INVALID_VALUE',
    'quantizeLinear: scale must be finite and > 0, got 0'],
  ['scale negative', () => quantizeLinear(x4, { scale: -1 }), RangeError, 'ERR_MODELPRESS_INVALID_VALUE',
    'quantizeLinear: scale must be finite and > 0, got -1'],
  ['scale NaN', () => quantizeLinear(x4, { scale: NaN }), RangeError, 'ERR_MODELPRESS_INVALID_VALUE',
    'quantizeLinear: scale must be finite and > 0, got NaN'],
  ['scale Infinity', () => quantizeLinear(x4, { scale: Infinity }), RangeError, 'ERR_MODELPRESS_INVALID_VALUE',
    'quantizeLinear: scale must be finite and > 0, got Infinity'],
  ['scale underflows float32', () => quantizeLinear(x4, { scale: 1e-50 }), RangeError, 'ERR_MODELPRESS_INVALID_VALUE',
    'quantizeLinear: scale must be finite and > 0 as a float32 (it underflows to 0), got 1e-50'],
  ['scale a string', () => quantizeLinear(x4, { scale: '1' as never }), TypeError, 'ERR_MODELPRESS_INVALID_TYPE',
    'quantizeLinear: scale must be a number or an array of numbers, got "1"'],
  ['per-axis scale not > 0', () => quantizeLinear(x4, { scale: [1, 0], axis: 0, shape: [2, 2] }), RangeError, 'ERR_MODELPRESS_INVALID_VALUE',
    'quantizeLinear: scale[1] must be finite and > 0, got 0'],
  ['zero point outside int8', () => quantizeLinear(x4, { scale: 1, zeroPoint: 128, dtype: 'int8' }), RangeError, 'ERR_MODELPRESS_INVALID_VALUE',
    'quantizeLinear: zeroPoint must be in [-128, 127] for int8, got 128'],
  ['zero point outside uint8', () => quantizeLinear(x4, { scale: 1, zeroPoint: -1, dtype: 'uint8' }), RangeError, 'ERR_MODELPRESS_INVALID_VALUE',
    'quantizeLinear: zeroPoint must be in [0, 255] for uint8, got -1'],
  ['zero point not an integer', () => quantizeLinear(x4, { scale: 1, zeroPoint: 1.5 }), TypeError, 'ERR_MODELPRESS_INVALID_TYPE',
    'quantizeLinear: zeroPoint must be an integer, got 1.5'],
  ['per-axis zero point out of range', () => quantizeLinear(x4, { scale: [1, 1], zeroPoint: [0, 300], axis: 1, shape: [2, 2] }), RangeError,
    'ERR_MODELPRESS_INVALID_VALUE', 'quantizeLinear: zeroPoint[1] must be in [0, 255] for uint8, got 300'],
  ['zero point type differs from dtype', () => quantizeLinear(x4, { scale: 1, zeroPoint: new Int8Array([0]), dtype: 'uint8' }), RangeError,
    'ERR_MODELPRESS_INVALID_VALUE', 'quantizeLinear: zeroPoint must be an array of the output type (uint8), got Int8Array(1)'],
  ['unknown dtype', () => quantizeLinear(x4, { scale: 1, dtype: 'int3' as never }), RangeError, 'ERR_MODELPRESS_INVALID_VALUE',
    'quantizeLinear: dtype must be "int8", "uint8", "int4" or "uint4", got "int3"'],
  ['axis without shape', () => quantizeLinear(x4, { scale: [1, 1], axis: 0 }), TypeError, 'ERR_MODELPRESS_INVALID_TYPE',
    'quantizeLinear: shape must be given with axis (the shape of x), got undefined'],
  ['several scales without axis', () => quantizeLinear(x4, { scale: [1, 1] }), TypeError, 'ERR_MODELPRESS_INVALID_TYPE',
    'quantizeLinear: axis must be given with 2 scales (per-axis parameters need axis and shape), got undefined'],
  ['axis out of range', () => quantizeLinear(x4, { scale: [1, 1], axis: 2, shape: [2, 2] }), RangeError, 'ERR_MODELPRESS_INVALID_VALUE',
    'quantizeLinear: axis must be in [-2, 1] for a shape of rank 2, got 2'],
  ['axis not an integer', () => quantizeLinear(x4, { scale: [1, 1], axis: 0.5, shape: [2, 2] }), TypeError, 'ERR_MODELPRESS_INVALID_TYPE',
    'quantizeLinear: axis must be an integer, got 0.5'],
  ['shape does not match x', () => quantizeLinear(x4, { scale: [1, 1], axis: 0, shape: [2, 3] }), RangeError, 'ERR_MODELPRESS_SHAPE_MISMATCH',
    "quantizeLinear: shape must be of x's length 4 elements, got [2, 3] (6 elements)"],
  ['negative dimension', () => quantizeLinear(x4, { scale: 1, shape: [-4] }), RangeError, 'ERR_MODELPRESS_INVALID_VALUE',
    'quantizeLinear: shape[0] must be a non-negative integer, got -4'],
  ['scale count differs from shape[axis]', () => quantizeLinear(x4, { scale: [1, 1, 1], axis: 0, shape: [2, 2] }), RangeError,
    'ERR_MODELPRESS_SHAPE_MISMATCH', 'quantizeLinear: scale must be of length shape[0] = 2, got length 3'],
  ['zero point count differs from scale count', () => quantizeLinear(x4, { scale: [1, 1], zeroPoint: [1], axis: 0, shape: [2, 2] }), RangeError,
    'ERR_MODELPRESS_SHAPE_MISMATCH', 'quantizeLinear: zeroPoint must be of length 2 (one per scale), got length 1'],
  ['out of the wrong type', () => quantizeLinear(x4, { scale: 1, dtype: 'int8', out: new Uint8Array(4) }), TypeError, 'ERR_MODELPRESS_INVALID_TYPE',
    'quantizeLinear: out must be a Int8Array, got Uint8Array(4)'],
  ['out of the wrong length', () => quantizeLinear(x4, { scale: 1, out: new Uint8Array(5) }), RangeError, 'ERR_MODELPRESS_SHAPE_MISMATCH',
    'quantizeLinear: out must be of length 4, got length 5'],
  ['q not bytes', () => dequantizeLinear(x4 as never, { scale: 1 }), TypeError, 'ERR_MODELPRESS_INVALID_TYPE',
    'dequantizeLinear: q must be an Int8Array or a Uint8Array, got Float32Array(4)'],
  ['dequantize zero point outside int8', () => dequantizeLinear(new Int8Array(2), { scale: 1, zeroPoint: 200 }), RangeError,
    'ERR_MODELPRESS_INVALID_VALUE', 'dequantizeLinear: zeroPoint must be in [-128, 127] for int8, got 200'],
  ['dequantize out of the wrong length', () => dequantizeLinear(new Uint8Array(2), { scale: 1, out: new Float32Array(3) }), RangeError,
    'ERR_MODELPRESS_SHAPE_MISMATCH', 'dequantizeLinear: out must be of length 2, got length 3'],
  ['dequantize out of the wrong type', () => dequantizeLinear(new Uint8Array(2), { scale: 1, out: new Float64Array(2) as never }), TypeError,
    'ERR_MODELPRESS_INVALID_TYPE', 'dequantizeLinear: out must be a Float32Array, got Float64Array(2)'],
  ['quantize() of NaN', () => quantize(new Float32Array([1, 2, NaN, Infinity])), RangeError, 'ERR_MODELPRESS_NON_FINITE',
    'quantize: x must contain only finite values to find its range, got NaN at index 2'],
  ['quantize() of -Infinity per axis', () => quantize(new Float32Array([1, 2, 3, -Infinity]), { axis: 1, shape: [2, 2] }), RangeError,
    'ERR_MODELPRESS_NON_FINITE', 'quantize: x must contain only finite values to find its range, got -Infinity at index 3'],
  ['quantize() symmetric not boolean', () => quantize(x4, { symmetric: 'yes' as never }), TypeError, 'ERR_MODELPRESS_INVALID_TYPE',
    'quantize: symmetric must be a boolean, got "yes"'],
  ['dequantize() of something else', () => dequantize({} as never), TypeError, 'ERR_MODELPRESS_INVALID_TYPE',
    'dequantize: tensor must be a QuantizedTensor returned by quantize(), got Object'],
  ['unknown backend', () => setBackend('gpu' as never), RangeError, 'ERR_MODELPRESS_INVALID_VALUE',
    'setBackend: backend must be one of "native", "wasm", "reference", got "gpu"'],
];

describe.each([{ backend: 'reference', cpu: 'typescript', label: 'reference' }, ...backendMatrix()])('bad input on $label', (combo) => {
  it.each(bad)('%s', (_name, call, ctor, code, message) => {
    use(combo as never);
    let thrown: unknown;
    try {
      call();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ctor);
    expect((thrown as Error).message).toBe(message);
    expect((thrown as { code: string }).code).toBe(code);
  });

  it('the Promise forms reject with the same errors', async () => {
    use(combo as never);
    await expect(quantizeLinearAsync(x4, { scale: 0 })).rejects.toThrow('quantizeLinearAsync: scale must be finite and > 0, got 0');
    await expect(dequantizeLinearAsync(new Int8Array(1), { scale: 1, zeroPoint: 128 })).rejects.toThrow(
      'dequantizeLinearAsync: zeroPoint must be in [-128, 127] for int8, got 128',
    );
    await expect(quantizeAsync(new Float32Array([0, NaN]))).rejects.toThrow('got NaN at index 1');
  });

  it('empty arrays are valid and give empty results', async () => {
    use(combo as never);
    const empty = new Float32Array(0);
    expect(quantizeLinear(empty, { scale: 1 })).toEqual(new Uint8Array(0));
    expect(quantizeLinear(empty, { scale: [1, 2], axis: 1, shape: [0, 2] })).toEqual(new Uint8Array(0));
    expect(dequantizeLinear(new Int8Array(0), { scale: 1 })).toEqual(new Float32Array(0));
    const t = quantize(empty);
    expect(t.data).toEqual(new Int8Array(0));
    expect(t.scale).toBe(1);
    expect(await quantizeLinearAsync(empty, { scale: 1 })).toEqual(new Uint8Array(0));
  });

  it('inputs are not modified', () => {
    use(combo as never);
    const x = new Float32Array([0.1, -7, 3.5, NaN]);
    const before = x.slice();
    quantizeLinear(x, { scale: 0.5, dtype: 'int8' });
    expect(Array.from(x)).toEqual(Array.from(before));
  });
});

describe('the native addon re-checks what it is given', () => {
  const require = createRequire(import.meta.url);
  let addon: Record<string, (...args: unknown[]) => unknown>;
  try {
    addon = require('../build/Release/modelpress.node');
  } catch {
    // Without a toolchain there is no addon to check (see helpers.ts).
    if (process.env.MODELPRESS_TEST_WITHOUT_NATIVE !== '1') throw new Error('native addon missing');
  }
  const s = new Float32Array([1]);
  const z = new Int32Array([0]);
  it.runIf(process.env.MODELPRESS_TEST_WITHOUT_NATIVE !== '1').each([
    ['out shorter than x', () => addon.quantizeLinear(new Float32Array(10), new Int8Array(9), 1, 1, s, z, 1), RangeError, 'out must have the input\'s length'],
    ['out type differs from qtype', () => addon.quantizeLinear(new Float32Array(10), new Uint8Array(10), 1, 1, s, z, 1), TypeError, 'out must be a Int8Array, got Uint8Array'],
    ['x not float32', () => addon.quantizeLinear(new Float64Array(10), new Int8Array(10), 1, 1, s, z, 1), TypeError, 'x must be a Float32Array'],
    ['scales shorter than axisLen', () => addon.quantizeLinear(new Float32Array(10), new Int8Array(10), 2, 5, s, z, 1), RangeError, 'scales and zeroPoints must have one entry per parameter of the layout'],
    ['length not a multiple of the layout', () => addon.dequantizeLinear(new Int8Array(9), new Float32Array(9), 2, 2, new Float32Array(2), new Int32Array(2), 1), RangeError, 'multiple of axisLen * inner'],
    ['axisLen zero', () => addon.minMax(new Float32Array(4), 0, 1, s, s), RangeError, 'axisLen must be an integer >= 1'],
    ['mins too short', () => addon.minMax(new Float32Array(4), 2, 2, s, s), RangeError, 'mins and maxs must have one entry per parameter of the layout'],
    ['bad qtype', () => addon.quantizeLinear(new Float32Array(1), new Int8Array(1), 1, 1, s, z, 9), RangeError, 'qtype must be 1 (int8), 2 (uint8), 3 (int4) or 4 (uint4)'],
    ['too few arguments', () => addon.quantizeLinear(new Float32Array(1)), TypeError, 'expects 7 or 8 arguments'],
    ['per-tensor form: out shorter than x', () => addon.quantizeTensor(new Float32Array(8), new Uint8Array(7), 1, 0, 2), RangeError, 'out must have the input\'s length'],
    ['per-tensor form: q of the wrong type', () => addon.dequantizeTensor(new Uint8Array(8), new Float32Array(8), 1, 0, 1), TypeError, 'q must be a Int8Array, got Uint8Array'],
    ['per-tensor form: scale not a number', () => addon.quantizeTensor(new Float32Array(8), new Uint8Array(8), '1', 0, 2), TypeError, 'scale and zeroPoint must be numbers'],
    ['blocked: too few scales', () => addon.quantizeLinear(new Float32Array(12), new Int8Array(12), 4, 1, new Float32Array(5), new Int32Array(5), 1, 2), RangeError, 'one entry per parameter of the layout'],
    ['4-bit: packed side too short', () => addon.quantizeTensor(new Float32Array(9), new Uint8Array(4), 1, 0, 3), RangeError, 'the packed side must hold ceil(n / 2) bytes'],
    ['groups: too few scales', () => addon.quantizeGroups(new Float32Array(12), new Int8Array(12), 4, 2, 1, true, new Float32Array(5), new Int32Array(5)), RangeError, 'one entry per block'],
    ['groups: length not whole rows', () => addon.quantizeGroups(new Float32Array(10), new Int8Array(10), 4, 2, 1, true, new Float32Array(6), new Int32Array(6)), RangeError, 'multiple of cols'],
    ['packInt4: wrong qtype', () => addon.packInt4(new Int8Array(4), new Uint8Array(2), 1), RangeError, 'qtype must be 3 (int4) or 4 (uint4)'],
    ['unpackInt4: out too long', () => addon.unpackInt4(new Uint8Array(2), new Int8Array(5), 3), RangeError, 'ceil(n / 2) bytes'],
    ['kmeans: k out of range', () => addon.kmeans(new Float32Array(4), 512, 0, 1, 4, new Float32Array(512), new Uint8Array(4)), RangeError, 'k must be in [2, 256]'],
    ['kmeans: idx too short', () => addon.kmeans(new Float32Array(4), 2, 0, 1, 4, new Float32Array(2), new Uint8Array(3)), RangeError, "idx must have x's length"],
    ['lookup: short table', () => addon.lookup(new Uint8Array(4), new Float32Array(16), new Float32Array(4)), RangeError, 'table must have 256 entries'],
    ['histogramRange: range of 3', () => addon.histogramRange(new Float32Array(4), 0, 1, new Float64Array(4), new Float32Array(3)), RangeError, 'range must have 2 entries (min, max)'],
    ['digitHistogram: counts of the wrong size', () => addon.digitHistogram(new Float32Array(4), 0, 4, 0, new Float64Array(8)), RangeError, 'counts must have 2^bits entries'],
    ['digitHistogram: digit too wide', () => addon.digitHistogram(new Float32Array(4), 0, 12, 0, new Float64Array(4096)), RangeError, 'bits out of range'],
    ['thresholdMask: mask too short', () => addon.thresholdMask(new Float32Array(4), 0, 0, new Uint8Array(3)), RangeError, "mask must have x's length"],
    ['countNonzero: not bytes', () => addon.countNonzero(new Float32Array(4)), TypeError, 'm must be a Uint8Array'],
    ['pow2Quantize: codes too short', () => addon.pow2Quantize(new Float32Array(4), 0, 3, new Int8Array(3)), RangeError, "codes must have x's length"],
    ['sliceNormSums: sums too short', () => addon.sliceNormSums(new Float32Array(6), 2, 3, 1, 1, 1, new Float64Array(2)), RangeError, 'sums has the wrong length'],
    ['sliceNormSums: x not the layout', () => addon.sliceNormSums(new Float32Array(5), 2, 3, 1, 1, 1, new Float64Array(3)), RangeError, 'x has the wrong length'],
    ['sliceNormSums: bad kind', () => addon.sliceNormSums(new Float32Array(6), 2, 3, 1, 9, 1, new Float64Array(3)), RangeError, 'kind out of range'],
    ['blockPool: zero block side', () => addon.blockPool(new Float32Array(4), 2, 2, 0, 1, 0, new Float32Array(4)), RangeError, 'block sides must be >= 1'],
    ['blockPool: out too short', () => addon.blockPool(new Float32Array(6), 2, 3, 1, 2, 0, new Float32Array(3)), RangeError, 'out has the wrong length'],
    ['expandBlockMask: mask too short', () => addon.expandBlockMask(new Uint8Array(2), 2, 2, 1, 2, new Uint8Array(3)), RangeError, 'mask has the wrong length'],
    ['nmMask: axis not a multiple of m', () => addon.nmMask(new Float32Array(6), 1, 6, 1, 2, 4, new Uint8Array(6)), RangeError, 'axisLen must be a multiple of m'],
    ['nmMask: n above m', () => addon.nmMask(new Float32Array(8), 1, 8, 1, 5, 4, new Uint8Array(8)), RangeError, 'need 1 <= n <= m'],
    ['taylorAccumulate: score too short', () => addon.taylorAccumulate(new Float32Array(4), new Float32Array(4), 1, new Float32Array(3)), RangeError, 'score has the wrong length'],
    ['csrEncode: values not rowPtr[rows] long', () => addon.csrEncode(new Float32Array(4), 2, 2, Int32Array.of(0, 1, 3), new Float32Array(2), new Int32Array(2)), RangeError, 'values must have rowPtr[rows] entries'],
    ['csrDecode: values and colIdx differ', () => addon.csrDecode(Int32Array.of(0, 1), Int32Array.of(0), new Float32Array(2), 1, 2, new Float32Array(2)), RangeError, 'values has the wrong length'],
    ['csrDecode: bad row pointers reach the C ABI as a status', () => addon.csrDecode(Int32Array.of(0, 5), Int32Array.of(0), new Float32Array(1), 1, 2, new Float32Array(2)), Error, 'kernel status 2'],
    ['bitmaskEncode: bits too short', () => addon.bitmaskEncode(new Float32Array(9), new Uint8Array(1), new Float32Array(9)), RangeError, 'bits has the wrong length'],
    ['bitmaskEncode: too few values is a status, not an overrun', () => addon.bitmaskEncode(Float32Array.of(1, 2, 3), new Uint8Array(1), new Float32Array(2)), Error, 'kernel status 8'],
    ['pack24: cols not a multiple of 4', () => addon.pack24(new Float32Array(6), 1, 6, new Float32Array(3), new Uint8Array(1)), RangeError, 'cols must be a multiple of 4'],
    ['unpack24: meta too short', () => addon.unpack24(new Float32Array(4), new Uint8Array(0), 1, 8, new Float32Array(8)), RangeError, 'meta has the wrong length'],
    ['csrMatVec: x too short', () => addon.csrMatVec(Int32Array.of(0, 1), Int32Array.of(0), new Float32Array(1), 1, 3, new Float32Array(2), new Float32Array(1)), RangeError, 'x has the wrong length'],
    ['csrMatVec: decreasing row pointers reach the C ABI as a status', () => addon.csrMatVec(Int32Array.of(0, 2, 1), Int32Array.of(0), new Float32Array(1), 2, 3, new Float32Array(3), new Float32Array(2)), Error, 'kernel status 2'],
    ['csrMatMul: c too short', () => addon.csrMatMul(Int32Array.of(0, 1), Int32Array.of(0), new Float32Array(1), 1, 3, new Float32Array(6), 2, new Float32Array(1)), RangeError, 'c has the wrong length'],
    ['denseMatMul: b not [inner, k]', () => addon.denseMatMul(new Float32Array(6), 2, 3, new Float32Array(5), 2, new Float32Array(4)), RangeError, 'b has the wrong length'],
    ['nm24MatVec: values not half of the dense size', () => addon.nm24MatVec(new Float32Array(3), new Uint8Array(1), 1, 4, new Float32Array(4), new Float32Array(1)), RangeError, 'values has the wrong length'],
    ['per-tensor range: x not float32', () => addon.minMaxTensor(new Float64Array(4), 0, 0), TypeError, 'x must be a Float32Array'],
  ] as const)('%s', (_name, call, ctor, message) => {
    expect(call).toThrow(ctor);
    expect(call).toThrow(message);
  });

  it.runIf(process.env.MODELPRESS_TEST_WITHOUT_NATIVE !== '1')('a bad scale or zero point reaching the C ABI returns a status, not garbage', () => {
    expect(addon.quantizeLinear(new Float32Array(2), new Int8Array(2), 1, 1, new Float32Array([0]), z, 1)).toBe(3);
    expect(addon.quantizeLinear(new Float32Array(2), new Int8Array(2), 1, 1, s, new Int32Array([200]), 1)).toBe(4);
    expect(addon.quantizeTensor(new Float32Array(2), new Uint8Array(2), -1, 0, 2)).toBe(3);
    expect(addon.quantizeTensor(new Float32Array(2), new Uint8Array(2), 1, 1e12, 2)).toBe(4);
    expect(addon.dequantizeTensor(new Int8Array(2), new Float32Array(2), NaN, 0, 1)).toBe(3);
  });
});
