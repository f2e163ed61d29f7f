/**
 * The ONNX protobuf schema (onnx.proto, IR version 10+), written as a protobufjs JSON
 * descriptor from the ONNX specification, and TypeScript shapes of the decoded messages.
 *
 * onnx.proto is proto2: fields have explicit presence (a field read from a file is
 * written back even when it holds its default), enums are closed, and repeated scalars
 * are unpacked except TensorProto's *_data fields. Every repeated scalar states its
 * `packed` option so encoding matches the reference implementation byte for byte.
 * int64 fields decode to Long objects, so int64 constants keep their full precision.
 */
import protobuf from 'protobufjs';

type FieldJson = { type: string; id: number; rule?: 'repeated'; options?: { packed: boolean } };

/** A singular field. */
const one = (type: string, id: number): FieldJson => ({ type, id });
/** A repeated message or string/bytes field (packing does not apply to them). */
const many = (type: string, id: number): FieldJson => ({ type, id, rule: 'repeated' });
/** A repeated scalar with its packing spelled out. */
const scalars = (type: string, id: number, packed: boolean): FieldJson => ({ type, id, rule: 'repeated', options: { packed } });

const message = (fields: Record<string, FieldJson>, extra: Record<string, unknown> = {}) => ({ edition: 'proto2', fields, ...extra });
const enumOf = (values: Record<string, number>) => ({ edition: 'proto2', values });

/** Element types of TensorProto.data_type (TensorProto.DataType in onnx.proto). */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
  FLOAT8E4M3FN: 17,
  FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19,
  FLOAT8E5M2FNUZ: 20,
  UINT4: 21,
  INT4: 22,
  FLOAT4E2M1: 23,
  FLOAT8E8M0: 24,
} as const;

/** Kinds of AttributeProto values (AttributeProto.AttributeType in onnx.proto). */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

const SSE = 'StringStringEntryProto';

const onnxJson = {
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: message({ key: one('string', 1), value: one('string', 2) }),
        OperatorSetIdProto: message({ domain: one('string', 1), version: one('int64', 2) }),
        TensorAnnotation: message({ tensorName: one('string', 1), quantParameterTensorNames: many(SSE, 2) }),
        ModelProto: message({
          irVersion: one('int64', 1),
          producerName: one('string', 2),
          producerVersion: one('string', 3),
          domain: one('string', 4),
          modelVersion: one('int64', 5),
          docString: one('string', 6),
          graph: one('GraphProto', 7),
          opsetImport: many('OperatorSetIdProto', 8),
          metadataProps: many(SSE, 14),
          trainingInfo: many('TrainingInfoProto', 20),
          functions: many('FunctionProto', 25),
          configuration: many('DeviceConfigurationProto', 26),
        }),
        DeviceConfigurationProto: message({
          name: one('string', 1),
          numDevices: one('int32', 2),
          device: many('string', 3),
        }),
        GraphProto: message({
          node: many('NodeProto', 1),
          name: one('string', 2),
          initializer: many('TensorProto', 5),
          docString: one('string', 10),
          input: many('ValueInfoProto', 11),
          output: many('ValueInfoProto', 12),
          valueInfo: many('ValueInfoProto', 13),
          quantizationAnnotation: many('TensorAnnotation', 14),
          sparseInitializer: many('SparseTensorProto', 15),
          metadataProps: many(SSE, 16),
        }),
        NodeProto: message({
          input: many('string', 1),
          output: many('string', 2),
          name: one('string', 3),
          opType: one('string', 4),
          attribute: many('AttributeProto', 5),
          docString: one('string', 6),
          domain: one('string', 7),
          overload: one('string', 8),
          metadataProps: many(SSE, 9),
          deviceConfigurations: many('NodeDeviceConfigurationProto', 10),
        }),
        NodeDeviceConfigurationProto: message({
          configurationId: one('string', 1),
          shardingSpec: many('ShardingSpecProto', 2),
          pipelineStage: one('int32', 3),
        }),
        ShardingSpecProto: message({
          tensorName: one('string', 1),
          device: scalars('int64', 2, false),
          indexToDeviceGroupMap: many('IntIntListEntryProto', 3),
          shardedDim: many('ShardedDimProto', 4),
        }),
        IntIntListEntryProto: message({ key: one('int64', 1), value: scalars('int64', 2, false) }),
        ShardedDimProto: message({ axis: one('int64', 1), simpleSharding: many('SimpleShardedDimProto', 2) }),
        SimpleShardedDimProto: message(
          { dimValue: one('int64', 1), dimParam: one('string', 2), numShards: one('int64', 3) },
          { oneofs: { dim: { oneof: ['dimValue', 'dimParam'] } } },
        ),
        ValueInfoProto: message({
          name: one('string', 1),
          type: one('TypeProto', 2),
          docString: one('string', 3),
          metadataProps: many(SSE, 4),
        }),
        AttributeProto: message(
          {
            name: one('string', 1),
            f: one('float', 2),
            i: one('int64', 3),
            s: one('bytes', 4),
            t: one('TensorProto', 5),
            g: one('GraphProto', 6),
            floats: scalars('float', 7, false),
            ints: scalars('int64', 8, false),
            strings: many('bytes', 9),
            tensors: many('TensorProto', 10),
            graphs: many('GraphProto', 11),
            docString: one('string', 13),
            tp: one('TypeProto', 14),
            typeProtos: many('TypeProto', 15),
            type: one('AttributeType', 20),
            refAttrName: one('string', 21),
            sparseTensor: one('SparseTensorProto', 22),
            sparseTensors: many('SparseTensorProto', 23),
          },
          { nested: { AttributeType: enumOf(AttributeType) } },
        ),
        TensorProto: message(
          {
            dims: scalars('int64', 1, false),
            // int32 rather than the enum, so element types newer than this schema survive.
            dataType: one('int32', 2),
            segment: one('Segment', 3),
            floatData: scalars('float', 4, true),
            int32Data: scalars('int32', 5, true),
            stringData: many('bytes', 6),
            int64Data: scalars('int64', 7, true),
            name: one('string', 8),
            rawData: one('bytes', 9),
            doubleData: scalars('double', 10, true),
            uint64Data: scalars('uint64', 11, true),
            docString: one('string', 12),
            externalData: many(SSE, 13),
            dataLocation: one('DataLocation', 14),
            metadataProps: many(SSE, 16),
          },
          {
            nested: {
              Segment: message({ begin: one('int64', 1), end: one('int64', 2) }),
              DataLocation: enumOf({ DEFAULT: 0, EXTERNAL: 1 }),
            },
          },
        ),
        SparseTensorProto: message({
          values: one('TensorProto', 1),
          indices: one('TensorProto', 2),
          dims: scalars('int64', 3, false),
        }),
        TensorShapeProto: message(
          { dim: many('Dimension', 1) },
          {
            nested: {
              Dimension: message(
                { dimValue: one('int64', 1), dimParam: one('string', 2), denotation: one('string', 3) },
                { oneofs: { value: { oneof: ['dimValue', 'dimParam'] } } },
              ),
            },
          },
        ),
        TypeProto: message(
          {
            tensorType: one('Tensor', 1),
            sequenceType: one('Sequence', 4),
            mapType: one('Map', 5),
            denotation: one('string', 6),
            opaqueType: one('Opaque', 7),
            sparseTensorType: one('SparseTensor', 8),
            optionalType: one('Optional', 9),
          },
          {
            oneofs: {
              value: { oneof: ['tensorType', 'sequenceType', 'mapType', 'optionalType', 'sparseTensorType', 'opaqueType'] },
            },
            nested: {
              Tensor: message({ elemType: one('int32', 1), shape: one('TensorShapeProto', 2) }),
              Sequence: message({ elemType: one('TypeProto', 1) }),
              Map: message({ keyType: one('int32', 1), valueType: one('TypeProto', 2) }),
              Optional: message({ elemType: one('TypeProto', 1) }),
              SparseTensor: message({ elemType: one('int32', 1), shape: one('TensorShapeProto', 2) }),
              Opaque: message({ domain: one('string', 1), name: one('string', 2) }),
            },
          },
        ),
        TrainingInfoProto: message({
          initialization: one('GraphProto', 1),
          algorithm: one('GraphProto', 2),
          initializationBinding: many(SSE, 3),
          updateBinding: many(SSE, 4),
        }),
        FunctionProto: message({
          name: one('string', 1),
          input: many('string', 4),
          output: many('string', 5),
          attribute: many('string', 6),
          node: many('NodeProto', 7),
          docString: one('string', 8),
          opsetImport: many('OperatorSetIdProto', 9),
          domain: one('string', 10),
          attributeProto: many('AttributeProto', 11),
          valueInfo: many('ValueInfoProto', 12),
          overload: one('string', 13),
          metadataProps: many(SSE, 14),
        }),
      },
    },
  },
};

/** The protobufjs root holding package `onnx`. */
export const onnxRoot: protobuf.Root = protobuf.Root.fromJSON(onnxJson);
onnxRoot.resolveAll();

const type = (name: string): protobuf.Type => onnxRoot.lookupType(`onnx.${name}`);

export const ModelProto = type('ModelProto');
export const GraphProto = type('GraphProto');
export const NodeProto = type('NodeProto');
export const TensorProto = type('TensorProto');
export const SparseTensorProto = type('SparseTensorProto');
export const AttributeProto = type('AttributeProto');
export const ValueInfoProto = type('ValueInfoProto');
export const TypeProto = type('TypeProto');
export const TensorShapeProto = type('TensorShapeProto');
export const OperatorSetIdProto = type('OperatorSetIdProto');
export const StringStringEntryProto = type('StringStringEntryProto');
export const FunctionProto = type('FunctionProto');

export type { OnnxModelProto, OnnxGraph, OnnxNode, OnnxAttribute, OnnxTensor, OnnxSparseTensor, OnnxValueInfo } from './messages.js';
export type { OnnxType, OnnxTensorShape, OnnxDimension, OnnxFunction, OnnxOpsetId, OnnxStringEntry, Int64 } from './messages.js';
