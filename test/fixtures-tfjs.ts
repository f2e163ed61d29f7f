/** Small TensorFlow.js models on disk for the tfjs tests. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as TF from '@tensorflow/tfjs';

export interface FixtureWeight {
  name: string;
  shape: number[];
  dtype: string;
  bytes: Uint8Array;
  quantization?: Record<string, unknown>;
}

/** Split `bytes` into shards of `shardSize` named as tfjs names them; returns the paths. */
export function writeShards(dir: string, group: number, bytes: Uint8Array, shardSize: number): string[] {
  const count = Math.max(1, Math.ceil(bytes.length / shardSize));
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `group${group + 1}-shard${i + 1}of${count}.bin`;
    fs.writeFileSync(path.join(dir, name), bytes.subarray(i * shardSize, (i + 1) * shardSize));
    paths.push(name);
  }
  return paths;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();

/** tfjs string encoding: 4-byte little-endian length, then the UTF-8 bytes, per element. */
export function encodeStrings(values: string[]): Uint8Array {
  return concat(
    values.flatMap((v) => {
      const b = new TextEncoder().encode(v);
      return [bytesOf(Uint32Array.of(b.length)), b];
    }),
  );
}

/** A model.json (format 'layers-model' unless `extra` says otherwise) holding only a manifest and its shards. */
export function writeManifestModel(dir: string, groups: FixtureWeight[][], shardSize: number, extra: Record<string, unknown> = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  const weightsManifest = groups.map((ws, g) => ({
    paths: writeShards(dir, g, concat(ws.map((w) => w.bytes)), shardSize),
    weights: ws.map((w) => ({ name: w.name, shape: w.shape, dtype: w.dtype, ...(w.quantization ? { quantization: w.quantization } : {}) })),
  }));
  const file = path.join(dir, 'model.json');
  fs.writeFileSync(file, JSON.stringify({ format: 'layers-model', modelTopology: {}, ...extra, weightsManifest }));
  return file;
}

/**
 * A small conv2d + dense layers model with seeded initializers, saved as tfjs
 * saves it (model.json + shards of `shardSize` bytes). Input [6, 6, 3], output 10.
 */
export async function writeLayersModel(tf: typeof TF, dir: string, shardSize: number): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const model = tf.sequential();
  model.add(
    tf.layers.conv2d({
      name: 'conv',
      inputShape: [6, 6, 3],
      filters: 16,
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 11 }),
      biasInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 12 }),
    }),
  );
  model.add(tf.layers.flatten({ name: 'flat' }));
  model.add(
    tf.layers.dense({
      name: 'dense',
      units: 10,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 13 }),
      biasInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 14 }),
    }),
  );
  const file = path.join(dir, 'model.json');
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const data = new Uint8Array(Array.isArray(a.weightData) ? tf.io.CompositeArrayBuffer.join(a.weightData) : (a.weightData as ArrayBuffer));
      const json = {
        modelTopology: a.modelTopology,
        format: a.format,
        generatedBy: a.generatedBy,
        convertedBy: a.convertedBy,
        userDefinedMetadata: { note: 'kept as is', list: [1, 2, 3] },
        weightsManifest: [{ paths: writeShards(dir, 0, data, shardSize), weights: a.weightSpecs }],
      };
      fs.writeFileSync(file, JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  return file;
}

const float = { type: 'DT_FLOAT' };
const constNode = (name: string, dims: number[]) => ({
  name,
  op: 'Const',
  attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: dims.map((d) => ({ size: String(d) })) } } } },
});

/**
 * A hand-written graph model: relu(x · w1 + b1) · w2 + b2, x of shape [-1, 64],
 * weights w1 [64, 32], b1 [32], w2 [32, 8], b2 [8] from `values`.
 */
export function writeGraphModel(dir: string, values: Record<'w1' | 'b1' | 'w2' | 'b2', Float32Array>, shardSize: number): string {
  const nodes = [
    { name: 'x', op: 'Placeholder', attr: { dtype: float, shape: { shape: { dim: [{ size: '-1' }, { size: '64' }] } } } },
    constNode('w1', [64, 32]),
    constNode('b1', [32]),
    constNode('w2', [32, 8]),
    constNode('b2', [8]),
    { name: 'mm1', op: 'MatMul', input: ['x', 'w1'], attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } } },
    { name: 'add1', op: 'BiasAdd', input: ['mm1', 'b1'], attr: { T: float, data_format: { s: Buffer.from('NHWC').toString('base64') } } },
    { name: 'relu', op: 'Relu', input: ['add1'], attr: { T: float } },
    { name: 'mm2', op: 'MatMul', input: ['relu', 'w2'], attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } } },
    { name: 'y', op: 'AddV2', input: ['mm2', 'b2'], attr: { T: float } },
  ];
  const shapes = { w1: [64, 32], b1: [32], w2: [32, 8], b2: [8] };
  const weights = (['w1', 'b1', 'w2', 'b2'] as const).map((name) => ({ name, shape: shapes[name], dtype: 'float32', bytes: bytesOf(values[name]) }));
  return writeManifestModel(dir, [weights], shardSize, {
    format: 'graph-model',
    generatedBy: 'hand-written',
    convertedBy: 'modelpress tests',
    modelTopology: { node: nodes, library: {}, versions: { producer: 1 } },
    signature: { inputs: { x: { name: 'x:0', dtype: 'DT_FLOAT' } }, outputs: { y: { name: 'y:0', dtype: 'DT_FLOAT' } } },
  });
}
