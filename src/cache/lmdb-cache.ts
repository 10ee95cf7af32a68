import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { ABORT, open, type Database, type RootDatabase } from 'lmdb';
import type { FingerprintHash } from '../fingerprint.js';
import { canonicalJson, sha256, type Sha256 } from '../util/hash.js';
import { BlobStore } from './blobs.js';
import { checkHeader, checkPages } from './db-check.js';
import { CacheDamagedError, CacheUnavailableError } from './errors.js';
import type { Cache, CellRecord, DoneEntry, FailureRecord, LeaseResult, OutputEntry } from './cache.js';

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
    const header = checkHeader(file);
    if (header !== undefined) throw damaged(dir, header);
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
    for (const [name, db] of [['records', this.records], ['done', this.done], ['latest', this.latestDb], ['failures', this.failures], ['leases', this.leases], ['meta', this.meta]] as const) {
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
      if (this.blobs.read(o.sha256) === undefined) return path;
    }
    return undefined;
  }

  async storeOutputs(dir: string, only?: readonly string[], volatile: readonly string[] = []): Promise<{ outputs: Record<string, OutputEntry>; outputsHash: Sha256 }> {
    const files = only ?? listFiles(dir);
    const outputs: Record<string, OutputEntry> = {};
    const hashed: Record<string, OutputEntry> = {};
    for (const rel of [...files].sort()) {
      const bytes = await readFile(join(dir, rel));
      outputs[rel] = { sha256: await this.blobs.put(bytes), size: bytes.length };
      if (!volatile.includes(rel)) hashed[rel] = outputs[rel];
    }
    return { outputs, outputsHash: sha256(canonicalJson(hashed)) };
  }

  async commit(record: CellRecord): Promise<void> {
    await this.atomically(() => {
      this.records.put(record.fingerprint, record);
      // The done entry is what makes the cell cached; same transaction as the record.
      this.done.put(record.fingerprint, { fingerprint: record.fingerprint, cell: record.cell, outputs: record.outputs, outputsHash: record.outputsHash });
      this.latestDb.put(cellKey(record.pipeline, record.cell), record.fingerprint);
      this.failures.remove(cellKey(record.pipeline, record.cell));
      // Releases this process's lease in the same transaction: one write transaction (and disk sync) less per cell.
      if (this.leases.get(record.fingerprint)?.pid === process.pid) this.leases.remove(record.fingerprint);
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
      if (!this.blobs.copyTo(o.sha256, join(dir, rel))) return rel;
    }
    return undefined;
  }

  async forget(fingerprint: FingerprintHash): Promise<void> {
    await this.atomically(() => {
      this.done.remove(fingerprint);
      this.records.remove(fingerprint);
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

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}
