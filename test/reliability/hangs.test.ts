/**
 * Special files never hang a command: a FIFO among a cell's outputs fails
 * the cell within its bound, and a blob replaced by a FIFO or a link to
 * /dev/zero is reported as corrupt by `doctor` and `export` instead of
 * blocking them or filling memory. Each command is bounded: a regression
 * is killed and fails the test.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LmdbCache } from '../../src/cache/lmdb-cache.js';
import { failureMessages, within } from './bounded.js';
import { cellsWith, parseEvents, Workspace } from './rig.js';

const BOUND_MS = 30_000;

function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

test(
  'a FIFO among the outputs fails the cell instead of hanging the run',
  { timeout: 2 * BOUND_MS + 10_000 },
  async () => {
    const ws = new Workspace();
    try {
      const p = ws.write('p.json', {
        stages: {
          listed: { kind: 'exec', timeout: 5, params: { command: 'echo ok > ok.txt && mkfifo pipe' } },
          declared: { kind: 'exec', timeout: 5, params: { command: 'mkfifo pipe', outputs: ['pipe'] } },
        },
      });
      const r = await within(ws.start(['run', p, '--reporter', 'json']), BOUND_MS);
      assert.equal(r.hung, false, 'the run finished');
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.deepEqual(cellsWith(parseEvents(r.stdout), 'failed').sort(), ['declared', 'listed']);
      assert.match(failureMessages(parseEvents(r.stdout)), /output "pipe" is a FIFO, not a regular file/);
      const again = await within(ws.start(['run', p, '--reporter', 'json']), BOUND_MS);
      assert.equal(again.hung, false);
      assert.equal(cellsWith(parseEvents(again.stdout), 'cached').length, 0, 'nothing was committed');
    } finally {
      ws.dispose();
    }
  },
);

/** Replaces the one blob of the one record with what `make` puts at its path. */
function replaceBlob(cacheDir: string, make: (path: string) => void): Promise<void> {
  const cache = LmdbCache.open(cacheDir, true);
  const [record] = [...cache.allRecords()];
  const hash = record?.outputs['x.txt']?.sha256;
  assert.ok(hash);
  const path = join(cacheDir, 'blobs', hash.slice(0, 2), hash);
  rmSync(path);
  make(path);
  return cache.close();
}

for (const [what, make] of [
  ['a FIFO', mkfifo],
  ['a link to /dev/zero', (path: string) => symlinkSync('/dev/zero', path)],
] as const) {
  test(
    `a blob that is ${what} is reported by doctor and export, not read`,
    { timeout: 4 * BOUND_MS + 20_000 },
    async () => {
      const ws = new Workspace();
      try {
        const p = ws.write('p.json', {
          stages: { a: { kind: 'exec', params: { command: 'echo fine > x.txt', outputs: ['x.txt'] } } },
        });
        assert.equal((await ws.run(['run', p])).code, 0);
        await replaceBlob(ws.cacheDir, make);
        const doctor = await within(ws.start(['doctor']), BOUND_MS);
        assert.equal(doctor.hung, false, 'doctor finished');
        assert.equal(doctor.code, 0, doctor.stderr);
        assert.match(doctor.stdout, /dropped a: artifact "x\.txt" is missing or corrupt/);

        assert.equal((await ws.run(['run', p])).code, 0);
        await replaceBlob(ws.cacheDir, make);
        const exported = await within(ws.start(['export', p, '--out', join(ws.dir, 'out')]), BOUND_MS);
        assert.equal(exported.hung, false, 'export finished');
        assert.equal(exported.code, 4, exported.stdout + exported.stderr);
        assert.match(exported.stderr, /a: cached artifact "x\.txt" is missing or corrupt/);
      } finally {
        ws.dispose();
      }
    },
  );
}
