/**
 * Checks on a decoded model of what the rest of modelpress relies on: tensor dims
 * are non-negative safe integers, data lengths agree with the dims and element
 * type, and external-data entries are well formed. Problems become fileFormatErrors
 * naming the tensor and where it sits.
 */
import { fileFormatError } from '../../errors.js';
import { rawDataLength } from './lazy.js';
import type { OnnxModelProto, OnnxTensor } from './messages.js';
import { DataType } from './schema.js';
import { dataTypeName, isKnownDataType, rawByteLength, toInt } from './tensor.js';
import { allTensors } from './walk.js';

const EXTERNAL = 1;

/** The parsed external_data entries of a tensor stored in another file. */
export interface ExternalRef {
  location: string;
  offset: number;
  /** Absent when the entry has no length (the tensor then takes the bytes its dims say). */
  length: number | null;
}

export function isExternal(t: OnnxTensor): boolean {
  return t.dataLocation === EXTERNAL;
}

function label(t: OnnxTensor, where: string, role: string): string {
  return `tensor ${JSON.stringify(t.name ?? '')} (${role} in ${where})`;
}

/** Dims as numbers, each a non-negative safe integer and their product too; null plus a reason otherwise. */
export function checkedDims(t: OnnxTensor): { dims: number[]; count: number } | string {
  const dims: number[] = [];
  let count = 1;
  for (const d of t.dims ?? []) {
    let n: number;
    try {
      n = toInt(d);
    } catch {
      return `dimension ${String(d)} is not an integer below 2^53`;
    }
    if (n < 0) return `dimension ${n} is negative`;
    dims.push(n);
    count *= n;
  }
  if (!Number.isSafeInteger(count)) return `dims [${dims.join(', ')}] hold more than 2^53 elements`;
  return { dims, count };
}

/** How many values each typed list must hold for `count` elements, for the list the type uses. */
function typedListCheck(t: OnnxTensor, dataType: number, count: number): string | null {
  const pairs: [string, number, number][] = [];
  const f = t.floatData?.length ?? 0;
  const i32 = t.int32Data?.length ?? 0;
  const i64 = t.int64Data?.length ?? 0;
  const d = t.doubleData?.length ?? 0;
  const u64 = t.uint64Data?.length ?? 0;
  const s = t.stringData?.length ?? 0;
  switch (dataType) {
    case DataType.FLOAT: pairs.push(['float_data', f, count]); break;
    case DataType.COMPLEX64: pairs.push(['float_data', f, 2 * count]); break;
    case DataType.DOUBLE: pairs.push(['double_data', d, count]); break;
    case DataType.COMPLEX128: pairs.push(['double_data', d, 2 * count]); break;
    case DataType.INT64: pairs.push(['int64_data', i64, count]); break;
    case DataType.UINT32: case DataType.UINT64: pairs.push(['uint64_data', u64, count]); break;
    case DataType.STRING: pairs.push(['string_data', s, count]); break;
    case DataType.INT4: case DataType.UINT4: case DataType.FLOAT4E2M1: pairs.push(['int32_data', i32, Math.ceil(count / 2)]); break;
    default: pairs.push(['int32_data', i32, count]);
  }
  for (const [field, have, need] of pairs) {
    // An empty list means the data is elsewhere (a segment) or absent; only a partial list is wrong.
    if (have !== 0 && have !== need) return `${field} holds ${have} values but its dims need ${need}`;
  }
  return null;
}

/** Parse a tensor's external_data entries (location, offset, length, checksum). */
export function externalRef(t: OnnxTensor): ExternalRef | string {
  let location: string | null = null;
  let offset = 0;
  let length: number | null = null;
  for (const e of t.externalData ?? []) {
    const key = e.key ?? '';
    const value = e.value ?? '';
    if (key === 'location') location = value;
    else if (key === 'offset' || key === 'length') {
      const n = /^\d+$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n)) return `external_data ${key} ${JSON.stringify(value)} is not a non-negative integer`;
      if (key === 'offset') offset = n;
      else length = n;
    }
    // 'checksum' (and keys of later specifications) are not needed to read the data.
  }
  if (location === null || location === '') return 'its external_data has no location';
  return { location, offset, length };
}

/**
 * Validate every tensor of a decoded model; throws fileFormatError(fn, file, 'ONNX', …).
 * Tensors whose data we read (raw_data, typed lists) must have a known element type.
 */
export function validateModel(proto: OnnxModelProto, file: string, fn: string): void {
  const bad = (problem: string) => fileFormatError(fn, file, 'ONNX', problem);
  if (!proto.graph) throw bad('the model has no graph');
  for (const { tensor: t, where, role } of allTensors(proto)) {
    const dims = checkedDims(t);
    if (typeof dims === 'string') throw bad(`${label(t, where, role)}: ${dims}`);
    const dataType = t.dataType ?? 0;
    const rawLength = rawDataLength(t);
    const hasRaw = rawLength > 0;
    if (isExternal(t)) {
      const ref = externalRef(t);
      if (typeof ref === 'string') throw bad(`${label(t, where, role)}: ${ref}`);
      if (rawByteLength(dataType, dims.count) === null) {
        throw bad(`${label(t, where, role)}: external data needs a fixed-size element type, got ${dataTypeName(dataType)}`);
      }
      continue;
    }
    if (hasRaw) {
      const need = rawByteLength(dataType, dims.count);
      if (need === null || dataType === DataType.UNDEFINED) {
        throw bad(`${label(t, where, role)}: raw_data needs a known fixed-size element type, got ${dataTypeName(dataType)}`);
      }
      if (need !== rawLength) {
        throw bad(`${label(t, where, role)}: raw_data has ${rawLength} bytes but dims [${dims.dims.join(', ')}] of ${dataTypeName(dataType)} need ${need}`);
      }
      continue;
    }
    const anyList =
      (t.floatData?.length ?? 0) + (t.int32Data?.length ?? 0) + (t.int64Data?.length ?? 0) +
      (t.doubleData?.length ?? 0) + (t.uint64Data?.length ?? 0) + (t.stringData?.length ?? 0);
    if (anyList === 0) {
      // No data anywhere is only right for an empty tensor or one split into segments.
      if (dims.count > 0 && !t.segment && dataType !== DataType.UNDEFINED) {
        throw bad(`${label(t, where, role)}: it has no data for its ${dims.count} elements`);
      }
      continue;
    }
    if (!isKnownDataType(dataType) || dataType === DataType.UNDEFINED) {
      throw bad(`${label(t, where, role)}: its data needs a known element type, got ${dataTypeName(dataType)}`);
    }
    const problem = typedListCheck(t, dataType, dims.count);
    if (problem) throw bad(`${label(t, where, role)}: ${problem}`);
  }
}
