/**
 * Encoding a ModelProto as a list of parts rather than one buffer. protobufjs
 * builds one growing buffer and shifts every nested message once its length is
 * known, which for a model with hundreds of MB of initializers means several full
 * copies. Here each top-level initializer is encoded on its own and the graph and
 * model framing is written around them, so the bytes are the same as
 * ModelProto.encode gives (fields in number order, unknown fields last) and a
 * writer can send the parts straight to the file. A large raw_data is not
 * encoded at all: its tensor is encoded without it and the payload becomes a part
 * of its own (its array, or a lazy tensor's place in its file; see lazy.ts).
 */
import { isLazy, partsLength, payloadPart, rawDataLength, writePart, type EncodedPart } from './lazy.js';
import type { OnnxGraph, OnnxModelProto, OnnxTensor } from './messages.js';
import { GraphProto, ModelProto, TensorProto } from './schema.js';

function varint(n: number): Uint8Array {
  const out: number[] = [];
  while (n > 127) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Uint8Array.from(out);
}

/** Length-delimited field header: tag (field, wire type 2) and length. */
function header(field: number, length: number): Uint8Array {
  const tag = varint(field * 8 + 2);
  const len = varint(length);
  const out = new Uint8Array(tag.length + len.length);
  out.set(tag);
  out.set(len, tag.length);
  return out;
}

function readVarint(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    const b = bytes[at++];
    value += (b & 127) * scale;
    if (b < 128) return [value, at];
    scale *= 128;
  }
}

/** Offset after the leading fields whose numbers are in `before` (bytes our own encoder wrote, so well formed). */
function insertionPoint(bytes: Uint8Array, before: ReadonlySet<number>): number {
  let at = 0;
  while (at < bytes.length) {
    const [tag, next] = readVarint(bytes, at);
    if (!before.has(Math.floor(tag / 8))) return at;
    let end: number;
    switch (tag & 7) {
      case 0: end = readVarint(bytes, next)[1]; break;
      case 1: end = next + 8; break;
      case 5: end = next + 4; break;
      case 2: {
        const [len, start] = readVarint(bytes, next);
        end = start + len;
        break;
      }
      default: return at; // groups never come from our encoder
    }
    at = end;
  }
  return at;
}

const TENSOR_FIELDS_BEFORE_RAW_DATA = new Set([1, 2, 3, 4, 5, 6, 7, 8]); // dims … name
const GRAPH_FIELDS_BEFORE_INITIALIZER = new Set([1, 2]); // node, name
const MODEL_FIELDS_BEFORE_GRAPH = new Set([1, 2, 3, 4, 5, 6]); // ir_version … doc_string

/** raw_data of at least this many bytes is written as a part of its own. */
const SEPARATE_PAYLOAD = 64 * 1024;

/** The parts of one TensorProto's encoding: [fields before raw_data, its header, the payload, the rest]. */
function tensorParts(t: OnnxTensor): EncodedPart[] {
  const length = rawDataLength(t);
  if (length < SEPARATE_PAYLOAD || !(isLazy(t) || t.rawData instanceof Uint8Array)) return [TensorProto.encode(t as never).finish()];
  // Encode a copy without raw_data (every other own property kept, unknown fields included).
  const descriptors = Object.getOwnPropertyDescriptors(t) as Record<string, PropertyDescriptor>;
  delete descriptors.rawData;
  const rest = TensorProto.encode(Object.create(Object.getPrototypeOf(t), descriptors)).finish();
  const at = insertionPoint(rest, TENSOR_FIELDS_BEFORE_RAW_DATA);
  return [rest.subarray(0, at), header(9, length), payloadPart(t), rest.subarray(at)];
}

/** Parts whose concatenation is the ModelProto encoding of `proto`. */
export function encodeOnnxParts(proto: OnnxModelProto): EncodedPart[] {
  const graph = proto.graph;
  if (!graph || (graph.initializer ?? []).length === 0) return [ModelProto.encode(proto as never).finish()];
  const initializers = graph.initializer;
  const inits = initializers.map(tensorParts);
  let graphRest: Uint8Array;
  let modelRest: Uint8Array;
  try {
    (graph as OnnxGraph).initializer = [];
    graphRest = GraphProto.encode(graph as never).finish();
    delete (proto as { graph?: unknown }).graph;
    modelRest = ModelProto.encode(proto as never).finish();
  } finally {
    graph.initializer = initializers;
    proto.graph = graph;
  }
  const g = insertionPoint(graphRest, GRAPH_FIELDS_BEFORE_INITIALIZER);
  const graphParts: EncodedPart[] = [graphRest.subarray(0, g)];
  for (const t of inits) graphParts.push(header(5, partsLength(t)), ...t);
  graphParts.push(graphRest.subarray(g));
  const m = insertionPoint(modelRest, MODEL_FIELDS_BEFORE_GRAPH);
  const parts = [modelRest.subarray(0, m), header(7, partsLength(graphParts)), ...graphParts, modelRest.subarray(m)];
  return parts.filter((c) => c.length > 0);
}

/** The bytes of parts, lazy payloads read from their files. */
export function partsBytes(parts: readonly EncodedPart[]): Uint8Array {
  if (parts.length === 1 && parts[0] instanceof Uint8Array) return parts[0];
  const out = Buffer.allocUnsafe(partsLength(parts));
  let at = 0;
  for (const p of parts) {
    writePart(p, (bytes) => {
      out.set(bytes, at);
      at += bytes.length;
    });
  }
  return out;
}
