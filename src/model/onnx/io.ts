/**
 * Reading and writing .onnx files. Large initializer payloads stay in the file
 * until asked for (scan.ts, lazy.ts); otherwise the file is read once into a Buffer
 * and protobufjs hands out bytes fields (raw_data) as views of it. Writing streams
 * each large payload straight from its array or its file. A decoded model is validated (see
 * validate.ts) and its external data loaded into raw_data. Fields unknown to our
 * schema are kept and written back. Writing is atomic, and
 * can move large tensors into one external data file.
 */
import { readFileSync, statSync } from 'node:fs';
import protobuf from 'protobufjs';
import { dirname, join, normalize, resolve } from 'node:path';
import { fileFormatError, rangeError, typeError } from '../../errors.js';
import { AtomicFile, withAtomicFile } from '../atomic.js';
import { encodeOnnxParts, partsBytes } from './encode.js';
import { loadExternalData, moveToExternal } from './external.js';
import { partsLength, writePart } from './lazy.js';
import type { OnnxModelProto } from './messages.js';
import { decodeOnnxLazily } from './scan.js';
import { ModelProto } from './schema.js';
import { tensorDataBytes } from './tensor.js';
import { validateModel } from './validate.js';
import { allTensors } from './walk.js';

/** protobuf messages cannot exceed 2 GB; ONNX keeps bigger models' weights in external data. */
export const PROTOBUF_LIMIT = 2 ** 31 - 1;

export interface OnnxModel {
  proto: OnnxModelProto;
  /** The .onnx file it was read from. */
  path: string;
  /** External data files that were read (absolute paths). */
  externalFiles: string[];
}

/** Decode and validate a ModelProto; any malformation becomes fileFormatError naming `file`. */
export function decodeOnnx(bytes: Uint8Array, file: string): OnnxModelProto {
  let proto: OnnxModelProto;
  try {
    // Keep fields this schema does not know (newer ONNX versions) so they are written back unchanged.
    const reader = protobuf.Reader.create(bytes);
    reader.discardUnknown = false;
    proto = ModelProto.decode(reader) as unknown as OnnxModelProto;
  } catch (e) {
    throw fileFormatError('readOnnx', file, 'ONNX', `protobuf decoding failed (${(e as Error).message})`);
  }
  validateModel(proto, file, 'readOnnx');
  return proto;
}

/** Encode a ModelProto to bytes (protobuf wire format, fields in number order as onnx writes them). */
export function encodeOnnx(proto: OnnxModelProto): Uint8Array {
  return partsBytes(encodeOnnxParts(proto));
}

/** Encode and write atomically, part by part (no copy of the whole model in memory). */
function writeEncoded(path: string, proto: OnnxModelProto, fn: string): void {
  const parts = encodeOnnxParts(proto);
  const length = partsLength(parts);
  if (length > PROTOBUF_LIMIT) {
    throw rangeError(fn, 'options.externalData', 'set for a model over 2 GB (ONNX protobuf files must stay under 2 GB)', `${length} bytes`);
  }
  withAtomicFile(path, (file) => {
    for (const p of parts) writePart(p, (bytes) => file.write(bytes));
  });
}

/** Read an .onnx file, validate it, and load its external data (if any) into raw_data. */
export function readOnnx(path: string): OnnxModel {
  if (typeof path !== 'string' || path === '') throw typeError('readOnnx', 'path', 'a file path', path);
  const size = statSync(path).size;
  if (size > PROTOBUF_LIMIT) {
    throw fileFormatError('readOnnx', path, 'ONNX', `the file has ${size} bytes; a protobuf message must stay under 2 GB`);
  }
  const lazy = decodeOnnxLazily(path, size);
  let proto: OnnxModelProto;
  if (lazy) {
    validateModel(lazy, path, 'readOnnx');
    proto = lazy;
  } else proto = decodeOnnx(readFileSync(path), path);
  const externalFiles = loadExternalData(proto, path, 'readOnnx');
  return { proto, path, externalFiles };
}

export interface WriteOnnxOptions {
  /**
   * Store every initializer with at least `threshold` bytes (default 1024) in one data
   * file at `location`, relative to the model, as onnx's external data format.
   */
  externalData?: { location: string; threshold?: number };
}

/** Bytes of tensor data that would stay inside the protobuf. */
function inlineTensorBytes(proto: OnnxModelProto): number {
  let total = 0;
  for (const { tensor } of allTensors(proto)) total += tensorDataBytes(tensor);
  return total;
}

/**
 * Write `proto` to `path` atomically (the data file first, then the model); returns
 * the files written. `proto` is left as it was. Without externalData, a model whose
 * encoding would pass 2 GB is refused.
 */
export function writeOnnx(path: string, proto: OnnxModelProto, options: WriteOnnxOptions = {}): string[] {
  if (typeof path !== 'string' || path === '') throw typeError('writeOnnx', 'path', 'a file path', path);
  const external = options.externalData;
  if (!external) {
    const inline = inlineTensorBytes(proto);
    if (inline > PROTOBUF_LIMIT) {
      throw rangeError('writeOnnx', 'options.externalData', 'set for a model over 2 GB (ONNX protobuf files must stay under 2 GB)', `${inline} bytes of tensor data`);
    }
    writeEncoded(path, proto, 'writeOnnx');
    return [path];
  }
  if (typeof external.location !== 'string' || external.location === '') {
    throw typeError('writeOnnx', 'options.externalData.location', 'a relative file name', external.location);
  }
  const threshold = external.threshold ?? 1024;
  if (!Number.isSafeInteger(threshold) || threshold < 0) {
    throw rangeError('writeOnnx', 'options.externalData.threshold', 'a non-negative integer (bytes)', threshold);
  }
  const dataPath = join(dirname(path), normalize(external.location));
  if (resolve(dataPath) === resolve(path)) throw rangeError('writeOnnx', 'options.externalData.location', 'a different file from the model', external.location);
  const data = new AtomicFile(dataPath);
  let restore: (() => void) | null = null;
  try {
    restore = moveToExternal(proto, external.location, threshold, data);
    const inline = inlineTensorBytes(proto);
    if (inline > PROTOBUF_LIMIT) {
      throw rangeError('writeOnnx', 'options.externalData.threshold', 'low enough to leave under 2 GB in the model file', `${inline} bytes left inline`);
    }
    const parts = encodeOnnxParts(proto);
    if (partsLength(parts) > PROTOBUF_LIMIT) throw rangeError('writeOnnx', 'options.externalData.threshold', 'low enough to leave under 2 GB in the model file', `${partsLength(parts)} bytes`);
    data.commit();
    withAtomicFile(path, (file) => {
      for (const p of parts) writePart(p, (bytes) => file.write(bytes));
    });
    return [path, dataPath];
  } catch (e) {
    data.abort();
    throw e;
  } finally {
    restore?.();
  }
}
