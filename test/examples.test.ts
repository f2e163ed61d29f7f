/**
 * The README's runnable examples: the Quick start's model (made by
 * scripts/make-example-model.mjs, committed), `npm run demo` and
 * examples/calibrate.mjs (the worked calibration example) and
 * examples/distill/train.ts (distillation in TensorFlow.js) run and print what the
 * READMEs show.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (script: string) => execFileSync(process.execPath, [script], { cwd: root, encoding: 'utf8', timeout: 60_000 });

describe('README examples', () => {
  it('examples/models/tiny-convnet.onnx is exactly what scripts/make-example-model.mjs makes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-example-'));
    try {
      const out = path.join(dir, 'tiny-convnet.onnx');
      execFileSync(process.execPath, ['scripts/make-example-model.mjs', out], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      expect(fs.readFileSync(out).equals(fs.readFileSync(path.join(root, 'examples/models/tiny-convnet.onnx')))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('npm run demo compresses the built-in weight with every scheme and reports the error of each', () => {
    const out = run('scripts/demo.mjs');
    for (const scheme of ['int8 symmetric, per tensor', 'int8 symmetric, per channel', 'uint8 affine', 'fp16', 'int4 symmetric, blocks of 32', 'k-means codebook']) {
      expect(out).toContain(scheme);
    }
    expect(out).toMatch(/int4 symmetric, blocks of 32: 240 KiB \(6\.40× smaller\)/);
    expect(out).toMatch(/k-means codebook, 16 values: 192 KiB \(8\.00× smaller\)/);
  });

  it('examples/calibrate.mjs: entropy calibration beats min-max on all but the outlier', () => {
    const lines = run('examples/calibrate.mjs').trim().split('\n');
    expect(lines).toHaveLength(2);
    const body = lines.map((l) => Number(/SQNR ([\d.]+) dB$/.exec(l)![1]));
    expect(lines[0]).toMatch(/^min-max {2}scale 0\.6050/);
    expect(lines[1]).toMatch(/^entropy {2}scale 0\.1150/);
    expect(body[1]).toBeGreaterThan(body[0] + 10);
  });

  it('examples/distill/train.ts: the distilled student beats the one trained on labels alone', () => {
    const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
    const out = execFileSync(process.execPath, [tsx, 'examples/distill/train.ts'], { cwd: root, encoding: 'utf8', timeout: 180_000 });
    const acc = (who: string) => Number(new RegExp(`${who}: +test accuracy ([\\d.]+) %`).exec(out)![1]);
    // The run is deterministic, but its last digits depend on the CPU variant's float sums,
    // so the test asserts what the README claims rather than the exact figures.
    expect(acc('examples\\)')).toBeGreaterThan(60);
    expect(acc('distilled')).toBeGreaterThan(acc('labels only') + 10);
  }, 200_000);
});
