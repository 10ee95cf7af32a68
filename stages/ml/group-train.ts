/**
 * The training loop for one run or a group of runs that share a model
 * architecture and batch size: the runs step in lockstep, each with its own
 * seeded init and batch order, Adam state, learning rate, checkpoints,
 * progress and loss record, and each computes byte-identically what it
 * computes alone (group-step.ts). A run whose loss turns NaN fails alone;
 * the others go on. A single run is a group of one.
 */
import * as tf from '@tensorflow/tfjs';
import { BatchSampler } from './batch-sampler.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { type ReplicaBatch, stepLosses } from './group-step.js';
import type { Model } from './models/types.js';
import { RunState } from './run-state.js';
import { groupProgress, type GroupTiming } from './group-progress.js';
import { type StackPolicy, StepModeChooser } from './step-mode.js';
import {
  checkpointKey,
  DivergenceError,
  learningRate,
  type TrainConfig,
  type TrainHooks,
  type TrainOutcome,
  type TrainRun,
} from './train-loop.js';

/** What happened to one run of a group. */
export type RunResult = { ok: true; outcome: TrainOutcome } | { ok: false; error: Error };

interface Replica {
  run: TrainRun;
  state: RunState;
  sampler: BatchSampler;
  grad: Float32Array;
  key: string;
  failed?: Error;
}

/** Runs that can train in one group: same model and batch size. */
export function groupKeyOf(model: Model, run: TrainRun): string {
  return JSON.stringify({ model: model.config, batch: run.cfg.batchSize });
}

async function prepare(model: Model, run: TrainRun): Promise<Replica> {
  const hooks = run.hooks;
  const key = checkpointKey(model, run.cfg, run.norm, hooks.runKey ?? '');
  const state = new RunState(model.layout, run.cfg, 'batches');
  const saved = hooks.checkpointDir ? await loadCheckpoint(hooks.checkpointDir, key, hooks.log) : undefined;
  if (saved && saved.step <= run.cfg.steps) {
    state.resume(saved);
    hooks.log?.(`Resuming from the checkpoint at step ${state.start}`);
  }
  const sampler = new BatchSampler(run.set, run.cfg.batchSize, state.rng);
  return { run, state, sampler, grad: new Float32Array(model.layout.size), key };
}

function batchesOf(replicas: readonly Replica[]): ReplicaBatch[] {
  return replicas.map((r) => ({
    params: r.state.params,
    grad: r.grad,
    set: r.run.set,
    norm: r.run.norm,
    indices: r.sampler.next(),
  }));
}

function applyStep(r: Replica, step: number, loss: number): void {
  const { cfg, hooks } = r.run;
  if (!Number.isFinite(loss)) {
    r.failed = new DivergenceError(step, loss, cfg.lr);
    hooks.log?.(r.failed.message);
    return;
  }
  r.state.adam.apply(r.state.params, r.grad, learningRate(cfg, step));
  r.state.losses[step] = loss;
  hooks.afterStep?.(step + 1, loss);
}

async function checkpoint(r: Replica, step: number): Promise<void> {
  const dir = r.run.hooks.checkpointDir;
  if (dir) await saveCheckpoint(dir, r.key, r.state.snapshot(step));
}

/** Replicas training at `step`: not failed, started, not finished. */
function activeAt(replicas: readonly Replica[], step: number): Replica[] {
  return replicas.filter((r) => !r.failed && r.state.start <= step && step < r.run.cfg.steps);
}

export interface GroupOptions {
  signal?: AbortSignal;
  /** Stack the replicas: by timing both ways (`auto`, the default), always or never. */
  stack?: StackPolicy;
  log?: (message: string) => void;
}

/**
 * Trains `runs` together, in lockstep; they must share {@link groupKeyOf}.
 * Stacking is considered only for a stackable model on wasm, the backend
 * whose stacked pass the tests show byte-identical to the single runs'.
 */
export async function trainGroup(
  model: Model,
  runs: readonly TrainRun[],
  opts: GroupOptions = {},
): Promise<RunResult[]> {
  const { signal } = opts;
  const canStack = model.stackable && (opts.stack === 'always' || tf.getBackend() === 'wasm');
  if (opts.stack === 'always' && !canStack) throw new Error(`A ${model.config.arch} model cannot be stacked`);
  const chooser = new StepModeChooser(opts.stack ?? 'auto', canStack, opts.log);
  const keys = new Set(runs.map((r) => groupKeyOf(model, r)));
  if (keys.size > 1) throw new Error('The runs of a group must share the model and batch size');
  const replicas = await Promise.all(runs.map((r) => prepare(model, r)));
  const total = Math.max(...runs.map((r) => r.cfg.steps));
  const progress = groupProgress(
    replicas.map((r) => ({ hooks: r.run.hooks, start: r.state.start, steps: r.run.cfg.steps })),
  );
  const first = Math.min(...replicas.map((r) => r.state.start));
  for (let step = first; step < total; step++) {
    if (signal?.aborted) {
      await Promise.all(activeAt(replicas, step).map((r) => checkpoint(r, step)));
      throw new Error(`Training aborted at step ${step} (checkpoint saved)`, { cause: signal.reason });
    }
    const active = activeAt(replicas, step);
    if (active.length === 0) continue;
    const losses = stepLosses(model, batchesOf(active), chooser);
    active.forEach((r, i) => applyStep(r, step, losses[i]!));
    const done = step + 1;
    for (const r of active) {
      const every = r.run.cfg.checkpointEvery;
      if (!r.failed && every > 0 && done % every === 0 && done < r.run.cfg.steps) await checkpoint(r, done);
    }
    await progress.after(
      done,
      active.map((r) => replicas.indexOf(r)),
      losses,
    );
  }
  const timing: GroupTiming = progress.finish();
  chooser.summarize();
  return replicas.map((r): RunResult => {
    if (r.failed) return { ok: false, error: r.failed };
    const stepsThisRun = r.run.cfg.steps - r.state.start;
    return {
      ok: true,
      outcome: {
        params: r.state.params,
        losses: r.state.losses,
        resumedFrom: r.state.start > 0 ? r.state.start : null,
        stepsThisRun,
        wallSeconds: timing.wallSeconds,
        stepsPerSec: stepsThisRun > 0 ? stepsThisRun / timing.wallSeconds : 0,
      },
    };
  });
}

/** Trains one run: a group of one; a diverging run throws its DivergenceError. */
export async function trainModel(
  model: Model,
  set: TrainRun['set'],
  norm: TrainRun['norm'],
  cfg: TrainConfig,
  hooks: TrainHooks = {},
): Promise<TrainOutcome> {
  const [result] = await trainGroup(model, [{ set, norm, cfg, hooks }], { signal: hooks.signal });
  if (!result) throw new Error('The training group returned no result');
  if (!result.ok) throw result.error;
  return result.outcome;
}
