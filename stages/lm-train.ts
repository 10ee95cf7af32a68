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
import { posInt, singleInput, withDefaults } from './ml/stage-util.js';

export const LM_TRAIN_DEFAULTS = {
  arch: 'decoder' as 'decoder' | 'encdec' | 'lstm' | 'gru',
  pe: 'none' as 'none' | 'learned' | 'sinusoidal' | 'rope' | 'alibi',
  layers: 2,
  dModel: 32,
  heads: 4,
  dFF: 64,
  hidden: 64,
  activation: 'relu' as 'relu' | 'gelu',
  maxLen: 512,
  steps: 600,
  batchSize: 32,
  lr: 3e-3,
  lrSchedule: 'cosine' as 'cosine' | 'constant',
  clip: 1,
  checkpointEvery: 200,
  alpha: 0,
  divergence: 'sce' as 'sce' | 'symkl',
  lExtraRange: 'half' as 'half' | 'full',
  overlap: 'all' as 'all' | 'last',
};

export default defineStage({
  description: 'Train a language model on token data (next-token CE + alpha * misalignment regularizer)',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      arch: { enum: ['decoder', 'encdec', 'lstm', 'gru'], default: 'decoder', description: 'Architecture' },
      pe: {
        enum: ['none', 'learned', 'sinusoidal', 'rope', 'alibi'], default: 'none',
        description: 'Positional encoding of the Transformers (ignored by lstm/gru)',
      },
      layers: posInt('Transformer blocks (encdec: per stack) or stacked RNN layers', LM_TRAIN_DEFAULTS.layers, 16),
      dModel: posInt('Transformer width', LM_TRAIN_DEFAULTS.dModel, 1024),
      heads: posInt('Attention heads (must divide dModel)', LM_TRAIN_DEFAULTS.heads, 64),
      dFF: posInt('Transformer MLP width', LM_TRAIN_DEFAULTS.dFF, 4096),
      hidden: posInt('RNN hidden size', LM_TRAIN_DEFAULTS.hidden, 1024),
      activation: { enum: ['relu', 'gelu'], default: 'relu', description: 'MLP activation (relu is fused, faster)' },
      maxLen: posInt('Rows of a learned PE table: the longest input such a model accepts (cover the test length)', LM_TRAIN_DEFAULTS.maxLen, 100000),
      steps: posInt('Optimizer steps', LM_TRAIN_DEFAULTS.steps),
      batchSize: posInt('Windows per step', LM_TRAIN_DEFAULTS.batchSize),
      lr: { type: 'number', exclusiveMinimum: 0, default: LM_TRAIN_DEFAULTS.lr, description: 'Adam learning rate' },
      lrSchedule: { enum: ['cosine', 'constant'], default: 'cosine', description: 'cosine decays to 10% of lr by the last step' },
      clip: { type: 'number', minimum: 0, default: 1, description: 'Global gradient-norm clip (0: off)' },
      checkpointEvery: { type: 'integer', minimum: 0, default: 200, description: 'Steps between checkpoints (0: off)' },
      seed: { type: 'integer', minimum: 0, default: 0, description: 'Seed of init and window draws' },
      alpha: { type: 'number', minimum: 0, default: 0, description: 'Weight of the misalignment regularizer (0: plain next-token CE)' },
      divergence: { enum: ['sce', 'symkl'], default: 'sce', description: 'Regularizer divergence: symmetric CE or symmetric KL' },
      lExtraRange: { enum: ['half', 'full'], default: 'half', description: 'l_extra ~ U[1, lTrain/2] (half) or U[1, lTrain] (full)' },
      overlap: { enum: ['all', 'last'], default: 'all', description: 'Compare every overlapping position, or only the last' },
    },
  },
  resources: { cpu: 1 },
  volatile: ['timing.json'],
  runtime: ['tfjs'],
  async run(ctx) {
    const { lmTrainStage } = await import('./lm/train-stage.js');
    await lmTrainStage(ctx, withDefaults(LM_TRAIN_DEFAULTS, ctx.params), singleInput(ctx, 'data'));
  },
});
