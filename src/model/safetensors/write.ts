/**
 * Writing safetensors files, atomically. The layout is the one the reference
 * implementation writes: `__metadata__` first, then the tensors in the order
 * given with contiguous data offsets; the JSON header is padded with spaces to a
 * multiple of 8 bytes so that the data region starts aligned.
 */
import { rangeError, typeError } from '../../errors.js';
import { withAtomicFile, type AtomicFile } from '../atomic.js';
import { arrayClass, isSafetensorsDType, itemSize, SAFETENSORS_DTYPES, shapeCount, type SafetensorsDType } from './dtypes.js';
import { METADATA_KEY } from './header.js';

/** A tensor to write; data is the dtype's typed array (see readSafetensors) or its raw little-endian bytes. */
export interface SafetensorsInput {
  dtype: SafetensorsDType;
  shape: readonly number[];
  data: ArrayBufferView;
}

export type NamedSafetensorsInput = SafetensorsInput & { name: string };

export interface WriteSafetensorsOptions {
  /** String → string pairs stored as `__metadata__`. */
  metadata?: Record<string, string>;
}

/** What the header needs to know about a tensor: its name, dtype, shape and byte size. */
export interface PlannedTensor {
  name: string;
  dtype: SafetensorsDType;
  shape: readonly number[];
  bytes: number;
}

/**
 * The header bytes (length prefix included) for tensors stored one after the
 * other in this order. The JSON is padded with spaces to a multiple of 8.
 */
export function encodeHeader(tensors: readonly PlannedTensor[], metadata: Record<string, string> | undefined): Uint8Array {
  const header: Record<string, unknown> = {};
  const entries: [string, unknown][] = [];
  if (metadata && Object.keys(metadata).length > 0) entries.push([METADATA_KEY, metadata]);
  let offset = 0;
  for (const t of tensors) {
    entries.push([t.name, { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes] }]);
    offset += t.bytes;
  }
  // defineProperty keeps a tensor called "__proto__" an ordinary key.
  for (const [k, v] of entries) Object.defineProperty(header, k, { value: v, enumerable: true, writable: true, configurable: true });
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

function checkMetadata(fn: string, metadata: unknown): Record<string, string> | undefined {
  if (metadata === undefined) return undefined;
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) throw typeError(fn, 'metadata', 'an object of strings', metadata);
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw typeError(fn, `metadata[${JSON.stringify(k)}]`, 'a string', v);
  }
  return metadata as Record<string, string>;
}

function checkTensor(fn: string, name: string, t: unknown): NamedSafetensorsInput {
  const arg = `tensors[${JSON.stringify(name)}]`;
  if (t === null || typeof t !== 'object') throw typeError(fn, arg, 'an object { dtype, shape, data }', t);
  const { dtype, shape, data } = t as Record<string, unknown>;
  if (!isSafetensorsDType(dtype)) throw rangeError(fn, `${arg}.dtype`, `one of ${SAFETENSORS_DTYPES.join(', ')}`, dtype);
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw rangeError(fn, `${arg}.shape`, 'an array of non-negative integers', shape);
  }
  const Expected = arrayClass(dtype);
  if (!(data instanceof Expected || data instanceof Uint8Array)) throw typeError(fn, `${arg}.data`, `a ${Expected.name} (or its bytes as a Uint8Array)`, data);
  const bytes = shapeCount(shape) * itemSize(dtype);
  if ((data as ArrayBufferView).byteLength !== bytes) {
    throw rangeError(fn, `${arg}.data`, `${bytes} bytes for ${dtype} of shape [${shape.join(', ')}]`, `${(data as ArrayBufferView).byteLength} bytes`);
  }
  return { name, dtype, shape, data: data as ArrayBufferView };
}

function checkTensors(fn: string, tensors: unknown): NamedSafetensorsInput[] {
  let list: [string, unknown][];
  if (Array.isArray(tensors)) {
    list = tensors.map((t, i) => {
      const name = (t as { name?: unknown } | null)?.name;
      if (typeof name !== 'string') throw typeError(fn, `tensors[${i}].name`, 'a string', name);
      return [name, t];
    });
  } else if (tensors !== null && typeof tensors === 'object') list = Object.entries(tensors);
  else throw typeError(fn, 'tensors', 'an object of tensors by name, or an array of named tensors', tensors);
  const seen = new Set<string>();
  return list.map(([name, t]) => {
    if (name === METADATA_KEY) throw rangeError(fn, 'tensors', `free of the reserved name ${METADATA_KEY}`, name);
    if (seen.has(name)) throw rangeError(fn, 'tensors', 'uniquely named', `${JSON.stringify(name)} twice`);
    seen.add(name);
    return checkTensor(fn, name, t);
  });
}

/** Write the tensors' bytes in order (after the header). */
export function writeTensorData(file: AtomicFile, tensors: readonly { data: ArrayBufferView }[]): void {
  for (const t of tensors) file.write(t.data);
}

/**
 * Write tensors (an object by name, or an array of named tensors for an explicit
 * order) and optional metadata to `path` as a safetensors file, atomically.
 * Each tensor's data must hold exactly product(shape) × itemsize bytes.
 */
export function writeSafetensors(
  path: string,
  tensors: Record<string, SafetensorsInput> | readonly NamedSafetensorsInput[],
  options?: WriteSafetensorsOptions,
): void {
  const fn = 'writeSafetensors';
  if (typeof path !== 'string' || path.length === 0) throw typeError(fn, 'path', 'a file path', path);
  const list = checkTensors(fn, tensors);
  const metadata = checkMetadata(fn, options?.metadata);
  const header = encodeHeader(list.map((t) => ({ ...t, bytes: t.data.byteLength })), metadata);
  withAtomicFile(path, (file) => {
    file.write(header);
    writeTensorData(file, list);
  });
}
