// npm run bench (second part): the quantization toolkit — range finding, error
// analysis, casts, observers, block-wise / per-row / 4-bit quantization,
// codebooks and power-of-two codes — per backend (its best CPU variant, and the
// scalar variant for the kernels' own speed-up), at 1 Mi and 16 Mi elements.
//
// Every figure is the median of repeated runs. GB/s counts the bytes the
// operation must read + write (listed with each op). Two yardsticks, measured in
// the same run on one core: copy (TypedArray.prototype.set, 4 + 4 bytes an
// element) and read (Buffer.indexOf over zeros for an absent byte: glibc's
// memchr, 4 bytes an element read and nothing written). "% read" / "% copy" is an
// op's GB/s over the yardstick that matches it.
//
// Options: --sizes=1048576  --quick  --json=path
import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as mp from '../dist/index.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? true]));
const SIZES = args.sizes ? String(args.sizes).split(',').map(Number) : [1 << 20, 16 << 20];
const QUICK = Boolean(args.quick);

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median seconds per call (after ~50 ms of warm-up; slow calls get fewer repetitions). */
function measure(fn, n) {
  const warmEnd = process.hrtime.bigint() + 50_000_000n;
  const t0 = process.hrtime.bigint();
  do fn();
  while (process.hrtime.bigint() < warmEnd);
  const once = Number(process.hrtime.bigint() - t0) / 1e9;
  const reps = once > 0.5 ? 3 : QUICK ? 5 : n >= 1 << 24 ? 9 : 15;
  const samples = [];
  for (let r = 0; r < reps; r++) {
    const s = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - s) / 1e9);
  }
  return median(samples);
}

function gaussian(n, seed) {
  const x = new Float32Array(n);
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) + 0.5) / 4294967296;
  for (let i = 0; i < n; i++) x[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()) * 0.05;
  return x;
}

function targets() {
  const list = [];
  for (const backend of ['native', 'wasm']) {
    try {
      mp.setBackend(backend);
    } catch (e) {
      console.log(`(${backend} unavailable: ${e.message.split('\n')[1] ?? e.message})`);
      continue;
    }
    const variants = mp.backendInfo().supportedVariants;
    for (const cpu of new Set([variants[0], 'scalar'])) list.push({ label: `${backend}/${cpu}`, backend, cpu });
  }
  return list;
}

const rows = [];
const fmt = (v, d = 2) => (v >= 100 ? v.toFixed(0) : v.toFixed(d));

console.log(`modelpress toolkit bench — ${cpus()[0].model}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}`);
console.log();

for (const n of SIZES) {
  const x = gaussian(n, 7);
  const y = Float32Array.from(x, (v) => v + 1e-4);
  const copyDst = new Float32Array(n);
  const copyGBs = (8 * n) / measure(() => copyDst.set(x), n) / 1e9;
  const zeros = Buffer.alloc(4 * n);
  const readGBs = (4 * n) / measure(() => zeros.indexOf(1), n) / 1e9;
  console.log(`n = ${n} (${(4 * n) / 2 ** 20} MiB float32): copy ${fmt(copyGBs)} GB/s, read ${fmt(readGBs)} GB/s (one core)`);
  console.log('  target            op                      ms/call   Melem/s    GB/s   % of');
  const h16 = new Uint16Array(n);
  const f32 = new Float32Array(n);
  const i8 = new Int8Array(n);
  const packed = new Uint8Array(n / 2);
  const shape = [n / 1024, 1024];
  for (const t of targets()) {
    mp.setBackend(t.backend, { cpu: t.cpu });
    const int4 = mp.quantizeBlocks(x, { blockSize: 32 });
    const codes = mp.pow2Quantize(x);
    const cb = n <= 1 << 20 ? mp.kmeansQuantize(x, { bits: 4, maxIter: 5 }) : undefined;
    const histogram = new mp.HistogramObserver().observe(x);
    // [op, bytes per element, yardstick, call]
    const ops = [
      ['findRange (min-max)', 4, 'read', () => mp.findRange(x)],
      ['quantizationError', 8, 'read', () => mp.quantizationError(x, y)],
      ['fp32→fp16 → out', 6, 'copy', () => mp.toFloat16(x, { out: h16 })],
      ['fp16→fp32 → out', 6, 'copy', () => mp.fromFloat16(h16, { out: f32 })],
      ['fp32→bf16 → out', 6, 'copy', () => mp.toBFloat16(x, { out: h16 })],
      ['bf16→fp32 → out', 6, 'copy', () => mp.fromBFloat16(h16, { out: f32 })],
      ['MinMaxObserver', 4, 'read', () => new mp.MinMaxObserver().observe(x)],
      // A calibration feeds batch after batch: once the first has set the grid, each
      // observe() is one pass; the first batch of a new observer takes two.
      ['HistogramObserver', 4, 'read', () => histogram.observe(x)],
      ['HistogramObserver new', 4, 'read', () => new mp.HistogramObserver().observe(x)],
      ['quantizeBlocks int4/32', 4.5, 'copy', () => mp.quantizeBlocks(x, { blockSize: 32, out: packed })],
      ['quantizeBlocks int8/32', 5, 'copy', () => mp.quantizeBlocks(x, { blockSize: 32, dtype: 'int8', out: i8 })],
      ['dequantizeBlocks int4', 4.5, 'copy', () => mp.dequantizeBlocks(int4, { out: f32 })],
      ['quantizeRows ×1024', 5, 'copy', () => mp.quantizeRows(x, { shape, out: i8 })],
      ['packInt4', 1.5, 'copy', () => mp.packInt4(int4.data.length === n / 2 ? i8.fill(3) : i8, { out: packed })],
      ['unpackInt4', 1.5, 'copy', () => mp.unpackInt4(packed, { out: i8 })],
      ['pow2Quantize → out', 5, 'copy', () => mp.pow2Quantize(x, { out: i8 })],
      ['pow2Dequantize', 5, 'copy', () => mp.pow2Dequantize(codes, { out: f32 })],
    ];
    if (cb) ops.push(['codebookDequantize 4b', 4.5, 'copy', () => mp.codebookDequantize(cb, { out: f32 })]);
    for (const [op, bytes, yard, fn] of ops) {
      const sec = measure(fn, n);
      const gbs = (bytes * n) / sec / 1e9;
      const pct = (100 * gbs) / (yard === 'read' ? readGBs : copyGBs);
      rows.push({ n, target: t.label, op, ms: sec * 1e3, melems: n / sec / 1e6, gbs, pct, yardstick: yard, copyGBs, readGBs });
      console.log(`  ${t.label.padEnd(17)} ${op.padEnd(23)} ${fmt(sec * 1e3, 3).padStart(8)} ${fmt(n / sec / 1e6, 1).padStart(9)} ${fmt(gbs).padStart(7)} ${fmt(pct, 0).padStart(5)}% ${yard}`);
    }
    if (n === 1 << 20 && t.cpu !== 'scalar') {
      // The k-means target: 256 centroids on 1 Mi weights, to convergence (≤ 100 iterations).
      const t0 = process.hrtime.bigint();
      const r = mp.kmeansQuantize(x, { bits: 8, seed: 1 });
      const sec = Number(process.hrtime.bigint() - t0) / 1e9;
      rows.push({ n, target: t.label, op: 'kmeans 256 centroids', ms: sec * 1e3, iterations: r.iterations });
      console.log(`  ${t.label.padEnd(17)} ${'kmeans 256 centroids'.padEnd(23)} ${fmt(sec * 1e3, 1).padStart(8)} ms for ${r.iterations} iterations (SQNR ${r.error.sqnrDb.toFixed(1)} dB)`);
    }
  }
  console.log();
}

const file = typeof args.json === 'string' ? args.json : 'bench/results/toolkit-latest.json';
mkdirSync(file.replace(/\/[^/]*$/, ''), { recursive: true });
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0].model, node: process.versions.node, rows }, null, 1));
console.log(`results written to ${file}`);
