/**
 * Corruption: flipped bytes in an artifact, a truncated artifact, a record
 * pointing at a missing artifact, a damaged or truncated database. Each is
 * detected, reported in one line naming the cell (or, for the database, a
 * message naming `ablate doctor --rebuild`), never a stack trace, and the
 * next run recomputes exactly what was lost.
 */
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { study, type StudyShape } from './pipelines.js';
import { databaseDamage } from './db-damage.js';
import { cellsWith, parseEvents, Workspace } from './rig.js';

const SHAPE: StudyShape = { steps: 2, stepMs: 0, payloadKB: 64, seeds: [0, 1] };
let ws: Workspace;
let pipeline: string;
let finals: Record<string, string>;
/** Output file -> blob hash, per cell. */
let blobs: Record<string, Record<string, string>>;

before(async () => {
  ws = new Workspace();
  pipeline = ws.write('study.json', study(SHAPE));
  const r = await ws.run(['run', pipeline]);
  assert.equal(r.code, 0, r.stderr);
  finals = await ws.finals(pipeline);
  const out = join(ws.dir, 'manifest');
  assert.equal((await ws.run(['export', pipeline, '--all', '--out', out])).code, 0);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
    cells: Record<string, { outputs: Record<string, { sha256: string }> }>;
  };
  blobs = Object.fromEntries(
    Object.entries(manifest.cells).map(([cell, m]) => [
      cell,
      Object.fromEntries(Object.entries(m.outputs).map(([f, o]) => [f, o.sha256])),
    ]),
  );
  rmSync(out, { recursive: true });
});
after(() => ws.dispose());

/** A copy of the populated cache to damage. */
function copy(name: string): string {
  const dir = join(ws.dir, `cache-${name}`);
  cpSync(ws.cacheDir, dir, { recursive: true });
  return dir;
}

function blobPath(cache: string, cell: string, file: string): string {
  const hash = blobs[cell]?.[file] as string;
  return join(cache, 'blobs', hash.slice(0, 2), hash);
}

function noStack(text: string): void {
  assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+\)?\n|internal error/, text);
}

test('flipped bytes in an input artifact: the run says which cell, re-runs it and what depends on it', async () => {
  const cache = copy('flip');
  const p = blobPath(cache, 'train[seed=0]', 'payload.bin');
  const bytes = readFileSync(p);
  for (const i of [0, 100, bytes.length - 1]) bytes[i] = (bytes[i] as number) ^ 0xff;
  writeFileSync(p, bytes);
  // eval is forced, so its inputs (the train artifacts) are read and verified first.
  const r = await ws.run(['run', pipeline, '--force', 'eval', '--reporter', 'json'], cache);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const warnings = parseEvents(r.stdout).filter((e) => e.type === 'warning');
  assert.equal(warnings.length, 1, JSON.stringify(warnings));
  assert.match(
    JSON.stringify(warnings[0]),
    /train\[seed=0\]: cached artifact \\"payload\.bin\\" is corrupt; the cell will re-run/,
  );
  const ran = cellsWith(parseEvents(r.stdout), 'ran');
  assert.deepEqual(
    ran.filter((c) => c.startsWith('train')),
    ['train[seed=0]'],
  );
  assert.deepEqual(await ws.finals(pipeline, cache), finals);
});

test('a truncated final artifact: doctor reports the cell in one line and drops it; the next run recomputes only it', async () => {
  const cache = copy('truncate');
  truncateSync(blobPath(cache, 'summary', 'summary.txt'), 3);
  const d = await ws.doctor(cache);
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /^dropped summary: artifact "summary\.txt" is missing or corrupt$/m);
  assert.match(d.stdout, /doctor: 6 record\(s\) verified, 1 dropped/);
  const r = await ws.run(['run', pipeline, '--reporter', 'json'], cache);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(cellsWith(parseEvents(r.stdout), 'ran'), ['summary']);
  assert.deepEqual(await ws.finals(pipeline, cache), finals);
});

test('a record pointing at a missing artifact: export names the cell and drops it; the next run recomputes only it', async () => {
  const cache = copy('missing');
  unlinkSync(blobPath(cache, 'summary', 'summary.txt'));
  const e = await ws.run(['export', pipeline, '--out', join(ws.dir, 'out-missing')], cache);
  assert.equal(e.code, 4, e.stderr + e.stdout);
  assert.equal(e.stderr.trim().split('\n').length, 1, e.stderr);
  assert.match(
    e.stderr,
    /^summary: cached artifact "summary\.txt" is missing or corrupt; it was removed from the cache/,
  );
  noStack(e.stderr);
  const r = await ws.run(['run', pipeline, '--reporter', 'json'], cache);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(cellsWith(parseEvents(r.stdout), 'ran'), ['summary']);
  assert.deepEqual(await ws.finals(pipeline, cache), finals);
});

// The other two kinds of database damage run in test:faults (test/faults/corruption.test.ts).
for (const name of ['truncated', 'overwritten inside'] as const) {
  test(`a database ${name}: a clear message and exit 4 (no crash), then doctor --rebuild and a run restore everything`, async () => {
    await databaseDamage(name, ['run', 'doctor']);
  });
}
