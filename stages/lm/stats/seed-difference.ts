/**
 * Difference of two variants' means over their seeds, with a Welch
 * interval and the study's Welch t-test (analysis/report/seed-test.ts).
 * That test moves to log10 when every value is positive; CE differences
 * are meant in nats, so both sides are first shifted by their pooled mean,
 * which leaves t, df and p unchanged (the test is translation invariant)
 * and guarantees a non-positive value, keeping the test on the raw scale.
 */
import jstat from 'jstat';
import { mean, sampleVariance } from 'simple-statistics';
import { welchTest } from '../../analysis/report/seed-test.js';

export interface SeedDifference {
  /** mean(a) - mean(b), in the values' units. */
  difference: number | null;
  /** Welch interval of the difference at `level`; null with fewer than 2 seeds a side or no spread. */
  ci: [number, number] | null;
  t: number | null;
  df: number | null;
  p: number | null;
  meanA: number | null;
  meanB: number | null;
  nA: number;
  nB: number;
}

export function seedDifference(a: readonly number[], b: readonly number[], level = 0.95): SeedDifference {
  const nA = a.length;
  const nB = b.length;
  if (nA === 0 || nB === 0) {
    return {
      difference: null,
      ci: null,
      t: null,
      df: null,
      p: null,
      meanA: nA ? mean([...a]) : null,
      meanB: nB ? mean([...b]) : null,
      nA,
      nB,
    };
  }
  const meanA = mean([...a]);
  const meanB = mean([...b]);
  const centre = mean([...a, ...b]);
  const test = welchTest(
    a.map((v) => v - centre),
    b.map((v) => v - centre),
    1 - level,
  );
  const difference = meanA - meanB;
  let ci: [number, number] | null = null;
  if (test.df !== null) {
    const se = Math.sqrt(sampleVariance([...a]) / nA + sampleVariance([...b]) / nB);
    const half = jstat.jStat.studentt.inv(1 - (1 - level) / 2, test.df) * se;
    ci = [difference - half, difference + half];
  }
  return { difference, ci, t: test.t, df: test.df, p: test.p, meanA, meanB, nA, nB };
}
