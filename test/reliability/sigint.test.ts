/** Ctrl-C: the whole process group gets SIGINT, as from a terminal. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { QUICK_STUDY, study } from './pipelines.js';
import { groupAlive, killGroup, sleep, Workspace } from './rig.js';

test('SIGINT stops the workers cleanly, exits 130, says what finished, and the next run resumes', { timeout: 60_000 }, async (t) => {
  const ws = new Workspace();
  t.after(() => ws.dispose());
  // Slow steps: the interrupt must land mid-training even when the machine is loaded.
  const pipeline = ws.write('study.json', study({ ...QUICK_STUDY, stepMs: 250 }));
  const run = ws.start(['run', pipeline]);
  await run.waitForLine((l) => l.startsWith('ran     data['));
  // Wait until both training cells have checkpointed a few steps.
  // Under load this can take a while; the check below is meaningless if the interrupt comes earlier.
  const checkpointed = (): number => ws.journalEntries().filter((e) => e.cell.startsWith('train') && e.event === 'checkpoint' && (e.step ?? 0) >= 3).length;
  for (let i = 0; i < 1600 && checkpointed() < 2; i++) await sleep(25);
  assert.ok(checkpointed() >= 2, 'both training cells checkpointed step 3 within 40 s');
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
  assert.equal(starts.length, 4, JSON.stringify(ws.journalEntries().filter((e) => e.cell.startsWith('train') && e.event !== 'checkpoint')));
  for (const s of starts.slice(2)) assert.ok((s.fromStep ?? 0) >= 3, `${s.cell} restarted from step ${s.fromStep}, not from its checkpoint`);
});
