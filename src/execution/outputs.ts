import { relative } from 'node:path';
import type { ArtifactStore, CellRecord, RecordStore } from '../cache/cache.js';
import { checkPathInsideSync, listTreeSync } from '../cache/safe-fs.js';
import type { Failure } from './events.js';
import type { MetricsEntry } from '../metrics/extract.js';
import { err, ok, type Result } from '../util/result.js';

/**
 * The outputs of a finished cell, found without following links: the
 * declared ones (exec `outputs`) or every file of the folder. A link, FIFO,
 * socket or device among them fails the cell, so that nothing outside the
 * folder is stored and nothing blocks on a pipe.
 */
export function collectOutputs(outDir: string, declared: readonly string[] | undefined): Result<string[], Failure> {
  if (declared === undefined) {
    const listed = listTreeSync(outDir);
    return listed.ok ? listed : err({ reason: 'bad-output', path: listed.error.path, kind: listed.error.kind });
  }
  for (const path of declared) {
    const refused = checkPathInsideSync(outDir, path);
    if (refused === undefined) continue;
    if (refused.kind === 'missing') return err({ reason: 'missing-output', path });
    // Names the part that is wrong: `sub` when `sub/x.txt` lies under a linked `sub`.
    return err({ reason: 'bad-output', path: relative(outDir, refused.path), kind: refused.kind });
  }
  return ok([...declared]);
}

/** A gc that keeps removing a cell's fresh blobs is retried this often before the cell fails. */
const COMMIT_ATTEMPTS = 5;

/**
 * Stores the files as blobs and commits the record built from them. A
 * commit refused because a concurrent gc removed a blob stores the files
 * again: the cell does not fail because gc ran.
 */
export async function storeAndCommit(
  cache: ArtifactStore & RecordStore,
  outDir: string,
  files: readonly string[],
  volatile: readonly string[] | undefined,
  recordOf: (stored: Pick<CellRecord, 'outputs' | 'outputsHash'>) => CellRecord,
  metricsOf: (record: CellRecord) => MetricsEntry | undefined = () => undefined,
): Promise<Result<CellRecord, Failure>> {
  let missing = '';
  for (let i = 0; i < COMMIT_ATTEMPTS; i++) {
    try {
      const record = recordOf(await cache.storeOutputs(outDir, files, volatile));
      const outcome = await cache.commit(record, metricsOf(record));
      if (outcome.committed) return ok(record);
      missing = outcome.missing;
    } catch (e) {
      // A full or read-only disk: this cell fails with the reason; what was stored is whole or absent.
      return err({ reason: 'store-failed', message: storeError(e) });
    }
  }
  return err({
    reason: 'store-failed',
    message: `the stored artifact "${missing}" was removed before its record could be committed, ${COMMIT_ATTEMPTS} times`,
  });
}

function storeError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || /No space left|MDB_MAP_FULL/i.test((e as Error).message))
    return 'the disk holding the cache is full (ENOSPC)';
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return `the cache cannot be written (${code})`;
  return (e as Partial<Error>).message ?? String(e);
}
