/**
 * The WebAssembly backend. Synchronous calls run the module on the calling thread;
 * the Promise forms run a second instance in a worker thread, so the event loop
 * stays free while a big tensor is processed.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { nativeStatusError } from '../errors.js';
import type { Backend, ByteArray, LinearParams, RangeLayout } from './backend.js';
import { WasmKernels } from './wasm-module.js';
import type { CallableMethod, WorkerReply, WorkerRequest } from './wasm-worker.js';
import { SPARSE_OP_NAMES, SPARSE_OP_OUTPUTS, type AsyncSparseOps } from './sparse-ops.js';
import { wasmSparseOps } from './wasm-sparse.js';
import { DISTILL_OP_OUTPUTS, type AsyncDistillOps, type DistillOpName } from './distill-ops.js';
import { wasmDistillOps } from './wasm-distill.js';

const WASM_FILE = fileURLToPath(new URL('../../wasm/modelpress.wasm', import.meta.url));

function readWasmBytes(): Uint8Array<ArrayBuffer> {
  try {
    return new Uint8Array(readFileSync(WASM_FILE));
  } catch (error) {
    throw new Error(`could not read ${WASM_FILE}: ${(error as Error).message}. Reinstall modelpress or run "npm run build:wasm".`);
  }
}

/**
 * What to post to the worker: structured cloning a view copies its whole
 * ArrayBuffer, so a small view of a big buffer is sliced to its own bytes first.
 */
function own<T extends Float32Array | Float64Array | Uint16Array | Int8Array | Uint8Array | Int32Array>(view: T): T {
  return view.byteLength === view.buffer.byteLength ? view : (view.slice() as T);
}

function check(fn: string, status: number): void {
  if (status !== 0) throw nativeStatusError(fn, status);
}

/** Omit over each member of a union. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** One worker thread with its own module instance, started on first use. */
class WasmWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();

  constructor(private readonly bytes: Uint8Array<ArrayBuffer>, private cpuCap: string | undefined) {}

  setCpuCap(name: string): void {
    this.cpuCap = name;
    this.worker?.postMessage({ id: 0, op: 'cap', cap: name } satisfies WorkerRequest);
  }

  private start(): Worker {
    const worker = new Worker(new URL('./wasm-worker.js', import.meta.url), { workerData: { bytes: this.bytes, cap: this.cpuCap } });
    worker.on('message', (reply: WorkerReply) => {
      const job = this.pending.get(reply.id);
      if (job === undefined) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.error !== undefined) job.reject(new Error(reply.error));
      else job.resolve(reply);
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`modelpress wasm worker exited with code ${code}`)));
    worker.unref();
    return worker;
  }

  private fail(error: Error): void {
    this.worker = undefined;
    for (const job of this.pending.values()) job.reject(error);
    this.pending.clear();
  }

  run(request: WithoutId<WorkerRequest>): Promise<WorkerReply> {
    this.worker ??= this.start();
    const id = this.nextId++;
    const worker = this.worker;
    worker.ref(); // keep the process alive while a job is pending
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id } as WorkerRequest);
    });
  }
}

type Writable = Float32Array | Float64Array | Int32Array | Int8Array | Uint8Array;

export function loadWasmBackend(): Backend {
  const bytes = readWasmBytes();
  const kernels = WasmKernels.fromBytesSync(bytes);
  const compiled = kernels.compiledVariants();
  const worker = new WasmWorker(bytes, undefined);
  /**
   * Runs kernels[method](...args) in the worker on copies of the arguments; the
   * arguments at `outputs` are copied back (same element type: a byte copy).
   */
  async function call(method: CallableMethod, args: unknown[], outputs: readonly number[]): Promise<number> {
    const sent = args.map((a) => (ArrayBuffer.isView(a) ? own(a as Writable) : a));
    const reply = await worker.run({ op: 'call', method, args: sent });
    for (const i of outputs) (args[i] as Writable).set(reply.args![i] as Writable);
    return reply.status;
  }
  const sparse = wasmSparseOps(kernels);
  const sparseAsync: Record<string, unknown> = {};
  for (const name of SPARSE_OP_NAMES) {
    sparseAsync[`${name}Async`] = (...args: unknown[]) => call(name, args, SPARSE_OP_OUTPUTS[name]);
  }
  for (const name of Object.keys(DISTILL_OP_OUTPUTS) as DistillOpName[]) {
    sparseAsync[`${name}Async`] = (...args: unknown[]) => call(name, args, DISTILL_OP_OUTPUTS[name]);
  }
  return {
    ...sparse,
    ...wasmDistillOps(kernels),
    ...(sparseAsync as AsyncSparseOps & AsyncDistillOps),
    name: 'wasm',
    cpuVariant: () => kernels.cpuVariant(),
    compiledVariants: () => compiled.slice(),
    supportedVariants: () => kernels.supportedVariants(),
    setCpuCap(name: string) {
      if (kernels.setCpuCap(name) !== 0) {
        throw new RangeError(`setCpuCap: the wasm backend has variants ${compiled.join(', ')}, got ${JSON.stringify(name)}`);
      }
      worker.setCpuCap(name);
    },
    quantizeLinear(x: Float32Array, out: ByteArray, p: LinearParams) {
      check('quantizeLinear', kernels.quantizeLinear(x, out, p));
    },
    dequantizeLinear(q: ByteArray, out: Float32Array, p: LinearParams) {
      check('dequantizeLinear', kernels.dequantizeLinear(q, out, p));
    },
    minMax(x: Float32Array, l: RangeLayout, mins: Float32Array, maxs: Float32Array) {
      return kernels.minMax(x, l, mins, maxs);
    },
    // Inputs are copied to the worker (structured clone); the result comes back
    // in a transferred buffer and is copied into the caller's output.
    async quantizeLinearAsync(x, out, p) {
      const reply = await worker.run({ op: 'quantize', input: own(x), params: p, signed: out instanceof Int8Array });
      check('quantizeLinearAsync', reply.status);
      out.set(reply.output as ByteArray);
    },
    async dequantizeLinearAsync(q, out, p) {
      const reply = await worker.run({ op: 'dequantize', input: own(q), params: p, signed: q instanceof Int8Array, count: out.length });
      check('dequantizeLinearAsync', reply.status);
      out.set(reply.output as Float32Array);
    },
    castDown(kind, x, out) {
      return kernels.castDown(kind, x, out);
    },
    castUp(kind, h, out) {
      kernels.castUp(kind, h, out);
    },
    async castDownAsync(kind, x, out) {
      const reply = await worker.run({ op: 'castDown', kind, input: own(x) });
      new Uint16Array(out.buffer, out.byteOffset, out.length).set(reply.output as Uint16Array);
      return reply.counts!;
    },
    async castUpAsync(kind, h, out) {
      const reply = await worker.run({ op: 'castUp', kind, input: own(h) });
      new Uint32Array(out.buffer, out.byteOffset, out.length).set(reply.output as Uint32Array);
    },
    errorSums(x, y, l, sums) {
      kernels.errorSums(x, y, l, sums);
    },
    histogram(x, lo, hi, counts) {
      kernels.histogram(x, lo, hi, counts);
    },
    async errorSumsAsync(x, y, l, sums) {
      const reply = await worker.run({ op: 'errorSums', input: own(x), other: own(y), layout: l, sums });
      sums.set(reply.output as Float64Array);
    },
    async histogramAsync(x, lo, hi, counts) {
      const reply = await worker.run({ op: 'histogram', input: own(x), lo, hi, bins: counts.length });
      counts.set(reply.output as Float64Array);
    },
    fakeQuantize(x, out, mask, p) {
      check('fakeQuantize', kernels.fakeQuantize(x, out, mask, p));
    },
    maskGradient(grad, mask, out) {
      kernels.maskGradient(grad, mask, out);
    },
    async fakeQuantizeAsync(x, out, mask, p) {
      const reply = await worker.run({ op: 'fakeQuantize', input: own(x), params: p });
      check('fakeQuantizeAsync', reply.status);
      out.set(reply.output as Float32Array);
      mask.set(reply.mask!);
    },
    async maskGradientAsync(grad, mask, out) {
      const reply = await worker.run({ op: 'maskGradient', input: own(grad), mask: own(mask) });
      new Uint32Array(out.buffer, out.byteOffset, out.length).set(reply.output as Uint32Array);
    },
    quantizeGroups(x, out, g, scales, zeroPoints) {
      return kernels.quantizeGroups(x, out, g, scales, zeroPoints);
    },
    digitHistogram: (x, d, counts) => kernels.digitHistogram(x, d, counts),
    thresholdMask: (x, t, ties, mask) => kernels.thresholdMask(x, t, ties, mask),
    countNonzero: (m) => kernels.countNonzero(m),
    digitHistogramAsync: (x, d, counts) => call('digitHistogram', [x, d, counts], [2]),
    thresholdMaskAsync: (x, t, ties, mask) => call('thresholdMask', [x, t, ties, mask], [3]),
    countNonzeroAsync: (m) => call('countNonzero', [m], []),
    histogramRange(x, lo, hi, counts, range) {
      return kernels.histogramRange(x, lo, hi, counts, range);
    },
    histogramRangeAsync(x, lo, hi, counts, range) {
      return call('histogramRange', [x, lo, hi, counts, range], [3, 4]);
    },
    packInt4(values, out, qtype) {
      return kernels.packInt4(values, out, qtype);
    },
    unpackInt4(packed, out, qtype) {
      kernels.unpackInt4(packed, out, qtype);
    },
    kmeans(x, p, centroids, idx) {
      return kernels.kmeans(x, p, centroids, idx);
    },
    lookup(idx, table, out) {
      kernels.lookup(idx, table, out);
    },
    pow2Quantize(x, emin, emax, codes) {
      kernels.pow2Quantize(x, emin, emax, codes);
    },
    quantizeGroupsAsync(x, out, g, scales, zeroPoints) {
      return call('quantizeGroups', [x, out, g, scales, zeroPoints], [1, 3, 4]);
    },
    packInt4Async(values, out, qtype) {
      return call('packInt4', [values, out, qtype], [1]);
    },
    async unpackInt4Async(packed, out, qtype) {
      await call('unpackInt4', [packed, out, qtype], [1]);
    },
    kmeansAsync(x, p, centroids, idx) {
      return call('kmeans', [x, p, centroids, idx], [2, 3]);
    },
    async lookupAsync(idx, table, out) {
      await call('lookup', [idx, table, out], [2]);
    },
    async pow2QuantizeAsync(x, emin, emax, codes) {
      await call('pow2Quantize', [x, emin, emax, codes], [3]);
    },
    async minMaxAsync(x, l, mins, maxs) {
      const reply = await worker.run({ op: 'minMax', input: own(x), layout: l, mins, maxs });
      if (reply.status < 0) {
        mins.set(reply.mins!);
        maxs.set(reply.maxs!);
      }
      return reply.status;
    },
  };
}
