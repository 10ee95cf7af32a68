import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Sha256 } from '../util/hash.js';

/** Content-addressed files: `<dir>/<first two hex>/<sha256>`. */
export class BlobStore {
  constructor(readonly dir: string) {}

  path(hash: Sha256): string {
    return join(this.dir, hash.slice(0, 2), hash);
  }

  has(hash: Sha256, size: number): boolean {
    try {
      return statSync(this.path(hash)).size === size;
    } catch {
      return false;
    }
  }

  /**
   * Writes through a temporary file and a rename, fsynced, so a blob is whole
   * or absent. The file calls run on libuv's thread pool: the engine keeps
   * starting other cells while one cell's outputs are synced to disk.
   */
  async put(bytes: Uint8Array): Promise<Sha256> {
    const hash = createHash('sha256').update(bytes).digest('hex') as Sha256;
    const target = this.path(hash);
    // An existing blob is reused only if it still hashes right: a damaged one is replaced, not trusted.
    if ((await stat(target).catch(() => undefined))?.size === bytes.length && (await intact(target, hash))) return hash;
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const file = await open(tmp, 'w');
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
    await rename(tmp, target);
    return hash;
  }

  /** Reads and verifies; undefined when missing or corrupt. */
  read(hash: Sha256): Buffer | undefined {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.path(hash));
    } catch {
      return undefined;
    }
    return createHash('sha256').update(bytes).digest('hex') === hash ? bytes : undefined;
  }

  copyTo(hash: Sha256, dest: string): boolean {
    const bytes = this.read(hash);
    if (bytes === undefined) return false;
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, bytes);
    return true;
  }
}

async function intact(path: string, hash: Sha256): Promise<boolean> {
  const bytes = await readFile(path).catch(() => undefined);
  return bytes !== undefined && createHash('sha256').update(bytes).digest('hex') === hash;
}
