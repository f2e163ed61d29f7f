/**
 * `inspectOnnx`: describe an ONNX model's weights (shape, type, bytes, sparsity and
 * the ops that use them) and its graph (IR version, opsets, inputs, outputs, op counts).
 */
import type { TensorReport, ModelReport } from '../types.js';
import { finishReport } from '../report.js';
import { describeValues } from '../compress.js';
import { histogramBinsOption, type InspectModelOptions } from '../options.js';
import { readOnnx } from './io.js';
import type { Int64, OnnxModelProto, OnnxValueInfo } from './messages.js';
import { dataTypeName, dimensionValue, tensorDataBytes, tensorDims, tensorToFloat32, toInt } from './tensor.js';
import { findWeights, type WeightRef } from './weights.js';
import { allGraphs } from './walk.js';

/** Input names of common ops, so a use reads 'Conv W' rather than 'Conv #1'. */
const INPUT_NAMES: Record<string, string[]> = {
  Conv: ['X', 'W', 'B'],
  ConvTranspose: ['X', 'W', 'B'],
  MatMul: ['A', 'B'],
  Gemm: ['A', 'B', 'C'],
  Add: ['A', 'B'],
  Mul: ['A', 'B'],
  Sub: ['A', 'B'],
  Div: ['A', 'B'],
  BatchNormalization: ['X', 'scale', 'B', 'input_mean', 'input_var'],
  LayerNormalization: ['X', 'Scale', 'B'],
  Gather: ['data', 'indices'],
  LSTM: ['X', 'W', 'R', 'B', 'sequence_lens', 'initial_h', 'initial_c', 'P'],
  GRU: ['X', 'W', 'R', 'B', 'sequence_lens', 'initial_h'],
  RNN: ['X', 'W', 'R', 'B', 'sequence_lens', 'initial_h'],
  Reshape: ['data', 'shape'],
  DequantizeLinear: ['x', 'x_scale', 'x_zero_point'],
  QuantizeLinear: ['x', 'y_scale', 'y_zero_point'],
};

/** How a weight is used: 'Conv W, MatMul B' (each distinct use once), or 'unused'. */
export function weightUses(w: WeightRef): string {
  const uses = new Set<string>();
  for (const c of w.consumers) {
    const op = c.node.opType ?? '?';
    const input = INPUT_NAMES[op]?.[c.inputIndex] ?? `#${c.inputIndex}`;
    uses.add(`${op} ${input}`);
  }
  return uses.size ? [...uses].join(', ') : 'unused';
}

/** An int64 from the graph description as a number, or its decimal text when it is beyond 2^53. */
function intOrText(v: Int64): number | string {
  try {
    return toInt(v);
  } catch {
    return String(v);
  }
}

function valueInfoSummary(v: OnnxValueInfo): { name: string; dtype: string; shape: (number | string)[] | null } {
  const tensor = v.type?.tensorType;
  const shape = tensor?.shape ? tensor.shape.dim.map((d) => {
        const value = dimensionValue(d);
        return value !== null ? intOrText(value) : d.dimParam || '?';
      }) : null;
  return { name: v.name ?? '', dtype: tensor ? dataTypeName(tensor.elemType ?? 0) : 'non-tensor', shape };
}

/** Graph facts for the report's `options`: IR version, opsets, producer, inputs, outputs, op counts. */
export function modelSummary(proto: OnnxModelProto): Record<string, unknown> {
  const graph = proto.graph!;
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const ops: Record<string, number> = {};
  let nodes = 0;
  for (const { graph: g } of allGraphs(proto)) {
    for (const n of g.node ?? []) {
      const key = n.domain ? `${n.domain}.${n.opType ?? ''}` : n.opType ?? '';
      ops[key] = (ops[key] ?? 0) + 1;
      nodes++;
    }
  }
  return {
    irVersion: proto.irVersion !== undefined ? intOrText(proto.irVersion) : undefined,
    opsets: Object.fromEntries((proto.opsetImport ?? []).map((o) => [o.domain || 'ai.onnx', o.version !== undefined ? intOrText(o.version) : 0])),
    producer: [proto.producerName, proto.producerVersion].filter(Boolean).join(' ') || undefined,
    graphName: graph.name || undefined,
    inputs: (graph.input ?? []).filter((i) => !initializers.has(i.name)).map(valueInfoSummary),
    outputs: (graph.output ?? []).map(valueInfoSummary),
    nodes,
    ops: Object.fromEntries(Object.entries(ops).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    functions: (proto.functions ?? []).length || undefined,
  };
}

function weightRow(w: WeightRef, bins: number): TensorReport {
  const dtype = dataTypeName(w.tensor.dataType ?? 0);
  const bytes = tensorDataBytes(w.tensor);
  const values = tensorToFloat32(w.tensor);
  const prefix = w.location === 'graph' ? '' : `${w.location}: `;
  return {
    name: w.name,
    shape: tensorDims(w.tensor),
    dtypeBefore: dtype,
    dtypeAfter: dtype,
    bytesBefore: bytes,
    bytesAfter: bytes,
    action: 'kept',
    scheme: prefix + weightUses(w) + (w.source === 'constant' ? ' (Constant)' : ''),
    ...(values && values.length > 0 ? describeValues(values, bins) : {}),
  };
}

/** Read an ONNX model and report its weights (one row each) and a summary of its graph. */
export function inspectOnnx(path: string, options: InspectModelOptions = {}): ModelReport {
  const startedAt = Date.now();
  const bins = histogramBinsOption('inspectOnnx', options.histogramBins);
  const model = readOnnx(path);
  const tensors = findWeights(model.proto).map((w) => weightRow(w, bins));
  return finishReport({
    command: 'inspect',
    format: 'onnx',
    input: path,
    options: modelSummary(model.proto),
    tensors,
    inputFiles: [path, ...model.externalFiles],
    startedAt,
  });
}
