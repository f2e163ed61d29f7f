/**
 * TypeScript shapes of decoded ONNX messages (field names camelCase, as protobufjs
 * produces them). Repeated fields are always arrays on decoded messages and on
 * messages made with `XProto.create()`; singular fields may be absent (a decoded
 * message then reads the proto default from its prototype). int64 fields decode to
 * Long objects; code building messages may use plain numbers.
 */
import type { Long } from 'protobufjs';

/** An int64 field: a Long from the decoder, or a number set by code. */
export type Int64 = number | Long;

export interface OnnxStringEntry {
  key?: string;
  value?: string;
}

export interface OnnxOpsetId {
  domain?: string;
  version?: Int64;
}

export interface OnnxDimension {
  dimValue?: Int64 | null;
  dimParam?: string | null;
  denotation?: string;
}

export interface OnnxTensorShape {
  dim: OnnxDimension[];
}

export interface OnnxType {
  tensorType?: { elemType?: number; shape?: OnnxTensorShape | null } | null;
  sequenceType?: { elemType?: OnnxType | null } | null;
  mapType?: { keyType?: number; valueType?: OnnxType | null } | null;
  optionalType?: { elemType?: OnnxType | null } | null;
  sparseTensorType?: { elemType?: number; shape?: OnnxTensorShape | null } | null;
  opaqueType?: { domain?: string; name?: string } | null;
  denotation?: string;
}

export interface OnnxValueInfo {
  name?: string;
  type?: OnnxType | null;
  docString?: string;
  metadataProps?: OnnxStringEntry[];
}

export interface OnnxTensor {
  dims: Int64[];
  /** A DataType value; kept as a number so types newer than this schema survive. */
  dataType?: number;
  segment?: { begin?: Int64; end?: Int64 } | null;
  floatData: number[];
  int32Data: number[];
  stringData: Uint8Array[];
  int64Data: Int64[];
  name?: string;
  docString?: string;
  rawData?: Uint8Array;
  externalData: OnnxStringEntry[];
  /** 0 DEFAULT (data in the message), 1 EXTERNAL (data in another file). */
  dataLocation?: number;
  doubleData: number[];
  uint64Data: Int64[];
  metadataProps?: OnnxStringEntry[];
}

export interface OnnxSparseTensor {
  values?: OnnxTensor | null;
  indices?: OnnxTensor | null;
  dims: Int64[];
}

export interface OnnxAttribute {
  name?: string;
  refAttrName?: string;
  docString?: string;
  /** An AttributeType value. */
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: OnnxTensor | null;
  g?: OnnxGraph | null;
  sparseTensor?: OnnxSparseTensor | null;
  tp?: OnnxType | null;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
  tensors: OnnxTensor[];
  graphs: OnnxGraph[];
  sparseTensors: OnnxSparseTensor[];
  typeProtos: OnnxType[];
}

export interface OnnxNode {
  input: string[];
  output: string[];
  name?: string;
  opType?: string;
  domain?: string;
  overload?: string;
  attribute: OnnxAttribute[];
  docString?: string;
  metadataProps?: OnnxStringEntry[];
  deviceConfigurations?: unknown[];
}

export interface OnnxGraph {
  node: OnnxNode[];
  name?: string;
  initializer: OnnxTensor[];
  sparseInitializer: OnnxSparseTensor[];
  docString?: string;
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
  valueInfo: OnnxValueInfo[];
  quantizationAnnotation?: { tensorName?: string; quantParameterTensorNames: OnnxStringEntry[] }[];
  metadataProps?: OnnxStringEntry[];
}

export interface OnnxFunction {
  name?: string;
  domain?: string;
  overload?: string;
  input: string[];
  output: string[];
  attribute: string[];
  attributeProto: OnnxAttribute[];
  node: OnnxNode[];
  docString?: string;
  opsetImport: OnnxOpsetId[];
  valueInfo: OnnxValueInfo[];
  metadataProps?: OnnxStringEntry[];
}

export interface OnnxModelProto {
  irVersion?: Int64;
  opsetImport: OnnxOpsetId[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: Int64;
  docString?: string;
  graph?: OnnxGraph | null;
  metadataProps: OnnxStringEntry[];
  trainingInfo: { initialization?: OnnxGraph | null; algorithm?: OnnxGraph | null; initializationBinding: OnnxStringEntry[]; updateBinding: OnnxStringEntry[] }[];
  functions: OnnxFunction[];
  configuration?: { name?: string; numDevices?: number; device: string[] }[];
}
