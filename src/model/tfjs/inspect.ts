/**
 * `inspect` for TensorFlow.js models: one row per weight with its shape,
 * storage type, bytes and fraction of zeros.
 */
import { zeroFraction } from '../compress.js';
import { finishReport } from '../report.js';
import type { ModelReport, TensorReport } from '../types.js';
import { readTfjsModel, type TfjsWeight } from './read.js';

/** The weight's storage in words: 'float32', or 'uint8 (quantized float32)'. */
export function tfjsStorageName(w: Pick<TfjsWeight, 'dtype' | 'quantization'>): string {
  return w.quantization ? `${w.quantization.dtype} (quantized ${w.dtype})` : w.dtype;
}

function zerosOf(w: TfjsWeight): number | undefined {
  if (w.dtype === 'string') return undefined;
  if (w.data instanceof Float32Array) return zeroFraction(w.data);
  let zeros = 0;
  for (let i = 0; i < w.data.length; i++) if (w.data[i] === 0) zeros++;
  return w.data.length > 0 ? zeros / w.data.length : 0;
}

/** Report every weight of a TensorFlow.js model (model.json and shards) without changing anything. */
export function inspectTfjs(modelJsonPath: string): ModelReport {
  const startedAt = Date.now();
  const model = readTfjsModel(modelJsonPath);
  const tensors: TensorReport[] = [];
  for (const g of model.groups) {
    for (const w of g.weights) {
      const storage = tfjsStorageName(w);
      const sparsity = zerosOf(w);
      tensors.push({
        name: w.name,
        shape: w.shape.slice(),
        dtypeBefore: storage,
        dtypeAfter: storage,
        bytesBefore: w.byteLength,
        bytesAfter: w.byteLength,
        action: 'kept',
        ...(sparsity !== undefined ? { sparsity } : {}),
      });
    }
  }
  return finishReport({ command: 'inspect', format: 'tfjs', input: modelJsonPath, options: {}, tensors, inputFiles: model.files, startedAt });
}
