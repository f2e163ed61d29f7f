/**
 * A progress bar on stderr for long commands, shown only on a terminal (a log
 * file or a pipe gets no bar: its stdout may be --json for a machine).
 */
import cliProgress from 'cli-progress';
import type { ProgressCallback } from '../model/types.js';

export interface Progress {
  callback: ProgressCallback | undefined;
  stop(): void;
}

export function progressBar(enabled: boolean, label: string): Progress {
  if (!enabled || !process.stderr.isTTY) return { callback: undefined, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} {bar} {percentage}% | {value}/{total} MiB | {tensor}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const mib = (b: number) => Math.round(b / 1048576);
  return {
    callback(done, total, tensor) {
      if (!started) {
        bar.start(mib(total), 0, { tensor: '' });
        started = true;
      }
      bar.update(mib(done), { tensor: tensor.length > 40 ? '…' + tensor.slice(-39) : tensor });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
