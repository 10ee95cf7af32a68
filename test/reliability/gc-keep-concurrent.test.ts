/**
 * `ablate gc --keep` while a run of the kept pipeline is mid-training and
 * then committing: gc removes what no current cell uses, the run still
 * commits every result, and afterwards the pipeline is fully cached.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { within } from './bounded.js';
import { QUICK_STUDY, study } from './pipelines.js';
import { cellsWith, doctorCounts, killGroup, parseEvents, waitFor, Workspace } from './rig.js';

const HOLD_STEP = 2;

test(
  'gc --keep during a run of the kept pipeline removes only unused records and the run commits all it computes',
  { timeout: 300_000 },
  async (t) => {
    const ws = new Workspace();
    t.after(() => ws.dispose());
    // Before: three seeds. Now: two seeds, and longer training, so both train cells (and what follows) must run again.
    const pipeline = ws.write('study.json', study({ ...QUICK_STUDY, seeds: [0, 1, 2] }));
    const first = await ws.run(['run', pipeline]);
    assert.equal(first.code, 0, first.stderr);
    ws.write('study.json', study({ ...QUICK_STUDY, steps: QUICK_STUDY.steps + 1 }));

    const release = join(ws.dir, 'release');
    const run = ws.start(['run', pipeline, '-j', '2', '--reporter', 'json'], ws.cacheDir, {
      ABLATE_TEST_HOLD: `train:${HOLD_STEP}`,
      ABLATE_TEST_RELEASE: release,
    });
    t.after(() => {
      if (!run.hasExited()) killGroup(run.pid, 'SIGKILL');
    });
    const trainCells = ['train[seed=0]', 'train[seed=1]'];
    const held = (): boolean => {
      const cells = new Set(
        ws
          .journalEntries()
          .filter((e) => e.event === 'hold')
          .map((e) => e.cell),
      );
      return trainCells.every((c) => cells.has(c));
    };
    await waitFor(`${trainCells.join(' and ')} to hold at step ${HOLD_STEP}`, held, { run });

    // While both train cells hold their leases: the seed-2 cells are no current cell's, the old seed-0/1 results are their cells' last runs.
    const gc = await ws.run(['gc', '--keep', pipeline]);
    assert.equal(gc.code, 0, gc.stderr);
    assert.match(gc.stdout, /removed 3 record\(s\), 3 latest pointer\(s\)/, gc.stdout);
    // The seed-2 cells had five blobs; those written after the oldest live lease's start (less a margin) wait for a later gc.
    const removed = Number(/\((\d+) blob\(s\)/.exec(gc.stdout)?.[1]);
    const pending = Number(/kept (\d+) blob\(s\) a running cell/.exec(gc.stdout)?.[1] ?? 0);
    assert.equal(removed + pending, 5, gc.stdout);

    // Released, the run stores and commits four cells and the fan-in while gc --keep runs again and again.
    writeFileSync(release, '');
    // Set by the callback on the next line, which TypeScript's narrowing cannot see: hence the wider type.
    let finished = false as boolean;
    void run.exited.then(() => (finished = true));
    let gcs = 0;
    while (!finished && gcs < 50) {
      const again = await ws.run(['gc', '--keep', pipeline]);
      assert.equal(again.code, 0, again.stderr);
      gcs++;
    }
    const r = await within(run, 120_000);
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    const events = parseEvents(r.stdout);
    assert.deepEqual(cellsWith(events, 'ran').sort(), [
      'eval[seed=0]',
      'eval[seed=1]',
      'summary',
      'train[seed=0]',
      'train[seed=1]',
    ]);
    assert.deepEqual(cellsWith(events, 'failed'), []);
    t.diagnostic(`${gcs} more gc --keep runs while the run committed`);

    const doctor = await ws.doctor();
    assert.equal(doctorCounts(doctor.stdout)?.dropped, 0, doctor.stdout);
    const next = await ws.run(['run', pipeline]);
    assert.equal(next.code, 0, next.stderr);
    assert.match(next.stdout, /done: 0 ran, 7 cached/);
    const finals = await ws.finals(pipeline);
    assert.ok(
      Object.keys(finals).some((p) => p.endsWith('summary.txt')),
      'the committed results are readable',
    );

    // Now the new results are the last runs too: the old seed-0/1 results go, and the pipeline stays cached.
    const last = await ws.run(['gc', '--keep', pipeline]);
    assert.match(last.stdout, /removed (0|5) record\(s\)/, last.stdout);
    assert.match((await ws.run(['run', pipeline])).stdout, /done: 0 ran, 7 cached/);
    assert.equal(doctorCounts((await ws.doctor()).stdout)?.verified, 7);
  },
);
