/** Shared helpers of the test suite: deterministic data and the backend matrix. */
import { backendInfo, setBackend, type BackendName } from '../dist/index.js';

/** mulberry32: a tiny deterministic PRNG so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Combo {
  backend: BackendName;
  cpu: string;
  label: string;
}

/**
 * Every backend and CPU variant this machine can run. The native addon must
 * load: a test run that silently lost it would prove nothing about it. Set
 * MODELPRESS_TEST_WITHOUT_NATIVE=1 only on a machine with no C++ toolchain.
 */
export function backendMatrix(): Combo[] {
  const combos: Combo[] = [];
  for (const backend of ['native', 'wasm'] as const) {
    try {
      setBackend(backend);
    } catch (error) {
      if (backend === 'native' && process.env.MODELPRESS_TEST_WITHOUT_NATIVE === '1') continue;
      throw error;
    }
    for (const cpu of backendInfo().supportedVariants) combos.push({ backend, cpu, label: `${backend}/${cpu}` });
  }
  setBackend('reference');
  return combos;
}

export function use(combo: Combo): void {
  setBackend(combo.backend, { cpu: combo.cpu });
}

/** Bit pattern of float32 values, so that -0/+0 and NaN payloads compare exactly. */
export function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

/** Float32 values that stress every branch of quantization. */
export const SPECIALS = [
  NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 1.1754942e-38, 3.4028235e38, -3.4028235e38,
  0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 127.5, -128.5, 254.5, 255.5, 1e6, -1e6,
];

/** Index of the first element where two arrays differ (or their lengths do), else -1. Fast on large arrays. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** Asserts equality of two integer arrays, reporting the first differing element. */
export function sameElements(got: ArrayLike<number>, want: ArrayLike<number>, label: string): void {
  const i = firstDifference(got, want);
  if (i >= 0) {
    throw new Error(`${label}: first difference at index ${i}: got ${got[i]}, want ${want[i]} (lengths ${got.length}, ${want.length})`);
  }
}
