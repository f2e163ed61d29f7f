/**
 * Pruning of an ONNX model's weights in place: the same tensors, names and element
 * types, with zeros where the mask drops weights. Only the pruned elements of the
 * stored data are overwritten (raw_data or the typed lists), so a float16 or
 * float64 weight keeps every surviving value bit for bit.
 */
import { basename } from 'node:path';
import { rangeError } from '../../errors.js';
import { measure, pruneWeight, zeroFraction, type PruneSpec } from '../compress.js';
import { histogramBinsOption, type ModelPruneMethod, type PruneModelOptions } from '../options.js';
import { finishReport } from '../report.js';
import { nextTurn } from '../turns.js';
import type { ModelReport, TensorReport } from '../types.js';
import { checkedSelection, weightCandidates, type WeightCandidate } from './candidates.js';
import { readOnnx, writeOnnx } from './io.js';
import { PRUNE_OP_TYPES } from './roles.js';
import { DataType, type OnnxTensor } from './schema.js';
import { tensorToFloat32 } from './tensor.js';

const FN = 'pruneOnnx';
const METHODS: ModelPruneMethod[] = ['magnitude', 'filters', 'channels', 'nm'];
const ITEM_BYTES: Record<number, number> = { [DataType.FLOAT]: 4, [DataType.FLOAT16]: 2, [DataType.BFLOAT16]: 2, [DataType.DOUBLE]: 8 };

interface Settings {
  method: ModelPruneMethod;
  amount: number;
  n: number;
  m: number;
  bins: number;
}

function settingsOf(o: PruneModelOptions): Settings {
  const method = o.method ?? 'magnitude';
  if (!METHODS.includes(method)) throw rangeError(FN, 'method', "'magnitude', 'filters', 'channels' or 'nm'", method);
  const amount = o.amount ?? 0.5;
  if (typeof amount !== 'number' || !(amount >= 0 && amount <= 1)) throw rangeError(FN, 'amount', 'a number in [0, 1]', amount);
  const m = o.m ?? 4;
  const n = o.n ?? (o.m === undefined ? 2 : Math.max(1, Math.floor(m / 2)));
  if (!Number.isSafeInteger(m) || m < 1 || m > 256) throw rangeError(FN, 'm', 'an integer in [1, 256]', m);
  if (!Number.isSafeInteger(n) || n < 1 || n > m) throw rangeError(FN, 'n', `an integer in [1, m = ${m}]`, n);
  const bins = histogramBinsOption(FN, o.histogramBins);
  return { method, amount, n, m, bins };
}

/** The prune spec for one weight and its words, or the reason it is kept. */
function specOf(c: WeightCandidate, s: Settings): { spec: PruneSpec; scheme: string } | string {
  const axes = c.axes!;
  const pct = `${+(s.amount * 100).toFixed(2)} %`;
  if (s.method === 'magnitude') return { spec: { method: 'magnitude', amount: s.amount }, scheme: `magnitude ${pct} (${axes.label})` };
  const axis = s.method === 'filters' ? axes.channelAxis : axes.reductionAxis;
  const which = s.method === 'filters' ? 'output-channel' : 'reduction';
  if (axis === null) return axes.conflict ? `consumers disagree on the ${which} axis (${axes.conflict})` : `no ${which} axis for ${s.method}`;
  if (s.method === 'nm') {
    if (c.shape[axis] % s.m !== 0) return `axis ${axis} has length ${c.shape[axis]}, not a multiple of m = ${s.m}`;
    return { spec: { method: 'nm', n: s.n, m: s.m, axis }, scheme: `${s.n}:${s.m} along axis ${axis} (${axes.label})` };
  }
  return { spec: { method: 'structured', amount: s.amount, axis }, scheme: `${s.method} ${pct} by L2 norm along axis ${axis} (${axes.label})` };
}

/** Zero the masked-out elements of the tensor's stored data, leaving the others as they were. */
function zeroStored(t: OnnxTensor, mask: Uint8Array): void {
  const dataType = t.dataType ?? 0;
  if (t.rawData && t.rawData.length > 0) {
    const size = ITEM_BYTES[dataType];
    for (let i = 0; i < mask.length; i++) if (!mask[i]) t.rawData.fill(0, i * size, (i + 1) * size);
    return;
  }
  const list = dataType === DataType.FLOAT ? t.floatData : dataType === DataType.DOUBLE ? t.doubleData : t.int32Data;
  for (let i = 0; i < mask.length; i++) if (!mask[i]) list[i] = 0;
}

function keptRow(c: WeightCandidate, reason: string): TensorReport {
  const row: TensorReport = { name: c.label, shape: c.shape, dtypeBefore: c.dtype, dtypeAfter: c.dtype, bytesBefore: c.bytes, bytesAfter: c.bytes, action: 'kept', reason };
  if (c.where) row.scheme = c.weight.location;
  return row;
}

/**
 * Prune the weights of Conv, ConvTranspose, MatMul and Gemm nodes (options.opTypes)
 * of the ONNX model at `input` and write the result to `output`: 'magnitude' (per
 * tensor), 'filters' (output channels), 'channels' (input channels, the reduction
 * axis) or 'nm' (n of every m along the reduction axis, 2:4 by default).
 */
export async function pruneOnnx(input: string, output: string, options: PruneModelOptions = {}): Promise<ModelReport> {
  const startedAt = Date.now();
  const { selector, opTypes, excludeOpTypes } = checkedSelection(FN, input, output, options, PRUNE_OP_TYPES);
  const s = settingsOf(options);

  const model = readOnnx(input);
  const candidates = weightCandidates(model.proto, selector, opTypes, excludeOpTypes);
  const total = candidates.reduce((a, c) => a + (c.reason ? 0 : c.bytes), 0);
  let done = 0;
  const rows: TensorReport[] = [];
  for (const c of candidates) {
    if (c.reason) {
      rows.push(keptRow(c, c.reason));
      continue;
    }
    const plan = specOf(c, s);
    if (typeof plan === 'string') {
      rows.push(keptRow(c, plan));
      continue;
    }
    const x = tensorToFloat32(c.weight.tensor)!;
    const { pruned, mask } = await pruneWeight(c.label, x, c.shape, plan.spec);
    zeroStored(c.weight.tensor, mask);
    rows.push({
      name: c.label,
      shape: c.shape,
      dtypeBefore: c.dtype,
      dtypeAfter: c.dtype,
      bytesBefore: c.bytes,
      bytesAfter: c.bytes,
      action: 'pruned',
      scheme: c.where + plan.scheme,
      sparsityBefore: zeroFraction(x),
      sparsity: zeroFraction(pruned),
      ...(await measure(x, pruned, s.bins)),
    });
    done += c.bytes;
    options.onProgress?.(done, total, c.label);
    if (c.bytes > 1 << 20) await nextTurn();
  }

  const externalData = model.externalFiles.length > 0 ? { externalData: { location: `${basename(output)}.data` } } : {};
  const outputFiles = writeOnnx(output, model.proto, externalData);
  return finishReport({
    command: 'prune',
    format: 'onnx',
    input,
    output,
    options: { ...options },
    tensors: rows,
    inputFiles: [input, ...model.externalFiles],
    outputFiles,
    startedAt,
  });
}
