/**
 * Short names for the correlation study's predictors, as the report's
 * tables, captions and findings print them. The headline misalignment is
 * the model's excess over its target's own misalignment, scaled by the
 * target's variance Var f(l): a fixed scale, not the model's own output.
 */
import type { LossMeasure, MisalignmentMeasure } from '../correlate-rows.js';

const MISALIGNMENT: Record<MisalignmentMeasure, string> = {
  excess: 'excess misalignment (scaled by Var f(l))',
  excessLog10: 'log10 excess misalignment (scaled by Var f(l))',
  measured: 'measured misalignment (scaled by Var f(l))',
  target: "target's own misalignment (scaled by Var f(l))",
  outputNorm: "misalignment / the model's output variance",
  raw: 'raw misalignment (f-space units)',
};

const LOSS: Record<LossMeasure, string> = {
  normLog10: 'log10 normalized training loss',
  norm: 'normalized training loss',
  raw: 'raw training loss (f-space)',
  rawLog10: 'log10 raw training loss (f-space)',
};

export const misalignmentLabel = (m: MisalignmentMeasure): string => MISALIGNMENT[m];
export const lossLabel = (m: LossMeasure): string => LOSS[m];

/** The label of a `predictors` key such as `misalignment.excess` or `trainLoss.normLog10`. */
export function predictorLabel(key: string): string {
  const [kind, measure] = key.split('.');
  if (kind === 'misalignment' && measure && measure in MISALIGNMENT)
    return MISALIGNMENT[measure as MisalignmentMeasure];
  if (kind === 'trainLoss' && measure && measure in LOSS) return LOSS[measure as LossMeasure];
  return key;
}
