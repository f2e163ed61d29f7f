import { Command } from 'commander';
import { inspectModel } from '../model/commands.js';
import { applyBackend, withBackendOption, withReportOptions } from './common.js';
import { emitReport, type ReportFlags } from './output.js';
import { intArg } from './parse.js';

export function inspectCommand(): Command {
  const cmd = new Command('inspect')
    .description("list a model's weights: shape, dtype, bytes, sparsity (and, for ONNX, the consuming ops)")
    .argument('<model>', 'an .onnx file, a .safetensors file, or a TensorFlow.js model.json (or its directory)');
  cmd.option('--bins <n>', 'histogram bins of each float tensor in the HTML/JSON report (default 64, 0 for none)', intArg(0));
  withReportOptions(withBackendOption(cmd));
  return cmd.action(async (model: string, flags: ReportFlags & { backend?: string; bins?: number }) => {
    applyBackend(flags.backend);
    emitReport(await inspectModel(model, { histogramBins: flags.bins }), flags);
  });
}
