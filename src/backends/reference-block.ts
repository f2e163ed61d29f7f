/**
 * Reference of the blocked layout, 4-bit packing and one-pass group quantization
 * (part of the reference backend): the semantics of native/dispatch/block_abi.cc,
 * blocked_layout.h and native/kernels/int4/ref.cc.
 */
import { qparamsForRange } from '../quant/range.js';
import type { ByteArray, GroupLayout, QType, QType4 } from './backend.js';
import { QTYPE_RANGES } from './qtypes.js';
import { quantizeOne } from './reference.js';

export function isPacked(qtype: QType): qtype is QType4 {
  return qtype === 3 || qtype === 4;
}

/** Parameter of element i in the blocked layout: (o · nb + floor(a / blockSize)) · inner + j. */
export function blockedParamIndex(i: number, axisLen: number, inner: number, blockSize: number): number {
  const nb = Math.ceil(axisLen / blockSize);
  const o = Math.floor(i / (axisLen * inner));
  const a = Math.floor(i / inner) % axisLen;
  const j = i % inner;
  return (o * nb + Math.floor(a / blockSize)) * inner + j;
}

export function packInt4(values: ByteArray, out: Uint8Array, qtype: QType4): number {
  const [qmin, qmax] = QTYPE_RANGES[qtype];
  const signed = qtype === 3;
  for (let i = 0; i < values.length; i++) {
    const v = signed ? (values[i] << 24) >> 24 : values[i] & 0xff;
    if (v < qmin || v > qmax) return i;
  }
  for (let i = 0; i < values.length; i += 2) {
    const hi = i + 1 < values.length ? values[i + 1] & 0xf : 0;
    out[i >> 1] = (values[i] & 0xf) | (hi << 4);
  }
  return -1;
}

export function unpackInt4(packed: Uint8Array, out: ByteArray, qtype: QType4): void {
  const signed = qtype === 3;
  for (let i = 0; i < out.length; i++) {
    const nibble = (packed[i >> 1] >> (4 * (i & 1))) & 0xf;
    out[i] = signed && nibble & 8 ? nibble - 16 : nibble;
  }
}

export function quantizeGroups(x: Float32Array, out: ByteArray, g: GroupLayout, scales: Float32Array, zeroPoints: Int32Array): number {
  const [qmin, qmax] = QTYPE_RANGES[g.qtype];
  const packed = isPacked(g.qtype);
  const values = packed ? new Int8Array(x.length) : out;
  let block = 0;
  for (let rowStart = 0; rowStart < x.length; rowStart += g.cols) {
    for (let start = rowStart; start < rowStart + g.cols; start += g.blockSize, block++) {
      const end = Math.min(start + g.blockSize, rowStart + g.cols);
      let mn = Infinity;
      let mx = -Infinity;
      for (let i = start; i < end; i++) {
        const v = x[i];
        if (!Number.isFinite(v)) return i;
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
      const qp = qparamsForRange(mn + 0, mx + 0, qmin, qmax, g.symmetric);
      scales[block] = qp.scale;
      zeroPoints[block] = qp.zeroPoint;
      for (let i = start; i < end; i++) values[i] = quantizeOne(x[i], scales[block], qp.zeroPoint, qmin, qmax);
    }
  }
  if (packed) packInt4(values, out as Uint8Array, g.qtype as QType4);
  return -1;
}
