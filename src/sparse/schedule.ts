/**
 * Pruning schedules as small pure functions of the training step, with TF-MOT's
 * semantics (tfmot.sparsity.keras.PolynomialDecay / ConstantSparsity):
 *
 *   polynomial decay (Zhu & Gupta 2017): p = clamp((step − begin) / (end − begin), 0, 1),
 *     sparsity = final + (initial − final) · (1 − p)^power
 *   constant: sparsity = target
 *
 * and masks are updated only on pruning steps: begin ≤ step, step ≤ end (or no
 * end: endStep −1), and (step − begin) a multiple of frequency.
 */
import { rangeError } from '../errors.js';
import { checkOptions } from '../validate.js';

export interface PruningSchedule {
  /** The target sparsity at this step, in [0, 1]. */
  sparsityAt(step: number): number;
  /** Whether the masks are updated at this step. */
  shouldPrune(step: number): boolean;
}

export interface PolynomialDecayOptions {
  initialSparsity?: number;
  finalSparsity: number;
  beginStep?: number;
  endStep: number;
  /** The exponent (3 in Zhu & Gupta and TF-MOT). */
  power?: number;
  /** Steps between mask updates (TF-MOT's default is 100). */
  frequency?: number;
}

export interface ConstantSparsityOptions {
  targetSparsity: number;
  beginStep?: number;
  /** −1 (the default): no end. */
  endStep?: number;
  frequency?: number;
}

function sparsityOption(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw rangeError(fn, name, 'a sparsity in [0, 1)', v);
  return v;
}

function stepOption(fn: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw rangeError(fn, name, `an integer ≥ ${min}`, v);
  return v;
}

function checkStep(fn: string, step: unknown): number {
  if (typeof step !== 'number' || !Number.isSafeInteger(step)) throw rangeError(fn, 'step', 'an integer', step);
  return step;
}

function pruningTurn(step: number, begin: number, end: number, frequency: number): boolean {
  return step >= begin && (end === -1 || step <= end) && (step - begin) % frequency === 0;
}

export function polynomialDecay(options: PolynomialDecayOptions): PruningSchedule {
  const fn = 'polynomialDecay';
  const o = checkOptions(fn, options);
  const initial = sparsityOption(fn, 'initialSparsity', o.initialSparsity ?? 0);
  const final = sparsityOption(fn, 'finalSparsity', o.finalSparsity);
  const begin = stepOption(fn, 'beginStep', o.beginStep ?? 0, 0);
  const end = stepOption(fn, 'endStep', o.endStep, begin + 1);
  const power = o.power ?? 3;
  if (typeof power !== 'number' || !(power > 0 && power < Infinity)) throw rangeError(fn, 'power', 'a finite number > 0', power);
  const frequency = stepOption(fn, 'frequency', o.frequency ?? 100, 1);
  return {
    sparsityAt(step) {
      const t = checkStep('sparsityAt', step);
      const p = Math.min(1, Math.max(0, (t - begin) / (end - begin)));
      return final + (initial - final) * (1 - p) ** power;
    },
    shouldPrune: (step) => pruningTurn(checkStep('shouldPrune', step), begin, end, frequency),
  };
}

export function constantSparsity(options: ConstantSparsityOptions): PruningSchedule {
  const fn = 'constantSparsity';
  const o = checkOptions(fn, options);
  const target = sparsityOption(fn, 'targetSparsity', o.targetSparsity);
  const begin = stepOption(fn, 'beginStep', o.beginStep ?? 0, 0);
  const end = o.endStep ?? -1;
  if (end !== -1) stepOption(fn, 'endStep', end, begin);
  const frequency = stepOption(fn, 'frequency', o.frequency ?? 100, 1);
  return {
    sparsityAt(step) {
      checkStep('sparsityAt', step);
      return target;
    },
    shouldPrune: (step) => pruningTurn(checkStep('shouldPrune', step), begin, end as number, frequency),
  };
}
