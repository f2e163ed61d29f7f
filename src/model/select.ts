/**
 * Which tensors a command touches. Names are matched with glob patterns
 * (`*` any run of characters, `?` one, `{a,b}` either) or, written `/…/`,
 * regular expressions. Small tensors and vectors (biases, norm scales)
 * stay as they are by default: they cost little and are sensitive to error.
 */
import picomatch from 'picomatch';
import { rangeError, typeError } from '../errors.js';

export interface SelectOptions {
  /** Only tensors whose name matches one of these patterns (all when absent). */
  include?: string[];
  /** Never tensors whose name matches one of these patterns. */
  exclude?: string[];
  /** Tensors with fewer elements are kept as they are (default 1024). */
  minElements?: number;
  /** Also touch 1-D tensors (biases, norm scales), which are kept by default. */
  includeVectors?: boolean;
}

export const DEFAULT_MIN_ELEMENTS = 1024;

export type Matcher = (name: string) => boolean;

function patternMatcher(fn: string, arg: string, pattern: unknown): Matcher {
  if (typeof pattern !== 'string' || pattern.length === 0) throw typeError(fn, arg, 'a non-empty name pattern', pattern);
  const regex = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  if (regex) {
    try {
      const re = new RegExp(regex[1], regex[2]);
      return (name) => re.test(name);
    } catch (e) {
      throw rangeError(fn, arg, `a valid regular expression (${(e as Error).message})`, pattern);
    }
  }
  // bash mode: `*` also crosses '/', which ONNX exporters put in tensor names.
  const glob = picomatch(pattern, { dot: true, bash: true });
  return (name) => glob(name);
}

function anyOf(fn: string, arg: string, patterns: unknown): Matcher | null {
  if (patterns === undefined) return null;
  if (!Array.isArray(patterns)) throw typeError(fn, arg, 'an array of name patterns', patterns);
  const ms = patterns.map((p, i) => patternMatcher(fn, `${arg}[${i}]`, p));
  return (name) => ms.some((m) => m(name));
}

export interface TensorSelector {
  /** null when the tensor is to be touched, else the reason it is kept. */
  skipReason(name: string, shape: readonly number[]): string | null;
}

export function tensorSelector(fn: string, options: SelectOptions): TensorSelector {
  const include = anyOf(fn, 'include', options.include);
  const exclude = anyOf(fn, 'exclude', options.exclude);
  const minElements = options.minElements ?? DEFAULT_MIN_ELEMENTS;
  if (!Number.isSafeInteger(minElements) || minElements < 0) throw rangeError(fn, 'minElements', 'an integer ≥ 0', minElements);
  const includeVectors = options.includeVectors ?? false;
  return {
    skipReason(name, shape) {
      if (exclude?.(name)) return 'excluded by name';
      if (include && !include(name)) return 'not included by name';
      const n = shape.reduce((a, b) => a * b, 1);
      if (n < minElements) return `fewer than ${minElements} elements`;
      if (shape.length < 2 && !includeVectors) return '1-D (biases and norms stay as they are)';
      return null;
    },
  };
}
