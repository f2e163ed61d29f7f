/**
 * Opset policy for inserting DequantizeLinear: which opset each storage scheme
 * needs, and whether the model's default-domain opset can be raised to it without
 * changing what its nodes mean.
 *
 * Raising `opset_import` re-interprets every node under the newer operator
 * definitions. Most version bumps only add types or attributes with defaults that
 * keep the old behaviour; the table below lists those that do not (from the ONNX
 * operator changelog), with a test on the node where the change only bites when an
 * attribute is present (e.g. Squeeze-13 moved `axes` from an attribute to an input,
 * a Squeeze without `axes` means the same in both versions).
 */
import type { ModelpressError } from '../../errors.js';
import { graphsWithParents, isDefaultDomain } from './graphs.js';
import type { OnnxModelProto, OnnxNode } from './schema.js';

/** DequantizeLinear: per tensor from opset 10, with `axis` from 13, `block_size` and 4-bit types from 21. */
export const OPSET_PER_TENSOR = 10;
export const OPSET_PER_AXIS = 13;
export const OPSET_BLOCKED = 21;

/** The IR version each opset first shipped with (ONNX Versioning.md); a raised opset needs at least it. */
const IR_FOR_OPSET: [opset: number, ir: number][] = [
  [8, 3], [9, 4], [10, 5], [11, 6], [12, 7], [13, 7], [14, 7], [15, 8], [16, 8], [17, 8], [18, 8],
  [19, 9], [20, 9], [21, 10], [22, 10], [23, 11], [24, 11],
];

/** The smallest IR version that can carry `opset`. */
export function irVersionFor(opset: number): number {
  let ir = 3;
  for (const [o, v] of IR_FOR_OPSET) if (o <= opset) ir = v;
  return ir;
}

interface IncompatibleChange {
  /** The opset whose definition of the operator is incompatible with every older one. */
  since: number;
  what: string;
  /** Whether this node is affected (absent: every node of the type). */
  affects?: (node: OnnxNode) => boolean;
}

const hasAttr = (...names: string[]) => (node: OnnxNode): boolean => (node.attribute ?? []).some((a) => names.includes(a.name ?? ''));
const attrString = (node: OnnxNode, name: string): string | undefined => {
  const a = (node.attribute ?? []).find((x) => x.name === name);
  return a?.s ? new TextDecoder().decode(a.s) : undefined;
};

const axesToInput = (since: number): IncompatibleChange => ({ since, what: '`axes` moved from an attribute to an input', affects: hasAttr('axes') });
const LEGACY_BROADCAST: IncompatibleChange = { since: 7, what: 'the legacy `broadcast`/`axis` attributes were removed', affects: hasAttr('broadcast') };

/** Operator definitions that changed incompatibly (ai.onnx domain), by op type. */
const CHANGES: Record<string, IncompatibleChange[]> = {
  Add: [LEGACY_BROADCAST], Sub: [LEGACY_BROADCAST], Mul: [LEGACY_BROADCAST], Div: [LEGACY_BROADCAST], Pow: [LEGACY_BROADCAST],
  And: [LEGACY_BROADCAST], Or: [LEGACY_BROADCAST], Xor: [LEGACY_BROADCAST], Equal: [LEGACY_BROADCAST],
  Greater: [LEGACY_BROADCAST], Less: [LEGACY_BROADCAST], Gemm: [LEGACY_BROADCAST],
  Dropout: [
    { since: 7, what: 'the `is_test` attribute was removed', affects: hasAttr('is_test') },
    { since: 12, what: '`ratio` moved from an attribute to an input', affects: hasAttr('ratio') },
  ],
  BatchNormalization: [
    { since: 7, what: 'the `is_test` attribute was removed', affects: hasAttr('is_test') },
    { since: 9, what: 'the `spatial` attribute was removed', affects: hasAttr('spatial') },
    { since: 14, what: 'the training-mode outputs changed (`training_mode` attribute)', affects: (n) => (n.output ?? []).filter(Boolean).length > 1 },
  ],
  Scan: [{ since: 9, what: 'the batch axis and `sequence_lens` input were removed' }],
  Slice: [{ since: 10, what: '`starts`/`ends`/`axes` moved from attributes to inputs', affects: hasAttr('starts', 'ends', 'axes') }],
  TopK: [{ since: 10, what: '`k` moved from an attribute to an input', affects: hasAttr('k') }],
  Upsample: [{ since: 10, what: 'it is deprecated (replaced by Resize) and no longer defined' }],
  Pad: [{ since: 11, what: '`pads`/`value` moved from attributes to inputs', affects: hasAttr('pads', 'value') }],
  Clip: [{ since: 11, what: '`min`/`max` moved from attributes to inputs', affects: hasAttr('min', 'max') }],
  Resize: [{ since: 11, what: 'its second input changed from `scales` to `roi`' }],
  Scatter: [{ since: 11, what: 'it is deprecated (replaced by ScatterElements) and no longer defined' }],
  Squeeze: [axesToInput(13)],
  Unsqueeze: [axesToInput(13)],
  ReduceSum: [axesToInput(13)],
  Split: [{ since: 13, what: '`split` moved from an attribute to an input', affects: hasAttr('split') }],
  Softmax: [{ since: 13, what: 'it normalizes along `axis` instead of over the input flattened to 2-D at `axis`' }],
  LogSoftmax: [{ since: 13, what: 'it normalizes along `axis` instead of over the input flattened to 2-D at `axis`' }],
  Hardmax: [{ since: 13, what: 'it works along `axis` instead of over the input flattened to 2-D at `axis`' }],
  RoiAlign: [{ since: 16, what: '`coordinate_transformation_mode` was added with default half_pixel (older versions behave as output_half_pixel)' }],
  ReduceMax: [axesToInput(18)], ReduceMin: [axesToInput(18)], ReduceMean: [axesToInput(18)], ReduceProd: [axesToInput(18)],
  ReduceL1: [axesToInput(18)], ReduceL2: [axesToInput(18)], ReduceLogSum: [axesToInput(18)], ReduceLogSumExp: [axesToInput(18)],
  ReduceSumSquare: [axesToInput(18)],
  DFT: [{ since: 20, what: '`axis` moved from an attribute to an input', affects: hasAttr('axis') }],
  GridSample: [{ since: 20, what: 'mode values were renamed (bilinear → linear, bicubic → cubic)', affects: (n) => ['bilinear', 'bicubic'].includes(attrString(n, 'mode') ?? '') }],
  GroupNormalization: [{ since: 21, what: '`scale` and `bias` changed from one value per group to one per channel' }],
};

/** A RangeError with the message `<fn>: <message>` and the invalid-value code. */
export function opsetError(fn: string, message: string): RangeError & ModelpressError {
  return Object.assign(new RangeError(`${fn}: ${message}`), { code: 'ERR_MODELPRESS_INVALID_VALUE' as const });
}

export interface OpsetConflict {
  opType: string;
  node: string;
  since: number;
  what: string;
}

/** Nodes whose meaning would change if the default-domain opset went from `from` to `to`. */
export function opsetConflicts(proto: OnnxModelProto, from: number, to: number): OpsetConflict[] {
  const out: OpsetConflict[] = [];
  const check = (node: OnnxNode): void => {
    if (!isDefaultDomain(node.domain)) return;
    for (const c of CHANGES[node.opType ?? ''] ?? []) {
      if (c.since > from && c.since <= to && (!c.affects || c.affects(node))) {
        out.push({ opType: node.opType!, node: node.name || `(unnamed, output ${JSON.stringify(node.output?.[0] ?? '')})`, since: c.since, what: c.what });
      }
    }
  };
  for (const { graph } of graphsWithParents(proto)) for (const n of graph.node ?? []) check(n);
  for (const fn of proto.functions ?? []) for (const n of fn.node ?? []) check(n);
  return out;
}

/** The model's default-domain opset version (0 when it imports none). */
export function defaultOpset(proto: OnnxModelProto): number {
  let v = 0;
  for (const o of proto.opsetImport ?? []) if (isDefaultDomain(o.domain)) v = Math.max(v, Number(o.version ?? 0));
  return v;
}

export interface OpsetRaise {
  from: number;
  to: number;
  irFrom: number;
  irTo: number;
}

/**
 * Make the model import at least `target` of the default domain (and a matching IR
 * version), or throw naming the nodes a raise would change. `scheme` and `advice`
 * go into the error message ("per-channel int8", "pass perChannel: false …").
 */
export function raiseOpset(fn: string, file: string, proto: OnnxModelProto, target: number, scheme: string, advice: string): OpsetRaise {
  const from = defaultOpset(proto);
  const irFrom = Number(proto.irVersion ?? 0);
  const result: OpsetRaise = { from, to: Math.max(from, target), irFrom, irTo: irFrom };
  if (from >= target) return result;
  if (from > 0 && from < 7) {
    throw opsetError(fn, `${file}: ${scheme} needs opset ${target}, but the model imports opset ${from}; models older than opset 7 are not upgraded here. Convert the model to opset ${target} first (e.g. with onnx.version_converter).`);
  }
  const conflicts = opsetConflicts(proto, from, target);
  if (conflicts.length > 0) {
    const shown = conflicts.slice(0, 5).map((c) => `${c.opType} node ${JSON.stringify(c.node)} (opset ${c.since}: ${c.what})`);
    const more = conflicts.length > 5 ? ` and ${conflicts.length - 5} more` : '';
    throw opsetError(
      fn,
      `${file}: ${scheme} needs DequantizeLinear from opset ${target}, but the model imports opset ${from} and raising it would change ${shown.join('; ')}${more}. ${advice}, or convert the model to opset ${target} first (e.g. with onnx.version_converter).`,
    );
  }
  const setVersion = (imports: { domain?: string; version?: unknown }[]): boolean => {
    let found = false;
    for (const o of imports) if (isDefaultDomain(o.domain) && Number(o.version ?? 0) < target) ((o.version = target), (found = true));
    return found || imports.some((o) => isDefaultDomain(o.domain));
  };
  if (!setVersion(proto.opsetImport)) proto.opsetImport.push({ domain: '', version: target });
  // Functions run under the model's opsets: their own default-domain imports must agree.
  for (const f of proto.functions ?? []) setVersion(f.opsetImport ?? []);
  const ir = irVersionFor(target);
  if (irFrom < ir) proto.irVersion = ir;
  result.irTo = Math.max(irFrom, ir);
  return result;
}
