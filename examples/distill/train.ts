// Knowledge distillation with TensorFlow.js and modelpress: a teacher MLP learns a
// synthetic 8-class task from 4000 examples; then a small student learns from only
// 300 examples, a fifth of them mislabelled, once on the hard labels alone and once
// with modelpress's Hinton loss (alpha · T² · KL(teacher ‖ student) + (1 − alpha) ·
// CE), whose gradient enters TensorFlow.js through tf.customGrad. It prints the test
// accuracy of each. Deterministic: the data, the initial weights and the batches
// come from fixed seeds, and TensorFlow.js runs on its CPU backend.
//
// Run: npx tsx examples/distill/train.ts   (after npm install)
import * as tf from '@tensorflow/tfjs';
import { crossEntropy, hintonLoss } from '../../dist/index.js';

const FEATURES = 16;
const CLASSES = 8;
const HIDDEN = 32;

function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) + 0.5) / 2 ** 32;
}

// ---- the task: labels from a fixed random two-layer network ----
const rand = generator(2024);
const gauss = () => Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand());
const W1 = Array.from({ length: HIDDEN * FEATURES }, gauss);
const W2 = Array.from({ length: CLASSES * HIDDEN }, gauss);

function trueLabel(x: Float32Array): number {
  const h = Array.from({ length: HIDDEN }, (_, j) => Math.tanh(x.reduce((s, v, i) => s + W1[j * FEATURES + i] * v, 0) / 2));
  const scores = Array.from({ length: CLASSES }, (_, c) => h.reduce((s, v, j) => s + W2[c * HIDDEN + j] * v, 0));
  return scores.indexOf(Math.max(...scores));
}

interface Data {
  x: Float32Array;
  y: Int32Array;
}

function dataset(n: number, mislabelled: number): Data {
  const x = Float32Array.from({ length: n * FEATURES }, gauss);
  const y = Int32Array.from({ length: n }, (_, r) =>
    rand() < mislabelled ? Math.floor(rand() * CLASSES) : trueLabel(x.subarray(r * FEATURES, (r + 1) * FEATURES)),
  );
  return { x, y };
}

const teacherData = dataset(4000, 0);
const studentData = dataset(300, 0.2);
const testData = dataset(2000, 0);

// ---- models and training ----
function mlp(hidden: number[], seed: number): tf.Sequential {
  const model = tf.sequential();
  hidden.forEach((units, i) =>
    model.add(tf.layers.dense({ units, activation: 'relu', inputShape: [i === 0 ? FEATURES : hidden[i - 1]], kernelInitializer: tf.initializers.glorotUniform({ seed: seed + i }) })),
  );
  model.add(tf.layers.dense({ units: CLASSES, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 99 }) }));
  return model;
}

/** A loss of a batch's logits, computed by modelpress: its value and d loss / d logits. */
type BatchLoss = (logits: Float32Array, rows: number[]) => { loss: number; grad: Float32Array | undefined };

/** The loss as a TensorFlow.js op whose gradient is modelpress's. */
function asTfLoss(lossOf: BatchLoss, rows: number[]) {
  return tf.customGrad((logits, save) => {
    const l = logits as tf.Tensor2D;
    const r = lossOf(l.dataSync() as Float32Array, rows);
    save([tf.tensor2d(r.grad!, l.shape)]);
    return { value: tf.scalar(r.loss), gradFunc: (dy, [grad]) => [grad.mul(dy)] };
  });
}

function rowsOf(data: Float32Array, rows: number[], width: number): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => out.set(data.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

function train(model: tf.Sequential, data: Data, epochs: number, lossOf: BatchLoss): void {
  const optimizer = tf.train.adam(0.01);
  const n = data.y.length;
  const order = Array.from({ length: n }, (_, i) => i);
  const shuffle = generator(7);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(shuffle() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let at = 0; at < n; at += 50) {
      const rows = order.slice(at, at + 50);
      const loss = asTfLoss(lossOf, rows);
      tf.tidy(() => {
        const x = tf.tensor2d(rowsOf(data.x, rows, FEATURES), [rows.length, FEATURES]);
        optimizer.minimize(() => loss(model.apply(x) as tf.Tensor2D) as tf.Scalar);
      });
    }
  }
  optimizer.dispose();
}

function logits(model: tf.Sequential, x: Float32Array): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor2d(x, [x.length / FEATURES, FEATURES])) as tf.Tensor).dataSync() as Float32Array);
}

function accuracy(model: tf.Sequential, data: Data): number {
  const z = logits(model, data.x);
  let right = 0;
  for (let r = 0; r < data.y.length; r++) {
    const row = Array.from(z.subarray(r * CLASSES, (r + 1) * CLASSES));
    if (row.indexOf(Math.max(...row)) === data.y[r]) right++;
  }
  return right / data.y.length;
}

/** Cross-entropy on the hard labels of the batch rows. */
const hardLoss = (data: Data): BatchLoss => (z, rows) =>
  crossEntropy(z, Int32Array.from(rows, (r) => data.y[r]), { shape: [rows.length, CLASSES] }) as { loss: number; grad: Float32Array };

async function main(): Promise<void> {
  await tf.setBackend('cpu');

  const teacher = mlp([64, 64], 1);
  train(teacher, teacherData, 25, hardLoss(teacherData));
  const teacherLogits = logits(teacher, studentData.x);

  const alone = mlp([12], 2);
  train(alone, studentData, 60, hardLoss(studentData));

  const distilled = mlp([12], 2);
  train(distilled, studentData, 60, (z, rows) =>
    hintonLoss(z, rowsOf(teacherLogits, rows, CLASSES), Int32Array.from(rows, (r) => studentData.y[r]), {
      shape: [rows.length, CLASSES],
      temperature: 4,
      alpha: 0.9,
    }),
  );

  const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
  console.log(`teacher (64-64 hidden, 4000 clean examples):        test accuracy ${pct(accuracy(teacher, testData))}`);
  console.log(`student (12 hidden, 300 noisy examples), labels only: test accuracy ${pct(accuracy(alone, testData))}`);
  console.log(`student (12 hidden, 300 noisy examples), distilled:   test accuracy ${pct(accuracy(distilled, testData))}`);
}

await main();
