/**
 * Files are written atomically: into a temporary file beside the target, flushed,
 * then renamed over it. A reader sees the old file or the new one, never a part;
 * a failed write leaves no temporary file behind.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { rangeError } from '../errors.js';

export class AtomicFile {
  readonly path: string;
  private readonly tmp: string;
  private fd: number | null;
  /** Bytes written so far. */
  position = 0;

  constructor(path: string) {
    this.path = path;
    this.tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
    this.fd = openSync(this.tmp, 'w', 0o644);
  }

  write(data: ArrayBufferView): void {
    if (this.fd === null) throw new Error(`AtomicFile: ${this.path} is already closed`);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    this.position += bytes.length;
  }

  /** Flush and move into place. */
  commit(): void {
    if (this.fd === null) throw new Error(`AtomicFile: ${this.path} is already closed`);
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
    renameSync(this.tmp, this.path);
  }

  /** Drop the temporary file (after an error). */
  abort(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    rmSync(this.tmp, { force: true });
  }
}

/** Write `chunks` to `path` atomically. */
export function writeFileAtomic(path: string, ...chunks: ArrayBufferView[]): void {
  const file = new AtomicFile(path);
  try {
    for (const c of chunks) file.write(c);
    file.commit();
  } catch (e) {
    file.abort();
    throw e;
  }
}

/** Run `write` with an AtomicFile for `path`: committed when it returns, removed when it throws. */
export function withAtomicFile<T>(path: string, write: (file: AtomicFile) => T): T {
  const file = new AtomicFile(path);
  try {
    const result = write(file);
    file.commit();
    return result;
  } catch (e) {
    file.abort();
    throw e;
  }
}

/** Refuse to write over an input file unless the caller asked for it. */
export function checkOutputPath(fn: string, input: string, output: string, inPlace: boolean): void {
  if (!inPlace && resolve(input) === resolve(output)) {
    throw rangeError(fn, 'output', 'a different path from the input (or pass inPlace: true)', output);
  }
}
