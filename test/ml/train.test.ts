import test from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { initBackend } from '../../stages/ml/backend.js';
import type { SeqSet } from '../../stages/ml/dataset.js';
import { readModelFile, saveModel } from '../../stages/ml/model-io.js';
import { buildModel } from '../../stages/ml/models/index.js';
import { loadTrained } from '../../stages/ml/predict.js';
import * as tf from '@tensorflow/tfjs';
import { encodeBatch } from '../../stages/ml/batch.js';
import { trainModel } from '../../stages/ml/group-train.js';
import { DivergenceError, targetNormOf } from '../../stages/ml/train-loop.js';
import { removeDir, tempDir } from './ctx.js';
import { tinyConfig, tinyDataset, tinyTrain } from './fixtures.js';

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

test('same seed gives byte-identical weights on wasm; another seed does not', async () => {
  await initBackend('wasm');
  const { train } = tinyDataset();
  const norm = targetNormOf(train);
  const run = async (seed: number): Promise<Float32Array> => {
    const model = buildModel(tinyConfig());
    const out = await trainModel(model, train, norm, tinyTrain({ seed }));
    model.dispose();
    return out.params;
  };
  const [a, b, c] = [await run(5), await run(5), await run(6)];
  assert.ok(bytes(a).equals(bytes(b)));
  assert.ok(!bytes(a).equals(bytes(c)));
});

test('training lowers the loss', async () => {
  await initBackend('wasm');
  const { train } = tinyDataset();
  const model = buildModel(tinyConfig());
  const out = await trainModel(model, train, targetNormOf(train), tinyTrain({ steps: 60, lr: 1e-2 }));
  model.dispose();
  const head = out.losses.slice(0, 10).reduce((s, x) => s + x, 0);
  const tail = out.losses.slice(-10).reduce((s, x) => s + x, 0);
  assert.ok(tail < head, `loss ${head / 10} -> ${tail / 10}`);
});

test('an interrupted run resumes at its checkpoint and ends bit-identical to an uninterrupted one', async () => {
  await initBackend('wasm');
  const dir = await tempDir();
  try {
    const { train } = tinyDataset();
    const norm = targetNormOf(train);
    const cfg = tinyTrain({ steps: 12, checkpointEvery: 4 });
    const straight = await trainModel(buildModel(tinyConfig()), train, norm, cfg);
    const abort = new AbortController();
    await assert.rejects(
      trainModel(buildModel(tinyConfig()), train, norm, cfg, {
        checkpointDir: dir,
        signal: abort.signal,
        afterStep: (step) => step === 6 && abort.abort(),
      }),
      /Training aborted at step 6/,
    );
    assert.ok((await readdir(dir)).includes('ckpt-6.bin'));
    const logs: string[] = [];
    const resumed = await trainModel(buildModel(tinyConfig()), train, norm, cfg, {
      checkpointDir: dir,
      log: (m) => logs.push(m),
    });
    assert.equal(resumed.resumedFrom, 6);
    assert.equal(resumed.stepsThisRun, 6);
    assert.ok(logs.some((m) => /Resuming from the checkpoint at step 6/.test(m)));
    assert.ok(bytes(resumed.params).equals(bytes(straight.params)));
    assert.ok(bytes(resumed.losses).equals(bytes(straight.losses)));
  } finally {
    await removeDir(dir);
  }
});

test('a checkpoint of another configuration is ignored', async () => {
  await initBackend('wasm');
  const dir = await tempDir();
  try {
    const { train } = tinyDataset();
    const norm = targetNormOf(train);
    await trainModel(buildModel(tinyConfig()), train, norm, tinyTrain({ steps: 8, checkpointEvery: 4 }), {
      checkpointDir: dir,
    });
    const logs: string[] = [];
    const other = await trainModel(buildModel(tinyConfig()), train, norm, tinyTrain({ steps: 8, lr: 1e-2 }), {
      checkpointDir: dir,
      log: (m) => logs.push(m),
    });
    assert.equal(other.resumedFrom, null);
    assert.ok(logs.some((m) => /different configuration/.test(m)));
  } finally {
    await removeDir(dir);
  }
});

test('a NaN loss fails with the step and the loss', async () => {
  await initBackend('wasm');
  const { train } = tinyDataset();
  const poisoned: SeqSet = { ...train, targetsF: train.targetsF.map(() => Number.NaN) };
  const run = trainModel(buildModel(tinyConfig()), poisoned, { mean: 0, std: 1 }, tinyTrain());
  await assert.rejects(run, (e: unknown) => {
    assert.ok(e instanceof DivergenceError);
    assert.match(e.message, /Training diverged at step 0: loss is NaN/);
    return true;
  });
});

test('save/load round trip: loadTrained predicts what the trained weights compute', async () => {
  await initBackend('wasm');
  const dir = await tempDir();
  try {
    const { train, meta } = tinyDataset();
    const norm = targetNormOf(train);
    const model = buildModel(tinyConfig({ pe: 'rope' }));
    const out = await trainModel(model, train, norm, tinyTrain());
    await saveModel(
      dir,
      {
        arch: 'decoder',
        config: model.config,
        task: 'mean',
        f: 'identity',
        fDescribe: 'x',
        targetNorm: norm,
        train: { lengthMin: 1, lengthMax: 6, targetMean: meta.train.targetMean },
      },
      model,
      out.params,
    );
    const { params } = await readModelFile(dir);
    assert.ok(bytes(params).equals(bytes(out.params)));
    const trained = await loadTrained(dir);
    const seqs = [[1, 0, 1], [0], [1, 1, 1, 1, 0, 0, 1]];
    const got = await trained.predict(seqs);
    // The same network evaluated by the model's own forward pass (normalised units).
    for (const [i, s] of seqs.entries()) {
      const direct = tf.tidy(() => {
        const input = encodeBatch([s], true);
        return model.forward(model.layout.named(model.layout.tensors(out.params)), input).dataSync()[0]!;
      });
      const expected = (got[i]! - norm.mean) / norm.std;
      assert.ok(Math.abs(direct - expected) < 1e-4, `seq ${i}: ${direct} vs ${expected}`);
    }
    assert.equal(trained.toTarget(0.25), 0.25);
    trained.dispose();
    await assert.rejects(trained.predict(seqs), /after dispose/);
    model.dispose();
  } finally {
    await removeDir(dir);
  }
});
