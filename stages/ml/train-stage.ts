/**
 * The body of the `train` stage kind (stages/train.ts), loaded lazily so the
 * engine can read the stage's schema without importing TF.js.
 *
 * train.json:
 *   finalLoss       mean training MSE in f-space over the last 5% of steps
 *   finalLossNorm   the same in normalised units (what the optimizer sees)
 *   lossCurve       [{ step, loss }] up to 100 points, each the mean f-space loss
 *                   of the steps since the previous point
 *   steps, backend, tfjsVersion, paramCount, seed, targetNorm
 *
 * timing.json (volatile: stored, but outside the content hash and verify):
 *   stepsPerSec and wallSeconds of this attempt, resumedFrom (step or null)
 */
import type { InputArtifact, StageContext } from '../../src/stage-api.js';
import { DEFAULT_ADAM } from './adam.js';
import { initBackend } from './backend.js';
import { readDatasetMeta, readSplit } from './dataset.js';
import { saveModel } from './model-io.js';
import { buildModel } from './models/index.js';
import type { ModelConfig } from './models/types.js';
import { cellTrainHooks, writeTrainOutputs } from './train-outputs.js';
import { targetNormOf, trainModel, type LrSchedule, type TrainOutcome } from './train-loop.js';

export interface TrainParams extends Omit<ModelConfig, 'bos'> {
  steps: number;
  batchSize: number;
  lr: number;
  lrSchedule: LrSchedule;
  clip: number;
  checkpointEvery: number;
}

export interface LossPoint {
  step: number;
  loss: number;
}

/** Mean of the losses in up to `points` consecutive buckets, scaled by `scale`. */
export function downsample(losses: Float32Array, points = 100, scale = 1): LossPoint[] {
  const n = losses.length;
  const buckets = Math.min(points, n);
  const out: LossPoint[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    let s = 0;
    for (let i = from; i < to; i++) s += losses[i]!;
    out.push({ step: to, loss: (s / Math.max(1, to - from)) * scale });
  }
  return out;
}

/** Mean loss over the last 5% of steps (at least one). */
export function finalLossOf(losses: Float32Array): number {
  const k = Math.max(1, Math.round(losses.length * 0.05));
  let s = 0;
  for (let i = losses.length - k; i < losses.length; i++) s += losses[i]!;
  return s / k;
}

export async function trainStage(ctx: StageContext, p: TrainParams, data: InputArtifact): Promise<void> {
  const backend = await initBackend(ctx.runtime['backend']);
  const meta = await readDatasetMeta(data.dir);
  const train = await readSplit(data.dir, 'train');
  const config: ModelConfig = {
    arch: p.arch,
    pe: p.pe,
    layers: p.layers,
    dModel: p.dModel,
    heads: p.heads,
    dFF: p.dFF,
    hidden: p.hidden,
    activation: p.activation,
    maxLen: p.maxLen,
    bos: meta.bos,
  };
  const model = buildModel(config);
  const norm = targetNormOf(train);
  ctx.log(`train: ${p.arch}/${p.pe}, ${model.layout.size} parameters, ${p.steps} steps on ${backend.backend}`);
  let outcome: TrainOutcome;
  try {
    outcome = await trainModel(
      model,
      train,
      norm,
      { ...DEFAULT_ADAM, ...p, seed: ctx.seed },
      cellTrainHooks(ctx, { data: meta, backend: backend.backend }),
    );
  } finally {
    model.dispose();
  }
  await saveModel(
    ctx.outDir,
    {
      arch: config.arch,
      config,
      task: meta.task,
      f: meta.f,
      fDescribe: meta.fDescribe,
      targetNorm: norm,
      train: { lengthMin: meta.train.lengthMin, lengthMax: meta.train.lengthMax, targetMean: meta.train.targetMean },
      seed: ctx.seed,
    },
    model,
    outcome.params,
  );
  const scale = norm.std * norm.std;
  const finalNorm = finalLossOf(outcome.losses);
  const report = {
    finalLoss: finalNorm * scale,
    finalLossNorm: finalNorm,
    steps: p.steps,
    backend: backend.backend,
    tfjsVersion: backend.tfjsVersion,
    paramCount: model.layout.size,
    seed: ctx.seed,
    targetNorm: norm,
    lossCurve: downsample(outcome.losses, 100, scale),
  };
  const stepsPerSec = await writeTrainOutputs(ctx.outDir, report, outcome);
  ctx.log(`train: final loss ${report.finalLoss.toExponential(3)} (f-space MSE), ${stepsPerSec} steps/s`);
}
