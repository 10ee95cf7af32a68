/**
 * The misalignment metric's random draws (paper notes section 2): a
 * held-out sequence x (a test row's first lTrain tokens) and two suffix
 * lengths l1, l2 uniform in [lTrain/2, lTrain], so the two inputs share
 * their ending and differ only in how much of the start they see.
 */
import { deriveSeed, Rng } from '../../ml/prng.js';

export interface SuffixPair {
  /** Test row index. */
  row: number;
  l1: number;
  l2: number;
}

/** The suffix length range, both ends included; at least one token. */
export function suffixRange(lTrain: number): [number, number] {
  return [Math.max(1, Math.ceil(lTrain / 2)), lTrain];
}

export function drawSuffixPairs(samples: number, lTrain: number, testSequences: number, seed: number): SuffixPair[] {
  if (testSequences < 1) throw new Error('the data has no test sequences');
  const rng = new Rng(deriveSeed(seed, 'lm-misalignment'));
  const [lo, hi] = suffixRange(lTrain);
  const pairs: SuffixPair[] = [];
  for (let i = 0; i < samples; i++) {
    const row = rng.int(testSequences);
    const l1 = rng.intBetween(lo, hi);
    const l2 = rng.intBetween(lo, hi);
    pairs.push({ row, l1, l2 });
  }
  return pairs;
}
