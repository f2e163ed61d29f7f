/**
 * Errors thrown by modelpress. Every error is a built-in TypeError or RangeError
 * (so `instanceof` works as users expect) carrying a stable `code`, with a message
 * of the form `<function>: <argument> must be <expected>, got <received>`.
 */

export type ErrorCode =
  | 'ERR_MODELPRESS_INVALID_TYPE'
  | 'ERR_MODELPRESS_INVALID_VALUE'
  | 'ERR_MODELPRESS_SHAPE_MISMATCH'
  | 'ERR_MODELPRESS_NON_FINITE'
  | 'ERR_MODELPRESS_BACKEND_UNAVAILABLE'
  | 'ERR_MODELPRESS_NATIVE'
  | 'ERR_MODELPRESS_BAD_FILE';

export interface ModelpressError extends Error {
  code: ErrorCode;
}

function withCode<E extends Error>(error: E, code: ErrorCode): E & ModelpressError {
  return Object.assign(error, { code });
}

/** Short, readable description of any received value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (ArrayBuffer.isView(value)) {
    const length = 'length' in value ? (value as { length: number }).length : value.byteLength;
    return `${value.constructor.name}(${length})`;
  }
  if (Array.isArray(value)) return `Array(${value.length})`;
  if (typeof value === 'function') return 'function';
  return (value as object).constructor?.name ?? 'object';
}

export function typeError(fn: string, arg: string, expected: string, received: unknown): TypeError & ModelpressError {
  return withCode(new TypeError(`${fn}: ${arg} must be ${expected}, got ${describe(received)}`), 'ERR_MODELPRESS_INVALID_TYPE');
}

export function rangeError(fn: string, arg: string, expected: string, received: unknown): RangeError & ModelpressError {
  return withCode(new RangeError(`${fn}: ${arg} must be ${expected}, got ${describe(received)}`), 'ERR_MODELPRESS_INVALID_VALUE');
}

/** rangeError with `received` preformatted (e.g. "more in row 3"). */
export function rangeErrorText(fn: string, arg: string, expected: string, received: string): RangeError & ModelpressError {
  return withCode(new RangeError(`${fn}: ${arg} must be ${expected}, got ${received}`), 'ERR_MODELPRESS_INVALID_VALUE');
}

/** Length or shape disagreement; `received` is preformatted (e.g. "length 7"). */
export function shapeError(fn: string, arg: string, expected: string, received: string): RangeError & ModelpressError {
  return withCode(new RangeError(`${fn}: ${arg} must be ${expected}, got ${received}`), 'ERR_MODELPRESS_SHAPE_MISMATCH');
}

export function nonFiniteError(fn: string, arg: string, index: number, value: number): RangeError & ModelpressError {
  return withCode(
    new RangeError(`${fn}: ${arg} must contain only finite values to find its range, got ${describe(value)} at index ${index}`),
    'ERR_MODELPRESS_NON_FINITE',
  );
}

/** NaN where an order by magnitude is needed (±Inf are allowed: they are the largest). */
export function nanError(fn: string, arg: string, index: number): RangeError & ModelpressError {
  return withCode(new RangeError(`${fn}: ${arg} must not contain NaN, got NaN at index ${index}`), 'ERR_MODELPRESS_NON_FINITE');
}

/**
 * A model file that does not follow its format: `file` names it, `problem` says
 * what is wrong and where (`header length 99 exceeds the file size 40`).
 */
export function fileFormatError(fn: string, file: string, format: string, problem: string): Error & ModelpressError {
  return withCode(new Error(`${fn}: ${file} is not a valid ${format} file: ${problem}`), 'ERR_MODELPRESS_BAD_FILE');
}

export function backendUnavailable(message: string): Error & ModelpressError {
  return withCode(new Error(message), 'ERR_MODELPRESS_BACKEND_UNAVAILABLE');
}

/** A status the C ABI returned although the TypeScript layer had validated the call: a bug. */
export function nativeStatusError(fn: string, status: number): Error & ModelpressError {
  const names = ['OK', 'NULL_POINTER', 'LAYOUT', 'SCALE', 'ZERO_POINT', 'QTYPE', 'NON_FINITE', 'VARIANT', 'RANGE'];
  return withCode(new Error(`${fn}: kernel rejected the call with MP_ERR_${names[status] ?? status}`), 'ERR_MODELPRESS_NATIVE');
}
