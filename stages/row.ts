/**
 * Stage `row`: one model's row of the correlation table.
 *
 * inputs:  { model: train cell, eval: evaluate cell, misalignment: misalignment cell }
 * params:  none of its own (matrix axes pass through)
 * outputs: row.json  (task, f, arch, pe, seed; finalLoss and finalLossNorm;
 *          misalignment = the excess over the target's own misalignment on
 *          the target's scale, with misalignmentMeasured, misalignmentTarget,
 *          misalignmentOutputNorm and misalignmentRaw beside it; idMse, oodMse,
 *          horizon, idFailure, clamped; see analysis/rows.ts)
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineStage, type StageContext } from '../src/stage-api.js';
import { singleInput } from './ml/stage-util.js';

export default defineStage({
  description: "One model's row: training loss, misalignment, in- and out-of-distribution error",
  params: { type: 'object' },
  inputs: {
    model: { files: ['model.json', 'train.json'] },
    eval: { files: ['eval.json'] },
    misalignment: { files: ['misalignment.json'] },
  },
  outputs: ['row.json'],
  async run(ctx) {
    await runRow(ctx);
  },
});

export async function runRow(ctx: StageContext): Promise<void> {
  const { requireJson } = await import('./analysis/artifacts.js');
  const { buildRow } = await import('./analysis/rows.js');
  const model = singleInput(ctx, 'model');
  const evaluation = singleInput(ctx, 'eval');
  const misalignment = singleInput(ctx, 'misalignment');
  const row = buildRow({
    model,
    modelJson: await requireJson(model, 'model.json'),
    trainJson: await requireJson(model, 'train.json'),
    evalJson: await requireJson(evaluation, 'eval.json'),
    misalignmentJson: await requireJson(misalignment, 'misalignment.json'),
  });
  await writeFile(join(ctx.outDir, 'row.json'), JSON.stringify(row, null, 2) + '\n');
}
