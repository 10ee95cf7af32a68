/**
 * One kill trial: start a run of the study pipeline, SIGKILL its whole
 * process group (runner and workers) at a chosen moment, then check that
 * the cache is still true and the next run finishes the job.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { study, studyCells, type StudyShape } from './pipelines.js';
import {
  cellsWith,
  doctorCounts,
  killGroup,
  parseEvents,
  type Running,
  sleep,
  startedCells,
  summaryOf,
  waitFor,
  waitGroupGone,
  Workspace,
} from './rig.js';
import { unreachable } from '../../src/util/unreachable.js';

/** When to kill: at a random time, right after a cell starts writing its outputs, or mid-training. */
export type KillMoment = 'random' | 'writing' | 'training';

export interface Baseline {
  shape: StudyShape;
  /** Final artifacts of an uninterrupted run. */
  finals: Record<string, string>;
  /** Wall time of an uninterrupted run, ms. */
  durationMs: number;
  /** Lines (NDJSON events) an uninterrupted run prints. */
  lines: number;
}

export interface TrialResult {
  moment: KillMoment;
  killedAtMs: number;
  /** Cells whose record was committed before the kill (the next run served them from the cache). */
  committed: number;
  /** What the kill interrupted, read from the cache left behind. */
  leftovers: { blobTmp: number; orphanBlobs: number; scratch: number; checkpoints: number };
  /** Training cells that resumed from a checkpoint in the next run, with the step they resumed at. */
  resumed: { cell: string; fromStep: number }[];
}

/** Runs the study once, uninterrupted, for the reference outputs. */
export async function baseline(shape: StudyShape): Promise<Baseline> {
  const ws = new Workspace();
  try {
    const pipeline = ws.write('study.json', study(shape));
    const t0 = Date.now();
    const r = await ws.run(['run', pipeline, '--reporter', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const durationMs = Date.now() - t0;
    return {
      shape,
      finals: await ws.finals(pipeline),
      durationMs,
      lines: r.stdout.split('\n').filter((l) => l !== '').length,
    };
  } finally {
    ws.dispose();
  }
}

/** A seeded generator, so a failing trial can be replayed from the seed it prints. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `gc`: also count blobs stored without a record (one more command per trial; the long loops do it). */
export async function killTrial(
  base: Baseline,
  moment: KillMoment,
  random: () => number,
  o: { gc?: boolean } = {},
): Promise<TrialResult> {
  const ws = new Workspace();
  let run: Running | undefined;
  try {
    const pipeline = ws.write('study.json', study(base.shape));
    const cells = studyCells(base.shape);
    const t0 = Date.now();
    // Mid-training, the training cells stop after a random step (see the steps kind), so the kill cannot come after them.
    const holdStep = moment === 'training' ? 1 + Math.floor(random() * (base.shape.steps - 2)) : undefined;
    run = ws.start(
      ['run', pipeline, '--reporter', 'json'],
      ws.cacheDir,
      holdStep === undefined ? {} : { ABLATE_TEST_HOLD: `train:${holdStep}` },
    );
    await waitForMoment(run, moment, base, random, ws);
    const killedAtMs = Date.now() - t0;
    killGroup(run.pid, 'SIGKILL');
    const killed = await run.exited;
    await waitGroupGone(run.pid);
    // Held mid-training, the run cannot have ended before the kill.
    if (moment === 'training')
      assert.equal(killed.signal, 'SIGKILL', `the run ended before the kill: ${killed.stdout.slice(-1000)}`);
    const before = parseEvents(killed.stdout);
    const seen = inspect(ws.cacheDir);
    // gc counts (and deletes) blobs stored by a cell whose record the kill kept from being committed.
    let orphanBlobs = -1;
    if (o.gc === true) {
      const gc = await ws.run(['gc']);
      assert.equal(gc.code, 0, gc.stderr);
      orphanBlobs = Math.max(0, Number(/removed (\d+)/.exec(gc.stdout)?.[1] ?? 0) - seen.blobTmp);
    }
    const leftovers = { ...seen, orphanBlobs };

    // Every record that survived the kill verifies.
    const doctor = await ws.doctor();
    assert.equal(doctor.code, 0, `doctor after the kill: ${doctor.stderr}${doctor.stdout}`);
    const afterKill = doctorCounts(doctor.stdout);
    assert.equal(afterKill?.dropped, 0, doctor.stdout);

    const journalBefore = ws.journalEntries().length;
    const rerun = await ws.run(['run', pipeline, '--reporter', 'json']);
    assert.equal(rerun.code, 0, `the run after the kill failed: ${rerun.stderr}${rerun.stdout.slice(-2000)}`);
    const events = parseEvents(rerun.stdout);
    const cached = cellsWith(events, 'cached');
    const ran = cellsWith(events, 'ran');
    // Finished cells are served, not recomputed: every cell reported done before the kill is cached now,
    // every committed record is used, and nothing runs twice.
    for (const c of cellsWith(before, 'ran'))
      assert.ok(cached.includes(c), `${c} finished before the kill but ran again`);
    assert.equal(cached.length, afterKill.verified, 'every record the doctor verified is served from the cache');
    assert.deepEqual([...cached, ...ran].sort(), [...cells].sort());
    for (const c of startedCells(events)) assert.ok(!cached.includes(c), `${c} was cached but started`);
    assert.equal(summaryOf(events)?.ran, cells.length - cached.length);

    const after = await ws.doctor();
    assert.deepEqual(doctorCounts(after.stdout), { verified: cells.length, dropped: 0 }, after.stdout);
    assert.deepEqual(await ws.finals(pipeline), base.finals, 'final outputs differ from an uninterrupted run');

    return { moment, killedAtMs, committed: cached.length, leftovers, resumed: resumes(ws, journalBefore) };
  } finally {
    // A run held mid-training would wait forever if a check failed before the kill.
    if (run !== undefined && !run.hasExited()) killGroup(run.pid, 'SIGKILL');
    ws.dispose();
  }
}

/**
 * Waits for the state a moment names. A random moment is counted in the
 * run's own events, not in milliseconds, so a loaded machine still kills
 * the run before it ends; the short random delays after a state spread the
 * kills over what follows it and never decide whether a trial passes.
 */
async function waitForMoment(
  run: Running,
  moment: KillMoment,
  base: Baseline,
  random: () => number,
  ws: Workspace,
): Promise<void> {
  switch (moment) {
    case 'random': {
      // Any line but the last two (the last cell's result and the summary), then up to one training step more.
      const line = 1 + Math.floor(random() * Math.max(1, base.lines - 2));
      let seen = 0;
      await run.waitForLine(() => ++seen >= line);
      await sleep(random() * base.shape.stepMs);
      return;
    }
    case 'writing': {
      // The stage announces its outputs just before writing them; the engine then hashes, stores and commits.
      const stage = random() < 0.5 ? '"stage":"data"' : '"stage":"train"';
      await run.waitForLine((l) => l.includes(stage) && l.includes('writing outputs'));
      await sleep(random() * 60);
      return;
    }
    case 'training': {
      // A training cell has checkpointed the held step and waits there until the kill.
      await waitFor('a training cell to hold mid-training', () => ws.journalEntries().some((e) => e.event === 'hold'), {
        run,
      });
      await sleep(random() * base.shape.stepMs);
      return;
    }
    default:
      return unreachable(moment);
  }
}

/** Resumes seen in the journal after `from`: a start whose fromStep is past 0, checked against the last checkpoint before it. */
function resumes(ws: Workspace, from: number): { cell: string; fromStep: number }[] {
  const all = ws.journalEntries();
  const out: { cell: string; fromStep: number }[] = [];
  for (const e of all.slice(from)) {
    if (e.event !== 'start' || (e.fromStep ?? 0) === 0) continue;
    const lastCheckpoint = Math.max(
      0,
      ...all
        .slice(0, from)
        .filter((x) => x.cell === e.cell && x.event === 'checkpoint')
        .map((x) => x.step ?? 0),
    );
    // The checkpoint is renamed into place before it is journaled, so a kill between the two leaves it one step ahead.
    assert.ok(
      (e.fromStep ?? 0) >= lastCheckpoint && (e.fromStep ?? 0) <= lastCheckpoint + 1,
      `${e.cell} resumed at ${e.fromStep}, last checkpoint ${lastCheckpoint}`,
    );
    out.push({ cell: e.cell, fromStep: e.fromStep ?? 0 });
  }
  return out;
}

/** What a kill left in the cache: blob temp files, scratch folders, checkpoints. */
function inspect(cacheDir: string): Omit<TrialResult['leftovers'], 'orphanBlobs'> {
  const list = (d: string): string[] => (existsSync(d) ? readdirSync(d) : []);
  let blobTmp = 0;
  for (const shard of list(join(cacheDir, 'blobs')))
    blobTmp += list(join(cacheDir, 'blobs', shard)).filter((n) => n.endsWith('.tmp')).length;
  const checkpoints = list(join(cacheDir, 'work')).filter((f) =>
    existsSync(join(cacheDir, 'work', f, 'ckpt.json')),
  ).length;
  return { blobTmp, scratch: list(join(cacheDir, 'tmp')).length, checkpoints };
}
