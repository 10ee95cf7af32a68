import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FingerprintHash } from '../plan/fingerprint.js';
import type { CachePaths } from './cache.js';

/** Where runs write beside the database: work/<fingerprint>, logs/<fingerprint>.log and tmp/<pid>-<random>. */
export class DirCachePaths implements CachePaths {
  constructor(readonly dir: string) {}

  workDir(fingerprint: FingerprintHash): string {
    return join(this.dir, 'work', fingerprint);
  }

  logPath(fingerprint: FingerprintHash): string {
    return join(this.dir, 'logs', `${fingerprint}.log`);
  }

  /** Synchronous: callers use the folder at once, and creating one folder does not wait on data. */
  scratchDir(): string {
    const d = join(this.dir, 'tmp', `${process.pid}-${randomBytes(6).toString('hex')}`);
    mkdirSync(d, { recursive: true });
    return d;
  }
}
