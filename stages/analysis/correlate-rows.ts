/**
 * The correlation study (paper notes section 4): does long-short misalignment
 * predict out-of-distribution error better than the training loss does?
 * Both predictors are scored on the same rows, against log10 of OOD MSE.
 */
import { correlate, METHODS, type CorrelationStat, type Method, type UncertaintyOptions } from './correlation.js';
import { str } from './artifacts.js';
import type { ModelRow } from './rows.js';

export type MisalignmentMeasure = 'normalized' | 'raw';
export const PREDICTORS = ['misalignment', 'trainLoss'] as const;
export type PredictorName = (typeof PREDICTORS)[number];

export type PredictorCorrelation = Record<Method, CorrelationStat>;

export interface GroupCorrelation {
  by: string;
  value: string;
  n: number;
  misalignment: PredictorCorrelation;
  trainLoss: PredictorCorrelation;
}

export interface CorrelationResult {
  target: 'log10(oodMse)';
  misalignmentMeasure: MisalignmentMeasure;
  uncertainty: UncertaintyOptions;
  n: number;
  excluded: { model: string; reason: string }[];
  misalignment: PredictorCorrelation;
  trainLoss: PredictorCorrelation;
  groups: GroupCorrelation[];
  rows: ModelRow[];
}

export interface CorrelateOptions {
  measure: MisalignmentMeasure;
  groupBy: readonly string[];
  uncertainty: UncertaintyOptions;
}

interface Point {
  row: ModelRow;
  misalignment: number;
  trainLoss: number;
  logOod: number;
}

export function correlateRows(rows: readonly ModelRow[], opts: CorrelateOptions): CorrelationResult {
  const sorted = [...rows].sort((a, b) => a.model.localeCompare(b.model));
  const points: Point[] = [];
  const excluded: CorrelationResult['excluded'] = [];
  for (const row of sorted) {
    const p = toPoint(row, opts.measure);
    if (typeof p === 'string') excluded.push({ model: row.model, reason: p });
    else points.push(p);
  }
  const whole = scorePoints(points, opts.uncertainty);
  return {
    target: 'log10(oodMse)',
    misalignmentMeasure: opts.measure,
    uncertainty: opts.uncertainty,
    n: points.length,
    excluded,
    ...whole,
    groups: groupCorrelations(points, opts),
    rows: sorted,
  };
}

function toPoint(row: ModelRow, measure: MisalignmentMeasure): Point | string {
  const m = measure === 'normalized' ? row.misalignment : row.misalignmentRaw;
  if (m === null) return `no ${measure} misalignment`;
  if (row.finalLoss === null) return 'no final training loss';
  if (row.oodMse === null) return 'no OOD MSE';
  // log of a non-positive error is undefined; such a row is a bug upstream.
  if (!(row.oodMse > 0)) return `OOD MSE ${row.oodMse} is not positive`;
  return { row, misalignment: m, trainLoss: row.finalLoss, logOod: Math.log10(row.oodMse) };
}

function scorePoints(points: readonly Point[], u: UncertaintyOptions): Record<PredictorName, PredictorCorrelation> {
  const y = points.map((p) => p.logOod);
  const score = (x: number[]): PredictorCorrelation =>
    Object.fromEntries(METHODS.map((m) => [m, correlate(x, y, m, u)])) as PredictorCorrelation;
  return {
    misalignment: score(points.map((p) => p.misalignment)),
    trainLoss: score(points.map((p) => p.trainLoss)),
  };
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
      out.push({ by, value, n: members.length, ...scorePoints(members, opts.uncertainty) });
    }
  }
  return out;
}

function groupValue(row: ModelRow, by: string): string | null {
  const known: Record<string, string | null> = { task: row.task, f: row.f, arch: row.arch, pe: row.pe };
  return by in known ? (known[by] ?? null) : str(row.axes[by]);
}
