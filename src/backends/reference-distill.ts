/**
 * Reference of the distill kernels (part of the reference backend): the semantics
 * of native/kernels/distill/ref.cc, in double with Math.exp / Math.log.
 */
import type { DistillOps } from './distill-ops.js';

/** [m, log S] of a row of z · invT (m the max, S = Σ exp(y − m)). */
function rowLse(z: Float32Array, at: number, cols: number, invT: number): [number, number] {
  let m = -Infinity;
  for (let j = 0; j < cols; j++) m = Math.max(m, Math.fround(z[at + j] * invT));
  let s = 0;
  for (let j = 0; j < cols; j++) s += Math.exp(Math.fround(z[at + j] * invT) - m);
  return [m, Math.log(s)];
}

function klRow(s: Float32Array, at: number, cols: number, invT: number, pOf: (j: number) => number, gradScale: number, kl: Float64Array, ce: Float64Array, grad: Float32Array, r: number): void {
  const [m, ls] = rowLse(s, at, cols, invT);
  let k = 0;
  let c = 0;
  let psum = 0;
  for (let j = 0; j < cols; j++) {
    const p = pOf(j);
    psum += p;
    if (p > 0) {
      const logQ = Math.fround(s[at + j] * invT) - m - ls;
      k += p * (Math.log(p) - logQ);
      c -= p * logQ;
    }
  }
  if (kl.length) kl[r] = k;
  if (ce.length) ce[r] = c;
  if (grad.length) {
    for (let j = 0; j < cols; j++) {
      const q = Math.exp(Math.fround(s[at + j] * invT) - m - ls);
      grad[at + j] += gradScale * (q * psum - pOf(j));
    }
  }
}

export const referenceDistillOps: DistillOps = {
  softmaxRows(z, rows, cols, invT, log, out) {
    const t = Math.fround(invT);
    for (let r = 0; r < rows; r++) {
      const [m, ls] = rowLse(z, r * cols, cols, t);
      for (let j = 0; j < cols; j++) {
        const y = Math.fround(z[r * cols + j] * t) - m - ls;
        out[r * cols + j] = log ? y : Math.exp(y);
      }
    }
    return 0;
  },
  klRows(s, t, rows, cols, invT, teacherProbs, gradScale, kl, ce, grad) {
    const it = Math.fround(invT);
    const gs = Math.fround(gradScale);
    for (let r = 0; r < rows; r++) {
      const at = r * cols;
      const [tm, tls] = teacherProbs ? [0, 0] : rowLse(t, at, cols, it);
      const pOf = teacherProbs ? (j: number) => t[at + j] : (j: number) => Math.exp(Math.fround(t[at + j] * it) - tm - tls);
      klRow(s, at, cols, it, pOf, gs, kl, ce, grad, r);
    }
    return 0;
  },
  klTopkRows(s, idx, p, rest, rows, cols, k, invT, gradScale, kl, ce, grad) {
    for (let r = 0; r < rows; r++) for (let i = 0; i < k; i++) if (idx[r * k + i] < 0 || idx[r * k + i] >= cols) return r;
    const dense = new Float64Array(cols);
    for (let r = 0; r < rows; r++) {
      dense.fill(k < cols ? rest[r] / (cols - k) : 0);
      for (let i = 0; i < k; i++) dense[idx[r * k + i]] = p[r * k + i];
      klRow(s, r * cols, cols, Math.fround(invT), (j) => dense[j], Math.fround(gradScale), kl, ce, grad, r);
    }
    return -1;
  },
  ceRows(s, labels, rows, cols, ignore, eps, gradScale, loss, grad) {
    const e = Math.fround(eps);
    const gs = Math.fround(gradScale);
    for (let r = 0; r < rows; r++) {
      const y = labels[r];
      if (y === ignore) {
        loss[r] = 0;
        continue;
      }
      if (y < 0 || y >= cols) return r;
      const at = r * cols;
      const [m, ls] = rowLse(s, at, cols, 1);
      let sumLogQ = 0;
      for (let j = 0; j < cols; j++) sumLogQ += s[at + j] - m - ls;
      loss[r] = -(1 - e) * (s[at + y] - m - ls) - (e / cols) * sumLogQ;
      if (grad.length) {
        for (let j = 0; j < cols; j++) {
          const q = Math.exp(s[at + j] - m - ls);
          grad[at + j] += gs * (q - ((j === y ? 1 - e : 0) + e / cols));
        }
      }
    }
    return -1;
  },
  sqDiff(s, t, gradScale, grad, sum) {
    const gs = Math.fround(gradScale);
    let acc = 0;
    for (let i = 0; i < s.length; i++) {
      const d = s[i] - t[i];
      acc += d * d;
      if (grad.length) grad[i] += gs * d;
    }
    sum[0] = acc;
    return 0;
  },
  cosineRows(s, t, rows, cols, eps, gradScale, loss, grad) {
    const e = Math.fround(eps);
    const gs = Math.fround(gradScale);
    for (let r = 0; r < rows; r++) {
      const at = r * cols;
      let dot = 0;
      let ss = 0;
      let tt = 0;
      for (let j = 0; j < cols; j++) {
        dot += s[at + j] * t[at + j];
        ss += s[at + j] * s[at + j];
        tt += t[at + j] * t[at + j];
      }
      const sn = Math.sqrt(ss);
      const ns = Math.max(sn, e);
      const nt = Math.max(Math.sqrt(tt), e);
      const cos = dot / (ns * nt);
      loss[r] = 1 - cos;
      if (grad.length) {
        const a = 1 / (ns * nt);
        const b = sn > e ? cos / (ns * ns) : 0;
        for (let j = 0; j < cols; j++) grad[at + j] += -gs * (a * t[at + j] - b * s[at + j]);
      }
    }
    return 0;
  },
  channelMeanSq(a, batch, channels, spatial, out) {
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < spatial; i++) {
        let sum = 0;
        for (let c = 0; c < channels; c++) sum += a[(b * channels + c) * spatial + i] ** 2;
        out[b * spatial + i] = sum / channels;
      }
    }
    return 0;
  },
  scaleByMap(a, g, batch, channels, spatial, grad) {
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < channels; c++) {
        for (let i = 0; i < spatial; i++) {
          const at = (b * channels + c) * spatial + i;
          grad[at] += Math.fround(g[b * spatial + i] * a[at]);
        }
      }
    }
    return 0;
  },
};
