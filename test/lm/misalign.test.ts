import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drawSuffixPairs, suffixRange } from '../../stages/lm/eval/suffixes.js';

test('suffix lengths are uniform over [lTrain/2, lTrain], both ends reached', () => {
  assert.deepEqual(suffixRange(16), [8, 16]);
  assert.deepEqual(suffixRange(7), [4, 7]);
  assert.deepEqual(suffixRange(1), [1, 1]);
  const pairs = drawSuffixPairs(2000, 16, 5, 0);
  const seen = new Set<number>();
  for (const p of pairs) {
    for (const l of [p.l1, p.l2]) {
      assert.ok(Number.isInteger(l) && l >= 8 && l <= 16, `length ${l}`);
      seen.add(l);
    }
    assert.ok(Number.isInteger(p.row) && p.row >= 0 && p.row < 5, `row ${p.row}`);
  }
  assert.equal(seen.size, 9);
  const rows = new Set(pairs.map((p) => p.row));
  assert.equal(rows.size, 5);
  // l1 and l2 are independent draws: they differ in most pairs.
  assert.ok(pairs.filter((p) => p.l1 !== p.l2).length > 1500);
});

test('suffix draws are seeded', () => {
  assert.deepEqual(drawSuffixPairs(50, 32, 10, 7), drawSuffixPairs(50, 32, 10, 7));
  assert.notDeepEqual(drawSuffixPairs(50, 32, 10, 7), drawSuffixPairs(50, 32, 10, 8));
});

test('no test rows is a clear error', () => {
  assert.throws(() => drawSuffixPairs(5, 8, 0, 0), /no test sequences/);
});
