/**
 * fp32 products of sparse matrices (CSR, 2:4-packed) with dense vectors and
 * matrices, and the dense products they replace. All matrices are row-major.
 * The sums run in SIMD order: every output is within 2 (terms + 1) · 2^-24 ·
 * Σ|a_j x_j| of the exact sum (terms: the products summed into it).
 */
import { getBackend } from '../backends/registry.js';
import { rangeError, shapeError } from '../errors.js';
import { checkFloat32Array, checkOptions, checkOut, checkShape } from '../validate.js';
import { call, run, runAsync, type Steps } from '../drive.js';
import { checkPacked24, type Packed24 } from './nm24.js';
import { checkCSR, type CSRMatrix } from './storage.js';

export interface ProductOptions {
  /** Write the result here (a Float32Array of the result's length). */
  out?: Float32Array;
}

function vector(fn: string, xArg: unknown, cols: number): Float32Array {
  const x = checkFloat32Array(fn, 'x', xArg);
  if (x.length !== cols) throw shapeError(fn, 'x', `of length cols = ${cols}`, `length ${x.length}`);
  return x;
}

/** The right-hand matrix B [cols, k]; returns k. */
function rightMatrix(fn: string, bArg: unknown, bShapeArg: unknown, cols: number): [Float32Array, number] {
  const b = checkFloat32Array(fn, 'b', bArg);
  const shape = checkShape(fn, bShapeArg, b.length, 'b');
  if (shape.length !== 2 || shape[0] !== cols) throw shapeError(fn, 'bShape', `[${cols}, k]`, `[${shape.join(', ')}]`);
  return [b, shape[1]];
}

function output(fn: string, optionsArg: unknown, length: number): Float32Array {
  const o = checkOptions(fn, optionsArg);
  return checkOut(fn, o.out, Float32Array, length) ?? new Float32Array(length);
}

function badColumn(fn: string, a: CSRMatrix): Error {
  const cols = a.shape[1];
  const j = a.columns.findIndex((c) => c < 0 || c >= cols);
  return rangeError(fn, `a.columns[${j}]`, `a column in [0, ${cols})`, a.columns[j]);
}

function* csrMatVecSteps(fn: string, aArg: unknown, xArg: unknown, options: unknown): Steps<Float32Array> {
  const a = checkCSR(fn, 'a', aArg);
  const [rows, cols] = a.shape;
  const x = vector(fn, xArg, cols);
  const y = output(fn, options, rows);
  if (rows === 0) return y;
  const bad = yield* call('csrMatVec', a.rowPointers, a.columns, a.values, rows, cols, x, y);
  if (bad >= 0) throw badColumn(fn, a);
  return y;
}

/** y = A x for a CSR A [rows, cols] and x of cols elements. */
export function csrMatVec(a: CSRMatrix, x: Float32Array, options?: ProductOptions): Float32Array {
  return run(getBackend(), csrMatVecSteps('csrMatVec', a, x, options));
}

export function csrMatVecAsync(a: CSRMatrix, x: Float32Array, options?: ProductOptions): Promise<Float32Array> {
  return runAsync(getBackend(), csrMatVecSteps('csrMatVecAsync', a, x, options));
}

function* csrMatMulSteps(fn: string, aArg: unknown, bArg: unknown, bShape: unknown, options: unknown): Steps<Float32Array> {
  const a = checkCSR(fn, 'a', aArg);
  const [rows, cols] = a.shape;
  const [b, k] = rightMatrix(fn, bArg, bShape, cols);
  const c = output(fn, options, rows * k);
  if (c.length === 0) return c;
  const bad = yield* call('csrMatMul', a.rowPointers, a.columns, a.values, rows, cols, b, k, c);
  if (bad >= 0) throw badColumn(fn, a);
  return c;
}

/** C = A B for a CSR A [rows, cols] and a dense B [cols, k]; C is [rows, k]. */
export function csrMatMul(a: CSRMatrix, b: Float32Array, bShape: [number, number], options?: ProductOptions): Float32Array {
  return run(getBackend(), csrMatMulSteps('csrMatMul', a, b, bShape, options));
}

export function csrMatMulAsync(a: CSRMatrix, b: Float32Array, bShape: [number, number], options?: ProductOptions): Promise<Float32Array> {
  return runAsync(getBackend(), csrMatMulSteps('csrMatMulAsync', a, b, bShape, options));
}

function* nm24MatVecSteps(fn: string, aArg: unknown, xArg: unknown, options: unknown): Steps<Float32Array> {
  const a = checkPacked24(fn, 'a', aArg);
  const [rows, cols] = a.shape;
  const x = vector(fn, xArg, cols);
  const y = output(fn, options, rows);
  if (rows > 0) yield* call('nm24MatVec', a.values, a.meta, rows, cols, x, y);
  return y;
}

/** y = A x for a 2:4-packed A [rows, cols]. */
export function nm24MatVec(a: Packed24, x: Float32Array, options?: ProductOptions): Float32Array {
  return run(getBackend(), nm24MatVecSteps('nm24MatVec', a, x, options));
}

export function nm24MatVecAsync(a: Packed24, x: Float32Array, options?: ProductOptions): Promise<Float32Array> {
  return runAsync(getBackend(), nm24MatVecSteps('nm24MatVecAsync', a, x, options));
}

function* nm24MatMulSteps(fn: string, aArg: unknown, bArg: unknown, bShape: unknown, options: unknown): Steps<Float32Array> {
  const a = checkPacked24(fn, 'a', aArg);
  const [rows, cols] = a.shape;
  const [b, k] = rightMatrix(fn, bArg, bShape, cols);
  const c = output(fn, options, rows * k);
  if (c.length > 0) yield* call('nm24MatMul', a.values, a.meta, rows, cols, b, k, c);
  return c;
}

/** C = A B for a 2:4-packed A [rows, cols] and a dense B [cols, k]. */
export function nm24MatMul(a: Packed24, b: Float32Array, bShape: [number, number], options?: ProductOptions): Float32Array {
  return run(getBackend(), nm24MatMulSteps('nm24MatMul', a, b, bShape, options));
}

export function nm24MatMulAsync(a: Packed24, b: Float32Array, bShape: [number, number], options?: ProductOptions): Promise<Float32Array> {
  return runAsync(getBackend(), nm24MatMulSteps('nm24MatMulAsync', a, b, bShape, options));
}

function denseLeft(fn: string, aArg: unknown, aShapeArg: unknown): [Float32Array, number, number] {
  const a = checkFloat32Array(fn, 'a', aArg);
  const shape = checkShape(fn, aShapeArg, a.length, 'a');
  if (shape.length !== 2) throw shapeError(fn, 'aShape', 'of rank 2 ([rows, cols])', `[${shape.join(', ')}]`);
  return [a, shape[0], shape[1]];
}

function* denseMatVecSteps(fn: string, aArg: unknown, aShape: unknown, xArg: unknown, options: unknown): Steps<Float32Array> {
  const [a, rows, cols] = denseLeft(fn, aArg, aShape);
  const x = vector(fn, xArg, cols);
  const y = output(fn, options, rows);
  if (rows > 0) yield* call('denseMatVec', a, rows, cols, x, y);
  return y;
}

/** y = A x for a dense A [rows, cols] (the product the sparse forms replace). */
export function denseMatVec(a: Float32Array, aShape: [number, number], x: Float32Array, options?: ProductOptions): Float32Array {
  return run(getBackend(), denseMatVecSteps('denseMatVec', a, aShape, x, options));
}

export function denseMatVecAsync(a: Float32Array, aShape: [number, number], x: Float32Array, options?: ProductOptions): Promise<Float32Array> {
  return runAsync(getBackend(), denseMatVecSteps('denseMatVecAsync', a, aShape, x, options));
}

function* denseMatMulSteps(fn: string, aArg: unknown, aShape: unknown, bArg: unknown, bShape: unknown, options: unknown): Steps<Float32Array> {
  const [a, rows, cols] = denseLeft(fn, aArg, aShape);
  const [b, k] = rightMatrix(fn, bArg, bShape, cols);
  const c = output(fn, options, rows * k);
  if (c.length > 0) yield* call('denseMatMul', a, rows, cols, b, k, c);
  return c;
}

/** C = A B for dense A [rows, cols] and B [cols, k]. */
export function denseMatMul(a: Float32Array, aShape: [number, number], b: Float32Array, bShape: [number, number], options?: ProductOptions): Float32Array {
  return run(getBackend(), denseMatMulSteps('denseMatMul', a, aShape, b, bShape, options));
}

export function denseMatMulAsync(a: Float32Array, aShape: [number, number], b: Float32Array, bShape: [number, number], options?: ProductOptions): Promise<Float32Array> {
  return runAsync(getBackend(), denseMatMulSteps('denseMatMulAsync', a, aShape, b, bShape, options));
}

/** Bytes of a stored form: the sum of its arrays (what a file holding it would need). */
export function sparseByteSize(s: CSRMatrix | Packed24 | { bits: Uint8Array; values: Float32Array }): number {
  const parts: ArrayBufferView[] = Object.values(s).filter((v): v is ArrayBufferView => ArrayBuffer.isView(v));
  return parts.reduce((sum, p) => sum + p.byteLength, 0);
}
