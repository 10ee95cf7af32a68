/** The body of the `lm-evaluate` stage kind (stages/lm-evaluate.ts). */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { InputArtifact, StageContext } from '../../../src/stage-api.js';
import { readLmData } from '../data/format.js';
import { loadLm } from '../model-io.js';
import { evaluateLm } from './evaluate.js';

export interface LmEvaluateParams {
  samples: number;
  seed: number;
  batchSize: number;
}

export async function lmEvaluateStage(
  ctx: StageContext,
  modelIn: InputArtifact,
  dataIn: InputArtifact,
  params: LmEvaluateParams,
): Promise<void> {
  const data = await readLmData(dataIn.dir);
  const model = await loadLm(modelIn.dir, { backend: ctx.runtime['backend'] });
  try {
    const trained = model.file.data;
    // A model scored on another task's data gives numbers that mean nothing: refuse.
    if (
      trained.vocab !== data.meta.vocab ||
      trained.lTrain !== data.meta.lTrain ||
      trained.source !== data.meta.source
    ) {
      throw new Error(
        `model ${modelIn.cell} was trained on ${trained.source} data (vocab ${trained.vocab}, lTrain ${trained.lTrain}) ` +
          `but data ${dataIn.cell} is ${data.meta.source} (vocab ${data.meta.vocab}, lTrain ${data.meta.lTrain})`,
      );
    }
    const started = Date.now();
    const result = await evaluateLm(model, data, {
      ...params,
      signal: ctx.signal,
      progress: (message) => ctx.progress({ message }),
    });
    await writeFile(path.join(ctx.outDir, 'eval.json'), JSON.stringify(result, null, 2) + '\n');
    ctx.log(
      `lm-evaluate: idCe ${result.idCe.toFixed(4)} longCe ${result.longCe.toFixed(4)} ` +
        `misalignment sce ${result.misalignment.sce.mean.toFixed(4)} symkl ${result.misalignment.symkl.mean.toFixed(4)} ` +
        `(${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
  } finally {
    model.dispose();
  }
}
