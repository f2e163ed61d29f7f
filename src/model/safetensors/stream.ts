/**
 * Tensor-at-a-time I/O for the streaming commands: one raw buffer, sized for
 * the largest tensor processed, is reused for every read (fresh memory is slow
 * to fault in), and float tensors are widened to float32 in a reused buffer too.
 */
import { fromBFloat16, fromFloat16 } from '../../quant/cast.js';
import type { AtomicFile } from '../atomic.js';
import { shapeCount, viewAs, type SafetensorsArray, type SafetensorsDType } from './dtypes.js';
import type { SafetensorsEntry, SafetensorsHeader } from './header.js';
import { readExactly } from './read.js';

const COPY_CHUNK = 8 << 20;

export class TensorStream {
  private raw: Uint8Array;
  private wide: Float32Array;

  constructor(
    private readonly fd: number,
    private readonly header: SafetensorsHeader,
    private readonly fail: (problem: string) => Error,
    /** The largest tensor (bytes) that will be read whole, and its element count if it needs widening. */
    maxBytes: number,
    maxWidenElements: number,
  ) {
    this.raw = new Uint8Array(Math.max(maxBytes, COPY_CHUNK));
    this.wide = new Float32Array(maxWidenElements);
  }

  /** The tensor's bytes, in the reused buffer (valid until the next read). */
  readRaw(t: SafetensorsEntry): Uint8Array {
    const bytes = this.raw.subarray(0, t.end - t.begin);
    readExactly(this.fd, bytes, this.header.dataOffset + t.begin, this.fail);
    return bytes;
  }

  /** The float tensor as float32: a view of the raw buffer for F32, else widened into the reused buffer. */
  readFloat32(t: SafetensorsEntry): { raw: Uint8Array; x: Float32Array } {
    const raw = this.readRaw(t);
    return { raw, x: this.widen(t.dtype, raw, shapeCount(t.shape)) };
  }

  widen(dtype: SafetensorsDType, raw: Uint8Array, n: number): Float32Array {
    if (dtype === 'F32') return viewAs('F32', raw) as Float32Array;
    return widenInto(dtype, viewAs(dtype, raw), this.wide.subarray(0, n));
  }

  /** Copy a tensor's bytes unchanged to `file`, in chunks. */
  copy(t: SafetensorsEntry, file: AtomicFile): void {
    for (let at = t.begin; at < t.end; at += this.raw.length) {
      const chunk = this.raw.subarray(0, Math.min(this.raw.length, t.end - at));
      readExactly(this.fd, chunk, this.header.dataOffset + at, this.fail);
      file.write(chunk);
    }
  }
}

/** A float tensor (F32, F16, BF16, F64) as float32, written into `out`. */
export function widenInto(dtype: SafetensorsDType, data: SafetensorsArray, out: Float32Array): Float32Array {
  if (dtype === 'F32') out.set(data as Float32Array);
  else if (dtype === 'F16') fromFloat16(data as Uint16Array, { out });
  else if (dtype === 'BF16') fromBFloat16(data as Uint16Array, { out });
  else if (dtype === 'F64') {
    const d = data as Float64Array;
    for (let i = 0; i < out.length; i++) out[i] = d[i];
  } else throw new Error(`widenInto: ${dtype} is not a float dtype`);
  return out;
}

/** A float tensor as a fresh Float32Array. */
export function toFloat32(dtype: SafetensorsDType, data: SafetensorsArray): Float32Array {
  return widenInto(dtype, data, new Float32Array(data.length));
}
