/**
 * `ablate gc` while a run stores and commits outputs: gc keeps what a live
 * lease or a commit in flight needs, so every cell of the run succeeds and
 * every record it committed has its artifacts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CellRecord } from '../../src/cache/cache.js';
import { LmdbCache } from '../../src/cache/lmdb-cache.js';
import { storeAndCommit } from '../../src/execution/outputs.js';
import type { FingerprintData, FingerprintHash } from '../../src/plan/fingerprint.js';
import { within } from './bounded.js';
import { cellsWith, parseEvents, Workspace } from './rig.js';

const CELLS = 24;

test('gc run repeatedly during a run removes nothing the run needs', { timeout: 180_000 }, async (t) => {
  const ws = new Workspace();
  try {
    // Each cell writes several distinct files of 1 MiB, so stores and commits take a while and overlap gc.
    const command = 'for i in 1 2 3 4; do head -c 1048576 /dev/urandom > f$i.bin; done; echo {{n}} > n.txt';
    const p = ws.write('p.json', {
      stages: { a: { kind: 'exec', matrix: { n: Array.from({ length: CELLS }, (_, i) => i) }, params: { command } } },
    });
    const run = ws.start(['run', p, '--reporter', 'json', '-j', '2']);
    const first = await run.waitForLine((l) => l.includes('"status":"ran"'));
    assert.ok(first, 'a cell ran');
    let gcs = 0;
    let kept = 0;
    // Set by the callback on the next line, which TypeScript's narrowing cannot see: hence the wider type.
    let finished = false as boolean;
    void run.exited.then(() => (finished = true));
    while (!finished && gcs < 200) {
      const gc = await ws.run(['gc']);
      assert.equal(gc.code, 0, gc.stderr);
      kept += Number(/kept (\d+) blob/.exec(gc.stdout)?.[1] ?? 0);
      gcs++;
    }
    const r = await within(run, 60_000);
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.equal(cellsWith(parseEvents(r.stdout), 'failed').length, 0);
    assert.ok(gcs > 0, 'gc ran during the run');
    t.diagnostic(`${gcs} gc runs during the run; they kept ${kept} uncommitted blob(s) of live leases in all`);
    const doctor = await ws.doctor();
    assert.match(doctor.stdout, new RegExp(`${CELLS} record\\(s\\) verified, 0 dropped`), doctor.stdout);
    const again = await ws.run(['run', p, '--reporter', 'json']);
    assert.equal(cellsWith(parseEvents(again.stdout), 'cached').length, CELLS);
  } finally {
    ws.dispose();
  }
});

test('a commit whose blob was removed after it was stored stores it again', async () => {
  const ws = new Workspace();
  const cache = LmdbCache.open(ws.cacheDir);
  try {
    const out = join(ws.dir, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'x.txt'), 'payload');
    let removals = 0;
    const result = await storeAndCommit(cache, out, ['x.txt'], [], (stored) => {
      // What a gc sweeping between the store and the commit does, the first time only.
      const entry = stored.outputs['x.txt'];
      assert.ok(entry);
      if (removals++ === 0) rmSync(join(ws.cacheDir, 'blobs', entry.sha256.slice(0, 2), entry.sha256));
      return recordWith(stored);
    });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(removals, 2, 'stored again after the refused commit');
    const done = cache.getDone(result.value.fingerprint);
    assert.ok(done, 'committed');
    assert.equal(cache.artifactsPresent(done), true, 'a committed record has its artifacts');
  } finally {
    await cache.close();
    ws.dispose();
  }
});

function recordWith(stored: Pick<CellRecord, 'outputs' | 'outputsHash'>): CellRecord {
  return {
    version: 1,
    fingerprint: 'f'.repeat(64) as FingerprintHash,
    breakdown: {} as FingerprintData,
    pipeline: 'p',
    stage: 'a',
    cell: 'a',
    ...stored,
    startedAt: new Date(0).toISOString(),
    durationMs: 0,
    runtime: {},
    host: 'test',
    versions: {},
  };
}
