// npm run bench: quantize, dequantize, range finding and the fp16/bf16 casts per
// backend and CPU variant, plus plain JavaScript loops, at 4 Ki, 1 Mi and 16 Mi elements.
//
// Every figure is the median of repeated runs. GB/s counts bytes read + written
// (quantize: 4 + 1 bytes an element; dequantize: 1 + 4; range: 4; casts: 4 + 2;
// quantizationError: 4 + 4 read; fakeQuantize: 4 in, 4 + 1 out). The yardstick
// is a single-core copy (TypedArray.prototype.set, 4 bytes read + 4 written an
// element) of the same number of float32 elements, measured in the same run;
// "% copy" is the kernel's GB/s over the copy's GB/s.
// "out" calls reuse an output buffer; "fresh" calls let the API allocate one,
// paying for the first touch of new memory.
//
// Options: --sizes=4096,1048576  --quick (fewer repetitions)  --json=path
import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as mp from '../dist/index.js';
import * as refCast from '../dist/backends/reference-cast.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? true]));
const SIZES = args.sizes ? String(args.sizes).split(',').map(Number) : [4096, 1 << 20, 16 << 20];
const QUICK = Boolean(args.quick);

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median seconds per call. Small calls are timed in batches of ≥ ~2 ms. */
function measure(fn, n) {
  // Warm up for ~50 ms (at least once): lets V8 optimise the call path and
  // faults in reused buffers, as in a long-running server.
  const warmEnd = process.hrtime.bigint() + 50_000_000n;
  do fn();
  while (process.hrtime.bigint() < warmEnd);
  let batch = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (dt > 2e-3 || batch >= 1 << 20) break;
    batch *= 4;
  }
  const samples = [];
  const reps = QUICK ? 5 : n >= 1 << 24 ? 11 : 21;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e9 / batch);
  }
  return median(samples);
}

function data(n) {
  const x = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    x[i] = (s / 4294967296 - 0.5) * 8;
  }
  return x;
}

// The plain JavaScript loop a user would write (same semantics as the kernels).
function roundHalfEven(v) {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
const js = {
  quantize(x, scale, zp, out) {
    for (let i = 0; i < x.length; i++) {
      const v = Math.fround(x[i] / scale);
      out[i] = v !== v ? zp : Math.min(127, Math.max(-128, roundHalfEven(v) + zp));
    }
    return out;
  },
  dequantize(q, scale, zp, out) {
    for (let i = 0; i < q.length; i++) out[i] = (q[i] - zp) * scale;
    return out;
  },
  errorSums(x, y) {
    let se = 0, sa = 0, me = 0, sx = 0, sy = 0, sxy = 0, mx = 0;
    for (let i = 0; i < x.length; i++) {
      const a = x[i], b = y[i], e = b - a;
      se += e * e;
      sa += Math.abs(e);
      me = Math.max(me, Math.abs(e));
      sx += a * a;
      sy += b * b;
      sxy += a * b;
      mx = Math.max(mx, Math.abs(a));
    }
    return [se, sa, me, sx, sy, sxy, mx];
  },
  range(x) {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (!Number.isFinite(v)) throw new RangeError(`non-finite at ${i}`);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return [lo, hi];
  },
};

const SCALE = Math.fround(8 / 255);
const ZP = -3;

function targets() {
  const list = [];
  for (const backend of ['native', 'wasm']) {
    try {
      mp.setBackend(backend);
    } catch (e) {
      console.log(`(${backend} unavailable: ${e.message.split('\n')[1] ?? e.message})`);
      continue;
    }
    for (const cpu of mp.backendInfo().supportedVariants) list.push({ label: `${backend}/${cpu}`, backend, cpu });
  }
  list.push({ label: 'plain JS loop', backend: null });
  return list;
}

const rows = [];
const fmt = (v, d = 2) => (v >= 100 ? v.toFixed(0) : v.toFixed(d));

console.log(`modelpress bench — ${cpus()[0].model}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}`);
console.log(mp.formatBackendInfo());
console.log();

for (const n of SIZES) {
  const x = data(n);
  const copyDst = new Float32Array(n);
  const copyTime = measure(() => copyDst.set(x), n);
  const copyGBs = (8 * n) / copyTime / 1e9;
  const q = new Int8Array(n);
  const deq = new Float32Array(n);
  const h16 = new Uint16Array(n);
  const qMask = new Uint8Array(n);
  console.log(`n = ${n} (${(4 * n / 2 ** 20).toFixed(n < 65536 ? 3 : 0)} MiB float32): copy ${fmt(copyTime * 1e3, 3)} ms, ${fmt(copyGBs)} GB/s`);
  console.log('  target            op                 ms/call   µs/call    Gelem/s   GB/s    % copy');
  for (const t of targets()) {
    const ops = [];
    if (t.backend) {
      mp.setBackend(t.backend, { cpu: t.cpu });
      // Options objects made once, as a server reusing its buffers would.
      const qFresh = { scale: SCALE, zeroPoint: ZP, dtype: 'int8' };
      const qOut = { scale: SCALE, zeroPoint: ZP, dtype: 'int8', out: q };
      const dFresh = { scale: SCALE, zeroPoint: ZP };
      const dOut = { scale: SCALE, zeroPoint: ZP, out: deq };
      ops.push(['quantize → out', 5, () => mp.quantizeLinear(x, qOut)]);
      ops.push(['quantize fresh', 5, () => mp.quantizeLinear(x, qFresh)]);
      ops.push(['dequantize → out', 5, () => mp.dequantizeLinear(q, dOut)]);
      ops.push(['dequantize fresh', 5, () => mp.dequantizeLinear(q, dFresh)]);
      ops.push(['range (findRange)', 4, () => mp.findRange(x)]);
      const hOut = { out: h16 };
      const fOut = { out: deq };
      ops.push(['fp32→fp16 → out', 6, () => mp.toFloat16(x, hOut)]);
      ops.push(['fp16→fp32 → out', 6, () => mp.fromFloat16(h16, fOut)]);
      ops.push(['fp32→bf16 → out', 6, () => mp.toBFloat16(x, hOut)]);
      ops.push(['bf16→fp32 → out', 6, () => mp.fromBFloat16(h16, fOut)]);
      ops.push(['quantizationError', 8, () => mp.quantizationError(x, deq)]);
      const fqOut = { scale: SCALE, zeroPoint: ZP, dtype: 'int8', out: deq, mask: qMask };
      ops.push(['fakeQuantize → out', 9, () => mp.fakeQuantize(x, fqOut)]);
    } else {
      ops.push(['quantize → out', 5, () => js.quantize(x, SCALE, ZP, q)]);
      ops.push(['quantize fresh', 5, () => js.quantize(x, SCALE, ZP, new Int8Array(n))]);
      ops.push(['dequantize → out', 5, () => js.dequantize(q, SCALE, ZP, deq)]);
      ops.push(['dequantize fresh', 5, () => js.dequantize(q, SCALE, ZP, new Float32Array(n))]);
      ops.push(['range (findRange)', 4, () => js.range(x)]);
      // the reference backend's casts are the plain loops
      ops.push(['fp32→fp16 → out', 6, () => refCast.f32ToF16(x, h16)]);
      ops.push(['fp16→fp32 → out', 6, () => refCast.f16ToF32(h16, deq)]);
      ops.push(['fp32→bf16 → out', 6, () => refCast.f32ToBf16(x, h16)]);
      ops.push(['bf16→fp32 → out', 6, () => refCast.bf16ToF32(h16, deq)]);
      ops.push(['quantizationError', 8, () => js.errorSums(x, deq)]);
    }
    for (const [op, bytesPerElement, fn] of ops) {
      const sec = measure(fn, n);
      const gbs = (bytesPerElement * n) / sec / 1e9;
      const row = { n, target: t.label, op, ms: sec * 1e3, us: sec * 1e6, gelems: n / sec / 1e9, gbs, pctCopy: (100 * gbs) / copyGBs, copyGBs };
      rows.push(row);
      console.log(
        `  ${t.label.padEnd(17)} ${op.padEnd(18)} ${fmt(row.ms, 3).padStart(8)} ${fmt(row.us, 2).padStart(9)} ${fmt(row.gelems, 3).padStart(10)} ${fmt(gbs).padStart(6)} ${fmt(row.pctCopy, 0).padStart(8)}%`,
      );
    }
  }
  console.log();
}

// Ratios of the targets, from this run.
const pick = (n, target, op) => rows.find((r) => r.n === n && r.target === target && r.op === op);
const big = 16 << 20;
const nativeBest = rows.find((r) => r.target.startsWith('native/'))?.target;
const wasmBest = rows.find((r) => r.target.startsWith('wasm/'))?.target;
if (SIZES.includes(big) && nativeBest) {
  const nq = pick(big, nativeBest, 'quantize → out');
  const nd = pick(big, nativeBest, 'dequantize → out');
  console.log(`summary (${nativeBest}, 16 Mi into out): quantize ${fmt(nq.pctCopy, 0)}% of copy bandwidth, dequantize ${fmt(nd.pctCopy, 0)}%`);
  if (wasmBest) {
    const wq = pick(big, wasmBest, 'quantize → out');
    const wd = pick(big, wasmBest, 'dequantize → out');
    console.log(`summary (${wasmBest} vs ${nativeBest}, 16 Mi into out): quantize ${fmt((100 * nq.ms) / wq.ms, 0)}% of native speed, dequantize ${fmt((100 * nd.ms) / wd.ms, 0)}%`);
  }
}
if (SIZES.includes(4096) && nativeBest) {
  console.log(`summary (${nativeBest}, 4 Ki sync call end to end): ${fmt(pick(4096, nativeBest, 'quantize → out').us, 2)} µs into out, ${fmt(pick(4096, nativeBest, 'quantize fresh').us, 2)} µs fresh`);
}

const file = typeof args.json === 'string' ? args.json : 'bench/results/quant-latest.json';
mkdirSync(file.replace(/\/[^/]*$/, ''), { recursive: true });
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0].model, node: process.versions.node, rows }, null, 1));
console.log(`results written to ${file}`);
