/**
 * Length-generalisation metrics of a trained model on the test split.
 *
 * eval.json:
 *   perLength: [{ length, count, mse, mseF, baselineMse, clamped }]
 *     mse          mean squared error in the original target space (after f^-1)
 *     clamped      outputs outside the range of f, clamped before inverting (inverse.ts)
 *     mseF         mean squared error in f-space (model output vs f(target))
 *     baselineMse  the constant predictor that outputs the training-target mean
 *   summary: { idMse, oodMse, horizon, idFailure, idFailedLengths, clamped, threshold,
 *              trainLengthMin, trainLengthMax, task, f }
 *     idMse / oodMse  mean of per-length mse over lengths inside / beyond the
 *                     training range (null when there are none)
 *     horizon         out-of-distribution horizon: the largest test length L >
 *                     trainLengthMax such that mse < threshold at every test length
 *                     in (trainLengthMax, L]; trainLengthMax when the first one fails.
 *                     Failures inside the training range do not shorten it: they
 *                     are reported by idFailure / idFailedLengths.
 *     clamped         { count, total, share } of outputs clamped before inverting
 * The mean task is never reparameterized: its outputs are compared as they are.
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
  clamped: number;
}

export interface EvalSummary {
  idMse: number | null;
  oodMse: number | null;
  horizon: number;
  idFailure: boolean;
  idFailedLengths: number[];
  clamped: { count: number; total: number; share: number };
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
  const sums = new Map<number, { n: number; se: number; seF: number; seB: number; clamped: number }>();
  for (let i = 0; i < test.count; i++) {
    const l = test.lengths[i]!;
    const s = sums.get(l) ?? { n: 0, se: 0, seF: 0, seB: 0, clamped: 0 };
    const y = test.targets[i]!;
    const yF = model.task === 'mean' ? y : test.targetsF[i]!;
    const back = model.task === 'mean' ? { value: outF[i]!, clamped: false } : model.invert(outF[i]!);
    s.n += 1;
    if (back.clamped) s.clamped += 1;
    s.se += (back.value - y) ** 2;
    s.seF += (outF[i]! - yF) ** 2;
    s.seB += (baseline - y) ** 2;
    sums.set(l, s);
  }
  const perLength = [...sums.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([length, s]) => ({
      length,
      count: s.n,
      mse: finite(s.se / s.n),
      mseF: finite(s.seF / s.n),
      baselineMse: finite(s.seB / s.n),
      clamped: s.clamped,
    }));
  const { lengthMin, lengthMax } = model.file.train;
  return {
    perLength,
    summary: summarise(perLength, lengthMin, lengthMax, threshold ?? DEFAULT_THRESHOLD[model.task], model),
  };
}

function summarise(
  per: LengthMetrics[],
  min: number,
  max: number,
  threshold: number,
  model: TrainedModel,
): EvalSummary {
  const mean = (xs: LengthMetrics[]): number | null => {
    if (xs.length === 0) return null;
    if (xs.some((x) => x.mse === null)) return null;
    return xs.reduce((a, x) => a + x.mse!, 0) / xs.length;
  };
  const inRange = per.filter((p) => p.length >= min && p.length <= max);
  const idFailedLengths = inRange.filter((p) => !solved(p, threshold)).map((p) => p.length);
  const count = per.reduce((a, p) => a + p.clamped, 0);
  const total = per.reduce((a, p) => a + p.count, 0);
  return {
    idMse: mean(inRange),
    oodMse: mean(per.filter((p) => p.length > max)),
    horizon: oodHorizon(per, max, threshold),
    idFailure: idFailedLengths.length > 0,
    idFailedLengths,
    clamped: { count, total, share: total > 0 ? count / total : 0 },
    threshold,
    trainLengthMin: min,
    trainLengthMax: max,
    task: model.task,
    f: model.f,
  };
}

const solved = (p: LengthMetrics, threshold: number): boolean => p.mse !== null && p.mse < threshold;

/** The largest L > trainMax with every test length in (trainMax, L] solved; trainMax when none is. */
export function oodHorizon(per: readonly LengthMetrics[], trainMax: number, threshold: number): number {
  let horizon = trainMax;
  for (const p of [...per].sort((a, b) => a.length - b.length)) {
    if (p.length <= trainMax) continue;
    if (!solved(p, threshold)) break;
    horizon = p.length;
  }
  return horizon;
}
