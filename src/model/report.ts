/**
 * Assembling a ModelReport from its per-tensor rows: totals, worst error,
 * overall sparsity. Formats build the rows; this adds them up the same way.
 */
import { statSync } from 'node:fs';
import type { ModelFormat, ModelReport, TensorReport } from './types.js';

/** Total size of the files that make up a model (the model file, shards, external data). */
export function filesBytes(paths: readonly string[]): number {
  let total = 0;
  for (const p of paths) total += statSync(p).size;
  return total;
}

export interface ReportParts {
  command: ModelReport['command'];
  format: ModelFormat;
  input: string;
  output?: string;
  options: Record<string, unknown>;
  tensors: TensorReport[];
  /** Files of the input model and of the output, for their sizes on disk. */
  inputFiles: readonly string[];
  outputFiles?: readonly string[];
  startedAt: number;
}

export function finishReport(p: ReportParts): ModelReport {
  let bytesBefore = 0;
  let bytesAfter = 0;
  let changed = 0;
  let minSqnrDb: number | undefined;
  let minCosine: number | undefined;
  let zeros = 0;
  let elements = 0;
  let anySparsity = false;
  for (const t of p.tensors) {
    bytesBefore += t.bytesBefore;
    bytesAfter += t.bytesAfter;
    if (t.action !== 'kept') changed++;
    if (t.action !== 'kept' && t.error) {
      minSqnrDb = minSqnrDb === undefined ? t.error.sqnrDb : Math.min(minSqnrDb, t.error.sqnrDb);
      minCosine = minCosine === undefined ? t.error.cosine : Math.min(minCosine, t.error.cosine);
    }
    if (t.sparsity !== undefined) {
      anySparsity = true;
      const n = t.shape.reduce((a, b) => a * b, 1);
      zeros += t.sparsity * n;
      elements += n;
    }
  }
  const options = Object.fromEntries(Object.entries(p.options).filter(([k, v]) => k !== 'onProgress' && v !== undefined));
  return {
    command: p.command,
    format: p.format,
    input: p.input,
    ...(p.output !== undefined ? { output: p.output } : {}),
    options,
    tensors: p.tensors,
    totals: {
      tensors: p.tensors.length,
      changed,
      bytesBefore,
      bytesAfter,
      ratio: bytesAfter > 0 ? bytesBefore / bytesAfter : 1,
      fileBytesBefore: filesBytes(p.inputFiles),
      ...(p.outputFiles ? { fileBytesAfter: filesBytes(p.outputFiles) } : {}),
      ...(minSqnrDb !== undefined ? { minSqnrDb } : {}),
      ...(minCosine !== undefined ? { minCosine } : {}),
      ...(anySparsity && elements > 0 ? { sparsity: zeros / elements } : {}),
    },
    milliseconds: Date.now() - p.startedAt,
  };
}
