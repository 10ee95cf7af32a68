/**
 * What the report reads from train cells: each model's loss curve (train.json
 * `lossCurve`, f-space MSE by step) and the runtime facts its numbers were
 * computed under (backend, tfjs version). Both are part of the train cell's
 * output, so a report built from them is a function of its inputs.
 */
import type { InputArtifact, JsonObject, JsonValue } from '../../src/stage-api.js';
import { at, num, str } from './artifacts.js';
import { variantKey, variantLabel, withTaskAndF } from './rows.js';
import { summarizeLog, type Summary } from './summary.js';

export interface TrainRecord {
  cell: string;
  axes: Record<string, JsonValue>;
  variant: string;
  seed: number | null;
  lossCurve: { step: number; loss: number }[];
  backend: string | null;
  tfjsVersion: string | null;
  paramCount: number | null;
}

export function parseTrain(artifact: InputArtifact, json: JsonObject): TrainRecord {
  const axes = withTaskAndF(artifact.axes, str(artifact.params.task), str(artifact.params.f));
  const curve = Array.isArray(json.lossCurve) ? json.lossCurve : [];
  return {
    cell: artifact.cell,
    axes,
    variant: variantKey(axes),
    seed: num(axes.seed ?? artifact.params.seed),
    lossCurve: curve
      .map((p) => ({ step: num(at(p, 'step')), loss: num(at(p, 'loss')) }))
      .filter((p): p is { step: number; loss: number } => p.step !== null && p.loss !== null && p.loss > 0),
    backend: str(json.backend),
    tfjsVersion: str(json.tfjsVersion),
    paramCount: num(json.paramCount),
  };
}

export interface LossCurve {
  variant: string;
  label: string;
  axes: Record<string, JsonValue>;
  seeds: number;
  /** Per step: geometric mean over seeds and its t-based 95% interval. */
  points: { step: number; loss: Summary }[];
}

/** One curve per variant: seeds aligned by step. */
export function lossCurves(records: readonly TrainRecord[]): LossCurve[] {
  const byVariant = new Map<string, TrainRecord[]>();
  for (const r of records) byVariant.set(r.variant, [...(byVariant.get(r.variant) ?? []), r]);
  return [...byVariant.values()].map((rs) => {
    const first = rs[0] as TrainRecord;
    const byStep = new Map<number, number[]>();
    for (const r of rs) for (const p of r.lossCurve) byStep.set(p.step, [...(byStep.get(p.step) ?? []), p.loss]);
    const points = [...byStep]
      .sort(([a], [b]) => a - b)
      .flatMap(([step, losses]) => {
        const loss = summarizeLog(losses);
        return loss === null ? [] : [{ step, loss }];
      });
    const axes = Object.fromEntries(Object.entries(first.axes).filter(([k]) => k !== 'seed'));
    return { variant: first.variant, label: variantLabel(first.axes, ['task']), axes, seeds: rs.length, points };
  });
}

/** Distinct values of a runtime fact across the train cells, e.g. backend: ['wasm']. */
export function runtimeFactsOf(records: readonly TrainRecord[]): {
  backends: string[];
  tfjs: string[];
  models: number;
} {
  const distinct = (xs: (string | null)[]): string[] => [...new Set(xs.filter((x): x is string => x !== null))].sort();
  return {
    backends: distinct(records.map((r) => r.backend)),
    tfjs: distinct(records.map((r) => r.tfjsVersion)),
    models: records.length,
  };
}
