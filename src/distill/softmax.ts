/**
 * Softmax and log-softmax over the rows of [batch, classes] logits, with a
 * temperature: softmax(z / T), computed stably (the row maximum subtracted, the
 * log of the sum of exponentials), so logits spread over ±1e4 give no overflow.
 */
import { getBackend } from '../backends/registry.js';
import { checkOptions, checkOut } from '../validate.js';
import { call, run, runAsync, type Steps } from '../drive.js';
import { checkLogits, checkTemperature } from './common.js';

export interface SoftmaxOptions {
  /** [batch, classes]. */
  shape: [number, number];
  /** T > 0 (default 1): softmax(z / T). */
  temperature?: number;
  out?: Float32Array;
}

function* softmaxSteps(fn: string, zArg: unknown, optionsArg: unknown, log: number): Steps<Float32Array> {
  const o = checkOptions(fn, optionsArg);
  const { s: z, rows, cols } = checkLogits(fn, zArg, 'logits', o.shape);
  const t = checkTemperature(fn, o.temperature);
  const out = checkOut(fn, o.out, Float32Array, z.length) ?? new Float32Array(z.length);
  if (z.length > 0) yield* call('softmaxRows', z, rows, cols, 1 / t, log, out);
  return out;
}

export function softmax(logits: Float32Array, options: SoftmaxOptions): Float32Array {
  return run(getBackend(), softmaxSteps('softmax', logits, options, 0));
}

export function softmaxAsync(logits: Float32Array, options: SoftmaxOptions): Promise<Float32Array> {
  return runAsync(getBackend(), softmaxSteps('softmaxAsync', logits, options, 0));
}

export function logSoftmax(logits: Float32Array, options: SoftmaxOptions): Float32Array {
  return run(getBackend(), softmaxSteps('logSoftmax', logits, options, 1));
}

export function logSoftmaxAsync(logits: Float32Array, options: SoftmaxOptions): Promise<Float32Array> {
  return runAsync(getBackend(), softmaxSteps('logSoftmaxAsync', logits, options, 1));
}
