/**
 * Float down-casting: fp32 ⇄ IEEE binary16 (fp16) and fp32 ⇄ bfloat16 (bf16), as
 * Uint16Array bit patterns.
 *
 * Down-casts round half to even, keep subnormals, turn overflow into ±Inf and keep
 * NaN a NaN, and they report how many values overflowed, underflowed to zero or
 * were NaN, so that a lossy cast is never silent. Up-casts are exact.
 */
import type { CastCounts, HalfKind } from '../backends/backend.js';
import { getBackend } from '../backends/registry.js';
import { typeError } from '../errors.js';
import { checkFloat32Array, checkOptions, checkOut } from '../validate.js';

export interface DownCastResult {
  /** The fp16 or bf16 bit patterns. */
  data: Uint16Array;
  /** Finite values that became ±Inf (fp16: |x| ≥ 65520; bf16: beyond its largest finite value). */
  overflowed: number;
  /** Non-zero values that became ±0 (fp16: |x| ≤ 2^-25; bf16: tiny float32 subnormals). */
  underflowed: number;
  /** NaN values (they stay NaN). */
  nan: number;
}

function prepareDown(fn: string, xArg: unknown, options: unknown): { x: Float32Array; out: Uint16Array } {
  const x = checkFloat32Array(fn, 'x', xArg);
  const o = checkOptions(fn, options);
  return { x, out: checkOut(fn, o.out, Uint16Array, x.length) ?? new Uint16Array(x.length) };
}

function prepareUp(fn: string, hArg: unknown, options: unknown): { h: Uint16Array; out: Float32Array } {
  if (!(hArg instanceof Uint16Array)) throw typeError(fn, 'h', 'a Uint16Array of half-precision bit patterns', hArg);
  const o = checkOptions(fn, options);
  return { h: hArg, out: checkOut(fn, o.out, Float32Array, hArg.length) ?? new Float32Array(hArg.length) };
}

function result(data: Uint16Array, [overflowed, underflowed, nan]: CastCounts): DownCastResult {
  return { data, overflowed, underflowed, nan };
}

function down(kind: HalfKind, fn: string, x: unknown, options: unknown): DownCastResult {
  const c = prepareDown(fn, x, options);
  return result(c.out, c.x.length > 0 ? getBackend().castDown(kind, c.x, c.out) : [0, 0, 0]);
}

async function downAsync(kind: HalfKind, fn: string, x: unknown, options: unknown): Promise<DownCastResult> {
  const c = prepareDown(fn, x, options);
  return result(c.out, c.x.length > 0 ? await getBackend().castDownAsync(kind, c.x, c.out) : [0, 0, 0]);
}

function up(kind: HalfKind, fn: string, h: unknown, options: unknown): Float32Array {
  const c = prepareUp(fn, h, options);
  if (c.h.length > 0) getBackend().castUp(kind, c.h, c.out);
  return c.out;
}

async function upAsync(kind: HalfKind, fn: string, h: unknown, options: unknown): Promise<Float32Array> {
  const c = prepareUp(fn, h, options);
  if (c.h.length > 0) await getBackend().castUpAsync(kind, c.h, c.out);
  return c.out;
}

export interface CastOptions<T> {
  /** Write here instead of allocating (same length as the input). */
  out?: T;
}

/** fp32 → IEEE binary16, round half to even. */
export function toFloat16(x: Float32Array, options?: CastOptions<Uint16Array>): DownCastResult {
  return down('f16', 'toFloat16', x, options);
}
/** IEEE binary16 → fp32 (exact). */
export function fromFloat16(h: Uint16Array, options?: CastOptions<Float32Array>): Float32Array {
  return up('f16', 'fromFloat16', h, options);
}
/** fp32 → bfloat16, round half to even. */
export function toBFloat16(x: Float32Array, options?: CastOptions<Uint16Array>): DownCastResult {
  return down('bf16', 'toBFloat16', x, options);
}
/** bfloat16 → fp32 (exact). */
export function fromBFloat16(h: Uint16Array, options?: CastOptions<Float32Array>): Float32Array {
  return up('bf16', 'fromBFloat16', h, options);
}

export function toFloat16Async(x: Float32Array, options?: CastOptions<Uint16Array>): Promise<DownCastResult> {
  return downAsync('f16', 'toFloat16Async', x, options);
}
export function fromFloat16Async(h: Uint16Array, options?: CastOptions<Float32Array>): Promise<Float32Array> {
  return upAsync('f16', 'fromFloat16Async', h, options);
}
export function toBFloat16Async(x: Float32Array, options?: CastOptions<Uint16Array>): Promise<DownCastResult> {
  return downAsync('bf16', 'toBFloat16Async', x, options);
}
export function fromBFloat16Async(h: Uint16Array, options?: CastOptions<Float32Array>): Promise<Float32Array> {
  return upAsync('bf16', 'fromBFloat16Async', h, options);
}
