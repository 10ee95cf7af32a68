/**
 * Evaluation results grouped into variants (every axis but the seed), with
 * per-length curves summarised over seeds. This is what the report plots and
 * what its findings compare.
 */
import { max, mean, min, sampleStandardDeviation } from 'simple-statistics';
import type { InputArtifact, JsonObject, JsonValue } from '../../src/stage-api.js';
import { at, num, str } from './artifacts.js';
import { variantKey, variantLabel, withTaskAndF } from './rows.js';
import { summarize, summarizeLog, type Summary } from './summary.js';
import { compressionRank } from './targets.js';
import { valueText } from '../../src/util/value-text.js';

export interface LengthPoint {
  length: number;
  mse: number;
  baselineMse: number | null;
}

export interface EvalRecord {
  cell: string;
  axes: Record<string, JsonValue>;
  variant: string;
  task: string | null;
  seed: number | null;
  perLength: LengthPoint[];
  idMse: number | null;
  oodMse: number | null;
  horizon: number | null;
  trainLengthMax: number | null;
}

export function parseEval(artifact: InputArtifact, json: JsonObject): EvalRecord {
  // A pipeline may fix task or f as a static param instead of an axis; the
  // evaluate stage also records them in its summary. Only these two are
  // filled in, exactly as rows.ts does, so both sides key variants alike.
  const field = (k: string): string | null => str(artifact.params[k] ?? at(json, 'summary', k));
  const axes = withTaskAndF(artifact.axes, field('task'), field('f'));
  const perLength = Array.isArray(json.perLength) ? json.perLength : [];
  return {
    cell: artifact.cell,
    axes,
    variant: variantKey(axes),
    task: str(axes.task),
    seed: num(axes.seed ?? artifact.params.seed),
    perLength: perLength
      .map((p) => ({ length: num(at(p, 'length')), mse: num(at(p, 'mse')), baselineMse: num(at(p, 'baselineMse')) }))
      .filter((p): p is LengthPoint => p.length !== null && p.mse !== null)
      .sort((a, b) => a.length - b.length),
    idMse: num(at(json, 'summary', 'idMse')),
    oodMse: num(at(json, 'summary', 'oodMse')),
    horizon: num(at(json, 'summary', 'horizon')),
    trainLengthMax: num(at(json, 'summary', 'trainLengthMax')),
  };
}

export interface CurvePoint {
  length: number;
  mean: number;
  min: number;
  max: number;
  /** Standard error over seeds; null with one seed. */
  se: number | null;
  /** Geometric mean over seeds and its t-based 95% interval (in log10 space). */
  geo: Summary;
  baseline: number | null;
}

export interface Variant {
  variant: string;
  /** Legend label without the task (plots are split by task). */
  label: string;
  axes: Record<string, JsonValue>;
  task: string | null;
  seeds: number;
  curve: CurvePoint[];
  /** Means over seeds of the evaluate summaries. */
  idMse: number | null;
  oodMse: number | null;
  /** Per-seed OOD MSE, for dot plots. */
  oodBySeed: number[];
  /** n, mean, standard deviation and t-based 95% interval over seeds. */
  idSummary: Summary | null;
  oodSummary: Summary | null;
  /** The same in log10 space: geometric mean and its interval, which stays positive. */
  oodLogSummary: Summary | null;
  horizon: number | null;
  /** Constant-predictor MSE averaged over the OOD lengths (> trainLengthMax). */
  baselineOod: number | null;
  trainLengthMax: number | null;
}

export function groupVariants(records: readonly EvalRecord[]): Variant[] {
  const byKey = new Map<string, EvalRecord[]>();
  for (const r of records) byKey.set(r.variant, [...(byKey.get(r.variant) ?? []), r]);
  return sortVariants([...byKey.values()].map(summarise));
}

/**
 * Task first (mean, then length), then axis by axis: f by how strongly it
 * compresses long lengths (x³ … x, √x, log x, 1/√x), every other axis in the
 * order its values first appear among the inputs (the pipeline's matrix
 * order), so tables and legends read as the study was designed.
 */
export function sortVariants<T extends { axes: Record<string, JsonValue>; variant: string }>(
  variants: readonly T[],
): T[] {
  const firstSeen = new Map<string, Map<string, number>>();
  for (const v of variants) {
    for (const [k, value] of Object.entries(v.axes)) {
      const seen = firstSeen.get(k) ?? new Map<string, number>();
      const text = JSON.stringify(value);
      if (!seen.has(text)) seen.set(text, seen.size);
      firstSeen.set(k, seen);
    }
  }
  const keys = ['task', 'f', ...[...firstSeen.keys()].filter((k) => k !== 'task' && k !== 'f').sort()];
  const rankOf = (v: T, k: string): number => {
    const value = v.axes[k];
    if (k === 'task') return TASKS.includes(valueText(value)) ? TASKS.indexOf(valueText(value)) : TASKS.length;
    if (k === 'f') return compressionRank(typeof value === 'string' ? value : null);
    return firstSeen.get(k)?.get(JSON.stringify(value)) ?? Number.MAX_SAFE_INTEGER;
  };
  return [...variants].sort((a, b) => {
    for (const k of keys) {
      const d = rankOf(a, k) - rankOf(b, k);
      if (d !== 0) return d;
    }
    return a.variant.localeCompare(b.variant);
  });
}

const TASKS = ['mean', 'length'];

function summarise(records: EvalRecord[]): Variant {
  const first = records[0] as EvalRecord;
  const trainLengthMax = meanOf(records.map((r) => r.trainLengthMax));
  const curve = curveOf(records);
  const ood = curve.filter((p) => trainLengthMax !== null && p.length > trainLengthMax);
  return {
    variant: first.variant,
    label: variantLabel(first.axes, ['task']),
    axes: Object.fromEntries(Object.entries(first.axes).filter(([k]) => k !== 'seed')),
    task: first.task,
    seeds: records.length,
    curve,
    idMse: meanOf(records.map((r) => r.idMse)),
    oodMse: meanOf(records.map((r) => r.oodMse)),
    oodBySeed: records.map((r) => r.oodMse).filter((v): v is number => v !== null),
    idSummary: summarize(records.flatMap((r) => (r.idMse === null ? [] : [r.idMse]))),
    oodSummary: summarize(records.flatMap((r) => (r.oodMse === null ? [] : [r.oodMse]))),
    oodLogSummary: summarizeLog(records.flatMap((r) => (r.oodMse === null ? [] : [r.oodMse]))),
    horizon: meanOf(records.map((r) => r.horizon)),
    baselineOod: meanOf(ood.map((p) => p.baseline)),
    trainLengthMax,
  };
}

function curveOf(records: readonly EvalRecord[]): CurvePoint[] {
  const byLength = new Map<number, LengthPoint[]>();
  for (const r of records) for (const p of r.perLength) byLength.set(p.length, [...(byLength.get(p.length) ?? []), p]);
  return [...byLength]
    .sort(([a], [b]) => a - b)
    .map(([length, points]) => {
      const mse = points.map((p) => p.mse);
      return {
        length,
        mean: mean(mse),
        min: min(mse),
        max: max(mse),
        se: mse.length > 1 ? sampleStandardDeviation(mse) / Math.sqrt(mse.length) : null,
        geo: summarizeLog(mse) ?? { n: mse.length, mean: 0, sd: null, ci: null },
        baseline: meanOf(points.map((p) => p.baselineMse)),
      };
    });
}

export function meanOf(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length > 0 ? mean(present) : null;
}
