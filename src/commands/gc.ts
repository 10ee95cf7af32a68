import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LmdbCache } from '../cache/lmdb-cache.js';
import { cacheDir } from '../session.js';

/** Deletes blobs no record references and leftovers of killed runs. */
export async function gcCommand(o: { cacheDir?: string }): Promise<number> {
  const dir = cacheDir(o.cacheDir);
  const cache = LmdbCache.open(dir);
  try {
    const live = new Set<string>();
    for (const r of cache.allRecords()) for (const out of Object.values(r.outputs)) live.add(out.sha256);
    let removed = 0;
    let bytes = 0;
    const blobs = join(dir, 'blobs');
    for (const shard of safeList(blobs)) {
      for (const name of safeList(join(blobs, shard))) {
        if (live.has(name)) continue;
        const p = join(blobs, shard, name);
        bytes += statSync(p).size;
        rmSync(p, { force: true });
        removed++;
      }
    }
    const tmp = join(dir, 'tmp');
    for (const name of safeList(tmp)) {
      const pid = Number(name.split('-')[0]);
      if (!alive(pid)) rmSync(join(tmp, name), { recursive: true, force: true });
    }
    process.stdout.write(`gc: removed ${removed} unreferenced blob(s), ${(bytes / 1024).toFixed(1)} KiB; ${live.size} blob(s) referenced\n`);
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

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
