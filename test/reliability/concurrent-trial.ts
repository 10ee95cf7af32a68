/**
 * Two or three `ablate run` processes on one cache with overlapping
 * pipelines: all succeed, no cell is computed by two processes at once
 * (the journal of the `steps` kind records each computation's start and
 * end), nothing is corrupted, and afterwards everything is cached.
 */
import assert from 'node:assert/strict';
import { overlapping } from './pipelines.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { doctorCounts, killGroup, type JournalEntry, type Running, sleep, Workspace } from './rig.js';

export interface ConcurrentResult {
  processes: number;
  computations: number;
  /** Cells computed more than once in total (sequentially, after a lease holder finished, this would be a waste). */
  recomputed: number;
}

const NS = [
  [1, 2, 3, 4],
  [3, 4, 5, 6],
  [1, 2, 5, 6, 7],
];

export async function concurrentTrial(processes: 2 | 3, random: () => number): Promise<ConcurrentResult> {
  const ws = new Workspace();
  const runs: Running[] = [];
  try {
    const pipelines = NS.slice(0, processes).map((ns, i) => ws.write(`p${i}.json`, overlapping(`p${i}`, ns, 40)));
    // Every run's `slow` cells stop after their first step until all runs have planned, so the runs overlap on any machine.
    const release = join(ws.dir, 'release');
    const env = { ABLATE_TEST_HOLD: 'slow:1', ABLATE_TEST_RELEASE: release };
    for (const p of pipelines) {
      const run = ws.start(['run', p, '-j', '2', '--reporter', 'json'], ws.cacheDir, env);
      runs.push(run);
      const planned = await run.waitForLine((l) => l.startsWith('{"type":"plan"'));
      if (planned === undefined)
        assert.fail(`run ${runs.length - 1} exited before planning: ${(await run.exited).stderr}`);
      // A random gap after that, so the later runs find the earlier ones at different points.
      await sleep(random() * 300);
    }
    writeFileSync(release, '');
    const exits = await Promise.all(runs.map((r) => r.exited));
    exits.forEach((r, i) => assert.equal(r.code, 0, `run ${i}: ${r.stderr}${r.stdout}`));

    const journal = ws.journalEntries();
    assertNoOverlap(journal);
    const ends = journal.filter((e) => e.event === 'end');
    const perCell = new Map<string, number>();
    for (const e of ends) perCell.set(e.cell, (perCell.get(e.cell) ?? 0) + 1);

    const doctor = await ws.doctor();
    const counts = doctorCounts(doctor.stdout);
    assert.equal(counts?.dropped, 0, doctor.stdout);
    for (const p of pipelines) {
      const again = await ws.run(['run', p]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /done: 0 ran, \d+ cached, 0 failed/);
    }
    return { processes, computations: ends.length, recomputed: [...perCell.values()].filter((n) => n > 1).length };
  } finally {
    // A failed check must not leave held runs behind.
    for (const r of runs) if (!r.hasExited()) killGroup(r.pid, 'SIGKILL');
    ws.dispose();
  }
}

/** For each cell, the [start, end] intervals of its computations (by pid) must not overlap. */
function assertNoOverlap(journal: JournalEntry[]): void {
  const open = new Map<string, JournalEntry>();
  const intervals = new Map<string, [number, number, number][]>();
  for (const e of journal) {
    const key = `${e.cell}\0${e.pid}`;
    if (e.event === 'start') open.set(key, e);
    if (e.event === 'end') {
      const s = open.get(key);
      assert.ok(s !== undefined, `${e.cell}: an end without a start`);
      const list = intervals.get(e.cell) ?? [];
      list.push([s.t, e.t, e.pid]);
      intervals.set(e.cell, list);
    }
  }
  for (const [cell, list] of intervals) {
    list.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < list.length; i++) {
      const [prev, cur] = [list[i - 1] as [number, number, number], list[i] as [number, number, number]];
      assert.ok(cur[0] >= prev[1], `${cell} was computed by pids ${prev[2]} and ${cur[2]} at the same time`);
    }
  }
}
