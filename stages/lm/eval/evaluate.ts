/**
 * The whole evaluation of one language model: per-position CE at full test
 * length, its in-distribution (positions 1..lTrain) and long-context
 * (positions lTrain+1..testLength) means, and the misalignment metric. The
 * result is eval.json as written by the lm-evaluate stage.
 */
import { misalignment, type Misalignment } from './misalign.js';
import { perPositionCe, type PositionCe } from './per-position.js';
import type { EvalData, EvalLm } from './types.js';

export interface LmEval {
  lTrain: number;
  testLength: number;
  entropyRate: number | null;
  perPosition: PositionCe[];
  idCe: number;
  /** Standard error of idCe over test sequences. */
  idCeSe: number;
  longCe: number;
  /** Standard error of longCe over test sequences. */
  longCeSe: number;
  longPerplexity: number;
  /** longCe - entropyRate: the excess over the Bayes-optimal predictor (markov only). */
  longExcess: number | null;
  misalignment: Misalignment;
}

export interface EvaluateOptions {
  samples: number;
  seed: number;
  batchSize: number;
  progress?: (message: string) => void;
  signal?: AbortSignal;
}

export async function evaluateLm(model: EvalLm, data: EvalData, opts: EvaluateOptions): Promise<LmEval> {
  const { lTrain, testLength, entropyRate, vocab } = data.meta;
  if (model.config.vocab !== vocab)
    throw new Error(`the model's vocab is ${model.config.vocab} but the data's is ${vocab}`);
  if (!(lTrain >= 1 && lTrain < testLength)) {
    throw new Error(`lTrain ${lTrain} must be at least 1 and below testLength ${testLength} to leave long positions`);
  }
  const ce = await perPositionCe(model, data, {
    batchSize: opts.batchSize,
    signal: opts.signal,
    onBatch: (done, total) => opts.progress?.(`per-position CE: ${done}/${total} sequences`),
  });
  opts.progress?.(`misalignment: ${opts.samples} suffix pairs`);
  const mis = await misalignment(model, data, opts);
  const longCe = ce.long.mean;
  return {
    lTrain,
    testLength,
    entropyRate,
    perPosition: ce.perPosition,
    idCe: ce.id.mean,
    idCeSe: ce.id.se,
    longCe,
    longCeSe: ce.long.se,
    longPerplexity: Math.exp(longCe),
    longExcess: entropyRate === null ? null : longCe - entropyRate,
    misalignment: mis,
  };
}
