/**
 * Writing a TensorFlow.js model: each group's weights back to back, split into
 * shards of a fixed size named as tfjs names them (group1-shard1of2.bin …),
 * then model.json. Every file is written atomically, model.json last, so a
 * reader never finds a manifest pointing at shards that are not there yet.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { rangeError } from '../../errors.js';
import { writeFileAtomic } from '../atomic.js';
import type { TfjsManifestEntry, TfjsModel } from './read.js';

export interface TfjsWeightOut {
  entry: TfjsManifestEntry;
  bytes: Uint8Array;
}

export interface TfjsWriteOptions {
  /** Split each group's bytes at this size (0: one shard per group). */
  shardBytes: number;
  /** The output replaces the input model: old shards no longer listed are removed. */
  inPlace: boolean;
}

/**
 * Shard file names of one output group. When the output sits beside the input
 * (a different model.json in the same directory), the names get the output's
 * stem as prefix so the input's shards are never overwritten.
 */
function shardNames(group: number, count: number, prefix: string): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}group${group + 1}-shard${i + 1}of${count}.bin`);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Write `groups` as the weights of a copy of `model` at `outputPath`; returns every file written. */
export function writeTfjsModel(fn: string, model: TfjsModel, groups: TfjsWeightOut[][], outputPath: string, options: TfjsWriteOptions): string[] {
  const out = resolve(outputPath);
  const outDir = dirname(out);
  const sameModel = out === model.path;
  const besideInput = !sameModel && outDir === model.dir;
  const prefix = besideInput ? `${basename(out, extname(out))}.` : '';
  const inputFiles = new Set(model.files);

  const plans = groups.map((weights, g) => {
    const bytes = concat(weights.map((w) => w.bytes));
    const size = options.shardBytes > 0 ? options.shardBytes : Math.max(1, bytes.length);
    const count = Math.max(1, Math.ceil(bytes.length / size));
    const names = shardNames(g, count, prefix);
    for (const name of names) {
      if (!sameModel && inputFiles.has(join(outDir, name))) {
        throw rangeError(fn, 'output', `a path whose shard files do not overwrite the input's (${name} is one of its shards)`, outputPath);
      }
    }
    return { weights, bytes, size, names };
  });

  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const p of plans) {
    p.names.forEach((name, i) => {
      const file = join(outDir, name);
      writeFileAtomic(file, p.bytes.subarray(i * p.size, Math.min(p.bytes.length, (i + 1) * p.size)));
      written.push(file);
    });
  }

  const source = model.json.weightsManifest as Record<string, unknown>[];
  const json = {
    ...model.json,
    weightsManifest: plans.map((p, g) => ({ ...source[g], paths: p.names, weights: p.weights.map((w) => w.entry) })),
  };
  writeFileAtomic(out, new TextEncoder().encode(JSON.stringify(json)));

  if (sameModel && options.inPlace) {
    // The old shards that the new manifest no longer lists would only be clutter.
    const kept = new Set(written);
    for (const f of model.files) if (f !== out && !kept.has(f)) rmSync(f, { force: true });
  }
  return [out, ...written];
}
