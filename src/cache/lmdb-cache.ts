import { join } from 'node:path';
import type { MetricsEntry } from '../metrics/extract.js';
import type { FingerprintHash } from '../plan/fingerprint.js';
import type { Sha256 } from '../util/hash.js';
import { BlobArtifactStore } from './artifact-store.js';
import { BlobStore, type Sweep } from './blobs.js';
import type { Cache, CellRecord, CommitOutcome, DoneEntry, FailureRecord, LeaseResult, OutputEntry } from './cache.js';
import { DirCachePaths } from './cache-paths.js';
import { LmdbFailureLog } from './failure-log.js';
import { GcSweep } from './gc-sweep.js';
import { LmdbLeaseStore } from './lease-store.js';
import { closeDatabase, openDatabase } from './lmdb-open.js';
import { cellKey, type Tables } from './lmdb-tables.js';
import { LmdbMetaStore } from './meta-store.js';
import type { Doomed, RecordSummary, StoreEntries } from './prune.js';
import { LmdbRecordStore } from './record-store.js';

/**
 * The runtime store: LMDB for records, leases and metadata, plus a blob
 * directory for artifacts. Layout under `dir`: db/, blobs/, work/, logs/, tmp/.
 * Each concern is its own store over the one LMDB environment; this class
 * opens them together and answers for all of them.
 */
export class LmdbCache implements Cache {
  private readonly records: LmdbRecordStore;
  private readonly artifacts: BlobArtifactStore;
  private readonly leases: LmdbLeaseStore;
  private readonly failures: LmdbFailureLog;
  private readonly paths: DirCachePaths;
  private readonly meta: LmdbMetaStore;
  private readonly gc: GcSweep;

  private constructor(readonly dir: string, private readonly tables: Tables, private readonly readOnly: boolean) {
    const blobs = new BlobStore(join(dir, 'blobs'));
    this.records = new LmdbRecordStore(tables, blobs);
    this.artifacts = new BlobArtifactStore(blobs);
    this.leases = new LmdbLeaseStore(tables);
    this.failures = new LmdbFailureLog(tables);
    this.paths = new DirCachePaths(dir);
    this.meta = new LmdbMetaStore(tables);
    this.gc = new GcSweep(tables, blobs);
  }

  /** Opens (or creates) the cache; a damaged database throws CacheDamagedError (see openDatabase). */
  static open(dir: string, readOnly = false, verify: 'auto' | 'full' = 'auto'): LmdbCache {
    return new LmdbCache(dir, openDatabase(dir, readOnly, verify), readOnly);
  }

  async close(): Promise<void> {
    await closeDatabase(this.dir, this.tables.root, this.readOnly);
  }

  generation(): number {
    return this.records.generation();
  }
  getDone(fingerprint: FingerprintHash): DoneEntry | undefined {
    return this.records.getDone(fingerprint);
  }
  getRecord(fingerprint: FingerprintHash): CellRecord | undefined {
    return this.records.getRecord(fingerprint);
  }
  latest(pipeline: string, cell: string): FingerprintHash | undefined {
    return this.records.latest(pipeline, cell);
  }
  commit(record: CellRecord, metrics?: MetricsEntry): Promise<CommitOutcome> {
    return this.records.commit(record, metrics);
  }
  forget(fingerprint: FingerprintHash): Promise<void> {
    return this.records.forget(fingerprint);
  }
  allRecords(): Iterable<CellRecord> {
    return this.records.allRecords();
  }
  getMetrics(fingerprint: FingerprintHash): MetricsEntry | undefined {
    return this.records.getMetrics(fingerprint);
  }
  putMetrics(entries: readonly [FingerprintHash, MetricsEntry][]): Promise<void> {
    return this.records.putMetrics(entries);
  }

  artifactsPresent(record: DoneEntry): boolean {
    return this.artifacts.artifactsPresent(record);
  }
  verifyArtifacts(record: DoneEntry): Promise<string | undefined> {
    return this.artifacts.verifyArtifacts(record);
  }
  storeOutputs(dir: string, only?: readonly string[], volatile?: readonly string[]): Promise<{ outputs: Record<string, OutputEntry>; outputsHash: Sha256 }> {
    return this.artifacts.storeOutputs(dir, only, volatile);
  }
  readArtifact(entry: OutputEntry): Buffer | undefined {
    return this.artifacts.readArtifact(entry);
  }
  putBlob(bytes: Uint8Array): Promise<Sha256> {
    return this.artifacts.putBlob(bytes);
  }
  materialize(record: DoneEntry, dir: string): Promise<string | undefined> {
    return this.artifacts.materialize(record, dir);
  }

  acquireLease(fingerprint: FingerprintHash): Promise<LeaseResult> {
    return this.leases.acquireLease(fingerprint);
  }
  releaseLease(fingerprint: FingerprintHash): Promise<void> {
    return this.leases.releaseLease(fingerprint);
  }

  recordFailure(failure: FailureRecord): Promise<void> {
    return this.failures.recordFailure(failure);
  }
  lastFailure(pipeline: string, cell: string): FailureRecord | undefined {
    return this.failures.lastFailure(pipeline, cell);
  }

  workDir(fingerprint: FingerprintHash): string {
    return this.paths.workDir(fingerprint);
  }
  logPath(fingerprint: FingerprintHash): string {
    return this.paths.logPath(fingerprint);
  }
  scratchDir(): string {
    return this.paths.scratchDir();
  }

  getMeta(key: string): unknown {
    return this.meta.getMeta(key);
  }
  putMeta(key: string, value: unknown): Promise<void> {
    return this.meta.putMeta(key, value);
  }

  /** See GcSweep.collectGarbage. */
  collectGarbage(): Sweep & { referenced: number } {
    return this.gc.collectGarbage();
  }
  /** See GcSweep.storeEntries. */
  storeEntries(): StoreEntries {
    return this.gc.storeEntries();
  }
  /** See GcSweep.removeEntries. */
  removeEntries(gone: Doomed, before: StoreEntries): Sweep & { referenced: number; records: RecordSummary[]; latest: number; failures: number } {
    return this.gc.removeEntries(gone, before);
  }
  /** The table key of a cell of a pipeline in "latest" and "failures" (see Keep). */
  cellKey(pipeline: string, cell: string): string {
    return cellKey(pipeline, cell);
  }
}
