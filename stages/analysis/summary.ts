/**
 * Summaries over seeds: n, mean, sample standard deviation and a two-sided
 * 95% interval for the mean from Student's t, which is what a mean over 2-3
 * seeds can honestly claim (a min-max band over 3 seeds has no coverage to
 * speak of).
 */
import { LEVEL, summarize as summarizeValues, tQuantile } from '../../src/metrics/stats.js';
import { fmt } from './format.js';

export { LEVEL };

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation; null with one value. */
  sd: number | null;
  /** t-based 95% interval for the mean; null with one value. */
  ci: [number, number] | null;
}

/** Critical value t_{(1+LEVEL)/2, n-1}, as `ablate show` uses it. */
export function tCritical(n: number): number {
  return tQuantile(n - 1);
}

/** `ablate show`'s summary of the finite values, in the report's shape. */
export function summarize(values: readonly number[]): Summary | null {
  const xs = values.filter((v) => Number.isFinite(v));
  if (xs.length === 0) return null;
  const s = summarizeValues(xs);
  return {
    n: s.n,
    mean: s.mean,
    sd: s.sd ?? null,
    ci: s.low === undefined || s.high === undefined ? null : [s.low, s.high],
  };
}

/**
 * The same in log10 space, returned in the original units: the geometric
 * mean and its interval. Errors spanning decades are compared by ratio, and
 * a log axis shows exactly this interval as a symmetric band.
 */
export function summarizeLog(values: readonly number[]): Summary | null {
  const s = summarize(values.filter((v) => v > 0).map(Math.log10));
  if (s === null) return null;
  return { n: s.n, mean: 10 ** s.mean, sd: s.sd, ci: s.ci ? [10 ** s.ci[0], 10 ** s.ci[1]] : null };
}

/** `1.23e-4 ± 5.6e-6` (mean ± sd); the mean alone with one value. */
export function fmtMeanSd(s: Summary | null): string {
  if (s === null) return '–';
  return s.sd === null ? fmt(s.mean) : `${fmt(s.mean)} ± ${fmt(s.sd, 2)}`;
}

/** `[lo, hi]`, or – without an interval. */
export function fmtInterval(s: Summary | null): string {
  return s?.ci ? `[${fmt(s.ci[0])}, ${fmt(s.ci[1])}]` : '–';
}
