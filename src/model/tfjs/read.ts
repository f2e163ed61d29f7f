/**
 * Reading a TensorFlow.js model: model.json and its weight shards.
 *
 * model.json carries `weightsManifest: [{ paths, weights: [{ name, shape, dtype,
 * quantization? }] }]`. A group's weights lie back to back in the concatenation
 * of its shard files, little endian; strings are stored as a 4-byte length then
 * the bytes, one after the other. Quantized entries decode as tfjs does:
 * value = q · scale + min (uint8/uint16) or IEEE half (float16).
 * Everything is validated before use; a malformed model throws a fileFormatError.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileFormatError } from '../../errors.js';
import { fromFloat16 } from '../../quant/cast.js';

export type TfjsDType = 'float32' | 'int32' | 'bool' | 'string' | 'complex64';
export type TfjsQuantDType = 'uint8' | 'uint16' | 'float16';

export interface TfjsQuantization {
  dtype: TfjsQuantDType;
  min?: number;
  scale?: number;
  original_dtype?: string;
}

/** One entry of a group's `weights`, as found in model.json (unknown fields kept). */
export interface TfjsManifestEntry {
  name: string;
  shape: number[];
  dtype: TfjsDType;
  quantization?: TfjsQuantization;
  [field: string]: unknown;
}

export interface TfjsWeight {
  name: string;
  shape: number[];
  dtype: TfjsDType;
  quantization?: TfjsQuantization;
  /** The manifest entry itself, so writers keep fields they do not know. */
  entry: TfjsManifestEntry;
  /**
   * Decoded values: float32 (dequantized for quantized entries) and complex64
   * (real, imaginary interleaved) as Float32Array, int32 as Int32Array, bool as
   * Uint8Array, string as the raw bytes (see `strings`).
   */
  data: Float32Array | Int32Array | Uint8Array;
  /** The elements of a string tensor, as UTF-8 bytes. */
  strings?: Uint8Array[];
  /** The stored bytes, exactly as in the shards. */
  raw: Uint8Array;
  /** Position of the stored bytes within the concatenation of the group's shards. */
  byteOffset: number;
  byteLength: number;
}

export interface TfjsGroup {
  /** Shard paths as written in model.json (relative to its directory). */
  paths: string[];
  /** Sizes of the shard files. */
  shardSizes: number[];
  weights: TfjsWeight[];
}

export interface TfjsModel {
  /** model.json's path and directory. */
  path: string;
  dir: string;
  /** The parsed model.json, whole. */
  json: Record<string, unknown>;
  groups: TfjsGroup[];
  /** The largest shard's size in bytes (tfjs splits groups at a fixed shard size). */
  shardBytes: number;
  /** model.json and every shard file, absolute. */
  files: string[];
}

const FN = 'readTfjsModel';
const FORMAT = 'TensorFlow.js';
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANT_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };
const STRING_LENGTH_BYTES = 4;

type Fail = (problem: string) => Error;

/** A value for an error message, cut short so a huge field cannot flood it. */
function show(v: unknown): string {
  const s = v === undefined ? 'undefined' : JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A shard path must name a file inside the model's directory. */
function checkShardPath(fail: Fail, dir: string, p: unknown, where: string): string {
  if (typeof p !== 'string' || p.length === 0) throw fail(`${where} must be a non-empty string, got ${show(p)}`);
  if (p.includes('\0')) throw fail(`${where} contains a NUL character`);
  const segments = p.split(/[\\/]/);
  if (isAbsolute(p) || /^[a-zA-Z]:/.test(p) || p.startsWith('\\') || segments.includes('..')) {
    throw fail(`${where} ${show(p)} points outside the model's directory`);
  }
  const full = resolve(dir, p);
  const rel = relative(dir, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw fail(`${where} ${show(p)} points outside the model's directory`);
  return full;
}

function checkShape(fail: Fail, shape: unknown, where: string): number[] {
  if (!Array.isArray(shape)) throw fail(`${where}.shape must be an array, got ${show(shape)}`);
  let elements = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) throw fail(`${where}.shape must hold integers ≥ 0, got ${show(shape)}`);
    elements *= d;
    if (!Number.isSafeInteger(elements)) throw fail(`${where}.shape ${show(shape)} has too many elements`);
  }
  return shape as number[];
}

function checkQuantization(fail: Fail, q: unknown, dtype: TfjsDType, where: string): TfjsQuantization {
  if (!isObject(q)) throw fail(`${where}.quantization must be an object, got ${show(q)}`);
  if (typeof q.dtype !== 'string' || !(q.dtype in QUANT_BYTES)) {
    throw fail(`${where}.quantization.dtype must be 'uint8', 'uint16' or 'float16', got ${show(q.dtype)}`);
  }
  if (q.dtype === 'float16') {
    if (dtype !== 'float32') throw fail(`${where} is float16-quantized but its dtype is ${dtype} (only float32 can be)`);
  } else {
    if (dtype !== 'float32' && dtype !== 'int32') throw fail(`${where} is ${q.dtype}-quantized but its dtype is ${dtype} (only float32 and int32 can be)`);
    for (const k of ['min', 'scale'] as const) {
      if (typeof q[k] !== 'number' || !Number.isFinite(q[k])) throw fail(`${where}.quantization.${k} must be a finite number, got ${show(q[k])}`);
    }
  }
  return q as unknown as TfjsQuantization;
}

interface EntrySpec {
  entry: TfjsManifestEntry;
  elements: number;
  /** Fixed byte length, or null for strings (known only from the data). */
  bytes: number | null;
}

function checkEntry(fail: Fail, e: unknown, where: string): EntrySpec {
  if (!isObject(e)) throw fail(`${where} must be an object, got ${show(e)}`);
  if (typeof e.name !== 'string') throw fail(`${where}.name must be a string, got ${show(e.name)}`);
  const shape = checkShape(fail, e.shape, where);
  const dtype = e.dtype;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES || dtype === 'string')) {
    throw fail(`${where} (${show(e.name)}) has dtype ${show(dtype)}, expected float32, int32, bool, string or complex64`);
  }
  const elements = shape.reduce((a, b) => a * b, 1);
  let bytes: number | null;
  if (e.quantization !== undefined) {
    const q = checkQuantization(fail, e.quantization, dtype as TfjsDType, where);
    bytes = elements * QUANT_BYTES[q.dtype];
  } else bytes = dtype === 'string' ? null : elements * DTYPE_BYTES[dtype];
  return { entry: e as TfjsManifestEntry, elements, bytes };
}

/** Copy `raw` into a fresh, aligned buffer. */
function aligned(raw: Uint8Array): ArrayBuffer {
  return raw.slice().buffer;
}

function decodeQuantized(raw: Uint8Array, q: TfjsQuantization, dtype: TfjsDType): Float32Array | Int32Array {
  if (q.dtype === 'float16') return fromFloat16(new Uint16Array(aligned(raw)));
  const stored = q.dtype === 'uint8' ? raw : new Uint16Array(aligned(raw));
  const scale = q.scale!;
  const min = q.min!;
  if (dtype === 'int32') {
    const out = new Int32Array(stored.length);
    for (let i = 0; i < stored.length; i++) out[i] = Math.round(stored[i] * scale + min);
    return out;
  }
  // tfjs computes q · scale + min in double and stores the result as float32.
  const out = new Float32Array(stored.length);
  for (let i = 0; i < stored.length; i++) out[i] = stored[i] * scale + min;
  return out;
}

function decode(spec: EntrySpec, raw: Uint8Array): Pick<TfjsWeight, 'data' | 'strings'> {
  const { entry } = spec;
  if (entry.quantization) return { data: decodeQuantized(raw, entry.quantization, entry.dtype) };
  switch (entry.dtype) {
    case 'float32':
    case 'complex64':
      return { data: new Float32Array(aligned(raw)) };
    case 'int32':
      return { data: new Int32Array(aligned(raw)) };
    case 'bool':
      return { data: raw.slice() };
    default: {
      const strings: Uint8Array[] = [];
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      let at = 0;
      for (let i = 0; i < spec.elements; i++) {
        const n = view.getUint32(at, true);
        strings.push(raw.slice(at + STRING_LENGTH_BYTES, at + STRING_LENGTH_BYTES + n));
        at += STRING_LENGTH_BYTES + n;
      }
      return { data: raw.slice(), strings };
    }
  }
}

/** Byte length of a string tensor starting at `offset`, checking every length against the end. */
function stringBytes(fail: Fail, bytes: Uint8Array, offset: number, spec: EntrySpec, group: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = offset;
  for (let i = 0; i < spec.elements; i++) {
    if (at + STRING_LENGTH_BYTES > bytes.length) {
      throw fail(`string weight ${show(spec.entry.name)}: element ${i}'s length runs past the end of group ${group}'s ${bytes.length} bytes`);
    }
    const n = view.getUint32(at, true);
    at += STRING_LENGTH_BYTES;
    if (at + n > bytes.length) {
      throw fail(`string weight ${show(spec.entry.name)}: element ${i} claims ${n} bytes at offset ${at}, past the end of group ${group}'s ${bytes.length} bytes`);
    }
    at += n;
  }
  return at - offset;
}

function readGroup(fail: Fail, dir: string, g: unknown, index: number, seen: Set<string>, files: string[]): TfjsGroup {
  const where = `weightsManifest[${index}]`;
  if (!isObject(g)) throw fail(`${where} must be an object, got ${show(g)}`);
  if (!Array.isArray(g.paths)) throw fail(`${where}.paths must be an array, got ${show(g.paths)}`);
  if (!Array.isArray(g.weights)) throw fail(`${where}.weights must be an array, got ${show(g.weights)}`);
  const paths = g.paths as string[];
  const shardFiles = paths.map((p, i) => checkShardPath(fail, dir, p, `${where}.paths[${i}]`));
  const specs = g.weights.map((e, i) => checkEntry(fail, e, `${where}.weights[${i}]`));
  for (const s of specs) {
    if (seen.has(s.entry.name)) throw fail(`weight name ${show(s.entry.name)} appears more than once`);
    seen.add(s.entry.name);
  }
  const shardSizes = shardFiles.map((f, i) => {
    let st;
    try {
      st = statSync(f);
    } catch {
      throw fail(`shard ${show(paths[i])} of group ${index} is missing`);
    }
    if (!st.isFile()) throw fail(`shard ${show(paths[i])} of group ${index} is not a file`);
    return st.size;
  });
  const total = shardSizes.reduce((a, b) => a + b, 0);
  const fixed = specs.reduce((a, s) => a + (s.bytes ?? 0), 0);
  const hasStrings = specs.some((s) => s.bytes === null);
  // Sizes first: a manifest that claims more than the shards hold fails before any allocation.
  if (hasStrings ? fixed > total : fixed !== total) throw fail(`group ${index} needs ${hasStrings ? 'at least ' : ''}${fixed} bytes, its shards hold ${total}`);
  const bytes = new Uint8Array(total);
  let filled = 0;
  shardFiles.forEach((f, i) => {
    const b = readFileSync(f);
    if (b.length !== shardSizes[i]) throw fail(`shard ${show(paths[i])} changed size while being read`);
    bytes.set(b, filled);
    filled += b.length;
  });
  files.push(...shardFiles);
  const weights: TfjsWeight[] = [];
  let offset = 0;
  for (const s of specs) {
    const n = s.bytes ?? stringBytes(fail, bytes, offset, s, index);
    if (offset + n > total) throw fail(`group ${index} needs more than ${total} bytes (weight ${show(s.entry.name)} ends at ${offset + n}), its shards hold ${total}`);
    const raw = bytes.subarray(offset, offset + n);
    const { entry } = s;
    weights.push({
      name: entry.name,
      shape: entry.shape,
      dtype: entry.dtype,
      ...(entry.quantization ? { quantization: entry.quantization } : {}),
      entry,
      ...decode(s, raw),
      raw,
      byteOffset: offset,
      byteLength: n,
    });
    offset += n;
  }
  if (offset !== total) throw fail(`group ${index} needs ${offset} bytes, its shards hold ${total}`);
  return { paths, shardSizes, weights };
}

/** Read and validate a TensorFlow.js model (model.json and its shards); decodes every weight. */
export function readTfjsModel(modelJsonPath: string): TfjsModel {
  const path = resolve(modelJsonPath);
  const fail: Fail = (problem) => fileFormatError(FN, modelJsonPath, FORMAT, problem);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw fileFormatError(FN, modelJsonPath, FORMAT, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw fail(`model.json is not JSON (${(e as Error).message})`);
  }
  if (!isObject(json)) throw fail(`model.json must hold an object, got ${Array.isArray(json) ? 'an array' : show(json)}`);
  if (!Array.isArray(json.weightsManifest)) throw fail(`weightsManifest must be an array, got ${show(json.weightsManifest)}`);
  const dir = dirname(path);
  const files = [path];
  const seen = new Set<string>();
  const groups = json.weightsManifest.map((g, i) => readGroup(fail, dir, g, i, seen, files));
  const shardBytes = Math.max(0, ...groups.flatMap((g) => g.shardSizes));
  return { path, dir, json, groups, shardBytes, files };
}
