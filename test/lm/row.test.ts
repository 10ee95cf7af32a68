import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import type { InputArtifact, JsonObject, JsonValue } from '../../src/stage-api.js';
import lmRow from '../../stages/lm-row.js';
import { parseLmRow } from '../../stages/lm/stats/row.js';
import { asInput, makeCtx, removeDir, tempDir } from '../ml/ctx.js';

const modelJson = {
  format: 'ablate-lm-model/1',
  config: {
    arch: 'lstm',
    pe: 'none',
    layers: 1,
    dModel: 16,
    heads: 2,
    dFF: 32,
    hidden: 16,
    activation: 'relu',
    maxLen: 64,
    vocab: 4,
  },
  data: { source: 'markov', vocab: 4, lTrain: 16, testLength: 64, entropyRate: 0.9 },
  train: {
    alpha: 0.3,
    divergence: 'sce',
    lExtraRange: 'half',
    overlap: 'all',
    steps: 10,
    batchSize: 8,
    lr: 0.001,
    seed: 2,
  },
};
const evalJson = {
  lTrain: 16,
  testLength: 64,
  entropyRate: 0.9,
  perPosition: [],
  idCe: 1.1,
  idCeSe: 0.01,
  longCe: 1.4,
  longCeSe: 0.02,
  longPerplexity: Math.exp(1.4),
  longExcess: 0.5,
  misalignment: {
    sce: { mean: 2.2, se: 0.03 },
    symkl: { mean: 0.2, se: 0.01 },
    entropy: { mean: 1, se: 0.01 },
    samples: 64,
  },
};

async function cell(
  root: string,
  stage: string,
  files: Record<string, object>,
  axes: Record<string, JsonValue>,
): Promise<InputArtifact> {
  const ctx = await makeCtx(root, stage, axes);
  for (const [name, body] of Object.entries(files)) await writeFile(path.join(ctx.outDir, name), JSON.stringify(body));
  ctx.axes = axes;
  return asInput(ctx);
}

test('lm-row reads model.json, train.json and eval.json into one row', async () => {
  const root = await tempDir('lm-row-');
  try {
    const axes = { arch: 'lstm', alpha: 0.3, seed: 2 };
    const model = await cell(
      root,
      'lm-train',
      { 'model.json': modelJson, 'train.json': { finalLoss: 1.05, finalMisalign: 0.1 } },
      axes,
    );
    const evaluation = await cell(root, 'lm-evaluate', { 'eval.json': evalJson }, axes);
    const ctx = await makeCtx(root, 'lm-row', {}, { model, eval: evaluation });
    await lmRow.run(ctx);
    const row = parseLmRow(
      JSON.parse(await readFile(path.join(ctx.outDir, 'row.json'), 'utf8')) as JsonObject,
      'row.json',
    );
    assert.equal(row.model, model.cell);
    // No task axis: the data source names the task, and the variant key carries it but not the seed.
    assert.equal(row.task, 'markov');
    assert.equal(row.variant, 'alpha=0.3,arch=lstm,task=markov');
    assert.equal(row.arch, 'lstm');
    assert.equal(row.pe, 'none');
    assert.equal(row.alpha, 0.3);
    assert.equal(row.divergence, 'sce');
    assert.equal(row.lExtraRange, 'half');
    assert.equal(row.seed, 2);
    assert.equal(row.trainLoss, 1.05);
    assert.equal(row.misalignment, 2.2);
    assert.equal(row.misalignmentSe, 0.03);
    assert.equal(row.misalignmentSymkl, 0.2);
    assert.equal(row.misalignmentSymklSe, 0.01);
    assert.equal(row.idCe, 1.1);
    assert.equal(row.longCe, 1.4);
    assert.equal(row.longExcess, 0.5);
  } finally {
    await removeDir(root);
  }
});

test('a task axis wins over the data source', async () => {
  const root = await tempDir('lm-row-');
  try {
    const axes = { task: 'markov-k3', seed: 0 };
    const model = await cell(root, 'lm-train', { 'model.json': modelJson, 'train.json': { finalLoss: 1 } }, axes);
    const evaluation = await cell(root, 'lm-evaluate', { 'eval.json': evalJson }, axes);
    const ctx = await makeCtx(root, 'lm-row', {}, { model, eval: evaluation });
    await lmRow.run(ctx);
    const row = JSON.parse(await readFile(path.join(ctx.outDir, 'row.json'), 'utf8')) as JsonObject;
    assert.equal(row.task, 'markov-k3');
    assert.equal(row.variant, 'task=markov-k3');
  } finally {
    await removeDir(root);
  }
});

test('a missing eval.json is named with its cell', async () => {
  const root = await tempDir('lm-row-');
  try {
    const model = await cell(
      root,
      'lm-train',
      { 'model.json': modelJson, 'train.json': { finalLoss: 1 } },
      { seed: 0 },
    );
    const evaluation = await cell(root, 'lm-evaluate', {}, { seed: 0 });
    const ctx = await makeCtx(root, 'lm-row', {}, { model, eval: evaluation });
    await assert.rejects(lmRow.run(ctx), /has no eval\.json/);
  } finally {
    await removeDir(root);
  }
});
