/**
 * Weight-only quantization of an ONNX model (QDQ): each selected float weight is
 * stored as int8/uint8 (per channel or per tensor), as 4-bit blocks, or as float16,
 * behind a DequantizeLinear (or Cast) node that restores it under its own name; the
 * rest of the graph is untouched. The default-domain opset is raised to what the
 * scheme needs when that is safe (opset.ts), else the command refuses with advice.
 */
import { basename } from 'node:path';
import { rangeError, typeError } from '../../errors.js';
import { measure, quantizedWeightBytes, quantizeWeight, toHalfWeight, type WeightDType, type WeightScratch } from '../compress.js';
import { DEFAULT_BLOCK_SIZE, histogramBinsOption, type QuantizeModelOptions } from '../options.js';
import { finishReport } from '../report.js';
import { nextTurn } from '../turns.js';
import type { ModelReport, TensorReport } from '../types.js';
import { checkedSelection, weightCandidates, type WeightCandidate } from './candidates.js';
import { readOnnx, writeOnnx } from './io.js';
import { isLazy, rawDataLength, readRawData } from './lazy.js';
import { OPSET_BLOCKED, OPSET_PER_AXIS, OPSET_PER_TENSOR, raiseOpset } from './opset.js';
import { bytesOf, WeightRewriter } from './qdq.js';
import { QUANTIZE_OP_TYPES } from './roles.js';
import { DataType } from './schema.js';
import { tensorToFloat32 } from './tensor.js';

const FN = 'quantizeOnnx';
const Q_TYPES: Record<WeightDType, number> = { int8: DataType.INT8, uint8: DataType.UINT8, int4: DataType.INT4, uint4: DataType.UINT4 };

interface Settings {
  dtype: WeightDType | 'fp16';
  perChannel: boolean;
  symmetric: boolean;
  blockSize: number;
  bins: number;
}

function settingsOf(o: QuantizeModelOptions): Settings {
  const dtype = o.dtype ?? 'int8';
  if (!['int8', 'uint8', 'int4', 'uint4', 'fp16'].includes(dtype)) {
    throw rangeError(FN, 'dtype', "'int8', 'uint8', 'int4', 'uint4' or 'fp16' ('uint16' is for tfjs models)", dtype);
  }
  if (o.perChannel !== undefined && typeof o.perChannel !== 'boolean') throw typeError(FN, 'perChannel', 'a boolean', o.perChannel);
  if (o.symmetric !== undefined && typeof o.symmetric !== 'boolean') throw typeError(FN, 'symmetric', 'a boolean', o.symmetric);
  const blockSize = o.blockSize ?? DEFAULT_BLOCK_SIZE;
  if (!Number.isSafeInteger(blockSize) || blockSize < 2) throw rangeError(FN, 'blockSize', 'an integer ≥ 2', blockSize);
  const bins = histogramBinsOption(FN, o.histogramBins);
  return {
    dtype: dtype as Settings['dtype'],
    perChannel: o.perChannel ?? true,
    symmetric: o.symmetric ?? (dtype === 'int8' || dtype === 'int4'),
    blockSize,
    bins,
  };
}

/** How one weight is stored: the axis (per channel), or the blocked axis, and the words for the report. */
interface Layout {
  axis: number | null;
  blocked: boolean;
  scheme: string;
  opset: number;
}

function layoutOf(c: WeightCandidate, s: Settings): Layout {
  const axes = c.axes!;
  const rank = c.shape.length;
  if (s.dtype === 'fp16') return { axis: null, blocked: false, scheme: `float16 (Cast back to ${c.dtype}) (${axes.label})`, opset: 0 };
  const kind = `${s.dtype} ${s.symmetric ? 'symmetric' : 'affine'}`;
  if (s.dtype === 'int4' || s.dtype === 'uint4') {
    // Blocks run along the reduction axis (K of a MatMul B, input channels of a Conv).
    const axis = axes.reductionAxis ?? Math.max(0, rank - 1);
    const note = axes.conflict ? `; consumers disagree (${axes.conflict})` : '';
    return { axis, blocked: true, scheme: `${kind} blocks of ${s.blockSize} along axis ${axis} (${axes.label})${note}`, opset: OPSET_BLOCKED };
  }
  if (s.perChannel && axes.channelAxis !== null && rank >= 1) {
    return { axis: axes.channelAxis, blocked: false, scheme: `${kind} per-channel axis ${axes.channelAxis} (${axes.label})`, opset: OPSET_PER_AXIS };
  }
  const why = !s.perChannel ? '' : axes.conflict ? `; per-tensor because consumers disagree (${axes.conflict})` : '; no channel axis';
  return { axis: null, blocked: false, scheme: `${kind} per-tensor (${axes.label})${why}`, opset: OPSET_PER_TENSOR };
}

/**
 * Reused float buffers: first touches of fresh large allocations (page faults) cost
 * more than the quantization itself, so the float32 copy of each weight and its
 * reconstruction go into buffers that grow to the largest tensor and are reused.
 */
class FloatScratch {
  private values = new Float32Array(0);
  private reconstructed = new Float32Array(0);
  private errorValues = new Float32Array(0);

  /** The weight as float32: a view of raw_data when it is aligned FLOAT in memory, else read or copied into the buffer. */
  valuesOf(c: WeightCandidate): Float32Array {
    const t = c.weight.tensor;
    const n = c.shape.reduce((a, b) => a * b, 1);
    if (t.dataType === DataType.FLOAT && rawDataLength(t) === n * 4) {
      if (!isLazy(t) && t.rawData!.byteOffset % 4 === 0) return new Float32Array(t.rawData!.buffer, t.rawData!.byteOffset, n);
      if (this.values.length < n) this.values = new Float32Array(n);
      const out = this.values.subarray(0, n);
      const bytes = new Uint8Array(out.buffer, out.byteOffset, n * 4);
      const raw = readRawData(t, bytes)!;
      if (raw !== bytes) bytes.set(raw);
      return out;
    }
    return tensorToFloat32(t)!;
  }

  /** Room for the error values of the report's histogram. */
  errors(n: number): Float32Array {
    if (this.errorValues.length < n) this.errorValues = new Float32Array(n);
    return this.errorValues;
  }

  weightScratch(n: number): WeightScratch {
    if (this.reconstructed.length < n) this.reconstructed = new Float32Array(n);
    return { reconstructed: this.reconstructed };
  }
}

function keptRow(c: WeightCandidate): TensorReport {
  const row: TensorReport = { name: c.label, shape: c.shape, dtypeBefore: c.dtype, dtypeAfter: c.dtype, bytesBefore: c.bytes, bytesAfter: c.bytes, action: 'kept', reason: c.reason };
  if (c.where) row.scheme = c.weight.location;
  return row;
}

/** Quantize one weight, record the graph edit, and return its report row. */
async function quantizeOne(c: WeightCandidate, layout: Layout, s: Settings, rewriter: WeightRewriter, scratch: FloatScratch): Promise<TensorReport> {
  const x = scratch.valuesOf(c);
  const base = { name: c.label, shape: c.shape, dtypeBefore: c.dtype, bytesBefore: c.bytes, scheme: c.where + layout.scheme };
  if (s.dtype === 'fp16') {
    const h = await toHalfWeight(c.label, x, { reconstructed: scratch.weightScratch(x.length).reconstructed });
    rewriter.toHalf(c.weight, c.shape, h.half);
    const m = await measure(x, h.reconstructed, s.bins, scratch.errors(x.length));
    const scheme = h.overflowed > 0 ? `${base.scheme}; ${h.overflowed} values overflowed to ±Inf` : base.scheme;
    return { ...base, scheme, dtypeAfter: 'float16', bytesAfter: h.half.byteLength, action: 'fp16', ...m };
  }
  const spec = { dtype: s.dtype, symmetric: s.symmetric, axis: layout.axis, ...(layout.blocked ? { blockSize: s.blockSize } : {}) };
  const { weight, reconstructed } = await quantizeWeight(c.label, x, c.shape, spec, scratch.weightScratch(x.length));
  rewriter.dequantize(c.weight, c.shape, {
    qType: Q_TYPES[s.dtype],
    data: bytesOf(weight.data),
    scale: weight.scale,
    zeroPoint: weight.zeroPoint,
    paramDims: weight.paramShape,
    axis: layout.axis,
    blockSize: layout.blocked ? s.blockSize : null,
  });
  const m = await measure(x, reconstructed, s.bins, scratch.errors(x.length));
  return { ...base, dtypeAfter: s.dtype, bytesAfter: quantizedWeightBytes(weight), action: 'quantized', ...m };
}

function opsetAdvice(s: Settings): string {
  if (s.dtype === 'int4' || s.dtype === 'uint4') return `Use dtype 'int8' with perChannel: false (DequantizeLinear per tensor works from opset ${OPSET_PER_TENSOR})`;
  return `Pass perChannel: false (per-tensor DequantizeLinear works from opset ${OPSET_PER_TENSOR})`;
}

/**
 * Quantize the weights of the ONNX model at `input` and write the result to
 * `output` (atomically; external data stays external as `<output>.data`).
 * Weight-only QDQ: activations stay float, so the model runs anywhere ONNX runs.
 */
export async function quantizeOnnx(input: string, output: string, options: QuantizeModelOptions = {}): Promise<ModelReport> {
  const startedAt = Date.now();
  const { selector, opTypes, excludeOpTypes } = checkedSelection(FN, input, output, options, QUANTIZE_OP_TYPES);
  const s = settingsOf(options);

  const model = readOnnx(input);
  const candidates = weightCandidates(model.proto, selector, opTypes, excludeOpTypes).map((c) => {
    if (!c.reason && s.dtype === 'fp16' && c.weight.tensor.dataType === DataType.FLOAT16) return { ...c, axes: undefined, reason: 'already float16' };
    return c;
  });
  const layouts = new Map<WeightCandidate, Layout>();
  for (const c of candidates) if (!c.reason) layouts.set(c, layoutOf(c, s));

  // Fail before any heavy work when the opset cannot be raised safely.
  const target = Math.max(0, ...[...layouts.values()].map((l) => l.opset));
  if (target > 0) {
    const scheme = s.dtype === 'int4' || s.dtype === 'uint4' ? `${s.dtype} blocks` : `${s.perChannel ? 'per-channel' : 'per-tensor'} ${s.dtype}`;
    raiseOpset(FN, input, model.proto, target, scheme, opsetAdvice(s));
  }

  const rewriter = new WeightRewriter(model.proto);
  const scratch = new FloatScratch();
  const total = [...layouts.keys()].reduce((a, c) => a + c.bytes, 0);
  let done = 0;
  const rows: TensorReport[] = [];
  for (const c of candidates) {
    const layout = layouts.get(c);
    if (!layout) {
      rows.push(keptRow(c));
      continue;
    }
    rows.push(await quantizeOne(c, layout, s, rewriter, scratch));
    done += c.bytes;
    options.onProgress?.(done, total, c.label);
    // Let a progress display paint between large tensors.
    if (c.bytes > 1 << 20) await nextTurn();
  }
  rewriter.apply();

  const externalData = model.externalFiles.length > 0 ? { externalData: { location: `${basename(output)}.data` } } : {};
  const outputFiles = writeOnnx(output, model.proto, externalData);
  return finishReport({
    command: 'quantize',
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
