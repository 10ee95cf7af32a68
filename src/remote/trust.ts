import { createHash } from 'node:crypto';
import type { CellRecord, OutputEntry } from '../cache/cache.js';
import type { FingerprintHash } from '../plan/fingerprint.js';
import { canonicalJson, sha256, type Sha256 } from '../util/hash.js';
import { err, ok, type Result } from '../util/result.js';

/** What the local planner knows about a cell; a remote record must agree with it. */
export interface Expected {
  fingerprint: FingerprintHash;
  /** Outputs that do not count towards the outputs hash (the stage kind's `volatile`). */
  volatile: readonly string[];
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Parses a record fetched from a remote and checks it against the local
 * plan: the fingerprint must be the one computed here, every output entry
 * well formed, and the outputs hash (what dependents fingerprint) must be
 * the hash of those outputs. Returns why not, in words.
 */
export function checkRecord(bytes: Buffer, expected: Expected): Result<CellRecord, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return err('the record is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object') return err('the record is not a version 1 record');
  // Each field is whatever the remote sent until it is checked here.
  const raw = parsed as { [K in keyof CellRecord]?: unknown };
  if (raw.version !== 1) return err('the record is not a version 1 record');
  if (raw.fingerprint !== expected.fingerprint)
    return err(
      `the record is for fingerprint ${String(raw.fingerprint).slice(0, 12)}, not ${expected.fingerprint.slice(0, 12)}`,
    );
  const outputs = raw.outputs;
  if (outputs === null || typeof outputs !== 'object') return err('the record lists no outputs');
  for (const [path, o] of Object.entries(outputs as Record<string, { sha256?: unknown; size?: unknown } | null>)) {
    if (
      typeof o?.sha256 !== 'string' ||
      !HEX64.test(o.sha256) ||
      typeof o.size !== 'number' ||
      !Number.isInteger(o.size) ||
      o.size < 0
    )
      return err(`output "${path}" is malformed`);
  }
  const hashed = Object.fromEntries(Object.entries(outputs).filter(([p]) => !expected.volatile.includes(p)));
  if (sha256(canonicalJson(hashed)) !== raw.outputsHash) return err('its outputs hash does not match its outputs');
  return ok(raw as CellRecord);
}

/** Whether bytes are the artifact an output entry names. */
export function artifactMatches(bytes: Buffer, entry: OutputEntry): boolean {
  return bytes.length === entry.size && (createHash('sha256').update(bytes).digest('hex') as Sha256) === entry.sha256;
}
