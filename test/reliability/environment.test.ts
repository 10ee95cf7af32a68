/**
 * Environment faults: a cache directory that cannot be written, a full
 * disk, a missing optional TensorFlow.js backend. Each gives a clear
 * message and leaves nothing half-written. The read-only and full disks are
 * small tmpfs mounts, which need root; elsewhere those tests skip and say why.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { QUICK_STUDY, study } from './pipelines.js';
import { doctorCounts, kindPath, Workspace } from './rig.js';

/** Mounts a tmpfs at `dir` (root only); returns why not when it cannot. */
function mountTmpfs(dir: string, options: string): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    return `mount -t tmpfs failed: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`;
  }
}

function unmount(dir: string): void {
  execFileSync('umount', [dir], { stdio: 'pipe' });
}

function noStack(text: string): void {
  assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+\)?\n|internal error/, text);
}

/** Files a failed write must never leave: blob temp files. */
function blobTemps(cache: string): string[] {
  const blobs = join(cache, 'blobs');
  if (!existsSync(blobs)) return [];
  return readdirSync(blobs).flatMap((shard) => readdirSync(join(blobs, shard)).filter((n) => n.endsWith('.tmp')));
}

const tiny = { ...QUICK_STUDY, steps: 1, stepMs: 0, payloadKB: 4 };

test('a cache folder under a file: one clear line, exit 4', async (t) => {
  const ws = new Workspace();
  t.after(() => ws.dispose());
  const pipeline = ws.write('study.json', study(tiny));
  writeFileSync(join(ws.dir, 'plain-file'), 'x');
  const r = await ws.run(['run', pipeline], join(ws.dir, 'plain-file', 'cache'));
  assert.equal(r.code, 4, r.stderr);
  assert.match(
    r.stderr,
    /^error: cannot use the cache directory .*plain-file\/cache: a part of its path is a file, not a folder \(ENOTDIR\)\n$/,
  );
});

test('a read-only cache: new or existing, one clear line, exit 4, nothing written', async (t) => {
  const ws = new Workspace();
  t.after(() => ws.dispose());
  const pipeline = ws.write('study.json', study(tiny));
  const ro = join(ws.dir, 'ro');
  const why = mountTmpfs(ro, 'ro,size=1m');
  if (why !== undefined) {
    t.skip(why);
    return;
  }
  try {
    const r = await ws.run(['run', pipeline], join(ro, 'cache'));
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /^error: cannot use the cache directory .*ro\/cache: .*\((EROFS|ENOENT)\)\n$/);
  } finally {
    unmount(ro);
  }
  // A populated cache whose disk turns read-only.
  const rw = join(ws.dir, 'rw');
  assert.equal(mountTmpfs(rw, 'size=8m'), undefined);
  try {
    const cache = join(rw, 'cache');
    assert.equal((await ws.run(['run', pipeline], cache)).code, 0);
    execFileSync('mount', ['-o', 'remount,ro', rw]);
    const r = await ws.run(['run', pipeline], cache);
    assert.equal(r.code, 4, r.stderr + r.stdout);
    assert.match(
      r.stderr,
      /^error: cannot use the cache directory .*rw\/cache: it is on a read-only file system \(EROFS\)\n$/,
    );
  } finally {
    unmount(rw);
  }
});

test('a full disk: the cell that cannot be stored fails with the reason, others finish, nothing half-written', async (t) => {
  const ws = new Workspace();
  t.after(() => ws.dispose());
  const small = join(ws.dir, 'small');
  const why = mountTmpfs(small, 'size=1500k');
  if (why !== undefined) {
    t.skip(why);
    return;
  }
  try {
    const cache = join(small, 'cache');
    // `big` fits in its scratch folder but not a second time as a blob.
    const pipeline = ws.write('full.json', {
      kinds: { steps: kindPath('steps') },
      stages: {
        big: { kind: 'steps', params: { steps: 1, payloadKB: 760 } },
        small: { kind: 'steps', params: { steps: 1, payloadKB: 1 } },
      },
    });
    const r = await ws.run(['run', pipeline, '-j', '1'], cache);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    assert.match(
      r.stdout,
      /^FAILED {2}big \(its outputs could not be stored: the disk holding the cache is full \(ENOSPC\)\)$/m,
    );
    assert.match(r.stdout, /^ran {5}small /m);
    noStack(r.stdout + r.stderr);
    assert.deepEqual(blobTemps(cache), []);
    const d = await ws.doctor(cache);
    assert.deepEqual(doctorCounts(d.stdout), { verified: 1, dropped: 0 }, d.stdout + d.stderr);
  } finally {
    unmount(small);
  }
});

test(
  'a missing optional backend: a clear message naming the package, nothing cached',
  { timeout: 300_000 },
  async (t) => {
    const require = createRequire(import.meta.url);
    try {
      require.resolve('@tensorflow/tfjs-node');
      t.skip('@tensorflow/tfjs-node is installed here, so the native backend is not missing');
      return;
    } catch {
      // absent, as on the CI machine
    }
    const ws = new Workspace();
    t.after(() => ws.dispose());
    const pipeline = ws.write('tf.json', {
      stages: { data: { kind: 'data', params: {} }, train: { kind: 'train', inputs: { data: 'data' }, params: {} } },
    });
    const r = await ws.run(['run', pipeline, '--backend', 'tensorflow']);
    assert.equal(
      r.code,
      4,
      `a backend that will not start is the machine's problem (exit 4), not the pipeline's: ${r.stderr}`,
    );
    assert.match(
      r.stderr,
      /cannot initialise a TensorFlow\.js backend "tensorflow": .*@tensorflow\/tfjs-node is not usable/,
    );
    noStack(r.stderr);
    const d = await ws.doctor();
    assert.deepEqual(doctorCounts(d.stdout), { verified: 0, dropped: 0 });
  },
);
