/**
 * The model commands on any format: find the format, pick the output path,
 * and hand over to the format's module. This is what the CLI calls.
 */
import { join } from 'node:path';
import { checkOptions } from '../validate.js';
import { rangeError } from '../errors.js';
import { defaultOutputPath, locateModel } from './detect.js';
import type { InspectModelOptions, PruneModelOptions, QuantizeModelOptions } from './options.js';
import type { ModelReport } from './types.js';
import { inspectOnnx, pruneOnnx, quantizeOnnx } from './onnx/index.js';
import { inspectSafetensors, pruneSafetensors, quantizeSafetensors } from './safetensors/index.js';
import { inspectTfjs, quantizeTfjs } from './tfjs/index.js';

/** Describe a model's weights: shapes, dtypes, bytes, sparsity, histograms of values (and its graph, for ONNX). */
export async function inspectModel(path: string, options: InspectModelOptions = {}): Promise<ModelReport> {
  checkOptions('inspectModel', options);
  const at = locateModel('inspectModel', path);
  if (at.format === 'onnx') return inspectOnnx(at.path, options);
  if (at.format === 'safetensors') return inspectSafetensors(at.path, options);
  return inspectTfjs(at.path, options);
}

function quantTag(options: QuantizeModelOptions, format: string): string {
  return options.dtype ?? (format === 'tfjs' ? 'uint8' : 'int8');
}

/**
 * Quantize the weights of an ONNX, safetensors or TensorFlow.js model and write
 * the result to `output` (default: next to the input, named after the dtype).
 */
export async function quantizeModel(input: string, output?: string, options: QuantizeModelOptions = {}): Promise<ModelReport> {
  checkOptions('quantizeModel', options);
  const at = locateModel('quantizeModel', input);
  const out = output ?? defaultOutputPath(at, quantTag(options, at.format));
  if (at.format === 'onnx') return quantizeOnnx(at.path, out, options);
  if (at.format === 'safetensors') return quantizeSafetensors(at.path, out, options);
  // A tfjs output is a directory: given one, write its model.json (the shards go beside it).
  return quantizeTfjs(at.path, out.endsWith('.json') ? out : join(out, 'model.json'), options);
}

/** Prune the weights of an ONNX or safetensors model (magnitude, filters, channels or N:M). */
export async function pruneModel(input: string, output?: string, options: PruneModelOptions = {}): Promise<ModelReport> {
  checkOptions('pruneModel', options);
  const at = locateModel('pruneModel', input);
  const method = options.method ?? 'magnitude';
  const out = output ?? defaultOutputPath(at, method === 'nm' ? `${options.n ?? 2}of${options.m ?? 4}` : `pruned`);
  if (at.format === 'onnx') return pruneOnnx(at.path, out, options);
  if (at.format === 'safetensors') return pruneSafetensors(at.path, out, options);
  throw rangeError('pruneModel', 'input', 'an ONNX or safetensors model (TensorFlow.js models are quantized, not pruned, here)', input);
}
