import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { ablate, byStatus, events, runJson, SUM_STAGE, tempProject, writeJson } from './harness.js';

function pipeline(bias: number): Record<string, unknown> {
  return {
    kinds: { sum: './sum.mjs', other: './other.mjs' },
    stages: {
      gen: { kind: 'sum', matrix: { x: [1, 2, 3] }, params: { bias } },
      double: { kind: 'sum', inputs: { a: 'gen' }, matrix: { x: [1, 2, 3] } },
      total: { kind: 'sum', inputs: { all: { stage: 'double', all: true } } },
      side: { kind: 'other', params: { x: 100 } },
      shell: {
        kind: 'exec',
        params: { command: 'cat "$ABLATE_PIPELINE_DIR/dep.txt" > out.txt', deps: ['dep.txt'], outputs: ['out.txt'] },
      },
    },
  };
}

function project(): string {
  const dir = tempProject('ablate-snapshot-');
  writeFileSync(join(dir, 'sum.mjs'), SUM_STAGE);
  writeFileSync(join(dir, 'other.mjs'), SUM_STAGE);
  writeFileSync(join(dir, 'dep.txt'), 'one\n');
  writeJson(join(dir, 'p.json'), pipeline(10));
  // Files edited a minute ago: a stat taken within 2 s of a change is not trusted, and no plan is stored then.
  settle(dir, ['sum.mjs', 'other.mjs', 'dep.txt']);
  return dir;
}

function settle(dir: string, files: readonly string[]): void {
  const past = new Date(Date.now() - 60_000);
  for (const f of files) utimesSync(join(dir, f), past, past);
}

function snapshotFile(dir: string): string {
  const files = readdirSync(join(dir, 'cache', 'plans')).filter((f) => f.endsWith('.json'));
  assert.equal(files.length, 1, `one stored plan, found ${files.join(', ')}`);
  return join(dir, 'cache', 'plans', files[0] as string);
}

/** Marks one cell "to run" inside the stored plan, so a status answered from it is recognisable. */
function tamper(dir: string): void {
  const file = snapshotFile(dir);
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    rows: { cell: string; status: string; reasons: string[] }[];
  };
  const row = snap.rows.find((r) => r.cell === 'side');
  assert.ok(row);
  row.status = 'run';
  row.reasons = ['marked by the test'];
  writeFileSync(file, JSON.stringify(snap));
}

async function status(dir: string): Promise<string> {
  const r = await ablate(dir, ['status', 'p.json']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test('status and a no-op run answer from the stored plan, with the same output as a full plan', async () => {
  const dir = project();
  const first = await runJson(dir);
  assert.equal(first.code, 0, first.stderr);
  const stored = await ablate(dir, ['status', 'p.json', '--json']);
  rmSync(join(dir, 'cache', 'plans'), { recursive: true });
  const full = await ablate(dir, ['status', 'p.json', '--json']);
  assert.equal(stored.stdout, full.stdout);
  assert.match(full.stdout, /"cells":9,"cached":9,"toRun":0/);

  const noop = await runJson(dir);
  assert.equal(noop.code, 0, noop.stderr);
  assert.equal(byStatus(noop.stdout).cached?.length, 9);
  const plan = events(noop.stdout).find((e) => e.type === 'plan');
  assert.deepEqual([plan?.cells, plan?.cached, plan?.toRun], [9, 9, 0]);
  assert.deepEqual(
    events(noop.stdout)
      .map((e) => e.type)
      .slice(-2),
    ['summary', 'results'],
  );

  tamper(dir);
  assert.match(
    await status(dir),
    /run\s+side\s+\(marked by the test\)/,
    'an unchanged pipeline and cache are answered from the stored plan',
  );
});

test('the stored plan is not used once the pipeline, stage code, a declared dependency or the cache changed', async () => {
  const dir = project();
  assert.equal((await runJson(dir)).code, 0);
  assert.match(await status(dir), /^9 cells: 9 cached, 0 to run/);

  writeJson(join(dir, 'p.json'), pipeline(11));
  assert.match(await status(dir), /^9 cells: 2 cached, 7 to run/);
  writeJson(join(dir, 'p.json'), pipeline(10));
  assert.match(await status(dir), /^9 cells: 9 cached, 0 to run/);

  writeFileSync(join(dir, 'other.mjs'), `${SUM_STAGE}\n// changed\n`);
  settle(dir, ['other.mjs']);
  assert.match(await status(dir), /^9 cells: 8 cached, 1 to run\n {2}run\s+side\s+\(code: other\.mjs changed\)/);
  writeFileSync(join(dir, 'other.mjs'), SUM_STAGE);
  settle(dir, ['other.mjs']);
  assert.match(await status(dir), /^9 cells: 9 cached, 0 to run/);

  writeFileSync(join(dir, 'dep.txt'), 'two\n');
  settle(dir, ['dep.txt']);
  assert.match(await status(dir), /^9 cells: 8 cached, 1 to run\n {2}run\s+shell/);
  writeFileSync(join(dir, 'dep.txt'), 'one\n');
  settle(dir, ['dep.txt']);
  assert.match(await status(dir), /^9 cells: 9 cached, 0 to run/);

  // Any commit to the cache, here by another pipeline, retires the stored plan.
  tamper(dir);
  writeJson(join(dir, 'q.json'), { kinds: { sum: './sum.mjs' }, stages: { fresh: { kind: 'sum', params: { x: 7 } } } });
  assert.equal((await runJson(dir, 'q.json')).code, 0);
  assert.match(await status(dir), /^9 cells: 9 cached, 0 to run\n$/);
});

test('a damaged stored plan is ignored and replaced', async () => {
  const dir = project();
  assert.equal((await runJson(dir)).code, 0);
  await status(dir);
  writeFileSync(snapshotFile(dir), '{"version":1,"key":');
  assert.match(await status(dir), /^9 cells: 9 cached, 0 to run\n$/);
  assert.doesNotThrow(() => JSON.parse(readFileSync(snapshotFile(dir), 'utf8')));
});

test('a file rewritten with the same size and mtime is read again, by the stored plan and by the planner', async () => {
  const dir = project();
  assert.equal((await runJson(dir)).code, 0);
  assert.match(await status(dir), /^9 cells: 9 cached, 0 to run/);
  assert.ok(snapshotFile(dir));

  // A file system with coarse timestamps: same size, same mtime, other bytes.
  const before = statSync(join(dir, 'dep.txt'));
  writeFileSync(join(dir, 'dep.txt'), 'two\n');
  utimesSync(join(dir, 'dep.txt'), before.atime, before.mtime);
  assert.equal(statSync(join(dir, 'dep.txt')).mtimeMs, before.mtimeMs);
  assert.match(await status(dir), /^9 cells: 8 cached, 1 to run\n {2}run\s+shell/);
  rmSync(join(dir, 'cache', 'plans'), { recursive: true });
  assert.match(await status(dir), /^9 cells: 8 cached, 1 to run\n {2}run\s+shell/);
  const rerun = await runJson(dir);
  assert.deepEqual(byStatus(rerun.stdout).ran, ['shell']);
  const verified = await ablate(dir, ['verify', 'p.json', '--cell', 'shell']);
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
});

test('a plan made while a file it reads was being edited is not stored', async () => {
  const dir = project();
  assert.equal((await runJson(dir)).code, 0);
  // A change stamped after the plan began (here: in the future, whatever the machine's speed) means the plan may have read other bytes.
  const later = new Date(Date.now() + 60_000);
  utimesSync(join(dir, 'dep.txt'), later, later);
  rmSync(join(dir, 'cache', 'plans'), { recursive: true, force: true });
  assert.match(await status(dir), /^9 cells: 9 cached, 0 to run/);
  assert.equal(
    existsSync(join(dir, 'cache', 'plans'))
      ? readdirSync(join(dir, 'cache', 'plans')).filter((f) => f.endsWith('.json')).length
      : 0,
    0,
  );
});
