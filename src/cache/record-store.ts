import type { MetricsEntry } from '../metrics/extract.js';
import type { FingerprintHash } from '../plan/fingerprint.js';
import type { BlobStore } from './blobs.js';
import type { CellRecord, CommitOutcome, DoneEntry, RecordStore } from './cache.js';
import { atomically, cellKey, type Tables } from './lmdb-tables.js';

/** Records, "done" entries, latest pointers and metrics, in LMDB. */
export class LmdbRecordStore implements RecordStore {
  constructor(private readonly t: Tables, private readonly blobs: BlobStore) {}

  generation(): number {
    return (this.t.root.getStats() as { lastTxnId: number }).lastTxnId;
  }

  getDone(fingerprint: FingerprintHash): DoneEntry | undefined {
    return this.t.done.get(fingerprint);
  }

  getRecord(fingerprint: FingerprintHash): CellRecord | undefined {
    return this.t.records.get(fingerprint);
  }

  latest(pipeline: string, cell: string): FingerprintHash | undefined {
    return this.t.latest.get(cellKey(pipeline, cell)) as FingerprintHash | undefined;
  }

  async commit(record: CellRecord, metrics?: MetricsEntry): Promise<CommitOutcome> {
    const t = this.t;
    let outcome: CommitOutcome = { committed: true };
    await atomically(t.root, () => {
      // Checked inside the write transaction: gc sweeps inside one too, so no sweep falls between this check and the commit.
      const missing = Object.entries(record.outputs).find(([, o]) => !this.blobs.hasSync(o.sha256, o.size));
      if (missing !== undefined) {
        outcome = { committed: false, missing: missing[0] };
        return;
      }
      // Inside a write transaction lmdb applies put/remove at once; their promises settle at commit, which `atomically` awaits.
      void t.records.put(record.fingerprint, record);
      // The done entry is what makes the cell cached; same transaction as the record.
      void t.done.put(record.fingerprint, { fingerprint: record.fingerprint, cell: record.cell, outputs: record.outputs, outputsHash: record.outputsHash });
      void t.latest.put(cellKey(record.pipeline, record.cell), record.fingerprint);
      if (metrics !== undefined) void t.metrics.put(record.fingerprint, metrics);
      void t.failures.remove(cellKey(record.pipeline, record.cell));
      // Releases this process's lease in the same transaction: one write transaction (and disk sync) less per cell.
      if (t.leases.get(record.fingerprint)?.pid === process.pid) void t.leases.remove(record.fingerprint);
    });
    return outcome;
  }

  async forget(fingerprint: FingerprintHash): Promise<void> {
    const t = this.t;
    await atomically(t.root, () => {
      // Inside a write transaction lmdb applies put/remove at once; their promises settle at commit, which `atomically` awaits.
      void t.done.remove(fingerprint);
      void t.records.remove(fingerprint);
      void t.metrics.remove(fingerprint);
    });
  }

  *allRecords(): Iterable<CellRecord> {
    for (const { value } of this.t.records.getRange()) yield value;
  }

  getMetrics(fingerprint: FingerprintHash): MetricsEntry | undefined {
    return this.t.metrics.get(fingerprint);
  }

  async putMetrics(entries: readonly [FingerprintHash, MetricsEntry][]): Promise<void> {
    if (entries.length === 0) return;
    const t = this.t;
    await atomically(t.root, () => {
      // Only beside a record that still exists: a concurrent forget must not leave an orphan.
      // Inside a write transaction lmdb applies put/remove at once; their promises settle at commit, which `atomically` awaits.
      for (const [fp, m] of entries) if (t.records.doesExist(fp)) void t.metrics.put(fp, m);
    });
  }
}
