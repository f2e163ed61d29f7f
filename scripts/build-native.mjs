// Builds the N-API addon with node-gyp at install time. A failed build must not
// fail `npm install`: modelpress then runs on WebAssembly, and the reason is kept
// in build/native-build-error.txt for backendInfo() to report.
// `--strict` (npm run build:native) fails loudly instead.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const strict = process.argv.includes('--strict');
const errorFile = join(root, 'build', 'native-build-error.txt');

if (process.env.MODELPRESS_SKIP_NATIVE_BUILD) {
  console.log('modelpress: MODELPRESS_SKIP_NATIVE_BUILD is set; not building the native addon (WebAssembly will be used).');
  process.exit(0);
}

// npm hands lifecycle scripts the path of its bundled node-gyp.
const gypScript = process.env.npm_config_node_gyp;
const [cmd, args] = gypScript ? [process.execPath, [gypScript, 'rebuild']] : ['node-gyp', ['rebuild']];
const result = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });

if (result.status === 0) {
  rmSync(errorFile, { force: true });
  process.exit(0);
}
// Keep the lines that say what went wrong (compiler errors, make), not gyp's stack.
const lines = (result.stderr || '').trim().split('\n');
const telling = lines.filter((l) => /error:|make: \*\*\*|not found|No such file/i.test(l));
const reason = result.error ? result.error.message : (telling.length > 0 ? telling : lines).slice(0, 5).join('\n');
process.stderr.write(result.stderr || '');
mkdirSync(dirname(errorFile), { recursive: true });
writeFileSync(errorFile, `${reason || `node-gyp exited with status ${result.status}`}\n`);
if (strict) process.exit(result.status ?? 1);
console.warn('modelpress: the native addon could not be built; the WebAssembly backend will be used. See build/native-build-error.txt.');
