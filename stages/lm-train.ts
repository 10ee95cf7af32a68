/**
 * Stage kind `lm-train`: fits one language model to a token data artifact
 * (input `data`, written by `markov` or `text`).
 *
 * Loss per step: next-token CE on random windows of l_train tokens, plus
 * alpha times the misalignment divergence (sce or symkl) between the
 * predictions of the same tokens seen with l_extra fewer tokens of context
 * (stages/lm/windows.ts). alpha = 0 is plain next-token training on the same
 * draws. Adam, global-norm clipping, cosine or constant learning rate.
 * Checkpoints go to ctx.workDir; a restarted cell resumes from the last one.
 *
 * Outputs: model.json, weights.bin (stages/lm/model-io.ts, load with loadLm),
 * train.json, timing.json (volatile).
 */
import { defineStage } from '../src/stage-api.js';
import { singleInput } from './ml/stage-util.js';
import { architectureProperties, optimizerProperties } from './ml/train-schema.js';

export default defineStage({
  description: 'Train a language model on token data (next-token CE + alpha * misalignment regularizer)',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...architectureProperties({
        dFF: 64,
        maxLen: 512,
        maxLenDescription: 'Rows of a learned PE table: the longest input such a model accepts (cover the test length)',
      }),
      ...optimizerProperties({
        steps: 600,
        batchSize: 32,
        batchDescription: 'Windows per step',
        lr: 3e-3,
        checkpointEvery: 200,
        seedDescription: 'Seed of init and window draws',
      }),
      alpha: {
        type: 'number',
        minimum: 0,
        default: 0,
        description: 'Weight of the misalignment regularizer (0: plain next-token CE)',
      },
      divergence: {
        enum: ['sce', 'symkl'],
        default: 'sce',
        description: 'Regularizer divergence: symmetric CE or symmetric KL',
      },
      lExtraRange: {
        enum: ['half', 'full'],
        default: 'half',
        description: 'l_extra ~ U[1, lTrain/2] (half) or U[1, lTrain] (full)',
      },
      overlap: {
        enum: ['all', 'last'],
        default: 'all',
        description: 'Compare every overlapping position, or only the last',
      },
    },
  },
  resources: { cpu: 1 },
  volatile: ['timing.json'],
  runtime: ['tfjs'],
  inputs: { data: { files: ['meta.json', 'train.tokens.bin'] } },
  outputs: ['weights.bin', 'model.json', 'train.json', 'timing.json'],
  async run(ctx) {
    const { lmTrainStage } = await import('./lm/train-stage.js');
    await lmTrainStage(ctx, ctx.params, singleInput(ctx, 'data'));
  },
});
