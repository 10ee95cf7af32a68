import test from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../stages/ml/prng.js';
import { maxExtra, overlapRange, windowTokens, WindowSampler } from '../../stages/lm/windows.js';

test('windowTokens cuts s1 and s2 with next-token targets from a hand-made stream', () => {
  // Token value = its index in the stream, so every expectation reads as a position.
  const stream = Int8Array.from({ length: 30 }, (_, i) => i);
  const s1 = windowTokens(stream, [3, 10], 4, 0);
  assert.deepEqual([...s1.inputs], [3, 4, 5, 6, 10, 11, 12, 13]);
  assert.deepEqual([...s1.targets], [4, 5, 6, 7, 11, 12, 13, 14]);
  const s2 = windowTokens(stream, [3, 10], 4, 2);
  assert.deepEqual([...s2.inputs], [5, 6, 7, 8, 12, 13, 14, 15]);
  assert.deepEqual([...s2.targets], [6, 7, 8, 9, 13, 14, 15, 16]);
});

test('overlapRange pairs the positions that predict the same absolute token', () => {
  const stream = Int8Array.from({ length: 30 }, (_, i) => i);
  const lTrain = 6;
  for (const lExtra of [1, 2, 3, 5]) {
    const s1 = windowTokens(stream, [0], lTrain, 0);
    const s2 = windowTokens(stream, [0], lTrain, lExtra);
    const all = overlapRange(lTrain, lExtra, 'all')!;
    assert.equal(all.count, lTrain - lExtra);
    for (let i = 0; i < all.count; i++) {
      // Same input token and same target, the s2 copy with lExtra fewer tokens of context.
      assert.equal(s1.inputs[all.s1From + i], s2.inputs[all.s2From + i]);
      assert.equal(s1.targets[all.s1From + i], s2.targets[all.s2From + i]);
    }
    const last = overlapRange(lTrain, lExtra, 'last')!;
    assert.equal(last.count, 1);
    assert.equal(last.s1From, lTrain - 1);
    assert.equal(s1.targets[last.s1From], s2.targets[last.s2From]);
  }
  assert.deepEqual(overlapRange(6, 2, 'all'), { s1From: 2, s2From: 0, count: 4 });
  assert.equal(overlapRange(6, 6, 'all'), null, 'lExtra = lTrain leaves no shared prediction');
  assert.equal(overlapRange(6, 6, 'last'), null);
});

test('the sampler draws the same offsets whatever the l_extra range, and l_extra within it', () => {
  assert.equal(maxExtra(32, 'half'), 16);
  assert.equal(maxExtra(32, 'full'), 32);
  const half = new WindowSampler(1000, 32, 8, 'half', new Rng(7));
  const full = new WindowSampler(1000, 32, 8, 'full', new Rng(7));
  const seen = new Set<number>();
  for (let i = 0; i < 300; i++) {
    const a = half.next();
    const b = full.next();
    assert.deepEqual(a.offsets, b.offsets);
    assert.ok(a.lExtra >= 1 && a.lExtra <= 16, `half: ${a.lExtra}`);
    assert.ok(b.lExtra >= 1 && b.lExtra <= 32, `full: ${b.lExtra}`);
    assert.ok(b.lExtra >= a.lExtra, 'one uniform mapped onto both ranges');
    for (const o of a.offsets)
      assert.ok(o >= 0 && o + 2 * 32 + 1 <= 1000, `offset ${o} leaves room for the longest window`);
    seen.add(a.lExtra);
  }
  assert.equal(seen.size, 16, 'every l_extra of the half range is drawn');
});

test('a stream too short for a window is a clear error', () => {
  assert.throws(() => new WindowSampler(64, 32, 4, 'half', new Rng(1)), /train stream has 64 tokens; windows need 65/);
});
