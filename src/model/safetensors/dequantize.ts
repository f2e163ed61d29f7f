/**
 * Reconstructing float32 tensors from a safetensors file quantized by
 * quantizeSafetensors, with strict checks that the `modelpress.quantization`
 * metadata and the stored tensors agree (see the layout in quantize.ts).
 */
import { dequantizeLinear } from '../../quant/linear.js';
import { FLOAT_DTYPES, shapeCount, type SafetensorsDType } from './dtypes.js';
import { formatFailure } from './header.js';
import {
  impliedZeroPoint,
  is4BitDType,
  packedShape,
  paramShape,
  QUANT_FORMAT_VERSION,
  QUANT_METADATA_KEY,
  rowPackedToFlat,
  rowsAndCols,
  storedDType,
  unpackNibbleRows,
  type QuantizedTensorInfo,
  type QuantMetadata,
} from './layout.js';
import { readSafetensors, type SafetensorsTensor } from './read.js';
import { toFloat32 } from './stream.js';

type Fail = (problem: string) => Error;

export interface DequantizedTensor {
  /** The dtype the tensor had before it was compressed (or has, if it was not). */
  dtype: SafetensorsDType;
  shape: number[];
  data: Float32Array;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Parse and check the metadata record (its own consistency; the tensors are checked next). */
export function parseQuantMetadata(fail: Fail, text: string): QuantMetadata {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw fail(`${QUANT_METADATA_KEY} is not JSON (${(e as Error).message})`);
  }
  if (!isObject(json) || !isObject(json.tensors)) throw fail(`${QUANT_METADATA_KEY} must be an object with "format_version" and "tensors"`);
  if (json.format_version !== QUANT_FORMAT_VERSION) throw fail(`${QUANT_METADATA_KEY} format_version ${JSON.stringify(json.format_version)} is not ${QUANT_FORMAT_VERSION}`);
  for (const [name, info] of Object.entries(json.tensors)) checkInfo(fail, name, info);
  return json as unknown as QuantMetadata;
}

function checkInfo(fail: Fail, name: string, info: unknown): asserts info is QuantizedTensorInfo {
  const where = `${QUANT_METADATA_KEY} of tensor ${JSON.stringify(name)}`;
  if (!isObject(info)) throw fail(`${where} must be an object`);
  const { dtype, original_dtype, shape, scheme, axis, block_size, symmetric, scale, zero_point } = info;
  if (!['int8', 'uint8', 'int4', 'uint4', 'fp16'].includes(dtype as string)) throw fail(`${where}: unknown dtype ${JSON.stringify(dtype)}`);
  if (!FLOAT_DTYPES.has(original_dtype as SafetensorsDType)) throw fail(`${where}: original_dtype ${JSON.stringify(original_dtype)} is not a float dtype`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw fail(`${where}: shape must be an array of non-negative integers`);
  if (dtype === 'fp16') return;
  const rank = shape.length;
  const fourBit = is4BitDType(dtype as QuantizedTensorInfo['dtype']);
  if (fourBit ? scheme !== 'blocked' : scheme !== 'per_channel' && scheme !== 'per_tensor') throw fail(`${where}: scheme ${JSON.stringify(scheme)} does not fit ${dtype}`);
  if (scheme === 'per_channel' && !(axis === 0 && rank >= 1)) throw fail(`${where}: per_channel axis must be 0, got ${JSON.stringify(axis)}`);
  if (scheme === 'per_tensor' && axis !== undefined) throw fail(`${where}: per_tensor takes no axis`);
  if (scheme === 'blocked') {
    if (rank === 0 || axis !== rank - 1) throw fail(`${where}: blocks must run along the last axis, got axis ${JSON.stringify(axis)}`);
    if (!(Number.isSafeInteger(block_size) && (block_size as number) >= 1)) throw fail(`${where}: block_size must be an integer ≥ 1, got ${JSON.stringify(block_size)}`);
  } else if (block_size !== undefined) throw fail(`${where}: block_size is only for blocked schemes`);
  if (typeof symmetric !== 'boolean') throw fail(`${where}: symmetric must be a boolean`);
  if (typeof scale !== 'string') throw fail(`${where}: scale must name a tensor`);
  if (symmetric ? zero_point !== undefined : typeof zero_point !== 'string') throw fail(`${where}: zero_point must ${symmetric ? 'be absent when symmetric' : 'name a tensor when not symmetric'}`);
}

function tensorOf(fail: Fail, tensors: Record<string, SafetensorsTensor>, name: string, dtype: SafetensorsDType, shape: readonly number[], role: string): SafetensorsTensor {
  const t = Object.prototype.hasOwnProperty.call(tensors, name) ? tensors[name] : undefined;
  if (!t) throw fail(`${role} tensor ${JSON.stringify(name)} is missing`);
  if (t.dtype !== dtype || !sameShape(t.shape, shape)) {
    throw fail(`${role} tensor ${JSON.stringify(name)} must be ${dtype} [${shape.join(', ')}], got ${t.dtype} [${t.shape.join(', ')}]`);
  }
  return t;
}

/** Rebuild one compressed tensor in float32, checking its stored tensors against its metadata. */
function reconstruct(fail: Fail, tensors: Record<string, SafetensorsTensor>, name: string, info: QuantizedTensorInfo): Float32Array {
  const fourBit = is4BitDType(info.dtype);
  const data = tensorOf(fail, tensors, name, storedDType(info.dtype), fourBit ? packedShape(info.shape) : info.shape, 'quantized');
  if (info.dtype === 'fp16') return toFloat32('F16', data.data);
  const params = paramShape(info);
  const scale = tensorOf(fail, tensors, info.scale!, 'F32', params, 'scale').data as Float32Array;
  const bad = scale.findIndex((v) => !(Number.isFinite(v) && v > 0));
  if (bad >= 0) throw fail(`scale tensor ${JSON.stringify(info.scale)} holds ${scale[bad]} at index ${bad} (scales must be finite and > 0)`);
  const count = shapeCount(params);
  let zeroPoint: Int32Array;
  if (info.zero_point === undefined) zeroPoint = new Int32Array(count).fill(impliedZeroPoint(info.dtype));
  else {
    const zpDType = info.dtype === 'int8' ? 'I8' : 'U8';
    const zp = tensorOf(fail, tensors, info.zero_point, zpDType, fourBit ? packedShape(params) : params, 'zero point').data as Int8Array | Uint8Array;
    zeroPoint = fourBit ? unpackNibbleRows(zp as Uint8Array, ...rowsAndCols(params), info.dtype === 'int4') : Int32Array.from(zp);
  }
  if (fourBit) {
    const [rows, cols] = rowsAndCols(info.shape);
    const flat = rowPackedToFlat(data.data as Uint8Array, rows, cols);
    return dequantizeLinear(flat, { scale, zeroPoint, axis: info.axis, shape: info.shape, dtype: info.dtype, blockSize: info.block_size });
  }
  const q = data.data as Int8Array | Uint8Array;
  if (info.scheme === 'per_tensor') return dequantizeLinear(q, { scale: scale[0], zeroPoint: zeroPoint[0] });
  return dequantizeLinear(q, { scale, zeroPoint, axis: info.axis, shape: info.shape });
}

/**
 * The float tensors of a safetensors file as float32: those compressed by
 * quantizeSafetensors dequantized with their scales and zero points, the other
 * float tensors widened (F16, BF16, F64). Scale and zero-point tensors and
 * non-float tensors are left out. Throws ERR_MODELPRESS_BAD_FILE if the
 * `modelpress.quantization` metadata and the tensors disagree.
 */
export function dequantizeSafetensors(path: string): Record<string, DequantizedTensor> {
  const fail = formatFailure('dequantizeSafetensors', path);
  const file = readSafetensors(path);
  const text = file.metadata[QUANT_METADATA_KEY];
  const meta = text === undefined ? { format_version: QUANT_FORMAT_VERSION, tensors: {} } : parseQuantMetadata(fail, text);
  const infos = new Map(Object.entries(meta.tensors));
  const params = new Set<string>();
  for (const info of infos.values()) {
    for (const p of [info.scale, info.zero_point]) {
      if (p === undefined) continue;
      if (infos.has(p) || params.has(p)) throw fail(`tensor ${JSON.stringify(p)} is named as a parameter twice, or is also a quantized tensor`);
      params.add(p);
    }
  }
  const rebuilt = new Map<string, DequantizedTensor>();
  for (const [name, info] of infos) rebuilt.set(name, { dtype: info.original_dtype, shape: info.shape.slice(), data: reconstruct(fail, file.tensors, name, info) });
  const out: [string, DequantizedTensor][] = [];
  for (const [name, t] of Object.entries(file.tensors)) {
    const r = rebuilt.get(name);
    if (r) out.push([name, r]);
    else if (!params.has(name) && FLOAT_DTYPES.has(t.dtype)) out.push([name, { dtype: t.dtype, shape: t.shape, data: toFloat32(t.dtype, t.data) }]);
  }
  return Object.fromEntries(out);
}
