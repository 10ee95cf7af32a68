import { accessSync, constants, mkdirSync, readFileSync, statSync } from 'node:fs';
import { rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { checkFileKinds, checkHeader, checkPages, lockSignatureMissing } from './db-check.js';
import { CacheDamagedError, CacheUnavailableError } from './errors.js';
import { openTables, type Tables } from './lmdb-tables.js';

/**
 * Opens (or creates) the database under `<dir>/db`. The file is checked
 * before LMDB maps it: its header always, and every page when it changed
 * since a run last closed it cleanly (after a kill, or when `verify` is
 * 'full'); a damaged file throws CacheDamagedError instead of crashing the
 * process. Synchronous: LMDB opens its environment synchronously, and
 * nothing else can happen before the cache is open.
 */
export function openDatabase(dir: string, readOnly: boolean, verify: 'auto' | 'full'): Tables {
  const dbDir = join(dir, 'db');
  if (!readOnly) makeCacheDir(dbDir);
  const file = join(dbDir, 'data.mdb');
  const header = checkFileKinds(dbDir) ?? checkHeader(file);
  if (header !== undefined) throw damaged(dir, header);
  if (lockSignatureMissing(dbDir)) {
    const lock = join(dbDir, 'lock.mdb');
    throw new CacheUnavailableError(`the cache's lock file ${lock} has no LMDB signature (overwritten); delete it when no ablate process is using this cache (it only lists the current readers)`);
  }
  const full = verify === 'full' || !sameStamp(dbDir);
  const root = open({ path: dbDir, maxDbs: 8, readOnly, compression: false });
  if (full) {
    const snapshot = root.useReadTransaction();
    let problem: string | undefined;
    try {
      problem = checkPages(file);
    } finally {
      snapshot.done();
    }
    if (problem !== undefined) {
      void root.close();
      throw damaged(dir, problem);
    }
  }
  const tables = openTables(root);
  if (full) decodeAll(dir, tables);
  return tables;
}

/** Closes the environment and, when this process could write, stamps the file as cleanly closed. */
export async function closeDatabase(dir: string, root: RootDatabase, readOnly: boolean): Promise<void> {
  await root.close();
  if (!readOnly) await writeStamp(join(dir, 'db'));
}

/** Reads every value once: a record that no longer decodes means the file was overwritten inside a page. */
function decodeAll(dir: string, tables: Tables): void {
  const { root, ...named } = tables;
  for (const [name, db] of Object.entries(named)) {
    try {
      // Reading `value` is the point: it decodes the entry and throws on a damaged one.
      // eslint-disable-next-line @typescript-eslint/no-meaningless-void-operator -- a deliberate read, for its side effect
      for (const entry of (db as Database<unknown, string>).getRange()) void entry.value;
    } catch (e) {
      void root.close();
      throw damaged(dir, `an entry of "${name}" cannot be read (${(e as Error).message})`);
    }
  }
}

/** Creates the cache folder, or says in words why it cannot be used. */
function makeCacheDir(dbDir: string): void {
  try {
    mkdirSync(dbDir, { recursive: true });
    accessSync(dbDir, constants.W_OK);
  } catch (e) {
    throw new CacheUnavailableError(`cannot use the cache directory ${dirname(dbDir)}: ${describeErrno(e)}`);
  }
}

function describeErrno(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const words: Record<string, string> = {
    EROFS: 'it is on a read-only file system',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOTDIR: 'a part of its path is a file, not a folder',
    ENOENT: 'it cannot be created (a parent is missing or read-only)',
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is exhausted',
  };
  return `${words[code] ?? (e as Error).message} (${code || 'error'})`;
}

function damaged(dir: string, problem: string): CacheDamagedError {
  return new CacheDamagedError(`the cache database in ${join(dir, 'db')} is damaged: ${problem}`);
}

/**
 * The size, mtime and inode of data.mdb when a process last closed the
 * cache cleanly. A file that differs was changed by something else (or
 * by a run that was killed), so the next open checks every page.
 */
const STAMP = 'clean-close';

function stampText(st: { size: number; mtimeMs: number; ino: number }): string {
  return `${st.size}:${st.mtimeMs}:${st.ino}`;
}

function sameStamp(dbDir: string): boolean {
  let now: string;
  try {
    now = stampText(statSync(join(dbDir, 'data.mdb')));
  } catch {
    return true;
  }
  try {
    return readFileSync(join(dbDir, STAMP), 'utf8') === now;
  } catch {
    return false;
  }
}

async function writeStamp(dbDir: string): Promise<void> {
  let now: string;
  try {
    now = stampText(await stat(join(dbDir, 'data.mdb')));
  } catch {
    return;
  }
  const tmp = join(dbDir, `${STAMP}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, now);
    await rename(tmp, join(dbDir, STAMP));
  } catch {
    // A read-only or full disk: the next open checks every page, which is only slower.
  }
}
