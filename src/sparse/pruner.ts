/**
 * Iterative pruning: masks that follow a schedule during training. At every
 * scheduled step the masks are recomputed for the step's sparsity, and an element
 * once pruned stays pruned (as torch's PruningContainer: only the elements still
 * kept compete for the additional pruning). The weights are masked in place, so
 * an optimiser step that moved a pruned weight is undone by the next step().
 */
import { rangeError, shapeError, typeError } from '../errors.js';
import { checkFloat32Array, checkOptions } from '../validate.js';
import { applyMask, combineMasks, maskGradient } from './apply.js';
import { globalMagnitudeMask, magnitudeMask } from './masks.js';
import type { PruningSchedule } from './schedule.js';
import { roundHalfToEven } from '../backends/reference.js';

export interface IterativePrunerOptions {
  schedule: PruningSchedule;
  /**
   * 'magnitude' (the default): each tensor to the sparsity on its own;
   * 'global': the smallest magnitudes across all tensors together.
   */
  method?: 'magnitude' | 'global';
}

/** Elements already pruned never win the selection: they rank above everything. */
function keptOnly(w: Float32Array, mask: Uint8Array): Float32Array {
  const out = Float32Array.from(w);
  for (let i = 0; i < mask.length; i++) if (mask[i] === 0) out[i] = Infinity;
  return out;
}

function prunedIn(mask: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < mask.length; i++) c += mask[i] === 0 ? 1 : 0;
  return c;
}

export class IterativePruner {
  readonly weights: Float32Array[];
  /** One mask per weight tensor (1 keeps); all ones before the first pruning step. */
  readonly masks: Uint8Array[];
  private readonly schedule: PruningSchedule;
  private readonly method: 'magnitude' | 'global';

  constructor(weights: Float32Array[], options: IterativePrunerOptions) {
    const fn = 'IterativePruner';
    if (!Array.isArray(weights) || weights.length === 0) throw typeError(fn, 'weights', 'a non-empty array of Float32Arrays', weights);
    this.weights = weights.map((w, i) => checkFloat32Array(fn, `weights[${i}]`, w));
    const o = checkOptions(fn, options);
    const s = o.schedule as PruningSchedule | undefined;
    if (typeof s?.sparsityAt !== 'function' || typeof s.shouldPrune !== 'function') {
      throw typeError(fn, 'schedule', 'a schedule (polynomialDecay or constantSparsity)', s);
    }
    this.schedule = s;
    const method = o.method ?? 'magnitude';
    if (method !== 'magnitude' && method !== 'global') throw rangeError(fn, 'method', "'magnitude' or 'global'", method);
    this.method = method;
    this.masks = this.weights.map((w) => new Uint8Array(w.length).fill(1));
  }

  /**
   * Call after each optimiser step: on a scheduled step the masks grow to the
   * step's sparsity; on every step the masks are applied to the weights. Returns
   * whether the masks changed.
   */
  step(step: number): boolean {
    let updated = false;
    if (this.schedule.shouldPrune(step)) {
      const target = this.schedule.sparsityAt(step);
      if (this.method === 'global') updated = this.pruneGlobal(target);
      else for (let i = 0; i < this.weights.length; i++) updated = this.pruneOne(i, target) || updated;
    }
    for (let i = 0; i < this.weights.length; i++) applyMask(this.weights[i], this.masks[i], { inPlace: true });
    return updated;
  }

  private pruneOne(i: number, target: number): boolean {
    const w = this.weights[i];
    const extra = roundHalfToEven(target * w.length) - prunedIn(this.masks[i]);
    if (extra <= 0) return false;
    const more = magnitudeMask(keptOnly(w, this.masks[i]), { count: extra });
    this.masks[i].set(combineMasks(this.masks[i], more));
    return true;
  }

  private pruneGlobal(target: number): boolean {
    const total = this.weights.reduce((s, w) => s + w.length, 0);
    const extra = roundHalfToEven(target * total) - this.masks.reduce((s, m) => s + prunedIn(m), 0);
    if (extra <= 0) return false;
    const more = globalMagnitudeMask(this.weights.map((w, i) => keptOnly(w, this.masks[i])), { count: extra });
    for (let i = 0; i < this.masks.length; i++) this.masks[i].set(combineMasks(this.masks[i], more[i]));
    return true;
  }

  /** Zeroes the gradients of pruned weights (one gradient per weight tensor), in place. */
  maskGradients(grads: Float32Array[]): void {
    const fn = 'IterativePruner.maskGradients';
    if (!Array.isArray(grads) || grads.length !== this.weights.length) throw typeError(fn, 'grads', `an array of ${this.weights.length} Float32Arrays`, grads);
    grads.forEach((g, i) => {
      checkFloat32Array(fn, `grads[${i}]`, g);
      if (g.length !== this.masks[i].length) throw shapeError(fn, `grads[${i}]`, `of length ${this.masks[i].length}`, `length ${g.length}`);
      maskGradient(g, this.masks[i], { inPlace: true });
    });
  }
}
