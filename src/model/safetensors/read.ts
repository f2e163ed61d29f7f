/**
 * Reading safetensors files: an 8-byte little-endian header length N, N bytes of
 * UTF-8 JSON, then the data region. Only the header is read to validate a file,
 * so a huge file costs a few small reads; tensor data is read straight into
 * typed arrays (no copy of the whole file).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { formatFailure, validateHeader, type SafetensorsHeader } from './header.js';
import { newArray, shapeCount, type SafetensorsArray, type SafetensorsDType } from './dtypes.js';
import type { SafetensorsEntry } from './header.js';

/** Headers larger than this are refused (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsTensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: SafetensorsArray;
}

export interface SafetensorsFile {
  tensors: Record<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** Read exactly target.length bytes at `position`, or fail if the file ends first. */
export function readExactly(fd: number, target: Uint8Array, position: number, fail: (problem: string) => Error): void {
  let done = 0;
  while (done < target.length) {
    const n = readSync(fd, target, done, target.length - done, position + done);
    if (n === 0) throw fail(`the file ended at byte ${position + done} while ${target.length} bytes were expected from byte ${position}`);
    done += n;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Read and validate the header of an open file. */
export function readHeaderFd(fn: string, path: string, fd: number): SafetensorsHeader {
  const fail = formatFailure(fn, path);
  const fileSize = fstatSync(fd).size;
  if (fileSize < 8) throw fail(`the file has ${fileSize} bytes, fewer than the 8 of the header length`);
  const lengthBytes = new Uint8Array(8);
  readExactly(fd, lengthBytes, 0, fail);
  const length = new DataView(lengthBytes.buffer).getBigUint64(0, true);
  if (length === 0n) throw fail('header length 0 (the header must be a JSON object)');
  if (length + 8n > BigInt(fileSize)) throw fail(`header length ${length} exceeds the file size ${fileSize}`);
  if (length > BigInt(MAX_HEADER_BYTES)) throw fail(`header length ${length} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  const headerBytes = new Uint8Array(Number(length));
  readExactly(fd, headerBytes, 8, fail);
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(headerBytes));
  } catch (e) {
    throw fail(`the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  const dataOffset = 8 + headerBytes.length;
  const { tensors, metadata } = validateHeader(fail, json, fileSize - dataOffset);
  return { tensors, metadata, dataOffset, fileSize };
}

/** Open `path` for reading, run `work` with its descriptor, close it. */
export function withFile<T>(path: string, work: (fd: number) => T): T {
  const fd = openSync(path, 'r');
  try {
    return work(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The validated header of a safetensors file: its tensors in file order (name,
 * dtype, shape, byte range in the data region) and its `__metadata__`. Reads only
 * the header; throws ERR_MODELPRESS_BAD_FILE naming the problem if the file is malformed.
 */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  return withFile(path, (fd) => readHeaderFd('readSafetensorsHeader', path, fd));
}

/** Read one tensor's data into a fresh typed array of its dtype. */
export function readTensorFd(fd: number, header: SafetensorsHeader, t: SafetensorsEntry, fail: (problem: string) => Error): SafetensorsArray {
  const data = newArray(t.dtype, shapeCount(t.shape));
  readExactly(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), header.dataOffset + t.begin, fail);
  return data;
}

/**
 * Read a whole safetensors file: every tensor as a typed array of its dtype
 * (Float32Array for F32, Uint16Array bit patterns for F16/BF16, BigInt64Array for
 * I64 …) and the metadata. Data are little-endian, as on every platform Node runs on.
 * Tensors are listed in file order, except that JavaScript puts integer-like
 * names ("0", "12") first in any object; readSafetensorsHeader() keeps file order.
 */
export function readSafetensors(path: string): SafetensorsFile {
  return withFile(path, (fd) => {
    const fn = 'readSafetensors';
    const header = readHeaderFd(fn, path, fd);
    const fail = formatFailure(fn, path);
    const entries = header.tensors.map((t) => [t.name, { dtype: t.dtype, shape: t.shape, data: readTensorFd(fd, header, t, fail) }] as const);
    return { tensors: Object.fromEntries(entries), metadata: header.metadata };
  });
}

export type { SafetensorsEntry, SafetensorsHeader };
