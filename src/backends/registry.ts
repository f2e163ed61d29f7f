/**
 * Which backend runs the kernels.
 *
 * Auto (default): native, else WASM; the reference backend is never auto-selected.
 * Explicit (MODELPRESS_BACKEND or setBackend): that backend or an error — never a
 * silent fallback. MODELPRESS_CPU caps the CPU variant of the backend that loads.
 */
import { backendUnavailable, rangeError } from '../errors.js';
import type { Backend, BackendName } from './backend.js';
import { loadNativeBackend } from './native.js';
import { referenceBackend } from './reference.js';
import { loadWasmBackend } from './wasm.js';

const BACKENDS: readonly BackendName[] = ['native', 'wasm', 'reference'];
/** Every CPU variant name any backend knows, best first within each family. */
const CPU_VARIANTS = ['avx512bf16', 'avx512', 'avx2', 'neon', 'simd128', 'scalar'] as const;

type LoadResult = { backend: Backend } | { error: Error };
const loaded = new Map<BackendName, LoadResult>();
let active: Backend | undefined;

function load(name: BackendName): LoadResult {
  let result = loaded.get(name);
  if (result === undefined) {
    try {
      const backend = name === 'native' ? loadNativeBackend() : name === 'wasm' ? loadWasmBackend() : referenceBackend;
      applyCpuEnv(backend);
      result = { backend };
    } catch (error) {
      result = { error: error instanceof Error ? error : new Error(String(error)) };
    }
    loaded.set(name, result);
  }
  return result;
}

/**
 * MODELPRESS_CPU=<variant>: cap every backend at that variant. A name another
 * backend's family uses (avx2 for WASM, say) leaves this backend as it is; an
 * unknown name is an error.
 */
function applyCpuEnv(backend: Backend): void {
  const cap = process.env.MODELPRESS_CPU;
  if (cap === undefined || cap === '') return;
  if (!(CPU_VARIANTS as readonly string[]).includes(cap)) {
    throw rangeError('MODELPRESS_CPU', 'MODELPRESS_CPU', `one of ${CPU_VARIANTS.join(', ')}`, cap);
  }
  if (backend.compiledVariants().includes(cap)) backend.setCpuCap(cap);
  else if (cap === 'scalar' && backend.name === 'reference') backend.setCpuCap(cap);
}

function checkName(fn: string, name: unknown): BackendName {
  if (!(BACKENDS as readonly unknown[]).includes(name)) {
    throw rangeError(fn, 'backend', `one of ${BACKENDS.map((b) => `"${b}"`).join(', ')}`, name);
  }
  return name as BackendName;
}

function loadOrThrow(name: BackendName, origin: string): Backend {
  const result = load(name);
  if ('error' in result) {
    throw backendUnavailable(`modelpress: the ${name} backend was requested (${origin}) but cannot load:\n${result.error.message}`);
  }
  return result.backend;
}

/** The backend in use, chosen on first call. */
export function getBackend(): Backend {
  if (active !== undefined) return active;
  const env = process.env.MODELPRESS_BACKEND;
  if (env !== undefined && env !== '') {
    active = loadOrThrow(checkName('MODELPRESS_BACKEND', env), `MODELPRESS_BACKEND=${env}`);
    return active;
  }
  const errors: string[] = [];
  for (const name of ['native', 'wasm'] as const) {
    const result = load(name);
    if ('backend' in result) return (active = result.backend);
    errors.push(`${name}: ${result.error.message}`);
  }
  throw backendUnavailable(`modelpress: no backend could load.\n${errors.join('\n')}`);
}

export interface SetBackendOptions {
  /** Cap the CPU variant ("avx2", "scalar", …); must be compiled into that backend. */
  cpu?: string;
}

/** Choose the backend explicitly; throws with the reason if it cannot load. */
export function setBackend(name: BackendName, options: SetBackendOptions = {}): void {
  const backend = loadOrThrow(checkName('setBackend', name), `setBackend("${name}")`);
  if (options.cpu !== undefined) {
    if (!backend.compiledVariants().includes(options.cpu)) {
      throw rangeError('setBackend', 'options.cpu', `one of ${backend.compiledVariants().join(', ')} for the ${name} backend`, options.cpu);
    }
    backend.setCpuCap(options.cpu);
  }
  active = backend;
}

export interface BackendInfo {
  /** The backend in use. */
  backend: BackendName;
  /** Its CPU variant in use. */
  cpuVariant: string;
  /** Variants compiled into it, best first. */
  compiledVariants: string[];
  /** Variants this machine can run, best first. */
  supportedVariants: string[];
  /** For each backend that cannot load: why. */
  unavailable: Partial<Record<BackendName, string>>;
}

export function backendInfo(): BackendInfo {
  const backend = getBackend();
  const unavailable: Partial<Record<BackendName, string>> = {};
  for (const name of ['native', 'wasm'] as const) {
    const result = load(name);
    if ('error' in result) unavailable[name] = result.error.message;
  }
  return {
    backend: backend.name,
    cpuVariant: backend.cpuVariant(),
    compiledVariants: backend.compiledVariants(),
    supportedVariants: backend.supportedVariants(),
    unavailable,
  };
}

/** One line a backend, for server logs. */
export function formatBackendInfo(info: BackendInfo = backendInfo()): string {
  const lines = [`modelpress backend: ${info.backend} (${info.cpuVariant}; compiled: ${info.compiledVariants.join(', ')})`];
  for (const [name, why] of Object.entries(info.unavailable)) lines.push(`${name} unavailable: ${why.split('\n')[0]}`);
  return lines.join('\n');
}
