import assert from 'node:assert/strict';
import test from 'node:test';
import { curveData } from '../../stages/lm/report/plots.js';
import { parseEvalJson, type ModelRecord } from '../../stages/lm/report/records.js';
import { regularizerEffects, sweepPoints } from '../../stages/lm/report/sweep.js';
import { groupVariants } from '../../stages/lm/report/variants.js';
import { evalJson, fixtureModels, L_TRAIN, longCeOf } from './report-fixtures.js';

const models = (): ModelRecord[] =>
  fixtureModels().map((m) => ({ ...parseEvalJson(`eval[${m.arch},${m.alpha},${m.lExtraRange},${m.seed}]`, evalJson(m)), task: 'markov', axes: { ...m }, seed: m.seed, trainLoss: 1 }));

/** Three seeds at v, v + 0.01, v + 0.02: sd 0.01, t(0.975, 2) = 4.3027. */
const HALF = (4.302652729911275 * 0.01) / Math.sqrt(3);

test('variants group the seeds of each axis combination', () => {
  const vs = groupVariants(models());
  assert.equal(vs.length, 8);
  assert.ok(vs.every((v) => v.seeds === 3));
  const lstm0 = vs.find((v) => v.axes.arch === 'lstm' && v.axes.alpha === 0);
  assert.ok(lstm0?.longCe);
  assert.ok(Math.abs(lstm0.longCe.mean - (longCeOf('lstm', 0, 'half', 1))) < 1e-12, 'mean of seeds 0..2 is the seed-1 value');
});

test('the α sweep has one point per α per arch and setting, with the seeds\' t interval', () => {
  const points = sweepPoints(groupVariants(models())).filter((p) => p.measure === 'longCe');
  for (const family of ['arch=decoder · pe=rope', 'arch=lstm · pe=none']) {
    const half = points.filter((p) => p.family === family && p.line === 'lExtraRange=half');
    assert.deepEqual(half.map((p) => p.alpha).sort(), [0, 0.3, 1], `${family}: α 0, 0.3 and 1 on the half line`);
    const full = points.filter((p) => p.family === family && p.line === 'lExtraRange=full');
    assert.deepEqual(full.map((p) => p.alpha).sort(), [0, 0.3], `${family}: the full line starts at the shared α = 0`);
    for (const p of [...half, ...full]) {
      assert.equal(p.n, 3);
      assert.ok(p.lo !== null && p.hi !== null);
      assert.ok(Math.abs(p.hi - p.mean - HALF) < 1e-9 && Math.abs(p.mean - p.lo - HALF) < 1e-9, `${family} α ${p.alpha}: half-width ${p.hi - p.mean}`);
    }
  }
  assert.equal(points.length, 10);
});

test('the regularizer effect is the difference of seed means with a Welch interval and p', () => {
  const effects = regularizerEffects(groupVariants(models()));
  assert.equal(effects.length, 6, 'three regularized variants per family');
  const e = effects.find((x) => x.family === 'arch=lstm · pe=none' && x.alpha === 1 && x.settings === 'lExtraRange=half');
  assert.ok(e && e.ci && e.p !== null);
  assert.ok(Math.abs(e.delta - -0.1) < 1e-12);
  // Equal spreads of 0.01 over 3 seeds: se = 0.01·sqrt(2/3), Welch df = 4, t(0.975, 4) = 2.7764.
  const half = 2.7764451051977987 * 0.01 * Math.sqrt(2 / 3);
  assert.ok(Math.abs(e.ci[1] - e.delta - half) < 1e-9);
  assert.ok(e.p < 0.001, `t = -12.2 on 4 df: p ${e.p}`);
  assert.equal(e.nSeeds, 3);
  assert.equal(e.nBaselineSeeds, 3);
  const full = effects.find((x) => x.family === 'arch=decoder · pe=rope' && x.settings === 'lExtraRange=full');
  assert.ok(full && Math.abs(full.delta - (-0.03 - 0.05)) < 1e-12, 'the full range is compared with the shared α = 0 variant');
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
