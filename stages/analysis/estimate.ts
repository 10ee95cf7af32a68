import { mean, sampleStandardDeviation } from 'simple-statistics';

/** A Monte Carlo mean with its standard error. */
export interface Estimate {
  mean: number;
  se: number;
}

/** Mean and standard error (sample sd / sqrt(n)) of iid draws. */
export function estimate(draws: readonly number[]): Estimate {
  if (draws.length === 0) return { mean: Number.NaN, se: Number.NaN };
  const m = mean([...draws]);
  const se = draws.length > 1 ? sampleStandardDeviation([...draws]) / Math.sqrt(draws.length) : Number.NaN;
  return { mean: m, se };
}

/**
 * Ratio of two independent estimates, its standard error by the delta method.
 * Independence holds wherever we use it: numerator and denominator are
 * computed from disjoint random draws.
 */
export function ratio(num: Estimate, den: Estimate): Estimate {
  const value = num.mean / den.mean;
  const relNum = num.mean === 0 ? 0 : num.se / num.mean;
  const relDen = den.se / den.mean;
  // A zero numerator has a ratio of exactly zero only if its se is zero too.
  const se = num.mean === 0 ? num.se / Math.abs(den.mean) : Math.abs(value) * Math.hypot(relNum, relDen);
  return { mean: value, se };
}
