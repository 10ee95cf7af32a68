import type { BlobStore, Sweep } from './blobs.js';
import { holderAlive } from './lease-store.js';
import type { Tables } from './lmdb-tables.js';
import type { Doomed, RecordSummary, StoreEntries } from './prune.js';

/**
 * Garbage collection over the records and the blob store. Both sweeps run
 * inside one synchronous write transaction: a commit (which checks its
 * blobs in its own write transaction) comes wholly before the sweep, whose
 * record then keeps its blobs, or wholly after, and then finds a missing
 * blob and stores it again.
 */
export class GcSweep {
  constructor(private readonly t: Tables, private readonly blobs: BlobStore) {}

  /**
   * Deletes blobs no record references. Unreferenced blobs written since
   * the oldest live lease began are kept: they are likely a commit in flight.
   */
  collectGarbage(): Sweep & { referenced: number } {
    return this.t.root.transactionSync(() => this.sweepSync());
  }

  /** Every record (without its breakdown), latest pointer and failure entry, as they are now. */
  storeEntries(): StoreEntries {
    const t = this.t;
    const out: StoreEntries = { records: new Map(), latest: new Map(), failures: new Map() };
    for (const { value } of t.done.getRange()) {
      const r = t.records.get(value.fingerprint);
      if (r !== undefined) out.records.set(r.fingerprint, { fingerprint: r.fingerprint, pipeline: r.pipeline, cell: r.cell, outputs: r.outputs });
    }
    for (const { key, value } of t.latest.getRange()) out.latest.set(key, value);
    for (const { key, value } of t.failures.getRange()) out.failures.set(key, value.fingerprint);
    return out;
  }

  /**
   * Removes the doomed entries and then sweeps blobs, in one write
   * transaction, as collectGarbage does. An entry goes only if it is as it
   * was read (a run may have committed it again since), and a record only
   * if no live process holds its lease: gc takes the lease, and a run that
   * holds it is about to commit that very record.
   */
  removeEntries(gone: Doomed, before: StoreEntries): Sweep & { referenced: number; records: RecordSummary[]; latest: number; failures: number } {
    const t = this.t;
    return t.root.transactionSync(() => {
      const records = gone.records.filter((r) => {
        const lease = t.leases.get(r.fingerprint);
        if ((lease !== undefined && holderAlive(lease)) || t.done.get(r.fingerprint) === undefined) return false;
        t.done.removeSync(r.fingerprint);
        t.records.removeSync(r.fingerprint);
        return true;
      });
      const latest = gone.latest.filter((k) => t.latest.get(k) === before.latest.get(k) && t.latest.removeSync(k)).length;
      const failures = gone.failures.filter((k) => t.failures.get(k)?.fingerprint === before.failures.get(k) && t.failures.removeSync(k)).length;
      return { ...this.sweepSync(), records, latest, failures };
    });
  }

  /** The blob sweep; called inside a write transaction. */
  private sweepSync(): Sweep & { referenced: number } {
    const live = new Set<string>();
    for (const { value } of this.t.records.getRange()) for (const o of Object.values(value.outputs)) live.add(o.sha256);
    let oldest: number | undefined;
    for (const { value } of this.t.leases.getRange()) {
      if (!holderAlive(value)) continue;
      const since = Date.parse(value.since);
      if (Number.isFinite(since)) oldest = Math.min(oldest ?? since, since);
    }
    // mtime may be coarser than the lease's clock reading; keep a margin.
    const sweep = this.blobs.sweepSync(live, oldest === undefined ? undefined : oldest - 2000);
    return { ...sweep, referenced: live.size };
  }
}
