import type { OutputEntry } from './cache.js';

/**
 * What `gc --keep` decides, apart from the database it acts on: which
 * records, latest pointers and failure entries go, given what the kept
 * pipelines' current cells use. The store removes them later, each only if
 * it is still as it was read here (see GcSweep.removeEntries), so anything
 * a concurrent run writes meanwhile stays.
 */
export interface RecordSummary {
  fingerprint: string;
  pipeline: string;
  cell: string;
  outputs: Record<string, OutputEntry>;
}

/** Every record, and the latest pointers and failure entries by their table key, as read at one moment. */
export interface StoreEntries {
  records: Map<string, RecordSummary>;
  /** Table key -> fingerprint. */
  latest: Map<string, string>;
  /** Table key -> fingerprint of the failed run. */
  failures: Map<string, string>;
}

/** What the kept pipelines use: fingerprints of their current cells and of those cells' last runs, and those cells' table keys. */
export interface Keep {
  fingerprints: ReadonlySet<string>;
  cellKeys: ReadonlySet<string>;
}

export interface Doomed {
  records: RecordSummary[];
  latest: string[];
  failures: string[];
}

export function doomed(entries: StoreEntries, keep: Keep): Doomed {
  return {
    records: [...entries.records.values()].filter((r) => !keep.fingerprints.has(r.fingerprint)),
    latest: [...entries.latest.keys()].filter((k) => !keep.cellKeys.has(k)),
    failures: [...entries.failures.keys()].filter((k) => !keep.cellKeys.has(k)),
  };
}

/** Blobs only doomed records reference, and their bytes: what removing those records frees. */
export function freedBlobs(entries: StoreEntries, gone: Doomed): { blobs: number; bytes: number } {
  const goneIds = new Set(gone.records.map((r) => r.fingerprint));
  const still = new Set<string>();
  for (const r of entries.records.values()) if (!goneIds.has(r.fingerprint)) for (const o of Object.values(r.outputs)) still.add(o.sha256);
  const freed = new Map<string, number>();
  for (const r of gone.records) for (const o of Object.values(r.outputs)) if (!still.has(o.sha256)) freed.set(o.sha256, o.size);
  let bytes = 0;
  for (const size of freed.values()) bytes += size;
  return { blobs: freed.size, bytes };
}
