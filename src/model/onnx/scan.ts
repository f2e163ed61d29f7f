/**
 * Reading an .onnx file without reading its large tensors. Faulting in fresh memory
 * for a whole file costs more than decoding it, so the protobuf structure is walked
 * with small positional reads: ModelProto → graph (field 7) → initializer (field 5)
 * → raw_data (field 9). A raw_data payload of at least LAZY_THRESHOLD bytes stays
 * in the file; the rest is copied into a much smaller message (lengths re-framed),
 * decoded as usual, and each tensor that lost its payload gets a lazy `rawData`
 * (lazy.ts) pointing at the file.
 *
 * Anything unusual (a field with an unexpected wire type, a repeated graph or
 * raw_data, groups, lengths past the end, no large payload at all) makes the scan
 * give up, and the caller reads the whole file as before, so malformed files are
 * reported exactly as they were.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import protobuf from 'protobufjs';
import { attachLazyRawData, closeLazyFile, LAZY_THRESHOLD, openLazyFile } from './lazy.js';
import type { OnnxModelProto } from './messages.js';
import { ModelProto } from './schema.js';

const WINDOW = 64 * 1024;

/** Thrown inside the scan to give up (caught below; never escapes). */
class GiveUp extends Error {}

/** Positional reads through a small window (the structure is read field by field). */
class FileCursor {
  private window = Buffer.allocUnsafe(WINDOW);
  private start = 0;
  private end = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  private load(at: number): void {
    const n = readSync(this.fd, this.window, 0, Math.min(WINDOW, this.size - at), at);
    if (n <= 0) throw new GiveUp();
    this.start = at;
    this.end = at + n;
  }

  byte(at: number): number {
    if (at >= this.size) throw new GiveUp();
    if (at < this.start || at >= this.end) this.load(at);
    return this.window[at - this.start];
  }

  /** A varint at `at` (at most 2^53); returns [value, next position]. */
  varint(at: number): [number, number] {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte(at++);
      value += (b & 127) * scale;
      if (b < 128) return [value, at];
      scale *= 128;
    }
    throw new GiveUp();
  }

  /** Read the bytes at `from` into `target`. */
  readInto(target: Uint8Array, from: number): void {
    let done = 0;
    while (done < target.length) {
      const n = readSync(this.fd, target, done, target.length - done, from + done);
      if (n <= 0) throw new GiveUp();
      done += n;
    }
  }
}

interface Field {
  field: number;
  wireType: number;
  /** Where the field's tag starts, where its value (after any length) starts, where it ends. */
  at: number;
  valueAt: number;
  end: number;
}

/** The field at `at`, within a message ending at `limit`. */
function fieldAt(c: FileCursor, at: number, limit: number): Field {
  const [tag, next] = c.varint(at);
  const field = Math.floor(tag / 8);
  const wireType = tag % 8;
  if (field === 0 || tag > 0xffffffff) throw new GiveUp();
  let valueAt = next;
  let end: number;
  switch (wireType) {
    case 0: end = c.varint(next)[1]; break;
    case 1: end = next + 8; break;
    case 5: end = next + 4; break;
    case 2: {
      const [length, start] = c.varint(next);
      valueAt = start;
      end = start + length;
      break;
    }
    default: throw new GiveUp(); // groups and invalid wire types: let the decoder judge
  }
  if (end > limit) throw new GiveUp();
  return { field, wireType, at, valueAt, end };
}

function varintBytes(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** A length-delimited field header. */
function header(field: number, length: number): Uint8Array {
  return Uint8Array.from([...varintBytes(field * 8 + 2), ...varintBytes(length)]);
}

interface Lazy {
  /** Index among the graph's initializers. */
  index: number;
  offset: number;
  length: number;
}

/** A message rebuilt from new headers and ranges of the file (read only once the scan succeeds). */
interface Pieces {
  parts: (Uint8Array | { from: number; to: number })[];
  length: number;
}

function push(p: Pieces, bytes: Uint8Array): void {
  p.parts.push(bytes);
  p.length += bytes.length;
}

function pushRange(p: Pieces, from: number, to: number): void {
  if (to <= from) return;
  p.parts.push({ from, to });
  p.length += to - from;
}

function materialize(c: FileCursor, p: Pieces): Uint8Array {
  const out = Buffer.allocUnsafe(p.length);
  let at = 0;
  for (const part of p.parts) {
    if (part instanceof Uint8Array) {
      out.set(part, at);
      at += part.length;
    } else {
      c.readInto(out.subarray(at, at + part.to - part.from), part.from);
      at += part.to - part.from;
    }
  }
  return out;
}

/** A TensorProto in [from, to): its bytes without a large raw_data, and that payload's place. */
function scanTensor(c: FileCursor, from: number, to: number): { pieces: Pieces; payload: { offset: number; length: number } | null } {
  const pieces: Pieces = { parts: [], length: 0 };
  let payload: { offset: number; length: number } | null = null;
  let rawFields = 0;
  let copyFrom = from;
  for (let at = from; at < to; ) {
    const f = fieldAt(c, at, to);
    if (f.field === 9) {
      if (f.wireType !== 2 || ++rawFields > 1) throw new GiveUp();
      if (f.end - f.valueAt >= LAZY_THRESHOLD) {
        pushRange(pieces, copyFrom, f.at);
        payload = { offset: f.valueAt, length: f.end - f.valueAt };
        copyFrom = f.end;
      }
    }
    at = f.end;
  }
  pushRange(pieces, copyFrom, to);
  return { pieces, payload };
}

/** A GraphProto in [from, to), its initializers scanned. */
function scanGraph(c: FileCursor, from: number, to: number, lazies: Lazy[]): Pieces {
  const pieces: Pieces = { parts: [], length: 0 };
  let index = 0;
  let copyFrom = from;
  for (let at = from; at < to; ) {
    const f = fieldAt(c, at, to);
    if (f.field === 5) {
      if (f.wireType !== 2) throw new GiveUp();
      const tensor = scanTensor(c, f.valueAt, f.end);
      if (tensor.payload) {
        pushRange(pieces, copyFrom, f.at);
        push(pieces, header(5, tensor.pieces.length));
        pieces.parts.push(...tensor.pieces.parts);
        pieces.length += tensor.pieces.length;
        lazies.push({ index, ...tensor.payload });
        copyFrom = f.end;
      }
      index++;
    }
    at = f.end;
  }
  pushRange(pieces, copyFrom, to);
  return pieces;
}

/** The model without its large payloads, or null when the file is not worth (or not safe) scanning. */
function scanModel(c: FileCursor): { bytes: Uint8Array; lazies: Lazy[] } | null {
  const pieces: Pieces = { parts: [], length: 0 };
  const lazies: Lazy[] = [];
  let graphs = 0;
  let copyFrom = 0;
  for (let at = 0; at < c.size; ) {
    const f = fieldAt(c, at, c.size);
    if (f.field === 7) {
      if (f.wireType !== 2 || ++graphs > 1) throw new GiveUp();
      const graph = scanGraph(c, f.valueAt, f.end, lazies);
      pushRange(pieces, copyFrom, f.at);
      push(pieces, header(7, graph.length));
      pieces.parts.push(...graph.parts);
      pieces.length += graph.length;
      copyFrom = f.end;
    }
    at = f.end;
  }
  if (lazies.length === 0) return null;
  pushRange(pieces, copyFrom, c.size);
  return { bytes: materialize(c, pieces), lazies };
}

/**
 * Decode the model at `path` leaving large initializer payloads in the file, or
 * null when the whole file should be read instead (small payloads only, or a
 * structure the scan does not handle, including any malformation). Not validated.
 */
export function decodeOnnxLazily(path: string, size: number): OnnxModelProto | null {
  const fd = openSync(path, 'r');
  let scanned: { bytes: Uint8Array; lazies: Lazy[] } | null;
  try {
    scanned = scanModel(new FileCursor(fd, size));
  } catch (e) {
    closeSync(fd);
    if (e instanceof GiveUp) return null;
    throw e;
  }
  if (!scanned) {
    closeSync(fd);
    return null;
  }
  const file = openLazyFile(fd, path, size);
  let proto: OnnxModelProto;
  try {
    const reader = protobuf.Reader.create(scanned.bytes);
    reader.discardUnknown = false;
    proto = ModelProto.decode(reader) as unknown as OnnxModelProto;
  } catch {
    closeLazyFile(file);
    return null; // the full decode reports it
  }
  const initializers = proto.graph?.initializer ?? [];
  for (const l of scanned.lazies) {
    const t = initializers[l.index];
    if (!t || Object.prototype.hasOwnProperty.call(t, 'rawData')) {
      closeLazyFile(file);
      return null;
    }
    attachLazyRawData(t, file, l.offset, l.length);
  }
  return proto;
}
