/**
 * Stage `lm-correlate`: merges language-model rows and correlates
 * misalignment (SCE, the paper's metric), misalignment (symmetric KL) and
 * training loss with long-context CE, per task and pooled over tasks after
 * centring per task, in raw nats; intervals from a variant-level cluster
 * bootstrap, p-values from permuting whole variants, n models and n
 * variants with each. Also the regularizer's effect: per (task, arch, pe)
 * and α > 0, mean longCe and idCe against α = 0 over seeds, Welch interval
 * and p. The shape is LmCorrelation in lm/stats/correlate.ts.
 *
 * inputs:  { rows: [lm-row cells] }  (fan-in)
 * params:  minSeeds (3), bootstrap (2000), permutations (2000), level (0.95), seed (0)
 * outputs: correlation.json
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineStage } from '../src/stage-api.js';

export default defineStage({
  description: 'Correlation of misalignment and training loss with long-context CE; the regularizer effect',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      minSeeds: {
        type: 'integer',
        minimum: 2,
        default: 3,
        description: 'Seeds a variant needs for the within-variant test',
      },
      bootstrap: { type: 'integer', minimum: 0, default: 2000, description: 'Cluster bootstrap resamples' },
      permutations: {
        type: 'integer',
        minimum: 0,
        default: 2000,
        description: 'Whole-variant permutations per p-value',
      },
      level: {
        type: 'number',
        exclusiveMinimum: 0,
        exclusiveMaximum: 1,
        default: 0.95,
        description: 'Interval coverage',
      },
      seed: { type: 'integer', minimum: 0, default: 0, description: 'Seed of the resampling' },
    },
  },
  verify: { tolerance: 1e-9 },
  inputs: { rows: { fanIn: true, files: ['row.json'] } },
  outputs: ['correlation.json'],
  async run(ctx) {
    const { manyInputs, requireJson } = await import('./analysis/artifacts.js');
    const { parseLmRow } = await import('./lm/stats/row.js');
    const { correlateLmRows } = await import('./lm/stats/correlate.js');
    const inputs = manyInputs(ctx, 'rows');
    if (inputs.length === 0) throw new Error(`${ctx.cell}: input 'rows' matched no cells`);
    const rows = await Promise.all(
      inputs.map(async (a) => parseLmRow(await requireJson(a, 'row.json'), `${a.cell}/row.json`)),
    );
    const p = ctx.params;
    const result = correlateLmRows(rows, {
      minSeeds: p.minSeeds,
      uncertainty: { bootstrap: p.bootstrap, permutations: p.permutations, level: p.level, seed: p.seed },
    });
    for (const e of result.excluded) ctx.log(`left out ${e.model}: ${e.reason}`);
    await writeFile(join(ctx.outDir, 'correlation.json'), JSON.stringify(result, null, 2) + '\n');
  },
});
