/**
 * Stage kind `lm-evaluate`: long-context behaviour of a trained language
 * model (input `model`, an lm-train cell) on the test rows of a token data
 * artifact (input `data`).
 *
 * outputs: eval.json { lTrain, testLength, entropyRate, perPosition: [{position, ce, se}],
 *          idCe, idCeSe, longCe, longCeSe, longPerplexity, longExcess, misalignment: { sce, symkl, entropy, samples, seed, suffixRange } }
 *          (LmEval in lm/eval/evaluate.ts)
 */
import { defineStage } from '../src/stage-api.js';
import { singleInput } from './ml/stage-util.js';

export default defineStage({
  description:
    'Per-position CE at full test length, in-distribution and long-context CE, long-short misalignment (SCE, symmetric KL)',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      samples: {
        type: 'integer',
        minimum: 2,
        default: 512,
        description: 'Suffix pairs (x, l1, l2) drawn for the misalignment metric',
      },
      sampleSeed: {
        type: 'integer',
        minimum: 0,
        default: 0,
        description: 'Seed of the suffix draws: the same for every model, so models are compared on the same pairs',
      },
      seed: { type: 'integer', minimum: 0, description: "The model's seed when it is a matrix axis; unused" },
      batchSize: { type: 'integer', minimum: 1, default: 64, description: 'Sequences per model call' },
    },
  },
  resources: { cpu: 1 },
  runtime: ['tfjs'],
  inputs: {
    model: { files: ['model.json', 'weights.bin'] },
    data: { files: ['meta.json', 'test.tokens.bin'] },
  },
  outputs: ['eval.json'],
  async run(ctx) {
    const { lmEvaluateStage } = await import('./lm/eval/stage.js');
    const { samples, sampleSeed, batchSize } = ctx.params;
    await lmEvaluateStage(ctx, singleInput(ctx, 'model'), singleInput(ctx, 'data'), {
      samples,
      seed: sampleSeed,
      batchSize,
    });
  },
});
