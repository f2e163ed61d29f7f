/**
 * Losses between logits or intermediate activations of a student and a teacher,
 * with the gradient with respect to the student's side:
 *
 *   mseLoss                 mean (or sum) of (s − t)², gradient 2 (s − t) / n
 *   cosineLoss              1 − cos(s_r, t_r) per row (PyTorch's cosine_similarity, eps 1e-8)
 *   attentionTransferLoss   Zagoruyko & Komodakis: maps a = normalize(mean over channels of x²)
 *                           per sample, loss = mean over [batch, spatial] of (a_s − a_t)²
 */
import { getBackend } from '../backends/registry.js';
import { rangeError, shapeError } from '../errors.js';
import { checkOptions, checkShape } from '../validate.js';
import { call, run, runAsync, type Steps } from '../drive.js';
import { checkLogits, checkReduction, checkSameLength, gradBuffer, result, type LossResult } from './common.js';
import { checkFloat32Array } from '../validate.js';

export interface MSELossOptions {
  /** 'mean' (default), 'sum', or 'none' (per element). */
  reduction?: 'mean' | 'sum' | 'none';
  grad?: boolean;
  gradOut?: Float32Array;
}

function* mseSteps(fn: string, sArg: unknown, tArg: unknown, optionsArg: unknown): Steps<LossResult<number | Float32Array>> {
  const o = checkOptions(fn, optionsArg);
  const s = checkFloat32Array(fn, 'student', sArg);
  const t = checkSameLength(fn, 'teacher', tArg, s.length);
  const reduction = checkReduction(fn, o.reduction, ['mean', 'sum', 'none'] as const, 'mean');
  const grad = gradBuffer(fn, o, s.length);
  const n = reduction === 'mean' ? s.length : 1;
  const total = new Float64Array(1);
  if (s.length > 0) yield* call('sqDiff', s, t, 2 / n, grad, total);
  const loss = reduction === 'none' ? Float32Array.from(s, (v, i) => (v - t[i]) ** 2) : total[0] / n;
  return result(loss, grad, o.grad !== false);
}

/** Mean squared error between student and teacher logits or features (any shape). */
export function mseLoss(student: Float32Array, teacher: Float32Array, options?: MSELossOptions): LossResult<number | Float32Array> {
  return run(getBackend(), mseSteps('mseLoss', student, teacher, options));
}

export function mseLossAsync(student: Float32Array, teacher: Float32Array, options?: MSELossOptions): Promise<LossResult<number | Float32Array>> {
  return runAsync(getBackend(), mseSteps('mseLossAsync', student, teacher, options));
}

export interface CosineLossOptions extends MSELossOptions {
  /** [rows, features]: one cosine per row. */
  shape: [number, number];
  /** Lower bound of each norm (default 1e-8, as PyTorch). */
  eps?: number;
}

function* cosineSteps(fn: string, sArg: unknown, tArg: unknown, optionsArg: unknown): Steps<LossResult<number | Float32Array>> {
  const o = checkOptions(fn, optionsArg);
  const { s, rows, cols } = checkLogits(fn, sArg, 'student', o.shape);
  const t = checkSameLength(fn, 'teacher', tArg, s.length);
  const eps = o.eps ?? 1e-8;
  if (typeof eps !== 'number' || !(eps > 0 && eps < Infinity)) throw rangeError(fn, 'eps', 'a finite number > 0', eps);
  const reduction = checkReduction(fn, o.reduction, ['mean', 'sum', 'none'] as const, 'mean');
  const grad = gradBuffer(fn, o, s.length);
  const n = reduction === 'mean' ? rows : 1;
  const losses = new Float64Array(rows);
  if (rows > 0) yield* call('cosineRows', s, t, rows, cols, eps, 1 / n, losses, grad);
  let total = 0;
  for (const v of losses) total += v;
  const loss = reduction === 'none' ? Float32Array.from(losses) : total / n;
  return result(loss, grad, o.grad !== false);
}

/** The cosine distance 1 − cos(s_r, t_r) of every row, reduced over the rows. */
export function cosineLoss(student: Float32Array, teacher: Float32Array, options: CosineLossOptions): LossResult<number | Float32Array> {
  return run(getBackend(), cosineSteps('cosineLoss', student, teacher, options));
}

export function cosineLossAsync(student: Float32Array, teacher: Float32Array, options: CosineLossOptions): Promise<LossResult<number | Float32Array>> {
  return runAsync(getBackend(), cosineSteps('cosineLossAsync', student, teacher, options));
}

export interface AttentionTransferOptions {
  /** The student's activations [batch, channels, ...spatial] (e.g. NCHW). */
  studentShape: number[];
  /** The teacher's: same batch and spatial size, any channel count. */
  teacherShape: number[];
  grad?: boolean;
  gradOut?: Float32Array;
}

function layout(fn: string, name: string, shapeArg: unknown, length: number): [number, number, number] {
  const shape = checkShape(fn, shapeArg, length, name === 'studentShape' ? 'student' : 'teacher');
  if (shape.length < 3) throw shapeError(fn, name, 'of rank ≥ 3 ([batch, channels, ...spatial])', `[${shape.join(', ')}]`);
  if (shape[1] === 0) throw shapeError(fn, name, 'with at least one channel', `[${shape.join(', ')}]`);
  return [shape[0], shape[1], shape.slice(2).reduce((a, d) => a * d, 1)];
}

/** Each row of q divided by max(its L2 norm, 1e-12) (F.normalize); returns the norms. */
function normalizeRows(q: Float32Array, rows: number, cols: number): Float64Array {
  const norms = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let i = 0; i < cols; i++) ss += q[r * cols + i] ** 2;
    norms[r] = Math.max(Math.sqrt(ss), 1e-12);
    for (let i = 0; i < cols; i++) q[r * cols + i] /= norms[r];
  }
  return norms;
}

function* attentionSteps(fn: string, sArg: unknown, tArg: unknown, optionsArg: unknown): Steps<LossResult> {
  const o = checkOptions(fn, optionsArg);
  const s = checkFloat32Array(fn, 'student', sArg);
  const t = checkFloat32Array(fn, 'teacher', tArg);
  const [batch, cs, spatial] = layout(fn, 'studentShape', o.studentShape, s.length);
  const [tb, ct, ts] = layout(fn, 'teacherShape', o.teacherShape, t.length);
  if (tb !== batch || ts !== spatial) {
    throw shapeError(fn, 'teacherShape', `the student's batch ${batch} and spatial size ${spatial}`, `batch ${tb}, spatial size ${ts}`);
  }
  const grad = gradBuffer(fn, o, s.length);
  const maps = batch * spatial;
  if (maps === 0) return result(0, grad, o.grad !== false);
  const qs = new Float32Array(maps);
  const qt = new Float32Array(maps);
  yield* call('channelMeanSq', s, batch, cs, spatial, qs);
  yield* call('channelMeanSq', t, batch, ct, spatial, qt);
  const ns = normalizeRows(qs, batch, spatial);
  normalizeRows(qt, batch, spatial);
  let loss = 0;
  for (let i = 0; i < maps; i++) loss += (qs[i] - qt[i]) ** 2;
  loss /= maps;
  if (grad.length > 0) {
    // d loss / d a_s = 2 (a_s − a_t) / maps; through the normalisation (a = q / n):
    // d/dq = (g − a (a · g)) / n (n above 1e-12); through the map: d/dx = d/dq · 2x / C.
    const g = new Float32Array(maps);
    for (let b = 0; b < batch; b++) {
      let dot = 0;
      for (let i = 0; i < spatial; i++) dot += qs[b * spatial + i] * ((2 * (qs[b * spatial + i] - qt[b * spatial + i])) / maps);
      for (let i = 0; i < spatial; i++) {
        const at = b * spatial + i;
        const ga = (2 * (qs[at] - qt[at])) / maps;
        const gq = ns[b] > 1e-12 ? (ga - qs[at] * dot) / ns[b] : ga / ns[b];
        g[at] = (gq * 2) / cs;
      }
    }
    yield* call('scaleByMap', s, g, batch, cs, spatial, grad);
  }
  return result(loss, grad, o.grad !== false);
}

/** Attention transfer between activations of possibly different channel counts. */
export function attentionTransferLoss(student: Float32Array, teacher: Float32Array, options: AttentionTransferOptions): LossResult {
  return run(getBackend(), attentionSteps('attentionTransferLoss', student, teacher, options));
}

export function attentionTransferLossAsync(student: Float32Array, teacher: Float32Array, options: AttentionTransferOptions): Promise<LossResult> {
  return runAsync(getBackend(), attentionSteps('attentionTransferLossAsync', student, teacher, options));
}
