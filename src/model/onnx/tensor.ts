/**
 * Reading and making ONNX TensorProtos: their int64 dims, element counts, byte
 * sizes, and float values from any of the places ONNX lets a tensor keep them
 * (raw_data, or the typed float_data / int32_data / double_data lists).
 * raw_data is little-endian, as the ONNX specification requires.
 */
import { rangeError } from '../../errors.js';
import { fromBFloat16, fromFloat16 } from '../../quant/cast.js';
import { rawDataLength, readRawData } from './lazy.js';
import type { Int64, OnnxDimension, OnnxTensor } from './messages.js';
import { DataType, TensorProto } from './schema.js';

const TWO_32 = 4294967296;

/** An int64 (Long, number or decimal string) as a number; throws if it is not a safe integer. */
export function toInt(v: number | Int64 | string): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string') n = /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
  else if (v !== null && typeof v === 'object' && typeof v.low === 'number' && typeof v.high === 'number') {
    // Exact only while |high| < 2^21; beyond that the value is not a safe integer anyway.
    const high = v.unsigned ? v.high >>> 0 : v.high | 0;
    n = high >= -2097152 && high < 2097152 ? high * TWO_32 + (v.low >>> 0) : NaN;
  } else n = NaN;
  if (!Number.isSafeInteger(n)) throw rangeError('toInt', 'value', 'an integer within ±(2^53 - 1)', describeInt(v));
  return n;
}

function describeInt(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && 'low' in v && 'high' in v) {
    const l = v as { low: number; high: number; unsigned?: boolean };
    const big = (BigInt(l.unsigned ? l.high >>> 0 : l.high | 0) << 32n) | BigInt(l.low >>> 0);
    return big;
  }
  return v;
}

/** Bytes per element of each fixed-size element type; 0.5 for the 4-bit ones. STRING has none. */
const ITEM_BYTES: Record<number, number> = {
  [DataType.FLOAT]: 4,
  [DataType.UINT8]: 1,
  [DataType.INT8]: 1,
  [DataType.UINT16]: 2,
  [DataType.INT16]: 2,
  [DataType.INT32]: 4,
  [DataType.INT64]: 8,
  [DataType.BOOL]: 1,
  [DataType.FLOAT16]: 2,
  [DataType.DOUBLE]: 8,
  [DataType.UINT32]: 4,
  [DataType.UINT64]: 8,
  [DataType.COMPLEX64]: 8,
  [DataType.COMPLEX128]: 16,
  [DataType.BFLOAT16]: 2,
  [DataType.FLOAT8E4M3FN]: 1,
  [DataType.FLOAT8E4M3FNUZ]: 1,
  [DataType.FLOAT8E5M2]: 1,
  [DataType.FLOAT8E5M2FNUZ]: 1,
  [DataType.UINT4]: 0.5,
  [DataType.INT4]: 0.5,
  [DataType.FLOAT4E2M1]: 0.5,
  [DataType.FLOAT8E8M0]: 1,
};

const NAMES: Record<number, string> = {
  [DataType.UNDEFINED]: 'undefined',
  [DataType.FLOAT]: 'float32',
  [DataType.UINT8]: 'uint8',
  [DataType.INT8]: 'int8',
  [DataType.UINT16]: 'uint16',
  [DataType.INT16]: 'int16',
  [DataType.INT32]: 'int32',
  [DataType.INT64]: 'int64',
  [DataType.STRING]: 'string',
  [DataType.BOOL]: 'bool',
  [DataType.FLOAT16]: 'float16',
  [DataType.DOUBLE]: 'float64',
  [DataType.UINT32]: 'uint32',
  [DataType.UINT64]: 'uint64',
  [DataType.COMPLEX64]: 'complex64',
  [DataType.COMPLEX128]: 'complex128',
  [DataType.BFLOAT16]: 'bfloat16',
  [DataType.FLOAT8E4M3FN]: 'float8e4m3fn',
  [DataType.FLOAT8E4M3FNUZ]: 'float8e4m3fnuz',
  [DataType.FLOAT8E5M2]: 'float8e5m2',
  [DataType.FLOAT8E5M2FNUZ]: 'float8e5m2fnuz',
  [DataType.UINT4]: 'uint4',
  [DataType.INT4]: 'int4',
  [DataType.FLOAT4E2M1]: 'float4e2m1',
  [DataType.FLOAT8E8M0]: 'float8e8m0',
};

/** Name of an element type in reports ('float32', 'int8', 'bfloat16' …; 'dtype 99' when unknown). */
export function dataTypeName(dataType: number): string {
  return NAMES[dataType] ?? `dtype ${dataType}`;
}

/** Whether this schema knows the element type (STRING and UNDEFINED included). */
export function isKnownDataType(dataType: number): boolean {
  return NAMES[dataType] !== undefined;
}

/** Bytes that `count` elements of a fixed-size type take in raw_data (4-bit types round up); null for STRING/unknown. */
export function rawByteLength(dataType: number, count: number): number | null {
  const size = ITEM_BYTES[dataType];
  return size === undefined ? null : Math.ceil(count * size);
}

/** The tensor's dims as numbers (each must be a safe integer). */
export function tensorDims(t: OnnxTensor): number[] {
  return (t.dims ?? []).map((d) => toInt(d));
}

/** Number of elements: the product of the dims (1 for a scalar). */
export function tensorElementCount(t: OnnxTensor): number {
  let n = 1;
  for (const d of tensorDims(t)) n *= d;
  return n;
}

/** Bytes the tensor's data takes (raw_data length, or its typed list at the type's item size). */
export function tensorDataBytes(t: OnnxTensor): number {
  const rawLength = rawDataLength(t);
  if (rawLength > 0) return rawLength;
  const dataType = t.dataType ?? 0;
  if (dataType === DataType.STRING) return (t.stringData ?? []).reduce((a, s) => a + s.length, 0);
  return rawByteLength(dataType, tensorElementCount(t)) ?? 0;
}

/** Copy little-endian raw bytes into a fresh typed array (raw_data may sit at any offset of the file buffer). */
function fromRaw<T extends Float32Array | Float64Array | Uint16Array>(raw: Uint8Array, make: (n: number) => T, itemBytes: number, count: number): T {
  const out = make(count);
  new Uint8Array(out.buffer, out.byteOffset, count * itemBytes).set(raw.subarray(0, count * itemBytes));
  return out;
}

/**
 * The values of a FLOAT, FLOAT16, BFLOAT16 or DOUBLE tensor as float32, from raw_data
 * or the typed lists (float_data; int32_data holds 16-bit patterns; double_data).
 * null for other element types. Throws a RangeError when the data is shorter than the dims say.
 */
export function tensorToFloat32(t: OnnxTensor): Float32Array | null {
  const dataType = t.dataType ?? 0;
  if (dataType !== DataType.FLOAT && dataType !== DataType.FLOAT16 && dataType !== DataType.BFLOAT16 && dataType !== DataType.DOUBLE) return null;
  const count = tensorElementCount(t);
  const itemBytes = ITEM_BYTES[dataType];
  const rawLength = rawDataLength(t);
  if (rawLength > 0) {
    if (rawLength !== count * itemBytes) {
      throw rangeError('tensorToFloat32', `raw_data of ${JSON.stringify(t.name ?? '')}`, `${count * itemBytes} bytes`, `${rawLength} bytes`);
    }
    if (dataType === DataType.FLOAT) {
      // Read a lazy tensor straight into the result; copy in-memory bytes (they may sit unaligned in the file buffer).
      const out = new Float32Array(count);
      const bytes = new Uint8Array(out.buffer, 0, count * 4);
      const raw = readRawData(t, bytes)!;
      if (raw !== bytes) bytes.set(raw.subarray(0, count * 4));
      return out;
    }
    const raw = readRawData(t)!;
    if (dataType === DataType.DOUBLE) return Float32Array.from(fromRaw(raw, (n) => new Float64Array(n), 8, count));
    const bits = fromRaw(raw, (n) => new Uint16Array(n), 2, count);
    return dataType === DataType.FLOAT16 ? fromFloat16(bits) : fromBFloat16(bits);
  }
  const list: ArrayLike<number> =
    dataType === DataType.FLOAT ? t.floatData ?? [] : dataType === DataType.DOUBLE ? t.doubleData ?? [] : t.int32Data ?? [];
  if (list.length !== count) {
    throw rangeError('tensorToFloat32', `data of ${JSON.stringify(t.name ?? '')}`, `${count} values`, `${list.length} values`);
  }
  if (dataType === DataType.FLOAT || dataType === DataType.DOUBLE) return Float32Array.from(list);
  const bits = Uint16Array.from(list);
  return dataType === DataType.FLOAT16 ? fromFloat16(bits) : fromBFloat16(bits);
}

/** A TensorProto holding `raw` (little-endian bytes) as raw_data. */
export function makeTensor(name: string, dataType: number, dims: number[], raw: Uint8Array): OnnxTensor {
  return TensorProto.create({ name, dataType, dims: [...dims], rawData: raw }) as unknown as OnnxTensor;
}

/** A FLOAT tensor from float32 values (a convenience over makeTensor). */
export function makeFloatTensor(name: string, dims: number[], values: Float32Array): OnnxTensor {
  const copy = new Float32Array(values);
  return makeTensor(name, DataType.FLOAT, dims, new Uint8Array(copy.buffer));
}

/**
 * A shape dimension's dim_value, or null when it is symbolic (dim_param) or unknown.
 * (A decoded Dimension reads dim_value 0 from its defaults even when dim_param is set.)
 */
export function dimensionValue(d: OnnxDimension): Int64 | null {
  if (!Object.prototype.hasOwnProperty.call(d, 'dimValue') || d.dimValue === undefined || d.dimValue === null) return null;
  return d.dimValue;
}
