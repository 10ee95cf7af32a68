import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { regressionMisalignment, suffixPairs, type Predictor } from '../../stages/analysis/misalignment.js';

const opts = { samples: 4000, seed: 3, trainLength: 10 };

/** Discrete uniform on [a, b]: variance ((b - a + 1)^2 - 1) / 12. */
const uniformVariance = (a: number, b: number): number => ((b - a + 1) ** 2 - 1) / 12;

const lengthModel: Predictor = (seqs) => Promise.resolve(Float32Array.from(seqs, (s) => s.length));
const meanModel: Predictor = (seqs) =>
  Promise.resolve(Float32Array.from(seqs, (s) => s.reduce((a, b) => a + b, 0) / s.length));

describe('regression misalignment', () => {
  it('is exactly 0 for a model whose output ignores length', async () => {
    // Output depends on the shared last token only, so both suffixes agree.
    const lastToken: Predictor = (seqs) => Promise.resolve(Float32Array.from(seqs, (s) => s.at(-1) ?? 0));
    const r = await regressionMisalignment(lastToken, opts);
    assert.equal(r.raw.mean, 0);
    assert.equal(r.raw.se, 0);
    assert.equal(r.normalized.mean, 0);
    assert.ok(Math.abs(r.outputVariance.mean - 0.25) < 0.02);
  });

  it('equals E[(l1 - l2)^2] = 2 Var U{5..10} = 35/6 for a model that outputs the length', async () => {
    const r = await regressionMisalignment(lengthModel, opts);
    const expected = 2 * uniformVariance(5, 10);
    assert.ok(Math.abs(expected - 35 / 6) < 1e-12);
    assert.ok(Math.abs(r.raw.mean - expected) < 4 * r.raw.se, `${r.raw.mean} ± ${r.raw.se} vs ${expected}`);
    // Normalized by Var g over training lengths U{1..10} = 99/12.
    const normalized = expected / uniformVariance(1, 10);
    assert.ok(Math.abs(r.outputVariance.mean - uniformVariance(1, 10)) < 4 * r.outputVariance.se);
    assert.ok(Math.abs(r.normalized.mean - normalized) < 4 * r.normalized.se, `${r.normalized.mean} vs ${normalized}`);
    assert.deepEqual(r.suffixRange, [5, 10]);
  });

  it('normalization removes the scale of f: 3 + 7 * length scores like length', async () => {
    const affine: Predictor = (seqs) => Promise.resolve(Float32Array.from(seqs, (s) => 3 + 7 * s.length));
    const a = await regressionMisalignment(lengthModel, opts);
    const b = await regressionMisalignment(affine, opts);
    assert.ok(Math.abs(b.raw.mean / a.raw.mean - 49) < 1e-4);
    assert.ok(Math.abs(b.normalized.mean - a.normalized.mean) < 1e-9);
  });

  it('ranks a compressive target (1/sqrt l) as better aligned than the raw length', async () => {
    const invSqrt: Predictor = (seqs) => Promise.resolve(Float32Array.from(seqs, (s) => 1 / Math.sqrt(s.length)));
    const a = await regressionMisalignment(lengthModel, opts);
    const b = await regressionMisalignment(invSqrt, opts);
    assert.ok(b.normalized.mean < a.normalized.mean / 2);
    // The exact mean predictor is far better aligned than the length one.
    const m = await regressionMisalignment(meanModel, opts);
    assert.ok(m.normalized.mean < a.normalized.mean / 2);
  });

  it('orders ideal predictors of f(l) as the alignment argument says: 1/√x < log x < √x < x < x² < x³', async () => {
    // Closed forms for l1, l2 ~ U{5..10} and Var over U{1..10}: 0.0976,
    // 0.231, 0.442, 0.707, 1.261, 1.717 (see the README's metric section).
    const fs: [string, (l: number) => number, number][] = [
      ['1/√x', (l) => 1 / Math.sqrt(l), 0.0976],
      ['log x', Math.log, 0.2307],
      ['√x', Math.sqrt, 0.4417],
      ['x', (l) => l, 0.7071],
      ['x²', (l) => l * l, 1.2606],
      ['x³', (l) => l ** 3, 1.7165],
    ];
    let previous = 0;
    for (const [name, f, closed] of fs) {
      const r = await regressionMisalignment(
        (seqs) => Promise.resolve(Float32Array.from(seqs, (s) => f(s.length))),
        opts,
      );
      assert.ok(r.normalized.mean > previous, name);
      assert.ok(
        Math.abs(r.normalized.mean - closed) < 4 * r.normalized.se,
        `${name}: ${r.normalized.mean} ± ${r.normalized.se} vs ${closed}`,
      );
      previous = r.normalized.mean;
    }
  });

  it('is seeded, draws suffixes sharing their end, and batches without changing results', async () => {
    const pairs = suffixPairs(200, 1, 10);
    for (let i = 0; i < pairs.length; i += 2) {
      const [a, b] = [pairs[i] ?? [], pairs[i + 1] ?? []];
      const [short, long] = a.length <= b.length ? [a, b] : [b, a];
      assert.deepEqual(long.slice(long.length - short.length), short);
      assert.ok(short.length >= 5 && long.length <= 10);
    }
    const one = await regressionMisalignment(lengthModel, { ...opts, batchSize: 7 });
    const two = await regressionMisalignment(lengthModel, opts);
    assert.deepEqual(one, two);
    const other = await regressionMisalignment(lengthModel, { ...opts, seed: 4 });
    assert.notEqual(other.raw.mean, two.raw.mean);
  });
});
