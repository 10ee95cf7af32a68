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

export interface Cache {
  readonly dir: string;
  /** Changes with every committed write to the database (LMDB's last transaction id). */
  generation(): number;
  /** The "done" entry of a fingerprint: present only once its record and artifacts are whole. */
  getDone(fingerprint: FingerprintHash): DoneEntry | undefined;
  getRecord(fingerprint: FingerprintHash): CellRecord | undefined;
  /** The fingerprint of the last successful run of a cell of a pipeline. */
  latest(pipeline: string, cell: string): FingerprintHash | undefined;
  /** Cheap check: every artifact exists with the recorded size. */
  artifactsPresent(record: DoneEntry): boolean;
  /** Full check: every artifact hashes to its recorded value. Returns the first bad path. */
  verifyArtifacts(record: DoneEntry): Promise<string | undefined>;
  /** Stores the files of `dir` as content-addressed blobs (data first). */
  storeOutputs(dir: string, only?: readonly string[], volatile?: readonly string[]): Promise<{ outputs: Record<string, OutputEntry>; outputsHash: Sha256 }>;
  /** Makes the record visible, atomically, with the cell's "latest" pointer, if its artifacts are all stored. */
  commit(record: CellRecord, metrics?: MetricsEntry): Promise<CommitOutcome>;
  /** The metrics extracted from a record's outputs, kept beside it (no blob is read). */
  getMetrics(fingerprint: FingerprintHash): MetricsEntry | undefined;
  /** Stores metrics extracted later (a record committed before its stage declared them), in one transaction. */
  putMetrics(entries: readonly [FingerprintHash, MetricsEntry][]): Promise<void>;
  /** An artifact's bytes, verified against its hash and size; undefined when missing or corrupt. */
  readArtifact(entry: OutputEntry): Buffer | undefined;
  /** Stores bytes received from elsewhere (a remote) as a blob; returns their hash. */
  putBlob(bytes: Uint8Array): Promise<Sha256>;
  /** Copies artifacts into `dir`, verifying each; returns the first bad path. */
  materialize(record: DoneEntry, dir: string): Promise<string | undefined>;
  forget(fingerprint: FingerprintHash): Promise<void>;
  recordFailure(failure: FailureRecord): Promise<void>;
  lastFailure(pipeline: string, cell: string): FailureRecord | undefined;
  acquireLease(fingerprint: FingerprintHash): Promise<LeaseResult>;
  releaseLease(fingerprint: FingerprintHash): Promise<void>;
  workDir(fingerprint: FingerprintHash): string;
  logPath(fingerprint: FingerprintHash): string;
  scratchDir(): string;
  getMeta<T>(key: string): T | undefined;
  putMeta(key: string, value: unknown): Promise<void>;
  allRecords(): Iterable<CellRecord>;
  close(): Promise<void>;
}
