/**
 * The within-variant test. Across variants, a predictor can correlate with
 * the error only because both depend on the variant (task, target, arch):
 * the target alone fixes much of the misalignment. Within one variant the
 * seeds differ only in initialization and batch order, so a predictor that
 * measures the model, not the variant, must track the error there.
 *
 * Per variant with at least `minSeeds` seeds: the coefficients over its
 * seeds. Pooled: the coefficient of the deviations from each variant's
 * means (x - mean_v x against y - mean_v y), with an interval that resamples
 * variants and a p-value that shuffles outcomes within variants. The two
 * predictors are compared by the difference of their signed coefficients
 * (both should be positive: more misalignment or more loss, more error),
 * with a paired cluster bootstrap interval.
 */
import { mean } from 'simple-statistics';
import { coefficient, METHODS, type Method, type UncertaintyOptions } from '../correlation.js';
import { bootstrapInterval, clusterBootstrapInterval, flatten, withinPermutationP, type Cluster } from './clusters.js';
import type { ClusteredStat, MethodStats } from './levels.js';

/** One variant's seeds: misalignment, training loss and outcome, paired by position. */
export interface VariantSeeds {
  variant: string;
  misalignment: number[];
  trainLoss: number[];
  outcome: number[];
}

export type Verdict = 'misalignment' | 'trainLoss' | 'undecided';

export interface VariantWithin {
  variant: string;
  n: number;
  misalignment: Record<Method, number | null>;
  trainLoss: Record<Method, number | null>;
  /** Which predictor has the larger Pearson r over this variant's seeds (no test: too few seeds). */
  larger: 'misalignment' | 'trainLoss' | 'tie' | null;
}

export interface PooledWithin {
  n: number;
  nVariants: number;
  misalignment: MethodStats;
  trainLoss: MethodStats;
  /** r(misalignment) - r(trainLoss) on the deviations, with a paired cluster bootstrap interval. */
  difference: Record<Method, { value: number | null; ci: [number, number] | null }>;
  /** The predictor whose coefficient is larger with the interval of the difference excluding 0. */
  verdict: Record<Method, Verdict>;
}

export interface WithinVariantResult {
  minSeeds: number;
  variants: VariantWithin[];
  /** Variants where each predictor has the larger Pearson r. */
  larger: { misalignment: number; trainLoss: number; tie: number; undefined: number };
  pooled: PooledWithin;
}

export function withinVariant(all: readonly VariantSeeds[], u: UncertaintyOptions, minSeeds = 3): WithinVariantResult {
  const eligible = all.filter((v) => v.outcome.length >= minSeeds);
  const variants = eligible.map(perVariant);
  const larger = { misalignment: 0, trainLoss: 0, tie: 0, undefined: 0 };
  for (const v of variants) larger[v.larger ?? 'undefined']++;
  return { minSeeds, variants, larger, pooled: pooled(eligible, u) };
}

function perVariant(v: VariantSeeds): VariantWithin {
  const values = (x: number[]): Record<Method, number | null> =>
    Object.fromEntries(METHODS.map((m) => [m, finiteOrNull(coefficient[m](x, v.outcome))])) as Record<
      Method,
      number | null
    >;
  const misalignment = values(v.misalignment);
  const trainLoss = values(v.trainLoss);
  const [a, b] = [misalignment.pearson, trainLoss.pearson];
  const larger = a === null || b === null ? null : a > b ? 'misalignment' : b > a ? 'trainLoss' : 'tie';
  return { variant: v.variant, n: v.outcome.length, misalignment, trainLoss, larger };
}

interface Deviations {
  id: string;
  misalignment: number[];
  trainLoss: number[];
  outcome: number[];
}

function pooled(variants: readonly VariantSeeds[], u: UncertaintyOptions): PooledWithin {
  const devs: Deviations[] = variants.map((v) => ({
    id: v.variant,
    misalignment: centred(v.misalignment),
    trainLoss: centred(v.trainLoss),
    outcome: centred(v.outcome),
  }));
  const n = devs.reduce((a, d) => a + d.outcome.length, 0);
  const stats = (key: 'misalignment' | 'trainLoss'): MethodStats => {
    const clusters: Cluster[] = devs.map((d) => ({ id: d.id, x: d[key], y: d.outcome }));
    return Object.fromEntries(METHODS.map((m) => [m, pooledStat(clusters, m, u, n)])) as MethodStats;
  };
  const misalignment = stats('misalignment');
  const trainLoss = stats('trainLoss');
  const difference = Object.fromEntries(
    METHODS.map((m) => [m, differenceOf(devs, m, u, misalignment[m].value, trainLoss[m].value)]),
  ) as PooledWithin['difference'];
  const verdict = Object.fromEntries(METHODS.map((m) => [m, verdictOf(difference[m].ci)])) as Record<Method, Verdict>;
  return { n, nVariants: devs.length, misalignment, trainLoss, difference, verdict };
}

function pooledStat(clusters: readonly Cluster[], m: Method, u: UncertaintyOptions, n: number): ClusteredStat {
  const f = coefficient[m];
  const onClusters = (cs: readonly Cluster[]): number => {
    const { x, y } = flatten(cs);
    return f(x, y);
  };
  const base = { n, nVariants: clusters.length, level: 'model' as const };
  const value = clusters.length >= 2 ? onClusters(clusters) : Number.NaN;
  if (!Number.isFinite(value)) return { value: null, ci: null, p: null, ...base };
  return {
    value,
    ci: clusterBootstrapInterval(clusters, f, u, 'within-bootstrap'),
    p: withinPermutationP(clusters, onClusters, value, u),
    ...base,
  };
}

function differenceOf(
  devs: readonly Deviations[],
  m: Method,
  u: UncertaintyOptions,
  a: number | null,
  b: number | null,
): { value: number | null; ci: [number, number] | null } {
  if (a === null || b === null) return { value: null, ci: null };
  const f = coefficient[m];
  const diff = (sample: readonly Deviations[]): number => {
    const y = sample.flatMap((d) => d.outcome);
    return (
      f(
        sample.flatMap((d) => d.misalignment),
        y,
      ) -
      f(
        sample.flatMap((d) => d.trainLoss),
        y,
      )
    );
  };
  // The same resamples for both predictors: the interval is of the paired difference.
  return { value: a - b, ci: bootstrapInterval(devs, diff, u, 'within-difference') };
}

function verdictOf(ci: [number, number] | null): Verdict {
  if (ci === null) return 'undecided';
  if (ci[0] > 0) return 'misalignment';
  if (ci[1] < 0) return 'trainLoss';
  return 'undecided';
}

function centred(xs: readonly number[]): number[] {
  const m = mean([...xs]);
  return xs.map((x) => x - m);
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
