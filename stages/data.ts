/**
 * Stage kind `data`: synthetic sequences for the paper's mean-prediction and
 * length-prediction tasks. Tokens are 0/1 with p = 0.5; train lengths are
 * uniform in [trainLengthMin, trainLengthMax]; the test split has
 * `testSamplesPerLength` sequences of every length 1..testLengthMax.
 * Targets: the mean of the tokens, or the length l, and f(target) in f-space
 * (f only for task `length`). Models prepend a BOS token (id 2) when `bos`.
 * Output format: see stages/ml/dataset.ts.
 */
import { defineStage } from '../src/stage-api.js';
import { posInt } from './ml/stage-util.js';

export default defineStage({
  description: 'Synthetic 0/1 sequences with mean or length targets (train + per-length test split)',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      task: {
        enum: ['mean', 'length'],
        default: 'mean',
        description: 'Target: mean of the tokens, or the sequence length',
      },
      f: {
        type: 'string',
        pattern: '^[a-z][a-z0-9_]*$',
        default: 'identity',
        description: 'Reparameterization stages/reparam/<f> of the length target; task mean needs identity',
      },
      trainLengthMin: posInt('Shortest training sequence', 1),
      trainLengthMax: posInt('Longest training sequence', 10),
      testLengthMax: posInt('Test lengths are 1..testLengthMax', 50, 10000),
      trainSamples: posInt('Training sequences', 20000),
      testSamplesPerLength: posInt('Test sequences per length', 128),
      bos: {
        type: 'boolean',
        default: true,
        description: 'Models prepend a BOS token (id 2), so NoPE can sense length',
      },
      seed: { type: 'integer', minimum: 0, default: 0, description: 'Seed of the data PRNG (mulberry32)' },
    },
  },
  plugins: { f: './reparam' },
  outputs: [
    'meta.json',
    'train.tokens.bin',
    'train.lengths.bin',
    'train.targets.bin',
    'train.targets_f.bin',
    'test.tokens.bin',
    'test.lengths.bin',
    'test.targets.bin',
    'test.targets_f.bin',
  ],
  async run(ctx) {
    const { generateDataset, writeDataset } = await import('./ml/dataset.js');
    const { loadReparam } = await import('./ml/reparam.js');
    const p = { ...ctx.params, seed: ctx.seed };
    const data = generateDataset(p, await loadReparam(p.f));
    await writeDataset(ctx.outDir, data);
    ctx.log(`data: ${data.train.count} train and ${data.test.count} test sequences (task ${p.task}, f ${data.meta.f})`);
  },
});
