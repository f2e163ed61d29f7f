/**
 * SparseOps on the WebAssembly module: each op is one C ABI call on whole arrays
 * (structured masks, storage conversions and products all need more than a
 * streaming window: rows, groups or the whole right-hand side).
 */
import type { SparseOps } from './sparse-ops.js';
import { SCRATCH, type WasmKernels, type WholeArg } from './wasm-module.js';

const MP_ERR_NON_FINITE = 6;
const MP_ERR_RANGE = 8;

export function wasmSparseOps(k: WasmKernels): SparseOps {
  /** Runs fn; a zero status gives `ok`, `bad` maps to the scratch value, anything else throws. */
  function run(fn: string, args: WholeArg[], outputs: readonly number[], bad = -1, ok = -1): number {
    const [status, scratch] = k.whole(fn, args, outputs);
    if (status === 0) return ok;
    if (status === bad) return scratch;
    throw new Error(`modelpress.wasm: ${fn} returned status ${status}`);
  }
  function runRangeFlag(fn: string, args: WholeArg[], outputs: readonly number[]): number {
    const [status] = k.whole(fn, args, outputs);
    if (status === 0) return -1;
    if (status === MP_ERR_RANGE) return 1;
    throw new Error(`modelpress.wasm: ${fn} returned status ${status}`);
  }
  return {
    sliceNormSums: (x, outer, axisLen, inner, kind, p, sums) =>
      run('mp_slice_norm_sums', [x, outer, axisLen, inner, kind, p, sums, SCRATCH], [6], MP_ERR_NON_FINITE),
    blockPool: (x, rows, cols, bh, bw, mode, out) => run('mp_block_pool', [x, rows, cols, bh, bw, mode, out, SCRATCH], [6], MP_ERR_NON_FINITE),
    expandBlockMask: (bm, rows, cols, bh, bw, mask) => run('mp_expand_block_mask', [bm, rows, cols, bh, bw, mask], [5], -1, 0),
    nmMask: (x, outer, axisLen, inner, n, m, mask) => run('mp_nm_mask', [x, outer, axisLen, inner, n, m, mask, SCRATCH], [6], MP_ERR_NON_FINITE),
    taylorAccumulate: (w, g, beta, score) => run('mp_taylor_accumulate', [w, g, w.length, beta, score], [4], -1, 0),

    countNonzeroF32(x) {
      const [status, count] = k.whole('mp_count_nonzero_f32', [x, x.length, SCRATCH], []);
      if (status !== 0) throw new Error(`modelpress.wasm: mp_count_nonzero_f32 returned status ${status}`);
      return count;
    },
    csrCount(x, rows, cols, rowPtr) {
      const [status] = k.whole('mp_csr_count', [x, rows, cols, rowPtr], [3]);
      if (status === MP_ERR_RANGE) return -1;
      if (status !== 0) throw new Error(`modelpress.wasm: mp_csr_count returned status ${status}`);
      return rowPtr[rows];
    },
    csrEncode: (x, rows, cols, rowPtr, values, colIdx) =>
      run('mp_csr_encode', [x, rows, cols, rowPtr, values, colIdx, SCRATCH], [4, 5], MP_ERR_RANGE),
    csrDecode: (rowPtr, colIdx, values, rows, cols, out) =>
      run('mp_csr_decode', [rowPtr, colIdx, values, colIdx.length, rows, cols, out, SCRATCH], [6], MP_ERR_RANGE),
    bitmaskEncode(x, bits, values) {
      const [status, count] = k.whole('mp_bitmask_encode', [x, x.length, bits, values, values.length, SCRATCH], [2, 3]);
      if (status !== 0) throw new Error(`modelpress.wasm: mp_bitmask_encode returned status ${status}`);
      return count;
    },
    bitmaskDecode: (bits, values, out) => runRangeFlag('mp_bitmask_decode', [bits, values, values.length, out.length, out], [4]),
    pack24: (x, rows, cols, values, meta) => run('mp_pack24', [x, rows, cols, values, meta, SCRATCH], [3, 4], MP_ERR_RANGE),
    unpack24: (values, meta, rows, cols, out) => run('mp_unpack24', [values, meta, rows, cols, out, SCRATCH], [4], MP_ERR_RANGE),

    csrMatVec: (rowPtr, colIdx, values, rows, cols, x, y) =>
      runRangeFlag('mp_csr_matvec', [rowPtr, colIdx, values, colIdx.length, rows, cols, x, y], [7]),
    csrMatMul: (rowPtr, colIdx, values, rows, cols, b, kk, c) =>
      runRangeFlag('mp_csr_matmul', [rowPtr, colIdx, values, colIdx.length, rows, cols, b, kk, c], [8]),
    nm24MatVec: (values, meta, rows, cols, x, y) => run('mp_nm24_matvec', [values, meta, rows, cols, x, y], [5], -1, 0),
    nm24MatMul: (values, meta, rows, cols, b, kk, c) => run('mp_nm24_matmul', [values, meta, rows, cols, b, kk, c], [6], -1, 0),
    denseMatVec: (a, rows, cols, x, y) => run('mp_dense_matvec', [a, rows, cols, x, y], [4], -1, 0),
    denseMatMul: (a, rows, inner, b, kk, c) => run('mp_dense_matmul', [a, rows, inner, b, kk, c], [5], -1, 0),
  };
}
