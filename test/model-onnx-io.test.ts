import { readFileSync, statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import {
  DataType,
  GraphProto,
  ModelProto,
  OperatorSetIdProto,
  TensorProto,
  decodeOnnx,
  encodeOnnx,
  findWeights,
  generateOnnxInputs,
  inspectOnnx,
  readOnnx,
  runOnnxModel,
  tensorToFloat32,
  toInt,
  writeOnnx,
  type OnnxModelProto,
  type OnnxTensor,
} from '../dist/index.js';
import { rng } from './helpers.js';
import {
  constantNode,
  floatTensor,
  graph,
  ifNode,
  int64Tensor,
  intAttr,
  intsAttr,
  makeAttribute,
  makeNode,
  model,
  onnxFunction,
  saveModel,
  tempDir,
  valueInfo,
} from './onnx-build.js';

const Long = protobuf.util.Long as unknown as { fromString(s: string, unsigned?: boolean): protobuf.Long };
const F = DataType.FLOAT;

/** Decoded messages as plain data (Longs as strings, bytes as base64), to compare them deeply. */
const plain = (p: OnnxModelProto) => ModelProto.toObject(p as never, { longs: String, bytes: String, enums: Number });

function expectBadFile(fn: () => unknown, pattern?: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected a bad-file error').toBeInstanceOf(Error);
  expect((error as { code?: string }).code).toBe('ERR_MODELPRESS_BAD_FILE');
  if (pattern) expect((error as Error).message).toMatch(pattern);
}

/** A model with subgraphs, int64 constants beyond 2^53, metadata, a function and doc strings. */
function richModel(): OnnxModelProto {
  const big = TensorProto.create({ name: 'big', dataType: DataType.INT64, dims: [2], int64Data: [Long.fromString('9007199254740993'), Long.fromString('-4611686018427387905')] });
  const thenBranch = graph({
    name: 'then',
    nodes: [constantNode('c_then', floatTensor('c_then', [2], [5, 6])), makeNode('Add', ['W', 'c_then'], ['y_then'])],
    outputs: [valueInfo('y_then', F, [2])],
    docString: 'the then branch',
  });
  const elseBranch = graph({ name: 'else', nodes: [makeNode('Identity', ['W'], ['y_else'])], outputs: [valueInfo('y_else', F, [2])] });
  const g = graph({
    name: 'main',
    inputs: [valueInfo('cond', DataType.BOOL, []), valueInfo('x', F, ['batch', 2])],
    outputs: [valueInfo('y', F, [2]), valueInfo('z', F, ['batch', 2])],
    initializers: [floatTensor('W', [2], [1.5, -2.25]), big],
    nodes: [
      ifNode('cond', ['y'], thenBranch, elseBranch),
      makeNode('Mul', ['x', 'W'], ['z'], { name: 'mul', attributes: [intAttr('big_int', 2 ** 40), intsAttr('axes', [0, -1]), makeAttribute('label', 'héllo')] }),
      constantNode('k', big, 'big_const'),
    ],
    docString: 'main graph',
  });
  return model(g, {
    docString: 'a model',
    metadata: { author: 'tests', purpose: 'round trip' },
    functions: [onnxFunction('Double', 'local', ['a'], ['b'], [makeNode('Add', ['a', 'a'], ['b'])])],
    extraOpsets: [{ domain: 'local', version: 1 }],
  });
}

describe('ONNX read and write', () => {
  it('round-trips a model byte for byte, keeping int64 precision and unknown fields', () => {
    const dir = tempDir();
    // An unknown top-level field (number 99, varint 7) must survive too.
    const bytes = new Uint8Array([...encodeOnnx(richModel()), 0x98, 0x06, 0x07]);
    const path = join(dir, 'rich.onnx');
    writeFileSync(path, bytes);
    const first = readOnnx(path);
    expect(first.externalFiles).toEqual([]);
    expect(Buffer.from(encodeOnnx(first.proto)).equals(Buffer.from(bytes))).toBe(true);
    const out = join(dir, 'copy.onnx');
    expect(writeOnnx(out, first.proto)).toEqual([out]);
    expect(readFileSync(out).equals(Buffer.from(bytes))).toBe(true);
    const second = readOnnx(out);
    expect(plain(second.proto)).toEqual(plain(first.proto));
    const big = second.proto.graph!.initializer[1];
    expect(big.int64Data.map(String)).toEqual(['9007199254740993', '-4611686018427387905']);
    expect(() => toInt(big.int64Data[0])).toThrow(RangeError);
    expect(toInt(second.proto.graph!.node[1].attribute[0].i!)).toBe(2 ** 40);
    expect(second.proto.graph!.node[1].attribute[1].ints.map((v) => toInt(v))).toEqual([0, -1]);
    expect(second.proto.metadataProps.map((e) => [e.key, e.value])).toEqual([['author', 'tests'], ['purpose', 'round trip']]);
    expect(second.proto.functions[0].name).toBe('Double');
    expect(second.proto.graph!.node[0].attribute[0].g!.docString).toBe('the then branch');
    expect(Array.from(tensorToFloat32(second.proto.graph!.initializer[0])!)).toEqual([1.5, -2.25]);
  });

  it('encodes initializers chunk-wise to exactly the bytes protobufjs gives, unknown graph fields included', () => {
    const g = richModel().graph!;
    g.initializer.push(floatTensor('later', [3, 5]));
    // A graph with an unknown field (99) after its known ones, inside a model with ir_version 8 and opsets after it.
    const graphBytes = new Uint8Array([...GraphProto.encode(g as never).finish(), 0x98, 0x06, 0x2a]);
    const lengthVarint = [(graphBytes.length & 127) | 128, graphBytes.length >> 7];
    const opset = OperatorSetIdProto.encode(OperatorSetIdProto.create({ domain: '', version: 17 })).finish();
    const bytes = new Uint8Array([0x08, 0x08, 0x3a, ...lengthVarint, ...graphBytes, 0x42, opset.length, ...opset]);
    const proto = decodeOnnx(bytes, 'm.onnx');
    const reference = ModelProto.encode(proto as never).finish();
    expect(Buffer.from(encodeOnnx(proto)).equals(Buffer.from(reference))).toBe(true);
    expect(Buffer.from(encodeOnnx(proto)).equals(Buffer.from(bytes))).toBe(true);
    expect(proto.graph!.initializer.map((t) => t.name)).toEqual(['W', 'big', 'later']); // restored after encoding
  });

  it('encodes like onnx: repeated int64 dims unpacked, float_data packed', () => {
    const t = TensorProto.create({ dims: [2, 3], dataType: F, floatData: [1, 2, 3, 4, 5, 6] });
    const hex = Buffer.from(TensorProto.encode(t).finish()).toString('hex');
    // dims: two separate varint fields (08 02, 08 03); float_data: one length-delimited field (22 18 …).
    expect(hex.startsWith('08020803100122180000803f')).toBe(true);
  });

  it('reads raw_data as views of the file buffer (no copy)', () => {
    const dir = tempDir();
    const g = graph({ initializers: [floatTensor('a', [64, 64]), floatTensor('b', [64, 64])], outputs: [valueInfo('a', F, [64, 64])] });
    const path = saveModel(dir, 'm.onnx', model(g));
    const { proto } = readOnnx(path);
    const [a, b] = proto.graph!.initializer;
    expect(a.rawData!.buffer).toBe(b.rawData!.buffer);
    expect(a.rawData!.buffer.byteLength).toBeGreaterThanOrEqual(statSync(path).size);
    expect(tensorToFloat32(b)![4095]).toBe(4095);
  });

  it('refuses to write more than 2 GB of tensors into one protobuf', () => {
    const huge = TensorProto.create({ name: 'huge', dataType: F, dims: [600_000_000] }) as unknown as OnnxTensor;
    const proto = model(graph({ initializers: [huge] }));
    expect(() => writeOnnx(join(tempDir(), 'x.onnx'), proto)).toThrow(/externalData/);
  });
});

describe('ONNX external data', () => {
  function externalModel() {
    const w1 = floatTensor('w1', [4, 512]);
    const w2 = floatTensor('w2', [3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const w3 = floatTensor('w3', [512, 2], Array.from({ length: 1024 }, (_, i) => (i % 7) - 3));
    const g = graph({
      inputs: [valueInfo('x', F, [1, 4])],
      outputs: [valueInfo('y', F, [1, 2])],
      initializers: [w1, w2, w3],
      nodes: [makeNode('MatMul', ['x', 'w1'], ['h']), makeNode('MatMul', ['h', 'w3'], ['y'])],
    });
    return model(g);
  }

  it('writes large initializers to one aligned data file that reads back and runs', async () => {
    const dir = tempDir();
    const proto = externalModel();
    const before = Buffer.from(encodeOnnx(proto));
    const path = join(dir, 'ext.onnx');
    const files = writeOnnx(path, proto, { externalData: { location: 'ext.onnx.data' } });
    expect(files).toEqual([path, join(dir, 'ext.onnx.data')]);
    expect(Buffer.from(encodeOnnx(proto)).equals(before)).toBe(true); // the caller's proto is untouched
    expect(statSync(files[1]).size).toBe(8192 + 4096);
    const raw = decodeOnnx(readFileSync(path), path);
    const [w1, w2, w3] = raw.graph!.initializer;
    expect(w1.dataLocation).toBe(1);
    expect(w1.externalData.map((e) => [e.key, e.value])).toEqual([['location', 'ext.onnx.data'], ['offset', '0'], ['length', '8192']]);
    expect(w3.externalData.map((e) => e.value)).toEqual(['ext.onnx.data', '8192', '4096']);
    expect(w2.rawData!.length).toBe(36); // below the threshold: stays inline
    const back = readOnnx(path);
    expect(back.externalFiles).toEqual([join(dir, 'ext.onnx.data')]);
    expect(Buffer.from(encodeOnnx(back.proto)).equals(before)).toBe(true);
    const x = Float32Array.from([1, -1, 0.5, 2]);
    const [a] = await runOnnxModel(path, { x: { data: x, shape: [1, 4] } });
    const [b] = await runOnnxModel(saveModel(dir, 'inline.onnx', proto), { x: { data: x, shape: [1, 4] } });
    expect(a.shape).toEqual([1, 2]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  function withExternal(edit: (t: OnnxTensor) => void, dataBytes = 8192): string {
    const dir = tempDir();
    const path = join(dir, 'm.onnx');
    writeOnnx(path, externalModel(), { externalData: { location: 'd.bin' } });
    if (dataBytes !== 8192) writeFileSync(join(dir, 'd.bin'), new Uint8Array(dataBytes));
    const proto = decodeOnnx(readFileSync(path), path);
    edit(proto.graph!.initializer[0]);
    return saveModel(dir, 'm.onnx', proto);
  }
  const setEntry = (key: string, value: string) => (t: OnnxTensor) => {
    t.externalData.find((e) => e.key === key)!.value = value;
  };

  it('rejects external data outside the model directory, past its file, or missing', () => {
    expectBadFile(() => readOnnx(withExternal(setEntry('location', '../d.bin'))), /goes up a directory/);
    expectBadFile(() => readOnnx(withExternal(setEntry('location', 'sub/../../d.bin'))), /goes up a directory/);
    expectBadFile(() => readOnnx(withExternal(setEntry('location', '/etc/passwd'))), /is absolute/);
    expectBadFile(() => readOnnx(withExternal(setEntry('location', 'missing.bin'))), /does not exist/);
    expectBadFile(() => readOnnx(withExternal(setEntry('offset', '8192'))), /runs past the end/);
    expectBadFile(() => readOnnx(withExternal(setEntry('offset', '-4'))), /not a non-negative integer/);
    expectBadFile(() => readOnnx(withExternal(setEntry('length', '100'))), /length 100 differs from the 8192 bytes/);
    expectBadFile(() => readOnnx(withExternal(setEntry('location', ''))), /no location/);
    expectBadFile(() => readOnnx(withExternal(() => {}, 9000)), /runs past the end/);
    // A symbolic link inside the directory that leads out of it.
    const outside = tempDir();
    writeFileSync(join(outside, 'secret.bin'), new Uint8Array(20000));
    const path = withExternal(setEntry('location', 'link.bin'));
    symlinkSync(join(outside, 'secret.bin'), join(path, '..', 'link.bin'));
    expectBadFile(() => readOnnx(path), /outside the model's directory/);
    // A data file in a subdirectory is fine.
    const sub = withExternal(setEntry('location', 'sub/d.bin'));
    mkdirSync(join(sub, '..', 'sub'));
    writeFileSync(join(sub, '..', 'sub', 'd.bin'), readFileSync(join(sub, '..', 'd.bin')));
    expect(readOnnx(sub).proto.graph!.initializer[0].rawData!.length).toBe(8192);
  });

  it('rejects unsafe locations when writing', () => {
    expect(() => writeOnnx(join(tempDir(), 'm.onnx'), externalModel(), { externalData: { location: '../x.bin' } })).toThrow(/relative path/);
  });
});

describe('findWeights', () => {
  it('finds initializers, Constants in If branches, uses from a Loop body, and respects shadowing', () => {
    const loopBody = graph({
      name: 'body',
      inputs: [valueInfo('iter', DataType.INT64, []), valueInfo('cond_in', DataType.BOOL, []), valueInfo('acc', F, [2])],
      outputs: [valueInfo('cond_out', DataType.BOOL, []), valueInfo('acc_out', F, [2])],
      nodes: [makeNode('Identity', ['cond_in'], ['cond_out']), makeNode('Add', ['acc', 'L'], ['acc_out'])],
    });
    const thenBranch = graph({
      name: 'then',
      // S here is the branch's own initializer: it hides the outer S. T is a node output that hides the outer T.
      initializers: [floatTensor('S', [2], [9, 9])],
      nodes: [
        constantNode('C', floatTensor('C', [2], [3, 4])),
        makeNode('Add', ['C', 'S'], ['u']),
        makeNode('Neg', ['u'], ['T']),
        makeNode('Mul', ['T', 'W'], ['y_then']),
      ],
      outputs: [valueInfo('y_then', F, [2])],
    });
    const elseBranch = graph({ name: 'else', nodes: [makeNode('Add', ['S', 'T'], ['y_else'])], outputs: [valueInfo('y_else', F, [2])] });
    const g = graph({
      inputs: [valueInfo('cond', DataType.BOOL, []), valueInfo('W', F, [2]), valueInfo('n', DataType.INT64, [])],
      initializers: [floatTensor('W', [2]), floatTensor('S', [2]), floatTensor('T', [2]), floatTensor('L', [2]), floatTensor('unused', [1])],
      nodes: [
        ifNode('cond', ['y'], thenBranch, elseBranch),
        makeNode('Loop', ['n', '', 'W'], ['final'], { name: 'loop', attributes: [makeAttribute('body', loopBody)] }),
        makeNode('MatMul', ['y', 'W'], ['out']),
      ],
      outputs: [valueInfo('out', F, [2])],
    });
    const weights = findWeights(model(g));
    const by = (name: string, location = 'graph') => weights.find((w) => w.name === name && w.location === location)!;
    expect(weights.map((w) => `${w.location}:${w.name}`)).toEqual([
      'graph:W', 'graph:S', 'graph:T', 'graph:L', 'graph:unused', 'graph/If_0.then_branch:S', 'graph/If_0.then_branch:C',
    ]);
    const W = by('W');
    expect(W.isGraphInput).toBe(true);
    expect(W.consumers.map((c) => `${c.node.opType}#${c.inputIndex}@${c.graph.name}`)).toEqual(['Mul#1@then', 'Loop#2@g', 'MatMul#1@g']);
    expect(by('S').consumers.map((c) => c.graph.name)).toEqual(['else']);
    expect(by('S', 'graph/If_0.then_branch').consumers.map((c) => c.node.opType)).toEqual(['Add']);
    expect(by('T').consumers.map((c) => c.graph.name)).toEqual(['else']);
    expect(by('L').consumers.map((c) => `${c.node.opType}@${c.graph.name}`)).toEqual(['Add@body']);
    expect(by('unused').consumers).toEqual([]);
    const C = by('C', 'graph/If_0.then_branch');
    expect(C.source).toBe('constant');
    expect(C.constantNode!.opType).toBe('Constant');
    expect(C.graph.name).toBe('then');
    expect(Array.from(tensorToFloat32(C.tensor)!)).toEqual([3, 4]);
    expect(C.consumers.map((c) => c.node.opType)).toEqual(['Add']);
  });

  it('looks inside model-local functions with their own scope', () => {
    const fn = onnxFunction('Scale', 'local', ['a'], ['b'], [constantNode('k', floatTensor('k', [1], [2])), makeNode('Mul', ['a', 'k'], ['b'])]);
    const g = graph({ initializers: [floatTensor('k', [1], [7])], nodes: [makeNode('Scale', ['k'], ['y'], { domain: 'local' })] });
    const weights = findWeights(model(g, { functions: [fn] }));
    expect(weights.map((w) => `${w.location}:${w.name}:${w.consumers.map((c) => c.node.opType)}`)).toEqual(['graph:k:Scale', 'function local:Scale:k:Mul']);
  });
});

describe('malformed ONNX files', () => {
  const bytesOf = (p: OnnxModelProto) => encodeOnnx(p);
  const withTensor = (t: OnnxTensor) => bytesOf(model(graph({ initializers: [t], outputs: [valueInfo(t.name ?? '', F, null)] })));
  const tensor = (fields: Record<string, unknown>) => TensorProto.create({ name: 't', dataType: F, ...fields }) as unknown as OnnxTensor;

  /** Decode `bytes`; it must either decode or throw ERR_MODELPRESS_BAD_FILE. Returns whether it threw. */
  function decodesOrBadFile(bytes: Uint8Array): boolean {
    try {
      decodeOnnx(bytes, 'fuzz.onnx');
      return false;
    } catch (e) {
      if ((e as { code?: string }).code !== 'ERR_MODELPRESS_BAD_FILE') throw e;
      return true;
    }
  }

  it('rejects truncated files at many lengths', () => {
    const full = bytesOf(richModel());
    let rejected = 0;
    let tried = 0;
    for (let n = 0; n < full.length; n += Math.max(1, Math.floor(full.length / 200))) {
      tried++;
      if (decodesOrBadFile(full.subarray(0, n))) rejected++;
    }
    expectBadFile(() => decodeOnnx(new Uint8Array(0), 'empty.onnx'), /no graph/);
    // Cuts between two top-level fields after the graph leave a valid model; every other cut fails.
    expect(rejected / tried).toBeGreaterThan(0.9);
  });

  it('rejects random bytes and bad wire types', () => {
    const random = rng(7);
    for (let k = 0; k < 100; k++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * 3000) }, () => Math.floor(random() * 256));
      expect(decodesOrBadFile(bytes)).toBe(true);
    }
    expectBadFile(() => decodeOnnx(Uint8Array.from([0x3a, 0x05, 0x0a]), 'x.onnx'), /protobuf decoding failed/); // length past the end
    expectBadFile(() => decodeOnnx(Uint8Array.from([0x3e, 0x01]), 'x.onnx'), /protobuf decoding failed/); // wire type 6
    expectBadFile(() => decodeOnnx(Uint8Array.from([0x3f, 0x01]), 'x.onnx'), /protobuf decoding failed/); // wire type 7
    expectBadFile(() => decodeOnnx(Uint8Array.from([0x3b, 0x08, 0x01]), 'x.onnx'), /protobuf decoding failed/); // unterminated group
    expectBadFile(() => decodeOnnx(Uint8Array.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 'x.onnx')); // varint too long
    // graph (field 7) sent as a varint: not a graph at all.
    expectBadFile(() => decodeOnnx(Uint8Array.from([0x38, 0x01]), 'x.onnx'), /no graph/);
  });

  it('rejects bad dims, raw_data of the wrong size and unknown element types, naming the tensor', () => {
    const raw = (n: number) => new Uint8Array(n);
    expectBadFile(() => decodeOnnx(withTensor(tensor({ dims: [-1], rawData: raw(4) })), 'm.onnx'), /tensor "t".*dimension -1 is negative/);
    expectBadFile(() => decodeOnnx(withTensor(tensor({ dims: [2 ** 40, 2 ** 40], rawData: raw(4) })), 'm.onnx'), /more than 2\^53 elements/);
    expectBadFile(() => decodeOnnx(withTensor(tensor({ dims: [Long.fromString('1152921504606846976')] })), 'm.onnx'), /not an integer below 2\^53/);
    expectBadFile(() => decodeOnnx(withTensor(tensor({ dims: [2, 3], rawData: raw(20) })), 'm.onnx'), /raw_data has 20 bytes but dims \[2, 3\] of float32 need 24/);
    expectBadFile(() => decodeOnnx(withTensor(tensor({ dims: [2], dataType: 99, rawData: raw(8) })), 'm.onnx'), /known fixed-size element type, got dtype 99/);
    expectBadFile(() => decodeOnnx(withTensor(tensor({ dims: [2], dataType: 99, int32Data: [1, 2] })), 'm.onnx'), /known element type, got dtype 99/);
    expectBadFile(() => decodeOnnx(withTensor(tensor({ dims: [2, 3], floatData: [1, 2, 3, 4, 5] })), 'm.onnx'), /float_data holds 5 values but its dims need 6/);
    expectBadFile(() => decodeOnnx(withTensor(tensor({ dims: [4] })), 'm.onnx'), /no data for its 4 elements/);
    // A bad Constant inside an If branch is found and located.
    const bad = floatTensor('c', [2]);
    bad.rawData = new Uint8Array(3);
    const branch = graph({ name: 'then', nodes: [constantNode('c', bad)], outputs: [valueInfo('c', F, [2])] });
    const g = graph({ inputs: [valueInfo('cond', DataType.BOOL, [])], nodes: [ifNode('cond', ['y'], branch, branch)], outputs: [valueInfo('y', F, [2])] });
    expectBadFile(() => decodeOnnx(bytesOf(model(g)), 'm.onnx'), /tensor "c" \(attribute value of const_c in graph\/If_0.then_branch\)/);
    // A readable tensor with an int64 value beyond 2^53 is fine: only dims must be small.
    expect(decodeOnnx(withTensor(int64Tensor('i', [1], [2n ** 62n])), 'm.onnx').graph!.initializer[0].rawData!.length).toBe(8);
  });

  it('survives 200 random corruptions of a valid model with external data: each reads or is a bad file', () => {
    const dir = tempDir();
    const proto = richModel();
    proto.graph!.initializer.push(floatTensor('ext', [32, 64]));
    const path = join(dir, 'm.onnx');
    writeOnnx(path, proto, { externalData: { location: 'm.data', threshold: 4096 } });
    const good = readFileSync(path);
    const random = rng(11);
    let rejected = 0;
    const started = Date.now();
    for (let k = 0; k < 200; k++) {
      const bytes = Uint8Array.from(good);
      const edits = 1 + Math.floor(random() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * bytes.length);
        const kind = random();
        if (kind < 0.5) bytes[at] = Math.floor(random() * 256);
        else if (kind < 0.8) bytes[at] ^= 1 << Math.floor(random() * 8);
        else bytes[at] = random() < 0.5 ? 0x00 : 0xff;
      }
      const fuzzed = join(dir, 'fuzzed.onnx');
      writeFileSync(fuzzed, bytes);
      try {
        const m = readOnnx(fuzzed);
        // What reads must be usable: weights, their values and the summary.
        for (const w of findWeights(m.proto)) tensorToFloat32(w.tensor);
        inspectOnnx(fuzzed);
      } catch (error) {
        expect((error as { code?: string }).code, String(error)).toBe('ERR_MODELPRESS_BAD_FILE');
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(20);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('inspectOnnx, runOnnxModel, generateOnnxInputs', () => {
  /** x [1,1,3,3] → Conv(W 2×2 identity-diagonal, B 0.5) → Reshape [1,4] → MatMul M [4,2] → Gemm(G, C). */
  function convNet(): OnnxModelProto {
    const g = graph({
      inputs: [valueInfo('x', F, ['batch', 1, 3, 3])],
      outputs: [valueInfo('y', F, ['batch', 2])],
      initializers: [
        floatTensor('W', [1, 1, 2, 2], [1, 0, 0, 1]),
        floatTensor('B', [1], [0.5]),
        int64Tensor('shape', [2], [1, 4]),
        floatTensor('M', [4, 2], [1, 0, 0, 1, 1, 0, 0, 1]),
        floatTensor('G', [2, 2], [1, 1, 0, 1]),
        floatTensor('C', [2], [1, -2]),
      ],
      nodes: [
        makeNode('Conv', ['x', 'W', 'B'], ['c'], { name: 'conv', attributes: [intsAttr('kernel_shape', [2, 2])] }),
        makeNode('Reshape', ['c', 'shape'], ['r']),
        makeNode('MatMul', ['r', 'M'], ['m']),
        makeNode('Gemm', ['m', 'G', 'C'], ['y']),
      ],
    });
    return model(g, { opset: 17 });
  }

  it('runs Conv + MatMul + Gemm in onnxruntime-node with the hand-computed result', async () => {
    const path = saveModel(tempDir(), 'net.onnx', convNet());
    const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const out = await runOnnxModel(path, { x: { data: x, shape: [1, 1, 3, 3] } });
    // Conv: [[1+5, 2+6], [4+8, 5+9]] + 0.5 = [6.5, 8.5, 12.5, 14.5]; MatMul: [19, 23]; Gemm: [19, 42] + [1, -2].
    expect(out).toEqual([{ name: 'y', shape: [1, 2], data: Float32Array.from([20, 40]) }]);
    // Integer data for a float input is converted to the declared type.
    const again = await runOnnxModel(path, { x: { data: Int32Array.from(x), shape: [1, 1, 3, 3] } });
    expect(Array.from(again[0].data)).toEqual([20, 40]);
    await expect(runOnnxModel(path, {})).rejects.toThrow(/inputs.x/);
  });

  it('generates deterministic inputs from the graph input types', async () => {
    const g = graph({
      inputs: [valueInfo('x', F, ['batch', 3]), valueInfo('ids', DataType.INT64, [2, 'seq']), valueInfo('mask', DataType.BOOL, [4]), valueInfo('W', F, [3])],
      initializers: [floatTensor('W', [3])],
      outputs: [valueInfo('x', F, ['batch', 3])],
    });
    const proto = model(g);
    const a = generateOnnxInputs(proto, 5);
    expect(Object.keys(a)).toEqual(['x', 'ids', 'mask']);
    expect(a.x.shape).toEqual([1, 3]);
    expect(a.ids.shape).toEqual([2, 1]);
    expect(a.x.data).toBeInstanceOf(Float32Array);
    expect(a.ids.data).toBeInstanceOf(BigInt64Array);
    expect([...(a.x.data as Float32Array)].every((v) => v >= -1 && v <= 1)).toBe(true);
    expect([...(a.ids.data as BigInt64Array)].every((v) => v >= 0n && v < 4n)).toBe(true);
    expect([...(a.mask.data as Uint8Array)].every((v) => v === 0 || v === 1)).toBe(true);
    expect(generateOnnxInputs(proto, 5)).toEqual(a);
    expect(generateOnnxInputs(proto, 6).x.data).not.toEqual(a.x.data);
    const net = saveModel(tempDir(), 'net.onnx', convNet());
    const out = await runOnnxModel(net, generateOnnxInputs(convNet(), 1));
    expect(out[0].shape).toEqual([1, 2]);
  });

  it('inspects weights with their uses, sparsity and a graph summary', () => {
    const proto = convNet();
    const path = saveModel(tempDir(), 'net.onnx', proto);
    const report = inspectOnnx(path);
    expect(report.command).toBe('inspect');
    expect(report.format).toBe('onnx');
    const rows = Object.fromEntries(report.tensors.map((t) => [t.name, t]));
    expect(rows.W).toMatchObject({ shape: [1, 1, 2, 2], dtypeBefore: 'float32', bytesBefore: 16, action: 'kept', scheme: 'Conv W', sparsity: 0.5 });
    expect(rows.M.scheme).toBe('MatMul B');
    expect(rows.G.scheme).toBe('Gemm B');
    expect(rows.C.scheme).toBe('Gemm C');
    expect(rows.shape).toMatchObject({ dtypeBefore: 'int64', bytesBefore: 16, scheme: 'Reshape shape' });
    expect(rows.shape.sparsity).toBeUndefined();
    expect(report.totals.tensors).toBe(6);
    expect(report.totals.bytesBefore).toBe(16 + 4 + 16 + 32 + 16 + 8);
    expect(report.totals.fileBytesBefore).toBe(statSync(path).size);
    expect(report.options).toMatchObject({
      irVersion: 8,
      opsets: { 'ai.onnx': 17 },
      producer: 'modelpress-tests',
      inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 1, 3, 3] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 2] }],
      nodes: 4,
      ops: { Conv: 1, Gemm: 1, MatMul: 1, Reshape: 1 },
    });
  });
});
