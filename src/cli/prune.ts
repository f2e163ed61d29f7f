import { Command, Option } from 'commander';
import { pruneModel } from '../model/commands.js';
import type { ModelPruneMethod, PruneModelOptions } from '../model/options.js';
import { applyBackend, selectionOptions, withBackendOption, withReportOptions, withSelectionOptions, type SelectionFlags } from './common.js';
import { emitReport, type ReportFlags } from './output.js';
import { fractionArg, nmArg } from './parse.js';
import { progressBar } from './progress.js';

interface PruneFlags extends ReportFlags, SelectionFlags {
  output?: string;
  method: ModelPruneMethod;
  amount?: number;
  nm?: { n: number; m: number };
  backend?: string;
}

export function pruneCommand(): Command {
  const cmd = new Command('prune')
    .description('prune the weights of an ONNX or safetensors model: magnitude, whole filters or channels, or N:M')
    .argument('<model>', 'an .onnx or .safetensors file')
    .option('-o, --output <path>', 'where to write (default: next to the input, e.g. model.pruned.onnx)')
    .addOption(new Option('--method <method>', 'magnitude (per tensor), filters (output channels), channels (input channels), nm').choices(['magnitude', 'filters', 'channels', 'nm']).default('magnitude'))
    .option('--amount <fraction>', 'fraction to prune for magnitude, filters, channels (default 0.5)', fractionArg)
    .option('--nm <N:M>', 'keep N of every M weights along the input channels (implies --method nm; default 2:4)', nmArg);
  withReportOptions(withBackendOption(withSelectionOptions(cmd, 'prune', 'Conv,ConvTranspose,MatMul,Gemm')));
  return cmd.action(async (model: string, f: PruneFlags) => {
    applyBackend(f.backend);
    // --nm alone means N:M pruning; with another explicit method it is a mistake.
    const explicit = cmd.getOptionValueSource('method') === 'cli';
    if (f.nm && explicit && f.method !== 'nm') throw new Error(`--nm ${f.nm.n}:${f.nm.m} applies to --method nm, not --method ${f.method}`);
    const method = f.nm ? 'nm' : f.method;
    const progress = progressBar(f.progress && !f.json, 'pruning');
    const options: PruneModelOptions = {
      method,
      amount: f.amount,
      n: f.nm?.n,
      m: f.nm?.m,
      ...selectionOptions(f),
      onProgress: progress.callback,
    };
    try {
      emitReport(await pruneModel(model, f.output ?? (f.inPlace ? model : undefined), options), f);
    } finally {
      progress.stop();
    }
  });
}
