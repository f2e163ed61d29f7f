/**
 * Worker thread of the WebAssembly backend: its own module instance, one job at a
 * time. Replies carry the output in a transferred buffer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ByteArray, CastCounts, HalfKind, LinearParams, RangeLayout } from './backend.js';
import { WasmKernels } from './wasm-module.js';
import type { SparseOpName } from './sparse-ops.js';
import { wasmSparseOps } from './wasm-sparse.js';
import type { DistillOpName } from './distill-ops.js';
import { wasmDistillOps } from './wasm-distill.js';

export type WorkerRequest =
  | { id: number; op: 'cap'; cap: string }
  | { id: number; op: 'quantize'; input: Float32Array; params: LinearParams; signed: boolean }
  | { id: number; op: 'dequantize'; input: ByteArray; params: LinearParams; signed: boolean; count: number }
  | { id: number; op: 'minMax'; input: Float32Array; layout: RangeLayout; mins: Float32Array; maxs: Float32Array }
  | { id: number; op: 'castDown'; kind: HalfKind; input: Float32Array }
  | { id: number; op: 'castUp'; kind: HalfKind; input: Uint16Array }
  | { id: number; op: 'errorSums'; input: Float32Array; other: Float32Array; layout: RangeLayout; sums: Float64Array }
  | { id: number; op: 'histogram'; input: Float32Array; lo: number; hi: number; bins: number }
  | { id: number; op: 'fakeQuantize'; input: Float32Array; params: LinearParams }
  | { id: number; op: 'maskGradient'; input: Float32Array; mask: Uint8Array }
  | { id: number; op: 'call'; method: CallableMethod; args: unknown[] };

/**
 * Kernels run through the generic 'call' op: the worker calls the method on its
 * copies of the arguments and sends every argument back, with the return value.
 */
export type CallableMethod = SparseOpName | DistillOpName | 'quantizeGroups' | 'packInt4' | 'unpackInt4' | 'kmeans' | 'lookup' | 'pow2Quantize' | 'histogramRange' | 'digitHistogram' | 'thresholdMask' | 'countNonzero';

export interface WorkerReply {
  id: number;
  /** Kernel status for (de)quantize; -1 or the first non-finite index for minMax. */
  status: number;
  output?: ArrayBufferView;
  mins?: Float32Array;
  maxs?: Float32Array;
  counts?: CastCounts;
  mask?: Uint8Array;
  /** The arguments of a 'call', after it ran. */
  args?: unknown[];
  error?: string;
}

/** The distinct buffers of the typed arrays among values (a transfer list). */
function buffersOf(values: unknown[]): ArrayBuffer[] {
  const set = new Set<ArrayBuffer>();
  for (const v of values) if (ArrayBuffer.isView(v)) set.add(v.buffer as ArrayBuffer);
  return [...set];
}

if (parentPort !== null) {
  const port = parentPort;
  const { bytes, cap } = workerData as { bytes: Uint8Array<ArrayBuffer>; cap: string | undefined };
  const kernels = WasmKernels.fromBytesSync(bytes);
  if (cap !== undefined) kernels.setCpuCap(cap);
  const sparse = { ...wasmSparseOps(kernels), ...wasmDistillOps(kernels) };

  port.on('message', (req: WorkerRequest) => {
    try {
      if (req.op === 'cap') {
        kernels.setCpuCap(req.cap);
      } else if (req.op === 'call') {
        const target = (req.method in sparse ? sparse : kernels) as unknown as Record<string, (...args: unknown[]) => unknown>;
        const result = target[req.method](...req.args);
        const status = typeof result === 'number' ? result : 0;
        port.postMessage({ id: req.id, status, args: req.args } satisfies WorkerReply, buffersOf(req.args));
      } else if (req.op === 'quantize') {
        const bytes = req.params.qtype >= 3 ? Math.ceil(req.input.length / 2) : req.input.length;
        const output = req.signed ? new Int8Array(bytes) : new Uint8Array(bytes);
        const status = kernels.quantizeLinear(req.input, output, req.params);
        port.postMessage({ id: req.id, status, output } satisfies WorkerReply, [output.buffer]);
      } else if (req.op === 'dequantize') {
        const output = new Float32Array(req.count);
        const status = kernels.dequantizeLinear(req.input, output, req.params);
        port.postMessage({ id: req.id, status, output } satisfies WorkerReply, [output.buffer]);
      } else if (req.op === 'castDown') {
        const output = new Uint16Array(req.input.length);
        const counts = kernels.castDown(req.kind, req.input, output);
        port.postMessage({ id: req.id, status: 0, output, counts } satisfies WorkerReply, [output.buffer]);
      } else if (req.op === 'castUp') {
        const output = new Float32Array(req.input.length);
        kernels.castUp(req.kind, req.input, output);
        // As bits, so that no NaN passes through a JS number on the way back.
        const bits = new Uint32Array(output.buffer);
        port.postMessage({ id: req.id, status: 0, output: bits } satisfies WorkerReply, [bits.buffer]);
      } else if (req.op === 'errorSums') {
        kernels.errorSums(req.input, req.other, req.layout, req.sums);
        port.postMessage({ id: req.id, status: 0, output: req.sums } satisfies WorkerReply);
      } else if (req.op === 'fakeQuantize') {
        const output = new Float32Array(req.input.length);
        const mask = new Uint8Array(req.input.length);
        const status = kernels.fakeQuantize(req.input, output, mask, req.params);
        port.postMessage({ id: req.id, status, output, mask } satisfies WorkerReply, [output.buffer, mask.buffer]);
      } else if (req.op === 'maskGradient') {
        const output = new Float32Array(req.input.length);
        kernels.maskGradient(req.input, req.mask, output);
        const bits = new Uint32Array(output.buffer);
        port.postMessage({ id: req.id, status: 0, output: bits } satisfies WorkerReply, [bits.buffer]);
      } else if (req.op === 'histogram') {
        const output = new Float64Array(req.bins);
        kernels.histogram(req.input, req.lo, req.hi, output);
        port.postMessage({ id: req.id, status: 0, output } satisfies WorkerReply, [output.buffer]);
      } else {
        const status = kernels.minMax(req.input, req.layout, req.mins, req.maxs);
        port.postMessage({ id: req.id, status, mins: req.mins, maxs: req.maxs } satisfies WorkerReply);
      }
    } catch (error) {
      port.postMessage({ id: req.id, status: -2, error: (error as Error).message } satisfies WorkerReply);
    }
  });
}
