import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { err, ok, type Result } from '../util/result.js';
import { withAttempts } from './attempts.js';
import type { Remote, RemoteFailure, RemoteSettings } from './remote.js';

/**
 * A remote on a shared filesystem (NFS, SMB, a mounted volume). Objects are
 * written to a temporary name and renamed into place, so a reader sees an
 * object whole or not at all.
 */
export class FileRemote implements Remote {
  constructor(
    readonly url: string,
    private readonly root: string,
    private readonly settings: RemoteSettings,
  ) {}

  get(key: string): Promise<Result<Buffer | undefined, RemoteFailure>> {
    return withAttempts(this.settings, async () => {
      try {
        return ok(await readFile(this.path(key)));
      } catch (e) {
        return missing(e) ? ok(undefined) : err(ioFailure(e));
      }
    });
  }

  put(key: string, bytes: Uint8Array): Promise<Result<void, RemoteFailure>> {
    return withAttempts(this.settings, async () => {
      const target = this.path(key);
      const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        await mkdir(dirname(target), { recursive: true });
        await writeFile(tmp, bytes, { flush: true });
        await rename(tmp, target);
        return ok(undefined);
      } catch (e) {
        await rm(tmp, { force: true }).catch(() => undefined);
        return err(ioFailure(e));
      }
    });
  }

  head(key: string): Promise<Result<{ size: number } | undefined, RemoteFailure>> {
    return withAttempts(this.settings, async () => {
      try {
        return ok({ size: (await stat(this.path(key))).size });
      } catch (e) {
        return missing(e) ? ok(undefined) : err(ioFailure(e));
      }
    });
  }

  list(prefix: string): Promise<Result<string[], RemoteFailure>> {
    return withAttempts(this.settings, async () => {
      try {
        const entries = await readdir(this.path(prefix), { recursive: true, withFileTypes: true });
        const keys = entries
          .filter((e) => e.isFile() && !e.name.endsWith('.tmp'))
          .map((e) => relative(this.root, join(e.parentPath, e.name)).split(sep).join('/'));
        return ok(keys.sort());
      } catch (e) {
        return missing(e) ? ok([]) : err(ioFailure(e));
      }
    });
  }

  close(): void {}

  private path(key: string): string {
    return join(this.root, ...key.split('/'));
  }
}

function missing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function ioFailure(e: unknown): RemoteFailure {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return { reason: 'denied', message: `${code}: ${(e as Error).message}` };
  return { reason: 'io', message: (e as Error).message };
}
