/**
 * Which format a path holds, and where a command writes by default. Extensions
 * decide (.onnx, .safetensors, model.json or a directory with one); a file with
 * another name is sniffed (a safetensors header, an ONNX protobuf, tfjs JSON).
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { rangeError } from '../errors.js';
import type { ModelFormat } from './types.js';

export interface ModelLocation {
  format: ModelFormat;
  /** The file to open: the .onnx / .safetensors file, or tfjs's model.json. */
  path: string;
}

function sniff(path: string): ModelFormat | null {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(16);
    const n = readSync(fd, head, 0, 16, 0);
    if (n >= 9) {
      const headerLength = head.readBigUInt64LE(0);
      if (headerLength > 1n && headerLength < BigInt(statSync(path).size) && head[8] === 0x7b /* { */) return 'safetensors';
    }
    const text = head.subarray(0, n).toString('latin1').trimStart();
    if (text.startsWith('{')) return 'tfjs';
    // ONNX ModelProto starts with field 1 (ir_version, varint: tag 0x08) in every exporter we know.
    if (n > 0 && head[0] === 0x08) return 'onnx';
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Find the format of `path` (a file, or a tfjs directory holding model.json). */
export function locateModel(fn: string, path: string): ModelLocation {
  if (typeof path !== 'string' || path.length === 0) throw rangeError(fn, 'path', 'a model file path', path);
  if (!existsSync(path)) throw rangeError(fn, 'path', 'an existing model file', path);
  if (statSync(path).isDirectory()) {
    const json = join(path, 'model.json');
    if (existsSync(json)) return { format: 'tfjs', path: json };
    throw rangeError(fn, 'path', 'a model file, or a TensorFlow.js directory with model.json', path);
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.onnx') return { format: 'onnx', path };
  if (ext === '.safetensors') return { format: 'safetensors', path };
  if (ext === '.json') return { format: 'tfjs', path };
  const sniffed = sniff(path);
  if (sniffed) return { format: sniffed, path };
  throw rangeError(fn, 'path', 'an ONNX (.onnx), safetensors (.safetensors) or TensorFlow.js (model.json) model', path);
}

/**
 * Default output next to the input: model.onnx → model.int8.onnx,
 * model.safetensors → model.int8.safetensors, dir/model.json → dir-int8/model.json.
 */
export function defaultOutputPath(location: ModelLocation, tag: string): string {
  if (location.format === 'tfjs') {
    const dir = resolve(dirname(location.path));
    return join(dirname(dir), `${basename(dir)}-${tag}`, basename(location.path));
  }
  const ext = extname(location.path);
  return join(dirname(location.path), `${basename(location.path, ext)}.${tag}${ext}`);
}
