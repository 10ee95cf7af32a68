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
import { posInt, singleInput } from './ml/stage-util.js';

/**
 * The defaults are sized for the default study (~80 cells on 2 cores): a
 * cell trains in about 30-60 s on wasm and still shows the paper's effects
 * (mean task with NoPE generalises; the raw length target fails beyond the training range;
 * sqrt < log < inv_sqrt improve on it, in that order). The reference model of
 * the benchmark (d_model 64, d_ff 256) is DEFAULT_MODEL_CONFIG in ml/models.
 */
export default defineStage({
  description: 'Train a Transformer / RNN regressor on a data artifact (Adam, MSE in f-space)',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      arch: { enum: ['decoder', 'encdec', 'lstm', 'gru'], default: 'decoder', description: 'Architecture' },
      pe: {
        enum: ['none', 'learned', 'sinusoidal', 'rope', 'alibi'],
        default: 'none',
        description: 'Positional encoding of the Transformers (ignored by lstm/gru)',
      },
      layers: posInt('Transformer blocks (encdec: per stack) or stacked RNN layers', 2, 16),
      dModel: posInt('Transformer width', 32, 1024),
      heads: posInt('Attention heads (must divide dModel)', 4, 64),
      dFF: posInt('Transformer MLP width', 128, 4096),
      hidden: posInt('RNN hidden size', 64, 1024),
      activation: { enum: ['relu', 'gelu'], default: 'relu', description: 'MLP activation (relu is fused, faster)' },
      maxLen: posInt('Positions covered by a learned PE table (BOS included)', 64, 100000),
      steps: posInt('Optimizer steps', 1500),
      batchSize: posInt('Sequences per step (all of one length)', 64),
      lr: { type: 'number', exclusiveMinimum: 0, default: 1e-3, description: 'Adam learning rate' },
      lrSchedule: {
        enum: ['cosine', 'constant'],
        default: 'cosine',
        description: 'cosine decays to 10% of lr by the last step',
      },
      clip: { type: 'number', minimum: 0, default: 1, description: 'Global gradient-norm clip (0: off)' },
      checkpointEvery: { type: 'integer', minimum: 0, default: 250, description: 'Steps between checkpoints (0: off)' },
      seed: { type: 'integer', minimum: 0, default: 0, description: 'Seed of init and batch order' },
    },
  },
  resources: { cpu: 1 },
  volatile: ['timing.json'],
  runtime: ['tfjs'],
  inputs: {
    data: { files: ['meta.json', 'train.tokens.bin', 'train.lengths.bin', 'train.targets.bin', 'train.targets_f.bin'] },
  },
  outputs: ['weights.bin', 'model.json', 'train.json', 'timing.json'],
  async run(ctx) {
    const { trainStage } = await import('./ml/train-stage.js');
    await trainStage(ctx, ctx.params, singleInput(ctx, 'data'));
  },
});
