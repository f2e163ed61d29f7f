/**
 * `compareModels`: run the original and the compressed model on the same inputs
 * and report how closely the outputs agree. ONNX models run in onnxruntime-node,
 * TensorFlow.js models in @tensorflow/tfjs; both are optional dependencies,
 * loaded only here. Inputs come from a file or are generated from the model's
 * input shapes with a seeded generator (several runs, different seeds).
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { rangeError, typeError } from '../errors.js';
import { AgreementAccumulator, type OutputAgreement } from './agreement.js';
import { locateModel } from './detect.js';
import { generateOnnxInputs, readOnnx, runOnnxModel } from './onnx/index.js';
import { readSafetensors } from './safetensors/index.js';
import { runTfjsModel } from './tfjs/index.js';
import type { ModelFormat } from './types.js';

export interface CompareOptions {
  /**
   * A file of inputs: JSON `{ "<input>": { "shape": [...], "data": [...] } }` (or an
   * array of such objects, one per run), or a .safetensors file of tensors named
   * after the inputs. Default: generated from the model's input shapes.
   */
  inputs?: string;
  /** Runs with generated inputs (default 8), each with its own seed. */
  runs?: number;
  /** Seed of the first generated run (default 1). */
  seed?: number;
}

export interface CompareReport {
  format: ModelFormat;
  runtime: 'onnxruntime-node' | '@tensorflow/tfjs';
  original: string;
  compressed: string;
  runs: number;
  inputs: 'generated' | string;
  outputs: OutputAgreement[];
  milliseconds: number;
}

type NamedInputs = Record<string, { shape: number[]; data: Float32Array | BigInt64Array | Int32Array | Uint8Array }>;

function typedFromJson(fn: string, name: string, value: unknown): { shape: number[]; data: Float32Array } {
  const v = value as { shape?: unknown; data?: unknown };
  if (!v || typeof v !== 'object' || !Array.isArray(v.shape) || !Array.isArray(v.data)) {
    throw typeError(fn, `inputs.${name}`, 'an object { shape: number[], data: number[] }', value);
  }
  const shape = v.shape as unknown[];
  if (!shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) throw rangeError(fn, `inputs.${name}.shape`, 'non-negative integers', v.shape);
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  const data = (v.data as unknown[]).flat(Infinity as 1) as unknown[];
  if (data.length !== count) throw rangeError(fn, `inputs.${name}.data`, `${count} numbers for shape [${shape.join(', ')}]`, data);
  if (!data.every((x) => typeof x === 'number')) throw typeError(fn, `inputs.${name}.data`, 'numbers', data.find((x) => typeof x !== 'number'));
  return { shape: shape as number[], data: Float32Array.from(data as number[]) };
}

/** Runs of named inputs from a JSON or safetensors file. */
export function readInputsFile(fn: string, path: string): NamedInputs[] {
  if (extname(path).toLowerCase() === '.safetensors') {
    const file = readSafetensors(path);
    const run: NamedInputs = {};
    for (const [name, t] of Object.entries(file.tensors)) run[name] = { shape: [...t.shape], data: t.data as Float32Array };
    return [run];
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw rangeError(fn, 'inputs', `a JSON file of named inputs (${(e as Error).message})`, path);
  }
  const runs = Array.isArray(json) ? json : [json];
  if (runs.length === 0) throw rangeError(fn, 'inputs', 'at least one run of inputs', path);
  return runs.map((run, r) => {
    if (!run || typeof run !== 'object' || Array.isArray(run)) throw typeError(fn, `inputs[${r}]`, 'an object of named inputs', run);
    return Object.fromEntries(Object.entries(run as Record<string, unknown>).map(([name, v]) => [name, typedFromJson(fn, name, v)]));
  });
}

function accumulate(acc: Map<string, AgreementAccumulator>, a: { name: string; shape: number[]; data: Float32Array }[], b: { name: string; data: Float32Array }[]): void {
  if (a.length !== b.length) throw new RangeError(`compareModels: the models have different outputs (${a.length} against ${b.length})`);
  a.forEach((out, i) => {
    if (!acc.has(out.name)) acc.set(out.name, new AgreementAccumulator(out.name));
    acc.get(out.name)!.add(out.shape, out.data, b[i].data);
  });
}

/** Run both models on the same inputs and report output agreement per output. */
export async function compareModels(original: string, compressed: string, options: CompareOptions = {}): Promise<CompareReport> {
  const fn = 'compareModels';
  const started = Date.now();
  const a = locateModel(fn, original);
  const b = locateModel(fn, compressed);
  if (a.format !== b.format) throw rangeError(fn, 'compressed', `a model of the same format as the original (${a.format})`, b.format);
  if (a.format === 'safetensors') {
    throw rangeError(fn, 'original', 'an ONNX or TensorFlow.js model (safetensors files hold weights but no graph to run; the quantize report gives their error)', original);
  }
  const runs = options.runs ?? 8;
  if (!Number.isSafeInteger(runs) || runs < 1) throw rangeError(fn, 'runs', 'an integer ≥ 1', runs);
  const seed = options.seed ?? 1;
  const given = options.inputs !== undefined ? readInputsFile(fn, options.inputs) : undefined;
  const acc = new Map<string, AgreementAccumulator>();
  let count = 0;
  if (a.format === 'onnx') {
    const proto = readOnnx(a.path).proto;
    const inputRuns = given ?? Array.from({ length: runs }, (_, r) => generateOnnxInputs(proto, seed + r));
    for (const inputs of inputRuns) {
      accumulate(acc, await runOnnxModel(a.path, inputs), await runOnnxModel(b.path, inputs));
      count++;
    }
  } else {
    if (given) {
      for (const run of given) {
        const inputs = Object.values(run).map((v) => ({ shape: v.shape, data: Float32Array.from(v.data as Float32Array) }));
        accumulate(acc, await runTfjsModel(a.path, inputs), await runTfjsModel(b.path, inputs));
        count++;
      }
    } else {
      for (let r = 0; r < runs; r++) {
        accumulate(acc, await runTfjsModel(a.path, undefined, { seed: seed + r }), await runTfjsModel(b.path, undefined, { seed: seed + r }));
        count++;
      }
    }
  }
  return {
    format: a.format,
    runtime: a.format === 'onnx' ? 'onnxruntime-node' : '@tensorflow/tfjs',
    original: a.path,
    compressed: b.path,
    runs: count,
    inputs: options.inputs ?? 'generated',
    outputs: [...acc.values()].map((x) => x.result()),
    milliseconds: Date.now() - started,
  };
}
