/**
 * Length-generalisation metrics of a trained model on the test split.
 *
 * eval.json:
 *   perLength: [{ length, count, mse, mseF, baselineMse }]
 *     mse          mean squared error in the original target space (after f^-1)
 *     mseF         mean squared error in f-space (model output vs f(target))
 *     baselineMse  the constant predictor that outputs the training-target mean
 *   summary: { idMse, oodMse, horizon, threshold, trainLengthMin, trainLengthMax, task, f }
 *     idMse / oodMse  mean of per-length mse over lengths inside / beyond the
 *                     training range (null when there are none)
 *     horizon         largest test length L such that mse < threshold for every
 *                     test length up to L (0 when the shortest already fails)
 * Non-finite numbers are written as null.
 */
import { seqTokens, type SeqSet, type Task } from './dataset.js';
import type { TrainedModel } from './predict.js';

/** Default `threshold` by task: mean-task MSE, and squared length error (1 token RMS). */
export const DEFAULT_THRESHOLD: Record<Task, number> = { mean: 1e-3, length: 1 };

export interface LengthMetrics {
  length: number;
  count: number;
  mse: number | null;
  mseF: number | null;
  baselineMse: number | null;
}

export interface EvalSummary {
  idMse: number | null;
  oodMse: number | null;
  horizon: number;
  threshold: number;
  trainLengthMin: number;
  trainLengthMax: number;
  task: Task;
  f: string;
}

export interface EvalResult {
  perLength: LengthMetrics[];
  summary: EvalSummary;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

export async function evaluateTrained(model: TrainedModel, test: SeqSet, threshold?: number): Promise<EvalResult> {
  const seqs = Array.from({ length: test.count }, (_, i) => Array.from(seqTokens(test, i)));
  const outF = await model.predict(seqs);
  const baseline = model.file.train.targetMean;
  const sums = new Map<number, { n: number; se: number; seF: number; seB: number }>();
  for (let i = 0; i < test.count; i++) {
    const l = test.lengths[i]!;
    const s = sums.get(l) ?? { n: 0, se: 0, seF: 0, seB: 0 };
    const y = test.targets[i]!;
    const yF = model.task === 'mean' ? y : test.targetsF[i]!;
    s.n += 1;
    s.se += (model.toTarget(outF[i]!) - y) ** 2;
    s.seF += (outF[i]! - yF) ** 2;
    s.seB += (baseline - y) ** 2;
    sums.set(l, s);
  }
  const perLength = [...sums.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([length, s]) => ({ length, count: s.n, mse: finite(s.se / s.n), mseF: finite(s.seF / s.n), baselineMse: finite(s.seB / s.n) }));
  const { lengthMin, lengthMax } = model.file.train;
  return { perLength, summary: summarise(perLength, lengthMin, lengthMax, threshold ?? DEFAULT_THRESHOLD[model.task], model) };
}

function summarise(per: LengthMetrics[], min: number, max: number, threshold: number, model: TrainedModel): EvalSummary {
  const mean = (xs: LengthMetrics[]): number | null => {
    if (xs.length === 0) return null;
    if (xs.some((x) => x.mse === null)) return null;
    return xs.reduce((a, x) => a + x.mse!, 0) / xs.length;
  };
  let horizon = 0;
  for (const p of per) {
    if (p.mse === null || p.mse >= threshold) break;
    horizon = p.length;
  }
  return {
    idMse: mean(per.filter((p) => p.length >= min && p.length <= max)),
    oodMse: mean(per.filter((p) => p.length > max)),
    horizon,
    threshold,
    trainLengthMin: min,
    trainLengthMax: max,
    task: model.task,
    f: model.f,
  };
}
