/**
 * The 2:4 packed format (what NVIDIA's sparse tensor cores consume): a [rows, cols]
 * matrix with at most two non-zeros in every group of four consecutive elements of
 * a row keeps, per group, two values and a 4-bit nibble of their positions
 * (i0 | i1 << 2, i0 < i1; two groups per byte, the even group in the low nibble):
 * 9/16 of the dense bytes. Groups with fewer than two non-zeros store zeros at
 * their lowest free positions. Prune with nmMask(x, { n: 2, m: 4 }) first.
 */
import { getBackend } from '../backends/registry.js';
import { rangeErrorText, shapeError, typeError } from '../errors.js';
import { checkFloat32Array, checkOut, checkShape } from '../validate.js';
import { call, run, runAsync, type Steps } from '../drive.js';

export interface Packed24 {
  shape: [rows: number, cols: number];
  /** rows × cols / 2 values, two per group. */
  values: Float32Array;
  /** rows × ceil(cols / 8) bytes of position nibbles. */
  meta: Uint8Array;
}

function* packSteps(fn: string, xArg: unknown, shapeArg: unknown): Steps<Packed24> {
  const x = checkFloat32Array(fn, 'x', xArg);
  const shape = checkShape(fn, shapeArg, x.length, 'x');
  if (shape.length !== 2) throw shapeError(fn, 'shape', 'of rank 2 ([rows, cols])', `[${shape.join(', ')}]`);
  const [rows, cols] = shape;
  if (cols % 4 !== 0) throw shapeError(fn, 'shape', 'with cols a multiple of 4', `[${rows}, ${cols}]`);
  const values = new Float32Array((rows * cols) / 2);
  const meta = new Uint8Array(rows * Math.ceil(cols / 8));
  if (x.length > 0) {
    const bad = yield* call('pack24', x, rows, cols, values, meta);
    if (bad >= 0) {
      const groups = cols / 4;
      const r = Math.floor(bad / groups);
      const c = (bad % groups) * 4;
      throw rangeErrorText(fn, 'x', `at most 2 non-zeros in every group of 4 (apply nmMask(x, { n: 2, m: 4 }) first)`, `more in row ${r}, columns ${c}..${c + 3}`);
    }
  }
  return { shape: [rows, cols], values, meta };
}

/** Packs a 2:4-sparse [rows, cols] matrix (cols a multiple of 4). */
export function pack24(x: Float32Array, shape: [number, number]): Packed24 {
  return run(getBackend(), packSteps('pack24', x, shape));
}

export function pack24Async(x: Float32Array, shape: [number, number]): Promise<Packed24> {
  return runAsync(getBackend(), packSteps('pack24Async', x, shape));
}

/** Checks a Packed24's shape and array lengths (every nibble is in range by construction). */
export function checkPacked24(fn: string, arg: string, p: unknown): Packed24 {
  if (p === null || typeof p !== 'object') throw typeError(fn, arg, 'a Packed24 { shape, values, meta }', p);
  const { shape, values, meta } = p as Record<string, unknown>;
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0) || shape[1] % 4 !== 0) {
    throw typeError(fn, `${arg}.shape`, '[rows, cols] with cols a multiple of 4', shape);
  }
  const [rows, cols] = shape as number[];
  if (!(values instanceof Float32Array)) throw typeError(fn, `${arg}.values`, 'a Float32Array', values);
  if (!(meta instanceof Uint8Array)) throw typeError(fn, `${arg}.meta`, 'a Uint8Array', meta);
  if (values.length !== (rows * cols) / 2) throw shapeError(fn, `${arg}.values`, `of length ${(rows * cols) / 2}`, `length ${values.length}`);
  const metaLength = rows * Math.ceil(cols / 8);
  if (meta.length !== metaLength) throw shapeError(fn, `${arg}.meta`, `of length ${metaLength}`, `length ${meta.length}`);
  return p as Packed24;
}

function* unpackSteps(fn: string, pArg: unknown, outArg: unknown): Steps<Float32Array> {
  const p = checkPacked24(fn, 'packed', pArg);
  const [rows, cols] = p.shape;
  const out = checkOut(fn, outArg, Float32Array, rows * cols) ?? new Float32Array(rows * cols);
  if (out.length === 0) return out;
  const bad = yield* call('unpack24', p.values, p.meta, rows, cols, out);
  if (bad >= 0) throw rangeErrorText(fn, 'packed.meta', 'nibbles i0 | i1 << 2 with i0 < i1', `a bad one for group ${bad}`);
  return out;
}

/** The dense [rows, cols] matrix of a 2:4 packing. */
export function unpack24(packed: Packed24, out?: Float32Array): Float32Array {
  return run(getBackend(), unpackSteps('unpack24', packed, out));
}

export function unpack24Async(packed: Packed24, out?: Float32Array): Promise<Float32Array> {
  return runAsync(getBackend(), unpackSteps('unpack24Async', packed, out));
}
