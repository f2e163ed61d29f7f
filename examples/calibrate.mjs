// Calibrate, quantize, and print what it cost: min-max against entropy (KL)
// calibration of an int8 activation with rare large outliers. Run: node examples/calibrate.mjs
// (after npm install). The output is shown in the README.
import { HistogramObserver, MinMaxObserver, quantizeLinear, dequantizeLinear, quantizationError } from '../dist/index.js';

// Activations of a layer, seen batch by batch during calibration (here: synthetic,
// a Gaussian body with a few large outliers).
let s = 1;
const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) + 0.5) / 2 ** 32;
const batch = () => Float32Array.from({ length: 4096 }, (_, i) =>
  (i === 7 ? 40 : 1) * Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand()));
const batches = Array.from({ length: 16 }, batch);

const minmax = new MinMaxObserver({ dtype: 'int8', symmetric: true });
const entropy = new HistogramObserver({ dtype: 'int8', symmetric: true, method: 'entropy' });
for (const b of batches) {
  minmax.observe(b);
  entropy.observe(b);
}

// Quantize a fresh batch with each calibration and compare what it cost.
const x = batch();
for (const [name, observer] of [['min-max', minmax], ['entropy', entropy]]) {
  const { scale, zeroPoint } = observer.qparams();
  const params = { scale, zeroPoint, dtype: 'int8' };
  const y = dequantizeLinear(quantizeLinear(x, params), params);
  const all = quantizationError(x, y);
  const inBody = x.map((v) => (Math.abs(v) < 4 ? 1 : 0));
  const body = quantizationError(x.filter((_, i) => inBody[i]), y.filter((_, i) => inBody[i]));
  console.log(`${name.padEnd(8)} scale ${scale.toFixed(4)}  all values: SQNR ${all.sqnrDb.toFixed(1)} dB, max |e| ${all.maxAbsError.toFixed(2)}` +
    `  |x| < 4 (${body.count} of ${x.length}): SQNR ${body.sqnrDb.toFixed(1)} dB`);
}
