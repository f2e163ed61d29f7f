import { Command, Option } from 'commander';
import { quantizeModel } from '../model/commands.js';
import type { ModelQuantDType, QuantizeModelOptions } from '../model/options.js';
import { applyBackend, withBackendOption, withReportOptions } from './common.js';
import { emitReport, type ReportFlags } from './output.js';
import { intArg, listArg } from './parse.js';
import { progressBar } from './progress.js';

interface QuantizeFlags extends ReportFlags {
  output?: string;
  dtype?: ModelQuantDType;
  perTensor?: boolean;
  asymmetric?: boolean;
  blockSize?: number;
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
    .option('--block-size <n>', 'values per block for int4/uint4 (default 32)', intArg(1))
    .option('--include <patterns>', 'only tensors whose name matches (glob, or /regex/); repeatable or comma-separated', listArg)
    .option('--exclude <patterns>', 'never tensors whose name matches; repeatable or comma-separated', listArg)
    .option('--op-types <types>', 'ONNX: only weights of these ops (default Conv,ConvTranspose,MatMul,Gemm,Gather)', listArg)
    .option('--exclude-op-types <types>', 'ONNX: never weights of these ops', listArg)
    .option('--min-elements <n>', 'keep tensors with fewer elements as they are (default 1024)', intArg(0))
    .option('--include-vectors', 'also quantize 1-D tensors (biases and norms stay float by default)')
    .option('--bins <n>', 'histogram bins per tensor in the report (default 64, 0 for none)', intArg(0))
    .option('--in-place', 'allow writing over the input')
    .option('--no-progress', 'no progress bar');
  withReportOptions(withBackendOption(cmd));
  return cmd.action(async (model: string, f: QuantizeFlags) => {
    applyBackend(f.backend);
    const progress = progressBar(f.progress && !f.json, 'quantizing');
    const options: QuantizeModelOptions = {
      dtype: f.dtype,
      perChannel: f.perTensor ? false : undefined,
      symmetric: f.asymmetric ? false : undefined,
      blockSize: f.blockSize,
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
      emitReport(await quantizeModel(model, f.output ?? (f.inPlace ? model : undefined), options), f);
    } finally {
      progress.stop();
    }
  });
}
