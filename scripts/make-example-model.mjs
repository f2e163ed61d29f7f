// Writes examples/models/tiny-convnet.onnx: a small, deterministic image classifier
// for trying the CLI (`modelpress inspect|quantize|prune examples/models/tiny-convnet.onnx`).
//
//   input [1, 3, 32, 32]
//   → Conv 3→16 (3×3, pad 1) → Relu → MaxPool 2×2      [1, 16, 16, 16]
//   → Conv 16→32 (3×3, pad 1) → Relu → MaxPool 2×2     [1, 32, 8, 8]
//   → Flatten → MatMul [2048, 96] → Add bias → Relu     [1, 96]
//   → Gemm [10, 96] (transB = 1) + bias                 [1, 10] logits
//
// 202,762 parameters. Weights come from a seeded PRNG with He-uniform scaling
// (±√(6 / fan_in)), as a freshly initialised ReLU net; biases are small. The bytes are
// the same on every run and machine: only +, ×, / and √ (correctly rounded) are used.
//
// Usage: npm run build && node scripts/make-example-model.mjs [output path]
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataType, GraphProto, ModelProto, ValueInfoProto, makeAttribute, makeFloatTensor, makeNode, writeOnnx } from '../dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = process.argv[2] ?? join(root, 'examples', 'models', 'tiny-convnet.onnx');

/** mulberry32: a small seeded generator of uniform numbers in [0, 1). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const next = prng(20240601);
const uniform = (count, bound) => Float32Array.from({ length: count }, () => (next() * 2 - 1) * bound);
/** He-uniform weights: fan_in is the number of inputs each output sums over. */
const he = (name, dims, fanIn) => makeFloatTensor(name, dims, uniform(dims.reduce((a, b) => a * b, 1), Math.sqrt(6 / fanIn)));
const bias = (name, n) => makeFloatTensor(name, [n], uniform(n, 0.01));

const ints = (name, values) => makeAttribute(name, values, 'int');
const int = (name, value) => makeAttribute(name, value, 'int');
const tensorInfo = (name, dims) => ValueInfoProto.create({ name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });

const conv = (i, x, w, b, y) => makeNode('Conv', [x, w, b], [y], { name: `conv${i}`, attributes: [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])] });
const pool = (i, x, y) => makeNode('MaxPool', [x], [y], { name: `pool${i}`, attributes: [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])] });

const graph = GraphProto.create({
  name: 'tiny_convnet',
  node: [
    conv(1, 'input', 'conv1.weight', 'conv1.bias', 'conv1'),
    makeNode('Relu', ['conv1'], ['relu1'], { name: 'relu1' }),
    pool(1, 'relu1', 'pool1'),
    conv(2, 'pool1', 'conv2.weight', 'conv2.bias', 'conv2'),
    makeNode('Relu', ['conv2'], ['relu2'], { name: 'relu2' }),
    pool(2, 'relu2', 'pool2'),
    makeNode('Flatten', ['pool2'], ['flat'], { name: 'flatten', attributes: [int('axis', 1)] }),
    makeNode('MatMul', ['flat', 'fc1.weight'], ['fc1'], { name: 'fc1' }),
    makeNode('Add', ['fc1', 'fc1.bias'], ['fc1_biased'], { name: 'fc1_bias' }),
    makeNode('Relu', ['fc1_biased'], ['relu3'], { name: 'relu3' }),
    makeNode('Gemm', ['relu3', 'fc2.weight', 'fc2.bias'], ['logits'], { name: 'fc2', attributes: [int('transB', 1)] }),
  ],
  initializer: [
    he('conv1.weight', [16, 3, 3, 3], 3 * 9),
    bias('conv1.bias', 16),
    he('conv2.weight', [32, 16, 3, 3], 16 * 9),
    bias('conv2.bias', 32),
    he('fc1.weight', [2048, 96], 2048),
    bias('fc1.bias', 96),
    he('fc2.weight', [10, 96], 96),
    bias('fc2.bias', 10),
  ],
  input: [tensorInfo('input', [1, 3, 32, 32])],
  output: [tensorInfo('logits', [1, 10])],
});

const model = ModelProto.create({
  irVersion: 8,
  opsetImport: [{ domain: '', version: 17 }],
  producerName: 'modelpress make-example-model',
  producerVersion: '1',
  docString: 'Tiny deterministic CNN classifier (random He-initialised weights) for trying modelpress.',
  graph,
});

mkdirSync(dirname(output), { recursive: true });
writeOnnx(output, model);
const params = graph.initializer.reduce((a, t) => a + t.dims.reduce((x, d) => x * Number(d), 1), 0);
console.log(`wrote ${output} (${params.toLocaleString('en-US')} parameters)`);
