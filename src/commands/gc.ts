import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive } from '../cache/blobs.js';
import { LmdbCache } from '../cache/lmdb-cache.js';
import { cacheDir, UsageError } from './session.js';

/**
 * Deletes blobs no record references and leftovers of killed runs. Safe
 * while runs use the cache: blobs a commit in flight needs are kept or
 * stored again by that commit, and scratch folders of live processes stay.
 */
export async function gcCommand(o: {
  cacheDir?: string;
  keep?: string[];
  set?: string[];
  dryRun?: boolean;
}): Promise<number> {
  const dir = cacheDir(o.cacheDir);
  if (o.keep !== undefined && o.keep.length > 0) {
    const code = await (await import('./gc-keep.js')).gcKeepCommand({ ...o, keep: o.keep });
    if (!o.dryRun) removeDeadScratch(dir);
    return code;
  }
  if (o.dryRun || o.set !== undefined)
    throw new UsageError(
      `--${o.dryRun ? 'dry-run' : 'set'} is an option of gc --keep PIPELINE...; plain gc removes only what nothing references`,
    );
  const cache = LmdbCache.open(dir);
  try {
    const swept = cache.collectGarbage();
    removeDeadScratch(dir);
    const pending = swept.pending > 0 ? `; kept ${swept.pending} blob(s) a running cell may be committing` : '';
    process.stdout.write(
      `gc: removed ${swept.removed} unreferenced blob(s), ${(swept.bytes / 1024).toFixed(1)} KiB; ${swept.referenced} blob(s) referenced${pending}\n`,
    );
    return 0;
  } finally {
    await cache.close();
  }
}

/** Scratch folders of processes that are gone. */
function removeDeadScratch(dir: string): void {
  const tmp = join(dir, 'tmp');
  for (const name of safeList(tmp)) {
    // rm removes a link itself, never what it points at.
    if (!pidAlive(Number(name.split('-')[0]))) rmSync(join(tmp, name), { recursive: true, force: true });
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
