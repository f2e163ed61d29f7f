// npm run bench (third part): pruning masks and sparse storage per backend (best
// CPU variant and scalar) at 1 Mi and 16 Mi elements (square matrices): magnitude
// masks at 50 % and 90 % sparsity (exact k by radix select), threshold masks,
// structured (ln_structured), block and N:M masks, applyMask, sparsity, and the
// conversions to and from CSR, bitmask and 2:4 storage of a 90 %-sparse matrix.
//
// GB/s counts the bytes of one read of the input and one write of the output
// (magnitudeMask: 4 read per pass, 1 written; the select makes three histogram
// passes and one mask pass). The yardstick is a
// single-core copy of the same float32 data (4 + 4 bytes an element) in the same run.
//
// Options: --sizes=1048576  --backends=native  --quick  --json=path
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

function measure(fn, n) {
  const warmEnd = process.hrtime.bigint() + 50_000_000n;
  do fn();
  while (process.hrtime.bigint() < warmEnd);
  const samples = [];
  const reps = QUICK ? 5 : n >= 1 << 24 ? 9 : 15;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(samples);
}

function weights(n) {
  const x = new Float32Array(n);
  let s = 99;
  const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) + 0.5) / 4294967296;
  for (let i = 0; i < n; i++) x[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()) * 0.02;
  return x;
}

const fmt = (v, d = 2) => (v >= 100 ? v.toFixed(0) : v.toFixed(d));
const rows = [];
console.log(`modelpress sparse bench — ${cpus()[0].model}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}`);
for (const n of SIZES) {
  const x = weights(n);
  const copy = new Float32Array(n);
  const copyGBs = (8 * n) / measure(() => copy.set(x), n) / 1e9;
  console.log(`\nn = ${n} (${(4 * n) / 2 ** 20} MiB float32): copy ${fmt(copyGBs)} GB/s`);
  console.log('  target            op                       ms/call   Melem/s    GB/s  % copy');
  const mask = new Uint8Array(n);
  const out = new Float32Array(n);
  for (const backend of args.backends ? String(args.backends).split(',') : ['native', 'wasm']) {
    try {
      mp.setBackend(backend);
    } catch {
      continue;
    }
    const variants = mp.backendInfo().supportedVariants;
    for (const cpu of new Set([variants[0], 'scalar'])) {
      mp.setBackend(backend, { cpu });
      const label = `${backend}/${cpu}`;
      const m90 = mp.magnitudeMask(x, { amount: 0.9 });
      const side = Math.sqrt(n);
      const shape = [side, side];
      const pruned = mp.applyMask(x, m90);
      const csr = mp.toCSR(pruned, shape);
      const bitmask = mp.toBitmask(pruned);
      const nm = mp.applyMask(x, mp.nmMask(x, { n: 2, m: 4 }));
      const packed = mp.pack24(nm, shape);
      const ops = [
        ['magnitudeMask 50%', 5, () => mp.magnitudeMask(x, { amount: 0.5, out: mask })],
        ['magnitudeMask 90%', 5, () => mp.magnitudeMask(x, { amount: 0.9, out: mask })],
        ['thresholdMask', 5, () => mp.thresholdMask(x, { threshold: 0.02, out: mask })],
        ['applyMask → out', 9, () => mp.applyMask(x, m90, { out })],
        ['sparsity (mask)', 1, () => mp.sparsity(m90)],
        ['lnStructured rows L2', 5, () => mp.lnStructuredMask(x, { shape, axis: 0, n: 2, amount: 0.5, out: mask })],
        ['lnStructured cols L1', 5, () => mp.lnStructuredMask(x, { shape, axis: 1, n: 1, amount: 0.5, out: mask })],
        ['blockMask 1x4 mean 90%', 5, () => mp.blockMask(x, { shape, block: [1, 4], amount: 0.9, out: mask })],
        ['blockMask 4x1 max 90%', 5, () => mp.blockMask(x, { shape, block: [4, 1], pooling: 'max', amount: 0.9, out: mask })],
        ['nmMask 2:4 (last axis)', 5, () => mp.nmMask(x, { n: 2, m: 4, out: mask })],
        ['nmMask 2:4 (axis 0)', 5, () => mp.nmMask(x, { n: 2, m: 4, shape, axis: 0, out: mask })],
        ['toCSR 90%', 4.8, () => mp.toCSR(pruned, shape)],
        ['fromCSR 90%', 4.8, () => mp.fromCSR(csr, out)],
        ['toBitmask 90%', 4.5, () => mp.toBitmask(pruned)],
        ['fromBitmask 90%', 4.5, () => mp.fromBitmask(bitmask, out)],
        ['pack24', 6.25, () => mp.pack24(nm, shape)],
        ['unpack24', 6.25, () => mp.unpack24(packed, out)],
      ];
      for (const [op, bytes, fn] of ops) {
        const sec = measure(fn, n);
        const gbs = (bytes * n) / sec / 1e9;
        rows.push({ n, target: label, op, ms: sec * 1e3, gbs, pctCopy: (100 * gbs) / copyGBs, copyGBs });
        console.log(`  ${label.padEnd(17)} ${op.padEnd(24)} ${fmt(sec * 1e3, 3).padStart(8)} ${fmt(n / sec / 1e6, 1).padStart(9)} ${fmt(gbs).padStart(7)} ${fmt((100 * gbs) / copyGBs, 0).padStart(6)}%`);
      }
    }
  }
}
const file = typeof args.json === 'string' ? args.json : 'bench/results/sparse-latest.json';
mkdirSync(file.replace(/\/[^/]*$/, ''), { recursive: true });
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0].model, node: process.versions.node, rows }, null, 1));
console.log(`\nresults written to ${file}`);
