import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { ArtifactStore, CellRecord } from '../cache/cache.js';
import { LmdbCache } from '../cache/lmdb-cache.js';
import { firstUnsafeName } from '../cache/safe-fs.js';
import { cacheDir } from './session.js';

/**
 * Checks the cache: the database opens, every record's output names stay
 * inside their folder and its artifacts hash to their recorded values (bad
 * records are dropped so their cells re-run).
 * --rebuild moves a damaged database aside and starts an empty one; blobs
 * are kept, so re-running re-creates records without duplicating data.
 */
export async function doctorCommand(o: { cacheDir?: string; rebuild?: boolean }): Promise<number> {
  const dir = cacheDir(o.cacheDir);
  if (o.rebuild) {
    const db = join(dir, 'db');
    if (existsSync(db)) {
      const aside = join(dir, `db.damaged-${Date.now()}`);
      renameSync(db, aside);
      process.stdout.write(`moved the database to ${aside}; a new one starts empty (artifacts kept)\n`);
    }
  }
  const cache = openChecked(dir);
  try {
    let good = 0;
    const bad: string[] = [];
    for (const r of cache.allRecords()) {
      const problem = await recordProblem(cache, r);
      if (problem === undefined) good++;
      else {
        bad.push(`${r.cell}: ${problem}`);
        await cache.forget(r.fingerprint);
      }
    }
    for (const line of bad) process.stdout.write(`dropped ${line}\n`);
    process.stdout.write(`doctor: ${good} record(s) verified, ${bad.length} dropped (their cells re-run next time)\n`);
    return 0;
  } finally {
    await cache.close();
  }
}

/**
 * Why a record cannot be served: an output name that would leave the folder
 * it is copied into, or an artifact that is missing, not a regular file, or
 * does not hash to its recorded value.
 */
async function recordProblem(cache: ArtifactStore, r: CellRecord): Promise<string | undefined> {
  const unsafe = firstUnsafeName(Object.keys(r.outputs));
  if (unsafe !== undefined) return `output name ${JSON.stringify(unsafe)} is not a plain relative path`;
  const path = await cache.verifyArtifacts(r);
  return path === undefined ? undefined : `artifact "${path}" is missing or corrupt`;
}

/** Every page and entry of the database is checked, not only its header. */
function openChecked(dir: string): LmdbCache {
  return LmdbCache.open(dir, false, 'full');
}
