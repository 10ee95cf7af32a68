import { hostname } from 'node:os';
import type { FingerprintHash } from '../plan/fingerprint.js';
import type { LeaseResult, LeaseStore } from './cache.js';
import type { Lease, Tables } from './lmdb-tables.js';

/** Leases in LMDB: one process at a time runs a fingerprint, on any host sharing the cache. */
export class LmdbLeaseStore implements LeaseStore {
  constructor(private readonly t: Tables) {}

  /** A lease whose holder process is gone on this host is broken and taken over. */
  async acquireLease(fingerprint: FingerprintHash): Promise<LeaseResult> {
    const t = this.t;
    const mine: Lease = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    let holder: Lease | undefined;
    await t.root.transaction(() => {
      const current = t.leases.get(fingerprint);
      if (current !== undefined && current.pid !== process.pid && holderAlive(current)) {
        holder = current;
        return;
      }
      // Inside the transaction callback lmdb applies the write at once; its promise settles at commit, awaited above.
      void t.leases.put(fingerprint, mine);
    });
    return holder === undefined ? { acquired: true } : { acquired: false, holder };
  }

  async releaseLease(fingerprint: FingerprintHash): Promise<void> {
    const t = this.t;
    // Usually already released by `commit`; a write transaction only when this process still holds it.
    if (t.leases.get(fingerprint)?.pid !== process.pid) return;
    await t.root.transaction(() => {
      // Inside the transaction callback lmdb applies the write at once; its promise settles at commit, awaited above.
      if (t.leases.get(fingerprint)?.pid === process.pid) void t.leases.remove(fingerprint);
    });
  }
}

/** A holder on another host is taken to be alive: its process cannot be seen from here. */
export function holderAlive(lease: Lease): boolean {
  if (lease.host !== hostname()) return true;
  try {
    process.kill(lease.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
