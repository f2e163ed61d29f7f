/**
 * The native backend: the N-API addon built from binding.gyp at install time.
 * Loading follows sharp: an ordered list of attempts, every failure collected,
 * one final error saying what was tried, why it failed and what to do.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { nativeStatusError } from '../errors.js';
import type { Backend, ByteArray, CastCounts, HalfKind, LinearParams, QType4, RangeLayout } from './backend.js';
import { DISTILL_OP_OUTPUTS, type AsyncDistillOps, type DistillOps } from './distill-ops.js';
import { SPARSE_OP_NAMES, type AsyncSparseOps, type SparseOps } from './sparse-ops.js';

interface Addon extends SparseOps, AsyncSparseOps, DistillOps, AsyncDistillOps {
  quantizeLinear(x: Float32Array, out: ByteArray, axisLen: number, inner: number, scales: Float32Array, zps: Int32Array, qtype: number, blockSize?: number): number;
  dequantizeLinear(q: ByteArray, out: Float32Array, axisLen: number, inner: number, scales: Float32Array, zps: Int32Array, qtype: number, blockSize?: number): number;
  minMax(x: Float32Array, axisLen: number, inner: number, mins: Float32Array, maxs: Float32Array, blockSize?: number): number;
  minMaxTensor(x: Float32Array, min: number, max: number): [number, number] | number;
  quantizeLinearAsync(x: Float32Array, out: ByteArray, axisLen: number, inner: number, scales: Float32Array, zps: Int32Array, qtype: number, blockSize?: number): Promise<number>;
  dequantizeLinearAsync(q: ByteArray, out: Float32Array, axisLen: number, inner: number, scales: Float32Array, zps: Int32Array, qtype: number, blockSize?: number): Promise<number>;
  minMaxAsync(x: Float32Array, axisLen: number, inner: number, mins: Float32Array, maxs: Float32Array, blockSize?: number): Promise<number>;
  quantizeGroups(x: Float32Array, out: ByteArray, cols: number, blockSize: number, qtype: number, symmetric: boolean, scales: Float32Array, zps: Int32Array): number;
  quantizeGroupsAsync(x: Float32Array, out: ByteArray, cols: number, blockSize: number, qtype: number, symmetric: boolean, scales: Float32Array, zps: Int32Array): Promise<number>;
  packInt4(values: ByteArray, out: Uint8Array, qtype: QType4): number;
  packInt4Async(values: ByteArray, out: Uint8Array, qtype: QType4): Promise<number>;
  unpackInt4(packed: Uint8Array, out: ByteArray, qtype: QType4): void;
  unpackInt4Async(packed: Uint8Array, out: ByteArray, qtype: QType4): Promise<void>;
  kmeans(x: Float32Array, k: number, seed: number, maxIter: number, initSample: number, centroids: Float32Array, idx: Uint8Array): number;
  kmeansAsync(x: Float32Array, k: number, seed: number, maxIter: number, initSample: number, centroids: Float32Array, idx: Uint8Array): Promise<number>;
  lookup(idx: Uint8Array, table: Float32Array, out: Float32Array): void;
  lookupAsync(idx: Uint8Array, table: Float32Array, out: Float32Array): Promise<void>;
  pow2Quantize(x: Float32Array, emin: number, emax: number, codes: Int8Array): void;
  pow2QuantizeAsync(x: Float32Array, emin: number, emax: number, codes: Int8Array): Promise<void>;
  digitHistogram(x: Float32Array, shift: number, bits: number, prefix: number, counts: Float64Array): number;
  digitHistogramAsync(x: Float32Array, shift: number, bits: number, prefix: number, counts: Float64Array): Promise<number>;
  thresholdMask(x: Float32Array, t: number, ties: number, mask: Uint8Array): number;
  thresholdMaskAsync(x: Float32Array, t: number, ties: number, mask: Uint8Array): Promise<number>;
  countNonzero(m: Uint8Array): number;
  countNonzeroAsync(m: Uint8Array): Promise<number>;
  quantizeTensor(x: Float32Array, out: ByteArray, scale: number, zp: number, qtype: number): number;
  dequantizeTensor(q: ByteArray, out: Float32Array, scale: number, zp: number, qtype: number): number;
  quantizeTensorAsync(x: Float32Array, out: ByteArray, scale: number, zp: number, qtype: number): Promise<number>;
  dequantizeTensorAsync(q: ByteArray, out: Float32Array, scale: number, zp: number, qtype: number): Promise<number>;
  f32ToF16(x: Float32Array, out: Uint16Array): CastCounts;
  f32ToBf16(x: Float32Array, out: Uint16Array): CastCounts;
  f16ToF32(h: Uint16Array, out: Float32Array): void;
  bf16ToF32(h: Uint16Array, out: Float32Array): void;
  f32ToF16Async(x: Float32Array, out: Uint16Array): Promise<CastCounts>;
  f32ToBf16Async(x: Float32Array, out: Uint16Array): Promise<CastCounts>;
  f16ToF32Async(h: Uint16Array, out: Float32Array): Promise<void>;
  bf16ToF32Async(h: Uint16Array, out: Float32Array): Promise<void>;
  errorSums(x: Float32Array, y: Float32Array, axisLen: number, inner: number, sums: Float64Array): void;
  errorSumsAsync(x: Float32Array, y: Float32Array, axisLen: number, inner: number, sums: Float64Array): Promise<void>;
  histogram(x: Float32Array, lo: number, hi: number, counts: Float64Array): void;
  histogramAsync(x: Float32Array, lo: number, hi: number, counts: Float64Array): Promise<void>;
  histogramRange(x: Float32Array, lo: number, hi: number, counts: Float64Array, range: Float32Array): number;
  histogramRangeAsync(x: Float32Array, lo: number, hi: number, counts: Float64Array, range: Float32Array): Promise<number>;
  fakeQuantize(x: Float32Array, out: Float32Array, mask: Uint8Array, axisLen: number, inner: number, scales: Float32Array, zps: Int32Array, qtype: number): number;
  fakeQuantizeTensor(x: Float32Array, out: Float32Array, mask: Uint8Array, scale: number, zp: number, qtype: number): number;
  fakeQuantizeAsync(x: Float32Array, out: Float32Array, mask: Uint8Array, axisLen: number, inner: number, scales: Float32Array, zps: Int32Array, qtype: number): Promise<number>;
  fakeQuantizeTensorAsync(x: Float32Array, out: Float32Array, mask: Uint8Array, scale: number, zp: number, qtype: number): Promise<number>;
  maskGradient(grad: Float32Array, mask: Uint8Array, out: Float32Array): void;
  maskGradientAsync(grad: Float32Array, mask: Uint8Array, out: Float32Array): Promise<void>;
  compiledVariants(): string;
  supportedVariants(): string;
  cpuVariant(): string;
  setCpuCap(name: string): number;
}

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Written by scripts/build-native.mjs when the install-time build fails. */
const BUILD_ERROR_FILE = 'build/native-build-error.txt';

function platformName(): string {
  let libc = '';
  if (process.platform === 'linux') {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    libc = header?.glibcVersionRuntime ? '' : 'musl';
  }
  return `${process.platform}${libc}-${process.arch}`;
}

function loadAddon(): Addon {
  const require = createRequire(import.meta.url);
  const candidates = ['build/Release/modelpress.node', 'build/Debug/modelpress.node'];
  const tried: string[] = [];
  for (const rel of candidates) {
    const path = packageRoot + rel;
    if (!existsSync(path)) {
      tried.push(`${rel}: not found`);
      continue;
    }
    try {
      return require(path) as Addon;
    } catch (error) {
      tried.push(`${rel}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  const buildLog = packageRoot + BUILD_ERROR_FILE;
  const why = existsSync(buildLog) ? `\nThe install-time build failed: ${readFileSync(buildLog, 'utf8').trim().split('\n').slice(0, 3).join(' | ')}` : '';
  throw new Error(
    `could not load the native addon for ${platformName()} (Node ${process.versions.node}, N-API ${process.versions.napi}).\n` +
      `Tried:\n  ${tried.join('\n  ')}${why}\n` +
      `Fix: install a C++ toolchain (python3, make, g++ or clang) and run "npm rebuild modelpress"; ` +
      `meanwhile modelpress runs on its WebAssembly backend.`,
  );
}

function check(fn: string, status: number): void {
  if (status !== 0) throw nativeStatusError(fn, status);
}

/** The addon's SparseOps and DistillOps functions, which take exactly the backend's arguments. */
function addonSparseOps(addon: Addon): SparseOps & AsyncSparseOps & DistillOps & AsyncDistillOps {
  const ops: Record<string, unknown> = {};
  for (const name of [...SPARSE_OP_NAMES, ...(Object.keys(DISTILL_OP_OUTPUTS) as (keyof DistillOps)[])]) {
    ops[name] = addon[name];
    ops[`${name}Async`] = addon[`${name}Async`];
  }
  return ops as unknown as SparseOps & AsyncSparseOps & DistillOps & AsyncDistillOps;
}

export function loadNativeBackend(): Backend {
  const addon = loadAddon();
  const compiled = addon.compiledVariants().split(',');
  return {
    ...addonSparseOps(addon),
    name: 'native',
    cpuVariant: () => addon.cpuVariant(),
    compiledVariants: () => compiled.slice(),
    supportedVariants: () => addon.supportedVariants().split(','),
    setCpuCap(name: string) {
      if (addon.setCpuCap(name) !== 0) {
        throw new RangeError(`setCpuCap: the native backend has variants ${compiled.join(', ')}, got ${JSON.stringify(name)}`);
      }
    },
    // Per-tensor calls pass scale and zero point as numbers (see addon.cc).
    quantizeLinear(x: Float32Array, out: ByteArray, p: LinearParams) {
      const status = p.axisLen === 1 && !p.blockSize
        ? addon.quantizeTensor(x, out, p.scales[0], p.zeroPoints[0], p.qtype)
        : addon.quantizeLinear(x, out, p.axisLen, p.inner, p.scales, p.zeroPoints, p.qtype, p.blockSize ?? 0);
      check('quantizeLinear', status);
    },
    dequantizeLinear(q: ByteArray, out: Float32Array, p: LinearParams) {
      const status = p.axisLen === 1 && !p.blockSize
        ? addon.dequantizeTensor(q, out, p.scales[0], p.zeroPoints[0], p.qtype)
        : addon.dequantizeLinear(q, out, p.axisLen, p.inner, p.scales, p.zeroPoints, p.qtype, p.blockSize ?? 0);
      check('dequantizeLinear', status);
    },
    minMax(x: Float32Array, l: RangeLayout, mins: Float32Array, maxs: Float32Array) {
      if (l.axisLen !== 1 || l.blockSize) return addon.minMax(x, l.axisLen, l.inner, mins, maxs, l.blockSize ?? 0);
      const range = addon.minMaxTensor(x, mins[0], maxs[0]);
      if (typeof range === 'number') return range;
      mins[0] = range[0];
      maxs[0] = range[1];
      return -1;
    },
    async quantizeLinearAsync(x, out, p) {
      const status = p.axisLen === 1 && !p.blockSize
        ? await addon.quantizeTensorAsync(x, out, p.scales[0], p.zeroPoints[0], p.qtype)
        : await addon.quantizeLinearAsync(x, out, p.axisLen, p.inner, p.scales, p.zeroPoints, p.qtype, p.blockSize ?? 0);
      check('quantizeLinearAsync', status);
    },
    async dequantizeLinearAsync(q, out, p) {
      const status = p.axisLen === 1 && !p.blockSize
        ? await addon.dequantizeTensorAsync(q, out, p.scales[0], p.zeroPoints[0], p.qtype)
        : await addon.dequantizeLinearAsync(q, out, p.axisLen, p.inner, p.scales, p.zeroPoints, p.qtype, p.blockSize ?? 0);
      check('dequantizeLinearAsync', status);
    },
    castDown(kind: HalfKind, x: Float32Array, out: Uint16Array) {
      return kind === 'f16' ? addon.f32ToF16(x, out) : addon.f32ToBf16(x, out);
    },
    castUp(kind: HalfKind, h: Uint16Array, out: Float32Array) {
      if (kind === 'f16') addon.f16ToF32(h, out);
      else addon.bf16ToF32(h, out);
    },
    castDownAsync(kind, x, out) {
      return kind === 'f16' ? addon.f32ToF16Async(x, out) : addon.f32ToBf16Async(x, out);
    },
    castUpAsync(kind, h, out) {
      return kind === 'f16' ? addon.f16ToF32Async(h, out) : addon.bf16ToF32Async(h, out);
    },
    errorSums(x, y, l, sums) {
      addon.errorSums(x, y, l.axisLen, l.inner, sums);
    },
    histogram(x, lo, hi, counts) {
      addon.histogram(x, lo, hi, counts);
    },
    errorSumsAsync(x, y, l, sums) {
      return addon.errorSumsAsync(x, y, l.axisLen, l.inner, sums);
    },
    histogramAsync(x, lo, hi, counts) {
      return addon.histogramAsync(x, lo, hi, counts);
    },
    histogramRange: (x, lo, hi, counts, range) => addon.histogramRange(x, lo, hi, counts, range),
    histogramRangeAsync: (x, lo, hi, counts, range) => addon.histogramRangeAsync(x, lo, hi, counts, range),
    fakeQuantize(x, out, mask, p) {
      const status = p.axisLen === 1
        ? addon.fakeQuantizeTensor(x, out, mask, p.scales[0], p.zeroPoints[0], p.qtype)
        : addon.fakeQuantize(x, out, mask, p.axisLen, p.inner, p.scales, p.zeroPoints, p.qtype);
      check('fakeQuantize', status);
    },
    maskGradient(grad, mask, out) {
      addon.maskGradient(grad, mask, out);
    },
    async fakeQuantizeAsync(x, out, mask, p) {
      const status = p.axisLen === 1
        ? await addon.fakeQuantizeTensorAsync(x, out, mask, p.scales[0], p.zeroPoints[0], p.qtype)
        : await addon.fakeQuantizeAsync(x, out, mask, p.axisLen, p.inner, p.scales, p.zeroPoints, p.qtype);
      check('fakeQuantizeAsync', status);
    },
    maskGradientAsync(grad, mask, out) {
      return addon.maskGradientAsync(grad, mask, out);
    },
    minMaxAsync(x, l, mins, maxs) {
      return addon.minMaxAsync(x, l.axisLen, l.inner, mins, maxs, l.blockSize ?? 0);
    },
    quantizeGroups(x, out, g, scales, zps) {
      return addon.quantizeGroups(x, out, g.cols, g.blockSize, g.qtype, g.symmetric, scales, zps);
    },
    quantizeGroupsAsync(x, out, g, scales, zps) {
      return addon.quantizeGroupsAsync(x, out, g.cols, g.blockSize, g.qtype, g.symmetric, scales, zps);
    },
    packInt4: (values, out, qtype) => addon.packInt4(values, out, qtype),
    packInt4Async: (values, out, qtype) => addon.packInt4Async(values, out, qtype),
    unpackInt4: (packed, out, qtype) => addon.unpackInt4(packed, out, qtype),
    unpackInt4Async: (packed, out, qtype) => addon.unpackInt4Async(packed, out, qtype),
    kmeans: (x, p, centroids, idx) => addon.kmeans(x, p.k, p.seed, p.maxIter, p.initSample, centroids, idx),
    kmeansAsync: (x, p, centroids, idx) => addon.kmeansAsync(x, p.k, p.seed, p.maxIter, p.initSample, centroids, idx),
    lookup: (idx, table, out) => addon.lookup(idx, table, out),
    lookupAsync: (idx, table, out) => addon.lookupAsync(idx, table, out),
    pow2Quantize: (x, emin, emax, codes) => addon.pow2Quantize(x, emin, emax, codes),
    pow2QuantizeAsync: (x, emin, emax, codes) => addon.pow2QuantizeAsync(x, emin, emax, codes),
    digitHistogram: (x, d, counts) => addon.digitHistogram(x, d.shift, d.bits, d.prefix, counts),
    digitHistogramAsync: (x, d, counts) => addon.digitHistogramAsync(x, d.shift, d.bits, d.prefix, counts),
    thresholdMask: (x, t, ties, mask) => addon.thresholdMask(x, t, ties, mask),
    thresholdMaskAsync: (x, t, ties, mask) => addon.thresholdMaskAsync(x, t, ties, mask),
    countNonzero: (m) => addon.countNonzero(m),
    countNonzeroAsync: (m) => addon.countNonzeroAsync(m),
  };
}
