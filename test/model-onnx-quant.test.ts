/**
 * quantizeOnnx / pruneOnnx end to end: models built by code, rewritten, then run in
 * onnxruntime-node next to the original on the same inputs.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DataType,
  dequantize,
  dequantizeLinear,
  pruneOnnx,
  quantize,
  quantizeOnnx,
  readOnnx,
  runOnnxModel,
  tensorDims,
  tensorToFloat32,
  toInt,
  type OnnxGraph,
  type OnnxInputs,
  type OnnxModelProto,
  type OnnxNode,
  type OnnxTensor,
  type QuantizeModelOptions,
} from '../dist/index.js';
import { rng } from './helpers.js';
import { constantNode, floatTensor, graph, ifNode, int64Tensor, intAttr, intsAttr, makeNode, model, saveModel, tempDir, valueInfo } from './onnx-build.js';

/** He-like init with a different magnitude per output channel, so per-channel scales matter. */
function weights(seed: number, dims: number[], channelAxis: number): Float32Array {
  const next = rng(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  const inner = dims.slice(channelAxis + 1).reduce((a, b) => a * b, 1);
  const channels = dims[channelAxis];
  const fanIn = n / channels;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(i / inner) % channels;
    out[i] = (next() * 2 - 1) * Math.sqrt(6 / fanIn) * (0.25 + (1.75 * c) / channels);
  }
  return out;
}

/**
 * x [1, 4, 8, 8] → Conv(W_conv [32, 4, 3, 3]) → Relu → Flatten → MatMul(W_mm [2048, 64]) → Relu
 * → Gemm(W_gemm [32, 64], transB = 1) → If(cond): then MatMul with a Constant-node weight
 * W_then [32, 48] inside the branch; else MatMul with the outer initializer W_else [32, 48].
 */
function testModel(opset = 17): OnnxModelProto {
  const thenBranch = graph({
    name: 'then',
    nodes: [constantNode('W_then', floatTensor('W_then', [32, 48], weights(5, [32, 48], 1))), makeNode('MatMul', ['h', 'W_then'], ['yt'], { name: 'then_mm' })],
    outputs: [valueInfo('yt', DataType.FLOAT, [1, 48])],
  });
  const elseBranch = graph({
    name: 'else',
    nodes: [makeNode('MatMul', ['h', 'W_else'], ['ye'], { name: 'else_mm' })],
    outputs: [valueInfo('ye', DataType.FLOAT, [1, 48])],
  });
  const g = graph({
    nodes: [
      makeNode('Conv', ['x', 'W_conv', 'B_conv'], ['c'], { name: 'conv', attributes: [intsAttr('pads', [1, 1, 1, 1])] }),
      makeNode('Relu', ['c'], ['r'], { name: 'relu' }),
      makeNode('Flatten', ['r'], ['f'], { name: 'flatten' }),
      makeNode('MatMul', ['f', 'W_mm'], ['m'], { name: 'mm' }),
      makeNode('Relu', ['m'], ['mr'], { name: 'relu2' }),
      makeNode('Gemm', ['mr', 'W_gemm', 'B_gemm'], ['h'], { name: 'gemm', attributes: [intAttr('transB', 1)] }),
      ifNode('cond', ['y'], thenBranch, elseBranch, 'If_0'),
    ],
    initializers: [
      floatTensor('W_conv', [32, 4, 3, 3], weights(1, [32, 4, 3, 3], 0)),
      floatTensor('B_conv', [32], weights(2, [32], 0)),
      floatTensor('W_mm', [2048, 64], weights(3, [2048, 64], 1)),
      floatTensor('W_gemm', [32, 64], weights(4, [32, 64], 0)),
      floatTensor('B_gemm', [32], weights(6, [32], 0)),
      floatTensor('W_else', [32, 48], weights(7, [32, 48], 1)),
    ],
    inputs: [valueInfo('x', DataType.FLOAT, [1, 4, 8, 8]), valueInfo('cond', DataType.BOOL, [])],
    outputs: [valueInfo('y', DataType.FLOAT, [1, 48])],
  });
  return model(g, { opset, irVersion: 8 });
}

function inputs(cond: boolean): OnnxInputs {
  const next = rng(99);
  return {
    x: { data: Float32Array.from({ length: 256 }, () => next() * 2 - 1), shape: [1, 4, 8, 8] },
    cond: { data: Uint8Array.of(cond ? 1 : 0), shape: [] },
  };
}

/** ‖a − b‖ / ‖b‖ over all elements. */
function relativeError(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) ((num += (a[i] - b[i]) ** 2), (den += b[i] ** 2));
  return Math.sqrt(num / den);
}

/** Largest relative output error of `quantized` against `original` over both If branches. */
async function outputError(original: string, quantized: string): Promise<number> {
  let worst = 0;
  for (const cond of [true, false]) {
    const [want] = await runOnnxModel(original, inputs(cond));
    const [got] = await runOnnxModel(quantized, inputs(cond));
    expect(got.shape).toEqual(want.shape);
    worst = Math.max(worst, relativeError(got.data, want.data));
  }
  return worst;
}

function setup(opset = 17): { dir: string; input: string } {
  const dir = tempDir();
  return { dir, input: saveModel(dir, 'model.onnx', testModel(opset)) };
}

const dqNodes = (g: OnnxGraph): OnnxNode[] => g.node.filter((n) => n.opType === 'DequantizeLinear');
const attrInt = (n: OnnxNode, name: string): number | undefined => {
  const a = n.attribute.find((x) => x.name === name);
  return a?.i === undefined || a.i === null ? undefined : toInt(a.i);
};
const dqFor = (g: OnnxGraph, name: string): OnnxNode => {
  const n = dqNodes(g).find((x) => x.output[0] === name);
  if (!n) throw new Error(`no DequantizeLinear for ${name}`);
  return n;
};
const init = (g: OnnxGraph, name: string): OnnxTensor => {
  const t = g.initializer.find((x) => x.name === name);
  if (!t) throw new Error(`no initializer ${name}`);
  return t;
};
const opsetOf = (p: OnnxModelProto): number => toInt(p.opsetImport.find((o) => !o.domain)!.version!);
const branch = (p: OnnxModelProto, which: 'then_branch' | 'else_branch'): OnnxGraph =>
  p.graph!.node.find((n) => n.opType === 'If')!.attribute.find((a) => a.name === which)!.g!;

async function quantized(options: QuantizeModelOptions, opset = 17) {
  const { dir, input } = setup(opset);
  const output = join(dir, 'out.onnx');
  const report = await quantizeOnnx(input, output, options);
  return { input, output, report, proto: readOnnx(output).proto };
}

describe('quantizeOnnx', () => {
  it('int8 per-channel (default): DequantizeLinear per weight on the consumer’s output-channel axis, runs close to the original', async () => {
    const progress: string[] = [];
    const { input, output, report, proto } = await quantized({ onProgress: (_d, _t, name) => progress.push(name) });
    const g = proto.graph!;
    // Output-channel axes: Conv W → 0, MatMul B [K, N] → 1, Gemm B with transB = 1 ([N, K]) → 0.
    expect(attrInt(dqFor(g, 'W_conv'), 'axis')).toBe(0);
    expect(attrInt(dqFor(g, 'W_mm'), 'axis')).toBe(1);
    expect(attrInt(dqFor(g, 'W_gemm'), 'axis')).toBe(0);
    expect(attrInt(dqFor(g, 'W_else'), 'axis')).toBe(1);
    expect(dqFor(g, 'W_conv').input).toEqual(['W_conv_quantized', 'W_conv_scale', 'W_conv_zero_point']);
    expect(init(g, 'W_conv_quantized').dataType).toBe(DataType.INT8);
    expect(tensorDims(init(g, 'W_conv_scale'))).toEqual([32]);
    expect(init(g, 'W_conv_zero_point').dataType).toBe(DataType.INT8);
    expect(g.initializer.some((t) => t.name === 'W_conv' || t.name === 'W_mm')).toBe(false);
    // Each DequantizeLinear sits before the first consumer of its weight.
    const at = (pred: (n: OnnxNode) => boolean) => g.node.findIndex(pred);
    expect(at((n) => n.output[0] === 'W_mm')).toBeLessThan(at((n) => n.name === 'mm'));
    expect(at((n) => n.output[0] === 'W_else')).toBeLessThan(at((n) => n.opType === 'If'));
    // The Constant-node weight of the then branch is quantized inside that branch.
    const then = branch(proto, 'then_branch');
    expect(attrInt(dqFor(then, 'W_then'), 'axis')).toBe(1);
    expect(then.node.some((n) => n.opType === 'Constant' && n.output[0] === 'W_then')).toBe(false);
    expect(then.node.filter((n) => n.opType === 'Constant').map((n) => n.output[0]).sort()).toEqual(['W_then_quantized', 'W_then_scale', 'W_then_zero_point']);
    expect(g.node.some((n) => n.output.includes('W_then'))).toBe(false);
    expect(opsetOf(proto)).toBe(17);
    // Biases stay float (1-D, fewer than 1024 elements).
    expect(init(g, 'B_conv').dataType).toBe(DataType.FLOAT);
    const row = (n: string) => report.tensors.find((t) => t.name === n)!;
    expect(row('W_conv').scheme).toBe('int8 symmetric per-channel axis 0 (Conv W)');
    expect(row('W_gemm').scheme).toBe('int8 symmetric per-channel axis 0 (Gemm B (transB = 1))');
    expect(row('W_then').scheme).toMatch(/^graph\/If_0\.then_branch: int8 symmetric per-channel axis 1 \(MatMul B\)$/);
    expect(row('B_conv').action).toBe('kept');
    expect(row('W_mm').bytesAfter).toBe(2048 * 64 + 64 * 4 + 64);
    expect(row('W_mm').error!.sqnrDb).toBeGreaterThan(35);
    expect(row('W_mm').histogram!.original.counts.length).toBe(64);
    expect(progress.sort()).toEqual(['W_conv', 'W_else', 'W_gemm', 'W_mm', 'W_then']);
    expect(report.totals.changed).toBe(5);
    expect(report.totals.fileBytesAfter).toBe(statSync(output).size);
    // Bound: int8 symmetric per channel rounds each weight by ≤ scale/2, an RMS relative
    // error of about 1/(127·√12)·√3 ≈ 0.4 % per layer for uniform weights; three weighted
    // layers on each path add at most ~1.2 %. onnxruntime (≥ 'extended' optimization) also
    // rewrites DequantizeLinear→MatMul as MatMulNBits, which quantizes the activations too:
    // measured ≈ 0.2 % more per MatMul. Measured total: 0.6 %; 2 % leaves margin.
    expect(await outputError(input, output)).toBeLessThan(0.02);
  });

  it('per-axis decode equals the library’s dequantize of the same weight', async () => {
    const { proto } = await quantized({});
    const g = proto.graph!;
    const original = testModel().graph!.initializer.find((t) => t.name === 'W_mm')!;
    const x = tensorToFloat32(original)!;
    const q = init(g, 'W_mm_quantized');
    const scale = tensorToFloat32(init(g, 'W_mm_scale'))!;
    // rawData may be a view of the whole file's Buffer: copy the bytes out first.
    const zp = new Int8Array(Uint8Array.from(init(g, 'W_mm_zero_point').rawData!).buffer);
    const decoded = dequantizeLinear(new Int8Array(Uint8Array.from(q.rawData!).buffer), { scale, zeroPoint: zp, axis: 1, shape: [2048, 64] });
    const library = dequantize(quantize(x, { dtype: 'int8', symmetric: true, axis: 1, shape: [2048, 64] }));
    expect(Array.from(decoded)).toEqual(Array.from(library));
  });

  it('per-tensor: scalar scale, no axis, opset untouched', async () => {
    const { input, output, report, proto } = await quantized({ perChannel: false });
    const dq = dqFor(proto.graph!, 'W_conv');
    expect(attrInt(dq, 'axis')).toBeUndefined();
    expect(tensorDims(init(proto.graph!, 'W_conv_scale'))).toEqual([]);
    expect(report.tensors.find((t) => t.name === 'W_conv')!.scheme).toBe('int8 symmetric per-tensor (Conv W)');
    // Channels differ up to 8× in range here, so one scale per tensor costs up to 8× the
    // per-channel error on the small channels: ≤ 8 × 1.2 % on the paths.
    expect(await outputError(input, output)).toBeLessThan(0.1);
  });

  it('uint8 affine: UINT8 values and per-channel zero points', async () => {
    const { input, output, proto } = await quantized({ dtype: 'uint8' });
    const zp = init(proto.graph!, 'W_mm_zero_point');
    expect(zp.dataType).toBe(DataType.UINT8);
    expect(tensorDims(zp)).toEqual([64]);
    expect(new Set(zp.rawData!).size).toBeGreaterThan(1);
    expect(init(proto.graph!, 'W_mm_quantized').dataType).toBe(DataType.UINT8);
    // Affine uint8 has 255 steps over [min, max] ∋ 0: same step as symmetric int8 or finer.
    expect(await outputError(input, output)).toBeLessThan(0.02);
  });

  it('int4 blocks along the reduction axis, opset raised to 21 and IR to 10', async () => {
    const { input, output, report, proto } = await quantized({ dtype: 'int4' });
    const g = proto.graph!;
    expect(opsetOf(proto)).toBe(21);
    expect(toInt(proto.irVersion!)).toBeGreaterThanOrEqual(10);
    // MatMul B [K, N] blocks along K (axis 0); Gemm B [N, K] (transB = 1) along axis 1; Conv along axis 1.
    expect([attrInt(dqFor(g, 'W_mm'), 'axis'), attrInt(dqFor(g, 'W_mm'), 'block_size')]).toEqual([0, 32]);
    expect(attrInt(dqFor(g, 'W_gemm'), 'axis')).toBe(1);
    expect(attrInt(dqFor(g, 'W_conv'), 'axis')).toBe(1);
    expect(tensorDims(init(g, 'W_mm_scale'))).toEqual([64, 64]);
    expect(tensorDims(init(g, 'W_conv_scale'))).toEqual([32, 1, 3, 3]);
    const q = init(g, 'W_mm_quantized');
    expect(q.dataType).toBe(DataType.INT4);
    expect(q.rawData!.length).toBe((2048 * 64) / 2);
    expect(report.tensors.find((t) => t.name === 'W_mm')!.scheme).toBe('int4 symmetric blocks of 32 along axis 0 (MatMul B)');
    // int4 symmetric: 15 levels over ±absmax of each block, an RMS relative error of about
    // 1/(7·2·√3)·√3 ≈ 7 % per layer; three layers on a path add up to ~21 %.
    expect(await outputError(input, output)).toBeLessThan(0.25);
  });

  it('fp16: FLOAT16 initializers behind a Cast to float', async () => {
    const { input, output, proto } = await quantized({ dtype: 'fp16' });
    const g = proto.graph!;
    expect(init(g, 'W_mm_fp16').dataType).toBe(DataType.FLOAT16);
    const cast = g.node.find((n) => n.opType === 'Cast' && n.output[0] === 'W_mm')!;
    expect(attrInt(cast, 'to')).toBe(DataType.FLOAT);
    expect(dqNodes(g)).toHaveLength(0);
    // float16 keeps 11 significant bits: relative rounding ≤ 2^-11 per weight, three layers ≤ 0.15 %.
    expect(await outputError(input, output)).toBeLessThan(2e-3);
  });

  it('honours include, exclude, opTypes, excludeOpTypes and minElements', async () => {
    const changed = async (o: QuantizeModelOptions) =>
      (await quantized(o)).report.tensors.filter((t) => t.action === 'quantized').map((t) => t.name).sort();
    expect(await changed({ include: ['W_m*'] })).toEqual(['W_mm']);
    expect(await changed({ exclude: ['W_conv', '/^W_(then|else)$/'] })).toEqual(['W_gemm', 'W_mm']);
    expect(await changed({ opTypes: ['Gemm'] })).toEqual(['W_gemm']);
    expect(await changed({ excludeOpTypes: ['MatMul'] })).toEqual(['W_conv', 'W_gemm']);
    expect(await changed({ minElements: 2000 })).toEqual(['W_gemm', 'W_mm']);
    const { report } = await quantized({ minElements: 0, includeVectors: true, opTypes: ['Conv'] });
    expect(report.tensors.find((t) => t.name === 'B_conv')!.reason).toBe('not a weight input of Conv');
    expect(report.tensors.find((t) => t.name === 'W_mm')!.reason).toBe('not a weight input of Conv');
  });

  it('refuses to raise opset 12 past a Squeeze with `axes`, and works per tensor', async () => {
    const dir = tempDir();
    const g = graph({
      nodes: [
        makeNode('MatMul', ['x', 'W'], ['m'], { name: 'mm' }),
        makeNode('Unsqueeze', ['m'], ['u'], { name: 'unsq', attributes: [intsAttr('axes', [0])] }),
        makeNode('Squeeze', ['u'], ['y'], { name: 'sq', attributes: [intsAttr('axes', [0])] }),
      ],
      initializers: [floatTensor('W', [64, 32], weights(8, [64, 32], 1))],
      inputs: [valueInfo('x', DataType.FLOAT, [2, 64])],
      outputs: [valueInfo('y', DataType.FLOAT, [2, 32])],
    });
    const input = saveModel(dir, 'old.onnx', model(g, { opset: 12, irVersion: 7 }));
    const output = join(dir, 'out.onnx');
    const err = await quantizeOnnx(input, output).catch((e: Error) => e);
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toMatch(/opset 13.*opset 12.*Squeeze node "sq".*perChannel: false/s);
    expect((err as Error).message).toContain('Unsqueeze node "unsq"');
    expect(existsSync(output)).toBe(false);
    await quantizeOnnx(input, output, { perChannel: false });
    const proto = readOnnx(output).proto;
    expect(opsetOf(proto)).toBe(12);
    const x = { x: { data: Float32Array.from({ length: 128 }, (_, i) => Math.sin(i)), shape: [2, 64] } };
    const [want] = await runOnnxModel(input, x);
    const [got] = await runOnnxModel(output, x);
    // Per tensor over channels up to 8× apart: ≤ 8 × 0.4 % on one layer.
    expect(relativeError(got.data, want.data)).toBeLessThan(0.04);
    // Squeeze without `axes` means the same in opset 13: the raise is allowed.
    g.node[1] = makeNode('Identity', ['m'], ['u'], { name: 'id' });
    g.node[2] = makeNode('Identity', ['u'], ['y'], { name: 'id2' });
    const ok = saveModel(dir, 'ok.onnx', model(g, { opset: 12, irVersion: 7 }));
    await quantizeOnnx(ok, join(dir, 'ok-q.onnx'));
    expect(opsetOf(readOnnx(join(dir, 'ok-q.onnx')).proto)).toBe(13);
  });

  it('ConvTranspose W on axis 1 and Gather data on axis 0', async () => {
    const dir = tempDir();
    const g = graph({
      nodes: [
        makeNode('Gather', ['emb', 'ids'], ['e'], { name: 'gather' }),
        makeNode('Reshape', ['e', 'shape'], ['img'], { name: 'reshape' }),
        makeNode('ConvTranspose', ['img', 'W_ct'], ['y'], { name: 'ct' }),
      ],
      initializers: [
        floatTensor('emb', [50, 64], weights(21, [50, 64], 0)),
        floatTensor('W_ct', [16, 32, 3, 3], weights(22, [16, 32, 3, 3], 1)),
        int64Tensor('ids', [1], [7]),
        int64Tensor('shape', [4], [1, 16, 2, 2]),
      ],
      outputs: [valueInfo('y', DataType.FLOAT, [1, 32, 4, 4])],
    });
    const input = saveModel(dir, 'ct.onnx', model(g));
    const output = join(dir, 'ct-q.onnx');
    await quantizeOnnx(input, output, { minElements: 0 });
    const q = readOnnx(output).proto.graph!;
    expect(attrInt(dqFor(q, 'W_ct'), 'axis')).toBe(1);
    expect(tensorDims(init(q, 'W_ct_scale'))).toEqual([32]);
    expect(attrInt(dqFor(q, 'emb'), 'axis')).toBe(0);
    expect(tensorDims(init(q, 'emb_scale'))).toEqual([50]);
    const [want] = await runOnnxModel(input, {});
    const [got] = await runOnnxModel(output, {});
    // One int8 layer after an int8 lookup: ≈ 2 × 0.4 % RMS.
    expect(relativeError(got.data, want.data)).toBeLessThan(0.02);
  });

  it('makes a conv/matmul-heavy model at least 3.5× smaller (per-channel int8)', async () => {
    const dir = tempDir();
    const g = graph({
      nodes: [
        makeNode('Conv', ['x', 'W1'], ['c1'], { name: 'c1', attributes: [intsAttr('pads', [1, 1, 1, 1])] }),
        makeNode('Conv', ['c1', 'W2'], ['c2'], { name: 'c2', attributes: [intsAttr('pads', [1, 1, 1, 1])] }),
        makeNode('Flatten', ['c2'], ['f'], { name: 'flat' }),
        makeNode('MatMul', ['f', 'W3'], ['m'], { name: 'mm' }),
        makeNode('Reshape', ['m', 'shape'], ['y'], { name: 'reshape' }),
      ],
      initializers: [
        floatTensor('W1', [32, 8, 3, 3], weights(11, [32, 8, 3, 3], 0)),
        floatTensor('W2', [64, 32, 3, 3], weights(12, [64, 32, 3, 3], 0)),
        floatTensor('W3', [1024, 128], weights(13, [1024, 128], 1)),
        int64Tensor('shape', [2], [1, 128]),
      ],
      inputs: [valueInfo('x', DataType.FLOAT, [1, 8, 4, 4])],
      outputs: [valueInfo('y', DataType.FLOAT, [1, 128])],
    });
    const input = saveModel(dir, 'heavy.onnx', model(g));
    const output = join(dir, 'heavy-q.onnx');
    const report = await quantizeOnnx(input, output);
    const ratio = statSync(input).size / statSync(output).size;
    expect(ratio).toBeGreaterThanOrEqual(3.5);
    expect(report.totals.fileBytesBefore / report.totals.fileBytesAfter!).toBeCloseTo(ratio, 6);
    const x = { x: { data: Float32Array.from({ length: 128 }, (_, i) => Math.cos(i)), shape: [1, 8, 4, 4] } };
    const [want] = await runOnnxModel(input, x);
    const [got] = await runOnnxModel(output, x);
    expect(relativeError(got.data, want.data)).toBeLessThan(0.02);
  });

  it('keeps graph inputs, never writes over the input, rejects bad options', async () => {
    const { dir, input } = setup();
    await expect(quantizeOnnx(input, input)).rejects.toThrow(/different path/);
    await expect(quantizeOnnx(input, join(dir, 'o.onnx'), { dtype: 'uint16' })).rejects.toThrow(/dtype/);
    await expect(quantizeOnnx(input, join(dir, 'o.onnx'), { opTypes: 'Conv' as never })).rejects.toThrow(/opTypes/);
    const proto = testModel();
    proto.graph!.input.push(valueInfo('W_mm', DataType.FLOAT, [2048, 64]));
    const withInput = saveModel(dir, 'gi.onnx', proto);
    const report = await quantizeOnnx(withInput, join(dir, 'gi-q.onnx'));
    expect(report.tensors.find((t) => t.name === 'W_mm')!.reason).toMatch(/graph input/);
  });

  it('keeps external data external', async () => {
    const { dir, input } = setup();
    const { writeOnnx } = await import('../dist/index.js');
    const ext = join(dir, 'ext.onnx');
    writeOnnx(ext, readOnnx(input).proto, { externalData: { location: 'ext.onnx.data' } });
    const report = await quantizeOnnx(ext, join(dir, 'ext-q.onnx'));
    expect(existsSync(join(dir, 'ext-q.onnx.data'))).toBe(true);
    expect(report.totals.fileBytesAfter).toBe(statSync(join(dir, 'ext-q.onnx')).size + statSync(join(dir, 'ext-q.onnx.data')).size);
    expect(await outputError(input, join(dir, 'ext-q.onnx'))).toBeLessThan(0.02);
  });
});

describe('pruneOnnx', () => {
  const values = (proto: OnnxModelProto, name: string): Float32Array => tensorToFloat32(init(proto.graph!, name))!;

  it('magnitude: exactly the asked fraction, in place, same dtype and name; the model still runs', async () => {
    const { dir, input } = setup();
    const output = join(dir, 'p.onnx');
    const report = await pruneOnnx(input, output, { method: 'magnitude', amount: 0.3 });
    const proto = readOnnx(output).proto;
    const w = values(proto, 'W_mm');
    expect(w.filter((v) => v === 0).length).toBe(Math.round(0.3 * w.length));
    expect(init(proto.graph!, 'W_mm').dataType).toBe(DataType.FLOAT);
    const row = report.tensors.find((t) => t.name === 'W_mm')!;
    expect(row.sparsityBefore).toBe(0);
    expect(row.sparsity).toBeCloseTo(0.3, 4);
    // Survivors are unchanged bit for bit.
    const before = values(readOnnx(input).proto, 'W_mm');
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) expect(w[i]).toBe(before[i]);
    // The Constant-node weight in the If branch is pruned in place too.
    const then = tensorToFloat32(branch(proto, 'then_branch').node.find((n) => n.output[0] === 'W_then')!.attribute[0].t!)!;
    expect(then.filter((v) => v === 0).length).toBe(Math.round(0.3 * then.length));
    const [y] = await runOnnxModel(output, inputs(true));
    expect(y.shape).toEqual([1, 48]);
    expect(y.data.every(Number.isFinite)).toBe(true);
  });

  it('filters zero whole output channels; channels whole input channels', async () => {
    const { dir, input } = setup();
    await pruneOnnx(input, join(dir, 'f.onnx'), { method: 'filters', amount: 0.25 });
    let proto = readOnnx(join(dir, 'f.onnx')).proto;
    const conv = values(proto, 'W_conv'); // [32, 4, 3, 3]: filters are rows of 36
    const zeroRows = Array.from({ length: 32 }, (_, o) => conv.subarray(o * 36, (o + 1) * 36).every((v) => v === 0)).filter(Boolean).length;
    expect(zeroRows).toBe(8);
    const mm = values(proto, 'W_mm'); // [2048, 64]: output features are columns
    const zeroCols = Array.from({ length: 64 }, (_, n) => Array.from({ length: 2048 }, (_, k) => mm[k * 64 + n]).every((v) => v === 0)).filter(Boolean).length;
    expect(zeroCols).toBe(16);
    expect(mm.filter((v) => v === 0).length).toBe(16 * 2048);

    await pruneOnnx(input, join(dir, 'c.onnx'), { method: 'channels', amount: 0.5 });
    proto = readOnnx(join(dir, 'c.onnx')).proto;
    const c2 = values(proto, 'W_conv'); // input channels: axis 1 (4 of them, 9 values each per filter)
    const zeroIn = [0, 1, 2, 3].filter((ci) => Array.from({ length: 32 }, (_, o) => c2.subarray(o * 36 + ci * 9, o * 36 + ci * 9 + 9).every((v) => v === 0)).every(Boolean));
    expect(zeroIn).toHaveLength(2);
    const gemm = values(proto, 'W_gemm'); // [N = 32, K = 64] with transB = 1: input channels are columns
    const zeroK = Array.from({ length: 64 }, (_, k) => Array.from({ length: 32 }, (_, n) => gemm[n * 64 + k]).every((v) => v === 0)).filter(Boolean).length;
    expect(zeroK).toBe(32);
    const [y] = await runOnnxModel(join(dir, 'c.onnx'), inputs(false));
    expect(y.data.every(Number.isFinite)).toBe(true);
  });

  it('nm: 2 of every 4 along the reduction axis', async () => {
    const { dir, input } = setup();
    const report = await pruneOnnx(input, join(dir, 'nm.onnx'), { method: 'nm' });
    const proto = readOnnx(join(dir, 'nm.onnx')).proto;
    const mm = values(proto, 'W_mm'); // [K = 2048, N = 64]: groups of 4 consecutive k in each column
    for (let n = 0; n < 64; n++) {
      for (let k0 = 0; k0 < 2048; k0 += 4) {
        let zeros = 0;
        for (let k = k0; k < k0 + 4; k++) if (mm[k * 64 + n] === 0) zeros++;
        if (zeros !== 2) throw new Error(`W_mm column ${n}, k ${k0}: ${zeros} zeros`);
      }
    }
    const conv = values(proto, 'W_conv'); // [32, 4, 3, 3]: groups along the 4 input channels
    for (let o = 0; o < 32; o++) {
      for (let s = 0; s < 9; s++) {
        const zeros = [0, 1, 2, 3].filter((ci) => conv[o * 36 + ci * 9 + s] === 0).length;
        expect(zeros).toBe(2);
      }
    }
    expect(report.tensors.find((t) => t.name === 'W_mm')!.scheme).toBe('2:4 along axis 0 (MatMul B)');
    expect(report.tensors.find((t) => t.name === 'W_gemm')!.scheme).toBe('2:4 along axis 1 (Gemm B (transB = 1))');
    expect(report.totals.sparsity).toBeGreaterThan(0.49);
    const [y] = await runOnnxModel(join(dir, 'nm.onnx'), inputs(true));
    expect(y.data.every(Number.isFinite)).toBe(true);
  });
});
