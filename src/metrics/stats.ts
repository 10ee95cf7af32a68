import jstat from 'jstat';
import { mean, sampleStandardDeviation } from 'simple-statistics';

const { jStat } = jstat;

/** Confidence level of every interval ablate prints. */
export const LEVEL = 0.95;

/** A metric over the cells of a group (usually its seeds). */
export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation; undefined below 2 values. */
  sd?: number;
  /** 95% Student t interval for the mean; undefined below 2 values. */
  low?: number;
  high?: number;
}

const quantiles = new Map<number, number>();

/** Two-sided Student t quantile for LEVEL at `dof` degrees of freedom; remembered, as thousands of groups share a few seed counts. */
export function tQuantile(dof: number): number {
  let q = quantiles.get(dof);
  if (q === undefined) {
    q = jStat.studentt.inv((1 + LEVEL) / 2, dof);
    quantiles.set(dof, q);
  }
  return q;
}

export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  const m = mean(values);
  if (n < 2) return { n, mean: m };
  const sd = sampleStandardDeviation(values);
  const half = (tQuantile(n - 1) * sd) / Math.sqrt(n);
  return { n, mean: m, sd, low: m - half, high: m + half };
}

/** right - left, with a 95% Welch t interval when both sides have at least 2 values. */
export interface Difference {
  diff: number;
  low?: number;
  high?: number;
}

export function welch(left: Summary, right: Summary): Difference {
  const diff = right.mean - left.mean;
  if (left.sd === undefined || right.sd === undefined) return { diff };
  const a = left.sd ** 2 / left.n;
  const b = right.sd ** 2 / right.n;
  const se = Math.sqrt(a + b);
  // Both sides without spread: the difference is exact.
  if (se === 0) return { diff, low: diff, high: diff };
  const dof = (a + b) ** 2 / (a ** 2 / (left.n - 1) + b ** 2 / (right.n - 1));
  const half = tQuantile(dof) * se;
  return { diff, low: diff - half, high: diff + half };
}
