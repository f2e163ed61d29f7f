/**
 * Quantizing a safetensors file, one tensor at a time.
 *
 * Output layout (format version 1). A float tensor `w` (F32, F16, BF16 or F64)
 * that the selector accepts becomes:
 * - `w`: the quantized values. int8 → I8 and uint8 → U8, same shape as before;
 *   int4 / uint4 → U8 of shape [..., ceil(last / 2)]: two values per byte along
 *   the last axis, low nibble first, each row starting on a new byte (int4 as
 *   two's complement nibbles); fp16 → F16, same shape, and no other tensor.
 * - `w.scale`: F32 scales. Per channel: shape [C] along axis 0 (the output
 *   channels of PyTorch's Linear [out, in] and Conv [out, in, kh, kw]); per
 *   tensor: shape []; 4-bit blocks of `block_size` along the last axis: shape
 *   [..., ceil(last / block_size)].
 * - `w.zero_point`, only when the scheme is affine (not symmetric): I8 for int8,
 *   U8 for uint8, shaped like the scales; for 4-bit, U8 packed per row like the
 *   data (shape [..., ceil(ceil(last / block_size) / 2)]). Symmetric schemes
 *   imply zero point 0 for signed types and the middle of the range (128 for
 *   uint8, 8 for uint4) for unsigned ones.
 * Dequantized: w ≈ (q − zero_point) · scale, in float32.
 * `__metadata__["modelpress.quantization"]` is a JSON string
 *   { "format_version": 1, "tensors": { "w": { "dtype": "int8" | "uint8" | "int4" | "uint4" | "fp16",
 *     "original_dtype": "F32", "shape": [...], "scheme": "per_channel" | "per_tensor" | "blocked",
 *     "axis": 0, "block_size": 32, "symmetric": true, "scale": "w.scale", "zero_point": "w.zero_point" } } }
 * (fp16 entries carry only dtype, original_dtype and shape; block_size only for
 * "blocked"; zero_point only when not symmetric). Other metadata is kept; other
 * tensors are copied unchanged, in their order.
 */
import { closeSync, openSync } from 'node:fs';
import { rangeErrorText } from '../../errors.js';
import { AtomicFile, checkOutputPath } from '../atomic.js';
import { measure, quantizeWeight, toHalfWeight, type Measurement, type WeightQuantization, type WeightScratch } from '../compress.js';
import type { QuantizeModelOptions } from '../options.js';
import { finishReport } from '../report.js';
import { nextTurn } from '../turns.js';
import type { ModelReport, TensorReport } from '../types.js';
import { dtypeWord, FLOAT_DTYPES, shapeCount } from './dtypes.js';
import { formatFailure, type SafetensorsEntry } from './header.js';
import {
  flatToRowPacked,
  is4BitDType,
  packedShape,
  packNibbleRows,
  paramShape,
  QUANT_FORMAT_VERSION,
  QUANT_METADATA_KEY,
  rowsAndCols,
  schemeWords,
  storedDType,
  type QuantizedTensorInfo,
} from './layout.js';
import { quantizeSettings, type QuantizeSettings } from './options.js';
import { readHeaderFd } from './read.js';
import { TensorStream } from './stream.js';
import { encodeHeader, type PlannedTensor } from './write.js';

interface Job {
  entry: SafetensorsEntry;
  /** Set when the tensor is compressed. */
  info?: QuantizedTensorInfo;
  reason?: string;
  /** The output tensors it becomes, in order. */
  outputs: PlannedTensor[];
}

function keep(entry: SafetensorsEntry, reason: string): Job {
  return { entry, reason, outputs: [{ name: entry.name, dtype: entry.dtype, shape: entry.shape, bytes: entry.end - entry.begin }] };
}

/** What happens to one tensor, and the tensors it becomes (all sizes are known from the header). */
function planTensor(entry: SafetensorsEntry, s: QuantizeSettings): Job {
  const { name, dtype, shape } = entry;
  if (!FLOAT_DTYPES.has(dtype)) return keep(entry, `not a float tensor (${dtypeWord(dtype)})`);
  const skip = s.selector.skipReason(name, shape);
  if (skip) return keep(entry, skip);
  if (shapeCount(shape) === 0) return keep(entry, 'empty');
  if (s.dtype === 'fp16') {
    if (dtype === 'F16') return keep(entry, 'already float16');
    const info: QuantizedTensorInfo = { dtype: 'fp16', original_dtype: dtype, shape };
    return { entry, info, outputs: [{ name, dtype: 'F16', shape, bytes: 2 * shapeCount(shape) }] };
  }
  const fourBit = is4BitDType(s.dtype);
  if (fourBit && shape.length === 0) return keep(entry, 'a scalar has no axis to quantize in blocks');
  const info: QuantizedTensorInfo = {
    dtype: s.dtype,
    original_dtype: dtype,
    shape,
    scheme: fourBit ? 'blocked' : s.perChannel && shape.length >= 2 ? 'per_channel' : 'per_tensor',
    ...(fourBit ? { axis: shape.length - 1, block_size: s.blockSize } : s.perChannel && shape.length >= 2 ? { axis: 0 } : {}),
    symmetric: s.symmetric,
    scale: `${name}.scale`,
    ...(s.symmetric ? {} : { zero_point: `${name}.zero_point` }),
  };
  const params = paramShape(info);
  const dataShape = fourBit ? packedShape(shape) : shape;
  const outputs: PlannedTensor[] = [
    { name, dtype: storedDType(s.dtype), shape: dataShape, bytes: shapeCount(dataShape) },
    { name: info.scale!, dtype: 'F32', shape: params, bytes: 4 * shapeCount(params) },
  ];
  if (info.zero_point) {
    const zpShape = fourBit ? packedShape(params) : params;
    outputs.push({ name: info.zero_point, dtype: s.dtype === 'int8' ? 'I8' : 'U8', shape: zpShape, bytes: shapeCount(zpShape) });
  }
  return { entry, info, outputs };
}

function checkNames(fn: string, jobs: Job[]): void {
  const inputs = new Set(jobs.map((j) => j.entry.name));
  const outputs = new Set<string>();
  for (const j of jobs) {
    for (const o of j.outputs) {
      if (outputs.has(o.name) || (o.name !== j.entry.name && inputs.has(o.name))) {
        throw rangeErrorText(fn, 'input', 'a file whose tensor names leave room for scales and zero points', `${JSON.stringify(o.name)} in use (needed for ${JSON.stringify(j.entry.name)})`);
      }
      outputs.add(o.name);
    }
  }
}

function keptRow(j: Job): TensorReport {
  const bytes = j.entry.end - j.entry.begin;
  const word = dtypeWord(j.entry.dtype);
  return { name: j.entry.name, shape: j.entry.shape, dtypeBefore: word, dtypeAfter: word, bytesBefore: bytes, bytesAfter: bytes, action: 'kept', reason: j.reason };
}

function compressedRow(j: Job, info: QuantizedTensorInfo, m: Measurement, bytesAfter: number, scheme: string): TensorReport {
  return {
    name: j.entry.name,
    shape: j.entry.shape,
    dtypeBefore: dtypeWord(j.entry.dtype),
    dtypeAfter: info.dtype === 'fp16' ? 'float16' : info.dtype,
    bytesBefore: j.entry.end - j.entry.begin,
    bytesAfter,
    action: info.dtype === 'fp16' ? 'fp16' : 'quantized',
    scheme,
    error: m.error,
    ...(m.histogram ? { histogram: m.histogram } : {}),
  };
}

/** Buffers reused from tensor to tensor (sized for the largest one). */
interface Scratch {
  weight: WeightScratch;
  /** Error values for the histograms. */
  errors?: Float32Array;
}

function makeScratch(s: QuantizeSettings, maxElements: number): Scratch {
  const weight: WeightScratch = s.dtype === 'fp16' ? { half: new Uint16Array(maxElements) } : { data: new Uint8Array(maxElements) };
  weight.reconstructed = new Float32Array(maxElements);
  return { weight, ...(s.bins > 0 ? { errors: new Float32Array(maxElements) } : {}) };
}

/** Read, compress, measure and write one tensor; returns its report row. */
async function runJob(j: Job, stream: TensorStream, file: AtomicFile, bins: number, scratch: Scratch): Promise<TensorReport> {
  const info = j.info;
  if (!info) {
    stream.copy(j.entry, file);
    return keptRow(j);
  }
  const { x } = stream.readFloat32(j.entry);
  if (info.dtype === 'fp16') {
    const h = await toHalfWeight(j.entry.name, x, scratch.weight);
    file.write(h.half);
    const scheme = h.overflowed > 0 ? `float16 (${h.overflowed} values overflowed to ±Inf)` : 'float16';
    return compressedRow(j, info, await measure(x, h.reconstructed, bins, scratch.errors), h.half.byteLength, scheme);
  }
  const fourBit = is4BitDType(info.dtype);
  const spec: WeightQuantization = {
    dtype: info.dtype,
    symmetric: info.symmetric!,
    axis: info.axis ?? null,
    ...(fourBit ? { blockSize: info.block_size } : {}),
  };
  const { weight, reconstructed } = await quantizeWeight(j.entry.name, x, j.entry.shape, spec, scratch.weight);
  const [rows, cols] = rowsAndCols(j.entry.shape);
  file.write(fourBit ? flatToRowPacked(weight.data as Uint8Array, rows, cols) : weight.data);
  file.write(weight.scale);
  if (info.zero_point) {
    const [pRows, pCols] = rowsAndCols(weight.paramShape);
    file.write(fourBit ? packNibbleRows(weight.zeroPoint, pRows, pCols) : info.dtype === 'int8' ? Int8Array.from(weight.zeroPoint) : Uint8Array.from(weight.zeroPoint));
  }
  const bytesAfter = j.outputs.reduce((a, o) => a + o.bytes, 0);
  return compressedRow(j, info, await measure(x, reconstructed, bins, scratch.errors), bytesAfter, schemeWords(info));
}

/**
 * Quantize the float tensors of a safetensors file (int8 per channel by default;
 * uint8, int4/uint4 blocks or fp16) into `output`, in the layout described at the
 * top of this file. Tensors the selector rejects, and non-float tensors, are
 * copied unchanged. Streams one tensor at a time; the output appears atomically,
 * and nothing is left behind if a tensor fails (e.g. NaN weights).
 */
export async function quantizeSafetensors(input: string, output: string, options: QuantizeModelOptions = {}): Promise<ModelReport> {
  const fn = 'quantizeSafetensors';
  const startedAt = Date.now();
  const s = quantizeSettings(fn, options);
  checkOutputPath(fn, input, output, s.inPlace);
  const fd = openSync(input, 'r');
  const rows: TensorReport[] = [];
  try {
    const header = readHeaderFd(fn, input, fd);
    if (header.metadata[QUANT_METADATA_KEY] !== undefined) {
      throw rangeErrorText(fn, 'input', 'a file not quantized yet', `one with ${QUANT_METADATA_KEY} metadata`);
    }
    const jobs = header.tensors.map((t) => planTensor(t, s));
    checkNames(fn, jobs);
    const infos = Object.fromEntries(jobs.filter((j) => j.info).map((j) => [j.entry.name, j.info!] as const));
    const metadata = { ...header.metadata, [QUANT_METADATA_KEY]: JSON.stringify({ format_version: QUANT_FORMAT_VERSION, tensors: infos }) };
    const outHeader = encodeHeader(jobs.flatMap((j) => j.outputs), metadata);
    const work = jobs.filter((j) => j.info).map((j) => j.entry);
    const maxBytes = Math.max(0, ...work.map((t) => t.end - t.begin));
    const maxWiden = Math.max(0, ...work.filter((t) => t.dtype !== 'F32').map((t) => shapeCount(t.shape)));
    const stream = new TensorStream(fd, header, formatFailure(fn, input), maxBytes, maxWiden);
    const scratch = makeScratch(s, Math.max(0, ...work.map((t) => shapeCount(t.shape))));
    const total = header.fileSize - header.dataOffset;
    let done = 0;
    const file = new AtomicFile(output);
    try {
      file.write(outHeader);
      for (const j of jobs) {
        const expected = file.position + j.outputs.reduce((a, o) => a + o.bytes, 0);
        rows.push(await runJob(j, stream, file, s.bins, scratch));
        if (file.position !== expected) throw new Error(`${fn}: internal error: wrote ${file.position} bytes for ${j.entry.name}, planned ${expected}`);
        done += j.entry.end - j.entry.begin;
        s.onProgress?.(done, total, j.entry.name);
        await nextTurn();
      }
      file.commit();
    } catch (e) {
      file.abort();
      throw e;
    }
  } finally {
    closeSync(fd);
  }
  return finishReport({ command: 'quantize', format: 'safetensors', input, output, options: { ...options }, tensors: rows, inputFiles: [input], outputFiles: [output], startedAt });
}

