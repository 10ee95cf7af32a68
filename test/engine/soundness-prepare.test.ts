/**
 * A cell whose inputs or log cannot be prepared never ran: it fails, with
 * the reason, and the run exits 1. It is never "skipped" with exit 0.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import type { RunEvent } from '../../src/execution/events.js';
import { ablate, byStatus, events, runJson, tempProject, writeJson } from './harness.js';

function noStack(text: string): void {
  assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+\)?\n/, text);
}

test('an unwritable logs path fails the cell with the reason and exits 1', async () => {
  const dir = tempProject();
  writeJson(join(dir, 'p.json'), {
    stages: {
      a: { kind: 'exec', params: { command: 'echo 1 > v.txt', outputs: ['v.txt'] } },
      b: { kind: 'exec', inputs: { a: 'a' }, params: { command: 'cp $ABLATE_IN_A/v.txt w.txt', outputs: ['w.txt'] } },
    },
  });
  assert.equal((await runJson(dir, 'p.json', ['--only', 'a'])).code, 0);
  // The logs folder becomes a plain file: b's log cannot be opened.
  rmSync(join(dir, 'cache', 'logs'), { recursive: true, force: true });
  writeFileSync(join(dir, 'cache', 'logs'), 'not a folder');
  const r = await runJson(dir);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.deepEqual(byStatus(r.stdout).failed, ['b']);
  assert.deepEqual(byStatus(r.stdout).skipped, []);
  const failed = events(r.stdout).find((e) => e.type === 'cell' && e.status === 'failed');
  assert.match(String(failed?.message), /could not be prepared: .*logs.*\((ENOTDIR|EEXIST)\)/, String(failed?.message));
  noStack(r.stdout + r.stderr);
  const human = await ablate(dir, ['run', 'p.json']);
  assert.equal(human.code, 1);
  assert.match(human.stdout, /^FAILED {2}b \(/m, human.stdout);
  noStack(human.stdout + human.stderr);
});

test('a full disk while copying inputs fails the cell and exits 1', async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('mounting a tmpfs needs root');
    return;
  }
  const dir = tempProject();
  const small = join(dir, 'small');
  mkdirSync(small);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1500k', 'tmpfs', small], { stdio: 'pipe' });
  } catch (e) {
    t.skip(`mount -t tmpfs failed: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`);
    return;
  }
  try {
    // 600 kB stored once fits; copied twice more as b's two inputs, it does not.
    writeJson(join(dir, 'p.json'), {
      stages: {
        a: { kind: 'exec', params: { command: 'head -c 600000 /dev/zero > v.bin', outputs: ['v.bin'] } },
        b: { kind: 'exec', inputs: { x: 'a', y: 'a' }, params: { command: 'echo 1 > w.txt', outputs: ['w.txt'] } },
      },
    });
    const r = await ablate(dir, [
      'run',
      'p.json',
      '--reporter',
      'json',
      '-j',
      '1',
      '--cache-dir',
      join(small, 'cache'),
    ]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(byStatus(r.stdout).ran, ['a']);
    assert.deepEqual(byStatus(r.stdout).failed, ['b']);
    const failed = events(r.stdout).find((e) => e.type === 'cell' && e.status === 'failed');
    assert.match(
      String(failed?.message),
      /could not be prepared: the disk is full \(ENOSPC\)/,
      String(failed?.message),
    );
    noStack(r.stdout + r.stderr);
  } finally {
    execFileSync('umount', [small], { stdio: 'pipe' });
  }
});

test('a runner that throws fails its cell and skips its dependents; nothing passes for skipped with no failure', async () => {
  const dir = tempProject();
  writeJson(join(dir, 'p.json'), {
    stages: {
      a: { kind: 'exec', params: { command: 'echo 1 > v.txt', outputs: ['v.txt'] } },
      b: { kind: 'exec', inputs: { a: 'a' }, params: { command: 'cp $ABLATE_IN_A/v.txt w.txt', outputs: ['w.txt'] } },
    },
  });
  const { openSession } = await import('../../src/commands/session.js');
  const { Executor } = await import('../../src/execution/executor.js');
  const session = await openSession({ pipeline: join(dir, 'p.json'), cacheDir: join(dir, 'cache') });
  try {
    const planned = await session.planner.planAll(session.analysis.order);
    assert.ok(planned.ok);
    const seen: RunEvent[] = [];
    const executor = new Executor(
      {
        analysis: session.analysis,
        planner: session.planner,
        cache: session.cache,
        pipelineKey: session.pipelineKey,
        cells: session.analysis.order,
        jobs: 1,
        gpus: [],
        signal: new AbortController().signal,
        versions: {},
        emit: (e) => seen.push(e),
        runner: () => Promise.reject(new Error('EIO: i/o error, copyfile')),
      },
      planned.value,
    );
    const summary = await executor.run();
    assert.ok(summary.ok);
    assert.deepEqual([summary.value.ran, summary.value.failed, summary.value.skipped], [0, 1, 1]);
    const cells = seen.filter((e): e is Extract<RunEvent, { type: 'cell' }> => e.type === 'cell');
    assert.deepEqual(
      cells.map((e) => [e.cell, e.status, e.message]),
      [
        ['a', 'failed', 'internal error: EIO: i/o error, copyfile'],
        ['b', 'skipped', 'a failed'],
      ],
    );
  } finally {
    await session.cache.close();
  }
});
