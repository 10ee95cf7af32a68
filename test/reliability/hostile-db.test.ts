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
import { killGroup, waitGroupGone } from './rig.js';

type Damage = (db: string) => void;

const replaceWith =
  (name: string, make: (path: string) => void): Damage =>
  (db) => {
    rmSync(join(db, name), { force: true });
    make(join(db, name));
  };

/** Damage that leaves the data intact: LMDB rebuilds its reader table, so commands work. */
const HARMLESS: Record<string, Damage> = {
  'lock.mdb truncated': (db) => truncateSync(join(db, 'lock.mdb'), 100),
  'lock.mdb empty': (db) => truncateSync(join(db, 'lock.mdb'), 0),
  'lock.mdb missing': (db) => rmSync(join(db, 'lock.mdb')),
};

/** Damage that must be refused with exit 4 and the file named. */
const REFUSED: Record<string, { damage: Damage; message: RegExp }> = {
  'lock.mdb is a folder': {
    damage: replaceWith('lock.mdb', (p) => mkdirSync(p)),
    message: /lock\.mdb is a folder, not a regular file/,
  },
  'lock.mdb is a FIFO': {
    damage: replaceWith('lock.mdb', (p) => execFileSync('mkfifo', [p])),
    message: /lock\.mdb is a FIFO, not a regular file/,
  },
  'lock.mdb links to /dev/null': {
    damage: replaceWith('lock.mdb', (p) => symlinkSync('/dev/null', p)),
    message: /lock\.mdb is a symbolic link, not a regular file/,
  },
  'data.mdb is a folder': {
    damage: replaceWith('data.mdb', (p) => mkdirSync(p)),
    message: /data\.mdb is a folder, not a regular file/,
  },
  'data.mdb links to /dev/zero': {
    damage: replaceWith('data.mdb', (p) => symlinkSync('/dev/zero', p)),
    message: /data\.mdb is a symbolic link, not a regular file/,
  },
  'data.mdb garbage': {
    damage: (db) => writeFileSync(join(db, 'data.mdb'), randomBytes(65536)),
    message: /meta page 0 has no LMDB signature/,
  },
  'data.mdb cut to its first page': {
    damage: (db) => truncateSync(join(db, 'data.mdb'), 4096),
    message: /meta page 1 is missing/,
  },
  'data.mdb cut to 10 bytes': {
    damage: (db) => truncateSync(join(db, 'data.mdb'), 10),
    message: /meta page 0 is missing/,
  },
};

const GARBAGE_LOCK =
  /^error: the cache's lock file .*lock\.mdb has no LMDB signature \(overwritten\); delete it when no ablate process is using this cache \(it only lists the current readers\)$/m;

test(
  'damaged LMDB files: no crash; exit 4 naming the damage, or a working command; the cache unchanged',
  { timeout: 120_000 },
  async (t) => {
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
        assertRefused(
          `${name}: ${args[0]}`,
          r,
          4,
          new RegExp(`^error: the cache database in .* is damaged: .*${c.message.source}`, 'm'),
        );
        assert.match(r.stderr, /run "ablate doctor --rebuild"/);
      }
      assert.deepEqual(cacheState(cache), before, `${name}: the cache changed`);
    }
  },
);

/** The shard and name of the one blob the seeded cache holds. */
function firstBlob(cache: string): string[] {
  const state = cacheState(cache);
  const blob = Object.keys(state).find((k) => k.startsWith('blobs/') && state[k] !== 'folder');
  assert.ok(blob !== undefined, 'no blob in the seeded cache');
  return blob.split('/').slice(1);
}

test(
  'a garbage lock file is refused, also while another process holds the cache open',
  { timeout: 60_000 },
  async (t) => {
    const ws = await seededWorkspace('ablate-hostile-lock-');
    t.after(() => ws.dispose());
    const seed = join(ws.dir, 'seed.json');
    const alone = join(ws.dir, 'alone');
    cpSync(ws.cacheDir, alone, { recursive: true });
    writeFileSync(join(alone, 'db', 'lock.mdb'), randomBytes(8192));
    const before = cacheState(alone);
    for (const args of [['run', seed], ['status', seed], ['doctor']])
      assertRefused(`alone: ${args[0]}`, await ws.run(args, alone), 4, GARBAGE_LOCK);
    assert.deepEqual(cacheState(alone), before);

    // A run that keeps the cache open until the test lets it finish.
    const gate = join(ws.dir, 'gate');
    const holding = ws.write('hold.json', {
      stages: {
        h: {
          kind: 'exec',
          params: { command: `while [ ! -e '${gate}' ]; do sleep 0.02; done; echo > o.txt`, outputs: ['o.txt'] },
        },
      },
    });
    const runner = ws.start(['run', holding, '--reporter', 'json']);
    t.after(() => killGroup(runner.pid, 'SIGKILL'));
    assert.ok(await runner.waitForLine((l) => l.includes('"cell-start"')), 'the holding run never started its cell');
    writeFileSync(join(ws.cacheDir, 'db', 'lock.mdb'), randomBytes(8192));
    assertRefused('status beside a running run', await ws.run(['status', seed]), 4, GARBAGE_LOCK);
    writeFileSync(gate, '');
    killGroup(runner.pid, 'SIGKILL');
    await waitGroupGone(runner.pid);
  },
);
