import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { lstat, mkdir, open, rename, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sha256 } from '../util/hash.js';
import type { OutputEntry } from './cache.js';
import { kindOf, lstatOrUndefinedSync, readRegularSync } from './safe-fs.js';
import { lstatOrUndefined, readRegular } from './safe-fs-promises.js';

const HASH = /^[0-9a-f]{64}$/;

/** What a sweep of the store removed and kept. */
export interface Sweep {
  removed: number;
  bytes: number;
  /** Unreferenced blobs kept because a run holding a lease may be about to commit them. */
  pending: number;
}

/**
 * Content-addressed files: `<dir>/<first two hex>/<sha256>`. Everything
 * below `dir` is written by the store itself, so a link or special file
 * found there is damage: it is never followed or opened, only removed.
 */
export class BlobStore {
  constructor(readonly dir: string) {}

  /** Undefined for a name that is not a sha256 (a damaged record): such a name never becomes a path. */
  path(hash: string): string | undefined {
    return HASH.test(hash) ? join(this.dir, hash.slice(0, 2), hash) : undefined;
  }

  /** The blob's path when its shard is a real folder, not a link to elsewhere. */
  private checkedPathSync(hash: string): string | undefined {
    const path = this.path(hash);
    if (path === undefined || !lstatOrUndefinedSync(join(path, '..'))?.isDirectory()) return undefined;
    return path;
  }

  private async checkedPath(hash: string): Promise<string | undefined> {
    const path = this.path(hash);
    if (path === undefined || !(await lstatOrUndefined(join(path, '..')))?.isDirectory()) return undefined;
    return path;
  }

  /** Synchronous: a commit checks its blobs inside LMDB's write transaction, whose callback cannot await. */
  hasSync(hash: Sha256, size: number): boolean {
    const path = this.checkedPathSync(hash);
    const st = path === undefined ? undefined : lstatOrUndefinedSync(path);
    return st !== undefined && st.isFile() && st.size === size;
  }

  /**
   * Reads and verifies; undefined when missing, not a regular file, of
   * another size than recorded, or corrupt. At most `size` bytes are read.
   */
  readSync(entry: OutputEntry): Buffer | undefined {
    const path = this.checkedPathSync(entry.sha256);
    if (path === undefined || !Number.isSafeInteger(entry.size) || entry.size < 0) return undefined;
    const r = readRegularSync(path, entry.size);
    return r.ok ? verified(r.value, entry.sha256) : undefined;
  }

  /** As readSync, on libuv's thread pool. */
  async read(entry: OutputEntry): Promise<Buffer | undefined> {
    const path = await this.checkedPath(entry.sha256);
    if (path === undefined || !Number.isSafeInteger(entry.size) || entry.size < 0) return undefined;
    const r = await readRegular(path, entry.size);
    return r.ok ? verified(r.value, entry.sha256) : undefined;
  }

  /**
   * Writes through a temporary file and a rename, fsynced, so a blob is whole
   * or absent. The file calls run on libuv's thread pool: the engine keeps
   * starting other cells while one cell's outputs are synced to disk. A blob
   * that is reused gets a fresh mtime: gc keeps recent unreferenced blobs
   * while a lease is held, since they may belong to a commit in flight.
   */
  async put(bytes: Uint8Array): Promise<Sha256> {
    const hash = createHash('sha256').update(bytes).digest('hex') as Sha256;
    const target = this.path(hash) as string;
    await this.ensureShard(join(target, '..'));
    if (await intact(target, hash, bytes.length)) {
      const now = new Date();
      await utimes(target, now, now);
      return hash;
    }
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const file = await open(tmp, 'wx');
    try {
      // writeFile loops over short writes: a full disk may accept part of a write before failing.
      await file.writeFile(bytes);
      await file.sync();
    } catch (e) {
      await file.close();
      await rm(tmp, { force: true });
      throw e;
    }
    await file.close();
    // rename replaces whatever entry holds the name (a damaged blob, a link) without following it.
    await rename(tmp, target);
    return hash;
  }

  /** A shard that is a link or a file is replaced by a real folder; what it pointed at is untouched. */
  private async ensureShard(shard: string): Promise<void> {
    const st = await lstat(shard).catch(() => undefined);
    if (st?.isDirectory()) return;
    if (st !== undefined) await rm(shard, { force: true });
    await mkdir(shard, { recursive: true });
  }

  /**
   * Removes every entry that is not a live blob: unreferenced blobs (except
   * those written since `pendingSince`), temporary files of processes that
   * are gone, and links or special files anywhere in the store. Links are
   * removed, never followed; folders inside a shard are left alone.
   */
  sweepSync(live: ReadonlySet<string>, pendingSince: number | undefined): Sweep {
    const result: Sweep = { removed: 0, bytes: 0, pending: 0 };
    for (const shard of listSync(this.dir)) {
      const shardPath = join(this.dir, shard);
      const st = lstatOrUndefinedSync(shardPath);
      if (st === undefined) continue;
      if (!st.isDirectory()) {
        rmSync(shardPath, { force: true });
        result.removed++;
        continue;
      }
      for (const name of listSync(shardPath)) this.sweepEntrySync(join(shardPath, name), name, live, pendingSince, result);
    }
    return result;
  }

  private sweepEntrySync(path: string, name: string, live: ReadonlySet<string>, pendingSince: number | undefined, result: Sweep): void {
    const st = lstatOrUndefinedSync(path);
    if (st === undefined || st.isDirectory()) return;
    const file = kindOf(st) === 'regular file';
    if (name.endsWith('.tmp')) {
      // `<hash>.<pid>.<random>.tmp`: a store in progress while its process lives.
      if (pidAlive(Number(name.split('.')[1]))) return;
    } else if (file && live.has(name)) {
      return;
    } else if (file && HASH.test(name) && pendingSince !== undefined && st.mtimeMs >= pendingSince) {
      result.pending++;
      return;
    }
    rmSync(path, { force: true });
    result.removed++;
    if (file) result.bytes += st.size;
  }
}

function verified(bytes: Buffer, hash: string): Buffer | undefined {
  return createHash('sha256').update(bytes).digest('hex') === hash ? bytes : undefined;
}

async function intact(path: string, hash: Sha256, size: number): Promise<boolean> {
  const st = await lstat(path).catch(() => undefined);
  if (st === undefined || !st.isFile() || st.size !== size) return false;
  const r = await readRegular(path);
  return r.ok && createHash('sha256').update(r.value).digest('hex') === hash;
}

function listSync(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Whether a process of this host with that id exists (EPERM: it exists, owned by another user). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
