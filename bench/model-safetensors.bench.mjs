// node bench/model-safetensors.bench.mjs: quantizeSafetensors end to end (read,
// quantize int8 per channel, measure the error with histograms, write) on a
// synthetic 100 M-parameter float32 model (24 × [2048, 2048] matrices and 48
// [2048] vectors, ≈ 403 MB) written once to the temp directory.
//
// Time: median of 3 runs after a warm-up run (the model is then in the page
// cache, as after a download). Throughput: GB/s of input read. Peak memory:
// one quantize in a child process: its RSS just before (baseline: Node plus
// modelpress loaded) and process.resourceUsage().maxRSS after; the growth is
// compared with the model's file size. Targets: < 2 s, peak growth < 1.5×.
//
// Options: --runs=3  --json=path  --keep (leave the model in the temp directory)
import { execFileSync } from 'node:child_process';
import { cpus, tmpdir } from 'node:os';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mp from '../dist/index.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? true]));
const RUNS = Number(args.runs ?? 3);
const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** 24 layers of [2048, 2048] weights, each followed by two [2048] norm vectors. */
function writeModel(path) {
  const d = 2048;
  const tensors = [];
  let s = 12345;
  for (let layer = 0; layer < 24; layer++) {
    const w = new Float32Array(d * d);
    for (let i = 0; i < w.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      w[i] = (s / 4294967296 - 0.5) * 0.1 * (1 + (i >>> 11) % 5);
    }
    tensors.push({ name: `layers.${layer}.weight`, dtype: 'F32', shape: [d, d], data: w });
    tensors.push({ name: `layers.${layer}.norm.weight`, dtype: 'F32', shape: [d], data: new Float32Array(d).fill(1) });
    tensors.push({ name: `layers.${layer}.norm.bias`, dtype: 'F32', shape: [d], data: new Float32Array(d) });
  }
  mp.writeSafetensors(path, tensors, { metadata: { format: 'pt' } });
}

async function timeQuantize(model, out, options) {
  const t0 = performance.now();
  const report = await mp.quantizeSafetensors(model, out, options);
  const ms = performance.now() - t0;
  rmSync(out, { force: true });
  return { ms, report };
}

/** One quantize in a fresh process: its RSS before (KiB, Node and modelpress loaded) and its maxRSS after. */
function childPeak(model, out, options) {
  const script = `
    const mp = await import(${JSON.stringify(DIST)});
    const baseline = process.memoryUsage().rss / 1024;
    await mp.quantizeSafetensors(${JSON.stringify(model)}, ${JSON.stringify(out)}, ${JSON.stringify(options)});
    console.log(JSON.stringify({ baseline, peak: process.resourceUsage().maxRSS }));`;
  const text = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  rmSync(out, { force: true });
  const { baseline, peak } = JSON.parse(text.trim().split('\n').pop());
  return { baselineBytes: baseline * 1024, peakBytes: peak * 1024 };
}

const dir = mkdtempSync(join(tmpdir(), 'mp-bench-st-'));
const model = join(dir, 'model.safetensors');
const out = join(dir, 'model.int8.safetensors');
try {
  console.log(`modelpress safetensors bench — ${cpus()[0].model}, ${cpus().length} cores, Node ${process.versions.node}`);
  console.log(mp.formatBackendInfo());
  let t0 = performance.now();
  writeModel(model);
  const fileBytes = statSync(model).size;
  console.log(`model: ${model}, ${(fileBytes / 1e6).toFixed(1)} MB (written in ${((performance.now() - t0) / 1e3).toFixed(1)} s)`);
  const rows = [];
  for (const [label, options] of [
    ['int8 per-channel, 64-bin histograms (default)', {}],
    ['int8 per-channel, no histograms', { histogramBins: 0 }],
  ]) {
    await timeQuantize(model, out, options); // warm-up: page cache, JIT
    const times = [];
    let report;
    for (let r = 0; r < RUNS; r++) {
      const t = await timeQuantize(model, out, options);
      times.push(t.ms);
      report = t.report;
    }
    const ms = median(times);
    const mem = childPeak(model, out, options);
    const growth = mem.peakBytes - mem.baselineBytes;
    const row = {
      label,
      options,
      fileBytes,
      medianMs: ms,
      runsMs: times,
      inputGBs: fileBytes / 1e9 / (ms / 1e3),
      outputBytes: report.totals.fileBytesAfter,
      minSqnrDb: report.totals.minSqnrDb,
      peakRssBytes: mem.peakBytes,
      baselineRssBytes: mem.baselineBytes,
      peakGrowthBytes: growth,
      peakGrowthOverFile: growth / fileBytes,
      peakOverFile: mem.peakBytes / fileBytes,
    };
    rows.push(row);
    console.log(`\n${label}`);
    console.log(`  time      median ${ms.toFixed(0)} ms of ${times.map((t) => t.toFixed(0)).join(', ')} ms  (target < 2000 ms)`);
    console.log(`  speed     ${row.inputGBs.toFixed(2)} GB/s of input; output ${(row.outputBytes / 1e6).toFixed(1)} MB, min SQNR ${row.minSqnrDb.toFixed(1)} dB`);
    console.log(
      `  peak RSS  ${(mem.peakBytes / 1e6).toFixed(0)} MB (baseline ${(mem.baselineBytes / 1e6).toFixed(0)} MB, growth ${(growth / 1e6).toFixed(0)} MB) = ` +
        `${row.peakGrowthOverFile.toFixed(3)}× the model's size (${row.peakOverFile.toFixed(3)}× with the baseline; target < 1.5×)`,
    );
  }
  const file = typeof args.json === 'string' ? args.json : 'bench/results/model-safetensors-latest.json';
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0].model, node: process.versions.node, backend: mp.backendInfo().backend, rows }, null, 1));
  console.log(`\nresults written to ${file}`);
} finally {
  if (!args.keep) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
