import type { ArtifactStore, CellRecord, OutputEntry, RecordStore } from '../cache/cache.js';
import type { FingerprintData, FingerprintHash } from '../plan/fingerprint.js';
import { describeRemoteFailure, type Remote } from './remote.js';
import { blobKey, recordKey } from './layout.js';
import { artifactMatches, checkRecord } from './trust.js';

export type PushOutcome =
  | { kind: 'sent'; bytes: number }
  | { kind: 'present' }
  /** `local`: this cache could not supply the cell; otherwise the remote failed. */
  | { kind: 'failed'; message: string; local?: true };

export type PullOutcome =
  | { kind: 'received'; bytes: number; record: CellRecord }
  | { kind: 'absent' }
  | { kind: 'rejected'; message: string }
  | { kind: 'failed'; message: string };

/** The local facts a pulled record is committed under. */
export interface LocalCell {
  fingerprint: FingerprintHash;
  breakdown: FingerprintData;
  pipeline: string;
  stage: string;
  cell: string;
  volatile: readonly string[];
}

/**
 * Uploads a committed cell: each artifact the remote lacks, then the record.
 * Objects already there (same size) are skipped, so a push killed part-way
 * resumes where it stopped.
 */
export async function pushCell(
  remote: Remote,
  cache: RecordStore & ArtifactStore,
  fingerprint: FingerprintHash,
): Promise<PushOutcome> {
  const record = cache.getRecord(fingerprint);
  if (record === undefined) return { kind: 'failed', message: 'its local record is gone', local: true };
  let bytes = 0;
  for (const [path, o] of uniqueOutputs(record)) {
    const sent = await once(remote, `put:${o.sha256}`, () => sendBlob(remote, cache, o));
    if (typeof sent !== 'number')
      return { kind: 'failed', message: `${path}: ${sent.message}`, ...(sent.local ? { local: true as const } : {}) };
    bytes += sent;
  }
  const key = recordKey(fingerprint);
  const there = await remote.head(key);
  if (!there.ok) return { kind: 'failed', message: `record: ${describeRemoteFailure(there.error)}` };
  if (there.value !== undefined) return bytes === 0 ? { kind: 'present' } : { kind: 'sent', bytes };
  const text = Buffer.from(JSON.stringify(record));
  const put = await remote.put(key, text);
  if (!put.ok) return { kind: 'failed', message: `record: ${describeRemoteFailure(put.error)}` };
  return { kind: 'sent', bytes: bytes + text.length };
}

/**
 * Downloads a cell's record and artifacts, verifies them against the local
 * plan and commits them through the cache's ordinary commit (artifacts
 * first, record and done entry last, in one transaction).
 */
export async function pullCell(
  remote: Remote,
  cache: RecordStore & ArtifactStore,
  local: LocalCell,
): Promise<PullOutcome> {
  const got = await remote.get(recordKey(local.fingerprint));
  if (!got.ok) return { kind: 'failed', message: `record: ${describeRemoteFailure(got.error)}` };
  if (got.value === undefined) return { kind: 'absent' };
  const checked = checkRecord(got.value, local);
  if (!checked.ok) return { kind: 'rejected', message: checked.error };
  const remoteRecord = checked.value;
  let bytes = got.value.length;
  // Provenance (when, where, how long, runtime facts) is the remote's; identity is the local plan's.
  const record: CellRecord = {
    ...remoteRecord,
    fingerprint: local.fingerprint,
    breakdown: local.breakdown,
    pipeline: local.pipeline,
    stage: local.stage,
    cell: local.cell,
  };
  // A concurrent gc may sweep a fetched artifact before the commit; the commit then refuses and the artifacts are fetched again.
  for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
    for (const [path, o] of uniqueOutputs(remoteRecord)) {
      if (
        cache.artifactsPresent({
          fingerprint: local.fingerprint,
          cell: local.cell,
          outputs: { [path]: o },
          outputsHash: remoteRecord.outputsHash,
        })
      )
        continue;
      const fetched = await once(remote, `get:${o.sha256}`, () => fetchBlob(remote, cache, o));
      if (fetched.kind !== 'stored')
        return {
          kind: fetched.kind,
          message: fetched.kind === 'failed' ? `${path}: ${fetched.message}` : `artifact "${path}" ${fetched.message}`,
        };
      bytes += fetched.bytes;
    }
    const outcome = await cache.commit(record);
    if (outcome.committed) return { kind: 'received', bytes, record };
  }
  return {
    kind: 'failed',
    message: 'its artifacts were removed from the local cache (by a concurrent gc) before they could be committed',
  };
}

const COMMIT_ATTEMPTS = 3;

type NotSent = { message: string; local: boolean };

/** Uploads one artifact unless the remote has it; returns the bytes sent, or why not. */
async function sendBlob(remote: Remote, cache: ArtifactStore, o: OutputEntry): Promise<number | NotSent> {
  const there = await remote.head(blobKey(o.sha256));
  if (!there.ok) return { message: describeRemoteFailure(there.error), local: false };
  if (there.value?.size === o.size) return 0;
  const data = cache.readArtifact(o);
  if (data === undefined)
    return { message: 'the local artifact is missing or corrupt (run "ablate doctor")', local: true };
  const put = await remote.put(blobKey(o.sha256), data);
  return put.ok ? data.length : { message: describeRemoteFailure(put.error), local: false };
}

type Fetched = { kind: 'stored'; bytes: number } | { kind: 'rejected' | 'failed'; message: string };

/** Downloads one artifact, verifies it and stores it locally. */
async function fetchBlob(remote: Remote, cache: ArtifactStore, o: OutputEntry): Promise<Fetched> {
  const blob = await remote.get(blobKey(o.sha256));
  if (!blob.ok) return { kind: 'failed', message: describeRemoteFailure(blob.error) };
  if (blob.value === undefined) return { kind: 'rejected', message: 'is missing on the remote' };
  if (!artifactMatches(blob.value, o)) return { kind: 'rejected', message: 'does not match its sha256' };
  await cache.putBlob(blob.value);
  return { kind: 'stored', bytes: blob.value.length };
}

const inFlight = new WeakMap<Remote, Map<string, Promise<unknown>>>();

/**
 * One transfer of an artifact at a time per remote: cells that share an
 * artifact and move at once wait for the same transfer, and only the first
 * counts its bytes.
 */
async function once<T extends number | NotSent | Fetched>(
  remote: Remote,
  key: string,
  transfer: () => Promise<T>,
): Promise<T> {
  let map = inFlight.get(remote);
  if (map === undefined) inFlight.set(remote, (map = new Map<string, Promise<unknown>>()));
  const running = map.get(key) as Promise<T> | undefined;
  if (running !== undefined) {
    const shared: number | NotSent | Fetched = await running;
    if (typeof shared === 'number') return 0 as T;
    if ('kind' in shared && shared.kind === 'stored') return { kind: 'stored', bytes: 0 } as T;
    return shared as T;
  }
  const mine = transfer().finally(() => map.delete(key));
  map.set(key, mine);
  return mine;
}

/** Outputs with distinct artifacts: two outputs with the same bytes share one blob. */
function uniqueOutputs(record: { outputs: Record<string, OutputEntry> }): [string, OutputEntry][] {
  const seen = new Set<string>();
  return Object.entries(record.outputs).filter(([, o]) => {
    if (seen.has(o.sha256)) return false;
    seen.add(o.sha256);
    return true;
  });
}
