/**
 * Models grouped into variants: every axis but `seed` (within a task). A
 * variant's seeds are not independent models, so every summary here says
 * over how many seeds it was taken and gives the t interval of the mean.
 */
import type { JsonValue } from '../../../src/stage-api.js';
import { summarize, type Summary } from '../../analysis/summary.js';
import { axesKey, type ModelRecord } from './records.js';

export interface CurvePoint {
  position: number;
  /** Over seeds: mean CE and its t-based 95% interval (null with one seed). */
  ce: Summary;
}

export interface LmVariant {
  /** `task` plus the axes but seed, canonical. */
  key: string;
  task: string;
  axes: Record<string, JsonValue>;
  /** Readable name from the axes, e.g. `arch=decoder · pe=rope · alpha=0.3`. */
  label: string;
  seeds: number;
  lTrain: number;
  testLength: number;
  entropyRate: number | null;
  curve: CurvePoint[];
  longCe: Summary | null;
  idCe: Summary | null;
  sce: Summary | null;
  symkl: Summary | null;
  trainLoss: Summary | null;
}

const AXIS_ORDER = ['arch', 'pe', 'alpha', 'lExtraRange', 'divergence', 'overlap'];

export function variantAxes(axes: Record<string, JsonValue>): Record<string, JsonValue> {
  return Object.fromEntries(Object.entries(axes).filter(([k]) => k !== 'seed' && k !== 'task'));
}

export function labelOf(axes: Record<string, JsonValue>): string {
  const keys = Object.keys(axes).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return keys.map((k) => `${k}=${text(axes[k])}`).join(' · ') || 'model';
}

const rank = (k: string): number => (AXIS_ORDER.includes(k) ? AXIS_ORDER.indexOf(k) : AXIS_ORDER.length);
export const text = (v: JsonValue | undefined): string => (typeof v === 'string' ? v : JSON.stringify(v ?? null));

/** Variants in first-seen order (the pipeline's matrix order), each with its seeds' summaries. */
export function groupVariants(models: readonly ModelRecord[]): LmVariant[] {
  const groups = new Map<string, ModelRecord[]>();
  for (const m of models) {
    const key = `${m.task}|${axesKey(variantAxes(m.axes))}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  return [...groups].map(([key, ms]) => toVariant(key, ms));
}

function toVariant(key: string, ms: ModelRecord[]): LmVariant {
  const first = ms[0] as ModelRecord;
  const axes = variantAxes(first.axes);
  const values = (pick: (m: ModelRecord) => number | null): number[] =>
    ms.map(pick).filter((v): v is number => v !== null);
  return {
    key,
    task: first.task,
    axes,
    label: labelOf(axes),
    seeds: ms.length,
    lTrain: first.lTrain,
    testLength: first.testLength,
    entropyRate: first.entropyRate,
    curve: meanCurve(ms),
    longCe: summarize(ms.map((m) => m.longCe)),
    idCe: summarize(ms.map((m) => m.idCe)),
    sce: summarize(values((m) => m.sce)),
    symkl: summarize(values((m) => m.symkl)),
    trainLoss: summarize(values((m) => m.trainLoss)),
  };
}

/** Per position, the mean CE over the seeds that evaluated it. */
export function meanCurve(ms: readonly ModelRecord[]): CurvePoint[] {
  const byPosition = new Map<number, number[]>();
  for (const m of ms) {
    for (const p of m.perPosition) {
      const ces = byPosition.get(p.position);
      if (ces) ces.push(p.ce);
      else byPosition.set(p.position, [p.ce]);
    }
  }
  return [...byPosition]
    .sort(([a], [b]) => a - b)
    .flatMap(([position, ces]) => {
      const ce = summarize(ces);
      return ce ? [{ position, ce }] : [];
    });
}

/** Tasks in first-seen order. */
export function tasksOf(items: readonly { task: string }[]): string[] {
  return [...new Set(items.map((i) => i.task))];
}
