import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, writeSync, type Stats } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { err, ok, type Result } from '../util/result.js';

/**
 * File operations that stay inside their folder: they never follow a
 * symbolic link below the root they are given and never open a FIFO or a
 * device in a way that could block or stream forever. The root itself is
 * the caller's choice (a flag, the cache folder) and may be a link.
 * Functions that block on the file system are named *Sync; their
 * counterparts for async code are in safe-fs-promises.ts.
 */

/** What an entry is, seen without following links. */
export type EntryKind = 'regular file' | 'folder' | 'symbolic link' | 'FIFO' | 'socket' | 'device' | 'missing';

export function kindOf(st: Stats | undefined): EntryKind {
  if (st === undefined) return 'missing';
  if (st.isFile()) return 'regular file';
  if (st.isDirectory()) return 'folder';
  if (st.isSymbolicLink()) return 'symbolic link';
  if (st.isFIFO()) return 'FIFO';
  if (st.isSocket()) return 'socket';
  return 'device';
}

export function lstatOrUndefinedSync(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
}

export function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Whether a name taken from a record (or a declaration) is a plain relative
 * path: no absolute path, no `.`/`..`/empty segment, no backslash or NUL.
 * Only such names can be joined to a folder without leaving it.
 */
export function isPlainRelative(name: string): boolean {
  if (name === '' || isAbsolute(name) || name.includes('\\') || name.includes('\0')) return false;
  return name.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/** The first output name of a record that is not a plain relative path. */
export function firstUnsafeName(names: Iterable<string>): string | undefined {
  for (const n of names) if (!isPlainRelative(n)) return n;
  return undefined;
}

/** An entry on the way to (or at) a path that is not what it must be. */
export interface Refusal {
  path: string;
  kind: EntryKind;
}

/**
 * The kind of the first part of `rel` under `root` that is not a real
 * folder (for the parents) or a regular file (for the last part);
 * undefined when every part is as it must be.
 */
export function checkPathInsideSync(root: string, rel: string): Refusal | undefined {
  const parts = rel.split('/');
  let path = root;
  for (const [i, part] of parts.entries()) {
    path = join(path, part);
    const kind = kindOf(lstatOrUndefinedSync(path));
    const wanted: EntryKind = i === parts.length - 1 ? 'regular file' : 'folder';
    if (kind !== wanted) return { path, kind };
  }
  return undefined;
}

/** O_NOFOLLOW refuses a link at the last part; O_NONBLOCK keeps a FIFO from blocking the open. */
export const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
export const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export type ReadProblem = { problem: 'missing' } | { problem: 'not-regular'; kind: EntryKind } | { problem: 'wrong-size'; size: number };

/**
 * Reads a regular file whole. With `size`, the file must have exactly that
 * many bytes and no more are read: a blob replaced by a device cannot
 * stream forever.
 */
export function readRegularSync(path: string, size?: number): Result<Buffer, ReadProblem> {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch (e) {
    return err(openProblem(e));
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return err({ problem: 'not-regular', kind: kindOf(st) });
    if (size !== undefined && st.size !== size) return err({ problem: 'wrong-size', size: st.size });
    const bytes = Buffer.alloc(size ?? st.size);
    let done = 0;
    while (done < bytes.length) {
      const n = readSync(fd, bytes, done, bytes.length - done, done);
      if (n === 0) return err({ problem: 'wrong-size', size: done });
      done += n;
    }
    return ok(bytes);
  } finally {
    closeSync(fd);
  }
}

/** Why an O_NOFOLLOW open failed, for the expected cases; anything else is rethrown. */
export function openProblem(e: unknown): ReadProblem {
  if ((e as NodeJS.ErrnoException).code === 'ELOOP') return { problem: 'not-regular', kind: 'symbolic link' };
  if (isMissing(e)) return { problem: 'missing' };
  throw e;
}

/**
 * Writes `bytes` to `rel` under `root`, creating the folders between as
 * real folders. An existing part that is a link, or a last part that is
 * not a regular file, is refused and nothing is written there.
 */
export function writeInsideSync(root: string, rel: string, bytes: Uint8Array): Refusal | undefined {
  // Callers check names from records first; a name that climbs out is a bug, never written.
  if (!isPlainRelative(rel)) throw new Error(`not a plain relative path: ${JSON.stringify(rel)}`);
  mkdirSync(root, { recursive: true });
  const parts = rel.split('/');
  let path = root;
  for (const part of parts.slice(0, -1)) {
    path = join(path, part);
    const kind = kindOf(lstatOrUndefinedSync(path));
    if (kind === 'missing') mkdirSync(path);
    else if (kind !== 'folder') return { path, kind };
  }
  const target = join(path, parts[parts.length - 1] as string);
  const kind = kindOf(lstatOrUndefinedSync(target));
  if (kind !== 'missing' && kind !== 'regular file') return { path: target, kind };
  let fd: number;
  try {
    fd = openSync(target, WRITE_FLAGS, 0o644);
  } catch (e) {
    // A link or FIFO put there after the check above.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENXIO') return { path: target, kind: code === 'ELOOP' ? 'symbolic link' : 'FIFO' };
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { path: target, kind: kindOf(st) };
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
  } finally {
    closeSync(fd);
  }
  return undefined;
}

export function describeRefusal(r: Refusal): string {
  return `${r.path} is ${r.kind === 'missing' ? 'missing' : `a ${r.kind}`}`;
}

/**
 * Every regular file under `dir` (relative, `/`-separated), walking real
 * folders only; the first link or special file is refused.
 */
export function listTreeSync(dir: string): Result<string[], Refusal> {
  const out: string[] = [];
  const walk = (d: string): Refusal | undefined => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      const kind = entry.isFile() || entry.isDirectory() || entry.isSymbolicLink() || entry.isFIFO() || entry.isSocket() ? kindOfDirent(entry) : kindOf(lstatOrUndefinedSync(path));
      if (kind === 'folder') {
        const inner = walk(path);
        if (inner !== undefined) return inner;
      } else if (kind === 'regular file') out.push(relative(dir, path));
      else if (kind !== 'missing') return { path: relative(dir, path), kind };
    }
    return undefined;
  };
  const refused = walk(dir);
  return refused === undefined ? ok(out) : err(refused);
}

export function kindOfDirent(e: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean; isFIFO(): boolean }): EntryKind {
  if (e.isFile()) return 'regular file';
  if (e.isDirectory()) return 'folder';
  if (e.isSymbolicLink()) return 'symbolic link';
  if (e.isFIFO()) return 'FIFO';
  return 'socket';
}
