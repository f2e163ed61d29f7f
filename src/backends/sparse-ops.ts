/**
 * The kernels of structured pruning, sparse storage and sparse products as every
 * backend offers them: the C ABI of the prune, sformat and spmm families
 * (native/include/modelpress.h) with the pointers replaced by typed arrays. The
 * native addon exports exactly these functions (and their `…Async` forms); the
 * WASM and reference backends implement them. Arguments arrive validated by the
 * public API (src/sparse/).
 *
 * Returns: "-1 or an index" means -1 when all went well, else the index the
 * C ABI reported (the first NaN, the first bad entry or group).
 */

/** Norm kinds of sliceNormSums: Σ|x|, Σx², Σ|x|^p, max |x|. */
export const NORM_L1 = 1;
export const NORM_L2 = 2;
export const NORM_LP = 3;
export const NORM_MAX = 4;
export type NormKind = typeof NORM_L1 | typeof NORM_L2 | typeof NORM_LP | typeof NORM_MAX;

export interface SparseOps {
  /** Adds the slice norm sums of x [outer, axisLen, inner] into sums (axisLen); -1 or the first NaN. */
  sliceNormSums(x: Float32Array, outer: number, axisLen: number, inner: number, kind: NormKind, p: number, sums: Float64Array): number;
  /** Block scores (mode 0 mean |x|, 1 max |x|) of x [rows, cols]; -1 or the first NaN. */
  blockPool(x: Float32Array, rows: number, cols: number, bh: number, bw: number, mode: number, out: Float32Array): number;
  /** mask[r, c] = blockMask[r / bh, c / bw]. */
  expandBlockMask(blockMask: Uint8Array, rows: number, cols: number, bh: number, bw: number, mask: Uint8Array): number;
  /** The N:M mask of x [outer, axisLen, inner]; -1 or the first NaN. */
  nmMask(x: Float32Array, outer: number, axisLen: number, inner: number, n: number, m: number, mask: Uint8Array): number;
  /** score = beta · score + |w · g|. */
  taylorAccumulate(w: Float32Array, g: Float32Array, beta: number, score: Float32Array): number;

  /** Elements whose bits are not ±0. */
  countNonzeroF32(x: Float32Array): number;
  /** Fills the row pointers of x [rows, cols]; returns the total, or -1 above 2^31 − 1. */
  csrCount(x: Float32Array, rows: number, cols: number, rowPtr: Int32Array): number;
  /** Fills values and colIdx (rowPtr from csrCount); -1 or a row whose count differs. */
  csrEncode(x: Float32Array, rows: number, cols: number, rowPtr: Int32Array, values: Float32Array, colIdx: Int32Array): number;
  /** Dense out [rows, cols] of a CSR with valid row pointers; -1 or the first bad column entry. */
  csrDecode(rowPtr: Int32Array, colIdx: Int32Array, values: Float32Array, rows: number, cols: number, out: Float32Array): number;
  /** Bits (ceil(n / 8) bytes) and packed values (sized by countNonzeroF32); returns the count. */
  bitmaskEncode(x: Float32Array, bits: Uint8Array, values: Float32Array): number;
  /** The dense out of a bitmask; -1, or 1 if the mask selects more than values holds. */
  bitmaskDecode(bits: Uint8Array, values: Float32Array, out: Float32Array): number;
  /** 2:4 packing of x [rows, cols]; -1 or the first group with more than two non-zeros. */
  pack24(x: Float32Array, rows: number, cols: number, values: Float32Array, meta: Uint8Array): number;
  /** The dense out of a 2:4 packing; -1 or the first group whose nibble is not i0 < i1. */
  unpack24(values: Float32Array, meta: Uint8Array, rows: number, cols: number, out: Float32Array): number;

  /** y = A x for a CSR A [rows, cols] with valid row pointers; -1, or 1 if a column is out of range. */
  csrMatVec(rowPtr: Int32Array, colIdx: Int32Array, values: Float32Array, rows: number, cols: number, x: Float32Array, y: Float32Array): number;
  /** C = A B, B [cols, k]; -1, or 1 if a column is out of range. */
  csrMatMul(rowPtr: Int32Array, colIdx: Int32Array, values: Float32Array, rows: number, cols: number, b: Float32Array, k: number, c: Float32Array): number;
  nm24MatVec(values: Float32Array, meta: Uint8Array, rows: number, cols: number, x: Float32Array, y: Float32Array): number;
  nm24MatMul(values: Float32Array, meta: Uint8Array, rows: number, cols: number, b: Float32Array, k: number, c: Float32Array): number;
  denseMatVec(a: Float32Array, rows: number, cols: number, x: Float32Array, y: Float32Array): number;
  denseMatMul(a: Float32Array, rows: number, inner: number, b: Float32Array, k: number, c: Float32Array): number;
}

export type SparseOpName = keyof SparseOps;

/** The Promise forms: `nameAsync` for every op. */
export type AsyncSparseOps = {
  [K in SparseOpName as `${K}Async`]: (...args: Parameters<SparseOps[K]>) => Promise<number>;
};

/**
 * Every op with the indices of the arguments it writes (what a worker must copy
 * back), in one place for the backends that move data between threads.
 */
export const SPARSE_OP_OUTPUTS: { readonly [K in SparseOpName]: readonly number[] } = {
  sliceNormSums: [6],
  blockPool: [6],
  expandBlockMask: [5],
  nmMask: [6],
  taylorAccumulate: [3],
  countNonzeroF32: [],
  csrCount: [3],
  csrEncode: [4, 5],
  csrDecode: [5],
  bitmaskEncode: [1, 2],
  bitmaskDecode: [2],
  pack24: [3, 4],
  unpack24: [4],
  csrMatVec: [6],
  csrMatMul: [7],
  nm24MatVec: [5],
  nm24MatMul: [6],
  denseMatVec: [4],
  denseMatMul: [5],
};

export const SPARSE_OP_NAMES = Object.keys(SPARSE_OP_OUTPUTS) as SparseOpName[];

/** Promise forms that run the synchronous ops in turn (the reference backend's way). */
export function immediateAsync(ops: SparseOps): AsyncSparseOps {
  const out: Record<string, unknown> = {};
  for (const name of SPARSE_OP_NAMES) {
    const f = ops[name] as (...a: unknown[]) => number;
    out[`${name}Async`] = async (...a: unknown[]) => f.apply(ops, a);
  }
  return out as AsyncSparseOps;
}
