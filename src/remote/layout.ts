import type { FingerprintHash } from '../plan/fingerprint.js';
import type { Sha256 } from '../util/hash.js';

/**
 * Where things live on a remote: artifacts by content hash, records by
 * fingerprint. A record is written only after every artifact it names,
 * so a record's presence means its artifacts were complete when it was written.
 */
export function blobKey(hash: Sha256): string {
  return `blobs/${hash.slice(0, 2)}/${hash}`;
}

export function recordKey(fingerprint: FingerprintHash): string {
  return `records/${fingerprint}.json`;
}
