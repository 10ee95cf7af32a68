/**
 * `ablate diff` end to end, between --set states, two files and a git
 * revision, all answered from the cache.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { ablate, runJson, tempProject, writeJson } from './harness.js';

/** score = 10x + seed, plus `bias` for x = 2 only: changing bias changes exactly that variant. */
const COMMAND = 'echo "{\\"score\\": $(( {{x}} * 10 + {{seed}} + ( {{x}} == 2 ? {{bias}} : 0 ) ))}" > metrics.json';

function pipeline(bias: number, xs = [1, 2, 3]): unknown {
  return {
    vars: { bias },
    stages: {
      m: {
        kind: 'exec',
        metrics: 'metrics.json',
        params: { command: COMMAND, outputs: ['metrics.json'], bias: { $var: 'bias' } },
        matrix: { x: xs, seed: [0, 1, 2] },
      },
    },
  };
}

interface DiffJson {
  rows: {
    axes: Record<string, unknown>;
    metric: string;
    diff: number;
    low?: number;
    high?: number;
    left: { n: number; mean: number };
    right: { n: number; mean: number };
  }[];
  unchanged: number;
  onlyLeft: string[];
  onlyRight: string[];
  violations: string[];
}

test('diff between two --set states finds exactly the changed variant, with a Welch interval', async () => {
  const dir = tempProject();
  writeJson(join(dir, 'p.json'), pipeline(0));
  assert.equal((await runJson(dir)).code, 0);
  assert.equal((await runJson(dir, 'p.json', ['--set', 'bias=5'])).code, 0);
  const r = await ablate(dir, ['diff', 'p.json', '--left-set', 'bias=0', '--right-set', 'bias=5', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout) as DiffJson;
  assert.deepEqual(
    d.rows.map((row) => [row.axes, row.metric]),
    [[{ x: 2 }, 'score']],
    'only x=2 changed',
  );
  assert.equal(d.unchanged, 2);
  const row = d.rows[0];
  assert.ok(row !== undefined);
  assert.equal(row.diff, 5);
  assert.equal(row.left.mean, 21);
  assert.equal(row.right.mean, 26);
  // Equal spreads (seeds 0..2, sd 1) on both sides: Welch's dof is 4, t(0.975, 4) = 2.776445105 (jstat inverts the CDF to about 1e-8).
  const half = 2.776445105197793 * Math.sqrt(2 / 3);
  assert.ok(
    Math.abs((row.low as number) - (5 - half)) < 1e-6 && Math.abs((row.high as number) - (5 + half)) < 1e-6,
    `${row.low}, ${row.high}`,
  );
  const text = await ablate(dir, ['diff', 'p.json', '--left-set', 'bias=0', '--right-set', 'bias=5']);
  assert.match(text.stdout, /^2 +score .* \+5 /m);
  const failing = await ablate(dir, [
    'diff',
    'p.json',
    '--left-set',
    'bias=0',
    '--right-set',
    'bias=5',
    '--fail-on',
    'score>1',
  ]);
  assert.equal(failing.code, 1, 'a difference past the bound exits 1');
  assert.match(failing.stdout, /m\[x=2\] score: changed by 5 \(--fail-on 'score>1'\)/);
  const passing = await ablate(dir, [
    'diff',
    'p.json',
    '--left-set',
    'bias=0',
    '--right-set',
    'bias=5',
    '--fail-on',
    'score>5',
  ]);
  assert.equal(passing.code, 0);
  const bad = await ablate(dir, [
    'diff',
    'p.json',
    '--left-set',
    'bias=0',
    '--right-set',
    'bias=5',
    '--fail-on',
    'score~1',
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--fail-on "score~1": expected METRIC>NUMBER/);
});

test('diff between two files lists variants present on one side only', async () => {
  const dir = tempProject();
  writeJson(join(dir, 'a.json'), pipeline(0, [1, 2]));
  writeJson(join(dir, 'b.json'), pipeline(0, [2, 3]));
  assert.equal((await runJson(dir, 'a.json')).code, 0);
  assert.equal((await runJson(dir, 'b.json')).code, 0);
  const r = await ablate(dir, ['diff', 'a.json', 'b.json', '--format', 'json', '--all']);
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout) as DiffJson;
  assert.deepEqual(d.onlyLeft, ['m[x=1]']);
  assert.deepEqual(d.onlyRight, ['m[x=3]']);
  assert.deepEqual(
    d.rows.map((row) => [row.axes, row.diff]),
    [[{ x: 2 }, 0]],
  );
});

test('diff --rev compares the pipeline file with itself at a git revision', async () => {
  const dir = tempProject();
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: dir,
      encoding: 'utf8',
    });
  git('init', '-q');
  writeJson(join(dir, 'p.json'), pipeline(0));
  git('add', 'p.json');
  git('commit', '-qm', 'bias 0');
  assert.equal((await runJson(dir)).code, 0);
  writeJson(join(dir, 'p.json'), pipeline(3));
  assert.equal((await runJson(dir)).code, 0);
  const r = await ablate(dir, ['diff', 'p.json', '--rev', 'HEAD', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout) as DiffJson;
  assert.deepEqual(
    d.rows.map((row) => [row.axes, row.diff]),
    [[{ x: 2 }, 3]],
  );
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith('.p')),
    [],
    'the copy of the old file is removed',
  );
  const missing = await ablate(dir, ['diff', 'p.json', '--rev', 'no-such-rev']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^--rev no-such-rev: /);
});
