/**
 * Which of a model's weights a command touches, and why the others are kept.
 * A weight is touched when it is a float tensor used as a weight input by one of
 * the chosen op types (see roles.ts), no consumer is an excluded op type, it is not
 * a graph input (those can be overridden at run time) and the name/size selector
 * accepts it.
 */
import { typeError } from '../../errors.js';
import { checkOutputPath } from '../atomic.js';
import { tensorSelector, type SelectOptions, type TensorSelector } from '../select.js';
import { weightAxes, type WeightAxes } from './roles.js';
import { DataType } from './schema.js';
import type { OnnxModelProto } from './schema.js';
import { dataTypeName, tensorDataBytes, tensorDims } from './tensor.js';
import { findWeights, type WeightRef } from './weights.js';

const FLOAT_TYPES: number[] = [DataType.FLOAT, DataType.FLOAT16, DataType.BFLOAT16, DataType.DOUBLE];

export interface WeightCandidate {
  weight: WeightRef;
  /** The report's name: the tensor name. */
  label: string;
  /** Where it lives, as a prefix for the report's scheme: '' in the main graph, else 'graph/If_0.then_branch: '. */
  where: string;
  shape: number[];
  dtype: string;
  bytes: number;
  /** Set when the weight is to be touched. */
  axes?: WeightAxes;
  /** Set when it is kept. */
  reason?: string;
}

/** Where a weight lives, as inspectOnnx writes it before a scheme: '' for the main graph. */
export function wherePrefix(w: WeightRef): string {
  return w.location === 'graph' ? '' : `${w.location}: `;
}

/** Check an op-type list option: an array of non-empty strings, or the default. */
export function opTypeList(fn: string, arg: string, value: unknown, fallback: readonly string[]): string[] {
  if (value === undefined) return [...fallback];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) throw typeError(fn, arg, 'an array of op type names', value);
  return [...(value as string[])];
}

/** Every weight of the model with the decision for it. */
/** The arguments quantizeOnnx and pruneOnnx share, checked: paths, selection, op types. */
export function checkedSelection(
  fn: string,
  input: unknown,
  output: unknown,
  options: unknown,
  defaultOpTypes: readonly string[],
): { selector: TensorSelector; opTypes: string[]; excludeOpTypes: string[] } {
  if (typeof input !== 'string' || input === '') throw typeError(fn, 'input', 'a file path', input);
  if (typeof output !== 'string' || output === '') throw typeError(fn, 'output', 'a file path', output);
  if (options === null || typeof options !== 'object') throw typeError(fn, 'options', 'an object', options);
  const o = options as SelectOptions & { opTypes?: unknown; excludeOpTypes?: unknown; inPlace?: boolean };
  const selection = {
    selector: tensorSelector(fn, o),
    opTypes: opTypeList(fn, 'opTypes', o.opTypes, defaultOpTypes),
    excludeOpTypes: opTypeList(fn, 'excludeOpTypes', o.excludeOpTypes, []),
  };
  checkOutputPath(fn, input, output, o.inPlace ?? false);
  return selection;
}

export function weightCandidates(
  proto: OnnxModelProto,
  selector: TensorSelector,
  opTypes: readonly string[],
  excludeOpTypes: readonly string[],
): WeightCandidate[] {
  return findWeights(proto).map((weight) => {
    const shape = tensorDims(weight.tensor);
    const dataType = weight.tensor.dataType ?? 0;
    const c: WeightCandidate = { weight, label: weight.name, where: wherePrefix(weight), shape, dtype: dataTypeName(dataType), bytes: tensorDataBytes(weight.tensor) };
    if (!FLOAT_TYPES.includes(dataType)) return { ...c, reason: `not a floating-point tensor (${c.dtype})` };
    // Function bodies run under the caller's names and opsets: left as they are.
    if (weight.location.startsWith('function ')) return { ...c, reason: 'inside a model-local function' };
    const axes = weightAxes(weight.consumers, shape.length, opTypes, excludeOpTypes);
    if (typeof axes === 'string') return { ...c, reason: axes };
    if (weight.isGraphInput) return { ...c, reason: 'a graph input (can be overridden at run time)' };
    const skip = selector.skipReason(weight.name, shape);
    return skip ? { ...c, reason: skip } : { ...c, axes };
  });
}
