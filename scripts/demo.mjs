// npm run demo: quantizes a built-in example — a 512 × 768 "linear layer weight"
// with per-row spread and a few outliers, generated deterministically — to int8,
// per tensor and per output channel, to fp16, to int4 blocks and to a 4-bit k-means
// codebook, and prints the backend, sizes and error of each.
import * as mp from '../dist/index.js';

const ROWS = 512;
const COLS = 768;

function exampleWeight() {
  const w = new Float32Array(ROWS * COLS);
  let s = 2024;
  const uniform = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  for (let r = 0; r < ROWS; r++) {
    const spread = 0.02 * (1 + 4 * uniform()); // rows differ in scale, as trained layers do
    for (let c = 0; c < COLS; c++) {
      const gauss = Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
      w[r * COLS + c] = gauss * spread;
    }
  }
  for (let k = 0; k < 8; k++) w[Math.floor(uniform() * w.length)] *= 25; // outliers
  return w;
}

const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
const w = exampleWeight();
console.log(mp.formatBackendInfo());
console.log(`example: linear weight ${ROWS}×${COLS} float32, ${kib(w.byteLength)}`);

const t0 = process.hrtime.bigint();
const perTensor = mp.quantize(w); // symmetric int8, one scale
const t1 = process.hrtime.bigint();
const perChannel = mp.quantize(w, { axis: 0, shape: [ROWS, COLS] }); // one scale per output row
const t2 = process.hrtime.bigint();
const affine = mp.quantize(w, { dtype: 'uint8' }); // ONNX DynamicQuantizeLinear

for (const [name, t, ns] of [
  ['int8 symmetric, per tensor ', perTensor, t1 - t0],
  ['int8 symmetric, per channel', perChannel, t2 - t1],
  ['uint8 affine, per tensor   ', affine, undefined],
]) {
  const params = typeof t.scale === 'number' ? 4 + 1 : t.scale.byteLength + t.zeroPoint.byteLength;
  const e = mp.quantizationError(w, mp.dequantize(t));
  const time = ns === undefined ? '' : `, ${(Number(ns) / 1e6).toFixed(2)} ms`;
  console.log(
    `${name}: ${kib(t.data.byteLength + params)} (${(w.byteLength / (t.data.byteLength + params)).toFixed(2)}× smaller), ` +
      `RMSE ${e.rmse.toExponential(2)}, max |error| ${e.maxAbsError.toExponential(2)}, SQNR ${e.sqnrDb.toFixed(1)} dB, cosine ${e.cosine.toFixed(5)}${time}`,
  );
}

const half = mp.toFloat16(w);
const e16 = mp.quantizationError(w, mp.fromFloat16(half.data));
console.log(
  `fp16                       : ${kib(half.data.byteLength)} (2.00× smaller), RMSE ${e16.rmse.toExponential(2)}, ` +
    `SQNR ${e16.sqnrDb.toFixed(1)} dB; ${half.overflowed} overflowed, ${half.underflowed} underflowed to zero`,
);

// 4-bit: symmetric blocks of 32 along each row (data packed two per byte, plus a
// float32 scale per block), and a 16-entry k-means codebook (4-bit indices).
const report = (name, bytes, y, extra = '') => {
  const e = mp.quantizationError(w, y);
  console.log(
    `${name}: ${kib(bytes)} (${(w.byteLength / bytes).toFixed(2)}× smaller), RMSE ${e.rmse.toExponential(2)}, ` +
      `max |error| ${e.maxAbsError.toExponential(2)}, SQNR ${e.sqnrDb.toFixed(1)} dB, cosine ${e.cosine.toFixed(5)}${extra}`,
  );
};
const int4 = mp.quantizeBlocks(w, { shape: [ROWS, COLS], blockSize: 32 });
report('int4 symmetric, blocks of 32', int4.data.byteLength + int4.scales.byteLength, mp.dequantizeBlocks(int4)); // zero points are all 0
const t3 = process.hrtime.bigint();
const cb = mp.kmeansQuantize(w, { bits: 4, seed: 1 });
const t4 = process.hrtime.bigint();
report('k-means codebook, 16 values', cb.indices.byteLength + cb.codebook.byteLength, mp.codebookDequantize(cb), `, ${cb.iterations} iterations in ${(Number(t4 - t3) / 1e6).toFixed(0)} ms`);
