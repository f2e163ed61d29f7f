/**
 * Reference of the sformat kernels (part of the reference backend): the sparse
 * storage formats of native/kernels/sformat/ref.cc. "Non-zero" means bits other
 * than ±0; values are copied as bits.
 */
function bitsOf(x: Float32Array): Uint32Array {
  return new Uint32Array(x.buffer, x.byteOffset, x.length);
}

const stored = (bits: number) => (bits & 0x7fffffff) !== 0;

export function countNonzeroF32(x: Float32Array): number {
  const b = bitsOf(x);
  let c = 0;
  for (let i = 0; i < b.length; i++) if (stored(b[i])) c++;
  return c;
}

export function csrCount(x: Float32Array, rows: number, cols: number, rowPtr: Int32Array): number {
  const b = bitsOf(x);
  let total = 0;
  rowPtr[0] = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) if (stored(b[r * cols + c])) total++;
    if (total > 0x7fffffff) return -1;
    rowPtr[r + 1] = total;
  }
  return total;
}

export function csrEncode(x: Float32Array, rows: number, cols: number, rowPtr: Int32Array, values: Float32Array, colIdx: Int32Array): number {
  const b = bitsOf(x);
  const v = bitsOf(values);
  for (let r = 0; r < rows; r++) {
    let j = rowPtr[r];
    for (let c = 0; c < cols; c++) {
      const bits = b[r * cols + c];
      if (!stored(bits)) continue;
      if (j >= rowPtr[r + 1]) return r;
      v[j] = bits;
      colIdx[j++] = c;
    }
    if (j !== rowPtr[r + 1]) return r;
  }
  return -1;
}

export function csrDecode(rowPtr: Int32Array, colIdx: Int32Array, values: Float32Array, rows: number, cols: number, out: Float32Array): number {
  const o = bitsOf(out);
  const v = bitsOf(values);
  o.fill(0);
  for (let r = 0; r < rows; r++) {
    let prev = -1;
    for (let j = rowPtr[r]; j < rowPtr[r + 1]; j++) {
      const c = colIdx[j];
      if (c <= prev || c >= cols) return j;
      o[r * cols + c] = v[j];
      prev = c;
    }
  }
  return -1;
}

export function bitmaskEncode(x: Float32Array, bits: Uint8Array, values: Float32Array): number {
  const b = bitsOf(x);
  const v = bitsOf(values);
  bits.fill(0);
  let j = 0;
  for (let i = 0; i < b.length; i++) {
    if (!stored(b[i])) continue;
    bits[i >> 3] |= 1 << (i & 7);
    v[j++] = b[i];
  }
  return j;
}

export function bitmaskDecode(bits: Uint8Array, values: Float32Array, out: Float32Array): number {
  let selected = 0;
  for (let i = 0; i < out.length; i++) selected += (bits[i >> 3] >> (i & 7)) & 1;
  if (selected > values.length) return 1;
  const o = bitsOf(out);
  const v = bitsOf(values);
  let j = 0;
  for (let i = 0; i < out.length; i++) o[i] = (bits[i >> 3] >> (i & 7)) & 1 ? v[j++] : 0;
  return -1;
}

export function pack24(x: Float32Array, rows: number, cols: number, values: Float32Array, meta: Uint8Array): number {
  const b = bitsOf(x);
  const v = bitsOf(values);
  const groups = cols / 4;
  const mrow = Math.ceil(cols / 8);
  meta.fill(0);
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < groups; g++) {
      const at = r * cols + 4 * g;
      const pos: number[] = [];
      for (let t = 0; t < 4; t++) {
        if (!stored(b[at + t])) continue;
        if (pos.length === 2) return r * groups + g;
        pos.push(t);
      }
      for (let t = 0; pos.length < 2; t++) if (!pos.includes(t)) pos.push(t);
      pos.sort((p, q) => p - q);
      v[r * (cols / 2) + 2 * g] = b[at + pos[0]];
      v[r * (cols / 2) + 2 * g + 1] = b[at + pos[1]];
      meta[r * mrow + (g >> 1)] |= (pos[0] | (pos[1] << 2)) << (4 * (g & 1));
    }
  }
  return -1;
}

export function unpack24(values: Float32Array, meta: Uint8Array, rows: number, cols: number, out: Float32Array): number {
  const o = bitsOf(out);
  const v = bitsOf(values);
  const groups = cols / 4;
  const mrow = Math.ceil(cols / 8);
  o.fill(0);
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < groups; g++) {
      const nib = (meta[r * mrow + (g >> 1)] >> (4 * (g & 1))) & 15;
      const i0 = nib & 3;
      const i1 = nib >> 2;
      if (i0 >= i1) return r * groups + g;
      o[r * cols + 4 * g + i0] = v[r * (cols / 2) + 2 * g];
      o[r * cols + 4 * g + i1] = v[r * (cols / 2) + 2 * g + 1];
    }
  }
  return -1;
}
