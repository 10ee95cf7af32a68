import test from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import data from '../../stages/data.js';
import evaluate from '../../stages/evaluate.js';
import train from '../../stages/train.js';
import { makeCtx, removeDir, runStage, tempDir } from './ctx.js';

const json = async (dir: string, file: string): Promise<Record<string, unknown>> =>
  JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Record<string, unknown>;

const TINY_DATA = { trainLengthMax: 5, testLengthMax: 8, trainSamples: 300, testSamplesPerLength: 3 };
const TINY_MODEL = { layers: 1, dModel: 8, heads: 2, dFF: 16, steps: 10, batchSize: 8, checkpointEvery: 5 };

test('stage definitions declare what the engine needs', () => {
  assert.deepEqual(data.plugins, { f: './reparam' });
  assert.deepEqual(evaluate.plugins, { f: './reparam' });
  assert.deepEqual(train.runtime, ['tfjs']);
  assert.deepEqual(train.resources, { cpu: 1 });
  assert.deepEqual(evaluate.runtime, ['tfjs']);
  for (const def of [data, train, evaluate]) assert.equal((def.params as { type: string }).type, 'object');
});

test('data -> train -> evaluate write the documented files', async () => {
  const root = await tempDir();
  try {
    const dctx = await makeCtx(root, 'data', { task: 'length', f: 'log', seed: 1, ...TINY_DATA });
    const d = await runStage(data, dctx);
    assert.deepEqual(d.files, [
      'meta.json',
      'test.lengths.bin',
      'test.targets.bin',
      'test.targets_f.bin',
      'test.tokens.bin',
      'train.lengths.bin',
      'train.targets.bin',
      'train.targets_f.bin',
      'train.tokens.bin',
    ]);
    const meta = await json(d.dir, 'meta.json');
    assert.equal(meta['f'], 'log');
    assert.equal(meta['bos'], true);

    const tctx = await makeCtx(
      root,
      'train',
      { seed: 2, ...TINY_MODEL },
      { data: d },
      { backend: 'cpu', tfjs: '4.22.0' },
    );
    const t = await runStage(train, tctx);
    assert.deepEqual(t.files, ['model.json', 'timing.json', 'train.json', 'weights.bin']);
    const report = await json(t.dir, 'train.json');
    assert.equal(report['backend'], 'cpu', 'uses ctx.runtime.backend exactly');
    assert.equal(report['steps'], 10);
    assert.equal(typeof report['finalLoss'], 'number');
    assert.equal(report['stepsPerSec'], undefined, 'timing is volatile and kept out of train.json');
    assert.equal(typeof (await json(t.dir, 'timing.json'))['stepsPerSec'], 'number');
    assert.equal((report['lossCurve'] as unknown[]).length, 10);
    const model = await json(t.dir, 'model.json');
    assert.equal(model['task'], 'length');
    assert.equal(model['f'], 'log');
    assert.equal(model['arch'], 'decoder');
    const last = tctx.progressUpdates.at(-1)!;
    assert.equal(last.step, 10);
    assert.equal(last.total, 10);
    assert.equal(typeof last.metrics?.['loss'], 'number');
    assert.equal(typeof last.metrics?.['steps/s'], 'number');

    const ectx = await makeCtx(root, 'evaluate', {}, { model: t, data: d }, { backend: 'cpu' });
    const e = await runStage(evaluate, ectx);
    assert.deepEqual(e.files, ['eval.json']);
    const ev = await json(e.dir, 'eval.json');
    const per = ev['perLength'] as Array<Record<string, number>>;
    assert.deepEqual(
      per.map((p) => p['length']),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
    for (const p of per) {
      for (const k of ['mse', 'mseF', 'baselineMse']) assert.equal(typeof p[k], 'number', k);
    }
    const s = ev['summary'] as Record<string, number>;
    assert.equal(s['trainLengthMax'], 5);
    assert.equal(s['threshold'], 1);
    assert.equal(typeof s['idMse'], 'number');
    assert.equal(typeof s['oodMse'], 'number');
    assert.ok(s['horizon']! >= 0 && s['horizon']! <= 8);
  } finally {
    await removeDir(root);
  }
});

test('the train stage resumes from a checkpoint left in workDir', async () => {
  const root = await tempDir();
  try {
    const d = await runStage(data, await makeCtx(root, 'data', { seed: 1, ...TINY_DATA }));
    const params = { seed: 3, ...TINY_MODEL, arch: 'gru', hidden: 6, checkpointEvery: 3 };
    const first = await makeCtx(root, 'train', params, { data: d }, { backend: 'wasm' });
    // The first progress update comes after step 1; aborting there checkpoints step 1.
    first.progress = () => first.abort.abort();
    await assert.rejects(runStage(train, first), /Training aborted at step 1 \(checkpoint saved\)/);
    const again = await makeCtx(root, 'train', params, { data: d }, { backend: 'wasm' });
    Object.assign(again, { workDir: first.workDir });
    const t = await runStage(train, again);
    const report = await json(t.dir, 'timing.json');
    assert.equal(report['resumedFrom'], 1);
    assert.ok(again.logs.some((m) => /Resuming from the checkpoint at step/.test(m)));
  } finally {
    await removeDir(root);
  }
});

test('evaluating a model on data of another task is refused', async () => {
  const root = await tempDir();
  try {
    const dm = await runStage(data, await makeCtx(root, 'data', { task: 'mean', ...TINY_DATA }));
    const dl = await runStage(data, await makeCtx(root, 'data', { task: 'length', ...TINY_DATA }));
    const t = await runStage(
      train,
      await makeCtx(root, 'train', { ...TINY_MODEL, steps: 2 }, { data: dm }, { backend: 'cpu' }),
    );
    await assert.rejects(
      runStage(evaluate, await makeCtx(root, 'evaluate', {}, { model: t, data: dl }, { backend: 'cpu' })),
      /trained for task mean .* is task length/,
    );
  } finally {
    await removeDir(root);
  }
});

test('a data stage with an unknown f names the available ones', async () => {
  const root = await tempDir();
  try {
    await assert.rejects(
      runStage(data, await makeCtx(root, 'data', { task: 'length', f: 'tanh', ...TINY_DATA })),
      /Unknown reparameterization f='tanh'\. Available:/,
    );
  } finally {
    await removeDir(root);
  }
});
