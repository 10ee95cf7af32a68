import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { ABORT, open, type Database, type RootDatabase } from 'lmdb';
import type { FingerprintHash } from '../plan/fingerprint.js';
import { canonicalJson, sha256, type Sha256 } from '../util/hash.js';
import { BlobStore, type Sweep } from './blobs.js';
import type { Doomed, RecordSummary, StoreEntries } from './prune.js';
import { checkFileKinds, checkHeader, checkPages, lockSignatureMissing } from './db-check.js';
import { CacheDamagedError, CacheUnavailableError } from './errors.js';
import type { MetricsEntry } from '../metrics/extract.js';
import type { Cache, CellRecord, CommitOutcome, DoneEntry, FailureRecord, LeaseResult, OutputEntry } from './cache.js';
import { checkPathInside, describeRefusal, isPlainRelative, listTree, readRegular, writeInside } from './safe-fs.js';

interface Lease {
  pid: number;
  host: string;
  since: string;
}

/**
 * The runtime store: LMDB for records, leases and metadata, plus a blob
 * directory for artifacts. Layout under `dir`: db/, blobs/, work/, logs/, tmp/.
 */
export class LmdbCache implements Cache {
  private readonly root: RootDatabase;
  private readonly records: Database<CellRecord, string>;
  private readonly done: Database<DoneEntry, string>;
  private readonly latestDb: Database<string, string>;
  private readonly failures: Database<FailureRecord, string>;
  private readonly leases: Database<Lease, string>;
  private readonly meta: Database<unknown, string>;
  /** Metrics by fingerprint, written with the record: reading them needs no blob. */
  private readonly metrics: Database<MetricsEntry, string>;
  private readonly blobs: BlobStore;

  private constructor(readonly dir: string, root: RootDatabase, private readonly readOnly = false) {
    this.root = root;
    this.records = root.openDB({ name: 'records' });
    // JSON decodes these small entries about twice as fast as msgpack; planning reads one per cell.
    this.done = root.openDB({ name: 'done', encoding: 'json' });
    this.latestDb = root.openDB({ name: 'latest' });
    this.failures = root.openDB({ name: 'failures' });
    this.leases = root.openDB({ name: 'leases' });
    this.meta = root.openDB({ name: 'meta' });
    this.metrics = root.openDB({ name: 'metrics', encoding: 'json' });
    this.blobs = new BlobStore(join(dir, 'blobs'));
  }

  /**
   * Opens (or creates) the cache. The database file is checked before LMDB
   * maps it: its header always, and every page when it changed since a run
   * last closed it cleanly (after a kill, or when `verify` is 'full'); a
   * damaged file throws CacheDamagedError instead of crashing the process.
   */
  static open(dir: string, readOnly = false, verify: 'auto' | 'full' = 'auto'): LmdbCache {
    const dbDir = join(dir, 'db');
    if (!readOnly) makeCacheDir(dbDir);
    const file = join(dbDir, 'data.mdb');
    const header = checkFileKinds(dbDir) ?? checkHeader(file);
    if (header !== undefined) throw damaged(dir, header);
    if (lockSignatureMissing(dbDir)) {
      const lock = join(dbDir, 'lock.mdb');
      throw new CacheUnavailableError(`the cache's lock file ${lock} has no LMDB signature (overwritten); delete it when no ablate process is using this cache (it only lists the current readers)`);
    }
    const full = verify === 'full' || !sameStamp(dbDir);
    const root = open({ path: dbDir, maxDbs: 8, readOnly, compression: false });
    if (full) {
      const snapshot = root.useReadTransaction();
      let problem: string | undefined;
      try {
        problem = checkPages(file);
      } finally {
        snapshot.done();
      }
      if (problem !== undefined) {
        void root.close();
        throw damaged(dir, problem);
      }
    }
    const cache = new LmdbCache(dir, root, readOnly);
    if (full) cache.decodeAll();
    return cache;
  }

  /** Reads every value once: a record that no longer decodes means the file was overwritten inside a page. */
  private decodeAll(): void {
    for (const [name, db] of [['records', this.records], ['done', this.done], ['latest', this.latestDb], ['failures', this.failures], ['leases', this.leases], ['meta', this.meta], ['metrics', this.metrics]] as const) {
      try {
        for (const entry of (db as Database<unknown, string>).getRange()) void entry.value;
      } catch (e) {
        void this.root.close();
        throw damaged(this.dir, `an entry of "${name}" cannot be read (${(e as Error).message})`);
      }
    }
  }

  generation(): number {
    return (this.root.getStats() as { lastTxnId: number }).lastTxnId;
  }

  getDone(fingerprint: FingerprintHash): DoneEntry | undefined {
    return this.done.get(fingerprint);
  }

  getRecord(fingerprint: FingerprintHash): CellRecord | undefined {
    return this.records.get(fingerprint);
  }

  latest(pipeline: string, cell: string): FingerprintHash | undefined {
    return this.latestDb.get(cellKey(pipeline, cell)) as FingerprintHash | undefined;
  }

  artifactsPresent(record: DoneEntry): boolean {
    return Object.values(record.outputs).every((o) => this.blobs.has(o.sha256, o.size));
  }

  async verifyArtifacts(record: DoneEntry): Promise<string | undefined> {
    for (const [path, o] of Object.entries(record.outputs)) {
      if (!isPlainRelative(path) || this.blobs.read(o) === undefined) return path;
    }
    return undefined;
  }

  readArtifact(entry: OutputEntry): Buffer | undefined {
    return this.blobs.read(entry);
  }

  async storeOutputs(dir: string, only?: readonly string[], volatile: readonly string[] = []): Promise<{ outputs: Record<string, OutputEntry>; outputsHash: Sha256 }> {
    const files = only ?? listed(dir);
    const outputs: Record<string, OutputEntry> = {};
    const hashed: Record<string, OutputEntry> = {};
    for (const rel of [...files].sort()) {
      const bytes = await readOutput(dir, rel);
      outputs[rel] = { sha256: await this.blobs.put(bytes), size: bytes.length };
      if (!volatile.includes(rel)) hashed[rel] = outputs[rel];
    }
    return { outputs, outputsHash: sha256(canonicalJson(hashed)) };
  }

  putBlob(bytes: Uint8Array): Promise<Sha256> {
    return this.blobs.put(bytes);
  }

  async commit(record: CellRecord, metrics?: MetricsEntry): Promise<CommitOutcome> {
    let outcome: CommitOutcome = { committed: true };
    await this.atomically(() => {
      // Checked inside the write transaction: gc sweeps inside one too, so no sweep falls between this check and the commit.
      const missing = Object.entries(record.outputs).find(([, o]) => !this.blobs.has(o.sha256, o.size));
      if (missing !== undefined) {
        outcome = { committed: false, missing: missing[0] };
        return;
      }
      this.records.put(record.fingerprint, record);
      // The done entry is what makes the cell cached; same transaction as the record.
      this.done.put(record.fingerprint, { fingerprint: record.fingerprint, cell: record.cell, outputs: record.outputs, outputsHash: record.outputsHash });
      this.latestDb.put(cellKey(record.pipeline, record.cell), record.fingerprint);
      if (metrics !== undefined) this.metrics.put(record.fingerprint, metrics);
      this.failures.remove(cellKey(record.pipeline, record.cell));
      // Releases this process's lease in the same transaction: one write transaction (and disk sync) less per cell.
      if (this.leases.get(record.fingerprint)?.pid === process.pid) this.leases.remove(record.fingerprint);
    });
    return outcome;
  }

  getMetrics(fingerprint: FingerprintHash): MetricsEntry | undefined {
    return this.metrics.get(fingerprint);
  }

  async putMetrics(entries: readonly [FingerprintHash, MetricsEntry][]): Promise<void> {
    if (entries.length === 0) return;
    await this.atomically(() => {
      // Only beside a record that still exists: a concurrent forget must not leave an orphan.
      for (const [fp, m] of entries) if (this.records.doesExist(fp)) this.metrics.put(fp, m);
    });
  }

  /**
   * Runs `writes` as one transaction that commits whole or not at all: when
   * an asynchronous transaction's callback throws, lmdb-js still commits the
   * writes made before the throw, but it rolls back a child transaction that
   * returns ABORT.
   */
  private async atomically(writes: () => void): Promise<void> {
    let failure: { error: unknown } | undefined;
    await this.root.transaction(() =>
      this.root.childTransaction(() => {
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

  async materialize(record: DoneEntry, dir: string): Promise<string | undefined> {
    for (const [rel, o] of Object.entries(record.outputs)) {
      if (!isPlainRelative(rel)) return rel;
      const bytes = this.blobs.read(o);
      if (bytes === undefined || writeInside(dir, rel, bytes) !== undefined) return rel;
    }
    return undefined;
  }

  /**
   * Deletes blobs no record references, inside one write transaction: a
   * commit (which checks its blobs in its own write transaction) comes
   * wholly before the sweep, whose record then keeps its blobs, or wholly
   * after, and then finds a missing blob and stores it again. Unreferenced
   * blobs written since the oldest live lease began are kept: they are
   * likely a commit in flight.
   */
  collectGarbage(): Sweep & { referenced: number } {
    return this.root.transactionSync(() => this.sweepNow());
  }

  /** The sweep of collectGarbage; called inside a write transaction. */
  private sweepNow(): Sweep & { referenced: number } {
    const live = new Set<string>();
    for (const { value } of this.records.getRange()) for (const o of Object.values(value.outputs)) live.add(o.sha256);
    let oldest: number | undefined;
    for (const { value } of this.leases.getRange()) {
      if (!holderAlive(value)) continue;
      const since = Date.parse(value.since);
      if (Number.isFinite(since)) oldest = Math.min(oldest ?? since, since);
    }
    // mtime may be coarser than the lease's clock reading; keep a margin.
    const sweep = this.blobs.sweep(live, oldest === undefined ? undefined : oldest - 2000);
    return { ...sweep, referenced: live.size };
  }

  /** Every record (without its breakdown), latest pointer and failure entry, as they are now. */
  storeEntries(): StoreEntries {
    const out: StoreEntries = { records: new Map(), latest: new Map(), failures: new Map() };
    for (const { value } of this.done.getRange()) {
      const r = this.records.get(value.fingerprint);
      if (r !== undefined) out.records.set(r.fingerprint, { fingerprint: r.fingerprint, pipeline: r.pipeline, cell: r.cell, outputs: r.outputs });
    }
    for (const { key, value } of this.latestDb.getRange()) out.latest.set(key, value);
    for (const { key, value } of this.failures.getRange()) out.failures.set(key, value.fingerprint);
    return out;
  }

  /** The table key of a cell of a pipeline in "latest" and "failures" (see Keep). */
  cellKey(pipeline: string, cell: string): string {
    return cellKey(pipeline, cell);
  }

  /**
   * Removes the doomed entries and then sweeps blobs, in one write
   * transaction, as collectGarbage does. An entry goes only if it is as it
   * was read (a run may have committed it again since), and a record only
   * if no live process holds its lease: gc takes the lease, and a run that
   * holds it is about to commit that very record.
   */
  removeEntries(gone: Doomed, before: StoreEntries): Sweep & { referenced: number; records: RecordSummary[]; latest: number; failures: number } {
    return this.root.transactionSync(() => {
      const records = gone.records.filter((r) => {
        const lease = this.leases.get(r.fingerprint);
        if ((lease !== undefined && holderAlive(lease)) || this.done.get(r.fingerprint) === undefined) return false;
        this.done.removeSync(r.fingerprint);
        this.records.removeSync(r.fingerprint);
        return true;
      });
      const latest = gone.latest.filter((k) => this.latestDb.get(k) === before.latest.get(k) && this.latestDb.removeSync(k)).length;
      const failures = gone.failures.filter((k) => this.failures.get(k)?.fingerprint === before.failures.get(k) && this.failures.removeSync(k)).length;
      return { ...this.sweepNow(), records, latest, failures };
    });
  }

  async forget(fingerprint: FingerprintHash): Promise<void> {
    await this.atomically(() => {
      this.done.remove(fingerprint);
      this.records.remove(fingerprint);
      this.metrics.remove(fingerprint);
    });
  }

  async recordFailure(failure: FailureRecord): Promise<void> {
    await this.failures.put(cellKey(failure.pipeline, failure.cell), failure);
  }

  lastFailure(pipeline: string, cell: string): FailureRecord | undefined {
    return this.failures.get(cellKey(pipeline, cell));
  }

  /** A lease whose holder process is gone on this host is broken and taken over. */
  async acquireLease(fingerprint: FingerprintHash): Promise<LeaseResult> {
    const mine: Lease = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    let holder: Lease | undefined;
    await this.root.transaction(() => {
      const current = this.leases.get(fingerprint);
      if (current !== undefined && current.pid !== process.pid && holderAlive(current)) {
        holder = current;
        return;
      }
      this.leases.put(fingerprint, mine);
    });
    return holder === undefined ? { acquired: true } : { acquired: false, holder };
  }

  async releaseLease(fingerprint: FingerprintHash): Promise<void> {
    // Usually already released by `commit`; a write transaction only when this process still holds it.
    if (this.leases.get(fingerprint)?.pid !== process.pid) return;
    await this.root.transaction(() => {
      if (this.leases.get(fingerprint)?.pid === process.pid) this.leases.remove(fingerprint);
    });
  }

  workDir(fingerprint: FingerprintHash): string {
    return join(this.dir, 'work', fingerprint);
  }

  logPath(fingerprint: FingerprintHash): string {
    return join(this.dir, 'logs', `${fingerprint}.log`);
  }

  scratchDir(): string {
    const d = join(this.dir, 'tmp', `${process.pid}-${randomBytes(6).toString('hex')}`);
    mkdirSync(d, { recursive: true });
    return d;
  }

  getMeta<T>(key: string): T | undefined {
    return this.meta.get(boundedKey(key)) as T | undefined;
  }

  async putMeta(key: string, value: unknown): Promise<void> {
    await this.meta.put(boundedKey(key), value);
  }

  *allRecords(): Iterable<CellRecord> {
    for (const { value } of this.records.getRange()) yield value;
  }

  async close(): Promise<void> {
    await this.root.close();
    if (!this.readOnly) writeStamp(join(this.dir, 'db'));
  }
}

/** Longest key written as it is, in UTF-8 bytes; LMDB refuses keys over 1978. */
const MAX_PLAIN_KEY = 1000;

/** A key no longer than LMDB allows: as written while it fits, else `#` and its sha256 (no key of ours starts with `#`). */
function boundedKey(key: string): string {
  return Buffer.byteLength(key) <= MAX_PLAIN_KEY ? key : `#${sha256(key)}`;
}

/** The key of a cell of a pipeline (an absolute path) in the "latest" and "failures" tables. */
function cellKey(pipeline: string, cell: string): string {
  return boundedKey(`${pipeline}\0${cell}`);
}

/** Creates the cache folder, or says in words why it cannot be used. */
function makeCacheDir(dbDir: string): void {
  try {
    mkdirSync(dbDir, { recursive: true });
    accessSync(dbDir, constants.W_OK);
  } catch (e) {
    throw new CacheUnavailableError(`cannot use the cache directory ${dirname(dbDir)}: ${describeErrno(e)}`);
  }
}

function describeErrno(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const words: Record<string, string> = {
    EROFS: 'it is on a read-only file system',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOTDIR: 'a part of its path is a file, not a folder',
    ENOENT: 'it cannot be created (a parent is missing or read-only)',
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is exhausted',
  };
  return `${words[code] ?? (e as Error).message} (${code || 'error'})`;
}

function damaged(dir: string, problem: string): CacheDamagedError {
  return new CacheDamagedError(`the cache database in ${join(dir, 'db')} is damaged: ${problem}`);
}

/**
 * The size, mtime and inode of data.mdb when a process last closed the
 * cache cleanly. A file that differs was changed by something else (or
 * by a run that was killed), so the next open checks every page.
 */
function stampOf(dbDir: string): string | undefined {
  try {
    const st = statSync(join(dbDir, 'data.mdb'));
    return `${st.size}:${st.mtimeMs}:${st.ino}`;
  } catch {
    return undefined;
  }
}

function sameStamp(dbDir: string): boolean {
  const now = stampOf(dbDir);
  if (now === undefined) return true;
  try {
    return readFileSync(join(dbDir, STAMP), 'utf8') === now;
  } catch {
    return false;
  }
}

function writeStamp(dbDir: string): void {
  const now = stampOf(dbDir);
  if (now === undefined) return;
  const tmp = join(dbDir, `${STAMP}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, now);
    renameSync(tmp, join(dbDir, STAMP));
  } catch {
    // A read-only or full disk: the next open checks every page, which is only slower.
  }
}

const STAMP = 'clean-close';

function holderAlive(lease: Lease): boolean {
  if (lease.host !== hostname()) return true;
  try {
    process.kill(lease.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A finished cell's files; a link or special file among them is refused, never read. */
function listed(dir: string): string[] {
  const r = listTree(dir);
  if (!r.ok) throw new Error(`output "${r.error.path}" is a ${r.error.kind}, not a regular file`);
  return r.value;
}

/** An output's bytes; a link on its way, a FIFO or a device is refused instead of followed or opened. */
async function readOutput(dir: string, rel: string): Promise<Buffer> {
  const refused = isPlainRelative(rel) ? checkPathInside(dir, rel) : { path: rel, kind: 'missing' as const };
  if (refused !== undefined) throw new Error(`output "${rel}" cannot be stored: ${describeRefusal(refused)}`);
  const r = await readRegular(join(dir, rel));
  if (r.ok) return r.value;
  const why = r.error.problem === 'not-regular' ? `it is a ${r.error.kind}` : r.error.problem === 'missing' ? 'it is missing' : 'it changed while being read';
  throw new Error(`output "${rel}" cannot be stored: ${why}`);
}
