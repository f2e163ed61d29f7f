/**
 * `modelpress bench`: time a quantize of a model file, end to end (read,
 * quantize, measure, write), on each backend, median of several runs. Without
 * a model, a synthetic float32 safetensors model of the given size is used.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendInfo, setBackend } from '../backends/registry.js';
import type { BackendName } from '../backends/backend.js';
import { rangeError } from '../errors.js';
import { quantizeModel } from './commands.js';
import { locateModel } from './detect.js';
import type { QuantizeModelOptions } from './options.js';
import { writeSafetensors } from './safetensors/index.js';

export interface BenchModelOptions {
  /** Backends to time (default: those that load, native then wasm). */
  backends?: BackendName[];
  /** Runs per backend; the median is reported (default 3). */
  runs?: number;
  /** Parameters of the synthetic model when no model is given (default 16 Mi). */
  parameters?: number;
  quantize?: QuantizeModelOptions;
}

export interface BenchModelRow {
  backend: BackendName;
  variant: string;
  runs: number[];
  medianMs: number;
  /** Input bytes per second of the median run. */
  bytesPerSecond: number;
}

export interface BenchModelResult {
  model: string;
  synthetic: boolean;
  fileBytes: number;
  rows: BenchModelRow[];
}

/** A float32 model of square [d, d] layers (d = 1024) plus one remainder layer, deterministic values. */
export function writeSyntheticSafetensors(path: string, parameters: number): void {
  const d = 1024;
  const tensors: { name: string; dtype: 'F32'; shape: number[]; data: Float32Array }[] = [];
  let left = parameters;
  let seed = 0x9e3779b9;
  const next = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 4294967296 - 0.5;
  };
  for (let i = 0; left > 0; i++) {
    const rows = Math.max(1, Math.min(d, Math.floor(left / d)));
    const cols = left >= d ? d : left;
    const data = new Float32Array(rows * cols);
    for (let k = 0; k < data.length; k++) data[k] = next() * 0.08;
    tensors.push({ name: `layers.${i}.weight`, dtype: 'F32', shape: [rows, cols], data });
    left -= data.length;
  }
  writeSafetensors(path, tensors);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export async function benchModel(path: string | undefined, options: BenchModelOptions = {}): Promise<BenchModelResult> {
  const runs = options.runs ?? 3;
  if (!Number.isSafeInteger(runs) || runs < 1) throw rangeError('benchModel', 'runs', 'an integer ≥ 1', runs);
  const dir = mkdtempSync(join(tmpdir(), 'modelpress-bench-'));
  const before = backendInfo().backend;
  try {
    let model = path;
    if (model === undefined) {
      const parameters = options.parameters ?? 16 * 1024 * 1024;
      if (!Number.isSafeInteger(parameters) || parameters < 1) throw rangeError('benchModel', 'parameters', 'an integer ≥ 1', parameters);
      model = join(dir, 'synthetic.safetensors');
      writeSyntheticSafetensors(model, parameters);
    }
    const at = locateModel('benchModel', model);
    const fileBytes = statSync(at.path).size;
    const backends = options.backends ?? (['native', 'wasm'] as BackendName[]);
    const rows: BenchModelRow[] = [];
    for (const backend of backends) {
      try {
        setBackend(backend);
      } catch (e) {
        if (options.backends) throw e;
        continue;
      }
      const times: number[] = [];
      for (let r = 0; r < runs; r++) {
        const output = at.format === 'tfjs' ? join(dir, `out-${r}`, 'model.json') : join(dir, `out-${r}${at.path.slice(at.path.lastIndexOf('.'))}`);
        const t0 = performance.now();
        await quantizeModel(model, output, { histogramBins: 0, ...options.quantize });
        times.push(performance.now() - t0);
        rmSync(output, { force: true, recursive: true });
      }
      const medianMs = median(times);
      rows.push({ backend, variant: backendInfo().cpuVariant, runs: times, medianMs, bytesPerSecond: fileBytes / (medianMs / 1000) });
    }
    return { model: path ?? `synthetic ${options.parameters ?? 16 * 1024 * 1024} parameters`, synthetic: path === undefined, fileBytes, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    setBackend(before);
  }
}
