import { ABORT, type Database, type RootDatabase } from 'lmdb';
import type { MetricsEntry } from '../metrics/extract.js';
import { sha256 } from '../util/hash.js';
import type { CellRecord, DoneEntry, FailureRecord } from './cache.js';

/** Who runs a fingerprint now, as stored in the "leases" table. */
export interface Lease {
  pid: number;
  host: string;
  since: string;
}

/**
 * The named databases of the one LMDB environment under `<cache>/db`. Every
 * store of the cache writes through these, so that a commit, a gc sweep and
 * a lease can share one write transaction.
 */
export interface Tables {
  readonly root: RootDatabase;
  readonly records: Database<CellRecord, string>;
  readonly done: Database<DoneEntry, string>;
  readonly latest: Database<string, string>;
  readonly failures: Database<FailureRecord, string>;
  readonly leases: Database<Lease, string>;
  readonly meta: Database<unknown, string>;
  /** Metrics by fingerprint, written with the record: reading them needs no blob. */
  readonly metrics: Database<MetricsEntry, string>;
}

export function openTables(root: RootDatabase): Tables {
  return {
    root,
    records: root.openDB({ name: 'records' }),
    // JSON decodes these small entries about twice as fast as msgpack; planning reads one per cell.
    done: root.openDB({ name: 'done', encoding: 'json' }),
    latest: root.openDB({ name: 'latest' }),
    failures: root.openDB({ name: 'failures' }),
    leases: root.openDB({ name: 'leases' }),
    meta: root.openDB({ name: 'meta' }),
    metrics: root.openDB({ name: 'metrics', encoding: 'json' }),
  };
}

/**
 * Runs `writes` as one transaction that commits whole or not at all: when
 * an asynchronous transaction's callback throws, lmdb-js still commits the
 * writes made before the throw, but it rolls back a child transaction that
 * returns ABORT.
 */
export async function atomically(root: RootDatabase, writes: () => void): Promise<void> {
  let failure: { error: unknown } | undefined;
  await root.transaction(() =>
    root.childTransaction(() => {
      try {
        writes();
        return undefined;
      } catch (error) {
        failure = { error };
        return ABORT;
      }
    }),
  );
  if (failure !== undefined) throw failure.error;
}

/** Longest key written as it is, in UTF-8 bytes; LMDB refuses keys over 1978. */
const MAX_PLAIN_KEY = 1000;

/** A key no longer than LMDB allows: as written while it fits, else `#` and its sha256 (no key of ours starts with `#`). */
export function boundedKey(key: string): string {
  return Buffer.byteLength(key) <= MAX_PLAIN_KEY ? key : `#${sha256(key)}`;
}

/** The key of a cell of a pipeline (an absolute path) in the "latest" and "failures" tables. */
export function cellKey(pipeline: string, cell: string): string {
  return boundedKey(`${pipeline}\0${cell}`);
}
