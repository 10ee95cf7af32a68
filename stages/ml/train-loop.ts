/**
 * What a training run is configured with and what it yields: the optimizer
 * settings, the target normalisation, the hooks that tie a run to its cell,
 * the outcome, and the failure of a diverging run. The loop itself is
 * group-train.ts.
 *
 * Determinism: initial weights come from the `init` stream of the seed, the
 * batches from the `batches` stream and the length of each step from a
 * schedule no seed enters; Adam runs in JS. Same seed, same backend, same
 * data: byte-identical weights, whether or not the run was interrupted and
 * resumed from a checkpoint, and whether it trained alone or in a group.
 */
import type { SeqSet } from './dataset.js';
import type { Model } from './models/types.js';
import type { StepHooks } from './step-loop.js';

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

/** One run of a training group: its data, target normalisation, config and hooks. */
export interface TrainRun {
  set: SeqSet;
  norm: TargetNorm;
  cfg: TrainConfig;
  hooks: TrainHooks;
}

/** What a checkpoint must match to be resumed: the run's model, config, normalisation and data. */
export function checkpointKey(model: Model, cfg: TrainConfig, norm: TargetNorm, runKey: string): string {
  const { checkpointEvery: _ignored, ...rest } = cfg;
  return JSON.stringify({ model: model.config, size: model.layout.size, train: rest, norm, runKey });
}
