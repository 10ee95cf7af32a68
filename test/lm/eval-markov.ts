/** Test splits from a Markov source and hand-made models for the evaluation tests. */
import { drawMarkovSource, entropyRate, sampleStream, type MarkovSource } from '../../stages/lm/data/markov-source.js';
import type { EvalData, EvalLm } from '../../stages/lm/eval/types.js';
import { deriveSeed, Rng } from '../../stages/ml/prng.js';

/** A small second-order source: 9 contexts, so positions before the second token are marginalised. */
export function source(seed = 3): MarkovSource {
  return drawMarkovSource({ vocab: 3, order: 2, concentration: 0.5, seed: deriveSeed(seed, 'test-source') });
}

/** testSequences independent stationary rows of testLength + 1 tokens. */
export function markovData(
  s: MarkovSource,
  lTrain: number,
  testLength: number,
  testSequences: number,
  seed = 1,
): EvalData {
  const rng = new Rng(deriveSeed(seed, 'test-rows'));
  const test = new Int8Array(testSequences * (testLength + 1));
  for (let r = 0; r < testSequences; r++) test.set(sampleStream(s, testLength + 1, rng), r * (testLength + 1));
  return { meta: { vocab: s.vocab, lTrain, testLength, testSequences, entropyRate: entropyRate(s) }, test };
}

/**
 * A model from a rule giving the next-token distribution at position t of
 * an input window; it records the window length of every call.
 */
export function ruleModel(
  vocab: number,
  rule: (window: Int8Array, t: number) => ArrayLike<number>,
): EvalLm & { calls: number[] } {
  const calls: number[] = [];
  return {
    config: { vocab },
    calls,
    logProbs(rows, batch, length) {
      calls.push(length);
      const out = new Float32Array(batch * length * vocab);
      for (let b = 0; b < batch; b++) {
        const w = rows.subarray(b * length, (b + 1) * length);
        for (let t = 0; t < length; t++) {
          const p = rule(w, t);
          for (let v = 0; v < vocab; v++) out[(b * length + t) * vocab + v] = Math.log(p[v] ?? 0);
        }
      }
      return Promise.resolve(out);
    },
  };
}
