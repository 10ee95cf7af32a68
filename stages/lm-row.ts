/**
 * Stage kind `lm-row`: one language model's row of the correlation table.
 *
 * inputs:  { model: lm-train cell, eval: lm-evaluate cell }
 * params:  none of its own (matrix axes pass through)
 * outputs: row.json  { model, variant, axes, task, arch, pe, alpha, divergence,
 *          lExtraRange, seed, trainLoss, misalignment (SCE mean), misalignmentSe,
 *          misalignmentSymkl, misalignmentSymklSe, idCe, longCe, longExcess }
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineStage } from '../src/stage-api.js';
import { singleInput } from './ml/stage-util.js';

export default defineStage({
  description: "One language model's row: training loss, misalignment, in-distribution and long-context CE",
  params: { type: 'object' },
  inputs: {
    model: { files: ['model.json', 'train.json'] },
    eval: { files: ['eval.json'] },
  },
  outputs: ['row.json'],
  async run(ctx) {
    const { requireJson } = await import('./analysis/artifacts.js');
    const { buildLmRow } = await import('./lm/stats/row.js');
    const model = singleInput(ctx, 'model');
    const evaluation = singleInput(ctx, 'eval');
    const row = buildLmRow({
      model,
      modelJson: await requireJson(model, 'model.json'),
      trainJson: await requireJson(model, 'train.json'),
      evalJson: await requireJson(evaluation, 'eval.json'),
    });
    await writeFile(join(ctx.outDir, 'row.json'), JSON.stringify(row, null, 2) + '\n');
  },
});
