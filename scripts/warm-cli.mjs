/**
 * Writes V8's code cache of the bundled CLI (dist/cli/cli.cjs.cache; see
 * bin/load-bundle.js). The cache holds the functions compiled by the time it
 * is written, so this process first runs what start-up time matters for, on
 * a one-cell pipeline in a temporary folder: a no-op `run` with either
 * reporter, `status` and `--version`. The cold run that fills the cache is a
 * separate process, so that the planner and executor, which a no-op never
 * loads, do not weigh on every start.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundle } from '../bin/load-bundle.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'ablate-warm-'));
try {
  const pipeline = join(dir, 'pipeline.json');
  const stage = { kind: 'exec', params: { command: 'echo warm > out.txt', outputs: ['out.txt'] } };
  writeFileSync(pipeline, JSON.stringify({ name: 'warm', stages: { a: stage } }));
  const on = [pipeline, '--cache-dir', join(dir, 'cache')];
  const cold = spawnSync(process.execPath, [join(root, 'bin', 'ablate.js'), 'run', ...on], {
    cwd: dir,
    stdio: 'ignore',
  });
  if (cold.status !== 0) throw new Error(`the filling run exited ${cold.status}`);
  process.chdir(dir);
  const bundle = loadBundle(join(root, 'dist', 'cli', 'cli.cjs'));
  for (const args of [['run', ...on, '--reporter', 'json'], ['run', ...on], ['status', ...on], ['--version']]) {
    await bundle.main(args);
    if (process.exitCode !== 0) throw new Error(`ablate ${args.join(' ')} exited ${process.exitCode}`);
  }
  bundle.writeCache();
} finally {
  process.chdir(root);
  rmSync(dir, { recursive: true, force: true });
}
