/**
 * Backend selection: auto (native, else WASM; never the reference), explicit
 * choice by MODELPRESS_BACKEND or setBackend with no silent fallback, the
 * MODELPRESS_CPU cap, backendInfo(), and an install without a C++ compiler.
 * Each scenario runs in a child process so the environment is its own.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const withNative = process.env.MODELPRESS_TEST_WITHOUT_NATIVE !== '1';

/** Runs a snippet against the package in `dir` and returns its JSON output or its error message. */
function probe(env: Record<string, string>, snippet: string, dir = root): { ok: boolean; value: unknown } {
  const code = `import(${JSON.stringify(join(dir, 'dist/index.js'))}).then(async (mp) => {
    try { const value = await (async () => { ${snippet} })(); console.log(JSON.stringify({ ok: true, value })); }
    catch (e) { console.log(JSON.stringify({ ok: false, value: e.message, code: e.code })); }
  });`;
  const clean = { ...process.env };
  delete clean.MODELPRESS_BACKEND;
  delete clean.MODELPRESS_CPU;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { env: { ...clean, ...env }, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('automatic selection', () => {
  it.runIf(withNative)('picks native, reports its variants, and never the reference', () => {
    const r = probe({}, 'return mp.backendInfo();');
    expect(r.ok).toBe(true);
    const info = r.value as { backend: string; cpuVariant: string; compiledVariants: string[]; supportedVariants: string[]; unavailable: object };
    expect(info.backend).toBe('native');
    expect(info.compiledVariants).toContain('scalar');
    expect(info.supportedVariants).toContain(info.cpuVariant);
    expect(info.compiledVariants[0]).not.toBe('scalar'); // SIMD variants are built in on x86-64 and arm64
    expect(info.unavailable).toEqual({});
  });
});

describe('MODELPRESS_BACKEND', () => {
  it.each(['wasm', 'reference', ...(withNative ? ['native'] : [])])('=%s selects it', (name) => {
    const r = probe({ MODELPRESS_BACKEND: name }, 'return mp.backendInfo().backend;');
    expect(r).toEqual({ ok: true, value: name });
  });

  it('rejects an unknown name', () => {
    const r = probe({ MODELPRESS_BACKEND: 'gpu' }, 'return mp.backendInfo();');
    expect(r.ok).toBe(false);
    expect(r.value).toBe('MODELPRESS_BACKEND: backend must be one of "native", "wasm", "reference", got "gpu"');
  });
});

describe('MODELPRESS_CPU', () => {
  it.runIf(withNative)('caps the native variant', () => {
    const supported = (probe({}, 'return mp.backendInfo().supportedVariants;').value as string[]);
    for (const cap of supported) {
      expect(probe({ MODELPRESS_CPU: cap }, 'return mp.backendInfo().cpuVariant;')).toEqual({ ok: true, value: cap });
    }
  });

  it('caps the WASM variant, and leaves it alone for another family’s name', () => {
    expect(probe({ MODELPRESS_BACKEND: 'wasm', MODELPRESS_CPU: 'scalar' }, 'return mp.backendInfo().cpuVariant;')).toEqual({ ok: true, value: 'scalar' });
    expect(probe({ MODELPRESS_BACKEND: 'wasm', MODELPRESS_CPU: 'avx2' }, 'return mp.backendInfo().cpuVariant;')).toEqual({ ok: true, value: 'simd128' });
  });

  it('rejects an unknown variant with the list of known ones', () => {
    const r = probe({ MODELPRESS_BACKEND: 'wasm', MODELPRESS_CPU: 'sse9' }, 'return mp.backendInfo();');
    expect(r.ok).toBe(false);
    expect(r.value).toContain('MODELPRESS_CPU must be one of avx512bf16, avx512, avx2, neon, simd128, scalar, got "sse9"');
  });

  it('setBackend(name, { cpu }) rejects a variant that backend does not have', () => {
    const r = probe({}, 'mp.setBackend("wasm", { cpu: "avx512" });');
    expect(r.ok).toBe(false);
    expect(r.value).toBe('setBackend: options.cpu must be one of simd128, scalar for the wasm backend, got "avx512"');
  });
});

describe('an install without a C++ compiler', () => {
  // A copy of the package whose install-time build cannot find a compiler.
  const dir = mkdtempSync(join(tmpdir(), 'modelpress-nocc-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  for (const part of ['package.json', 'binding.gyp', 'native', 'scripts', 'dist', 'wasm']) cpSync(join(root, part), join(dir, part), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const npmGyp = '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js';

  it.runIf(existsSync(npmGyp))('still succeeds, and records why native is unavailable', () => {
    const result = spawnSync(process.execPath, ['scripts/build-native.mjs'], {
      cwd: dir,
      env: { ...process.env, CXX: '/nonexistent/c++', CC: '/nonexistent/cc', npm_config_node_gyp: npmGyp },
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stderr + result.stdout).toContain('the WebAssembly backend will be used');
    expect(readFileSync(join(dir, 'build/native-build-error.txt'), 'utf8')).toMatch(/nonexistent/);
  });

  it('then runs on WASM, and backendInfo() says why native is unavailable', () => {
    const r = probe({}, 'const t = mp.quantize(new Float32Array([1, -2, 3])); return { info: mp.backendInfo(), data: Array.from(t.data) };', dir);
    expect(r.ok).toBe(true);
    const { info, data } = r.value as { info: { backend: string; unavailable: { native?: string } }; data: number[] };
    expect(info.backend).toBe('wasm');
    expect(data).toEqual([42, -85, 127]);
    expect(info.unavailable.native).toMatch(/^could not load the native addon for linux(musl)?-\w+ \(Node /);
    expect(info.unavailable.native).toContain('npm rebuild modelpress');
  });

  it('and an explicit request for native throws instead of falling back', () => {
    const r = probe({ MODELPRESS_BACKEND: 'native' }, 'return mp.quantize(new Float32Array([1]));', dir);
    expect(r.ok).toBe(false);
    expect(r.value).toMatch(/^modelpress: the native backend was requested \(MODELPRESS_BACKEND=native\) but cannot load:\ncould not load the native addon/);
    const s = probe({}, 'mp.setBackend("native");', dir);
    expect(s.ok).toBe(false);
    expect(s.value).toContain('the native backend was requested (setBackend("native"))');
  });
});
