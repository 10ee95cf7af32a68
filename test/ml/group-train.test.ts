import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { initBackend } from '../../stages/ml/backend.js';
import type { SeqSet } from '../../stages/ml/dataset.js';
import { trainGroup, trainModel, type RunResult } from '../../stages/ml/group-train.js';
import { buildModel } from '../../stages/ml/models/index.js';
import type { ModelConfig } from '../../stages/ml/models/types.js';
import { targetNormOf, type TrainOutcome, type TrainRun } from '../../stages/ml/train-loop.js';
import { removeDir, tempDir } from './ctx.js';
import { ARCH_PE, tinyConfig, tinyDataset, tinyTrain } from './fixtures.js';
import type { DataParams } from '../../stages/ml/dataset.js';

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function outcome(r: RunResult | undefined): TrainOutcome {
  assert.ok(r?.ok, r && !r.ok ? r.error.message : 'no result');
  return r.outcome;
}

/** Runs over one data set that differ in seed and learning rate. */
function runs(set: SeqSet, seeds: number[], over: Partial<TrainRun> = {}): TrainRun[] {
  const norm = targetNormOf(set);
  return seeds.map((seed, i) => ({
    set,
    norm,
    cfg: tinyTrain({ seed, steps: 10, lr: 1e-3 * (i + 1) }),
    hooks: {},
    ...over,
  }));
}

/** Training data of one length: every step of every run has it, so a group stacks every step. */
function oneLength(over: Partial<DataParams> = {}): SeqSet {
  return tinyDataset({ trainLengthMin: 5, trainLengthMax: 5, ...over }).train;
}

/** Trains `group` with stacking forced; returns the results and the group's log lines. */
async function stacked(config: ModelConfig, group: TrainRun[], signal?: AbortSignal): Promise<[RunResult[], string[]]> {
  const logs: string[] = [];
  const model = buildModel(config);
  try {
    return [await trainGroup(model, group, { stack: 'always', signal, log: (m) => logs.push(m) }), logs];
  } finally {
    model.dispose();
  }
}

async function alone(config: ModelConfig, run: TrainRun): Promise<TrainOutcome> {
  const model = buildModel(config);
  try {
    return await trainModel(model, run.set, run.norm, run.cfg, run.hooks);
  } finally {
    model.dispose();
  }
}

for (const archPe of ARCH_PE.filter((a) => a.arch === 'decoder' || a.arch === 'encdec')) {
  test(`${archPe.arch}/${archPe.pe}: each of 3 runs trained as one stacked model equals the run trained alone, byte for byte`, async () => {
    await initBackend('wasm');
    const config = tinyConfig(archPe);
    assert.equal(buildModel(config).stackable, true);
    const group = runs(oneLength(), [1, 2, 3]);
    const [results, logs] = await stacked(config, group);
    assert.ok(logs.includes('train: 30 of 30 replica-steps stacked, 0 in timing trials'), logs.join('\n'));
    for (const [i, run] of group.entries()) {
      const single = await alone(config, run);
      const grouped = outcome(results[i]);
      assert.ok(bytes(grouped.params).equals(bytes(single.params)), `run ${i}: weights differ`);
      assert.ok(bytes(grouped.losses).equals(bytes(single.losses)), `run ${i}: losses differ`);
    }
    assert.ok(!bytes(outcome(results[0]).params).equals(bytes(outcome(results[1]).params)));
  });
}

test("runs whose batches differ in length stack the replicas that share a step's length and match their single runs", async () => {
  await initBackend('wasm');
  const config = tinyConfig({ pe: 'learned' });
  // Two lengths only, so at most steps some replicas share one.
  const group = runs(tinyDataset({ trainLengthMin: 3, trainLengthMax: 4 }).train, [1, 2, 3, 4]);
  const [results, logs] = await stacked(config, group);
  const line = logs.find((m) => /replica-steps stacked/.test(m)) ?? '';
  const count = /^train: (\d+) of 40 replica-steps stacked/.exec(line);
  assert.ok(count && Number(count[1]) > 0 && Number(count[1]) < 40, line);
  for (const [i, run] of group.entries()) {
    assert.ok(bytes(outcome(results[i]).params).equals(bytes((await alone(config, run)).params)), `run ${i}`);
  }
});

test('runs over data sets with different targets (another f) stack too, and match their single runs', async () => {
  await initBackend('wasm');
  const config = tinyConfig({ pe: 'rope' });
  const a = oneLength({ task: 'length' });
  const b = { ...a, targetsF: a.targetsF.map((y) => Math.sqrt(y)) };
  const group = [...runs(a, [4]), ...runs(b, [4])];
  const [results] = await stacked(config, group);
  for (const [i, run] of group.entries()) {
    assert.ok(bytes(outcome(results[i]).params).equals(bytes((await alone(config, run)).params)), `run ${i}`);
  }
});

test('a diverging run fails alone; the others finish with their single-run weights', async () => {
  await initBackend('wasm');
  const config = tinyConfig();
  const train = oneLength();
  const poisoned: SeqSet = { ...train, targetsF: train.targetsF.map(() => Number.NaN) };
  const group = [
    ...runs(train, [1]),
    { ...runs(train, [2])[0]!, set: poisoned, norm: { mean: 0, std: 1 } },
    ...runs(train, [3]),
  ];
  const model = buildModel(config);
  const results = await trainGroup(model, group, { stack: 'always' });
  model.dispose();
  const failed = results[1];
  assert.ok(failed && !failed.ok);
  assert.match(failed.error.message, /Training diverged at step 0: loss is NaN/);
  for (const i of [0, 2]) {
    assert.ok(bytes(outcome(results[i]).params).equals(bytes((await alone(config, group[i]!)).params)), `run ${i}`);
  }
});

test('an interrupted group checkpoints every run; each resumes alone to the bytes of an uninterrupted run', async () => {
  await initBackend('wasm');
  const config = tinyConfig({ pe: 'alibi' });
  const train = oneLength();
  const root = await tempDir();
  try {
    const dirs = [0, 1, 2].map((i) => path.join(root, `run${i}`));
    for (const dir of dirs) await mkdir(dir);
    const abort = new AbortController();
    const group = runs(train, [1, 2, 3]).map((run, i) => ({
      ...run,
      cfg: { ...run.cfg, checkpointEvery: 4 },
      hooks: { checkpointDir: dirs[i], afterStep: (step: number) => i === 2 && step === 6 && abort.abort() },
    }));
    const model = buildModel(config);
    await assert.rejects(
      trainGroup(model, group, { signal: abort.signal, stack: 'always' }),
      /Training aborted at step 6/,
    );
    model.dispose();
    for (const dir of dirs) assert.ok((await readdir(dir)).includes('ckpt-6.bin'), dir);
    for (const [i, run] of group.entries()) {
      const resumed = await alone(config, { ...run, hooks: { checkpointDir: dirs[i] } });
      assert.equal(resumed.resumedFrom, 6);
      const straight = await alone(config, { ...run, hooks: {} });
      assert.ok(bytes(resumed.params).equals(bytes(straight.params)), `run ${i}`);
    }
  } finally {
    await removeDir(root);
  }
});

test('runs at different steps (one resumed) share the steps they both train', async () => {
  await initBackend('wasm');
  const config = tinyConfig();
  const train = oneLength();
  const root = await tempDir();
  try {
    const [first, second] = runs(train, [1, 2]).map((run) => ({ ...run, cfg: { ...run.cfg, checkpointEvery: 5 } }));
    const abort = new AbortController();
    await assert.rejects(
      alone(config, {
        ...first!,
        hooks: { checkpointDir: root, signal: abort.signal, afterStep: (s) => s === 5 && abort.abort() },
      }),
      /aborted at step 5/,
    );
    const model = buildModel(config);
    const results = await trainGroup(model, [{ ...first!, hooks: { checkpointDir: root } }, second!], {
      stack: 'always',
    });
    model.dispose();
    assert.equal(outcome(results[0]).resumedFrom, 5);
    assert.ok(bytes(outcome(results[0]).params).equals(bytes((await alone(config, first!)).params)));
    assert.ok(bytes(outcome(results[1]).params).equals(bytes((await alone(config, second!)).params)));
  } finally {
    await removeDir(root);
  }
});

test('recurrent models train a group one run after another, each as alone', async () => {
  await initBackend('wasm');
  const config = tinyConfig({ arch: 'lstm' });
  const model = buildModel(config);
  assert.equal(model.stackable, false);
  const group = runs(tinyDataset().train, [1, 2]);
  await assert.rejects(trainGroup(model, group, { stack: 'always' }), /lstm model cannot be stacked/);
  const results = await trainGroup(model, group);
  model.dispose();
  for (const [i, run] of group.entries()) {
    assert.ok(bytes(outcome(results[i]).params).equals(bytes((await alone(config, run)).params)), `run ${i}`);
  }
});

test('auto mode times both formulations on the same batches, checks their bytes agree and says which it keeps', async () => {
  await initBackend('wasm');
  const config = tinyConfig();
  const group = runs(oneLength(), [1, 2, 3]);
  const logs: string[] = [];
  const model = buildModel(config);
  const results = await trainGroup(model, group, { log: (m) => logs.push(m) });
  model.dispose();
  assert.ok(
    logs.some((m) =>
      /^train: 3 replicas, stacked steps [\d.]+x the speed of one by one: (stacked|one-by-one)$/.test(m),
    ),
    logs.join('\n'),
  );
  assert.ok(!logs.some((m) => /did not reproduce/.test(m)));
  for (const [i, run] of group.entries()) {
    assert.ok(bytes(outcome(results[i]).params).equals(bytes((await alone(config, run)).params)), `run ${i}`);
  }
});
