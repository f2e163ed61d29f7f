// The ONNX format module: public API (a plain list of exports).
export { ModelProto, GraphProto, NodeProto, TensorProto, SparseTensorProto, AttributeProto, ValueInfoProto, TypeProto, TensorShapeProto, OperatorSetIdProto, StringStringEntryProto, FunctionProto, DataType, AttributeType } from './schema.js';
export type { OnnxModelProto, OnnxGraph, OnnxNode, OnnxAttribute, OnnxTensor, OnnxSparseTensor, OnnxValueInfo, OnnxType, OnnxTensorShape, OnnxDimension, OnnxFunction, OnnxOpsetId, OnnxStringEntry, Int64 } from './schema.js';
export { decodeOnnx, encodeOnnx, readOnnx, writeOnnx, type OnnxModel, type WriteOnnxOptions } from './io.js';
export { toInt, tensorDims, tensorElementCount, tensorToFloat32, tensorDataBytes, makeTensor, makeFloatTensor, dataTypeName, rawByteLength, dimensionValue } from './tensor.js';
export { findWeights, constantValue, type Consumer, type WeightRef } from './weights.js';
export { makeNode, makeAttribute } from './build.js';
export { inspectOnnx, modelSummary, weightUses } from './inspect.js';
export { runOnnxModel, generateOnnxInputs, type OnnxInputs, type OnnxInputData, type OnnxOutput } from './run.js';
export { quantizeOnnx } from './quantize.js';
export { pruneOnnx } from './prune.js';
