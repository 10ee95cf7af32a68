/**
 * bin/ablate.js runs the bundled CLI (scripts/bundle-cli.mjs) with V8's code
 * cache when the build made them, else the compiled modules: the bundle must
 * answer exactly as those modules do, and a stale bundle must never run.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'node:test';
import { BIN, jsonLines, repoRoot, tempProject, writeJson } from '../harness/cli.js';

const BUNDLE = join(repoRoot, 'dist', 'cli', 'cli.cjs');
const COMPILED = pathToFileURL(join(repoRoot, 'dist', 'src', 'cli.js')).href;

interface Answer {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `ablate ARGS` through bin/ablate.js (the bundle) or straight through the compiled modules. */
function ablate(entry: 'bundle' | 'compiled', args: string[], cwd: string): Answer {
  const argv =
    entry === 'bundle'
      ? [BIN, ...args]
      : [
          '--input-type=module',
          '-e',
          `await (await import(${JSON.stringify(COMPILED)})).main(process.argv.slice(1))`,
          '--',
          ...args,
        ];
  const r = spawnSync(process.execPath, argv, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ABLATE_CACHE_DIR: join(cwd, 'cache') },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the build leaves a code cache that this Node takes', () => {
  const script = `const { loadBundle } = await import(${JSON.stringify(pathToFileURL(join(repoRoot, 'bin', 'load-bundle.js')).href)});
const b = loadBundle(${JSON.stringify(BUNDLE)});
process.stdout.write(JSON.stringify({ fromCache: b.fromCache, main: typeof b.main }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), { fromCache: true, main: 'function' });
});

test('the bundle answers help, usage errors and pipeline errors as the compiled modules do', () => {
  const dir = tempProject();
  writeFileSync(join(dir, 'bad.json'), '{\n  "stages": {\n    "a": { "kind": "exce", "params": {} }\n  }\n}\n');
  const cases = [
    ['--help'],
    ['run', '--help'],
    ['show', '--help'],
    ['--version'],
    ['run', 'p.json', '--bogus'],
    ['run', 'p.json', '-j', 'x'],
    ['runn', 'p.json'],
    ['validate', 'bad.json'],
    ['status', 'missing.json'],
  ];
  for (const args of cases) {
    const bundled = ablate('bundle', args, dir);
    assert.deepEqual(bundled, ablate('compiled', args, dir), args.join(' '));
    assert.notEqual(bundled.stdout + bundled.stderr, '', args.join(' '));
  }
});

test('a pipeline planned, run and answered from its stored plan gives the same events either way', () => {
  const dir = tempProject();
  writeJson(join(dir, 'p.json'), {
    stages: {
      a: { kind: 'exec', matrix: { n: [1, 2] }, params: { command: 'echo {{n}} > o', outputs: ['o'] } },
      b: {
        kind: 'exec',
        inputs: { a: 'a' },
        matrix: { n: [1, 2] },
        params: { command: 'cp $ABLATE_IN_A/o o', outputs: ['o'] },
      },
    },
  });
  const events = (entry: 'bundle' | 'compiled'): unknown[] => {
    const r = ablate(entry, ['run', 'p.json', '--reporter', 'json'], dir);
    assert.equal(r.code, 0, r.stderr);
    // Durations differ from run to run; everything else is the answer.
    return jsonLines(r.stdout).map((e) =>
      JSON.stringify(e, (k, v: unknown) => (/(^|[a-z])(duration|Ms$)/i.test(k) ? 0 : v)),
    );
  };
  const cold = events('bundle');
  assert.ok(
    cold.some((e) => String(e).includes('"status":"ran"')),
    cold.join('\n'),
  );
  // The compiled modules answer the no-op from the plan the bundle stored, and the bundle from theirs.
  const noop = events('compiled');
  assert.ok(
    noop.every((e) => !String(e).includes('"status":"ran"')),
    noop.join('\n'),
  );
  assert.deepEqual(events('bundle'), noop);
  assert.deepEqual(ablate('bundle', ['status', 'p.json'], dir), ablate('compiled', ['status', 'p.json'], dir));
});

test('a copied cache, whose every page and entry is checked on opening, reads the same either way', () => {
  const dir = tempProject();
  writeJson(join(dir, 'p.json'), {
    stages: { a: { kind: 'exec', matrix: { n: [1, 2, 3] }, params: { command: 'echo {{n}} > o', outputs: ['o'] } } },
  });
  assert.equal(ablate('bundle', ['run', 'p.json'], dir).code, 0);
  const answers = (entry: 'bundle' | 'compiled'): Answer[] => {
    // A copy has another inode, so the next open verifies the whole database, decoding every key and value.
    const copy = join(dir, `cache-${entry}`);
    cpSync(join(dir, 'cache'), copy, { recursive: true });
    return [
      ablate(entry, ['status', 'p.json', '--cache-dir', copy], dir),
      ablate(entry, ['doctor', '--cache-dir', copy], dir),
    ];
  };
  const bundled = answers('bundle');
  assert.match(bundled[1]?.stdout ?? '', /3 record\(s\) verified/, JSON.stringify(bundled));
  assert.deepEqual(bundled, answers('compiled'));
});

/** A copy of bin/ with stand-in entry points that say which of them ran. */
function binWithEntries(): { dir: string; bundle: string; compiled: string } {
  const dir = tempProject();
  mkdirSync(join(dir, 'bin'));
  for (const f of ['ablate.js', 'load-bundle.js']) copyFileSync(join(repoRoot, 'bin', f), join(dir, 'bin', f));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
  mkdirSync(join(dir, 'dist', 'src'), { recursive: true });
  const bundle = join(dir, 'dist', 'cli', 'cli.cjs');
  const compiled = join(dir, 'dist', 'src', 'cli.js');
  writeFileSync(bundle, "exports.main = async (args) => { process.stdout.write('bundle ' + args.join(' ')); };\n");
  writeFileSync(compiled, "export async function main(args) { process.stdout.write('compiled ' + args.join(' ')); }\n");
  return { dir, bundle, compiled };
}

test('bin/ablate.js runs the bundle only when it is not older than the compiled modules', () => {
  const { dir, bundle, compiled } = binWithEntries();
  const run = (): string =>
    execFileSync(process.execPath, [join(dir, 'bin', 'ablate.js'), 'status', 'p.json'], { encoding: 'utf8' });
  utimesSync(compiled, 1000, 1000);
  utimesSync(bundle, 2000, 2000);
  assert.equal(run(), 'bundle status p.json');
  // A `tsc` after the bundle was built: the bundle is stale.
  utimesSync(compiled, 3000, 3000);
  assert.equal(run(), 'compiled status p.json');
});
