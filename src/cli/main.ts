#!/usr/bin/env node
/**
 * The `modelpress` command: inspect | quantize | prune | compare | bench.
 * Each command is defined in its own file; this one wires them to commander and
 * turns any error into one clear line on stderr and a non-zero exit code.
 */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { inspectCommand } from './inspect.js';
import { quantizeCommand } from './quantize.js';
import { pruneCommand } from './prune.js';
import { compareCommand } from './compare.js';
import { benchCommand } from './bench.js';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

const program = new Command('modelpress')
  .description('Compress ONNX, safetensors and TensorFlow.js models: int8/int4/fp16 quantization and pruning, with a report of what it cost.')
  .version(version)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

// addCommand() does not pass settings down: each command throws instead of exiting, like the program.
for (const define of [inspectCommand, quantizeCommand, pruneCommand, compareCommand, benchCommand]) {
  program.addCommand(define().exitOverride().showHelpAfterError('(run with --help for usage)'));
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version exit 0; usage errors were already printed by commander.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`modelpress: ${message}\n`);
    if (process.env.MODELPRESS_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  }
}
