/**
 * Lazy raw_data: a large tensor read from an .onnx file keeps its bytes in the
 * file until something asks for them. The tensor's `rawData` becomes a getter that
 * loads (and then keeps) the bytes, so code that reads `rawData` still works;
 * modelpress's own readers go through `rawDataLength` / `readRawData` /
 * `copyRawData`, which read on demand into a caller's buffer and keep nothing.
 *
 * The file stays open (its descriptor is closed once no tensor refers to it), so
 * the bytes stay readable even after the path is replaced, as writing in place does.
 */
import { closeSync, readSync } from 'node:fs';
import { fileFormatError } from '../../errors.js';
import type { OnnxTensor } from './messages.js';

/** An open model file that lazy tensors read from. */
export interface LazyFile {
  readonly fd: number;
  readonly path: string;
  readonly size: number;
}

interface LazySource {
  file: LazyFile;
  offset: number;
  length: number;
  getter: () => Uint8Array;
}

/** raw_data payloads of at least this many bytes are left in their file when a model is read. */
export const LAZY_THRESHOLD = 64 * 1024;

const sources = new WeakMap<OnnxTensor, LazySource>();
const closer = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
});

/** Bytes copied per read when streaming a payload (one buffer, reused). */
const COPY_CHUNK = 8 << 20;
let copyBuffer: Uint8Array | null = null;

/** Wrap an open descriptor; it is closed when the returned object is garbage collected (or by `closeLazyFile`). */
export function openLazyFile(fd: number, path: string, size: number): LazyFile {
  const file = { fd, path, size };
  closer.register(file, fd, file);
  return file;
}

/** Close a file no tensor was attached to (a read that failed). */
export function closeLazyFile(file: LazyFile): void {
  closer.unregister(file);
  closeSync(file.fd);
}

function readFully(file: LazyFile, target: Uint8Array, position: number): void {
  let done = 0;
  while (done < target.length) {
    const n = readSync(file.fd, target, done, target.length - done, position + done);
    if (n === 0) {
      throw fileFormatError('readOnnx', file.path, 'ONNX', `the file ended at byte ${position + done} while ${target.length} bytes of raw_data were expected from byte ${position}`);
    }
    done += n;
  }
}

/** Replace the getter by a plain data property holding `value`. */
function settle(t: OnnxTensor, value: Uint8Array | undefined): void {
  sources.delete(t);
  Object.defineProperty(t, 'rawData', { value, writable: true, configurable: true, enumerable: true });
}

/** Make `t.rawData` the `length` bytes at `offset` of `file`, loaded when first read. */
export function attachLazyRawData(t: OnnxTensor, file: LazyFile, offset: number, length: number): void {
  const getter = (): Uint8Array => {
    const bytes = Buffer.allocUnsafe(length);
    readFully(file, bytes, offset);
    settle(t, bytes);
    return bytes;
  };
  sources.set(t, { file, offset, length, getter });
  Object.defineProperty(t, 'rawData', {
    get: getter,
    set: (value: Uint8Array) => settle(t, value),
    configurable: true,
    enumerable: true,
  });
}

/** The lazy source of `t`'s raw_data, if its bytes are still in the file (not loaded, replaced or deleted). */
function sourceOf(t: OnnxTensor): LazySource | undefined {
  const s = sources.get(t);
  if (!s) return undefined;
  // Deleted or redefined since (the entry stays: a caller may put the getter back, as moveToExternal does).
  return Object.getOwnPropertyDescriptor(t, 'rawData')?.get === s.getter ? s : undefined;
}

/** Whether `t`'s raw_data is still in its file. */
export function isLazy(t: OnnxTensor): boolean {
  return sourceOf(t) !== undefined;
}

/** Length of raw_data in bytes (0 when absent), without loading it. */
export function rawDataLength(t: OnnxTensor): number {
  const s = sourceOf(t);
  if (s) return s.length;
  const raw = t.rawData;
  return raw === undefined || raw === null ? 0 : raw.length;
}

/**
 * raw_data's bytes. A lazy tensor's are read into `into` (which must hold them) or a
 * fresh buffer and not kept; otherwise `t.rawData` itself is returned.
 */
export function readRawData(t: OnnxTensor, into?: Uint8Array): Uint8Array | undefined {
  const s = sourceOf(t);
  if (!s) return t.rawData ?? undefined;
  const bytes = into ? into.subarray(0, s.length) : Buffer.allocUnsafe(s.length);
  if (bytes.length < s.length) throw new RangeError(`readRawData: the buffer holds ${into!.length} bytes, ${s.length} needed`);
  readFully(s.file, bytes, s.offset);
  return bytes;
}

/** A payload that is written from its file in chunks (see copyRawData). */
export interface LazyPayload {
  lazy: true;
  tensor: OnnxTensor;
  length: number;
}

/** A part of an encoding: bytes, or a lazy tensor's raw_data left in its file. */
export type EncodedPart = Uint8Array | LazyPayload;

/** The payload of `t` as an encoded part: its lazy source, or its raw_data bytes. */
export function payloadPart(t: OnnxTensor): EncodedPart {
  const s = sourceOf(t);
  return s ? { lazy: true, tensor: t, length: s.length } : t.rawData!;
}

/** Pass a part's bytes to `write`: bytes at once, a lazy payload in chunks through one reused buffer. */
export function writePart(part: EncodedPart, write: (bytes: Uint8Array) => void): void {
  if (part instanceof Uint8Array) {
    write(part);
    return;
  }
  const s = sourceOf(part.tensor);
  if (!s) {
    // Loaded since it was encoded: write what it holds now, if that still fits the encoding.
    const now = part.tensor.rawData;
    if (!now || now.length !== part.length) throw new Error(`writeOnnx: raw_data of ${JSON.stringify(part.tensor.name ?? '')} changed while it was written`);
    write(now);
    return;
  }
  copyBuffer ??= new Uint8Array(COPY_CHUNK);
  for (let at = 0; at < s.length; at += COPY_CHUNK) {
    const chunk = copyBuffer.subarray(0, Math.min(COPY_CHUNK, s.length - at));
    readFully(s.file, chunk, s.offset + at);
    write(chunk);
  }
}

/** Total bytes of parts. */
export function partsLength(parts: readonly EncodedPart[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}
