import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareSeeds } from '../../stages/analysis/stats/compare-seeds.js';

describe('comparing two variants by their seeds', () => {
  it('says three seeds against three cannot tell at 5%, however far apart', () => {
    const r = compareSeeds([1, 2, 3], [100, 101, 102]);
    // 20 splits of six seeds into three and three; the observed one and its mirror are the extremes.
    assert.equal(r.p, 2 / 20);
    assert.equal(r.minP, 0.1);
    assert.equal(r.verdict, 'too-few-seeds');
    assert.equal(r.difference, -99);
  });

  it('names the lower variant when the seeds separate it, and finds no difference when they overlap', () => {
    const lower = compareSeeds([1, 2, 3, 4, 5], [10, 11, 12, 13, 14]);
    assert.equal(lower.p, 2 / 252);
    assert.equal(lower.verdict, 'a-lower');
    assert.equal(compareSeeds([10, 11, 12, 13, 14], [1, 2, 3, 4, 5]).verdict, 'b-lower');
    const overlap = compareSeeds([1, 4, 2, 5, 3], [2, 3, 1, 5, 4]);
    assert.equal(overlap.p, 1);
    assert.equal(overlap.verdict, 'no-difference');
  });

  it('matches the exact two-sided permutation p of a hand count', () => {
    // a = [1, 3, 4], b = [2, 6, 7, 9]: unequal sizes, 35 splits, counted by hand-written loops.
    const a = [1, 3, 4];
    const b = [2, 6, 7, 9];
    const pooled = [...a, ...b];
    const observed = Math.abs(8 / 3 - 6);
    let count = 0;
    for (let i = 0; i < 7; i++)
      for (let j = i + 1; j < 7; j++)
        for (let k = j + 1; k < 7; k++) {
          const s = pooled[i]! + pooled[j]! + pooled[k]!;
          if (Math.abs(s / 3 - (32 - s) / 4) >= observed - 1e-9) count++;
        }
    assert.equal(compareSeeds(a, b).p, count / 35);
    assert.equal(compareSeeds([1], [2, 3]).verdict, 'too-few-seeds');
  });
});
