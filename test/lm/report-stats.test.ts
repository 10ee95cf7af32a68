import assert from 'node:assert/strict';
import test from 'node:test';
import { curveData } from '../../stages/lm/report/plots.js';
import { parseEvalJson, type ModelRecord } from '../../stages/lm/report/records.js';
import { parseRegularizer } from '../../stages/lm/report/regularizer.js';
import { sweepPoints } from '../../stages/lm/report/sweep.js';
import { paperRows, regularizerTable } from '../../stages/lm/report/tables.js';
import { groupVariants } from '../../stages/lm/report/variants.js';
import { evalJson, fixtureModels, L_TRAIN, longCeOf, regularizerJson } from './report-fixtures.js';

const models = (): ModelRecord[] =>
  fixtureModels().map((m) => ({
    ...parseEvalJson(`eval[${m.arch},${m.alpha},${m.lExtraRange},${m.seed}]`, evalJson(m)),
    task: 'markov',
    axes: { ...m },
    seed: m.seed,
    trainLoss: 1,
  }));

/** Three seeds at v, v + 0.01, v + 0.02: sd 0.01, t(0.975, 2) = 4.3027. */
const HALF = (4.302652729911275 * 0.01) / Math.sqrt(3);

test('variants group the seeds of each axis combination', () => {
  const vs = groupVariants(models());
  assert.equal(vs.length, 8);
  assert.ok(vs.every((v) => v.seeds === 3));
  const lstm0 = vs.find((v) => v.axes.arch === 'lstm' && v.axes.alpha === 0);
  assert.ok(lstm0?.longCe);
  assert.ok(
    Math.abs(lstm0.longCe.mean - longCeOf('lstm', 0, 'half', 1)) < 1e-12,
    'mean of seeds 0..2 is the seed-1 value',
  );
});

test("the α sweep has one point per α per arch and setting, with the seeds' t interval", () => {
  const points = sweepPoints(groupVariants(models())).filter((p) => p.measure === 'longCe');
  for (const family of ['arch=decoder · pe=rope', 'arch=lstm · pe=none']) {
    const half = points.filter((p) => p.family === family && p.line === 'lExtraRange=half');
    assert.deepEqual(half.map((p) => p.alpha).sort(), [0, 0.3, 1], `${family}: α 0, 0.3 and 1 on the half line`);
    const full = points.filter((p) => p.family === family && p.line === 'lExtraRange=full');
    assert.deepEqual(full.map((p) => p.alpha).sort(), [0, 0.3], `${family}: the full line starts at the shared α = 0`);
    for (const p of [...half, ...full]) {
      assert.equal(p.n, 3);
      assert.ok(p.lo !== null && p.hi !== null);
      assert.ok(
        Math.abs(p.hi - p.mean - HALF) < 1e-9 && Math.abs(p.mean - p.lo - HALF) < 1e-9,
        `${family} α ${p.alpha}: half-width ${p.hi - p.mean}`,
      );
    }
  }
  assert.equal(points.length, 10);
});

test("the regularizer table reads lm-correlate's effects and names the setting that varies", () => {
  const effects = parseRegularizer(regularizerJson(), 'markov');
  assert.deepEqual(
    effects.map((e) => [e.family, e.settings, e.alpha]),
    [
      ['arch=lstm · pe=none', 'lExtraRange=half', 0.3],
      ['arch=lstm · pe=none', 'lExtraRange=full', 0.3],
      ['arch=decoder · pe=rope', 'lExtraRange=half', 1],
    ],
  );
  const full = effects[1];
  assert.ok(
    full &&
      full.longCe.delta === -0.08 &&
      full.idCe.delta === -0.04 &&
      full.regularized === 1.5 - 0.08 &&
      full.nSeeds === 3,
  );
  const table = regularizerTable(effects);
  assert.equal(table.rows.length, 3);
  assert.deepEqual(table.rows[1]?.slice(6, 8), ['-0.08 [-0.1, -0.06]', '0.04']);
  const paper = paperRows([], effects).find((r) => r.quantity === 'α that lowers long-context CE');
  assert.equal(
    paper?.ours,
    'arch=lstm · pe=none (lExtraRange=half): α 0.3, Δ -0.03 (interval below 0); arch=lstm · pe=none (lExtraRange=full): α 0.3, Δ -0.08 (interval below 0); arch=decoder · pe=rope (lExtraRange=half): no α lowers it',
  );
});

test('the position curve is the mean over seeds at every position', () => {
  const vs = groupVariants(models()).filter((v) => v.axes.arch === 'decoder' && v.axes.alpha === 0);
  const data = curveData(vs);
  assert.equal(data.length, 16);
  const inside = data.find((d) => d.position === L_TRAIN);
  const beyond = data.find((d) => d.position === L_TRAIN + 1);
  assert.ok(Math.abs((inside?.ce ?? 0) - (longCeOf('decoder', 0, 'half', 1) - 0.2)) < 1e-12);
  assert.ok(Math.abs((beyond?.ce ?? 0) - longCeOf('decoder', 0, 'half', 1)) < 1e-12);
  assert.ok(beyond && Math.abs(beyond.hi - beyond.ce - HALF) < 1e-9);
});
