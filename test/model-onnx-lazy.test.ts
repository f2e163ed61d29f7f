/**
 * Large initializers (raw_data of 64 KiB or more) are left in the file by readOnnx
 * and streamed by writeOnnx: byte-identical round trips, quantizing in place, and
 * corrupt or changed files reported as bad files.
 */
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DataType,
  ModelProto,
  decodeOnnx,
  encodeOnnx,
  makeTensor,
  quantizeOnnx,
  readOnnx,
  runOnnxModel,
  tensorDataBytes,
  tensorToFloat32,
  writeOnnx,
  type OnnxModelProto,
  type OnnxTensor,
} from '../dist/index.js';
import { rng } from './helpers.js';
import { floatTensor, graph, int64Tensor, makeNode, model, saveModel, tempDir, valueInfo } from './onnx-build.js';

const F = DataType.FLOAT;

function randomTensor(name: string, dims: number[], seed: number): OnnxTensor {
  const next = rng(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return floatTensor(name, dims, Float32Array.from({ length: n }, () => next() * 2 - 1));
}

/** ids → Gather(E [200, 128]) → MatMul(W1 [128, 160]) → MatMul(W2 [160, 120]) → y; E, W1, W2 are over 64 KiB. */
function bigModel(): OnnxModelProto {
  const w1 = randomTensor('W1', [128, 160], 2);
  w1.docString = 'after raw_data'; // a field written after raw_data
  const g = graph({
    nodes: [
      makeNode('Gather', ['E', 'ids'], ['e'], { name: 'gather' }),
      makeNode('MatMul', ['e', 'W1'], ['h'], { name: 'mm1' }),
      makeNode('MatMul', ['h', 'W2'], ['y'], { name: 'mm2' }),
    ],
    initializers: [randomTensor('E', [200, 128], 1), int64Tensor('small', [2], [3, 4]), w1, randomTensor('W2', [160, 120], 3)],
    inputs: [valueInfo('ids', DataType.INT64, [1])],
    outputs: [valueInfo('y', F, [1, 120])],
  });
  return model(g, { docString: 'lazy test' });
}

function isLazyNow(t: OnnxTensor): boolean {
  return typeof Object.getOwnPropertyDescriptor(t, 'rawData')?.get === 'function';
}

function expectBadFile(fn: () => unknown, pattern?: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect((e as { code?: string }).code, String(e)).toBe('ERR_MODELPRESS_BAD_FILE');
    if (pattern) expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a bad-file error');
}

/** Offset of the raw_data payload of `length` bytes (after its tag 0x4a and length varint). */
function payloadOffset(bytes: Uint8Array, length: number): number {
  const head = [0x4a];
  for (let n = length; ; n = Math.floor(n / 128)) {
    if (n < 128) {
      head.push(n);
      break;
    }
    head.push((n % 128) | 128);
  }
  const at = Buffer.from(bytes).indexOf(Buffer.from(head));
  expect(at).toBeGreaterThan(0);
  return at + head.length;
}

describe('lazy raw_data', () => {
  it('round-trips a model with large initializers byte for byte, reading their data only on demand', () => {
    const dir = tempDir();
    const proto = bigModel();
    const path = join(dir, 'm.onnx');
    writeOnnx(path, proto);
    const reference = Buffer.from(ModelProto.encode(proto as never).finish());
    expect(readFileSync(path).equals(reference)).toBe(true);

    const read = readOnnx(path).proto;
    const [e, small, w1, w2] = read.graph!.initializer;
    expect([e, w1, w2].map(isLazyNow)).toEqual([true, true, true]);
    expect(isLazyNow(small)).toBe(false);
    expect(tensorDataBytes(w1)).toBe(128 * 160 * 4);
    expect(w1.docString).toBe('after raw_data');
    expect(Buffer.from(encodeOnnx(read)).equals(reference)).toBe(true);
    const copy = join(dir, 'copy.onnx');
    writeOnnx(copy, read);
    expect(readFileSync(copy).equals(reference)).toBe(true);

    // Values read on demand and not kept; reading rawData loads and keeps them.
    expect(Array.from(tensorToFloat32(w2)!.subarray(0, 5))).toEqual(Array.from(tensorToFloat32(proto.graph!.initializer[3])!.subarray(0, 5)));
    expect(isLazyNow(w2)).toBe(true);
    expect(Buffer.from(e.rawData!).equals(Buffer.from(proto.graph!.initializer[0].rawData!))).toBe(true);
    expect(isLazyNow(e)).toBe(false);
    // protobufjs's own encoder sees the same bytes (through the getters).
    expect(Buffer.from(ModelProto.encode(read as never).finish()).equals(reference)).toBe(true);
    // A replaced raw_data is written as replaced.
    w1.rawData = new Uint8Array(128 * 160 * 4);
    expect(tensorToFloat32(readOnnx(saveModel(dir, 'zero.onnx', read)).proto.graph!.initializer[2])!.every((v) => v === 0)).toBe(true);
  });

  it('keeps reading from the original file after it is replaced in place', () => {
    const dir = tempDir();
    const path = join(dir, 'm.onnx');
    writeOnnx(path, bigModel());
    const before = readFileSync(path);
    const { proto } = readOnnx(path);
    const w2 = proto.graph!.initializer[3];
    const values = tensorToFloat32(w2)!;
    proto.graph!.initializer.splice(0, 1); // E goes: every later payload moves in the new file
    writeOnnx(path, proto);
    expect(readFileSync(path).length).toBeLessThan(before.length - 200 * 128 * 4);
    expect(tensorToFloat32(w2)).toEqual(values);
    expect(tensorToFloat32(readOnnx(path).proto.graph!.initializer[2])).toEqual(values);
  });

  it('quantizes a large model in place; the untouched large tensor is copied from the file being replaced', async () => {
    const dir = tempDir();
    const path = join(dir, 'm.onnx');
    const proto = bigModel();
    writeOnnx(path, proto);
    const inputs = { ids: { data: BigInt64Array.from([7n]), shape: [1] } };
    const [before] = await runOnnxModel(path, inputs);
    const report = await quantizeOnnx(path, path, { inPlace: true, excludeOpTypes: ['Gather'] });
    expect(report.tensors.filter((t) => t.action === 'quantized').map((t) => t.name)).toEqual(['W1', 'W2']);
    const out = readOnnx(path).proto;
    const byName = new Map(out.graph!.initializer.map((t) => [t.name, t]));
    expect(Buffer.from(byName.get('E')!.rawData!).equals(Buffer.from(proto.graph!.initializer[0].rawData!))).toBe(true);
    expect(byName.get('W1_quantized')!.dataType).toBe(DataType.INT8);
    expect(byName.has('W1')).toBe(false);
    const [after] = await runOnnxModel(path, inputs);
    expect(relativeError(after.data, before.data)).toBeLessThan(0.02);
  });

  it('leaves large external data in its file, writes it back unchanged, and quantizes it in place', async () => {
    const dir = tempDir();
    const path = join(dir, 'm.onnx');
    const external = { externalData: { location: 'm.onnx.data', threshold: 1024 } };
    writeOnnx(path, bigModel(), external);
    const files = [readFileSync(path), readFileSync(join(dir, 'm.onnx.data'))];
    const { proto } = readOnnx(path);
    const [e, , w1] = proto.graph!.initializer;
    expect([isLazyNow(e), isLazyNow(w1), w1.dataLocation ?? 0, w1.externalData.length]).toEqual([true, true, 0, 0]);
    const other = tempDir();
    writeOnnx(join(other, 'm.onnx'), proto, external);
    expect(readFileSync(join(other, 'm.onnx')).equals(files[0])).toBe(true);
    expect(readFileSync(join(other, 'm.onnx.data')).equals(files[1])).toBe(true);
    expect([isLazyNow(w1), tensorDataBytes(w1)]).toEqual([true, 128 * 160 * 4]); // the proto is as it was

    // In place: m.onnx.data is rewritten while E is copied from the old one.
    const inputs = { ids: { data: BigInt64Array.from([3n]), shape: [1] } };
    const [before] = await runOnnxModel(path, inputs);
    await quantizeOnnx(path, path, { inPlace: true, excludeOpTypes: ['Gather'] });
    const out = readOnnx(path);
    expect(out.externalFiles).toEqual([join(dir, 'm.onnx.data')]);
    const outE = out.proto.graph!.initializer.find((t) => t.name === 'E')!;
    expect(tensorToFloat32(outE)).toEqual(tensorToFloat32(bigModel().graph!.initializer[0]));
    const [after] = await runOnnxModel(path, inputs);
    expect(relativeError(after.data, before.data)).toBeLessThan(0.02);
  });

  it('rejects payload lengths and offsets that do not fit, as bad files', () => {
    const dir = tempDir();
    const path = join(dir, 'm.onnx');
    writeOnnx(path, bigModel());
    const good = readFileSync(path);
    const at = payloadOffset(good, 128 * 160 * 4); // W1's payload; its length varint is the 3 bytes before
    const longer = Uint8Array.from(good);
    longer[at - 1] += 1; // 16384 more bytes than the tensor holds
    expectBadFile(() => readOnnx(saveBytes(dir, 'longer.onnx', longer)), /protobuf decoding failed/);
    const shorter = Uint8Array.from(good);
    shorter[at - 1] -= 1; // the rest of the payload is read as fields
    expectBadFile(() => readOnnx(saveBytes(dir, 'shorter.onnx', shorter)));
    expectBadFile(() => readOnnx(saveBytes(dir, 'cut.onnx', good.subarray(0, at + 1000))), /protobuf decoding failed/);

    // Well-framed payloads whose length disagrees with the dims: the same error as a whole-file decode.
    const mismatch = model(graph({ initializers: [makeTensor('W', F, [10], new Uint8Array(80 * 1024))] }));
    const mpath = saveModel(dir, 'mismatch.onnx', mismatch);
    expectBadFile(() => readOnnx(mpath), /tensor "W".*raw_data has 81920 bytes but dims \[10\] of float32 need 40/);
    let whole = '';
    try {
      decodeOnnx(readFileSync(mpath), mpath);
    } catch (e) {
      whole = (e as Error).message;
    }
    expectBadFile(() => readOnnx(mpath), new RegExp(`^${whole.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });

  it('reports a file truncated after reading when the data is needed', () => {
    const dir = tempDir();
    const path = join(dir, 'm.onnx');
    writeOnnx(path, bigModel());
    const { proto } = readOnnx(path);
    truncateSync(path, 1000);
    expectBadFile(() => tensorToFloat32(proto.graph!.initializer[3]), /the file ended at byte/);
    expectBadFile(() => encodeOnnx(proto), /the file ended at byte/);
  });

  it('reads 150 corruptions of its structure exactly as a whole-file decode does', () => {
    const dir = tempDir();
    const path = join(dir, 'm.onnx');
    writeOnnx(path, bigModel());
    const good = readFileSync(path);
    // Corrupt only bytes outside the three large payloads (the structure around them).
    const payloads = [200 * 128 * 4, 128 * 160 * 4, 160 * 120 * 4].map((n) => [payloadOffset(good, n), n]);
    const structural = [...good.keys()].filter((i) => !payloads.some(([at, n]) => i >= at && i < at + n));
    const random = rng(23);
    let rejected = 0;
    let lazyReads = 0;
    for (let k = 0; k < 150; k++) {
      const bytes = Uint8Array.from(good);
      for (let e = 1 + Math.floor(random() * 3); e > 0; e--) {
        const at = structural[Math.floor(random() * structural.length)];
        bytes[at] = random() < 0.5 ? Math.floor(random() * 256) : bytes[at] ^ (1 << Math.floor(random() * 8));
      }
      const fuzzed = saveBytes(dir, 'fuzzed.onnx', bytes);
      let expected: string;
      try {
        expected = Buffer.from(encodeOnnx(decodeOnnx(bytes, fuzzed))).toString('base64');
      } catch (e) {
        expected = (e as Error).message;
      }
      let got: string;
      try {
        const { proto } = readOnnx(fuzzed);
        if (proto.graph?.initializer.some(isLazyNow)) lazyReads++;
        for (const t of proto.graph?.initializer ?? []) tensorToFloat32(t);
        got = Buffer.from(encodeOnnx(proto)).toString('base64');
      } catch (e) {
        expect((e as { code?: string }).code, String(e)).toBe('ERR_MODELPRESS_BAD_FILE');
        got = (e as Error).message;
        rejected++;
      }
      expect(got).toBe(expected);
    }
    expect(rejected).toBeGreaterThan(20);
    expect(lazyReads).toBeGreaterThan(20);
  });
});

/** ‖a − b‖ / ‖b‖ (b must not be near zero). */
function relativeError(a: Float32Array, b: Float32Array): number {
  let err = 0;
  let norm = 0;
  for (let i = 0; i < b.length; i++) {
    err += (a[i] - b[i]) ** 2;
    norm += b[i] ** 2;
  }
  expect(norm).toBeGreaterThan(1);
  return Math.sqrt(err / norm);
}

function saveBytes(dir: string, name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}
