/** Value parsers for CLI options: each rejects bad text with a message commander prints. */
import { InvalidArgumentError } from 'commander';

export function intArg(min: number) {
  return (text: string): number => {
    const v = Number(text);
    if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(v) || v < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}, got "${text}"`);
    return v;
  };
}

export function fractionArg(text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0 || v > 1) throw new InvalidArgumentError(`expected a fraction in [0, 1], got "${text}"`);
  return v;
}

/** "2:4" → { n: 2, m: 4 }. */
export function nmArg(text: string): { n: number; m: number } {
  const m = /^(\d+):(\d+)$/.exec(text.trim());
  if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw new InvalidArgumentError(`expected N:M with 1 ≤ N ≤ M (e.g. 2:4), got "${text}"`);
  return { n: Number(m[1]), m: Number(m[2]) };
}

/** Repeatable or comma-separated list: --exclude a --exclude b,c. */
export function listArg(text: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...text.split(',').map((s) => s.trim()).filter(Boolean)];
}
