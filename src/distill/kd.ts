/**
 * Knowledge-distillation losses on [batch, classes] logits, with the gradient
 * with respect to the student's logits, following PyTorch:
 *
 *   kdLoss          F.kl_div(F.log_softmax(s / T), F.softmax(t / T), reduction) · T²
 *   softCrossEntropy F.cross_entropy(s / T, F.softmax(t / T)) (soft targets)
 *   hintonLoss      alpha · T² · KL (batchmean) + (1 − alpha) · F.cross_entropy(s, labels)
 *
 * The teacher is given as logits (default), as probabilities, or compactly as its
 * top k per row (TopKTeacher). Gradients: d/ds of KL and of the soft cross-entropy
 * are (q · Σp − p) / T per row (q the student's softmax), scaled like the loss.
 */
import { getBackend } from '../backends/registry.js';
import { rangeError, shapeError, typeError } from '../errors.js';
import { checkFloat32Array, checkOptions } from '../validate.js';
import { call, run, runAsync, type Steps } from '../drive.js';
import { crossEntropyParts } from './ce.js';
import { checkFlag, checkLogits, checkReduction, checkSameLength, checkTemperature, gradBuffer, result, sum, type LossResult } from './common.js';

/**
 * A teacher stored as its k most likely classes per row, the way large-model
 * distillation pipelines keep teacher outputs: indices [batch, k] and values
 * [batch, k]. With kind 'logits' the k logits are softmaxed among themselves at
 * the temperature (the rest of the mass is dropped). With kind 'probabilities'
 * the values are used as given (already at the temperature), and the rest of the
 * mass, 1 − Σ values, is spread evenly over the other classes (rest: 'uniform',
 * the default) or dropped by renormalising the k values (rest: 'renormalize').
 */
export interface TopKTeacher {
  k: number;
  indices: Int32Array;
  values: Float32Array;
  kind?: 'logits' | 'probabilities';
  rest?: 'uniform' | 'renormalize';
}

export type Teacher = Float32Array | TopKTeacher;

export interface KDLossOptions {
  /** [batch, classes] of the student (and a dense teacher). */
  shape: [number, number];
  /** T > 0 (default 1). */
  temperature?: number;
  /** 'batchmean' (default): Σ / batch; 'sum'; 'mean': Σ / (batch · classes); 'none': per element. */
  reduction?: 'batchmean' | 'sum' | 'mean' | 'none';
  /** Multiply by T² (Hinton et al.), so gradients keep their size across temperatures. Default true. */
  temperatureSquared?: boolean;
  /** A dense teacher holds 'logits' (default) or 'probabilities'. */
  teacherKind?: 'logits' | 'probabilities';
  /** Compute the gradient (default true). */
  grad?: boolean;
  /** Write the gradient here. */
  gradOut?: Float32Array;
}

interface TeacherPlan {
  dense?: Float32Array;
  probs: number;
  topk?: { idx: Int32Array; p: Float32Array; rest: Float32Array; k: number };
}

function checkProbabilities(fn: string, name: string, p: Float32Array): void {
  for (let i = 0; i < p.length; i++) {
    if (!(p[i] >= 0 && p[i] <= 1)) throw rangeError(fn, `${name}[${i}]`, 'a probability in [0, 1]', p[i]);
  }
}

function planTopK(fn: string, t: Record<string, unknown>, rows: number, cols: number, temperature: number): TeacherPlan['topk'] {
  const k = t.k;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > cols) throw rangeError(fn, 'teacher.k', `an integer in [0, ${cols}]`, k);
  const { indices, values } = t;
  if (!(indices instanceof Int32Array)) throw typeError(fn, 'teacher.indices', 'an Int32Array [batch, k]', indices);
  const v = checkFloat32Array(fn, 'teacher.values', values);
  if (indices.length !== rows * k) throw shapeError(fn, 'teacher.indices', `of length batch · k = ${rows * k}`, `length ${indices.length}`);
  if (v.length !== rows * k) throw shapeError(fn, 'teacher.values', `of length batch · k = ${rows * k}`, `length ${v.length}`);
  const kind = t.kind ?? 'logits';
  if (kind !== 'logits' && kind !== 'probabilities') throw rangeError(fn, 'teacher.kind', "'logits' or 'probabilities'", kind);
  const restRule = t.rest ?? (kind === 'logits' ? 'renormalize' : 'uniform');
  if (restRule !== 'uniform' && restRule !== 'renormalize') throw rangeError(fn, 'teacher.rest', "'uniform' or 'renormalize'", restRule);
  if (kind === 'logits' && restRule === 'uniform') throw rangeError(fn, 'teacher.rest', "'renormalize' for top-k logits (their rest mass is unknown)", restRule);
  const p = new Float32Array(rows * k);
  const rest = new Float32Array(rows);
  const seen = new Set<number>();
  for (let r = 0; r < rows; r++) {
    seen.clear();
    for (let i = 0; i < k; i++) {
      const c = indices[r * k + i];
      if (c < 0 || c >= cols) throw rangeError(fn, `teacher.indices[${r * k + i}]`, `a class in [0, ${cols})`, c);
      if (seen.has(c)) throw rangeError(fn, `teacher.indices[${r * k + i}]`, `distinct within row ${r}`, c);
      seen.add(c);
    }
    const row = v.subarray(r * k, (r + 1) * k);
    if (kind === 'logits') {
      let m = -Infinity;
      for (const x of row) m = Math.max(m, x / temperature);
      let s = 0;
      for (const x of row) s += Math.exp(x / temperature - m);
      for (let i = 0; i < k; i++) p[r * k + i] = Math.exp(row[i] / temperature - m) / s;
    } else {
      checkProbabilities(fn, 'teacher.values', row);
      let s = 0;
      for (const x of row) s += x;
      if (s > 1 + 1e-5) throw rangeError(fn, `teacher.values of row ${r}`, 'probabilities summing to at most 1', s);
      for (let i = 0; i < k; i++) p[r * k + i] = restRule === 'renormalize' && s > 0 ? row[i] / s : row[i];
      rest[r] = restRule === 'uniform' && k < cols ? Math.max(0, 1 - s) : 0;
    }
  }
  return { idx: indices, p, rest, k };
}

export function planTeacher(fn: string, teacher: unknown, o: Record<string, unknown>, rows: number, cols: number, temperature: number): TeacherPlan {
  if (teacher instanceof Float32Array) {
    const dense = checkSameLength(fn, 'teacher', teacher, rows * cols);
    const kind = o.teacherKind ?? 'logits';
    if (kind !== 'logits' && kind !== 'probabilities') throw rangeError(fn, 'teacherKind', "'logits' or 'probabilities'", kind);
    if (kind === 'probabilities') checkProbabilities(fn, 'teacher', dense);
    return { dense, probs: kind === 'probabilities' ? 1 : 0 };
  }
  if (teacher === null || typeof teacher !== 'object') throw typeError(fn, 'teacher', 'a Float32Array or a TopKTeacher { k, indices, values }', teacher);
  return { probs: 1, topk: planTopK(fn, teacher as Record<string, unknown>, rows, cols, temperature) };
}

/** The teacher's KL and cross-entropy rows against the student, adding gradScale · (qΣp − p) / … into grad. */
export function* teacherRows(s: Float32Array, tp: TeacherPlan, rows: number, cols: number, invT: number, gradScale: number, kl: Float64Array, ce: Float64Array, grad: Float32Array): Steps<void> {
  if (tp.dense) {
    yield* call('klRows', s, tp.dense, rows, cols, invT, tp.probs, gradScale, kl, ce, grad);
  } else {
    const t = tp.topk!;
    yield* call('klTopkRows', s, t.idx, t.p, t.rest, rows, cols, t.k, invT, gradScale, kl, ce, grad);
  }
}

/** The teacher's probabilities as a dense [batch, classes] array (for per-element losses). */
function* denseTeacher(tp: TeacherPlan, rows: number, cols: number, invT: number): Steps<Float32Array> {
  if (tp.dense && tp.probs) return tp.dense;
  const p = new Float32Array(rows * cols);
  if (tp.dense) {
    yield* call('softmaxRows', tp.dense, rows, cols, invT, 0, p);
    return p;
  }
  const t = tp.topk!;
  for (let r = 0; r < rows; r++) {
    p.fill(t.k < cols ? t.rest[r] / (cols - t.k) : 0, r * cols, (r + 1) * cols);
    for (let i = 0; i < t.k; i++) p[r * cols + t.idx[r * t.k + i]] = t.p[r * t.k + i];
  }
  return p;
}

function* kdSteps(fn: string, sArg: unknown, teacher: unknown, optionsArg: unknown): Steps<LossResult<number | Float32Array>> {
  const o = checkOptions(fn, optionsArg);
  const { s, rows, cols } = checkLogits(fn, sArg, 'student', o.shape);
  const temperature = checkTemperature(fn, o.temperature);
  const reduction = checkReduction(fn, o.reduction, ['batchmean', 'sum', 'mean', 'none'] as const, 'batchmean');
  const t2 = checkFlag(fn, 'temperatureSquared', o.temperatureSquared, true) ? temperature * temperature : 1;
  const tp = planTeacher(fn, teacher, o, rows, cols, temperature);
  const grad = gradBuffer(fn, o, s.length);
  const divisor = reduction === 'batchmean' ? rows : reduction === 'mean' ? rows * cols : 1;
  const kl = new Float64Array(rows);
  if (rows > 0) yield* teacherRows(s, tp, rows, cols, 1 / temperature, t2 / temperature / divisor, kl, new Float64Array(0), grad);
  const wanted = grad.length > 0 || s.length === 0;
  if (reduction !== 'none') return result(rows > 0 ? (t2 * sum(kl)) / divisor : 0, grad, wanted && o.grad !== false);
  // Per element, as kl_div's 'none': T² · p (log p − log q), 0 where p = 0.
  const p = yield* denseTeacher(tp, rows, cols, 1 / temperature);
  const logQ = new Float32Array(s.length);
  if (s.length > 0) yield* call('softmaxRows', s, rows, cols, 1 / temperature, 1, logQ);
  const loss = new Float32Array(s.length);
  for (let i = 0; i < loss.length; i++) loss[i] = p[i] > 0 ? t2 * p[i] * (Math.log(p[i]) - logQ[i]) : 0;
  return result(loss, grad, o.grad !== false);
}

/**
 * The distillation loss KL(softmax(t/T) ‖ softmax(s/T)) · T², as PyTorch's
 * F.kl_div(F.log_softmax(s / T, 1), F.softmax(t / T, 1), reduction) · T², with its
 * gradient with respect to the student's logits.
 */
export function kdLoss(student: Float32Array, teacher: Teacher, options: KDLossOptions & { reduction: 'none' }): LossResult<Float32Array>;
export function kdLoss(student: Float32Array, teacher: Teacher, options: KDLossOptions): LossResult;
export function kdLoss(student: Float32Array, teacher: Teacher, options: KDLossOptions): LossResult<number | Float32Array> {
  return run(getBackend(), kdSteps('kdLoss', student, teacher, options));
}

export function kdLossAsync(student: Float32Array, teacher: Teacher, options: KDLossOptions): Promise<LossResult<number | Float32Array>> {
  return runAsync(getBackend(), kdSteps('kdLossAsync', student, teacher, options));
}

export interface SoftCrossEntropyOptions extends Omit<KDLossOptions, 'reduction' | 'temperatureSquared'> {
  /** 'mean' (default): over the batch, as F.cross_entropy; 'sum'; 'none': per row. */
  reduction?: Reduction3;
  /** Multiply by T² (default false). */
  temperatureSquared?: boolean;
}
type Reduction3 = 'mean' | 'sum' | 'none';

function* softCeSteps(fn: string, sArg: unknown, teacher: unknown, optionsArg: unknown): Steps<LossResult<number | Float32Array>> {
  const o = checkOptions(fn, optionsArg);
  const { s, rows, cols } = checkLogits(fn, sArg, 'student', o.shape);
  const temperature = checkTemperature(fn, o.temperature);
  const reduction = checkReduction(fn, o.reduction, ['mean', 'sum', 'none'] as const, 'mean');
  const t2 = checkFlag(fn, 'temperatureSquared', o.temperatureSquared, false) ? temperature * temperature : 1;
  const tp = planTeacher(fn, teacher, o, rows, cols, temperature);
  const grad = gradBuffer(fn, o, s.length);
  const divisor = reduction === 'mean' ? rows : 1;
  const ce = new Float64Array(rows);
  if (rows > 0) yield* teacherRows(s, tp, rows, cols, 1 / temperature, t2 / temperature / divisor, new Float64Array(0), ce, grad);
  const loss = reduction === 'none' ? Float32Array.from(ce, (v) => t2 * v) : rows > 0 ? (t2 * sum(ce)) / divisor : 0;
  return result(loss, grad, o.grad !== false);
}

/** Cross-entropy against the teacher's soft targets at temperature T: −Σ p log q, p = softmax(t/T), q = softmax(s/T). */
export function softCrossEntropy(student: Float32Array, teacher: Teacher, options: SoftCrossEntropyOptions): LossResult<number | Float32Array> {
  return run(getBackend(), softCeSteps('softCrossEntropy', student, teacher, options));
}

export function softCrossEntropyAsync(student: Float32Array, teacher: Teacher, options: SoftCrossEntropyOptions): Promise<LossResult<number | Float32Array>> {
  return runAsync(getBackend(), softCeSteps('softCrossEntropyAsync', student, teacher, options));
}

export interface HintonLossOptions {
  shape: [number, number];
  /** T > 0 (default 4). */
  temperature?: number;
  /** Weight of the distillation term, in [0, 1] (default 0.5). */
  alpha?: number;
  teacherKind?: 'logits' | 'probabilities';
  ignoreIndex?: number;
  labelSmoothing?: number;
  grad?: boolean;
  gradOut?: Float32Array;
}

export interface HintonLossResult extends LossResult {
  /** T² · KL(teacher ‖ student), batch mean. */
  kd: number;
  /** The hard-label cross-entropy, mean over the rows not ignored. */
  ce: number;
}

function* hintonSteps(fn: string, sArg: unknown, teacher: unknown, labels: unknown, optionsArg: unknown): Steps<HintonLossResult> {
  const o = checkOptions(fn, optionsArg);
  const { s, rows, cols } = checkLogits(fn, sArg, 'student', o.shape);
  const temperature = checkTemperature(fn, o.temperature ?? 4);
  const alpha = o.alpha ?? 0.5;
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1)) throw rangeError(fn, 'alpha', 'a number in [0, 1]', alpha);
  const tp = planTeacher(fn, teacher, o, rows, cols, temperature);
  const grad = gradBuffer(fn, o, s.length);
  const kl = new Float64Array(rows);
  const t2 = temperature * temperature;
  if (rows > 0) yield* teacherRows(s, tp, rows, cols, 1 / temperature, (alpha * t2) / temperature / rows, kl, new Float64Array(0), grad);
  const kd = rows > 0 ? (t2 * sum(kl)) / rows : 0;
  const ce = yield* crossEntropyParts(fn, s, rows, cols, labels, o, 1 - alpha, grad);
  return { loss: alpha * kd + (1 - alpha) * ce.mean, grad: o.grad !== false ? grad : undefined, kd, ce: ce.mean };
}

/** Hinton et al.'s combined loss alpha · T² · KL + (1 − alpha) · CE(student, labels), with its gradient. */
export function hintonLoss(student: Float32Array, teacher: Teacher, labels: Int32Array, options: HintonLossOptions): HintonLossResult {
  return run(getBackend(), hintonSteps('hintonLoss', student, teacher, labels, options));
}

export function hintonLossAsync(student: Float32Array, teacher: Teacher, labels: Int32Array, options: HintonLossOptions): Promise<HintonLossResult> {
  return runAsync(getBackend(), hintonSteps('hintonLossAsync', student, teacher, labels, options));
}
