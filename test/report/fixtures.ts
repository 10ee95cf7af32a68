/**
 * Constructed upstream artifacts for the analysis stages: train, evaluate
 * and misalignment cells of a small synthetic study, written to a temp dir,
 * plus a StageContext that runs a stage against them.
 */
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InputArtifact, JsonObject, JsonValue, StageContext } from '../../src/stage-api.js';
import { valueText } from '../../src/util/value-text.js';
import type { ModelRow } from '../../stages/analysis/rows.js';

export interface Workspace {
  root: string;
  dispose(): Promise<void>;
}

export async function workspace(): Promise<Workspace> {
  const root = await mkdtemp(join(tmpdir(), 'ablate-report-'));
  return { root, dispose: () => rm(root, { recursive: true, force: true }) };
}

const cellId = (stage: string, axes: Record<string, JsonValue>): string =>
  `${stage}[${Object.keys(axes)
    .sort()
    .map((k) => `${k}=${valueText(axes[k])}`)
    .join(',')}]`;

/** Writes `files` into a fresh cell directory and describes it as an input. */
export async function artifact(
  ws: Workspace,
  stage: string,
  axes: Record<string, JsonValue>,
  files: Record<string, JsonObject | string>,
  params: JsonObject = {},
): Promise<InputArtifact> {
  const cell = cellId(stage, axes);
  const dir = join(ws.root, 'cells', cell.replace(/[^\w=,.-]/g, '_'));
  await mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    await writeFile(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return { stage, cell, axes, params: { ...params, ...axes }, dir, files: Object.keys(files) };
}

export interface RunContext {
  ctx: StageContext<JsonObject>;
  logs: string[];
  outputs(): Promise<string[]>;
}

export async function context(
  ws: Workspace,
  stage: string,
  inputs: StageContext['inputs'],
  params: JsonObject = {},
  axes: Record<string, JsonValue> = {},
): Promise<RunContext> {
  const outDir = await mkdtemp(join(ws.root, `${stage}-out-`));
  const logs: string[] = [];
  const ctx: StageContext<JsonObject> = {
    stage,
    cell: cellId(stage, axes),
    params: { ...params, ...axes },
    axes,
    seed: 0,
    inputs,
    outDir,
    workDir: await mkdtemp(join(ws.root, `${stage}-work-`)),
    runtime: {},
    progress: () => undefined,
    log: (m) => logs.push(m),
    signal: new AbortController().signal,
  };
  return { ctx, logs, outputs: async () => (await readdir(outDir, { recursive: true })).map(String).sort() };
}

/** One model of the constructed study and the numbers its artifacts carry. */
export interface FakeModel {
  axes: { task: string; f: string; arch: string; pe: string; seed: number };
  finalLoss: number;
  misalignment: number;
  /** MSE at test length L. */
  mse(length: number): number;
  baseline(length: number): number;
}

const TRAIN_MAX = 10;
const LENGTHS = Array.from({ length: 50 }, (_, i) => i + 1);

/** A misalignment linear in log10 OOD MSE, with a little deterministic noise. */
function alignedWith(mse: (l: number) => number, salt: number): number {
  const ood = LENGTHS.filter((l) => l > TRAIN_MAX).reduce((s, l) => s + mse(l), 0) / (LENGTHS.length - TRAIN_MAX);
  return 0.1 * (Math.log10(ood) + 6) * (1 + 0.01 * Math.sin(7 * salt));
}

/** Artifacts of the train, evaluate and misalignment cells of one model. */
export async function modelCells(
  ws: Workspace,
  m: FakeModel,
): Promise<{ model: InputArtifact; eval: InputArtifact; misalignment: InputArtifact }> {
  const perLength = LENGTHS.map((length) => ({
    length,
    mse: m.mse(length),
    mseF: m.mse(length),
    baselineMse: m.baseline(length),
  }));
  const ood = perLength.filter((p) => p.length > TRAIN_MAX);
  const id = perLength.filter((p) => p.length <= TRAIN_MAX);
  const avg = (ps: typeof perLength): number => ps.reduce((s, p) => s + p.mse, 0) / ps.length;
  const model = await artifact(
    ws,
    'train',
    m.axes,
    {
      'model.json': { config: { ...m.axes, trainLength: [1, TRAIN_MAX] } },
      'train.json': {
        finalLoss: m.finalLoss,
        finalLossNorm: m.finalLoss,
        stepsPerSec: 50,
        backend: 'cpu',
        tfjsVersion: '4.22.0',
        steps: 100,
        // Geometric decay from 1 to the final loss, as train.json's downsampled curve.
        lossCurve: Array.from({ length: 20 }, (_, i) => ({ step: (i + 1) * 5, loss: m.finalLoss ** ((i + 1) / 20) })),
      },
      'weights.bin': 'x',
    },
    { steps: 100, lr: 0.001 },
  );
  const evaluation = await artifact(ws, 'evaluate', m.axes, {
    'eval.json': {
      perLength,
      summary: { idMse: avg(id), oodMse: avg(ood), horizon: 12, threshold: 0.01, trainLengthMax: TRAIN_MAX },
    },
  });
  const misalignment = await artifact(ws, 'misalignment', m.axes, {
    'misalignment.json': {
      raw: { mean: m.misalignment * 3, se: 0.01 },
      normalized: { mean: m.misalignment, se: 0.001 },
      scaled: {
        excess: { mean: m.misalignment, se: 0.001 },
        measured: { mean: m.misalignment + 0.5, se: 0.001 },
        target: { mean: 0.5, se: 0 },
      },
      samples: 100,
      seed: 0,
      trainLength: TRAIN_MAX,
    },
  });
  return { model, eval: evaluation, misalignment };
}

/**
 * A study whose numbers follow the paper's story: NoPE solves the mean
 * task, the raw length target fails beyond 10, compressive targets help,
 * expansive ones hurt, and misalignment tracks OOD error more closely than
 * training loss does.
 */
export function paperLikeStudy(seeds = 2): FakeModel[] {
  const out: FakeModel[] = [];
  const meanBaseline = (l: number): number => 0.25 / l;
  const lengthBaseline = (l: number): number => (l - 5.5) ** 2 + 8.25;
  const growth: Record<string, number> = { identity: 1, sqrt: 0.3, log: 0.2, inv_sqrt: 0.1, square: 3, cube: 6 };
  for (const arch of ['gpt', 'mlp']) {
    for (let seed = 0; seed < seeds; seed++) {
      const jitter = 1 + 0.1 * seed;
      for (const pe of ['nope', 'rope']) {
        const drift = pe === 'nope' ? 0 : 2e-4;
        const meanMse = (l: number): number => (l <= TRAIN_MAX ? 1e-5 : 1e-5 + drift * (l - TRAIN_MAX)) * jitter;
        out.push({
          axes: { task: 'mean', f: 'identity', arch, pe, seed },
          finalLoss: 1e-5 * jitter * (pe === 'nope' ? 2 : 1),
          misalignment: alignedWith(meanMse, seed),
          mse: meanMse,
          baseline: meanBaseline,
        });
        for (const [f, g] of Object.entries(growth)) {
          const mse = (l: number): number => (l <= TRAIN_MAX ? 0.05 : 0.05 + g * (l - TRAIN_MAX) ** 2 * 0.5) * jitter;
          out.push({
            axes: { task: 'length', f, arch, pe, seed },
            // Loss varies with the seed but not with the target: a weak predictor.
            finalLoss: 0.01 * jitter * (1 + (seed % 2)),
            misalignment: alignedWith(mse, seed + g),
            mse,
            baseline: lengthBaseline,
          });
        }
      }
    }
  }
  return out;
}

/** One model's correlation row of variant `v=<variant>`, with neutral values and `v` over them. */
export function row(variant: string, seed: number, v: Partial<ModelRow>): ModelRow {
  return {
    model: `train[seed=${seed},v=${variant}]`,
    variant: `v=${variant}`,
    task: 'length',
    f: 'identity',
    arch: 'decoder',
    pe: 'none',
    seed,
    axes: { v: variant, seed },
    finalLoss: 1,
    finalLossNorm: 1,
    misalignment: 0,
    misalignmentSe: 0,
    misalignmentMeasured: 0,
    misalignmentTarget: 0,
    misalignmentOutputNorm: 0.5,
    misalignmentOutputNormSe: 0,
    misalignmentRaw: 1,
    misalignmentRawSe: 0,
    idMse: 0,
    oodMse: 1,
    horizon: 10,
    idFailure: false,
    clamped: 0,
    trainLengthMax: 10,
    ...v,
  };
}
