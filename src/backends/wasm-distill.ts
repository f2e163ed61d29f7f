/**
 * DistillOps on the WebAssembly module: each op is one C ABI call on whole arrays
 * (rows are processed with the whole batch in the module's memory). An empty
 * optional output passes as a null pointer.
 */
import type { DistillOps } from './distill-ops.js';
import { SCRATCH, type WasmKernels, type WholeArg } from './wasm-module.js';

const MP_ERR_RANGE = 8;

export function wasmDistillOps(k: WasmKernels): DistillOps {
  /** An optional output: the array, or 0 (NULL) when it is empty. */
  const opt = (a: Float32Array | Float64Array): WholeArg => (a.length === 0 ? 0 : a);
  function run(fn: string, args: WholeArg[], outputs: readonly number[], badRow = false): number {
    const [status, scratch] = k.whole(fn, args, outputs.filter((i) => ArrayBuffer.isView(args[i])));
    if (status === 0) return badRow ? -1 : 0;
    if (badRow && status === MP_ERR_RANGE) return scratch;
    throw new Error(`modelpress.wasm: ${fn} returned status ${status}`);
  }
  return {
    softmaxRows: (z, rows, cols, invT, log, out) => run('mp_softmax_rows', [z, rows, cols, invT, log, out], [5]),
    klRows: (s, t, rows, cols, invT, probs, gs, kl, ce, grad) =>
      run('mp_kl_rows', [s, t, rows, cols, invT, probs, gs, opt(kl), opt(ce), opt(grad)], [7, 8, 9]),
    klTopkRows: (s, idx, p, rest, rows, cols, kk, invT, gs, kl, ce, grad) =>
      run('mp_kl_topk_rows', [s, idx, p, rest, rows, cols, kk, invT, gs, opt(kl), opt(ce), opt(grad), SCRATCH], [9, 10, 11], true),
    ceRows: (s, labels, rows, cols, ignore, eps, gs, loss, grad) =>
      run('mp_ce_rows', [s, labels, rows, cols, ignore, eps, gs, loss, opt(grad), SCRATCH], [7, 8], true),
    sqDiff: (s, t, gs, grad, sum) => run('mp_sq_diff', [s, t, s.length, gs, opt(grad), sum], [4, 5]),
    cosineRows: (s, t, rows, cols, eps, gs, loss, grad) => run('mp_cosine_rows', [s, t, rows, cols, eps, gs, loss, opt(grad)], [6, 7]),
    channelMeanSq: (a, batch, channels, spatial, out) => run('mp_channel_mean_sq', [a, batch, channels, spatial, out], [4]),
    scaleByMap: (a, g, batch, channels, spatial, grad) => run('mp_scale_by_map', [a, g, batch, channels, spatial, grad], [5]),
  };
}
