/**
 * The addon and the WASM module load in the main thread and in two worker threads
 * at once (context-aware addon; no shared JS state) and give identical results.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { backendInfo, quantize, setBackend } from '../dist/index.js';
import { backendMatrix } from './helpers.js';

const entry = new URL('../dist/index.js', import.meta.url).href;

function inWorker(backend: string, seed: number): Promise<{ backend: string; data: number[]; scale: number }> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.entry).then((mp) => {
      mp.setBackend(workerData.backend);
      const x = new Float32Array(10000).map((_, i) => Math.sin(i * workerData.seed) * 3);
      const t = mp.quantize(x, { dtype: 'uint8' });
      parentPort.postMessage({ backend: mp.backendInfo().backend, data: Array.from(t.data), scale: t.scale });
    });`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { entry, backend, seed } });
    w.once('message', (m) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

const backends = [...new Set(backendMatrix().map((c) => c.backend))];

describe.each(backends)('%s in the main thread and two workers at once', (backend) => {
  it('loads everywhere and agrees', async () => {
    setBackend(backend);
    const [a, b] = await Promise.all([inWorker(backend, 0.01), inWorker(backend, 0.02)]);
    for (const [seed, r] of [[0.01, a], [0.02, b]] as const) {
      const x = new Float32Array(10000).map((_, i) => Math.sin(i * seed) * 3);
      const t = quantize(x, { dtype: 'uint8' });
      expect(r.backend).toBe(backend);
      expect(backendInfo().backend).toBe(backend);
      expect(r.scale).toBe(t.scale);
      expect(r.data).toEqual(Array.from(t.data));
    }
  });
});
