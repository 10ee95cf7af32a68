/**
 * Comparing two variants by their seeds. A difference of three-seed means
 * says nothing without the spread among seeds, so a finding that one variant
 * beats another rests on an exact permutation test of the difference of
 * means: every way of splitting the pooled seeds into two groups of the
 * original sizes is equally likely under the null of no difference. With few
 * seeds even the most extreme split is not rare (3 against 3: p >= 2/20 =
 * 0.1), and the comparison says so instead of naming a winner.
 */
import { combinations, mean } from 'simple-statistics';

export type SeedVerdict = 'a-lower' | 'b-lower' | 'no-difference' | 'too-few-seeds';

export interface SeedComparison {
  nA: number;
  nB: number;
  meanA: number;
  meanB: number;
  /** meanA - meanB. */
  difference: number;
  /** Two-sided exact permutation p-value; null with fewer than 2 seeds on a side. */
  p: number | null;
  /** The smallest p any data could give with these seed counts. */
  minP: number | null;
  alpha: number;
  verdict: SeedVerdict;
}

/** Splits are enumerated up to this many; C(16, 8) = 12870 fits. */
const MAX_SPLITS = 20000;

export function compareSeeds(a: readonly number[], b: readonly number[], alpha = 0.05): SeedComparison {
  const base = { nA: a.length, nB: b.length, meanA: mean([...a]), meanB: mean([...b]), alpha };
  const difference = base.meanA - base.meanB;
  if (a.length < 2 || b.length < 2) return { ...base, difference, p: null, minP: null, verdict: 'too-few-seeds' };
  const pooled = [...a, ...b];
  const splits = binomial(pooled.length, a.length);
  if (splits > MAX_SPLITS)
    throw new Error(`${pooled.length} seeds give ${splits} splits; compareSeeds enumerates at most ${MAX_SPLITS}`);
  const total = pooled.reduce((s, v) => s + v, 0);
  const bar = Math.abs(difference) * (1 - 1e-12);
  let extreme = 0;
  for (const pick of combinations(
    pooled.map((_, i) => i),
    a.length,
  )) {
    const sumA = pick.reduce((s, i) => s + (pooled[i] ?? 0), 0);
    const d = sumA / a.length - (total - sumA) / b.length;
    if (Math.abs(d) >= bar) extreme++;
  }
  const p = extreme / splits;
  // The observed split and its mirror image (when sizes are equal) are always at least as extreme.
  const minP = (a.length === b.length ? 2 : 1) / splits;
  const verdict: SeedVerdict =
    minP > alpha ? 'too-few-seeds' : p > alpha ? 'no-difference' : difference < 0 ? 'a-lower' : 'b-lower';
  return { ...base, difference, p, minP, verdict };
}

function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}
