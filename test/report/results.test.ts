/**
 * Where the results are: `ablate run` ends by naming the final cells' files
 * and the export command, on the full path and on the snapshot fast path;
 * `ablate export` writes provenance.json with the git state of the
 * pipeline's repository.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { ablate, events, runJson, SUM_STAGE, tempProject, writeJson } from '../engine/harness.js';

function project(): string {
  const dir = tempProject('ablate-results-');
  writeFileSync(join(dir, 'sum.mjs'), SUM_STAGE);
  writeJson(join(dir, 'p.json'), {
    kinds: { sum: './sum.mjs' },
    vars: { bias: 0 },
    stages: {
      gen: { kind: 'sum', matrix: { x: [1, 2] }, params: { bias: { $var: 'bias' } } },
      total: { kind: 'sum', inputs: { all: { stage: 'gen', all: true } } },
      side: { kind: 'sum', params: { x: 100 } },
    },
  });
  return dir;
}

const last = (stdout: string): Record<string, unknown> | undefined => events(stdout).at(-1);

test('a run ends with the final cells, their files and the export command, also when answered from the snapshot', async () => {
  const dir = project();
  const first = await runJson(dir);
  assert.equal(first.code, 0, first.stderr);
  const expected = {
    type: 'results',
    pipeline: 'p',
    cells: [
      { stage: 'total', cell: 'total', files: ['value.txt'] },
      { stage: 'side', cell: 'side', files: ['value.txt'] },
    ],
    out: 'results/p',
    exportCommand: 'ablate export p.json --out results/p --set bias=1',
  };
  const withSet = await runJson(dir, 'p.json', ['--set', 'bias=1']);
  assert.equal(withSet.code, 0, withSet.stderr);
  assert.deepEqual(last(withSet.stdout), expected);
  // A no-op run answers from the stored plan; it names the same files.
  const noop = await runJson(dir, 'p.json', ['--set', 'bias=1']);
  assert.deepEqual(last(noop.stdout), expected);
  assert.deepEqual(
    events(noop.stdout).filter((e) => e.type === 'cell' && e.status !== 'cached'),
    [],
  );

  const human = await ablate(dir, ['run', 'p.json']);
  assert.match(human.stdout, /results: total → value\.txt\n/);
  assert.match(human.stdout, /copy them out: ablate export p\.json --out results\/p\n/);
});

test('a failed run names no results', async () => {
  const dir = project();
  writeFileSync(
    join(dir, 'sum.mjs'),
    SUM_STAGE.replace('let total', "if (ctx.params.x === 2) throw new Error('boom');\n    let total"),
  );
  const r = await runJson(dir);
  assert.equal(r.code, 1);
  assert.deepEqual(
    events(r.stdout).filter((e) => e.type === 'results'),
    [],
  );
});

test("export writes provenance.json: the commit and whether the working tree was clean, and the records' versions", async () => {
  const dir = project();
  const git = (...args: string[]): string =>
    execFileSync('git', ['-C', dir, '-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
      encoding: 'utf8',
    }).trim();
  git('init', '-q');
  writeFileSync(join(dir, 'notes.txt'), 'notes\n');
  git('add', 'p.json', 'sum.mjs', 'notes.txt');
  git('commit', '-qm', 'study');
  assert.equal((await runJson(dir)).code, 0);
  const read = (out: string): Record<string, unknown> =>
    JSON.parse(readFileSync(join(dir, out, 'provenance.json'), 'utf8')) as Record<string, unknown>;

  assert.equal((await ablate(dir, ['export', 'p.json', '--out', 'clean'])).code, 0);
  const clean = read('clean');
  assert.deepEqual(clean.git, { commit: git('rev-parse', 'HEAD'), dirty: false });
  assert.deepEqual(clean.node, [process.version]);
  assert.equal(clean.pipeline, 'p');

  // A tracked file no cell reads: the cells stay cached, the tree is dirty.
  writeFileSync(join(dir, 'notes.txt'), 'edited\n');
  assert.equal((await ablate(dir, ['export', 'p.json', '--out', 'dirty'])).code, 0);
  assert.equal((read('dirty').git as { dirty: boolean }).dirty, true);
});
