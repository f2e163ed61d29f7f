/**
 * TensorFlow.js models: reading model.json + shards, quantizing into tfjs's own
 * quantized storage, and loading the result in tfjs itself (over HTTP, as a
 * browser would) with predictions close to the original's.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { dequantize, generateTfjsInputs, inspectTfjs, quantize, quantizeTfjs, readTfjsModel, runTfjsModel, type TfjsModel } from '../dist/index.js';
import { rng } from './helpers.js';
import { bytesOf, encodeStrings, writeGraphModel, writeLayersModel, writeManifestModel, type FixtureWeight } from './fixtures-tfjs.js';

const SHARD = 4096;
let root: string;
let server: http.Server;
let base: string;

function serve(dir: string): Promise<http.Server> {
  const s = http.createServer((req, res) => {
    const file = path.join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.endsWith('.json') ? 'application/json' : 'application/octet-stream' });
    res.end(fs.readFileSync(file));
  });
  return new Promise((ok) => s.listen(0, '127.0.0.1', () => ok(s)));
}

const weight = (m: TfjsModel, name: string) => m.groups.flatMap((g) => g.weights).find((w) => w.name === name)!;
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const absSum = (a: ArrayLike<number>, from = 0, to = a.length, step = 1) => {
  let s = 0;
  for (let i = from; i < to; i += step) s += Math.abs(a[i]);
  return s;
};

async function predictOverHttp(dir: string, x: tf.Tensor): Promise<Float32Array> {
  const model = await tf.loadLayersModel(`${base}/${dir}/model.json`);
  const y = model.predict(x) as tf.Tensor;
  const out = Float32Array.from(await y.data());
  y.dispose();
  model.dispose();
  return out;
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-'));
  await writeLayersModel(tf, path.join(root, 'orig'), SHARD);
  server = await serve(root);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((ok) => server.close(ok));
  fs.rmSync(root, { recursive: true, force: true });
});

describe('layers model', () => {
  const variants = [
    { dir: 'u8', dtype: 'uint8', store: 'uint8', bytesPer: 1 },
    { dir: 'u16', dtype: 'uint16', store: 'uint16', bytesPer: 2 },
    { dir: 'f16', dtype: 'fp16', store: 'float16', bytesPer: 2 },
  ] as const;

  beforeAll(async () => {
    for (const v of variants) await quantizeTfjs(path.join(root, 'orig/model.json'), path.join(root, v.dir, 'model.json'), { dtype: v.dtype, minElements: 100 });
  });

  it('reads the manifest and shards as tfjs decodes them', async () => {
    const m = readTfjsModel(path.join(root, 'orig/model.json'));
    expect(m.groups).toHaveLength(1);
    expect(m.groups[0].paths).toEqual(['group1-shard1of3.bin', 'group1-shard2of3.bin', 'group1-shard3of3.bin']);
    expect(m.groups[0].shardSizes).toEqual([4096, 4096, 12072 - 8192]);
    expect(m.shardBytes).toBe(4096);
    expect(m.groups[0].weights.map((w) => [w.name, w.shape, w.byteOffset, w.byteLength])).toEqual([
      ['conv/kernel', [3, 3, 3, 16], 0, 1728],
      ['conv/bias', [16], 1728, 64],
      ['dense/kernel', [256, 10], 1792, 10240],
      ['dense/bias', [10], 12032, 40],
    ]);
    const model = await tf.loadLayersModel(`${base}/orig/model.json`);
    const theirs = model.getWeights().map((t) => t.dataSync() as Float32Array);
    m.groups[0].weights.forEach((w, i) => expect(w.data).toEqual(theirs[i]));
    model.dispose();
  });

  it('writes tfjs quantization entries, keeps the rest of model.json and the shard size', () => {
    const src = JSON.parse(fs.readFileSync(path.join(root, 'orig/model.json'), 'utf8'));
    for (const v of variants) {
      const out = readTfjsModel(path.join(root, v.dir, 'model.json'));
      const { weightsManifest: _a, ...restOut } = out.json;
      const { weightsManifest: _b, ...restIn } = src;
      expect(restOut).toEqual(restIn);
      const total = 432 * v.bytesPer + 64 + 2560 * v.bytesPer + 40;
      const sizes = out.groups[0].shardSizes;
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(total);
      expect(sizes.slice(0, -1).every((s) => s === SHARD)).toBe(true);
      expect(sizes.at(-1)!).toBeLessThanOrEqual(SHARD);
      expect(out.groups[0].paths).toEqual(sizes.map((_, i) => `group1-shard${i + 1}of${sizes.length}.bin`));
      const entries = out.groups[0].weights.map((w) => w.entry);
      expect(entries.map((e) => e.quantization?.dtype)).toEqual([v.store, undefined, v.store, undefined]);
      if (v.store !== 'float16') expect(Object.keys(entries[0].quantization!).sort()).toEqual(['dtype', 'min', 'scale']);
      const orig = readTfjsModel(path.join(root, 'orig/model.json'));
      for (const name of ['conv/bias', 'dense/bias']) expect(weight(out, name).raw).toEqual(weight(orig, name).raw);
    }
  });

  it('uint8 is the library quantize bit for bit, each error within scale/2', () => {
    const orig = readTfjsModel(path.join(root, 'orig/model.json'));
    const u8 = readTfjsModel(path.join(root, 'u8/model.json'));
    const u16 = readTfjsModel(path.join(root, 'u16/model.json'));
    for (const name of ['conv/kernel', 'dense/kernel']) {
      const x = weight(orig, name).data as Float32Array;
      expect(weight(u8, name).data).toEqual(dequantize(quantize(x, { dtype: 'uint8' })));
      for (const m of [u8, u16]) {
        const w = weight(m, name);
        const { scale, min } = w.quantization!;
        // min = −zeroPoint · scale: tfjs decodes q = zeroPoint to exactly 0.
        const zeroPoint = Math.round(-min! / scale!);
        expect(zeroPoint * scale! + min!).toBe(0);
        expect(maxAbsDiff(x, w.data)).toBeLessThanOrEqual(scale! / 2 + 1e-7);
      }
    }
  });

  it('reports rows and totals', async () => {
    const r = await quantizeTfjs(path.join(root, 'orig/model.json'), path.join(root, 'u8b/model.json'), { minElements: 100, histogramBins: 8 });
    expect(r.command).toBe('quantize');
    expect(r.format).toBe('tfjs');
    expect(r.tensors.map((t) => [t.name, t.action, t.dtypeBefore, t.dtypeAfter, t.bytesBefore, t.bytesAfter])).toEqual([
      ['conv/kernel', 'quantized', 'float32', 'uint8', 1728, 432 + 8],
      ['conv/bias', 'kept', 'float32', 'float32', 64, 64],
      ['dense/kernel', 'quantized', 'float32', 'uint8', 10240, 2560 + 8],
      ['dense/bias', 'kept', 'float32', 'float32', 40, 40],
    ]);
    expect(r.tensors[1].reason).toBe('fewer than 100 elements');
    expect(r.tensors[0].histogram!.original.counts).toHaveLength(8);
    expect(r.tensors[0].error!.sqnrDb).toBeGreaterThan(35);
    expect(r.totals).toMatchObject({ tensors: 4, changed: 2, bytesBefore: 12072, bytesAfter: 440 + 64 + 2568 + 40 });
    expect(r.totals.fileBytesBefore).toBe(12072 + fs.statSync(path.join(root, 'orig/model.json')).size);
    expect(r.totals.fileBytesAfter).toBe(432 + 64 + 2560 + 40 + fs.statSync(path.join(root, 'u8b/model.json')).size);
    expect(r.totals.minSqnrDb).toBe(Math.min(r.tensors[0].error!.sqnrDb, r.tensors[2].error!.sqnrDb));
  });

  it('loads in tfjs over HTTP unchanged, predictions within the derived bound', async () => {
    const orig = readTfjsModel(path.join(root, 'orig/model.json'));
    const [input] = generateTfjsInputs([[8, 6, 6, 3]], 7); // |x| ≤ 1
    const x = tf.tensor(input.data, input.shape);
    const ref = await predictOverHttp('orig', x);
    const K = weight(orig, 'conv/kernel').data as Float32Array; // [3,3,3,16]
    const B = weight(orig, 'conv/bias').data as Float32Array;
    const W = weight(orig, 'dense/kernel').data as Float32Array; // [256,10]
    // Bound: with e1, e2 the largest per-weight errors of the two kernels (≤ scale/2 for
    // uint8/uint16), |x| ≤ 1 and ReLU 1-Lipschitz: |Δh| ≤ 27·e1 per conv output (3·3·3
    // patch), |h| ≤ Σ|K_f| + |b_f| per filter f at each of the 4·4 positions, so
    // |Δy_j| ≤ e2·Σ_i(|h_i| + 27·e1) + 27·e1·Σ_i|W_ij|; plus 1e-5 for float32 rounding.
    let hSum = 0;
    for (let f = 0; f < 16; f++) hSum += 16 * (absSum(K, f, K.length, 16) + Math.abs(B[f]));
    let wCol = 0;
    for (let j = 0; j < 10; j++) wCol = Math.max(wCol, absSum(W, j, W.length, 10));
    const diffs: Record<string, number> = {};
    for (const dir of ['u8', 'u16', 'f16']) {
      const q = readTfjsModel(path.join(root, dir, 'model.json'));
      const e1 = maxAbsDiff(K, weight(q, 'conv/kernel').data);
      const e2 = maxAbsDiff(W, weight(q, 'dense/kernel').data);
      const bound = e2 * (hSum + 256 * 27 * e1) + 27 * e1 * wCol + 1e-5;
      const y = await predictOverHttp(dir, x);
      diffs[dir] = maxAbsDiff(ref, y);
      expect(diffs[dir]).toBeLessThanOrEqual(bound);
    }
    x.dispose();
    expect(diffs.u8).toBeGreaterThan(1e-4); // the quantization is real
    expect(diffs.u8).toBeLessThan(0.05);
    expect(diffs.u16).toBeLessThan(diffs.u8 / 50);
    expect(diffs.f16).toBeLessThan(diffs.u8 / 5);
  });

  it('runTfjsModel loads from disk and matches tfjs; quantized outputs stay close', async () => {
    const inputs = generateTfjsInputs([[2, 6, 6, 3]], 3);
    const [a] = await runTfjsModel(path.join(root, 'orig/model.json'), inputs);
    const x = tf.tensor(inputs[0].data, inputs[0].shape);
    expect(a.data).toEqual(await predictOverHttp('orig', x));
    x.dispose();
    expect(a.shape).toEqual([2, 10]);
    expect(a.name).toBe('dense');
    const [b] = await runTfjsModel(path.join(root, 'u8/model.json'), inputs);
    expect(maxAbsDiff(a.data, b.data)).toBeLessThan(0.05);
    // Generated inputs: batch dimension null → 1, deterministic.
    const [g1] = await runTfjsModel(path.join(root, 'orig/model.json'));
    const [g2] = await runTfjsModel(path.join(root, 'orig/model.json'));
    expect(g1.shape).toEqual([1, 10]);
    expect(g1.data).toEqual(g2.data);
  });

  it('inspects every weight', () => {
    const r = inspectTfjs(path.join(root, 'u8/model.json'));
    expect(r.command).toBe('inspect');
    expect(r.tensors.map((t) => [t.name, t.dtypeBefore, t.bytesBefore])).toEqual([
      ['conv/kernel', 'uint8 (quantized float32)', 432],
      ['conv/bias', 'float32', 64],
      ['dense/kernel', 'uint8 (quantized float32)', 2560],
      ['dense/bias', 'float32', 40],
    ]);
    expect(r.totals.bytesBefore).toBe(3096);
  });
});

describe('graph model', () => {
  it('tf.loadGraphModel loads the original and the quantized one; they agree within the bound', async () => {
    const next = rng(5);
    const fill = (n: number, s: number) => Float32Array.from({ length: n }, () => (next() * 2 - 1) * s);
    const v = { w1: fill(64 * 32, 0.2), b1: fill(32, 0.1), w2: fill(32 * 8, 0.3), b2: fill(8, 0.1) };
    const dir = path.join(root, 'graph');
    writeGraphModel(dir, v, 2048);
    const r = await quantizeTfjs(path.join(dir, 'model.json'), path.join(root, 'graph-q/model.json'), { minElements: 100 });
    expect(r.tensors.map((t) => t.action)).toEqual(['quantized', 'kept', 'quantized', 'kept']);
    const q = readTfjsModel(path.join(root, 'graph-q/model.json'));
    expect(q.groups[0].shardSizes).toEqual([2048, 2048 + 128 + 256 + 32 - 2048]);
    const [input] = generateTfjsInputs([[4, 64]], 9);
    const x = tf.tensor(input.data, input.shape);
    const outOf = async (d: string) => {
      const g = await tf.loadGraphModel(`${base}/${d}/model.json`);
      const y = g.execute(x) as tf.Tensor;
      const out = Float32Array.from(await y.data());
      y.dispose();
      g.dispose();
      return out;
    };
    const a = await outOf('graph');
    const b = await outOf('graph-q');
    x.dispose();
    // |x| ≤ 1: |Δh| ≤ 64·e1, |h_i| ≤ Σ_k|w1_ki| + |b1_i|, |Δy_j| ≤ e2·Σ_i(|h_i| + 64·e1) + 64·e1·Σ_i|w2_ij|.
    const e1 = maxAbsDiff(v.w1, weight(q, 'w1').data);
    const e2 = maxAbsDiff(v.w2, weight(q, 'w2').data);
    let hSum = 0;
    for (let i = 0; i < 32; i++) hSum += absSum(v.w1, i, v.w1.length, 32) + Math.abs(v.b1[i]);
    let wCol = 0;
    for (let j = 0; j < 8; j++) wCol = Math.max(wCol, absSum(v.w2, j, v.w2.length, 8));
    const diff = maxAbsDiff(a, b);
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThanOrEqual(e2 * (hSum + 32 * 64 * e1) + 64 * e1 * wCol + 1e-5);
    // Our runner takes the same graph from disk.
    const [ra] = await runTfjsModel(path.join(dir, 'model.json'), [input]);
    const [rb] = await runTfjsModel(path.join(root, 'graph-q/model.json'), [input]);
    expect(ra.data).toEqual(a);
    expect(rb.data).toEqual(b);
    expect(ra.shape).toEqual([4, 8]);
    // Generated inputs: x's -1 batch dimension becomes 1.
    const [gen] = await runTfjsModel(path.join(dir, 'model.json'));
    expect(gen.shape).toEqual([1, 8]);
    expect(gen.name).toBe('y');
  });
});

/** A manifest-only model with every dtype tfjs stores, in two groups. */
function mixedModel(dir: string): { file: string; groups: FixtureWeight[][] } {
  const next = rng(21);
  const big = Float32Array.from({ length: 48 * 40 }, (_, i) => (i % 7 === 0 ? 0 : next() * 4 - 1)); // exact zeros, range [-1, 3]
  const groups: FixtureWeight[][] = [
    [
      { name: 'big', shape: [48, 40], dtype: 'float32', bytes: bytesOf(big) },
      { name: 'ids', shape: [40, 40], dtype: 'int32', bytes: bytesOf(Int32Array.from({ length: 1600 }, (_, i) => i * 7 - 3000)) },
      { name: 'mask', shape: [3], dtype: 'bool', bytes: Uint8Array.of(1, 0, 1) },
      { name: 'words', shape: [2], dtype: 'string', bytes: encodeStrings(['héllo', '']) },
    ],
    [
      { name: 'cplx', shape: [2], dtype: 'complex64', bytes: bytesOf(Float32Array.of(1, -1, 0.5, 2)) },
      { name: 'preq', shape: [40, 30], dtype: 'float32', bytes: Uint8Array.from({ length: 1200 }, (_, i) => i % 256), quantization: { dtype: 'uint8', min: -1, scale: 0.01 } },
      { name: 'big2', shape: [32, 40], dtype: 'float32', bytes: bytesOf(Float32Array.from({ length: 1280 }, () => next() - 0.5)) },
    ],
  ];
  return { file: writeManifestModel(dir, groups, 1000, { userDefinedMetadata: { k: 'v' } }), groups };
}

describe('weights of every dtype', () => {
  it('decodes each dtype', () => {
    const { file } = mixedModel(path.join(root, 'mixed'));
    const m = readTfjsModel(file);
    expect(weight(m, 'ids').data).toBeInstanceOf(Int32Array);
    expect(weight(m, 'ids').data[1]).toBe(-2993);
    expect(Array.from(weight(m, 'mask').data)).toEqual([1, 0, 1]);
    expect(weight(m, 'words').strings!.map((s) => new TextDecoder().decode(s))).toEqual(['héllo', '']);
    expect(Array.from(weight(m, 'cplx').data)).toEqual([1, -1, 0.5, 2]);
    const preq = weight(m, 'preq').data as Float32Array;
    expect(preq[0]).toBe(Math.fround(-1));
    expect(preq[200]).toBe(Math.fround(200 * 0.01 - 1));
    expect(m.shardBytes).toBe(1000);
  });

  it('quantizes only float32 weights; the others keep their bytes', async () => {
    const { file } = mixedModel(path.join(root, 'mixed2'));
    const out = path.join(root, 'mixed2-q/model.json');
    const r = await quantizeTfjs(file, out, {});
    expect(r.tensors.map((t) => [t.name, t.action, t.reason])).toEqual([
      ['big', 'quantized', undefined],
      ['ids', 'kept', 'int32 weights stay as they are'],
      ['mask', 'kept', 'bool weights stay as they are'],
      ['words', 'kept', 'string weights stay as they are'],
      ['cplx', 'kept', 'complex64 weights stay as they are'],
      ['preq', 'kept', 'already quantized (uint8)'],
      ['big2', 'quantized', undefined],
    ]);
    const a = readTfjsModel(file);
    const b = readTfjsModel(out);
    for (const name of ['ids', 'mask', 'words', 'cplx', 'preq']) {
      expect(weight(b, name).raw).toEqual(weight(a, name).raw);
      expect(weight(b, name).entry).toEqual(weight(a, name).entry);
    }
    expect(b.json.userDefinedMetadata).toEqual({ k: 'v' });
    expect(b.groups.map((g) => g.shardSizes)).toEqual([
      // group 0: 1920 (big, uint8) + 6400 (ids) + 3 (mask) + 14 (words: 4 + 6 + 4 + 0) = 8337
      [...Array(8).fill(1000), 337],
      // group 1: 16 (cplx) + 1200 (preq) + 1280 (big2, uint8) = 2496
      [1000, 1000, 496],
    ]);
  });

  it('keeps exact zeros exact (uint8, uint16, symmetric too)', async () => {
    const { file } = mixedModel(path.join(root, 'zeros'));
    const x = weight(readTfjsModel(file), 'big').data as Float32Array;
    for (const [i, options] of ([{ dtype: 'uint8' }, { dtype: 'uint16' }, { dtype: 'uint8', symmetric: true }, { dtype: 'uint16', symmetric: true }] as const).entries()) {
      const out = path.join(root, `zeros-${i}/model.json`);
      await quantizeTfjs(file, out, options);
      const w = weight(readTfjsModel(out), 'big');
      let zeros = 0;
      for (let k = 0; k < x.length; k++) {
        if (x[k] === 0) {
          expect(w.data[k]).toBe(0);
          zeros++;
        }
      }
      expect(zeros).toBe(275);
      expect(maxAbsDiff(x, w.data)).toBeLessThanOrEqual(w.quantization!.scale! / 2 + 1e-7);
    }
  });

  it('read → write without quantization → read gives the same manifest and bytes', async () => {
    const { file } = mixedModel(path.join(root, 'same'));
    const out = path.join(root, 'same-out/model.json');
    const r = await quantizeTfjs(file, out, { minElements: 1e9 });
    expect(r.totals.changed).toBe(0);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(JSON.parse(fs.readFileSync(file, 'utf8')));
    const a = readTfjsModel(file);
    for (const [g, group] of a.groups.entries()) {
      for (const p of group.paths) expect(fs.readFileSync(path.join(root, 'same-out', p))).toEqual(fs.readFileSync(path.join(root, 'same', p)));
      expect(readTfjsModel(out).groups[g].paths).toEqual(group.paths);
    }
  });
});

describe('output paths and options', () => {
  it('refuses to overwrite the input unless inPlace; in place replaces it', async () => {
    const { file } = mixedModel(path.join(root, 'inplace'));
    await expect(quantizeTfjs(file, file, {})).rejects.toMatchObject({ code: 'ERR_MODELPRESS_INVALID_VALUE' });
    // Input shards: 7680 + 6400 + 3 + 14 = 14097 and 16 + 1200 + 5120 = 6336 bytes.
    const before = fs.statSync(file).size + 14097 + 6336;
    const r = await quantizeTfjs(file, file, { inPlace: true });
    expect(r.totals.fileBytesBefore).toBe(before);
    const m = readTfjsModel(file);
    expect(weight(m, 'big').quantization?.dtype).toBe('uint8');
    expect(m.groups.map((g) => g.paths.length)).toEqual([9, 3]);
    // The old shards (group1-shard1of15.bin …) are gone: only the new files remain.
    expect(fs.readdirSync(path.join(root, 'inplace')).sort()).toEqual(['model.json', ...m.groups.flatMap((g) => g.paths)].sort());
  });

  it('beside the input, the new shards get their own names and the input stays whole', async () => {
    const { file } = mixedModel(path.join(root, 'beside'));
    const before = fs.readdirSync(path.join(root, 'beside')).map((f) => [f, fs.readFileSync(path.join(root, 'beside', f))]);
    await quantizeTfjs(file, path.join(root, 'beside/model-q.json'), { dtype: 'fp16' });
    for (const [f, bytes] of before) expect(fs.readFileSync(path.join(root, 'beside', f as string))).toEqual(bytes);
    const q = readTfjsModel(path.join(root, 'beside/model-q.json'));
    expect(q.groups[1].paths[0]).toBe('model-q.group2-shard1of4.bin'); // 16 + 1200 + 2560 bytes
    expect(weight(q, 'big2').quantization).toEqual({ dtype: 'float16' });
  });

  it('rejects options tfjs cannot store', async () => {
    const file = path.join(root, 'orig/model.json');
    const out = path.join(root, 'never/model.json');
    for (const options of [{ dtype: 'int8' }, { dtype: 'int4' }, { perChannel: true }, { blockSize: 32 }, { opTypes: ['MatMul'] }, { histogramBins: -1 }] as const) {
      await expect(quantizeTfjs(file, out, options as object)).rejects.toMatchObject({ code: 'ERR_MODELPRESS_INVALID_VALUE' });
    }
    expect(fs.existsSync(path.join(root, 'never'))).toBe(false);
  });

  it('reports progress in bytes', async () => {
    const calls: [number, number, string][] = [];
    await quantizeTfjs(path.join(root, 'orig/model.json'), path.join(root, 'prog/model.json'), { onProgress: (d, t, n) => calls.push([d, t, n]) });
    expect(calls).toEqual([
      [1728, 12072, 'conv/kernel'],
      [1792, 12072, 'conv/bias'],
      [12032, 12072, 'dense/kernel'],
      [12072, 12072, 'dense/bias'],
    ]);
  });
});

describe('malformed models', () => {
  let n = 0;
  /** A valid two-shard model to break: w [10, 10] float32 (400 bytes), shards of 256. */
  function fresh(): { dir: string; file: string; json: Record<string, any> } {
    const dir = path.join(root, `bad-${n++}`);
    const w = Float32Array.from({ length: 100 }, (_, i) => i / 10);
    const file = writeManifestModel(dir, [[{ name: 'w', shape: [10, 10], dtype: 'float32', bytes: bytesOf(w) }]], 256);
    return { dir, file, json: JSON.parse(fs.readFileSync(file, 'utf8')) };
  }
  function expectBad(file: string, pattern: RegExp): void {
    let error: any;
    try {
      readTfjsModel(file);
    } catch (e) {
      error = e;
    }
    expect(error?.code, String(error)).toBe('ERR_MODELPRESS_BAD_FILE');
    expect(error.message).toContain(file);
    expect(error.message).toMatch(pattern);
  }
  const group = (json: Record<string, any>) => json.weightsManifest[0];
  const entry = (json: Record<string, any>) => group(json).weights[0];

  const jsonCases: [string, (json: Record<string, any>) => unknown, RegExp][] = [
    ['no weightsManifest', (j) => delete j.weightsManifest, /weightsManifest must be an array, got undefined/],
    ['weightsManifest not an array', (j) => (j.weightsManifest = { paths: [] }), /weightsManifest must be an array/],
    ['group not an object', (j) => (j.weightsManifest = [7]), /weightsManifest\[0\] must be an object, got 7/],
    ['paths not an array', (j) => (group(j).paths = 'group1-shard1of2.bin'), /paths must be an array/],
    ['path with ..', (j) => (group(j).paths[0] = '../outside.bin'), /points outside the model's directory/],
    ['nested path with ..', (j) => (group(j).paths[0] = 'a/../../outside.bin'), /points outside the model's directory/],
    ['absolute path', (j) => (group(j).paths[0] = path.join(root, 'orig/group1-shard1of3.bin')), /points outside the model's directory/],
    ['empty path', (j) => (group(j).paths[0] = ''), /must be a non-empty string/],
    ['missing shard', (j) => (group(j).paths[1] = 'group1-shard9of9.bin'), /shard "group1-shard9of9.bin" of group 0 is missing/],
    ['shape not an array', (j) => (entry(j).shape = 100), /shape must be an array, got 100/],
    ['negative dimension', (j) => (entry(j).shape = [-1, 10]), /shape must hold integers ≥ 0/],
    ['fractional dimension', (j) => (entry(j).shape = [2.5, 40]), /shape must hold integers ≥ 0/],
    ['huge dimensions', (j) => (entry(j).shape = [2 ** 40, 2 ** 40]), /too many elements/],
    ['unknown dtype', (j) => (entry(j).dtype = 'float64'), /dtype "float64", expected float32, int32, bool, string or complex64/],
    ['unknown quantization dtype', (j) => (entry(j).quantization = { dtype: 'int8', min: 0, scale: 1 }), /quantization.dtype must be 'uint8', 'uint16' or 'float16', got "int8"/],
    ['quantization without scale', (j) => (entry(j).quantization = { dtype: 'uint8', min: 0 }), /quantization.scale must be a finite number/],
    ['float16 on int32', (j) => Object.assign(entry(j), { dtype: 'int32', quantization: { dtype: 'float16' } }), /float16-quantized but its dtype is int32/],
    ['too many bytes claimed', (j) => (entry(j).shape = [32, 32]), /group 0 needs 4096 bytes, its shards hold 400/],
    ['too few bytes claimed', (j) => (entry(j).shape = [5, 10]), /group 0 needs 200 bytes, its shards hold 400/],
    ['duplicate names', (j) => group(j).weights.push({ name: 'w', shape: [0], dtype: 'float32' }), /weight name "w" appears more than once/],
    ['name not a string', (j) => (entry(j).name = 3), /name must be a string/],
  ];
  for (const [name, mutate, pattern] of jsonCases) {
    it(name, () => {
      const { file, json } = fresh();
      mutate(json);
      fs.writeFileSync(file, JSON.stringify(json));
      expectBad(file, pattern);
    });
  }

  it('not JSON, not an object, missing file', () => {
    const { file } = fresh();
    fs.writeFileSync(file, '{"weightsManifest": [');
    expectBad(file, /model.json is not JSON/);
    fs.writeFileSync(file, '[1, 2]');
    expectBad(file, /must hold an object, got an array/);
    fs.writeFileSync(file, 'null');
    expectBad(file, /must hold an object, got null/);
    expectBad(path.join(root, 'nowhere/model.json'), /cannot be read \(ENOENT\)/);
  });

  it('truncated shard', () => {
    const { dir, file } = fresh();
    fs.truncateSync(path.join(dir, 'group1-shard2of2.bin'), 100);
    expectBad(file, /group 0 needs 400 bytes, its shards hold 356/);
  });

  it('string tensors with lengths past the end', () => {
    const dir = path.join(root, 'bad-strings');
    const ok = encodeStrings(['ab', 'cde']);
    const file = writeManifestModel(dir, [[{ name: 's', shape: [2], dtype: 'string', bytes: ok }]], 1000);
    expect(readTfjsModel(file).groups[0].weights[0].strings!.map((s) => s.length)).toEqual([2, 3]);
    const lying = ok.slice();
    new DataView(lying.buffer).setUint32(6, 0xfffffff0, true); // second length: 4 GiB
    fs.writeFileSync(path.join(dir, 'group1-shard1of1.bin'), lying);
    expectBad(file, /element 1 claims 4294967280 bytes at offset 10, past the end of group 0's 13 bytes/);
    fs.writeFileSync(path.join(dir, 'group1-shard1of1.bin'), ok.subarray(0, 8));
    expectBad(file, /element 1's length runs past the end of group 0's 8 bytes/);
    fs.writeFileSync(path.join(dir, 'group1-shard1of1.bin'), Uint8Array.of(...ok, 9, 9));
    expectBad(file, /group 0 needs 13 bytes, its shards hold 15/);
  });

  it('~100 random corruptions of model.json: each reads or throws ERR_MODELPRESS_BAD_FILE', () => {
    const { file } = fresh();
    const text = fs.readFileSync(file, 'utf8');
    const next = rng(99);
    const pick = (k: number) => Math.floor(next() * k);
    const junk = ['"', '{', '}', '[', ']', ',', ':', '-', '0', '9', '1e300', 'null', '..', '/', 'x', ' '];
    let readable = 0;
    for (let i = 0; i < 100; i++) {
      let t = text;
      for (let edits = 1 + pick(3); edits > 0; edits--) {
        const at = pick(t.length);
        const op = pick(3);
        if (op === 0) t = t.slice(0, at) + t.slice(at + 1 + pick(8));
        else if (op === 1) t = t.slice(0, at) + junk[pick(junk.length)] + t.slice(at);
        else t = t.slice(0, at) + junk[pick(junk.length)] + t.slice(at + 1);
      }
      fs.writeFileSync(file, t);
      try {
        readTfjsModel(file);
        readable++;
      } catch (e) {
        expect((e as { code?: string }).code, `${String(e)}\n${t}`).toBe('ERR_MODELPRESS_BAD_FILE');
      }
    }
    expect(readable).toBeLessThan(60);
  });
});
