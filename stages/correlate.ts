/**
 * Stage `correlate`: merges per-model rows and correlates misalignment and
 * training loss with log10 OOD MSE (Pearson, Spearman, Kendall tau-b) over
 * models and over variant means, each with a seeded percentile interval
 * from a variant-level (cluster) bootstrap, a p-value from permuting whole
 * variants, and the number of models and variants; then the within-variant
 * test and the same per group. The shape is CorrelationResult in
 * analysis/correlate-rows.ts.
 *
 * inputs:  { rows: [row cells] }  (fan-in)
 * params:  measure ('excess'), lossMeasure ('normLog10'), groupBy (['task', 'arch']),
 *          minSeeds (3), bootstrap (2000), permutations (2000), level (0.95), seed (0)
 * outputs: correlation.json
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineStage, type ParamsOf, type StageContext } from '../src/stage-api.js';
import { LOSS_MEASURES, MISALIGNMENT_MEASURES } from './analysis/stats/predictors.js';

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    measure: {
      enum: [...MISALIGNMENT_MEASURES, 'normalized'],
      default: 'excess',
      description: "The headline misalignment ('normalized' is the earlier name of outputNorm)",
    },
    lossMeasure: { enum: [...LOSS_MEASURES], default: 'normLog10', description: 'The headline training loss' },
    minSeeds: {
      type: 'integer',
      minimum: 2,
      default: 3,
      description: 'Seeds a variant needs for the within-variant test',
    },
    groupBy: { type: 'array', items: { type: 'string' }, default: ['task', 'arch'] },
    bootstrap: { type: 'integer', minimum: 0, default: 2000 },
    permutations: { type: 'integer', minimum: 0, default: 2000 },
    level: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.95 },
    seed: { type: 'integer', default: 0 },
  },
} as const;

export default defineStage({
  description: 'Correlation of misalignment and training loss with out-of-distribution error',
  params: schema,
  verify: { tolerance: 1e-9 },
  inputs: { rows: { fanIn: true, files: ['row.json'] } },
  outputs: ['correlation.json'],
  async run(ctx) {
    await runCorrelate(ctx);
  },
});

export async function runCorrelate(ctx: StageContext<ParamsOf<typeof schema>>): Promise<void> {
  const { manyInputs, requireJson } = await import('./analysis/artifacts.js');
  const { parseRow } = await import('./analysis/rows.js');
  const { correlateRows } = await import('./analysis/correlate-rows.js');
  const inputs = manyInputs(ctx, 'rows');
  if (inputs.length === 0) throw new Error(`${ctx.cell}: input 'rows' matched no cells`);
  const rows = await Promise.all(inputs.map(async (a) => parseRow(await requireJson(a, 'row.json'))));
  const p = ctx.params;
  const result = correlateRows(rows, {
    measure: p.measure === 'normalized' ? 'outputNorm' : p.measure,
    lossMeasure: p.lossMeasure,
    minSeeds: p.minSeeds,
    groupBy: p.groupBy,
    uncertainty: { bootstrap: p.bootstrap, permutations: p.permutations, level: p.level, seed: p.seed },
  });
  for (const e of result.excluded) ctx.log(`left out ${e.model}: ${e.reason}`);
  await writeFile(join(ctx.outDir, 'correlation.json'), JSON.stringify(result, null, 2) + '\n');
}
