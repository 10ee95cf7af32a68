/**
 * Next-token data from a Markov source: one long train stream and
 * testSequences independent test chains of testLength + 1 tokens, each from
 * its own stationary start. The source is a function of sourceSeed alone,
 * the streams of seed alone.
 */
import { deriveSeed, Rng } from '../../ml/prng.js';
import { LM_DATA_FORMAT, type LmData } from './format.js';
import { drawMarkovSource, entropyRate, type MarkovSource, sampleStream } from './markov-source.js';

export interface MarkovDataParams {
  vocab: number;
  order: number;
  concentration: number;
  sourceSeed: number;
  lTrain: number;
  testLengthFactor: number;
  trainTokens: number;
  testSequences: number;
  seed: number;
}

export function markovSymbols(vocab: number): string[] {
  return Array.from({ length: vocab }, (_, i) => (i < 26 ? String.fromCharCode(97 + i) : `t${i}`));
}

export function sourceOf(p: MarkovDataParams): MarkovSource {
  return drawMarkovSource({
    vocab: p.vocab,
    order: p.order,
    concentration: p.concentration,
    seed: deriveSeed(p.sourceSeed, 'markov-source'),
  });
}

export function generateMarkovData(source: MarkovSource, p: MarkovDataParams): LmData {
  const testLength = p.testLengthFactor * p.lTrain;
  const train = sampleStream(source, p.trainTokens, new Rng(deriveSeed(p.seed, 'markov-train')));
  const testRng = new Rng(deriveSeed(p.seed, 'markov-test'));
  const test = new Int8Array(p.testSequences * (testLength + 1));
  for (let i = 0; i < p.testSequences; i++)
    test.set(sampleStream(source, testLength + 1, testRng), i * (testLength + 1));
  return {
    meta: {
      format: LM_DATA_FORMAT,
      source: 'markov',
      vocab: source.vocab,
      symbols: markovSymbols(source.vocab),
      lTrain: p.lTrain,
      testLength,
      trainTokens: p.trainTokens,
      testSequences: p.testSequences,
      entropyRate: entropyRate(source),
      order: source.order,
    },
    train,
    test,
  };
}
