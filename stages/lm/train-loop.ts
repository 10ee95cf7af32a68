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
import * as tf from '@tensorflow/tfjs';
import { FlatAdam } from '../ml/adam.js';
import { readF32, writeBin } from '../ml/binio.js';
import { loadCheckpoint, saveCheckpoint } from '../ml/checkpoint.js';
import { deriveSeed, Rng } from '../ml/prng.js';
import { DivergenceError, learningRate, type LrSchedule } from '../ml/train-loop.js';
import { divergence, nextTokenCe, oneHotRows, type Divergence } from './loss.js';
import type { LmModel } from './models/types.js';
import { overlapRange, windowTokens, WindowSampler, type LExtraRange, type Overlap, type WindowDraw } from './windows.js';

export interface LmTrainConfig {
  steps: number;
  batchSize: number;
  lr: number;
  lrSchedule: LrSchedule;
  clip: number;
  beta1: number;
  beta2: number;
  eps: number;
  seed: number;
  checkpointEvery: number;
  /** Weight of the misalignment term; 0 trains on plain next-token CE. */
  alpha: number;
  divergence: Divergence;
  lExtraRange: LExtraRange;
  overlap: Overlap;
  /** Window length l_train. */
  lTrain: number;
}

export interface LmTrainHooks {
  checkpointDir?: string;
  /** Identity of the data and backend, folded into the checkpoint key. */
  runKey?: string;
  progress?(update: { step: number; total: number; metrics: Record<string, number> }): void;
  log?(message: string): void;
  signal?: AbortSignal;
  progressIntervalMs?: number;
  afterStep?(step: number, loss: number): void;
}

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

export interface StepResult {
  ce: number;
  /** NaN when the divergence was not computed. */
  misalign: number;
}

/**
 * Loss and flat gradient of one step. s1 and s2 run as one batch of 2B
 * windows when the regularizer is on.
 */
export function lmLossAndGrad(
  model: LmModel, params: Float32Array, stream: ArrayLike<number>, draw: WindowDraw,
  cfg: Pick<LmTrainConfig, 'alpha' | 'divergence' | 'overlap' | 'lTrain'>, grad: Float32Array,
): StepResult {
  const { lTrain } = cfg;
  const vocab = model.config.vocab;
  const range = cfg.alpha > 0 ? overlapRange(lTrain, draw.lExtra, cfg.overlap) : null;
  const b = draw.offsets.length;
  const s1 = windowTokens(stream, draw.offsets, lTrain, 0);
  const kept: tf.Tensor[] = [];
  try {
    return tf.tidy(() => {
      let inputs = s1.inputs;
      if (range) {
        const s2 = windowTokens(stream, draw.offsets, lTrain, draw.lExtra);
        inputs = new Int32Array(2 * b * lTrain);
        inputs.set(s1.inputs);
        inputs.set(s2.inputs, b * lTrain);
      }
      const batch = range ? 2 * b : b;
      const input = { batch, length: lTrain, onehot: oneHotRows(inputs, vocab) };
      const targets = oneHotRows(s1.targets, vocab);
      const tensors = model.layout.tensors(params);
      const f = (...ts: tf.Tensor[]): tf.Scalar => {
        const logits = model.forward(model.layout.named(ts), input);
        const s1Logits = range ? tf.slice(logits, [0, 0], [b * lTrain, vocab]) : logits;
        const ce = nextTokenCe(s1Logits, targets);
        kept.push(tf.keep(ce));
        if (!range) return ce;
        const byPos = tf.reshape(logits, [2, b, lTrain, vocab]);
        const pick = (which: number, from: number): tf.Tensor =>
          tf.reshape(tf.slice(byPos, [which, 0, from, 0], [1, b, range.count, vocab]), [b * range.count, vocab]);
        const d = divergence(cfg.divergence, pick(0, range.s1From), pick(1, range.s2From));
        kept.push(tf.keep(d));
        return tf.add(ce, tf.mul(d, cfg.alpha));
      };
      const { grads } = tf.valueAndGrads(f)(tensors);
      model.layout.flatten(grads, grad);
      return { ce: kept[0]!.dataSync()[0]!, misalign: kept[1] ? kept[1].dataSync()[0]! : NaN };
    });
  } finally {
    for (const t of kept) t.dispose();
  }
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
  model: LmModel, stream: ArrayLike<number>, cfg: LmTrainConfig, hooks: LmTrainHooks = {},
): Promise<LmTrainOutcome> {
  const log = hooks.log ?? (() => undefined);
  const key = checkpointKey(model, cfg, hooks.runKey ?? '');
  const rng = new Rng(deriveSeed(cfg.seed, 'windows'));
  const adam = new FlatAdam(model.layout.size, cfg);
  let params: Float32Array = model.layout.initialise(new Rng(deriveSeed(cfg.seed, 'init')));
  const losses = new Float32Array(cfg.steps);
  const misalign = new Float32Array(cfg.steps).fill(NaN);
  let start = 0;
  const saved = hooks.checkpointDir ? await loadCheckpoint(hooks.checkpointDir, key, log) : undefined;
  const savedMisalign = saved && hooks.checkpointDir ? await loadMisalign(hooks.checkpointDir, saved.step) : undefined;
  if (saved && savedMisalign && saved.step <= cfg.steps) {
    params = saved.params;
    adam.restore(saved.m, saved.v, saved.adamT);
    rng.restore(saved.rngState);
    losses.set(saved.losses);
    misalign.set(savedMisalign);
    start = saved.step;
    log(`Resuming from the checkpoint at step ${start}`);
  }
  const sampler = new WindowSampler(stream.length, cfg.lTrain, cfg.batchSize, cfg.lExtraRange, rng);
  const grad = new Float32Array(model.layout.size);
  const checkpoint = async (step: number): Promise<void> => {
    if (!hooks.checkpointDir) return;
    await saveMisalign(hooks.checkpointDir, step, misalign);
    await saveCheckpoint(hooks.checkpointDir, key, {
      step, rngState: rng.state, adamT: adam.t, params, m: adam.m, v: adam.v, losses: losses.subarray(0, step),
    });
  };
  const interval = hooks.progressIntervalMs ?? 500;
  const t0 = performance.now();
  let lastReport = -Infinity;
  let lastYield = t0;
  for (let step = start; step < cfg.steps; step++) {
    if (hooks.signal?.aborted) {
      await checkpoint(step);
      throw new Error(`Training aborted at step ${step} (checkpoint saved)`, { cause: hooks.signal.reason });
    }
    const r = lmLossAndGrad(model, params, stream, sampler.next(), cfg, grad);
    const total = Number.isNaN(r.misalign) ? r.ce : r.ce + cfg.alpha * r.misalign;
    if (!Number.isFinite(total)) throw new DivergenceError(step, total, cfg.lr);
    adam.apply(params, grad, learningRate(cfg, step));
    losses[step] = r.ce;
    misalign[step] = r.misalign;
    hooks.afterStep?.(step + 1, r.ce);
    const done = step + 1;
    const now = performance.now();
    if (cfg.checkpointEvery > 0 && done % cfg.checkpointEvery === 0 && done < cfg.steps) await checkpoint(done);
    if (hooks.progress && (now - lastReport >= interval || done === cfg.steps)) {
      lastReport = now;
      const rate = (done - start) / ((now - t0) / 1000);
      const metrics: Record<string, number> = { loss: r.ce, 'steps/s': Math.round(rate * 10) / 10 };
      if (!Number.isNaN(r.misalign)) metrics['misalign'] = r.misalign;
      hooks.progress({ step: done, total: cfg.steps, metrics });
    }
    if (now - lastYield > 100) {
      // Let timers, IPC and abort signals through.
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  const stepsThisRun = cfg.steps - start;
  return {
    params, losses, misalign,
    resumedFrom: start > 0 ? start : null,
    stepsThisRun,
    stepsPerSec: stepsThisRun > 0 ? stepsThisRun / wallSeconds : 0,
    wallSeconds,
  };
}
