/**
 * Whether one variant is lower than another, judged from their seeds. A
 * difference of means over three seeds says nothing without the spread
 * among seeds, so each comparison is Welch's t-test (unequal variances,
 * Welch-Satterthwaite degrees of freedom, distribution from jstat) and a
 * variant is called lower only when the two-sided p is below alpha. Errors
 * and misalignments are compared on log10 when every value is positive:
 * they spread multiplicatively over seeds, as the report's intervals assume.
 */
import jstat from 'jstat';
import { mean, sampleVariance } from 'simple-statistics';

export type SeedOutcome = 'lower' | 'higher' | 'cannot-tell';

export interface SeedTest {
  nA: number;
  nB: number;
  /** Means on the tested scale (log10 when `log`). */
  meanA: number;
  meanB: number;
  log: boolean;
  t: number | null;
  df: number | null;
  /** Two-sided p; null with fewer than 2 seeds on a side or no spread at all. */
  p: number | null;
  alpha: number;
  /** Whether `a` is lower than `b`, higher, or the seeds cannot tell. */
  outcome: SeedOutcome;
}

export function welchTest(a: readonly number[], b: readonly number[], alpha = 0.05): SeedTest {
  const log = [...a, ...b].every((v) => v > 0);
  const xa = a.map((v) => (log ? Math.log10(v) : v));
  const xb = b.map((v) => (log ? Math.log10(v) : v));
  const base = {
    nA: xa.length,
    nB: xb.length,
    meanA: xa.length ? mean(xa) : Number.NaN,
    meanB: xb.length ? mean(xb) : Number.NaN,
    log,
    alpha,
  };
  const none = { ...base, t: null, df: null, p: null, outcome: 'cannot-tell' as const };
  if (xa.length < 2 || xb.length < 2) return none;
  const va = sampleVariance(xa) / xa.length;
  const vb = sampleVariance(xb) / xb.length;
  const se2 = va + vb;
  if (!(se2 > 0)) return none;
  const t = (base.meanA - base.meanB) / Math.sqrt(se2);
  const df = (se2 * se2) / ((va * va) / (xa.length - 1) + (vb * vb) / (xb.length - 1));
  const p = 2 * (1 - jstat.jStat.studentt.cdf(Math.abs(t), df));
  const outcome: SeedOutcome = p >= alpha ? 'cannot-tell' : t < 0 ? 'lower' : 'higher';
  return { ...base, t, df, p, outcome };
}
