import { lstat, mkdir, open, readdir } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, relative } from 'node:path';
import { err, ok, type Result } from '../util/result.js';
import { isMissing, isPlainRelative, kindOf, kindOfDirent, openProblem, READ_FLAGS, WRITE_FLAGS, type ReadProblem, type Refusal } from './safe-fs.js';

/**
 * The operations of safe-fs.ts, with the same guarantees, on libuv's thread
 * pool: the engine keeps starting other cells while one cell's files are
 * read or written.
 */

export async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
}

/** As checkPathInsideSync. */
export async function checkPathInside(root: string, rel: string): Promise<Refusal | undefined> {
  const parts = rel.split('/');
  let path = root;
  for (const [i, part] of parts.entries()) {
    path = join(path, part);
    const kind = kindOf(await lstatOrUndefined(path));
    if (kind !== (i === parts.length - 1 ? 'regular file' : 'folder')) return { path, kind };
  }
  return undefined;
}

/** As readRegularSync: with `size`, the file must have exactly that many bytes and no more are read. The open cannot block on a FIFO. */
export async function readRegular(path: string, size?: number): Promise<Result<Buffer, ReadProblem>> {
  let file;
  try {
    file = await open(path, READ_FLAGS);
  } catch (e) {
    return err(openProblem(e));
  }
  try {
    const st = await file.stat();
    if (!st.isFile()) return err({ problem: 'not-regular', kind: kindOf(st) });
    if (size === undefined) return ok(await file.readFile());
    if (st.size !== size) return err({ problem: 'wrong-size', size: st.size });
    const bytes = Buffer.alloc(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await file.read(bytes, done, size - done, done);
      if (bytesRead === 0) return err({ problem: 'wrong-size', size: done });
      done += bytesRead;
    }
    return ok(bytes);
  } finally {
    await file.close();
  }
}

/** As writeInsideSync: folders between are created as real folders; a link or special file on the way is refused. */
export async function writeInside(root: string, rel: string, bytes: Uint8Array): Promise<Refusal | undefined> {
  if (!isPlainRelative(rel)) throw new Error(`not a plain relative path: ${JSON.stringify(rel)}`);
  await mkdir(root, { recursive: true });
  const parts = rel.split('/');
  let path = root;
  for (const part of parts.slice(0, -1)) {
    path = join(path, part);
    const kind = kindOf(await lstatOrUndefined(path));
    if (kind === 'missing') await mkdir(path);
    else if (kind !== 'folder') return { path, kind };
  }
  const target = join(path, parts[parts.length - 1] as string);
  const kind = kindOf(await lstatOrUndefined(target));
  if (kind !== 'missing' && kind !== 'regular file') return { path: target, kind };
  let file;
  try {
    file = await open(target, WRITE_FLAGS, 0o644);
  } catch (e) {
    // A link or FIFO put there after the check above.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENXIO') return { path: target, kind: code === 'ELOOP' ? 'symbolic link' : 'FIFO' };
    throw e;
  }
  try {
    const st = await file.stat();
    if (!st.isFile()) return { path: target, kind: kindOf(st) };
    // writeFile loops over short writes.
    await file.writeFile(bytes);
  } finally {
    await file.close();
  }
  return undefined;
}

/** As listTreeSync: every regular file under `dir`, walking real folders only; the first link or special file is refused. */
export async function listTree(dir: string): Promise<Result<string[], Refusal>> {
  const out: string[] = [];
  const walk = async (d: string): Promise<Refusal | undefined> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      const kind = entry.isFile() || entry.isDirectory() || entry.isSymbolicLink() || entry.isFIFO() || entry.isSocket() ? kindOfDirent(entry) : kindOf(await lstatOrUndefined(path));
      if (kind === 'folder') {
        const inner = await walk(path);
        if (inner !== undefined) return inner;
      } else if (kind === 'regular file') out.push(relative(dir, path));
      else if (kind !== 'missing') return { path: relative(dir, path), kind };
    }
    return undefined;
  };
  const refused = await walk(dir);
  return refused === undefined ? ok(out) : err(refused);
}
