/**
 * Gathers the report's inputs. A study with several tasks whose data come
 * from different stage kinds (markov, text) has one train/evaluate/correlate
 * chain per task, so every input family may come several times under names
 * that share its prefix: `evals`, `evalsText`; `trains`, `trainsText`;
 * `correlation`, `correlationText`; `datasets`, `datasetsText`. An evals
 * input pairs with the trains input of the same suffix, cell by cell on
 * equal axes.
 */
import type { InputArtifact, JsonValue, StageContext } from '../../../src/stage-api.js';
import { at, num, readJson, requireJson, str } from '../../analysis/artifacts.js';
import type { LmReportInputs } from './build.js';
import { parseCorrelation } from './correlation.js';
import { axesKey, parseEvalJson, parseTrainJson, type ModelRecord, type TrainFacts } from './records.js';

const family = (ctx: StageContext, prefix: string): [string, InputArtifact[]][] =>
  Object.entries(ctx.inputs)
    .filter(([name]) => name.startsWith(prefix))
    .sort(([a], [b]) => a.length - b.length || a.localeCompare(b))
    .map(([name, v]) => [name.slice(prefix.length), Array.isArray(v) ? v : [v]]);

export async function collectLmReportInputs(ctx: StageContext): Promise<LmReportInputs> {
  const trainsBySuffix = new Map<string, Map<string, TrainFacts>>();
  const runtime = { backends: new Set<string>(), tfjs: new Set<string>() };
  for (const [suffix, cells] of family(ctx, 'trains')) {
    const byAxes = new Map<string, TrainFacts>();
    for (const a of cells) {
      const model = await readJson(a, 'model.json');
      const facts = parseTrainJson(await requireJson(a, 'train.json'), model.ok ? model.value : null);
      if (facts.backend) runtime.backends.add(facts.backend);
      if (facts.tfjs) runtime.tfjs.add(facts.tfjs);
      byAxes.set(axesKey(a.axes), facts);
    }
    trainsBySuffix.set(suffix, byAxes);
  }
  const models: ModelRecord[] = [];
  for (const [suffix, cells] of family(ctx, 'evals')) {
    for (const a of cells)
      models.push(
        toModel(a, await requireJson(a, 'eval.json'), trainsBySuffix.get(suffix)?.get(axesKey(a.axes)) ?? null, suffix),
      );
  }
  if (models.length === 0) throw new Error(`${ctx.cell}: nothing to report: input 'evals' is missing or empty`);
  const correlations = [];
  for (const [, cells] of family(ctx, 'correlation')) {
    for (const a of cells) correlations.push(parseCorrelation(a.cell, await requireJson(a, 'correlation.json')));
  }
  if (correlations.length === 0) throw new Error(`${ctx.cell}: input 'correlation' (an lm-correlate cell) is missing`);
  return {
    models,
    correlations,
    entropyRates: await entropyRates(ctx),
    runtime: { backends: [...runtime.backends].sort(), tfjs: [...runtime.tfjs].sort() },
  };
}

function toModel(
  a: InputArtifact,
  json: Parameters<typeof parseEvalJson>[1],
  train: TrainFacts | null,
  suffix: string,
): ModelRecord {
  const parsed = parseEvalJson(a.cell, json);
  return {
    ...parsed,
    task: taskOf(a.axes, train, suffix, parsed.entropyRate),
    axes: a.axes,
    seed: typeof a.axes.seed === 'number' ? a.axes.seed : 0,
    trainLoss: train?.trainLoss ?? null,
  };
}

/** An axis named `task`, else the data source the model was trained on, else the input's suffix. */
function taskOf(
  axes: Record<string, JsonValue>,
  train: TrainFacts | null,
  suffix: string,
  entropyRate: number | null,
): string {
  return (
    str(axes.task ?? null) ??
    train?.source ??
    (suffix.replace(/^[-_]/, '').toLowerCase() || (entropyRate !== null ? 'markov' : 'text'))
  );
}

/** Entropy rates of the markov data cells, by source (the task name a model without a task axis gets). */
async function entropyRates(ctx: StageContext): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [, cells] of family(ctx, 'datasets')) {
    for (const a of cells) {
      const meta = await readJson(a, 'meta.json');
      if (!meta.ok) continue;
      const rate = num(at(meta.value, 'entropyRate'));
      const task = str(a.axes.task ?? null) ?? str(at(meta.value, 'source'));
      if (rate !== null && task !== null) out[task] = rate;
    }
  }
  return out;
}
