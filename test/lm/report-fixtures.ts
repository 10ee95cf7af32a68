/**
 * Hand-made upstream cells of the language-model report (eval.json,
 * train.json, model.json, correlation.json) with known numbers, so the
 * report's summaries can be checked against arithmetic done by hand.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InputArtifact, JsonObject, JsonValue } from '../../src/stage-api.js';
import { valueText } from '../../src/util/value-text.js';

export const L_TRAIN = 4;
export const TEST_LENGTH = 16;
export const ENTROPY_RATE = 0.9;

/** Long-context CE of one model: arch offset, minus 0.1 per unit α, plus 0.01 per seed. */
export function longCeOf(arch: string, alpha: number, lExtraRange: string, seed: number): number {
  return (arch === 'lstm' ? 1.5 : 1.3) - 0.1 * alpha - (lExtraRange === 'full' ? 0.05 : 0) + 0.01 * seed;
}

export interface FixtureModel {
  arch: string;
  pe: string;
  alpha: number;
  lExtraRange: string;
  seed: number;
}

/** decoder (rope) and lstm; α 0, 0.3, 1.0 with the half range, α 0.3 with the full range; seeds 0..2. */
export function fixtureModels(): FixtureModel[] {
  const out: FixtureModel[] = [];
  for (const [arch, pe] of [
    ['decoder', 'rope'],
    ['lstm', 'none'],
  ] as const) {
    for (const [alpha, lExtraRange] of [
      [0, 'half'],
      [0.3, 'half'],
      [1, 'half'],
      [0.3, 'full'],
    ] as const) {
      for (const seed of [0, 1, 2]) out.push({ arch, pe, alpha, lExtraRange, seed });
    }
  }
  return out;
}

export function evalJson(m: FixtureModel): JsonObject {
  const long = longCeOf(m.arch, m.alpha, m.lExtraRange, m.seed);
  const id = long - 0.2;
  const perPosition = Array.from({ length: TEST_LENGTH }, (_, i) => ({
    position: i + 1,
    ce: i < L_TRAIN ? id : long,
    se: 0.01,
  }));
  return {
    lTrain: L_TRAIN,
    testLength: TEST_LENGTH,
    entropyRate: ENTROPY_RATE,
    perPosition,
    idCe: id,
    longCe: long,
    longPerplexity: Math.exp(long),
    longExcess: long - ENTROPY_RATE,
    misalignment: {
      sce: { mean: 1 + m.alpha / 10 + m.seed / 100, se: 0.01 },
      symkl: { mean: m.alpha / 10 + m.seed / 100, se: 0.01 },
      samples: 64,
    },
  };
}

const stat = (value: number): JsonObject => ({ value, ci: [value - 0.2, value + 0.1], p: 0.01, n: 24, nVariants: 8 });
const predictor = (v: number): JsonObject => ({ pearson: stat(v), spearman: stat(v - 0.05), kendall: stat(v - 0.1) });

export function correlationJson(): JsonObject {
  const correlation = { misalignment: predictor(0.7), symkl: predictor(0.6), trainLoss: predictor(0.4) };
  return {
    target: 'longCe',
    n: 24,
    nVariants: 8,
    correlation,
    groups: [{ task: 'markov', n: 24, nVariants: 8, correlation }],
    regularizer: regularizerJson(),
  };
}

const difference = (d: number, meanB: number): JsonObject => ({
  difference: d,
  ci: [d - 0.02, d + 0.02],
  t: -3,
  df: 4,
  p: 0.04,
  meanA: meanB + d,
  meanB,
  nA: 3,
  nB: 3,
});

/** lm-correlate's regularizer entries: lstm at α 0.3 with both ranges, decoder-rope at α 1. */
export function regularizerJson(): JsonObject[] {
  const entry = (arch: string, pe: string, alpha: number, lExtraRange: string, d: number): JsonObject => ({
    task: 'markov',
    arch,
    pe,
    context: '',
    alpha,
    divergence: 'sce',
    lExtraRange,
    longCe: difference(d, 1.5),
    idCe: difference(d / 2, 1.3),
  });
  return [
    entry('lstm', 'none', 0.3, 'half', -0.03),
    entry('lstm', 'none', 0.3, 'full', -0.08),
    entry('decoder', 'rope', 1, 'half', 0.01),
  ];
}

async function cell(
  root: string,
  stage: string,
  axes: Record<string, JsonValue>,
  files: Record<string, JsonObject>,
): Promise<InputArtifact> {
  const id = `${stage}[${Object.entries(axes)
    .map(([k, v]) => `${k}=${valueText(v)}`)
    .join(',')}]`;
  const dir = join(root, id.replace(/[^a-zA-Z0-9_.=-]+/g, '_'));
  await mkdir(dir, { recursive: true });
  for (const [name, json] of Object.entries(files)) await writeFile(join(dir, name), JSON.stringify(json));
  return { stage, cell: id, axes, params: axes, dir, files: Object.keys(files).sort() };
}

/** The report's inputs as an engine would hand them: evals, trains, correlation, datasets. */
export async function fixtureInputs(root: string): Promise<Record<string, InputArtifact | InputArtifact[]>> {
  const models = fixtureModels();
  const axesOf = (m: FixtureModel): Record<string, JsonValue> => ({ ...m });
  const evals = await Promise.all(models.map((m) => cell(root, 'eval', axesOf(m), { 'eval.json': evalJson(m) })));
  const trains = await Promise.all(
    models.map((m) =>
      cell(root, 'train', axesOf(m), {
        'train.json': {
          finalLoss: 1 + m.seed / 50,
          finalMisalign: null,
          lossCurve: [],
          steps: 10,
          backend: 'wasm',
          tfjsVersion: '4.22.0',
          paramCount: 100,
          seed: m.seed,
        },
        'model.json': {
          format: 'ablate-lm-model/1',
          data: { source: 'markov', vocab: 4, lTrain: L_TRAIN, testLength: TEST_LENGTH, entropyRate: ENTROPY_RATE },
        },
      }),
    ),
  );
  const correlation = await cell(root, 'correlate', {}, { 'correlation.json': correlationJson() });
  const data = await cell(root, 'data', {}, { 'meta.json': { source: 'markov', entropyRate: ENTROPY_RATE } });
  return { evals, trains, correlation, datasets: [data] };
}
