/**
 * The WebAssembly module (wasm/modelpress.wasm, built from the same C++ as the
 * addon) and the calls into its C ABI. Works wherever WebAssembly runs: no
 * Emscripten JS glue, no Node APIs — the caller supplies the bytes.
 *
 * Data streams through two scratch buffers of CHUNK elements inside the module's
 * memory: the input chunk is copied in, the kernel runs, the output chunk is copied
 * out. The chunk stays in cache, so a big tensor crosses main memory once each way,
 * as it does for the native addon. The C ABI's `offset` argument keeps per-axis
 * parameters aligned across chunks.
 */
import type { ByteArray, CastCounts, DigitPass, GroupLayout, HalfKind, KmeansParams, LinearParams, QType4, RangeLayout } from './backend.js';
import { qparamsForRange } from '../quant/range.js';
import { QTYPE_RANGES } from './qtypes.js';

/** Elements per chunk: 256 KiB of float32 and 64 KiB of bytes, inside a 512 KiB–1 MiB L2. */
export const CHUNK = 65536;

interface Exports {
  memory: WebAssembly.Memory;
  malloc(bytes: number): number;
  free(ptr: number): void;
  mp_quantize_linear(x: number, out: number, n: number, offset: number, axisLen: number, inner: number, scales: number, zps: number, nParams: number, qtype: number): number;
  mp_dequantize_linear(q: number, out: number, n: number, offset: number, axisLen: number, inner: number, scales: number, zps: number, nParams: number, qtype: number): number;
  mp_min_max(x: number, n: number, offset: number, axisLen: number, inner: number, mins: number, maxs: number, nParams: number, badIndex: number): number;
  mp_compiled_variants(): number;
  mp_supported_variants(): number;
  mp_cpu_variant(): number;
  mp_set_cpu_cap(name: number): number;
  mp_f32_to_f16(x: number, out: number, n: number, counts: number): number;
  mp_f16_to_f32(h: number, out: number, n: number): number;
  mp_f32_to_bf16(x: number, out: number, n: number, counts: number): number;
  mp_bf16_to_f32(h: number, out: number, n: number): number;
  mp_error_sums(x: number, y: number, n: number, offset: number, axisLen: number, inner: number, sums: number, nParams: number): number;
  mp_histogram(x: number, n: number, lo: number, hi: number, bins: number, counts: number): number;
  mp_histogram_range(x: number, n: number, offset: number, lo: number, hi: number, bins: number, counts: number, mn: number, mx: number, badIndex: number): number;
  mp_fake_quantize(x: number, out: number, mask: number, n: number, offset: number, axisLen: number, inner: number, scales: number, zps: number, nParams: number, qtype: number): number;
  mp_mask_gradient(grad: number, mask: number, out: number, n: number): number;
  mp_quantize_blocked(x: number, out: number, n: number, offset: number, axisLen: number, inner: number, blockSize: number, scales: number, zps: number, nParams: number, qtype: number): number;
  mp_dequantize_blocked(q: number, out: number, n: number, offset: number, axisLen: number, inner: number, blockSize: number, scales: number, zps: number, nParams: number, qtype: number): number;
  mp_min_max_blocked(x: number, n: number, offset: number, axisLen: number, inner: number, blockSize: number, mins: number, maxs: number, nParams: number, badIndex: number): number;
  mp_quantize_groups(x: number, out: number, n: number, offset: number, cols: number, blockSize: number, qtype: number, symmetric: number, scales: number, zps: number, badIndex: number): number;
  mp_pack_int4(v: number, out: number, n: number, qtype: number, badIndex: number): number;
  mp_unpack_int4(p: number, out: number, n: number, qtype: number): number;
  mp_kmeans(x: number, n: number, k: number, seed: number, maxIter: number, initSample: number, centroids: number, idx: number, iterations: number, badIndex: number): number;
  mp_lookup(idx: number, n: number, table: number, out: number): number;
  mp_pow2_quantize(x: number, n: number, emin: number, emax: number, codes: number): number;
  mp_digit_histogram(x: number, n: number, offset: number, shift: number, bits: number, prefix: number, counts: number, badIndex: number): number;
  mp_threshold_mask(x: number, n: number, t: number, ties: number, mask: number): number;
  mp_count_nonzero(m: number, n: number, count: number): number;
  _initialize?: () => void;
}

/** An argument of WasmKernels.whole(): a typed array, a number, or SCRATCH. */
export type WholeArg = ArrayBufferView | number | typeof SCRATCH;
/** Stands for a pointer to 8 bytes of scratch: a size_t* or uint64_t* result. */
export const SCRATCH = Symbol('scratch');

const MP_ERR_NON_FINITE = 6;
const MP_ERR_RANGE = 8;

/** Bytes of the quantized side of n elements. */
function quantBytes(n: number, qtype: number): number {
  return qtype >= 3 ? Math.ceil(n / 2) : n;
}

function asBytes(a: ByteArray): Uint8Array {
  return a instanceof Uint8Array ? a : new Uint8Array(a.buffer, a.byteOffset, a.length);
}

/** Imports a standalone Emscripten module may declare; none is needed by the kernels. */
function importsFor(module: WebAssembly.Module): WebAssembly.Imports {
  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== 'function') throw new Error(`modelpress.wasm imports an unexpected ${imp.kind} ${imp.module}.${imp.name}`);
    imports[imp.module] ??= {};
    imports[imp.module][imp.name] =
      imp.name === 'emscripten_notify_memory_growth'
        ? () => {}
        : () => {
            throw new Error(`modelpress.wasm called ${imp.module}.${imp.name}, which is not provided`);
          };
  }
  return imports;
}

export class WasmKernels {
  private readonly ex: Exports;
  private buffer: ArrayBuffer | undefined;
  private u8!: Uint8Array;
  private f32!: Float32Array;
  private i32!: Int32Array;
  private u32!: Uint32Array;
  private u16!: Uint16Array;
  private f64!: Float64Array;
  private readonly inPtr: number; // CHUNK float32 (or bytes)
  private readonly outPtr: number; // CHUNK float32 (or bytes)
  private readonly maskPtr: number; // CHUNK bytes
  private paramsPtr = 0; // scales, then zero points / mins, then maxs
  private paramsCap = 0;
  private readonly badPtr: number; // also the three uint64 counts of a down-cast

  constructor(instance: WebAssembly.Instance) {
    this.ex = instance.exports as unknown as Exports;
    this.ex._initialize?.();
    this.inPtr = this.alloc(CHUNK * 4);
    this.outPtr = this.alloc(CHUNK * 4);
    this.maskPtr = this.alloc(CHUNK);
    this.badPtr = this.alloc(24);
  }

  static fromBytesSync(bytes: BufferSource): WasmKernels {
    const module = new WebAssembly.Module(bytes);
    return new WasmKernels(new WebAssembly.Instance(module, importsFor(module)));
  }

  static async fromBytes(bytes: BufferSource): Promise<WasmKernels> {
    const module = await WebAssembly.compile(bytes);
    return new WasmKernels(await WebAssembly.instantiate(module, importsFor(module)));
  }

  /** malloc, then re-derive the heap views: memory may have grown (and detached the old buffer). */
  private alloc(bytes: number): number {
    const ptr = this.ex.malloc(bytes);
    if (ptr === 0) throw new RangeError(`modelpress.wasm: out of memory allocating ${bytes} bytes`);
    this.views();
    return ptr;
  }

  private views(): void {
    const buffer = this.ex.memory.buffer;
    if (buffer === this.buffer) return;
    this.buffer = buffer;
    this.u8 = new Uint8Array(buffer);
    this.f32 = new Float32Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.u16 = new Uint16Array(buffer);
    this.f64 = new Float64Array(buffer);
  }

  /** Room for n parameters of `bytes` each (8: a scale and a zero point), 8-aligned. */
  private params(n: number, bytes = 8): void {
    const size = n * bytes;
    if (size > this.paramsCap) {
      if (this.paramsPtr !== 0) this.ex.free(this.paramsPtr);
      this.paramsPtr = 0;
      this.paramsCap = 0;
      this.paramsPtr = this.alloc(size);
      this.paramsCap = size;
    }
    this.views();
  }

  private string(ptr: number): string {
    this.views();
    let end = ptr;
    while (this.u8[end] !== 0) end++;
    return new TextDecoder().decode(this.u8.subarray(ptr, end));
  }

  compiledVariants(): string[] {
    return this.string(this.ex.mp_compiled_variants()).split(',');
  }
  supportedVariants(): string[] {
    return this.string(this.ex.mp_supported_variants()).split(',');
  }
  cpuVariant(): string {
    return this.string(this.ex.mp_cpu_variant());
  }
  setCpuCap(name: string): number {
    const bytes = new TextEncoder().encode(name);
    const ptr = this.alloc(bytes.length + 1);
    this.u8.set(bytes, ptr);
    this.u8[ptr + bytes.length] = 0;
    const status = this.ex.mp_set_cpu_cap(ptr);
    this.ex.free(ptr);
    return status;
  }

  private writeParams(p: LinearParams): { scales: number; zps: number } {
    const n = p.scales.length;
    this.params(n);
    const scales = this.paramsPtr;
    const zps = this.paramsPtr + n * 4;
    this.f32.set(p.scales, scales >> 2);
    this.i32.set(p.zeroPoints, zps >> 2);
    return { scales, zps };
  }

  /** Returns the C ABI status (0 = OK). */
  /** Returns the C ABI status (0 = OK). Chunks hold CHUNK elements (an even count, so 4-bit chunks start on a byte). */
  quantizeLinear(x: Float32Array, out: ByteArray, p: LinearParams): number {
    const { scales, zps } = this.writeParams(p);
    const outBytes = asBytes(out);
    const nParams = p.scales.length;
    for (let off = 0; off < x.length; off += CHUNK) {
      const len = Math.min(CHUNK, x.length - off);
      this.f32.set(x.subarray(off, off + len), this.inPtr >> 2);
      const s = p.blockSize
        ? this.ex.mp_quantize_blocked(this.inPtr, this.outPtr, len, off, p.axisLen, p.inner, p.blockSize, scales, zps, nParams, p.qtype)
        : this.ex.mp_quantize_linear(this.inPtr, this.outPtr, len, off, p.axisLen, p.inner, scales, zps, nParams, p.qtype);
      if (s !== 0) return s;
      const bytes = quantBytes(len, p.qtype);
      outBytes.set(this.u8.subarray(this.outPtr, this.outPtr + bytes), quantBytes(off, p.qtype));
    }
    return 0;
  }

  dequantizeLinear(q: ByteArray, out: Float32Array, p: LinearParams): number {
    const { scales, zps } = this.writeParams(p);
    const qBytes = asBytes(q);
    const nParams = p.scales.length;
    for (let off = 0; off < out.length; off += CHUNK) {
      const len = Math.min(CHUNK, out.length - off);
      const from = quantBytes(off, p.qtype);
      this.u8.set(qBytes.subarray(from, from + quantBytes(len, p.qtype)), this.inPtr);
      const s = p.blockSize
        ? this.ex.mp_dequantize_blocked(this.inPtr, this.outPtr, len, off, p.axisLen, p.inner, p.blockSize, scales, zps, nParams, p.qtype)
        : this.ex.mp_dequantize_linear(this.inPtr, this.outPtr, len, off, p.axisLen, p.inner, scales, zps, nParams, p.qtype);
      if (s !== 0) return s;
      out.set(this.f32.subarray(this.outPtr >> 2, (this.outPtr >> 2) + len), off);
    }
    return 0;
  }

  /** Returns -1, or the index of the first non-finite element; throws on another status. */
  minMax(x: Float32Array, l: RangeLayout, mins: Float32Array, maxs: Float32Array): number {
    const n = mins.length;
    this.params(n);
    const minsPtr = this.paramsPtr;
    const maxsPtr = this.paramsPtr + n * 4;
    this.f32.set(mins, minsPtr >> 2);
    this.f32.set(maxs, maxsPtr >> 2);
    for (let off = 0; off < x.length; off += CHUNK) {
      const len = Math.min(CHUNK, x.length - off);
      this.f32.set(x.subarray(off, off + len), this.inPtr >> 2);
      const s = l.blockSize
        ? this.ex.mp_min_max_blocked(this.inPtr, len, off, l.axisLen, l.inner, l.blockSize, minsPtr, maxsPtr, n, this.badPtr)
        : this.ex.mp_min_max(this.inPtr, len, off, l.axisLen, l.inner, minsPtr, maxsPtr, n, this.badPtr);
      if (s === MP_ERR_NON_FINITE) return this.u32[this.badPtr >> 2];
      if (s !== 0) throw new Error(`modelpress.wasm: mp_min_max returned status ${s}`);
    }
    mins.set(this.f32.subarray(minsPtr >> 2, (minsPtr >> 2) + n));
    maxs.set(this.f32.subarray(maxsPtr >> 2, (maxsPtr >> 2) + n));
    return -1;
  }

  /** fp32 → fp16/bf16 bit patterns; returns [overflowed, underflowed, nan]. */
  castDown(kind: HalfKind, x: Float32Array, out: Uint16Array): CastCounts {
    const cast = kind === 'f16' ? this.ex.mp_f32_to_f16 : this.ex.mp_f32_to_bf16;
    const counts = this.badPtr >> 2;
    this.u32.fill(0, counts, counts + 6);
    for (let off = 0; off < x.length; off += CHUNK) {
      const len = Math.min(CHUNK, x.length - off);
      this.f32.set(x.subarray(off, off + len), this.inPtr >> 2);
      const s = cast(this.inPtr, this.outPtr, len, this.badPtr);
      if (s !== 0) throw new Error(`modelpress.wasm: down-cast returned status ${s}`);
      out.set(this.u16.subarray(this.outPtr >> 1, (this.outPtr >> 1) + len), off);
    }
    const u64 = (k: number) => this.u32[counts + 2 * k] + this.u32[counts + 2 * k + 1] * 2 ** 32;
    return [u64(0), u64(1), u64(2)];
  }

  /** fp16/bf16 bit patterns → fp32. */
  castUp(kind: HalfKind, h: Uint16Array, out: Float32Array): void {
    const cast = kind === 'f16' ? this.ex.mp_f16_to_f32 : this.ex.mp_bf16_to_f32;
    for (let off = 0; off < h.length; off += CHUNK) {
      const len = Math.min(CHUNK, h.length - off);
      this.u16.set(h.subarray(off, off + len), this.inPtr >> 1);
      const s = cast(this.inPtr, this.outPtr, len);
      if (s !== 0) throw new Error(`modelpress.wasm: up-cast returned status ${s}`);
      // Copy bits, not numbers: a signalling NaN must stay as it is.
      new Uint32Array(out.buffer, out.byteOffset, out.length).set(this.u32.subarray(this.outPtr >> 2, (this.outPtr >> 2) + len), off);
    }
  }

  /** Adds the error sums of y against x (7 doubles per parameter) into sums. */
  errorSums(x: Float32Array, y: Float32Array, l: RangeLayout, sums: Float64Array): void {
    this.params(l.axisLen, 56);
    const sumsPtr = this.paramsPtr;
    this.f64.set(sums, sumsPtr >> 3);
    for (let off = 0; off < x.length; off += CHUNK) {
      const len = Math.min(CHUNK, x.length - off);
      this.f32.set(x.subarray(off, off + len), this.inPtr >> 2);
      this.f32.set(y.subarray(off, off + len), this.outPtr >> 2);
      const s = this.ex.mp_error_sums(this.inPtr, this.outPtr, len, off, l.axisLen, l.inner, sumsPtr, l.axisLen);
      if (s !== 0) throw new Error(`modelpress.wasm: mp_error_sums returned status ${s}`);
    }
    sums.set(this.f64.subarray(sumsPtr >> 3, (sumsPtr >> 3) + 7 * l.axisLen));
  }

  /** counts[b] = how many x fall in bin b of counts.length bins over [lo, hi]. */
  histogram(x: Float32Array, lo: number, hi: number, counts: Float64Array): void {
    const bins = counts.length;
    this.params(bins, 8);
    const countsPtr = this.paramsPtr;
    this.u32.fill(0, countsPtr >> 2, (countsPtr >> 2) + 2 * bins);
    for (let off = 0; off < x.length; off += CHUNK) {
      const len = Math.min(CHUNK, x.length - off);
      this.f32.set(x.subarray(off, off + len), this.inPtr >> 2);
      const s = this.ex.mp_histogram(this.inPtr, len, lo, hi, bins, countsPtr);
      if (s !== 0) throw new Error(`modelpress.wasm: mp_histogram returned status ${s}`);
    }
    const base = countsPtr >> 2;
    for (let b = 0; b < bins; b++) counts[b] = this.u32[base + 2 * b] + this.u32[base + 2 * b + 1] * 2 ** 32;
  }

  /** histogram() and the range in one pass; returns -1 or the index of the first NaN/±Inf. */
  histogramRange(x: Float32Array, lo: number, hi: number, counts: Float64Array, range: Float32Array): number {
    const bins = counts.length;
    this.params(bins + 1, 8); // the uint64 counts, then min and max
    const countsPtr = this.paramsPtr;
    const rangePtr = countsPtr + 8 * bins;
    this.u32.fill(0, countsPtr >> 2, (countsPtr >> 2) + 2 * bins);
    this.f32.set(range, rangePtr >> 2);
    for (let off = 0; off < x.length; off += CHUNK) {
      const len = Math.min(CHUNK, x.length - off);
      this.f32.set(x.subarray(off, off + len), this.inPtr >> 2);
      const s = this.ex.mp_histogram_range(this.inPtr, len, off, lo, hi, bins, countsPtr, rangePtr, rangePtr + 4, this.badPtr);
      if (s === MP_ERR_NON_FINITE) return this.u32[this.badPtr >> 2];
      if (s !== 0) throw new Error(`modelpress.wasm: mp_histogram_range returned status ${s}`);
    }
    const base = countsPtr >> 2;
    for (let b = 0; b < bins; b++) counts[b] = this.u32[base + 2 * b] + this.u32[base + 2 * b + 1] * 2 ** 32;
    range.set(this.f32.subarray(rangePtr >> 2, (rangePtr >> 2) + 2));
    return -1;
  }

  /** out = dequantize(quantize(x)) and the straight-through mask. Returns the status. */
  fakeQuantize(x: Float32Array, out: Float32Array, mask: Uint8Array, p: LinearParams): number {
    const { scales, zps } = this.writeParams(p);
    for (let off = 0; off < x.length; off += CHUNK) {
      const len = Math.min(CHUNK, x.length - off);
      this.f32.set(x.subarray(off, off + len), this.inPtr >> 2);
      const s = this.ex.mp_fake_quantize(this.inPtr, this.outPtr, this.maskPtr, len, off, p.axisLen, p.inner, scales, zps, p.axisLen, p.qtype);
      if (s !== 0) return s;
      out.set(this.f32.subarray(this.outPtr >> 2, (this.outPtr >> 2) + len), off);
      mask.set(this.u8.subarray(this.maskPtr, this.maskPtr + len), off);
    }
    return 0;
  }

  /** out[i] = mask[i] ? grad[i] : 0, copied as bits. */
  maskGradient(grad: Float32Array, mask: Uint8Array, out: Float32Array): void {
    const outBits = new Uint32Array(out.buffer, out.byteOffset, out.length);
    for (let off = 0; off < grad.length; off += CHUNK) {
      const len = Math.min(CHUNK, grad.length - off);
      this.f32.set(grad.subarray(off, off + len), this.inPtr >> 2);
      this.u8.set(mask.subarray(off, off + len), this.maskPtr);
      const s = this.ex.mp_mask_gradient(this.inPtr, this.maskPtr, this.outPtr, len);
      if (s !== 0) throw new Error(`modelpress.wasm: mp_mask_gradient returned status ${s}`);
      outBits.set(this.u32.subarray(this.outPtr >> 2, (this.outPtr >> 2) + len), off);
    }
  }

  /**
   * One-pass group quantization, a chunk of whole rows at a time. Rows longer
   * than a chunk (or odd 4-bit rows that cannot pair up) go through the blocked
   * range search and the blocked quantize instead: the same results, two passes.
   */
  quantizeGroups(x: Float32Array, out: ByteArray, g: GroupLayout, scales: Float32Array, zeroPoints: Int32Array): number {
    const perRow = Math.ceil(g.cols / g.blockSize);
    let rows = Math.floor(CHUNK / g.cols);
    if (g.qtype >= 3 && g.cols % 2 === 1) rows -= rows % 2; // chunks must start on a byte
    if (rows === 0) return this.quantizeGroupsTwoPass(x, out, g, scales, zeroPoints);
    const outBytes = asBytes(out);
    const blocks = rows * perRow;
    this.params(blocks);
    const scalesPtr = this.paramsPtr;
    const zpsPtr = this.paramsPtr + blocks * 4;
    for (let off = 0, block = 0; off < x.length; off += rows * g.cols, block += blocks) {
      const len = Math.min(rows * g.cols, x.length - off);
      this.f32.set(x.subarray(off, off + len), this.inPtr >> 2);
      const s = this.ex.mp_quantize_groups(this.inPtr, this.outPtr, len, off, g.cols, g.blockSize, g.qtype, g.symmetric ? 1 : 0, scalesPtr, zpsPtr, this.badPtr);
      if (s === MP_ERR_NON_FINITE) return this.u32[this.badPtr >> 2];
      if (s !== 0) throw new Error(`modelpress.wasm: mp_quantize_groups returned status ${s}`);
      outBytes.set(this.u8.subarray(this.outPtr, this.outPtr + quantBytes(len, g.qtype)), quantBytes(off, g.qtype));
      const got = (len / g.cols) * perRow;
      scales.set(this.f32.subarray(scalesPtr >> 2, (scalesPtr >> 2) + got), block);
      zeroPoints.set(this.i32.subarray(zpsPtr >> 2, (zpsPtr >> 2) + got), block);
    }
    return -1;
  }

  private quantizeGroupsTwoPass(x: Float32Array, out: ByteArray, g: GroupLayout, scales: Float32Array, zeroPoints: Int32Array): number {
    const layout = { axisLen: g.cols, inner: 1, blockSize: g.blockSize };
    const mins = new Float32Array(scales.length).fill(Infinity);
    const maxs = new Float32Array(scales.length).fill(-Infinity);
    const bad = this.minMax(x, layout, mins, maxs);
    if (bad >= 0) return bad;
    const [qmin, qmax] = QTYPE_RANGES[g.qtype];
    for (let b = 0; b < scales.length; b++) {
      const qp = qparamsForRange(mins[b], maxs[b], qmin, qmax, g.symmetric);
      scales[b] = qp.scale;
      zeroPoints[b] = qp.zeroPoint;
    }
    const s = this.quantizeLinear(x, out, { ...layout, scales, zeroPoints, qtype: g.qtype });
    if (s !== 0) throw new Error(`modelpress.wasm: mp_quantize_blocked returned status ${s}`);
    return -1;
  }

  /** Returns -1, or the index of the first value out of the 4-bit range. */
  packInt4(values: ByteArray, out: Uint8Array, qtype: QType4): number {
    const v = asBytes(values);
    for (let off = 0; off < v.length; off += CHUNK) {
      const len = Math.min(CHUNK, v.length - off);
      this.u8.set(v.subarray(off, off + len), this.inPtr);
      const s = this.ex.mp_pack_int4(this.inPtr, this.outPtr, len, qtype, this.badPtr);
      if (s === MP_ERR_RANGE) return off + this.u32[this.badPtr >> 2];
      if (s !== 0) throw new Error(`modelpress.wasm: mp_pack_int4 returned status ${s}`);
      out.set(this.u8.subarray(this.outPtr, this.outPtr + Math.ceil(len / 2)), off / 2);
    }
    return -1;
  }

  unpackInt4(packed: Uint8Array, out: ByteArray, qtype: QType4): void {
    const o = asBytes(out);
    for (let off = 0; off < o.length; off += CHUNK) {
      const len = Math.min(CHUNK, o.length - off);
      this.u8.set(packed.subarray(off / 2, off / 2 + Math.ceil(len / 2)), this.inPtr);
      const s = this.ex.mp_unpack_int4(this.inPtr, this.outPtr, len, qtype);
      if (s !== 0) throw new Error(`modelpress.wasm: mp_unpack_int4 returned status ${s}`);
      o.set(this.u8.subarray(this.outPtr, this.outPtr + len), off);
    }
  }

  /**
   * Calls the C ABI function `fn` on whole arrays: the typed arrays among args are
   * copied into one allocation in the module (each 8-aligned), numbers pass as
   * they are, SCRATCH as a pointer to 8 zeroed bytes. The arrays at `outputs` are
   * copied back. Returns the status and the scratch value (as uint64).
   */
  whole(fn: string, args: readonly WholeArg[], outputs: readonly number[]): [status: number, scratch: number] {
    let bytes = 8;
    for (const a of args) if (ArrayBuffer.isView(a)) bytes += (a.byteLength + 7) & ~7;
    const base = this.alloc(bytes);
    try {
      const ptrs: number[] = [];
      let at = base + 8;
      for (const a of args) {
        if (ArrayBuffer.isView(a)) {
          this.u8.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
          ptrs.push(at);
          at += (a.byteLength + 7) & ~7;
        } else if (a === SCRATCH) {
          this.u32[base >> 2] = 0;
          this.u32[(base >> 2) + 1] = 0;
          ptrs.push(base);
        } else {
          ptrs.push(a);
        }
      }
      const f = (this.ex as unknown as Record<string, (...a: number[]) => number>)[fn];
      const status = f(...ptrs);
      this.views();
      for (const i of outputs) {
        const a = args[i] as ArrayBufferView;
        new Uint8Array(a.buffer, a.byteOffset, a.byteLength).set(this.u8.subarray(ptrs[i], ptrs[i] + a.byteLength));
      }
      return [status, this.u32[base >> 2] + this.u32[(base >> 2) + 1] * 2 ** 32];
    } finally {
      this.ex.free(base);
    }
  }

  /** k-means revisits every value each iteration, so x is copied in whole. Returns the iterations. */
  kmeans(x: Float32Array, p: KmeansParams, centroids: Float32Array, idx: Uint8Array): number {
    const n = x.length;
    const xPtr = this.alloc(n * 4 + n + p.k * 4 + 8);
    try {
      const idxPtr = xPtr + n * 4;
      const cPtr = (idxPtr + n + 3) & ~3;
      const itPtr = cPtr + p.k * 4;
      this.f32.set(x, xPtr >> 2);
      const s = this.ex.mp_kmeans(xPtr, n, p.k, p.seed, p.maxIter, p.initSample, cPtr, idxPtr, itPtr, this.badPtr);
      this.views();
      if (s !== 0) throw new Error(`modelpress.wasm: mp_kmeans returned status ${s}`);
      centroids.set(this.f32.subarray(cPtr >> 2, (cPtr >> 2) + p.k));
      idx.set(this.u8.subarray(idxPtr, idxPtr + n));
      return this.u32[itPtr >> 2];
    } finally {
      this.ex.free(xPtr);
    }
  }

  lookup(idx: Uint8Array, table: Float32Array, out: Float32Array): void {
    this.params(256, 4);
    const tablePtr = this.paramsPtr;
    this.u32.set(new Uint32Array(table.buffer, table.byteOffset, 256), tablePtr >> 2);
    const outBits = new Uint32Array(out.buffer, out.byteOffset, out.length);
    for (let off = 0; off < idx.length; off += CHUNK) {
      const len = Math.min(CHUNK, idx.length - off);
      this.u8.set(idx.subarray(off, off + len), this.inPtr);
      const s = this.ex.mp_lookup(this.inPtr, len, tablePtr, this.outPtr);
      if (s !== 0) throw new Error(`modelpress.wasm: mp_lookup returned status ${s}`);
      outBits.set(this.u32.subarray(this.outPtr >> 2, (this.outPtr >> 2) + len), off);
    }
  }

  pow2Quantize(x: Float32Array, emin: number, emax: number, codes: Int8Array): void {
    const c = asBytes(codes);
    for (let off = 0; off < x.length; off += CHUNK) {
      const len = Math.min(CHUNK, x.length - off);
      this.f32.set(x.subarray(off, off + len), this.inPtr >> 2);
      const s = this.ex.mp_pow2_quantize(this.inPtr, len, emin, emax, this.outPtr);
      if (s !== 0) throw new Error(`modelpress.wasm: mp_pow2_quantize returned status ${s}`);
      c.set(this.u8.subarray(this.outPtr, this.outPtr + len), off);
    }
  }

  /** Adds the digit histogram of x's magnitude keys into counts; -1 or the index of the first NaN. */
  digitHistogram(x: Float32Array, d: DigitPass, counts: Float64Array): number {
    this.params(counts.length, 4);
    const countsPtr = this.paramsPtr;
    this.u32.fill(0, countsPtr >> 2, (countsPtr >> 2) + counts.length);
    for (let off = 0; off < x.length; off += CHUNK) {
      const len = Math.min(CHUNK, x.length - off);
      this.f32.set(x.subarray(off, off + len), this.inPtr >> 2);
      const s = this.ex.mp_digit_histogram(this.inPtr, len, off, d.shift, d.bits, d.prefix, countsPtr, this.badPtr);
      if (s === MP_ERR_NON_FINITE) return this.u32[this.badPtr >> 2];
      if (s !== 0) throw new Error(`modelpress.wasm: mp_digit_histogram returned status ${s}`);
    }
    for (let b = 0; b < counts.length; b++) counts[b] += this.u32[(countsPtr >> 2) + b];
    return -1;
  }

  /** The threshold mask; returns the ties left (carried across chunks as a uint64 in the module). */
  thresholdMask(x: Float32Array, t: number, ties: number, mask: Uint8Array): number {
    const tiesPtr = this.badPtr; // 8 bytes, 8-aligned
    for (let off = 0; off < x.length; off += CHUNK) {
      const len = Math.min(CHUNK, x.length - off);
      this.f32.set(x.subarray(off, off + len), this.inPtr >> 2);
      this.u32[tiesPtr >> 2] = ties % 2 ** 32;
      this.u32[(tiesPtr >> 2) + 1] = Math.floor(ties / 2 ** 32);
      const s = this.ex.mp_threshold_mask(this.inPtr, len, t, tiesPtr, this.maskPtr);
      if (s !== 0) throw new Error(`modelpress.wasm: mp_threshold_mask returned status ${s}`);
      ties = this.u32[tiesPtr >> 2] + this.u32[(tiesPtr >> 2) + 1] * 2 ** 32;
      mask.set(this.u8.subarray(this.maskPtr, this.maskPtr + len), off);
    }
    return ties;
  }

  countNonzero(m: Uint8Array): number {
    const countPtr = this.badPtr;
    this.u32.fill(0, countPtr >> 2, (countPtr >> 2) + 2);
    for (let off = 0; off < m.length; off += CHUNK) {
      const len = Math.min(CHUNK, m.length - off);
      this.u8.set(m.subarray(off, off + len), this.inPtr);
      const s = this.ex.mp_count_nonzero(this.inPtr, len, countPtr);
      if (s !== 0) throw new Error(`modelpress.wasm: mp_count_nonzero returned status ${s}`);
    }
    return this.u32[countPtr >> 2] + this.u32[(countPtr >> 2) + 1] * 2 ** 32;
  }
}
