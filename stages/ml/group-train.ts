/**
 * The training loop for one run or a group of runs: runs that share a model
 * architecture, batch size and the lengths of their data train as the
 * replicas of one stacked model, one forward and backward pass per step for
 * all of them. Each run keeps its own seeded init and batch order, Adam
 * state, learning rate, checkpoints, progress and loss record, and computes
 * byte-identically what it computes alone (see stacked-ops.ts and
 * length-schedule.ts). A run whose loss turns NaN fails alone; the others
 * go on. A single run is a group of one.
 */
import * as tf from '@tensorflow/tfjs';
import { encodeBatch } from './batch.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { seqTokens, type SeqSet } from './dataset.js';
import { BatchSampler, lengthSchedule, lengthsPresent } from './length-schedule.js';
import type { Model } from './models/types.js';
import { stackedTensors, unstackGrads } from './replicas.js';
import { RunState } from './run-state.js';
import { groupProgress, type GroupTiming } from './group-progress.js';
import { type StackPolicy, StepModeChooser } from './step-mode.js';
import {
  checkpointKey,
  DivergenceError,
  learningRate,
  type TargetNorm,
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

/** Runs that may share a stacked model with `a`'s: same model, batch size and lengths present. */
export function groupKeyOf(model: Model, run: TrainRun): string {
  return JSON.stringify({ model: model.config, batch: run.cfg.batchSize, lengths: lengthsPresent(run.set) });
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

/** One replica's share of a step: its parameters, the sequences it draws and where its gradient goes. */
export interface ReplicaBatch {
  params: Float32Array;
  grad: Float32Array;
  set: SeqSet;
  norm: TargetNorm;
  /** Indices into `set`, all of one length; the same count for every replica. */
  indices: readonly number[];
}

/**
 * Per-replica losses of one step of a stacked model (one replica: the plain
 * model); each replica's gradient lands in its `grad`.
 */
export function groupLossAndGrad(model: Model, replicas: readonly ReplicaBatch[]): Float32Array {
  let lossVec: tf.Tensor | undefined;
  tf.tidy(() => {
    const k = replicas.length;
    const batch = replicas[0]!.indices.length;
    const rows: ArrayLike<number>[] = [];
    const targets: number[] = [];
    for (const { set, norm, indices } of replicas) {
      for (const i of indices) {
        rows.push(seqTokens(set, i));
        targets.push((set.targetsF[i]! - norm.mean) / norm.std);
      }
    }
    const input = encodeBatch(rows, model.config.bos);
    const y = tf.tensor2d(targets, [k, batch]);
    // One replica takes the plain path: the same bytes as its stacked form (tested), and faster.
    const stacked = k > 1;
    if (stacked && !model.stackable) throw new Error(`A ${model.config.arch} model trains one run at a time`);
    const params = replicas.map((r) => r.params);
    const tensors = stacked ? stackedTensors(model.layout, params) : model.layout.tensors(params[0]!);
    const f = (...ts: tf.Tensor[]): tf.Scalar => {
      const pred = tf.reshape(model.forward(model.layout.named(ts), input), [k, batch]);
      lossVec = tf.keep(tf.mean(tf.squaredDifference(pred, y), 1));
      // Replica k's loss reaches only replica k's parameters, with weight 1.
      return tf.sum(lossVec);
    };
    const { grads } = tf.valueAndGrads(f)(tensors);
    if (stacked)
      unstackGrads(
        model.layout,
        grads,
        replicas.map((r) => r.grad),
      );
    else model.layout.flatten(grads, replicas[0]!.grad);
  });
  if (!lossVec) throw new Error('The loss was not computed');
  const losses = lossVec.dataSync() as Float32Array;
  lossVec.dispose();
  return losses;
}

/** Loss and flat gradient of one batch of one model (a group of one). */
export function lossAndGrad(
  model: Model,
  params: Float32Array,
  set: SeqSet,
  indices: readonly number[],
  norm: TargetNorm,
  grad: Float32Array,
): number {
  return groupLossAndGrad(model, [{ params, grad, set, norm, indices }])[0]!;
}

function batchesOf(replicas: readonly Replica[], length: number): ReplicaBatch[] {
  return replicas.map((r) => ({
    params: r.state.params,
    grad: r.grad,
    set: r.run.set,
    norm: r.run.norm,
    indices: r.sampler.next(length),
  }));
}

function oneByOne(model: Model, batches: readonly ReplicaBatch[]): Float32Array {
  return Float32Array.from(batches, (b) => groupLossAndGrad(model, [b])[0]!);
}

function sameBytes(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/**
 * One step's losses (gradients into each replica's `grad`) in the mode the
 * chooser picks; a trial runs both on the same batches and keeps the
 * one-by-one result.
 */
function stepLosses(model: Model, batches: readonly ReplicaBatch[], chooser: StepModeChooser): Float32Array {
  const mode = batches.length === 1 ? 'one-by-one' : chooser.next();
  if (mode === 'stacked') return groupLossAndGrad(model, batches);
  if (mode === 'one-by-one') return oneByOne(model, batches);
  const t0 = performance.now();
  const stacked = groupLossAndGrad(model, batches);
  const stackedGrads = batches.map((b) => Float32Array.from(b.grad));
  const t1 = performance.now();
  const losses = oneByOne(model, batches);
  const t2 = performance.now();
  const same = sameBytes(stacked, losses) && batches.every((b, i) => sameBytes(b.grad, stackedGrads[i]!));
  chooser.record(t1 - t0, t2 - t1, same, batches.length);
  return losses;
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
 * whose stacked step the tests show byte-identical to the single runs'.
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
  if (keys.size > 1) throw new Error('The runs of a group must share the model, batch size and sequence lengths');
  const replicas = await Promise.all(runs.map((r) => prepare(model, r)));
  const total = Math.max(...runs.map((r) => r.cfg.steps));
  const schedule = lengthSchedule(lengthsPresent(runs[0]!.set), total);
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
    const losses = stepLosses(model, batchesOf(active, schedule[step]!), chooser);
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
