/**
 * The README's runnable examples: `npm run demo` (the Quick start's main job) and
 * examples/calibrate.mjs (the worked calibration example) run and print what the
 * README shows.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (script: string) => execFileSync(process.execPath, [script], { cwd: root, encoding: 'utf8', timeout: 60_000 });

describe('README examples', () => {
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
});
