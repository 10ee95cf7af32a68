import { closeSync, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { join } from 'node:path';

/**
 * A damaged LMDB file does not fail cleanly: LMDB maps it into memory and
 * follows its page numbers, so a truncated or overwritten file kills the
 * process with SIGBUS or SIGSEGV, with no message. These checks read the
 * file with plain reads instead and describe what is wrong, before LMDB
 * touches it.
 *
 * Layout (liblmdb as bundled by lmdb-js, 64-bit): every page starts with a
 * 24-byte header (pgno u64, txnid u64, pad u16, flags u16, lower/upper u16
 * or overflow page count u32). Pages 0 and 1 are meta pages; the one with
 * the larger txnid is current.
 */

const HEADER = 24;
const MAGIC = 0xbeefc0de;
const P_BRANCH = 0x01;
const P_LEAF = 0x02;
const P_OVERFLOW = 0x04;
const P_LEAF2 = 0x20;
const F_BIGDATA = 0x01;
const F_SUBDATA = 0x02;
const P_INVALID = 0xffffffffffffffffn;

interface Meta {
  pageSize: number;
  lastPage: number;
  txnid: bigint;
  roots: bigint[];
}

class Reader {
  private readonly fd: number;

  constructor(file: string) {
    this.fd = openSync(file, 'r');
  }

  /**
   * Asked afresh each time: another process may be committing. LMDB writes a
   * transaction's pages before its meta page, so a size read after the meta
   * page covers every page that meta names.
   */
  get size(): number {
    return fstatSync(this.fd).size;
  }

  read(offset: number, length: number): Buffer {
    const buf = Buffer.alloc(length);
    const n = readSync(this.fd, buf, 0, length, offset);
    return n === length ? buf : buf.subarray(0, n);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * LMDB's two files must be regular files (or absent, for a new database).
 * A lock file that is a folder, a FIFO or a link to a device crashes LMDB
 * with SIGSEGV when it maps it, and opening a FIFO data file for the header
 * check would block; a link may point anywhere, so none is followed.
 */
export function checkFileKinds(dbDir: string): string | undefined {
  for (const name of ['data.mdb', 'lock.mdb']) {
    let st: Stats;
    try {
      st = lstatSync(join(dbDir, name));
    } catch {
      continue;
    }
    if (!st.isFile()) return `${name} is ${kindOf(st)}, not a regular file`;
  }
  return undefined;
}

/**
 * Whether lock.mdb starts with LMDB's signature. The first process to open
 * a cache rebuilds the lock file, but one opened beside a running process
 * trusts it as that process left it, and a garbage one crashes it with
 * SIGSEGV. Whether another process has it open cannot be told from here, so
 * garbage is refused either way; an empty file is a fresh one.
 */
export function lockSignatureMissing(dbDir: string): boolean {
  let fd: number;
  try {
    fd = openSync(join(dbDir, 'lock.mdb'), 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(4);
    const n = readSync(fd, head, 0, 4, 0);
    return n > 0 && (n < 4 || head.readUInt32LE(0) !== MAGIC);
  } finally {
    closeSync(fd);
  }
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'a device';
}

/**
 * Cheap check (two meta pages and the file size). Returns a description of
 * the damage, or undefined when the file looks whole. An absent or empty
 * file is a new database.
 */
export function checkHeader(file: string): string | undefined {
  let r: Reader;
  try {
    r = new Reader(file);
  } catch {
    return undefined;
  }
  try {
    return currentMeta(r).problem;
  } finally {
    r.close();
  }
}

/**
 * Full check: every page reachable from the current meta page (the main
 * tree, the named databases in it, overflow pages and the free-page tree)
 * exists, carries its own page number and has node offsets inside it.
 * Run it while holding a read transaction, so no writer reuses the pages
 * being walked.
 */
export function checkPages(file: string): string | undefined {
  let r: Reader;
  try {
    r = new Reader(file);
  } catch {
    return undefined;
  }
  try {
    const { meta, problem } = currentMeta(r);
    if (problem !== undefined || meta === undefined) return problem;
    const seen = new Set<number>();
    for (const root of meta.roots) {
      const bad = walk(r, meta, root, seen, 0);
      if (bad !== undefined) return bad;
    }
    return undefined;
  } finally {
    r.close();
  }
}

function currentMeta(r: Reader): { meta?: Meta; problem?: string } {
  if (r.size === 0) return {};
  const first = parseMeta(r.read(0, 512), 0);
  if (typeof first === 'string') return { problem: first };
  const second = parseMeta(r.read(first.pageSize, 512), 1);
  if (typeof second === 'string') return { problem: second };
  if (second.pageSize !== first.pageSize) return { problem: 'the two meta pages disagree on the page size' };
  const meta = second.txnid > first.txnid ? second : first;
  const needed = (meta.lastPage + 1) * meta.pageSize;
  const size = r.size;
  if (size < needed) return { problem: `the file is truncated: ${size} bytes, its last page ends at byte ${needed}` };
  for (const root of meta.roots) {
    if (root !== P_INVALID && root > BigInt(meta.lastPage)) return { problem: `a tree root points past the last page (${root} > ${meta.lastPage})` };
  }
  return { meta };
}

function parseMeta(b: Buffer, index: number): Meta | string {
  if (b.length < 168) return `meta page ${index} is missing (the file is truncated)`;
  if (b.readUInt32LE(HEADER) !== MAGIC) return `meta page ${index} has no LMDB signature`;
  const pageSize = b.readUInt32LE(HEADER + 24);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return `meta page ${index} names an impossible page size ${pageSize}`;
  const lastPage = b.readBigUInt64LE(HEADER + 120);
  if (lastPage > 1n << 40n) return `meta page ${index} names an impossible last page ${lastPage}`;
  return {
    pageSize,
    lastPage: Number(lastPage),
    txnid: b.readBigUInt64LE(HEADER + 128),
    // MDB_db of the free-page tree and of the main tree: md_root is their last field.
    roots: [b.readBigUInt64LE(HEADER + 24 + 40), b.readBigUInt64LE(HEADER + 72 + 40)],
  };
}

function walk(r: Reader, meta: Meta, root: bigint, seen: Set<number>, depth: number): string | undefined {
  if (root === P_INVALID) return undefined;
  if (depth > 64) return 'a tree is deeper than any LMDB tree can be (a page loop)';
  const pgno = Number(root);
  if (pgno < 2 || pgno > meta.lastPage) return `a tree points at page ${pgno}, outside pages 2..${meta.lastPage}`;
  if (seen.has(pgno)) return undefined;
  seen.add(pgno);
  const page = r.read(pgno * meta.pageSize, meta.pageSize);
  if (page.length < meta.pageSize) return `page ${pgno} is cut short`;
  if (page.readBigUInt64LE(0) !== root) return `page ${pgno} carries the number ${page.readBigUInt64LE(0)} (overwritten)`;
  const flags = page.readUInt16LE(18);
  if (flags & P_OVERFLOW) return `page ${pgno} is an overflow page where a tree page belongs`;
  if ((flags & (P_BRANCH | P_LEAF)) === 0) return `page ${pgno} has unknown flags 0x${flags.toString(16)}`;
  if (flags & P_LEAF2) return undefined;
  const lower = page.readUInt16LE(20);
  const upper = page.readUInt16LE(22);
  if (lower > upper || HEADER + upper > meta.pageSize) return `page ${pgno} has impossible bounds (${lower}, ${upper})`;
  for (let i = 0; i < lower >> 1; i++) {
    const at = HEADER + page.readUInt16LE(HEADER + 2 * i);
    if (at + 8 > meta.pageSize) return `page ${pgno}: node ${i} lies outside the page`;
    const lo = page.readUInt16LE(at);
    const hi = page.readUInt16LE(at + 2);
    const nodeFlags = page.readUInt16LE(at + 4);
    const keySize = page.readUInt16LE(at + 6);
    if (at + 8 + keySize > meta.pageSize) return `page ${pgno}: the key of node ${i} runs past the page`;
    const bad = flags & P_BRANCH
      ? walk(r, meta, BigInt(lo) | (BigInt(hi) << 16n) | (BigInt(nodeFlags) << 32n), seen, depth + 1)
      : checkLeafNode(r, meta, page, pgno, i, at + 8 + keySize, lo | (hi << 16), nodeFlags, seen, depth);
    if (bad !== undefined) return bad;
  }
  return undefined;
}

function checkLeafNode(r: Reader, meta: Meta, page: Buffer, pgno: number, i: number, data: number, dataSize: number, flags: number, seen: Set<number>, depth: number): string | undefined {
  if (flags & F_BIGDATA) {
    if (data + 8 > meta.pageSize) return `page ${pgno}: node ${i} is cut short`;
    const first = page.readBigUInt64LE(data);
    const n = Number(first);
    const pages = Math.ceil((HEADER + dataSize) / meta.pageSize);
    if (n < 2 || n + pages - 1 > meta.lastPage) return `page ${pgno}: node ${i} points at overflow pages ${n}..${n + pages - 1}, outside the file`;
    const head = r.read(n * meta.pageSize, HEADER);
    if (head.length < HEADER || head.readBigUInt64LE(0) !== first || (head.readUInt16LE(18) & P_OVERFLOW) === 0) return `overflow page ${n} is overwritten`;
    return undefined;
  }
  if (data + dataSize > meta.pageSize) return `page ${pgno}: the value of node ${i} runs past the page`;
  // A named database: its MDB_db record ends with the root of its own tree.
  if (flags & F_SUBDATA && dataSize >= 48) return walk(r, meta, page.readBigUInt64LE(data + 40), seen, depth + 1);
  return undefined;
}
