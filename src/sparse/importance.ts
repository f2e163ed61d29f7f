/**
 * Importance-based pruning. TaylorImportance accumulates the first-order Taylor
 * score |w · g| of every weight over batches, optionally with momentum
 * (score = β · score + |w · g|, as SNIP-momentum and Intel Neural Compressor's
 * snip_momentum); scoreMask prunes by any score array, smallest first, as torch's
 * importance_scores do (a score ranks by its magnitude).
 */
import { getBackend } from '../backends/registry.js';
import { rangeError, shapeError } from '../errors.js';
import { checkFloat32Array, checkOptions } from '../validate.js';
import { call, run, runAsync, type Steps } from '../drive.js';
import { maskByMagnitude, maskByMagnitudeAsync, type MagnitudeMaskOptions } from './masks.js';

export interface TaylorImportanceOptions {
  /** β: how much of the running score each batch keeps, in [0, 1]. 1 (the default) sums the batches. */
  momentum?: number;
}

export class TaylorImportance {
  /** The running scores, one per weight (read them, or hand them to scoreMask). */
  readonly scores: Float32Array;
  readonly momentum: number;
  /** Batches accumulated so far. */
  batches = 0;

  constructor(length: number, options?: TaylorImportanceOptions) {
    const fn = 'TaylorImportance';
    if (!Number.isSafeInteger(length) || length < 0) throw rangeError(fn, 'length', 'a non-negative integer', length);
    const o = checkOptions(fn, options);
    const beta = o.momentum ?? 1;
    if (typeof beta !== 'number' || !(beta >= 0 && beta <= 1)) throw rangeError(fn, 'momentum', 'a number in [0, 1]', beta);
    this.scores = new Float32Array(length);
    this.momentum = beta;
  }

  private *steps(fn: string, wArg: unknown, gArg: unknown): Steps<void> {
    const w = checkFloat32Array(fn, 'weights', wArg);
    const g = checkFloat32Array(fn, 'grads', gArg);
    if (w.length !== this.scores.length) throw shapeError(fn, 'weights', `of length ${this.scores.length}`, `length ${w.length}`);
    if (g.length !== w.length) throw shapeError(fn, 'grads', `of length ${w.length}`, `length ${g.length}`);
    if (w.length > 0) yield* call('taylorAccumulate', w, g, this.momentum, this.scores);
    this.batches++;
  }

  /** Folds one batch in: score = β · score + |w · g|. */
  accumulate(weights: Float32Array, grads: Float32Array): void {
    run(getBackend(), this.steps('TaylorImportance.accumulate', weights, grads));
  }

  /** accumulate() off the JS thread; do not call again before it settles. */
  accumulateAsync(weights: Float32Array, grads: Float32Array): Promise<void> {
    return runAsync(getBackend(), this.steps('TaylorImportance.accumulateAsync', weights, grads));
  }

  /** A mask pruning the weights of lowest score (see scoreMask). */
  mask(options: MagnitudeMaskOptions): Uint8Array {
    return maskByMagnitude('TaylorImportance.mask', 'scores', this.scores, options);
  }

  maskAsync(options: MagnitudeMaskOptions): Promise<Uint8Array> {
    return maskByMagnitudeAsync('TaylorImportance.maskAsync', 'scores', this.scores, options);
  }

  reset(): void {
    this.scores.fill(0);
    this.batches = 0;
  }
}

/**
 * A mask from any importance scores (one per weight): the round(amount · n) (or
 * `count`) lowest |score| are pruned, ties lower index first. NaN throws.
 */
export function scoreMask(scores: Float32Array, options: MagnitudeMaskOptions): Uint8Array {
  return maskByMagnitude('scoreMask', 'scores', scores, options);
}

export function scoreMaskAsync(scores: Float32Array, options: MagnitudeMaskOptions): Promise<Uint8Array> {
  return maskByMagnitudeAsync('scoreMaskAsync', 'scores', scores, options);
}
