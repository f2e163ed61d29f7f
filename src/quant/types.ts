/** Public types of the quantization API. */

export type QuantDType = 'int8' | 'uint8';

/** With the 4-bit types of ONNX opset 21, stored two per byte (low nibble first). */
export type AnyQuantDType = QuantDType | 'int4' | 'uint4';

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
   * 'int4' / 'uint4' return a Uint8Array of ceil(n / 2) bytes, two values per byte,
   * the lower index in the low nibble.
   */
  dtype?: AnyQuantDType;
  /** Axis of per-axis or blocked parameters (negative counts from the end); needs `shape`. */
  axis?: number;
  /** Row-major shape of x; needed with per-axis or blocked parameters. */
  shape?: readonly number[];
  /**
   * Blocked quantization (ONNX opset 21 `block_size`): the scale (and zero point)
   * has x's shape with shape[axis] replaced by ceil(shape[axis] / blockSize);
   * element (…, a, …) uses the parameter of block floor(a / blockSize).
   */
  blockSize?: number;
  /** Write here instead of allocating (Int8Array for int8, Uint8Array otherwise, of the output's length). */
  out?: QuantArray;
}

export interface DequantizeLinearOptions {
  scale: ScaleInput;
  zeroPoint?: ZeroPointInput;
  axis?: number;
  /** Needed with per-axis or blocked parameters, and for a 4-bit q holding an odd count. */
  shape?: readonly number[];
  /** 'int4' / 'uint4' when q is packed 4-bit data (a Uint8Array); otherwise q's type decides. */
  dtype?: AnyQuantDType;
  blockSize?: number;
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
