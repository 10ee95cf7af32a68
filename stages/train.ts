/**
 * Stage kind `train`: fits one model to a `data` artifact (input `data`).
 *
 * Adam on the MSE between the model output and the normalised f-space target,
 * fixed steps, one sequence length per batch, global-norm clipping. Seeded
 * init and batch order: same seed, same backend, byte-identical weights.
 * Checkpoints go to ctx.workDir every `checkpointEvery` steps (and on abort);
 * a restarted cell resumes from the last one.
 *
 * Outputs (ctx.outDir):
 *   weights.bin, model.json   see stages/ml/model-io.ts; load with stages/ml/predict.ts
 *   train.json                { finalLoss, backend, tfjsVersion, steps, lossCurve, ... }
 *   timing.json               { stepsPerSec, wallSeconds, resumedFrom }: volatile, outside the content hash
 */
import { defineStage } from '../src/stage-api.js';
import { posInt, singleInput, withDefaults } from './ml/stage-util.js';

/**
 * Sized for the default study (~80 cells on 2 cores): a cell trains in about
 * 30-60 s on wasm and still shows the paper's effects (mean task with NoPE
 * generalises; the raw length target fails beyond the training range;
 * sqrt < log < inv_sqrt improve on it, in that order). The reference model of
 * the benchmark (d_model 64, d_ff 256) is DEFAULT_MODEL_CONFIG in ml/models.
 */
export const TRAIN_DEFAULTS = {
  arch: 'decoder' as 'decoder' | 'encdec' | 'lstm' | 'gru',
  pe: 'none' as 'none' | 'learned' | 'sinusoidal' | 'rope' | 'alibi',
  layers: 2,
  dModel: 32,
  heads: 4,
  dFF: 128,
  hidden: 64,
  activation: 'relu' as 'relu' | 'gelu',
  maxLen: 64,
  steps: 1500,
  batchSize: 64,
  lr: 1e-3,
  lrSchedule: 'cosine' as 'cosine' | 'constant',
  clip: 1,
  checkpointEvery: 250,
};

export default defineStage({
  description: 'Train a Transformer / RNN regressor on a data artifact (Adam, MSE in f-space)',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      arch: { enum: ['decoder', 'encdec', 'lstm', 'gru'], default: 'decoder', description: 'Architecture' },
      pe: {
        enum: ['none', 'learned', 'sinusoidal', 'rope', 'alibi'], default: 'none',
        description: 'Positional encoding of the Transformers (ignored by lstm/gru)',
      },
      layers: posInt('Transformer blocks (encdec: per stack) or stacked RNN layers', TRAIN_DEFAULTS.layers, 16),
      dModel: posInt('Transformer width', TRAIN_DEFAULTS.dModel, 1024),
      heads: posInt('Attention heads (must divide dModel)', TRAIN_DEFAULTS.heads, 64),
      dFF: posInt('Transformer MLP width', TRAIN_DEFAULTS.dFF, 4096),
      hidden: posInt('RNN hidden size', TRAIN_DEFAULTS.hidden, 1024),
      activation: { enum: ['relu', 'gelu'], default: 'relu', description: 'MLP activation (relu is fused, faster)' },
      maxLen: posInt('Positions covered by a learned PE table (BOS included)', TRAIN_DEFAULTS.maxLen, 100000),
      steps: posInt('Optimizer steps', TRAIN_DEFAULTS.steps),
      batchSize: posInt('Sequences per step (all of one length)', TRAIN_DEFAULTS.batchSize),
      lr: { type: 'number', exclusiveMinimum: 0, default: TRAIN_DEFAULTS.lr, description: 'Adam learning rate' },
      lrSchedule: {
        enum: ['cosine', 'constant'], default: 'cosine', description: 'cosine decays to 10% of lr by the last step',
      },
      clip: { type: 'number', minimum: 0, default: 1, description: 'Global gradient-norm clip (0: off)' },
      checkpointEvery: { type: 'integer', minimum: 0, default: 250, description: 'Steps between checkpoints (0: off)' },
      seed: { type: 'integer', minimum: 0, default: 0, description: 'Seed of init and batch order' },
    },
  },
  resources: { cpu: 1 },
  volatile: ['timing.json'],
  runtime: ['tfjs'],
  async run(ctx) {
    const { trainStage } = await import('./ml/train-stage.js');
    await trainStage(ctx, withDefaults(TRAIN_DEFAULTS, ctx.params), singleInput(ctx, 'data'));
  },
});
