/** Public types of the quantization API. */

export type QuantDType = 'int8' | 'uint8';

export type QuantArray = Int8Array | Uint8Array;

/** A scale: one number (per tensor) or one per slice along `axis` (per axis). */
export type ScaleInput = number | Float32Array | ArrayLike<number>;

/** A zero point: one integer, or one per slice along `axis`. */
export type ZeroPointInput = number | Int8Array | Uint8Array | Int32Array | ArrayLike<number>;

export interface QuantizeLinearOptions {
  /** Scale(s); a single value is per tensor, an array of shape[axis] values is per axis. */
  scale: ScaleInput;
  /** Zero point(s), default 0; same count as scale. */
  zeroPoint?: ZeroPointInput;
  /**
   * Output type. Default as ONNX: the type of a typed-array zeroPoint, else 'uint8'.
   */
  dtype?: QuantDType;
  /** Axis of per-axis parameters (negative counts from the end); needs `shape`. */
  axis?: number;
  /** Row-major shape of x; needed with per-axis parameters. */
  shape?: readonly number[];
  /** Write here instead of allocating (Int8Array for int8, Uint8Array for uint8, x.length). */
  out?: QuantArray;
}

export interface DequantizeLinearOptions {
  scale: ScaleInput;
  zeroPoint?: ZeroPointInput;
  axis?: number;
  shape?: readonly number[];
  out?: Float32Array;
}

export interface QuantizeOptions {
  /** 'int8' (default) or 'uint8'. */
  dtype?: QuantDType;
  /** Symmetric range around 0 (default for int8) or affine min/max range (default for uint8). */
  symmetric?: boolean;
  /** Per-axis quantization along this axis (needs `shape`); per tensor when absent. */
  axis?: number;
  shape?: readonly number[];
  out?: QuantArray;
}

/** What quantize() returns and dequantize() takes. */
export interface QuantizedTensor {
  data: QuantArray;
  /** A number per tensor; a Float32Array of shape[axis] values per axis. */
  scale: number | Float32Array;
  /** A number per tensor; an array of the data's type per axis (as ONNX stores it). */
  zeroPoint: number | QuantArray;
  dtype: QuantDType;
  symmetric: boolean;
  /** The normalised (non-negative) axis, or undefined per tensor. */
  axis: number | undefined;
  shape: number[] | undefined;
}
