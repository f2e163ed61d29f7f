/** Options every model command shares: report outputs and the backend. */
import { Command, Option } from 'commander';
import { setBackend } from '../backends/registry.js';
import type { BackendName } from '../backends/backend.js';

export function withReportOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print the report as JSON on stdout (nothing else goes to stdout)')
    .option('--html <file>', 'also write the report as a self-contained HTML page with histograms')
    .option('--report <file>', 'also write the report as JSON to a file')
    .option('--all', 'list every tensor in the table (default: the first 60)');
}

export function withBackendOption(cmd: Command): Command {
  return cmd.addOption(new Option('--backend <name>', 'kernel backend (default: native, else wasm)').choices(['native', 'wasm', 'reference']));
}

export function applyBackend(name: string | undefined): void {
  if (name) setBackend(name as BackendName);
}
