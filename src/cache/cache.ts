import type { FingerprintData, FingerprintHash } from '../plan/fingerprint.js';
import type { MetricsEntry } from '../metrics/extract.js';
import type { Sha256 } from '../util/hash.js';

export interface OutputEntry {
  sha256: Sha256;
  size: number;
}

/** What makes a cell "done": written last, in one transaction. */
export interface CellRecord {
  version: 1;
  fingerprint: FingerprintHash;
  breakdown: FingerprintData;
  pipeline: string;
  stage: string;
  cell: string;
  outputs: Record<string, OutputEntry>;
  /** Content hash of all outputs together; what dependents fingerprint. */
  outputsHash: Sha256;
  startedAt: string;
  durationMs: number;
  /** Facts the stage reported, e.g. the backend it really ran on. */
  runtime: Record<string, string>;
  host: string;
  versions: Record<string, string>;
}

export interface FailureRecord {
  pipeline: string;
  cell: string;
  fingerprint: FingerprintHash;
  error: string;
  log: string;
  at: string;
}

/** A commit is refused when an artifact it names is no longer stored (a concurrent gc removed it); store again and retry. */
export type CommitOutcome = { committed: true } | { committed: false; missing: string };

export type LeaseResult = { acquired: true } | { acquired: false; holder: { pid: number; host: string; since: string } };

/** The part of a record that planning needs; decoding it is cheap. */
export interface DoneEntry {
  fingerprint: FingerprintHash;
  cell: string;
  outputs: Record<string, OutputEntry>;
  outputsHash: Sha256;
}

/**
 * The cache, split by what each part owns, so that a module's signature says
 * which concern it touches. Everything lives under one folder and one LMDB
 * environment; LmdbCache implements them all.
 */

/** Records: what makes a cell done, its latest pointer, and the metrics kept beside it. */
export interface RecordStore {
  /** Changes with every committed write to the database (LMDB's last transaction id). */
  generation(): number;
  /** The "done" entry of a fingerprint: present only once its record and artifacts are whole. */
  getDone(fingerprint: FingerprintHash): DoneEntry | undefined;
  getRecord(fingerprint: FingerprintHash): CellRecord | undefined;
  /** The fingerprint of the last successful run of a cell of a pipeline. */
  latest(pipeline: string, cell: string): FingerprintHash | undefined;
  /** Makes the record visible, atomically, with the cell's "latest" pointer, if its artifacts are all stored. */
  commit(record: CellRecord, metrics?: MetricsEntry): Promise<CommitOutcome>;
  forget(fingerprint: FingerprintHash): Promise<void>;
  allRecords(): Iterable<CellRecord>;
  /** The metrics extracted from a record's outputs, kept beside it (no blob is read). */
  getMetrics(fingerprint: FingerprintHash): MetricsEntry | undefined;
  /** Stores metrics extracted later (a record committed before its stage declared them), in one transaction. */
  putMetrics(entries: readonly [FingerprintHash, MetricsEntry][]): Promise<void>;
}

/** Artifacts: the content-addressed blobs that records name. */
export interface ArtifactStore {
  /** Cheap check: every artifact exists with the recorded size. Synchronous: it runs on the no-op path, once per cached cell. */
  artifactsPresent(record: DoneEntry): boolean;
  /** Full check: every artifact hashes to its recorded value. Returns the first bad path. */
  verifyArtifacts(record: DoneEntry): Promise<string | undefined>;
  /** Stores the files of `dir` as content-addressed blobs (data first). */
  storeOutputs(dir: string, only?: readonly string[], volatile?: readonly string[]): Promise<{ outputs: Record<string, OutputEntry>; outputsHash: Sha256 }>;
  /** An artifact's bytes, verified against its hash and size; undefined when missing or corrupt. */
  readArtifact(entry: OutputEntry): Buffer | undefined;
  /** Stores bytes received from elsewhere (a remote) as a blob; returns their hash. */
  putBlob(bytes: Uint8Array): Promise<Sha256>;
  /** Copies artifacts into `dir`, verifying each; returns the first bad path. */
  materialize(record: DoneEntry, dir: string): Promise<string | undefined>;
}

/** Leases: which process is running a fingerprint now. */
export interface LeaseStore {
  acquireLease(fingerprint: FingerprintHash): Promise<LeaseResult>;
  releaseLease(fingerprint: FingerprintHash): Promise<void>;
}

/** The last failed run of each cell, until a run of it succeeds. */
export interface FailureLog {
  recordFailure(failure: FailureRecord): Promise<void>;
  lastFailure(pipeline: string, cell: string): FailureRecord | undefined;
}

/** Folders and files a run writes beside the database. */
export interface CachePaths {
  readonly dir: string;
  workDir(fingerprint: FingerprintHash): string;
  logPath(fingerprint: FingerprintHash): string;
  /** A fresh folder of this process under the cache, created before it is returned. */
  scratchDir(): string;
}

/** Small values kept across runs by key (probed runtime facts, planning memos). */
export interface MetaStore {
  /** What was put under key (undefined: nothing), to be narrowed by the caller: it was read from disk. */
  getMeta(key: string): unknown;
  putMeta(key: string, value: unknown): Promise<void>;
}

/** The whole cache, for the code that opens, passes on and closes it. */
export interface Cache extends RecordStore, ArtifactStore, LeaseStore, FailureLog, CachePaths, MetaStore {
  close(): Promise<void>;
}
