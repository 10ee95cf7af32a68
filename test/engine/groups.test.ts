/**
 * Cell groups: sibling cells of a kind with a group policy run in one
 * worker process, yet each keeps its own fingerprint, outputs, log,
 * checkpoint and status. The `grouped` test kind writes a journal line per
 * process, naming the cells it ran together.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { repoRoot } from '../harness/cli.js';
import { cellsWith, groupAlive, killGroup, parseEvents, startedCells, waitFor, Workspace } from '../reliability/rig.js';
import { SUM_STAGE } from './harness.js';

const KIND = join(repoRoot, 'dist', 'test', 'engine', 'kinds', 'grouped.js');
const SEEDS = [0, 1, 2];
const trainCells = (seeds: readonly number[]): string[] => seeds.map((s) => `train[seed=${s}]`);

/** A `train` stage over seeds (and more axes), and a fan-in over it whose fingerprint folds in theirs. */
function pipeline(ws: Workspace, matrix: Record<string, unknown[]>, params: Record<string, unknown> = {}): string {
  writeFileSync(join(ws.dir, 'sum.mjs'), SUM_STAGE);
  return ws.write('p.json', {
    kinds: { grouped: KIND, sum: './sum.mjs' },
    stages: {
      train: { kind: 'grouped', matrix, params },
      total: { kind: 'sum', inputs: { t: { stage: 'train', all: true } } },
    },
  });
}

/** The cells each worker process of the `grouped` kind ran, in journal order. */
function processes(ws: Workspace): string[][] {
  return ws.journalEntries().flatMap((e) => (e.event === 'process' ? [[...(e.cells ?? [])].sort()] : []));
}

function holding(ws: Workspace): Set<string> {
  return new Set(ws.journalEntries().flatMap((e) => (e.event === 'hold' ? [e.cell] : [])));
}

interface Exported {
  fingerprints: Record<string, string>;
  /** Each train cell's files by name: value.txt (its result) and run.json (how it ran). */
  files: Record<string, Record<string, string> | undefined>;
}

/** `ablate export --all`: every cell's fingerprint, and each train cell's files keyed by its cell id. */
async function exported(ws: Workspace, p: string, cacheDir: string): Promise<Exported> {
  const out = mkdtempSync(join(ws.dir, 'export-'));
  const r = await ws.run(['export', p, '--all', '--out', out], cacheDir);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
    cells: Record<string, { fingerprint: string }>;
  };
  const fingerprints: Record<string, string> = {};
  const files: Exported['files'] = {};
  for (const [cell, m] of Object.entries(manifest.cells)) fingerprints[cell] = m.fingerprint;
  for (const folder of readdirSync(join(out, 'artifacts'))) {
    const names = readdirSync(join(out, 'artifacts', folder));
    if (!names.includes('run.json')) continue;
    // Export folders are named by cell id; these ids have no characters it escapes.
    const cell = folder;
    assert.ok(Object.hasOwn(manifest.cells, cell), `no cell for exported folder ${folder}`);
    files[cell] = Object.fromEntries(names.map((n) => [n, readFileSync(join(out, 'artifacts', folder, n), 'utf8')]));
  }
  return { fingerprints, files };
}

function fileOf(e: Exported, cell: string, name: string): string {
  const text = e.files[cell]?.[name];
  assert.ok(text !== undefined, `${cell} exported no ${name}`);
  return text;
}

/** How a train cell ran, from its volatile output. */
function runOf(e: Exported, cell: string): { groupSize: number; resumedAt: number } {
  return JSON.parse(fileOf(e, cell, 'run.json')) as { groupSize: number; resumedAt: number };
}

test('three seeds run as one group; each cell gets the bytes and fingerprint it gets alone', async (t) => {
  const ws = new Workspace('ablate-groups-');
  t.after(() => ws.dispose());
  const p = pipeline(ws, { seed: SEEDS });
  const grouped = await ws.run(['run', p, '-j', '1', '--reporter', 'json']);
  assert.equal(grouped.code, 0, grouped.stderr + grouped.stdout);
  assert.deepEqual(processes(ws), [trainCells(SEEDS)], 'the three seeds ran in one process');
  const events = parseEvents(grouped.stdout);
  assert.deepEqual(cellsWith(events, 'ran').sort(), [...trainCells(SEEDS), 'total'].sort());
  for (const cell of trainCells(SEEDS)) {
    const progress = events.filter((e) => e.type === 'progress' && e.cell === cell);
    assert.ok(progress.length > 0, `${cell} has its own progress`);
  }

  const log = await ws.run(['log', p, 'train[seed=1]']);
  assert.match(log.stdout, /train\[seed=1\] in a group of 3, resuming at step 0/);
  assert.doesNotMatch(log.stdout, /train\[seed=[02]\] in a group/, "a member's log holds only its own lines");

  const aloneCache = join(ws.dir, 'cache-alone');
  const alone = await ws.run(['run', p, '-j', '1', '--no-group', '--reporter', 'json'], aloneCache);
  assert.equal(alone.code, 0, alone.stderr + alone.stdout);
  assert.deepEqual(
    processes(ws).slice(1),
    trainCells(SEEDS).map((c) => [c]),
    '--no-group runs each cell alone',
  );

  const a = await exported(ws, p, ws.cacheDir);
  const b = await exported(ws, p, aloneCache);
  assert.deepEqual(a.fingerprints, b.fingerprints, 'grouping enters no fingerprint, downstream ones included');
  for (const [i, cell] of trainCells(SEEDS).entries()) {
    assert.equal(fileOf(a, cell, 'value.txt'), `${(SEEDS[i] ?? 0) * 10}\n`);
    assert.equal(fileOf(a, cell, 'value.txt'), fileOf(b, cell, 'value.txt'));
    assert.equal(runOf(a, cell).groupSize, 3);
    assert.equal(runOf(b, cell).groupSize, 1);
  }
});

test('a member that fails fails alone; the others are cached and a re-run runs only it', async (t) => {
  const ws = new Workspace('ablate-groups-');
  t.after(() => ws.dispose());
  const p = pipeline(ws, { seed: SEEDS }, { failSeed: 1 });
  const r = await ws.run(['run', p, '-j', '1', '--reporter', 'json']);
  assert.equal(r.code, 1, r.stderr + r.stdout);
  assert.deepEqual(processes(ws), [trainCells(SEEDS)]);
  const events = parseEvents(r.stdout);
  assert.deepEqual(cellsWith(events, 'failed'), ['train[seed=1]']);
  assert.deepEqual(cellsWith(events, 'ran').sort(), trainCells([0, 2]));
  assert.deepEqual(cellsWith(events, 'skipped'), ['total']);
  const failed = events.find((e) => e.type === 'cell' && e.status === 'failed');
  assert.match(failed?.type === 'cell' ? (failed.message ?? '') : '', /^loss is NaN \(seed 1\)$/);
  const log = await ws.run(['log', p, 'train[seed=1]']);
  assert.match(log.stdout, /loss is NaN \(seed 1\)/);

  const again = await ws.run(['run', p, '-j', '1', '--reporter', 'json']);
  assert.equal(again.code, 1);
  const second = parseEvents(again.stdout);
  assert.deepEqual(startedCells(second), ['train[seed=1]'], 'only the failed member runs again');
  assert.deepEqual(cellsWith(second, 'cached').sort(), trainCells([0, 2]));
});

test('a group whose runGroup throws or whose process dies fails every member with that reason', async (t) => {
  const ws = new Workspace('ablate-groups-');
  t.after(() => ws.dispose());
  const reasons = { throw: /^the stacked model could not be built$/, kill: /^killed \(SIGKILL/ };
  for (const [breakGroup, reason] of Object.entries(reasons)) {
    const p = pipeline(ws, { seed: SEEDS }, { breakGroup });
    const r = await ws.run(['run', p, '-j', '1', '--reporter', 'json']);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const events = parseEvents(r.stdout);
    assert.deepEqual(cellsWith(events, 'failed').sort(), trainCells(SEEDS), breakGroup);
    for (const e of events)
      if (e.type === 'cell' && e.status === 'failed') assert.match(e.message ?? '', reason, `${breakGroup}: ${e.cell}`);
    // The process's own output (here a stack trace) is in every member's log.
    const log = await ws.run(['log', p, 'train[seed=2]']);
    if (breakGroup === 'throw') assert.match(log.stdout, /Error: the stacked model could not be built\n\s+at /);
  }
  assert.deepEqual(processes(ws), [trainCells(SEEDS), trainCells(SEEDS)]);
});

test('an interrupted group resumes each member from its own checkpoint, grouped or not', async (t) => {
  const ws = new Workspace('ablate-groups-');
  t.after(() => ws.dispose());
  const p = pipeline(ws, { seed: SEEDS });
  const run = ws.start(['run', p, '-j', '1', '--reporter', 'json'], ws.cacheDir, { ABLATE_TEST_GROUP_HOLD: '1' });
  t.after(() => {
    if (!run.hasExited()) killGroup(run.pid, 'SIGKILL');
  });
  // Each member journals "hold" once its step-1 checkpoint is written, and then waits to be stopped.
  await waitFor('every member to checkpoint step 1', () => trainCells(SEEDS).every((c) => holding(ws).has(c)), {
    run,
  });
  killGroup(run.pid, 'SIGINT');
  const r = await run.exited;
  assert.equal(r.code, 130, r.stderr + r.stdout);
  assert.equal(groupAlive(run.pid), false, 'the group process outlived the run');
  const events = parseEvents(r.stdout);
  assert.deepEqual(cellsWith(events, 'failed'), [], 'an interrupted member is not a failure');
  assert.deepEqual(cellsWith(events, 'ran'), []);
  assert.deepEqual(processes(ws), [trainCells(SEEDS)]);

  const again = await ws.run(['run', p, '-j', '1', '--no-group', '--reporter', 'json']);
  assert.equal(again.code, 0, again.stderr + again.stdout);
  const resumed = await exported(ws, p, ws.cacheDir);
  for (const cell of trainCells(SEEDS)) assert.deepEqual(runOf(resumed, cell), { groupSize: 1, resumedAt: 1 }, cell);
});

test(
  'members another run is computing wait for it alone and are served from the cache',
  { timeout: 120_000 },
  async (t) => {
    const ws = new Workspace('ablate-groups-');
    t.after(() => ws.dispose());
    const p = pipeline(ws, { seed: SEEDS });
    const release = join(ws.dir, 'release');
    const first = ws.start(['run', p, '-j', '1', '--reporter', 'json'], ws.cacheDir, {
      ABLATE_TEST_GROUP_HOLD: '1',
      ABLATE_TEST_RELEASE: release,
    });
    t.after(() => {
      if (!first.hasExited()) killGroup(first.pid, 'SIGKILL');
    });
    await waitFor('the first run to hold its group', () => trainCells(SEEDS).every((c) => holding(ws).has(c)), {
      run: first,
    });
    const second = ws.start(['run', p, '-j', '1', '--axis', 'seed+=3', '--reporter', 'json'], ws.cacheDir);
    t.after(() => {
      if (!second.hasExited()) killGroup(second.pid, 'SIGKILL');
    });
    // The second run groups all four seeds, finds three leased by the first run, and computes the fourth alone.
    const ran = await second.waitForLine((l) => l.includes('"status":"ran"') && l.includes('train[seed=3]'));
    assert.ok(ran !== undefined, 'the second run computed train[seed=3]');
    writeFileSync(release, '');
    const [a, b] = await Promise.all([first.exited, second.exited]);
    assert.equal(a.code, 0, a.stderr + a.stdout);
    assert.equal(b.code, 0, b.stderr + b.stdout);
    const events = parseEvents(b.stdout);
    assert.deepEqual(cellsWith(events, 'cached').sort(), trainCells(SEEDS));
    assert.deepEqual(startedCells(events), ['train[seed=3]', 'total']);
    assert.deepEqual(processes(ws), [trainCells(SEEDS), ['train[seed=3]']], 'each cell was computed once');
  },
);

test('--group-size caps groups; cells that differ outside `over` never share one; slots share the cells', async (t) => {
  const ws = new Workspace('ablate-groups-');
  t.after(() => ws.dispose());
  const p = pipeline(ws, { seed: [0, 1, 2, 3], offset: [0, 1] });
  const capped = await ws.run(['run', p, '-j', '1', '--group-size', '2', '--reporter', 'json']);
  assert.equal(capped.code, 0, capped.stderr + capped.stdout);
  const groups = processes(ws);
  assert.equal(groups.length, 4, JSON.stringify(groups));
  for (const g of groups) {
    assert.equal(g.length, 2, JSON.stringify(groups));
    const offsets = new Set(g.map((c) => /offset=(\d+)/.exec(c)?.[1]));
    assert.equal(offsets.size, 1, `one group mixed offsets: ${JSON.stringify(g)}`);
  }

  // Two free slots and four compatible cells: two groups of two, not one of four and an idle slot.
  const spread = await ws.run(['run', p, '-j', '2', '--axis', 'offset=0', '--reporter', 'json'], join(ws.dir, 'c2'));
  assert.equal(spread.code, 0, spread.stderr + spread.stdout);
  assert.deepEqual(
    processes(ws)
      .slice(4)
      .map((g) => g.length),
    [2, 2],
  );

  for (const bad of ['0', 'two']) {
    const r = await ws.run(['run', p, '--group-size', bad]);
    assert.equal(r.code, 2, r.stderr + r.stdout);
    assert.match(r.stderr, new RegExp(`--group-size expects a whole number of at least 1, got "${bad}"`));
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('a kind with a group policy and no runGroup, or the reverse, is a clear definition error', async (t) => {
  const ws = new Workspace('ablate-groups-');
  t.after(() => ws.dispose());
  const kinds = {
    nogroup: `export default { params: { type: 'object' }, group: { over: ['seed'] }, async run() {} };`,
    nopolicy: `export default { params: { type: 'object' }, async run() {}, async runGroup() { return []; } };`,
  };
  const expected = {
    nogroup: /cannot load stage kind "nogroup": .*nogroup\.mjs declares a group policy but no runGroup/,
    nopolicy: /cannot load stage kind "nopolicy": .*nopolicy\.mjs defines runGroup but no group policy/,
  };
  for (const [name, source] of Object.entries(kinds)) {
    writeFileSync(join(ws.dir, `${name}.mjs`), source);
    const p = ws.write(`${name}.json`, { kinds: { [name]: `./${name}.mjs` }, stages: { x: { kind: name } } });
    const r = await ws.run(['run', p]);
    assert.equal(r.code, 2, r.stderr + r.stdout);
    assert.match(r.stderr + r.stdout, expected[name as keyof typeof expected]);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});
