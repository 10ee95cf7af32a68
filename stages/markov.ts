/**
 * Stage kind `markov`: next-token data from a random order-k Markov source
 * over `vocab` tokens. Each of the vocab^order context rows is a symmetric
 * Dirichlet(concentration) draw; the source depends on sourceSeed alone, the
 * train stream and the test chains on seed alone. The train stream and every
 * test chain start from the stationary distribution.
 *
 * Outputs (ctx.outDir), see stages/lm/data/format.ts and markov-source.ts:
 *   meta.json          LmDataMeta; entropyRate is exact (nats/token)
 *   train.tokens.bin   the train stream (Int8)
 *   test.tokens.bin    testSequences independent chains of testLength + 1 tokens (Int8)
 *   source.json        { order, vocab, transition, stationary }
 */
import { defineStage } from '../src/stage-api.js';
import { posInt, withDefaults } from './ml/stage-util.js';

export const MARKOV_DEFAULTS = {
  vocab: 8,
  order: 2,
  concentration: 0.5,
  sourceSeed: 0,
  lTrain: 32,
  testLengthFactor: 4,
  trainTokens: 200000,
  testSequences: 256,
  seed: 0,
};

export default defineStage({
  description: 'Next-token data from a random order-k Markov source (exact entropy rate)',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      vocab: { type: 'integer', minimum: 2, maximum: 26, default: MARKOV_DEFAULTS.vocab, description: 'Tokens (named a, b, ...); vocab^order must be at most 1024' },
      order: posInt('Markov order k: the next token depends on the last k', MARKOV_DEFAULTS.order, 10),
      concentration: {
        type: 'number', minimum: 0.05, default: MARKOV_DEFAULTS.concentration,
        description: 'Symmetric Dirichlet concentration of each transition row (small: peaked rows, low entropy; large: near uniform)',
      },
      sourceSeed: { type: 'integer', minimum: 0, default: MARKOV_DEFAULTS.sourceSeed, description: 'Which source: the same sourceSeed gives the same transition table' },
      lTrain: posInt('Training window length l_train', MARKOV_DEFAULTS.lTrain, 4096),
      testLengthFactor: posInt('Test sequences have testLengthFactor * lTrain tokens (plus one target)', MARKOV_DEFAULTS.testLengthFactor, 64),
      trainTokens: posInt('Length of the train stream', MARKOV_DEFAULTS.trainTokens, 100000000),
      testSequences: posInt('Independent test chains', MARKOV_DEFAULTS.testSequences, 1000000),
      seed: { type: 'integer', minimum: 0, default: 0, description: 'Seed of the train stream and test chains (not of the source)' },
    },
  },
  async run(ctx) {
    const { generateMarkovData, sourceOf } = await import('./lm/data/markov-data.js');
    const { MAX_CONTEXTS, writeMarkovSource } = await import('./lm/data/markov-source.js');
    const { writeLmData } = await import('./lm/data/format.js');
    const p = { ...withDefaults(MARKOV_DEFAULTS, ctx.params), seed: ctx.seed };
    if (p.vocab ** p.order > MAX_CONTEXTS) {
      throw new Error(`markov: vocab^order = ${p.vocab}^${p.order} = ${p.vocab ** p.order} contexts; at most ${MAX_CONTEXTS} are supported (lower vocab or order)`);
    }
    const source = sourceOf(p);
    const data = generateMarkovData(source, p);
    await writeMarkovSource(ctx.outDir, source);
    await writeLmData(ctx.outDir, data);
    ctx.log(`markov: vocab ${p.vocab}, order ${p.order}, entropy rate ${data.meta.entropyRate!.toFixed(4)} nats/token; ${p.trainTokens} train tokens, ${p.testSequences} test chains of ${data.meta.testLength + 1}`);
  },
});
