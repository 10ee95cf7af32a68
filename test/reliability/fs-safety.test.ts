/**
 * Nothing is read, written or deleted outside its folder: outputs that are
 * links are refused, `export` does not write through links in its target,
 * `gc` does not follow a linked blob shard, and a record whose output name
 * climbs out of its folder is neither exported nor passed by `doctor`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LmdbCache } from '../../src/cache/lmdb-cache.js';
import { failureMessages } from './bounded.js';
import { cellsWith, parseEvents, Workspace } from './rig.js';

const SECRET = 'secret-bytes-outside-the-workspace';

function blobsHold(cacheDir: string, text: string): boolean {
  const root = join(cacheDir, 'blobs');
  if (!existsSync(root)) return false;
  return readdirSync(root, { recursive: true, withFileTypes: true }).some(
    (e) => e.isFile() && readFileSync(join(e.parentPath, e.name), 'utf8').includes(text),
  );
}

function simple(ws: Workspace): string {
  return ws.write('p.json', {
    stages: { a: { kind: 'exec', params: { command: 'echo fine > x.txt', outputs: ['x.txt'] } } },
  });
}

test('an output that is a symbolic link fails its cell and stores nothing', { timeout: 60_000 }, async () => {
  const ws = new Workspace();
  try {
    const secret = join(ws.dir, 'secret.txt');
    writeFileSync(secret, SECRET);
    mkdirSync(join(ws.dir, 'secret-dir'));
    writeFileSync(join(ws.dir, 'secret-dir', 'inner.txt'), SECRET);
    const p = ws.write('p.json', {
      stages: {
        declared: { kind: 'exec', params: { command: `ln -s ${secret} x.txt`, outputs: ['x.txt'] } },
        listed: { kind: 'exec', params: { command: `echo ok > ok.txt && ln -s ${join(ws.dir, 'secret-dir')} d` } },
        nested: {
          kind: 'exec',
          params: { command: `ln -s ${join(ws.dir, 'secret-dir')} sub`, outputs: ['sub/inner.txt'] },
        },
      },
    });
    const r = await ws.run(['run', p, '--reporter', 'json']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const events = parseEvents(r.stdout);
    assert.deepEqual(cellsWith(events, 'failed').sort(), ['declared', 'listed', 'nested']);
    const messages = failureMessages(events);
    assert.match(messages, /output "x\.txt" is a symbolic link, not a regular file/);
    assert.match(messages, /output "d" is a symbolic link, not a regular file/);
    assert.match(messages, /nested: output "sub" is a symbolic link, not a regular file/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(blobsHold(ws.cacheDir, SECRET), false, 'the linked file was not pulled into the cache');
    const again = await ws.run(['run', p, '--reporter', 'json']);
    assert.equal(cellsWith(parseEvents(again.stdout), 'cached').length, 0, 'nothing was committed');
  } finally {
    ws.dispose();
  }
});

test('export refuses to write through links already in its target', { timeout: 60_000 }, async () => {
  const ws = new Workspace();
  try {
    const p = simple(ws);
    assert.equal((await ws.run(['run', p])).code, 0);
    const victim = join(ws.dir, 'victim.txt');
    writeFileSync(victim, SECRET);
    const out = join(ws.dir, 'out');
    mkdirSync(join(out, 'artifacts', 'a'), { recursive: true });
    symlinkSync(victim, join(out, 'artifacts', 'a', 'x.txt'));
    const r = await ws.run(['export', p, '--out', out]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /--out: .*x\.txt is a symbolic link/);
    assert.equal(readFileSync(victim, 'utf8'), SECRET);

    // A linked folder on the way is refused too.
    const elsewhere = join(ws.dir, 'elsewhere');
    mkdirSync(elsewhere);
    const out2 = join(ws.dir, 'out2');
    mkdirSync(out2);
    symlinkSync(elsewhere, join(out2, 'artifacts'));
    const r2 = await ws.run(['export', p, '--out', out2]);
    assert.equal(r2.code, 2, r2.stdout + r2.stderr);
    assert.match(r2.stderr, /--out: .*artifacts is a symbolic link/);
    assert.deepEqual(readdirSync(elsewhere), []);
  } finally {
    ws.dispose();
  }
});

test('gc does not follow a linked blob shard or a linked blob', { timeout: 60_000 }, async () => {
  const ws = new Workspace();
  try {
    assert.equal((await ws.run(['run', simple(ws)])).code, 0);
    const outside = join(ws.dir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'victim'), SECRET);
    writeFileSync(join(ws.dir, 'victim2'), SECRET);
    const blobs = join(ws.cacheDir, 'blobs');
    symlinkSync(outside, join(blobs, 'zz'));
    const shard = readdirSync(blobs).find((s) => s !== 'zz') as string;
    const link = join(blobs, shard, `${shard}${'0'.repeat(62)}`);
    symlinkSync(join(ws.dir, 'victim2'), link);
    const r = await ws.run(['gc']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(outside, 'victim'), 'utf8'), SECRET);
    assert.equal(readFileSync(join(ws.dir, 'victim2'), 'utf8'), SECRET);
    assert.equal(existsSync(link), false, 'the unreferenced link itself is removed');
    const doctor = await ws.doctor();
    assert.match(doctor.stdout, /1 record\(s\) verified, 0 dropped/);
  } finally {
    ws.dispose();
  }
});

/** Rewrites the one record so that its output name climbs three folders up. */
async function tamper(cacheDir: string): Promise<void> {
  const cache = LmdbCache.open(cacheDir);
  try {
    const [record] = [...cache.allRecords()];
    const entry = record?.outputs['x.txt'];
    assert.ok(record && entry);
    await cache.commit({ ...record, outputs: { '../../../escape.txt': entry } });
  } finally {
    await cache.close();
  }
}

test(
  'a record whose output name climbs out of its folder is not exported and doctor drops it',
  { timeout: 60_000 },
  async () => {
    const ws = new Workspace();
    try {
      const p = simple(ws);
      assert.equal((await ws.run(['run', p])).code, 0);
      await tamper(ws.cacheDir);
      const doctor = await ws.doctor();
      assert.match(
        doctor.stdout,
        /dropped a: output name "\.\.\/\.\.\/\.\.\/escape\.txt" is not a plain relative path/,
      );
      assert.match(doctor.stdout, /0 record\(s\) verified, 1 dropped/);
      const rerun = await ws.run(['run', p, '--reporter', 'json']);
      assert.deepEqual(cellsWith(parseEvents(rerun.stdout), 'ran'), ['a']);

      await tamper(ws.cacheDir);
      const r = await ws.run(['export', p, '--out', join(ws.dir, 'out')]);
      assert.equal(r.code, 4, r.stdout + r.stderr);
      assert.match(r.stderr, /a: output name "\.\.\/\.\.\/\.\.\/escape\.txt" is not a plain relative path/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(existsSync(join(ws.dir, 'escape.txt')), false);
      assert.equal(existsSync(join(ws.dir, 'out', 'escape.txt')), false);
    } finally {
      ws.dispose();
    }
  },
);
