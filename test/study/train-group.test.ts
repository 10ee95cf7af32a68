/**
 * The real `train` kind in a group, through the CLI: three seeds train in
 * one process, Ctrl-C lands mid-training, and the next run resumes every
 * member from its own checkpoint to the bytes of an uninterrupted run that
 * never grouped.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { groupAlive, killGroup, waitFor, Workspace } from '../reliability/rig.js';

const SEEDS = [0, 1, 2];
const TRAIN_CELLS = SEEDS.map((s) => `train[seed=${s}]`);

const PIPELINE = {
  name: 'train-group',
  stages: {
    data: {
      kind: 'data',
      params: { trainSamples: 200, trainLengthMin: 1, trainLengthMax: 4, testLengthMax: 6, testSamplesPerLength: 4 },
    },
    train: {
      kind: 'train',
      inputs: { data: 'data' },
      params: { steps: 600, layers: 1, dModel: 8, heads: 2, dFF: 16, batchSize: 8, checkpointEvery: 10 },
      matrix: { seed: SEEDS },
    },
  },
};

/** Work folders (one per training cell) that hold a checkpoint. */
function checkpointed(cacheDir: string): number {
  const work = join(cacheDir, 'work');
  if (!existsSync(work)) return 0;
  return readdirSync(work).filter((d) => {
    try {
      return readdirSync(join(work, d)).some((f) => /^ckpt-\d+\.bin$/.test(f));
    } catch {
      return false;
    }
  }).length;
}

test(
  'a train group interrupted mid-training resumes each member from its checkpoint, to the bytes of lone runs',
  { timeout: 300_000 },
  async (t) => {
    const ws = new Workspace('ablate-train-group-');
    t.after(() => ws.dispose());
    const p = ws.write('p.json', PIPELINE);
    const run = ws.start(['run', p, '-j', '1']);
    t.after(() => {
      if (!run.hasExited()) killGroup(run.pid, 'SIGKILL');
    });
    await waitFor('every member of the group to checkpoint', () => checkpointed(ws.cacheDir) === SEEDS.length, { run });
    killGroup(run.pid, 'SIGINT');
    const stopped = await run.exited;
    assert.equal(stopped.code, 130, stopped.stderr + stopped.stdout);
    assert.equal(groupAlive(run.pid), false, 'the group process outlived the run');

    const again = await ws.run(['run', p, '-j', '1']);
    assert.equal(again.code, 0, again.stderr + again.stdout);
    assert.match(again.stdout, /done: 3 ran, 1 cached/);
    for (const cell of TRAIN_CELLS) {
      const log = await ws.run(['log', p, cell]);
      assert.match(log.stdout, /in a group of 3/, cell);
      assert.match(log.stdout, /Resuming from the checkpoint at step [1-9]\d*/, cell);
    }

    const lone = join(ws.dir, 'lone-cache');
    const straight = await ws.run(['run', p, '-j', '1', '--no-group'], lone);
    assert.equal(straight.code, 0, straight.stderr + straight.stdout);
    const [grouped, alone] = [await ws.finals(p), await ws.finals(p, lone)];
    const outputs = Object.keys(alone).filter((f) => !f.endsWith('timing.json'));
    assert.ok(
      outputs.some((f) => f.includes('train[seed=2]') && f.endsWith('weights.bin')),
      outputs.join(', '),
    );
    for (const f of outputs) assert.equal(grouped[f], alone[f], f);
  },
);
