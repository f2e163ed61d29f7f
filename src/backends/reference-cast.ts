/**
 * Reference of the float down-casts (part of the reference backend): the same
 * integer algorithm as native/kernels/cast/ref.cc, written to be read.
 *
 *   fp32 → fp16   round half to even; subnormal halves kept; |x| ≥ 65520 → ±Inf;
 *                 NaN → sign | 0x7E00 | top 9 payload bits (quieted)
 *   fp16 → fp32   exact; NaN quieted, payload shifted up
 *   fp32 → bf16   round half to even on the upper 16 bits; NaN → (bits >> 16) | 0x0040
 *   bf16 → fp32   bits << 16
 */
import type { CastCounts } from './backend.js';

/** The bits of a Float32Array: NaN payloads must not pass through a JS number. */
function bitsOf(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

/** Shifts m right by s (1..31), rounding half to even. */
function shiftRoundEven(m: number, s: number): number {
  const kept = m >>> s;
  const rest = m & ((1 << s) - 1);
  const half = 1 << (s - 1);
  return kept + (rest > half || (rest === half && (kept & 1) === 1) ? 1 : 0);
}

export function f32ToF16(x: Float32Array, out: Uint16Array): CastCounts {
  const counts: CastCounts = [0, 0, 0];
  const xb = bitsOf(x);
  for (let i = 0; i < x.length; i++) {
    const b = xb[i];
    const sign = (b >>> 16) & 0x8000;
    const a = b & 0x7fffffff;
    let h: number;
    if (a > 0x7f800000) {
      counts[2]++;
      h = 0x7e00 | ((a >>> 13) & 0x01ff);
    } else if (a >= 0x477ff000) {
      if (a !== 0x7f800000) counts[0]++;
      h = 0x7c00;
    } else if (a >= 0x38800000) {
      h = shiftRoundEven(a - 0x38000000, 13); // rebias 127 → 15, drop 13 bits
    } else {
      const e = a >>> 23; // subnormal half, in units of 2^-24
      h = e >= 102 ? shiftRoundEven((a & 0x007fffff) | 0x00800000, 126 - e) : 0;
      if (h === 0 && a !== 0) counts[1]++;
    }
    out[i] = sign | h;
  }
  return counts;
}

export function f16ToF32(h: Uint16Array, out: Float32Array): void {
  const ob = bitsOf(out);
  for (let i = 0; i < h.length; i++) {
    const v = h[i];
    const sign = (v & 0x8000) << 16;
    const e = (v >>> 10) & 0x1f;
    const m = v & 0x03ff;
    if (e === 0x1f) ob[i] = sign | 0x7f800000 | (m !== 0 ? 0x00400000 | (m << 13) : 0); // Inf, NaN
    else if (e !== 0) ob[i] = sign | ((e + 112) << 23) | (m << 13); // normal
    else out[i] = (sign !== 0 ? -m : m) * 2 ** -24; // subnormal half (or ±0): exact
  }
}

export function f32ToBf16(x: Float32Array, out: Uint16Array): CastCounts {
  const counts: CastCounts = [0, 0, 0];
  const xb = bitsOf(x);
  for (let i = 0; i < x.length; i++) {
    const b = xb[i];
    const a = b & 0x7fffffff;
    if (a > 0x7f800000) {
      counts[2]++;
      out[i] = (b >>> 16) | 0x0040;
      continue;
    }
    // Round half to even on bit 16 (the sum can exceed 2^32: use a plain number).
    const r = Math.floor((b + 0x7fff + ((b >>> 16) & 1)) / 65536) & 0xffff;
    if ((r & 0x7fff) === 0x7f80 && a !== 0x7f800000) counts[0]++;
    if ((r & 0x7fff) === 0 && a !== 0) counts[1]++;
    out[i] = r;
  }
  return counts;
}

export function bf16ToF32(h: Uint16Array, out: Float32Array): void {
  const ob = bitsOf(out);
  for (let i = 0; i < h.length; i++) ob[i] = h[i] << 16;
}
