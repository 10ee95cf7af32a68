import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entropy } from '../../stages/analysis/divergence.js';
import { contextOf } from '../../stages/lm/data/markov-source.js';
import { BayesLm } from '../../stages/lm/eval/bayes-lm.js';
import { evaluateLm } from '../../stages/lm/eval/evaluate.js';
import { misalignment } from '../../stages/lm/eval/misalign.js';
import { drawSuffixPairs } from '../../stages/lm/eval/suffixes.js';
import { testRowOf } from '../../stages/lm/eval/types.js';
import { markovData, ruleModel, source } from './eval-markov.js';

const opts = { samples: 200, seed: 4, batchSize: 32 };

test('per-position CE and its standard error match a hand computation', async () => {
  // A model that always says P(0) = 0.8, P(1) = 0.2.
  const model = ruleModel(2, () => [0.8, 0.2]);
  const data = {
    meta: { vocab: 2, lTrain: 1, testLength: 2, testSequences: 3, entropyRate: null },
    test: Int8Array.from([1, 0, 1, 1, 0, 1, 0, 1, 1]),
  };
  const a = -Math.log(0.8);
  const b = -Math.log(0.2);
  // Position 1 (one token seen) targets x[1] = 0, 0, 1: losses a, a, b. Position 2 targets x[2] = 1, 1, 1.
  const mean = (2 * a + b) / 3;
  const se = Math.sqrt(((a - mean) ** 2 * 2 + (b - mean) ** 2) / 2 / 3);
  const r = await evaluateLm(model, data, { samples: 4, seed: 0, batchSize: 2 });
  assert.deepEqual(
    r.perPosition.map((p) => p.position),
    [1, 2],
  );
  const p1 = r.perPosition[0]!;
  const p2 = r.perPosition[1]!;
  assert.ok(Math.abs(p1.ce - mean) < 1e-6, `ce ${p1.ce} vs ${mean}`);
  assert.ok(Math.abs(p1.se - se) < 1e-6, `se ${p1.se} vs ${se}`);
  assert.ok(Math.abs(p2.ce - b) < 1e-6 && p2.se < 1e-6, `position 2: ${p2.ce} ± ${p2.se}`);
  assert.ok(Math.abs(r.idCe - mean) < 1e-6 && Math.abs(r.longCe - b) < 1e-6);
  assert.ok(Math.abs(r.idCeSe - se) < 1e-6 && r.longCeSe < 1e-6);
  assert.ok(Math.abs(r.longPerplexity - Math.exp(r.longCe)) < 1e-12);
  assert.equal(r.longExcess, null);
});

test('the Bayes predictor reaches the entropy rate at long positions', async () => {
  const s = source();
  const data = markovData(s, 8, 32, 300);
  const H = data.meta.entropyRate as number;
  const r = await evaluateLm(new BayesLm(s), data, opts);
  assert.ok(Math.abs(r.longCe - H) < 4 * r.longCeSe, `longCe ${r.longCe} ± ${r.longCeSe} vs entropy rate ${H}`);
  assert.ok(Math.abs((r.longExcess as number) - (r.longCe - H)) < 1e-12);
  for (const p of r.perPosition.filter((q) => q.position >= s.order)) {
    assert.ok(Math.abs(p.ce - H) < 5 * p.se, `position ${p.position}: ${p.ce} ± ${p.se} vs ${H}`);
  }
  // Before `order` tokens the context is unseen: that position costs more than the rate.
  assert.ok((r.perPosition[0] as { ce: number }).ce > H);
});

test('the Bayes predictor has zero symmetric-KL misalignment and SCE equal to twice its entropy', async () => {
  const s = source();
  const data = markovData(s, 8, 32, 50);
  const m = await misalignment(new BayesLm(s), data, opts);
  assert.ok(m.symkl.mean >= 0 && m.symkl.mean < 1e-9, `symKL ${m.symkl.mean}`);
  // Its prediction at the shared last position is the transition row of the last `order` tokens of x.
  const twoH = drawSuffixPairs(opts.samples, 8, 50, opts.seed).map(({ row }) => {
    const x = testRowOf(data, row).subarray(0, 8);
    const c = contextOf(s, x);
    return 2 * entropy(s.transition.subarray(c * s.vocab, (c + 1) * s.vocab));
  });
  const expected = twoH.reduce((a, v) => a + v, 0) / twoH.length;
  assert.ok(Math.abs(m.sce.mean - expected) < 1e-5, `SCE ${m.sce.mean} vs 2H ${expected}`);
  assert.ok(Math.abs(m.sce.mean - 2 * m.entropy.mean) < 1e-9);
  assert.equal(m.samples, opts.samples);
});

test('a model whose prediction depends on the input length is misaligned', async () => {
  const data = markovData(source(), 16, 32, 20);
  // P(0) grows with the window length; the tokens are ignored.
  const model = ruleModel(3, (w) => {
    const p0 = 0.1 + 0.8 * (w.length / 32);
    return [p0, (1 - p0) / 2, (1 - p0) / 2];
  });
  const m = await misalignment(model, data, opts);
  assert.ok(m.symkl.mean > 0.01, `symKL ${m.symkl.mean}`);
  assert.ok(m.symkl.mean > 5 * m.symkl.se);
  assert.ok(m.sce.mean > 2 * m.entropy.mean);
});

test('misalignment calls the model once per suffix length and batch, whatever the batch size', async () => {
  const s = source();
  const data = markovData(s, 10, 20, 30);
  const rule = (w: Int8Array): number[] => {
    const p0 = 0.2 + 0.05 * w.length + 0.1 * ((w[w.length - 1] ?? 0) === 0 ? 1 : 0);
    return [p0, (1 - p0) / 2, (1 - p0) / 2];
  };
  const one = ruleModel(3, rule);
  const seven = ruleModel(3, rule);
  const a = await misalignment(one, data, { samples: 40, seed: 2, batchSize: 1 });
  const b = await misalignment(seven, data, { samples: 40, seed: 2, batchSize: 7 });
  assert.deepEqual(a, b);
  assert.equal(one.calls.length, 80);
  const counts = new Map<number, number>();
  for (const p of drawSuffixPairs(40, 10, 30, 2)) for (const l of [p.l1, p.l2]) counts.set(l, (counts.get(l) ?? 0) + 1);
  const expectedCalls = [...counts.values()].reduce((n, c) => n + Math.ceil(c / 7), 0);
  assert.equal(seven.calls.length, expectedCalls);
  // Lengths arrive grouped: once a length is done it does not come back.
  const finished = new Set<number>();
  seven.calls.forEach((l, i) => {
    assert.ok(!finished.has(l), `length ${l} called again after others`);
    if (seven.calls[i + 1] !== l) finished.add(l);
  });
});

test('a vocabulary mismatch between model and data is refused by name', async () => {
  const data = markovData(source(), 4, 8, 4);
  await assert.rejects(
    evaluateLm(
      ruleModel(2, () => [0.5, 0.5]),
      data,
      opts,
    ),
    /vocab is 2 but the data's is 3/,
  );
});
