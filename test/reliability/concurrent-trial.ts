/**
 * Two or three `ablate run` processes on one cache with overlapping
 * pipelines: all succeed, no cell is computed by two processes at once
 * (the journal of the `steps` kind records each computation's start and
 * end), nothing is corrupted, and afterwards everything is cached.
 */
import assert from 'node:assert/strict';
import { overlapping } from './pipelines.js';
import { doctorCounts, sleep, type Exit, type JournalEntry, Workspace } from './rig.js';

export interface ConcurrentResult {
  processes: number;
  computations: number;
  /** Cells computed more than once in total (sequentially, after a lease holder finished, this would be a waste). */
  recomputed: number;
}

const NS = [[1, 2, 3, 4], [3, 4, 5, 6], [1, 2, 5, 6, 7]];

export async function concurrentTrial(processes: 2 | 3, random: () => number): Promise<ConcurrentResult> {
  const ws = new Workspace();
  try {
    const pipelines = NS.slice(0, processes).map((ns, i) => ws.write(`p${i}.json`, overlapping(`p${i}`, ns, 40)));
    const runs: Promise<Exit>[] = [];
    for (const p of pipelines) {
      runs.push(ws.run(['run', p, '-j', '2']));
      await sleep(random() * 300);
    }
    const exits = await Promise.all(runs);
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
