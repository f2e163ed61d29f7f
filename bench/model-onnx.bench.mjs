// ONNX weight-only quantization end to end on a synthetic 100 M-parameter model:
// a chain of 24 MatMuls with [2048, 2048] float32 initializers (~400 MB), written to
// os.tmpdir(). quantizeOnnx (per-channel int8, the default) runs in a fresh child
// process each time — read, quantize with error metrics and histograms, rewrite,
// write — and reports its wall time and its peak RSS above the child's baseline (the
// RSS after importing modelpress, before reading the model). Figures: median of 3
// runs; peak memory as a multiple of the model's file size.
//
// Options: --layers=24 --dim=2048 --runs=3 --json=path
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? true]));
const LAYERS = Number(args.layers ?? 24);
const DIM = Number(args.dim ?? 2048);
const RUNS = Number(args.runs ?? 3);

if (args.make) {
  // Child: write the synthetic model (kept out of the parent, whose RSS a child's
  // maxRSS would otherwise inherit through fork).
  await writeModel(String(args.make));
  process.exit(0);
}

if (args.child) {
  // Child: baseline after imports, then one quantizeOnnx; print JSON on stdout.
  const mp = await import('../dist/index.js');
  const baseKB = process.resourceUsage().maxRSS;
  const t0 = process.hrtime.bigint();
  const report = await mp.quantizeOnnx(args.input, args.output, { inPlace: false });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const peakKB = process.resourceUsage().maxRSS;
  process.stdout.write(JSON.stringify({ ms, baseMB: baseKB / 1024, peakMB: peakKB / 1024, ratio: report.totals.ratio, fileBytesAfter: report.totals.fileBytesAfter, minSqnrDb: report.totals.minSqnrDb }));
  process.exit(0);
}


function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The synthetic model: x [1, DIM] → MatMul(W0) → … → MatMul(W{LAYERS-1}). */
async function writeModel(path) {
  const mp = await import('../dist/index.js');
  let s = 12345;
  const initializer = [];
  const node = [];
  const bound = Math.sqrt(6 / DIM);
  for (let l = 0; l < LAYERS; l++) {
    const w = new Float32Array(DIM * DIM);
    for (let i = 0; i < w.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      w[i] = (s / 4294967296 - 0.5) * 2 * bound;
    }
    initializer.push(mp.makeTensor(`layers.${l}.weight`, mp.DataType.FLOAT, [DIM, DIM], new Uint8Array(w.buffer)));
    node.push(mp.makeNode('MatMul', [l === 0 ? 'x' : `h${l - 1}`, `layers.${l}.weight`], [l === LAYERS - 1 ? 'y' : `h${l}`], { name: `mm${l}` }));
  }
  const info = (name) => mp.ValueInfoProto.create({ name, type: { tensorType: { elemType: mp.DataType.FLOAT, shape: { dim: [{ dimValue: 1 }, { dimValue: DIM }] } } } });
  const graph = mp.GraphProto.create({ name: 'chain', node, initializer, input: [info('x')], output: [info('y')] });
  mp.writeOnnx(path, mp.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph }));
}

const dir = mkdtempSync(join(tmpdir(), 'mp-bench-onnx-'));
try {
  const input = join(dir, 'chain.onnx');
  const output = join(dir, 'chain-int8.onnx');
  const t0 = Date.now();
  const made = spawnSync(process.execPath, [fileURLToPath(import.meta.url), `--make=${input}`, `--layers=${LAYERS}`, `--dim=${DIM}`], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`model writer failed (${made.status}): ${made.stderr}`);
  const modelBytes = statSync(input).size;
  console.log(`model: ${LAYERS} MatMuls of [${DIM}, ${DIM}] = ${((LAYERS * DIM * DIM) / 1e6).toFixed(1)} M parameters, ${(modelBytes / 1e6).toFixed(1)} MB (written in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);

  const runs = [];
  for (let r = 0; r < RUNS; r++) {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', `--input=${input}`, `--output=${output}`], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (child.status !== 0) throw new Error(`child failed (${child.status}): ${child.stderr}`);
    const run = JSON.parse(child.stdout);
    runs.push(run);
    console.log(`  run ${r + 1}: ${(run.ms / 1000).toFixed(2)} s, peak RSS ${run.peakMB.toFixed(0)} MB (baseline ${run.baseMB.toFixed(0)} MB)`);
  }
  const ms = median(runs.map((r) => r.ms));
  const peakAboveBaseMB = median(runs.map((r) => r.peakMB - r.baseMB));
  const result = {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.versions.node,
    layers: LAYERS,
    dim: DIM,
    parameters: LAYERS * DIM * DIM,
    modelBytes,
    outputBytes: runs[0].fileBytesAfter,
    sizeRatio: modelBytes / runs[0].fileBytesAfter,
    minSqnrDb: runs[0].minSqnrDb,
    runs: runs.map((r) => ({ ms: r.ms, peakMB: r.peakMB, baseMB: r.baseMB })),
    medianMs: ms,
    throughputMBs: modelBytes / 1e6 / (ms / 1000),
    peakAboveBaselineMB: peakAboveBaseMB,
    peakOverModelSize: (peakAboveBaseMB * 1024 * 1024) / modelBytes,
  };
  console.log(
    `quantizeOnnx per-channel int8: median ${(ms / 1000).toFixed(2)} s (${result.throughputMBs.toFixed(0)} MB/s of model), ` +
      `peak memory ${peakAboveBaseMB.toFixed(0)} MB above baseline = ${result.peakOverModelSize.toFixed(2)}× the model size, ` +
      `output ${(result.outputBytes / 1e6).toFixed(1)} MB (${result.sizeRatio.toFixed(2)}× smaller)`,
  );
  const jsonPath = args.json ? String(args.json) : join(here, 'results', 'model-onnx-latest.json');
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(result, null, 1) + '\n');
  console.log(`saved ${jsonPath}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
