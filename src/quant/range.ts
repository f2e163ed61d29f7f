/**
 * Quantization parameters from a value range, in float32 arithmetic (Math.fround
 * at every step, as the float32 formulas of ONNX and onnxruntime compute them).
 * native/dispatch/qparams.h is the C++ twin (used by the one-pass group kernels);
 * the two must agree bit for bit.
 *
 * Affine (symmetric = false), ONNX DynamicQuantizeLinear generalised to any qtype:
 *   rmin = min(0, min(x)), rmax = max(0, max(x))        (the range holds 0 exactly)
 *   scale = (rmax - rmin) / (qmax - qmin)
 *   zeroPoint = round_half_to_even(saturate(qmin - rmin / scale))
 * Symmetric, as onnxruntime.quantization's compute_scale_zp:
 *   int8:  scale = absmax / 127,      zeroPoint = 0     (q in [-127, 127])
 *   uint8: scale = 2 · absmax / 255,  zeroPoint = 128
 *   int4:  scale = absmax / 7,        zeroPoint = 0     (q in [-7, 7])
 *   uint4: scale = 2 · absmax / 15,   zeroPoint = 8
 * Degenerate ranges: if the range is empty (all zeros) the scale is 1 (as
 * onnxruntime's DynamicQuantizeLinear), so dequantize gives back the zeros; if a
 * tiny range makes the scale underflow to 0 the scale is 2^-149, the smallest
 * float32, which still represents such values exactly. No NaN scale ever results.
 */
import { roundHalfToEven } from '../backends/reference.js';
import { DTYPE_RANGE } from './params.js';
import type { QuantDType } from './types.js';

const f = Math.fround;
const SMALLEST_FLOAT32 = 2 ** -149;

export interface QParams {
  scale: number;
  zeroPoint: number;
}

/** The rules above for the integer range [qmin, qmax] (signed when qmin < 0). */
export function qparamsForRange(min: number, max: number, qmin: number, qmax: number, symmetric: boolean): QParams {
  const rmin = Math.min(0, min) + 0;
  const rmax = Math.max(0, max) + 0;
  if (symmetric) {
    const absmax = Math.max(-rmin, rmax);
    const signed = qmin < 0;
    const zeroPoint = signed ? 0 : (qmax + 1) / 2;
    if (absmax === 0) return { scale: 1, zeroPoint };
    // 2·absmax/255 = absmax/127.5 exactly; dividing by 127.5 cannot overflow near FLT_MAX.
    const scale = signed ? f(absmax / qmax) : f(absmax / (qmax / 2));
    return { scale: scale > 0 ? scale : SMALLEST_FLOAT32, zeroPoint };
  }
  let scale: number;
  if (rmax === rmin) scale = 1;
  else {
    scale = f(f(rmax - rmin) / (qmax - qmin));
    // rmax - rmin can overflow float32 (e.g. ±3e38): divide first then.
    if (scale === Infinity) scale = f(f(rmax / (qmax - qmin)) - f(rmin / (qmax - qmin)));
    if (!(scale > 0)) scale = SMALLEST_FLOAT32;
  }
  const initial = f(qmin - f(rmin / scale));
  const zeroPoint = roundHalfToEven(Math.min(qmax, Math.max(qmin, initial))) + 0; // never -0
  return { scale, zeroPoint };
}

export function qparamsFromRange(min: number, max: number, dtype: QuantDType, symmetric: boolean): QParams {
  const [qmin, qmax] = DTYPE_RANGE[dtype];
  return qparamsForRange(min, max, qmin, qmax, symmetric);
}
