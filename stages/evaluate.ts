/**
 * Stage kind `evaluate`: length generalisation of a trained model (input
 * `model`, a train cell) on the test split of a data artifact (input `data`).
 * Writes eval.json; its fields are documented in stages/ml/evaluation.ts.
 */
import { defineStage, type ParamsOf, runInTurn } from '../src/stage-api.js';
import { singleInput } from './ml/stage-util.js';

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    threshold: {
      type: 'number',
      exclusiveMinimum: 0,
      description:
        'MSE (target space) below which a length counts as solved, for `horizon`. ' +
        'Default by task: 0.001 for mean, 1 (one token RMS) for length.',
    },
    batchSize: { type: 'integer', minimum: 1, default: 512, description: 'Sequences per forward pass' },
    f: {
      type: 'string',
      pattern: '^[a-z][a-z0-9_]*$',
      description:
        "The model's reparameterization (read from model.json; when given, e.g. as a matrix axis, " +
        'it must match, and the engine hashes stages/reparam/<f>, whose inverse the metrics use)',
    },
    seed: { type: 'integer', minimum: 0, description: 'Unused (evaluation is deterministic); accepted for matrices' },
  },
} as const;

export type EvaluateParams = ParamsOf<typeof schema>;

export default defineStage({
  description: 'Per-length MSE (target space and f-space) vs a constant baseline; ID/OOD summary and horizon',
  params: schema,
  plugins: { f: './reparam' },
  resources: { cpu: 1 },
  runtime: ['tfjs'],
  inputs: {
    model: { files: ['model.json', 'weights.bin'] },
    data: { files: ['meta.json', 'test.tokens.bin', 'test.lengths.bin', 'test.targets.bin', 'test.targets_f.bin'] },
  },
  outputs: ['eval.json'],
  // Short cells: a group runs its members in turn, saving a process and TF.js start each.
  group: { over: ['seed', 'f'] },
  async run(ctx) {
    const { evaluateStage } = await import('./ml/evaluate-stage.js');
    await evaluateStage(ctx, singleInput(ctx, 'model'), singleInput(ctx, 'data'));
  },
  async runGroup(members) {
    const { evaluateStage } = await import('./ml/evaluate-stage.js');
    return runInTurn(members, (ctx) => evaluateStage(ctx, singleInput(ctx, 'model'), singleInput(ctx, 'data')));
  },
});
