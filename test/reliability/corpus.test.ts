/**
 * The broken-pipeline corpus (test/fixtures/pipelines, expectations in
 * test/fixtures/index.json): every file is refused with exit code 2 and a
 * short `file:line:col: error: ...` message, and the cache is untouched.
 * All of them run through the CLI entry point in this process (fast); a
 * sample also runs through the real binary against an existing cache.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli.js';
import { QUICK_STUDY, study } from './pipelines.js';
import { ablate, repoRoot, snapshot, Workspace } from './rig.js';

interface Fixture {
  file: string;
  category: string;
  line: number;
  col: number;
  message: string;
}

const fixturesDir = join(repoRoot, 'test', 'fixtures');
const index = JSON.parse(readFileSync(join(fixturesDir, 'index.json'), 'utf8')) as { fixtures: Fixture[] };

/**
 * Runs the CLI in this process and captures its stderr. Stdout is left
 * alone: the test runner reports through it (a refused pipeline prints
 * nothing there).
 */
async function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stderr = '';
  const err = process.stderr.write.bind(process.stderr);
  process.stderr.write = (chunk: string | Uint8Array) => ((stderr += String(chunk)), true);
  try {
    await main(args);
  } finally {
    process.stderr.write = err;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, stdout: '', stderr };
}

function checkDiagnostic(f: Fixture, path: string, r: { code: number; stdout: string; stderr: string }): void {
  assert.equal(r.code, 2, `${f.file}: exit code ${r.code}\n${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(
    lines[0]?.startsWith(`${path}:${f.line}:${f.col}: error: `),
    true,
    `${f.file}: expected ${f.line}:${f.col}, got\n${r.stderr}`,
  );
  assert.ok(lines[0].includes(f.message), `${f.file}: expected "${f.message}" in\n${lines[0]}`);
  // Short: the message, its source line and a caret (and a hint), per diagnostic; never a stack trace.
  const message = lines[0].slice(path.length);
  assert.ok(message.length < 200, `${f.file}: the message is ${message.length} characters`);
  assert.ok(lines.length <= 16, `${f.file}: ${lines.length} lines of output`);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)?\n|internal error/, `${f.file}: a stack trace`);
}

test('the corpus has at least 40 broken pipelines, each with its expected location and message', () => {
  assert.ok(index.fixtures.length >= 40, `${index.fixtures.length} fixtures`);
  for (const f of index.fixtures) assert.ok(existsSync(join(fixturesDir, 'pipelines', f.file)), f.file);
  const categories = new Set(index.fixtures.map((f) => f.category));
  for (const c of [
    'invalid JSON',
    'wrong type',
    'unknown kind',
    'unknown reference',
    'cycle',
    'empty matrix values',
    'duplicated matrix values',
    'duplicate key',
    'out-of-range params',
    'output escapes the work dir',
    'enormous matrix',
  ]) {
    assert.ok(categories.has(c), `no fixture for ${c}`);
  }
});

test('every broken pipeline: exit 2, file:line:col and the message, no cache created', async (t) => {
  const ws = new Workspace();
  t.after(() => ws.dispose());
  for (const f of index.fixtures) {
    const path = join(fixturesDir, 'pipelines', f.file);
    const cache = join(ws.dir, `cache-${f.file}`);
    for (const command of ['run', 'validate']) {
      const r = await inProcess([command, path, '--cache-dir', cache]);
      checkDiagnostic(f, path, r);
      assert.equal(existsSync(cache), false, `${f.file}: ablate ${command} created the cache`);
    }
  }
});

test(
  'through the real binary, a broken pipeline leaves an existing cache byte-identical',
  { timeout: 300_000 },
  async (t) => {
    const ws = new Workspace();
    t.after(() => ws.dispose());
    const good = ws.write('study.json', study({ ...QUICK_STUDY, steps: 2, stepMs: 0, payloadKB: 16 }));
    assert.equal((await ws.run(['run', good])).code, 0);
    // lock.mdb is LMDB's reader table, rewritten by every open; the data is everything else.
    const data = (): Record<string, string> =>
      Object.fromEntries(Object.entries(snapshot(ws.cacheDir)).filter(([k]) => k !== join('db', 'lock.mdb')));
    const before = data();
    const sample = [
      'json-truncated.json',
      'cycle-two.json',
      'matrix-enormous-default-limit.json',
      'output-parent.json',
      'param-above-maximum.json',
      'unknown-kind.json',
    ];
    for (const file of sample) {
      const f = index.fixtures.find((x) => x.file === file) as Fixture;
      const path = join(fixturesDir, 'pipelines', file);
      const r = await ablate(['run', path, '--cache-dir', ws.cacheDir], { cwd: ws.dir });
      checkDiagnostic(f, path, { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr });
      assert.deepEqual(data(), before, `${file} changed the cache`);
    }
  },
);
