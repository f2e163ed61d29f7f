/**
 * What every model command reports: one row per tensor it looked at, and totals.
 * The same object is printed as a table, written as JSON and rendered as HTML.
 */
import type { ErrorMetrics } from '../quant/error.js';

export type ModelFormat = 'onnx' | 'safetensors' | 'tfjs';

/** Histogram with plain arrays, so a report survives JSON. */
export interface ReportHistogram {
  /** bins + 1 edges. */
  edges: number[];
  counts: number[];
}

export interface TensorReport {
  name: string;
  shape: number[];
  /** Storage type before and after: 'float32' → 'int8', 'float16', 'uint8' … */
  dtypeBefore: string;
  dtypeAfter: string;
  /** Bytes of the tensor's data before, and after including its scales and zero points. */
  bytesBefore: number;
  bytesAfter: number;
  /** What was done: 'quantized', 'fp16', 'pruned', or 'kept' (with `reason`). */
  action: 'quantized' | 'fp16' | 'pruned' | 'kept';
  /** The scheme in words: 'int8 symmetric per-channel (axis 0)', 'magnitude 50 %'. */
  scheme?: string;
  /** Why a tensor was kept as it was: 'below --min-elements', 'excluded by name' … */
  reason?: string;
  /** Reconstruction error of the compressed tensor against the original. */
  error?: ErrorMetrics;
  /** Fraction of exact zeros after the command (pruning reports it before too). */
  sparsity?: number;
  sparsityBefore?: number;
  /** Histograms of the original values and of the error (inspect: of the values only), for the HTML report. */
  histogram?: { original: ReportHistogram; error?: ReportHistogram };
}

export interface ReportTotals {
  tensors: number;
  /** Tensors the command changed. */
  changed: number;
  bytesBefore: number;
  bytesAfter: number;
  /** bytesBefore / bytesAfter over all tensors. */
  ratio: number;
  /** Sizes of the files on disk (all files of the model: shards, external data). */
  fileBytesBefore: number;
  fileBytesAfter?: number;
  /** Worst SQNR and cosine over the changed tensors. */
  minSqnrDb?: number;
  minCosine?: number;
  /** Overall sparsity of the weights after a prune. */
  sparsity?: number;
}

export interface ModelReport {
  command: 'inspect' | 'quantize' | 'prune';
  format: ModelFormat;
  input: string;
  output?: string;
  /** The options the command ran with, as given. */
  options: Record<string, unknown>;
  tensors: TensorReport[];
  totals: ReportTotals;
  /** Wall time of the command. */
  milliseconds: number;
}

/** Progress of a long command: bytes of weights done out of total, and the tensor at hand. */
export type ProgressCallback = (done: number, total: number, tensor: string) => void;
