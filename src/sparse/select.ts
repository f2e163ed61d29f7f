/**
 * Exact k-smallest selection by magnitude, the core of magnitude pruning: a radix
 * select over magnitude keys (the bits of |x|, which order like |x|) in three digit
 * passes of 11, 11 and 9 bits, each a histogram kernel over every tensor, then one
 * masking pass. O(n), no sort. The k pruned elements are exactly those with the
 * smallest magnitudes; among equal magnitudes the lower index is pruned first (in a
 * global selection, the earlier tensor first).
 *
 * The algorithm is written once as a generator of backend requests, and run by a
 * synchronous and an asynchronous driver, so both forms take the same steps.
 */
import type { Backend, DigitPass } from '../backends/backend.js';
import { nanError } from '../errors.js';

const PASSES: readonly Omit<DigitPass, 'prefix'>[] = [
  { shift: 20, bits: 11 },
  { shift: 9, bits: 11 },
  { shift: 0, bits: 9 },
];

export type Request =
  | { op: 'histogram'; x: Float32Array; pass: DigitPass; counts: Float64Array }
  | { op: 'mask'; x: Float32Array; t: number; ties: number; mask: Uint8Array };

export interface Selection {
  /** The threshold key: keys below it are pruned. */
  t: number;
  /** How many keys equal to t are pruned (lowest index first). */
  ties: number;
}

/** The threshold that prunes exactly k of the keys of `tensors` (0 ≤ k ≤ total length). */
function* selectSteps(fn: string, names: string[], tensors: Float32Array[], k: number): Generator<Request, Selection, number> {
  if (k === 0) return { t: 0, ties: 0 };
  let prefix = 0;
  let rank = k; // 1-based rank of the threshold key among the keys still in play
  for (const p of PASSES) {
    const pass = { ...p, prefix };
    const counts = new Float64Array(2 ** p.bits);
    for (let i = 0; i < tensors.length; i++) {
      const bad: number = yield { op: 'histogram', x: tensors[i], pass, counts };
      if (bad >= 0) throw nanError(fn, names[i], bad);
    }
    let d = 0;
    while (rank > counts[d]) rank -= counts[d++];
    prefix = (prefix << p.bits) | d;
  }
  return { t: prefix, ties: rank };
}

function* maskSteps(tensors: Float32Array[], masks: Uint8Array[], s: Selection): Generator<Request, void, number> {
  let ties = s.ties;
  for (let i = 0; i < tensors.length; i++) ties = yield { op: 'mask', x: tensors[i], t: s.t, ties, mask: masks[i] };
}

export function* pruneSteps(fn: string, names: string[], tensors: Float32Array[], masks: Uint8Array[], k: number): Generator<Request, void, number> {
  const s = yield* selectSteps(fn, names, tensors, k);
  yield* maskSteps(tensors, masks, s);
}

export function runSync(b: Backend, r: Request): number {
  return r.op === 'histogram' ? b.digitHistogram(r.x, r.pass, r.counts) : b.thresholdMask(r.x, r.t, r.ties, r.mask);
}

export function runAsync(b: Backend, r: Request): Promise<number> {
  return r.op === 'histogram' ? b.digitHistogramAsync(r.x, r.pass, r.counts) : b.thresholdMaskAsync(r.x, r.t, r.ties, r.mask);
}

/** Fills masks so that exactly k elements of the tensors, the smallest in magnitude, are 0. */
export function prune(b: Backend, fn: string, names: string[], tensors: Float32Array[], masks: Uint8Array[], k: number): void {
  const steps = pruneSteps(fn, names, tensors, masks, k);
  let reply = 0;
  for (let r = steps.next(reply); !r.done; r = steps.next(reply)) reply = runSync(b, r.value);
}

export async function pruneAsync(b: Backend, fn: string, names: string[], tensors: Float32Array[], masks: Uint8Array[], k: number): Promise<void> {
  const steps = pruneSteps(fn, names, tensors, masks, k);
  let reply = 0;
  for (let r = steps.next(reply); !r.done; r = steps.next(reply)) reply = await runAsync(b, r.value);
}
