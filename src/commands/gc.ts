import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive } from '../cache/blobs.js';
import { LmdbCache } from '../cache/lmdb-cache.js';
import { cacheDir } from '../session.js';

/**
 * Deletes blobs no record references and leftovers of killed runs. Safe
 * while runs use the cache: blobs a commit in flight needs are kept or
 * stored again by that commit, and scratch folders of live processes stay.
 */
export async function gcCommand(o: { cacheDir?: string }): Promise<number> {
  const dir = cacheDir(o.cacheDir);
  const cache = LmdbCache.open(dir);
  try {
    const swept = cache.collectGarbage();
    const tmp = join(dir, 'tmp');
    for (const name of safeList(tmp)) {
      // rm removes a link itself, never what it points at.
      if (!pidAlive(Number(name.split('-')[0]))) rmSync(join(tmp, name), { recursive: true, force: true });
    }
    const pending = swept.pending > 0 ? `; kept ${swept.pending} blob(s) a running cell may be committing` : '';
    process.stdout.write(`gc: removed ${swept.removed} unreferenced blob(s), ${(swept.bytes / 1024).toFixed(1)} KiB; ${swept.referenced} blob(s) referenced${pending}\n`);
    return 0;
  } finally {
    await cache.close();
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
