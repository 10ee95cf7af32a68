/**
 * Correlation coefficients with seeded uncertainty: percentile bootstrap
 * intervals and permutation p-values. The coefficients themselves come from
 * simple-statistics; this module only resamples.
 */
import { quantile, sampleCorrelation, sampleRankCorrelation, sampleWithReplacement, shuffle } from 'simple-statistics';
import { createRng } from './random.js';

export type Method = 'pearson' | 'spearman' | 'kendall';
export const METHODS: readonly Method[] = ['pearson', 'spearman', 'kendall'];

/** Pearson's r; NaN when either side has no variance. */
export function pearson(x: readonly number[], y: readonly number[]): number {
  return sampleCorrelation([...x], [...y]);
}

/** Spearman's rho on midranks (ties share the average rank). */
export function spearman(x: readonly number[], y: readonly number[]): number {
  return sampleRankCorrelation([...x], [...y]);
}

/**
 * Kendall's tau-b. No maintained npm package computes it, so we use Daniels'
 * (1944) identity: tau-b is the product-moment correlation of the pairwise
 * sign vectors sgn(x_i - x_j), sgn(y_i - y_j) over ordered pairs i != j.
 * Those vectors are antisymmetric, so their means are 0 and Pearson's r
 * reduces to (C - D) / sqrt((n0 - n1)(n0 - n2)), the tau-b of Kendall (1945)
 * with its tie correction, pairs tied on both sides included.
 */
export function kendall(x: readonly number[], y: readonly number[]): number {
  const sx: number[] = [];
  const sy: number[] = [];
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < x.length; j++) {
      if (i === j) continue;
      sx.push(Math.sign((x[i] ?? Number.NaN) - (x[j] ?? Number.NaN)));
      sy.push(Math.sign((y[i] ?? Number.NaN) - (y[j] ?? Number.NaN)));
    }
  }
  return sampleCorrelation(sx, sy);
}

export const coefficient: Record<Method, (x: readonly number[], y: readonly number[]) => number> = {
  pearson,
  spearman,
  kendall,
};

export interface CorrelationStat {
  /** The coefficient; null when undefined (fewer than 3 points, or no variance). */
  value: number | null;
  /** Percentile bootstrap interval at `level`; null when value is. */
  ci: [number, number] | null;
  /** Two-sided permutation p-value, (extreme + 1) / (permutations + 1). */
  p: number | null;
  n: number;
}

export interface UncertaintyOptions {
  bootstrap: number;
  permutations: number;
  seed: number;
  /** Coverage of the interval, e.g. 0.95. */
  level: number;
}

export const DEFAULT_UNCERTAINTY: UncertaintyOptions = { bootstrap: 2000, permutations: 2000, seed: 0, level: 0.95 };

export function correlate(
  x: readonly number[],
  y: readonly number[],
  method: Method,
  opts: UncertaintyOptions = DEFAULT_UNCERTAINTY,
): CorrelationStat {
  if (x.length !== y.length) throw new Error(`x has ${x.length} values, y has ${y.length}`);
  const n = x.length;
  const f = coefficient[method];
  const value = n >= 3 ? f(x, y) : Number.NaN;
  if (!Number.isFinite(value)) return { value: null, ci: null, p: null, n };
  return {
    value,
    ci: bootstrapInterval(x, y, f, opts),
    p: permutationPValue(x, y, f, value, opts),
    n,
  };
}

function bootstrapInterval(
  x: readonly number[],
  y: readonly number[],
  f: (x: readonly number[], y: readonly number[]) => number,
  opts: UncertaintyOptions,
): [number, number] | null {
  const rng = createRng(opts.seed, 'bootstrap');
  const index = x.map((_, i) => i);
  const values: number[] = [];
  for (let b = 0; b < opts.bootstrap; b++) {
    const pick = sampleWithReplacement(index, index.length, rng);
    const v = f(
      pick.map((i) => x[i] ?? Number.NaN),
      pick.map((i) => y[i] ?? Number.NaN),
    );
    // A resample that repeats one point has no variance; it carries no
    // information about the coefficient and is dropped, as boot::boot.ci does.
    if (Number.isFinite(v)) values.push(v);
  }
  if (values.length < 2) return null;
  const tail = (1 - opts.level) / 2;
  return [quantile(values, tail), quantile(values, 1 - tail)];
}

function permutationPValue(
  x: readonly number[],
  y: readonly number[],
  f: (x: readonly number[], y: readonly number[]) => number,
  observed: number,
  opts: UncertaintyOptions,
): number {
  const rng = createRng(opts.seed, 'permutation');
  let extreme = 0;
  // Compare with a little slack so ties with the observed value count as
  // extreme despite floating-point noise in the recomputation.
  const bar = Math.abs(observed) - 1e-12;
  for (let k = 0; k < opts.permutations; k++) {
    const v = f(x, shuffle([...y], rng));
    if (Number.isFinite(v) && Math.abs(v) >= bar) extreme++;
  }
  // +1 on both sides: the observed labelling is one of the permutations,
  // so the estimate is never 0 (Phipson & Smyth 2010).
  return (extreme + 1) / (opts.permutations + 1);
}
