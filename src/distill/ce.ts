/**
 * Hard-label cross-entropy, as PyTorch's F.cross_entropy(s, labels,
 * ignore_index, label_smoothing, reduction): per row −(1 − ε) log q_y − (ε / C)
 * Σ_j log q_j with q = softmax(s); rows whose label is ignoreIndex count for
 * nothing, and 'mean' divides by the rows that count (0 / 0 = NaN when none does,
 * as in PyTorch). The gradient is (q − (1 − ε) onehot(y) − ε / C) / count.
 */
import { getBackend } from '../backends/registry.js';
import { rangeError, shapeError, typeError } from '../errors.js';
import { checkOptions } from '../validate.js';
import { call, run, runAsync, type Steps } from '../drive.js';
import { checkLogits, checkReduction, gradBuffer, result, sum, type LossResult } from './common.js';

export interface CrossEntropyOptions {
  shape: [number, number];
  /** Rows with this label are ignored (default −100, as PyTorch). */
  ignoreIndex?: number;
  /** ε in [0, 1] (default 0). */
  labelSmoothing?: number;
  /** 'mean' (default) over the rows not ignored, 'sum', or 'none' (per row). */
  reduction?: 'mean' | 'sum' | 'none';
  grad?: boolean;
  gradOut?: Float32Array;
}

/** The rows' losses, added into grad with weight · (1 / count) for the mean; returns the mean and the rows. */
export function* crossEntropyParts(fn: string, s: Float32Array, rows: number, cols: number, labelsArg: unknown, o: Record<string, unknown>, weight: number, grad: Float32Array, reduction: 'mean' | 'sum' | 'none' = 'mean'): Steps<{ mean: number; sum: number; rows: Float64Array }> {
  if (!(labelsArg instanceof Int32Array)) throw typeError(fn, 'labels', 'an Int32Array of class indices', labelsArg);
  const labels = labelsArg;
  if (labels.length !== rows) throw shapeError(fn, 'labels', `of length batch = ${rows}`, `length ${labels.length}`);
  const ignore = o.ignoreIndex ?? -100;
  if (typeof ignore !== 'number' || !Number.isInteger(ignore) || ignore < -(2 ** 31) || ignore >= 2 ** 31) throw rangeError(fn, 'ignoreIndex', 'an int32', ignore);
  const eps = o.labelSmoothing ?? 0;
  if (typeof eps !== 'number' || !(eps >= 0 && eps <= 1)) throw rangeError(fn, 'labelSmoothing', 'a number in [0, 1]', eps);
  let count = 0;
  for (let r = 0; r < rows; r++) if (labels[r] !== ignore) count++;
  const loss = new Float64Array(rows);
  const scale = reduction === 'mean' ? weight / count : weight;
  if (rows > 0) {
    const bad = yield* call('ceRows', s, labels, rows, cols, ignore, eps, count === 0 ? 0 : scale, loss, grad);
    if (bad >= 0) throw rangeError(fn, `labels[${bad}]`, `a class in [0, ${cols}) or ignoreIndex ${ignore}`, labels[bad]);
  }
  const total = sum(loss);
  return { mean: total / count, sum: total, rows: loss };
}

function* ceSteps(fn: string, sArg: unknown, labels: unknown, optionsArg: unknown): Steps<LossResult<number | Float32Array>> {
  const o = checkOptions(fn, optionsArg);
  const { s, rows, cols } = checkLogits(fn, sArg, 'student', o.shape);
  const reduction = checkReduction(fn, o.reduction, ['mean', 'sum', 'none'] as const, 'mean');
  const grad = gradBuffer(fn, o, s.length);
  const parts = yield* crossEntropyParts(fn, s, rows, cols, labels, o, 1, grad, reduction);
  const loss = reduction === 'none' ? Float32Array.from(parts.rows) : reduction === 'sum' ? parts.sum : parts.mean;
  return result(loss, grad, o.grad !== false);
}

export function crossEntropy(logits: Float32Array, labels: Int32Array, options: CrossEntropyOptions): LossResult<number | Float32Array> {
  return run(getBackend(), ceSteps('crossEntropy', logits, labels, options));
}

export function crossEntropyAsync(logits: Float32Array, labels: Int32Array, options: CrossEntropyOptions): Promise<LossResult<number | Float32Array>> {
  return runAsync(getBackend(), ceSteps('crossEntropyAsync', logits, labels, options));
}
