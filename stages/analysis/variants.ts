/**
 * Evaluation results grouped into variants (every axis but the seed), with
 * per-length curves summarised over seeds. This is what the report plots and
 * what its findings compare.
 */
import { max, mean, min, sampleStandardDeviation } from 'simple-statistics';
import type { InputArtifact, JsonObject, JsonValue } from '../../src/stage-api.js';
import { at, num, str } from './artifacts.js';
import { variantKey, variantLabel, withTaskAndF } from './rows.js';

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
  horizon: number | null;
  /** Constant-predictor MSE averaged over the OOD lengths (> trainLengthMax). */
  baselineOod: number | null;
  trainLengthMax: number | null;
}

export function groupVariants(records: readonly EvalRecord[]): Variant[] {
  const byKey = new Map<string, EvalRecord[]>();
  for (const r of records) byKey.set(r.variant, [...(byKey.get(r.variant) ?? []), r]);
  return [...byKey.values()].map(summarise).sort((a, b) => a.variant.localeCompare(b.variant));
}

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
        baseline: meanOf(points.map((p) => p.baselineMse)),
      };
    });
}

export function meanOf(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length > 0 ? mean(present) : null;
}
