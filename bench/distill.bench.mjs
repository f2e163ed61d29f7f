// npm run bench (fifth part): distillation losses per backend (best CPU variant
// and scalar): softmax alone, the KD loss forward + backward (loss and gradient,
// teacher as logits, T = 4) and the combined Hinton loss (KD + hard-label
// cross-entropy), for [256, 1000] and [64, 32000] logits. The gradient buffer is
// reused (gradOut), as in a training loop.
//
// Options: --quick  --json=path
import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as mp from '../dist/index.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? true]));
const QUICK = Boolean(args.quick);

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function measure(fn) {
  const warmEnd = process.hrtime.bigint() + 100_000_000n;
  do fn();
  while (process.hrtime.bigint() < warmEnd);
  const samples = [];
  for (let r = 0; r < (QUICK ? 7 : 31); r++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(samples);
}

function logits(n, seed) {
  const x = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) x[i] = ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296 - 0.5) * 20;
  return x;
}

const rows = [];
console.log(`modelpress distill bench — ${cpus()[0].model}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}`);
console.log('  shape         target            op                          ms/call');
for (const shape of [[256, 1000], [64, 32000]]) {
  const n = shape[0] * shape[1];
  const s = logits(n, 1);
  const t = logits(n, 2);
  const labels = Int32Array.from({ length: shape[0] }, (_, r) => (r * 37) % shape[1]);
  const gradOut = new Float32Array(n);
  const out = new Float32Array(n);
  for (const backend of ['native', 'wasm']) {
    try {
      mp.setBackend(backend);
    } catch {
      continue;
    }
    const variants = mp.backendInfo().supportedVariants;
    for (const cpu of new Set([variants[0], 'scalar'])) {
      mp.setBackend(backend, { cpu });
      const label = `${backend}/${cpu}`;
      const ops = [
        ['softmax', () => mp.softmax(s, { shape, out })],
        ['kdLoss forward + backward', () => mp.kdLoss(s, t, { shape, temperature: 4, gradOut })],
        ['kdLoss forward only', () => mp.kdLoss(s, t, { shape, temperature: 4, grad: false })],
        ['hintonLoss forward + backward', () => mp.hintonLoss(s, t, labels, { shape, temperature: 4, gradOut })],
      ];
      for (const [op, fn] of ops) {
        const sec = measure(fn);
        rows.push({ shape, target: label, op, ms: sec * 1e3 });
        console.log(`  ${`[${shape}]`.padEnd(13)} ${label.padEnd(17)} ${op.padEnd(27)} ${(sec * 1e3).toFixed(3).padStart(8)}`);
      }
    }
  }
}
const file = typeof args.json === 'string' ? args.json : 'bench/results/distill-latest.json';
mkdirSync(file.replace(/\/[^/]*$/, ''), { recursive: true });
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0].model, node: process.versions.node, rows }, null, 1));
console.log(`\nresults written to ${file}`);
