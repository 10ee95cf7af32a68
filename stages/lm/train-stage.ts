/**
 * The body of the `lm-train` stage kind (stages/lm-train.ts), loaded lazily
 * so the engine reads the stage's schema without importing TF.js.
 *
 * train.json: finalLoss (mean next-token CE over the last 5% of steps, nats),
 * finalMisalign (mean divergence over the last 5% of steps where it was
 * computed; null when alpha = 0), lossCurve [{ step, loss }] (up to 100
 * bucket means of the CE), steps, backend, tfjsVersion, paramCount, seed.
 * timing.json (volatile): stepsPerSec, wallSeconds, resumedFrom.
 */
import type { InputArtifact, StageContext } from '../../src/stage-api.js';
import { DEFAULT_ADAM } from '../ml/adam.js';
import { initBackend } from '../ml/backend.js';
import { downsample, finalLossOf } from '../ml/train-stage.js';
import { cellTrainHooks, writeTrainOutputs } from '../ml/train-outputs.js';
import type { LrSchedule } from '../ml/train-loop.js';
import { readLmData } from './data/format.js';
import type { Divergence } from './loss.js';
import { saveLm } from './model-io.js';
import { buildLm, type LmConfig } from './models/index.js';
import { trainLm } from './train-loop.js';
import type { LExtraRange, Overlap } from './windows.js';

export interface LmTrainParams extends Omit<LmConfig, 'vocab'> {
  steps: number;
  batchSize: number;
  lr: number;
  lrSchedule: LrSchedule;
  clip: number;
  checkpointEvery: number;
  alpha: number;
  divergence: Divergence;
  lExtraRange: LExtraRange;
  overlap: Overlap;
}

/** Mean of the finite values among the last 5% of steps, or null. */
export function finalMisalignOf(misalign: Float32Array): number | null {
  const k = Math.max(1, Math.round(misalign.length * 0.05));
  let s = 0;
  let n = 0;
  for (let i = misalign.length - k; i < misalign.length; i++) {
    if (Number.isFinite(misalign[i]!)) {
      s += misalign[i]!;
      n++;
    }
  }
  return n > 0 ? s / n : null;
}

export async function lmTrainStage(ctx: StageContext, p: LmTrainParams, data: InputArtifact): Promise<void> {
  const backend = await initBackend(ctx.runtime['backend']);
  const lm = await readLmData(data.dir);
  const { meta } = lm;
  const { steps, batchSize, lr, lrSchedule, clip, checkpointEvery, alpha, divergence, lExtraRange, overlap } = p;
  const config: LmConfig = {
    arch: p.arch,
    pe: p.pe,
    layers: p.layers,
    dModel: p.dModel,
    heads: p.heads,
    dFF: p.dFF,
    hidden: p.hidden,
    activation: p.activation,
    maxLen: p.maxLen,
    vocab: meta.vocab,
  };
  if (config.pe === 'learned' && config.arch !== 'lstm' && config.arch !== 'gru' && config.maxLen < meta.testLength) {
    ctx.log(
      `lm-train: maxLen ${config.maxLen} < testLength ${meta.testLength}: evaluation at the test length will fail`,
    );
  }
  const model = buildLm(config);
  ctx.log(
    `lm-train: ${config.arch}/${config.pe}, ${model.layout.size} parameters, ${steps} steps, alpha ${alpha} on ${backend.backend}`,
  );
  const cfg = {
    ...DEFAULT_ADAM,
    steps,
    batchSize,
    lr,
    lrSchedule,
    clip,
    checkpointEvery,
    seed: ctx.seed,
    alpha,
    divergence,
    lExtraRange,
    overlap,
    lTrain: meta.lTrain,
  };
  let outcome;
  try {
    outcome = await trainLm(model, lm.train, cfg, cellTrainHooks(ctx, { data: meta, backend: backend.backend }));
  } finally {
    model.dispose();
  }
  await saveLm(
    ctx.outDir,
    {
      config,
      data: {
        source: meta.source,
        vocab: meta.vocab,
        lTrain: meta.lTrain,
        testLength: meta.testLength,
        entropyRate: meta.entropyRate,
      },
      train: { alpha, divergence, lExtraRange, overlap, steps, batchSize, lr, seed: ctx.seed },
    },
    model,
    outcome.params,
  );
  const report = {
    finalLoss: finalLossOf(outcome.losses),
    finalMisalign: alpha > 0 ? finalMisalignOf(outcome.misalign) : null,
    lossCurve: downsample(outcome.losses, 100),
    steps,
    backend: backend.backend,
    tfjsVersion: backend.tfjsVersion,
    paramCount: model.layout.size,
    seed: ctx.seed,
  };
  const stepsPerSec = await writeTrainOutputs(ctx.outDir, report, outcome);
  ctx.log(`lm-train: final CE ${report.finalLoss.toFixed(4)} nats/token, ${stepsPerSec} steps/s`);
}
