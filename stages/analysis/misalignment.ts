/**
 * Long-short misalignment, regression form (paper notes section 2 and 6).
 *
 * For a random input x and two suffix lengths l1, l2 drawn uniformly from
 * [ceil(l_train/2), l_train], misalignment is E[(g(x[-l1:]) - g(x[-l2:]))^2]
 * with g the model's scalar output in its own (f-) space. The paper uses
 * SCE on next-token distributions for language models; for a scalar
 * regression head the L2 distance is the form its theory analyses.
 *
 * In the regression tasks the two suffixes have different targets, so even
 * an ideal predictor scores E[(t(a) - t(b))^2] with t = f(target): that part
 * is a property of the task, not of the model. Given the target, the stage
 * splits the measured value into
 *   target  E[(t(a) - t(b))^2]                    what an ideal predictor scores
 *   excess  E[((g(a) - g(b)) - (t(a) - t(b)))^2]  the misalignment of the residual g - t
 * on the same draws, and divides each by Var[t] over the training
 * distribution, a fixed scale of the target space (target-space.ts).
 *
 * The older normalization, raw / Var[g(x)] over the training distribution,
 * is kept as `normalized`: it divides by the model's own output spread, so a
 * model that collapses to a near-constant output scores as well aligned.
 */
import { estimate, ratio, type Estimate } from './estimate.js';
import { createRng, randomBits, randomInt } from './random.js';
import type { TargetSpace } from './target-space.js';

/** A model as the metric sees it: batch of 0/1 sequences in, one output each. */
export type Predictor = (seqs: number[][]) => Promise<Float32Array>;

export interface RegressionMisalignmentOptions {
  /** Number of (x, l1, l2) draws, and of pairs for the variance. */
  samples: number;
  seed: number;
  /** Largest training length; suffixes come from [ceil(l/2), l]. */
  trainLength: number;
  /** Smallest training length (default 1): the variance is over [min, trainLength]. */
  trainLengthMin?: number;
  /** Sequences per predictor call; bounds memory, not results. */
  batchSize?: number;
  /** The trained target; without it only raw, normalized and outputVariance are computed. */
  target?: TargetSpace;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface RegressionMisalignment {
  /** E[(g(x[-l1:]) - g(x[-l2:]))^2] in output space. */
  raw: Estimate;
  /** raw / outputVariance. */
  normalized: Estimate;
  /** Var[g(x)], x with length uniform in [trainLengthMin, trainLength]. */
  outputVariance: Estimate;
  samples: number;
  seed: number;
  trainLength: number;
  suffixRange: [number, number];
  varianceRange: [number, number];
  /** The decomposition; null without a target. */
  decomposition: Decomposition | null;
}

export interface Decomposition {
  /** E[(t(a) - t(b))^2] on the same pairs: an ideal predictor's misalignment. */
  target: Estimate;
  /** E[((g(a) - g(b)) - (t(a) - t(b)))^2]. */
  excess: Estimate;
  /** Var[t] over the training distribution (exact). */
  scale: number;
  /** raw, target and excess divided by scale. */
  scaled: { measured: Estimate; target: Estimate; excess: Estimate };
}

// Separate random streams keep the numerator's draws independent of the
// denominator's, which the delta-method standard error of the ratio assumes.
const PAIR_STREAM = 'misalignment-pairs';
const VARIANCE_STREAM = 'misalignment-variance';

export function suffixRange(trainLength: number): [number, number] {
  return [Math.max(1, Math.ceil(trainLength / 2)), trainLength];
}

/** Pairs of suffixes of one random input, flattened as [a0, b0, a1, b1, ...]. */
export function suffixPairs(samples: number, seed: number, trainLength: number): number[][] {
  const rng = createRng(seed, PAIR_STREAM);
  const [lo, hi] = suffixRange(trainLength);
  const seqs: number[][] = [];
  for (let i = 0; i < samples; i++) {
    const x = randomBits(rng, hi);
    const l1 = randomInt(rng, lo, hi);
    const l2 = randomInt(rng, lo, hi);
    seqs.push(x.slice(hi - l1), x.slice(hi - l2));
  }
  return seqs;
}

/** Independent pairs from the training distribution, flattened likewise. */
export function trainingPairs(samples: number, seed: number, [lo, hi]: [number, number]): number[][] {
  const rng = createRng(seed, VARIANCE_STREAM);
  const seqs: number[][] = [];
  for (let i = 0; i < 2 * samples; i++) seqs.push(randomBits(rng, randomInt(rng, lo, hi)));
  return seqs;
}

export async function regressionMisalignment(
  predict: Predictor,
  opts: RegressionMisalignmentOptions,
): Promise<RegressionMisalignment> {
  const { samples, seed, trainLength } = opts;
  const varianceRange: [number, number] = [Math.min(opts.trainLengthMin ?? 1, trainLength), trainLength];
  const pairs = suffixPairs(samples, seed, trainLength);
  const training = trainingPairs(samples, seed, varianceRange);
  const all = await predictAll(predict, [...pairs, ...training], opts);
  const diffs = squaredDiffs(all.subarray(0, pairs.length), 1);
  // For independent a, b: E[(g(a) - g(b))^2] / 2 = Var g, an unbiased
  // estimate whose draws are iid, so it gets a standard error like any mean.
  const halves = squaredDiffs(all.subarray(pairs.length), 0.5);
  const raw = estimate(diffs);
  const outputVariance = estimate(halves);
  const outputs = all.subarray(0, pairs.length);
  return {
    raw,
    normalized: ratio(raw, outputVariance),
    outputVariance,
    samples,
    seed,
    trainLength,
    suffixRange: suffixRange(trainLength),
    varianceRange,
    decomposition: opts.target ? decompose(outputs, pairs, opts.target, raw) : null,
  };
}

function decompose(
  outputs: Float32Array,
  pairs: readonly number[][],
  target: TargetSpace,
  raw: Estimate,
): Decomposition {
  const targetDraws: number[] = [];
  const excessDraws: number[] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const dt = target.value(pairs[i] ?? []) - target.value(pairs[i + 1] ?? []);
    const dg = (outputs[i] ?? Number.NaN) - (outputs[i + 1] ?? Number.NaN);
    targetDraws.push(dt * dt);
    excessDraws.push((dg - dt) ** 2);
  }
  const targetEst = estimate(targetDraws);
  const excess = estimate(excessDraws);
  const scale = target.variance;
  const scaled = (e: Estimate): Estimate => ({ mean: e.mean / scale, se: e.se / scale });
  return {
    target: targetEst,
    excess,
    scale,
    scaled: { measured: scaled(raw), target: scaled(targetEst), excess: scaled(excess) },
  };
}

function squaredDiffs(flat: Float32Array, scale: number): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const d = (flat[i] ?? Number.NaN) - (flat[i + 1] ?? Number.NaN);
    out.push(scale * d * d);
  }
  return out;
}

async function predictAll(
  predict: Predictor,
  seqs: number[][],
  opts: RegressionMisalignmentOptions,
): Promise<Float32Array> {
  const batch = opts.batchSize ?? 1024;
  const out = new Float32Array(seqs.length);
  for (let start = 0; start < seqs.length; start += batch) {
    opts.signal?.throwIfAborted();
    const chunk = seqs.slice(start, start + batch);
    const y = await predict(chunk);
    if (y.length !== chunk.length) {
      throw new Error(`predictor returned ${y.length} outputs for ${chunk.length} sequences`);
    }
    out.set(y, start);
    opts.onProgress?.(Math.min(start + batch, seqs.length), seqs.length);
  }
  return out;
}
