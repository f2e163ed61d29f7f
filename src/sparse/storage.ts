/**
 * Sparse storage of pruned tensors, so pruning saves bytes:
 *
 *   CSR (compressed sparse row) of a [rows, cols] matrix: the non-zero values row
 *     by row, their column indices (int32) and rows + 1 row pointers (int32),
 *     scipy.sparse.csr_matrix's layout;
 *   bitmask: one bit per element (1 = stored, least significant bit first) and the
 *     non-zero values packed in order, for any shape.
 *
 * "Non-zero" means any value but ±0, so the round trip to dense is exact (a NaN
 * is stored), except that −0 comes back as +0.
 */
import { getBackend } from '../backends/registry.js';
import { rangeError, shapeError, typeError } from '../errors.js';
import { checkFloat32Array, checkOut, checkShape } from '../validate.js';
import { call, run, runAsync, type Steps } from '../drive.js';

export interface CSRMatrix {
  shape: [rows: number, cols: number];
  /** rows + 1 entries: row r's values are values[rowPointers[r] .. rowPointers[r + 1]). */
  rowPointers: Int32Array;
  /** The column of each stored value, increasing within a row. */
  columns: Int32Array;
  values: Float32Array;
}

export interface BitmaskTensor {
  /** Number of elements of the dense tensor. */
  length: number;
  /** ceil(length / 8) bytes: bit i % 8 of byte i / 8 is 1 where element i is stored. */
  bits: Uint8Array;
  values: Float32Array;
}

function checkMatrixShape(fn: string, shapeArg: unknown, length: number): [number, number] {
  const shape = checkShape(fn, shapeArg, length, 'x');
  if (shape.length !== 2) throw shapeError(fn, 'shape', 'of rank 2 ([rows, cols])', `[${shape.join(', ')}]`);
  return [shape[0], shape[1]];
}

function* toCSRSteps(fn: string, xArg: unknown, shapeArg: unknown): Steps<CSRMatrix> {
  const x = checkFloat32Array(fn, 'x', xArg);
  const [rows, cols] = checkMatrixShape(fn, shapeArg, x.length);
  const rowPointers = new Int32Array(rows + 1);
  const nnz = yield* call('csrCount', x, rows, cols, rowPointers);
  if (nnz < 0) throw rangeError(fn, 'x', 'at most 2^31 − 1 non-zero values (int32 indices)', x);
  const columns = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  if (nnz > 0) {
    const bad = yield* call('csrEncode', x, rows, cols, rowPointers, values, columns);
    if (bad >= 0) throw new Error(`${fn}: x changed while it was converted (row ${bad})`);
  }
  return { shape: [rows, cols], rowPointers, columns, values };
}

/** The CSR of a [rows, cols] matrix (its non-zero values). */
export function toCSR(x: Float32Array, shape: [number, number]): CSRMatrix {
  return run(getBackend(), toCSRSteps('toCSR', x, shape));
}

export function toCSRAsync(x: Float32Array, shape: [number, number]): Promise<CSRMatrix> {
  return runAsync(getBackend(), toCSRSteps('toCSRAsync', x, shape));
}

/**
 * Checks a CSR's structure: shape, array types and lengths, row pointers from 0,
 * never decreasing, ending at the value count. (Columns are checked by the kernels
 * that use them.)
 */
export function checkCSR(fn: string, arg: string, a: unknown): CSRMatrix {
  if (a === null || typeof a !== 'object') throw typeError(fn, arg, 'a CSRMatrix { shape, rowPointers, columns, values }', a);
  const m = a as Record<string, unknown>;
  const shape = m.shape;
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw typeError(fn, `${arg}.shape`, 'a pair of non-negative integers [rows, cols]', shape);
  }
  const { rowPointers: rp, columns, values } = m;
  if (!(rp instanceof Int32Array)) throw typeError(fn, `${arg}.rowPointers`, 'an Int32Array', rp);
  if (!(columns instanceof Int32Array)) throw typeError(fn, `${arg}.columns`, 'an Int32Array', columns);
  if (!(values instanceof Float32Array)) throw typeError(fn, `${arg}.values`, 'a Float32Array', values);
  const [rows] = shape as number[];
  if (rp.length !== rows + 1) throw shapeError(fn, `${arg}.rowPointers`, `of length rows + 1 = ${rows + 1}`, `length ${rp.length}`);
  if (values.length !== columns.length) throw shapeError(fn, `${arg}.values`, `of the length of columns (${columns.length})`, `length ${values.length}`);
  if (rp[0] !== 0) throw rangeError(fn, `${arg}.rowPointers[0]`, '0', rp[0]);
  for (let r = 0; r < rows; r++) {
    if (rp[r + 1] < rp[r]) throw rangeError(fn, `${arg}.rowPointers[${r + 1}]`, `≥ rowPointers[${r}] = ${rp[r]}`, rp[r + 1]);
  }
  if (rp[rows] !== columns.length) throw rangeError(fn, `${arg}.rowPointers[${rows}]`, `the value count ${columns.length}`, rp[rows]);
  return a as CSRMatrix;
}

function* fromCSRSteps(fn: string, aArg: unknown, outArg: unknown): Steps<Float32Array> {
  const a = checkCSR(fn, 'csr', aArg);
  const [rows, cols] = a.shape;
  const out = checkOut(fn, outArg, Float32Array, rows * cols) ?? new Float32Array(rows * cols);
  if (out.length === 0) return out;
  const bad = yield* call('csrDecode', a.rowPointers, a.columns, a.values, rows, cols, out);
  if (bad >= 0) {
    const row = a.rowPointers.findIndex((p) => p > bad) - 1;
    throw rangeError(fn, `csr.columns[${bad}]`, `in [0, ${cols}) and above the previous column of row ${row}`, a.columns[bad]);
  }
  return out;
}

/** The dense [rows, cols] matrix of a CSR (+0 where nothing is stored). */
export function fromCSR(csr: CSRMatrix, out?: Float32Array): Float32Array {
  return run(getBackend(), fromCSRSteps('fromCSR', csr, out));
}

export function fromCSRAsync(csr: CSRMatrix, out?: Float32Array): Promise<Float32Array> {
  return runAsync(getBackend(), fromCSRSteps('fromCSRAsync', csr, out));
}

function* toBitmaskSteps(fn: string, xArg: unknown): Steps<BitmaskTensor> {
  const x = checkFloat32Array(fn, 'x', xArg);
  const bits = new Uint8Array(Math.ceil(x.length / 8));
  const nnz = x.length === 0 ? 0 : yield* call('countNonzeroF32', x);
  const values = new Float32Array(nnz);
  if (x.length > 0) yield* call('bitmaskEncode', x, bits, values);
  return { length: x.length, bits, values };
}

/** The bitmask + packed-values form of x (any shape, flattened). */
export function toBitmask(x: Float32Array): BitmaskTensor {
  return run(getBackend(), toBitmaskSteps('toBitmask', x));
}

export function toBitmaskAsync(x: Float32Array): Promise<BitmaskTensor> {
  return runAsync(getBackend(), toBitmaskSteps('toBitmaskAsync', x));
}

function* fromBitmaskSteps(fn: string, bArg: unknown, outArg: unknown): Steps<Float32Array> {
  if (bArg === null || typeof bArg !== 'object') throw typeError(fn, 'bitmask', 'a BitmaskTensor { length, bits, values }', bArg);
  const { length, bits, values } = bArg as Record<string, unknown>;
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) throw rangeError(fn, 'bitmask.length', 'a non-negative integer', length);
  if (!(bits instanceof Uint8Array)) throw typeError(fn, 'bitmask.bits', 'a Uint8Array', bits);
  if (!(values instanceof Float32Array)) throw typeError(fn, 'bitmask.values', 'a Float32Array', values);
  if (bits.length !== Math.ceil(length / 8)) throw shapeError(fn, 'bitmask.bits', `of length ceil(length / 8) = ${Math.ceil(length / 8)}`, `length ${bits.length}`);
  const out = checkOut(fn, outArg, Float32Array, length) ?? new Float32Array(length);
  if (length === 0) return out;
  const short = yield* call('bitmaskDecode', bits, values, out);
  if (short >= 0) throw shapeError(fn, 'bitmask.values', 'at least as long as the bits set in bitmask.bits', `length ${values.length}`);
  return out;
}

/** The dense tensor of a bitmask form (+0 where the bit is 0). */
export function fromBitmask(bitmask: BitmaskTensor, out?: Float32Array): Float32Array {
  return run(getBackend(), fromBitmaskSteps('fromBitmask', bitmask, out));
}

export function fromBitmaskAsync(bitmask: BitmaskTensor, out?: Float32Array): Promise<Float32Array> {
  return runAsync(getBackend(), fromBitmaskSteps('fromBitmaskAsync', bitmask, out));
}
