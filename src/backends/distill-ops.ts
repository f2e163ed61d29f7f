/**
 * The distillation kernels as every backend offers them: the C ABI of the distill
 * family (native/include/modelpress.h) with pointers replaced by typed arrays. An
 * optional output (kl, ce, grad) is passed as an empty array when not wanted. The
 * native addon exports exactly these functions and their `…Async` forms.
 */
export interface DistillOps {
  /** out = softmax (log 0) or log-softmax (log 1) of each row of z · invT. */
  softmaxRows(z: Float32Array, rows: number, cols: number, invT: number, log: number, out: Float32Array): number;
  /** Per-row KL(p ‖ q) and −Σ p log q of q = softmax(s · invT) against p (softmax(t · invT), or t when teacherProbs is 1); grad += gradScale (q Σp − p). */
  klRows(s: Float32Array, t: Float32Array, rows: number, cols: number, invT: number, teacherProbs: number, gradScale: number, kl: Float64Array, ce: Float64Array, grad: Float32Array): number;
  /** The same against a top-k teacher (probabilities p of classes idx, rest spread evenly); -1 or the first row with a bad index. */
  klTopkRows(s: Float32Array, idx: Int32Array, p: Float32Array, rest: Float32Array, rows: number, cols: number, k: number, invT: number, gradScale: number, kl: Float64Array, ce: Float64Array, grad: Float32Array): number;
  /** Hard-label cross-entropy with label smoothing; -1 or the first row with a bad label. */
  ceRows(s: Float32Array, labels: Int32Array, rows: number, cols: number, ignore: number, eps: number, gradScale: number, loss: Float64Array, grad: Float32Array): number;
  /** sum[0] = Σ (s − t)²; grad += gradScale (s − t). */
  sqDiff(s: Float32Array, t: Float32Array, gradScale: number, grad: Float32Array, sum: Float64Array): number;
  /** loss[r] = 1 − cos(s_r, t_r); grad += gradScale · d loss / ds. */
  cosineRows(s: Float32Array, t: Float32Array, rows: number, cols: number, eps: number, gradScale: number, loss: Float64Array, grad: Float32Array): number;
  /** out[b, i] = mean over c of a[b, c, i]². */
  channelMeanSq(a: Float32Array, batch: number, channels: number, spatial: number, out: Float32Array): number;
  /** grad[b, c, i] += g[b, i] · a[b, c, i]. */
  scaleByMap(a: Float32Array, g: Float32Array, batch: number, channels: number, spatial: number, grad: Float32Array): number;
}

export type DistillOpName = keyof DistillOps;

export type AsyncDistillOps = {
  [K in DistillOpName as `${K}Async`]: (...args: Parameters<DistillOps[K]>) => Promise<number>;
};

/** Every op with the indices of the arguments it writes (copied back from a worker). */
export const DISTILL_OP_OUTPUTS: { readonly [K in DistillOpName]: readonly number[] } = {
  softmaxRows: [5],
  klRows: [7, 8, 9],
  klTopkRows: [9, 10, 11],
  ceRows: [7, 8],
  sqDiff: [3, 4],
  cosineRows: [6, 7],
  channelMeanSq: [4],
  scaleByMap: [5],
};
