// npm run bench (fourth part): sparse against dense products of a 4096 × 4096 fp32
// weight, per backend at its best CPU variant: matrix × vector and matrix × matrix
// (a batch of 64 columns), for CSR at 50 / 90 / 95 % sparsity and for the 2:4
// packed format (50 %), each against the dense product of the same shape measured
// in the same run. For the matrix × vector products, GB/s is the bytes of the
// stored matrix read once (dense 4 an element; CSR 8 a non-zero + the row
// pointers; 2:4 9/16 of the dense bytes) over the time; the yardstick is a read
// of as many bytes as the dense matrix (Buffer.indexOf of an absent byte: glibc's
// memchr), the memory-bandwidth limit of a dense matvec.
//
// Options: --size=4096  --batch=64  --quick  --json=path
import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as mp from '../dist/index.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? true]));
const N = Number(args.size ?? 4096);
const K = Number(args.batch ?? 64);
const QUICK = Boolean(args.quick);

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function measure(fn, reps = QUICK ? 3 : 9) {
  const warmEnd = process.hrtime.bigint() + 100_000_000n;
  do fn();
  while (process.hrtime.bigint() < warmEnd);
  const samples = [];
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(samples);
}

function random(n, seed) {
  const x = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) x[i] = ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296 - 0.5) * 0.1;
  return x;
}

const fmt = (v, d = 2) => (v >= 100 ? v.toFixed(0) : v.toFixed(d));
const rows = [];
const w = random(N * N, 7);
const x = random(N, 11);
const b = random(N * K, 13);
const y = new Float32Array(N);
const c = new Float32Array(N * K);
const shape = [N, N];
const zeros = Buffer.alloc(4 * N * N);
const readMs = measure(() => zeros.indexOf(1));
console.log(`modelpress spmm bench — ${cpus()[0].model}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}`);
console.log(`A ${N} × ${N} fp32 (${(4 * N * N) / 2 ** 20} MiB), B ${N} × ${K}`);
console.log('  target            product                      ms/call    GB/s  vs dense');
for (const backend of ['native', 'wasm']) {
  try {
    mp.setBackend(backend);
  } catch {
    continue;
  }
  const label = `${backend}/${mp.backendInfo().cpuVariant}`;
  const denseVec = measure(() => mp.denseMatVec(w, shape, x, { out: y }));
  const denseMat = measure(() => mp.denseMatMul(w, shape, b, [N, K], { out: c }), QUICK ? 1 : 3);
  const line = (product, sec, dense, bytes) => {
    const gbs = bytes ? bytes / sec / 1e9 : NaN;
    rows.push({ target: label, product, ms: sec * 1e3, gbs, speedup: dense / sec });
    console.log(`  ${label.padEnd(17)} ${product.padEnd(28)} ${fmt(sec * 1e3, 3).padStart(8)} ${bytes ? fmt(gbs).padStart(7) : '       '} ${fmt(dense / sec).padStart(8)}×`);
  };
  line('dense matvec', denseVec, denseVec, 4 * N * N);
  for (const sparsity of [0.5, 0.9, 0.95]) {
    const pruned = mp.applyMask(w, mp.magnitudeMask(w, { amount: sparsity }));
    const csr = mp.toCSR(pruned, shape);
    const bytes = 8 * csr.values.length + 4 * (N + 1);
    line(`CSR ${sparsity * 100}% matvec`, measure(() => mp.csrMatVec(csr, x, { out: y })), denseVec, bytes);
  }
  const nm = mp.pack24(mp.applyMask(w, mp.nmMask(w, { n: 2, m: 4 })), shape);
  line('2:4 matvec', measure(() => mp.nm24MatVec(nm, x, { out: y })), denseVec, mp.sparseByteSize(nm));
  line(`dense matmul (k = ${K})`, denseMat, denseMat, 0);
  for (const sparsity of [0.5, 0.9, 0.95]) {
    const csr = mp.toCSR(mp.applyMask(w, mp.magnitudeMask(w, { amount: sparsity })), shape);
    line(`CSR ${sparsity * 100}% matmul`, measure(() => mp.csrMatMul(csr, b, [N, K], { out: c }), QUICK ? 1 : 3), denseMat, 0);
  }
  line('2:4 matmul', measure(() => mp.nm24MatMul(nm, b, [N, K], { out: c }), QUICK ? 1 : 3), denseMat, 0);
}
console.log(`  read of ${(4 * N * N) / 2 ** 20} MiB (memchr, the limit of a dense matvec): ${fmt(readMs * 1e3, 3)} ms, ${fmt((4 * N * N) / readMs / 1e9)} GB/s`);
const file = typeof args.json === 'string' ? args.json : 'bench/results/spmm-latest.json';
mkdirSync(file.replace(/\/[^/]*$/, ''), { recursive: true });
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0].model, node: process.versions.node, n: N, k: K, readMs: readMs * 1e3, rows }, null, 1));
console.log(`\nresults written to ${file}`);
