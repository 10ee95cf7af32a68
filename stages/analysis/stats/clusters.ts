/**
 * Correlation across models that come in clusters (the seeds of one
 * variant). Seeds of one variant share task, target and architecture, so
 * their errors move together: the independent units are the variants, not
 * the models. Intervals therefore resample whole variants (cluster
 * bootstrap, Davison & Hinkley 1997, section 3.8) and p-values permute whole
 * variants, so a variant's seeds travel together under the null.
 */
import { quantile, sampleWithReplacement, shuffle } from 'simple-statistics';
import { createRng } from '../random.js';

/** One variant's models, in a fixed order (by model id); x and y are paired. */
export interface Cluster {
  id: string;
  x: number[];
  y: number[];
}

export type Coefficient = (x: readonly number[], y: readonly number[]) => number;

export interface ResampleOptions {
  /** Cluster bootstrap resamples. */
  bootstrap: number;
  /** Permutations of the test. */
  permutations: number;
  seed: number;
  /** Coverage of the interval, e.g. 0.95. */
  level: number;
}

export function flatten(clusters: readonly Cluster[]): { x: number[]; y: number[] } {
  return { x: clusters.flatMap((c) => c.x), y: clusters.flatMap((c) => c.y) };
}

/**
 * Percentile interval of `f` over resamples that draw as many variants as
 * there are, with replacement, each with all its models.
 */
export function clusterBootstrapInterval(
  clusters: readonly Cluster[],
  f: Coefficient,
  opts: Pick<ResampleOptions, 'bootstrap' | 'seed' | 'level'>,
  stream = 'cluster-bootstrap',
): [number, number] | null {
  return bootstrapInterval(
    clusters,
    (sample) => {
      const { x, y } = flatten(sample);
      return f(x, y);
    },
    opts,
    stream,
  );
}

/**
 * Percentile bootstrap interval of any statistic of independent units (here
 * always variants). A resample whose statistic is undefined (one variant
 * drawn every time) carries no information and is dropped, as
 * boot::boot.ci does.
 */
export function bootstrapInterval<T>(
  units: readonly T[],
  statistic: (sample: readonly T[]) => number,
  opts: Pick<ResampleOptions, 'bootstrap' | 'seed' | 'level'>,
  stream: string,
): [number, number] | null {
  const rng = createRng(opts.seed, stream);
  const values: number[] = [];
  for (let b = 0; b < opts.bootstrap; b++) {
    const v = statistic(sampleWithReplacement([...units], units.length, rng));
    if (Number.isFinite(v)) values.push(v);
  }
  if (values.length < 2) return null;
  const tail = (1 - opts.level) / 2;
  return [quantile(values, tail), quantile(values, 1 - tail)];
}

/**
 * Two-sided p-value of `observed` under the null that a variant's outcomes
 * are exchangeable with another's: the y-blocks are shuffled among variants
 * with the same number of models (only those can be paired model by
 * model), the x-blocks stay. (extreme + 1) / (permutations + 1), as in
 * Phipson & Smyth (2010).
 */
export function clusterPermutationP(
  clusters: readonly Cluster[],
  f: Coefficient,
  observed: number,
  opts: Pick<ResampleOptions, 'permutations' | 'seed'>,
  stream = 'cluster-permutation',
): number {
  const rng = createRng(opts.seed, stream);
  const strata = bySize(clusters);
  const x = clusters.flatMap((c) => c.x);
  const bar = Math.abs(observed) - 1e-12;
  let extreme = 0;
  for (let k = 0; k < opts.permutations; k++) {
    const y: number[][] = clusters.map((c) => c.y);
    for (const members of strata) {
      const moved = shuffle([...members], rng);
      members.forEach((to, i) => (y[to] = clusters[moved[i] as number]?.y ?? []));
    }
    const v = f(x, y.flat());
    if (Number.isFinite(v) && Math.abs(v) >= bar) extreme++;
  }
  return (extreme + 1) / (opts.permutations + 1);
}

/**
 * Two-sided p-value of a pooled within-variant coefficient: y is shuffled
 * inside each variant (the null says that, within a variant, which seed
 * got which outcome is arbitrary). `f` sees the shuffled clusters.
 */
export function withinPermutationP(
  clusters: readonly Cluster[],
  f: (clusters: readonly Cluster[]) => number,
  observed: number,
  opts: Pick<ResampleOptions, 'permutations' | 'seed'>,
): number {
  const rng = createRng(opts.seed, 'within-permutation');
  const bar = Math.abs(observed) - 1e-12;
  let extreme = 0;
  for (let k = 0; k < opts.permutations; k++) {
    const v = f(clusters.map((c) => ({ ...c, y: shuffle([...c.y], rng) })));
    if (Number.isFinite(v) && Math.abs(v) >= bar) extreme++;
  }
  return (extreme + 1) / (opts.permutations + 1);
}

/** Indices of the clusters, grouped by cluster size. */
function bySize(clusters: readonly Cluster[]): number[][] {
  const groups = new Map<number, number[]>();
  clusters.forEach((c, i) => groups.set(c.x.length, [...(groups.get(c.x.length) ?? []), i]));
  return [...groups.values()];
}
