/**
 * Options of the model commands, shared by every format. Each format reads the
 * part that applies to it and rejects what it cannot do with a clear error.
 */
import { rangeError } from '../errors.js';
import type { SelectOptions } from './select.js';
import type { ProgressCallback } from './types.js';

/**
 * Storage of quantized weights:
 * - 'int8' (default): symmetric int8, per channel unless `perChannel: false`;
 * - 'uint8': affine uint8 (per channel for ONNX and safetensors; tfjs: per tensor, as its manifest allows);
 * - 'int4' / 'uint4': blocked 4-bit (`blockSize`, default 32; ONNX opset 21 block_size);
 * - 'fp16': IEEE half precision (tfjs calls it 'float16');
 * - 'uint16': tfjs affine uint16.
 */
export type ModelQuantDType = 'int8' | 'uint8' | 'int4' | 'uint4' | 'fp16' | 'uint16';

export interface QuantizeModelOptions extends SelectOptions {
  dtype?: ModelQuantDType;
  /** One scale per output channel (default) or one per tensor. */
  perChannel?: boolean;
  /** Symmetric (default for int8/int4) or affine (default for uint8/uint4). */
  symmetric?: boolean;
  /** Values per block for 4-bit weights (default 32). */
  blockSize?: number;
  /** ONNX: only weights consumed by these op types (default Conv, ConvTranspose, MatMul, Gemm, Gather). */
  opTypes?: string[];
  /** ONNX: never weights consumed by these op types. */
  excludeOpTypes?: string[];
  /** Histogram bins of weights and errors per tensor in the report (default 64; 0 for none). */
  histogramBins?: number;
  /** Allow the output to be the input file itself. */
  inPlace?: boolean;
  onProgress?: ProgressCallback;
}

/**
 * Pruning of model weights:
 * - 'magnitude': the `amount` fraction of smallest |w| in each tensor;
 * - 'filters': whole output channels (Conv filters, MatMul/Gemm output features) by L2 norm;
 * - 'channels': whole input channels by L2 norm;
 * - 'nm': n of every m consecutive weights along the input-channel axis are kept (2:4 by default).
 */
export type ModelPruneMethod = 'magnitude' | 'filters' | 'channels' | 'nm';

export interface PruneModelOptions extends SelectOptions {
  method?: ModelPruneMethod;
  /** Fraction to prune for magnitude, filters and channels (default 0.5). */
  amount?: number;
  /** N:M (default 2:4). */
  n?: number;
  m?: number;
  /** ONNX: only weights consumed by these op types (default Conv, ConvTranspose, MatMul, Gemm). */
  opTypes?: string[];
  excludeOpTypes?: string[];
  histogramBins?: number;
  inPlace?: boolean;
  onProgress?: ProgressCallback;
}

export interface InspectModelOptions {
  /** Histogram bins of each float tensor's values in the report (default 64; 0 for none). */
  histogramBins?: number;
}

export const DEFAULT_HISTOGRAM_BINS = 64;

/** The histogramBins option, checked, with its default. */
export function histogramBinsOption(fn: string, value: unknown): number {
  if (value === undefined) return DEFAULT_HISTOGRAM_BINS;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > 1 << 20) {
    throw rangeError(fn, 'histogramBins', 'an integer from 0 to 2^20', value);
  }
  return value;
}
export const DEFAULT_BLOCK_SIZE = 32;
