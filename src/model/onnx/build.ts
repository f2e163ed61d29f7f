/**
 * Making ONNX nodes and attributes by code, as protobufjs messages (so unset fields
 * read their proto defaults and repeated fields are arrays).
 */
import protobuf from 'protobufjs';
import type { OnnxAttribute, OnnxGraph, OnnxNode, OnnxTensor } from './messages.js';
import { AttributeProto, AttributeType, NodeProto } from './schema.js';

/** A value an attribute can hold: number (FLOAT, or INT when `int` is set), string, tensor, graph, or a list. */
export type AttributeValue = number | bigint | string | OnnxTensor | OnnxGraph | number[] | string[] | OnnxTensor[] | OnnxGraph[];

const LongClass = protobuf.util.Long as unknown as { fromString(text: string): OnnxAttribute['i'] };
const longFrom = (v: bigint) => LongClass.fromString(v.toString());

function isTensor(v: unknown): v is OnnxTensor {
  return typeof v === 'object' && v !== null && 'dims' in v && !('node' in v);
}

/**
 * An AttributeProto. Numbers are FLOAT unless `kind` says 'int' (or 'ints' for arrays);
 * strings are STRING (UTF-8); tensors TENSOR; graphs GRAPH; arrays the plural kinds.
 */
export function makeAttribute(name: string, value: AttributeValue, kind?: 'int' | 'float'): OnnxAttribute {
  const a: Record<string, unknown> = { name };
  const utf8 = (s: string) => new TextEncoder().encode(s);
  // int64 beyond 2^53 goes in as a Long so it keeps every bit.
  if (typeof value === 'bigint') Object.assign(a, { type: AttributeType.INT, i: longFrom(value) });
  else if (typeof value === 'number') {
    if (kind === 'int') Object.assign(a, { type: AttributeType.INT, i: value });
    else Object.assign(a, { type: AttributeType.FLOAT, f: value });
  } else if (typeof value === 'string') Object.assign(a, { type: AttributeType.STRING, s: utf8(value) });
  else if (Array.isArray(value)) {
    const first = value[0] as unknown;
    if (value.length === 0 || typeof first === 'number') {
      if (kind === 'float') Object.assign(a, { type: AttributeType.FLOATS, floats: value });
      else Object.assign(a, { type: AttributeType.INTS, ints: value });
    } else if (typeof first === 'string') Object.assign(a, { type: AttributeType.STRINGS, strings: (value as string[]).map(utf8) });
    else if (isTensor(first)) Object.assign(a, { type: AttributeType.TENSORS, tensors: value });
    else Object.assign(a, { type: AttributeType.GRAPHS, graphs: value });
  } else if (isTensor(value)) Object.assign(a, { type: AttributeType.TENSOR, t: value });
  else Object.assign(a, { type: AttributeType.GRAPH, g: value });
  return AttributeProto.create(a) as unknown as OnnxAttribute;
}

/** A NodeProto; `attributes` are made with makeAttribute. */
export function makeNode(
  opType: string,
  inputs: string[],
  outputs: string[],
  options: { name?: string; domain?: string; attributes?: OnnxAttribute[] } = {},
): OnnxNode {
  const fields: Record<string, unknown> = { opType, input: [...inputs], output: [...outputs], attribute: options.attributes ?? [] };
  if (options.name !== undefined) fields.name = options.name;
  if (options.domain !== undefined) fields.domain = options.domain;
  return NodeProto.create(fields) as unknown as OnnxNode;
}
