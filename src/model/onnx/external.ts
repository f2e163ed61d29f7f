/**
 * ONNX external data: tensors whose bytes live in a file beside the model
 * (data_location EXTERNAL, external_data {location, offset, length}). Reading turns
 * them into raw_data so later steps see one kind of tensor (large ones lazy, still
 * in the data file: lazy.ts); writing moves
 * large raw_data out into one data file, each tensor at a 4096-aligned offset
 * as onnx's own converter lays it out.
 */
import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { fileFormatError, rangeError } from '../../errors.js';
import type { AtomicFile } from '../atomic.js';
import { attachLazyRawData, LAZY_THRESHOLD, openLazyFile, payloadPart, rawDataLength, writePart, type LazyFile } from './lazy.js';
import type { OnnxModelProto, OnnxTensor } from './messages.js';
import { StringStringEntryProto } from './schema.js';
import { dataTypeName, rawByteLength } from './tensor.js';
import { checkedDims, externalRef, isExternal } from './validate.js';
import { allGraphs, allTensors } from './walk.js';

const ALIGN = 4096;

/** Why an external-data location is unsafe or malformed, or null when it is a plain relative path. */
export function locationProblem(location: string): string | null {
  if (location.includes('\0')) return 'contains a NUL character';
  if (isAbsolute(location) || /^[a-zA-Z]:/.test(location) || location.startsWith('\\') || location.startsWith('/')) {
    return 'is absolute (it must be relative to the model)';
  }
  if (location.split(/[\\/]/).includes('..')) return "goes up a directory ('..')";
  return null;
}

/**
 * Load every external tensor of `proto` (decoded from `file`) into raw_data.
 * Returns the data files read (absolute paths). Throws fileFormatError on a bad reference.
 */
export function loadExternalData(proto: OnnxModelProto, file: string, fn: string): string[] {
  const bad = (problem: string) => fileFormatError(fn, file, 'ONNX', problem);
  const baseDir = dirname(file);
  const open = new Map<string, { fd: number; size: number; lazy?: LazyFile }>();
  const realBase = (() => {
    try {
      return realpathSync(baseDir);
    } catch {
      return baseDir;
    }
  })();
  try {
    for (const { tensor: t, where, role } of allTensors(proto)) {
      if (!isExternal(t)) continue;
      const name = `tensor ${JSON.stringify(t.name ?? '')} (${role} in ${where})`;
      const ref = externalRef(t);
      if (typeof ref === 'string') throw bad(`${name}: ${ref}`);
      const problem = locationProblem(ref.location);
      if (problem) throw bad(`${name}: external data location ${JSON.stringify(ref.location)} ${problem}`);
      const dataPath = join(baseDir, normalize(ref.location));
      let handle = open.get(dataPath);
      if (!handle) {
        let real: string;
        try {
          real = realpathSync(dataPath);
        } catch {
          throw bad(`${name}: its external data file ${dataPath} does not exist`);
        }
        // A symbolic link may not lead outside the model's directory either.
        const rel = relative(realBase, real);
        if (rel === '' || rel.startsWith('..' + sep) || rel === '..' || isAbsolute(rel)) {
          throw bad(`${name}: external data location ${JSON.stringify(ref.location)} resolves outside the model's directory`);
        }
        const fd = openSync(real, 'r');
        const stat = fstatSync(fd);
        handle = { fd, size: stat.size };
        open.set(dataPath, handle);
        if (!stat.isFile()) throw bad(`${name}: external data location ${JSON.stringify(ref.location)} is not a file`);
      }
      const dims = checkedDims(t);
      const need = typeof dims === 'string' ? null : rawByteLength(t.dataType ?? 0, dims.count);
      if (need === null) throw bad(`${name}: external data of ${dataTypeName(t.dataType ?? 0)} cannot be read`);
      if (ref.length !== null && ref.length !== need) {
        throw bad(`${name}: external data length ${ref.length} differs from the ${need} bytes its dims need`);
      }
      if (ref.offset + need > handle.size) {
        throw bad(`${name}: external data at offset ${ref.offset} + ${need} bytes runs past the end of ${ref.location} (${handle.size} bytes)`);
      }
      if (need >= LAZY_THRESHOLD) {
        // Left in the data file until needed (the descriptor then stays open: see lazy.ts).
        handle.lazy ??= openLazyFile(handle.fd, resolve(dataPath), handle.size);
        attachLazyRawData(t, handle.lazy, ref.offset, need);
      } else {
        const bytes = Buffer.allocUnsafe(need);
        let got = 0;
        while (got < need) {
          const n = readSync(handle.fd, bytes, got, need - got, ref.offset + got);
          if (n === 0) throw bad(`${name}: ${ref.location} ended early`);
          got += n;
        }
        t.rawData = bytes;
      }
      t.externalData = [];
      delete t.dataLocation;
    }
    return [...open.keys()].map((p) => resolve(p));
  } finally {
    for (const { fd, lazy } of open.values()) if (!lazy) closeSync(fd);
  }
}

/** A tensor moved out to the data file, with what it held before (to restore the caller's proto). */
interface Moved {
  tensor: OnnxTensor;
  /** raw_data as it was defined (a value, or a lazy getter), and its length. */
  rawData: PropertyDescriptor;
  length: number;
  offset: number;
  dataLocation: number | undefined;
  hadLocation: boolean;
  externalData: OnnxTensor['externalData'];
}

/**
 * Move every initializer with at least `threshold` bytes of raw_data into `data`,
 * rewriting it as an external reference to `location`. Returns a function that
 * puts the proto back as it was (the caller's object is only borrowed).
 */
export function moveToExternal(proto: OnnxModelProto, location: string, threshold: number, data: AtomicFile): () => void {
  const problem = locationProblem(location);
  if (problem) throw rangeError('writeOnnx', 'externalData.location', 'a relative path inside the model directory', `${location} (${problem})`);
  const moved: Moved[] = [];
  const zeros = new Uint8Array(ALIGN);
  for (const { graph } of allGraphs(proto)) {
    for (const t of graph.initializer ?? []) {
      const length = rawDataLength(t);
      const descriptor = Object.getOwnPropertyDescriptor(t, 'rawData');
      if (!descriptor || length < threshold || length === 0 || isExternal(t)) continue;
      const offset = Math.ceil(data.position / ALIGN) * ALIGN;
      if (offset > data.position) data.write(zeros.subarray(0, offset - data.position));
      writePart(payloadPart(t), (bytes) => data.write(bytes));
      moved.push({
        tensor: t,
        rawData: descriptor,
        length,
        offset,
        dataLocation: t.dataLocation,
        hadLocation: Object.prototype.hasOwnProperty.call(t, 'dataLocation'),
        externalData: t.externalData,
      });
    }
  }
  for (const m of moved) {
    delete m.tensor.rawData;
    m.tensor.dataLocation = 1;
    m.tensor.externalData = [
      StringStringEntryProto.create({ key: 'location', value: location }),
      StringStringEntryProto.create({ key: 'offset', value: String(m.offset) }),
      StringStringEntryProto.create({ key: 'length', value: String(m.length) }),
    ] as never;
  }
  return () => {
    for (const m of moved) {
      Object.defineProperty(m.tensor, 'rawData', m.rawData);
      if (m.hadLocation) m.tensor.dataLocation = m.dataLocation;
      else delete m.tensor.dataLocation;
      m.tensor.externalData = m.externalData;
    }
  };
}
