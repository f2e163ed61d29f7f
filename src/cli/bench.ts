import { Command, Option } from 'commander';
import Table from 'cli-table3';
import type { BackendName } from '../backends/backend.js';
import { benchModel } from '../model/bench.js';
import type { ModelQuantDType } from '../model/options.js';
import { formatBytes, formatMs } from '../model/render/format.js';
import { reportJson } from './output.js';
import { intArg, listArg } from './parse.js';

interface BenchFlags {
  backends?: string[];
  runs: number;
  params?: number;
  dtype?: ModelQuantDType;
  perTensor?: boolean;
  json?: boolean;
}

export function benchCommand(): Command {
  return new Command('bench')
    .description('time quantizing a model end to end (read, quantize, measure, write) on each backend; without a model, a synthetic float32 safetensors model')
    .argument('[model]', 'a model to time (default: a synthetic model of --params parameters)')
    .option('--backends <names>', 'backends to time, comma-separated (default: native,wasm, those that load)', listArg)
    .option('--runs <n>', 'runs per backend; the median is reported', intArg(1), 3)
    .option('--params <n>', 'parameters of the synthetic model (default 16777216)', intArg(1))
    .addOption(new Option('--dtype <type>', 'as for quantize').choices(['int8', 'uint8', 'int4', 'uint4', 'fp16', 'uint16']))
    .option('--per-tensor', 'one scale per tensor')
    .option('--json', 'print the result as JSON')
    .action(async (model: string | undefined, f: BenchFlags) => {
      for (const b of f.backends ?? []) {
        if (!['native', 'wasm', 'reference'].includes(b)) throw new Error(`--backends: expected native, wasm or reference, got "${b}"`);
      }
      const result = await benchModel(model, {
        backends: f.backends as BackendName[] | undefined,
        runs: f.runs,
        parameters: f.params,
        quantize: { dtype: f.dtype, perChannel: f.perTensor ? false : undefined },
      });
      if (f.json) {
        process.stdout.write(reportJson(result) + '\n');
        return;
      }
      const table = new Table({ head: ['backend', 'CPU variant', 'median', 'input throughput', 'runs'], style: { head: [], border: [], compact: true } });
      for (const r of result.rows) {
        table.push([r.backend, r.variant, formatMs(r.medianMs), `${formatBytes(r.bytesPerSecond)}/s`, r.runs.map((t) => formatMs(t)).join(', ')]);
      }
      process.stdout.write(`modelpress bench: quantize ${result.model} (${formatBytes(result.fileBytes)})\n${table.toString()}\n`);
    });
}
