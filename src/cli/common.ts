/** Options every model command shares: report outputs and the backend. */
import { Command, Option } from 'commander';
import { setBackend } from '../backends/registry.js';
import { intArg, listArg } from './parse.js';
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

/** Flags of the tensor selection and output handling that quantize and prune share. */
export interface SelectionFlags {
  include?: string[];
  exclude?: string[];
  opTypes?: string[];
  excludeOpTypes?: string[];
  minElements?: number;
  includeVectors?: boolean;
  bins?: number;
  inPlace?: boolean;
  progress: boolean;
}

export function withSelectionOptions(cmd: Command, verb: string, defaultOps: string): Command {
  return cmd
    .option('--include <patterns>', 'only tensors whose name matches (glob, or /regex/); repeatable or comma-separated', listArg)
    .option('--exclude <patterns>', 'never tensors whose name matches; repeatable or comma-separated', listArg)
    .option('--op-types <types>', `ONNX: only weights of these ops (default ${defaultOps})`, listArg)
    .option('--exclude-op-types <types>', 'ONNX: never weights of these ops', listArg)
    .option('--min-elements <n>', 'keep tensors with fewer elements as they are (default 1024)', intArg(0))
    .option('--include-vectors', `also ${verb} 1-D tensors (biases and norms stay as they are by default)`)
    .option('--bins <n>', 'histogram bins per tensor in the report (default 64, 0 for none)', intArg(0))
    .option('--in-place', 'allow writing over the input')
    .option('--no-progress', 'no progress bar');
}

/** The selection part of QuantizeModelOptions / PruneModelOptions from the flags. */
export function selectionOptions(f: SelectionFlags) {
  return {
    include: f.include,
    exclude: f.exclude,
    opTypes: f.opTypes,
    excludeOpTypes: f.excludeOpTypes,
    minElements: f.minElements,
    includeVectors: f.includeVectors,
    histogramBins: f.bins,
    inPlace: f.inPlace,
  };
}
