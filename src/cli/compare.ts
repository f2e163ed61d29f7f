import { Command } from 'commander';
import { compareModels } from '../model/compare.js';
import { formatCompareTable } from '../model/render/compare-table.js';
import { writeFileAtomic } from '../model/atomic.js';
import { reportJson } from './output.js';
import { intArg } from './parse.js';

interface CompareFlags {
  inputs?: string;
  runs?: number;
  seed?: number;
  json?: boolean;
  report?: string;
}

export function compareCommand(): Command {
  return new Command('compare')
    .description('run the original and the compressed model on the same inputs (onnxruntime-node for ONNX, @tensorflow/tfjs for TensorFlow.js) and report how closely the outputs agree')
    .argument('<original>', 'the original model (.onnx, or a TensorFlow.js model.json or directory)')
    .argument('<compressed>', 'the compressed model')
    .option('--inputs <file>', 'inputs to use: JSON {"<input>": {"shape": [...], "data": [...]}} (or an array of those, one per run), or a .safetensors file')
    .option('--runs <n>', 'runs with generated inputs (default 8)', intArg(1))
    .option('--seed <n>', 'seed of the first generated run (default 1)', intArg(0))
    .option('--json', 'print the result as JSON')
    .option('--report <file>', 'also write the result as JSON to a file')
    .action(async (original: string, compressed: string, f: CompareFlags) => {
      const result = await compareModels(original, compressed, { inputs: f.inputs, runs: f.runs, seed: f.seed });
      if (f.report) writeFileAtomic(f.report, Buffer.from(reportJson(result) + '\n'));
      process.stdout.write((f.json ? reportJson(result) : formatCompareTable(result)) + '\n');
    });
}
