/**
 * The layout of a safetensors file quantized by modelpress (described at the top
 * of quantize.ts): tensor names, stored shapes, the metadata record, and the
 * packing of 4-bit values row by row.
 */
import type { SafetensorsDType } from './dtypes.js';

export const QUANT_METADATA_KEY = 'modelpress.quantization';
export const QUANT_FORMAT_VERSION = 1;

export type StoredQuantDType = 'int8' | 'uint8' | 'int4' | 'uint4' | 'fp16';

/** The metadata of one compressed tensor. */
export interface QuantizedTensorInfo {
  dtype: StoredQuantDType;
  /** The dtype of the tensor before (F32, F16, BF16 or F64). */
  original_dtype: SafetensorsDType;
  /** The tensor's logical shape (the 4-bit data shape halves the last dimension). */
  shape: number[];
  /** Absent for fp16. */
  scheme?: 'per_tensor' | 'per_channel' | 'blocked';
  axis?: number;
  block_size?: number;
  symmetric?: boolean;
  /** Names of the parameter tensors; zero_point only when not symmetric. */
  scale?: string;
  zero_point?: string;
}

export interface QuantMetadata {
  format_version: number;
  tensors: Record<string, QuantizedTensorInfo>;
}

export function is4BitDType(d: StoredQuantDType): d is 'int4' | 'uint4' {
  return d === 'int4' || d === 'uint4';
}

/** The safetensors dtype of the stored values. */
export function storedDType(d: StoredQuantDType): SafetensorsDType {
  return d === 'int8' ? 'I8' : d === 'fp16' ? 'F16' : 'U8';
}

/** The zero point symmetric quantization implies: 0 for signed types, the middle of the range for unsigned ones. */
export function impliedZeroPoint(d: StoredQuantDType): number {
  return d === 'uint8' ? 128 : d === 'uint4' ? 8 : 0;
}

/** Shape of 4-bit values packed two per byte along the last axis, row by row. */
export function packedShape(shape: readonly number[]): number[] {
  const s = shape.slice();
  s[s.length - 1] = Math.ceil(s[s.length - 1] / 2);
  return s;
}

/** Shape of the scales: [] per tensor, [C] per channel, the last axis divided in blocks for blocks. */
export function paramShape(info: Pick<QuantizedTensorInfo, 'scheme' | 'axis' | 'block_size' | 'shape'>): number[] {
  if (info.scheme === 'per_tensor') return [];
  if (info.scheme === 'per_channel') return [info.shape[info.axis!]];
  const s = info.shape.slice();
  s[s.length - 1] = Math.ceil(s[s.length - 1] / info.block_size!);
  return s;
}

/** Rows and columns of a shape seen as [rows, last]. */
export function rowsAndCols(shape: readonly number[]): [number, number] {
  const cols = shape.length === 0 ? 1 : shape[shape.length - 1];
  let rows = 1;
  for (let i = 0; i < shape.length - 1; i++) rows *= shape[i];
  return [rows, cols];
}

/**
 * 4-bit values packed over the whole tensor (quantizeBlocks) → packed per row
 * (each row starts on a byte). The same bytes when the row length is even.
 */
export function flatToRowPacked(flat: Uint8Array, rows: number, cols: number): Uint8Array {
  if (cols % 2 === 0) return flat;
  const rowBytes = (cols + 1) >> 1;
  const out = new Uint8Array(rows * rowBytes);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const v = (flat[i >> 1] >> ((i & 1) << 2)) & 15;
      out[r * rowBytes + (c >> 1)] |= v << ((c & 1) << 2);
    }
  }
  return out;
}

/** Inverse of flatToRowPacked. */
export function rowPackedToFlat(packed: Uint8Array, rows: number, cols: number): Uint8Array {
  if (cols % 2 === 0) return packed;
  const rowBytes = (cols + 1) >> 1;
  const out = new Uint8Array(Math.ceil((rows * cols) / 2));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = (packed[r * rowBytes + (c >> 1)] >> ((c & 1) << 2)) & 15;
      const i = r * cols + c;
      out[i >> 1] |= v << ((i & 1) << 2);
    }
  }
  return out;
}

/** Integers in a 4-bit range (two's complement for int4), packed per row. */
export function packNibbleRows(values: Int32Array, rows: number, cols: number): Uint8Array {
  const rowBytes = (cols + 1) >> 1;
  const out = new Uint8Array(rows * rowBytes);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * rowBytes + (c >> 1)] |= (values[r * cols + c] & 15) << ((c & 1) << 2);
  }
  return out;
}

/** Inverse of packNibbleRows; `signed` sign-extends int4 nibbles. */
export function unpackNibbleRows(packed: Uint8Array, rows: number, cols: number, signed: boolean): Int32Array {
  const rowBytes = (cols + 1) >> 1;
  const out = new Int32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = (packed[r * rowBytes + (c >> 1)] >> ((c & 1) << 2)) & 15;
      out[r * cols + c] = signed ? (v ^ 8) - 8 : v;
    }
  }
  return out;
}

/** The scheme of a compressed tensor in words, for reports. */
export function schemeWords(info: QuantizedTensorInfo): string {
  if (info.dtype === 'fp16') return 'float16';
  const kind = info.symmetric ? 'symmetric' : 'affine';
  if (info.scheme === 'per_channel') return `${info.dtype} ${kind} per-channel (axis ${info.axis})`;
  if (info.scheme === 'per_tensor') return `${info.dtype} ${kind} per-tensor`;
  return `${info.dtype} ${kind} blocks of ${info.block_size} (last axis)`;
}
