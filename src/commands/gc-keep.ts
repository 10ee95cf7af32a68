import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LmdbCache } from '../cache/lmdb-cache.js';
import { doomed, freedBlobs, type Keep, type StoreEntries } from '../cache/prune.js';
import { planFailureError } from '../plan/planner.js';
import { bytes } from '../reporters/transfer-format.js';
import { cacheDir, openSession } from './session.js';

export interface KeepOptions {
  cacheDir?: string;
  keep: string[];
  set?: string[];
  dryRun?: boolean;
}

/**
 * `ablate gc --keep PIPELINE...`: removes every record, latest pointer and
 * failure entry the current cells of the named pipelines do not use, then
 * their blobs and logs. What the store holds is read before the pipelines
 * are planned, and only that is ever removed: whatever a concurrent run
 * commits meanwhile stays, as does anything under a live lease.
 */
export async function gcKeepCommand(o: KeepOptions): Promise<number> {
  const dir = cacheDir(o.cacheDir);
  const started = Date.now();
  const before = await withCache(dir, (c) => c.storeEntries());
  const uses = await keptCells(o);
  return withCache(dir, (cache) => {
    const keep: Keep = {
      fingerprints: uses.fingerprints,
      cellKeys: new Set(uses.cells.map(([p, c]) => cache.cellKey(p, c))),
    };
    const gone = doomed(before, keep);
    if (o.dryRun) return dryRun(before, gone);
    const done = cache.removeEntries(gone, before);
    const logBytes = removeLogs(
      dir,
      done.records.map((r) => r.fingerprint),
      cache.storeEntries(),
    );
    removeStalePlans(dir, started);
    const pending = done.pending > 0 ? `; kept ${done.pending} blob(s) a running cell may be committing` : '';
    const skipped = gone.records.length - done.records.length;
    const held = skipped > 0 ? `; kept ${skipped} record(s) a running process holds or committed again` : '';
    say(
      `gc --keep: removed ${done.records.length} record(s), ${done.latest} latest pointer(s) and ${done.failures} failure entr${done.failures === 1 ? 'y' : 'ies'} no kept cell uses${held}`,
    );
    say(
      `gc --keep: freed ${bytes(done.bytes + logBytes)} (${done.removed} blob(s), ${bytes(done.bytes)}; logs ${bytes(logBytes)}); ${done.referenced} blob(s) still referenced${pending}`,
    );
    return 0;
  });
}

/** The fingerprints the named pipelines' current cells have or last had, and those cells as (pipeline, cell id). */
async function keptCells(o: KeepOptions): Promise<{ fingerprints: Set<string>; cells: [string, string][] }> {
  const fingerprints = new Set<string>();
  const cells: [string, string][] = [];
  for (const pipeline of o.keep) {
    const session = await openSession({ pipeline, cacheDir: o.cacheDir, set: o.set });
    try {
      const planned = await session.planner.planAll(session.analysis.order);
      if (!planned.ok) throw planFailureError(planned.error, `gc --keep ${pipeline}: `);
      for (const cell of session.analysis.order) {
        const state = planned.value.get(cell.id);
        // A cell that would run has a fingerprint too: a concurrent run may be committing exactly that record.
        if (state !== undefined && state.kind !== 'blocked') fingerprints.add(state.fingerprint);
        const last = session.cache.latest(session.pipelineKey, cell.id);
        if (last !== undefined) fingerprints.add(last);
        cells.push([session.pipelineKey, cell.id]);
      }
    } finally {
      await session.cache.close();
    }
  }
  return { fingerprints, cells };
}

function dryRun(before: StoreEntries, gone: ReturnType<typeof doomed>): number {
  const listed = [...gone.records].sort((a, b) => a.pipeline.localeCompare(b.pipeline) || a.cell.localeCompare(b.cell));
  for (const r of listed) say(`would remove  ${r.cell}  (${relative(process.cwd(), r.pipeline) || r.pipeline})`);
  const freed = freedBlobs(before, gone);
  say(
    `gc --keep --dry-run: would remove ${gone.records.length} of ${before.records.size} record(s), ${gone.latest.length} latest pointer(s) and ${gone.failures.length} failure entr${gone.failures.length === 1 ? 'y' : 'ies'}, freeing ${freed.blobs} blob(s), ${bytes(freed.bytes)}; nothing was removed`,
  );
  return 0;
}

/** Logs of removed records, unless a remaining record or failure entry still names that run. */
function removeLogs(dir: string, removed: string[], after: StoreEntries): number {
  const named = new Set([...after.records.keys(), ...after.failures.values()]);
  let freed = 0;
  for (const fp of removed) {
    if (named.has(fp)) continue;
    const path = join(dir, 'logs', `${fp}.log`);
    freed += sizeOf(path);
    rmSync(path, { force: true });
  }
  return freed;
}

/** Plan snapshots written before this gc: its write made every one of them stale (see plan-snapshot.ts). */
function removeStalePlans(dir: string, since: number): void {
  const plans = join(dir, 'plans');
  let names: string[] = [];
  try {
    names = readdirSync(plans);
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(plans, name);
    if (statMtime(path) < since) rmSync(path, { force: true });
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function statMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Infinity;
  }
}

async function withCache<T>(dir: string, use: (cache: LmdbCache) => T): Promise<T> {
  const cache = LmdbCache.open(dir);
  try {
    return use(cache);
  } finally {
    await cache.close();
  }
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}
