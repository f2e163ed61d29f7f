/**
 * Validation of a parsed safetensors header: every entry must describe a tensor
 * exactly (dtype, shape, data_offsets and nothing else), its byte range must
 * match its shape, and the tensors must tile the data region with no overlap and
 * no hole. `__metadata__` is an object of strings. Checks never trust a size
 * before comparing it with the file, so a hostile header cannot cause a huge
 * allocation or a read past the end.
 */
import { fileFormatError } from '../../errors.js';
import { isSafetensorsDType, itemSize, SAFETENSORS_DTYPES, type SafetensorsDType } from './dtypes.js';

/** One tensor of a safetensors file; begin and end are byte offsets into the data region. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** In file order (by data offset). */
  tensors: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** Byte offset of the data region in the file (8 + header length). */
  dataOffset: number;
  fileSize: number;
}

export const METADATA_KEY = '__metadata__';

type Fail = (problem: string) => Error;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? s.slice(0, 60) + '…' : s;
}

function checkShape(fail: Fail, where: string, shape: unknown, dtype: SafetensorsDType, dataSize: number): { shape: number[]; bytes: number } {
  if (!Array.isArray(shape)) throw fail(`${where}: shape must be an array of non-negative integers, got ${show(shape)}`);
  let count = 1;
  let empty = false;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw fail(`${where}: shape[${i}] must be a non-negative integer, got ${show(d)}`);
    }
    if (d === 0) empty = true;
    else if (!empty) count *= d;
    if (!empty && count > Number.MAX_SAFE_INTEGER) throw fail(`${where}: shape ${show(shape)} has more than 2^53 elements`);
  }
  if (empty) count = 0;
  const bytes = count * itemSize(dtype);
  if (bytes > dataSize) throw fail(`${where}: shape ${show(shape)} needs ${bytes} bytes of ${dtype}, more than the ${dataSize} bytes of data in the file`);
  return { shape: shape.slice() as number[], bytes };
}

function checkOffsets(fail: Fail, where: string, offsets: unknown, bytes: number, dataSize: number): [number, number] {
  if (!Array.isArray(offsets) || offsets.length !== 2) throw fail(`${where}: data_offsets must be [begin, end], got ${show(offsets)}`);
  const [begin, end] = offsets;
  for (const v of [begin, end]) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw fail(`${where}: data_offsets must be non-negative integers, got ${show(offsets)}`);
  }
  if (begin > end) throw fail(`${where}: data_offsets begin ${begin} is after end ${end}`);
  if (end > dataSize) throw fail(`${where}: data_offsets end ${end} exceeds the data size ${dataSize}`);
  if (end - begin !== bytes) throw fail(`${where}: data_offsets span ${end - begin} bytes but the dtype and shape need ${bytes}`);
  return [begin, end];
}

function checkEntry(fail: Fail, name: string, value: unknown, dataSize: number): SafetensorsEntry {
  const where = `tensor ${show(name)}`;
  if (!isPlainObject(value)) throw fail(`${where} must be an object with dtype, shape and data_offsets, got ${show(value)}`);
  const keys = Object.keys(value).sort();
  if (keys.length !== 3 || keys[0] !== 'data_offsets' || keys[1] !== 'dtype' || keys[2] !== 'shape') {
    throw fail(`${where} must have exactly the keys dtype, shape and data_offsets, got ${keys.join(', ') || 'none'}`);
  }
  const dtype = value.dtype;
  if (!isSafetensorsDType(dtype)) throw fail(`${where}: dtype ${show(dtype)} is not one of ${SAFETENSORS_DTYPES.join(', ')}`);
  const { shape, bytes } = checkShape(fail, where, value.shape, dtype, dataSize);
  const [begin, end] = checkOffsets(fail, where, value.data_offsets, bytes, dataSize);
  return { name, dtype, shape, begin, end };
}

function checkMetadata(fail: Fail, value: unknown): Record<string, string> {
  if (!isPlainObject(value)) throw fail(`${METADATA_KEY} must be an object of strings, got ${show(value)}`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw fail(`${METADATA_KEY}[${show(k)}] must be a string, got ${show(v)}`);
  }
  return Object.fromEntries(Object.entries(value as Record<string, string>));
}

/** The tensors, sorted by offset, must cover [0, dataSize) exactly once. */
function checkTiling(fail: Fail, tensors: SafetensorsEntry[], dataSize: number): void {
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: SafetensorsEntry | undefined;
  for (const t of tensors) {
    if (t.begin < cursor) {
      throw fail(`tensor ${show(t.name)} (bytes ${t.begin}–${t.end}) overlaps tensor ${show(previous!.name)} (bytes ${previous!.begin}–${previous!.end})`);
    }
    if (t.begin > cursor) throw fail(`bytes ${cursor}–${t.begin} of the data belong to no tensor (a hole before ${show(t.name)})`);
    cursor = t.end;
    previous = t;
  }
  if (cursor !== dataSize) throw fail(`bytes ${cursor}–${dataSize} at the end of the data belong to no tensor`);
}

/**
 * Check a parsed header against a data region of `dataSize` bytes; `fail` makes
 * the error (it names the file). Returns the tensors in file order.
 */
export function validateHeader(fail: Fail, json: unknown, dataSize: number): { tensors: SafetensorsEntry[]; metadata: Record<string, string> } {
  if (!isPlainObject(json)) throw fail(`the header must be a JSON object, got ${Array.isArray(json) ? 'an array' : show(json)}`);
  const tensors: SafetensorsEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(json)) {
    if (name === METADATA_KEY) metadata = checkMetadata(fail, value);
    else tensors.push(checkEntry(fail, name, value, dataSize));
  }
  checkTiling(fail, tensors, dataSize);
  return { tensors, metadata };
}

/** The error of a malformed file, for `fn` reading `file`. */
export function formatFailure(fn: string, file: string): Fail {
  return (problem) => fileFormatError(fn, file, 'safetensors', problem);
}
