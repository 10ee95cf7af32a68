/**
 * A predictor's correlation with the outcome at two levels: over models
 * (every seed a point, uncertainty from whole variants) and over variants
 * (one point per variant, the mean over its seeds). Both state how many
 * models and how many variants they rest on.
 */
import { mean } from 'simple-statistics';
import {
  coefficient,
  correlate,
  METHODS,
  type CorrelationStat,
  type Method,
  type UncertaintyOptions,
} from '../correlation.js';
import { clusterBootstrapInterval, clusterPermutationP, flatten, type Cluster } from './clusters.js';

export interface ClusteredStat extends CorrelationStat {
  /** Number of variants (clusters) behind the `n` points. */
  nVariants: number;
  /** Models: models are points, variants are resampled. Variants: variant means are points. */
  level: 'model' | 'variant';
}

export type MethodStats = Record<Method, ClusteredStat>;

export interface LevelStats {
  model: MethodStats;
  variant: MethodStats;
}

/** Coefficient over all models; cluster bootstrap interval and variant-permutation p. */
export function modelLevel(clusters: readonly Cluster[], method: Method, u: UncertaintyOptions): ClusteredStat {
  const { x, y } = flatten(clusters);
  const base = { n: x.length, nVariants: clusters.length, level: 'model' as const };
  const f = coefficient[method];
  const value = x.length >= 3 && clusters.length >= 2 ? f(x, y) : Number.NaN;
  if (!Number.isFinite(value)) return { value: null, ci: null, p: null, ...base };
  return {
    value,
    ci: clusterBootstrapInterval(clusters, f, u),
    p: clusterPermutationP(clusters, f, value, u),
    ...base,
  };
}

/** Coefficient over variant means; variants are independent, so the ordinary resampling applies. */
export function variantLevel(clusters: readonly Cluster[], method: Method, u: UncertaintyOptions): ClusteredStat {
  const means = clusterMeans(clusters);
  const n = clusters.reduce((a, c) => a + c.x.length, 0);
  const stat = correlate(means.x, means.y, method, u);
  return { ...stat, n, nVariants: clusters.length, level: 'variant' };
}

export function levelStats(clusters: readonly Cluster[], u: UncertaintyOptions): LevelStats {
  const each = (g: typeof modelLevel): MethodStats =>
    Object.fromEntries(METHODS.map((m) => [m, g(clusters, m, u)])) as MethodStats;
  return { model: each(modelLevel), variant: each(variantLevel) };
}

export function clusterMeans(clusters: readonly Cluster[]): { x: number[]; y: number[] } {
  return { x: clusters.map((c) => mean(c.x)), y: clusters.map((c) => mean(c.y)) };
}
