/**
 * The correlate stage's output on constructed studies: the headline keys
 * hold the excess misalignment and the log training loss, every
 * correlation states its models and variants, and the within-variant test
 * sees through a target that decides the cross-variant correlation.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import correlateKind from '../../stages/correlate.js';
import { correlateRows, type CorrelationResult } from '../../stages/analysis/correlate-rows.js';
import { pearson } from '../../stages/analysis/correlation.js';
import { parseRow, type ModelRow } from '../../stages/analysis/rows.js';
import { runRow } from '../../stages/row.js';
import type { JsonObject } from '../../src/stage-api.js';
import { artifact, context, row, workspace, type Workspace } from './fixtures.js';

const u = { bootstrap: 200, permutations: 200, seed: 1, level: 0.95 };
const METHODS = ['pearson', 'spearman', 'kendall'] as const;

/**
 * Six variants of three seeds. The target's own misalignment is set by the
 * variant and drives its error level; within a variant the seed's excess
 * misalignment tracks its deviation in error, its training loss does not.
 */
function confounded(): ModelRow[] {
  const rows: ModelRow[] = [];
  for (let v = 0; v < 6; v++) {
    const target = 0.1 * (v + 1);
    for (let seed = 0; seed < 3; seed++) {
      const wobble = Math.sin(7 * v + 3 * seed);
      const logOod = 2 * target * 10 + 0.3 * wobble;
      rows.push(
        row(`v${v}`, seed, {
          misalignment: 0.05 + 0.01 * wobble + 0.001 * Math.cos(11 * seed + v),
          misalignmentTarget: target,
          misalignmentMeasured: target + 0.05,
          finalLossNorm: 10 ** (-3 - 0.2 * v + 0.05 * Math.cos(5 * seed * v)),
          oodMse: 10 ** logOod,
        }),
      );
    }
  }
  return rows;
}

const run = (rows: ModelRow[]): CorrelationResult =>
  correlateRows(rows, { measure: 'excess', lossMeasure: 'normLog10', groupBy: ['task'], uncertainty: u });

describe('correlate rows', () => {
  it('keeps correlation.misalignment and .trainLoss, now the excess and log10 of the normalized loss, with n models and variants', () => {
    const rows = confounded();
    const c = run(rows);
    assert.equal(c.n, 18);
    assert.equal(c.nVariants, 6);
    assert.equal(c.uncertainty.resampling, 'variant');
    const order = [...rows].sort((a, b) => a.model.localeCompare(b.model));
    const yo = order.map((r) => Math.log10(r.oodMse ?? Number.NaN));
    assert.ok(
      Math.abs(
        (c.misalignment.pearson.value ?? 0) -
          pearson(
            order.map((r) => r.misalignment ?? 0),
            yo,
          ),
      ) < 1e-12,
    );
    assert.ok(
      Math.abs(
        (c.trainLoss.pearson.value ?? 0) -
          pearson(
            order.map((r) => Math.log10(r.finalLossNorm ?? 0)),
            yo,
          ),
      ) < 1e-12,
    );
    for (const m of METHODS) {
      for (const stat of [
        c.misalignment[m],
        c.trainLoss[m],
        c.variantLevel.misalignment[m],
        c.variantLevel.trainLoss[m],
      ]) {
        assert.equal(stat.n, 18);
        assert.equal(stat.nVariants, 6);
        assert.ok(stat.value !== null && stat.ci !== null && stat.p !== null, m);
        // A percentile interval need not contain the estimate (duplicated variants tie ranks), but it is ordered.
        assert.ok(stat.ci[0] <= stat.ci[1] && stat.p > 0 && stat.p <= 1, `${m}: ${stat.ci.join(',')}, p ${stat.p}`);
      }
    }
    assert.deepEqual(
      c.predictors.map((p) => p.key),
      [
        'misalignment.excess',
        'misalignment.excessLog10',
        'misalignment.measured',
        'misalignment.target',
        'misalignment.outputNorm',
        'misalignment.raw',
        'trainLoss.normLog10',
        'trainLoss.norm',
        'trainLoss.raw',
        'trainLoss.rawLog10',
      ],
    );
    // A constant predictor has no correlation: stated as null, not 0.
    assert.equal(c.predictors.find((p) => p.key === 'misalignment.outputNorm')?.model.pearson.value, null);
  });

  it('finds the target, not the excess, behind the cross-variant correlation, and the excess within variants', () => {
    const c = run(confounded());
    const target = c.predictors.find((p) => p.key === 'misalignment.target');
    assert.ok((target?.variant.pearson.value ?? 0) > 0.99);
    assert.ok(Math.abs(c.variantLevel.misalignment.pearson.value ?? 1) < 0.9);
    const w = c.withinVariant;
    assert.equal(w.variants.length, 6);
    assert.equal(w.pooled.n, 18);
    assert.ok((w.pooled.misalignment.pearson.value ?? 0) > 0.9, `${w.pooled.misalignment.pearson.value}`);
    assert.equal(w.pooled.verdict.pearson, 'misalignment');
  });

  it('leaves out rows lacking a number, with a reason', () => {
    const rows = [...confounded(), row('x', 0, { misalignment: null }), row('y', 0, { finalLossNorm: null })];
    const c = run(rows);
    assert.equal(c.n, 18);
    assert.deepEqual(
      c.excluded.map((e) => e.reason),
      ['no misalignment.excess', 'no trainLoss.normLog10'],
    );
  });
});

describe('row and correlate stages on written artifacts', () => {
  let ws: Workspace;
  before(async () => (ws = await workspace()));
  after(async () => ws.dispose());

  it('carry the decomposition from misalignment.json and the normalized loss from train.json into correlation.json', async () => {
    const rowCells = [];
    for (const m of confounded()) {
      const axes = { task: 'length', f: 'identity', v: m.variant.slice(2), seed: m.seed ?? 0 };
      const model = await artifact(ws, 'train', axes, {
        'model.json': { task: 'length', f: 'identity', arch: 'decoder', config: { pe: 'none' } },
        'train.json': { finalLoss: 5 * (m.finalLossNorm ?? 0), finalLossNorm: m.finalLossNorm },
      });
      const evaluation = await artifact(ws, 'evaluate', axes, {
        'eval.json': {
          perLength: [],
          summary: {
            oodMse: m.oodMse,
            idMse: 0.1,
            horizon: 14,
            idFailure: true,
            clamped: { count: 2, total: 90, share: 2 / 90 },
          },
        },
      });
      const scaled = {
        excess: { mean: m.misalignment, se: 0.001 },
        target: { mean: m.misalignmentTarget, se: 0 },
        measured: { mean: m.misalignmentMeasured, se: 0.001 },
      };
      const misalignment = await artifact(ws, 'misalignment', axes, {
        'misalignment.json': { raw: { mean: 2, se: 0.1 }, normalized: { mean: 0.3, se: 0.01 }, scale: 8.25, scaled },
      });
      const r = await context(ws, 'row', { model, eval: evaluation, misalignment }, {}, axes);
      await runRow(r.ctx);
      const json = JSON.parse(await readFile(join(r.ctx.outDir, 'row.json'), 'utf8')) as JsonObject;
      const parsed = parseRow(json);
      assert.equal(parsed.misalignment, m.misalignment);
      assert.equal(parsed.misalignmentOutputNorm, 0.3);
      assert.equal(parsed.idFailure, true);
      assert.equal(parsed.clamped, 2);
      rowCells.push(await artifact(ws, 'row', axes, { 'row.json': json }));
    }
    const c = await context(ws, 'correlate', { rows: rowCells }, { bootstrap: 100, permutations: 100 });
    await correlateKind.run(c.ctx);
    const out = JSON.parse(await readFile(join(c.ctx.outDir, 'correlation.json'), 'utf8')) as CorrelationResult;
    assert.equal(out.misalignmentMeasure, 'excess');
    assert.equal(out.trainLossMeasure, 'normLog10');
    assert.equal(out.n, 18);
    assert.equal(out.nVariants, 6);
    for (const m of METHODS) assert.equal(typeof out.misalignment[m].value, 'number');
    assert.equal(out.withinVariant.pooled.nVariants, 6);
  });
});
