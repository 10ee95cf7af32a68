/**
 * The correlation study (paper notes section 4): does long-short misalignment
 * predict out-of-distribution error better than the training loss does?
 * Both predictors are scored on the same rows, against log10 of OOD MSE, at
 * two levels (models, with variants resampled; variant means), and within
 * variants, the one comparison the target cannot decide (stats/within-variant.ts).
 */
import { METHODS, type UncertaintyOptions } from './correlation.js';
import { str } from './artifacts.js';
import type { ModelRow } from './rows.js';
import type { Cluster } from './stats/clusters.js';
import { levelStats, modelLevel, type MethodStats } from './stats/levels.js';
import {
  allPredictors,
  lossPredictor,
  misalignmentPredictor,
  type LossMeasure,
  type MisalignmentMeasure,
  type PredictorDefinition,
} from './stats/predictors.js';
import { withinVariant, type WithinVariantResult } from './stats/within-variant.js';

export type { MisalignmentMeasure, LossMeasure };
export const PREDICTORS = ['misalignment', 'trainLoss'] as const;
export type PredictorName = (typeof PREDICTORS)[number];

/** Pearson, Spearman and Kendall of one predictor; each states n models and n variants. */
export type PredictorCorrelation = MethodStats;

export interface GroupCorrelation {
  by: string;
  value: string;
  n: number;
  nVariants: number;
  misalignment: PredictorCorrelation;
  trainLoss: PredictorCorrelation;
}

/** One predictor at both levels. */
export interface PredictorResult {
  key: string;
  describe: string;
  n: number;
  nVariants: number;
  model: PredictorCorrelation;
  variant: PredictorCorrelation;
}

export interface CorrelationResult {
  target: 'log10(oodMse)';
  /** What `misalignment` holds (misalignment.<measure> in `predictors`). */
  misalignmentMeasure: MisalignmentMeasure;
  /** What `trainLoss` holds (trainLoss.<measure> in `predictors`). */
  trainLossMeasure: LossMeasure;
  uncertainty: UncertaintyOptions & { resampling: 'variant' };
  n: number;
  nVariants: number;
  excluded: { model: string; reason: string }[];
  /** The headline misalignment over models (variants resampled). */
  misalignment: PredictorCorrelation;
  /** The headline training loss over models (variants resampled). */
  trainLoss: PredictorCorrelation;
  /** Both over variant means. */
  variantLevel: { n: number; nVariants: number; misalignment: PredictorCorrelation; trainLoss: PredictorCorrelation };
  /** Every transformation of both, side by side. */
  predictors: PredictorResult[];
  withinVariant: WithinVariantResult;
  groups: GroupCorrelation[];
  rows: ModelRow[];
}

/**
 * A correlation.json as the report reads it back: files written by earlier
 * correlate stages lack the variant-level, per-predictor and within-variant parts.
 */
export type StoredCorrelation = Omit<CorrelationResult, 'variantLevel' | 'predictors' | 'withinVariant'> &
  Partial<Pick<CorrelationResult, 'variantLevel' | 'predictors' | 'withinVariant'>>;

export interface CorrelateOptions {
  measure: MisalignmentMeasure;
  lossMeasure: LossMeasure;
  groupBy: readonly string[];
  uncertainty: UncertaintyOptions;
  /** Seeds a variant needs to enter the within-variant test (default 3). */
  minSeeds?: number;
}

interface Point {
  row: ModelRow;
  misalignment: number;
  trainLoss: number;
  logOod: number;
}

export function correlateRows(rows: readonly ModelRow[], opts: CorrelateOptions): CorrelationResult {
  const sorted = [...rows].sort((a, b) => a.model.localeCompare(b.model));
  const mis = misalignmentPredictor(opts.measure);
  const loss = lossPredictor(opts.lossMeasure);
  const points: Point[] = [];
  const excluded: CorrelationResult['excluded'] = [];
  for (const row of sorted) {
    const p = toPoint(row, mis, loss);
    if (typeof p === 'string') excluded.push({ model: row.model, reason: p });
    else points.push(p);
  }
  const u = opts.uncertainty;
  const headline = {
    misalignment: levelStats(
      clustersOf(points, (p) => p.misalignment),
      u,
    ),
    trainLoss: levelStats(
      clustersOf(points, (p) => p.trainLoss),
      u,
    ),
  };
  const nVariants = new Set(points.map((p) => p.row.variant)).size;
  return {
    target: 'log10(oodMse)',
    misalignmentMeasure: opts.measure,
    trainLossMeasure: opts.lossMeasure,
    uncertainty: { ...u, resampling: 'variant' },
    n: points.length,
    nVariants,
    excluded,
    misalignment: headline.misalignment.model,
    trainLoss: headline.trainLoss.model,
    variantLevel: {
      n: points.length,
      nVariants,
      misalignment: headline.misalignment.variant,
      trainLoss: headline.trainLoss.variant,
    },
    predictors: allPredictors().map((d) => predictorResult(points, d, u)),
    withinVariant: withinVariant(seedsOf(points), u, opts.minSeeds ?? 3),
    groups: groupCorrelations(points, opts),
    rows: sorted,
  };
}

function toPoint(row: ModelRow, mis: PredictorDefinition, loss: PredictorDefinition): Point | string {
  const m = mis.value(row);
  const l = loss.value(row);
  if (m === null || !Number.isFinite(m)) return `no ${mis.key}`;
  if (l === null || !Number.isFinite(l)) return `no ${loss.key}`;
  if (row.oodMse === null) return 'no OOD MSE';
  // log of a non-positive error is undefined; such a row is a bug upstream.
  if (!(row.oodMse > 0)) return `OOD MSE ${row.oodMse} is not positive`;
  return { row, misalignment: m, trainLoss: l, logOod: Math.log10(row.oodMse) };
}

/** The points grouped by variant (sorted by key), models in id order inside. */
function clustersOf(points: readonly Point[], x: (p: Point) => number | null): Cluster[] {
  const byVariant = new Map<string, Cluster>();
  for (const p of points) {
    const v = x(p);
    if (v === null || !Number.isFinite(v)) continue;
    const c = byVariant.get(p.row.variant) ?? { id: p.row.variant, x: [], y: [] };
    c.x.push(v);
    c.y.push(p.logOod);
    byVariant.set(p.row.variant, c);
  }
  return [...byVariant.values()].sort((a, b) => a.id.localeCompare(b.id));
}

function predictorResult(points: readonly Point[], d: PredictorDefinition, u: UncertaintyOptions): PredictorResult {
  const clusters = clustersOf(points, (p) => d.value(p.row));
  const stats = levelStats(clusters, u);
  const n = clusters.reduce((a, c) => a + c.x.length, 0);
  return { key: d.key, describe: d.describe, n, nVariants: clusters.length, ...stats };
}

function seedsOf(points: readonly Point[]): Parameters<typeof withinVariant>[0] {
  const mis = clustersOf(points, (p) => p.misalignment);
  const loss = new Map(clustersOf(points, (p) => p.trainLoss).map((c) => [c.id, c.x]));
  return mis.map((c) => ({ variant: c.id, misalignment: c.x, trainLoss: loss.get(c.id) ?? [], outcome: c.y }));
}

function groupCorrelations(points: readonly Point[], opts: CorrelateOptions): GroupCorrelation[] {
  const out: GroupCorrelation[] = [];
  for (const by of opts.groupBy) {
    const groups = new Map<string, Point[]>();
    for (const p of points) {
      const v = groupValue(p.row, by);
      if (v === null) continue;
      groups.set(v, [...(groups.get(v) ?? []), p]);
    }
    // A single group repeats the overall numbers; say nothing new, so skip.
    if (groups.size < 2) continue;
    for (const [value, members] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
      const mis = clustersOf(members, (p) => p.misalignment);
      out.push({
        by,
        value,
        n: members.length,
        nVariants: mis.length,
        misalignment: modelStats(mis, opts.uncertainty),
        trainLoss: modelStats(
          clustersOf(members, (p) => p.trainLoss),
          opts.uncertainty,
        ),
      });
    }
  }
  return out;
}

function groupValue(row: ModelRow, by: string): string | null {
  const known: Record<string, string | null> = { task: row.task, f: row.f, arch: row.arch, pe: row.pe };
  return by in known ? (known[by] ?? null) : str(row.axes[by]);
}

function modelStats(clusters: readonly Cluster[], u: UncertaintyOptions): PredictorCorrelation {
  return Object.fromEntries(METHODS.map((m) => [m, modelLevel(clusters, m, u)])) as PredictorCorrelation;
}
