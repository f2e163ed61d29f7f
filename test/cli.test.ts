/**
 * The `modelpress` command line, run as users run it (node dist/cli/main.js):
 * help, exit codes and messages, reports as table / JSON / HTML, atomic output
 * that never lands on the input, and each command on the shipped example model.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { writeSafetensors, readSafetensors, readOnnx, findWeights, tensorToFloat32 } from '../dist/index.js';
import { writeLayersModel } from './fixtures-tfjs.js';
import { rng } from './helpers.js';

const CLI = path.resolve('dist/cli/main.js');
const EXAMPLE = path.resolve('examples/models/tiny-convnet.onnx');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, MODELPRESS_DEBUG: '' } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function safetensorsModel(file: string): string {
  const next = rng(7);
  const w = new Float32Array(64 * 48).map(() => next() - 0.5);
  const b = new Float32Array(64).map(() => next() - 0.5);
  writeSafetensors(file, [
    { name: 'fc.weight', dtype: 'F32', shape: [64, 48], data: w },
    { name: 'fc.bias', dtype: 'F32', shape: [64], data: b },
  ]);
  return file;
}

describe('modelpress CLI', () => {
  it('prints help for the program and for each command, exit 0', () => {
    const top = run('--help');
    expect(top.status).toBe(0);
    for (const c of ['inspect', 'quantize', 'prune', 'compare', 'bench']) expect(top.stdout).toContain(c);
    for (const c of ['inspect', 'quantize', 'prune', 'compare', 'bench']) {
      const h = run(c, '--help');
      expect(h.status, c).toBe(0);
      expect(h.stdout).toMatch(new RegExp(`Usage: modelpress ${c}`));
    }
    expect(run('quantize', '--help').stdout).toContain('--per-tensor');
    expect(run('--version').stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('rejects bad usage with exit code 2 and a message', () => {
    const r = run('prune', EXAMPLE, '--amount', '1.5');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--amount.*fraction in \[0, 1\], got "1\.5"/);
    const d = run('quantize', EXAMPLE, '--dtype', 'int3');
    expect(d.status).toBe(2);
    expect(d.stderr).toMatch(/int3/);
    expect(run('frobnicate').status).toBe(2);
  });

  it('fails with exit code 1 and one clear line on a missing or malformed model', () => {
    const missing = run('quantize', 'nope.onnx');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^modelpress: quantizeModel: path must be an existing model file, got "nope\.onnx"\n$/);
    fs.writeFileSync(path.join(dir, 'bad.onnx'), Buffer.from([0x08, 0xff, 0xff, 0xff]));
    const bad = run('inspect', 'bad.onnx');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^modelpress: .*bad\.onnx is not a valid ONNX file/);
    expect(bad.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('quantizes the example model: table, file, HTML report, --json', () => {
    const r = run('quantize', EXAMPLE, '-o', 'q.onnx', '--html', 'report.html');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/conv2\.weight .*float32 → int8/);
    expect(r.stdout).toMatch(/total: 8 tensors, 2 changed; weights .* \(3\.\d\d× smaller\)/);
    expect(fs.statSync(path.join(dir, 'q.onnx')).size).toBeLessThan(fs.statSync(EXAMPLE).size / 3.5);
    const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg class="hist"');
    expect(html).not.toMatch(/<script|https?:\/\//); // self-contained
    const j = run('quantize', EXAMPLE, '-o', 'q2.onnx', '--json', '--dtype', 'uint8', '--per-tensor');
    expect(j.status, j.stderr).toBe(0);
    const report = JSON.parse(j.stdout);
    expect(report.command).toBe('quantize');
    expect(report.options).toMatchObject({ dtype: 'uint8', perChannel: false });
    const fc1 = report.tensors.find((t: { name: string }) => t.name === 'fc1.weight');
    expect(fc1).toMatchObject({ action: 'quantized', dtypeAfter: 'uint8', shape: [2048, 96] });
    expect(fc1.error.sqnrDb).toBeGreaterThan(30);
    // The written model's weights decode to what the report says.
    const w = findWeights(readOnnx(path.join(dir, 'q2.onnx')).proto).find((x: { name: string }) => x.name.startsWith('fc1.weight'));
    expect(w).toBeDefined();
  });

  it('never writes over the input unless --in-place; a failed run leaves no files', () => {
    const copy = path.join(dir, 'copy.onnx');
    fs.copyFileSync(EXAMPLE, copy);
    const before = fs.readFileSync(copy);
    const r = run('quantize', 'copy.onnx', '-o', 'copy.onnx');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/output must be a different path from the input/);
    expect(fs.readFileSync(copy).equals(before)).toBe(true);
    const inPlace = run('quantize', 'copy.onnx', '--in-place', '--json');
    expect(inPlace.status, inPlace.stderr).toBe(0);
    expect(fs.statSync(copy).size).toBeLessThan(before.length / 3.5);
    // A NaN weight fails the run: exit 1, no output and no temporary file.
    const bad = path.join(dir, 'nan.safetensors');
    const w = new Float32Array(64 * 48).fill(0.5);
    w[100] = NaN;
    writeSafetensors(bad, [{ name: 'w', dtype: 'F32', shape: [64, 48], data: w }]);
    const failed = run('quantize', 'nan.safetensors', '-o', 'nan.q.safetensors');
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/index 100/);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('nan.q') || f.includes('.tmp'))).toEqual([]);
  });

  it('default output names follow the dtype, next to the input', () => {
    const src = safetensorsModel(path.join(dir, 'lin.safetensors'));
    expect(run('quantize', src, '--json').status).toBe(0);
    const q = readSafetensors(path.join(dir, 'lin.int8.safetensors'));
    expect(q.tensors['fc.weight'].dtype).toBe('I8');
    expect(q.tensors['fc.bias'].dtype).toBe('F32'); // 1-D kept
    expect(run('prune', src, '--method', 'nm', '--nm', '2:4', '--json').status).toBe(0);
    const p = readSafetensors(path.join(dir, 'lin.2of4.safetensors'));
    const pw = p.tensors['fc.weight'].data as Float32Array;
    expect(pw.filter((x) => x === 0).length).toBe(pw.length / 2);
  });

  it('--nm alone means N:M pruning; with another explicit method it is an error', () => {
    const src = safetensorsModel(path.join(dir, 'nm.safetensors'));
    expect(run('prune', src, '--nm', '1:4', '-o', 'nm14.safetensors', '--json').status).toBe(0);
    const w = readSafetensors(path.join(dir, 'nm14.safetensors')).tensors['fc.weight'].data as Float32Array;
    expect(w.filter((x) => x === 0).length).toBe((w.length * 3) / 4);
    const bad = run('prune', src, '--method', 'magnitude', '--nm', '2:4');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--nm 2:4 applies to --method nm, not --method magnitude/);
  });

  it('prune reports the sparsity per tensor and the pruned ONNX model still runs', () => {
    const r = run('prune', EXAMPLE, '-o', 'p.onnx', '--method', 'magnitude', '--amount', '0.75', '--json');
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const fc1 = report.tensors.find((t: { name: string }) => t.name === 'fc1.weight');
    expect(fc1.sparsity).toBeCloseTo(0.75, 6);
    const w = findWeights(readOnnx(path.join(dir, 'p.onnx')).proto).find((x: { name: string }) => x.name === 'fc1.weight')!;
    const values = tensorToFloat32(w.tensor)!;
    expect(values.filter((x: number) => x === 0).length).toBe(Math.round(0.75 * values.length));
    const c = run('compare', EXAMPLE, 'p.onnx', '--json', '--runs', '2');
    expect(c.status, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout).runs).toBe(2);
  });

  it('compare reports agreement of the quantized example in onnxruntime-node', () => {
    expect(run('quantize', EXAMPLE, '-o', 'cmp.onnx', '--json').status).toBe(0);
    const r = run('compare', EXAMPLE, 'cmp.onnx', '--json', '--runs', '4');
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.runtime).toBe('onnxruntime-node');
    expect(result.outputs).toHaveLength(1);
    const o = result.outputs[0];
    expect(o.shape).toEqual([1, 10]);
    expect(o.cosine).toBeGreaterThan(0.999);
    expect(o.top1Agreement).toBe(1);
    expect(o.maxAbsDiff).toBeLessThan(0.02 * o.maxAbsOriginal);
    const text = run('compare', EXAMPLE, 'cmp.onnx', '--runs', '2');
    expect(text.stdout).toMatch(/top-1 agreement/);
    expect(text.stdout).toMatch(/100\.0 % of 2/);
  });

  it('compare takes inputs from a JSON file and rejects safetensors models', () => {
    const input = { input: { shape: [1, 3, 32, 32], data: Array.from({ length: 3072 }, (_, i) => Math.sin(i)) } };
    fs.writeFileSync(path.join(dir, 'inputs.json'), JSON.stringify(input));
    expect(run('quantize', EXAMPLE, '-o', 'cmp2.onnx', '--json').status).toBe(0);
    const r = run('compare', EXAMPLE, 'cmp2.onnx', '--inputs', 'inputs.json', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ runs: 1, inputs: 'inputs.json' });
    const src = safetensorsModel(path.join(dir, 'c.safetensors'));
    const s = run('compare', src, src);
    expect(s.status).toBe(1);
    expect(s.stderr).toMatch(/safetensors files hold weights but no graph/);
  });

  it('inspect lists the weights of each format', async () => {
    const onnx = JSON.parse(run('inspect', EXAMPLE, '--json', '--html', 'inspect.html').stdout);
    expect(onnx.format).toBe('onnx');
    const fc1 = onnx.tensors.find((t: { name: string }) => t.name === 'fc1.weight');
    expect(fc1.scheme).toBe('MatMul B');
    // A picture of each float tensor's values: 64 bins holding every value.
    expect(fc1.histogram.original.counts).toHaveLength(64);
    expect(fc1.histogram.original.counts.reduce((a: number, b: number) => a + b, 0)).toBe(2048 * 96);
    expect(fc1.histogram.error).toBeUndefined();
    const html = fs.readFileSync(path.join(dir, 'inspect.html'), 'utf8');
    expect(html.match(/<svg class="hist"/g)).toHaveLength(8);
    expect(JSON.parse(run('inspect', EXAMPLE, '--json', '--bins', '0').stdout).tensors[0].histogram).toBeUndefined();
    const src = safetensorsModel(path.join(dir, 'i.safetensors'));
    const st = JSON.parse(run('inspect', src, '--json').stdout);
    expect(st.tensors).toHaveLength(2);
    const tfDir = path.join(dir, 'tfjs-model');
    fs.mkdirSync(tfDir);
    await writeLayersModel(tf, tfDir, 4096);
    const t = run('inspect', tfDir);
    expect(t.status, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/TensorFlow\.js/);
    const q = run('quantize', tfDir, '--json');
    expect(q.status, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout).output).toBe(path.join(dir, 'tfjs-model-uint8', 'model.json'));
    const c = run('compare', tfDir, 'tfjs-model-uint8', '--json', '--runs', '2');
    expect(c.status, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout).outputs[0].cosine).toBeGreaterThan(0.999);
  });

  it('bench times a synthetic model per backend', () => {
    const r = run('bench', '--params', '65536', '--runs', '1', '--backends', 'native,wasm', '--json');
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.rows.map((x: { backend: string }) => x.backend)).toEqual(['native', 'wasm']);
    for (const row of result.rows) expect(row.medianMs).toBeGreaterThan(0);
    expect(result.fileBytes).toBeGreaterThan(65536 * 4);
  });
});
