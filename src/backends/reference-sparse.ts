/**
 * Reference of the sparse kernels (part of the reference backend): the semantics
 * of native/kernels/sparse/ref.cc, on magnitude keys (the bits of |x|).
 */
import type { DigitPass } from './backend.js';

function keys(x: Float32Array): Uint32Array {
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  return bits.map((b) => b & 0x7fffffff);
}

export function digitHistogram(x: Float32Array, pass: DigitPass, counts: Float64Array): number {
  const k = keys(x);
  const top = pass.shift + pass.bits;
  const mask = 2 ** pass.bits - 1;
  for (let i = 0; i < k.length; i++) if (k[i] > 0x7f800000) return i;
  for (let i = 0; i < k.length; i++) {
    if (top < 31 && k[i] >>> top !== pass.prefix) continue;
    counts[(k[i] >>> pass.shift) & mask]++;
  }
  return -1;
}

export function thresholdMask(x: Float32Array, t: number, ties: number, mask: Uint8Array): number {
  const k = keys(x);
  for (let i = 0; i < k.length; i++) {
    if (k[i] !== t) mask[i] = k[i] > t ? 1 : 0;
    else if (ties > 0) {
      mask[i] = 0;
      ties--;
    } else mask[i] = 1;
  }
  return ties;
}

export function countNonzero(m: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < m.length; i++) if (m[i] !== 0) c++;
  return c;
}
