/**
 * Worker thread of the WebAssembly backend: its own module instance, one job at a
 * time. Replies carry the output in a transferred buffer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ByteArray, LinearParams, RangeLayout } from './backend.js';
import { WasmKernels } from './wasm-module.js';

export type WorkerRequest =
  | { id: number; op: 'cap'; cap: string }
  | { id: number; op: 'quantize'; input: Float32Array; params: LinearParams; signed: boolean }
  | { id: number; op: 'dequantize'; input: ByteArray; params: LinearParams; signed: boolean }
  | { id: number; op: 'minMax'; input: Float32Array; layout: RangeLayout; mins: Float32Array; maxs: Float32Array };

export interface WorkerReply {
  id: number;
  /** Kernel status for (de)quantize; -1 or the first non-finite index for minMax. */
  status: number;
  output?: ArrayBufferView;
  mins?: Float32Array;
  maxs?: Float32Array;
  error?: string;
}

if (parentPort !== null) {
  const port = parentPort;
  const { bytes, cap } = workerData as { bytes: Uint8Array<ArrayBuffer>; cap: string | undefined };
  const kernels = WasmKernels.fromBytesSync(bytes);
  if (cap !== undefined) kernels.setCpuCap(cap);

  port.on('message', (req: WorkerRequest) => {
    try {
      if (req.op === 'cap') {
        kernels.setCpuCap(req.cap);
      } else if (req.op === 'quantize') {
        const output = req.signed ? new Int8Array(req.input.length) : new Uint8Array(req.input.length);
        const status = kernels.quantizeLinear(req.input, output, req.params);
        port.postMessage({ id: req.id, status, output } satisfies WorkerReply, [output.buffer]);
      } else if (req.op === 'dequantize') {
        const output = new Float32Array(req.input.length);
        const status = kernels.dequantizeLinear(req.input, output, req.params);
        port.postMessage({ id: req.id, status, output } satisfies WorkerReply, [output.buffer]);
      } else {
        const status = kernels.minMax(req.input, req.layout, req.mins, req.maxs);
        port.postMessage({ id: req.id, status, mins: req.mins, maxs: req.maxs } satisfies WorkerReply);
      }
    } catch (error) {
      port.postMessage({ id: req.id, status: -2, error: (error as Error).message } satisfies WorkerReply);
    }
  });
}
