/**
 * The storage tfjs's manifest allows for a float32 weight: affine uint8 or
 * uint16 per tensor (value = q · scale + min) or IEEE float16.
 *
 * min is always −zeroPoint · scale, computed in double exactly as tfjs's decoder
 * multiplies: q = zeroPoint then decodes to zeroPoint·scale − zeroPoint·scale = 0,
 * so zeros stay zeros. For uint8 the library's affine quantize gives a float32
 * scale and an integer zero point; q·scale and zp·scale are then exact in double
 * (8 + 24 bits), so tfjs's q·scale + min equals the library's (q − zp)·scale
 * rounded once to float32, bit for bit.
 */
import { roundHalfToEven } from '../../backends/reference.js';
import { fromFloat16, toFloat16 } from '../../quant/cast.js';
import { quantize } from '../../quant/quantize.js';
import type { TfjsQuantization } from './read.js';

export type TfjsStoreDType = 'uint8' | 'uint16' | 'float16';

export interface EncodedWeight {
  /** Bytes as stored in the shards. */
  bytes: Uint8Array;
  quantization: TfjsQuantization;
  /** What tfjs decodes from `bytes`. */
  reconstructed: Float32Array;
  /** fp16 only: finite values that became ±Inf. */
  overflowed?: number;
}

/** Decode stored values the way tfjs does: q · scale + min in double, then float32. */
function affineDecode(q: Uint8Array | Uint16Array, scale: number, min: number): Float32Array {
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = q[i] * scale + min;
  return out;
}

function range(x: Float32Array): [number, number] {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  return [lo, hi];
}

function encodeUint8(x: Float32Array, symmetric: boolean): EncodedWeight {
  const t = quantize(x, { dtype: 'uint8', symmetric });
  const scale = t.scale as number;
  const zeroPoint = t.zeroPoint as number;
  const min = -(zeroPoint * scale) + 0; // + 0: never write -0
  const q = t.data as Uint8Array;
  return { bytes: q, quantization: { dtype: 'uint8', min, scale }, reconstructed: affineDecode(q, scale, min) };
}

/** uint16 parameters in double: the range always holds 0; round half to even. */
function encodeUint16(x: Float32Array, symmetric: boolean): EncodedWeight {
  const QMAX = 65535;
  const [lo, hi] = range(x);
  let scale: number;
  let zeroPoint: number;
  if (symmetric) {
    const absmax = Math.max(-lo, hi);
    scale = absmax > 0 ? absmax / (QMAX / 2) : 1;
    zeroPoint = 32768;
  } else {
    scale = hi > lo ? (hi - lo) / QMAX : 1;
    zeroPoint = roundHalfToEven(Math.min(QMAX, Math.max(0, -lo / scale)));
  }
  const q = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) q[i] = Math.min(QMAX, Math.max(0, roundHalfToEven(x[i] / scale) + zeroPoint));
  const min = -(zeroPoint * scale) + 0;
  return {
    bytes: new Uint8Array(q.buffer),
    quantization: { dtype: 'uint16', min, scale },
    reconstructed: affineDecode(q, scale, min),
  };
}

function encodeFloat16(x: Float32Array): EncodedWeight {
  const r = toFloat16(x);
  return {
    bytes: new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength),
    quantization: { dtype: 'float16' },
    reconstructed: fromFloat16(r.data),
    overflowed: r.overflowed,
  };
}

/** Encode a finite float32 weight in one of tfjs's quantized storages. */
export function encodeTfjsWeight(x: Float32Array, dtype: TfjsStoreDType, symmetric: boolean): EncodedWeight {
  if (dtype === 'uint8') return encodeUint8(x, symmetric);
  if (dtype === 'uint16') return encodeUint16(x, symmetric);
  return encodeFloat16(x);
}
