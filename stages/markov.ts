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
import { posInt } from './ml/stage-util.js';

export default defineStage({
  description: 'Next-token data from a random order-k Markov source (exact entropy rate)',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      vocab: {
        type: 'integer',
        minimum: 2,
        maximum: 26,
        default: 8,
        description: 'Tokens (named a, b, ...); vocab^order must be at most 1024',
      },
      order: posInt('Markov order k: the next token depends on the last k', 2, 10),
      concentration: {
        type: 'number',
        minimum: 0.05,
        default: 0.5,
        description:
          'Symmetric Dirichlet concentration of each transition row (small: peaked rows, low entropy; large: near uniform)',
      },
      sourceSeed: {
        type: 'integer',
        minimum: 0,
        default: 0,
        description: 'Which source: the same sourceSeed gives the same transition table',
      },
      lTrain: posInt('Training window length l_train', 32, 4096),
      testLengthFactor: posInt('Test sequences have testLengthFactor * lTrain tokens (plus one target)', 4, 64),
      trainTokens: posInt('Length of the train stream', 200000, 100000000),
      testSequences: posInt('Independent test chains', 256, 1000000),
      seed: {
        type: 'integer',
        minimum: 0,
        default: 0,
        description: 'Seed of the train stream and test chains (not of the source)',
      },
    },
  },
  outputs: ['meta.json', 'train.tokens.bin', 'test.tokens.bin', 'source.json'],
  async run(ctx) {
    const { generateMarkovData, sourceOf } = await import('./lm/data/markov-data.js');
    const { MAX_CONTEXTS, writeMarkovSource } = await import('./lm/data/markov-source.js');
    const { writeLmData } = await import('./lm/data/format.js');
    const p = { ...ctx.params, seed: ctx.seed };
    if (p.vocab ** p.order > MAX_CONTEXTS) {
      throw new Error(
        `markov: vocab^order = ${p.vocab}^${p.order} = ${p.vocab ** p.order} contexts; at most ${MAX_CONTEXTS} are supported (lower vocab or order)`,
      );
    }
    const source = sourceOf(p);
    const data = generateMarkovData(source, p);
    await writeMarkovSource(ctx.outDir, source);
    await writeLmData(ctx.outDir, data);
    ctx.log(
      `markov: vocab ${p.vocab}, order ${p.order}, entropy rate ${data.meta.entropyRate!.toFixed(4)} nats/token; ${p.trainTokens} train tokens, ${p.testSequences} test chains of ${data.meta.testLength + 1}`,
    );
  },
});
