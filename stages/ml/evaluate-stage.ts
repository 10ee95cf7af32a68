/** The body of the `evaluate` stage kind (stages/evaluate.ts). */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { InputArtifact, StageContext } from '../../src/stage-api.js';
import type { EvaluateParams } from '../evaluate.js';
import { readDatasetMeta, readSplit } from './dataset.js';
import { evaluateTrained } from './evaluation.js';
import { loadTrained } from './predict.js';

export async function evaluateStage(
  ctx: StageContext<EvaluateParams>,
  modelIn: InputArtifact,
  dataIn: InputArtifact,
): Promise<void> {
  const { threshold, batchSize } = ctx.params;
  const meta = await readDatasetMeta(dataIn.dir);
  const model = await loadTrained(modelIn.dir, { backend: ctx.runtime['backend'], batchSize });
  try {
    const f = ctx.params.f;
    if (f !== undefined && f !== model.f) {
      throw new Error(`Param f='${f}' but model ${modelIn.cell} was trained with f='${model.f}'`);
    }
    if (model.task !== meta.task || model.f !== meta.f) {
      throw new Error(
        `Model ${modelIn.cell} was trained for task ${model.task} (f ${model.f}) but data ${dataIn.cell} ` +
          `is task ${meta.task} (f ${meta.f})`,
      );
    }
    const test = await readSplit(dataIn.dir, 'test');
    ctx.progress({ message: `evaluating ${test.count} sequences` });
    const result = await evaluateTrained(model, test, threshold);
    await writeFile(path.join(ctx.outDir, 'eval.json'), JSON.stringify(result, null, 2) + '\n');
    const s = result.summary;
    ctx.log(`evaluate: idMse ${s.idMse} oodMse ${s.oodMse} horizon ${s.horizon} (threshold ${s.threshold})`);
  } finally {
    model.dispose();
  }
}
