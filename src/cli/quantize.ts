import { Command, Option } from 'commander';
import { quantizeModel } from '../model/commands.js';
import type { ModelQuantDType, QuantizeModelOptions } from '../model/options.js';
import { applyBackend, selectionOptions, withBackendOption, withReportOptions, withSelectionOptions, type SelectionFlags } from './common.js';
import { emitReport, type ReportFlags } from './output.js';
import { intArg } from './parse.js';
import { progressBar } from './progress.js';

interface QuantizeFlags extends ReportFlags, SelectionFlags {
  output?: string;
  dtype?: ModelQuantDType;
  perTensor?: boolean;
  asymmetric?: boolean;
  blockSize?: number;
  backend?: string;
}

export function quantizeCommand(): Command {
  const cmd = new Command('quantize')
    .description('quantize the weights of a model (ONNX: int8 QDQ that onnxruntime runs unchanged; safetensors: int8 + scales; TensorFlow.js: uint8/uint16/float16 manifest entries)')
    .argument('<model>', 'an .onnx file, a .safetensors file, or a TensorFlow.js model.json (or its directory)')
    .option('-o, --output <path>', 'where to write (default: next to the input, e.g. model.int8.onnx)')
    .addOption(
      new Option('--dtype <type>', 'int8 (default; tfjs: uint8), uint8, int4, uint4 (blocked), fp16, uint16 (tfjs)').choices(['int8', 'uint8', 'int4', 'uint4', 'fp16', 'uint16']),
    )
    .option('--per-tensor', 'one scale per tensor instead of one per output channel')
    .option('--asymmetric', 'affine (min/max) instead of symmetric ranges for int8/int4')
    .option('--block-size <n>', 'values per block for int4/uint4 (default 32)', intArg(1));
  withReportOptions(withBackendOption(withSelectionOptions(cmd, 'quantize', 'Conv,ConvTranspose,MatMul,Gemm,Gather')));
  return cmd.action(async (model: string, f: QuantizeFlags) => {
    applyBackend(f.backend);
    const progress = progressBar(f.progress && !f.json, 'quantizing');
    const options: QuantizeModelOptions = {
      dtype: f.dtype,
      perChannel: f.perTensor ? false : undefined,
      symmetric: f.asymmetric ? false : undefined,
      blockSize: f.blockSize,
      ...selectionOptions(f),
      onProgress: progress.callback,
    };
    try {
      emitReport(await quantizeModel(model, f.output ?? (f.inPlace ? model : undefined), options), f);
    } finally {
      progress.stop();
    }
  });
}
