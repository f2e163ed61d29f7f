/**
 * Running a TensorFlow.js model from local files, to compare a compressed model
 * with its original. @tensorflow/tfjs is an optional dependency, loaded only here.
 */
import { readTfjsModel, type TfjsModel } from './read.js';
import { mulberry32 } from '../prng.js';

type TF = typeof import('@tensorflow/tfjs');

export interface TfjsTensorValue {
  shape: number[];
  data: Float32Array;
}

export interface TfjsOutput extends TfjsTensorValue {
  name: string;
}

async function loadTf(): Promise<TF> {
  try {
    return (await import('@tensorflow/tfjs')) as TF;
  } catch (e) {
    throw new Error(`runTfjsModel needs TensorFlow.js: npm install @tensorflow/tfjs (${(e as Error).message})`);
  }
}

/** The model's files as tfjs ModelArtifacts: every group's weights in one buffer, in manifest order. */
function artifacts(model: TfjsModel): Record<string, unknown> {
  const { weightsManifest: _manifest, ...rest } = model.json;
  const weights = model.groups.flatMap((g) => g.weights);
  const data = new Uint8Array(weights.reduce((a, w) => a + w.byteLength, 0));
  let at = 0;
  for (const w of weights) {
    data.set(w.raw, at);
    at += w.byteLength;
  }
  return { ...rest, weightSpecs: weights.map((w) => w.entry), weightData: data.buffer };
}

function isGraphModel(json: Record<string, unknown>): boolean {
  if (json.format === 'graph-model') return true;
  if (json.format === 'layers-model') return false;
  const topology = json.modelTopology as Record<string, unknown> | undefined;
  return Array.isArray(topology?.node);
}

/**
 * Deterministic inputs for the given input shapes: unknown dimensions (null, -1)
 * become 1, values are uniform in [-1, 1] from a PRNG seeded with `seed` + input index.
 */
export function generateTfjsInputs(shapes: readonly (readonly (number | null)[])[], seed = 1): TfjsTensorValue[] {
  return shapes.map((s, k) => {
    const shape = s.map((d) => (d === null || d < 0 ? 1 : d));
    const next = mulberry32(seed + k);
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = next() * 2 - 1;
    return { shape, data };
  });
}

/**
 * Load a TensorFlow.js model (layers or graph) from local files and run it once
 * on `inputs` (generated from the model's input shapes with `options.seed` when absent).
 * Requires the optional dependency @tensorflow/tfjs.
 */
export async function runTfjsModel(modelJsonPath: string, inputs?: TfjsTensorValue[], options: { seed?: number } = {}): Promise<TfjsOutput[]> {
  const model = readTfjsModel(modelJsonPath);
  const tf = await loadTf();
  const handler = { load: async () => artifacts(model) } as unknown as Parameters<TF['loadGraphModel']>[0];
  const graph = isGraphModel(model.json);
  const loaded = graph ? await tf.loadGraphModel(handler) : await tf.loadLayersModel(handler);
  const infos = loaded.inputs.map((t, i) => ({
    name: graph ? (t as { name: string }).name : `input_${i}`,
    shape: (t as { shape?: (number | null)[] }).shape,
    dtype: (t as { dtype?: string }).dtype ?? 'float32',
  }));
  if (!inputs) {
    const missing = infos.find((i) => i.shape === undefined);
    if (missing) throw new Error(`runTfjsModel: input ${missing.name} of ${modelJsonPath} has no known shape; pass the inputs`);
    inputs = generateTfjsInputs(infos.map((i) => i.shape!), options.seed);
  }
  if (inputs.length !== infos.length) throw new Error(`runTfjsModel: ${modelJsonPath} takes ${infos.length} inputs, got ${inputs.length}`);
  const tensors = inputs.map((v, i) =>
    infos[i].dtype === 'int32' ? tf.tensor(Int32Array.from(v.data, Math.round), v.shape, 'int32') : tf.tensor(v.data, v.shape, 'float32'),
  );
  try {
    let result;
    let names: string[];
    if (graph) {
      const g = loaded as Awaited<ReturnType<TF['loadGraphModel']>>;
      const feed = Object.fromEntries(infos.map((info, i) => [info.name, tensors[i]]));
      result = await g.executeAsync(feed);
      names = g.outputNodes;
    } else {
      const l = loaded as Awaited<ReturnType<TF['loadLayersModel']>>;
      result = l.predict(tensors.length === 1 ? tensors[0] : tensors);
      names = l.outputNames;
    }
    const outs = Array.isArray(result) ? result : [result];
    const values: TfjsOutput[] = [];
    for (let i = 0; i < outs.length; i++) {
      values.push({ name: names[i] ?? `output_${i}`, shape: outs[i].shape.slice(), data: Float32Array.from(await outs[i].data()) });
    }
    tf.dispose(outs);
    return values;
  } finally {
    tf.dispose(tensors);
    loaded.dispose?.();
  }
}
