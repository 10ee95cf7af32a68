/**
 * Damaged files in the cache's LMDB folder, generated here: a lock file or
 * data file that is not a regular file (a folder, a FIFO, a link to a
 * device), a garbage or truncated lock file, and a data file that is
 * garbage, truncated or cut to its header. None may crash the process: each
 * command either works (LMDB rebuilds a damaged lock file) or exits 4 with
 * the damage named, and the damaged cache is left as it was.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { assertRefused, cacheState, seededWorkspace } from './hostile.js';

type Damage = (db: string) => void;

const replaceWith = (name: string, make: (path: string) => void): Damage => (db) => {
  rmSync(join(db, name), { force: true });
  make(join(db, name));
};

/** Damage that leaves the data intact: LMDB rebuilds its reader table, so commands work. */
const HARMLESS: Record<string, Damage> = {
  'lock.mdb garbage': (db) => writeFileSync(join(db, 'lock.mdb'), randomBytes(8192)),
  'lock.mdb truncated': (db) => truncateSync(join(db, 'lock.mdb'), 100),
  'lock.mdb empty': (db) => truncateSync(join(db, 'lock.mdb'), 0),
  'lock.mdb missing': (db) => rmSync(join(db, 'lock.mdb')),
};

/** Damage that must be refused with exit 4 and the file named. */
const REFUSED: Record<string, { damage: Damage; message: RegExp }> = {
  'lock.mdb is a folder': { damage: replaceWith('lock.mdb', (p) => mkdirSync(p)), message: /lock\.mdb is a folder, not a regular file/ },
  'lock.mdb is a FIFO': { damage: replaceWith('lock.mdb', (p) => execFileSync('mkfifo', [p])), message: /lock\.mdb is a FIFO, not a regular file/ },
  'lock.mdb links to /dev/null': { damage: replaceWith('lock.mdb', (p) => symlinkSync('/dev/null', p)), message: /lock\.mdb is a symbolic link, not a regular file/ },
  'data.mdb is a folder': { damage: replaceWith('data.mdb', (p) => mkdirSync(p)), message: /data\.mdb is a folder, not a regular file/ },
  'data.mdb links to /dev/zero': { damage: replaceWith('data.mdb', (p) => symlinkSync('/dev/zero', p)), message: /data\.mdb is a symbolic link, not a regular file/ },
  'data.mdb garbage': { damage: (db) => writeFileSync(join(db, 'data.mdb'), randomBytes(65536)), message: /meta page 0 has no LMDB signature/ },
  'data.mdb cut to its first page': { damage: (db) => truncateSync(join(db, 'data.mdb'), 4096), message: /meta page 1 is missing/ },
  'data.mdb cut to 10 bytes': { damage: (db) => truncateSync(join(db, 'data.mdb'), 10), message: /meta page 0 is missing/ },
};

test('damaged LMDB files: no crash; exit 4 naming the damage, or a working command; the cache unchanged', { timeout: 120_000 }, async (t) => {
  const ws = await seededWorkspace('ablate-hostile-db-');
  t.after(() => ws.dispose());
  const pipeline = join(ws.dir, 'seed.json');
  for (const [name, damage] of Object.entries(HARMLESS)) {
    const cache = join(ws.dir, `harmless-${Object.keys(HARMLESS).indexOf(name)}`);
    cpSync(ws.cacheDir, cache, { recursive: true });
    damage(join(cache, 'db'));
    for (const args of [['run', pipeline, '--reporter', 'json'], ['status', pipeline], ['doctor']]) {
      const r = await ws.run(args, cache);
      assert.equal(r.signal, null, `${name}: ${args[0]} crashed with ${r.signal}`);
      assert.equal(r.code, 0, `${name}: ${args[0]}: ${r.stderr}${r.stdout}`);
    }
    assert.match(readFileSync(join(cache, 'blobs', ...firstBlob(cache)), 'utf8'), /seeded/);
  }
  for (const [name, c] of Object.entries(REFUSED)) {
    const cache = join(ws.dir, `refused-${Object.keys(REFUSED).indexOf(name)}`);
    cpSync(ws.cacheDir, cache, { recursive: true });
    c.damage(join(cache, 'db'));
    const before = cacheState(cache);
    for (const args of [['run', pipeline], ['status', pipeline], ['doctor']]) {
      const r = await ws.run(args, cache);
      assertRefused(`${name}: ${args[0]}`, r, 4, new RegExp(`^error: the cache database in .* is damaged: .*${c.message.source}`, 'm'));
      assert.match(r.stderr, /run "ablate doctor --rebuild"/);
    }
    assert.deepEqual(cacheState(cache), before, `${name}: the cache changed`);
  }
});

/** The shard and name of the one blob the seeded cache holds. */
function firstBlob(cache: string): string[] {
  const state = cacheState(cache);
  const blob = Object.keys(state).find((k) => k.startsWith('blobs/') && state[k] !== 'folder');
  assert.ok(blob !== undefined, 'no blob in the seeded cache');
  return blob.split('/').slice(1);
}
