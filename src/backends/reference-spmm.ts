/**
 * Reference of the spmm kernels (part of the reference backend): plain loops with
 * float32 sums in index order, as native/kernels/spmm/ref.cc.
 */
export function csrMatVec(rowPtr: Int32Array, colIdx: Int32Array, values: Float32Array, rows: number, cols: number, x: Float32Array, y: Float32Array): number {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = rowPtr[r]; j < rowPtr[r + 1]; j++) {
      const c = colIdx[j];
      if (c < 0 || c >= cols) return 1;
      s = Math.fround(s + Math.fround(values[j] * x[c]));
    }
    y[r] = s;
  }
  return -1;
}

export function csrMatMul(rowPtr: Int32Array, colIdx: Int32Array, values: Float32Array, rows: number, cols: number, b: Float32Array, k: number, c: Float32Array): number {
  for (let r = 0; r < rows; r++) {
    const out = c.subarray(r * k, (r + 1) * k);
    out.fill(0);
    for (let j = rowPtr[r]; j < rowPtr[r + 1]; j++) {
      const col = colIdx[j];
      if (col < 0 || col >= cols) return 1;
      const v = values[j];
      for (let t = 0; t < k; t++) out[t] += Math.fround(v * b[col * k + t]);
    }
  }
  return -1;
}

export function denseMatVec(a: Float32Array, rows: number, cols: number, x: Float32Array, y: Float32Array): number {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s = Math.fround(s + Math.fround(a[r * cols + c] * x[c]));
    y[r] = s;
  }
  return 0;
}

export function denseMatMul(a: Float32Array, rows: number, inner: number, b: Float32Array, k: number, c: Float32Array): number {
  for (let r = 0; r < rows; r++) {
    const out = c.subarray(r * k, (r + 1) * k);
    out.fill(0);
    for (let i = 0; i < inner; i++) {
      const v = a[r * inner + i];
      for (let t = 0; t < k; t++) out[t] += Math.fround(v * b[i * k + t]);
    }
  }
  return 0;
}

const nibble = (meta: Uint8Array, at: number, g: number) => (meta[at + (g >> 1)] >> (4 * (g & 1))) & 15;

export function nm24MatVec(values: Float32Array, meta: Uint8Array, rows: number, cols: number, x: Float32Array, y: Float32Array): number {
  const groups = cols / 4;
  const mrow = Math.ceil(cols / 8);
  for (let r = 0; r < rows; r++) {
    const v = r * (cols / 2);
    let s = 0;
    for (let g = 0; g < groups; g++) {
      const nib = nibble(meta, r * mrow, g);
      s = Math.fround(s + Math.fround(values[v + 2 * g] * x[4 * g + (nib & 3)]));
      s = Math.fround(s + Math.fround(values[v + 2 * g + 1] * x[4 * g + (nib >> 2)]));
    }
    y[r] = s;
  }
  return 0;
}

export function nm24MatMul(values: Float32Array, meta: Uint8Array, rows: number, cols: number, b: Float32Array, k: number, c: Float32Array): number {
  const groups = cols / 4;
  const mrow = Math.ceil(cols / 8);
  for (let r = 0; r < rows; r++) {
    const v = r * (cols / 2);
    const out = c.subarray(r * k, (r + 1) * k);
    out.fill(0);
    for (let g = 0; g < groups; g++) {
      const nib = nibble(meta, r * mrow, g);
      const b0 = (4 * g + (nib & 3)) * k;
      const b1 = (4 * g + (nib >> 2)) * k;
      for (let t = 0; t < k; t++) out[t] += Math.fround(values[v + 2 * g] * b[b0 + t]);
      for (let t = 0; t < k; t++) out[t] += Math.fround(values[v + 2 * g + 1] * b[b1 + t]);
    }
  }
  return 0;
}
