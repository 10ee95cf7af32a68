/** The store side of `gc --keep` (LmdbCache.removeEntries and cache/prune.ts), without a CLI. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import type { CellRecord } from '../../src/cache/cache.js';
import { LmdbCache } from '../../src/cache/lmdb-cache.js';
import { doomed, freedBlobs } from '../../src/cache/prune.js';
import type { FingerprintData, FingerprintHash } from '../../src/plan/fingerprint.js';
import { tempProject } from './harness.js';

async function commitCell(cache: LmdbCache, dir: string, cell: string, content: string): Promise<CellRecord> {
  const out = join(dir, `out-${cell}`);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'o.txt'), content);
  const stored = await cache.storeOutputs(out);
  const record: CellRecord = {
    version: 1,
    fingerprint: cell.padEnd(64, '0') as FingerprintHash,
    breakdown: {} as FingerprintData,
    pipeline: '/p.json',
    stage: cell,
    cell,
    ...stored,
    startedAt: new Date(0).toISOString(),
    durationMs: 0,
    runtime: {},
    host: 'test',
    versions: {},
  };
  assert.deepEqual(await cache.commit(record), { committed: true });
  return record;
}

function blobPath(cacheDir: string, r: CellRecord): string {
  const sha = Object.values(r.outputs)[0]?.sha256 as string;
  return join(cacheDir, 'blobs', sha.slice(0, 2), sha);
}

test('removeEntries removes what was doomed, but not a leased record nor a pointer moved since it was read', async () => {
  const dir = tempProject('ablate-prune-');
  const cache = LmdbCache.open(join(dir, 'cache'));
  try {
    const kept = await commitCell(cache, dir, 'a', 'kept');
    const gone = await commitCell(cache, dir, 'b', 'gone');
    const leased = await commitCell(cache, dir, 'c', 'leased');
    const shared = await commitCell(cache, dir, 'd', 'kept');
    const before = cache.storeEntries();
    assert.equal(before.records.size, 4);
    const plan = doomed(before, {
      fingerprints: new Set([kept.fingerprint]),
      cellKeys: new Set([cache.cellKey('/p.json', 'a')]),
    });
    assert.deepEqual(plan.records.map((r) => r.cell).sort(), ['b', 'c', 'd']);
    // d's blob is a's too: only b's and c's bytes would be freed.
    assert.deepEqual(freedBlobs(before, plan), { blobs: 2, bytes: 'gone'.length + 'leased'.length });

    // After the read: a process takes c's lease (it is re-computing c), and a run of b's cell commits elsewhere.
    assert.deepEqual(await cache.acquireLease(leased.fingerprint), { acquired: true });
    const moved = await commitCell(cache, dir, 'b2', 'new');
    await cache.commit({ ...moved, cell: 'b' });
    const done = cache.removeEntries(plan, before);
    assert.deepEqual(done.records.map((r) => r.cell).sort(), ['b', 'd']);
    assert.equal(done.latest, 2, "c's and d's pointers; b's now names a record committed after the read");
    assert.ok(cache.getDone(kept.fingerprint) && cache.getDone(leased.fingerprint) && cache.getDone(moved.fingerprint));
    assert.equal(cache.getDone(gone.fingerprint), undefined);
    assert.equal(cache.getDone(shared.fingerprint), undefined);
    assert.equal(cache.latest('/p.json', 'b'), moved.fingerprint);
    assert.equal(existsSync(blobPath(join(dir, 'cache'), kept)), true, 'a blob a kept record shares stays');
    // b's blob was written before the live lease began, less the margin, only if the clock moved 2 s: either removed or pending.
    assert.equal(done.removed + done.pending, 1);
  } finally {
    await cache.close();
  }
});
