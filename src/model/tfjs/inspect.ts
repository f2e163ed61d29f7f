/**
 * `inspect` for TensorFlow.js models: one row per weight with its shape,
 * storage type, bytes, fraction of zeros and a histogram of its values.
 */
import { describeValues } from '../compress.js';
import { histogramBinsOption, type InspectModelOptions } from '../options.js';
import { finishReport } from '../report.js';
import type { ModelReport, TensorReport } from '../types.js';
import { readTfjsModel, type TfjsWeight } from './read.js';

/** The weight's storage in words: 'float32', or 'uint8 (quantized float32)'. */
export function tfjsStorageName(w: Pick<TfjsWeight, 'dtype' | 'quantization'>): string {
  return w.quantization ? `${w.quantization.dtype} (quantized ${w.dtype})` : w.dtype;
}

/** Fraction of zeros and, for float weights, the histogram of their values. */
function summaryOf(w: TfjsWeight, bins: number): Pick<TensorReport, 'sparsity' | 'histogram'> {
  if (w.dtype === 'string') return {};
  if (w.data instanceof Float32Array) return describeValues(w.data, bins);
  let zeros = 0;
  for (let i = 0; i < w.data.length; i++) if (w.data[i] === 0) zeros++;
  return { sparsity: w.data.length > 0 ? zeros / w.data.length : 0 };
}

/** A report row of a weight as it is stored (nothing changed). */
export function unchangedRow(w: TfjsWeight): TensorReport {
  const storage = tfjsStorageName(w);
  return { name: w.name, shape: w.shape.slice(), dtypeBefore: storage, dtypeAfter: storage, bytesBefore: w.byteLength, bytesAfter: w.byteLength, action: 'kept' };
}

/** Report every weight of a TensorFlow.js model (model.json and shards) without changing anything. */
export function inspectTfjs(modelJsonPath: string, options: InspectModelOptions = {}): ModelReport {
  const startedAt = Date.now();
  const bins = histogramBinsOption('inspectTfjs', options.histogramBins);
  const model = readTfjsModel(modelJsonPath);
  const tensors: TensorReport[] = [];
  for (const g of model.groups) {
    for (const w of g.weights) {
      tensors.push({ ...unchangedRow(w), ...summaryOf(w, bins) });
    }
  }
  return finishReport({ command: 'inspect', format: 'tfjs', input: modelJsonPath, options: {}, tensors, inputFiles: model.files, startedAt });
}
