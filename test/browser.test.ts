/**
 * The WASM loader (dist/backends/wasm-module.js) has no Node or Emscripten glue:
 * the same file, given the module's bytes, runs in a browser. This test serves
 * the package on 127.0.0.1, opens a page in headless Chromium that instantiates
 * wasm/modelpress.wasm with WebAssembly.instantiate and quantizes the ONNX example
 * vectors, and compares what the page reports with the reference backend.
 *
 * Skipped, with this reason, where no Chromium is installed (CI installs Debian's).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { dequantizeLinear, quantizeLinear, setBackend } from '../dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));

const X = [0, 2, 3, 1000, -254, -1000, NaN, Infinity, -Infinity, 2.5, -3.5, 1e-40];
const PAGE = `<!doctype html><meta charset="utf-8"><title>modelpress wasm</title>
<script type="module">
  import { WasmKernels } from '/dist/backends/wasm-module.js';
  const report = (body) => fetch('/result', { method: 'POST', body: JSON.stringify(body) });
  try {
    const bytes = await (await fetch('/wasm/modelpress.wasm')).arrayBuffer();
    const k = await WasmKernels.fromBytes(bytes);
    const x = Float32Array.from(${JSON.stringify(X.map(String))}, Number);
    const p = { axisLen: 1, inner: 1, scales: Float32Array.of(2), zeroPoints: Int32Array.of(128), qtype: 2 };
    const q = new Uint8Array(x.length);
    const status = k.quantizeLinear(x, q, p);
    const back = new Float32Array(x.length);
    k.dequantizeLinear(q, back, p);
    await report({ status, variant: k.cpuVariant(), q: Array.from(q), back: Array.from(back) });
  } catch (e) {
    await report({ error: String(e && e.stack || e) });
  }
</script>`;

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

function serve(onResult: (body: string) => void): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/result') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        res.end('ok');
        onResult(body);
      });
      return;
    }
    if (url.pathname === '/') {
      res.setHeader('content-type', 'text/html');
      res.end(PAGE);
      return;
    }
    const file = normalize(join(root, url.pathname));
    if (!file.startsWith(root) || !/^\/(dist|wasm)\//.test(url.pathname) || !existsSync(file)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('content-type', TYPES[extname(file)] ?? 'application/octet-stream');
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe.skipIf(chromium === undefined)('the WASM loader in headless Chromium', () => {
  const profile = mkdtempSync(join(tmpdir(), 'modelpress-chromium-'));
  afterAll(async () => {
    // A helper process may still be closing its files: retry for a moment.
    await new Promise((r) => setTimeout(r, 200));
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it('instantiates modelpress.wasm and gives the reference results', async () => {
    let resolveResult!: (body: string) => void;
    const result = new Promise<string>((r) => (resolveResult = r));
    const server = await serve(resolveResult);
    const { port } = server.address() as AddressInfo;
    const browser = spawn(
      chromium!,
      [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        `--user-data-dir=${profile}`, `http://127.0.0.1:${port}/`,
      ],
      { stdio: 'ignore', detached: true }, // its own process group, so all its helpers can be stopped
    );
    try {
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no result from the page within 45 s')), 45_000));
      const body = JSON.parse(await Promise.race([result, timeout]));
      expect(body.error).toBeUndefined();
      expect(body.status).toBe(0);
      expect(body.variant).toBe('simd128');
      setBackend('reference');
      const x = Float32Array.from(X);
      const want = quantizeLinear(x, { scale: 2, zeroPoint: 128, dtype: 'uint8' });
      expect(body.q).toEqual(Array.from(want));
      expect(body.q.slice(0, 6)).toEqual([128, 129, 130, 255, 1, 0]); // the ONNX example
      expect(body.back).toEqual(Array.from(dequantizeLinear(want, { scale: 2, zeroPoint: 128 })));
    } finally {
      const exited = new Promise((r) => browser.once('exit', r));
      process.kill(-browser.pid!, 'SIGKILL'); // the browser and its helper processes
      await exited; // before the profile folder is removed
      server.close();
    }
  }, 60_000);
});
