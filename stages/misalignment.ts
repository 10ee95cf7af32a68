/**
 * Stage `misalignment`: long-short misalignment of one trained model
 * (regression form, L2 in the model's output space; see analysis/misalignment.ts).
 *
 * inputs:  { model }  one `train` cell (weights.bin, model.json)
 * params:  samples (2000), sampleSeed (0), trainLength (from model.json, else 10)
 *
 * The sampling seed is not called `seed`: a matrix `seed` axis selects which
 * trained model a cell scores and would overwrite it. Every model is scored
 * on the same inputs (common random numbers), so differences between models
 * are not blurred by different draws.
 * outputs: misalignment.json
 *   raw, normalized, outputVariance   E[(g(a) - g(b))^2], its ratio to Var g, and Var g
 *   target, excess                    E[(t(a) - t(b))^2] and E[((g(a) - g(b)) - (t(a) - t(b)))^2]
 *   scale                             Var[t] over the training distribution (exact)
 *   scaled.{measured,target,excess}   raw, target and excess divided by scale
 * (each estimate { mean, se }; the decomposition is null for a model without task).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  defineStage,
  runInTurn,
  type JsonObject,
  type JsonValue,
  type ParamsOf,
  type StageContext,
  type StageDefinition,
} from '../src/stage-api.js';
import type { Decomposition, Predictor } from './analysis/misalignment.js';
import { singleInput } from './ml/stage-util.js';

export const DEFAULT_SAMPLES = 2000;
export const DEFAULT_TRAIN_LENGTH = 10;

/** The part of a trained model the metric needs; `loadTrained` satisfies it. */
export interface LoadedModel {
  config: unknown;
  /** Everything in model.json; its `train.lengthMin/lengthMax` give the training range. */
  file?: unknown;
  task?: string;
  f?: string;
  predict: Predictor;
  dispose(): void;
}

export type ModelLoader = (dir: string, options: { backend?: string }) => Promise<LoadedModel>;

const schema = {
  type: 'object',
  properties: {
    samples: { type: 'integer', minimum: 2, default: DEFAULT_SAMPLES },
    sampleSeed: { type: 'integer', default: 0 },
    trainLength: { type: 'integer', minimum: 1 },
    f: {
      type: 'string',
      pattern: '^[a-z][a-z0-9_]*$',
      description:
        "The model's reparameterization (read from model.json); as a matrix axis it makes the engine " +
        'hash stages/reparam/<f>, whose forward function the target decomposition uses',
    },
  },
} as const;

export type MisalignmentParams = ParamsOf<typeof schema>;

/** The kind with its model loader injected, so tests can hand it constructed models. */
export function misalignmentKind(loader: () => Promise<ModelLoader>): StageDefinition {
  return defineStage({
    description: 'Long-short misalignment E[(g(x[-l1:]) - g(x[-l2:]))^2] of one trained model',
    params: schema,
    plugins: { f: './reparam' },
    runtime: ['tfjs'],
    verify: { tolerance: 1e-6 },
    inputs: { model: { files: ['model.json', 'weights.bin'] } },
    outputs: ['misalignment.json'],
    // Short cells: a group runs its members in turn, saving a process and TF.js start each.
    group: { over: ['seed', 'f'] },
    async run(ctx) {
      await runMisalignment(ctx, await loader());
    },
    async runGroup(members) {
      const load = await loader();
      return runInTurn(members, (ctx) => runMisalignment(ctx, load));
    },
  });
}

export default misalignmentKind(async () => (await import('./ml/predict.js')).loadTrained);

async function runMisalignment(ctx: StageContext<MisalignmentParams>, load: ModelLoader): Promise<void> {
  const { regressionMisalignment } = await import('./analysis/misalignment.js');
  const { isTargetTask, targetSpace } = await import('./analysis/target-space.js');
  const { loadReparam } = await import('./ml/reparam.js');
  const input = singleInput(ctx, 'model');
  // The engine resolved the backend when it fingerprinted this cell; use the same one.
  const model = await load(input.dir, { backend: ctx.runtime.backend });
  try {
    const samples = ctx.params.samples;
    const seed = ctx.params.sampleSeed;
    const source = model.file ?? model.config;
    const trainLength = ctx.params.trainLength ?? trainLengthOf(source) ?? DEFAULT_TRAIN_LENGTH;
    const trainLengthMin = trainLengthMinOf(source);
    const range: [number, number] = [Math.min(trainLengthMin ?? 1, trainLength), trainLength];
    const task = model.task;
    const target = isTargetTask(task)
      ? targetSpace(task, (await loadReparam(model.f ?? 'identity')).f, range)
      : undefined;
    ctx.log(`misalignment of ${input.cell}: ${samples} samples, l_train = ${trainLength}, seed ${seed}`);
    const result = await regressionMisalignment(model.predict, {
      samples,
      seed,
      trainLength,
      trainLengthMin,
      target,
      signal: ctx.signal,
      onProgress: (step, total) => ctx.progress({ step, total }),
    });
    const out: JsonObject = {
      form: 'regression-l2',
      space: 'output',
      model: input.cell,
      task: model.task ?? null,
      f: model.f ?? null,
      raw: { ...result.raw },
      normalized: { ...result.normalized },
      outputVariance: { ...result.outputVariance },
      samples: result.samples,
      seed: result.seed,
      trainLength: result.trainLength,
      suffixRange: result.suffixRange,
      varianceRange: result.varianceRange,
      ...decompositionJson(result.decomposition),
    };
    await writeFile(join(ctx.outDir, 'misalignment.json'), JSON.stringify(out, null, 2) + '\n');
    const excess = result.decomposition?.scaled.excess.mean;
    ctx.progress({
      metrics: {
        raw: result.raw.mean,
        normalized: result.normalized.mean,
        ...(excess === undefined ? {} : { excess }),
      },
    });
  } finally {
    model.dispose();
  }
}

function decompositionJson(d: Decomposition | null): JsonObject {
  if (d === null) return { target: null, excess: null, scale: null, scaled: null };
  return {
    target: { ...d.target },
    excess: { ...d.excess },
    scale: d.scale,
    scaled: { measured: { ...d.scaled.measured }, target: { ...d.scaled.target }, excess: { ...d.scaled.excess } },
  };
}

/** The largest training length, wherever model.json keeps it. */
export function trainLengthOf(config: unknown): number | undefined {
  const v = at(config, 'train', 'lengthMax') ?? findKey(config, ['trainLengthMax', 'maxTrainLength', 'trainLength']);
  // A [min, max] range, e.g. trainLength: [1, 10].
  if (Array.isArray(v) && typeof v[1] === 'number') return v[1];
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

export function trainLengthMinOf(config: unknown): number | undefined {
  const range = findKey(config, ['trainLength']);
  if (Array.isArray(range) && typeof range[0] === 'number') return range[0];
  const v = at(config, 'train', 'lengthMin') ?? findKey(config, ['trainLengthMin', 'minTrainLength']);
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

/** model.json as the train stage writes it: `{ train: { lengthMin, lengthMax } }`. */
function at(root: unknown, ...path: string[]): unknown {
  let cur = root;
  for (const key of path)
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
  return cur;
}

/**
 * The first of `names` found breadth-first in a nested config (depth <= 3):
 * the ML stages may nest data params under `data` or `config.data`.
 */
function findKey(root: unknown, names: readonly string[]): unknown {
  let level: JsonValue[] = [root as JsonValue];
  for (let depth = 0; depth <= 3 && level.length > 0; depth++) {
    for (const name of names) {
      for (const node of level) {
        if (node !== null && typeof node === 'object' && !Array.isArray(node) && name in node) {
          return (node as Record<string, unknown>)[name];
        }
      }
    }
    level = level.flatMap((n) => (n !== null && typeof n === 'object' && !Array.isArray(n) ? Object.values(n) : []));
  }
  return undefined;
}
