import test from 'node:test';
import assert from 'node:assert/strict';
import { dirichletInto, logGamma } from '../../stages/lm/data/dirichlet.js';
import {
  bayesNextToken,
  contextOf,
  drawMarkovSource,
  entropyRate,
  type MarkovSource,
  sampleStream,
} from '../../stages/lm/data/markov-source.js';
import { nextContext } from '../../stages/lm/data/stationary.js';
import { Rng } from '../../stages/ml/prng.js';

const TINY = { vocab: 3, order: 2, concentration: 0.5, seed: 7 };

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

test('Gamma draws have mean and variance equal to the shape', () => {
  for (const shape of [0.3, 1, 2.5]) {
    const rng = new Rng(shape * 1000);
    const xs = Array.from({ length: 40000 }, () => Math.exp(logGamma(rng, shape)));
    const m = mean(xs);
    const se = Math.sqrt(shape / xs.length);
    assert.ok(Math.abs(m - shape) < 4 * se, `shape ${shape}: mean ${m}`);
    const v = mean(xs.map((x) => (x - m) ** 2));
    assert.ok(Math.abs(v / shape - 1) < 0.1, `shape ${shape}: variance ${v}`);
  }
});

test('Dirichlet rows are positive, sum to 1, and a symmetric Dirichlet has mean 1/n', () => {
  const rng = new Rng(3);
  const n = 5;
  const out = new Float64Array(n);
  const firsts: number[] = [];
  for (let i = 0; i < 20000; i++) {
    dirichletInto(rng, n, 0.5, out);
    assert.ok(Math.abs(out.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.ok(out.every((q) => q > 0));
    firsts.push(out[0]!);
  }
  // Var of one coordinate: (1/n)(1 - 1/n) / (n a + 1).
  const se = Math.sqrt((0.2 * 0.8) / (5 * 0.5 + 1) / firsts.length);
  assert.ok(Math.abs(mean(firsts) - 0.2) < 4 * se, `mean ${mean(firsts)}`);
});

test('the same seed gives the same table; another seed another one', () => {
  const a = drawMarkovSource(TINY);
  assert.deepEqual(a.transition, drawMarkovSource(TINY).transition);
  assert.notDeepEqual(a.transition, drawMarkovSource({ ...TINY, seed: 8 }).transition);
  for (let c = 0; c < 9; c++) {
    const row = a.transition.subarray(c * 3, c * 3 + 3);
    assert.ok(Math.abs(row.reduce((x, y) => x + y, 0) - 1) < 1e-12);
  }
  assert.throws(() => drawMarkovSource({ ...TINY, vocab: 6, order: 4 }), /1296 contexts; at most 1024/);
});

test('the stationary distribution is invariant under the context chain', () => {
  const s = drawMarkovSource({ vocab: 4, order: 3, concentration: 0.2, seed: 1 });
  const n = s.stationary.length;
  const next = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    for (let y = 0; y < 4; y++) next[nextContext(c, y, 4, n)]! += s.stationary[c]! * s.transition[c * 4 + y]!;
  }
  for (let c = 0; c < n; c++) assert.ok(Math.abs(next[c]! - s.stationary[c]!) < 1e-13, `context ${c}`);
  assert.ok(Math.abs(s.stationary.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.ok(s.stationary.every((p) => p >= 0));
});

test('the exact entropy rate agrees with a Monte-Carlo estimate', () => {
  const s = drawMarkovSource({ vocab: 8, order: 2, concentration: 0.5, seed: 11 });
  const h = entropyRate(s);
  const x = sampleStream(s, 400000, new Rng(5));
  // Batch means: the losses of nearby tokens are correlated, batches of 4000 are not (much).
  const batches: number[] = [];
  for (let b = 0; b < 100; b++) {
    let sum = 0;
    for (let t = b * 4000 + 2; t < (b + 1) * 4000 + 2 && t < x.length; t++) {
      sum -= Math.log(s.transition[contextOf(s, x.subarray(t - 2, t)) * 8 + x[t]!]!);
    }
    batches.push(sum / 4000);
  }
  const m = mean(batches);
  const se = Math.sqrt(mean(batches.map((v) => (v - m) ** 2)) / (batches.length - 1));
  assert.ok(h > 0 && h < Math.log(8));
  assert.ok(Math.abs(m - h) < 4 * se, `Monte Carlo ${m} ± ${se}, exact ${h}`);
  assert.ok(se < 0.004, `the estimate is precise enough to tell pi from a uniform weighting (se ${se})`);
});

/** P(prefix) by summing over the hidden stationary start context and every path. */
function bruteProbability(s: MarkovSource, prefix: number[]): number {
  const n = s.stationary.length;
  let total = 0;
  for (let c0 = 0; c0 < n; c0++) {
    let p = s.stationary[c0]!;
    let c = c0;
    for (const y of prefix) {
      p *= s.transition[c * s.vocab + y]!;
      c = nextContext(c, y, s.vocab, n);
    }
    total += p;
  }
  return total;
}

/** P(first tokens = prefix) read off the stationary law of a block of k tokens (valid for prefix.length <= k). */
function blockProbability(s: MarkovSource, prefix: number[]): number {
  let total = 0;
  const span = s.vocab ** (s.order - prefix.length);
  let head = 0;
  for (const y of prefix) head = head * s.vocab + y;
  for (let r = 0; r < span; r++) total += s.stationary[head * span + r]!;
  return total;
}

function allPrefixes(vocab: number, length: number): number[][] {
  if (length === 0) return [[]];
  return allPrefixes(vocab, length - 1).flatMap((p) => Array.from({ length: vocab }, (_, y) => [...p, y]));
}

test('bayesNextToken is the transition row from k tokens on, and brute-force marginalisation before', () => {
  const s = drawMarkovSource(TINY);
  for (const prefix of [
    [0, 1],
    [2, 2, 0],
    [1, 0, 2, 1],
  ]) {
    const c = contextOf(s, prefix);
    assert.deepEqual(Array.from(bayesNextToken(s, prefix)), Array.from(s.transition.subarray(c * 3, c * 3 + 3)));
  }
  for (const prefix of [...allPrefixes(3, 0), ...allPrefixes(3, 1)]) {
    const q = bayesNextToken(s, prefix);
    assert.ok(Math.abs(q.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    for (let y = 0; y < 3; y++) {
      const brute = bruteProbability(s, [...prefix, y]) / bruteProbability(s, prefix);
      const block = blockProbability(s, [...prefix, y]) / blockProbability(s, prefix);
      assert.ok(
        Math.abs(q[y]! - brute) < 1e-12,
        `prefix [${prefix.join(',')}] token ${y}: ${String(q[y])} vs ${brute}`,
      );
      assert.ok(
        Math.abs(q[y]! - block) < 1e-12,
        `prefix [${prefix.join(',')}] token ${y}: ${String(q[y])} vs stationary block ${block}`,
      );
    }
  }
  assert.throws(() => bayesNextToken(s, [0, 3]), /prefix token 1 is 3, outside 0\.\.2/);
});

test('the Bayes conditional entropy falls with the prefix length to exactly the entropy rate at k', () => {
  const s = drawMarkovSource({ ...TINY, order: 3, vocab: 2, seed: 2 });
  const h = entropyRate(s);
  const conditional = [0, 1, 2, 3, 4].map((len) => {
    let sum = 0;
    for (const prefix of allPrefixes(2, len)) {
      const q = bayesNextToken(s, prefix);
      sum -= bruteProbability(s, prefix) * q.reduce((a, p) => a + (p > 0 ? p * Math.log(p) : 0), 0);
    }
    return sum;
  });
  for (let i = 1; i < conditional.length; i++)
    assert.ok(conditional[i]! <= conditional[i - 1]! + 1e-12, `H_${i} > H_${i - 1}`);
  assert.ok(conditional[0]! > h + 1e-3, 'a short prefix predicts worse than the full context');
  assert.ok(Math.abs(conditional[3]! - h) < 1e-12 && Math.abs(conditional[4]! - h) < 1e-12);
});

test('the log-loss of bayesNextToken on sampled sequences approaches the entropy rate', () => {
  const s = drawMarkovSource({ vocab: 4, order: 2, concentration: 0.5, seed: 4 });
  const h = entropyRate(s);
  const rng = new Rng(9);
  const length = 8;
  const losses: number[][] = Array.from({ length }, () => []);
  for (let i = 0; i < 5000; i++) {
    const x = sampleStream(s, length, rng);
    for (let t = 0; t < length; t++) losses[t]!.push(-Math.log(bayesNextToken(s, x.subarray(0, t))[x[t]!]!));
  }
  const late = losses.slice(2).map(mean);
  const se = Math.sqrt(mean(losses[length - 1]!.map((v) => (v - late.at(-1)!) ** 2)) / 5000);
  for (const m of late) assert.ok(Math.abs(m - h) < 4 * se, `loss ${m} vs entropy rate ${h} (se ${se})`);
  assert.ok(mean(losses[0]!) > h, 'the first token is harder than the rate');
});

test('sampled streams start stationary: the first token follows the unigram marginal', () => {
  const s = drawMarkovSource({ vocab: 4, order: 2, concentration: 0.5, seed: 4 });
  const marginal = bayesNextToken(s, []);
  const rng = new Rng(1);
  const counts = [0, 0, 0, 0];
  const n = 20000;
  for (let i = 0; i < n; i++) counts[sampleStream(s, 1, rng)[0]!]!++;
  for (let y = 0; y < 4; y++) {
    const p = marginal[y]!;
    assert.ok(Math.abs(counts[y]! / n - p) < 4 * Math.sqrt((p * (1 - p)) / n), `token ${y}: ${counts[y]! / n} vs ${p}`);
  }
});
