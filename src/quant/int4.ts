/**
 * packInt4 / unpackInt4: 4-bit values two per byte, the lower index in the low
 * nibble (ONNX int4 / uint4 storage). An Int8Array holds int4 values in [-8, 7], a
 * Uint8Array uint4 values in [0, 15].
 */
import type { QType4 } from '../backends/backend.js';
import { QTYPE_INT4, QTYPE_UINT4 } from '../backends/backend.js';
import { getBackend } from '../backends/registry.js';
import { rangeError, typeError } from '../errors.js';
import { checkByteArray, checkOptions, checkOut } from '../validate.js';

export interface UnpackInt4Options {
  /** 'int4' (default: an Int8Array) or 'uint4' (a Uint8Array). */
  dtype?: 'int4' | 'uint4';
  /** Values to unpack (default 2 · packed.length; odd counts leave the last high nibble unused). */
  length?: number;
  out?: Int8Array | Uint8Array;
}

function planPack(fn: string, valuesArg: unknown, optionsArg: unknown) {
  const values = checkByteArray(fn, 'values', valuesArg);
  const o = checkOptions(fn, optionsArg);
  const qtype: QType4 = values instanceof Int8Array ? QTYPE_INT4 : QTYPE_UINT4;
  const bytes = Math.ceil(values.length / 2);
  const out = checkOut(fn, o.out, Uint8Array, bytes) ?? new Uint8Array(bytes);
  return { values, qtype, out };
}

function badValue(fn: string, values: Int8Array | Uint8Array, index: number): never {
  const range = values instanceof Int8Array ? '[-8, 7] (int4)' : '[0, 15] (uint4)';
  throw rangeError(fn, `values[${index}]`, `in ${range}`, values[index]);
}

/** Packs 4-bit values two per byte. Throws if a value is outside the 4-bit range. */
export function packInt4(values: Int8Array | Uint8Array, options?: { out?: Uint8Array }): Uint8Array {
  const p = planPack('packInt4', values, options);
  const bad = p.values.length > 0 ? getBackend().packInt4(p.values, p.out, p.qtype) : -1;
  if (bad >= 0) badValue('packInt4', p.values, bad);
  return p.out;
}

export async function packInt4Async(values: Int8Array | Uint8Array, options?: { out?: Uint8Array }): Promise<Uint8Array> {
  const p = planPack('packInt4Async', values, options);
  const bad = p.values.length > 0 ? await getBackend().packInt4Async(p.values, p.out, p.qtype) : -1;
  if (bad >= 0) badValue('packInt4Async', p.values, bad);
  return p.out;
}

function planUnpack(fn: string, packedArg: unknown, optionsArg: unknown) {
  if (!(packedArg instanceof Uint8Array)) throw typeError(fn, 'packed', 'a Uint8Array', packedArg);
  const o = checkOptions(fn, optionsArg);
  const dtype = o.dtype ?? 'int4';
  if (dtype !== 'int4' && dtype !== 'uint4') throw rangeError(fn, 'dtype', '"int4" or "uint4"', o.dtype);
  const length = o.length ?? 2 * packedArg.length;
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0 || Math.ceil(length / 2) !== packedArg.length) {
    throw rangeError(fn, 'length', `${2 * packedArg.length - 1} or ${2 * packedArg.length} for ${packedArg.length} packed bytes`, o.length);
  }
  const Out = dtype === 'int4' ? Int8Array : Uint8Array;
  const out = checkOut<Int8Array | Uint8Array>(fn, o.out, Out, length) ?? new Out(length);
  return { packed: packedArg, qtype: (dtype === 'int4' ? QTYPE_INT4 : QTYPE_UINT4) as QType4, out };
}

/** Unpacks to one value per byte, sign-extended (int4) or zero-extended (uint4). */
export function unpackInt4(packed: Uint8Array, options?: UnpackInt4Options): Int8Array | Uint8Array {
  const p = planUnpack('unpackInt4', packed, options);
  if (p.out.length > 0) getBackend().unpackInt4(p.packed, p.out, p.qtype);
  return p.out;
}

export async function unpackInt4Async(packed: Uint8Array, options?: UnpackInt4Options): Promise<Int8Array | Uint8Array> {
  const p = planUnpack('unpackInt4Async', packed, options);
  if (p.out.length > 0) await getBackend().unpackInt4Async(p.packed, p.out, p.qtype);
  return p.out;
}
