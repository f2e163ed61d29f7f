/**
 * Each sparse and distillation operation is written once, as a generator of backend calls, and
 * run by a synchronous or an asynchronous driver: both forms take the same steps
 * and only differ in how a call is awaited (see select.ts for the same idea).
 */
import type { Backend } from './backends/backend.js';
import type { DistillOpName, DistillOps } from './backends/distill-ops.js';
import type { SparseOpName, SparseOps } from './backends/sparse-ops.js';
import { runAsync as runSelectAsync, runSync as runSelectSync, type Request } from './sparse/select.js';

type OpName = SparseOpName | DistillOpName;
type Ops = SparseOps & DistillOps;
export type OpCall = { [K in OpName]: { op: K; args: Parameters<Ops[K]> } }[OpName];
export type Step = OpCall | Request;
export type Steps<R> = Generator<Step, R, number>;

/** One backend call as a step: `const r = yield* call('nmMask', …)`. */
export function* call<K extends OpName>(op: K, ...args: Parameters<Ops[K]>): Generator<Step, number, number> {
  return yield { op, args } as OpCall;
}

function isSelect(s: Step): s is Request {
  return s.op === 'histogram' || s.op === 'mask';
}

export function run<R>(b: Backend, steps: Steps<R>): R {
  let reply = 0;
  for (;;) {
    const r = steps.next(reply);
    if (r.done) return r.value;
    const s = r.value;
    reply = isSelect(s) ? runSelectSync(b, s) : (b[s.op] as (...a: unknown[]) => number)(...s.args);
  }
}

export async function runAsync<R>(b: Backend, steps: Steps<R>): Promise<R> {
  let reply = 0;
  for (;;) {
    const r = steps.next(reply);
    if (r.done) return r.value;
    const s = r.value;
    reply = isSelect(s) ? await runSelectAsync(b, s) : await (b[`${s.op}Async`] as (...a: unknown[]) => Promise<number>)(...s.args);
  }
}
