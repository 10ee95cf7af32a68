/**
 * Training loop of the language models: next-token CE on random windows of
 * the train stream plus alpha times the misalignment divergence between the
 * overlapping predictions of two shifted windows (windows.ts), Adam with
 * global-norm clipping and the cosine schedule of the synthetic study,
 * checkpoint/resume, NaN detection, throttled progress and cooperative abort.
 *
 * With alpha = 0 the shifted window is never built: the step is plain
 * next-token training on the same draws. Same seed, same backend, same data:
 * byte-identical weights, whether or not the run was interrupted and resumed.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { readF32, writeBin } from '../ml/binio.js';
import { loadCheckpoint, saveCheckpoint } from '../ml/checkpoint.js';
import { RunState } from '../ml/run-state.js';
import { runSteps } from '../ml/step-loop.js';
import { DivergenceError, learningRate, type TrainConfig, type TrainHooks } from '../ml/train-loop.js';
import type { Divergence } from './loss.js';
import { lmLossAndGrad } from './loss-step.js';
import type { LmModel } from './models/types.js';
import { WindowSampler, type LExtraRange, type Overlap } from './windows.js';

export { lmLossAndGrad, type StepResult } from './loss-step.js';

/** The synthetic loop's config, plus the regularizer and the window length. */
export interface LmTrainConfig extends TrainConfig {
  /** Weight of the misalignment term; 0 trains on plain next-token CE. */
  alpha: number;
  divergence: Divergence;
  lExtraRange: LExtraRange;
  overlap: Overlap;
  /** Window length l_train. */
  lTrain: number;
}

/** The synthetic loop's hooks: checkpoints, progress, abort. */
export type LmTrainHooks = TrainHooks;

export interface LmTrainOutcome {
  params: Float32Array;
  /** Plain next-token CE of every step (nats/token). */
  losses: Float32Array;
  /** Divergence of every step (NaN where not computed: alpha = 0, or no overlap). */
  misalign: Float32Array;
  resumedFrom: number | null;
  stepsThisRun: number;
  stepsPerSec: number;
  wallSeconds: number;
}

function checkpointKey(model: LmModel, cfg: LmTrainConfig, runKey: string): string {
  const { checkpointEvery: _ignored, ...rest } = cfg;
  return JSON.stringify({ model: model.config, size: model.layout.size, train: rest, runKey, kind: 'lm' });
}

/** The per-step divergences ride next to the checkpoint (it stores one loss series). */
async function saveMisalign(dir: string, step: number, misalign: Float32Array): Promise<void> {
  await writeBin(path.join(dir, `misalign-${step}.bin`), misalign.subarray(0, step));
  for (const f of await readdir(dir)) {
    if (/^misalign-\d+\.bin$/.test(f) && f !== `misalign-${step}.bin`) await rm(path.join(dir, f), { force: true });
  }
}

async function loadMisalign(dir: string, step: number): Promise<Float32Array | undefined> {
  try {
    const m = await readF32(path.join(dir, `misalign-${step}.bin`));
    return m.length === step ? m : undefined;
  } catch {
    return undefined;
  }
}

export async function trainLm(
  model: LmModel,
  stream: ArrayLike<number>,
  cfg: LmTrainConfig,
  hooks: LmTrainHooks = {},
): Promise<LmTrainOutcome> {
  const log = hooks.log ?? (() => undefined);
  const key = checkpointKey(model, cfg, hooks.runKey ?? '');
  const run = new RunState(model.layout, cfg, 'windows');
  const misalign = new Float32Array(cfg.steps).fill(NaN);
  const saved = hooks.checkpointDir ? await loadCheckpoint(hooks.checkpointDir, key, log) : undefined;
  const savedMisalign = saved && hooks.checkpointDir ? await loadMisalign(hooks.checkpointDir, saved.step) : undefined;
  if (saved && savedMisalign && saved.step <= cfg.steps) {
    run.resume(saved);
    misalign.set(savedMisalign);
    log(`Resuming from the checkpoint at step ${run.start}`);
  }
  const { adam, losses, start } = run;
  const sampler = new WindowSampler(stream.length, cfg.lTrain, cfg.batchSize, cfg.lExtraRange, run.rng);
  const grad = new Float32Array(model.layout.size);
  const checkpoint = async (step: number): Promise<void> => {
    if (!hooks.checkpointDir) return;
    await saveMisalign(hooks.checkpointDir, step, misalign);
    await saveCheckpoint(hooks.checkpointDir, key, run.snapshot(step));
  };
  const timing = await runSteps(
    {
      start,
      steps: cfg.steps,
      checkpointEvery: cfg.checkpointEvery,
      checkpoint,
      step: (step) => {
        const r = lmLossAndGrad(model, run.params, stream, sampler.next(), cfg, grad);
        const total = Number.isNaN(r.misalign) ? r.ce : r.ce + cfg.alpha * r.misalign;
        if (!Number.isFinite(total)) throw new DivergenceError(step, total, cfg.lr);
        adam.apply(run.params, grad, learningRate(cfg, step));
        losses[step] = r.ce;
        misalign[step] = r.misalign;
        const shown: { loss: number } & Record<string, number> = { loss: r.ce };
        if (!Number.isNaN(r.misalign)) shown.misalign = r.misalign;
        return shown;
      },
    },
    hooks,
  );
  return { params: run.params, losses, misalign, resumedFrom: start > 0 ? start : null, ...timing };
}
