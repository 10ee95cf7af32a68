/**
 * The lm-correlate cell's correlation.json as the report reads it: each
 * predictor's Pearson, Spearman and Kendall coefficient with its interval,
 * p, and how many models and variants it rests on; pooled and per task.
 */
import type { JsonObject, JsonValue } from '../../../src/stage-api.js';
import { at, num, str } from '../../analysis/artifacts.js';
import { parseRegularizer, type RegularizerEffect } from './regularizer.js';

export const METHODS = ['pearson', 'spearman', 'kendall'] as const;
export type Method = (typeof METHODS)[number];

export interface LmStat {
  value: number | null;
  ci: [number, number] | null;
  p: number | null;
  n: number | null;
  nVariants: number | null;
}

export type PredictorStats = Record<Method, LmStat>;

export interface CorrelationGroup {
  task: string;
  n: number | null;
  nVariants: number | null;
  /** By predictor key: `misalignment` (SCE), `trainLoss`, and any other the correlate stage scored (e.g. `symkl`). */
  predictors: Record<string, PredictorStats>;
}

export interface LmCorrelation {
  /** The cell it came from. */
  cell: string;
  target: string;
  n: number | null;
  nVariants: number | null;
  pooled: Record<string, PredictorStats>;
  groups: CorrelationGroup[];
  /** The same over each task's models trained without the regularizer (α = 0). */
  unregularized: CorrelationGroup[];
  /** The regularizer's effect per family and α > 0 setting. */
  regularizer: RegularizerEffect[];
  /** The file as written, carried into report.json. */
  raw: JsonObject;
}

/** Parses correlation.json; misalignment and trainLoss with all three methods are required. */
export function parseCorrelation(cell: string, json: JsonObject): LmCorrelation {
  const pooled = predictorsOf(at(json, 'correlation'));
  for (const key of ['misalignment', 'trainLoss']) {
    if (!pooled[key])
      throw new Error(
        `${cell}: correlation.json lacks correlation.${key}.{pearson,spearman,kendall}; was it written by lm-correlate?`,
      );
  }
  const groups = Array.isArray(json.groups) ? json.groups.flatMap((g) => groupOf(g)) : [];
  const unregularized = Array.isArray(json.unregularized)
    ? json.unregularized.flatMap((g) => groupOf(g)).map((g) => ({ ...g, task: `${g.task}, α = 0 models` }))
    : [];
  const task = groups[0]?.task ?? 'task';
  return {
    cell,
    target: str(at(json, 'target')) ?? 'longCe',
    n: num(at(json, 'n')),
    nVariants: num(at(json, 'nVariants')),
    pooled,
    groups,
    unregularized,
    regularizer: parseRegularizer(json.regularizer, task),
    raw: json,
  };
}

function groupOf(g: JsonValue): CorrelationGroup[] {
  const task = str(at(g, 'task')) ?? str(at(g, 'value')) ?? str(at(g, 'name'));
  if (task === null) return [];
  const inner = at(g, 'correlation');
  const predictors = predictorsOf(inner !== undefined ? inner : g);
  return [{ task, n: num(at(g, 'n')), nVariants: num(at(g, 'nVariants')), predictors }];
}

/** Every key of `obj` whose value holds all three methods. */
function predictorsOf(obj: JsonValue | undefined): Record<string, PredictorStats> {
  if (obj === null || obj === undefined || typeof obj !== 'object' || Array.isArray(obj)) return {};
  const out: Record<string, PredictorStats> = {};
  for (const [key, value] of Object.entries(obj)) {
    const stats = METHODS.map((m) => statOf(at(value, m)));
    if (stats.every((s) => s !== null))
      out[key] = Object.fromEntries(METHODS.map((m, i) => [m, stats[i]])) as PredictorStats;
  }
  return out;
}

function statOf(v: JsonValue | undefined): LmStat | null {
  if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v) || !('value' in v)) return null;
  const ci = at(v, 'ci');
  const pair =
    Array.isArray(ci) && ci.length === 2 && ci.every((c) => typeof c === 'number') ? (ci as [number, number]) : null;
  return {
    value: num(at(v, 'value')),
    ci: pair,
    p: num(at(v, 'p')),
    n: num(at(v, 'n')),
    nVariants: num(at(v, 'nVariants')),
  };
}

/** The per-task view: the correlate stage's groups, or the whole cell as one task when it has none. */
export function byTask(c: LmCorrelation, fallbackTask: string): CorrelationGroup[] {
  if (c.groups.length > 0) return c.groups;
  return [{ task: fallbackTask, n: c.n, nVariants: c.nVariants, predictors: c.pooled }];
}
