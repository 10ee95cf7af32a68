import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import lmEvaluate from '../../stages/lm-evaluate.js';
import lmTrain from '../../stages/lm-train.js';
import markov from '../../stages/markov.js';
import type { LmEval } from '../../stages/lm/eval/evaluate.js';
import { makeCtx, removeDir, runStage, tempDir } from '../ml/ctx.js';

const tinyData = { vocab: 3, order: 1, lTrain: 8, testLengthFactor: 4, trainTokens: 2000, testSequences: 12 };
const tinyModel = { arch: 'lstm', hidden: 8, layers: 1, steps: 4, batchSize: 4, checkpointEvery: 0 };

test('lm-evaluate scores a trained model end to end and writes eval.json', async () => {
  const root = await tempDir('lm-evaluate-');
  try {
    const data = await runStage(markov, await makeCtx(root, 'markov', tinyData));
    const model = await runStage(lmTrain, await makeCtx(root, 'lm-train', tinyModel, { data }));
    const ctx = await makeCtx(root, 'lm-evaluate', { samples: 16, batchSize: 5 }, { model, data });
    await lmEvaluate.run(ctx);
    const r = JSON.parse(await readFile(path.join(ctx.outDir, 'eval.json'), 'utf8')) as LmEval;
    assert.equal(r.lTrain, 8);
    assert.equal(r.testLength, 32);
    assert.equal(r.perPosition.length, 32);
    assert.ok(r.perPosition.every((p, i) => p.position === i + 1 && p.ce > 0 && p.se >= 0));
    const long = r.perPosition.slice(8);
    assert.ok(Math.abs(r.longCe - long.reduce((a, p) => a + p.ce, 0) / long.length) < 1e-9);
    assert.ok(Math.abs((r.longExcess as number) - (r.longCe - (r.entropyRate as number))) < 1e-12);
    // An untrained-ish model is no better than the source: its excess is not negative beyond noise.
    assert.ok((r.longExcess as number) > -3 * r.longCeSe);
    assert.equal(r.misalignment.samples, 16);
    assert.ok(r.misalignment.symkl.mean >= 0 && r.misalignment.sce.mean > 0);
    assert.ok(ctx.progressUpdates.length > 0);
  } finally {
    await removeDir(root);
  }
});

test('lm-evaluate refuses data the model was not trained on, naming both cells', async () => {
  const root = await tempDir('lm-evaluate-');
  try {
    const data = await runStage(markov, await makeCtx(root, 'markov', tinyData));
    const other = await runStage(markov, await makeCtx(root, 'markov', { ...tinyData, lTrain: 6 }));
    const model = await runStage(lmTrain, await makeCtx(root, 'lm-train', tinyModel, { data }));
    const ctx = await makeCtx(root, 'lm-evaluate', { samples: 4 }, { model, data: other });
    await assert.rejects(
      lmEvaluate.run(ctx),
      (e: Error) => e.message.includes(model.cell) && e.message.includes(other.cell) && /lTrain 8/.test(e.message),
    );
  } finally {
    await removeDir(root);
  }
});
