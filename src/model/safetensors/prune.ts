/**
 * Pruning a safetensors file, one tensor at a time. Every tensor keeps its
 * dtype and place: F16, BF16 and F64 weights are widened to float32 to choose
 * the mask, and the mask then zeroes the original values, so kept values are
 * bit for bit unchanged. Axes follow PyTorch: filters are axis 0 (output
 * channels), input channels and N:M groups run along axis 1.
 */
import { closeSync, openSync } from 'node:fs';
import { AtomicFile, checkOutputPath } from '../atomic.js';
import { measure, pruneWeight, zeroFraction, type PruneSpec } from '../compress.js';
import type { PruneModelOptions } from '../options.js';
import { finishReport } from '../report.js';
import { nextTurn } from '../turns.js';
import type { ModelReport, TensorReport } from '../types.js';
import { dtypeWord, FLOAT_DTYPES, itemSize, shapeCount } from './dtypes.js';
import { formatFailure, type SafetensorsEntry } from './header.js';
import { pruneSettings, type PruneSettings } from './options.js';
import { readHeaderFd } from './read.js';
import { TensorStream } from './stream.js';
import { encodeHeader } from './write.js';

interface PrunePlan {
  entry: SafetensorsEntry;
  spec?: PruneSpec;
  scheme?: string;
  reason?: string;
}

const pct = (a: number) => `${+(a * 100).toFixed(2)} %`;

function planTensor(entry: SafetensorsEntry, s: PruneSettings): PrunePlan {
  const { dtype, shape } = entry;
  if (!FLOAT_DTYPES.has(dtype)) return { entry, reason: `not a float tensor (${dtypeWord(dtype)})` };
  const skip = s.selector.skipReason(entry.name, shape);
  if (skip) return { entry, reason: skip };
  if (shapeCount(shape) === 0) return { entry, reason: 'empty' };
  if (s.method === 'magnitude') return { entry, spec: { method: 'magnitude', amount: s.amount }, scheme: `magnitude ${pct(s.amount)}` };
  if (shape.length < 2) return { entry, reason: `${s.method} pruning needs a tensor of rank ≥ 2` };
  if (s.method === 'filters') return { entry, spec: { method: 'structured', amount: s.amount, axis: 0 }, scheme: `filters (axis 0) ${pct(s.amount)} by L2 norm` };
  if (s.method === 'channels') return { entry, spec: { method: 'structured', amount: s.amount, axis: 1 }, scheme: `channels (axis 1) ${pct(s.amount)} by L2 norm` };
  if (shape[1] % s.m !== 0) return { entry, reason: `axis 1 has ${shape[1]} values, not a multiple of m = ${s.m}` };
  return { entry, spec: { method: 'nm', n: s.n, m: s.m, axis: 1 }, scheme: `${s.n}:${s.m} along axis 1` };
}

/** Zero the elements of `raw` (items of `size` bytes) whose mask entry is 0. */
function zeroMasked(raw: Uint8Array, size: number, mask: Uint8Array): void {
  const view = size === 2 ? new Uint16Array(raw.buffer, raw.byteOffset, mask.length) : size === 4 ? new Uint32Array(raw.buffer, raw.byteOffset, mask.length) : new Float64Array(raw.buffer, raw.byteOffset, mask.length);
  for (let i = 0; i < mask.length; i++) if (mask[i] === 0) view[i] = 0;
}

async function runPlan(p: PrunePlan, stream: TensorStream, file: AtomicFile, bins: number, errors: Float32Array | undefined): Promise<TensorReport> {
  const { entry } = p;
  const bytes = entry.end - entry.begin;
  const word = dtypeWord(entry.dtype);
  const base = { name: entry.name, shape: entry.shape, dtypeBefore: word, dtypeAfter: word, bytesBefore: bytes, bytesAfter: bytes };
  if (!p.spec) {
    stream.copy(entry, file);
    return { ...base, action: 'kept', reason: p.reason };
  }
  const { raw, x } = stream.readFloat32(entry);
  const sparsityBefore = zeroFraction(x);
  const { pruned, mask } = await pruneWeight(entry.name, x, entry.shape, p.spec);
  if (entry.dtype === 'F32') file.write(pruned);
  else {
    zeroMasked(raw, itemSize(entry.dtype), mask);
    file.write(raw);
  }
  const m = await measure(x, pruned, bins, errors);
  return { ...base, action: 'pruned', scheme: p.scheme, sparsityBefore, sparsity: zeroFraction(pruned), error: m.error, ...(m.histogram ? { histogram: m.histogram } : {}) };
}

/**
 * Prune the float weights of a safetensors file into `output`: the smallest |w|
 * (magnitude), whole filters (axis 0) or input channels (axis 1) by L2 norm, or
 * N:M along axis 1 (2:4 by default). Dtypes, order and metadata are kept; the
 * report gives each tensor's sparsity before and after. Streams one tensor at a
 * time and writes atomically.
 */
export async function pruneSafetensors(input: string, output: string, options: PruneModelOptions = {}): Promise<ModelReport> {
  const fn = 'pruneSafetensors';
  const startedAt = Date.now();
  const s = pruneSettings(fn, options);
  checkOutputPath(fn, input, output, s.inPlace);
  const fd = openSync(input, 'r');
  const rows: TensorReport[] = [];
  try {
    const header = readHeaderFd(fn, input, fd);
    const plans = header.tensors.map((t) => planTensor(t, s));
    const outHeader = encodeHeader(header.tensors.map((t) => ({ ...t, bytes: t.end - t.begin })), header.metadata);
    const work = plans.filter((p) => p.spec).map((p) => p.entry);
    const maxBytes = Math.max(0, ...work.map((t) => t.end - t.begin));
    const maxWiden = Math.max(0, ...work.filter((t) => t.dtype !== 'F32').map((t) => shapeCount(t.shape)));
    const stream = new TensorStream(fd, header, formatFailure(fn, input), maxBytes, maxWiden);
    const errors = s.bins > 0 ? new Float32Array(Math.max(0, ...work.map((t) => shapeCount(t.shape)))) : undefined;
    const total = header.fileSize - header.dataOffset;
    let done = 0;
    const file = new AtomicFile(output);
    try {
      file.write(outHeader);
      for (const p of plans) {
        rows.push(await runPlan(p, stream, file, s.bins, errors));
        done += p.entry.end - p.entry.begin;
        s.onProgress?.(done, total, p.entry.name);
        await nextTurn();
      }
      if (file.position !== outHeader.length + total) throw new Error(`${fn}: internal error: wrote ${file.position} bytes, planned ${outHeader.length + total}`);
      file.commit();
    } catch (e) {
      file.abort();
      throw e;
    }
  } finally {
    closeSync(fd);
  }
  return finishReport({ command: 'prune', format: 'safetensors', input, output, options: { ...options }, tensors: rows, inputFiles: [input], outputFiles: [output], startedAt });
}
