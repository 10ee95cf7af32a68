/** Output to a closed pipe, and SIGHUP: a run ends the documented way, without a stack trace. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { ablateBin, killGroup, parseEvents, summaryOf, waitFor, Workspace } from './rig.js';

/** Processes of a group that are not zombies, from /proc (Linux). */
function livingInGroup(pgid: number): number[] {
  const living: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces, so fields are counted after its closing parenthesis.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') living.push(Number(entry));
  }
  return living;
}

/** Six short cells run one at a time, so the run writes long after the reader of its first line is gone. */
function slowPipeline(ws: Workspace, failing: boolean): string {
  return ws.write('p.json', {
    stages: {
      a: {
        kind: 'exec',
        matrix: { n: [1, 2, 3, 4, 5, 6] },
        params: {
          command: `sleep 0.2; ${failing ? 'test {{n}} -ne 6 || exit 5; ' : ''}echo {{n}} > o`,
          outputs: ['o'],
        },
      },
    },
  });
}

/** `ablate ARGS | head -n 1` in bash; the exit code is ablate's own (PIPESTATUS), stderr is ablate's. */
function pipedToHead(ws: Workspace, args: string[]): Promise<{ code: number; head: string; stderr: string }> {
  const quoted = [process.execPath, ablateBin, ...args, '--cache-dir', ws.cacheDir].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve) => {
    const sh = spawn('bash', ['-c', `${quoted} 2>"$ERR" | head -n 1; exit "\${PIPESTATUS[0]}"`], {
      cwd: ws.dir,
      env: { ...process.env, ERR: `${ws.dir}/stderr` },
    });
    let head = '';
    sh.stdout.setEncoding('utf8').on('data', (c: string) => (head += c));
    sh.on('close', (code) => {
      resolve({ code: code ?? -1, head, stderr: readFileSync(`${ws.dir}/stderr`, 'utf8') });
    });
  });
}

for (const reporter of ['human', 'json'] as const) {
  for (const failing of [false, true]) {
    test(
      `ablate run | head (${reporter} reporter${failing ? ', a cell fails' : ''}) ends quietly with the run's exit code and a consistent cache`,
      { timeout: 120_000 },
      async (t) => {
        const ws = new Workspace();
        t.after(() => ws.dispose());
        const pipeline = slowPipeline(ws, failing);
        const r = await pipedToHead(ws, ['run', pipeline, '-j', '1', '--reporter', reporter]);
        assert.equal(r.head.split('\n').filter((l) => l !== '').length, 1, r.head);
        assert.equal(r.stderr, '', 'nothing on stderr: no EPIPE, no stack trace');
        assert.equal(r.code, failing ? 1 : 0);
        // The run went on to its end after the reader left: every good cell is stored and whole.
        const status = await ws.run(['status', pipeline]);
        assert.match(
          status.stdout,
          failing ? /^6 cells: 5 cached, 1 to run/ : /^6 cells: 6 cached, 0 to run/,
          status.stdout,
        );
        const doctor = await ws.doctor();
        assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
      },
    );
  }
}

test(
  'SIGHUP stops a run like SIGINT: running cells cancelled, not failed, exit 130',
  { timeout: 120_000 },
  async (t) => {
    const ws = new Workspace();
    t.after(() => ws.dispose());
    const pipeline = ws.write('p.json', {
      stages: {
        quick: { kind: 'exec', params: { command: 'echo > o', outputs: ['o'] } },
        slow: { kind: 'exec', inputs: { quick: 'quick' }, params: { command: 'sleep 600; echo > o', outputs: ['o'] } },
      },
    });
    const run = ws.start(['run', pipeline, '--reporter', 'json']);
    t.after(() => {
      if (!run.hasExited()) killGroup(run.pid, 'SIGKILL');
    });
    const started = await run.waitForLine((l) => l.includes('"cell-start"') && l.includes('"slow"'));
    assert.ok(started !== undefined, 'the slow cell never started');
    // A closed terminal sends SIGHUP to its foreground process group.
    killGroup(run.pid, 'SIGHUP');
    const r = await run.exited;
    assert.equal(r.signal, null, 'ablate handled SIGHUP rather than die of it');
    assert.equal(r.code, 130, r.stderr + r.stdout);
    // A shell killed by the hang-up leaves its `sleep` to init; where init does not reap, a zombie stays in the group.
    assert.deepEqual(
      await waitFor('the cell to end', () => (livingInGroup(run.pid).length === 0 ? [] : false)),
      [],
      'the cell outlived the stopped run',
    );
    const events = parseEvents(r.stdout);
    const summary = summaryOf(events);
    assert.equal(summary?.interrupted, true);
    assert.equal(summary.ran, 1);
    assert.equal(summary.failed, 0, 'a cell killed by the hang-up is not a failure');
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    const status = await ws.run(['status', pipeline]);
    assert.match(status.stdout, /^2 cells: 1 cached, 1 to run/, status.stdout);
  },
);

test('ablate log | head: a long log to a closed pipe ends quietly', { timeout: 120_000 }, async (t) => {
  const ws = new Workspace();
  t.after(() => ws.dispose());
  // A log far larger than a pipe's buffer, so the write meets the closed pipe.
  const pipeline = ws.write('p.json', {
    stages: { loud: { kind: 'exec', params: { command: 'seq 1 300000; exit 2', outputs: ['o'] } } },
  });
  assert.equal((await ws.run(['run', pipeline])).code, 1);
  const r = await pipedToHead(ws, ['log', pipeline, 'loud']);
  assert.match(r.head, /^# loud failed at /);
  assert.equal(r.stderr, '', 'nothing on stderr: no EPIPE, no stack trace');
  assert.equal(r.code, 0);
});
