import test from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_ADAM, FlatAdam } from '../../stages/ml/adam.js';
import { initBackend } from '../../stages/ml/backend.js';
import { deriveSeed, Rng } from '../../stages/ml/prng.js';
import { DivergenceError, learningRate } from '../../stages/ml/train-loop.js';
import { writeLmData, type LmData } from '../../stages/lm/data/format.js';
import { nextTokenCe, oneHotRows } from '../../stages/lm/loss.js';
import { loadLm } from '../../stages/lm/model-io.js';
import { buildLm, type LmConfig, type LmModel } from '../../stages/lm/models/index.js';
import { trainLm, type LmTrainConfig } from '../../stages/lm/train-loop.js';
import { finalMisalignOf } from '../../stages/lm/train-stage.js';
import { windowTokens, WindowSampler } from '../../stages/lm/windows.js';
import lmTrain from '../../stages/lm-train.js';
import { asInput, makeCtx, removeDir, tempDir } from '../ml/ctx.js';

const VOCAB = 5;
const CONFIG: LmConfig = {
  arch: 'decoder',
  pe: 'rope',
  layers: 1,
  dModel: 8,
  heads: 2,
  dFF: 16,
  hidden: 8,
  activation: 'relu',
  maxLen: 16,
  vocab: VOCAB,
};
const BASE: LmTrainConfig = {
  ...DEFAULT_ADAM,
  steps: 12,
  batchSize: 4,
  lr: 3e-3,
  lrSchedule: 'cosine',
  clip: 1,
  seed: 3,
  checkpointEvery: 0,
  alpha: 0,
  divergence: 'sce',
  lExtraRange: 'half',
  overlap: 'all',
  lTrain: 8,
};

function stream(n = 400): Int8Array {
  const rng = new Rng(9);
  // A cyclic pattern with noise: learnable, so losses move.
  return Int8Array.from({ length: n }, (_, i) => (rng.next() < 0.8 ? i % VOCAB : rng.int(VOCAB)));
}

function bytes(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Plain next-token training written out independently, on the trainer's sampler. */
function plainCe(model: LmModel, data: Int8Array, cfg: LmTrainConfig): Float32Array {
  const params = model.layout.initialise(new Rng(deriveSeed(cfg.seed, 'init')));
  const sampler = new WindowSampler(
    data.length,
    cfg.lTrain,
    cfg.batchSize,
    'half',
    new Rng(deriveSeed(cfg.seed, 'windows')),
  );
  const adam = new FlatAdam(model.layout.size, cfg);
  const grad = new Float32Array(model.layout.size);
  for (let step = 0; step < cfg.steps; step++) {
    const w = windowTokens(data, sampler.next().offsets, cfg.lTrain, 0);
    tf.tidy(() => {
      const input = { batch: cfg.batchSize, length: cfg.lTrain, onehot: oneHotRows(w.inputs, VOCAB) };
      const targets = oneHotRows(w.targets, VOCAB);
      const { grads } = tf.valueAndGrads((...ts: tf.Tensor[]) =>
        nextTokenCe(model.forward(model.layout.named(ts), input), targets),
      )(model.layout.tensors(params));
      model.layout.flatten(grads, grad);
    });
    adam.apply(params, grad, learningRate(cfg, step));
  }
  return params;
}

test('alpha = 0 is plain next-token training, byte for byte, whatever the divergence or l_extra range', async () => {
  await initBackend('wasm');
  const data = stream();
  const model = buildLm(CONFIG);
  const runs = [
    await trainLm(model, data, BASE),
    await trainLm(model, data, { ...BASE, divergence: 'symkl' }),
    await trainLm(model, data, { ...BASE, lExtraRange: 'full', overlap: 'last' }),
  ];
  const plain = plainCe(model, data, BASE);
  for (const r of runs) assert.ok(bytes(r.params).equals(bytes(plain)));
  assert.ok(runs[0]!.misalign.every(Number.isNaN), 'no divergence computed at alpha 0');
  const reg = await trainLm(model, data, { ...BASE, alpha: 0.5 });
  assert.ok(!bytes(reg.params).equals(bytes(plain)), 'alpha > 0 changes training');
  assert.ok(reg.misalign.every(Number.isFinite), 'lExtra <= lTrain/2 always overlaps');
  model.dispose();
});

test('the regularizer lowers the misalignment it trains against', async () => {
  await initBackend('wasm');
  const data = stream(2000);
  const model = buildLm({ ...CONFIG, pe: 'sinusoidal' });
  const cfg = { ...BASE, steps: 60, batchSize: 8, lr: 1e-2 };
  const measure = async (alpha: number): Promise<number> => {
    const r = await trainLm(model, data, { ...cfg, alpha: alpha || 1e-9 });
    // Mean divergence over the last 10 steps (alpha 1e-9 measures without pulling).
    return [...r.misalign.subarray(50)].reduce((s, x) => s + x, 0) / 10;
  };
  const free = await measure(0);
  const pulled = await measure(3);
  assert.ok(pulled < free, `misalignment with alpha 3 (${pulled}) below alpha ~0 (${free})`);
  model.dispose();
});

test('resuming from a checkpoint gives byte-identical weights (alpha > 0)', async () => {
  await initBackend('wasm');
  const dir = await tempDir('ablate-lm-ckpt-');
  try {
    const data = stream();
    const model = buildLm(CONFIG);
    const cfg = { ...BASE, alpha: 0.3, divergence: 'symkl' as const, checkpointEvery: 4 };
    const full = await trainLm(model, data, cfg);
    const abort = new AbortController();
    await assert.rejects(
      trainLm(model, data, cfg, {
        checkpointDir: dir,
        signal: abort.signal,
        afterStep: (s) => {
          if (s === 6) abort.abort();
        },
      }),
      /Training aborted at step 6/,
    );
    const resumed = await trainLm(model, data, cfg, { checkpointDir: dir });
    assert.equal(resumed.resumedFrom, 6);
    assert.ok(bytes(resumed.params).equals(bytes(full.params)));
    assert.ok(bytes(resumed.misalign).equals(bytes(full.misalign)));
    assert.ok(bytes(resumed.losses).equals(bytes(full.losses)));
    model.dispose();
  } finally {
    await removeDir(dir);
  }
});

test('a NaN loss stops training with a DivergenceError', async () => {
  await initBackend('wasm');
  const inner = buildLm(CONFIG);
  const broken: LmModel = {
    ...inner,
    config: inner.config,
    layout: inner.layout,
    forward: (p, x) => tf.mul<tf.Tensor2D>(inner.forward(p, x), NaN),
  };
  await assert.rejects(
    trainLm(broken, stream(), BASE),
    (e: unknown) => e instanceof DivergenceError && /diverged at step 0/.test(e.message),
  );
  inner.dispose();
});

test('lm-train writes model, weights and train.json; loadLm reproduces the log-probabilities', async () => {
  await initBackend('wasm');
  const root = await tempDir('ablate-lm-train-');
  try {
    const train = stream(600);
    const test = stream(2 * 17).map((x) => (x + 1) % VOCAB);
    const data: LmData = {
      meta: {
        format: 'ablate-lm-data/1',
        source: 'markov',
        vocab: VOCAB,
        symbols: ['a', 'b', 'c', 'd', 'e'],
        lTrain: 8,
        testLength: 16,
        trainTokens: train.length,
        testSequences: 2,
        entropyRate: 0.5,
        order: 1,
      },
      train,
      test,
    };
    const dataCtx = await makeCtx(root, 'markov', {});
    await writeLmData(dataCtx.outDir, data);
    const params = {
      steps: 20,
      batchSize: 4,
      dModel: 8,
      heads: 2,
      dFF: 16,
      layers: 1,
      maxLen: 16,
      alpha: 0.3,
      pe: 'learned',
      seed: 2,
    };
    const ctx = await makeCtx(root, 'lm-train', params, { data: await asInput(dataCtx) }, { backend: 'wasm' });
    await lmTrain.run(ctx);
    const report = JSON.parse(await readFile(path.join(ctx.outDir, 'train.json'), 'utf8')) as {
      finalLoss: number;
      finalMisalign: number;
      lossCurve: unknown[];
      steps: number;
    };
    assert.ok(report.finalLoss > 0 && report.finalLoss < Math.log(VOCAB) + 1);
    assert.ok(report.finalMisalign > 0);
    assert.equal(report.lossCurve.length, 20);
    assert.equal(report.steps, 20);
    const timing = JSON.parse(await readFile(path.join(ctx.outDir, 'timing.json'), 'utf8')) as { stepsPerSec: number };
    assert.ok(timing.stepsPerSec > 0);
    const lm = await loadLm(ctx.outDir, { backend: 'wasm' });
    assert.equal(lm.file.train.alpha, 0.3);
    assert.equal(lm.file.data.lTrain, 8);
    assert.deepEqual(lm.config, {
      arch: 'decoder',
      pe: 'learned',
      layers: 1,
      dModel: 8,
      heads: 2,
      dFF: 16,
      hidden: 64,
      activation: 'relu',
      maxLen: 16,
      vocab: VOCAB,
    });
    assert.equal(lm.file.train.seed, 2);
    const rows = test.subarray(0, 2 * 16);
    const lp = await lm.logProbs(rows, 2, 16);
    assert.equal(lp.length, 2 * 16 * VOCAB);
    for (let r = 0; r < 32; r++) {
      const s = lp.subarray(r * VOCAB, (r + 1) * VOCAB).reduce((a, x) => a + Math.exp(x), 0);
      assert.ok(Math.abs(s - 1) < 1e-5, 'each row is a log-distribution');
    }
    // Row 1 alone equals row 1 in the batch.
    const alone = await lm.logProbs(rows.subarray(16), 1, 16);
    for (let i = 0; i < alone.length; i++) assert.ok(Math.abs(alone[i]! - lp[16 * VOCAB + i]!) < 1e-5);
    await assert.rejects(lm.logProbs(new Int8Array(17 * 2), 2, 17), /exceeds the learned PE table \(maxLen 16\)/);
    lm.dispose();
  } finally {
    await removeDir(root);
  }
});

test('training and inference free every tensor they make, for every arch', async () => {
  await initBackend('wasm');
  for (const arch of ['decoder', 'encdec', 'lstm', 'gru'] as const) {
    const model = buildLm({ ...CONFIG, arch });
    const cfg = { ...BASE, steps: 2, alpha: 0.3 };
    await trainLm(model, stream(), cfg); // warm the constant cache
    const before = tf.memory().numTensors;
    await trainLm(model, stream(), { ...cfg, steps: 4 });
    await trainLm(model, stream(), { ...cfg, steps: 4, alpha: 0 });
    assert.equal(tf.memory().numTensors, before, `${arch} leaks tensors`);
    model.dispose();
  }
});

test('overlap last and the full l_extra range train, skipping steps whose windows share no prediction', async () => {
  await initBackend('wasm');
  const model = buildLm(CONFIG);
  const data = stream();
  const all = await trainLm(model, data, { ...BASE, alpha: 0.3 });
  const last = await trainLm(model, data, { ...BASE, alpha: 0.3, overlap: 'last' });
  assert.ok(last.misalign.every(Number.isFinite));
  assert.ok(!bytes(last.params).equals(bytes(all.params)), 'comparing only the last position is a different loss');
  // lTrain 8, full range: l_extra = 8 (probability 1/8 per step) leaves nothing to compare.
  const full = await trainLm(model, data, { ...BASE, alpha: 0.3, lExtraRange: 'full', steps: 40 });
  const skipped = [...full.misalign].filter(Number.isNaN).length;
  assert.ok(skipped > 0 && skipped < 40, `${skipped} of 40 steps without overlap`);
  assert.ok(full.losses.every(Number.isFinite));
  assert.equal(finalMisalignOf(Float32Array.from([NaN, 1, 2, NaN, 3])), 3);
  assert.equal(finalMisalignOf(Float32Array.from([1, NaN])), null);
  model.dispose();
});
