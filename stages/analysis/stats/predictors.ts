/**
 * The quantities the correlation study sets against log10 OOD MSE, each a
 * function of one model's row. The two headline predictors are on the scale
 * of the error: the excess misalignment on the target's fixed scale, and the
 * log10 training loss divided by the target's variance. The others are shown
 * beside them so that every transformation is seen for both.
 */
import type { ModelRow } from '../rows.js';

export const MISALIGNMENT_MEASURES = ['excess', 'excessLog10', 'measured', 'target', 'outputNorm', 'raw'] as const;
export type MisalignmentMeasure = (typeof MISALIGNMENT_MEASURES)[number];

export const LOSS_MEASURES = ['normLog10', 'norm', 'raw', 'rawLog10'] as const;
export type LossMeasure = (typeof LOSS_MEASURES)[number];

export interface PredictorDefinition {
  key: string;
  describe: string;
  value(row: ModelRow): number | null;
}

const log10 = (v: number | null): number | null => (v !== null && v > 0 ? Math.log10(v) : null);

const MISALIGNMENT: Record<MisalignmentMeasure, Omit<PredictorDefinition, 'key'>> = {
  excess: { describe: "excess misalignment / Var[f(l)]: the model's part", value: (r) => r.misalignment },
  excessLog10: { describe: 'log10 of the excess misalignment / Var[f(l)]', value: (r) => log10(r.misalignment) },
  measured: { describe: 'measured misalignment / Var[f(l)] (target + excess)', value: (r) => r.misalignmentMeasured },
  target: {
    describe: "the target's own misalignment / Var[f(l)] (fixed by task and f)",
    value: (r) => r.misalignmentTarget,
  },
  outputNorm: {
    describe: "measured misalignment / the model's own output variance (earlier form)",
    value: (r) => r.misalignmentOutputNorm,
  },
  raw: { describe: 'measured misalignment in f-space units', value: (r) => r.misalignmentRaw },
};

const LOSS: Record<LossMeasure, Omit<PredictorDefinition, 'key'>> = {
  normLog10: {
    describe: 'log10 of the training MSE / Var[f(target)] of the training data',
    value: (r) => log10(r.finalLossNorm),
  },
  norm: { describe: 'training MSE / Var[f(target)] of the training data', value: (r) => r.finalLossNorm },
  raw: { describe: 'training MSE in f-space units (earlier form)', value: (r) => r.finalLoss },
  rawLog10: { describe: 'log10 of the training MSE in f-space units', value: (r) => log10(r.finalLoss) },
};

export function misalignmentPredictor(m: MisalignmentMeasure): PredictorDefinition {
  return { key: `misalignment.${m}`, ...MISALIGNMENT[m] };
}

export function lossPredictor(m: LossMeasure): PredictorDefinition {
  return { key: `trainLoss.${m}`, ...LOSS[m] };
}

/** Every predictor, misalignment first, in a fixed order. */
export function allPredictors(): PredictorDefinition[] {
  return [...MISALIGNMENT_MEASURES.map(misalignmentPredictor), ...LOSS_MEASURES.map(lossPredictor)];
}

export function isMisalignmentMeasure(v: unknown): v is MisalignmentMeasure {
  return (MISALIGNMENT_MEASURES as readonly unknown[]).includes(v);
}

export function isLossMeasure(v: unknown): v is LossMeasure {
  return (LOSS_MEASURES as readonly unknown[]).includes(v);
}
