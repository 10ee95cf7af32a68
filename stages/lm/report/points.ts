/** One point per trained model for the predictor scatter: what it was and what it scored. */
import type { ModelRecord } from './records.js';
import { text } from './variants.js';

export interface ModelPoint {
  cell: string;
  task: string;
  arch: string;
  alpha: number | string;
  seed: number;
  sce: number | null;
  symkl: number | null;
  trainLoss: number | null;
  longCe: number;
}

export function modelPoints(models: readonly ModelRecord[]): ModelPoint[] {
  return models.map((m) => ({
    cell: m.cell,
    task: m.task,
    arch: text(m.axes.arch ?? 'model'),
    alpha: typeof m.axes.alpha === 'number' ? m.axes.alpha : text(m.axes.alpha ?? 0),
    seed: m.seed,
    sce: m.sce,
    symkl: m.symkl,
    trainLoss: m.trainLoss,
    longCe: m.longCe,
  }));
}
