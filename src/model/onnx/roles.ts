/**
 * What a weight is to the nodes that consume it, and so along which axis its
 * channels and its reduction run:
 * - Conv W [M, C/g, kh, kw]: output channels on axis 0, reduction (input channels) on axis 1;
 * - ConvTranspose W [C, M/g, kh, kw]: output channels on axis 1, reduction on axis 0;
 * - MatMul B [..., K, N]: output features on the last axis, reduction on the one before;
 *   MatMul A [..., M, K] (a constant A): rows on rank−2, reduction on the last axis;
 * - Gemm B: [K, N] (transB = 0) → channels 1, reduction 0; [N, K] (transB = 1) → channels 0,
 *   reduction 1; Gemm A alike with transA;
 * - Gather data: one scale per gathered entry (the `axis` attribute, default 0); no reduction.
 * Per-channel scales go along the channel axis; 4-bit blocks, channel pruning and
 * N:M groups along the reduction axis.
 */
import { toInt } from './tensor.js';
import type { OnnxNode } from './schema.js';
import type { Consumer } from './weights.js';

export interface WeightRole {
  opType: string;
  /** 'Conv W', 'MatMul B', 'Gemm B (transB = 1)', 'Gather data' … */
  label: string;
  /** The output-channel axis (per-channel scales, filter pruning); null when there is none. */
  channelAxis: number | null;
  /** The reduction axis (4-bit blocks, channel pruning, N:M groups); null when there is none. */
  reductionAxis: number | null;
}

export const QUANTIZE_OP_TYPES = ['Conv', 'ConvTranspose', 'MatMul', 'Gemm', 'Gather'];
export const PRUNE_OP_TYPES = ['Conv', 'ConvTranspose', 'MatMul', 'Gemm'];

function intAttr(node: OnnxNode, name: string, fallback: number): number {
  const a = (node.attribute ?? []).find((x) => x.name === name);
  return a?.i !== undefined && a.i !== null ? toInt(a.i) : fallback;
}

/** The role of input `inputIndex` of `node` for a weight of rank `rank`; null when that input is not a weight input. */
export function roleOf(node: OnnxNode, inputIndex: number, rank: number): WeightRole | null {
  const opType = node.opType ?? '';
  const role = (label: string, channelAxis: number | null, reductionAxis: number | null): WeightRole => ({
    opType,
    label,
    channelAxis: channelAxis !== null && channelAxis >= 0 && channelAxis < rank ? channelAxis : null,
    reductionAxis: reductionAxis !== null && reductionAxis >= 0 && reductionAxis < rank ? reductionAxis : null,
  });
  switch (opType) {
    case 'Conv':
      return inputIndex === 1 ? role('Conv W', 0, 1) : null;
    case 'ConvTranspose':
      return inputIndex === 1 ? role('ConvTranspose W', 1, 0) : null;
    case 'MatMul':
      if (rank < 2) return inputIndex <= 1 ? role(inputIndex === 1 ? 'MatMul B' : 'MatMul A', null, 0) : null;
      if (inputIndex === 1) return role('MatMul B', rank - 1, rank - 2);
      if (inputIndex === 0) return role('MatMul A', rank - 2, rank - 1);
      return null;
    case 'Gemm': {
      if (inputIndex === 1) {
        const t = intAttr(node, 'transB', 0) !== 0;
        return t ? role('Gemm B (transB = 1)', 0, 1) : role('Gemm B', 1, 0);
      }
      if (inputIndex === 0) {
        const t = intAttr(node, 'transA', 0) !== 0;
        return t ? role('Gemm A (transA = 1)', 1, 0) : role('Gemm A', 0, 1);
      }
      return null;
    }
    case 'Gather': {
      if (inputIndex !== 0) return null;
      const axis = intAttr(node, 'axis', 0);
      return role('Gather data', axis < 0 ? axis + rank : axis, null);
    }
    default:
      return null;
  }
}

export interface WeightAxes {
  roles: WeightRole[];
  /** The consumers' labels, e.g. 'Conv W' or 'MatMul B, Gemm B'. */
  label: string;
  /** Agreed channel axis, or null (none, or consumers disagree: see `conflict`). */
  channelAxis: number | null;
  reductionAxis: number | null;
  /** Set when consumers want different axes: 'MatMul B wants axis 1, Gemm B (transB = 1) axis 0'. */
  conflict?: string;
}

function agree(roles: WeightRole[], key: 'channelAxis' | 'reductionAxis'): { axis: number | null; conflict?: string } {
  const axes = new Set(roles.map((r) => r[key]));
  if (axes.size === 1) return { axis: roles[0][key] };
  const seen = new Map<string, number | null>();
  for (const r of roles) seen.set(r.label, r[key]);
  return { axis: null, conflict: [...seen].map(([l, a]) => `${l} wants axis ${a ?? 'none'}`).join(', ') };
}

/**
 * The roles of a weight among its consumers, limited to `opTypes`; a string (the
 * reason it is kept) when a consumer is excluded or none is a weight input of those ops.
 */
export function weightAxes(consumers: readonly Consumer[], rank: number, opTypes: readonly string[], excludeOpTypes: readonly string[]): WeightAxes | string {
  const excluded = consumers.find((c) => excludeOpTypes.includes(c.node.opType ?? ''));
  if (excluded) return `consumed by ${excluded.node.opType} (excludeOpTypes)`;
  const roles: WeightRole[] = [];
  for (const c of consumers) {
    if (!opTypes.includes(c.node.opType ?? '')) continue;
    const r = roleOf(c.node, c.inputIndex, rank);
    if (r) roles.push(r);
  }
  if (roles.length === 0) return `not a weight input of ${opTypes.join('/')}`;
  const label = [...new Set(roles.map((r) => r.label))].join(', ');
  const ch = agree(roles, 'channelAxis');
  const red = agree(roles, 'reductionAxis');
  const conflict = ch.conflict ?? red.conflict;
  return { roles, label, channelAxis: ch.axis, reductionAxis: red.axis, ...(conflict ? { conflict } : {}) };
}
