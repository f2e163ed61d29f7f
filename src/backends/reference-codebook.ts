/**
 * Reference of non-uniform quantization (part of the reference backend): the 1-D
 * k-means of mp_kmeans step by step (native/dispatch/kmeans.cc), table lookup and
 * power-of-two codes (native/kernels/codebook/ref.cc). Float32 steps use
 * Math.fround; sums are doubles added in index order, as in the C++.
 */
import type { KmeansParams } from './backend.js';

const f = Math.fround;

/** xoshiro128** seeded by splitmix32 (as KmeansRandom in native/dispatch/kmeans.cc). */
export class KmeansRandom {
  private readonly s = new Uint32Array(4);

  constructor(seed: number) {
    let state = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  next(): number {
    const s = this.s;
    const rotl = (v: number, k: number) => ((v << k) | (v >>> (32 - k))) >>> 0;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  uniform(): number {
    return (this.next() >>> 8) * 2 ** -24;
  }
}

function initPlusPlus(sample: Float32Array, k: number, rng: KmeansRandom, centroids: Float32Array): void {
  const m = sample.length;
  const d2 = new Float32Array(m).fill(Infinity);
  centroids[0] = sample[Math.floor(rng.uniform() * m)];
  for (let c = 1; c < k; c++) {
    const prev = centroids[c - 1];
    let total = 0;
    for (let i = 0; i < m; i++) {
      const d = f(sample[i] - prev);
      const s = f(d * d);
      if (s < d2[i]) d2[i] = s;
      total += d2[i];
    }
    if (total === 0) {
      centroids.fill(centroids[c - 1], c);
      return;
    }
    const target = rng.uniform() * total;
    let running = 0;
    let pick = m;
    for (let i = 0; i < m; i++) {
      running += d2[i];
      if (running > target) {
        pick = i;
        break;
      }
    }
    if (pick === m) {
      pick = m - 1;
      while (d2[pick] === 0) pick--;
    }
    centroids[c] = sample[pick];
  }
}

/** idx[i] = #{j : bounds[j] < x[i]}. */
function assign(x: Float32Array, bounds: Float32Array, idx: Uint8Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    let lo = 0;
    let hi = bounds.length; // binary search for the count of bounds < v
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (bounds[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    idx[i] = lo;
  }
}

export function kmeans(x: Float32Array, p: KmeansParams, centroids: Float32Array, idx: Uint8Array): number {
  const n = x.length;
  const { k } = p;
  const stride = p.initSample >= n ? 1 : Math.ceil(n / p.initSample);
  const sample = stride === 1 ? x : Float32Array.from({ length: Math.ceil(n / stride) }, (_, i) => x[i * stride]);
  initPlusPlus(sample, k, new KmeansRandom(p.seed), centroids);
  centroids.sort();
  const bounds = new Float32Array(k - 1);
  const sums = new Float64Array(k);
  const counts = new Float64Array(k);
  let it = 0;
  for (;;) {
    for (let j = 0; j + 1 < k; j++) bounds[j] = (centroids[j] + centroids[j + 1]) / 2;
    assign(x, bounds, idx);
    if (it === p.maxIter) break;
    it++;
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      sums[idx[i]] += x[i];
      counts[idx[i]]++;
    }
    let changed = false;
    for (let j = 0; j < k; j++) {
      if (counts[j] === 0) continue;
      const c = f(sums[j] / counts[j]);
      if (c !== centroids[j]) changed = true;
      centroids[j] = c;
    }
    if (!changed) break;
  }
  return it;
}

export function lookup(idx: Uint8Array, table: Float32Array, out: Float32Array): void {
  // As bits, so that any NaN in the table is copied exactly.
  const t = new Uint32Array(table.buffer, table.byteOffset, 256);
  const o = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < idx.length; i++) o[i] = t[idx[i]];
}

/** The exponent of the power of two nearest to a > 0 (ties to the larger). */
function nearestExponent(a: number): number {
  const e = Math.floor(Math.log2(a));
  // log2 may be off by one next to powers of two: settle it exactly.
  const lower = 2 ** e > a ? e - 1 : 2 ** (e + 1) <= a ? e + 1 : e;
  return a >= 1.5 * 2 ** lower ? lower + 1 : lower;
}

export function pow2Quantize(x: Float32Array, emin: number, emax: number, codes: Int8Array): void {
  const halfMin = 2 ** (emin - 1);
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    let code = 0;
    if (a >= halfMin) {
      const e = Math.min(emax, Math.max(emin, nearestExponent(a)));
      code = emax - e + 1;
      if (x[i] < 0) code = -code;
    }
    codes[i] = code;
  }
}
