/** Ctrl-C: the whole process group gets SIGINT, as from a terminal. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { QUICK_STUDY, study } from './pipelines.js';
import { groupAlive, killGroup, waitFor, Workspace } from './rig.js';

const HOLD_STEP = 3;

test(
  'SIGINT stops the workers cleanly, exits 130, says what finished, and the next run resumes',
  { timeout: 300_000 },
  async (t) => {
    const ws = new Workspace();
    t.after(() => ws.dispose());
    const pipeline = ws.write('study.json', study(QUICK_STUDY));
    // Two jobs, so both training cells run at once whatever the machine's CPU count.
    // Each training cell stops after checkpointing HOLD_STEP, so the interrupt lands mid-training however loaded the machine is.
    const run = ws.start(['run', pipeline, '-j', '2'], ws.cacheDir, { ABLATE_TEST_HOLD: `train:${HOLD_STEP}` });
    // A held run would wait forever if a check failed before the interrupt.
    t.after(() => {
      if (!run.hasExited()) killGroup(run.pid, 'SIGKILL');
    });
    const trainCells = QUICK_STUDY.seeds.map((s) => `train[seed=${s}]`);
    const held = (): boolean => {
      const cells = new Set(
        ws
          .journalEntries()
          .filter((e) => e.event === 'hold')
          .map((e) => e.cell),
      );
      return trainCells.every((c) => cells.has(c));
    };
    await waitFor(`${trainCells.join(' and ')} to checkpoint step ${HOLD_STEP}`, held, { run });
    killGroup(run.pid, 'SIGINT');
    const r = await run.exited;
    assert.equal(r.code, 130, r.stderr + r.stdout);
    assert.equal(groupAlive(run.pid), false, 'a worker outlived the interrupted run');
    assert.match(r.stdout, /^ran {5}data\[seed=0\]/m);
    assert.match(r.stdout, /^interrupted: 2 ran, 0 cached, 0 failed, 0 skipped/m);
    assert.match(r.stdout, /finished cells are cached; run again to continue/);
    assert.doesNotMatch(r.stdout + r.stderr, /FAILED|internal error|\n\s+at /, 'an interrupted cell is not a failure');

    const again = await ws.run(['run', pipeline]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /done: 5 ran, 2 cached/);
    const starts = ws.journalEntries().filter((e) => e.event === 'start' && e.cell.startsWith('train'));
    assert.equal(
      starts.length,
      4,
      JSON.stringify(ws.journalEntries().filter((e) => e.cell.startsWith('train') && e.event !== 'checkpoint')),
    );
    const resumed = Object.fromEntries(starts.slice(2).map((s) => [s.cell, s.fromStep]));
    assert.deepEqual(
      resumed,
      Object.fromEntries(trainCells.map((c) => [c, HOLD_STEP])),
      'each training cell restarts from its checkpoint',
    );
  },
);
