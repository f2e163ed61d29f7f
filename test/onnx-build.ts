/**
 * Building small ONNX models by code for the tests: tensors, nodes, Constant nodes,
 * If nodes with branches, value infos, graphs and models, and saving them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DataType,
  FunctionProto,
  GraphProto,
  ModelProto,
  OperatorSetIdProto,
  StringStringEntryProto,
  TensorShapeProto,
  TypeProto,
  ValueInfoProto,
  encodeOnnx,
  makeAttribute,
  makeFloatTensor,
  makeNode,
  makeTensor,
  type OnnxAttribute,
  type OnnxFunction,
  type OnnxGraph,
  type OnnxModelProto,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from '../dist/index.js';

export { makeAttribute, makeNode, DataType };

/** A fresh temporary directory for a test's files. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'mp-'));
}

/** A float32 initializer/tensor with the given values (or 0, 1, 2 … when omitted). */
export function floatTensor(name: string, dims: number[], values?: ArrayLike<number>): OnnxTensor {
  const count = dims.reduce((a, b) => a * b, 1);
  const data = values ? Float32Array.from(values) : Float32Array.from({ length: count }, (_, i) => i);
  if (data.length !== count) throw new Error(`floatTensor ${name}: ${data.length} values for dims [${dims}]`);
  return makeFloatTensor(name, dims, data);
}

/** An int64 tensor with raw_data (values as bigints or numbers). */
export function int64Tensor(name: string, dims: number[], values: (number | bigint)[]): OnnxTensor {
  const data = BigInt64Array.from(values, (v) => BigInt(v));
  return makeTensor(name, DataType.INT64, dims, new Uint8Array(data.buffer));
}

/** A Constant node whose `value` attribute holds `tensor`; its output is `output`. */
export function constantNode(output: string, tensor: OnnxTensor, name?: string): OnnxNode {
  return makeNode('Constant', [], [output], { name: name ?? `const_${output}`, attributes: [makeAttribute('value', tensor)] });
}

/** A tensor value info: element type and shape (numbers, or strings for symbolic dims; null: unknown shape). */
export function valueInfo(name: string, elemType: number, shape: (number | string)[] | null): OnnxValueInfo {
  const tensorType: Record<string, unknown> = { elemType };
  if (shape) {
    tensorType.shape = TensorShapeProto.create({
      dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
    });
  }
  return ValueInfoProto.create({ name, type: TypeProto.create({ tensorType }) }) as unknown as OnnxValueInfo;
}

export interface GraphParts {
  name?: string;
  nodes?: OnnxNode[];
  initializers?: OnnxTensor[];
  inputs?: OnnxValueInfo[];
  outputs?: OnnxValueInfo[];
  valueInfo?: OnnxValueInfo[];
  docString?: string;
}

export function graph(p: GraphParts): OnnxGraph {
  return GraphProto.create({
    name: p.name ?? 'g',
    node: p.nodes ?? [],
    initializer: p.initializers ?? [],
    input: p.inputs ?? [],
    output: p.outputs ?? [],
    valueInfo: p.valueInfo ?? [],
    ...(p.docString !== undefined ? { docString: p.docString } : {}),
  }) as unknown as OnnxGraph;
}

/** An If node choosing between two subgraphs. */
export function ifNode(cond: string, outputs: string[], thenBranch: OnnxGraph, elseBranch: OnnxGraph, name = 'If_0'): OnnxNode {
  return makeNode('If', [cond], outputs, {
    name,
    attributes: [makeAttribute('then_branch', thenBranch), makeAttribute('else_branch', elseBranch)],
  });
}

export interface ModelParts {
  opset?: number;
  irVersion?: number;
  producer?: string;
  docString?: string;
  metadata?: Record<string, string>;
  functions?: OnnxFunction[];
  extraOpsets?: { domain: string; version: number }[];
}

export function model(g: OnnxGraph, p: ModelParts = {}): OnnxModelProto {
  return ModelProto.create({
    irVersion: p.irVersion ?? 8,
    producerName: p.producer ?? 'modelpress-tests',
    opsetImport: [
      OperatorSetIdProto.create({ domain: '', version: p.opset ?? 17 }),
      ...(p.extraOpsets ?? []).map((o) => OperatorSetIdProto.create(o)),
    ],
    graph: g,
    ...(p.docString !== undefined ? { docString: p.docString } : {}),
    metadataProps: Object.entries(p.metadata ?? {}).map(([key, value]) => StringStringEntryProto.create({ key, value })),
    functions: p.functions ?? [],
  }) as unknown as OnnxModelProto;
}

/** A model-local function (FunctionProto). */
export function onnxFunction(name: string, domain: string, inputs: string[], outputs: string[], nodes: OnnxNode[], opset = 17): OnnxFunction {
  return FunctionProto.create({
    name,
    domain,
    input: inputs,
    output: outputs,
    node: nodes,
    opsetImport: [OperatorSetIdProto.create({ domain: '', version: opset })],
  }) as unknown as OnnxFunction;
}

/** Encode and write a model (plain write; not through writeOnnx) and return its path. */
export function saveModel(dir: string, file: string, proto: OnnxModelProto): string {
  const path = join(dir, file);
  writeFileSync(path, encodeOnnx(proto));
  return path;
}

/** An int attribute (makeAttribute treats bare numbers as floats). */
export function intAttr(name: string, value: number): OnnxAttribute {
  return makeAttribute(name, value, 'int');
}

/** A float attribute. */
export function floatAttr(name: string, value: number): OnnxAttribute {
  return makeAttribute(name, value, 'float');
}

/** An ints attribute. */
export function intsAttr(name: string, values: number[]): OnnxAttribute {
  return makeAttribute(name, values, 'int');
}
