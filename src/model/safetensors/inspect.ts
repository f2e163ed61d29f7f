/**
 * inspectSafetensors(): what a safetensors file holds, tensor by tensor, read
 * one tensor at a time. Tensors quantized by quantizeSafetensors are shown as one
 * row with their scheme, their scales and zero points folded into their bytes.
 */
import { closeSync, openSync } from 'node:fs';
import { describeValues, zeroFraction } from '../compress.js';
import { histogramBinsOption, type InspectModelOptions } from '../options.js';
import { finishReport } from '../report.js';
import type { ModelReport, TensorReport } from '../types.js';
import { dtypeWord, FLOAT_DTYPES, itemSize, shapeCount, viewAs } from './dtypes.js';
import { parseQuantMetadata } from './dequantize.js';
import { formatFailure, type SafetensorsEntry } from './header.js';
import { impliedZeroPoint, is4BitDType, QUANT_METADATA_KEY, rowsAndCols, schemeWords, type QuantizedTensorInfo } from './layout.js';
import { readHeaderFd } from './read.js';
import { TensorStream } from './stream.js';

/** Fraction of stored values that stand for zero (exact zeros; for symmetric quantized data, the zero point). */
function storedSparsity(stream: TensorStream, t: SafetensorsEntry, info: QuantizedTensorInfo | undefined): number | undefined {
  const raw = stream.readRaw(t);
  if (info && info.dtype !== 'fp16') {
    if (!info.symmetric) return undefined;
    const zp = impliedZeroPoint(info.dtype);
    const n = shapeCount(info.shape);
    if (n === 0) return 0;
    let zeros = 0;
    if (is4BitDType(info.dtype)) {
      const [rows, cols] = rowsAndCols(info.shape);
      const rowBytes = (cols + 1) >> 1;
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (((raw[r * rowBytes + (c >> 1)] >> ((c & 1) << 2)) & 15) === zp) zeros++;
    } else {
      const q = info.dtype === 'int8' ? new Int8Array(raw.buffer, raw.byteOffset, raw.length) : raw;
      for (let i = 0; i < q.length; i++) if (q[i] === zp) zeros++;
    }
    return zeros / n;
  }
  if (FLOAT_DTYPES.has(t.dtype)) return zeroFraction(stream.widen(t.dtype, raw, shapeCount(t.shape)));
  const values = viewAs(t.dtype, raw);
  if (values.length === 0) return 0;
  let zeros = 0;
  for (let i = 0; i < values.length; i++) if (values[i] == 0) zeros++;
  return zeros / values.length;
}

/** Sparsity of a stored tensor and, for a plain float tensor, the histogram of its values. */
function storedSummary(stream: TensorStream, t: SafetensorsEntry, info: QuantizedTensorInfo | undefined, bins: number): Pick<TensorReport, 'sparsity' | 'histogram'> {
  if (!info && FLOAT_DTYPES.has(t.dtype)) return describeValues(stream.widen(t.dtype, stream.readRaw(t), shapeCount(t.shape)), bins);
  const sparsity = storedSparsity(stream, t, info);
  return sparsity !== undefined ? { sparsity } : {};
}

/**
 * Report of a safetensors file (command 'inspect'): each tensor's shape, dtype,
 * bytes and sparsity, and for files written by quantizeSafetensors the scheme of
 * each compressed tensor. Throws ERR_MODELPRESS_BAD_FILE for a malformed file.
 */
export function inspectSafetensors(path: string, options: InspectModelOptions = {}): ModelReport {
  const fn = 'inspectSafetensors';
  const startedAt = Date.now();
  const bins = histogramBinsOption(fn, options.histogramBins);
  const fail = formatFailure(fn, path);
  const fd = openSync(path, 'r');
  const rows: TensorReport[] = [];
  try {
    const header = readHeaderFd(fn, path, fd);
    const text = header.metadata[QUANT_METADATA_KEY];
    const infos = text === undefined ? {} : parseQuantMetadata(fail, text).tensors;
    const byName = new Map(header.tensors.map((t) => [t.name, t] as const));
    const folded = new Map<string, number>();
    for (const [name, info] of Object.entries(infos)) {
      if (!byName.has(name)) throw fail(`quantized tensor ${JSON.stringify(name)} named in ${QUANT_METADATA_KEY} is missing`);
      for (const p of [info.scale, info.zero_point]) {
        if (p === undefined) continue;
        const t = byName.get(p);
        if (!t) throw fail(`parameter tensor ${JSON.stringify(p)} of ${JSON.stringify(name)} is missing`);
        folded.set(name, (folded.get(name) ?? 0) + t.end - t.begin);
        folded.set(p, -1);
      }
    }
    const maxWiden = Math.max(0, ...header.tensors.filter((t) => FLOAT_DTYPES.has(t.dtype) && t.dtype !== 'F32').map((t) => shapeCount(t.shape)));
    const stream = new TensorStream(fd, header, fail, Math.max(0, ...header.tensors.map((t) => t.end - t.begin)), maxWiden);
    for (const t of header.tensors) {
      if (folded.get(t.name) === -1) continue;
      const info = Object.prototype.hasOwnProperty.call(infos, t.name) ? infos[t.name] : undefined;
      const bytes = t.end - t.begin;
      const common = { name: t.name, ...storedSummary(stream, t, info, bins) };
      if (!info) {
        rows.push({ ...common, shape: t.shape, dtypeBefore: dtypeWord(t.dtype), dtypeAfter: dtypeWord(t.dtype), bytesBefore: bytes, bytesAfter: bytes, action: 'kept' });
        continue;
      }
      rows.push({
        ...common,
        shape: info.shape,
        dtypeBefore: dtypeWord(info.original_dtype),
        dtypeAfter: info.dtype === 'fp16' ? 'float16' : info.dtype,
        bytesBefore: shapeCount(info.shape) * itemSize(info.original_dtype),
        bytesAfter: bytes + (folded.get(t.name) ?? 0),
        action: info.dtype === 'fp16' ? 'fp16' : 'quantized',
        scheme: schemeWords(info),
      });
    }
  } finally {
    closeSync(fd);
  }
  return finishReport({ command: 'inspect', format: 'safetensors', input: path, options: {}, tensors: rows, inputFiles: [path], startedAt });
}
