/**
 * The element types of the safetensors format: their byte sizes, the typed
 * arrays that hold them, and their names in reports. Data is little-endian.
 */

export const SAFETENSORS_DTYPES = [
  'F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U8', 'U16', 'U32', 'U64', 'BOOL', 'F8_E4M3', 'F8_E5M2',
] as const;

export type SafetensorsDType = (typeof SAFETENSORS_DTYPES)[number];

/** The typed array each dtype reads into (F16/BF16 as raw bit patterns, F8 and BOOL as bytes). */
export type SafetensorsArray =
  | Float64Array
  | Float32Array
  | Uint16Array
  | BigInt64Array
  | BigUint64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

interface DTypeInfo {
  itemSize: number;
  array: { new (buffer: ArrayBuffer, byteOffset?: number, length?: number): SafetensorsArray; new (length: number): SafetensorsArray };
  /** Name in reports ('float32', 'bfloat16' …). */
  word: string;
}

type ArrayCtor = DTypeInfo['array'];

const INFO: Record<SafetensorsDType, DTypeInfo> = {
  F64: { itemSize: 8, array: Float64Array as ArrayCtor, word: 'float64' },
  F32: { itemSize: 4, array: Float32Array as ArrayCtor, word: 'float32' },
  F16: { itemSize: 2, array: Uint16Array as ArrayCtor, word: 'float16' },
  BF16: { itemSize: 2, array: Uint16Array as ArrayCtor, word: 'bfloat16' },
  I64: { itemSize: 8, array: BigInt64Array as ArrayCtor, word: 'int64' },
  I32: { itemSize: 4, array: Int32Array as ArrayCtor, word: 'int32' },
  I16: { itemSize: 2, array: Int16Array as ArrayCtor, word: 'int16' },
  I8: { itemSize: 1, array: Int8Array as ArrayCtor, word: 'int8' },
  U8: { itemSize: 1, array: Uint8Array as ArrayCtor, word: 'uint8' },
  U16: { itemSize: 2, array: Uint16Array as ArrayCtor, word: 'uint16' },
  U32: { itemSize: 4, array: Uint32Array as ArrayCtor, word: 'uint32' },
  U64: { itemSize: 8, array: BigUint64Array as ArrayCtor, word: 'uint64' },
  BOOL: { itemSize: 1, array: Uint8Array as ArrayCtor, word: 'bool' },
  F8_E4M3: { itemSize: 1, array: Uint8Array as ArrayCtor, word: 'float8_e4m3' },
  F8_E5M2: { itemSize: 1, array: Uint8Array as ArrayCtor, word: 'float8_e5m2' },
};

export function isSafetensorsDType(value: unknown): value is SafetensorsDType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(INFO, value);
}

export function itemSize(dtype: SafetensorsDType): number {
  return INFO[dtype].itemSize;
}

export function dtypeWord(dtype: SafetensorsDType): string {
  return INFO[dtype].word;
}

/** The typed array class holding `dtype` (for checks with instanceof). */
export function arrayClass(dtype: SafetensorsDType): Function {
  return INFO[dtype].array;
}

/** A fresh zeroed array of `count` elements of `dtype`. */
export function newArray(dtype: SafetensorsDType, count: number): SafetensorsArray {
  return new INFO[dtype].array(count);
}

/** A view of `bytes` (which must be aligned to the item size) as `dtype`. */
export function viewAs(dtype: SafetensorsDType, bytes: Uint8Array): SafetensorsArray {
  const { itemSize: size, array } = INFO[dtype];
  return new array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength / size);
}

/** Float dtypes a command converts to float32 and may compress. */
export const FLOAT_DTYPES: ReadonlySet<SafetensorsDType> = new Set(['F64', 'F32', 'F16', 'BF16']);

/** Element count of a shape (1 for a scalar). */
export function shapeCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
