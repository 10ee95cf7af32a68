import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { ablate, byStatus, events, runJson, SUM_STAGE, tempProject, writeJson } from './harness.js';

function project(): string {
  const dir = tempProject();
  writeFileSync(join(dir, 'sum.mjs'), SUM_STAGE);
  writeJson(join(dir, 'p.json'), pipeline({ x: [1, 2, 3] }, 10));
  return dir;
}

function pipeline(matrix: Record<string, unknown[]>, bias: number): unknown {
  return {
    kinds: { sum: './sum.mjs' },
    stages: {
      gen: { kind: 'sum', matrix, params: { bias } },
      double: { kind: 'sum', inputs: { a: 'gen' }, matrix },
      total: { kind: 'sum', inputs: { all: { stage: 'double', all: true } } },
      side: { kind: 'sum', params: { x: 100 } },
    },
  };
}

test('a second run executes no cell', async () => {
  const dir = project();
  const first = await runJson(dir);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(byStatus(first.stdout).ran?.length, 8);
  const second = await runJson(dir);
  assert.equal(second.code, 0);
  assert.deepEqual(byStatus(second.stdout).ran, []);
  assert.equal(byStatus(second.stdout).cached?.length, 8);
  const summary = events(second.stdout).find((e) => e.type === 'summary');
  assert.equal(summary?.type, 'summary');
  assert.deepEqual([summary.ran, summary.cached, summary.failed, summary.skipped], [0, 8, 0, 0]);
});

test('changing one param re-runs exactly the affected cells and their dependents', async () => {
  const dir = project();
  await runJson(dir);
  writeJson(join(dir, 'p.json'), pipeline({ x: [1, 2, 3] }, 11));
  const r = await runJson(dir);
  assert.deepEqual(byStatus(r.stdout).ran, [
    'double[x=1]',
    'double[x=2]',
    'double[x=3]',
    'gen[x=1]',
    'gen[x=2]',
    'gen[x=3]',
    'total',
  ]);
  assert.deepEqual(byStatus(r.stdout).cached, ['side']);
});

test('appending and inserting matrix values runs only the new cells and the fan-in', async () => {
  const dir = project();
  await runJson(dir);
  writeJson(join(dir, 'p.json'), pipeline({ x: [0, 1, 2, 3, 4] }, 10));
  const status = await ablate(dir, ['status', 'p.json']);
  assert.match(status.stdout, /^12 cells: 7 cached, 5 to run/);
  assert.match(status.stdout, /gen\[x=0\]\s+\(new cell/);
  const r = await runJson(dir);
  assert.deepEqual(byStatus(r.stdout).ran, ['double[x=0]', 'double[x=4]', 'gen[x=0]', 'gen[x=4]', 'total']);
});

test("editing a stage's code invalidates only that stage's cells", async () => {
  const dir = project();
  writeFileSync(join(dir, 'other.mjs'), SUM_STAGE);
  const p = pipeline({ x: [1, 2] }, 10) as { stages: Record<string, { kind: string }>; kinds: Record<string, string> };
  p.kinds.other = './other.mjs';
  (p.stages.side as { kind: string }).kind = 'other';
  writeJson(join(dir, 'p.json'), p);
  await runJson(dir);
  writeFileSync(join(dir, 'other.mjs'), `${SUM_STAGE}\n// a comment changes the code hash\n`);
  const r = await runJson(dir);
  assert.deepEqual(byStatus(r.stdout).ran, ['side']);
  const explain = await ablate(dir, ['explain', 'p.json', 'side']);
  assert.match(explain.stdout, /cached: fingerprint/);
});

test('early cutoff: identical outputs keep dependents cached', async () => {
  const dir = tempProject();
  const stages = (command: string): unknown => ({
    stages: {
      up: { kind: 'exec', params: { command, outputs: ['v.txt'] } },
      down: {
        kind: 'exec',
        inputs: { up: 'up' },
        params: { command: 'cp $ABLATE_IN_UP/v.txt w.txt', outputs: ['w.txt'] },
      },
    },
  });
  writeJson(join(dir, 'p.json'), stages('echo 7 > v.txt'));
  await runJson(dir);
  writeJson(join(dir, 'p.json'), stages('echo 7 >v.txt'));
  const r = await runJson(dir);
  assert.deepEqual(byStatus(r.stdout).ran, ['up']);
  assert.deepEqual(byStatus(r.stdout).cached, ['down']);
});

test('explain shows a value-level diff against the last run', async () => {
  const dir = project();
  await runJson(dir);
  const p = pipeline({ x: [1, 2, 3] }, 10) as { stages: { side: { params: { x: number } } } };
  p.stages.side.params.x = 101;
  writeJson(join(dir, 'p.json'), p);
  const r = await ablate(dir, ['explain', 'p.json', 'side']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /params\.x: 100 -> 101/);
  const blocked = await ablate(dir, ['explain', 'p.json', 'total']);
  assert.match(blocked.stdout, /cached/);
});

test('--require-cached refuses with exit 3 before running anything, and passes when all is cached', async () => {
  const dir = project();
  const refused = await runJson(dir, 'p.json', ['--require-cached']);
  assert.equal(refused.code, 3);
  assert.deepEqual(byStatus(refused.stdout).ran, []);
  await runJson(dir);
  const ok = await runJson(dir, 'p.json', ['--require-cached']);
  assert.equal(ok.code, 0);
});

test('--only runs one stage and what it needs; --force re-runs a cached stage', async () => {
  const dir = project();
  const only = await runJson(dir, 'p.json', ['--only', 'double']);
  assert.deepEqual(byStatus(only.stdout).ran, [
    'double[x=1]',
    'double[x=2]',
    'double[x=3]',
    'gen[x=1]',
    'gen[x=2]',
    'gen[x=3]',
  ]);
  const forced = await runJson(dir, 'p.json', ['--force', 'side']);
  assert.deepEqual(byStatus(forced.stdout).ran, ['side', 'total']);
  const total = await ablate(dir, ['export', 'p.json', '--out', 'out']);
  assert.equal(total.code, 0, total.stderr);
  // gen = x + 10; double = x + gen (its axis value is a param too); total = 12 + 14 + 16
  assert.equal(readFileSync(join(dir, 'out/artifacts/total/value.txt'), 'utf8'), '42');
  const manifest = JSON.parse(readFileSync(join(dir, 'out/manifest.json'), 'utf8')) as {
    cells: Record<string, { fingerprint: string; breakdown: { params: unknown } }>;
  };
  assert.equal(Object.keys(manifest.cells).length, 8);
  assert.deepEqual(manifest.cells['gen[x=2]']?.breakdown.params, { bias: 10, x: 2 });
});

test('a cell shared with another pipeline is a cache hit there', async () => {
  const dir = project();
  await runJson(dir);
  const p = pipeline({ x: [1, 2, 3] }, 10) as { stages: Record<string, unknown> };
  delete p.stages.total;
  writeJson(join(dir, 'q.json'), p);
  const r = await runJson(dir, 'q.json');
  assert.deepEqual(byStatus(r.stdout).ran, []);
  assert.equal(byStatus(r.stdout).cached?.length, 7);
});

test('volatile outputs are stored but do not defeat early cutoff', async () => {
  const dir = tempProject();
  writeFileSync(
    join(dir, 'timed.mjs'),
    `export default {
  params: { type: 'object' },
  volatile: ['timing.json'],
  async run(ctx) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(ctx.outDir + '/value.txt', '5');
    writeFileSync(ctx.outDir + '/timing.json', JSON.stringify({ at: process.hrtime.bigint().toString() }));
  },
};
`,
  );
  writeJson(join(dir, 'p.json'), {
    kinds: { timed: './timed.mjs' },
    stages: {
      up: { kind: 'timed' },
      down: { kind: 'exec', inputs: { up: 'up' }, params: { command: 'cp $ABLATE_IN_UP/value.txt v', outputs: ['v'] } },
    },
  });
  await runJson(dir);
  const r = await runJson(dir, 'p.json', ['--force', 'up']);
  assert.deepEqual(byStatus(r.stdout).ran, ['up']);
  assert.deepEqual(byStatus(r.stdout).cached, ['down']);
  const verify = await ablate(dir, ['verify', 'p.json', '--cell', 'up']);
  assert.equal(verify.code, 0, verify.stdout);
  const exported = await ablate(dir, ['export', 'p.json', '--out', 'e', '--all']);
  assert.equal(exported.code, 0);
  assert.match(readFileSync(join(dir, 'e/artifacts/up/timing.json'), 'utf8'), /"at"/);
});
