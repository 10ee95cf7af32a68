/**
 * Correlation of each predictor (misalignment SCE, the paper's metric;
 * misalignment symmetric KL; training loss) with long-context CE, across
 * language models. Everything is in raw nats: CE, SCE, symKL and the
 * training loss all are, so coefficients compare like with like.
 *
 * Seeds of one variant are not independent models: intervals resample whole
 * variants and p-values permute whole variants (analysis/stats/levels.ts),
 * and every statistic states n models and n variants. Tasks differ in
 * entropy, so raw values across tasks would correlate through the task
 * alone: `groups` holds each task on its own (the paper's Table 1 is within
 * one task), and the top-level `correlation` pools tasks only after
 * subtracting each task's mean from every predictor and from longCe (with
 * one task this is the plain within-task coefficient). `unregularized`
 * repeats each task's group over the models trained without the
 * regularizer (α = 0): a model trained to lower the metric moves the
 * metric itself, and the paper's Table 1 correlates models that were not.
 */
import { mean } from 'simple-statistics';
import { METHODS, type Method, type UncertaintyOptions } from '../../analysis/correlation.js';
import type { Cluster } from '../../analysis/stats/clusters.js';
import { modelLevel, variantLevel, type ClusteredStat } from '../../analysis/stats/levels.js';
import { withinVariant, type WithinVariantResult } from '../../analysis/stats/within-variant.js';
import { regularizerEffects, type RegularizerEffect } from './regularizer.js';
import type { LmRow } from './row.js';

export const PREDICTORS = ['misalignment', 'misalignmentSymkl', 'trainLoss'] as const;
export type Predictor = (typeof PREDICTORS)[number];
export const TARGET = 'longCe' as const;

export type PredictorStats = Record<Predictor, Record<Method, ClusteredStat>>;

export interface TaskGroup {
  task: string;
  n: number;
  nVariants: number;
  /** Over models; variants resampled and permuted whole. */
  correlation: PredictorStats;
  /** Over variant means (one point per variant). */
  variantLevel: PredictorStats;
  /** Across the seeds of each variant: misalignment (SCE) against trainLoss (analysis/stats/within-variant.ts). */
  withinVariant: WithinVariantResult;
}

export interface LmCorrelation {
  target: typeof TARGET;
  scale: string;
  pooling: string;
  n: number;
  nVariants: number;
  nTasks: number;
  correlation: PredictorStats;
  variantLevel: PredictorStats;
  groups: TaskGroup[];
  /** Each task's group over its α = 0 models only (tasks with fewer than 3 such variants are left out). */
  unregularized: TaskGroup[];
  regularizer: RegularizerEffect[];
  excluded: { model: string; reason: string }[];
}

export interface CorrelateOptions {
  uncertainty: UncertaintyOptions;
  minSeeds: number;
}

/** Fewer variants than this leave a correlation without a meaningful interval. */
const MIN_VARIANTS = 3;

type Complete = LmRow & Record<Predictor | typeof TARGET, number> & { task: string };

export function correlateLmRows(all: readonly LmRow[], opts: CorrelateOptions): LmCorrelation {
  const sorted = [...all].sort((a, b) => a.model.localeCompare(b.model));
  const excluded: { model: string; reason: string }[] = [];
  const rows: Complete[] = [];
  for (const r of sorted) {
    const needed: (Predictor | typeof TARGET | 'task')[] = [...PREDICTORS, TARGET, 'task'];
    const missing = needed.filter((k) => r[k] === null);
    if (missing.length) excluded.push({ model: r.model, reason: `no ${missing.join(', ')}` });
    else rows.push(r as Complete);
  }
  const tasks = [...new Set(rows.map((r) => r.task))].sort();
  const groups = tasks.map((task) =>
    taskGroup(
      task,
      rows.filter((r) => r.task === task),
      opts,
    ),
  );
  const unregularized = tasks
    .map((task) => rows.filter((r) => r.task === task && r.alpha === 0))
    .filter((rs) => variants(rs).length >= MIN_VARIANTS)
    .map((rs) => taskGroup(rs[0]?.task ?? '', rs, opts));
  const centred = tasks.flatMap((task) => centreTask(rows.filter((r) => r.task === task)));
  return {
    target: TARGET,
    scale: 'raw nats for longCe and every predictor (CE, SCE, symmetric KL and training loss are all nats per token)',
    pooling:
      tasks.length > 1
        ? "correlation and variantLevel pool tasks after subtracting each task's mean from every predictor and from longCe; groups hold each task alone"
        : 'one task: correlation and variantLevel are within that task',
    n: rows.length,
    nVariants: new Set(rows.map((r) => r.variant)).size,
    nTasks: tasks.length,
    correlation: stats(centred, modelLevel, opts.uncertainty),
    variantLevel: stats(centred, variantLevel, opts.uncertainty),
    groups,
    unregularized,
    regularizer: regularizerEffects(sorted, opts.uncertainty.level),
    excluded,
  };
}

function taskGroup(task: string, rows: readonly Complete[], opts: CorrelateOptions): TaskGroup {
  const byVariant = variants(rows);
  return {
    task,
    n: rows.length,
    nVariants: byVariant.length,
    correlation: stats(rows, modelLevel, opts.uncertainty),
    variantLevel: stats(rows, variantLevel, opts.uncertainty),
    withinVariant: withinVariant(
      byVariant.map(([variant, rs]) => ({
        variant,
        misalignment: rs.map((r) => r.misalignment),
        trainLoss: rs.map((r) => r.trainLoss),
        outcome: rs.map((r) => r.longCe),
      })),
      opts.uncertainty,
      opts.minSeeds,
    ),
  };
}

type Level = (clusters: readonly Cluster[], method: Method, u: UncertaintyOptions) => ClusteredStat;

function stats(rows: readonly Complete[], level: Level, u: UncertaintyOptions): PredictorStats {
  const byVariant = variants(rows);
  const one = (p: Predictor): Record<Method, ClusteredStat> => {
    const clusters: Cluster[] = byVariant.map(([id, rs]) => ({
      id,
      x: rs.map((r) => r[p]),
      y: rs.map((r) => r.longCe),
    }));
    return Object.fromEntries(METHODS.map((m) => [m, level(clusters, m, u)])) as Record<Method, ClusteredStat>;
  };
  return Object.fromEntries(PREDICTORS.map((p) => [p, one(p)])) as PredictorStats;
}

/** Rows grouped by variant, variants in first-seen order (rows come sorted by model id). */
function variants(rows: readonly Complete[]): [string, Complete[]][] {
  const m = new Map<string, Complete[]>();
  for (const r of rows) {
    const g = m.get(r.variant);
    if (g) g.push(r);
    else m.set(r.variant, [r]);
  }
  return [...m.entries()];
}

/** The task's rows with its mean subtracted from each predictor and from the target. */
function centreTask(rows: readonly Complete[]): Complete[] {
  const keys = [...PREDICTORS, TARGET] as const;
  const means = Object.fromEntries(keys.map((k) => [k, mean(rows.map((r) => r[k]))])) as Record<
    (typeof keys)[number],
    number
  >;
  return rows.map((r) => ({ ...r, ...Object.fromEntries(keys.map((k) => [k, r[k] - means[k]])) }));
}
