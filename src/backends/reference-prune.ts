/**
 * Reference of the prune kernels (part of the reference backend): the semantics of
 * native/kernels/prune/ref.cc, with the same double arithmetic in the same order,
 * so norm sums and block scores are bit-identical to every native variant.
 */
import { NORM_L2, NORM_LP, NORM_MAX, type NormKind } from './sparse-ops.js';

const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const LN2 = 6.93147180559945309417e-1;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer); // little-endian: [low, high]

function lnOf(a: number): number {
  f64[0] = a;
  let e = ((u32[1] >>> 20) & 0x7ff) - 1022; // a = m · 2^e, m in [0.5, 1) (a is a normal double)
  u32[1] = (u32[1] & 0x000fffff) | 0x3fe00000;
  let m = f64[0];
  if (m < 0.7071067811865476) {
    m *= 2;
    e -= 1;
  }
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  let series = 1 / 25;
  for (let k = 23; k >= 1; k -= 2) series = 1 / k + s2 * series;
  return e * LN2_HI + (e * LN2_LO + 2 * s * series);
}

function expOf(y: number): number {
  if (y > 710) return Infinity;
  if (y < -746) return 0;
  const kd = y / LN2;
  const k = Math.trunc(kd < 0 ? kd - 0.5 : kd + 0.5);
  const r = y - k * LN2_HI - k * LN2_LO;
  let t = 1;
  for (let i = 16; i >= 1; --i) t = 1 + (t * r) / i;
  let v = t;
  let kk = k;
  while (kk > 1000) {
    v *= 2 ** 1000;
    kk -= 1000;
    if (v > Number.MAX_VALUE) return v;
  }
  while (kk < -1000) {
    v *= 2 ** -1000;
    kk += 1000;
    if (v === 0) return 0;
  }
  return v * 2 ** kk;
}

/** |x|^p from + − × ÷ alone, as native/kernels/prune/pow_abs.h. */
export function powAbs(x: number, p: number): number {
  const a = Math.abs(x);
  if (a === 0) return 0;
  if (a === Infinity) return a;
  if (p === 1) return a;
  if (p === 2) return a * a;
  return expOf(p * lnOf(a));
}

function normTerm(x: number, kind: NormKind, p: number): number {
  const a = Math.abs(x);
  if (kind === NORM_L2) return a * a;
  if (kind === NORM_LP) return powAbs(x, p);
  return a;
}

export function sliceNormSums(x: Float32Array, outer: number, axisLen: number, inner: number, kind: NormKind, p: number, sums: Float64Array): number {
  for (let i = 0; i < x.length; i++) if (Number.isNaN(x[i])) return i;
  const lane = new Float64Array(8);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < axisLen; j++) {
      const base = (o * axisLen + j) * inner;
      if (kind === NORM_MAX) {
        let m = sums[j];
        for (let i = 0; i < inner; i++) m = Math.max(m, Math.abs(x[base + i]));
        sums[j] = m;
        continue;
      }
      lane.fill(0);
      for (let i = 0; i < inner; i++) lane[i % 8] += normTerm(x[base + i], kind, p);
      sums[j] += lane[0] + lane[1] + (lane[2] + lane[3]) + (lane[4] + lane[5] + (lane[6] + lane[7]));
    }
  }
  return -1;
}

export function blockPool(x: Float32Array, rows: number, cols: number, bh: number, bw: number, mode: number, out: Float32Array): number {
  for (let i = 0; i < x.length; i++) if (Number.isNaN(x[i])) return i;
  const perRow = Math.ceil(cols / bw);
  for (let r0 = 0, br = 0; r0 < rows; r0 += bh, br++) {
    const r1 = Math.min(rows, r0 + bh);
    for (let c0 = 0, b = 0; c0 < cols; c0 += bw, b++) {
      const c1 = Math.min(cols, c0 + bw);
      let s = 0;
      for (let c = c0; c < c1; c++) {
        let col = 0;
        for (let r = r0; r < r1; r++) {
          const a = Math.abs(x[r * cols + c]);
          col = mode === 1 ? Math.max(col, a) : col + a;
        }
        s = mode === 1 ? Math.max(s, col) : s + col;
      }
      out[br * perRow + b] = mode === 1 ? s : s / ((r1 - r0) * (c1 - c0));
    }
  }
  return -1;
}

export function expandBlockMask(bm: Uint8Array, rows: number, cols: number, bh: number, bw: number, mask: Uint8Array): number {
  const perRow = Math.ceil(cols / bw);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) mask[r * cols + c] = bm[Math.floor(r / bh) * perRow + Math.floor(c / bw)];
  }
  return 0;
}

export function nmMask(x: Float32Array, outer: number, axisLen: number, inner: number, n: number, m: number, mask: Uint8Array): number {
  const keys = new Uint32Array(x.buffer, x.byteOffset, x.length).map((b) => b & 0x7fffffff);
  for (let i = 0; i < keys.length; i++) if (keys[i] > 0x7f800000) return i;
  for (let o = 0; o < outer; o++) {
    for (let g = 0; g < axisLen; g += m) {
      for (let i = 0; i < inner; i++) {
        const base = (o * axisLen + g) * inner + i;
        for (let t = 0; t < m; t++) {
          const kt = keys[base + t * inner];
          let above = 0;
          for (let u = 0; u < m; u++) {
            const ku = keys[base + u * inner];
            if (ku > kt || (ku === kt && u > t)) above++;
          }
          mask[base + t * inner] = above < n ? 1 : 0;
        }
      }
    }
  }
  return -1;
}

export function taylorAccumulate(w: Float32Array, g: Float32Array, beta: number, score: Float32Array): number {
  const b = Math.fround(beta);
  for (let i = 0; i < w.length; i++) {
    const t = Math.abs(Math.fround(w[i] * g[i]));
    score[i] = Math.fround(b * score[i]) + t;
  }
  return 0;
}
