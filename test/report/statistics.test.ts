import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { correlate, kendall, pearson, spearman } from '../../stages/analysis/correlation.js';

/**
 * Hollander & Wolfe (1973), Nonparametric Statistical Methods, p. 187f.:
 * Hunter L-values (x) and panel scores (y) of nine lots of canned tuna.
 * This is the example of R's ?cor.test, which prints cor = 0.5711816
 * (Pearson), tau = 0.4444444 with exact p = 0.1194 (Kendall: T = 26, i.e.
 * 26 concordant of 36 pairs) and rho = 0.6 with exact p = 0.0968 (S = 48).
 */
const tunaX = [44.4, 45.9, 41.9, 53.3, 44.7, 44.1, 50.7, 45.2, 60.1];
const tunaY = [2.6, 3.1, 2.5, 5.0, 3.6, 4.0, 5.2, 2.8, 3.8];

/**
 * Anscombe (1973), "Graphs in Statistical Analysis", The American
 * Statistician 27(1): four data sets sharing r = 0.816.
 */
const anscombe = {
  x: [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5],
  y1: [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68],
  y2: [9.14, 8.14, 8.74, 8.77, 9.26, 8.1, 6.13, 3.1, 9.13, 7.26, 4.74],
  y3: [7.46, 6.77, 12.74, 7.11, 7.81, 8.84, 6.08, 5.39, 8.15, 6.42, 5.73],
  x4: [8, 8, 8, 8, 8, 8, 8, 19, 8, 8, 8],
  y4: [6.58, 5.76, 7.71, 8.84, 8.47, 7.04, 5.25, 12.5, 5.56, 7.91, 6.89],
};

describe('correlation coefficients against published values', () => {
  it('Hollander & Wolfe tuna data: Pearson, Spearman, Kendall as in R cor.test', () => {
    assert.ok(Math.abs(pearson(tunaX, tunaY) - 0.5711816) < 1e-7);
    assert.ok(Math.abs(spearman(tunaX, tunaY) - 0.6) < 1e-12);
    assert.ok(Math.abs(kendall(tunaX, tunaY) - 4 / 9) < 1e-12);
  });

  it("Anscombe's quartet: r = 0.816 for all four sets", () => {
    for (const [x, y] of [
      [anscombe.x, anscombe.y1],
      [anscombe.x, anscombe.y2],
      [anscombe.x, anscombe.y3],
      [anscombe.x4, anscombe.y4],
    ] as const) {
      // Anscombe gives three decimals; set IV is 0.81652, so allow the rounding.
      assert.ok(Math.abs(pearson(x, y) - 0.816) < 1e-3, `r = ${pearson(x, y)}`);
    }
  });

  it('Kendall tau-b corrects for ties (Anscombe IV: ten x tied at 8)', () => {
    // 55 pairs, 45 tied in x, the other 10 all concordant:
    // tau-b = 10 / sqrt((55 - 45) * 55) (Kendall 1945), R: 0.4264014.
    assert.ok(Math.abs(kendall(anscombe.x4, anscombe.y4) - 10 / Math.sqrt(550)) < 1e-12);
    // Midranks make x an indicator of the largest y: rho = 0.5 exactly.
    assert.ok(Math.abs(spearman(anscombe.x4, anscombe.y4) - 0.5) < 1e-12);
  });

  it('a monotone but non-linear relation has rank correlations of 1', () => {
    const x = [1, 2, 3, 4, 5, 6];
    const y = x.map((v) => Math.exp(v));
    assert.equal(kendall(x, y), 1);
    assert.equal(spearman(x, y), 1);
    assert.ok(pearson(x, y) < 0.95);
  });
});

describe('bootstrap intervals and permutation p-values', () => {
  const u = { bootstrap: 2000, permutations: 20000, seed: 7, level: 0.95 };

  it('permutation p approaches the exact p-values R reports for the tuna data', () => {
    // Standard error of a p near 0.1 from 20000 permutations is about 0.002.
    const k = correlate(tunaX, tunaY, 'kendall', u);
    assert.ok(Math.abs((k.p ?? 1) - 0.1194) < 0.01, `kendall p = ${k.p}`);
    const s = correlate(tunaX, tunaY, 'spearman', u);
    assert.ok(Math.abs((s.p ?? 1) - 0.0968) < 0.01, `spearman p = ${s.p}`);
  });

  it('the interval brackets the estimate and is reproducible from its seed', () => {
    const a = correlate(tunaX, tunaY, 'pearson', u);
    const b = correlate(tunaX, tunaY, 'pearson', u);
    assert.deepEqual(a, b);
    assert.ok(a.ci && a.value !== null);
    assert.ok(a.ci[0] <= a.value && a.value <= a.ci[1]);
    const c = correlate(tunaX, tunaY, 'pearson', { ...u, seed: 8 });
    assert.notDeepEqual(a.ci, c.ci);
  });

  it('a perfect relation is significant; too few points give nulls, not guesses', () => {
    const x = Array.from({ length: 12 }, (_, i) => i);
    const r = correlate(
      x,
      x.map((v) => 2 * v + 1),
      'pearson',
      { ...u, permutations: 999 },
    );
    assert.equal(r.p, 1 / 1000);
    assert.deepEqual(correlate([1, 2], [2, 1], 'kendall', u), { value: null, ci: null, p: null, n: 2 });
    assert.equal(correlate([1, 1, 1, 1], [1, 2, 3, 4], 'spearman', u).value, null);
  });
});
