/**
 * The misalignment stage end to end with the ML stages' own loader: a small
 * untrained decoder is saved the way the train stage saves it and scored
 * through `loadTrained`. This checks the wiring (model.json fields, f-space
 * outputs, disposal), not the number.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JsonObject } from '../../src/stage-api.js';
import misalignment from '../../stages/misalignment.js';
import { saveModel } from '../../stages/ml/model-io.js';
import { buildModel, DEFAULT_MODEL_CONFIG, type ModelConfig } from '../../stages/ml/models/index.js';
import { Rng } from '../../stages/ml/prng.js';
import { artifact, context, workspace, type Workspace } from './fixtures.js';

const config: ModelConfig = { ...DEFAULT_MODEL_CONFIG, layers: 1, dModel: 8, heads: 2, dFF: 16, hidden: 8, maxLen: 16 };

describe('misalignment stage with loadTrained', () => {
  let ws: Workspace;
  before(async () => (ws = await workspace()));
  after(async () => ws.dispose());

  it('scores a saved decoder and writes finite estimates', async () => {
    const model = buildModel(config);
    const trained = await artifact(ws, 'train', { task: 'length', f: 'sqrt', seed: 0 }, {});
    await saveModel(
      trained.dir,
      {
        arch: config.arch,
        config,
        task: 'length',
        f: 'sqrt',
        fDescribe: 'sqrt(x)',
        targetNorm: { mean: 2, std: 0.5 },
        train: { lengthMin: 1, lengthMax: 10, targetMean: 5.5 },
      },
      model,
      model.layout.initialise(new Rng(1)),
    );
    model.dispose();
    const input = { ...trained, files: ['model.json', 'weights.bin'] };
    const run = await context(
      ws,
      'misalignment',
      { model: input },
      { samples: 200 },
      { task: 'length', f: 'sqrt', seed: 0 },
    );
    await misalignment.run(run.ctx);
    const out = JSON.parse(await readFile(join(run.ctx.outDir, 'misalignment.json'), 'utf8')) as JsonObject;
    assert.equal(out.f, 'sqrt');
    assert.deepEqual(out.suffixRange, [5, 10]);
    assert.deepEqual(out.varianceRange, [1, 10]);
    const raw = out.raw as { mean: number; se: number };
    const norm = out.normalized as { mean: number; se: number };
    assert.ok(Number.isFinite(raw.mean) && raw.mean >= 0 && Number.isFinite(raw.se));
    assert.ok(Number.isFinite(norm.mean) && norm.mean >= 0);
  });
});
