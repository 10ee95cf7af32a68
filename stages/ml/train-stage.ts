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
import type { InputArtifact, MemberOutcome, StageContext } from '../../src/stage-api.js';
import { DEFAULT_ADAM } from './adam.js';
import { type BackendInfo, initBackend } from './backend.js';
import { type DatasetMeta, readDatasetMeta, readSplit } from './dataset.js';
import { groupKeyOf, trainGroup } from './group-train.js';
import { saveModel } from './model-io.js';
import { buildModel } from './models/index.js';
import type { Model, ModelConfig } from './models/types.js';
import { cellTrainHooks, writeTrainOutputs } from './train-outputs.js';
import { targetNormOf, type LrSchedule, type TrainOutcome, type TrainRun } from './train-loop.js';

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

/** One cell of a training group, read and ready to train. */
interface Member {
  ctx: StageContext;
  meta: DatasetMeta;
  run: TrainRun;
  config: ModelConfig;
}

function modelConfigOf(p: TrainParams, meta: DatasetMeta): ModelConfig {
  return {
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
}

async function readMember(ctx: StageContext, p: TrainParams, data: InputArtifact, backend: string): Promise<Member> {
  const meta = await readDatasetMeta(data.dir);
  const set = await readSplit(data.dir, 'train');
  const run: TrainRun = {
    set,
    norm: targetNormOf(set),
    cfg: { ...DEFAULT_ADAM, ...p, seed: ctx.seed },
    hooks: cellTrainHooks(ctx, { data: meta, backend }),
  };
  return { ctx, meta, run, config: modelConfigOf(p, meta) };
}

/** Members that can train in lockstep: same model and batch size. Order is kept. */
function partition(members: readonly Member[]): Member[][] {
  const parts = new Map<string, Member[]>();
  for (const m of members) {
    const model = buildModel(m.config);
    const key = groupKeyOf(model, m.run);
    model.dispose();
    const part = parts.get(key);
    if (part) part.push(m);
    else parts.set(key, [m]);
  }
  return [...parts.values()];
}

async function writeOutputs(m: Member, model: Model, outcome: TrainOutcome, backend: BackendInfo): Promise<void> {
  const { ctx, meta, config, run } = m;
  const norm = run.norm;
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
    steps: run.cfg.steps,
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

/** Trains the members of one partition together; one outcome per member. */
async function trainPart(part: readonly Member[], backend: BackendInfo, signal: AbortSignal): Promise<MemberOutcome[]> {
  const model = buildModel(part[0]!.config);
  try {
    for (const m of part) {
      const others = part.length > 1 ? `, in a group of ${part.length}` : '';
      m.ctx.log(
        `train: ${m.config.arch}/${m.config.pe}, ${model.layout.size} parameters, ${m.run.cfg.steps} steps on ${backend.backend}${others}`,
      );
    }
    const log = (message: string): void => part.forEach((m) => m.ctx.log(message));
    const results = await trainGroup(
      model,
      part.map((m) => m.run),
      { signal, log },
    );
    const outcomes: MemberOutcome[] = [];
    for (const [i, r] of results.entries()) {
      const m = part[i]!;
      if (!r.ok) outcomes.push({ ok: false, message: r.error.message });
      else {
        await writeOutputs(m, model, r.outcome, backend);
        outcomes.push({ ok: true });
      }
    }
    return outcomes;
  } finally {
    model.dispose();
  }
}

/**
 * The `train` kind's group run: cells that differ in seed, target function
 * or learning rate train in lockstep in this process, stacked where that is
 * faster (step-mode.ts); each writes its own outputs or fails alone.
 */
export async function trainGroupStage(
  members: ReadonlyArray<{ ctx: StageContext; params: TrainParams; data: InputArtifact }>,
): Promise<MemberOutcome[]> {
  const first = members[0];
  if (!first) return [];
  const backend = await initBackend(first.ctx.runtime['backend']);
  const read = await Promise.all(members.map((m) => readMember(m.ctx, m.params, m.data, backend.backend)));
  const outcomes = new Map<Member, MemberOutcome>();
  for (const part of partition(read)) {
    let results: MemberOutcome[];
    try {
      results = await trainPart(part, backend, first.ctx.signal);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      results = part.map(() => ({ ok: false, message }));
    }
    part.forEach((m, i) => outcomes.set(m, results[i]!));
  }
  return read.map((m) => outcomes.get(m)!);
}

/** One cell: a group of one, failing with its run's message. */
export async function trainStage(ctx: StageContext, params: TrainParams, data: InputArtifact): Promise<void> {
  const [outcome] = await trainGroupStage([{ ctx, params, data }]);
  if (outcome && !outcome.ok) throw new Error(outcome.message);
}
