/**
 * Stage failures: a stage that throws, exits non-zero, produces NaN, times
 * out, or runs out of memory is not cached, its dependents are skipped,
 * independent cells finish, the run exits 1, the summary names each failed
 * cell with the last lines of its log, and `ablate log` shows the log.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kindPath, waitFor, Workspace } from './rig.js';

/** Whether `pid` is a live process (a zombie no one has reaped yet counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

test(
  'failing stages: not cached, dependents skipped, independent cells finish, summary with log tails, exit 1',
  { timeout: 300_000 },
  async (t) => {
    const ws = new Workspace();
    t.after(() => ws.dispose());
    const sleeperPid = join(ws.dir, 'sleeper.pid');
    const faulty = (fail: string, extra: object = {}): object => ({ kind: 'faulty', params: { fail }, ...extra });
    const pipeline = ws.write('failures.json', {
      kinds: { faulty: kindPath('faulty') },
      stages: {
        ok: faulty('none'),
        throws: faulty('throw'),
        exits: faulty('exit'),
        nan: faulty('nan'),
        // Timeouts long enough for a worker or a shell to start and log on a loaded machine: the log tails are checked below.
        hangs: faulty('hang', { timeout: 4.5 }),
        oom: faulty('oom', { memoryMB: 32 }),
        shell: {
          kind: 'exec',
          params: { command: 'echo shell says hi; echo something broke >&2; exit 7', outputs: ['x'] },
        },
        sleeps: {
          kind: 'exec',
          params: { command: `echo sleeping; sleep 600 & echo $! > ${sleeperPid}; wait`, outputs: ['x'] },
          timeout: 3,
        },
        after: { kind: 'exec', inputs: { a: 'throws', b: 'ok' }, params: { command: 'touch y', outputs: ['y'] } },
        afterAfter: { kind: 'exec', inputs: { a: 'after' }, params: { command: 'touch z', outputs: ['z'] } },
      },
    });
    const r = await ws.run(['run', pipeline]);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    // The timed-out shell's `sleep 600` is stopped with it (a run that waited for it would outlast the test's timeout).
    const sleeper = Number(readFileSync(sleeperPid, 'utf8'));
    await waitFor(`the timed-out shell's sleep (pid ${sleeper}) to be stopped`, () => !alive(sleeper), {
      timeoutMs: 30_000,
    });
    assert.match(r.stdout, /^ran {5}ok /m);
    assert.match(r.stdout, /^skipped after \(throws failed\)/m);
    // Skipped behind a skipped cell, it names the failure it goes back to.
    assert.match(r.stdout, /^skipped afterAfter \(throws failed\)/m);
    assert.match(r.stdout, /^failed: 1 ran, 0 cached, 7 failed, 2 skipped/m);
    const expected: Record<string, { why: RegExp; tail: RegExp }> = {
      throws: { why: /stage threw: malformed input/, tail: /about to fail: the input is malformed/ },
      exits: { why: /exited with code 3/, tail: /exiting with code 3/ },
      nan: { why: /loss is NaN at step 1/, tail: /step 1 loss NaN/ },
      hangs: { why: /timed out after 4\.5 s/, tail: /waiting forever/ },
      oom: { why: /ran out of memory \(its heap limit, memoryMB 32\); raise "memoryMB"/, tail: /heap|GC|allocation/i },
      shell: { why: /exited with code 7/, tail: /something broke/ },
      sleeps: { why: /timed out after 3 s/, tail: /sleeping/ },
    };
    const summary = r.stdout.slice(r.stdout.indexOf('\nfailed: '));
    for (const [cell, e] of Object.entries(expected)) {
      const block = new RegExp(
        `  ✗ ${cell}: ([^\\n]*)\\n((?:      \\| [^\\n]*\\n)+)      full log: ablate log ${pipeline} --cache-dir ${ws.cacheDir} ${cell}`,
      ).exec(summary);
      assert.ok(block !== null, `no summary entry with a log tail for ${cell}:\n${summary}`);
      assert.match(block[1] ?? '', e.why, cell);
      assert.match(block[2] ?? '', e.tail, `${cell}: the tail lacks the last log lines`);
    }
    assert.doesNotMatch(r.stderr, /internal error/);

    // Nothing failed was cached: the failed cells and their dependents would run again, the good one would not.
    const status = await ws.run(['status', pipeline, '--json']);
    const rows = (JSON.parse(status.stdout) as { rows: { cell: string; status: string }[] }).rows;
    const statusOf = Object.fromEntries(rows.map((row) => [row.cell, row.status]));
    assert.equal(statusOf.ok, 'cached');
    for (const cell of [...Object.keys(expected), 'after', 'afterAfter']) assert.equal(statusOf[cell], 'run', cell);

    const log = await ws.run(['log', pipeline, 'throws']);
    assert.equal(log.code, 0, log.stderr);
    assert.match(log.stdout, /^# throws failed at .*: stage threw: malformed input$/m);
    assert.match(log.stdout, /about to fail: the input is malformed/);
    const oomLog = await ws.run(['log', pipeline, 'oom']);
    assert.match(oomLog.stdout, /allocating/);
    assert.match(oomLog.stdout, /heap out of memory/);
  },
);
