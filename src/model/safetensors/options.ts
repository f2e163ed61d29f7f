/** Checks of the model options as safetensors reads them (no graph: tensors are chosen by name and shape). */
import { rangeError, typeError } from '../../errors.js';
import { DEFAULT_BLOCK_SIZE, histogramBinsOption, type PruneModelOptions, type QuantizeModelOptions } from '../options.js';
import { tensorSelector, type TensorSelector } from '../select.js';
import type { ProgressCallback } from '../types.js';
import type { StoredQuantDType } from './layout.js';

export interface CommonSettings {
  selector: TensorSelector;
  bins: number;
  inPlace: boolean;
  onProgress?: ProgressCallback;
}

export interface QuantizeSettings extends CommonSettings {
  dtype: StoredQuantDType;
  perChannel: boolean;
  symmetric: boolean;
  blockSize: number;
}

export interface PruneSettings extends CommonSettings {
  method: 'magnitude' | 'filters' | 'channels' | 'nm';
  amount: number;
  n: number;
  m: number;
}

function optionalBoolean(fn: string, arg: string, v: unknown): boolean | undefined {
  if (v !== undefined && typeof v !== 'boolean') throw typeError(fn, arg, 'a boolean', v);
  return v;
}

function optionalInteger(fn: string, arg: string, v: unknown, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) throw rangeError(fn, arg, `an integer from ${min} to ${max}`, v);
  return v;
}

function common(fn: string, o: QuantizeModelOptions | PruneModelOptions): CommonSettings {
  if (o === null || typeof o !== 'object') throw typeError(fn, 'options', 'an object', o);
  for (const key of ['opTypes', 'excludeOpTypes'] as const) {
    const v = o[key];
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) {
      throw rangeError(fn, key, 'absent for safetensors (a safetensors file has no graph: choose tensors with include/exclude)', v);
    }
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw typeError(fn, 'onProgress', 'a function', o.onProgress);
  return {
    selector: tensorSelector(fn, o),
    bins: histogramBinsOption(fn, o.histogramBins),
    inPlace: optionalBoolean(fn, 'inPlace', o.inPlace) ?? false,
    onProgress: o.onProgress,
  };
}

const QUANT_DTYPES = ['int8', 'uint8', 'int4', 'uint4', 'fp16'];

export function quantizeSettings(fn: string, o: QuantizeModelOptions = {}): QuantizeSettings {
  const base = common(fn, o);
  const dtype = o.dtype ?? 'int8';
  if (!QUANT_DTYPES.includes(dtype)) throw rangeError(fn, 'dtype', `one of ${QUANT_DTYPES.map((d) => `"${d}"`).join(', ')} for safetensors`, dtype);
  const symmetric = optionalBoolean(fn, 'symmetric', o.symmetric) ?? (dtype === 'int8' || dtype === 'int4');
  return {
    ...base,
    dtype: dtype as StoredQuantDType,
    perChannel: optionalBoolean(fn, 'perChannel', o.perChannel) ?? true,
    symmetric,
    blockSize: optionalInteger(fn, 'blockSize', o.blockSize, 1, 2 ** 31 - 1, DEFAULT_BLOCK_SIZE),
  };
}

const PRUNE_METHODS = ['magnitude', 'filters', 'channels', 'nm'];

export function pruneSettings(fn: string, o: PruneModelOptions = {}): PruneSettings {
  const base = common(fn, o);
  const method = o.method ?? 'magnitude';
  if (!PRUNE_METHODS.includes(method)) throw rangeError(fn, 'method', `one of ${PRUNE_METHODS.map((d) => `"${d}"`).join(', ')}`, method);
  const amount = o.amount ?? 0.5;
  if (typeof amount !== 'number' || !(amount >= 0 && amount <= 1)) throw rangeError(fn, 'amount', 'a fraction from 0 to 1', amount);
  const m = optionalInteger(fn, 'm', o.m, 1, 256, 4);
  const n = optionalInteger(fn, 'n', o.n, 1, m, 2);
  return { ...base, method: method as PruneSettings['method'], amount, n, m };
}
