import { Command, Option } from 'commander';
import { pruneModel } from '../model/commands.js';
import type { ModelPruneMethod, PruneModelOptions } from '../model/options.js';
import { applyBackend, withBackendOption, withReportOptions } from './common.js';
import { emitReport, type ReportFlags } from './output.js';
import { fractionArg, intArg, listArg, nmArg } from './parse.js';
import { progressBar } from './progress.js';

interface PruneFlags extends ReportFlags {
  output?: string;
  method: ModelPruneMethod;
  amount?: number;
  nm?: { n: number; m: number };
  include?: string[];
  exclude?: string[];
  opTypes?: string[];
  excludeOpTypes?: string[];
  minElements?: number;
  includeVectors?: boolean;
  inPlace?: boolean;
  progress: boolean;
  bins?: number;
  backend?: string;
}

export function pruneCommand(): Command {
  const cmd = new Command('prune')
    .description('prune the weights of an ONNX or safetensors model: magnitude, whole filters or channels, or N:M')
    .argument('<model>', 'an .onnx or .safetensors file')
    .option('-o, --output <path>', 'where to write (default: next to the input, e.g. model.pruned.onnx)')
    .addOption(new Option('--method <method>', 'magnitude (per tensor), filters (output channels), channels (input channels), nm').choices(['magnitude', 'filters', 'channels', 'nm']).default('magnitude'))
    .option('--amount <fraction>', 'fraction to prune for magnitude, filters, channels (default 0.5)', fractionArg)
    .option('--nm <N:M>', 'keep N of every M weights along the input channels (with --method nm; default 2:4)', nmArg)
    .option('--include <patterns>', 'only tensors whose name matches (glob, or /regex/); repeatable or comma-separated', listArg)
    .option('--exclude <patterns>', 'never tensors whose name matches; repeatable or comma-separated', listArg)
    .option('--op-types <types>', 'ONNX: only weights of these ops (default Conv,ConvTranspose,MatMul,Gemm)', listArg)
    .option('--exclude-op-types <types>', 'ONNX: never weights of these ops', listArg)
    .option('--min-elements <n>', 'keep tensors with fewer elements as they are (default 1024)', intArg(0))
    .option('--include-vectors', 'also prune 1-D tensors')
    .option('--bins <n>', 'histogram bins per tensor in the report (default 64, 0 for none)', intArg(0))
    .option('--in-place', 'allow writing over the input')
    .option('--no-progress', 'no progress bar');
  withReportOptions(withBackendOption(cmd));
  return cmd.action(async (model: string, f: PruneFlags) => {
    applyBackend(f.backend);
    const progress = progressBar(f.progress && !f.json, 'pruning');
    const options: PruneModelOptions = {
      method: f.method,
      amount: f.amount,
      n: f.nm?.n,
      m: f.nm?.m,
      include: f.include,
      exclude: f.exclude,
      opTypes: f.opTypes,
      excludeOpTypes: f.excludeOpTypes,
      minElements: f.minElements,
      includeVectors: f.includeVectors,
      histogramBins: f.bins,
      inPlace: f.inPlace,
      onProgress: progress.callback,
    };
    try {
      emitReport(await pruneModel(model, f.output ?? (f.inPlace ? model : undefined), options), f);
    } finally {
      progress.stop();
    }
  });
}
