/**
 * Running an ONNX model in onnxruntime-node, an optional peer dependency loaded
 * only here, and making deterministic inputs for it from the graph's input types.
 */
import { backendUnavailable, rangeError } from '../../errors.js';
import type { OnnxModelProto, OnnxType } from './messages.js';
import { DataType } from './schema.js';
import { dataTypeName, dimensionValue, toInt } from './tensor.js';
import { mulberry32 } from '../prng.js';

/** Typed arrays an input may come as. */
export type OnnxInputData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | BigUint64Array;

export type OnnxInputs = Record<string, { data: OnnxInputData; shape: number[] }>;

export interface OnnxOutput {
  name: string;
  shape: number[];
  /** Values as float32 (integer and bool outputs converted). */
  data: Float32Array;
}

/** The few parts of onnxruntime's API used here (kept local so our types never need the package). */
interface OrtTensor {
  dims: readonly number[];
  type: string;
  data: unknown;
}
interface OrtModule {
  Tensor: new (type: string, data: unknown, dims: readonly number[]) => OrtTensor;
  InferenceSession: {
    create(path: string): Promise<{
      inputNames: readonly string[];
      outputNames: readonly string[];
      inputMetadata?: readonly { name: string; isTensor: boolean; type?: string }[];
      run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
      release?(): Promise<void>;
    }>;
  };
}

async function loadOrt(): Promise<OrtModule> {
  try {
    const name = 'onnxruntime-node';
    const mod = (await import(name)) as OrtModule & { default?: OrtModule };
    return mod.InferenceSession ? mod : (mod.default as OrtModule);
  } catch (e) {
    throw backendUnavailable(
      `runOnnxModel: onnxruntime-node is needed to run ONNX models; install it with \`npm install onnxruntime-node\` (${(e as Error).message})`,
    );
  }
}

/** ORT tensor type names and the arrays that hold them. */
const ORT_ARRAYS: Record<string, (n: number[] | OnnxInputData) => OnnxInputData> = {
  float32: (d) => Float32Array.from(d as ArrayLike<number>, Number),
  float64: (d) => Float64Array.from(d as ArrayLike<number>, Number),
  int32: (d) => Int32Array.from(d as ArrayLike<number>, Number),
  int8: (d) => Int8Array.from(d as ArrayLike<number>, Number),
  uint8: (d) => Uint8Array.from(d as ArrayLike<number>, Number),
  int16: (d) => Int16Array.from(d as ArrayLike<number>, Number),
  uint16: (d) => Uint16Array.from(d as ArrayLike<number>, Number),
  uint32: (d) => Uint32Array.from(d as ArrayLike<number>, Number),
  bool: (d) => Uint8Array.from(d as ArrayLike<number>, (x) => (Number(x) ? 1 : 0)),
  int64: (d) => BigInt64Array.from(d as ArrayLike<number>, (x) => BigInt(Math.trunc(Number(x)))),
  uint64: (d) => BigUint64Array.from(d as ArrayLike<number>, (x) => BigInt(Math.trunc(Number(x)))),
};

function arrayType(data: OnnxInputData): string {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof BigUint64Array) return 'uint64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int8Array) return 'int8';
  return 'uint8';
}

/**
 * Run the model at `path` once. `inputs` default to generateOnnxInputs(model, 1); each
 * input is converted to the element type the model declares. Returns every output as float32.
 */
export async function runOnnxModel(path: string, inputs?: OnnxInputs): Promise<OnnxOutput[]> {
  const ort = await loadOrt();
  let feedsIn = inputs;
  if (!feedsIn) {
    const { readOnnx } = await import('./io.js');
    feedsIn = generateOnnxInputs(readOnnx(path).proto, 1);
  }
  const session = await ort.InferenceSession.create(path);
  try {
    const feeds: Record<string, OrtTensor> = {};
    for (const name of session.inputNames) {
      const given = feedsIn[name];
      if (!given) throw rangeError('runOnnxModel', `inputs.${name}`, 'given (the model has this input)', undefined);
      const meta = session.inputMetadata?.find((m) => m.name === name);
      const want = meta?.isTensor && meta.type && ORT_ARRAYS[meta.type] ? meta.type : arrayType(given.data);
      const data = want === arrayType(given.data) && want !== 'bool' ? given.data : ORT_ARRAYS[want](given.data);
      feeds[name] = new ort.Tensor(want, data, given.shape);
    }
    const results = await session.run(feeds);
    return session.outputNames.map((name) => {
      const t = results[name];
      const raw = t.data as ArrayLike<number | bigint>;
      const data = t.data instanceof Float32Array ? t.data : Float32Array.from(raw as ArrayLike<number>, Number);
      return { name, shape: [...t.dims], data };
    });
  } finally {
    await session.release?.();
  }
}

function inputShape(type: OnnxType | null | undefined): number[] {
  const dims = type?.tensorType?.shape?.dim;
  if (!dims) return [1];
  return dims.map((d) => {
    const value = dimensionValue(d);
    if (value === null) return 1;
    let n: number;
    try {
      n = toInt(value);
    } catch {
      return Infinity; // refused below, with the input's name
    }
    return n > 0 ? n : 1;
  });
}

/**
 * Deterministic inputs for the model's graph inputs (those not given by an initializer):
 * symbolic or unknown dims become 1; floats are uniform in [-1, 1], integers in 0..3,
 * bools 0/1. Same proto and seed, same inputs.
 */
export function generateOnnxInputs(proto: OnnxModelProto, seed: number): OnnxInputs {
  const random = mulberry32(seed);
  const graph = proto.graph;
  const out: OnnxInputs = {};
  if (!graph) return out;
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  for (const input of graph.input ?? []) {
    const name = input.name ?? '';
    if (!name || initializers.has(name)) continue;
    const elemType = input.type?.tensorType?.elemType ?? DataType.FLOAT;
    const shape = inputShape(input.type);
    const count = shape.reduce((a, b) => a * b, 1);
    if (count > 2 ** 28) {
      throw rangeError('generateOnnxInputs', `input ${JSON.stringify(name)}`, 'a shape of at most 2^28 elements to generate', `[${shape.join(', ')}]`);
    }
    const float = () => random() * 2 - 1;
    const small = () => Math.floor(random() * 4);
    let data: OnnxInputData;
    switch (elemType) {
      case DataType.FLOAT: data = Float32Array.from({ length: count }, float); break;
      case DataType.DOUBLE: data = Float64Array.from({ length: count }, float); break;
      case DataType.INT64: data = BigInt64Array.from({ length: count }, () => BigInt(small())); break;
      case DataType.UINT64: data = BigUint64Array.from({ length: count }, () => BigInt(small())); break;
      case DataType.INT32: data = Int32Array.from({ length: count }, small); break;
      case DataType.UINT32: data = Uint32Array.from({ length: count }, small); break;
      case DataType.INT16: data = Int16Array.from({ length: count }, small); break;
      case DataType.UINT16: data = Uint16Array.from({ length: count }, small); break;
      case DataType.INT8: data = Int8Array.from({ length: count }, small); break;
      case DataType.UINT8: data = Uint8Array.from({ length: count }, small); break;
      case DataType.BOOL: data = Uint8Array.from({ length: count }, () => (random() < 0.5 ? 0 : 1)); break;
      default:
        throw rangeError('generateOnnxInputs', `input ${JSON.stringify(name)}`, 'a float, integer or bool tensor', dataTypeName(elemType));
    }
    out[name] = { data, shape };
  }
  return out;
}
