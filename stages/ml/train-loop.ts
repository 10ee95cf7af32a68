/**
 * The training loop: seeded batches of one length each, MSE on normalised
 * f-space targets, Adam with global-norm clipping, checkpoint/resume, NaN
 * detection, throttled progress and cooperative abort.
 *
 * Determinism: initial weights come from the `init` stream of the seed, the
 * batch order from the `batches` stream; Adam runs in JS. Same seed, same
 * backend, same data: byte-identical weights, whether or not the run was
 * interrupted and resumed from a checkpoint.
 */
import * as tf from '@tensorflow/tfjs';
import { bucketByLength, encodeBatch } from './batch.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { seqTokens, type SeqSet } from './dataset.js';
import type { Model } from './models/types.js';
import type { Rng } from './prng.js';
import { RunState } from './run-state.js';
import { runSteps, type StepHooks } from './step-loop.js';

export type LrSchedule = 'constant' | 'cosine';

export interface TrainConfig {
  steps: number;
  batchSize: number;
  lr: number;
  /** `cosine` decays the learning rate to 10% of `lr` over the run. */
  lrSchedule: LrSchedule;
  /** Global gradient-norm clip; 0 disables. */
  clip: number;
  beta1: number;
  beta2: number;
  eps: number;
  seed: number;
  /** Steps between checkpoints (0: never); only with a checkpoint dir. */
  checkpointEvery: number;
}

/** Affine normalisation of f-space targets: the model learns (y - mean) / std. */
export interface TargetNorm {
  mean: number;
  std: number;
}

export interface TrainHooks extends StepHooks {
  /** Directory for checkpoints (the stage's workDir); none: no checkpoints. */
  checkpointDir?: string;
  /** Extra identity of the run folded into the checkpoint key (e.g. data meta). */
  runKey?: string;
  log?: (message: string) => void;
}

export interface TrainOutcome {
  params: Float32Array;
  /** Per-step training loss (normalised units), all steps including resumed ones. */
  losses: Float32Array;
  /** Step the run resumed from, or null for a fresh start. */
  resumedFrom: number | null;
  /** Steps run in this attempt, and their speed. */
  stepsThisRun: number;
  stepsPerSec: number;
  wallSeconds: number;
}

/** Thrown when a step's loss is NaN or infinite. */
export class DivergenceError extends Error {
  constructor(
    readonly step: number,
    readonly loss: number,
    lr: number,
  ) {
    super(
      `Training diverged at step ${step}: loss is ${loss}. ` +
        `Lower the learning rate (lr=${lr}) or enable gradient clipping.`,
    );
    this.name = 'DivergenceError';
  }
}

export function targetNormOf(set: SeqSet): TargetNorm {
  let mean = 0;
  for (const y of set.targetsF) mean += y;
  mean /= Math.max(1, set.count);
  let v = 0;
  for (const y of set.targetsF) v += (y - mean) * (y - mean);
  const std = Math.sqrt(v / Math.max(1, set.count));
  return { mean, std: std > 1e-8 ? std : 1 };
}

export function learningRate(cfg: TrainConfig, step: number): number {
  if (cfg.lrSchedule === 'constant') return cfg.lr;
  const progress = Math.min(1, step / Math.max(1, cfg.steps));
  return cfg.lr * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

/** Draws batches: a length with probability proportional to its share of the set, then sequences of that length. */
class BatchSampler {
  readonly #buckets: number[][];
  readonly #byIndex: number[];

  constructor(
    readonly set: SeqSet,
    readonly batchSize: number,
    readonly rng: Rng,
  ) {
    const buckets = [...bucketByLength(set.lengths).values()];
    this.#buckets = buckets;
    this.#byIndex = new Array<number>(set.count);
    buckets.forEach((b, i) => b.forEach((idx) => (this.#byIndex[idx] = i)));
  }

  next(): number[] {
    const bucket = this.#buckets[this.#byIndex[this.rng.int(this.set.count)]!]!;
    return Array.from({ length: this.batchSize }, () => bucket[this.rng.int(bucket.length)]!);
  }
}

function checkpointKey(model: Model, cfg: TrainConfig, norm: TargetNorm, runKey: string): string {
  const { checkpointEvery: _ignored, ...rest } = cfg;
  return JSON.stringify({ model: model.config, size: model.layout.size, train: rest, norm, runKey });
}

/** Loss and flat gradient of one batch; tensors are freed before returning. */
export function lossAndGrad(
  model: Model,
  params: Float32Array,
  set: SeqSet,
  indices: number[],
  norm: TargetNorm,
  grad: Float32Array,
): number {
  return tf.tidy(() => {
    const input = encodeBatch(
      indices.map((i) => seqTokens(set, i)),
      model.config.bos,
    );
    const y = tf.tensor1d(indices.map((i) => (set.targetsF[i]! - norm.mean) / norm.std));
    const tensors = model.layout.tensors(params);
    const f = (...ts: tf.Tensor[]): tf.Scalar =>
      tf.mean(tf.squaredDifference(model.forward(model.layout.named(ts), input), y));
    const { value, grads } = tf.valueAndGrads(f)(tensors);
    model.layout.flatten(grads, grad);
    return value.dataSync()[0]!;
  });
}

export async function trainModel(
  model: Model,
  set: SeqSet,
  norm: TargetNorm,
  cfg: TrainConfig,
  hooks: TrainHooks = {},
): Promise<TrainOutcome> {
  const log = hooks.log ?? (() => undefined);
  const key = checkpointKey(model, cfg, norm, hooks.runKey ?? '');
  const run = new RunState(model.layout, cfg, 'batches');
  const saved = hooks.checkpointDir ? await loadCheckpoint(hooks.checkpointDir, key, log) : undefined;
  if (saved && saved.step <= cfg.steps) {
    run.resume(saved);
    log(`Resuming from the checkpoint at step ${run.start}`);
  }
  const { adam, losses, start } = run;
  const sampler = new BatchSampler(set, cfg.batchSize, run.rng);
  const grad = new Float32Array(model.layout.size);
  const checkpoint = async (step: number): Promise<void> => {
    if (hooks.checkpointDir) await saveCheckpoint(hooks.checkpointDir, key, run.snapshot(step));
  };
  const timing = await runSteps(
    {
      start,
      steps: cfg.steps,
      checkpointEvery: cfg.checkpointEvery,
      checkpoint,
      step: (step) => {
        const loss = lossAndGrad(model, run.params, set, sampler.next(), norm, grad);
        if (!Number.isFinite(loss)) throw new DivergenceError(step, loss, cfg.lr);
        adam.apply(run.params, grad, learningRate(cfg, step));
        losses[step] = loss;
        return { loss };
      },
    },
    hooks,
  );
  return { params: run.params, losses, resumedFrom: start > 0 ? start : null, ...timing };
}
