/**
 * `quantize` for TensorFlow.js models: selected float32 weights are stored as
 * tfjs's own quantized entries (affine uint8/uint16 per tensor, or float16), so
 * the output loads in any tfjs ≥ 1.0 unchanged. Everything else is copied bit
 * for bit, and the shards keep the input's shard size.
 */
import { rangeError, typeError } from '../../errors.js';
import { checkOutputPath } from '../atomic.js';
import { measure, zeroFraction } from '../compress.js';
import { histogramBinsOption, type QuantizeModelOptions } from '../options.js';
import { filesBytes, finishReport } from '../report.js';
import { nextTurn } from '../turns.js';
import { tensorSelector } from '../select.js';
import type { ModelReport, TensorReport } from '../types.js';
import { encodeTfjsWeight, type TfjsStoreDType } from './encode.js';
import { unchangedRow } from './inspect.js';
import { readTfjsModel, type TfjsWeight } from './read.js';
import { writeTfjsModel, type TfjsWeightOut } from './write.js';

const FN = 'quantizeTfjs';

/** min and scale live in model.json; count them as two float32 values. */
const AFFINE_PARAM_BYTES = 8;

interface Plan {
  dtype: TfjsStoreDType;
  symmetric: boolean;
  bins: number;
}

function plan(options: QuantizeModelOptions): Plan {
  if (options === null || typeof options !== 'object') throw typeError(FN, 'options', 'an object', options);
  const d = options.dtype ?? 'uint8';
  const dtypes: Record<string, TfjsStoreDType> = { uint8: 'uint8', uint16: 'uint16', fp16: 'float16' };
  if (!(d in dtypes)) throw rangeError(FN, 'dtype', "'uint8', 'uint16' or 'fp16' (the storages a tfjs weights manifest can describe)", d);
  if (options.perChannel === true) throw rangeError(FN, 'perChannel', 'false or absent (a tfjs manifest holds one min and scale per weight)', options.perChannel);
  if (options.blockSize !== undefined) throw rangeError(FN, 'blockSize', 'absent (tfjs has no blocked quantization)', options.blockSize);
  if (options.opTypes !== undefined) throw rangeError(FN, 'opTypes', 'absent (an ONNX option; select tfjs weights by name)', options.opTypes);
  if (options.excludeOpTypes !== undefined) throw rangeError(FN, 'excludeOpTypes', 'absent (an ONNX option; select tfjs weights by name)', options.excludeOpTypes);
  if (options.symmetric !== undefined && typeof options.symmetric !== 'boolean') throw typeError(FN, 'symmetric', 'a boolean', options.symmetric);
  const bins = histogramBinsOption(FN, options.histogramBins);
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw typeError(FN, 'onProgress', 'a function', options.onProgress);
  return { dtype: dtypes[d], symmetric: options.symmetric ?? false, bins };
}

function keptRow(w: TfjsWeight, reason: string): TensorReport {
  return { ...unchangedRow(w), reason };
}

/** Why a weight that passed the name/size selection still cannot be quantized, or null. */
function unsupported(w: TfjsWeight): string | null {
  if (w.quantization) return `already quantized (${w.quantization.dtype})`;
  if (w.dtype !== 'float32') return `${w.dtype} weights stay as they are`;
  const x = w.data as Float32Array;
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return `holds a non-finite value at index ${i}`;
  return null;
}

async function quantizeOne(w: TfjsWeight, p: Plan): Promise<{ out: TfjsWeightOut; row: TensorReport }> {
  const x = w.data as Float32Array;
  const enc = encodeTfjsWeight(x, p.dtype, p.symmetric);
  if (enc.overflowed) {
    return { out: { entry: w.entry, bytes: w.raw }, row: keptRow(w, `${enc.overflowed} values beyond the float16 range`) };
  }
  const { quantization } = enc;
  const { error, histogram } = await measure(x, enc.reconstructed, p.bins);
  const fp16 = quantization.dtype === 'float16';
  const row: TensorReport = {
    name: w.name,
    shape: w.shape.slice(),
    dtypeBefore: 'float32',
    dtypeAfter: quantization.dtype,
    bytesBefore: w.byteLength,
    bytesAfter: enc.bytes.byteLength + (fp16 ? 0 : AFFINE_PARAM_BYTES),
    action: fp16 ? 'fp16' : 'quantized',
    scheme: fp16 ? 'float16 (tfjs)' : `${quantization.dtype} ${p.symmetric ? 'symmetric' : 'affine'} per tensor (tfjs min/scale)`,
    error,
    sparsity: zeroFraction(enc.reconstructed),
    ...(histogram ? { histogram } : {}),
  };
  return { out: { entry: { ...w.entry, quantization }, bytes: enc.bytes }, row };
}

/**
 * Quantize a TensorFlow.js model's float32 weights into tfjs's quantized storage:
 * `dtype` 'uint8' (default) or 'uint16' (affine per tensor), or 'fp16' (float16).
 * Writes model.json and its shards next to `outputModelJson`.
 */
export async function quantizeTfjs(inputModelJson: string, outputModelJson: string, options: QuantizeModelOptions = {}): Promise<ModelReport> {
  const startedAt = Date.now();
  if (typeof inputModelJson !== 'string') throw typeError(FN, 'inputModelJson', 'a path', inputModelJson);
  if (typeof outputModelJson !== 'string') throw typeError(FN, 'outputModelJson', 'a path', outputModelJson);
  const p = plan(options);
  const selector = tensorSelector(FN, options);
  checkOutputPath(FN, inputModelJson, outputModelJson, options.inPlace ?? false);
  const model = readTfjsModel(inputModelJson);

  const total = model.groups.reduce((a, g) => a + g.weights.reduce((b, w) => b + w.byteLength, 0), 0);
  let done = 0;
  const rows: TensorReport[] = [];
  const groups: TfjsWeightOut[][] = [];
  for (const g of model.groups) {
    const outs: TfjsWeightOut[] = [];
    for (const w of g.weights) {
      const reason = unsupported(w) ?? selector.skipReason(w.name, w.shape);
      if (reason !== null) {
        outs.push({ entry: w.entry, bytes: w.raw });
        rows.push(keptRow(w, reason));
      } else {
        const { out, row } = await quantizeOne(w, p);
        outs.push(out);
        rows.push(row);
      }
      done += w.byteLength;
      options.onProgress?.(done, total, w.name);
      // Let other work run between large weights.
      await nextTurn();
    }
    groups.push(outs);
  }

  // Sized before writing: in place, the input's files are replaced.
  const fileBytesBefore = filesBytes(model.files);
  const outputFiles = writeTfjsModel(FN, model, groups, outputModelJson, { shardBytes: model.shardBytes, inPlace: options.inPlace ?? false });
  const report = finishReport({
    command: 'quantize',
    format: 'tfjs',
    input: inputModelJson,
    output: outputModelJson,
    options: { ...options },
    tensors: rows,
    inputFiles: [],
    outputFiles,
    startedAt,
  });
  report.totals.fileBytesBefore = fileBytesBefore;
  return report;
}
