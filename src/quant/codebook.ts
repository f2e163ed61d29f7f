/**
 * Non-uniform quantization. k-means codebooks (weight sharing, as in Deep
 * Compression): 2^bits shared values found by 1-D k-means with k-means++
 * initialisation, deterministic for a seed (the algorithm is specified in
 * native/include/modelpress.h, mp_kmeans), each value replaced by the index of its
 * nearest centroid. Power-of-two (logarithmic) quantization: each value replaced
 * by 0 or ±2^e, e in [emin, emax], the nearest such level.
 *
 * Indices of fewer than 8 bits are packed: index i occupies bits [i·bits,
 * (i+1)·bits) of the byte string read as one little-endian bit stream (LSB first).
 */
import type { Backend } from '../backends/backend.js';
import { QTYPE_UINT4 } from '../backends/backend.js';
import { getBackend } from '../backends/registry.js';
import { nonFiniteError, rangeError, typeError } from '../errors.js';
import { checkFloat32Array, checkOptions, checkOut } from '../validate.js';
import { quantizationError, quantizationErrorAsync, type ErrorMetrics } from './error.js';

const TENSOR = { axisLen: 1, inner: 1 };

export interface KmeansQuantizeOptions {
  /** Index bits: 2^bits centroids (1 to 8, default 4). */
  bits?: number;
  /** Seed of the k-means++ initialisation (uint32, default 0). */
  seed?: number;
  /** Most Lloyd iterations (default 100); it stops earlier at a fixpoint. */
  maxIter?: number;
  /** k-means++ runs on at most this many values, taken at a regular stride (default 65536). */
  initSample?: number;
}

/** What kmeansQuantize() returns and codebookDequantize() takes. */
export interface CodebookTensor {
  /** 2^bits centroids, ascending (repeated when x has fewer distinct values). */
  codebook: Float32Array;
  /** Centroid index per value, packed LSB first when bits < 8. */
  indices: Uint8Array;
  bits: number;
  /** Number of values. */
  length: number;
  /** Lloyd iterations run. */
  iterations: number;
  /** Error of the reconstruction against x. */
  error: ErrorMetrics;
}

function checkInt(fn: string, name: string, value: unknown, lo: number, hi: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi) {
    throw rangeError(fn, name, `an integer in [${lo}, ${hi}]`, value);
  }
  return value;
}

/** Packs one index per byte into `bits` bits each, LSB first. */
export function packBits(idx: Uint8Array, bits: number): Uint8Array {
  if (bits === 8) return idx;
  const out = new Uint8Array(Math.ceil((idx.length * bits) / 8));
  let acc = 0;
  let filled = 0;
  let o = 0;
  for (let i = 0; i < idx.length; i++) {
    acc |= idx[i] << filled;
    filled += bits;
    while (filled >= 8) {
      out[o++] = acc & 0xff;
      acc >>>= 8;
      filled -= 8;
    }
  }
  if (filled > 0) out[o] = acc & 0xff;
  return out;
}

/** The inverse of packBits for `length` indices. */
export function unpackBits(packed: Uint8Array, bits: number, length: number): Uint8Array {
  if (bits === 8) return packed;
  const out = new Uint8Array(length);
  const mask = (1 << bits) - 1;
  let acc = 0;
  let filled = 0;
  let p = 0;
  for (let i = 0; i < length; i++) {
    while (filled < bits) {
      acc |= packed[p++] << filled;
      filled += 8;
    }
    out[i] = acc & mask;
    acc >>>= bits;
    filled -= bits;
  }
  return out;
}

interface KmeansPlan {
  x: Float32Array;
  bits: number;
  params: { k: number; seed: number; maxIter: number; initSample: number };
}

function planKmeans(fn: string, xArg: unknown, optionsArg: unknown): KmeansPlan {
  const x = checkFloat32Array(fn, 'x', xArg);
  if (x.length === 0) throw rangeError(fn, 'x', 'non-empty', x);
  const o = checkOptions(fn, optionsArg);
  const bits = checkInt(fn, 'bits', o.bits, 1, 8, 4);
  const seed = checkInt(fn, 'seed', o.seed, 0, 0xffffffff, 0);
  const maxIter = checkInt(fn, 'maxIter', o.maxIter, 0, 1e6, 100);
  const initSample = checkInt(fn, 'initSample', o.initSample, 1, Number.MAX_SAFE_INTEGER, 65536);
  return { x, bits, params: { k: 2 ** bits, seed, maxIter, initSample } };
}

function checkFinite(fn: string, x: Float32Array, bad: number): void {
  if (bad >= 0) throw nonFiniteError(fn, 'x', bad, x[bad]);
}

/** packBits through the 4-bit packing kernel when bits = 4 (the same layout: low nibble first). */
function packIndices(backend: Backend, idx: Uint8Array, bits: number): Uint8Array {
  if (bits !== 4) return packBits(idx, bits);
  const out = new Uint8Array(Math.ceil(idx.length / 2));
  backend.packInt4(idx, out, QTYPE_UINT4);
  return out;
}

function unpackIndices(backend: Backend, packed: Uint8Array, bits: number, length: number): Uint8Array {
  if (bits !== 4) return unpackBits(packed, bits, length);
  const out = new Uint8Array(length);
  if (length > 0) backend.unpackInt4(packed, out, QTYPE_UINT4);
  return out;
}

function table256(values: Float32Array): Float32Array {
  const t = new Float32Array(256);
  t.set(values);
  return t;
}

/** k-means codebook quantization of x (see the module comment). Throws on NaN/±Inf. */
export function kmeansQuantize(x: Float32Array, options?: KmeansQuantizeOptions): CodebookTensor {
  const fn = 'kmeansQuantize';
  const p = planKmeans(fn, x, options);
  const backend: Backend = getBackend();
  checkFinite(fn, p.x, backend.minMax(p.x, TENSOR, new Float32Array([Infinity]), new Float32Array([-Infinity])));
  const codebook = new Float32Array(p.params.k);
  const idx = new Uint8Array(p.x.length);
  const iterations = backend.kmeans(p.x, p.params, codebook, idx);
  const recon = new Float32Array(p.x.length);
  backend.lookup(idx, table256(codebook), recon);
  const { channels: _c, histogram: _h, ...error } = quantizationError(p.x, recon);
  return { codebook, indices: packIndices(backend, idx, p.bits), bits: p.bits, length: p.x.length, iterations, error };
}

/** kmeansQuantize() off the JS thread. Do not modify x until the promise settles. */
export async function kmeansQuantizeAsync(x: Float32Array, options?: KmeansQuantizeOptions): Promise<CodebookTensor> {
  const fn = 'kmeansQuantizeAsync';
  const p = planKmeans(fn, x, options);
  const backend: Backend = getBackend();
  checkFinite(fn, p.x, await backend.minMaxAsync(p.x, TENSOR, new Float32Array([Infinity]), new Float32Array([-Infinity])));
  const codebook = new Float32Array(p.params.k);
  const idx = new Uint8Array(p.x.length);
  const iterations = await backend.kmeansAsync(p.x, p.params, codebook, idx);
  const recon = new Float32Array(p.x.length);
  await backend.lookupAsync(idx, table256(codebook), recon);
  const { channels: _c, histogram: _h, ...error } = await quantizationErrorAsync(p.x, recon);
  return { codebook, indices: packIndices(backend, idx, p.bits), bits: p.bits, length: p.x.length, iterations, error };
}

function planCodebookDequantize(fn: string, tArg: unknown, optionsArg: unknown) {
  if (tArg === null || typeof tArg !== 'object' || !('codebook' in tArg) || !('indices' in tArg)) {
    throw typeError(fn, 'tensor', 'a CodebookTensor returned by kmeansQuantize()', tArg);
  }
  const t = tArg as CodebookTensor;
  const bits = checkInt(fn, 'tensor.bits', t.bits, 1, 8, 4);
  if (!(t.codebook instanceof Float32Array) || t.codebook.length !== 2 ** bits) {
    throw typeError(fn, 'tensor.codebook', `a Float32Array of ${2 ** bits} centroids`, t.codebook);
  }
  const length = checkInt(fn, 'tensor.length', t.length, 0, Number.MAX_SAFE_INTEGER, 0);
  if (!(t.indices instanceof Uint8Array) || t.indices.length !== Math.ceil((length * bits) / 8)) {
    throw typeError(fn, 'tensor.indices', `a Uint8Array of ${Math.ceil((length * bits) / 8)} bytes`, t.indices);
  }
  const o = checkOptions(fn, optionsArg);
  const out = checkOut(fn, o.out, Float32Array, length) ?? new Float32Array(length);
  return { idx: unpackIndices(getBackend(), t.indices, bits, length), table: table256(t.codebook), out };
}

/** The values a CodebookTensor stands for: codebook[index]. */
export function codebookDequantize(tensor: CodebookTensor, options?: { out?: Float32Array }): Float32Array {
  const p = planCodebookDequantize('codebookDequantize', tensor, options);
  if (p.out.length > 0) getBackend().lookup(p.idx, p.table, p.out);
  return p.out;
}

export async function codebookDequantizeAsync(tensor: CodebookTensor, options?: { out?: Float32Array }): Promise<Float32Array> {
  const p = planCodebookDequantize('codebookDequantizeAsync', tensor, options);
  if (p.out.length > 0) await getBackend().lookupAsync(p.idx, p.table, p.out);
  return p.out;
}

export interface Pow2QuantizeOptions {
  /** Code bits (2 to 8, default 4): a sign and 2^(bits-1) - 1 magnitudes 2^emax … 2^(emax-levels+1), plus 0. */
  bits?: number;
  /** Largest exponent (default: that of the power of two nearest max|x|). */
  emax?: number;
  /** Write the codes here (an Int8Array of x.length) instead of allocating. */
  out?: Int8Array;
}

/** What pow2Quantize() returns and pow2Dequantize() takes. */
export interface Pow2Tensor {
  /** 0 for zero, else sign · (emax - e + 1) for the level ±2^e. */
  codes: Int8Array;
  emin: number;
  emax: number;
  bits: number;
}

/** The exponent of the power of two nearest to a > 0 (ties to the larger), as the kernel rounds. */
function nearestExponent(a: number): number {
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return a >= 1.5 * 2 ** e ? e + 1 : e;
}

function planPow2(fn: string, xArg: unknown, optionsArg: unknown) {
  const x = checkFloat32Array(fn, 'x', xArg);
  const o = checkOptions(fn, optionsArg);
  const bits = checkInt(fn, 'bits', o.bits, 2, 8, 4);
  const emax = o.emax === undefined ? undefined : checkInt(fn, 'emax', o.emax, -125, 127, 0);
  const codes = checkOut(fn, o.out, Int8Array, x.length) ?? new Int8Array(x.length);
  return { x, bits, emax, codes };
}

function pow2Levels(bits: number, absmax: number, emaxOpt: number | undefined): { emin: number; emax: number } {
  const levels = 2 ** (bits - 1) - 1;
  const emax = emaxOpt ?? (absmax > 0 ? Math.min(127, Math.max(-125, nearestExponent(absmax))) : 0);
  return { emax, emin: Math.max(-125, emax - levels + 1) };
}

/** Power-of-two quantization (see the module comment). Throws on NaN/±Inf. */
export function pow2Quantize(x: Float32Array, options?: Pow2QuantizeOptions): Pow2Tensor {
  const fn = 'pow2Quantize';
  const p = planPow2(fn, x, options);
  const backend = getBackend();
  const mins = new Float32Array([Infinity]);
  const maxs = new Float32Array([-Infinity]);
  if (p.x.length > 0) checkFinite(fn, p.x, backend.minMax(p.x, TENSOR, mins, maxs));
  const { emin, emax } = pow2Levels(p.bits, p.x.length > 0 ? Math.max(-mins[0], maxs[0]) : 0, p.emax);
  if (p.x.length > 0) backend.pow2Quantize(p.x, emin, emax, p.codes);
  return { codes: p.codes, emin, emax, bits: p.bits };
}

export async function pow2QuantizeAsync(x: Float32Array, options?: Pow2QuantizeOptions): Promise<Pow2Tensor> {
  const fn = 'pow2QuantizeAsync';
  const p = planPow2(fn, x, options);
  const backend = getBackend();
  const mins = new Float32Array([Infinity]);
  const maxs = new Float32Array([-Infinity]);
  if (p.x.length > 0) checkFinite(fn, p.x, await backend.minMaxAsync(p.x, TENSOR, mins, maxs));
  const { emin, emax } = pow2Levels(p.bits, p.x.length > 0 ? Math.max(-mins[0], maxs[0]) : 0, p.emax);
  if (p.x.length > 0) await backend.pow2QuantizeAsync(p.x, emin, emax, p.codes);
  return { codes: p.codes, emin, emax, bits: p.bits };
}

/** The 256-entry decoding table of power-of-two codes, indexed by the code's byte. */
function pow2Table(t: Pow2Tensor): Float32Array {
  const table = new Float32Array(256);
  for (let c = 1; c <= t.emax - t.emin + 1; c++) {
    table[c] = 2 ** (t.emax - c + 1);
    table[256 - c] = -(2 ** (t.emax - c + 1));
  }
  return table;
}

function planPow2Dequantize(fn: string, tArg: unknown, optionsArg: unknown) {
  if (tArg === null || typeof tArg !== 'object' || !('codes' in tArg) || !((tArg as Pow2Tensor).codes instanceof Int8Array)) {
    throw typeError(fn, 'tensor', 'a Pow2Tensor returned by pow2Quantize()', tArg);
  }
  const t = tArg as Pow2Tensor;
  checkInt(fn, 'tensor.emax', t.emax, -125, 127, 0);
  checkInt(fn, 'tensor.emin', t.emin, -125, t.emax, 0);
  const o = checkOptions(fn, optionsArg);
  const out = checkOut(fn, o.out, Float32Array, t.codes.length) ?? new Float32Array(t.codes.length);
  return { codes: new Uint8Array(t.codes.buffer, t.codes.byteOffset, t.codes.length), table: pow2Table(t), out };
}

/** The values of power-of-two codes. */
export function pow2Dequantize(tensor: Pow2Tensor, options?: { out?: Float32Array }): Float32Array {
  const p = planPow2Dequantize('pow2Dequantize', tensor, options);
  if (p.out.length > 0) getBackend().lookup(p.codes, p.table, p.out);
  return p.out;
}

export async function pow2DequantizeAsync(tensor: Pow2Tensor, options?: { out?: Float32Array }): Promise<Float32Array> {
  const p = planPow2Dequantize('pow2DequantizeAsync', tensor, options);
  if (p.out.length > 0) await getBackend().lookupAsync(p.codes, p.table, p.out);
  return p.out;
}
